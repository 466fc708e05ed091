#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# search against the scripted hostile server: answers that lie about how
# much matched, that do not parse, or that stop half-way, end in a clear
# error and no partial records, never in billions of lines.

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

@test "baseline: the hostile server's plain SEARCH" {
	hostile_start ok --timeout 10
	run --separate-stderr ctl search INBOX flagged -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.mailbox,.uidvalidity,.uid]')" '["INBOX",1700000001,3]'
}

@test "an ESEARCH answer naming more messages than the mailbox holds: 76" {
	hostile_start script --add-cap ESEARCH --timeout 10 --script "$(hostile_script lie \
		greeting \
		'serve-until UID SEARCH' \
		'send * ESEARCH (TAG "{tag}") UID ALL 1:4294967294' \
		'reply OK Search completed.' \
		serve)"
	run --separate-stderr ctl search INBOX
	assert_failure 76
	assert_output ""
	assert_equal "$stderr" "imapctl: search: server named more messages than the mailbox holds"
}

@test "an ESORT answer naming more messages than the mailbox holds: 76" {
	hostile_start script --add-cap "SORT ESORT" --timeout 10 --script "$(hostile_script lie \
		greeting \
		'serve-until UID SORT' \
		'send * ESEARCH (TAG "{tag}") UID ALL 4294967294:1' \
		'reply OK Sort completed.' \
		serve)"
	run --separate-stderr ctl search INBOX --sort -date
	assert_failure 76
	assert_equal "$stderr" "imapctl: search: server named more messages than the mailbox holds"
	assert_output ""
}

@test "a SEARCH answer that does not parse: 76, nothing printed" {
	hostile_start script --timeout 10 --script "$(hostile_script bad \
		greeting \
		'serve-until UID SEARCH' \
		'send * SEARCH 1 two 3' \
		'reply OK Search completed.' \
		serve)"
	run --separate-stderr ctl search INBOX
	assert_failure 76
	assert_output ""
	assert_equal "$stderr" "imapctl: search: server sent a bad SEARCH result"
}

@test "a bad ESEARCH set: 76" {
	hostile_start script --add-cap ESEARCH --timeout 10 --script "$(hostile_script bad \
		greeting \
		'serve-until UID SEARCH' \
		'send * ESEARCH (TAG "{tag}") UID ALL 1:*' \
		'reply OK Search completed.' \
		serve)"
	run --separate-stderr ctl search INBOX
	assert_failure 76
	assert_equal "$stderr" "imapctl: search: server sent a bad ESEARCH result"
}

@test "UID 4294967295 is a UID in ESEARCH's ALL as in SEARCH" {
	# The highest UID there can be: both answers name it alike.
	hostile_start script --timeout 10 --script "$(hostile_script plain \
		greeting \
		'serve-until UID SEARCH' \
		'send * SEARCH 2 4294967295' \
		'reply OK Search completed.' \
		serve)"
	run --separate-stderr ctl search INBOX
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(cut -f3 <<<"$output" | paste -sd' ')" "2 4294967295"
	plain=$output
	hostile_stop || true
	hostile_start script --add-cap ESEARCH --timeout 10 --script "$(hostile_script all \
		greeting \
		'serve-until UID SEARCH' \
		'send * ESEARCH (TAG "{tag}") UID ALL 2,4294967295' \
		'reply OK Search completed.' \
		serve)"
	run --separate-stderr ctl search INBOX
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$output" "$plain"
}

@test "BYE in the middle of a search: 74, nothing printed" {
	hostile_start script --timeout 10 --script "$(hostile_script bye \
		greeting \
		'serve-until UID SEARCH' \
		'send * SEARCH 1 2' \
		'send * BYE shutting down' \
		close)"
	run --separate-stderr ctl search INBOX
	assert_failure 74
	assert_output ""
	[[ $stderr == "imapctl: search: "*"shutting down"* ]]
}

