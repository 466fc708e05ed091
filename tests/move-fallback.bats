#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# move and delete --trash on a server without MOVE (Dovecot with MOVE
# taken out of its capabilities): UID COPY, then UID STORE \Deleted of what
# COPYUID names, then UID EXPUNGE of exactly those, each step after the
# previous one's tagged OK.

load helpers
load change

setup_file() { dovecot_setup_file --variant nomove; }
teardown_file() { dovecot_teardown_file; }
setup() { dovecot_reseed; }

# The line number of the first trace line matching a pattern.
line_of() { echo "$stderr" | grep -n -m1 -- "$1" | cut -d: -f1; }

@test "move without MOVE: copy, then flag, then expunge, each after an OK" {
	run imapctl flag INBOX 3 --add deleted
	assert_success
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 1:2,4 Archive -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .dest_uid])')" '[[1,1],[2,2],[4,3]]'
	[ "$(line_of '^C: A5 UID COPY 1:2,4 Archive$')" -lt "$(line_of '^S: A5 OK \[COPYUID')" ]
	[ "$(line_of '^S: A5 OK \[COPYUID')" -lt "$(line_of '^C: A6 UID STORE 1:2,4 +FLAGS.SILENT (\\Deleted)$')" ]
	[ "$(line_of '^C: A6 UID STORE')" -lt "$(line_of '^S: A6 OK')" ]
	[ "$(line_of '^S: A6 OK')" -lt "$(line_of '^C: A7 UID EXPUNGE 1:2,4$')" ]
	! echo "$stderr" | grep -q 'UID MOVE'
	# The other \Deleted message survived.
	assert_equal "$(srv_flags INBOX)" '3	\Deleted \Flagged
5	'
	assert_equal "$(srv_ids Archive)" '<gruesse-2@example.de>
<meeting-4@example.net>
<welcome-1@example.com>'
}

@test "move without MOVE in every output format" {
	run imapctl move INBOX 5 Junk
	assert_success
	assert_output "INBOX	$(srv_uidvalidity INBOX)	5	Junk	$(srv_uidvalidity Junk)	1"
	run imapctl move INBOX 4 Junk -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c 'map(.dest_uid)')" '[2]'
	run imapctl move Junk 1:2 Archive -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'count(/imapctl/message)' -)" 2
	assert_equal "$(srv_count INBOX) $(srv_count Junk) $(srv_count Archive)" '3 0 2'
}

@test "move without MOVE, --create" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 2 'Neu/Ordner' --create
	assert_success
	[[ $stderr == *'NO [TRYCREATE]'* ]]
	[[ $stderr == *'C: A6 CREATE Neu/Ordner'* ]]
	assert_equal "$(srv_ids Neu/Ordner)" '<gruesse-2@example.de>'
	assert_equal "$(srv_count INBOX)" 4
}

@test "delete --trash without MOVE copies, flags and expunges exactly those" {
	run imapctl flag INBOX 1 --add deleted
	assert_success
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug delete INBOX 4:5 --trash -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .dest_mailbox, .dest_uid])')" '[[4,"Trash",1],[5,"Trash",2]]'
	[[ $stderr == *'UID EXPUNGE 4:5'* ]]
	assert_equal "$(srv_flags INBOX | cut -f1 | tr '\n' ' ')" '1 2 3 '
	assert_equal "$(srv_count Trash)" 2
}

@test "delete without MOVE keeps other \\Deleted messages" {
	run imapctl flag INBOX 2 --add deleted
	assert_success
	run imapctl delete INBOX 1,3
	assert_success
	assert_equal "$(srv_flags INBOX)" '2	\Deleted \Seen
4	
5	'
}
