/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "buf.h"
#include "url.h"
#include "xalloc.h"
#include "banned.h"

/* Percent-decode s[0..n); NUL may not result. */
static char *
pct_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				goto bad;
			hi = hex_value((unsigned char)s[i + 1]);
			lo = hex_value((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

void
url_free(struct url *u)
{
	free(u->user);
	free(u->host);
	free(u->port);
	free(u->mailbox);
	memset(u, 0, sizeof(*u));
}

int
url_parse(const char *s, struct url *u, struct err *e)
{
	const char *p, *at, *end, *hostend, *semi, *colon;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(s, "imaps://", 8) == 0) {
		u->tls = TLS_IMPLICIT;
		p = s + 8;
	} else if (strncasecmp(s, "imap://", 7) == 0) {
		u->tls = TLS_STARTTLS;
		p = s + 7;
	} else
		return err_set(e, ERR_USAGE, "bad URL '%s': it must start "
		    "with imaps:// or imap://", s);
	end = p + strcspn(p, "/?#");
	/* The last '@': an unencoded '@' in the user name is forgiven. */
	at = memrchr(p, '@', (size_t)(end - p));
	if (at != NULL) {
		/* Skip ";AUTH=..." after the user (RFC 5092 iuserinfo). */
		semi = memchr(p, ';', (size_t)(at - p));
		n = (size_t)((semi ? semi : at) - p);
		/*
		 * "user:password@": RFC 5092 has no password, and one here
		 * would reach the server as part of the user name, its logs,
		 * the shell's history and ps. Refused, and never repeated.
		 */
		if ((colon = memchr(p, ':', n)) != NULL) {
			err_set(e, ERR_USAGE, "bad URL '%.*s%.*s:<redacted>@...': "
			    "a password does not go in a URL; use "
			    "--password-file, --password-cmd, IMAPCTL_PASSWORD "
			    "or ~/.netrc", (int)(p - s), s, (int)(colon - p), p);
			url_free(u);
			return -1;
		}
		if (n > 0 && (u->user = pct_decode(p, n)) == NULL) {
			url_free(u);
			return err_set(e, ERR_USAGE, "bad URL '%s': bad "
			    "percent-encoding in the user name", s);
		}
		p = at + 1;
	}
	if (*p == '[') {
		hostend = memchr(p, ']', (size_t)(end - p));
		if (hostend == NULL || hostend == p + 1) {
			url_free(u);
			return err_set(e, ERR_USAGE, "bad URL '%s': bad IPv6 "
			    "address", s);
		}
		u->host = xstrndup(p + 1, (size_t)(hostend - p - 1));
		p = hostend + 1;
	} else {
		hostend = memchr(p, ':', (size_t)(end - p));
		if (hostend == NULL)
			hostend = end;
		u->host = xstrndup(p, (size_t)(hostend - p));
		p = hostend;
	}
	if (u->host[0] == '\0') {
		url_free(u);
		return err_set(e, ERR_USAGE, "bad URL '%s': no host", s);
	}
	if (p < end && *p == ':') {
		p++;
		n = (size_t)(end - p);
		if (n == 0 || n > 5 || strspn(p, "0123456789") < n) {
			url_free(u);
			return err_set(e, ERR_USAGE, "bad URL '%s': bad port",
			    s);
		}
		u->port = xstrndup(p, n);
		p = end;
	}
	if (p != end) {
		url_free(u);
		return err_set(e, ERR_USAGE, "bad URL '%s'", s);
	}
	if (*end == '/' && end[1] != '\0') {
		n = strcspn(end + 1, "?#;");
		if (n > 0)
			u->mailbox = pct_decode(end + 1, n);
	}
	return 0;
}
