/* SPDX-License-Identifier: MIT */
/*
 * append: upload messages from files or standard input. Line ends are
 * made CRLF (a bare LF becomes CR LF) as the message is sent; the size that
 * the literal announces is measured first, so each message is streamed from
 * its file and never held whole. Input that cannot be read twice (a pipe)
 * is copied to a temporary file first. Everything is checked before the
 * first byte is uploaded: readable, no NUL byte, not over APPENDLIMIT,
 * --max. The APPENDs are pipelined; with LITERAL+ no round trip is spent
 * waiting for the server's go-ahead. Each message stays readable until
 * its APPEND is answered (its file open, an mbox message's temporary file
 * its own), so that one the server refuses for now is sent again whole
 * (--retry).
 *
 * With --mbox the files are mbox files, read one message at a time as
 * the window has room (lib/mbox.c spools each to a temporary file), each
 * message appended with the flags and date the mbox gives it; a message
 * that cannot be sent is named and skipped, since the rest of the mbox is
 * not read before the first upload.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "change.h"
#include "crlf.h"
#include "date.h"
#include "mailbox.h"
#include "maildir.h"
#include "mbox.h"
#include "progress.h"
#include "stop.h"
#include "xalloc.h"
#include "banned.h"

#define APPEND_WINDOW	8		/* APPENDs in flight at once */
#define APPEND_INBUF	16384		/* bytes read from a file at a time */
#define APPEND_REPORT_MAX 240		/* bytes of file names in a report */
#define APPEND_LEFT_NAMED 64		/* messages not appended, named */
#define APPEND_REPORT_BUF 65536		/* that report: cut there, "..." */
#define APPEND_DATE_MAX	128		/* --date, as sent */
#define APPEND_PATH_MAX	16384		/* a Maildir message's path */
/* What follows APPEND's mailbox: " (flags)" and " \"date\"". */
#define APPEND_FRAGMENT_MAX (CHANGE_FLAGS_MAX + APPEND_DATE_MAX + 8)
/* A message's own: its flags (mbox, Maildir) and --flags, and a date. */
#define APPEND_MSG_FLAGS_MAX (CHANGE_FLAGS_MAX + 128)
#define APPEND_MSG_FRAGMENT_MAX (CHANGE_FLAGS_MAX + 256)

/* What the files are: messages, mbox files, Maildir folders. */
enum { IN_FILES, IN_MBOX, IN_MAILDIR };

static struct {
	struct opt_list	 flags;
	const char	*date;
	struct opt_mode	 in;
} opt;

const struct opt append_opts[] = {
	OPT_LIST(0, "flags", &opt.flags, "FLAG", "give the messages these "
	    "flags: seen, answered, flagged, deleted, draft, \\Flag or a "
	    "keyword", 0),
	OPT_STRING(0, "date", &opt.date, "DATE", "internal date: YYYY-MM-DD or "
	    "YYYY-MM-DDTHH:MM:SS with Z or an offset"),
	OPT_CMDMODE(0, "mbox", &opt.in, IN_MBOX, "the files are mbox files "
	    "(mboxrd or mboxo): append each message with its flags and date"),
	OPT_CMDMODE(0, "maildir", &opt.in, IN_MAILDIR, "the files are Maildir "
	    "folders or messages in one: append each with the flags of its "
	    "name and its date"),
	CHANGE_OPT_DRY_RUN,
	CHANGE_OPT_MAX,
	CMD_OPT_PROGRESS,
	OPT_END()
};

/* One message to upload. */
struct source {
	const char	*path;		/* "-" for standard input */
	FILE		*spool;		/* a copy, when path cannot be reread */
	uint64_t	 size;		/* after line-end conversion */
	uint64_t	 line;		/* an mbox message's From line */
	const char	*fragment;	/* its flags and date; NULL: --flags */
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

	if ((caps = sess_caps(ctx->sess)) == NULL ||
	    (p = strcasestr(caps, " APPENDLIMIT=")) == NULL)
		return 0;
	p += strlen(" APPENDLIMIT=");
	n = strspn(p, "0123456789");
	return imap_parse_u64(p, n, &v) ? v : 0;
}

