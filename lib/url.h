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

#endif
