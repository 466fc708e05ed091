/* SPDX-License-Identifier: MIT */
/*
 * The search language: every term, the precedence of or, not and
 * parentheses, quoting, the forms used without WITHIN, --raw keys, and
 * the errors, which name the bad term.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "search.h"
#include "t.h"
#include "uidset.h"

/* 2024-03-10T12:00:00Z */
#define NOW	((time_t)1710072000)
#define WITHIN	SEARCH_CAP_WITHIN

static void
form_is(const char *const *v, size_t n, int split, unsigned caps,
    enum search_form form, uint32_t vals, const char *want,
    const char *name)
{
	struct search_query *q;
	struct buf b;
	struct err e;

	err_clear(&e);
	buf_init(&b, 1 << 20);
	if (!t_ok(search_compile(v, n, split, caps, NOW, &q, &e) == 0, name)) {
		printf("#   error: %s\n", e.msg);
		buf_free(&b);
		return;
	}
	if (search_text(q, form, vals, &b, &e) < 0)
		printf("#   error: %s\n", e.msg);
	t_streq(b.s, want, "  ... compiles to the keys wanted");
	search_free(q);
	buf_free(&b);
}

/* A query as one --query string. */
static void
query_is(const char *query, const char *want)
{
	form_is(&query, 1, 1, WITHIN, SEARCH_FORM_EXACT, 0, want, query);
}

/* A query as the shell would split it into operands. */
#define ARGV_IS(want, ...) do { \
	const char *v_[] = { __VA_ARGS__ }; \
	form_is(v_, sizeof(v_) / sizeof(v_[0]), 0, WITHIN, \
	    SEARCH_FORM_EXACT, 0, want, #__VA_ARGS__); \
} while (0)

static void
error_is(const char *query, int split, unsigned caps, const char *msg)
{
	struct search_query *q = NULL;
	struct err e;
	char name[256];
	int ok;

	err_clear(&e);
	snprintf(name, sizeof(name), "error: %s", query);
	ok = search_compile(&query, 1, split, caps, NOW, &q, &e) < 0 &&
	    e.kind == ERR_USAGE && strstr(e.msg, msg) != NULL && q == NULL;
	if (!t_ok(ok, name))
		printf("#   got: %d '%s'\n#   want: '%s'\n", e.kind, e.msg,
		    msg);
	search_free(q);
}

#define BAD(query, msg)		error_is(query, 1, WITHIN, msg)

