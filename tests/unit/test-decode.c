/* SPDX-License-Identifier: MIT */
/*
 * Decoding of mail: charsets, transfer encodings, RFC 2047 header text,
 * dates, header splitting, HTML to text and mboxrd quoting. Every
 * streaming decoder is fed whole and in pieces of every size from one
 * byte up, and must give the same output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "charset.h"
#include "date.h"
#include "header.h"
#include "html.h"
#include "mbox.h"
#include "rfc2047.h"
#include "t.h"
#include "utf8.h"
#include "xfer.h"

#define R	"\xef\xbf\xbd"

/* A streaming decoder behind one interface, for the piece tests. */
struct dec {
	void	*(*open)(const char *arg);
	int	 (*feed)(void *, const char *, size_t, struct buf *);
	int	 (*finish)(void *, struct buf *);
	void	 (*close)(void *);
};

static void *
cs_open(const char *arg)
{
	return charset_open(arg);
}

static int
cs_feed(void *c, const char *s, size_t n, struct buf *out)
{
	return charset_feed(c, s, n, out);
}

static int
cs_finish(void *c, struct buf *out)
{
	return charset_finish(c, out);
}

static void
cs_close(void *c)
{
	charset_close(c);
}

static const struct dec cs_dec = { cs_open, cs_feed, cs_finish, cs_close };

static void *
x_open(const char *arg)
{
	return xfer_new(xfer_enc_parse(arg));
}

static int
x_feed(void *c, const char *s, size_t n, struct buf *out)
{
	return xfer_feed(c, s, n, out);
}

static int
x_finish(void *c, struct buf *out)
{
	return xfer_finish(c, out);
}

static void
x_close(void *c)
{
	xfer_free(c);
}

static const struct dec x_dec = { x_open, x_feed, x_finish, x_close };

static void *
h_open(const char *arg)
{
	struct html_text *h = malloc(sizeof(*h));

	(void)arg;
	html_text_init(h);
	return h;
}

static int
h_feed(void *c, const char *s, size_t n, struct buf *out)
{
	return html_text_feed(c, s, n, out);
}

static int
h_finish(void *c, struct buf *out)
{
	return html_text_finish(c, out);
}

static const struct dec h_dec = { h_open, h_feed, h_finish, free };

static void *
m_open(const char *arg)
{
	struct mboxrd *m = malloc(sizeof(*m));
	struct buf b;

	(void)arg;
	buf_init(&b, 1024);
	mboxrd_begin(m, 0, NULL, &b);
	buf_free(&b);
	return m;
}

static int
m_feed(void *c, const char *s, size_t n, struct buf *out)
{
	return mboxrd_feed(c, s, n, out);
}

static int
m_finish(void *c, struct buf *out)
{
	return mboxrd_end(c, out);
}

static const struct dec m_dec = { m_open, m_feed, m_finish, free };

/* Whole, then in pieces of 1, 2, 3 ... bytes: all must give want. */
static void
stream_is(const struct dec *d, const char *arg, const char *in, size_t n,
    const char *want, size_t wantlen, const char *name)
{
	struct buf out;
	char label[160];
	size_t piece, i, k;
	void *c;
	int ok = 1;

	for (piece = 0; piece <= n && piece <= 24; piece++) {
		buf_init(&out, 1 << 20);
		c = d->open(arg);
		if (piece == 0)
			d->feed(c, in, n, &out);
		else
			for (i = 0; i < n; i += k) {
				k = n - i < piece ? n - i : piece;
				d->feed(c, in + i, k, &out);
			}
		d->finish(c, &out);
		d->close(c);
		if (out.len != wantlen || memcmp(out.s, want, wantlen) != 0) {
			snprintf(label, sizeof(label), "%s (pieces of %zu)",
			    name, piece);
			t_memeq(out.s, out.len, want, wantlen, label);
			ok = 0;
			buf_free(&out);
			break;
		}
		buf_free(&out);
	}
	if (ok)
		t_ok(1, name);
}

#define CS(cs, in, want, name) \
	stream_is(&cs_dec, cs, in, sizeof(in) - 1, want, sizeof(want) - 1, name)
#define XF(enc, in, want, name) \
	stream_is(&x_dec, enc, in, sizeof(in) - 1, want, sizeof(want) - 1, name)
#define HT(in, want, name) \
	stream_is(&h_dec, NULL, in, sizeof(in) - 1, want, sizeof(want) - 1, name)
#define MB(in, want, name) \
	stream_is(&m_dec, NULL, in, sizeof(in) - 1, want, sizeof(want) - 1, name)

