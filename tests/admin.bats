#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# What admins reach for, against the test Dovecot of the clientcert
# variant (a client certificate from the test CA required to log in):
# --cert/--key and the account's cert/key; --as with a Dovecot master user
# (SASL PLAIN authorization identity); --tunnel to Dovecot's imap binary
# run directly (PREAUTH), with its timeouts, and the tunnel reaped on
# every way out.

load helpers

setup_file() {
	# The seed logs in without a certificate: fill alice's mail here.
	dovecot_setup_file --variant clientcert --no-seed
	"$TESTS_DIR/dovecot/mint-cert" "$DOVECOT_STATEDIR" client --client --cn alice >/dev/null
	"$TESTS_DIR/dovecot/mint-cert" "$DOVECOT_STATEDIR" rogue --client --cn alice --self-signed >/dev/null
	export CERT=$DOVECOT_STATEDIR/client.pem KEY=$DOVECOT_STATEDIR/client.key
	ctl mailbox create Projects/2024 &&
		ctl append INBOX "$FIXTURES"/*.eml >/dev/null
}

teardown_file() { dovecot_teardown_file; }

# The test Dovecot over TLS, with the client certificate.
ctl() {
	"$IMAPCTL" $(imapctl_args) --cert "$CERT" --key "$KEY" "$@"
}

# tunnel_cmd [USER]: Dovecot's imap for USER, on stdin and stdout, as the
# test Dovecot's mail user; its pid goes to $BATS_TEST_TMPDIR/tunnel.pid.
tunnel_cmd() {
	local user=${1:-alice} as=
	[ "$(id -u)" = 0 ] && as='setpriv --reuid=imapctltest --regid=imapctltest --clear-groups'
	printf '%s' "echo \$\$ >'$BATS_TEST_TMPDIR/tunnel.pid'; exec $as env -i PATH=/usr/bin:/bin USER=$user HOME=$IMAPCTL_TEST_MAILROOT/$user /usr/lib/dovecot/imap -c $IMAPCTL_TEST_CONF -o log_path=/dev/null -o info_log_path=/dev/null -o stats_writer_socket_path="
}

# The tunnel's process is gone (reaped: no zombie either).
tunnel_gone() {
	local pid
	pid=$(<"$BATS_TEST_TMPDIR/tunnel.pid")
	[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null
}

@test "--cert and --key: the server that requires a client certificate lets us in" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) status
	assert_failure 77
	[[ $stderr == *"login failed: Client didn't present valid SSL certificate"* ]]
	run --separate-stderr ctl status -o json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
	# The key in the certificate's file.
	cat "$CERT" "$KEY" >"$BATS_TEST_TMPDIR/both.pem"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --cert "$BATS_TEST_TMPDIR/both.pem" status
	assert_success
	# STARTTLS too.
	run --separate-stderr "$IMAPCTL" $(imapctl_args --tls starttls) --cert "$CERT" --key "$KEY" status
	assert_success
}

@test "client certificates that cannot work are refused, most before connecting" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --cert "$DOVECOT_STATEDIR/rogue.pem" --key "$DOVECOT_STATEDIR/rogue.key" status
	assert_failure 77
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --cert "$CERT" --key "$DOVECOT_STATEDIR/rogue.key" status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: client key '$DOVECOT_STATEDIR/rogue.key' does not belong to certificate '$CERT'"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --cert /nonexistent.pem --password-cmd "touch '$BATS_TEST_TMPDIR/ran'; echo x" status
	assert_failure 66
	[[ $stderr == "imapctl: status: cannot read client certificate '/nonexistent.pem'"* ]]
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --key "$KEY" --password-cmd "touch '$BATS_TEST_TMPDIR/ran'; echo x" status
	assert_failure 64
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "the account's cert and key" {
	mkdir -p "$XDG_CONFIG_HOME/imapctl"
	cat >"$XDG_CONFIG_HOME/imapctl/config" <<-EOF
	[account admin]
	host = 127.0.0.1
	port = $IMAPCTL_TEST_IMAPS_PORT
	user = alice
	cafile = $IMAPCTL_TEST_CAFILE
	cert = $CERT
	key = $KEY
	EOF
	run --separate-stderr "$IMAPCTL" -a admin status
	assert_success
	rm "$XDG_CONFIG_HOME/imapctl/config"
}

@test "--as: a Dovecot master user acts on another user's mailbox (PLAIN authzid)" {
	local own
	own=$(ctl status -o json | jq -c '.[0] | del(.uidvalidity)')
	IMAPCTL_PASSWORD=$IMAPCTL_TEST_MASTER_PASS run --separate-stderr ctl --user "$IMAPCTL_TEST_MASTER_USER" --as alice --debug status -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '.[0] | del(.uidvalidity)')" "$own"
	# PLAIN, the credentials redacted.
	[[ $stderr == *"C: A1 AUTHENTICATE PLAIN <redacted>"* ]]
	[[ $stderr != *"$IMAPCTL_TEST_MASTER_PASS"* ]]
	grep -q "Master user logging in as alice" "$IMAPCTL_TEST_LOG"
	# bob's mailbox, not alice's.
	IMAPCTL_PASSWORD=$IMAPCTL_TEST_MASTER_PASS run --separate-stderr ctl --user "$IMAPCTL_TEST_MASTER_USER" --as bob list -o jsonl
	assert_success
	[[ $output != *Projects* ]]
	# A wrong master password: 77.
	IMAPCTL_PASSWORD=nope run --separate-stderr ctl --user "$IMAPCTL_TEST_MASTER_USER" --as alice status
	assert_failure 77
	# Only PLAIN carries it: a usage error, before connecting.
	for mech in login scram-sha-256; do
		IMAPCTL_PASSWORD=$IMAPCTL_TEST_MASTER_PASS run --separate-stderr ctl --user "$IMAPCTL_TEST_MASTER_USER" --as alice --auth $mech status
		assert_failure 64
		assert_equal "${stderr_lines[0]}" "imapctl: status: --as needs SASL PLAIN, not $mech"
		assert_equal "${stderr_lines[1]}" "usage: imapctl status [MAILBOX...]"
	done
}

@test "--tunnel: Dovecot's imap over a pipe, preauthenticated, reaped after" {
	run --separate-stderr "$IMAPCTL" --tunnel "$(tunnel_cmd)" --debug status -o json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
	[[ $stderr == *"S: * PREAUTH"* ]]
	[[ $stderr != *AUTHENTICATE* ]]
	tunnel_gone
	run --separate-stderr "$IMAPCTL" --tunnel "$(tunnel_cmd)" list -o jsonl
	assert_success
	[[ $output == *'"Projects/2024"'* ]]
	tunnel_gone
	# A failing command: reaped too.
	run --separate-stderr "$IMAPCTL" --tunnel "$(tunnel_cmd)" status 'No such box'
	assert_failure 69
	tunnel_gone
	# The account's tunnel.
	mkdir -p "$XDG_CONFIG_HOME/imapctl"
	printf '[account t]\ntunnel = %s\n' "$(tunnel_cmd bob)" >"$XDG_CONFIG_HOME/imapctl/config"
	chmod 600 "$XDG_CONFIG_HOME/imapctl/config"
	run --separate-stderr "$IMAPCTL" -a t list -o jsonl
	assert_success
	[[ $output != *Projects* ]]
	rm "$XDG_CONFIG_HOME/imapctl/config"
}

@test "--tunnel keeps every timeout, and the tunnel never outlives the run" {
	local pid
	# Silent: --timeout, then the command is ended.
	SECONDS=0
	run --separate-stderr "$IMAPCTL" --tunnel "echo \$\$ >'$BATS_TEST_TMPDIR/tunnel.pid'; exec sleep 30" --timeout 1 status
	assert_failure 75
	[ "$SECONDS" -le 3 ]
	assert_equal "$stderr" "imapctl: status: no greeting from server: timed out after 1 s connecting and logging in (waiting for the server)"
	tunnel_gone
	# --deadline; one that ignores SIGTERM is killed.
	SECONDS=0
	run --separate-stderr "$IMAPCTL" --tunnel "echo \$\$ >'$BATS_TEST_TMPDIR/tunnel.pid'; trap '' TERM; while :; do sleep 0.1; done" --timeout 20 --deadline 1 status
	assert_failure 75
	[ "$SECONDS" -le 4 ]
	[[ $stderr == *"the deadline of 1 s passed"* ]]
	tunnel_gone
	# A command that exits at once, or cannot run.
	run --separate-stderr "$IMAPCTL" --tunnel "echo \$\$ >'$BATS_TEST_TMPDIR/tunnel.pid'; exit 3" status
	assert_failure 74
	assert_equal "$stderr" "imapctl: status: the tunnel command exited with status 3"
	# imapctl killed: its tunnel dies with it.
	for sig in TERM KILL; do
		rm -f "$BATS_TEST_TMPDIR/tunnel.pid"
		"$IMAPCTL" --tunnel "echo \$\$ >'$BATS_TEST_TMPDIR/tunnel.pid'; exec sleep 30" --timeout 20 status 3>&- &
		pid=$!
		for ((i = 0; i < 100; i++)); do
			[ -s "$BATS_TEST_TMPDIR/tunnel.pid" ] && break
			sleep 0.05
		done
		kill -"$sig" "$pid"
		wait "$pid" || true
		for ((i = 0; i < 40; i++)); do
			tunnel_gone && break
			sleep 0.05
		done
		tunnel_gone
	done
	# TLS through a tunnel needs the name to verify; a proxy does not mix.
	run --separate-stderr "$IMAPCTL" --tunnel true --tls implicit status
	assert_failure 64
	run --separate-stderr "$IMAPCTL" --tunnel true --proxy socks5h://127.0.0.1:1 status
	assert_failure 64
}
