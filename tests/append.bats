#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# append: files or standard input, streamed with CR LF line ends, flags
# and date, APPENDUID records, checks before any upload; the server's state
# checked with fetch and status, the exact bytes with the hostile server.

load helpers
load change
load hostile/hostile

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
setup() {
	dovecot_reseed
	D=$BATS_TEST_TMPDIR
	printf 'From: a@example.com\nSubject: bare LF\n\nbody\r\nline\n' >"$D/lf.eml"
}
teardown() { hostile_stop; }

@test "append a file: its new UID from APPENDUID, bare LF sent as CR LF" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug append Drafts "$D/lf.eml" -o json
	assert_success
	uv=$(srv_uidvalidity Drafts)
	assert_equal "$(echo "$output" | jq -c '.[]')" \
	    "{\"mailbox\":\"Drafts\",\"uidvalidity\":$uv,\"uid\":1,\"file\":\"$D/lf.eml\",\"size\":53}"
	# LITERAL+: no round trip for the go-ahead.
	[[ $stderr == *'APPEND Drafts {53+}'* ]]
	[[ $stderr == *'C: {53 bytes}'* ]]
	assert_equal "$(srv_fetch Drafts 1 '[.size, .subject] | @json')" '[53,"bare LF"]'
}

@test "append several files and standard input, in order, pipelined" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug append INBOX "$FIXTURES/inbox-1-welcome.eml" - "$FIXTURES/projects-2024-2-budget.eml" -o jsonl <"$D/lf.eml"
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .file])')" \
	    "[[6,\"$FIXTURES/inbox-1-welcome.eml\"],[7,\"-\"],[8,\"$FIXTURES/projects-2024-2-budget.eml\"]]"
	# All three were sent before the first answer was read.
	last=$(echo "$stderr" | grep -n '^C: A[0-9]* APPEND' | tail -1 | cut -d: -f1)
	first=$(echo "$stderr" | grep -n '^S: A[0-9]* OK \[APPENDUID' | head -1 | cut -d: -f1)
	[ "$last" -lt "$first" ]
	assert_equal "$(srv_count INBOX)" 8
	assert_equal "$(srv_fetch INBOX 7 .subject)" 'bare LF'
}

@test "append with no file reads standard input" {
	run imapctl append Drafts <"$D/lf.eml"
	assert_success
	assert_output "Drafts	$(srv_uidvalidity Drafts)	1	-	53"
	assert_equal "$(srv_count Drafts)" 1
}

@test "append --flags and --date set the flags and the internal date" {
	run imapctl append Drafts "$D/lf.eml" --flags 'seen,$Label1' --flags draft --date 2024-01-02T03:04:05+01:00 -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl[@command="append"]/message/uid)' -)" 1
	assert_equal "$(srv_flags Drafts)" '1	$Label1 \Draft \Seen'
	assert_equal "$(srv_fetch Drafts 1 .internaldate)" 2024-01-02T02:04:05Z
	run imapctl append Drafts "$D/lf.eml" --date 2023-12-31
	assert_success
	assert_equal "$(srv_fetch Drafts 2 .internaldate)" 2023-12-31T00:00:00Z
	# A space for the T, no seconds, Z; an offset without its colon.
	run imapctl append Drafts "$D/lf.eml" --date '2024-01-02 03:04Z'
	assert_success
	assert_equal "$(srv_fetch Drafts 3 .internaldate)" 2024-01-02T03:04:00Z
	run imapctl append Drafts "$D/lf.eml" --date 2024-01-02T03:04:05-0130
	assert_success
	assert_equal "$(srv_fetch Drafts 4 .internaldate)" 2024-01-02T04:34:05Z
	# Each field its digits exactly: no space, sign or digit missing.
	for bad in '2024-01-02T 3:04' '2024-01-02T+1:00' '2024-01-02T03:04+01' \
		'2024-1-02' '2024-01-02T03:04:5' '2024-01-02T03:04:05+01:0' \
		'2024-01-02T03:04:05 ' ' 2024-01-02' '2024-01-02T24:00'; do
		run --separate-stderr imapctl append Drafts "$D/lf.eml" --date "$bad"
		assert_failure 64
		[[ $stderr == "imapctl: append: bad --date '$bad': use "* ]]
	done
	assert_equal "$(srv_count Drafts)" 4
}

@test "a large message is streamed whole" {
	"$PYTHON" -c 'import sys
sys.stdout.write("Subject: big\n\n" + "x" * 70 + "\n")
for i in range(80000): sys.stdout.write("line %06d of a long message\n" % i)' >"$D/big.eml"
	lines=$(wc -l <"$D/big.eml")
	size=$(( $(wc -c <"$D/big.eml") + lines ))
	run --separate-stderr imapctl append Archive "$D/big.eml" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq .size)" "$size"
	assert_equal "$(srv_fetch Archive 1 .size)" "$size"
}

