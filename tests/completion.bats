#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Completion against a server, through each shell's own machinery: the
# accounts of the configuration file after -a, and mailbox names with
# quotes, apostrophes and spaces, inserted so that the shell passes them
# back as they are.

load helpers

setup_file() {
	dovecot_setup_file
	# A default account, so that "imapctl list" needs no options.
	mkdir -p "$XDG_CONFIG_HOME/imapctl"
	cat >"$XDG_CONFIG_HOME/imapctl/config" <<-END
	[account test]
	host = $IMAPCTL_TEST_HOST
	port = $IMAPCTL_TEST_IMAPS_PORT
	cafile = $IMAPCTL_TEST_CAFILE
	user = $IMAPCTL_TEST_USER
	password_cmd = echo $IMAPCTL_TEST_PASS
	default = true

	[account work]
	host = imap.example.org

	[account home.me@example.org]
	host = imap.example.net
	END
	chmod 600 "$XDG_CONFIG_HOME/imapctl/config"
	unset IMAPCTL_PASSWORD
	"$IMAPCTL" mailbox create 'Zitat "x"' >/dev/null
	"$IMAPCTL" mailbox create "Tom's Mail" >/dev/null
}
teardown_file() { dovecot_teardown_file; }

setup() { unset IMAPCTL_PASSWORD; }

# rl LINE: the line after a TAB in an interactive bash (readline).
rl() {
	completion_path
	"$REPO_DIR/tests/bash-complete" "$REPO_DIR/completions/imapctl.bash" "$BATS_TEST_TMPDIR/bin" "$1"
}

@test "__complete accounts: the configuration file's accounts" {
	run --separate-stderr "$IMAPCTL" __complete accounts
	assert_success
	assert_equal "$output" "$(printf '%s\n' test work home.me@example.org)"
	printf '[account other]\nhost = h\n' >"$BATS_TEST_TMPDIR/other.conf"
	run "$IMAPCTL" --config "$BATS_TEST_TMPDIR/other.conf" __complete accounts
	assert_output other
}

@test "account names after -a and --account, in bash, zsh and fish" {
	printf '[account other]\nhost = h\n' >"$BATS_TEST_TMPDIR/other.conf"
	for sh in bash zsh fish; do
		assert_equal "$(complete_line $sh 'imapctl -a ')" "$(printf '%s\n' home.me@example.org test work)"
		assert_equal "$(complete_line $sh 'imapctl --account w')" work
		assert_equal "$(complete_line $sh 'imapctl list -a h')" home.me@example.org
		assert_equal "$(complete_line $sh 'imapctl --account=t' | sed 's/^--account=//')" test
		assert_equal "$(complete_line $sh "imapctl --config $BATS_TEST_TMPDIR/other.conf -a ")" other
	done
	assert_equal "$(rl 'imapctl -a wo')" "imapctl -a work "
}

@test "bash: mailbox names with quotes and apostrophes, as readline inserts them" {
	run rl 'imapctl fetch Zit'
	assert_output 'imapctl fetch Zitat\ \"x\" '
	run rl 'imapctl fetch Tom'
	assert_output "imapctl fetch Tom\\'s\\ Mail "
	run rl "imapctl fetch Tom\\'s"
	assert_output "imapctl fetch Tom\\'s\\ Mail "
	run rl 'imapctl fetch "Zit'
	assert_output 'imapctl fetch "Zitat \"x\"" '
	run rl "imapctl move INBOX 1 'Tom"
	assert_output "imapctl move INBOX 1 'Tom'\\''s Mail' "
	# What the shell then passes is the name as it is.
	run bash -c "printf '%s\n' Zitat\\ \\\"x\\\" Tom\\'s\\ Mail"
	assert_output "Zitat \"x\"
Tom's Mail"
}

@test "zsh: mailbox names with quotes and apostrophes" {
	run zsh_complete 'imapctl fetch Zit'
	assert_output 'Zitat "x"'
	run zsh_complete 'imapctl fetch Zit' --line
	assert_output 'imapctl fetch Zitat\ \"x\" '
	run zsh_complete 'imapctl fetch Tom' --line
	assert_output "imapctl fetch Tom\\'s\\ Mail "
	run zsh_complete "imapctl fetch Tom\\'s" --line
	assert_output "imapctl fetch Tom\\'s\\ Mail "
}

@test "fish: mailbox names with quotes and apostrophes" {
	run fish_complete 'imapctl fetch Zit'
	assert_output 'Zitat "x"'
	run fish_complete 'imapctl fetch Tom'
	assert_output "Tom's Mail"
	run fish_complete "imapctl fetch Tom\\'s"
	assert_output "Tom's Mail"
	run fish_complete "imapctl move INBOX 1 'Tom's"
	assert_output "Tom's Mail"
}
