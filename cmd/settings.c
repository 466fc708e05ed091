/* SPDX-License-Identifier: MIT */
/*
 * Connection settings and secrets. Each setting comes from the first of:
 * the command line, the environment, the account, the built-in default.
 * Secrets, first found wins: --password-file, --password-cmd,
 * IMAPCTL_PASSWORD, ~/.netrc, the account's password_cmd; an OAuth2 token
 * from --oauth2-token-cmd or the account's oauth2_token_cmd.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "netrc.h"
#include "parser.h"
#include "range.h"
#include "secret.h"
#include "settings.h"
#include "xalloc.h"
#include "banned.h"

#define DEFAULT_TIMEOUT_S	30
/* The waits of retries (--retry) in a session, in all, at most. */
#define RETRY_WAIT_MAX_S	300

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* "localhost", 127.0.0.0/8 or ::1: cleartext that never leaves the host. */
static int
loopback(const char *host)
{
	unsigned char a[16];
	static const unsigned char v6[16] = { [15] = 1 };

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	return inet_pton(AF_INET6, host, a) == 1 && memcmp(a, v6, 16) == 0;
}

/* A port: 1 to 65535 in decimal, or a TCP service's name ("imaps"). */
static int
valid_port(const char *s)
{
	long v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 6; i++)
		v = v * 10 + (s[i] - '0');
	if (i > 0 || s[0] == '\0')
		return i > 0 && s[i] == '\0' && v >= 1 && v <= 65535;
	return getservbyname(s, "tcp") != NULL;
}

/* $IMAPCTL_CONFIG, else $XDG_CONFIG_HOME/imapctl/config, else ~/.config. */
static char *
config_path(const struct settings_in *in, int *explicit_r)
{
	const char *p, *home = env("HOME");
	char tmp[4096];

	*explicit_r = 1;
	if ((p = in->config) != NULL || (p = env("IMAPCTL_CONFIG")) != NULL)
		return xstrdup(p);
	*explicit_r = 0;
	if ((p = env("XDG_CONFIG_HOME")) != NULL && p[0] == '/')
		snprintf(tmp, sizeof(tmp), "%s/imapctl/config", p);
	else if (home != NULL)
		snprintf(tmp, sizeof(tmp), "%s/.config/imapctl/config", home);
	else
		return NULL;
	return xstrdup(tmp);
}

int
settings_load_config(struct config *cfg, const char *config,
    struct err *e)
{
	struct settings_in in;
	char *path;
	int explicit, r;

	memset(&in, 0, sizeof(in));
	in.config = config;
	if ((path = config_path(&in, &explicit)) == NULL)
		return 0;
	r = config_load(cfg, path, explicit, e);
	free(path);
	return r;
}

/*
 * The account: -a or IMAPCTL_ACCOUNT by name; else, when neither the
 * options nor the environment name a server, the default account. The
 * file is read only when an account is wanted.
 */
static int
find_account(struct settings *st, const struct settings_in *in,
    struct err *e)
{
	const char *name = in->account ? in->account : env("IMAPCTL_ACCOUNT");
	int explicit;

	if (name == NULL && (in->host != NULL || st->url.host != NULL))
		return 0;
	st->config_path = config_path(in, &explicit);
	if (st->config_path == NULL) {
		if (name == NULL)
			return 0;
		return err_set(e, ERR_CONFIG, "no account '%s': no config file "
		    "(HOME is not set)", name);
	}
	if (config_load(&st->cfg, st->config_path, explicit, e) < 0)
		return -1;
	if (name == NULL) {
		st->acct = config_default(&st->cfg);
		return 0;
	}
	if ((st->acct = config_account(&st->cfg, name)) == NULL)
		return err_set(e, ERR_CONFIG, "no account '%s' in '%s'", name,
		    st->config_path);
	return 0;
}

void
settings_init(struct settings *st)
{
	memset(st, 0, sizeof(*st));
	buf_init(&st->secret, SECRET_MAX);
	buf_init(&st->proxy_secret, PROXY_MAX_CRED + 1);
}

