/* SPDX-License-Identifier: MIT */
/*
 * UID sets: parsing and its errors, merging, "*", counting, membership,
 * intersection, splitting into command-sized chunks, and reading UIDs and
 * records from a stream with the mailbox and UIDVALIDITY guard.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "t.h"
#include "uidset.h"

/* The set in IMAP syntax, in a static buffer. */
static const char *
fmt(const struct uidset *s)
{
	static char out[8192];
	struct buf b;

	buf_init(&b, sizeof(out) - 1);
	if (uidset_format(s, &b) < 0)
		snprintf(out, sizeof(out), "(too long)");
	else
		snprintf(out, sizeof(out), "%s", b.s);
	buf_free(&b);
	return out;
}

static void
parse_is(const char *in, const char *want, const char *name)
{
	struct uidset s;
	struct err e;

	uidset_init(&s);
	err_clear(&e);
	if (!t_ok(uidset_parse(&s, in, &e) == 0, name))
		printf("#   error: %s\n", e.msg);
	else
		t_streq(fmt(&s), want, name);
	uidset_free(&s);
}

static void
parse_bad(const char *in, const char *part, const char *name)
{
	struct uidset s;
	struct err e;
	char want[128];
	int ok;

	uidset_init(&s);
	uidset_add(&s, 7, 7);
	err_clear(&e);
	ok = uidset_parse(&s, in, &e) < 0 && e.kind == ERR_USAGE;
	snprintf(want, sizeof(want), "at '%s'", part);
	if (!t_ok(ok && strstr(e.msg, want) != NULL, name))
		printf("#   got: %d '%s'\n", e.kind, e.msg);
	/* A bad set leaves what was there. */
	t_streq(fmt(&s), "7", "  ... and the set is unchanged");
	uidset_free(&s);
}

static void
test_parse(void)
{
	struct uidset s;
	struct err e;
	char big[200];
	size_t n;

	parse_is("1", "1", "one UID");
	parse_is("1:100,205,300:*", "1:100,205,300:*", "ranges and *");
	parse_is("5:3", "3:5", "a range written backwards");
	parse_is("3,1,2", "1:3", "unordered, adjacent UIDs merge");
	parse_is("1:5,3:9,20,11:19", "1:9,11:20", "overlaps and adjacency");
	parse_is("*", "*", "* alone");
	parse_is("*:5", "5:*", "*:5 is 5:*");
	parse_is("4:*,2", "2,4:*", "star range keeps its place");
	parse_is("4:*,9", "4:*", "a UID inside n:* merges into it");
	parse_is("4294967294", "4294967294", "the largest UID");
	parse_is("0001", "1", "leading zeros");

	parse_bad("0", "0", "UID 0");
	parse_bad("1,,2", "", "empty element");
	parse_bad("1,", "", "trailing comma");
	parse_bad(",1", "", "leading comma");
	parse_bad("1:", "1:", "open range");
	parse_bad(":5", ":5", "range without start");
	parse_bad("1:2:3", "1:2:3", "two colons");
	parse_bad("1-5", "1-5", "dash range");
	parse_bad("a", "a", "a word");
	parse_bad(" 1", " 1", "leading space");
	parse_bad("1 ", "1 ", "trailing space");
	parse_bad("-1", "-1", "negative");
	parse_bad("+1", "+1", "plus sign");
	parse_bad("4294967295", "4294967295", "2^32-1 is not a UID here");
	parse_bad("99999999999999999999", "99999999999999999999",
	    "overflow");
	parse_bad("1,2,x3", "x3", "error names the bad part");

	uidset_init(&s);
	uidset_add(&s, 7, 7);
	t_ok(uidset_parse(&s, "", &e) < 0 && e.kind == ERR_USAGE &&
	    strstr(e.msg, "empty UID set") != NULL, "empty set");
	t_streq(fmt(&s), "7", "  ... and the set is unchanged");
	uidset_free(&s);

	/* A long set is not echoed whole. */
	for (n = 0; n + 2 < sizeof(big); n += 2)
		memcpy(big + n, "1,", 2);
	memcpy(big + 150, "x1", 2);
	big[sizeof(big) - 2] = '\0';
	uidset_init(&s);
	err_clear(&e);
	t_ok(uidset_parse(&s, big, &e) < 0 && strlen(e.msg) < 200 &&
	    strstr(e.msg, "at 'x1") != NULL, "long bad set: short message");
	uidset_free(&s);

	/* Parsing adds to what is there. */
	uidset_init(&s);
	uidset_add(&s, 10, 12);
	uidset_parse(&s, "1,13", &e);
	t_streq(fmt(&s), "1,10:13", "parse adds to the set");
	uidset_free(&s);
}

