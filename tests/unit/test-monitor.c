/* SPDX-License-Identifier: MIT */
/*
 * The monitoring pieces of the core: threshold ranges and durations,
 * IMAP dates, QUOTA responses (fed whole and a byte at a time), and the
 * result writers (plugin line, Prometheus text, record), also under a
 * locale whose decimal separator is a comma.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "emit.h"
#include "parser.h"
#include "quota.h"
#include "range.h"
#include "report.h"
#include "t.h"

static void
test_ranges(void)
{
	static const struct {
		const char	*text;
		unsigned	 flags;
		const char	*alerts;	/* at -1, 0, 5, 10, 15, 20, 25 */
		const char	*perf;
	} cases[] = {
		{ "10", 0, "YNNNYYY", "10" },
		{ "10:", 0, "YYYNNNN", "10:" },
		{ "~:10", 0, "NNNNYYY", "~:10" },
		{ "10:20", 0, "YYYNNNY", "10:20" },
		{ "@10:20", 0, "NNNYYYN", "@10:20" },
		{ ":10", 0, "YNNNYYY", "10" },
		{ "0.5:", 0, "YYNNNNN", "0.5:" },
		{ "-1:12.5", 0, "NNNNYYY", "-1:12.5" },
		{ "@~:0", 0, "YYNNNNN", "@~:0" },
		{ "10s:", RANGE_DURATION, "YYYNNNN", "10:" },
		{ "~:1min", RANGE_DURATION, "NNNNNNN", "~:60" },
		{ "1h", RANGE_DURATION, "YNNNNNN", "3600" },
		{ "2d:1w", RANGE_DURATION, "YYYYYYY", "172800:604800" },
		/* A bare number is a lower bound where so asked. */
		{ "10", RANGE_AT_LEAST, "YYYNNNN", "10:" },
		{ "0", RANGE_AT_LEAST, "YNNNNNN", "0:" },
		{ "10:20", RANGE_AT_LEAST, "YYYNNNY", "10:20" },
		{ "~:10", RANGE_AT_LEAST, "NNNNYYY", "~:10" },
		{ "@10", RANGE_AT_LEAST, "NYYYNNN", "@0:10" },
	};
	static const double at[] = { -1, 0, 5, 10, 15, 20, 25 };
	static const char *const bad[] = {
		"", "@", "abc", "10:5", "~", "~:", ":", "1e3", "0x10", "10::20",
		"nan", "inf", "1h", "10 ", " 10", "--1", "1.2.3", "~:~",
		"99999999999999999999",
	};
	struct range r;
	struct err e;
	struct buf b;
	char name[128], got[8];
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "range '%s' parses",
		    cases[i].text);
		if (!t_ok(range_parse(&r, cases[i].text, cases[i].flags,
		    &e) == 0, name))
			continue;
		for (k = 0; k < 7; k++)
			got[k] = range_alerts(&r, at[k]) ? 'Y' : 'N';
		got[7] = '\0';
		snprintf(name, sizeof(name), "range '%s' alerts at "
		    "-1 0 5 10 15 20 25", cases[i].text);
		t_streq(got, cases[i].alerts, name);
		buf_init(&b, 256);
		range_format(&r, &b);
		snprintf(name, sizeof(name), "range '%s' in perfdata",
		    cases[i].text);
		t_streq(b.s, cases[i].perf, name);
		buf_free(&b);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "'%s' is not a range", bad[i]);
		t_ok(range_parse(&r, bad[i], 0, &e) < 0 && e.kind == ERR_USAGE
		    && !r.set, name);
	}
	t_ok(range_parse(&r, "10:5", 0, &e) < 0 &&
	    strstr(e.msg, "start is above the end") != NULL,
	    "a reversed range says why");
	t_ok(range_parse(&r, "1h:6m", RANGE_DURATION, &e) < 0 && !r.set &&
	    strcmp(e.msg, "bad range '1h:6m': 6m is ambiguous: use 6min or "
	    "6mo") == 0, "a bare m in a range of durations is refused");
	memset(&r, 0, sizeof(r));
	t_ok(!range_alerts(&r, 1e9), "an unset range never alerts");
}

