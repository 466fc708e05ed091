/* SPDX-License-Identifier: MIT */
/*
 * lib/date.c, where every date of the program is read and written: the
 * calendar (days of months, days to civil dates and back), the command
 * line's YYYY-MM-DD and --date, IMAP's date and date-time, RFC 5322,
 * asctime and RFC 3339, each of them from the one table of names and the
 * one reader of digits.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "t.h"

#define RFC(s)	date_parse_rfc5322(s, strlen(s))

/* 2024-03-01T09:22:03Z, a Friday of a leap year. */
#define T0	((time_t)1709284923)

static void
test_calendar(void)
{
	int64_t y;
	int m, d;

	t_ok(date_days_in_month(2024, 2) == 29, "February 2024 has 29 days");
	t_ok(date_days_in_month(2023, 2) == 28, "February 2023 has 28 days");
	t_ok(date_days_in_month(1900, 2) == 28, "February 1900 has 28 days");
	t_ok(date_days_in_month(2000, 2) == 29, "February 2000 has 29 days");
	t_ok(date_days_in_month(2024, 4) == 30 &&
	    date_days_in_month(2024, 12) == 31, "April 30, December 31");

	t_ok(date_day_of(0) == 0 && date_day_of(86399) == 0 &&
	    date_day_of(86400) == 1, "day_of: the first day is day 0");
	t_ok(date_day_of(-1) == -1 && date_day_of(-86400) == -1 &&
	    date_day_of(-86401) == -2, "day_of rounds down before 1970");
	t_ok(date_day_of(T0) == 19783, "day_of 2024-03-01");

	date_civil_from_days(0, &y, &m, &d);
	t_ok(y == 1970 && m == 1 && d == 1, "day 0 is 1970-01-01");
	date_civil_from_days(-1, &y, &m, &d);
	t_ok(y == 1969 && m == 12 && d == 31, "day -1 is 1969-12-31");
	date_civil_from_days(19782, &y, &m, &d);
	t_ok(y == 2024 && m == 2 && d == 29, "day 19782 is 2024-02-29");
	t_ok(date_day_of(date_from_civil(2024, 2, 29, 23, 59, 59)) == 19782,
	    "from_civil and day_of agree");
	t_ok(date_from_civil(2024, 3, 1, 9, 22, 3) == T0,
	    "from_civil 2024-03-01 09:22:03");
}

static void
day_is(const char *s, int64_t want)
{
	int64_t day = -12345;
	char name[64];

	snprintf(name, sizeof(name), "parse_day '%s'", s);
	t_ok(date_parse_day(s, strlen(s), &day) == 0 && day == want, name);
}

static void
day_bad(const char *s)
{
	int64_t day = -12345;
	char name[64];

	snprintf(name, sizeof(name), "parse_day refuses '%s'", s);
	t_ok(date_parse_day(s, strlen(s), &day) < 0 && day == -12345, name);
}

static void
test_parse_day(void)
{
	day_is("1970-01-01", 0);
	day_is("2024-02-29", 19782);
	day_is("2024-03-01", 19783);
	day_is("1969-12-31", -1);
	day_is("0001-01-01", -719162);
	day_bad("2023-02-29");
	day_bad("2024-13-01");
	day_bad("2024-00-10");
	day_bad("2024-04-31");
	day_bad("0000-01-01");
	day_bad("2024-3-01");
	day_bad("2024-03-1");
	day_bad("2024-03-01x");
	day_bad("2024/03/01");
	day_bad("+024-03-01");
	day_bad("2024-0a-01");
	day_bad("");
	/* Only the bytes given count: a digit past them is not read. */
	{
		int64_t day;

		t_ok(date_parse_day("2024-03-011", 10, &day) == 0 &&
		    day == 19783, "parse_day reads only n bytes");
		t_ok(date_parse_day("2024-03-01", 9, &day) < 0,
		    "parse_day: a short n is too short");
	}
}

