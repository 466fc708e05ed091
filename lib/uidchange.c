/* SPDX-License-Identifier: MIT */
/*
 * The change engine (uidchange.h): flag, move and delete carry their
 * change over a UID set in chunks of a few KiB, several chunks in
 * progress at once, each chunk going through its steps in order:
 *
 *   flag    UID STORE (FETCH responses are the records); UID FETCH of what
 *           the server did not report (Dovecot reports changed messages
 *           only)
 *   move    UID MOVE; or UID COPY, then UID STORE +FLAGS.SILENT (\Deleted)
 *           of what COPYUID says was copied, then UID EXPUNGE of exactly
 *           those
 *   delete  UID STORE +FLAGS.SILENT (\Deleted), then UID EXPUNGE
 *
 * A step is sent only after the previous step of its chunk was answered
 * OK: nothing is flagged deleted before its copy was confirmed, and the
 * EXPUNGE follows the STORE's tagged OK (Dovecot 2.3 expunged nothing when
 * both arrived in one write). When a chunk is refused or the connection
 * fails, no further chunk is started; the callbacks have been told what
 * was done, and what was not is left in the result by the step each
 * message had reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "stop.h"
#include "uidchange.h"
#include "uidmap.h"
#include "banned.h"

struct run;

struct chunk {
	struct run	*run;
	int		 active;
	unsigned	 index;		/* 1-based, for messages */
	size_t		 from, to;	/* ranges [from, to) of the set */
	struct buf	 text;		/* those ranges in IMAP syntax */
	enum change_step step;
	struct uidset	 seen;		/* flag: UIDs a FETCH reported */
	/* COPYUID, as the server sent it (the two sets pair in order). */
	int		 have_copyuid;
	uint32_t	 dest_uidvalidity;
	struct buf	 cu_src, cu_dst;
	struct buf	 src;		/* move: what to flag and expunge */
};

struct run {
	const struct change	*ch;
	const struct change_cb	*cb;
	const struct uidset	*set;
	struct sess_pipe	*p;		/* the chunks' commands */
	struct chunk		 c[CHANGE_WINDOW];
	size_t			 pos;		/* next range to put in a chunk */
	unsigned		 nchunks, started;
	int			 stop;		/* start no more chunks */
	int			 probing;	/* --create: one chunk at first */
	int			 created;
	struct change_result	*res;		/* what was not done */
};

static void
run_moved(struct run *run, uint32_t uid, uint32_t dest_uidvalidity,
    uint32_t dest_uid)
{
	if (run->cb->moved != NULL)
		run->cb->moved(run->cb->arg, uid, dest_uidvalidity, dest_uid);
}

/* The chunk whose ranges hold uid, or NULL. */
static struct chunk *
chunk_of(struct run *run, uint32_t uid)
{
	const struct uid_range *r = run->set->r;
	struct chunk *c;
	size_t i, a, b, m;

	for (i = 0; i < CHANGE_WINDOW; i++) {
		c = &run->c[i];
		if (!c->active || uid < r[c->from].lo || uid > r[c->to - 1].hi)
			continue;
		for (a = c->from, b = c->to; a < b; ) {
			m = a + (b - a) / 2;
			if (uid < r[m].lo)
				b = m;
			else if (uid > r[m].hi)
				a = m + 1;
			else
				return c;
		}
		return NULL;
	}
	return NULL;
}

/* Whether lo:hi lies within the ranges of chunk c. */
static int
chunk_covers(const struct run *run, const struct chunk *c, uint32_t lo,
    uint32_t hi)
{
	const struct uid_range *r = run->set->r;
	size_t a = c->from, b = c->to, m;

	while (a < b) {
		m = a + (b - a) / 2;
		if (lo < r[m].lo)
			b = m;
		else if (lo > r[m].hi)
			a = m + 1;
		else
			return hi <= r[m].hi;
	}
	return 0;
}

static uint64_t
chunk_count(const struct run *run, const struct chunk *c)
{
	uint64_t n = 0;
	size_t i;

	for (i = c->from; i < c->to; i++)
		n += (uint64_t)run->set->r[i].hi - run->set->r[i].lo + 1;
	return n;
}

