/* SPDX-License-Identifier: MIT */
/*
 * The IMAP response parser. Every case is fed whole, one byte at a time
 * and in random-size chunks (fixed seed); each way must give the same
 * responses, byte for byte, as a dump of the argument tree. Then the
 * checked accessors, the limits and errors (each a protocol error that
 * allocates little, after which the parser works again), streaming sinks
 * and the trace hook.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN 1
#endif
#endif

#ifdef T_ASAN
/* From <sanitizer/allocator_interface.h>, which gcc 12 does not ship. */
size_t	__sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif

#include "buf.h"
#include "err.h"
#include "parser.h"
#include "t.h"

/* Bytes the allocator has handed out and not yet had back. */
static size_t
mem_in_use(void)
{
#ifdef T_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
#endif
}

/* Growth we accept from a failed response: no more than a few chunks. */
#define SMALL_GROWTH	((size_t)1 << 20)

/* A small deterministic generator, so runs are repeatable everywhere. */
static uint32_t
rng_next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

enum mode { M_WHOLE, M_BYTE, M_RANDOM, M_COUNT };

static const char *const mode_names[] = { "whole", "byte", "random" };

/* How many bytes the next feed gets. */
static size_t
chunk_size(enum mode m, uint32_t *rng, size_t left)
{
	size_t n;

	switch (m) {
	case M_WHOLE:
		return left;
	case M_BYTE:
		return 1;
	default:
		/* Mostly small pieces, now and then a bigger one. */
		n = rng_next(rng) % 8 == 0 ? 1 + rng_next(rng) % 200 :
		    1 + rng_next(rng) % 7;
		return n < left ? n : left;
	}
}

/* Dumping a response as text ------------------------------------------ */

static void
dump_bytes(FILE *fp, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\x%02x", c);
		else
			fputc(c, fp);
	}
}

static void dump_chain(FILE *, const struct imap_arg *, size_t, int *);

static void
dump_arg(FILE *fp, const struct imap_arg *a, int *bad)
{
	if (a->s == NULL || a->s[a->len] != '\0')
		*bad = 1;
	switch (a->type) {
	case IMAP_ATOM:
		if (strlen(a->s) != a->len || a->len == 0)
			*bad = 1;
		fputs(a->s, fp);
		break;
	case IMAP_STRING:
		if (a->literal)
			fprintf(fp, "{%zu}", a->len);
		fputc('"', fp);
		dump_bytes(fp, a->s, a->len);
		fputc('"', fp);
		break;
	case IMAP_NIL:
		fputs("NIL", fp);
		break;
	case IMAP_LIST:
		fputc('(', fp);
		dump_chain(fp, a->list, a->count, bad);
		fputc(')', fp);
		break;
	case IMAP_TEXT:
		fputs("<text>", fp);
		break;
	case IMAP_STREAMED:
		fprintf(fp, "<streamed %llu>", (unsigned long long)a->size);
		break;
	default:
		fputs("<bad type>", fp);
		*bad = 1;
	}
}

/* A chain of arguments; count is checked unless it is SIZE_MAX. */
static void
dump_chain(FILE *fp, const struct imap_arg *a, size_t count, int *bad)
{
	size_t n = 0;

	for (; a != NULL; a = a->next, n++) {
		if (n > 0)
			fputc(' ', fp);
		dump_arg(fp, a, bad);
	}
	if (count != SIZE_MAX && n != count)
		*bad = 1;
}

static const char *const status_names[] = {
	"NONE", "OK", "NO", "BAD", "BYE", "PREAUTH"
};

/* One line per response; the invariants checked on the way. */
static void
dump_resp(FILE *fp, const struct imap_resp *r)
{
	int bad = 0;

	switch (r->kind) {
	case IMAP_UNTAGGED:
		fputc('*', fp);
		break;
	case IMAP_CONTINUATION:
		fputc('+', fp);
		break;
	case IMAP_TAGGED:
		if (r->tag == NULL)
			bad = 1;
		else
			fputs(r->tag, fp);
		break;
	}
	if (r->status != IMAP_ST_NONE)
		fprintf(fp, " st=%s", status_names[r->status]);
	if (r->args != NULL) {
		fputc(' ', fp);
		dump_chain(fp, r->args, r->nargs, &bad);
	} else if (r->nargs != 0)
		bad = 1;
	if (r->code != NULL) {
		fputs(" [", fp);
		dump_chain(fp, r->code, SIZE_MAX, &bad);
		fputc(']', fp);
	}
	if (r->text != NULL) {
		fputs(" text=\"", fp);
		dump_bytes(fp, r->text, strlen(r->text));
		fputc('"', fp);
	}
	if (r->status != IMAP_ST_NONE && r->text == NULL)
		bad = 1;
	if (bad)
		fputs(" !INVARIANT", fp);
}

/* The harness ---------------------------------------------------------- */

struct input {
	const char	*p;
	size_t		 len;
};

#define S(x)	{ x, sizeof(x) - 1 }

enum { SINK_NONE, SINK_UID_BODY, SINK_ALL };

struct pcase {
	const char	*name;
	struct input	 in[4];
	const char	*want;
	uint64_t	 max_literal;	/* 0: the default */
	int		 sink;		/* SINK_* */
	uint64_t	 fail_after;	/* the sink fails past this */
	int		 trace;
	const char	*errmsg;	/* the last error's message has this */
};

struct ctx {
	FILE		*fp;
	const struct pcase *pc;
	struct imap_sink sink;
	char		*data;		/* what the sink got */
	size_t		 len;
	uint64_t	 expect;	/* bytes the chooser was told */
	int		 ends;
	int		 streaming;
	struct err	 err;
	struct err	 lasterr;	/* the last error */
	size_t		 peak;		/* memory above the start */
	size_t		 base;
	unsigned long	 feeds;
};

static int
sink_write(void *vctx, const char *p, size_t n, struct err *e)
{
	struct ctx *c = vctx;

	if (!c->streaming) {
		fputs("!WRITE-AFTER-END\n", c->fp);
		return err_set(e, ERR_INTERNAL, "write after end");
	}
	if (c->pc->fail_after && c->len + n > c->pc->fail_after)
		return err_set(e, ERR_CANTCREAT, "disk full");
	if (n > 0) {
		c->data = realloc(c->data, c->len + n);
		if (c->data == NULL)
			abort();
		memcpy(c->data + c->len, p, n);
		c->len += n;
	}
	return 0;
}

static int
sink_end(void *vctx, struct err *e)
{
	struct ctx *c = vctx;

	(void)e;
	c->ends++;
	c->streaming = 0;
	fprintf(c->fp, "end %zu/%llu \"", c->len,
	    (unsigned long long)c->expect);
	dump_bytes(c->fp, c->data, c->len);
	fputs("\"\n", c->fp);
	c->len = 0;
	return 0;
}

/* Whether list holds "UID n". */
static int
has_uid(const struct imap_arg *a)
{
	uint32_t uid;

	for (; a != NULL; a = a->next)
		if (imap_arg_is(a, "UID") && imap_arg_u32(a->next, &uid))
			return 1;
	return 0;
}

/* Streams BODY[] of a FETCH that carries a UID, as a real client would. */
static struct imap_sink *
choose(void *vctx, const struct imap_resp *r, const struct imap_arg *parent,
    uint64_t size)
{
	struct ctx *c = vctx;
	const struct imap_arg *last = NULL, *a;
	int bad = 0, take;

	fputs("choose: ", c->fp);
	dump_resp(c->fp, r);
	fputs(" parent=", c->fp);
	if (parent == NULL)
		fputs("NULL", c->fp);
	else
		dump_arg(c->fp, parent, &bad);
	fprintf(c->fp, " size=%llu", (unsigned long long)size);
	if (bad)
		fputs(" !INVARIANT", c->fp);
	if (parent != NULL)
		for (a = parent->list; a != NULL; a = a->next)
			last = a;
	if (c->pc->sink == SINK_ALL)
		take = 1;
	else
		take = parent != NULL && imap_arg_is(last, "BODY[]") &&
		    has_uid(parent->list);
	fputs(take ? " -> sink\n" : " -> buffer\n", c->fp);
	if (!take)
		return NULL;
	if (c->streaming)
		fputs("!NESTED-STREAM\n", c->fp);
	c->streaming = 1;
	c->expect = size;
	c->len = 0;
	return &c->sink;
}

static void
trace(void *vctx, const char *line, size_t len, uint64_t litsize)
{
	struct ctx *c = vctx;

	if (line == NULL)
		fprintf(c->fp, "T: {%llu}\n", (unsigned long long)litsize);
	else {
		fputs("T: \"", c->fp);
		dump_bytes(c->fp, line, len);
		fputs("\"\n", c->fp);
	}
}

static void
sample_mem(struct ctx *c)
{
	size_t now = mem_in_use();

	if (now > c->base && now - c->base > c->peak)
		c->peak = now - c->base;
}

/*
 * Feed one input in pieces; each response is dumped as soon as it is
 * complete (it is only valid until the next call). An error is recorded
 * and ends this input; the parser must then take the next one.
 */
static void
feed_input(struct imap_parser *p, struct ctx *c, const struct input *in,
    enum mode m, uint32_t *rng)
{
	const struct imap_resp *r;
	size_t off = 0, n, used, left;
	const char *q;
	int rv;

	while (off < in->len) {
		n = chunk_size(m, rng, in->len - off);
		q = in->p + off;
		left = n;
		while (left > 0) {
			err_clear(&c->err);
			used = (size_t)-1;
			r = NULL;
			rv = imap_parser_feed(p, q, left, &used, &r, &c->err);
			if (m != M_BYTE || rv != 0 || (c->feeds & 63) == 0)
				sample_mem(c);
			c->feeds++;
			if (used > left) {
				fputs("!CONSUMED-TOO-MUCH\n", c->fp);
				return;
			}
			if (rv < 0) {
				fprintf(c->fp, "!ERR %d\n", c->err.kind);
				c->lasterr = c->err;
				/* The parser drops a sink it was feeding. */
				c->streaming = 0;
				c->len = 0;
				return;
			}
			if (rv > 0) {
				if (r == NULL || used == 0) {
					fputs("!NO-PROGRESS\n", c->fp);
					return;
				}
				dump_resp(c->fp, r);
				fputc('\n', c->fp);
			} else if (used != left || r != NULL) {
				fputs("!STALL\n", c->fp);
				return;
			}
			q += used;
			left -= used;
		}
		off += n;
	}
}

