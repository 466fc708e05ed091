/* SPDX-License-Identifier: MIT */
/*
 * netrc with curl's rules: machine and default entries, login and
 * password in any order, quoted tokens with escapes, comment lines, macdef
 * bodies skipped, the first fitting entry winning; and syntax errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "netrc.h"
#include "t.h"

static void
find(const char *text, const char *host, const char *user,
    const char *want_login, const char *want_pw, const char *name)
{
	struct buf pw = BUF_INIT(4096);
	struct err e;
	char *login = NULL;
	int r;

	r = netrc_parse("netrc", text, strlen(text), host, user, &login, &pw,
	    &e);
	if (want_pw == NULL) {
		if (!t_ok(r == 0, name))
			printf("#   r %d pw '%s'\n", r, pw.s);
	} else if (t_ok(r == 1, name)) {
		t_memeq(pw.s, pw.len, want_pw, strlen(want_pw), name);
		t_streq(login, want_login, name);
	} else
		printf("#   r %d: %s\n", r, r < 0 ? e.msg : "");
	free(login);
	buf_free(&pw);
}

static void
syntax(const char *text, const char *want, const char *name)
{
	struct buf pw = BUF_INIT(4096);
	struct err e;
	char *login = NULL;

	if (t_ok(netrc_parse("netrc", text, strlen(text), "h", NULL, &login,
	    &pw, &e) < 0 && e.kind == ERR_CONFIG, name))
		t_streq(e.msg, want, name);
	free(login);
	buf_free(&pw);
}

/* Found by fuzzing: a NUL byte made the lexer return empty tokens forever. */
static void
nul_byte(void)
{
	static const char text[] = "machine h login u\0password p\n";
	struct buf pw = BUF_INIT(4096);
	struct err e;
	char *login = NULL;

	if (t_ok(netrc_parse("netrc", text, sizeof(text) - 1, "h", NULL,
	    &login, &pw, &e) < 0 && e.kind == ERR_CONFIG, "a NUL byte is an "
	    "error, not an endless loop"))
		t_streq(e.msg, "netrc: the file holds a NUL byte", "its message");
	free(login);
	buf_free(&pw);
}

int
main(void)
{
	static const char basic[] =
	    "machine imap.example.org login alice password s3cret\n"
	    "machine other.example.org\n"
	    "  login bob\n"
	    "  password hunter2\n"
	    "default login anon password guest\n";
	static const char two[] =
	    "machine h login alice password a1\n"
	    "machine h login bob password b1\n"
	    "machine h password any\n";
	static const char quoted[] =
	    "# a comment line\n"
	    "   # another, indented\n"
	    "machine h login \"al ice\" password \"p\\\"w\\\\x\\ty\"\n";
	static const char macro[] =
	    "macdef init\n"
	    "machine h login evil password evil\n"
	    "\n"
	    "machine h login alice password good\n";
	static const char order[] =
	    "machine h password first login alice\n";
	static const char nopw[] =
	    "machine h login alice\n"
	    "machine h login alice password later\n";
	static const char acct[] =
	    "machine h login alice account acct password pw\n";

	find(basic, "imap.example.org", NULL, "alice", "s3cret",
	    "machine, login and password on one line");
	find(basic, "IMAP.Example.ORG", "alice", NULL, "s3cret",
	    "host names compare without case; the known user matches");
	find(basic, "other.example.org", NULL, "bob", "hunter2",
	    "an entry over several lines");
	find(basic, "unknown.example.org", NULL, "anon", "guest",
	    "default matches any host");
	find(basic, "imap.example.org", "carol", "", NULL,
	    "a known user with another login matches nothing but default");
	find("machine h login alice password a\n", "h", "Alice", NULL, NULL,
	    "logins compare exactly");
	find(two, "h", "bob", NULL, "b1", "the entry with the user's login");
	find(two, "h", NULL, "alice", "a1", "without a user, the first entry");
	find(two, "h", "carol", NULL, "any",
	    "an entry without login serves any user");
	find(quoted, "h", NULL, "al ice", "p\"w\\x\ty",
	    "quoted tokens and escapes; comment lines");
	find(macro, "h", NULL, "alice", "good", "macdef bodies are skipped");
	find(order, "h", NULL, "alice", "first", "password before login");
	find(nopw, "h", NULL, "alice", "later",
	    "an entry without a password is passed over");
	find(acct, "h", NULL, "alice", "pw", "account values are skipped");
	find("machine h login alice password pw", "h", NULL, "alice", "pw",
	    "no final newline");
	find("machine h\r\nlogin alice\r\npassword pw\r\n", "h", NULL,
	    "alice", "pw", "CRLF line ends");
	find("", "h", NULL, NULL, NULL, "an empty file");
	find("machine hx login a password b\n", "h", NULL, NULL, NULL,
	    "no partial host match");
	find("login a password b\n", "h", NULL, NULL, NULL,
	    "tokens outside an entry are ignored");

	syntax("machine h login \"alice", "netrc:1: unterminated quote or "
	    "token longer than 4096 bytes", "an unterminated quote");
	syntax("machine h\npassword \"x\\", "netrc:2: unterminated quote or "
	    "token longer than 4096 bytes", "a final backslash");
	{
		char *big = malloc(NETRC_MAX_TOKEN + 64);

		strcpy(big, "machine h password ");
		memset(big + strlen(big), 'x', NETRC_MAX_TOKEN + 1);
		big[19 + NETRC_MAX_TOKEN + 1] = '\0';
		syntax(big, "netrc:1: unterminated quote or token longer than "
		    "4096 bytes", "a token too long");
		free(big);
	}
	nul_byte();
	return t_done();
}