/* Records for a chunk that is done: COPYUID's pairs, else its UIDs. */
static void
chunk_emit(struct run *run, struct chunk *c)
{
	const struct change *ch = run->ch;
	struct uidmap m;
	uint32_t uid, dest;
	size_t i;

	if (ch->kind == CHANGE_FLAG)
		return;		/* printed as the FETCH responses came */
	if (!c->have_copyuid) {
		for (i = c->from; i < c->to; i++)
			for (uid = run->set->r[i].lo; ; uid++) {
				run_moved(run, uid, 0, 0);
				if (uid == run->set->r[i].hi)
					break;
			}
		return;
	}
	uidmap_init(&m, c->cu_src.s, c->cu_dst.s);
	while (uidmap_next(&m, &uid, &dest) > 0)
		run_moved(run, uid, c->dest_uidvalidity, dest);
}

/*
 * The chunk's messages that the server's answer did not name (FETCH
 * responses for flag, COPYUID's source set for move) are gone: another
 * session expunged them after the run found them.
 */
static void
chunk_gone(struct run *run, struct chunk *c, const struct uidset *named)
{
	struct uidset all, missing;
	size_t i;

	uidset_init(&all);
	uidset_init(&missing);
	for (i = c->from; i < c->to; i++)
		uidset_add(&all, run->set->r[i].lo, run->set->r[i].hi);
	uidset_subtract(&all, named, &missing);
	uidset_merge(&run->res->gone, &missing);
	uidset_free(&all);
	uidset_free(&missing);
}

/* move: what COPYUID does not name as copied is gone. */
static void
chunk_gone_copyuid(struct run *run, struct chunk *c)
{
	struct uidset src;
	const char *p;
	uint32_t lo, hi;

	if (!c->have_copyuid)
		return;
	uidset_init(&src);
	p = c->cu_src.s;
	while (uidseq_next(&p, &lo, &hi) > 0)
		uidset_add(&src, lo, hi);
	chunk_gone(run, c, &src);
	uidset_free(&src);
}

/* COPYUID uidvalidity src dst, from a response code. */
static void
take_copyuid(struct run *run, const struct imap_arg *code)
{
	const struct imap_arg *a;
	const char *v, *src, *dst;
	uint32_t uidvalidity, lo, hi;
	struct chunk *c;

	if (!imap_arg_is(code, "COPYUID") || (a = code->next) == NULL ||
	    !imap_arg_u32(a, &uidvalidity) || a->next == NULL ||
	    !imap_arg_atom(a->next, &src) || a->next->next == NULL ||
	    !imap_arg_atom(a->next->next, &dst))
		return;
	v = src;
	if (uidseq_next(&v, &lo, &hi) <= 0 || (c = chunk_of(run, lo)) == NULL ||
	    (c->step != CHANGE_STEP_MOVE && c->step != CHANGE_STEP_COPY))
		return;
	/* The same code twice (untagged and tagged) counts once. */
	if (c->have_copyuid && strcmp(c->cu_src.s, src) == 0)
		return;
	if ((c->cu_src.len > 0 && buf_addc(&c->cu_src, ',') < 0) ||
	    buf_adds(&c->cu_src, src) < 0 ||
	    (c->cu_dst.len > 0 && buf_addc(&c->cu_dst, ',') < 0) ||
	    buf_adds(&c->cu_dst, dst) < 0) {
		/* Absurdly long: the pairs are lost, not the messages. */
		buf_reset(&c->cu_src);
		buf_reset(&c->cu_dst);
		c->have_copyuid = 0;
		return;
	}
	c->have_copyuid = 1;
	c->dest_uidvalidity = uidvalidity;
}

/* A FETCH response: with UID and FLAGS, a record of the flags now. */
static int
on_fetch(struct run *run, const struct imap_resp *r)
{
	const struct imap_arg *a = r->args, *items, *flags = NULL;
	struct chunk *c;
	uint32_t n, uid = 0;
	int have_flags = 0;

	if (!imap_arg_u32(a, &n) || !imap_arg_is(a->next, "FETCH") ||
	    !imap_arg_list(a->next->next, &items, NULL))
		return 0;
	for (a = items; a != NULL && a->next != NULL; a = a->next->next) {
		if (imap_arg_is(a, "UID"))
			imap_arg_u32(a->next, &uid);
		else if (imap_arg_is(a, run->ch->labels != NULL ?
		    "X-GM-LABELS" : "FLAGS") &&
		    imap_arg_list(a->next, &flags, NULL))
			have_flags = 1;
	}
	if (uid == 0 || !have_flags || (c = chunk_of(run, uid)) == NULL ||
	    (c->step != CHANGE_STEP_STORE && c->step != CHANGE_STEP_FETCH) ||
	    uidset_contains(&c->seen, uid))
		return 0;
	uidset_add(&c->seen, uid, uid);
	if (run->cb->flagged != NULL)
		run->cb->flagged(run->cb->arg, uid, flags);
	return 0;
}

