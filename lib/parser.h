/* SPDX-License-Identifier: MIT */
/*
 * IMAP response parser: typed, bounded, resumable.
 *
 * Bytes are fed in pieces of any size (one byte at a time works); when a
 * whole response has arrived the parser hands back a tree of typed
 * arguments, valid until the next call. Every size the server controls is
 * bounded: line length, literal size, list nesting and list length; numbers
 * are checked for overflow by the accessors.
 *
 * A literal may be streamed to a sink instead of being buffered: before the
 * literal's bytes arrive the parser asks the sink chooser, which sees the
 * response parsed so far (e.g. "5 FETCH (UID 7 BODY[]").
 *
 * A long "* SEARCH" or "* SORT" line of numbers comes as several responses,
 * each "SEARCH" and some of the numbers, in order; a handler adds them up.
 * The trace sees each piece as it came: the first with "* SEARCH", the
 * others without it. imap_parser_set_splits(p, 0) keeps such lines whole.
 */
#ifndef IMAPCTL_PARSER_H
#define IMAPCTL_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Limits; a server that passes one is a protocol error. */
#define IMAP_MAX_LINE		(8u << 20)	/* one line of a response */
#define IMAP_MAX_DEPTH		64		/* nested lists */
#define IMAP_MAX_ITEMS		1000000		/* arguments in one response */
#define IMAP_DEFAULT_MAX_LITERAL ((uint64_t)256 << 20)
#define IMAP_MAX_LITERAL_CEILING ((uint64_t)(SIZE_MAX / 2))	/* any setting */

enum imap_type {
	IMAP_ATOM,
	IMAP_STRING,		/* quoted string or literal */
	IMAP_NIL,
	IMAP_LIST,
	IMAP_TEXT,		/* resp-text: the rest of a status line */
	IMAP_STREAMED		/* a literal that went to a sink */
};

struct imap_arg {
	enum imap_type	 type;
	int		 literal;	/* IMAP_STRING came as a literal */
	char		*s;		/* NUL-terminated; also for NIL */
	size_t		 len;
	uint64_t	 size;		/* IMAP_STREAMED: bytes sent to sink */
	struct imap_arg	*list;		/* IMAP_LIST: first item */
	size_t		 count;		/* IMAP_LIST: number of items */
	struct imap_arg	*next;
};

enum imap_kind {
	IMAP_UNTAGGED,
	IMAP_TAGGED,
	IMAP_CONTINUATION
};

enum imap_status {
	IMAP_ST_NONE,
	IMAP_ST_OK,
	IMAP_ST_NO,
	IMAP_ST_BAD,
	IMAP_ST_BYE,
	IMAP_ST_PREAUTH
};

struct imap_resp {
	enum imap_kind	 kind;
	const char	*tag;		/* IMAP_TAGGED */
	enum imap_status status;	/* status responses: OK NO BAD BYE PREAUTH */
	struct imap_arg	*args;		/* first argument after the tag or '*' */
	size_t		 nargs;
	struct imap_arg	*code;		/* [CODE args...] of a status, or NULL */
	const char	*text;		/* status text, continuation text */
};

/* Where a streamed literal's bytes go. */
struct imap_sink {
	int	(*write)(void *ctx, const char *, size_t, struct err *);
	int	(*end)(void *ctx, struct err *);
	void	*ctx;
};

/*
 * Chooses a sink for a literal of size bytes about to arrive. resp is the
 * response so far; parent the innermost open list (NULL at top level).
 * Return NULL to buffer the literal.
 */
typedef struct imap_sink *(*imap_sink_fn)(void *ctx,
    const struct imap_resp *resp, const struct imap_arg *parent,
    uint64_t size);

/* Sees each line as it arrived, and each literal's size (line NULL). */
typedef void (*imap_trace_fn)(void *ctx, const char *line, size_t len,
    uint64_t literal_size);

struct imap_parser;

struct imap_parser	*imap_parser_new(void);
void			 imap_parser_free(struct imap_parser *);
void			 imap_parser_reset(struct imap_parser *);
void			 imap_parser_set_max_literal(struct imap_parser *,
			    uint64_t);
void			 imap_parser_set_sink_fn(struct imap_parser *,
			    imap_sink_fn, void *);
void			 imap_parser_set_splits(struct imap_parser *, int on);
void			 imap_parser_set_trace(struct imap_parser *,
			    imap_trace_fn, void *);
int			 imap_parser_feed(struct imap_parser *, const char *,
			    size_t, size_t *consumed_r,
			    const struct imap_resp **resp_r, struct err *);
int			 imap_parser_in_literal(const struct imap_parser *);

/* Checked accessors: return 1 and set the out-parameters, or return 0. */
int	imap_arg_atom(const struct imap_arg *, const char **s_r);
int	imap_arg_is(const struct imap_arg *, const char *atom);
int	imap_arg_string(const struct imap_arg *, const char **s_r,
	    size_t *len_r);
int	imap_arg_astring(const struct imap_arg *, const char **s_r,
	    size_t *len_r);
int	imap_arg_nstring(const struct imap_arg *, const char **s_r,
	    size_t *len_r);
int	imap_arg_list(const struct imap_arg *, const struct imap_arg **first_r,
	    size_t *count_r);
int	imap_arg_u32(const struct imap_arg *, uint32_t *);
int	imap_arg_u64(const struct imap_arg *, uint64_t *);
int	imap_arg_nil(const struct imap_arg *);
const struct imap_arg *imap_arg_nth(const struct imap_arg *, size_t);

int	imap_parse_u64(const char *, size_t, uint64_t *);

#endif
