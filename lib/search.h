/* SPDX-License-Identifier: MIT */
/*
 * The search language of the product contract (section 6) compiled to
 * IMAP SEARCH keys, and searches run on a session.
 *
 * A query is a list of terms, ANDed; "or", "not" and parentheses combine
 * them ("not" binds tightest, then the implicit "and", then "or"). Terms:
 *
 *   from:TEXT to: cc: bcc: subject: body: text:   FROM, TO, ... TEXT
 *   header:NAME:VALUE                             HEADER NAME VALUE
 *   since:DATE before:DATE on:DATE (YYYY-MM-DD)   SINCE, BEFORE, ON
 *   older:DURATION newer:DURATION (N s min h d w mo y) WITHIN's OLDER, YOUNGER
 *   larger:SIZE smaller:SIZE (N, Nk, NM, NG)      LARGER, SMALLER
 *   seen unseen flagged unflagged answered unanswered deleted undeleted
 *   draft all                                     the flag keys, ALL
 *   keyword:K                                     KEYWORD K
 *   uid:SET (a UID set, "all", or "-": stdin)     UID SET
 *   gmail:RAW (X-GM-EXT-1 only)                   X-GM-RAW RAW
 *
 * Strings are sent through the session's formatter, as quoted strings or
 * literals, with CHARSET UTF-8 when any is not ASCII.
 *
 * Without WITHIN, older:/newer: are exact all the same: the server answers
 * at day granularity in a time zone of its own, so messages of the three
 * days around each cutoff have their INTERNALDATE fetched (pipelined, in
 * chunks) and the query is decided for them by the client; the other
 * messages are decided by the server with whole days.
 */
#ifndef IMAPCTL_SEARCH_H
#define IMAPCTL_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "sess.h"
#include "uidset.h"

#define SEARCH_MAX_TOKENS	1000	/* terms and operators in a query */
#define SEARCH_MAX_DEPTH	32	/* nested parentheses and "not" */
#define SEARCH_MAX_REL		8	/* older:/newer: terms in a query */
#define SEARCH_MAX_VALUE	131072	/* bytes of one term, as Linux argv */
#define SEARCH_WINDOW		16	/* commands in flight at once */

/* What the server offers that changes what a query compiles to. */
#define SEARCH_CAP_WITHIN	0x1	/* RFC 5032 OLDER, YOUNGER */
#define SEARCH_CAP_GMAIL	0x2	/* X-GM-EXT-1: gmail: */

struct search_query;

/*
 * Compile a query. With split, each string holds terms separated by
 * spaces (double quotes group a value with spaces, backslash escapes a
 * quote in them); without, each string is one term, as the shell split
 * them. Parentheses may stand alone or stick to a term's ends. now is
 * the time older:/newer: count back from. ERR_USAGE names the bad term.
 */
/*
 * The words a query is made of, for completion: each term as it starts
 * ("from:", "unseen"), then "or" and "not". NULL past the last.
 */
const char *search_term_word(size_t i);
/* The i-th term's form (from:TEXT) and meaning; -1 past the last. */
int search_term_help(size_t i, const char **usage_r, const char **help_r);

int	search_compile(const char *const *terms, size_t n, int split,
	    unsigned caps, time_t now, struct search_query **q_r,
	    struct err *);
void	search_free(struct search_query *);

/*
 * IMAP search keys given as they are (--raw), ANDed with the query: no
 * CR, LF, NUL or 8-bit byte, and no literal.
 */
int	search_add_raw(struct search_query *, const char *keys, struct err *);

/* uid:- in the query: the UIDs read from standard input go here. */
int	search_wants_stdin(const struct search_query *);
void	search_set_stdin(struct search_query *, const struct uidset *);

/*
 * The search program (CHARSET and keys) as text, strings shown quoted:
 * for tests and messages. form: SEARCH_FORM_EXACT is what is sent when
 * the client need not decide (WITHIN offered, or no older:/newer:);
 * SEARCH_FORM_OUTSIDE the messages away from the cutoff days;
 * SEARCH_FORM_VALUES the query for messages whose older:/newer: terms
 * have the values of the bits of vals (bit i: the i-th such term);
 * SEARCH_FORM_BOUNDARY the messages of the cutoff days. Writes "" when
 * the query can match nothing, and "ALL" when it matches everything.
 */
