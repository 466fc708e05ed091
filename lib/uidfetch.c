/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "uidfetch.h"
#include "xalloc.h"
#include "banned.h"

struct uidfetch_group {
	struct uidfetch	*uf;
	uidfetch_end_fn	 end;		/* or NULL */
	void		*owner;
	int		 kind;
	unsigned	 pending;
	struct err	 ce;		/* the first refusal */
	int		 refused;	/* a FETCH or SEARCH of it was */
	char		*text;
};

void
uidfetch_init(struct uidfetch *uf, struct sess *s, const struct uidfetch_cb *cb)
{
	memset(uf, 0, sizeof(*uf));
	uf->s = s;
	uf->cb = cb;
	uidset_init(&uf->refused);
}

void
uidfetch_free(struct uidfetch *uf)
{
	uidset_free(&uf->refused);
}

void
uidfetch_begin(struct uidfetch *uf, const char *mailbox, uint32_t uidvalidity)
{
	uf->mailbox = mailbox;
	uf->uidvalidity = uidvalidity;
	uf->examine = NULL;
	uf->examining = 0;
	uf->box_bad = 0;
	uf->examined_uv = 0;
	uidset_clear(&uf->refused);
	uf->refused_kind = ERR_NONE;
}

/* The mailbox is examined again ---------------------------------------- */

void
uidfetch_examine(struct uidfetch *uf, const char *wire)
{
	uf->examine = wire;
}

int
uidfetch_box_bad(const struct uidfetch *uf)
{
	return uf->box_bad;
}

/*
 * Refused (gone since the search, no access), or holding other messages
 * now (another UIDVALIDITY): told, and nothing of it is fetched.
 */
static int
examine_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct uidfetch *uf = ctx;
	struct err be;

	(void)s;
	(void)e;
	uf->examining = 0;
	if (rep->status == IMAP_ST_NONE) {
		uf->box_bad = 1;	/* the session failed: it says so */
		return 0;
	}
	err_clear(&be);
	if (sess_reply_check(rep, &be) < 0) {
		err_prefix(&be, "cannot open mailbox '%s'", uf->mailbox);
		uf->box_bad = 1;
	} else if (uf->examined_uv != uf->uidvalidity) {
		err_set(&be, ERR_DATA, "mailbox '%s' changed its UIDVALIDITY "
		    "from %u to %u while it was searched", uf->mailbox,
		    uf->uidvalidity, uf->examined_uv);
		uf->box_bad = 1;
	}
	if (uf->box_bad && uf->cb->failed != NULL)
		uf->cb->failed(uf->cb->arg, &be);
	return 0;
}

/* The EXAMINE, if one is to go, on p before the command that needs it. */
static int
examine_queue(struct uidfetch *uf, struct sess_pipe *p, struct err *e)
{
	const char *wire = uf->examine;

	if (wire == NULL)
		return 0;
	uf->examine = NULL;
	uf->examining = 1;
	uf->box_bad = 0;
	uf->examined_uv = 0;
	return sess_pipe_send(p, examine_done, uf, e, "EXAMINE %A", wire);
}

int
uidfetch_not_ours(struct uidfetch *uf, const struct imap_resp *r)
{
	const struct imap_arg *c = r->code;
	uint32_t n;

	if (uf->examining && r->status == IMAP_ST_OK && c != NULL &&
	    imap_arg_is(c, "UIDVALIDITY") && imap_arg_u32(c->next, &n))
		uf->examined_uv = n;
	return uf->examining || uf->box_bad;
}

/* Groups --------------------------------------------------------------- */

struct uidfetch_group *
uidfetch_group(struct uidfetch *uf, const char *text)
{
	return uidfetch_group_for(uf, text, NULL, NULL, 0);
}

struct uidfetch_group *
uidfetch_group_for(struct uidfetch *uf, const char *text, uidfetch_end_fn end,
    void *owner, int kind)
{
	struct uidfetch_group *g = xcalloc(1, sizeof(*g));

	g->uf = uf;
	g->end = end;
	g->owner = owner;
	g->kind = kind;
	g->text = xstrdup(text);
	err_clear(&g->ce);
	return g;
}