/* Run a case one way; returns the dump (to be freed). */
static char *
run_case_mode(const struct pcase *pc, enum mode m, uint32_t seed,
    struct ctx *c)
{
	struct imap_parser *p;
	char *dump = NULL;
	size_t dumplen = 0, i;
	uint32_t rng = seed;

	memset(c, 0, sizeof(*c));
	c->pc = pc;
	c->sink.write = sink_write;
	c->sink.end = sink_end;
	c->sink.ctx = c;
	if ((c->fp = open_memstream(&dump, &dumplen)) == NULL) {
		perror("open_memstream");
		exit(99);
	}
	p = imap_parser_new();
	c->base = mem_in_use();
	if (pc->max_literal)
		imap_parser_set_max_literal(p, pc->max_literal);
	if (pc->sink != SINK_NONE)
		imap_parser_set_sink_fn(p, choose, c);
	if (pc->trace)
		imap_parser_set_trace(p, trace, c);
	for (i = 0; i < sizeof(pc->in) / sizeof(pc->in[0]); i++)
		if (pc->in[i].p != NULL)
			feed_input(p, c, &pc->in[i], m, &rng);
	sample_mem(c);
	imap_parser_free(p);
	fclose(c->fp);
	free(c->data);
	return dump;
}

static void
run_case(const struct pcase *pc, uint32_t seed)
{
	struct ctx c;
	char label[256], *dump;
	int m;

	for (m = 0; m < M_COUNT; m++) {
		dump = run_case_mode(pc, (enum mode)m, seed, &c);
		snprintf(label, sizeof(label), "%s (%s)", pc->name,
		    mode_names[m]);
		t_memeq(dump, strlen(dump), pc->want, strlen(pc->want), label);
		if (pc->errmsg != NULL) {
			snprintf(label, sizeof(label), "%s: message (%s)",
			    pc->name, mode_names[m]);
			if (!t_ok(strstr(c.lasterr.msg, pc->errmsg) != NULL,
			    label))
				printf("#   message: '%s'\n", c.lasterr.msg);
		}
		if (strstr(pc->want, "!ERR") != NULL) {
			snprintf(label, sizeof(label), "%s: allocates little "
			    "(%s)", pc->name, mode_names[m]);
			if (!t_ok(c.peak < SMALL_GROWTH, label))
				printf("#   peak growth %zu bytes\n", c.peak);
		}
		free(dump);
	}
}

/* The cases ------------------------------------------------------------- */

#define EXISTS	S("* 1 EXISTS\r\n")
#define EXISTS_OUT "* 1 EXISTS\n"

