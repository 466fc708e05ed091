#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The examples of README.md, run as printed against the test Dovecot
# through a default account in ~/.config/imapctl/config, as the README
# suggests; where it shows output, the output must be what it shows (the
# UIDVALIDITY aside, which every server picks anew).
#
# Not run here: the first example (it names imap.example.org and pass),
# `-a gmail`, the watch pipeline (it waits for new mail; tests/watch.bats
# does that) and the monitoring walk-through's system commands (systemctl,
# install; tests/monitoring.bats and tests/package run what they install).
# The delivery checks run through a real Postfix (tests/postfix/start)
# delivering into the test Dovecot, their mail server's name and address
# replaced by the test's.

load helpers

README=$BATS_TEST_DIRNAME/../README.md

setup_file() {
	# LMTP and an auth socket for the delivery checks' Postfix.
	export DOVECOT_MTA=1
	dovecot_setup_file
	unset IMAPCTL_PASSWORD
	mkdir -p "$XDG_CONFIG_HOME/imapctl" "$BATS_FILE_TMPDIR/bin"
	cat >"$XDG_CONFIG_HOME/imapctl/config" <<-EOF
	[account test]
	host = 127.0.0.1
	port = $IMAPCTL_TEST_IMAPS_PORT
	cafile = $IMAPCTL_TEST_CAFILE
	user = alice
	password_cmd = echo wonderland
	default = true

	[account probe]
	host = 127.0.0.1
	port = $IMAPCTL_TEST_IMAPS_PORT
	cafile = $IMAPCTL_TEST_CAFILE
	user = alice
	password_cmd = echo wonderland
	EOF
	chmod 600 "$XDG_CONFIG_HOME/imapctl/config"
	ln -s "$IMAPCTL" "$BATS_FILE_TMPDIR/bin/imapctl"
}
teardown_file() { dovecot_teardown_file; }

teardown() {
	[ -z "${POSTFIX_STATEDIR:-}" ] || "$TESTS_DIR/postfix/stop" "$POSTFIX_STATEDIR" 3>&-
}

setup() {
	unset IMAPCTL_PASSWORD
	export PATH=$BATS_FILE_TMPDIR/bin:$PATH
	cd "$BATS_TEST_TMPDIR"
}

# example LINE...: the README holds these lines, indented as a code
# block; prints them joined into one command.
example() {
	local l
	for l in "$@"; do
		grep -qxF -- "    $l" "$README" || {
			echo "not in README.md: $l" >&2
			return 1
		}
	done
	printf '%s\n' "$@"
}

# shown COMMAND: the output the README prints under "$ COMMAND".
shown() {
	awk -v c="    \$ $1" '
		$0 == c { on = 1; next }
		on && (/^$/ || /^    \$ /) { exit }
		on { sub(/^    /, ""); print }' "$README"
}

# same COMMAND: run it; its output must be the README's.
same() {
	local want
	want=$(shown "$1")
	[ -n "$want" ] || { echo "no output shown for: $1"; return 1; }
	run --separate-stderr bash -c "$1"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | sed -E 's/\t[0-9]{9,}\t/\tUIDVALIDITY\t/')" \
		"$(echo "$want" | sed -E 's/\t[0-9]{9,}\t/\tUIDVALIDITY\t/')"
}

@test "README: mailboxes and their counts, as printed" {
	same "imapctl list --status -o json | jq -r '.[] | select(.unseen > 0) | .name'"
	same "imapctl status INBOX Projects/2024"
}

@test "README: searches, as printed" {
	same "imapctl search INBOX from:carol older:90d"
	same "imapctl search INBOX '(' from:carol or from:bob ')' unseen --count"
	cmd=$(example "imapctl search INBOX from:news older:90d -o jsonl | imapctl fetch INBOX -")
	run --separate-stderr bash -c "set -o pipefail; $cmd"
	# Nothing is from news: search says so (1), fetch acts on nothing.
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	same "imapctl search --in '*' from:carol"
	same "imapctl search --in 'Projects/*' --count"
	cmd=$(example "imapctl search INBOX --sort -date --limit 10 --summary")
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "$(echo "$output" | cut -f1 | tr '\n' ' ')" "5 4 3 2 1 "
}

@test "README: info and --debug" {
	cmd=$(example "imapctl info -o xml")
	run --separate-stderr bash -c "$cmd"
	assert_success
	echo "$output" | xmllint --noout -
	cmd=$(example "imapctl --debug status")
	run --separate-stderr bash -c "$cmd"
	assert_success
	[[ $stderr == *"C: A1 AUTHENTICATE SCRAM-SHA-256 <redacted>"* ]]
	[[ $stderr != *wonderland* ]]
}

