/* SPDX-License-Identifier: MIT */
/*
 * status: message counts of the named mailboxes (INBOX by default), all
 * STATUS commands pipelined, LOGOUT in the same write, and with them the
 * login where it can go along (struct command's assume): one round trip
 * after the first SASL message.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "mailbox.h"
#include "xalloc.h"
#include "banned.h"

const struct opt status_opts[] = {
	OPT_END()
};

int
cmd_status(int argc, char **argv, struct ctx *ctx)
{
	struct sess *s = ctx->sess;
	const char *inbox[] = { "INBOX" };
	const char *const *names = (const char *const *)argv;
	struct mbox_status *st;
	struct err *errs;
	char items[128];
	size_t n = (size_t)argc, i;
	int r, failed;

	if (argc == 0) {
		names = inbox;
		n = 1;
	}
	st = xcalloc(n, sizeof(*st));
	errs = xcalloc(n, sizeof(*errs));
again:
	snprintf(items, sizeof(items), "MESSAGES UNSEEN RECENT UIDNEXT "
	    "UIDVALIDITY%s%s", sess_has_cap(s, "STATUS=SIZE") ? " SIZE" : "",
	    sess_has_cap(s, "CONDSTORE") ? " HIGHESTMODSEQ" : "");
	/* A failed login says so, whatever the STATUS commands got. */
	r = mbox_status_many(s, names, n, items, 1, st, errs, &ctx->err);
	if (cmd_logged_in(ctx) < 0) {
		free(st);
		free(errs);
		return cmd_fail(ctx, &ctx->err);
	}
	if (r < 0) {
		r = cmd_status_failed(ctx, names, errs, n, &ctx->err);
		free(st);
		free(errs);
		return r;
	}
	for (i = 0, failed = 0; i < n; i++)
		failed |= errs[i].kind != ERR_NONE;
	/* Items the server turns out not to offer: once more without. */
	if (cmd_guessed_wrong(ctx, "STATUS=SIZE CONDSTORE", failed)) {
		if (cmd_connect_again(ctx) < 0) {
			free(st);
			free(errs);
			return cmd_fail(ctx, &ctx->err);
		}
		s = ctx->sess;
		goto again;
	}
	for (i = 0; i < n; i++) {
		if (errs[i].kind != ERR_NONE) {
			err_prefix(&errs[i], "status of '%s'", names[i]);
			cmd_fail(ctx, &errs[i]);
			continue;
		}
		emit_record_begin(ctx->emit, "mailbox");
		emit_str(ctx->emit, "mailbox", names[i]);
		emit_mbox_counts(ctx->emit, &st[i], 1);
		emit_record_end(ctx->emit);
	}
	free(st);
	free(errs);
	return ctx->status;
}
