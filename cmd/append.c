/* SPDX-License-Identifier: MIT */
/*
 * append: upload messages from files or standard input. Line ends are
 * made CRLF (a bare LF becomes CR LF) as the message is sent; the size that
 * the literal announces is measured first, so each message is streamed from
 * its file and never held whole. Input that cannot be read twice (a pipe)
 * is copied to a temporary file first. Everything is checked before the
 * first byte is uploaded: readable, no NUL byte, not over APPENDLIMIT,
 * --max. The APPENDs are pipelined; with LITERAL+ no round trip is spent
 * waiting for the server's go-ahead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "change.h"
#include "crlf.h"
#include "mailbox.h"
#include "xalloc.h"

#define APPEND_WINDOW	8		/* APPENDs in flight at once */
#define APPEND_INBUF	16384		/* bytes read from a file at a time */
#define APPEND_REPORT_MAX 240		/* bytes of file names in a report */

const struct opt append_opts[] = {
	{ "flags", 0, "FLAG", "give the messages these flags: seen, "
	    "answered, flagged, deleted, draft, \\Flag or a keyword",
	    OPT_REPEAT },
	{ "date", 0, "DATE", "internal date: YYYY-MM-DD or "
	    "YYYY-MM-DDTHH:MM:SS with Z or an offset", 0 },
	CHANGE_OPT_DRY_RUN,
	CHANGE_OPT_MAX,
	{ NULL, 0, NULL, NULL, 0 }
};

/* One message to upload. */
struct source {
	const char	*path;		/* "-" for standard input */
	FILE		*spool;		/* a copy, when path cannot be reread */
	uint64_t	 size;		/* after line-end conversion */
};

/* A file read with its line ends converted, for measuring and for sending. */
struct reader {
	const char	*path;
	FILE		*fp;
	struct crlf	 conv;
	char		 in[APPEND_INBUF];
	size_t		 inpos, inlen;
	int		 nul;		/* a NUL byte was read */
	uint64_t	 left;		/* bytes still to send */
};

static void
reader_init(struct reader *r, const char *path, FILE *fp)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->fp = fp;
	crlf_init(&r->conv);
}

/* Refill the input; 0 at the end, -1 on a read error. */
static int
reader_fill(struct reader *r, struct err *e)
{
	if (r->inpos < r->inlen)
		return 1;
	r->inpos = 0;
	r->inlen = fread(r->in, 1, sizeof(r->in), r->fp);
	if (r->inlen == 0 && ferror(r->fp))
		return err_set(e, ERR_NOINPUT, "cannot read '%s': %s",
		    r->path, strerror(errno));
	if (memchr(r->in, '\0', r->inlen) != NULL)
		r->nul = 1;
	return r->inlen > 0;
}

/*
 * Up to len converted bytes into out (NULL: only count them). Returns the
 * count, 0 at the end of the input, -1 on error.
 */
static ssize_t
reader_get(struct reader *r, char *out, size_t len, struct err *e)
{
	size_t n = 0, used;
	int rc;

	while (n < len) {
		if ((rc = reader_fill(r, e)) < 0)
			return -1;
		if (rc == 0 && !crlf_owed(&r->conv))
			break;
		n += crlf_convert(&r->conv, r->in + r->inpos,
		    r->inlen - r->inpos, &used, out ? out + n : NULL, len - n);
		r->inpos += used;
	}
	return (ssize_t)n;
}

/* The literal's bytes, exactly as many as were measured. */
static ssize_t
reader_literal(void *ctx, char *p, size_t len, struct err *e)
{
	struct reader *r = ctx;
	ssize_t n;

	if ((uint64_t)len > r->left)
		len = (size_t)r->left;
	n = reader_get(r, p, len, e);
	if (n < 0)
		return -1;
	r->left -= (uint64_t)n;
	if (r->nul || (n == 0 && len > 0) || (r->left == 0 &&
	    (crlf_owed(&r->conv) || reader_fill(r, e) != 0)))
		return err_set(e, ERR_NOINPUT, "'%s' changed while it was "
		    "being sent", r->path);
	return n;
}

static int
is_stdin(const char *path)
{
	return strcmp(path, "-") == 0;
}

