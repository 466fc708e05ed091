/* SPDX-License-Identifier: MIT */
/*
 * move: the named messages to another mailbox, with MOVE when the server
 * offers it, else UID COPY, \Deleted and UID EXPUNGE of exactly what was
 * copied; a record of each message's old and new UID.
 */
#include <string.h>

#include "change.h"
#include "msgset.h"

const struct opt move_opts[] = {
	{ "create", 0, NULL, "create DEST when the server says it does not "
	    "exist", 0 },
	CHANGE_OPT_EXPUNGE_ALL,
	MSGSET_OPTS,
	CHANGE_OPT_DRY_RUN,
	CHANGE_OPT_MAX,
	{ NULL, 0, NULL, NULL, 0 }
};

int
check_move(int argc, char **argv, struct ctx *ctx)
{
	int rc;

	if ((rc = change_check(ctx, argc, argv, 1)) != 0)
		return rc;
	return change_check_name(ctx, argv[argc - 1]);
}

int
cmd_move(int argc, char **argv, struct ctx *ctx)
{
	struct change ch;
	struct uidset existing;
	const char *set_arg;
	int rc, go, rest;

	if ((rest = msgset_operand(ctx, argc, argv, 1, 1, &set_arg)) < 0)
		return ERR_USAGE;
	if ((rc = change_check_name(ctx, argv[rest])) != 0)
		return rc;
	memset(&ch, 0, sizeof(ch));
	ch.kind = CHANGE_MOVE;
	ch.mailbox = argv[0];
	ch.dest = argv[rest];
	ch.use_move = sess_has_cap(ctx->sess, "MOVE");
	ch.create = ctx_flag(ctx, "create");
	uidset_init(&existing);
	rc = change_begin(ctx, &ch, set_arg, ctx_flag(ctx,
	    "allow-expunge-all"), &existing, &go);
	if (go)
		rc = change_run(ctx, &ch, &existing);
	uidset_free(&existing);
	return rc;
}
