/* SPDX-License-Identifier: MIT */
/*
 * fetch: messages as summaries, header fields, raw bytes, text, MIME
 * structure, single parts or saved attachments.
 *
 * The set is fetched in chunks of a few KiB of UID set, several commands
 * in flight; records are emitted as each FETCH response arrives, and
 * bodies go from the socket to their destination through the parser's
 * literal sink (the UID is asked for first, so it is known before the
 * body; a server that sends it later gets the body buffered, within
 * --max-size). --text and --attachments need the structure first: the
 * existing UIDs are listed with UID SEARCH, and lib/uidwin.c runs their
 * windows, each message's BODYSTRUCTURE followed by the parts that
 * plan_message chooses from it. Memory stays bounded by the windows in
 * flight, never by the number of messages. The commands, their refusals
 * and --in's EXAMINE are lib/uidfetch.c's; what comes back, the records,
 * files and reports, this file's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "charset.h"
#include "cmd.h"
#include "date.h"
#include "header.h"
#include "html.h"
#include "mbox.h"
#include "mailbox.h"
#include "maildir.h"
#include "mime.h"
#include "msg.h"
#include "msgset.h"
#include "multi.h"
#include "outdir.h"
#include "progress.h"
#include "rfc2047.h"
#include "summary.h"
#include "uidfetch.h"
#include "uidwin.h"
#include "utf8.h"
#include "xalloc.h"
#include "xfer.h"
#include "banned.h"

enum mode {
	M_SUMMARY,
	M_HEADERS,
	M_RAW,
	M_TEXT,
	M_STRUCTURE,
	M_PART,
	M_ATTACHMENTS
};

static struct {
	struct opt_mode	 mode;
	const char	*part, *attachments, *save, *maildir;
	int		 force, mark_seen;
} opt;

const struct opt fetch_opts[] = {
	OPT_CMDMODE(0, "summary", &opt.mode, M_SUMMARY, "envelope, flags, "
	    "dates and size (the default)"),
	OPT_CMDMODE(0, "headers", &opt.mode, M_HEADERS, "every header field, "
	    "decoded, a record each"),
	OPT_CMDMODE(0, "raw", &opt.mode, M_RAW, "the message as it is "
	    "(several: an mboxrd stream)"),
	OPT_CMDMODE(0, "text", &opt.mode, M_TEXT, "the summary and the best "
	    "text part as UTF-8"),
	OPT_CMDMODE(0, "structure", &opt.mode, M_STRUCTURE, "the MIME parts, "
	    "a record each"),
	OPT_CMDMODE_STRING(0, "part", &opt.mode, M_PART, &opt.part, "N", "the "
	    "content of part N, transfer encoding undone", 0),
	OPT_CMDMODE_STRING(0, "attachments", &opt.mode, M_ATTACHMENTS,
	    &opt.attachments, "DIR", "save the attachments, decoded, in DIR",
	    OPT_COMPLETE_DIR),
	OPT_STRING_F(0, "save", &opt.save, "DIR", "with --raw or --part: write "
	    "a file a message in DIR", OPT_COMPLETE_DIR),
	OPT_BOOL(0, "force", &opt.force, "with --save or --attachments: "
	    "replace files that exist"),
	OPT_STRING_F(0, "maildir", &opt.maildir, "DIR", "write the messages "
	    "into the Maildir++ tree DIR, skipping those an earlier run wrote",
	    OPT_COMPLETE_DIR),
	OPT_BOOL(0, "mark-seen", &opt.mark_seen, "set \\Seen on the messages "
	    "fetched"),
	OPT_LIST(0, "in", &common_opts.in, "PATTERN", "fetch from the "
	    "mailboxes this LIST pattern names (* or Lists/*) instead of "
	    "MAILBOX; repeatable", OPT_COMPLETE_MAILBOX),
	MSGSET_OPTS,
	CMD_OPT_PROGRESS,
	OPT_END()
};

#define TEXT_MAX	(4u << 20)	/* bytes of a part read for --text */
#define STAGE_MAX	(16u << 20)	/* a decoding stage's buffer */
#define PATH_SHOWN_MAX	4096
#define FETCH_PATH_MAX	8192		/* a Maildir folder's path */
#define FETCH_FLAGS_MAX	65536		/* a message's flags, for its file */

/* A part --text or --attachments chose (lib/uidwin.h holds it). */
struct plan_part {
	char		 part[MIME_PART_MAX];
	enum xfer_enc	 enc;
	char		*charset;	/* --text */
	int		 html;		/* --text */
	char		*filename;	/* --attachments: sanitised */
	char		*type;		/* --attachments: "type/subtype" */
};

/*
 * Where a body goes while it streams. What it needs of its part is
 * copied: the part's plan goes with its window, maybe first.
 */
struct body {
	int		 active;
	uint32_t	 uid;
	char		 part[MIME_PART_MAX];	/* --part, --attachments */
	char		 type[2 * MIME_TOKEN_MAX];	/* --attachments */
	int		 is_html;	/* --text: the part is HTML */
	struct xfer	*x;
	struct charset_conv *cc;
	struct html_text html;
	struct mboxrd	 mb;
	struct outfile	*of;		/* a file being written aside, or NULL */
	int		 discard;	/* the bytes go nowhere */
	char		 name[MIME_FILENAME_MAX + 64];
	uint64_t	 written;
	struct buf	 s1, s2;	/* decoding stages */
	struct imap_sink sink;
};

struct fetch {
	struct ctx	*ctx;
	struct sess	*s;
	struct emit	*em;
	struct err	*e;
	enum mode	 mode;
	const char	*mailbox;
	uint32_t	 uidvalidity;
	int		 mark_seen;
	int		 force;
	int		 gmail;
	int		 single;	/* --raw/--part of one UID to stdout */
	int		 in;		/* --in: mailbox after mailbox */
	char		 delim;		/* --in: the mailbox's separator */
	const char	*dir;		/* --save or --attachments */
	struct outdir	*od;
	char		*save_prefix;	/* --save: "MAILBOX-UIDVALIDITY-" */
	const char	*mddir;		/* --maildir */
	struct maildir_out *md;		/* the mailbox's folder in it */
	uint32_t	 md_uid;	/* whose body waits for its name */
	const char	*partarg;	/* --part N */
	uint64_t	 records;
	struct plan_part part_pp;	/* --part: the part streaming */
	struct body	 body;
	struct buf	 text;		/* --text: the text of this message */
	int		 text_set;
	uint32_t	 text_uid;	/* whose text it is */
	struct uidlist	 listed;	/* UID SEARCH results as they come */
	struct uidset	 found;		/* the same, sorted */
	const struct uidset *asked;	/* the set given, or NULL */
	struct uidset	 singles;	/* UIDs named one by one */
	struct uidset	 answered;	/* those the server answered for */
	int		 searching;	/* our UID SEARCH runs */
	struct sess_pipe *p;		/* the FETCH commands */
	/*
	 * The commands (lib/uidfetch.h): what the server refused, and
	 * with --in the mailbox's EXAMINE in the same write as them.
	 */
	struct uidfetch	 uf;
	struct uidfetch_cb cb;
	struct uidwin	*win;		/* --text, --attachments: running */
};

/* Helpers ------------------------------------------------------------- */

static int
section_of(const char *item, const char **sec_r, size_t *len_r)
{
	const char *open, *close;

	if (strncasecmp(item, "BODY[", 5) != 0 &&
	    strncasecmp(item, "BINARY[", 7) != 0)
		return 0;
	open = strchr(item, '[');
	close = strchr(open, ']');
	if (close == NULL)
		return 0;
	*sec_r = open + 1;
	*len_r = (size_t)(close - open - 1);
	return 1;
}

/*
 * Whether uid is one we asked for: a server that sends other messages
 * must not have them written to files or to standard output.
 */
static int
asked_for(const struct fetch *f, uint32_t uid)
{
	const struct uidset *a = f->asked;

	if (a == NULL || uidset_contains(a, uid))
		return 1;
	/* A lone "*" is the highest UID, which only the server knows. */
	return a->n > 0 && a->r[a->n - 1].lo == UIDSET_STAR;
}

/*
 * Output: stdout for raw bytes. Standard output is the emitter's too: a
 * failure, seen here or by the emitter's flush, is recorded there and
 * said once, by the fetch this returns it to, and neither by the emitter
 * at its end nor by the command line at exit. Once the output failed, no
 * more is written.
 */