@test "a bad INTERNALDATE while deciding older: here: 76" {
	# No WITHIN: the messages near the cutoff have their dates fetched.
	hostile_start script --timeout 10 --script "$(hostile_script date \
		greeting \
		'serve-until UID SEARCH' \
		'send * SEARCH 2' \
		'reply OK Search completed.' \
		'expect UID FETCH 2 (UID INTERNALDATE)' \
		'send * 2 FETCH (UID 2 INTERNALDATE "yesterday")' \
		'reply OK Fetch completed.' \
		serve)"
	run --separate-stderr ctl search INBOX older:1d
	assert_failure 76
	assert_output ""
	assert_equal "$stderr" "imapctl: search: server sent a bad INTERNALDATE"
}

@test "a refused search is the server's error, with its code" {
	hostile_start script --timeout 10 --script "$(hostile_script no \
		greeting \
		'serve-until UID SEARCH' \
		'reply NO [BADCHARSET (US-ASCII)] Charset not supported.' \
		serve)"
	run --separate-stderr ctl search INBOX subject:Grüße
	assert_failure 69
	assert_equal "$stderr" "imapctl: search: the server searches only ASCII text (it refused CHARSET UTF-8), and the term 'subject:Grüße' is not ASCII: Charset not supported. [BADCHARSET]"
	hostile_stop || true
	grep -aq 'CHARSET UTF-8 SUBJECT {7' "$HOSTILE_RECORD"
}

@test "a plain SEARCH answer longer than a line may be: every UID, in order" {
	# Without ESEARCH the server names each match on one line: 1.3 million
	# UIDs are 9 MB, past the 8 MiB a line may hold. Such a line is taken
	# in pieces as it comes.
	local f=$BATS_TEST_TMPDIR/many
	{
		printf '%s\n' greeting 'serve-until EXAMINE' \
			'send * 1300000 EXISTS' \
			'send * OK [UIDVALIDITY 1700000001] UIDs valid' \
			'send * OK [UIDNEXT 1300001] Predicted next UID' \
			'reply OK [READ-ONLY] Examine completed.' \
			'serve-until UID SEARCH'
		printf 'send * SEARCH '
		seq 1300000 | paste -sd' '
		printf '%s\n' 'reply OK Search completed.' serve
	} >"$f"
	[ "$(stat -c %s "$f")" -gt $((8 << 20)) ]
	hostile_start script --timeout 60 --script "$f"
	run --separate-stderr ctl --timeout 60 search INBOX unseen
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 1300000
	assert_equal "$(printf '%s\n' "$output" | sed -n '1p;$p' | cut -f3 | paste -sd' ')" "1 1300000"
	assert_equal "$(printf '%s\n' "$output" | cut -f3 | awk '$1 != NR' | head -1)" ""
}

@test "raw prints a long SEARCH line as the one record it is; traces show it once" {
	local f=$BATS_TEST_TMPDIR/raw i
	{
		for i in 1 2; do
			[ $i = 1 ] || echo connection
			printf '%s\n' greeting 'serve-until UID SEARCH'
			printf 'send * SEARCH '
			seq 20000 | paste -sd' '
			printf '%s\n' 'reply OK Search completed.' serve
		done
	} >"$f"
	hostile_start script --timeout 10 --connections 2 --script "$f"
	run --separate-stderr ctl --debug raw --select INBOX UID SEARCH ALL -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c 'select(.type == "SEARCH") | [(.args | length), .args[0], .args[-1]]')" '[20000,"1","20000"]'
	assert_equal "$(printf '%s\n' "$stderr" | grep -c '^S: \* SEARCH ')" 1
	# search takes the line in pieces; its trace still names SEARCH once,
	# and its pieces joined are the line.
	run --separate-stderr ctl --debug search INBOX --count
	assert_success
	assert_output 20000
	assert_equal "$(printf '%s\n' "$stderr" | grep -c '^S: \* SEARCH ')" 1
	assert_equal "$(printf '%s\n' "$stderr" | sed -n '/^S: \* SEARCH /,/^S: A/p' | sed '$d; s/^S: //; s/^\* SEARCH //' | tr ' ' '\n' | grep -c .)" 20000
}

