#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Logging in: SCRAM-SHA-256 and SCRAM-SHA-1, XOAUTH2 and OAUTHBEARER with
# tokens the test signs itself, the choice `auto` makes, quirk options,
# password and token commands, and the --debug trace, which must never show
# a password, a token or a SCRAM proof. Faults Dovecot will not produce
# come from the hostile server.

load helpers
load hostile/hostile

setup_file() { dovecot_setup_file --no-seed; }
teardown_file() { dovecot_teardown_file; }
teardown() { hostile_stop || true; }

# b64url: base64url without padding, as JWTs use.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# jwt SUB EXP [KEY]: an HS256 JWT for the test Dovecot's oauth2 passdb.
jwt() {
	local h p s key=${3:-$IMAPCTL_TEST_OAUTH2_KEY}
	h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	p=$(printf '{"sub":"%s","exp":%s}' "$1" "$2" | b64url)
	s=$(printf '%s.%s' "$h" "$p" |
		openssl dgst -sha256 -mac HMAC -macopt "key:$key" -binary | b64url)
	printf '%s.%s.%s\n' "$h" "$p" "$s"
}

valid_jwt() { jwt "${1:-alice}" $(($(date +%s) + 3600)); }

# The AUTHENTICATE exchange of a --debug trace: from the command to its
# tagged answer.
exchange() {
	printf '%s\n' "$1" | sed -n '/^C: A[0-9]* AUTHENTICATE /,/^S: A[0-9]* /p'
}

# No client line of the exchange may show anything but <redacted>, an empty
# response or a cancel; or the commands of status, list and quota that go
# with the login (and LOGOUT).
client_lines_redacted() {
	local bad
	bad=$(exchange "$1" | grep '^C: ' | grep -vE '^C: (A[0-9]+ AUTHENTICATE [A-Z0-9-]+( <redacted>)?|<redacted>|\*|)$' |
		grep -vE '^C: A[0-9]+ (STATUS|LIST|GETQUOTAROOT) [^ ]|^C: A[0-9]+ LOGOUT$' || true)
	[ -z "$bad" ] || { echo "client lines in the clear: $bad"; return 1; }
}

@test "auto logs in to Dovecot with SCRAM-SHA-256, the strongest it offers" {
	run --separate-stderr imapctl --debug status -o json
	assert_success
	[[ $stderr == *"C: A1 AUTHENTICATE SCRAM-SHA-256 <redacted>"* ]]
	# The server-first and server-final messages come as challenges.
	[[ $(exchange "$stderr" | grep -c '^S: + ') == 2 ]]
	assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
	grep -q 'method=SCRAM-SHA-256' "$IMAPCTL_TEST_LOG"
}

@test "SCRAM-SHA-256 and SCRAM-SHA-1 each log in, with and without SASL-IR" {
	for mech in scram-sha-256 scram-sha-1; do
		run --separate-stderr imapctl --auth $mech --debug status
		assert_success
		M=${mech^^}
		[[ $stderr == *"C: A1 AUTHENTICATE $M <redacted>"$'\n'"S: + "* ]]
		run --separate-stderr imapctl --auth $mech --no-sasl-ir --debug status
		assert_success
		[[ $stderr == *"C: A1 AUTHENTICATE $M"$'\n'"S: + "$'\n'"C: <redacted>"$'\n'"S: + "* ]]
		client_lines_redacted "$stderr"
	done
	grep -q 'method=SCRAM-SHA-1' "$IMAPCTL_TEST_LOG"
}

@test "SCRAM with a wrong password: exit 77 with the server's words" {
	for mech in scram-sha-256 scram-sha-1; do
		IMAPCTL_PASSWORD=wonderlan run --separate-stderr imapctl --auth $mech status
		assert_failure 77
		assert_equal "$output" ""
		[[ $stderr == "imapctl: status: login failed: "*"[AUTHENTICATIONFAILED]" ]]
	done
}

