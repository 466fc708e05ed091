#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The house style as .editorconfig and .clang-format say it: the files
# keep to what the editors are told, and clang-format leaves code written
# in the house style as it is.

load helpers

setup_file() { imapctl_isolate; }

# The tracked text files, less the data that is kept byte for byte.
text_files() {
	git -C "$REPO_DIR" ls-files | grep -vE '^tests/(fixtures|fuzz/corpus)/' |
		while read -r f; do
			grep -qI . "$REPO_DIR/$f" 2>/dev/null && echo "$f"
		done
}

@test ".editorconfig: LF line ends, a final newline, C indented with tabs (4 spaces for a continued declaration)" {
	command -v git >/dev/null && [ -e "$REPO_DIR/.git" ] || skip "not a git checkout"
	cd "$REPO_DIR"
	for f in $(text_files); do
		! grep -q $'\r' "$f" || { echo "CR in $f"; return 1; }
		[ -z "$(tail -c 1 "$f")" ] || { echo "no final newline in $f"; return 1; }
		case $f in
		*.c|*.h)
			! grep -nE '^( {1,3}| {5,})[^ *]' "$f" || { echo "space indentation in $f"; return 1; }
			! grep -nE '[[:space:]]$' "$f" || { echo "trailing white space in $f"; return 1; } ;;
		esac
	done
	grep -q '^indent_style = tab$' .editorconfig
}

@test ".clang-format: code in the house style comes out as it went in" {
	command -v clang-format >/dev/null || skip "clang-format is not installed"
	cd "$REPO_DIR"
	run clang-format --dump-config
	assert_success
	assert_line "UseTab:          Always"
	# A function as the house writes it: type on its own line, brace
	# below, tabs, continuation 4 columns deeper, KNF switch.
	cat >"$BATS_TEST_TMPDIR/knf.c" <<'END'
static int
count_flags(const struct msg *m, const char *name, size_t limit, unsigned which,
    int *n_r)
{
	size_t i;
	int n = 0;

	for (i = 0; i < m->nflags && i < limit; i++) {
		switch (m->flags[i].kind) {
		case FLAG_SYSTEM:
			if ((which & FLAG_SYSTEM) &&
			    strcasecmp(m->flags[i].name, name) == 0)
				n++;
			break;
		default:
			break;
		}
	}
	if (n == 0 && m->keywords != NULL &&
	    keyword_find(m->keywords, name) != NULL)
		n = 1;
	*n_r = n;
	return n > 0 ? 0 : -1;
}
END
	run bash -c "clang-format --style=file --assume-filename=\"$REPO_DIR/lib/x.c\" <\"$BATS_TEST_TMPDIR/knf.c\""
	assert_success
	assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/knf.c")"
}

