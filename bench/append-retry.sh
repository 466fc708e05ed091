#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/append-retry.sh: memory and time of "append --mbox -" from a pipe,
# with and without throttling.
#
# Writes an mbox of N messages of SIZE bytes each (default 2000 of 50,000:
# 100 MB), starts the hostile server (tests/hostile/server.py, which keeps
# what it is sent in memory) and pipes the mbox into imapctl's append:
#   - once with nothing throttled;
#   - once with every 100th APPEND refused for now (--throttle-nth) and
#     --retry 3, so that about 1 % of the messages are sent again from
#     their own temporary copies.
# Reports peak RSS (/usr/bin/time, Debian package "time") and wall time of
# each, and how many messages were stored. Not part of "make check".
# Usage: bench/append-retry.sh [IMAPCTL] [N] [SIZE]
set -euo pipefail
export LC_ALL=C.UTF-8
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$repo/imapctl}
n=${2:-2000}
size=${3:-50000}
[ -x /usr/bin/time ] || { echo "bench: install the package 'time' (apt-get install time)" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench: build imapctl first (make)" >&2; exit 1; }

state=$(mktemp -d /tmp/imapctl-bench.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$state"
}
trap cleanup EXIT

python3 - "$n" "$size" >"$state/big.mbox" <<'EOF'
import sys
n, size = int(sys.argv[1]), int(sys.argv[2])
line = b"x" * 75 + b"\n"
body = line * (size // len(line))
out = sys.stdout.buffer
for i in range(n):
    out.write(b"From a@example.com Mon Jan  1 00:00:00 2024\n")
    out.write(b"Subject: message %d\n\n" % i)
    out.write(body)
    out.write(b"\n")
EOF

# run LABEL [server options...]
run() {
	local label=$1 port
	shift
	rm -f "$state/port"
	python3 "$repo/tests/hostile/server.py" --scenario ok --portfile "$state/port" \
		--timeout 600 --lifetime 3600 "$@" </dev/null >"$state/server.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		[ -s "$state/port" ] && break
		sleep 0.05
	done
	port=$(<"$state/port")
	/usr/bin/time -f '%M %e' -o "$state/time" \
		env IMAPCTL_PASSWORD=x "$bin" --tls none -H 127.0.0.1 -p "$port" -u u \
		--timeout 60 --retry 3 append Drafts --mbox - -o jsonl \
		<"$state/big.mbox" >"$state/out" 2>"$state/err" || true
	# The last line: a failure adds "Command exited with ..." before it.
	read -r rss wall < <(tail -n 1 "$state/time")
	printf '%-28s peak RSS %6d KiB  wall %6.2f s  stored %d of %d\n' \
		"$label" "$rss" "$wall" "$(wc -l <"$state/out")" "$n"
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
}

echo "append --mbox - of $n messages of $size bytes ($(du -m "$state/big.mbox" | cut -f1) MB), $bin"
run "no throttling"
run "every 100th throttled" --throttle-on APPEND \
	--throttle-nth "$(seq -s, 100 100 "$n")"
