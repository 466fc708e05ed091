/* SPDX-License-Identifier: MIT */
/*
 * A small SMTP submission client (RFC 5321, RFC 6409) on the transport of
 * net.h: one message to one recipient, over TLS only: implicit (smtps://,
 * RFC 8314) or STARTTLS (smtp://, RFC 3207), which is never optional once
 * asked for. It logs in with SASL (RFC 4954) where the server offers AUTH:
 * SCRAM-SHA-256, SCRAM-SHA-1, PLAIN or LOGIN for a password, XOAUTH2 or
 * OAUTHBEARER for a token; a server that offers no AUTH (an MX on port 25)
 * takes the message without. It connects directly, through no proxy.
 * Every wait is bounded by the timeout and the run's deadline; the trace
 * never shows what authenticates.
 */
#ifndef IMAPCTL_SMTP_H
#define IMAPCTL_SMTP_H

#include <stdio.h>

#include "auth.h"
#include "err.h"
#include "net.h"

#define SMTP_MAX_LINE		4096	/* a reply line; RFC 5321 says 512 */
#define SMTP_MAX_LINES		100	/* lines of one reply */
#define SMTP_MAX_ADDRESS	254	/* an address, RFC 5321 4.5.3.1.3 */

enum smtp_tls {
	SMTP_STARTTLS,			/* smtp:// */
	SMTP_IMPLICIT			/* smtps:// */
};

struct smtp_opts {
	const char	*host;
	const char	*port;
	enum smtp_tls	 tls;
	struct tls_opts	 tlso;
	int		 timeout_ms;
	const char	*helo;		/* our name in EHLO */
	FILE		*trace;		/* --debug: protocol lines, or NULL */
	/* The login, where the server offers AUTH. */
	const char	*user;		/* NULL: send without logging in */
	const char	*secret;
	int		 is_token;	/* an OAuth2 access token */
	enum auth_mech	 mech;		/* AUTH_AUTO: the strongest offered */
};

/* How long each step took, in seconds; -1 when it did not happen. */
struct smtp_times {
	double		 connect, tls, login, send;
	double		 accepted;	/* monotonic seconds: the 250 to DATA */
};

/*
 * smtp://[USER@]HOST[:PORT] (STARTTLS, default port 587) or smtps://
 * (implicit TLS, 465); an IPv6 address in brackets. A password is never
 * taken from a URL. The strings are allocated: smtp_url_free.
 */
struct smtp_url {
	enum smtp_tls	 tls;
	char		*user;		/* percent-decoded, or NULL */
	char		*host;
	char		*port;
};

int	smtp_url_parse(const char *, struct smtp_url *, struct err *);
void	smtp_url_free(struct smtp_url *);

/*
 * Submit msg (CRLF lines: headers, a blank line, the body) from the
 * envelope sender from to the recipient to. Errors: ERR_NOHOST,
 * ERR_UNAVAILABLE (refused: connection, or a 4xx/5xx reply, quoted),
 * ERR_AUTH (TLS verification, no STARTTLS, login refused), ERR_TIMEOUT,
 * ERR_IO, ERR_PROTOCOL (a reply that does not parse), ERR_USAGE (an
 * address that cannot go in an envelope). times is filled in either way.
 */
int	smtp_submit(const struct smtp_opts *, const char *from,
	    const char *to, const char *msg, size_t len, struct smtp_times *,
	    struct err *);

#endif
