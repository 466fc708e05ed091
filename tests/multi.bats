#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Many mailboxes, one pipe: flag, move and delete with '-' and no MAILBOX
# take the records of several mailboxes (text, JSON or JSON lines, from
# several searches concatenated), grouped by mailbox in the order they
# first appear, each group guarded by its own UIDVALIDITY; --max counts
# all of them before anything changes; --dry-run lists all of them; when
# anything was not done, stderr says per mailbox what was and was not.
# State checked afterwards with fetch and status.

load helpers
load change

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }

# The seed, plus two messages in Café/Menü (a name in modified UTF-7).
setup() {
	dovecot_reseed
	run imapctl append 'Café/Menü' "$FIXTURES/inbox-1-welcome.eml" "$FIXTURES/inbox-4-meeting.eml"
	assert_success
}

# pipe 'PRODUCER' 'CONSUMER ARGS': "$IMAPCTL" ARGS for each, through a
# pipe with pipefail; run with stdout and stderr apart.
pipe() {
	local a
	a=$(imapctl_args)
	run --separate-stderr bash -c "set -o pipefail; { $1; } | \"\$IMAPCTL\" $a $2"
}

# Search with the test's connection, as the producer of a pipe.
S() { printf '"$IMAPCTL" %s search %s' "$(imapctl_args)" "$*"; }

@test "two searches | delete -: text records of two mailboxes, each group deleted" {
	uv=$(srv_uidvalidity INBOX)
	pv=$(srv_uidvalidity Projects/2024)
	pipe "$(S INBOX from:carol); $(S Projects/2024 all)" "delete -"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | cut -f1-3)" "INBOX	$uv	1
INBOX	$uv	5
Projects/2024	$pv	1
Projects/2024	$pv	2"
	assert_equal "$(srv_flags INBOX | cut -f1 | tr '\n' ' ')" "2 3 4 "
	assert_equal "$(srv_count Projects/2024)" 0
}

@test "flag -: json and jsonl records of three mailboxes, grouped in first-seen order" {
	uv=$(srv_uidvalidity INBOX)
	# INBOX, then Café/Menü, then INBOX again: two groups of INBOX
	# records make one, acted on first.
	pipe "$(S INBOX uid:4:5 -o json); $(S 'Café/Menü' all -o jsonl); $(S INBOX uid:2 -o json); $(S Projects/2024 uid:2 -o jsonl)" \
		"flag - --add flagged -o jsonl"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -s -c 'map([.mailbox, .uid])')" \
		'[["INBOX",2],["INBOX",4],["INBOX",5],["Café/Menü",1],["Café/Menü",2],["Projects/2024",2]]'
	assert_equal "$(echo "$output" | jq -s -c 'map(.flags | index("\\Flagged") != null) | unique')" '[true]'
	assert_equal "$(srv_flags INBOX)" '1	\Seen
2	\Flagged \Seen
3	\Flagged
4	\Flagged
5	\Flagged'
	assert_equal "$(srv_flags 'Café/Menü' | cut -f2 | sort -u)" '\Flagged'
	assert_equal "$(srv_flags Projects/2024)" '1	\Seen
2	\Flagged'
}

@test "move - DEST --create: three mailboxes into one new mailbox, made once and subscribed" {
	run --separate-stderr bash -c "set -o pipefail; { $(S INBOX uid:1:2); $(S Projects/2024 all); $(S 'Café/Menü' uid:1); } |
		\"\$IMAPCTL\" $(imapctl_args) --debug move - Cleanup/2024 --create -o jsonl"
	assert_success
	records=$(echo "$output" | grep '^{')
	assert_equal "$(echo "$records" | jq -s -c 'map([.mailbox, .uid, .dest_mailbox])')" \
		'[["INBOX",1,"Cleanup/2024"],["INBOX",2,"Cleanup/2024"],["Projects/2024",1,"Cleanup/2024"],["Projects/2024",2,"Cleanup/2024"],["Café/Menü",1,"Cleanup/2024"]]'
	assert_equal "$(echo "$records" | jq -s -c 'map(.dest_uid)')" '[1,2,3,4,5]'
	assert_equal "$(echo "$stderr" | grep -c '^C: A[0-9]* CREATE ')" 1
	assert_equal "$(echo "$stderr" | grep -c '^C: A[0-9]* SUBSCRIBE ')" 1
	assert_equal "$(srv_count Cleanup/2024)" 5
	assert_equal "$(srv_count INBOX)" 3
	assert_equal "$(srv_count Projects/2024)" 0
	assert_equal "$(srv_count 'Café/Menü')" 1
	srv_mailboxes --subscribed | grep -qx Cleanup/2024
}