static void
test_add(void)
{
	struct uidset s;
	uint32_t i;

	uidset_init(&s);
	t_streq(fmt(&s), "", "empty set formats as nothing");
	uidset_add(&s, 10, 20);
	uidset_add(&s, 30, 40);
	uidset_add(&s, 50, 60);
	uidset_add(&s, 21, 29);
	t_streq(fmt(&s), "10:40,50:60", "filling a gap joins neighbours");
	uidset_add(&s, 5, 55);
	t_streq(fmt(&s), "5:60", "one range swallows several");
	uidset_add(&s, 1, 1);
	uidset_add(&s, 3, 3);
	t_streq(fmt(&s), "1,3,5:60", "insert before");
	uidset_add(&s, 2, 2);
	t_streq(fmt(&s), "1:3,5:60", "2 joins 1 and 3");
	uidset_add(&s, 4, 4);
	t_streq(fmt(&s), "1:60", "4 joins 1:3 and 5:60");
	uidset_add(&s, 100, UIDSET_STAR);
	uidset_add(&s, 70, 80);
	t_streq(fmt(&s), "1:60,70:80,100:*", "insert before a star range");
	uidset_add(&s, 90, UIDSET_STAR);
	t_streq(fmt(&s), "1:60,70:80,90:*", "star ranges merge");
	uidset_add(&s, 61, UIDSET_STAR);
	t_streq(fmt(&s), "1:*", "1:* covers everything");
	uidset_clear(&s);
	t_ok(s.n == 0, "clear empties");

	/* In order, one at a time, as a search result grows. */
	for (i = 1; i <= 100000; i += 2)
		uidset_add(&s, i, i);
	t_ok(s.n == 50000 && uidset_count(&s) == 50000,
	    "50000 separate UIDs");
	for (i = 2; i <= 100000; i += 2)
		uidset_add(&s, i, i);
	t_ok(s.n == 1 && s.r[0].lo == 1 && s.r[0].hi == 100000,
	    "filling every gap leaves one range");
	uidset_free(&s);
}

static void
test_star(void)
{
	struct uidset s;
	struct err e;

	uidset_init(&s);
	uidset_parse(&s, "1:3,10:*", &e);
	t_ok(uidset_has_star(&s), "has star");
	uidset_resolve_star(&s, 20);
	t_streq(fmt(&s), "1:3,10:20", "n:* resolves to n:max");
	t_ok(!uidset_has_star(&s), "no star after resolving");
	uidset_free(&s);

	uidset_init(&s);
	uidset_parse(&s, "1:3,10:*", &e);
	uidset_resolve_star(&s, 5);
	t_streq(fmt(&s), "1:3,5:10", "n:* above max is max:n, as IMAP says");
	uidset_free(&s);

	uidset_init(&s);
	uidset_parse(&s, "*", &e);
	uidset_resolve_star(&s, 42);
	t_streq(fmt(&s), "42", "* is the largest UID");
	uidset_free(&s);

	uidset_init(&s);
	uidset_parse(&s, "2,5:*", &e);
	uidset_resolve_star(&s, 0);
	t_streq(fmt(&s), "2", "in an empty mailbox n:* names nothing");
	uidset_free(&s);

	uidset_init(&s);
	uidset_parse(&s, "2:4", &e);
	uidset_resolve_star(&s, 1);
	t_streq(fmt(&s), "2:4", "no star: unchanged");
	uidset_free(&s);

	uidset_init(&s);
	uidset_parse(&s, "1:3,10:*", &e);
	uidset_bound_star(&s);
	t_streq(fmt(&s), "1:3,10:4294967294", "n:* bounded: never below n");
	uidset_clear(&s);
	uidset_parse(&s, "3,*", &e);
	uidset_bound_star(&s);
	t_streq(fmt(&s), "3,*", "a bare * stays the last message");
	uidset_clear(&s);
	uidset_parse(&s, "1:*", &e);
	uidset_bound_star(&s);
	t_streq(fmt(&s), "1:*", "1:* stays: it cannot reach below 1");
	uidset_clear(&s);
	uidset_parse(&s, "4294967294:*", &e);
	uidset_bound_star(&s);
	t_streq(fmt(&s), "4294967294", "the largest n");
	uidset_clear(&s);
	uidset_bound_star(&s);
	t_ok(s.n == 0, "bounding an empty set");
	uidset_free(&s);
}

