#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# watch: new messages, expunges and flag changes as records; --once and
# --duration for scripts; NOOP polling where IDLE is not offered; a dropped
# connection survived without a message lost or reported twice.

load helpers
load hostile/hostile

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
setup() { dovecot_reseed; }
teardown() {
	hostile_stop || true
	[ -z "${WATCH_PID:-}" ] || { kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; } || true
}

# imap_do PYTHON...: run statements with m, an imaplib session as alice.
imap_do() {
	"$PYTHON" -c "import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', $IMAPCTL_TEST_IMAP_PORT)
m.login('alice', 'wonderland')
$1
m.logout()"
}

append_msg() {
	imap_do "m.append('INBOX', None, None, b'From: Service <noreply@example.com>\\r\\nSubject: $1\\r\\n\\r\\nYour code is 123456\\r\\n')"
}

# watch_bg ARGS...: watch in the background, its stdout, stderr and status
# in $W; returns once it is waiting (its trace shows IDLE or NOOP).
watch_bg() {
	W=$BATS_TEST_TMPDIR/watch
	( "$IMAPCTL" $(imapctl_args) --debug watch "$@" >"$W.out" 2>"$W.err"
	  echo $? >"$W.rc" ) 3>&- &
	WATCH_PID=$!
	for _ in $(seq 100); do
		grep -qE '^C: A[0-9]+ (IDLE|NOOP)' "$W.err" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$W.err"
	return 1
}

# watch_wait: wait for it to end; its exit status in $WATCH_RC.
watch_wait() {
	wait "$WATCH_PID" || true
	WATCH_PID=
	WATCH_RC=$(cat "$W.rc")
}

@test "watch --once: a message appended by the test ends it with its record" {
	watch_bg INBOX --once --duration 10 -o jsonl
	append_msg "Password reset"
	watch_wait
	assert_equal "$WATCH_RC" 0
	run jq -e -s 'length == 1 and (.[0] | .event == "new" and .uid == 6
		and .mailbox == "INBOX" and .subject == "Password reset"
		and .from[0].address == "noreply@example.com" and (.flags - ["\\Recent"]) == []
		and .size > 0 and (.internaldate | fromdate > 0))' "$W.out"
	assert_success
	grep -q '^C: A[0-9]* DONE\|^C: DONE' "$W.err"
}

@test "watch --once --duration: exit 1 and nothing printed when no mail comes" {
	run --separate-stderr imapctl watch INBOX --once --duration 1
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	# Without --once the time is up quietly.
	run --separate-stderr imapctl watch INBOX --duration 0.5s
	assert_success
	assert_equal "$output" ""
}

@test "watch: flag changes and expunges as records, with UIDs (QRESYNC)" {
	watch_bg INBOX --duration 4 -o jsonl
	imap_do "m.select('INBOX'); m.store('4', '+FLAGS', '\\\\Flagged'); m.store('2', '+FLAGS', '\\\\Deleted'); m.expunge()"
	append_msg "Later"
	watch_wait
	assert_equal "$WATCH_RC" 0
	run jq -c -s '[.[] | [.event, .uid]]' "$W.out"
	assert_output '[["flags",4],["expunge",2],["new",6]]'
	run jq -e -s '.[0].flags == ["\\Flagged"]' "$W.out"
	assert_success
}

@test "watch: text records, one a line, the event first" {
	watch_bg INBOX --once --duration 10
	append_msg "Hello"
	watch_wait
	assert_equal "$WATCH_RC" 0
	# event mailbox uidvalidity uid, then fetch --summary's other fields:
	# flags internaldate date size from to cc reply_to subject message_id
	# in_reply_to labels
	run cut -f1-4,13,16 "$W.out"
	assert_output "new	INBOX	$(imapctl status -o json | jq -r '.[0].uidvalidity')	6	Hello	"
}

@test "watch: the UID is the fourth text column for every event kind" {
	uv=$(imapctl status -o json | jq -r '.[0].uidvalidity')
	watch_bg INBOX --duration 4
	imap_do "m.select('INBOX'); m.store('4', '+FLAGS', '\\\\Flagged'); m.store('2', '+FLAGS', '\\\\Deleted'); m.expunge()"
	append_msg "Later"
	watch_wait
	assert_equal "$WATCH_RC" 0
	run cut -f1-4 "$W.out"
	assert_output "flags	INBOX	$uv	4
expunge	INBOX	$uv	2
new	INBOX	$uv	6"
	assert_equal "$(awk -F'\t' '$1 == "flags" { print $5 }' "$W.out")" '\Flagged'
}

