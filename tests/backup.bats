#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Backup and restore: fetch --raw's mboxrd stream read back by append
# --mbox with each message's flags and internal date; the round trip of
# 1,000 varied messages compared one by one.

load helpers
load change

setup_file() {
	dovecot_setup_file
	imapctl mailbox create Varied >/dev/null
	"$PYTHON" "$TESTS_DIR/dovecot/fill-varied" \
	    "$IMAPCTL_TEST_MAILROOT/alice/Maildir/Varied" 1000
}
teardown_file() { dovecot_teardown_file; }
setup() { D=$BATS_TEST_TMPDIR; }

# A mailbox as one line a message: flags (sorted, no \Recent) and date.
meta() {
	imapctl fetch "$1" all -o jsonl |
	    jq -r '"\(.flags - ["\\Recent"] | sort | join(" "))\t\(.internaldate)"'
}

# Every message of two mailboxes, byte for byte, in UID order.
same_bytes() {
	mkdir -p "$D/a" "$D/b"
	imapctl fetch "$1" all --raw --save "$D/a" >/dev/null
	imapctl fetch "$2" all --raw --save "$D/b" >/dev/null
	"$PYTHON" - "$D/a" "$D/b" "${3:-}" <<-'EOF2'
		import os, sys
		def files(d):
		    return [os.path.join(d, f) for f in
		            sorted(os.listdir(d), key=lambda f: int(f.split(".")[0].rsplit("-", 1)[-1]))]
		a, b = files(sys.argv[1]), files(sys.argv[2])
		assert len(a) == len(b), (len(a), len(b))
		grown = 0
		for x, y in zip(a, b):
		    p, q = open(x, "rb").read(), open(y, "rb").read()
		    if (p != q and sys.argv[3] == "final-crlf" and
		            not p.endswith(b"\n") and p + b"\r\n" == q):
		        grown += 1
		        continue
		    assert p == q, (x, y)
		print(len(a), grown)
	EOF2
}

@test "append --mbox: fetch --raw's stream comes back with each message's flags and date" {
	imapctl fetch Varied all --raw >"$D/backup.mbox"
	imapctl mailbox create Restored >/dev/null
	run --separate-stderr imapctl append Restored --mbox "$D/backup.mbox" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | wc -l)" 1000
	# Each record names its message by the From line it came from.
	assert_equal "$(echo "$output" | jq -c 'select(.uid == 1) | [.file, .line]')" \
	    "[\"$D/backup.mbox\",1]"
	assert_equal "$(meta Restored)" "$(meta Varied)"
	# mbox cannot say that a message had no final line end: those (one in
	# nine) come back with CR LF; every other byte is the same.
	run same_bytes Varied Restored final-crlf
	assert_success
	assert_output "1000 83"
}

@test "append --mbox reads standard input: a copy between two accounts in one pipe" {
	imapctl mailbox create Copy >/dev/null
	conf=$XDG_CONFIG_HOME/imapctl/config
	mkdir -p "${conf%/*}"
	cat >"$conf" <<-EOF2
		[account old]
		host = 127.0.0.1
		port = $IMAPCTL_TEST_IMAPS_PORT
		cafile = $IMAPCTL_TEST_CAFILE
		user = $IMAPCTL_TEST_USER
		password_cmd = echo $IMAPCTL_TEST_PASS

		[account new]
		host = 127.0.0.1
		port = $IMAPCTL_TEST_IMAPS_PORT
		cafile = $IMAPCTL_TEST_CAFILE
		user = $IMAPCTL_TEST_USER2
		password_cmd = echo $IMAPCTL_TEST_PASS2
	EOF2
	chmod 600 "$conf"
	run --separate-stderr env -u IMAPCTL_PASSWORD bash -c \
	    '"$0" -a old fetch Varied 1:200 --raw | "$0" -a new append INBOX --mbox' "$IMAPCTL"
	assert_success
	assert_equal "$(echo "$output" | wc -l)" 200
	assert_equal "$(echo "$output" | head -1 | cut -f4,6)" "-	1"
	IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS2 run "$IMAPCTL" $(imapctl_args --user bob) fetch INBOX all -o jsonl
	assert_equal "$(echo "$output" | jq -r .subject | grep -c '^varied ')" 200
}

@test "append --mbox reads mboxo and mutt's mbox: flags anywhere in the header, --flags added" {
	imapctl mailbox create Mutt >/dev/null
	printf '%s\n' 'From alice@example.com Tue Feb  3 04:05:06 2015' \
	    'Subject: one' 'Status: RO' 'X-Status: F' '' '>From here' 'body' '' \
	    'From bob@example.com Wed Mar  4 05:06:07 2015' 'Subject: two' \
	    'X-Keywords: $Label1, later' '' 'no final line end' >"$D/mutt.mbox"
	run --separate-stderr imapctl append Mutt --mbox "$D/mutt.mbox" --flags draft
	assert_success
	assert_equal "$(meta Mutt)" '\Draft \Flagged \Seen	2015-02-03T04:05:06Z
$Label1 \Draft later	2015-03-04T05:06:07Z'
	assert_equal "$(imapctl fetch Mutt 1 --raw)" $'Subject: one\r\n\r\nFrom here\r\nbody\r'
	# --date gives every message that date instead.
	run imapctl append Mutt --mbox "$D/mutt.mbox" --date 2020-01-02
	assert_success
	assert_equal "$(imapctl fetch Mutt 3:4 -o jsonl | jq -r .internaldate | sort -u)" 2020-01-02T00:00:00Z
}

