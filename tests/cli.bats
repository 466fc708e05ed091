#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The command line itself: parsing, help, usage errors, version, and the
# docs and completions kept in step with the option tables.

load helpers

MAN=$BATS_TEST_DIRNAME/../man/imapctl.1

# The commands -h lists, and each command's options.
commands() { "$IMAPCTL" __complete commands | cut -f1; }
# (help COMMAND names the global options' page: imapctl help)
options() { { "$IMAPCTL" "$1" -h; "$IMAPCTL" --help | sed -n '/^Global options:/,/^$/p'; } | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }

@test "--version prints the name and version on stdout" {
	run --separate-stderr "$IMAPCTL" --version
	assert_success
	assert_line --index 0 --regexp '^imapctl [0-9]+\.[0-9]+\.[0-9]+$'
	assert_equal "$stderr" ""
}

@test "--help and help COMMAND go to stdout, exit 0" {
	run --separate-stderr "$IMAPCTL" --help
	assert_success
	assert_line --regexp '^  list +list mailboxes$'
	run --separate-stderr "$IMAPCTL" help list
	assert_success
	assert_line --index 0 'usage: imapctl list [--status] [--subscribed] [PATTERN...]'
	help=$output
	run "$IMAPCTL" list --help
	assert_equal "$output" "$help"
}

@test "help COMMAND: usage, its own options, examples, and where the global ones are" {
	for c in $(commands); do
		run --separate-stderr "$IMAPCTL" help "$c"
		assert_success
		assert_line --index 0 --regexp "^usage: imapctl $c"
		# The last line points to the global options, which are not
		# repeated (git's way).
		assert_equal "${lines[-1]}" "global options: imapctl help"
		! grep -q -- '--password-file' <<<"$output"
		[[ $output != *"Global options:"* ]]
		# Two or three examples of this command.
		n=$(sed -n '/^Examples:$/,/^$/p' <<<"$output" | grep -c "^  imapctl .*$c")
		[ "$n" -ge 2 ] && [ "$n" -le 3 ] || { echo "$c: $n examples"; return 1; }
	done
	# The global options are where it says.
	run "$IMAPCTL" help
	assert_line --regexp '^      --password-file FILE +read the password'
}

@test "help search: every query term of the parser's table, with its meaning" {
	run --separate-stderr "$IMAPCTL" help search
	assert_success
	terms=$(sed -n '/^Query terms/,/^[^ ]/p' <<<"$output")
	for w in $("$IMAPCTL" __complete terms); do
		case $w in
		or) grep -qE '^  a or b +\S' <<<"$terms" ;;
		not) grep -qE '^  not a +\S' <<<"$terms" ;;
		*:) grep -qE "^  ${w}[A-Za-z:-]+ +\\S" <<<"$terms" ;;
		*) grep -qE "^  $w +[a-z]" <<<"$terms" ;;
		esac || { echo "no meaning for $w"; return 1; }
	done
}

@test "imapctl help: the commands grouped as a user looks for them" {
	run --separate-stderr "$IMAPCTL" help
	assert_success
	assert_equal "$(grep -E '^[A-Z][a-z -]+:$' <<<"$output" | tr '\n' ' ')" \
		"Reading mail: Changing mail: Monitoring: Admin and set-up: Global options: "
	# Every command is in a group; none falls into "Other commands".
	for c in $(commands); do
		assert_line --regexp "^  $c +[a-z]"
	done
	assert_equal "$(sed -n '/^Reading mail:/,/^$/p' <<<"$output" | awk 'NF { print $1 }' | tail -n +2 | tr '\n' ' ')" \
		"list status search fetch "
}

@test "no command is a usage error with the help on stderr" {
	run --separate-stderr "$IMAPCTL"
	assert_failure 64
	assert_equal "$output" ""
	[[ $stderr == *"usage: imapctl [GLOBAL OPTIONS] COMMAND"* ]]
}

