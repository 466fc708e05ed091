/* SPDX-License-Identifier: MIT */
/*
 * mailbox: create, delete, rename, subscribe to or unsubscribe from a
 * mailbox, named in UTF-8 (sent in modified UTF-7). A record says what was
 * done. --max guards delete and rename, the actions that take messages
 * away from a name (renaming INBOX empties it): a mailbox holding more
 * messages is refused. The others name no message, so --max never refuses
 * them. --dry-run of delete and rename still asks the mailbox's count, so
 * that it fails where the change would.
 */
#include <string.h>
#include <strings.h>

#include "change.h"
#include "mailbox.h"

const struct opt mailbox_opts[] = {
	CHANGE_OPT_DRY_RUN,
	CHANGE_OPT_MAX,
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct {
	const char	*name;
	const char	*verb;
	int		 operands;	/* names it takes */
} actions[] = {
	{ "create", "CREATE", 1 }, { "delete", "DELETE", 1 },
	{ "rename", "RENAME", 2 }, { "subscribe", "SUBSCRIBE", 1 },
	{ "unsubscribe", "UNSUBSCRIBE", 1 },
};

/* What LIST says of one mailbox. */
struct probe {
	const char	*name;		/* UTF-8, as given */
	int		 listed;
	int		 noselect;	/* \Noselect: a name holding no mail */
};

static int
on_list(void *arg, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct probe *p = arg;
	struct mbox_list ml;
	struct buf b;

	(void)e;
	if (!mbox_parse_list(r, &ml) ||
	    mbox_has_attr(ml.attrs, "\\NonExistent"))
		return 0;
	buf_init(&b, IMAP_MAX_LINE);
	sess_mailbox_decode(s, ml.name, ml.name_len, &b);
	if (strcmp(b.s, p->name) == 0 || (strcasecmp(b.s, "INBOX") == 0 &&
	    strcasecmp(p->name, "INBOX") == 0)) {
		p->listed = 1;
		p->noselect = mbox_has_attr(ml.attrs, "\\Noselect");
	}
	buf_free(&b);
	return 0;
}

/*
 * How many messages the mailbox holds, for --max and --dry-run: none when
 * it is \Noselect (a parent that holds only other mailboxes, which STATUS
 * refuses), else what STATUS says.
 */
static int
count_messages(struct ctx *ctx, const char *action, const char *name,
    uint64_t *n_r)
{
	struct mbox_status st;
	struct probe p;
	struct err e;
	int r;

	memset(&p, 0, sizeof(p));
	p.name = name;
	sess_set_handler(ctx->sess, on_list, &p);
	r = sess_run(ctx->sess, &ctx->err, "LIST \"\" %M", name);
	sess_set_handler(ctx->sess, NULL, NULL);
	if (r < 0) {
		err_prefix(&ctx->err, "cannot %s '%s'", action, name);
		return cmd_fail(ctx, &ctx->err);
	}
	if (!p.listed)
		return cmd_failf(ctx, ERR_UNAVAILABLE, "cannot %s '%s': no "
		    "such mailbox", action, name);
	*n_r = 0;
	if (p.noselect)
		return 0;
	if (mbox_status_many(ctx->sess, &name, 1, "MESSAGES", &st, &e,
	    &ctx->err) < 0)
		return cmd_fail(ctx, &ctx->err);
	if (e.kind != ERR_NONE) {
		err_prefix(&e, "cannot %s '%s'", action, name);
		return cmd_fail(ctx, &e);
	}
	if (!(st.have & MST_MESSAGES))
		return cmd_failf(ctx, ERR_PROTOCOL, "the server did not say "
		    "how many messages '%s' holds", name);
	*n_r = st.messages;
	return 0;
}

/* The action (its index in actions), its operands and --max. */
static int
mailbox_action(struct ctx *ctx, int argc, char **argv, size_t *i_r,
    uint64_t *max_r)
{
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(argv[0], actions[i].name) == 0)
			break;
	if (i == sizeof(actions) / sizeof(actions[0]))
		return cmd_usage_error(ctx->cmd, "unknown action '%s': use "
		    "create, delete, rename, subscribe or unsubscribe",
		    argv[0]);
	if (argc - 1 != actions[i].operands)
		return cmd_usage_error(ctx->cmd, "%s takes %s", argv[0],
		    actions[i].operands == 2 ? "NAME and NEWNAME" :
		    "one NAME");
	*i_r = i;
	return change_max(ctx, max_r);
}

int
check_mailbox(int argc, char **argv, struct ctx *ctx)
{
	uint64_t max;
	size_t i;

	return mailbox_action(ctx, argc, argv, &i, &max);
}

int
cmd_mailbox(int argc, char **argv, struct ctx *ctx)
{
	struct emit *em = ctx->emit;
	struct err *e = &ctx->err;
	uint64_t max, n;
	size_t i;
	int rc, r;

	if ((rc = mailbox_action(ctx, argc, argv, &i, &max)) != 0)
		return rc;
	if ((max != UINT64_MAX || ctx_flag(ctx, "dry-run")) &&
	    (strcmp(argv[0], "delete") == 0 ||
	    strcmp(argv[0], "rename") == 0)) {
		if ((rc = count_messages(ctx, argv[0], argv[1], &n)) != 0 ||
		    (rc = change_check_max(ctx, max, n, "the mailbox holds")) !=
		    0)
			return rc;
	}
	if (!ctx_flag(ctx, "dry-run")) {
		if (actions[i].operands == 2)
			r = sess_run(ctx->sess, e, "%s %M %M", actions[i].verb,
			    argv[1], argv[2]);
		else
			r = sess_run(ctx->sess, e, "%s %M", actions[i].verb,
			    argv[1]);
		if (r < 0) {
			err_prefix(e, "cannot %s '%s'", argv[0], argv[1]);
			return cmd_fail(ctx, e);
		}
	}
	emit_record_begin(em, "mailbox");
	emit_str(em, "action", argv[0]);
	emit_str(em, "mailbox", argv[1]);
	emit_str(em, "new_mailbox", argc > 2 ? argv[2] : NULL);
	emit_record_end(em);
	return 0;
}