void
settings_free(struct settings *st)
{
	buf_wipe(&st->secret);
	url_free(&st->url);
	config_free(&st->cfg);
	free(st->config_path);
	free(st->netrc_login);
	buf_wipe(&st->proxy_secret);
	proxy_free(&st->proxy);
	config_argv_free(st->tunnel);
	memset(st, 0, sizeof(*st));
}

/*
 * The proxy, as curl finds one: --proxy, else the account's proxy, else
 * all_proxy or ALL_PROXY; none for a host that no_proxy or NO_PROXY
 * names, and none for "" or "none".
 */
static int
pick_proxy(struct settings *st, const struct settings_in *in, struct err *e)
{
	const struct account *a = st->acct;
	const char *u, *no;

	if ((u = in->proxy) == NULL && (a == NULL || (u = a->proxy) == NULL) &&
	    (u = env("all_proxy")) == NULL)
		u = env("ALL_PROXY");
	if (u == NULL || u[0] == '\0' || strcmp(u, "none") == 0)
		return 0;
	if ((no = getenv("no_proxy")) == NULL)
		no = getenv("NO_PROXY");
	if (proxy_no_proxy(no, st->so.host))
		return 0;
	if (proxy_parse(u, &st->proxy, e) < 0) {
		if (in->proxy == NULL && (a == NULL || a->proxy == NULL))
			err_prefix(e, "ALL_PROXY");
		return -1;
	}
	if (st->proxy.user == NULL && a != NULL && a->proxy_user != NULL)
		st->proxy.user = xstrdup(a->proxy_user);
	st->so.proxy = &st->proxy;
	return 0;
}

int
settings_gather(struct settings *st, const struct settings_in *in,
    struct err *e)
{
	const struct account *a;
	const char *u;
	enum tls_mode mode = TLS_IMPLICIT;
	int retries = 0;

	st->so.timeout_ms = in->default_timeout_ms > 0 ?
	    in->default_timeout_ms : DEFAULT_TIMEOUT_S * 1000;
	/* The numbers were read and checked with the options (cmd.h). */
	if (in->timeout > 0) {
		st->so.timeout_ms = (int)(in->timeout * 1000 + 0.5);
		if (st->so.timeout_ms < 1)
			st->so.timeout_ms = 1;
	}
	if (in->max_size > 0)
		st->so.max_literal = in->max_size;
	if (in->retry <= CONFIG_MAX_RETRY)
		retries = (int)in->retry;
	/* A URL on the command line replaces the environment's. */
	u = in->url ? in->url : env("IMAPCTL_URL");
	if (u != NULL && url_parse(u, &st->url, e) < 0)
		return -1;
	if (find_account(st, in, e) < 0)
		return -1;
	a = st->acct;

