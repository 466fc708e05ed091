/* SPDX-License-Identifier: MIT */
/*
 * Modified UTF-7 (RFC 3501 section 5.1.3): the RFC's examples both ways,
 * round trips, and each non-canonical or broken form refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mutf7.h"
#include "t.h"

#define MAXNAME	4096

static void
encode_is(const char *utf8, size_t len, const char *want, const char *name)
{
	struct buf b = BUF_INIT(MAXNAME);
	char label[200];

	snprintf(label, sizeof(label), "encode %s", name);
	if (t_ok(mutf7_encode(&b, utf8, len) == 0, label))
		t_streq(b.s, want, label);
	buf_free(&b);
}

static void
decode_is(const char *m, const char *want, size_t wantlen, const char *name)
{
	struct buf b = BUF_INIT(MAXNAME);
	char label[200];

	snprintf(label, sizeof(label), "decode %s", name);
	if (t_ok(mutf7_decode(&b, m, strlen(m)) == 0, label))
		t_memeq(b.s, b.len, want, wantlen, label);
	buf_free(&b);
}

/* Both ways. */
#define BOTH(utf8, m, name) do { \
	encode_is(utf8, sizeof(utf8) - 1, m, name); \
	decode_is(m, utf8, sizeof(utf8) - 1, name); \
} while (0)

