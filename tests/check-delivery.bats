#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# check --send-via: the delivery round trip through a real MTA. Postfix
# (tests/postfix/start, its own directory and ports) takes the probe over
# submission with STARTTLS, over implicit TLS, or as an MX on its plain
# port, logs in through the test Dovecot's auth socket, and delivers into
# that Dovecot over LMTP; check waits for the probe with IDLE (or NOOP),
# measures the delay and deletes exactly that message.

load helpers

setup_file() {
	export DOVECOT_MTA=1
	dovecot_setup_file
	export POSTFIX_STATEDIR=$BATS_FILE_TMPDIR/postfix
	export POSTFIX_SKIP=
	"$TESTS_DIR/postfix/start" "$POSTFIX_STATEDIR" "$DOVECOT_STATEDIR" 3>&- || {
		[ $? = 77 ] || return 1
		POSTFIX_SKIP="Postfix runs as root only"
		return 0
	}
	set -a
	# shellcheck source=/dev/null
	. "$POSTFIX_STATEDIR/env"
	set +a
}

teardown_file() {
	"$TESTS_DIR/postfix/stop" "$POSTFIX_STATEDIR" 3>&- || true
	dovecot_teardown_file
}

setup() {
	[ -z "$POSTFIX_SKIP" ] || skip "$POSTFIX_SKIP"
	dovecot_reseed
}

teardown() { [ -z "${FAKE_SMTP_PID:-}" ] || kill "$FAKE_SMTP_PID" 2>/dev/null || true; }

