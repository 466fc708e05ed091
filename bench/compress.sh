#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/compress.sh: what COMPRESS=DEFLATE (RFC 4978) buys.
#
# Starts a throwaway Dovecot (tests/dovecot/start; imap_zlib offers
# COMPRESS=DEFLATE), fills one mailbox with NSUM messages and one with NRAW
# (bench/populate: a few hundred bytes to a few KiB each, text), and for
# "fetch --summary" of the first and "fetch --raw" of the second, with
# COMPRESS and with --no-compress, reports:
#   - wall time and peak RSS on loopback, straight to Dovecot;
#   - bytes the client read and wrote (counted by bench/throttle-relay
#     between imapctl and Dovecot, TLS records included);
#   - wall time and peak RSS through the relay capped at RATE bytes a
#     second each way (a slow link);
# and for the probes "status" and "check" at 50 ms round trip (the
# relay's --latency 25), the default (no COMPRESS) against compress =
# true: client flights in the --debug trace (the greeting counts as none)
# and the median wall time of PROBES runs.
# Not part of "make check": the figures depend on the machine.
#
# Usage: bench/compress.sh [IMAPCTL]
# Environment: NSUM (default 100000), NRAW (10000), RATE (2500000, i.e.
# 20 Mbit/s), REPS (3: runs of each fetch, the median wall time and the
# largest RSS shown), PROBES (7).
set -euo pipefail
export LC_ALL=C.UTF-8
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$repo/imapctl}
nsum=${NSUM:-100000}
nraw=${NRAW:-10000}
rate=${RATE:-2500000}
probes=${PROBES:-7}
reps=${REPS:-3}
[ -x /usr/bin/time ] || { echo "bench: install the package 'time' (apt-get install time)" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench: build imapctl first (make)" >&2; exit 1; }

state=$(mktemp -d /tmp/imapctl-bench.XXXXXX)
chmod o+x "$state"
relays=()
cleanup() {
	local p
	for p in "${relays[@]}"; do kill "$p" 2>/dev/null || true; done
	"$repo/tests/dovecot/stop" "$state/dovecot" >/dev/null 2>&1 || true
	rm -rf "$state"
}
trap cleanup EXIT
DOVECOT_QUOTA_MESSAGES=1000000 DOVECOT_QUOTA_STORAGE=10G \
	"$repo/tests/dovecot/start" "$state/dovecot"
set -a
. "$state/dovecot/env"
set +a
export IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS

t0=$(date +%s.%N)
python3 "$repo/bench/populate" "$state/dovecot" BenchSum "$nsum" >/dev/null
python3 "$repo/bench/populate" "$state/dovecot" BenchRaw "$nraw" >/dev/null
t1=$(date +%s.%N)
printf "populated %d + %d messages in %s s\n" "$nsum" "$nraw" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"

# relay NAME ARGS...: start bench/throttle-relay; its port in $NAME_port.
relay() {
	local name=$1 i
	shift
	python3 "$repo/bench/throttle-relay" --target "127.0.0.1:$IMAPCTL_TEST_IMAPS_PORT" \
		--portfile "$state/$name.port" --counts "$state/$name.counts" "$@" &
	relays+=($!)
	for ((i = 0; i < 100; i++)); do
		[ -s "$state/$name.port" ] && break
		sleep 0.05
	done
	printf -v "${name}_port" %s "$(cat "$state/$name.port")"
}
relay free
relay slow --rate "$rate"
relay far --latency 25

args() {
	echo --host 127.0.0.1 --port "$1" --user alice \
		--cafile "$IMAPCTL_TEST_CAFILE" --timeout 600
}

# measure ARGS...: the median wall seconds and the largest peak RSS (kB)
# of REPS runs.
measure() {
	local i w r
	: >"$state/walls"
	rss=0
	for ((i = 0; i < reps; i++)); do
		/usr/bin/time -f '%e %M' -o "$state/time" "$bin" "$@" >/dev/null ||
			{ echo "bench: $bin $* failed" >&2; exit 1; }
		read -r w r <"$state/time"
		echo "$w" >>"$state/walls"
		[ "$r" -le "$rss" ] || rss=$r
	done
	wall=$(sort -n "$state/walls" | sed -n "$(((reps + 1) / 2))p")
}

# counted NAME: how many connections the relay has reported.
counted() {
	if [ -f "$state/$1.counts" ]; then wc -l <"$state/$1.counts"; else echo 0; fi
}

# last_counts NAME BEFORE: once the relay reported more connections than
# BEFORE (it writes when both ends have closed), the last one's "up down".
last_counts() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(counted "$1")" -gt "$2" ] && break
		sleep 0.05
	done
	tail -n 1 "$state/$1.counts" | awk '{ print $2, $4 }'
}

