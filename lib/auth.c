#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth.h"
#include "buf.h"
#include "xalloc.h"

#define AUTH_MAX	16384

static const char *const mech_names[] = {
	"auto", "plain", "login", "scram-sha-256", "scram-sha-1", "xoauth2",
	"oauthbearer"
};

int
auth_mech_parse(const char *s, enum auth_mech *m_r)
{
	size_t i;

	for (i = 0; i < sizeof(mech_names) / sizeof(mech_names[0]); i++)
		if (strcasecmp(s, mech_names[i]) == 0) {
			*m_r = (enum auth_mech)i;
			return 0;
		}
	return -1;
}

const char *
auth_mech_name(enum auth_mech m)
{
	return mech_names[m];
}

static int
b64_encode(struct buf *out, const void *p, size_t n)
{
	size_t need = 4 * ((n + 2) / 3);

	if (n > AUTH_MAX || buf_grow(out, need) < 0)
		return -1;
	EVP_EncodeBlock((unsigned char *)out->s + out->len, p, (int)n);
	out->len += need;
	out->s[out->len] = '\0';
	return 0;
}

/* The one response of a single-step mechanism, for a "+" without SASL-IR. */
struct one_step {
	const char	*resp;
	int		 sent;
};

static int
send_step(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct one_step *st = ctx;

	(void)r;
	if (st->sent)
		/* A second challenge means failure: cancel the exchange. */
		return sess_send_line(s, "*", 1, 0, e);
	st->sent = 1;
	return sess_send_line(s, st->resp, strlen(st->resp), 1, e);
}

static int
login_error(struct sess_cmd *cmd, struct err *e)
{
	sess_cmd_check(cmd, e);
	if (e->kind == ERR_UNAVAILABLE &&
	    strcasecmp(cmd->code, "UNAVAILABLE") != 0)
		e->kind = ERR_AUTH;
	if (e->kind == ERR_PROTOCOL && cmd->status == IMAP_ST_BAD)
		e->kind = ERR_AUTH;
	err_prefix(e, "login failed");
	return -1;
}

static int
finish(struct sess *s, struct sess_cmd *cmd, struct err *e)
{
	/* Capabilities change with login; the OK usually lists the new ones. */
	sess_forget_caps(s);
	if (sess_wait(s, cmd, e) < 0)
		return -1;
	sess_set_cont(s, NULL, NULL);
	if (cmd->status != IMAP_ST_OK)
		return login_error(cmd, e);
	sess_set_state(s, SESS_AUTHENTICATED);
	return 0;
}

/* A single-step SASL mechanism: one client response, initial if we may. */
static int
sasl_one(struct sess *s, const char *mech, const char *resp,
    const struct auth_opts *o, struct err *e)
{
	struct sess_cmd cmd;
	struct one_step st = { resp, 0 };
	int r;

	memset(&cmd, 0, sizeof(cmd));
	if (!o->no_sasl_ir && sess_has_cap(s, "SASL-IR")) {
		st.sent = 1;
		sess_set_cont(s, send_step, &st);
		r = sess_send(s, &cmd, e, "AUTHENTICATE %s %PA", mech,
		    resp[0] ? resp : "=");
	} else {
		sess_set_cont(s, send_step, &st);
		r = sess_send(s, &cmd, e, "AUTHENTICATE %s", mech);
	}
	if (r < 0) {
		sess_set_cont(s, NULL, NULL);
		return -1;
	}
	r = finish(s, &cmd, e);
	sess_set_cont(s, NULL, NULL);
	return r;
}

static int
auth_plain(struct sess *s, const struct auth_opts *o, struct err *e)
{
	struct buf raw, enc;
	int r;

	buf_init(&raw, AUTH_MAX);
	buf_init(&enc, AUTH_MAX * 2);
	if (buf_addc(&raw, '\0') < 0 || buf_adds(&raw, o->user) < 0 ||
	    buf_addc(&raw, '\0') < 0 || buf_adds(&raw, o->secret) < 0 ||
	    b64_encode(&enc, raw.s, raw.len) < 0) {
		buf_wipe(&raw);
		return err_set(e, ERR_CONFIG, "user name or password too long");
	}
	buf_wipe(&raw);
	r = sasl_one(s, "PLAIN", enc.s, o, e);
	buf_wipe(&enc);
	return r;
}

static int
auth_cmd_login(struct sess *s, const struct auth_opts *o, struct err *e)
{
	struct sess_cmd cmd;

	if (sess_has_cap(s, "LOGINDISABLED"))
		return err_set(e, ERR_AUTH, "login failed: the server "
		    "disables LOGIN on this connection (LOGINDISABLED)");
	memset(&cmd, 0, sizeof(cmd));
	if (sess_send(s, &cmd, e, "LOGIN %A %PA", o->user, o->secret) < 0)
		return -1;
	return finish(s, &cmd, e);
}

int
auth_login(struct sess *s, const struct auth_opts *o, struct err *e)
{
	enum auth_mech m = o->mech;
	int r;

	if (sess_state(s) == SESS_AUTHENTICATED)
		return 0;	/* PREAUTH */
	if (o->user == NULL || o->user[0] == '\0')
		return err_set(e, ERR_CONFIG, "no user name given "
		    "(--user, --url or IMAPCTL_USER)");
	if (o->secret == NULL)
		return err_set(e, ERR_CONFIG, "no password given "
		    "(--password-file, --password-cmd or IMAPCTL_PASSWORD)");
	if (m == AUTH_AUTO)
		m = sess_has_cap(s, "AUTH=PLAIN") ? AUTH_PLAIN : AUTH_LOGIN;
	switch (m) {
	case AUTH_PLAIN:
		r = auth_plain(s, o, e);
		break;
	case AUTH_LOGIN:
		r = auth_cmd_login(s, o, e);
		break;
	default:
		return err_set(e, ERR_CONFIG, "authentication mechanism '%s' "
		    "is not supported yet", auth_mech_name(m));
	}
	return r;
}