# perf LABEL: LABEL's value (and unit) in the perfdata of $output.
perf() {
	local item
	for item in ${output#* | }; do
		[[ $item == "$1="* ]] && { item=${item#*=}; echo "${item%%;*}"; }
	done
	return 0
}

submission() { echo "smtp://127.0.0.1:$IMAPCTL_TEST_SUBMISSION_PORT"; }

# The messages of a user's INBOX that carry a probe header.
probes() {
	IMAPCTL_PASSWORD=${2:-$IMAPCTL_TEST_PASS} "$IMAPCTL" $(imapctl_args --user "${1:-alice}") \
		search INBOX header:X-Imapctl-Probe: --count
}

# b64url and jwt: an HS256 JWT for the test Dovecot's oauth2 passdb, as in
# auth.bats.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
jwt() {
	local h p s
	h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	p=$(printf '{"sub":"%s","exp":%s}' "$1" $(($(date +%s) + 3600)) | b64url)
	s=$(printf '%s.%s' "$h" "$p" |
		openssl dgst -sha256 -mac HMAC -macopt "key:$IMAPCTL_TEST_OAUTH2_KEY" -binary | b64url)
	printf '%s.%s.%s\n' "$h" "$p" "$s"
}

@test "check --send-via smtp://: submitted with STARTTLS and SCRAM, awaited with IDLE, timed, deleted" {
	run --separate-stderr imapctl --debug check --send-via "$(submission)" --probe-to alice@imapctl.test --warning-delivery 30
	assert_success
	[[ $output == "IMAP OK - INBOX 5 messages, 3 unseen, "*", delivered in "*"s, checked in "* ]]
	[[ $(perf delivery_time) =~ ^[0-9]+\.[0-9]+s$ ]]
	[[ $(perf submit_time) =~ ^[0-9.]+s$ ]]
	[[ $output == *" delivery_time="*"s;30;;0 "* ]]
	# The exchange: STARTTLS before anything else, SCRAM with the
	# server's proof checked, nothing secret in the trace; the probe found
	# by its header among the new messages, then exactly it deleted.
	[[ $stderr == *"SMTP C: STARTTLS
SMTP S: 220 "* ]]
	[[ $stderr == *"SMTP C: AUTH SCRAM-SHA-256 <redacted>"* ]]
	[[ $stderr == *"SMTP S: 235 "* ]]
	[[ $stderr != *wonderland* ]]
	[[ $stderr == *"C: A"*" IDLE"* ]]
	token=$(grep -o 'HEADER X-Imapctl-Probe "imapctl-[0-9a-f]*"' <<<"$stderr" | head -1)
	[[ $token =~ imapctl-[0-9a-f]{32} ]]
	uid=$(grep -o '^S: \* SEARCH [0-9]*$' <<<"$stderr" | cut -d' ' -f4)
	[[ $stderr == *"C: A"*" UID STORE $uid +FLAGS.SILENT (\\Deleted)
C: A"*" UID EXPUNGE $uid"* ]]
	assert_equal "$(grep -cE '^C: A[0-9]+ EXPUNGE$' <<<"$stderr")" 0
	# Postfix took it for alice and handed it to Dovecot over LMTP.
	grep -q 'sasl_method=SCRAM-SHA-256, sasl_username=alice' "$IMAPCTL_TEST_POSTFIX_LOG"
	grep -q 'relay=.*run/lmtp.*status=sent' "$IMAPCTL_TEST_POSTFIX_LOG"
	# Nothing left behind.
	run probes
	assert_failure 1
	assert_equal "$output" 0
}

@test "check --send-via: the delivery in JSON, XML and Prometheus; thresholds on the delay" {
	to=(--send-via "$(submission)" --probe-to alice@imapctl.test)
	run imapctl check "${to[@]}" -o json
	assert_success
	echo "$output" | jq -e '.[0] | .delivered == true and .delivery_time > 0
		and .delivery_time < 30 and .submit_time > 0 and .messages == 5'
	run imapctl check "${to[@]}" -o xml
	assert_success
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/check/delivered)' -)" true
	run imapctl check "${to[@]}" -o prometheus
	assert_success
	grep -qx 'imapctl_delivery_success{.*mailbox="INBOX"} 1' <<<"$output"
	grep -qx 'imapctl_delivery_duration_seconds{.*} 0\.[0-9]*\|imapctl_delivery_duration_seconds{.*} [1-9][0-9.]*' <<<"$output"
	grep -q '^imapctl_smtp_submit_duration_seconds{' <<<"$output"
	assert_equal "$(printf '%s\n' "$output" | grep -v '^#' | cut -d' ' -f1 | sort | uniq -d)" ""
	if command -v promtool >/dev/null; then
		printf '%s\n' "$output" | promtool check metrics
	fi
	# A delay the ranges alert on: inside 0 to 1000 s.
	run imapctl check "${to[@]}" --warning-delivery @0:1000s --critical-delivery 60
	assert_failure 1
	[[ $output == *", delivered in "*"s (WARNING), "* ]]
	[[ $output == *" delivery_time="*"s;@0:1000;60;0 "* ]]
	run imapctl check "${to[@]}" --critical-delivery @0:1000
	assert_failure 2
	run probes
	assert_equal "$output" 0
}

@test "check --send-via smtps:// (implicit TLS), and smtp:// to an MX's port without AUTH" {
	run imapctl check --send-via "smtps://127.0.0.1:$IMAPCTL_TEST_SMTPS_PORT" --probe-to alice@imapctl.test
	assert_success
	[[ $output == *", delivered in "* ]]
	grep -q 'postfix-imapctl-test/smtps/smtpd.*sasl_username=alice' "$IMAPCTL_TEST_POSTFIX_LOG"
	# The MX offers no AUTH: the probe goes without a login, over
	# STARTTLS all the same.
	run --separate-stderr imapctl --debug check --send-via "smtp://127.0.0.1:$IMAPCTL_TEST_SMTP_PORT" --probe-to alice@imapctl.test --probe-from monitor@example.org
	assert_success
	[[ $output == *", delivered in "* ]]
	[[ $stderr == *"SMTP C: STARTTLS"* ]]
	[[ $stderr != *"SMTP C: AUTH"* ]]
	[[ $stderr == *"SMTP C: MAIL FROM:<monitor@example.org>"* ]]
	run probes
	assert_equal "$output" 0
}

@test "check --send-via: PLAIN, LOGIN and XOAUTH2 logins; the account's own SMTP login" {
	for mech in plain login; do
		run --separate-stderr imapctl --debug --auth $mech check --send-via "$(submission)" --probe-to alice@imapctl.test
		assert_success
		[[ $stderr == *"SMTP C: AUTH ${mech^^}"* ]]
		[[ $stderr != *wonderland* ]]
		[[ $stderr != *"$(printf '\0alice\0wonderland' | base64)"* ]]
		[[ $stderr != *"$(printf 'wonderland' | base64)"* ]]
	done
	tok=$(jwt alice)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --oauth2-token-cmd "echo $tok" --debug check --send-via "$(submission)" --probe-to alice@imapctl.test
	assert_success
	[[ $output == *", delivered in "* ]]
	[[ $stderr == *"SMTP C: AUTH XOAUTH2 <redacted>"* ]]
	[[ $stderr != *"$tok"* ]]
	# An account whose SMTP login is another: bob's, with his password.
	cat >"$BATS_TEST_TMPDIR/config" <<EOF
[account probe]
host = 127.0.0.1
port = $IMAPCTL_TEST_IMAPS_PORT
user = alice
cafile = $IMAPCTL_TEST_CAFILE
password_cmd = echo wonderland
smtp_user = bob
smtp_password_cmd = ["printf", "%s", "$IMAPCTL_TEST_PASS2"]
EOF
	chmod 600 "$BATS_TEST_TMPDIR/config"
	unset IMAPCTL_PASSWORD
	run "$IMAPCTL" --config "$BATS_TEST_TMPDIR/config" -a probe check --send-via "$(submission)" --probe-to alice@imapctl.test
	assert_success
	grep -q 'sasl_username=bob' "$IMAPCTL_TEST_POSTFIX_LOG"
	# The URL's user goes before the account's; without the account's
	# password command, the IMAP password serves.
	IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS run imapctl check --send-via "smtp://alice@127.0.0.1:$IMAPCTL_TEST_SUBMISSION_PORT" --probe-to alice@imapctl.test
	assert_success
	run probes
	assert_equal "$output" 0
}

@test "check --send-via: a refused login, sender or recipient is CRITICAL; the IMAP measurements stay" {
	cat >"$BATS_TEST_TMPDIR/config" <<EOF
[account probe]
host = 127.0.0.1
port = $IMAPCTL_TEST_IMAPS_PORT
user = alice
cafile = $IMAPCTL_TEST_CAFILE
smtp_password_cmd = echo wrong
EOF
	chmod 600 "$BATS_TEST_TMPDIR/config"
	run --separate-stderr "$IMAPCTL" --config "$BATS_TEST_TMPDIR/config" -a probe check --send-via "$(submission)" --probe-to alice@imapctl.test -o json
	assert_failure 2
	assert_equal "$stderr" ""
	echo "$output" | jq -e '.[0] | .state == "CRITICAL" and .delivered == false
		and .delivery_time == null and .messages == 5
		and (.summary | test("delivery probe not submitted: SMTP login failed: 535 5.7.8 .*authentication failed"))'
	run "$IMAPCTL" --config "$BATS_TEST_TMPDIR/config" -a probe check --send-via "$(submission)" --probe-to alice@imapctl.test -o prometheus
	assert_failure 2
	grep -qx 'imapctl_probe_success{.*} 1' <<<"$output"
	grep -qx 'imapctl_delivery_success{.*} 0' <<<"$output"
	# A recipient the MX does not take: 554 relay access denied.
	run imapctl check --send-via "smtp://127.0.0.1:$IMAPCTL_TEST_SMTP_PORT" --probe-to alice@elsewhere.example
	assert_failure 2
	[[ $output == "IMAP CRITICAL - INBOX 5 messages, "*", delivery probe not submitted: SMTP server refused the recipient: 554 5.7.1 "*"Relay access denied (CRITICAL), checked in "* ]]
	# A message the server refuses at the end of DATA: 550, named.
	run imapctl check --send-via "$(submission)" --probe-to alice@imapctl.test --probe-from refused@imapctl.test
	assert_failure 2
	[[ $output == "IMAP CRITICAL - INBOX 5 messages, "*", delivery probe not submitted: SMTP server refused the message: 550 5.7.1 refused by the content policy (CRITICAL), checked in "* ]]
	# No recipient, or a failing password command: the check itself
	# could not be done.
	run "$IMAPCTL" --config "$BATS_TEST_TMPDIR/config" -a probe check --send-via "$(submission)"
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - INBOX 5 messages, "*", the delivery probe needs a recipient: --probe-to ADDRESS (the user 'alice' is no address), checked in "* ]]
	sed -i 's/^smtp_password_cmd = .*/smtp_password_cmd = exit 1/' "$BATS_TEST_TMPDIR/config"
	run "$IMAPCTL" --config "$BATS_TEST_TMPDIR/config" -a probe check --send-via "$(submission)" --probe-to alice@imapctl.test
	assert_failure 3
	[[ $output == *", account 'probe': SMTP password command failed"* ]]
}

@test "check --send-via: a probe that does not come in time is CRITICAL and says so" {
	# It goes to bob; alice's INBOX waits in vain, till shortly before
	# the run's deadline.
	SECONDS=0
	run --separate-stderr imapctl --deadline 3 check --send-via "$(submission)" --probe-to bob@imapctl.test -o json
	assert_failure 2
	assert_equal "$stderr" ""
	[ "$SECONDS" -le 4 ]
	echo "$output" | jq -e '.[0] | .state == "CRITICAL" and .delivered == false
		and .delivery_time == null and .submit_time > 0 and .messages == 5
		and (.summary | test("probe message not delivered within [12]\\.[0-9] s \\(CRITICAL\\)"))'
	# Where it went, it is: nothing deletes another mailbox's mail.
	run probes bob "$IMAPCTL_TEST_PASS2"
	assert_equal "$output" 1
}

@test "check --send-via: usage errors are UNKNOWN before connecting" {
	run --separate-stderr imapctl --port 1 check --warning-delivery 10
	assert_failure 3
	assert_equal "$output" "IMAP UNKNOWN - --warning-delivery needs --send-via; see 'imapctl check --help'"
	run imapctl --port 1 check --probe-to a@b.example
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - --probe-to needs --send-via"* ]]
	run imapctl --port 1 check --send-via "http://127.0.0.1:$IMAPCTL_TEST_SMTP_PORT"
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - bad SMTP URL 'http://"*"': it must start with smtp:// (STARTTLS) or smtps:// (TLS); "* ]]
	run imapctl --port 1 check --send-via "smtp://alice:secret@127.0.0.1"
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - bad SMTP URL: a password never goes in a URL"* ]]
	[[ $output != *secret@* ]]
	run imapctl --port 1 check --send-via "smtp://127.0.0.1:99999"
	assert_failure 3
	[[ $output == *"bad port"* ]]
	run imapctl --port 1 check --send-via "smtp://127.0.0.1" --critical-delivery 6m
	assert_failure 3
	[[ $output == *"6m is ambiguous"* ]]
}

@test "check --send-via: an SMTP server without STARTTLS is refused, never spoken to in cleartext" {
	port=$("$PYTHON" "$TESTS_DIR/dovecot/util.py" freeports 1)
	# A server that offers AUTH but no STARTTLS; it logs what it hears.
	"$PYTHON" - "$port" "$BATS_TEST_TMPDIR/ready" >"$BATS_TEST_TMPDIR/fake.log" 2>&1 3>&- <<'EOF' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept()
    f = c.makefile("rb")
    c.sendall(b"220 fake ESMTP\r\n")
    for line in f:
        print(line.decode().rstrip(), flush=True)
        if line.upper().startswith(b"EHLO"):
            c.sendall(b"250-fake\r\n250 AUTH PLAIN LOGIN\r\n")
        else:
            c.sendall(b"502 no\r\n")
    c.close()
EOF
	FAKE_SMTP_PID=$!
	for _ in $(seq 200); do
		[ -e "$BATS_TEST_TMPDIR/ready" ] && break
		sleep 0.05
	done
	run imapctl check --send-via "smtp://127.0.0.1:$port" --probe-to alice@imapctl.test
	assert_failure 2
	[[ $output == *", delivery probe not submitted: SMTP server does not offer STARTTLS; refusing to continue without TLS (CRITICAL), "* ]]
	# It heard EHLO and nothing else: no AUTH, no password.
	assert_equal "$(cat "$BATS_TEST_TMPDIR/fake.log")" "EHLO imapctl.test"
}

# fake_smtps SCENARIO: a scripted SMTP server over implicit TLS (the test
# Dovecot's certificate) in the background, the scenario for every
# connection, on port $port (FAKE_SMTP_PID); a running one is stopped
# first. It logs what it hears in fake.log.
fake_smtps() {
	[ -z "${FAKE_SMTP_PID:-}" ] || kill "$FAKE_SMTP_PID" 2>/dev/null || true
	port=$("$PYTHON" "$TESTS_DIR/dovecot/util.py" freeports 1)
	"$PYTHON" - "$port" "$1" "$DOVECOT_STATEDIR" "$BATS_TEST_TMPDIR/ready" \
		>"$BATS_TEST_TMPDIR/fake.log" 2>&1 3>&- <<'EOF' &
import base64, hashlib, hmac, os, socket, ssl, sys
port, scenario, statedir, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(statedir + "/server.pem", statedir + "/server.key")
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(4)
open(ready, "w").close()
def b64(b):
    return base64.b64encode(b).decode()
while True:
    raw, _ = s.accept()
    try:
        c = ctx.wrap_socket(raw, server_side=True)
    except OSError:
        continue
    f = c.makefile("rb")
    def say(t):
        c.sendall(t.encode() + b"\r\n")
    if scenario == "garbage":
        say("hello there")
    elif scenario == "longline":
        say("220 " + "x" * 10000)
    elif scenario == "manylines":
        say("220 fake ESMTP")
    else:
        say("220 fake ESMTP")
    nonce = None
    for line in f:
        line = line.decode().rstrip("\r\n")
        print(line, flush=True)
        if line.upper().startswith("EHLO"):
            if scenario == "manylines":
                for i in range(150):
                    say("250-line%d" % i)
            say("250-fake\r\n250 AUTH SCRAM-SHA-256 PLAIN")
        elif line.startswith("AUTH SCRAM-SHA-256 "):
            first = base64.b64decode(line.split()[2]).decode()
            bare = first[3:]
            cnonce = bare.split("r=", 1)[1]
            nonce = cnonce + "server"
            sfirst = "r=%s,s=%s,i=4096" % (nonce, b64(b"saltsalt"))
            say("334 " + b64(sfirst.encode()))
        elif nonce is not None and scenario in ("badsig", "nosig"):
            nonce = None
            if scenario == "badsig":
                say("334 " + b64(b"v=" + b64(os.urandom(32)).encode()))
            else:
                say("235 2.7.0 welcome, whoever you are")
        elif line == "*":
            say("501 5.7.0 cancelled")
        elif line.upper().startswith("QUIT"):
            say("221 bye")
            break
        else:
            say("250 ok")
    c.close()
EOF
	FAKE_SMTP_PID=$!
	for _ in $(seq 200); do
		[ -e "$BATS_TEST_TMPDIR/ready" ] && break
		sleep 0.05
	done
	rm -f "$BATS_TEST_TMPDIR/ready"
}

@test "check --send-via: an SMTP server that garbles its replies is CRITICAL, the probe unsent" {
	fake_smtps garbage
	run imapctl check --send-via "smtps://127.0.0.1:$port" --probe-to alice@imapctl.test
	assert_failure 2
	[[ $output == *", delivery probe not submitted: SMTP server sent a reply that does not parse (CRITICAL), "* ]]
	fake_smtps longline
	run imapctl check --send-via "smtps://127.0.0.1:$port" --probe-to alice@imapctl.test
	assert_failure 2
	[[ $output == *", delivery probe not submitted: SMTP server sent a line longer than 4096 bytes (CRITICAL), "* ]]
	fake_smtps manylines
	run imapctl check --send-via "smtps://127.0.0.1:$port" --probe-to alice@imapctl.test
	assert_failure 2
	[[ $output == *", delivery probe not submitted: SMTP server sent a reply of more than 100 lines (CRITICAL), "* ]]
}

@test "check --send-via: a SCRAM server that cannot prove it knows the password gets no message" {
	# A wrong signature: the exchange is cancelled ("*").
	fake_smtps badsig
	run imapctl check --send-via "smtps://127.0.0.1:$port" --probe-to alice@imapctl.test
	assert_failure 2
	[[ $output == *", delivery probe not submitted: SMTP login failed: the server's SCRAM signature is wrong"*"(CRITICAL), "* ]]
	for _ in $(seq 100); do
		[ "$(tail -n 1 "$BATS_TEST_TMPDIR/fake.log")" = "*" ] && break
		sleep 0.05
	done
	assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/fake.log")" "*"
	assert_equal "$(grep -c '^MAIL\|^RCPT\|^DATA' "$BATS_TEST_TMPDIR/fake.log")" 0
	# No signature at all: success without proof is no success.
	fake_smtps nosig
	run imapctl check --send-via "smtps://127.0.0.1:$port" --probe-to alice@imapctl.test
	assert_failure 2
	[[ $output == *", delivery probe not submitted: SMTP login failed: the server accepted SCRAM without proving that it knows the password (CRITICAL), "* ]]
	# Neither heard a sender, a recipient or a message.
	assert_equal "$(grep -c '^MAIL\|^RCPT\|^DATA' "$BATS_TEST_TMPDIR/fake.log")" 0
}

# The tests below restart Dovecot with other capabilities; they come last.

@test "check --send-via without IDLE: polled with NOOP" {
	dovecot_restart --variant noidle
	# The MX holds the probe for a second: NOOP polls till it comes.
	(sleep 1; postsuper -c "$IMAPCTL_TEST_POSTFIX_DIR" -H ALL) >/dev/null 2>&1 3>&- &
	release=$!
	run --separate-stderr imapctl --debug check --send-via "smtp://127.0.0.1:$IMAPCTL_TEST_HELD_PORT" --probe-to alice@imapctl.test
	wait "$release"
	assert_success
	[[ $output == *", delivered in "[1-9]* ]]
	assert_equal "$(grep -cE '^C: A[0-9]+ IDLE$' <<<"$stderr")" 0
	[ "$(grep -cE '^C: A[0-9]+ NOOP$' <<<"$stderr")" -ge 1 ]
	run probes
	assert_equal "$output" 0
}

@test "check --send-via without UIDPLUS: the probe is flagged, not expunged: WARNING" {
	dovecot_restart --variant nouidplus
	run --separate-stderr imapctl --debug check --send-via "$(submission)" --probe-to alice@imapctl.test
	assert_failure 1
	[[ $output == *", delivered in "*"s, probe message UID 6 flagged \\Deleted, not expunged: the server offers no UIDPLUS to expunge only it (WARNING), "* ]]
	[[ $stderr != *"EXPUNGE"* ]]
	run imapctl fetch INBOX 6 -o json
	echo "$output" | jq -e '.[0].flags | index("\\Deleted")'
	dovecot_restart --variant default
}