@test "a misspelt command suggests the right one; prefixes are not commands" {
	run --separate-stderr "$IMAPCTL" lsit
	assert_failure 64
	assert_equal "$stderr" "imapctl: 'lsit' is not a command; did you mean 'list'?"
	run --separate-stderr "$IMAPCTL" stat
	assert_failure 64
	run --separate-stderr "$IMAPCTL" frobnicate
	assert_failure 64
	assert_equal "$stderr" "imapctl: 'frobnicate' is not a command; see 'imapctl --help'"
}

@test "unknown and abbreviated options are usage errors naming the option" {
	run --separate-stderr "$IMAPCTL" list --stat
	assert_failure 64
	[[ $stderr == "imapctl: list: unknown option '--stat'"$'\n'* ]]
	[[ $stderr == *"Try 'imapctl list --help'."* ]]
	run --separate-stderr "$IMAPCTL" list -Z
	assert_failure 64
	[[ $stderr == "imapctl: list: unknown option '-Z'"* ]]
	run --separate-stderr "$IMAPCTL" list --status=yes
	assert_failure 64
	run --separate-stderr "$IMAPCTL" list --format
	assert_failure 64
	[[ $stderr == *"option '--format' needs FORMAT"* ]]
	run --separate-stderr "$IMAPCTL" list -o yaml
	assert_failure 64
	[[ $stderr == *"bad --format 'yaml'"* ]]
	run --separate-stderr "$IMAPCTL" info extra
	assert_failure 64
	[[ $stderr == *"unexpected operand 'extra'"* ]]
	run --separate-stderr "$IMAPCTL" completion
	assert_failure 64
	[[ $stderr == *"missing operand"* ]]
}

