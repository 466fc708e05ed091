#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Every command that talks to a server, against the scripted hostile
# server, at each moment where what is in flight matters (inflight.bats
# has the first cases; this file has the whole table):
#
#   refused  the command's first VERB is refused (NO [CANNOT]), and every
#            kind of untagged data, well-formed and not, comes in the same
#            write as the refusal
#   logout   the command does its work; then every kind of untagged data,
#            well-formed and not, answers LOGOUT before its BYE: the run is
#            as it would be without them
#   window   each kind malformed, and a line that does not parse, in the
#            middle of the command's pipelined commands (before the answer
#            to its first VERB): 76 for what the command reads, else what
#            it does without it
#
# and a failure of each kind in the middle of a window: the output (74),
# a file (73), the server's data (76, the window tests). The exit status
# says what failed, never 64 for a server's fault, never 0 when something
# was not done. Run with the sanitizer build (IMAPCTL_BIN=imapctl-san,
# ASAN_OPTIONS=detect_stack_use_after_return=1) to see memory errors as
# failures.

load helpers
load hostile/hostile

setup_file() {
	imapctl_isolate
	export IMAPCTL_PASSWORD=secret
}

teardown() { hostile_stop || true; }

# The commands: ID | first VERB (refused; the window's data go before its
# answer) | server options | messages added to INBOX | stdin | kinds the
# command reads (malformed: 76) | status when VERB is refused | arguments
# (@OUT: a fresh directory, @EML: a message file).
# Chunked commands get 2003 messages and every other UID on stdin: two
# chunks, the second in flight while the first is answered.
declare -gA CMD
cmd() { CMD[$1]=$2; }
cmd list 'LIST||0||STATUS|69|list'
cmd list-status 'STATUS||0||STATUS|76|list --status'
cmd status 'STATUS||0||STATUS|76|status INBOX Archive Drafts Sent Trash'
cmd info 'NAMESPACE||0|||0|info'
cmd quota 'GETQUOTAROOT|--add-cap QUOTA|0||QUOTA|69|quota'
cmd check 'STATUS||0||STATUS|2|check'
cmd search 'UID SEARCH||2000|seq 1 2 2003|ESEARCH SEARCH|76|search INBOX uid:-'
cmd search-in 'UID SEARCH||0||ESEARCH SEARCH|69|search --in INBOX --in Archive --in Drafts'
cmd fetch-summary 'UID FETCH||2000|seq 1 2 2003|ESEARCH SEARCH|76|fetch INBOX -'
cmd fetch-headers 'UID FETCH||2000|seq 1 2 2003|ESEARCH SEARCH|76|fetch INBOX - --headers'
cmd fetch-raw 'UID FETCH||0||ESEARCH SEARCH|69|fetch INBOX 1 --raw'
cmd fetch-mbox 'UID FETCH||2000|seq 1 2 2003|ESEARCH SEARCH|76|fetch INBOX - --raw'
cmd fetch-save 'UID FETCH||2000|seq 1 2 2003|ESEARCH SEARCH|76|fetch INBOX - --raw --save @OUT'
cmd fetch-text 'BODY.PEEK[1]||0||ESEARCH SEARCH|69|fetch INBOX 1:3 --text'
cmd fetch-structure 'UID FETCH||2000|seq 1 2 2003|ESEARCH SEARCH|76|fetch INBOX - --structure'
cmd fetch-part 'UID FETCH||0||ESEARCH SEARCH|69|fetch INBOX 1 --part 1'
cmd fetch-part-save 'UID FETCH||2000|seq 1 2 2003|ESEARCH SEARCH|76|fetch INBOX - --part 1 --save @OUT'
cmd fetch-attachments 'BODYSTRUCTURE||2000|seq 1 2 2003|ESEARCH SEARCH|76|fetch INBOX - --attachments @OUT'
cmd fetch-maildir 'UID FETCH||2000|seq 1 2 2003|ESEARCH SEARCH|76|fetch INBOX - --maildir @OUT'
cmd fetch-in 'UID SEARCH||0||ESEARCH SEARCH|69|fetch --in INBOX --in Archive --in Drafts all'
cmd fetch-mark-seen 'UID STORE||2000|seq 1 2 2003|ESEARCH SEARCH|76|fetch INBOX - --mark-seen'
cmd flag 'UID STORE||2000|seq 1 2 2003||69|flag INBOX - --add seen'
cmd move 'UID MOVE||2000|seq 1 2 2003||69|move INBOX - Archive'
cmd move-copy 'UID COPY|--drop-cap MOVE|2000|seq 1 2 2003||69|move INBOX - Archive'
cmd delete 'UID STORE||2000|seq 1 2 2003||69|delete INBOX -'
cmd append 'APPEND||0|||69|append Drafts @EML @EML @EML'
cmd mailbox-create 'CREATE||0|||69|mailbox create Foo/Bar'
cmd mailbox-delete 'DELETE||0|||69|mailbox delete Archive'
cmd mailbox-rename 'RENAME||0|||69|mailbox rename Archive Old'
cmd mailbox-subscribe 'SUBSCRIBE||0|||69|mailbox subscribe Archive'
cmd raw 'NOOP||0|||69|raw NOOP'
cmd raw-select 'UID FETCH||0|||69|raw --select INBOX UID FETCH 1:* FLAGS'
cmd watch 'IDLE||0||FETCH EXPUNGE VANISHED EXISTS|76|watch INBOX --duration 1'