@test "a group whose UIDVALIDITY changed is refused, nothing of it changed; the others go on (65)" {
	uv=$(srv_uidvalidity INBOX)
	pv=$(srv_uidvalidity Projects/2024)
	cv=$(srv_uidvalidity 'Café/Menü')
	pipe "printf 'INBOX\t$uv\t1\nProjects/2024\t$((pv + 7))\t1\nProjects/2024\t$((pv + 7))\t2\nCafé/Menü\t$cv\t2\n'" "delete -"
	assert_failure 65
	assert_equal "$(echo "$output" | cut -f1,3)" "INBOX	1
Café/Menü	2"
	assert_equal "$stderr" "imapctl: delete: 'Projects/2024': standard input line 2: UIDVALIDITY $((pv + 7)) is not the mailbox's $pv: the UIDs name other messages now; nothing of it was changed
imapctl: delete: 'INBOX': 1 of 1 deleted
imapctl: delete: 'Projects/2024': 0 of 2 deleted (UIDVALIDITY changed)
imapctl: delete: 'Café/Menü': 1 of 1 deleted"
	assert_equal "$(srv_count INBOX)" 4
	assert_equal "$(srv_count Projects/2024)" 2
	assert_equal "$(srv_count 'Café/Menü')" 1
}

@test "records of one mailbox from two UIDVALIDITY epochs: that group is refused" {
	uv=$(srv_uidvalidity INBOX)
	pv=$(srv_uidvalidity Projects/2024)
	pipe "printf 'Projects/2024\t$pv\t1\nINBOX\t$uv\t3\nProjects/2024\t$((pv - 1))\t2\n'" "flag - --add seen"
	assert_failure 65
	assert_equal "$(echo "$output" | cut -f1,3)" "INBOX	3"
	assert_equal "$stderr" "imapctl: flag: 'Projects/2024': standard input lines 1 and 3: UIDVALIDITY $pv and $((pv - 1)), and the mailbox's is $pv: the UIDs of one of them name other messages now; nothing of it was changed
imapctl: flag: 'Projects/2024': 0 of 2 changed (records of two UIDVALIDITY epochs)
imapctl: flag: 'INBOX': 1 of 1 changed"
	assert_equal "$(srv_flags Projects/2024)" '1	\Seen
2	'
}

@test "--max counts the messages of every group, before anything changes" {
	pipe "$(S INBOX uid:1:3); $(S Projects/2024 all); $(S 'Café/Menü' all)" "delete - --max 6"
	assert_failure 65
	assert_output ""
	assert_equal "$stderr" "imapctl: delete: the records name 7 messages, more than --max 6; nothing was changed"
	assert_equal "$(srv_count INBOX)" 5
	assert_equal "$(srv_count Projects/2024)" 2
	assert_equal "$(srv_count 'Café/Menü')" 2
	pipe "$(S INBOX uid:1:3); $(S Projects/2024 all); $(S 'Café/Menü' all)" "delete - --max 7"
	assert_success
	assert_equal "$(echo "$output" | wc -l)" 7
	assert_equal "$(srv_count INBOX)" 2
}

@test "--dry-run lists every message of every group, examines, changes nothing" {
	pipe "$(S INBOX from:carol); $(S Projects/2024 all -o jsonl); echo 'Café/Menü	$(srv_uidvalidity 'Café/Menü')	9'" \
		"--debug move - Archive --dry-run -o jsonl"
	# UID 9 of Café/Menü is not there: named, and move exits 69.
	assert_failure 69
	records=$(echo "$output" | grep '^{')
	assert_equal "$(echo "$records" | jq -s -c 'map([.mailbox, .uid, .dest_mailbox])')" \
		'[["INBOX",1,"Archive"],["INBOX",5,"Archive"],["Projects/2024",1,"Archive"],["Projects/2024",2,"Archive"]]'
	assert_equal "$(echo "$stderr" | grep -E '^C: A[0-9]* (EXAMINE|SELECT)' | cut -d' ' -f3-)" 'EXAMINE INBOX (CONDSTORE)
EXAMINE Projects/2024 (CONDSTORE)
EXAMINE Caf&AOk-/Men&APw- (CONDSTORE)'
	! echo "$stderr" | grep -E '^C: A[0-9]* (SELECT|UID MOVE|UID COPY|UID STORE|UID EXPUNGE)'
	assert_equal "$(echo "$stderr" | grep '^imapctl:')" "imapctl: move: 'Café/Menü': not found: 1 message, UID 9
imapctl: move: 'INBOX': 2 of 2 listed
imapctl: move: 'Projects/2024': 2 of 2 listed
imapctl: move: 'Café/Menü': 0 of 1 listed (1 not found)"
	assert_equal "$(srv_count INBOX)" 5
	assert_equal "$(srv_count Archive)" 0
}

