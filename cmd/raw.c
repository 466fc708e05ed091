/* SPDX-License-Identifier: MIT */
/*
 * raw: one IMAP command for admins. The tag is added; the command word is
 * sent as it is; each argument is sent as it is when it is IMAP syntax (an
 * atom, a sequence set, a flag such as \Seen, a quoted string, or a
 * parenthesised list such as "(MESSAGES UNSEEN)"), else as a string, quoted
 * or a literal, by the same formatter as every other command. Either way
 * nothing the user gives can end the line early or open a literal the
 * server would wait for. Every response is printed as a record; a NO or
 * BAD is an error exit.
 */
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "change.h"
#include "banned.h"

#define RAW_MAX_ARGS	32		/* arguments after the command word */
#define RAW_MAX_DEPTH	10		/* nested lists kept as lists */
#define RAW_SYNTAX_DEPTH 64		/* nesting accepted in an argument */
#define RAW_MAX_LINE	(1u << 20)	/* --dry-run's line, as long as a command */

static struct {
	const char	*select;
} opt;

const struct opt raw_opts[] = {
	OPT_STRING_F(0, "select", &opt.select, "MAILBOX", "select MAILBOX "
	    "first, for commands that need one", OPT_COMPLETE_MAILBOX),
	CHANGE_OPT_DRY_RUN,
	OPT_END()
};

/* Commands that would leave the connection in a state raw cannot serve. */
static const char *const refused[] = {
	"STARTTLS", "AUTHENTICATE", "IDLE", "COMPRESS"
};

static int
is_atom_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

/*
 * Whether an argument is IMAP syntax to be sent as it is: printable ASCII,
 * quoted strings closed, parentheses and brackets balanced, spaces only
 * inside them or inside quotes, and no "{" outside quotes (a literal the
 * server would wait for).
 */
static int
is_syntax(const char *p)
{
	char open[RAW_SYNTAX_DEPTH];
	size_t depth = 0;
	unsigned char c;

	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++) {
		c = (unsigned char)*p;
		if (c < 0x20 || c > 0x7e || c == '{' || (c == ' ' &&
		    depth == 0))
			return 0;
		if (c == '"') {
			for (p++; *p != '"'; p++) {
				c = (unsigned char)*p;
				if (c < 0x20 || c > 0x7e)
					return 0;	/* also the end */
				if (c == '\\' && p[1] != '"' && p[1] != '\\')
					return 0;
				if (c == '\\')
					p++;
			}
		} else if (c == '(' || c == '[') {
			if (depth == sizeof(open))
				return 0;
			open[depth++] = (char)c;
		} else if (c == ')' || c == ']') {
			if (depth == 0 || open[--depth] != (c == ')' ? '(' :
			    '['))
				return 0;
		}
	}
	return depth == 0;
}

/*
 * A list too deep for the emitter, as IMAP text: cut at the buffer's
 * ceiling (one response line), as a display of it may be.
 */
static void
arg_text(struct buf *b, const struct imap_arg *a)
{
	size_t i;

	for (; a != NULL; a = a->next) {
		switch (a->type) {
		case IMAP_LIST:
			buf_putc(b, '(');
			arg_text(b, a->list);
			buf_putc(b, ')');
			break;
		case IMAP_NIL:
			buf_puts(b, "NIL");
			break;
		case IMAP_STRING:
			buf_putc(b, '"');
			for (i = 0; i < a->len; i++) {
				if (a->s[i] == '"' || a->s[i] == '\\')
					buf_putc(b, '\\');
				buf_putc(b, a->s[i]);
			}
			buf_putc(b, '"');
			break;
		default:
			buf_put(b, a->s, a->len);
			break;
		}
		if (a->next != NULL)
			buf_putc(b, ' ');
	}
}

/* Arguments as a list: strings, null for NIL, lists nested. */
static void
emit_args(struct emit *e, const char *key, const struct imap_arg *a,
    int depth)
{
	struct buf b;

	emit_list_begin(e, key, "arg");
	for (; a != NULL; a = a->next) {
		switch (a->type) {
		case IMAP_NIL:
			emit_null(e, NULL);
			break;
		case IMAP_LIST:
			if (depth < RAW_MAX_DEPTH) {
				emit_args(e, NULL, a->list, depth + 1);
				break;
			}
			buf_init(&b, IMAP_MAX_LINE);
			buf_putc(&b, '(');
			arg_text(&b, a->list);
			buf_putc(&b, ')');
			emit_strn(e, NULL, b.s, b.len);
			buf_free(&b);
			break;
		case IMAP_STREAMED:
			emit_null(e, NULL);
			break;
		default:
			emit_strn(e, NULL, a->s, a->len);
			break;
		}
	}
	emit_list_end(e);
}

/*
 * A response as a record: type (the keyword), number (of "* 5 EXISTS"),
 * code (of status responses), args (the rest), text (of status
 * responses), tagged (the command's own OK, last).
 */
