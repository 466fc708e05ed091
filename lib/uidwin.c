/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "uidwin.h"
#include "xalloc.h"
#include "banned.h"

/* What a window's command asked for (its group's kind). */
enum {
	ASK_PARTS,		/* the parts, or the STORE of \Seen */
	ASK_STRUCTURE		/* the window's BODYSTRUCTURE */
};

struct uidwin_part {
	char		*section;
	void		*data;		/* the caller's */
};

struct uidwin_msg {
	uint32_t	 uid;
	int		 have;		/* its structure came */
	struct uidwin_part *parts;
	size_t		 nparts;
};

/*
 * A window: its messages in UID order, its set as text, and how many of
 * its commands are in flight (it lives until the last has ended).
 */
struct window {
	int		 used;
	struct uidwin	*rw;
	struct buf	 settext;
	struct uidwin_msg *msgs;
	size_t		 nmsgs;
	unsigned	 pending;
};

struct uidwin {
	struct uidfetch	*uf;
	struct uidwin_opts o;
	struct uidwin_cb cb;
	const struct sess_scope *sc;	/* the caller's, while running */
	struct sess_pipe *p;
	struct window	 w[UIDWIN_INFLIGHT];
	size_t		 nwin;		/* windows in use */
};

struct uidwin *
uidwin_new(struct uidfetch *uf, const struct uidwin_opts *o,
    const struct uidwin_cb *cb)
{
	struct uidwin *rw = xcalloc(1, sizeof(*rw));
	size_t i;

	rw->uf = uf;
	rw->o = *o;
	rw->cb = *cb;
	for (i = 0; i < UIDWIN_INFLIGHT; i++)
		rw->w[i].rw = rw;
	return rw;
}

/* The one place a window's memory goes. */
static void
window_free(struct window *w)
{
	struct uidwin *rw = w->rw;
	struct uidwin_msg *m;
	size_t i, k;

	for (i = 0; i < w->nmsgs; i++) {
		m = &w->msgs[i];
		for (k = 0; k < m->nparts; k++) {
			if (rw->cb.release != NULL)
				rw->cb.release(rw->cb.arg, m->parts[k].data);
			free(m->parts[k].section);
		}
		free(m->parts);
	}
	free(w->msgs);
	buf_free(&w->settext);
	memset(w, 0, sizeof(*w));
	w->rw = rw;
	rw->nwin--;
}

/* A window is done with: told, then freed. */
static void
window_close(struct window *w, int answered)
{
	struct uidwin *rw = w->rw;

	if (rw->cb.done != NULL)
		rw->cb.done(rw->cb.arg, w->nmsgs, answered);
	window_free(w);
}

void
uidwin_free(struct uidwin *rw)
{
	size_t i;

	if (rw == NULL)
		return;
	/* uidwin_run closed them all; this is for a run cut short. */
	for (i = 0; i < UIDWIN_INFLIGHT; i++)
		if (rw->w[i].used)
			window_free(&rw->w[i]);
	free(rw);
}

void
uidwin_want(struct uidwin_msg *m, const char *section, void *data)
{
	struct uidwin_part *pt;

	m->parts = xrealloc(m->parts, (m->nparts + 1) * sizeof(*m->parts));
	pt = &m->parts[m->nparts++];
	pt->section = xstrdup(section);
	pt->data = data;
}

/* Lookups ----------------------------------------------------------------- */

static struct uidwin_msg *
msg_of(const struct uidwin *rw, uint32_t uid)
{
	const struct window *w;
	size_t i, lo, hi, mid;

	for (i = 0; i < UIDWIN_INFLIGHT; i++) {
		w = &rw->w[i];
		if (!w->used || w->nmsgs == 0 || uid < w->msgs[0].uid ||
		    uid > w->msgs[w->nmsgs - 1].uid)
			continue;
		/* In UID order: halve. */
		lo = 0;
		hi = w->nmsgs;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (w->msgs[mid].uid < uid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < w->nmsgs && w->msgs[lo].uid == uid)
			return &w->msgs[lo];
	}
	return NULL;
}

int
uidwin_holds(const struct uidwin *rw, uint32_t uid)
{
	return msg_of(rw, uid) != NULL;
}

