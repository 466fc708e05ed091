/* SPDX-License-Identifier: MIT */
/*
 * Dates of mail: RFC 5322 Date headers (obsolete forms included) and IMAP
 * INTERNALDATE, both to a time_t in UTC; -1 for a date that is missing or
 * cannot be read, which the output shows as null.
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
#include <time.h>

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

#endif
