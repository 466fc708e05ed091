/* SPDX-License-Identifier: MIT */
/*
 * The windows of a fetch whose parts depend on each message's structure
 * (fetch --text, --attachments): the UIDs found are cut into windows of
 * UIDWIN_SIZE messages, UIDWIN_INFLIGHT windows in flight on one
 * pipeline. Each window asks for its messages' BODYSTRUCTURE; as each
 * structure comes, the caller's plan callback says which parts of that
 * message to fetch (uidwin_want); once the window's structures are in,
 * its parts are asked for (a UID STORE of \Seen first when asked), and
 * when its last command has ended the window goes.
 *
 * The commands are groups of lib/uidfetch.h: their refusals are told to
 * the caller through its uidfetch_cb, and what a refused FETCH asked for
 * is kept there. The responses other than the structures asked for go to
 * the caller's handlers (the scope given to uidwin_run), which turn them
 * into records and files: nothing of that is made here. The windows'
 * memory is the runner's: a part's data (uidwin_want) is handed back to
 * cb->release when its window goes, on every path, and nothing else
 * outlives the window.
 */
#ifndef IMAPCTL_UIDWIN_H
#define IMAPCTL_UIDWIN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "parser.h"
#include "sess.h"
#include "uidfetch.h"
#include "uidset.h"

#define UIDWIN_SIZE	100	/* messages of a window */
#define UIDWIN_INFLIGHT	4	/* windows in flight */
#define UIDWIN_SET_MAX	(1u << 16)	/* a window's UID set, as text */
#define UIDWIN_ITEMS_MAX (1u << 20)	/* the items of one UID FETCH */

struct uidwin;
struct uidwin_msg;		/* a message of a window, for plan */

/* How the parts are asked for. */
struct uidwin_opts {
	/* Items every command for parts carries first: "UID" at least. */
	const char	*items;
	/* After each part's BODY.PEEK[section]: "" or a partial "<0.n>". */
	const char	*partial;
	/*
	 * 1: every message of the window is fetched, runs of messages
	 * (in UID order) that want the same parts in one command, those
	 * that want none with the items alone. 0: one command a message
	 * that wants parts, none for the others.
	 */
	int		 every;
	int		 mark_seen;	/* UID STORE +FLAGS.SILENT (\Seen) */
};

/* What the runner tells; each may be NULL. */
struct uidwin_cb {
	/*
	 * Message uid's structure bs came (once a message): which parts
	 * to fetch, by uidwin_want. None: see opts.every.
	 */
	void	(*plan)(void *arg, struct uidwin_msg *, uint32_t uid,
		    const struct imap_arg *bs);
	/* A part's data, when its window goes. */
	void	(*release)(void *arg, void *data);
	/*
	 * A window's last command ended: its n messages are done with,
	 * answered 0 when the session failed first.
	 */
	void	(*done)(void *arg, size_t n, int answered);
	void	*arg;
};

struct uidwin	*uidwin_new(struct uidfetch *, const struct uidwin_opts *,
		    const struct uidwin_cb *);
void		 uidwin_free(struct uidwin *);

/*
 * In plan: fetch part section (as BODY[section] names it) of the message,
 * data being the caller's (handed to cb->release in the end).
 */
void	uidwin_want(struct uidwin_msg *, const char *section, void *data);

/*
 * For the caller's handlers, while the windows run: whether uid is a
 * message of a window in flight, and the data of its part sec[0..len)
 * (NULL: not a part it wants, or no such message).
 */
int	uidwin_holds(const struct uidwin *, uint32_t uid);
void	*uidwin_part(const struct uidwin *, uint32_t uid, const char *sec,
	    size_t len);

/*
 * The windows of found (UIDs that exist, no "*"), on a pipeline of their
 * own whose responses go to sc's untagged handler and sink chooser
 * (sc->cont is not used) unless they are the structures asked for. The
 * pipeline ends, and every window with it, before this returns. -1 with
 * e set when the session failed (or sending did).
 */
int	uidwin_run(struct uidwin *, const struct uidset *found,
	    const struct sess_scope *sc, struct err *e);

#endif