@test "a sort here whose FETCH brings no dates: no match, nothing sorted" {
	# No SORT: the dates of what SEARCH found are fetched and sorted here;
	# a server that answers the FETCH with nothing leaves nothing to sort.
	hostile_start script --timeout 10 --script "$(hostile_script nodates \
		greeting 'serve-until UID FETCH' 'reply OK Fetch completed.' serve)"
	run --separate-stderr ctl search INBOX all --sort -date --limit 2
	# No match: 1, as grep.
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" ""
}

@test "a count answered with a plain SEARCH counts what it names" {
	# Asked for ESEARCH's COUNT, the server lists the matches instead.
	hostile_start script --add-cap ESEARCH --timeout 10 --script "$(hostile_script plain \
		greeting 'serve-until UID SEARCH' 'send * SEARCH 1 2 3' \
		'reply OK Search completed.' serve)"
	run --separate-stderr ctl search INBOX all --count
	assert_success
	assert_output 3
	assert_equal "$stderr" ""
}

# twice CAPS ANSWER...: a server (with the capabilities CAPS added, "" for
# none) that answers the first UID SEARCH with the ANSWER lines, then as
# it should; INBOX holds UIDs 1, 2 and 3.
twice() {
	local caps=$1 l lines=()
	shift
	for l in "$@"; do
		lines+=("send $l")
	done
	hostile_start script --timeout 10 ${caps:+--add-cap "$caps"} --script \
		"$(hostile_script twice greeting 'serve-until UID SEARCH' \
		"${lines[@]}" 'reply OK Search completed.' serve)"
}

@test "a UID a SEARCH names twice is one match: listed, counted and acted on once" {
	# In one answer, and again in a second answer to the same command.
	twice "" '* SEARCH 1 1 2' '* SEARCH 2'
	run --separate-stderr ctl search INBOX all -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c -s '[.[].uid]')" '[1,2]'
	hostile_stop || true
	# --count, asked of ESEARCH and answered with a plain SEARCH.
	twice ESEARCH '* SEARCH 2 1 2'
	run --separate-stderr ctl search INBOX all --count
	assert_success
	assert_output 2
	assert_equal "$stderr" ""
	hostile_stop || true
	# --in, a count a mailbox and the total.
	twice "" '* SEARCH 1 2' '* SEARCH 2 2'
	run --separate-stderr ctl search --in INBOX all --count
	assert_success
	assert_output $'INBOX\t1700000001\t2\n2'
	hostile_stop || true
	twice "" '* SEARCH 3 3'
	run --separate-stderr ctl search --in INBOX all -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c -s '[.[].uid]')" '[3]'
	hostile_stop || true
	# What acts on the matches acts on each once.
	twice "" '* SEARCH 2 2 3 2'
	run --separate-stderr ctl flag INBOX --query all --add '\Flagged' -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c -s '[.[].uid]')" '[2,3]'
	hostile_stop || true
	twice "" '* SEARCH 1 1'
	run --separate-stderr ctl fetch INBOX --query all -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c -s '[.[].uid]')" '[1]'
}

@test "ranges of ESEARCH's ALL that overlap name each UID once, counted once" {
	twice ESEARCH '* ESEARCH (TAG "{tag}") UID ALL 1:2,2:3,3'
	run --separate-stderr ctl search INBOX all --count
	assert_success
	assert_output 3
	hostile_stop || true
	twice ESEARCH '* ESEARCH (TAG "{tag}") UID ALL 2,1:2'
	run --separate-stderr ctl search --in INBOX all --count
	assert_success
	assert_output $'INBOX\t1700000001\t2\n2'
}

@test "a UID a SORT names twice is given once, where it came first" {
	hostile_start script --add-cap SORT --timeout 10 --script "$(hostile_script sort \
		greeting 'serve-until UID SORT' 'send * SORT 2 1 2 1' \
		'reply OK Sort completed.' serve)"
	run --separate-stderr ctl search INBOX all --sort -date -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c -s '[.[].uid]')" '[2,1]'
	assert_equal "$stderr" ""
}
