#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Secrets at the edges, against the hostile server (which takes any
# password): a password never rides in a URL, never lands in a core dump,
# is not kept by watch between logins, and is never read from, nor is the
# server named by, a file that others may read or change; a connection
# without TLS to another host says so.

load helpers
load hostile/hostile

setup_file() { imapctl_isolate; }
teardown() {
	[ -z "${BG_PID:-}" ] || kill "$BG_PID" 2>/dev/null || true
	hostile_stop
}

H() {
	"$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u "$@"
}

# The server was never connected to.
no_connection() {
	hostile_stop || true
	run grep -c accepted "$HOSTILE_LOG"
	assert_output 0
	[ ! -s "$HOSTILE_RECORD" ]
}

# mem_has PID TEXT: TEXT is somewhere in the writable memory of PID (the
# mappings of up to 1 GiB: a sanitizer's shadow memory is larger).
mem_has() {
	"$PYTHON" - "$1" "$2" <<-'EOF'
		import sys
		pid, needle = int(sys.argv[1]), sys.argv[2].encode()
		step = 1 << 20
		with open("/proc/%d/maps" % pid) as maps, \
		     open("/proc/%d/mem" % pid, "rb", 0) as mem:
		    for line in maps:
		        span, perm = line.split()[:2]
		        if "r" not in perm or "w" not in perm:
		            continue
		        lo, hi = (int(x, 16) for x in span.split("-"))
		        if hi - lo > 1 << 30:
		            continue
		        for at in range(lo, hi, step):
		            try:
		                mem.seek(at)
		                chunk = mem.read(min(step + len(needle), hi - at))
		            except OSError:
		                break
		            if needle in chunk:
		                sys.exit(0)
		sys.exit(1)
	EOF
}

# wait_idle: the hostile server saw an IDLE.
wait_idle() {
	for _ in $(seq 200); do
		grep -q 'C: [^ ]* IDLE' "$HOSTILE_LOG" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

@test "a password in --url is refused (64) before connecting, and never shown" {
	hostile_start ok
	for url in "imap://alice:Pw-s3cr3t@127.0.0.1:$HOSTILE_PORT" \
	    "imaps://alice:Pw-s3cr3t;AUTH=*@127.0.0.1:$HOSTILE_PORT/INBOX"; do
		run --separate-stderr "$IMAPCTL" --url "$url" --debug \
			--password-cmd "touch $BATS_TEST_TMPDIR/asked; echo x" list
		assert_failure 64
		assert_output ""
		assert_equal "$stderr" "imapctl: list: bad URL '${url%%:Pw-*}:<redacted>@...': a password does not go in a URL; use --password-file, --password-cmd, IMAPCTL_PASSWORD or ~/.netrc"
		IMAPCTL_URL=$url run --separate-stderr "$IMAPCTL" --debug status
		assert_failure 64
		[[ $stderr != *s3cr3t* ]]
	done
	[ ! -e "$BATS_TEST_TMPDIR/asked" ]
	no_connection
	# A ':' in the user name goes percent-encoded.
	hostile_start ok
	run --separate-stderr "$IMAPCTL" --url "imap://a%3Ab@127.0.0.1:$HOSTILE_PORT" --tls none --password-cmd 'echo x' status
	assert_success
	hostile_wait
	grep -q 'user=a:b result=OK' "$HOSTILE_LOG"
}

@test "the process is not dumpable while it holds a secret" {
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
		id -u nobody >/dev/null 2>&1 ||
		skip "needs root, setpriv and the user nobody"
	# Run as nobody: /proc/PID of a process that is not dumpable belongs
	# to root, whoever runs it.
	d=$BATS_TEST_TMPDIR/nobody
	mkdir -m 1777 "$d"
	cp "$IMAPCTL" "$d/imapctl"
	chmod 755 "$d/imapctl"
	for how in cmd env; do
		hostile_start ok --tls none
		case $how in
		cmd) set -- --password-cmd 'echo Pw-s3cr3t' ;;
		env) set -- ;;
		esac
		IMAPCTL_PASSWORD=Pw-s3cr3t HOME=$d setpriv --reuid=nobody --regid=nogroup \
			--clear-groups "$d/imapctl" --tls none -H 127.0.0.1 \
			-p "$HOSTILE_PORT" -u u "$@" watch INBOX --duration 20 \
			>"$d/out" 2>"$d/err" 3>&- &
		BG_PID=$!
		wait_idle
		assert_equal "$(stat -c %u "/proc/$BG_PID/status")" 0
		kill "$BG_PID"
		wait "$BG_PID" || true
		BG_PID=
		hostile_stop || true
	done
}

@test "watch wipes the password after login and asks its source again to reconnect" {
	runs=$BATS_TEST_TMPDIR/runs
	hostile_start script --script "$TESTS_DIR/hostile/scripts/watch-drops.script" --idle-push 0.3 --connections 3 --timeout 10
	run --separate-stderr H --password-cmd "echo run >>$runs; echo Pw-s3cr3t" watch INBOX --duration 6 -o jsonl
	assert_success
	echo "$output" | jq -e -s 'map(.uid) | length >= 3 and . == [range(4; 4 + length)]'
	assert_equal "$stderr" \
"imapctl: watch: warning: connection closed by server; reconnecting in 1 s
imapctl: watch: warning: connection closed by server; reconnecting in 2 s"
	hostile_wait
	# Once to start, once for the third connection; the second closed
	# before its greeting, before the password was needed.
	assert_equal "$(wc -l <"$runs")" 2
	assert_equal "$(grep -c 'auth PLAIN user=u result=OK' "$HOSTILE_LOG")" 2
}

