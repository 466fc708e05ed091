/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "auth.h"
#include "b64.h"
#include "buf.h"
#include "choice.h"
#include "scram.h"
#include "xalloc.h"
#include "banned.h"

#define AUTH_MAX		65536	/* one SASL message, encoded */
#define AUTH_MAX_CHALLENGES	4	/* more means something is wrong */

/*
 * --auth and the account's auth: SASL mechanism names, which are
 * case-insensitive; auto, then the strongest first, as the error offers
 * them.
 */
static const struct choice mech_words[] = {
	{ "auto", AUTH_AUTO },
	{ "scram-sha-256", AUTH_SCRAM_SHA_256 },
	{ "scram-sha-1", AUTH_SCRAM_SHA_1 },
	{ "plain", AUTH_PLAIN },
	{ "login", AUTH_LOGIN },
	{ "xoauth2", AUTH_XOAUTH2 },
	{ "oauthbearer", AUTH_OAUTHBEARER },
	{ NULL, 0 }
};
const struct choices auth_mech_choices = { .v = mech_words,
    .flags = CHOICE_NOCASE };

/* As AUTHENTICATE and the capabilities spell them. */
static const char *const sasl_names[] = {
	NULL, "PLAIN", NULL, "SCRAM-SHA-256", "SCRAM-SHA-1", "XOAUTH2",
	"OAUTHBEARER"
};

const char *
auth_mech_name(enum auth_mech m)
{
	return choice_name(&auth_mech_choices, (int)m);
}

int
auth_mech_is_oauth(enum auth_mech m)
{
	return m == AUTH_XOAUTH2 || m == AUTH_OAUTHBEARER;
}

static int
offers(struct sess *s, enum auth_mech m)
{
	char cap[64];

	snprintf(cap, sizeof(cap), "AUTH=%s", sasl_names[m]);
	return sess_has_cap(s, cap);
}

/*
 * The strongest mechanism the server offers that the secret can serve:
 * for a token XOAUTH2, then OAUTHBEARER (Microsoft offers only the
 * first); for a password SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, then LOGIN.
 * AUTH_AUTO when nothing fits.
 */
enum auth_mech
auth_choose(struct sess *s, int is_token)
{
	static const enum auth_mech tok[] = { AUTH_XOAUTH2, AUTH_OAUTHBEARER };
	static const enum auth_mech pw[] = { AUTH_SCRAM_SHA_256,
	    AUTH_SCRAM_SHA_1, AUTH_PLAIN };
	size_t i;

	if (is_token) {
		for (i = 0; i < sizeof(tok) / sizeof(tok[0]); i++)
			if (offers(s, tok[i]))
				return tok[i];
		return AUTH_AUTO;
	}
	for (i = 0; i < sizeof(pw) / sizeof(pw[0]); i++)
		if (offers(s, pw[i]))
			return pw[i];
	return sess_has_cap(s, "LOGINDISABLED") ? AUTH_AUTO : AUTH_LOGIN;
}

/* One AUTHENTICATE exchange in progress. */
struct sasl {
	enum auth_mech		 m;
	const struct auth_opts	*o;
	struct buf		 ir;		/* initial response, encoded */
	int			 ir_pending;	/* not sent yet: no SASL-IR */
	int			 challenges;
	int			 failed;	/* we cancelled; why in err */
	/*
	 * Commands follow the login before its answer (auth_login_start):
	 * SCRAM's last two responses are queued with them, the empty one
	 * before the server's final message, which is then only checked.
	 */
	int			 ahead;
	int			 final_queued;
	struct err		 err;
	struct scram		 scram;
	char			 oauth_status[64];
};

/* A SASL response in base64: sent now, or queued for the next write. */
static int
put_b64(struct sess *s, const void *p, size_t n, int now, struct err *e)
{
	struct buf enc;
	int r;

	buf_init(&enc, AUTH_MAX);
	if (b64_encode(&enc, p, n) < 0) {
		buf_wipe(&enc);
		return err_set(e, ERR_CONFIG, "SASL response too long");
	}
	r = now ? sess_send_line(s, enc.s, enc.len, 1, e) :
	    sess_queue_line(s, enc.s, enc.len, 1, e);
	buf_wipe(&enc);
	return r;
}

/* A failed step: remember why and cancel the exchange with "*". */
static int
cancel(struct sasl *x, struct sess *s, struct err *e)
{
	x->failed = 1;
	return sess_send_line(s, "*", 1, 0, e);
}

