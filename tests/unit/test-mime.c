/* SPDX-License-Identifier: MIT */
/*
 * BODYSTRUCTURE to a MIME tree with part numbers, attachment file names
 * (RFC 2231 continuations and charsets, encoded words), file name
 * sanitising, the best text part, and ENVELOPE addresses with groups.
 * The structures come from the real response parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "msg.h"
#include "parser.h"
#include "t.h"

static struct imap_parser *P;

/* The first item's value of "* 1 FETCH (NAME value)". */
static const struct imap_arg *
parse_item(const char *resp)
{
	const struct imap_resp *r = NULL;
	const struct imap_arg *items;
	struct err e;
	size_t used;
	uint32_t seq;

	imap_parser_reset(P);
	if (imap_parser_feed(P, resp, strlen(resp), &used, &r, &e) != 1 ||
	    !msg_fetch_items(r, &seq, &items)) {
		printf("# cannot parse: %s\n", resp);
		exit(1);
	}
	return items->next;
}

/* "part type/subtype charset encoding size filename disposition;" */
static void
tree_is(const char *bs, const char *want, const char *name)
{
	char resp[8192];
	struct mime_tree t;
	struct buf out, fn;
	struct err e;
	size_t i;

	snprintf(resp, sizeof(resp), "* 1 FETCH (BODYSTRUCTURE %s)\r\n", bs);
	mime_tree_init(&t);
	buf_init(&out, 1 << 16);
	buf_init(&fn, 4096);
	if (mime_parse(parse_item(resp), &t, &e) < 0) {
		buf_putf(&out, "error: %s", e.msg);
		t.n = 0;
	}
	for (i = 0; i < t.n; i++) {
		const struct mime_part *p = &t.v[i];

		buf_reset(&fn);
		mime_filename(p, &fn);
		buf_putf(&out, "%s%s %s/%s %s %s %llu %s %s%s;", i ? " " : "",
		    p->part, p->type, p->subtype, p->charset ? p->charset : "-",
		    p->encoding[0] ? p->encoding : "-",
		    (unsigned long long)p->size, fn.len ? fn.s : "-",
		    p->disposition[0] ? p->disposition : "-",
		    mime_is_attachment(p) ? " att" : "");
	}
	t_streq(out.s, want, name);
	buf_free(&out);
	buf_free(&fn);
	mime_tree_free(&t);
}

static void
test_tree(void)
{
	tree_is("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" "
	    "12 1 NIL NIL NIL NIL)",
	    "1 text/plain UTF-8 7bit 12 - -;", "a single part is 1");
	tree_is("((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL "
	    "\"7BIT\" 5 1 NIL NIL NIL NIL)(\"TEXT\" \"HTML\" (\"CHARSET\" "
	    "\"us-ascii\") NIL NIL \"QUOTED-PRINTABLE\" 20 1 NIL NIL NIL NIL) "
	    "\"ALTERNATIVE\" (\"BOUNDARY\" \"b\") NIL NIL NIL)",
	    "TEXT multipart/alternative - - 0 - -; "
	    "1 text/plain us-ascii 7bit 5 - -; "
	    "2 text/html us-ascii quoted-printable 20 - -;",
	    "multipart/alternative");
	tree_is("(((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)(\"TEXT\" "
	    "\"HTML\" NIL NIL NIL \"7BIT\" 2 1) \"ALTERNATIVE\")"
	    "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") NIL NIL \"BASE64\" "
	    "30 NIL (\"ATTACHMENT\" (\"FILENAME\" \"r.pdf\")) NIL NIL)"
	    "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 400 (NIL \"s\" NIL "
	    "NIL NIL NIL NIL NIL NIL NIL) ((\"TEXT\" \"PLAIN\" NIL NIL NIL "
	    "\"7BIT\" 3 1)(\"IMAGE\" \"PNG\" (\"NAME\" \"i.png\") NIL NIL "
	    "\"BASE64\" 4) \"MIXED\") 9 NIL NIL NIL NIL) \"MIXED\")",
	    "TEXT multipart/mixed - - 0 - -; "
	    "1 multipart/alternative - - 0 - -; "
	    "1.1 text/plain - 7bit 1 - -; 1.2 text/html - 7bit 2 - -; "
	    "2 application/pdf - base64 30 r.pdf attachment att; "
	    "3 message/rfc822 - 7bit 400 - -; "
	    "3.TEXT multipart/mixed - - 0 - -; "
	    "3.1 text/plain - 7bit 3 - -; "
	    "3.2 image/png - base64 4 i.png - att;",
	    "nested message/rfc822 and alternative");
	tree_is("(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 40 (NIL NIL NIL "
	    "NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"PLAIN\" NIL NIL NIL "
	    "\"7BIT\" 3 1) 2)",
	    "1 message/rfc822 - 7bit 40 - -; 1.1 text/plain - 7bit 3 - -;",
	    "a message that is only an attached message");
	tree_is("(\"APPLICATION\" \"OCTET-STREAM\" NIL NIL NIL \"BASE64\" 3 "
	    "NIL (\"attachment\" (\"filename*0*\" \"utf-8''%E2%82%AC%20\" "
	    "\"filename*1\" \"rate.txt\")) NIL)",
	    "1 application/octet-stream - base64 3 \xe2\x82\xac rate.txt "
	    "attachment att;", "RFC 2231 continuations with a charset");
	tree_is("(\"APPLICATION\" \"OCTET-STREAM\" (\"name*\" "
	    "\"iso-8859-1'de'M%FCll.txt\") NIL NIL \"BASE64\" 3 NIL NIL NIL)",
	    "1 application/octet-stream - base64 3 M\xc3\xbcll.txt - att;",
	    "RFC 2231 name* in Latin-1");
	tree_is("(\"APPLICATION\" \"OCTET-STREAM\" NIL NIL NIL \"BASE64\" 3 "
	    "NIL (\"attachment\" (\"filename\" \"=?UTF-8?Q?K=C3=A4se.txt?=\")) "
	    "NIL)",
	    "1 application/octet-stream - base64 3 K\xc3\xa4se.txt attachment "
	    "att;", "encoded word in a file name");
	tree_is("\"TEXT\"", "error: cannot parse BODYSTRUCTURE",
	    "not a list");
}