# What a refusal leaves undone, named on stderr.
declare -gA NOT_DONE=(
	[fetch-raw]="not fetched from 'INBOX' (the server refused): 1 message, UID 1"
	[fetch-part]="not fetched from 'INBOX' (the server refused): 1 message, UID 1"
	[flag]="flags not changed: 911 messages, UIDs 1,3,5,"
	[move]="not moved to 'Archive': 911 messages, UIDs 1,3,5,"
	[move-copy]="not moved to 'Archive': 911 messages, UIDs 1,3,5,"
	[delete]="not deleted: 911 messages, UIDs 1,3,5,"
	[append]="not appended, or not confirmed: 1 message: "
	[mailbox-create]="not created: 'Foo/Bar'"
)

# use ID: the table's row of command ID into VERB, OPTS, FILL, STDIN,
# READS, REFUSED and ARGS (an array); OUT is a fresh directory.
use() {
	local row=${CMD[$1]} args
	[ -n "$row" ] || { echo "no command $1" >&2; return 1; }
	IFS='|' read -r VERB OPTS FILL STDIN READS REFUSED args <<<"$row"
	OUT=$BATS_TEST_TMPDIR/out
	rm -rf "$OUT"
	mkdir "$OUT"
	printf 'Subject: a\r\n\r\nA.\r\n' >"$BATS_TEST_TMPDIR/a.eml"
	args=${args//@OUT/$OUT}
	args=${args//@EML/$BATS_TEST_TMPDIR/a.eml}
	read -r -a ARGS <<<"$args"
}

# go SCRIPT [REDIRECT]: the server on SCRIPT, then imapctl with the row's
# arguments and stdin (stdout to /dev/full with REDIRECT=full), OUT
# emptied first; sets status, output, stderr.
go() {
	local script=$1 to=${2:-}
	rm -rf "$OUT"
	mkdir "$OUT"
	# shellcheck disable=SC2086  # OPTS is words
	hostile_start script --timeout 10 --script "$script" $OPTS
	if [ "$to" = full ]; then
		run --separate-stderr bash -c 'exec "$@" >/dev/full' _ \
			"$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u \
			--timeout 10 "${ARGS[@]}" < <(${STDIN:-true})
	else
		run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 \
			-p "$HOSTILE_PORT" -u u --timeout 10 "${ARGS[@]}" < <(${STDIN:-true})
	fi
	hostile_stop || true
	hostile_sane
}

want() {
	[ "$status" -eq "$1" ] || {
		echo "${2:-}status $status, want $1; stderr: $stderr" >&2
		return 1
	}
}

# refused ID: the first VERB refused, every kind of untagged data in the
# same write; the refusal's status (or 76 when a window's data still
# reach the command), the refusal said, what was not done named.
refused() {
	local k s raw='{tag} NO [CANNOT] Refused (hostile).\r\n'
	use "$1"
	for k in "${KINDS[@]}"; do
		raw+="${GOOD[$k]}\\r\\n${BAD[$k]}\\r\\n"
	done
	s=$(hostile_script refused greeting "fill INBOX $FILL" \
		"serve-until $VERB" "sendraw $raw" serve)
	go "$s"
	want "$REFUSED"
	case $REFUSED in
	69) [[ $stderr == *"Refused (hostile). [CANNOT]"* ]] ;;
	76) [[ $stderr == *"server sent a bad "*" result"* ||
		$stderr == *"the server's STATUS response"* ||
		$stderr == *"malformed "*" response"* ]] ;;
	# check: the refusal, or the malformed STATUS that came with it.
	2) [[ $output == "IMAP CRITICAL - "*"Refused (hostile). [CANNOT]"* ||
		$output == "IMAP CRITICAL - malformed STATUS response"* ]] ;;
	esac || { echo "stderr: $stderr" >&2; return 1; }
	if [ -n "${NOT_DONE[$1]:-}" ]; then
		[[ $stderr == *"${NOT_DONE[$1]}"* ]] || {
			echo "not named as not done: $stderr" >&2
			return 1
		}
	fi
	[ "$status" -ne 0 ] || [ -z "$stderr" ]
}

