/* SPDX-License-Identifier: MIT */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <libxml/xmlwriter.h>

#include "date.h"
#include "emit.h"
#include "err.h"
#include "utf8.h"
#include "xalloc.h"
#include "banned.h"

/*
 * One code path for all formats: each public call checks the nesting,
 * then writes its piece in the active format. Output goes straight to the
 * FILE (or, for XML, through libxml2's writer to the FILE), so nothing is
 * held beyond the record being written.
 *
 * Once a write fails, the error is kept in e->status and every further
 * piece of output is dropped before any formatting is done; the nesting is
 * still tracked, so a command can carry on with its server work and the
 * caller learns of the failure from emit_status() or emit_finish().
 */

#define EMIT_MAX_DEPTH	16		/* record, lists and objects */
#define EMIT_NAME_MAX	64		/* an XML element name */
#define EMIT_CHUNK	4096		/* text for the XML writer */

enum frame_kind {
	FRAME_RECORD,
	FRAME_LIST,
	FRAME_OBJECT
};

struct frame {
	enum frame_kind	 kind;
	size_t		 count;		/* values written so far */
	int		 paren;		/* text: in parentheses */
	char		 item[EMIT_NAME_MAX];	/* xml: list items */
};

/* How a scalar is written. */
enum vkind {
	V_STRING,	/* any bytes: escaped and made valid UTF-8 */
	V_RAW,		/* a safe ASCII token: number, true, false */
	V_QUOTED,	/* a safe ASCII token that JSON quotes: u64s, time */
	V_NULL
};

struct emit {
	enum emit_format	 fmt;
	FILE			*fp;
	int			 status;
	int			 said;		/* status said to the user */
	int			 finished;
	int			 detached;	/* emit_detach: no output */
	int			 opened;	/* xml: the document started */
	const char		*command;
	unsigned long		 nrecords;
	xmlTextWriterPtr	 xw;
	struct frame		 stack[EMIT_MAX_DEPTH];
	size_t			 depth;
	size_t			 chunk_len;
	char			 chunk[EMIT_CHUNK + 1];
	char			 name[EMIT_NAME_MAX];
};

static const struct {
	const char		*name;
	enum emit_format	 fmt;
} formats[] = {
	{ "text",	EMIT_TEXT },
	{ "json",	EMIT_JSON },
	{ "jsonl",	EMIT_JSONL },
	{ "xml",	EMIT_XML },
};

int
emit_format_parse(const char *s, enum emit_format *fmt_r)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(s, formats[i].name) == 0) {
			*fmt_r = formats[i].fmt;
			return 0;
		}
	return -1;
}

const char *
emit_format_name(enum emit_format fmt)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].fmt == fmt)
			return formats[i].name;
	return "unknown";
}

enum emit_format
emit_format(const struct emit *e)
{
	return e->fmt;
}

/* Low-level output. */

/*
 * Whether fp is a pipe or socket whose reader went away, asked of the
 * system without writing: after a failed write errno does not always say
 * EPIPE (stdio may report an earlier failure of the same stream).
 */
static int
hung_up(FILE *fp)
{
	struct pollfd p;
	struct stat st;

	if (fstat(fileno(fp), &st) < 0 || (!S_ISFIFO(st.st_mode) &&
	    !S_ISSOCK(st.st_mode)))
		return 0;
	p.fd = fileno(fp);
	p.events = 0;
	p.revents = 0;
	return poll(&p, 1, 0) > 0 && p.revents != 0;
}

/* The status after a failed write: EPIPE when the reader left. */
static int
write_status(FILE *fp)
{
	int saved = errno;

	if (saved == EPIPE || hung_up(fp))
		return EPIPE;
	return saved != 0 ? saved : EIO;
}

static void
out_write(struct emit *e, const void *p, size_t n)
{
	if (e->status != 0 || n == 0)
		return;
	errno = 0;
	if (fwrite(p, 1, n, e->fp) != n)
		e->status = write_status(e->fp);
}

static void
out_puts(struct emit *e, const char *s)
{
	out_write(e, s, strlen(s));
}