static int
out_stdout(struct fetch *f, const char *p, size_t n, struct err *e)
{
	int st;

	st = emit_status(f->em);
	if (st == 0) {
		if (n == 0)
			return 0;
		errno = 0;
		if (fwrite(p, 1, n, stdout) == n)
			return 0;
		st = errno;
		if (st == EPIPE || emit_gone(f->em))
			st = EPIPE;
		(void)emit_write_failed(f->em, st);
		st = emit_status(f->em);
	}
	if (st == EPIPE)
		return err_set(e, ERR_OUTPUT_GONE, "the reader of the output "
		    "went away");
	/* The fetch says what it is returned. */
	emit_said(f->em);
	return err_set(e, ERR_IO, "cannot write output: %s", strerror(st));
}

/*
 * A body's file that cannot be written (EFBIG, ENOSPC) as its bytes come:
 * said with its message, its partial file removed and the rest of its
 * bytes dropped. The fetch goes on with the other messages, as when a
 * file cannot be created or fails at its end: one message's file must not
 * cost the others theirs, nor leave them unsaid.
 */
static int
file_failed(struct fetch *f, struct body *b, struct err *e)
{
	err_prefix(e, "message UID %u", b->uid);
	cmd_fail(f->ctx, e);
	err_clear(e);
	if (f->md != NULL)
		maildir_out_abort(f->md);
	outdir_abort(f->od, b->of);
	b->of = NULL;
	b->discard = 1;
	return 0;
}

static int
out_fd(struct fetch *f, struct body *b, const char *p, size_t n,
    struct err *e)
{
	if (outfile_write(b->of, p, n, e) < 0) {
		err_prefix(e, "'%s/%s'", f->dir, b->name);
		return file_failed(f, b, e);
	}
	return 0;
}

/* Files ---------------------------------------------------------------- */

/*
 * A file for the body, written aside (lib/outdir.h): it gets its name, and
 * its record, once complete and on disk. A failure is reported here (exit
 * 73 in the end) and the bytes are then dropped.
 */
static int
open_out(struct fetch *f, struct body *b)
{
	struct err e;

	err_clear(&e);
	if ((b->of = outdir_create(f->od, &e)) == NULL) {
		cmd_failf(f->ctx, ERR_CANTCREAT, "%s (message UID %u)", e.msg,
		    b->uid);
		return -1;
	}
	return 0;
}

/* What a file's record says besides its name and size. */
struct saved {
	uint32_t	 uid;
	char		*part;		/* NULL for --raw */
	char		*type;		/* --attachments */
};

static void
emit_file(struct fetch *f, const struct saved *sv, const char *name,
    uint64_t size, int existed)
{
	char path[PATH_SHOWN_MAX];

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	emit_record_begin(f->em, "file");
	emit_uint(f->em, "uid", sv->uid);
	if (f->mode != M_RAW)
		emit_str(f->em, "part", sv->part);
	if (f->mode == M_ATTACHMENTS)
		emit_str(f->em, "type", sv->type);
	emit_str(f->em, "file", path);
	emit_uint(f->em, "size", size);
	emit_str(f->em, "mailbox", f->mailbox);
	emit_uint(f->em, "uidvalidity", f->uidvalidity);
	emit_bool(f->em, "skipped", existed);
	emit_record_end(f->em);
}

/* A file the directory committed, or could not. */
static void
file_done(void *arg, void *cookie, const char *name, uint64_t size,
    int existed, const struct err *e)
{
	struct fetch *f = arg;
	struct saved *sv = cookie;

	if (e != NULL)
		cmd_failf(f->ctx, e->kind, "%s (message UID %u)", e->msg,
		    sv->uid);
	else
		emit_file(f, sv, name, size, existed);
	/* --save: a message each; --attachments counts its windows. */
	if (f->mode != M_ATTACHMENTS)
		progress_add(f->ctx->progress, 1);
	free(sv->part);
	free(sv->type);
	free(sv);
}

static void
body_reset(struct fetch *f, struct body *b)
{
	outdir_abort(f->od, b->of);
	b->of = NULL;
	xfer_free(b->x);
	charset_close(b->cc);
	b->x = NULL;
	b->cc = NULL;
	b->active = 0;
	b->discard = 0;
	b->written = 0;
	b->part[0] = '\0';
	b->type[0] = '\0';
	b->is_html = 0;
	b->name[0] = '\0';
	buf_reset(&b->s1);
	buf_reset(&b->s2);
}

/* A body cut short: its partial file goes. */
static void
body_abort(struct fetch *f)
{
	if (f->md != NULL) {
		maildir_out_abort(f->md);
		f->md_uid = 0;
	}
	body_reset(f, &f->body);
}

/*
 * The From line of a message in an mboxrd stream, with the internal date
 * and flags of items (as far as they came before the body).
 */
static void
mbox_from_line(const struct imap_arg *items, struct mboxrd *mb,
    struct buf *out)
{
	const struct imap_arg *a;
	const char *atom;
	struct buf flags;
	time_t idate = -1;

	buf_init(&flags, MBOX_KEYWORDS_MAX + 64);
	a = msg_item(items, "INTERNALDATE");
	if (a != NULL && a->type == IMAP_STRING)
		idate = date_parse_internal(a->s, a->len);
	a = msg_item(items, "FLAGS");
	if (a != NULL && a->type == IMAP_LIST)
		for (a = a->list; a != NULL; a = a->next)
			/* A flag that does not fit is left out, not cut. */
			if (imap_arg_atom(a, &atom) &&
			    buf_addf(&flags, "%s%s", flags.len ? " " : "",
			    atom) < 0)
				continue;
	mboxrd_begin(mb, idate, flags.s, out);
	buf_free(&flags);
}

/*
 * The body's start: where it goes and how it is decoded. items are the
 * message's FETCH items that came before it.
 */
static void
body_begin(struct fetch *f, uint32_t uid, struct plan_part *pp,
    const struct imap_arg *items)
{
	struct body *b = &f->body;
	struct buf from;

	body_reset(f, b);
	b->active = 1;
	b->uid = uid;
	if (pp != NULL) {
		snprintf(b->part, sizeof(b->part), "%s", pp->part);
		if (pp->type != NULL)
			snprintf(b->type, sizeof(b->type), "%s", pp->type);
		b->is_html = pp->html;
	}
	switch (f->mode) {
	case M_RAW:
		if (f->md != NULL) {
			f->md_uid = 0;
			if (maildir_out_begin(f->md, f->e) < 0) {
				cmd_fail(f->ctx, f->e);
				b->discard = 1;
			}
		} else if (f->dir != NULL) {
			snprintf(b->name, sizeof(b->name), "%s%u.eml",
			    f->save_prefix, uid);
			b->discard = open_out(f, b) < 0;
		} else if (!f->single) {
			buf_init(&from, 256 + MBOX_KEYWORDS_MAX);
			mbox_from_line(items, &b->mb, &from);
			out_stdout(f, from.s, from.len, f->e);
			buf_free(&from);
		}
		break;
	case M_PART:
	case M_ATTACHMENTS:
		b->x = xfer_new(pp != NULL ? pp->enc : XFER_IDENTITY);
		if (f->mode == M_ATTACHMENTS)
			snprintf(b->name, sizeof(b->name), "%s", pp->filename);
		else if (f->dir != NULL)
			snprintf(b->name, sizeof(b->name), "%s%u-%s",
			    f->save_prefix, uid, f->partarg);
		if (b->name[0] != '\0')
			b->discard = open_out(f, b) < 0;
		break;
	case M_TEXT:
		b->x = xfer_new(pp->enc);
		b->cc = charset_open(pp->charset);
		html_text_init(&b->html);
		buf_reset(&f->text);
		f->text_set = 1;
		f->text_uid = uid;
		break;
	default:
		b->discard = 1;
		break;
	}
}

static void
text_add(struct fetch *f, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != '\r' && buf_addc(&f->text, p[i]) < 0)
			break;		/* cut at TEXT_MAX */
}

/*
 * Decoded bytes of --text (p is in s1) through the charset into s2, and
 * for HTML through the tag stripper back into s1, then into f->text.
 */
static int
text_stage(struct fetch *f, const char *p, size_t n, int final)
{
	struct body *b = &f->body;

	buf_reset(&b->s2);
	if ((final ? charset_finish(b->cc, &b->s2) :
	    charset_feed(b->cc, p, n, &b->s2)) < 0)
		return 0;
	if (!b->is_html) {
		text_add(f, b->s2.s, b->s2.len);
		return 0;
	}
	buf_reset(&b->s1);
	html_text_feed(&b->html, b->s2.s, b->s2.len, &b->s1);
	if (final)
		html_text_finish(&b->html, &b->s1);
	text_add(f, b->s1.s, b->s1.len);
	return 0;
}

