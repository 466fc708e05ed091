/* SPDX-License-Identifier: MIT */
/*
 * Files saved into a directory so that each is complete or absent, on
 * disk before it is reported, and never written over another of the same
 * run:
 *
 *   - a file is written aside, under a temporary name in the same
 *     directory (".imapctl-PID-N.tmp", O_EXCL, O_NOFOLLOW, mode 0600), and
 *     renamed into place only once it is complete; a SIGINT, SIGTERM or
 *     SIGHUP removes what is still aside before the process dies of it;
 *   - finished files wait for a commit (outdir_commit, when a batch is
 *     full and at the end): each is fsync'd, renamed into place, then the
 *     directory is fsync'd, and only then is each reported to the caller;
 *   - a name used once in the run is never used again: with OUTDIR_UNIQUE
 *     the next is "name (2).ext", "name (3).ext" ...; a file that was
 *     there before the run is replaced only with force, else passed over
 *     for the next name, or, when its content is the same, kept and
 *     reported as there already.
 *
 * The directory knows nothing of mail; the callers name the files.
 */
#ifndef IMAPCTL_OUTDIR_H
#define IMAPCTL_OUTDIR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define OUTDIR_BATCH_FILES	64		/* files finished, not committed */
#define OUTDIR_BATCH_BYTES	(64u << 20)	/* their bytes */
#define OUTDIR_MAX_SAME		1000		/* "name (1000).ext" at most */

struct outdir;
struct outfile;

/* How outfile_finish names a file. */
enum outdir_naming {
	/*
	 * The name as given, which names the content (a message's
	 * UIDVALIDITY and UID): there already from before the run, it is
	 * kept as it is (reported as such) unless force replaces it.
	 */
	OUTDIR_EXACT,
	/*
	 * The name, else "name (2).ext" and on: a name used in this run, or
	 * one from before the run that holds something else, is passed over
	 * (force: the first from before the run is replaced); one from
	 * before the run with the same bytes is kept as it is.
	 */
	OUTDIR_UNIQUE
};

/*
 * What a commit says of each file: its name in the directory, its size,
 * existed when it was there already (the same content, or OUTDIR_EXACT's
 * name) and left as it was; or a failure in e (the file is not there).
 */
typedef void (*outdir_done_fn)(void *arg, void *cookie, const char *name,
    uint64_t size, int existed, const struct err *e);

/*
 * The directory, opened once; ERR_CANTCREAT. done is called for each file
 * a commit carries out (arg is its first argument).
 */
struct outdir	*outdir_open(const char *path, int force, outdir_done_fn,
		    void *arg, struct err *);
/*
 * What is still aside, finished or not, is removed; a finished file that
 * no commit carried out is given back through done as not saved.
 */
void		 outdir_free(struct outdir *);
/* Whether name is in the directory as a regular file (its size then). */
int		 outdir_has(const struct outdir *, const char *name,
		    uint64_t *size_r);

/* A file to write, aside; ERR_CANTCREAT. */
struct outfile	*outdir_create(struct outdir *, struct err *);
int		 outfile_write(struct outfile *, const void *, size_t,
		    struct err *);
uint64_t	 outfile_size(const struct outfile *);
/* Cut short: removed. */
void		 outdir_abort(struct outdir *, struct outfile *);
/*
 * Complete: it waits for the commit, to go in under name (no '/'), cookie
 * given back then. A full batch is committed here. The file belongs to
 * the directory from here on, whatever happens; -1 (ERR_CANTCREAT) when
 * no name is left or the commit failed (done said which). The cookie is
 * given back through done exactly once, by a commit or by outdir_free;
 * except when this returns 1: an OUTDIR_EXACT name this run already saved
 * (the same content again), the file dropped and the cookie still the
 * caller's.
 */
int		 outdir_finish(struct outdir *, struct outfile *,
		    const char *name, enum outdir_naming, void *cookie,
		    struct err *);
/*
 * fsync each finished file, rename it into place, fsync the directory,
 * then call done for each, in the order they were finished. -1 when one
 * or more failed (done said which; e holds the first failure).
 */
int		 outdir_commit(struct outdir *, struct err *);

#endif
