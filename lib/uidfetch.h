/* SPDX-License-Identifier: MIT */
/*
 * The commands of a fetch over a large UID set of a mailbox: chunks of
 * the set, each a UID FETCH of the caller's items (a UID STORE of \Seen
 * before it when asked), UIDFETCH_INFLIGHT chunks in flight on one
 * pipeline; and groups of commands whose refusal is told once, for
 * commands planned elsewhere (a UID SEARCH; the windows of lib/uidwin.h:
 * a window's BODYSTRUCTURE, then its parts). What a refused FETCH or
 * SEARCH asked for is kept (refused): not fetched, which is not "not
 * found".
 *
 * The responses go to the pipeline's scope, the caller's: records and
 * bodies are not made here. Before a mailbox's first command the engine
 * can queue its EXAMINE (uidfetch_examine), in the same write; until it
 * is answered, or when it was refused or the mailbox's UIDVALIDITY is not
 * the one expected, uidfetch_not_ours says that what comes is none of the
 * mailbox's, and no further chunk is sent.
 */
#ifndef IMAPCTL_UIDFETCH_H
#define IMAPCTL_UIDFETCH_H

#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "parser.h"
#include "sess.h"
#include "uidset.h"

#define UIDFETCH_INFLIGHT	4	/* chunks in flight */

struct uidfetch_group;

/* What the engine tells; each may be NULL. */
struct uidfetch_cb {
	/*
	 * The last command of a group ended: refusal is the first refusal
	 * among its commands (ERR_NONE: none; left out when the mailbox
	 * did not open, which failed said), text the UIDs it was given,
	 * answered 0 when the session failed first. -1 with e set fails
	 * the session.
	 */
	int	(*ended)(void *arg, const char *text,
		    const struct err *refusal, int answered, struct err *e);
	/* The mailbox's EXAMINE was refused, or it holds other messages. */
	void	(*failed)(void *arg, const struct err *);
	void	*arg;
};

struct uidfetch {
	struct sess		*s;
	const struct uidfetch_cb *cb;
	const char		*mailbox;	/* UTF-8, for messages */
	uint32_t		 uidvalidity;	/* the one expected */
	/* uidfetch_examine: the name as listed, until queued. */
	const char		*examine;
	int			 examining;	/* queued, not answered yet */
	int			 box_bad;	/* refused, other UIDVALIDITY */
	uint32_t		 examined_uv;
	struct uidset		 refused;
	enum err_kind		 refused_kind;	/* the first refusal's */
};

void	uidfetch_init(struct uidfetch *, struct sess *,
	    const struct uidfetch_cb *);
void	uidfetch_free(struct uidfetch *);
/* A mailbox begins: what was refused is forgotten. */
void	uidfetch_begin(struct uidfetch *, const char *mailbox,
	    uint32_t uidvalidity);

/*
 * EXAMINE wire (the name as LIST gave it) goes before the next command
 * sent through the engine, on its pipeline; its answer is checked
 * against the UIDVALIDITY given to uidfetch_begin.
 */
void	uidfetch_examine(struct uidfetch *, const char *wire);
/* r is none of the mailbox's business (see above); for the handlers. */
int	uidfetch_not_ours(struct uidfetch *, const struct imap_resp *r);
/* The mailbox did not open: nothing of it is fetched. */
int	uidfetch_box_bad(const struct uidfetch *);

/*
 * A group of commands for the UIDs text, told to cb->ended once its last
 * command has ended. uidfetch_send queues one of its commands on p (data:
 * a FETCH or SEARCH, whose refusal means its UIDs were not fetched; 0: a
 * STORE); 0 when in flight. uidfetch_idle after the last send: a group
 * none of whose commands went is freed, and told to nobody.
 */
struct uidfetch_group *uidfetch_group(struct uidfetch *, const char *text);
/*
 * The same for an engine that plans commands of its own (lib/uidwin.h):
 * after cb->ended, end(owner, kind, answered, e) is told too, answered 0
 * as well when cb->ended failed. -1 with e set fails the session.
 */
typedef int (*uidfetch_end_fn)(void *owner, int kind, int answered,
    struct err *);
struct uidfetch_group *uidfetch_group_for(struct uidfetch *,
	    const char *text, uidfetch_end_fn, void *owner, int kind);
int	uidfetch_send(struct uidfetch_group *, struct sess_pipe *, int data,
	    struct err *, const char *fmt, ...);
void	uidfetch_idle(struct uidfetch_group *);

/*
 * The chunks of set (UIDSET_CHUNK bytes of it each), or with set NULL
 * one set after the other from next (1 with a set in the buffer, 0 at
 * the end), each fetched with items as a group, with a UID STORE of
 * \Seen first when mark_seen, on p (whose limit should be
 * uidfetch_limit). Stops early when the mailbox did not open. -1 when
 * sending failed.
 */
typedef int (*uidfetch_next_fn)(void *, struct buf *);
int	uidfetch_chunks(struct uidfetch *, struct sess_pipe *,
	    const struct uidset *set, uidfetch_next_fn, void *,
	    const char *items, int mark_seen, struct err *);
unsigned uidfetch_limit(int mark_seen);

#endif
