/* SPDX-License-Identifier: MIT */
/*
 * watch: wait on a mailbox and print a record per event: a new message
 * (with a summary), an expunge, a flag change. IDLE when the server offers
 * it, re-issued well before the 30 minutes after which a server may log
 * an idle client out (RFC 2177); NOOP every --interval otherwise. After a
 * drop it reconnects with back-off and asks for the UIDs above the highest
 * it reported, so no message is missed or reported twice.
 *
 * --duration DURATION is how long to watch (exit 1 with --once when it
 * passes first). The global --timeout still bounds every answer the server
 * owes (to IDLE, DONE, NOOP, FETCH); the wait inside IDLE is bounded by
 * the re-issue time and the duration instead. The global --deadline ends
 * the run as a timeout (75), reconnections included.
 *
 * With QRESYNC (enabled before EXAMINE) expunges come as VANISHED with
 * their UIDs and flag changes carry the UID; without it an expunge names
 * only a sequence number, and its uid field is null.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "deadline.h"
#include "range.h"
#include "summary.h"
#include "banned.h"

/*
 * RFC 2177: servers may log out a client idle for 30 minutes. Outlook.com
 * and Microsoft 365 drop an idling connection after about 10, often
 * without a word, and NATs and firewalls forget quiet connections after
 * 10 to 15 minutes; re-issuing IDLE costs one round trip, so every server
 * gets 9 minutes: no one waits more than that, and --timeout, for a
 * connection gone dead without a word.
 */
#define WATCH_IDLE_MAX_S	(29 * 60)
#define WATCH_IDLE_DEFAULT_S	(9 * 60)
#define WATCH_INTERVAL_S	30
#define WATCH_BACKOFF_MAX_S	60
#define WATCH_MIN_INTERVAL_S	0.1

static struct {
	int		 once;
	double		 duration, interval, keepalive;	/* seconds */
} opt;

const struct opt watch_opts[] = {
	OPT_BOOL(0, "once", &opt.once, "exit 0 at the first new message, 1 "
	    "when --duration passes first"),
	OPT_DURATION(0, "duration", &opt.duration, 0, 0, "DURATION", "stop "
	    "watching after DURATION (seconds, or with s, min, h, d, w, mo, "
	    "y)"),
	OPT_DURATION(0, "interval", &opt.interval, WATCH_INTERVAL_S, 0,
	    "DURATION", "poll this often when the server has no IDLE "
	    "(default 30s)"),
	OPT_DURATION(0, "keepalive", &opt.keepalive, WATCH_IDLE_DEFAULT_S,
	    WATCH_IDLE_MAX_S, "DURATION", "re-issue IDLE this often (default "
	    "9min, under Outlook's 10; at most 29min)"),
	OPT_END()
};