static void
test_count_contains(void)
{
	struct uidset s, a, b, out;
	struct err e;

	uidset_init(&s);
	t_ok(uidset_count(&s) == 0, "empty count");
	uidset_parse(&s, "1:100,205,300:309", &e);
	t_ok(uidset_count(&s) == 111, "count of ranges");
	t_ok(uidset_contains(&s, 1) && uidset_contains(&s, 100) &&
	    uidset_contains(&s, 205) && uidset_contains(&s, 309),
	    "contains the ends");
	t_ok(!uidset_contains(&s, 101) && !uidset_contains(&s, 204) &&
	    !uidset_contains(&s, 310) && !uidset_contains(&s, 0),
	    "not the gaps");
	uidset_clear(&s);
	uidset_parse(&s, "1:4294967294", &e);
	t_ok(uidset_count(&s) == 4294967294ULL, "count does not overflow");
	uidset_clear(&s);
	uidset_parse(&s, "10:*", &e);
	t_ok(uidset_contains(&s, 4000000000U), "n:* contains large UIDs");
	uidset_free(&s);

	uidset_init(&a);
	uidset_init(&b);
	uidset_init(&out);
	uidset_parse(&a, "1:10,20:30,40", &e);
	uidset_parse(&b, "5:25,40:*", &e);
	uidset_intersect(&a, &b, &out);
	t_streq(fmt(&out), "5:10,20:25,40", "intersection");
	uidset_clear(&out);
	uidset_clear(&b);
	uidset_intersect(&a, &b, &out);
	t_streq(fmt(&out), "", "intersection with nothing");
	uidset_free(&a);
	uidset_free(&b);
	uidset_free(&out);
}

static void
test_chunks(void)
{
	struct uidset s, back;
	struct buf b, all, whole;
	struct err e;
	size_t pos = 0, n = 0, maxlen = 0;
	uint32_t i;
	int r, ok = 1;

	uidset_init(&s);
	uidset_init(&back);
	buf_init(&b, 65536);
	buf_init(&all, 1 << 22);
	buf_init(&whole, 1 << 22);
	/* 30000 separate UIDs: about 200 KB of set. */
	for (i = 1; i <= 60000; i += 2)
		uidset_add(&s, i, i);
	uidset_add(&s, 70000, UIDSET_STAR);
	while ((r = uidset_next_chunk(&s, &pos, &b)) == 1) {
		n++;
		if (b.len > maxlen)
			maxlen = b.len;
		if (b.len == 0 || b.s[0] == ',' || b.s[b.len - 1] == ',')
			ok = 0;
		if (uidset_parse(&back, b.s, &e) < 0)
			ok = 0;
	}
	t_ok(r == 0, "chunks end with 0");
	t_ok(n > 40, "many chunks");
	if (!t_ok(maxlen <= UIDSET_CHUNK, "no chunk exceeds UIDSET_CHUNK"))
		printf("#   longest chunk %zu\n", maxlen);
	t_ok(ok, "every chunk is a well-formed set");
	uidset_format(&back, &all);
	uidset_format(&s, &whole);
	t_ok(back.n == s.n, "the chunks hold as many ranges as the set");
	t_memeq(all.s, all.len, whole.s, whole.len,
	    "the chunks together are the set");

	uidset_clear(&s);
	pos = 0;
	t_ok(uidset_next_chunk(&s, &pos, &b) == 0, "an empty set: no chunk");
	uidset_add(&s, 3, 9);
	pos = 0;
	t_ok(uidset_next_chunk(&s, &pos, &b) == 1 && strcmp(b.s, "3:9") == 0,
	    "a small set: one chunk");
	t_ok(uidset_next_chunk(&s, &pos, &b) == 0, "  ... and then none");
	uidset_free(&s);
	uidset_free(&back);
	buf_free(&b);
	buf_free(&all);
	buf_free(&whole);
}

/* uidset_read over text given as a string. */
static int
read_str(const char *text, size_t len, const char *mailbox, uint32_t uv,
    struct uidset *s, struct err *e)
{
	FILE *f = fmemopen((void *)(uintptr_t)text, len, "r");
	int r;

