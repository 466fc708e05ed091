/* SPDX-License-Identifier: MIT */
/*
 * flag: add, remove or set the flags of the named messages with UID STORE
 * in chunks, pipelined; a record of each message's flags after the change,
 * from what the server answered. On Gmail, --add-label and --remove-label
 * do the same with X-GM-LABELS, and the records carry the labels.
 */
#include <string.h>

#include "change.h"
#include "msgset.h"
#include "banned.h"

const struct opt flag_opts[] = {
	{ "add", 0, "FLAG", "add the flags: seen, answered, flagged, "
	    "deleted, draft, \\Flag or a keyword", OPT_REPEAT },
	{ "remove", 0, "FLAG", "remove the flags", OPT_REPEAT },
	{ "set", 0, "FLAG", "replace every flag by these ('' clears them)",
	    OPT_REPEAT | OPT_BLANK_OK },
	{ "add-label", 0, "LABEL", "Gmail: add the label (one a time, such "
	    "as Work or \\Starred)", OPT_REPEAT },
	{ "remove-label", 0, "LABEL", "Gmail: remove the label (\\Inbox: "
	    "archive)", OPT_REPEAT },
	MSGSET_OPTS,
	CHANGE_OPT_DRY_RUN,
	CHANGE_OPT_MAX,
	CMD_OPT_PROGRESS,
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct {
	const char	*option;
	const char	*item;
	int		 labels;
} modes[] = {
	{ "add", "+FLAGS", 0 }, { "remove", "-FLAGS", 0 },
	{ "set", "FLAGS", 0 }, { "add-label", "+X-GM-LABELS", 1 },
	{ "remove-label", "-X-GM-LABELS", 1 },
};

/*
 * Which of --add, --remove, --set, --add-label and --remove-label, with
 * its flags in *flags or its labels in *labels.
 */
static int
flag_mode(struct ctx *ctx, size_t *mode_r, struct buf *flags,
    struct change_labels *labels)
{
	const struct optval *v;
	size_t i, nmodes = 0;
	int rc;

	*mode_r = 0;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (ctx_flag(ctx, modes[i].option)) {
			*mode_r = i;
			nmodes++;
		}
	if (nmodes != 1)
		return cmd_usage_error(ctx->cmd, "give one of --add, --remove, "
		    "--set, --add-label and --remove-label");
	if (modes[*mode_r].labels) {
		v = ctx_opt(ctx, modes[*mode_r].option);
		for (i = 0; i < v->nvals; i++)
			if (change_label_add(labels, v->vals[i],
			    &ctx->err) < 0)
				return cmd_usage_error(ctx->cmd, "%s in --%s",
				    ctx->err.msg, modes[*mode_r].option);
		return 0;
	}
	if ((rc = change_flags(ctx, modes[*mode_r].option, flags)) != 0)
		return rc;
	if (flags->len == 0 && *mode_r != 2)
		return cmd_usage_error(ctx->cmd, "no flag given to --%s",
		    modes[*mode_r].option);
	return 0;
}

int
check_flag(int argc, char **argv, struct ctx *ctx)
{
	struct change_labels labels;
	struct buf flags;
	size_t mode;
	int rc;

	if ((rc = change_check(ctx, argc, argv, 0)) != 0)
		return rc;
	buf_init(&flags, 65536);
	memset(&labels, 0, sizeof(labels));
	rc = flag_mode(ctx, &mode, &flags, &labels);
	change_labels_free(&labels);
	buf_free(&flags);
	return rc;
}

int
cmd_flag(int argc, char **argv, struct ctx *ctx)
{
	struct change ch;
	struct change_labels labels;
	struct uidset existing;
	struct buf flags;
	size_t mode;
	const char *set_arg;
	int rc, go;

	if (msgset_operand(ctx, argc, argv, 1, 0, &set_arg) < 0)
		return ERR_USAGE;
	buf_init(&flags, 65536);
	memset(&labels, 0, sizeof(labels));
	if ((rc = flag_mode(ctx, &mode, &flags, &labels)) != 0)
		goto out;
	if (modes[mode].labels && !sess_has_cap(ctx->sess, "X-GM-EXT-1")) {
		rc = cmd_failf(ctx, ERR_UNAVAILABLE, "--%s: the server has no "
		    "Gmail labels (X-GM-EXT-1); nothing was changed",
		    modes[mode].option);
		goto out;
	}
	memset(&ch, 0, sizeof(ch));
	ch.kind = CHANGE_FLAG;
	ch.mailbox = argv[0];
	ch.store_item = modes[mode].item;
	ch.flags = flags.s;
	if (modes[mode].labels) {
		ch.labels = labels.v;
		ch.nlabels = labels.nv;
	}
	uidset_init(&existing);
	rc = change_begin(ctx, &ch, set_arg, 0, &existing, &go);
	if (go)
		rc = change_run(ctx, &ch, &existing);
	uidset_free(&existing);
out:
	change_labels_free(&labels);
	buf_free(&flags);
	return rc;
}