static void
out_putc(struct emit *e, char c)
{
	out_write(e, &c, 1);
}

/*
 * libxml2's output callback. A failure is recorded and then reported as
 * success: libxml2 would otherwise print "I/O error" on stderr by itself,
 * and we drop everything after the first error anyway.
 */
static int
xml_write(void *ctx, const char *p, int len)
{
	struct emit *e = ctx;

	if (len > 0)
		out_write(e, p, (size_t)len);
	return len;
}

/* A writer call failed without an I/O error: out of memory, say. */
static void
xml_check(struct emit *e, int rc)
{
	if (rc < 0 && e->status == 0)
		e->status = EIO;
}

static void
xml_chunk_flush(struct emit *e)
{
	if (e->chunk_len == 0)
		return;
	e->chunk[e->chunk_len] = '\0';
	if (e->status == 0)
		xml_check(e, xmlTextWriterWriteString(e->xw,
		    (const xmlChar *)e->chunk));
	e->chunk_len = 0;
}

/*
 * Text for the XML writer is gathered in e->chunk and handed over in
 * pieces that never split a UTF-8 sequence; p[0..n) is valid UTF-8 without
 * NUL.
 */
static void
xml_chunk_add(struct emit *e, const char *p, size_t n)
{
	size_t room, k;

	while (n > 0) {
		room = EMIT_CHUNK - e->chunk_len;
		if (n <= room) {
			memcpy(e->chunk + e->chunk_len, p, n);
			e->chunk_len += n;
			return;
		}
		k = room;
		while (k > 0 && ((unsigned char)p[k] & 0xc0) == 0x80)
			k--;
		if (k == 0 && e->chunk_len == 0)
			k = room;	/* not UTF-8 after all: cut anyway */
		memcpy(e->chunk + e->chunk_len, p, k);
		e->chunk_len += k;
		xml_chunk_flush(e);
		p += k;
		n -= k;
	}
}

static void
sink(struct emit *e, const char *p, size_t n)
{
	if (e->fmt == EMIT_XML)
		xml_chunk_add(e, p, n);
	else
		out_write(e, p, n);
}

/* Escaping strings. */

static int
needs_escape(enum emit_format fmt, uint32_t cp)
{
	switch (fmt) {
	case EMIT_XML:
		/* What XML 1.0 section 2.2 leaves out of Char. */
		return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    cp == 0xfffe || cp == 0xffff;
	case EMIT_TEXT:
		/* A backslash only where it would be read as an escape. */
		return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
	default:
		return cp < 0x20 || cp == '"' || cp == '\\' ||
		    (cp >= 0x7f && cp <= 0x9f);
	}
}

static const char hex[] = "0123456789abcdef";
static const char replacement[] = "\xef\xbf\xbd";

/*
 * Write what stands for cp in the active format into out (8 bytes at
 * least) and return its length. Control characters: JSON writes the short
 * escapes RFC 8259 has and \u00XX for the rest (C1 and DEL included, for
 * the sake of terminals); text writes \t \r \n \\ and \xHH; XML has no way
 * to write them and gets U+FFFD.
 */
static size_t
escape(enum emit_format fmt, uint32_t cp, char *out)
{
	const char *s = NULL;

	if (cp == UTF8_REPLACEMENT || fmt == EMIT_XML) {
		memcpy(out, replacement, 3);
		return 3;
	}
	switch (cp) {
	case '\t':	s = "\\t";	break;
	case '\n':	s = "\\n";	break;
	case '\r':	s = "\\r";	break;
	case '\\':	s = "\\\\";	break;
	case '"':	s = "\\\"";	break;
	case '\b':	s = fmt == EMIT_TEXT ? NULL : "\\b";	break;
	case '\f':	s = fmt == EMIT_TEXT ? NULL : "\\f";	break;
	}
	if (s != NULL) {
		memcpy(out, s, 2);
		return 2;
	}
	if (fmt == EMIT_TEXT) {
		memcpy(out, "\\x", 2);
		out[2] = hex[cp >> 4 & 0xf];
		out[3] = hex[cp & 0xf];
		return 4;
	}
	memcpy(out, "\\u00", 4);
	out[4] = hex[cp >> 4 & 0xf];
	out[5] = hex[cp & 0xf];
	return 6;
}

