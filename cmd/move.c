/* SPDX-License-Identifier: MIT */
/*
 * move: the named messages to another mailbox, with MOVE when the server
 * offers it, else UID COPY, \Deleted and UID EXPUNGE of exactly what was
 * copied; a record of each message's old and new UID.
 *
 * A destination that does not exist: the server says TRYCREATE, and with
 * --create it is made, subscribed to (unless the account says "subscribe
 * = no") and tried again; without, the error names --create. --dry-run
 * asks LIST whether it exists, and fails where the move would, or says it
 * would be created.
 *
 * On Gmail a move from INBOX to All Mail is an archive, made by taking the
 * \Inbox label away; one from All Mail to INBOX or a label adds the label
 * (MOVE would delete the message from All Mail).
 */
#include <string.h>

#include "change.h"
#include "groups.h"
#include "msgset.h"
#include "banned.h"

static struct {
	int	 create;
} opt;

const struct opt move_opts[] = {
	OPT_BOOL(0, "create", &opt.create, "create DEST, subscribed, when the "
	    "server says it does not exist"),
	CHANGE_OPT_EXPUNGE_ALL,
	MSGSET_OPTS,
	CHANGE_OPT_DRY_RUN,
	CHANGE_OPT_MAX,
	CMD_OPT_PROGRESS,
	OPT_END()
};

int
check_move(int argc, char **argv, struct ctx *ctx)
{
	int rc;

	if (groups_wanted(ctx, argc, argv, 1)) {
		if ((rc = change_check_name(ctx, argv[argc - 1])) != 0)
			return rc;
		return groups_check(ctx, argc, argv, 1);
	}
	if ((rc = change_check(ctx, argc, argv, 1)) != 0)
		return rc;
	return change_check_name(ctx, argv[argc - 1]);
}

/*
 * Each group's part: on Gmail, whether its move is a label change
 * depends on where the messages are (INBOX to All Mail: an archive).
 */
static int
move_prep(struct ctx *ctx, struct change *ch, void *arg)
{
	struct change_labels *labels = arg;

	change_labels_free(labels);
	ch->labels = NULL;
	ch->nlabels = 0;
	if (sess_has_cap(ctx->sess, "X-GM-EXT-1") &&
	    change_gmail_move(ctx, ch, labels, &ctx->err) < 0)
		return cmd_fail(ctx, &ctx->err);
	return 0;
}

int
cmd_move(int argc, char **argv, struct ctx *ctx)
{
	struct change ch;
	struct change_labels labels;
	struct uidset existing;
	struct err e;
	const char *set_arg = NULL;
	int rc, go, rest, exists, created = 0;

	if (groups_mode(ctx))
		rest = 1;
	else if ((rest = msgset_operand(ctx, argc, argv, 1, 1, &set_arg)) < 0)
		return ERR_USAGE;
	if ((rc = change_check_name(ctx, argv[rest])) != 0)
		return rc;
	memset(&ch, 0, sizeof(ch));
	ch.kind = CHANGE_MOVE;
	ch.mailbox = argv[0];
	ch.dest = argv[rest];
	ch.use_move = sess_has_cap(ctx->sess, "MOVE");
	ch.create = opt.create;
	ch.created_r = &created;
	if (ctx->common->dry_run) {
		if (mailbox_exists(ctx, ch.dest, &exists, &ctx->err) < 0)
			return cmd_fail(ctx, &ctx->err);
		if (!exists && !ch.create)
			return cmd_failf(ctx, ERR_UNAVAILABLE, "mailbox '%s' "
			    "does not exist: the move would fail (--create "
			    "creates it)", ch.dest);
		if (!exists)
			cmd_warn(ctx, "mailbox '%s' does not exist: --create "
			    "would create it%s", ch.dest,
			    mailbox_want_subscribe(ctx) ? " and subscribe to it" :
			    "");
	}
	memset(&labels, 0, sizeof(labels));
	if (groups_mode(ctx))
		rc = groups_run(ctx, &ch, move_prep, &labels);
	else {
		if (sess_has_cap(ctx->sess, "X-GM-EXT-1") &&
		    change_gmail_move(ctx, &ch, &labels, &ctx->err) < 0)
			return cmd_fail(ctx, &ctx->err);
		uidset_init(&existing);
		rc = change_begin(ctx, &ch, set_arg,
		    ctx->common->allow_expunge_all, &existing, &go);
		if (go)
			rc = change_run(ctx, &ch, &existing);
		uidset_free(&existing);
	}
	change_labels_free(&labels);
	/* Made, it is there to stay, whatever became of the move. */
	err_clear(&e);
	if (created && mailbox_want_subscribe(ctx) &&
	    sess_run(ctx->sess, &e, "SUBSCRIBE %M", ch.dest) < 0) {
		err_prefix(&e, "created '%s' but cannot subscribe to it",
		    ch.dest);
		return cmd_fail(ctx, &e);
	}
	return rc;
}