# What a run printed, the port and the times that differ between runs
# taken out (check's ages count from the clock: one run can be a second
# later than the other).
printed() {
	local o=${output//$HOSTILE_PORT/PORT}
	sed -E 's/[0-9]+\.[0-9]+ ?s\b/T/g; s/_age=[0-9]+s;/_age=As;/g' <<<"$o"
	(cd "$OUT" && find . | sort)
}

# logout ID: the command's work, then every kind of untagged data during
# LOGOUT before the BYE: the same status, output and files as without.
logout() {
	local k lines=() s base
	use "$1"
	s=$(hostile_script plain greeting "fill INBOX $FILL" serve)
	go "$s"
	base=$(printed)
	[ "$1" = check ] || want 0 "without: "
	lines=(greeting "fill INBOX $FILL" 'serve-until LOGOUT')
	for k in "${KINDS[@]}"; do
		lines+=("send ${GOOD[$k]}" "send ${BAD[$k]}")
	done
	lines+=('send * BYE logging out' 'reply OK Logout completed.')
	s=$(hostile_script logout "${lines[@]}")
	go "$s"
	[ "$1" = check ] || want 0
	[ -z "$stderr" ] || { echo "stderr: $stderr" >&2; return 1; }
	diff -u <(echo "$base") <(printed)
}

# window ID [KIND...]: each kind (default: all, and SYNTAX) malformed
# before the answer to the first VERB, the command's other commands in
# flight: 76 for the kinds it reads and for a line that does not parse,
# else what it does without them.
window() {
	local k s code id=$1
	shift
	use "$id"
	[ $# -gt 0 ] || set -- "${KINDS[@]}" SYNTAX
	for k in "$@"; do
		code=0
		[[ " $READS SYNTAX " == *" $k "* ]] && code=76
		[ "$id" = check ] && [ $code = 76 ] && code=2
		s=$(hostile_script window greeting "fill INBOX $FILL" \
			"serve-until $VERB" "send ${BAD[$k]}" handle serve)
		go "$s"
		want $code "$k: "
		case $code in
		0) [ -z "$stderr" ] ;;
		2) [[ $output == "IMAP CRITICAL - "* ]] ;;
		76) [[ $stderr == "imapctl: ${ARGS[0]}: "*"server sent a bad ${k} result"* ||
			$stderr == "imapctl: ${ARGS[0]}: "*"malformed ${k} response"* ||
			$stderr == "imapctl: ${ARGS[0]}: "*"the server's ${k} response"* ||
			$stderr == "imapctl: ${ARGS[0]}: "*"cannot parse server response (unbalanced '(')"* ]] ;;
		esac || { echo "$k: stderr: $stderr" >&2; return 1; }
	done
}

# full ID: stdout cannot be written (/dev/full) while the command's
# commands are in flight: 74 (check: UNKNOWN), said once on stderr.
full() {
	local s
	use "$1"
	s=$(hostile_script plain greeting "fill INBOX $FILL" serve)
	go "$s" full
	if [ "$1" = check ]; then
		want 3
	else
		want 74
	fi
	[[ $stderr == "imapctl: ${ARGS[0]}: cannot write output: No space left on device"* ]] || {
		echo "stderr: $stderr" >&2
		return 1
	}
}