@test "watch holds no password in memory once logged in, except IMAPCTL_PASSWORD's" {
	[ -r /proc/self/mem ] || skip "no /proc/PID/mem"
	pw=Pw-9f3b2c7e1d-$$
	# The command's text must not hold the password: argv is in memory.
	printf '%s\n' "$pw" >"$BATS_TEST_TMPDIR/pw"
	for how in cmd env; do
		hostile_start ok --tls none
		case $how in
		cmd) set -- --password-cmd "cat $BATS_TEST_TMPDIR/pw"; v= ;;
		env) set --; v=$pw ;;
		esac
		# Not through H: $! must be imapctl, not a subshell.
		env ${v:+IMAPCTL_PASSWORD=$v} "$IMAPCTL" --tls none -H 127.0.0.1 \
			-p "$HOSTILE_PORT" -u u --debug "$@" watch INBOX --duration 20 \
			>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
		BG_PID=$!
		wait_idle
		sleep 0.2
		if [ $how = cmd ]; then
			run mem_has "$BG_PID" "$pw"
			assert_failure 1
		else
			# Nowhere to ask again: kept, and the scan finds it.
			mem_has "$BG_PID" "$pw"
		fi
		kill "$BG_PID"
		wait "$BG_PID" || true
		BG_PID=
		hostile_stop || true
		run grep -c "$pw" "$BATS_TEST_TMPDIR/err"
		assert_output 0
	done
}

@test "a config file that others can write is refused (78), password commands or not" {
	hostile_start ok
	conf=$BATS_TEST_TMPDIR/config
	printf '[account t]\nhost = 127.0.0.1\nport = %s\ntls = none\nuser = u\n' "$HOSTILE_PORT" >"$conf"
	for mode in 664 646 666 620; do
		chmod $mode "$conf"
		IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --config "$conf" -a t status
		assert_failure 78
		assert_equal "$stderr" "imapctl: status: config file '$conf' is writable by others (mode 0$mode): run chmod go-w '$conf'"
	done
	# Readable by others is fine without commands.
	chmod 644 "$conf"
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --config "$conf" -a t status
	assert_success
	if [ "$(id -u)" = 0 ] && id -u nobody >/dev/null 2>&1; then
		chown nobody "$conf"
		IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --config "$conf" -a t status
		assert_failure 78
		assert_equal "$stderr" "imapctl: status: config file '$conf' belongs to another user (uid $(id -u nobody))"
	fi
	hostile_stop || true
	assert_equal "$(grep -c accepted "$HOSTILE_LOG")" 1
}

@test "a password file or netrc that others can read, or another user owns, is refused (78)" {
	hostile_start ok --connections 0
	pw=$BATS_TEST_TMPDIR/pw
	printf 'Pw-s3cr3t\n' >"$pw"
	for mode in 644 640 604 660 602; do
		chmod $mode "$pw"
		run --separate-stderr H --password-file "$pw" status
		assert_failure 78
		assert_equal "$stderr" "imapctl: status: password file '$pw' is readable or writable by others (mode 0$mode): run chmod 600 '$pw'"
	done
	chmod 600 "$pw"
	run --separate-stderr H --password-file "$pw" status
	assert_success
	# From a pipe, as "<(pass show imap)" gives it: nobody else's.
	export HOSTILE_PORT
	run --separate-stderr bash -c 'H() { "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u "$@"; }; H --password-file <(echo Pw-s3cr3t) status'
	assert_success
	printf 'machine 127.0.0.1 login u password Pw-s3cr3t\n' >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	run --separate-stderr H status
	assert_success
	if [ "$(id -u)" = 0 ] && id -u nobody >/dev/null 2>&1; then
		chown nobody "$pw" "$HOME/.netrc"
		run --separate-stderr H --password-file "$pw" status
		assert_failure 78
		assert_equal "$stderr" "imapctl: status: password file '$pw' belongs to another user (uid $(id -u nobody))"
		run --separate-stderr H status
		assert_failure 78
		assert_equal "$stderr" "imapctl: status: netrc file '$HOME/.netrc' belongs to another user (uid $(id -u nobody)); it holds passwords"
	fi
	rm -f "$HOME/.netrc"
}

@test "--tls none to another host warns, unless the account or --allow-cleartext says it is intended" {
	warning="imapctl: status: warning: no TLS: the password and the mail cross the network unencrypted (--allow-cleartext, or allow_cleartext = true in the account, says this is intended)"
	# To the loopback nothing crosses a network: no warning.
	hostile_start ok --connections 0
	IMAPCTL_PASSWORD=x run --separate-stderr H status
	assert_success
	assert_equal "$stderr" ""
	hostile_stop
	addr=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' | grep -v '^127\.' | head -n 1)
	[ -n "$addr" ] || skip "no IPv4 address but the loopback"
	hostile_start ok --connections 0 --bind "$addr"
	G=(--tls none -H "$addr" -p "$HOSTILE_PORT" -u u)
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" "${G[@]}" status
	assert_success
	assert_equal "$stderr" "$warning"
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" "${G[@]}" --allow-cleartext status
	assert_success
	assert_equal "$stderr" ""
	conf=$BATS_TEST_TMPDIR/config
	printf '[account t]\nhost = %s\nport = %s\ntls = none\nuser = u\n' "$addr" "$HOSTILE_PORT" >"$conf"
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --config "$conf" -a t status
	assert_success
	assert_equal "$stderr" "$warning"
	printf 'allow_cleartext = true\n' >>"$conf"
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --config "$conf" -a t status
	assert_success
	assert_equal "$stderr" ""
	# A monitoring probe writes only its plugin line.
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" "${G[@]}" check
	assert_equal "$stderr" ""
}
