#!/usr/bin/env bats
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

@test "delete 10,000 messages named on stdin in a handful of commands" {
	uv=$(srv_uidvalidity Archive)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug delete Archive - -o jsonl < <(
		seq 1 $((N / 2)) | sed "s/.*/{\"mailbox\":\"Archive\",\"uidvalidity\":$uv,\"uid\":&}/")
	assert_success
	assert_equal "${#lines[@]}" $((N / 2))
	[ "$(ctrace_count)" -le 8 ]
	assert_equal "$(srv_count Archive)" $((N / 2 + 5))
}

@test "every other message: the scattered set is chunked, not sent a UID at a time" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug delete Archive - < <(seq $((N / 2 + 1)) 2 $((N + 5)))
	assert_success
	assert_equal "${#lines[@]}" $((N / 4 + 3))
	stores=$(echo "$stderr" | grep -c '^C: A[0-9]* UID STORE')
	[ "$stores" -ge 2 ]
	[ "$stores" -le 10 ]
	# No command line passes a few KiB.
	[ "$(echo "$stderr" | grep '^C: ' | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 4200 ]
	assert_equal "$(srv_count Archive)" $((N / 4 + 2))
}
