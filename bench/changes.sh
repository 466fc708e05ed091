#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/changes.sh [N]: time flag, move and delete of N messages (default
# 20000) on a throwaway test Dovecot, with MOVE and without it (COPY,
# \Deleted, UID EXPUNGE). Not part of "make check": timings vary with the
# machine and are never asserted. Prints one line a measurement:
#
#   flag     default    20005 messages   0.21 s
#
# (The command counts are asserted by tests/bulk.bats; --debug is left off
# here, since writing the trace costs more than the work.)
#
# Needs what the tests need (tests/install-deps) and a built ./imapctl
# (IMAPCTL_BIN to use another).
set -euo pipefail
export LC_ALL=C.UTF-8

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-20000}
bin=${IMAPCTL_BIN:-$here/imapctl}
PYTHON=${PYTHON:-python3}
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
export PYTHON
work=$(mktemp -d /tmp/imapctl-bench.XXXXXX)
trap '"$here/tests/dovecot/stop" "$work/dovecot" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

now() { date +%s.%N; }

# fill COUNT: COUNT small messages straight into alice's INBOX Maildir.
fill() {
	"$PYTHON" "$here/tests/dovecot/fill-maildir" \
		"$work/dovecot/mail/alice/Maildir" "$1"
}

# measure LABEL ARGS...: run imapctl ARGS against the server, print the time.
measure() {
	local label=$1 t0 t1
	shift
	t0=$(now)
	"$bin" --host "$IMAPCTL_TEST_HOST" --port "$IMAPCTL_TEST_IMAPS_PORT" \
		--user alice --cafile "$IMAPCTL_TEST_CAFILE" "$@" >"$work/out"
	t1=$(now)
	printf '%-8s %-9s %6d messages  %5.2f s\n' "$label" "$variant" \
		"$(wc -l <"$work/out")" "$(awk -v a="$t0" -v b="$t1" \
		'BEGIN { print b - a }')"
}

for variant in default nomove; do
	"$here/tests/dovecot/stop" "$work/dovecot" >/dev/null 2>&1 || true
	DOVECOT_QUOTA_MESSAGES=10000000 DOVECOT_QUOTA_STORAGE=10G \
		"$here/tests/dovecot/start" "$work/dovecot" --variant "$variant"
	set -a
	. "$work/dovecot/env"
	set +a
	export IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS
	"$PYTHON" "$here/tests/dovecot/seed" "$work/dovecot"
	fill "$n"
	# Let Dovecot index the new files before anything is timed.
	measure status status INBOX >/dev/null
	measure flag flag INBOX all --add seen
	measure move move INBOX all Archive
	measure delete delete Archive all
done