@test "usage errors come before any connection and before the password command" {
	local port
	# A port nothing listens on, and a password command that leaves a mark.
	port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	while read -r cmd; do
		rm -f "$BATS_TEST_TMPDIR/asked"
		# shellcheck disable=SC2086  # the words of each line
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$port" \
			--tls none --password-cmd "touch $BATS_TEST_TMPDIR/asked; echo pw" $cmd
		assert_failure 64
		[[ $stderr == "imapctl: "* && $stderr != *refused* ]]
		[ ! -e "$BATS_TEST_TMPDIR/asked" ]
		# Said once at the edge, the same way for every command: the
		# message, the usage line and where to look.
		c=${cmd%% *}
		assert_equal "${#stderr_lines[@]}" 3
		[[ ${stderr_lines[0]} == "imapctl: $c: "* ]]
		[[ ${stderr_lines[1]} == "usage: imapctl $c "* ]]
		assert_equal "${stderr_lines[2]}" "Try 'imapctl $c --help'."
	done <<'END'
search INBOX bogus:
search INBOX --limit 0
search INBOX --sort sideways
search INBOX seen --raw A{5}
search INBOX --count --summary
fetch INBOX 1:x
fetch INBOX --query from:
fetch INBOX 1 --part 1..2
fetch INBOX 1 --raw --text
fetch INBOX 1 --uidvalidity -3
flag INBOX 1 --add seen --remove seen
flag INBOX 1
move INBOX 1
delete INBOX 1 --trash --flag-only
delete INBOX 1 --max x
append INBOX --date 2024-13-01
append INBOX - -
mailbox frob Old
mailbox rename Old
raw STARTTLS
watch INBOX --interval soon
watch INBOX --keepalive 2h
help nosuch
flag INBOX 1 --add a(b
delete INBOX 1:x
list --tls ssl
status --auth gssapi
info -o yaml
search INBOX --sort name
list --as bob --auth login
END
	# Nor is a file or directory that is not there a reason to connect.
	: >"$BATS_TEST_TMPDIR/plain"
	while read -r want cmd; do
		rm -f "$BATS_TEST_TMPDIR/asked"
		# shellcheck disable=SC2086
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$port" \
			--tls none --password-cmd "touch $BATS_TEST_TMPDIR/asked; echo pw" $cmd
		assert_failure "$want"
		[[ $stderr == "imapctl: "* && $stderr != *refused* ]]
		[ ! -e "$BATS_TEST_TMPDIR/asked" ]
	done <<END
73 fetch INBOX 1 --attachments $BATS_TEST_TMPDIR/none
73 fetch INBOX 1 --raw --save $BATS_TEST_TMPDIR/plain
66 append INBOX $BATS_TEST_TMPDIR/none.eml
66 append INBOX $BATS_TEST_TMPDIR
END
}

@test "numbers, sizes, durations and ranges are read with their option: one wording a kind" {
	local port
	port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	# Each bad value: exit 64, its message, the usage line, nothing run.
	while IFS='|' read -r msg cmd; do
		rm -f "$BATS_TEST_TMPDIR/asked"
		# shellcheck disable=SC2086  # the words of each line
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$port" \
			--tls none --password-cmd "touch $BATS_TEST_TMPDIR/asked; echo pw" $cmd
		assert_failure 64
		c=${cmd#--* * }
		c=${c%% *}
		assert_equal "$stderr" "imapctl: $c: $msg"$'\n'"usage: imapctl $c $("$IMAPCTL" "$c" -h | sed -n '1s/^usage: imapctl [^ ]* //p')"$'\n'"Try 'imapctl $c --help'."
		assert_output ""
		[ ! -e "$BATS_TEST_TMPDIR/asked" ]
	done <<'END'
--max: not a number: 'x'|flag INBOX 1 --add seen --max x
--max: not a number: '-1'|delete INBOX 1 --max -1
--max: out of range: '18446744073709551616': at most 18446744073709551615|move INBOX 1 Trash --max 18446744073709551616
--max: not a number: '1e3'|mailbox delete Old --max 1e3
--limit: out of range: '0': at least 1|search INBOX --limit 0
--limit: not a number: '1.5'|search INBOX all --limit 1.5
--uidvalidity: out of range: '4294967296': 1 to 4294967295|fetch INBOX 1 --uidvalidity 4294967296
--uidvalidity: not a number: '-3'|search INBOX --uidvalidity -3
--uidvalidity: out of range: '0': 1 to 4294967295|flag INBOX 1 --add seen --uidvalidity 0
--retry: out of range: '101': 0 to 100|status --retry 101
--retry: not a number: 'many'|--retry many status
--max-size: not a size: '12x': bytes, or a number with k, M or G|--max-size 12x status
--max-size: out of range: '0': at least 1|list --max-size 0
--timeout: out of range: '2d': more than 0, at most 1d|--timeout 2d status
--timeout: not a duration: '6m': 6m is ambiguous: use 6min or 6mo|--timeout 6m status
--deadline: out of range: '400d': more than 0, at most 366d|--deadline 400d info
--keepalive: out of range: '30min': more than 0, at most 29min|watch INBOX --keepalive 30min
--interval: out of range: '0': more than 0|watch INBOX --interval 0
--duration: not a duration: '1.5m': 1.5m is ambiguous: use 1.5min or 1.5mo|watch INBOX --duration 1.5m
END
	# The first bad value of the command line is the one named.
	run --separate-stderr "$IMAPCTL" --retry x flag INBOX 1 --add seen --max y
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "imapctl: flag: --retry: not a number: 'x'"
	# The monitoring probe says the same in its UNKNOWN line, exit 3.
	while IFS='|' read -r msg cmd; do
		# shellcheck disable=SC2086
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$port" \
			--tls none --password-cmd "touch $BATS_TEST_TMPDIR/asked; echo pw" $cmd
		assert_failure 3
		assert_equal "$output" "IMAP UNKNOWN - $msg; see 'imapctl check --help'"
		assert_equal "$stderr" ""
		[ ! -e "$BATS_TEST_TMPDIR/asked" ]
	done <<'END'
--warning-time: bad range 'x': use N, N:, ~:N, N:M or @N:M|check --warning-time x
--critical-age: bad range '1x': use N, N:, ~:N, N:M or @N:M (numbers may end in s, min, h, d, w, mo or y)|check --critical-age 1x
--retry: out of range: '101': 0 to 100|check --retry 101
--timeout: not a duration: 'soon': use a number and s, min, h, d, w, mo or y (seconds, minutes, hours, days, weeks, months of 30 days, years of 365 days), such as 90s, 30min, 2h or 90d|--timeout soon check
--max-size: not a size: '1T': bytes, or a number with k, M or G|--max-size 1T check
END
}

@test "a usage error prints nothing on standard output, in every format" {
	local port
	port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	for f in text json jsonl xml; do
		while read -r cmd; do
			# shellcheck disable=SC2086  # the words of each line
			run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$port" \
				--tls none --password-cmd "echo pw" -o "$f" $cmd
			assert_failure 64
			assert_output ""
			assert_equal "${stderr_lines[1]}" "usage: imapctl ${cmd%% *} $("$IMAPCTL" "${cmd%% *}" -h | sed -n '1s/^usage: imapctl [^ ]* //p')"
			# shellcheck disable=SC2086
			run --separate-stderr env IMAPCTL_FORMAT="$f" "$IMAPCTL" \
				--host 127.0.0.1 --port "$port" --tls none $cmd
			assert_failure 64
			assert_output ""
		done <<'END'
fetch INBOX 1 --raw --text
fetch INBOX 1:x
search INBOX bogus:
search INBOX --count --summary
flag INBOX 1
delete INBOX 1 --trash --flag-only
mailbox frob Old
status --bogus
help nosuch
END
	done
}

@test "words of a closed set are read with their option, by the tables the configuration file reads" {
	local port
	port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	while IFS='|' read -r c msg cmd; do
		rm -f "$BATS_TEST_TMPDIR/asked"
		# shellcheck disable=SC2086  # the words of each line
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$port" \
			--password-cmd "touch $BATS_TEST_TMPDIR/asked; echo pw" $cmd
		assert_failure 64
		assert_equal "$stderr" "imapctl: $c: $msg"$'\n'"usage: imapctl $c $("$IMAPCTL" "$c" -h | sed -n '1s/^usage: imapctl [^ ]* //p')"$'\n'"Try 'imapctl $c --help'."
		assert_output ""
		[ ! -e "$BATS_TEST_TMPDIR/asked" ]
	done <<'END'
status|bad --tls 'ssl': use implicit, starttls or none|--tls ssl status
status|bad --tls 'STARTTLS': use implicit, starttls or none|status --tls STARTTLS
list|bad --auth 'gssapi': use auto, scram-sha-256, scram-sha-1, plain, login, xoauth2 or oauthbearer|--auth gssapi list
list|bad --format 'yaml': use text, json, jsonl or xml (check: also prometheus)|list -o yaml
status|bad --format 'prometheus': use text, json, jsonl or xml (prometheus: check only)|-o prometheus status
search|bad --sort 'name': use date, size, subject or from, with - before for the reverse|search INBOX --sort name
search|bad --sort 'dat': use date, size, subject or from, with - before for the reverse|search INBOX --sort dat
list|--as needs SASL PLAIN, not login|--as bob --auth login list
list|a client key without a certificate: give --cert FILE too|list --key /nonexistent
END
	# IMAPCTL_FORMAT takes the same words.
	run --separate-stderr env IMAPCTL_FORMAT=yaml "$IMAPCTL" list
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "imapctl: list: bad IMAPCTL_FORMAT 'yaml': use text, json, jsonl or xml (check: also prometheus)"
	# SASL mechanism names are case-insensitive; the TLS modes are not.
	run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$port" \
		--tls none --auth SCRAM-SHA-256 --password-cmd "echo pw" status
	assert_failure 69
	[[ $stderr == *refused* ]]
	# The monitoring probe: the same words in its UNKNOWN line, exit 3.
	while IFS='|' read -r msg cmd; do
		# shellcheck disable=SC2086
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$port" \
			--password-cmd "touch $BATS_TEST_TMPDIR/asked; echo pw" $cmd
		assert_failure 3
		assert_equal "$output" "IMAP UNKNOWN - $msg; see 'imapctl check --help'"
		assert_equal "$stderr" ""
		[ ! -e "$BATS_TEST_TMPDIR/asked" ]
	done <<'END'
bad --tls 'ssl': use implicit, starttls or none|check --tls ssl
bad --auth 'gssapi': use auto, scram-sha-256, scram-sha-1, plain, login, xoauth2 or oauthbearer|--auth gssapi check
bad --format 'yaml': use text, json, jsonl or xml (check: also prometheus)|check -o yaml
END
	# The configuration file: the same tables, the same words.
	printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = ssl\n' "$port" >"$BATS_TEST_TMPDIR/conf"
	chmod 600 "$BATS_TEST_TMPDIR/conf"
	run --separate-stderr "$IMAPCTL" --config "$BATS_TEST_TMPDIR/conf" -a a status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: $BATS_TEST_TMPDIR/conf:4: bad tls 'ssl': use implicit, starttls or none"
	printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = none\nauth = gssapi\n' "$port" >"$BATS_TEST_TMPDIR/conf"
	run --separate-stderr "$IMAPCTL" --config "$BATS_TEST_TMPDIR/conf" -a a status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: $BATS_TEST_TMPDIR/conf:5: bad auth 'gssapi': use auto, scram-sha-256, scram-sha-1, plain, login, xoauth2 or oauthbearer"
	printf '[account a]\nhost = 127.0.0.1\nport = %s\ntls = none\nauth = PLAIN\n' "$port" >"$BATS_TEST_TMPDIR/conf"
	run --separate-stderr "$IMAPCTL" --config "$BATS_TEST_TMPDIR/conf" -a a --password-cmd "echo pw" status
	assert_failure 69
	[[ $stderr == *refused* ]]
}

@test "there is no option that takes a password" {
	for c in $(commands); do
		! "$IMAPCTL" "$c" -h | grep -qiE -- '--pass(word)?( |=|$)'
	done
}

@test "every command and option in -h is in the man page" {
	for c in $(commands); do
		grep -q "^\.Ss $c\\b" "$MAN" || grep -q "^\.Ss \"$c" "$MAN" || {
			echo "command $c is not in $MAN"; return 1; }
		for o in $(options "$c"); do
			grep -qE "Fl \\\\-${o#--}( |$)" "$MAN" || {
				echo "option $o of $c is not in $MAN"; return 1; }
		done
	done
}

@test "the man page's SYNOPSIS gives each command a line of its own" {
	syn=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$MAN")
	for c in $(commands); do
		# The command's word comes right after an .Nm line.
		grep -B1 -x "\.Cm $c" <<<"$syn" | head -n 1 | grep -qx '\.Nm' ||
			{ echo "$c is not on a line of its own in the SYNOPSIS"; return 1; }
	done
	# As rendered: one "imapctl COMMAND" a line.
	rendered=$(mandoc -T ascii "$MAN" | col -b | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p')
	for c in $(commands); do
		grep -qE "^ +imapctl $c( |\$)" <<<"$rendered" || { echo "no line for $c"; return 1; }
	done
}

@test "the man page is clean under mandoc -T lint" {
	run mandoc -T lint -W warning "$MAN"
	assert_success
	assert_output ""
}

@test "completion prints the scripts in completions/" {
	run "$IMAPCTL" completion bash
	assert_success
	assert_equal "$output" "$(cat "$BATS_TEST_DIRNAME/../completions/imapctl.bash")"
	run "$IMAPCTL" completion zsh
	assert_equal "$output" "$(cat "$BATS_TEST_DIRNAME/../completions/_imapctl")"
	run "$IMAPCTL" completion fish
	assert_equal "$output" "$(cat "$BATS_TEST_DIRNAME/../completions/imapctl.fish")"
	run --separate-stderr "$IMAPCTL" completion tcsh
	assert_failure 64
}

@test "bash completion offers every command and every option of -h" {
	run bash_complete "$IMAPCTL" ""
	for c in $(commands); do
		assert_line "$c"
	done
	for c in $(commands); do
		run bash_complete "$IMAPCTL" "$c" --
		for o in $(options "$c"); do
			assert_line -- "$o"
		done
	done
	run bash_complete "$IMAPCTL" list --st
	assert_output -- "--status"
	run bash_complete "$IMAPCTL" -o j
	assert_output "json
jsonl"
	run bash_complete "$IMAPCTL" completion z
	assert_output zsh
}

@test "fish completion offers every command and exactly the options of -h" {
	command -v fish >/dev/null || skip "fish is not installed"
	run fish_complete "imapctl "
	for c in $(commands); do
		assert_line "$c"
	done
	for c in $(commands); do
		case $c in
		completion|help) line="imapctl $c --" ;;
		*) line="imapctl $c X --" ;;
		esac
		run --separate-stderr fish_complete "$line"
		assert_equal "$stderr" ""
		assert_equal "$(printf '%s\n' "$output" | sort -u)" "$(options "$c")"
		# Operands: fish must not complain where there are none.
		run --separate-stderr fish_complete "imapctl $c "
		assert_equal "$stderr" ""
	done
	run fish_complete "imapctl list --st"
	assert_output -- "--status"
	run fish_complete "imapctl -o j"
	assert_output "json
jsonl"
	run fish_complete "imapctl completion z"
	assert_output zsh
}

@test "zsh completion offers every command and exactly the options of -h" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh_complete "imapctl "
	assert_success
	assert_equal "$output" "$(commands | LC_ALL=C sort)"
	for c in $(commands); do
		case $c in
		completion|help) line="imapctl $c --" ;;
		*) line="imapctl $c X --" ;;
		esac
		run --separate-stderr zsh_complete "$line"
		assert_success
		assert_equal "$output" "$(options "$c")"
	done
	run zsh_complete "imapctl list --st"
	assert_output -- "--status"
	run zsh_complete "imapctl -o j"
	assert_output "json
