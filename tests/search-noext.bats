#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# search against a server that offers neither ESEARCH, SORT, ESORT nor
# WITHIN (the nosearchext variant): plain SEARCH answers, sorting here,
# and older:/newer: decided here for the messages near each cutoff. The
# answers must be those of search.bats, where the server does it all.

load helpers

setup_file() {
	dovecot_setup_file --variant nosearchext
	"$PYTHON" "$TESTS_DIR/dovecot/seed-search" "$DOVECOT_STATEDIR" 3>&-
}
teardown_file() { dovecot_teardown_file; }

# found MAILBOX [ARGS...]: the UIDs search prints, on one line.
found() {
	run --separate-stderr imapctl search "$@"
	if [ "$status" -gt 1 ] || [ -n "$stderr" ]; then
		echo "status $status: $stderr"
		return
	fi
	echo "$output" | cut -f3 | paste -sd' '
}

# expand_set 2:4,7: the UIDs of a set, "2 3 4 7".
expand_set() {
	local IFS=, r
	for r in $1; do
		seq "${r%%:*}" "${r##*:}"
	done | paste -sd' '
}

sent() {
	printf '%s\n' "$stderr" | sed -n 's/^C: A[0-9]* //p'
}

@test "the server hides the extensions" {
	for c in ESEARCH SORT ESORT WITHIN; do
		[[ " $IMAPCTL_TEST_CAPABILITY " != *" $c "* ]]
	done
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search INBOX unseen
	assert_success
	assert_equal "$(echo "$output" | cut -f3 | paste -sd' ')" "3 4 5"
	assert_equal "$(sent | grep SEARCH)" "UID SEARCH UNSEEN"
}

@test "older: and newer: without WITHIN are exact all the same" {
	# Recent: UIDs 1-7 arrived 240, 73, 49, 47, 25, 23 and 2 hours ago.
	assert_equal "$(found Recent older:1d)" "1 2 3 4 5"
	assert_equal "$(found Recent newer:1d)" "6 7"
	assert_equal "$(found Recent newer:24h)" "6 7"
	assert_equal "$(found Recent older:2d)" "1 2 3"
	assert_equal "$(found Recent newer:2d)" "4 5 6 7"
	assert_equal "$(found Recent older:1d newer:4d)" "2 3 4 5"
	assert_equal "$(found Recent older:1d newer:3d)" "3 4 5"
	assert_equal "$(found Recent older:1w)" "1"
	assert_equal "$(found Recent newer:3h)" "7"
	assert_equal "$(found Recent newer:90min)" ""
	assert_equal "$(found Recent older:1y)" ""
	assert_equal "$(found Recent not older:1d)" "6 7"
	assert_equal "$(found Recent newer:2d not newer:1d)" "4 5"
	assert_equal "$(found Recent older:1d or 'subject:age 2 h')" "1 2 3 4 5 7"
	assert_equal "$(found Recent '(' older:2d or newer:3h ')' subject:age)" "1 2 3 7"
	assert_equal "$(found Recent uid:4:7 older:1d)" "4 5"
	assert_equal "$(found Recent newer:1w --raw 'NOT SUBJECT "age 2 h"')" "2 3 4 5 6"
}

@test "only the messages near the cutoff have their INTERNALDATE fetched" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Recent older:2d
	assert_success
	assert_equal "$(echo "$output" | cut -f3 | paste -sd' ')" "1 2 3"
	! sent | grep -qE 'OLDER|YOUNGER'
	# The cutoff lies 48 hours back: 49 and 47 hours are on the days
	# around it, 240 hours is not.
	fetched=$(sent | sed -n 's/^UID FETCH \([0-9:,]*\) (UID INTERNALDATE)$/\1/p')
	[[ $fetched =~ ^[0-9:,]+$ ]]
	uids=" $(expand_set "$fetched") "
	[[ $uids == *" 3 "* && $uids == *" 4 "* && $uids != *" 1 "* ]]
	assert_equal "$(sent | grep -c '^UID FETCH')" 1
}

