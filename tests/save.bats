#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Files of fetch --save and --attachments: never written over within a
# run ("invoice (2).pdf"), complete or absent when a signal ends the run,
# on disk (fsync'd, the directory too) before their record is printed.
# Against Dovecot (a mailbox "Twins" made here) and the hostile server.

load helpers
load hostile/hostile

setup_file() {
	dovecot_setup_file
	doveadm -c "$IMAPCTL_TEST_CONF" mailbox create -u alice Twins
	# UID 1: two attachments named invoice.pdf; UID 2: a third one.
	for m in "A B" "C"; do
		{
			printf 'From: billing@example.com\r\nTo: alice@example.org\r\n'
			printf 'Subject: Invoices %s\r\nMIME-Version: 1.0\r\n' "$m"
			printf 'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
			printf -- '--B\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n'
			for x in $m; do
				printf -- '--B\r\nContent-Type: application/pdf\r\n'
				printf 'Content-Disposition: attachment; filename="invoice.pdf"\r\n\r\n'
				printf 'PDF %s\r\n' "$x"
			done
			printf -- '--B--\r\n'
		} | doveadm -c "$IMAPCTL_TEST_CONF" save -u alice -m Twins
	done
}

teardown_file() { dovecot_teardown_file; }
teardown() {
	[ -z "${BG_PID:-}" ] || kill "$BG_PID" 2>/dev/null || true
	hostile_stop
}

@test "two attachments of one name in a run: invoice.pdf, invoice (2).pdf, invoice (3).pdf" {
	d=$BATS_TEST_TMPDIR/inv
	mkdir "$d"
	run --separate-stderr imapctl fetch Twins 1:2 --attachments "$d" -o jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .part, (.file | ltrimstr("'"$d"'/")), .skipped])')" \
		'[[1,"2","invoice.pdf",false],[1,"3","invoice (2).pdf",false],[2,"2","invoice (3).pdf",false]]'
	assert_equal "$(cat "$d/invoice.pdf") $(cat "$d/invoice (2).pdf") $(cat "$d/invoice (3).pdf")" "PDF A PDF B PDF C"
	# Again: each is there, with its bytes; nothing is written.
	run --separate-stderr imapctl fetch Twins 1:2 --attachments "$d" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([(.file | ltrimstr("'"$d"'/")), .skipped])')" \
		'[["invoice.pdf",true],["invoice (2).pdf",true],["invoice (3).pdf",true]]'
	# --force replaces what was there before the run, never what this
	# run wrote: the three files again, under their names.
	run --separate-stderr imapctl fetch Twins 1:2 --attachments "$d" --force -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([(.file | ltrimstr("'"$d"'/")), .skipped])')" \
		'[["invoice.pdf",false],["invoice (2).pdf",false],["invoice (3).pdf",false]]'
	assert_equal "$(cat "$d/invoice.pdf") $(cat "$d/invoice (2).pdf") $(cat "$d/invoice (3).pdf")" "PDF A PDF B PDF C"
	assert_equal "$(ls -A "$d" | wc -l)" 3
}

@test "files are fsync'd and renamed into place, the directory fsync'd, before a record is printed" {
	command -v strace >/dev/null || skip "strace not installed (Debian package strace)"
	d=$BATS_TEST_TMPDIR/durable
	mkdir "$d"
	# (LeakSanitizer cannot run under a tracer.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	run --separate-stderr strace -f -qq -o "$BATS_TEST_TMPDIR/trace" \
		-e trace=fsync,fdatasync,rename,renameat,renameat2,linkat,write \
		"$IMAPCTL" $(imapctl_args) fetch Twins 1:2 --attachments "$d" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | wc -l)" 3
	# Each file fsync'd (F) and then renamed into place (R), then the
	# directory fsync'd, then the records written (W).
	events=$(grep -E 'fsync\(|renameat2\(|write\(1, "\{' "$BATS_TEST_TMPDIR/trace" |
		sed -E 's/.*(fsync|renameat2|write)\(.*/\1/' |
		sed 's/fsync/F/; s/renameat2/R/; s/write/W/' | tr -d '\n')
	[[ $events =~ ^FRFRFRFW+$ ]] || { echo "events: $events"; false; }
	assert_equal "$(grep -c 'RENAME_NOREPLACE) = 0' "$BATS_TEST_TMPDIR/trace")" 3
}

# A server that sends half of a big message, then waits: the client is
# caught in the middle of a save.
slow_literal() {
	local f=$BATS_TEST_TMPDIR/slow.script
	{
		echo greeting
		echo 'serve-until UID FETCH'
		echo 'sendraw * 1 FETCH (UID 1 FLAGS () INTERNALDATE "01-Mar-2024 09:22:03 +0000" BODY[] {400000}\r\n'
		printf 'sendraw %s\n' "$(head -c 200000 /dev/zero | tr '\0' x)"
		echo 'sleep 30'
	} >"$f"
	hostile_start script --script "$f" --timeout 40
}

@test "SIGTERM, SIGINT or SIGHUP in the middle of a save: no file left, whole or cut" {
	d=$BATS_TEST_TMPDIR/killed
	mkdir "$d"
	for sig in TERM INT HUP; do
		slow_literal
		# The signals at their defaults: bash starts background jobs
		# with SIGINT ignored, and a suite run under nohup has SIGHUP
		# ignored, which imapctl rightly keeps.
		IMAPCTL_PASSWORD=x "$PYTHON" -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$IMAPCTL" --tls none -H 127.0.0.1 \
			-p "$HOSTILE_PORT" -u u fetch INBOX 1 --raw --save "$d" \
			>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
		BG_PID=$!
		# Wait for the bytes to be on their way to the file aside.
		for _ in $(seq 200); do
			f=$(ls -A "$d")
			[ -n "$f" ] && [ "$(stat -c %s "$d/$f")" -gt 100000 ] && break
			sleep 0.05
		done
		[[ $f == .imapctl-*.tmp ]]
		kill -$sig "$BG_PID"
		rc=0
		wait "$BG_PID" || rc=$?
		BG_PID=
		assert_equal "$rc" "$((128 + $(kill -l $sig)))"
		assert_equal "$(ls -A "$d")" ""
		assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" ""
		hostile_stop || true
	done
}

# The same file twice in a run is saved and reported once; what the
# directory was handed for it is given back (run with the sanitizer build,
# LeakSanitizer found it lost before).
@test "a server that sends a message's body twice: one file, one record" {
	hostile_start script --script "$BATS_TEST_DIRNAME/hostile/scripts/fetch-twice.script"
	d=$BATS_TEST_TMPDIR/twice
	mkdir "$d"
	run --separate-stderr env IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none -H 127.0.0.1 \
		-p "$HOSTILE_PORT" -u u fetch INBOX 1 --raw --save "$d" -o jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -c '[.uid, .size, .skipped]')" '[1,12,false]'
	assert_equal "$(ls -A "$d")" "INBOX-1700000001-1.eml"
	assert_equal "$(cat "$d/INBOX-1700000001-1.eml")" "$(printf 'Subject: x\r')"
}