static void
test_terms(void)
{
	query_is("", "ALL");
	query_is("   ", "ALL");
	query_is("all", "ALL");
	query_is("from:alice", "FROM \"alice\"");
	query_is("to:bob@example.com", "TO \"bob@example.com\"");
	query_is("cc:carol", "CC \"carol\"");
	query_is("bcc:dave", "BCC \"dave\"");
	query_is("subject:report", "SUBJECT \"report\"");
	query_is("body:invoice", "BODY \"invoice\"");
	query_is("text:hello", "TEXT \"hello\"");
	query_is("header:X-Spam:yes", "HEADER \"X-Spam\" \"yes\"");
	query_is("header:List-Id:", "HEADER \"List-Id\" \"\"");
	query_is("header:X-A:b:c", "HEADER \"X-A\" \"b:c\"");
	query_is("since:2024-03-01", "SINCE 1-Mar-2024");
	query_is("before:2023-12-31", "BEFORE 31-Dec-2023");
	query_is("on:2024-02-29", "ON 29-Feb-2024");
	query_is("on:2000-02-29", "ON 29-Feb-2000");
	query_is("on:0001-01-01", "ON 1-Jan-0001");
	query_is("older:30d", "OLDER 2592000");
	query_is("newer:2h", "YOUNGER 7200");
	query_is("older:10s", "OLDER 10");
	query_is("older:5min", "OLDER 300");
	query_is("older:6mo", "OLDER 15552000");
	query_is("older:1.5d", "OLDER 129600");
	query_is("older:2w", "OLDER 1209600");
	query_is("older:1y", "OLDER 31536000");
	query_is("older:136y", "OLDER 4288896000");
	query_is("larger:1M", "LARGER 1048576");
	query_is("larger:2m", "LARGER 2097152");
	query_is("smaller:10k", "SMALLER 10240");
	query_is("smaller:10K", "SMALLER 10240");
	query_is("larger:1G", "LARGER 1073741824");
	query_is("larger:0", "LARGER 0");
	query_is("larger:4294967295", "LARGER 4294967295");
	query_is("seen", "SEEN");
	query_is("unseen", "UNSEEN");
	query_is("flagged", "FLAGGED");
	query_is("unflagged", "UNFLAGGED");
	query_is("answered", "ANSWERED");
	query_is("unanswered", "UNANSWERED");
	query_is("deleted", "DELETED");
	query_is("undeleted", "UNDELETED");
	query_is("draft", "DRAFT");
	query_is("SEEN", "SEEN");
	query_is("From:x", "FROM \"x\"");
	query_is("keyword:$Junk", "KEYWORD $Junk");
	query_is("keyword:todo", "KEYWORD todo");
	query_is("uid:1:5,7", "UID 1:5,7");
	query_is("uid:7,1:5", "UID 1:5,7");
	/* Not 10:*, which IMAP reads as 5:10 when 5 is the largest UID. */
	query_is("uid:10:*", "UID 10:4294967294");
	query_is("uid:*", "UID *");
	query_is("uid:all", "UID 1:*");
	query_is("sentsince:2024-03-01", "SENTSINCE 1-Mar-2024");
	query_is("sentbefore:2023-12-31", "SENTBEFORE 31-Dec-2023");
	query_is("sent:2024-02-29", "SENTON 29-Feb-2024");
	query_is("has:attachment",
	    "OR KEYWORD $HasAttachment HEADER \"Content-Type\" "
	    "\"multipart/mixed\"");
	query_is("not has:Attachment", "NOT OR KEYWORD $HasAttachment "
	    "HEADER \"Content-Type\" \"multipart/mixed\"");
	/* A bare word is searched for in the headers and the body. */
	query_is("invoice", "TEXT \"invoice\"");
	query_is("seen invoice", "SEEN TEXT \"invoice\"");
	query_is("\"seen\"", "TEXT \"seen\"");
	query_is("\"or\"", "TEXT \"or\"");
	query_is("\"from\":x", "TEXT \"from:x\"");
	query_is("\"disk full\" or Grüße",
	    "CHARSET UTF-8 OR TEXT \"disk full\" TEXT \"Grüße\"");
	ARGV_IS("TEXT \"bogus term\"", "bogus term");
}

static void test_gmail_raw(void);

static void
test_gmail(void)
{
	const char *att = "has:attachment";

	form_is(&att, 1, 1, SEARCH_CAP_GMAIL, SEARCH_FORM_EXACT, 0,
	    "X-GM-RAW \"has:attachment\"", "has:attachment on Gmail");
	test_gmail_raw();
}

static void
test_gmail_raw(void)
{
	const char *q = "gmail:has:attachment larger:10M";

	form_is(&q, 1, 1, SEARCH_CAP_GMAIL, SEARCH_FORM_EXACT, 0,
	    "X-GM-RAW \"has:attachment\" LARGER 10485760",
	    "gmail: takes the rest of the term");
	q = "gmail:\"in:inbox is:unread\" seen";
	form_is(&q, 1, 1, SEARCH_CAP_GMAIL, SEARCH_FORM_EXACT, 0,
	    "X-GM-RAW \"in:inbox is:unread\" SEEN", "gmail: quoted");
	error_is("gmail:is:unread", 1, WITHIN,
	    "the server does not offer Gmail's search (X-GM-EXT-1)");
}

static void
test_precedence(void)
{
	query_is("from:a subject:b", "FROM \"a\" SUBJECT \"b\"");
	query_is("from:a and subject:b", "FROM \"a\" SUBJECT \"b\"");
	query_is("from:a or from:b", "OR FROM \"a\" FROM \"b\"");
	query_is("from:a OR from:b", "OR FROM \"a\" FROM \"b\"");
	query_is("from:a or from:b or from:c",
	    "OR FROM \"a\" OR FROM \"b\" FROM \"c\"");
	/* and binds tighter than or */
	query_is("from:a seen or from:b",
	    "OR (FROM \"a\" SEEN) FROM \"b\"");
	query_is("from:a or from:b seen",
	    "OR FROM \"a\" (FROM \"b\" SEEN)");
	query_is("(from:a or from:b) seen",
	    "OR FROM \"a\" FROM \"b\" SEEN");
	query_is("seen (from:a or from:b)",
	    "SEEN OR FROM \"a\" FROM \"b\"");
	/* not binds tightest */
	query_is("not seen flagged", "NOT SEEN FLAGGED");
	query_is("not (seen flagged)", "NOT (SEEN FLAGGED)");
	query_is("not seen or flagged", "OR NOT SEEN FLAGGED");
	query_is("not (seen or flagged)", "NOT OR SEEN FLAGGED");
	query_is("not not seen", "NOT NOT SEEN");
	query_is("NOT seen", "NOT SEEN");
	query_is("((seen))", "SEEN");
	query_is("(seen flagged) or (draft deleted)",
	    "OR (SEEN FLAGGED) (DRAFT DELETED)");
	query_is("(seen (flagged draft))", "SEEN FLAGGED DRAFT");
	query_is("not (seen (flagged or draft))",
	    "NOT (SEEN OR FLAGGED DRAFT)");
	query_is("from:a (seen or (flagged not draft)) or all",
	    "OR (FROM \"a\" OR SEEN (FLAGGED NOT DRAFT)) ALL");
}