struct watch {
	struct ctx	*ctx;
	const char	*mailbox;
	uint32_t	 uidvalidity;
	uint32_t	 last_uid;	/* highest UID reported or known */
	uint32_t	 exists;
	int		 started;	/* a session got as far as EXAMINE */
	int		 new_mail;	/* EXISTS grew: fetch above last_uid */
	int		 fetching;	/* our FETCH of new messages runs */
	int		 probing;	/* our FETCH of the highest UID runs */
	int		 idling;	/* the server said "+" to IDLE */
	int		 idle_ended;	/* IDLE was answered */
	struct sess_pipe *p;		/* the session's: events come to w */
	struct sess_reply idle_rep;
	int		 use_idle;
	int		 once, got_new;
	int		 fatal;		/* a failure no reconnection mends */
	double		 deadline;	/* monotonic seconds; 0: none */
	double		 interval;
	double		 keepalive;	/* re-issue IDLE after this */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds until t, at most limit_s seconds; 0 when it has passed. */
static int
ms_until(double t, double limit_s)
{
	double left = t - now_s();

	if (left > limit_s)
		left = limit_s;
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

static int
expired(const struct watch *w)
{
	return w->deadline > 0 && now_s() >= w->deadline;
}

static void
record_start(struct watch *w, const char *event)
{
	struct emit *em = w->ctx->emit;

	emit_record_begin(em, "event");
	emit_str(em, "event", event);
	emit_str(em, "mailbox", w->mailbox);
	emit_uint(em, "uidvalidity", w->uidvalidity);
}

static void
emit_flags(struct emit *em, const struct imap_arg *flags)
{
	const struct imap_arg *f;
	const char *s;

	emit_list_begin(em, "flags", "flag");
	if (imap_arg_list(flags, &f, NULL))
		for (; f != NULL; f = f->next)
			if (imap_arg_atom(f, &s))
				emit_str(em, NULL, s);
	emit_list_end(em);
}

/*
 * "* N FETCH (UID u FLAGS (...) INTERNALDATE ... ENVELOPE (...))". One
 * with no message number, a UID 0 or FLAGS that are no list names no
 * message and no flags: the server's fault, never an event.
 */
static int
on_fetch(struct watch *w, uint32_t seq, const struct imap_arg *items,
    struct err *e)
{
	struct emit *em = w->ctx->emit;
	const struct imap_arg *first, *it, *flags = NULL, *env = NULL;
	struct summary sm;
	uint32_t uid = 0;

	if (seq == 0 || !imap_arg_list(items, &first, NULL))
		return err_set(e, ERR_PROTOCOL, "malformed FETCH response");
	for (it = first; it != NULL && it->next != NULL; it = it->next->next) {
		if (imap_arg_is(it, "UID")) {
			if (!imap_arg_u32(it->next, &uid) || uid == 0)
				return err_set(e, ERR_PROTOCOL,
				    "malformed FETCH response");
		} else if (imap_arg_is(it, "FLAGS")) {
			if (it->next->type != IMAP_LIST)
				return err_set(e, ERR_PROTOCOL,
				    "malformed FETCH response");
			flags = it->next;
		} else if (imap_arg_is(it, "ENVELOPE"))
			env = it->next;
	}
	if (w->probing) {
		if (uid > w->last_uid)
			w->last_uid = uid;
		return 0;
	}
	if (w->fetching && uid > w->last_uid && env != NULL) {
		w->last_uid = uid;
		/* The event, then the fields of fetch --summary. */
		sm.em = em;
		sm.s = w->ctx->sess;
		sm.mailbox = w->mailbox;
		sm.uidvalidity = w->uidvalidity;
		sm.gmail = sess_has_cap(w->ctx->sess, "X-GM-EXT-1");
		sm.ids_first = 1;
		emit_record_begin(em, "event");
		emit_str(em, "event", "new");
		summary_emit(&sm, uid, first);
		emit_record_end(em);
		w->got_new = 1;
		return 0;
	}
	/*
	 * "UID FETCH n:*" names the last message when n is above every UID:
	 * its answer (with the ENVELOPE we asked for) is no event.
	 */
	if (flags == NULL || (w->fetching && env != NULL))
		return 0;
	record_start(w, "flags");
	if (uid != 0)
		emit_uint(em, "uid", uid);
	else
		emit_null(em, "uid");
	emit_flags(em, flags);
	emit_record_end(em);
	return 0;
}

static void
expunged(struct watch *w, uint32_t uid)
{
	record_start(w, "expunge");
	if (uid != 0)
		emit_uint(w->ctx->emit, "uid", uid);
	else
		emit_null(w->ctx->emit, "uid");
	emit_record_end(w->ctx->emit);
	if (w->exists > 0)
		w->exists--;
}

/*
 * "* VANISHED 5:7,9": one record a UID. A VANISHED cannot name more
 * messages than the mailbox holds, so no more records than that.
 */
static int
on_vanished(struct watch *w, const struct imap_arg *a, struct err *e)
{
	const char *p;
	char *end;
	unsigned long lo, hi, u;
	uint32_t left = w->exists;

	if (a != NULL && a->type == IMAP_LIST)
		return 0;	/* (EARLIER): not for what we asked */
	if (!imap_arg_atom(a, &p))
		return err_set(e, ERR_PROTOCOL, "malformed VANISHED response");
	while (*p != '\0' && left > 0) {
		lo = hi = strtoul(p, &end, 10);
		if (end == p || lo == 0 || lo > UINT32_MAX)
			return err_set(e, ERR_PROTOCOL, "malformed VANISHED "
			    "response");
		p = end;
		if (*p == ':') {
			hi = strtoul(p + 1, &end, 10);
			if (end == p + 1 || hi == 0 || hi > UINT32_MAX)
				return err_set(e, ERR_PROTOCOL, "malformed "
				    "VANISHED response");
			p = end;
			if (hi < lo) {
				u = lo;
				lo = hi;
				hi = u;
			}
		}
		for (u = lo; u <= hi && left > 0; u++, left--)
			expunged(w, (uint32_t)u);
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return err_set(e, ERR_PROTOCOL, "malformed VANISHED "
			    "response");
	}
	return 0;
}

static int
on_untagged(void *arg, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	static const char *const numbered[] = { "EXISTS", "EXPUNGE", "FETCH" };
	struct watch *w = arg;
	const struct imap_arg *a = r->args;
	uint32_t n;
	size_t i;

	(void)s;
	if (r->status != IMAP_ST_NONE)
		return 0;
	if (imap_arg_is(a, "VANISHED"))
		return on_vanished(w, a->next, e);
	if (!imap_arg_u32(a, &n)) {
		/*
		 * "* 99999999999 EXISTS" is no count, and no message has
		 * that number: passed over, it would hide new mail or an
		 * expunge.
		 */
		for (i = 0; a != NULL && i < sizeof(numbered) /
		    sizeof(numbered[0]); i++)
			if (imap_arg_is(a->next, numbered[i]))
				return err_set(e, ERR_PROTOCOL, "malformed %s "
				    "response", numbered[i]);
		return 0;
	}
	if (imap_arg_is(a->next, "EXISTS")) {
		if (n > w->exists)
			w->new_mail = 1;
		w->exists = n;
	} else if (imap_arg_is(a->next, "EXPUNGE")) {
		/* No message has the number 0. */
		if (n == 0)
			return err_set(e, ERR_PROTOCOL,
			    "malformed EXPUNGE response");
		expunged(w, 0);
	} else if (imap_arg_is(a->next, "FETCH"))
		return on_fetch(w, n, a->next->next, e);
	return 0;
}

static int
on_cont(void *arg, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct watch *w = arg;

	(void)s;
	(void)r;
	(void)e;
	w->idling = 1;
	return 0;
}

/* Messages above the highest UID we know of: records, in UID order. */
static int
fetch_new(struct watch *w)
{
	struct sess *s = w->ctx->sess;
	struct err *e = &w->ctx->err;

	w->new_mail = 0;
	if (w->last_uid == UINT32_MAX)
		return 0;
	w->fetching = 1;
	/* "N:*" also names the last message when N is above every UID. */
	if (sess_run(s, e, "UID FETCH %u:* (" SUMMARY_ITEMS "%s)",
	    w->last_uid + 1, sess_has_cap(s, "X-GM-EXT-1") ?
	    " X-GM-LABELS" : "") < 0) {
		w->fetching = 0;
		err_prefix(e, "cannot fetch the new messages");
		return -1;
	}
	w->fetching = 0;
	return 0;
}

static int
idle_done(void *arg, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct watch *w = arg;

	w->idle_ended = 1;
	return sess_done_keep(&w->idle_rep, s, rep, e);
}

/* IDLE on pipeline p (whose scope takes its "+"), until DONE is answered. */
static int
idle_wait(struct watch *w, struct sess_pipe *p, double until)
{
	struct sess *s = w->ctx->sess;
	struct err *e = &w->ctx->err;
	int r;

	if (sess_pipe_send(p, idle_done, w, e, "IDLE") < 0)
		return -1;
	while (!w->idling && !w->idle_ended)
		if (sess_pipe_read(p, e) < 0)
			return -1;
	if (w->idle_ended) {
		/* Refused after all: poll instead. */
		w->use_idle = 0;
		return 0;
	}
	while (!w->new_mail && !(w->once && w->got_new)) {
		r = sess_poll(s, ms_until(until, 86400), e);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		if (sess_pipe_read(p, e) < 0)
			return -1;
	}
	if (sess_send_line(s, "DONE", 4, 0, e) < 0 ||
	    sess_pipe_drain(p, e) < 0)
		return -1;
	return sess_reply_check(&w->idle_rep, e);
}

/* One IDLE: until an event needs a command, the re-issue time or the end. */
static int
idle_round(struct watch *w)
{
	struct sess_scope sc = { NULL, NULL, on_cont, NULL };
	struct sess_pipe *p;
	double until = now_s() + w->keepalive;

	if (w->deadline > 0 && w->deadline < until)
		until = w->deadline;
	w->idling = 0;
	w->idle_ended = 0;
	sc.ctx = w;
	p = sess_pipe_begin(w->ctx->sess, &sc, 0);
	return sess_pipe_end(p, idle_wait(w, p, until), &w->ctx->err);
}

/* Without IDLE: wait an interval (reading what comes), then NOOP. */
static int
poll_round(struct watch *w)
{
	struct sess *s = w->ctx->sess;
	struct err *e = &w->ctx->err;
	double until = now_s() + w->interval;
	int r;

	if (w->deadline > 0 && w->deadline < until)
		until = w->deadline;
	while ((r = sess_poll(s, ms_until(until, 86400), e)) > 0)
		if (sess_pipe_read(w->p, e) < 0)
			return -1;
	if (r < 0)
		return -1;
	if (expired(w))
		return 0;
	return sess_run(s, e, "NOOP");
}

/* Open the mailbox and watch until done or a failure. */
static int
watch_run(struct watch *w)
{
	struct sess *s = w->ctx->sess;
	struct err *e = &w->ctx->err;
	const struct sess_mailbox *m;

	if (sess_has_cap(s, "QRESYNC") && sess_run(s, e, "ENABLE QRESYNC") < 0)
		return -1;
	if (sess_select(s, w->mailbox, 1, e) < 0) {
		/* The server answered: no other connection changes that. */
		if (e->kind != ERR_IO && e->kind != ERR_TIMEOUT)
			w->fatal = 1;
		return -1;
	}
	m = sess_selected(s);
	w->use_idle = sess_has_cap(s, "IDLE");
	if (w->started && m->uidvalidity != w->uidvalidity) {
		cmd_warn(w->ctx, "UIDVALIDITY of '%s' changed from %u to %u: "
		    "messages that arrived while disconnected are not "
		    "reported", w->mailbox, w->uidvalidity, m->uidvalidity);
		w->started = 0;
	}
	w->exists = m->exists;
	if (!w->started) {
		w->uidvalidity = m->uidvalidity;
		w->last_uid = m->uidnext > 0 ? m->uidnext - 1 : 0;
		if (m->uidnext == 0 && m->exists > 0) {
			w->probing = 1;
			if (sess_run(s, e, "FETCH * (UID)") < 0) {
				w->probing = 0;
				return -1;
			}
			w->probing = 0;
		}
		w->new_mail = 0;
		w->started = 1;
	} else
		w->new_mail = 1;	/* what came while we were away */
	for (;;) {
		if (w->new_mail && fetch_new(w) < 0)
			return -1;
		if ((w->once && w->got_new) || expired(w))
			return 0;
		if ((w->use_idle ? idle_round(w) : poll_round(w)) < 0)
			return -1;
	}
}

/* A fresh session: its events come to w while it lasts. */
static int
watch_session(struct watch *w)
{
	struct sess_scope sc = { on_untagged, NULL, NULL, NULL };
	struct sess_pipe *p;

	int r;

	sc.ctx = w;
	p = w->p = sess_pipe_begin(w->ctx->sess, &sc, 0);
	r = sess_pipe_end(p, watch_run(w), &w->ctx->err);
	w->p = NULL;
	return r;
}

/* Failures worth another connection: the network, not the settings. */
static int
retryable(const struct err *e)
{
	return e->kind == ERR_IO || e->kind == ERR_TIMEOUT ||
	    e->kind == ERR_UNAVAILABLE || e->kind == ERR_NOHOST;
}

static void
pause_s(struct watch *w, double secs)
{
	struct timespec ts;
	double until = now_s() + secs;
	int ms, cut;

	if (w->deadline > 0 && w->deadline < until)
		until = w->deadline;
	emit_flush(w->ctx->emit);
	while ((ms = ms_until(until, 86400)) > 0 && !deadline_passed()) {
		ms = deadline_cap(ms, &cut);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
}

int
cmd_watch(int argc, char **argv, struct ctx *ctx)
{
	struct watch w;
	double timeout, began;
	int backoff = 1;

	(void)argc;
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.mailbox = argv[0];
	w.once = opt.once;
	w.interval = opt.interval;
	w.keepalive = opt.keepalive;
	timeout = opt.duration;
	if (w.interval < WATCH_MIN_INTERVAL_S)
		w.interval = WATCH_MIN_INTERVAL_S;
	if (timeout > 0)
		w.deadline = now_s() + timeout;
	began = now_s();
	while (watch_session(&w) < 0) {
		if (w.fatal || !retryable(&ctx->err) || expired(&w) ||
		    deadline_passed())
			return cmd_fail(ctx, &ctx->err);
		/*
		 * Start the back-off afresh only after a session that lasted:
		 * a server that drops every connection as soon as it is made
		 * must not be reconnected to every second.
		 */
		if (now_s() - began >= WATCH_BACKOFF_MAX_S)
			backoff = 1;
		/* Reconnect until it works, waiting longer each time. */
		for (;;) {
			cmd_warn(ctx, "%s; reconnecting in %d s",
			    ctx->err.msg, backoff);
			pause_s(&w, backoff);
			if (backoff < WATCH_BACKOFF_MAX_S)
				backoff *= 2;
			if (expired(&w))
				return w.once ? 1 : 0;
			if (deadline_passed()) {
				deadline_err(&ctx->err, "waiting to reconnect");
				return cmd_fail(ctx, &ctx->err);
			}
			if (cmd_connect(ctx, argc, argv) == 0)
				break;
			if (!retryable(&ctx->err) || deadline_passed())
				return cmd_fail(ctx, &ctx->err);
		}
		began = now_s();
	}
	if (w.once)
		return w.got_new ? 0 : 1;
	return 0;
}