static void
test_durations(void)
{
	double v;

	t_ok(duration_parse("90", 2, &v) == 0 && v == 90, "bare seconds");
	t_ok(duration_parse("1.5min", 6, &v) == 0 && v == 90, "minutes");
	t_ok(duration_parse("1.5m", 4, &v) == DURATION_AMBIGUOUS,
	    "a bare m is minutes or months: refused");
	t_ok(duration_parse("xm", 2, &v) == -1, "not a number and m");
	t_ok(duration_parse("2mo", 3, &v) == 0 && v == 60 * 86400,
	    "months of 30 days");
	t_ok(duration_parse("1y", 2, &v) == 0 && v == 365 * 86400,
	    "years of 365 days");
	t_ok(duration_parse("3d", 2, &v) == 0 && v == 3 * 86400, "days");
	t_ok(duration_parse("1mi", 3, &v) < 0, "no prefix of a unit");
	t_ok(duration_parse("2h", 2, &v) == 0 && v == 7200, "hours");
	t_ok(duration_parse("2min", 4, &v) == 0 && v == 120, "min");
	t_ok(duration_parse("min", 3, &v) < 0, "min needs a number");
	t_ok(duration_parse("1w", 2, &v) == 0 && v == 604800, "weeks");
	t_ok(duration_parse("-1s", 3, &v) < 0, "no negative duration");
	t_ok(duration_parse("5x", 2, &v) < 0, "no unknown unit");
	t_ok(duration_parse("s", 1, &v) < 0, "a unit needs a number");
}

static void
test_dates(void)
{
	t_ok(date_parse_internal("17-Jul-1996 02:44:25 -0700", 26) == 837596665, "RFC 3501's example date");
	t_ok(date_parse_internal(" 4-Mar-2024 13:15:30 +0000", 26) == 1709558130, "a space-padded day");
	t_ok(date_parse_internal("29-Feb-2024 00:00:00 +0100", 26) == 1709161200, "a leap day, east of UTC");
	t_ok(date_parse_internal("29-Feb-2023 00:00:00 +0000", 26) == (time_t)-1,
	    "no leap day in 2023");
	t_ok(date_parse_internal("04-Mar-2024 13:15:30", 20) == (time_t)-1,
	    "a zone is needed");
	t_ok(date_parse_internal("04-Foo-2024 13:15:30 +0000", 26) == (time_t)-1,
	    "an unknown month");
	t_ok(date_parse_internal("04-Mar-2024 25:15:30 +0000", 26) == (time_t)-1,
	    "hour 25");
}

/* Parse one response, all at once or a byte at a time. */
static const struct imap_resp *
parse(struct imap_parser *p, const char *s, int bytewise)
{
	const struct imap_resp *r = NULL;
	size_t used, len = strlen(s), off = 0, n;
	struct err e;
	int rv = 0;

	imap_parser_reset(p);
	while (off < len && rv == 0) {
		n = bytewise ? 1 : len - off;
		rv = imap_parser_feed(p, s + off, n, &used, &r, &e);
		off += used;
	}
	return rv > 0 ? r : NULL;
}

