#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Connecting and logging in: TLS verified for real, STARTTLS, mechanisms,
# secret sources, and the exit status of each way it can fail.

load helpers

setup_file() { dovecot_setup_file --no-seed; }
teardown_file() { dovecot_teardown_file; }

@test "implicit TLS with --cafile logs in" {
	run --separate-stderr imapctl status -o json
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
}

@test "STARTTLS with --cafile logs in, and asks capabilities again over TLS" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args --tls starttls) --debug status
	assert_success
	[[ $stderr == *"C: A1 STARTTLS"* ]]
	# Credentials only after the handshake; capabilities asked anew.
	after=${stderr#*tls: starting handshake}
	[[ $after == *"C: A2 CAPABILITY"* ]]
	[[ $after == *"AUTHENTICATE SCRAM-SHA-256 <redacted>"* ]]
	[[ ${stderr%%tls: starting handshake*} != *AUTHENTICATE* ]]
}

@test "--url names the server, user and TLS mode" {
	run "$IMAPCTL" --url "imaps://alice@127.0.0.1:$IMAPCTL_TEST_IMAPS_PORT" --cafile "$IMAPCTL_TEST_CAFILE" status -o jsonl
	assert_success
	run "$IMAPCTL" --url "imap://alice@127.0.0.1:$IMAPCTL_TEST_IMAP_PORT" --cafile "$IMAPCTL_TEST_CAFILE" info -o json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].tls_version')" TLSv1.3
	IMAPCTL_URL="imaps://al%69ce@127.0.0.1:$IMAPCTL_TEST_IMAPS_PORT" run "$IMAPCTL" --cafile "$IMAPCTL_TEST_CAFILE" status
	assert_success
	run --separate-stderr "$IMAPCTL" --url "http://x" status
	assert_failure 64
	[[ $stderr == *"bad URL"* ]]
}

@test "without --cafile the self-signed server is refused: exit 77, and why" {
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$IMAPCTL_TEST_IMAPS_PORT" --user alice status
	assert_failure 77
	assert_equal "$output" ""
	[[ $stderr == "imapctl: status: TLS certificate verification failed for '127.0.0.1': unable to get local issuer certificate"* ]]
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$IMAPCTL_TEST_IMAP_PORT" --tls starttls --user alice status
	assert_failure 77
}

@test "the host name is verified against the certificate" {
	# The certificate names localhost and 127.0.0.1, not ::1's other names.
	run --separate-stderr "$IMAPCTL" --host localhost --port "$IMAPCTL_TEST_IMAPS_PORT" --user alice --cafile "$IMAPCTL_TEST_CAFILE" status
	assert_success
	run --separate-stderr "$IMAPCTL" --host 127.1 --port "$IMAPCTL_TEST_IMAPS_PORT" --user alice --cafile "$IMAPCTL_TEST_CAFILE" status
	assert_failure 77
	[[ $stderr == *"verification failed"* ]]
}

@test "--insecure connects with a warning" {
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$IMAPCTL_TEST_IMAPS_PORT" --user alice --insecure status -o json
	assert_success
	assert_equal "$stderr" "imapctl: status: warning: --insecure: the server's certificate is not verified"
	assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
}

@test "wrong password: exit 77 with the server's words" {
	IMAPCTL_PASSWORD=nope run --separate-stderr imapctl status
	assert_failure 77
	[[ $stderr == "imapctl: status: login failed: "*"[AUTHENTICATIONFAILED]" ]]
	IMAPCTL_PASSWORD=nope run --separate-stderr imapctl --auth login status
	assert_failure 77
}

@test "unknown host: 68; refused port: 69; no server: 78" {
	run --separate-stderr "$IMAPCTL" --host no-such-host.invalid --user alice status
	assert_failure 68
	[[ $stderr == "imapctl: status: cannot resolve 'no-such-host.invalid'"* ]]
	port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$port" --user alice status
	assert_failure 69
	[[ $stderr == *"Connection refused"* ]]
	run --separate-stderr "$IMAPCTL" --user alice status
	assert_failure 78
	[[ $stderr == *"no server given"* ]]
}

@test "LOGIN and PLAIN each log in" {
	for mech in plain login auto; do
		run --separate-stderr "$IMAPCTL" $(imapctl_args) --auth $mech --debug status
		assert_success
	done
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --auth login --debug status
	[[ $stderr == *"C: A1 LOGIN alice <redacted>"* ]]
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --auth plain --no-sasl-ir --debug status
	assert_success
	[[ $stderr == *"C: A1 AUTHENTICATE PLAIN"$'\n'"S: + "* ]]
}

@test "a user and password with non-ASCII characters log in, with each mechanism" {
	for mech in plain login; do
		IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS_UTF8 run --separate-stderr "$IMAPCTL" $(imapctl_args --user "$IMAPCTL_TEST_USER_UTF8") --auth $mech status -o json
		assert_success
		assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
	done
}

