/* SPDX-License-Identifier: MIT */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "utf8.h"
#include "banned.h"

/*
 * The decoder follows RFC 3629 strictly: the second byte's range depends on
 * the first (Table 3-7 of the Unicode standard), which rules out overlong
 * forms, surrogates and values above U+10FFFF without decoding them first.
 * On any error one byte is consumed, so a caller that replaces each error
 * with U+FFFD resynchronises at the next byte.
 */
size_t
utf8_decode(const char *s, size_t len, uint32_t *cp_r)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	uint32_t cp;
	size_t n, i;

	*cp_r = UTF8_REPLACEMENT;
	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	}
	if (p[0] < 0xc2)		/* continuation, or overlong C0 C1 */
		return 1;
	if (p[0] < 0xe0) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] < 0xf0) {
		n = 3;
		cp = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (p[0] < 0xf5) {
		n = 4;
		cp = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 1;
	if (len < n)
		return 1;
	if (p[1] < lo || p[1] > hi)
		return 1;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*cp_r = cp;
	return n;
}

/*
 * A code point that has no UTF-8 form (a surrogate, or above U+10FFFF) is
 * written as U+FFFD, so the buffer always holds valid UTF-8. Returns -1
 * only when the buffer's ceiling is reached.
 */
int
utf8_put(struct buf *b, uint32_t cp)
{
	char s[4];
	size_t n;

	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = UTF8_REPLACEMENT;
	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		s[0] = (char)(0xf0 | cp >> 18);
		s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_add(b, s, n);
}

/* Returns 1 if s[0..len) is valid UTF-8 (NUL included), else 0. */
int
utf8_valid(const char *s, size_t len)
{
	uint32_t cp;
	size_t i, n;

	for (i = 0; i < len; i += n) {
		if ((unsigned char)s[i] < 0x80) {
			n = 1;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 1)
			return 0;
	}
	return 1;
}

/*
 * Valid runs are copied as they are. On reaching the buffer's ceiling the
 * buffer is put back as it was and -1 returned.
 */
int
utf8_sanitize(struct buf *b, const char *s, size_t len)
{
	static const char repl[] = "\xef\xbf\xbd";
	size_t i, n, run, start = b->len;
	uint32_t cp;

	for (i = run = 0; i < len; i += n) {
		if ((unsigned char)s[i] < 0x80) {
			n = 1;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n > 1)
			continue;
		if (buf_add(b, s + run, i - run) < 0 ||
		    buf_add(b, repl, sizeof(repl) - 1) < 0)
			goto fail;
		run = i + 1;
	}
	if (buf_add(b, s + run, len - run) < 0)
		goto fail;
	return 0;
fail:
	buf_truncate(b, start);
	return -1;
}

int
utf8_add_inert(struct buf *b, const char *s, size_t len)
{
	size_t i, n;
	uint32_t cp;
	unsigned char c;
	int r = 0;

	for (i = 0; i < len && r == 0; i += n) {
		c = (unsigned char)s[i];
		n = 1;
		if (c == '\r')
			r = buf_adds(b, "\\r");
		else if (c == '\n')
			r = buf_adds(b, "\\n");
		else if (c < 0x20 || c == 0x7f)
			r = buf_addf(b, "\\x%02x", c);
		else if (c < 0x80)
			r = buf_addc(b, (char)c);
		else if ((n = utf8_decode(s + i, len - i, &cp)) == 1)
			r = buf_addf(b, "\\x%02x", c);
		else if (cp <= 0x9f)
			r = buf_addf(b, "\\x%02x", (unsigned)cp);
		else
			r = buf_add(b, s + i, n);
	}
	return r;
}

void
utf8_fput_inert(FILE *fp, const char *s, size_t len)
{
	struct buf b;

	buf_init(&b, len * 4 + 1);
	utf8_add_inert(&b, s, len);
	fwrite(b.s, 1, b.len, fp);
	buf_free(&b);
}
