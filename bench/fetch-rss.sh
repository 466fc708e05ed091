#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/fetch-rss.sh: memory and time of fetch over big mailboxes.
#
# Starts a throwaway Dovecot (tests/dovecot/start), writes 1,000 and
# 100,000 small messages straight into its Maildir (then doveadm
# force-resync: far faster than APPEND or doveadm save) and a 20 MB
# message, and reports with /usr/bin/time -v (Debian package "time"):
#   - peak RSS of "fetch --summary" over 1,000 and over 100,000 messages,
#     and the wall time of the latter (median of 3, taking turns with:)
#   - the wall time of a plain Python client reading the same FETCH
#     answer off the socket and dropping it (the floor for the server);
#   - peak RSS of saving the 20 MB message with --raw --save, and of
#     its base64 part decoded with --part 1 --save.
# Not part of "make check". Usage: bench/fetch-rss.sh [IMAPCTL]
set -euo pipefail
export LC_ALL=C.UTF-8
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$repo/imapctl}
[ -x /usr/bin/time ] || { echo "bench: install the package 'time' (apt-get install time)" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench: build imapctl first (make)" >&2; exit 1; }

state=$(mktemp -d /tmp/imapctl-bench.XXXXXX)
chmod o+x "$state"
trap '"$repo/tests/dovecot/stop" "$state/dovecot" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
DOVECOT_QUOTA_MESSAGES=1000000 DOVECOT_QUOTA_STORAGE=10G \
	"$repo/tests/dovecot/start" "$state/dovecot"
set -a
. "$state/dovecot/env"
set +a
export IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS
conf=$IMAPCTL_TEST_CONF
args=(--host "$IMAPCTL_TEST_HOST" --port "$IMAPCTL_TEST_IMAPS_PORT"
	--user alice --cafile "$IMAPCTL_TEST_CAFILE" --timeout 300)

doveadm -c "$conf" mailbox create -u alice Bench1k Bench100k BenchBig
maildir=$IMAPCTL_TEST_MAILROOT/alice/Maildir
owner=$(stat -c %u:%g "$maildir")

# populate BOX N: N messages as Maildir files, then a resync.
populate() {
	python3 - "$maildir/$1/cur" "$2" <<-'PY'
		import os, sys
		d, n = sys.argv[1], int(sys.argv[2])
		os.makedirs(d, exist_ok=True)
		for i in range(1, n + 1):
		    msg = ("Date: Fri, 01 Mar 2024 09:22:03 +0000\r\n"
		           "From: Sender %d <sender%d@example.com>\r\n"
		           "To: Alice <alice@example.org>, bob@example.com\r\n"
		           "Subject: =?UTF-8?Q?Message_n=C2=B0_%d?=\r\n"
		           "Message-ID: <m%d@example.com>\r\n\r\n"
		           "Body of message %d.\r\n" % (i, i, i, i, i))
		    with open(os.path.join(d, "%d.bench%d:2," % (1700000000 + i, i)), "w") as f:
		        f.write(msg)
	PY
	chown -R "$owner" "$maildir/$1"
	doveadm -c "$conf" force-resync -u alice "$1"
}

t0=$(date +%s.%N)
populate Bench1k 1000
populate Bench100k 100000
t1=$(date +%s.%N)
echo "populated 101,000 messages in $(python3 -c "print(round($t1 - $t0, 1))") s (Maildir files + force-resync)"

measure() {
	/usr/bin/time -v "$@" 2>"$state/time" >/dev/null || {
		cat "$state/time" >&2; exit 1; }
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$state/time")
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$state/time")
}

# Warm the server's caches so both clients see the same server: Dovecot
# writes the fields a session asked for into its cache file afterwards,
# and the first fetch after that one still runs slower (7.8 s against
# 2.7 s in the runs after it, on a 2-core machine); so twice.
for warm in 1 2; do
	"$bin" "${args[@]}" fetch Bench100k all -o jsonl >/dev/null
done

measure "$bin" "${args[@]}" fetch Bench1k all --summary -o jsonl
echo "fetch --summary, 1,000 messages:   peak RSS ${rss} kB, wall $wall"
rss1k=$rss
cat >"$state/plain-fetch.py" <<-'PY'
	import imaplib, sys
	m = imaplib.IMAP4(sys.argv[1], int(sys.argv[2]))
	m.login("alice", sys.argv[3])
	m.select("Bench100k", readonly=True)
	typ, data = m.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)")
	assert typ == "OK" and len(data) >= 100000, (typ, len(data))
	m.logout()
PY
# The two clients take turns, three times; the median wall time of each
# (the peak RSS is the largest).
median() { printf '%s\n' "$@" | sort | sed -n 2p; }
walls=() pwalls=() rss100k=0 prss=0
for round in 1 2 3; do
	measure "$bin" "${args[@]}" fetch Bench100k all --summary -o jsonl
	walls+=("$wall")
	[ "$rss" -gt "$rss100k" ] && rss100k=$rss
	measure python3 "$state/plain-fetch.py" "$IMAPCTL_TEST_HOST" \
		"$IMAPCTL_TEST_IMAP_PORT" "$IMAPCTL_PASSWORD"
	pwalls+=("$wall")
	[ "$rss" -gt "$prss" ] && prss=$rss
done
echo "fetch --summary, 100,000 messages: peak RSS ${rss100k} kB, wall $(median "${walls[@]}")"
echo "  difference: $((rss100k - rss1k)) kB"
n=$("$bin" "${args[@]}" fetch Bench100k all -o jsonl | wc -l)
echo "  records: $n"
echo "python imaplib, same FETCH, answer dropped: wall $(median "${pwalls[@]}") (peak RSS ${prss} kB)"

python3 - "$state/big.eml" <<-'PY'
	import base64, os, sys
	head = (b"From: big@example.com\r\nTo: alice@example.org\r\n"
	        b"Subject: big\r\nContent-Type: application/octet-stream\r\n"
	        b"Content-Transfer-Encoding: base64\r\n\r\n")
	body = base64.encodebytes(os.urandom(15 * 1024 * 1024)).replace(b"\n", b"\r\n")
	open(sys.argv[1], "wb").write(head + body)
PY
doveadm -c "$conf" save -u alice -m BenchBig <"$state/big.eml"
mkdir "$state/out"
measure "$bin" "${args[@]}" fetch BenchBig 1 --raw --save "$state/out"
# Saved files are named MAILBOX-UIDVALIDITY-UID(.eml, -PART).
cmp "$state"/out/BenchBig-*-1.eml "$state/big.eml"
echo "fetch --raw --save of a $(($(stat -c %s "$state/big.eml") / 1048576)) MB message: peak RSS ${rss} kB, wall $wall"
measure "$bin" "${args[@]}" fetch BenchBig 1 --raw
echo "fetch --raw of it to stdout: peak RSS ${rss} kB, wall $wall"
measure "$bin" "${args[@]}" fetch BenchBig 1 --part 1 --save "$state/out"
echo "fetch --part 1 --save of it, base64 decoded to $(($(stat -c %s "$state"/out/BenchBig-*-1-1) / 1048576)) MB: peak RSS ${rss} kB, wall $wall"
