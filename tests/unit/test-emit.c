/* SPDX-License-Identifier: MIT */
/*
 * The record emitter: every back end's output compared byte for byte,
 * hostile strings, numbers under a comma locale, and write errors.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "err.h"
#include "t.h"

#define R	"\xef\xbf\xbd"		/* U+FFFD */
#define XMLDECL	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
		"<imapctl command=\"test\" format_version=\"1\">\n"
#define XMLEND	"</imapctl>\n"

struct out {
	char	*s;
	size_t	 len;
	int	 rc;
	int	 status;
	struct err err;
};

/* Run fn on a fresh emitter writing to memory. */
static void
run(struct out *o, enum emit_format fmt, void (*fn)(struct emit *))
{
	struct emit *e;
	FILE *fp;

	o->s = NULL;
	o->len = 0;
	err_clear(&o->err);
	if ((fp = open_memstream(&o->s, &o->len)) == NULL) {
		perror("open_memstream");
		exit(99);
	}
	e = emit_new(fmt, fp, "test");
	fn(e);
	o->rc = emit_finish(e, &o->err);
	o->status = emit_status(e);
	emit_free(e);
	fclose(fp);
}

static void
check(enum emit_format fmt, void (*fn)(struct emit *), const char *want,
    size_t wantlen, const char *name)
{
	char label[200];
	struct out o;

	snprintf(label, sizeof(label), "%s: %s", emit_format_name(fmt), name);
	run(&o, fmt, fn);
	t_memeq(o.s, o.len, want, wantlen, label);
	if (o.rc != 0 || o.status != 0)
		t_ok(0, "finish reports success");
	free(o.s);
}

#define CHECK(fmt, fn, want, name) \
	check(fmt, fn, want, sizeof(want) - 1, name)

/* Scenarios. */

static void
sc_basic(struct emit *e)
{
	emit_record_begin(e, "message");
	emit_str(e, "mailbox", "INBOX");
	emit_uint(e, "uidvalidity", 1700000000);
	emit_uint(e, "uid", 42);
	emit_list_begin(e, "flags", "flag");
	emit_str(e, NULL, "\\Seen");
	emit_str(e, NULL, "$Junk");
	emit_list_end(e);
	emit_list_begin(e, "keywords", "keyword");
	emit_list_end(e);
	emit_str(e, "subject", NULL);
	emit_bool(e, "seen", 1);
	emit_bool(e, "deleted", 0);
	emit_int(e, "delta", -5);
	emit_int(e, "min", INT64_MIN);
	emit_u64s(e, "modseq", UINT64_MAX);
	emit_time(e, "date", 1709284923);
	emit_time(e, "none", (time_t)-1);
	emit_double(e, "ratio", 3.14159, 2);
	emit_str(e, "empty", "");
	emit_record_end(e);
	emit_record_begin(e, "message");
	emit_uint(e, "uid", 43);
	emit_record_end(e);
}

