/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "mbox.h"
#include "xalloc.h"
#include "banned.h"

static const char from[] = "From ";

/*
 * The flags as mutt writes them: Status (R for \Seen; O: not new),
 * X-Status (A F T D) and X-Keywords. \Recent and flags unknown to mbox
 * readers are left out.
 */
static int
flag_lines(const char *flags, struct buf *out)
{
	static const struct {
		const char	*flag;
		char		 letter;
	} xs[] = {
		{ "\\Answered", 'A' }, { "\\Flagged", 'F' }, { "\\Draft", 'T' },
		{ "\\Deleted", 'D' },
	};
	struct buf kw;
	char status[8], xstatus[8];
	const char *p = flags, *w;
	size_t n, i, ns = 0, nx = 0;
	unsigned have = 0;
	int r = 0;

	buf_init(&kw, MBOX_KEYWORDS_MAX);
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w = p;
		n = strcspn(p, " ");
		p += n;
		if (n == 5 && strncasecmp(w, "\\Seen", 5) == 0) {
			status[ns++] = 'R';
			continue;
		}
		for (i = 0; i < sizeof(xs) / sizeof(xs[0]); i++)
			if (strlen(xs[i].flag) == n &&
			    strncasecmp(w, xs[i].flag, n) == 0)
				have |= 1u << i;
		/* A keyword that does not fit is left out, not cut. */
		if (w[0] != '\\' && buf_addf(&kw, " %.*s", (int)n, w) < 0)
			continue;
	}
	/* In one order, whatever the server's. */
	for (i = 0; i < sizeof(xs) / sizeof(xs[0]); i++)
		if (have & (1u << i))
			xstatus[nx++] = xs[i].letter;
	status[ns++] = 'O';
	r |= buf_addf(out, "Status: %.*s\n", (int)ns, status);
	if (nx > 0)
		r |= buf_addf(out, "X-Status: %.*s\n", (int)nx, xstatus);
	if (kw.len > 0)
		r |= buf_addf(out, "X-Keywords:%s\n", kw.s);
	buf_free(&kw);
	return r < 0 ? -1 : 0;
}

int
mboxrd_begin(struct mboxrd *m, time_t t, const char *flags, struct buf *out)
{
	char date[DATE_ASCTIME_MAX];

	memset(m, 0, sizeof(*m));
	lfonly_init(&m->lf);
	m->bol = 1;
	date_format_asctime(t, date, sizeof(date));
	if (buf_addf(out, "From MAILER-DAEMON %s\n", date) < 0)
		return -1;
	return flags != NULL ? flag_lines(flags, out) : 0;
}

/* What was held at the start of a line, written as it came. */
static int
flush_prefix(struct mboxrd *m, struct buf *out)
{
	for (; m->gt > 0; m->gt--)
		if (buf_addc(out, '>') < 0)
			return -1;
	if (buf_add(out, from, m->from) < 0)
		return -1;
	m->from = 0;
	return 0;
}

static int
put(struct mboxrd *m, char c, struct buf *out)
{
	if (c == '\n') {
		if (m->bol && flush_prefix(m, out) < 0)
			return -1;
		m->bol = 1;
		m->last_nl = 1;
		return buf_addc(out, '\n');
	}
	m->last_nl = 0;
	if (m->bol) {
		if (c == '>' && m->from == 0) {
			m->gt++;
			return 0;
		}
		if (c == from[m->from]) {
			if (++m->from < sizeof(from) - 1)
				return 0;
			/* ">*From ": one more '>'. */
			m->from = 0;
			m->bol = 0;
			if (buf_addc(out, '>') < 0 || flush_prefix(m, out) < 0)
				return -1;
			return buf_add(out, from, sizeof(from) - 1);
		}
		m->bol = 0;
		if (flush_prefix(m, out) < 0)
			return -1;
	}
	return buf_addc(out, c);
}

struct feed_ctx {
	struct mboxrd	*m;
	struct buf	*out;
};