static void
test_charset(void)
{
	struct buf b;

	CS("UTF-8", "Gr\xc3\xbc\xc3\x9f" "e \xe2\x98\x95", "Gr\xc3\xbc\xc3\x9f"
	    "e \xe2\x98\x95", "UTF-8 passes through, split anywhere");
	CS(NULL, "a\xff" "b\xc3", "a" R "b" R, "invalid UTF-8 and a cut-off "
	    "tail become U+FFFD");
	CS("utf-8", "\xed\xa0\x80" "x", R R R "x", "a surrogate is invalid");
	CS("ISO-8859-1", "M\xfcnchen \x80", "M\xc3\xbcnchen \xe2\x82\xac",
	    "Latin-1 is read as Windows-1252");
	CS("windows-1252", "\x93quoted\x94 \x81", "\xe2\x80\x9cquoted"
	    "\xe2\x80\x9d " R, "Windows-1252, an unassigned byte is U+FFFD");
	CS("KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4", "\xd0\x9f\xd1\x80\xd0\xb8"
	    "\xd0\xb2\xd0\xb5\xd1\x82", "KOI8-R");
	CS("ISO-2022-JP", "\x1b$B$3$s$K$A$O\x1b(B!", "\xe3\x81\x93\xe3\x82"
	    "\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf!", "ISO-2022-JP with "
	    "escapes split anywhere");
	CS("Shift_JIS", "\x93\xfa\x96\x7b\x8c\xea", "\xe6\x97\xa5\xe6\x9c\xac"
	    "\xe8\xaa\x9e", "Shift_JIS, two-byte characters split");
	CS("Shift_JIS", "a\x81", "a" R, "Shift_JIS cut off at the end");
	CS("UTF-16BE", "\xd8\xd8\x00\x00", R R "\0", "UTF-16: a surrogate "
	    "cut by a piece and then found bad gives its U+FFFD once");
	CS("UTF-32BE", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
	    R R R R R R R R R R R R R R R R R R R R R R R R, "UTF-32: bad units "
	    "in small pieces overflow nothing (found by fuzzing: what was kept "
	    "between pieces grew past its buffer)");
	CS("x-no-such-charset", "ok \xc3\xa9 \xff", "ok \xc3\xa9 " R,
	    "an unknown charset is read as UTF-8");
	CS("UTF-8*en", "\xc3\xa9", "\xc3\xa9", "an RFC 2231 language is "
	    "ignored");
	t_ok(charset_known("koi8-r") && !charset_known("x-bogus"),
	    "charset_known");
	buf_init(&b, 64);
	charset_guess_to_utf8("caf\xe9", 4, &b);
	t_streq(b.s, "caf\xc3\xa9", "raw 8-bit that is not UTF-8 is "
	    "Windows-1252");
	buf_reset(&b);
	charset_guess_to_utf8("caf\xc3\xa9", 5, &b);
	t_streq(b.s, "caf\xc3\xa9", "raw 8-bit that is UTF-8 stays");
	buf_free(&b);
}

/*
 * glibc's ISO-2022-CN-EXT decoder can fail with EILSEQ having used all
 * its input; skipping "the bad byte" then made the length wrap round and
 * iconv read on past the end of the buffer. Found by probing iconv's
 * charsets for what they do at the end of the input.
 */
static void
test_charset_utf8_alias(void)
{
	static const char in[] = "caf\xc3\xa9 \xf7\xb7\xb7\xb7 \xf4\x90\x80\x80!";
	struct buf b;

	/* glibc reads "u$tf-8" as UTF-8, and lets F7 B7 B7 B7 through. */
	buf_init(&b, 1 << 20);
	t_ok(charset_to_utf8("u$tf-8", in, sizeof(in) - 1, &b) == 0 &&
	    utf8_valid(b.s, b.len) && strncmp(b.s, "caf\xc3\xa9 \xef\xbf\xbd",
	    9) == 0 && b.s[b.len - 1] == '!',
	    "a UTF-8 label in another spelling: invalid bytes become U+FFFD");
	buf_free(&b);
	buf_init(&b, 1 << 20);
	t_ok(rfc2047_decode("=?u$tf-8?q?caf=C3=A9_\xf7\xb7\xb7\xb7?=",
	    sizeof("=?u$tf-8?q?caf=C3=A9_\xf7\xb7\xb7\xb7?=") - 1, &b) == 0 &&
	    utf8_valid(b.s, b.len), "an encoded word in such a charset is "
	    "valid UTF-8 (found by fuzz-decode)");
	buf_free(&b);
}

