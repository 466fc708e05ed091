#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The installed Debian package: .ci/run builds it (make deb), installs it
# with apt-get and runs this file with IMAPCTL_BIN=/usr/bin/imapctl, then
# removes it again. Not part of "make check" (tests/run takes tests/*.bats).

load ../helpers

setup_file() {
	[ "$IMAPCTL" = /usr/bin/imapctl ] ||
		skip "run with IMAPCTL_BIN=/usr/bin/imapctl after installing the package"
	dovecot_setup_file
}
teardown_file() { dovecot_teardown_file; }

@test "the package holds the binary, the man pages, the completions and the monitoring kit" {
	run dpkg-query -L imapctl
	assert_success
	for f in /usr/bin/imapctl \
		/usr/share/man/man1/imapctl.1.gz \
		/usr/share/man/man5/imapctl.conf.5.gz \
		/usr/share/bash-completion/completions/imapctl \
		/usr/share/zsh/vendor-completions/_imapctl \
		/usr/share/fish/vendor_completions.d/imapctl.fish \
		/usr/share/imapctl/imapctl.rules.yml \
		/usr/share/imapctl/imapctl-grafana.json \
		/usr/share/imapctl/imapctl-textfile \
		/usr/share/imapctl/imapctl-textfile@.service \
		/usr/share/imapctl/imapctl-textfile@.timer \
		/usr/share/imapctl/nagios-imapctl.cfg \
		/usr/share/imapctl/icinga2-imapctl.conf \
		/usr/share/doc/imapctl/copyright; do
		assert_line "$f"
		[ -e "$f" ]
	done
	[ -x /usr/share/imapctl/imapctl-textfile ]
}

@test "the installed imapctl prints the package's version, which is the Makefile's" {
	want=$(sed -n 's/^VERSION = //p' "$REPO_DIR/Makefile")
	run --separate-stderr /usr/bin/imapctl --version
	assert_success
	assert_line --index 0 "imapctl $want"
	assert_equal "$(dpkg-query -W -f='${Version}' imapctl)" "$want"
}

@test "man finds both pages" {
	assert_equal "$(man -w imapctl)" /usr/share/man/man1/imapctl.1.gz
	assert_equal "$(man -w 5 imapctl.conf)" /usr/share/man/man5/imapctl.conf.5.gz
}

@test "bash, zsh and fish find the completions where they look for vendor ones" {
	run bash -c '. /usr/share/bash-completion/bash_completion
		__load_completion imapctl && complete -p imapctl'
	assert_success
	assert_output "complete -F _imapctl imapctl"
	run zsh -fc 'autoload -Uz compinit && compinit -u -D && print -r -- $_comps[imapctl]'
	assert_output _imapctl
	# fish reads vendor_completions.d unless --no-config.
	run fish -c 'complete -C "imapctl sta"'
	assert_line --regexp '^status	'
}

@test "the installed imapctl works against the test Dovecot" {
	run imapctl status INBOX -o json
	assert_success
	assert_equal "$(echo "$output" | jq '.[0].messages')" 5
	run imapctl search INBOX from:carol --count
	assert_success
}

@test "the installed textfile script writes the check's metrics" {
	d=$BATS_TEST_TMPDIR/textfile
	mkdir -p "$d" "$XDG_CONFIG_HOME/imapctl"
	cat >"$XDG_CONFIG_HOME/imapctl/config" <<-END
	[account probe]
	host = $IMAPCTL_TEST_HOST
	port = $IMAPCTL_TEST_IMAPS_PORT
	cafile = $IMAPCTL_TEST_CAFILE
	user = $IMAPCTL_TEST_USER
	password_cmd = echo $IMAPCTL_TEST_PASS
	END
	chmod 600 "$XDG_CONFIG_HOME/imapctl/config"
	TEXTFILE_DIR=$d run /usr/share/imapctl/imapctl-textfile probe
	assert_success
	grep -qx 'imapctl_probe_success{.*} 1' "$d/imapctl-probe.prom"
}

@test "systemd-analyze verify accepts the installed units" {
	d=$BATS_TEST_TMPDIR/units
	mkdir -p "$d"
	cp /usr/share/imapctl/imapctl-textfile@.service /usr/share/imapctl/imapctl-textfile@.timer "$d/"
	ln -s imapctl-textfile@.service "$d/imapctl-textfile@probe.service"
	ln -s imapctl-textfile@.timer "$d/imapctl-textfile@probe.timer"
	cd "$d"
	run systemd-analyze verify ./imapctl-textfile@probe.service ./imapctl-textfile@probe.timer
	assert_success
	assert_output ""
}