jsonl"
	run zsh_complete "imapctl check -o p"
	assert_output prometheus
	run zsh_complete "imapctl flag INBOX 1 --add d"
	assert_output "deleted
draft"
	run zsh_complete "imapctl completion z"
	assert_output zsh
	# A term that takes a value is left open for it; a word is closed.
	run zsh_complete "imapctl search INBOX fr" --line
	assert_output "imapctl search INBOX from:"
	run zsh_complete "imapctl search INBOX unse" --line
	assert_output "imapctl search INBOX unseen "
}

@test "completion in bash, zsh and fish: each operand and option argument in its place" {
	mkdir -p "$BATS_TEST_TMPDIR/work/saved.d"
	cd "$BATS_TEST_TMPDIR/work"
	touch msg.eml
	for sh in bash zsh fish; do
		command -v $sh >/dev/null || continue
		# Directories for a DIR, files for a FILE.
		assert_equal "$(complete_line $sh 'imapctl fetch INBOX 1 --raw --save ')" saved.d
		assert_equal "$(complete_line $sh 'imapctl fetch INBOX 1 --attachments sa')" saved.d
		assert_equal "$(complete_line $sh 'imapctl --config ms')" msg.eml
		# append MAILBOX FILE...: files after the mailbox, past options
		# and their arguments, and after "--".
		assert_equal "$(complete_line $sh 'imapctl append Drafts ms')" msg.eml
		assert_equal "$(complete_line $sh 'imapctl append Drafts one.eml --flags seen --date 2024-01-01 ms')" msg.eml
		assert_equal "$(complete_line $sh 'imapctl -o json append -- Drafts ms')" msg.eml
		# A UID set, an option's free argument: nothing to offer.
		assert_equal "$(complete_line $sh 'imapctl fetch INBOX ')" ""
		assert_equal "$(complete_line $sh 'imapctl fetch INBOX 1 --part ')" ""
		assert_equal "$(complete_line $sh 'imapctl --timeout ')" ""
		# search's query terms, past options and their arguments.
		assert_equal "$(complete_line $sh 'imapctl search INBOX unse')" unseen
		assert_equal "$(complete_line $sh 'imapctl search INBOX --limit 5 unseen ol')" older:
		assert_equal "$(complete_line $sh 'imapctl search INBOX n')" "$(printf '%s\n' newer: not)"
		assert_equal "$(complete_line $sh 'imapctl search INBOX from:al')" ""
		# A duration goes on with its unit (bash shows what follows the
		# ":" it splits at).
		assert_equal "$(complete_line $sh 'imapctl search INBOX older:6' | sed 's/^older://')" "$(printf '6%s\n' d h min mo s w y)"
		# --option=value: the option takes its value with it; its value
		# completes after the "=".
		assert_equal "$(complete_line $sh 'imapctl --account=work fetch INBOX 1 --sa')" --save
		assert_equal "$(complete_line $sh 'imapctl fetch --uidvalidity=5 INBOX 1 --par')" --part
		assert_equal "$(complete_line $sh 'imapctl fetch INBOX 1 --save=sa' | sed 's/^--save=//')" saved.d
		assert_equal "$(complete_line $sh 'imapctl --format=j' | sed 's/^--format=//')" "$(printf '%s\n' json jsonl)"
		assert_equal "$(complete_line $sh 'imapctl --format=' | sed 's/^--format=//')" "$(printf '%s\n' json jsonl text xml)"
		# Values with ":" (bash splits there too) are one word.
		assert_equal "$(complete_line $sh 'imapctl --url imaps://h:993 fetch INBOX 1 --sa')" --save
		assert_equal "$(complete_line $sh 'imapctl --url=imaps://h:993 fe')" fetch
		assert_equal "$(complete_line $sh 'imapctl -H ::1 fetch INBOX 1 --sa')" --save
		# The command is the first operand, whatever a global option's
		# argument is called; after "--" a word is an operand, never an
		# option.
		assert_equal "$(complete_line $sh 'imapctl -a fetch fetch INBOX 1 --par')" --part
		assert_equal "$(complete_line $sh 'imapctl append Drafts -- --fl')" ""
		# mailbox's action, then no files; help's command; the shells.
		assert_equal "$(complete_line $sh 'imapctl mailbox ')" "$(printf '%s\n' create delete rename subscribe unsubscribe)"
		assert_equal "$(complete_line $sh 'imapctl mailbox create ms')" ""
		assert_equal "$(complete_line $sh 'imapctl -u x help fe')" fetch
		assert_equal "$(complete_line $sh 'imapctl completion ')" "$(printf '%s\n' bash fish zsh)"
		# check --send-via: the two schemes (shown without the last '/').
		assert_equal "$(complete_line $sh 'imapctl check --send-via ')" "$(printf '%s\n' smtp:/ smtps:/)"
		assert_equal "$(complete_line $sh 'imapctl check --send-via smtps')" smtps:/
	done
}

