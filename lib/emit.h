/* SPDX-License-Identifier: MIT */
/*
 * The record emitter: one API, several back ends. Commands describe records
 * field by field and never ask which format is active; each back end makes
 * hostile text safe for its format.
 *
 *   text   one record a line, fields in call order separated by a tab;
 *          tab, CR and LF written as \t \r \n, other control characters
 *          (U+0000 to U+001F, U+007F to U+009F) as \xHH, and a backslash
 *          as \\ only where it would otherwise start one of these escapes
 *          (before a backslash, t, n, r, x or a control character), so
 *          "\Seen" stays \Seen; lists as their items separated by a space;
 *          an object as its non-null values separated by a space; null as
 *          an empty field. emit_text_unescape reads a field back.
 *   json   one document: an array of records, one record a line.
 *   jsonl  one object a line.
 *   xml    <imapctl command="NAME" format_version="1">, an element a
 *          record, an element a field, lists as a wrapper element with one
 *          child element a item; null as an empty element with nil="true".
 *
 * Every string is written as UTF-8; invalid bytes become U+FFFD. Output is
 * streamed: nothing is held beyond the record being written.
 */
#ifndef IMAPCTL_EMIT_H
#define IMAPCTL_EMIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "err.h"

enum emit_format {
	EMIT_TEXT,
	EMIT_JSON,
	EMIT_JSONL,
	EMIT_XML
};

struct emit;

int		 emit_format_parse(const char *, enum emit_format *);
const char	*emit_format_name(enum emit_format);
struct emit	*emit_new(enum emit_format, FILE *, const char *command);
enum emit_format emit_format(const struct emit *);

void	emit_record_begin(struct emit *, const char *type);
void	emit_record_end(struct emit *);

/* Inside a list, key is ignored and may be NULL. */
void	emit_str(struct emit *, const char *key, const char *);	/* NULL: null */
void	emit_strn(struct emit *, const char *key, const char *, size_t);
void	emit_uint(struct emit *, const char *key, uint64_t);
void	emit_int(struct emit *, const char *key, int64_t);
void	emit_u64s(struct emit *, const char *key, uint64_t);	/* JSON string */
void	emit_double(struct emit *, const char *key, double, int decimals);
void	emit_bool(struct emit *, const char *key, int);
void	emit_null(struct emit *, const char *key);
void	emit_time(struct emit *, const char *key, time_t);	/* -1: null */

/*
 * A mail address: the object {name, address}; in text "Name <address>"
 * (or the one that is not NULL alone), and in a list of addresses
 * separated by ", " as mail readers write them.
 */
void	emit_address(struct emit *, const char *key, const char *name,
	    const char *address);

void	emit_list_begin(struct emit *, const char *key, const char *item);
void	emit_list_end(struct emit *);
void	emit_object_begin(struct emit *, const char *key);
void	emit_object_end(struct emit *);

/*
 * The command writes bytes of its own to the output instead of records
 * (fetch --raw): from now on the emitter writes nothing, not even the
 * frame of a document. Call it before the first record.
 */
void	emit_detach(struct emit *);

/*
 * The digits emit_double writes, for writers beside the emitter: v with
 * decimals (0..9) places and '.' whatever the locale; out must hold
 * EMIT_FIXED_MAX bytes. Returns the length, 0 for NaN and infinities.
 */
#define EMIT_FIXED_MAX	400
size_t	emit_fmt_fixed(char *out, double v, int decimals);

/*
 * One field of a text record back to the value that was written: \t \r
 * \n \\ and \xHH (the code point U+00HH, as UTF-8) become what they
 * stand for, and any other backslash is itself. out must hold len bytes
 * (the value is never longer than its field); returns the value's
 * length. Exactly the inverse of the text back end for valid UTF-8.
 */
size_t	emit_text_unescape(const char *s, size_t len, char *out);

/* Push what is buffered to the output (called before we block). */
void	emit_flush(struct emit *);
/* 0 while output works; EPIPE when the reader went away; else errno. */
int	emit_status(const struct emit *);
/*
 * A write to the emitter's FILE made outside it (fetch's raw bytes)
 * failed with status (an errno; 0 for EIO): the emitter writes no more.
 * 1 when it is the output's first failure, which the caller then says
 * and marks said with emit_said(); 0 when one was already seen.
 */
int	emit_write_failed(struct emit *, int status);
/* The output's failure was said: emit_finish does not say it again. */
void	emit_said(struct emit *);
/*
 * Whether the reader of the output went away: a write failed with EPIPE,
 * or the output is a pipe or socket whose other end is closed (asked of
 * the system without writing). From then on emit_status() is EPIPE.
 */
int	emit_gone(struct emit *);
/* How many records were begun so far. */
unsigned long emit_records(const struct emit *);
/* Close the document and flush; -1 with ERR_IO on a write error not said. */
int	emit_finish(struct emit *, struct err *);
void	emit_free(struct emit *);

#endif
