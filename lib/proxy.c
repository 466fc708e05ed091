/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "proxy.h"
#include "url.h"
#include "xalloc.h"
#include "banned.h"

static const struct {
	const char	*scheme;
	enum proxy_type	 type;
} schemes[] = {
	{ "socks5h://", PROXY_SOCKS5H },
	{ "socks5://", PROXY_SOCKS5 },
	{ "http://", PROXY_HTTP }
};

void
proxy_free(struct proxy *p)
{
	free(p->host);
	free(p->port);
	free(p->user);
	memset(p, 0, sizeof(*p));
}

const char *
proxy_scheme(const struct proxy *p)
{
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (schemes[i].type == p->type)
			return schemes[i].scheme;
	return "";
}

int
proxy_parse(const char *url, struct proxy *p, struct err *e)
{
	struct url_authority a;
	enum url_authority_fault f;
	const char *s = NULL, *end;
	size_t i, n;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i].scheme);
		if (strncasecmp(url, schemes[i].scheme, n) == 0) {
			p->type = schemes[i].type;
			s = url + n;
			break;
		}
	}
	if (s == NULL)
		return err_set(e, ERR_USAGE, "bad proxy URL '%s': use "
		    "socks5h://, socks5:// or http://", url);
	end = s + strcspn(s, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0)
		return err_set(e, ERR_USAGE, "bad proxy URL '%s': nothing may "
		    "follow the host and port", url);
	f = url_authority(s, (size_t)(end - s), 0, &a);
	if (f == URL_AUTHORITY_PASSWORD)
		return err_set(e, ERR_USAGE, "a password in the proxy "
		    "URL: put it in ~/.netrc (machine NAME) or the "
		    "account's proxy_password_cmd");
	if (f != URL_AUTHORITY_OK)
		return err_set(e, ERR_USAGE, "bad proxy URL '%s': %s", url,
		    url_authority_fault_str(f));
	p->user = a.user;
	p->host = a.host;
	p->port = a.port;
	if (p->port == NULL)
		p->port = xstrdup(PROXY_DEFAULT_PORT);
	if (p->user != NULL && strlen(p->user) > PROXY_MAX_CRED) {
		proxy_free(p);
		return err_set(e, ERR_USAGE, "the proxy user name is longer "
		    "than %d bytes", PROXY_MAX_CRED);
	}
	return 0;
}

/* An address entry with an optional /bits: whether it holds host. */
static int
cidr_match(const char *entry, size_t n, const char *host)
{
	unsigned char a[16], h[16];
	char tmp[64];
	const char *slash;
	size_t nd;
	int fam, len, bits, i;

	if (n >= sizeof(tmp))
		return 0;
	memcpy(tmp, entry, n);
	tmp[n] = '\0';
	slash = strchr(tmp, '/');
	if (slash != NULL)
		tmp[slash - tmp] = '\0';
	if (inet_pton(AF_INET, tmp, a) == 1)
		fam = AF_INET, len = 4;
	else if (inet_pton(AF_INET6, tmp, a) == 1)
		fam = AF_INET6, len = 16;
	else
		return -1;	/* not an address */
	if (inet_pton(fam, host, h) != 1)
		return 0;
	bits = len * 8;
	if (slash != NULL) {
		/* Digits only, and at most three of them: no overflow. */
		nd = strlen(slash + 1);
		if (nd == 0 || nd > 3 ||
		    strspn(slash + 1, "0123456789") != nd)
			return 0;
		bits = (int)strtol(slash + 1, NULL, 10);
		if (bits > len * 8)
			return 0;
	}
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a[i] != h[i])
			return 0;
	if (bits > 0 && ((a[i] ^ h[i]) & (0xff << (8 - bits))) != 0)
		return 0;
	return 1;
}

int
proxy_no_proxy(const char *list, const char *host)
{
	const char *p = list, *q;
	size_t n, hl = strlen(host);
	int r;

	if (list == NULL)
		return 0;
	while (*p != '\0') {
		p += strspn(p, " \t,");
		q = p + strcspn(p, ",");
		n = (size_t)(q - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 1 && *p == '*')
			return 1;
		if (n > 0 && (r = cidr_match(p, n, host)) >= 0) {
			if (r)
				return 1;
		} else if (n > 0) {
			if (*p == '.') {
				p++;
				n--;
			}
			if (n > 0 && n == hl && strncasecmp(p, host, n) == 0)
				return 1;
			if (n > 0 && hl > n && host[hl - n - 1] == '.' &&
			    strncasecmp(host + hl - n, p, n) == 0)
				return 1;
		}
		p = q;
	}
	return 0;
}
