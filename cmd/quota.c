/* SPDX-License-Identifier: MIT */
/*
 * quota: GETQUOTAROOT for a mailbox (INBOX by default): a record for each
 * resource of each quota root, with its usage and limit in the server's
 * units (STORAGE in KiB, MESSAGE in messages). GETQUOTAROOT and LOGOUT go
 * in one write, with the login where it can go along.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "quota.h"
#include "xalloc.h"
#include "banned.h"

const struct opt quota_opts[] = {
	OPT_END()
};

/* A resource of a quota root, kept until the login is known good. */
struct quota_rec {
	char		*root;
	char		*resource;
	uint64_t	 usage, limit;
};

/* At most this many resources in all: more is a server gone wrong. */
#define QUOTA_MAX_RECORDS	10000

struct quota_ctx {
	struct quota_rec	*v;
	size_t			 n, alloc;
};

static void
quota_ctx_free(struct quota_ctx *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		free(q->v[i].root);
		free(q->v[i].resource);
	}
	free(q->v);
	memset(q, 0, sizeof(*q));
}

static int
on_quota(void *arg, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct quota_ctx *q = arg;
	const struct imap_arg *it, *roots;
	struct quota_res res;
	struct quota_rec *rec;
	const char *root, *mbox;
	size_t len;
	int rv;

	(void)s;
	if ((rv = quota_parse_root(r, &mbox, &len, &roots)) != 0) {
		if (rv < 0)
			return err_set(e, ERR_PROTOCOL, "malformed QUOTAROOT "
			    "response");
		return 0;
	}
	if ((rv = quota_parse(r, &root, &len, &it)) == 0)
		return 0;
	if (rv < 0)
		return err_set(e, ERR_PROTOCOL, "malformed QUOTA response");
	while (quota_next(&it, &res)) {
		if (q->n >= QUOTA_MAX_RECORDS)
			return err_set(e, ERR_PROTOCOL, "the server sent more "
			    "than %d quota resources", QUOTA_MAX_RECORDS);
		if (q->n == q->alloc) {
			q->alloc = q->alloc ? q->alloc * 2 : 8;
			q->v = xrealloc(q->v, q->alloc * sizeof(*q->v));
		}
		rec = &q->v[q->n++];
		rec->root = xstrndup(root, len);
		rec->resource = xstrdup(res.name);
		rec->usage = res.usage;
		rec->limit = res.limit;
	}
	return 0;
}

int
cmd_quota(int argc, char **argv, struct ctx *ctx)
{
	struct sess *s = ctx->sess;
	struct sess_scope sc = { on_quota, NULL, NULL, NULL };
	struct sess_reply rep;
	struct quota_ctx q;
	const char *mailbox = argc > 0 ? argv[0] : "INBOX";
	size_t i;
	int r;

	memset(&q, 0, sizeof(q));
	sc.ctx = &q;
again:
	quota_ctx_free(&q);
	if (!sess_has_cap(s, "QUOTA"))
		return cmd_failf(ctx, ERR_UNAVAILABLE, "the server does not "
		    "offer quotas (no QUOTA capability)");
	/*
	 * GETQUOTAROOT and LOGOUT in one write (with the login where it
	 * can go along); a failed login says so, whatever they got.
	 */
	r = sess_call_last(s, &sc, &rep, &ctx->err, "GETQUOTAROOT %M",
	    mailbox);
	if (cmd_logged_in(ctx) < 0 || r < 0) {
		quota_ctx_free(&q);
		return cmd_fail(ctx, &ctx->err);
	}
	/* Assumed, and not offered after all: no records of a guess. */
	if (cmd_guessed_wrong(ctx, "QUOTA", rep.status != IMAP_ST_OK)) {
		if (cmd_connect_again(ctx) < 0) {
			quota_ctx_free(&q);
			return cmd_fail(ctx, &ctx->err);
		}
		s = ctx->sess;
		goto again;
	}
	if (sess_reply_check(&rep, &ctx->err) < 0) {
		quota_ctx_free(&q);
		err_prefix(&ctx->err, "quota of '%s'", mailbox);
		return cmd_fail(ctx, &ctx->err);
	}
	for (i = 0; i < q.n; i++) {
		emit_record_begin(ctx->emit, "quota");
		emit_str(ctx->emit, "mailbox", mailbox);
		emit_str(ctx->emit, "root", q.v[i].root);
		emit_str(ctx->emit, "resource", q.v[i].resource);
		emit_uint(ctx->emit, "usage", q.v[i].usage);
		emit_uint(ctx->emit, "limit", q.v[i].limit);
		emit_record_end(ctx->emit);
	}
	quota_ctx_free(&q);
	return 0;
}
