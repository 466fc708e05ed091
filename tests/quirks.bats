#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Servers as they are (tests/hostile/server.py --quirk): envelopes with "()"
# for an empty address list, NIL or "" where the other is due, stray spaces
# before a closing parenthesis or at the end of a line. The records come
# out sane: no protocol error, no "@host" addresses, no empty Message-IDs.

load helpers
load hostile/hostile

setup_file() { imapctl_isolate; }
teardown() { hostile_stop; }

H() {
	IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u --timeout 10 "$@"
}

# Two messages whose headers make the quirks show: a bare name, an address
# without a domain and one without a local part, an empty Subject, no
# Message-ID, no Cc.
odd_messages() {
	printf 'Date: Fri, 01 Mar 2024 09:22:03 +0000\r\nFrom: Ann\r\nTo: bob\r\nSubject:\r\n\r\nbody one\r\n' >"$BATS_TEST_TMPDIR/1.eml"
	printf 'Date: Fri, 01 Mar 2024 09:22:03 +0000\r\nFrom: "Carol" <@example.com>\r\nTo: Dan <dan@example.com>\r\nSubject: Hi  there\r\nMessage-ID: <2@x>\r\n\r\nbody two\r\n' >"$BATS_TEST_TMPDIR/2.eml"
	H append Archive "$BATS_TEST_TMPDIR/1.eml" "$BATS_TEST_TMPDIR/2.eml" >/dev/null
}

@test "quirky envelopes: sane JSON records" {
	hostile_start ok --connections 2 --quirk trailing-space,empty-addr-list,nil-strings
	odd_messages
	run --separate-stderr H fetch Archive all -o json
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -c '.[0] | [.from, .to, .cc, .reply_to, .subject, .message_id, .in_reply_to]')" \
		'[[{"name":"Ann","address":null}],[{"name":"bob","address":null}],[],[{"name":"Ann","address":null}],null,null,null]'
	assert_equal "$(echo "$output" | jq -c '.[1] | [.from, .to, .cc, .subject, .message_id, .in_reply_to, .flags]')" \
		'[[{"name":"Carol","address":null}],[{"name":"Dan","address":"dan@example.com"}],[],"Hi  there","<2@x>",null,[]]'
}

@test "quirky envelopes: sane text records" {
	hostile_start ok --connections 2 --quirk trailing-space,empty-addr-list,nil-strings
	odd_messages
	run --separate-stderr H fetch Archive all
	assert_success
	assert_equal "$(echo "$output" | cut -f 1,6-11 | sed -n 1p)" "$(printf '1\tAnn\tbob\t\tAnn\t\t')"
	assert_equal "$(echo "$output" | cut -f 1,6-11 | sed -n 2p)" "$(printf '2\tCarol\tDan <dan@example.com>\t\tCarol\tHi  there\t<2@x>')"
}

@test "quirky envelopes: fetch --text and xml stay well-formed" {
	hostile_start ok --connections 3 --quirk trailing-space,empty-addr-list,nil-strings
	odd_messages
	run --separate-stderr H fetch Archive all --text -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -r '.text')" "$(printf 'body one\nbody two')"
	run --separate-stderr H fetch Archive all -o xml
	assert_success
	echo "$output" | xmllint --noout -
}

@test "the same messages without quirks: the same records" {
	hostile_start ok --connections 3
	odd_messages
	run --separate-stderr H fetch Archive all -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '.[0] | [.to, .cc]')" '[[{"name":null,"address":"bob"}],[]]'
	assert_equal "$(echo "$output" | jq -c '.[1] | .message_id')" '"<2@x>"'
}

@test "trailing spaces after STATUS (Exchange) and SEARCH (Yahoo) lists" {
	hostile_start ok --connections 2 --quirk trailing-space
	run --separate-stderr H status INBOX -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.mailbox, .messages]')" '["INBOX",3]'
	run --separate-stderr H search INBOX all -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,2,3]'
}

@test "watch: a quirky envelope of a new message" {
	hostile_start ok --quirk trailing-space,empty-addr-list,nil-strings --idle-push 0.5
	run --separate-stderr H watch INBOX --once --timeout 10s -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.from[0].address, .cc]')" '["erin@example.com",[]]'
}

@test "BADCHARSET for a UTF-8 search (Exchange, Outlook): 69, the limitation and the term named" {
	hostile_start ok --quirk ascii-search
	run --separate-stderr H search INBOX subject:Grüße
	assert_failure 69
	assert_output ""
	assert_equal "$stderr" "imapctl: search: the server searches only ASCII text (it refused CHARSET UTF-8), and the term 'subject:Grüße' is not ASCII: The specified charset is not supported. [BADCHARSET]"
}