static void
test_charset_overrun(void)
{
	static const char in[] = "\x6f\x01\x09\x3e\x36\xf7\x3f\x77\xc4"
	    "\x1f\xb2\x9c\x1a\x5c\xd5\xdf\xb6\x30\xc1\xa9\x9c\xd5\x2c"
	    "\x0e";
	struct charset_conv *c;
	struct buf b;
	char *p;
	size_t n = sizeof(in) - 1, piece, i, k;
	int ok = 1;

	/* The bytes alone on the heap, so a sanitizer sees any overrun. */
	p = malloc(n);
	if (p == NULL)
		abort();
	memcpy(p, in, n);
	for (piece = 0; piece <= n; piece++) {
		buf_init(&b, 1 << 20);
		if (piece == 0)
			charset_to_utf8("ISO-2022-CN-EXT", p, n, &b);
		else {
			c = charset_open("ISO-2022-CN-EXT");
			for (i = 0; i < n; i += k) {
				k = n - i < piece ? n - i : piece;
				charset_feed(c, p + i, k, &b);
			}
			charset_finish(c, &b);
			charset_close(c);
		}
		/* At most a U+FFFD or a character for each byte. */
		if (b.len > 4 * n || !utf8_valid(b.s, b.len))
			ok = 0;
		buf_free(&b);
	}
	free(p);
	t_ok(ok, "ISO-2022-CN-EXT failing at the end of its input reads "
	    "nothing past it, whole or in pieces");
}

static void
test_xfer(void)
{
	struct buf b;

	XF("base64", "SGVsbG8s\r\nIHdvcmxk\r\nIQ==\r\n", "Hello, world!",
	    "base64 over lines");
	XF("BASE64", "SGVs bG8*#", "Hello", "base64: stray characters skipped");
	XF("base64", "SGk=SGk=", "HiHi", "base64: glued blobs");
	XF("base64", "SGVsbG8", "Hello", "base64: missing padding");
	XF("base64", "", "", "base64: empty");
	XF("base64", "SGVsbG8gd29yb=QUJD", "Hello worABC", "base64: padding "
	    "inside a quantum ends the blob, whole or in pieces");
	XF("base64", "SGVsbG8oexe31mtxtgd29ybGQ=QUJD", "Hello({\x17\xb7\xd6"
	    "kq\xb6\x07v\xf7&\xc6" "ABC", "base64: a blob of the wrong length "
	    "is decoded, not dropped (found by fuzzing)");
	XF("base64", "QQ===QUJD=", "AABC", "base64: too much padding");
	XF("quoted-printable", "caf=C3=A9 =\r\nsoft=\nbreak=3D=3d\r\n",
	    "caf\xc3\xa9 softbreak==\r\n", "quoted-printable");
	XF("quoted-printable", "bad =ZZ =4 end=", "bad =ZZ =4 end=",
	    "quoted-printable: malformed escapes kept");
	XF("quoted-printable", "a=\rb==41", "a=\rb=A", "quoted-printable: "
	    "= CR without LF, == then an escape");
	XF("7bit", "as\r\nis=41", "as\r\nis=41", "7bit passes through");
	XF(NULL, "x", "x", "no encoding passes through");
	buf_init(&b, 64);
	xfer_q("a_b=3Fc=", 8, 1, &b);
	t_streq(b.s, "a b?c=", "Q: underscore is a space");
	buf_free(&b);
}

static void
dec_is(const char *in, const char *want, const char *name)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	rfc2047_decode(in, strlen(in), &b);
	t_streq(b.s, want, name);
	buf_free(&b);
}

