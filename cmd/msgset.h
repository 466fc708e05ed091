/*
 * Naming messages, shared by every command that takes a MAILBOX and a SET
 * (product contract section 5): a UID set or "all"; "-" for UIDs on
 * standard input, one a line, bare or as the JSON records search and fetch
 * print (a record from another mailbox or UIDVALIDITY epoch stops the
 * command before it changes anything); --uidvalidity N as the same guard
 * given by hand. The mailbox must be selected.
 */
#ifndef IMAPCTL_MSGSET_H
#define IMAPCTL_MSGSET_H

#include "cmd.h"
#include "uidset.h"

/* The option every such command declares in its table. */
#define MSGSET_OPT_UIDVALIDITY \
	{ "uidvalidity", 0, "N", "refuse unless the mailbox's UIDVALIDITY " \
	    "is N", 0 }

/*
 * Fill set from the SET operand. Returns 0, or the exit status after
 * printing the error (usage 64, data 65).
 */
int	msgset_resolve(struct ctx *, const char *mailbox, const char *arg,
	    struct uidset *set);

#define MSGSET_WINDOW	8	/* searches in flight at once */

/*
 * The UIDs of set that name messages in the mailbox, added to out: UID
 * SEARCH UID in command-sized chunks, pipelined, with ESEARCH's compact
 * answer when offered ("*" is resolved by the server). Returns 0, or the
 * exit status after printing the error.
 */
int	msgset_existing(struct ctx *, const struct uidset *set,
	    struct uidset *out);

#endif
