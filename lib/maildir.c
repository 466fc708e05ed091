/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "maildir.h"

/* The letters, in ASCII order, and their IMAP flags. */
static const struct {
	char		 letter;
	const char	*flag;
} letters[] = {
	{ 'D', "\\Draft" }, { 'F', "\\Flagged" }, { 'P', "$Forwarded" },
	{ 'R', "\\Answered" }, { 'S', "\\Seen" }, { 'T', "\\Deleted" },
};

#define NLETTERS	(sizeof(letters) / sizeof(letters[0]))

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

int
maildir_folder(const char *mailbox, char delim, struct buf *out)
{
	const char *p;
	int start = 1;

	if (mailbox[0] == '\0')
		return -1;
	if (strcasecmp(mailbox, "INBOX") == 0)
		return 0;
	for (p = mailbox; *p != '\0'; p++) {
		if (start && *p == delim)
			return -1;	/* an empty part */
		if (*p == delim) {
			start = 1;
			continue;
		}
		if (start && buf_addc(out, '.') < 0)
			return -1;
		if (*p == '.' || *p == '/' || *p == '%') {
			if (buf_addf(out, "%%%02X", (unsigned char)*p) < 0)
				return -1;
		} else if (buf_addc(out, *p) < 0)
			return -1;
		start = 0;
	}
	return start ? -1 : 0;
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
	buf_init(&path, 8192);
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
