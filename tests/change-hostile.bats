#!/usr/bin/env bats
# Changes that fail part-way, against the scripted hostile server
# (tests/hostile/scripts/*.script): the connection drops after a COPY and
# before its EXPUNGE, or after some chunks of a large move; a chunk is
# refused. Afterwards every message exists in at least one of the two
# mailboxes, the records list what was done, what was not is named, and
# the exit status is not 0. A later connection to the same server (its
# store is shared) shows what is left.

load helpers
load hostile/hostile

SCRIPTS=$BATS_TEST_DIRNAME/hostile/scripts

setup_file() { imapctl_isolate; }
teardown() { hostile_stop; }

H() {
	IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u "$@"
}

# The Message-IDs of a mailbox of the hostile server, one a line.
ids() {
	H raw --select "$1" UID FETCH 1:* '(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])' -o jsonl |
		jq -r 'select(.type == "FETCH") | .args[0][-1]' | grep -o '<[^>]*>'
}

# The 3 messages INBOX starts with and the 6000 a script adds.
all_ids() {
	{ printf '<%d@hostile.example>\n' 1 2 3; seq -f '<fill%g@hostile.example>' 4 6003; } | sort
}

@test "the connection drops after COPY, before EXPUNGE: the copy is reported, nothing lost" {
	hostile_start script --script "$SCRIPTS/copy-drop.script" --drop-cap MOVE --connections 2
	run --separate-stderr H move INBOX 1:2 Archive -o jsonl
	assert_failure 74
	assert_output ""
	[[ $stderr == *'imapctl: move: '*'connection'* ]]
	[[ $stderr == *"imapctl: move: copied to 'Archive' but still in 'INBOX': 2 messages, UIDs 1:2"* ]]
	run H status INBOX Archive -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" '[3,2]'
	hostile_wait
	grep -q 'UID COPY 1:2 Archive' "$HOSTILE_RECORD"
	grep -q 'UID STORE 1:2 +FLAGS.SILENT (\\Deleted)' "$HOSTILE_RECORD"
	! grep -q EXPUNGE "$HOSTILE_RECORD"
}

@test "a large move cut off after two chunks: those are listed, the rest named" {
	hostile_start script --script "$SCRIPTS/move-chunks-drop.script" --connections 2
	# Every other UID: 3002 ranges, four chunks.
	run --separate-stderr H move INBOX - Archive -o jsonl < <(seq 1 2 6003)
	assert_failure 74
	moved=${#lines[@]}
	[ "$moved" -gt 0 ] && [ "$moved" -lt 3002 ]
	# Each record pairs a named UID with its new one.
	assert_equal "$(echo "$output" | jq -s 'map(select(.uid % 2 == 1 and .dest_uid > 0)) | length')" "$moved"
	left=$((3002 - moved))
	[[ $stderr == *"imapctl: move: not moved to 'Archive': $left messages, UIDs "* ]]
	run H status INBOX Archive -o json
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" "[$((6003 - moved)),$moved]"
	hostile_wait
	assert_equal "$(grep -c 'UID MOVE' "$HOSTILE_RECORD")" 4
}

@test "a large move without MOVE cut off after two chunks: nothing lost" {
	hostile_start script --script "$SCRIPTS/copy-chunks-drop.script" --drop-cap MOVE --connections 3
	run --separate-stderr H move INBOX - Archive -o jsonl < <(seq 1 2 6003)
	assert_failure 74
	moved=${#lines[@]}
	[ "$moved" -gt 0 ] && [ "$moved" -lt 3002 ]
	# What was copied but not expunged is named as such.
	[[ $stderr == *"imapctl: move: copied to 'Archive'"* ]]
	inbox=$(ids INBOX) archive=$(ids Archive)
	# Every message is in INBOX or Archive (copies may be in both).
	assert_equal "$(printf '%s\n%s\n' "$inbox" "$archive" | sort -u)" "$(all_ids)"
	# The records name messages that left INBOX and arrived in Archive.
	assert_equal "$(echo "$inbox" | wc -l)" $((6003 - moved))
	hostile_wait
	! grep -q '^[^ ]* EXPUNGE' "$HOSTILE_RECORD"
}

@test "a chunk refused part-way: the others' records, the refused one named" {
	hostile_start script --script "$SCRIPTS/move-chunk-refused.script" --connections 2
	run --separate-stderr H move INBOX - Archive -o jsonl < <(seq 1 2 6003)
	assert_failure 69
	moved=${#lines[@]}
	[[ $stderr == *'imapctl: move: chunk 2 of 4: Quota exceeded (hostile). [OVERQUOTA]'* ]]
	[[ $stderr == *"imapctl: move: not moved to 'Archive': $((3002 - moved)) messages, UIDs "* ]]
	run H status INBOX Archive -o json
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" "[$((6003 - moved)),$moved]"
}