static void
emit_resp(struct emit *e, const struct imap_resp *r)
{
	const struct imap_arg *a = r->args;
	const char *type = "";
	uint32_t n;
	int numbered = 0;

	if (r->status == IMAP_ST_NONE && imap_arg_u32(a, &n) &&
	    a->next != NULL && imap_arg_atom(a->next, &type)) {
		numbered = 1;
		a = a->next->next;
	} else if (a != NULL && imap_arg_atom(a, &type))
		a = a->next;
	emit_record_begin(e, "response");
	emit_str(e, "type", type);
	if (numbered)
		emit_uint(e, "number", n);
	else
		emit_null(e, "number");
	if (r->code != NULL)
		emit_args(e, "code", r->code, 1);
	else
		emit_null(e, "code");
	emit_args(e, "args", a, 1);
	emit_str(e, "text", r->status != IMAP_ST_NONE ? r->text : NULL);
	emit_bool(e, "tagged", r->kind == IMAP_TAGGED);
	emit_record_end(e);
}

static int
on_response(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	(void)s;
	(void)e;
	emit_resp(ctx, r);
	return 0;
}

/* The command's own answer: a record when OK, kept for the exit status. */
struct raw_done {
	struct emit		*emit;
	struct sess_reply	 rep;
};

static int
on_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct raw_done *d = ctx;

	(void)s;
	(void)e;
	if (rep->status == IMAP_ST_OK && rep->resp != NULL)
		emit_resp(d->emit, rep->resp);
	d->rep = *rep;
	d->rep.resp = NULL;
	return 0;
}

int
check_raw(int argc, char **argv, struct ctx *ctx)
{
	const char *p;
	size_t i;

	if (argv[0][0] == '\0')
		return cmd_usage(ctx, "empty command word");
	for (p = argv[0]; *p != '\0'; p++)
		if (!is_atom_char((unsigned char)*p))
			return cmd_usage(ctx, "bad command word "
			    "'%s'", argv[0]);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strcasecmp(argv[0], refused[i]) == 0)
			return cmd_usage(ctx, "%s cannot be sent "
			    "with raw: it changes the connection in a way "
			    "imapctl would not follow", refused[i]);
	if (argc - 1 > RAW_MAX_ARGS)
		return cmd_usage(ctx, "more than %d arguments",
		    RAW_MAX_ARGS);
	return 0;
}

int
cmd_raw(int argc, char **argv, struct ctx *ctx)
{
	struct sess_piece v[2 * RAW_MAX_ARGS + 1];
	struct sess_scope sc = { on_response, NULL, NULL, NULL };
	struct raw_done d;
	struct sess_pipe *p;
	struct buf line;
	size_t i, n = 0;
	int syntax, rc = 0;

	/* The command word, then each argument as itself or as a string. */
	buf_init(&line, RAW_MAX_LINE);
	v[n++] = (struct sess_piece){ SESS_PIECE_TEXT, argv[0],
	    strlen(argv[0]) };
	buf_puts(&line, argv[0]);
	for (i = 1; i < (size_t)argc; i++) {
		syntax = is_syntax(argv[i]);
		v[n++] = (struct sess_piece){ SESS_PIECE_TEXT, " ", 1 };
		v[n++] = (struct sess_piece){ syntax ? SESS_PIECE_TEXT :
		    SESS_PIECE_ASTRING, argv[i], strlen(argv[i]) };
		buf_putf(&line, " %s", syntax ? argv[i] : "<string>");
	}
	if (ctx->common->dry_run) {
		if (line.cut) {
			rc = cmd_usage(ctx, "command too long");
			goto out;
		}
		/* What would be sent, strings shown as <string>. */
		emit_record_begin(ctx->emit, "command");
		emit_str(ctx->emit, "command", line.s);
		emit_list_begin(ctx->emit, "strings", "string");
		for (i = 1; i < (size_t)argc; i++)
			if (!is_syntax(argv[i]))
				emit_str(ctx->emit, NULL, argv[i]);
		emit_list_end(ctx->emit);
		emit_record_end(ctx->emit);
		goto out;
	}
	if (opt.select != NULL && sess_select(ctx->sess, opt.select, 0,
	    &ctx->err) < 0) {
		rc = cmd_fail(ctx, &ctx->err);
		goto out;
	}
	memset(&d, 0, sizeof(d));
	d.emit = ctx->emit;
	sc.ctx = ctx->emit;
	/* A record a response as the server sent it: no line in pieces. */
	sess_set_splits(ctx->sess, 0);
	p = sess_pipe_begin(ctx->sess, &sc, 0);
	rc = sess_pipe_send(p, on_done, &d, &ctx->err, "%V", v, n);
	if (sess_pipe_end(p, rc, &ctx->err) < 0 ||
	    sess_reply_check(&d.rep, &ctx->err) < 0)
		rc = cmd_fail(ctx, &ctx->err);
out:
	buf_free(&line);
	return rc;
}