/*
 * Text: whether a backslash before s[0..len) must be doubled, because
 * what is written next would make it the start of an escape: a
 * backslash, t, n, r or x, or a control character (written as an escape
 * itself). At the end of a value it stands alone.
 */
static int
text_backslash_escaped(const char *s, size_t len)
{
	unsigned char c;

	if (len == 0)
		return 0;
	c = (unsigned char)s[0];
	if (c < 0x20 || c == 0x7f || strchr("\\tnrx", c) != NULL)
		return 1;
	/* C1 controls, U+0080 to U+009F: 0xc2 0x80..0x9f in UTF-8. */
	return c == 0xc2 && len > 1 && (unsigned char)s[1] >= 0x80 &&
	    (unsigned char)s[1] <= 0x9f;
}

/*
 * Write s[0..len) made safe for the active format: runs that need nothing
 * are written as they are, invalid UTF-8 becomes U+FFFD (one for each
 * byte that cannot start a sequence, as utf8_decode resynchronises).
 */
static void
put_string(struct emit *e, const char *s, size_t len)
{
	size_t i, n, run, elen;
	uint32_t cp;
	char esc[8];

	for (i = run = 0; i < len; i += n) {
		if ((unsigned char)s[i] < 0x80) {
			n = 1;
			cp = (unsigned char)s[i];
		} else {
			n = utf8_decode(s + i, len - i, &cp);
			if (n == 1)
				cp = UTF8_REPLACEMENT;	/* invalid */
			else if (cp == UTF8_REPLACEMENT)
				continue;		/* a real U+FFFD */
		}
		if (cp == '\\' && e->fmt == EMIT_TEXT) {
			if (!text_backslash_escaped(s + i + 1, len - i - 1))
				continue;
		} else if (cp != UTF8_REPLACEMENT &&
		    !needs_escape(e->fmt, cp))
			continue;
		sink(e, s + run, i - run);
		elen = escape(e->fmt, cp, esc);
		sink(e, esc, elen);
		run = i + n;
	}
	sink(e, s + run, len - run);
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t
emit_text_unescape(const char *s, size_t len, char *out)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] != '\\' || i + 1 == len) {
			out[n++] = s[i];
			continue;
		}
		switch (s[i + 1]) {
		case 't':	out[n++] = '\t';	i++;	continue;
		case 'n':	out[n++] = '\n';	i++;	continue;
		case 'r':	out[n++] = '\r';	i++;	continue;
		case '\\':	out[n++] = '\\';	i++;	continue;
		case 'x':
			if (i + 3 < len && (hi = hex_value(
			    (unsigned char)s[i + 2])) >= 0 && (lo = hex_value(
			    (unsigned char)s[i + 3])) >= 0) {
				unsigned cp = (unsigned)(hi << 4 | lo);

				if (cp < 0x80)
					out[n++] = (char)cp;
				else {
					out[n++] = (char)(0xc0 | cp >> 6);
					out[n++] = (char)(0x80 | (cp & 0x3f));
				}
				i += 3;
				continue;
			}
			break;
		}
		out[n++] = s[i];	/* a backslash that escapes nothing */
	}
	return n;
}

/* XML names come from our code, but an odd one must not break the file. */
static void
xml_name(char *dst, const char *s)
{
	size_t i;
	char c;

	for (i = 0; s[i] != '\0' && i < EMIT_NAME_MAX - 1; i++) {
		c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (i > 0 && ((c >= '0' && c <= '9') ||
		    c == '-' || c == '.'))))
			c = '_';
		dst[i] = c;
	}
	if (i == 0)
		dst[i++] = '_';
	dst[i] = '\0';
}

/* Nesting. */

static struct frame *
top(struct emit *e)
{
	assert(e->depth > 0);
	return &e->stack[e->depth - 1];
}

