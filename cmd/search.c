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

#include "cmd.h"
#include "msgset.h"
#include "parser.h"
#include "search.h"
#include "xalloc.h"
#include "banned.h"

/* What is printed of the messages found: their summaries, or a count. */
enum { SHOW_UIDS, SHOW_COUNT, SHOW_SUMMARY };

static struct {
	const char	*raw, *limit, *sort;
	struct opt_mode	 show;
} opt;

const struct opt search_opts[] = {
	OPT_STRING(0, "raw", &opt.raw, "KEYS", "IMAP SEARCH keys, sent as they "
	    "are and ANDed with the query"),
	OPT_CMDMODE(0, "count", &opt.show, SHOW_COUNT, "print only the number "
	    "of matching messages"),
	OPT_CMDMODE(0, "summary", &opt.show, SHOW_SUMMARY, "print fetch's "
	    "summary of each message"),
	OPT_STRING(0, "limit", &opt.limit, "N", "print at most N messages"),
	OPT_STRING(0, "sort", &opt.sort, "ORDER", "date, -date, size, -size, "
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

static void
emit_message(struct found *f, uint32_t uid)
{
	struct emit *e = f->ctx->emit;

	emit_record_begin(e, "message");
	emit_str(e, "mailbox", f->mailbox);
	emit_uint(e, "uidvalidity", f->uidvalidity);
	emit_uint(e, "uid", uid);
	emit_record_end(e);
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
			emit_message(f, (uint32_t)uid);
		}
}

static int
found_one(void *arg, uint32_t uid, struct err *e)
{
	struct found *f = arg;

	(void)e;
	emit_message(f, uid);
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

static int
parse_sort(const char *s, enum search_sort *key_r, int *reverse_r)
{
	*reverse_r = s[0] == '-';
	if (*reverse_r)
		s++;
	if (strcmp(s, "date") == 0)
		*key_r = SEARCH_SORT_DATE;
	else if (strcmp(s, "size") == 0)
		*key_r = SEARCH_SORT_SIZE;
	else if (strcmp(s, "subject") == 0)
		*key_r = SEARCH_SORT_SUBJECT;
	else if (strcmp(s, "from") == 0)
		*key_r = SEARCH_SORT_FROM;
	else
		return -1;
	return 0;
}

/* --limit, --sort and --count with --summary: 0 or 64 after saying why. */
static int
search_options(struct ctx *ctx, uint64_t *limit_r, enum search_sort *key_r,
    int *reverse_r)
{
	*limit_r = 0;
	*key_r = SEARCH_SORT_DATE;
	*reverse_r = 0;
	if (opt.limit != NULL && (!imap_parse_u64(opt.limit,
	    strlen(opt.limit), limit_r) || *limit_r == 0))
		return cmd_failf(ctx, ERR_USAGE, "bad --limit '%s': give a "
		    "number above 0", opt.limit);
	if (opt.sort != NULL && parse_sort(opt.sort, key_r, reverse_r) < 0)
		return cmd_failf(ctx, ERR_USAGE, "bad --sort '%s': use date, "
		    "size, subject or from, with - before for the reverse",
		    opt.sort);
	if (opt_mode_count(&opt.show) > 1)
		return cmd_usage_error(ctx->cmd, "--count and --summary "
		    "exclude each other");
	return 0;
}

int
check_search(int argc, char **argv, struct ctx *ctx)
{
	enum search_sort key;
	uint64_t limit;
	int reverse, rc;

	if ((rc = search_options(ctx, &limit, &key, &reverse)) != 0 ||
	    (rc = msgset_check_uidvalidity(ctx, argv[0])) != 0)
		return rc;
	return msgset_check_query(ctx, (const char *const *)argv + 1,
	    (size_t)argc - 1, 0, opt.raw);
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

	if ((rc = search_options(ctx, &limit, &key, &reverse)) != 0 ||
	    (rc = msgset_check_uidvalidity(ctx, argv[0])) != 0)
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
	} else if (opt.sort != NULL) {
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