static void
test_quoting(void)
{
	query_is("subject:\"disk full\"", "SUBJECT \"disk full\"");
	query_is("subject:\"say \\\"hi\\\"\"", "SUBJECT \"say \\\"hi\\\"\"");
	query_is("subject:a\\b", "SUBJECT \"a\\\\b\"");
	query_is("subject:\"a\\\\b\"", "SUBJECT \"a\\\\b\"");
	query_is("subject:dis\"k fu\"ll", "SUBJECT \"disk full\"");
	query_is("subject:\"(draft)\"", "SUBJECT \"(draft)\"");
	query_is("subject:foo(bar)", "SUBJECT \"foo(bar)\"");
	query_is("(from:a or from:b)", "OR FROM \"a\" FROM \"b\"");
	query_is("(subject:foo(bar))", "SUBJECT \"foo(bar)\"");
	query_is("from:alerts@ older:1y subject:\"disk full\"",
	    "FROM \"alerts@\" OLDER 31536000 SUBJECT \"disk full\"");
	query_is("subject:or", "SUBJECT \"or\"");
	query_is("subject:\"\"x", "SUBJECT \"x\"");
	query_is("subject:Grüße", "CHARSET UTF-8 SUBJECT \"Grüße\"");
	query_is("from:a subject:日本語", "CHARSET UTF-8 FROM \"a\" "
	    "SUBJECT \"日本語\"");
	query_is("header:X-Tag:café", "CHARSET UTF-8 HEADER \"X-Tag\" "
	    "\"café\"");

	/* As operands: the shell has split the terms already. */
	ARGV_IS("SUBJECT \"disk full\"", "subject:disk full");
	ARGV_IS("FROM \"a\" SUBJECT \"disk full\"", "from:a",
	    "subject:disk full");
	ARGV_IS("OR FROM \"a\" FROM \"b\"", "(", "from:a", "or", "from:b",
	    ")");
	ARGV_IS("OR FROM \"a\" FROM \"b\" SEEN", "(from:a", "or", "from:b)",
	    "seen");
	ARGV_IS("FROM \"a or from:b\"", "from:a or from:b");
	ARGV_IS("SUBJECT \"say \\\"hi\\\"\"", "subject:say \"\\\"hi\\\"\"");
	ARGV_IS("ALL", "");
	ARGV_IS("NOT SEEN", "not", "seen");
}

static void
test_uid_stdin(void)
{
	struct search_query *q;
	struct uidset set;
	struct buf b;
	struct err e;
	const char *s = "uid:- seen";

	uidset_init(&set);
	buf_init(&b, 4096);
	t_ok(search_compile(&s, 1, 1, WITHIN, NOW, &q, &e) == 0,
	    "uid:- compiles");
	t_ok(search_wants_stdin(q), "  ... and wants standard input");
	search_text(q, SEARCH_FORM_EXACT, 0, &b, &e);
	t_streq(b.s, "", "  ... empty input matches nothing");
	uidset_add(&set, 3, 9);
	uidset_add(&set, 12, 12);
	search_set_stdin(q, &set);
	buf_reset(&b);
	search_text(q, SEARCH_FORM_EXACT, 0, &b, &e);
	t_memeq(b.s, b.len, "UID 3:9,12 SEEN", 15, "  ... the UIDs read");
	search_free(q);

	s = "seen or uid:-";
	search_compile(&s, 1, 1, WITHIN, NOW, &q, &e);
	buf_reset(&b);
	search_text(q, SEARCH_FORM_EXACT, 0, &b, &e);
	t_streq(b.s, "SEEN", "uid:- of nothing drops out of an or");
	search_free(q);

	s = "not uid:-";
	search_compile(&s, 1, 1, WITHIN, NOW, &q, &e);
	buf_reset(&b);
	search_text(q, SEARCH_FORM_EXACT, 0, &b, &e);
	t_streq(b.s, "ALL", "not uid:- of nothing is everything");
	search_free(q);

	s = "seen";
	search_compile(&s, 1, 1, WITHIN, NOW, &q, &e);
	t_ok(!search_wants_stdin(q), "no uid:-: no standard input");
	search_free(q);

	BAD("uid:- or uid:-", "query reads uid:- twice");
	uidset_free(&set);
	buf_free(&b);
}

