#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/backup.sh: time and peak RSS of backup and restore.
#
# Starts a throwaway Dovecot (tests/dovecot/start) and reports with
# /usr/bin/time -v (Debian package "time"):
#   - append --mbox of a generated mbox of MBOX_MB megabytes (default
#     1024: 100 KB messages) and of a tenth of it: the peak RSS must be
#     the same (memory flat whatever the size of the mbox);
#   - fetch --raw of a mailbox of N messages (default 10,000) as one
#     mbox, and fetch --maildir of it, first run and a second run that
#     finds everything written; against a shell loop of one "fetch UID
#     --raw" a message (over the first 500, scaled) and against mbsync
#     (Debian package "isync") when it is installed.
# Not part of "make check". Usage: bench/backup.sh [IMAPCTL]
set -euo pipefail
export LC_ALL=C.UTF-8
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$repo/imapctl}
mbox_mb=${MBOX_MB:-1024}
n=${N:-10000}
[ -x /usr/bin/time ] || { echo "bench: install the package 'time'" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench: build imapctl first (make)" >&2; exit 1; }

state=$(mktemp -d /tmp/imapctl-bench.XXXXXX)
chmod o+x "$state"
trap '"$repo/tests/dovecot/stop" "$state/dovecot" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
DOVECOT_QUOTA_MESSAGES=10000000 DOVECOT_QUOTA_STORAGE=100G \
	"$repo/tests/dovecot/start" "$state/dovecot" >/dev/null
set -a
. "$state/dovecot/env"
set +a
export IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS
args=(--host "$IMAPCTL_TEST_HOST" --port "$IMAPCTL_TEST_IMAPS_PORT"
	--user alice --cafile "$IMAPCTL_TEST_CAFILE" --timeout 300)
maildir=$IMAPCTL_TEST_MAILROOT/alice/Maildir

# measure LABEL CMD...: wall time and peak RSS.
measure() {
	local label=$1
	shift
	/usr/bin/time -f "%e %M" -o "$state/time" "$@" >/dev/null || true
	read -r secs kb < <(tail -n 1 "$state/time")
	printf '%-44s %8.2f s %8d KB peak RSS\n' "$label" "$secs" "$kb"
}

# mbox MB FILE: an mbox of about MB megabytes of 100 KB messages.
mbox() {
	python3 - "$1" "$2" <<-'PY'
		import sys
		mb, path = int(sys.argv[1]), sys.argv[2]
		line = b"x" * 76 + b"\n"
		body = line * 1300
		with open(path, "wb") as f:
		    for i in range(mb * 10):
		        f.write(b"From MAILER-DAEMON Fri Mar  1 09:22:03 2024\n"
		                b"Status: RO\nX-Keywords: $Label%d\n"
		                b"Subject: big %d\nMessage-ID: <b%d@example.com>\n\n"
		                % (i % 5, i, i))
		        f.write(b">From a line that needs quoting\n" + body + b"\n")
	PY
}

for mb in $((mbox_mb / 10)) "$mbox_mb"; do
	mbox "$mb" "$state/big.mbox"
	"$bin" "${args[@]}" mailbox create "Mbox$mb" >/dev/null
	measure "append --mbox, $(du -m "$state/big.mbox" | cut -f1) MB" \
		"$bin" "${args[@]}" append "Mbox$mb" --mbox "$state/big.mbox"
	rm -f "$state/big.mbox"
	"$bin" "${args[@]}" mailbox delete "Mbox$mb" >/dev/null
done

"$bin" "${args[@]}" mailbox create Bench >/dev/null
python3 "$repo/tests/dovecot/fill-varied" "$maildir/Bench" "$n"
"$bin" "${args[@]}" status Bench >/dev/null
measure "fetch all --raw (mbox), $n messages" \
	"$bin" "${args[@]}" fetch Bench all --raw
if "$bin" "${args[@]}" fetch --help 2>&1 | grep -q -- --maildir; then
	measure "fetch all --maildir, $n messages" \
		"$bin" "${args[@]}" fetch Bench all --maildir "$state/md"
	measure "fetch all --maildir again (nothing new)" \
		"$bin" "${args[@]}" fetch Bench all --maildir "$state/md"
fi
loop=500
mkdir -p "$state/loop"
measure "shell loop of fetch UID --raw, $loop messages" bash -c '
	for uid in $(seq 1 "$1"); do
		"${@:2}" fetch Bench "$uid" --raw >"$0/$uid.eml"
	done' "$state/loop" "$loop" "$bin" "${args[@]}"
if command -v mbsync >/dev/null; then
	mkdir -p "$state/mbsync/Bench"
	# isync 1.4 checks the name, not the IP address, of the certificate;
	# its state goes in the Maildir, not in ~/.mbsync where a run before
	# would leave it.
	cat >"$state/mbsyncrc" <<-EOF
		IMAPAccount bench
		Host localhost
		Port $IMAPCTL_TEST_IMAPS_PORT
		User alice
		Pass $IMAPCTL_TEST_PASS
		SSLType IMAPS
		CertificateFile $IMAPCTL_TEST_CAFILE

		IMAPStore remote
		Account bench

		MaildirStore local
		Path $state/mbsync/
		Inbox $state/mbsync/INBOX

		Channel bench
		Far :remote:Bench
		Near :local:Bench
		Sync Pull
		Create Near
		SyncState *
	EOF
	# mbsync skips messages whose header does not end (it says so).
	measure "mbsync (pull), $n messages" mbsync -q -c "$state/mbsyncrc" bench 2>/dev/null
	echo "  mbsync wrote $(find "$state/mbsync/Bench" -type f | wc -l) files, imapctl $(find "$state/md" -type f -path '*/cur/*' | wc -l)"
	measure "mbsync again (nothing new)" mbsync -q -c "$state/mbsyncrc" bench 2>/dev/null
else
	echo "mbsync: not installed (Debian package isync)"
fi