static struct frame *
push(struct emit *e, enum frame_kind kind)
{
	struct frame *f;

	assert(e->depth < EMIT_MAX_DEPTH);
	f = &e->stack[e->depth++];
	f->kind = kind;
	f->count = 0;
	f->paren = 0;
	f->item[0] = '\0';
	return f;
}

/* Text: the separator before a value in f. */
static void
text_sep(struct emit *e, struct frame *f)
{
	if (f->count++ > 0)
		out_putc(e, f->kind == FRAME_RECORD ? '\t' : ' ');
}

/* JSON: the separator and, outside a list, the key. */
static void
json_key(struct emit *e, struct frame *f, const char *key)
{
	if (f->count++ > 0)
		out_putc(e, ',');
	if (f->kind != FRAME_LIST) {
		out_putc(e, '"');
		put_string(e, key, strlen(key));
		out_puts(e, "\":");
	}
}

/* XML: start the element for a value in f. */
static void
xml_start(struct emit *e, struct frame *f, const char *key)
{
	f->count++;
	if (f->kind == FRAME_LIST)
		xml_check(e, xmlTextWriterStartElement(e->xw,
		    (const xmlChar *)f->item));
	else {
		xml_name(e->name, key);
		xml_check(e, xmlTextWriterStartElement(e->xw,
		    (const xmlChar *)e->name));
	}
}

static void
put_value(struct emit *e, const char *key, enum vkind k, const char *s,
    size_t n)
{
	struct frame *f;

	assert(!e->finished);
	f = top(e);
	assert(f->kind == FRAME_LIST || key != NULL);
	if (e->status != 0)
		return;
	switch (e->fmt) {
	case EMIT_TEXT:
		/* In a list or an object a null is left out. */
		if (k == V_NULL && f->kind != FRAME_RECORD)
			return;
		text_sep(e, f);
		if (k == V_STRING)
			put_string(e, s, n);
		else if (k != V_NULL)
			out_write(e, s, n);
		break;
	case EMIT_JSON:
	case EMIT_JSONL:
		json_key(e, f, key);
		if (k == V_NULL)
			out_puts(e, "null");
		else if (k == V_RAW)
			out_write(e, s, n);
		else {
			out_putc(e, '"');
			if (k == V_STRING)
				put_string(e, s, n);
			else
				out_write(e, s, n);
			out_putc(e, '"');
		}
		break;
	case EMIT_XML:
		xml_start(e, f, key);
		if (k == V_NULL)
			xml_check(e, xmlTextWriterWriteAttribute(e->xw,
			    (const xmlChar *)"nil", (const xmlChar *)"true"));
		else if (k == V_STRING)
			put_string(e, s, n);
		else
			xml_chunk_add(e, s, n);
		xml_chunk_flush(e);
		if (e->status == 0)
			xml_check(e, xmlTextWriterEndElement(e->xw));
		break;
	}
}

struct emit *
emit_new(enum emit_format fmt, FILE *fp, const char *command)
{
	xmlOutputBufferPtr out;
	struct emit *e;

	e = xcalloc(1, sizeof(*e));
	e->fmt = fmt;
	e->fp = fp;
	if (fmt != EMIT_XML)
		return e;

	LIBXML_TEST_VERSION
	out = xmlOutputBufferCreateIO(xml_write, NULL, e, NULL);
	if (out == NULL || (e->xw = xmlNewTextWriter(out)) == NULL) {
		if (out != NULL)
			xmlOutputBufferClose(out);
		e->status = ENOMEM;
		return e;
	}
	e->command = command;
	return e;
}

/*
 * The XML document starts with the first record (or at the end), so a
 * command that writes bytes of its own (emit_detach) leaves no trace.
 */
static void
xml_open(struct emit *e)
{
	const char *command = e->command;

	if (e->opened || e->xw == NULL)
		return;
	e->opened = 1;
	xml_check(e, xmlTextWriterStartDocument(e->xw, NULL, "UTF-8", NULL));
	xml_check(e, xmlTextWriterStartElement(e->xw,
	    (const xmlChar *)"imapctl"));
	xml_check(e, xmlTextWriterStartAttribute(e->xw,
	    (const xmlChar *)"command"));
	if (command != NULL)
		put_string(e, command, strlen(command));
	xml_chunk_flush(e);
	xml_check(e, xmlTextWriterEndAttribute(e->xw));
	xml_check(e, xmlTextWriterWriteAttribute(e->xw,
	    (const xmlChar *)"format_version", (const xmlChar *)"1"));
	xml_check(e, xmlTextWriterWriteRaw(e->xw, (const xmlChar *)"\n"));
}

