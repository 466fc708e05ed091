/* SPDX-License-Identifier: MIT */
/*
 * ~/.netrc with curl's rules: whitespace-separated tokens, "quoted tokens"
 * with \" \\ \n \r \t escapes, lines starting with '#' are comments,
 * "macdef NAME" skips to the next empty line. Entries start at
 * "machine NAME" or "default"; "login" and "password" belong to the entry
 * they follow. The first entry for the host (case-insensitive) wins; when
 * the user is known, an entry with another login is skipped.
 *
 * A regular file that group or others may read or write, or that belongs
 * to another user, is refused: it holds passwords.
 */
#ifndef IMAPCTL_NETRC_H
#define IMAPCTL_NETRC_H

#include "buf.h"
#include "err.h"

#define NETRC_MAX_FILE	(128 * 1024)
#define NETRC_MAX_TOKEN	4096

/*
 * Look host (and user, if not NULL) up in the text. Returns 1 with the
 * password in *pw (and the entry's login in *login_r, malloc'd, when user
 * is NULL and the entry has one), 0 when nothing matched, -1 on a syntax
 * error (the text's name and line in the error).
 */
int	netrc_parse(const char *name, const char *text, size_t len,
	    const char *host, const char *user, char **login_r,
	    struct buf *pw, struct err *);

/* The same for a file; a missing file is 0 unless must_exist. */
int	netrc_lookup(const char *path, int must_exist, const char *host,
	    const char *user, char **login_r, struct buf *pw, struct err *);

#endif
