/* SPDX-License-Identifier: MIT */
/*
 * SMTP URLs of check --send-via: schemes and their default ports, a user
 * percent-decoded, IPv6 literals, and what is refused: other schemes, a
 * password, a path, a bad port. (The protocol itself is tested against a
 * real Postfix in tests/check-delivery.bats.)
 */
#include <stdio.h>
#include <string.h>

#include "smtp.h"
#include "t.h"

static void
ok(const char *s, const char *user, const char *host, const char *port,
    enum smtp_tls tls)
{
	struct smtp_url u;
	struct err e;
	char label[256];

	snprintf(label, sizeof(label), "parse %s", s);
	if (!t_ok(smtp_url_parse(s, &u, &e) == 0, label)) {
		printf("#   %s\n", e.msg);
		return;
	}
	t_streq(u.user, user, label);
	t_streq(u.host, host, label);
	t_streq(u.port, port, label);
	t_ok(u.tls == tls, label);
	smtp_url_free(&u);
}

static void
bad(const char *s, const char *why)
{
	struct smtp_url u;
	struct err e;
	char label[256];

	snprintf(label, sizeof(label), "refuse %s", s);
	t_ok(smtp_url_parse(s, &u, &e) < 0 && e.kind == ERR_USAGE &&
	    strstr(e.msg, why) != NULL && strstr(e.msg, "pw@") == NULL,
	    label);
}

int
main(void)
{
	(void)t_memeq;
	ok("smtp://mail.example.org", NULL, "mail.example.org", "587",
	    SMTP_STARTTLS);
	ok("smtps://mail.example.org", NULL, "mail.example.org", "465",
	    SMTP_IMPLICIT);
	ok("SMTP://mx.example.org:25/", NULL, "mx.example.org", "25",
	    SMTP_STARTTLS);
	ok("smtp://probe%40example.org@mail.example.org:587",
	    "probe@example.org", "mail.example.org", "587", SMTP_STARTTLS);
	ok("smtps://[::1]:4465", NULL, "::1", "4465", SMTP_IMPLICIT);
	bad("imaps://mail.example.org", "must start with smtp://");
	bad("smtp://alice:pw@mail.example.org", "a password never goes");
	bad("smtp://mail.example.org/path", "nothing may follow");
	bad("smtp://mail.example.org?x=1", "nothing may follow");
	bad("smtp://mail.example.org:0", "bad port");
	bad("smtp://mail.example.org:65536", "bad port");
	bad("smtp://mail.example.org:", "bad port");
	bad("smtp://:25", "no host");
	bad("smtp://[::1", "bad IPv6");
	bad("smtp://a%zz@h", "percent-encoding");
	bad("smtp://a%0d%0aRCPT@h", "bad user name");
	bad("smtp://[mail.example.org]", "bad IPv6");
	bad("smtp://mail.example.org:99999", "bad port");
	return t_done();
}
