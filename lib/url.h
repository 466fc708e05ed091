/* SPDX-License-Identifier: MIT */
/*
 * IMAP URLs of the RFC 5092 form, as far as a server is named:
 * imaps://user@host:port and imap://... (STARTTLS). The user is
 * percent-decoded; an IPv6 address stands in brackets.
 */
#ifndef IMAPCTL_URL_H
#define IMAPCTL_URL_H

#include "err.h"
#include "sess.h"

struct url {
	char		*user;		/* NULL if none */
	char		*host;
	char		*port;		/* NULL if none */
	char		*mailbox;	/* path after the host, or NULL */
	enum tls_mode	 tls;
};

int	url_parse(const char *, struct url *, struct err *);
void	url_free(struct url *);

/*
 * The authority of any URL we read (IMAP, SMTP, proxy):
 * [user@]host[:port], an IPv6 address in brackets. The last '@' ends
 * the user, which is percent-decoded and may hold neither NUL nor
 * another control character; a ':' in it (a password) is refused. The
 * host is a name without space or control characters, or a bracketed
 * IPv6 address; the port, if any, is a number from 1 to 65535.
 */
struct url_authority {
	char	*user;		/* NULL if none */
	char	*host;
	char	*port;		/* NULL if none */
};

enum url_authority_fault {
	URL_AUTHORITY_OK,
	URL_AUTHORITY_PASSWORD,	/* "user:password@" */
	URL_AUTHORITY_USER,	/* a bad escape or a control character */
	URL_AUTHORITY_IPV6,	/* "[" without "]", or not an IPv6 address */
	URL_AUTHORITY_NOHOST,
	URL_AUTHORITY_HOST,	/* a space or control character */
	URL_AUTHORITY_PORT,
	URL_AUTHORITY_JUNK	/* something after the host and port */
};

/* ";AUTH=..." may follow the user and is skipped (RFC 5092 iuserinfo). */
#define URL_AUTHORITY_IUSERINFO	0x1

/*
 * Parse s[0..n) into a (allocated; url_authority_free). On a fault, a
 * holds nothing; url_authority_fault_str says what is wrong in a few
 * words, which never quote the user part (it may hold a password).
 */
enum url_authority_fault url_authority(const char *s, size_t n, int flags,
		    struct url_authority *a);
void		 url_authority_free(struct url_authority *);
const char	*url_authority_fault_str(enum url_authority_fault);

#endif
