#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# move with MOVE (the server's own): records of old and new UIDs from
# COPYUID, --create, the safety options; state checked with fetch and status.
# The COPY fallback is in move-fallback.bats, the refusal without UIDPLUS
# in nouidplus.bats, interrupted moves in change-hostile.bats.

load helpers
load change

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
setup() { dovecot_reseed; }

@test "move: each message's old and new UID, from COPYUID" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 2,4 Archive -o json
	assert_success
	uv=$(srv_uidvalidity INBOX) av=$(srv_uidvalidity Archive)
	assert_equal "$(echo "$output" | jq -c '.[]')" \
"{\"mailbox\":\"INBOX\",\"uidvalidity\":$uv,\"uid\":2,\"dest_mailbox\":\"Archive\",\"dest_uidvalidity\":$av,\"dest_uid\":1}
{\"mailbox\":\"INBOX\",\"uidvalidity\":$uv,\"uid\":4,\"dest_mailbox\":\"Archive\",\"dest_uidvalidity\":$av,\"dest_uid\":2}"
	# The Message-IDs first: should the MOVE be refused part-way, they
	# say what arrived.
	[[ $stderr == *'C: A5 UID FETCH 2,4 (UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])'* ]]
	[[ $stderr == *'C: A6 UID MOVE 2,4 Archive'* ]]
	! echo "$stderr" | grep -q 'EXPUNGE\|COPY'
	assert_equal "$(srv_ids Archive)" '<gruesse-2@example.de>
<meeting-4@example.net>'
	assert_equal "$(srv_flags INBOX | cut -f1 | tr '\n' ' ')" '1 3 5 '
	# The flags travelled with the messages.
	assert_equal "$(srv_flags Archive)" '1	\Seen
2	'
}

@test "move text, jsonl and xml" {
	run imapctl move INBOX 1 Projects/2025
	assert_success
	assert_output "INBOX	$(srv_uidvalidity INBOX)	1	Projects/2025	$(srv_uidvalidity Projects/2025)	1"
	run imapctl move INBOX 2:3 Junk -o jsonl
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .dest_uid])')" '[[2,1],[3,2]]'
	run imapctl move Junk 1 Archive -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl[@command="move"]/message/dest_mailbox)' -)" Archive
	assert_equal "$(srv_count INBOX) $(srv_count Junk) $(srv_count Archive) $(srv_count Projects/2025)" '2 1 1 1'
}

@test "move to a UTF-8 mailbox name" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 5 'Café/Menü' -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -r .dest_mailbox)" 'Café/Menü'
	[[ $stderr == *'UID MOVE 5 Caf&AOk-/Men&APw-'* ]]
	assert_equal "$(srv_ids 'Café/Menü')" '<reply-5@example.com>'
}

@test "move --create makes the destination when the server says TRYCREATE" {
	run --separate-stderr imapctl move INBOX 1 New/Folder
	assert_failure 69
	assert_output ""
	[[ $stderr == *'[TRYCREATE]'* ]]
	[[ $stderr == *"not moved to 'New/Folder': 1 message, UID 1"* ]]
	assert_equal "$(srv_count INBOX)" 5
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 1:2 New/Folder --create -o jsonl
	assert_success
	assert_equal "${#lines[@]}" 2
	[[ $stderr == *'C: A7 CREATE New/Folder'* ]]
	assert_equal "$(srv_count New/Folder) $(srv_count INBOX)" '2 3'
	# Once it exists, --create changes nothing.
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 3 New/Folder --create
	assert_success
	! echo "$stderr" | grep -q CREATE
}

@test "other \\Deleted messages in the mailbox survive a move" {
	run imapctl flag INBOX 3 --add deleted
	assert_success
	run imapctl move INBOX 1:2,4:5 Archive
	assert_success
	assert_equal "$(srv_flags INBOX)" '3	\Deleted \Flagged'
	assert_equal "$(srv_count Archive)" 4
}

@test "move --dry-run lists the messages and moves nothing" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 1:3,99 Archive --dry-run -o jsonl
	# 99, named on its own, is not there: said, as the move would.
	assert_failure 69
	[[ $stderr == *"imapctl: move: not found in 'INBOX': 1 message, UID 99"* ]]
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .dest_mailbox, .dest_uid])')" \
	    '[[1,"Archive",null],[2,"Archive",null],[3,"Archive",null]]'
	! echo "$stderr" | grep -q 'MOVE\|COPY'
	assert_equal "$(srv_count INBOX) $(srv_count Archive)" '5 0'
	# Nor is a missing destination created.
	run imapctl move INBOX 1 Brand/New --create --dry-run
	assert_success
	! srv_mailboxes | grep -q Brand
}

