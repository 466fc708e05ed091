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

/* The names of the mechanisms, as --auth and the account's auth take them. */
struct choices;
extern const struct choices auth_mech_choices;
const char	*auth_mech_name(enum auth_mech);
int		 auth_mech_is_oauth(enum auth_mech);
enum auth_mech	 auth_choose(struct sess *, int is_token);
int		 auth_login(struct sess *, const struct auth_opts *,
		    struct err *);
/*
 * Logging in with the commands that follow, in one write: the login is
 * queued, not written (SCRAM: its last two responses, once the server's
 * first challenge is read), and the caller's next commands go with it,
 * before its answer; until then the capabilities are guessed from what
 * the server said before login and assume ("CAP1 CAP2 ...", see
 * sess_guess_caps). Only with SASL-IR and PLAIN or SCRAM, where nothing
 * of the server's can make it read a command as a SASL response; else
 * the login is done as auth_login does. Returns 1 with *pending set: the
 * login is on its way and auth_login_finish must follow, whatever
 * happens; 0 when logged in already; -1 with the error.
 */
struct auth_pending;
int		 auth_login_start(struct sess *, const struct auth_opts *,
		    const char *assume, struct auth_pending **pending,
		    struct err *);
/*
 * Wait for the login's answer and free pending: 0 when logged in, else
 * -1 with the error. A refused login is the error, whatever failed after
 * it (the commands that went with it, the session).
 */
int		 auth_login_finish(struct auth_pending *, struct err *);
/*
 * The client's first SASL message for m, unencoded, into raw (SCRAM: its
 * state in sc, to go on with): for IMAP's AUTHENTICATE and SMTP's AUTH.
 */
int		 auth_first_message(enum auth_mech m, const struct auth_opts *,
		    struct scram *sc, struct buf *raw, struct err *);

#endif
