#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# search: the query language against the real Dovecot (which offers
# ESEARCH, SORT, ESORT and WITHIN), the options, every output format, and
# the naming guard of uid:- and --uidvalidity. search-noext.bats runs the
# same searches against a server that offers none of those extensions.
#
# Mail: the seed (INBOX UIDs 1-5, see tests/dovecot/seed) plus the Search
# and Recent mailboxes of tests/dovecot/seed-search.

load helpers

setup_file() {
	dovecot_setup_file
	"$PYTHON" "$TESTS_DIR/dovecot/seed-search" "$DOVECOT_STATEDIR" 3>&-
}
teardown_file() { dovecot_teardown_file; }

MAN=$BATS_TEST_DIRNAME/../man/imapctl.1

# found MAILBOX [ARGS...]: the UIDs search prints, on one line. Status 0
# or 1 (nothing matched) and silence on stderr are required.
found() {
	run --separate-stderr imapctl search "$@"
	if [ "$status" -gt 1 ] || [ -n "$stderr" ]; then
		echo "status $status: $stderr"
		return
	fi
	[ "$status" -eq 1 ] && [ -n "$output" ] && echo "output with status 1"
	echo "$output" | cut -f3 | paste -sd' '
}

# The commands imapctl sent, from a --debug run's stderr.
sent() {
	printf '%s\n' "$stderr" | sed -n 's/^C: A[0-9]* //p'
}

@test "search without a query names every message: mailbox, uidvalidity, uid" {
	run --separate-stderr imapctl search INBOX
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 5
	uv=$(imapctl status INBOX -o json | jq '.[0].uidvalidity')
	assert_line --index 0 "INBOX	$uv	1"
	assert_line --index 4 "INBOX	$uv	5"
}

@test "search records in json, jsonl and xml" {
	run --separate-stderr imapctl search INBOX from:carol -o json
	assert_success
	uv=$(imapctl status INBOX -o json | jq '.[0].uidvalidity')
	assert_equal "$(echo "$output" | jq -c .)" "[{\"mailbox\":\"INBOX\",\"uidvalidity\":$uv,\"uid\":1},{\"mailbox\":\"INBOX\",\"uidvalidity\":$uv,\"uid\":5}]"
	run --separate-stderr imapctl search INBOX from:carol -o jsonl
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,5]'
	run --separate-stderr imapctl search 'Café' -o json
	assert_failure 1
	assert_equal "$output" "[]"
	run --separate-stderr imapctl search INBOX unseen -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'count(/imapctl[@command="search"]/message)' -)" 3
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/message[3]/uid)' -)" 5
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/message[1]/mailbox)' -)" INBOX
	run --separate-stderr imapctl search 'Café' -o xml
	assert_failure 1
	echo "$output" | xmllint --noout -
}

@test "address, text and header terms" {
	assert_equal "$(found Search from:alerts@)" "1 4"
	assert_equal "$(found Search to:ops@example.org)" "1 4"
	assert_equal "$(found Search cc:boss)" "1"
	assert_equal "$(found Search bcc:audit)" "1"
	assert_equal "$(found Search subject:db1)" "1 4"
	assert_equal "$(found Search 'subject:disk full')" "1"
	assert_equal "$(found Search body:lorem)" "2"
	assert_equal "$(found Search text:good)" "4"
	assert_equal "$(found Search text:news@)" "2"
	assert_equal "$(found Search header:X-Spam:yes)" "1"
	assert_equal "$(found Search header:X-Spam:)" "1"
	assert_equal "$(found Search header:Message-ID:koeln)" "3"
	assert_equal "$(found INBOX from:carol to:alice)" "1 5"
}

@test "date terms: since, before, on" {
	assert_equal "$(found INBOX since:2024-03-04)" "3 4 5"
	assert_equal "$(found INBOX before:2024-03-02)" "1"
	assert_equal "$(found INBOX on:2024-03-05)" "4"
	assert_equal "$(found INBOX since:2024-03-02 before:2024-03-05)" "2 3"
	assert_equal "$(found Projects/2024 before:2024-02-01)" "1"
}

