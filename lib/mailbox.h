/* SPDX-License-Identifier: MIT */
/*
 * Mailbox-level responses: LIST and STATUS parsed into plain structs.
 */
#ifndef IMAPCTL_MAILBOX_H
#define IMAPCTL_MAILBOX_H

#include <stdint.h>

#include "parser.h"

#define MST_MESSAGES	0x01
#define MST_UNSEEN	0x02
#define MST_RECENT	0x04
#define MST_UIDNEXT	0x08
#define MST_UIDVALIDITY	0x10
#define MST_SIZE	0x20
#define MST_HIGHESTMODSEQ 0x40

struct mbox_status {
	unsigned	have;		/* MST_* bits */
	uint32_t	messages, unseen, recent, uidnext, uidvalidity;
	uint64_t	size, highestmodseq;
};

/* "* LIST (attrs) delim name ..." */
struct mbox_list {
	const struct imap_arg	*attrs;		/* first attribute */
	const char		*delim;		/* NULL for NIL */
	const char		*name;		/* as sent (modified UTF-7) */
	size_t			 name_len;
};

int		 mbox_parse_list(const struct imap_resp *, struct mbox_list *);
int		 mbox_parse_status(const struct imap_resp *, const char **name_r,
		    size_t *len_r, struct mbox_status *);
const char	*mbox_special_use(const struct imap_arg *attrs);
int		 mbox_has_attr(const struct imap_arg *attrs, const char *);



#include "sess.h"

#define MBOX_WINDOW	32	/* STATUS commands in flight at once */
#define MBOX_NAME_MAX	65536	/* a mailbox name, encoded */

/*
 * STATUS for each of n mailboxes (UTF-8 names), pipelined. st[i] gets the
 * counts; errs[i] the server's refusal (kind ERR_NONE when it worked).
 * last: the session's last commands, LOGOUT sent with the last of them
 * (sess_send_logout). Returns -1 only when the session itself failed (in
 * the last argument): errs[] then still hold the refusals answered before,
 * the mailboxes left unanswered have none, and no st[] is to be shown.
 */
int	mbox_status_many(struct sess *, const char *const *names, size_t n,
	    const char *items, int last, struct mbox_status *st,
	    struct err *errs, struct err *);
#endif