@test "append --mbox: a message that cannot be sent is named, the others are appended (65)" {
	imapctl mailbox create Bad >/dev/null
	{ printf 'From a Tue Feb  3 04:05:06 2015\nSubject: 1\n\nok\n\n'
	  printf 'From a Tue Feb  3 04:05:06 2015\nSubject: 2\n\nN\0L\n\n'
	  printf 'From a Tue Feb  3 04:05:06 2015\nSubject: 3\n\nok\n'; } >"$D/nul.mbox"
	run --separate-stderr imapctl append Bad --mbox "$D/nul.mbox"
	assert_failure 65
	assert_equal "$(echo "$output" | cut -f3,6)" $'1\t1\n2\t11'
	[[ $stderr == *"'$D/nul.mbox' line 6: the message holds a NUL byte"* ]]
	[[ $stderr == *"not appended, or not confirmed: '$D/nul.mbox' line 6"* ]]
	assert_equal "$(srv_count Bad)" 2
}

@test "append --mbox refused by the server: what was in flight and the rest of the mbox are named (69)" {
	imapctl fetch Varied 1:30 --raw >"$D/30.mbox"
	run --separate-stderr imapctl append NoSuchBox --mbox "$D/30.mbox"
	assert_failure 69
	assert_equal "$output" ""
	[[ $stderr == *"'$D/30.mbox' line 1: "*"[TRYCREATE]"* ]]
	[[ $stderr == *"not appended, or not confirmed: '$D/30.mbox' line 1, "*"; every message of '$D/30.mbox' from line "*" on"* ]]
}

@test "append --mbox: not an mbox (65), --max counted first even from a pipe, --dry-run" {
	imapctl mailbox create Max >/dev/null
	printf 'Subject: x\n\nnot an mbox\n' >"$D/plain.eml"
	run --separate-stderr imapctl append Max --mbox "$D/plain.eml"
	assert_failure 65
	[[ $stderr == *"is not an mbox: line 1 is not a \"From \" line"* ]]
	imapctl fetch Varied 1:5 --raw >"$D/five.mbox"
	run --separate-stderr imapctl append Max --mbox --max 4 <"$D/five.mbox"
	assert_failure 65
	[[ $stderr == *"the mbox holds 5 messages, more than --max 4"* ]]
	run --separate-stderr bash -c 'cat | "$0" "$@"' "$IMAPCTL" \
	    $(imapctl_args) append Max --mbox --max 5 - <"$D/five.mbox"
	assert_success
	assert_equal "$(echo "$output" | wc -l)" 5
	run --separate-stderr imapctl append Max --mbox "$D/five.mbox" --dry-run -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.uid, .line]' | head -2)" $'[null,1]\n[null,'"$(grep -n '^From MAILER' "$D/five.mbox" | sed -n 2p | cut -d: -f1)"']'
	assert_equal "$(srv_count Max)" 5
}

@test "fetch --maildir: a Maildir++ folder, each message once, 0600, named by UIDVALIDITY and UID" {
	md=$D/md
	run --separate-stderr imapctl fetch Varied all --maildir "$md" -o jsonl
	assert_success
	assert_equal "$(echo "$output" | wc -l)" 1000
	uv=$(srv_uidvalidity Varied)
	# One Maildir++ folder a mailbox: ".Varied" under the top.
	assert_equal "$(ls -A "$md/.Varied" | tr '\n' ' ')" "cur dovecot-keywords new tmp "
	assert_equal "$(ls "$md/.Varied/cur" | wc -l)" 1000
	assert_equal "$(find "$md/.Varied/tmp" "$md/.Varied/new" -type f | wc -l)" 0
	assert_equal "$(find "$md/.Varied/cur" -type f ! -perm 600 | wc -l)" 0
	# The record names the file; the file's name its message and flags;
	# its mtime is the internal date.
	rec=$(echo "$output" | jq -c 'select(.uid == 7)')
	f=$(echo "$rec" | jq -r .file)
	[[ $f == "$md/.Varied/cur/"*".I${uv}U7.imapctl:2,"* ]]
	want=$(imapctl fetch Varied 7 -o json | jq -r '.[0].internaldate | fromdate')
	assert_equal "$(stat -c %Y "$f")" "$want"
	assert_equal "${f%%.I*}" "$md/.Varied/cur/$want"
	# Line ends are LF, as mail readers expect in a Maildir.
	assert_equal "$(grep -c $'\r$' "$f")" 0
}

