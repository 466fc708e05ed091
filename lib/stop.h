/* SPDX-License-Identifier: MIT */
/*
 * A graceful stop on SIGINT, SIGTERM or SIGHUP, for the commands that
 * change things. The handler does nothing but count the signal and write
 * a byte to a pipe; everything else happens in the normal flow:
 *
 *   - the transport's waits watch the pipe (net.c): at the first signal
 *     what is in flight gets a short grace to be answered, so that the
 *     report can say what was done; a second signal ends every wait at
 *     once (ERR_INTERRUPTED);
 *   - from the first signal on, no command is sent any more (sess.c) and
 *     the commands stop between their steps, then name what was done and
 *     what was not;
 *   - the process then dies of the first signal (stop_exit), as a shell
 *     expects of a program it interrupted: status 128 + its number.
 *
 * A signal ignored when the process started (nohup, a background job)
 * stays ignored.
 */
#ifndef IMAPCTL_STOP_H
#define IMAPCTL_STOP_H

#include "err.h"

/* How long what is in flight may take to be answered after a signal. */
#define STOP_GRACE_MS	5000

/* Catch the signals from now on (once; the pipe is made then). */
void		 stop_catch(void);
/* The first signal caught, or 0. */
int		 stop_signal(void);
/* How many were caught. */
unsigned	 stop_count(void);
/* The read end of the pipe a signal writes to, or -1; and emptying it. */
int		 stop_fd(void);
void		 stop_drain(void);
/* A change was begun: from now on a stop no longer says "nothing". */
void		 stop_changing(void);
/*
 * ERR_INTERRUPTED: "stopped by SIGTERM", with "before anything was
 * changed" while nothing was.
 */
int		 stop_err(struct err *);
/* "SIGTERM" */
const char	*stop_name(void);
/* Die of the first signal caught (its default action); never returns. */
void		 stop_exit(void) __attribute__((noreturn));

#endif
