#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# What is in flight when the server misbehaves, against the scripted
# hostile server: untagged data of every kind after a refused command and
# during LOGOUT, malformed data in the middle of a pipelined window, and a
# failure of each kind (the server's data, a file, the output) while
# commands are still in flight. Nothing the server sends may reach a
# command that has gone, and the exit status says what failed. Run with
# the sanitizer build (IMAPCTL_BIN=imapctl-san, ASAN_OPTIONS=
# detect_stack_use_after_return=1) to see memory errors as failures.

load helpers
load hostile/hostile

setup_file() {
	imapctl_isolate
	export IMAPCTL_PASSWORD=secret
}

teardown() { hostile_stop || true; }

H() {
	"$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u --timeout 10 "$@"
}

# refused VERB: a script that refuses the first command containing VERB
# (NO [CANNOT]: a refusal, 69; [UNAVAILABLE] would be a temporary failure),
# serves the rest, and answers LOGOUT with every kind of untagged data,
# well-formed and not, before its BYE.
refused() {
	local lines=(greeting "serve-until $1"
		'reply NO [CANNOT] Refused (hostile).'
		'serve-until LOGOUT') k
	for k in "${KINDS[@]}"; do
		lines+=("send ${GOOD[$k]}" "send ${BAD[$k]}")
	done
	lines+=('send * BYE logging out' 'reply OK Logout completed.')
	hostile_script refused "${lines[@]}"
}

# after_refusal STATUS VERB ARGS...: imapctl ARGS, its VERB refused; the
# exit status is the refusal's, and LOGOUT was sent.
after_refusal() {
	local want=$1 verb=$2
	shift 2
	hostile_start script --timeout 10 --script "$(refused "$verb")" $HOSTILE_OPTS
	run --separate-stderr H "$@"
	hostile_sane
	[ "$status" -eq "$want" ] || {
		echo "status $status, want $want: $stderr" >&2
		return 1
	}
	hostile_wait
	grep -aq ' LOGOUT' "$HOSTILE_RECORD"
}

@test "list refused, then LIST and STATUS during LOGOUT: 69, no stale handler" {
	after_refusal 69 LIST list
	[[ $stderr == "imapctl: list: listing mailboxes: Refused (hostile). [CANNOT]" ]]
	after_refusal 69 STATUS list --status
}

@test "check refused, then STATUS and more during LOGOUT: CRITICAL, no stale handler" {
	after_refusal 2 STATUS check
	[[ $output == "IMAP CRITICAL - cannot get the counts of 'INBOX': Refused (hostile). [CANNOT]"* ]]
	HOSTILE_OPTS="--add-cap QUOTA" after_refusal 2 STATUS check
}

@test "status, info, quota, raw refused: untagged data during LOGOUT reaches nothing" {
	after_refusal 69 STATUS status INBOX Archive Drafts
	# info asks NAMESPACE and ID; a refusal leaves its list empty.
	after_refusal 0 NAMESPACE info
	HOSTILE_OPTS="--add-cap QUOTA" after_refusal 69 GETQUOTAROOT quota
	after_refusal 69 NOOP raw NOOP
	after_refusal 69 EXAMINE watch INBOX --duration 1
	after_refusal 69 CREATE mailbox create Foo
}

@test "fetch refused, in each mode: untagged data during LOGOUT reaches nothing" {
	after_refusal 69 'UID FETCH' fetch INBOX 1:3
	after_refusal 69 'UID FETCH' fetch INBOX 1:3 --raw
	after_refusal 69 'UID STORE' fetch INBOX 1:3 --mark-seen
	after_refusal 69 'UID SEARCH' fetch INBOX 1:3 --text
	after_refusal 69 'BODYSTRUCTURE' fetch INBOX 1:3 --text
	after_refusal 69 'BODY.PEEK[1]' fetch INBOX 1:3 --text
	after_refusal 69 'BODYSTRUCTURE' fetch INBOX 1:3 --attachments "$BATS_TEST_TMPDIR"
}

@test "search and changes refused: untagged data during LOGOUT reaches nothing" {
	after_refusal 69 'UID SEARCH' search INBOX all
	after_refusal 69 'UID STORE' flag INBOX 1:3 --add seen
	after_refusal 69 'UID MOVE' move INBOX 1:3 Archive
	after_refusal 69 'UID STORE' delete INBOX 1:3
	printf 'Subject: a\r\n\r\nA.\r\n' >"$BATS_TEST_TMPDIR/a.eml"
	after_refusal 69 APPEND append Drafts "$BATS_TEST_TMPDIR/a.eml" "$BATS_TEST_TMPDIR/a.eml"
}

# midway FILL VERB LINE: a script that fills INBOX with FILL more
# messages, then at the first command containing VERB sends LINE before
# the normal answer, and serves on.
midway() {
	hostile_script midway greeting "fill INBOX $1" "serve-until $2" \
		"send $3" handle serve
}

