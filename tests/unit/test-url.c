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

/* url_authority over s[0..n) (n < 0: all of s). */
static void
auth_ok(const char *s, int n, int flags, const char *user, const char *host,
    const char *port)
{
	struct url_authority a;
	char label[256];

	snprintf(label, sizeof(label), "authority %.*s", n < 0 ? (int)strlen(s) :
	    n, s);
	if (!t_ok(url_authority(s, n < 0 ? strlen(s) : (size_t)n, flags, &a) ==
	    URL_AUTHORITY_OK, label))
		return;
	t_streq(a.user, user, label);
	t_streq(a.host, host, label);
	t_streq(a.port, port, label);
	url_authority_free(&a);
	t_ok(a.user == NULL && a.host == NULL && a.port == NULL, label);
}

static void
auth_bad(const char *s, int flags, enum url_authority_fault want)
{
	struct url_authority a;
	char label[256];
	size_t i;

	snprintf(label, sizeof(label), "authority %s refused: %s", s,
	    url_authority_fault_str(want));
	for (i = 0; label[i] != '\0'; i++)
		if ((unsigned char)label[i] < ' ' || label[i] == 0x7f)
			label[i] = '?';
	t_ok(url_authority(s, strlen(s), flags, &a) == want &&
	    a.user == NULL && a.host == NULL && a.port == NULL, label);
}

static void
authorities(void)
{
	auth_ok("alice@h:993", -1, 0, "alice", "h", "993");
	auth_ok("h", -1, 0, NULL, "h", NULL);
	auth_ok("@h", -1, 0, NULL, "h", NULL);
	auth_ok("me@example.org@h", -1, 0, "me@example.org", "h", NULL);
	auth_ok("me%40example.org@h", -1, 0, "me@example.org", "h", NULL);
	auth_ok("alice;AUTH=*@h", -1, URL_AUTHORITY_IUSERINFO, "alice", "h",
	    NULL);
	auth_ok("alice;AUTH=*@h", -1, 0, "alice;AUTH=*", "h", NULL);
	auth_ok("alice;AUTH=x:y@h", -1, URL_AUTHORITY_IUSERINFO, "alice", "h",
	    NULL);
	auth_ok("[::1]", -1, 0, NULL, "::1", NULL);
	auth_ok("u@[2001:db8::7]:143", -1, 0, "u", "2001:db8::7", "143");
	auth_ok("[::ffff:192.0.2.1]:1", -1, 0, NULL, "::ffff:192.0.2.1", "1");
	auth_ok("192.0.2.1:65535", -1, 0, NULL, "192.0.2.1", "65535");
	auth_ok("h:00993", -1, 0, NULL, "h", "00993");
	/* Only s[0..n) is read: what follows is the caller's. */
	auth_ok("alice@h:993/INBOX", 11, 0, "alice", "h", "993");
	auth_ok("h@x", 1, 0, NULL, "h", NULL);
	auth_ok("[::1]:993]", 9, 0, NULL, "::1", "993");

	auth_bad("a:b@h", 0, URL_AUTHORITY_PASSWORD);
	auth_bad(":@h", 0, URL_AUTHORITY_PASSWORD);
	auth_bad("alice;AUTH=x:y@h", 0, URL_AUTHORITY_PASSWORD);
	auth_bad("a:b;AUTH=*@h", URL_AUTHORITY_IUSERINFO,
	    URL_AUTHORITY_PASSWORD);
	auth_bad("a%0ab@h", 0, URL_AUTHORITY_USER);
	auth_bad("a%0Db@h", 0, URL_AUTHORITY_USER);
	auth_bad("a%7fb@h", 0, URL_AUTHORITY_USER);
	auth_bad("a\tb@h", 0, URL_AUTHORITY_USER);
	auth_bad("a%00b@h", 0, URL_AUTHORITY_USER);
	auth_bad("a%4@h", 0, URL_AUTHORITY_USER);
	auth_bad("a%@h", 0, URL_AUTHORITY_USER);
	auth_bad("a%zz@h", 0, URL_AUTHORITY_USER);
	auth_bad("[::1", 0, URL_AUTHORITY_IPV6);
	auth_bad("[]", 0, URL_AUTHORITY_IPV6);
	auth_bad("[]:993", 0, URL_AUTHORITY_IPV6);
	auth_bad("[imap.example.org]", 0, URL_AUTHORITY_IPV6);
	auth_bad("[192.0.2.1]", 0, URL_AUTHORITY_IPV6);
	auth_bad("[::1%25eth0]", 0, URL_AUTHORITY_IPV6);
	auth_bad("", 0, URL_AUTHORITY_NOHOST);
	auth_bad("alice@", 0, URL_AUTHORITY_NOHOST);
	auth_bad(":993", 0, URL_AUTHORITY_NOHOST);
	auth_bad("::1", 0, URL_AUTHORITY_NOHOST);
	auth_bad("ho st", 0, URL_AUTHORITY_HOST);
	auth_bad("h\r\nx", 0, URL_AUTHORITY_HOST);
	auth_bad("h\x7f", 0, URL_AUTHORITY_HOST);
	auth_bad("h:", 0, URL_AUTHORITY_PORT);
	auth_bad("h:0", 0, URL_AUTHORITY_PORT);
	auth_bad("h:00000", 0, URL_AUTHORITY_PORT);
	auth_bad("h:65536", 0, URL_AUTHORITY_PORT);
	auth_bad("h:99999", 0, URL_AUTHORITY_PORT);
	auth_bad("h:123456", 0, URL_AUTHORITY_PORT);
	auth_bad("h:-1", 0, URL_AUTHORITY_PORT);
	auth_bad("h:+1", 0, URL_AUTHORITY_PORT);
	auth_bad("h:1:2", 0, URL_AUTHORITY_PORT);
	auth_bad("h:imaps", 0, URL_AUTHORITY_PORT);
	auth_bad("[::1]:", 0, URL_AUTHORITY_PORT);
	auth_bad("[::1]x", 0, URL_AUTHORITY_JUNK);
	auth_bad("[::1]]", 0, URL_AUTHORITY_JUNK);
	t_ok(strstr(url_authority_fault_str(URL_AUTHORITY_PASSWORD), ":") ==
	    NULL, "the password fault quotes nothing");
}

int
main(void)
{
	authorities();
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
	bad("imaps://h:0");
	bad("imaps://h:99999");
	bad("imaps://a%0a@h");
	bad("imaps://[h]");
	return t_done();
}
