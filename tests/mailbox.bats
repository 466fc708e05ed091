#!/usr/bin/env bats
# mailbox create, delete, rename, subscribe, unsubscribe with UTF-8 names;
# the server's mailboxes and subscriptions checked afterwards with list.

load helpers
load change

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
setup() { dovecot_reseed; }

@test "create, rename, subscribe, unsubscribe and delete, in UTF-8" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug mailbox create 'Ünïcödé/Tëst & Co'
	assert_success
	assert_output $'create\tÜnïcödé/Tëst & Co\t'
	[[ $stderr == *'C: A2 CREATE "&ANw-n&AO8-c&APY-d&AOk-/T&AOs-st &- Co"'* ]]
	srv_mailboxes | grep -qx 'Ünïcödé/Tëst & Co'
	run imapctl mailbox rename 'Ünïcödé/Tëst & Co' '日本語/新' -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '.[0]')" '{"action":"rename","mailbox":"Ünïcödé/Tëst & Co","new_mailbox":"日本語/新"}'
	srv_mailboxes | grep -qx '日本語/新'
	! srv_mailboxes | grep -qx 'Ünïcödé/Tëst & Co'
	run imapctl mailbox subscribe '日本語/新' -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -r .action)" subscribe
	srv_mailboxes --subscribed | grep -qx '日本語/新'
	run imapctl mailbox unsubscribe '日本語/新' -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl[@command="mailbox"]/mailbox/action)' -)" unsubscribe
	! srv_mailboxes --subscribed | grep -qx '日本語/新'
	run imapctl mailbox delete '日本語/新'
	assert_success
	! srv_mailboxes | grep -qx '日本語/新'
}

@test "delete --max 0 deletes only an empty mailbox" {
	run --separate-stderr imapctl mailbox delete Projects/2024 --max 0
	assert_failure 65
	[[ $stderr == *'the mailbox holds 2 messages, more than --max 0; nothing was changed'* ]]
	srv_mailboxes | grep -qx Projects/2024
	run imapctl mailbox delete Projects/2025 --max 0
	assert_success
	! srv_mailboxes | grep -qx Projects/2025
}

@test "mailbox --dry-run changes nothing" {
	before=$(srv_mailboxes)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug mailbox delete 'Old Mail' --dry-run
	assert_success
	assert_output $'delete\tOld Mail\t'
	! echo "$stderr" | grep -q DELETE
	run imapctl mailbox create Fresh --dry-run
	assert_success
	assert_equal "$(srv_mailboxes)" "$before"
}

@test "a refusal is an error with the server's text" {
	run --separate-stderr imapctl mailbox create INBOX
	assert_failure 69
	assert_output ""
	[[ $stderr == "imapctl: mailbox: cannot create 'INBOX': "* ]]
	run --separate-stderr imapctl mailbox delete Nope
	assert_failure 69
}

@test "bad actions and operand counts are usage errors" {
	run --separate-stderr imapctl mailbox remove X
	assert_failure 64
	[[ $stderr == *"unknown action 'remove'"* ]]
	run --separate-stderr imapctl mailbox rename X
	assert_failure 64
	[[ $stderr == *'rename takes NAME and NEWNAME'* ]]
	run --separate-stderr imapctl mailbox create X Y
	assert_failure 64
	run --separate-stderr imapctl mailbox create
	assert_failure 64
}

@test "a name with CR LF or quotes never makes a second command" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug mailbox create $'x\r\nA9 DELETE INBOX'
	assert_equal "$(echo "$stderr" | grep -c '^C: A[0-9]* CREATE')" 1
	! echo "$stderr" | grep -q '^C: A9 DELETE'
	run imapctl mailbox create 'a"b\c'
	assert_success
	srv_mailboxes | grep -qxF 'a"b\c'
}

@test "the manual's example: remove an old folder only if it is empty" {
	run imapctl mailbox delete 'Old Mail' --max 0
	assert_success
	! srv_mailboxes | grep -qx 'Old Mail'
}