@test "list: refused, untagged data of every kind with the refusal" { refused list; }
@test "list: untagged data of every kind during LOGOUT" { logout list; }
@test "list: malformed STATUS, LIST, FETCH amid its commands" { window list STATUS LIST FETCH; }
@test "list: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window list ESEARCH SEARCH QUOTA; }
@test "list: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window list EXPUNGE VANISHED EXISTS SYNTAX; }
@test "list: the output fails amid its commands: 74" { full list; }
@test "list --status: refused, untagged data of every kind with the refusal" { refused list-status; }
@test "list --status: untagged data of every kind during LOGOUT" { logout list-status; }
@test "list --status: malformed STATUS, LIST, FETCH amid its commands" { window list-status STATUS LIST FETCH; }
@test "list --status: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window list-status ESEARCH SEARCH QUOTA; }
@test "list --status: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window list-status EXPUNGE VANISHED EXISTS SYNTAX; }
@test "list --status: the output fails amid its commands: 74" { full list-status; }
@test "status: refused, untagged data of every kind with the refusal" { refused status; }
@test "status: untagged data of every kind during LOGOUT" { logout status; }
@test "status: malformed STATUS, LIST, FETCH amid its commands" { window status STATUS LIST FETCH; }
@test "status: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window status ESEARCH SEARCH QUOTA; }
@test "status: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window status EXPUNGE VANISHED EXISTS SYNTAX; }
@test "status: the output fails amid its commands: 74" { full status; }
@test "info: refused, untagged data of every kind with the refusal" { refused info; }
@test "info: untagged data of every kind during LOGOUT" { logout info; }
@test "info: malformed STATUS, LIST, FETCH amid its commands" { window info STATUS LIST FETCH; }
@test "info: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window info ESEARCH SEARCH QUOTA; }
@test "info: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window info EXPUNGE VANISHED EXISTS SYNTAX; }
@test "info: the output fails amid its commands: 74" { full info; }
@test "quota: refused, untagged data of every kind with the refusal" { refused quota; }
@test "quota: untagged data of every kind during LOGOUT" { logout quota; }
@test "quota: malformed STATUS, LIST, FETCH amid its commands" { window quota STATUS LIST FETCH; }
@test "quota: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window quota ESEARCH SEARCH QUOTA; }
@test "quota: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window quota EXPUNGE VANISHED EXISTS SYNTAX; }
@test "quota: the output fails amid its commands: 74" { full quota; }
@test "check: refused, untagged data of every kind with the refusal" { refused check; }
@test "check: malformed STATUS, LIST, FETCH amid its commands" { window check STATUS LIST FETCH; }
@test "check: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window check ESEARCH SEARCH QUOTA; }
@test "check: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window check EXPUNGE VANISHED EXISTS SYNTAX; }
@test "check: the output fails amid its commands: UNKNOWN" { full check; }
@test "search: refused, untagged data of every kind with the refusal" { refused search; }
@test "search: untagged data of every kind during LOGOUT" { logout search; }
@test "search: malformed STATUS, LIST, FETCH amid its commands" { window search STATUS LIST FETCH; }
@test "search: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window search ESEARCH SEARCH QUOTA; }
@test "search: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window search EXPUNGE VANISHED EXISTS SYNTAX; }
@test "search: the output fails amid its commands: 74" { full search; }
@test "search --in: refused, untagged data of every kind with the refusal" { refused search-in; }
@test "search --in: untagged data of every kind during LOGOUT" { logout search-in; }
@test "search --in: malformed STATUS, LIST, FETCH amid its commands" { window search-in STATUS LIST FETCH; }
@test "search --in: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window search-in ESEARCH SEARCH QUOTA; }
@test "search --in: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window search-in EXPUNGE VANISHED EXISTS SYNTAX; }
@test "search --in: the output fails amid its commands: 74" { full search-in; }
@test "fetch (summary): refused, untagged data of every kind with the refusal" { refused fetch-summary; }
@test "fetch (summary): untagged data of every kind during LOGOUT" { logout fetch-summary; }
@test "fetch (summary): malformed STATUS, LIST, FETCH amid its commands" { window fetch-summary STATUS LIST FETCH; }
@test "fetch (summary): malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-summary ESEARCH SEARCH QUOTA; }
@test "fetch (summary): malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-summary EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch (summary): the output fails amid its commands: 74" { full fetch-summary; }
@test "fetch --headers: refused, untagged data of every kind with the refusal" { refused fetch-headers; }
@test "fetch --headers: untagged data of every kind during LOGOUT" { logout fetch-headers; }
@test "fetch --headers: malformed STATUS, LIST, FETCH amid its commands" { window fetch-headers STATUS LIST FETCH; }
@test "fetch --headers: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-headers ESEARCH SEARCH QUOTA; }
@test "fetch --headers: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-headers EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --headers: the output fails amid its commands: 74" { full fetch-headers; }
@test "fetch --raw of one: refused, untagged data of every kind with the refusal" { refused fetch-raw; }
@test "fetch --raw of one: untagged data of every kind during LOGOUT" { logout fetch-raw; }
@test "fetch --raw of one: malformed STATUS, LIST, FETCH amid its commands" { window fetch-raw STATUS LIST FETCH; }
@test "fetch --raw of one: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-raw ESEARCH SEARCH QUOTA; }
@test "fetch --raw of one: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-raw EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --raw of one: the output fails amid its commands: 74" { full fetch-raw; }
@test "fetch --raw of many (mbox): refused, untagged data of every kind with the refusal" { refused fetch-mbox; }
@test "fetch --raw of many (mbox): untagged data of every kind during LOGOUT" { logout fetch-mbox; }
@test "fetch --raw of many (mbox): malformed STATUS, LIST, FETCH amid its commands" { window fetch-mbox STATUS LIST FETCH; }
@test "fetch --raw of many (mbox): malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-mbox ESEARCH SEARCH QUOTA; }
@test "fetch --raw of many (mbox): malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-mbox EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --raw of many (mbox): the output fails amid its commands: 74" { full fetch-mbox; }
@test "fetch --raw --save: refused, untagged data of every kind with the refusal" { refused fetch-save; }
@test "fetch --raw --save: untagged data of every kind during LOGOUT" { logout fetch-save; }
@test "fetch --raw --save: malformed STATUS, LIST, FETCH amid its commands" { window fetch-save STATUS LIST FETCH; }
@test "fetch --raw --save: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-save ESEARCH SEARCH QUOTA; }
@test "fetch --raw --save: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-save EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --raw --save: the output fails amid its commands: 74" { full fetch-save; }
@test "fetch --text: refused, untagged data of every kind with the refusal" { refused fetch-text; }
@test "fetch --text: untagged data of every kind during LOGOUT" { logout fetch-text; }
@test "fetch --text: malformed STATUS, LIST, FETCH amid its commands" { window fetch-text STATUS LIST FETCH; }
@test "fetch --text: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-text ESEARCH SEARCH QUOTA; }
@test "fetch --text: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-text EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --text: the output fails amid its commands: 74" { full fetch-text; }
@test "fetch --structure: refused, untagged data of every kind with the refusal" { refused fetch-structure; }
@test "fetch --structure: untagged data of every kind during LOGOUT" { logout fetch-structure; }
@test "fetch --structure: malformed STATUS, LIST, FETCH amid its commands" { window fetch-structure STATUS LIST FETCH; }
@test "fetch --structure: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-structure ESEARCH SEARCH QUOTA; }
@test "fetch --structure: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-structure EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --structure: the output fails amid its commands: 74" { full fetch-structure; }
@test "fetch --part: refused, untagged data of every kind with the refusal" { refused fetch-part; }
@test "fetch --part: untagged data of every kind during LOGOUT" { logout fetch-part; }
@test "fetch --part: malformed STATUS, LIST, FETCH amid its commands" { window fetch-part STATUS LIST FETCH; }
@test "fetch --part: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-part ESEARCH SEARCH QUOTA; }
@test "fetch --part: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-part EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --part: the output fails amid its commands: 74" { full fetch-part; }
@test "fetch --part --save: refused, untagged data of every kind with the refusal" { refused fetch-part-save; }
@test "fetch --part --save: untagged data of every kind during LOGOUT" { logout fetch-part-save; }
@test "fetch --part --save: malformed STATUS, LIST, FETCH amid its commands" { window fetch-part-save STATUS LIST FETCH; }
@test "fetch --part --save: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-part-save ESEARCH SEARCH QUOTA; }
@test "fetch --part --save: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-part-save EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --part --save: the output fails amid its commands: 74" { full fetch-part-save; }
@test "fetch --attachments: refused, untagged data of every kind with the refusal" { refused fetch-attachments; }
@test "fetch --attachments: untagged data of every kind during LOGOUT" { logout fetch-attachments; }
@test "fetch --attachments: malformed STATUS, LIST, FETCH amid its commands" { window fetch-attachments STATUS LIST FETCH; }
@test "fetch --attachments: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-attachments ESEARCH SEARCH QUOTA; }
@test "fetch --attachments: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-attachments EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --maildir: refused, untagged data of every kind with the refusal" { refused fetch-maildir; }
@test "fetch --maildir: untagged data of every kind during LOGOUT" { logout fetch-maildir; }
@test "fetch --maildir: malformed STATUS, LIST, FETCH amid its commands" { window fetch-maildir STATUS LIST FETCH; }
@test "fetch --maildir: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-maildir ESEARCH SEARCH QUOTA; }
@test "fetch --maildir: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-maildir EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --maildir: the output fails amid its commands: 74" { full fetch-maildir; }
@test "fetch --in: refused, untagged data of every kind with the refusal" { refused fetch-in; }
@test "fetch --in: untagged data of every kind during LOGOUT" { logout fetch-in; }
@test "fetch --in: malformed STATUS, LIST, FETCH amid its commands" { window fetch-in STATUS LIST FETCH; }
@test "fetch --in: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-in ESEARCH SEARCH QUOTA; }
@test "fetch --in: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-in EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --in: the output fails amid its commands: 74" { full fetch-in; }
@test "fetch --mark-seen: refused, untagged data of every kind with the refusal" { refused fetch-mark-seen; }
@test "fetch --mark-seen: untagged data of every kind during LOGOUT" { logout fetch-mark-seen; }
@test "fetch --mark-seen: malformed STATUS, LIST, FETCH amid its commands" { window fetch-mark-seen STATUS LIST FETCH; }
@test "fetch --mark-seen: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window fetch-mark-seen ESEARCH SEARCH QUOTA; }
@test "fetch --mark-seen: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window fetch-mark-seen EXPUNGE VANISHED EXISTS SYNTAX; }
@test "fetch --mark-seen: the output fails amid its commands: 74" { full fetch-mark-seen; }
@test "flag: refused, untagged data of every kind with the refusal" { refused flag; }
@test "flag: untagged data of every kind during LOGOUT" { logout flag; }
@test "flag: malformed STATUS, LIST, FETCH amid its commands" { window flag STATUS LIST FETCH; }
@test "flag: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window flag ESEARCH SEARCH QUOTA; }
@test "flag: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window flag EXPUNGE VANISHED EXISTS SYNTAX; }
@test "flag: the output fails amid its commands: 74" { full flag; }
@test "move: refused, untagged data of every kind with the refusal" { refused move; }
@test "move: untagged data of every kind during LOGOUT" { logout move; }
@test "move: malformed STATUS, LIST, FETCH amid its commands" { window move STATUS LIST FETCH; }
@test "move: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window move ESEARCH SEARCH QUOTA; }
@test "move: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window move EXPUNGE VANISHED EXISTS SYNTAX; }
@test "move: the output fails amid its commands: 74" { full move; }
@test "move without MOVE: refused, untagged data of every kind with the refusal" { refused move-copy; }
@test "move without MOVE: untagged data of every kind during LOGOUT" { logout move-copy; }
@test "move without MOVE: malformed STATUS, LIST, FETCH amid its commands" { window move-copy STATUS LIST FETCH; }
@test "move without MOVE: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window move-copy ESEARCH SEARCH QUOTA; }
@test "move without MOVE: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window move-copy EXPUNGE VANISHED EXISTS SYNTAX; }
@test "move without MOVE: the output fails amid its commands: 74" { full move-copy; }
@test "delete: refused, untagged data of every kind with the refusal" { refused delete; }
@test "delete: untagged data of every kind during LOGOUT" { logout delete; }
@test "delete: malformed STATUS, LIST, FETCH amid its commands" { window delete STATUS LIST FETCH; }
@test "delete: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window delete ESEARCH SEARCH QUOTA; }
@test "delete: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window delete EXPUNGE VANISHED EXISTS SYNTAX; }
@test "delete: the output fails amid its commands: 74" { full delete; }
@test "append: refused, untagged data of every kind with the refusal" { refused append; }
@test "append: untagged data of every kind during LOGOUT" { logout append; }
@test "append: malformed STATUS, LIST, FETCH amid its commands" { window append STATUS LIST FETCH; }
@test "append: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window append ESEARCH SEARCH QUOTA; }
@test "append: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window append EXPUNGE VANISHED EXISTS SYNTAX; }
@test "append: the output fails amid its commands: 74" { full append; }
@test "mailbox create: refused, untagged data of every kind with the refusal" { refused mailbox-create; }
@test "mailbox create: untagged data of every kind during LOGOUT" { logout mailbox-create; }
@test "mailbox create: malformed STATUS, LIST, FETCH amid its commands" { window mailbox-create STATUS LIST FETCH; }
@test "mailbox create: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window mailbox-create ESEARCH SEARCH QUOTA; }
@test "mailbox create: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window mailbox-create EXPUNGE VANISHED EXISTS SYNTAX; }
@test "mailbox create: the output fails amid its commands: 74" { full mailbox-create; }
@test "mailbox delete: refused, untagged data of every kind with the refusal" { refused mailbox-delete; }
@test "mailbox delete: untagged data of every kind during LOGOUT" { logout mailbox-delete; }
@test "mailbox delete: malformed STATUS, LIST, FETCH amid its commands" { window mailbox-delete STATUS LIST FETCH; }
@test "mailbox delete: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window mailbox-delete ESEARCH SEARCH QUOTA; }
@test "mailbox delete: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window mailbox-delete EXPUNGE VANISHED EXISTS SYNTAX; }
@test "mailbox rename: refused, untagged data of every kind with the refusal" { refused mailbox-rename; }
@test "mailbox rename: untagged data of every kind during LOGOUT" { logout mailbox-rename; }
@test "mailbox rename: malformed STATUS, LIST, FETCH amid its commands" { window mailbox-rename STATUS LIST FETCH; }
@test "mailbox rename: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window mailbox-rename ESEARCH SEARCH QUOTA; }
@test "mailbox rename: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window mailbox-rename EXPUNGE VANISHED EXISTS SYNTAX; }
@test "mailbox subscribe: refused, untagged data of every kind with the refusal" { refused mailbox-subscribe; }
@test "mailbox subscribe: untagged data of every kind during LOGOUT" { logout mailbox-subscribe; }
@test "mailbox subscribe: malformed STATUS, LIST, FETCH amid its commands" { window mailbox-subscribe STATUS LIST FETCH; }
@test "mailbox subscribe: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window mailbox-subscribe ESEARCH SEARCH QUOTA; }
@test "mailbox subscribe: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window mailbox-subscribe EXPUNGE VANISHED EXISTS SYNTAX; }
@test "raw: refused, untagged data of every kind with the refusal" { refused raw; }
@test "raw: untagged data of every kind during LOGOUT" { logout raw; }
@test "raw: malformed STATUS, LIST, FETCH amid its commands" { window raw STATUS LIST FETCH; }
@test "raw: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window raw ESEARCH SEARCH QUOTA; }
@test "raw: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window raw EXPUNGE VANISHED EXISTS SYNTAX; }
@test "raw: the output fails amid its commands: 74" { full raw; }
@test "raw --select: refused, untagged data of every kind with the refusal" { refused raw-select; }
@test "raw --select: untagged data of every kind during LOGOUT" { logout raw-select; }
@test "raw --select: malformed STATUS, LIST, FETCH amid its commands" { window raw-select STATUS LIST FETCH; }
@test "raw --select: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window raw-select ESEARCH SEARCH QUOTA; }
@test "raw --select: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window raw-select EXPUNGE VANISHED EXISTS SYNTAX; }
@test "raw --select: the output fails amid its commands: 74" { full raw-select; }
@test "watch: refused, untagged data of every kind with the refusal" { refused watch; }
@test "watch: untagged data of every kind during LOGOUT" { logout watch; }
@test "watch: malformed STATUS, LIST, FETCH amid its commands" { window watch STATUS LIST FETCH; }
@test "watch: malformed ESEARCH, SEARCH, QUOTA amid its commands" { window watch ESEARCH SEARCH QUOTA; }
@test "watch: malformed EXPUNGE, VANISHED, EXISTS, a line that does not parse, amid its commands" { window watch EXPUNGE VANISHED EXISTS SYNTAX; }