/* older:/newer: without WITHIN: whole days, and the client decides. */
static void
test_relative(void)
{
	const char *one = "older:1d";
	const char *two = "older:1d newer:3d";
	const char *mix = "older:1d or from:x";
	const char *neg = "not older:1d";

	/* The cutoff is 2024-03-09T12:00:00Z: day 9 March. */
	form_is(&one, 1, 1, 0, SEARCH_FORM_EXACT, 0, "OLDER 86400",
	    "exact form is WITHIN's");
	form_is(&one, 1, 1, 0, SEARCH_FORM_BOUNDARY, 0,
	    "SINCE 8-Mar-2024 BEFORE 11-Mar-2024", "the days at the cutoff");
	form_is(&one, 1, 1, 0, SEARCH_FORM_OUTSIDE, 0,
	    "BEFORE 8-Mar-2024 NOT (SINCE 8-Mar-2024 BEFORE 11-Mar-2024)",
	    "away from the cutoff: whole days");
	form_is(&one, 1, 1, 0, SEARCH_FORM_VALUES, 1, "ALL",
	    "decided older: everything");
	form_is(&one, 1, 1, 0, SEARCH_FORM_VALUES, 0, "",
	    "decided not older: nothing");
	form_is(&mix, 1, 1, 0, SEARCH_FORM_VALUES, 1, "ALL",
	    "true or x: everything");
	form_is(&mix, 1, 1, 0, SEARCH_FORM_VALUES, 0, "FROM \"x\"",
	    "false or x: x");
	form_is(&neg, 1, 1, 0, SEARCH_FORM_VALUES, 1, "",
	    "not true: nothing");
	form_is(&neg, 1, 1, 0, SEARCH_FORM_OUTSIDE, 0,
	    "NOT BEFORE 8-Mar-2024 NOT (SINCE 8-Mar-2024 BEFORE "
	    "11-Mar-2024)", "not older, away from the cutoff");
	/* newer:3d: cutoff 2024-03-07T12:00:00Z. */
	form_is(&two, 1, 1, 0, SEARCH_FORM_OUTSIDE, 0,
	    "BEFORE 8-Mar-2024 SINCE 9-Mar-2024 NOT OR (SINCE 8-Mar-2024 "
	    "BEFORE 11-Mar-2024) (SINCE 6-Mar-2024 BEFORE 9-Mar-2024)",
	    "two cutoffs");
	form_is(&two, 1, 1, 0, SEARCH_FORM_BOUNDARY, 0,
	    "OR (SINCE 8-Mar-2024 BEFORE 11-Mar-2024) (SINCE 6-Mar-2024 "
	    "BEFORE 9-Mar-2024)", "the days at two cutoffs");
	form_is(&two, 1, 1, 0, SEARCH_FORM_VALUES, 3, "ALL",
	    "both decided true");
	form_is(&two, 1, 1, 0, SEARCH_FORM_VALUES, 2, "",
	    "one decided false");
}