	if (in->tunnel != NULL) {
		st->tunnel = xcalloc(4, sizeof(*st->tunnel));
		st->tunnel[0] = xstrdup("/bin/sh");
		st->tunnel[1] = xstrdup("-c");
		st->tunnel[2] = xstrdup(in->tunnel);
		st->so.tunnel = st->tunnel;
	} else if (a != NULL && a->tunnel != NULL)
		st->so.tunnel = a->tunnel;
	st->so.port = in->port ? in->port : st->url.port ? st->url.port :
	    a ? a->port : NULL;
	/* --tls and --auth were read with the options (main.c). */
	if (in->tls >= 0)
		mode = (enum tls_mode)in->tls;
	else {
		if (st->so.tunnel != NULL)
			mode = TLS_NONE;	/* the pipe is the channel */
		else if (st->url.host != NULL)
			mode = st->url.tls;
		else if (a != NULL && a->tls >= 0)
			mode = (enum tls_mode)a->tls;
		else if (st->so.port != NULL && strcmp(st->so.port, "143") == 0)
			mode = TLS_STARTTLS;	/* as imap:// means */
	}
	st->so.tls = mode;
	st->so.host = in->host ? in->host : st->url.host ? st->url.host :
	    a ? a->host : NULL;
	if (st->so.host == NULL && st->so.tunnel == NULL)
		return err_set(e, ERR_CONFIG, "no server given: use --host, "
		    "--url, IMAPCTL_URL or an account (-a)");
	if (st->so.host == NULL && mode != TLS_NONE)
		return err_set(e, ERR_USAGE, "TLS through a tunnel needs "
		    "--host: the name the server's certificate bears");
	if (st->so.port == NULL)
		st->so.port = mode == TLS_IMPLICIT ? "993" : "143";
	if (!valid_port(st->so.port))
		return err_set(e, ERR_USAGE, "bad port '%s': give 1 to 65535",
		    st->so.port);
	if (st->so.tunnel == NULL && pick_proxy(st, in, e) < 0)
		return -1;
	if (st->so.tunnel != NULL && in->proxy != NULL &&
	    strcmp(in->proxy, "none") != 0)
		return err_set(e, ERR_USAGE, "--proxy and a tunnel: use one");
	st->so.tlso.cafile = in->cafile ? in->cafile : a ? a->cafile : NULL;
	if (in->cert != NULL || in->key != NULL) {
		st->so.tlso.cert = in->cert;
		st->so.tlso.key = in->key;
	} else if (a != NULL) {
		st->so.tlso.cert = a->cert;
		st->so.tlso.key = a->key;
	}
	if (st->so.tlso.key != NULL && st->so.tlso.cert == NULL)
		return err_set(e, ERR_USAGE, "a client key without a "
		    "certificate: give --cert FILE too");
	if (st->so.tlso.cert != NULL && access(st->so.tlso.cert, R_OK) < 0)
		return err_set(e, ERR_NOINPUT, "cannot read client certificate "
		    "'%s': %s", st->so.tlso.cert, strerror(errno));
	if (st->so.tlso.key != NULL && access(st->so.tlso.key, R_OK) < 0)
		return err_set(e, ERR_NOINPUT, "cannot read client key '%s': "
		    "%s", st->so.tlso.key, strerror(errno));
	st->so.tlso.insecure = in->insecure;
	if (!(in->timeout > 0) && a != NULL && a->timeout_ms > 0)
		st->so.timeout_ms = a->timeout_ms;
	if (in->retry > CONFIG_MAX_RETRY && a != NULL && a->retry >= 0)
		retries = a->retry;
	st->so.retries = (unsigned)retries;
	st->so.retry_wait_ms = RETRY_WAIT_MAX_S * 1000L;
	st->so.trace = in->debug ? stderr : NULL;

	st->ao.user = in->user ? in->user : st->url.user ? st->url.user :
	    env("IMAPCTL_USER") ? env("IMAPCTL_USER") : a ? a->user : NULL;
	st->ao.mech = AUTH_AUTO;
	if (in->auth >= 0)
		st->ao.mech = (enum auth_mech)in->auth;
	else if (a != NULL && a->auth >= 0)
		st->ao.mech = (enum auth_mech)a->auth;
	st->ao.no_sasl_ir = in->no_sasl_ir || (a != NULL && a->sasl_ir == 0);
	st->ao.authzid = in->as;
	if (in->as != NULL && st->ao.mech != AUTH_AUTO &&
	    st->ao.mech != AUTH_PLAIN)
		return err_set(e, ERR_USAGE, "--as needs SASL PLAIN, not %s",
		    auth_mech_name(st->ao.mech));
	st->ao.host = st->so.host;
	st->ao.port = st->so.port;
	st->send_id = in->id || (a != NULL && a->id == 1);
	st->compress = in->no_compress ? 0 : a != NULL ? a->compress : -1;
	/* A tunnel's pipe is the channel its command secures (ssh). */
	st->cleartext_warning = st->so.tls == TLS_NONE && !in->allow_cleartext &&
	    !(a != NULL && a->allow_cleartext == 1) &&
	    st->so.tunnel == NULL && !loopback(st->so.host);
	return 0;
}

static int
run_cmd(struct settings *st, char *const argv[], const char *what,
    struct err *e)
{
	if (secret_run(&st->secret, argv, what, st->so.timeout_ms, e) < 0)
		return -1;
	st->have_secret = 1;
	return 0;
}

/* A command line of an option: run with /bin/sh. */
static int
run_shell(struct settings *st, const char *line, const char *what,
    struct err *e)
{
	char *argv[4];
	int r;

