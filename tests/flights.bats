#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The round trips of the probing commands after login, counted in the
# --debug trace: status, list --status and quota write their commands and
# LOGOUT at once, as check does, so that a probe pays no round trip for
# saying goodbye.

load helpers

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }

# turns: the write/read turns of $stderr after login: each run of "C:"
# lines that a "S:" line follows is one.
turns() {
	sed -n '/^state: not authenticated -> authenticated$/,$p' <<<"$stderr" |
		awk '/^C: /{ if (!c) { c = 1; n++ } next } /^S: /{ c = 0 }
		     END { print n + 0 }'
}

# logouts: how many LOGOUT commands the trace shows.
logouts() { grep -cE '^C: A[0-9]+ LOGOUT$' <<<"$stderr" || true; }

@test "status: every STATUS and LOGOUT in one write after login" {
	run --separate-stderr imapctl --debug status INBOX Projects/2024
	assert_success
	after=${stderr#*state: not authenticated -> authenticated}
	[[ $after == *"
C: A3 STATUS Projects/2024 ("*")
C: A4 LOGOUT
S: "* ]]
	assert_equal "$(turns)" 1
	assert_equal "$(logouts)" 1
	[[ $stderr == *"S: A4 OK "*"state: authenticated -> logout"* ]]
	# A mailbox that is not there: named, the others printed, one
	# goodbye all the same.
	run --separate-stderr imapctl --debug status INBOX Nonesuch
	assert_failure 69
	[[ $output == "INBOX	5	3	"* ]]
	assert_equal "$(turns)" 1
	assert_equal "$(logouts)" 1
}

@test "list and list --status: LIST-STATUS and LOGOUT in one write after login" {
	for opt in "" --status; do
		run --separate-stderr imapctl --debug list $opt
		assert_success
		assert_equal "$(turns)" 1
		assert_equal "$(logouts)" 1
		[[ $stderr == *'C: A2 LIST "" "*" RETURN ('*')
C: A3 LOGOUT
S: '* ]]
	done
	# More patterns than one command takes (eight): LOGOUT with the last.
	run --separate-stderr imapctl --debug list --status a b c d e f g h INBOX
	assert_success
	assert_equal "$output" "$(imapctl list --status INBOX)"
	assert_equal "$(turns)" 2
	assert_equal "$(logouts)" 1
}

@test "quota: GETQUOTAROOT and LOGOUT in one write after login" {
	run --separate-stderr imapctl --debug quota
	assert_success
	[[ $output == "INBOX	User quota	STORAGE	"* ]]
	[[ $stderr == *"C: A2 GETQUOTAROOT INBOX
C: A3 LOGOUT
S: "* ]]
	assert_equal "$(turns)" 1
	assert_equal "$(logouts)" 1
}

@test "list --status without LIST-STATUS: LIST, then the STATUS commands and LOGOUT" {
	dovecot_restart --variant nolistext
	run --separate-stderr imapctl --debug list --status
	assert_success
	assert_equal "$(turns)" 2
	assert_equal "$(logouts)" 1
	last=$(grep -E '^C: ' <<<"$stderr" | tail -n 2 | head -n 1)
	[[ $last == "C: A"*" STATUS "* ]]
	dovecot_restart --variant default
}
