# SPDX-License-Identifier: MIT
# tests/helpers.bash: shared helpers for the bats suites (tests/*.bats).
#
# Typical file:
#
#   load helpers
#   setup_file()    { dovecot_setup_file; }              # or: --variant nomove
#   teardown_file() { dovecot_teardown_file; }
#
#   @test "list shows the seeded folders" {
#       run imapctl list -o json
#       assert_success
#       assert_output --partial '"Projects/2024"'
#   }
#
# What you get:
#   IMAPCTL           the binary under test: $IMAPCTL_BIN if set (tests/run
#                     sets it, absolute), else the repository's ./imapctl
#   FIXTURES          tests/fixtures (the .eml files the seed uses)
#   imapctl ARGS...   runs $IMAPCTL as alice over implicit TLS against the
#                     file's Dovecot: `run imapctl status INBOX`
#   imapctl_args [--user U] [--tls implicit|starttls|none]
#                     prints the connection options (for "$IMAPCTL" directly)
#   dovecot_setup_file [--variant NAME] [--no-seed]
#                     starts a Dovecot in $BATS_FILE_TMPDIR/dovecot, seeds
#                     alice (see tests/dovecot/seed for the exact contents),
#                     exports the IMAPCTL_TEST_* variables of
#                     tests/dovecot/start, DOVECOT_STATEDIR and
#                     IMAPCTL_PASSWORD (alice's), and isolates the tests from
#                     the user's own imapctl settings (imapctl_isolate)
#   dovecot_teardown_file
#   dovecot_reseed [USER]   reset a user's mail to the fixture state (e.g. in
#                           setup() of files whose tests change mail)
#   dovecot_restart [--variant NAME]  stop and start again (same mail, CA,
#                           state and, unless given, variant; the
#                           DOVECOT_* settings of tests/dovecot/start apply
#                           anew; new ports: IMAPCTL_TEST_* are updated in
#                           the calling process, and every later test and
#                           imapctl_args read them afresh from the env file):
#                           e.g. DOVECOT_SSL_CERT=... dovecot_restart
#   dovecot_log             print the server log (for failure diagnostics)
#   imapctl_isolate         HOME and XDG_CONFIG_HOME in $BATS_FILE_TMPDIR, the
#                           IMAPCTL_* settings of the caller's environment
#                           unset (IMAPCTL_BIN, IMAPCTL_TEST_* and
#                           IMAPCTL_PASSWORD kept); call it from setup_file
#                           in files that need no Dovecot
#
# Users: alice/wonderland (seeded), bob/builder and jörg/pässwörd€ (empty);
# see IMAPCTL_TEST_USER, _PASS, _USER2, _PASS2, _USER_UTF8, _PASS_UTF8.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

# Where this file is, so that suites in subdirectories load it too.
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$TESTS_DIR/.." && pwd)
# shellcheck disable=SC2034  # for the .bats files
FIXTURES=$TESTS_DIR/fixtures

# The seed is Python; prefer Debian's interpreter (a pyenv shim on PATH
# costs 0.1 s a call).
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
export PYTHON

