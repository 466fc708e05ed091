#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# COMPRESS=DEFLATE (RFC 4978): against the real Dovecot (imap_zlib) the
# same records with and without it, the trace, --no-compress and the
# account's compress setting, the probes that leave it out; from the
# hostile server a corrupt stream, a decompression bomb, plain text after
# the OK, a refusal, and a server that does not offer it.

load helpers
load hostile/hostile

setup_file() {
	dovecot_setup_file
	export IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS
	"$PYTHON" "$TESTS_DIR/../bench/populate" "$DOVECOT_STATEDIR" Many 400 \
		>/dev/null 3>&-
}
teardown_file() { dovecot_teardown_file; }

teardown() {
	hostile_stop || true
}

# Whether the trace in $stderr shows COMPRESS sent and compression on.
compressed() {
	sent_compress && [[ $stderr == *"compress: DEFLATE started"* ]]
}

# Whether the trace in $stderr shows COMPRESS sent.
sent_compress() {
	grep -q '^C: A[0-9]* COMPRESS DEFLATE$' <<<"$stderr"
}

@test "Dovecot offers COMPRESS=DEFLATE, and the test bed enables it" {
	[[ " $IMAPCTL_TEST_CAPABILITY " == *" COMPRESS=DEFLATE "* ]]
}

@test "fetch of 400 messages: the same records with and without COMPRESS" {
	run --separate-stderr imapctl --debug fetch Many all -o jsonl
	assert_success
	compressed
	# The trace shows the protocol inflated, and what the wire carried.
	[[ $stderr == *"S: * 400 FETCH (UID 400 "* ]]
	[[ $stderr =~ compress:\ read\ ([0-9]+)\ bytes\ for\ ([0-9]+) ]]
	((BASH_REMATCH[1] * 2 < BASH_REMATCH[2]))
	with=$output
	[ "$(echo "$with" | wc -l)" -eq 400 ]
	run --separate-stderr imapctl --no-compress --debug fetch Many all \
		-o jsonl
	assert_success
	! sent_compress
	[[ $stderr != *compress:* ]]
	assert_equal "$output" "$with"
}

@test "fetch --raw of 400 messages: the same bytes with and without COMPRESS" {
	imapctl fetch Many all --raw >"$BATS_TEST_TMPDIR/with"
	imapctl --no-compress fetch Many all --raw >"$BATS_TEST_TMPDIR/without"
	[ "$(grep -c '^From ' "$BATS_TEST_TMPDIR/with")" -eq 400 ]
	cmp "$BATS_TEST_TMPDIR/with" "$BATS_TEST_TMPDIR/without"
}

@test "append through a compressed connection: the message comes back whole" {
	"$PYTHON" - "$BATS_TEST_TMPDIR/big.eml" <<-'EOF'
		import sys
		head = (b"From: a@example.com\r\nTo: alice@example.org\r\n"
		        b"Subject: compressed upload\r\n\r\n")
		body = b"".join(b"line %d of a long message\r\n" % i
		                for i in range(40000))
		open(sys.argv[1], "wb").write(head + body)
	EOF
	run --separate-stderr imapctl --debug append Many "$BATS_TEST_TMPDIR/big.eml"
	assert_success
	compressed
	uid=$(imapctl search Many subject:"compressed upload" -o json | jq ".[0].uid")
	mkdir "$BATS_TEST_TMPDIR/out"
	imapctl fetch Many "$uid" --raw --save "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/big.eml" "$BATS_TEST_TMPDIR"/out/*-"$uid".eml
}

@test "the probes list, status, quota, info and check do not spend a round trip on it" {
	for cmd in list status quota info check; do
		run --separate-stderr imapctl --debug $cmd
		! sent_compress || {
			echo "$cmd sent COMPRESS" >&2
			return 1
		}
	done
}

@test "the account's compress = false turns it off; true turns it on for a probe" {
	conf=$BATS_TEST_TMPDIR/config
	printf '[account plain]\ncompress = false\n[account always]\ncompress = true\n' \
		>"$conf"
	chmod 600 "$conf"
	run --separate-stderr imapctl --config "$conf" -a plain --debug \
		fetch Many 1:3
	assert_success
	! sent_compress
	run --separate-stderr imapctl --config "$conf" -a always --debug status
	assert_success
	compressed
	assert_output --partial INBOX
	# --no-compress wins over the account.
	run --separate-stderr imapctl --config "$conf" -a always --no-compress \
		--debug status
	assert_success
	! sent_compress
	printf '[account bad]\ncompress = sometimes\n' >"$conf"
	run --separate-stderr imapctl --config "$conf" -a bad status
	assert_failure 78
	[[ $stderr == *"bad value 'sometimes': use true or false"* ]]
}

# The hostile server, without TLS: what it sends is exactly what the
# client inflates.
hctl() {
	IMAPCTL_PASSWORD=secret "$IMAPCTL" --host 127.0.0.1 \
		--port "$HOSTILE_PORT" --tls none --user hostile --timeout 5 "$@"
}

@test "a well-behaved server: everything after the OK is compressed both ways" {
	hostile_start ok --add-cap COMPRESS=DEFLATE --timeout 10
	run --separate-stderr hctl --debug fetch INBOX all -o jsonl
	assert_success
	compressed
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	hostile_wait 5
	grep -q "compression started" "$HOSTILE_LOG"
	! grep -q violation "$HOSTILE_LOG"
	# The server inflated the commands that followed.
	grep -qa "UID FETCH 1:\* (UID FLAGS" "$HOSTILE_RECORD"
}

@test "not offered: COMPRESS is not sent" {
	hostile_start ok --timeout 10
	run --separate-stderr hctl fetch INBOX all
	assert_success
	hostile_wait 5
	! grep -qa COMPRESS "$HOSTILE_RECORD"
}

@test "refused with NO: the session goes on uncompressed" {
	hostile_start compress-no --timeout 10
	run --separate-stderr hctl --debug fetch INBOX all
	assert_success
	[[ $stderr == *"compress: refused"* ]]
	[ "$(echo "$output" | wc -l)" -eq 3 ]
}

@test "a corrupt deflate stream: exit 76" {
	hostile_start compress-corrupt --timeout 10
	run --separate-stderr hctl fetch INBOX all
	assert_failure 76
	assert_equal "$stderr" "imapctl: fetch: corrupt compressed stream from the server: invalid block type"
}

@test "plain text after the OK to COMPRESS: exit 76" {
	hostile_start compress-plain --timeout 10
	run --separate-stderr hctl fetch INBOX all
	assert_failure 76
	[[ $stderr == *"corrupt compressed stream from the server"* ]]
}

@test "a decompression bomb: 1 GiB from 1 MB stops at the line limit, exit 76" {
	hostile_start compress-bomb --timeout 10
	run --separate-stderr hctl fetch INBOX all
	assert_failure 76
	assert_equal "$stderr" "imapctl: fetch: server sent a line longer than 8388608 bytes"
	hostile_wait 5 || true
	grep -q "compress-bomb inflated=" "$HOSTILE_LOG"
}