void
emit_record_begin(struct emit *e, const char *type)
{
	assert(!e->finished && !e->detached);
	assert(e->depth == 0);
	push(e, FRAME_RECORD);
	e->nrecords++;
	if (e->fmt == EMIT_XML && e->status == 0)
		xml_open(e);
	if (e->status != 0)
		return;
	switch (e->fmt) {
	case EMIT_TEXT:
		break;
	case EMIT_JSON:
		out_puts(e, e->nrecords == 1 ? "[\n" : ",\n");
		/* FALLTHROUGH */
	case EMIT_JSONL:
		out_putc(e, '{');
		break;
	case EMIT_XML:
		xml_name(e->name, type != NULL ? type : "record");
		xml_check(e, xmlTextWriterStartElement(e->xw,
		    (const xmlChar *)e->name));
		break;
	}
}

void
emit_record_end(struct emit *e)
{
	assert(e->depth == 1 && top(e)->kind == FRAME_RECORD);
	e->depth--;
	if (e->status != 0)
		return;
	switch (e->fmt) {
	case EMIT_TEXT:
		out_putc(e, '\n');
		break;
	case EMIT_JSON:
		out_putc(e, '}');
		break;
	case EMIT_JSONL:
		out_puts(e, "}\n");
		break;
	case EMIT_XML:
		xml_check(e, xmlTextWriterEndElement(e->xw));
		xml_check(e, xmlTextWriterWriteRaw(e->xw,
		    (const xmlChar *)"\n"));
		break;
	}
}

void
emit_str(struct emit *e, const char *key, const char *s)
{
	if (s == NULL)
		put_value(e, key, V_NULL, NULL, 0);
	else
		put_value(e, key, V_STRING, s, strlen(s));
}

void
emit_strn(struct emit *e, const char *key, const char *s, size_t n)
{
	if (s == NULL)
		put_value(e, key, V_NULL, NULL, 0);
	else
		put_value(e, key, V_STRING, s, n);
}

/* Digits of v into out (21 bytes at least); returns their number. */
static size_t
fmt_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

void
emit_uint(struct emit *e, const char *key, uint64_t v)
{
	char s[24];

	put_value(e, key, V_RAW, s, fmt_u64(s, v));
}

void
emit_int(struct emit *e, const char *key, int64_t v)
{
	char s[24];
	size_t n;

	if (v < 0) {
		s[0] = '-';
		n = 1 + fmt_u64(s + 1, (uint64_t)0 - (uint64_t)v);
	} else
		n = fmt_u64(s, (uint64_t)v);
	put_value(e, key, V_RAW, s, n);
}

void
emit_u64s(struct emit *e, const char *key, uint64_t v)
{
	char s[24];

	put_value(e, key, V_QUOTED, s, fmt_u64(s, v));
}

/*
 * Fixed-point with integer arithmetic, so the decimal separator is '.'
 * whatever LC_NUMERIC says; rounding is half away from zero on the value
 * the double holds. decimals is clamped to 0..9. Beyond 2^63 a double has
 * no fraction, and "%.0f" has no decimal separator to localise.
 */
