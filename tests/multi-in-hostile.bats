#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# search --in against the scripted hostile server (plain SEARCH, no
# ESEARCH): a mailbox that LIST named and that is gone when it is
# examined, while the server, as a careless one would, answers the search
# that follows with the mailbox selected before.

load helpers
load hostile/hostile

setup_file() {
	imapctl_isolate
	export IMAPCTL_PASSWORD=secret
}

teardown() { hostile_stop || true; }

ctl() {
	"$IMAPCTL" --host 127.0.0.1 --port "$HOSTILE_PORT" --user hostile \
		--tls none --timeout 10 "$@"
}

@test "a mailbox gone between LIST and EXAMINE: reported, its stale answer dropped, the others printed" {
	hostile_start script --timeout 10 --script "$(hostile_script vanish \
		greeting \
		'serve-until EXAMINE Sent' \
		'reply NO [NONEXISTENT] Mailbox does not exist: Sent' \
		serve)"
	run --separate-stderr ctl search --in INBOX --in Sent --in Trash -o jsonl
	assert_failure 69
	assert_equal "$(jq -c '[.mailbox,.uidvalidity,.uid]' <<<"$output" | paste -sd' ')" \
		'["INBOX",1700000001,1] ["INBOX",1700000001,2] ["INBOX",1700000001,3]'
	assert_equal "$stderr" "imapctl: search: cannot open mailbox 'Sent': Mailbox does not exist: Sent [NONEXISTENT]"
	hostile_wait
	# Every EXAMINE and its SEARCH went before the first answer came:
	# the server read them all before it answered the first EXAMINE.
	grep -a -c 'EXAMINE' "$HOSTILE_RECORD" | grep -qx 3
	tr -d '\r' <"$HOSTILE_RECORD" | sed -n 's/^A[0-9]* //p' | tail -7 | paste -sd'|' |
		grep -qx 'EXAMINE INBOX|UID SEARCH ALL|EXAMINE Sent|UID SEARCH ALL|EXAMINE Trash|UID SEARCH ALL|LOGOUT'
	# --count says the same, with the gone mailbox left out of it.
	hostile_start script --timeout 10 --script "$BATS_TEST_TMPDIR/vanish"
	run --separate-stderr ctl search --in INBOX --in Sent --in Trash --count
	assert_failure 69
	assert_equal "$output" "INBOX	1700000001	3
Trash	1700000005	0
3"
}

@test "a search refused in one mailbox: reported, the others printed" {
	hostile_start script --timeout 10 --script "$(hostile_script refused \
		greeting \
		'serve-until EXAMINE Trash' \
		handle \
		'expect UID SEARCH' \
		'reply NO [SERVERBUG] Search failed.' \
		serve)"
	run --separate-stderr ctl search --in INBOX --in Trash -o jsonl
	assert_failure 69
	assert_equal "$(jq -c '.uid' <<<"$output" | paste -sd' ')" '1 2 3'
	assert_equal "$stderr" "imapctl: search: searching 'Trash': Search failed. [SERVERBUG]"
}

@test "--in '*' with plain SEARCH: every mailbox examined, in name order" {
	hostile_start ok --timeout 10
	run --separate-stderr ctl --debug search --in '*' -o jsonl
	assert_success
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output" | paste -sd' ')" \
		'["INBOX",1] ["INBOX",2] ["INBOX",3]'
	assert_equal "$(grep '^C: A[0-9]* EXAMINE' <<<"$stderr" | cut -d' ' -f4 | paste -sd' ')" \
		'Archive Drafts INBOX Sent Trash &AMk-t&AOk-'
}

@test "--sort without SEARCHRES: the keys in a second pass, pipelined as the first" {
	hostile_start ok --timeout 10
	run --separate-stderr ctl --debug search --in INBOX --in Trash --in Sent --sort -date -o jsonl
	assert_success
	assert_equal "$(jq -c '.uid' <<<"$output" | sort | paste -sd' ')" '1 2 3'
	# Only the mailbox that matched is examined again for its keys.
	assert_equal "$(grep -c '^C: A[0-9]* EXAMINE INBOX$' <<<"$stderr")" 2
	assert_equal "$(grep -c '^C: A[0-9]* EXAMINE Trash$' <<<"$stderr")" 1
	[[ $stderr == *"C: A"*" UID FETCH 1:3 (UID INTERNALDATE)"* ]]
}

@test "fetch --in: a mailbox gone before its fetch is reported, and what a careless server sends for it is dropped" {
	hostile_start script --timeout 10 --script "$(hostile_script gone \
		'fill Archive 2' \
		greeting \
		'serve-until EXAMINE Archive' \
		handle \
		'serve-until EXAMINE Archive' \
		'reply NO [NONEXISTENT] Mailbox does not exist: Archive' \
		serve)"
	run --separate-stderr ctl fetch --in Archive --in INBOX all -o jsonl
	assert_failure 69
	# The server left INBOX selected and answered Archive's FETCH with
	# INBOX's messages: none of that is printed as Archive's.
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output" | paste -sd' ')" \
		'["INBOX",1] ["INBOX",2] ["INBOX",3]'
	assert_equal "$stderr" "imapctl: fetch: cannot open mailbox 'Archive': Mailbox does not exist: Archive [NONEXISTENT]"
	hostile_wait
	# Each EXAMINE went in one write with the UID FETCH behind it.
	tr -d '\r' <"$HOSTILE_RECORD" | sed -n 's/^A[0-9]* //p' | tail -5 | sed 's/ (.*//' | paste -sd'|' |
		grep -qx 'EXAMINE Archive|UID FETCH 1:2|EXAMINE INBOX|UID FETCH 1:3|LOGOUT'
}

@test "fetch --in: a mailbox whose UIDVALIDITY changed since the search: reported, nothing of it fetched" {
	hostile_start script --timeout 10 --script "$(hostile_script uv \
		'fill Archive 2' \
		greeting \
		'serve-until EXAMINE Archive' \
		handle \
		'serve-until EXAMINE Archive' \
		'send * 2 EXISTS' \
		'send * OK [UIDVALIDITY 99] UIDs not valid' \
		'reply OK [READ-ONLY] Examine completed.' \
		serve)"
	run --separate-stderr ctl fetch --in Archive --in INBOX all --raw
	assert_failure 65
	assert_equal "$(grep -c '^From ' <<<"$output")" 3
	[[ $stderr == "imapctl: fetch: mailbox 'Archive' changed its UIDVALIDITY from "*" to 99 while it was searched" ]]
}