static void
test_rfc2047(void)
{
	dec_is("plain text", "plain text", "plain text");
	dec_is("=?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4g4piV?=",
	    "Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\xbcnchen \xe2\x98\x95",
	    "UTF-8, B");
	dec_is("=?ISO-8859-1?Q?J=F6rg_M=FCller?= <joerg@example.de>",
	    "J\xc3\xb6rg M\xc3\xbcller <joerg@example.de>", "ISO-8859-1, Q");
	dec_is("=?windows-1252?Q?=93Hi=94?=", "\xe2\x80\x9cHi\xe2\x80\x9d",
	    "Windows-1252");
	dec_is("=?KOI8-R?B?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2"
	    "\xd0\xb5\xd1\x82", "KOI8-R");
	dec_is("=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=",
	    "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf",
	    "ISO-2022-JP");
	dec_is("=?Shift_JIS?B?k/qWe4zq?=", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa"
	    "\x9e", "Shift_JIS");
	dec_is("=?UTF-8?Q?a?= =?UTF-8?Q?b?=\r\n =?UTF-8?Q?c?=", "abc",
	    "white space between encoded words is dropped, folding too");
	dec_is("=?UTF-8?Q?=E2=98?= =?UTF-8?Q?=95?=", "\xe2\x98\x95",
	    "a character split between two words is joined");
	dec_is("=?UTF-8?Q?a?= x =?UTF-8?Q?b?=", "a x b",
	    "text between words is kept with its spaces");
	dec_is("=?UTF-8?Q?a?= =?ISO-8859-1?Q?=E9?=", "a\xc3\xa9",
	    "adjacent words in different charsets");
	dec_is("=?UTF-8?B?####?= ok", R " ok", "a damaged B word is U+FFFD");
	dec_is("=?UTF-8?Q?=FF?=", R, "bytes invalid in the charset");
	dec_is("=?UTF-8?B?SGVsbG8", "=?UTF-8?B?SGVsbG8",
	    "an unterminated word is kept as text");
	dec_is("=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=", "an unknown encoding is "
	    "kept as text");
	dec_is("=?UTF-8*de?Q?Gr=C3=BC=C3=9Fe?=", "Gr\xc3\xbc\xc3\x9f" "e",
	    "RFC 2231 language in a word");
	dec_is("=?x-bogus?Q?caf=C3=A9?=", "caf\xc3\xa9", "unknown charset as "
	    "UTF-8");
	dec_is("Gr\xc3\xbc\xc3\x9f" "e", "Gr\xc3\xbc\xc3\x9f" "e",
	    "raw UTF-8 header");
	dec_is("Gr\xfc\xdf" "e", "Gr\xc3\xbc\xc3\x9f" "e",
	    "raw Latin-1 header");
	dec_is("Hello\r\n world", "Hello world", "unfolding");
	dec_is("x=?UTF-8?Q?y?=z", "xyz", "a word inside text");
}

static void
date_is(const char *s, const char *want, const char *name)
{
	char out[64] = "null";
	time_t t = date_parse_rfc5322(s, strlen(s));
	struct tm tm;

	if (t != (time_t)-1 && gmtime_r(&t, &tm) != NULL)
		strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
	t_streq(out, want, name);
}

static void
idate_is(const char *s, const char *want, const char *name)
{
	char out[64] = "null";
	time_t t = date_parse_internal(s, strlen(s));
	struct tm tm;

	if (t != (time_t)-1 && gmtime_r(&t, &tm) != NULL)
		strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
	t_streq(out, want, name);
}

static void
test_date(void)
{
	date_is("Fri, 01 Mar 2024 09:22:03 +0000", "2024-03-01T09:22:03Z",
	    "RFC 5322");
	date_is("Fri, 1 Mar 2024 10:22:03 +0100 (CET)", "2024-03-01T09:22:03Z",
	    "zone offset and comment");
	date_is("1 Mar 2024 01:22 -0800", "2024-03-01T09:22:00Z",
	    "no day name, no seconds");
	date_is("Friday,01 March 2024 09:22:03 GMT", "2024-03-01T09:22:03Z",
	    "full names, GMT");
	date_is("Thu, 29 Feb 96 04:22:03 EST", "1996-02-29T09:22:03Z",
	    "two-digit year, EST");
	date_is("Mon, 3 Jan 05 12:00:00 +0000", "2005-01-03T12:00:00Z",
	    "two-digit year below 50");
	date_is("1 Jan 101 00:00:00 Z", "2001-01-01T00:00:00Z",
	    "three-digit year");
	date_is("1 Mar 2024 09:22:03 X", "2024-03-01T09:22:03Z",
	    "military zone is UTC");
	date_is("1 Mar 2024 09:22:03", "2024-03-01T09:22:03Z",
	    "missing zone is UTC");
	date_is(" Fri (day) , 01 (x) Mar 2024 09 : 22 : 03 +0000",
	    "2024-03-01T09:22:03Z", "comments and spaces between parts");
	date_is("31 Dec 1969 23:59:58 +0000", "1969-12-31T23:59:58Z",
	    "before the epoch");
	date_is("not a date", "null", "malformed");
	date_is("", "null", "empty");
	date_is("30 Feb 2024 10:00:00 +0000", "null", "no such day");
	date_is("Fri, 01 Mar 2024 25:00:00 +0000", "null", "hour 25");
	date_is("Fri, 01 Foo 2024 10:00:00 +0000", "null", "bad month");
	date_is("Blursday, 01 Mar 2024 10:00:00 +0000", "null", "bad day name");
	idate_is("01-Mar-2024 09:22:03 +0000", "2024-03-01T09:22:03Z",
	    "INTERNALDATE");
	idate_is(" 1-Mar-2024 10:22:03 +0100", "2024-03-01T09:22:03Z",
	    "INTERNALDATE, space-padded day, offset");
	idate_is("01-Mar-2024 09:22:03", "null", "INTERNALDATE without zone");
	idate_is("31-Apr-2024 09:22:03 +0000", "null", "INTERNALDATE bad day");
}

