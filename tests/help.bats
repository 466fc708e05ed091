#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Help that teaches: the examples of "imapctl help COMMAND" run against
# the test Dovecot; errors with a likely cause name it (a TLS mode that
# does not fit the port, where the refused password came from); port 143
# means STARTTLS as imap:// does.

load helpers

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -sf "$IMAPCTL" "$BATS_TEST_TMPDIR/bin/imapctl"
	export PATH=$BATS_TEST_TMPDIR/bin:$PATH
	cd "$BATS_TEST_TMPDIR"
}

@test "the examples of help COMMAND run, for the commands that only read" {
	# A default account, as a user would have one.
	mkdir -p "$XDG_CONFIG_HOME/imapctl"
	cat >"$XDG_CONFIG_HOME/imapctl/config" <<-END
	[account test]
	host = $IMAPCTL_TEST_HOST
	port = $IMAPCTL_TEST_IMAPS_PORT
	cafile = $IMAPCTL_TEST_CAFILE
	user = $IMAPCTL_TEST_USER
	password_cmd = echo $IMAPCTL_TEST_PASS
	default = true
	END
	chmod 600 "$XDG_CONFIG_HOME/imapctl/config"
	unset IMAPCTL_PASSWORD
	n=0
	for c in list status search fetch info raw quota check help; do
		while read -r ex; do
			[[ $ex == *"~"* ]] && continue
			run --separate-stderr bash -c "set -o pipefail; $ex"
			case $c in
			check) [ "$status" -le 2 ] ;;
			search) [ "$status" -le 1 ] ;;
			*) [ "$status" -eq 0 ] ;;
			esac || { echo "$ex: exit $status: $stderr"; return 1; }
			assert_equal "$stderr" ""
			n=$((n + 1))
		done < <("$IMAPCTL" help "$c" | sed -n '/^Examples:$/,/^$/s/^  //p')
	done
	[ "$n" -ge 18 ]
}

@test "imaps:// to a plain IMAP port: the error says it speaks plain IMAP" {
	run --separate-stderr "$IMAPCTL" --url "imaps://alice@127.0.0.1:$IMAPCTL_TEST_IMAP_PORT" \
		--cafile "$IMAPCTL_TEST_CAFILE" status
	assert_failure 74
	assert_equal "$stderr" "imapctl: status: TLS handshake with '127.0.0.1' failed: error:0A00010B:SSL routines::wrong version number; the server at port $IMAPCTL_TEST_IMAP_PORT speaks plain IMAP: use imap:// or --tls starttls"
}

# listen_on PORT FILE: a listener on 127.0.0.1:PORT that greets (for
# 993: says nothing, as a TLS server waits for the handshake), then writes
# the first bytes the client sends to FILE and closes. Skips the test
# when the port cannot be had.
listen_on() {
	"$PYTHON" - "$2" "$1" <<'PY' 3>&- &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[2])))
except OSError as e:
    open(sys.argv[1] + ".skip", "w").write(str(e))
    sys.exit(0)
s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(20)
c, _ = s.accept()
if sys.argv[2] != "993":
    c.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
c.settimeout(5)
data = b""
try:
    data = c.recv(200)
except OSError:
    pass
open(sys.argv[1], "wb").write(data)
c.close()
PY
	LISTEN_PID=$!
	for _ in $(seq 100); do
		[ -e "$2.ready" ] && return 0
		[ -e "$2.skip" ] && skip "port $1: $(cat "$2.skip")"
		sleep 0.05
	done
	return 1
}

@test "imap:// to port 993: the timeout says why no greeting came" {
	listen_on 993 "$BATS_TEST_TMPDIR/sent"
	run --separate-stderr "$IMAPCTL" --timeout 1 --url "imap://x@127.0.0.1:993" status
	wait "$LISTEN_PID"
	assert_failure 75
	[[ $stderr == "imapctl: status: no greeting from server: timed out after 1 s"*"; port 993 speaks TLS from the start and sends no greeting before the handshake: use imaps:// or --tls implicit" ]]
	# A silent server on another port: no guess.
	run --separate-stderr "$IMAPCTL" --timeout 1 --url "imap://alice@127.0.0.1:$IMAPCTL_TEST_IMAPS_PORT" \
		--cafile "$IMAPCTL_TEST_CAFILE" status
	assert_failure 75
	[[ $stderr != *"port 993"* ]]
}