/* Copy what cannot be read twice (a pipe) to a temporary file. */
static int
spool(struct ctx *ctx, struct source *src, FILE *fp, const char *name)
{
	char tmp[APPEND_INBUF];
	size_t n;

	if ((src->spool = tmpfile()) == NULL)
		return cmd_failf(ctx, ERR_CANTCREAT, "cannot make a temporary "
		    "file for '%s': %s", name, strerror(errno));
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		if (fwrite(tmp, 1, n, src->spool) != n)
			break;
	if (ferror(fp))
		return cmd_failf(ctx, ERR_NOINPUT, "cannot read '%s': %s",
		    name, strerror(errno));
	if (fflush(src->spool) != 0 || ferror(src->spool))
		return cmd_failf(ctx, ERR_CANTCREAT, "cannot write a "
		    "temporary file: %s", strerror(errno));
	rewind(src->spool);
	return 0;
}

/*
 * Measure a source: its size after conversion, refusing NUL bytes and empty
 * messages.
 */
static int
measure(struct ctx *ctx, struct source *src)
{
	struct reader *r;
	struct stat st;
	const char *name = is_stdin(src->path) ? "standard input" :
	    src->path;
	FILE *fp;
	ssize_t n;
	int rc = 0;

	fp = is_stdin(src->path) ? stdin : fopen(src->path, "rb");
	if (fp == NULL)
		return cmd_failf(ctx, ERR_NOINPUT, "cannot read '%s': %s",
		    src->path, strerror(errno));
	/* Standard input and pipes cannot be opened again to be sent. */
	if (fp == stdin || fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode))
		rc = spool(ctx, src, fp, name);
	r = xmalloc(sizeof(*r));
	reader_init(r, name, src->spool ? src->spool : fp);
	src->size = 0;
	while (rc == 0 && (n = reader_get(r, NULL, APPEND_INBUF,
	    &ctx->err)) != 0) {
		if (n < 0)
			rc = cmd_fail(ctx, &ctx->err);
		else
			src->size += (uint64_t)n;
	}
	if (rc == 0 && r->nul)
		rc = cmd_failf(ctx, ERR_DATA, "'%s' holds a NUL byte, which "
		    "IMAP cannot carry in a message; nothing was appended",
		    name);
	free(r);
	if (fp != stdin)
		fclose(fp);
	if (rc != 0)
		return rc;
	if (src->size == 0)
		return cmd_failf(ctx, ERR_DATA, "'%s' is empty; nothing was "
		    "appended", name);
	return 0;
}

/* The server's APPENDLIMIT=N, or 0 when it names none. */
static uint64_t
append_limit(struct ctx *ctx)
{
	const char *caps, *p;
	uint64_t v;
	size_t n;

	if (sess_caps(ctx->sess, &caps, &ctx->err) < 0 ||
	    (p = strcasestr(caps, " APPENDLIMIT=")) == NULL)
		return 0;
	p += strlen(" APPENDLIMIT=");
	n = strspn(p, "0123456789");
	return imap_parse_u64(p, n, &v) ? v : 0;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n digits at s, as a number; -1 if any of them is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (; n > 0; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/*
 * --date as an IMAP date-time: YYYY-MM-DD, optionally with T (or a space)
 * HH:MM[:SS] and Z or an offset +HH:MM or +HHMM; no offset means UTC.
 * Every field has exactly its digits: no signs, no spaces inside.
 */
static int
parse_date(const char *s, struct buf *out)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, m, d, hh = 0, mm = 0, ss = 0, oh = 0, om = 0;
	char sign = '+';

	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	s += 10;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		if (strlen(s) < 6 || s[3] != ':')
			return -1;
		hh = digits(s + 1, 2);
		mm = digits(s + 4, 2);
		s += 6;
		if (*s == ':') {
			ss = digits(s + 1, 2);
			s += ss < 0 ? 1 : 3;
		}
		if (*s == 'Z' || *s == 'z')
			s++;
		else if (*s == '+' || *s == '-') {
			sign = *s++;
			oh = digits(s, 2);
			if (oh >= 0)
				s += 2;
			if (*s == ':')
				s++;
			om = digits(s, 2);
			if (om >= 0)
				s += 2;
		}
	}
	if (*s != '\0' || y < 1900 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap(y)) || hh < 0 || hh > 23 ||
	    mm < 0 || mm > 59 || ss < 0 || ss > 60 || oh < 0 || oh > 23 ||
	    om < 0 || om > 59)
		return -1;
	return buf_addf(out, " \"%02d-%s-%04d %02d:%02d:%02d %c%02d%02d\"", d,
	    mon[m - 1], y, hh, mm, ss, sign, oh, om);
}

/* An APPEND in flight. */
struct pending {
	struct sess_cmd	 cmd;
	size_t		 src;		/* index of its source */
	uint32_t	 uidvalidity, uid;
};