void *
uidwin_part(const struct uidwin *rw, uint32_t uid, const char *sec,
    size_t len)
{
	const struct uidwin_msg *m = msg_of(rw, uid);
	size_t k;

	for (k = 0; m != NULL && k < m->nparts; k++)
		if (strlen(m->parts[k].section) == len &&
		    strncmp(m->parts[k].section, sec, len) == 0)
			return m->parts[k].data;
	return NULL;
}

/* Responses ---------------------------------------------------------------- */

/*
 * A structure asked for, the first of its message, goes to the plan;
 * everything else to the caller's handler.
 */
static int
on_untagged(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct uidwin *rw = ctx;
	const struct imap_arg *items, *bs;
	struct uidwin_msg *m;
	uint32_t seq, uid;

	if (!uidfetch_not_ours(rw->uf, r) &&
	    msg_fetch_items(r, &seq, &items) && msg_uid(items, &uid) &&
	    (m = msg_of(rw, uid)) != NULL && !m->have &&
	    (bs = msg_item(items, "BODYSTRUCTURE")) != NULL) {
		m->have = 1;
		if (rw->cb.plan != NULL)
			rw->cb.plan(rw->cb.arg, m, uid, bs);
		return 0;
	}
	if (rw->sc->untagged == NULL)
		return 0;
	return rw->sc->untagged(rw->sc->ctx, s, r, e);
}

static struct imap_sink *
on_literal(void *ctx, const struct imap_resp *r, const struct imap_arg *parent,
    uint64_t size)
{
	struct uidwin *rw = ctx;

	if (rw->sc->sink == NULL)
		return NULL;
	return rw->sc->sink(rw->sc->ctx, r, parent, size);
}

/* Commands ----------------------------------------------------------------- */

static int window_ended(void *owner, int kind, int answered, struct err *e);

/* A command of window w, its refusal naming text; 0 when in flight. */
static int
window_send(struct window *w, int kind, int data, const char *text,
    struct err *e, const char *fmt, const char *arg1, const char *arg2)
{
	struct uidfetch_group *g;
	int r;

	g = uidfetch_group_for(w->rw->uf, text, window_ended, w, kind);
	if ((r = uidfetch_send(g, w->rw->p, data, e, fmt, arg1, arg2)) == 0)
		w->pending++;
	uidfetch_idle(g);
	return r;
}

static int
same_parts(const struct uidwin_msg *a, const struct uidwin_msg *b)
{
	size_t k;

	if (a->nparts != b->nparts)
		return 0;
	for (k = 0; k < a->nparts; k++)
		if (strcmp(a->parts[k].section, b->parts[k].section) != 0)
			return 0;
	return 1;
}

/* The FETCH of m's parts (and those of the messages that share them). */
static int
parts_send(struct window *w, const struct uidwin_msg *m, struct buf *set,
    struct buf *items, struct err *e)
{
	const struct uidwin_opts *o = &w->rw->o;
	size_t k;

	buf_reset(items);
	buf_puts(items, o->items);
	for (k = 0; k < m->nparts; k++)
		buf_putf(items, " BODY.PEEK[%s]%s", m->parts[k].section,
		    o->partial);
	/* Never a command sent short of some parts. */
	if (items->cut)
		return err_set(e, ERR_PROTOCOL, "the server's BODYSTRUCTURE "
		    "names too many parts");
	/* A window's set: it fits. */
	if (set->cut)
		return err_set(e, ERR_INTERNAL, "a window's command too long");
	return window_send(w, ASK_PARTS, 1, set->s, e, "UID FETCH %S (%s)",
	    set->s, items->s);
}

/*
 * The parts the plans chose: with opts.every, runs of messages that want
 * the same parts in one command; else one command a message that wants
 * some. Messages whose structure did not come were expunged meanwhile.
 */
