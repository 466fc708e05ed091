#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Text records are records: what search, flag, move and delete print as
# text is read back by '-' (mailbox TAB uidvalidity TAB uid ...), with the
# same mailbox and UIDVALIDITY guard as JSON records; the text format
# escapes only what would break a line, a field or the way back (tab, CR,
# LF, control characters, and a backslash only before what would make it
# an escape), so a flag prints as \Seen. Against the test Dovecot, and the
# hostile server for mailbox names Dovecot refuses (tabs, line feeds,
# control characters).

load helpers
load change
load hostile/hostile

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
setup() { dovecot_reseed; }
teardown() { hostile_stop; }

H() {
	IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u "$@"
}

@test "search | delete -: text records, as README shows them" {
	uv=$(srv_uidvalidity INBOX)
	run --separate-stderr bash -c "set -o pipefail; \"\$IMAPCTL\" $(imapctl_args) search INBOX from:carol |
		\"\$IMAPCTL\" $(imapctl_args) delete INBOX - --max 5"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$output" "INBOX	$uv	1			
INBOX	$uv	5			"
	assert_equal "$(srv_flags INBOX | cut -f1 | tr '\n' ' ')" "2 3 4 "
}

@test "the text records of flag, move and delete name their messages for -" {
	uv=$(srv_uidvalidity INBOX)
	# flag's records, fed to move; move's, fed to flag (dry run).
	run --separate-stderr bash -c "set -o pipefail; \"\$IMAPCTL\" $(imapctl_args) flag INBOX 2:3 --add flagged |
		\"\$IMAPCTL\" $(imapctl_args) move INBOX - Archive"
	assert_success
	assert_equal "$(echo "$output" | cut -f1-4)" "INBOX	$uv	2	Archive
INBOX	$uv	3	Archive"
	# move's record names INBOX 4, which is gone then: flag acts on
	# nothing and says so, whether its session saw 4 leave before its
	# look at the mailbox or after (the two run at once).
	run --separate-stderr bash -c "set -o pipefail; \"\$IMAPCTL\" $(imapctl_args) move INBOX 4 Archive |
		\"\$IMAPCTL\" $(imapctl_args) flag INBOX - --add seen"
	assert_failure 69
	assert_output ""
	assert_equal "$stderr" "imapctl: flag: not found in 'INBOX': 1 message, UID 4"
	assert_equal "$(srv_count Archive)" 3
}

@test "text records of another mailbox or UIDVALIDITY stop the command before it changes anything" {
	uv=$(srv_uidvalidity INBOX)
	records=$(imapctl search INBOX from:carol)
	run --separate-stderr bash -c "printf '%s\n' \"\$1\" | \"\$IMAPCTL\" $(imapctl_args) delete Projects/2024 -" _ "$records"
	assert_failure 65
	assert_equal "$stderr" "imapctl: delete: standard input line 1: the record is from mailbox 'INBOX', not 'Projects/2024'"
	run --separate-stderr bash -c "printf 'INBOX\t%s\t4\n' $((uv - 1)) | \"\$IMAPCTL\" $(imapctl_args) delete INBOX -"
	assert_failure 65
	assert_equal "$stderr" "imapctl: delete: standard input line 1: UIDVALIDITY $((uv - 1)) is not the mailbox's $uv: the UIDs name other messages now"
	# fetch's summary does not begin with the mailbox: not a record for -.
	run --separate-stderr bash -c "\"\$IMAPCTL\" $(imapctl_args) fetch INBOX 2 | \"\$IMAPCTL\" $(imapctl_args) delete INBOX -"
	assert_failure 65
	assert_equal "$stderr" "imapctl: delete: standard input line 1: not a UID, a text record (mailbox, uidvalidity, uid) or a JSON record"
	assert_equal "$(srv_count INBOX)" 5
}

@test "a bad record on standard input is bad input (65) for every command that reads records, said without a usage line" {
	for cmd in "fetch INBOX -" "search INBOX uid:-" "flag INBOX - --add seen" \
	    "move INBOX - Archive" "delete INBOX -" "flag - --add seen" \
	    "move - Archive" "delete -"; do
		while IFS='|' read -r line msg; do
			run --separate-stderr bash -c "printf '%s\n' \"\$1\" | \"\$IMAPCTL\" $(imapctl_args) $cmd" _ "$line"
			assert_failure 65
			assert_output ""
			assert_equal "$stderr" "imapctl: ${cmd%% *}: standard input line 1: $msg"
		done <<'END'
x|not a UID, a text record (mailbox, uidvalidity, uid) or a JSON record
{"uid": "3"}|the record has no valid "uid"
END
	done
	# Without a MAILBOX operand a record names its mailbox: a bare UID
	# there is bad input too, not a bad command line.
	for cmd in "flag - --add seen" "move - Archive" "delete -"; do
		run --separate-stderr bash -c "printf '4\n' | \"\$IMAPCTL\" $(imapctl_args) $cmd"
		assert_failure 65
		assert_output ""
		assert_equal "$stderr" "imapctl: ${cmd%% *}: standard input line 1: a UID without a mailbox: with no MAILBOX operand, '-' reads records that name theirs (as search prints them)"
	done
	assert_equal "$(srv_count INBOX)" 5
	assert_equal "$(srv_count Archive)" 0
}

@test "text, JSON and bare UIDs mixed on one stdin" {
	uv=$(srv_uidvalidity INBOX)
	run --separate-stderr bash -c "{ printf 'INBOX\t$uv\t1\n2\n'; echo '{\"mailbox\":\"INBOX\",\"uidvalidity\":$uv,\"uid\":3}'; } |
		\"\$IMAPCTL\" $(imapctl_args) flag INBOX - --add answered -o jsonl"
	assert_success
	assert_equal "$(echo "$output" | jq -s -c 'map(.uid)')" '[1,2,3]'
}

