/* SPDX-License-Identifier: MIT */
/*
 * quota: GETQUOTAROOT for a mailbox (INBOX by default): a record for each
 * resource of each quota root, with its usage and limit in the server's
 * units (STORAGE in KiB, MESSAGE in messages). GETQUOTAROOT and LOGOUT go
 * in one write.
 */
#include <string.h>

#include "cmd.h"
#include "quota.h"
#include "banned.h"

const struct opt quota_opts[] = {
	OPT_END()
};

struct quota_ctx {
	struct emit	*emit;
	const char	*mailbox;
};

static int
on_quota(void *arg, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct quota_ctx *q = arg;
	const struct imap_arg *it, *roots;
	struct quota_res res;
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
		emit_record_begin(q->emit, "quota");
		emit_str(q->emit, "mailbox", q->mailbox);
		emit_strn(q->emit, "root", root, len);
		emit_str(q->emit, "resource", res.name);
		emit_uint(q->emit, "usage", res.usage);
		emit_uint(q->emit, "limit", res.limit);
		emit_record_end(q->emit);
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

	memset(&q, 0, sizeof(q));
	q.emit = ctx->emit;
	q.mailbox = argc > 0 ? argv[0] : "INBOX";
	if (!sess_has_cap(s, "QUOTA"))
		return cmd_failf(ctx, ERR_UNAVAILABLE, "the server does not "
		    "offer quotas (no QUOTA capability)");
	sc.ctx = &q;
	/* GETQUOTAROOT and LOGOUT in one write. */
	if (sess_call_last(s, &sc, &rep, &ctx->err, "GETQUOTAROOT %M",
	    q.mailbox) < 0)
		return cmd_fail(ctx, &ctx->err);
	if (sess_reply_check(&rep, &ctx->err) < 0) {
		err_prefix(&ctx->err, "quota of '%s'", q.mailbox);
		return cmd_fail(ctx, &ctx->err);
	}
	return 0;
}