@test "a non-ASCII user and password log in with every password mechanism" {
	for mech in auto scram-sha-256 scram-sha-1 plain login; do
		IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS_UTF8 run --separate-stderr "$IMAPCTL" $(imapctl_args --user "$IMAPCTL_TEST_USER_UTF8") --auth $mech status -o json
		assert_success
		assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
	done
}

@test "XOAUTH2 and OAUTHBEARER log in with a signed token, with and without SASL-IR" {
	unset IMAPCTL_PASSWORD
	tok=$(valid_jwt)
	for mech in xoauth2 oauthbearer; do
		for ir in "" --no-sasl-ir; do
			run --separate-stderr imapctl --auth $mech $ir --oauth2-token-cmd "echo $tok" --debug status -o json
			assert_success
			assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
			[[ $stderr == *"AUTHENTICATE ${mech^^}"* ]]
			client_lines_redacted "$stderr"
		done
	done
	grep -q 'method=XOAUTH2' "$IMAPCTL_TEST_LOG"
	grep -q 'method=OAUTHBEARER' "$IMAPCTL_TEST_LOG"
}

@test "a token command means OAuth2: auto picks XOAUTH2" {
	unset IMAPCTL_PASSWORD
	run --separate-stderr imapctl --oauth2-token-cmd "echo $(valid_jwt)" --debug status
	assert_success
	[[ $stderr == *"C: A1 AUTHENTICATE XOAUTH2 <redacted>"* ]]
	# The token command wins over a password in the environment too.
	IMAPCTL_PASSWORD=wonderland run --separate-stderr imapctl --oauth2-token-cmd "echo $(valid_jwt)" --debug status
	assert_success
	[[ $stderr == *"AUTHENTICATE XOAUTH2"* ]]
}

@test "the token command's first line is the token" {
	unset IMAPCTL_PASSWORD
	run --separate-stderr imapctl --oauth2-token-cmd "printf '%s\\r\\nexpires in 3599 s\\n' $(valid_jwt)" status -o json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
}

@test "a non-ASCII user logs in with OAuth2" {
	unset IMAPCTL_PASSWORD
	for mech in xoauth2 oauthbearer; do
		run --separate-stderr "$IMAPCTL" $(imapctl_args --user "$IMAPCTL_TEST_USER_UTF8") --auth $mech --oauth2-token-cmd "echo $(valid_jwt "$IMAPCTL_TEST_USER_UTF8")" status
		assert_success
	done
}

@test "an expired or badly signed token: exit 77 with the OAuth2 status" {
	unset IMAPCTL_PASSWORD
	expired=$(jwt alice $(($(date +%s) - 60)))
	forged=$(jwt alice $(($(date +%s) + 3600)) not-the-key)
	for tok in "$expired" "$forged"; do
		run --separate-stderr imapctl --auth xoauth2 --oauth2-token-cmd "echo $tok" --debug status
		assert_failure 77
		assert_equal "$output" ""
		# The JSON error challenge is answered with an empty response.
		[[ $stderr == *$'\nS: + '*$'\nC: \nS: A1 NO '* ]]
		[[ $stderr == *"imapctl: status: login failed: Authentication failed. (OAuth2 status '401') [AUTHENTICATIONFAILED]"* ]]
		run --separate-stderr imapctl --auth oauthbearer --oauth2-token-cmd "echo $tok" --debug status
		assert_failure 77
		# OAUTHBEARER answers it with ^A, which is a client response.
		[[ $stderr == *$'\nS: + '*$'\nC: <redacted>\nS: A1 NO '* ]]
		[[ $stderr == *"(OAuth2 status 'invalid_token') [AUTHENTICATIONFAILED]"* ]]
		[[ $stderr != *"$tok"* ]]
	done
	grep -q 'Token has expired' "$IMAPCTL_TEST_LOG"
	grep -q 'Incorrect JWT signature' "$IMAPCTL_TEST_LOG"
}

@test "a token for another user is refused" {
	unset IMAPCTL_PASSWORD
	run --separate-stderr imapctl --oauth2-token-cmd "echo $(valid_jwt bob)" status
	assert_failure 77
}

