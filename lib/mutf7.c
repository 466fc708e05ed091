/* SPDX-License-Identifier: MIT */
#include <stddef.h>
#include <stdint.h>

#include "ascii.h"
#include "buf.h"
#include "mutf7.h"
#include "utf8.h"
#include "banned.h"

/* Modified base64: RFC 2045 base64 with ',' for '/', never padded. */
static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* A byte that stands for itself: printable US-ASCII. */
static int
is_direct(uint32_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* The state of a shift being encoded: bits not yet written. */
struct shift {
	uint32_t	bits;
	unsigned	nbits;
};

static int
shift_add(struct buf *b, struct shift *sh, uint16_t unit)
{
	char out[3];
	size_t n = 0;

	sh->bits = sh->bits << 16 | unit;
	sh->nbits += 16;
	while (sh->nbits >= 6) {
		sh->nbits -= 6;
		out[n++] = b64[sh->bits >> sh->nbits & 0x3f];
	}
	sh->bits &= (1u << sh->nbits) - 1;
	return buf_add(b, out, n);
}

static int
shift_close(struct buf *b, struct shift *sh)
{
	if (sh->nbits > 0 &&
	    buf_addc(b, b64[sh->bits << (6 - sh->nbits) & 0x3f]) < 0)
		return -1;
	sh->bits = 0;
	sh->nbits = 0;
	return buf_addc(b, '-');
}

/*
 * Printable US-ASCII stands for itself, "&" is written "&-", and each run
 * of other characters becomes one shift: "&", the modified base64 of its
 * UTF-16 form (surrogate pairs above U+FFFF), then "-". On an error the
 * buffer is left as it was.
 */
int
mutf7_encode(struct buf *b, const char *s, size_t len)
{
	struct shift sh = { 0, 0 };
	size_t start = b->len, i, n;
	int shifted = 0;
	uint16_t hi, lo;
	uint32_t cp;

	for (i = 0; i < len; i += n) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 1 && (unsigned char)s[i] >= 0x80)
			goto fail;
		if (is_direct(cp)) {
			if (shifted && shift_close(b, &sh) < 0)
				goto fail;
			shifted = 0;
			if (buf_addc(b, (char)cp) < 0 ||
			    (cp == '&' && buf_addc(b, '-') < 0))
				goto fail;
			continue;
		}
		if (!shifted && buf_addc(b, '&') < 0)
			goto fail;
		shifted = 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			hi = (uint16_t)(0xd800 | cp >> 10);
			lo = (uint16_t)(0xdc00 | (cp & 0x3ff));
			if (shift_add(b, &sh, hi) < 0 ||
			    shift_add(b, &sh, lo) < 0)
				goto fail;
		} else if (shift_add(b, &sh, (uint16_t)cp) < 0)
			goto fail;
	}
	if (shifted && shift_close(b, &sh) < 0)
		goto fail;
	return 0;
fail:
	buf_truncate(b, start);
	return -1;
}

/*
 * Decode the base64 between "&" and "-" (s[0..len), len > 0) and append
 * its characters as UTF-8. Only the canonical form is accepted: no
 * character that could stand for itself, surrogates in pairs, no base64
 * character more than needed and unused bits zero. U+0000 is refused too,
 * so a decoded name is a C string that ends where it seems to.
 */
static int
decode_shift(struct buf *b, const unsigned char *s, size_t len)
{
	uint32_t bits = 0, hi = 0, cp;
	unsigned nbits = 0;
	size_t i;
	int v;

	for (i = 0; i < len; i++) {
		if ((v = base64_value((unsigned char)s[i], ',')) < 0)
			return -1;
		bits = bits << 6 | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		cp = bits >> nbits & 0xffff;
		bits &= (1u << nbits) - 1;
		if (hi != 0) {
			if (cp < 0xdc00 || cp > 0xdfff)
				return -1;
			cp = 0x10000 + ((hi - 0xd800) << 10 | (cp - 0xdc00));
			hi = 0;
		} else if (cp >= 0xd800 && cp <= 0xdbff) {
			hi = cp;
			continue;
		} else if (cp >= 0xdc00 && cp <= 0xdfff)
			return -1;
		if (cp == 0 || is_direct(cp))
			return -1;
		if (utf8_put(b, cp) < 0)
			return -1;
	}
	/* Fewer than six bits left over, all zero; no pair left open. */
	if (hi != 0 || nbits >= 6 || bits != 0)
		return -1;
	return 0;
}

/*
 * Two shifts next to each other ("&AGE-&AGE-") are not what an encoder
 * writes, but they decode unambiguously and some servers send them, so
 * they are accepted. On an error the buffer is left as it was.
 */
int
mutf7_decode(struct buf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t start = b->len, i, j;

	for (i = 0; i < len; i++) {
		if (s[i] != '&') {
			if (!is_direct(s[i]) || buf_addc(b, (char)s[i]) < 0)
				goto fail;
			continue;
		}
		for (j = i + 1; j < len && s[j] != '-'; j++)
			;
		if (j == len)
			goto fail;
		if (j == i + 1) {
			if (buf_addc(b, '&') < 0)
				goto fail;
		} else if (decode_shift(b, s + i + 1, j - i - 1) < 0)
			goto fail;
		i = j;
	}
	return 0;
fail:
	buf_truncate(b, start);
	return -1;
}