@test "older: and newer: are WITHIN's OLDER and YOUNGER" {
	# Recent: UIDs 1-7 arrived 240, 73, 49, 47, 25, 23 and 2 hours ago.
	assert_equal "$(found Recent older:1d)" "1 2 3 4 5"
	assert_equal "$(found Recent newer:1d)" "6 7"
	assert_equal "$(found Recent newer:24h)" "6 7"
	assert_equal "$(found Recent older:2d)" "1 2 3"
	assert_equal "$(found Recent older:1d newer:4d)" "2 3 4 5"
	assert_equal "$(found Recent older:1w)" "1"
	assert_equal "$(found Recent newer:3h)" "7"
	assert_equal "$(found Recent newer:90min)" ""
	assert_equal "$(found Recent newer:3600s)" ""
	assert_equal "$(found Recent older:1y)" ""
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Recent older:1d newer:2w
	assert_success
	assert_equal "$(sent | grep SEARCH)" "UID SEARCH RETURN (ALL) OLDER 86400 YOUNGER 1209600"
}

@test "durations: s min h d w mo y; a bare m is refused with a hint, before connecting" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Recent older:90min newer:1.5h
	assert_failure 1
	assert_equal "$(sent | grep SEARCH)" "UID SEARCH RETURN (ALL) OLDER 5400 YOUNGER 5400"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Recent older:6mo newer:1y
	assert_failure 1
	assert_equal "$(sent | grep SEARCH)" "UID SEARCH RETURN (ALL) OLDER 15552000 YOUNGER 31536000"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Recent older:2w newer:30s
	assert_failure 1
	assert_equal "$(sent | grep SEARCH)" "UID SEARCH RETURN (ALL) OLDER 1209600 YOUNGER 30"
	assert_equal "$(found Recent newer:3d)" "3 4 5 6 7"
	# Gmail's 6m is six months: the query says which it means, or
	# nothing is sent. The port is closed: the error comes first.
	for q in older:6m newer:90m; do
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 search INBOX "$q"
		assert_failure 64
		n=${q#*:}
		n=${n%m}
		assert_equal "${stderr_lines[0]}" "imapctl: search: query term '$q': bad duration: ${n}m is ambiguous: use ${n}min or ${n}mo"
		assert_equal "${stderr_lines[2]}" "Try 'imapctl search --help'."
	done
	run --separate-stderr imapctl flag INBOX --query older:6m --add seen
	assert_failure 64
	[[ $stderr == *"6m is ambiguous: use 6min or 6mo"* ]]
	run --separate-stderr imapctl search INBOX older:6x
	assert_failure 64
	[[ $stderr == *"query term 'older:6x': bad duration: use a number and s, min, h, d, w, mo or y "* ]]
}

@test "size terms: larger, smaller" {
	assert_equal "$(found Search larger:10k)" "2"
	assert_equal "$(found Search smaller:10k)" "1 3 4"
	assert_equal "$(found INBOX larger:500)" "3 4"
	assert_equal "$(found INBOX smaller:400)" "2"
	assert_equal "$(found INBOX larger:1M)" ""
	assert_equal "$(found INBOX smaller:1G)" "1 2 3 4 5"
}

@test "flag terms, keyword, uid and all" {
	# Search: 1 \Answered, 2 \Deleted $Work, 3 \Draft, 4 \Seen \Flagged
	assert_equal "$(found Search seen)" "4"
	assert_equal "$(found Search unseen)" "1 2 3"
	assert_equal "$(found Search flagged)" "4"
	assert_equal "$(found Search unflagged)" "1 2 3"
	assert_equal "$(found Search answered)" "1"
	assert_equal "$(found Search unanswered)" "2 3 4"
	assert_equal "$(found Search deleted)" "2"
	assert_equal "$(found Search undeleted)" "1 3 4"
	assert_equal "$(found Search draft)" "3"
	assert_equal "$(found Search keyword:\$Work)" "2"
	assert_equal "$(found Search keyword:other)" ""
	assert_equal "$(found Search all)" "1 2 3 4"
	assert_equal "$(found Search uid:2:3)" "2 3"
	assert_equal "$(found Search uid:1,4)" "1 4"
	assert_equal "$(found Search 'uid:*')" "4"
	assert_equal "$(found Search uid:3:*)" "3 4"
	# IMAP reads 9:* as 4:9 here: the term must not name message 4.
	assert_equal "$(found Search uid:9:*)" ""
	assert_equal "$(found Search not uid:9:*)" "1 2 3 4"
	assert_equal "$(found Search uid:9:* or draft)" "3"
	assert_equal "$(found Search uid:2,9:*)" "2"
	assert_equal "$(found Search uid:all)" "1 2 3 4"
	assert_equal "$(found Search uid:7:9)" ""
	assert_equal "$(found Search UNSEEN)" "1 2 3"
}

