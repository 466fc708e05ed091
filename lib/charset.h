/* SPDX-License-Identifier: MIT */
/*
 * Conversion of text in any charset glibc's iconv knows to UTF-8, one
 * piece at a time: a multibyte sequence split between pieces is kept
 * until the rest arrives. Nothing is fatal: a byte sequence that is
 * invalid in the source charset becomes U+FFFD, and a charset iconv does
 * not know is read as UTF-8 (bad bytes again U+FFFD). The output is
 * always valid UTF-8.
 *
 * Labels follow what mail readers do: ISO-8859-1, Latin-1 and US-ASCII
 * are read as Windows-1252 (a superset whose extra characters are the
 * ones senders actually mean); an RFC 2231 language suffix
 * ("UTF-8*en") is ignored.
 */
#ifndef IMAPCTL_CHARSET_H
#define IMAPCTL_CHARSET_H

#include <stddef.h>

#include "buf.h"

#define CHARSET_NAME_MAX	64

struct charset_conv;

/* NULL or "" means UTF-8. Never fails. */
struct charset_conv	*charset_open(const char *charset);
void			 charset_close(struct charset_conv *);
/* Whether iconv knows the charset (after the label rules above). */
int			 charset_known(const char *charset);
/* Convert in[0..n) and append to out; -1 only when out is full. */
int	charset_feed(struct charset_conv *, const char *in, size_t n,
	    struct buf *out);
/* End of input: a truncated sequence left over becomes U+FFFD. */
int	charset_finish(struct charset_conv *, struct buf *out);

/* One-shot conversion of a whole string. */
int	charset_to_utf8(const char *charset, const char *in, size_t n,
	    struct buf *out);

/*
 * Bytes of unknown charset, as raw 8-bit header text comes: as they are
 * when they are valid UTF-8, else read as Windows-1252, whose five
 * unassigned bytes become U+FFFD.
 */
int	charset_guess_to_utf8(const char *in, size_t n, struct buf *out);

#endif
