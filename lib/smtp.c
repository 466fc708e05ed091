/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "b64.h"
#include "buf.h"
#include "scram.h"
#include "smtp.h"
#include "url.h"
#include "utf8.h"
#include "xalloc.h"
#include "banned.h"

#define SMTP_MAX_SASL		16384	/* one SASL message, encoded */
#define SMTP_MAX_CHALLENGES	4	/* more means something is wrong */

struct smtp {
	const struct smtp_opts	*o;
	struct conn		*c;
	struct buf		 in;		/* read, not yet taken */
	/* The last reply: its code and its lines' text, joined. */
	int			 code;
	struct buf		 text;
	/* EHLO's answer. */
	int			 starttls;
	char			 auth[512];	/* " PLAIN LOGIN ... " */
};

/* The three digits of a reply line's code, checked to be digits. */
static int
reply_code(const char *p)
{
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
trace(struct smtp *s, const char *dir, const char *p, size_t n)
{
	struct buf b;

	if (s->o->trace == NULL)
		return;
	/* A line longer than SMTP_MAX_LINE is cut: it is a trace. */
	buf_init(&b, SMTP_MAX_LINE * 4 + 16);
	buf_putf(&b, "SMTP %s: ", dir);
	if (utf8_add_inert(&b, p, n) < 0)
		b.cut = 1;
	buf_putc(&b, '\n');
	fwrite(b.s, 1, b.len, s->o->trace);
	if (b.cut)
		fputs("...\n", s->o->trace);
	buf_free(&b);
}

/* A command line: CRLF added; secret ones are not traced. */
static int
send_line(struct smtp *s, const char *p, size_t n, int secret, struct err *e)
{
	struct buf line;
	int r;

	if (secret)
		trace(s, "C", "<redacted>", 10);
	else
		trace(s, "C", p, n);
	buf_init(&line, n + 3);
	if (buf_add(&line, p, n) < 0 || buf_adds(&line, "\r\n") < 0)
		r = err_set(e, ERR_INTERNAL, "SMTP command too long");
	else
		r = conn_write(s->c, line.s, line.len, e);
	if (secret)
		buf_wipe(&line);
	else
		buf_free(&line);
	return r;
}

static int
sendf(struct smtp *s, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
sendf(struct smtp *s, struct err *e, const char *fmt, ...)
{
	struct buf line;
	va_list ap;
	int r;

	buf_init(&line, SMTP_MAX_LINE);
	va_start(ap, fmt);
	r = buf_vaddf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		r = err_set(e, ERR_INTERNAL, "SMTP command too long");
	else
		r = send_line(s, line.s, line.len, 0, e);
	buf_free(&line);
	return r;
}

/* One line from the server, without its CRLF, into line. */
static int
read_line(struct smtp *s, struct buf *line, struct err *e)
{
	char tmp[4096];
	char *nl;
	ssize_t n;
	size_t len;

	for (;;) {
		nl = s->in.len ? memchr(s->in.s, '\n', s->in.len) : NULL;
		if (nl != NULL)
			break;
		if (s->in.len > SMTP_MAX_LINE)
			return err_set(e, ERR_PROTOCOL, "SMTP server sent a "
			    "line longer than %d bytes", SMTP_MAX_LINE);
		if ((n = conn_read(s->c, tmp, sizeof(tmp), e)) < 0)
			return -1;
		if (buf_add(&s->in, tmp, (size_t)n) < 0)
			return err_set(e, ERR_PROTOCOL, "SMTP server sent a "
			    "line longer than %d bytes", SMTP_MAX_LINE);
	}
	len = (size_t)(nl - s->in.s);
	buf_reset(line);
	/* The last read may have brought a line past the ceiling. */
	if (buf_add(line, s->in.s, len > 0 && s->in.s[len - 1] == '\r' ?
	    len - 1 : len) < 0)
		return err_set(e, ERR_PROTOCOL, "SMTP server sent a line "
		    "longer than %d bytes", SMTP_MAX_LINE);
	buf_consume(&s->in, len + 1);
	return 0;
}

/*
 * A reply: "250-first", ..., "250 last". The code in s->code, the text of
 * its lines (without code) in s->text, one a line. ehlo: note the
 * extensions on the way.
 */
static int
read_reply(struct smtp *s, int ehlo, struct err *e)
{
	struct buf line;
	const char *t;
	int code = 0, lines = 0, r = -1;

	buf_init(&line, SMTP_MAX_LINE + 1);
	buf_reset(&s->text);
	for (;;) {
		if (read_line(s, &line, e) < 0)
			goto done;
		trace(s, "S", line.s, line.len);
		if (line.len < 3 || !digit(line.s[0]) ||
		    !digit(line.s[1]) ||
		    !digit(line.s[2]) ||
		    (line.len > 3 && line.s[3] != ' ' && line.s[3] != '-') ||
		    (code != 0 && reply_code(line.s) != code)) {
			err_set(e, ERR_PROTOCOL, "SMTP server sent a reply "
			    "that does not parse");
			goto done;
		}
		code = reply_code(line.s);
		t = line.len > 4 ? line.s + 4 : "";
		/* The text, for messages: cut at its ceiling. */
		if (s->text.len > 0)
			buf_putc(&s->text, '\n');
		buf_puts(&s->text, t);
		if (ehlo && lines > 0) {
			if (strcasecmp(t, "STARTTLS") == 0)
				s->starttls = 1;
			else if (strncasecmp(t, "AUTH ", 5) == 0 ||
			    strncasecmp(t, "AUTH=", 5) == 0)
				snprintf(s->auth, sizeof(s->auth), " %s ",
				    t + 5);
		}
		if (++lines > SMTP_MAX_LINES) {
			err_set(e, ERR_PROTOCOL, "SMTP server sent a reply of "
			    "more than %d lines", SMTP_MAX_LINES);
			goto done;
		}
		if (line.len == 3 || line.s[3] == ' ')
			break;
	}
	s->code = code;
	r = 0;
done:
	buf_free(&line);
	return r;
}

/* The reply's text on one line, for a message. */
static const char *
reply_text(struct smtp *s)
{
	size_t i;

	for (i = 0; i < s->text.len; i++)
		if (s->text.s[i] == '\n')
			s->text.s[i] = ' ';
	return s->text.s;
}

/* A reply other than the one wanted: refused, with what the server said. */
static int
refused(struct smtp *s, enum err_kind kind, const char *what, struct err *e)
{
	return err_set(e, kind, "%s: %d %s", what, s->code, reply_text(s));
}

static int
command(struct smtp *s, int want, const char *what, struct err *e,
    const char *fmt, const char *arg)
{
	if (sendf(s, e, fmt, arg) < 0 || read_reply(s, 0, e) < 0)
		return -1;
	if (s->code != want)
		return refused(s, ERR_UNAVAILABLE, what, e);
	return 0;
}

static int
ehlo(struct smtp *s, struct err *e)
{
	s->starttls = 0;
	s->auth[0] = '\0';
	if (sendf(s, e, "EHLO %s", s->o->helo) < 0 || read_reply(s, 1, e) < 0)
		return -1;
	if (s->code != 250)
		return refused(s, ERR_UNAVAILABLE, "SMTP server refused EHLO",
		    e);
	return 0;
}

static int
offers(const struct smtp *s, const char *mech)
{
	char w[64];
	size_t n;
	const char *p;

	snprintf(w, sizeof(w), " %s ", mech);
	n = strlen(w);
	for (p = s->auth; *p != '\0'; p++)
		if (strncasecmp(p, w, n) == 0)
			return 1;
	return 0;
}

static const char *
mech_word(enum auth_mech m)
{
	switch (m) {
	case AUTH_PLAIN:		return "PLAIN";
	case AUTH_LOGIN:		return "LOGIN";
	case AUTH_SCRAM_SHA_256:	return "SCRAM-SHA-256";
	case AUTH_SCRAM_SHA_1:		return "SCRAM-SHA-1";
	case AUTH_XOAUTH2:		return "XOAUTH2";
	case AUTH_OAUTHBEARER:		return "OAUTHBEARER";
	default:			return "NONE";
	}
}

/* The strongest mechanism offered that the secret serves, as auth.c. */
static enum auth_mech
choose(const struct smtp *s)
{
	static const enum auth_mech tok[] = { AUTH_XOAUTH2, AUTH_OAUTHBEARER };
	static const enum auth_mech pw[] = { AUTH_SCRAM_SHA_256,
	    AUTH_SCRAM_SHA_1, AUTH_PLAIN, AUTH_LOGIN };
	const enum auth_mech *v = s->o->is_token ? tok : pw;
	size_t i, n = s->o->is_token ? 2 : 4;

	if (s->o->mech != AUTH_AUTO)
		return offers(s, mech_word(s->o->mech)) ? s->o->mech :
		    AUTH_AUTO;
	for (i = 0; i < n; i++)
		if (offers(s, mech_word(v[i])))
			return v[i];
	return AUTH_AUTO;
}

/* raw, base64-encoded, as one line (secret). prefix: "AUTH MECH " or "". */
static int
send_b64(struct smtp *s, const char *prefix, const void *raw, size_t n,
    struct err *e)
{
	struct buf line;
	int r;

	buf_init(&line, SMTP_MAX_SASL);
	if (buf_adds(&line, prefix) < 0 ||
	    (n > 0 && b64_encode(&line, raw, n) < 0) ||
	    (n == 0 && prefix[0] != '\0' && buf_addc(&line, '=') < 0)) {
		buf_wipe(&line);
		return err_set(e, ERR_CONFIG, "user name or secret too long");
	}
	if (prefix[0] != '\0' && s->o->trace != NULL) {
		/* The mechanism shows; what follows it does not. */
		char shown[80];

		snprintf(shown, sizeof(shown), "%s<redacted>", prefix);
		trace(s, "C", shown, strlen(shown));
		r = buf_adds(&line, "\r\n") < 0 ? err_set(e, ERR_CONFIG,
		    "user name or secret too long") :
		    conn_write(s->c, line.s, line.len, e);
	} else
		r = send_line(s, line.s, line.len, 1, e);
	buf_wipe(&line);
	return r;
}

/* A 334 challenge, decoded. */
static int
challenge(struct smtp *s, struct buf *out, struct err *e)
{
	if (b64_decode(out, s->text.s, s->text.len) < 0)
		return err_set(e, ERR_PROTOCOL, "SMTP server sent a SASL "
		    "challenge that is not base64");
	return 0;
}

static int
login_failed(struct smtp *s, struct err *e)
{
	return refused(s, s->code == 454 || s->code / 100 == 4 ?
	    ERR_UNAVAILABLE : ERR_AUTH, "SMTP login failed", e);
}

/* The first message, as IMAP's login makes it (no authorization id). */
static int
first_message(const struct smtp_opts *o, enum auth_mech m, struct scram *sc,
    struct buf *raw, struct err *e)
{
	struct auth_opts ao;

	memset(&ao, 0, sizeof(ao));
	ao.user = o->user;
	ao.secret = o->secret;
	ao.host = o->host;
	ao.port = o->port;
	return auth_first_message(m, &ao, sc, raw, e);
}

/* AUTH with mechanism m, to its end: 235, or the error. */
static int
sasl(struct smtp *s, enum auth_mech m, struct err *e)
{
	const struct smtp_opts *o = s->o;
	struct scram sc;
	struct buf raw, ch, out;
	struct err ch_err;
	char prefix[64];
	int r = -1, steps = 0, verified = 0;

	memset(&sc, 0, sizeof(sc));
	buf_init(&raw, SMTP_MAX_SASL);
	buf_init(&ch, SMTP_MAX_SASL);
	buf_init(&out, SMTP_MAX_SASL);
	snprintf(prefix, sizeof(prefix), "AUTH %s ", mech_word(m));
	if (m == AUTH_LOGIN) {
		/* No initial response: user and password when asked. */
		if (sendf(s, e, "AUTH LOGIN") < 0)
			goto done;
	} else if (first_message(o, m, &sc, &raw, e) < 0 ||
	    send_b64(s, prefix, raw.s, raw.len, e) < 0)
		goto done;
	for (;;) {
		if (read_reply(s, 0, e) < 0)
			goto done;
		if (s->code != 334)
			break;
		if (++steps > SMTP_MAX_CHALLENGES) {
			err_set(e, ERR_PROTOCOL, "SMTP login: too many SASL "
			    "challenges");
			goto done;
		}
		buf_reset(&ch);
		buf_reset(&out);
		if (m == AUTH_LOGIN && steps <= 2) {
			/* "Username:", then "Password:". */
			if (send_b64(s, "", steps == 1 ? o->user : o->secret,
			    strlen(steps == 1 ? o->user : o->secret), e) < 0)
				goto done;
		} else if ((m == AUTH_SCRAM_SHA_256 || m == AUTH_SCRAM_SHA_1) &&
		    steps == 1) {
			if (challenge(s, &ch, e) < 0 ||
			    scram_client_final(&sc, ch.s, ch.len, &out, e) < 0 ||
			    send_b64(s, "", out.s, out.len, e) < 0)
				goto done;
		} else if ((m == AUTH_SCRAM_SHA_256 || m == AUTH_SCRAM_SHA_1) &&
		    steps == 2) {
			/* The server's proof: checked, then an empty answer. */
			if (challenge(s, &ch, e) < 0 ||
			    scram_verify(&sc, ch.s, ch.len, e) < 0) {
				e->kind = ERR_AUTH;
				err_prefix(e, "SMTP login failed");
				send_line(s, "*", 1, 0, &ch_err);
				goto done;
			}
			verified = 1;
			if (send_line(s, "", 0, 0, e) < 0)
				goto done;
		} else if (m == AUTH_XOAUTH2 || m == AUTH_OAUTHBEARER) {
			/*
			 * An OAuth2 error (a JSON status): answered with an
			 * empty line (XOAUTH2) or ^A (RFC 7628 3.2.3), the
			 * server then says 5xx.
			 */
			if (send_line(s, m == AUTH_XOAUTH2 ? "" : "AQ==",
			    m == AUTH_XOAUTH2 ? 0 : 4, 0, e) < 0)
				goto done;
		} else if (send_line(s, "*", 1, 0, e) < 0)
			/* A challenge the mechanism has no step for: cancelled. */
			goto done;
	}
	if (s->code != 235) {
		login_failed(s, e);
		goto done;
	}
	if ((m == AUTH_SCRAM_SHA_256 || m == AUTH_SCRAM_SHA_1) &&
	    !verified && !scram_verified(&sc)) {
		err_set(e, ERR_AUTH, "SMTP login failed: the server accepted "
		    "SCRAM without proving that it knows the password");
		goto done;
	}
	r = 0;
done:
	if (m == AUTH_SCRAM_SHA_256 || m == AUTH_SCRAM_SHA_1)
		scram_free(&sc);
	buf_wipe(&raw);
	buf_wipe(&ch);
	buf_wipe(&out);
	return r;
}

static int
login(struct smtp *s, struct err *e)
{
	enum auth_mech m;

	if (s->o->user == NULL || s->auth[0] == '\0')
		return 0;	/* an MX: no AUTH offered, none needed */
	if (s->o->secret == NULL)
		return err_set(e, ERR_CONFIG, "no password for the SMTP login");
	if ((m = choose(s)) == AUTH_AUTO)
		return err_set(e, ERR_AUTH, "SMTP login failed: the server "
		    "offers AUTH%s, none of them for %s", s->auth,
		    s->o->is_token ? "an OAuth2 token" : s->o->mech !=
		    AUTH_AUTO ? mech_word(s->o->mech) : "a password");
	return sasl(s, m, e);
}

/* An address for the envelope: printable ASCII, no blanks or brackets. */
static int
check_address(const char *what, const char *a, struct err *e)
{
	const char *p;

	if (a == NULL || a[0] == '\0' || strlen(a) > SMTP_MAX_ADDRESS ||
	    strchr(a, '@') == NULL)
		return err_set(e, ERR_USAGE, "bad %s address '%s'", what,
		    a ? a : "");
	for (p = a; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    *p == '<' || *p == '>')
			return err_set(e, ERR_USAGE, "bad %s address '%s'",
			    what, a);
	return 0;
}

/* DATA: the message with its lines' leading dots doubled, then ".". */
static int
send_data(struct smtp *s, const char *msg, size_t len, struct err *e)
{
	struct buf out;
	size_t i, start;
	int r;

	if (command(s, 354, "SMTP server refused DATA", e, "%s", "DATA") < 0)
		return -1;
	buf_init(&out, len * 2 + 8);
	for (start = i = 0; i <= len; i++) {
		if (i < len && msg[i] != '\n')
			continue;
		if (i > start && msg[start] == '.')
			buf_putc(&out, '.');
		buf_put(&out, msg + start, i > start && msg[i - 1] == '\r' ?
		    i - 1 - start : i - start);
		if (i < len || i > start)
			buf_puts(&out, "\r\n");
		start = i + 1;
	}
	buf_puts(&out, ".\r\n");
	/* Twice the message and the end: it all fits, or nothing is sent. */
	if (out.cut) {
		buf_free(&out);
		return err_set(e, ERR_INTERNAL, "the message did not fit");
	}
	if (s->o->trace != NULL)
		fprintf(s->o->trace, "SMTP C: {%zu bytes of message}\nSMTP C: .\n",
		    out.len - 3);
	r = conn_write(s->c, out.s, out.len, e);
	buf_free(&out);
	if (r < 0 || read_reply(s, 0, e) < 0)
		return -1;
	if (s->code != 250)
		return refused(s, ERR_UNAVAILABLE, "SMTP server refused the "
		    "message", e);
	return 0;
}

int
smtp_submit(const struct smtp_opts *o, const char *from, const char *to,
    const char *msg, size_t len, struct smtp_times *t, struct err *e)
{
	struct smtp s;
	double t0 = now_s(), t1;
	int r = -1;

	t->connect = t->tls = t->login = t->send = t->accepted = -1;
	if (check_address("sender", from, e) < 0 ||
	    check_address("recipient", to, e) < 0)
		return -1;
	memset(&s, 0, sizeof(s));
	s.o = o;
	buf_init(&s.in, SMTP_MAX_LINE * 2 + 4096);
	buf_init(&s.text, SMTP_MAX_LINE * SMTP_MAX_LINES);
	if ((s.c = conn_open(o->host, o->port, o->timeout_ms, NULL, e)) == NULL)
		goto done;
	t->connect = now_s() - t0;
	if (o->tls == SMTP_IMPLICIT) {
		t1 = now_s();
		if (conn_starttls(s.c, o->host, &o->tlso, e) < 0)
			goto done;
		t->tls = now_s() - t1;
	}
	if (read_reply(&s, 0, e) < 0)
		goto done;
	if (s.code != 220) {
		refused(&s, ERR_UNAVAILABLE, "SMTP server refused the "
		    "connection", e);
		goto done;
	}
	if (ehlo(&s, e) < 0)
		goto done;
	if (o->tls == SMTP_STARTTLS) {
		if (!s.starttls) {
			err_set(e, ERR_AUTH, "SMTP server does not offer "
			    "STARTTLS; refusing to continue without TLS");
			goto done;
		}
		if (sendf(&s, e, "STARTTLS") < 0 || read_reply(&s, 0, e) < 0)
			goto done;
		if (s.code != 220) {
			refused(&s, ERR_AUTH, "SMTP server refused STARTTLS; "
			    "refusing to continue without TLS", e);
			goto done;
		}
		/* What came before TLS protected it is not to be believed. */
		buf_reset(&s.in);
		t1 = now_s();
		if (conn_starttls(s.c, o->host, &o->tlso, e) < 0)
			goto done;
		t->tls = now_s() - t1;
		if (ehlo(&s, e) < 0)
			goto done;
	}
	t1 = now_s();
	if (login(&s, e) < 0)
		goto done;
	if (o->user != NULL && s.auth[0] != '\0')
		t->login = now_s() - t1;
	t1 = now_s();
	if (command(&s, 250, "SMTP server refused the sender", e,
	    "MAIL FROM:<%s>", from) < 0 ||
	    command(&s, 250, "SMTP server refused the recipient", e,
	    "RCPT TO:<%s>", to) < 0 ||
	    send_data(&s, msg, len, e) < 0)
		goto done;
	t->accepted = now_s();
	t->send = t->accepted - t1;
	/* The message is the server's now; a failed goodbye changes nothing. */
	if (sendf(&s, e, "QUIT") == 0)
		read_reply(&s, 0, e);
	err_clear(e);
	r = 0;
done:
	conn_close(s.c);
	buf_free(&s.in);
	buf_free(&s.text);
	return r;
}

/* URLs ------------------------------------------------------------------- */

void
smtp_url_free(struct smtp_url *u)
{
	free(u->user);
	free(u->host);
	free(u->port);
	memset(u, 0, sizeof(*u));
}

int
smtp_url_parse(const char *s, struct smtp_url *u, struct err *e)
{
	struct url_authority a;
	enum url_authority_fault f;
	const char *p, *end;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(s, "smtps://", 8) == 0) {
		u->tls = SMTP_IMPLICIT;
		p = s + 8;
	} else if (strncasecmp(s, "smtp://", 7) == 0) {
		u->tls = SMTP_STARTTLS;
		p = s + 7;
	} else
		return err_set(e, ERR_USAGE, "bad SMTP URL '%s': it must "
		    "start with smtp:// (STARTTLS) or smtps:// (TLS)", s);
	end = p + strcspn(p, "/?#");
	if (*end == '?' || *end == '#' || (*end == '/' && end[1] != '\0'))
		return err_set(e, ERR_USAGE, "bad SMTP URL '%s': nothing may "
		    "follow the host and port", s);
	f = url_authority(p, (size_t)(end - p), 0, &a);
	if (f == URL_AUTHORITY_PASSWORD)
		return err_set(e, ERR_USAGE, "bad SMTP URL: a password never "
		    "goes in a URL (the login's password is IMAP's, or the "
		    "account's smtp_password_cmd)");
	if (f != URL_AUTHORITY_OK)
		return err_set(e, ERR_USAGE, "bad SMTP URL '%s': %s", s,
		    url_authority_fault_str(f));
	u->user = a.user;
	u->host = a.host;
	u->port = a.port;
	if (u->port == NULL)
		u->port = xstrdup(u->tls == SMTP_IMPLICIT ? "465" : "587");
	return 0;
}
