/* SPDX-License-Identifier: MIT */
/*
 * What the commands that change the server share (product contract
 * section 7): the safety options, spelt once; flag names; and the records
 * and reports of the change engine (uidchange.h), which carries a change
 * over a large UID set in chunks, pipelined, step by step.
 */
#ifndef IMAPCTL_CHANGE_H
#define IMAPCTL_CHANGE_H

#include <stdint.h>

#include "buf.h"
#include "cmd.h"
#include "uidchange.h"
#include "uidset.h"

/* The safety options, declared the same way in every such command. */
#define CHANGE_OPT_DRY_RUN \
	OPT_BOOL('n', "dry-run", &common_opts.dry_run, "print the records " \
	    "it would act on and change nothing")
#define CHANGE_OPT_MAX \
	OPT_UINT(0, "max", &common_opts.max, UINT64_MAX, 0, UINT64_MAX, "N", \
	    "refuse, changing nothing, when more than N messages are named")
#define CHANGE_OPT_EXPUNGE_ALL \
	OPT_BOOL(0, "allow-expunge-all", &common_opts.allow_expunge_all, \
	    "without UIDPLUS, expunge every \\Deleted message of the " \
	    "mailbox")

/*
 * Before connecting: the SET operand or --query (nrest operands after
 * it). 0, or the exit status (a usage error left for main).
 */
int	change_check(struct ctx *, int argc, char **argv, int nrest);
/* Refuse (exit 65) when count passes --max; 0 when it does not. */
int	change_check_max(struct ctx *, uint64_t max, uint64_t count,
	    const char *what);

/*
 * Flags as the user gives them ("seen", "\Seen", "$Junk", several
 * separated by commas or spaces, the option repeated) into an IMAP flag
 * list without its parentheses, appended to out: v, the arguments of the
 * option named option. Returns 0, or the exit status (a usage error left
 * for main). out's ceiling: CHANGE_FLAGS_MAX.
 */
#define CHANGE_FLAGS_MAX	65536
int	change_flags(struct ctx *, const char *option,
	    const struct opt_list *v, struct buf *out);

/* The emitter's list of the flags in an IMAP flag list (a parsed arg). */
void	change_emit_flags(struct emit *, const char *key,
	    const struct imap_arg *list);

/*
 * Whether the change needs UIDPLUS that the server lacks: 0 when it can
 * go ahead, else the exit status after printing the refusal.
 */
int	change_check_uidplus(struct ctx *, struct change *, int allow_all);

/*
 * What every change over a SET does before it changes anything, in this
 * order: the SET operand resolved (the UIDVALIDITY and mailbox guard of
 * stdin records), the UIDPLUS check, the UIDs that exist, --max, and with
 * --dry-run their records. Returns the exit status; *go_r is 1 when the
 * change should now be carried out over existing.
 */
int	change_begin(struct ctx *, struct change *, const char *setarg,
	    int allow_all, struct uidset *existing, int *go_r);

/*
 * The records --dry-run prints: one for each UID of set, with the fields
 * the server would have told (flags, destination UIDs) null.
 */
void	change_emit_dry_run(struct ctx *, const struct change *,
	    const struct uidset *set);

/*
 * Carry out the change over set (the UIDs that exist; no "*"), in chunks,
 * pipelined. Records are emitted as each chunk completes. Returns the
 * command's exit status; on a failure part-way, what was not done is named
 * on standard error.
 */
int	change_run(struct ctx *, const struct change *, const struct uidset *set);

/*
 * Gmail labels for X-GM-LABELS: a system label such as \Inbox as it is,
 * any other in modified UTF-7 as an astring.
 */
#define CHANGE_MAX_LABELS	100

struct change_labels {
	struct sess_piece	 v[2 * CHANGE_MAX_LABELS];	/* spaced */
	size_t			 nv;
	char			*own[CHANGE_MAX_LABELS];
	size_t			 n;
};

/* One more label (UTF-8); ERR_USAGE for a bad one or too many. */
int	change_label_add(struct change_labels *, const char *, struct err *);
void	change_labels_free(struct change_labels *);

/*
 * On Gmail, a move that the user means as a label change is made one
 * (ch->labels set, l holding them): INBOX to All Mail (\All) is an
 * archive, -X-GM-LABELS (\Inbox); from All Mail to INBOX, to a label,
 * to Starred (\Flagged) or Important is +X-GM-LABELS, since MOVE's
 * expunge from All Mail would delete the message. Otherwise ch is left
 * as it is. -1 when LIST failed.
 */
int	change_gmail_move(struct ctx *, struct change *, struct change_labels *,
	    struct err *);

/* X-GM-LABELS's list as a "labels" list, decoded from modified UTF-7. */
void	change_emit_labels(struct emit *, struct sess *,
	    const struct imap_arg *);

/* A destination mailbox name: 0 when usable, else the exit status (64). */
int	change_check_name(struct ctx *, const char *);

/*
 * The Trash (UTF-8, to free), or NULL if none: the \Trash special-use
 * mailbox, else one named as servers name it (Trash, INBOX.Trash, Deleted
 * Items, Deleted Messages), else the account's "trash =" (an error when
 * it does not exist).
 */
int	change_find_trash(struct ctx *, char **name_r, struct err *);

#endif
