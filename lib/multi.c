/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "mailbox.h"
#include "multi.h"
#include "xalloc.h"
#include "banned.h"

enum {
	K_EXAMINE,
	K_SEARCH,
	K_FETCH
};

void
multi_init(struct multi *m)
{
	memset(m, 0, sizeof(*m));
}

void
multi_free(struct multi *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].wire);
		uidset_free(&m->v[i].found);
		search_found_free(&m->v[i].run);
	}
	free(m->v);
	free(m->keys);
	free(m->patterns);
	memset(m, 0, sizeof(*m));
}

/* Listing ------------------------------------------------------------- */

static int
on_list(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct multi *m = ctx;
	struct multi_pattern *pt = sess_pipe_oldest(m->p);
	struct multi_box *b;
	struct mbox_list ml;
	struct buf name;

	if (!mbox_parse_list(r, &ml))
		return 0;
	/* LIST answers in the order asked: the oldest pattern's. */
	if (pt != NULL)
		pt->listed++;
	if (mbox_has_attr(ml.attrs, "\\Noselect") ||
	    mbox_has_attr(ml.attrs, "\\NonExistent"))
		return 0;
	if (pt != NULL)
		pt->selectable++;
	if (m->n >= MULTI_MAX_MAILBOXES)
		return err_set(e, ERR_PROTOCOL, "server listed more than %d "
		    "mailboxes", MULTI_MAX_MAILBOXES);
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 64;
		m->v = xrealloc(m->v, m->alloc * sizeof(*m->v));
	}
	b = &m->v[m->n++];
	memset(b, 0, sizeof(*b));
	err_clear(&b->err);
	b->wire = xstrndup(ml.name, ml.name_len);
	b->delim = ml.delim != NULL ? ml.delim[0] : 0;
	buf_init(&name, 1 << 20);
	sess_mailbox_decode(s, ml.name, ml.name_len, &name);
	b->name = buf_release(&name);
	return 0;
}

static int
list_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct multi_pattern *pt = ctx;

	return sess_done_keep(&pt->reply, s, rep, e);
}

static int
box_cmp(const void *a, const void *b)
{
	const struct multi_box *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->wire, y->wire);
}

int
multi_list(struct sess *s, const char *const *patterns, size_t n,
    struct multi *m, struct err *e)
{
	struct sess_scope sc = { on_list, NULL, NULL, NULL };
	size_t i, j;
	int r = 0;

	sc.ctx = m;
	free(m->patterns);
	m->patterns = xcalloc(n, sizeof(*m->patterns));
	m->npatterns = n;
	/* Every pattern's LIST in one write. */
	m->p = sess_pipe_begin(s, &sc, 0);
	for (i = 0; i < n && r == 0; i++) {
		m->patterns[i].pattern = patterns[i];
		r = sess_pipe_send(m->p, list_done, &m->patterns[i], e,
		    "LIST \"\" %M", patterns[i]);
	}
	r = sess_pipe_end(m->p, r, e);
	m->p = NULL;
	for (i = 0; i < n && r == 0; i++)
		if (sess_reply_check(&m->patterns[i].reply, e) < 0) {
			err_prefix(e, "listing '%s'", patterns[i]);
			r = -1;
		}
	if (r < 0)
		return -1;
	/* Each mailbox once, however many patterns name it. */
	if (m->n > 1)
		qsort(m->v, m->n, sizeof(*m->v), box_cmp);
	for (i = j = 0; i < m->n; i++) {
		if (j > 0 && strcmp(m->v[j - 1].wire, m->v[i].wire) == 0) {
			free(m->v[i].name);
			free(m->v[i].wire);
			continue;
		}
		m->v[j++] = m->v[i];
	}
	m->n = j;
	return 0;
}

/* Searching ----------------------------------------------------------- */

/* The run's command whose answer this is: oldest in flight, or by TAG. */
static struct multi_cmd *
cmd_of(struct multi *m, const struct imap_resp *r, int kind)
{
	struct multi_cmd *c = NULL;
	const char *tag = NULL;
	size_t len;

	if (kind == K_SEARCH && search_answer(r, &tag, &len) ==
	    SEARCH_ANSWER_ESEARCH && tag != NULL)
		c = sess_pipe_tagged(m->p, tag, len);
	else
		c = sess_pipe_oldest(m->p);
	return c != NULL && c->kind == kind ? c : NULL;
}

