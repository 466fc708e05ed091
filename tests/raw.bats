#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# raw: one command, IMAP syntax passed through, anything else quoted; the
# responses as records; NO and BAD as errors.

load helpers
load change

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
setup() { dovecot_reseed; }

@test "raw STATUS: a list argument passes through, the responses are records" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug raw STATUS INBOX '(MESSAGES UNSEEN)' -o json
	assert_success
	[[ $stderr == *'C: A3 STATUS INBOX (MESSAGES UNSEEN)'* ]]
	assert_equal "$(echo "$output" | jq -c '.[0]')" '{"type":"STATUS","number":null,"code":null,"args":["INBOX",["MESSAGES","5","UNSEEN","3"]],"text":null,"tagged":false}'
	assert_equal "$(echo "$output" | jq -c '.[1] | [.type, .tagged]')" '["OK",true]'
	# The same numbers as status says.
	run imapctl status INBOX -o json
	assert_equal "$(echo "$output" | jq -c '.[0] | [.messages, .unseen]')" '[5,3]'
}

@test "raw --select, FETCH with nested lists, in text" {
	run --separate-stderr imapctl raw --select INBOX UID FETCH 2 '(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])'
	assert_success
	assert_line --index 0 $'FETCH\t2\t\t(UID 2 FLAGS (\\Seen) BODY[HEADER.FIELDS (MESSAGE-ID)] Message-ID: <gruesse-2@example.de>\\r\\n\\r\\n)\t\tfalse'
	assert_line --index 1 --regexp $'^OK\t\t\t\tFetch completed.*\ttrue$'
}

@test "raw in jsonl and xml; a response code is a list" {
	run imapctl raw --select INBOX UID COPY 1 Archive -o jsonl
	assert_success
	assert_equal "$(echo "$output" | tail -1 | jq -c '[.type, .code[0], .code[2], .tagged]')" '["OK","COPYUID","1",true]'
	assert_equal "$(srv_count Archive)" 1
	run imapctl raw NAMESPACE -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl[@command="raw"]/response[1]/type)' -)" NAMESPACE
}

@test "raw changes what it says: CREATE, seen by list" {
	run imapctl raw CREATE 'Raw Box'
	assert_success
	srv_mailboxes | grep -qx 'Raw Box'
}

@test "what is not syntax is quoted or a literal, never a second line" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug raw --select INBOX UID SEARCH SUBJECT 'Quarterly report' NOT SUBJECT '{5}' -o jsonl
	assert_success
	[[ $stderr == *'C: A4 UID SEARCH SUBJECT "Quarterly report" NOT SUBJECT "{5}"'* ]]
	assert_equal "$(echo "$output" | head -1 | jq -c '[.type, .args]')" '["SEARCH",["3"]]'
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug raw LIST '' $'x\r\nA9 DELETE INBOX'
	assert_success
	[[ $stderr == *'C: A3 LIST "" {'* ]]
	! echo "$stderr" | grep -q '^C: A9'
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug raw LIST '""' '"*"' '(unbalanced'
	assert_failure 76
	[[ $stderr == *'C: A3 LIST "" "*" "(unbalanced"'* ]]
}

@test "NO and BAD are error exits, not output" {
	run --separate-stderr imapctl raw SELECT Nope
	assert_failure 69
	assert_output ""
	[[ $stderr == "imapctl: raw: Mailbox doesn't exist: Nope"* ]]
	run --separate-stderr imapctl raw FROBNICATE
	assert_failure 76
	assert_output ""
}

@test "raw --dry-run sends nothing" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug raw DELETE 'Old Mail' --dry-run -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c '.[0]')" '{"command":"DELETE <string>","strings":["Old Mail"]}'
	! echo "$stderr" | grep -q '^C: A[0-9]* DELETE'
	srv_mailboxes | grep -qx 'Old Mail'
}

@test "raw: a command longer than a command may be is refused whole, also with --dry-run" {
	local a i args=()
	a=$(head -c 120000 /dev/zero | tr '\0' a)
	for i in 1 2 3 4 5 6 7 8 9; do args+=("$a"); done
	run --separate-stderr imapctl raw NOOP "${args[@]}" --dry-run
	assert_failure 64
	assert_equal "$output" ""
	[[ $stderr == "imapctl: raw: command too long"* ]]
	run --separate-stderr imapctl raw NOOP "${args[@]}"
	assert_failure 64
	[[ $stderr == "imapctl: raw: command too long"* ]]
}

@test "commands that would change the connection are refused" {
	for c in STARTTLS idle AUTHENTICATE COMPRESS; do
		run --separate-stderr imapctl raw "$c"
		assert_failure 64
	done
	run --separate-stderr imapctl raw 'BAD WORD'
	assert_failure 64
	# An argument that starts with "-" follows "--".
	run imapctl raw --select INBOX -- UID STORE 1 -FLAGS '(\Seen)'
	assert_success
	assert_equal "$(srv_flags INBOX | head -1)" '1	'
}

@test "the manual's example: a FETCH imapctl has no command for" {
	run imapctl raw --select INBOX UID FETCH 1:* '(FLAGS RFC822.SIZE)' -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(select(.type == "FETCH") | .args[0][1])')" '["1","2","3","4","5"]'
}

@test "no argument can end the line, open a literal or start a command" {
	for a in $'x\nA9 DELETE INBOX' $'x\rA9 DELETE INBOX' '{5}' '{5+}' '~{3}' \
	    '"x" {3}' '(a {5})' '"a\"' 'a"b' '"a"b"' ')(' 'x y' '' 'Ünïcödé'; do
		run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug raw LIST '""' "$a"
		assert_success
		# One command line for the one command, then LOGOUT; the server
		# answered exactly those (and the login and COMPRESS).
		assert_equal "$(echo "$stderr" | grep -c '^C: A[0-9]* ')" 4
		[[ $stderr == *$'\nC: A2 COMPRESS DEFLATE\n'* ]]
		[[ $stderr == *$'\nC: A4 LOGOUT\n'* ]]
		assert_equal "$(echo "$stderr" | grep -o '^S: [^*+][^ ]*' | tr '\n' ' ')" 'S: A1 S: A2 S: A3 S: A4 '
		! echo "$stderr" | grep -q '^S: \* BAD'
	done
	srv_mailboxes | grep -qx INBOX
}
