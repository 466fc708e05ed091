/* SPDX-License-Identifier: MIT */
/*
 * Searches run on a session: the query compiled by lib/query.c, sent as
 * pipelined UID SEARCH and SORT commands (chunked by the uid: scope), with
 * older:/newer: decided here around their cutoffs when the server has no
 * WITHIN, and sorting here when it has no SORT.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "query.h"
#include "search.h"
#include "xalloc.h"
#include "banned.h"

#define SEARCH_MAX_RESULT_SLACK	100000	/* search_found_more() */

/* Running ----------------------------------------------------------------- */

/*
 * A server that searches only US-ASCII (Exchange, Outlook) answers
 * CHARSET UTF-8 with NO [BADCHARSET (US-ASCII)]. CHARSET is sent only for
 * a query that is not ASCII, so there is nothing to retry: say so, and
 * which term it is.
 */
static int
refused_charset(const struct search_query *q, int r, struct err *e)
{
	char msg[ERR_MSG_MAX];

	if (r == 0 || !q->utf8 || strcasecmp(e->code, "BADCHARSET") != 0)
		return r;
	snprintf(msg, sizeof(msg), "%s", e->msg);
	err_set(e, ERR_UNAVAILABLE, "the server searches only ASCII text (it "
	    "refused CHARSET UTF-8), and the term '%.100s' is not ASCII: %s",
	    q->utf8_term != NULL ? q->utf8_term : "?", msg);
	err_set_code(e, "BADCHARSET", strlen("BADCHARSET"));
	return -1;
}

/*
 * The searches of a stage: at most SEARCH_WINDOW in flight, the stage's
 * handler taking what they find; the first refusal is kept.
 */
struct pipe {
	struct sess_pipe	*p;
	struct err		 refused;
};

static void
pipe_begin(struct pipe *p, struct sess *s, sess_handler_fn fn, void *ctx)
{
	struct sess_scope sc = { fn, NULL, NULL, ctx };

	err_clear(&p->refused);
	p->p = sess_pipe_begin(s, &sc, SEARCH_WINDOW);
}

static int
pipe_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct pipe *p = ctx;

	(void)s;
	(void)e;
	if (p->refused.kind == ERR_NONE)
		sess_reply_check(rep, &p->refused);
	return 0;
}

