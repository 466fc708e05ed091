#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The Makefile: a packager's CC, CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS reach
# every command without pushing out the flags the build needs; install puts
# the binary, the man pages and the completions where man, bash-completion,
# zsh and fish look, and uninstall takes them away again.

load helpers

setup_file() { imapctl_isolate; }

# mk ARGS: make in the repository, untouched by the make that runs the
# tests (it exports its command line, e.g. SANITIZE=1 and CFLAGS, and
# passes jobserver descriptors in MAKEFLAGS).
mk() {
	(cd "$REPO_DIR" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		-u SANITIZE -u CC -u CFLAGS -u CPPFLAGS -u LDFLAGS -u LDLIBS \
		-u PREFIX -u DESTDIR make "$@")
}

@test "make passes CC, CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS on and keeps its own" {
	run mk -n -B CC=my-cc CFLAGS=-DMY_CFLAGS CPPFLAGS=-DMY_CPPFLAGS \
		LDFLAGS=-LMY_LDFLAGS LDLIBS=-lMY_LDLIBS all unit
	assert_success
	# One command a line: join the continued ones.
	cmds=$(printf '%s\n' "$output" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
	compiles=$(echo "$cmds" | grep '^my-cc .* -c ')
	links=$(echo "$cmds" | grep '^my-cc ' | grep -v ' -c ')
	[ "$(echo "$compiles" | wc -l)" -gt 30 ]
	[ "$(echo "$links" | wc -l)" -gt 10 ]
	assert_equal "$(echo "$links" | grep -c -- '-o imapctl ')" 1
	xml=$(pkg-config --cflags libxml-2.0)
	for flag in -DMY_CPPFLAGS -DMY_CFLAGS -std=c11 -Wall "$xml"; do
		assert_equal "$(echo "$compiles" | grep -cvF -- " $flag ")" 0
	done
	for flag in -DMY_CFLAGS -LMY_LDFLAGS -std=c11; do
		assert_equal "$(echo "$links" | grep -cvF -- " $flag ")" 0
	done
	# Libraries after the objects, the packager's last.
	assert_equal "$(echo "$links" | grep -cvE -- 'libimapctl\.a .*-lssl .*-lxml2 .*-lMY_LDLIBS')" 0
}

@test "make install puts every file where it is looked for; uninstall removes them" {
	d=$BATS_TEST_TMPDIR/root
	# The binary under test, as it is: -o keeps make from rebuilding it.
	run mk -o "$IMAPCTL" install BIN="$IMAPCTL" DESTDIR="$d" PREFIX=/usr
	assert_success
	bashdir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || true)
	fishdir=$(pkg-config --variable=completionsdir fish 2>/dev/null || true)
	want="/usr/bin/imapctl
${bashdir:-/usr/share/bash-completion/completions}/imapctl
${fishdir:-/usr/share/fish/vendor_completions.d}/imapctl.fish
/usr/share/man/man1/imapctl.1
/usr/share/man/man5/imapctl.conf.5
/usr/share/zsh/vendor-completions/_imapctl
/usr/share/imapctl/imapctl.rules.yml
/usr/share/imapctl/imapctl-grafana.json
/usr/share/imapctl/imapctl-textfile
/usr/share/imapctl/imapctl-textfile@.service
/usr/share/imapctl/imapctl-textfile@.timer
/usr/share/imapctl/nagios-imapctl.cfg
/usr/share/imapctl/icinga2-imapctl.conf"
	assert_equal "$(cd "$d" && find . -type f | sed 's/^\.//' | sort)" "$(echo "$want" | sort)"
	[ -x "$d/usr/bin/imapctl" ]
	run "$d/usr/bin/imapctl" --version
	assert_success
	cmp "$d/usr/share/man/man5/imapctl.conf.5" "$REPO_DIR/man/imapctl.conf.5"
	cmp "$d/usr/share/zsh/vendor-completions/_imapctl" "$REPO_DIR/completions/_imapctl"
	if command -v zsh >/dev/null; then
		zsh -fc 'print -l $fpath' | grep -qx /usr/share/zsh/vendor-completions
	fi
	[ -x "$d/usr/share/imapctl/imapctl-textfile" ]
	run mk uninstall DESTDIR="$d" PREFIX=/usr
	assert_success
	assert_equal "$(find "$d" -type f)" ""
	[ ! -e "$d/usr/share/imapctl" ]
}

@test "make install elsewhere: the kit names the binary and the script where they went" {
	d=$BATS_TEST_TMPDIR/root
	run mk -o "$IMAPCTL" install BIN="$IMAPCTL" DESTDIR="$d" PREFIX=/opt/mail
	assert_success
	k=$d/opt/mail/share/imapctl
	grep -qx 'ExecStart=/opt/mail/share/imapctl/imapctl-textfile %i' "$k/imapctl-textfile@.service"
	grep -q '^	command_line	/opt/mail/bin/imapctl ' "$k/nagios-imapctl.cfg"
	grep -q '"/opt/mail/bin/imapctl", "check"' "$k/icinga2-imapctl.conf"
	! grep -rq "$d" "$k"
	cmp "$k/imapctl.rules.yml" "$REPO_DIR/monitoring/imapctl.rules.yml"
}

@test "the version is set once, in the Makefile: --version and debian/changelog agree" {
	v=$(mk -s version)
	[[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
	run "$IMAPCTL" --version
	assert_line --index 0 "imapctl $v"
	# A native package: the changelog's version is the Makefile's.
	run dpkg-parsechangelog -l "$REPO_DIR/debian/changelog" -S Version
	assert_success
	assert_output "$v"
	! grep -rn --include='*.c' --include='*.h' "define VERSION" "$REPO_DIR/cmd" "$REPO_DIR/lib"
}
