/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "utf8.h"
#include "xalloc.h"
#include "banned.h"

#define PENDING_MAX	16	/* longest sequence kept between pieces */
#define OUT_CHUNK	4096

struct charset_conv {
	iconv_t		 cd;
	int		 utf8;		/* our own decoder, not iconv */
	char		 pending[PENDING_MAX];
	size_t		 npending;
};

static const char repl[] = "\xef\xbf\xbd";

/* The iconv name for a MIME charset label, or NULL for UTF-8. */
static void
charset_name(const char *label, char *out, size_t outlen)
{
	size_t n;

	out[0] = '\0';
	if (label == NULL)
		return;
	while (isspace((unsigned char)*label) || *label == '"')
		label++;
	n = strcspn(label, "*\" \t");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, label, n);
	out[n] = '\0';
	if (strcasecmp(out, "iso-8859-1") == 0 ||
	    strcasecmp(out, "iso_8859-1") == 0 ||
	    strcasecmp(out, "latin1") == 0 || strcasecmp(out, "l1") == 0 ||
	    strcasecmp(out, "us-ascii") == 0 || strcasecmp(out, "ascii") == 0)
		snprintf(out, outlen, "WINDOWS-1252");
	else if (strcasecmp(out, "utf-8") == 0 || strcasecmp(out, "utf8") == 0)
		out[0] = '\0';
}

static iconv_t
open_cd(const char *label)
{
	char name[CHARSET_NAME_MAX];

	charset_name(label, name, sizeof(name));
	if (name[0] == '\0')
		return (iconv_t)-1;
	return iconv_open("UTF-8", name);
}

int
charset_known(const char *label)
{
	char name[CHARSET_NAME_MAX];
	iconv_t cd;

	charset_name(label, name, sizeof(name));
	if (name[0] == '\0')
		return 1;
	if ((cd = iconv_open("UTF-8", name)) == (iconv_t)-1)
		return 0;
	iconv_close(cd);
	return 1;
}

struct charset_conv *
charset_open(const char *label)
{
	struct charset_conv *c = xcalloc(1, sizeof(*c));

	c->cd = open_cd(label);
	c->utf8 = c->cd == (iconv_t)-1;
	return c;
}

void
charset_close(struct charset_conv *c)
{
	if (c == NULL)
		return;
	if (!c->utf8)
		iconv_close(c->cd);
	free(c);
}

/*
 * UTF-8 input: valid sequences are copied, invalid bytes become U+FFFD,
 * and a sequence cut off at the end of the piece is kept for the next.
 * Returns the number of bytes used.
 */
static size_t
feed_utf8(const char *in, size_t n, int final, struct buf *out, int *full)
{
	size_t i, run, k;
	uint32_t cp;
	unsigned char c;

	for (i = run = 0; i < n; ) {
		c = (unsigned char)in[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		k = utf8_decode(in + i, n - i, &cp);
		if (k > 1) {
			i += k;
			continue;
		}
		/* Possibly a sequence the next piece completes. */
		if (!final && n - i < 4 && c >= 0xc2 && c <= 0xf4) {
			size_t need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4, j;
			int ok = n - i < need;

			for (j = i + 1; ok && j < n; j++)
				if (((unsigned char)in[j] & 0xc0) != 0x80)
					ok = 0;
			if (ok)
				break;
		}
		if (buf_add(out, in + run, i - run) < 0 ||
		    buf_add(out, repl, 3) < 0)
			*full = 1;
		i++;
		run = i;
	}
	if (buf_add(out, in + run, i - run) < 0)
		*full = 1;
	return i;
}

/* iconv over in[0..n); returns the bytes used (a cut-off tail is left). */
static size_t
feed_iconv(struct charset_conv *c, const char *in, size_t n, int final,
    struct buf *out, int *full)
{
	char *ip = (char *)(uintptr_t)in, *op;
	size_t il = n, ol, r, before, room;

	while (il > 0) {
		room = out->max - out->len;
		if (room > OUT_CHUNK)
			room = OUT_CHUNK;
		if (room < 8 || buf_grow(out, room) < 0) {
			*full = 1;
			return n;
		}
		op = out->s + out->len;
		ol = room;
		before = ol;
		r = iconv(c->cd, &ip, &il, &op, &ol);
		out->len += before - ol;
		out->s[out->len] = '\0';
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG) {
			/* A character that needs more room than there is. */
			if (ol == before) {
				*full = 1;
				return n;
			}
			continue;
		}
		if (errno == EINVAL && !final && il < PENDING_MAX)
			break;		/* the rest comes with the next piece */
		/* EILSEQ, or a sequence cut off for good. */
		if (buf_add(out, repl, 3) < 0) {
			*full = 1;
			return n;
		}
		iconv(c->cd, NULL, NULL, NULL, NULL);
		/*
		 * Skip the byte that failed. glibc's ISO-2022-CN-EXT can fail
		 * with all the input used: then nothing is left to skip, and
		 * il must not wrap round to read past the end.
		 */
		if (il == 0)
			break;
		ip++;
		il--;
	}
	if (final) {
		/* Shift back to the initial state (ISO-2022-JP). */
		if (buf_grow(out, 16) == 0) {
			op = out->s + out->len;
			ol = 16;
			before = ol;
			iconv(c->cd, NULL, NULL, &op, &ol);
			out->len += before - ol;
			out->s[out->len] = '\0';
		}
	}
	return (size_t)(ip - in);
}

