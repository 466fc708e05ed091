/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "netrc.h"
#include "secret.h"
#include "xalloc.h"
#include "banned.h"

struct lexer {
	const char	*p, *end;
	unsigned	 line;
	int		 bol;		/* at the start of a line */
	struct buf	 tok;
};

/*
 * The next token into lx->tok: 1, 0 at the end, -1 for an unterminated
 * quote or a token too long. An empty line ends a macro: *blank_r says
 * whether one was crossed.
 */
static int
next_token(struct lexer *lx, int *blank_r)
{
	int nl_seen = 0;
	char c;

	*blank_r = 0;
	buf_reset(&lx->tok);
	for (;;) {
		while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' ||
		    *lx->p == '\r'))
			lx->p++;
		if (lx->p >= lx->end)
			return 0;
		if (*lx->p == '\n') {
			if (nl_seen || lx->bol)
				*blank_r = 1;
			nl_seen = 1;
			lx->bol = 1;
			lx->line++;
			lx->p++;
			continue;
		}
		if (lx->bol && *lx->p == '#') {
			/* A comment line. */
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
			continue;
		}
		break;
	}
	lx->bol = 0;
	if (*lx->p != '"') {
		while (lx->p < lx->end && strchr(" \t\r\n", *lx->p) == NULL)
			if (buf_addc(&lx->tok, *lx->p++) < 0)
				return -1;
		return 1;
	}
	for (lx->p++; lx->p < lx->end; lx->p++) {
		c = *lx->p;
		if (c == '"') {
			lx->p++;
			return 1;
		}
		if (c == '\\') {
			if (++lx->p >= lx->end)
				return -1;
			c = *lx->p;
			c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' :
			    c;
		} else if (c == '\n')
			lx->line++;
		if (buf_addc(&lx->tok, c) < 0)
			return -1;
	}
	return -1;
}

/*
 * Entries are scanned in order. An entry matches when it is "default" or
 * names host, and (with a user) has that login or no login at all. The
 * first match with a password wins.
 */
