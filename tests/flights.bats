#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The client's flights of the probing commands, counted in the --debug
# trace: status, list --status and quota write the login (with SASL-IR),
# their commands and LOGOUT at once, so that after TLS a probe pays one
# round trip with PLAIN and two with SCRAM (whose empty last response goes
# with the commands). A refused login is still exit 77 with the login's
# words; a server without SASL-IR, or one that does not offer what the
# commands assumed, still gets its answers.

load helpers
load hostile/hostile

setup_file() { dovecot_setup_file; }
teardown_file() { dovecot_teardown_file; }
teardown() { hostile_stop; }

# turns: the client's write turns in $stderr from the greeting on: each
# run of "C:" lines that a "S:" line follows is one. With TLS 1.3 the
# handshake adds two flights before them.
turns() {
	awk '/^C: /{ if (!c) { c = 1; n++ } next } /^S: /{ c = 0 }
	     END { print n + 0 }' <<<"$stderr"
}

# logouts: how many LOGOUT commands the trace shows.
logouts() { grep -cE '^C: A[0-9]+ LOGOUT$' <<<"$stderr" || true; }

# norm: output lines sorted, without the third field (list's attributes,
# where Dovecot's \Marked and \UnMarked come and go between runs).
norm() { cut -f1,2,4- | sort; }

# The three probing commands, as words of one string each.
probes=("status INBOX Projects/2024" "list --status" "quota")

