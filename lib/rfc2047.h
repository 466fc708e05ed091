/* SPDX-License-Identifier: MIT */
/*
 * Header text to UTF-8: RFC 2047 encoded words and raw 8-bit bytes.
 *
 * - Folded lines are unfolded (line breaks removed, the white space that
 *   followed kept).
 * - "=?charset?B?...?=" and "=?charset?Q?...?=" are decoded in any
 *   charset iconv knows (an RFC 2231 language, "=?UTF-8*en?Q?...?=", is
 *   ignored); white space between two encoded words is dropped, and the
 *   bytes of adjacent words in one charset are joined before conversion,
 *   so a character split between words survives. Encoded words are
 *   recognised wherever they stand, as mail readers do, not only between
 *   white space.
 * - A word with the right shape but damaged content (base64 that is not,
 *   bytes invalid in the charset) gives U+FFFD, never an error; text that
 *   only looks like the start of a word ("=?" without the rest) is kept.
 * - Raw 8-bit text outside encoded words is taken as UTF-8 when the whole
 *   value is valid UTF-8, else as Windows-1252 (which covers ISO-8859-1),
 *   with its five unassigned bytes as U+FFFD.
 */
#ifndef IMAPCTL_RFC2047_H
#define IMAPCTL_RFC2047_H

#include <stddef.h>

#include "buf.h"

/* Append the decoded value; -1 only when out is full. */
int	rfc2047_decode(const char *s, size_t n, struct buf *out);

/* RFC 2231 / 3986 percent-decoding: "%E2%82%AC" to bytes; bad escapes kept. */
int	rfc2231_pct_decode(const char *s, size_t n, struct buf *out);

#endif