@test "an ASCII search on the same server: no CHARSET, found" {
	hostile_start ok --quirk ascii-search
	run --separate-stderr H search INBOX subject:report -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '.uid')" 3
	hostile_wait
	! grep -q CHARSET "$HOSTILE_RECORD"
}

@test "BADCHARSET for a change's --query: nothing changed, 69" {
	hostile_start ok --quirk ascii-search
	run --separate-stderr H flag INBOX --query subject:Grüße --add '\Flagged'
	assert_failure 69
	[[ $stderr == *"the term 'subject:Grüße' is not ASCII"* ]]
	hostile_wait
	! grep -q STORE "$HOSTILE_RECORD"
}

# An empty mailbox: Exchange answers "*" there with BAD.
@test "an empty mailbox on Exchange: 'all' and n:* name nothing, never a BAD" {
	hostile_start ok --connections 0 --timeout 3 --quirk empty-star
	for args in "fetch Archive all" "fetch Archive 1:*" "fetch Archive all --text" \
		"flag Archive all --add \\Seen" "move Archive 2:* INBOX" "delete Archive all" \
		"search Archive uid:1:*"; do
		run --separate-stderr H $args
		[ "$status" -le 1 ] || { echo "$args: $status $stderr"; false; }
		assert_output ""
		assert_equal "$stderr" ""
	done
	run --separate-stderr H fetch Archive 5
	assert_failure 69
	assert_equal "$stderr" "imapctl: fetch: not found in 'Archive': 1 message, UID 5"
	hostile_stop
	! grep -a ' BAD ' "$HOSTILE_SENT"
	! grep -a '\*' "$HOSTILE_RECORD" | grep -a 'UID'
}

@test "a mailbox that is not empty: 'all' still reaches every message" {
	hostile_start ok --quirk empty-star
	run --separate-stderr H fetch INBOX all -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,2,3]'
}

# QQ Mail and Tencent Exmail refuse a set whose ranges go down or are out
# of order ("BAD UID parameters!"); every set imapctl sends is sorted and
# merged, however the user wrote it.
@test "sets as QQ Mail wants them: sorted and merged, whatever the input order" {
	hostile_start ok --connections 0 --timeout 3 --quirk sorted-sets
	run --separate-stderr H fetch INBOX 3,1:2 -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,2,3]'
	run --separate-stderr H fetch INBOX 3:1,2 --text -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,2,3]'
	run --separate-stderr H fetch INBOX 3,1 --raw
	assert_success
	run --separate-stderr H search INBOX uid:3,1,2 -o jsonl
	assert_success
	run --separate-stderr H flag INBOX 3,1 --add '$Seen2' -o jsonl
	assert_success
	run --separate-stderr H flag INBOX - --remove '$Seen2' -o jsonl <<<$'3\n1\n2\n1'
	assert_success
	run --separate-stderr H move INBOX 3,1 Archive -o jsonl
	assert_success
	run --separate-stderr H delete Archive 3,1 -o jsonl
	assert_success
	hostile_stop
	! grep -a 'refused unsorted set' "$HOSTILE_LOG"
	! grep -a 'UID parameters' "$HOSTILE_SENT"
}

@test "the hostile server's sorted-sets mode does refuse an unsorted set" {
	hostile_start ok --quirk sorted-sets
	run --separate-stderr H raw --select INBOX UID FETCH 3,1 FLAGS
	assert_failure 76
	[[ $stderr == *'UID parameters!'* ]]
}

# A server (or a NAT) that drops an idling connection without a word:
# watch notices at the next --keepalive, when DONE goes unanswered for
# --timeout, reconnects and reports what arrived meanwhile.
@test "watch: IDLE dropped without a word is noticed at the next keepalive" {
	hostile_start script --script "$BATS_TEST_DIRNAME/hostile/scripts/watch-silent.script" --connections 2 --timeout 10
	run --separate-stderr H --timeout 2 watch INBOX --once --keepalive 1 --duration 20 -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.event, .uid]')" '["new",4]'
	assert_equal "$stderr" "imapctl: watch: warning: timed out after 2 s waiting for the server; reconnecting in 1 s"
	hostile_wait
	assert_equal "$(grep -ac 'EXAMINE INBOX' "$HOSTILE_RECORD")" 2
	grep -aqx $'DONE\r' "$HOSTILE_RECORD"
}