# What a monitoring plugin counted is what the server answered to its
# STATUS; data during its LOGOUT (which goes in the probe's one write)
# change nothing.
@test "check: untagged data during its LOGOUT change nothing" {
	logout check
	want 0
	[[ $output == "IMAP OK - "*" messages=3;"* ]]
}

# A command that said its output failed is not followed by another line
# saying so again, with another cause.
@test "an output failure is said once" {
	local c
	for c in status search fetch-summary fetch-mbox flag; do
		full $c
		assert_equal "$stderr" "imapctl: ${ARGS[0]}: cannot write output: No space left on device"
	done
}

# The changes made while the output fails are made all the same: the
# records are lost, not the work.
@test "flag, move, delete with the output failing: 74, every change made" {
	local c s
	s=$(hostile_script twice greeting 'fill INBOX 2000' serve connection greeting serve)
	for c in flag move delete; do
		use $c
		hostile_start script --timeout 10 --script "$s" --connections 2
		run --separate-stderr bash -c 'exec "$@" >/dev/full' _ \
			"$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u \
			--timeout 10 "${ARGS[@]}" < <(seq 1 2 2003)
		hostile_sane
		want 74
		[[ $stderr == "imapctl: $c: cannot write output: No space left on device"* ]]
		run --separate-stderr "$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" \
			-u u --timeout 10 search INBOX "$([ $c = flag ] && echo seen || echo all)" --count
		hostile_stop || true
		# flag: the 1002 odd UIDs are seen; move, delete: the 1001 even are left.
		assert_equal "$output" "$([ $c = flag ] && echo 1002 || echo 1001)"
	done
}

