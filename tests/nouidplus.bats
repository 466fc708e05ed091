#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A server without UIDPLUS (and so without MOVE: Dovecot with both taken
# out of its capabilities). A plain EXPUNGE would also purge the other
# messages flagged \Deleted, so move and delete refuse, changing nothing,
# unless --allow-expunge-all.

load helpers
load change

setup_file() { dovecot_setup_file --variant nouidplus; }
teardown_file() { dovecot_teardown_file; }
setup() {
	dovecot_reseed
	# A message someone else flagged \Deleted, not ours to expunge.
	run imapctl flag INBOX 3 --add deleted
	assert_success
}

@test "move refuses without UIDPLUS and changes nothing" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 1:2 Archive
	assert_failure 69
	assert_output ""
	[[ $stderr == *"imapctl: move: the server offers neither MOVE nor UIDPLUS, so it cannot expunge just these messages; nothing was changed (--allow-expunge-all expunges every message flagged \\Deleted in 'INBOX')"* ]]
	! echo "$stderr" | grep -q 'COPY\|STORE\|EXPUNGE'
	run --separate-stderr imapctl move INBOX 1:2 Archive --dry-run
	assert_failure 69
	assert_equal "$(srv_count INBOX) $(srv_count Archive)" '5 0'
	assert_equal "$(srv_flags INBOX | grep -c Deleted)" 1
}

@test "delete refuses without UIDPLUS and changes nothing" {
	for opt in '' --trash; do
		run --separate-stderr imapctl delete INBOX 1 $opt
		assert_failure 69
		[[ $stderr == *'neither MOVE nor UIDPLUS'* ]]
	done
	assert_equal "$(srv_flags INBOX)" '1	\Seen
2	\Seen
3	\Deleted \Flagged
4	
5	'
}

@test "delete --flag-only needs no expunge, so no UIDPLUS" {
	run imapctl delete INBOX 5 --flag-only
	assert_success
	assert_equal "$(srv_flags INBOX | tail -1)" '5	\Deleted'
}

@test "--allow-expunge-all: the move happens, every \\Deleted message goes" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 1:2 Archive --allow-expunge-all -o jsonl
	assert_success
	[[ $stderr == *"warning: no UIDPLUS: every message flagged \\Deleted in 'INBOX' will be expunged"* ]]
	[[ $stderr == *'C: A7 EXPUNGE'* ]]
	! echo "$stderr" | grep -q 'UID EXPUNGE'
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,2]'
	assert_equal "$(srv_flags INBOX | cut -f1 | tr '\n' ' ')" '4 5 '
	assert_equal "$(srv_count Archive)" 2
	run imapctl delete INBOX 4 --allow-expunge-all
	assert_success
	assert_equal "$(srv_count INBOX)" 1
}