static int
put_run(void *arg, const char *p, size_t n)
{
	struct feed_ctx *c = arg;
	size_t i;

	for (i = 0; i < n; i++)
		if (put(c->m, p[i], c->out) < 0)
			return -1;
	return 0;
}

int
mboxrd_feed(struct mboxrd *m, const char *s, size_t n, struct buf *out)
{
	struct feed_ctx c = { m, out };

	return lfonly_feed(&m->lf, s, n, put_run, &c);
}

int
mboxrd_end(struct mboxrd *m, struct buf *out)
{
	struct feed_ctx c = { m, out };

	if (lfonly_end(&m->lf, put_run, &c) < 0)
		return -1;
	if (m->bol && (m->gt > 0 || m->from > 0) && flush_prefix(m, out) < 0)
		return -1;
	if (!m->last_nl && buf_addc(out, '\n') < 0)
		return -1;
	return buf_addc(out, '\n');
}

/* Reading ------------------------------------------------------------- */

#define MBOX_INBUF	65536

struct mbox_reader {
	FILE		*in;
	const char	*name;
	char		*ibuf;
	size_t		 ipos, ilen;
	int		 eof;
	struct buf	 line;		/* a line, or a piece of a long one */
	int		 whole;		/* line ended with LF (or the input) */
	int		 cont;		/* line continues the one before */
	uint64_t	 lineno;
	struct buf	 next_from;	/* the From line of the next message */
	int		 have_next;
	int		 started;
	struct mbox_msg	 msg;
};

struct mbox_reader *
mbox_reader_new(FILE *in, const char *name)
{
	struct mbox_reader *r = xcalloc(1, sizeof(*r));

	r->in = in;
	r->name = name;
	r->ibuf = xmalloc(MBOX_INBUF);
	buf_init(&r->line, MBOX_LINE_MAX);
	buf_init(&r->next_from, MBOX_LINE_MAX);
	buf_init(&r->msg.flags, MBOX_KEYWORDS_MAX + 64);
	r->whole = 1;
	return r;
}

FILE *
mbox_take_file(struct mbox_reader *r)
{
	FILE *fp = r->msg.fp;

	r->msg.fp = NULL;
	return fp;
}

int
mbox_give_file(struct mbox_reader *r, FILE *fp)
{
	if (r->msg.fp != NULL)
		return -1;
	r->msg.fp = fp;
	return 0;
}

void
mbox_reader_free(struct mbox_reader *r)
{
	if (r == NULL)
		return;
	if (r->msg.fp != NULL)
		fclose(r->msg.fp);
	buf_free(&r->line);
	buf_free(&r->next_from);
	buf_free(&r->msg.flags);
	free(r->ibuf);
	free(r);
}

/*
 * The next line (without its LF, and without the CR of a CR LF) into
 * r->line: 1, or 0 at the end of the input, -1 on a read error. A line
 * longer than MBOX_LINE_MAX comes in pieces: r->whole is 0 on all but
 * the last, r->cont is 1 on all but the first.
 */
static int
read_line(struct mbox_reader *r, struct err *e)
{
	const char *nl;
	size_t take;

	r->cont = !r->whole;
	r->whole = 0;
	buf_reset(&r->line);
	for (;;) {
		if (r->ipos == r->ilen) {
			if (r->eof)
				break;
			r->ipos = 0;
			r->ilen = fread(r->ibuf, 1, MBOX_INBUF, r->in);
			if (r->ilen == 0) {
				if (ferror(r->in))
					return err_set(e, ERR_NOINPUT,
					    "cannot read '%s': %s", r->name,
					    strerror(errno));
				r->eof = 1;
				break;
			}
		}
		nl = memchr(r->ibuf + r->ipos, '\n', r->ilen - r->ipos);
		take = nl ? (size_t)(nl - (r->ibuf + r->ipos)) :
		    r->ilen - r->ipos;
		if (take > r->line.max - r->line.len)
			take = r->line.max - r->line.len;
		buf_put(&r->line, r->ibuf + r->ipos, take);	/* fits */
		r->ipos += take;
		if (nl != NULL && r->ibuf + r->ipos == nl) {
			r->ipos++;
			r->whole = 1;
			break;
		}
		if (r->line.len == r->line.max)
			return 1;	/* a piece; more of the line follows */
	}
	if (r->line.len == 0 && !r->whole && r->eof && !r->cont)
		return 0;
	if (r->whole || r->eof) {
		r->whole = 1;
		r->lineno++;
		if (r->line.len > 0 && r->line.s[r->line.len - 1] == '\r')
			buf_truncate(&r->line, r->line.len - 1);
	}
	return 1;
}

