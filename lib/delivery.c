/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>

#include "buf.h"
#include "date.h"
#include "delivery.h"
#include "uidset.h"
#include "banned.h"

#define DELIVERY_MSG_MAX	8192	/* the probe message */
#define DELIVERY_SET_TEXT_MAX	1024	/* the UIDs found, as a set */
#define DELIVERY_MAX_FOUND	16	/* messages with our token: one */

/* What the untagged responses told while the probe is awaited. */
struct probe {
	int		 news;		/* EXISTS since the last look */
	double		 news_at;	/* when the last one came */
	int		 idling;	/* the server said "+" to IDLE */
	int		 idle_ended;	/* IDLE was answered */
	struct sess_reply idle_rep;
	struct sess_pipe *pp;		/* the probe's: untagged data to it */
	uint32_t	 found[DELIVERY_MAX_FOUND];
	size_t		 nfound;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
ms_until(double t)
{
	double left = (t - now_s()) * 1000;

	return left <= 0 ? 0 : left > 86400000 ? 86400000 : (int)left + 1;
}

static int
on_probe(void *arg, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct probe *p = arg;
	const struct imap_arg *a = r->args;
	uint32_t n;

	(void)s;
	(void)e;
	if (r->status != IMAP_ST_NONE)
		return 0;
	if (imap_arg_u32(a, &n) && imap_arg_is(a->next, "EXISTS")) {
		p->news = 1;
		p->news_at = now_s();
	} else if (imap_arg_is(a, "SEARCH")) {
		for (a = a->next; a != NULL; a = a->next)
			if (imap_arg_u32(a, &n) && n > 0 &&
			    p->nfound < DELIVERY_MAX_FOUND)
				p->found[p->nfound++] = n;
	}
	return 0;
}

static int
on_cont(void *arg, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct probe *p = arg;

	(void)s;
	(void)r;
	(void)e;
	p->idling = 1;
	return 0;
}

/* "imapctl-" and 32 random hex digits: no message has it by chance. */
static int
make_token(char *out, size_t outlen, struct err *e)
{
	unsigned char rnd[16];
	size_t i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return err_set(e, ERR_INTERNAL, "no random bytes for the "
		    "probe's token");
	snprintf(out, outlen, "imapctl-");
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(out + 8 + 2 * i, outlen - 8 - 2 * i, "%02x", rnd[i]);
	return 0;
}

/*
 * The probe: headers that name it, and a body that says what it is. -1
 * when it does not fit in b: never a probe sent cut.
 */
static int
build_message(struct buf *b, const struct delivery_opts *o,
    const char *token)
{
	const char *domain = strrchr(o->from, '@');
	char date[DATE_MAX];

	date_format_rfc5322(time(NULL), date, sizeof(date));
	buf_putf(b, "From: <%s>\r\n", o->from);
	buf_putf(b, "To: <%s>\r\n", o->to);
	buf_putf(b, "Subject: imapctl delivery probe %s\r\n", token);
	buf_putf(b, "Date: %s\r\n", date);
	buf_putf(b, "Message-ID: <%s@%s>\r\n", token,
	    domain != NULL ? domain + 1 : "imapctl.invalid");
	buf_putf(b, DELIVERY_HEADER ": %s\r\n", token);
	/* No vacation or out-of-office replies to it (RFC 3834). */
	buf_puts(b, "Auto-Submitted: auto-generated\r\n");
	buf_puts(b, "MIME-Version: 1.0\r\n");
	buf_puts(b, "Content-Type: text/plain; charset=us-ascii\r\n");
	buf_puts(b, "\r\n");
	buf_puts(b, "This message tests that mail reaches this mailbox.\r\n");
	buf_puts(b, "imapctl check deletes it as soon as it arrives; one "
	    "found here\r\narrived after the check had given up on it.\r\n");
	return b->cut ? -1 : 0;
}

/* Is it there? A UID SEARCH among the messages since the start. */
static int
look(struct sess *s, struct probe *p, uint32_t from_uid, const char *token,
    struct err *e)
{
	p->nfound = 0;
	if (sess_run(s, e, "UID SEARCH UID %u:* HEADER %s %Q", from_uid,
	    DELIVERY_HEADER, token) < 0) {
		err_prefix(e, "cannot search for the delivery probe");
		return -1;
	}
	return p->nfound > 0;
}

static int
idle_done(void *arg, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct probe *p = arg;

	p->idle_ended = 1;
	return sess_done_keep(&p->idle_rep, s, rep, e);
}

/* IDLE on pipeline pp (whose scope takes its "+"), until DONE is answered. */
static int
idle_run(struct sess *s, struct sess_pipe *pp, struct probe *p, double until,
    struct err *e)
{
	int r;