static int
body_write(struct fetch *f, const char *p, size_t n, struct err *e)
{
	struct body *b = &f->body;

	if (b->discard)
		return 0;
	switch (f->mode) {
	case M_RAW:
		b->written += n;
		if (f->md != NULL)
			return maildir_out_write(f->md, p, n, e) < 0 ?
			    file_failed(f, b, e) : 0;
		if (b->of != NULL)
			return out_fd(f, b, p, n, e);
		if (f->single)
			return out_stdout(f, p, n, e);
		buf_reset(&b->s1);
		mboxrd_feed(&b->mb, p, n, &b->s1);
		return out_stdout(f, b->s1.s, b->s1.len, e);
	case M_PART:
	case M_ATTACHMENTS:
		buf_reset(&b->s1);
		if (xfer_feed(b->x, p, n, &b->s1) < 0)
			return err_set(e, ERR_INTERNAL, "decoding buffer full");
		b->written += b->s1.len;
		if (b->of != NULL)
			return out_fd(f, b, b->s1.s, b->s1.len, e);
		return out_stdout(f, b->s1.s, b->s1.len, e);
	case M_TEXT:
		buf_reset(&b->s1);
		if (xfer_feed(b->x, p, n, &b->s1) < 0)
			return 0;
		return text_stage(f, b->s1.s, b->s1.len, 0);
	default:
		return 0;
	}
}

/*
 * Complete: to the directory, which names it and reports it (file_done)
 * once it is on disk. A name it cannot give is reported there; the fetch
 * goes on.
 */
static void
save_file(struct fetch *f, struct body *b)
{
	struct saved *sv = xcalloc(1, sizeof(*sv));
	struct outfile *of = b->of;
	struct err e;

	sv->uid = b->uid;
	if (f->mode != M_RAW)
		sv->part = xstrdup(b->part[0] != '\0' ? b->part : f->partarg);
	if (f->mode == M_ATTACHMENTS)
		sv->type = xstrdup(b->type);
	b->of = NULL;
	err_clear(&e);
	/* The same file again (a server that sends a body twice): one record. */
	if (outdir_finish(f->od, of, b->name, f->mode == M_ATTACHMENTS ?
	    OUTDIR_UNIQUE : OUTDIR_EXACT, sv, &e) == 1) {
		free(sv->part);
		free(sv->type);
		free(sv);
	}
}

static int
body_end(struct fetch *f, struct err *e)
{
	struct body *b = &f->body;
	int r = 0;

	if (!b->active)
		return 0;
	if (!b->discard) {
		switch (f->mode) {
		case M_RAW:
			if (f->md != NULL)
				f->md_uid = b->uid;	/* named by on_fetch */
			else if (b->of == NULL && !f->single) {
				buf_reset(&b->s1);
				mboxrd_end(&b->mb, &b->s1);
				r = out_stdout(f, b->s1.s, b->s1.len, e);
			}
			break;
		case M_PART:
		case M_ATTACHMENTS:
			buf_reset(&b->s1);
			xfer_finish(b->x, &b->s1);
			b->written += b->s1.len;
			r = b->of != NULL ? out_fd(f, b, b->s1.s, b->s1.len,
			    e) : out_stdout(f, b->s1.s, b->s1.len, e);
			break;
		case M_TEXT:
			buf_reset(&b->s1);
			xfer_finish(b->x, &b->s1);
			text_stage(f, b->s1.s, b->s1.len, 0);
			text_stage(f, NULL, 0, 1);
			break;
		default:
			break;
		}
		if (r == 0 && b->of != NULL)
			save_file(f, b);
	}
	if (r < 0) {
		body_abort(f);
		return -1;
	}
	body_reset(f, b);
	f->records++;
	return 0;
}

/* Sink callbacks. */
static int
sink_write(void *ctx, const char *p, size_t n, struct err *e)
{
	return body_write(ctx, p, n, e);
}

static int
sink_end(void *ctx, struct err *e)
{
	return body_end(ctx, e);
}

/* The part of message uid a section names, for --text, --attachments. */
static struct plan_part *
plan_part_of(struct fetch *f, uint32_t uid, const char *sec, size_t len)
{
	if (f->win == NULL)
		return NULL;
	return uidwin_part(f->win, uid, sec, len);
}

/*
 * --part: the part's encoding from the BODYSTRUCTURE that came first;
 * NULL when the message has no such part.
 */
static struct plan_part *
part_from_structure(struct fetch *f, const struct imap_arg *bs,
    struct plan_part *pp)
{
	struct mime_tree t;
	struct err e;
	size_t i;
	int found = 0;

	memset(pp, 0, sizeof(*pp));
	snprintf(pp->part, sizeof(pp->part), "%s", f->partarg);
	pp->enc = XFER_IDENTITY;
	if (bs == NULL)
		return pp;
	mime_tree_init(&t);
	if (mime_parse(bs, &t, &e) == 0)
		for (i = 0; i < t.n; i++)
			if (strcmp(t.v[i].part, f->partarg) == 0) {
				found = 1;
				if (!t.v[i].multipart && !t.v[i].message)
					pp->enc = xfer_enc_parse(
					    t.v[i].encoding);
			}
	mime_tree_free(&t);
	return found ? pp : NULL;
}

/*
 * Before a literal: stream it when it is the body we asked for and its
 * message's UID is known; else let the parser buffer it.
 */
static struct imap_sink *
choose_sink(void *ctx, const struct imap_resp *r, const struct imap_arg *parent,
    uint64_t size)
{
	struct fetch *f = ctx;
	const struct imap_arg *items, *last, *a;
	const char *sec, *name;
	struct plan_part *pp = NULL;
	size_t seclen, n = 0;
	uint32_t uid;

	(void)size;
	/* Not the mailbox's: buffered, and dropped by on_fetch. */
	if (uidfetch_not_ours(&f->uf, r))
		return NULL;
	if (r->kind != IMAP_UNTAGGED || r->nargs < 3 ||
	    !imap_arg_is(r->args->next, "FETCH") ||
	    parent != r->args->next->next)
		return NULL;
	items = parent->list;
	for (a = items, last = NULL; a != NULL; a = a->next, n++)
		last = a;
	/* The literal is the value of the last item name. */
	if (last == NULL || n % 2 != 1 || !imap_arg_atom(last, &name) ||
	    !section_of(name, &sec, &seclen) || !msg_uid(items, &uid) ||
	    !asked_for(f, uid))
		return NULL;
	switch (f->mode) {
	case M_RAW:
		if (seclen != 0)
			return NULL;
		break;
	case M_PART:
		if (strlen(f->partarg) != seclen ||
		    strncmp(f->partarg, sec, seclen) != 0)
			return NULL;
		pp = part_from_structure(f, msg_item(items, "BODYSTRUCTURE"),
		    &f->part_pp);
		if (pp == NULL)
			return NULL;
		break;
	case M_TEXT:
	case M_ATTACHMENTS:
		if ((pp = plan_part_of(f, uid, sec, seclen)) == NULL)
			return NULL;
		break;
	default:
		return NULL;
	}
	body_begin(f, uid, pp, items);
	f->body.sink.write = sink_write;
	f->body.sink.end = sink_end;
	f->body.sink.ctx = f;
	return &f->body.sink;
}

/* A body the parser buffered: the same path, all at once. */
static int
buffered_body(struct fetch *f, uint32_t uid, struct plan_part *pp,
    const struct imap_arg *v, const struct imap_arg *items)
{
	if (v == NULL || v->type != IMAP_STRING)
		return 0;
	body_begin(f, uid, pp, items);
	if (body_write(f, v->s, v->len, f->e) < 0)
		return -1;
	return body_end(f, f->e);
}

/* Records --------------------------------------------------------------- */

static void
fetch_summary(struct fetch *f, uint32_t uid, const struct imap_arg *items)
{
	struct summary sm = { f->em, f->s, f->mailbox, f->uidvalidity,
	    f->gmail, 0 };

	summary_emit(&sm, uid, items);
}

struct hdr_ctx {
	struct fetch	*f;
	uint32_t	 uid;
};

