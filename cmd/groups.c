/* SPDX-License-Identifier: MIT */
/*
 * Records from several mailboxes, grouped by mailbox, one change each
 * (groups.h). The records are read whole before connecting: a bad line
 * or too many messages change nothing anywhere.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "groups.h"
#include "msgset.h"
#include "stop.h"
#include "xalloc.h"
#include "banned.h"

#define GROUPS_FLUSH	(1u << 20)	/* UIDs collected before a merge */

enum group_state {
	GROUP_PENDING,		/* not reached */
	GROUP_DONE,		/* the change ran (done may be < found) */
	GROUP_REFUSED,		/* nothing of it changed: see why */
	GROUP_LEFT		/* nothing to do there (prep said so) */
};

struct group {
	char		*mailbox;	/* UTF-8, as the first record wrote it */
	struct uidlist	 l;		/* UIDs as read, into uids */
	struct uidset	 uids;
	int		 have_uv;
	uint64_t	 uv;		/* of the first record with one */
	size_t		 uv_line;
	uint64_t	 uv2;		/* another record's, when they differ */
	size_t		 uv2_line;
	enum group_state state;
	const char	*why;		/* GROUP_REFUSED, GROUP_LEFT */
	uint64_t	 named, found, done;
};

struct groups {
	struct group	*g;
	size_t		 n, alloc;
	size_t		 last;		/* the group of the last record */
	uint64_t	 total;
};

static int
same_mailbox(const char *a, const char *b)
{
	if (strcasecmp(a, "INBOX") == 0)
		return strcasecmp(b, "INBOX") == 0;
	return strcmp(a, b) == 0;
}

static void
groups_free(void *arg)
{
	struct groups *gs = arg;
	size_t i;

	if (gs == NULL)
		return;
	for (i = 0; i < gs->n; i++) {
		free(gs->g[i].mailbox);
		uidlist_free(&gs->g[i].l);
		uidset_free(&gs->g[i].uids);
	}
	free(gs->g);
	free(gs);
}

int
groups_wanted(const struct ctx *ctx, int argc, char **argv, int nrest)
{
	return !msgset_by_query(ctx) && argc == 1 + nrest &&
	    strcmp(argv[0], "-") == 0;
}

int
groups_mode(const struct ctx *ctx)
{
	return ctx->no_select && ctx->data != NULL;
}

static struct group *
group_of(struct groups *gs, const char *mailbox)
{
	struct group *g;
	size_t i;

	/* Records come grouped as search prints them: try the last first. */
	if (gs->n > 0 && same_mailbox(gs->g[gs->last].mailbox, mailbox))
		return &gs->g[gs->last];
	for (i = 0; i < gs->n; i++)
		if (same_mailbox(gs->g[i].mailbox, mailbox)) {
			gs->last = i;
			return &gs->g[i];
		}
	if (gs->n == gs->alloc) {
		gs->alloc = gs->alloc ? gs->alloc * 2 : 8;
		gs->g = xrealloc(gs->g, gs->alloc * sizeof(*gs->g));
	}
	g = &gs->g[gs->n];
	memset(g, 0, sizeof(*g));
	g->mailbox = xstrdup(mailbox);
	uidlist_init(&g->l);
	uidset_init(&g->uids);
	gs->last = gs->n++;
	return g;
}

static int
add_record(void *arg, const struct uid_record *rec, struct err *e)
{
	struct groups *gs = arg;
	struct group *g;

	/*
	 * Bad input, not a bad command line: found by reading, as a
	 * record that does not parse is (65 for every command).
	 */
	if (rec->mailbox == NULL)
		return err_set(e, ERR_DATA, "standard input line %zu: a UID "
		    "without a mailbox: with no MAILBOX operand, '-' reads "
		    "records that name theirs (as search prints them)",
		    rec->lineno);
	if (rec->mailbox[0] == '\0')
		return err_set(e, ERR_DATA, "standard input line %zu: the "
		    "record's mailbox is empty", rec->lineno);
	g = group_of(gs, rec->mailbox);
	if (rec->have_uidvalidity) {
		if (!g->have_uv) {
			g->have_uv = 1;
			g->uv = rec->uidvalidity;
			g->uv_line = rec->lineno;
		} else if (rec->uidvalidity != g->uv && g->uv2_line == 0) {
			g->uv2 = rec->uidvalidity;
			g->uv2_line = rec->lineno;
		}
	}
	if (g->l.n >= GROUPS_FLUSH)
		uidlist_into(&g->l, &g->uids);
	/* In any order: "search --sort -date" gives them descending. */
	return uidlist_add(&g->l, rec->uid, rec->uid, e);
}