static void
test_basic(void)
{
	CHECK(EMIT_JSON, sc_basic,
	    "[\n"
	    "{\"mailbox\":\"INBOX\",\"uidvalidity\":1700000000,\"uid\":42,"
	    "\"flags\":[\"\\\\Seen\",\"$Junk\"],\"keywords\":[],"
	    "\"subject\":null,\"seen\":true,\"deleted\":false,\"delta\":-5,"
	    "\"min\":-9223372036854775808,"
	    "\"modseq\":\"18446744073709551615\","
	    "\"date\":\"2024-03-01T09:22:03Z\",\"none\":null,\"ratio\":3.14,"
	    "\"empty\":\"\"},\n"
	    "{\"uid\":43}\n"
	    "]\n", "basic record");
	CHECK(EMIT_JSONL, sc_basic,
	    "{\"mailbox\":\"INBOX\",\"uidvalidity\":1700000000,\"uid\":42,"
	    "\"flags\":[\"\\\\Seen\",\"$Junk\"],\"keywords\":[],"
	    "\"subject\":null,\"seen\":true,\"deleted\":false,\"delta\":-5,"
	    "\"min\":-9223372036854775808,"
	    "\"modseq\":\"18446744073709551615\","
	    "\"date\":\"2024-03-01T09:22:03Z\",\"none\":null,\"ratio\":3.14,"
	    "\"empty\":\"\"}\n"
	    "{\"uid\":43}\n", "basic record");
	CHECK(EMIT_TEXT, sc_basic,
	    "INBOX\t1700000000\t42\t\\Seen $Junk\t\t\ttrue\tfalse\t-5\t"
	    "-9223372036854775808\t18446744073709551615\t"
	    "2024-03-01T09:22:03Z\t\t3.14\t\n"
	    "43\n", "basic record");
	CHECK(EMIT_XML, sc_basic,
	    XMLDECL
	    "<message><mailbox>INBOX</mailbox>"
	    "<uidvalidity>1700000000</uidvalidity><uid>42</uid>"
	    "<flags><flag>\\Seen</flag><flag>$Junk</flag></flags>"
	    "<keywords/><subject nil=\"true\"/><seen>true</seen>"
	    "<deleted>false</deleted><delta>-5</delta>"
	    "<min>-9223372036854775808</min>"
	    "<modseq>18446744073709551615</modseq>"
	    "<date>2024-03-01T09:22:03Z</date><none nil=\"true\"/>"
	    "<ratio>3.14</ratio><empty/></message>\n"
	    "<message><uid>43</uid></message>\n"
	    XMLEND, "basic record");
}

static void
sc_none(struct emit *e)
{
	(void)e;
}

static void
test_empty(void)
{
	CHECK(EMIT_JSON, sc_none, "[]\n", "no records");
	CHECK(EMIT_JSONL, sc_none, "", "no records");
	CHECK(EMIT_TEXT, sc_none, "", "no records");
	CHECK(EMIT_XML, sc_none, XMLDECL XMLEND, "no records");
}

static void
sc_hostile(struct emit *e)
{
	emit_record_begin(e, "h");
	emit_str(e, "bad", "a\xff" "b\xc0\xaf" "c");
	emit_str(e, "sur", "\xed\xa0\x80");
	emit_str(e, "big", "\xf4\x90\x80\x80");
	emit_str(e, "over", "\xe0\x80\xaf");
	emit_str(e, "trunc", "x\xe2\x82");
	emit_strn(e, "nul", "a\0b", 3);
	emit_str(e, "ctl", "\x01\x1b[31m\x7f\xc2\x9b");
	emit_str(e, "nonchar", "\xef\xbf\xbe\xef\xbf\xbf");
	emit_str(e, "ws", "a\tb\rc\nd\\e\b\f");
	emit_str(e, "quote", "say \"hi\" 'x'");
	emit_str(e, "xml", "]]> <&>");
	emit_str(e, "emoji", "\xf0\x9f\x98\x80" R);
	emit_record_end(e);
}