/*
 * What iconv wrote from out->s[start] on, made valid UTF-8: glibc's
 * decoder behind a label that names UTF-8 in another spelling ("u$tf-8")
 * copies lead bytes F5 to F7 and code points above U+10FFFF through.
 */
static int
iconv_checked(struct buf *out, size_t start)
{
	char *copy;
	size_t n = out->len - start;
	int r;

	if (utf8_valid(out->s + start, n))
		return 0;
	copy = xmalloc(n);
	memcpy(copy, out->s + start, n);
	buf_truncate(out, start);
	r = utf8_sanitize(out, copy, n);
	free(copy);
	return r;
}

static int
feed(struct charset_conv *c, const char *in, size_t n, int final,
    struct buf *out)
{
	char tmp[PENDING_MAX * 2];
	size_t used, take, left, start = out->len;
	int full = 0;

	/* Finish the sequence left over from the last piece first. */
	if (c->npending > 0 && (n > 0 || final)) {
		take = sizeof(tmp) - c->npending;
		if (take > n)
			take = n;
		memcpy(tmp, c->pending, c->npending);
		memcpy(tmp + c->npending, in, take);
		used = c->utf8 ?
		    feed_utf8(tmp, c->npending + take, final && take == n,
		    out, &full) :
		    feed_iconv(c, tmp, c->npending + take, final && take == n,
		    out, &full);
		if (used < c->npending) {
			/*
			 * Still incomplete: keep what is left for the next
			 * piece. The feeders stop short only before fewer
			 * than PENDING_MAX bytes, all of this piece; anything
			 * else is not a sequence a later piece completes.
			 */
			left = c->npending + take - used;
			if (take == n && left <= PENDING_MAX) {
				memmove(c->pending, tmp + used, left);
				c->npending = left;
				if (!c->utf8 && iconv_checked(out, start) < 0)
					full = 1;
				return full ? -1 : 0;
			}
			if (buf_add(out, repl, 3) < 0)
				full = 1;
			used = c->npending;
		}
		used -= c->npending;
		c->npending = 0;
		in += used;
		n -= used;
	}
	used = c->utf8 ? feed_utf8(in, n, final, out, &full) :
	    feed_iconv(c, in, n, final, out, &full);
	if (used < n) {
		c->npending = n - used;
		if (c->npending > PENDING_MAX)
			c->npending = PENDING_MAX;
		memcpy(c->pending, in + used, c->npending);
	}
	if (!c->utf8 && iconv_checked(out, start) < 0)
		full = 1;
	return full ? -1 : 0;
}

int
charset_feed(struct charset_conv *c, const char *in, size_t n,
    struct buf *out)
{
	return feed(c, in, n, 0, out);
}

int
charset_finish(struct charset_conv *c, struct buf *out)
{
	int r = feed(c, "", 0, 1, out);

	c->npending = 0;
	if (!c->utf8)
		iconv(c->cd, NULL, NULL, NULL, NULL);
	return r;
}

int
charset_to_utf8(const char *charset, const char *in, size_t n,
    struct buf *out)
{
	struct charset_conv *c = charset_open(charset);
	int r;

	r = feed(c, in, n, 1, out);
	charset_close(c);
	return r;
}

int
charset_guess_to_utf8(const char *in, size_t n, struct buf *out)
{
	if (utf8_valid(in, n))
		return buf_add(out, in, n);
	return charset_to_utf8("WINDOWS-1252", in, n, out);
}