@test "move --max and a stale UIDVALIDITY refuse before anything moves" {
	run --separate-stderr imapctl move INBOX 1:* Archive --max 2
	assert_failure 65
	[[ $stderr == *'the set names 5 messages, more than --max 2'* ]]
	run --separate-stderr imapctl move INBOX - Archive <<<'{"mailbox":"INBOX","uidvalidity":7,"uid":1}'
	assert_failure 65
	assert_equal "$(srv_count INBOX) $(srv_count Archive)" '5 0'
}

@test "moving messages that do not exist moves nothing and succeeds" {
	run --separate-stderr imapctl move INBOX 50:60 Archive
	assert_success
	assert_output ""
	assert_equal "$(srv_count Archive)" 0
}

@test "the manual's example: archive, creating the folder, keeping the new UIDs" {
	cd "$BATS_TEST_TMPDIR"
	run bash -c "$IMAPCTL $(imapctl_args) move INBOX 1:100 Archive/2024 --create -o jsonl > moved.jsonl"
	assert_success
	assert_equal "$(jq -s -c 'map(.dest_uid)' moved.jsonl)" '[1,2,3,4,5]'
	assert_equal "$(srv_count Archive/2024) $(srv_count INBOX)" '5 0'
}

@test "move --query: the matches move; --dry-run and --max change nothing" {
	run --separate-stderr imapctl move INBOX --query 'from:carol' Archive --dry-run -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .dest_mailbox, .dest_uid])')" '[[1,"Archive",null],[5,"Archive",null]]'
	run --separate-stderr imapctl move INBOX --query 'from:carol' Archive --max 1
	assert_failure 65
	assert_equal "$(srv_count INBOX) $(srv_count Archive)" '5 0'
	run --separate-stderr imapctl move INBOX --query 'from:carol' Archive -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .dest_uid])')" '[[1,1],[5,2]]'
	assert_equal "$(srv_ids Archive)" '<reply-5@example.com>
<welcome-1@example.com>'
	assert_equal "$(srv_flags INBOX | cut -f1 | tr '\n' ' ')" '2 3 4 '
}

@test "move to a missing mailbox: the error names --create; a dry run fails as the move would" {
	run --separate-stderr imapctl move INBOX 1 Missing/Box
	assert_failure 69
	[[ $stderr == *"(--create creates 'Missing/Box') [TRYCREATE]"* ]]
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 1:2 Missing/Box --dry-run
	assert_failure 69
	assert_output ""
	[[ $stderr == *"imapctl: move: mailbox 'Missing/Box' does not exist: the move would fail (--create creates it)"* ]]
	! echo "$stderr" | grep -q '^C: A[0-9]* \(UID MOVE\|UID COPY\|CREATE\)'
	# With --create: the records, and a word that it would be created.
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 1:2 Missing/Box --dry-run --create
	assert_success
	assert_equal "$(echo "$output" | cut -f3,4)" "1	Missing/Box
2	Missing/Box"
	[[ $stderr == *"imapctl: move: warning: mailbox 'Missing/Box' does not exist: --create would create it and subscribe to it"* ]]
	! echo "$stderr" | grep -q '^C: A[0-9]* \(UID MOVE\|UID COPY\|CREATE\)'
	! srv_mailboxes | grep -q Missing
	# An existing destination: no word about it.
	run --separate-stderr imapctl move INBOX 1 Archive --dry-run --create
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(srv_count INBOX)" 5
}

@test "move --create subscribes to the mailbox it made" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 1 Made/Here --create
	assert_success
	[[ $stderr == *'SUBSCRIBE Made/Here'* ]]
	srv_mailboxes --subscribed | grep -qx Made/Here
	# An existing one is left as it is: unsubscribed stays unsubscribed.
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 2 'Old Mail' --create
	assert_success
	! echo "$stderr" | grep -q SUBSCRIBE
	! srv_mailboxes --subscribed | grep -qx 'Old Mail'
}
