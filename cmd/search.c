/* SPDX-License-Identifier: MIT */
/*
 * search: the messages of a mailbox that match a query (the search
 * language of lib/search.h), opened read-only. Records carry mailbox,
 * uidvalidity and uid, so "search -o jsonl | fetch -" names the messages
 * unambiguously; exit 1 when nothing matched, as grep does. --summary
 * prints fetch's summary records instead, fetched in the output order.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "choice.h"
#include "cmd.h"
#include "msgset.h"
#include "multi.h"
#include "parser.h"
#include "search.h"
#include "xalloc.h"
#include "banned.h"

/* What is printed of the messages found: their summaries, or a count. */
enum { SHOW_UIDS, SHOW_COUNT, SHOW_SUMMARY };

/* --sort: a key, with - before it for the reverse order. */
#define SORT_REVERSE	0x100
static const struct choice sort_words[] = {
	{ "date", SEARCH_SORT_DATE },
	{ "-date", SEARCH_SORT_DATE | SORT_REVERSE },
	{ "size", SEARCH_SORT_SIZE },
	{ "-size", SEARCH_SORT_SIZE | SORT_REVERSE },
	{ "subject", SEARCH_SORT_SUBJECT },
	{ "-subject", SEARCH_SORT_SUBJECT | SORT_REVERSE },
	{ "from", SEARCH_SORT_FROM },
	{ "-from", SEARCH_SORT_FROM | SORT_REVERSE },
	{ NULL, 0 }
};
static const struct choices sort_choices = { .v = sort_words,
    .hint = "date, size, subject or from, with - before for the reverse" };

static struct {
	const char	*raw;
	int		 sort;		/* sort_words, or -1 */
	uint64_t	 limit;		/* 0: no limit */
	struct opt_mode	 show;
} opt;

const struct opt search_opts[] = {
	OPT_LIST(0, "in", &common_opts.in, "PATTERN", "search the mailboxes "
	    "this LIST pattern names (* or Lists/*) instead of MAILBOX; "
	    "repeatable", OPT_COMPLETE_MAILBOX),
	OPT_STRING(0, "raw", &opt.raw, "KEYS", "IMAP SEARCH keys, sent as they "
	    "are and ANDed with the query"),
	OPT_CMDMODE(0, "count", &opt.show, SHOW_COUNT, "print only the number "
	    "of matching messages (with --in: each mailbox's, then the total)"),
	OPT_CMDMODE(0, "summary", &opt.show, SHOW_SUMMARY, "print fetch's "
	    "summary of each message"),
	OPT_UINT(0, "limit", &opt.limit, 0, 1, UINT64_MAX, "N", "print at "
	    "most N messages "
	    "(with --in: in all)"),
	OPT_CHOICE(0, "sort", &opt.sort, &sort_choices, OPT_CHOICE_UNSET,
	    "ORDER", "date, -date, size, -size, "
	    "subject or from (with -: newest, largest or Z first)"),
	MSGSET_OPT_UIDVALIDITY,
	OPT_END()
};

struct found {
	struct ctx	*ctx;
	const char	*mailbox;
	uint32_t	 uidvalidity;
	uint64_t	 n;
	/* --summary --sort: the UIDs in order, handed out in runs. */
	uint32_t	*v;
	size_t		 nv, alloc, next;
	/* --summary: the found set, handed out in chunks. */
	const struct uidset *set;
	size_t		 pos;
};

/*
 * A message's record: its mailbox, UIDVALIDITY and UID, for one mailbox
 * as for --in.
 */
static void
emit_message(struct emit *e, const char *mailbox, uint32_t uidvalidity,
    uint32_t uid)
{
	emit_record_begin(e, "message");
	emit_str(e, "mailbox", mailbox);
	emit_uint(e, "uidvalidity", uidvalidity);
	emit_uint(e, "uid", uid);
	emit_record_end(e);
}

/* One found in the mailbox of f. */
static void
emit_found(struct found *f, uint32_t uid)
{
	emit_message(f->ctx->emit, f->mailbox, f->uidvalidity, uid);
	f->n++;
}

/* Each UID of set, in order, while the output is wanted. */
static void
emit_set(struct found *f, const struct uidset *set)
{
	uint64_t uid;
	size_t i;

	for (i = 0; i < set->n; i++)
		for (uid = set->r[i].lo; uid <= set->r[i].hi; uid++) {
			/* A reader that went away wants no more. */
			if (emit_status(f->ctx->emit) != 0)
				return;
			emit_found(f, (uint32_t)uid);
		}
}

