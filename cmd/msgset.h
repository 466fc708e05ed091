/* SPDX-License-Identifier: MIT */
/*
 * Naming messages, shared by every command that takes a MAILBOX and a SET
 * (product contract section 5): a UID set or "all"; "-" for UIDs on
 * standard input, one a line, bare or as the JSON records search and fetch
 * print (a record from another mailbox or UIDVALIDITY epoch stops the
 * command before it changes anything); --query QUERY instead of the SET
 * operand, searched in the same session; --uidvalidity N as the guard
 * given by hand. The mailbox must be selected.
 *
 * A command "NAME MAILBOX SET [REST...]" declares MSGSET_OPTS in its option
 * table and min_args without SET (with --query there is none), then:
 *
 *	const char *set_arg;
 *	int rest = msgset_operand(ctx, argc, argv, 1, NREST, &set_arg);
 *	if (rest < 0)
 *		return ERR_USAGE;
 *	if ((rc = msgset_resolve(ctx, argv[0], set_arg, &set)) != 0)
 *		return rc;
 *	... argv[rest] is the first operand after SET ...
 *
 * The set from a UID set, "all" or "-" may name messages that do not exist
 * (and may hold "*"); msgset_existing gives the ones that do, for --max and
 * --dry-run. The set from --query holds only messages that exist.
 */
#ifndef IMAPCTL_MSGSET_H
#define IMAPCTL_MSGSET_H

#include "cmd.h"
#include "search.h"
#include "uidset.h"

/* The options every such command declares in its table. */
#define MSGSET_OPT_QUERY \
	OPT_STRING(0, "query", &common_opts.query, "QUERY", "name the " \
	    "messages by a search query (see search) instead of SET")
#define MSGSET_OPT_UIDVALIDITY \
	OPT_UINT(0, "uidvalidity", &common_opts.uidvalidity, 0, 1, \
	    UINT32_MAX, "N", "refuse unless the mailbox's UIDVALIDITY is N")
#define MSGSET_OPTS	MSGSET_OPT_QUERY, MSGSET_OPT_UIDVALIDITY

/* Whether --query names the messages: then there is no SET operand. */
int	msgset_by_query(const struct ctx *);

/*
 * Where the SET operand is: argv[idx], unless --query was given; after it
 * come exactly nrest operands. Sets *set_r (NULL with --query) and returns
 * the index of the first operand after SET, or -1 with a usage error
 * (cmd_usage).
 */
int	msgset_operand(struct ctx *, int argc, char **argv, int idx,
	    int nrest, const char **set_r);

/*
 * Before anything is read or connected: msgset_operand, then the syntax of
 * the SET operand or the terms of --query.
 * Returns 0, or the exit status (a usage error is left for main).
 */
int	msgset_check(struct ctx *, int argc, char **argv, int idx, int nrest);

/* A query's terms (and --raw keys, or NULL), compiled to be checked. */
int	msgset_check_query(struct ctx *, const char *const *terms, size_t n,
	    int split, const char *raw);

/*
 * Fill set from the SET operand (arg; NULL with --query). Returns 0, or
 * the exit status after printing the error (usage 64, data 65, or what the
 * search failed with).
 */
int	msgset_resolve(struct ctx *, const char *mailbox, const char *arg,
	    struct uidset *set);

/* The UIDs of set that name messages in the mailbox, added to out. */
int	msgset_existing(struct ctx *, const struct uidset *set,
	    struct uidset *out);

/*
 * The UIDs the SET operand names one by one, added to out: every UID of
 * "-" (named is what msgset_resolve gave), each bare number of a SET
 * ("5" of "1:4,5,9:*"); not a range, "all" or a query, which name
 * whatever exists. A message such a UID names must be there: those that
 * are not are reported by msgset_not_found.
 */
void	msgset_singles(const struct ctx *, const char *arg,
	    const struct uidset *named, struct uidset *out);

/*
 * Of singles, those not in found, named on standard error as
 * "not found in 'MAILBOX': N messages, UIDs ...". With fail, the exit
 * status becomes 69 (the messages asked for are not there); without, it
 * is left as it was (delete: a message that is gone is what was asked).
 * Returns how many were not found.
 */
uint64_t msgset_not_found(struct ctx *, const char *mailbox,
	    const struct uidset *singles, const struct uidset *found,
	    int fail);

/*
 * set, unless empty, named on standard error as "WHAT PREP 'MAILBOX'WHY:
 * N messages, UIDs ..." (the set cut when long; the mailbox left out
 * where the errors already begin with it), failing with kind.
 */
void	msgset_name_uids(struct ctx *, enum err_kind kind, const char *what,
	    const char *prep, const char *mailbox, const char *why,
	    const struct uidset *set);

/*
 * The --uidvalidity guard alone, where the table declares it: nothing
 * to do before the session exists (the parser read the number).
 */
int	msgset_check_uidvalidity(struct ctx *, const char *mailbox);

/*
 * Compile a query for the selected mailbox (terms split on spaces with
 * split, else one term a string) and read the UIDs of uid:- from standard
 * input. Returns 0 or the exit status after printing the error.
 */
int	msgset_compile(struct ctx *, const char *mailbox,
	    const char *const *terms, size_t n, int split,
	    struct search_query **q_r);

#endif
