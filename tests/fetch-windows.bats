#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The windows of fetch --text and --attachments (lib/uidwin.c): the exact
# commands sent against the real Dovecot, over 250 plain messages and
# three of other shapes, so that windows are cut at 100 messages and runs
# of messages sharing a text part go together; and a failure while a
# window's attachment streams, against the hostile server. Run with the
# sanitizer build to see memory errors as failures.

load helpers
load hostile/hostile

setup_file() {
	dovecot_setup_file
	export IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS
	"$PYTHON" "$TESTS_DIR/../bench/populate" "$DOVECOT_STATEDIR" Windows 250 \
		>/dev/null 3>&-
	local head='From: a@example.com\r\nTo: alice@example.org\r\nMIME-Version: 1.0\r\n'
	local att='Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="%s"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n'
	# 251: the text inside an alternative inside a mixed, an attachment.
	printf "${head}Subject: nested\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nNested text.\r\n--a\r\nContent-Type: text/html\r\n\r\n<p>Nested text.</p>\r\n--a--\r\n--m\r\n$att--m--\r\n" a.pdf |
		doveadm -c "$IMAPCTL_TEST_CONF" save -u alice -m Windows
	# 252: no text at all, one attachment.
	printf "${head}Subject: bare\r\n$att" b.pdf |
		doveadm -c "$IMAPCTL_TEST_CONF" save -u alice -m Windows
	# 253: a text and two attachments.
	printf "${head}Subject: two\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nTwo attached.\r\n--m\r\n${att}--m\r\n$att--m--\r\n" c.pdf d.pdf |
		doveadm -c "$IMAPCTL_TEST_CONF" save -u alice -m Windows
}

teardown_file() { dovecot_teardown_file; }

teardown() { hostile_stop || true; }

# The commands of the trace in $stderr that ask for messages, untagged.
asked() {
	echo "$stderr" | sed -n 's/^C: [^ ]* \(UID \(SEARCH\|FETCH\|STORE\) .*\)/\1/p'
}

@test "--text: windows of 100, the structures first, then runs that share a text part" {
	local sum='UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE' peek='<0.4194304>'
	run --separate-stderr imapctl --debug fetch Windows all --text --mark-seen -o jsonl
	assert_success
	assert_equal "$(echo "$output" | wc -l)" 253
	assert_equal "$(echo "$output" | jq -r 'select(.uid > 250) | "\(.uid) \(.text)"')" \
		"$(printf '%s\n' '251 Nested text.' '252 null' '253 Two attached.')"
	assert_equal "$(echo "$output" | jq -r 'select(.uid == 7) | .text')" \
		"$(printf 'line 7 of a message of some length\n%.0s' 1 2 3 4 5 6 7 8)"
	assert_equal "$(asked)" "$(printf '%s\n' \
		'UID SEARCH RETURN (ALL) UID 1:*' \
		'UID FETCH 1:100 (UID BODYSTRUCTURE)' \
		'UID FETCH 101:200 (UID BODYSTRUCTURE)' \
		'UID FETCH 201:253 (UID BODYSTRUCTURE)' \
		'UID STORE 1:100 +FLAGS.SILENT (\Seen)' \
		"UID FETCH 1:100 ($sum BODY.PEEK[1]$peek)" \
		'UID STORE 101:200 +FLAGS.SILENT (\Seen)' \
		"UID FETCH 101:200 ($sum BODY.PEEK[1]$peek)" \
		'UID STORE 201:253 +FLAGS.SILENT (\Seen)' \
		"UID FETCH 201:250 ($sum BODY.PEEK[1]$peek)" \
		"UID FETCH 251 ($sum BODY.PEEK[1.1]$peek)" \
		"UID FETCH 252 ($sum)" \
		"UID FETCH 253 ($sum BODY.PEEK[1]$peek)")"
	# --mark-seen: none is left unseen (grep's 1 for no match).
	run imapctl search Windows unseen
	assert_failure 1
	assert_output ""
}

@test "--attachments: the structures, then a command a message with attachments" {
	local out=$BATS_TEST_TMPDIR/out
	mkdir "$out"
	run --separate-stderr imapctl --debug fetch Windows 200:253 --attachments "$out" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -r '"\(.uid) \(.part) \(.file | sub(".*/"; ""))"')" \
		"$(printf '%s\n' '251 2 a.pdf' '252 1 b.pdf' '253 2 c.pdf' '253 3 d.pdf')"
	assert_equal "$(asked)" "$(printf '%s\n' \
		'UID SEARCH RETURN (ALL) UID 200:253' \
		'UID FETCH 200:253 (UID BODYSTRUCTURE)' \
		'UID FETCH 251 (UID BODY.PEEK[2])' \
		'UID FETCH 252 (UID BODY.PEEK[1])' \
		'UID FETCH 253 (UID BODY.PEEK[2] BODY.PEEK[3])')"
	assert_equal "$(cat "$out/c.pdf")" '%PDF-1.4'
}

# An attachment of N base64 bytes streamed (its UID first) in a window of
# three messages, the two others' still to come.
streamed_script() {
	local n=$1 b64 bs
	b64=$(head -c $((n * 3 / 4)) /dev/zero | base64 -w 76 | sed 's/$/\\r\\n/' | tr -d '\n')
	n=$(printf '%b' "$b64" | wc -c)
	bs="((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 1)(\"application\" \"octet-stream\" (\"name\" \"a.bin\") NIL NIL \"base64\" $n NIL (\"attachment\" (\"filename\" \"a.bin\")) NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"
	hostile_script streamed greeting 'serve-until BODYSTRUCTURE' \
		"send * 1 FETCH (UID 1 BODYSTRUCTURE $bs)" \
		"send * 2 FETCH (UID 2 BODYSTRUCTURE $bs)" \
		"send * 3 FETCH (UID 3 BODYSTRUCTURE $bs)" \
		'reply OK Fetch completed.' 'expect BODY.PEEK[2]' \
		"sendraw * 1 FETCH (UID 1 BODY[2] {$n}\\r\\n$b64)\\r\\n" \
		'reply OK Fetch completed.' 'expect BODY.PEEK[2]' \
		'sendraw * 2 FETCH (UID 2 BODY[2] {10}\r\naGVsbG8=\r\n)\r\n' \
		'reply OK Fetch completed.' 'expect BODY.PEEK[2]' \
		'sendraw * 3 FETCH (UID 3 BODY[2] {10}\r\naGVsbG8=\r\n)\r\n' \
		'reply OK Fetch completed.' serve
}

@test "a file that cannot be written while a window's attachment streams: 73, no file, the others saved, nothing freed is used" {
	export IMAPCTL_PASSWORD=secret
	hostile_start script --timeout 10 --script "$(streamed_script 20000)"
	mkdir "$BATS_TEST_TMPDIR/out"
	# Files of at most 4 KiB: the write fails with EFBIG mid-literal.
	run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 4; exec "$0" "$@"' \
		"$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u --timeout 10 \
		fetch INBOX 1:3 --attachments "$BATS_TEST_TMPDIR/out"
	hostile_sane
	assert_failure 73
	assert_equal "$stderr" "imapctl: fetch: message UID 1: '$BATS_TEST_TMPDIR/out/a.bin': cannot write: File too large"
	# UID 1's is gone; those of UIDs 2 and 3, small, are saved.
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/out")" "$(printf '%s\n' 'a (2).bin' a.bin)"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out/a.bin")" hello
}