@test "PLAIN with SASL-IR: the login, the command and LOGOUT in one write" {
	for cmd in "${probes[@]}"; do
		run --separate-stderr imapctl --auth plain --debug $cmd
		assert_success
		assert_equal "$(turns)" 1
		assert_equal "$(logouts)" 1
		[[ $stderr == *"C: A1 AUTHENTICATE PLAIN <redacted>
C: A2 "* ]]
		[[ $stderr != *"$IMAPCTL_PASSWORD"* ]]
		# The same as a login waited for (no SASL-IR: a turn more).
		out=$(norm <<<"$output")
		run --separate-stderr imapctl --auth plain --no-sasl-ir --debug $cmd
		assert_success
		assert_equal "$(norm <<<"$output")" "$out"
		assert_equal "$(turns)" 3
		assert_equal "$(logouts)" 1
	done
	run --separate-stderr imapctl --auth plain --debug status INBOX Projects/2024
	[[ $stderr == *"C: A1 AUTHENTICATE PLAIN <redacted>
C: A2 STATUS INBOX (MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY SIZE HIGHESTMODSEQ)
C: A3 STATUS Projects/2024 ("*")
C: A4 LOGOUT
S: A1 OK "* ]]
	[[ $output == "INBOX	5	3	0	"* ]]
}

@test "SCRAM: its last two responses, the command and LOGOUT in one write" {
	for cmd in "${probes[@]}"; do
		run --separate-stderr imapctl --auth scram-sha-256 --debug $cmd
		assert_success
		assert_equal "$(turns)" 2
		assert_equal "$(logouts)" 1
		# The empty response goes before the server's signature,
		# which is checked all the same.
		[[ $stderr == *"C: <redacted>
C: 
C: A2 "* ]]
		[[ $stderr == *"C: A"[0-9]" LOGOUT
S: + "* ]]
		[[ $stderr != *"$IMAPCTL_PASSWORD"* ]]
		out=$(norm <<<"$output")
		run imapctl --auth plain $cmd
		assert_equal "$(norm <<<"$output")" "$out"
	done
}

@test "a refused login is exit 77 in the login's words, whatever the command got" {
	for auth in plain scram-sha-256; do
		for cmd in "${probes[@]}"; do
			IMAPCTL_PASSWORD=wrong run --separate-stderr imapctl --auth $auth $cmd
			assert_failure 77
			assert_equal "$output" ""
			assert_equal "$stderr" "imapctl: ${cmd%% *}: login failed: Authentication failed. (the password came from IMAPCTL_PASSWORD) [AUTHENTICATIONFAILED]"
		done
	done
}

@test "list without LIST-STATUS: LIST, then the STATUS commands and LOGOUT" {
	dovecot_restart --variant nolistext
	# What the server lists before login tells: the login is waited for.
	run --separate-stderr imapctl --auth plain --debug list --status
	assert_success
	assert_equal "$(turns)" 3
	assert_equal "$(logouts)" 1
	last=$(grep -E '^C: ' <<<"$stderr" | tail -n 2 | head -n 1)
	[[ $last == "C: A"*" STATUS "* ]]
	dovecot_restart --variant default
}

@test "more patterns than one LIST takes: the login with the first, LOGOUT with the last" {
	run --separate-stderr imapctl --auth plain --debug list --status a b c d e f g h INBOX
	assert_success
	assert_equal "$(norm <<<"$output")" "$(imapctl list --status INBOX | norm)"
	assert_equal "$(turns)" 2
	assert_equal "$(logouts)" 1
}

# ctl ARGS: imapctl against the hostile server, cleartext.
ctl() {
	"$IMAPCTL" --tls none --host 127.0.0.1 --port "$HOSTILE_PORT" --user hostile "$@"
}

@test "hostile: what was assumed is not offered: asked again, on a login waited for" {
	# Nothing but the login's capabilities before login, as Dovecot
	# does, and after it neither STATUS=SIZE nor CONDSTORE nor QUOTA.
	for tell in "" --caps-in-responses; do
		hostile_start ok --caps "IMAP4rev1 SASL-IR AUTH=PLAIN" $tell --connections 2 --timeout 10
		IMAPCTL_PASSWORD=secret run --separate-stderr ctl --debug status
		assert_success
		[[ $output == "INBOX	3	2	0	4	1700000001"* ]]
		hostile_wait
		assert_equal "$(grep -c accepted "$HOSTILE_LOG")" 2
		# The second time, what the server offers.
		tr -d '\r' <"$HOSTILE_RECORD" | grep -q '^A[0-9]* STATUS INBOX (MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY)$'
	done
	# Told after login that QUOTA is not offered: as if never assumed.
	hostile_start ok --caps "IMAP4rev1 SASL-IR AUTH=PLAIN" --caps-in-responses --connections 2 --timeout 10
	IMAPCTL_PASSWORD=secret run --separate-stderr ctl quota
	assert_failure 69
	assert_equal "$stderr" "imapctl: quota: the server does not offer quotas (no QUOTA capability)"
	hostile_wait
	# A guess the server takes (LIST ... RETURN without LIST-EXTENDED
	# said) stands when it does not tell its capabilities.
	hostile_start ok --caps "IMAP4rev1 SASL-IR AUTH=PLAIN" --timeout 10
	IMAPCTL_PASSWORD=secret run --separate-stderr ctl --debug list
	assert_success
	assert_equal "$(turns)" 2
	[[ $output == *"Archive	/	\\HasNoChildren \\Archive	\\Archive"* ]]
	hostile_wait
}

@test "hostile: a server without SASL-IR: the login waited for, then one write" {
	hostile_start ok --caps "IMAP4rev1 AUTH=PLAIN" --timeout 10
	IMAPCTL_PASSWORD=secret run --separate-stderr ctl --debug status
	assert_success
	[[ $output == "INBOX	3	2	0	4	1700000001"* ]]
	[[ $stderr == *"C: A2 AUTHENTICATE PLAIN
S: + 
C: <redacted>
S: A2 OK "* ]]
	hostile_wait
	! grep -q violation "$HOSTILE_LOG"
	assert_equal "$(grep -c accepted "$HOSTILE_LOG")" 1
}

@test "hostile: SCRAM pipelined: a wrong signature is still exit 77, the proof never in the trace" {
	hostile_start ok --caps "IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256 QUOTA" --password 'sécret' --timeout 10
	IMAPCTL_PASSWORD='sécret' run --separate-stderr ctl --debug quota
	assert_success
	# The server asked for its capabilities before login, then two turns.
	assert_equal "$(turns)" 3
	[[ $output == "INBOX	User quota	STORAGE	"* ]]
	hostile_wait
	! grep -q violation "$HOSTILE_LOG"
	final=$(tr -d '\r' <"$HOSTILE_RECORD" | sed -n '/AUTHENTICATE SCRAM-SHA-256/{n;p;q}')
	proof=$(printf '%s' "$final" | base64 -d | sed -n 's/.*,p=//p')
	[ -n "$proof" ]
	[[ $stderr != *"$final"* ]]
	[[ $stderr != *"$proof"* ]]
	[[ $stderr != *"sécret"* ]]
	hostile_start scram-bad-signature --caps "IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256 QUOTA" --timeout 10
	IMAPCTL_PASSWORD=secret run --separate-stderr ctl quota
	assert_failure 77
	assert_equal "$output" ""
	assert_equal "$stderr" "imapctl: quota: login failed: the server's SCRAM signature is wrong: the server is not who it says"
	hostile_wait
}
