#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A blank selector is a usage error found before connecting: an empty or
# blank --query, SET, mailbox name, query term or option argument never
# widens what a command acts on (an empty variable in a cleanup script
# once deleted a whole mailbox). Checked against a real Dovecot, whose
# mail must be untouched, and against a closed port, which shows that
# nothing was connected.

load helpers
load change

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
setup() { dovecot_reseed; }

# A port nobody listens on: a usage error must come before connecting.
closed() {
	"$IMAPCTL" --host 127.0.0.1 --port 1 --cafile "$IMAPCTL_TEST_CAFILE" "$@"
}

@test "an empty or blank --query changes nothing and exits 64" {
	before=$(srv_flags INBOX)
	n=$(srv_count INBOX)
	for q in '' ' ' $'\t' $'  \n '; do
		for cmd in "delete INBOX" "flag INBOX --add seen" "move INBOX Archive" \
			"delete INBOX --trash" "fetch INBOX"; do
			# shellcheck disable=SC2086  # the command's words
			run --separate-stderr imapctl $cmd --query "$q"
			assert_failure 64
			assert_equal "$output" ""
			[[ $stderr == *"empty argument to '--query'"* ]]
			# shellcheck disable=SC2086
			run --separate-stderr closed $cmd --query "$q"
			assert_failure 64
		done
	done
	assert_equal "$(srv_count INBOX)" "$n"
	assert_equal "$(srv_flags INBOX)" "$before"
	assert_equal "$(srv_count Archive)" 0
}

@test "an empty or blank SET operand is exit 64 before connecting" {
	for set in '' ' '; do
		for cmd in delete flag fetch; do
			extra=()
			[ "$cmd" = flag ] && extra=(--add seen)
			run --separate-stderr closed "$cmd" INBOX "$set" "${extra[@]}"
			assert_failure 64
			[[ $stderr == *"empty SET: name the messages with UIDs, 'all', '-' or --query"* ]]
		done
		run --separate-stderr closed move INBOX "$set" Archive
		assert_failure 64
		[[ $stderr == *"empty SET"* ]]
	done
}

@test "an empty mailbox name is exit 64 before connecting, in every command that takes one" {
	run --separate-stderr closed delete '' 1
	assert_failure 64
	[[ $stderr == *"imapctl: delete: empty mailbox name"* ]]
	run --separate-stderr closed move INBOX 1 ' '
	assert_failure 64
	[[ $stderr == *"empty mailbox name"* ]]
	run --separate-stderr closed move INBOX --query from:x ''
	assert_failure 64
	[[ $stderr == *"empty mailbox name"* ]]
	for args in "flag|1|--add|seen" "fetch|1" "search" "status" "watch" \
		"quota" "append|$FIXTURES/inbox-1-welcome.eml" "list"; do
		IFS='|' read -ra a <<<"$args"
		run --separate-stderr closed "${a[0]}" '' "${a[@]:1}"
		assert_failure 64
		[[ $stderr == *"empty mailbox name"* ]]
	done
	run --separate-stderr closed mailbox create ' '
	assert_failure 64
	run --separate-stderr closed raw --select '' NOOP
	assert_failure 64
	[[ $stderr == *"empty argument to '--select'"* ]]
}

@test "check --mailbox '' is UNKNOWN (3) with the reason, and connects to nothing" {
	run --separate-stderr closed check --mailbox ''
	assert_failure 3
	assert_output --partial "IMAP UNKNOWN - empty argument to '--mailbox'"
}

@test "search: an empty query term or --raw is exit 64; no term at all still means all" {
	run --separate-stderr closed search INBOX ''
	assert_failure 64
	[[ $stderr == *"empty query term"* ]]
	run --separate-stderr closed search INBOX from:carol ' '
	assert_failure 64
	run --separate-stderr closed search INBOX --raw ''
	assert_failure 64
	[[ $stderr == *"empty argument to '--raw'"* ]]
	run imapctl search INBOX --count
	assert_success
	assert_output "$(srv_count INBOX)"
}

@test "an empty account, host or other option argument is exit 64, never a fallback" {
	run --separate-stderr "$IMAPCTL" -a '' status
	assert_failure 64
	[[ $stderr == *"empty argument to '--account'"* ]]
	run --separate-stderr "$IMAPCTL" status --host ''
	assert_failure 64
	run --separate-stderr closed status --timeout ' '
	assert_failure 64
	run --separate-stderr closed raw '' NOOP
	assert_failure 64
	[[ $stderr == *"empty command word"* ]]
}

@test "flag --set '' still clears every flag" {
	run imapctl flag INBOX 3 --set ''
	assert_success
	assert_equal "$(srv_flags INBOX | grep '^3')" '3	'
}

@test "empty standard input with - still acts on nothing and succeeds" {
	n=$(srv_count INBOX)
	run imapctl delete INBOX - </dev/null
	assert_success
	assert_output ""
	assert_equal "$(srv_count INBOX)" "$n"
}