	argv[0] = xstrdup("/bin/sh");
	argv[1] = xstrdup("-c");
	argv[2] = xstrdup(line);
	argv[3] = NULL;
	r = run_cmd(st, argv, what, e);
	free(argv[0]);
	free(argv[1]);
	free(argv[2]);
	return r;
}

static int
run_account_cmd(struct settings *st, char **argv, const char *what,
    struct err *e)
{
	snprintf(st->secret_from, sizeof(st->secret_from), "the %s of "
	    "account '%s'", strcmp(what, "password command") == 0 ?
	    "password_cmd" : "oauth2_token_cmd", st->acct->name);
	if (run_cmd(st, argv, what, e) < 0) {
		err_prefix(e, "account '%s'", st->acct->name);
		return -1;
	}
	return 0;
}

/* ~/.netrc (or --netrc-file), which may also name the user. */
static int
from_netrc(struct settings *st, const struct settings_in *in, struct err *e)
{
	const char *home = env("HOME");
	char tmp[4096];
	const char *path = in->netrc_file;
	int r;

	if (path == NULL) {
		if (home == NULL)
			return 0;
		snprintf(tmp, sizeof(tmp), "%s/.netrc", home);
		path = tmp;
	}
	r = netrc_lookup(path, in->netrc_file != NULL, st->so.host,
	    st->ao.user, &st->netrc_login, &st->secret, e);
	if (r < 0)
		return -1;
	if (r > 0) {
		st->have_secret = 1;
		snprintf(st->secret_from, sizeof(st->secret_from), "%.200s",
		    path);
		if (st->ao.user == NULL)
			st->ao.user = st->netrc_login;
	}
	return 0;
}

/*
 * The secret. The environment's password is taken out of the environment
 * in any case, so no command we run inherits it. Without one, have_secret
 * stays 0 and the login says what is missing.
 */
int
settings_secret(struct settings *st, const struct settings_in *in,
    struct err *e)
{
	const struct account *a = st->acct;
	struct buf envpw;
	struct err envpw_err;
	int have_env, token;
	enum auth_mech m = st->ao.mech;

	st->have_secret = 0;
	st->refetchable = 1;
	buf_wipe(&st->secret);
	buf_init(&envpw, SECRET_MAX);
	err_clear(&envpw_err);
	/* Too long is an error only where it would be used. */
	have_env = secret_from_env(&envpw, "IMAPCTL_PASSWORD", &envpw_err);
	if (m != AUTH_AUTO)
		token = auth_mech_is_oauth(m);
	else
		token = in->token_cmd != NULL || (in->password_file == NULL &&
		    in->password_cmd == NULL && !have_env && a != NULL &&
		    a->token_cmd != NULL);
	st->ao.is_token = token;
	if (token) {
		buf_wipe(&envpw);
		if (in->token_cmd != NULL) {
			snprintf(st->secret_from, sizeof(st->secret_from),
			    "--oauth2-token-cmd");
			return run_shell(st, in->token_cmd,
			    "OAuth2 token command", e);
		}
		if (a != NULL && a->token_cmd != NULL)
			return run_account_cmd(st, a->token_cmd,
			    "OAuth2 token command", e);
		return err_set(e, ERR_CONFIG, "no OAuth2 token command given "
		    "(--oauth2-token-cmd or an account's oauth2_token_cmd)");
	}
	if (in->password_file != NULL || in->password_cmd != NULL) {
		buf_wipe(&envpw);
		if (in->password_file != NULL) {
			snprintf(st->secret_from, sizeof(st->secret_from),
			    "--password-file '%s'", in->password_file);
			if (secret_from_file(&st->secret, in->password_file,
			    e) < 0)
				return -1;
			st->have_secret = 1;
			return 0;
		}
		snprintf(st->secret_from, sizeof(st->secret_from),
		    "--password-cmd");
		return run_shell(st, in->password_cmd, "password command", e);
	}
	if (have_env < 0) {
		*e = envpw_err;
		return -1;
	}
	if (have_env) {
		buf_wipe(&st->secret);
		st->secret = envpw;
		st->have_secret = 1;
		st->refetchable = 0;
		/* A leftover one silently wins over the account's. */
		snprintf(st->secret_from, sizeof(st->secret_from),
		    "IMAPCTL_PASSWORD%s", a != NULL && a->password_cmd != NULL ?
		    ", which comes before the account's password_cmd" : "");
		return 0;
	}
	buf_wipe(&envpw);
	if (from_netrc(st, in, e) < 0)
		return -1;
	if (st->have_secret)
		return 0;
	if (a != NULL && a->password_cmd != NULL)
		return run_account_cmd(st, a->password_cmd,
		    "password command", e);
	return 0;
}