static void
test_raw(void)
{
	struct search_query *q;
	struct buf b;
	struct err e;
	const char *s = "from:a";
	const char *none = "";
	const char *or = "from:a or from:b";

	buf_init(&b, 4096);
	search_compile(&none, 1, 1, WITHIN, NOW, &q, &e);
	t_ok(search_add_raw(q, "OR SEEN FLAGGED", &e) == 0, "raw alone");
	search_text(q, SEARCH_FORM_EXACT, 0, &b, &e);
	t_streq(b.s, "(OR SEEN FLAGGED)", "  ... is the keys, in parentheses");
	search_free(q);

	search_compile(&s, 1, 1, WITHIN, NOW, &q, &e);
	search_add_raw(q, "  HEADER X-Foo \"a \\\"b\\\"\"  ", &e);
	buf_reset(&b);
	search_text(q, SEARCH_FORM_EXACT, 0, &b, &e);
	t_streq(b.s, "FROM \"a\" (HEADER X-Foo \"a \\\"b\\\"\")",
	    "raw and a query are ANDed");
	search_free(q);

	search_compile(&or, 1, 1, WITHIN, NOW, &q, &e);
	search_add_raw(q, "SEEN", &e);
	buf_reset(&b);
	search_text(q, SEARCH_FORM_EXACT, 0, &b, &e);
	t_streq(b.s, "OR FROM \"a\" FROM \"b\" (SEEN)",
	    "raw ANDed with an or");
	search_free(q);

	search_compile(&none, 1, 1, WITHIN, NOW, &q, &e);
#define RAW_BAD(keys, want) do { \
	err_clear(&e); \
	t_ok(search_add_raw(q, keys, &e) < 0 && e.kind == ERR_USAGE && \
	    strstr(e.msg, want) != NULL, "raw refused: " #keys); \
} while (0)
	RAW_BAD("SEEN\r\nA1 LOGOUT", "must not hold a line break");
	RAW_BAD("SEEN\nX", "must not hold a line break");
	RAW_BAD("SUBJECT \"Grüße\"", "printable ASCII");
	RAW_BAD("SEEN\tFLAGGED", "printable ASCII");
	RAW_BAD("", "--raw needs search keys");
	RAW_BAD("   ", "--raw needs search keys");
	RAW_BAD("(SEEN", "unbalanced");
	RAW_BAD("SEEN) OR (ALL", "unbalanced");
	RAW_BAD("SUBJECT \"x", "unbalanced");
	RAW_BAD("SUBJECT {5}", "must not end in a literal");
	RAW_BAD("SUBJECT {5+}", "must not end in a literal");
	buf_reset(&b);
	search_text(q, SEARCH_FORM_EXACT, 0, &b, &e);
	t_streq(b.s, "ALL", "refused raw keys leave the query alone");
	t_ok(search_add_raw(q, "SUBJECT \"{5}\"", &e) == 0,
	    "a brace in a string is fine");
	search_free(q);
	buf_free(&b);
}