static void
test_hostile(void)
{
	CHECK(EMIT_JSON, sc_hostile,
	    "[\n{\"bad\":\"a" R "b" R R "c\",\"sur\":\"" R R R "\","
	    "\"big\":\"" R R R R "\",\"over\":\"" R R R "\","
	    "\"trunc\":\"x" R R "\",\"nul\":\"a\\u0000b\","
	    "\"ctl\":\"\\u0001\\u001b[31m\\u007f\\u009b\","
	    "\"nonchar\":\"\xef\xbf\xbe\xef\xbf\xbf\","
	    "\"ws\":\"a\\tb\\rc\\nd\\\\e\\b\\f\","
	    "\"quote\":\"say \\\"hi\\\" 'x'\",\"xml\":\"]]> <&>\","
	    "\"emoji\":\"\xf0\x9f\x98\x80" R "\"}\n]\n", "hostile strings");
	CHECK(EMIT_TEXT, sc_hostile,
	    "a" R "b" R R "c\t" R R R "\t" R R R R "\t" R R R "\tx" R R "\t"
	    "a\\x00b\t\\x01\\x1b[31m\\x7f\\x9b\t\xef\xbf\xbe\xef\xbf\xbf\t"
	    "a\\tb\\rc\\nd\\e\\x08\\x0c\tsay \"hi\" 'x'\t]]> <&>\t"
	    "\xf0\x9f\x98\x80" R "\n", "hostile strings");
	CHECK(EMIT_XML, sc_hostile,
	    XMLDECL
	    "<h><bad>a" R "b" R R "c</bad><sur>" R R R "</sur>"
	    "<big>" R R R R "</big><over>" R R R "</over>"
	    "<trunc>x" R R "</trunc><nul>a" R "b</nul>"
	    "<ctl>" R R "[31m\x7f\xc2\x9b</ctl><nonchar>" R R "</nonchar>"
	    "<ws>a\tb&#13;c\nd\\e" R R "</ws>"
	    "<quote>say &quot;hi&quot; 'x'</quote>"
	    "<xml>]]&gt; &lt;&amp;&gt;</xml>"
	    "<emoji>\xf0\x9f\x98\x80" R "</emoji></h>\n"
	    XMLEND, "hostile strings");
}

static void
sc_nested(struct emit *e)
{
	emit_record_begin(e, "part");
	emit_str(e, "type", "multipart");
	emit_list_begin(e, "parts", "part");
	emit_object_begin(e, NULL);
	emit_str(e, "type", "text");
	emit_null(e, "charset");
	emit_list_begin(e, "params", "param");
	emit_str(e, NULL, "a");
	emit_str(e, NULL, "b c");
	emit_list_end(e);
	emit_uint(e, "size", 10);
	emit_object_end(e);
	emit_object_begin(e, "ignored");
	emit_str(e, "type", "image");
	emit_list_begin(e, "params", "param");
	emit_list_end(e);
	emit_null(e, "size");
	emit_object_end(e);
	emit_str(e, NULL, "x\ty");
	emit_null(e, NULL);
	emit_list_begin(e, NULL, "n");
	emit_uint(e, NULL, 1);
	emit_int(e, "ignored", -2);
	emit_list_end(e);
	emit_list_end(e);
	emit_object_begin(e, "env");
	emit_str(e, "subject", NULL);
	emit_str(e, "from", "a@b");
	emit_list_begin(e, "to", "addr");
	emit_str(e, NULL, "c@d");
	emit_list_end(e);
	emit_object_begin(e, "inner");
	emit_bool(e, "ok", 1);
	emit_object_end(e);
	emit_object_end(e);
	emit_list_begin(e, "nulls", NULL);
	emit_null(e, NULL);
	emit_list_end(e);
	emit_record_end(e);
}

static void
test_nested(void)
{
	CHECK(EMIT_JSONL, sc_nested,
	    "{\"type\":\"multipart\",\"parts\":[{\"type\":\"text\","
	    "\"charset\":null,\"params\":[\"a\",\"b c\"],\"size\":10},"
	    "{\"type\":\"image\",\"params\":[],\"size\":null},\"x\\ty\",null,"
	    "[1,-2]],\"env\":{\"subject\":null,\"from\":\"a@b\","
	    "\"to\":[\"c@d\"],\"inner\":{\"ok\":true}},\"nulls\":[null]}\n",
	    "nested lists and objects");
	CHECK(EMIT_TEXT, sc_nested,
	    "multipart\t(text (a b c) 10) (image ()) x\\ty (1 -2)\t"
	    "a@b (c@d) (true)\t\n", "nested lists and objects");
	CHECK(EMIT_XML, sc_nested,
	    XMLDECL
	    "<part><type>multipart</type><parts><part><type>text</type>"
	    "<charset nil=\"true\"/><params><param>a</param>"
	    "<param>b c</param></params><size>10</size></part>"
	    "<part><type>image</type><params/><size nil=\"true\"/></part>"
	    "<part>x\ty</part><part nil=\"true\"/><part><n>1</n><n>-2</n>"
	    "</part></parts><env><subject nil=\"true\"/><from>a@b</from>"
	    "<to><addr>c@d</addr></to><inner><ok>true</ok></inner></env>"
	    "<nulls><item nil=\"true\"/></nulls></part>\n"
	    XMLEND, "nested lists and objects");
}