int
groups_check(struct ctx *ctx, int argc, char **argv, int nrest)
{
	struct groups *gs;
	struct err e;
	uint64_t max = ctx->common->max;
	size_t i;
	int rc;

	(void)argc;
	(void)argv;
	(void)nrest;
	if (ctx->common->uidvalidity != 0)
		return cmd_usage(ctx, "--uidvalidity needs a "
		    "MAILBOX operand: records from several mailboxes carry "
		    "their own");
	gs = xcalloc(1, sizeof(*gs));
	err_clear(&e);
	if (uidset_read_records(stdin, add_record, gs, &e) < 0) {
		groups_free(gs);
		return cmd_fail(ctx, &e);
	}
	for (i = 0; i < gs->n; i++) {
		uidlist_into(&gs->g[i].l, &gs->g[i].uids);
		gs->g[i].named = uidset_count(&gs->g[i].uids);
		gs->total += gs->g[i].named;
	}
	if ((rc = change_check_max(ctx, max, gs->total, "the records "
	    "name")) != 0) {
		groups_free(gs);
		return rc;
	}
	ctx->no_select = 1;
	ctx->data = gs;
	ctx->data_free = groups_free;
	return 0;
}

/* Before the next group: whether the run must stop (said why). */
static int
must_stop(struct ctx *ctx, const struct group *g)
{
	struct err e;

	if (stop_signal()) {
		stop_err(&e);
		err_prefix(&e, "stopped before '%s'", g->mailbox);
		cmd_fail(ctx, &e);
		return 1;
	}
	if (emit_gone(ctx->emit)) {
		cmd_failf(ctx, ERR_IO, "standard output closed: stopped "
		    "before '%s'", g->mailbox);
		return 1;
	}
	return sess_broken(ctx->sess);
}

/* The group's mailbox selected and its UIDVALIDITY checked. */
static int
group_select(struct ctx *ctx, struct group *g, int dry_run)
{
	const struct sess_mailbox *m;
	struct err e;

	err_clear(&e);
	if (sess_select(ctx->sess, g->mailbox, dry_run, &e) < 0) {
		g->why = "cannot select it";
		return cmd_fail(ctx, &e);
	}
	m = sess_selected(ctx->sess);
	if (g->uv2_line != 0) {
		g->why = "records of two UIDVALIDITY epochs";
		return cmd_failf(ctx, ERR_DATA, "standard input lines %zu and "
		    "%zu: UIDVALIDITY %llu and %llu, and the mailbox's is %u: "
		    "the UIDs of one of them name other messages now; "
		    "nothing of it was changed", g->uv_line, g->uv2_line,
		    (unsigned long long)g->uv, (unsigned long long)g->uv2,
		    m->uidvalidity);
	}
	if (g->have_uv && g->uv != m->uidvalidity) {
		g->why = "UIDVALIDITY changed";
		return cmd_failf(ctx, ERR_DATA, "standard input line %zu: "
		    "UIDVALIDITY %llu is not the mailbox's %u: the UIDs name "
		    "other messages now; nothing of it was changed",
		    g->uv_line, (unsigned long long)g->uv, m->uidvalidity);
	}
	return 0;
}

/*
 * The group's messages that exist (a record names what was there when it
 * was printed), the others named as not found; then the change, or with
 * --dry-run their records.
 */
