/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "outdir.h"
#include "xalloc.h"
#include "banned.h"

#define NAME_BYTES	256			/* a name in the directory */
#define TMP_BYTES	48			/* ".imapctl-PID-N.tmp" */
#define ASIDE_MAX	(OUTDIR_BATCH_FILES + 2)	/* finished + writing */

struct outfile {
	int		 fd;		/* read-write, for a comparison */
	char		 tmp[TMP_BYTES];
	int		 slot;		/* in aside[] */
	uint64_t	 size;
	/* Once finished: */
	char		 base[NAME_BYTES];	/* the name asked for */
	char		 name[NAME_BYTES];	/* the name it goes in under */
	enum outdir_naming naming;
	int		 replace;	/* a file from before the run goes */
	int		 existed;	/* the same is there: kept */
	void		*cookie;
};

struct outdir {
	char		*path;		/* for messages */
	int		 dirfd;
	int		 force;
	outdir_done_fn	 done;
	void		*arg;
	unsigned	 seq;
	struct outfile	*fin[OUTDIR_BATCH_FILES];
	size_t		 nfin;
	uint64_t	 finbytes;
	/* The names of this run: an open-addressing set of strings. */
	char		**used;
	size_t		 nused, cap;
};

/*
 * What is aside, for the signal handler: slots of fixed size, marked in
 * use last and cleared first, written with the signals blocked.
 */
static struct {
	volatile sig_atomic_t	 used;
	int			 dirfd;
	char			 name[TMP_BYTES];
} aside[ASIDE_MAX];

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSTOP	(sizeof(stop_signals) / sizeof(stop_signals[0]))
static struct sigaction old_action[NSTOP];
static int installed[NSTOP];
static int open_dirs;

static void
on_stop(int sig)
{
	size_t i;
	int saved = errno;

	for (i = 0; i < NSTOP; i++)
		if (stop_signals[i] == sig)
			break;
	/* Someone else stops gracefully: outdir_free cleans up then. */
	if (i < NSTOP && !(old_action[i].sa_flags & SA_SIGINFO) &&
	    old_action[i].sa_handler != SIG_DFL &&
	    old_action[i].sa_handler != SIG_IGN) {
		old_action[i].sa_handler(sig);
		errno = saved;
		return;
	}
	for (i = 0; i < ASIDE_MAX; i++)
		if (aside[i].used)
			unlinkat(aside[i].dirfd, aside[i].name, 0);
	signal(sig, SIG_DFL);
	raise(sig);
	errno = saved;
}

static void
guard(int on)
{
	struct sigaction sa;
	size_t i;

	for (i = 0; i < NSTOP; i++) {
		if (on && !installed[i]) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = on_stop;
			sigemptyset(&sa.sa_mask);
			if (sigaction(stop_signals[i], NULL, &old_action[i]) < 0 ||
			    old_action[i].sa_handler == SIG_IGN)
				continue;	/* ignored: nothing to clean */
			if (sigaction(stop_signals[i], &sa, NULL) == 0)
				installed[i] = 1;
		} else if (!on && installed[i]) {
			sigaction(stop_signals[i], &old_action[i], NULL);
			installed[i] = 0;
		}
	}
}