/* A command that fails half way through a record still ends the document. */
static void
sc_unclosed(struct emit *e)
{
	emit_record_begin(e, "r");
	emit_uint(e, "uid", 1);
	emit_record_end(e);
	emit_record_begin(e, "r");
	emit_list_begin(e, "l", "i");
	emit_object_begin(e, NULL);
	emit_str(e, "k", "v");
}

static void
test_unclosed(void)
{
	CHECK(EMIT_JSON, sc_unclosed,
	    "[\n{\"uid\":1},\n{\"l\":[{\"k\":\"v\"}]}\n]\n",
	    "finish closes an open record");
	CHECK(EMIT_JSONL, sc_unclosed,
	    "{\"uid\":1}\n{\"l\":[{\"k\":\"v\"}]}\n",
	    "finish closes an open record");
	CHECK(EMIT_TEXT, sc_unclosed, "1\n(v)\n",
	    "finish closes an open record");
	CHECK(EMIT_XML, sc_unclosed,
	    XMLDECL "<r><uid>1</uid></r>\n<r><l><i><k>v</k></i></l></r>\n"
	    XMLEND, "finish closes an open record");
}

/* Odd names cannot break the XML; the command attribute is sanitised. */
static void
sc_names(struct emit *e)
{
	emit_record_begin(e, "1 bad<name>");
	emit_str(e, "a:b c", "v");
	emit_str(e, "", "w");
	emit_list_begin(e, "l", "x y");
	emit_str(e, NULL, "z");
	emit_list_end(e);
	emit_record_end(e);
}