/* An OAuth2 error challenge (RFC 7628 3.2.2): keep its status. */
static void
oauth_error(struct sasl *x, const char *p, size_t n)
{
	json_error_t jerr;
	json_t *j, *st;
	size_t i;

	j = json_loadb(p, n, 0, &jerr);
	if (j == NULL)
		return;
	st = json_object_get(j, "status");
	if (json_is_string(st))
		snprintf(x->oauth_status, sizeof(x->oauth_status), "%s",
		    json_string_value(st));
	else if (json_is_integer(st))
		snprintf(x->oauth_status, sizeof(x->oauth_status), "%lld",
		    (long long)json_integer_value(st));
	json_decref(j);
	for (i = 0; x->oauth_status[i] != '\0'; i++)
		if ((unsigned char)x->oauth_status[i] < 0x20 ||
		    (unsigned char)x->oauth_status[i] >= 0x7f)
			x->oauth_status[i] = '?';
}

/* A "+ ..." from the server during AUTHENTICATE. */
static int
sasl_cont(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct sasl *x = ctx;
	struct buf ch, out;
	const char *text = r->text ? r->text : "";
	size_t n = strlen(text);
	int rc;

	if (x->failed)
		return x->final_queued ? 0 : sess_send_line(s, "*", 1, 0, e);
	if (x->ir_pending) {
		/* The server asks for the initial response. */
		x->ir_pending = 0;
		return sess_send_line(s, x->ir.s, x->ir.len, 1, e);
	}
	if (++x->challenges > AUTH_MAX_CHALLENGES) {
		err_set(&x->err, ERR_PROTOCOL, "the server sent more SASL "
		    "challenges than %s needs", sasl_names[x->m]);
		return cancel(x, s, e);
	}
	buf_init(&ch, AUTH_MAX);
	if (n > AUTH_MAX || b64_decode(&ch, text, n) < 0) {
		buf_free(&ch);
		err_set(&x->err, ERR_PROTOCOL, "the server sent a SASL "
		    "challenge that is not base64");
		return cancel(x, s, e);
	}
	rc = 0;
	switch (x->m) {
	case AUTH_XOAUTH2:
		/* The error challenge; an empty response gets the NO. */
		oauth_error(x, ch.s, ch.len);
		rc = sess_send_line(s, "", 0, 0, e);
		break;
	case AUTH_OAUTHBEARER:
		/* RFC 7628 3.2.3: the response to an error is ^A. */
		oauth_error(x, ch.s, ch.len);
		rc = put_b64(s, "\001", 1, 1, e);
		break;
	case AUTH_SCRAM_SHA_256:
	case AUTH_SCRAM_SHA_1:
		if (x->challenges == 1) {
			buf_init(&out, AUTH_MAX);
			if (scram_client_final(&x->scram, ch.s, ch.len, &out,
			    &x->err) < 0)
				rc = cancel(x, s, e);
			else if (x->ahead) {
				/* With what follows: see struct sasl. */
				rc = put_b64(s, out.s, out.len, 0, e);
				if (rc == 0)
					rc = sess_queue_line(s, "", 0, 0, e);
				x->final_queued = 1;
			} else
				rc = put_b64(s, out.s, out.len, 1, e);
			buf_wipe(&out);
		} else if (x->final_queued) {
			/*
			 * The empty response is sent: only check. A server
			 * that cannot prove it knows the password has its
			 * OK refused (sasl_end), whatever it answered.
			 */
			if (x->challenges > 2 || scram_verify(&x->scram, ch.s,
			    ch.len, &x->err) < 0) {
				if (x->err.kind == ERR_NONE)
					err_set(&x->err, ERR_PROTOCOL, "the "
					    "server sent more SASL challenges "
					    "than %s needs", sasl_names[x->m]);
				x->failed = 1;
			}
		} else if (scram_verify(&x->scram, ch.s, ch.len,
		    &x->err) < 0)
			rc = cancel(x, s, e);
		else
			rc = sess_send_line(s, "", 0, 0, e);
		break;
	default:
		/* A single-step mechanism: a challenge means failure. */
		rc = sess_send_line(s, "*", 1, 0, e);
		break;
	}
	buf_wipe(&ch);
	return rc;
}

int
auth_first_message(enum auth_mech m, const struct auth_opts *o,
    struct scram *sc, struct buf *raw, struct err *e)
{
	const char *p;
	int r = 0;