static void
block(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < NSTOP; i++)
		sigaddset(&set, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

static int
aside_add(int dirfd, const char *name)
{
	sigset_t old;
	int i;

	for (i = 0; i < ASIDE_MAX; i++)
		if (!aside[i].used)
			break;
	if (i == ASIDE_MAX)
		return -1;
	block(&old);
	aside[i].dirfd = dirfd;
	snprintf(aside[i].name, sizeof(aside[i].name), "%s", name);
	aside[i].used = 1;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return i;
}

static void
aside_drop(int i)
{
	sigset_t old;

	if (i < 0)
		return;
	block(&old);
	aside[i].used = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Names of the run ------------------------------------------------------- */

static size_t
name_hash(const char *s)
{
	size_t h = 14695981039346656037u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static int
name_used(const struct outdir *d, const char *name)
{
	size_t i;

	if (d->cap == 0)
		return 0;
	for (i = name_hash(name) & (d->cap - 1); d->used[i] != NULL;
	    i = (i + 1) & (d->cap - 1))
		if (strcmp(d->used[i], name) == 0)
			return 1;
	return 0;
}

static void
name_add(struct outdir *d, const char *name)
{
	char **old = d->used;
	size_t oldcap = d->cap, i, k;

	if (name_used(d, name))
		return;
	if ((d->nused + 1) * 2 > d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->used = xcalloc(d->cap, sizeof(*d->used));
		for (k = 0; k < oldcap; k++) {
			if (old[k] == NULL)
				continue;
			for (i = name_hash(old[k]) & (d->cap - 1);
			    d->used[i] != NULL; i = (i + 1) & (d->cap - 1))
				;
			d->used[i] = old[k];
		}
		free(old);
	}
	for (i = name_hash(name) & (d->cap - 1); d->used[i] != NULL;
	    i = (i + 1) & (d->cap - 1))
		;
	d->used[i] = xstrdup(name);
	d->nused++;
}

/* The directory ---------------------------------------------------------- */

struct outdir *
outdir_open(const char *path, int force, outdir_done_fn done, void *arg,
    struct err *e)
{
	struct outdir *d;
	int fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err_set(e, ERR_CANTCREAT, "cannot open directory '%s': %s",
		    path, strerror(errno));
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	d->path = xstrdup(path);
	d->dirfd = fd;
	d->force = force;
	d->done = done;
	d->arg = arg;
	if (open_dirs++ == 0)
		guard(1);
	return d;
}

static void
file_drop(struct outdir *d, struct outfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	unlinkat(d->dirfd, f->tmp, 0);
	aside_drop(f->slot);
	free(f);
}

void
outdir_free(struct outdir *d)
{
	struct err e;
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nfin; i++) {
		err_set(&e, ERR_CANTCREAT, "not saved as '%s/%s': the run "
		    "ended before it was on disk", d->path, d->fin[i]->name);
		d->done(d->arg, d->fin[i]->cookie, d->fin[i]->name,
		    d->fin[i]->size, 0, &e);
		file_drop(d, d->fin[i]);
	}
	d->nfin = 0;
	for (i = 0; i < d->cap; i++)
		free(d->used[i]);
	free(d->used);
	close(d->dirfd);
	if (--open_dirs == 0)
		guard(0);
	free(d->path);
	free(d);
}

int
outdir_has(const struct outdir *d, const char *name, uint64_t *size_r)
{
	struct stat st;

	if (fstatat(d->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		return 0;
	*size_r = (uint64_t)st.st_size;
	return 1;
}

struct outfile *
outdir_create(struct outdir *d, struct err *e)
{
	struct outfile *f = xcalloc(1, sizeof(*f));
	int tries;

	for (tries = 0; tries < 100; tries++) {
		snprintf(f->tmp, sizeof(f->tmp), ".imapctl-%ld-%u.tmp",
		    (long)getpid(), d->seq++);
		/* Listed first: a signal between the two finds no file. */
		if ((f->slot = aside_add(d->dirfd, f->tmp)) < 0)
			break;
		f->fd = openat(d->dirfd, f->tmp, O_RDWR | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (f->fd >= 0)
			return f;
		aside_drop(f->slot);
		if (errno != EEXIST)
			break;
	}
	err_set(e, ERR_CANTCREAT, "cannot create a file in '%s': %s", d->path,
	    f->slot < 0 ? "too many files aside" : strerror(errno));
	free(f);
	return NULL;
}

int
outfile_write(struct outfile *f, const void *p, size_t n, struct err *e)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		w = write(f->fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, ERR_CANTCREAT, "cannot write: %s",
			    strerror(errno));
		}
		s += w;
		n -= (size_t)w;
		f->size += (uint64_t)w;
	}
	return 0;
}

uint64_t
outfile_size(const struct outfile *f)
{
	return f->size;
}

void
outdir_abort(struct outdir *d, struct outfile *f)
{
	if (f != NULL)
		file_drop(d, f);
}

/* Whether name (a regular file, not followed) holds what f holds. */
static int
same_content(struct outdir *d, struct outfile *f, const char *name)
{
	char a[65536], b[65536];
	struct stat st;
	uint64_t off = 0;
	ssize_t na, nb;
	int fd, same = 0;

	fd = openat(d->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != f->size)
		goto out;
	for (;;) {
		na = pread(f->fd, a, sizeof(a), (off_t)off);
		nb = read(fd, b, sizeof(b));
		if (na < 0 || nb < 0 || na != nb || memcmp(a, b,
		    (size_t)na) != 0)
			goto out;
		if (na == 0)
			break;
		off += (uint64_t)na;
	}
	same = 1;
out:
	close(fd);
	return same;
}

/* "invoice.pdf" as "invoice (k).pdf": before a short extension, if any. */
static void
nth_name(const char *name, unsigned k, char *out, size_t outlen)
{
	const char *dot = strrchr(name, '.');

	if (k == 1) {
		snprintf(out, outlen, "%s", name);
		return;
	}
	if (dot == NULL || dot == name || strlen(dot) > 10)
		dot = name + strlen(name);
	snprintf(out, outlen, "%.*s (%u)%s", (int)(dot - name), name, k, dot);
}

/*
 * The name f goes in under, from k on: 0, or -1 when none is left. The
 * directory is looked at now; the rename checks again.
 */
static int
choose_name(struct outdir *d, struct outfile *f, const char *name,
    unsigned k)
{
	struct stat st;
	char cand[NAME_BYTES];

	f->replace = f->existed = 0;
	if (f->naming == OUTDIR_EXACT) {
		snprintf(f->name, sizeof(f->name), "%s", name);
		if (fstatat(d->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (d->force && !S_ISDIR(st.st_mode))
				f->replace = 1;
			else if (S_ISREG(st.st_mode))
				f->existed = 1;
			else
				return -1;	/* a link, say: not ours */
		}
		return 0;
	}
	for (; k <= OUTDIR_MAX_SAME; k++) {
		nth_name(name, k, cand, sizeof(cand));
		if (name_used(d, cand))
			continue;
		if (fstatat(d->dirfd, cand, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				continue;
		} else if (d->force && !S_ISDIR(st.st_mode))
			f->replace = 1;
		else if (S_ISREG(st.st_mode) && same_content(d, f, cand))
			f->existed = 1;
		else
			continue;
		snprintf(f->name, sizeof(f->name), "%s", cand);
		return 0;
	}
	return -1;
}

int
outdir_finish(struct outdir *d, struct outfile *f, const char *name,
    enum outdir_naming naming, void *cookie, struct err *e)
{
	struct err fe;

	f->naming = naming;
	f->cookie = cookie;
	snprintf(f->base, sizeof(f->base), "%s", name);
	/* The same name twice in a run with OUTDIR_EXACT: the same content. */
	if (naming == OUTDIR_EXACT && name_used(d, name)) {
		file_drop(d, f);
		return 1;
	}
	if (choose_name(d, f, name, 1) < 0) {
		if (naming == OUTDIR_EXACT)
			err_set(&fe, ERR_CANTCREAT, "cannot save '%s/%s': it "
			    "exists and is not a regular file (--force "
			    "replaces it)", d->path, name);
		else
			err_set(&fe, ERR_CANTCREAT, "cannot save '%s/%s': "
			    "the names up to '%s (%d)' are taken", d->path,
			    name, name, OUTDIR_MAX_SAME);
		d->done(d->arg, cookie, name, f->size, 0, &fe);
		file_drop(d, f);
		*e = fe;
		return -1;
	}
	name_add(d, f->name);
	d->fin[d->nfin++] = f;
	d->finbytes += f->size;
	if (d->nfin == OUTDIR_BATCH_FILES || d->finbytes >= OUTDIR_BATCH_BYTES)
		return outdir_commit(d, e);
	return 0;
}

/* Into place, never over a file but the one to replace: 0 or errno. */
static int
put_in_place(struct outdir *d, struct outfile *f)
{
	if (f->replace)
		return renameat(d->dirfd, f->tmp, d->dirfd, f->name) < 0 ?
		    errno : 0;
	if (renameat2(d->dirfd, f->tmp, d->dirfd, f->name,
	    RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return errno;
	/* A file system without RENAME_NOREPLACE: link fails if it exists. */
	if (linkat(d->dirfd, f->tmp, d->dirfd, f->name, 0) < 0)
		return errno;
	unlinkat(d->dirfd, f->tmp, 0);
	return 0;
}

int
outdir_commit(struct outdir *d, struct err *e)
{
	struct outfile *f;
	struct err fe, first;
	size_t i;
	int r, failed[OUTDIR_BATCH_FILES], any = 0, dirsync;

	err_clear(&first);
	for (i = 0; i < d->nfin; i++) {
		f = d->fin[i];
		failed[i] = 0;
		if (f->existed)
			continue;
		r = fsync(f->fd) < 0 ? errno : 0;
		/* Someone made the name meanwhile: the next one. */
		while (r == 0 && (r = put_in_place(d, f)) == EEXIST &&
		    f->naming == OUTDIR_UNIQUE) {
			if (choose_name(d, f, f->base, 2) < 0 || f->existed)
				break;
			name_add(d, f->name);
		}
		if (f->existed)
			continue;	/* the same arrived meanwhile */
		if (r != 0) {
			err_set(&fe, ERR_CANTCREAT, "cannot save '%s/%s': %s",
			    d->path, f->name, strerror(r));
			failed[i] = 1;
			if (first.kind == ERR_NONE)
				first = fe;
			d->done(d->arg, f->cookie, f->name, f->size, 0, &fe);
			continue;
		}
		any = 1;
		/* In place: nothing aside to remove any more. */
		aside_drop(f->slot);
		f->slot = -1;
	}
	dirsync = any && fsync(d->dirfd) < 0 ? errno : 0;
	for (i = 0; i < d->nfin; i++) {
		f = d->fin[i];
		if (dirsync != 0 && !failed[i] && !f->existed) {
			err_set(&fe, ERR_CANTCREAT, "cannot save '%s/%s': "
			    "the directory: %s", d->path, f->name,
			    strerror(dirsync));
			if (first.kind == ERR_NONE)
				first = fe;
			d->done(d->arg, f->cookie, f->name, f->size, 0, &fe);
		} else if (!failed[i])
			d->done(d->arg, f->cookie, f->name, f->size,
			    f->existed, NULL);
		if (f->existed || failed[i])
			unlinkat(d->dirfd, f->tmp, 0);
		close(f->fd);
		f->fd = -1;
		aside_drop(f->slot);
		free(f);
	}
	d->nfin = 0;
	d->finbytes = 0;
	if (first.kind != ERR_NONE) {
		*e = first;
		return -1;
	}
	return 0;
}