static int
starts(const struct buf *b, const char *p)
{
	size_t n = strlen(p);

	return b->len >= n && memcmp(b->s, p, n) == 0;
}

/* The header field name at the start of a line, case-insensitive. */
static int
field_is(const struct buf *b, const char *name)
{
	size_t n = strlen(name);

	return b->len > n && b->s[n] == ':' && strncasecmp(b->s, name, n) == 0;
}

/* Add a flag to the message's, once. */
static void
add_flag(struct mbox_reader *r, const char *f, size_t n)
{
	const char *p = r->msg.flags.s, *w;
	size_t k;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w = p;
		k = strcspn(p, " ");
		p += k;
		if (k == n && strncasecmp(w, f, n) == 0)
			return;
	}
	/* A flag that does not fit is left out, not cut. */
	if (buf_addf(&r->msg.flags, "%s%.*s", r->msg.flags.len ? " " : "",
	    (int)n, f) < 0)
		return;
}

/* The flags that a Status, X-Status or X-Keywords field gives. */
static void
take_flags(struct mbox_reader *r, const struct buf *line, int kind)
{
	static const struct {
		char		 letter;
		const char	*flag;
	} xs[] = {
		{ 'A', "\\Answered" }, { 'F', "\\Flagged" }, { 'T', "\\Draft" },
		{ 'D', "\\Deleted" },
	};
	const char *p = (const char *)memchr(line->s, ':', line->len) + 1;
	const char *end = line->s + line->len, *w;
	size_t i, n;

	for (; p < end; p++) {
		if (kind == 2) {
			/* Keywords: atoms separated by spaces or commas. */
			if (*p == ' ' || *p == '\t' || *p == ',')
				continue;
			w = p;
			while (p < end && *p != ' ' && *p != '\t' && *p != ',')
				p++;
			n = (size_t)(p - w);
			for (i = 0; i < n; i++)
				if (strchr("(){%*\"\\]", w[i]) != NULL ||
				    (unsigned char)w[i] <= 0x20 ||
				    (unsigned char)w[i] >= 0x7f)
					break;
			if (i == n)
				add_flag(r, w, n);
			p--;
			continue;
		}
		for (i = 0; i < sizeof(xs) / sizeof(xs[0]); i++)
			if (kind == 1 && *p == xs[i].letter)
				add_flag(r, xs[i].flag, strlen(xs[i].flag));
		if (kind == 0 && *p == 'R')
			add_flag(r, "\\Seen", 5);
	}
}

static int
spool_put(struct mbox_reader *r, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (memchr(p, '\0', n) != NULL)
		r->msg.nul = 1;
	r->msg.size += n;
	return fwrite(p, 1, n, r->msg.fp) == n ? 0 : -1;
}

/* Start the message whose From line is in next_from. */
static int
begin_msg(struct mbox_reader *r, struct err *e)
{
	const char *p = r->next_from.s + 5, *end = r->next_from.s +
	    r->next_from.len;

	if (r->msg.fp == NULL && (r->msg.fp = tmpfile()) == NULL)
		return err_set(e, ERR_CANTCREAT, "cannot make a temporary "
		    "file: %s", strerror(errno));
	rewind(r->msg.fp);
	if (ftruncate(fileno(r->msg.fp), 0) < 0)
		return err_set(e, ERR_CANTCREAT, "cannot empty a temporary "
		    "file: %s", strerror(errno));
	r->msg.size = 0;
	r->msg.nul = 0;
	r->msg.line = r->lineno;
	buf_reset(&r->msg.flags);
	/* "From SENDER DATE": the sender is one word. */
	while (p < end && *p == ' ')
		p++;
	while (p < end && *p != ' ')
		p++;
	r->msg.date = date_parse_asctime(p, (size_t)(end - p));
	r->have_next = 0;
	return 0;
}

