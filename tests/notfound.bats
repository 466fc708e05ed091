#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A UID that names no message is reported the same way by every command
# that names messages: one line on standard error, "not found in
# 'MAILBOX': N messages, UIDs ...", after the others were acted on.
# fetch, flag and move exit 69 (what was asked was not done); delete exits
# 0 (a message that is gone is what was asked: a retried job deletes it
# again). Ranges, "all" and queries name whatever exists, and report
# nothing. Dovecot's INBOX holds UIDs 1 to 5 (tests/dovecot/seed).

load helpers
load change
load hostile/hostile

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
setup() { dovecot_reseed; }
teardown() { hostile_stop; }

@test "fetch: a UID that is not there is named, the others fetched, exit 69" {
	run --separate-stderr imapctl fetch INBOX 999 --raw
	assert_failure 69
	assert_output ""
	assert_equal "$stderr" "imapctl: fetch: not found in 'INBOX': 1 message, UID 999"
	for mode in --summary --text --headers --structure; do
		run --separate-stderr imapctl fetch INBOX 1,998,4,999 $mode -o jsonl
		assert_failure 69
		assert_equal "$(echo "$output" | jq -s -c 'map(.uid) | unique')" '[1,4]'
		assert_equal "$stderr" "imapctl: fetch: not found in 'INBOX': 2 messages, UIDs 998:999"
	done
	# UIDs on standard input are named one by one too.
	run --separate-stderr bash -c "$(declare -f imapctl imapctl_args); printf '2\n7\n' | imapctl fetch INBOX - -o jsonl"
	assert_failure 69
	assert_equal "$(echo "$output" | jq -c .uid)" 2
	assert_equal "$stderr" "imapctl: fetch: not found in 'INBOX': 1 message, UID 7"
	# A range, all, a query: whatever exists.
	run --separate-stderr imapctl fetch INBOX 4:999,5
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr imapctl fetch INBOX --query uid:4:999
	assert_success
	assert_equal "$stderr" ""
}

@test "flag and move: the others are changed, the missing named, exit 69" {
	run --separate-stderr imapctl flag INBOX 4,999 --add flagged -o jsonl
	assert_failure 69
	assert_equal "$(echo "$output" | jq -c .uid)" 4
	assert_equal "$stderr" "imapctl: flag: not found in 'INBOX': 1 message, UID 999"
	assert_equal "$(srv_flags INBOX | grep '^4')" "4	\\Flagged"
	# --dry-run says the same and changes nothing.
	run --separate-stderr imapctl flag INBOX 5,999 --add flagged --dry-run
	assert_failure 69
	assert_equal "$stderr" "imapctl: flag: not found in 'INBOX': 1 message, UID 999"
	assert_equal "$(srv_flags INBOX | grep '^5')" "5	"
	run --separate-stderr imapctl move INBOX 2,999,1000 Archive -o jsonl
	assert_failure 69
	assert_equal "$(echo "$output" | jq -c .uid)" 2
	assert_equal "$stderr" "imapctl: move: not found in 'INBOX': 2 messages, UIDs 999:1000"
	assert_equal "$(srv_count Archive)" 1
	# Retried: the message is gone from INBOX; move cannot tell where.
	run --separate-stderr imapctl move INBOX 2 Archive
	assert_failure 69
	assert_equal "$stderr" "imapctl: move: not found in 'INBOX': 1 message, UID 2"
	assert_equal "$(srv_count Archive)" 1
	run --separate-stderr imapctl flag INBOX 1:999 --add seen
	assert_success
	assert_equal "$stderr" ""
}

@test "delete: what is gone already is named, and the status is 0" {
	run --separate-stderr imapctl delete INBOX 3,999 -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c .uid)" 3
	assert_equal "$stderr" "imapctl: delete: not found in 'INBOX': 1 message, UID 999"
	assert_equal "$(srv_flags INBOX | cut -f1 | tr '\n' ' ')" '1 2 4 5 '
	# The same job again, as cron retries it.
	run --separate-stderr imapctl delete INBOX 3
	assert_success
	assert_output ""
	assert_equal "$stderr" "imapctl: delete: not found in 'INBOX': 1 message, UID 3"
	run --separate-stderr imapctl delete INBOX 3 --trash
	assert_success
	assert_equal "$stderr" "imapctl: delete: not found in 'INBOX': 1 message, UID 3"
	run --separate-stderr imapctl delete INBOX 2:3
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(srv_flags INBOX | cut -f1 | tr '\n' ' ')" '1 4 5 '
}

@test "Outlook's 'User is authenticated but not connected' is an authentication failure (77) with a hint" {
	hostile_start script --timeout 10 --script "$(hostile_script outlook \
		greeting \
		'serve-until EXAMINE' \
		'reply BAD User is authenticated but not connected.' \
		serve)"
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u fetch Shared 1
	assert_failure 77
	assert_output ""
	assert_equal "$stderr" "imapctl: fetch: cannot open mailbox 'Shared': User is authenticated but not connected. (Microsoft's answer when the account that logged in may not reach this mailbox: check its rights to it, that IMAP is on for it, and whose the token is)"
}

@test "fetch: what the server refused to fetch (throttled) is named as not fetched, not as not found: 75" {
	H() {
		IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u --timeout 10 "$@"
	}
	for mode in --summary --raw --text; do
		hostile_start ok --timeout 10 --throttle 1 --throttle-on FETCH,SEARCH \
			--throttle-reply 'NO [UNAVAILABLE] Backend busy.'
		run --separate-stderr H fetch INBOX 1,3,7 $mode -o jsonl
		assert_failure 75
		assert_output ""
		[[ $stderr == "imapctl: fetch: fetching UIDs 1,3,7: Backend busy. "*"[UNAVAILABLE]
imapctl: fetch: not fetched from 'INBOX' (the server refused): 3 messages, UIDs 1,3,7" ]]
		hostile_stop || true
	done
	# Two chunks, the first throttled, the second with a UID that is not
	# there: each named as what it is.
	hostile_start script --timeout 10 --script "$(hostile_script half \
		'fill INBOX 2000' \
		greeting \
		'serve-until UID FETCH' \
		'reply NO [THROTTLED] Slow down.' \
		serve)"
	run --separate-stderr H fetch INBOX - -o jsonl < <(seq 1 2 1999; echo 9999)
	assert_failure 75
	refused=$(sed -n "s/^imapctl: fetch: not fetched from 'INBOX' (the server refused): \([0-9]*\) messages, UIDs 1,3,5,.*/\1/p" <<<"$stderr")
	[ -n "$refused" ]
	assert_equal "$(( ${#lines[@]} + refused ))" 1000
	assert_equal "$(tail -1 <<<"$stderr")" "imapctl: fetch: not found in 'INBOX': 1 message, UID 9999"
}
