/* SPDX-License-Identifier: MIT */
/*
 * Messages as an mboxrd stream, one piece at a time, and back.
 *
 * Writing: each message starts with a "From " line carrying its internal
 * date, then the flags as mutt writes them (Status: R for \Seen and O,
 * X-Status: A F T D for \Answered \Flagged \Draft \Deleted, X-Keywords:
 * the keywords), then the message: line ends are written as LF (CR LF
 * becomes LF), a line that starts with any number of '>' followed by
 * "From " gets one more '>' (so a reader removes exactly one), and each
 * message ends with a line break and an empty line.
 *
 * Reading: the inverse, for any mboxrd or mboxo file (an mboxo file is
 * read as mboxrd, as mutt does). A message starts at a "From " line at the
 * start of the input or after an empty line; the empty line before it
 * ends the previous message and is not part of it. One '>' is removed
 * from a line of '>'s followed by "From ". The Status, X-Status and
 * X-Keywords fields of the header are the mailbox's, not the message's:
 * they give the flags and are removed. When they come first, right after
 * the From line (as the writer puts them), only those do: such fields
 * further down are the message's own and are kept, so that a message
 * that carried them comes back whole. Line ends become CR LF, as APPEND
 * wants them. Each message is spooled to a temporary file, so that its
 * size is known before it is sent and memory stays flat whatever the
 * size of the mbox.
 */
#ifndef IMAPCTL_MBOX_H
#define IMAPCTL_MBOX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "buf.h"
#include "crlf.h"
#include "err.h"

struct mboxrd {
	int		 bol;		/* at the start of a line */
	size_t		 gt;		/* '>' at the start of this line */
	size_t		 from;		/* bytes of "From " matched */
	struct lfonly	 lf;		/* CR LF to LF */
	int		 last_nl;	/* the last byte written was LF */
};

/*
 * "From MAILER-DAEMON Fri Mar  1 09:22:03 2024\n" (t in UTC; -1: epoch),
 * then, when flags is not NULL, the Status, X-Status and X-Keywords lines
 * of the IMAP flags in flags (separated by spaces, as "\Seen $Junk").
 */
int	mboxrd_begin(struct mboxrd *, time_t t, const char *flags,
	    struct buf *out);
int	mboxrd_feed(struct mboxrd *, const char *, size_t, struct buf *out);
int	mboxrd_end(struct mboxrd *, struct buf *out);

/* Reading. */
#define MBOX_LINE_MAX	(1u << 20)	/* longer lines come in pieces */
#define MBOX_KEYWORDS_MAX 4096		/* bytes of X-Keywords kept */

struct mbox_msg {
	time_t		 date;		/* the From line's, UTC; -1 if none */
	struct buf	 flags;		/* IMAP flags: "\Seen \Flagged kw" */
	FILE		*fp;		/* the message, CR LF, rewound */
	uint64_t	 size;		/* bytes in fp */
	uint64_t	 line;		/* its From line's number in the input */
	int		 nul;		/* it holds a NUL byte */
};

struct mbox_reader;

struct mbox_reader *mbox_reader_new(FILE *in, const char *name);
void	mbox_reader_free(struct mbox_reader *);
/*
 * The next message: 1 with *m filled (its buffers and file belong to the
 * reader and are reused by the next call), 0 at the end of the input, -1
 * with the error set (ERR_DATA: the input is not an mbox; ERR_NOINPUT: it
 * cannot be read; ERR_CANTCREAT: no temporary file).
 */
int	mbox_next(struct mbox_reader *, const struct mbox_msg **m_r,
	    struct err *);
/*
 * The file of the message mbox_next gave, now the caller's to read (from
 * its start) and close: the next message goes to a file of its own. For a
 * message kept after the next is read, one at a time on disk.
 */
FILE	*mbox_take_file(struct mbox_reader *);
/*
 * A file taken before and no longer needed, for the next message to be
 * written to (its bytes are replaced): 0, or -1 when the reader has a file
 * (fp stays the caller's).
 */
int	mbox_give_file(struct mbox_reader *, FILE *fp);

#endif