static void
on_append_done(void *arg, const struct imap_resp *r)
{
	struct pending *p = arg;
	const struct imap_arg *a = r->code;

	if (r->status != IMAP_ST_OK || !imap_arg_is(a, "APPENDUID") ||
	    !imap_arg_u32(a->next, &p->uidvalidity) ||
	    !imap_arg_u32(a->next ? a->next->next : NULL, &p->uid))
		p->uidvalidity = p->uid = 0;
}

static void
emit_appended(struct ctx *ctx, const char *mailbox, const struct source *src,
    uint32_t uidvalidity, uint32_t uid)
{
	struct emit *e = ctx->emit;

	emit_record_begin(e, "message");
	emit_str(e, "mailbox", mailbox);
	if (uidvalidity)
		emit_uint(e, "uidvalidity", uidvalidity);
	else
		emit_null(e, "uidvalidity");
	if (uid)
		emit_uint(e, "uid", uid);
	else
		emit_null(e, "uid");
	emit_str(e, "file", src->path);
	emit_uint(e, "size", src->size);
	emit_record_end(e);
}

/* Name the sources that were not appended. */
static void
report_left(struct ctx *ctx, const struct source *srcs, const size_t *left,
    size_t nleft)
{
	struct buf b;
	size_t i;

	if (nleft == 0)
		return;
	buf_init(&b, 65536);
	for (i = 0; i < nleft && b.len < APPEND_REPORT_MAX; i++)
		buf_addf(&b, "%s'%s'", i ? ", " : "", srcs[left[i]].path);
	if (i < nleft)
		buf_adds(&b, ", ...");
	cmd_failf(ctx, (enum err_kind)ctx->status, "not appended, or not "
	    "confirmed: %zu message%s: %s", nleft, nleft == 1 ? "" : "s",
	    b.s);
	buf_free(&b);
}

/*
 * The APPENDs, pipelined. After a refusal no further message is sent; what
 * is in flight is still waited for.
 */
static int
upload(struct ctx *ctx, const char *mailbox, struct source *srcs, size_t n,
    const char *fragment)
{
	struct pending win[APPEND_WINDOW];
	struct reader *rd;
	struct source *s;
	struct pending *p;
	struct err no;
	size_t *left, nleft = 0, sent = 0, done = 0, i;
	FILE *fp;
	int broken = 0, refused = 0;

	rd = xmalloc(sizeof(*rd));
	left = xcalloc(n + 1, sizeof(*left));
	for (;;) {
		while (!refused && sent < n && sent - done < APPEND_WINDOW) {
			/* Nobody reads the records: start nothing new. */
			if (emit_gone(ctx->emit)) {
				cmd_failf(ctx, ERR_IO, "standard output "
				    "closed: stopped before the next message");
				refused = 1;
				break;
			}
			s = &srcs[sent];
			if (s->spool != NULL) {
				fp = s->spool;
				rewind(fp);
			} else if ((fp = fopen(s->path, "rb")) == NULL) {
				cmd_failf(ctx, ERR_NOINPUT, "cannot read "
				    "'%s': %s", s->path, strerror(errno));
				refused = 1;
				break;
			}
			p = &win[sent % APPEND_WINDOW];
			memset(p, 0, sizeof(*p));
			p->src = sent;
			p->cmd.on_done = on_append_done;
			p->cmd.on_done_ctx = p;
			reader_init(rd, s->path, fp);
			rd->left = s->size;
			if (sess_send(ctx->sess, &p->cmd, &ctx->err,
			    "APPEND %M%s %L", mailbox, fragment, s->size,
			    reader_literal, rd) < 0)
				broken = 1;
			if (fp != s->spool)
				fclose(fp);
			if (broken)
				break;
			sent++;
		}
		if (broken || done == sent)
			break;
		p = &win[done % APPEND_WINDOW];
		if (sess_wait(ctx->sess, &p->cmd, &ctx->err) < 0) {
			broken = 1;
			break;
		}
		if (sess_cmd_check(&p->cmd, &no) == 0)
			emit_appended(ctx, mailbox, &srcs[p->src],
			    p->uidvalidity, p->uid);
		else {
			err_prefix(&no, "'%s'", srcs[p->src].path);
			cmd_fail(ctx, &no);
			left[nleft++] = p->src;
			refused = 1;
		}
		done++;
	}
	if (broken)
		cmd_fail(ctx, &ctx->err);
	for (i = done; i < n; i++)
		left[nleft++] = i;
	report_left(ctx, srcs, left, nleft);
	free(left);
	free(rd);
	return ctx->status;
}