static void
test_quota(int bytewise)
{
	struct imap_parser *p = imap_parser_new();
	const struct imap_resp *r;
	const struct imap_arg *it, *roots;
	struct quota_res q;
	const char *root, *mbox, *s;
	size_t len;
	char name[128];
	const char *how = bytewise ? " (byte at a time)" : "";

	r = parse(p, "* QUOTA \"User quota\" (STORAGE 10 512 MESSAGE 3 "
	    "100)\r\n", bytewise);
	snprintf(name, sizeof(name), "QUOTA parses%s", how);
	t_ok(r != NULL && quota_parse(r, &root, &len, &it) == 1 &&
	    len == 10 && memcmp(root, "User quota", 10) == 0, name);
	snprintf(name, sizeof(name), "QUOTA resources in order%s", how);
	t_ok(quota_next(&it, &q) && strcmp(q.name, "STORAGE") == 0 &&
	    q.usage == 10 && q.limit == 512 && quota_next(&it, &q) &&
	    strcmp(q.name, "MESSAGE") == 0 && q.usage == 3 &&
	    q.limit == 100 && !quota_next(&it, &q), name);
	t_ok(quota_percent(&q) > 2.999 && quota_percent(&q) < 3.001,
	    "percent of a limit");

	r = parse(p, "* QUOTA \"\" ()\r\n", bytewise);
	t_ok(r != NULL && quota_parse(r, &root, &len, &it) == 1 &&
	    len == 0 && it == NULL, "an empty root without resources");
	r = parse(p, "* QUOTA x (STORAGE 10)\r\n", bytewise);
	t_ok(r != NULL && quota_parse(r, &root, &len, &it) == -1,
	    "a resource without a limit is malformed");
	r = parse(p, "* QUOTA x (STORAGE 10 -1)\r\n", bytewise);
	t_ok(r != NULL && quota_parse(r, &root, &len, &it) == -1,
	    "a negative limit is malformed");
	r = parse(p, "* QUOTA x (STORAGE 1 18446744073709551616)\r\n",
	    bytewise);
	t_ok(r != NULL && quota_parse(r, &root, &len, &it) == -1,
	    "a limit past 64 bits is malformed");
	r = parse(p, "* QUOTA x STORAGE 1 2\r\n", bytewise);
	t_ok(r != NULL && quota_parse(r, &root, &len, &it) == -1,
	    "resources outside a list are malformed");
	r = parse(p, "* STATUS INBOX (MESSAGES 1)\r\n", bytewise);
	t_ok(r != NULL && quota_parse(r, &root, &len, &it) == 0 &&
	    quota_parse_root(r, &mbox, &len, &roots) == 0,
	    "other responses are not QUOTA");

	r = parse(p, "* QUOTAROOT INBOX \"User quota\" Shared\r\n", bytewise);
	snprintf(name, sizeof(name), "QUOTAROOT with two roots%s", how);
	t_ok(r != NULL && quota_parse_root(r, &mbox, &len, &roots) == 1 &&
	    strcmp(mbox, "INBOX") == 0 && imap_arg_astring(roots, &s, NULL) &&
	    strcmp(s, "User quota") == 0 && roots->next != NULL &&
	    roots->next->next == NULL, name);
	r = parse(p, "* QUOTAROOT INBOX\r\n", bytewise);
	t_ok(r != NULL && quota_parse_root(r, &mbox, &len, &roots) == 1 &&
	    roots == NULL, "QUOTAROOT without roots");
	r = parse(p, "* QUOTAROOT INBOX (x)\r\n", bytewise);
	t_ok(r != NULL && quota_parse_root(r, &mbox, &len, &roots) == -1,
	    "a list as a root is malformed");
	imap_parser_free(p);
}

static const struct report_item it_time = { "time", REPORT_SECONDS, 3,
	REPORT_PERF | REPORT_MIN0, "probe_duration_seconds", "Seconds.", 0 };
static const struct report_item it_unseen = { "unseen", REPORT_COUNT, 0,
	REPORT_PERF | REPORT_MIN0, "unseen_messages", "Unseen.", 0 };
static const struct report_item it_pct = { "quota_percent", REPORT_PERCENT,
	1, REPORT_PERF | REPORT_MIN0, "quota_usage_ratio", "Ratio.", 0.01 };
static const struct report_item it_none = { "size", REPORT_BYTES, 0,
	REPORT_PERF, "size_bytes", "Bytes.", 0 };
static const struct report_item it_when = { "expires", REPORT_TIMESTAMP, 0,
	0, "expiry_timestamp_seconds", "When.", 0 };

/* Write one result in fmt to memory; returns the text (free it). */
static char *
result(enum report_format fmt, enum emit_format efmt, int failed,
    enum report_state *st_r)
{
	struct range w, c;
	struct report *r;
	struct emit *em;
	struct err e;
	char *s = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&s, &len);

	em = emit_new(efmt, fp, "check");
	r = report_new(fmt, fp, em, "IMAP");
	report_label(r, "host", "mx \"1\"\\");
	report_label(r, "mailbox", "In|box\n");
	range_parse(&w, "10", 0, &e);
	range_parse(&c, "@0.5:1.5", 0, &e);
	report_value(r, &it_time, 1.25, &w, &c, NAN);
	range_parse(&w, "~:2", 0, &e);
	report_value(r, &it_unseen, 3, &w, NULL, NAN);
	report_value(r, &it_pct, 12.34, NULL, NULL, 100);
	report_none(r, &it_none);
	report_value(r, &it_when, 1709558130, NULL, NULL, NAN);
	if (failed)
		report_fail(r, REPORT_UNKNOWN, "no | such\tthing\xc2\x9b" "2J");
	else
		report_text(r, "mailbox %s, %d unseen", "In|box", 3);
	*st_r = report_finish(r);
	report_free(r);
	emit_finish(em, &e);
	emit_free(em);
	fclose(fp);
	return s;
}

