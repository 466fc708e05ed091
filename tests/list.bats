#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# list: every seeded mailbox, names in UTF-8, counts right, in every format.

load helpers

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }

@test "list prints every mailbox as text, one a line, name first" {
	run --separate-stderr imapctl list
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 14
	assert_line --regexp '^INBOX	/	'
	assert_line --regexp '^Entwürfe	/	'
	assert_line --regexp '^日本語	/	'
	assert_line --regexp '^Café/Menü	/	'
	assert_line --regexp '^Old Mail	/	'
	assert_line --regexp '^Trash	/	.*\\Trash	\\Trash$'
}

@test "list --status -o json has correct counts and UTF-8 names" {
	run --separate-stderr imapctl list --status -o json
	assert_success
	echo "$output" | jq -e . >/dev/null
	assert_equal "$(echo "$output" | jq length)" 14
	assert_equal "$(echo "$output" | jq -c '.[] | select(.name=="INBOX") | [.messages,.unseen,.recent,.uidnext]')" "[5,3,0,6]"
	assert_equal "$(echo "$output" | jq -c '.[] | select(.name=="Projects/2024") | [.messages,.unseen]')" "[2,1]"
	assert_equal "$(echo "$output" | jq -c '.[] | select(.name=="Entwürfe") | [.messages,.delimiter]')" '[0,"/"]'
	assert_equal "$(echo "$output" | jq -r '.[] | select(.special_use=="\\Sent") | .name')" "Sent"
	# Every record has every field, and uidvalidity is a number.
	assert_equal "$(echo "$output" | jq '[.[] | keys | length] | unique')" "[
  10
]"
	assert_equal "$(echo "$output" | jq '[.[] | .uidvalidity | type] | unique | .[0]')" '"number"'
	# The sizes are the fixture files' sizes.
	want=$(cat "$FIXTURES"/inbox-*.eml | wc -c)
	assert_equal "$(echo "$output" | jq '.[] | select(.name=="INBOX") | .size')" "$want"
}

@test "list --status agrees in json, jsonl, xml and text" {
	run imapctl list --status -o json
	assert_success
	json=$(echo "$output" | jq -c '[.[] | [.name, .messages, .unseen]] | sort')
	run imapctl list --status -o jsonl
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 14
	assert_equal "$(echo "$output" | jq -s -c '[.[] | [.name, .messages, .unseen]] | sort')" "$json"
	run imapctl list --status -o xml
	assert_success
	echo "$output" | xmllint --noout -
	xml=$(echo "$output" | xmllint --xpath 'count(/imapctl[@command="list"][@format_version="1"]/mailbox)' -)
	assert_equal "$xml" 14
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/mailbox[name="Projects/2024"]/messages)' -)" 2
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl/mailbox[name="日本語"]/delimiter)' -)" /
	run imapctl list --status
	assert_success
	# name delimiter attributes special_use messages unseen recent uidnext uidvalidity size
	# Dovecot may add \\Marked or \\UnMarked to the attributes.
	assert_line --regexp '^Projects/2024	/	\\HasNoChildren[^	]*		2	1	0	3	[0-9]+	[0-9]+$'
}

@test "list without LIST-STATUS pipelines STATUS and gets the same counts" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug list --status -o json
	assert_success
	[[ $stderr == *"RETURN (SPECIAL-USE CHILDREN STATUS ("* ]]
	want=$(echo "$output" | jq -c '[.[] | [.name, .messages, .unseen, .size]] | sort')
	# A server that does not offer LIST-EXTENDED and LIST-STATUS.
	dovecot_restart --variant nolistext
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug list --status -o json
	assert_success
	[[ $stderr == *'C: A2 LIST "" "*"'* ]]
	assert_equal "$(echo "$stderr" | grep -c '^C: A[0-9]* STATUS ')" 14
	# Pipelined: every STATUS was written before the first answer came.
	last_status=$(echo "$stderr" | grep -n '^C: A[0-9]* STATUS ' | tail -1 | cut -d: -f1)
	first_answer=$(echo "$stderr" | grep -n '^S: \* STATUS ' | head -1 | cut -d: -f1)
	[ "$last_status" -lt "$first_answer" ]
	assert_equal "$(echo "$output" | jq -c '[.[] | [.name, .messages, .unseen, .size]] | sort')" "$want"
	# Without RETURN (SPECIAL-USE) the server still marks special use.
	assert_equal "$(echo "$output" | jq -r '.[] | select(.special_use=="\\Trash") | .name')" Trash
	dovecot_restart --variant default
}

@test "list with patterns selects mailboxes" {
	run imapctl list 'Projects/*' -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.[].name] | sort')" '["Projects/2024","Projects/2025"]'
	run imapctl list 'Caf%' INBOX -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.[].name] | sort')" '["Café","INBOX"]'
	run imapctl list 'Caf*/*' -o jsonl
	assert_success
	assert_equal "${#lines[@]}" 1
	# Dovecot may add \Marked or \UnMarked as it sees fit.
	assert_equal "$(echo "$output" | jq -c '[.name, .delimiter, (.attributes | index("\\HasNoChildren") != null), .special_use]')" '["Café/Menü","/",true,null]'
}

@test "list --subscribed leaves out the unsubscribed mailbox" {
	run imapctl list --subscribed -o json
	assert_success
	assert_equal "$(echo "$output" | jq length)" 13
	assert_equal "$(echo "$output" | jq '[.[] | select(.name=="Old Mail")] | length')" 0
}

@test "list sends non-ASCII patterns in modified UTF-7" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug list 'Entwürfe' '日本語'
	assert_success
	[[ $stderr == *'Entw&APw-rfe'* ]]
	[[ $stderr == *'&ZeVnLIqe-'* ]]
	assert_line --regexp '^Entwürfe	'
	assert_line --regexp '^日本語	'
}

@test "list | head ends quietly" {
	run bash -c "set -o pipefail; \"\$IMAPCTL\" $(imapctl_args) list | head -1"
	assert_success
	assert_equal "${#lines[@]}" 1
}

@test "a write error on stdout is exit 74" {
	run --separate-stderr bash -c "\"\$IMAPCTL\" $(imapctl_args) list >/dev/full"
	assert_failure 74
	[[ $stderr == *"imapctl: list: cannot write output"* ]]
}

@test "completion of mailbox names in bash, zsh and fish: operands and option arguments" {
	local sh conn
	conn=$(imapctl_args)
	for sh in bash zsh fish; do
		command -v $sh >/dev/null || continue
		assert_equal "$(complete_line $sh "imapctl $conn status Pro")" "$(printf '%s\n' Projects Projects/2024 Projects/2025)"
		# move MAILBOX SET DEST: no names for the set, names for DEST;
		# with --query there is no set.
		assert_equal "$(complete_line $sh "imapctl $conn move INBOX Pro")" ""
		assert_equal "$(complete_line $sh "imapctl $conn move INBOX 1:3 Pro")" "$(printf '%s\n' Projects Projects/2024 Projects/2025)"
		assert_equal "$(complete_line $sh "imapctl $conn move INBOX --query from:x Pro")" "$(printf '%s\n' Projects Projects/2024 Projects/2025)"
		assert_equal "$(complete_line $sh "imapctl $conn mailbox rename Pro")" "$(printf '%s\n' Projects Projects/2024 Projects/2025)"
		assert_equal "$(complete_line $sh "imapctl $conn raw --select Pro")" "$(printf '%s\n' Projects Projects/2024 Projects/2025)"
		assert_equal "$(complete_line $sh "imapctl $conn check --mailbox Tr")" Trash
	done
}
