/* SPDX-License-Identifier: MIT */
/*
 * Messages as an mboxrd stream, one piece at a time: each message starts
 * with a "From " line, line ends are written as LF (CR LF becomes LF), a
 * line that starts with any number of '>' followed by "From " gets one
 * more '>' (so a reader removes exactly one), and each message ends with
 * a line break and an empty line.
 */
#ifndef IMAPCTL_MBOX_H
#define IMAPCTL_MBOX_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

struct mboxrd {
	int		 bol;		/* at the start of a line */
	size_t		 gt;		/* '>' at the start of this line */
	size_t		 from;		/* bytes of "From " matched */
	int		 cr;		/* a CR waits: LF may follow */
	int		 last_nl;	/* the last byte written was LF */
};

/* "From MAILER-DAEMON Fri Mar  1 09:22:03 2024\n" (t in UTC; -1: epoch). */
int	mboxrd_begin(struct mboxrd *, time_t t, struct buf *out);
int	mboxrd_feed(struct mboxrd *, const char *, size_t, struct buf *out);
int	mboxrd_end(struct mboxrd *, struct buf *out);

#endif