	switch (m) {
	case AUTH_PLAIN:
		/* RFC 4616: authzid NUL authcid NUL passwd. */
		r = (o->authzid != NULL && buf_adds(raw, o->authzid) < 0) ||
		    buf_addc(raw, '\0') < 0 || buf_adds(raw, o->user) < 0 ||
		    buf_addc(raw, '\0') < 0 || buf_adds(raw, o->secret) < 0;
		break;
	case AUTH_XOAUTH2:
		r = buf_addf(raw, "user=%s\001auth=Bearer %s\001\001", o->user,
		    o->secret) < 0;
		break;
	case AUTH_OAUTHBEARER:
		/* The GS2 header's authzid escapes ',' and '='. */
		r = buf_adds(raw, "n,a=") < 0;
		for (p = o->user; *p != '\0' && !r; p++)
			r = *p == ',' ? buf_adds(raw, "=2C") < 0 :
			    *p == '=' ? buf_adds(raw, "=3D") < 0 :
			    buf_addc(raw, *p) < 0;
		if (!r)
			r = buf_addf(raw, ",\001host=%s\001port=%s\001auth="
			    "Bearer %s\001\001", o->host ? o->host : "",
			    o->port ? o->port : "", o->secret) < 0;
		break;
	case AUTH_SCRAM_SHA_256:
	case AUTH_SCRAM_SHA_1:
		if (scram_init(sc, m == AUTH_SCRAM_SHA_1 ? SCRAM_SHA_1 :
		    SCRAM_SHA_256, o->user, o->secret, NULL, e) < 0 ||
		    scram_client_first(sc, raw, e) < 0)
			return -1;
		break;
	default:
		return err_set(e, ERR_INTERNAL, "not a SASL mechanism");
	}
	return r ? err_set(e, ERR_CONFIG, "user name or secret too long") : 0;
}

static int
login_error(const struct sess_reply *rep, struct err *e)
{
	sess_reply_check(rep, e);
	if (e->kind == ERR_UNAVAILABLE &&
	    strcasecmp(rep->code, "UNAVAILABLE") != 0)
		e->kind = ERR_AUTH;
	if (e->kind == ERR_PROTOCOL && rep->status == IMAP_ST_BAD)
		e->kind = ERR_AUTH;
	err_prefix(e, "login failed");
	return -1;
}

/* A login by AUTHENTICATE on its way. */
struct auth_pending {
	struct sess		*s;
	struct sess_pipe	*p;	/* the login's, open until the end */
	struct sasl		 x;
	struct sess_reply	 rep;
	/* Tries before this one (--retry); where a refusal goes, or NULL. */
	unsigned		 retried;
	struct sess_reply	*last;
};

/*
 * Send AUTHENTICATE (into *a_r, which sasl_end frees on every path), with
 * the initial response in it (ir: SASL-IR) or after the first "+". With
 * assume (see auth_login_start), nothing is written yet but what SCRAM's
 * first challenge needs; the capabilities are guessed from assume.
 */
static int
sasl_begin(struct sess *s, enum auth_mech m, const struct auth_opts *o,
    int ir, const char *assume, struct auth_pending **a_r, struct err *e)
{
	struct auth_pending *a = xcalloc(1, sizeof(*a));
	struct sasl *x = &a->x;
	struct sess_scope sc;
	struct buf raw;
	int r;

	*a_r = a;
	a->s = s;
	a->rep.status = IMAP_ST_NONE;
	x->m = m;
	x->o = o;
	x->ahead = assume != NULL;
	err_clear(&x->err);
	buf_init(&x->ir, AUTH_MAX);
	buf_init(&raw, AUTH_MAX);
	if (auth_first_message(x->m, x->o, &x->scram, &raw, e) < 0 ||
	    b64_encode(&x->ir, raw.s, raw.len) < 0) {
		buf_wipe(&raw);
		if (e->kind == ERR_NONE)
			err_set(e, ERR_CONFIG, "user name or secret too long");
		return -1;
	}
	buf_wipe(&raw);
	memset(&sc, 0, sizeof(sc));
	sc.cont = sasl_cont;
	sc.ctx = x;
	a->p = sess_pipe_begin(s, &sc, 0);
	if (ir)
		r = sess_pipe_send(a->p, sess_done_login, &a->rep, e,
		    "AUTHENTICATE %s %PA", sasl_names[m],
		    x->ir.len ? x->ir.s : "=");
	else {
		x->ir_pending = 1;
		r = sess_pipe_send(a->p, sess_done_login, &a->rep, e,
		    "AUTHENTICATE %s", sasl_names[m]);
	}
	/* Capabilities change with login; the OK usually lists the new ones. */
	if (r == 0 && assume != NULL)
		sess_guess_caps(s, assume);
	else if (r == 0)
		sess_forget_caps(s);
	/* SCRAM: its first challenge, to queue the last two responses. */
	while (r == 0 && x->ahead && (m == AUTH_SCRAM_SHA_256 ||
	    m == AUTH_SCRAM_SHA_1) && !x->final_queued && !x->failed &&
	    sess_pipe_inflight(a->p) > 0)
		r = sess_pipe_read(a->p, e);
	return r;
}