@test "or, not and parentheses; and binds tighter than or" {
	assert_equal "$(found Search from:alerts or draft)" "1 3 4"
	assert_equal "$(found Search not from:alerts)" "2 3"
	assert_equal "$(found Search from:alerts seen or draft)" "3 4"
	assert_equal "$(found Search from:alerts '(' seen or draft ')')" "4"
	assert_equal "$(found Search '(from:alerts' or 'from:news)' not deleted)" "1 4"
	assert_equal "$(found Search not '(' seen or draft ')')" "1 2"
	assert_equal "$(found Search not not seen)" "4"
	assert_equal "$(found Search seen or draft or deleted)" "2 3 4"
	assert_equal "$(found Search from:alerts and unseen)" "1"
}

@test "non-ASCII text is sent as a UTF-8 literal with CHARSET UTF-8" {
	assert_equal "$(found Search subject:Grüße)" "3"
	assert_equal "$(found Search body:Köln)" "3"
	assert_equal "$(found Search from:Jörg)" "3"
	assert_equal "$(found INBOX subject:München)" "2"
	assert_equal "$(found INBOX 'subject:grüße aus')" "2"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Search subject:Grüße
	assert_success
	assert_equal "$(sent | grep SEARCH)" "UID SEARCH RETURN (ALL) CHARSET UTF-8 SUBJECT {7+}"
	[[ $stderr == *$'\nC: {7 bytes}\n'* ]]
	run --separate-stderr imapctl search Search $'subject:Gr\xfc\xdfe'
	assert_failure 64
	assert_equal "$output" ""
	[[ $stderr == *"is not valid UTF-8"* ]]
}

@test "quotes and backslashes in values go out escaped" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Search 'subject:"say \"hi\" \\o/"'
	assert_failure 1
	assert_equal "$(sent | grep SEARCH)" 'UID SEARCH RETURN (ALL) SUBJECT "say \"hi\" \\o/"'
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Search $'subject:a\r\nA9 DELETE INBOX'
	assert_failure 1
	! sent | grep -q '^DELETE'
	assert_equal "$(imapctl status INBOX -o json | jq '.[0].messages')" 5
}

@test "--raw keys go as they are, ANDed with the query" {
	assert_equal "$(found Search --raw 'OR ANSWERED DRAFT')" "1 3"
	assert_equal "$(found Search from:alerts --raw 'OR ANSWERED DRAFT')" "1"
	assert_equal "$(found Search --raw 'HEADER X-Spam yes')" "1"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Search seen --raw 'NOT DELETED'
	assert_success
	assert_equal "$(sent | grep SEARCH)" "UID SEARCH RETURN (ALL) SEEN (NOT DELETED)"
	run --separate-stderr imapctl search Search --raw $'ALL\r\nA9 DELETE INBOX'
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "imapctl: search: --raw keys must not hold a line break"
	assert_equal "${stderr_lines[2]}" "Try 'imapctl search --help'."
	run --separate-stderr imapctl search Search --raw 'SUBJECT Grüße'
	assert_failure 64
	run --separate-stderr imapctl search Search --raw 'SUBJECT {5}'
	assert_failure 64
	run --separate-stderr imapctl search Search --raw 'BOGUS'
	assert_failure 76
	[[ $stderr == "imapctl: search: "* ]]
}

@test "--count prints one number, with ESEARCH COUNT" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Search --count from:alerts
	assert_success
	assert_output 2
	assert_equal "$(sent | grep SEARCH)" "UID SEARCH RETURN (COUNT) FROM \"alerts\""
	run --separate-stderr imapctl search Search --count from:nobody
	assert_failure 1
	assert_output 0
	run --separate-stderr imapctl search INBOX --count -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c .)" '[{"count":5}]'
	run --separate-stderr imapctl search INBOX --count --limit 3
	assert_output 3
}