# Warm Dovecot's caches so that every run sees the same server.
"$bin" $(args "$IMAPCTL_TEST_IMAPS_PORT") fetch BenchSum all -o jsonl >/dev/null
"$bin" $(args "$IMAPCTL_TEST_IMAPS_PORT") fetch BenchRaw all --raw >/dev/null

printf '\n%-34s %-12s %10s %10s %9s %9s %9s %9s\n' workload mode \
	"read B" "written B" "loop s" "loop kB" "slow s" "slow kB"
for w in "summary BenchSum --summary -o jsonl" "raw BenchRaw --raw"; do
	set -- $w
	name=$1 box=$2
	shift 2
	for mode in compress no-compress; do
		flag=()
		[ "$mode" = compress ] || flag=(--no-compress)
		measure $(args "$IMAPCTL_TEST_IMAPS_PORT") "${flag[@]}" fetch "$box" all "$@"
		lw=$wall lr=$rss
		n=$(counted free)
		"$bin" $(args "$free_port") "${flag[@]}" fetch "$box" all "$@" >/dev/null
		read -r up down <<<"$(last_counts free "$n")"
		measure $(args "$slow_port") "${flag[@]}" fetch "$box" all "$@"
		printf '%-34s %-12s %10d %10d %9s %9s %9s %9s\n' \
			"fetch $name of $(case $name in summary) echo "$nsum" ;; raw) echo "$nraw" ;; esac)" \
			"$mode" "$down" "$up" "$lw" "$lr" "$wall" "$rss"
	done
done
echo "(slow: through bench/throttle-relay at $rate bytes/s each way; loop: straight to Dovecot on loopback)"

# The probe at 50 ms round trip: COMPRESS's own round trip against what
# it saves on a few lines.
conf=$state/config
printf '[account always]\ncompress = true\n' >"$conf"
chmod 600 "$conf"
turns() {
	awk '/^C: /{ if (!c) { c = 1; n++ } next } /^S: /{ c = 0 }
	     END { print n + 0 }' "$1"
}
echo
for probe in "status INBOX" check; do
	for mode in default compress; do
		extra=()
		[ "$mode" = default ] || extra=(--config "$conf" -a always)
		"$bin" "${extra[@]}" $(args "$far_port") --debug $probe >/dev/null 2>"$state/trace" || true
		flights=$(turns "$state/trace")
		: >"$state/walls"
		for _ in $(seq "$probes"); do
			n=$(counted far)
			/usr/bin/time -f '%e %M' -o "$state/time" "$bin" "${extra[@]}" \
				$(args "$far_port") $probe >/dev/null || true
			read -r wall rss <"$state/time"
			echo "$wall" >>"$state/walls"
		done
		read -r up down <<<"$(last_counts far "$n")"
		printf '%-13s at 50 ms RTT, %-9s client flights %d, median %s s, read %d B, written %d B\n' \
			"$probe" "$mode:" "$flights" \
			"$(sort -n "$state/walls" | sed -n "$(((probes + 1) / 2))p")" "$down" "$up"
	done
done