int
netrc_parse(const char *name, const char *text, size_t len, const char *host,
    const char *user, char **login_r, struct buf *pw, struct err *e)
{
	enum { NONE, MACHINE_NAME, LOGIN, PASSWORD, SKIP_ONE, MACRO } want =
	    NONE;
	struct lexer lx;
	struct buf cur_login, cur_pw;
	int in_entry = 0, ours = 0, have_login = 0, have_pw = 0;
	int r, blank, found = 0;

	/* A NUL would also stop a token without being skipped: never ends. */
	if (memchr(text, '\0', len) != NULL)
		return err_set(e, ERR_CONFIG, "%s: the file holds a NUL byte",
		    name);
	memset(&lx, 0, sizeof(lx));
	lx.p = text;
	lx.end = text + len;
	lx.line = 1;
	lx.bol = 1;
	buf_init(&lx.tok, NETRC_MAX_TOKEN);
	buf_init(&cur_login, NETRC_MAX_TOKEN);
	buf_init(&cur_pw, NETRC_MAX_TOKEN);
	for (;;) {
		r = next_token(&lx, &blank);
		if (want == MACRO) {
			if (!blank && r > 0)
				continue;
			want = NONE;
		}
		if (r < 0) {
			err_set(e, ERR_CONFIG, "%s:%u: unterminated quote or "
			    "token longer than %d bytes", name, lx.line,
			    NETRC_MAX_TOKEN);
			found = -1;
			break;
		}
		/* An entry ends where the next starts, or at the end. */
		if (r == 0 || (want == NONE &&
		    (strcasecmp(lx.tok.s, "machine") == 0 ||
		    strcasecmp(lx.tok.s, "default") == 0 ||
		    strcasecmp(lx.tok.s, "macdef") == 0))) {
			if (in_entry && ours && have_pw && (user == NULL ||
			    !have_login || strcmp(cur_login.s, user) == 0)) {
				found = 1;
				break;
			}
			in_entry = ours = have_login = have_pw = 0;
			buf_wipe(&cur_pw);
			buf_reset(&cur_login);
			if (r == 0)
				break;
		}
		switch (want) {
		case MACHINE_NAME:
			ours = strcasecmp(lx.tok.s, host) == 0;
			want = NONE;
			continue;
		case LOGIN:
			buf_reset(&cur_login);
			buf_put(&cur_login, lx.tok.s, lx.tok.len); /* fits */
			have_login = 1;
			want = NONE;
			continue;
		case PASSWORD:
			buf_wipe(&cur_pw);
			buf_put(&cur_pw, lx.tok.s, lx.tok.len);	/* fits */
			have_pw = 1;
			want = NONE;
			continue;
		case SKIP_ONE:
			want = NONE;
			continue;
		default:
			break;
		}
		if (strcasecmp(lx.tok.s, "machine") == 0) {
			in_entry = 1;
			want = MACHINE_NAME;
		} else if (strcasecmp(lx.tok.s, "default") == 0)
			in_entry = ours = 1;
		else if (strcasecmp(lx.tok.s, "macdef") == 0)
			want = MACRO;
		else if (!in_entry)
			continue;	/* curl ignores what it does not know */
		else if (strcasecmp(lx.tok.s, "login") == 0)
			want = LOGIN;
		else if (strcasecmp(lx.tok.s, "password") == 0)
			want = PASSWORD;
		else if (strcasecmp(lx.tok.s, "account") == 0)
			want = SKIP_ONE;
	}
	if (found == 1) {
		buf_reset(pw);
		if (buf_add(pw, cur_pw.s, cur_pw.len) < 0) {
			err_set(e, ERR_CONFIG, "%s: password too long", name);
			found = -1;
		} else if (user == NULL && have_login && login_r != NULL)
			*login_r = xstrdup(cur_login.s);
	}
	buf_wipe(&lx.tok);
	buf_wipe(&cur_pw);
	buf_free(&cur_login);
	return found;
}

int
netrc_lookup(const char *path, int must_exist, const char *host,
    const char *user, char **login_r, struct buf *pw, struct err *e)
{
	struct stat st;
	struct buf text;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		return err_set(e, ERR_NOINPUT, "cannot read netrc file '%s': "
		    "%s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return err_set(e, ERR_NOINPUT, "cannot read netrc file '%s': "
		    "%s", path, strerror(errno));
	}
	if (S_ISREG(st.st_mode) && (st.st_mode & 0066) != 0) {
		close(fd);
		return err_set(e, ERR_CONFIG, "netrc file '%s' is readable or "
		    "writable by others (mode %04o); it holds passwords: run "
		    "chmod 600 '%s'", path, (unsigned)(st.st_mode & 07777),
		    path);
	}
	/* Whoever owns it can change it (or read it): it must be ours. */
	if (S_ISREG(st.st_mode) && st.st_uid != getuid()) {
		close(fd);
		return err_set(e, ERR_CONFIG, "netrc file '%s' belongs to "
		    "another user (uid %u); it holds passwords", path,
		    (unsigned)st.st_uid);
	}
	secret_guard();
	buf_init(&text, NETRC_MAX_FILE);
	r = buf_read_fd(&text, fd);
	if (r == -1)
		r = errno;
	close(fd);
	if (r != 0) {
		buf_wipe(&text);
		if (r == -2)
			return err_set(e, ERR_CONFIG, "netrc file '%s' is "
			    "larger than %d bytes", path, NETRC_MAX_FILE);
		return err_set(e, ERR_NOINPUT, "cannot read netrc file '%s': "
		    "%s", path, strerror(r));
	}
	r = netrc_parse(path, text.s, text.len, host, user, login_r, pw, e);
	buf_wipe(&text);
	return r;
}