@test "--limit N: the first N in UID order, or in the sort order" {
	assert_equal "$(found INBOX --limit 2)" "1 2"
	assert_equal "$(found INBOX unseen --limit 1)" "3"
	assert_equal "$(found INBOX --limit 10)" "1 2 3 4 5"
	assert_equal "$(found INBOX --sort -date --limit 2)" "5 4"
	for bad in 0 -1 x 1.5; do
		run --separate-stderr imapctl search INBOX --limit "$bad"
		assert_failure 64
		[[ $stderr == "imapctl: search: --limit: "*" '$bad'"*$'\n'"usage: imapctl search "* ]]
	done
}

@test "--sort by the server's SORT (ARRIVAL, SIZE) with ESORT" {
	# INBOX sizes: 2 (382) < 1 (404) < 5 (491) < 4 (573) < 3 (749)
	assert_equal "$(found INBOX --sort date)" "1 2 3 4 5"
	assert_equal "$(found INBOX --sort -date)" "5 4 3 2 1"
	assert_equal "$(found INBOX --sort size)" "2 1 5 4 3"
	assert_equal "$(found INBOX --sort -size)" "3 4 5 1 2"
	assert_equal "$(found INBOX --sort -size unseen)" "3 4 5"
	assert_equal "$(found INBOX --sort -size --limit 2)" "3 4"
	assert_equal "$(found Search --sort date)" "1 2 3 4"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search INBOX --sort -size unseen
	assert_success
	assert_equal "$(sent | grep -E 'SORT|SEARCH|FETCH')" "UID SORT RETURN (ALL) (REVERSE SIZE) UTF-8 UNSEEN"
	run --separate-stderr imapctl search INBOX --sort -size -o json
	assert_equal "$(echo "$output" | jq -c 'map(.uid)')" '[3,4,5,1,2]'
	run --separate-stderr imapctl search INBOX --sort name
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "imapctl: search: bad --sort 'name': use date, size, subject or from, with - before for the reverse"
	assert_equal "${stderr_lines[2]}" "Try 'imapctl search --help'."
	run --separate-stderr imapctl search INBOX --sort date from:nobody
	assert_failure 1
	assert_output ""
}

@test "nothing matched is exit 1 with no output" {
	run --separate-stderr imapctl search INBOX from:nobody@nowhere
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr imapctl search INBOX from:nobody -o jsonl
	assert_failure 1
	assert_output ""
}

@test "a bad query is exit 64 naming the term and listing the valid ones" {
	run --separate-stderr imapctl search INBOX from:carol frm:bob
	assert_failure 64
	assert_output ""
	[[ $stderr == "imapctl: search: unknown query term 'frm:bob'; valid terms: from:TEXT to:TEXT cc:TEXT "* ]]
	[[ ${stderr_lines[0]} == *" header:NAME:VALUE since:YYYY-MM-DD "*" sent:YYYY-MM-DD older:DURATION "*" keyword:K uid:SET all has:attachment gmail:RAW; combined with or, not and ( )" ]]
	# Then the usage line and where to look, as for every usage error.
	assert_equal "${#stderr_lines[@]}" 3
	run --separate-stderr imapctl search INBOX since:2024-02-30
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "imapctl: search: query term 'since:2024-02-30': bad date: use YYYY-MM-DD"
	assert_equal "${stderr_lines[2]}" "Try 'imapctl search --help'."
	run --separate-stderr imapctl search INBOX older:3
	assert_failure 64
	[[ $stderr == *"query term 'older:3': bad duration"* ]]
	run --separate-stderr imapctl search INBOX '(' seen
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "imapctl: search: query has a '(' without its ')'"
	assert_equal "${stderr_lines[2]}" "Try 'imapctl search --help'."
	run --separate-stderr imapctl search INBOX seen or
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "imapctl: search: 'or' in a query needs a term on each side"
	assert_equal "${stderr_lines[2]}" "Try 'imapctl search --help'."
	run --separate-stderr imapctl search INBOX 'keyword:a b'
	assert_failure 64
	run --separate-stderr imapctl search INBOX uid:0
	assert_failure 64
	[[ $stderr == *"bad UID set '0'"* ]]
}

@test "gmail: needs a server with X-GM-EXT-1" {
	run --separate-stderr imapctl search INBOX gmail:is:unread
	assert_failure 64
	assert_equal "$stderr" "imapctl: search: query term 'gmail:is:unread': the server does not offer Gmail's search (X-GM-EXT-1)"
}

