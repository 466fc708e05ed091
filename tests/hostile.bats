#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Faults Dovecot will not produce, from the scripted hostile server: the
# STARTTLS rules (credentials never sent without TLS), stalls, drops,
# garbage, and limits. The server records every byte imapctl sent.

load helpers
load hostile/hostile

setup_file() {
	# A CA and a certificate for localhost/127.0.0.1 the client verifies.
	export PKI=$BATS_FILE_TMPDIR/pki
	mkdir -p "$PKI"
	(
		cd "$PKI"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=hostile test CA" 2>/dev/null
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -days 2 -extfile ext -out server.pem 2>/dev/null
	)
	export IMAPCTL_PASSWORD=secret
}

teardown() {
	hostile_stop || true
	[ -z "${BLACKHOLE_PID:-}" ] || kill "$BLACKHOLE_PID" 2>/dev/null || true
}

# hostile SCENARIO [server options]: start it with our certificate.
hostile() {
	local s=$1
	shift
	hostile_start "$s" --cert "$PKI/server.pem" --key "$PKI/server.key" --timeout 10 "$@"
}

# ctl ARGS: imapctl against the hostile server, STARTTLS by default.
ctl() {
	"$IMAPCTL" --host 127.0.0.1 --port "$HOSTILE_PORT" --user hostile \
		--cafile "$PKI/ca.pem" "$@"
}

no_credentials_sent() {
	hostile_wait 5 || true
	! grep -qaiE 'LOGIN|AUTHENTICATE' "$HOSTILE_RECORD"
}

@test "the well-behaved hostile server works (baseline)" {
	hostile ok
	run --separate-stderr ctl --tls starttls status -o json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
}

@test "STARTTLS not offered: exit 77, no credentials sent" {
	hostile no-starttls
	run --separate-stderr ctl --tls starttls status
	assert_failure 77
	[[ $stderr == *"server does not offer STARTTLS"* ]]
	no_credentials_sent
}

@test "STARTTLS refused with NO or BAD: exit 77, no credentials sent" {
	for s in starttls-refused starttls-bad; do
		hostile $s
		run --separate-stderr ctl --tls starttls status
		assert_failure 77
		[[ $stderr == *"server refused STARTTLS"* ]]
		no_credentials_sent
	done
}

@test "PREAUTH over cleartext when STARTTLS was asked: exit 77, nothing sent" {
	hostile preauth
	run --separate-stderr ctl --tls starttls status
	assert_failure 77
	[[ $stderr == *"PREAUTH"* ]]
	hostile_wait 5 || true
	assert_equal "$(wc -c <"$HOSTILE_RECORD")" 0
}