case ${IMAPCTL_BIN:-} in
'') IMAPCTL=$REPO_DIR/imapctl ;;
/*) IMAPCTL=$IMAPCTL_BIN ;;
*) IMAPCTL=$REPO_DIR/$IMAPCTL_BIN ;;
esac
export IMAPCTL

# Shell completion, as each shell computes it from the scripts in
# completions/, with the binary under test; each prints the candidates, one
# a line.  bash_complete takes the words (the last one being completed),
# zsh_complete and fish_complete the command line as typed, with
# "imapctl" on PATH (zsh_complete LINE --line: the line after completion).
bash_complete() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE=${BASH_COMPLETE_LINE:-"$*"}; COMP_POINT=${#COMP_LINE}
		_imapctl
		printf "%s\n" "${COMPREPLY[@]}"' _ "$REPO_DIR/completions/imapctl.bash" "$@"
}

completion_path() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -sf "$IMAPCTL" "$BATS_TEST_TMPDIR/bin/imapctl"
}

zsh_complete() {
	completion_path
	"$REPO_DIR/tests/zsh-complete" "$REPO_DIR/completions" \
		"$BATS_TEST_TMPDIR/bin" "$@"
}

fish_complete() {
	completion_path
	PATH=$BATS_TEST_TMPDIR/bin:$PATH fish --no-config -c \
		'source $argv[1]; complete -C $argv[2]' \
		"$REPO_DIR/completions/imapctl.fish" "$1" | cut -f1
}

# complete_line SHELL LINE: the candidates SHELL offers for LINE (words
# split at spaces, and for bash at "=" and ":" too, as bash does, with
# COMP_LINE as typed; a trailing space starts an empty word), sorted,
# without the "/" that marks a directory.
complete_line() {
	local -a words
	local line
	case $1 in
	bash)
		line=${2//=/ = }
		line=${line//:/ : }
		read -ra words <<<"$line"
		[[ $2 == *" " ]] && words+=("")
		words[0]=$IMAPCTL
		BASH_COMPLETE_LINE=$IMAPCTL${2#imapctl} bash_complete "${words[@]}" ;;
	zsh) zsh_complete "$2" ;;
	fish) fish_complete "$2" ;;
	esac | sed 's|/$||' | LC_ALL=C sort -u
}

# imapctl_args [--user NAME] [--tls implicit|starttls|none]
# Connection options for the file's Dovecot.  The password is not among
# them: imapctl reads it from IMAPCTL_PASSWORD (alice's is exported), so for
# another user set it too:
#   IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS2 run "$IMAPCTL" $(imapctl_args --user bob) list
# Reads $DOVECOT_STATEDIR/env afresh, so it follows a dovecot_restart.
# shellcheck disable=SC2120  # the .bats files pass arguments
imapctl_args() (
	if [ -n "${DOVECOT_STATEDIR:-}" ] && [ -r "$DOVECOT_STATEDIR/env" ]; then
		# shellcheck source=/dev/null
		. "$DOVECOT_STATEDIR/env"
	fi
	user=$IMAPCTL_TEST_USER tls=implicit
	while [ $# -gt 0 ]; do
		case $1 in
		--user) user=$2; shift 2 ;;
		--tls) tls=$2; shift 2 ;;
		*) echo "imapctl_args: unknown option $1" >&2; return 64 ;;
		esac
	done
	case $tls in
	implicit) echo "--host $IMAPCTL_TEST_HOST --port $IMAPCTL_TEST_IMAPS_PORT --user $user --cafile $IMAPCTL_TEST_CAFILE" ;;
	starttls|none) echo "--host $IMAPCTL_TEST_HOST --port $IMAPCTL_TEST_IMAP_PORT --tls $tls --user $user --cafile $IMAPCTL_TEST_CAFILE" ;;
	*) echo "imapctl_args: bad --tls $tls" >&2; return 64 ;;
	esac
)

# imapctl ARGS...: the binary under test as alice, implicit TLS, verified
# against the test CA.
imapctl() {
	# shellcheck disable=SC2046,SC2119  # no white space in the options
	"$IMAPCTL" $(imapctl_args) "$@"
}

imapctl_isolate() {
	local v
	for v in $(compgen -e IMAPCTL_); do
		case $v in
		IMAPCTL_BIN|IMAPCTL_TEST_*|IMAPCTL_PASSWORD) ;;
		*) unset "$v" ;;
		esac
	done
	export HOME=$BATS_FILE_TMPDIR/home
	export XDG_CONFIG_HOME=$HOME/.config
	mkdir -p "$XDG_CONFIG_HOME"
}

dovecot_setup_file() {
	local seed=1 args=()
	while [ $# -gt 0 ]; do
		case $1 in
		--no-seed) seed=0; shift ;;
		--variant) args+=("$1" "$2"); shift 2 ;;
		*) echo "dovecot_setup_file: unknown option $1" >&2; return 64 ;;
		esac
	done
	imapctl_isolate
	unset IMAPCTL_PASSWORD
	export DOVECOT_STATEDIR=$BATS_FILE_TMPDIR/dovecot
	# 3>&-: the daemon must not inherit bats' fd 3, or bats waits for it.
	"$TESTS_DIR/dovecot/start" "$DOVECOT_STATEDIR" "${args[@]}" 3>&- || return 1
	_dovecot_source_env
	export IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS
	if [ "$seed" = 1 ]; then
		"$PYTHON" "$TESTS_DIR/dovecot/seed" "$DOVECOT_STATEDIR" 3>&- || return 1
	fi
}

dovecot_teardown_file() {
	[ -n "${DOVECOT_STATEDIR:-}" ] || return 0
	"$TESTS_DIR/dovecot/stop" "$DOVECOT_STATEDIR" 3>&-
}

dovecot_reseed() {
	"$PYTHON" "$TESTS_DIR/dovecot/seed" "$DOVECOT_STATEDIR" "$@" 3>&-
}

dovecot_restart() {
	local args=("$@")
	[ "$#" -gt 0 ] || args=(--variant "${IMAPCTL_TEST_VARIANT:-default}")
	"$TESTS_DIR/dovecot/stop" "$DOVECOT_STATEDIR" 3>&- &&
		"$TESTS_DIR/dovecot/start" "$DOVECOT_STATEDIR" "${args[@]}" 3>&- &&
		_dovecot_source_env
}

dovecot_log() {
	cat "$IMAPCTL_TEST_LOG"
}

_dovecot_source_env() {
	set -a
	# shellcheck source=/dev/null
	. "$DOVECOT_STATEDIR/env"
	set +a
}

# Every test process loads this file: refresh IMAPCTL_TEST_* from the env
# file, so that a dovecot_restart in one test (new ports) reaches the next.
if [ -n "${DOVECOT_STATEDIR:-}" ] && [ -r "$DOVECOT_STATEDIR/env" ]; then
	_dovecot_source_env
fi