void
settings_proxy_wipe(struct settings *st)
{
	buf_wipe(&st->proxy_secret);
	st->proxy.password = NULL;
	st->proxy_secret_known = 0;
}

int
settings_proxy_secret(struct settings *st, const struct settings_in *in,
    struct err *e)
{
	const struct account *a = st->acct;
	const char *home = env("HOME"), *path = in->netrc_file;
	char tmp[4096], *login = NULL;
	int r = 0;

	if (st->so.proxy == NULL || st->proxy_secret_known)
		return 0;
	if (path == NULL && home != NULL) {
		snprintf(tmp, sizeof(tmp), "%s/.netrc", home);
		path = tmp;
	}
	if (path != NULL)
		r = netrc_lookup(path, in->netrc_file != NULL, st->proxy.host,
		    st->proxy.user, &login, &st->proxy_secret, e);
	if (r < 0)
		return -1;
	if (r > 0 && st->proxy.user == NULL)
		st->proxy.user = login;
	else
		free(login);
	if (r == 0 && a != NULL && a->proxy_password_cmd != NULL) {
		if (secret_run(&st->proxy_secret, a->proxy_password_cmd,
		    "proxy password command", st->so.timeout_ms, e) < 0) {
			err_prefix(e, "account '%s'", a->name);
			return -1;
		}
		r = 1;
	}
	st->proxy_secret_known = 1;
	st->proxy.password = r > 0 ? st->proxy_secret.s : NULL;
	return 0;
}

static void explain(struct err *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Append to e's message. */
static void
explain(struct err *e, const char *fmt, ...)
{
	size_t n = strlen(e->msg);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof(e->msg) - n, fmt, ap);
	va_end(ap);
}

void
settings_explain_connect(const struct settings *st, struct err *e)
{
	/* OpenSSL took the server's "* OK" greeting for a TLS record. */
	if (st->so.tls == TLS_IMPLICIT && e->kind == ERR_IO &&
	    strstr(e->msg, "wrong version number") != NULL)
		explain(e, "; the server at port %s speaks plain IMAP: use "
		    "imap:// or --tls starttls", st->so.port);
	/* A TLS server waits for our handshake, we for its greeting. */
	else if (st->so.tls != TLS_IMPLICIT && e->kind == ERR_TIMEOUT &&
	    st->so.tunnel == NULL && st->so.port != NULL &&
	    strcmp(st->so.port, "993") == 0 &&
	    strncmp(e->msg, "no greeting", 11) == 0)
		explain(e, "; port 993 speaks TLS from the start and sends no "
		    "greeting before the handshake: use imaps:// or --tls "
		    "implicit");
}

void
settings_explain_login(const struct settings *st, struct err *e)
{
	/*
	 * Only when the server refused the password: not for a token (the
	 * server's OAuth2 status says more), nor for imapctl's own
	 * objections to the server ("login failed: the server ...").
	 */
	if (e->kind != ERR_AUTH || st->ao.is_token ||
	    st->secret_from[0] == '\0' ||
	    strncmp(e->msg, "login failed: the server", 24) == 0)
		return;
	explain(e, " (the password came from %s)", st->secret_from);
}

int
settings_smtp_secret(struct settings *st, struct buf *out, int *have_r,
    struct err *e)
{
	const struct account *a = st->acct;

	*have_r = 0;
	if (a == NULL || a->smtp_password_cmd == NULL)
		return 0;
	if (secret_run(out, a->smtp_password_cmd, "SMTP password command",
	    st->so.timeout_ms, e) < 0) {
		err_prefix(e, "account '%s'", a->name);
		return -1;
	}
	*have_r = 1;
	return 0;
}
