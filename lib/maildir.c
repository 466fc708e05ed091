/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crlf.h"
#include "maildir.h"
#include "banned.h"

/* The letters, in ASCII order, and their IMAP flags. */
static const struct {
	char		 letter;
	const char	*flag;
} letters[] = {
	{ 'D', "\\Draft" }, { 'F', "\\Flagged" }, { 'P', "$Forwarded" },
	{ 'R', "\\Answered" }, { 'S', "\\Seen" }, { 'T', "\\Deleted" },
};

#define NLETTERS	(sizeof(letters) / sizeof(letters[0]))
#define MAILDIR_PATH_MAX	8192	/* a folder's cur/ or new/ */

void
maildir_flags(const char *flags, char out[8])
{
	const char *p = flags, *w;
	unsigned have = 0;
	size_t n, i, k = 0;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w = p;
		n = strcspn(p, " ");
		p += n;
		for (i = 0; i < NLETTERS; i++)
			if (strlen(letters[i].flag) == n &&
			    strncasecmp(w, letters[i].flag, n) == 0)
				have |= 1u << i;
	}
	for (i = 0; i < NLETTERS; i++)
		if (have & (1u << i))
			out[k++] = letters[i].letter;
	out[k] = '\0';
}

int
maildir_imap_flags(const char *s, struct buf *out)
{
	size_t i;

	for (i = 0; i < NLETTERS; i++)
		if (strchr(s, letters[i].letter) != NULL &&
		    buf_addf(out, "%s%s", out->len ? " " : "",
		    letters[i].flag) < 0)
			return -1;
	return 0;
}

size_t
maildir_file_name(char *out, size_t len, time_t date, uint32_t uidvalidity,
    uint32_t uid, const char *flags)
{
	char info[8];
	int n;

	maildir_flags(flags, info);
	n = snprintf(out, len, "%lld.I%uU%u.imapctl:2,%s",
	    (long long)(date > 0 ? date : 0), uidvalidity, uid, info);
	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

/* A decimal number in 1..UINT32_MAX at *p, which moves past it. */
static int
number(const char **p, uint32_t *v_r)
{
	unsigned long long v = 0;
	const char *s = *p;

	if (*s < '1' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned)(*s++ - '0');
		if (v > UINT32_MAX)
			return 0;
	}
	*p = s;
	*v_r = (uint32_t)v;
	return 1;
}

int
maildir_parse_name(const char *name, uint32_t *uidvalidity_r,
    uint32_t *uid_r)
{
	const char *p = strchr(name, '.');

	if (p == NULL || p == name || strspn(name, "0123456789") !=
	    (size_t)(p - name) || strncmp(p, ".I", 2) != 0)
		return 0;
	p += 2;
	if (!number(&p, uidvalidity_r) || *p++ != 'U' ||
	    !number(&p, uid_r) || strncmp(p, ".imapctl", 8) != 0 ||
	    (p[8] != '\0' && p[8] != ':'))
		return 0;
	return 1;
}

/* Why mailbox has no folder name: an empty part, at p. */
static int
empty_part(const char *mailbox, const char *p, char delim, struct err *e)
{
	if (p == mailbox)
		return err_set(e, ERR_USAGE, "'%s' has no Maildir folder name "
		    "(it begins with its hierarchy delimiter '%c')", mailbox,
		    delim);
	if (*p == '\0')
		return err_set(e, ERR_USAGE, "'%s' has no Maildir folder name "
		    "(it ends with its hierarchy delimiter '%c')", mailbox,
		    delim);
	return err_set(e, ERR_USAGE, "'%s' has no Maildir folder name (an "
	    "empty part between two hierarchy delimiters '%c')", mailbox,
	    delim);
}

/*
 * Why mailbox has no folder name: it does not fit in max bytes. Only the
 * name's start is said, cut between characters, so that the reason shows.
 */
static int
too_long(const char *mailbox, size_t max, struct err *e)
{
	size_t n;

	if ((n = strlen(mailbox)) > 64)
		for (n = 64; n > 0 && ((unsigned char)mailbox[n] & 0xc0) ==
		    0x80; n--)
			;
	return err_set(e, ERR_USAGE, "the Maildir folder name of '%.*s%s' "
	    "does not fit in %zu bytes", (int)n, mailbox,
	    mailbox[n] != '\0' ? "..." : "", max);
}

