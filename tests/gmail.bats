#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# search and fetch against a server that offers X-GM-EXT-1 (the hostile
# server, scripted to answer as Gmail does): the gmail: term goes out as
# X-GM-RAW, and summaries carry the X-GM-LABELS as labels. Without the
# extension, search.bats checks the refusal and fetch.bats the null.

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

# The script line of the FETCH answer of a summary of UID $1 with the
# labels $2; with $3, that item follows and the list stays open (for a
# literal, sent next with the closing parenthesis).
summary_answer() {
	printf '%s' "send * $1 FETCH (UID $1 FLAGS (\\\\Seen) " \
		"INTERNALDATE \"01-Mar-2024 09:22:03 +0000\" RFC822.SIZE 120 " \
		"ENVELOPE (\"Fri, 01 Mar 2024 09:22:03 +0000\" \"Hi $1\" " \
		"((\"Ann\" NIL \"ann\" \"example.com\")) NIL NIL NIL NIL NIL NIL " \
		"\"<m$1@example.com>\") X-GM-LABELS $2${3:+ $3}"
	[ -n "${3:-}" ] || printf ')'
}

@test "gmail: is sent as X-GM-RAW, ANDed and ORed like any term" {
	hostile_start script --add-cap X-GM-EXT-1 --timeout 10 --connections 3 --script "$(hostile_script raw \
		greeting \
		'serve-until UID SEARCH' \
		'send * SEARCH 2 3' \
		'reply OK Search completed.' \
		serve \
		connection \
		greeting \
		'serve-until UID SEARCH' \
		'send * SEARCH 1' \
		'reply OK Search completed.' \
		serve \
		connection \
		greeting \
		'serve-until UID SEARCH' \
		'send * SEARCH' \
		'reply OK Search completed.' \
		serve)"
	run --separate-stderr ctl search INBOX 'gmail:has:attachment in:inbox' unseen -o jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -s -c 'map([.mailbox, .uidvalidity, .uid])')" \
		'[["INBOX",1700000001,2],["INBOX",1700000001,3]]'
	# Text that is not ASCII goes as a UTF-8 literal, with CHARSET.
	run --separate-stderr ctl search INBOX gmail:Grüße or flagged
	assert_success
	assert_equal "$(echo "$output" | cut -f3)" 1
	# Nothing matched: exit 1, as for any query.
	run --separate-stderr ctl search INBOX 'gmail:from:nobody'
	assert_failure 1
	assert_output ""
	hostile_stop || true
	assert_equal "$(grep -a 'UID SEARCH' "$HOSTILE_RECORD" | tr -d '\r' | cut -d' ' -f2-)" \
		"$(printf '%s\n' 'UID SEARCH X-GM-RAW "has:attachment in:inbox" UNSEEN' \
			'UID SEARCH CHARSET UTF-8 OR X-GM-RAW {7+}' \
			'UID SEARCH X-GM-RAW "from:nobody"')"
	grep -aq $'^Grüße FLAGGED\r$' "$HOSTILE_RECORD"
}

@test "gmail: with a bad value is a usage error before anything is sent" {
	hostile_start ok --add-cap X-GM-EXT-1 --timeout 10 --connections 2
	run --separate-stderr ctl search INBOX gmail:
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "imapctl: search: query term 'gmail:' needs a value: gmail:RAW"
	assert_equal "${stderr_lines[1]}" "$("$IMAPCTL" search -h | head -n 1)"
	run --separate-stderr ctl search INBOX $'gmail:\xff'
	assert_failure 64
	[[ $stderr == *"is not valid UTF-8"* ]]
	hostile_stop || true
	! grep -aq 'SEARCH' "$HOSTILE_RECORD"
}