# limited ARGS...: imapctl against the server with files of at most 8 KiB
# (a write past that fails with EFBIG), every even UID on stdin.
limited() {
	run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 8; exec "$@"' _ \
		"$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u \
		--timeout 10 "$@" < <(seq 2 2 2004)
	hostile_sane
}

# INBOX gets UID 4 of SIZE bytes, then 2000 small messages: the large
# one's file fails while the FETCH of the others are in flight.
big_script() {
	hostile_script big greeting "fill INBOX 1 $1" 'fill INBOX 2000' serve
}

@test "fetch --maildir: a message whose file cannot be written is named, 73, the others written" {
	hostile_start script --timeout 10 --script "$(big_script 20000)"
	limited fetch INBOX - --maildir "$BATS_TEST_TMPDIR/md"
	assert_failure 73
	[[ $stderr == "imapctl: fetch: message UID 4: cannot write '$BATS_TEST_TMPDIR/md/tmp/"*"': File too large" ]]
	assert_equal "${#lines[@]}" 1001
	assert_equal "$(ls "$BATS_TEST_TMPDIR/md/cur" | wc -l)" 1001
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/md/tmp")" ""
}

@test "fetch --maildir: a large message whose file fails as it streams: 73, nothing left in tmp/" {
	hostile_start script --timeout 10 --script "$(big_script 300000)"
	limited fetch INBOX - --maildir "$BATS_TEST_TMPDIR/md"
	assert_failure 73
	[[ $stderr == "imapctl: fetch: "*"cannot write '$BATS_TEST_TMPDIR/md/tmp/"*"': File too large" ]]
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/md/tmp")" ""
	# What was written before is whole and has its record.
	assert_equal "$(ls "$BATS_TEST_TMPDIR/md/cur" | wc -l)" "${#lines[@]}"
}