/* --date (see date_iso_to_internal) as the command's " \"DATE\"". */
static int
parse_date(const char *s, struct buf *out)
{
	char d[DATE_MAX];

	if (date_iso_to_internal(s, d, sizeof(d)) < 0)
		return -1;
	return buf_addf(out, " \"%s\"", d);
}

/*
 * Where the messages come from: the files named (measured beforehand), or
 * the messages of mbox files, read one at a time as they are sent.
 */
struct feed {
	struct ctx		*ctx;
	const char		*fragment;	/* --flags and --date */
	const char		*flags;		/* --flags: "\\Seen kw" */
	const char		*date;		/* --date: " \"DATE\"" or "" */
	uint64_t		 limit;		/* APPENDLIMIT, 0 if none */
	/* Files. */
	struct source		*srcs;
	size_t			 n, next;
	/* mbox files. */
	int			 mbox;
	char			**files;	/* argv: "-" is standard input */
	FILE			*mfp;
	struct mbox_reader	*mr;
	struct buf		 frag;		/* this message's flags, date */
	/* Files of mbox messages answered, for the next ones (--retry). */
	FILE			*spare[APPEND_WINDOW];
	size_t			 nspare;
	/* Not appended, or not confirmed: the first few named. */
	struct source		 left[APPEND_LEFT_NAMED];
	uint64_t		 nleft;
};

static void
feed_left(struct feed *f, const struct source *s)
{
	if (f->nleft < APPEND_LEFT_NAMED)
		f->left[f->nleft] = *s;
	f->nleft++;
}

/*
 * An mbox message as an IMAP " (FLAGS) \"DATE\"" fragment; -1 when it
 * does not fit (never a message sent without its flags or date).
 */
static int
mbox_fragment(struct feed *f, const struct mbox_msg *m)
{
	char d[DATE_MAX];

	buf_reset(&f->frag);
	if ((m->flags.len > 0 || *f->flags != '\0') &&
	    buf_addf(&f->frag, " (%s%s%s)", m->flags.s,
	    m->flags.len > 0 && *f->flags != '\0' ? " " : "", f->flags) < 0)
		return -1;
	if (*f->date != '\0')
		return buf_adds(&f->frag, f->date);
	if (m->date == (time_t)-1 ||
	    date_format_internal(m->date, d, sizeof(d)) == 0)
		return 0;
	return buf_addf(&f->frag, " \"%s\"", d);
}

/*
 * The next mbox message that can be sent, into *s and *fp; those that
 * cannot (a NUL byte, empty, over APPENDLIMIT) are named and skipped.
 * 1, 0 at the end, -1 when the input cannot be read (the error reported).
 */
static int
feed_next_mbox(struct feed *f, struct source *s, FILE **fp)
{
	const struct mbox_msg *m;
	struct ctx *ctx = f->ctx;
	const char *name;
	struct err e;
	int rc;

	for (;;) {
		if (f->mr == NULL) {
			if (f->next == f->n)
				return 0;
			name = f->files[f->next];
			f->mfp = is_stdin(name) ? stdin : fopen(name, "rb");
			if (f->mfp == NULL) {
				cmd_failf(ctx, ERR_NOINPUT, "cannot read '%s': "
				    "%s", name, strerror(errno));
				return -1;
			}
			f->mr = mbox_reader_new(f->mfp, is_stdin(name) ?
			    "standard input" : name);
		}
		name = f->files[f->next];
		/* A file a message answered held, rather than a new one. */
		if (f->nspare > 0 &&
		    mbox_give_file(f->mr, f->spare[f->nspare - 1]) == 0)
			f->nspare--;
		if ((rc = mbox_next(f->mr, &m, &e)) < 0) {
			cmd_fail(ctx, &e);
			return -1;
		}
		if (rc == 0) {
			mbox_reader_free(f->mr);
			f->mr = NULL;
			if (f->mfp != stdin)
				fclose(f->mfp);
			f->mfp = NULL;
			f->next++;
			continue;
		}
		memset(s, 0, sizeof(*s));
		s->path = name;
		s->size = m->size;
		s->line = m->line;
		if (m->nul || m->size == 0 ||
		    (f->limit > 0 && m->size > f->limit)) {
			cmd_failf(ctx, ERR_DATA, "'%s' line %llu: the message "
			    "%s; it is not appended", name,
			    (unsigned long long)m->line, m->nul ? "holds a "
			    "NUL byte, which IMAP cannot carry" : m->size == 0 ?
			    "is empty" : "is larger than the server accepts "
			    "(APPENDLIMIT)");
			feed_left(f, s);
			continue;
		}
		if (mbox_fragment(f, m) < 0) {
			cmd_failf(ctx, ERR_DATA, "'%s' line %llu: the "
			    "message's flags are too long; it is not "
			    "appended", name, (unsigned long long)m->line);
			feed_left(f, s);
			continue;
		}
		*fp = m->fp;
		return 1;
	}
}