/*
 * A mailbox's answer: "* SEARCH 1 2 3" or "* ESEARCH (TAG "A5") UID ALL
 * 1:3". A mailbox cannot match more messages than its EXISTS said.
 */
static int
take_search(struct multi_box *b, const struct imap_resp *r, struct err *e)
{
	b->run.exists = b->exists;
	return search_found_take(&b->run, r, e);
}

static int on_fetch(struct multi *, const struct imap_resp *,
		    struct err *);
static int fetch_done(void *, struct sess *, const struct sess_reply *,
		    struct err *);
static void drop_failed_keys(struct multi *);

static int
on_untagged(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct multi *m = ctx;
	const struct imap_arg *a = r->args, *code = r->code;
	struct multi_cmd *c;
	uint32_t n;

	(void)s;
	if (r->status != IMAP_ST_NONE) {
		/* "* OK [UIDVALIDITY n]" of the mailbox being examined. */
		if (code != NULL && imap_arg_is(code, "UIDVALIDITY") &&
		    imap_arg_u32(code->next, &n) &&
		    (c = cmd_of(m, r, K_EXAMINE)) != NULL)
			c->box->uidvalidity = n;
		return 0;
	}
	if (a == NULL)
		return 0;
	if (imap_arg_is(a->next, "EXISTS")) {
		if ((c = cmd_of(m, r, K_EXAMINE)) == NULL)
			return 0;
		if (!imap_arg_u32(a, &n))
			c->box->exists_bad = 1;
		else
			c->box->exists = n;
		return 0;
	}
	if (search_answer(r, NULL, NULL) != SEARCH_ANSWER_NONE) {
		if ((c = cmd_of(m, r, K_SEARCH)) == NULL)
			return 0;	/* not ours */
		return take_search(c->box, r, e);
	}
	if (a->next != NULL && imap_arg_is(a->next, "FETCH"))
		return on_fetch(m, r, e);
	return 0;
}

/* A mailbox's command answered: 1 if refused, kept in its err, saying what. */
static int
box_refused(struct multi_box *b, const struct sess_reply *rep,
    const char *what)
{
	if (sess_reply_check(rep, &b->err) == 0)
		return 0;
	err_prefix(&b->err, "%s '%s'", what, b->name);
	return 1;
}

static int
examine_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct multi_cmd *c = ctx;
	struct multi_box *b = c->box;

	(void)s;
	(void)e;
	if (rep->status == IMAP_ST_NONE)
		return 0;	/* the session failed: the caller says so */
	b->examined = !box_refused(b, rep, "cannot open mailbox");
	/*
	 * An EXISTS that was no count: nothing bounds what its search may
	 * name, and the mailbox is not searched (as sess_select has it).
	 */
	if (b->examined && b->exists_bad) {
		err_set(&b->err, ERR_PROTOCOL, "cannot open mailbox '%s': "
		    "malformed EXISTS response", b->name);
		b->examined = 0;
	}
	return 0;
}

static int
search_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct multi_cmd *c = ctx;
	struct multi_box *b = c->box;

	(void)s;
	(void)e;
	if (rep->status == IMAP_ST_NONE || b->err.kind != ERR_NONE)
		return 0;
	box_refused(b, rep, "searching");
	return 0;
}

/*
 * The EXAMINE commands of a run change the mailbox the server has
 * selected behind the session's back: from here on the session vouches
 * for none (sess_selected is NULL) until the caller selects one.
 */
static void
leave_selected(struct sess *s)
{
	if (sess_state(s) == SESS_SELECTED)
		sess_set_state(s, SESS_AUTHENTICATED);
}

/* The answers of a mailbox, once its commands have ended. */
static void
box_settle(struct multi_box *b)
{
	search_found_end(&b->run, &b->found);
	b->count = b->run.count;
	if (!b->examined && b->err.kind == ERR_NONE)
		err_set(&b->err, ERR_UNAVAILABLE, "cannot open mailbox '%s'",
		    b->name);
	if (b->err.kind != ERR_NONE) {
		uidset_clear(&b->found);
		b->count = 0;
	}
}