@test "fetch --part --save: a part that cannot be written amid the window: 73, no partial file, the others written" {
	hostile_start script --timeout 10 --script "$(big_script 20000)"
	mkdir "$BATS_TEST_TMPDIR/out"
	limited fetch INBOX - --part 1 --save "$BATS_TEST_TMPDIR/out"
	assert_failure 73
	assert_equal "$stderr" "imapctl: fetch: message UID 4: '$BATS_TEST_TMPDIR/out/INBOX-1700000001-4-1': cannot write: File too large"
	# Nothing of UID 4's is left; UID 2's part and those after it are
	# written, each with its record.
	[ ! -e "$BATS_TEST_TMPDIR/out/INBOX-1700000001-4-1" ]
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/out" | wc -l)" 1001
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/out" | grep -vc '^INBOX-1700000001-[0-9]*-1$')" 0
	assert_equal "${#lines[@]}" 1001
}

# watch's window is its IDLE: each kind of untagged data, well-formed and
# not, after the server's "+" (watch's tags are A1 to A6, A5 the IDLE).
# What watch reads and cannot make sense of is the server's fault (76),
# never an event with a made-up UID or no flags; the rest is no event.
@test "watch: each kind of data during IDLE, well-formed and not" {
	local k s
	use watch
	for k in "${KINDS[@]}" SYNTAX; do
		s=$(hostile_script idle greeting 'serve-until IDLE' 'send + idling' \
			"send ${BAD[$k]}" 'expect DONE' 'send A5 OK Idle completed.' serve)
		go "$s"
		case $k in
		FETCH | EXPUNGE | VANISHED | EXISTS | SYNTAX) want 76 "$k: " ;;
		*) want 0 "$k: " ;;
		esac
		case $k in
		FETCH | EXPUNGE | VANISHED | EXISTS) assert_equal "$stderr" "imapctl: watch: malformed $k response" ;;
		SYNTAX) [[ $stderr == "imapctl: watch: cannot parse server response"* ]] ;;
		*) assert_equal "$stderr" "" ;;
		esac
		assert_output ""
	done
	for k in "${KINDS[@]}"; do
		s=$(hostile_script idle greeting 'serve-until IDLE' 'send + idling' \
			"send ${GOOD[$k]}" 'expect DONE' 'send A5 OK Idle completed.' serve)
		go "$s"
		want 0 "$k: "
		assert_equal "$stderr" ""
		case $k in
		FETCH) assert_output $'flags\tINBOX\t1700000001\t1\t\\Seen' ;;
		EXPUNGE) assert_output $'expunge\tINBOX\t1700000001\t' ;;
		VANISHED) assert_output $'expunge\tINBOX\t1700000001\t1\nexpunge\tINBOX\t1700000001\t2' ;;
		*) assert_output "" ;;
		esac
	done
}