	if (f == NULL) {
		perror("fmemopen");
		exit(2);
	}
	err_clear(e);
	r = uidset_read(f, mailbox, uv, s, e);
	fclose(f);
	return r;
}

static void
read_is_in(const char *mailbox, const char *text, const char *want,
    const char *name)
{
	struct uidset s;
	struct err e;

	uidset_init(&s);
	if (!t_ok(read_str(text, strlen(text), mailbox, 1700, &s, &e) == 0,
	    name))
		printf("#   error: %s\n", e.msg);
	else
		t_streq(fmt(&s), want, name);
	uidset_free(&s);
}

static void
read_is(const char *text, const char *want, const char *name)
{
	struct uidset s;
	struct err e;

	uidset_init(&s);
	if (!t_ok(read_str(text, strlen(text), "INBOX", 1700, &s, &e) == 0,
	    name))
		printf("#   error: %s\n", e.msg);
	else
		t_streq(fmt(&s), want, name);
	uidset_free(&s);
}

static void
read_bad(const char *text, size_t len, enum err_kind kind, const char *msg,
    const char *name)
{
	struct uidset s;
	struct err e;
	int ok;

	uidset_init(&s);
	uidset_add(&s, 999, 999);
	ok = read_str(text, len, "Projects/2024", 1700, &s, &e) < 0 &&
	    e.kind == kind && strstr(e.msg, msg) != NULL;
	if (!t_ok(ok, name))
		printf("#   got: %d '%s'\n", e.kind, e.msg);
	t_streq(fmt(&s), "999", "  ... and nothing was added");
	uidset_free(&s);
}

#define READ_BAD(text, kind, msg, name) \
	read_bad(text, sizeof(text) - 1, kind, msg, name)