# in_window VERB CONSUMED CMD...: imapctl CMD with each kind of malformed
# data sent in the middle of its window (at the first VERB): 76 for the
# kinds in CONSUMED, which the command reads, else what the command does
# without it (0).
in_window() {
	local verb=$1 consumed=" $2 " k want
	shift 2
	for k in "${KINDS[@]}"; do
		want=0
		[[ $consumed == *" $k "* ]] && want=76
		hostile_start script --timeout 10 --script "$(midway "${FILL:-0}" "$verb" "${BAD[$k]}")" $HOSTILE_OPTS
		run --separate-stderr H "$@" < <(${STDIN:-true})
		hostile_stop || true
		hostile_sane
		[ "$status" -eq "$want" ] || {
			echo "$k: status $status, want $want: $stderr" >&2
			return 1
		}
		if [ "$want" -eq 76 ]; then
			[[ $stderr == "imapctl: $1: "*"server sent a bad ${k} result" ||
				$stderr == "imapctl: $1: "*"malformed ${k} response" ||
				$stderr == "imapctl: $1: "*"the server's ${k} response" ]] || {
				echo "$k: $stderr" >&2
				return 1
			}
		else
			[ -z "$stderr" ] || { echo "$k: $stderr" >&2; return 1; }
		fi
	done
}

@test "status: malformed data amid pipelined STATUS commands" {
	in_window STATUS STATUS status INBOX Archive Drafts Sent Trash
}

@test "list --status: malformed data amid pipelined STATUS commands" {
	in_window STATUS STATUS list --status
}

@test "check: malformed data amid its one write of commands" {
	local k
	for k in "${KINDS[@]}"; do
		hostile_start script --timeout 10 --script "$(midway 0 STATUS "${BAD[$k]}")"
		run --separate-stderr H check
		hostile_stop || true
		hostile_sane
		if [ "$k" = STATUS ]; then
			[ "$status" -eq 2 ]
			[[ $output == "IMAP CRITICAL - malformed STATUS response"* ]]
		else
			[ "$status" -eq 0 ] || { echo "$k: $output" >&2; return 1; }
		fi
	done
}

@test "fetch: malformed data amid a chunk's STORE and FETCH" {
	in_window 'UID STORE' 'ESEARCH SEARCH' fetch INBOX 1:3 --mark-seen
}

@test "fetch --text: malformed data amid a window's commands" {
	in_window 'BODY.PEEK[1]' 'ESEARCH SEARCH' fetch INBOX 1:3 --text --mark-seen
}

@test "search: malformed data amid pipelined searches" {
	FILL=2000 STDIN="seq 1 2 2003" in_window 'UID SEARCH' 'ESEARCH SEARCH' search INBOX uid:-
}

@test "flag, move, delete: malformed data amid pipelined chunks" {
	FILL=2000 STDIN="seq 1 2 2003" in_window 'UID STORE' '' flag INBOX - --add seen
	FILL=2000 STDIN="seq 1 2 2003" in_window 'UID MOVE' '' move INBOX - Archive
	FILL=2000 STDIN="seq 1 2 2003" in_window 'UID STORE' '' delete INBOX -
}

@test "append: malformed data amid pipelined APPENDs" {
	local f=$BATS_TEST_TMPDIR/a.eml
	printf 'Subject: a\r\n\r\nA.\r\n' >"$f"
	in_window APPEND '' append Drafts "$f" "$f" "$f"
}

@test "an unsolicited bad ESEARCH during 'fetch INBOX 1' is the server's fault: 76, not 64" {
	hostile_start script --timeout 10 --script "$(hostile_script es greeting \
		'serve-until UID FETCH' 'send * ESEARCH UID ALL 0' handle serve)"
	run --separate-stderr H fetch INBOX 1
	hostile_sane
	assert_failure 76
	assert_equal "$stderr" "imapctl: fetch: server sent a bad ESEARCH result"
	# The client went before the script's end.
	hostile_wait || true
	# The session failed: no LOGOUT into it.
	! grep -aq LOGOUT "$HOSTILE_RECORD"
}

@test "an unsolicited ESEARCH with a bad COUNT during fetch: 76, as search says" {
	# fetch read only ALL, and took a COUNT that search refuses.
	hostile_start script --timeout 10 --script "$(hostile_script es greeting \
		'serve-until UID FETCH' 'send * ESEARCH UID COUNT many' handle serve)"
	run --separate-stderr H fetch INBOX 1
	hostile_sane
	assert_failure 76
	assert_equal "$stderr" "imapctl: fetch: server sent a bad ESEARCH count"
	hostile_wait || true
}

# A message of two parts whose second, an attachment of N base64 bytes,
# comes before the UID in its FETCH response (so the parser holds it and
# the handler writes it), for --attachments. Prints the script's path.
attachment_script() {
	local n=$1 b64
	b64=$(head -c $((n * 3 / 4)) /dev/zero | base64 -w 76 | sed 's/$/\\r\\n/' | tr -d '\n')
	n=$(printf '%b' "$b64" | wc -c)
	hostile_script att greeting 'serve-until BODYSTRUCTURE' \
		"send * 1 FETCH (UID 1 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 1)(\"application\" \"octet-stream\" (\"name\" \"a.bin\") NIL NIL \"base64\" $n NIL (\"attachment\" (\"filename\" \"a.bin\")) NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL))" \
		'reply OK Fetch completed.' 'expect BODY.PEEK[2]' \
		"sendraw * 1 FETCH (BODY[2] {$n}\\r\\n$b64 UID 1)\\r\\n" \
		'reply OK Fetch completed.' serve
}