/*
 * The next message to send: its source (copied into *s), the file to read
 * it from (*fp, to be closed with feed_done) and the fragment that goes
 * after the mailbox. 1, 0 when there are no more, -1 on error (reported).
 */
static int
feed_next(struct feed *f, struct source *s, FILE **fp, const char **frag)
{
	struct source *src;
	int rc;

	if (f->mbox) {
		rc = feed_next_mbox(f, s, fp);
		*frag = f->frag.s;
		return rc;
	}
	if (f->next == f->n)
		return 0;
	src = &f->srcs[f->next];
	if (src->spool != NULL) {
		*fp = src->spool;
		rewind(*fp);
	} else if ((*fp = fopen(src->path, "rb")) == NULL) {
		cmd_failf(f->ctx, ERR_NOINPUT, "cannot read '%s': %s",
		    src->path, strerror(errno));
		return -1;
	}
	*s = *src;
	*frag = src->fragment != NULL ? src->fragment : f->fragment;
	f->next++;
	return 1;
}

static void
feed_done(struct feed *f, const struct source *s, FILE *fp)
{
	if (!f->mbox && fp != s->spool)
		fclose(fp);
}

/* Name the sources that were not appended, and what was never read. */
static void
report_left(struct feed *f)
{
	struct ctx *ctx = f->ctx;
	const struct mbox_msg *m;
	struct source rest;
	struct buf b;
	struct err e;
	uint64_t i, shown;
	int more = 0;

	/* What was never sent. */
	if (!f->mbox)
		for (; f->next < f->n; f->next++)
			feed_left(f, &f->srcs[f->next]);
	else if (f->mr != NULL && mbox_next(f->mr, &m, &e) > 0) {
		more = 1;
		memset(&rest, 0, sizeof(rest));
		rest.path = f->files[f->next];
		rest.line = m->line;
	}
	if (f->nleft == 0 && !more && (!f->mbox || f->next + (f->mr !=
	    NULL) >= f->n))
		return;
	/* A message for a person: cut past APPEND_REPORT_BUF, "..." says so. */
	buf_init(&b, APPEND_REPORT_BUF);
	shown = f->nleft < APPEND_LEFT_NAMED ? f->nleft : APPEND_LEFT_NAMED;
	for (i = 0; i < shown && b.len < APPEND_REPORT_MAX; i++) {
		buf_putf(&b, "%s'%s'", i ? ", " : "", f->left[i].path);
		if (f->left[i].line > 0)
			buf_putf(&b, " line %llu",
			    (unsigned long long)f->left[i].line);
	}
	if (i < f->nleft)
		buf_puts(&b, ", ...");
	if (more)
		buf_putf(&b, "%severy message of '%s' from line %llu on",
		    f->nleft > 0 ? "; " : "", rest.path,
		    (unsigned long long)rest.line);
	if (f->mbox)
		for (i = f->next + (f->mr != NULL); i < f->n; i++)
			buf_putf(&b, "%s'%s'", b.len > 0 ? ", " : "",
			    f->files[i]);
	if (b.cut) {
		b.cut = 0;
		buf_truncate(&b, b.len < APPEND_REPORT_BUF - 4 ? b.len :
		    APPEND_REPORT_BUF - 4);
		buf_puts(&b, "...");
	}
	if (f->mbox)
		cmd_failf(ctx, (enum err_kind)ctx->status, "not appended, "
		    "or not confirmed: %s", b.s);
	else
		cmd_failf(ctx, (enum err_kind)ctx->status, "not appended, "
		    "or not confirmed: %llu message%s: %s",
		    (unsigned long long)f->nleft, f->nleft == 1 ? "" : "s",
		    b.s);
	buf_free(&b);
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
	if (src->line > 0)
		emit_uint(e, "line", src->line);
	emit_record_end(e);
}

