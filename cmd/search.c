/*
 * search: the messages of a mailbox that match a query (the search
 * language of lib/search.h), opened read-only. Records carry mailbox,
 * uidvalidity and uid, so "search -o jsonl | fetch -" names the messages
 * unambiguously; exit 1 when nothing matched, as grep does.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "msgset.h"
#include "parser.h"
#include "search.h"

const struct opt search_opts[] = {
	{ "raw", 0, "KEYS", "IMAP SEARCH keys, sent as they are and ANDed "
	    "with the query", 0 },
	{ "count", 0, NULL, "print only the number of matching messages", 0 },
	{ "limit", 0, "N", "print at most N messages", 0 },
	{ "sort", 0, "ORDER", "date, -date, size or -size (with -: newest "
	    "or largest first)", 0 },
	MSGSET_OPT_UIDVALIDITY,
	{ NULL, 0, NULL, NULL, 0 }
};

struct found {
	struct ctx	*ctx;
	const char	*mailbox;
	uint32_t	 uidvalidity;
	uint64_t	 n;
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

static int
found_one(void *arg, uint32_t uid, struct err *e)
{
	struct found *f = arg;

	(void)e;
	emit_message(f, uid);
	return 0;
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
	else
		return -1;
	return 0;
}

int
cmd_search(int argc, char **argv, struct ctx *ctx)
{
	const struct sess_mailbox *m = sess_selected(ctx->sess);
	const struct optval *limit_o = ctx_opt(ctx, "limit");
	const struct optval *sort_o = ctx_opt(ctx, "sort");
	const struct optval *raw_o = ctx_opt(ctx, "raw");
	struct search_query *q = NULL;
	struct uidset set;
	struct found f;
	enum search_sort key = SEARCH_SORT_DATE;
	uint64_t limit = 0, n, uid;
	size_t i;
	int reverse = 0, rc;

	if (limit_o->set && (!imap_parse_u64(limit_o->val,
	    strlen(limit_o->val), &limit) || limit == 0))
		return cmd_failf(ctx, ERR_USAGE, "bad --limit '%s': give a "
		    "number above 0", limit_o->val);
	if (sort_o->set && parse_sort(sort_o->val, &key, &reverse) < 0)
		return cmd_failf(ctx, ERR_USAGE, "bad --sort '%s': use date, "
		    "-date, size or -size", sort_o->val);
	if ((rc = msgset_check_uidvalidity(ctx, argv[0])) != 0)
		return rc;
	if ((rc = msgset_compile(ctx, argv[0], (const char *const *)argv + 1,
	    (size_t)argc - 1, 0, &q)) != 0)
		return rc;
	if (raw_o->set && search_add_raw(q, raw_o->val, &ctx->err) < 0) {
		search_free(q);
		return cmd_fail(ctx, &ctx->err);
	}
	memset(&f, 0, sizeof(f));
	f.ctx = ctx;
	f.mailbox = argv[0];
	f.uidvalidity = m ? m->uidvalidity : 0;
	uidset_init(&set);
	if (ctx_flag(ctx, "count")) {
		if (search_count(ctx->sess, q, &n, &ctx->err) == 0) {
			f.n = limit != 0 && n > limit ? limit : n;
			emit_record_begin(ctx->emit, "count");
			emit_uint(ctx->emit, "count", f.n);
			emit_record_end(ctx->emit);
		} else
			rc = cmd_fail(ctx, &ctx->err);
	} else if (sort_o->set) {
		if (search_sorted(ctx->sess, q, key, reverse, limit, found_one,
		    &f, &ctx->err) < 0)
			rc = cmd_fail(ctx, &ctx->err);
	} else if (search_run(ctx->sess, q, &set, &ctx->err) == 0) {
		/* In UID order; the set is ranges, however many match. */
		for (i = 0; i < set.n && (limit == 0 || f.n < limit); i++)
			for (uid = set.r[i].lo; uid <= set.r[i].hi &&
			    (limit == 0 || f.n < limit); uid++) {
				/* A reader that went away wants no more. */
				if (emit_status(ctx->emit) != 0)
					break;
				emit_message(&f, (uint32_t)uid);
			}
	} else
		rc = cmd_fail(ctx, &ctx->err);
	uidset_free(&set);
	search_free(q);
	if (rc != 0)
		return rc;
	return f.n > 0 ? 0 : 1;
}
