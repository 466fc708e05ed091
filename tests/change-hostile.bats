#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Changes that fail part-way, against the scripted hostile server
# (tests/hostile/scripts/*.script): the connection drops after a COPY and
# before its EXPUNGE, or after some chunks of a large move, or before a
# delete's EXPUNGE is answered; a chunk of a move or of a flag change is
# refused; one of several APPENDs is refused. Afterwards every message
# exists in at least one of the two mailboxes, the records list what was
# done, what was not is named, and the exit status is not 0. A later connection to the same server (its
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
	[[ $stderr == *"imapctl: move: copied to 'Archive' but still in 'INBOX' (\\Deleted not confirmed): 2 messages, UIDs 1:2"* ]]
	run H status INBOX Archive -o json
	assert_success
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" '[3,2]'
	hostile_wait
	grep -q 'UID COPY 1:2 Archive' "$HOSTILE_RECORD"
	grep -q 'UID STORE 1:2 +FLAGS.SILENT (\\Deleted)' "$HOSTILE_RECORD"
	! grep -q EXPUNGE "$HOSTILE_RECORD"
}

# The messages stderr names as not done, summed over its lines.
named() {
	echo "$stderr" | sed -n 's/.*: \([0-9]*\) messages\{0,1\}, UIDs\{0,1\} .*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }'
}

# When the server drops the connection with commands still unread, the
# client may get a reset instead of the last answers: what it reports done
# is then less than the server did, never more, and the rest is named as
# not done or not confirmed.