/* The uploads: where they come from, and whether one was refused. */
struct upload {
	struct ctx		*ctx;
	const char		*mailbox;
	struct feed		*f;
	int			 refused;	/* send no more */
};

/*
 * An APPEND in flight, owned by its command: its done frees it. Its
 * message stays readable until then, so that an APPEND the server
 * refuses for now (--retry) is sent again from the start.
 */
struct pending {
	struct upload	*up;
	struct source	 src;
	FILE		*fp;		/* the message */
	int		 own;		/* fp is ours to close */
	struct reader	 rd;
};

static void
pending_free(struct pending *p)
{
	struct feed *f = p->up->f;

	/* An mbox message's: kept for the next (a new file costs time). */
	if (p->own && f->mbox && f->nspare < APPEND_WINDOW)
		f->spare[f->nspare++] = p->fp;
	else if (p->own)
		fclose(p->fp);
	free(p);
}

/* The message from its first byte again, for an APPEND sent again. */
static int
pending_rewind(void *ctx, struct err *e)
{
	struct pending *p = ctx;

	if (fseek(p->fp, 0, SEEK_SET) != 0)
		return err_set(e, ERR_NOINPUT, "cannot read '%s' again: %s",
		    p->src.path, strerror(errno));
	clearerr(p->fp);
	reader_init(&p->rd, p->src.path, p->fp);
	p->rd.left = p->src.size;
	return 0;
}

static ssize_t
pending_literal(void *ctx, char *buf, size_t len, struct err *e)
{
	struct pending *p = ctx;

	return reader_literal(&p->rd, buf, len, e);
}

/* An APPEND's end: a record, or the refusal and the message not appended. */
static int
on_append_done(void *arg, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct pending *p = arg;
	struct upload *up = p->up;
	const struct imap_arg *a = rep->resp != NULL ? rep->resp->code : NULL;
	uint32_t uidvalidity, uid;
	struct err no;

	(void)s;
	(void)e;
	if (rep->status == IMAP_ST_OK) {
		if (!imap_arg_is(a, "APPENDUID") ||
		    !imap_arg_u32(a->next, &uidvalidity) ||
		    !imap_arg_u32(a->next ? a->next->next : NULL, &uid))
			uidvalidity = uid = 0;
		emit_appended(up->ctx, up->mailbox, &p->src, uidvalidity, uid);
		progress_add(up->ctx->progress, 1);
	} else {
		/* Refused; or never answered, when the session failed. */
		if (rep->status != IMAP_ST_NONE) {
			sess_reply_check(rep, &no);
			if (p->src.line > 0)
				err_prefix(&no, "'%s' line %llu", p->src.path,
				    (unsigned long long)p->src.line);
			else
				err_prefix(&no, "'%s'", p->src.path);
			cmd_fail(up->ctx, &no);
			up->refused = 1;
		}
		feed_left(up->f, &p->src);
	}
	pending_free(p);
	return 0;
}

/*
 * The APPENDs, pipelined. After a refusal no further message is sent; what
 * is in flight is still waited for.
 */