static int
on_untagged(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct run *run = ctx;

	(void)s;
	(void)e;
	if (r->status == IMAP_ST_OK && r->code != NULL)
		take_copyuid(run, r->code);
	else if (r->status == IMAP_ST_NONE && run->ch->kind == CHANGE_FLAG)
		return on_fetch(run, r);
	return 0;
}

static int chunk_done(void *, struct sess *, const struct sess_reply *,
    struct err *);
static void chunk_abandon(struct run *, struct chunk *, int);
static void run_fail(struct run *, const struct err *);

/*
 * Send the chunk's current step; its answer goes to chunk_done. -1 when
 * it could not be sent (nothing of it will be answered). After a signal
 * nothing is sent: the chunk stops before that step, which the report
 * names (stop.h).
 */
static int
chunk_send(struct run *run, struct chunk *c, struct err *e)
{
	const struct change *ch = run->ch;
	struct sess_pipe *p = run->p;
	struct err stopped;
	int r = -1;

	if (stop_signal()) {
		stop_err(&stopped);
		run_fail(run, &stopped);
		chunk_abandon(run, c, 0);
		return 0;
	}
	switch (c->step) {
	case CHANGE_STEP_STORE:
		if (ch->labels != NULL)
			r = sess_pipe_send(p, chunk_done, c, e,
			    "UID STORE %S %s (%V)", c->text.s, ch->store_item,
			    ch->labels, ch->nlabels);
		else
			r = sess_pipe_send(p, chunk_done, c, e,
			    "UID STORE %S %s (%s)", c->text.s, ch->store_item,
			    ch->flags);
		break;
	case CHANGE_STEP_FETCH:
		r = sess_pipe_send(p, chunk_done, c, e, "UID FETCH %S (UID %s)",
		    c->text.s, ch->labels != NULL ? "X-GM-LABELS" : "FLAGS");
		break;
	case CHANGE_STEP_CREATE:
		r = sess_pipe_send(p, chunk_done, c, e, "CREATE %M", ch->dest);
		break;
	case CHANGE_STEP_MOVE:
	case CHANGE_STEP_COPY:
		r = sess_pipe_send(p, chunk_done, c, e, c->step == CHANGE_STEP_MOVE ?
		    "UID MOVE %S %M" : "UID COPY %S %M", c->text.s, ch->dest);
		break;
	case CHANGE_STEP_DELETE:
		r = sess_pipe_send(p, chunk_done, c, e, "UID STORE %S "
		    "+FLAGS.SILENT (\\Deleted)", c->src.s);
		break;
	case CHANGE_STEP_EXPUNGE:
		if (ch->expunge_all)
			r = sess_pipe_send(p, chunk_done, c, e, "EXPUNGE");
		else
			r = sess_pipe_send(p, chunk_done, c, e,
			    "UID EXPUNGE %S", c->src.s);
		break;
	case CHANGE_STEP_DONE:
		r = err_set(e, ERR_INTERNAL, "no step to send");
		break;
	}
	return r;
}

static enum change_step
first_step(const struct change *ch)
{
	switch (ch->kind) {
	case CHANGE_FLAG:
		return CHANGE_STEP_STORE;
	case CHANGE_MOVE:
		if (ch->labels != NULL)
			return CHANGE_STEP_STORE;	/* Gmail: a label change */
		return ch->use_move ? CHANGE_STEP_MOVE : CHANGE_STEP_COPY;
	case CHANGE_DELETE:
		break;
	}
	return CHANGE_STEP_DELETE;
}

/*
 * What is left of chunk c when it stops at its current step: refused or
 * never sent, or (unconfirmed) sent and never answered, when the server
 * may or may not have carried it out.
 */
