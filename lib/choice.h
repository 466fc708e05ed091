/* SPDX-License-Identifier: MIT */
/*
 * A closed set of words, each standing for a value of an enum: the TLS
 * modes, the SASL mechanisms, the output formats, search's orders. The
 * options and the configuration file read a word through the same table,
 * once, into the enum, and say the same when it is none of them:
 *
 *	bad --tls 'ssl': use implicit, starttls or none
 *	conf:2: bad tls 'ssl': use implicit, starttls or none
 *
 * A word matches exactly, never by prefix; with CHOICE_NOCASE, in any
 * case (SASL mechanism names are case-insensitive).
 */
#ifndef IMAPCTL_CHOICE_H
#define IMAPCTL_CHOICE_H

#include <stddef.h>

#include "err.h"

struct choice {
	const char	*name;
	int		 value;
};

struct choices {
	const struct choice *v;		/* ends with a NULL name */
	unsigned	 flags;
	/*
	 * What the error offers after "use": NULL for the names in the
	 * table's order ("a, b or c").
	 */
	const char	*hint;
};

#define CHOICE_NOCASE	0x1

/* The value of word s: 0, or -1 when s is none of the table's words. */
int		 choice_parse(const struct choices *, const char *s,
		    int *value_r);
/* The first word that stands for value, or NULL. */
const char	*choice_name(const struct choices *, int value);
/*
 * "bad WHAT 'S': use ..." in e, of kind ERR_USAGE: returns -1. what is
 * how the user named the setting ("--tls", "tls").
 */
int		 choice_err(const struct choices *, const char *what,
		    const char *s, struct err *e);
/* The words, as the error offers them: "a, b or c". */
void		 choice_list(const struct choices *, char *out, size_t size);

#endif
