/* SPDX-License-Identifier: MIT */
/*
 * Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3): "&" shifts to
 * modified base64 of UTF-16, "-" shifts back, "&-" is "&".
 */
#ifndef IMAPCTL_MUTF7_H
#define IMAPCTL_MUTF7_H

#include <stddef.h>

#include "buf.h"

/* UTF-8 to modified UTF-7; -1 if the input is not valid UTF-8. */
int	mutf7_encode(struct buf *, const char *utf8, size_t);
/*
 * Modified UTF-7 to UTF-8; -1 if the input is not valid modified UTF-7
 * (non-canonical base64, a bad surrogate, an unterminated shift, 8-bit
 * bytes); the caller may then show the name as it came.
 */
int	mutf7_decode(struct buf *, const char *, size_t);

#endif
