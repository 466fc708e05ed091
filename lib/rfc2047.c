/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "charset.h"
#include "rfc2047.h"
#include "utf8.h"
#include "xfer.h"
#include "banned.h"

#define EW_CHARSET_MAX	64

struct run {
	char		 charset[EW_CHARSET_MAX + 1];
	struct buf	 bytes;		/* decoded bytes of adjacent words */
};

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * An encoded word at s[0..n): returns its length and fills in its parts,
 * or 0 if it is not one.
 */
static size_t
scan_word(const char *s, size_t n, const char **cs_r, size_t *cslen_r,
    char *enc_r, const char **text_r, size_t *textlen_r)
{
	size_t i, cs;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	for (i = 2; i < n && s[i] != '?'; i++)
		if (is_ws(s[i]) || (unsigned char)s[i] < 0x21 ||
		    (unsigned char)s[i] > 0x7e || i - 2 >= EW_CHARSET_MAX)
			return 0;
	cs = i - 2;
	if (cs == 0 || i + 3 >= n || s[i + 2] != '?')
		return 0;
	if (s[i + 1] != 'B' && s[i + 1] != 'b' && s[i + 1] != 'Q' &&
	    s[i + 1] != 'q')
		return 0;
	*cs_r = s + 2;
	*cslen_r = cs;
	*enc_r = (char)(s[i + 1] | 0x20);
	i += 3;
	*text_r = s + i;
	for (; i + 1 < n; i++) {
		if (is_ws(s[i]))
			return 0;
		if (s[i] == '?' && s[i + 1] == '=') {
			*textlen_r = (size_t)(s + i - *text_r);
			return i + 2;
		}
	}
	return 0;
}

static int
b64_ok(const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '=')
			continue;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return 0;
		k++;
	}
	return k % 4 != 1;
}

static int
run_flush(struct run *r, struct buf *out)
{
	int rv = 0;

	if (r->bytes.len > 0)
		rv = charset_to_utf8(r->charset, r->bytes.s, r->bytes.len, out);
	buf_reset(&r->bytes);
	r->charset[0] = '\0';
	return rv;
}

/* Raw text between encoded words, line breaks of folding removed. */
static int
add_raw(const char *s, size_t n, int utf8, struct buf *out)
{
	size_t i, j;

	for (i = 0; i < n; i = j) {
		if (s[i] == '\r' || s[i] == '\n') {
			j = i + 1;
			continue;
		}
		for (j = i; j < n && s[j] != '\r' && s[j] != '\n'; j++)
			;
		if ((utf8 ? utf8_sanitize(out, s + i, j - i) :
		    charset_to_utf8("WINDOWS-1252", s + i, j - i, out)) < 0)
			return -1;
	}
	return 0;
}

int
rfc2047_decode(const char *s, size_t n, struct buf *out)
{
	struct run r;
	const char *cs, *text;
	size_t i, raw, wl, cslen, textlen, k;
	int utf8 = utf8_valid(s, n), rv = -1, last_word = 0, join;
	char enc;

	memset(&r, 0, sizeof(r));
	buf_init(&r.bytes, out->max);
	for (i = raw = 0; i < n; ) {
		if (s[i] != '=' || i + 1 >= n || s[i + 1] != '?' ||
		    (wl = scan_word(s + i, n - i, &cs, &cslen, &enc, &text,
		    &textlen)) == 0) {
			i++;
			continue;
		}
		/* White space between two encoded words is dropped. */
		for (k = raw; k < i && is_ws(s[k]); k++)
			;
		join = last_word && k == i;
		if (!join && (run_flush(&r, out) < 0 ||
		    add_raw(s + raw, i - raw, utf8, out) < 0))
			goto out;
		if (r.charset[0] != '\0' && (strlen(r.charset) != cslen ||
		    strncasecmp(r.charset, cs, cslen) != 0) &&
		    run_flush(&r, out) < 0)
			goto out;
		if (enc == 'b' && !b64_ok(text, textlen)) {
			if (run_flush(&r, out) < 0 ||
			    buf_add(out, "\xef\xbf\xbd", 3) < 0)
				goto out;
		} else {
			memcpy(r.charset, cs, cslen);
			r.charset[cslen] = '\0';
			if ((enc == 'b' ? xfer_base64(text, textlen, &r.bytes) :
			    xfer_q(text, textlen, 1, &r.bytes)) < 0)
				goto out;
		}
		last_word = 1;
		i += wl;
		raw = i;
	}
	if (run_flush(&r, out) < 0 || add_raw(s + raw, n - raw, utf8, out) < 0)
		goto out;
	rv = 0;
out:
	buf_free(&r.bytes);
	return rv;
}

int
rfc2231_pct_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;
	int h, l;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && (h = hex_value((unsigned char)
		    s[i + 1])) >= 0 && (l = hex_value((unsigned char)s[i + 2])) >=
		    0) {
			if (buf_addc(out, (char)(h << 4 | l)) < 0)
				return -1;
			i += 2;
			continue;
		}
		if (buf_addc(out, s[i]) < 0)
			return -1;
	}
	return 0;
}