static int
group_change(struct ctx *ctx, struct group *g, struct change *ch,
    int dry_run)
{
	struct uidset exist, found;
	unsigned long before;
	int rc;

	uidset_init(&exist);
	uidset_init(&found);
	if ((rc = msgset_existing(ctx, &g->uids, &exist)) != 0) {
		g->why = "cannot search it";
		goto out;
	}
	/* Never more than the records named, whatever the server says. */
	uidset_intersect(&exist, &g->uids, &found);
	g->found = uidset_count(&found);
	msgset_not_found(ctx, g->mailbox, &g->uids, &found,
	    !(ctx->cmd->flags & DELETES));
	g->state = GROUP_DONE;
	if (dry_run) {
		change_emit_dry_run(ctx, ch, &found);
		g->done = g->found;
	} else if (g->found > 0) {
		before = emit_records(ctx->emit);
		change_run(ctx, ch, &found);
		g->done = emit_records(ctx->emit) - before;
	}
out:
	uidset_free(&exist);
	uidset_free(&found);
	return rc;
}

static const char *
verb(const struct ctx *ctx, const struct change *tmpl, int dry_run)
{
	if (dry_run)
		return "listed";
	if (ctx->cmd->flags & DELETES)
		return tmpl->flag_only ? "flagged \\Deleted" : "deleted";
	return tmpl->kind == CHANGE_FLAG ? "changed" : "moved";
}

/* Per mailbox, what was done and what was not, on standard error. */
static void
summary(struct ctx *ctx, const struct groups *gs,
    const struct change *tmpl, int dry_run)
{
	const struct group *g;
	char tail[160];
	int status = ctx->status;
	size_t i;

	for (i = 0; i < gs->n; i++) {
		g = &gs->g[i];
		tail[0] = '\0';
		switch (g->state) {
		case GROUP_PENDING:
			snprintf(tail, sizeof(tail), " (not reached)");
			break;
		case GROUP_REFUSED:
		case GROUP_LEFT:
			snprintf(tail, sizeof(tail), " (%s)", g->why ? g->why :
			    "refused");
			break;
		case GROUP_DONE:
			if (g->found < g->named)
				snprintf(tail, sizeof(tail), " (%llu not found)",
				    (unsigned long long)(g->named - g->found));
			break;
		}
		cmd_failf(ctx, (enum err_kind)status, "'%s': %llu of %llu "
		    "%s%s", g->mailbox, (unsigned long long)g->done,
		    (unsigned long long)g->named, verb(ctx, tmpl, dry_run), tail);
	}
	ctx->status = status;
}

int
groups_run(struct ctx *ctx, const struct change *tmpl, groups_prep_fn prep,
    void *arg)
{
	struct groups *gs = ctx->data;
	struct group *g;
	struct change ch;
	int dry_run = ctx->common->dry_run;
	int allow_all = ctx->common->allow_expunge_all;
	int rc, stop = 0;
	size_t i;

	for (i = 0; i < gs->n && !stop; i++) {
		g = &gs->g[i];
		if (must_stop(ctx, g))
			break;
		ctx->where = g->mailbox;
		g->state = GROUP_REFUSED;
		if (group_select(ctx, g, dry_run) != 0) {
			ctx->where = NULL;
			continue;
		}
		ch = *tmpl;
		ch.mailbox = g->mailbox;
		ch.uidvalidity = sess_selected(ctx->sess)->uidvalidity;
		if (prep != NULL && (rc = prep(ctx, &ch, arg)) != 0) {
			if (rc == GROUPS_LEAVE) {
				g->state = GROUP_LEFT;
				g->why = "left as they are";
			} else
				g->why = "refused";
			ctx->where = NULL;
			continue;
		}
		/* The server lacks UIDPLUS: so for every group alike. */
		if (change_check_uidplus(ctx, &ch, allow_all) != 0) {
			g->why = "refused";
			stop = 1;
		} else
			group_change(ctx, g, &ch, dry_run);
		ctx->where = NULL;
	}
	if (ctx->status != 0)
		summary(ctx, gs, tmpl, dry_run);
	return ctx->status;
}