@test "watch: events that cannot be written: 74" {
	use watch
	go "$(hostile_script idle greeting 'serve-until IDLE' 'send + idling' \
		'send * 1 FETCH (UID 1 FLAGS (\Seen))' 'expect DONE' \
		'send A5 OK Idle completed.' serve)" full
	want 74
	[[ $stderr == "imapctl: watch: cannot write output: No space left on device"* ]]
}

# A message number or count past 2^32-1 names no message and no count:
# passed over, it hid new mail or an expunge from watch (exit 0).
@test "watch: a number past 2^32-1 in EXISTS, EXPUNGE or FETCH during IDLE: 76" {
	local k s
	use watch
	for k in EXISTS EXPUNGE 'FETCH (UID 1 FLAGS (\Seen))'; do
		s=$(hostile_script idle greeting 'serve-until IDLE' 'send + idling' \
			"send * 99999999999 $k" 'expect DONE' 'send A5 OK Idle completed.' serve)
		go "$s"
		want 76 "$k: "
		assert_equal "$stderr" "imapctl: watch: malformed ${k%% *} response"
		assert_output ""
	done
}

# An EXISTS that is no count in the answer to SELECT or EXAMINE leaves the
# mailbox's size unknown: watch took it for 0 and passed over the
# VANISHED that followed; search and fetch bound what the server may
# name by it. The mailbox is not opened (76), for every command.
@test "an EXISTS that is no count in the answer to SELECT or EXAMINE: 76" {
	local c s verb
	for c in watch search fetch-raw flag search-in; do
		use $c
		verb=EXAMINE
		[ $c = flag ] && verb=SELECT
		s=$(hostile_script opened greeting "serve-until $verb" \
			'send * 99999999999 EXISTS' \
			'send * OK [UIDVALIDITY 1700000001] UIDs valid' \
			'send * OK [UIDNEXT 4] Predicted next UID' \
			"reply OK $verb completed." 'serve-until IDLE' 'send + idling' \
			'send * VANISHED 1:2' 'expect DONE' 'send A5 OK Idle completed.' serve)
		go "$s"
		want 76 "$c: "
		# watch reads every EXISTS itself, that of its EXAMINE too;
		# search --in examines its mailboxes in order of name, and
		# searches the others.
		case $c in
		watch) assert_equal "$stderr" "imapctl: watch: malformed EXISTS response" ;;
		search-in) assert_equal "$stderr" "imapctl: search: cannot open mailbox 'Archive': malformed EXISTS response" ;;
		*) assert_equal "$stderr" "imapctl: ${ARGS[0]}: cannot open mailbox 'INBOX': malformed EXISTS response" ;;
		esac
		if [ $c = search-in ]; then
			assert_output $'INBOX\t1700000001\t1\nINBOX\t1700000001\t2\nINBOX\t1700000001\t3'
		else
			assert_output ""
		fi
	done
}

# status INBOX Archive Drafts Sent Trash, or list --status: INBOX
# answered, Archive refused, then a STATUS that does not parse while the
# others are in flight. The refusal is said with the failure, the
# mailboxes never answered are not (the failure says the run stopped),
# and the exit status is the failure's.
@test "status, list --status: a refusal before a malformed STATUS is said too, 76" {
	local c s
	s=$(hostile_script refused-then-bad greeting 'serve-until STATUS' handle \
		'expect Archive' 'reply NO [CANNOT] Refused (hostile).' \
		'send * STATUS Drafts (MESSAGES x)' serve)
	for c in status list-status; do
		use $c
		go "$s"
		want 76 "$c: "
		assert_equal "$stderr" "imapctl: ${ARGS[0]}: status of 'Archive': Refused (hostile). [CANNOT]
imapctl: ${ARGS[0]}: cannot parse the server's STATUS response"
		assert_output ""
	done
	# More mailboxes than go in flight at once (32): the failure comes
	# while a STATUS waits to be sent, and is said once, as the run's.
	s=$(hostile_script window-then-bad greeting 'serve-until STATUS' handle \
		'expect Nope' handle 'send * STATUS M3 (MESSAGES x)' serve)
	use status
	ARGS=(status INBOX Nope $(printf 'M%d ' {3..40}))
	go "$s"
	want 76
	assert_equal "$stderr" "imapctl: status: status of 'Nope': Mailbox doesn't exist: Nope [NONEXISTENT]
imapctl: status: cannot parse the server's STATUS response"
	assert_output ""
}
