/* SPDX-License-Identifier: MIT */
/*
 * IMAP URLs (RFC 5092 as far as a server is named): schemes, user names
 * percent-decoded, IPv6 literals in brackets, ports, and the malformed
 * forms refused.
 */
#include <stdio.h>
#include <string.h>

#include "t.h"
#include "url.h"

static void
ok(const char *s, const char *user, const char *host, const char *port,
    enum tls_mode tls)
{
	struct url u;
	struct err e;
	char label[256];

	snprintf(label, sizeof(label), "parse %s", s);
	if (!t_ok(url_parse(s, &u, &e) == 0, label)) {
		printf("#   %s\n", e.msg);
		return;
	}
	t_streq(u.user, user, label);
	t_streq(u.host, host, label);
	t_streq(u.port, port, label);
	t_ok(u.tls == tls, label);
	url_free(&u);
}

static void
bad(const char *s)
{
	struct url u;
	struct err e;
	char label[256];

	snprintf(label, sizeof(label), "refuse %s", s);
	t_ok(url_parse(s, &u, &e) < 0 && e.kind == ERR_USAGE, label);
}

int
main(void)
{
	ok("imaps://alice@imap.example.org", "alice", "imap.example.org",
	    NULL, TLS_IMPLICIT);
	ok("imap://alice@imap.example.org:1143", "alice", "imap.example.org",
	    "1143", TLS_STARTTLS);
	ok("IMAPS://imap.example.org/", NULL, "imap.example.org", NULL,
	    TLS_IMPLICIT);
	ok("imaps://me%40example.org@imap.example.org:993", "me@example.org",
	    "imap.example.org", "993", TLS_IMPLICIT);
	ok("imaps://me@example.org@imap.example.org", "me@example.org",
	    "imap.example.org", NULL, TLS_IMPLICIT);
	ok("imaps://j%C3%B6rg@h", "j\xc3\xb6rg", "h", NULL, TLS_IMPLICIT);
	ok("imaps://a%2fb%3Ac@h", "a/b:c", "h", NULL, TLS_IMPLICIT);
	ok("imaps://alice;AUTH=*@h", "alice", "h", NULL, TLS_IMPLICIT);
	ok("imaps://[::1]:993", NULL, "::1", "993", TLS_IMPLICIT);
	ok("imaps://alice@[::1]", "alice", "::1", NULL, TLS_IMPLICIT);
	ok("imap://bob@[2001:db8::7]:143/INBOX", "bob", "2001:db8::7", "143",
	    TLS_STARTTLS);

	{
		struct url u;
		struct err e;

		url_parse("imaps://%E2%82%AC%20x@h", &u, &e);
		t_memeq(u.user, strlen(u.user), "\xe2\x82\xac x", 5,
		    "a percent-encoded user name decodes to its bytes");
		url_free(&u);
	}
	bad("http://h");
	bad("imaps://alice:pw@h");
	bad("imap://alice:@h:143");
	bad("imaps://alice:pw;AUTH=*@h");
	bad("imaps://");
	bad("imaps://alice@");
	bad("imaps://h:");
	bad("imaps://h:99999x");
	bad("imaps://h:123456");
	bad("imaps://[::1");
	bad("imaps://[]:993");
	bad("imaps://[::1]x");
	bad("imaps://a%4@h");
	bad("imaps://a%zz@h");
	bad("imaps://a%00b@h");
	return t_done();
}
