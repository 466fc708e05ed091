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
#include "search.h"
#include "stop.h"
#include "uidchange.h"
#include "uidmap.h"
#include "xalloc.h"
#include "banned.h"

/*
 * A refused MOVE or COPY may have done part of its work: Dovecot commits
 * a MOVE a thousand messages at a time, and answers NO [EXPUNGEISSUED]
 * when another session expunged one of the rest. What happened is found
 * out afterwards: which messages are still in the source (UID SEARCH),
 * which of the others COPYUID names, and, for a MOVE, which of the rest
 * arrived in the destination, by the Message-IDs asked for just before
 * the MOVE; what is still there is tried once more.
 */
#define CHANGE_LOOK_SLACK	1000	/* destination messages looked at */
#define CHANGE_LOOK_MAX		100000	/* beyond this many, not looked for */

/* Which of a chunk's commands an answer is for. */
enum role {
	ROLE_STEP,		/* the step itself */
	ROLE_IDS,		/* move: the Message-IDs, before MOVE */
	ROLE_MAP,		/* delete: the sequence numbers, before EXPUNGE */
	ROLE_N
};

struct chunk;

struct cref {
	struct chunk	*c;
	enum role	 role;
};

struct msgid {
	uint32_t	 uid;
	char		*id;
};

struct msgids {
	struct msgid	*v;
	size_t		 n, alloc;
};

/*
 * delete: what the server said about the chunk's messages from just
 * before its UID EXPUNGE to its end, in order: a message's sequence
 * number (FETCH), or an expunge (EXPUNGE), answering the UID EXPUNGE
 * (ours) or not.
 */
enum ev_kind {
	EV_SEQ,
	EV_EXPUNGE
};

struct ev {
	uint32_t	 seq, uid;
	unsigned char	 kind, ours;
};

struct run;

struct chunk {
	struct run	*run;
	struct cref	 ref[ROLE_N];
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
	struct msgids	 ids;		/* move: Message-IDs before MOVE */
	int		 ids_asked;	/* for this chunk's MOVE */
	int		 ids_ok;	/* and answered: any not there was gone */
	/* delete: from its map FETCH to the end of its UID EXPUNGE. */
	int		 mapping;
	int		 map_ok;	/* the map FETCH was answered */
	int		 expunging;	/* its UID EXPUNGE sent, not answered */
	struct ev	*ev;
	size_t		 nev, aev;
	struct uidset	 v_ours, v_others;	/* VANISHED */
};

/* A refused MOVE or COPY, looked at once its window is over. */
struct pending {
	enum change_step step;
	int		 expungeissued;
	struct uidset	 set;		/* what it named */
	int		 have_copyuid;
	uint32_t	 dest_uidvalidity;
	struct buf	 cu_src, cu_dst;
	struct msgids	 ids;
	int		 ids_ok;	/* a message without one was gone */
	struct err	 no;
};

struct run {
	const struct change	*ch;
	const struct change_cb	*cb;
	const struct uidset	*set;		/* this pass's */
	struct sess		*s;
	struct sess_pipe	*p;		/* the chunks' commands */
	struct chunk		 c[CHANGE_WINDOW];
	size_t			 pos;		/* next range to put in a chunk */
	unsigned		 nchunks, started;
	int			 stop;		/* start no more chunks */
	int			 probing;	/* --create: one chunk at first */
	int			 created;
	int			 no_retry;	/* the second pass */
	struct pending		*pend;
	size_t			 npend;
	struct msgids		 lost;		/* gone from the source by MOVE */
	struct uidset		 post;		/* delete: to look at after */
	struct uidset		 claimed;	/* move: found in the dest */
	unsigned		 searches;	/* move: Message-ID searches */
	struct change_result	*res;		/* what was not done */
};

static void
msgids_add(struct msgids *m, uint32_t uid, const char *id, size_t len)
{
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 64;
		m->v = xrealloc(m->v, m->alloc * sizeof(*m->v));
	}
	m->v[m->n].uid = uid;
	m->v[m->n].id = xstrndup(id, len);
	m->n++;
}

static void
msgids_clear(struct msgids *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->v[i].id);
	m->n = 0;
}

static void
msgids_free(struct msgids *m)
{
	msgids_clear(m);
	free(m->v);
	m->v = NULL;
	m->alloc = 0;
}

static const char *
msgids_find(const struct msgids *m, uint32_t uid)
{
	size_t i;

	/* Asked in UID order, answered mostly in it: look from the end. */
	for (i = m->n; i > 0; i--)
		if (m->v[i - 1].uid == uid)
			return m->v[i - 1].id;
	return NULL;
}

/*
 * The Message-ID of a BODY[HEADER.FIELDS (MESSAGE-ID)] value: unfolded,
 * without blanks; len 0 when there is none.
 */