/*
 * Wait for the answer (r: what sending said), end the pipeline and free
 * a. A refused login is the error, before whatever failed after it.
 */
static int
sasl_end(struct auth_pending *a, int r, struct err *e)
{
	struct sess *s = a->s;
	struct sasl *x = &a->x;
	enum auth_mech m = x->m;
	size_t n;

	if (a->p != NULL)
		r = sess_pipe_end(a->p, r, e);
	if (x->failed) {
		*e = x->err;
		if (e->kind == ERR_NONE)
			err_set(e, ERR_AUTH, "authentication cancelled");
		err_prefix(e, "login failed");
		r = -1;
		goto done;
	}
	if (a->rep.status != IMAP_ST_NONE && a->rep.status != IMAP_ST_OK) {
		a->rep.retried += a->retried;
		if (a->last != NULL) {
			*a->last = a->rep;
			a->last->resp = NULL;
		}
		login_error(&a->rep, e);
		if (x->oauth_status[0] != '\0' &&
		    (n = strlen(e->msg)) + 40 < sizeof(e->msg))
			snprintf(e->msg + n, sizeof(e->msg) - n,
			    " (OAuth2 status '%s')", x->oauth_status);
		r = -1;
		goto done;
	}
	if (r < 0)
		goto done;
	r = -1;
	if ((m == AUTH_SCRAM_SHA_256 || m == AUTH_SCRAM_SHA_1) &&
	    !scram_verified(&x->scram)) {
		err_set(e, ERR_AUTH, "login failed: the server accepted SCRAM "
		    "without proving that it knows the password");
		goto done;
	}
	r = sess_logged_in(s, e);
done:
	if (m == AUTH_SCRAM_SHA_256 || m == AUTH_SCRAM_SHA_1)
		scram_free(&x->scram);
	buf_wipe(&x->ir);
	free(a);
	return r;
}

/*
 * AUTHENTICATE, waited for. One refused for now (--retry) after the
 * server's "+" were answered cannot be sent again as it was: the exchange
 * starts over, new nonces and all, after the back-off (sess.h). Only what
 * throttle.h reads as "not now" is tried again, never a refused password
 * or token, so that a retry cannot count as one more failed login where
 * accounts are locked after a few.
 */
static int
sasl_login(struct sess *s, enum auth_mech m, const struct auth_opts *o,
    struct err *e)
{
	struct auth_pending *a;
	struct sess_reply last;
	struct err we;
	unsigned retried = 0;
	int ir = !o->no_sasl_ir && sess_has_cap(s, "SASL-IR"), r;

	for (;;) {
		memset(&last, 0, sizeof(last));
		last.status = IMAP_ST_NONE;
		r = sasl_begin(s, m, o, ir, NULL, &a, e);
		a->retried = retried;
		a->last = &last;
		if (sasl_end(a, r, e) == 0)
			return 0;
		retried = last.retried;
		if ((r = sess_retry_pause(s, &last, &retried, &we)) <= 0) {
			if (r < 0)
				*e = we;
			return -1;
		}
	}
}

static int
login_cmd(struct sess *s, const struct auth_opts *o, struct err *e)
{
	struct sess_reply rep;
	struct sess_pipe *p;
	int r;

	if (sess_has_cap(s, "LOGINDISABLED"))
		return err_set(e, ERR_AUTH, "login failed: the server "
		    "disables LOGIN on this connection (LOGINDISABLED)");
	p = sess_pipe_begin(s, NULL, 0);
	r = sess_pipe_send(p, sess_done_login, &rep, e, "LOGIN %A %PA",
	    o->user, o->secret);
	if (r == 0)
		sess_forget_caps(s);
	if (sess_pipe_end(p, r, e) < 0)
		return -1;
	if (rep.status != IMAP_ST_OK)
		return login_error(&rep, e);
	return sess_logged_in(s, e);
}