int
mbox_next(struct mbox_reader *r, const struct mbox_msg **m_r,
    struct err *e)
{
	int rc, header = 1, dropping = 0, blank = 0, field;
	int top = 1, top_flags = 0;
	const char *p;
	size_t gt;

	*m_r = NULL;
	if (!r->started) {
		r->started = 1;
		/* Empty lines may come first; then a From line must. */
		while ((rc = read_line(r, e)) > 0 && r->whole && !r->cont &&
		    r->line.len == 0)
			;
		if (rc < 0)
			return -1;
		if (rc == 0)
			return 0;
		if (r->cont || !starts(&r->line, "From "))
			return err_set(e, ERR_DATA, "'%s' is not an mbox: "
			    "line %llu is not a \"From \" line", r->name,
			    (unsigned long long)r->lineno);
		buf_reset(&r->next_from);
		/* As long as a line may be: it fits. */
		buf_put(&r->next_from, r->line.s, r->line.len);
		r->have_next = 1;
	}
	if (!r->have_next)
		return 0;
	if (begin_msg(r, e) < 0)
		return -1;
	while ((rc = read_line(r, e)) > 0) {
		if (r->cont) {
			/* The rest of a long line, as its start went. */
			if (!dropping && spool_put(r, r->line.s,
			    r->line.len) < 0)
				goto write_failed;
			if (r->whole && !dropping && spool_put(r, "\r\n", 2) < 0)
				goto write_failed;
			continue;
		}
		if (r->line.len == 0 && r->whole) {
			/* Held: it may be the separator before a From line. */
			if (blank && spool_put(r, "\r\n", 2) < 0)
				goto write_failed;
			blank = 1;
			header = 0;
			dropping = 0;
			continue;
		}
		if (blank && starts(&r->line, "From ")) {
			buf_reset(&r->next_from);
			/* As long as a line may be: it fits. */
			buf_put(&r->next_from, r->line.s, r->line.len);
			r->have_next = 1;
			break;
		}
		if (blank && spool_put(r, "\r\n", 2) < 0)
			goto write_failed;
		blank = 0;
		if (header) {
			if (dropping && (r->line.s[0] == ' ' ||
			    r->line.s[0] == '\t'))
				continue;
			dropping = 0;
			field = field_is(&r->line, "Status") ? 0 :
			    field_is(&r->line, "X-Status") ? 1 :
			    field_is(&r->line, "X-Keywords") ? 2 : -1;
			/*
			 * Fields right after the From line are the mailbox's
			 * (as fetch --raw writes them); then any that follow
			 * are the message's own and stay. Without such a
			 * block (mutt puts them last) they count anywhere.
			 */
			if (field >= 0 && (top || !top_flags)) {
				take_flags(r, &r->line, field);
				top_flags |= top;
				dropping = 1;
				continue;
			}
			top = 0;
		}
		/* mboxrd: ">From ", ">>From "... lose one '>'. */
		p = r->line.s;
		gt = 0;
		while (gt < r->line.len && p[gt] == '>')
			gt++;
		if (gt > 0 && r->line.len - gt >= 5 &&
		    memcmp(p + gt, "From ", 5) == 0)
			p++;
		if (spool_put(r, p, r->line.len - (size_t)(p - r->line.s)) < 0 ||
		    (r->whole && spool_put(r, "\r\n", 2) < 0))
			goto write_failed;
	}
	if (rc < 0)
		return -1;
	if (fflush(r->msg.fp) != 0 || ferror(r->msg.fp))
		goto write_failed;
	rewind(r->msg.fp);
	*m_r = &r->msg;
	return 1;
write_failed:
	return err_set(e, ERR_CANTCREAT, "cannot write a temporary file: %s",
	    strerror(errno));
}