@test "--count counts without ESEARCH" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search Search --count from:alerts
	assert_success
	assert_output 2
	assert_equal "$(sent | grep SEARCH)" "UID SEARCH FROM \"alerts\""
	run --separate-stderr imapctl search Recent --count older:1d
	assert_success
	assert_output 5
	run --separate-stderr imapctl search Recent --count older:1y
	assert_failure 1
	assert_output 0
}

@test "--sort without SORT: the keys fetched and sorted here" {
	assert_equal "$(found INBOX --sort date)" "1 2 3 4 5"
	assert_equal "$(found INBOX --sort -date)" "5 4 3 2 1"
	assert_equal "$(found INBOX --sort size)" "2 1 5 4 3"
	assert_equal "$(found INBOX --sort -size)" "3 4 5 1 2"
	assert_equal "$(found INBOX --sort -size unseen)" "3 4 5"
	assert_equal "$(found INBOX --sort -size --limit 2)" "3 4"
	assert_equal "$(found Search --sort date)" "1 2 3 4"
	# Recent 2-6 have the same size: equal keys go in UID order.
	assert_equal "$(found Recent --sort size)" "7 2 3 4 5 6 1"
	assert_equal "$(found Recent --sort -size)" "1 2 3 4 5 6 7"
	assert_equal "$(found Recent --sort -date older:1d --limit 2)" "5 4"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search INBOX --sort -size unseen
	assert_success
	assert_equal "$(sent | grep -E 'SORT|SEARCH|FETCH')" "UID SEARCH UNSEEN
UID FETCH 3:5 (UID RFC822.SIZE)"
	# Subject and from only the server sorts (RFC 5256's rules).
	for key in subject -from; do
		run --separate-stderr imapctl search INBOX --sort "$key"
		assert_failure 69
		assert_output ""
		assert_equal "$stderr" "imapctl: search: --sort ${key#-} needs the server's SORT (RFC 5256), which it does not offer"
	done
}

@test "long UID sets go in chunks without ESEARCH too" {
	seq 1 2 7999 >"$BATS_TEST_TMPDIR/odd"
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug search INBOX uid:- unseen <"$BATS_TEST_TMPDIR/odd"
	assert_success
	assert_equal "$(echo "$output" | cut -f3 | paste -sd' ')" "3 5"
	[ "$(sent | grep -c '^UID SEARCH UID ')" -ge 5 ]
}

@test "search --in: plain SEARCH in each mailbox, and older:/newer: decided here mailbox by mailbox" {
	run --separate-stderr imapctl --debug search --in Recent --in INBOX --in Search newer:2d
	assert_success
	# Not one command a mailbox: each examined and searched in turn.
	assert_equal "$(cut -f1,3 <<<"$output" | paste -sd' ')" "Recent	4 Recent	5 Recent	6 Recent	7"
	run --separate-stderr imapctl search --in '*' --count from:carol
	assert_success
	assert_equal "$(tail -1 <<<"$output")" 2
	assert_equal "$(grep -c . <<<"$output")" 17
	run --separate-stderr imapctl search --in INBOX --in Search --sort -date --limit 2 -o jsonl
	assert_success
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output" | paste -sd' ')" '["Search",4] ["Search",3]'
	# Searched mailbox by mailbox, then sorted across them.
	run --separate-stderr imapctl search --in INBOX --in Recent --sort -date --limit 3 newer:2d -o jsonl
	assert_success
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output" | paste -sd' ')" '["Recent",7] ["Recent",6] ["Recent",5]'
	run --separate-stderr imapctl search --in INBOX --in Recent --summary older:1w -o jsonl
	assert_success
	assert_equal "$(jq -c '[.mailbox,.uid]' <<<"$output" | paste -sd' ')" '["INBOX",1] ["INBOX",2] ["INBOX",3] ["INBOX",4] ["INBOX",5] ["Recent",1]'
	run --separate-stderr imapctl search --in INBOX --in Search --count --limit 3 older:1d
	assert_success
	assert_equal "$output" "INBOX	$(imapctl status INBOX -o json | jq .[0].uidvalidity)	3
Search	$(imapctl status Search -o json | jq .[0].uidvalidity)	0
3"
}
