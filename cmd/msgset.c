/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <time.h>

#include "msgset.h"
#include "parser.h"
#include "banned.h"

int
msgset_by_query(const struct ctx *ctx)
{
	return ctx->common->query != NULL;
}

int
msgset_operand(struct ctx *ctx, int argc, char **argv, int idx, int nrest,
    const char **set_r)
{
	int query = msgset_by_query(ctx);
	int want = idx + nrest + (query ? 0 : 1);

	*set_r = NULL;
	if (argc < want) {
		if (!query && argc == idx)
			cmd_usage(ctx, "missing SET operand: a UID "
			    "set, 'all', '-' for standard input, or --query");
		else
			cmd_usage(ctx, "missing operand");
		return -1;
	}
	if (argc > want) {
		if (query)
			cmd_usage(ctx, "give a SET operand or "
			    "--query, not both");
		else
			cmd_usage(ctx, "unexpected operand '%s'",
			    argv[want]);
		return -1;
	}
	if (!query)
		*set_r = argv[idx];
	return query ? idx : idx + 1;
}

int
msgset_check_uidvalidity(struct ctx *ctx, const char *mailbox)
{
	const struct sess_mailbox *m;
	uint64_t want = ctx->common->uidvalidity;

	if (want == 0 || ctx->sess == NULL)
		return 0;	/* none, or not connected yet */
	m = sess_selected(ctx->sess);
	if (m == NULL || want != m->uidvalidity)
		return cmd_failf(ctx, ERR_DATA, "mailbox '%s' has UIDVALIDITY "
		    "%u, not %llu: the UIDs name other messages now", mailbox,
		    m ? m->uidvalidity : 0, (unsigned long long)want);
	return 0;
}

/* Standard input's UIDs, guarded by mailbox and UIDVALIDITY. */
static int
read_stdin(struct ctx *ctx, const char *mailbox, struct uidset *set)
{
	const struct sess_mailbox *m = sess_selected(ctx->sess);
	struct err e;

	err_clear(&e);
	if (uidset_read(stdin, mailbox, m ? m->uidvalidity : 0, set, &e) < 0)
		return cmd_fail(ctx, &e);
	return 0;
}

int
msgset_compile(struct ctx *ctx, const char *mailbox,
    const char *const *terms, size_t n, int split, struct search_query **q_r)
{
	struct uidset in;
	struct err e;
	unsigned caps = 0;
	int rc;

	*q_r = NULL;
	err_clear(&e);
	if (sess_has_cap(ctx->sess, "WITHIN"))
		caps |= SEARCH_CAP_WITHIN;
	if (sess_has_cap(ctx->sess, "X-GM-EXT-1"))
		caps |= SEARCH_CAP_GMAIL;
	if (search_compile(terms, n, split, caps, time(NULL), q_r, &e) < 0)
		return cmd_fail(ctx, &e);
	if (!search_wants_stdin(*q_r))
		return 0;
	uidset_init(&in);
	if ((rc = read_stdin(ctx, mailbox, &in)) == 0)
		search_set_stdin(*q_r, &in);
	uidset_free(&in);
	if (rc != 0) {
		search_free(*q_r);
		*q_r = NULL;
	}
	return rc;
}

/* What a check found wrong: a usage error for main to say, or another. */
static int
check_fail(struct ctx *ctx, const struct err *e)
{
	return e->kind == ERR_USAGE ? cmd_usage_err(ctx, e) : cmd_fail(ctx, e);
}

int
msgset_check_query(struct ctx *ctx, const char *const *terms, size_t n,
    int split, const char *raw)
{
	struct search_query *q;
	struct err e;
	int rc = 0;

	err_clear(&e);
	/* Every extension allowed: what the server lacks, it says itself. */
	if (search_compile(terms, n, split, SEARCH_CAP_WITHIN |
	    SEARCH_CAP_GMAIL, time(NULL), &q, &e) < 0)
		return check_fail(ctx, &e);
	if (raw != NULL && search_add_raw(q, raw, &e) < 0)
		rc = check_fail(ctx, &e);
	search_free(q);
	return rc;
}

int
msgset_check(struct ctx *ctx, int argc, char **argv, int idx, int nrest)
{
	const char *arg, *query;
	struct uidset set;
	struct err e;
	int rc;

	if (msgset_operand(ctx, argc, argv, idx, nrest, &arg) < 0)
		return ERR_USAGE;
	if (msgset_by_query(ctx)) {
		query = ctx->common->query;
		return msgset_check_query(ctx, &query, 1, 1, NULL);
	}
	if (strcmp(arg, "all") == 0 || strcmp(arg, "-") == 0)
		return 0;
	err_clear(&e);
	uidset_init(&set);
	rc = uidset_parse(&set, arg, &e) < 0 ? check_fail(ctx, &e) : 0;
	uidset_free(&set);
	return rc;
}

