/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the decoders of hostile message text: RFC 2047
 * encoded words, charsets through iconv, base64 and quoted-printable,
 * the HTML tag stripper, header splitting, dates, modified UTF-7 and
 * attachment file names, and the emitter's escaping of what they give.
 *
 * The first byte picks the decoder; the next ones may pick a charset;
 * the rest is the text. Decoders that take their input in pieces are fed
 * whole and in pieces (sizes from a generator seeded by the input) and
 * must give the same bytes either way. Whatever reaches output must be
 * valid UTF-8, and the JSON and XML the emitter writes must parse.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/parser.h>

#include "buf.h"
#include "charset.h"
#include "date.h"
#include "emit.h"
#include "header.h"
#include "html.h"
#include "mime.h"
#include "mutf7.h"
#include "rfc2047.h"
#include "utf8.h"
#include "xfer.h"

#define OUT_MAX		(4u << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/* Charsets with long, stateful or multi-character sequences among them. */
static const char *const charsets[] = {
	"utf-8", "iso-8859-1", "us-ascii", "windows-1252", "iso-8859-15",
	"koi8-r", "utf-16", "utf-16le", "utf-16be", "utf-32", "ucs-2",
	"utf-7", "utf-7-imap", "iso-2022-jp", "iso-2022-jp-2",
	"iso-2022-jp-3", "iso-2022-kr", "iso-2022-cn", "iso-2022-cn-ext",
	"shift_jis", "cp932", "euc-jp", "euc-jisx0213", "shift_jisx0213",
	"euc-kr", "cp949", "johab", "euc-tw", "gb2312", "gbk", "gb18030",
	"big5", "big5-hkscs", "hz-gb-2312", "tscii", "cp1255", "cp1258",
	"tcvn5712-1", "ibm930", "ibm933", "ibm935", "ibm937", "ibm939",
	"ibm1364", "ibm1371", "utf8", "x-unknown", "", "\"utf-8\"",
	"iso-8859-1*en", "viscii", "armscii-8", "mac-ukrainian"
};

static uint32_t
rng_next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static size_t
piece(uint32_t *rng, size_t left)
{
	size_t n = rng_next(rng) % 4 == 0 ? 1 + rng_next(rng) % 200 :
	    1 + rng_next(rng) % 5;

	return n < left ? n : left;
}

static void
same(const struct buf *a, const struct buf *b)
{
	if (a->len != b->len || memcmp(a->s, b->s, a->len) != 0)
		abort();
}

static void
valid(const struct buf *b)
{
	if (!utf8_valid(b->s, b->len))
		abort();
}

static void
do_rfc2047(const char *s, size_t n)
{
	struct buf out;

	buf_init(&out, OUT_MAX);
	if (rfc2047_decode(s, n, &out) == 0)
		valid(&out);
	buf_reset(&out);
	(void)rfc2231_pct_decode(s, n, &out);
	buf_free(&out);
}

static void
do_charset(const char *label, const char *s, size_t n, uint32_t *rng)
{
	struct charset_conv *c;
	struct buf whole, split;
	size_t off, k;

	buf_init(&whole, OUT_MAX);
	buf_init(&split, OUT_MAX);
	if (charset_to_utf8(label, s, n, &whole) == 0)
		valid(&whole);
	c = charset_open(label);
	for (off = 0; off < n; off += k) {
		k = piece(rng, n - off);
		if (charset_feed(c, s + off, k, &split) < 0)
			break;
	}
	(void)charset_finish(c, &split);
	charset_close(c);
	valid(&split);
	buf_free(&whole);
	buf_free(&split);
	(void)charset_known(label);
}

static void
do_xfer(enum xfer_enc enc, const char *s, size_t n, uint32_t *rng)
{
	struct xfer *x;
	struct buf whole, split;
	size_t off, k;

	buf_init(&whole, OUT_MAX);
	buf_init(&split, OUT_MAX);
	x = xfer_new(enc);
	if (xfer_feed(x, s, n, &whole) < 0 || xfer_finish(x, &whole) < 0)
		abort();
	xfer_free(x);
	x = xfer_new(enc);
	for (off = 0; off < n; off += k) {
		k = piece(rng, n - off);
		if (xfer_feed(x, s + off, k, &split) < 0)
			abort();
	}
	if (xfer_finish(x, &split) < 0)
		abort();
	xfer_free(x);
	same(&whole, &split);
	buf_reset(&whole);
	(void)xfer_base64(s, n, &whole);
	buf_reset(&whole);
	(void)xfer_q(s, n, 1, &whole);
	buf_free(&whole);
	buf_free(&split);
}

static void
do_html(const char *s, size_t n, uint32_t *rng)
{
	struct html_text h;
	struct buf whole, split;
	size_t off, k;

	buf_init(&whole, OUT_MAX);
	buf_init(&split, OUT_MAX);
	html_text_init(&h);
	html_text_feed(&h, s, n, &whole);
	html_text_finish(&h, &whole);
	html_text_init(&h);
	for (off = 0; off < n; off += k) {
		k = piece(rng, n - off);
		html_text_feed(&h, s + off, k, &split);
	}
	html_text_finish(&h, &split);
	same(&whole, &split);
	if (utf8_valid(s, n))
		valid(&whole);
	buf_free(&whole);
	buf_free(&split);
}

struct hdr_log {
	struct buf	 b;
};

static int
on_field(void *ctx, const char *name, size_t nlen, const char *v,
    size_t vlen)
{
	struct hdr_log *l = ctx;

	if (nlen == 0 || memchr(name, ':', nlen) != NULL ||
	    memchr(v, '\n', vlen) != NULL || vlen > HDR_FIELD_MAX)
		abort();
	buf_put(&l->b, name, nlen);
	buf_putc(&l->b, 0);
	buf_put(&l->b, v, vlen);
	buf_putc(&l->b, 0);
	(void)date_parse_rfc5322(v, vlen);
	return 0;
}