size_t
emit_fmt_fixed(char *s, double v, int decimals)
{
	static const uint64_t p10[] = { 1, 10, 100, 1000, 10000, 100000,
	    1000000, 10000000, 100000000, 1000000000 };
	uint64_t ip, fp = 0;
	size_t n = 0, k;
	double a;
	int neg;

	s[0] = '\0';
	if (!isfinite(v))
		return 0;
	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	neg = v < 0;
	a = neg ? -v : v;
	if (a < 9.2e18) {
		ip = (uint64_t)a;
		fp = (uint64_t)((a - (double)ip) * (double)p10[decimals] + 0.5);
		if (fp >= p10[decimals]) {
			ip++;
			fp -= p10[decimals];
		}
		if (neg && (ip != 0 || fp != 0))
			s[n++] = '-';
		n += fmt_u64(s + n, ip);
	} else
		n = (size_t)snprintf(s, EMIT_FIXED_MAX - 16, "%.0f", v);
	if (decimals > 0) {
		s[n++] = '.';
		for (k = (size_t)decimals; k > 0; k--) {
			s[n + k - 1] = (char)('0' + fp % 10);
			fp /= 10;
		}
		n += (size_t)decimals;
	}
	s[n] = '\0';
	return n;
}

/* NaN and infinities have no JSON form and are written as null. */
void
emit_double(struct emit *e, const char *key, double v, int decimals)
{
	char s[EMIT_FIXED_MAX];
	size_t n = emit_fmt_fixed(s, v, decimals);

	if (n == 0)
		put_value(e, key, V_NULL, NULL, 0);
	else
		put_value(e, key, V_RAW, s, n);
}

void
emit_bool(struct emit *e, const char *key, int v)
{
	if (v)
		put_value(e, key, V_RAW, "true", 4);
	else
		put_value(e, key, V_RAW, "false", 5);
}

void
emit_null(struct emit *e, const char *key)
{
	put_value(e, key, V_NULL, NULL, 0);
}

/* RFC 3339 in UTC with whole seconds; null if it has no 4-digit year. */
void
emit_time(struct emit *e, const char *key, time_t t)
{
	char s[DATE_MAX];
	size_t n;

	if ((n = date_format_rfc3339(t, s, sizeof(s))) == 0) {
		put_value(e, key, V_NULL, NULL, 0);
		return;
	}
	put_value(e, key, V_QUOTED, s, n);
}

/*
 * In text, a list or an object that is a field of the record is written
 * bare; one nested in another is put in parentheses, so "(a b) (c d)"
 * keeps its shape.
 */
static void
container_begin(struct emit *e, const char *key, enum frame_kind kind,
    const char *item)
{
	struct frame *parent, *f;

	assert(!e->finished);
	parent = top(e);
	assert(parent->kind == FRAME_LIST || key != NULL);
	f = push(e, kind);
	if (kind == FRAME_LIST)
		xml_name(f->item, item != NULL ? item : "item");
	if (e->status != 0)
		return;
	switch (e->fmt) {
	case EMIT_TEXT:
		text_sep(e, parent);
		if (parent->kind != FRAME_RECORD) {
			out_putc(e, '(');
			f->paren = 1;
		}
		break;
	case EMIT_JSON:
	case EMIT_JSONL:
		json_key(e, parent, key);
		out_putc(e, kind == FRAME_LIST ? '[' : '{');
		break;
	case EMIT_XML:
		xml_start(e, parent, key);
		break;
	}
}

static void
container_end(struct emit *e, enum frame_kind kind)
{
	struct frame *f;

	assert(e->depth > 1);
	f = top(e);
	assert(f->kind == kind);
	e->depth--;
	if (e->status != 0)
		return;
	switch (e->fmt) {
	case EMIT_TEXT:
		if (f->paren)
			out_putc(e, ')');
		break;
	case EMIT_JSON:
	case EMIT_JSONL:
		out_putc(e, kind == FRAME_LIST ? ']' : '}');
		break;
	case EMIT_XML:
		xml_check(e, xmlTextWriterEndElement(e->xw));
		break;
	}
}

void
emit_address(struct emit *e, const char *key, const char *name,
    const char *address)
{
	struct frame *f;

	if (e->fmt != EMIT_TEXT) {
		container_begin(e, key, FRAME_OBJECT, NULL);
		emit_str(e, "name", name);
		emit_str(e, "address", address);
		container_end(e, FRAME_OBJECT);
		return;
	}
	assert(!e->finished);
	f = top(e);
	if (e->status != 0 || (name == NULL && address == NULL))
		return;
	if (f->kind == FRAME_LIST && f->count > 0)
		out_putc(e, ',');
	text_sep(e, f);
	if (name != NULL)
		put_string(e, name, strlen(name));
	if (name != NULL && address != NULL)
		out_puts(e, " <");
	if (address != NULL)
		put_string(e, address, strlen(address));
	if (name != NULL && address != NULL)
		out_putc(e, '>');
}

