/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 helpers: validation, decoding one code point, and sanitising
 * (invalid bytes become U+FFFD, as jq does).
 */
#ifndef IMAPCTL_UTF8_H
#define IMAPCTL_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

#define UTF8_REPLACEMENT	0xFFFDu

/*
 * Decode one code point from s[0..len). Returns the number of bytes it
 * took (1..4); for invalid or truncated input returns 1 and sets *cp_r to
 * UTF8_REPLACEMENT. Overlong forms, surrogates and values above U+10FFFF
 * are invalid. len must be > 0.
 */
size_t	utf8_decode(const char *s, size_t len, uint32_t *cp_r);
/* Append the UTF-8 form of cp (1..4 bytes). */
int	utf8_put(struct buf *, uint32_t cp);
int	utf8_valid(const char *, size_t);
/* Append s with invalid sequences replaced by U+FFFD. */
int	utf8_sanitize(struct buf *, const char *, size_t);
/*
 * Append s[0..len) for a terminal, which must show it and act on none of
 * it: CR and LF as \r and \n, other C0 controls, DEL, C1 controls (by
 * code point) and bytes that are not UTF-8 as \xHH. -1 when b is full.
 */
int	utf8_add_inert(struct buf *, const char *, size_t);
/* The same, written to fp. */
void	utf8_fput_inert(FILE *, const char *, size_t);

#endif