/* Not one command a mailbox: each examined and searched in turn. */
static int
search_each(struct sess *s, struct multi *m, const struct search_query *q,
    int count, struct err *e)
{
	struct multi_box *b;
	size_t i;
	int r;

	for (i = 0; i < m->n; i++) {
		b = &m->v[i];
		b->examined = 0;
		err_clear(&b->err);
		uidset_clear(&b->found);
		b->count = 0;
		if (sess_select(s, b->name, 1, &b->err) < 0) {
			if (sess_broken(s)) {
				*e = b->err;
				return -1;
			}
			continue;
		}
		b->examined = 1;
		b->uidvalidity = sess_selected(s)->uidvalidity;
		b->exists = sess_selected(s)->exists;
		if (count)
			r = search_count(s, q, &b->count, &b->err);
		else
			r = search_run(s, q, &b->found, &b->err);
		if (r < 0) {
			if (sess_broken(s)) {
				*e = b->err;
				return -1;
			}
			err_prefix(&b->err, "searching '%s'", b->name);
			continue;
		}
		if (!count)
			b->count = uidset_count(&b->found);
	}
	return 0;
}

int
multi_search(struct sess *s, struct multi *m, const struct search_query *q,
    int count, const char *keys, int last, struct err *e)
{
	struct sess_scope sc = { on_untagged, NULL, NULL, NULL };
	struct multi_box *b;
	const char *ret = count ? "COUNT" : "ALL";
	size_t i;
	int r = 0, q_r = 1;

	sc.ctx = m;
	leave_selected(s);
	/*
	 * The sort keys in the same pass where the server keeps the matches
	 * for the next command (SEARCHRES, RFC 5182): "UID FETCH $" right
	 * behind each search, and no second EXAMINE of every mailbox.
	 */
	m->saving = keys != NULL && sess_has_cap(s, "SEARCHRES") &&
	    sess_has_cap(s, "ESEARCH");
	m->item = keys;
	if (m->saving)
		ret = "SAVE";
	m->p = sess_pipe_begin(s, &sc, MULTI_WINDOW);
	for (i = 0; i < m->n && r == 0; i++) {
		b = &m->v[i];
		b->c_examine.box = b->c_search.box = b->c_fetch.box = b;
		b->c_examine.kind = K_EXAMINE;
		b->c_search.kind = K_SEARCH;
		search_found_free(&b->run);
		search_found_init(&b->run, 0, count);
		b->exists_bad = 0;
		b->run.mailbox = b->name;
		b->c_fetch.kind = K_FETCH;
		if ((r = sess_pipe_send(m->p, examine_done, &b->c_examine, e,
		    "EXAMINE %A", b->wire)) < 0)
			break;
		q_r = search_queue(m->p, search_done, &b->c_search, q, ret, e);
		if (q_r < 0)
			r = -1;
		else if (q_r == 0)
			break;	/* the same for every mailbox */
		else if (q_r == 1 && m->saving)
			r = sess_pipe_send(m->p, fetch_done, &b->c_fetch, e,
			    "UID FETCH $ (UID %s)", keys);
	}
	/* Nothing more to ask: goodbye in the same write. */
	if (r == 0 && q_r != 0 && last && (keys == NULL || m->saving))
		r = sess_send_logout(s, e);
	r = sess_pipe_end(m->p, r, e);
	m->p = NULL;
	if (r < 0)
		return -1;
	if (q_r == 0) {
		/* Searched one by one: the keys come after, if asked. */
		m->saving = 0;
		m->nkeys = 0;
		r = search_each(s, m, q, count, e);
		leave_selected(s);
		return r;
	}
	for (i = 0; i < m->n; i++) {
		box_settle(&m->v[i]);
		if (m->saving)
			m->v[i].count = uidset_count(&m->v[i].found);
	}
	if (m->saving) {
		drop_failed_keys(m);
		m->keyed = 1;
	}
	m->saving = 0;
	return 0;
}

/* Sort keys ----------------------------------------------------------- */

