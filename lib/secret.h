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

int	secret_from_file(struct buf *, const char *path, struct err *);
int	secret_run(struct buf *, char *const argv[], const char *what,
	    int timeout_ms, struct err *);
int	secret_from_env(struct buf *, const char *name, struct err *);

#endif