@test "the words an option takes come from its table: completed in bash, zsh and fish, each one taken" {
	local port
	port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	assert_equal "$("$IMAPCTL" __complete options | awk -F'\t' '$3 == "word" { print $1 }' | sort | tr '\n' ' ')" "--auth --format --tls -o "
	assert_equal "$("$IMAPCTL" __complete options search | awk -F'\t' '$3 == "word" { print $1 }' | sort | tr '\n' ' ')" "--auth --format --sort --tls -o "
	# Every word offered is taken.
	for o in -o --tls --auth; do
		for w in $("$IMAPCTL" __complete words -- "$o"); do
			run --separate-stderr "$IMAPCTL" "$o" "$w" help
			assert_success
		done
	done
	run --separate-stderr "$IMAPCTL" __complete words -- -o check
	assert_output "$(printf '%s\n' text json jsonl xml prometheus)"
	for w in $("$IMAPCTL" __complete words -- --sort search); do
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$port" \
			--tls none --password-cmd "echo pw" search INBOX --sort "$w"
		assert_failure 69
	done
	run --separate-stderr "$IMAPCTL" __complete words -- --limit search
	assert_success
	assert_output ""
	for sh in bash zsh fish; do
		assert_equal "$(complete_line $sh 'imapctl --tls ')" "$(printf '%s\n' implicit none starttls)"
		assert_equal "$(complete_line $sh 'imapctl list --auth s')" "$(printf '%s\n' scram-sha-1 scram-sha-256)"
		assert_equal "$(complete_line $sh 'imapctl search INBOX --sort s')" "$(printf '%s\n' size subject)"
		assert_equal "$(complete_line $sh 'imapctl search INBOX --sort -s')" "$(printf '%s\n' -size -subject)"
		assert_equal "$(complete_line $sh 'imapctl check -o p')" prometheus
		assert_equal "$(complete_line $sh 'imapctl list -o p')" ""
		assert_equal "$(complete_line $sh 'imapctl status --tls=s' | sed 's/^--tls=//')" starttls
	done
}

