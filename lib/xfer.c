/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "xalloc.h"
#include "xfer.h"
#include "banned.h"

#define B64_PIECE	4096	/* decoded bytes added to out at once */

struct xfer {
	enum xfer_enc	 enc;
	unsigned	 b64bits;	/* bits not yet a byte */
	unsigned	 b64nbits;
	int		 qpstate;	/* an escape cut between pieces */
	char		 qphex;
};

enum xfer_enc
xfer_enc_parse(const char *s)
{
	if (s == NULL)
		return XFER_IDENTITY;
	if (strcasecmp(s, "base64") == 0)
		return XFER_BASE64;
	if (strcasecmp(s, "quoted-printable") == 0)
		return XFER_QP;
	return XFER_IDENTITY;
}

struct xfer *
xfer_new(enum xfer_enc enc)
{
	struct xfer *x = xcalloc(1, sizeof(*x));

	x->enc = enc;
	return x;
}

void
xfer_free(struct xfer *x)
{
	free(x);
}

/*
 * Mail has line breaks, stray characters and sometimes several blobs glued
 * together: what is not in the alphabet is skipped, each character gives
 * six bits and each eight bits a byte, and padding ends a blob (the bits
 * of a cut-off quantum go with it). The result does not depend on where
 * the input is cut into pieces.
 */
static int
b64_feed(struct xfer *x, const char *in, size_t n, struct buf *out)
{
	char tmp[B64_PIECE];
	size_t i, k = 0;
	int v;

	for (i = 0; i < n; i++) {
		if (in[i] == '=') {
			x->b64bits = 0;
			x->b64nbits = 0;
			continue;
		}
		if ((v = base64_value((unsigned char)in[i], '/')) < 0)
			continue;
		x->b64bits = (x->b64bits << 6 | (unsigned)v) & 0xfff;
		x->b64nbits += 6;
		if (x->b64nbits >= 8) {
			x->b64nbits -= 8;
			tmp[k++] = (char)(x->b64bits >> x->b64nbits & 0xff);
			if (k == sizeof(tmp)) {
				if (buf_add(out, tmp, k) < 0)
					return -1;
				k = 0;
			}
		}
	}
	return buf_add(out, tmp, k);
}

/*
 * Quoted-printable: "=XY" is a byte, "=" at the end of a line a soft line
 * break; anything else after "=" is kept as written. The state carries an
 * escape cut by the end of a piece over to the next one.
 */
enum { QP_TEXT, QP_EQ, QP_EQ_CR, QP_EQ_HEX };

static int
qp_feed(struct xfer *x, const char *in, size_t n, int final,
    struct buf *out)
{
	char held[2];
	size_t i;
	int h;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		switch (x->qpstate) {
		case QP_EQ:
			if (c == '\n') {
				x->qpstate = QP_TEXT;	/* soft break */
				continue;
			}
			if (c == '\r') {
				x->qpstate = QP_EQ_CR;
				continue;
			}
			if (hex_value(c) >= 0) {
				x->qphex = (char)c;
				x->qpstate = QP_EQ_HEX;
				continue;
			}
			if (buf_addc(out, '=') < 0)
				return -1;
			break;
		case QP_EQ_CR:
			if (c == '\n') {
				x->qpstate = QP_TEXT;	/* soft break */
				continue;
			}
			if (buf_add(out, "=\r", 2) < 0)
				return -1;
			break;
		case QP_EQ_HEX:
			if ((h = hex_value(c)) >= 0) {
				if (buf_addc(out, (char)(hex_value((unsigned char)
				    x->qphex) << 4 | h)) < 0)
					return -1;
				x->qpstate = QP_TEXT;
				continue;
			}
			held[0] = '=';
			held[1] = x->qphex;
			if (buf_add(out, held, 2) < 0)
				return -1;
			break;
		default:
			break;
		}
		/* c as ordinary text. */
		x->qpstate = QP_TEXT;
		if (c == '=')
			x->qpstate = QP_EQ;
		else if (buf_addc(out, (char)c) < 0)
			return -1;
	}
	if (final) {
		if (x->qpstate == QP_EQ && buf_addc(out, '=') < 0)
			return -1;
		if (x->qpstate == QP_EQ_CR && buf_add(out, "=\r", 2) < 0)
			return -1;
		held[0] = '=';
		held[1] = x->qphex;
		if (x->qpstate == QP_EQ_HEX && buf_add(out, held, 2) < 0)
			return -1;
		x->qpstate = QP_TEXT;
	}
	return 0;
}

int
xfer_feed(struct xfer *x, const char *in, size_t n, struct buf *out)
{
	switch (x->enc) {
	case XFER_BASE64:
		return b64_feed(x, in, n, out);
	case XFER_QP:
		return qp_feed(x, in, n, 0, out);
	default:
		return buf_add(out, in, n);
	}
}

int
xfer_finish(struct xfer *x, struct buf *out)
{
	switch (x->enc) {
	case XFER_BASE64:
		/* Fewer than eight bits left: a cut-off quantum's. */
		x->b64bits = 0;
		x->b64nbits = 0;
		return 0;
	case XFER_QP:
		return qp_feed(x, "", 0, 1, out);
	default:
		return 0;
	}
}

int
xfer_base64(const char *in, size_t n, struct buf *out)
{
	struct xfer *x = xfer_new(XFER_BASE64);
	int r;

	r = xfer_feed(x, in, n, out) < 0 || xfer_finish(x, out) < 0 ? -1 : 0;
	xfer_free(x);
	return r;
}

int
xfer_q(const char *in, size_t n, int underscore, struct buf *out)
{
	size_t i;
	int h, l;

	for (i = 0; i < n; i++) {
		if (in[i] == '_' && underscore) {
			if (buf_addc(out, ' ') < 0)
				return -1;
			continue;
		}
		if (in[i] == '=') {
			h = i + 1 < n ? hex_value((unsigned char)in[i + 1]) : -1;
			l = i + 2 < n ? hex_value((unsigned char)in[i + 2]) : -1;
			if (h >= 0 && l >= 0) {
				if (buf_addc(out, (char)(h << 4 | l)) < 0)
					return -1;
				i += 2;
				continue;
			}
		}
		if (buf_addc(out, in[i]) < 0)
			return -1;
	}
	return 0;
}