@test "nothing is uploaded unless every input passes" {
	printf 'Subject: nul\n\na\0b\n' >"$D/nul.eml"
	: >"$D/empty.eml"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug append Drafts "$D/lf.eml" "$D/nul.eml"
	assert_failure 65
	[[ $stderr == *"imapctl: append: '$D/nul.eml' holds a NUL byte, which IMAP cannot carry in a message; nothing was appended"* ]]
	! echo "$stderr" | grep -q APPEND
	run --separate-stderr imapctl append Drafts "$D/lf.eml" "$D/empty.eml"
	assert_failure 65
	[[ $stderr == *"is empty; nothing was appended"* ]]
	run --separate-stderr imapctl append Drafts "$D/lf.eml" "$D/missing.eml"
	assert_failure 66
	[[ $stderr == *"cannot read '$D/missing.eml': No such file or directory"* ]]
	run --separate-stderr imapctl append Drafts "$D/lf.eml" "$D/lf.eml" --max 1
	assert_failure 65
	[[ $stderr == *"the command names 2 messages, more than --max 1"* ]]
	run --separate-stderr imapctl append Drafts "$D/lf.eml" --date 2024-02-30
	assert_failure 64
	[[ $stderr == *"bad --date '2024-02-30'"* ]]
	run --separate-stderr imapctl append Drafts - - <"$D/lf.eml"
	assert_failure 64
	assert_equal "$(srv_count Drafts)" 0
}

@test "append --dry-run checks everything and uploads nothing" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug append Drafts "$D/lf.eml" - --dry-run -o jsonl <"$D/lf.eml"
	assert_success
	assert_equal "$(echo "$output" | jq -s -c "map([.mailbox, .uidvalidity, .uid, .size])")" \
	    "[[\"Drafts\",$(srv_uidvalidity Drafts),null,53],[\"Drafts\",$(srv_uidvalidity Drafts),null,53]]"
	! echo "$stderr" | grep -q APPEND
	run --separate-stderr imapctl append Nope "$D/lf.eml" --dry-run
	assert_failure 69
	assert_equal "$(srv_count Drafts)" 0
}

@test "a refused append names what was not appended" {
	run --separate-stderr imapctl append Nope "$D/lf.eml" "$FIXTURES/inbox-1-welcome.eml"
	assert_failure 69
	assert_output ""
	[[ $stderr == *"imapctl: append: '$D/lf.eml': Mailbox doesn't exist: Nope"*'[TRYCREATE]'* ]]
	[[ $stderr == *"not appended, or not confirmed: 2 messages: '$D/lf.eml', '$FIXTURES/inbox-1-welcome.eml'"* ]]
}

@test "the exact bytes: CR LF line ends, a synchronizing literal without LITERAL+" {
	hostile_start ok --drop-cap LITERAL+
	run --separate-stderr env IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u append Drafts "$D/lf.eml"
	assert_success
	assert_output "Drafts	1700000003	1	$D/lf.eml	53"
	hostile_wait
	grep -q 'A[0-9]* APPEND Drafts {53}' "$HOSTILE_RECORD"
	"$PYTHON" - "$HOSTILE_RECORD" <<-'EOF'
	import sys
	rec = open(sys.argv[1], "rb").read()
	want = b"{53}\r\nFrom: a@example.com\r\nSubject: bare LF\r\n\r\nbody\r\nline\r\n\r\n"
	assert want in rec, rec
	EOF
	! grep -q violation "$HOSTILE_LOG"
}

@test "a message over APPENDLIMIT is refused before anything is uploaded" {
	hostile_start ok --add-cap APPENDLIMIT=50
	run --separate-stderr env IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u append Drafts "$FIXTURES/inbox-1-welcome.eml" "$D/lf.eml"
	assert_failure 65
	[[ $stderr == *"'$FIXTURES/inbox-1-welcome.eml' is "*" bytes, more than the server accepts (APPENDLIMIT=50); nothing was appended"* ]]
	hostile_wait
	! grep -q APPEND "$HOSTILE_RECORD"
}

@test "the manual's example: restore saved messages as read, with a date" {
	mkdir "$D/saved"
	cp "$FIXTURES"/inbox-*.eml "$D/saved/"
	cd "$D"
	run bash -c "$IMAPCTL $(imapctl_args) append Archive saved/*.eml --flags seen --date 2024-03-01"
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_equal "$(srv_flags Archive | cut -f2 | sort -u)" '\Seen'
	assert_equal "$(srv_fetch Archive all .internaldate | sort -u)" 2024-03-01T00:00:00Z
}