static void
test_xml_names(void)
{
	struct out o;
	struct emit *e;
	FILE *fp;
	const char want[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<imapctl command=\"a&quot;b&lt;" R "&amp;&#9;&#10;&#13;"
	    "\xc3\xbc\" format_version=\"1\">\n"
	    "</imapctl>\n";

	CHECK(EMIT_XML, sc_names,
	    XMLDECL "<__bad_name_><a_b_c>v</a_b_c><_>w</_>"
	    "<l><x_y>z</x_y></l></__bad_name_>\n" XMLEND,
	    "invalid element names replaced");

	o.s = NULL;
	o.len = 0;
	fp = open_memstream(&o.s, &o.len);
	e = emit_new(EMIT_XML, fp, "a\"b<\x01&\t\n\r\xc3\xbc");
	o.rc = emit_finish(e, &o.err);
	emit_free(e);
	fclose(fp);
	t_memeq(o.s, o.len, want, sizeof(want) - 1,
	    "xml: hostile command attribute");
	free(o.s);
}

/* Long strings cross the XML writer's chunks mid-character. */
static const char piece[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80<\x01";
#define PIECES	10000

static void
sc_long(struct emit *e)
{
	char *s = malloc(PIECES * (sizeof(piece) - 1) + 1);
	size_t i;

	for (i = 0; i < PIECES; i++)
		memcpy(s + i * (sizeof(piece) - 1), piece, sizeof(piece) - 1);
	s[PIECES * (sizeof(piece) - 1)] = '\0';
	emit_record_begin(e, "r");
	emit_str(e, "body", s);
	emit_record_end(e);
	free(s);
}

static void
test_long(void)
{
	static const struct {
		enum emit_format fmt;
		const char	*head, *piece, *tail;
	} cases[] = {
		{ EMIT_JSON, "[\n{\"body\":\"",
		  "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80<\\u0001", "\"}\n]\n" },
		{ EMIT_TEXT, "", "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80<\\x01",
		  "\n" },
		{ EMIT_XML, XMLDECL "<r><body>",
		  "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80&lt;" R,
		  "</body></r>\n" XMLEND },
	};
	char *want;
	size_t wlen, i, j;
	FILE *fp;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		want = NULL;
		fp = open_memstream(&want, &wlen);
		fputs(cases[i].head, fp);
		for (j = 0; j < PIECES; j++)
			fputs(cases[i].piece, fp);
		fputs(cases[i].tail, fp);
		fclose(fp);
		check(cases[i].fmt, sc_long, want, wlen, "long string");
		free(want);
	}
}

static void
sc_numbers(struct emit *e)
{
	emit_record_begin(e, "n");
	emit_double(e, "a", 0.5, 1);
	emit_double(e, "b", 2.675, 2);
	emit_double(e, "c", -0.001, 2);
	emit_double(e, "d", -1.5, 0);
	emit_double(e, "e", 1e20, 2);
	emit_double(e, "f", 0.9999, 2);
	emit_double(e, "g", 12345.678, 3);
	emit_double(e, "h", 1.0, 12);
	emit_double(e, "i", 2.5, -3);
	emit_double(e, "j", NAN, 2);
	emit_double(e, "k", -INFINITY, 2);
	emit_double(e, "l", -1234567.25, 2);
	emit_uint(e, "m", 0);
	emit_uint(e, "n", UINT64_MAX);
	emit_int(e, "o", INT64_MAX);
	emit_u64s(e, "p", 0);
	emit_time(e, "q", 0);
	emit_time(e, "r", 253402300799);
	emit_time(e, "s", -1000000000);
	emit_record_end(e);
}

#define NUMBERS_JSON \
	"{\"a\":0.5,\"b\":2.67,\"c\":0.00,\"d\":-2," \
	"\"e\":100000000000000000000.00,\"f\":1.00,\"g\":12345.678," \
	"\"h\":1.000000000,\"i\":3,\"j\":null,\"k\":null," \
	"\"l\":-1234567.25,\"m\":0,\"n\":18446744073709551615," \
	"\"o\":9223372036854775807,\"p\":\"0\"," \
	"\"q\":\"1970-01-01T00:00:00Z\",\"r\":\"9999-12-31T23:59:59Z\"," \
	"\"s\":\"1938-04-24T22:13:20Z\"}\n"
#define NUMBERS_TEXT \
	"0.5\t2.67\t0.00\t-2\t100000000000000000000.00\t1.00\t12345.678\t" \
	"1.000000000\t3\t\t\t-1234567.25\t0\t18446744073709551615\t" \
	"9223372036854775807\t0\t1970-01-01T00:00:00Z\t" \
	"9999-12-31T23:59:59Z\t1938-04-24T22:13:20Z\n"

static void
test_numbers(void)
{
	static const char *locales[] = { "de_DE.UTF-8", "de_DE.utf8",
	    "fr_FR.UTF-8", "C.UTF-8" };
	char label[100];
	const char *got;
	size_t i;
	int comma = 0;

	CHECK(EMIT_JSONL, sc_numbers, NUMBERS_JSON, "numbers");
	CHECK(EMIT_TEXT, sc_numbers, NUMBERS_TEXT, "numbers");
	for (i = 0; i < sizeof(locales) / sizeof(locales[0]); i++) {
		if ((got = setlocale(LC_ALL, locales[i])) == NULL) {
			printf("# locale %s not installed: skipped\n",
			    locales[i]);
			continue;
		}
		if (strcmp(localeconv()->decimal_point, ".") != 0)
			comma = 1;
		snprintf(label, sizeof(label), "numbers under LC_ALL=%s",
		    locales[i]);
		CHECK(EMIT_JSONL, sc_numbers, NUMBERS_JSON, label);
		CHECK(EMIT_TEXT, sc_numbers, NUMBERS_TEXT, label);
		setlocale(LC_ALL, "C");
	}
	if (!comma)
		printf("# no locale with a decimal comma was tried\n");
}

static void
test_formats(void)
{
	enum emit_format f;

	t_ok(emit_format_parse("jsonl", &f) == 0 && f == EMIT_JSONL,
	    "parse jsonl");
	t_ok(emit_format_parse("xml", &f) == 0 && f == EMIT_XML, "parse xml");
	t_ok(emit_format_parse("JSON", &f) < 0, "parse is exact: JSON");
	t_ok(emit_format_parse("js", &f) < 0, "parse is exact: no prefix");
	t_streq(emit_format_name(EMIT_TEXT), "text", "name of text");
	t_streq(emit_format_name(EMIT_JSON), "json", "name of json");
	for (f = EMIT_TEXT; f <= EMIT_XML; f++) {
		struct emit *e;
		char *s = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&s, &len);

		e = emit_new(f, fp, "x");
		t_ok(emit_format(e) == f, "emit_format");
		emit_free(e);
		fclose(fp);
		t_ok(len == 0, "emit_free without emit_finish writes nothing");
		free(s);
	}
}

