#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
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
	# The missing parent first, each subscribed.
	assert_output $'create\tÜnïcödé\t\ttrue\ncreate\tÜnïcödé/Tëst & Co\t\ttrue'
	[[ $stderr == *'CREATE "&ANw-n&AO8-c&APY-d&AOk-/T&AOs-st &- Co"'* ]]
	srv_mailboxes | grep -qx 'Ünïcödé/Tëst & Co'
	run imapctl mailbox rename 'Ünïcödé/Tëst & Co' '日本語/新' -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '.[0]')" '{"action":"rename","mailbox":"Ünïcödé/Tëst & Co","new_mailbox":"日本語/新","subscribed":null}'
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
	subscribed=$(srv_mailboxes --subscribed)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug mailbox delete 'Old Mail' --dry-run
	assert_success
	assert_output $'delete\tOld Mail\t\t'
	! echo "$stderr" | grep -q DELETE
	run imapctl mailbox create Fresh --dry-run
	assert_success
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug mailbox rename INBOX Elsewhere --dry-run -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '.[0]')" '{"action":"rename","mailbox":"INBOX","new_mailbox":"Elsewhere","subscribed":null}'
	! echo "$stderr" | grep -q '^C: A[0-9]* RENAME'
	for action in subscribe unsubscribe; do
		run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug mailbox "$action" Archive --dry-run
		assert_success
		assert_output "$action	Archive		$([ "$action" = subscribe ] && echo true || echo false)"
		! echo "$stderr" | grep -qi '^C: A[0-9]* [un]*subscribe'
	done
	assert_equal "$(srv_mailboxes)" "$before"
	assert_equal "$(srv_mailboxes --subscribed)" "$subscribed"
	assert_equal "$(srv_count INBOX)" 5
	# A dry run fails where the change would.
	run --separate-stderr imapctl mailbox delete Nope --dry-run
	assert_failure 69
	assert_output ""
	[[ $stderr == "imapctl: mailbox: cannot delete 'Nope': no such mailbox" ]]
	run --separate-stderr imapctl mailbox rename Nope Other --dry-run
	assert_failure 69
}

@test "rename --max: renaming INBOX, which empties it, is guarded too" {
	run --separate-stderr imapctl mailbox rename INBOX 'Old Inbox' --max 4
	assert_failure 65
	assert_output ""
	[[ $stderr == *'the mailbox holds 5 messages, more than --max 4; nothing was changed'* ]]
	assert_equal "$(srv_count INBOX)" 5
	! srv_mailboxes | grep -qx 'Old Inbox'
	run imapctl mailbox rename Projects/2024 Projects/Done --max 2
	assert_success
	assert_equal "$(srv_count Projects/Done)" 2
	# Actions that name no message are never refused by --max.
	run imapctl mailbox create Empty --max 0
	assert_success
	run imapctl mailbox subscribe Empty --max 0
	assert_success
	srv_mailboxes --subscribed | grep -qx Empty
}

@test "--max 0 deletes an empty \\Noselect parent, which STATUS cannot open" {
	# CREATE by hand: mailbox create would make Parent a mailbox too.
	run imapctl raw CREATE Parent/Child
	assert_success
	run imapctl mailbox delete Parent/Child --max 0
	assert_success
	run imapctl list Parent -o json
	assert_equal "$(echo "$output" | jq -c '.[0].attributes | index("\\Noselect") != null')" true
	run --separate-stderr imapctl mailbox delete Parent --max 0
	assert_success
	! srv_mailboxes | grep -qx Parent
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

@test "create makes the missing parents, subscribed, and leaves the existing ones" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug mailbox create Projects/2024/Q1/Done -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c -s 'map([.action, .mailbox, .subscribed])')" \
		'[["create","Projects/2024/Q1",true],["create","Projects/2024/Q1/Done",true]]'
	# Projects and Projects/2024 exist: never created again.
	! echo "$stderr" | grep -q '^C: A[0-9]* CREATE Projects/2024$'
	! echo "$stderr" | grep -q '^C: A[0-9]* CREATE Projects$'
	for box in Projects/2024/Q1 Projects/2024/Q1/Done; do
		srv_mailboxes --subscribed | grep -qx "$box"
		# Real mailboxes, that can hold mail.
		run imapctl status "$box" -o json
		assert_success
	done
	# A dry run says what it would make, and makes nothing.
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug mailbox create A/B/C --dry-run
	assert_success
	assert_output $'create\tA\t\ttrue\ncreate\tA/B\t\ttrue\ncreate\tA/B/C\t\ttrue'
	! echo "$stderr" | grep -q '^C: A[0-9]* \(CREATE\|SUBSCRIBE\)'
	! srv_mailboxes | grep -q '^A'
	# ... and fails where the change would.
	run --separate-stderr imapctl mailbox create Projects/2024 --dry-run
	assert_failure 69
	assert_equal "$stderr" "imapctl: mailbox: cannot create 'Projects/2024': the mailbox exists"
}

@test "subscribe = no in the account: what create and move --create make stays unsubscribed" {
	mkdir -p "$XDG_CONFIG_HOME/imapctl"
	cat >"$XDG_CONFIG_HOME/imapctl/config" <<-EOF2
	[account nosub]
	host = 127.0.0.1
	port = $IMAPCTL_TEST_IMAPS_PORT
	cafile = $IMAPCTL_TEST_CAFILE
	user = alice
	subscribe = no
	EOF2
	chmod 600 "$XDG_CONFIG_HOME/imapctl/config"
	run --separate-stderr "$IMAPCTL" -a nosub mailbox create Quiet/Box
	assert_success
	assert_output $'create\tQuiet\t\tfalse\ncreate\tQuiet/Box\t\tfalse'
	run --separate-stderr "$IMAPCTL" -a nosub move INBOX 1 Quiet/Moved --create
	assert_success
	srv_mailboxes | grep -qx Quiet/Box
	srv_mailboxes | grep -qx Quiet/Moved
	! srv_mailboxes --subscribed | grep -q '^Quiet'
	# By default they are subscribed.
	run --separate-stderr imapctl move INBOX 2 Loud/Moved --create
	assert_success
	srv_mailboxes --subscribed | grep -qx Loud/Moved
	rm "$XDG_CONFIG_HOME/imapctl/config"
}

@test "a bad subscribe value in the account is a configuration error" {
	mkdir -p "$XDG_CONFIG_HOME/imapctl"
	printf '[account x]\nhost = 127.0.0.1\nsubscribe = maybe\n' >"$XDG_CONFIG_HOME/imapctl/config"
	chmod 600 "$XDG_CONFIG_HOME/imapctl/config"
	run --separate-stderr "$IMAPCTL" -a x mailbox create X
	assert_failure 78
	[[ $stderr == *"config:3: bad value 'maybe': use true or false"* ]]
	rm "$XDG_CONFIG_HOME/imapctl/config"
}
