/* SPDX-License-Identifier: MIT */
/*
 * delete: the named messages flagged \Deleted and expunged, exactly those;
 * or moved to the Trash (--trash, and always on Gmail, where an expunge
 * only takes a label away); or only flagged (--flag-only). The Trash is
 * the \Trash special-use mailbox, else the one named as servers name it,
 * else the account's "trash ="; the records name it (dest_mailbox).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "change.h"
#include "groups.h"
#include "msgset.h"
#include "banned.h"

/* How: expunge (the default), move to the Trash, or only flag. */
enum { DELETE_EXPUNGE, DELETE_TRASH, DELETE_FLAG_ONLY };

static struct {
	struct opt_mode	 how;
} opt;

const struct opt delete_opts[] = {
	OPT_CMDMODE(0, "trash", &opt.how, DELETE_TRASH, "move the messages "
	    "to the Trash mailbox instead"),
	OPT_CMDMODE(0, "flag-only", &opt.how, DELETE_FLAG_ONLY, "only flag "
	    "the messages \\Deleted"),
	CHANGE_OPT_EXPUNGE_ALL,
	MSGSET_OPTS,
	CHANGE_OPT_DRY_RUN,
	CHANGE_OPT_MAX,
	CMD_OPT_PROGRESS,
	OPT_END()
};

static int
same_mailbox(const char *a, const char *b)
{
	if (strcasecmp(a, "INBOX") == 0)
		return strcasecmp(b, "INBOX") == 0;
	return strcmp(a, b) == 0;
}

int
check_delete(int argc, char **argv, struct ctx *ctx)
{
	int rc;

	if (groups_wanted(ctx, argc, argv, 0)) {
		if (opt_mode_count(&opt.how) > 1)
			return cmd_usage(ctx, "--trash and "
			    "--flag-only exclude each other");
		return groups_check(ctx, argc, argv, 0);
	}
	if ((rc = change_check(ctx, argc, argv, 0)) != 0)
		return rc;
	if (opt_mode_count(&opt.how) > 1)
		return cmd_usage(ctx, "--trash and --flag-only "
		    "exclude each other");
	return 0;
}

/* The Trash, found once for every group. */
struct trash_use {
	const char	*trash;		/* NULL: none needed */
	int		 to_trash;	/* --trash */
};

/*
 * Each group's part: moved to the Trash, except the messages already
 * there: with --trash they stay as they are; on Gmail, deleting from the
 * Trash is for good.
 */
static int
delete_prep(struct ctx *ctx, struct change *ch, void *arg)
{
	const struct trash_use *t = arg;

	if (t->trash == NULL || !same_mailbox(t->trash, ch->mailbox))
		return 0;
	if (t->to_trash) {
		cmd_warn(ctx, "'%s' is the Trash: its messages are left as "
		    "they are", ch->mailbox);
		return GROUPS_LEAVE;
	}
	ch->kind = CHANGE_DELETE;
	ch->dest = NULL;
	ch->use_move = 0;
	return 0;
}

int
cmd_delete(int argc, char **argv, struct ctx *ctx)
{
	struct change ch;
	struct uidset existing;
	char *trash = NULL;
	int to_trash = opt.how.value == DELETE_TRASH, rc, go;
	int gmail = sess_has_cap(ctx->sess, "X-GM-EXT-1");
	const char *set_arg = NULL;
	struct trash_use tu;

	if (!groups_mode(ctx) && msgset_operand(ctx, argc, argv, 1, 0,
	    &set_arg) < 0)
		return ERR_USAGE;
	memset(&ch, 0, sizeof(ch));
	ch.kind = CHANGE_DELETE;
	ch.mailbox = argv[0];
	ch.flag_only = opt.how.value == DELETE_FLAG_ONLY;
	if (to_trash || (gmail && !ch.flag_only)) {
		if (change_find_trash(ctx, &trash, &ctx->err) < 0)
			return cmd_fail(ctx, &ctx->err);
		if (trash == NULL)
			return cmd_failf(ctx, ERR_UNAVAILABLE, "no Trash "
			    "mailbox: none has the \\Trash special use or "
			    "is named Trash, INBOX.Trash, Deleted Items or "
			    "Deleted Messages; name it with 'trash =' in the "
			    "account (imapctl.conf(5)); nothing was changed");
		if (groups_mode(ctx)) {
			ch.kind = CHANGE_MOVE;
			ch.dest = trash;
			ch.use_move = sess_has_cap(ctx->sess, "MOVE");
		} else if (same_mailbox(trash, argv[0])) {
			/* On Gmail, deleting from the Trash is for good. */
			if (to_trash) {
				cmd_usage(ctx, "the messages "
				    "are in the Trash ('%s') already", trash);
				free(trash);
				return ERR_USAGE;
			}
		} else {
			ch.kind = CHANGE_MOVE;
			ch.dest = trash;
			ch.use_move = sess_has_cap(ctx->sess, "MOVE");
		}
	}
	if (groups_mode(ctx)) {
		tu.trash = trash;
		tu.to_trash = to_trash;
		rc = groups_run(ctx, &ch, delete_prep, &tu);
		free(trash);
		return rc;
	}
	uidset_init(&existing);
	rc = change_begin(ctx, &ch, set_arg, ctx->common->allow_expunge_all,
	    &existing, &go);
	if (go)
		rc = change_run(ctx, &ch, &existing);
	uidset_free(&existing);
	free(trash);
	return rc;
}