static int
on_header(void *ctx, const char *name, size_t nl, const char *v, size_t vl)
{
	struct hdr_ctx *h = ctx;
	struct fetch *f = h->f;
	struct buf b;

	buf_init(&b, HDR_FIELD_MAX * 2);
	rfc2047_decode(v, vl, &b);
	emit_record_begin(f->em, "header");
	emit_uint(f->em, "uid", h->uid);
	emit_strn(f->em, "name", name, nl);
	emit_str(f->em, "value", b.s);
	emit_str(f->em, "mailbox", f->mailbox);
	emit_uint(f->em, "uidvalidity", f->uidvalidity);
	emit_record_end(f->em);
	buf_free(&b);
	return 0;
}

static void
emit_headers(struct fetch *f, uint32_t uid, const struct imap_arg *v)
{
	struct hdr_split hs;
	struct hdr_ctx h = { f, uid };

	if (v == NULL || v->type != IMAP_STRING)
		return;
	hdr_split_init(&hs, on_header, &h);
	hdr_split_feed(&hs, v->s, v->len);
	hdr_split_finish(&hs);
	hdr_split_free(&hs);
	f->records++;
}

static void
emit_structure(struct fetch *f, uint32_t uid, const struct imap_arg *bs)
{
	struct mime_tree t;
	struct buf fn;
	struct err e;
	size_t i;

	mime_tree_init(&t);
	if (mime_parse(bs, &t, &e) < 0) {
		err_prefix(&e, "message UID %u", uid);
		cmd_fail(f->ctx, &e);
		mime_tree_free(&t);
		return;
	}
	buf_init(&fn, MIME_PARAM_MAX * 2);
	for (i = 0; i < t.n; i++) {
		const struct mime_part *p = &t.v[i];

		emit_record_begin(f->em, "part");
		emit_uint(f->em, "uid", uid);
		emit_str(f->em, "part", p->part);
		emit_uint(f->em, "depth", p->depth);
		emit_str(f->em, "type", p->type);
		emit_str(f->em, "subtype", p->subtype);
		emit_nstr_clean(f->em, "charset", p->charset);
		emit_str(f->em, "encoding", p->multipart || !p->encoding[0] ?
		    NULL : p->encoding);
		if (p->multipart)
			emit_null(f->em, "size");
		else
			emit_uint(f->em, "size", p->size);
		buf_reset(&fn);
		if (mime_filename(p, &fn) > 0)
			emit_str(f->em, "filename", fn.s);
		else
			emit_null(f->em, "filename");
		emit_str(f->em, "disposition", p->disposition[0] != '\0' ?
		    p->disposition : NULL);
		emit_str(f->em, "mailbox", f->mailbox);
		emit_uint(f->em, "uidvalidity", f->uidvalidity);
		emit_record_end(f->em);
	}
	f->records++;
	buf_free(&fn);
	mime_tree_free(&t);
}

/*
 * --text and --attachments: what to fetch of message uid, from its
 * structure (lib/uidwin.h asks for it).
 */
static void
plan_message(void *arg, struct uidwin_msg *m, uint32_t uid,
    const struct imap_arg *bs)
{
	struct fetch *f = arg;
	struct mime_tree t;
	const struct mime_part *p;
	struct plan_part *pp;
	struct buf fn, clean;
	struct err e;
	char fallback[MIME_PART_MAX + 32];
	size_t i;

	mime_tree_init(&t);
	if (mime_parse(bs, &t, &e) < 0) {
		err_prefix(&e, "message UID %u", uid);
		cmd_fail(f->ctx, &e);
		mime_tree_free(&t);
		return;
	}
	if (f->mode == M_TEXT) {
		if ((p = mime_best_text(&t)) != NULL) {
			pp = xcalloc(1, sizeof(*pp));
			snprintf(pp->part, sizeof(pp->part), "%s", p->part);
			pp->enc = xfer_enc_parse(p->encoding);
			pp->charset = p->charset ? xstrdup(p->charset) : NULL;
			pp->html = strcmp(p->subtype, "html") == 0;
			uidwin_want(m, pp->part, pp);
		}
		mime_tree_free(&t);
		return;
	}
	buf_init(&fn, MIME_PARAM_MAX * 2);
	buf_init(&clean, MIME_FILENAME_MAX * 2);
	for (i = 0; i < t.n; i++) {
		p = &t.v[i];
		if (!mime_is_attachment(p) || (p->in_attachment))
			continue;
		pp = xcalloc(1, sizeof(*pp));
		snprintf(pp->part, sizeof(pp->part), "%s", p->part);
		pp->enc = p->message ? XFER_IDENTITY :
		    xfer_enc_parse(p->encoding);
		buf_reset(&fn);
		buf_reset(&clean);
		mime_filename(p, &fn);
		snprintf(fallback, sizeof(fallback), "%u-%s%s", uid,
		    p->part, p->message ? ".eml" : ".bin");
		mime_sanitize_filename(fn.s, fn.len, fallback, &clean);
		pp->filename = xstrdup(clean.s);
		buf_reset(&fn);
		/* Each is shorter than MIME_TOKEN_MAX: nothing is cut. */
		buf_putf(&fn, "%s/%s", p->type, p->subtype);
		pp->type = xstrdup(fn.s);
		uidwin_want(m, pp->part, pp);
	}
	buf_free(&fn);
	buf_free(&clean);
	mime_tree_free(&t);
}

/*
 * SEARCH and ESEARCH: fetch asks for them (which UIDs exist, for --text
 * and --attachments), so it reads them with care wherever they come, and
 * keeps those of its own search. 1 when r is one, -1 when it is
 * malformed: the server's fault (76).
 */
static int
take_found(struct fetch *f, const struct imap_resp *r, struct err *e)
{
	/* Not ours: read all the same, to know it holds together. */
	return search_take_uids(r, f->searching ? &f->listed : NULL, e);
}

/* Every untagged response while fetching. */
/* --maildir --------------------------------------------------------- */

/*
 * A message's file is complete: its name from the FLAGS and INTERNALDATE
 * of its FETCH response, wherever in it they came.
 */
static int
maildir_name(struct fetch *f, uint32_t uid, const struct imap_arg *items)
{
	const struct imap_arg *a;
	const char *atom;
	struct buf flags;
	time_t idate = -1;
	int r;

	f->md_uid = 0;
	buf_init(&flags, FETCH_FLAGS_MAX);
	a = msg_item(items, "INTERNALDATE");
	if (a != NULL && a->type == IMAP_STRING)
		idate = date_parse_internal(a->s, a->len);
	a = msg_item(items, "FLAGS");
	if (a != NULL && a->type == IMAP_LIST)
		for (a = a->list; a != NULL; a = a->next)
			/* A flag that does not fit is left out, not cut. */
			if (imap_arg_atom(a, &atom) &&
			    buf_addf(&flags, "%s%s", flags.len ? " " : "",
			    atom) < 0)
				continue;
	r = maildir_out_finish(f->md, idate, f->uidvalidity, uid, flags.s,
	    f->e);
	buf_free(&flags);
	if (r < 0 && f->e->kind != ERR_CANTCREAT)
		return -1;
	/* A file that could not be written is said; the others go on. */
	if (r < 0) {
		err_prefix(f->e, "message UID %u", uid);
		cmd_fail(f->ctx, f->e);
	}
	err_clear(f->e);
	return 0;
}

/* A commit reports each file once it is on disk. */
static void
maildir_done(void *arg, uint32_t uid, const char *path, uint64_t size,
    const struct err *e)
{
	struct fetch *f = arg;
	struct err fe;

	if (e != NULL) {
		fe = *e;
		err_prefix(&fe, "message UID %u", uid);
		cmd_fail(f->ctx, &fe);
		return;
	}
	emit_record_begin(f->em, "file");
	emit_uint(f->em, "uid", uid);
	emit_str(f->em, "file", path);
	emit_uint(f->em, "size", size);
	emit_str(f->em, "mailbox", f->mailbox);
	emit_uint(f->em, "uidvalidity", f->uidvalidity);
	emit_bool(f->em, "skipped", 0);
	emit_record_end(f->em);
	progress_add(f->ctx->progress, 1);
}

/* LIST's answer: the mailbox's hierarchy delimiter. */
static int
on_list(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct mbox_list ml;
	char *delim = ctx;

	(void)s;
	(void)e;
	if (mbox_parse_list(r, &ml) && ml.delim != NULL)
		*delim = ml.delim[0];
	return 0;
}

