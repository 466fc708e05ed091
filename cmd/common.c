/* SPDX-License-Identifier: MIT */
/*
 * Record pieces that several commands share.
 */
#include <stdio.h>

#include "cmd.h"
#include "mailbox.h"
#include "progress.h"
#include "banned.h"

/* The counts of a STATUS response; what the server did not send is null. */
void
emit_mbox_counts(struct emit *e, const struct mbox_status *st, int modseq)
{
	static const struct {
		const char	*name;
		unsigned	 bit;
	} f[] = {
		{ "messages", MST_MESSAGES }, { "unseen", MST_UNSEEN },
		{ "recent", MST_RECENT }, { "uidnext", MST_UIDNEXT },
		{ "uidvalidity", MST_UIDVALIDITY }, { "size", MST_SIZE },
	};
	const uint64_t v[] = {
		st->messages, st->unseen, st->recent, st->uidnext,
		st->uidvalidity, st->size
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (st->have & f[i].bit)
			emit_uint(e, f[i].name, v[i]);
		else
			emit_null(e, f[i].name);
	}
	if (!modseq)
		return;
	if (st->have & MST_HIGHESTMODSEQ)
		emit_u64s(e, "highestmodseq", st->highestmodseq);
	else
		emit_null(e, "highestmodseq");
}

/*
 * mbox_status_many failed with e: the refusals that came before it, each
 * with its mailbox, then e. Nobody is left to guess whether a mailbox the
 * server refused was refused or merely not reached; the exit status is
 * e's, what stopped the run.
 */
int
cmd_status_failed(struct ctx *ctx, const char *const *names,
    struct err *errs, size_t n, const struct err *e)
{
	int status = ctx->status;
	size_t i;

	for (i = 0; i < n; i++) {
		if (errs[i].kind == ERR_NONE)
			continue;
		err_prefix(&errs[i], "status of '%s'", names[i]);
		cmd_fail(ctx, &errs[i]);
	}
	ctx->status = status;
	return cmd_fail(ctx, e);
}

struct progress *
cmd_progress_begin(struct ctx *ctx, const char *unit, uint64_t total)
{
	int mode = ctx->common->no_progress ? PROGRESS_OFF :
	    ctx->common->progress ? PROGRESS_ON : PROGRESS_AUTO;

	cmd_progress_end(ctx);
	ctx->progress = progress_new(stderr, mode, ctx->cmd->name, unit,
	    total);
	return ctx->progress;
}

void
cmd_progress_end(struct ctx *ctx)
{
	progress_free(ctx->progress);
	ctx->progress = NULL;
}
