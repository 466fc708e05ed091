/* SPDX-License-Identifier: MIT */
/*
 * Pieces of FETCH responses: the items of "* N FETCH (...)" and the
 * ENVELOPE structure, its addresses decoded to UTF-8.
 */
#ifndef IMAPCTL_MSG_H
#define IMAPCTL_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "parser.h"

/* "* N FETCH (items)": returns 1 with the first item, else 0. */
int	msg_fetch_items(const struct imap_resp *, uint32_t *seq_r,
	    const struct imap_arg **items_r);
/* The value after item NAME (case-insensitive), or NULL. */
const struct imap_arg *msg_item(const struct imap_arg *items,
	    const char *name);
/* The value after the last item whose name starts with prefix. */
const struct imap_arg *msg_item_prefix(const struct imap_arg *items,
	    const char *prefix, const char **name_r);
int	msg_uid(const struct imap_arg *items, uint32_t *uid_r);

struct envelope {
	const char		*date;		/* raw, NULL if NIL */
	size_t			 date_len;
	const char		*subject;	/* raw */
	size_t			 subject_len;
	const struct imap_arg	*from, *sender, *reply_to, *to, *cc, *bcc;
	const char		*in_reply_to, *message_id;
};

/* 0, or -1 when env is not an ENVELOPE. */
int	msg_envelope(const struct imap_arg *env, struct envelope *);

/*
 * The next address of an address list: *it starts at the list's first
 * item and is advanced. Group syntax (RFC 3501's (NIL NIL "name" NIL) ...
 * (NIL NIL NIL NIL)) is handled: the members are listed as ordinary
 * addresses, the group's own name is not. name gets the display name
 * decoded (empty if none; *has_name_r says), addr "mailbox@host", or
 * "mailbox" where the host is NIL and no group ends, or "" where the
 * mailbox is NIL or empty (a bare name). Returns 1 for an address, 0 at
 * the end.
 */
int	msg_addr_next(const struct imap_arg **it, struct buf *name,
	    int *has_name_r, struct buf *addr);

#endif
