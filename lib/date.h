/* SPDX-License-Identifier: MIT */
/*
 * All the date code: reading and writing the dates of mail (RFC 5322 Date
 * headers, IMAP INTERNALDATE and dates, mbox "From " lines, RFC 3339 for
 * the output) and of the command line (YYYY-MM-DD, --date's ISO 8601).
 * One table of month names, one of day names, one reader of digits.
 *
 * Readers of mail dates give a time_t in UTC; -1 for a date that is
 * missing or cannot be read, which the output shows as null.
 *
 * RFC 5322 forms read: an optional day name (with or without the comma),
 * day, month name, year (two-digit years: below 50 is 20xx, else 19xx;
 * three-digit years add 1900), hours and minutes with optional seconds,
 * and a zone: +hhmm/-hhmm, UT, UTC, GMT, Z, the US zones EST EDT CST CDT
 * MST MDT PST PDT; other names (military letters included) count as UTC,
 * as RFC 5322 section 4.3 says, and so does a missing zone. Comments and
 * folding white space may stand anywhere between the parts; text after a
 * complete date is ignored.
 */
#ifndef IMAPCTL_DATE_H
#define IMAPCTL_DATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Room for any date written here, its NUL included. */
#define DATE_MAX	48

time_t	date_parse_rfc5322(const char *, size_t);
/* "01-Mar-2024 09:22:03 +0000" (the day may be space-padded). */
time_t	date_parse_internal(const char *, size_t);
/*
 * The date of an mbox "From " line, after the sender: C's asctime form,
 * "Fri Mar  1 09:22:03 2024" (seconds optional, spaces free), as UTC;
 * text after the year is ignored.
 */
time_t	date_parse_asctime(const char *, size_t);
/* t (UTC; -1: the epoch) in that form, into out; returns its length. */
#define DATE_ASCTIME_MAX	32
size_t	date_format_asctime(time_t t, char *out, size_t outlen);
/* Seconds since the epoch of a UTC civil time; no range checks. */
time_t	date_from_civil(int year, int month, int day, int hour, int min,
	    int sec);
/* The civil date of a day counted from 1970-01-01 (day 0). */
void	date_civil_from_days(int64_t day, int64_t *year_r, int *month_r,
	    int *mday_r);
/* The day of t (UTC), counted from 1970-01-01; earlier days negative. */
int64_t	date_day_of(time_t t);
/* The days of a month (1 to 12) in a year of the Gregorian calendar. */
int	date_days_in_month(int64_t year, int month);

/* "YYYY-MM-DD", a real day of year 1 or later, into *day_r; -1 if not. */
int	date_parse_day(const char *, size_t, int64_t *day_r);
/* IMAP's date of a day (search keys): "1-Mar-2024"; returns its length. */
size_t	date_format_day(int64_t day, char *out, size_t outlen);
/*
 * --date's ISO 8601 date-time, YYYY-MM-DD, optionally with T (or t or a
 * space) HH:MM[:SS] and Z or an offset +HH:MM or +HHMM (none: UTC), every
 * field with exactly its digits, year 1900 or later, as IMAP's date-time
 * with the offset as given: "01-Mar-2024 09:22:03 +0100". 0, or -1.
 */
int	date_iso_to_internal(const char *, char *out, size_t outlen);
/*
 * t as IMAP's date-time in UTC, "01-Mar-2024 09:22:03 +0000"; as RFC
 * 5322's, "Fri, 1 Mar 2024 09:22:03 +0000"; as RFC 3339's,
 * "2024-03-01T09:22:03Z" (years 0 to 9999, and never for -1: that is
 * null in the output). Each returns the length written, 0 when t cannot
 * be written so.
 */
size_t	date_format_internal(time_t t, char *out, size_t outlen);
size_t	date_format_rfc5322(time_t t, char *out, size_t outlen);
size_t	date_format_rfc3339(time_t t, char *out, size_t outlen);

#endif
