/* SPDX-License-Identifier: MIT */
/*
 * The summary of a message (fetch --summary, and watch's new-message
 * events): fields from ENVELOPE, FLAGS, INTERNALDATE and RFC822.SIZE, in
 * the order the man page lists them.
 */
#ifndef IMAPCTL_SUMMARY_H
#define IMAPCTL_SUMMARY_H

#include <stdint.h>

#include "emit.h"
#include "parser.h"
#include "sess.h"

/* The FETCH items a summary needs; add " X-GM-LABELS" on Gmail. */
#define SUMMARY_ITEMS	"UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE"

struct summary {
	struct emit	*em;
	struct sess	*s;
	const char	*mailbox;
	uint32_t	 uidvalidity;
	int		 gmail;		/* X-GM-EXT-1: labels */
	/*
	 * mailbox, uidvalidity and uid first (watch's events, whose UID
	 * stands in the same column whatever the event), not uid first and
	 * the other two after in_reply_to (fetch).
	 */
	int		 ids_first;
};

/* The summary fields of one FETCH response's items, into the record. */
void	summary_emit(const struct summary *, uint32_t uid,
	    const struct imap_arg *items);
/* A header string as UTF-8 (8-bit text guessed), or null. */
void	emit_nstr_clean(struct emit *, const char *key, const char *);

#endif
