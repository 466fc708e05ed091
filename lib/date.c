/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "banned.h"

static const char months[12][4] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec"
};

static const char *const days[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun"
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

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
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
digits(struct cur *c, int maxd, int *v)
{
	int k = 0;

	*v = 0;
	while (c->i < c->n && k < maxd && isdigit((unsigned char)c->s[c->i])) {
		*v = *v * 10 + (c->s[c->i] - '0');
		c->i++;
		k++;
	}
	return k;
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
		if (strncmp(w, months[m], 3) == 0)
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
			if (strncmp(w, days[i], 3) == 0)
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
	if (day < 1 || day > mdays(year, mon) || hh > 23 || mi > 59 ||
	    ss > 60 || year < 1900 || year > 9999)
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
	    day < 1 || day > mdays(year, mon) || hh > 23 || mi > 59 ||
	    ss > 60 || zm > 59)
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
		if (strcmp(w, days[i]) == 0)
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
	    day > mdays(year, mon) || hh > 23 || mi > 59 || ss > 60)
		return -1;
	if (ss == 60)
		ss = 59;
	return date_from_civil(year, mon, day, hh, mi, ss);
}

size_t
date_format_asctime(time_t t, char *out, size_t outlen)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	struct tm tm;
	int n;

	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	n = snprintf(out, outlen, "%s %c%c%c %2d %02d:%02d:%02d %d",
	    wd[tm.tm_wday], toupper((unsigned char)months[tm.tm_mon][0]),
	    months[tm.tm_mon][1], months[tm.tm_mon][2], tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	return n < 0 ? 0 : (size_t)n;
}