/*
 * The mailbox's Maildir++ folder under --maildir, opened for writing, and
 * the UIDs an earlier run wrote there taken out of set. A folder that
 * holds messages of another UIDVALIDITY is refused: those UIDs name other
 * messages, and the two must not be mixed.
 */
static int
maildir_prepare(struct fetch *f, struct uidset *set)
{
	struct sess_scope sc = { on_list, NULL, NULL, NULL };
	struct sess_reply rep;
	struct uidset have, rest;
	struct buf folder, rel;
	uint32_t other;
	char delim = 0;
	int rc = 0;

	sc.ctx = &delim;
	/* --in listed the mailbox already. */
	if (f->in)
		delim = f->delim;
	else if (sess_call(f->s, &sc, &rep, f->e, "LIST \"\" %M",
	    f->mailbox) < 0 || sess_reply_check(&rep, f->e) < 0)
		return cmd_fail(f->ctx, f->e);
	buf_init(&folder, FETCH_PATH_MAX);
	uidset_init(&have);
	uidset_init(&rest);
	buf_init(&rel, FETCH_PATH_MAX);
	if (maildir_folder_name(f->mailbox, delim, &rel, f->e) < 0) {
		buf_free(&rel);
		rc = cmd_fail(f->ctx, f->e);
		goto out;
	}
	if (buf_addf(&folder, "%s%s%s", f->mddir, rel.len > 0 ? "/" : "",
	    rel.s) < 0) {
		rc = cmd_failf(f->ctx, ERR_USAGE, "path too long: '%s/%s'",
		    f->mddir, rel.s);
		buf_free(&rel);
		goto out;
	}
	buf_free(&rel);
	if (maildir_scan(folder.s, f->uidvalidity, &have, &other, f->e) < 0) {
		rc = cmd_fail(f->ctx, f->e);
		goto out;
	}
	if (other != 0) {
		rc = cmd_failf(f->ctx, ERR_DATA, "'%s' holds messages of "
		    "'%s' with UIDVALIDITY %u, but the mailbox's is now %u: "
		    "its UIDs name other messages. Nothing was written; "
		    "move that folder aside or name another directory",
		    folder.s, f->mailbox, other, f->uidvalidity);
		goto out;
	}
	/* What is there already counts as found. */
	uidset_intersect(set, &have, &rest);
	uidset_merge(&f->answered, &rest);
	uidset_clear(&rest);
	uidset_subtract(set, &have, &rest);
	uidset_clear(set);
	uidset_merge(set, &rest);
	if (set->n > 0 && (f->md = maildir_out_open(folder.s, maildir_done,
	    f, f->e)) == NULL)
		rc = cmd_fail(f->ctx, f->e);
out:
	buf_free(&folder);
	uidset_free(&have);
	uidset_free(&rest);
	return rc;
}


static int
on_fetch(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct fetch *f = ctx;
	const struct imap_arg *items, *a, *v;
	struct plan_part *pp;
	const char *name, *sec;
	size_t seclen;
	uint32_t seq, uid;

	(void)s;
	if (uidfetch_not_ours(&f->uf, r))
		return 0;
	switch (take_found(f, r, e)) {
	case -1:
		return -1;
	case 1:
		return 0;
	}
	if (!msg_fetch_items(r, &seq, &items) || !msg_uid(items, &uid) ||
	    !asked_for(f, uid))
		return 0;
	if ((msg_item(items, "ENVELOPE") != NULL ||
	    msg_item(items, "BODYSTRUCTURE") != NULL ||
	    msg_item_prefix(items, "BODY[", NULL) != NULL) &&
	    uidset_contains(&f->singles, uid))
		uidset_add(&f->answered, uid, uid);
	switch (f->mode) {
	case M_SUMMARY:
		if (msg_item(items, "ENVELOPE") == NULL)
			return 0;
		emit_record_begin(f->em, "message");
		fetch_summary(f, uid, items);
		emit_record_end(f->em);
		f->records++;
		break;
	case M_HEADERS:
		if ((v = msg_item_prefix(items, "BODY[", NULL)) != NULL)
			emit_headers(f, uid, v);
		break;
	case M_STRUCTURE:
		if ((v = msg_item(items, "BODYSTRUCTURE")) != NULL)
			emit_structure(f, uid, v);
		break;
	case M_RAW:
		if ((v = msg_item_prefix(items, "BODY[", NULL)) == NULL)
			return 0;
		if (buffered_body(f, uid, NULL, v, items) < 0)
			return -1;
		if (f->md != NULL && f->md_uid == uid)
			return maildir_name(f, uid, items);
		break;
	case M_PART:
		if ((v = msg_item_prefix(items, "BODY[", NULL)) == NULL)
			return 0;
		pp = part_from_structure(f, msg_item(items, "BODYSTRUCTURE"),
		    &f->part_pp);
		if (v->type == IMAP_NIL || pp == NULL) {
			cmd_failf(f->ctx, ERR_UNAVAILABLE, "message UID %u has "
			    "no part %s", uid, f->partarg);
			return 0;
		}
		if (buffered_body(f, uid, pp, v, items) < 0)
			return -1;
		break;
	case M_TEXT:
	case M_ATTACHMENTS:
		/* Structures went to plan_message. */
		if (f->win == NULL || !uidwin_holds(f->win, uid))
			return 0;
		/* Bodies the parser buffered. */
		for (a = items; a != NULL && a->next != NULL;
		    a = a->next->next) {
			if (!imap_arg_atom(a, &name) ||
			    !section_of(name, &sec, &seclen) ||
			    a->next->type != IMAP_STRING ||
			    (pp = plan_part_of(f, uid, sec, seclen)) == NULL)
				continue;
			if (buffered_body(f, uid, pp, a->next, items) < 0)
				return -1;
		}
		if (f->mode == M_TEXT && msg_item(items, "ENVELOPE") != NULL) {
			emit_record_begin(f->em, "message");
			fetch_summary(f, uid, items);
			/*
			 * Only this message's own text: a server may send a
			 * message's text in a FETCH response of its own, even
			 * after the summary.
			 */
			if (f->text_set && f->text_uid == uid) {
				while (f->text.len > 0 &&
				    (f->text.s[f->text.len - 1] == '\n' ||
				    f->text.s[f->text.len - 1] == ' '))
					f->text.len--;
				f->text.s[f->text.len] = '\0';
				emit_str(f->em, "text", f->text.s);
			} else
				emit_null(f->em, "text");
			emit_record_end(f->em);
			f->text_set = 0;
			buf_reset(&f->text);
			f->records++;
		}
		break;
	}
	return 0;
}

/* Single-phase modes: pipelined chunks -------------------------------- */

/*
 * A group of commands ended (lib/uidfetch.h): its refusal is reported,
 * naming the UIDs.
 */
static int
fetch_ended(void *arg, const char *text, const struct err *refusal,
    int answered, struct err *e)
{
	struct fetch *f = arg;
	struct err ce;

	(void)answered;
	(void)e;
	if (refusal->kind != ERR_NONE) {
		ce = *refusal;
		err_prefix(&ce, "fetching UIDs %.200s%s", text,
		    strlen(text) > 200 ? "..." : "");
		cmd_fail(f->ctx, &ce);
	}
	return 0;
}

/* --in: the mailbox did not open, or is not the one searched. */
static void
fetch_failed(void *arg, const struct err *why)
{
	struct fetch *f = arg;

	cmd_fail(f->ctx, why);
}

static void
engine_init(struct fetch *f)
{
	f->cb.ended = fetch_ended;
	f->cb.failed = fetch_failed;
	f->cb.arg = f;
	uidfetch_init(&f->uf, f->s, &f->cb);
}

/*
 * The sets come from set in chunks, or, with next, from the caller one
 * after the other (next returns 1 with a set in its buffer, 0 at the end);
 * the pipeline keeps UIDFETCH_INFLIGHT chunks in flight.
 */
