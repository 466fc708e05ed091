/*
 * IMAP date-time (RFC 3501 date-time, INTERNALDATE):
 * "17-Jul-1996 02:44:25 -0700", the day possibly space-padded.
 */
#ifndef IMAPCTL_DATE_H
#define IMAPCTL_DATE_H

#include <stddef.h>
#include <time.h>

/* The moment s[0..n) names, in seconds since 1970; -1 if malformed. */
int	date_parse_imap(const char *s, size_t n, time_t *t_r);

#endif