@test "fetch --summary asks for X-GM-LABELS and prints them as labels" {
	hostile_start script --add-cap X-GM-EXT-1 --timeout 10 --script "$(hostile_script labels \
		greeting \
		'serve-until UID FETCH' \
		"$(summary_answer 1 '(\\Inbox \\Important "Work" "&AMk-t&AOk-" Receipts)')" \
		"$(summary_answer 2 '()')" \
		'reply OK Fetch completed.' \
		serve)"
	run --separate-stderr ctl fetch INBOX 1:2 -o json
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -c 'map(.labels)')" \
		'[["\\Inbox","\\Important","Work","Été","Receipts"],[]]'
	# labels is the last field, after uidvalidity.
	assert_equal "$(echo "$output" | jq -c '.[0] | keys_unsorted[-3:]')" \
		'["mailbox","uidvalidity","labels"]'
	assert_equal "$(echo "$output" | jq -r '.[0].subject')" "Hi 1"
	hostile_stop || true
	grep -aq 'UID FETCH 1:2 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE X-GM-LABELS)' "$HOSTILE_RECORD"
}

@test "labels in text, JSON Lines and XML" {
	hostile_start script --add-cap X-GM-EXT-1 --timeout 10 --connections 3 --script "$(hostile_script labels \
		greeting \
		'serve-until UID FETCH' \
		"$(summary_answer 1 '(\\Inbox "Work")')" \
		'reply OK Fetch completed.' \
		serve)"
	run --separate-stderr ctl fetch INBOX 1
	assert_success
	# uid ... mailbox uidvalidity labels: the 15th field, a list
	# separated by spaces; a backslash that escapes nothing stays one.
	assert_equal "$(echo "$output" | cut -f13-)" $'INBOX\t1700000001\t\\Inbox Work'
	run --separate-stderr ctl fetch INBOX 1 -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c .labels)" '["\\Inbox","Work"]'
	run --separate-stderr ctl fetch INBOX 1 -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'count(/imapctl/message/labels/label)' -)" 2
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/message/labels/label[2])' -)" Work
}

@test "search --summary on Gmail carries the labels too" {
	hostile_start script --add-cap X-GM-EXT-1 --timeout 10 --script "$(hostile_script summary \
		greeting \
		'serve-until UID SEARCH' \
		'send * SEARCH 3' \
		'reply OK Search completed.' \
		'serve-until UID FETCH' \
		"$(summary_answer 3 '("Receipts")')" \
		'reply OK Fetch completed.' \
		serve)"
	run --separate-stderr ctl search INBOX gmail:label:receipts --summary -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.uid, .labels]')" '[3,["Receipts"]]'
	hostile_stop || true
	grep -aq 'UID FETCH 3 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE X-GM-LABELS)' "$HOSTILE_RECORD"
}

@test "fetch --text on Gmail: the summary with labels, then the text" {
	hostile_start script --add-cap X-GM-EXT-1 --timeout 10 --script "$(hostile_script text \
		greeting \
		'serve-until X-GM-LABELS' \
		"$(summary_answer 1 '("Work")' 'BODY[1]<0> {6}')" \
		'sendraw Hello.)\r\n' \
		'reply OK Fetch completed.' \
		serve)"
	run --separate-stderr ctl fetch INBOX 1 --text -o json
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -c '.[0] | [.uid, .labels, .text]')" '[1,["Work"],"Hello."]'
	hostile_stop || true
	grep -aq 'UID FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE X-GM-LABELS BODY.PEEK\[1\]<0\.' "$HOSTILE_RECORD"
}

@test "flag --add-label and --remove-label change X-GM-LABELS; the records carry the labels" {
	hostile_start ok --layout gmail --timeout 10 --connections 4
	run --separate-stderr ctl flag INBOX 1,2 --add-label Work --add-label 'Été' -o jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .labels])')" \
		'[[1,["\\Inbox","Work","Été"]],[2,["\\Inbox","Work","Été"]]]'
	run --separate-stderr ctl flag INBOX 2 --remove-label Work --dry-run
	assert_success
	assert_output $'INBOX\t1700000001\t2\t'
	run --separate-stderr ctl flag INBOX 2 --remove-label Work
	assert_success
	assert_output $'INBOX\t1700000001\t2\t\\Inbox Été'
	# The label's mailbox shows what has the label.
	run --separate-stderr ctl search Work
	assert_success
	assert_equal "$(echo "$output" | cut -f3 | paste -sd' ')" 1
	hostile_stop || true
	assert_equal "$(grep -a 'UID STORE' "$HOSTILE_RECORD" | tr -d '\r' | cut -d' ' -f2-)" \
		"$(printf '%s\n' 'UID STORE 1:2 +X-GM-LABELS (Work &AMk-t&AOk-)' \
			'UID STORE 2 -X-GM-LABELS (Work)')"
}