static int
run_chunks(struct fetch *f, const struct uidset *set, fetch_next_fn next,
    void *arg)
{
	const char *peek = "BODY.PEEK";
	char items[256];

	switch (f->mode) {
	case M_SUMMARY:
		snprintf(items, sizeof(items), SUMMARY_ITEMS "%s",
		    f->gmail ? " X-GM-LABELS" : "");
		break;
	case M_HEADERS:
		snprintf(items, sizeof(items), "UID %s[HEADER]", peek);
		break;
	case M_RAW:
		snprintf(items, sizeof(items), "UID FLAGS INTERNALDATE %s[]",
		    peek);
		break;
	case M_STRUCTURE:
		snprintf(items, sizeof(items), "UID BODYSTRUCTURE");
		break;
	case M_PART:
		snprintf(items, sizeof(items), "UID BODYSTRUCTURE %s[%s]", peek,
		    f->partarg);
		break;
	default:
		return err_set(f->e, ERR_INTERNAL, "bad fetch mode");
	}
	return uidfetch_chunks(&f->uf, f->p, set, next, arg, items,
	    f->mark_seen, f->e);
}

/* --text and --attachments: windows ------------------------------------ */

/* A part's plan, when its window goes. */
static void
plan_release(void *arg, void *data)
{
	struct plan_part *pp = data;

	(void)arg;
	free(pp->charset);
	free(pp->filename);
	free(pp->type);
	free(pp);
}

/* A window's last command ended: --attachments counts its messages. */
static void
window_done(void *arg, size_t n, int answered)
{
	struct fetch *f = arg;

	if (answered && f->mode == M_ATTACHMENTS)
		progress_add(f->ctx->progress, n);
}

/*
 * The UIDs that exist, of those asked for: a server whose SEARCH answers
 * more (one that ignores the UID key, say) must not make us fetch and
 * save other messages.
 */
static void
keep_asked(struct fetch *f, const struct uidset *set)
{
	struct uidset asked, in;

	if (f->found.n == 0)
		return;
	uidset_init(&asked);
	uidset_merge(&asked, set);
	/* "*" and "n:*" reach the highest UID there is. */
	uidset_resolve_star(&asked, f->found.r[f->found.n - 1].hi);
	uidset_init(&in);
	uidset_intersect(&f->found, &asked, &in);
	uidset_free(&asked);
	uidset_free(&f->found);
	f->found = in;
}

static int
on_found(void *ctx, struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct fetch *f = ctx;

	(void)s;
	if (uidfetch_not_ours(&f->uf, r))
		return 0;
	return take_found(f, r, e) < 0 ? -1 : 0;
}

/* The UIDs of set that exist, into f->found, a chunk of set at a time. */
static int
find_existing(struct fetch *f, const struct uidset *set)
{
	struct sess_scope sc = { on_found, NULL, NULL, NULL };
	struct uidfetch_group *g;
	struct sess_pipe *p;
	struct buf chunk;
	size_t pos = 0;
	int r = 0;

	sc.ctx = f;
	f->searching = 1;
	p = sess_pipe_begin(f->s, &sc, UIDFETCH_INFLIGHT);
	buf_init(&chunk, UIDSET_CHUNK * 2);
	while (r == 0 && !uidfetch_box_bad(&f->uf) &&
	    uidset_next_chunk(set, &pos, &chunk) > 0) {
		g = uidfetch_group(&f->uf, chunk.s);
		r = uidfetch_send(g, p, 1, f->e, sess_has_cap(f->s, "ESEARCH") ?
		    "UID SEARCH RETURN (ALL) UID %S" : "UID SEARCH UID %S",
		    chunk.s);
		uidfetch_idle(g);
	}
	buf_free(&chunk);
	r = sess_pipe_end(p, r, f->e);
	f->searching = 0;
	return r;
}

/*
 * The UIDs of set that exist, then their windows (lib/uidwin.h): each
 * message's structure goes to plan_message, which chooses its parts;
 * the responses to on_fetch and choose_sink (sc). --text asks each run
 * of messages for their summary with the text part they share (its
 * first TEXT_MAX bytes); --attachments each message for its parts.
 */
static int
run_windows(struct fetch *f, const struct uidset *set,
    const struct sess_scope *sc)
{
	struct uidwin_opts o;
	struct uidwin_cb cb = { plan_message, plan_release, window_done,
	    NULL };
	char items[256], partial[32];
	int r;

	if ((r = find_existing(f, set)) < 0)
		return -1;
	if (uidfetch_box_bad(&f->uf))
		return 0;
	uidlist_into(&f->listed, &f->found);
	keep_asked(f, set);
	if (!f->in)
		progress_set_total(f->ctx->progress, uidset_count(&f->found));
	memset(&o, 0, sizeof(o));
	if (f->mode == M_TEXT) {
		snprintf(items, sizeof(items), SUMMARY_ITEMS "%s",
		    f->gmail ? " X-GM-LABELS" : "");
		snprintf(partial, sizeof(partial), "<0.%u>", TEXT_MAX);
		o.every = 1;
	} else {
		snprintf(items, sizeof(items), "UID");
		partial[0] = '\0';
	}
	o.items = items;
	o.partial = partial;
	o.mark_seen = f->mark_seen;
	cb.arg = f;
	f->win = uidwin_new(&f->uf, &o, &cb);
	r = uidwin_run(f->win, &f->found, sc, f->e);
	uidwin_free(f->win);
	f->win = NULL;
	return r;
}

/* Files of --save ------------------------------------------------------- */

/*
 * --save names a message's file after the mailbox (made safe as a file
 * name), its UIDVALIDITY and its UID: "INBOX-1700000001-42.eml", and
 * "-42-2" for --part 2. The name says which message the file holds, so a
 * later run knows what is saved, mailboxes may share a directory, and a
 * mailbox made anew (another UIDVALIDITY) never meets the old files.
 */
static char *
save_prefix(const struct fetch *f)
{
	struct buf b;
	char *p;

	buf_init(&b, MIME_FILENAME_MAX * 2);
	mime_sanitize_filename(f->mailbox, strlen(f->mailbox), "mailbox", &b);
	/* "-", ten digits at most, "-": never cut. */
	p = xmalloc(b.len + 16);
	snprintf(p, b.len + 16, "%s-%u-", b.s, f->uidvalidity);
	buf_free(&b);
	return p;
}

/* The UID of a --save file name of this mailbox and epoch, else 0. */
static uint32_t
saved_uid(const struct fetch *f, const char *name)
{
	size_t n = strlen(f->save_prefix), d;
	uint64_t uid;
	const char *rest;

	if (strncmp(name, f->save_prefix, n) != 0)
		return 0;
	rest = name + n;
	d = strspn(rest, "0123456789");
	if (d == 0 || !imap_parse_u64(rest, d, &uid) || uid == 0 ||
	    uid >= UIDSET_STAR)
		return 0;
	if (f->mode == M_RAW ? strcmp(rest + d, ".eml") != 0 :
	    rest[d] != '-' || strcmp(rest + d + 1, f->partarg) != 0)
		return 0;
	return (uint32_t)uid;
}

/*
 * A file of --save is renamed into place only once complete and on disk:
 * one that is there holds its message whole. A later run (without
 * --force) does not fetch those messages again; their records say
 * "skipped", for those still in the mailbox. set loses them.
 */
static int
skip_saved(struct fetch *f, struct uidset *set)
{
	struct uidset saved, skip, there, rest;
	struct uidlist list;
	struct dirent *de;
	struct saved sv;
	char name[MIME_FILENAME_MAX + 64];
	uint64_t size;
	uint32_t uid;
	size_t i;
	struct err e;
	DIR *dp;
	int rc = 0;

	if ((dp = opendir(f->dir)) == NULL)
		return cmd_failf(f->ctx, ERR_CANTCREAT, "cannot open directory "
		    "'%s': %s", f->dir, strerror(errno));
	uidlist_init(&list);
	while ((de = readdir(dp)) != NULL)
		if ((uid = saved_uid(f, de->d_name)) != 0 &&
		    outdir_has(f->od, de->d_name, &size) &&
		    uidlist_add(&list, uid, uid, &e) < 0)
			break;	/* the rest is fetched again */
	closedir(dp);
	uidset_init(&saved);
	uidset_init(&skip);
	uidset_init(&there);
	uidset_init(&rest);
	uidlist_into(&list, &saved);
	uidset_intersect(set, &saved, &skip);
	/*
	 * Which of them are still there. --in: the search found them a
	 * moment ago, and the mailbox is not even open yet.
	 */
	if (skip.n > 0 && f->in)
		uidset_merge(&there, &skip);
	else if (skip.n > 0)
		rc = msgset_existing(f->ctx, &skip, &there);
	if (skip.n > 0 && rc == 0) {
		memset(&sv, 0, sizeof(sv));
		sv.part = f->partarg ? xstrdup(f->partarg) : NULL;
		for (i = 0; i < there.n; i++)
			for (uid = there.r[i].lo; ; uid++) {
				snprintf(name, sizeof(name), f->mode == M_RAW ?
				    "%s%u.eml" : "%s%u-%s", f->save_prefix,
				    uid, f->partarg);
				sv.uid = uid;
				if (outdir_has(f->od, name, &size))
					emit_file(f, &sv, name, size, 1);
				if (uid == there.r[i].hi)
					break;
			}
		free(sv.part);
		/* Named, there, and saved: found. */
		uidset_merge(&f->answered, &there);
		uidset_subtract(set, &skip, &rest);
		uidset_free(set);
		*set = rest;
		uidset_init(&rest);
	}
	uidlist_free(&list);
	uidset_free(&saved);
	uidset_free(&skip);
	uidset_free(&there);
	uidset_free(&rest);
	return rc;
}