@test "watch in xml: a well-formed document, also when time is up" {
	watch_bg INBOX --once --duration 10 -o xml
	append_msg "In XML"
	watch_wait
	assert_equal "$WATCH_RC" 0
	xmllint --noout "$W.out"
	assert_equal "$(xmllint --xpath 'string(/imapctl[@command="watch"]/event/subject)' "$W.out")" "In XML"
	run --separate-stderr imapctl watch INBOX --duration 0.2 -o xml
	assert_success
	echo "$output" | xmllint --noout -
}

@test "watch: bad durations are usage errors" {
	run --separate-stderr imapctl watch INBOX --duration soon
	assert_failure 64
	[[ $stderr == "imapctl: watch: --duration: not a duration: 'soon': "* ]]
	run --separate-stderr imapctl watch INBOX --interval 0
	assert_failure 64
	# A bare m is minutes or months: refused before connecting.
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 watch INBOX --duration 6m
	assert_failure 64
	[[ $stderr == "imapctl: watch: --duration: not a duration: '6m': 6m is ambiguous: use 6min or 6mo"$'\n'* ]]
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 watch INBOX --timeout 6m
	assert_failure 64
	[[ $stderr == "imapctl: watch: --timeout: not a duration: '6m': 6m is ambiguous: use 6min or 6mo"$'\n'* ]]
	run --separate-stderr imapctl watch INBOX --keepalive 1.5m
	assert_failure 64
	[[ $stderr == *"1.5m is ambiguous: use 1.5min or 1.5mo"* ]]
	run --separate-stderr imapctl watch
	assert_failure 64
	run --separate-stderr imapctl watch 'No such box' --duration 1
	assert_failure 69
}

