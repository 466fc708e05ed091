/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "ascii.h"
#include "buf.h"
#include "url.h"
#include "xalloc.h"
#include "banned.h"

/*
 * Percent-decode s[0..n); NULL if an escape is bad or NUL results, or,
 * unless ctl_ok, another control character.
 */
static char *
pct_decode(const char *s, size_t n, int ctl_ok)
{
	char *out = xmalloc(n + 1), *o = out;
	unsigned char c;
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				goto bad;
			hi = hex_value((unsigned char)s[i + 1]);
			lo = hex_value((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else
			c = (unsigned char)s[i];
		if (c == '\0' || (!ctl_ok && (c < 0x20 || c == 0x7f)))
			goto bad;
		*o++ = (char)c;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

void
url_authority_free(struct url_authority *a)
{
	free(a->user);
	free(a->host);
	free(a->port);
	memset(a, 0, sizeof(*a));
}

const char *
url_authority_fault_str(enum url_authority_fault f)
{
	switch (f) {
	case URL_AUTHORITY_OK:
		break;
	case URL_AUTHORITY_PASSWORD:
		return "a password does not go in a URL";
	case URL_AUTHORITY_USER:
		return "bad user name: bad percent-encoding or a control "
		    "character";
	case URL_AUTHORITY_IPV6:
		return "bad IPv6 address";
	case URL_AUTHORITY_NOHOST:
		return "no host";
	case URL_AUTHORITY_HOST:
		return "a space or control character in the host name";
	case URL_AUTHORITY_PORT:
		return "bad port";
	case URL_AUTHORITY_JUNK:
		return "something follows the host and port";
	}
	return "";
}

enum url_authority_fault
url_authority(const char *s, size_t n, int flags, struct url_authority *a)
{
	const char *end = s + n, *at, *semi, *hostend;
	enum url_authority_fault f;
	unsigned char addr[sizeof(struct in6_addr)];
	size_t i, un;
	long v;

	memset(a, 0, sizeof(*a));
	/* The last '@': an unencoded '@' in the user name is forgiven. */
	if ((at = memrchr(s, '@', n)) != NULL) {
		un = (size_t)(at - s);
		if ((flags & URL_AUTHORITY_IUSERINFO) &&
		    (semi = memchr(s, ';', un)) != NULL)
			un = (size_t)(semi - s);
		if (memchr(s, ':', un) != NULL)
			return URL_AUTHORITY_PASSWORD;
		if (un > 0 && (a->user = pct_decode(s, un, 0)) == NULL)
			return URL_AUTHORITY_USER;
		s = at + 1;
	}
	if (s < end && *s == '[') {
		if ((hostend = memchr(s, ']', (size_t)(end - s))) == NULL) {
			f = URL_AUTHORITY_IPV6;
			goto fail;
		}
		a->host = xstrndup(s + 1, (size_t)(hostend - s - 1));
		if (inet_pton(AF_INET6, a->host, addr) != 1) {
			f = URL_AUTHORITY_IPV6;
			goto fail;
		}
		s = hostend + 1;
	} else {
		if ((hostend = memchr(s, ':', (size_t)(end - s))) == NULL)
			hostend = end;
		a->host = xstrndup(s, (size_t)(hostend - s));
		s = hostend;
		if (a->host[0] == '\0') {
			f = URL_AUTHORITY_NOHOST;
			goto fail;
		}
		for (i = 0; a->host[i] != '\0'; i++)
			if ((unsigned char)a->host[i] <= ' ' ||
			    a->host[i] == 0x7f) {
				f = URL_AUTHORITY_HOST;
				goto fail;
			}
	}
	if (s < end && *s == ':') {
		s++;
		n = (size_t)(end - s);
		v = 0;
		for (i = 0; i < n && i < 5 && s[i] >= '0' && s[i] <= '9'; i++)
			v = v * 10 + (s[i] - '0');
		if (n == 0 || i != n || v < 1 || v > 65535) {
			f = URL_AUTHORITY_PORT;
			goto fail;
		}
		a->port = xstrndup(s, n);
		s = end;
	}
	if (s != end) {
		f = URL_AUTHORITY_JUNK;
		goto fail;
	}
	return URL_AUTHORITY_OK;
fail:
	url_authority_free(a);
	return f;
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
	struct url_authority a;
	enum url_authority_fault f;
	const char *p, *end;
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
	f = url_authority(p, (size_t)(end - p), URL_AUTHORITY_IUSERINFO, &a);
	/*
	 * "user:password@": RFC 5092 has no password, and one here would
	 * reach the server as part of the user name, its logs, the shell's
	 * history and ps. Refused, and never repeated: the first ':' is the
	 * user's.
	 */
	if (f == URL_AUTHORITY_PASSWORD)
		return err_set(e, ERR_USAGE, "bad URL '%.*s%.*s:<redacted>@...': "
		    "a password does not go in a URL; use --password-file, "
		    "--password-cmd, IMAPCTL_PASSWORD or ~/.netrc",
		    (int)(p - s), s, (int)strcspn(p, ":"), p);
	if (f != URL_AUTHORITY_OK)
		return err_set(e, ERR_USAGE, "bad URL '%s': %s", s,
		    url_authority_fault_str(f));
	u->user = a.user;
	u->host = a.host;
	u->port = a.port;
	if (*end == '/' && end[1] != '\0') {
		n = strcspn(end + 1, "?#;");
		if (n > 0)
			u->mailbox = pct_decode(end + 1, n, 1);
	}
	return 0;
}