static void
test_report(const char *locale)
{
	enum report_state st;
	char *s, name[128];

	s = result(REPORT_PLUGIN, EMIT_TEXT, 0, &st);
	snprintf(name, sizeof(name), "plugin line (%s)", locale);
	t_streq(s, "IMAP CRITICAL - mailbox In/box, 3 unseen | "
	    "time=1.25s;10;@0.5:1.5;0 unseen=3;~:2;;0 "
	    "quota_percent=12.3%;;;0;100\n", name);
	t_ok(st == REPORT_CRITICAL, "the worst state wins");
	free(s);

	s = result(REPORT_PLUGIN, EMIT_TEXT, 1, &st);
	snprintf(name, sizeof(name), "a failure leads the line (%s)", locale);
	t_streq(s, "IMAP CRITICAL - no / such thing 2J | time=1.25s;10;@0.5:1.5;0 "
	    "unseen=3;~:2;;0 quota_percent=12.3%;;;0;100\n", name);
	t_ok(st == REPORT_CRITICAL, "CRITICAL is worse than UNKNOWN");
	free(s);

	s = result(REPORT_PROMETHEUS, EMIT_TEXT, 0, &st);
	snprintf(name, sizeof(name), "Prometheus text (%s)", locale);
#define L "{host=\"mx \\\"1\\\"\\\\\",mailbox=\"In|box\\n\"}"
	t_streq(s,
	    "# HELP imapctl_probe_success Whether the check logged in and "
	    "took its measurements (1) or failed (0).\n"
	    "# TYPE imapctl_probe_success gauge\n"
	    "imapctl_probe_success" L " 1\n"
	    "# HELP imapctl_check_state The check's state: 0 OK, 1 WARNING, "
	    "2 CRITICAL, 3 UNKNOWN.\n"
	    "# TYPE imapctl_check_state gauge\n"
	    "imapctl_check_state" L " 2\n"
	    "# HELP imapctl_probe_duration_seconds Seconds.\n"
	    "# TYPE imapctl_probe_duration_seconds gauge\n"
	    "imapctl_probe_duration_seconds" L " 1.25\n"
	    "# HELP imapctl_unseen_messages Unseen.\n"
	    "# TYPE imapctl_unseen_messages gauge\n"
	    "imapctl_unseen_messages" L " 3\n"
	    "# HELP imapctl_quota_usage_ratio Ratio.\n"
	    "# TYPE imapctl_quota_usage_ratio gauge\n"
	    "imapctl_quota_usage_ratio" L " 0.1234\n"
	    "# HELP imapctl_expiry_timestamp_seconds When.\n"
	    "# TYPE imapctl_expiry_timestamp_seconds gauge\n"
	    "imapctl_expiry_timestamp_seconds" L " 1709558130\n", name);
	free(s);

	s = result(REPORT_PROMETHEUS, EMIT_TEXT, 1, &st);
	t_ok(strncmp(s, "# IMAP CRITICAL - no / such thing 2J\n", 37) == 0 &&
	    strstr(s, "imapctl_probe_success" L " 0\n") != NULL,
	    "a failure is a comment and probe_success 0");
	free(s);

	s = result(REPORT_RECORD, EMIT_JSON, 0, &st);
	snprintf(name, sizeof(name), "record (%s)", locale);
	t_streq(s, "[\n{\"state\":\"CRITICAL\",\"summary\":\"mailbox In|box, "
	    "3 unseen\",\"host\":\"mx \\\"1\\\"\\\\\",\"mailbox\":\"In|box\\n\","
	    "\"time\":1.250,\"unseen\":3,\"quota_percent\":12.3,\"size\":null,"
	    "\"expires\":\"2024-03-04T13:15:30Z\"}\n]\n", name);
	free(s);
}

