/* SPDX-License-Identifier: MIT */
/*
 * The engine that carries a change (flags, a move, a delete) over a
 * large UID set of the selected mailbox: in chunks, several in progress
 * at once on one pipeline, each chunk going through its steps in order.
 * What was changed is told message by message through callbacks; what
 * was not, by the step each message had reached, in the result. The
 * caller owns the wording: records and reports are not made here.
 */
#ifndef IMAPCTL_UIDCHANGE_H
#define IMAPCTL_UIDCHANGE_H

#include <stdint.h>

#include "err.h"
#include "parser.h"
#include "sess.h"
#include "uidset.h"

#define CHANGE_WINDOW	8	/* chunks in progress at once */

enum change_kind {
	CHANGE_FLAG,		/* UID STORE; records: flags after */
	CHANGE_MOVE,		/* MOVE, or COPY + \Deleted + EXPUNGE */
	CHANGE_DELETE		/* \Deleted + EXPUNGE, or flag only */
};

struct change {
	enum change_kind	 kind;
	const char		*mailbox;	/* the selected one, UTF-8 */
	uint32_t		 uidvalidity;
	/* CHANGE_FLAG: the STORE item and the flag list. */
	const char		*store_item;	/* "+FLAGS", "-FLAGS", "FLAGS" */
	const char		*flags;		/* "\\Seen foo", may be "" */
	/*
	 * Gmail's labels in place of flags (store_item "+X-GM-LABELS" or
	 * "-X-GM-LABELS"): flag's records carry labels; a CHANGE_MOVE
	 * with labels is a move that Gmail does as a label change
	 * (archive: -X-GM-LABELS (\Inbox)), its records without dest_uid.
	 */
	const struct sess_piece	*labels;
	size_t			 nlabels;
	/* CHANGE_MOVE: where to, and how. */
	const char		*dest;		/* UTF-8 */
	int			 use_move;	/* MOVE offered */
	int			 create;	/* --create: CREATE on TRYCREATE */
	/* move's (NULL for delete's): 1 when --create made dest. */
	int			*created_r;
	/* CHANGE_DELETE */
	int			 flag_only;
	/* MOVE's fallback and DELETE: plain EXPUNGE (no UIDPLUS). */
	int			 expunge_all;
};

/* The steps a chunk goes through, in the order it may reach them. */
enum change_step {
	CHANGE_STEP_STORE,	/* flag: UID STORE set item (flags) */
	CHANGE_STEP_FETCH,	/* flag: UID FETCH set (UID FLAGS) */
	CHANGE_STEP_CREATE,	/* --create after TRYCREATE: CREATE dest */
	CHANGE_STEP_MOVE,	/* UID MOVE set dest */
	CHANGE_STEP_COPY,	/* UID COPY set dest */
	CHANGE_STEP_DELETE,	/* UID STORE src +FLAGS.SILENT (\Deleted) */
	CHANGE_STEP_EXPUNGE,	/* UID EXPUNGE src, or EXPUNGE */
	CHANGE_STEP_DONE
};

/* What the engine tells as it goes; each may be NULL. */
struct change_cb {
	/*
	 * A message moved or deleted; dest_uidvalidity and dest_uid are 0
	 * when the server did not say them.
	 */
	void	(*moved)(void *arg, uint32_t uid, uint32_t dest_uidvalidity,
		    uint32_t dest_uid);
	/* A message's flags (X-GM-LABELS with labels) as they are now. */
	void	(*flagged)(void *arg, uint32_t uid, const struct imap_arg *list);
	/* Before each chunk is started: -1 with e set to start no more. */
	int	(*more)(void *arg, struct err *e);
	/* n more messages are done. */
	void	(*progress)(void *arg, uint64_t n);
	void	*arg;
};

/* What a run did not do. */
struct change_result {
	struct err	 fail;		/* the first failure, or ERR_NONE */
	/* Not done, by step reached; [1]: sent but never answered. */
	struct uidset	 left[2][CHANGE_STEP_DONE];
	/* Found, then gone before their step reached them. */
	struct uidset	 gone;
	/*
	 * move: gone from the source while a refused MOVE ran, and neither
	 * found in the destination nor known to be gone from it.
	 */
	struct uidset	 unsure;
};

void	change_result_init(struct change_result *);
void	change_result_free(struct change_result *);

/*
 * Carry out ch over set (UIDs of the selected mailbox, no "*"), in
 * chunks, pipelined; cb is told each message changed as its chunk
 * completes. Returns 0 when all was done, else -1 with res->fail set and
 * what was not done in res->left. Either way res->gone names what
 * another session took first. After a signal (stop.h) no further step is
 * sent, and the failure says so.
 */
int	change_apply(struct sess *, const struct change *,
	    const struct uidset *set, const struct change_cb *,
	    struct change_result *res);

#endif
