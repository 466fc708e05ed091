/* SPDX-License-Identifier: MIT */
/*
 * Logging in: LOGIN, and SASL with AUTHENTICATE (PLAIN, SCRAM-SHA-256,
 * SCRAM-SHA-1, XOAUTH2, OAUTHBEARER), SASL-IR when offered. Client
 * responses never reach a trace; server challenges may.
 */
#ifndef IMAPCTL_AUTH_H
#define IMAPCTL_AUTH_H

#include "buf.h"
#include "err.h"
#include "scram.h"
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
	const char	*authzid;	/* PLAIN: act as this user, or NULL */
	const char	*host;		/* the server, for OAUTHBEARER */
	const char	*port;
};

int		 auth_mech_parse(const char *, enum auth_mech *);
const char	*auth_mech_name(enum auth_mech);
int		 auth_mech_is_oauth(enum auth_mech);
enum auth_mech	 auth_choose(struct sess *, int is_token);
int		 auth_login(struct sess *, const struct auth_opts *,
		    struct err *);
/*
 * The client's first SASL message for m, unencoded, into raw (SCRAM: its
 * state in sc, to go on with): for IMAP's AUTHENTICATE and SMTP's AUTH.
 */
int		 auth_first_message(enum auth_mech m, const struct auth_opts *,
		    struct scram *sc, struct buf *raw, struct err *);

#endif