/* Write errors. */

static void
sc_many(struct emit *e)
{
	char s[1000];
	int i;

	memset(s, 'x', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	for (i = 0; i < 200; i++) {
		emit_record_begin(e, "r");
		emit_str(e, "s", s);
		emit_record_end(e);
	}
}

static void
test_full(void)
{
	static const enum emit_format fmts[] = { EMIT_TEXT, EMIT_JSON,
	    EMIT_JSONL, EMIT_XML };
	char label[100];
	struct emit *e;
	struct err err;
	FILE *fp;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if ((fp = fopen("/dev/full", "w")) == NULL) {
			printf("# /dev/full: %s: skipped\n", strerror(errno));
			return;
		}
		err_clear(&err);
		e = emit_new(fmts[i], fp, "test");
		sc_many(e);
		snprintf(label, sizeof(label), "%s: /dev/full seen while "
		    "writing", emit_format_name(fmts[i]));
		t_ok(emit_status(e) == ENOSPC, label);
		sc_many(e);
		rc = emit_finish(e, &err);
		snprintf(label, sizeof(label), "%s: /dev/full: finish fails "
		    "with ERR_IO", emit_format_name(fmts[i]));
		t_ok(rc == -1 && err.kind == ERR_IO, label);
		snprintf(label, sizeof(label), "%s: /dev/full: message",
		    emit_format_name(fmts[i]));
		t_streq(err.msg, "cannot write output: No space left on device",
		    label);
		/* Said once: finishing again says nothing more. */
		err_clear(&err);
		rc = emit_finish(e, &err);
		snprintf(label, sizeof(label), "%s: /dev/full: finish again "
		    "says nothing more", emit_format_name(fmts[i]));
		t_ok(rc == 0 && err.kind == ERR_NONE &&
		    emit_status(e) == ENOSPC, label);
		emit_free(e);
		fclose(fp);
	}

	/* A small document only fails when it is flushed. */
	fp = fopen("/dev/full", "w");
	e = emit_new(EMIT_JSON, fp, "test");
	emit_record_begin(e, "r");
	emit_uint(e, "uid", 1);
	emit_record_end(e);
	t_ok(emit_status(e) == 0, "json: small output still buffered");
	emit_flush(e);
	t_ok(emit_status(e) == ENOSPC, "json: emit_flush sees ENOSPC");
	rc = emit_finish(e, &err);
	t_ok(rc == -1 && err.kind == ERR_IO, "json: then finish fails");
	emit_free(e);
	fclose(fp);
}

/*
 * Text escapes a backslash only where it would start an escape, and
 * emit_text_unescape gives back exactly the value that was written.
 */
static const char *text_value;

static void
sc_one(struct emit *e)
{
	emit_record_begin(e, "r");
	emit_str(e, "v", text_value);
	emit_record_end(e);
}