static void
test_depth(void)
{
	char bs[4096], *p = bs;
	int i;

	for (i = 0; i < 40; i++)
		p += sprintf(p, "(");
	p += sprintf(p, "\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1");
	for (i = 0; i < 40; i++)
		p += sprintf(p, ")%s", i ? " \"MIXED\"" : "");
	tree_is(bs, "error: BODYSTRUCTURE nests deeper than 32",
	    "depth is bounded");
}

static void
sanitize_is(const char *in, size_t n, const char *want, const char *name)
{
	struct buf b;

	buf_init(&b, 4096);
	mime_sanitize_filename(in, n, "fallback", &b);
	t_streq(b.s, want, name);
	buf_free(&b);
}

static void
test_sanitize(void)
{
	char longname[400];
	struct buf b;

	sanitize_is("report.pdf", 10, "report.pdf", "plain name");
	sanitize_is("../../etc/passwd", 16, "_.._etc_passwd", "../ path");
	sanitize_is("/etc/passwd", 11, "_etc_passwd", "absolute path");
	sanitize_is(".bashrc", 7, "bashrc", "leading dot");
	sanitize_is("..", 2, "fallback", "only dots");
	sanitize_is("a\x1b[31mb\r\n.txt", 13, "a_[31mb__.txt",
	    "control characters");
	sanitize_is("a\\b\xc2\x85" "c\xff.txt", 11, "a_b_c_.txt",
	    "backslash, C1 and invalid UTF-8");
	sanitize_is("a\0b", 3, "a_b", "NUL");
	sanitize_is("invoice\xe2\x80\xae" "fdp.exe", 17, "invoice_fdp.exe",
	    "a right-to-left override cannot make .exe look like .pdf");
	sanitize_is("a\xe2\x81\xa6" "b\xe2\x80\x8f" "c\xd8\x9c" "d\xe2\x80\xa8"
	    "e\xc3\xa9", 18, "a_b_c_d_e\xc3\xa9", "isolates, marks and the line "
	    "separator too; letters stay");
	sanitize_is(" ", 1, "fallback", "blank");
	memset(longname, 'x', sizeof(longname));
	memcpy(longname + 296, ".pdf", 4);
	buf_init(&b, 4096);
	mime_sanitize_filename(longname, 300, "f", &b);
	t_ok(b.len == MIME_FILENAME_MAX && strcmp(b.s + b.len - 4, ".pdf") == 0,
	    "300 bytes cut to the limit, extension kept");
	buf_reset(&b);
	for (int i = 0; i < 150; i++)
		memcpy(longname + 2 * i, "\xc3\xa9", 2);
	mime_sanitize_filename(longname, 300, "f", &b);
	t_ok(b.len <= MIME_FILENAME_MAX && b.len % 2 == 0,
	    "cut on a character boundary");
	buf_free(&b);
}