static size_t
header_msgid(const char *h, size_t hlen, char *out, size_t outlen)
{
	const char *p = h, *end = h + hlen;
	size_t n = 0;

	for (; p < end; p++) {
		if ((p == h || p[-1] == '\n') && (size_t)(end - p) > 11 &&
		    strncasecmp(p, "message-id:", 11) == 0)
			break;
	}
	if (p >= end)
		return 0;
	for (p += 11; p < end; p++) {
		if (*p == '\r' || *p == '\n') {
			/* A folded line goes on with a blank. */
			if (p + 1 < end && *p == '\r' && p[1] == '\n')
				p++;
			if (p + 1 >= end || (p[1] != ' ' && p[1] != '\t'))
				break;
			continue;
		}
		if (*p == ' ' || *p == '\t')
			continue;
		if (n + 1 >= outlen)
			return 0;
		out[n++] = *p;
	}
	out[n] = '\0';
	return n;
}

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

static void
chunk_event(struct chunk *c, enum ev_kind kind, uint32_t seq, uint32_t uid,
    int ours)
{
	if (c->nev == c->aev) {
		c->aev = c->aev ? c->aev * 2 : 256;
		c->ev = xrealloc(c->ev, c->aev * sizeof(*c->ev));
	}
	c->ev[c->nev].kind = (unsigned char)kind;
	c->ev[c->nev].seq = seq;
	c->ev[c->nev].uid = uid;
	c->ev[c->nev].ours = ours != 0;
	c->nev++;
}

/*
 * A FETCH response: with UID and FLAGS, a record of the flags now (flag);
 * with the Message-ID, what a move may have to look for (move); any with
 * a UID, where that message stands (delete).
 */
static int
on_fetch(struct run *run, const struct imap_resp *r)
{
	const struct imap_arg *a = r->args, *items, *flags = NULL;
	const char *atom, *hdr = NULL;
	char id[1000];
	struct chunk *c;
	uint32_t n, uid = 0;
	size_t hlen = 0, idlen;
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
		else if (imap_arg_atom(a, &atom) &&
		    strncasecmp(atom, "BODY[", 5) == 0 &&
		    !imap_arg_nstring(a->next, &hdr, &hlen))
			hdr = NULL;
	}
	if (n == 0 || uid == 0 || (c = chunk_of(run, uid)) == NULL)
		return 0;
	if (run->ch->kind == CHANGE_DELETE && c->mapping) {
		chunk_event(c, EV_SEQ, n, uid, 0);
		return 0;
	}
	if (run->ch->kind == CHANGE_MOVE && hdr != NULL &&
	    c->step == CHANGE_STEP_MOVE && c->ids_asked) {
		if ((idlen = header_msgid(hdr, hlen, id, sizeof(id))) > 0 &&
		    msgids_find(&c->ids, uid) == NULL)
			msgids_add(&c->ids, uid, id, idlen);
		return 0;
	}
	if (run->ch->kind != CHANGE_FLAG || !have_flags ||
	    (c->step != CHANGE_STEP_STORE && c->step != CHANGE_STEP_FETCH) ||
	    uidset_contains(&c->seen, uid))
		return 0;
	uidset_add(&c->seen, uid, uid);
	if (run->cb->flagged != NULL)
		run->cb->flagged(run->cb->arg, uid, flags);
	return 0;
}

/*
 * delete: an expunge, told to every chunk between its map and the end of
 * its UID EXPUNGE; one told while a chunk's UID EXPUNGE is in flight is
 * taken as that EXPUNGE's. (Not by the command the server is answering:
 * Dovecot runs pipelined commands at once and tells the expunges of one
 * before the tagged answer of another.)
 */
static void
on_expunge(struct run *run, uint32_t seq)
{
	struct chunk *c;
	size_t i;

	for (i = 0; i < CHANGE_WINDOW; i++) {
		c = &run->c[i];
		if (c->active && c->mapping)
			chunk_event(c, EV_EXPUNGE, seq, 0, c->expunging);
	}
}

/* delete: VANISHED names the UIDs themselves (QRESYNC). */
static void
on_vanished(struct run *run, const struct imap_arg *a)
{
	const char *set, *p;
	uint32_t lo, hi, u;
	struct chunk *c;

	if (a != NULL && a->type == IMAP_LIST)
		return;		/* (EARLIER): not news */
	if (!imap_arg_atom(a, &set))
		return;
	for (p = set; uidseq_next(&p, &lo, &hi) > 0; ) {
		if (hi - lo > 10000000u)
			return;
		for (u = lo; ; u++) {
			if ((c = chunk_of(run, u)) != NULL && c->mapping)
				uidset_add(c->expunging ? &c->v_ours :
				    &c->v_others, u, u);
			if (u == hi)
				break;
		}
	}
}