static int
upload(struct ctx *ctx, const char *mailbox, struct feed *f)
{
	struct upload up;
	struct pending *pend;
	struct sess_pipe *p;
	struct source s;
	struct err no;
	const char *frag;
	FILE *fp;
	unsigned retries = sess_options(ctx->sess)->retries;
	int failed = 0;

	memset(&up, 0, sizeof(up));
	up.ctx = ctx;
	up.mailbox = mailbox;
	up.f = f;
	/* Many messages: a progress line (an mbox's count is not known). */
	if (f->mbox || f->n > 1)
		cmd_progress_begin(ctx, "messages", f->mbox ? 0 : f->n);
	p = sess_pipe_begin(ctx->sess, NULL, APPEND_WINDOW);
	for (;;) {
		/* Room first: an answer that comes meanwhile may refuse. */
		if (sess_pipe_room(p, &ctx->err) < 0) {
			failed = 1;
			break;
		}
		if (up.refused)
			break;
		/*
		 * A signal: what is in flight is waited for (a short grace),
		 * nothing new is sent (stop.h).
		 */
		if (stop_signal()) {
			stop_err(&no);
			cmd_fail(ctx, &no);
			break;
		}
		/* Nobody reads the records: start nothing new. */
		if (emit_gone(ctx->emit)) {
			cmd_failf(ctx, ERR_IO, "standard output closed: "
			    "stopped before the next message");
			break;
		}
		/* The end, or an input that cannot be read (reported). */
		if (feed_next(f, &s, &fp, &frag) <= 0)
			break;
		pend = xmalloc(sizeof(*pend));
		pend->up = &up;
		pend->src = s;
		/*
		 * An mbox message's file, when it may be sent again: the
		 * next goes to another (a spare one). Else it is the
		 * reader's, reused at once.
		 */
		pend->fp = f->mbox && retries > 0 ? mbox_take_file(f->mr) : fp;
		pend->own = pend->fp != s.spool && (!f->mbox || retries > 0);
		reader_init(&pend->rd, s.path, pend->fp);
		pend->rd.left = s.size;
		stop_changing();
		if (sess_pipe_send(p, on_append_done, pend, &ctx->err,
		    "APPEND %M%s %R", mailbox, frag, s.size, pending_literal,
		    pending_rewind, pend) < 0) {
			/* Not queued: its done will not be called. */
			failed = 1;
			feed_left(f, &s);
			pending_free(pend);
			break;
		}
	}
	if (sess_pipe_end(p, failed ? -1 : 0, &ctx->err) < 0)
		cmd_fail(ctx, &ctx->err);
	report_left(f);
	return ctx->status;
}

/* --dry-run: the mailbox must exist; its UIDVALIDITY goes in the records. */
static int
dry_run(struct ctx *ctx, const char *mailbox, struct feed *f)
{
	const char *name = mailbox, *frag;
	struct mbox_status st;
	struct source s;
	struct err e;
	FILE *fp;
	int rc;

	if (mbox_status_many(ctx->sess, &name, 1, "UIDVALIDITY", 0, &st, &e,
	    &ctx->err) < 0)
		return cmd_fail(ctx, &ctx->err);
	if (e.kind != ERR_NONE) {
		err_prefix(&e, "cannot append to '%s'", mailbox);
		return cmd_fail(ctx, &e);
	}
	while ((rc = feed_next(f, &s, &fp, &frag)) > 0) {
		emit_appended(ctx, mailbox, &s, st.uidvalidity, 0);
		feed_done(f, &s, fp);
	}
	if (f->nleft > 0)
		report_left(f);
	return ctx->status;
}

/*
 * The operands and options: the files (standard input alone when there are
 * none), --max, and the flags and date of --flags and --date as they go
 * after the mailbox in each APPEND. 0, or the exit status after the error.
 */
static int
append_options(struct ctx *ctx, int argc, char **argv, char ***files_r,
    size_t *n_r, uint64_t *max_r, struct buf *flags, struct buf *date)
{
	static char dash[] = "-";
	static char *stdin_only[] = { dash };
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
		return cmd_usage(ctx, "standard input ('-') can be "
		    "given once");
	*max_r = ctx->common->max;
	if ((rc = change_flags(ctx, "flags", &opt.flags, flags)) != 0)
		return rc;
	if (opt.date != NULL && parse_date(opt.date, date) < 0)
		return cmd_usage(ctx, "bad --date '%s': use "
		    "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS with Z or +HH:MM",
		    opt.date);
	if (opt_mode_count(&opt.in) > 1)
		return cmd_usage(ctx, "--mbox and --maildir cannot "
		    "be combined");
	if (opt.in.value == IN_MAILDIR && argc < 2)
		return cmd_usage(ctx, "--maildir needs a Maildir "
		    "folder or message files");
	if (opt.in.value != IN_FILES)
		return 0;
	return change_check_max(ctx, *max_r, *n_r, "the command names");
}

/* --maildir ---------------------------------------------------------- */

struct md_file {
	char		*path;
	char		*fragment;
	uint32_t	 uidvalidity, uid;	/* 0: not named by imapctl */
	time_t		 mtime;
};

struct md_list {
	struct md_file	*v;
	size_t		 n, alloc;
};

/*
 * Our names in the order of their UIDs (the mailbox's order), then the
 * others by date and name.
 */