@test "a secret that does not fit the mechanism is a configuration error" {
	unset IMAPCTL_PASSWORD
	run --separate-stderr imapctl --auth xoauth2 status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: no OAuth2 token command given (--oauth2-token-cmd or an account's oauth2_token_cmd)"
	run --separate-stderr imapctl --auth plain --oauth2-token-cmd 'echo tok' status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: no password given (--password-file, --password-cmd, IMAPCTL_PASSWORD, ~/.netrc or an account's password_cmd)"
	run --separate-stderr imapctl --oauth2-token-cmd 'echo "two words"' status
	assert_failure 78
	[[ $stderr == *"the OAuth2 token holds spaces or control characters"* ]]
}

@test "the token command runs at every connection and its failures are clear" {
	unset IMAPCTL_PASSWORD
	tok=$(valid_jwt)
	count=$BATS_TEST_TMPDIR/runs
	for i in 1 2; do
		run imapctl --oauth2-token-cmd "echo x >>'$count'; echo $tok" status
		assert_success
	done
	assert_equal "$(wc -l <"$count")" 2
	run --separate-stderr imapctl --oauth2-token-cmd 'exit 4' status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: OAuth2 token command failed (exit status 4)"
	run --separate-stderr imapctl --oauth2-token-cmd 'true' status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: OAuth2 token command printed nothing"
	run --separate-stderr imapctl --timeout 1 --oauth2-token-cmd 'sleep 5' status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: OAuth2 token command timed out after 1 s"
}

@test "the password command: stderr passes through, stdin is not the command's" {
	unset IMAPCTL_PASSWORD
	run --separate-stderr imapctl --password-cmd 'echo "unlocking the keyring" >&2; echo wonderland' status
	assert_success
	assert_equal "$stderr" "unlocking the keyring"
	# Standard input may be a pipe of UIDs: the command must not eat it.
	run --separate-stderr bash -c "echo nope | \"\$IMAPCTL\" $(imapctl_args) --password-cmd 'if read -r x; then echo \"got \$x\"; else echo wonderland; fi' status"
	assert_success
	# A first line longer than the limit is an error, not a cut password.
	run --separate-stderr imapctl --password-cmd "printf '%020000d' 0" status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: password command printed a line longer than 16384 bytes"
}

@test "--debug never shows a password, token or client response, for any mechanism" {
	pw=$IMAPCTL_TEST_PASS_UTF8 u=$IMAPCTL_TEST_USER_UTF8
	for mech in scram-sha-256 scram-sha-1 plain login; do
		for ir in "" --no-sasl-ir; do
			run --separate-stderr "$IMAPCTL" $(imapctl_args --user "$u") --auth $mech $ir --password-cmd "printf '%s\n' '$pw'" --debug status
			assert_success
			[[ $stderr == *"C: A2 STATUS INBOX"* ]]
			[[ $stderr != *"$pw"* ]]
			[[ $stderr != *"$(printf '\0%s\0%s' "$u" "$pw" | base64 -w0)"* ]]
			[[ $stderr != *"$(printf '%s' "$pw" | base64 -w0)"* ]]
			client_lines_redacted "$stderr"
		done
	done
	unset IMAPCTL_PASSWORD
	tok=$(valid_jwt)
	for mech in xoauth2 oauthbearer; do
		run --separate-stderr imapctl --auth $mech --oauth2-token-cmd "echo $tok" --debug status
		assert_success
		[[ $stderr != *"$tok"* ]]
		[[ $stderr != *"${tok:0:20}"* ]]
		[[ $stderr != *"$(printf 'user=alice\001auth=Bearer %s\001\001' "$tok" | base64 -w0)"* ]]
		client_lines_redacted "$stderr"
	done
}

@test "--id sends the client's ID after login" {
	run --separate-stderr imapctl --id --debug status
	assert_success
	[[ $stderr == *"C: A2 ID (\"name\" \"imapctl\" \"version\" \""* ]]
	[[ $stderr == *'S: * ID ("name" "Dovecot")'* ]]
	[[ $stderr == *"C: A3 STATUS INBOX"* ]]
}

@test "--auth forces a mechanism the server does not advertise" {
	# Two connections: STATUS=SIZE is assumed on the first (see
	# flights.bats), refused, and asked without on the second.
	hostile_start ok --caps "IMAP4rev1 SASL-IR AUTH=PLAIN" --password secret --connections 2 --timeout 10
	IMAPCTL_PASSWORD=secret run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u hostile --auth scram-sha-256 status
	assert_success
	hostile_wait
	grep -q 'violation: AUTH=SCRAM-SHA-256 not advertised' "$HOSTILE_LOG"
	grep -q 'auth SCRAM-SHA-256 user=hostile result=OK' "$HOSTILE_LOG"
}

# ctl ARGS: imapctl against the hostile server, cleartext.
ctl() {
	"$IMAPCTL" --tls none --host 127.0.0.1 --port "$HOSTILE_PORT" --user hostile "$@"
}

@test "hostile: a SCRAM proof never reaches the trace" {
	hostile_start ok --add-cap AUTH=SCRAM-SHA-256 --password 'sécret' --timeout 10
	IMAPCTL_PASSWORD='sécret' run --separate-stderr ctl --debug status
	assert_success
	hostile_wait
	# The bytes imapctl sent: the client-final message follows the
	# AUTHENTICATE line, and carries the proof.
	final=$(tr -d '\r' <"$HOSTILE_RECORD" | sed -n '/AUTHENTICATE SCRAM-SHA-256/{n;p;q}')
	proof=$(printf '%s' "$final" | base64 -d | sed -n 's/.*,p=//p')
	[ -n "$proof" ]
	[[ $stderr != *"$final"* ]]
	[[ $stderr != *"$proof"* ]]
	[[ $stderr != *"sécret"* ]]
	client_lines_redacted "$stderr"
}

@test "hostile: LOGIN hides a quoted password and one sent as a literal" {
	# A password with quoting specials goes quoted; a non-ASCII one as a
	# synchronizing literal, the server offering no LITERAL+.
	for pw in 'p"a\ss w{3}' 'pässwörd'; do
		hostile_start ok --drop-cap LITERAL+ --password "$pw" --timeout 10
		IMAPCTL_PASSWORD=$pw run --separate-stderr ctl --auth login --debug status
		assert_success
		hostile_wait
		grep -q 'auth LOGIN user=hostile result=OK' "$HOSTILE_LOG"
		[[ $stderr == *"C: A2 LOGIN hostile <redacted>"$'\n'* ]]
		[[ $stderr != *"$pw"* ]]
		[[ $stderr != *'\"a'* ]]
		[[ $stderr != *"{"[0-9]* ]]
	done
	# The literal's line: the server's go-ahead, then nothing in the clear.
	[[ $stderr == *$'\nS: + go ahead\nC: <redacted>\nS: A2 OK'* ]]
	assert_equal "$(tr -d '\r' <"$HOSTILE_RECORD" | sed -n 's/^A2 LOGIN hostile //p')" "{10}"
}

@test "hostile: a SCRAM server with a wrong signature is not who it says: exit 77" {
	hostile_start scram-bad-signature --timeout 10
	IMAPCTL_PASSWORD=secret run --separate-stderr ctl status
	assert_failure 77
	assert_equal "$output" ""
	assert_equal "$stderr" "imapctl: status: login failed: the server's SCRAM signature is wrong: the server is not who it says"
	hostile_wait
	# imapctl cancelled the exchange and sent nothing but LOGOUT after it.
	grep -q 'client cancelled after the signature' "$HOSTILE_LOG"
	! grep -qa 'STATUS' "$HOSTILE_RECORD"
}

@test "hostile: SCRAM without a server signature, or with a foreign nonce: exit 77" {
	hostile_start scram-no-signature --timeout 10
	IMAPCTL_PASSWORD=secret run --separate-stderr ctl status
	assert_failure 77
	assert_equal "$stderr" "imapctl: status: login failed: the server accepted SCRAM without proving that it knows the password"
	hostile_wait
	! grep -qa 'STATUS' "$HOSTILE_RECORD"
	hostile_start scram-bad-nonce --timeout 10
	IMAPCTL_PASSWORD=secret run --separate-stderr ctl status
	assert_failure 77
	assert_equal "$stderr" "imapctl: status: login failed: the server's SCRAM nonce does not extend the client's"
	hostile_wait
	# The proof was never sent: the client cancelled at the server-first.
	assert_equal "$(tr -d '\r' <"$HOSTILE_RECORD" | sed -n '/AUTHENTICATE/{n;p;q}')" '*'
}

@test "hostile: OAuth2 error challenges are answered as each mechanism requires" {
	hostile_start login-no --add-cap AUTH=XOAUTH2 --add-cap AUTH=OAUTHBEARER --connections 2 --timeout 10
	run --separate-stderr ctl --oauth2-token-cmd 'echo tok' status
	assert_failure 77
	assert_equal "$stderr" "imapctl: status: login failed: Authentication failed. (OAuth2 status '401') [AUTHENTICATIONFAILED]"
	run --separate-stderr ctl --auth oauthbearer --oauth2-token-cmd 'echo tok' status
	assert_failure 77
	hostile_wait
	# Exact bytes: the initial responses, then "" for XOAUTH2 and ^A for
	# OAUTHBEARER (RFC 7628 3.2.3).
	xo=$(printf 'user=hostile\001auth=Bearer tok\001\001' | base64 -w0)
	ob=$(printf 'n,a=hostile,\001host=127.0.0.1\001port=%s\001auth=Bearer tok\001\001' "$HOSTILE_PORT" | base64 -w0)
	grep -q "^A2 AUTHENTICATE XOAUTH2 $xo"$'\r'"\$" "$HOSTILE_RECORD"
	grep -q "^A2 AUTHENTICATE OAUTHBEARER $ob"$'\r'"\$" "$HOSTILE_RECORD"
	assert_equal "$(tr -d '\r' <"$HOSTILE_RECORD" | sed -n '/AUTHENTICATE XOAUTH2/{n;p;q}')" ""
	assert_equal "$(tr -d '\r' <"$HOSTILE_RECORD" | sed -n '/AUTHENTICATE OAUTHBEARER/{n;p;q}')" "AQ=="
}

@test "hostile: auto picks OAUTHBEARER when the server offers only that" {
	hostile_start ok --add-cap AUTH=OAUTHBEARER --timeout 10
	run --separate-stderr ctl --oauth2-token-cmd 'echo tok' status
	assert_success
	hostile_wait
	grep -q 'auth OAUTHBEARER user=hostile result=OK' "$HOSTILE_LOG"
	! grep -q 'violation' "$HOSTILE_LOG"
}

@test "hostile: a server offering no OAuth2 mechanism gets no token" {
	hostile_start ok --timeout 10
	run --separate-stderr ctl --oauth2-token-cmd 'echo tok' status
	assert_failure 77
	assert_equal "$stderr" "imapctl: status: login failed: the server offers neither XOAUTH2 nor OAUTHBEARER"
	hostile_wait
	! grep -qa 'AUTHENTICATE' "$HOSTILE_RECORD"
}

@test "hostile: a reconnecting watch runs the token command again" {
	hostile_start idle-drop --add-cap AUTH=XOAUTH2 --connections 2 --timeout 10
	count=$BATS_TEST_TMPDIR/runs
	run --separate-stderr ctl --oauth2-token-cmd "echo x >>'$count'; echo tok\$(wc -l <'$count')" watch INBOX --once --duration 20 -o jsonl
	assert_success
	hostile_wait
	assert_equal "$(wc -l <"$count")" 2
	# Each login carried the token of its own run.
	grep -q "^A[0-9]* AUTHENTICATE XOAUTH2 $(printf 'user=hostile\001auth=Bearer tok1\001\001' | base64 -w0)"$'\r'"\$" "$HOSTILE_RECORD"
	grep -q "^A[0-9]* AUTHENTICATE XOAUTH2 $(printf 'user=hostile\001auth=Bearer tok2\001\001' | base64 -w0)"$'\r'"\$" "$HOSTILE_RECORD"
}
