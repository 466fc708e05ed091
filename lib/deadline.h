/* SPDX-License-Identifier: MIT */
/*
 * The run's deadline (--deadline): one for the whole process, on the
 * monotonic clock. Every wait in the transport and for a password command
 * is cut short by it; what runs into it fails with ERR_TIMEOUT.
 */
#ifndef IMAPCTL_DEADLINE_H
#define IMAPCTL_DEADLINE_H

#include "err.h"

/* Milliseconds on the monotonic clock. */
long long	 deadline_now_ms(void);
/* The run ends ms from now; 0: no deadline. */
void		 deadline_set(long long ms);
/* Whether there is one, and whether it has passed. */
int		 deadline_is_set(void);
int		 deadline_passed(void);
/*
 * A wait of ms milliseconds, cut to what is left of the run: the shorter
 * of the two, and *cut_r set to 1 when the deadline is the shorter.
 */
int		 deadline_cap(int ms, int *cut_r);
/* ERR_TIMEOUT: "the deadline of N s passed WHAT". */
int		 deadline_err(struct err *, const char *what);

#endif