/*
 * A command's end: a refusal is kept; when the last of the group has
 * ended, what a refused FETCH or SEARCH (data) asked for is kept as
 * refused, and the caller is told.
 */
static int
group_end(struct uidfetch_group *g, const struct sess_reply *rep, int data,
    struct err *e)
{
	struct uidfetch *uf = g->uf;
	struct uidset set;
	struct err pe;
	int answered = rep->status != IMAP_ST_NONE, r = 0, re;

	if (rep->status != IMAP_ST_NONE && rep->status != IMAP_ST_OK &&
	    data)
		g->refused = 1;
	if (rep->status != IMAP_ST_NONE && g->ce.kind == ERR_NONE)
		sess_reply_check(rep, &g->ce);
	if (--g->pending > 0)
		return 0;
	/* A mailbox that did not open said so once. */
	if (uf->box_bad)
		err_clear(&g->ce);
	if (g->ce.kind != ERR_NONE && g->refused) {
		if (uf->refused_kind == ERR_NONE)
			uf->refused_kind = g->ce.kind;
		uidset_init(&set);
		if (uidset_parse(&set, g->text, &pe) == 0)
			uidset_merge(&uf->refused, &set);
		uidset_free(&set);
	}
	if (uf->cb->ended != NULL)
		r = uf->cb->ended(uf->cb->arg, g->text, &g->ce, answered, e);
	/* The engine hears of it on every path: it frees what it holds. */
	if (g->end != NULL) {
		err_clear(&pe);
		re = g->end(g->owner, g->kind, answered && r == 0,
		    r == 0 ? e : &pe);
		if (r == 0)
			r = re;
	}
	free(g->text);
	free(g);
	return r;
}

static int
data_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	(void)s;
	return group_end(ctx, rep, 1, e);
}

/* A STORE of \Seen: refused, its messages are fetched all the same. */
static int
store_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	(void)s;
	return group_end(ctx, rep, 0, e);
}

int
uidfetch_send(struct uidfetch_group *g, struct sess_pipe *p, int data,
    struct err *e, const char *fmt, ...)
{
	va_list ap;
	int r;

	if ((r = examine_queue(g->uf, p, e)) < 0)
		return r;
	va_start(ap, fmt);
	r = sess_pipe_vsend(p, data ? data_done : store_done, g, e, fmt, ap);
	va_end(ap);
	if (r == 0)
		g->pending++;
	return r;
}

void
uidfetch_idle(struct uidfetch_group *g)
{
	if (g->pending > 0)
		return;
	free(g->text);
	free(g);
}

/* Chunks --------------------------------------------------------------- */

unsigned
uidfetch_limit(int mark_seen)
{
	return UIDFETCH_INFLIGHT * (mark_seen ? 2 : 1);
}

int
uidfetch_chunks(struct uidfetch *uf, struct sess_pipe *p,
    const struct uidset *set, uidfetch_next_fn next, void *arg,
    const char *items, int mark_seen, struct err *e)
{
	struct uidfetch_group *g;
	struct buf chunk;
	size_t pos = 0;
	int r = 0;

	buf_init(&chunk, UIDSET_CHUNK * 2);
	while (r == 0 && !uf->box_bad && (set != NULL ?
	    uidset_next_chunk(set, &pos, &chunk) : next(arg, &chunk)) > 0) {
		g = uidfetch_group(uf, chunk.s);
		if (mark_seen)
			r = uidfetch_send(g, p, 0, e, "UID STORE %S "
			    "+FLAGS.SILENT (\\Seen)", chunk.s);
		if (r == 0)
			r = uidfetch_send(g, p, 1, e, "UID FETCH %S (%s)",
			    chunk.s, items);
		uidfetch_idle(g);
	}
	buf_free(&chunk);
	return r;
}