static void
test_format_day(void)
{
	char s[DATE_MAX];

	t_ok(date_format_day(19783, s, sizeof(s)) == 10, "format_day length");
	t_streq(s, "1-Mar-2024", "IMAP date: no padding of the day");
	date_format_day(0, s, sizeof(s));
	t_streq(s, "1-Jan-1970", "IMAP date of day 0");
	date_format_day(-1, s, sizeof(s));
	t_streq(s, "31-Dec-1969", "IMAP date of day -1");
	date_format_day(-719162, s, sizeof(s));
	t_streq(s, "1-Jan-0001", "IMAP date: the year has four digits");
	date_format_day(19782 + 275, s, sizeof(s));
	t_streq(s, "30-Nov-2024", "IMAP date in November");
}

static void
iso_is(const char *in, const char *want)
{
	char s[DATE_MAX], name[96];

	snprintf(name, sizeof(name), "--date '%s'", in);
	memset(s, 0, sizeof(s));
	if (t_ok(date_iso_to_internal(in, s, sizeof(s)) == 0, name))
		t_streq(s, want, "  ... as IMAP's date-time");
}

static void
iso_bad(const char *in)
{
	char s[DATE_MAX], name[96];

	snprintf(name, sizeof(name), "--date refuses '%s'", in);
	t_ok(date_iso_to_internal(in, s, sizeof(s)) < 0, name);
}

static void
test_iso(void)
{
	iso_is("2024-03-01", "01-Mar-2024 00:00:00 +0000");
	iso_is("2024-03-01T09:22", "01-Mar-2024 09:22:00 +0000");
	iso_is("2024-03-01T09:22:03", "01-Mar-2024 09:22:03 +0000");
	iso_is("2024-03-01t09:22:03z", "01-Mar-2024 09:22:03 +0000");
	iso_is("2024-03-01 09:22:03Z", "01-Mar-2024 09:22:03 +0000");
	iso_is("2024-03-01T09:22:03+02:00", "01-Mar-2024 09:22:03 +0200");
	iso_is("2024-03-01T09:22:03-0530", "01-Mar-2024 09:22:03 -0530");
	iso_is("2024-12-31T23:59:60Z", "31-Dec-2024 23:59:60 +0000");
	iso_is("2000-02-29", "29-Feb-2000 00:00:00 +0000");
	iso_is("1900-01-01", "01-Jan-1900 00:00:00 +0000");
	iso_bad("1899-12-31");
	iso_bad("1900-02-29");
	iso_bad("2024-03-01T");
	iso_bad("2024-03-01T9:22");
	iso_bad("2024-03-01T09:2");
	iso_bad("2024-03-01T24:00");
	iso_bad("2024-03-01T09:60");
	iso_bad("2024-03-01T09:22:61");
	iso_bad("2024-03-01T09:22:3");
	iso_bad("2024-03-01T09:22+2");
	iso_bad("2024-03-01T09:22+24:00");
	iso_bad("2024-03-01T09:22+02:60");
	iso_bad("2024-03-01T09:22+02:00x");
	iso_bad("2024-03-01x");
	iso_bad("2024-3-1");
	iso_bad("20240301");
	iso_bad("");
	/* The output buffer too small: refused, not cut. */
	{
		char s[8];

		t_ok(date_iso_to_internal("2024-03-01", s, sizeof(s)) < 0,
		    "--date into a buffer too small is refused");
	}
}

static void
test_format(void)
{
	char s[DATE_MAX];
	size_t n;

	n = date_format_internal(T0, s, sizeof(s));
	t_ok(n == 26 && strcmp(s, "01-Mar-2024 09:22:03 +0000") == 0,
	    "format_internal");
	date_format_internal(-1, s, sizeof(s));
	t_streq(s, "31-Dec-1969 23:59:59 +0000", "format_internal of -1");
	t_ok(date_format_internal(T0, s, 10) == 0,
	    "format_internal: a buffer too small gives 0");

	n = date_format_rfc5322(T0, s, sizeof(s));
	t_ok(n == strlen("Fri, 1 Mar 2024 09:22:03 +0000") &&
	    strcmp(s, "Fri, 1 Mar 2024 09:22:03 +0000") == 0, "format_rfc5322");
	t_ok(date_parse_rfc5322(s, n) == T0, "  ... and read back");

	n = date_format_rfc3339(T0, s, sizeof(s));
	t_ok(n == 20 && strcmp(s, "2024-03-01T09:22:03Z") == 0,
	    "format_rfc3339");
	t_ok(date_format_rfc3339(-1, s, sizeof(s)) == 0,
	    "format_rfc3339: -1 is null");
	t_ok(date_format_rfc3339((time_t)253402300800LL, s, sizeof(s)) == 0,
	    "format_rfc3339: year 10000 is null");
	t_ok(date_format_rfc3339((time_t)253402300799LL, s, sizeof(s)) > 0 &&
	    strcmp(s, "9999-12-31T23:59:59Z") == 0,
	    "format_rfc3339: the last second of 9999");

	n = date_format_asctime(T0, s, sizeof(s));
	t_ok(n == 24 && strcmp(s, "Fri Mar  1 09:22:03 2024") == 0,
	    "format_asctime");
	t_ok(date_parse_asctime(s, n) == T0, "  ... and read back");
	date_format_asctime(-1, s, sizeof(s));
	t_streq(s, "Thu Jan  1 00:00:00 1970", "format_asctime of -1");
}

