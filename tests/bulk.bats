#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# 20,000-message sets: flag, move and delete finish in a handful of
# commands, not one a message (counted in the --debug trace). INBOX is
# filled straight into its Maildir, which takes a fraction of a second.
# Timings are measured by bench/changes.sh, never asserted here.

load helpers
load change

N=20000

# One fill for the file: the tests run in order, each on what the one
# before left (INBOX, then Archive).
setup_file() {
	# Copies count against the quota while a move is under way.
	DOVECOT_QUOTA_MESSAGES=1000000 DOVECOT_QUOTA_STORAGE=1G dovecot_setup_file
	fill_maildir INBOX "$N"
}
teardown_file() { dovecot_teardown_file; }

@test "flag 20,000 messages in a handful of commands" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug flag INBOX all --add seen -o jsonl
	assert_success
	assert_equal "${#lines[@]}" $((N + 5))
	[ "$(ctrace_count)" -le 8 ]
	assert_equal "$(echo "$stderr" | grep -c '^C: A[0-9]* UID STORE')" 1
	run imapctl status INBOX -o json
	assert_equal "$(echo "$output" | jq -c '.[0] | [.messages, .unseen]')" "[$((N + 5)),0]"
}

@test "move 20,000 messages in a handful of commands" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug move INBOX 1:* Archive -o jsonl
	assert_success
	assert_equal "${#lines[@]}" $((N + 5))
	assert_equal "$(echo "$output" | tail -1 | jq -c '[.uid, .dest_uid]')" "[$((N + 5)),$((N + 5))]"
	[ "$(ctrace_count)" -le 8 ]
	assert_equal "$(srv_count INBOX) $(srv_count Archive)" "0 $((N + 5))"
}

@test "delete 20,000 messages named on stdin in a handful of commands" {
	uv=$(srv_uidvalidity Archive)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug delete Archive - -o jsonl < <(
		seq 1 "$N" | sed "s/.*/{\"mailbox\":\"Archive\",\"uidvalidity\":$uv,\"uid\":&}/")
	assert_success
	assert_equal "${#lines[@]}" "$N"
	# (With a NOOP and a FETCH of where the messages stand before the
	# UID EXPUNGE, so that its records are what it removed.)
	[ "$(ctrace_count)" -le 10 ]
	assert_equal "$(srv_count Archive)" 5
}

@test "every other message: the scattered set is chunked and pipelined, not sent a UID at a time" {
	# N/2 more, UIDs N+6 to 3N/2+5; every other one is deleted.
	fill_maildir Archive $((N / 2))
	assert_equal "$(srv_count Archive)" $((N / 2 + 5))
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug delete Archive - < <(seq $((N + 6)) 2 $((3 * N / 2 + 5)))
	assert_success
	assert_equal "${#lines[@]}" $((N / 4))
	stores=$(echo "$stderr" | grep -c '^C: A[0-9]* UID STORE')
	[ "$stores" -ge 2 ]
	[ "$stores" -le 10 ]
	# No command line passes a few KiB.
	[ "$(echo "$stderr" | grep '^C: ' | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 4200 ]
	# The second chunk's STORE goes out before the first one is answered.
	first=$(echo "$stderr" | grep -m1 '^C: A[0-9]* UID STORE' | cut -d' ' -f2)
	second_sent=$(echo "$stderr" | grep -n '^C: A[0-9]* UID STORE' | sed -n 2p | cut -d: -f1)
	first_ok=$(echo "$stderr" | grep -n "^S: $first OK" | cut -d: -f1)
	[ "$second_sent" -lt "$first_ok" ]
	assert_equal "$(srv_count Archive)" $((N / 4 + 5))
	# The survivors are exactly the ones not named (N is even: the odd UIDs).
	run imapctl search Archive "uid:$((N + 6)):*" -o jsonl
	assert_equal "$(echo "$output" | jq -s -c '[length, (map(.uid % 2) | unique)]')" "[$((N / 4)),[1]]"
}