@test "--password-file, --password-cmd and IMAPCTL_PASSWORD, in that order" {
	unset IMAPCTL_PASSWORD
	printf 'wonderland\nignored\n' >"$BATS_TEST_TMPDIR/pw"
	chmod 600 "$BATS_TEST_TMPDIR/pw"
	run "$IMAPCTL" $(imapctl_args) --password-file "$BATS_TEST_TMPDIR/pw" status
	assert_success
	run "$IMAPCTL" $(imapctl_args) --password-cmd 'printf "wonderland\r\nx\n"' status
	assert_success
	IMAPCTL_PASSWORD=wonderland run "$IMAPCTL" $(imapctl_args) status
	assert_success
	# The file wins over the environment.
	IMAPCTL_PASSWORD=nope run "$IMAPCTL" $(imapctl_args) --password-file "$BATS_TEST_TMPDIR/pw" status
	assert_success
	IMAPCTL_PASSWORD=wonderland run "$IMAPCTL" $(imapctl_args) --password-cmd 'echo nope' status
	assert_failure 77
	# Stdin as the password file.
	run bash -c "echo wonderland | \"\$IMAPCTL\" $(imapctl_args) --password-file - status"
	assert_success
}

@test "password sources that fail are clear errors" {
	unset IMAPCTL_PASSWORD
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --password-file /nonexistent status
	assert_failure 66
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --password-cmd 'exit 3' status
	assert_failure 78
	[[ $stderr == *"password command failed (exit status 3)"* ]]
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --password-cmd 'true' status
	assert_failure 78
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --timeout 1 --password-cmd 'sleep 5' status
	assert_failure 78
	[[ $stderr == *"timed out"* ]]
	run --separate-stderr "$IMAPCTL" $(imapctl_args) status
	assert_failure 78
	[[ $stderr == *"no password given"* ]]
}

@test "the password command does not see IMAPCTL_PASSWORD" {
	IMAPCTL_PASSWORD=wonderland run "$IMAPCTL" $(imapctl_args) --password-cmd 'echo "${IMAPCTL_PASSWORD:-wonderland}"; test -z "$IMAPCTL_PASSWORD"' status
	assert_success
}

@test "--debug shows the exchange and never the password" {
	for mech in plain login; do
		IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS_UTF8 run --separate-stderr "$IMAPCTL" $(imapctl_args --user "$IMAPCTL_TEST_USER_UTF8") --auth $mech --debug status
		assert_success
		[[ $stderr == *"S: * OK"* ]]
		[[ $stderr == *"C: A2 STATUS INBOX"* ]]
		[[ $stderr != *"$IMAPCTL_TEST_PASS_UTF8"* ]]
		b64=$(printf '\0%s\0%s' "$IMAPCTL_TEST_USER_UTF8" "$IMAPCTL_TEST_PASS_UTF8" | base64 -w0)
		[[ $stderr != *"$b64"* ]]
	done
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --auth plain --no-sasl-ir --debug status
	[[ $stderr != *wonderland* ]]
	[[ $stderr != *"$(printf '\0alice\0wonderland' | base64 -w0)"* ]]
	[[ $stderr == *"C: <redacted>"* ]]
}

@test "bad values of global options are usage errors" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --timeout 0 status
	assert_failure 64
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --tls maybe status
	assert_failure 64
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --auth gssapi status
	assert_failure 64
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --max-size 12x status
	assert_failure 64
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --cafile /nonexistent status
	assert_failure 66
}

@test "the system store: the hashed directory is searched as needed; a bundle is read only where there is none" {
	local dir=$BATS_TEST_TMPDIR/certs
	mkdir -p "$dir"
	cp "$IMAPCTL_TEST_CAFILE" "$dir/test-ca.pem"
	openssl rehash "$dir" 2>/dev/null || c_rehash "$dir" >/dev/null
	# The test CA from a hashed directory, without --cafile.
	SSL_CERT_DIR=$dir SSL_CERT_FILE=/nonexistent run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$IMAPCTL_TEST_IMAPS_PORT" --user alice status
	assert_success
	# From a bundle that is not the system's: read.
	env -u SSL_CERT_DIR SSL_CERT_FILE="$dir/test-ca.pem" "$IMAPCTL" --host 127.0.0.1 --port "$IMAPCTL_TEST_IMAPS_PORT" --user alice status
	# A directory that is not hashed: the system's bundle is read, and the
	# test CA is not in it.
	env -u SSL_CERT_FILE SSL_CERT_DIR="$BATS_TEST_TMPDIR" "$IMAPCTL" --host 127.0.0.1 --port "$IMAPCTL_TEST_IMAPS_PORT" --user alice status 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	assert_equal "${rc:-0}" 77
	grep -q "unable to get local issuer certificate" "$BATS_TEST_TMPDIR/err"
	# With the system's hashed directory, its bundle is never opened. (A
	# sanitizer build's leak check cannot run under ptrace.)
	if command -v strace >/dev/null && [ -d /etc/ssl/certs ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
		export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
		env -u SSL_CERT_DIR -u SSL_CERT_FILE strace -f -e trace=open,openat -o "$BATS_TEST_TMPDIR/trace" "$IMAPCTL" $(imapctl_args) status
		grep -q "$IMAPCTL_TEST_CAFILE" "$BATS_TEST_TMPDIR/trace"
		! grep -q 'ca-certificates.crt\|cert\.pem"' "$BATS_TEST_TMPDIR/trace"
		SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt SSL_CERT_DIR=/etc/ssl/certs strace -f -e trace=open,openat -o "$BATS_TEST_TMPDIR/trace" "$IMAPCTL" $(imapctl_args) status
		! grep -q 'ca-certificates.crt' "$BATS_TEST_TMPDIR/trace"
	fi
}
