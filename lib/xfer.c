#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "xalloc.h"
#include "xfer.h"

#define B64_PIECE	4096	/* alphabet bytes handed to OpenSSL at once */

struct xfer {
	enum xfer_enc	 enc;
	EVP_ENCODE_CTX	*b64;
	size_t		 b64n;		/* alphabet bytes in this blob */
	int		 b64pad;	/* padding seen in this blob */
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
	if (enc == XFER_BASE64) {
		if ((x->b64 = EVP_ENCODE_CTX_new()) == NULL)
			xalloc_oom();
		EVP_DecodeInit(x->b64);
	}
	return x;
}

void
xfer_free(struct xfer *x)
{
	if (x == NULL)
		return;
	EVP_ENCODE_CTX_free(x->b64);
	free(x);
}

static int
is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* Finish one base64 blob: pad a cut-off quantum, flush, start afresh. */
static int
b64_end(struct xfer *x, struct buf *out)
{
	unsigned char pad[4] = { '=', '=', '=', '=' };
	int outl = 0;

	if (buf_grow(out, 80) < 0)
		return -1;
	if (x->b64n % 4 >= 2)
		EVP_DecodeUpdate(x->b64, (unsigned char *)out->s + out->len,
		    &outl, pad, (int)(4 - x->b64n % 4));
	if (outl > 0)
		out->len += (size_t)outl;
	outl = 0;
	EVP_DecodeFinal(x->b64, (unsigned char *)out->s + out->len, &outl);
	if (outl > 0)
		out->len += (size_t)outl;
	out->s[out->len] = '\0';
	EVP_DecodeInit(x->b64);
	x->b64n = 0;
	x->b64pad = 0;
	return 0;
}

/*
 * OpenSSL rejects what is not base64 and stops at the padding; mail has
 * line breaks, stray characters and sometimes several blobs glued
 * together. Only the alphabet is passed on, and after the padding a new
 * blob starts.
 */
static int
b64_feed(struct xfer *x, const char *in, size_t n, struct buf *out)
{
	unsigned char clean[B64_PIECE];
	size_t i = 0, k;
	int outl, r, boundary;

	while (i < n) {
		boundary = 0;
		for (k = 0; i < n && k < sizeof(clean); i++) {
			unsigned char c = (unsigned char)in[i];

			if (!is_b64(c))
				continue;
			if (x->b64pad && c != '=') {
				boundary = 1;
				break;
			}
			if (c == '=')
				x->b64pad = 1;
			clean[k++] = c;
			x->b64n++;
		}
		if (k > 0) {
			if (buf_grow(out, k / 4 * 3 + 80) < 0)
				return -1;
			outl = 0;
			r = EVP_DecodeUpdate(x->b64, (unsigned char *)out->s +
			    out->len, &outl, clean, (int)k);
			if (outl > 0)
				out->len += (size_t)outl;
			out->s[out->len] = '\0';
			if (r < 0) {
				/* Too much padding: start afresh. */
				EVP_DecodeInit(x->b64);
				x->b64n = 0;
				x->b64pad = 0;
			}
		}
		if (boundary && b64_end(x, out) < 0)
			return -1;
	}
	return 0;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
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
			if (hexval(c) >= 0) {
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
			if ((h = hexval(c)) >= 0) {
				if (buf_addc(out, (char)(hexval((unsigned char)
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
		return b64_end(x, out);
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
			h = i + 1 < n ? hexval((unsigned char)in[i + 1]) : -1;
			l = i + 2 < n ? hexval((unsigned char)in[i + 2]) : -1;
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