static int
found_one(void *arg, uint32_t uid, struct err *e)
{
	struct found *f = arg;

	(void)e;
	emit_found(f, uid);
	return 0;
}

/* --summary --sort: keep the order (4 bytes a message) for the fetch. */
static int
found_keep(void *arg, uint32_t uid, struct err *e)
{
	struct found *f = arg;

	(void)e;
	if (f->nv == f->alloc) {
		f->alloc = f->alloc ? f->alloc * 2 : 1024;
		f->v = xrealloc(f->v, f->alloc * sizeof(*f->v));
	}
	f->v[f->nv++] = uid;
	f->n++;
	return 0;
}

/*
 * The sets to fetch summaries of, in the output order: runs of UIDs that
 * follow each other, each a command (the server answers a range in UID
 * order, which is the order wanted within the run).
 */
static int
next_run(void *arg, struct buf *b)
{
	struct found *f = arg;
	size_t i = f->next, j = i;

	if (i == f->nv)
		return 0;
	while (j + 1 < f->nv && f->v[j + 1] == f->v[j] + 1)
		j++;
	f->next = j + 1;
	buf_reset(b);
	if (j == i)
		return buf_addf(b, "%u", f->v[i]) < 0 ? -1 : 1;
	return buf_addf(b, "%u:%u", f->v[i], f->v[j]) < 0 ? -1 : 1;
}

static int
next_chunk(void *arg, struct buf *b)
{
	struct found *f = arg;

	return uidset_next_chunk(f->set, &f->pos, b);
}

/* The first limit UIDs of set (all with 0). */
static void
first_uids(const struct uidset *set, uint64_t limit, struct uidset *out)
{
	uint64_t left = limit, n;
	size_t i;

	for (i = 0; i < set->n && (limit == 0 || left > 0); i++) {
		n = (uint64_t)set->r[i].hi - set->r[i].lo + 1;
		if (limit != 0) {
			if (n > left)
				n = left;
			left -= n;
		}
		uidset_add(out, set->r[i].lo, (uint32_t)(set->r[i].lo + n - 1));
	}
}

/* --limit, --sort and --count with --summary: 0 or 64 after saying why. */
static int
search_options(struct ctx *ctx, uint64_t *limit_r, enum search_sort *key_r,
    int *reverse_r)
{
	*limit_r = opt.limit;
	*key_r = SEARCH_SORT_DATE;
	*reverse_r = 0;
	/* --sort was read with the options. */
	if (opt.sort != OPT_CHOICE_UNSET) {
		*key_r = (enum search_sort)(opt.sort & ~SORT_REVERSE);
		*reverse_r = (opt.sort & SORT_REVERSE) != 0;
	}
	if (opt_mode_count(&opt.show) > 1)
		return cmd_usage(ctx, "--count and --summary "
		    "exclude each other");
	return 0;
}

/* What --in does not go with: 0 or 64 after saying why. */
static int
check_in(int argc, char **argv, struct ctx *ctx, enum search_sort key)
{
	struct search_query *q = NULL;
	struct err e;
	int stdin_uids;

	if (common_opts.uidvalidity != 0)
		return cmd_usage(ctx, "--uidvalidity guards one "
		    "mailbox; with --in each record carries its own");
	if (opt.sort != OPT_CHOICE_UNSET && (key == SEARCH_SORT_SUBJECT ||
	    key == SEARCH_SORT_FROM))
		return cmd_usage(ctx, "--sort %s with --in: the "
		    "server sorts by %s one mailbox at a time, and those "
		    "orders do not merge; use date or size", key ==
		    SEARCH_SORT_SUBJECT ? "subject" : "from", key ==
		    SEARCH_SORT_SUBJECT ? "subject" : "from");
	err_clear(&e);
	if (search_compile((const char *const *)argv, (size_t)argc, 0, 0,
	    time(NULL), &q, &e) < 0)
		return 0;	/* msgset_check_query says why */
	stdin_uids = search_wants_stdin(q);
	search_free(q);
	if (stdin_uids)
		return cmd_usage(ctx, "uid:- names UIDs of one "
		    "mailbox: not with --in");
	return 0;
}