@test "the man page's example: a script waits for a password-reset mail, passing others over" {
	# The example as the manual prints it, connected to this server.
	ex=$(sed -n '/^\$ while imapctl watch INBOX --once/,/^  done$/p' "$BATS_TEST_DIRNAME/../man/imapctl.1")
	assert_equal "$(echo "$ex" | wc -l)" 3
	ex=${ex#\$ }
	ex=${ex//imapctl watch/\"\$IMAPCTL\" $(imapctl_args) watch}
	cd "$BATS_TEST_TMPDIR"
	# Another mail first; the reset mail once the second watch waits.
	(
		sleep 1
		append_msg "Your invoice"
		for _ in $(seq 100); do grep -q invoice new.jsonl 2>/dev/null && break; sleep 0.1; done
		sleep 2
		append_msg "Reset your password"
	) 3>&- &
	run --separate-stderr bash -c "$ex"
	assert_success
	assert_output 7
}

@test "watch survives a dropped connection and reports the message once" {
	hostile_start idle-drop --connections 2 --timeout 10
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x watch INBOX --once --duration 20 -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -r -s 'map([.event, .uid] | join(" ")) | join(",")')" "new 4"
	[[ $stderr == "imapctl: watch: warning: connection closed by server; reconnecting in 1 s" ]]
	hostile_wait
	assert_equal "$(grep -ac 'EXAMINE INBOX' "$HOSTILE_RECORD")" 2
	grep -aq 'UID FETCH 4:\* ' "$HOSTILE_RECORD"
}

@test "watch backs off from a server that drops every connection at once" {
	hostile_start script --script "$BATS_TEST_DIRNAME/hostile/scripts/watch-flap.script" --connections 3 --timeout 10
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x watch INBOX --duration 3.5 -o jsonl
	assert_success
	refute_output --partial '"event":"new"'
	assert_equal "$stderr" "imapctl: watch: warning: connection closed by server; reconnecting in 1 s
imapctl: watch: warning: connection closed by server; reconnecting in 2 s
imapctl: watch: warning: connection closed by server; reconnecting in 4 s"
	hostile_wait
	assert_equal "$(grep -ac 'EXAMINE INBOX' "$HOSTILE_RECORD")" 3
}

# Restarts the server without IDLE; it comes last.
@test "watch polls with NOOP when the server does not offer IDLE" {
	dovecot_restart --variant noidle
	watch_bg INBOX --once --duration 10 --interval 0.2 -o jsonl
	append_msg "Polled"
	watch_wait
	assert_equal "$WATCH_RC" 0
	run jq -r .subject "$W.out"
	assert_output Polled
	! grep -q 'IDLE' "$W.err"
	grep -q '^C: A[0-9]* NOOP' "$W.err"
}

@test "a new message's record carries the decoded summary fields" {
	watch_bg INBOX --once --duration 20 --interval 1 -o jsonl
	printf 'From: =?ISO-8859-1?Q?J=F6rg?= <j@example.de>\r\nTo: alice@example.org\r\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=\r\nMessage-ID: <w1@example.de>\r\nDate: Tue, 05 Mar 2024 10:00:00 +0100\r\n\r\nhi\r\n' |
		doveadm -c "$IMAPCTL_TEST_CONF" save -u alice -m INBOX
	watch_wait
	assert_equal "$WATCH_RC" 0
	run jq -c '[.event, .subject, .from[0].name, .message_id, .date, .mailbox]' "$W.out"
	assert_output '["new","Grüße","Jörg","<w1@example.de>","2024-03-05T09:00:00Z","INBOX"]'
}

@test "watch reconnects with growing back-off and reports each message once" {
	hostile_start script --script "$TESTS_DIR/hostile/scripts/watch-drops.script" --idle-push 0.3 --connections 3 --timeout 10
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x watch INBOX --duration 6 -o jsonl
	assert_success
	# 4 before the drop, 5 while away, 6 and on after (one a push): each
	# once, in order, none missed.
	echo "$output" | jq -e -s 'map(.event) | unique == ["new"]'
	echo "$output" | jq -e -s 'map(.uid) | length >= 3 and . == [range(4; 4 + length)]'
	# The second attempt failed too: it waited twice as long.
	assert_equal "$stderr" \
"imapctl: watch: warning: connection closed by server; reconnecting in 1 s
imapctl: watch: warning: connection closed by server; reconnecting in 2 s"
	hostile_wait
	grep -aq 'UID FETCH 5:\* ' "$HOSTILE_RECORD"
}

@test "watch re-issues IDLE every --keepalive, and refuses more than 29min" {
	# The polling test leaves the server without IDLE.
	grep -q "^IMAPCTL_TEST_VARIANT=default" "$DOVECOT_STATEDIR/env" ||
		dovecot_restart --variant default
	watch_bg INBOX --duration 3.5 --keepalive 1
	watch_wait
	assert_equal "$WATCH_RC" 0
	# IDLE, DONE after a second, IDLE again: at least three rounds.
	[ "$(grep -cE '^C: A[0-9]+ IDLE$' "$W.err")" -ge 3 ]
	[ "$(grep -cE '^C: DONE$' "$W.err")" -ge 2 ]
	run --separate-stderr imapctl watch INBOX --keepalive 30min
	assert_failure 64
	[[ $stderr == "imapctl: watch: --keepalive: out of range: '30min': more than 0, at most 29min"$'\n'* ]]
}

@test "watch without QRESYNC: an EXPUNGE is a record without a UID; VANISHED ranges" {
	local s=$BATS_TEST_TMPDIR/expunges.script
	# Gmail, for one, offers no QRESYNC: expunges come as "* n EXPUNGE",
	# which names no UID. Then, on a second connection that offers it,
	# VANISHED ranges in either order, and one (EARLIER) that is no news.
	printf '%s\n' greeting 'serve-until IDLE' 'send * 2 EXPUNGE' handle \
		serve >"$s"
	hostile_start script --script "$s" --timeout 10
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x watch INBOX --duration 1.5 -o jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -c '[.event, .uid, .mailbox]')" '["expunge",null,"INBOX"]'
	hostile_stop || true
	! grep -aq 'ENABLE QRESYNC' "$HOSTILE_RECORD"

	printf '%s\n' greeting 'serve-until IDLE' 'send * VANISHED (EARLIER) 1' \
		'send * VANISHED 3:2' handle serve >"$s"
	hostile_start script --script "$s" --add-cap QRESYNC --timeout 10
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x watch INBOX --duration 1.5 -o jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -s -c 'map([.event, .uid])')" '[["expunge",2],["expunge",3]]'
	hostile_stop || true
	grep -aq 'ENABLE QRESYNC' "$HOSTILE_RECORD"
}

@test "watch: a malformed VANISHED is a protocol error (76)" {
	local s=$BATS_TEST_TMPDIR/vanished.script
	printf '%s\n' greeting 'serve-until IDLE' 'send + idling' \
		'send * VANISHED 2:x' serve >"$s"
	hostile_start script --script "$s" --add-cap QRESYNC --timeout 10
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u x watch INBOX --duration 3 -o jsonl
	assert_failure 76
	assert_output ""
	assert_equal "$stderr" "imapctl: watch: malformed VANISHED response"
}