static void
test_errors(void)
{
	static char big[SEARCH_MAX_VALUE + 100];
	char *many, want[64];
	size_t i;

	BAD("frm:alice", "unknown query term 'frm:alice'; valid terms: "
	    "from:TEXT to:TEXT cc:TEXT bcc:TEXT subject:TEXT body:TEXT "
	    "text:TEXT header:NAME:VALUE since:YYYY-MM-DD before:YYYY-MM-DD "
	    "on:YYYY-MM-DD sentsince:YYYY-MM-DD sentbefore:YYYY-MM-DD "
	    "sent:YYYY-MM-DD older:DURATION newer:DURATION larger:SIZE "
	    "smaller:SIZE seen unseen flagged unflagged answered unanswered "
	    "deleted undeleted draft keyword:K uid:SET all has:attachment "
	    "gmail:RAW; combined with or, not and ( )");
	BAD("bogus:x", "unknown query term 'bogus:x'");
	BAD("\"\"", "empty query term");
	BAD("has:pdf", "has: knows only has:attachment");
	BAD("has:", "needs a value: has:attachment");
	BAD("sent:2024-02-30", "bad date");
	BAD("seen:yes", "'seen' takes no value");
	BAD("from", "query term 'from' needs a value: from:TEXT");
	BAD("from:", "query term 'from:' needs a value: from:TEXT");
	BAD("subject:\"\"", "needs a value");
	BAD("header:X-Spam", "needs a header name and a value");
	BAD("header::x", "needs a header name and a value");
	BAD("header:\"X Y\":z", "bad header name");
	BAD("since:2024-3-1", "bad date: use YYYY-MM-DD");
	BAD("since:2024-02-30", "bad date");
	BAD("since:2023-02-29", "bad date");
	BAD("since:2024-13-01", "bad date");
	BAD("since:2024-00-10", "bad date");
	BAD("since:0000-01-01", "bad date");
	BAD("on:yesterday", "bad date");
	BAD("older:30", "bad duration: use a number and s, min, h, d, w, mo "
	    "or y");
	BAD("older:6m", "bad duration: 6m is ambiguous: use 6min or 6mo");
	BAD("newer:90m", "bad duration: 90m is ambiguous: use 90min or 90mo");
	BAD("older:d", "bad duration");
	BAD("older:0d", "bad duration");
	BAD("older:-1d", "bad duration");
	BAD("older:0.1s", "bad duration");
	BAD("older:137y", "bad duration");
	BAD("newer:3x", "bad duration");
	BAD("larger:4G", "bad size");
	BAD("larger:1T", "bad size");
	BAD("larger:M", "bad size");
	BAD("larger:-1", "bad size");
	BAD("smaller:ten", "bad size");
	BAD("keyword:\"a b\"", "a keyword is printable ASCII");
	BAD("keyword:\\Seen", "a keyword is printable ASCII");
	BAD("keyword:a]", "a keyword is printable ASCII");
	BAD("uid:0", "query term 'uid:': bad UID set '0'");
	BAD("uid:1-5", "bad UID set");
	BAD("uid:", "needs a value: uid:SET");
	BAD("(seen", "query has a '(' without its ')'");
	BAD("seen)", "query has a ')' without its '('");
	BAD(")", "query has a ')' without its '('");
	BAD("()", "empty parentheses in query");
	BAD("seen ( ) flagged", "empty parentheses");
	BAD("or seen", "'or' in a query needs a term on each side");
	BAD("seen or", "'or' in a query needs a term on each side");
	BAD("seen or or flagged", "'or' in a query needs a term");
	BAD("(seen or) flagged", "'or' in a query needs a term");
	BAD("and seen", "'and' in a query needs a term on each side");
	BAD("seen and", "'and' in a query needs a term on each side");
	BAD("not", "query ends where a term should follow 'not'");
	BAD("seen not", "query ends where a term should follow 'not'");
	BAD("subject:\"disk full", "unterminated quote in query term");
	BAD("subject:Gr\xfc\xdf" "e", "is not valid UTF-8");
	error_is("from:x bo:gus", 1, WITHIN, "unknown query term 'bo:gus'");

	memset(big, 'x', sizeof(big));
	memcpy(big, "subject:", 8);
	big[sizeof(big) - 1] = '\0';
	snprintf(want, sizeof(want), "is longer than %d bytes",
	    SEARCH_MAX_VALUE);
	BAD(big, want);

	many = malloc(SEARCH_MAX_TOKENS * 5 + 10);
	many[0] = '\0';
	for (i = 0; i <= SEARCH_MAX_TOKENS; i++)
		strcat(many, "seen ");
	BAD(many, "query has more than 1000 terms");
	many[0] = '\0';
	for (i = 0; i <= SEARCH_MAX_DEPTH; i++)
		strcat(many, "not ");
	strcat(many, "seen");
	BAD(many, "query nests more than 32 deep");
	many[0] = '\0';
	for (i = 0; i <= SEARCH_MAX_DEPTH; i++)
		strcat(many, "(");
	BAD(many, "query nests more than 32 deep");
	many[0] = '\0';
	for (i = 0; i <= SEARCH_MAX_REL; i++)
		strcat(many, "older:1d ");
	BAD(many, "query has more than 8 older: and newer: terms");
	free(many);
}

/* The answers of searches: what the walker tells, and what it refuses. */
struct walked {
	struct buf	b;
};

static int
walked_uids(void *ctx, uint32_t first, uint32_t last, struct err *e)
{
	struct walked *w = ctx;

	(void)e;
	if (first == last)
		buf_putf(&w->b, " %u", first);
	else
		buf_putf(&w->b, " %u:%u", first, last);
	return 0;
}

static int
walked_value(void *ctx, enum search_value name, uint64_t v, struct err *e)
{
	static const char *const names[] = { "COUNT", "MIN", "MAX" };
	struct walked *w = ctx;

	(void)e;
	buf_putf(&w->b, " %s=%llu", names[name], (unsigned long long)v);
	return 0;
}

/*
 * Walk line: "" when it is no search's answer, the error's text when it
 * is refused, else what the callbacks heard.
 */
