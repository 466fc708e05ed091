#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The progress line of long work: on a terminal (script(1) gives the
# command one), one line on standard error rewritten in place, never on
# standard output; nothing when standard error is not a terminal;
# --progress and --no-progress force it either way.

load helpers
load change

setup_file() {
	dovecot_setup_file
	imapctl mailbox create Many >/dev/null
	fill_maildir Many 300
}
teardown_file() { dovecot_teardown_file; }
setup() { D=$BATS_TEST_TMPDIR; }

# on_tty CMD: run CMD (a shell line) with a terminal as its standard
# error; what the terminal showed goes to $D/tty, stdout to $D/out, the
# exit status to $D/rc.
on_tty() {
	script -qec "$1 >'$D/out'; echo \$? >'$D/rc'" /dev/null >"$D/tty" </dev/null
}

args() { echo "$IMAPCTL $(imapctl_args)"; }

@test "fetch --save, --maildir, --attachments: a progress line on a terminal, never on stdout" {
	mkdir "$D/save"
	on_tty "$(args) fetch Many all --raw --save '$D/save'"
	assert_equal "$(cat "$D/rc")" 0
	[[ $(tr '\r' '\n' <"$D/tty") == *"fetch: 1 of 300 messages (0%)"* ]]
	# It is taken away at the end: the last thing drawn clears the line.
	[[ $(cat "$D/tty") == *$'\r\e[K' ]]
	assert_equal "$(wc -l <"$D/out")" 300
	assert_equal "$(grep -c $'\r' "$D/out")" 0
	on_tty "$(args) fetch Many all --maildir '$D/md'"
	[[ $(tr '\r' '\n' <"$D/tty") == *"fetch: 1 of 300 messages (0%)"* ]]
	assert_equal "$(wc -l <"$D/out")" 300
	# A second run has nothing left to write: 0 of 0, no line.
	on_tty "$(args) fetch Many all --maildir '$D/md'"
	assert_equal "$(cat "$D/tty")" ""
	mkdir "$D/att"
	on_tty "$(args) fetch Many 1:50 --attachments '$D/att'"
	[[ $(tr '\r' '\n' <"$D/tty") == *"fetch: 50 of 50 messages (100%)"* ]]
}

@test "append of many and flag, move, delete in bulk: a progress line on a terminal" {
	imapctl mailbox create Up >/dev/null
	imapctl fetch Many 1:40 --raw >"$D/40.mbox"
	on_tty "$(args) append Up --mbox '$D/40.mbox'"
	[[ $(tr '\r' '\n' <"$D/tty") == *"append: 1 messages"* ]]
	assert_equal "$(wc -l <"$D/out")" 40
	on_tty "$(args) append Up '$FIXTURES'/inbox-1-*.eml '$FIXTURES'/projects-2024-2-*.eml"
	[[ $(tr '\r' '\n' <"$D/tty") == *"append: 1 of 2 messages (50%)"* ]]
	on_tty "$(args) flag Up all --add seen"
	[[ $(tr '\r' '\n' <"$D/tty") == *"flag: 42 of 42 messages (100%)"* ]]
	assert_equal "$(grep -c $'\r' "$D/out")" 0
	on_tty "$(args) move Up 1:10 Up2 --create"
	[[ $(tr '\r' '\n' <"$D/tty") == *"move: 10 of 10 messages (100%)"* ]]
	on_tty "$(args) delete Up all"
	[[ $(tr '\r' '\n' <"$D/tty") == *"delete: 32 of 32 messages (100%)"* ]]
}

@test "no progress line when stderr is not a terminal; --progress and --no-progress force it" {
	mkdir "$D/a" "$D/b"
	run --separate-stderr imapctl fetch Many all --raw --save "$D/a"
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr imapctl fetch Many 1:20 --raw --save "$D/b" --progress
	assert_success
	[[ $stderr == *"fetch: 1 of 20 messages (5%)"* ]]
	[[ $output != *$'\r'* ]]
	on_tty "$(args) flag Many all --add flagged --no-progress"
	assert_equal "$(cat "$D/tty")" ""
	assert_equal "$(wc -l <"$D/out")" 300
}

@test "an error on a terminal: the progress line is taken away before it is written" {
	mkdir "$D/s"
	on_tty "$(args) fetch Many 1:3,99999 --raw --save '$D/s'"
	# The error starts a line of its own: the progress line is cleared.
	[[ $(cat "$D/tty") == *$'\r\e[Kimapctl: fetch: not found in '* ]]
	assert_equal "$(cat "$D/rc")" 69
}