int
check_search(int argc, char **argv, struct ctx *ctx)
{
	enum search_sort key;
	uint64_t limit;
	int reverse, rc, in = common_opts.in.n > 0;

	if ((rc = search_options(ctx, &limit, &key, &reverse)) != 0)
		return rc;
	if (!in && argc == 0)
		return cmd_usage(ctx, "missing operand: MAILBOX, "
		    "or --in PATTERN");
	if (in && (rc = check_in(argc, argv, ctx, key)) != 0)
		return rc;
	return msgset_check_query(ctx, (const char *const *)argv + !in,
	    (size_t)argc - !in, 0, opt.raw);
}

/* --in ----------------------------------------------------------------- */

/* One match of the run, in output order. */
struct hit {
	uint32_t	box;
	uint32_t	uid;
};

struct multi_out {
	struct ctx	*ctx;
	struct multi	*m;
	uint64_t	 limit;
	struct hit	*hits;		/* --sort: the order; else NULL */
	size_t		 nhits;
	uint64_t	*counts;	/* --count: a mailbox's, in the order */
	uint64_t	 n;
};

static int reverse_sort;

static int
key_cmp(const void *a, const void *b)
{
	const struct multi_key *x = a, *y = b;

	if (x->key != y->key)
		return (x->key < y->key) == !reverse_sort ? -1 : 1;
	if (x->box != y->box)
		return x->box < y->box ? -1 : 1;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/*
 * The order of --sort across mailboxes: by key (internal date or size),
 * equal keys in mailbox order, then by UID; the first limit of them.
 */
static void
order_keys(struct multi_out *o, int reverse)
{
	struct multi *m = o->m;
	size_t i;

	reverse_sort = reverse;
	if (m->nkeys > 1)
		qsort(m->keys, m->nkeys, sizeof(*m->keys), key_cmp);
	o->nhits = m->nkeys;
	if (o->limit != 0 && o->nhits > o->limit)
		o->nhits = (size_t)o->limit;
	o->hits = xcalloc(o->nhits + 1, sizeof(*o->hits));
	for (i = 0; i < o->nhits; i++) {
		o->hits[i].box = m->keys[i].box;
		o->hits[i].uid = m->keys[i].uid;
	}
}

/* One found in mailbox b, of --in's. */
static void
emit_hit(struct multi_out *o, const struct multi_box *b, uint32_t uid)
{
	emit_message(o->ctx->emit, b->name, b->uidvalidity, uid);
	o->n++;
}

/* The messages, in order: mailbox by mailbox, or as --sort put them. */
static void
emit_hits(struct multi_out *o)
{
	struct multi *m = o->m;
	struct uidset firsts;
	uint64_t left = o->limit;
	size_t i, j;
	uint64_t uid;

	if (o->hits != NULL) {
		for (i = 0; i < o->nhits; i++) {
			if (emit_status(o->ctx->emit) != 0)
				return;
			emit_hit(o, &m->v[o->hits[i].box], o->hits[i].uid);
		}
		return;
	}
	for (i = 0; i < m->n && (o->limit == 0 || left > 0); i++) {
		uidset_init(&firsts);
		first_uids(&m->v[i].found, left, &firsts);
		for (j = 0; j < firsts.n; j++)
			for (uid = firsts.r[j].lo; uid <= firsts.r[j].hi;
			    uid++) {
				if (emit_status(o->ctx->emit) != 0)
					break;
				emit_hit(o, &m->v[i], (uint32_t)uid);
			}
		if (o->limit != 0)
			left -= uidset_count(&firsts);
		uidset_free(&firsts);
	}
}

/*
 * --count: a record a mailbox (mailbox, uidvalidity, count), then the
 * total alone, as the one-mailbox --count prints it. With --limit, what
 * the listing would print: the first N in its order.
 */
static void
emit_counts(struct multi_out *o)
{
	struct multi *m = o->m;
	struct emit *e = o->ctx->emit;
	uint64_t left = o->limit, c;
	size_t i;

	o->counts = xcalloc(m->n + 1, sizeof(*o->counts));
	if (o->hits != NULL)
		for (i = 0; i < o->nhits; i++)
			o->counts[o->hits[i].box]++;
	else
		for (i = 0; i < m->n; i++) {
			c = m->v[i].count;
			if (o->limit != 0) {
				if (c > left)
					c = left;
				left -= c;
			}
			o->counts[i] = c;
		}
	for (i = 0; i < m->n; i++) {
		if (m->v[i].err.kind != ERR_NONE)
			continue;
		emit_record_begin(e, "count");
		emit_str(e, "mailbox", m->v[i].name);
		emit_uint(e, "uidvalidity", m->v[i].uidvalidity);
		emit_uint(e, "count", o->counts[i]);
		emit_record_end(e);
		o->n += o->counts[i];
	}
	emit_record_begin(e, "total");
	emit_uint(e, "count", o->n);
	emit_record_end(e);
}

/*
 * --summary: the summaries of a mailbox's run of the order, the mailbox
 * selected again (its UIDVALIDITY must be the one searched).
 */
static int
summary_run(struct multi_out *o, struct multi_box *b, struct found *f)
{
	struct ctx *ctx = o->ctx;
	const struct sess_mailbox *sel;
	struct err e;

	err_clear(&e);
	if (sess_select(ctx->sess, b->name, 1, &e) < 0) {
		cmd_fail(ctx, &e);
		return sess_broken(ctx->sess) ? -1 : 0;
	}
	sel = sess_selected(ctx->sess);
	if (sel->uidvalidity != b->uidvalidity) {
		cmd_failf(ctx, ERR_DATA, "mailbox '%s' changed its "
		    "UIDVALIDITY from %u to %u while it was searched", b->name,
		    b->uidvalidity, sel->uidvalidity);
		return 0;
	}
	f->ctx = ctx;
	f->mailbox = b->name;
	f->uidvalidity = b->uidvalidity;
	if (fetch_summaries(ctx, b->name, f->set != NULL ? next_chunk :
	    next_run, f) != 0 && sess_broken(ctx->sess))
		return -1;
	return 0;
}

static int
summaries(struct multi_out *o)
{
	struct multi *m = o->m;
	struct uidset firsts;
	struct found f;
	uint64_t left = o->limit;
	size_t i, j;
	int r = 0;

	if (o->hits != NULL) {
		/* Runs of one mailbox, in the order. */
		for (i = 0; i < o->nhits && r == 0; i = j) {
			memset(&f, 0, sizeof(f));
			for (j = i; j < o->nhits && o->hits[j].box ==
			    o->hits[i].box; j++)
				found_keep(&f, o->hits[j].uid, NULL);
			o->n += f.n;
			r = summary_run(o, &m->v[o->hits[i].box], &f);
			free(f.v);
		}
		return r;
	}
	for (i = 0; i < m->n && r == 0 && (o->limit == 0 || left > 0); i++) {
		if (m->v[i].found.n == 0)
			continue;
		uidset_init(&firsts);
		first_uids(&m->v[i].found, left, &firsts);
		memset(&f, 0, sizeof(f));
		f.set = &firsts;
		f.n = uidset_count(&firsts);
		o->n += f.n;
		if (o->limit != 0)
			left -= f.n;
		r = summary_run(o, &m->v[i], &f);
		uidset_free(&firsts);
	}
	return r;
}

int
search_in_unmatched(struct ctx *ctx, const struct multi *m)
{
	const struct multi_pattern *pt;
	size_t i;
	int rc = 0;

	for (i = 0; i < m->npatterns; i++) {
		pt = &m->patterns[i];
		if (pt->selectable > 0)
			continue;
		if (m->n > 0)
			cmd_warn(ctx, "no %smailbox matches '%s'",
			    pt->listed > 0 ? "selectable " : "", pt->pattern);
		else
			rc = cmd_failf(ctx, ERR_UNAVAILABLE, "no %smailbox "
			    "matches '%s'", pt->listed > 0 ? "selectable " :
			    "", pt->pattern);
	}
	return rc;
}

/*
 * search --in PATTERN...: LIST the patterns, then EXAMINE and search
 * every mailbox, pipelined (lib/multi.h). Records in mailbox order
 * (byte order of the names), UIDs ascending in each; with --sort date or
 * size, by that key across mailboxes. A mailbox that cannot be examined
 * is reported, the others go on, and the exit status says so.
 */
static int
search_in(int argc, char **argv, struct ctx *ctx, uint64_t limit,
    enum search_sort key, int reverse)
{
	const struct opt_list *in = &common_opts.in;
	struct search_query *q = NULL;
	struct multi_out o;
	struct multi m;
	const char *item;
	size_t i;
	int count = opt.show.value == SHOW_COUNT, summary = opt.show.value ==
	    SHOW_SUMMARY, sorted = opt.sort != OPT_CHOICE_UNSET, rc = 0;

	memset(&o, 0, sizeof(o));
	o.ctx = ctx;
	o.m = &m;
	o.limit = limit;
	multi_init(&m);
	if ((rc = msgset_compile(ctx, NULL, (const char *const *)argv,
	    (size_t)argc, 0, &q)) != 0)
		return rc;
	if (opt.raw != NULL && search_add_raw(q, opt.raw, &ctx->err) < 0) {
		rc = cmd_fail(ctx, &ctx->err);
		goto out;
	}
	/* Sorting a count without a limit changes nothing: counts alone. */
	if (count && limit == 0)
		sorted = 0;
	item = !sorted ? NULL : key == SEARCH_SORT_DATE ? "INTERNALDATE" :
	    "RFC822.SIZE";
	if (multi_list(ctx->sess, in->v, in->n, &m, &ctx->err) < 0 ||
	    multi_search(ctx->sess, &m, q, count && !sorted, item, !summary,
	    &ctx->err) < 0 ||
	    (sorted && multi_keys(ctx->sess, &m, item, &ctx->err) < 0)) {
		rc = cmd_fail(ctx, &ctx->err);
		goto out;
	}
	/* Not a mailbox: nothing to print, not even a count of 0. */
	if ((rc = search_in_unmatched(ctx, &m)) != 0)
		goto out;
	for (i = 0; i < m.n; i++)
		if (m.v[i].err.kind != ERR_NONE)
			cmd_fail(ctx, &m.v[i].err);
	if (sorted)
		order_keys(&o, reverse);
	if (count)
		emit_counts(&o);
	else if (summary) {
		if (summaries(&o) < 0)
			rc = ctx->status ? ctx->status : ERR_IO;
	} else
		emit_hits(&o);
out:
	free(o.hits);
	free(o.counts);
	multi_free(&m);
	search_free(q);
	if (rc != 0)
		return rc;
	if (ctx->status != 0)
		return ctx->status;
	return o.n > 0 ? 0 : 1;
}

int
cmd_search(int argc, char **argv, struct ctx *ctx)
{
	const struct sess_mailbox *m = sess_selected(ctx->sess);
	struct search_query *q = NULL;
	struct uidset set, firsts;
	struct found f;
	enum search_sort key;
	uint64_t limit, n;
	int reverse, summary = opt.show.value == SHOW_SUMMARY, rc;

	if ((rc = search_options(ctx, &limit, &key, &reverse)) != 0)
		return rc;
	if (common_opts.in.n > 0)
		return search_in(argc, argv, ctx, limit, key, reverse);
	if ((rc = msgset_check_uidvalidity(ctx, argv[0])) != 0)
		return rc;
	if ((rc = msgset_compile(ctx, argv[0], (const char *const *)argv + 1,
	    (size_t)argc - 1, 0, &q)) != 0)
		return rc;
	if (opt.raw != NULL && search_add_raw(q, opt.raw, &ctx->err) < 0) {
		search_free(q);
		return cmd_fail(ctx, &ctx->err);
	}
	memset(&f, 0, sizeof(f));
	f.ctx = ctx;
	f.mailbox = argv[0];
	f.uidvalidity = m ? m->uidvalidity : 0;
	uidset_init(&set);
	uidset_init(&firsts);
	if (opt.show.value == SHOW_COUNT) {
		if (search_count(ctx->sess, q, &n, &ctx->err) == 0) {
			f.n = limit != 0 && n > limit ? limit : n;
			emit_record_begin(ctx->emit, "count");
			emit_uint(ctx->emit, "count", f.n);
			emit_record_end(ctx->emit);
		} else
			rc = cmd_fail(ctx, &ctx->err);
	} else if (opt.sort != OPT_CHOICE_UNSET) {
		if (search_sorted(ctx->sess, q, key, reverse, limit, summary ?
		    found_keep : found_one, &f, &ctx->err) < 0)
			rc = cmd_fail(ctx, &ctx->err);
		else if (summary && f.nv > 0)
			rc = fetch_summaries(ctx, argv[0], next_run, &f);
	} else if (search_run(ctx->sess, q, &set, &ctx->err) == 0) {
		/* In UID order; the set is ranges, however many match. */
		first_uids(&set, limit, &firsts);
		if (summary) {
			f.set = &firsts;
			f.n = uidset_count(&firsts);
			if (f.n > 0)
				rc = fetch_summaries(ctx, argv[0], next_chunk,
				    &f);
		} else
			emit_set(&f, &firsts);
	} else
		rc = cmd_fail(ctx, &ctx->err);
	uidset_free(&set);
	uidset_free(&firsts);
	free(f.v);
	search_free(q);
	if (rc != 0)
		return rc;
	return f.n > 0 ? 0 : 1;
}
