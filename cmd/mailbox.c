/* SPDX-License-Identifier: MIT */
/*
 * mailbox: create, delete, rename, subscribe to or unsubscribe from a
 * mailbox, named in UTF-8 (sent in modified UTF-7). A record says what was
 * done. --max guards delete and rename, the actions that take messages
 * away from a name (renaming INBOX empties it): a mailbox holding more
 * messages is refused. The others name no message, so --max never refuses
 * them. --dry-run of delete and rename still asks the mailbox's count, so
 * that it fails where the change would.
 *
 * create also makes the parents the name lacks (LIST tells which), and
 * subscribes to each mailbox it made, since mail clients such as
 * Thunderbird show only subscribed folders; an account's "subscribe =
 * no" turns that off.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "change.h"
#include "choice.h"
#include "mailbox.h"
#include "settings.h"
#include "stop.h"
#include "xalloc.h"
#include "banned.h"

#define MAILBOX_MAX_DEPTH	32	/* levels made by one create */

const struct opt mailbox_opts[] = {
	CHANGE_OPT_DRY_RUN,
	CHANGE_OPT_MAX,
	OPT_END()
};

/* The action, the first operand: read once, by check_mailbox. */
enum action { A_CREATE, A_DELETE, A_RENAME, A_SUBSCRIBE, A_UNSUBSCRIBE };

static const struct choice action_words[] = {
	{ "create", A_CREATE }, { "delete", A_DELETE },
	{ "rename", A_RENAME }, { "subscribe", A_SUBSCRIBE },
	{ "unsubscribe", A_UNSUBSCRIBE }, { NULL, 0 }
};
static const struct choices action_choices = { .v = action_words };

static const struct {
	const char	*verb;
	int		 operands;	/* names it takes */
} actions[] = {
	[A_CREATE] = { "CREATE", 1 },
	[A_DELETE] = { "DELETE", 1 },
	[A_RENAME] = { "RENAME", 2 },
	[A_SUBSCRIBE] = { "SUBSCRIBE", 1 },
	[A_UNSUBSCRIBE] = { "UNSUBSCRIBE", 1 },
};

/* What check_mailbox read, for cmd_mailbox. */
static enum action the_action;

/* What LIST says of some mailboxes, asked for together. */
struct probe {
	const char	*names[MAILBOX_MAX_DEPTH];	/* UTF-8 */
	size_t		 n;
	int		 listed[MAILBOX_MAX_DEPTH];
	int		 noselect[MAILBOX_MAX_DEPTH];	/* a name without mail */
	char		 delim;		/* the hierarchy's, from LIST "" "" */
};

static int
same_name(const char *a, const char *b)
{
	return strcmp(a, b) == 0 || (strcasecmp(a, "INBOX") == 0 &&
	    strcasecmp(b, "INBOX") == 0);
}

static int
on_list(void *arg, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct probe *p = arg;
	struct mbox_list ml;
	struct buf b;
	size_t i;

	(void)e;
	if (!mbox_parse_list(r, &ml))
		return 0;
	if (ml.name_len == 0) {
		p->delim = ml.delim != NULL ? ml.delim[0] : '\0';
		return 0;
	}
	if (mbox_has_attr(ml.attrs, "\\NonExistent"))
		return 0;
	buf_init(&b, IMAP_MAX_LINE);
	sess_mailbox_decode(s, ml.name, ml.name_len, &b);
	for (i = 0; i < p->n; i++)
		if (same_name(b.s, p->names[i])) {
			p->listed[i] = 1;
			p->noselect[i] = mbox_has_attr(ml.attrs, "\\Noselect");
		}
	buf_free(&b);
	return 0;
}

/*
 * LIST each of p's names, pipelined, and with delim LIST "" "" for the
 * hierarchy delimiter. -1 with the error set when a LIST failed.
 */