static void
chunk_abandon(struct run *run, struct chunk *c, int unconfirmed)
{
	struct uidset *l = &run->res->left[unconfirmed != 0][c->step];
	const char *p;
	uint32_t lo, hi;
	size_t i;

	/* After a confirmed copy, what COPYUID named is what is at stake. */
	if ((c->step == CHANGE_STEP_DELETE || c->step == CHANGE_STEP_EXPUNGE) &&
	    run->ch->kind == CHANGE_MOVE && c->have_copyuid) {
		p = c->cu_src.s;
		while (uidseq_next(&p, &lo, &hi) > 0)
			uidset_add(l, lo, hi);
	} else
		for (i = c->from; i < c->to; i++)
			uidset_add(l, run->set->r[i].lo, run->set->r[i].hi);
	c->active = 0;
}

static void
run_fail(struct run *run, const struct err *e)
{
	if (run->res->fail.kind == ERR_NONE)
		run->res->fail = *e;
	run->stop = 1;
}

/* The chunk's copy was confirmed: what it says was copied gets deleted. */
static int
chunk_take_src(struct run *run, struct chunk *c, struct err *e)
{
	struct uidset src;
	const char *p;
	uint32_t lo, hi;
	int r, ok = 1;

	buf_reset(&c->src);
	if (!c->have_copyuid)
		return buf_adds(&c->src, c->text.s) < 0 ?
		    err_set(e, ERR_INTERNAL, "UID set too long") : 0;
	uidset_init(&src);
	p = c->cu_src.s;
	while ((r = uidseq_next(&p, &lo, &hi)) > 0) {
		/* Never more than the chunk named, whatever the server says. */
		if (!chunk_covers(run, c, lo, hi))
			ok = 0;
		uidset_add(&src, lo, hi);
	}
	if (r < 0 || !ok) {
		uidset_free(&src);
		return err_set(e, ERR_PROTOCOL, "the server's COPYUID names "
		    "messages that were not copied");
	}
	r = uidset_format(&src, &c->src);
	uidset_free(&src);
	return r < 0 ? err_set(e, ERR_INTERNAL, "UID set too long") : 0;
}

/* The server says the destination does not exist: name --create. */
static void
hint_create(struct err *e, const char *dest)
{
	char msg[ERR_MSG_MAX], code[ERR_CODE_MAX];

	memcpy(msg, e->msg, sizeof(msg));
	memcpy(code, e->code, sizeof(code));
	err_set(e, e->kind, "%.400s (--create creates '%.400s')", msg,
	    dest);
	err_set_code(e, code, strlen(code));
}

/*
 * The chunk's command was answered: on to its next step, or done, or
 * stopped. Returns -1 only when the next step could not be sent.
 */
static int
chunk_advance(struct run *run, struct chunk *c, const struct sess_reply *rep,
    struct err *e)
{
	const struct change *ch = run->ch;
	enum imap_status st;
	struct err no;

