/* SPDX-License-Identifier: MIT */
/*
 * A progress line for long work: one line on a terminal, rewritten in
 * place (at most a few times a second), saying what is done of how much,
 * the rate and the time left:
 *
 *	fetch: 1,200 of 10,000 messages (12%), 850/s, 10s left
 *
 * It goes to the stream given (standard error), never to standard
 * output; progress_new returns NULL when that stream is not a terminal
 * and nothing forces it, and every function takes NULL as "no progress
 * line". Whoever writes to the same stream calls progress_clear first.
 */
#ifndef IMAPCTL_PROGRESS_H
#define IMAPCTL_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#define PROGRESS_AUTO	0	/* a line when fp is a terminal */
#define PROGRESS_ON	1	/* --progress */
#define PROGRESS_OFF	2	/* --no-progress */

struct progress;

/* what: "fetch"; unit: "messages"; total: 0 when not known. */
struct progress	*progress_new(FILE *fp, int mode, const char *what,
		    const char *unit, uint64_t total);
void		 progress_set_total(struct progress *, uint64_t total);
/* n more done; the line is redrawn when enough time has passed. */
void		 progress_add(struct progress *, uint64_t n);
/* Take the line away (it comes back at the next progress_add). */
void		 progress_clear(struct progress *);
/* Take the line away for good and free it. */
void		 progress_free(struct progress *);

/* The line for done of total after secs seconds, for tests. */
void		 progress_format(char *out, size_t len, const char *what,
		    const char *unit, uint64_t done, uint64_t total,
		    double secs);

#endif