static const char *
walk(const char *line, int sort, const char **tag_r)
{
	static char out[ERR_MSG_MAX + 16];
	struct imap_parser *p = imap_parser_new();
	struct search_walker w = { walked_uids, walked_value, NULL, sort };
	const struct imap_resp *r = NULL;
	struct walked wd;
	struct buf in;
	struct err e;
	const char *tag;
	size_t used, len;

	buf_init(&wd.b, 4096);
	buf_init(&in, 4096);
	buf_putf(&in, "%s\r\n", line);
	w.ctx = &wd;
	err_clear(&e);
	out[0] = '\0';
	if (imap_parser_feed(p, in.s, in.len, &used, &r, &e) != 1)
		snprintf(out, sizeof(out), "!parse");
	else if (search_answer(r, &tag, &len) == SEARCH_ANSWER_NONE)
		;
	else if (search_walk(r, &w, &e) < 0)
		snprintf(out, sizeof(out), "%s", e.msg);
	else {
		snprintf(out, sizeof(out), "%s", wd.b.s);
		if (tag_r != NULL)
			*tag_r = tag != NULL && len == 2 &&
			    memcmp(tag, "A5", 2) == 0 ? "A5" : NULL;
	}
	buf_free(&wd.b);
	buf_free(&in);
	imap_parser_free(p);
	return out;
}

