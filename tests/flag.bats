#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# flag: UID STORE over a set, records of each message's flags after the
# change; the server's state checked afterwards with fetch.

load helpers
load change

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
setup() { dovecot_reseed; }

@test "flag --add: a record of each message's flags after the change" {
	run --separate-stderr imapctl flag INBOX 1:5 --add flagged -o json
	assert_success
	assert_equal "$stderr" ""
	uv=$(srv_uidvalidity INBOX)
	assert_equal "$(echo "$output" | jq -c 'sort_by(.uid) | .[] | [.mailbox, .uidvalidity, .uid, (.flags | sort)]')" \
"[\"INBOX\",$uv,1,[\"\\\\Flagged\",\"\\\\Seen\"]]
[\"INBOX\",$uv,2,[\"\\\\Flagged\",\"\\\\Seen\"]]
[\"INBOX\",$uv,3,[\"\\\\Flagged\"]]
[\"INBOX\",$uv,4,[\"\\\\Flagged\"]]
[\"INBOX\",$uv,5,[\"\\\\Flagged\"]]"
	assert_equal "$(srv_flags INBOX)" "1	\\Flagged \\Seen
2	\\Flagged \\Seen
3	\\Flagged
4	\\Flagged
5	\\Flagged"
}

@test "messages the server did not report changed still get a record" {
	# 1 and 2 are \Seen already: Dovecot reports only 3, 4 and 5.
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug flag INBOX 1:5 --add seen -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid) | sort')" '[1,2,3,4,5]'
	[[ $stderr == *'C: A5 UID STORE 1:5 +FLAGS (\Seen)'* ]]
	[[ $stderr == *'C: A6 UID FETCH 1:5 (UID FLAGS)'* ]]
	assert_equal "$(srv_flags INBOX | cut -f2 | sort -u)" '\Flagged \Seen
\Seen'
}

@test "flag --remove and --set, friendly names and keywords" {
	run imapctl flag INBOX 1,3 --remove seen,flagged
	assert_success
	assert_equal "$(srv_flags INBOX)" "1	
2	\\Seen
3	
4	
5	"
	run imapctl flag INBOX 2:4 --set '$Junk' --set 'Important draft'
	assert_success
	assert_equal "$(srv_flags INBOX)" "1	
2	\$Junk Important \\Draft
3	\$Junk Important \\Draft
4	\$Junk Important \\Draft
5	"
	run imapctl flag INBOX 2 --set ''
	assert_success
	assert_output --regexp $'^INBOX\t[0-9]+\t2\t$'
	assert_equal "$(srv_flags INBOX | sed -n 2p)" "2	"
}

@test "flag text fields are mailbox, uidvalidity, uid, flags" {
	run imapctl flag Projects/2024 2 --add answered
	assert_success
	# Text escapes the backslash.
	assert_output "Projects/2024	$(srv_uidvalidity Projects/2024)	2	\\Answered"
}

@test "flag in xml is well formed and lists the flags" {
	run imapctl flag INBOX 3 --add seen -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'count(/imapctl[@command="flag"]/message/flags/flag)' -)" 2
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/message/uid)' -)" 3
}

@test "UIDs that do not exist are skipped; all names every message" {
	run --separate-stderr imapctl flag INBOX 4:100 --add flagged -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid) | sort')" '[4,5]'
	run imapctl flag INBOX all --add seen -o jsonl
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_equal "$(srv_flags INBOX | grep -vc Seen)" 0
}

@test "UIDs from stdin, as search and fetch print them, or bare" {
	uv=$(srv_uidvalidity INBOX)
	run --separate-stderr imapctl flag INBOX - --add flagged -o jsonl <<-EOF
	{"mailbox":"INBOX","uidvalidity":$uv,"uid":4}
	5
	EOF
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid) | sort')" '[4,5]'
	assert_equal "$(srv_flags INBOX | grep -c Flagged)" 3
	# Empty input acts on nothing and succeeds.
	run --separate-stderr imapctl flag INBOX - --add flagged </dev/null
	assert_success
	assert_output ""
}

@test "a stale UIDVALIDITY or another mailbox on stdin changes nothing" {
	before=$(srv_flags INBOX)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug flag INBOX - --add deleted <<-EOF
	{"mailbox":"INBOX","uidvalidity":1,"uid":4}
	EOF
	assert_failure 65
	assert_output ""
	[[ $stderr == *"UIDVALIDITY 1 is not the mailbox's"* ]]
	! echo "$stderr" | grep -q 'UID STORE'
	run --separate-stderr imapctl flag INBOX - --add deleted <<-EOF
	{"mailbox":"Projects/2024","uid":1}
	EOF
	assert_failure 65
	[[ $stderr == *"from mailbox 'Projects/2024', not 'INBOX'"* ]]
	run --separate-stderr imapctl flag INBOX 1 --add deleted --uidvalidity 1
	assert_failure 65
	assert_equal "$(srv_flags INBOX)" "$before"
}