@test "a mailbox that does not exist is exit 69" {
	run --separate-stderr imapctl search Nope
	assert_failure 69
	[[ $stderr == "imapctl: search: cannot open mailbox 'Nope': "* ]]
}

@test "search opens the mailbox read-only and changes nothing" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search INBOX unseen
	assert_success
	assert_equal "$(sent | grep -E '^(SELECT|EXAMINE)')" "EXAMINE INBOX (CONDSTORE)"
	run imapctl status INBOX -o json
	assert_equal "$(echo "$output" | jq '.[0].unseen')" 3
}

@test "uid:- reads the records search prints, bare UIDs and -o json" {
	imapctl search Search from:alerts -o jsonl >"$BATS_TEST_TMPDIR/alerts"
	run --separate-stderr imapctl search Search uid:- seen <"$BATS_TEST_TMPDIR/alerts"
	assert_success
	assert_equal "$(echo "$output" | cut -f3)" 4
	imapctl search Search unseen -o json >"$BATS_TEST_TMPDIR/unseen.json"
	run --separate-stderr imapctl search Search uid:- not draft <"$BATS_TEST_TMPDIR/unseen.json"
	assert_success
	assert_equal "$(echo "$output" | cut -f3 | paste -sd' ')" "1 2"
	printf '3\n4\n\n9\n' >"$BATS_TEST_TMPDIR/bare"
	run --separate-stderr imapctl search Search uid:- <"$BATS_TEST_TMPDIR/bare"
	assert_success
	assert_equal "$(echo "$output" | cut -f3 | paste -sd' ')" "3 4"
	# Empty input names nothing.
	run --separate-stderr imapctl search Search uid:- </dev/null
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr imapctl search Search uid:- or seen </dev/null
	assert_success
	assert_equal "$(echo "$output" | cut -f3)" 4
}

@test "uid:- refuses records of another mailbox and lines that do not parse" {
	imapctl search INBOX -o jsonl >"$BATS_TEST_TMPDIR/inbox"
	run --separate-stderr imapctl search Search uid:- <"$BATS_TEST_TMPDIR/inbox"
	assert_failure 65
	assert_output ""
	assert_equal "$stderr" "imapctl: search: standard input line 1: the record is from mailbox 'INBOX', not 'Search'"
	printf '1\nfoo\n' >"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr imapctl search Search uid:- <"$BATS_TEST_TMPDIR/bad"
	assert_failure 65
	assert_equal "$stderr" "imapctl: search: standard input line 2: not a UID, a text record (mailbox, uidvalidity, uid) or a JSON record"
	# The session did not search at all.
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Search uid:- <"$BATS_TEST_TMPDIR/bad"
	assert_failure 65
	assert_equal "$(sent | grep -c SEARCH)" 0
}

@test "a stale UIDVALIDITY on stdin is refused with 65 before anything is done" {
	doveadm -c "$IMAPCTL_TEST_CONF" mailbox create -u alice Stale
	doveadm -c "$IMAPCTL_TEST_CONF" save -u alice -m Stale <"$FIXTURES/inbox-1-welcome.eml"
	imapctl search Stale -o jsonl >"$BATS_TEST_TMPDIR/stale"
	old=$(jq .uidvalidity "$BATS_TEST_TMPDIR/stale")
	# The mailbox is made anew: the same UID names another message.
	doveadm -c "$IMAPCTL_TEST_CONF" mailbox delete -u alice Stale
	doveadm -c "$IMAPCTL_TEST_CONF" mailbox create -u alice Stale
	doveadm -c "$IMAPCTL_TEST_CONF" save -u alice -m Stale <"$FIXTURES/inbox-2-gruesse.eml"
	new=$(imapctl status Stale -o json | jq '.[0].uidvalidity')
	[ "$old" != "$new" ]
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Stale uid:- <"$BATS_TEST_TMPDIR/stale"
	assert_failure 65
	assert_output ""
	[[ $stderr == *"imapctl: search: standard input line 1: UIDVALIDITY $old is not the mailbox's $new: the UIDs name other messages now"* ]]
	assert_equal "$(sent | grep -c SEARCH)" 0
	# fetch refuses them the same way, before anything is fetched.
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug fetch Stale - <"$BATS_TEST_TMPDIR/stale"
	assert_failure 65
	assert_output ""
	[[ $stderr == *"imapctl: fetch: standard input line 1: UIDVALIDITY $old is not the mailbox's $new: the UIDs name other messages now"* ]]
	assert_equal "$(sent | grep -c FETCH)" 0
	# The same guard by hand.
	run --separate-stderr imapctl search Stale uid:1 --uidvalidity "$old"
	assert_failure 65
	assert_equal "$stderr" "imapctl: search: mailbox 'Stale' has UIDVALIDITY $new, not $old: the UIDs name other messages now"
	run --separate-stderr imapctl search Stale uid:1 --uidvalidity "$new"
	assert_success
	run --separate-stderr imapctl search Stale --uidvalidity x
	assert_failure 64
}