@test "labels: a bad one is a usage error before connecting; without X-GM-EXT-1, 69" {
	hostile_start ok --timeout 10
	run --separate-stderr ctl flag INBOX 1 --add-label '\'
	assert_failure 64
	assert_equal "$(head -n 1 <<<"$stderr")" "imapctl: flag: bad label '\\': a system label is \\ and letters, such as \\Inbox in --add-label"
	run --separate-stderr ctl flag INBOX 1 --add-label Work --add seen
	assert_failure 64
	run --separate-stderr ctl flag INBOX 1 --add-label Work
	assert_failure 69
	assert_equal "$stderr" "imapctl: flag: --add-label: the server has no Gmail labels (X-GM-EXT-1); nothing was changed"
	hostile_stop || true
	! grep -aq 'UID STORE' "$HOSTILE_RECORD"
}

@test "move on Gmail: INBOX to All Mail archives, from All Mail a label is added" {
	hostile_start ok --layout gmail --timeout 10 --connections 6
	run --separate-stderr ctl move INBOX 1 '[Gmail]/All Mail' --dry-run
	assert_success
	assert_output $'INBOX\t1700000001\t1\t[Gmail]/All Mail\t\t'
	run --separate-stderr ctl move INBOX 1 '[Gmail]/All Mail' -o jsonl
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -c '[.uid, .dest_mailbox, .dest_uid]')" '[1,"[Gmail]/All Mail",null]'
	# Archived: out of INBOX, still in All Mail, without \Inbox.
	run --separate-stderr ctl search INBOX
	assert_equal "$(echo "$output" | cut -f3 | paste -sd' ')" '2 3'
	run --separate-stderr ctl fetch '[Gmail]/All Mail' 1 -o jsonl
	assert_equal "$(echo "$output" | jq -c .labels)" '[]'
	# From All Mail: back to INBOX, and to a label; nothing expunged.
	run --separate-stderr ctl move '[Gmail]/All Mail' 1 INBOX
	assert_success
	run --separate-stderr ctl move '[Gmail]/All Mail' 1:2 Work -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .dest_mailbox])')" '[[1,"Work"],[2,"Work"]]'
	hostile_stop || true
	assert_equal "$(grep -a 'UID \(STORE\|MOVE\|COPY\|EXPUNGE\)' "$HOSTILE_RECORD" | tr -d '\r' | cut -d' ' -f2-)" \
		"$(printf '%s\n' 'UID STORE 1 -X-GM-LABELS (\Inbox)' \
			'UID STORE 1 +X-GM-LABELS (\Inbox)' \
			'UID STORE 1:2 +X-GM-LABELS (Work)')"
}

@test "move on Gmail between labels, and to the Trash, is a MOVE" {
	hostile_start ok --layout gmail --timeout 10 --connections 2
	run --separate-stderr ctl move INBOX 2 Work -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.uid, .dest_mailbox, .dest_uid]')" '[2,"Work",1]'
	run --separate-stderr ctl move INBOX 3 '[Gmail]/Trash'
	assert_success
	hostile_stop || true
	assert_equal "$(grep -a 'UID \(STORE\|MOVE\)' "$HOSTILE_RECORD" | tr -d '\r' | cut -d' ' -f2-)" \
		"$(printf '%s\n' 'UID MOVE 2 Work' 'UID MOVE 3 [Gmail]/Trash')"
}
