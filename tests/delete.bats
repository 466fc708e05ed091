#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# delete: \Deleted and UID EXPUNGE of exactly the named messages, --trash,
# --flag-only, Gmail; state checked afterwards with fetch and status.

load helpers
load change
load hostile/hostile

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
setup() { dovecot_reseed; }
teardown() { hostile_stop; }

@test "delete expunges exactly the named messages; other \\Deleted ones stay" {
	run imapctl flag INBOX 1 --add deleted
	assert_success
	run --separate-stderr imapctl delete INBOX 2,4 -o json
	assert_success
	uv=$(srv_uidvalidity INBOX)
	assert_equal "$(echo "$output" | jq -c '.[]')" \
"{\"mailbox\":\"INBOX\",\"uidvalidity\":$uv,\"uid\":2,\"dest_mailbox\":null,\"dest_uidvalidity\":null,\"dest_uid\":null}
{\"mailbox\":\"INBOX\",\"uidvalidity\":$uv,\"uid\":4,\"dest_mailbox\":null,\"dest_uidvalidity\":null,\"dest_uid\":null}"
	assert_equal "$(srv_flags INBOX)" '1	\Deleted \Seen
3	\Flagged
5	'
}

@test "the expunge is sent only after the store's tagged OK" {
	# Dovecot 2.3 expunged nothing when both came in one write.
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug delete INBOX 1:3
	assert_success
	store_ok=$(echo "$stderr" | grep -n '^S: A5 OK' | cut -d: -f1)
	# (After a FETCH of where the messages stand, whose answer it also
	# waits for.)
	expunge=$(echo "$stderr" | grep -n '^C: A8 UID EXPUNGE 1:3$' | cut -d: -f1)
	[[ $stderr == *'C: A7 UID FETCH 1:3 (UID)'* ]]
	[ "$(echo "$stderr" | grep -n '^S: A7 OK' | cut -d: -f1)" -lt "$expunge" ]
	[[ $stderr == *'C: A5 UID STORE 1:3 +FLAGS.SILENT (\Deleted)'* ]]
	[ -n "$store_ok" ]
	[ -n "$expunge" ]
	[ "$store_ok" -lt "$expunge" ]
	assert_equal "$(srv_flags INBOX | cut -f1 | tr '\n' ' ')" '4 5 '
}

@test "delete text, jsonl and xml" {
	run imapctl delete INBOX 5
	assert_success
	assert_output "INBOX	$(srv_uidvalidity INBOX)	5			"
	run imapctl delete INBOX 1:2 -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,2]'
	run imapctl delete INBOX 3 -o xml
	assert_success
	echo "$output" | xmllint --noout -
	assert_equal "$(echo "$output" | xmllint --xpath 'string(/imapctl[@command="delete"]/message/uid)' -)" 3
	assert_equal "$(srv_count INBOX)" 1
}

@test "delete --trash moves to the \\Trash special-use mailbox" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug delete INBOX 1,3 --trash -o jsonl
	assert_success
	[[ $stderr == *'C: A4 LIST (SPECIAL-USE) "" "*"'* ]] || [[ $stderr == *'LIST (SPECIAL-USE) "" "*"'* ]]
	assert_equal "$(echo "$output" | jq -s -c 'map([.uid, .dest_mailbox, .dest_uid])')" '[[1,"Trash",1],[3,"Trash",2]]'
	assert_equal "$(srv_ids Trash)" '<report-3@example.com>
<welcome-1@example.com>'
	assert_equal "$(srv_count INBOX)" 3
	run --separate-stderr imapctl delete Trash 1 --trash
	assert_failure 64
	[[ $stderr == *"in the Trash ('Trash') already"* ]]
}

@test "delete --flag-only flags and expunges nothing" {
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug delete INBOX 4:5 --flag-only -o jsonl
	assert_success
	assert_equal "${#lines[@]}" 2
	! echo "$stderr" | grep -q EXPUNGE
	assert_equal "$(srv_flags INBOX | tail -2)" '4	\Deleted
5	\Deleted'
	run --separate-stderr imapctl delete INBOX 4 --flag-only --trash
	assert_failure 64
}

@test "delete --dry-run, --max and a stale UIDVALIDITY change nothing" {
	before=$(srv_flags INBOX)
	run --separate-stderr "$IMAPCTL" $(imapctl_args) --debug delete INBOX all --dry-run -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,2,3,4,5]'
	! echo "$stderr" | grep -q 'STORE\|EXPUNGE'
	run --separate-stderr imapctl delete INBOX all --max 3
	assert_failure 65
	[[ $stderr == *'more than --max 3; nothing was changed'* ]]
	run --separate-stderr imapctl delete INBOX - <<<'{"mailbox":"INBOX","uidvalidity":1,"uid":2}'
	assert_failure 65
	run --separate-stderr imapctl delete INBOX 2 --uidvalidity 12
	assert_failure 65
	assert_equal "$(srv_flags INBOX)" "$before"
}