@test "--dry-run prints the messages it would change and changes nothing" {
	before=$(srv_flags INBOX)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug flag INBOX 2:9 --add '$Junk' --dry-run -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.[] | [.uid, .flags]]')" '[[2,null],[3,null],[4,null],[5,null]]'
	[[ $stderr == *'C: A3 EXAMINE INBOX'* ]]
	! echo "$stderr" | grep -q 'UID STORE'
	assert_equal "$(srv_flags INBOX)" "$before"
}

@test "--max refuses before anything changes" {
	before=$(srv_flags INBOX)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug flag INBOX all --add deleted --max 4
	assert_failure 65
	assert_output ""
	[[ $stderr == *'imapctl: flag: the set names 5 messages, more than --max 4; nothing was changed'* ]]
	! echo "$stderr" | grep -q 'UID STORE'
	assert_equal "$(srv_flags INBOX)" "$before"
	run imapctl flag INBOX all --add flagged --max 5
	assert_success
}

@test "bad flags and a missing mode are usage errors; nothing is stored" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug flag INBOX 1 --add 'a(b'
	assert_failure 64
	[[ $stderr == *"bad flag 'a(b' in --add"* ]]
	! echo "$stderr" | grep -q 'STORE'
	run --separate-stderr imapctl flag INBOX 1 --add 'x]'
	assert_failure 64
	run --separate-stderr imapctl flag INBOX 1 --add '\Recent'
	assert_failure 64
	run --separate-stderr imapctl flag INBOX 1
	assert_failure 64
	[[ $stderr == *'give one of --add, --remove, --set, --add-label and --remove-label'* ]]
	run --separate-stderr imapctl flag INBOX 1 --add seen --remove seen
	assert_failure 64
	run --separate-stderr imapctl flag INBOX 1:x --add seen
	assert_failure 64
	run --separate-stderr imapctl flag INBOX --add seen
	assert_failure 64
	[[ $stderr == *'missing SET operand'* ]]
}

@test "a mailbox that does not exist is an error" {
	run --separate-stderr imapctl flag Nope 1 --add seen
	assert_failure 69
	[[ $stderr == "imapctl: flag: cannot open mailbox 'Nope': "* ]]
}

@test "the manual's example: see what would change, then mark all read" {
	run bash -c "$IMAPCTL $(imapctl_args) flag INBOX all --add seen --dry-run | wc -l"
	assert_success
	assert_equal "$output" 5
	assert_equal "$(srv_flags INBOX | grep -c Seen)" 2
	run imapctl flag INBOX all --add seen
	assert_success
	assert_equal "$(srv_flags INBOX | grep -c Seen)" 5
}

@test "\"*\" is the last message; \"10:*\" never reaches below 10" {
	# IMAP reads 10:* as 5:10 when 5 is the largest UID.
	run --separate-stderr imapctl flag INBOX '10:*' --add flagged
	assert_success
	assert_output ""
	run imapctl flag INBOX '*' --add draft -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.uid, .flags]')" '[5,["\\Draft"]]'
	run imapctl flag INBOX '4:*' --add draft --dry-run -o jsonl
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[4,5]'
	assert_equal "$(srv_flags INBOX | grep -c Draft)" 1
}

@test "flag --query: the messages that match; --dry-run, no match, guards" {
	before=$(srv_flags INBOX)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug flag INBOX --query 'unseen not from:bob' --add flagged --dry-run -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .flags])')" '[[4,null],[5,null]]'
	[[ $stderr == *'C: A3 EXAMINE INBOX'* ]]
	! echo "$stderr" | grep -q 'UID STORE'
	# Nothing matches: nothing to do, and that is not an error.
	run --separate-stderr imapctl flag INBOX --query from:nobody@ --add flagged
	assert_success
	assert_output ""
	# A bad query, a stale --uidvalidity, too many: nothing changes.
	run --separate-stderr imapctl flag INBOX --query 'frm:carol' --add flagged
	assert_failure 64
	[[ $stderr == *"unknown query term 'frm:carol'"* ]]
	run --separate-stderr imapctl flag INBOX --query seen --add flagged --uidvalidity 1
	assert_failure 65
	run --separate-stderr imapctl flag INBOX --query 'not flagged' --add flagged --max 3
	assert_failure 65
	[[ $stderr == *'the set names 4 messages, more than --max 3; nothing was changed'* ]]
	assert_equal "$(srv_flags INBOX)" "$before"
	run --separate-stderr imapctl flag INBOX --query 'unseen not from:bob' --add flagged -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .flags])')" '[[4,["\\Flagged"]],[5,["\\Flagged"]]]'
	assert_equal "$(srv_flags INBOX | grep Flagged | cut -f1 | tr '\n' ' ')" '3 4 5 '
}