static int
cmp_md(const void *a, const void *b)
{
	const struct md_file *x = a, *y = b;

	if ((x->uid != 0) != (y->uid != 0))
		return x->uid != 0 ? -1 : 1;
	if (x->uidvalidity != y->uidvalidity)
		return x->uidvalidity < y->uidvalidity ? -1 : 1;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* One message file: its flags (info and keywords) and date (mtime). */
static int
md_add(struct ctx *ctx, struct md_list *l, const char *path,
    const struct maildir_keywords *kw, const char *flags, const char *date)
{
	const char *base = strrchr(path, '/'), *info;
	struct md_file *m;
	struct buf b, frag;
	struct stat st;
	char d[DATE_MAX];
	int r;

	base = base != NULL ? base + 1 : path;
	if (stat(path, &st) < 0)
		return cmd_failf(ctx, ERR_NOINPUT, "cannot read '%s': %s",
		    path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return 0;
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 256;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	m = &l->v[l->n++];
	memset(m, 0, sizeof(*m));
	m->path = xstrdup(path);
	m->mtime = st.st_mtime;
	if (!maildir_parse_name(base, &m->uidvalidity, &m->uid))
		m->uidvalidity = m->uid = 0;
	buf_init(&b, APPEND_MSG_FLAGS_MAX);
	buf_init(&frag, APPEND_MSG_FRAGMENT_MAX);
	r = (info = strstr(base, ":2,")) != NULL ?
	    maildir_info_flags(info + 3, kw, &b) : 0;
	if (r == 0 && *flags != '\0')
		r = buf_addf(&b, "%s%s", b.len ? " " : "", flags);
	if (r == 0 && b.len > 0)
		r = buf_addf(&frag, " (%s)", b.s);
	if (r == 0 && *date != '\0')
		r = buf_adds(&frag, date);
	else if (r == 0 && date_format_internal(m->mtime, d, sizeof(d)) > 0)
		r = buf_addf(&frag, " \"%s\"", d);
	m->fragment = xstrdup(frag.s);
	buf_free(&frag);
	buf_free(&b);
	/* Never a message sent without its flags or its date. */
	if (r < 0)
		return cmd_failf(ctx, ERR_DATA, "'%s': the message's flags are "
		    "too long", path);
	return 0;
}

/* The messages of a folder's cur/ and new/. */
static int
md_add_dir(struct ctx *ctx, struct md_list *l, const char *folder,
    const char *flags, const char *date)
{
	static const char *const subs[] = { "cur", "new" };
	struct maildir_keywords kw;
	struct dirent *d;
	struct buf path;
	size_t i, found = 0;
	DIR *dir;
	int rc = 0;

	if (maildir_keywords_read(folder, &kw, &ctx->err) < 0)
		return cmd_fail(ctx, &ctx->err);
	buf_init(&path, APPEND_PATH_MAX);
	for (i = 0; i < 2 && rc == 0; i++) {
		buf_reset(&path);
		if (buf_addf(&path, "%s/%s", folder, subs[i]) < 0) {
			rc = cmd_failf(ctx, ERR_NOINPUT, "path too long: '%s'",
			    folder);
			break;
		}
		if ((dir = opendir(path.s)) == NULL) {
			if (errno == ENOENT)
				continue;
			rc = cmd_failf(ctx, ERR_NOINPUT, "cannot read '%s': %s",
			    path.s, strerror(errno));
			break;
		}
		found++;
		while (rc == 0 && (d = readdir(dir)) != NULL) {
			if (d->d_name[0] == '.')
				continue;
			buf_reset(&path);
			rc = buf_addf(&path, "%s/%s/%s", folder, subs[i],
			    d->d_name) < 0 ? cmd_failf(ctx, ERR_NOINPUT, "path "
			    "too long: '%s/%s/%s'", folder, subs[i], d->d_name) :
			    md_add(ctx, l, path.s, &kw, flags, date);
		}
		closedir(dir);
	}
	if (rc == 0 && found == 0)
		rc = cmd_failf(ctx, ERR_NOINPUT, "'%s' is not a Maildir: it "
		    "has no cur/ or new/", folder);
	buf_free(&path);
	maildir_keywords_free(&kw);
	return rc;
}

/*
 * --maildir: the operands as message files, in order (folders' messages
 * sorted), each with its own fragment.
 */
static int
md_collect(struct ctx *ctx, char **files, size_t n, const char *flags,
    const char *date, struct md_list *l)
{
	struct maildir_keywords kw;
	struct stat st;
	struct buf folder;
	size_t i, from;
	char *slash;
	int rc = 0;

	buf_init(&folder, APPEND_PATH_MAX);
	for (i = 0; i < n && rc == 0; i++) {
		if (is_stdin(files[i])) {
			rc = cmd_usage(ctx, "--maildir reads files, "
			    "not standard input");
			break;
		}
		if (stat(files[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			from = l->n;
			rc = md_add_dir(ctx, l, files[i], flags, date);
			qsort(l->v + from, l->n - from, sizeof(*l->v), cmp_md);
			continue;
		}
		/* A message in FOLDER/cur or FOLDER/new: its keywords. */
		buf_reset(&folder);
		if (buf_adds(&folder, files[i]) < 0) {
			rc = cmd_failf(ctx, ERR_NOINPUT, "path too long: '%s'",
			    files[i]);
			break;
		}
		memset(&kw, 0, sizeof(kw));
		if ((slash = strrchr(folder.s, '/')) != NULL) {
			*slash = '\0';
			if ((slash = strrchr(folder.s, '/')) != NULL)
				*slash = '\0';
			else {
				buf_reset(&folder);
				buf_putc(&folder, '.');	/* fits, just emptied */
			}
			if (maildir_keywords_read(folder.s, &kw, &ctx->err) < 0)
				rc = cmd_fail(ctx, &ctx->err);
		}
		if (rc == 0)
			rc = md_add(ctx, l, files[i], &kw, flags, date);
		maildir_keywords_free(&kw);
	}
	buf_free(&folder);
	return rc;
}

int
check_append(int argc, char **argv, struct ctx *ctx)
{
	struct buf flags, date;
	struct stat st;
	uint64_t max;
	char **files;
	size_t n, i;
	int rc, err;

	buf_init(&flags, CHANGE_FLAGS_MAX);
	buf_init(&date, APPEND_DATE_MAX);
	rc = append_options(ctx, argc, argv, &files, &n, &max, &flags, &date);
	buf_free(&flags);
	buf_free(&date);
	/* A file that is not there is no reason to connect. */
	for (i = 0; rc == 0 && i < n; i++) {
		if (is_stdin(files[i]))
			continue;
		err = stat(files[i], &st) < 0 || access(files[i], R_OK) < 0 ?
		    errno : S_ISDIR(st.st_mode) && opt.in.value != IN_MAILDIR ?
		    EISDIR : 0;
		if (err != 0)
			rc = cmd_failf(ctx, ERR_NOINPUT, "cannot read '%s': %s",
			    files[i], strerror(err));
	}
	return rc;
}

/*
 * --mbox with --max: the messages are counted before any is sent, so an
 * input that cannot be read twice is copied to a temporary file first.
 */
static int
count_mbox(struct ctx *ctx, char **files, size_t n, uint64_t max)
{
	static char dash[] = "-";
	const struct mbox_msg *m;
	struct mbox_reader *mr;
	struct stat st;
	struct source s;
	struct err e;
	uint64_t count = 0;
	size_t i;
	FILE *fp;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		fp = is_stdin(files[i]) ? stdin : fopen(files[i], "rb");
		if (fp == NULL)
			return cmd_failf(ctx, ERR_NOINPUT, "cannot read '%s': "
			    "%s", files[i], strerror(errno));
		if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode) ||
		    fp == stdin) {
			memset(&s, 0, sizeof(s));
			if ((rc = spool(ctx, &s, fp, is_stdin(files[i]) ?
			    "standard input" : files[i])) != 0)
				break;
			/* Read again from the copy, as standard input. */
			if (fp != stdin)
				fclose(fp);
			if (dup2(fileno(s.spool), STDIN_FILENO) < 0) {
				fclose(s.spool);
				return cmd_failf(ctx, ERR_CANTCREAT, "cannot "
				    "read a temporary file: %s",
				    strerror(errno));
			}
			fclose(s.spool);
			clearerr(stdin);
			fp = stdin;
			files[i] = dash;
		}
		mr = mbox_reader_new(fp, is_stdin(files[i]) ? "standard input" :
		    files[i]);
		while ((rc = mbox_next(mr, &m, &e)) > 0)
			count++;
		mbox_reader_free(mr);
		if (rc < 0)
			rc = cmd_fail(ctx, &e);
		if (fp == stdin) {
			if (lseek(STDIN_FILENO, 0, SEEK_SET) < 0)
				rc = cmd_failf(ctx, ERR_NOINPUT, "cannot read "
				    "standard input again: %s",
				    strerror(errno));
			clearerr(stdin);
		} else
			fclose(fp);
	}
	if (rc != 0)
		return rc;
	return change_check_max(ctx, max, count, "the mbox holds");
}

int
cmd_append(int argc, char **argv, struct ctx *ctx)
{
	struct source *srcs = NULL;
	struct buf flags, date, fragment;
	struct md_list md;
	struct feed f;
	uint64_t max;
	size_t n = 0, i;
	char **files;
	int rc = 0;

	buf_init(&flags, CHANGE_FLAGS_MAX);
	buf_init(&date, APPEND_DATE_MAX);
	buf_init(&fragment, APPEND_FRAGMENT_MAX);
	memset(&f, 0, sizeof(f));
	memset(&md, 0, sizeof(md));
	buf_init(&f.frag, APPEND_MSG_FRAGMENT_MAX + MBOX_KEYWORDS_MAX);
	if ((rc = append_options(ctx, argc, argv, &files, &n, &max, &flags,
	    &date)) != 0)
		goto out;
	/* Sized for the largest --flags and --date: they fit. */
	if ((flags.len > 0 && buf_addf(&fragment, " (%s)", flags.s) < 0) ||
	    buf_add(&fragment, date.s, date.len) < 0) {
		rc = cmd_failf(ctx, ERR_INTERNAL, "--flags and --date do not "
		    "fit in a command");
		goto out;
	}
	f.ctx = ctx;
	f.fragment = fragment.s;
	f.flags = flags.s;
	f.date = date.s;
	f.limit = append_limit(ctx);
	f.n = n;
	if (opt.in.value == IN_MBOX) {
		f.mbox = 1;
		f.files = files;
		if (max != UINT64_MAX)
			rc = count_mbox(ctx, files, n, max);
	} else {
		if (opt.in.value == IN_MAILDIR) {
			rc = md_collect(ctx, files, n, flags.s, date.s, &md);
			f.n = n = md.n;
			if (rc == 0)
				rc = change_check_max(ctx, max, n, "the "
				    "Maildir holds");
		}
		f.srcs = srcs = xcalloc(n + 1, sizeof(*srcs));
		for (i = 0; i < n && rc == 0; i++) {
			if (md.v != NULL) {
				srcs[i].path = md.v[i].path;
				srcs[i].fragment = md.v[i].fragment;
			} else
				srcs[i].path = files[i];
			if ((rc = measure(ctx, &srcs[i])) != 0)
				break;
			if (f.limit > 0 && srcs[i].size > f.limit)
				rc = cmd_failf(ctx, ERR_DATA, "'%s' is %llu "
				    "bytes, more than the server accepts "
				    "(APPENDLIMIT=%llu); nothing was appended",
				    srcs[i].path,
				    (unsigned long long)srcs[i].size,
				    (unsigned long long)f.limit);
		}
	}
	if (rc == 0)
		rc = ctx->common->dry_run ? dry_run(ctx, argv[0], &f) :
		    upload(ctx, argv[0], &f);
	for (i = 0; srcs != NULL && i < n; i++)
		if (srcs[i].spool != NULL)
			fclose(srcs[i].spool);
	free(srcs);
	for (i = 0; i < md.n; i++) {
		free(md.v[i].path);
		free(md.v[i].fragment);
	}
	free(md.v);
	while (f.nspare > 0)
		fclose(f.spare[--f.nspare]);
	if (f.mr != NULL) {
		mbox_reader_free(f.mr);
		if (f.mfp != stdin)
			fclose(f.mfp);
	}
out:
	buf_free(&f.frag);
	buf_free(&flags);
	buf_free(&date);
	buf_free(&fragment);
	return rc;
}