void
emit_list_begin(struct emit *e, const char *key, const char *item)
{
	container_begin(e, key, FRAME_LIST, item);
}

void
emit_list_end(struct emit *e)
{
	container_end(e, FRAME_LIST);
}

void
emit_object_begin(struct emit *e, const char *key)
{
	container_begin(e, key, FRAME_OBJECT, NULL);
}

void
emit_object_end(struct emit *e)
{
	container_end(e, FRAME_OBJECT);
}

static void
flush_file(struct emit *e)
{
	if (e->status != 0)
		return;
	errno = 0;
	if (fflush(e->fp) != 0 || ferror(e->fp))
		e->status = write_status(e->fp);
}

void
emit_detach(struct emit *e)
{
	assert(e->nrecords == 0);
	if (e->xw != NULL) {
		/* Drop the document's start, still in libxml2's buffer. */
		int st = e->status;

		e->status = ECANCELED;
		xmlFreeTextWriter(e->xw);
		e->xw = NULL;
		e->status = st;
	}
	e->detached = 1;
}

void
emit_flush(struct emit *e)
{
	if (e->status != 0)
		return;
	if (e->fmt == EMIT_XML && e->xw != NULL)
		xml_check(e, xmlTextWriterFlush(e->xw));
	flush_file(e);
}

int
emit_status(const struct emit *e)
{
	return e->status;
}

int
emit_write_failed(struct emit *e, int status)
{
	if (e->status == 0) {
		e->status = status != 0 ? status : EIO;
		return 1;
	}
	return 0;
}

void
emit_said(struct emit *e)
{
	e->said = 1;
}

int
emit_gone(struct emit *e)
{
	if (e->status == 0 && hung_up(e->fp))
		e->status = EPIPE;
	return e->status == EPIPE;
}

/*
 * Whatever is still open is closed, so a command that fails half way
 * through a record still leaves a valid document. The FILE is flushed
 * but stays open: it belongs to the caller. A reader that went away
 * (EPIPE) is not an error here: the caller checks emit_status() and exits
 * quietly.
 */
unsigned long
emit_records(const struct emit *e)
{
	return e->nrecords;
}

int
emit_finish(struct emit *e, struct err *err)
{
	if (e->finished)
		goto out;
	if (e->detached) {
		flush_file(e);
		e->finished = 1;
		goto out;
	}
	while (e->depth > 1)
		container_end(e, top(e)->kind);
	if (e->depth == 1)
		emit_record_end(e);
	if (e->status == 0) {
		switch (e->fmt) {
		case EMIT_TEXT:
		case EMIT_JSONL:
			break;
		case EMIT_JSON:
			out_puts(e, e->nrecords > 0 ? "\n]\n" : "[]\n");
			break;
		case EMIT_XML:
			xml_open(e);
			xml_check(e, xmlTextWriterEndDocument(e->xw));
			xml_check(e, xmlTextWriterFlush(e->xw));
			break;
		}
	}
	/* Nothing is left in the writer; emit_free need not touch fp. */
	if (e->xw != NULL) {
		xmlFreeTextWriter(e->xw);
		e->xw = NULL;
	}
	flush_file(e);
	e->finished = 1;
out:
	/* Said once: by the caller that saw it first, or here. */
	if (e->status != 0 && e->status != EPIPE && !e->said) {
		e->said = 1;
		return err_set(err, ERR_IO, "cannot write output: %s",
		    strerror(e->status));
	}
	return 0;
}

/*
 * Only releases memory: without emit_finish, what libxml2 still holds is
 * dropped rather than written as a truncated document.
 */
void
emit_free(struct emit *e)
{
	if (e == NULL)
		return;
	if (e->xw != NULL) {
		if (e->status == 0)
			e->status = ECANCELED;
		xmlFreeTextWriter(e->xw);
	}
	free(e);
}