@test "watch: the keepalive's default is below Outlook's 10 minutes" {
	run --separate-stderr "$IMAPCTL" watch -h
	assert_success
	assert_output --partial "default 9min"
}

# Throttling: not now rather than no, a temporary failure (75); what was
# not done is named. A full mailbox stays a refusal (69).
@test "Outlook's 'Request is throttled': 75, with the wait it suggests" {
	hostile_start script --script "$(hostile_script t greeting 'serve-until UID FETCH' \
		'reply NO Request is throttled. Suggested Backoff Time: 5000 milliseconds' serve)"
	run --separate-stderr H fetch INBOX all -o jsonl
	assert_failure 75
	assert_output ""
	assert_equal "$stderr" "imapctl: fetch: fetching UIDs 1:*: Request is throttled. Suggested Backoff Time: 5000 milliseconds (the server is busy and asks to wait 5 s: try again later)"
}

@test "[THROTTLED] in the middle of a move: 75, the chunks done printed, the rest named" {
	hostile_start script --connections 2 --script "$(hostile_script t 'fill INBOX 6000' greeting \
		'serve-until UID MOVE' handle 'serve-until UID MOVE' \
		'reply NO [THROTTLED] Too many commands, slow down.' serve connection greeting serve)"
	run --separate-stderr H move INBOX - Archive -o jsonl < <(seq 1 2 6003)
	assert_failure 75
	moved=${#lines[@]}
	[ "$moved" -gt 0 ]
	[[ $stderr == *'imapctl: move: chunk 2 of 4: Too many commands, slow down. (the server refuses for now: try again later) [THROTTLED]'* ]]
	[[ $stderr == *"imapctl: move: not moved to 'Archive': $((3002 - moved)) messages, UIDs "* ]]
	run H status INBOX Archive -o json
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" "[$((6003 - moved)),$moved]"
}

@test "[UNAVAILABLE] for one of three appends: 75, it named, the others stored" {
	printf 'Subject: one\n\n1\n' >"$BATS_TEST_TMPDIR/1.eml"
	printf 'Subject: two\n\n2\n' >"$BATS_TEST_TMPDIR/2.eml"
	printf 'Subject: three\n\n3\n' >"$BATS_TEST_TMPDIR/3.eml"
	hostile_start script --script "$(hostile_script t greeting 'serve-until APPEND' handle \
		'expect APPEND' 'reply NO [UNAVAILABLE] Backend down, try later.' serve)"
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr H append Drafts 1.eml 2.eml 3.eml -o jsonl
	assert_failure 75
	assert_equal "$(echo "$output" | jq -s -c 'map(.file)')" '["1.eml","3.eml"]'
	[[ $stderr == *"imapctl: append: '2.eml': Backend down, try later. (the server refuses for now: try again later) [UNAVAILABLE]"* ]]
	[[ $stderr == *"imapctl: append: not appended, or not confirmed: 1 message: '2.eml'"* ]]
}

@test "Gmail's [OVERQUOTA] for its bandwidth limits and 'System Error': 75" {
	hostile_start script --script "$(hostile_script t greeting 'serve-until UID SEARCH' \
		'reply NO [OVERQUOTA] Account exceeded command or bandwidth limits. x1mb' serve)"
	run --separate-stderr H search INBOX unseen
	assert_failure 75
	[[ $stderr == *'[OVERQUOTA]'* ]]
	hostile_start script --script "$(hostile_script t greeting 'serve-until UID SEARCH' \
		'reply NO System Error (Failure)' serve)"
	run --separate-stderr H search INBOX unseen
	assert_failure 75
	assert_equal "$stderr" "imapctl: search: System Error (Failure) (the server refuses for now: try again later)"
}

@test "a full mailbox ([OVERQUOTA] Quota exceeded) stays a refusal: 69" {
	hostile_start script --script "$(hostile_script t greeting 'serve-until APPEND' \
		'reply NO [OVERQUOTA] Quota exceeded (mailbox for user is full)' serve)"
	printf 'Subject: one\n\n1\n' >"$BATS_TEST_TMPDIR/1.eml"
	run --separate-stderr H append Drafts "$BATS_TEST_TMPDIR/1.eml"
	assert_failure 69
}

@test "login refused with [UNAVAILABLE]: 75, not an authentication failure" {
	hostile_start script --script "$(hostile_script t greeting 'serve-until LOGIN' \
		'reply NO [UNAVAILABLE] Authentication backend down.' 'wait')"
	run --separate-stderr H --auth login status INBOX
	assert_failure 75
	[[ $stderr == *'login failed'*'[UNAVAILABLE]'* ]]
}