enum search_form {
	SEARCH_FORM_EXACT,
	SEARCH_FORM_OUTSIDE,
	SEARCH_FORM_VALUES,
	SEARCH_FORM_BOUNDARY
};

int	search_text(const struct search_query *, enum search_form,
	    uint32_t vals, struct buf *, struct err *);

/* Running: the mailbox must be selected. */

/* Every UID the query matches, added to out. */
int	search_run(struct sess *, const struct search_query *,
	    struct uidset *out, struct err *);
/* How many messages the query matches (ESEARCH COUNT when offered). */
int	search_count(struct sess *, const struct search_query *,
	    uint64_t *n_r, struct err *);
/*
 * The count as one command among others the caller pipelines: "UID
 * SEARCH RETURN (COUNT) ..." sent on p with done and ctx, whose
 * "* ESEARCH (TAG ...) COUNT n" the caller reads (sess_pipe_tagged).
 * Returns 1 when queued; 2 when the query matches nothing whatever the
 * mailbox holds (nothing sent: the count is 0); 0 when one command cannot
 * answer it (no ESEARCH, older:/newer: without WITHIN, a long uid: set):
 * then search_count; -1 on error.
 */
int	search_queue_count(struct sess_pipe *, sess_done_fn, void *,
	    const struct search_query *, struct err *);

/*
 * The search as one command among others the caller pipelines, as
 * search_queue_count: "UID SEARCH RETURN (ret) ..." with ret such as
 * "ALL", "COUNT" or "SAVE" (SEARCHRES: the caller asks only where it is
 * offered) when the server offers ESEARCH; else, or with ret NULL, a
 * plain "UID SEARCH ...", whose "* SEARCH" answers the oldest command in
 * flight. Same returns: 1 queued, 2 nothing can match, 0 not one command
 * (then search_run), -1 error.
 */
int	search_queue(struct sess_pipe *, sess_done_fn, void *,
	    const struct search_query *, const char *ret, struct err *);

enum search_sort {
	SEARCH_SORT_DATE,		/* INTERNALDATE (SORT ARRIVAL) */
	SEARCH_SORT_SIZE,		/* RFC822.SIZE (SORT SIZE) */
	SEARCH_SORT_SUBJECT,		/* SORT SUBJECT: the server's only */
	SEARCH_SORT_FROM		/* SORT FROM: the server's only */
};

/* Called for each UID in order; returning -1 stops, with the error. */
typedef int (*search_uid_fn)(void *ctx, uint32_t uid, struct err *);

/*
 * The matching UIDs in order of key (descending with reverse; equal keys
 * by UID), at most limit of them (0: all), each handed to fn: by the
 * server's SORT when offered, otherwise by fetching the key of every
 * match in chunks and sorting here. Subject and from (RFC 5256's base
 * subject and first address) only the server sorts: ERR_UNAVAILABLE
 * without SORT, or when the matches are too many for one SORT command.
 */
int	search_sorted(struct sess *, const struct search_query *,
	    enum search_sort, int reverse, uint64_t limit, search_uid_fn,
	    void *, struct err *);

/*
 * "* N FETCH (UID u NAME v ...)": u and v of r. 1 with both; 0 without
 * (flag changes of other sessions come without the item); -1 (e) when the
 * response is malformed.
 */
int	search_fetch_item(const struct imap_resp *r, const char *name,
	    uint32_t *uid_r, const struct imap_arg **item_r, struct err *);

/* The UIDs of in that name messages in the mailbox, added to out. */
int	search_existing(struct sess *, const struct uidset *in,
	    struct uidset *out, struct err *);

