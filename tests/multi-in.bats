#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# search --in PATTERN: many mailboxes in one session, pipelined. The
# patterns' mailboxes (\Noselect left out), records that carry each
# message's mailbox and UIDVALIDITY, --count per mailbox and in total,
# --limit and --sort across mailboxes, a mailbox that cannot be examined,
# and the round trips.
#
# Mail: the seed (INBOX 5, Projects/2024 2) plus seed-search (Search 4,
# Recent 7), and the \Noselect parents Lists and Lists/a of Lists/a/b.

load helpers

setup_file() {
	dovecot_setup_file
	"$PYTHON" "$TESTS_DIR/dovecot/seed-search" "$DOVECOT_STATEDIR" 3>&-
	imapctl mailbox create Lists/a/b >/dev/null
	imapctl mailbox delete Lists/a >/dev/null
	imapctl mailbox delete Lists >/dev/null
}
teardown_file() { dovecot_teardown_file; }

# uv MAILBOX: its UIDVALIDITY, as status says.
uv() {
	imapctl status "$1" -o json | jq '.[0].uidvalidity'
}

# turns: the write/read turns of $stderr after login.
turns() {
	sed -n '/^state: not authenticated -> authenticated$/,$p' <<<"$stderr" |
		awk '/^C: /{ if (!c) { c = 1; n++ } next } /^S: /{ c = 0 }
		     END { print n + 0 }'
}

