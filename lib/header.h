/* SPDX-License-Identifier: MIT */
/*
 * Splitting a message header into fields, one piece of input at a time:
 * each complete field is handed to a callback with its name and its value
 * unfolded (line breaks removed, leading and trailing white space
 * trimmed), in order. The header ends at the first empty line; what
 * follows is ignored. A line without a colon (an mbox "From " line, say)
 * is skipped. A field longer than HDR_FIELD_MAX bytes is cut there.
 */
#ifndef IMAPCTL_HEADER_H
#define IMAPCTL_HEADER_H

#include <stddef.h>

#include "buf.h"

#define HDR_FIELD_MAX	(1u << 20)

/* Return -1 to stop; hdr_split_feed then returns -1 too. */
typedef int (*hdr_field_fn)(void *ctx, const char *name, size_t nlen,
    const char *value, size_t vlen);

struct hdr_split {
	hdr_field_fn	 fn;
	void		*ctx;
	struct buf	 field;
	int		 bol;		/* at the start of a line */
	int		 done;		/* the empty line was seen */
	int		 cr;		/* a CR at the start of a line */
};

void	hdr_split_init(struct hdr_split *, hdr_field_fn, void *);
int	hdr_split_feed(struct hdr_split *, const char *, size_t);
int	hdr_split_finish(struct hdr_split *);
void	hdr_split_free(struct hdr_split *);

#endif