@test "a large move cut off after two chunks: those are listed, the rest named" {
	hostile_start script --script "$SCRIPTS/move-chunks-drop.script" --connections 2
	# Every other UID: 3002 ranges, four chunks.
	run --separate-stderr H move INBOX - Archive -o jsonl < <(seq 1 2 6003)
	assert_failure 74
	moved=${#lines[@]}
	[ "$moved" -lt 3002 ]
	# Each record pairs a named UID with its new one.
	assert_equal "$(echo "$output" | jq -s 'map(select(.uid % 2 == 1 and .dest_uid > 0)) | length')" "$moved"
	assert_equal $((moved + $(named))) 3002
	[[ $stderr == *"imapctl: move: "*"to 'Archive'"*": "*" messages, UIDs "* ]]
	run H status INBOX Archive -o json
	inbox=$(echo "$output" | jq '.[0].messages') archive=$(echo "$output" | jq '.[1].messages')
	# MOVE leaves no copies: every message is in one of the two.
	assert_equal $((inbox + archive)) 6003
	[ "$archive" -ge "$moved" ]
	[ "$archive" -lt 3002 ]
	hostile_wait
	# The four chunks were all under way (each MOVE goes when the FETCH
	# of its Message-IDs is answered).
	assert_equal "$(grep -c 'UID FETCH .* (UID BODY.PEEK\[HEADER.FIELDS (MESSAGE-ID)\])' "$HOSTILE_RECORD")" 4
	[ "$(grep -c 'UID MOVE' "$HOSTILE_RECORD")" -ge 2 ]
}

@test "a large move without MOVE cut off after two chunks: nothing lost" {
	hostile_start script --script "$SCRIPTS/copy-chunks-drop.script" --drop-cap MOVE --connections 3
	run --separate-stderr H move INBOX - Archive -o jsonl < <(seq 1 2 6003)
	assert_failure 74
	moved=${#lines[@]}
	[ "$moved" -lt 3002 ]
	assert_equal $((moved + $(named))) 3002
	# What was copied but not expunged is named as such.
	[[ $stderr == *"imapctl: move: copied to 'Archive'"* ]]
	inbox=$(ids INBOX) archive=$(ids Archive)
	# Every message is in INBOX or Archive (copies may be in both).
	assert_equal "$(printf '%s\n%s\n' "$inbox" "$archive" | sort -u)" "$(all_ids)"
	# What the records name left INBOX and arrived in Archive.
	[ "$(echo "$inbox" | wc -l)" -le $((6003 - moved)) ]
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

@test "delete cut off before its expunge was answered: flagged, still there, named" {
	hostile_start script --script "$SCRIPTS/delete-expunge-drop.script" --connections 2
	run --separate-stderr H delete INBOX 1:2 -o jsonl
	assert_failure 74
	assert_output ""
	[[ $stderr == *"imapctl: delete: flagged \\Deleted, expunge not confirmed: 2 messages, UIDs 1:2"* ]]
	run H raw --select INBOX UID FETCH 1:* FLAGS -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c -s 'map(select(.type == "FETCH") | .args[0] | [.[1], (.[3] | index("\\Deleted") != null)])')" \
	    '[["1",true],["2",true],["3",false]]'
	hostile_wait
	grep -q 'UID STORE 1:2 +FLAGS.SILENT (\\Deleted)' "$HOSTILE_RECORD"
	grep -q 'UID EXPUNGE 1:2' "$HOSTILE_RECORD"
}

@test "flag: a chunk refused part-way: the others' records, the refused one named" {
	hostile_start script --script "$SCRIPTS/flag-chunk-refused.script" --connections 2
	run --separate-stderr H flag INBOX - --add flagged -o jsonl < <(seq 1 2 6003)
	assert_failure 69
	flagged=${#lines[@]}
	[ "$flagged" -lt 3002 ]
	# Each record is of a named UID, with the flag added.
	assert_equal "$(echo "$output" | jq -s 'map(select(.uid % 2 == 1 and (.flags | index("\\Flagged")))) | length')" "$flagged"
	[[ $stderr == *'imapctl: flag: chunk 2 of 4: Too many changes at once (hostile). [LIMIT]'* ]]
	[[ $stderr == *"imapctl: flag: flags not changed: $((3002 - flagged)) messages, UIDs "* ]]
	# What the records say is what the server holds (UID 3 was flagged
	# before, and is in the first chunk).
	recorded=$(echo "$output" | jq -s -c 'map(.uid) | sort')
	run H search INBOX flagged -o jsonl
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid) | sort')" "$recorded"
}

@test "append: the second of three refused; the others stored, it named" {
	printf 'Subject: one\n\n1\n' >"$BATS_TEST_TMPDIR/1.eml"
	printf 'Subject: two\n\n2\n' >"$BATS_TEST_TMPDIR/2.eml"
	printf 'Subject: three\n\n3\n' >"$BATS_TEST_TMPDIR/3.eml"
	hostile_start script --script "$SCRIPTS/append-refused.script" --connections 2
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr H append Drafts 1.eml 2.eml 3.eml -o jsonl
	assert_failure 69
	assert_equal "$(echo "$output" | jq -s -c 'map([.file, (.uid > 0)])')" '[["1.eml",true],["3.eml",true]]'
	[[ $stderr == *"imapctl: append: '2.eml': Quota exceeded (hostile). [OVERQUOTA]"* ]]
	[[ $stderr == *"imapctl: append: not appended, or not confirmed: 1 message: '2.eml'"* ]]
	run H raw --select Drafts UID FETCH 1:* '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])' -o jsonl
	assert_equal "$(echo "$output" | jq -r 'select(.type == "FETCH") | .args[0][-1]' | grep -o 'one\|two\|three' | tr '\n' ' ')" 'one three '
}

# Messages that another session expunges between the run's look at the
# mailbox and its change: what was changed has its record, what was gone
# is named as not found (flag and move: 69; delete: 0, gone is what it was
# asked for), never a refusal of the whole chunk, never silence.
@test "flag: a message expunged by another session mid-run (NO [EXPUNGEISSUED]) is named, the rest flagged" {
	hostile_start script --script "$SCRIPTS/flag-gone.script"
	run --separate-stderr H flag INBOX 2,3 --add flagged -o jsonl
	assert_failure 69
	assert_equal "$(echo "$output" | jq -c '[.uid, (.flags | index("\\Flagged") != null)]')" '[3,true]'
	assert_equal "$stderr" "imapctl: flag: not found in 'INBOX': 1 message, UID 2"
}

@test "flag: a message expunged by another session mid-run, the STORE answered OK, is named all the same" {
	hostile_start script --script "$SCRIPTS/flag-gone-ok.script"
	run --separate-stderr H flag INBOX - --add flagged -o jsonl < <(printf '2\n3\n')
	assert_failure 69
	assert_equal "$(echo "$output" | jq -c '.uid')" 3
	assert_equal "$stderr" "imapctl: flag: not found in 'INBOX': 1 message, UID 2"
}

@test "move: what COPYUID leaves out was gone, named, and has no record" {
	hostile_start script --script "$SCRIPTS/move-gone.script"
	run --separate-stderr H move INBOX 2:3 Archive -o jsonl
	assert_failure 69
	assert_equal "$(echo "$output" | jq -c '[.uid, .dest_uid]')" '[3,9]'
	assert_equal "$stderr" "imapctl: move: not found in 'INBOX': 1 message, UID 2"
}

@test "move refused part-way (EXPUNGEISSUED, no COPYUID): records for what moved, the rest tried again, the gone named" {
	hostile_start script --script "$SCRIPTS/move-partial.script"
	run --separate-stderr H move INBOX 1:3 Archive -o jsonl
	assert_failure 69
	# UID 3 moved on the retry (COPYUID of the store), UID 1 found in
	# Archive by its Message-ID.
	assert_equal "$(echo "$output" | jq -c '[.uid, .dest_uidvalidity, .dest_uid]' | sort)" \
'[1,1700000002,7]
[3,1700000002,1]'
	assert_equal "$stderr" "imapctl: move: not found in 'INBOX': 1 message, UID 2"
	hostile_wait
	grep -q 'UID MOVE 3 Archive' "$HOSTILE_RECORD"
}

@test "move: a garbled answer to the look-up by Message-ID is the server's fault, no record from it" {
	hostile_start script --script "$SCRIPTS/move-look-garbled.script"
	run --separate-stderr H move INBOX 1:3 Archive -o jsonl
	assert_failure 76
	# UID 3 moved on the retry; nothing is taken from "* SEARCH 7 x".
	assert_equal "$(echo "$output" | jq -c '[.uid, .dest_uid]')" '[3,1]'
	[[ $stderr == *"imapctl: move: server sent a bad SEARCH result"* ]]
	[[ $stderr == *"not known to be expunged: 2 messages, UIDs 1:2"* ]]
}

@test "move refused part-way with an untagged COPYUID: its pairs are records" {
	hostile_start script --script "$SCRIPTS/move-partial-copyuid.script"
	run --separate-stderr H move INBOX 1:3 Archive -o jsonl
	assert_failure 69
	assert_equal "$(echo "$output" | jq -c '[.uid, .dest_uid]' | sort)" \
'[1,7]
[3,1]'
	assert_equal "$stderr" "imapctl: move: not found in 'INBOX': 1 message, UID 2"
}

@test "delete: what another session took before the UID EXPUNGE has no record" {
	hostile_start script --script "$SCRIPTS/delete-partial.script"
	run --separate-stderr H delete INBOX 1:3 -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c .uid | tr '\n' ' ')" '1 3 '
	assert_equal "$stderr" "imapctl: delete: not found in 'INBOX': 1 message, UID 2"
}

@test "delete: no EXPUNGE response at all: what is gone afterwards was deleted, the rest named" {
	hostile_start script --script "$SCRIPTS/delete-silent.script"
	run --separate-stderr H delete INBOX 1:3 -o jsonl
	assert_failure 69
	assert_equal "$(echo "$output" | jq -c .uid | tr '\n' ' ')" '1 2 '
	[[ $stderr == *"flagged \\Deleted but not expunged: 1 message, UID 3"* ]]
}

# An EXISTS smaller than the count, or more EXPUNGEs than there are
# messages, contradicts what the server said before (only EXPUNGE makes a
# mailbox smaller, RFC 3501 7.3.1): such a count is not believed, and
# what is still there is asked, never inferred from it.
@test "delete: an expunge answered without EXPUNGEs, with a smaller EXISTS: what is left is named, 69" {
	hostile_start script --script "$(hostile_script shrink \
		greeting 'fill INBOX 2000' 'serve-until UID EXPUNGE' \
		'sendraw * 4 EXISTS\r\n{tag} OK Expunged nothing.\r\n' serve)"
	run --separate-stderr H delete INBOX - -o jsonl < <(seq 1 2 2003)
	assert_failure 69
	# The second chunk's 91 were expunged; the first's 911 are still there.
	assert_equal "${#lines[@]}" 91
	[[ $stderr == *"imapctl: delete: flagged \\Deleted but not expunged: 911 messages, UIDs 1,3,5,"* ]]
}

@test "move: a refused MOVE with a smaller EXISTS: the refusal said, nothing named as gone, 69" {
	hostile_start script --script "$(hostile_script shrink \
		greeting 'fill INBOX 2000' 'serve-until UID MOVE' \
		'sendraw {tag} NO [CANNOT] Refused (hostile).\r\n* 4 EXISTS\r\n' serve)"
	run --separate-stderr H move INBOX - Archive -o jsonl < <(seq 1 2 2003)
	assert_failure 69
	assert_equal "${#lines[@]}" 91
	[[ $stderr == *"imapctl: move: chunk 1 of 2: Refused (hostile). [CANNOT]"* ]]
	[[ $stderr == *"imapctl: move: not moved to 'Archive': 911 messages, UIDs 1,3,5,"* ]]
	[[ $stderr != *"not found"* ]]
}