@test "the cleanup pipeline of the manual: search, then delete with --max" {
	run --separate-stderr bash -c "$IMAPCTL $(imapctl_args) search INBOX from:carol@ -o jsonl |
	    $IMAPCTL $(imapctl_args) delete INBOX - --max 5000 -o jsonl"
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,5]'
	assert_equal "$(srv_count INBOX)" 3
}

@test "on Gmail, delete moves the messages to the Trash" {
	hostile_start ok --add-cap X-GM-EXT-1
	run --separate-stderr env IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u delete INBOX 2 -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.uid, .dest_mailbox, .dest_uid]')" '[2,"Trash",1]'
	hostile_wait
	grep -q 'UID MOVE 2 Trash' "$HOSTILE_RECORD"
	! grep -q 'EXPUNGE' "$HOSTILE_RECORD"
}

@test "flag, move and delete take --query instead of a SET, with --max" {
	run --separate-stderr imapctl flag INBOX --query from:carol --add flagged -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c -s '[.[].uid]')" '[1,5]'
	run --separate-stderr imapctl move INBOX --query 'subject:meeting' Archive -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.uid, .dest_mailbox]')" '[4,"Archive"]'
	# A query that names more than --max changes nothing.
	run --separate-stderr imapctl delete INBOX --query all --max 2
	assert_failure 65
	assert_equal "$(srv_flags INBOX | cut -f1 | tr '\n' ' ')" '1 2 3 5 '
	run --separate-stderr imapctl delete INBOX --query from:bob
	assert_success
	assert_equal "$(srv_flags INBOX | cut -f1 | tr '\n' ' ')" '1 2 5 '
	run --separate-stderr imapctl delete INBOX 1 --query from:bob
	assert_failure 64
}

# delete --trash on the hostile server with the folders of a server
# without SPECIAL-USE; $1 the layout, $2 the Trash expected.
trash_by_name() {
	hostile_start ok --layout "$1"
	run --separate-stderr env IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none \
		-H 127.0.0.1 -p "$HOSTILE_PORT" -u u delete INBOX 2 --trash -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.uid, .dest_mailbox, .dest_uid]')" "[2,\"$2\",1]"
	hostile_wait
	grep -q "UID MOVE 2 \"\\?$2\"\\?" "$HOSTILE_RECORD"
	! grep -q 'SPECIAL-USE' "$HOSTILE_RECORD"
	hostile_stop
}

@test "delete --trash without SPECIAL-USE: Courier's INBOX.Trash, Exchange's and iCloud's names" {
	trash_by_name courier INBOX.Trash
	trash_by_name exchange 'Deleted Items'
	trash_by_name icloud 'Deleted Messages'
}

@test "delete --trash: the account's trash = where no name is known; an error naming it otherwise" {
	cfg=$BATS_TEST_TMPDIR/config
	ctl() {
		env IMAPCTL_PASSWORD=x "$IMAPCTL" --config "$cfg" -a loc \
			-p "$HOSTILE_PORT" "$@"
	}
	printf '[account loc]\nhost = 127.0.0.1\ntls = none\nuser = u\n' >"$cfg"
	chmod 600 "$cfg"
	hostile_start ok --layout localized
	run --separate-stderr ctl delete INBOX 2 --trash
	assert_failure 69
	assert_equal "$stderr" "imapctl: delete: no Trash mailbox: none has the \\Trash special use or is named Trash, INBOX.Trash, Deleted Items or Deleted Messages; name it with 'trash =' in the account (imapctl.conf(5)); nothing was changed"
	hostile_wait
	! grep -q 'UID \(MOVE\|COPY\|STORE\|EXPUNGE\)' "$HOSTILE_RECORD"
	hostile_stop
	printf 'trash = Papierkorb\n' >>"$cfg"
	hostile_start ok --layout localized
	run --separate-stderr ctl delete INBOX 2:3 --trash --dry-run
	assert_success
	assert_equal "$(echo "$output" | cut -f3,4)" $'2\tPapierkorb\n3\tPapierkorb'
	hostile_wait
	hostile_start ok --layout localized
	run --separate-stderr ctl delete INBOX 2 --trash -o jsonl
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.uid, .dest_mailbox, .dest_uid]')" '[2,"Papierkorb",1]'
	hostile_wait
	grep -q 'UID MOVE 2 Papierkorb' "$HOSTILE_RECORD"
	hostile_stop
	# A trash = that names no mailbox: refused, nothing moved.
	sed -i 's/^trash = .*/trash = Corbeille/' "$cfg"
	hostile_start ok --layout localized
	run --separate-stderr ctl delete INBOX 2 --trash
	assert_failure 69
	assert_equal "$stderr" "imapctl: delete: the account's trash mailbox 'Corbeille' does not exist"
	hostile_wait
}