@test "long UID sets go in chunks of a few KiB, pipelined" {
	set=$(seq -s, 1 2 7999)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search INBOX "uid:$set" unseen
	assert_success
	assert_equal "$(echo "$output" | cut -f3 | paste -sd' ')" "3 5"
	n=$(sent | grep -c '^UID SEARCH')
	[ "$n" -ge 5 ]
	longest=$(sent | grep '^UID SEARCH' | awk '{ print length($0) }' | sort -n | tail -1)
	[ "$longest" -lt 4200 ]
	# Written before the first answer was read (after those to the login,
	# COMPRESS and EXAMINE).
	first_answer=$(echo "$stderr" | grep -n '^S: A[0-9]* OK' | sed -n 4p | cut -d: -f1)
	last_search=$(echo "$stderr" | grep -n '^C: A[0-9]* UID SEARCH' | tail -1 | cut -d: -f1)
	[ "$last_search" -lt "$first_answer" ]
	# The same from standard input.
	seq 1 2 7999 >"$BATS_TEST_TMPDIR/odd"
	run --separate-stderr imapctl search INBOX uid:- unseen <"$BATS_TEST_TMPDIR/odd"
	assert_success
	assert_equal "$(echo "$output" | cut -f3 | paste -sd' ')" "3 5"
}

@test "--summary prints fetch's summary records, in the output order" {
	run --separate-stderr imapctl search INBOX unseen --summary -o json
	assert_success
	search_out=$output
	run --separate-stderr imapctl fetch INBOX 3:5 --summary -o json
	assert_success
	assert_equal "$search_out" "$output"
	assert_equal "$(echo "$search_out" | jq -r '.[0] | [.uid, .subject, .mailbox] | @tsv')" "3	Quarterly report Q1	INBOX"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search INBOX --summary --sort -date --limit 3 -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[5,4,3]'
	assert_equal "$(echo "$output" | head -1 | jq -r .subject)" "Re: Welcome to imapctl"
	assert_equal "$(sent | grep -c '^UID FETCH')" 3
	# Ascending runs go in one command.
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search INBOX --summary --sort date
	assert_success
	assert_equal "$(echo "$output" | cut -f1 | paste -sd' ')" "1 2 3 4 5"
	assert_equal "$(sent | grep '^UID FETCH')" "UID FETCH 1:5 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)"
	run --separate-stderr imapctl search INBOX --summary --limit 2 -o jsonl
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,2]'
	run --separate-stderr imapctl search INBOX from:nobody --summary
	assert_failure 1
	assert_output ""
	run --separate-stderr imapctl search INBOX --summary --count
	assert_failure 64
	[[ $stderr == "imapctl: search: --count and --summary exclude each other"* ]]
}

@test "search -o jsonl | fetch -: the records name the messages" {
	imapctl search INBOX from:carol -o jsonl >"$BATS_TEST_TMPDIR/carol"
	run --separate-stderr imapctl fetch INBOX - -o jsonl <"$BATS_TEST_TMPDIR/carol"
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .subject])')" '[[1,"Welcome to imapctl"],[5,"Re: Welcome to imapctl"]]'
	imapctl search INBOX unseen -o json >"$BATS_TEST_TMPDIR/unseen.json"
	run --separate-stderr imapctl fetch INBOX - -o jsonl <"$BATS_TEST_TMPDIR/unseen.json"
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[3,4,5]'
	# Records of another mailbox are refused before anything is fetched.
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug fetch Projects/2024 - <"$BATS_TEST_TMPDIR/carol"
	assert_failure 65
	[[ $stderr == *"imapctl: fetch: standard input line 1: the record is from mailbox 'INBOX', not 'Projects/2024'"* ]]
	assert_equal "$(sent | grep -c FETCH)" 0
}