static void
test_names(void)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char s[64], name[64];
	int i, ok;

	/* Every month name, in any case, in the three readers. */
	for (i = 0; i < 12; i++) {
		time_t want = date_from_civil(2024, i + 1, 2, 3, 4, 5);

		snprintf(s, sizeof(s), "2 %s 2024 03:04:05 +0000", mon[i]);
		ok = date_parse_rfc5322(s, strlen(s)) == want;
		snprintf(s, sizeof(s), "02-%c%c%c-2024 03:04:05 +0000",
		    mon[i][0] | 0x20, mon[i][1] & ~0x20, mon[i][2]);
		ok = ok && date_parse_internal(s, strlen(s)) == want;
		snprintf(s, sizeof(s), "Tue %s  2 03:04:05 2024", mon[i]);
		ok = ok && date_parse_asctime(s, strlen(s)) == want;
		snprintf(name, sizeof(name), "month %s read everywhere", mon[i]);
		t_ok(ok, name);
	}
	t_ok(RFC("FRI, 01 MAR 2024 09:22:03 GMT") == T0,
	    "RFC 5322: names in capitals");
	t_ok(date_parse_asctime("fri mar  1 09:22:03 2024", 24) == T0,
	    "asctime: names in small letters");
	t_ok(RFC("Fry, 01 Mar 2024 09:22:03 GMT") == -1,
	    "RFC 5322: an unknown day name is refused");
	t_ok(RFC("1 March 2024 09:22:03 GMT") == T0,
	    "RFC 5322: a month read by its first three letters");
	t_ok(RFC("1 Mai 2024 09:22:03 GMT") == -1,
	    "RFC 5322: an unknown month is refused");
}

static void
test_digits(void)
{
	const char *s = "01-Mar-2024 09:22:03 +0000";

	/* Each reader stops at the end it is given, digits or not. */
	t_ok(date_parse_internal(s, strlen(s)) == T0, "INTERNALDATE");
	t_ok(date_parse_internal(s, strlen(s) - 1) == -1,
	    "INTERNALDATE cut inside the zone");
	t_ok(date_parse_internal(" 1-Mar-2024 09:22:03 +0000", 26) == T0,
	    "INTERNALDATE with a space-padded day");
	t_ok(RFC("1 Mar 2024 9:22:03 +0000") == T0,
	    "RFC 5322: one-digit day and hour");
	t_ok(RFC("1 Mar 2024 09:22:03 +00001") == T0,
	    "RFC 5322: a zone of four digits, the rest unread");
	t_ok(RFC("1 Mar 2024 09:22:03 +00") == -1,
	    "RFC 5322: a zone cut short");
	t_ok(RFC("1 Mar 24 09:22:03 +0000") == T0,
	    "RFC 5322: a two-digit year");
	t_ok(RFC("1 Mar 124 09:22:03 +0000") ==
	    date_from_civil(2024, 3, 1, 9, 22, 3),
	    "RFC 5322: a three-digit year adds 1900");
	t_ok(RFC("1 Mar 2 09:22:03 +0000") == -1,
	    "RFC 5322: a one-digit year is refused");
	t_ok(date_parse_asctime("Fri Mar  1 09:22:03 202", 23) == -1,
	    "asctime: a year of three digits is refused");
}

int
main(void)
{
	test_calendar();
	test_parse_day();
	test_format_day();
	test_iso();
	test_format();
	test_names();
	test_digits();
	return t_done();
}