	/*
	 * flag: some of the chunk's messages were expunged by another
	 * session (RFC 9051's EXPUNGEISSUED); the others were changed, and
	 * the FETCH responses say which.
	 */
	st = rep->status;
	if ((c->step == CHANGE_STEP_STORE || c->step == CHANGE_STEP_FETCH) &&
	    st == IMAP_ST_NO && strcasecmp(rep->code, "EXPUNGEISSUED") == 0)
		st = IMAP_ST_OK;
	if (c->step == CHANGE_STEP_CREATE && (st == IMAP_ST_OK ||
	    strcasecmp(rep->code, "ALREADYEXISTS") == 0)) {
		if (st == IMAP_ST_OK && ch->created_r != NULL)
			*ch->created_r = 1;
		c->step = first_step(ch);
		return chunk_send(run, c, e);
	}
	if (st != IMAP_ST_OK) {
		/* --create: the destination is made once, then tried again. */
		if ((c->step == CHANGE_STEP_MOVE || c->step == CHANGE_STEP_COPY) &&
		    ch->create && !run->created &&
		    strcasecmp(rep->code, "TRYCREATE") == 0) {
			run->created = 1;
			buf_reset(&c->cu_src);
			buf_reset(&c->cu_dst);
			c->have_copyuid = 0;
			c->step = CHANGE_STEP_CREATE;
			return chunk_send(run, c, e);
		}
		sess_reply_check(rep, &no);
		if ((c->step == CHANGE_STEP_MOVE || c->step == CHANGE_STEP_COPY) &&
		    !ch->create && ch->created_r != NULL &&
		    strcasecmp(rep->code, "TRYCREATE") == 0)
			hint_create(&no, ch->dest);
		if (c->step == CHANGE_STEP_CREATE)
			err_prefix(&no, "cannot create '%s'", ch->dest);
		else if (run->nchunks > 1)
			err_prefix(&no, "chunk %u of %u", c->index,
			    run->nchunks);
		run_fail(run, &no);
		chunk_abandon(run, c, 0);
		return 0;
	}
	run->probing = 0;
	switch (c->step) {
	case CHANGE_STEP_STORE:
		/* The server may report only the messages it changed. */
		if (ch->kind == CHANGE_FLAG &&
		    uidset_count(&c->seen) < chunk_count(run, c)) {
			c->step = CHANGE_STEP_FETCH;
			return chunk_send(run, c, e);
		}
		c->step = CHANGE_STEP_DONE;
		break;
	case CHANGE_STEP_FETCH:
		if (uidset_count(&c->seen) < chunk_count(run, c))
			chunk_gone(run, c, &c->seen);
		c->step = CHANGE_STEP_DONE;
		break;
	case CHANGE_STEP_MOVE:
		chunk_gone_copyuid(run, c);
		c->step = CHANGE_STEP_DONE;
		break;
	case CHANGE_STEP_COPY:
		if (chunk_take_src(run, c, &no) < 0) {
			c->step = CHANGE_STEP_DELETE;
			run_fail(run, &no);
			chunk_abandon(run, c, 0);
			return 0;
		}
		chunk_gone_copyuid(run, c);
		c->step = c->src.len > 0 ? CHANGE_STEP_DELETE : CHANGE_STEP_DONE;
		if (c->step == CHANGE_STEP_DELETE)
			return chunk_send(run, c, e);
		break;
	case CHANGE_STEP_DELETE:
		if (ch->kind == CHANGE_DELETE && ch->flag_only) {
			c->step = CHANGE_STEP_DONE;
			break;
		}
		c->step = CHANGE_STEP_EXPUNGE;
		return chunk_send(run, c, e);
	case CHANGE_STEP_CREATE:
	case CHANGE_STEP_EXPUNGE:
	case CHANGE_STEP_DONE:
		c->step = CHANGE_STEP_DONE;
		break;
	}
	chunk_emit(run, c);
	if (run->cb->progress != NULL)
		run->cb->progress(run->cb->arg, chunk_count(run, c));
	c->active = 0;
	return 0;
}

/*
 * The end of a chunk's command: its answer moves the chunk on; without
 * one (the session failed) the chunk stops where it was, unconfirmed.
 */
static int
chunk_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct chunk *c = ctx;
	struct run *run = c->run;
	struct err se;

	(void)s;
	(void)e;
	if (rep->status == IMAP_ST_NONE) {
		chunk_abandon(run, c, 1);
		return 0;
	}
	if (rep->status == IMAP_ST_OK && rep->resp != NULL &&
	    rep->resp->code != NULL && (c->step == CHANGE_STEP_MOVE ||
	    c->step == CHANGE_STEP_COPY))
		take_copyuid(run, rep->resp->code);
	err_clear(&se);
	if (chunk_advance(run, c, rep, &se) < 0) {
		/* Its next step never left: not done. */
		run_fail(run, &se);
		chunk_abandon(run, c, 0);
	}
	return 0;
}

/* Put the next ranges of the set in a free chunk and send its first step. */
static int
chunk_start(struct run *run, struct chunk *c, struct err *e)
{
	size_t from = run->pos;

	if (uidset_next_chunk(run->set, &run->pos, &c->text) <= 0)
		return err_set(e, ERR_INTERNAL, "UID set too large");
	c->active = 1;
	c->index = ++run->started;
	c->from = from;
	c->to = run->pos;
	c->step = first_step(run->ch);
	uidset_clear(&c->seen);
	buf_reset(&c->cu_src);
	buf_reset(&c->cu_dst);
	buf_reset(&c->src);
	c->have_copyuid = 0;
	if (c->step == CHANGE_STEP_DELETE)
		buf_adds(&c->src, c->text.s);
	return chunk_send(run, c, e);
}

void
change_result_init(struct change_result *res)
{
	size_t i;

	err_clear(&res->fail);
	for (i = 0; i < CHANGE_STEP_DONE; i++) {
		uidset_init(&res->left[0][i]);
		uidset_init(&res->left[1][i]);
	}
	uidset_init(&res->gone);
}