static int
on_untagged(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct run *run = ctx;
	const struct imap_arg *a = r->args;
	uint32_t n;

	(void)s;
	(void)e;
	if (r->status == IMAP_ST_OK && r->code != NULL)
		take_copyuid(run, r->code);
	else if (r->status != IMAP_ST_NONE)
		return 0;
	else if (imap_arg_is(a, "VANISHED")) {
		if (run->ch->kind == CHANGE_DELETE)
			on_vanished(run, a->next);
	} else if (imap_arg_u32(a, &n) && imap_arg_is(a->next, "EXPUNGE")) {
		if (run->ch->kind == CHANGE_DELETE && n > 0)
			on_expunge(run, n);
	} else
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
	struct cref *ref = &c->ref[ROLE_STEP];
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
			r = sess_pipe_send(p, chunk_done, ref, e,
			    "UID STORE %S %s (%V)", c->text.s, ch->store_item,
			    ch->labels, ch->nlabels);
		else
			r = sess_pipe_send(p, chunk_done, ref, e,
			    "UID STORE %S %s (%s)", c->text.s, ch->store_item,
			    ch->flags);
		break;
	case CHANGE_STEP_FETCH:
		r = sess_pipe_send(p, chunk_done, ref, e, "UID FETCH %S (UID %s)",
		    c->text.s, ch->labels != NULL ? "X-GM-LABELS" : "FLAGS");
		break;
	case CHANGE_STEP_CREATE:
		r = sess_pipe_send(p, chunk_done, ref, e, "CREATE %M", ch->dest);
		break;
	case CHANGE_STEP_MOVE:
		/*
		 * The Message-IDs first: should the MOVE be refused
		 * part-way, they say which messages arrived. The MOVE goes
		 * when they are answered (chunk_done), so that a message
		 * without one was gone before the MOVE began (Dovecot runs
		 * a UID FETCH and a UID MOVE at once when they come
		 * together).
		 */
		if (ch->labels == NULL && !c->ids_asked) {
			msgids_clear(&c->ids);
			c->ids_ok = 0;
			c->ids_asked = 1;
			r = sess_pipe_send(p, chunk_done, &c->ref[ROLE_IDS], e,
			    "UID FETCH %S (UID BODY.PEEK[HEADER.FIELDS "
			    "(MESSAGE-ID)])", c->text.s);
			break;
		}
		r = sess_pipe_send(p, chunk_done, ref, e, "UID MOVE %S %M",
		    c->text.s, ch->dest);
		break;
	case CHANGE_STEP_COPY:
		r = sess_pipe_send(p, chunk_done, ref, e, "UID COPY %S %M",
		    c->text.s, ch->dest);
		break;
	case CHANGE_STEP_DELETE:
		r = sess_pipe_send(p, chunk_done, ref, e, "UID STORE %S "
		    "+FLAGS.SILENT (\\Deleted)", c->src.s);
		break;
	case CHANGE_STEP_EXPUNGE:
		if (ch->expunge_all) {
			r = sess_pipe_send(p, chunk_done, ref, e, "EXPUNGE");
			break;
		}
		/*
		 * delete: where each message stands first, so that the UID
		 * EXPUNGE's responses say which messages it removed, those
		 * that another session took before told apart. The UID
		 * EXPUNGE goes when that FETCH is answered (chunk_done):
		 * Dovecot runs the two at once when they come together,
		 * and the EXPUNGE responses could no longer be told apart.
		 */
		if (ch->kind == CHANGE_DELETE && !c->mapping) {
			c->nev = 0;
			uidset_clear(&c->v_ours);
			uidset_clear(&c->v_others);
			c->map_ok = 0;
			c->mapping = 1;
			/*
			 * NOOP first: a server that tells other sessions'
			 * expunges lazily (Dovecot does after a FETCH) tells
			 * them now, before the map, not during the EXPUNGE.
			 */
			r = sess_pipe_send(p, NULL, NULL, e, "NOOP");
			if (r == 0)
				r = sess_pipe_send(p, chunk_done,
				    &c->ref[ROLE_MAP], e, "UID FETCH %S (UID)",
				    c->src.s);
			if (r < 0)
				c->mapping = 0;
			break;
		}
		r = sess_pipe_send(p, chunk_done, ref, e, "UID EXPUNGE %S",
		    c->src.s);
		c->expunging = c->mapping && r == 0;
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
	c->mapping = 0;
	c->expunging = 0;
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

/* The chunk's MOVE or COPY was refused: kept to be looked at later. */
static void
pend_add(struct run *run, struct chunk *c, const struct err *no,
    int expungeissued)
{
	struct pending *pd;
	size_t i;

	run->pend = xrealloc(run->pend, (run->npend + 1) * sizeof(*pd));
	pd = &run->pend[run->npend++];
	memset(pd, 0, sizeof(*pd));
	pd->step = c->step;
	pd->expungeissued = expungeissued;
	uidset_init(&pd->set);
	for (i = c->from; i < c->to; i++)
		uidset_add(&pd->set, run->set->r[i].lo, run->set->r[i].hi);
	pd->have_copyuid = c->have_copyuid;
	pd->dest_uidvalidity = c->dest_uidvalidity;
	buf_init(&pd->cu_src, IMAP_MAX_LINE);
	buf_init(&pd->cu_dst, IMAP_MAX_LINE);
	if (c->have_copyuid && (buf_adds(&pd->cu_src, c->cu_src.s) < 0 ||
	    buf_adds(&pd->cu_dst, c->cu_dst.s) < 0))
		pd->have_copyuid = 0;
	/* The Message-IDs go with it. */
	pd->ids = c->ids;
	pd->ids_ok = c->ids_ok;
	memset(&c->ids, 0, sizeof(c->ids));
	pd->no = *no;
}

static void
pend_free(struct pending *pd)
{
	uidset_free(&pd->set);
	buf_free(&pd->cu_src);
	buf_free(&pd->cu_dst);
	msgids_free(&pd->ids);
}

/* A Fenwick tree of the messages still there, by original position. */
static void
fen_add(int *f, size_t n, size_t i, int v)
{
	for (; i <= n; i += i & -i)
		f[i] += v;
}

/* The original position of the k-th message still there (1-based). */
static size_t
fen_kth(const int *f, size_t n, size_t k)
{
	size_t pos = 0, step = 1;

	while (step * 2 <= n)
		step *= 2;
	for (; step > 0; step /= 2)
		if (pos + step <= n && (size_t)f[pos + step] < k) {
			pos += step;
			k -= (size_t)f[pos];
		}
	return pos + 1;
}

#define CHANGE_MAP_MAX	(16u << 20)	/* positions a map may span */

/*
 * delete: replay what the server said from the map to the end of the
 * UID EXPUNGE. Each sequence number is resolved to a position in the
 * mailbox as it stood at the map, expunges removing positions as they
 * come; seen gets the messages placed, ours those the UID EXPUNGE
 * removed, others those removed by anything else. 0, or -1 when the
 * numbers make no sense (then nothing is known).
 */
static int
chunk_replay(struct chunk *c, struct uidset *seen, struct uidset *ours,
    struct uidset *others)
{
	size_t n = 0, nexp = 0, i, p, total;
	uint32_t *member;
	int *f;

	for (i = 0; i < c->nev; i++) {
		if (c->ev[i].kind == EV_EXPUNGE)
			nexp++;
		else if (c->ev[i].seq > n)
			n = c->ev[i].seq;
	}
	if (n > CHANGE_MAP_MAX || nexp > CHANGE_MAP_MAX)
		return -1;
	n += nexp;
	if (n == 0)
		return 0;
	f = xcalloc(n + 1, sizeof(*f));
	member = xcalloc(n + 1, sizeof(*member));
	for (i = 1; i <= n; i++) {
		f[i]++;
		if ((p = i + (i & -i)) <= n)
			f[p] += f[i];
	}
	total = n;
	for (i = 0; i < c->nev; i++) {
		if (c->ev[i].seq > total)
			continue;
		p = fen_kth(f, n, c->ev[i].seq);
		if (c->ev[i].kind == EV_SEQ) {
			member[p] = c->ev[i].uid;
			uidset_add(seen, c->ev[i].uid, c->ev[i].uid);
			continue;
		}
		fen_add(f, n, p, -1);
		total--;
		if (member[p] != 0)
			uidset_add(c->ev[i].ours ? ours : others, member[p],
			    member[p]);
		member[p] = 0;
	}
	free(f);
	free(member);
	return 0;
}

/*
 * delete: the chunk's UID EXPUNGE was answered. Its records are what it
 * removed; what another session took first is gone; what nobody said is
 * looked at after the window (a server may send no EXPUNGE at all).
 */
static void
chunk_settle_delete(struct run *run, struct chunk *c)
{
	struct uidset src, seen, ours, others, t1, t2;
	const char *p;
	uint32_t lo, hi, u;
	size_t i;

	uidset_init(&src);
	uidset_init(&seen);
	uidset_init(&ours);
	uidset_init(&others);
	uidset_init(&t1);
	uidset_init(&t2);
	for (p = c->src.s; uidseq_next(&p, &lo, &hi) > 0; )
		uidset_add(&src, lo, hi);
	if (c->map_ok && chunk_replay(c, &seen, &ours, &others) < 0) {
		uidset_clear(&seen);
		uidset_clear(&ours);
		uidset_clear(&others);
		c->map_ok = 0;
	}
	uidset_merge(&ours, &c->v_ours);
	uidset_merge(&others, &c->v_others);
	/* Only the chunk's own, and what it removed is not also gone. */
	uidset_intersect(&ours, &src, &t1);
	uidset_clear(&ours);
	uidset_merge(&ours, &t1);
	uidset_clear(&t1);
	uidset_subtract(&others, &ours, &t1);
	uidset_intersect(&t1, &src, &t2);
	uidset_merge(&run->res->gone, &t2);
	uidset_clear(&t1);
	/* Neither: placed by the map and never heard of, or all without it. */
	if (c->map_ok) {
		uidset_subtract(&src, &seen, &t1);
		uidset_merge(&run->res->gone, &t1);
		uidset_clear(&t1);
		uidset_intersect(&seen, &src, &t1);
	} else
		uidset_merge(&t1, &src);
	uidset_clear(&seen);
	uidset_subtract(&t1, &ours, &seen);
	uidset_clear(&t1);
	uidset_subtract(&seen, &t2, &t1);
	uidset_merge(&run->post, &t1);
	for (i = 0; i < ours.n; i++)
		for (u = ours.r[i].lo; ; u++) {
			run_moved(run, u, 0, 0);
			if (u == ours.r[i].hi)
				break;
		}
	c->mapping = 0;
	c->nev = 0;
	uidset_free(&src);
	uidset_free(&seen);
	uidset_free(&ours);
	uidset_free(&others);
	uidset_free(&t1);
	uidset_free(&t2);
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
	 * the FETCH responses say which. delete: the others were flagged,
	 * and the EXPUNGE's responses say which went.
	 */
	st = rep->status;
	if ((c->step == CHANGE_STEP_STORE || c->step == CHANGE_STEP_FETCH ||
	    c->step == CHANGE_STEP_DELETE) &&
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
		/*
		 * A MOVE may have moved part of the chunk before it was
		 * refused, and a COPY refused for EXPUNGEISSUED may be
		 * tried again: looked at once the window is over.
		 */
		if ((c->step == CHANGE_STEP_MOVE &&
		    strcasecmp(rep->code, "TRYCREATE") != 0) ||
		    (c->step == CHANGE_STEP_COPY &&
		    strcasecmp(rep->code, "EXPUNGEISSUED") == 0)) {
			pend_add(run, c, &no,
			    strcasecmp(rep->code, "EXPUNGEISSUED") == 0);
			run->stop = 1;
			c->active = 0;
			return 0;
		}
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
		msgids_clear(&c->ids);
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
	case CHANGE_STEP_EXPUNGE:
		c->step = CHANGE_STEP_DONE;
		if (c->mapping) {
			/* delete: what its UID EXPUNGE removed, told apart. */
			chunk_settle_delete(run, c);
			if (run->cb->progress != NULL)
				run->cb->progress(run->cb->arg,
				    chunk_count(run, c));
			c->active = 0;
			return 0;
		}
		break;
	case CHANGE_STEP_CREATE:
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
	struct cref *ref = ctx;
	struct chunk *c = ref->c;
	struct run *run = c->run;
	struct err se;
	int ok;

	(void)s;
	(void)e;
	/*
	 * The Message-IDs before a MOVE, the map before a delete's
	 * EXPUNGE: now the MOVE or the EXPUNGE.
	 */
	if (ref->role != ROLE_STEP && rep->status != IMAP_ST_NONE) {
		ok = rep->status == IMAP_ST_OK ||
		    (rep->status == IMAP_ST_NO &&
		    strcasecmp(rep->code, "EXPUNGEISSUED") == 0);
		if (ref->role == ROLE_MAP)
			c->map_ok = ok;
		else
			c->ids_ok = ok;
		err_clear(&se);
		if (chunk_send(run, c, &se) < 0) {
			run_fail(run, &se);
			chunk_abandon(run, c, 0);
		}
		return 0;
	}
	if (ref->role == ROLE_STEP)
		c->expunging = 0;
	if (rep->status == IMAP_ST_NONE) {
		/* (After the IDs or the map, its step was not sent yet.) */
		chunk_abandon(run, c, ref->role == ROLE_STEP);
		return 0;
	}
	if (rep->status != IMAP_ST_BAD && rep->resp != NULL &&
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
	c->ids_asked = 0;
	c->ids_ok = 0;
	if (c->step == CHANGE_STEP_DELETE && buf_adds(&c->src, c->text.s) < 0)
		return err_set(e, ERR_INTERNAL, "UID set too long");
	return chunk_send(run, c, e);
}

/* Records for COPYUID's pairs that lie in set; those UIDs into done. */
static void
emit_pairs(struct run *run, const struct pending *pd, struct uidset *done)
{
	struct uidmap m;
	uint32_t uid, dest;

	if (!pd->have_copyuid)
		return;
	uidmap_init(&m, pd->cu_src.s, pd->cu_dst.s);
	while (uidmap_next(&m, &uid, &dest) > 0) {
		if (!uidset_contains(&pd->set, uid) ||
		    uidset_contains(done, uid))
			continue;
		uidset_add(done, uid, uid);
		run_moved(run, uid, pd->dest_uidvalidity, dest);
	}
}

/*
 * After a window: what each refused MOVE or COPY did. What COPYUID names
 * was done; what is still in the source goes to retry (the first time,
 * when another session had a hand in it), else it was not done; a
 * COPY's others are gone, a MOVE's are looked for in the destination.
 */
static void
settle_pending(struct run *run, struct uidset *retry)
{
	struct change_result *res = run->res;
	struct pending *pd;
	struct uidset present, done, t, missing;
	struct err e;
	const char *id;
	size_t i, j;
	uint32_t u;

	for (i = 0; i < run->npend; i++) {
		pd = &run->pend[i];
		uidset_init(&present);
		uidset_init(&done);
		uidset_init(&t);
		uidset_init(&missing);
		err_clear(&e);
		emit_pairs(run, pd, &done);
		if (sess_broken(run->s) ||
		    search_existing(run->s, &pd->set, &present, &e) < 0) {
			/* Refused, and what it did cannot be told. */
			run_fail(run, e.kind != ERR_NONE ? &e : &pd->no);
			uidset_subtract(&pd->set, &done, &t);
			uidset_merge(&res->left[1][pd->step], &t);
			goto next;
		}
		uidset_subtract(&pd->set, &present, &t);
		uidset_subtract(&t, &done, &missing);
		if (pd->step == CHANGE_STEP_COPY)
			uidset_merge(&res->gone, &missing);
		else
			for (j = 0; j < missing.n; j++)
				for (u = missing.r[j].lo; ; u++) {
					if ((id = msgids_find(&pd->ids, u)) !=
					    NULL)
						msgids_add(&run->lost, u, id,
						    strlen(id));
					else
						uidset_add(pd->ids_ok ?
						    &res->gone : &res->unsure,
						    u, u);
					if (u == missing.r[j].hi)
						break;
				}
		if (present.n > 0) {
			if (!run->no_retry && (pd->expungeissued ||
			    missing.n > 0 || done.n > 0))
				uidset_merge(retry, &present);
			else {
				uidset_merge(&res->left[0][pd->step],
				    &present);
				run_fail(run, &pd->no);
			}
		}
		if (run->cb->progress != NULL)
			run->cb->progress(run->cb->arg,
			    uidset_count(&pd->set) - uidset_count(&present));
next:
		uidset_free(&present);
		uidset_free(&done);
		uidset_free(&t);
		uidset_free(&missing);
		pend_free(pd);
	}
	run->npend = 0;
}

/*
 * delete: the messages no EXPUNGE response named. Gone now: the UID
 * EXPUNGE removed them (a server may say nothing); still there: not
 * expunged.
 */
static void
look_post(struct run *run)
{
	struct change_result *res = run->res;
	struct uidset present, gone;
	struct err e;
	size_t i;
	uint32_t u;

	if (run->post.n == 0)
		return;
	uidset_init(&present);
	uidset_init(&gone);
	err_clear(&e);
	if (sess_broken(run->s) ||
	    search_existing(run->s, &run->post, &present, &e) < 0) {
		if (e.kind != ERR_NONE)
			run_fail(run, &e);
		uidset_merge(&res->left[1][CHANGE_STEP_EXPUNGE], &run->post);
		goto out;
	}
	uidset_subtract(&run->post, &present, &gone);
	for (i = 0; i < gone.n; i++)
		for (u = gone.r[i].lo; ; u++) {
			run_moved(run, u, 0, 0);
			if (u == gone.r[i].hi)
				break;
		}
	if (present.n > 0) {
		uidset_merge(&res->left[0][CHANGE_STEP_EXPUNGE], &present);
		err_set(&e, ERR_UNAVAILABLE, "the server left messages that "
		    "UID EXPUNGE named");
		run_fail(run, &e);
	}
out:
	uidset_free(&present);
	uidset_free(&gone);
}

static int
on_dest(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct msgids *found = ctx;
	const struct imap_arg *a = r->args, *items;
	const char *atom, *hdr = NULL;
	char id[1000];
	uint32_t n, uid = 0;
	size_t hlen = 0, idlen;

	(void)s;
	(void)e;
	if (r->status != IMAP_ST_NONE || !imap_arg_u32(a, &n) ||
	    !imap_arg_is(a->next, "FETCH") ||
	    !imap_arg_list(a->next->next, &items, NULL))
		return 0;
	for (a = items; a != NULL && a->next != NULL; a = a->next->next) {
		if (imap_arg_is(a, "UID"))
			imap_arg_u32(a->next, &uid);
		else if (imap_arg_atom(a, &atom) &&
		    strncasecmp(atom, "BODY[", 5) == 0 &&
		    !imap_arg_nstring(a->next, &hdr, &hlen))
			hdr = NULL;
	}
	if (uid != 0 && hdr != NULL &&
	    (idlen = header_msgid(hdr, hlen, id, sizeof(id))) > 0)
		msgids_add(found, uid, id, idlen);
	return 0;
}

static int
dest_hit(void *ctx, uint32_t first, uint32_t last, struct err *e)
{
	(void)e;
	uidset_add(ctx, first, last);
	return 0;
}

static int
on_dest_search(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct search_walker w = { dest_hit, NULL, NULL, 0 };

	(void)s;
	if (search_answer(r, NULL, NULL) != SEARCH_ANSWER_SEARCH)
		return 0;
	w.ctx = ctx;
	return search_walk(r, &w, e);
}

/*
 * A lost message not among the destination's last ones: searched for by
 * its Message-ID over the whole destination, at most CHANGE_LOOK_SEARCH
 * times a run. 0 when that tells (moved, or gone), -1 when not.
 */
#define CHANGE_LOOK_SEARCH	200

static int
look_search(struct run *run, const struct msgid *key, uint32_t duv)
{
	struct sess_scope sc = { on_dest_search, NULL, NULL, NULL };
	struct sess_reply rep;
	struct uidset hits;
	struct err e;
	uint32_t u = 0;
	size_t i;
	int r = -1;

	if (run->searches >= CHANGE_LOOK_SEARCH || sess_broken(run->s))
		return -1;
	run->searches++;
	uidset_init(&hits);
	err_clear(&e);
	sc.ctx = &hits;
	if (sess_call(run->s, &sc, &rep, &e, "UID SEARCH HEADER Message-ID %Q",
	    key->id) < 0) {
		/* A garbled answer is the server's fault, said as such. */
		if (e.kind == ERR_PROTOCOL)
			run_fail(run, &e);
		goto out;
	}
	if (rep.status != IMAP_ST_OK)
		goto out;
	/* The newest that no other lost message was matched to. */
	for (i = hits.n; i > 0 && u == 0; i--)
		for (u = hits.r[i - 1].hi; ; u--) {
			if (!uidset_contains(&run->claimed, u))
				break;
			if (u == hits.r[i - 1].lo) {
				u = 0;
				break;
			}
		}
	if (u != 0) {
		uidset_add(&run->claimed, u, u);
		run_moved(run, key->uid, duv, u);
	} else
		uidset_add(&run->res->gone, key->uid, key->uid);
	r = 0;
out:
	uidset_free(&hits);
	return r;
}

static int
msgid_cmp(const void *a, const void *b)
{
	const struct msgid *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->uid < y->uid ? 1 : x->uid > y->uid ? -1 : 0;
}

/*
 * move: the messages a refused MOVE took from the source, looked for by
 * Message-ID among the destination's last messages (as many as were
 * lost and CHANGE_LOOK_SLACK more): found, they were moved; not found
 * when every message was looked at, another session expunged them;
 * else, not known. The source is selected again afterwards.
 */
static void
look_in_dest(struct run *run)
{
	const struct change *ch = run->ch;
	struct change_result *res = run->res;
	struct sess_scope sc = { on_dest, NULL, NULL, NULL };
	const struct sess_mailbox *m;
	struct msgids found = { NULL, 0, 0 };
	struct msgid key, *hit;
	struct sess_reply rep;
	struct err e;
	uint32_t duv, exists, from = 1;
	size_t i, lo, hi, mid;
	int ok = 0, covered = 0;

	if (run->lost.n == 0)
		return;
	err_clear(&e);
	if (sess_broken(run->s) || run->lost.n > CHANGE_LOOK_MAX)
		goto out;
	if (sess_select(run->s, ch->dest, 1, &e) < 0 ||
	    (m = sess_selected(run->s)) == NULL)
		goto reselect;
	duv = m->uidvalidity;
	exists = m->exists;
	if (exists > run->lost.n + CHANGE_LOOK_SLACK)
		from = exists - (uint32_t)(run->lost.n + CHANGE_LOOK_SLACK) + 1;
	covered = from == 1;
	sc.ctx = &found;
	if (exists > 0 && (sess_call(run->s, &sc, &rep, &e, "FETCH %u:* "
	    "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])", from) < 0 ||
	    sess_reply_check(&rep, &e) < 0))
		goto reselect;
	ok = 1;
	/* Each found message answers for one lost one, newest first. */
	if (found.n > 1)
		qsort(found.v, found.n, sizeof(*found.v), msgid_cmp);
	for (i = 0; i < run->lost.n; i++) {
		key = run->lost.v[i];
		hit = NULL;
		for (lo = 0, hi = found.n; lo < hi; ) {
			mid = lo + (hi - lo) / 2;
			if (strcmp(found.v[mid].id, key.id) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < found.n && strcmp(found.v[lo].id, key.id) == 0;
		    lo++)
			if (found.v[lo].uid != 0) {
				hit = &found.v[lo];
				break;
			}
		if (hit != NULL) {
			run_moved(run, key.uid, duv, hit->uid);
			uidset_add(&run->claimed, hit->uid, hit->uid);
			hit->uid = 0;
		} else if (covered)
			uidset_add(&res->gone, key.uid, key.uid);
		else if (look_search(run, &key, duv) < 0)
			uidset_add(&res->unsure, key.uid, key.uid);
	}
reselect:
	if (!ok && e.kind != ERR_NONE)
		run_fail(run, &e);
	err_clear(&e);
	if (!sess_broken(run->s) &&
	    sess_select(run->s, ch->mailbox, 0, &e) == 0 &&
	    (m = sess_selected(run->s)) != NULL &&
	    m->uidvalidity != ch->uidvalidity)
		err_set(&e, ERR_DATA, "'%s' changed its UIDVALIDITY",
		    ch->mailbox);
	if (e.kind != ERR_NONE)
		run_fail(run, &e);
out:
	if (!ok)
		for (i = 0; i < run->lost.n; i++)
			uidset_add(&res->unsure, run->lost.v[i].uid,
			    run->lost.v[i].uid);
	msgids_free(&found);
	msgids_free(&run->lost);
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
	uidset_init(&res->unsure);
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
	uidset_free(&res->unsure);
}

/*
 * One pass of chunks over set, CHANGE_WINDOW at once; what was never
 * started is added to rest.
 */
static void
run_pass(struct run *run, const struct uidset *set, struct uidset *rest)
{
	const struct change_cb *cb = run->cb;
	struct sess_scope sc = { on_untagged, NULL, NULL, NULL };
	struct buf tmp;
	struct err e;
	size_t i, pos = 0, nactive;

	run->set = set;
	run->pos = 0;
	run->nchunks = 0;
	run->started = 0;
	run->stop = 0;
	err_clear(&e);
	buf_init(&tmp, UIDSET_CHUNK * 2);
	while (uidset_next_chunk(set, &pos, &tmp) > 0)
		run->nchunks++;
	buf_free(&tmp);
	sc.ctx = run;
	/* A chunk may have two commands in flight: its step and a look. */
	run->p = sess_pipe_begin(run->s, &sc, 2 * CHANGE_WINDOW);
	for (;;) {
		nactive = 0;
		for (i = 0; i < CHANGE_WINDOW; i++)
			nactive += run->c[i].active;
		for (i = 0; i < CHANGE_WINDOW && !run->stop &&
		    run->pos < set->n && nactive < (run->probing ? 1u :
		    CHANGE_WINDOW); i++) {
			if (run->c[i].active)
				continue;
			/*
			 * The caller may want no more started (nobody reads
			 * the records any more, say): what is in flight is
			 * finished, and the result says what was not done.
			 */
			if (cb->more != NULL && cb->more(cb->arg, &e) < 0) {
				run_fail(run, &e);
				break;
			}
			if (chunk_start(run, &run->c[i], &e) < 0) {
				/* Its first step never left: not done. */
				run_fail(run, &e);
				if (run->c[i].active)
					chunk_abandon(run, &run->c[i], 0);
				break;
			}
			/* (Not when a signal stopped it before it was sent.) */
			nactive += run->c[i].active;
		}
		for (i = 0, nactive = 0; i < CHANGE_WINDOW; i++)
			nactive += run->c[i].active;
		if (nactive == 0)
			break;
		/* Each answer moves its chunk on (chunk_done). */
		if (sess_pipe_step(run->p, &e) < 0) {
			run_fail(run, &e);
			break;
		}
	}
	/*
	 * What is in flight is waited for while the session is sound (after
	 * a refusal, say), so that no answer is left for commands that are
	 * gone; else it is abandoned, each chunk named by the step it had
	 * reached, unconfirmed.
	 */
	if (sess_pipe_end(run->p, run->res->fail.kind != ERR_NONE ? -1 : 0,
	    &e) < 0)
		run_fail(run, &e);
	run->p = NULL;
	for (i = run->pos; i < set->n; i++)
		uidset_add(rest, set->r[i].lo, set->r[i].hi);
}

int
change_apply(struct sess *s, const struct change *ch,
    const struct uidset *set, const struct change_cb *cb,
    struct change_result *res)
{
	struct run run;
	struct uidset retry, rest, again;
	struct err stopped;
	size_t i, j;
	int refused;

	memset(&run, 0, sizeof(run));
	run.ch = ch;
	run.cb = cb;
	run.s = s;
	run.res = res;
	run.probing = ch->kind == CHANGE_MOVE && ch->create;
	uidset_init(&run.post);
	uidset_init(&run.claimed);
	uidset_init(&retry);
	uidset_init(&rest);
	uidset_init(&again);
	for (i = 0; i < CHANGE_WINDOW; i++) {
		run.c[i].run = &run;
		for (j = 0; j < ROLE_N; j++) {
			run.c[i].ref[j].c = &run.c[i];
			run.c[i].ref[j].role = (enum role)j;
		}
		buf_init(&run.c[i].text, UIDSET_CHUNK * 2);
		buf_init(&run.c[i].cu_src, IMAP_MAX_LINE);
		buf_init(&run.c[i].cu_dst, IMAP_MAX_LINE);
		buf_init(&run.c[i].src, IMAP_MAX_LINE);
		uidset_init(&run.c[i].seen);
		uidset_init(&run.c[i].v_ours);
		uidset_init(&run.c[i].v_others);
	}
	run_pass(&run, set, &rest);
	/*
	 * A MOVE or COPY refused because another session was at work is
	 * tried once more over what is still there, with what was never
	 * started; a refusal of anything else ends the change.
	 */
	refused = run.npend > 0;
	settle_pending(&run, &retry);
	if (refused && res->fail.kind == ERR_NONE && !sess_broken(s) &&
	    !stop_signal() && (retry.n > 0 || rest.n > 0)) {
		uidset_merge(&retry, &rest);
		uidset_clear(&rest);
		run.no_retry = 1;
		run_pass(&run, &retry, &rest);
		settle_pending(&run, &again);
	} else
		uidset_merge(&rest, &retry);
	/* What was never started. */
	uidset_merge(&res->left[0][first_step(ch)], &rest);
	look_post(&run);
	look_in_dest(&run);
	/* After a signal, the signal is what stopped the change. */
	if (res->fail.kind != ERR_NONE && stop_signal() &&
	    strncmp(res->fail.msg, "stopped by ", 11) != 0) {
		stop_err(&stopped);
		err_prefix(&res->fail, "%s", stopped.msg);
	}
	for (i = 0; i < CHANGE_WINDOW; i++) {
		buf_free(&run.c[i].text);
		buf_free(&run.c[i].cu_src);
		buf_free(&run.c[i].cu_dst);
		buf_free(&run.c[i].src);
		uidset_free(&run.c[i].seen);
		uidset_free(&run.c[i].v_ours);
		uidset_free(&run.c[i].v_others);
		msgids_free(&run.c[i].ids);
		free(run.c[i].ev);
	}
	free(run.pend);
	uidset_free(&run.post);
	uidset_free(&run.claimed);
	uidset_free(&retry);
	uidset_free(&rest);
	uidset_free(&again);
	return res->fail.kind != ERR_NONE ? -1 : 0;
}