@test "bash completion as readline applies it: after '=' and ':', the space after" {
	completion_path
	mkdir -p "$BATS_TEST_TMPDIR/work/only.d"
	cd "$BATS_TEST_TMPDIR/work"
	rl() { "$REPO_DIR/tests/bash-complete" "$REPO_DIR/completions/imapctl.bash" "$BATS_TEST_TMPDIR/bin" "$1"; }
	run rl 'imapctl fetch INBOX 1 --save='
	assert_output 'imapctl fetch INBOX 1 --save=only.d/'
	run rl 'imapctl --tls=st'
	assert_output 'imapctl --tls=starttls '
	run rl 'imapctl --url imaps://h:993 fetch INBOX 1 --sa'
	assert_output 'imapctl --url imaps://h:993 fetch INBOX 1 --save '
	run rl 'imapctl search INBOX fr'
	assert_output 'imapctl search INBOX from:'
	run rl 'imapctl search INBOX from:'
	assert_output 'imapctl search INBOX from:'
}

@test "bash completion: mailbox actions, flag names, prometheus for check" {
	run bash_complete "$IMAPCTL" mailbox ""
	assert_output "create
delete
rename
subscribe
unsubscribe"
	run bash_complete "$IMAPCTL" flag INBOX 1 --add d
	assert_output "deleted
draft"
	run bash_complete "$IMAPCTL" append Drafts x.eml --flags s
	assert_output seen
	run bash_complete "$IMAPCTL" check -o p
	assert_output prometheus
	run bash_complete "$IMAPCTL" status -o p
	assert_output ""
}

@test "zsh and fish completions parse, when those shells are installed" {
	if command -v zsh >/dev/null; then
		zsh -n "$BATS_TEST_DIRNAME/../completions/_imapctl"
	fi
	if command -v fish >/dev/null; then
		fish -n "$BATS_TEST_DIRNAME/../completions/imapctl.fish"
	fi
}

@test "options may follow operands and globals may follow the command" {
	# Parsing only: these fail to connect (no server), after parsing.
	run --separate-stderr "$IMAPCTL" status INBOX -o json --timeout 1
	assert_failure 78
	run --separate-stderr "$IMAPCTL" -o json status -- -Drafts
	assert_failure 78
}