@test "README: messages, their text and their attachments" {
	cmd=$(example "imapctl fetch INBOX all -o json | jq -r '.[].subject'")
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_line "Quarterly report Q1"
	cmd=$(example "imapctl fetch INBOX 4 --text")
	run --separate-stderr bash -c "$cmd"
	assert_success
	[[ $output == *"Meeting tomorrow"* ]]
	mkdir -p "$HOME/Downloads"
	cmd=$(example "imapctl fetch INBOX 3 --attachments ~/Downloads")
	run --separate-stderr bash -c "$cmd"
	assert_success
	[ -s "$HOME/Downloads/report.csv" ]
	rm -r "$HOME/Downloads"
}

@test "README: many accounts at once, one process each" {
	printf 'Subject: old\r\n\r\nold\r\n' >old.eml
	for i in 1 2 3; do
		command imapctl append Trash --date 2020-01-0$i old.eml >/dev/null
	done
	command imapctl append Trash old.eml >/dev/null
	cmd=$(example "awk '\$1 == \"[account\" { sub(/]\$/, \"\", \$2); print \$2 }' ~/.config/imapctl/config |" \
		"    xargs -P 4 -I{} imapctl -a {} delete Trash --query older:30d")
	# The config's two accounts are the same user: both run on one Trash
	# at once, and neither goes wrong; the new message stays. The one that
	# comes second may find messages already gone, and says so.
	run --separate-stderr bash -c "set -o pipefail; $cmd"
	assert_success
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		[[ $line =~ ^imapctl:\ delete:\ not\ found\ in\ \'Trash\':\ [123]\ messages?,\ UIDs?\ [0-9:,]+$ ]] ||
			fail "unexpected on stderr: $line"
	done <<<"$stderr"
	assert_equal "$(echo "$output" | cut -f1,3 | sort -u | tr '\n' ' ')" "Trash	1 Trash	2 Trash	3 "
	run --separate-stderr bash -c "imapctl status Trash -o json"
	assert_equal "$(echo "$output" | jq '.[0].messages')" 1
}

@test "README: backup, restore and a copy between accounts" {
	cmd=$(example "imapctl fetch INBOX all --raw > inbox.mbox" \
		"imapctl append Restored --mbox inbox.mbox")
	run --separate-stderr bash -c "imapctl mailbox create Restored && $cmd"
	assert_success
	assert_equal "${#lines[@]}" 6
	run --separate-stderr bash -c "imapctl fetch INBOX all -o jsonl | jq -c '[.flags - [\"\\\\Recent\"], .internaldate]'"
	want=$output
	run --separate-stderr bash -c "imapctl fetch Restored all -o jsonl | jq -c '[.flags - [\"\\\\Recent\"], .internaldate]'"
	assert_equal "$output" "$want"
	[[ $want == '[["\\Seen"],"2024-03-01T09:22:03Z"]'* ]]
	# -a old and -a new: the test account twice, INBOX copied onto itself.
	cmd=$(example "imapctl -a old fetch INBOX all --raw | imapctl -a new append INBOX --mbox")
	for a in old new; do
		printf '[account %s]\nhost = 127.0.0.1\nport = %s\ncafile = %s\n' \
		    "$a" "$IMAPCTL_TEST_IMAPS_PORT" "$IMAPCTL_TEST_CAFILE"
		printf 'user = alice\npassword_cmd = echo wonderland\n\n'
	done >"$BATS_TEST_TMPDIR/config"
	chmod 600 "$BATS_TEST_TMPDIR/config"
	run --separate-stderr env XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/x" bash -c \
	    "mkdir -p \$XDG_CONFIG_HOME/imapctl && cp '$BATS_TEST_TMPDIR/config' \$XDG_CONFIG_HOME/imapctl/config && $cmd"
	assert_success
	assert_equal "${#lines[@]}" 5
	run --separate-stderr bash -c "imapctl status INBOX -o json"
	assert_equal "$(echo "$output" | jq '.[0].messages')" 10
}

@test "README: a Maildir, written again only with what is new, and restored" {
	run --separate-stderr bash -c "imapctl status INBOX -o json"
	n=$(echo "$output" | jq '.[0].messages')
	cmd=$(example "imapctl fetch INBOX all --maildir ~/backup/mail")
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "${#lines[@]}" "$n"
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "$output" ""
	cmd=$(example "imapctl append Restored --maildir ~/backup/mail")
	run --separate-stderr bash -c "imapctl mailbox delete Restored; imapctl mailbox create Restored && $cmd"
	assert_success
	assert_equal "${#lines[@]}" "$((n + 2))"
	run --separate-stderr bash -c "imapctl fetch INBOX all -o jsonl | jq -c '[.flags - [\"\\\\Recent\"], .internaldate]'"
	want=$output
	run --separate-stderr bash -c "imapctl fetch Restored all -o jsonl | jq -c '[.flags - [\"\\\\Recent\"], .internaldate]'"
	assert_equal "$output" "$want"
	[[ $want == '[["\\Seen"],"2024-03-01T09:22:03Z"]'* ]]
}

@test "README: the whole account into a Maildir, a folder a mailbox, then only what is new" {
	cmd=$(example "imapctl fetch --in '*' all --maildir ~/backup/account")
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr bash -c "imapctl search --in '*' --count | tail -1"
	assert_equal "$(find ~/backup/account -path '*/cur/*' -type f | wc -l)" "$output"
	[ -d ~/backup/account/.Projects.2024/cur ]
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "$output" ""
}

@test "README: changing mail safely" {
	dovecot_reseed
	cmd=$(example "imapctl flag INBOX all --add seen --dry-run")
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "${#lines[@]}" 5
	cmd=$(example "imapctl search INBOX older:1y from:alerts@ |" \
		"    imapctl delete INBOX - --max 5000")
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "$output" ""
	cmd=$(example "imapctl move INBOX 1:500 Archive/2024 --create")
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "${#lines[@]}" 5
	# The dry run changed nothing: three were unseen when they moved.
	run --separate-stderr bash -c "imapctl status Archive/2024 -o json"
	assert_equal "$(echo "$output" | jq -c '.[0] | [.messages, .unseen]')" '[5,3]'
}

@test "README: records of several mailboxes through one pipe" {
	dovecot_reseed
	cmd=$(example "imapctl search --in INBOX --in 'Projects/*' older:1y |" \
		"    imapctl delete - --max 5000")
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | cut -f1,3 | paste -sd' ')" \
		"INBOX	1 INBOX	2 INBOX	3 INBOX	4 INBOX	5 Projects/2024	1 Projects/2024	2"
	run --separate-stderr bash -c "imapctl status INBOX Projects/2024 -o json"
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" '[0,0]'
	# Several searches, one after the other, as the text says.
	dovecot_reseed
	run --separate-stderr bash -c "{ imapctl search INBOX from:carol; imapctl search Projects/2024 all; } | imapctl delete -"
	assert_success
	assert_equal "$(echo "$output" | cut -f1,3 | paste -sd' ')" \
		"INBOX	1 INBOX	5 Projects/2024	1 Projects/2024	2"
}

@test "README: the monitoring probe" {
	dovecot_reseed
	cmd="imapctl check --warning-unseen 50 --critical-age 3d --warning-cert-days 21"
	grep -qxF -- "    \$ $cmd" "$README"
	run --separate-stderr bash -c "$cmd"
	# The seeded unseen mail is from 2024: older than 3 days, CRITICAL.
	assert_failure 2
	assert_equal "$stderr" ""
	[[ $output == "IMAP CRITICAL - INBOX 5 messages, 3 unseen, oldest unseen "*" | time="* ]]
}

@test "README: the Prometheus file is replaced atomically, also when the server is down" {
	cmd=$(example "dir=/var/lib/prometheus/node-exporter" \
		"imapctl check -o prometheus >\$dir/.imapctl.tmp; mv \$dir/.imapctl.tmp \$dir/imapctl.prom")
	mkdir -p tf
	cmd=${cmd/\/var\/lib\/prometheus\/node-exporter/$PWD/tf}
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "$(ls -A tf)" imapctl.prom
	grep -q '^imapctl_probe_success{.*} 1$' tf/imapctl.prom
	# A failed check (exit 2) replaces it all the same.
	sed 's/^port = .*/port = 1/' "$XDG_CONFIG_HOME/imapctl/config" >down.conf
	chmod 600 down.conf
	IMAPCTL_CONFIG=$PWD/down.conf run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "$(ls -A tf)" imapctl.prom
	grep -q '^imapctl_probe_success{.*} 0$' tf/imapctl.prom
	grep -q '^imapctl_check_state{.*} 2$' tf/imapctl.prom
}

@test "README: the delivery checks, for Nagios and for Prometheus" {
	POSTFIX_STATEDIR=$BATS_TEST_TMPDIR/postfix
	"$TESTS_DIR/postfix/start" "$POSTFIX_STATEDIR" "$DOVECOT_STATEDIR" 3>&- || {
		[ $? = 77 ] || return 1
		POSTFIX_STATEDIR=
		skip "Postfix runs as root only"
	}
	. "$POSTFIX_STATEDIR/env"
	dovecot_reseed
	# The README's server and address are the test's: Postfix's
	# submission port, alice's address in its domain.
	subst="s|smtp://mail.example.org|smtp://127.0.0.1:$IMAPCTL_TEST_SUBMISSION_PORT|; s|probe@example.org|alice@$IMAPCTL_TEST_MAIL_DOMAIN|"
	cmd=$(example "\$ imapctl -a probe --deadline 60 check --send-via smtp://mail.example.org --probe-to probe@example.org --warning-delivery 30s" |
		sed -e 's/^\$ //' -e "$subst")
	run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "$stderr" ""
	[[ $output == "IMAP OK - INBOX 5 messages, 3 unseen, "*", delivered in "*"s, checked in "*" | "*" delivery_time="*"s;30;;0 submit_time="*"s;;;0"* ]]
	# The crontab line: the kit's script, the README's account, a
	# directory of the test's.
	cmd=$(example "*/5 * * * * /usr/share/imapctl/imapctl-textfile probe --deadline 60 --send-via smtp://mail.example.org --probe-to probe@example.org" |
		sed -e 's|^\*/5 \* \* \* \* /usr/share/imapctl/|'"$REPO_DIR"'/monitoring/|' -e "$subst")
	mkdir tf
	TEXTFILE_DIR=$PWD/tf run --separate-stderr bash -c "$cmd"
	assert_success
	assert_equal "$(ls -A tf)" imapctl-probe.prom
	grep -qx 'imapctl_delivery_success{.*} 1' tf/imapctl-probe.prom
	grep -q '^imapctl_delivery_duration_seconds{.*} [0-9.e-]*$' tf/imapctl-probe.prom
	# The probes deleted themselves: alice's INBOX as it was.
	run --separate-stderr bash -c "imapctl status INBOX -o json"
	assert_success
	assert_equal "$(echo "$output" | jq '.[0].messages')" 5
}

@test "README: crontab lines are one line, and name what make install puts there" {
	! grep -qE '^    \*/5 .*\\$' "$README"
	grep -qxF '    */5 * * * * /usr/share/imapctl/imapctl-textfile work' "$README"
	# Every crontab line runs the kit's script (the delivery check's too).
	assert_equal "$(grep -E '^    \*/5 \* \* \* \* ' "$README" | grep -cv '^    \*/5 \* \* \* \* /usr/share/imapctl/imapctl-textfile ')" 0
	[ -x "$REPO_DIR/monitoring/imapctl-textfile" ]
	# Every file of the kit the walk-through names is in monitoring/.
	for f in $(grep -oE '/usr/share/imapctl/[A-Za-z0-9@._-]+' "$README" | sort -u); do
		[ -e "$REPO_DIR/monitoring/${f#/usr/share/imapctl/}" ] || { echo "no $f"; return 1; }
	done
}

@test "README: the package it installs has the Makefile's version" {
	v=$(sed -n 's/^VERSION = //p' "$REPO_DIR/Makefile")
	grep -qxF "    apt install ./obj-deb/imapctl_${v}_amd64.deb" "$README"
}

@test "README: what Contributing names is there" {
	sec=$(sed -n '/^## Contributing$/,/^## /p' "$README")
	[ -n "$sec" ]
	for f in $(grep -oE '(tests|bench)/[A-Za-z0-9_./-]+' <<<"$sec" | sed 's/[.]$//' | sort -u); do
		case $f in */obj/*|obj/*) continue ;; esac
		[ -e "$REPO_DIR/$f" ] || { echo "README names $f, which is not there"; return 1; }
	done
	for t in coverage fuzz-run unit; do
		grep -q "\`make $t\|make $t\b" <<<"$sec" || grep -q "make $t" <<<"$sec"
		(cd "$REPO_DIR" && env -u MAKEFLAGS -u MAKELEVEL make -n "$t" >/dev/null)
	done
	grep -qF "IMAPCTL_BIN=\$PWD/imapctl-san tests/run" <<<"$sec"
	[ -e "$REPO_DIR/.editorconfig" ] && [ -e "$REPO_DIR/.clang-format" ]
}