static const struct pcase cases[] = {
	/* Greeting and status responses. */
	{ .name = "greeting with capabilities",
	  .in = { S("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n") },
	  .want = "* st=OK OK [CAPABILITY IMAP4rev1 LITERAL+] "
	      "text=\"ready\"\n" },
	{ .name = "PREAUTH and BYE",
	  .in = { S("* PREAUTH [CAPABILITY IMAP4rev1] Logged in as joe\r\n"
	      "* BYE Logging out\r\n") },
	  .want = "* st=PREAUTH PREAUTH [CAPABILITY IMAP4rev1] "
	      "text=\"Logged in as joe\"\n"
	      "* st=BYE BYE text=\"Logging out\"\n" },
	{ .name = "tagged OK without a code",
	  .in = { S("A1 OK LOGIN completed\r\n") },
	  .want = "A1 st=OK OK text=\"LOGIN completed\"\n" },
	{ .name = "tagged NO with a code",
	  .in = { S("A2 NO [NONEXISTENT] Unknown Mailbox: Foo\r\n") },
	  .want = "A2 st=NO NO [NONEXISTENT] text=\"Unknown Mailbox: Foo\"\n" },
	{ .name = "tagged BAD without a code, no text",
	  .in = { S("A3 BAD\r\n") },
	  .want = "A3 st=BAD BAD text=\"\"\n" },
	{ .name = "tagged BAD with text",
	  .in = { S("A3 BAD Error in IMAP command received by server.\r\n") },
	  .want = "A3 st=BAD BAD text=\"Error in IMAP command received by "
	      "server.\"\n" },
	{ .name = "status words in any case",
	  .in = { S("a4 ok [READ-WRITE] Select completed\r\n* no bad\r\n") },
	  .want = "a4 st=OK ok [READ-WRITE] text=\"Select completed\"\n"
	      "* st=NO no text=\"bad\"\n" },
	{ .name = "code with a list: PERMANENTFLAGS",
	  .in = { S("* OK [PERMANENTFLAGS (\\Seen \\*)] Limited\r\n") },
	  .want = "* st=OK OK [PERMANENTFLAGS (\\Seen \\*)] "
	      "text=\"Limited\"\n" },
	{ .name = "code with sets: COPYUID",
	  .in = { S("A5 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n") },
	  .want = "A5 st=OK OK [COPYUID 38505 304,319:320 3956:3958] "
	      "text=\"Done\"\n" },
	{ .name = "code with a list: BADCHARSET",
	  .in = { S("A6 NO [BADCHARSET (US-ASCII UTF-8)] charset\r\n") },
	  .want = "A6 st=NO NO [BADCHARSET (US-ASCII UTF-8)] "
	      "text=\"charset\"\n" },
	{ .name = "code with nested lists and a quoted string",
	  .in = { S("* OK [X-CODE (a (b \"c]d\") ()) e] text [not a "
	      "code]\r\n") },
	  .want = "* st=OK OK [X-CODE (a (b \"c]d\") ()) e] "
	      "text=\"text [not a code]\"\n" },
	{ .name = "code with no text after it",
	  .in = { S("* OK [ALERT]\r\n* OK [UIDNEXT 4392]  Predicted\r\n") },
	  .want = "* st=OK OK [ALERT] text=\"\"\n"
	      "* st=OK OK [UIDNEXT 4392] text=\"Predicted\"\n" },
	{ .name = "a status without text",
	  .in = { S("* OK\r\n") },
	  .want = "* st=OK OK text=\"\"\n" },

	/* Continuations. */
	{ .name = "continuation with text",
	  .in = { S("+ Ready for literal data\r\n") },
	  .want = "+ text=\"Ready for literal data\"\n" },
	{ .name = "continuation without text",
	  .in = { S("+\r\n+ \r\n") },
	  .want = "+ text=\"\"\n+ text=\"\"\n" },
	{ .name = "continuation with base64",
	  .in = { S("+ YGgGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3KkTzmeTKvawsnh/"
	      "s1WAAAAAA==\r\n") },
	  .want = "+ text=\"YGgGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3KkTzmeTKvaw"
	      "snh/s1WAAAAAA==\"\n" },

	/* Untagged data. */
	{ .name = "EXISTS, EXPUNGE, RECENT",
	  .in = { S("* 5 EXISTS\r\n* 3 EXPUNGE\r\n* 0 RECENT\r\n") },
	  .want = "* 5 EXISTS\n* 3 EXPUNGE\n* 0 RECENT\n" },
	{ .name = "several responses in one feed, bare LF accepted",
	  .in = { S("* 1 EXISTS\r\n* 2 EXISTS\nA7 OK x\r\n") },
	  .want = "* 1 EXISTS\n* 2 EXISTS\nA7 st=OK OK text=\"x\"\n" },
	{ .name = "CAPABILITY and FLAGS",
	  .in = { S("* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN LITERAL+ "
	      "ID\r\n* FLAGS (\\Answered \\Flagged \\Deleted \\Seen "
	      "\\Draft $Forwarded)\r\n") },
	  .want = "* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN LITERAL+ ID\n"
	      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft "
	      "$Forwarded)\n" },
	{ .name = "SEARCH, empty and not",
	  .in = { S("* SEARCH\r\n* SEARCH 2 84 882\r\n") },
	  .want = "* SEARCH\n* SEARCH 2 84 882\n" },
	{ .name = "LIST",
	  .in = { S("* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n") },
	  .want = "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\n" },
	{ .name = "LIST with a NIL delimiter and an atom name",
	  .in = { S("* LIST (\\Noselect) NIL INBOX\r\n") },
	  .want = "* LIST (\\Noselect) NIL INBOX\n" },
	{ .name = "LIST with a literal mailbox name",
	  .in = { S("* LIST (\\HasNoChildren) \".\" {12}\r\nWeird "
	      "\"Name\"\r\n") },
	  .want = "* LIST (\\HasNoChildren) \".\" {12}\"Weird "
	      "\\\"Name\\\"\"\n" },
	{ .name = "LIST with 8-bit UTF-8 in a quoted string",
	  .in = { S("* LIST () \"/\" "
	      "\"Entw\xc3\xbcrfe/Gr\xc3\xbc\xc3\x9f" "e\"\r\n") },
	  .want = "* LIST () \"/\" "
	      "\"Entw\xc3\xbcrfe/Gr\xc3\xbc\xc3\x9f" "e\"\n" },
	{ .name = "8-bit UTF-8 in status text",
	  .in = { S("* OK [ALERT] Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac\r\n") },
	  .want = "* st=OK OK [ALERT] text=\"Gr\xc3\xbc\xc3\x9f" "e "
	      "\xe2\x82\xac\"\n" },
	{ .name = "STATUS with a modified UTF-7 name",
	  .in = { S("* STATUS \"Entw&APw-rfe\" (MESSAGES 3 UNSEEN 1)\r\n") },
	  .want = "* STATUS \"Entw&APw-rfe\" (MESSAGES 3 UNSEEN 1)\n" },
	{ .name = "NIL in any case, NILS an atom",
	  .in = { S("* X nil Nil NIL NILS \"NIL\"\r\n") },
	  .want = "* X NIL NIL NIL NILS \"NIL\"\n" },
	{ .name = "quoted strings with escapes",
	  .in = { S("* X \"a\\\"b\" \"c\\\\d\" \"\" \"\\\\\" \"(x) "
	      "{3}\"\r\n") },
	  .want = "* X \"a\\\"b\" \"c\\\\d\" \"\" \"\\\\\" \"(x) {3}\"\n" },
	{ .name = "adjacent lists and strings",
	  .in = { S("* X ((a)(b))\"c\"(\"d\")()\r\n") },
	  .want = "* X ((a) (b)) \"c\" (\"d\") ()\n" },
	{ .name = "FETCH with ENVELOPE",
	  .in = { S("* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 "
	      "02:44:25 "
	      "-0700\" RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 "
	      "-0700 (PDT)\" \"say \\\"hi\\\" to C:\\\\dir\" ((\"Terry Gray\" "
	      "NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL "
	      "\"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" "
	      "\"cac.washington.edu\")) ((NIL NIL \"imap\" "
	      "\"cac.washington.edu\")) ((NIL NIL \"minutes\" "
	      "\"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" "
	      "\"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") "
	      "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL "
	      "\"7BIT\" 3028 92))\r\n") },
	  .want = "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 "
	      "02:44:25 "
	      "-0700\" RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 "
	      "-0700 (PDT)\" \"say \\\"hi\\\" to C:\\\\dir\" ((\"Terry Gray\" "
	      "NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL "
	      "\"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" "
	      "\"cac.washington.edu\")) ((NIL NIL \"imap\" "
	      "\"cac.washington.edu\")) ((NIL NIL \"minutes\" "
	      "\"CNRI.Reston.VA.US\") (\"John Klensin\" NIL \"KLENSIN\" "
	      "\"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") "
	      "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL "
	      "\"7BIT\" 3028 92))\n" },
	{ .name = "BODY[HEADER.FIELDS (FROM SUBJECT)] literal",
	  .in = { S("* 1 FETCH (UID 7 BODY[HEADER.FIELDS (FROM SUBJECT)] "
	      "{26}\r\n"
	      "From: a@b\r\nSubject: hi\r\n\r\n)\r\n") },
	  .want = "* 1 FETCH (UID 7 BODY[HEADER.FIELDS (FROM SUBJECT)] "
	      "{26}\"From: "
	      "a@b\\x0d\\x0aSubject: hi\\x0d\\x0a\\x0d\\x0a\")\n" },
	{ .name = "section with a quoted ] inside",
	  .in = { S("* 1 FETCH (BODY[HEADER.FIELDS (\"X-]\")] \"v\")\r\n") },
	  .want = "* 1 FETCH (BODY[HEADER.FIELDS (\"X-]\")] \"v\")\n" },
	{ .name = "a [ outside a section is an atom character",
	  .in = { S("* LIST (\\HasNoChildren) \"/\" a[b\r\n"
	      "* STATUS a[b (MESSAGES 1)\r\n"
	      "* LIST () \"/\" [Gmail]/Sent\r\n"
	      "* X a[b c] [ ]\r\n") },
	  .want = "* LIST (\\HasNoChildren) \"/\" a[b\n"
	      "* STATUS a[b (MESSAGES 1)\n"
	      "* LIST () \"/\" [Gmail]/Sent\n"
	      "* X a[b c] [ ]\n" },
	{ .name = "sections of BODY, BINARY and BINARY.SIZE",
	  .in = { S("* 1 FETCH (BODY[1 (a \"]\")]<5> {1}\r\nx "
	      "binary[2] \"y\" BINARY.SIZE[2 ] 3 BODY.PEEK[] NIL)\r\n") },
	  .want = "* 1 FETCH (BODY[1 (a \"]\")]<5> {1}\"x\" binary[2] "
	      "\"y\" BINARY.SIZE[2 ] 3 BODY.PEEK[] NIL)\n" },
	{ .name = "BODY[]<0> and partial atoms",
	  .in = { S("* 2 FETCH (BODY[]<0> {5}\r\nhello BODY[TEXT]<10> \"x\" "
	      "BINARY.SIZE[1] 42)\r\n") },
	  .want = "* 2 FETCH (BODY[]<0> {5}\"hello\" BODY[TEXT]<10> \"x\" "
	      "BINARY.SIZE[1] 42)\n" },
	{ .name = "literal8",
	  .in = { S("* 3 FETCH (BINARY[1] ~{4}\r\n\0\x01\xff\x7f)\r\n") },
	  .want = "* 3 FETCH (BINARY[1] {4}\"\\x00\\x01\xff\\x7f\")\n" },
	{ .name = "empty literal",
	  .in = { S("* 4 FETCH (BODY[] {0}\r\n)\r\n") },
	  .want = "* 4 FETCH (BODY[] {0}\"\")\n" },
	{ .name = "empty literal at the very end of a line",
	  .in = { S("* LIST () \"/\" {0}\r\n\r\n* 1 EXISTS\r\n") },
	  .want = "* LIST () \"/\" {0}\"\"\n* 1 EXISTS\n" },
	{ .name = "literal with CRLF and NUL bytes",
	  .in = { S("* 5 FETCH (BODY[] {7}\r\na\r\n\0b\r\n)\r\n") },
	  .want = "* 5 FETCH (BODY[] {7}\"a\\x0d\\x0a\\x00b\\x0d\\x0a\")\n" },
	{ .name = "literal that looks like a response",
	  .in = { S("* 5 FETCH (BODY[] {14}\r\n* 6 EXISTS\r\n\r\n)\r\n") },
	  .want = "* 5 FETCH (BODY[] {14}\"* 6 "
	      "EXISTS\\x0d\\x0a\\x0d\\x0a\")\n" },
	{ .name = "two literals and a non-synchronizing marker",
	  .in = { S("* 6 FETCH (BODY[1] {3}\r\nabc BODY[2] {3+}\r\ndef)\r\n") },
	  .want = "* 6 FETCH (BODY[1] {3}\"abc\" BODY[2] {3}\"def\")\n" },
	{ .name = "literal split across feeds",
	  .in = { S("* 7 FETCH (BODY[] {10}\r\n01234"), S("56"), S("789)\r"),
	      S("\n") },
	  .want = "* 7 FETCH (BODY[] {10}\"0123456789\")\n" },
	{ .name = "ESEARCH",
	  .in = { S("* ESEARCH (TAG \"A3\") UID ALL 1:5\r\n") },
	  .want = "* ESEARCH (TAG \"A3\") UID ALL 1:5\n" },
	{ .name = "NAMESPACE with NILs",
	  .in = { S("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n"
	      "* NAMESPACE ((\"\" \".\")) ((\"Other Users.\" \".\")) "
	      "NIL\r\n") },
	  .want = "* NAMESPACE ((\"\" \"/\")) NIL NIL\n"
	      "* NAMESPACE ((\"\" \".\")) ((\"Other Users.\" \".\")) NIL\n" },
	{ .name = "ID",
	  .in = { S("* ID (\"name\" \"Dovecot\" \"version\" NIL)\r\n* ID "
	      "NIL\r\n") },
	  .want = "* ID (\"name\" \"Dovecot\" \"version\" NIL)\n* ID NIL\n" },
	{ .name = "a literal of exactly the maximum",
	  .in = { S("* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n") },
	  .want = "* 1 FETCH (BODY[] {10}\"0123456789\")\n",
	  .max_literal = 10 },

	/* Limits and errors: each ends the input; the next one parses. */
	{ .name = "literal larger than the maximum",
	  .in = { S("* 1 FETCH (BODY[] {11}\r\nhello world)\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .max_literal = 10, .errmsg = "more than the limit of 10" },
	{ .name = "literal of 10^12 bytes with the default maximum",
	  .in = { S("* 1 FETCH (BODY[] {1000000000000}\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "1000000000000 bytes" },
	{ .name = "literal size overflowing 64 bits",
	  .in = { S("* 1 FETCH (BODY[] {18446744073709551616}\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "bad literal" },
	{ .name = "literal8 larger than the maximum",
	  .in = { S("* 1 FETCH (BINARY[] ~{11}\r\nhello world)\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .max_literal = 10 },
	{ .name = "unbalanced (",
	  .in = { S("* X (a (b)\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unbalanced '('" },
	{ .name = "unbalanced ( across a literal",
	  .in = { S("* X (a {1}\r\nb\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unbalanced '('" },
	{ .name = "unbalanced )",
	  .in = { S("* X a b)\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unbalanced ')'" },
	{ .name = "unbalanced ) after a literal",
	  .in = { S("* X (a {1}\r\nb))\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unbalanced ')'" },
	{ .name = "unbalanced ( in a response code",
	  .in = { S("* OK [PERMANENTFLAGS (\\Seen] x\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT },
	{ .name = "unbalanced ) in a response code",
	  .in = { S("* OK [X a)] x\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unbalanced ')'" },
	{ .name = "unterminated response code",
	  .in = { S("* OK [ALERT text\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unterminated response code" },
	{ .name = "unterminated quoted string",
	  .in = { S("* X \"abc\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unterminated quoted string" },
	{ .name = "quoted string ending in an escaped quote",
	  .in = { S("* X \"abc\\\"\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unterminated quoted string" },
	{ .name = "quoted string ending in a backslash",
	  .in = { S("* X \"abc\\\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unterminated quoted string" },
	{ .name = "unterminated quoted string in a code",
	  .in = { S("* OK [X \"abc] x\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unterminated quoted string" },
	{ .name = "bad literal {12x}",
	  .in = { S("* X {12x}\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "bad literal" },
	{ .name = "bad literal {}",
	  .in = { S("* X {}\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "bad literal" },
	{ .name = "bad literal {-1}",
	  .in = { S("* X {-1}\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "bad literal" },
	{ .name = "unterminated literal spec {12",
	  .in = { S("* X {12\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "bad literal" },
	{ .name = "literal not at the end of the line",
	  .in = { S("* X {3} abc\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "bad literal" },
	{ .name = "bad literal8 ~{x}",
	  .in = { S("* X ~{x}\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "bad literal" },
	{ .name = "NUL byte in a line",
	  .in = { S("* OK a\0b\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "NUL byte" },
	{ .name = "NUL byte in the line after a literal",
	  .in = { S("* X {1}\r\na \0\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "NUL byte" },
	{ .name = "control character where an argument belongs",
	  .in = { S("* X a\tb\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unexpected character" },
	{ .name = "unterminated section",
	  .in = { S("* 1 FETCH (BODY[HEADER\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "unexpected character" },
	{ .name = "tagged response without a status",
	  .in = { S("A1 FOO bar\r\n"), EXISTS },
	  .want = "!ERR 76\n" EXISTS_OUT,
	  .errmsg = "without OK, NO or BAD" },
	{ .name = "tag alone",
	  .in = { S("A1\r\n"), S("A1 \r\n"), EXISTS },
	  .want = "!ERR 76\n!ERR 76\n" EXISTS_OUT },
	{ .name = "bad tags",
	  .in = { S("A(1 OK x\r\n"), S("A+1 OK x\r\n"), S("\"A1\" OK x\r\n"),
	      S("*5 EXISTS\r\n") },
	  .want = "!ERR 76\n!ERR 76\n!ERR 76\n!ERR 76\n",
	  .errmsg = "bad tag" },
	{ .name = "bad tags with list wildcards",
	  .in = { S("A%1 OK x\r\n"), S("A*1 OK x\r\n"), S("A{1 OK x\r\n"),
	    EXISTS },
	  .want = "!ERR 76\n!ERR 76\n!ERR 76\n" EXISTS_OUT },
	{ .name = "empty line",
	  .in = { S("\r\n"), S("\n"), EXISTS },
	  .want = "!ERR 76\n!ERR 76\n" EXISTS_OUT,
	  .errmsg = "empty line" },

	/* Streaming to a sink. */
	{ .name = "BODY[] with a UID goes to the sink",
	  .in = { S("* 1 FETCH (UID 7 BODY[] {11}\r\nhello world FLAGS "
	      "(\\Seen))"
	      "\r\n") },
	  .want = "choose: * 1 FETCH (UID 7 BODY[]) parent=(UID 7 BODY[]) "
	      "size=11 "
	      "-> sink\n"
	      "end 11/11 \"hello world\"\n"
	      "* 1 FETCH (UID 7 BODY[] <streamed 11> FLAGS (\\Seen))\n",
	  .sink = SINK_UID_BODY },
	{ .name = "BODY[] without a UID, and other sections, are buffered",
	  .in = { S("* 2 FETCH (BODY[] {5}\r\nhello)\r\n"
	      "* 3 FETCH (UID 9 BODY[HEADER] {2}\r\n\r\n)\r\n"
	      "* 4 FETCH (BODY[] {3}\r\nabc UID 8)\r\n") },
	  .want = "choose: * 2 FETCH (BODY[]) parent=(BODY[]) size=5 -> "
	      "buffer\n"
	      "* 2 FETCH (BODY[] {5}\"hello\")\n"
	      "choose: * 3 FETCH (UID 9 BODY[HEADER]) "
	      "parent=(UID 9 BODY[HEADER]) "
	      "size=2 -> buffer\n"
	      "* 3 FETCH (UID 9 BODY[HEADER] {2}\"\\x0d\\x0a\")\n"
	      "choose: * 4 FETCH (BODY[]) parent=(BODY[]) size=3 -> buffer\n"
	      "* 4 FETCH (BODY[] {3}\"abc\" UID 8)\n",
	  .sink = SINK_UID_BODY },
	{ .name = "the chooser sees a top-level literal with no parent",
	  .in = { S("* LIST () \"/\" {3}\r\nabc\r\n") },
	  .want = "choose: * LIST () \"/\" parent=NULL size=3 -> buffer\n"
	      "* LIST () \"/\" {3}\"abc\"\n",
	  .sink = SINK_UID_BODY },
	{ .name = "a streamed literal across many feeds, then another",
	  .in = { S("* 1 FETCH (UID 7 BODY[] "
	      "{40}\r\n0123456789"), S("0123456789"
	      "012345678"), S("90123456789) \r\n* 2 FETCH (UID 8 BODY[] {0}"
	      "\r\n)\r\n") },
	  .want = "choose: * 1 FETCH (UID 7 BODY[]) parent=(UID 7 BODY[]) "
	      "size=40 "
	      "-> sink\n"
	      "end 40/40 \"0123456789012345678901234567890123456789\"\n"
	      "* 1 FETCH (UID 7 BODY[] <streamed 40>)\n"
	      "choose: * 2 FETCH (UID 8 BODY[]) parent=(UID 8 BODY[]) size=0 "
	      "-> sink\n"
	      "end 0/0 \"\"\n"
	      "* 2 FETCH (UID 8 BODY[] <streamed 0>)\n",
	  .sink = SINK_UID_BODY },
	{ .name = "a streamed literal with CRLF and NUL bytes",
	  .in = { S("* 1 FETCH (UID 1 BODY[] {6}\r\n\r\n\0\r\n.)\r\n") },
	  .want = "choose: * 1 FETCH (UID 1 BODY[]) parent=(UID 1 BODY[]) "
	      "size=6 "
	      "-> sink\n"
	      "end 6/6 \"\\x0d\\x0a\\x00\\x0d\\x0a.\"\n"
	      "* 1 FETCH (UID 1 BODY[] <streamed 6>)\n",
	  .sink = SINK_UID_BODY },
	{ .name = "a streamed literal is still bounded by the maximum",
	  .in = { S("* 1 FETCH (UID 1 BODY[] {11}\r\nhello world)\r\n") },
	  .want = "!ERR 76\n",
	  .max_literal = 10, .sink = SINK_UID_BODY },
	{ .name = "a sink write error aborts the parse",
	  .in = { S("* 1 FETCH (UID 7 BODY[] {11}\r\nhello world)\r\n"),
	      S("* 2 FETCH (UID 8 BODY[] {3}\r\nabc)\r\n") },
	  .want = "choose: * 1 FETCH (UID 7 BODY[]) parent=(UID 7 BODY[]) "
	      "size=11 "
	      "-> sink\n"
	      "!ERR 73\n"
	      "choose: * 2 FETCH (UID 8 BODY[]) parent=(UID 8 BODY[]) size=3 "
	      "-> sink\n"
	      "end 3/3 \"abc\"\n"
	      "* 2 FETCH (UID 8 BODY[] <streamed 3>)\n",
	  .sink = SINK_UID_BODY, .fail_after = 5, .errmsg = "disk full" },

	/* The trace hook. */
	{ .name = "trace: each line and each literal size",
	  .in = { S("* OK hi\r\n* 1 FETCH (UID 7 BODY[] {11}\r\nhello world "
	      "BODY[1] {2}\r\nab FLAGS (\\Seen))\r\nA1 OK done\r\n") },
	  .want = "T: \"* OK hi\"\n"
	      "* st=OK OK text=\"hi\"\n"
	      "T: \"* 1 FETCH (UID 7 BODY[] {11}\"\n"
	      "T: {11}\n"
	      "T: \" BODY[1] {2}\"\n"
	      "T: {2}\n"
	      "T: \" FLAGS (\\\\Seen))\"\n"
	      "* 1 FETCH (UID 7 BODY[] {11}\"hello world\" BODY[1] {2}\"ab\" "
	      "FLAGS (\\Seen))\n"
	      "T: \"A1 OK done\"\n"
	      "A1 st=OK OK text=\"done\"\n",
	  .trace = 1 },
	{ .name = "trace with a sink and an error",
	  .in = { S("* 1 FETCH (UID 7 BODY[] {3}\r\nabc)\r\n"),
	      S("* 2 FETCH (BODY[] {11}\r\n"), EXISTS },
	  .want = "T: \"* 1 FETCH (UID 7 BODY[] {3}\"\n"
	      "T: {3}\n"
	      "choose: * 1 FETCH (UID 7 BODY[]) parent=(UID 7 BODY[]) size=3 "
	      "-> sink\n"
	      "end 3/3 \"abc\"\n"
	      "T: \")\"\n"
	      "* 1 FETCH (UID 7 BODY[] <streamed 3>)\n"
	      "T: \"* 2 FETCH (BODY[] {11}\"\n"
	      "!ERR 76\n"
	      "T: \"* 1 EXISTS\"\n"
	      EXISTS_OUT,
	  .max_literal = 10, .sink = SINK_UID_BODY, .trace = 1 },
};

/*
 * Nesting: IMAP_MAX_DEPTH lists deep parses, one more fails; a response
 * code is itself one level.
 */
static void
test_depth(void)
{
	struct pcase pc;
	char in[512], want[640];
	int d, i;

	for (d = IMAP_MAX_DEPTH; d <= IMAP_MAX_DEPTH + 1; d++) {
		memset(&pc, 0, sizeof(pc));
		snprintf(in, sizeof(in), "* X ");
		for (i = 0; i < d; i++)
			strcat(in, "(");
		strcat(in, "a");
		for (i = 0; i < d; i++)
			strcat(in, ")");
		snprintf(want, sizeof(want), "%s\n", in);
		strcat(in, "\r\n* 1 EXISTS\r\n");
		pc.name = d == IMAP_MAX_DEPTH ? "IMAP_MAX_DEPTH nested lists" :
		    "IMAP_MAX_DEPTH + 1 nested lists";
		pc.in[0].p = in;
		pc.in[0].len = strlen(in);
		if (d > IMAP_MAX_DEPTH) {
			snprintf(want, sizeof(want), "!ERR 76\n");
			pc.errmsg = "deeper than 64";
		} else
			strcat(want, EXISTS_OUT);
		pc.want = want;
		run_case(&pc, 99);
	}
	for (d = IMAP_MAX_DEPTH - 1; d <= IMAP_MAX_DEPTH; d++) {
		memset(&pc, 0, sizeof(pc));
		snprintf(in, sizeof(in), "* OK [X ");
		for (i = 0; i < d; i++)
			strcat(in, "(");
		strcat(in, "a");
		for (i = 0; i < d; i++)
			strcat(in, ")");
		strcat(in, "] t\r\n");
		snprintf(want, sizeof(want), "* st=OK OK [%.*s] text=\"t\"\n",
		    (int)strlen(in) - 11, in + 6);
		pc.name = d < IMAP_MAX_DEPTH ? "a response code and "
		    "IMAP_MAX_DEPTH - 1 nested lists" : "a response code and "
		    "IMAP_MAX_DEPTH nested lists";
		pc.in[0].p = in;
		pc.in[0].len = strlen(in);
		if (d == IMAP_MAX_DEPTH) {
			snprintf(want, sizeof(want), "!ERR 76\n");
			pc.errmsg = "deeper than 64";
		}
		pc.want = want;
		run_case(&pc, 98);
	}
}

/* Accessors -------------------------------------------------------------- */

/* Parse one input a given way and hand back the first response. */
struct held {
	struct imap_parser *p;
	const struct imap_resp *r;
};

static int
parse_first(struct held *h, const char *in, size_t len, enum mode m)
{
	struct err e;
	size_t off = 0, n, used;
	uint32_t rng = 0x9e3779b9u;
	int rv;

	h->p = imap_parser_new();
	h->r = NULL;
	while (off < len) {
		n = chunk_size(m, &rng, len - off);
		rv = imap_parser_feed(h->p, in + off, n, &used, &h->r, &e);
		if (rv < 0)
			return -1;
		off += used;
		if (rv > 0)
			return 0;
	}
	return -1;
}

static void
test_numbers(enum mode m)
{
	static const char in[] = "* X 0 4294967295 4294967296 "
	    "18446744073709551615 18446744073709551616 007 -1 +1 1a "
	    "\"5\" NIL 99999999999999999999999 {1}\r\n5 (1)\r\n";
	const struct imap_arg *a;
	struct held h;
	uint32_t v32;
	uint64_t v64;
	char label[128];

	snprintf(label, sizeof(label), "numbers parsed (%s)", mode_names[m]);
	if (!t_ok(parse_first(&h, in, sizeof(in) - 1, m) == 0, label)) {
		imap_parser_free(h.p);
		return;
	}
	a = h.r->args;
#define NTH(i)	imap_arg_nth(a, i)
	t_ok(imap_arg_u32(NTH(1), &v32) && v32 == 0, "u32 0");
	t_ok(imap_arg_u32(NTH(2), &v32) && v32 == 4294967295u,
	    "u32 4294967295");
	v32 = 7;
	t_ok(!imap_arg_u32(NTH(3), &v32) && v32 == 7,
	    "u32 rejects 4294967296, leaves the value");
	t_ok(imap_arg_u64(NTH(3), &v64) && v64 == 4294967296u,
	    "u64 4294967296");
	t_ok(imap_arg_u64(NTH(4), &v64) && v64 == UINT64_MAX,
	    "u64 18446744073709551615");
	t_ok(!imap_arg_u32(NTH(4), &v32), "u32 rejects 2^64-1");
	v64 = 7;
	t_ok(!imap_arg_u64(NTH(5), &v64) && v64 == 7,
	    "u64 rejects 18446744073709551616");
	t_ok(!imap_arg_u32(NTH(5), &v32), "u32 rejects 2^64");
	t_ok(imap_arg_u32(NTH(6), &v32) && v32 == 7, "u32 007");
	t_ok(!imap_arg_u32(NTH(7), &v32) && !imap_arg_u64(NTH(7), &v64),
	    "u32/u64 reject -1");
	t_ok(!imap_arg_u32(NTH(8), &v32) && !imap_arg_u64(NTH(8), &v64),
	    "u32/u64 reject +1");
	t_ok(!imap_arg_u32(NTH(9), &v32) && !imap_arg_u64(NTH(9), &v64),
	    "u32/u64 reject 1a");
	t_ok(!imap_arg_u32(NTH(10), &v32), "u32 rejects a quoted \"5\"");
	t_ok(!imap_arg_u32(NTH(11), &v32), "u32 rejects NIL");
	t_ok(!imap_arg_u64(NTH(12), &v64), "u64 rejects 10^23");
	t_ok(!imap_arg_u32(NTH(13), &v32), "u32 rejects a literal \"5\"");
	t_ok(!imap_arg_u32(NTH(14), &v32), "u32 rejects a list");
	t_ok(!imap_arg_u32(NTH(15), &v32) && NTH(15) == NULL,
	    "u32 of a missing argument is 0");
#undef NTH
	imap_parser_free(h.p);
}

static void
test_parse_u64(void)
{
	uint64_t v = 42;

	t_ok(imap_parse_u64("0", 1, &v) && v == 0, "parse_u64 0");
	t_ok(imap_parse_u64("18446744073709551615", 20, &v) &&
	    v == UINT64_MAX, "parse_u64 2^64-1");
	v = 42;
	t_ok(!imap_parse_u64("18446744073709551616", 20, &v) && v == 42,
	    "parse_u64 rejects 2^64");
	t_ok(!imap_parse_u64("99999999999999999999", 20, &v),
	    "parse_u64 rejects 10^20-1");
	t_ok(!imap_parse_u64("", 0, &v), "parse_u64 rejects empty");
	t_ok(!imap_parse_u64(" 5", 2, &v), "parse_u64 rejects leading space");
	t_ok(!imap_parse_u64("+5", 2, &v), "parse_u64 rejects a sign");
	t_ok(!imap_parse_u64("-5", 2, &v), "parse_u64 rejects a minus");
	t_ok(!imap_parse_u64("5 ", 2, &v), "parse_u64 rejects trailing junk");
	t_ok(!imap_parse_u64("0x5", 3, &v), "parse_u64 rejects hex");
	t_ok(imap_parse_u64("123abc", 3, &v) && v == 123,
	    "parse_u64 reads only n bytes");
}

static void
test_strings(enum mode m)
{
	static const char in[] = "* X atom \"quo ted\" NIL {3}\r\nl\0t "
	    "(a b c) \"\" \"say \\\"hi\\\" C:\\\\dir\" "
	    "\"Gr\xc3\xbc\xc3\x9f" "e\""
	    "\r\n";
	const struct imap_arg *a, *first;
	const char *s;
	size_t len, count;
	struct held h;
	char label[128];

	snprintf(label, sizeof(label), "strings parsed (%s)", mode_names[m]);
	if (!t_ok(parse_first(&h, in, sizeof(in) - 1, m) == 0, label)) {
		imap_parser_free(h.p);
		return;
	}
	a = h.r->args;
	t_ok(h.r->nargs == 9, "nine arguments");
	t_ok(imap_arg_is(a, "x") && imap_arg_is(a, "X"),
	    "imap_arg_is ignores case");
	t_ok(!imap_arg_is(imap_arg_nth(a, 2), "quo ted"),
	    "imap_arg_is: a string is not an atom");
	/* atom */
	s = NULL;
	imap_arg_atom(imap_arg_nth(a, 1), &s);
	t_streq(s, "atom", "atom as atom");
	t_ok(!imap_arg_string(imap_arg_nth(a, 1), &s, &len),
	    "atom is not a string");
	t_ok(imap_arg_astring(imap_arg_nth(a, 1), &s, &len) &&
	    strcmp(s, "atom") == 0 && len == 4, "atom as astring");
	t_ok(!imap_arg_nstring(imap_arg_nth(a, 1), &s, &len),
	    "atom is not an nstring");
	/* quoted */
	t_ok(imap_arg_string(imap_arg_nth(a, 2), &s, &len) &&
	    strcmp(s, "quo ted") == 0 && len == 7, "quoted as string");
	t_ok(!imap_arg_atom(imap_arg_nth(a, 2), &s), "quoted is not an atom");
	t_ok(imap_arg_nstring(imap_arg_nth(a, 2), &s, NULL) &&
	    strcmp(s, "quo ted") == 0, "quoted as nstring, no length");
	/* NIL */
	t_ok(imap_arg_nil(imap_arg_nth(a, 3)), "NIL is NIL");
	s = "x";
	len = 9;
	t_ok(imap_arg_nstring(imap_arg_nth(a, 3), &s, &len) && s == NULL &&
	    len == 0, "NIL as nstring is NULL");
	t_ok(imap_arg_astring(imap_arg_nth(a, 3), &s, &len) &&
	    strcmp(s, "NIL") == 0 && len == 3,
	    "NIL as astring is the name NIL");
	t_ok(!imap_arg_string(imap_arg_nth(a, 3), &s, &len),
	    "NIL is not a string");
	t_ok(!imap_arg_atom(imap_arg_nth(a, 3), &s), "NIL is not an atom");
	/* literal with a NUL */
	t_ok(imap_arg_string(imap_arg_nth(a, 4), &s, &len) && len == 3 &&
	    memcmp(s, "l\0t", 4) == 0 && imap_arg_nth(a, 4)->literal,
	    "literal keeps its NUL, length and terminator");
	t_ok(imap_arg_astring(imap_arg_nth(a, 4), &s, &len) && len == 3,
	    "literal as astring");
	/* list */
	t_ok(imap_arg_list(imap_arg_nth(a, 5), &first, &count) &&
	    count == 3 && imap_arg_is(first, "a") &&
	    imap_arg_is(imap_arg_nth(first, 2), "c") &&
	    imap_arg_nth(first, 3) == NULL, "list");
	t_ok(imap_arg_list(imap_arg_nth(a, 5), &first, NULL),
	    "list without a count");
	t_ok(!imap_arg_list(imap_arg_nth(a, 4), &first, &count),
	    "a string is not a list");
	t_ok(!imap_arg_astring(imap_arg_nth(a, 5), &s, &len),
	    "a list is not an astring");
	t_ok(!imap_arg_nil(imap_arg_nth(a, 5)), "a list is not NIL");
	/* empty, escapes, UTF-8 */
	t_ok(imap_arg_string(imap_arg_nth(a, 6), &s, &len) && len == 0 &&
	    s[0] == '\0', "empty quoted string");
	t_ok(imap_arg_string(imap_arg_nth(a, 7), &s, &len) &&
	    strcmp(s, "say \"hi\" C:\\dir") == 0 && len == 15,
	    "escapes undone");
	t_ok(imap_arg_string(imap_arg_nth(a, 8), &s, &len) &&
	    strcmp(s, "Gr\xc3\xbc\xc3\x9f" "e") == 0 && len == 7,
	    "8-bit UTF-8 kept");
	/* nth and NULL */
	t_ok(imap_arg_nth(a, 0) == a, "nth 0 is the argument itself");
	t_ok(imap_arg_nth(a, 9) == NULL && imap_arg_nth(a, 1000) == NULL,
	    "nth past the end is NULL");
	t_ok(imap_arg_nth(NULL, 0) == NULL && imap_arg_nth(NULL, 3) == NULL,
	    "nth of NULL");
	t_ok(!imap_arg_atom(NULL, &s) && !imap_arg_is(NULL, "X") &&
	    !imap_arg_string(NULL, &s, &len) &&
	    !imap_arg_astring(NULL, &s, &len) &&
	    !imap_arg_nstring(NULL, &s, &len) &&
	    !imap_arg_list(NULL, &first, &count) && !imap_arg_nil(NULL),
	    "every accessor refuses NULL");
	imap_parser_free(h.p);
}

/* The ENVELOPE read through accessors, as fetch would. */
static void
test_envelope(enum mode m)
{
	static const char in[] = "* 12 FETCH (UID 4 ENVELOPE (\"Wed, 17 Jul "
	    "1996 02:23:25 -0700 (PDT)\" \"say \\\"hi\\\" to C:\\\\dir\" "
	    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) NIL NIL "
	    "NIL NIL NIL NIL {5}\r\n<a@b>))\r\n";
	const struct imap_arg *items, *env, *from, *addr;
	const char *s;
	size_t count, len;
	uint32_t n;
	struct held h;
	char label[128];

	snprintf(label, sizeof(label), "envelope parsed (%s)", mode_names[m]);
	if (!t_ok(parse_first(&h, in, sizeof(in) - 1, m) == 0, label)) {
		imap_parser_free(h.p);
		return;
	}
	t_ok(imap_arg_u32(h.r->args, &n) && n == 12 &&
	    imap_arg_is(h.r->args->next, "FETCH") &&
	    imap_arg_list(imap_arg_nth(h.r->args, 2), &items, &count) &&
	    count == 4, "FETCH item list");
	t_ok(imap_arg_is(items, "UID") && imap_arg_u32(items->next, &n) &&
	    n == 4, "UID 4");
	if (!t_ok(imap_arg_list(imap_arg_nth(items, 3), &env, &count) &&
	    count == 10, "envelope has 10 fields")) {
		imap_parser_free(h.p);
		return;
	}
	t_ok(imap_arg_nstring(imap_arg_nth(env, 1), &s, &len) &&
	    strcmp(s, "say \"hi\" to C:\\dir") == 0, "subject unescaped");
	t_ok(imap_arg_list(imap_arg_nth(env, 2), &from, &count) &&
	    count == 1 && imap_arg_list(from, &addr, &count) && count == 4,
	    "from: one address of four fields");
	t_ok(imap_arg_nstring(addr, &s, NULL) && strcmp(s, "Terry Gray") == 0 &&
	    imap_arg_nstring(addr->next, &s, NULL) && s == NULL,
	    "address name and NIL route");
	t_ok(imap_arg_nil(imap_arg_nth(env, 3)), "sender NIL");
	t_ok(imap_arg_nstring(imap_arg_nth(env, 9), &s, &len) &&
	    strcmp(s, "<a@b>") == 0 && len == 5,
	    "message-id from a literal in a nested list");
	imap_parser_free(h.p);
}

/*
 * An atom of many '[' with no ']': scanning for the end of a section from
 * each '[' would take quadratic time; this must be quick.
 */
static void
test_brackets(enum mode m)
{
	size_t n = 4u << 20, i;
	char *in, label[128];
	struct held h;

	if ((in = malloc(n + 8)) == NULL)
		abort();
	memcpy(in, "* X ", 4);
	for (i = 4; i < n; i += 2)
		memcpy(in + i, "a[", 2);
	memcpy(in + n, "\r\n", 2);
	snprintf(label, sizeof(label), "a 4 MB atom of unclosed [ (%s)",
	    mode_names[m]);
	t_ok(parse_first(&h, in, n + 2, m) == 0 && h.r->nargs == 2 &&
	    h.r->args->next->len == n - 4, label);
	imap_parser_free(h.p);
	for (i = 4; i + 6 <= n; i += 6)
		memcpy(in + i, "BODY[ ", 6);
	memcpy(in + i, "\r\n", 2);
	snprintf(label, sizeof(label), "BODY[ repeated fails (%s)",
	    mode_names[m]);
	t_ok(parse_first(&h, in, i + 2, m) < 0, label);
	imap_parser_free(h.p);
	free(in);
}

/* The parser reports that it is inside a literal, and can be reset there. */
static void
test_in_literal(void)
{
	struct imap_parser *p = imap_parser_new();
	const struct imap_resp *r;
	struct err e;
	size_t used;
	static const char a[] = "* 1 FETCH (BODY[] {5}\r\nhe";
	static const char b[] = "* 2 EXISTS\r\n";

	t_ok(!imap_parser_in_literal(p), "not in a literal at the start");
	t_ok(imap_parser_feed(p, a, sizeof(a) - 1, &used, &r, &e) == 0 &&
	    used == sizeof(a) - 1 && r == NULL, "partial literal consumed");
	t_ok(imap_parser_in_literal(p), "in a literal");
	imap_parser_reset(p);
	t_ok(!imap_parser_in_literal(p), "reset leaves the literal");
	t_ok(imap_parser_feed(p, b, sizeof(b) - 1, &used, &r, &e) == 1 &&
	    r != NULL && r->nargs == 2 && imap_arg_is(r->args->next, "EXISTS"),
	    "a response after reset");
	t_ok(imap_parser_feed(p, "", 0, &used, &r, &e) == 0 && used == 0 &&
	    r == NULL, "an empty feed");
	imap_parser_free(p);
	imap_parser_free(NULL);
	t_ok(1, "imap_parser_free(NULL)");
}

/* Big inputs --------------------------------------------------------------- */

/*
 * A line longer than IMAP_MAX_LINE, fed in pieces: the parser fails once
 * the line passes the limit, having consumed no more than the limit, and
 * its memory never grows much beyond it.
 */
static void
test_long_line(enum mode m)
{
	struct imap_parser *p = imap_parser_new();
	const struct imap_resp *r;
	struct err e;
	size_t total = (size_t)IMAP_MAX_LINE + (1u << 20), fed = 0, n, used;
	size_t base, peak = 0, now, calls = 0;
	uint32_t rng = 12345;
	char *big, label[128];
	int rv = 0;

	big = malloc(total + 2);
	if (big == NULL)
		abort();
	memset(big, 'a', total);
	memcpy(big, "* OK ", 5);
	memcpy(big + total, "\r\n", 2);
	base = mem_in_use();
	while (fed < total + 2) {
		n = chunk_size(m, &rng, total + 2 - fed);
		if (m == M_RANDOM)
			n = 1 + rng_next(&rng) % 65536;
		if (n > total + 2 - fed)
			n = total + 2 - fed;
		rv = imap_parser_feed(p, big + fed, n, &used, &r, &e);
		fed += used;
		if (rv != 0)
			break;
		if ((++calls & 4095) == 0 || m != M_BYTE) {
			now = mem_in_use();
			if (now > base && now - base > peak)
				peak = now - base;
		}
	}
	now = mem_in_use();
	if (now > base && now - base > peak)
		peak = now - base;
	snprintf(label, sizeof(label), "line past IMAP_MAX_LINE fails (%s)",
	    mode_names[m]);
	t_ok(rv < 0 && e.kind == ERR_PROTOCOL &&
	    strstr(e.msg, "longer than") != NULL, label);
	snprintf(label, sizeof(label), "no more than IMAP_MAX_LINE consumed "
	    "(%s)", mode_names[m]);
	if (!t_ok(fed <= IMAP_MAX_LINE, label))
		printf("#   consumed %zu\n", fed);
	snprintf(label, sizeof(label), "memory stays near IMAP_MAX_LINE (%s)",
	    mode_names[m]);
	if (!t_ok(peak <= (size_t)IMAP_MAX_LINE + (256u << 10), label))
		printf("#   peak growth %zu\n", peak);
	rv = imap_parser_feed(p, "* 1 EXISTS\r\n", 12, &used, &r, &e);
	snprintf(label, sizeof(label), "usable after a long line (%s)",
	    mode_names[m]);
	t_ok(rv == 1 && imap_arg_is(imap_arg_nth(r->args, 1), "EXISTS"), label);
	imap_parser_free(p);
	free(big);

	/* A line of exactly the limit, CR included, still parses. */
	if (m != M_WHOLE)
		return;
	p = imap_parser_new();
	big = malloc(IMAP_MAX_LINE + 1);
	if (big == NULL)
		abort();
	memset(big, 'b', IMAP_MAX_LINE);
	memcpy(big, "* X ", 4);
	memcpy(big + IMAP_MAX_LINE - 1, "\r\n", 2);
	rv = imap_parser_feed(p, big, IMAP_MAX_LINE + 1, &used, &r, &e);
	t_ok(rv == 1 && r->nargs == 2 &&
	    imap_arg_nth(r->args, 1)->len == IMAP_MAX_LINE - 5,
	    "a line of exactly IMAP_MAX_LINE bytes parses");
	imap_parser_free(p);
	free(big);
}

/* Build "* SEARCH" followed by n items, fed whole or in chunks. */
static int
feed_items(struct imap_parser *p, const char *prefix, size_t n,
    const char *item, const char *suffix, enum mode m,
    const struct imap_resp **r_r, struct err *e, size_t *peak_r)
{
	static const char join[] = ") {0}\r\n (";
	char *s, *q;
	size_t plen = strlen(prefix), ilen = strlen(item);
	size_t slen = strlen(suffix);
	size_t len, off = 0, used, k, calls = 0, now;
	uint32_t rng = 777;
	int rv = 0;

	/* With peak_r: lists of 700000 items, two a line, lines joined. */
	len = plen + n * ilen + slen + (peak_r ? n / 700000 * 12 + 3 : 0);
	s = malloc(len);
	if (s == NULL)
		abort();
	memcpy(s, prefix, plen);
	q = s + plen;
	if (peak_r != NULL) {
		memcpy(q, " (", 2);
		q += 2;
	}
	for (k = 0; k < n; k++, q += ilen) {
		if (peak_r != NULL && k > 0 && k % 700000 == 0) {
			memcpy(q, k % 1400000 ? ") (" : join,
			    k % 1400000 ? 3 : sizeof(join) - 1);
			q += k % 1400000 ? 3 : sizeof(join) - 1;
		}
		memcpy(q, item, ilen);
	}
	if (peak_r != NULL)
		*q++ = ')';
	memcpy(q, suffix, slen);
	len = (size_t)(q - s) + slen;
	while (off < len) {
		size_t c = chunk_size(m, &rng, len - off);

		if (m == M_RANDOM)
			c = 1 + rng_next(&rng) % 4096;
		if (c > len - off)
			c = len - off;
		rv = imap_parser_feed(p, s + off, c, &used, r_r, e);
		off += used;
		if (peak_r != NULL && (m != M_BYTE || (++calls & 4095) == 0)) {
			now = mem_in_use();
			if (now > *peak_r)
				*peak_r = now;
		}
		if (rv != 0)
			break;
	}
	if (peak_r != NULL && (now = mem_in_use()) > *peak_r)
		*peak_r = now;
	free(s);
	return rv;
}

static void
test_items(enum mode m)
{
	struct imap_parser *p = imap_parser_new();
	const struct imap_resp *r;
	struct err e;
	char label[128];
	size_t base, peak;
	int rv;

	rv = feed_items(p, "* X", IMAP_MAX_ITEMS - 1, " 1", "\r\n", m,
	    &r, &e, NULL);
	snprintf(label, sizeof(label), "IMAP_MAX_ITEMS items in a list "
	    "(%s)", mode_names[m]);
	t_ok(rv == 1 && r->nargs == IMAP_MAX_ITEMS, label);
	rv = feed_items(p, "* X", IMAP_MAX_ITEMS, " 1", "\r\n", m, &r,
	    &e, NULL);
	snprintf(label, sizeof(label), "one item more fails (%s)",
	    mode_names[m]);
	t_ok(rv < 0 && e.kind == ERR_PROTOCOL &&
	    strstr(e.msg, "items") != NULL, label);
	/* "X", the list and its items. */
	rv = feed_items(p, "* X (", IMAP_MAX_ITEMS - 2, " a", ")\r\n", m, &r,
	    &e, NULL);
	snprintf(label, sizeof(label), "IMAP_MAX_ITEMS items with a nested "
	    "list (%s)", mode_names[m]);
	t_ok(rv == 1 && imap_arg_nth(r->args, 1)->count == IMAP_MAX_ITEMS - 2,
	    label);
	rv = feed_items(p, "* X (", IMAP_MAX_ITEMS - 1, " a", ")\r\n", m, &r,
	    &e, NULL);
	snprintf(label, sizeof(label), "one item more in a nested list fails "
	    "(%s)", mode_names[m]);
	t_ok(rv < 0 && e.kind == ERR_PROTOCOL, label);

	/*
	 * Many lists, none too long, over lines joined by empty literals:
	 * each argument costs some 80 bytes against 2 on the wire, so the
	 * items of the whole response must be bounded, or 8 MB lines chained
	 * up to the response limit would take gigabytes.
	 */
	base = mem_in_use();
	peak = 0;
	rv = feed_items(p, "* X", 6 * 700000, " a", "\r\n", m, &r, &e,
	    &peak);
	snprintf(label, sizeof(label), "4.2 million items over several lines "
	    "fail (%s)", mode_names[m]);
	t_ok(rv < 0 && e.kind == ERR_PROTOCOL &&
	    strstr(e.msg, "items") != NULL, label);
	snprintf(label, sizeof(label), "memory for items stays bounded (%s)",
	    mode_names[m]);
	peak = peak > base ? peak - base : 0;
	if (!t_ok(peak < ((size_t)160 << 20), label))
		printf("#   peak growth %zu MB\n", peak >> 20);

	rv = feed_items(p, "* 1 EXISTS", 0, "", "\r\n", m, &r, &e, NULL);
	snprintf(label, sizeof(label), "usable after too many items (%s)",
	    mode_names[m]);
	t_ok(rv == 1 && r->nargs == 2, label);
	imap_parser_free(p);
}

/* What the responses of one number stream added up to. */
struct numbers {
	uint64_t	 next;		/* the number expected next */
	size_t		 pieces;	/* "* SEARCH" responses */
	size_t		 most;		/* arguments in the biggest */
	size_t		 others;	/* other responses, in order */
	int		 order_ok, modseq, whole;
	size_t		 peak;
};

static void
take_numbers(struct numbers *c, const struct imap_resp *r, const char *name)
{
	const struct imap_arg *a;
	uint32_t v;

	if (r->kind != IMAP_UNTAGGED || !imap_arg_is(r->args, name)) {
		c->others++;
		return;
	}
	c->pieces++;
	if (r->nargs > c->most)
		c->most = r->nargs;
	for (a = r->args->next; a != NULL; a = a->next) {
		if (a->type == IMAP_LIST) {
			c->modseq = imap_arg_is(a->list, "MODSEQ") &&
			    a->next == NULL;
			continue;
		}
		if (!imap_arg_u32(a, &v) || v != c->next)
			c->order_ok = 0;
		c->next++;
	}
	if (c->others > 0)
		c->order_ok = 0;	/* a piece after what followed it */
}

/* Feed s[0..len) in mode m; every response goes to take_numbers. */
static int
feed_numbers(struct imap_parser *p, const char *s, size_t len,
    const char *name, enum mode m, struct numbers *c, struct err *e)
{
	const struct imap_resp *r;
	size_t off = 0, used, n, base = mem_in_use(), now, calls = 0;
	uint32_t rng = 4242;
	int rv;

	memset(c, 0, sizeof(*c));
	c->next = 1;
	c->order_ok = 1;
	while (off < len) {
		n = chunk_size(m, &rng, len - off);
		if (m == M_RANDOM)
			n = 1 + rng_next(&rng) % 100000;
		if (n > len - off)
			n = len - off;
		rv = imap_parser_feed(p, s + off, n, &used, &r, e);
		off += used;
		if (rv < 0)
			return -1;
		if (rv > 0)
			take_numbers(c, r, name);
		if (m != M_BYTE || (++calls & 4095) == 0) {
			now = mem_in_use();
			if (now > base && now - base > c->peak)
				c->peak = now - base;
		}
	}
	return 0;
}

/* The trace's lines joined by a space, into a struct buf. */
static void
trace_join(void *ctx, const char *line, size_t len, uint64_t literal_size)
{
	struct buf *b = ctx;

	(void)literal_size;
	if (line == NULL)
		return;
	if (b->len > 0)
		buf_putc(b, ' ');
	buf_put(b, line, len);
}

/* "PREFIX1 2 ... n" + suffix, in a buffer the caller frees. */
static char *
number_line(const char *prefix, uint32_t n, const char *suffix,
    size_t *len_r)
{
	size_t cap = strlen(prefix) + (size_t)n * 11 + strlen(suffix) + 1;
	char *s = malloc(cap), *q;
	uint32_t k;

	if (s == NULL)
		abort();
	q = s + sprintf(s, "%s", prefix);
	for (k = 1; k <= n; k++)
		q += sprintf(q, k > 1 ? " %u" : "%u", k);
	q += sprintf(q, "%s", suffix);
	*len_r = (size_t)(q - s);
	return s;
}

/*
 * A SEARCH or SORT answer without ESEARCH names every match on one line:
 * it comes in pieces that add up to the line, in order, each small, with
 * nothing lost where a piece was cut, whatever the feeding.
 */
static void
test_number_lines(enum mode m)
{
	struct imap_parser *p = imap_parser_new();
	struct numbers c;
	struct err e;
	char label[160], *s;
	size_t len;
	uint32_t n = m == M_BYTE ? 100000 : 1300000;
	int rv;

	s = number_line("* SEARCH ", n, " (MODSEQ 917)\r\n* 5 EXISTS\r\n",
	    &len);
	rv = feed_numbers(p, s, len, "SEARCH", m, &c, &e);
	snprintf(label, sizeof(label), "a SEARCH line of %zu bytes comes in "
	    "%zu pieces, in order (%s)", len, c.pieces, mode_names[m]);
	t_ok(rv == 0 && c.next == (uint64_t)n + 1 && c.order_ok &&
	    c.pieces > 10 && c.others == 1, label);
	snprintf(label, sizeof(label), "its (MODSEQ n) ends the last piece "
	    "(%s)", mode_names[m]);
	t_ok(c.modseq, label);
	snprintf(label, sizeof(label), "each piece is small: %zu arguments, "
	    "%zu KB held (%s)", c.most, c.peak >> 10, mode_names[m]);
	t_ok(c.most < 10000 && c.peak < ((size_t)2 << 20), label);
	free(s);

	s = number_line("* sort ", n / 10, "\r\n", &len);
	rv = feed_numbers(p, s, len, "SORT", m, &c, &e);
	snprintf(label, sizeof(label), "a SORT line, any case, too (%s)",
	    mode_names[m]);
	t_ok(rv == 0 && c.next == (uint64_t)n / 10 + 1 && c.order_ok &&
	    c.pieces > 1 && c.others == 0, label);
	free(s);

	/* Not only numbers: the line goes whole, as any other. */
	s = number_line("* SEARCH 1 X ", 20000, "\r\n", &len);
	rv = feed_numbers(p, s, len, "SEARCH", m, &c, &e);
	snprintf(label, sizeof(label), "a SEARCH line with a word in it comes "
	    "whole (%s)", mode_names[m]);
	t_ok(rv == 0 && c.pieces == 1 && c.most == 20003, label);
	free(s);
	s = number_line("* X ", 20000, "\r\n", &len);
	rv = feed_numbers(p, s, len, "X", m, &c, &e);
	snprintf(label, sizeof(label), "other long lines come whole (%s)",
	    mode_names[m]);
	t_ok(rv == 0 && c.pieces == 1 && c.most == 20001, label);
	free(s);

	/* A number too long to be one is no place to cut: the line is whole. */
	len = 40000;
	s = malloc(len + 14);
	if (s == NULL)
		abort();
	memcpy(s, "* SEARCH 1 ", 11);
	memset(s + 11, '7', len);
	memcpy(s + 11 + len, "\r\n", 2);
	rv = feed_numbers(p, s, len + 13, "SEARCH", m, &c, &e);
	snprintf(label, sizeof(label), "a 40000-digit number is not cut "
	    "(%s)", mode_names[m]);
	t_ok(rv == 0 && c.pieces == 1 && c.most == 3, label);
	free(s);

	/* The trace sees the pieces as they came: joined, the line itself. */
	{
		struct buf tr;
		const struct imap_resp *r;
		size_t off = 0, used;

		s = number_line("* SEARCH ", 30000, "\r\n", &len);
		buf_init(&tr, (size_t)1 << 24);
		imap_parser_set_trace(p, trace_join, &tr);
		while (off < len && imap_parser_feed(p, s + off, len - off,
		    &used, &r, &e) >= 0 && used > 0)
			off += used;
		imap_parser_set_trace(p, NULL, NULL);
		snprintf(label, sizeof(label), "the trace of the pieces joined "
		    "is the line (%s)", mode_names[m]);
		t_memeq(tr.s, tr.len, s, len - 2, label);
		buf_free(&tr);
		free(s);
	}

	/* After a literal, the rest of a split line is traced whole. */
	{
		struct buf tr;
		const struct imap_resp *r;
		size_t off = 0, used;
		int got = 0;

		s = number_line("* SEARCH ", 20000, " {3}\r\nabc x\r\n", &len);
		buf_init(&tr, (size_t)1 << 24);
		imap_parser_set_trace(p, trace_join, &tr);
		while (off < len && (rv = imap_parser_feed(p, s + off,
		    len - off, &used, &r, &e)) >= 0 && used > 0) {
			off += used;
			got += rv;
		}
		imap_parser_set_trace(p, NULL, NULL);
		snprintf(label, sizeof(label), "a split line with a literal: "
		    "the segment after it traced whole (%s)", mode_names[m]);
		t_ok(got > 1 && tr.len > 6 &&
		    memcmp(tr.s + tr.len - 6, "{3}  x", 6) == 0, label);
		buf_free(&tr);
		free(s);
	}

	/* Splits off: the line comes whole. */
	s = number_line("* SEARCH ", 20000, "\r\n", &len);
	imap_parser_set_splits(p, 0);
	rv = feed_numbers(p, s, len, "SEARCH", m, &c, &e);
	imap_parser_set_splits(p, 1);
	snprintf(label, sizeof(label), "with splits off the line comes whole "
	    "(%s)", mode_names[m]);
	t_ok(rv == 0 && c.pieces == 1 && c.most == 20001 && c.order_ok, label);
	free(s);

	/* A reset drops what was left of a split line. */
	s = number_line("* SEARCH ", 20000, "", &len);
	rv = feed_numbers(p, s, len, "SEARCH", m, &c, &e);
	imap_parser_reset(p);
	{
		const struct imap_resp *r;
		size_t used;

		rv = imap_parser_feed(p, "* 3 EXISTS\r\n", 12, &used, &r, &e);
		snprintf(label, sizeof(label), "a reset drops the rest of a "
		    "split line (%s)", mode_names[m]);
		t_ok(c.pieces > 0 && rv == 1 && r->nargs == 2 &&
		    imap_arg_is(r->args->next, "EXISTS"), label);
	}
	free(s);
	imap_parser_free(p);
}

/*
 * Random responses, mostly well formed, some damaged: each way of feeding
 * must give the same dump, and nothing may crash.
 */
struct gen {
	char		*p;
	size_t		 len, cap;
	uint32_t	 rng;
};

static void
gen_add(struct gen *g, const char *s, size_t n)
{
	if (g->len + n + 1 > g->cap) {
		while (g->len + n + 1 > g->cap)
			g->cap = g->cap ? g->cap * 2 : 256;
		if ((g->p = realloc(g->p, g->cap)) == NULL)
			abort();
	}
	memcpy(g->p + g->len, s, n);
	g->len += n;
	g->p[g->len] = '\0';
}

#define NELEM(a)	(unsigned)(sizeof(a) / sizeof((a)[0]))

/* A function, not a macro: the argument is often a random pick. */
static void
gen_str(struct gen *g, const char *s)
{
	gen_add(g, s, strlen(s));
}

static unsigned
gen_pick(struct gen *g, unsigned n)
{
	return rng_next(&g->rng) % n;
}

static void
gen_arg(struct gen *g, int depth)
{
	static const char *const atoms[] = {
		"UID", "7", "4294967296", "FLAGS", "\\Seen", "BODY[]",
		"BODY[HEADER.FIELDS (FROM \"X-]\")]", "BODY[]<0>", "\\*",
		"$Junk", "ENVELOPE", "INBOX", "NILS", "a]b", "\xc3\xbc",
	};
	static const char bytes[] = "a \"\\\r\n\0()*{}~]\xff";
	static const char *const qchars[] = {
		"a", " ", "\\\"", "\\\\", "(", "{1}", "\xc3\xa9",
	};
	char tmp[64];
	unsigned i, n;

	switch (gen_pick(g, depth < 4 ? 6 : 5)) {
	case 0:
	case 1:
		gen_str(g, atoms[gen_pick(g, NELEM(atoms))]);
		break;
	case 2:
		gen_str(g, gen_pick(g, 2) ? "NIL" : "nil");
		break;
	case 3:
		/* A quoted string with escapes. */
		gen_str(g, "\"");
		n = gen_pick(g, 6);
		for (i = 0; i < n; i++)
			gen_str(g, qchars[gen_pick(g, NELEM(qchars))]);
		gen_str(g, "\"");
		break;
	case 4:
		/* A literal of awkward bytes. */
		n = gen_pick(g, 9);
		snprintf(tmp, sizeof(tmp), "%s{%u%s}\r\n", gen_pick(g, 4) ?
		    "" : "~", n, gen_pick(g, 5) ? "" : "+");
		gen_str(g, tmp);
		for (i = 0; i < n; i++)
			gen_add(g, &bytes[gen_pick(g, sizeof(bytes) - 1)], 1);
		break;
	default:
		gen_str(g, "(");
		n = gen_pick(g, 4);
		for (i = 0; i < n; i++) {
			if (i > 0)
				gen_str(g, " ");
			gen_arg(g, depth + 1);
		}
		gen_str(g, ")");
		break;
	}
}

static void
gen_resp(struct gen *g)
{
	static const char *const damage[] = {
		"(", ")", "\"", "\\", "{", "}", "{3x}", "\r\n", "\n", "\0",
		"[", "]", "\t", "~", "{99}\r\n",
	};
	static const char *const status[] = {
		"* OK", "A1 OK", "A22 NO", "a3 bad", "* BYE", "* PREAUTH",
	};
	static const char *const codes[] = {
		"ALERT", "UIDNEXT 5", "PERMANENTFLAGS (\\Seen \\*)",
		"BADCHARSET (A \"B\")", "X (((a)))",
	};
	static const char *const starts[] = {
		"* 3 FETCH (", "* LIST (", "* STATUS ", "* 9 EXISTS",
		"* SEARCH",
	};
	size_t start = g->len, at, i;
	unsigned n, k;

	switch (gen_pick(g, 6)) {
	case 0:
		gen_str(g, gen_pick(g, 2) ? "+ go ahead" : "+");
		break;
	case 1:
		gen_str(g, status[gen_pick(g, NELEM(status))]);
		if (gen_pick(g, 2)) {
			gen_str(g, " [");
			gen_str(g, codes[gen_pick(g, NELEM(codes))]);
			gen_str(g, "]");
		}
		if (gen_pick(g, 2))
			gen_str(g, " some text [x] \xc3\xa4");
		break;
	default:
		k = gen_pick(g, NELEM(starts));
		gen_str(g, starts[k]);
		n = gen_pick(g, 6);
		for (i = 0; i < n; i++) {
			gen_str(g, " ");
			gen_arg(g, 1);
		}
		if (k < 2)
			gen_str(g, ")");
		break;
	}
	gen_str(g, "\r\n");
	/* Now and then, damage. */
	if (gen_pick(g, 6) == 0) {
		at = start + gen_pick(g, (unsigned)(g->len - start));
		i = gen_pick(g, NELEM(damage));
		/* "\0" is a NUL byte, not an empty string. */
		n = damage[i][0] == '\0' ? 1 : (unsigned)strlen(damage[i]);
		gen_add(g, damage[i], n);
		memmove(g->p + at + n, g->p + at, g->len - n - at);
		memcpy(g->p + at, damage[i], n);
	}
}

static void
test_random(void)
{
	struct pcase pc;
	struct ctx c;
	struct gen g = { NULL, 0, 0, 4242 };
	char *dump[M_COUNT], label[64], *q;
	size_t cut[5], i;
	int round, m, k, ok = 1, nerr = 0, nresp = 0, nend = 0;

	for (round = 0; round < 400; round++) {
		memset(&pc, 0, sizeof(pc));
		pc.name = "random";
		pc.want = "";
		pc.sink = round % 3 == 0 ? SINK_ALL : SINK_NONE;
		pc.max_literal = round % 7 == 0 ? 3 : 0;
		g.len = 0;
		k = 1 + (int)gen_pick(&g, 8);
		while (k-- > 0)
			gen_resp(&g);
		/* Four inputs, cut anywhere. */
		cut[0] = 0;
		cut[4] = g.len;
		for (i = 1; i < 4; i++)
			cut[i] = gen_pick(&g, (unsigned)g.len + 1);
		for (i = 1; i < 4; i++)
			for (k = (int)i; k > 1 && cut[k - 1] > cut[k]; k--) {
				size_t tmp = cut[k];

				cut[k] = cut[k - 1];
				cut[k - 1] = tmp;
			}
		for (i = 0; i < 4; i++) {
			pc.in[i].p = g.p + cut[i];
			pc.in[i].len = cut[i + 1] - cut[i];
		}
		for (m = 0; m < M_COUNT; m++)
			dump[m] = run_case_mode(&pc, (enum mode)m,
			    (uint32_t)round + 1, &c);
		if ((strcmp(dump[0], dump[1]) != 0 ||
		    strcmp(dump[0], dump[2]) != 0 ||
		    strstr(dump[0], "!INVARIANT") != NULL ||
		    strstr(dump[0], "!STALL") != NULL ||
		    strstr(dump[0], "!NO-PROGRESS") != NULL ||
		    strstr(dump[0], "!CONSUMED") != NULL) && ok) {
			printf("# round %d differs:\n", round);
			for (m = 0; m < M_COUNT; m++)
				printf("# %s:\n%s\n", mode_names[m], dump[m]);
			ok = 0;
		}
		for (q = dump[0]; *q != '\0'; q = strchr(q, '\n') + 1) {
			if (q[0] == '!')
				nerr++;
			else if (q[0] == 'e')
				nend++;
			else if (q[0] != 'c')
				nresp++;
		}
		for (m = 0; m < M_COUNT; m++)
			free(dump[m]);
	}
	free(g.p);
	printf("# random: %d responses, %d errors, %d streamed literals\n",
	    nresp, nerr, nend);
	snprintf(label, sizeof(label), "400 random sessions agree");
	t_ok(ok, label);
	t_ok(nresp > 500 && nerr > 50 && nend > 20,
	    "random sessions exercise responses, errors and sinks");
}

/*
 * --max-size as large as a uint64_t: the ceiling on what a response may
 * hold (the limit plus a line) must not wrap round to a few megabytes.
 */
static void
test_huge_limit(void)
{
	static const char in[] = "* 1 FETCH (BODY[] {9000000}\r\n";
	struct imap_parser *p = imap_parser_new();
	const struct imap_resp *r;
	struct err e;
	size_t used = 0;
	int rv;

	err_clear(&e);
	imap_parser_set_max_literal(p, UINT64_MAX);
	rv = imap_parser_feed(p, in, sizeof(in) - 1, &used, &r, &e);
	t_ok(rv == 0 && used == sizeof(in) - 1 && imap_parser_in_literal(p),
	    "a limit of 2^64-1 takes a 9 MB literal");
	imap_parser_free(p);
}

int
main(void)
{
	size_t i;
	int m;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], 0x2545f491u + (uint32_t)i * 7919u);
	test_depth();
	test_parse_u64();
	for (m = 0; m < M_COUNT; m++) {
		test_numbers((enum mode)m);
		test_strings((enum mode)m);
		test_envelope((enum mode)m);
		test_brackets((enum mode)m);
	}
	test_in_literal();
	test_huge_limit();
	test_random();
	for (m = 0; m < M_COUNT; m++) {
		test_long_line((enum mode)m);
		test_items((enum mode)m);
		test_number_lines((enum mode)m);
	}
	return t_done();
}
