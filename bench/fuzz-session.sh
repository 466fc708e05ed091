#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/fuzz-session.sh [RUNS]: how fast tests/fuzz/fuzz-session runs, in
# executions a second of CPU and of wall-clock time. Not part of "make
# check". Two measurements, each printed on a line (here with RUNS 20000,
# on 2 cores at a load average of 14):
#
#   replay    92 seeds x 50   4600 runs   1.36 s CPU  295 us/run   815/s wall
#   fuzzing  seed 1        20000 runs   4.98 s CPU  4013/s CPU   934/s wall
#
# replay runs each seed in tests/fuzz/corpus/fuzz-session 50 times (the
# same work every time: compare builds with it); fuzzing is a run of RUNS
# (default 30000) mutations from a copy of the seeds with a fixed seed.
# On a machine others use, CPU time is the figure to compare; wall-clock
# time says what a long run can expect then.
#
# Needs "make fuzz" (FUZZ_BIN names another binary).
set -euo pipefail
export LC_ALL=C.UTF-8

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-30000}
bin=${FUZZ_BIN:-$here/obj-fuzz/fuzz-session}
seeds=$here/tests/fuzz/corpus/fuzz-session
work=$(mktemp -d /tmp/imapctl-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# timed CMD...: "wall user sys" seconds into $work/t; a failure is said.
timed() {
	local TIMEFORMAT='%R %U %S' rc=0
	{ time "$@" >"$work/log" 2>&1 || rc=$?; } 2>"$work/t"
	if [ "$rc" -ne 0 ]; then
		echo "$bin failed ($rc): the next figures are not comparable"
		grep -m1 -E 'ERROR|SUMMARY' "$work/log" || true
	fi
}

n=$(find "$seeds" -type f | wc -l)
timed "$bin" -runs=50 -close_fd_mask=3 "$seeds"/*
read -r wall user sys <"$work/t"
awk -v n="$n" -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN {
	r = n * 50
	c = u + s
	printf "replay   %3d seeds x 50 %6d runs %6.2f s CPU %4.0f us/run" \
	    " %5.0f/s wall\n", n, r, c, c * 1e6 / r, r / w }'

mkdir "$work/corpus"
timed "$bin" -runs="$runs" -seed=1 -close_fd_mask=3 "$work/corpus" "$seeds"
read -r wall user sys <"$work/t"
awk -v r="$runs" -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN {
	c = u + s
	printf "fuzzing  seed 1       %6d runs %6.2f s CPU %5.0f/s CPU" \
	    " %5.0f/s wall\n", r, c, r / c, r / w }'