int
maildir_folder_name(const char *mailbox, char delim, struct buf *out,
    struct err *e)
{
	const char *p;
	int start = 1, r;

	if (mailbox[0] == '\0')
		return err_set(e, ERR_USAGE, "a mailbox with an empty name has "
		    "no Maildir folder name");
	if (strcasecmp(mailbox, "INBOX") == 0)
		return 0;
	for (p = mailbox; *p != '\0'; p++) {
		if (start && *p == delim)
			return empty_part(mailbox, p, delim, e);
		if (*p == delim) {
			start = 1;
			continue;
		}
		r = start ? buf_addc(out, '.') : 0;
		if (r == 0 && (*p == '.' || *p == '/' || *p == '%'))
			r = buf_addf(out, "%%%02X", (unsigned char)*p);
		else if (r == 0)
			r = buf_addc(out, *p);
		if (r < 0)
			return too_long(mailbox, out->max, e);
		start = 0;
	}
	return start ? empty_part(mailbox, p, delim, e) : 0;
}

static int
scan_dir(const char *path, uint32_t uidvalidity, struct uidset *have,
    uint32_t *other_r, struct err *e)
{
	struct dirent *d;
	uint32_t uv, uid;
	DIR *dir;

	if ((dir = opendir(path)) == NULL) {
		if (errno == ENOENT)
			return 0;
		return err_set(e, ERR_NOINPUT, "cannot read '%s': %s", path,
		    strerror(errno));
	}
	while ((d = readdir(dir)) != NULL) {
		if (!maildir_parse_name(d->d_name, &uv, &uid))
			continue;
		if (uv == uidvalidity)
			uidset_add(have, uid, uid);
		else if (*other_r == 0)
			*other_r = uv;
	}
	closedir(dir);
	return 0;
}

int
maildir_scan(const char *folder, uint32_t uidvalidity, struct uidset *have,
    uint32_t *other_r, struct err *e)
{
	struct buf path;
	int r;

	*other_r = 0;
	buf_init(&path, MAILDIR_PATH_MAX);
	r = buf_addf(&path, "%s/cur", folder) < 0 ? err_set(e, ERR_USAGE,
	    "path too long: '%s'", folder) : scan_dir(path.s, uidvalidity,
	    have, other_r, e);
	buf_reset(&path);
	if (r == 0)
		r = buf_addf(&path, "%s/new", folder) < 0 ? -1 :
		    scan_dir(path.s, uidvalidity, have, other_r, e);
	buf_free(&path);
	return r;
}

/* Keywords ------------------------------------------------------------- */

int
maildir_keywords_read(const char *folder, struct maildir_keywords *kw,
    struct err *e)
{
	char path[4096], line[1024];
	unsigned long k;
	char *end;
	size_t n;
	FILE *fp;

	memset(kw, 0, sizeof(*kw));
	if ((size_t)snprintf(path, sizeof(path), "%s/dovecot-keywords",
	    folder) >= sizeof(path))
		return err_set(e, ERR_USAGE, "path too long: '%s'", folder);
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		return err_set(e, ERR_NOINPUT, "cannot read '%s': %s", path,
		    strerror(errno));
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		k = strtoul(line, &end, 10);
		if (end == line || *end != ' ' || k >= MAILDIR_KEYWORDS ||
		    end[1] == '\0' || strpbrk(end + 1, " (){%*\"\\]") != NULL)
			continue;
		free(kw->name[k]);
		kw->name[k] = strdup(end + 1);
	}
	fclose(fp);
	return 0;
}

void
maildir_keywords_free(struct maildir_keywords *kw)
{
	size_t i;

	for (i = 0; i < MAILDIR_KEYWORDS; i++)
		free(kw->name[i]);
	memset(kw, 0, sizeof(*kw));
}