@test "-p 143 means STARTTLS unless --tls says otherwise, as imap:// does" {
	listen_on 143 "$BATS_TEST_TMPDIR/sent"
	run --separate-stderr "$IMAPCTL" --timeout 5 -H 127.0.0.1 -p 143 -u x status
	wait "$LISTEN_PID"
	# The client answered the greeting with an IMAP command (the
	# capabilities, then STARTTLS), not with a TLS ClientHello.
	[[ $(cat "$BATS_TEST_TMPDIR/sent") == A1\ * ]]
	rm -f "$BATS_TEST_TMPDIR/sent"*
	listen_on 143 "$BATS_TEST_TMPDIR/sent"
	run --separate-stderr "$IMAPCTL" --timeout 5 -H 127.0.0.1 -p 143 --tls implicit -u x status
	wait "$LISTEN_PID"
	assert_equal "$(head -c 1 "$BATS_TEST_TMPDIR/sent" | od -An -tx1 | tr -d ' ')" 16
}

@test "a refused login names where the password came from" {
	pw=$BATS_TEST_TMPDIR/pw
	echo wrong >"$pw"
	chmod 600 "$pw"
	conn=(-H "$IMAPCTL_TEST_HOST" -p "$IMAPCTL_TEST_IMAPS_PORT" -u alice --cafile "$IMAPCTL_TEST_CAFILE")
	unset IMAPCTL_PASSWORD
	want="imapctl: status: login failed: Authentication failed. (the password came from"
	run --separate-stderr "$IMAPCTL" "${conn[@]}" --password-file "$pw" status
	assert_failure 77
	assert_equal "$stderr" "$want --password-file '$pw') [AUTHENTICATIONFAILED]"
	run --separate-stderr "$IMAPCTL" "${conn[@]}" --password-cmd 'echo wrong' status
	assert_failure 77
	assert_equal "$stderr" "$want --password-cmd) [AUTHENTICATIONFAILED]"
	IMAPCTL_PASSWORD=wrong run --separate-stderr "$IMAPCTL" "${conn[@]}" status
	assert_failure 77
	assert_equal "$stderr" "$want IMAPCTL_PASSWORD) [AUTHENTICATIONFAILED]"
	printf 'machine %s login alice password wrong\n' "$IMAPCTL_TEST_HOST" >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	run --separate-stderr "$IMAPCTL" "${conn[@]}" status
	assert_failure 77
	assert_equal "$stderr" "$want $HOME/.netrc) [AUTHENTICATIONFAILED]"
	rm "$HOME/.netrc"
	# An account's password_cmd, and a leftover IMAPCTL_PASSWORD that
	# silently comes before it.
	mkdir -p "$XDG_CONFIG_HOME/imapctl"
	cat >"$XDG_CONFIG_HOME/imapctl/config" <<-END
	[account work]
	host = $IMAPCTL_TEST_HOST
	port = $IMAPCTL_TEST_IMAPS_PORT
	cafile = $IMAPCTL_TEST_CAFILE
	user = alice
	password_cmd = echo wrong
	END
	chmod 600 "$XDG_CONFIG_HOME/imapctl/config"
	run --separate-stderr "$IMAPCTL" -a work status
	assert_failure 77
	assert_equal "$stderr" "$want the password_cmd of account 'work') [AUTHENTICATIONFAILED]"
	IMAPCTL_PASSWORD=old run --separate-stderr "$IMAPCTL" -a work status
	assert_failure 77
	assert_equal "$stderr" "$want IMAPCTL_PASSWORD, which comes before the account's password_cmd) [AUTHENTICATIONFAILED]"
}