/*
 * In a mailbox that SELECT found empty, "*" and "n:*" name nothing; sent
 * as they are, Exchange answers them with BAD (Command Argument Error).
 */
static void
empty_star(struct ctx *ctx, struct uidset *set)
{
	const struct sess_mailbox *m;

	if (ctx->sess != NULL && (m = sess_selected(ctx->sess)) != NULL &&
	    m->exists_seen && m->exists == 0)
		uidset_resolve_star(set, 0);
}

int
msgset_resolve(struct ctx *ctx, const char *mailbox, const char *arg,
    struct uidset *set)
{
	struct search_query *q;
	const char *query;
	struct err e;
	int rc;

	err_clear(&e);
	if ((rc = msgset_check_uidvalidity(ctx, mailbox)) != 0)
		return rc;
	if (msgset_by_query(ctx)) {
		query = ctx->common->query;
		if ((rc = msgset_compile(ctx, mailbox, &query, 1, 1, &q)) != 0)
			return rc;
		rc = search_run(ctx->sess, q, set, &e) < 0 ? cmd_fail(ctx, &e) :
		    0;
		search_free(q);
		return rc;
	}
	if (arg == NULL)
		return cmd_failf(ctx, ERR_USAGE, "no SET given");
	if (strcmp(arg, "all") == 0) {
		uidset_add(set, 1, UIDSET_STAR);
		empty_star(ctx, set);
		return 0;
	}
	if (strcmp(arg, "-") == 0)
		return read_stdin(ctx, mailbox, set);
	if (uidset_parse(set, arg, &e) < 0)
		return cmd_fail(ctx, &e);
	uidset_bound_star(set);
	empty_star(ctx, set);
	return 0;
}

int
msgset_existing(struct ctx *ctx, const struct uidset *set,
    struct uidset *out)
{
	struct err e;

	err_clear(&e);
	if (set->n == 0)
		return 0;
	if (search_existing(ctx->sess, set, out, &e) < 0)
		return cmd_fail(ctx, &e);
	return 0;
}

void
msgset_singles(const struct ctx *ctx, const char *arg,
    const struct uidset *named, struct uidset *out)
{
	const char *p, *end;
	uint64_t v;

	if (msgset_by_query(ctx) || arg == NULL || strcmp(arg, "all") == 0)
		return;
	if (strcmp(arg, "-") == 0) {
		uidset_merge(out, named);
		return;
	}
	for (p = arg; *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		if (memchr(p, ':', (size_t)(end - p)) == NULL &&
		    imap_parse_u64(p, (size_t)(end - p), &v) && v > 0 &&
		    v < UIDSET_STAR)
			uidset_add(out, (uint32_t)v, (uint32_t)v);
	}
}

#define NOT_FOUND_SHOWN	240	/* bytes of UID set in the report */
#define NOT_FOUND_TEXT_MAX (1u << 20)	/* the whole set, before the cut */

void
msgset_name_uids(struct ctx *ctx, enum err_kind kind, const char *what,
    const char *prep, const char *mailbox, const char *why,
    const struct uidset *set)
{
	struct buf b;
	uint64_t n = uidset_count(set);
	int named;

	if (n == 0)
		return;
	/* Cut to NOT_FOUND_SHOWN, or where formatting stopped. */
	buf_init(&b, NOT_FOUND_TEXT_MAX);
	if (uidset_format(set, &b) < 0 || b.len > NOT_FOUND_SHOWN) {
		buf_truncate(&b, NOT_FOUND_SHOWN);
		buf_puts(&b, "...");
	}
	/* The mailbox is named once: here, or where it is in force. */
	named = ctx->where == NULL || strcmp(ctx->where, mailbox) != 0;
	if (named)
		cmd_failf(ctx, kind, "%s %s '%s'%s: %llu message%s, UID%s %s",
		    what, prep, mailbox, why, (unsigned long long)n,
		    n == 1 ? "" : "s", n == 1 ? "" : "s", b.s);
	else
		cmd_failf(ctx, kind, "%s%s: %llu message%s, UID%s %s", what,
		    why, (unsigned long long)n, n == 1 ? "" : "s",
		    n == 1 ? "" : "s", b.s);
	buf_free(&b);
}

uint64_t
msgset_not_found(struct ctx *ctx, const char *mailbox,
    const struct uidset *singles, const struct uidset *found, int fail)
{
	struct uidset missing;
	uint64_t n;
	int status = ctx->status;

	uidset_init(&missing);
	uidset_subtract(singles, found, &missing);
	n = uidset_count(&missing);
	msgset_name_uids(ctx, ERR_UNAVAILABLE, "not found", "in", mailbox,
	    "", &missing);
	if (n > 0 && !fail)
		ctx->status = status;
	uidset_free(&missing);
	return n;
}