@test "--in '*': every selectable mailbox, in name order, each record with its mailbox and UIDVALIDITY" {
	imapctl list | grep -q '^Lists	/	\\Noselect'
	run --separate-stderr imapctl --debug search --in '*'
	assert_success
	# \Noselect parents are listed but never examined.
	[[ $stderr != *"EXAMINE Lists
"* ]]
	[[ $stderr != *"EXAMINE Lists/a
"* ]]
	[[ $stderr == *"EXAMINE Lists/a/b"* ]]
	[[ $stderr != *"imapctl:"* ]]
	assert_equal "${#lines[@]}" 18
	assert_equal "$(cut -f1 <<<"$output" | uniq | paste -sd,)" \
		"INBOX,Projects/2024,Recent,Search"
	assert_line --index 0 "INBOX	$(uv INBOX)	1"
	assert_line --index 5 "Projects/2024	$(uv Projects/2024)	1"
	assert_line --index 17 "Search	$(uv Search)	4"
	# As JSON records, fit for "| flag -" and friends.
	run --separate-stderr imapctl search --in 'Proj*' -o jsonl
	assert_success
	assert_equal "$output" "{\"mailbox\":\"Projects/2024\",\"uidvalidity\":$(uv Projects/2024),\"uid\":1}
{\"mailbox\":\"Projects/2024\",\"uidvalidity\":$(uv Projects/2024),\"uid\":2}"
}

@test "patterns: several, %, each mailbox once, with a query" {
	run --separate-stderr imapctl search --in INBOX --in 'INB*' --in '%' from:carol
	assert_success
	assert_equal "$output" "INBOX	$(uv INBOX)	1
INBOX	$(uv INBOX)	5"
	# % stops at the hierarchy separator: Projects/2024 is not in it.
	run --separate-stderr imapctl search --in '%' subject:budget
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	run --separate-stderr imapctl search --in 'Projects/%' subject:budget
	assert_success
	assert_equal "$output" "Projects/2024	$(uv Projects/2024)	2"
	# Non-ASCII names go out as modified UTF-7 and come back as UTF-8.
	run --separate-stderr imapctl --debug search --in 'Café*'
	assert_failure 1
	[[ $stderr == *"EXAMINE Caf&AOk-/Men&APw-"* ]]
}

@test "nothing found: no records, no error, status 1" {
	run --separate-stderr imapctl search --in '*' -o json from:nobody@nowhere
	assert_failure 1
	assert_equal "$output" "[]"
	assert_equal "$stderr" ""
}

@test "a pattern that names no mailbox is said; none at all is 69, as a missing MAILBOX" {
	# A typo in a cron line must not do nothing quietly forever.
	for fmt in text json jsonl xml; do
		run --separate-stderr imapctl search --in 'Nonesuch*' -o $fmt
		assert_failure 69
		assert_equal "$stderr" "imapctl: search: no mailbox matches 'Nonesuch*'"
	done
	run --separate-stderr imapctl search --in 'Nonesuch*' --count
	assert_failure 69
	assert_output ""
	run --separate-stderr imapctl fetch --in 'Nonesuch*' all
	assert_failure 69
	assert_equal "$stderr" "imapctl: fetch: no mailbox matches 'Nonesuch*'"
	# Only a \Noselect parent: nothing selectable either.
	run --separate-stderr imapctl search --in Lists
	assert_failure 69
	assert_equal "$stderr" "imapctl: search: no selectable mailbox matches 'Lists'"
	# One of two: a warning, and the other mailbox's records.
	run --separate-stderr imapctl search --in 'Nonesuch*' --in INBOX from:carol
	assert_success
	assert_equal "$(cut -f1,3 <<<"$output" | paste -sd' ')" "INBOX	1 INBOX	5"
	assert_equal "$stderr" "imapctl: search: warning: no mailbox matches 'Nonesuch*'"
}

@test "--count: a count per mailbox and the total, in every format" {
	run --separate-stderr imapctl search --in INBOX --in 'Proj*' --in Search --count
	assert_success
	assert_equal "$output" "INBOX	$(uv INBOX)	5
Projects	$(uv Projects)	0
Projects/2024	$(uv Projects/2024)	2
Projects/2025	$(uv Projects/2025)	0
Search	$(uv Search)	4
11"
	run --separate-stderr imapctl search --in 'Proj*' --count -o json unseen
	assert_success
	assert_equal "$(jq -c . <<<"$output")" "[{\"mailbox\":\"Projects\",\"uidvalidity\":$(uv Projects),\"count\":0},{\"mailbox\":\"Projects/2024\",\"uidvalidity\":$(uv Projects/2024),\"count\":1},{\"mailbox\":\"Projects/2025\",\"uidvalidity\":$(uv Projects/2025),\"count\":0},{\"count\":1}]"
	run --separate-stderr imapctl search --in 'Proj*' --count -o jsonl unseen
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_equal "$(jq -s -c 'map(.count)' <<<"$output")" "[0,1,0,1]"
	assert_equal "$(tail -1 <<<"$output")" '{"count":1}'
	run --separate-stderr imapctl search --in 'Proj*' --count -o xml unseen
	assert_success
	xmllint --noout - <<<"$output"
	assert_equal "$(xmllint --xpath 'string(/imapctl/count[2]/mailbox)' - <<<"$output")" "Projects/2024"
	assert_equal "$(xmllint --xpath 'string(/imapctl/count[2]/count)' - <<<"$output")" 1
	assert_equal "$(xmllint --xpath 'string(/imapctl/total/count)' - <<<"$output")" 1
	# Nothing matched: the zero counts, status 1 as for one mailbox.
	run --separate-stderr imapctl search --in 'Proj*' --count from:nobody@nowhere
	assert_failure 1
	assert_equal "$(tail -1 <<<"$output")" 0
}

@test "--in's message records are a mailbox's, byte for byte, in every format, sorted or not" {
	local fmt sort uvi
	for fmt in text json jsonl xml; do
		for sort in "" "--sort -date"; do
			run --separate-stderr imapctl search INBOX $sort from:carol -o $fmt
			assert_success
			one=$output
			run --separate-stderr imapctl search --in INBOX $sort from:carol -o $fmt
			assert_success
			assert_equal "$stderr" ""
			assert_equal "$output" "$one"
		done
	done
	uvi=$(uv INBOX)
	assert_equal "$output" "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<imapctl command=\"search\" format_version=\"1\">
<message><mailbox>INBOX</mailbox><uidvalidity>$uvi</uidvalidity><uid>5</uid></message>
<message><mailbox>INBOX</mailbox><uidvalidity>$uvi</uidvalidity><uid>1</uid></message>
</imapctl>"
	run --separate-stderr imapctl search --in 'Proj*' -o xml
	assert_success
	assert_equal "$output" "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<imapctl command=\"search\" format_version=\"1\">
<message><mailbox>Projects/2024</mailbox><uidvalidity>$(uv Projects/2024)</uidvalidity><uid>1</uid></message>
<message><mailbox>Projects/2024</mailbox><uidvalidity>$(uv Projects/2024)</uidvalidity><uid>2</uid></message>
</imapctl>"
}

@test "--limit and --sort apply across mailboxes" {
	# No --sort: mailbox order, then UID; --limit N the first N of it.
	run --separate-stderr imapctl search --in INBOX --in 'Projects/*' --limit 6
	assert_success
	assert_equal "$(cut -f1,3 <<<"$output" | paste -sd' ')" \
		"INBOX	1 INBOX	2 INBOX	3 INBOX	4 INBOX	5 Projects/2024	1"
	# By internal date across mailboxes: Projects/2024's January and
	# February come before INBOX's March.
	run --separate-stderr imapctl search --in INBOX --in 'Projects/*' --sort date --limit 3
	assert_success
	assert_equal "$(cut -f1,3 <<<"$output" | paste -sd' ')" \
		"Projects/2024	1 Projects/2024	2 INBOX	1"
	run --separate-stderr imapctl search --in INBOX --in 'Projects/*' --in Search --sort -date --limit 3
	assert_success
	assert_equal "$(cut -f1,3 <<<"$output" | paste -sd' ')" \
		"Search	4 Search	3 Search	2"
	# By size: Search UID 2 (20 KB) is the largest of all.
	run --separate-stderr imapctl search --in '*' --sort -size --limit 1 -o jsonl
	assert_success
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output")" '["Search",2]'
	# --count --limit counts what the listing prints.
	run --separate-stderr imapctl search --in INBOX --in 'Projects/*' --sort date --limit 3 --count
	assert_success
	assert_equal "$(cut -f1,3 <<<"$output" | paste -sd' ')" \
		"INBOX	1 Projects/2024	2 Projects/2025	0 3"
	run --separate-stderr imapctl search --in INBOX --in 'Projects/*' --limit 6 --count
	assert_success
	assert_equal "$(cut -f1,3 <<<"$output" | paste -sd' ')" \
		"INBOX	5 Projects/2024	1 Projects/2025	0 6"
	# Subject and from are the server's orders, one mailbox at a time.
	run --separate-stderr imapctl search --in '*' --sort subject
	assert_failure 64
	[[ $stderr == *"--sort subject with --in"* ]]
}

@test "--summary across mailboxes, in the order of --sort" {
	run --separate-stderr imapctl search --in INBOX --in 'Projects/*' --sort date --limit 3 --summary -o jsonl
	assert_success
	assert_equal "$(jq -c '[.mailbox,.uidvalidity,.uid,.subject]' <<<"$output" | paste -sd' ')" \
		"[\"Projects/2024\",$(uv Projects/2024),1,\"Project kickoff 2024\"] [\"Projects/2024\",$(uv Projects/2024),2,\"Budget 2024\"] [\"INBOX\",$(uv INBOX),1,\"Welcome to imapctl\"]"
	run --separate-stderr imapctl search --in '*' --summary -o jsonl from:carol
	assert_success
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output" | paste -sd' ')" '["INBOX",1] ["INBOX",5]'
}

@test "the searches are pipelined: LIST, then every EXAMINE and SEARCH and LOGOUT in one write" {
	run --separate-stderr imapctl --debug --no-compress search --in '*' from:carol
	assert_success
	n=$(grep -c '^C: A[0-9]* EXAMINE' <<<"$stderr")
	assert_equal "$n" 17
	assert_equal "$(grep -c '^C: A[0-9]* UID SEARCH' <<<"$stderr")" 17
	# After login: one turn for LIST, one for all the rest.
	assert_equal "$(turns)" 2
	# Each SEARCH goes right behind its EXAMINE.
	grep '^C: ' <<<"$stderr" | grep -A1 'EXAMINE' | grep -v '^--$' |
		awk 'NR % 2 == 0 && !/UID SEARCH/ { bad = 1 } END { exit bad }'
	# --count too.
	run --separate-stderr imapctl --debug --no-compress search --in '*' --count
	assert_success
	assert_equal "$(turns)" 2
	# --sort: the keys in the same pass, "UID FETCH $" (SEARCHRES)
	# right behind each search.
	run --separate-stderr imapctl --debug --no-compress search --in '*' --sort -date --limit 5
	assert_success
	assert_equal "$(turns)" 2
	assert_equal "$(grep -c '^C: A[0-9]* UID SEARCH RETURN (SAVE) ALL$' <<<"$stderr")" 17
	assert_equal "$(grep -c '^C: A[0-9]* UID FETCH \$ (UID INTERNALDATE)$' <<<"$stderr")" 17
}

@test "a mailbox that cannot be examined is reported; the others go on" {
	imapctl mailbox create Locked >/dev/null
	imapctl append Locked "$BATS_TEST_DIRNAME/fixtures/inbox-1-welcome.eml" >/dev/null
	chmod 000 "$IMAPCTL_TEST_MAILROOT/alice/Maildir/Locked"
	run --separate-stderr imapctl search --in INBOX --in Locked --in Projects/2024 -o jsonl
	chmod 700 "$IMAPCTL_TEST_MAILROOT/alice/Maildir/Locked"
	imapctl mailbox delete Locked >/dev/null
	assert_failure 69
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output" | paste -sd' ')" \
		'["INBOX",1] ["INBOX",2] ["INBOX",3] ["INBOX",4] ["INBOX",5] ["Projects/2024",1] ["Projects/2024",2]'
	[[ $stderr == "imapctl: search: cannot open mailbox 'Locked': "* ]]
	assert_equal "$(grep -c . <<<"$stderr")" 1
}

@test "blank or missing patterns, and what --in does not go with: 64 before connecting" {
	for p in "" " " "	"; do
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 search --in "$p"
		assert_failure 64
		[[ $stderr == "imapctl: search: empty argument to '--in'"* ]]
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 search --in INBOX --in "$p"
		assert_failure 64
	done
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 search
	assert_failure 64
	[[ $stderr == "imapctl: search: missing operand: MAILBOX, or --in PATTERN"* ]]
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 search --in
	assert_failure 64
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 search --in '*' ''
	assert_failure 64
	[[ $stderr == "imapctl: search: empty query term"* ]]
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 search --in '*' --uidvalidity 5
	assert_failure 64
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 search --in '*' uid:-
	assert_failure 64
	[[ $stderr == *"uid:- names UIDs of one mailbox"* ]]
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 search --in '*' --sort from
	assert_failure 64
}

@test "fetch --in: summaries and headers across mailboxes, each record with its mailbox and UIDVALIDITY" {
	run --separate-stderr imapctl fetch --in 'Proj*' --in INBOX all -o jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output" | paste -sd' ')" \
		'["INBOX",1] ["INBOX",2] ["INBOX",3] ["INBOX",4] ["INBOX",5] ["Projects/2024",1] ["Projects/2024",2]'
	assert_equal "$(jq -c 'select(.mailbox == "Projects/2024") | .uidvalidity' <<<"$output" | sort -u)" "$(uv Projects/2024)"
	assert_equal "$(jq -r 'select(.uid == 2 and .mailbox == "Projects/2024") | .subject' <<<"$output")" "Budget 2024"
	run --separate-stderr imapctl fetch --in '*' --query 'subject:budget or subject:welcome' --headers -o jsonl
	assert_success
	assert_equal "$(jq -r 'select(.name == "Subject") | "\(.mailbox) \(.uid) \(.value)"' <<<"$output")" \
		"INBOX 1 Welcome to imapctl
INBOX 5 Re: Welcome to imapctl
Projects/2024 2 Budget 2024"
	# The text of each message, mailbox after mailbox.
	run --separate-stderr imapctl fetch --in 'Projects/*' all --text -o jsonl
	assert_success
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output" | paste -sd' ')" '["Projects/2024",1] ["Projects/2024",2]'
	# Nothing matched anywhere: nothing fetched, no error.
	run --separate-stderr imapctl fetch --in '*' --query from:nobody@nowhere -o json
	assert_success
	assert_equal "$output" "[]"
	assert_equal "$stderr" ""
}

@test "fetch --in --raw: one mboxrd stream of every mailbox's messages" {
	run --separate-stderr imapctl fetch --in INBOX --in 'Projects/*' --query from:carol --raw
	assert_success
	assert_equal "$(grep -c '^From ' <<<"$output")" 2
	# One message found is still a stream: it has its From_ line.
	run --separate-stderr imapctl fetch --in '*' --query subject:budget --raw
	assert_success
	assert_equal "$(head -1 <<<"$output")" "From MAILER-DAEMON Thu Feb 15 11:30:00 2024"
	run --separate-stderr imapctl fetch --in INBOX --in 'Projects/*' all --raw
	assert_success
	assert_equal "$(grep -c '^From ' <<<"$output")" 7
}

@test "fetch --in --save: files named after their mailbox; --part needs --save" {
	dir=$BATS_TEST_TMPDIR/saved
	mkdir "$dir"
	run --separate-stderr imapctl fetch --in INBOX --in 'Projects/*' --query 'from:carol or subject:budget' --raw --save "$dir"
	assert_success
	assert_equal "$(ls "$dir" | paste -sd' ')" \
		"INBOX-$(uv INBOX)-1.eml INBOX-$(uv INBOX)-5.eml Projects_2024-$(uv Projects/2024)-2.eml"
	cmp "$dir/INBOX-$(uv INBOX)-1.eml" "$BATS_TEST_DIRNAME/fixtures/inbox-1-welcome.eml"
	# A second run skips what is there, and examines no mailbox again.
	run --separate-stderr imapctl --debug fetch --in INBOX --in 'Projects/*' --query 'from:carol or subject:budget' --raw --save "$dir" -o jsonl
	assert_success
	assert_equal "$(jq -c '[.mailbox,.uid,.skipped]' <<<"$output" | paste -sd' ')" \
		'["INBOX",1,true] ["INBOX",5,true] ["Projects/2024",2,true]'
	assert_equal "$(grep '^C: A[0-9]* ' <<<"$stderr" | sed -n '/EXAMINE/,$p' |
		sed -E 's/^C: A[0-9]+ //; s/ .*//' | uniq -c | awk '{ print $2 "=" $1 }' | paste -sd' ')" \
		"EXAMINE=1 UID=1 EXAMINE=1 UID=1 EXAMINE=1 UID=1 LOGOUT=1"
}

@test "fetch --in --maildir: a Maildir++ folder for each mailbox, incremental" {
	md=$BATS_TEST_TMPDIR/md
	mkdir "$md"
	run --separate-stderr imapctl fetch --in INBOX --in 'Projects/*' all --maildir "$md" -o jsonl
	assert_success
	assert_equal "${#lines[@]}" 7
	# INBOX is the Maildir's top, another mailbox a folder of its own.
	assert_equal "$(ls "$md/cur" | wc -l)" 5
	assert_equal "$(ls "$md/.Projects.2024/cur" | wc -l)" 2
	assert_equal "$(find "$md" -name cur | wc -l)" 2
	ls "$md/.Projects.2024/cur" | grep -q "^1704790800\.I$(uv Projects/2024)U1\..*:2,S$"
	ls "$md/cur" | grep -q "^1709558130\.I$(uv INBOX)U3\..*:2,F$"
	# Nothing new: nothing written.
	run --separate-stderr imapctl fetch --in INBOX --in 'Projects/*' all --maildir "$md"
	assert_success
	assert_equal "$output" ""
	# One new message in Projects/2024: that one alone.
	imapctl append Projects/2024 "$BATS_TEST_DIRNAME/fixtures/inbox-4-meeting.eml" >/dev/null
	run --separate-stderr imapctl fetch --in INBOX --in 'Projects/*' all --maildir "$md" -o jsonl
	assert_success
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output")" '["Projects/2024",3]'
	assert_equal "$(ls "$md/.Projects.2024/cur" | wc -l)" 3
	imapctl delete Projects/2024 3 >/dev/null
}

@test "fetch --in: a mailbox that cannot be examined is reported; the others are fetched" {
	imapctl mailbox create Locked >/dev/null
	imapctl append Locked "$BATS_TEST_DIRNAME/fixtures/inbox-1-welcome.eml" >/dev/null
	chmod 000 "$IMAPCTL_TEST_MAILROOT/alice/Maildir/Locked"
	run --separate-stderr imapctl fetch --in Locked --in 'Projects/*' all -o jsonl
	chmod 700 "$IMAPCTL_TEST_MAILROOT/alice/Maildir/Locked"
	imapctl mailbox delete Locked >/dev/null
	assert_failure 69
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output" | paste -sd' ')" '["Projects/2024",1] ["Projects/2024",2]'
	[[ $stderr == "imapctl: fetch: cannot open mailbox 'Locked': "* ]]
}

@test "fetch --in: each mailbox's EXAMINE goes with its FETCH, no round trip of its own" {
	run --separate-stderr imapctl --debug --no-compress fetch --in INBOX --in 'Proj*' --in Search all -o jsonl
	assert_success
	assert_equal "$(jq -r .mailbox <<<"$output" | uniq -c | awk '{ print $2 "=" $1 }' | paste -sd' ')" \
		'INBOX=5 Projects/2024=2 Search=4'
	# After login: LIST, the search pass, one turn a mailbox, LOGOUT.
	assert_equal "$(turns)" 6
	# Each mailbox's UID FETCH right behind its second EXAMINE.
	assert_equal "$(grep '^C: A[0-9]* \(EXAMINE\|UID FETCH\)' <<<"$stderr" | tail -6 |
		sed -E 's/^C: A[0-9]+ //; s/ \(.*//' | paste -sd'|')" \
		'EXAMINE INBOX|UID FETCH 1:5|EXAMINE Projects/2024|UID FETCH 1:2|EXAMINE Search|UID FETCH 1:4'
	# --text: the EXAMINE goes with the UID SEARCH that begins it.
	run --separate-stderr imapctl --debug --no-compress fetch --in INBOX --in 'Proj*' all --text -o jsonl
	assert_success
	assert_equal "$(jq -r .mailbox <<<"$output" | uniq -c | awk '{ print $2 "=" $1 }' | paste -sd' ')" \
		'INBOX=5 Projects/2024=2'
	# --mark-seen selects each mailbox first, as a change must.
	run --separate-stderr imapctl --debug --no-compress fetch --in 'Proj*' all --mark-seen -o jsonl
	assert_success
	assert_equal "$(grep -c '^C: A[0-9]* SELECT Projects/2024' <<<"$stderr")" 1
}

@test "fetch --in: what names one mailbox's messages is refused (64) before connecting" {
	for a in 1:3 - '*'; do
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 fetch --in '*' "$a"
		assert_failure 64
		[[ $stderr == "imapctl: fetch: with --in, name the messages with 'all' or --query"* ]]
	done
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 fetch --in '*'
	assert_failure 64
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 fetch --in '' all
	assert_failure 64
	[[ $stderr == "imapctl: fetch: empty argument to '--in'"* ]]
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 fetch --in '*' ' '
	assert_failure 64
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 fetch --in '*' all --uidvalidity 7
	assert_failure 64
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 fetch --in '*' --query uid:-
	assert_failure 64
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 fetch --in '*' all --part 1
	assert_failure 64
	[[ $stderr == "imapctl: fetch: --part with --in needs --save DIR"* ]]
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port 1 fetch
	assert_failure 64
}
