#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# check's flights, counted in the --debug trace: the login (with SASL-IR)
# goes in the write of the probe's commands and LOGOUT, so that after TLS
# the probe pays one round trip with PLAIN and two with SCRAM, as status
# does (tests/flights.bats). Its Nagios results stay what they were: a
# refused login is CRITICAL in the login's words, and a server that does
# not offer what the probe assumed gets the same result as before.

load helpers
load hostile/hostile

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
teardown() { hostile_stop || true; }

# turns: the client's write turns in $stderr from the greeting on: each
# run of "C:" lines that a "S:" line follows is one.
turns() {
	awk '/^C: /{ if (!c) { c = 1; n++ } next } /^S: /{ c = 0 }
	     END { print n + 0 }' <<<"$stderr"
}

# logouts: how many LOGOUT commands the trace shows.
logouts() { grep -cE '^C: A[0-9]+ LOGOUT$' <<<"$stderr" || true; }

# result: the plugin output without what varies between runs (times, the
# ages measured against the clock, also in a mailbox's quoted labels; the
# certificate's whole days left, 365 in the second it was made, 364 after).
result() {
	sed -E "s/(time|_age)('?)=[0-9.]+s?/\\1\\2=T/g; s/checked in [0-9.]+s/checked in T/;
		s/oldest unseen [0-9]+(s|min|h|d)/oldest unseen T/;
		s/certificate 36[45] days/certificate D days/; s/cert_days=36[45]/cert_days=D/" <<<"$1"
}

