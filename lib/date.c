/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "banned.h"

#define DAY	86400

/* The one table of month names and of day names (tm_wday's order). */
static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

static const char days[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static const struct {
	const char	*name;
	int		 minutes;
} zones[] = {
	{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
};

/* Howard Hinnant's days_from_civil: days since 1970-01-01. */
time_t
date_from_civil(int y, int m, int d, int hh, int mm, int ss)
{
	long long era, yoe, doy, doe, yy = y;

	yy -= m <= 2;
	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (time_t)((era * 146097 + doe - 719468) * 86400LL +
	    hh * 3600LL + mm * 60LL + ss);
}

/* The civil date of a day since 1970-01-01 (H. Hinnant's algorithm). */
void
date_civil_from_days(int64_t z, int64_t *y_r, int *m_r, int *d_r)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d_r = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m_r = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y_r = yoe + era * 400 + (*m_r <= 2);
}

int64_t
date_day_of(time_t t)
{
	int64_t v = (int64_t)t;

	return v >= 0 ? v / DAY : -((-v + DAY - 1) / DAY);
}

int
date_days_in_month(int64_t y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/*
 * Up to n decimal digits at the start of s (a non-digit, NUL included,
 * ends them early), their value in *v; returns how many. Every reader of
 * digits in a date goes through here.
 */
static size_t
scan_digits(const char *s, size_t n, int *v)
{
	size_t k;

	*v = 0;
	for (k = 0; k < n && s[k] >= '0' && s[k] <= '9'; k++)
		*v = *v * 10 + (s[k] - '0');
	return k;
}

/* Exactly n digits at s, as a number; -1 if any of them is not a digit. */
static int
exact(const char *s, size_t n)
{
	int v;

	return scan_digits(s, n, &v) == n ? v : -1;
}

struct cur {
	const char	*s;
	size_t		 i, n;
};

/* Folding white space and comments, nested. */
static void
skip_cfws(struct cur *c)
{
	int depth = 0;

	while (c->i < c->n) {
		char ch = c->s[c->i];

		if (depth > 0) {
			if (ch == '\\' && c->i + 1 < c->n)
				c->i++;
			else if (ch == '(')
				depth++;
			else if (ch == ')')
				depth--;
			c->i++;
			continue;
		}
		if (ch == '(')
			depth++;
		else if (!isspace((unsigned char)ch))
			break;
		c->i++;
	}
}

/* Up to maxd digits; returns the count read, the value in *v. */
static int
digits(struct cur *c, size_t maxd, int *v)
{
	size_t k, left = c->n - c->i;

	k = scan_digits(c->s + c->i, maxd < left ? maxd : left, v);
	c->i += k;
	return (int)k;
}

static size_t
word(struct cur *c, char *w, size_t wlen)
{
	size_t k = 0;

	while (c->i < c->n && isalpha((unsigned char)c->s[c->i])) {
		if (k + 1 < wlen)
			w[k++] = (char)tolower((unsigned char)c->s[c->i]);
		c->i++;
	}
	w[k] = '\0';
	return k;
}

static int
month_of(const char *w)
{
	int m;

	if (strlen(w) < 3)
		return 0;
	for (m = 0; m < 12; m++)
		if (strncasecmp(w, months[m], 3) == 0)
			return m + 1;
	return 0;
}

static int
eat(struct cur *c, char ch)
{
	if (c->i < c->n && c->s[c->i] == ch) {
		c->i++;
		return 1;
	}
	return 0;
}

time_t
date_parse_rfc5322(const char *s, size_t n)
{
	struct cur c = { s, 0, n };
	char w[16];
	int day, mon, year, hh, mi, ss = 0, k, zh, zm, off = 0, sign;
	size_t mark, i;

	if (s == NULL)
		return -1;
	skip_cfws(&c);
	mark = c.i;
	if (word(&c, w, sizeof(w)) > 0) {
		for (i = 0; i < sizeof(days) / sizeof(days[0]); i++)
			if (strncasecmp(w, days[i], 3) == 0)
				break;
		if (i == sizeof(days) / sizeof(days[0]))
			return -1;
		skip_cfws(&c);
		eat(&c, ',');
		skip_cfws(&c);
	} else
		c.i = mark;
	if (digits(&c, 2, &day) == 0)
		return -1;
	skip_cfws(&c);
	eat(&c, '-');	/* "01-Mar-2024", seen in the wild */
	skip_cfws(&c);
	if (word(&c, w, sizeof(w)) == 0 || (mon = month_of(w)) == 0)
		return -1;
	skip_cfws(&c);
	eat(&c, '-');
	skip_cfws(&c);
	k = digits(&c, 4, &year);
	if (k < 2)
		return -1;
	if (k == 2)
		year += year < 50 ? 2000 : 1900;
	else if (k == 3)
		year += 1900;
	skip_cfws(&c);
	if (digits(&c, 2, &hh) == 0)
		return -1;
	skip_cfws(&c);
	if (!eat(&c, ':'))
		return -1;
	skip_cfws(&c);
	if (digits(&c, 2, &mi) != 2)
		return -1;
	skip_cfws(&c);
	if (eat(&c, ':')) {
		skip_cfws(&c);
		if (digits(&c, 2, &ss) != 2)
			return -1;
	}
	skip_cfws(&c);
	if (c.i < c.n && (c.s[c.i] == '+' || c.s[c.i] == '-')) {
		sign = c.s[c.i] == '-' ? -1 : 1;
		c.i++;
		if (digits(&c, 2, &zh) != 2 || digits(&c, 2, &zm) != 2 ||
		    zm > 59)
			return -1;
		off = sign * (zh * 60 + zm);
	} else if (word(&c, w, sizeof(w)) > 0) {
		for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
			if (strcmp(w, zones[i].name) == 0)
				off = zones[i].minutes;
	}
	if (day < 1 || day > date_days_in_month(year, mon) || hh > 23 ||
	    mi > 59 || ss > 60 || year < 1900 || year > 9999)
		return -1;
	if (ss == 60)
		ss = 59;
	return date_from_civil(year, mon, day, hh, mi, ss) - off * 60;
}

time_t
date_parse_internal(const char *s, size_t n)
{
	struct cur c = { s, 0, n };
	char w[8];
	int day, mon, year, hh, mi, ss, zh, zm, sign;

	if (s == NULL)
		return -1;
	eat(&c, ' ');
	if (digits(&c, 2, &day) == 0 || !eat(&c, '-') ||
	    word(&c, w, sizeof(w)) != 3 || (mon = month_of(w)) == 0 ||
	    !eat(&c, '-') || digits(&c, 4, &year) != 4 ||
	    !eat(&c, ' ') || digits(&c, 2, &hh) != 2 || !eat(&c, ':') ||
	    digits(&c, 2, &mi) != 2 || !eat(&c, ':') ||
	    digits(&c, 2, &ss) != 2 || !eat(&c, ' ') || c.i >= c.n ||
	    (c.s[c.i] != '+' && c.s[c.i] != '-'))
		return -1;
	sign = c.s[c.i++] == '-' ? -1 : 1;
	if (digits(&c, 2, &zh) != 2 || digits(&c, 2, &zm) != 2 || c.i != c.n ||
	    day < 1 || day > date_days_in_month(year, mon) || hh > 23 ||
	    mi > 59 || ss > 60 || zm > 59)
		return -1;
	if (ss == 60)
		ss = 59;
	return date_from_civil(year, mon, day, hh, mi, ss) -
	    sign * (zh * 60 + zm) * 60;
}

static void
skip_spaces(struct cur *c)
{
	while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t'))
		c->i++;
}

time_t
date_parse_asctime(const char *s, size_t n)
{
	struct cur c = { s, 0, n };
	char w[8];
	size_t i;
	int day, mon, year, hh, mi, ss = 0;

	if (s == NULL)
		return -1;
	skip_spaces(&c);
	if (word(&c, w, sizeof(w)) != 3)
		return -1;
	for (i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		if (strcasecmp(w, days[i]) == 0)
			break;
	if (i == sizeof(days) / sizeof(days[0]))
		return -1;
	skip_spaces(&c);
	if (word(&c, w, sizeof(w)) != 3 || (mon = month_of(w)) == 0)
		return -1;
	skip_spaces(&c);
	if (digits(&c, 2, &day) == 0)
		return -1;
	skip_spaces(&c);
	if (digits(&c, 2, &hh) == 0 || !eat(&c, ':') ||
	    digits(&c, 2, &mi) != 2)
		return -1;
	if (eat(&c, ':') && digits(&c, 2, &ss) != 2)
		return -1;
	skip_spaces(&c);
	if (digits(&c, 4, &year) != 4 || day < 1 ||
	    day > date_days_in_month(year, mon) || hh > 23 || mi > 59 ||
	    ss > 60)
		return -1;
	if (ss == 60)
		ss = 59;
	return date_from_civil(year, mon, day, hh, mi, ss);
}

size_t
date_format_asctime(time_t t, char *out, size_t outlen)
{
	struct tm tm;
	int n;

	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	n = snprintf(out, outlen, "%s %s %2d %02d:%02d:%02d %d",
	    days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	return n < 0 ? 0 : (size_t)n;
}

int
date_parse_day(const char *s, size_t n, int64_t *day_r)
{
	int y, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-' || (y = exact(s, 4)) < 0 ||
	    (m = exact(s + 5, 2)) < 0 || (d = exact(s + 8, 2)) < 0 || y < 1 ||
	    m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
		return -1;
	*day_r = date_day_of(date_from_civil(y, m, d, 0, 0, 0));
	return 0;
}

size_t
date_format_day(int64_t day, char *out, size_t outlen)
{
	int64_t y;
	int m, d, n;

	date_civil_from_days(day, &y, &m, &d);
	n = snprintf(out, outlen, "%d-%s-%04lld", d, months[m - 1],
	    (long long)y);
	return n < 0 ? 0 : (size_t)n;
}

int
date_iso_to_internal(const char *s, char *out, size_t outlen)
{
	int y, m, d, hh = 0, mm = 0, ss = 0, oh = 0, om = 0, n;
	char sign = '+';

	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = exact(s, 4);
	m = exact(s + 5, 2);
	d = exact(s + 8, 2);
	s += 10;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		if (strlen(s) < 6 || s[3] != ':')
			return -1;
		hh = exact(s + 1, 2);
		mm = exact(s + 4, 2);
		s += 6;
		if (*s == ':') {
			ss = exact(s + 1, 2);
			s += ss < 0 ? 1 : 3;
		}
		if (*s == 'Z' || *s == 'z')
			s++;
		else if (*s == '+' || *s == '-') {
			sign = *s++;
			oh = exact(s, 2);
			if (oh >= 0)
				s += 2;
			if (*s == ':')
				s++;
			om = exact(s, 2);
			if (om >= 0)
				s += 2;
		}
	}
	if (*s != '\0' || y < 1900 || m < 1 || m > 12 || d < 1 ||
	    d > date_days_in_month(y, m) || hh < 0 || hh > 23 || mm < 0 ||
	    mm > 59 || ss < 0 || ss > 60 || oh < 0 || oh > 23 || om < 0 ||
	    om > 59)
		return -1;
	n = snprintf(out, outlen, "%02d-%s-%04d %02d:%02d:%02d %c%02d%02d", d,
	    months[m - 1], y, hh, mm, ss, sign, oh, om);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

size_t
date_format_internal(time_t t, char *out, size_t outlen)
{
	struct tm tm;
	int n;

	if (gmtime_r(&t, &tm) == NULL)
		return 0;
	n = snprintf(out, outlen, "%02d-%s-%04d %02d:%02d:%02d +0000",
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return n < 0 || (size_t)n >= outlen ? 0 : (size_t)n;
}

size_t
date_format_rfc5322(time_t t, char *out, size_t outlen)
{
	struct tm tm;
	int n;

	if (gmtime_r(&t, &tm) == NULL)
		return 0;
	n = snprintf(out, outlen, "%s, %d %s %d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n < 0 || (size_t)n >= outlen ? 0 : (size_t)n;
}

size_t
date_format_rfc3339(time_t t, char *out, size_t outlen)
{
	struct tm tm;
	int n;

	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return 0;
	n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return n < 0 || (size_t)n >= outlen ? 0 : (size_t)n;
}