@test "banned.h: every source file of lib/ and cmd/ includes it last, and a banned call does not compile" {
	cd "$REPO_DIR"
	for f in lib/*.c cmd/*.c; do
		[ "$(grep '^#include' "$f" | tail -1)" = '#include "banned.h"' ] ||
			{ echo "$f does not include banned.h last"; return 1; }
	done
	for call in 'strcpy(d, s)' 'strcat(d, s)' 'sprintf(d, "%s", s)' \
		'strtok(d, s)' 'atoi(s)'; do
		printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include "banned.h"\nvoid f(char *d, const char *s);\nvoid f(char *d, const char *s) { (void)(%s); }\n' \
			"$call" >"$BATS_TEST_TMPDIR/b.c"
		run cc -std=c11 -Ilib -fsyntax-only "$BATS_TEST_TMPDIR/b.c"
		assert_failure
		assert_output --partial "_is_a_banned_function"
	done
}

@test "option tables: each option points at a typed field; a misspelt or mistyped one does not compile" {
	cd "$REPO_DIR"
	# Tables are written with the OPT_ macros only: no entry by hand.
	run awk '/^const struct opt [a-z_]+\[\] = \{/ { t = 1; next }
		t && /^\};/ { t = 0 }
		t && /^\t\{/ { print FILENAME ": " FNR ": " $0 }' cmd/*.c cmd/*.h
	assert_output ""
	# Nothing asks for an option by its name at run time.
	run grep -nE 'ctx_opt|ctx_flag|has_opt' cmd/*.c cmd/*.h
	assert_failure
	# Numbers, sizes, durations, ranges and words each go into a field
	# of their own C type, read and checked by the parser
	# (cmd/options.c); a word's table is a struct choices.
	good='OPT_BOOL(0, "a", &o.flag, "h"), OPT_STRING(0, "b", &o.str, "B", "h"), OPT_LIST(0, "c", &o.list, "C", "h", 0), OPT_CMDMODE(0, "d", &o.mode, 31, "h"), OPT_UINT(0, "e", &o.num, OPT_UNSET, 0, 9, "N", "h"), OPT_SIZE(0, "f", &o.num, 0, 1, "SIZE", "h"), OPT_DURATION(0, "g", &o.secs, 0, 60, "DURATION", "h"), OPT_RANGE(0, "i", &o.rng, RANGE_DURATION, "RANGE", "h"), OPT_CHOICE(0, "j", &o.flag, &words, OPT_CHOICE_UNSET, "WORD", "h")'
	for entry in "$good" \
		'OPT_BOOL(0, "a", &o.flga, "h")' \
		'OPT_BOOL(0, "a", &o.str, "h")' \
		'OPT_STRING(0, "b", &o.flag, "B", "h")' \
		'OPT_LIST(0, "c", &o.str, "C", "h", 0)' \
		'OPT_CMDMODE(0, "d", &o.flag, 1, "h")' \
		'OPT_CMDMODE(0, "d", &o.mode, 32, "h")' \
		'OPT_UINT(0, "e", &o.flag, 0, 0, 9, "N", "h")' \
		'OPT_UINT(0, "e", &o.u32, 0, 0, 9, "N", "h")' \
		'OPT_UINT(0, "e", &o.str, 0, 0, 9, "N", "h")' \
		'OPT_UINT(0, "e", &o.secs, 0, 0, 9, "N", "h")' \
		'OPT_SIZE(0, "f", &o.secs, 0, 1, "SIZE", "h")' \
		'OPT_SIZE(0, "f", &o.flag, 0, 1, "SIZE", "h")' \
		'OPT_DURATION(0, "g", &o.num, 0, 0, "DURATION", "h")' \
		'OPT_DURATION(0, "g", &o.flag, 0, 0, "DURATION", "h")' \
		'OPT_DURATION(0, "g", &o.fsecs, 0, 0, "DURATION", "h")' \
		'OPT_RANGE(0, "i", &o.str, 0, "RANGE", "h")' \
		'OPT_RANGE(0, "i", &o.secs, 0, "RANGE", "h")' \
		'OPT_CHOICE(0, "j", &o.str, &words, 0, "WORD", "h")' \
		'OPT_CHOICE(0, "j", &o.num, &words, 0, "WORD", "h")' \
		'OPT_CHOICE(0, "j", &o.flag, &o.str, 0, "WORD", "h")'; do
		printf '#include "choice.h"\n#include "cmd.h"\n#include "range.h"\nextern const struct choices words;\nstatic struct { int flag; const char *str; struct opt_list list; struct opt_mode mode; uint64_t num; uint32_t u32; double secs; float fsecs; struct range rng; } o;\nextern const struct opt t[];\nconst struct opt t[] = { %s, OPT_END() };\n' \
			"$entry" >"$BATS_TEST_TMPDIR/o.c"
		# No -Werror: a wrong type is an error, not a warning.
		run cc -std=c11 -D_GNU_SOURCE -Ilib -Icmd -fsyntax-only "$BATS_TEST_TMPDIR/o.c"
		if [ "$entry" = "$good" ]; then
			assert_success
		else
			assert_failure
		fi
	done
}