@test "check with PLAIN and SASL-IR: the login, the probe and LOGOUT in one write" {
	run --separate-stderr imapctl --auth plain --debug check --query unseen
	assert_success
	assert_equal "$(turns)" 1
	assert_equal "$(logouts)" 1
	[[ $stderr == *"C: A1 AUTHENTICATE PLAIN <redacted>
C: A2 STATUS INBOX (MESSAGES UNSEEN)
C: A3 GETQUOTAROOT INBOX
C: A4 EXAMINE INBOX
C: A5 UID SEARCH RETURN (SAVE MIN) UNSEEN
C: A6 UID FETCH \$ (UID INTERNALDATE)
C: A7 UID SEARCH RETURN (SAVE MAX) ALL
C: A8 UID FETCH \$ (UID INTERNALDATE)
C: A9 "*"
C: A10 LOGOUT
S: A1 OK "* ]]
	[[ $stderr != *"$IMAPCTL_PASSWORD"* ]]
	[[ $output == "IMAP OK - INBOX 5 messages, 3 unseen, oldest unseen "*", 3 matching the query, quota 0%, "* ]]
	out=$(result "$output")
	# The same as with the login waited for (no SASL-IR: turns more).
	run --separate-stderr imapctl --auth plain --no-sasl-ir --debug check --query unseen
	assert_success
	assert_equal "$(result "$output")" "$out"
	assert_equal "$(turns)" 3
	assert_equal "$(logouts)" 1
}

@test "check with SCRAM: its last two responses, the probe and LOGOUT in one write" {
	run --separate-stderr imapctl --auth scram-sha-256 --debug check --mailbox INBOX --mailbox Projects/2024
	assert_success
	assert_equal "$(turns)" 2
	assert_equal "$(logouts)" 1
	[[ $stderr == *"C: <redacted>
C: 
C: A2 STATUS INBOX (MESSAGES UNSEEN)"* ]]
	[[ $stderr == *"C: A"[0-9]*" LOGOUT
S: + "* ]]
	[[ $stderr != *"$IMAPCTL_PASSWORD"* ]]
	out=$(result "$output")
	run imapctl --auth plain check --mailbox INBOX --mailbox Projects/2024
	assert_success
	assert_equal "$(result "$output")" "$out"
}

@test "check: a refused login is CRITICAL in the login's words, nothing measured" {
	for auth in plain scram-sha-256; do
		IMAPCTL_PASSWORD=wrong run --separate-stderr imapctl --auth $auth check
		assert_failure 2
		assert_equal "$stderr" ""
		[[ $output == "IMAP CRITICAL - login failed: Authentication failed. (the password came from IMAPCTL_PASSWORD) [AUTHENTICATIONFAILED] | time="* ]]
		[[ $output != *"messages="* ]]
		[[ $output != *"quota_"* ]]
		[[ $output != *"login_time="* ]]
		IMAPCTL_PASSWORD=wrong run --separate-stderr imapctl --auth $auth check -o json
		assert_failure 2
		[[ $output == *'"state":"CRITICAL"'* ]]
	done
}

# ctl ARGS: imapctl against the hostile server, cleartext.
ctl() {
	"$IMAPCTL" --tls none --host 127.0.0.1 --port "$HOSTILE_PORT" --user hostile "$@"
}

# hostile_result CAPS [OPTIONS]: check's output against the hostile server
# offering CAPS, with the login waited for (the result of before).
hostile_result() {
	local caps=$1
	shift
	hostile_start ok --caps "$caps" "$@" --timeout 10
	IMAPCTL_PASSWORD=secret run --separate-stderr ctl --no-sasl-ir check
	hostile_wait
	expect_status=$status
	expect=$(result "$output")
}

@test "hostile check: what was assumed is not offered: asked again, the same result" {
	# Nothing but the login's capabilities before login, as Dovecot
	# does, and after it neither QUOTA nor ESEARCH nor SEARCHRES: told
	# in the login's answer, or not told, when the refused search tells.
	for tell in "" --caps-in-responses; do
		hostile_result "IMAP4rev1 SASL-IR AUTH=PLAIN" $tell
		assert_equal "$expect_status" 0
		[[ $expect == "IMAP OK - INBOX 3 messages, 2 unseen, oldest unseen T, checked in T | "* ]]
		hostile_start ok --caps "IMAP4rev1 SASL-IR AUTH=PLAIN" $tell --connections 2 --timeout 10
		IMAPCTL_PASSWORD=secret run --separate-stderr ctl --debug check
		assert_equal "$status" "$expect_status"
		assert_equal "$(result "$output")" "$expect"
		hostile_wait
		assert_equal "$(grep -c accepted "$HOSTILE_LOG")" 2
		! grep -q violation "$HOSTILE_LOG"
		# The second time, what the server offers.
		tr -d '\r' <"$HOSTILE_RECORD" | grep -q '^A[0-9]* UID SEARCH UNSEEN$'
	done
	# No quota: a threshold on it is UNKNOWN, as before.
	hostile_start ok --caps "IMAP4rev1 SASL-IR AUTH=PLAIN" --caps-in-responses --connections 2 --timeout 10
	IMAPCTL_PASSWORD=secret run --separate-stderr ctl check --warning-quota 80
	assert_failure 3
	[[ $output == "IMAP UNKNOWN - "*"quota unknown: the server offers no QUOTA"* ]]
	hostile_wait
}

@test "hostile check: a server without SASL-IR: the login waited for, then one write" {
	hostile_start ok --caps "IMAP4rev1 AUTH=PLAIN QUOTA" --caps-in-responses --timeout 10
	IMAPCTL_PASSWORD=secret run --separate-stderr ctl --debug check
	assert_success
	[[ $output == "IMAP OK - INBOX 3 messages, 2 unseen, "* ]]
	[[ $stderr == *"C: A1 AUTHENTICATE PLAIN
S: + 
C: <redacted>
S: A1 OK "* ]]
	assert_equal "$(turns)" 4
	assert_equal "$(logouts)" 1
	hostile_wait
	! grep -q violation "$HOSTILE_LOG"
	assert_equal "$(grep -c accepted "$HOSTILE_LOG")" 1
}

@test "hostile check: a refused login stays CRITICAL, once, whatever was assumed" {
	hostile_start ok --caps "IMAP4rev1 SASL-IR AUTH=PLAIN" --user hostile --password secret --timeout 10
	IMAPCTL_PASSWORD=wrong run --separate-stderr ctl check
	assert_failure 2
	[[ $output == "IMAP CRITICAL - login failed: "* ]]
	hostile_wait
	assert_equal "$(grep -c accepted "$HOSTILE_LOG")" 1
	! grep -q violation "$HOSTILE_LOG"
}

# seconds NAME: the perfdata value of NAME in $output, without its unit.
seconds() { grep -oE "(^| )$1=[0-9.]+s" <<<"$output" | sed -E 's/.*=//; s/s$//'; }

# The server answers the login at once, the probe's commands 2 s later
# (hostile/scripts/check-slow-probe.script); the margins are wide.
@test "hostile check: login_time ends with the login's OK, not with the answers that went in its write" {
	local pki=$BATS_TEST_TMPDIR/pki script how login total
	mkdir -p "$pki"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$pki/key.pem" -out "$pki/cert.pem" -days 2 -subj /CN=localhost \
		-addext subjectAltName=IP:127.0.0.1 2>/dev/null
	script=$BATS_TEST_DIRNAME/hostile/scripts/check-slow-probe.script
	printf '#!/bin/sh\necho tok\n' >"$BATS_TEST_TMPDIR/token"
	chmod +x "$BATS_TEST_TMPDIR/token"
	# In the probe's write: PLAIN, SCRAM, after STARTTLS. Waited for:
	# --retry, no SASL-IR, OAuth2. The same meaning in all.
	for how in "--auth plain" "--auth scram-sha-256" "--tls starttls --auth plain" \
	    "--auth plain --retry 1" "--auth plain --no-sasl-ir" "--oauth2-token-cmd $BATS_TEST_TMPDIR/token"; do
		hostile_start script --script "$script" --cert "$pki/cert.pem" --key "$pki/key.pem" \
			--caps "IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=SCRAM-SHA-256 AUTH=XOAUTH2 QUOTA ESEARCH SEARCHRES WITHIN" \
			--caps-in-responses --timeout 20
		IMAPCTL_PASSWORD=secret run --separate-stderr \
			"$IMAPCTL" --tls none --host 127.0.0.1 --port "$HOSTILE_PORT" --user hostile \
			--cafile "$pki/cert.pem" --timeout 20 $how check
		hostile_wait 20
		echo "$how: $output"
		assert_success
		[[ $output == "IMAP OK - INBOX 2 messages, 1 unseen, "* ]]
		login=$(seconds login_time)
		total=$(seconds time)
		# The server's 2 s are in the probe's time, not in the login's.
		awk -v l="$login" -v t="$total" 'BEGIN { exit !(l != "" && l < 1 && t >= 2) }'
	done
	# The same in JSON.
	hostile_start script --script "$script" \
		--caps "IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=SCRAM-SHA-256 QUOTA ESEARCH SEARCHRES WITHIN" \
		--caps-in-responses --timeout 20
	IMAPCTL_PASSWORD=secret run --separate-stderr ctl --timeout 20 --auth scram-sha-256 check -o json
	hostile_wait 20
	assert_success
	jq -e '.[0] | .login_time < 1 and .time >= 2' <<<"$output"
}