/* The letter of a keyword, added when there is room; 0 when none. */
static char
keyword_letter(struct maildir_keywords *kw, const char *w, size_t n)
{
	size_t i, free_slot = MAILDIR_KEYWORDS;

	for (i = 0; i < MAILDIR_KEYWORDS; i++) {
		if (kw->name[i] == NULL) {
			if (free_slot == MAILDIR_KEYWORDS)
				free_slot = i;
			continue;
		}
		if (strlen(kw->name[i]) == n && strncmp(kw->name[i], w, n) == 0)
			return (char)('a' + i);
	}
	if (free_slot == MAILDIR_KEYWORDS)
		return 0;
	if ((kw->name[free_slot] = strndup(w, n)) == NULL)
		return 0;
	kw->changed = 1;
	return (char)('a' + free_slot);
}

void
maildir_info(const char *flags, struct maildir_keywords *kw,
    char out[MAILDIR_INFO_MAX])
{
	unsigned have = 0;
	const char *p = flags, *w;
	size_t n, i, k;
	char c;

	maildir_flags(flags, out);
	k = strlen(out);
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w = p;
		n = strcspn(p, " ");
		p += n;
		/* $Forwarded has its letter P. */
		if (w[0] == '\\' || (n == 10 && strncasecmp(w, "$Forwarded",
		    10) == 0) || kw == NULL)
			continue;
		if ((c = keyword_letter(kw, w, n)) != 0)
			have |= 1u << (c - 'a');
	}
	for (i = 0; i < MAILDIR_KEYWORDS; i++)
		if (have & (1u << i))
			out[k++] = (char)('a' + i);
	out[k] = '\0';
}

int
maildir_info_flags(const char *info, const struct maildir_keywords *kw,
    struct buf *out)
{
	const char *p;

	if (maildir_imap_flags(info, out) < 0)
		return -1;
	for (p = info; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z' && kw != NULL &&
		    kw->name[*p - 'a'] != NULL &&
		    buf_addf(out, "%s%s", out->len ? " " : "",
		    kw->name[*p - 'a']) < 0)
			return -1;
	return 0;
}

/* Writing -------------------------------------------------------------- */

struct maildir_done {
	char		 tmp[64];	/* its name in tmp/ */
	char		 name[MAILDIR_NAME_MAX];	/* in cur/ */
	int		 fd;
	int		 bad;		/* its mtime could not be set */
	time_t		 date;
	uint32_t	 uid;
	uint64_t	 size;
};

struct maildir_out {
	char			*folder;
	int			 tmpfd, curfd;
	maildir_done_fn		 done;
	void			*arg;
	struct maildir_keywords	 kw;
	/* The message being written. */
	int			 fd;
	char			 tmp[64];
	uint64_t		 size;
	struct lfonly		 lf;		/* CR LF to LF */
	char			 obuf[65536];
	size_t			 olen;
	/* Finished, waiting for the commit. */
	struct maildir_done	 batch[MAILDIR_BATCH_FILES];
	size_t			 nbatch;
	uint64_t		 batch_bytes;
	unsigned		 seq;
};

static int
mkdir_at(int dirfd, const char *name, struct err *e, const char *folder)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return err_set(e, ERR_CANTCREAT, "cannot create '%s/%s': %s",
		    folder, name, strerror(errno));
	return 0;
}

/* Make folder and its parents, 0700. */
static int
mkdirs(const char *folder, struct err *e)
{
	char path[4096], *p;

	if ((size_t)snprintf(path, sizeof(path), "%s", folder) >=
	    sizeof(path))
		return err_set(e, ERR_CANTCREAT, "path too long: '%s'", folder);
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return err_set(e, ERR_CANTCREAT, "cannot create '%s': "
			    "%s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_set(e, ERR_CANTCREAT, "cannot create '%s': %s",
		    path, strerror(errno));
	return 0;
}

struct maildir_out *
maildir_out_open(const char *folder, maildir_done_fn done, void *arg,
    struct err *e)
{
	struct maildir_out *m;
	int dfd;