static int
window_parts(struct window *w, struct err *e)
{
	const struct uidwin_opts *o = &w->rw->o;
	const struct uidwin_msg *m, *first = NULL;
	struct uidset run;
	struct buf set, items;
	size_t i;
	int r = 0;

	if (o->mark_seen && window_send(w, ASK_PARTS, 0, w->settext.s, e,
	    "UID STORE %S +FLAGS.SILENT (\\Seen)", w->settext.s, NULL) < 0)
		return -1;
	uidset_init(&run);
	buf_init(&set, UIDWIN_SET_MAX);
	buf_init(&items, UIDWIN_ITEMS_MAX);
	for (i = 0; i <= w->nmsgs && r == 0; i++) {
		m = i < w->nmsgs ? &w->msgs[i] : NULL;
		if (m != NULL && !m->have)
			continue;
		if (!o->every) {
			if (m == NULL || m->nparts == 0)
				continue;
			buf_reset(&set);
			buf_putf(&set, "%u", m->uid);
			r = parts_send(w, m, &set, &items, e);
			continue;
		}
		if (run.n > 0 && (m == NULL || !same_parts(m, first))) {
			buf_reset(&set);
			if (uidset_format(&run, &set) < 0)
				set.cut = 1;
			r = parts_send(w, first, &set, &items, e);
			uidset_clear(&run);
		}
		if (m != NULL) {
			if (run.n == 0)
				first = m;
			uidset_add(&run, m->uid, m->uid);
		}
	}
	uidset_free(&run);
	buf_free(&set);
	buf_free(&items);
	return r;
}

/*
 * A command of a window ended: after its structure, the parts are asked
 * for (unless the session failed); after its last command, it goes.
 */
static int
window_ended(void *owner, int kind, int answered, struct err *e)
{
	struct window *w = owner;
	int r = 0;

	w->pending--;
	if (kind == ASK_STRUCTURE && answered)
		r = window_parts(w, e);
	if (w->pending == 0)
		window_close(w, answered);
	return r;
}

/* The running ---------------------------------------------------------------- */

/* The next window of up to UIDWIN_SIZE UIDs of found, from *ri and *next. */
static int
window_fill(struct window *w, const struct uidset *found, size_t *ri,
    uint32_t *next)
{
	struct uidset set;
	size_t count = 0;
	uint32_t lo, hi, u;

	if (*ri >= found->n)
		return 0;
	uidset_init(&set);
	buf_init(&w->settext, UIDWIN_SET_MAX);
	w->msgs = xcalloc(UIDWIN_SIZE, sizeof(*w->msgs));
	while (*ri < found->n && count < UIDWIN_SIZE) {
		lo = found->r[*ri].lo > *next ? found->r[*ri].lo : *next;
		hi = found->r[*ri].hi;
		if ((uint64_t)hi - lo + 1 > UIDWIN_SIZE - count)
			hi = lo + (uint32_t)(UIDWIN_SIZE - count) - 1;
		uidset_add(&set, lo, hi);
		for (u = lo; ; u++) {
			w->msgs[w->nmsgs++].uid = u;
			if (u == hi)
				break;
		}
		count += (size_t)(hi - lo) + 1;
		if (hi == found->r[*ri].hi) {
			(*ri)++;
			*next = 0;
		} else
			*next = hi + 1;
	}
	/* UIDWIN_SIZE UIDs: they fit. */
	(void)uidset_format(&set, &w->settext);
	uidset_free(&set);
	w->used = 1;
	w->rw->nwin++;
	return 1;
}

int
uidwin_run(struct uidwin *rw, const struct uidset *found,
    const struct sess_scope *sc, struct err *e)
{
	struct sess_scope own = { on_untagged, on_literal, NULL, NULL };
	struct window *w;
	size_t ri = 0, i;
	uint32_t next = 0;
	int more = 1, r = 0;

	own.ctx = rw;
	rw->sc = sc;
	rw->p = sess_pipe_begin(rw->uf->s, &own, 0);
	while (r == 0 && (more || rw->nwin > 0)) {
		for (i = 0; more && i < UIDWIN_INFLIGHT; i++) {
			w = &rw->w[i];
			if (w->used)
				continue;
			if (!window_fill(w, found, &ri, &next)) {
				more = 0;
				break;
			}
			if ((r = window_send(w, ASK_STRUCTURE, 1,
			    w->settext.s, e, "UID FETCH %S (UID BODYSTRUCTURE)",
			    w->settext.s, NULL)) < 0) {
				window_close(w, 0);
				break;
			}
		}
		if (r == 0 && rw->nwin > 0)
			r = sess_pipe_step(rw->p, e);
	}
	/* Every command's end is told: each window closes there. */
	r = sess_pipe_end(rw->p, r, e);
	rw->p = NULL;
	rw->sc = NULL;
	for (i = 0; i < UIDWIN_INFLIGHT; i++)
		if (rw->w[i].used)
			window_close(&rw->w[i], 0);
	return r;
}