void
change_result_free(struct change_result *res)
{
	size_t i;

	for (i = 0; i < CHANGE_STEP_DONE; i++) {
		uidset_free(&res->left[0][i]);
		uidset_free(&res->left[1][i]);
	}
	uidset_free(&res->gone);
}

int
change_apply(struct sess *s, const struct change *ch,
    const struct uidset *set, const struct change_cb *cb,
    struct change_result *res)
{
	struct sess_scope sc = { on_untagged, NULL, NULL, NULL };
	struct run run;
	struct buf tmp;
	struct err e, stopped;
	size_t i, pos = 0, nactive;

	memset(&run, 0, sizeof(run));
	run.ch = ch;
	run.cb = cb;
	run.set = set;
	run.res = res;
	run.probing = ch->kind == CHANGE_MOVE && ch->create;
	err_clear(&e);
	buf_init(&tmp, UIDSET_CHUNK * 2);
	while (uidset_next_chunk(set, &pos, &tmp) > 0)
		run.nchunks++;
	buf_free(&tmp);
	for (i = 0; i < CHANGE_WINDOW; i++) {
		run.c[i].run = &run;
		buf_init(&run.c[i].text, UIDSET_CHUNK * 2);
		buf_init(&run.c[i].cu_src, IMAP_MAX_LINE);
		buf_init(&run.c[i].cu_dst, IMAP_MAX_LINE);
		buf_init(&run.c[i].src, IMAP_MAX_LINE);
		uidset_init(&run.c[i].seen);
	}
	sc.ctx = &run;
	run.p = sess_pipe_begin(s, &sc, CHANGE_WINDOW);
	for (;;) {
		nactive = 0;
		for (i = 0; i < CHANGE_WINDOW; i++)
			nactive += run.c[i].active;
		for (i = 0; i < CHANGE_WINDOW && !run.stop &&
		    run.pos < set->n && nactive < (run.probing ? 1u :
		    CHANGE_WINDOW); i++) {
			if (run.c[i].active)
				continue;
			/*
			 * The caller may want no more started (nobody reads
			 * the records any more, say): what is in flight is
			 * finished, and the result says what was not done.
			 */
			if (cb->more != NULL && cb->more(cb->arg, &e) < 0) {
				run_fail(&run, &e);
				break;
			}
			if (chunk_start(&run, &run.c[i], &e) < 0) {
				/* Its first step never left: not done. */
				run_fail(&run, &e);
				if (run.c[i].active)
					chunk_abandon(&run, &run.c[i], 0);
				break;
			}
			/* (Not when a signal stopped it before it was sent.) */
			nactive += run.c[i].active;
		}
		for (i = 0, nactive = 0; i < CHANGE_WINDOW; i++)
			nactive += run.c[i].active;
		if (nactive == 0)
			break;
		/* Each answer moves its chunk on (chunk_done). */
		if (sess_pipe_step(run.p, &e) < 0) {
			run_fail(&run, &e);
			break;
		}
	}
	/*
	 * What is in flight is waited for while the session is sound (after
	 * a refusal, say), so that no answer is left for commands that are
	 * gone; else it is abandoned, each chunk named by the step it had
	 * reached, unconfirmed.
	 */
	if (sess_pipe_end(run.p, res->fail.kind != ERR_NONE ? -1 : 0, &e) < 0)
		run_fail(&run, &e);
	/* After a signal, the signal is what stopped the change. */
	if (res->fail.kind != ERR_NONE && stop_signal() &&
	    strncmp(res->fail.msg, "stopped by ", 11) != 0) {
		stop_err(&stopped);
		err_prefix(&res->fail, "%s", stopped.msg);
	}
	/* What was never started. */
	for (i = run.pos; i < set->n; i++)
		uidset_add(&res->left[0][first_step(ch)], set->r[i].lo,
		    set->r[i].hi);
	for (i = 0; i < CHANGE_WINDOW; i++) {
		buf_free(&run.c[i].text);
		buf_free(&run.c[i].cu_src);
		buf_free(&run.c[i].cu_dst);
		buf_free(&run.c[i].src);
		uidset_free(&run.c[i].seen);
	}
	return res->fail.kind != ERR_NONE ? -1 : 0;
}