/*
 * Reading the answers of searches, the one place that walks them:
 *
 *   * SEARCH 4 9 12 (MODSEQ 917)                      RFC 3501, RFC 7162
 *   * SORT 12 4 9                                     RFC 5256
 *   * ESEARCH (TAG "A5") UID ALL 4,9:12 COUNT 3 MIN 4 MAX 12
 *                                                     RFC 4731, RFC 5267
 *
 * A UID is 1 to 4294967295; ALL is a set of UIDs and ranges ("*" is
 * not one); COUNT a number; MIN and MAX UIDs. MODSEQ, a correlator
 * that is not a TAG, and the return data of other extensions are
 * skipped. Whatever else is malformed is the server's fault
 * (ERR_PROTOCOL), worded here: "server sent a bad SEARCH result", "...
 * bad ESEARCH result", "... bad ESEARCH count" and so on.
 */
enum search_answer {
	SEARCH_ANSWER_NONE,		/* not the answer of a search */
	SEARCH_ANSWER_SEARCH,
	SEARCH_ANSWER_SORT,
	SEARCH_ANSWER_ESEARCH		/* of UID SEARCH or UID SORT */
};

/*
 * Which answer r is; for ESEARCH, the string of its "(TAG ...)" in
 * *tag_r, *len_r (NULL, 0 without). tag_r may be NULL.
 */
enum search_answer search_answer(const struct imap_resp *r,
	    const char **tag_r, size_t *len_r);

/* What an ESEARCH names besides the UIDs of ALL. */
enum search_value {
	SEARCH_VALUE_COUNT,		/* how many match */
	SEARCH_VALUE_MIN,		/* the lowest UID that matches */
	SEARCH_VALUE_MAX		/* the highest */
};

/*
 * What search_walk tells, to ctx; a callback returning -1 stops the walk
 * with its error. NULL callbacks: the data is checked all the same.
 */
struct search_walker {
	/*
	 * Each UID of SEARCH and SORT (first == last), and each UID or
	 * range of ESEARCH's ALL, in the order the server wrote them: an
	 * ESORT's "5:3" has first > last.
	 */
	int	(*uids)(void *ctx, uint32_t first, uint32_t last,
		    struct err *);
	int	(*value)(void *ctx, enum search_value, uint64_t v,
		    struct err *);
	void	*ctx;
	int	 sort;		/* ESEARCH answers UID SORT: ESORT */
};

/*
 * Walk r if it is the answer of a search (nothing to do otherwise): 0,
 * or -1 when it is malformed or a callback stopped it.
 */
int	search_walk(const struct imap_resp *r, const struct search_walker *,
	    struct err *);

/*
 * The UIDs of a SEARCH or ESEARCH answer (ALL) added to list, or only
 * checked with list NULL: 1 when r is one, 0 when not (SORT neither),
 * -1 when it is malformed.
 */
int	search_take_uids(const struct imap_resp *r, struct uidlist *list,
	    struct err *);

/*
 * The matches that SEARCH and ESEARCH answers name, gathered as they
 * come. A mailbox cannot match more messages than it holds: past bound
 * the answers lie ("server named more messages than the mailbox holds",
 * or mailbox 'name' when set).
 */
struct search_found {
	struct uidlist	 list;		/* the UIDs, in any order */
	uint64_t	 count;		/* COUNT; the UIDs too once ended */
	uint64_t	 seen;		/* UIDs named, for the bound */
	uint32_t	 exists;	/* the mailbox's messages: the bound */
	int		 counting;	/* count only: the UIDs are not kept */
	const char	*mailbox;	/* for the error, or NULL */
};

/*
 * exists: the messages the mailbox holds (some slack is left for those
 * that arrive meanwhile); the caller may raise it as EXISTS come.
 */
void	search_found_init(struct search_found *, uint32_t exists,
	    int counting);
void	search_found_free(struct search_found *);
/*
 * n more UIDs named (a FETCH of the matches, say): -1 past the bound.
 */
int	search_found_more(struct search_found *, uint64_t n, struct err *);
/* r, when it is a SEARCH or ESEARCH answer: 0, or -1 (e). */
int	search_found_take(struct search_found *, const struct imap_resp *r,
	    struct err *);
/*
 * The answers are all in: the UIDs, each once however often they were
 * named, added to count and (unless counting or out is NULL) to out.
 */
void	search_found_end(struct search_found *, struct uidset *out);

#endif