static void
do_header(const char *s, size_t n, uint32_t *rng)
{
	struct hdr_split hs;
	struct hdr_log whole, split;
	size_t off, k;

	buf_init(&whole.b, 64u << 20);
	buf_init(&split.b, 64u << 20);
	hdr_split_init(&hs, on_field, &whole);
	hdr_split_feed(&hs, s, n);
	hdr_split_finish(&hs);
	hdr_split_free(&hs);
	hdr_split_init(&hs, on_field, &split);
	for (off = 0; off < n; off += k) {
		k = piece(rng, n - off);
		hdr_split_feed(&hs, s + off, k);
	}
	hdr_split_finish(&hs);
	hdr_split_free(&hs);
	same(&whole.b, &split.b);
	buf_free(&whole.b);
	buf_free(&split.b);
	(void)date_parse_internal(s, n);
	(void)date_parse_rfc5322(s, n);
}

static void
do_mutf7(const char *s, size_t n)
{
	struct buf out;
	size_t i;

	buf_init(&out, OUT_MAX);
	if (mutf7_decode(&out, s, n) == 0)
		valid(&out);
	buf_reset(&out);
	if (mutf7_encode(&out, s, n) == 0) {
		if (!utf8_valid(s, n))
			abort();
		for (i = 0; i < out.len; i++)
			if ((unsigned char)out.s[i] < 0x20 ||
			    (unsigned char)out.s[i] > 0x7e)
				abort();
	}
	buf_free(&out);
}

static void
do_filename(const char *s, size_t n)
{
	struct buf out;
	uint32_t cp;
	size_t i, k;

	buf_init(&out, 4 * MIME_FILENAME_MAX);
	if (mime_sanitize_filename(s, n, "fallback", &out) < 0)
		abort();
	if (out.len == 0 || out.len > MIME_FILENAME_MAX || out.s[0] == '.' ||
	    memchr(out.s, '/', out.len) != NULL || strlen(out.s) != out.len)
		abort();
	valid(&out);
	for (i = 0; i < out.len; i += k) {
		k = utf8_decode(out.s + i, out.len - i, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			abort();
	}
	buf_free(&out);
}

/* The emitter: JSON must parse back, XML must be well-formed. */
static void
do_emit(const char *s, size_t n)
{
	static const enum emit_format fmts[] = { EMIT_JSON, EMIT_XML,
	    EMIT_TEXT };
	struct emit *e;
	struct err err;
	json_error_t jerr;
	json_t *j;
	xmlDocPtr doc;
	char *mem, *cs;
	size_t memlen, i, k, cl;
	uint32_t cp;

	if ((cs = strndup(s, n)) == NULL)
		abort();
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		FILE *fp = open_memstream(&mem, &memlen);

		if (fp == NULL)
			abort();
		e = emit_new(fmts[i], fp, "fuzz");
		emit_record_begin(e, "r");
		emit_strn(e, "s", s, n);
		emit_list_begin(e, "l", "i");
		emit_strn(e, NULL, s, n);
		emit_list_end(e);
		emit_address(e, "a", cs, cs);
		emit_record_end(e);
		if (emit_finish(e, &err) < 0)
			abort();
		emit_free(e);
		fclose(fp);
		if (!utf8_valid(mem, memlen))
			abort();
		switch (fmts[i]) {
		case EMIT_JSON:
			if ((j = json_loadb(mem, memlen, JSON_ALLOW_NUL,
			    &jerr)) == NULL)
				abort();
			json_decref(j);
			break;
		case EMIT_XML:
			doc = xmlReadMemory(mem, (int)memlen, "fuzz.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING);
			if (doc == NULL)
				abort();
			xmlFreeDoc(doc);
			break;
		default:
			/*
			 * One line, and nothing a terminal acts on: only the
			 * record's end is a line break, no C0 but tab, no
			 * DEL, no C1.
			 */
			for (k = 0; k < memlen; k += cl) {
				cl = utf8_decode(mem + k, memlen - k, &cp);
				if ((cp < 0x20 && cp != '\t' && !(cp == '\n' &&
				    k + 1 == memlen)) ||
				    (cp >= 0x7f && cp <= 0x9f))
					abort();
			}
			break;
		}
		free(mem);
	}
	free(cs);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *s = (const char *)data + 2;
	uint32_t rng = 2166136261u;
	char *label;
	size_t n, i;

	if (len < 2)
		return 0;
	n = len - 2;
	for (i = 0; i < len; i++)
		rng = (rng ^ data[i]) * 16777619u;
	rng |= 1;
	switch (data[0] % 10) {
	case 0:
		do_rfc2047(s, n);
		break;
	case 1:
		do_charset(charsets[data[1] % (sizeof(charsets) /
		    sizeof(charsets[0]))], s, n, &rng);
		break;
	case 2:
		do_xfer(XFER_BASE64, s, n, &rng);
		break;
	case 3:
		do_xfer(XFER_QP, s, n, &rng);
		break;
	case 4:
		do_html(s, n, &rng);
		break;
	case 5:
		do_header(s, n, &rng);
		break;
	case 6:
		do_mutf7(s, n);
		break;
	case 7:
		do_filename(s, n);
		break;
	case 8:
		do_emit(s, n);
		break;
	default:
		/* A charset name the server made up: up to a line break. */
		for (i = 0; i < n && i < 80 && s[i] != '\n'; i++)
			;
		if ((label = strndup(s, i)) == NULL)
			abort();
		if (i < n)
			i++;
		do_charset(label, s + i, n - i, &rng);
		free(label);
		break;
	}
	return 0;
}
