/* SPDX-License-Identifier: MIT */
/*
 * Where to connect and how to log in, from the options, the environment, an
 * account of the configuration file and the defaults, in that order; and
 * the secret, from the first source that has one.
 */
#ifndef IMAPCTL_SETTINGS_H
#define IMAPCTL_SETTINGS_H

#include "auth.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "proxy.h"
#include "sess.h"
#include "url.h"

/* What the command line said; NULL or 0 where it said nothing. */
struct settings_in {
	int		 default_timeout_ms;	/* the command's */
	const char	*url, *host, *port, *user, *cafile;
	int		 tls;		/* enum tls_mode, or -1 */
	int		 auth;		/* enum auth_mech, or -1 */
	double		 timeout;	/* --timeout, seconds */
	uint64_t	 max_size;	/* --max-size, bytes */
	uint64_t	 retry;		/* --retry; OPT_UNSET when not given */
	const char	*password_file, *password_cmd, *token_cmd;
	const char	*account, *config, *netrc_file;
	const char	*proxy;		/* "none": no proxy */
	const char	*as, *cert, *key;
	const char	*tunnel;
	int		 insecure, no_sasl_ir, id, debug, allow_cleartext;
	int		 no_compress;
};

struct settings {
	struct sess_opts	 so;
	struct auth_opts	 ao;
	int			 send_id;	/* RFC 2971 ID after login */
	/*
	 * COMPRESS=DEFLATE after login: -1 where the command gains from it
	 * (not a probe's few lines), 0 never (--no-compress, compress =
	 * false), 1 always (compress = true).
	 */
	int			 compress;
	/*
	 * Without TLS the password and the mail cross the network readable:
	 * fine to a loopback address, or when the user said it is intended
	 * (--allow-cleartext, allow_cleartext = true); otherwise a warning.
	 */
	int			 cleartext_warning;
	int			 have_secret;
	/*
	 * Where the secret came from can give it again (a file, a command,
	 * the netrc): it is wiped after each login and asked for anew.
	 * IMAPCTL_PASSWORD cannot: it is gone from the environment.
	 */
	int			 refetchable;
	int			 wiped;		/* after a login: ask again */
	int			 gathered;	/* the above are filled in */
	struct url		 url;
	struct config		 cfg;
	const struct account	*acct;
	char			*config_path;
	char			*netrc_login;
	struct buf		 secret;
	struct proxy		 proxy;		/* when so.proxy points here */
	struct buf		 proxy_secret;
	char			**tunnel;	/* --tunnel's argv */
	int			 proxy_secret_known;	/* looked for it */
	char			 secret_from[256];	/* where it came from */
};

void	settings_init(struct settings *);
int	settings_gather(struct settings *, const struct settings_in *,
	    struct err *);
int	settings_secret(struct settings *, const struct settings_in *,
	    struct err *);
/*
 * The proxy's password, when there is a proxy: the netrc, the account.
 * Wiped once the connection is up; asked for again at the next one.
 */
int	settings_proxy_secret(struct settings *, const struct settings_in *,
	    struct err *);
void	settings_proxy_wipe(struct settings *);
/*
 * The account's smtp_password_cmd run into out (*have_r 1); nothing when
 * it names none.
 */
int	settings_smtp_secret(struct settings *, struct buf *out, int *have_r,
	    struct err *);
void	settings_free(struct settings *);
/* The configuration file that --config (CONFIG) or the defaults name. */
int	settings_load_config(struct config *, const char *config,
	    struct err *);
/*
 * Name the likely cause of a failure to connect (a TLS mode that does not
 * fit the port) or to log in (where the secret came from) in e's message.
 */
void	settings_explain_connect(const struct settings *, struct err *);
void	settings_explain_login(const struct settings *, struct err *);

#endif
