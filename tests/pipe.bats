#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# When the reader of standard output goes away (| head -1), a reading
# command stops at once, logs out, prints nothing and exits 0; a changing
# command finishes the chunk in flight, starts nothing new, says on
# standard error what was and was not done, and exits 74. Against the test
# Dovecot (20,000 messages in Bulk) and the hostile server, which pauses
# between chunks so that the reader has left before the next one.

load helpers
load change
load hostile/hostile

setup_file() {
	export DOVECOT_QUOTA_MESSAGES=100000
	dovecot_setup_file
	imapctl mailbox create Bulk >/dev/null
	fill_maildir Bulk 20000
	imapctl status Bulk >/dev/null
}
teardown_file() { dovecot_teardown_file; }
teardown() { hostile_stop || true; }

H() {
	IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u "$@"
}

# piped CMD...: runs imapctl CMD... | head -1; prints head's line, then the
# status of imapctl on a line of its own; imapctl's stderr goes to
# $BATS_TEST_TMPDIR/err.
piped() {
	"$@" 2>"$BATS_TEST_TMPDIR/err" | head -n 1
	echo "status=${PIPESTATUS[0]}"
}

@test "fetch | head -1: exit 0, nothing on stderr, and it stops reading" {
	for i in 1 2 3; do
		run piped imapctl fetch Bulk all
		assert_line --index 1 "status=0"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
	done
	# The trace shows how far it read: far from the 20,000 summaries,
	# and a LOGOUT said without waiting for the rest.
	run piped imapctl --debug fetch Bulk all
	assert_line --index 1 "status=0"
	n=$(grep -c '^S: \* [0-9]* FETCH' "$BATS_TEST_TMPDIR/err" || true)
	[ "$n" -lt 10000 ]
	grep -q '^C: A[0-9]* LOGOUT$' "$BATS_TEST_TMPDIR/err"
	run grep '^imapctl:' "$BATS_TEST_TMPDIR/err"
	assert_output ""
}

@test "fetch --raw | head -1 and --text | head -1: exit 0, quiet" {
	run piped imapctl fetch Bulk all --raw
	assert_line --index 0 --regexp '^From MAILER-DAEMON '
	assert_line --index 1 "status=0"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
	run piped imapctl fetch Bulk 1:2000 --text -o jsonl
	assert_line --index 1 "status=0"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

@test "search | head -1, in every format, ten times: exit 0, quiet" {
	for f in text json jsonl xml text text jsonl jsonl text jsonl; do
		run piped imapctl search Bulk -o "$f"
		assert_line --index 1 "status=0"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
	done
	run piped imapctl search Bulk --summary
	assert_line --index 1 "status=0"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

@test "list, status and info | head -1: exit 0, quiet" {
	for c in "list --status" "status INBOX Bulk" "info"; do
		# shellcheck disable=SC2086  # the command's words
		run piped imapctl $c
		assert_line --index 1 "status=0"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
	done
}

@test "a reader that left before anything was written: exit 0, quiet" {
	run bash -c '"$@" 2>"$0" | true; echo "status=${PIPESTATUS[0]}"' \
		"$BATS_TEST_TMPDIR/err" "$IMAPCTL" $(imapctl_args) fetch Bulk 1:5000
	assert_output "status=0"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

@test "watch | head -1 ends at the first record, exit 0" {
	(
		sleep 2
		imapctl flag INBOX 1 --add flagged >/dev/null
	) 3>&- &
	pid=$!
	run timeout 30 bash -c '"$@" 2>"$0" | head -n 1; echo "status=${PIPESTATUS[0]}"' \
		"$BATS_TEST_TMPDIR/err" "$IMAPCTL" $(imapctl_args) watch INBOX
	wait "$pid"
	assert_line --index 0 --partial 'flags	INBOX	'
	assert_line --index 1 "status=0"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

@test "flag | head -1 stops before the next chunk, says what was not done, exit 74" {
	script=$(hostile_script pause.script 'fill INBOX 30000' greeting \
		'serve-until UID STORE' handle 'sleep 1' serve connection greeting serve)
	hostile_start script --script "$script" --connections 2
	seq 1 2 30003 >"$BATS_TEST_TMPDIR/uids"
	run piped H flag INBOX - --add flagged <"$BATS_TEST_TMPDIR/uids"
	assert_line --index 1 "status=74"
	err=$(cat "$BATS_TEST_TMPDIR/err")
	[[ $err == *'imapctl: flag: standard output closed: stopped before the next chunk'* ]]
	left=$(echo "$err" | sed -n 's/^imapctl: flag: flags not changed: \([0-9]*\) messages, UIDs .*/\1/p')
	[ -n "$left" ]
	[ "$left" -gt 0 ]
	# What was reported as not done is what the server did not do: the
	# odd UIDs flagged are all but those (UID 3 was flagged before).
	run H search INBOX flagged --count
	assert_output "$((15002 - left + 0))"
}

@test "delete | head -1 stops before the next chunk; the rest is still there, exit 74" {
	script=$(hostile_script pause.script 'fill INBOX 30000' greeting \
		'serve-until UID EXPUNGE' handle 'sleep 1' serve connection greeting serve)
	hostile_start script --script "$script" --connections 2
	seq 1 2 30003 >"$BATS_TEST_TMPDIR/uids"
	run piped H delete INBOX - <"$BATS_TEST_TMPDIR/uids"
	assert_line --index 1 "status=74"
	err=$(cat "$BATS_TEST_TMPDIR/err")
	[[ $err == *'imapctl: delete: standard output closed: stopped before the next chunk'* ]]
	left=$(echo "$err" | sed -n 's/^imapctl: delete: not deleted: \([0-9]*\) messages, UIDs .*/\1/p')
	[ -n "$left" ]
	[ "$left" -gt 0 ]
	# 30,003 messages, 15,002 of them named: what is left is the
	# unnamed and the not deleted.
	run H status INBOX -o json
	assert_equal "$(echo "$output" | jq '.[0].messages')" "$((15001 + left))"
}

@test "append | head -1 uploads nothing after the reader left, names the rest, exit 74" {
	for i in $(seq 1 40); do
		printf 'Subject: m%d\r\n\r\nbody %d\r\n' "$i" "$i" >"$BATS_TEST_TMPDIR/$i.eml"
	done
	script=$(hostile_script pause.script greeting 'serve-until APPEND' handle \
		'sleep 1' serve connection greeting serve)
	hostile_start script --script "$script" --connections 2
	cd "$BATS_TEST_TMPDIR"
	run piped H append Drafts $(seq -f '%g.eml' 1 40)
	assert_line --index 1 "status=74"
	err=$(cat "$BATS_TEST_TMPDIR/err")
	[[ $err == *'imapctl: append: standard output closed: stopped before the next message'* ]]
	left=$(echo "$err" | sed -n 's/^imapctl: append: not appended, or not confirmed: \([0-9]*\) messages\{0,1\}: .*/\1/p')
	[ -n "$left" ]
	[ "$left" -gt 0 ]
	run H status Drafts -o json
	assert_equal "$(echo "$output" | jq '.[0].messages')" "$((40 - left))"
}
