/* SPDX-License-Identifier: MIT */
/*
 * UID sets: sorted, merged ranges of message UIDs, as IMAP's sequence-set
 * syntax writes them ("1:100,205,300:*"). Large sets are sent as
 * compressed ranges, split so that no command line passes a limit.
 *
 * "*" stands for the largest UID in the mailbox; a set holding it is
 * resolved against the mailbox (uidset_resolve_star) before its size is
 * known.
 */
#ifndef IMAPCTL_UIDSET_H
#define IMAPCTL_UIDSET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"

#define UIDSET_STAR	UINT32_MAX	/* "*" before it is resolved */
#define UIDSET_CHUNK	4000		/* bytes of set in one command */
#define UIDSET_MAX_LINE	65536		/* one line of UIDs on stdin */

struct uid_range {
	uint32_t	lo, hi;		/* lo <= hi; hi may be UIDSET_STAR */
};

struct uidset {
	struct uid_range *r;
	size_t		 n, alloc;
};

/*
 * UIDs as a server lists them (SEARCH, ESEARCH, FETCH responses): in any
 * order, so they are collected as they come and sorted and merged once,
 * in O(n log n), where adding them to a set one by one in descending
 * order would move the whole set each time. A server must not make the
 * client grow without bound: more than UIDSET_SERVER_MAX ranges (16 MB
 * of them) in one list is a protocol error that says so.
 */
#define UIDSET_SERVER_MAX	2000000

struct uidlist {
	struct uid_range *r;
	size_t		 n, alloc;
};

void	uidlist_init(struct uidlist *);
void	uidlist_free(struct uidlist *);
/* Add lo:hi (either order); ERR_PROTOCOL past UIDSET_SERVER_MAX. */
int	uidlist_add(struct uidlist *, uint32_t lo, uint32_t hi, struct err *);
/* Sort, merge and add everything to out; the list is left empty. */
void	uidlist_into(struct uidlist *, struct uidset *out);

void	uidset_init(struct uidset *);
void	uidset_free(struct uidset *);
void	uidset_clear(struct uidset *);
/*
 * Add lo:hi (any order), merging with what is there: cheap at the end of
 * the set, O(n) elsewhere; many UIDs in another order go through a
 * uidlist.
 */
void	uidset_add(struct uidset *, uint32_t lo, uint32_t hi);
/*
 * Add "1:100,205,300:*"; ERR_USAGE naming the bad part, and then the set
 * is left as it was.
 */
int	uidset_parse(struct uidset *, const char *, struct err *);
int	uidset_has_star(const struct uidset *);
/*
 * Replace "*" by max (the mailbox's largest UID, or 0 if empty, where a
 * range with "*" names nothing).
 */
void	uidset_resolve_star(struct uidset *, uint32_t max);
/*
 * IMAP reads "n:*" as "max:n" when max, the largest UID, is below n, so
 * it would name the last message, which lies outside the range the user
 * wrote. This bounds such a range as n:UIDSET_STAR-1, which the server
 * reads as written: the UIDs from n on, or none. A bare "*" (the last
 * message) and "1:*" are left as they are.
 */
void	uidset_bound_star(struct uidset *);
/* How many UIDs the set names ("*" unresolved counts up to UIDSET_STAR). */
uint64_t uidset_count(const struct uidset *);
int	uidset_contains(const struct uidset *, uint32_t);
/* Add every range of from to to, in O(n + m). */
void	uidset_merge(struct uidset *to, const struct uidset *from);
/* Add to out the UIDs in both a and b ("*" taken as UIDSET_STAR). */
void	uidset_intersect(const struct uidset *, const struct uidset *,
	    struct uidset *out);
/* Add to out the UIDs of a that are not in b ("*" taken as UIDSET_STAR). */
void	uidset_subtract(const struct uidset *a, const struct uidset *b,
	    struct uidset *out);
/* The whole set in IMAP syntax, appended to b. */
int	uidset_format(const struct uidset *, struct buf *);
/*
 * The set in pieces of at most UIDSET_CHUNK bytes each: call with
 * *pos = 0, then again while it returns 1; b receives each piece.
 */
int	uidset_next_chunk(const struct uidset *, size_t *pos, struct buf *);
/*
 * Add the UIDs of a stream: one a line, a bare UID, a text record
 * (mailbox TAB uidvalidity TAB uid, then any fields, the mailbox escaped
 * as the text format writes it) or a JSON record with "uid" (and
 * "mailbox" and "uidvalidity"); a record's mailbox and UIDVALIDITY must
 * match mailbox and uidvalidity. The lines of a JSON array as "-o json"
 * prints it work too; white space and empty lines are skipped, and empty
 * input adds nothing. Lines are at most UIDSET_MAX_LINE bytes. ERR_DATA names the
 * first bad line, and then nothing is added.
 */
int	uidset_read(FILE *, const char *mailbox, uint32_t uidvalidity,
	    struct uidset *, struct err *);

/* One line of such a stream. */
struct uid_record {
	size_t		 lineno;
	const char	*mailbox;	/* UTF-8; NULL: a bare UID, or none */
	int		 have_uidvalidity;
	uint64_t	 uidvalidity;	/* as written: may be out of range */
	uint32_t	 uid;
};

/*
 * The lines of a stream as uidset_read reads them, each record (a bare
 * UID, a text or a JSON record) given to fn, which returns 0, or -1 with
 * the error set to stop. Returns 0, or -1: ERR_DATA naming the first
 * line that is no record, or fn's error.
 */
typedef int (*uid_record_fn)(void *, const struct uid_record *,
    struct err *);
int	uidset_read_records(FILE *, uid_record_fn, void *, struct err *);

#endif
