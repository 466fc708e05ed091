/* SPDX-License-Identifier: MIT */
/*
 * The MIME structure of a message from IMAP BODYSTRUCTURE, as a flat list
 * of parts in pre-order (depth-bounded), with IMAP part numbers; attachment
 * file names from RFC 2231 parameters and encoded words; and file names
 * made safe to create in a directory.
 *
 * Part numbers are what BODY[n] takes: "1.2" and so on. A multipart has
 * no number of its own when it is the body of the message or of an
 * attached message/rfc822; it is listed as "TEXT" or "N.TEXT", the
 * section that holds it.
 *
 * Strings point into the parsed response (valid until the next one)
 * unless said otherwise.
 */
#ifndef IMAPCTL_MIME_H
#define IMAPCTL_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "parser.h"

#define MIME_MAX_DEPTH		32	/* nested multiparts and messages */
#define MIME_MAX_PARTS		1000	/* parts of one message */
#define MIME_PART_MAX		128	/* "1.2.3" */
#define MIME_TOKEN_MAX		64	/* a type, subtype or encoding */
#define MIME_FILENAME_MAX	200	/* bytes of a sanitised file name */
#define MIME_PARAM_MAX		65536	/* a decoded parameter value */
#define MIME_SECTIONS_MAX	100	/* RFC 2231 continuations */

struct mime_part {
	char			 part[MIME_PART_MAX];
	unsigned		 depth;		/* 0 for the outermost */
	char			 type[MIME_TOKEN_MAX];	/* lower case */
	char			 subtype[MIME_TOKEN_MAX];
	char			 encoding[MIME_TOKEN_MAX]; /* "" if NIL */
	const char		*charset;	/* NULL if none */
	char			 disposition[MIME_TOKEN_MAX]; /* "" if none */
	uint64_t		 size;
	const struct imap_arg	*params;	/* (name value ...) or NULL */
	const struct imap_arg	*dparams;
	int			 multipart;
	int			 message;	/* message/rfc822 or global */
	int			 in_attachment;	/* inside an attached message */
	int			 in_message;	/* inside any message/rfc822 */
};

struct mime_tree {
	struct mime_part	*v;
	size_t			 n, alloc;
};

void	mime_tree_init(struct mime_tree *);
void	mime_tree_free(struct mime_tree *);
/* ERR_PROTOCOL for a BODYSTRUCTURE that is malformed or too deep. */
int	mime_parse(const struct imap_arg *body, struct mime_tree *,
	    struct err *);

/*
 * A parameter's value decoded to UTF-8: RFC 2231 (name*, name*0*,
 * name*1 ..., with charset) first, else the plain value with encoded
 * words. Returns 1 if found, 0 if not, -1 if out is full.
 */
int	mime_param(const struct imap_arg *params, const char *name,
	    struct buf *out);
/* The file name: disposition's filename, else the type's name. */
int	mime_filename(const struct mime_part *, struct buf *out);
/* An attachment: disposition "attachment", or a leaf with a file name. */
int	mime_is_attachment(const struct mime_part *);
/*
 * The best text: the first text/plain, else the first text/html, of the
 * message itself; only if it has neither, of a message it encloses.
 */
const struct mime_part *mime_best_text(const struct mime_tree *);

/*
 * A name safe to create in a directory: '/' and '\' become '_', control
 * characters (C0, DEL, C1), bidirectional controls, the line and paragraph
 * separators and invalid UTF-8 become '_', leading dots and
 * white space go, and the length is cut to MIME_FILENAME_MAX bytes on a
 * character boundary, keeping an extension of up to 16 bytes. An empty
 * result gets fallback. out receives the name.
 */
int	mime_sanitize_filename(const char *name, size_t len,
	    const char *fallback, struct buf *out);

#endif