@test "a flag prints as \\Seen in text, so awk finds it" {
	run --separate-stderr imapctl fetch INBOX all
	assert_success
	# Messages 1 and 2 are \Seen; 3 is \Flagged.
	assert_equal "$(echo "$output" | awk -F'\t' '{ n = split($2, f, " "); for (i = 1; i <= n; i++) if (f[i] == "\\Seen") c++ } END { print c + 0 }')" 2
	assert_equal "$(echo "$output" | cut -f2 | sed -n 3p)" '\Flagged'
	run --separate-stderr imapctl flag INBOX 4 --add seen,flagged
	assert_success
	assert_equal "$output" "INBOX	$(srv_uidvalidity INBOX)	4	\\Flagged \\Seen"
}

@test "Dovecot: a mailbox with backslashes and non-ASCII goes round through text" {
	for box in 'Back\slash\new' 'Ünïcode\x41\' 'C:\Users\me'; do
		run --separate-stderr imapctl mailbox create "$box"
		assert_success
		run --separate-stderr imapctl append "$box" "$FIXTURES/inbox-1-welcome.eml" "$FIXTURES/inbox-4-meeting.eml"
		assert_success
	done
	run --separate-stderr imapctl search 'Back\slash\new' all
	assert_success
	assert_equal "$(echo "$output" | cut -f1 | sort -u)" 'Back\slash\\new'
	run --separate-stderr imapctl search 'Ünïcode\x41\' all
	assert_equal "$(echo "$output" | cut -f1 | sort -u)" 'Ünïcode\\x41\'
	run --separate-stderr imapctl search 'C:\Users\me' all
	assert_equal "$(echo "$output" | cut -f1 | sort -u)" 'C:\Users\me'
	for box in 'Back\slash\new' 'Ünïcode\x41\' 'C:\Users\me'; do
		run --separate-stderr bash -c "set -o pipefail; \"\$IMAPCTL\" $(imapctl_args) search \"\$1\" all |
			\"\$IMAPCTL\" $(imapctl_args) delete \"\$1\" - -o jsonl" _ "$box"
		assert_success
		assert_equal "$stderr" ""
		assert_equal "$(echo "$output" | jq -r -s 'map(.mailbox) | unique[]')" "$box"
		assert_equal "$(echo "$output" | jq -s length)" 2
		assert_equal "$(srv_count "$box")" 0
	done
}

@test "hostile names: tab, line feed, backslashes, controls and non-ASCII go round through text" {
	hostile_start ok --connections 100 --timeout 20
	names=($'Tab\there' $'Line\nfeed' $'CR\rLF\n' 'Back\slash\new' 'Ends\' $' lead\t\\t' \
		$'Bell\a\\\x01' $'Next\u0085line' 'Été\x41' '{"uid":1}' '123')
	for box in "${names[@]}"; do
		run --separate-stderr H mailbox create "$box"
		assert_success
		run --separate-stderr H append "$box" "$FIXTURES/inbox-1-welcome.eml" "$FIXTURES/inbox-4-meeting.eml"
		assert_success
	done
	for box in "${names[@]}"; do
		run --separate-stderr H search "$box" all
		assert_success
		assert_equal "${#lines[@]}" 2
		# One line a record, three fields at least, whatever the name.
		assert_equal "$(echo "$output" | awk -F'\t' 'NF >= 3' | wc -l)" 2
		# JSON says which name the text field stands for.
		json=$(H search "$box" all -o jsonl | jq -r -s 'map(.mailbox) | unique | length')
		assert_equal "$json" 1
		# The hostile server serves one connection at a time: no pipe.
		H search "$box" all >"$BATS_TEST_TMPDIR/records"
		run --separate-stderr H flag "$box" - --add seen -o jsonl <"$BATS_TEST_TMPDIR/records"
		assert_success
		assert_equal "$stderr" ""
		assert_equal "$(echo "$output" | jq -c -s 'map(.uid)')" '[1,2]'
		echo "$output" | jq -s -e --arg b "$box" 'map(.mailbox == $b) | all'
	done
	# Each name's text form, and what - read back from it, in one table.
	run --separate-stderr H search $'Tab\there' all
	assert_equal "${lines[0]}" "Tab\\there	$(H status $'Tab\there' -o json | jq '.[0].uidvalidity')	1"
	run --separate-stderr H search 'Back\slash\new' all
	assert_equal "$(echo "${lines[0]}" | cut -f1)" 'Back\slash\\new'
	run --separate-stderr H search 'Ends\' all
	assert_equal "$(echo "${lines[0]}" | cut -f1)" 'Ends\'
	run --separate-stderr H search $' lead\t\\t' all
	assert_equal "$(echo "${lines[0]}" | cut -f1)" ' lead\t\\t'
	run --separate-stderr H search $'Bell\a\\\x01' all
	assert_equal "$(echo "${lines[0]}" | cut -f1)" 'Bell\x07\\\x01'
	run --separate-stderr H search $'Next\u0085line' all
	assert_equal "$(echo "${lines[0]}" | cut -f1)" 'Next\x85line'
	# Text records of one hostile name never pass for another's.
	H search 'Back\slash\new' all >"$BATS_TEST_TMPDIR/records"
	run --separate-stderr H delete 'Ends\' - <"$BATS_TEST_TMPDIR/records"
	assert_failure 65
	assert_equal "$stderr" "imapctl: delete: standard input line 1: the record is from mailbox 'Back\\slash\\new', not 'Ends\\'"
}