@test "the EXAMPLES of search in the man page run" {
	examples=$(sed -n '/^\.Ss search/,/^\.Ss /p' "$MAN" | sed -n 's/^\$ //p' | sed 's/\\e/\\/g; s/\\-/-/g')
	[ "$(echo "$examples" | wc -l)" -ge 4 ]
	# The mailboxes the examples name ('Lists/*'): one that names
	# none is said on stderr.
	imapctl mailbox create Lists/news >/dev/null
	cd "$BATS_TEST_TMPDIR"
	while IFS= read -r ex; do
		run --separate-stderr eval "$ex"
		echo "$ex: $status $stderr"
		[ "$status" -le 1 ]
		assert_equal "$stderr" ""
	done <<<"$examples"
	imapctl mailbox delete Lists/news >/dev/null
	imapctl mailbox delete Lists >/dev/null
}

@test "sent dates, has:attachment, bare words and lower-case MIME tokens" {
	d=$BATS_TEST_TMPDIR
	printf 'Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nFrom: a@example.org\r\nSubject: plain old\r\n\r\nthe quarterly invoice\r\n' >"$d/old.eml"
	printf 'Date: Fri, 01 Mar 2024 10:00:00 +0000\r\nFrom: b@example.org\r\nSubject: with a file\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: ATTACHMENT; filename="r.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n' >"$d/att.eml"
	run imapctl raw CREATE Dated
	assert_success
	# Both arrived in 2025: the internal date is not the Date header.
	run imapctl append Dated "$d/old.eml" "$d/att.eml" --date 2025-06-01
	assert_success
	assert_equal "$(found Dated sentbefore:2024-02-01)" 1
	assert_equal "$(found Dated sentsince:2024-02-01)" 2
	assert_equal "$(found Dated sent:2024-03-01)" 2
	assert_equal "$(found Dated sent:2024-03-02)" ''
	assert_equal "$(found Dated before:2024-02-01)" ''
	assert_equal "$(found Dated has:attachment)" 2
	assert_equal "$(found Dated not has:attachment)" 1
	# A bare word is looked for in the headers and the body.
	assert_equal "$(found Dated invoice)" 1
	assert_equal "$(found Dated quarterly invoice)" 1
	assert_equal "$(found Dated '"see attached"')" 2
	assert_equal "$(found Dated invoice or attached)" '1 2'
	run --separate-stderr imapctl --debug search Dated sentsince:2024-02-01 has:attachment
	assert_success
	assert_equal "$(sent | grep -o 'SENTSINCE.*')" 'SENTSINCE 1-Feb-2024 OR KEYWORD $HasAttachment HEADER Content-Type "multipart/mixed"'
	# Dovecot passes the disposition on as the message wrote it.
	run --separate-stderr imapctl fetch Dated 2 --structure -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -r 'select(.part == "2") | [.type, .subtype, .disposition, .filename] | @tsv')" \
		$'application\tpdf\tattachment\tr.pdf'
	run imapctl help search
	assert_success
	[[ $output == *'  sentsince:YYYY-MM-DD '*'  sentbefore:YYYY-MM-DD '*'  sent:YYYY-MM-DD '*'  has:attachment '*'  WORD '* ]]
}

@test "--sort subject and from: the server's SORT, base subjects" {
	d=$BATS_TEST_TMPDIR
	n=0
	for m in 'Zebra|mike@example.org' 'Re: apple|alice@example.org' 'mango|zoe@example.org'; do
		n=$((n + 1))
		printf 'From: %s\r\nSubject: %s\r\n\r\nbody\r\n' "${m#*|}" "${m%%|*}" >"$d/$n.eml"
	done
	run imapctl raw CREATE Sorted
	assert_success
	run imapctl append Sorted "$d/1.eml" "$d/2.eml" "$d/3.eml"
	assert_success
	assert_equal "$(found Sorted --sort subject)" "2 3 1"
	assert_equal "$(found Sorted --sort -subject)" "1 3 2"
	assert_equal "$(found Sorted --sort from)" "2 1 3"
	assert_equal "$(found Sorted --sort -from --limit 2)" "3 1"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Sorted --sort subject
	assert_success
	assert_equal "$(sent | grep -E 'SORT|SEARCH|FETCH')" "UID SORT RETURN (ALL) (SUBJECT) UTF-8 ALL"
}