/* Header fields collected as "name=value|". */
static int
collect(void *ctx, const char *n, size_t nl, const char *v, size_t vl)
{
	struct buf *b = ctx;

	buf_put(b, n, nl);
	buf_putc(b, '=');
	buf_put(b, v, vl);
	buf_putc(b, '|');
	return 0;
}

static void
test_header(void)
{
	static const char h[] = "From mbox line\r\nSubject: Hello\r\n"
	    "  folded\r\n\tagain \r\nX-Empty:\r\nTo : a@b\nbad line\r\n"
	    "Last: v\r\n\r\nBody: no\r\n";
	static const char want[] = "Subject=Hello  folded\tagain|X-Empty=|"
	    "To=a@b|Last=v|";
	struct hdr_split hs;
	struct buf b;
	char label[64];
	size_t piece, i, k, n = sizeof(h) - 1;
	int ok = 1;

	for (piece = 1; piece <= n; piece++) {
		buf_init(&b, 4096);
		hdr_split_init(&hs, collect, &b);
		for (i = 0; i < n; i += k) {
			k = n - i < piece ? n - i : piece;
			hdr_split_feed(&hs, h + i, k);
		}
		hdr_split_finish(&hs);
		hdr_split_free(&hs);
		if (strcmp(b.s, want) != 0) {
			snprintf(label, sizeof(label), "header split, pieces "
			    "of %zu", piece);
			t_streq(b.s, want, label);
			ok = 0;
			buf_free(&b);
			break;
		}
		buf_free(&b);
	}
	if (ok)
		t_ok(1, "header split whole and in pieces");
	buf_init(&b, 4096);
	hdr_split_init(&hs, collect, &b);
	hdr_split_feed(&hs, "A: 1\r\nB: 2", 10);
	hdr_split_finish(&hs);
	hdr_split_free(&hs);
	t_streq(b.s, "A=1|B=2|", "a header without the empty line");
	buf_free(&b);
}

static void
test_html(void)
{
	HT("<html><head><title>T</title><style>p{x:1}</style></head>"
	    "<body><p>Hello&nbsp;<b>world</b> &amp; you</p>"
	    "<!-- <p>hidden</p> --><div>a<br>b</div>"
	    "<script>var x = '<p>';</script>&#8364;&#x20AC;&bogus; &amp"
	    "</body></html>",
	    "T\n\nHello world & you\n\na\nb\n\xe2\x82\xac\xe2\x82\xac&bogus; &amp",
	    "HTML to text");
	HT("<a href=\"x>y\" title='>'>link</a>  text\n\n more",
	    "link text more", "quoted '>' in attributes, spaces collapsed");
	HT("<!DOCTYPE html><p>x</p>", "x\n", "a declaration");
}

static void
test_mbox(void)
{
	static const char want[] = "line\n>From me\n>>From you\n"
	    ">>>From x\n>Fro\nFromage\n a\rb\n\n";

	MB("line\r\nFrom me\r\n>From you\r\n>>From x\r\n>Fro\r\nFromage\r\n"
	    " a\rb", want, "mboxrd quoting and line ends");
	MB("x\n", "x\n\n", "a message that ends with a line break");
	MB(">>", ">>\n\n", "a message that ends in '>'");
}

static void
test_from_line(void)
{
	struct mboxrd m;
	struct buf b;

	buf_init(&b, 256);
	mboxrd_begin(&m, 1709284923, NULL, &b);
	t_streq(b.s, "From MAILER-DAEMON Fri Mar  1 09:22:03 2024\n",
	    "mboxrd From line");
	buf_free(&b);
}

int
main(void)
{
	test_charset();
	test_charset_overrun();
	test_charset_utf8_alias();
	test_xfer();
	test_rfc2047();
	test_date();
	test_header();
	test_html();
	test_mbox();
	test_from_line();
	return t_done();
}
