/* SPDX-License-Identifier: MIT */
/*
 * Proxies, as curl names them: socks5h://HOST[:PORT] (the proxy resolves
 * the server's name), socks5:// (we resolve it), http:// (CONNECT). The
 * port defaults to 1080, as in curl. A user name may stand in the URL; a
 * password never does: it comes from the netrc (machine HOST) or the
 * account. NO_PROXY's rules are curl's too: names separated by commas,
 * each matching the host itself or a domain it is in, addresses with an
 * optional /prefix-length, "*" for every host.
 */
#ifndef IMAPCTL_PROXY_H
#define IMAPCTL_PROXY_H

#include "err.h"

#define PROXY_DEFAULT_PORT	"1080"
#define PROXY_MAX_CRED		255	/* RFC 1929: a length byte each */

enum proxy_type {
	PROXY_SOCKS5,		/* the client resolves */
	PROXY_SOCKS5H,		/* the proxy resolves */
	PROXY_HTTP		/* CONNECT */
};

struct proxy {
	enum proxy_type	 type;
	char		*host;
	char		*port;
	char		*user;		/* NULL: none */
	const char	*password;	/* NULL: none; not owned */
};

/* Returns -1 with ERR_USAGE for a URL that is not one of the above. */
int		 proxy_parse(const char *url, struct proxy *, struct err *);
void		 proxy_free(struct proxy *);
const char	*proxy_scheme(const struct proxy *);
/* Whether host is in a NO_PROXY list. */
int		 proxy_no_proxy(const char *list, const char *host);

#endif
