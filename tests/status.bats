#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# status: the counts of named mailboxes, pipelined, partial failures named.

load helpers

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }

@test "status defaults to INBOX" {
	run --separate-stderr imapctl status -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '.[] | [.mailbox,.messages,.unseen,.recent,.uidnext]')" '["INBOX",5,3,0,6]'
	# HIGHESTMODSEQ is 63-bit: a string.
	assert_equal "$(echo "$output" | jq -r '.[0].highestmodseq | type')" string
}

@test "status of several mailboxes is one round of pipelined commands" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug status INBOX Projects/2024 'Café/Menü' -o jsonl
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_equal "$(echo "$output" | jq -s -c '[.[] | [.mailbox,.messages,.unseen]]')" '[["INBOX",5,3],["Projects/2024",2,1],["Café/Menü",0,0]]'
	# All three commands were written before the first answer was read.
	first_answer=$(echo "$stderr" | grep -n '^S: \* STATUS' | head -1 | cut -d: -f1)
	last_status=$(echo "$stderr" | grep -n '^C: A[0-9]* STATUS' | tail -1 | cut -d: -f1)
	[ "$last_status" -lt "$first_answer" ]
	[[ $stderr == *'STATUS Caf&AOk-/Men&APw- '* ]]
}

@test "status text fields are in the documented order" {
	run imapctl status Projects/2024
	assert_success
	# mailbox messages unseen recent uidnext uidvalidity size highestmodseq
	assert_output --regexp '^Projects/2024	2	1	0	3	[0-9]+	[0-9]+	[0-9]+$'
}

@test "a mailbox that does not exist is named, the others still printed" {
	run --separate-stderr imapctl status INBOX Nope Projects/2024 -o json
	assert_failure 69
	assert_equal "$(echo "$output" | jq -c '[.[].mailbox]')" '["INBOX","Projects/2024"]'
	[[ $stderr == "imapctl: status: status of 'Nope': "* ]]
	assert_equal "$(echo "$stderr" | wc -l)" 1
}

@test "status in xml is well formed" {
	run imapctl status INBOX 日本語 -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl[@command="status"]/mailbox[2]/mailbox)' -)" 日本語
}

@test "a mailbox name with CR LF or quotes never makes a second command" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug status 'a"b\c' $'x\r\nA9 DELETE INBOX'
	# Dovecot echoes the decoded name, CR LF and all, in its NO: the
	# answer may not parse, but what we sent is one line a command.
	assert_failure
	assert_equal "$(echo "$stderr" | grep -c '^C: A[0-9]* STATUS')" 2
	! echo "$stderr" | grep -q '^C: A9 DELETE'
	[[ $stderr == *'C: A2 STATUS "a\"b\\c" ('* ]]
	[[ $stderr == *'C: A3 STATUS "x&AA0ACg-A9 DELETE INBOX" ('* ]]
	run imapctl status INBOX -o json
	assert_equal "$(echo "$output" | jq '.[0].messages')" 5
}