static int
probe_run(struct sess *s, struct probe *p, int delim, struct err *e)
{
	struct sess_scope sc = { on_list, NULL, NULL, NULL };
	struct sess_reply reps[MAILBOX_MAX_DEPTH + 1];
	struct sess_pipe *pp;
	size_t i, n = 0;
	int r = 0;

	memset(reps, 0, sizeof(reps));
	sc.ctx = p;
	pp = sess_pipe_begin(s, &sc, 0);
	if (delim && sess_pipe_send(pp, sess_done_keep, &reps[n++], e,
	    "LIST \"\" \"\"") < 0)
		r = -1;
	for (i = 0; r == 0 && i < p->n; i++)
		if (sess_pipe_send(pp, sess_done_keep, &reps[n++], e,
		    "LIST \"\" %M", p->names[i]) < 0)
			r = -1;
	/* What was sent is waited for, even after a failure. */
	r = sess_pipe_end(pp, r, e);
	for (i = 0; r == 0 && i < n; i++)
		if (sess_reply_check(&reps[i], e) < 0)
			r = -1;
	return r;
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

	memset(&p, 0, sizeof(p));
	p.names[p.n++] = name;
	if (probe_run(ctx->sess, &p, 0, &ctx->err) < 0) {
		err_prefix(&ctx->err, "cannot %s '%s'", action, name);
		return cmd_fail(ctx, &ctx->err);
	}
	if (!p.listed[0])
		return cmd_failf(ctx, ERR_UNAVAILABLE, "cannot %s '%s': no "
		    "such mailbox", action, name);
	*n_r = 0;
	if (p.noselect[0])
		return 0;
	if (mbox_status_many(ctx->sess, &name, 1, "MESSAGES", 0, &st, &e,
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

/* The action, into the_action, and its operands. */
static int
mailbox_action(struct ctx *ctx, int argc, char **argv)
{
	char use[128];
	int v;

	if (choice_parse(&action_choices, argv[0], &v) < 0) {
		choice_list(&action_choices, use, sizeof(use));
		return cmd_usage(ctx, "unknown action '%s': use %s", argv[0],
		    use);
	}
	if (argc - 1 != actions[v].operands)
		return cmd_usage(ctx, "%s takes %s", argv[0],
		    actions[v].operands == 2 ? "NAME and NEWNAME" :
		    "one NAME");
	the_action = (enum action)v;
	return 0;
}

int
mailbox_want_subscribe(const struct ctx *ctx)
{
	const struct account *a = ctx->settings != NULL ?
	    ctx->settings->acct : NULL;

	return a == NULL || a->subscribe != 0;
}

int
mailbox_exists(struct ctx *ctx, const char *name, int *exists_r,
    struct err *e)
{
	struct probe p;

	memset(&p, 0, sizeof(p));
	p.names[p.n++] = name;
	*exists_r = 0;
	if (probe_run(ctx->sess, &p, 0, e) < 0)
		return -1;
	*exists_r = p.listed[0] && !p.noselect[0];
	return 0;
}

static void
emit_action(struct ctx *ctx, const char *action, const char *name,
    const char *newname, int subscribed)
{
	struct emit *em = ctx->emit;

	emit_record_begin(em, "mailbox");
	emit_str(em, "action", action);
	emit_str(em, "mailbox", name);
	emit_str(em, "new_mailbox", newname);
	if (subscribed < 0)
		emit_null(em, "subscribed");
	else
		emit_bool(em, "subscribed", subscribed);
	emit_record_end(em);
}

static void
report_not_made(struct ctx *ctx, const char *const *names, size_t n)
{
	struct buf b;
	size_t i;

	/* A message for a person: cut at a line's length. */
	buf_init(&b, IMAP_MAX_LINE);
	for (i = 0; i < n; i++)
		buf_putf(&b, "%s'%s'", i ? ", " : "", names[i]);
	cmd_failf(ctx, (enum err_kind)ctx->status, "not created: %s", b.s);
	buf_free(&b);
}

/*
 * create NAME: the parents it lacks (not listed at all: a \Noselect one
 * is a parent already), then NAME, each subscribed unless the account
 * says no; a record for each, parents first. With --dry-run, the records
 * of what would be made, found the same way.
 */
static int
create_with_parents(struct ctx *ctx, const char *name)
{
	struct sess *s = ctx->sess;
	struct err *e = &ctx->err;
	struct probe p, anc;
	char *parents[MAILBOX_MAX_DEPTH];
	const char *make[MAILBOX_MAX_DEPTH + 1];
	size_t i, len = strlen(name), nparents = 0, nmake = 0;
	int dry = ctx->common->dry_run, sub = mailbox_want_subscribe(ctx);
	int rc = 0, subscribed;

	memset(&p, 0, sizeof(p));
	p.names[p.n++] = name;
	if (probe_run(s, &p, 1, e) < 0) {
		err_prefix(e, "cannot create '%s'", name);
		return cmd_fail(ctx, e);
	}
	if (dry && p.listed[0] && !p.noselect[0])
		return cmd_failf(ctx, ERR_UNAVAILABLE, "cannot create '%s': "
		    "the mailbox exists", name);
	/* Each name a delimiter ends, the first and the last aside. */
	for (i = 1; p.delim != '\0' && i + 1 < len; i++) {
		if (name[i] != p.delim || name[i - 1] == p.delim)
			continue;
		if (nparents == MAILBOX_MAX_DEPTH) {
			rc = cmd_failf(ctx, ERR_USAGE, "cannot create '%s': "
			    "more than %d levels", name, MAILBOX_MAX_DEPTH);
			goto out;
		}
		parents[nparents++] = xstrndup(name, i);
	}
	memset(&anc, 0, sizeof(anc));
	for (i = 0; i < nparents; i++)
		anc.names[anc.n++] = parents[i];
	if (anc.n > 0 && probe_run(s, &anc, 0, e) < 0) {
		err_prefix(e, "cannot create '%s'", name);
		rc = cmd_fail(ctx, e);
		goto out;
	}
	for (i = 0; i < nparents; i++)
		if (!anc.listed[i])
			make[nmake++] = parents[i];
	make[nmake++] = name;
	for (i = 0; i < nmake; i++) {
		subscribed = sub;
		if (!dry)
			stop_changing();
		if (!dry && sess_run(s, e, "CREATE %M", make[i]) < 0 &&
		    (i + 1 == nmake || strcasecmp(e->code, "ALREADYEXISTS"))) {
			err_prefix(e, "cannot create '%s'", make[i]);
			rc = cmd_fail(ctx, e);
			break;
		}
		if (!dry && sub && sess_run(s, e, "SUBSCRIBE %M",
		    make[i]) < 0) {
			err_prefix(e, "created '%s' but cannot subscribe to it",
			    make[i]);
			rc = cmd_fail(ctx, e);
			subscribed = 0;
		}
		emit_action(ctx, "create", make[i], NULL, subscribed);
		if (rc != 0)
			break;
	}
	/* Stopped part-way: what was not made is named too. */
	if (rc != 0 && i + 1 < nmake)
		report_not_made(ctx, make + i + 1, nmake - i - 1);
out:
	for (i = 0; i < nparents; i++)
		free(parents[i]);
	return rc;
}

int
check_mailbox(int argc, char **argv, struct ctx *ctx)
{
	return mailbox_action(ctx, argc, argv);
}

int
cmd_mailbox(int argc, char **argv, struct ctx *ctx)
{
	struct err *e = &ctx->err;
	uint64_t max = ctx->common->max, n;
	int rc, r;

	/* The action was read by check_mailbox, which ran first. */
	if (the_action == A_CREATE)
		return create_with_parents(ctx, argv[1]);
	if ((max != UINT64_MAX || ctx->common->dry_run) &&
	    (the_action == A_DELETE || the_action == A_RENAME)) {
		if ((rc = count_messages(ctx, argv[0], argv[1], &n)) != 0 ||
		    (rc = change_check_max(ctx, max, n, "the mailbox holds")) !=
		    0)
			return rc;
	}
	if (!ctx->common->dry_run) {
		stop_changing();
		if (actions[the_action].operands == 2)
			r = sess_run(ctx->sess, e, "%s %M %M",
			    actions[the_action].verb, argv[1], argv[2]);
		else
			r = sess_run(ctx->sess, e, "%s %M",
			    actions[the_action].verb, argv[1]);
		if (r < 0) {
			err_prefix(e, "cannot %s '%s'", argv[0], argv[1]);
			return cmd_fail(ctx, e);
		}
	}
	emit_action(ctx, argv[0], argv[1], argc > 2 ? argv[2] : NULL,
	    the_action == A_SUBSCRIBE ? 1 :
	    the_action == A_UNSUBSCRIBE ? 0 : -1);
	return 0;
}