/* A token goes into a SASL message between ^A separators: keep it plain. */
static int
check_token(const char *t, struct err *e)
{
	for (; *t != '\0'; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return err_set(e, ERR_CONFIG, "the OAuth2 token holds "
			    "spaces or control characters");
	return 0;
}

/* The mechanism for o on this server, into *m_r: 0, or -1. */
static int
login_mech(struct sess *s, const struct auth_opts *o, enum auth_mech *m_r,
    struct err *e)
{
	enum auth_mech m = o->mech;

	if (o->user == NULL || o->user[0] == '\0')
		return err_set(e, ERR_CONFIG, "no user name given "
		    "(--user, --url, IMAPCTL_USER, an account or ~/.netrc)");
	if (o->secret == NULL)
		return err_set(e, ERR_CONFIG, "no password given "
		    "(--password-file, --password-cmd, IMAPCTL_PASSWORD, "
		    "~/.netrc or an account's password_cmd)");
	/* Only PLAIN carries another user's name to act as. */
	if (o->authzid != NULL && m == AUTH_AUTO && !o->is_token)
		m = AUTH_PLAIN;
	if (o->authzid != NULL && m != AUTH_PLAIN)
		return err_set(e, ERR_USAGE, "--as needs SASL PLAIN, not %s",
		    o->is_token ? "an OAuth2 token" : auth_mech_name(m));
	if (m == AUTH_AUTO && (m = auth_choose(s, o->is_token)) == AUTH_AUTO)
		return err_set(e, ERR_AUTH, "login failed: %s",
		    o->is_token ? "the server offers neither XOAUTH2 nor "
		    "OAUTHBEARER" : "the server disables LOGIN on this "
		    "connection (LOGINDISABLED) and offers no mechanism for "
		    "a password");
	if (auth_mech_is_oauth(m) != (o->is_token != 0))
		return err_set(e, ERR_CONFIG, "authentication mechanism '%s' "
		    "needs %s", auth_mech_name(m), o->is_token ? "a password, "
		    "not an OAuth2 token" : "an OAuth2 token command "
		    "(--oauth2-token-cmd)");
	if (o->is_token && check_token(o->secret, e) < 0)
		return -1;
	/* Both OAuth2 messages separate their fields with ^A. */
	if (auth_mech_is_oauth(m) && strchr(o->user, '\001') != NULL)
		return err_set(e, ERR_CONFIG, "a control character in the user "
		    "name");
	*m_r = m;
	return 0;
}

int
auth_login(struct sess *s, const struct auth_opts *o, struct err *e)
{
	enum auth_mech m;

	if (sess_state(s) == SESS_AUTHENTICATED)
		return 0;	/* PREAUTH */
	if (login_mech(s, o, &m, e) < 0)
		return -1;
	if (m == AUTH_LOGIN)
		return login_cmd(s, o, e);
	return sasl_login(s, m, o, e);
}

int
auth_login_start(struct sess *s, const struct auth_opts *o,
    const char *assume, struct auth_pending **a_r, struct err *e)
{
	struct auth_pending *a;
	enum auth_mech m;
	int r;

	*a_r = NULL;
	if (sess_state(s) == SESS_AUTHENTICATED)
		return 0;	/* PREAUTH */
	if (login_mech(s, o, &m, e) < 0)
		return -1;
	/*
	 * Only where nothing comes between the login and what follows it
	 * that the server would read as a SASL response: an initial
	 * response, and a mechanism that fails with a NO, not with a
	 * challenge (as OAuth2's do).
	 */
	if (o->no_sasl_ir || !sess_has_cap(s, "SASL-IR") ||
	    (m != AUTH_PLAIN && m != AUTH_SCRAM_SHA_256 &&
	    m != AUTH_SCRAM_SHA_1))
		return m == AUTH_LOGIN ? login_cmd(s, o, e) :
		    sasl_login(s, m, o, e);
	if ((r = sasl_begin(s, m, o, 1, assume, &a, e)) < 0 || a->x.failed ||
	    sess_pipe_inflight(a->p) == 0)
		/* Failed, or answered already: that is the login's end. */
		return sasl_end(a, r, e);
	*a_r = a;
	return 1;
}

int
auth_login_finish(struct auth_pending *a, struct err *e)
{
	return sasl_end(a, 0, e);
}