/* "* N FETCH (UID u ITEM v)": the key of a match. */
static int
on_fetch(struct multi *m, const struct imap_resp *r, struct err *e)
{
	const struct imap_arg *item;
	struct multi_cmd *c;
	struct multi_key *k;
	const char *s;
	uint32_t uid;
	uint64_t size;
	size_t n;
	time_t t;
	int rc;

	if ((c = cmd_of(m, r, K_FETCH)) == NULL)
		return 0;
	if ((rc = search_fetch_item(r, m->item, &uid, &item, e)) <= 0)
		return rc;
	/* SEARCHRES: "$" named the matches, the keys name them here. */
	if (m->saving) {
		if (uidlist_add(&c->box->run.list, uid, uid, e) < 0)
			return -1;
	} else if (!uidset_contains(&c->box->found, uid))
		return 0;
	c->box->run.exists = c->box->exists;
	if (search_found_more(&c->box->run, 1, e) < 0)
		return -1;
	if (m->nkeys == m->keys_alloc) {
		m->keys_alloc = m->keys_alloc ? m->keys_alloc * 2 : 1024;
		m->keys = xrealloc(m->keys, m->keys_alloc * sizeof(*m->keys));
	}
	k = &m->keys[m->nkeys];
	k->box = (uint32_t)(c->box - m->v);
	k->uid = uid;
	if (strcmp(m->item, "INTERNALDATE") == 0) {
		if (!imap_arg_string(item, &s, &n) ||
		    (t = date_parse_internal(s, n)) == -1)
			return err_set(e, ERR_PROTOCOL, "server sent a bad "
			    "INTERNALDATE");
		k->key = (int64_t)t;
	} else {
		if (!imap_arg_u64(item, &size) || size > INT64_MAX)
			return err_set(e, ERR_PROTOCOL, "server sent a bad "
			    "RFC822.SIZE");
		k->key = (int64_t)size;
	}
	m->nkeys++;
	return 0;
}

/* A mailbox examined again: the UIDs found must still name them. */
static int
reexamine_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct multi_cmd *c = ctx;
	struct multi_box *b = c->box;

	(void)s;
	(void)e;
	if (rep->status == IMAP_ST_NONE)
		return 0;
	box_refused(b, rep, "cannot open mailbox");
	return 0;
}

static int
fetch_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct multi_cmd *c = ctx;
	struct multi_box *b = c->box;

	(void)s;
	(void)e;
	if (rep->status == IMAP_ST_NONE || b->err.kind != ERR_NONE)
		return 0;
	box_refused(b, rep, "fetching from");
	return 0;
}

int
multi_keys(struct sess *s, struct multi *m, const char *item, struct err *e)
{
	struct sess_scope sc = { on_untagged, NULL, NULL, NULL };
	struct multi_box *b;
	struct buf chunk;
	size_t i, pos;
	int r = 0;

	if (m->keyed)
		return 0;	/* they came with the search */
	sc.ctx = m;
	leave_selected(s);
	m->item = item;
	buf_init(&chunk, UIDSET_CHUNK * 2);
	m->p = sess_pipe_begin(s, &sc, MULTI_WINDOW);
	for (i = 0; i < m->n && r == 0; i++) {
		b = &m->v[i];
		if (b->err.kind != ERR_NONE || b->found.n == 0)
			continue;
		b->run.seen = 0;
		b->searched_uv = b->uidvalidity;
		b->c_examine.box = b->c_fetch.box = b;
		b->c_examine.kind = K_EXAMINE;
		b->c_fetch.kind = K_FETCH;
		if ((r = sess_pipe_send(m->p, reexamine_done, &b->c_examine, e,
		    "EXAMINE %A", b->wire)) < 0)
			break;
		/* The UIDVALIDITY that came is checked once it has ended. */
		pos = 0;
		while (r == 0 && uidset_next_chunk(&b->found, &pos,
		    &chunk) == 1)
			r = sess_pipe_send(m->p, fetch_done, &b->c_fetch, e,
			    "UID FETCH %S (UID %s)", chunk.s, item);
	}
	r = sess_pipe_end(m->p, r, e);
	m->p = NULL;
	buf_free(&chunk);
	if (r < 0)
		return -1;
	/* The same mailbox, or its UIDs name other messages now. */
	for (i = 0; i < m->n; i++) {
		b = &m->v[i];
		if (b->found.n == 0 || b->err.kind != ERR_NONE)
			continue;
		if (b->uidvalidity != b->searched_uv)
			err_set(&b->err, ERR_DATA, "mailbox '%s' changed "
			    "its UIDVALIDITY from %u to %u while it was "
			    "searched", b->name, b->searched_uv,
			    b->uidvalidity);
	}
	for (i = 0; i < m->n; i++)
		if (m->v[i].err.kind != ERR_NONE) {
			uidset_clear(&m->v[i].found);
			m->v[i].count = 0;
		}
	drop_failed_keys(m);
	m->keyed = 1;
	return 0;
}

/* The keys of mailboxes that failed go. */
static void
drop_failed_keys(struct multi *m)
{
	size_t i, w;

	for (i = w = 0; i < m->nkeys; i++)
		if (m->v[m->keys[i].box].err.kind == ERR_NONE)
			m->keys[w++] = m->keys[i];
	m->nkeys = w;
}