/* --dry-run: the mailbox must exist; its UIDVALIDITY goes in the records. */
static int
dry_run(struct ctx *ctx, const char *mailbox, const struct source *srcs,
    size_t n)
{
	const char *name = mailbox;
	struct mbox_status st;
	struct err e;
	size_t i;

	if (mbox_status_many(ctx->sess, &name, 1, "UIDVALIDITY", 0, &st, &e,
	    &ctx->err) < 0)
		return cmd_fail(ctx, &ctx->err);
	if (e.kind != ERR_NONE) {
		err_prefix(&e, "cannot append to '%s'", mailbox);
		return cmd_fail(ctx, &e);
	}
	for (i = 0; i < n; i++)
		emit_appended(ctx, mailbox, &srcs[i], st.uidvalidity, 0);
	return 0;
}

/*
 * The operands and options: the files (standard input alone when there are
 * none), --max against their number, and the " (FLAGS) DATE" that goes
 * after the mailbox in each APPEND. 0, or the exit status after the error.
 */
static int
append_options(struct ctx *ctx, int argc, char **argv, char ***files_r,
    size_t *n_r, struct buf *fragment)
{
	static char dash[] = "-";
	static char *stdin_only[] = { dash };
	const struct optval *dv = ctx_opt(ctx, "date");
	struct buf flags, date;
	uint64_t max;
	size_t i, nstdin = 0;
	int rc;

	*files_r = argv + 1;
	*n_r = (size_t)argc - 1;
	if (*n_r == 0) {
		*files_r = stdin_only;
		*n_r = 1;
	}
	for (i = 0; i < *n_r; i++)
		nstdin += is_stdin((*files_r)[i]);
	if (nstdin > 1)
		return cmd_usage_error(ctx->cmd, "standard input ('-') can be "
		    "given once");
	if ((rc = change_max(ctx, &max)) != 0)
		return rc;
	buf_init(&flags, 65536);
	buf_init(&date, 128);
	if ((rc = change_flags(ctx, "flags", &flags)) != 0)
		goto out;
	if (flags.len > 0)
		buf_addf(fragment, " (%s)", flags.s);
	if (dv->set && parse_date(dv->val, &date) < 0) {
		rc = cmd_usage_error(ctx->cmd, "bad --date '%s': use "
		    "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS with Z or +HH:MM",
		    dv->val);
		goto out;
	}
	buf_add(fragment, date.s, date.len);
	rc = change_check_max(ctx, max, *n_r, "the command names");
out:
	buf_free(&flags);
	buf_free(&date);
	return rc;
}

int
check_append(int argc, char **argv, struct ctx *ctx)
{
	struct buf fragment;
	struct stat st;
	char **files;
	size_t n, i;
	int rc, err;

	buf_init(&fragment, 65536 + 128);
	rc = append_options(ctx, argc, argv, &files, &n, &fragment);
	buf_free(&fragment);
	/* A file that is not there is no reason to connect. */
	for (i = 0; rc == 0 && i < n; i++) {
		if (is_stdin(files[i]))
			continue;
		err = stat(files[i], &st) < 0 || access(files[i], R_OK) < 0 ?
		    errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
		if (err != 0)
			rc = cmd_failf(ctx, ERR_NOINPUT, "cannot read '%s': %s",
			    files[i], strerror(err));
	}
	return rc;
}

int
cmd_append(int argc, char **argv, struct ctx *ctx)
{
	struct source *srcs;
	struct buf fragment;
	uint64_t limit;
	size_t n, i;
	char **files;
	int rc = 0;

	buf_init(&fragment, 65536 + 128);
	if ((rc = append_options(ctx, argc, argv, &files, &n, &fragment)) != 0)
		goto out;
	srcs = xcalloc(n, sizeof(*srcs));
	limit = append_limit(ctx);
	for (i = 0; i < n && rc == 0; i++) {
		srcs[i].path = files[i];
		if ((rc = measure(ctx, &srcs[i])) != 0)
			break;
		if (limit > 0 && srcs[i].size > limit)
			rc = cmd_failf(ctx, ERR_DATA, "'%s' is %llu bytes, more "
			    "than the server accepts (APPENDLIMIT=%llu); "
			    "nothing was appended", srcs[i].path,
			    (unsigned long long)srcs[i].size,
			    (unsigned long long)limit);
	}
	if (rc == 0)
		rc = ctx_flag(ctx, "dry-run") ? dry_run(ctx, argv[0], srcs, n) :
		    upload(ctx, argv[0], srcs, n, fragment.s);
	for (i = 0; i < n; i++)
		if (srcs[i].spool != NULL)
			fclose(srcs[i].spool);
	free(srcs);
out:
	buf_free(&fragment);
	return rc;
}
