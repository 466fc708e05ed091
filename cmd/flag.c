/* SPDX-License-Identifier: MIT */
/*
 * flag: add, remove or set the flags of the named messages with UID STORE
 * in chunks, pipelined; a record of each message's flags after the change,
 * from what the server answered. On Gmail, --add-label and --remove-label
 * do the same with X-GM-LABELS, and the records carry the labels.
 */
#include <string.h>

#include "change.h"
#include "groups.h"
#include "msgset.h"
#include "banned.h"

enum { F_ADD, F_REMOVE, F_SET, F_ADD_LABEL, F_REMOVE_LABEL, F_NMODES };

static struct {
	struct opt_mode	 mode;
	struct opt_list	 args[F_NMODES];
} opt;

const struct opt flag_opts[] = {
	OPT_CMDMODE_LIST(0, "add", &opt.mode, F_ADD, &opt.args[F_ADD], "FLAG",
	    "add the flags: seen, answered, flagged, deleted, draft, \\Flag "
	    "or a keyword", 0),
	OPT_CMDMODE_LIST(0, "remove", &opt.mode, F_REMOVE,
	    &opt.args[F_REMOVE], "FLAG", "remove the flags", 0),
	OPT_CMDMODE_LIST(0, "set", &opt.mode, F_SET, &opt.args[F_SET], "FLAG",
	    "replace every flag by these ('' clears them)", OPT_BLANK_OK),
	OPT_CMDMODE_LIST(0, "add-label", &opt.mode, F_ADD_LABEL,
	    &opt.args[F_ADD_LABEL], "LABEL", "Gmail: add the label (one a "
	    "time, such as Work or \\Starred)", 0),
	OPT_CMDMODE_LIST(0, "remove-label", &opt.mode, F_REMOVE_LABEL,
	    &opt.args[F_REMOVE_LABEL], "LABEL", "Gmail: remove the label "
	    "(\\Inbox: archive)", 0),
	MSGSET_OPTS,
	CHANGE_OPT_DRY_RUN,
	CHANGE_OPT_MAX,
	CMD_OPT_PROGRESS,
	OPT_END()
};

/* What each mode stores. */
static const struct {
	const char	*item;
	int		 labels;
} modes[F_NMODES] = {
	[F_ADD] = { "+FLAGS", 0 },
	[F_REMOVE] = { "-FLAGS", 0 },
	[F_SET] = { "FLAGS", 0 },
	[F_ADD_LABEL] = { "+X-GM-LABELS", 1 },
	[F_REMOVE_LABEL] = { "-X-GM-LABELS", 1 },
};

/*
 * Which of --add, --remove, --set, --add-label and --remove-label, with
 * its name in *name_r and its flags in *flags or its labels in *labels.
 */
static int
flag_mode(struct ctx *ctx, int *mode_r, const char **name_r,
    struct buf *flags, struct change_labels *labels)
{
	const struct opt_list *v;
	const char *other;
	size_t i;
	int rc;

	*mode_r = opt.mode.value;
	opt_mode_names(flag_opts, &opt.mode, name_r, &other);
	if (*name_r == NULL || other != NULL)
		return cmd_usage(ctx, "give one of --add, --remove, "
		    "--set, --add-label and --remove-label");
	v = &opt.args[*mode_r];
	if (modes[*mode_r].labels) {
		for (i = 0; i < v->n; i++)
			if (change_label_add(labels, v->v[i], &ctx->err) < 0)
				return cmd_usage(ctx, "%s in --%s",
				    ctx->err.msg, *name_r);
		return 0;
	}
	if ((rc = change_flags(ctx, *name_r, v, flags)) != 0)
		return rc;
	if (flags->len == 0 && *mode_r != F_SET)
		return cmd_usage(ctx, "no flag given to --%s",
		    *name_r);
	return 0;
}

int
check_flag(int argc, char **argv, struct ctx *ctx)
{
	struct change_labels labels;
	struct buf flags;
	const char *name;
	int mode, rc;

	if (groups_wanted(ctx, argc, argv, 0))
		rc = groups_check(ctx, argc, argv, 0);
	else
		rc = change_check(ctx, argc, argv, 0);
	if (rc != 0)
		return rc;
	buf_init(&flags, CHANGE_FLAGS_MAX);
	memset(&labels, 0, sizeof(labels));
	rc = flag_mode(ctx, &mode, &name, &flags, &labels);
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
	const char *set_arg = NULL, *name;
	int mode, rc, go;

	if (!groups_mode(ctx) && msgset_operand(ctx, argc, argv, 1, 0,
	    &set_arg) < 0)
		return ERR_USAGE;
	buf_init(&flags, CHANGE_FLAGS_MAX);
	memset(&labels, 0, sizeof(labels));
	if ((rc = flag_mode(ctx, &mode, &name, &flags, &labels)) != 0)
		goto out;
	if (modes[mode].labels && !sess_has_cap(ctx->sess, "X-GM-EXT-1")) {
		rc = cmd_failf(ctx, ERR_UNAVAILABLE, "--%s: the server has no "
		    "Gmail labels (X-GM-EXT-1); nothing was changed", name);
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
	if (groups_mode(ctx)) {
		rc = groups_run(ctx, &ch, NULL, NULL);
		goto out;
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