@test "a bare UID or a record without its mailbox, with no MAILBOX: bad input naming the line (65), nothing connected" {
	uv=$(srv_uidvalidity INBOX)
	pipe "printf 'INBOX\t$uv\t1\n4\n'" "--debug delete -"
	assert_failure 65
	assert_output ""
	assert_equal "$stderr" "imapctl: delete: standard input line 2: a UID without a mailbox: with no MAILBOX operand, '-' reads records that name theirs (as search prints them)"
	pipe "echo '{\"uid\": 3}'" "flag - --add seen"
	assert_failure 65
	assert_equal "$stderr" "imapctl: flag: standard input line 1: a UID without a mailbox: with no MAILBOX operand, '-' reads records that name theirs (as search prints them)"
	pipe "echo '{\"mailbox\": \"\", \"uid\": 3}'" "move - Archive"
	assert_failure 65
	assert_equal "$stderr" "imapctl: move: standard input line 1: the record's mailbox is empty"
	pipe "$(S INBOX all)" "delete - --uidvalidity $uv"
	assert_failure 64
	[[ $stderr == "imapctl: delete: --uidvalidity needs a MAILBOX operand: records from several mailboxes carry their own"* ]]
	assert_equal "$(srv_count INBOX)" 5
}

@test "empty input acts on nothing and succeeds, as with a MAILBOX" {
	for cmd in "delete -" "flag - --add seen" "move - Archive" "delete - --trash --dry-run"; do
		pipe "true" "$cmd"
		assert_success
		assert_output ""
		assert_equal "$stderr" ""
		pipe "printf '\n  \n'" "$cmd -o json"
		assert_success
		assert_equal "$(echo "$output" | jq -c .)" '[]'
	done
	# A search that found nothing, as a cron job sees it.
	pipe "$(S INBOX from:nobody@example.org) || true" "delete -"
	assert_success
	assert_output ""
	assert_equal "$(srv_count INBOX)" 5
}

@test "a mailbox that does not exist: its group fails (69), the others are done" {
	uv=$(srv_uidvalidity INBOX)
	pipe "printf 'Gone\t7\t1\nINBOX\t$uv\t2\n'" "flag - --add flagged"
	assert_failure 69
	assert_equal "$(echo "$output" | cut -f1,3)" "INBOX	2"
	[[ $(echo "$stderr" | head -n 1) == "imapctl: flag: 'Gone': cannot open mailbox 'Gone': Mailbox doesn't exist"* ]]
	assert_equal "$(echo "$stderr" | tail -n 2)" "imapctl: flag: 'Gone': 0 of 1 changed (cannot select it)
imapctl: flag: 'INBOX': 1 of 1 changed"
	assert_equal "$(srv_flags INBOX | sed -n 2p)" '2	\Flagged \Seen'
}

@test "delete --trash: the Trash found once; what is in the Trash already stays" {
	run imapctl move INBOX 3 Trash
	assert_success
	run --separate-stderr bash -c "set -o pipefail; { $(S INBOX uid:1); $(S Trash all); $(S Projects/2024 uid:2); } |
		\"\$IMAPCTL\" $(imapctl_args) --debug delete - --trash -o jsonl"
	assert_success
	assert_equal "$(echo "$stderr" | grep -c '^C: A[0-9]* LIST ')" 1
	assert_equal "$(echo "$stderr" | grep '^imapctl:')" "imapctl: delete: warning: 'Trash' is the Trash: its messages are left as they are"
	assert_equal "$(echo "$output" | jq -s -c 'map([.mailbox, .uid, .dest_mailbox])')" \
		'[["INBOX",1,"Trash"],["Projects/2024",2,"Trash"]]'
	assert_equal "$(srv_count Trash)" 3
	assert_equal "$(srv_count INBOX)" 3
}