@test "bytes injected after the STARTTLS OK are discarded" {
	hostile starttls-inject
	run --separate-stderr ctl --tls starttls --debug info -o json
	assert_success
	# The injected capability and fake tagged OK were not believed: the
	# client asked again over TLS and logged in for real.
	assert_equal "$(echo "$output" | jq '.[0].capabilities | index("X-INJECTED")')" null
	after=${stderr#*tls: starting handshake}
	assert_equal "$(echo "$after" | grep -m1 '^C: ' | cut -d' ' -f3)" CAPABILITY
	[[ $after == *" AUTHENTICATE PLAIN <redacted>"* ]]
	hostile_wait 5 || true
	grep -q "auth PLAIN user=hostile result=OK" "$HOSTILE_LOG"
	! grep -q "violation" "$HOSTILE_LOG"
}

@test "LOGINDISABLED in cleartext: exit 77, no LOGIN sent" {
	hostile logindisabled --tls none
	run --separate-stderr ctl --tls none status
	assert_failure 77
	no_credentials_sent
}

@test "a server that never greets: exit 75 within the timeout" {
	hostile stall-greeting
	SECONDS=0
	run --separate-stderr ctl --tls starttls --timeout 1 status
	assert_failure 75
	[ "$SECONDS" -le 3 ]
	[[ $stderr == *"no greeting from server: timed out after 1 s"* ]]
}

@test "a server that stalls mid-session: exit 75 within the timeout" {
	hostile stall-command
	SECONDS=0
	run --separate-stderr ctl --tls starttls --timeout 1 status
	assert_failure 75
	[ "$SECONDS" -le 3 ]
	[[ $stderr == *"timed out after 1 s waiting for the server"* ]]
}

@test "IMAPCTL_PASSWORD is wiped from the process's environment once read" {
	local pid i env
	hostile stall-command
	IMAPCTL_PASSWORD=env-secret-4b1d "$IMAPCTL" --host 127.0.0.1 \
		--port "$HOSTILE_PORT" --user hostile --cafile "$PKI/ca.pem" \
		--tls starttls --timeout 10 status >/dev/null 2>&1 3>&- &
	pid=$!
	# Logged in: the password was read long before.
	for ((i = 0; i < 100; i++)); do
		grep -q 'misbehave stall-command' "$HOSTILE_LOG" 2>/dev/null && break
		sleep 0.05
	done
	env=$(tr '\0' '\n' <"/proc/$pid/environ")
	kill "$pid"
	wait "$pid" || true
	grep -q 'misbehave stall-command' "$HOSTILE_LOG"
	[[ $env == *PATH=* ]]
	[[ $env != *env-secret-4b1d* ]]
}

@test "an IMAPCTL_PASSWORD longer than a secret may be: exit 78, no login" {
	hostile ok
	IMAPCTL_PASSWORD=$(head -c 20000 /dev/zero | tr '\0' p) run --separate-stderr ctl --tls starttls status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: IMAPCTL_PASSWORD is longer than 16384 bytes"
	! grep -qaE 'LOGIN|AUTHENTICATE' "$HOSTILE_RECORD"
	# A password file given as well is what counts.
	printf 'secret\n' >"$BATS_TEST_TMPDIR/pw"
	chmod 600 "$BATS_TEST_TMPDIR/pw"
	hostile_stop || true
	hostile ok
	IMAPCTL_PASSWORD=$(head -c 20000 /dev/zero | tr '\0' p) run --separate-stderr ctl --tls starttls --password-file "$BATS_TEST_TMPDIR/pw" status
	assert_success
}

@test "BYE in the middle of a command: exit 74 with the server's words" {
	hostile bye-mid-command
	run --separate-stderr ctl --tls starttls status
	assert_failure 74
	[[ $stderr == *"server shutting down"* ]]
}

@test "connection closed or reset: exit 74" {
	hostile close-greeting
	run --separate-stderr ctl --tls starttls status
	assert_failure 74
	hostile_stop || true
	hostile reset-mid-command
	run --separate-stderr ctl --tls starttls status
	assert_failure 74
}

@test "a BYE greeting: exit 69" {
	hostile bye-greeting
	run --separate-stderr ctl --tls starttls status
	assert_failure 69
	[[ $stderr == *"Too many connections"* ]]
}

@test "garbage, malformed responses and unknown tags: exit 76" {
	for s in garbage malformed bad-tag deep-nesting number-overflow; do
		hostile $s
		run --separate-stderr ctl --tls starttls status
		echo "$s: $status $stderr"
		assert_failure 76
		assert_equal "$(echo "$stderr" | wc -l)" 1
		hostile_stop || true
	done
}

@test "a literal larger than --max-size is refused without allocating it" {
	hostile huge-literal --on STATUS
	run --separate-stderr ctl --tls starttls status
	assert_failure 76
	[[ $stderr == *"literal of 1000000000000 bytes"*"--max-size"* ]]
}

@test "an endless line is refused at the line limit" {
	hostile long-line
	run --separate-stderr ctl --tls starttls status
	assert_failure 76
	[[ $stderr == *"line longer than"* ]]
}

@test "a failed login: exit 77" {
	hostile login-no
	run --separate-stderr ctl --tls starttls status
	assert_failure 77
	[[ $stderr == *"[AUTHENTICATIONFAILED]" ]]
}

@test "BAD and NO answers: exit 76 and 69" {
	hostile bad-reply
	run --separate-stderr ctl --tls starttls status
	assert_failure 76
	hostile_stop || true
	hostile no-reply
	run --separate-stderr ctl --tls starttls status
	assert_failure 69
	[[ $stderr == *"[CANNOT]" ]]
}

@test "a mailbox named with CR LF and quotes is one command on the wire" {
	hostile ok --tls none
	run --separate-stderr ctl --tls none status $'x\r\nA9 DELETE INBOX' 'a"b\c'
	hostile_wait 5 || true
	grep -qaE $'^A[0-9]+ STATUS "x&AA0ACg-A9 DELETE INBOX" \\(MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY\\)\r$' "$HOSTILE_RECORD"
	grep -qaE $'^A[0-9]+ STATUS "a\\\\"b\\\\\\\\c" \\(MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY\\)\r$' "$HOSTILE_RECORD"
	# The error line names the mailbox on one line, its CR LF escaped.
	[[ $stderr == *"status of 'x\\r\\nA9 DELETE INBOX'"* ]]
	assert_equal "$(echo "$stderr" | wc -l)" 2
	! grep -qa '^A9' "$HOSTILE_RECORD"
	# Every line the client sent starts with a tag it chose.
	assert_equal "$(grep -cav '^A[0-9]* ' "$HOSTILE_RECORD")" 0
}

@test "implicit TLS against the hostile server verifies its certificate" {
	hostile ok --tls implicit
	run --separate-stderr ctl status -o jsonl
	assert_success
	hostile_stop || true
	hostile ok --tls implicit
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$HOSTILE_PORT" --user hostile status
	assert_failure 77
}

@test "terminal escapes in the server's text reach stderr inert" {
	hostile script --script "$BATS_TEST_DIRNAME/hostile/scripts/escapes.script" --tls none
	run --separate-stderr ctl --tls none --debug status Foo
	assert_failure 69
	[[ $stderr == *"Foo'"*': \x1b]0;owned\x07 \x9b2J \x9b31m gone [NONEXISTENT]'* ]]
	[[ $stderr == *'S: A'*' NO [NONEXISTENT] \x1b]0;owned\x07 \x9b2J \x9b31m gone'* ]]
	! grep -qa $'\x1b' <<<"$stderr"
	! grep -qa $'\x07' <<<"$stderr"
	! LC_ALL=C grep -qa $'\x9b' <<<"$stderr"
}

@test "the host name goes out as SNI; an IP address does not" {
	hostile ok --tls implicit
	run --separate-stderr "$IMAPCTL" --host localhost --port "$HOSTILE_PORT" --user hostile --cafile "$PKI/ca.pem" status
	assert_success
	hostile_wait 5 || true
	grep -q "tls ok .* sni=localhost$" "$HOSTILE_LOG"
	hostile ok --tls implicit
	run --separate-stderr ctl status
	assert_success
	hostile_wait 5 || true
	grep -q "tls ok .* sni=-$" "$HOSTILE_LOG"
}

@test "a server that speaks TLS 1.1 at most is refused (77, as TLS failures are): nothing is sent" {
	hostile ok --tls implicit --tls-max 1.1
	run --separate-stderr ctl status
	assert_failure 77
	assert_equal "$output" ""
	assert_equal "$stderr" "imapctl: status: TLS handshake with '127.0.0.1' failed: the server does not speak TLS 1.2 or later"
	hostile_wait 5 || true
	grep -q "tls failed: .*UNSUPPORTED_PROTOCOL" "$HOSTILE_LOG"
	assert_equal "$(wc -c <"$HOSTILE_RECORD")" 0
	# After STARTTLS alike.
	hostile ok --tls-max 1.1
	run --separate-stderr ctl --tls starttls status
	assert_failure 77
	[[ $stderr == *"does not speak TLS 1.2 or later" ]]
	no_credentials_sent
}

@test "PREAUTH over implicit TLS: no login, capabilities from the greeting" {
	hostile preauth --tls implicit
	run --separate-stderr ctl --debug status -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '.[0] | [.mailbox, .messages]')" '["INBOX",3]'
	[[ $stderr == *"state: disconnected -> authenticated"* ]]
	hostile_wait 5 || true
	# Only the command and LOGOUT: no credentials, no CAPABILITY.
	assert_equal "$(tr -d '\r' <"$HOSTILE_RECORD" | cut -d' ' -f2)" "STATUS
LOGOUT"
}

