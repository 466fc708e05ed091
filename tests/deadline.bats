#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Time limits that hold whatever a server does: connecting, TLS and login
# together within --timeout however slowly the server trickles its bytes;
# --deadline for a whole run (check: 10 s unless told); a password command
# bounded even when it closes its output and runs on; durations with units.

load helpers
load hostile/hostile

setup_file() {
	imapctl_isolate
	export IMAPCTL_PASSWORD=secret
}

teardown() { hostile_stop || true; }

# trickle TEXT: script lines sending TEXT a byte a second.
trickle() {
	local text=$1 i c
	for ((i = 0; i < ${#text}; i++)); do
		c=${text:i:1}
		[ "$c" = ' ' ] && c='\x20'
		printf 'sendraw %s\nsleep 1\n' "$c"
	done
}

# script NAME LINES...: a --script file; lines with newlines are split.
script() {
	local name=$1 lines=()
	shift
	mapfile -t lines < <(printf '%s\n' "$@")
	hostile_script "$name" "${lines[@]}"
}

ctl() {
	"$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u hostile "$@"
}

@test "a greeting trickled a byte a second: stopped at --timeout, and check says CRITICAL" {
	local s
	s=$(script greet "$(trickle '* OK hostile IMAP server ready.')" 'sendraw \r\n' wait)
	hostile_start script --script "$s" --timeout 60
	SECONDS=0
	run --separate-stderr ctl --timeout 3 status
	assert_failure 75
	[ "$SECONDS" -le 5 ]
	assert_equal "$stderr" "imapctl: status: no greeting from server: timed out after 3 s connecting and logging in (waiting for the server)"
	hostile_stop || true
	hostile_start script --script "$s" --timeout 60
	SECONDS=0
	run --separate-stderr ctl --timeout 3 check
	assert_failure 2
	[ "$SECONDS" -le 5 ]
	[[ $output == "IMAP CRITICAL - no greeting from server: timed out after 3 s connecting and logging in"* ]]
	assert_equal "$stderr" ""
}

@test "a login answer trickled a byte a second: stopped at --timeout, and check says CRITICAL" {
	local s
	s=$(script login greeting 'expect AUTHENTICATE' 'sendraw {tag}' "$(trickle ' OK Logged in.')" 'sendraw \r\n' wait)
	hostile_start script --script "$s" --caps-in-responses --timeout 60
	SECONDS=0
	run --separate-stderr ctl --timeout 3 status
	assert_failure 75
	[ "$SECONDS" -le 5 ]
	assert_equal "$stderr" "imapctl: status: timed out after 3 s connecting and logging in (waiting for the server)"
	hostile_stop || true
	hostile_start script --script "$s" --caps-in-responses --timeout 60
	SECONDS=0
	run --separate-stderr ctl --timeout 3 check
	assert_failure 2
	[ "$SECONDS" -le 5 ]
	[[ $output == "IMAP CRITICAL - timed out after 3 s connecting and logging in"* ]]
}

@test "--deadline ends a run that waits on a silent server, and one that cannot connect" {
	hostile_start stall-command --timeout 30
	SECONDS=0
	run --separate-stderr ctl --timeout 20 --deadline 2 status
	assert_failure 75
	[ "$SECONDS" -le 4 ]
	assert_equal "$stderr" "imapctl: status: the deadline of 2 s passed waiting for the server"
	hostile_stop || true
	# Shorter than the timeout: it bounds the greeting and login too.
	hostile_start stall-greeting --timeout 30
	SECONDS=0
	run --separate-stderr ctl --timeout 20 --deadline 1.5 status
	assert_failure 75
	[ "$SECONDS" -le 3 ]
	assert_equal "$stderr" "imapctl: status: no greeting from server: the deadline of 1.5 s passed waiting for the server"
}

@test "--deadline: a change cut short reports what was not done" {
	hostile_start stall-command --on STORE --timeout 30
	SECONDS=0
	run --separate-stderr ctl --deadline 2 flag INBOX 1:3 --add '\Flagged'
	assert_failure 75
	[ "$SECONDS" -le 4 ]
	[[ $stderr == *"the deadline of 2 s passed waiting for the server"* ]]
	[[ $stderr == *"not"* ]]
}

@test "check stops at its default deadline of 10 s with its CRITICAL line" {
	local s
	s=$(script slow greeting 'expect AUTHENTICATE' handle 'expect STATUS' "$(trickle '* STATUS INBOX (MESSAGES 1 UNSEEN 0 UIDNEXT 9)')" wait)
	hostile_start script --script "$s" --caps-in-responses --timeout 60
	SECONDS=0
	run --separate-stderr ctl --timeout 30 check
	assert_failure 2
	[ "$SECONDS" -ge 9 ]
	[ "$SECONDS" -le 12 ]
	[[ $output == "IMAP CRITICAL - the deadline of 10 s passed waiting for the server"* ]]
	assert_equal "$stderr" ""
}

@test "watch --deadline: the run ends as a timeout, --duration as before" {
	hostile_start ok --connections 3 --timeout 30
	SECONDS=0
	run --separate-stderr ctl --deadline 1.5 watch INBOX
	assert_failure 75
	[ "$SECONDS" -le 3 ]
	assert_equal "$stderr" "imapctl: watch: the deadline of 1.5 s passed waiting for the server"
	run --separate-stderr ctl watch INBOX --once --duration 1
	assert_failure 1
	run --separate-stderr ctl watch INBOX --duration 0.5s --deadline 1min
	assert_success
}

@test "a password command that closes its output and runs on is stopped at --timeout" {
	hostile_start ok --timeout 30
	SECONDS=0
	run --separate-stderr ctl --timeout 2 --password-cmd 'echo secret; exec >&-; sleep 10' status
	assert_failure 78
	[ "$SECONDS" -le 4 ]
	assert_equal "$stderr" "imapctl: status: password command timed out after 2 s"
	# The deadline bounds it too, as a timeout.
	SECONDS=0
	run --separate-stderr ctl --timeout 20 --deadline 1 --password-cmd 'sleep 10' status
	assert_failure 75
	[ "$SECONDS" -le 3 ]
	assert_equal "$stderr" "imapctl: status: the deadline of 1 s passed running the password command"
	# One that closes its output and then exits in time is fine.
	run --separate-stderr ctl --timeout 5 --password-cmd 'echo secret; exec >&-; sleep 0.2' status
	assert_success
}

@test "--timeout and --deadline take durations with units; bad ones are usage errors" {
	hostile_start ok --connections 4 --timeout 30
	for t in 30 30s 2min 0.5h; do
		run --separate-stderr ctl --timeout "$t" --deadline "$t" status
		assert_success
	done
	for t in 0 2d; do
		run --separate-stderr ctl --timeout "$t" status
		assert_failure 64
		[[ $stderr == "imapctl: status: --timeout: out of range: '$t': more than 0, at most 1d"$'\n'"usage: imapctl status "* ]]
	done
	for t in -1 5x soon; do
		run --separate-stderr ctl --timeout "$t" status
		assert_failure 64
		[[ $stderr == "imapctl: status: --timeout: not a duration: '$t': use a number and s, min, "* ]]
	done
	for t in 0 5x 400d; do
		run --separate-stderr ctl --deadline "$t" status
		assert_failure 64
		[[ $stderr == "imapctl: status: --deadline: "*" '$t': "* ]]
		run --separate-stderr ctl --deadline "$t" check
		assert_failure 3
		[[ $output == "IMAP UNKNOWN - --deadline: "*" '$t': "* ]]
	done
}

@test "a port outside 1 to 65535, or no service's name, is a usage error before anything runs" {
	for p in 0 65536 99999 -1 9x no-such-service; do
		run --separate-stderr "$IMAPCTL" -H 127.0.0.1 -p "$p" -u x --password-cmd "touch '$BATS_TEST_TMPDIR/ran'; echo x" status
		assert_failure 64
		assert_equal "$stderr" "imapctl: status: bad port '$p': give 1 to 65535"
	done
	for u in imaps://x@127.0.0.1:0 imap://x@127.0.0.1:65536; do
		run --separate-stderr "$IMAPCTL" --url "$u" --password-cmd "touch '$BATS_TEST_TMPDIR/ran'; echo x" status
		assert_failure 64
	done
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}
