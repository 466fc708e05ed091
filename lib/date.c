#include <string.h>

#include "date.h"

static int
digits(const char *s, size_t n, int *v_r)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*v_r = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
date_parse_imap(const char *s, size_t n, time_t *t_r)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31,
	    31, 30, 31, 30, 31 };
	const char *p;
	int day, mon, year, hh, mm, ss, zh, zm, sign;
	long long t;

	/* "dd-Mon-yyyy hh:mm:ss +zzzz": 26 bytes; a 1-digit day is padded. */
	if (n != 26 || s[2] != '-' || s[6] != '-' || s[11] != ' ' ||
	    s[14] != ':' || s[17] != ':' || s[20] != ' ' ||
	    (s[21] != '+' && s[21] != '-'))
		return -1;
	if (s[0] == ' ' ? digits(s + 1, 1, &day) : digits(s, 2, &day))
		return -1;
	for (p = months, mon = 1; *p != '\0'; p += 3, mon++)
		if (strncmp(p, s + 3, 3) == 0)
			break;
	if (*p == '\0')
		return -1;
	if (digits(s + 7, 4, &year) || digits(s + 12, 2, &hh) ||
	    digits(s + 15, 2, &mm) || digits(s + 18, 2, &ss) ||
	    digits(s + 22, 2, &zh) || digits(s + 24, 2, &zm))
		return -1;
	if (day < 1 || day > mdays[mon - 1] || hh > 23 || mm > 59 ||
	    ss > 60 || zm > 59 || (mon == 2 && day == 29 &&
	    (year % 4 != 0 || (year % 100 == 0 && year % 400 != 0))))
		return -1;
	sign = s[21] == '-' ? -1 : 1;
	t = days_from_civil(year, mon, day) * 86400LL + hh * 3600 + mm * 60 +
	    ss - sign * (zh * 3600 + zm * 60);
	*t_r = (time_t)t;
	return 0;
}