	if (mkdirs(folder, e) < 0)
		return NULL;
	dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err_set(e, ERR_CANTCREAT, "cannot open '%s': %s", folder,
		    strerror(errno));
		return NULL;
	}
	if (mkdir_at(dfd, "tmp", e, folder) < 0 ||
	    mkdir_at(dfd, "new", e, folder) < 0 ||
	    mkdir_at(dfd, "cur", e, folder) < 0) {
		close(dfd);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		close(dfd);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	m->folder = strdup(folder);
	m->tmpfd = openat(dfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	m->curfd = openat(dfd, "cur", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(dfd);
	m->fd = -1;
	m->done = done;
	m->arg = arg;
	if (m->folder == NULL || m->tmpfd < 0 || m->curfd < 0 ||
	    maildir_keywords_read(folder, &m->kw, e) < 0) {
		if (e->kind == ERR_NONE)
			err_set(e, ERR_CANTCREAT, "cannot open '%s': %s",
			    folder, strerror(errno));
		maildir_out_free(m);
		return NULL;
	}
	return m;
}

void
maildir_out_free(struct maildir_out *m)
{
	size_t i;

	if (m == NULL)
		return;
	maildir_out_abort(m);
	for (i = 0; i < m->nbatch; i++) {
		close(m->batch[i].fd);
		unlinkat(m->tmpfd, m->batch[i].tmp, 0);
	}
	if (m->tmpfd >= 0)
		close(m->tmpfd);
	if (m->curfd >= 0)
		close(m->curfd);
	maildir_keywords_free(&m->kw);
	free(m->folder);
	free(m);
}

int
maildir_out_begin(struct maildir_out *m, struct err *e)
{
	maildir_out_abort(m);
	snprintf(m->tmp, sizeof(m->tmp), "%lld.P%dQ%u.imapctl",
	    (long long)time(NULL), (int)getpid(), m->seq++);
	m->fd = openat(m->tmpfd, m->tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (m->fd < 0)
		return err_set(e, ERR_CANTCREAT, "cannot create '%s/tmp/%s': "
		    "%s", m->folder, m->tmp, strerror(errno));
	m->size = 0;
	lfonly_init(&m->lf);
	m->olen = 0;
	return 0;
}

static int
flush_out(struct maildir_out *m, struct err *e)
{
	const char *p = m->obuf;
	ssize_t w;

	while (m->olen > 0) {
		w = write(m->fd, p, m->olen);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, ERR_CANTCREAT, "cannot write "
			    "'%s/tmp/%s': %s", m->folder, m->tmp,
			    strerror(errno));
		}
		p += w;
		m->olen -= (size_t)w;
	}
	return 0;
}

struct put_ctx {
	struct maildir_out	*m;
	struct err		*e;
};

static int
put_bytes(void *arg, const char *p, size_t n)
{
	struct put_ctx *c = arg;
	struct maildir_out *m = c->m;
	size_t room;

	m->size += n;
	while (n > 0) {
		if (m->olen == sizeof(m->obuf) && flush_out(m, c->e) < 0)
			return -1;
		room = sizeof(m->obuf) - m->olen;
		if (room > n)
			room = n;
		memcpy(m->obuf + m->olen, p, room);
		m->olen += room;
		p += room;
		n -= room;
	}
	return 0;
}

int
maildir_out_write(struct maildir_out *m, const char *p, size_t n,
    struct err *e)
{
	struct put_ctx c = { m, e };

	if (m->fd < 0)
		return 0;
	return lfonly_feed(&m->lf, p, n, put_bytes, &c);
}

void
maildir_out_abort(struct maildir_out *m)
{
	if (m->fd < 0)
		return;
	close(m->fd);
	unlinkat(m->tmpfd, m->tmp, 0);
	m->fd = -1;
}

int
maildir_out_finish(struct maildir_out *m, time_t date, uint32_t uidvalidity,
    uint32_t uid, const char *flags, struct err *e)
{
	struct put_ctx c = { m, e };
	struct maildir_done *d;
	char info[MAILDIR_INFO_MAX];
	int n;

	if (m->fd < 0)
		return 0;
	if (lfonly_end(&m->lf, put_bytes, &c) < 0 || flush_out(m, e) < 0) {
		maildir_out_abort(m);
		return -1;
	}
	maildir_info(flags, &m->kw, info);
	d = &m->batch[m->nbatch];
	n = snprintf(d->name, sizeof(d->name), "%lld.I%uU%u.imapctl:2,%s",
	    (long long)(date > 0 ? date : 0), uidvalidity, uid, info);
	if (n < 0 || (size_t)n >= sizeof(d->name)) {
		maildir_out_abort(m);
		return err_set(e, ERR_CANTCREAT, "a file name too long");
	}
	memcpy(d->tmp, m->tmp, sizeof(d->tmp));
	d->fd = m->fd;
	d->date = date;
	d->uid = uid;
	d->size = m->size;
	m->fd = -1;
	m->nbatch++;
	m->batch_bytes += d->size;
	if (m->nbatch == MAILDIR_BATCH_FILES ||
	    m->batch_bytes >= MAILDIR_BATCH_BYTES)
		return maildir_out_commit(m, e);
	return 0;
}

/* dovecot-keywords, written aside and renamed into place. */
static int
write_keywords(struct maildir_out *m, struct err *e)
{
	char path[4096], tmp[4096];
	size_t i;
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "%s/dovecot-keywords", m->folder);
	snprintf(tmp, sizeof(tmp), "%s/tmp/dovecot-keywords.%d", m->folder,
	    (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return err_set(e, ERR_CANTCREAT, "cannot create '%s': %s", tmp,
		    strerror(errno));
	}
	for (i = 0; i < MAILDIR_KEYWORDS; i++)
		if (m->kw.name[i] != NULL)
			fprintf(fp, "%zu %s\n", i, m->kw.name[i]);
	if (fflush(fp) != 0 || fsync(fileno(fp)) < 0 || fclose(fp) != 0 ||
	    rename(tmp, path) < 0) {
		unlink(tmp);
		return err_set(e, ERR_CANTCREAT, "cannot write '%s': %s", path,
		    strerror(errno));
	}
	m->kw.changed = 0;
	return 0;
}

int
maildir_out_commit(struct maildir_out *m, struct err *e)
{
	struct timespec ts[2];
	struct maildir_done *d;
	struct err fe;
	char path[4096 + MAILDIR_NAME_MAX];
	size_t i;
	int failed = 0, nokw = 0, nodir = 0, bad, synced;

	err_clear(&fe);
	/* The letters must be known before a file that uses them is in. */
	if (m->kw.changed && write_keywords(m, &fe) < 0)
		nokw = 1;
	for (i = 0; i < m->nbatch; i++) {
		d = &m->batch[i];
		ts[0].tv_sec = ts[1].tv_sec = d->date > 0 ? d->date : 0;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		d->bad = futimens(d->fd, ts) < 0;
	}
	/*
	 * One syncfs puts the whole batch on disk: an fsync a file waits for
	 * the disk once a file, which made the Maildir several times slower.
	 */
	synced = m->nbatch > 1 && syncfs(m->tmpfd) == 0;
	for (i = 0; i < m->nbatch; i++) {
		d = &m->batch[i];
		bad = nokw || d->bad || (!synced && fsync(d->fd) < 0);
		if (close(d->fd) < 0)
			bad = 1;
		d->fd = -1;
		if (bad || renameat(m->tmpfd, d->tmp, m->curfd, d->name) < 0) {
			if (!nokw)
				err_set(&fe, ERR_CANTCREAT, "cannot write "
				    "'%s/cur/%s': %s", m->folder, d->name,
				    strerror(errno));
			unlinkat(m->tmpfd, d->tmp, 0);
			d->size = UINT64_MAX;
		}
	}
	if (m->nbatch > 0 && fsync(m->curfd) < 0) {
		nodir = 1;
		err_set(&fe, ERR_CANTCREAT, "cannot write '%s/cur': %s",
		    m->folder, strerror(errno));
	}
	for (i = 0; i < m->nbatch; i++) {
		d = &m->batch[i];
		snprintf(path, sizeof(path), "%s/cur/%s", m->folder, d->name);
		if (d->size == UINT64_MAX || nodir) {
			if (!failed && e != NULL)
				*e = fe;
			failed = 1;
			m->done(m->arg, d->uid, path, 0, &fe);
		} else
			m->done(m->arg, d->uid, path, d->size, NULL);
	}
	m->nbatch = 0;
	m->batch_bytes = 0;
	return failed ? -1 : 0;
}