static int
pipe_send(struct pipe *p, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sess_pipe_vsend(p->p, pipe_done, p, e, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * End the stage: what is in flight is waited for (or abandoned when the
 * session failed); r is the result so far, its error kept.
 */
static int
pipe_finish(struct pipe *p, int r, struct err *e)
{
	r = sess_pipe_end(p->p, r, e);
	if (r == 0 && p->refused.kind != ERR_NONE) {
		*e = p->refused;
		r = -1;
	}
	return r;
}

/* Reading the answers of searches ----------------------------------------- */

enum search_answer
search_answer(const struct imap_resp *r, const char **tag_r, size_t *len_r)
{
	const struct imap_arg *a, *t;
	size_t n;

	if (tag_r != NULL) {
		*tag_r = NULL;
		*len_r = 0;
	}
	if (r->status != IMAP_ST_NONE || (a = r->args) == NULL)
		return SEARCH_ANSWER_NONE;
	if (imap_arg_is(a, "SEARCH"))
		return SEARCH_ANSWER_SEARCH;
	if (imap_arg_is(a, "SORT"))
		return SEARCH_ANSWER_SORT;
	if (!imap_arg_is(a, "ESEARCH"))
		return SEARCH_ANSWER_NONE;
	/* "(TAG "A5")": which command it answers. */
	if (tag_r != NULL && imap_arg_list(a->next, &t, &n) && n == 2 &&
	    imap_arg_is(t, "TAG"))
		imap_arg_string(t->next, tag_r, len_r);
	return SEARCH_ANSWER_ESEARCH;
}

static int
bad_answer(struct err *e, const char *what, const char *part)
{
	return err_set(e, ERR_PROTOCOL, "server sent a bad %s %s", what, part);
}

/* A UID of ALL, *s on, as far as it goes: 1 to 4294967295. */
static int
set_uid(const char **s, uint32_t *uid_r)
{
	const char *p = *s;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
			return 0;
	if (v == 0)
		return 0;
	*uid_r = (uint32_t)v;
	*s = p;
	return 1;
}

/* ESEARCH's ALL, "4,9:12,3": each UID or range, in the order written. */
static int
walk_set(const char *s, const struct search_walker *w, const char *what,
    struct err *e)
{
	uint32_t first, last;

	for (;;) {
		if (!set_uid(&s, &first))
			break;
		last = first;
		if (*s == ':' && (++s, !set_uid(&s, &last)))
			break;
		if (w->uids != NULL && w->uids(w->ctx, first, last, e) < 0)
			return -1;
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			break;
	}
	return bad_answer(e, what, "result");
}

/* "* ESEARCH [(TAG ...)] [UID] NAME VALUE ...". */
static int
walk_esearch(const struct imap_resp *r, const struct search_walker *w,
    struct err *e)
{
	const char *what = w->sort ? "ESORT" : "ESEARCH", *s;
	const struct imap_arg *a = r->args->next;
	enum search_value name;
	uint64_t v;

	if (a != NULL && a->type == IMAP_LIST)
		a = a->next;
	if (imap_arg_is(a, "UID"))
		a = a->next;
	for (; a != NULL; a = a->next->next) {
		if (a->next == NULL)
			return bad_answer(e, what, "result");
		if (imap_arg_is(a, "ALL")) {
			if (!imap_arg_atom(a->next, &s))
				return bad_answer(e, what, "result");
			if (walk_set(s, w, what, e) < 0)
				return -1;
			continue;
		}
		if (imap_arg_is(a, "COUNT")) {
			name = SEARCH_VALUE_COUNT;
			if (!imap_arg_u64(a->next, &v))
				return bad_answer(e, what, "count");
		} else if (imap_arg_is(a, "MIN") || imap_arg_is(a, "MAX")) {
			name = imap_arg_is(a, "MIN") ? SEARCH_VALUE_MIN :
			    SEARCH_VALUE_MAX;
			if (!imap_arg_u64(a->next, &v) || v == 0 ||
			    v > UINT32_MAX)
				return bad_answer(e, what, name ==
				    SEARCH_VALUE_MIN ? "MIN" : "MAX");
		} else
			continue;	/* MODSEQ, and what we never ask */
		if (w->value != NULL && w->value(w->ctx, name, v, e) < 0)
			return -1;
	}
	return 0;
}

int
search_walk(const struct imap_resp *r, const struct search_walker *w,
    struct err *e)
{
	enum search_answer kind = search_answer(r, NULL, NULL);
	const struct imap_arg *a;
	uint32_t uid;

	if (kind == SEARCH_ANSWER_NONE)
		return 0;
	if (kind == SEARCH_ANSWER_ESEARCH)
		return walk_esearch(r, w, e);
	for (a = r->args->next; a != NULL; a = a->next) {
		if (a->type == IMAP_LIST)
			continue;	/* (MODSEQ n) */
		if (!imap_arg_u32(a, &uid) || uid == 0)
			return bad_answer(e, kind == SEARCH_ANSWER_SORT ?
			    "SORT" : "SEARCH", "result");
		if (w->uids != NULL && w->uids(w->ctx, uid, uid, e) < 0)
			return -1;
	}
	return 0;
}

static int
add_uids(void *ctx, uint32_t first, uint32_t last, struct err *e)
{
	return uidlist_add(ctx, first, last, e);
}

int
search_take_uids(const struct imap_resp *r, struct uidlist *list,
    struct err *e)
{
	struct search_walker w = { NULL, NULL, NULL, 0 };

	switch (search_answer(r, NULL, NULL)) {
	case SEARCH_ANSWER_SEARCH:
	case SEARCH_ANSWER_ESEARCH:
		break;
	default:
		return 0;
	}
	if (list != NULL) {
		w.uids = add_uids;
		w.ctx = list;
	}
	return search_walk(r, &w, e) < 0 ? -1 : 1;
}

/* The matches found ------------------------------------------------------- */

void
search_found_init(struct search_found *f, uint32_t exists, int counting)
{
	memset(f, 0, sizeof(*f));
	uidlist_init(&f->list);
	f->exists = exists;
	f->counting = counting;
}

void
search_found_free(struct search_found *f)
{
	uidlist_free(&f->list);
}

static int
found_lie(const struct search_found *f, struct err *e)
{
	if (f->mailbox != NULL)
		return err_set(e, ERR_PROTOCOL, "server named more messages "
		    "than mailbox '%s' holds", f->mailbox);
	return err_set(e, ERR_PROTOCOL, "server named more messages than "
	    "the mailbox holds");
}

int
search_found_more(struct search_found *f, uint64_t n, struct err *e)
{
	f->seen += n;
	if (f->seen > (uint64_t)f->exists + SEARCH_MAX_RESULT_SLACK)
		return found_lie(f, e);
	return 0;
}

/*
 * Each UID of a plain SEARCH comes here: kept short. The UIDs are counted
 * once they are a set (search_found_end): a server that names one twice,
 * in one answer or two, or in ranges of ESEARCH's ALL that overlap, names
 * one message, as it would be acted on.
 */
static int
found_uids(void *ctx, uint32_t first, uint32_t last, struct err *e)
{
	struct search_found *f = ctx;
	uint64_t n = (first <= last ? (uint64_t)last - first :
	    (uint64_t)first - last) + 1;

	f->seen += n;
	if (f->seen > (uint64_t)f->exists + SEARCH_MAX_RESULT_SLACK)
		return found_lie(f, e);
	return uidlist_add(&f->list, first, last, e);
}

static int
found_value(void *ctx, enum search_value name, uint64_t v, struct err *e)
{
	struct search_found *f = ctx;

	if (name != SEARCH_VALUE_COUNT)
		return 0;
	/* A count past the bound is as bad as the count itself. */
	if (search_found_more(f, v, e) < 0)
		return err_set(e, ERR_PROTOCOL, "server sent a bad ESEARCH "
		    "count");
	f->count += v;
	return 0;
}

void
search_found_end(struct search_found *f, struct uidset *out)
{
	struct uidset got;

	uidset_init(&got);
	uidlist_into(&f->list, &got);
	f->count += uidset_count(&got);
	if (f->counting || out == NULL)
		uidset_free(&got);
	else if (out->n == 0) {
		uidset_free(out);
		*out = got;
	} else {
		uidset_merge(out, &got);
		uidset_free(&got);
	}
}

int
search_found_take(struct search_found *f, const struct imap_resp *r,
    struct err *e)
{
	struct search_walker w = { found_uids, found_value, NULL, 0 };

	w.ctx = f;
	switch (search_answer(r, NULL, NULL)) {
	case SEARCH_ANSWER_SEARCH:
	case SEARCH_ANSWER_ESEARCH:
		return search_walk(r, &w, e);
	default:
		return 0;
	}
}

/* The searches of a run --------------------------------------------------- */

/*
 * The UIDs of a sorted answer given so far. Its order is any, so they are
 * kept in a hash: a set kept sorted would move itself at each UID of an
 * answer that comes down from the highest.
 */
struct once {
	uint32_t	*v;		/* 0: a free slot */
	size_t		 n, cap;	/* cap: 0 or a power of two */
};

static size_t
once_slot(const struct once *o, uint32_t uid)
{
	uint32_t h = uid;

	/* Mixed: UIDs a power of two apart must not share their slots. */
	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	return h & (o->cap - 1);
}

/* 1 when uid is new (it is kept), 0 when it was given already. */
static int
once_add(struct once *o, uint32_t uid)
{
	uint32_t *old = o->v;
	size_t oldcap = o->cap, i, k;

	if ((o->n + 1) * 2 > o->cap) {
		o->cap = o->cap ? o->cap * 2 : 1024;
		o->v = xcalloc(o->cap, sizeof(*o->v));
		for (k = 0; k < oldcap; k++) {
			if (old[k] == 0)
				continue;
			for (i = once_slot(o, old[k]); o->v[i] != 0;
			    i = (i + 1) & (o->cap - 1))
				;
			o->v[i] = old[k];
		}
		free(old);
	}
	for (i = once_slot(o, uid); o->v[i] != 0; i = (i + 1) & (o->cap - 1))
		if (o->v[i] == uid)
			return 0;
	o->v[i] = uid;
	o->n++;
	return 1;
}

/* What the untagged responses of a stage go into. */
struct collect {
	struct search_found found;	/* SEARCH, ESEARCH */
	struct uidset	*out;		/* their UIDs, at the end */
	/* SORT and ESORT: each UID in order, once. */
	search_uid_fn	 fn;
	void		*fnctx;
	uint64_t	 limit, given;
	struct once	 once;
	int		 stop;
	struct err	 fnerr;
	/* FETCH: each message's item. */
	const char	*item;
	int		(*on_item)(struct collect *, uint32_t uid,
			    const struct imap_arg *, struct err *);
	void		*itemctx;
};

/* out NULL: count only. */
static void
collect_init(struct collect *c, struct sess *s, struct uidset *out)
{
	const struct sess_mailbox *m = sess_selected(s);

	memset(c, 0, sizeof(*c));
	err_clear(&c->fnerr);
	search_found_init(&c->found, m ? m->exists : 0, out == NULL);
	c->out = out;
}

/* The UIDs collected, sorted into out (or counted when there is none). */
static void
collect_end(struct collect *c)
{
	search_found_end(&c->found, c->out);
	search_found_free(&c->found);
}

static int
on_search(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct collect *c = ctx;

	(void)s;
	return search_found_take(&c->found, r, e);
}

/* One UID of a sorted answer, to the caller. */
static int
give(struct collect *c, uint32_t uid, struct err *e)
{
	if (search_found_more(&c->found, 1, e) < 0)
		return -1;
	if (c->stop)
		return 0;
	if (c->limit != 0 && c->given >= c->limit) {
		c->stop = 1;
		return 0;
	}
	/* A UID the server names twice is one message: given once. */
	if (!once_add(&c->once, uid))
		return 0;
	c->given++;
	if (c->fn(c->fnctx, uid, &c->fnerr) < 0)
		c->stop = 1;
	return 0;
}

/* A UID of SORT, or a range of ESORT's ALL ("5,3:1,9"), in order. */
static int
give_in_order(void *ctx, uint32_t first, uint32_t last, struct err *e)
{
	struct collect *c = ctx;
	uint64_t i, n = (first < last ? last - first : first - last) + 1ull;

	/* The whole range is bounded, even when the caller stops early. */
	if (search_found_more(&c->found, n, e) < 0)
		return -1;
	c->found.seen -= n;
	for (i = first; ; i += first > last ? (uint64_t)-1 : 1) {
		if (give(c, (uint32_t)i, e) < 0)
			return -1;
		if (i == last || c->stop)
			break;
	}
	return 0;
}

static int
on_sort(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct search_walker w = { give_in_order, NULL, NULL, 1 };

	(void)s;
	w.ctx = ctx;
	switch (search_answer(r, NULL, NULL)) {
	case SEARCH_ANSWER_SORT:
	case SEARCH_ANSWER_ESEARCH:
		return search_walk(r, &w, e);
	default:
		return 0;
	}
}

int
search_fetch_item(const struct imap_resp *r, const char *name,
    uint32_t *uid_r, const struct imap_arg **item_r, struct err *e)
{
	const struct imap_arg *a;
	size_t n;

	*uid_r = 0;
	*item_r = NULL;
	if (!imap_arg_list(r->args->next->next, &a, &n))
		return err_set(e, ERR_PROTOCOL, "server sent a bad FETCH "
		    "response");
	for (; a != NULL && a->next != NULL; a = a->next->next) {
		if (imap_arg_is(a, "UID")) {
			if (!imap_arg_u32(a->next, uid_r) || *uid_r == 0)
				return err_set(e, ERR_PROTOCOL, "server sent "
				    "a bad UID");
		} else if (imap_arg_is(a, name))
			*item_r = a->next;
	}
	/* Flag changes of other sessions come without our item. */
	return *uid_r != 0 && *item_r != NULL;
}

/* "* N FETCH (UID u ITEM v ...)": the item of each message. */
static int
on_fetch(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct collect *c = ctx;
	const struct imap_arg *item;
	uint32_t uid;
	int rc;

	(void)s;
	if (r->status != IMAP_ST_NONE || r->args == NULL ||
	    !imap_arg_is(r->args->next, "FETCH"))
		return 0;
	rc = search_fetch_item(r, c->item, &uid, &item, e);
	if (rc <= 0)
		return rc;
	if (search_found_more(&c->found, 1, e) < 0)
		return -1;
	return c->on_item(c, uid, item, e);
}

/* Fetch an item of every message of set, in chunks, pipelined. */
static int
fetch_items(struct sess *s, struct collect *c, const struct uidset *set,
    struct err *e)
{
	struct pipe p;
	struct buf chunk;
	size_t pos = 0;
	int r = 0;

	buf_init(&chunk, UIDSET_CHUNK * 2);
	pipe_begin(&p, s, on_fetch, c);
	while (r == 0 && uidset_next_chunk(set, &pos, &chunk) == 1)
		r = pipe_send(&p, e, "UID FETCH %S (UID %s)", chunk.s,
		    c->item);
	r = pipe_finish(&p, r, e);
	buf_free(&chunk);
	return r;
}

/* The top uid: terms ANDed: every search stays within them. */
static int
get_scope(const struct search_query *q, struct uidset *scope)
{
	const struct node *k;
	struct uidset tmp;
	int have = 0;

	uidset_init(scope);
	for (k = q->root->type == N_AND ? q->root->kid : q->root; k != NULL;
	    k = q->root->type == N_AND ? k->next : NULL) {
		if (k->type != N_UID || !k->top)
			continue;
		if (!have) {
			uidset_merge(scope, &k->set);
			have = 1;
			continue;
		}
		uidset_init(&tmp);
		uidset_intersect(scope, &k->set, &tmp);
		uidset_free(scope);
		*scope = tmp;
	}
	return have;
}

/* Whether a set goes in one command. */
static int
one_chunk(const struct uidset *set)
{
	struct buf b;
	size_t pos = 0;

	buf_init(&b, UIDSET_CHUNK * 2);
	uidset_next_chunk(set, &pos, &b);
	buf_free(&b);
	return pos == set->n;
}

/* Send the searches of one form over scope (chunk by chunk, or whole). */
static int
queue_form(struct pipe *p, const struct search_query *q,
    enum search_form form, uint32_t vals, const struct uidset *scope,
    const char *ret, struct err *e)
{
	struct prog pr;
	struct buf chunk;
	size_t pos = 0;
	int r = 0;

	memset(&pr, 0, sizeof(pr));
	buf_init(&chunk, UIDSET_CHUNK * 2);
	if (scope == NULL) {
		if (query_build(&pr, q, form, vals, NULL, 1) != V_FALSE)
			r = pipe_send(p, e, "UID SEARCH%s %V", ret, pr.v, pr.n);
	} else
		while (r == 0 &&
		    uidset_next_chunk(scope, &pos, &chunk) == 1) {
			query_prog_reset(&pr);
			if (query_build(&pr, q, form, vals, chunk.s, 1) !=
			    V_FALSE)
				r = pipe_send(p, e, "UID SEARCH%s %V", ret,
				    pr.v, pr.n);
		}
	query_prog_free(&pr);
	buf_free(&chunk);
	return r;
}

/* Deciding older:/newer: for the messages of the days at the cutoffs. */
struct groups {
	const struct search_query *q;
	struct {
		uint32_t	 bits;
		struct uidlist	 list;	/* as the FETCH responses come */
		struct uidset	 set;
	}		 g[SEARCH_MAX_REL + 1];
	size_t		 n;
};

static int
group_date(struct collect *c, uint32_t uid, const struct imap_arg *v,
    struct err *e)
{
	struct groups *gs = c->itemctx;
	const struct search_query *q = gs->q;
	const char *s;
	size_t len, i;
	uint32_t bits = 0;
	time_t t;

	if (!imap_arg_string(v, &s, &len) ||
	    (t = date_parse_internal(s, len)) == -1)
		return err_set(e, ERR_PROTOCOL, "server sent a bad "
		    "INTERNALDATE");
	for (i = 0; i < q->nrel; i++)
		if (q->rel[i]->older ? t < q->rel[i]->cutoff :
		    t >= q->rel[i]->cutoff)
			bits |= 1u << i;
	for (i = 0; i < gs->n; i++)
		if (gs->g[i].bits == bits)
			break;
	/* Each term changes once along time: at most nrel + 1 groups. */
	if (i == gs->n) {
		if (gs->n == SEARCH_MAX_REL + 1)
			return err_set(e, ERR_INTERNAL, "too many groups");
		gs->g[i].bits = bits;
		uidlist_init(&gs->g[i].list);
		uidset_init(&gs->g[i].set);
		gs->n++;
	}
	return uidlist_add(&gs->g[i].list, uid, uid, e);
}

static int
run_relative(struct sess *s, const struct search_query *q,
    const struct uidset *scope, const char *ret, struct uidset *out,
    struct err *e)
{
	struct groups gs;
	struct collect c;
	struct uidset b;
	struct pipe p;
	struct form f;
	enum val v;
	size_t i;
	int r;

	memset(&gs, 0, sizeof(gs));
	gs.q = q;
	uidset_init(&b);
	/* The messages of the days around the cutoffs. */
	collect_init(&c, s, &b);
	pipe_begin(&p, s, on_search, &c);
	r = queue_form(&p, q, SEARCH_FORM_BOUNDARY, 0, scope, ret, e);
	r = pipe_finish(&p, r, e);
	collect_end(&c);
	/* Their INTERNALDATE decides the older:/newer: terms. */
	if (r == 0 && b.n > 0) {
		collect_init(&c, s, NULL);
		c.item = "INTERNALDATE";
		c.on_item = group_date;
		c.itemctx = &gs;
		r = fetch_items(s, &c, &b, e);
		for (i = 0; i < gs.n; i++)
			uidlist_into(&gs.g[i].list, &gs.g[i].set);
	}
	/* The rest by the server: whole days there, decided values here. */
	if (r == 0) {
		collect_init(&c, s, out);
		pipe_begin(&p, s, on_search, &c);
		r = queue_form(&p, q, SEARCH_FORM_OUTSIDE, 0, scope, ret, e);
		f.form = SEARCH_FORM_VALUES;
		f.scoped = 1;
		for (i = 0; i < gs.n && r == 0; i++) {
			f.vals = gs.g[i].bits;
			v = query_eval(q->root, &f);
			if (v == V_TRUE)
				uidset_merge(out, &gs.g[i].set);
			else if (v == V_KEYS)
				r = queue_form(&p, q, SEARCH_FORM_VALUES,
				    gs.g[i].bits, &gs.g[i].set, ret, e);
		}
		r = pipe_finish(&p, r, e);
		collect_end(&c);
	}
	for (i = 0; i < gs.n; i++) {
		uidlist_free(&gs.g[i].list);
		uidset_free(&gs.g[i].set);
	}
	uidset_free(&b);
	return r;
}

/* Whether one command answers the query exactly. */
static int
simple(const struct search_query *q, const struct uidset *scope, int scoped)
{
	if (q->nrel > 0 && !(q->caps & SEARCH_CAP_WITHIN))
		return 0;
	return !scoped || one_chunk(scope);
}

int
search_run(struct sess *s, const struct search_query *q, struct uidset *out,
    struct err *e)
{
	const struct sess_mailbox *m = sess_selected(s);
	struct uidset scope, got;
	struct search_found found;
	struct collect c;
	struct pipe p;
	const char *ret = sess_has_cap(s, "ESEARCH") ? " RETURN (ALL)" : "";
	int scoped, r = 0;

	/*
	 * An empty mailbox matches nothing; Exchange would even answer BAD
	 * to the "*" of a uid: term there.
	 */
	if (m != NULL && m->exists_seen && m->exists == 0)
		return 0;
	scoped = get_scope(q, &scope);
	uidset_init(&got);
	if (scoped && scope.n == 0)
		;
	else if (q->nrel > 0 && !(q->caps & SEARCH_CAP_WITHIN))
		r = run_relative(s, q, scoped ? &scope : NULL, ret, &got, e);
	else {
		collect_init(&c, s, &got);
		pipe_begin(&p, s, on_search, &c);
		r = queue_form(&p, q, SEARCH_FORM_EXACT, 0, scoped ? &scope :
		    NULL, ret, e);
		r = pipe_finish(&p, r, e);
		collect_end(&c);
	}
	if (r == 0) {
		search_found_init(&found, m != NULL ? m->exists : 0, 1);
		r = search_found_more(&found, uidset_count(&got), e);
	}
	if (r == 0)
		uidset_merge(out, &got);
	uidset_free(&got);
	uidset_free(&scope);
	return refused_charset(q, r, e);
}

int
search_count(struct sess *s, const struct search_query *q, uint64_t *n_r,
    struct err *e)
{
	struct uidset scope, got;
	struct collect c;
	struct pipe p;
	int scoped, r;

	*n_r = 0;
	scoped = get_scope(q, &scope);
	if (sess_has_cap(s, "ESEARCH") && simple(q, &scope, scoped)) {
		collect_init(&c, s, NULL);
		pipe_begin(&p, s, on_search, &c);
		r = 0;
		if (!scoped || scope.n > 0)
			r = queue_form(&p, q, SEARCH_FORM_EXACT, 0, scoped ?
			    &scope : NULL, " RETURN (COUNT)", e);
		r = pipe_finish(&p, r, e);
		collect_end(&c);
		*n_r = c.found.count;
		uidset_free(&scope);
		return r;
	}
	uidset_free(&scope);
	uidset_init(&got);
	r = search_run(s, q, &got, e);
	*n_r = uidset_count(&got);
	uidset_free(&got);
	return r;
}

int
search_queue_count(struct sess_pipe *p, sess_done_fn done, void *ctx,
    const struct search_query *q, struct err *e)
{
	if (!sess_has_cap(sess_pipe_sess(p), "ESEARCH"))
		return 0;
	return search_queue(p, done, ctx, q, "COUNT", e);
}

int
search_queue(struct sess_pipe *p, sess_done_fn done, void *ctx,
    const struct search_query *q, const char *ret, struct err *e)
{
	struct sess *s = sess_pipe_sess(p);
	struct uidset scope;
	struct prog pr;
	struct buf chunk;
	size_t pos = 0;
	int scoped, r = 0;

	scoped = get_scope(q, &scope);
	memset(&pr, 0, sizeof(pr));
	buf_init(&chunk, UIDSET_CHUNK * 2);
	if (!simple(q, &scope, scoped))
		r = 0;
	else if (scoped && (scope.n == 0 ||
	    uidset_next_chunk(&scope, &pos, &chunk) != 1))
		r = 2;
	else if (query_build(&pr, q, SEARCH_FORM_EXACT, 0, scoped ? chunk.s :
	    NULL, 1) == V_FALSE)
		r = 2;
	else if (ret == NULL || !sess_has_cap(s, "ESEARCH"))
		r = sess_pipe_send(p, done, ctx, e, "UID SEARCH %V", pr.v,
		    pr.n) < 0 ? -1 : 1;
	else
		r = sess_pipe_send(p, done, ctx, e, "UID SEARCH RETURN (%s) %V",
		    ret, pr.v, pr.n) < 0 ? -1 : 1;
	query_prog_free(&pr);
	buf_free(&chunk);
	uidset_free(&scope);
	return r;
}

/* Sorting here: the key of each match, fetched; with a limit, the best. */
struct pair {
	uint32_t	uid;
	int64_t		key;
};

struct sorter {
	struct pair	*v;
	size_t		 n, alloc;
	uint64_t	 limit;
	int		 reverse;
};

static int
pair_cmp(const struct pair *a, const struct pair *b, int reverse)
{
	if (a->key != b->key)
		return (a->key < b->key) == !reverse ? -1 : 1;
	return a->uid < b->uid ? -1 : a->uid > b->uid;
}

static int
pair_asc(const void *a, const void *b)
{
	return pair_cmp(a, b, 0);
}

static int
pair_desc(const void *a, const void *b)
{
	return pair_cmp(a, b, 1);
}

static void
sorter_sort(struct sorter *st)
{
	if (st->n > 1)
		qsort(st->v, st->n, sizeof(*st->v), st->reverse ? pair_desc :
		    pair_asc);
	if (st->limit != 0 && st->n > st->limit)
		st->n = (size_t)st->limit;
}

static int
sort_item(struct collect *c, uint32_t uid, const struct imap_arg *v,
    struct err *e)
{
	struct sorter *st = c->itemctx;
	const char *s;
	size_t len;
	uint64_t size;
	time_t t;
	int64_t key;

	if (strcmp(c->item, "INTERNALDATE") == 0) {
		if (!imap_arg_string(v, &s, &len) ||
		    (t = date_parse_internal(s, len)) == -1)
			return err_set(e, ERR_PROTOCOL, "server sent a bad "
			    "INTERNALDATE");
		key = (int64_t)t;
	} else {
		if (!imap_arg_u64(v, &size) || size > INT64_MAX)
			return err_set(e, ERR_PROTOCOL, "server sent a bad "
			    "RFC822.SIZE");
		key = (int64_t)size;
	}
	/* Keep the best limit of them: sort and cut now and then. */
	if (st->limit != 0 && st->n >= 2 * st->limit + 1024)
		sorter_sort(st);
	if (st->n == st->alloc) {
		st->alloc = st->alloc ? st->alloc * 2 : 1024;
		st->v = xrealloc(st->v, st->alloc * sizeof(*st->v));
	}
	st->v[st->n].uid = uid;
	st->v[st->n].key = key;
	st->n++;
	return 0;
}

static int
sort_here(struct sess *s, const struct uidset *set, enum search_sort key,
    int reverse, struct collect *out, struct err *e)
{
	struct sorter st;
	struct collect c;
	size_t i;
	int r;

	memset(&st, 0, sizeof(st));
	st.limit = out->limit;
	st.reverse = reverse;
	collect_init(&c, s, NULL);
	c.item = key == SEARCH_SORT_DATE ? "INTERNALDATE" : "RFC822.SIZE";
	c.on_item = sort_item;
	c.itemctx = &st;
	r = fetch_items(s, &c, set, e);
	if (r == 0) {
		sorter_sort(&st);
		for (i = 0; i < st.n && r == 0 && !out->stop; i++)
			r = give(out, st.v[i].uid, e);
	}
	free(st.v);
	return r;
}

int
search_sorted(struct sess *s, const struct search_query *q,
    enum search_sort key, int reverse, uint64_t limit, search_uid_fn fn,
    void *ctx, struct err *e)
{
	struct uidset scope, got;
	struct collect c;
	struct prog pr;
	struct pipe p;
	struct buf chunk;
	static const char *const crits[] = { "ARRIVAL", "SIZE", "SUBJECT",
	    "FROM" };
	const char *crit = crits[key];
	int here_ok = key == SEARCH_SORT_DATE || key == SEARCH_SORT_SIZE;
	const char *ret = sess_has_cap(s, "ESORT") ? " RETURN (ALL)" : "";
	const char *rev = reverse ? "REVERSE " : "";
	int sort = sess_has_cap(s, "SORT"), scoped, r = 0;
	size_t pos = 0;

	if (!sort && !here_ok)
		return err_set(e, ERR_UNAVAILABLE, "--sort %s needs the "
		    "server's SORT (RFC 5256), which it does not offer",
		    crit[0] == 'S' ? "subject" : "from");

	collect_init(&c, s, NULL);
	c.fn = fn;
	c.fnctx = ctx;
	c.limit = limit;
	memset(&pr, 0, sizeof(pr));
	buf_init(&chunk, UIDSET_CHUNK * 2);
	uidset_init(&got);
	scoped = get_scope(q, &scope);
	if (sort && simple(q, &scope, scoped)) {
		/* The server sorts what it finds. */
		if (scoped)
			uidset_next_chunk(&scope, &pos, &chunk);
		if ((!scoped || scope.n > 0) && query_build(&pr, q,
		    SEARCH_FORM_EXACT, 0, scoped ? chunk.s : NULL, 0) !=
		    V_FALSE) {
			pipe_begin(&p, s, on_sort, &c);
			r = pipe_send(&p, e, "UID SORT%s (%s%s) UTF-8 %V", ret,
			    rev, crit, pr.v, pr.n);
			r = refused_charset(q, pipe_finish(&p, r, e), e);
		}
	} else if ((r = search_run(s, q, &got, e)) == 0 && got.n > 0) {
		if (sort && one_chunk(&got)) {
			/* The server sorts what we found. */
			uidset_next_chunk(&got, &pos, &chunk);
			pipe_begin(&p, s, on_sort, &c);
			r = pipe_send(&p, e, "UID SORT%s (%s%s) UTF-8 UID %S",
			    ret, rev, crit, chunk.s);
			r = pipe_finish(&p, r, e);
		} else if (here_ok)
			r = sort_here(s, &got, key, reverse, &c, e);
		else
			r = err_set(e, ERR_UNAVAILABLE, "too many matches to "
			    "sort by %s in one SORT command: narrow the query",
			    crit[0] == 'S' ? "subject" : "from");
	}
	if (r == 0 && c.fnerr.kind != ERR_NONE) {
		*e = c.fnerr;
		r = -1;
	}
	free(c.once.v);
	query_prog_free(&pr);
	buf_free(&chunk);
	uidset_free(&got);
	uidset_free(&scope);
	return r;
}

/* A query of just "uid:SET": the same searches as "search MAILBOX uid:SET". */
int
search_existing(struct sess *s, const struct uidset *in, struct uidset *out,
    struct err *e)
{
	struct search_query *q = xcalloc(1, sizeof(*q));
	int r;

	q->root = query_node_new(q, N_UID);
	q->root->top = 1;
	uidset_merge(&q->root->set, in);
	r = search_run(s, q, out, e);
	search_free(q);
	return r;
}