static void
test_read(void)
{
	struct uidset s;
	struct err e;
	char *big;
	size_t n;

	read_is("", "", "empty input adds nothing");
	read_is("\n\n  \n", "", "blank lines");
	read_is("3\n1\n2\n10\n", "1:3,10", "bare UIDs");
	read_is("  7  \r\n8", "7:8", "white space, CR LF, no final newline");
	read_is("{\"mailbox\":\"INBOX\",\"uidvalidity\":1700,\"uid\":5}\n"
	    "{\"uid\":6,\"mailbox\":\"INBOX\",\"uidvalidity\":1700,"
	    "\"subject\":\"x\",\"flags\":[\"\\\\Seen\"]}\n",
	    "5:6", "JSON records as search prints them");
	read_is("{\"uid\":9}\n", "9", "a record with only uid");
	read_is("{\"mailbox\":\"inbox\",\"uid\":4}\n", "4",
	    "INBOX in any case");
	read_is("[\n{\"mailbox\":\"INBOX\",\"uidvalidity\":1700,\"uid\":1},\n"
	    "{\"mailbox\":\"INBOX\",\"uidvalidity\":1700,\"uid\":3}\n]\n",
	    "1,3", "the lines of -o json");
	read_is("[]\n", "", "an empty -o json array");
	read_is("12\n{\"uid\":13}\n", "12:13", "bare and JSON mixed");

	/* Text records: mailbox TAB uidvalidity TAB uid, then anything. */
	read_is("INBOX\t1700\t5\nINBOX\t1700\t6\t\\Seen \\Flagged\n",
	    "5:6", "text records as search and flag print them");
	read_is("inbox\t1700\t7\t\t\t\r\n", "7",
	    "a text record: INBOX in any case, empty fields, CR LF");
	read_is("INBOX\t1700\t8\tArchive\t1701\t3\n", "8",
	    "a text record of move");
	read_is("9\n{\"uid\":10}\nINBOX\t1700\t11\n", "9:11",
	    "bare, JSON and text mixed");
	read_is_in(" Lists\tnews\\x", " Lists\\tnews\\x\t1700\t3\n", "3",
	    "a text record's mailbox is unescaped, its spaces kept");
	read_is_in("a\\b\\\\c\\", "a\\b\\\\\\c\\\t1700\t4\n", "4",
	    "a text record's mailbox with backslashes");
	read_is_in("\xc3\x89t\xc3\xa9\n2024", "\xc3\x89t\xc3\xa9\\n2024\t1700\t12\n",
	    "12", "a text record's mailbox with a line feed");
	READ_BAD("Projects/2024\t1700\t5\nINBOX\t1700\t6\n", ERR_DATA,
	    "line 2: the record is from mailbox 'INBOX', not "
	    "'Projects/2024'", "a text record of another mailbox");
	READ_BAD("Projects/2024\t1699\t5\n", ERR_DATA,
	    "line 1: UIDVALIDITY 1699 is not the mailbox's 1700",
	    "a text record with a stale UIDVALIDITY");
	READ_BAD("Projects/2024\t1700\tx\n", ERR_DATA, "line 1: not a UID, "
	    "a text record (mailbox, uidvalidity, uid) or a JSON record",
	    "a text record without a UID");
	READ_BAD("Projects/2024\t1700\n", ERR_DATA, "line 1: not a UID",
	    "a text record of two fields");
	READ_BAD("\t1700\t5\n", ERR_DATA, "line 1: not a UID",
	    "a text record without a mailbox");
	READ_BAD("Projects/2024\t0\t5\n", ERR_DATA, "line 1: not a UID",
	    "a text record with UIDVALIDITY 0");
	READ_BAD("5\t\\Seen\t2024-03-01T09:22:03Z\n", ERR_DATA,
	    "line 1: not a UID", "fetch's summary in text");

	READ_BAD("{\"mailbox\":\"INBOX\",\"uidvalidity\":1700,\"uid\":5}\n",
	    ERR_DATA, "line 1: the record is from mailbox 'INBOX', not "
	    "'Projects/2024'", "another mailbox");
	READ_BAD("{\"uid\":1}\n{\"mailbox\":\"Projects/2024\","
	    "\"uidvalidity\":1699,\"uid\":5}\n", ERR_DATA,
	    "line 2: UIDVALIDITY 1699 is not the mailbox's 1700",
	    "a stale UIDVALIDITY");
	READ_BAD("{\"uidvalidity\":\"1700\",\"uid\":5}\n", ERR_DATA,
	    "line 1: the record's \"uidvalidity\" is not a number",
	    "UIDVALIDITY as a string");
	READ_BAD("{\"mailbox\":5,\"uid\":5}\n", ERR_DATA,
	    "line 1: the record's \"mailbox\" is not a string",
	    "mailbox not a string");
	READ_BAD("1\n2\nx\n", ERR_DATA, "line 3: not a UID, a text record "
	    "(mailbox, uidvalidity, uid) or a JSON record", "a word");
	READ_BAD("0\n", ERR_DATA, "line 1: not a UID", "UID 0");
	READ_BAD("-3\n", ERR_DATA, "line 1: not a UID", "negative");
	READ_BAD("4294967295\n", ERR_DATA, "line 1: not a UID",
	    "2^32-1");
	READ_BAD("1:5\n", ERR_DATA, "line 1: not a UID", "a range");
	READ_BAD("{\"uid\":0}\n", ERR_DATA, "line 1: the record has no "
	    "valid \"uid\"", "record with uid 0");
	READ_BAD("{\"uid\":\"5\"}\n", ERR_DATA, "no valid \"uid\"",
	    "uid as a string");
	READ_BAD("{\"uid\":5.0}\n", ERR_DATA, "no valid \"uid\"",
	    "uid as a real");
	READ_BAD("{\"mailbox\":\"INBOX\"}\n", ERR_DATA, "no valid \"uid\"",
	    "record without uid");
	READ_BAD("{\"uid\":1,\"uid\":2}\n", ERR_DATA, "line 1: not a UID or "
	    "a JSON record", "duplicate keys");
	READ_BAD("{\"uid\":1\n", ERR_DATA, "line 1: not a UID or a JSON "
	    "record", "broken JSON");
	READ_BAD("{\"uid\":1} x\n", ERR_DATA, "line 1", "JSON and garbage");
	READ_BAD("[1,2]\n", ERR_DATA, "line 1: not a UID", "a JSON array");
	READ_BAD("1\n2\0003\n", ERR_DATA, "line 2: holds a NUL byte",
	    "a NUL byte");

	/* A line longer than the limit. */
	n = UIDSET_MAX_LINE + 10;
	big = malloc(n + 3);
	memcpy(big, "1\n", 2);
	memset(big + 2, '1', n);
	big[n + 2] = '\n';
	uidset_init(&s);
	t_ok(read_str(big, n + 3, "INBOX", 1, &s, &e) < 0 &&
	    e.kind == ERR_DATA && strstr(e.msg, "line 2: longer than") !=
	    NULL, "a line over the limit");
	uidset_free(&s);
	/* A line of exactly the limit is fine. */
	memset(big, ' ', UIDSET_MAX_LINE - 1);
	big[UIDSET_MAX_LINE - 1] = '5';
	big[UIDSET_MAX_LINE] = '\n';
	uidset_init(&s);
	t_ok(read_str(big, UIDSET_MAX_LINE + 1, "INBOX", 1, &s, &e) == 0 &&
	    uidset_count(&s) == 1, "a line of exactly the limit");
	uidset_free(&s);
	free(big);
}