@test "capabilities come from response codes when sent, else from CAPABILITY" {
	# Greeting and login OK carry [CAPABILITY ...]: never asked.
	hostile ok --tls implicit --caps-in-responses
	run --separate-stderr ctl status
	assert_success
	hostile_wait 5 || true
	assert_equal "$(tr -d '\r' <"$HOSTILE_RECORD" | cut -d' ' -f2)" "AUTHENTICATE
STATUS
LOGOUT"
	# Without them: asked before login, and again after it.
	hostile ok --tls implicit
	run --separate-stderr ctl status
	assert_success
	hostile_wait 5 || true
	assert_equal "$(tr -d '\r' <"$HOSTILE_RECORD" | cut -d' ' -f2)" "CAPABILITY
AUTHENTICATE
CAPABILITY
STATUS
LOGOUT"
}

@test "a connection the server never accepts: exit 75 at the timeout" {
	# A listener whose accept queue is full: the kernel drops our SYN, so
	# connect() neither succeeds nor fails until the timeout.
	"$PYTHON" - "$BATS_TEST_TMPDIR/port" 3>&- <<-'EOF' &
	import os, socket, sys, time
	l = socket.socket()
	l.bind(("127.0.0.1", 0))
	l.listen(0)
	port = l.getsockname()[1]
	held = []
	for i in range(8):
	    c = socket.socket()
	    c.setblocking(False)
	    try:
	        c.connect(("127.0.0.1", port))
	    except BlockingIOError:
	        pass
	    held.append(c)
	time.sleep(0.2)
	with open(sys.argv[1] + ".tmp", "w") as f:
	    f.write("%d\n" % port)
	os.rename(sys.argv[1] + ".tmp", sys.argv[1])
	time.sleep(30)
	EOF
	BLACKHOLE_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$BATS_TEST_TMPDIR/port" ] && break
		sleep 0.05
	done
	port=$(<"$BATS_TEST_TMPDIR/port")
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$port" --user hostile --timeout 1 status
	assert_failure 75
	assert_equal "$stderr" "imapctl: status: timed out after 1 s connecting to 127.0.0.1 port $port"
}

@test "list without LIST-EXTENDED: LSUB for --subscribed, a LIST a pattern" {
	hostile ok --connections 2
	run --separate-stderr ctl --tls starttls list --subscribed -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -r .name | paste -sd' ')" "INBOX Archive Drafts Sent Trash Été"
	run --separate-stderr ctl --tls starttls list 'A*' 'D*' -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -r .name | paste -sd' ')" "Archive Drafts"
	hostile_wait
	grep -aq 'LSUB "" "\*"' "$HOSTILE_RECORD"
	grep -aq 'LIST "" "A\*"' "$HOSTILE_RECORD"
	grep -aq 'LIST "" "D\*"' "$HOSTILE_RECORD"
	! grep -aq 'LIST (SUBSCRIBED)' "$HOSTILE_RECORD"
}