@test "append --maildir: the Maildir comes back with bytes, flags and dates all equal" {
	md=$D/md
	imapctl fetch Varied all --maildir "$md" >/dev/null
	imapctl mailbox create FromMaildir >/dev/null
	run --separate-stderr imapctl append FromMaildir --maildir "$md/.Varied"
	assert_success
	assert_equal "$(echo "$output" | wc -l)" 1000
	assert_equal "$(meta FromMaildir)" "$(meta Varied)"
	run same_bytes Varied FromMaildir
	assert_success
	assert_output "1000 0"
}

@test "fetch --maildir again writes only what is new; a new UIDVALIDITY is refused (65)" {
	imapctl mailbox create Inc >/dev/null
	imapctl append Inc "$FIXTURES"/inbox-1-*.eml "$FIXTURES"/projects-2024-2-*.eml >/dev/null
	md=$D/md
	run --separate-stderr imapctl fetch Inc all --maildir "$md"
	assert_success
	assert_equal "${#lines[@]}" 2
	# A cron line: the second run finds everything written.
	run --separate-stderr imapctl fetch Inc all --maildir "$md"
	assert_success
	assert_equal "$output" ""
	# A UID named on its own that is in the Maildir is no "not found".
	run --separate-stderr imapctl fetch Inc 1 --maildir "$md"
	assert_success
	assert_equal "$stderr" ""
	imapctl append Inc "$FIXTURES"/inbox-1-*.eml >/dev/null
	imapctl flag Inc 1 --add flagged >/dev/null
	run --separate-stderr imapctl fetch Inc all --maildir "$md"
	assert_success
	assert_equal "$(echo "$output" | cut -f1)" 3
	assert_equal "$(ls "$md/.Inc/cur" | wc -l)" 3
	# The mailbox made anew: its UIDs name other messages.
	imapctl mailbox delete Inc >/dev/null
	imapctl mailbox create Inc >/dev/null
	imapctl append Inc "$FIXTURES"/inbox-1-*.eml >/dev/null
	run --separate-stderr imapctl fetch Inc all --maildir "$md"
	assert_failure 65
	[[ $stderr == *"'$md/.Inc' holds messages of 'Inc' with UIDVALIDITY "*", but the mailbox's is now "*"Nothing was written"* ]]
	assert_equal "$output" ""
	assert_equal "$(ls "$md/.Inc/cur" | wc -l)" 3
}

@test "fetch --maildir: INBOX is the top, Lists/x is .Lists.x; append reads another program's Maildir" {
	md=$D/md
	imapctl mailbox create Lists/x >/dev/null
	imapctl append Lists/x "$FIXTURES"/inbox-1-*.eml >/dev/null
	run --separate-stderr imapctl fetch INBOX 1 --maildir "$md"
	assert_success
	[ -d "$md/cur" ]
	[[ $output == *"$md/cur/"* ]]
	run --separate-stderr imapctl fetch Lists/x all --maildir "$md"
	assert_success
	[[ $output == *"$md/.Lists.x/cur/"* ]]
	# mutt's names: flags in the info, the date is the mtime; new/ too.
	mkdir -p "$D/mutt/cur" "$D/mutt/new" "$D/mutt/tmp"
	printf 'Subject: a\n\nA\n' >"$D/mutt/cur/1700000000.M1P2.host:2,FS"
	printf 'Subject: b\n\nB\n' >"$D/mutt/new/1700000001.M3P4.host"
	touch -d @1600000000 "$D/mutt/cur/1700000000.M1P2.host:2,FS"
	touch -d @1600000100 "$D/mutt/new/1700000001.M3P4.host"
	imapctl mailbox create Mutt2 >/dev/null
	run --separate-stderr imapctl append Mutt2 --maildir "$D/mutt"
	assert_success
	assert_equal "$(meta Mutt2)" $'\\Flagged \\Seen\t2020-09-13T12:26:40Z\n\t2020-09-13T12:28:20Z'
	# Files named on the command line, with --flags added.
	run --separate-stderr imapctl append Mutt2 --maildir "$D/mutt/cur/1700000000.M1P2.host:2,FS" --flags answered
	assert_success
	assert_equal "$(meta Mutt2 | tail -1)" $'\\Answered \\Flagged \\Seen\t2020-09-13T12:26:40Z'
}

@test "--maildir: what does not go with it is a usage error (64)" {
	run --separate-stderr imapctl fetch INBOX all --maildir "$D/m" --text
	assert_failure 64
	run --separate-stderr imapctl fetch INBOX all --maildir "$D/m" --save "$D"
	assert_failure 64
	run --separate-stderr imapctl append INBOX --maildir
	assert_failure 64
	run --separate-stderr imapctl append INBOX --maildir --mbox "$D"
	assert_failure 64
	run --separate-stderr imapctl append INBOX --maildir "$D/nothing-here"
	assert_failure 66
}