static void
commit_files(struct fetch *f)
{
	struct err e;

	err_clear(&e);
	if (f->od != NULL)
		outdir_commit(f->od, &e);	/* file_done said what failed */
}

/* The command ------------------------------------------------------------ */

static int
valid_part(const char *s)
{
	size_t i;

	if (*s == '\0' || *s == '.' || strlen(s) >= MIME_PART_MAX - 1)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!(s[i] >= '0' && s[i] <= '9') && !(s[i] == '.' &&
		    s[i + 1] >= '1' && s[i + 1] <= '9'))
			return 0;
	return s[0] != '0';
}

static int
pick_mode(struct ctx *ctx, struct fetch *f)
{
	const char *chosen, *other;

	opt_mode_names(fetch_opts, &opt.mode, &chosen, &other);
	if (other != NULL)
		return cmd_usage(ctx, "--%s and --%s cannot be "
		    "combined", chosen, other);
	f->mode = (enum mode)opt.mode.value;	/* M_SUMMARY by default */
	if (f->mode == M_PART) {
		f->partarg = opt.part;
		if (!valid_part(f->partarg))
			return cmd_usage(ctx, "bad part number "
			    "'%s': use numbers such as 1 or 2.1", f->partarg);
	}
	if (opt.maildir != NULL) {
		if (f->mode != M_SUMMARY && f->mode != M_RAW)
			return cmd_usage(ctx, "--maildir and --%s "
			    "cannot be combined", chosen);
		if (opt.save != NULL)
			return cmd_usage(ctx, "--maildir and --save "
			    "cannot be combined");
		f->mode = M_RAW;
		f->mddir = opt.maildir;
	}
	if (opt.save != NULL && f->mode != M_RAW && f->mode != M_PART)
		return cmd_usage(ctx, "--save goes with --raw or "
		    "--part");
	if (opt.force && opt.save == NULL && f->mode != M_ATTACHMENTS)
		return cmd_usage(ctx, "--force goes with --save or "
		    "--attachments");
	f->dir = f->mode == M_ATTACHMENTS ? opt.attachments : opt.save;
	return 0;
}

/*
 * What --in does not go with: a UID set, "-" and --uidvalidity name the
 * messages of one mailbox, and the bytes of parts of many messages on
 * standard output could not be told apart. 0 or 64 after saying why.
 */
static int
check_in(int argc, char **argv, struct ctx *ctx, const struct fetch *f)
{
	struct search_query *q = NULL;
	struct err e;
	int stdin_uids = 0;

	if (common_opts.uidvalidity != 0)
		return cmd_usage(ctx, "--uidvalidity guards one "
		    "mailbox; with --in each record carries its own");
	if (!msgset_by_query(ctx) && argc > 0 && strcmp(argv[0], "all") != 0)
		return cmd_usage(ctx, "with --in, name the messages "
		    "with 'all' or --query: '%s' names messages of one "
		    "mailbox", argv[0]);
	if (msgset_by_query(ctx)) {
		const char *query = common_opts.query;

		err_clear(&e);
		if (search_compile(&query, 1, 1, 0, time(NULL), &q, &e) == 0)
			stdin_uids = search_wants_stdin(q);
		search_free(q);
		if (stdin_uids)
			return cmd_usage(ctx, "uid:- names UIDs of "
			    "one mailbox: not with --in");
	}
	if (f->mode == M_PART && f->dir == NULL)
		return cmd_usage(ctx, "--part with --in needs "
		    "--save DIR");
	return 0;
}