static void
test_list(void)
{
	struct uidlist l;
	struct uidset s, t, u2;
	struct err e;
	uint32_t u;
	int i, r = 0;

	uidlist_init(&l);
	uidset_init(&s);
	/* Descending, with duplicates, overlaps and touching ranges. */
	for (i = 9; i > 0; i -= 2)
		uidlist_add(&l, (uint32_t)i, (uint32_t)i, &e);
	uidlist_add(&l, 3, 3, &e);
	uidlist_add(&l, 20, 12, &e);
	uidlist_add(&l, 11, 11, &e);
	uidlist_into(&l, &s);
	t_streq(fmt(&s), "1,3,5,7,9,11:20", "a list in any order, sorted");
	t_ok(l.n == 0, "  ... and the list is empty");
	uidlist_add(&l, 2, 2, &e);
	uidlist_add(&l, 30, 30, &e);
	uidlist_into(&l, &s);
	t_streq(fmt(&s), "1:3,5,7,9,11:20,30", "into a set that has some");
	/* ESEARCH's ALL as written: "8,4:6,100:99". */
	uidlist_add(&l, 8, 8, &e);
	uidlist_add(&l, 4, 6, &e);
	uidlist_add(&l, 100, 99, &e);
	uidlist_into(&l, &s);
	t_streq(fmt(&s), "1:9,11:20,30,99:100", "  ... merged");
	uidlist_free(&l);
	/* The bound. */
	for (u = 0; u < UIDSET_SERVER_MAX && r == 0; u++)
		r = uidlist_add(&l, 2 * u + 1, 2 * u + 1, &e);
	t_ok(r == 0, "UIDSET_SERVER_MAX ranges are taken");
	t_ok(uidlist_add(&l, 1, 1, &e) < 0 && e.kind == ERR_PROTOCOL &&
	    strstr(e.msg, "more than 2000000") != NULL, "one more is refused");
	uidlist_free(&l);
	/* Linear merge: interleaved, star at the end. */
	uidset_clear(&s);
	uidset_init(&t);
	uidset_parse(&s, "1,5,9:12,40:*", &e);
	uidset_parse(&t, "2:4,6,13,20", &e);
	uidset_merge(&s, &t);
	t_streq(fmt(&s), "1:6,9:13,20,40:*", "merge of two sets");
	uidset_clear(&t);
	uidset_parse(&t, "50,41,3000", &e);
	uidset_merge(&s, &t);
	t_streq(fmt(&s), "1:6,9:13,20,40:*", "  ... * swallows what follows");
	uidset_free(&s);
	uidset_free(&t);
	/* Subtraction. */
	uidset_init(&s);
	uidset_init(&t);
	uidset_init(&u2);
	uidset_parse(&s, "1:10,20,30:40,50:*", &e);
	uidset_parse(&t, "3,5:6,10:20,35:60", &e);
	uidset_subtract(&s, &t, &u2);
	t_streq(fmt(&u2), "1:2,4,7:9,30:34,61:*", "a - b");
	uidset_clear(&u2);
	uidset_subtract(&t, &s, &u2);
	t_streq(fmt(&u2), "11:19,41:49", "b - a");
	uidset_clear(&u2);
	uidset_subtract(&s, &s, &u2);
	t_streq(fmt(&u2), "", "a - a");
	uidset_free(&s);
	uidset_free(&t);
	uidset_free(&u2);
	/* Parsing takes a set in any order. */
	uidset_init(&s);
	t_ok(uidset_parse(&s, "9,7,5,6,1:2,3", &e) == 0, "a set in any order");
	t_streq(fmt(&s), "1:3,5:7,9", "  ... sorted");
	uidset_free(&s);
}

int
main(void)
{
	test_parse();
	test_add();
	test_star();
	test_count_contains();
	test_chunks();
	test_read();
	test_list();
	return t_done();
}