static void
test_best(void)
{
	char resp[2048];
	struct mime_tree t;
	const struct mime_part *p;
	struct err e;

	mime_tree_init(&t);
	snprintf(resp, sizeof(resp), "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" "
	    "\"HTML\" NIL NIL NIL \"7BIT\" 1 1)(\"TEXT\" \"PLAIN\" NIL NIL NIL "
	    "\"7BIT\" 1 1 NIL (\"ATTACHMENT\" NIL) NIL) \"MIXED\"))\r\n");
	mime_parse(parse_item(resp), &t, &e);
	p = mime_best_text(&t);
	t_streq(p ? p->part : NULL, "1", "html when the only plain text is an "
	    "attachment");
	snprintf(resp, sizeof(resp), "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" "
	    "\"HTML\" NIL NIL NIL \"7BIT\" 1 1)(\"TEXT\" \"PLAIN\" NIL NIL NIL "
	    "\"7BIT\" 1 1) \"ALTERNATIVE\"))\r\n");
	mime_parse(parse_item(resp), &t, &e);
	p = mime_best_text(&t);
	t_streq(p ? p->part : NULL, "2", "plain before html");
	snprintf(resp, sizeof(resp), "* 1 FETCH (BODYSTRUCTURE (\"IMAGE\" "
	    "\"PNG\" NIL NIL NIL \"BASE64\" 1))\r\n");
	mime_parse(parse_item(resp), &t, &e);
	t_ok(mime_best_text(&t) == NULL, "no text at all");
	snprintf(resp, sizeof(resp), "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" "
	    "\"HTML\" NIL NIL NIL \"7BIT\" 1 1)(\"MESSAGE\" \"RFC822\" NIL NIL "
	    "NIL \"7BIT\" 40 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
	    "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 3 1) 2) \"MIXED\"))\r\n");
	mime_parse(parse_item(resp), &t, &e);
	p = mime_best_text(&t);
	t_streq(p ? p->part : NULL, "1", "the message's own html before the "
	    "plain text of a message it encloses");
	mime_tree_free(&t);
}

static void
test_envelope(void)
{
	const struct imap_arg *it;
	struct envelope env;
	struct buf name, addr, all;
	int has;

	buf_init(&name, 4096);
	buf_init(&addr, 4096);
	buf_init(&all, 4096);
	if (msg_envelope(parse_item("* 1 FETCH (ENVELOPE (\"Fri, 1 Mar 2024 "
	    "09:00:00 +0000\" \"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\" ((\"=?ISO-8859-1"
	    "?Q?J=F6rg?=\" NIL \"joerg\" \"example.de\")) NIL NIL ((NIL NIL "
	    "\"friends\" NIL)(\"A\" NIL \"a\" \"x.org\")(NIL NIL \"b\" "
	    "\"y.org\")(NIL NIL NIL NIL)(NIL NIL \"c\" \"z.org\")) ((NIL NIL "
	    "\"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL "
	    "\"<m@x>\"))\r\n"), &env) < 0) {
		t_ok(0, "envelope parses");
		return;
	}
	t_memeq(env.subject, env.subject_len, "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=",
	    27, "subject, raw");
	t_streq(env.message_id, "<m@x>", "message-id");
	t_ok(env.in_reply_to == NULL && env.sender == NULL, "NIL fields");
	it = env.from;
	msg_addr_next(&it, &name, &has, &addr);
	t_ok(has && strcmp(name.s, "J\xc3\xb6rg") == 0 &&
	    strcmp(addr.s, "joerg@example.de") == 0, "decoded from");
	for (it = env.to; msg_addr_next(&it, &name, &has, &addr); )
		buf_putf(&all, "[%s|%s]", has ? name.s : "-", addr.s);
	t_streq(all.s, "[A|a@x.org][-|b@y.org][-|c@z.org]",
	    "group members listed, markers not");
	it = env.cc;
	t_ok(msg_addr_next(&it, &name, &has, &addr) == 0, "an empty group "
	    "gives no address");
	/* What servers send for "From: Ann", "To: bob", "<@x.org>". */
	if (msg_envelope(parse_item("* 1 FETCH (ENVELOPE (NIL NIL ((\"Ann\" "
	    "NIL NIL NIL)(NIL NIL \"bob\" NIL)(\"C\" NIL \"\" \"x.org\")"
	    "(NIL NIL NIL \"x.org\")(\"\" NIL NIL NIL)) () () () () () \"\" "
	    "\"\"))\r\n"), &env) < 0) {
		t_ok(0, "quirky envelope parses");
		return;
	}
	buf_reset(&all);
	for (it = env.from; msg_addr_next(&it, &name, &has, &addr); )
		buf_putf(&all, "[%s|%s]", has ? name.s : "-", addr.s);
	t_streq(all.s, "[Ann|][-|bob][C|]", "bare names, no domain, no "
	    "local part");
	it = env.to;
	t_ok(msg_addr_next(&it, &name, &has, &addr) == 0, "() is no address");
	buf_free(&name);
	buf_free(&addr);
	buf_free(&all);
}

int
main(void)
{
	P = imap_parser_new();
	test_tree();
	test_depth();
	test_sanitize();
	test_best();
	test_envelope();
	imap_parser_free(P);
	return t_done();
}
