/* SPDX-License-Identifier: MIT */
/*
 * Records from several mailboxes, one change (product contract section
 * 8, "Many mailboxes, one pipe"): flag, move and delete with "-" in place
 * of MAILBOX (and no SET operand) read every record on standard input
 * before connecting, group them by mailbox in the order the mailboxes
 * first appear, and change each group in turn with the change engine,
 * each guarded by its own UIDVALIDITY:
 *
 *	check_NAME:	if (groups_wanted(ctx, argc, argv, NREST))
 *				return groups_check(ctx, argc, argv, NREST);
 *	cmd_NAME:	if (groups_mode(ctx))
 *				return groups_run(ctx, &ch, prep, arg);
 *
 * A group whose mailbox cannot be selected, or whose UIDVALIDITY is not
 * the records', is refused, nothing of it changed; the others go on.
 * --max counts the messages of all groups, before anything is changed.
 * When anything was not done, the last lines on standard error say per
 * mailbox what was done and what was not.
 */
#ifndef IMAPCTL_GROUPS_H
#define IMAPCTL_GROUPS_H

#include "change.h"
#include "cmd.h"

/*
 * Whether the command line names the messages by records from several
 * mailboxes: "-" where MAILBOX goes, then nrest operands, no SET and no
 * --query.
 */
int	groups_wanted(const struct ctx *, int argc, char **argv, int nrest);
/*
 * Before connecting: the options, then every record of standard input,
 * grouped (into ctx->data), and --max over all of them. 0, or the exit
 * status after printing the error: 64 for --uidvalidity (a usage error,
 * said by main); 65 for a record that does not parse or names no
 * mailbox (bad input, said as the line it is on, without a usage line),
 * or for too many messages.
 */
int	groups_check(struct ctx *, int argc, char **argv, int nrest);
/* Whether groups_check read the records: the command runs groups_run. */
int	groups_mode(const struct ctx *);

/*
 * A group's own part of the change, once its mailbox is selected (ch has
 * its mailbox and UIDVALIDITY): 0 to go on, GROUPS_LEAVE when nothing of
 * the group is to be done and that is no failure (said on standard error
 * by the callback), else the exit status after printing why the group is
 * refused.
 */
#define GROUPS_LEAVE	(-1)
typedef int (*groups_prep_fn)(struct ctx *, struct change *, void *);

/*
 * Each group in turn: selected (examined with --dry-run), its
 * UIDVALIDITY checked, ch (a copy of tmpl with the group's mailbox and
 * UIDVALIDITY) prepared by prep (may be NULL), the UIDPLUS check, the
 * messages that exist, then change_run (or, with --dry-run, their
 * records). Returns the command's exit status.
 */
int	groups_run(struct ctx *, const struct change *tmpl, groups_prep_fn,
	    void *);

#endif
