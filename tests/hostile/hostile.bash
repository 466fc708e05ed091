# SPDX-License-Identifier: MIT
# Helpers for bats tests that use the hostile IMAP server.
#
#   load ../hostile/hostile          # from tests/SOMETHING/*.bats
#   setup()    { hostile_start stall-command --timeout 10; }
#   teardown() { hostile_stop; }
#   @test "..." {
#       run ./imapctl --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" ... list
#       [ "$status" -eq 75 ]
#       hostile_wait                 # the server has read everything
#       [ "$(grep -c LOGIN "$HOSTILE_RECORD")" -eq 1 ]
#   }
#
# hostile_start SCENARIO [server.py options...]
#   Starts tests/hostile/server.py in the background and waits for its
#   port.  Sets HOSTILE_PORT, HOSTILE_PID, HOSTILE_DIR, HOSTILE_RECORD (bytes
#   the client sent), HOSTILE_SENT (bytes the server sent), HOSTILE_LOG
#   (events) and HOSTILE_STDERR.
# hostile_wait [SECONDS]
#   Waits (default 10 s) for the server to finish its connections and exit,
#   so the record is complete; kills it after SECONDS.  Returns its status
#   (3: a --script expectation failed).
# hostile_stop
#   SIGTERM and reap; returns the server's status (0 when the SIGTERM ended
#   it).  Safe to call twice.
# Call hostile_wait and hostile_stop directly, never through bats' `run`:
# `run` uses a subshell, which cannot reap the server (write
# `rc=0; hostile_wait || rc=$?` instead).
# hostile_script NAME LINES...
#   Writes the lines to $BATS_TEST_TMPDIR/NAME, a --script file, and
#   prints its path.
# KINDS, GOOD[KIND], BAD[KIND]
#   The kinds of untagged data a server may send at any time, each as a
#   well-formed and a malformed line; BAD[SYNTAX] is a line that does not
#   parse at all.
# hostile_sane
#   Fails, showing $stderr, when the sanitizer build reported a memory
#   error, undefined behaviour or a leak in the last `run`.

HOSTILE_SERVER=${HOSTILE_SERVER:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/server.py}

hostile_start() {
	local scenario=$1 i
	shift
	HOSTILE_DIR=$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/hostile.XXXXXX")
	HOSTILE_RECORD=$HOSTILE_DIR/record
	HOSTILE_SENT=$HOSTILE_DIR/sent
	HOSTILE_LOG=$HOSTILE_DIR/log
	HOSTILE_STDERR=$HOSTILE_DIR/stderr
	: >"$HOSTILE_RECORD"
	# 3>&-: bats waits for fd 3 to close before it finishes a test.
	python3 "$HOSTILE_SERVER" --scenario "$scenario" \
		--portfile "$HOSTILE_DIR/port" --record "$HOSTILE_RECORD" \
		--sent "$HOSTILE_SENT" --log "$HOSTILE_LOG" "$@" \
		</dev/null >"$HOSTILE_STDERR" 2>&1 3>&- &
	HOSTILE_PID=$!
	for ((i = 0; i < 200; i++)); do
		if [[ -s $HOSTILE_DIR/port ]]; then
			HOSTILE_PORT=$(<"$HOSTILE_DIR/port")
			return 0
		fi
		kill -0 "$HOSTILE_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "hostile server did not start:" >&2
	cat "$HOSTILE_STDERR" >&2
	hostile_stop
	return 1
}

hostile_wait() {
	local limit=${1:-10} i rc=0
	[[ -n ${HOSTILE_PID:-} ]] || return 0
	for ((i = 0; i < limit * 20; i++)); do
		kill -0 "$HOSTILE_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$HOSTILE_PID" 2>/dev/null && kill "$HOSTILE_PID" 2>/dev/null
	wait "$HOSTILE_PID" || rc=$?
	HOSTILE_PID=
	return $rc
}

hostile_stop() {
	local rc=0
	[[ -n ${HOSTILE_PID:-} ]] || return 0
	kill "$HOSTILE_PID" 2>/dev/null
	wait "$HOSTILE_PID" || rc=$?
	HOSTILE_PID=
	# Ended by our own SIGTERM (it had not yet seen its last connection
	# close, on a loaded machine): that is what stop asks for.
	[ "$rc" -eq 143 ] && rc=0
	return $rc
}

hostile_script() {
	local f=$BATS_TEST_TMPDIR/$1
	shift
	printf '%s\n' "$@" >"$f"
	echo "$f"
}

KINDS=(STATUS LIST FETCH ESEARCH SEARCH QUOTA EXPUNGE VANISHED EXISTS)
declare -gA GOOD=(
	[STATUS]='* STATUS INBOX (MESSAGES 1 UNSEEN 0)'
	[LIST]='* LIST (\HasNoChildren) "/" INBOX'
	[FETCH]='* 1 FETCH (UID 1 FLAGS (\Seen))'
	[ESEARCH]='* ESEARCH UID ALL 1:3'
	[SEARCH]='* SEARCH 1 2 3'
	[QUOTA]='* QUOTA "" (STORAGE 10 100)'
	[EXPUNGE]='* 1 EXPUNGE'
	[VANISHED]='* VANISHED 1:2'
	[EXISTS]='* 4 EXISTS'
)
declare -gA BAD=(
	[STATUS]='* STATUS INBOX (MESSAGES x)'
	[LIST]='* LIST (\Noselect) "//" INBOX'
	[FETCH]='* 1 FETCH (UID 0 FLAGS x)'
	[ESEARCH]='* ESEARCH UID ALL 0'
	[SEARCH]='* SEARCH 1 two'
	[QUOTA]='* QUOTA "" (STORAGE x 100)'
	[EXPUNGE]='* 0 EXPUNGE'
	[VANISHED]='* VANISHED 5:x'
	[EXISTS]='* 99999999999 EXISTS'
	[SYNTAX]='* 1 FETCH (UID 1 FLAGS (\Seen'
)

hostile_sane() {
	[[ $stderr != *AddressSanitizer* && $stderr != *"runtime error"* &&
		$stderr != *LeakSanitizer* ]] || {
		echo "$stderr" >&2
		return 1
	}
}
