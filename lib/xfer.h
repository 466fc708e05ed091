/* SPDX-License-Identifier: MIT */
/*
 * Content-Transfer-Encoding decoding, one piece at a time: base64 (through
 * OpenSSL's EVP_Decode*) and quoted-printable; 7bit, 8bit, binary and
 * encodings we do not know pass through unchanged. Damage is not fatal:
 * characters outside the base64 alphabet are skipped, and a malformed
 * quoted-printable escape is kept as it was written.
 */
#ifndef IMAPCTL_XFER_H
#define IMAPCTL_XFER_H

#include <stddef.h>

#include "buf.h"

enum xfer_enc {
	XFER_IDENTITY,
	XFER_BASE64,
	XFER_QP
};

struct xfer;

enum xfer_enc	 xfer_enc_parse(const char *);	/* NULL: identity */
struct xfer	*xfer_new(enum xfer_enc);
void		 xfer_free(struct xfer *);
/* Decode in[0..n) and append to out; -1 only when out is full. */
int		 xfer_feed(struct xfer *, const char *in, size_t n,
		    struct buf *out);
int		 xfer_finish(struct xfer *, struct buf *out);

/* Whole strings: RFC 2047's B and Q (Q: '_' is a space). */
int	xfer_base64(const char *in, size_t n, struct buf *out);
int	xfer_q(const char *in, size_t n, int underscore, struct buf *out);

#endif
