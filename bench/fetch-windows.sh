#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/fetch-windows.sh [N] [IMAPCTL...]: fetch --text and --attachments,
# whose windows ask each message's structure before its parts, over a
# mailbox of N messages (default 3000), each binary given (default
# ./imapctl) beside the others on the same throwaway Dovecot.
#
# The messages take turns: plain text; multipart/alternative (text and
# HTML, quoted-printable); HTML only; multipart/mixed with a text part and
# a base64 attachment of 2 to 32 KiB. The binaries run in turn, ROUNDS
# times (default 3), so the server and the machine's load are shared
# alike. Each line: binary, mode, median wall seconds, median CPU seconds
# of imapctl (user and system: what a loaded machine changes least), peak
# RSS in KiB (the largest of the rounds). The records of --text and the files of
# --attachments of every binary are compared with the first's: a
# difference is said and fails the run.
#
# Needs Debian's time (/usr/bin/time). Not part of "make check".
set -euo pipefail
export LC_ALL=C.UTF-8
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-3000}
shift || true
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("$repo/imapctl")
rounds=${ROUNDS:-3}
[ -x /usr/bin/time ] || { echo "bench: install the package 'time'" >&2; exit 1; }
for b in "${bins[@]}"; do
	[ -x "$b" ] || { echo "bench: no binary '$b' (make first)" >&2; exit 1; }
done

state=$(mktemp -d /tmp/imapctl-windows.XXXXXX)
chmod o+x "$state"
trap '"$repo/tests/dovecot/stop" "$state/dv" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
DOVECOT_QUOTA_MESSAGES=10000000 DOVECOT_QUOTA_STORAGE=100G \
	"$repo/tests/dovecot/start" "$state/dv"
set -a
. "$state/dv/env"
set +a
export IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS
args=(--host "$IMAPCTL_TEST_HOST" --port "$IMAPCTL_TEST_IMAPS_PORT"
	--user alice --cafile "$IMAPCTL_TEST_CAFILE" --timeout 300)
conf=$IMAPCTL_TEST_CONF

doveadm -c "$conf" mailbox create -u alice Windows
python3 - "$IMAPCTL_TEST_MAILROOT/alice/Maildir/Windows" "$n" <<-'PY'
	import base64, os, sys
	box, n = sys.argv[1], int(sys.argv[2])
	st = os.stat(box)
	cur = os.path.join(box, "cur")
	os.makedirs(cur, exist_ok=True)
	head = ("Date: Fri, 01 Mar 2024 09:22:03 +0000\r\n"
	        "From: Sender %d <sender%d@example.com>\r\n"
	        "To: Alice <alice@example.org>\r\n"
	        "Subject: =?UTF-8?Q?Message_n=C2=B0_%d?=\r\n"
	        "Message-ID: <w%d@example.com>\r\nMIME-Version: 1.0\r\n")
	for i in range(1, n + 1):
	    text = ("Line %d of the text, caf\u00e9 included.\r\n" % i) * (1 + i % 30)
	    html = "<html><body><p>%s</p></body></html>\r\n" % text.replace("\r\n", "<br>")
	    qp = lambda s: s.replace("=", "=3D").replace("\u00e9", "=C3=A9")
	    h = head % (i % 97, i % 97, i, i)
	    k = i % 4
	    if k == 0:
	        msg = h + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text
	        raw = msg.encode()
	    elif k == 1:
	        msg = (h + 'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
	               "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
	               "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp(text) +
	               "\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n"
	               "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp(html) +
	               "\r\n--b--\r\n")
	        raw = msg.encode("ascii")
	    elif k == 2:
	        msg = (h + "Content-Type: text/html; charset=utf-8\r\n"
	               "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp(html))
	        raw = msg.encode("ascii")
	    else:
	        data = os.urandom(2048 * (1 + i % 16))
	        b64 = base64.encodebytes(data).decode().replace("\n", "\r\n")
	        msg = (h + 'Content-Type: multipart/mixed; boundary="m"\r\n\r\n'
	               "--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text +
	               "\r\n--m\r\nContent-Type: application/octet-stream\r\n"
	               'Content-Disposition: attachment; filename="data-%d.bin"\r\n'
	               "Content-Transfer-Encoding: base64\r\n\r\n" % i + b64 + "\r\n--m--\r\n")
	        raw = msg.encode()
	    p = os.path.join(cur, "%d.W%d.bench,S=%d:2," % (1700000000 + i, i, len(raw)))
	    with open(p, "wb") as f:
	        f.write(raw)
	    os.chown(p, st.st_uid, st.st_gid)
	PY
doveadm -c "$conf" force-resync -u alice Windows
# Warm the server's caches: the first binary's first round is no colder.
"${bins[0]}" "${args[@]}" fetch Windows all --text -o jsonl >/dev/null

declare -A walls cpus rss
run() {	# run I MODE ROUND
	local i=$1 mode=$2 round=$3 b=${bins[$1]} out w r u sy
	out=$state/out-$i-$mode
	rm -rf "$out" && mkdir -p "$out"
	if [ "$mode" = text ]; then
		/usr/bin/time -f '%e %M %U %S' -o "$state/t" "$b" "${args[@]}" \
			fetch Windows all --text -o jsonl >"$out/records" 2>"$state/err"
	else
		/usr/bin/time -f '%e %M %U %S' -o "$state/t" "$b" "${args[@]}" \
			fetch Windows all --attachments "$out" -o jsonl \
			>"$state/records" 2>"$state/err"
	fi || { echo "bench: $b $mode failed: $(tail -1 "$state/err")" >&2; exit 1; }
	read -r w r u sy <"$state/t"
	walls[$i,$mode]+="$w "
	cpus[$i,$mode]+="$(python3 -c "print(round($u + $sy, 2))") "
	[ "${rss[$i,$mode]:-0}" -ge "$r" ] || rss[$i,$mode]=$r
	if [ "$mode" = attachments ]; then
		sed "s|$out|OUT|g" "$state/records" >"$out/records.jsonl"
	fi
	# The first binary's output of the first round is the reference.
	if [ "$round" -eq 0 ] && [ "$i" -gt 0 ] &&
	    ! diff -r "$state/ref-$mode" "$out" >"$state/diff"; then
		echo "bench: ${bins[$i]} --$mode differs from ${bins[0]}:" >&2
		head -20 "$state/diff" >&2
		exit 1
	fi
	[ "$round" -gt 0 ] || [ "$i" -gt 0 ] || cp -r "$out" "$state/ref-$mode"
	return 0
}

for ((round = 0; round < rounds; round++)); do
	for mode in text attachments; do
		for i in "${!bins[@]}"; do
			run "$i" "$mode" "$round"
		done
	done
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
echo "$n messages, $rounds rounds ($(ls "$state/ref-attachments" | grep -c "\.bin$") attachments)"
for mode in text attachments; do
	for i in "${!bins[@]}"; do
		printf '%-40s --%-12s %7.2f s %6.2f s CPU %8d KiB   (wall %s)\n' \
			"${bins[$i]}" "$mode" "$(median ${walls[$i,$mode]})" \
			"$(median ${cpus[$i,$mode]})" "${rss[$i,$mode]}" \
			"${walls[$i,$mode]% }"
	done
done