static void
test_answers(void)
{
	struct imap_parser *p;
	const struct imap_resp *r = NULL;
	struct search_found f;
	struct uidset set;
	struct err e;
	const char *tag = NULL;
	size_t used;
	char buf[64];

	t_streq(walk("* SEARCH 4 9 12 (MODSEQ 917)", 0, NULL), " 4 9 12",
	    "SEARCH: each UID, MODSEQ skipped");
	t_streq(walk("* SEARCH", 0, NULL), "", "SEARCH: none");
	t_streq(walk("* SEARCH 1 two 3", 0, NULL),
	    "server sent a bad SEARCH result", "SEARCH: not a number");
	t_streq(walk("* SEARCH 0", 0, NULL),
	    "server sent a bad SEARCH result", "SEARCH: UID 0");
	t_streq(walk("* SEARCH 4294967296", 0, NULL),
	    "server sent a bad SEARCH result", "SEARCH: past 32 bits");
	t_streq(walk("* SORT 12 4 9", 1, NULL), " 12 4 9",
	    "SORT: in its order");
	t_streq(walk("* SORT 12 x", 1, NULL), "server sent a bad SORT result",
	    "SORT: refused in its own name");
	t_streq(walk("* ESEARCH (TAG \"A5\") UID ALL 8,4:6,100:99 COUNT 6",
	    0, &tag), " 8 4:6 100:99 COUNT=6", "ESEARCH: ALL as written");
	t_ok(tag != NULL, "  ... and its TAG");
	t_streq(walk("* ESEARCH (TAG \"A5\") UID MIN 4 MAX 12 MODSEQ 9 "
	    "PARTIAL (1:5 1,3) COUNT 0", 0, NULL), " MIN=4 MAX=12 COUNT=0",
	    "ESEARCH: MIN, MAX, COUNT; MODSEQ and the unknown skipped");
	t_streq(walk("* ESEARCH UID ALL 2,4294967295", 0, NULL),
	    " 2 4294967295", "ESEARCH: the highest UID there can be");
	t_streq(walk("* ESEARCH", 0, NULL), "", "ESEARCH: nothing");
	t_streq(walk("* ESEARCH (TAG \"A5\") UID ALL 1,*", 0, NULL),
	    "server sent a bad ESEARCH result", "ALL: * is no UID");
	t_streq(walk("* ESEARCH ALL 1,,2", 0, NULL),
	    "server sent a bad ESEARCH result", "ALL: an empty element");
	t_streq(walk("* ESEARCH ALL 1,2,", 0, NULL),
	    "server sent a bad ESEARCH result", "ALL: a comma at the end");
	t_streq(walk("* ESEARCH ALL 0", 0, NULL),
	    "server sent a bad ESEARCH result", "ALL: UID 0");
	t_streq(walk("* ESEARCH ALL 1:2:3", 0, NULL),
	    "server sent a bad ESEARCH result", "ALL: two colons");
	t_streq(walk("* ESEARCH ALL 4294967296", 0, NULL),
	    "server sent a bad ESEARCH result", "ALL: past 32 bits");
	t_streq(walk("* ESEARCH ALL (1 2)", 0, NULL),
	    "server sent a bad ESEARCH result", "ALL: a list");
	t_streq(walk("* ESEARCH UID ALL", 0, NULL),
	    "server sent a bad ESEARCH result", "a name without a value");
	t_streq(walk("* ESEARCH UID COUNT x", 0, NULL),
	    "server sent a bad ESEARCH count", "COUNT: not a number");
	t_streq(walk("* ESEARCH UID MIN 0", 0, NULL),
	    "server sent a bad ESEARCH MIN", "MIN: UID 0");
	t_streq(walk("* ESEARCH UID MAX 4294967296", 0, NULL),
	    "server sent a bad ESEARCH MAX", "MAX: past 32 bits");
	t_streq(walk("* ESEARCH UID ALL 1:x", 1, NULL),
	    "server sent a bad ESORT result", "an ESORT's in its own name");
	t_streq(walk("* 3 EXISTS", 0, NULL), "", "not an answer");

	/* The matches gathered, bounded by what the mailbox holds. */
	p = imap_parser_new();
	search_found_init(&f, 3, 0);
	uidset_init(&set);
	err_clear(&e);
	t_ok(imap_parser_feed(p, "* ESEARCH (TAG \"A5\") UID ALL 3,1:2\r\n",
	    36, &used, &r, &e) == 1 && search_found_take(&f, r, &e) == 0,
	    "ESEARCH ALL gathered");
	t_ok(imap_parser_feed(p, "* SEARCH 7\r\n", 12, &used, &r, &e) == 1 &&
	    search_found_take(&f, r, &e) == 0, "  ... and SEARCH");
	search_found_end(&f, &set);
	buf[0] = '\0';
	if (set.n == 2)
		snprintf(buf, sizeof(buf), "%u:%u,%u", set.r[0].lo,
		    set.r[0].hi, set.r[1].lo);
	t_streq(buf, "1:3,7", "  ... into a set");
	t_ok(f.count == 4 && f.list.n == 0, "  ... counted");
	t_ok(search_found_more(&f, 100000, &e) < 0 &&
	    e.kind == ERR_PROTOCOL && strcmp(e.msg, "server named more "
	    "messages than the mailbox holds") == 0, "past the bound: a lie");
	search_found_free(&f);
	search_found_init(&f, 0, 1);
	f.mailbox = "Sent";
	t_ok(imap_parser_feed(p, "* ESEARCH UID COUNT 99999\r\n", 27, &used,
	    &r, &e) == 1 && search_found_take(&f, r, &e) == 0 &&
	    f.count == 99999 && f.list.n == 0, "counting: COUNT");
	t_ok(imap_parser_feed(p, "* ESEARCH UID ALL 1:5\r\n", 23, &used,
	    &r, &e) == 1 && search_found_take(&f, r, &e) < 0 &&
	    strcmp(e.msg, "server named more messages than mailbox 'Sent' "
	    "holds") == 0, "  ... bounded, in the mailbox's name");
	search_found_free(&f);

	/* A UID named twice is one message, in any answer and in counting. */
	search_found_init(&f, 3, 1);
	uidset_clear(&set);
	t_ok(imap_parser_feed(p, "* SEARCH 2 2 1\r\n", 16, &used, &r,
	    &e) == 1 && search_found_take(&f, r, &e) == 0 &&
	    imap_parser_feed(p, "* SEARCH 2 3\r\n", 14, &used, &r, &e) == 1 &&
	    search_found_take(&f, r, &e) == 0 &&
	    imap_parser_feed(p, "* ESEARCH UID ALL 1:2,3,2:3\r\n", 29, &used,
	    &r, &e) == 1 && search_found_take(&f, r, &e) == 0,
	    "the same UIDs again and again, within the bound");
	search_found_end(&f, &set);
	t_ok(f.count == 3 && set.n == 0, "  ... counted once each");
	search_found_free(&f);
	search_found_init(&f, 3, 0);
	t_ok(imap_parser_feed(p, "* SEARCH 3 1 3\r\n", 16, &used, &r,
	    &e) == 1 && search_found_take(&f, r, &e) == 0, "  ... listed");
	search_found_end(&f, &set);
	t_ok(f.count == 2 && set.n == 2 && set.r[0].lo == 1 &&
	    set.r[0].hi == 1 && set.r[1].lo == 3 && set.r[1].hi == 3,
	    "  ... into a set, each once");
	search_found_free(&f);
	uidset_free(&set);
	imap_parser_free(p);
}

int
main(void)
{
	test_terms();
	test_gmail();
	test_precedence();
	test_quoting();
	test_uid_stdin();
	test_relative();
	test_raw();
	test_errors();
	test_answers();
	return t_done();
}
