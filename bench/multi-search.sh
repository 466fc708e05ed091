#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/multi-search.sh [IMAPCTL]: one search over a 220-folder account.
#
# Starts a throwaway Dovecot (tests/dovecot/start) with INBOX and 219
# folders (Folders/fNNN) of PER messages each (default 50, written as
# Maildir files, then doveadm force-resync), every seventh from
# alerts@example.org, and reports wall time and peak RSS (/usr/bin/time,
# Debian package "time") of:
#   - search --in '*' from:alerts@example.org (records), and --count;
#   - search --in '*' --sort -date --limit 20 (keys fetched, pipelined);
#   - the shell loop a user writes without --in: list, then one
#     "imapctl search MAILBOX from:alerts@example.org" per mailbox (its
#     RSS: the largest process);
#   - fetch --in '*' --query from:alerts@example.org (summaries of the
#     matches of every mailbox) and the same with --raw;
#   - fetch --in '*' all --maildir (the whole account, a Maildir++ folder
#     each) against mbsync pulling the same folders (Patterns *), where
#     mbsync applies: it copies mail, it does not search.
# Each directly and through bench/delay-proxy with a round trip of RTT_MS
# (default 50) ms, where round trips show above a loaded machine's noise.
# The records of --in and of the loop are compared: they must be equal.
# LOOP=0 leaves out the shell loop and mbsync (minutes at 50 ms), to
# compare two builds of imapctl quickly.
# Not part of "make check".
# Usage: [RTT_MS=50] [PER=50] [LOOP=0] bench/multi-search.sh [IMAPCTL]
set -euo pipefail
export LC_ALL=C.UTF-8
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$repo/imapctl}
rtt=${RTT_MS:-50}
per=${PER:-50}
folders=220
[ -x /usr/bin/time ] || { echo "bench: install the package 'time' (apt-get install time)" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench: build imapctl first (make)" >&2; exit 1; }

state=$(mktemp -d /tmp/imapctl-bench.XXXXXX)
chmod o+x "$state"
# A copy: a rebuild meanwhile does not change what is measured.
cp "$bin" "$state/imapctl"
bin=$state/imapctl
proxy=
cleanup() {
	[ -z "$proxy" ] || kill "$proxy" 2>/dev/null || true
	"$repo/tests/dovecot/stop" "$state/dovecot" >/dev/null 2>&1 || true
	rm -rf "$state"
}
trap cleanup EXIT
DOVECOT_QUOTA_MESSAGES=1000000 DOVECOT_QUOTA_STORAGE=10G \
	"$repo/tests/dovecot/start" "$state/dovecot" >/dev/null
set -a
. "$state/dovecot/env"
set +a
export IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS
conf=$IMAPCTL_TEST_CONF
maildir=$IMAPCTL_TEST_MAILROOT/alice/Maildir

# The account: INBOX and folders-1 others, per messages each.
names=(INBOX)
for i in $(seq -w 1 $((folders - 1))); do
	names+=("Folders/f$i")
done
doveadm -c "$conf" mailbox create -u alice "${names[@]:1}"
python3 - "$maildir" "$per" "${names[@]}" <<-'PY'
	import os, sys
	top, per, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
	for k, name in enumerate(names):
	    d = os.path.join(top, "" if name == "INBOX" else name, "cur")
	    os.makedirs(d, exist_ok=True)
	    for i in range(1, per + 1):
	        n = k * per + i
	        sender = "alerts@example.org" if n % 7 == 0 else "user%d@example.com" % n
	        msg = ("Date: Fri, 01 Mar 2024 09:22:03 +0000\r\n"
	               "From: %s\r\nTo: alice@example.org\r\n"
	               "Subject: message %d of %s\r\n"
	               "Message-ID: <m%d@example.com>\r\n\r\n"
	               "Body of message %d.\r\n" % (sender, i, name, n, n))
	        t = 1700000000 + n * 60
	        p = os.path.join(d, "%d.bench%d:2," % (t, n))
	        with open(p, "w") as f:
	            f.write(msg)
	        os.utime(p, (t, t))
	PY
chown -R "$(stat -c %u:%g "$maildir")" "$maildir"
doveadm -c "$conf" force-resync -u alice '*'
# Dovecot's caches warm: the first search of a header reads every file.
"$bin" --host 127.0.0.1 --port "$IMAPCTL_TEST_IMAPS_PORT" --user alice \
	--cafile "$IMAPCTL_TEST_CAFILE" search --in '*' --sort -date --limit 1 \
	from:alerts@example.org >/dev/null
nboxes=$(doveadm -c "$conf" mailbox list -u alice | wc -l)

# measure LABEL COMMAND...: wall seconds and peak RSS (KiB) of one run.
measure() {
	local label=$1
	shift
	/usr/bin/time -f '%e %M' -o "$state/time" "$@" >"$state/out" 2>"$state/err" || true
	# A command that failed has a line before the figures.
	read -r secs rss < <(tail -1 "$state/time")
	printf '%-58s %8.2f s %8d KiB  %s\n' "$label" "$secs" "$rss" \
		"$(wc -l <"$state/out") lines"
}

run_link() {
	local port=$1 label=$2 args
	args=(--host 127.0.0.1 --port "$port" --user alice --cafile "$IMAPCTL_TEST_CAFILE" --timeout 60)
	echo "== $label: $nboxes mailboxes ($folders made and filled), $((folders * per)) messages"
	measure "search --in '*' from:alerts@example.org" \
		"$bin" "${args[@]}" search --in '*' from:alerts@example.org
	sort "$state/out" >"$state/in.sorted"
	measure "search --in '*' --count from:alerts@example.org" \
		"$bin" "${args[@]}" search --in '*' --count from:alerts@example.org
	measure "search --in '*' --sort -date --limit 20" \
		"$bin" "${args[@]}" search --in '*' --sort -date --limit 20
	measure "fetch --in '*' --query from:alerts@example.org" \
		"$bin" "${args[@]}" fetch --in '*' --query from:alerts@example.org
	measure "fetch --in '*' --query from:alerts@example.org --raw" \
		"$bin" "${args[@]}" fetch --in '*' --query from:alerts@example.org --raw
	rm -rf "$state/md"
	measure "fetch --in '*' all --maildir (the whole account)" \
		"$bin" "${args[@]}" fetch --in '*' all --maildir "$state/md"
	measure "fetch --in '*' all --maildir again (nothing new)" \
		"$bin" "${args[@]}" fetch --in '*' all --maildir "$state/md"
	[ "${LOOP:-1}" != 0 ] || return 0
	measure "loop: list, then search MAILBOX from:alerts@ each" bash -c '
		"${@:1}" list | awk -F "\t" "\$3 !~ /Noselect/ { print \$1 }" |
		while IFS= read -r mb; do
			"${@:1}" search "$mb" from:alerts@example.org || [ $? -eq 1 ]
		done' _ "$bin" "${args[@]}"
	sort "$state/out" >"$state/loop.sorted"
	if cmp -s "$state/in.sorted" "$state/loop.sorted"; then
		echo "  --in and the loop printed the same $(wc -l <"$state/in.sorted") records"
	else
		echo "  DIFFERENT records from --in and the loop" >&2
	fi
	if command -v mbsync >/dev/null; then
		rm -rf "$state/mbsync"
		mkdir -p "$state/mbsync"
		# isync checks the certificate's name: localhost, not 127.0.0.1.
		cat >"$state/mbsyncrc" <<-EOF
			IMAPAccount bench
			Host localhost
			Port $port
			User alice
			Pass $IMAPCTL_TEST_PASS
			SSLType IMAPS
			CertificateFile $IMAPCTL_TEST_CAFILE
			PipelineDepth 50

			IMAPStore remote
			Account bench

			MaildirStore local
			Inbox $state/mbsync
			SubFolders Maildir++

			Channel bench
			Far :remote:
			Near :local:
			Patterns *
			Sync Pull
			Create Near
			SyncState *
		EOF
		measure "mbsync (pull, Patterns *)" mbsync -q -c "$state/mbsyncrc" bench
		# mbsync leaves unseen messages in new/, imapctl in cur/.
		echo "  mbsync wrote $(find "$state/mbsync" -type f \( -path '*/cur/*' -o -path '*/new/*' \) | wc -l) files, imapctl $(find "$state/md" -type f \( -path '*/cur/*' -o -path '*/new/*' \) | wc -l)"
		measure "mbsync again (nothing new)" mbsync -q -c "$state/mbsyncrc" bench
	else
		echo "  mbsync: not installed (Debian package isync)"
	fi
}

run_link "$IMAPCTL_TEST_IMAPS_PORT" "direct (loopback)"
python3 "$repo/bench/delay-proxy" "$state/proxyport" "$IMAPCTL_TEST_IMAPS_PORT" "$((rtt / 2))" &
proxy=$!
for _ in $(seq 100); do [ -s "$state/proxyport" ] && break; sleep 0.05; done
run_link "$(cat "$state/proxyport")" "through a link with a round trip of $rtt ms"