static void
test_text_backslash(void)
{
	static const struct {
		const char	*value, *text;
	} cases[] = {
		{ "\\Seen", "\\Seen" },
		{ "\\Seen \\Flagged", "\\Seen \\Flagged" },
		{ "\\", "\\" },
		{ "a\\", "a\\" },
		{ "\\\\", "\\\\\\" },
		{ "\\\\\\", "\\\\\\\\\\" },
		{ "a\\tb", "a\\\\tb" },
		{ "a\\nb\\rc\\xd", "a\\\\nb\\\\rc\\\\xd" },
		{ "a\tb", "a\\tb" },
		{ "\\\t", "\\\\\\t" },
		{ "\\\n\r", "\\\\\\n\\r" },
		{ "\\\x01", "\\\\\\x01" },
		{ "\\\x7f", "\\\\\\x7f" },
		{ "\\\xc2\x85", "\\\\\\x85" },
		{ "\\\xc3\xa9", "\\\xc3\xa9" },
		{ "\\T\\N\\X41", "\\T\\N\\X41" },
		{ "C:\\Users\\me", "C:\\Users\\me" },
		{ "Lists\\news", "Lists\\\\news" },
		{ "\xc3\x89t\xc3\xa9 \\ \xe2\x82\xac", "\xc3\x89t\xc3\xa9 \\ \xe2\x82\xac" },
		{ "x\\x41", "x\\\\x41" },
		{ "", "" },
	};
	char label[160], *buf;
	size_t i, n;
	struct out o;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text_value = cases[i].value;
		run(&o, EMIT_TEXT, sc_one);
		snprintf(label, sizeof(label), "text backslash: case %zu "
		    "written", i);
		if (o.len > 0 && o.s[o.len - 1] == '\n')
			o.len--;
		t_memeq(o.s, o.len, cases[i].text, strlen(cases[i].text),
		    label);
		buf = malloc(o.len + 1);
		n = emit_text_unescape(o.s, o.len, buf);
		snprintf(label, sizeof(label), "text backslash: case %zu "
		    "read back", i);
		t_memeq(buf, n, cases[i].value, strlen(cases[i].value), label);
		free(buf);
		free(o.s);
	}
	/* What the text back end never writes reads as itself. */
	buf = malloc(16);
	n = emit_text_unescape("\\xZ1\\q\\", 8, buf);
	t_memeq(buf, n, "\\xZ1\\q\\", 8, "unescape: stray backslashes");
	n = emit_text_unescape("\\x4", 3, buf);
	t_memeq(buf, n, "\\x4", 3, "unescape: short \\x");
	n = emit_text_unescape("\\x00\\x9f", 8, buf);
	t_memeq(buf, n, "\0\xc2\x9f", 3, "unescape: \\x00 and \\x9f");
	free(buf);
}

static void
test_pipe(void)
{
	static const enum emit_format fmts[] = { EMIT_TEXT, EMIT_JSON,
	    EMIT_JSONL, EMIT_XML };
	char label[100];
	struct emit *e;
	struct err err;
	int fd[2], rc;
	FILE *fp;
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if (pipe(fd) < 0 || (fp = fdopen(fd[1], "w")) == NULL) {
			perror("pipe");
			exit(99);
		}
		close(fd[0]);
		err_clear(&err);
		e = emit_new(fmts[i], fp, "test");
		emit_record_begin(e, "r");
		emit_uint(e, "uid", 1);
		emit_record_end(e);
		emit_flush(e);
		snprintf(label, sizeof(label), "%s: closed pipe gives EPIPE",
		    emit_format_name(fmts[i]));
		t_ok(emit_status(e) == EPIPE, label);
		sc_many(e);
		rc = emit_finish(e, &err);
		snprintf(label, sizeof(label), "%s: EPIPE: finish returns 0 "
		    "and sets no error", emit_format_name(fmts[i]));
		t_ok(rc == 0 && err.kind == ERR_NONE &&
		    emit_status(e) == EPIPE, label);
		emit_free(e);
		fclose(fp);
	}
}

int
main(void)
{
	test_basic();
	test_empty();
	test_hostile();
	test_text_backslash();
	test_nested();
	test_unclosed();
	test_xml_names();
	test_long();
	test_numbers();
	test_formats();
	test_full();
	test_pipe();
	return t_done();
}