	p->idling = 0;
	p->idle_ended = 0;
	if (sess_pipe_send(pp, idle_done, p, e, "IDLE") < 0)
		return -1;
	while (!p->idling && !p->idle_ended)
		if (sess_pipe_read(pp, e) < 0)
			return -1;
	if (p->idle_ended)
		return 1;	/* refused after all: poll instead */
	while (!p->news) {
		if ((r = sess_poll(s, ms_until(until), e)) < 0)
			return -1;
		if (r == 0)
			break;
		if (sess_pipe_read(pp, e) < 0)
			return -1;
	}
	if (sess_send_line(s, "DONE", 4, 0, e) < 0 ||
	    sess_pipe_drain(pp, e) < 0)
		return -1;
	return sess_reply_check(&p->idle_rep, e);
}

/* IDLE until new mail is announced or until; 1 when IDLE is refused. */
static int
idle_wait(struct sess *s, struct probe *p, double until, struct err *e)
{
	struct sess_scope sc = { NULL, NULL, on_cont, NULL };
	struct sess_pipe *pp;

	sc.ctx = p;
	pp = sess_pipe_begin(s, &sc, 0);
	return sess_pipe_end(pp, idle_run(s, pp, p, until, e), e);
}

/* Without IDLE: NOOP every DELIVERY_POLL_MS until news or until. */
static int
poll_wait(struct sess *s, struct probe *p, double until, struct err *e)
{
	double next;
	int r;

	while (!p->news && now_s() < until) {
		next = now_s() + DELIVERY_POLL_MS / 1000.0;
		if (next > until)
			next = until;
		while ((r = sess_poll(s, ms_until(next), e)) > 0)
			if (sess_pipe_read(p->pp, e) < 0)
				return -1;
		if (r < 0 || sess_run(s, e, "NOOP") < 0)
			return -1;
	}
	return 0;
}

/* Exactly the probe, however many have our token (one): by UID. */
static void
delete_probe(struct sess *s, struct probe *p, struct delivery_result *r)
{
	struct sess_reply store, expunge;
	struct sess_pipe *pp;
	struct uidset set;
	struct buf text;
	size_t i;
	int uidplus = sess_has_cap(s, "UIDPLUS"), rc;
	struct err *e = &r->cleanup;

	memset(&store, 0, sizeof(store));
	memset(&expunge, 0, sizeof(expunge));
	uidset_init(&set);
	buf_init(&text, DELIVERY_SET_TEXT_MAX);
	for (i = 0; i < p->nfound; i++)
		uidset_add(&set, p->found[i], p->found[i]);
	uidset_format(&set, &text);
	pp = sess_pipe_begin(s, NULL, 0);
	rc = sess_pipe_send(pp, sess_done_keep, &store, e, "UID STORE %S "
	    "+FLAGS.SILENT (\\Deleted)", text.s);
	if (rc == 0 && uidplus)
		rc = sess_pipe_send(pp, sess_done_keep, &expunge, e,
		    "UID EXPUNGE %S", text.s);
	if (sess_pipe_end(pp, rc, e) < 0)
		goto done;
	if (sess_reply_check(&store, e) < 0 ||
	    (uidplus && sess_reply_check(&expunge, e) < 0))
		goto done;
	if (uidplus)
		r->deleted = 1;
	else {
		r->flagged_only = 1;
		err_set(e, ERR_UNAVAILABLE, "the server offers no UIDPLUS "
		    "to expunge only it");
	}
done:
	uidset_free(&set);
	buf_free(&text);
}

int
delivery_run(struct sess *s, const struct delivery_opts *o,
    struct delivery_result *r, struct err *e)
{
	struct sess_scope sc = { on_probe, NULL, NULL, NULL };
	struct probe p;
	const struct sess_mailbox *m;
	struct buf msg;
	uint32_t from_uid;
	double t0, until, wake;
	int idle = sess_has_cap(s, "IDLE"), found, w = 0, rc = -1;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	err_clear(&r->cleanup);
	if (make_token(r->token, sizeof(r->token), e) < 0)
		return -1;
	if (sess_select(s, o->mailbox, 0, e) < 0) {
		err_prefix(e, "cannot open mailbox '%s' for the delivery "
		    "probe", o->mailbox);
		return -1;
	}
	m = sess_selected(s);
	from_uid = m != NULL && m->uidnext > 0 ? m->uidnext : 1;
	buf_init(&msg, DELIVERY_MSG_MAX);
	if (build_message(&msg, o, r->token) < 0) {
		buf_free(&msg);
		return err_set(e, ERR_CONFIG, "the delivery probe's addresses "
		    "are too long");
	}
	t0 = now_s();
	if (smtp_submit(o->smtp, o->from, o->to, msg.s, msg.len, &r->smtp,
	    e) < 0) {
		err_prefix(e, "delivery probe not submitted");
		buf_free(&msg);
		return -1;
	}
	buf_free(&msg);
	r->submitted = 1;
	r->submit_time = r->smtp.accepted - t0;
	until = o->until_ms > 0 ? o->until_ms / 1000.0 :
	    r->smtp.accepted + o->wait_ms / 1000.0;
	r->waited = until > r->smtp.accepted ? until - r->smtp.accepted : 0;
	sc.ctx = &p;
	p.pp = sess_pipe_begin(s, &sc, 0);
	/*
	 * Look, then wait for news, and look again: once more at the end,
	 * for a probe that came unannounced. It arrived when the new message
	 * was announced; one there at the first look, by that look's answer
	 * at the latest.
	 */
	wake = 0;
	for (;;) {
		p.news = 0;
		if ((found = look(s, &p, from_uid, r->token, e)) < 0)
			goto done;
		if (wake == 0)
			wake = now_s();
		if (found) {
			r->arrived = 1;
			r->uid = p.found[0];
			r->delivery_time = wake - r->smtp.accepted;
			if (r->delivery_time < 0)
				r->delivery_time = 0;
			break;
		}
		if (now_s() >= until)
			break;
		if (idle && (w = idle_wait(s, &p, until, e)) > 0)
			idle = 0;
		if (w < 0 || (!idle && poll_wait(s, &p, until, e) < 0))
			goto done;
		wake = p.news ? p.news_at : now_s();
	}
	if (r->arrived)
		delete_probe(s, &p, r);
	rc = 0;
done:
	/* Whatever comes later reaches nothing of this frame. */
	return sess_pipe_end(p.pp, rc, e);
}
