/* SPDX-License-Identifier: MIT */
/*
 * Line ends for APPEND: bare LF becomes CR LF, CR LF and a lone CR stay;
 * the same output whether the input comes whole, a byte at a time, or
 * into an output buffer of one byte.
 */
#include <stdio.h>
#include <string.h>

#include "crlf.h"
#include "t.h"

#define MAXOUT	4096

/* Convert in, fed inpiece bytes and drained outpiece bytes at a time. */
static size_t
convert(const char *in, size_t inlen, size_t inpiece, size_t outpiece,
    char *out)
{
	struct crlf c;
	size_t pos = 0, n = 0, used, take;

	crlf_init(&c);
	while (pos < inlen || crlf_owed(&c)) {
		take = inlen - pos < inpiece ? inlen - pos : inpiece;
		n += crlf_convert(&c, in + pos, take, &used, out + n,
		    outpiece);
		pos += used;
	}
	return n;
}

static void
check(const char *in, const char *want, const char *name)
{
	static const size_t pieces[][2] = {
		{ MAXOUT, MAXOUT }, { 1, MAXOUT }, { MAXOUT, 1 }, { 1, 1 },
		{ 3, 2 },
	};
	char out[MAXOUT], label[200];
	struct crlf c;
	size_t i, n, used;

	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		snprintf(label, sizeof(label), "%s (in %zu, out %zu)", name,
		    pieces[i][0], pieces[i][1]);
		n = convert(in, strlen(in), pieces[i][0], pieces[i][1], out);
		t_memeq(out, n, want, strlen(want), label);
	}
	out[n] = '\0';
	t_streq(out, want, name);
	/* Counting only gives the same size. */
	crlf_init(&c);
	n = crlf_convert(&c, in, strlen(in), &used, NULL, MAXOUT);
	snprintf(label, sizeof(label), "%s: counted", name);
	t_ok(n == strlen(want) && used == strlen(in) && !crlf_owed(&c),
	    label);
}

int
main(void)
{
	check("", "", "empty");
	check("no line end", "no line end", "no line end");
	check("a\nb\n", "a\r\nb\r\n", "bare LF");
	check("a\r\nb\r\n", "a\r\nb\r\n", "CR LF kept");
	check("a\rb", "a\rb", "lone CR kept");
	check("\n\n\n", "\r\n\r\n\r\n", "only LFs");
	check("a\r\n\nb", "a\r\n\r\nb", "CR LF then bare LF");
	check("a\r\r\nb", "a\r\r\nb", "CR CR LF");
	check("\r", "\r", "a lone CR at the end");
	check("x\n\r\n\n", "x\r\n\r\n\r\n", "mixed");
	return t_done();
}