@test "a file that cannot be written during fetch --attachments: 73, the part removed, no use after free" {
	hostile_start script --timeout 10 --script "$(attachment_script 20000)"
	mkdir "$BATS_TEST_TMPDIR/out"
	# Files of at most 4 KiB: the write fails with EFBIG.
	run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 4; exec "$0" "$@"' \
		"$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u --timeout 10 \
		fetch INBOX 1 --attachments "$BATS_TEST_TMPDIR/out"
	hostile_sane
	assert_failure 73
	assert_equal "$stderr" "imapctl: fetch: message UID 1: '$BATS_TEST_TMPDIR/out/a.bin': cannot write: File too large"
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/out")" ""
}

# bodies_script N WHERE: at its first UID FETCH, INBOX filled to 2000 more
# messages, the server sends the bodies of UIDs 1, 3 and 5, N bytes each,
# the UID before each body (WHERE before: streamed) or after it (held by
# the parser, written by the handler); the other chunks are in flight.
bodies_script() {
	local n=$1 where=$2 body i lines=()
	body='Subject: big\r\n\r\n'$(head -c $((n - 16)) /dev/zero | tr '\0' x)
	for i in 1 3 5; do
		if [ "$where" = before ]; then
			lines+=("sendraw * $i FETCH (UID $i INTERNALDATE \"01-Mar-2024 09:22:03 +0000\" BODY[] {$n}\\r\\n$body)\\r\\n")
		else
			lines+=("sendraw * $i FETCH (INTERNALDATE \"01-Mar-2024 09:22:03 +0000\" BODY[] {$n}\\r\\n$body UID $i)\\r\\n")
		fi
	done
	hostile_script bodies greeting 'fill INBOX 2000' 'serve-until UID FETCH' \
		"${lines[@]}" 'reply OK Fetch completed.' serve
}

@test "output that cannot be written amid fetch --raw's window: 74, nothing more sent" {
	local where
	for where in before after; do
		hostile_start script --timeout 10 --script "$(bodies_script 20000 $where)"
		run --separate-stderr bash -c 'exec "$0" "$@" >/dev/full' \
			"$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u --timeout 10 \
			fetch INBOX - --raw < <(seq 1 2 2003)
		hostile_sane
		assert_failure 74
		[[ $stderr == "imapctl: fetch: cannot write output: No space left on device"* ]]
		# The server's script ends early: the client went.
		hostile_wait || true
		! grep -aq LOGOUT "$HOSTILE_RECORD"
	done
}

@test "a file that cannot be written amid fetch --raw --save's window: 73, no partial file, the others written" {
	local where
	for where in before after; do
		hostile_start script --timeout 10 --script "$(bodies_script 20000 $where)"
		rm -rf "$BATS_TEST_TMPDIR/out"
		mkdir "$BATS_TEST_TMPDIR/out"
		run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 8; exec "$0" "$@"' \
			"$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u --timeout 10 \
			fetch INBOX - --raw --save "$BATS_TEST_TMPDIR/out" < <(seq 1 2 2003)
		hostile_sane
		assert_failure 73
		# Each body that could not be written is named; the rest of the
		# first chunk the script leaves unanswered (not found).
		assert_equal "$(echo "$stderr" | sed -n 1,3p)" "$(printf "imapctl: fetch: message UID %s: '$BATS_TEST_TMPDIR/out/INBOX-1700000001-%s.eml': cannot write: File too large\n" 1 1 3 3 5 5)"
		[[ $(echo "$stderr" | sed -n 4p) == "imapctl: fetch: not found in 'INBOX': "* ]]
		assert_equal "$(echo "$stderr" | wc -l)" 4
		# No partial file; the chunks after the first are written, each
		# file with its record.
		assert_equal "$(ls -A "$BATS_TEST_TMPDIR/out" | grep -vc '^INBOX-1700000001-[0-9]*\.eml$')" 0
		assert_equal "$(ls -A "$BATS_TEST_TMPDIR/out" | grep -c -- '-[135]\.eml$')" 0
		[ "${#lines[@]}" -gt 0 ]
		assert_equal "$(ls -A "$BATS_TEST_TMPDIR/out" | wc -l)" "${#lines[@]}"
		hostile_stop || true
	done
}

@test "info: capabilities that change while NAMESPACE is answered are the ones printed" {
	hostile_start script --timeout 10 --script "$(hostile_script caps greeting \
		'serve-until NAMESPACE' \
		"send * CAPABILITY IMAP4rev1 NAMESPACE ID $(printf 'X-LONG-CAPABILITY-%d ' $(seq 40))" \
		handle serve)"
	run --separate-stderr H info -o json
	hostile_sane
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].capabilities | length')" 43
}
