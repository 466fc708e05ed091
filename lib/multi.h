/* SPDX-License-Identifier: MIT */
/*
 * Many mailboxes in one session: the mailboxes that LIST patterns name,
 * and a query searched in each of them, pipelined across them.
 *
 * EXAMINE of a mailbox and the UID SEARCH that follows it are sent back
 * to back, and the pairs of the next mailboxes behind them, up to
 * MULTI_WINDOW commands in flight: each search applies to the mailbox
 * examined just before it (the server carries out a client's commands in
 * order), so the whole account takes a few round trips, not two a
 * mailbox. A mailbox that cannot be examined (gone since LIST, no
 * access) is marked with the server's refusal; the others go on.
 *
 * These send EXAMINE on their own pipeline: whatever was selected, the
 * session has no mailbox selected when they return (sess_selected is
 * NULL), and the caller selects with sess_select before anything else it
 * does in a mailbox.
 */
#ifndef IMAPCTL_MULTI_H
#define IMAPCTL_MULTI_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "search.h"
#include "sess.h"
#include "uidset.h"

#define MULTI_WINDOW		128	/* commands in flight at once */
#define MULTI_MAX_MAILBOXES	100000	/* mailboxes LIST may name */

struct multi_box;

/* A command of the run in flight: which mailbox, which step. */
struct multi_cmd {
	struct multi_box	*box;
	int			 kind;
};

struct multi_box {
	char		*name;		/* UTF-8, for records */
	char		*wire;		/* as the server listed it */
	char		 delim;		/* hierarchy separator, 0 for NIL */
	uint32_t	 uidvalidity;
	uint32_t	 exists;
	int		 exists_bad;	/* its EXAMINE's EXISTS was no count */
	int		 examined;	/* EXAMINE answered OK */
	struct err	 err;		/* why not (ERR_NONE: it went) */
	struct uidset	 found;		/* the matches, without count */
	uint64_t	 count;		/* how many match */
	/* While the run goes. */
	struct search_found run;	/* the answers as they come */
	uint32_t	 searched_uv;
	struct multi_cmd c_examine, c_search, c_fetch;
};

/* A LIST pattern of the run: how many mailboxes it named. */
struct multi_pattern {
	const char	*pattern;	/* the caller's */
	size_t		 listed;	/* every one LIST named */
	size_t		 selectable;	/* those not \Noselect */
	struct sess_reply reply;	/* its LIST's answer */
};

/* One match's sort key (--sort date or size), across mailboxes. */
struct multi_key {
	uint32_t	 box;		/* index in the run's mailboxes */
	uint32_t	 uid;
	int64_t		 key;
};

struct multi {
	struct multi_box *v;
	size_t		 n, alloc;
	/* multi_list: each pattern, in the order given. */
	struct multi_pattern *patterns;
	size_t		 npatterns;
	/* multi_keys: every match's key. */
	struct multi_key *keys;
	size_t		 nkeys, keys_alloc;
	const char	*item;		/* "INTERNALDATE" or "RFC822.SIZE" */
	int		 keyed;		/* keys has every match's key */
	int		 saving;	/* while SEARCHRES gives the keys */
	struct sess_pipe *p;
};

void	multi_init(struct multi *);
void	multi_free(struct multi *);

/*
 * The mailboxes the LIST patterns name, each once, in byte order of
 * their UTF-8 names; those LIST calls \Noselect or \NonExistent left
 * out; m->patterns says how many each pattern named (a typo names none).
 * -1 when LIST failed (e says why).
 */
int	multi_list(struct sess *, const char *const *patterns, size_t n,
	    struct multi *, struct err *);

/*
 * Search q in every mailbox of m: each box's found (or, with count, only
 * its count), uidvalidity, and err when it could not be examined or
 * searched. keys: NULL, or the item multi_keys is to fetch, which comes
 * in the same pass where the server offers SEARCHRES (then m->keyed is
 * set). last: nothing follows, LOGOUT goes with the last commands
 * (sess_send_logout). -1 only when the session failed.
 */
int	multi_search(struct sess *, struct multi *,
	    const struct search_query *, int count, const char *keys,
	    int last, struct err *);

/*
 * The key of every match (item "INTERNALDATE" or "RFC822.SIZE") into
 * m->keys, mailboxes examined again and fetched pipelined as above
 * (nothing to do when multi_search brought them). A
 * mailbox whose UIDVALIDITY changed meanwhile, or that went, gets err
 * and no keys. -1 only when the session failed.
 */
int	multi_keys(struct sess *, struct multi *, const char *item,
	    struct err *);

#endif
