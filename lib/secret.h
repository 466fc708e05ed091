/* SPDX-License-Identifier: MIT */
/*
 * Where secrets come from: a file's first line, a command's first line of
 * output, the environment. Never argv. The caller wipes the buffer.
 */
#ifndef IMAPCTL_SECRET_H
#define IMAPCTL_SECRET_H

#include "buf.h"
#include "err.h"

#define SECRET_MAX	16384		/* a password or an OAuth2 token */

/*
 * Make the process non-dumpable (no core file, no ptrace by the same
 * user, /proc/PID owned by root) from before a secret is first read until
 * the process exits: a core dump of a process holding a password puts it
 * on disk. Called by every reader of secrets; idempotent.
 */
void	secret_guard(void);

/*
 * A file's first line. A regular file that group or others may read or
 * write, or that belongs to another user (root aside), is refused
 * (ERR_CONFIG): it holds a password.
 */
int	secret_from_file(struct buf *, const char *path, struct err *);
int	secret_run(struct buf *, char *const argv[], const char *what,
	    int timeout_ms, struct err *);
int	secret_from_env(struct buf *, const char *name, struct err *);

#endif
