/* SPDX-License-Identifier: MIT */
/*
 * UTF-8: the strict decoder on each class of invalid input, encoding,
 * validation and sanitising.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "t.h"
#include "utf8.h"

#define R	"\xef\xbf\xbd"

static void
decode_is(const char *s, size_t len, size_t want_n, uint32_t want_cp,
    const char *name)
{
	uint32_t cp = 0;
	size_t n;

	n = utf8_decode(s, len, &cp);
	if (!t_ok(n == want_n && cp == want_cp, name))
		printf("#   got %zu U+%04X, want %zu U+%04X\n", n, (unsigned)cp,
		    want_n, (unsigned)want_cp);
}

#define DEC(s, n, cp, name)	decode_is(s, sizeof(s) - 1, n, cp, name)
#define BAD(s, name)		decode_is(s, sizeof(s) - 1, 1, \
				    UTF8_REPLACEMENT, name)

static void
test_decode(void)
{
	DEC("A", 1, 0x41, "ascii");
	DEC("\0", 1, 0, "NUL is a code point");
	DEC("\x7f", 1, 0x7f, "DEL");
	DEC("\xc2\x80", 2, 0x80, "smallest 2-byte");
	DEC("\xc3\xbc" "x", 2, 0xfc, "u umlaut, rest untouched");
	DEC("\xdf\xbf", 2, 0x7ff, "largest 2-byte");
	DEC("\xe0\xa0\x80", 3, 0x800, "smallest 3-byte");
	DEC("\xe2\x82\xac", 3, 0x20ac, "euro sign");
	DEC("\xed\x9f\xbf", 3, 0xd7ff, "last before surrogates");
	DEC("\xee\x80\x80", 3, 0xe000, "first after surrogates");
	DEC("\xef\xbf\xbd", 3, 0xfffd, "a real U+FFFD");
	DEC("\xef\xbf\xbf", 3, 0xffff, "U+FFFF is valid UTF-8");
	DEC("\xf0\x90\x80\x80", 4, 0x10000, "smallest 4-byte");
	DEC("\xf0\x9f\x98\x80", 4, 0x1f600, "emoji");
	DEC("\xf4\x8f\xbf\xbf", 4, 0x10ffff, "U+10FFFF");

	BAD("\x80", "lone continuation byte");
	BAD("\xbf", "lone continuation byte bf");
	BAD("\xc0\x80", "overlong NUL (c0 80)");
	BAD("\xc1\xbf", "overlong 2-byte (c1 bf)");
	BAD("\xe0\x80\xaf", "overlong 3-byte slash");
	BAD("\xe0\x9f\xbf", "overlong 3-byte (e0 9f bf)");
	BAD("\xf0\x80\x80\xaf", "overlong 4-byte slash");
	BAD("\xf0\x8f\xbf\xbf", "overlong 4-byte (f0 8f bf bf)");
	BAD("\xed\xa0\x80", "high surrogate d800");
	BAD("\xed\xbf\xbf", "low surrogate dfff");
	BAD("\xed\xa0\xbd\xed\xb8\x80", "CESU-8 surrogate pair");
	BAD("\xf4\x90\x80\x80", "above U+10FFFF");
	BAD("\xf5\x80\x80\x80", "lead byte f5");
	BAD("\xf8\x88\x80\x80\x80", "5-byte form");
	BAD("\xfc\x84\x80\x80\x80\x80", "6-byte form");
	BAD("\xfe", "byte fe");
	BAD("\xff", "byte ff");
	BAD("\xc3", "truncated 2-byte at end");
	BAD("\xe2\x82", "truncated 3-byte at end");
	BAD("\xf0\x9f\x98", "truncated 4-byte at end");
	BAD("\xc3" "A", "2-byte cut by ascii");
	BAD("\xe2\x82" "A", "3-byte cut by ascii");
	BAD("\xf0\x9f\x98" "A", "4-byte cut by ascii");
	BAD("\xe2\xc3\xbc", "3-byte cut by a new lead byte");
	decode_is("\xe2\x82\xac", 2, 1, UTF8_REPLACEMENT,
	    "len shorter than the sequence");
}

static void
put_is(uint32_t cp, const char *want, const char *name)
{
	struct buf b = BUF_INIT(16);

	t_ok(utf8_put(&b, cp) == 0, name);
	t_streq(b.s, want, name);
	buf_free(&b);
}

static void
test_put(void)
{
	struct buf b = BUF_INIT(2);

	put_is(0x41, "A", "put ascii");
	put_is(0xfc, "\xc3\xbc", "put 2-byte");
	put_is(0x20ac, "\xe2\x82\xac", "put 3-byte");
	put_is(0x1f600, "\xf0\x9f\x98\x80", "put 4-byte");
	put_is(0x10ffff, "\xf4\x8f\xbf\xbf", "put U+10FFFF");
	put_is(0xd800, R, "put surrogate gives U+FFFD");
	put_is(0x110000, R, "put above U+10FFFF gives U+FFFD");

	t_ok(utf8_put(&b, 0x20ac) == -1 && b.len == 0,
	    "put past the ceiling fails, buffer unchanged");
	buf_free(&b);
}

static void
test_valid(void)
{
	static const char ok[] =
	    "Entw\xc3\xbcrfe \xe2\x82\xac \xf0\x9f\x98\x80";

	t_ok(utf8_valid("", 0), "empty is valid");
	t_ok(utf8_valid(ok, sizeof(ok) - 1), "mixed valid");
	t_ok(utf8_valid("a\0b", 3), "NUL is valid");
	t_ok(!utf8_valid("a\xff", 2), "ff invalid");
	t_ok(!utf8_valid("\xc0\xaf", 2), "overlong invalid");
	t_ok(!utf8_valid("\xed\xb0\x80", 3), "surrogate invalid");
	t_ok(!utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF invalid");
	t_ok(!utf8_valid(ok, sizeof(ok) - 2), "truncated at end invalid");
}

static void
sanitize_is(const char *s, size_t len, const char *want, size_t wantlen,
    const char *name)
{
	struct buf b = BUF_INIT(1024);

	buf_puts(&b, "<");
	t_ok(utf8_sanitize(&b, s, len) == 0, name);
	buf_puts(&b, ">");
	t_memeq(b.s, b.len, want, wantlen, name);
	buf_free(&b);
}

#define SAN(s, want, name) \
	sanitize_is(s, sizeof(s) - 1, want, sizeof(want) - 1, name)

static void
test_sanitize(void)
{
	struct buf b = BUF_INIT(5);

	SAN("plain", "<plain>", "sanitize: valid unchanged");
	SAN("", "<>", "sanitize: empty");
	SAN("a\0b", "<a\0b>", "sanitize: NUL kept");
	SAN("a\xff" "b", "<a" R "b>", "sanitize: ff");
	SAN("\xc0\xaf", "<" R R ">", "sanitize: overlong, one per byte");
	SAN("\xed\xa0\x80" "x", "<" R R R "x>", "sanitize: surrogate");
	SAN("x\xe2\x82", "<x" R R ">", "sanitize: truncated at end");
	SAN("\xe2\x82\xe2\x82\xac", "<" R R "\xe2\x82\xac>",
	    "sanitize: resync on the next lead byte");
	SAN("\xf0\x9f\x98\x80\x80", "<\xf0\x9f\x98\x80" R ">",
	    "sanitize: stray continuation after a valid one");

	buf_puts(&b, "ab");
	t_ok(utf8_sanitize(&b, "c\xff", 2) == -1 && b.len == 2 &&
	    strcmp(b.s, "ab") == 0,
	    "sanitize past the ceiling fails, buffer unchanged");
	buf_free(&b);
}

/* Text for a terminal: shown, never acted on. */
static void
test_inert(void)
{
	static const char in[] = "ok \xc3\xa9\r\n\t\x1b[2J\x7f\xc2\x9b" "1m"
	    "\x9b\xc2\xa0\xe2\x80\xae\xff";
	char *p = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&p, &n);

	if (fp == NULL)
		abort();
	utf8_fput_inert(fp, in, sizeof(in) - 1);
	fclose(fp);
	t_streq(p, "ok \xc3\xa9\\r\\n\\x09\\x1b[2J\\x7f\\x9b" "1m\\x9b"
	    "\xc2\xa0\xe2\x80\xae\\xff", "inert: C0, DEL, C1 and bytes that "
	    "are not UTF-8 escaped, the rest as it is");
	free(p);
}

int
main(void)
{
	test_decode();
	test_put();
	test_valid();
	test_sanitize();
	test_inert();
	return t_done();
}
