/*
 * Logging in: LOGIN and SASL mechanisms, SASL-IR when offered, secrets
 * never in a trace.
 */
#ifndef IMAPCTL_AUTH_H
#define IMAPCTL_AUTH_H

#include "err.h"
#include "sess.h"

enum auth_mech {
	AUTH_AUTO,
	AUTH_PLAIN,
	AUTH_LOGIN,
	AUTH_SCRAM_SHA_256,
	AUTH_SCRAM_SHA_1,
	AUTH_XOAUTH2,
	AUTH_OAUTHBEARER
};

struct auth_opts {
	enum auth_mech	 mech;
	const char	*user;
	const char	*secret;	/* password, or token for OAuth2 */
	int		 is_token;	/* secret came from a token command */
	int		 no_sasl_ir;
};

int		 auth_mech_parse(const char *, enum auth_mech *);
const char	*auth_mech_name(enum auth_mech);
int		 auth_login(struct sess *, const struct auth_opts *,
		    struct err *);

#endif