int
check_fetch(int argc, char **argv, struct ctx *ctx)
{
	struct fetch f;
	struct stat st;
	int rc, err, in = common_opts.in.n > 0;

	if ((rc = msgset_check(ctx, argc, argv, !in, 0)) != 0)
		return rc;
	memset(&f, 0, sizeof(f));
	if ((rc = pick_mode(ctx, &f)) != 0)
		return rc;
	if (in && (rc = check_in(argc, argv, ctx, &f)) != 0)
		return rc;
	/* A directory that is not there is no reason to connect. */
	if (f.dir == NULL)
		return 0;
	err = stat(f.dir, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (err == 0)
		return 0;
	return cmd_failf(ctx, ERR_CANTCREAT, "cannot open directory '%s': %s",
	    f.dir, strerror(err));
}

/*
 * What was named by its UID and not fetched: what the server refused to
 * fetch or search (throttled, say) is named as such, with the refusal's
 * status; the rest of it is not there (have: what the server answered
 * for, or for --text and --attachments what their UID SEARCH found).
 */
static void
report_missing(struct fetch *f, const struct uidset *have)
{
	struct uidset named, refused, known;

	uidset_init(&named);
	uidset_init(&refused);
	uidset_init(&known);
	uidset_intersect(&f->singles, &f->uf.refused, &named);
	uidset_subtract(&named, have, &refused);
	msgset_name_uids(f->ctx, f->uf.refused_kind, "not fetched", "from",
	    f->mailbox, " (the server refused)", &refused);
	uidset_merge(&known, have);
	uidset_merge(&known, &refused);
	msgset_not_found(f->ctx, f->mailbox, &f->singles, &known, 1);
	uidset_free(&named);
	uidset_free(&refused);
	uidset_free(&known);
}

/*
 * Fetch set from the selected mailbox f->mailbox as the mode says: what
 * --save or --maildir wrote before is skipped, the rest fetched in
 * chunks or windows, pipelined; then what was named one by one and is
 * not there is reported. Returns 0 or the exit status (error printed).
 */
static int
fetch_set(struct fetch *f, struct uidset *set, uint32_t exists)
{
	struct ctx *ctx = f->ctx;
	struct sess_scope sc = { on_fetch, choose_sink, NULL, NULL };
	uint64_t before, total, skipped;
	int rc = 0, r;

	uidset_clear(&f->found);
	uidlist_free(&f->listed);
	uidset_clear(&f->answered);
	free(f->save_prefix);
	f->save_prefix = NULL;
	f->asked = set;
	before = uidset_count(set);
	if (f->dir != NULL && f->mode != M_ATTACHMENTS) {
		f->save_prefix = save_prefix(f);
		if (!f->force && (rc = skip_saved(f, set)) != 0)
			return rc;
	}
	if (f->mddir != NULL && ((rc = maildir_prepare(f, set)) != 0 ||
	    set->n == 0)) {
		if (rc == 0)
			msgset_not_found(ctx, f->mailbox, &f->singles,
			    &f->answered, 1);
		return rc ? rc : ctx->status;
	}
	if (f->mode == M_PART && !f->single && f->dir == NULL)
		return cmd_usage(ctx, "--part of several messages "
		    "needs --save DIR");
	if ((f->mode == M_RAW || f->mode == M_PART) && f->dir == NULL &&
	    f->mddir == NULL && !f->in)
		emit_detach(f->em);
	/* Long work that writes files: a progress line. */
	if (f->in) {
		/* One line for every mailbox: what was there is done. */
		progress_add(ctx->progress, before - uidset_count(set));
	} else if (f->dir != NULL || f->mddir != NULL) {
		/*
		 * "all" is 1:*: at most what the mailbox holds, less what
		 * an earlier run saved.
		 */
		total = uidset_count(set);
		skipped = before - total;
		if (exists >= skipped && total > exists - skipped)
			total = exists - skipped;
		cmd_progress_begin(ctx, "messages", total);
	}
	sc.ctx = f;
	if (f->mode == M_TEXT || f->mode == M_ATTACHMENTS)
		r = run_windows(f, set, &sc);
	else {
		f->p = sess_pipe_begin(f->s, &sc,
		    uidfetch_limit(f->mark_seen));
		r = run_chunks(f, set, NULL, NULL);
		r = sess_pipe_end(f->p, r, f->e);
		f->p = NULL;
	}
	if (r < 0) {
		body_abort(f);
		/* What is complete is saved and reported all the same. */
		commit_files(f);
		rc = cmd_fail(ctx, f->e);
		if (f->md != NULL)
			(void)maildir_out_commit(f->md, f->e);
		return rc;
	}
	commit_files(f);
	if (f->md != NULL && maildir_out_commit(f->md, f->e) < 0)
		err_clear(f->e);		/* each failure was reported */
	maildir_out_free(f->md);
	f->md = NULL;
	report_missing(f, f->mode == M_TEXT || f->mode == M_ATTACHMENTS ?
	    &f->found : &f->answered);
	return ctx->status;
}

/*
 * fetch --in PATTERN...: the mailboxes listed and searched as search
 * --in does (lib/multi.h), then each mailbox with matches selected in
 * turn (its UIDVALIDITY must still be the one searched) and its messages
 * fetched as one mailbox's are. --raw to standard output makes one
 * mboxrd stream of them all; --save names files after their mailbox;
 * --maildir writes each mailbox into its own Maildir++ folder.
 */
static int
fetch_in(struct fetch *f, const char *set_arg)
{
	struct ctx *ctx = f->ctx;
	const struct opt_list *in = &common_opts.in;
	const struct sess_mailbox *sel;
	struct search_query *q = NULL;
	struct multi_box *b;
	struct multi m;
	struct uidset set;
	const char *all = "all", *query;
	uint64_t total = 0;
	size_t i;
	int rc = 0, pipelined;

	multi_init(&m);
	uidset_init(&set);
	query = set_arg == NULL ? common_opts.query : all;
	if ((rc = msgset_compile(ctx, NULL, &query, 1, 1, &q)) != 0)
		return rc;
	if (multi_list(f->s, in->v, in->n, &m, f->e) < 0 ||
	    multi_search(f->s, &m, q, 0, NULL, 0, f->e) < 0) {
		rc = cmd_fail(ctx, f->e);
		goto out;
	}
	if ((rc = search_in_unmatched(ctx, &m)) != 0)
		goto out;
	for (i = 0; i < m.n; i++) {
		if (m.v[i].err.kind != ERR_NONE)
			cmd_fail(ctx, &m.v[i].err);
		total += uidset_count(&m.v[i].found);
	}
	if ((f->mode == M_RAW || f->mode == M_PART) && f->dir == NULL &&
	    f->mddir == NULL)
		emit_detach(f->em);
	if (f->dir != NULL || f->mddir != NULL)
		cmd_progress_begin(ctx, "messages", total);
	/*
	 * Each mailbox's EXAMINE goes in the same write as its first
	 * commands: no round trip of its own. Not with --mark-seen, whose
	 * STORE must never reach another mailbox than the one meant, nor
	 * with retries, which could send a refused EXAMINE again behind
	 * the FETCH that follows it.
	 */
	pipelined = !f->mark_seen && sess_options(f->s)->retries == 0;
	for (i = 0; i < m.n && rc == 0; i++) {
		b = &m.v[i];
		if (b->found.n == 0)
			continue;
		f->mailbox = b->name;
		f->uidvalidity = b->uidvalidity;
		f->delim = b->delim;
		uidfetch_begin(&f->uf, f->mailbox, f->uidvalidity);
		if (pipelined)
			uidfetch_examine(&f->uf, b->wire);
		else if (sess_select(f->s, b->name, !f->mark_seen, f->e) < 0) {
			cmd_fail(ctx, f->e);
			if (sess_broken(f->s))
				rc = ctx->status;
			continue;
		} else if ((sel = sess_selected(f->s))->uidvalidity !=
		    b->uidvalidity) {
			cmd_failf(ctx, ERR_DATA, "mailbox '%s' changed its "
			    "UIDVALIDITY from %u to %u while it was searched",
			    b->name, b->uidvalidity, sel->uidvalidity);
			continue;
		}
		uidset_clear(&set);
		uidset_merge(&set, &b->found);
		if (fetch_set(f, &set, b->exists) != 0 && sess_broken(f->s))
			rc = ctx->status;
	}
	f->mailbox = NULL;
out:
	uidset_free(&set);
	multi_free(&m);
	search_free(q);
	return rc ? rc : ctx->status;
}

int
cmd_fetch(int argc, char **argv, struct ctx *ctx)
{
	struct fetch f;
	struct uidset set;
	const struct sess_mailbox *m;
	const char *set_arg;
	int rc, in = common_opts.in.n > 0;

	if (msgset_operand(ctx, argc, argv, !in, 0, &set_arg) < 0)
		return ERR_USAGE;
	memset(&f, 0, sizeof(f));
	f.ctx = ctx;
	f.s = ctx->sess;
	f.em = ctx->emit;
	f.e = &ctx->err;
	f.in = in;
	f.mailbox = in ? NULL : argv[0];
	if ((rc = pick_mode(ctx, &f)) != 0)
		return rc;
	f.mark_seen = opt.mark_seen;
	f.force = opt.force;
	if (f.dir != NULL && (f.od = outdir_open(f.dir, f.force, file_done,
	    &f, f.e)) == NULL)
		return cmd_fail(ctx, f.e);
	uidset_init(&set);
	uidset_init(&f.found);
	uidset_init(&f.singles);
	uidset_init(&f.answered);
	engine_init(&f);
	buf_init(&f.text, TEXT_MAX);
	buf_init(&f.body.s1, STAGE_MAX);
	buf_init(&f.body.s2, STAGE_MAX);
	f.gmail = sess_has_cap(f.s, "X-GM-EXT-1");
	if (in) {
		rc = fetch_in(&f, set_arg);
		goto out;
	}
	if (sess_select(f.s, f.mailbox, !f.mark_seen, f.e) < 0) {
		rc = cmd_fail(ctx, f.e);
		goto out;
	}
	m = sess_selected(f.s);
	f.uidvalidity = m->uidvalidity;
	if ((rc = msgset_resolve(ctx, f.mailbox, set_arg, &set)) != 0)
		goto out;
	if (set.n == 0)
		goto out;
	f.single = f.mddir == NULL && uidset_count(&set) == 1;
	msgset_singles(ctx, set_arg, &set, &f.singles);
	uidfetch_begin(&f.uf, f.mailbox, f.uidvalidity);
	rc = fetch_set(&f, &set, m->exists);
out:
	body_abort(&f);
	maildir_out_free(f.md);
	outdir_free(f.od);
	free(f.save_prefix);
	buf_free(&f.text);
	buf_free(&f.body.s1);
	buf_free(&f.body.s2);
	uidset_free(&set);
	uidset_free(&f.found);
	uidlist_free(&f.listed);
	uidset_free(&f.singles);
	uidset_free(&f.answered);
	uidfetch_free(&f.uf);
	return rc;
}

int
fetch_summaries(struct ctx *ctx, const char *mailbox, fetch_next_fn next,
    void *arg)
{
	const struct sess_mailbox *m = sess_selected(ctx->sess);
	struct sess_scope sc = { on_fetch, choose_sink, NULL, NULL };
	struct fetch f;
	int r;

	memset(&f, 0, sizeof(f));
	f.ctx = ctx;
	f.s = ctx->sess;
	f.em = ctx->emit;
	f.e = &ctx->err;
	f.mode = M_SUMMARY;
	f.mailbox = mailbox;
	f.uidvalidity = m ? m->uidvalidity : 0;
	f.gmail = sess_has_cap(f.s, "X-GM-EXT-1");
	uidset_init(&f.found);
	engine_init(&f);
	uidfetch_begin(&f.uf, f.mailbox, f.uidvalidity);
	buf_init(&f.text, TEXT_MAX);
	buf_init(&f.body.s1, STAGE_MAX);
	buf_init(&f.body.s2, STAGE_MAX);
	sc.ctx = &f;
	f.p = sess_pipe_begin(f.s, &sc, uidfetch_limit(f.mark_seen));
	r = sess_pipe_end(f.p, run_chunks(&f, NULL, next, arg), f.e);
	body_abort(&f);
	buf_free(&f.text);
	buf_free(&f.body.s1);
	buf_free(&f.body.s2);
	uidset_free(&f.found);
	uidfetch_free(&f.uf);
	uidlist_free(&f.listed);
	if (r < 0)
		return cmd_fail(ctx, f.e);
	return ctx->status;
}