static void
test_valid(void)
{
	BOTH("", "", "empty");
	BOTH("INBOX", "INBOX", "plain ascii");
	BOTH("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	    "~peter/mail/&U,BTFw-/&ZeVnLIqe-", "RFC 3501 example");
	BOTH("&", "&-", "ampersand");
	BOTH("Tom & Jerry", "Tom &- Jerry", "ampersand inside");
	BOTH("&&", "&-&-", "two ampersands");
	BOTH("Entw\xc3\xbcrfe", "Entw&APw-rfe", "Entwurfe");
	BOTH("\xc3\xa4\xc3\xb6\xc3\xbc", "&AOQA9gD8-", "three in one shift");
	BOTH("\xc3\xa4&", "&AOQ-&-", "shift then ampersand");
	BOTH("\xf0\x9f\x98\x80", "&2D3eAA-", "emoji as a surrogate pair");
	BOTH("a\xf0\x9f\x93\xa7" "b", "a&2D3c5w-b", "emoji inside");
	BOTH("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
	    "&BB8EQAQ4BDIENQRC-", "Cyrillic");
	BOTH("a-b_c.d/e~f", "a-b_c.d/e~f", "punctuation stands for itself");
	BOTH("\t", "&AAk-", "tab goes in a shift");
	BOTH("\x7f", "&AH8-", "DEL goes in a shift");
	BOTH("[Gmail]/Entw\xc3\xbc" "rfe", "[Gmail]/Entw&APw-rfe",
	    "Gmail drafts");

	/* Tolerated on decode, though an encoder merges the shifts. */
	decode_is("&AKE-&AKE-", "\xc2\xa1\xc2\xa1", 4,
	    "two adjacent shifts");
	encode_is("\xc2\xa1\xc2\xa1", 4, "&AKEAoQ-",
	    "one shift for adjacent characters");
}

static void
reject_decode(const char *m, const char *name)
{
	struct buf b = BUF_INIT(MAXNAME);
	char label[200];

	buf_puts(&b, "keep");
	snprintf(label, sizeof(label), "decode rejects %s", name);
	t_ok(mutf7_decode(&b, m, strlen(m)) == -1 &&
	    strcmp(b.s, "keep") == 0, label);
	buf_free(&b);
}

static void
test_invalid(void)
{
	struct buf b = BUF_INIT(MAXNAME);

	reject_decode("a\tb", "a raw tab");
	reject_decode("a\x7f", "a raw DEL");
	reject_decode("Entw\xc3\xbcrfe", "8-bit bytes (raw UTF-8)");
	reject_decode("&AKE", "an unterminated shift");
	reject_decode("abc&", "a lone & at the end");
	reject_decode("&AKE-&", "a second unterminated shift");
	reject_decode("&AKEA", "unterminated after a full unit");
	reject_decode("&AEE-", "a shift for printable ASCII (A)");
	reject_decode("&AGE-&AGE-", "adjacent shifts for printable ASCII (aa)");
	reject_decode("&ACY-", "a shift for & itself");
	reject_decode("&AKEAQQ-", "printable ASCII after a real character");
	reject_decode("&AAA-", "U+0000");
	reject_decode("&AKF-", "non-zero leftover bits");
	reject_decode("&AKEA-", "a base64 character too many");
	reject_decode("&AG-", "too few bits for a unit");
	reject_decode("&A-", "a single base64 character");
	reject_decode("&2D0-", "a lone high surrogate");
	reject_decode("&3gA-", "a lone low surrogate");
	reject_decode("&2D3YPQ-", "two high surrogates");
	reject_decode("&2D0AYQ-", "a high surrogate then a BMP character");
	reject_decode("&2D0-&3gA-", "a pair split over two shifts");
	reject_decode("&U/BTFw-", "'/' instead of ','");
	reject_decode("&AKE=-", "base64 padding");
	reject_decode("&AK E-", "a space in a shift");
	reject_decode("&AK\xc3\xa9-", "8-bit bytes in a shift");

	t_ok(mutf7_decode(&b, "a\0b", 3) == -1, "decode rejects a raw NUL");

	buf_puts(&b, "keep");
	t_ok(mutf7_encode(&b, "a\xff", 2) == -1 && strcmp(b.s, "keep") == 0,
	    "encode rejects invalid UTF-8, buffer unchanged");
	t_ok(mutf7_encode(&b, "\xed\xa0\x80", 3) == -1,
	    "encode rejects a UTF-8 surrogate");
	t_ok(mutf7_encode(&b, "\xc0\xa6", 2) == -1,
	    "encode rejects an overlong &");
	buf_free(&b);
}

static void
test_ceiling(void)
{
	struct buf b = BUF_INIT(6);

	t_ok(mutf7_encode(&b, "ab\xc3\xbc", 4) == -1 && b.len == 0,
	    "encode past the ceiling fails, buffer unchanged");
	t_ok(mutf7_decode(&b, "abcdefg", 7) == -1 && b.len == 0,
	    "decode past the ceiling fails, buffer unchanged");
	t_ok(mutf7_encode(&b, "&&&", 3) == 0 && strcmp(b.s, "&-&-&-") == 0,
	    "encode up to the ceiling");
	buf_free(&b);
}

/* Every BMP character but surrogates, then every supplementary plane. */
static void
test_round_trip(void)
{
	struct buf u = BUF_INIT(1 << 20), m = BUF_INIT(1 << 22),
	    back = BUF_INIT(1 << 20);
	unsigned long cp;
	char c;

	buf_puts(&u, "x");
	for (cp = 1; cp < 0x110000; cp += cp < 0x10000 ? 1 : 0x101) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80) {
			c = (char)cp;
			buf_put(&u, &c, 1);
		} else if (cp < 0x800) {
			buf_putf(&u, "%c%c", (char)(0xc0 | cp >> 6),
			    (char)(0x80 | (cp & 0x3f)));
		} else if (cp < 0x10000) {
			buf_putf(&u, "%c%c%c", (char)(0xe0 | cp >> 12),
			    (char)(0x80 | (cp >> 6 & 0x3f)),
			    (char)(0x80 | (cp & 0x3f)));
		} else {
			buf_putf(&u, "%c%c%c%c", (char)(0xf0 | cp >> 18),
			    (char)(0x80 | (cp >> 12 & 0x3f)),
			    (char)(0x80 | (cp >> 6 & 0x3f)),
			    (char)(0x80 | (cp & 0x3f)));
		}
	}
	t_ok(mutf7_encode(&m, u.s, u.len) == 0, "round trip: encode all");
	t_ok(mutf7_decode(&back, m.s, m.len) == 0, "round trip: decode all");
	t_memeq(back.s, back.len, u.s, u.len, "round trip: same text");
	buf_free(&u);
	buf_free(&m);
	buf_free(&back);
}

int
main(void)
{
	test_valid();
	test_invalid();
	test_ceiling();
	test_round_trip();
	return t_done();
}