/* Two mailboxes: parts of one result. */
static char *
parts(enum report_format fmt, enum emit_format efmt)
{
	struct range w;
	struct report *r;
	struct emit *em;
	struct err e;
	char *s = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&s, &len);

	em = emit_new(efmt, fp, "check");
	r = report_new(fmt, fp, em, "IMAP");
	report_label(r, "host", "mx");
	report_parts(r, "mailbox", "mailboxes");
	report_part_add(r, "INBOX");
	report_part_add(r, "Lists/it's = odd");
	range_parse(&w, "2", 0, &e);
	report_value(r, &it_time, 0.5, NULL, NULL, NAN);
	report_part(r, 0);
	report_value(r, &it_unseen, 3, &w, NULL, NAN);
	report_part(r, 1);
	report_value(r, &it_unseen, 1, &w, NULL, NAN);
	report_none(r, &it_none);
	report_part(r, -1);
	report_value(r, &it_pct, 12.34, NULL, NULL, 100);
	report_text(r, "two");
	report_finish(r);
	report_free(r);
	emit_finish(em, &e);
	emit_free(em);
	fclose(fp);
	return s;
}

static void
test_parts(void)
{
	char *s;

	s = parts(REPORT_PLUGIN, EMIT_TEXT);
	t_streq(s, "IMAP WARNING - two | time=0.5s;;;0 'INBOX unseen'=3;2;;0 "
	    "'Lists/it_s _ odd unseen'=1;2;;0 quota_percent=12.3%;;;0;100\n",
	    "a part's perfdata is labelled with its name");
	free(s);
	s = parts(REPORT_PROMETHEUS, EMIT_TEXT);
	t_streq(s,
	    "# HELP imapctl_probe_success Whether the check logged in and "
	    "took its measurements (1) or failed (0).\n"
	    "# TYPE imapctl_probe_success gauge\n"
	    "imapctl_probe_success{host=\"mx\",mailbox=\"INBOX\"} 1\n"
	    "imapctl_probe_success{host=\"mx\",mailbox=\"Lists/it's = odd\"} "
	    "1\n"
	    "# HELP imapctl_check_state The check's state: 0 OK, 1 WARNING, "
	    "2 CRITICAL, 3 UNKNOWN.\n"
	    "# TYPE imapctl_check_state gauge\n"
	    "imapctl_check_state{host=\"mx\",mailbox=\"INBOX\"} 1\n"
	    "imapctl_check_state{host=\"mx\",mailbox=\"Lists/it's = odd\"} 1\n"
	    "# HELP imapctl_probe_duration_seconds Seconds.\n"
	    "# TYPE imapctl_probe_duration_seconds gauge\n"
	    "imapctl_probe_duration_seconds{host=\"mx\",mailbox=\"INBOX\"} "
	    "0.5\n"
	    "imapctl_probe_duration_seconds{host=\"mx\",mailbox=\"Lists/it's "
	    "= odd\"} 0.5\n"
	    "# HELP imapctl_unseen_messages Unseen.\n"
	    "# TYPE imapctl_unseen_messages gauge\n"
	    "imapctl_unseen_messages{host=\"mx\",mailbox=\"INBOX\"} 3\n"
	    "imapctl_unseen_messages{host=\"mx\",mailbox=\"Lists/it's = "
	    "odd\"} 1\n"
	    "# HELP imapctl_quota_usage_ratio Ratio.\n"
	    "# TYPE imapctl_quota_usage_ratio gauge\n"
	    "imapctl_quota_usage_ratio{host=\"mx\",mailbox=\"INBOX\"} "
	    "0.1234\n"
	    "imapctl_quota_usage_ratio{host=\"mx\",mailbox=\"Lists/it's = "
	    "odd\"} 0.1234\n",
	    "each metric once, a sample a part, the whole check's for each");
	free(s);
	s = parts(REPORT_RECORD, EMIT_JSON);
	t_streq(s, "[\n{\"state\":\"WARNING\",\"summary\":\"two\","
	    "\"host\":\"mx\",\"mailbox\":\"INBOX\",\"time\":0.500,"
	    "\"unseen\":3,\"quota_percent\":12.3,\"mailboxes\":["
	    "{\"name\":\"INBOX\",\"unseen\":3},"
	    "{\"name\":\"Lists/it's = odd\",\"unseen\":1,\"size\":null}"
	    "]}\n]\n", "the first part among the fields, then every part");
	free(s);
}

int
main(void)
{
	const char *comma[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE",
	    "C.UTF-8" };
	size_t i;

	(void)t_memeq;
	test_ranges();
	test_durations();
	test_dates();
	test_quota(0);
	test_quota(1);
	test_report("C");
	test_parts();
	for (i = 0; i < sizeof(comma) / sizeof(comma[0]); i++)
		if (setlocale(LC_ALL, comma[i]) != NULL)
			break;
	test_report(setlocale(LC_NUMERIC, NULL));
	return t_done();
}
