/* SPDX-License-Identifier: MIT */
/*
 * Base64 (RFC 4648, with padding) for SASL, through OpenSSL's block
 * coder. Decoding is strict: only the alphabet, padding only at the end,
 * a length that is a multiple of four.
 */
#ifndef IMAPCTL_B64_H
#define IMAPCTL_B64_H

#include <stddef.h>

#include "buf.h"

int	b64_encode(struct buf *, const void *, size_t);
int	b64_decode(struct buf *, const char *, size_t);

#endif
