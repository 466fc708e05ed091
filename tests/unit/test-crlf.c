/* SPDX-License-Identifier: MIT */
/*
 * Line ends for APPEND: bare LF becomes CR LF, CR LF and a lone CR stay;
 * the same output whether the input comes whole, a byte at a time, or
 * into an output buffer of one byte. The other way (CR LF to LF, for
 * files on disk) the same, the input cut at every point.
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

struct sink {
	char	out[MAXOUT];
	size_t	len;
	size_t	calls;
	size_t	fail_at;	/* the call that fails (0: none) */
};

static int
sink_put(void *arg, const char *p, size_t n)
{
	struct sink *k = arg;

	if (++k->calls == k->fail_at)
		return -1;
	memcpy(k->out + k->len, p, n);
	k->len += n;
	return 0;
}

/* in cut at every point, and at every two points: always want. */
static void
check_lf(const char *in, const char *want, const char *name)
{
	size_t n = strlen(in), a, b;
	struct lfonly l;
	struct sink k;
	char label[200];
	int bad = 0;

	for (a = 0; a <= n; a++)
		for (b = a; b <= n; b++) {
			memset(&k, 0, sizeof(k));
			lfonly_init(&l);
			if (lfonly_feed(&l, in, a, sink_put, &k) < 0 ||
			    lfonly_feed(&l, in + a, b - a, sink_put, &k) < 0 ||
			    lfonly_feed(&l, in + b, n - b, sink_put, &k) < 0 ||
			    lfonly_end(&l, sink_put, &k) < 0 ||
			    k.len != strlen(want) ||
			    memcmp(k.out, want, k.len) != 0)
				bad++;
		}
	snprintf(label, sizeof(label), "to LF: %s, cut anywhere", name);
	t_ok(bad == 0, label);
}

int
main(void)
{
	struct lfonly l;
	struct sink k;

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

	check_lf("", "", "empty");
	check_lf("no line end", "no line end", "no line end");
	check_lf("a\r\nb\r\n", "a\nb\n", "CR LF");
	check_lf("a\nb\n", "a\nb\n", "bare LF kept");
	check_lf("a\rb", "a\rb", "lone CR kept");
	check_lf("a\r\r\nb", "a\r\nb", "CR CR LF");
	check_lf("\r", "\r", "a lone CR at the end");
	check_lf("\r\r\r", "\r\r\r", "only CRs");
	check_lf("\r\n\r\n", "\n\n", "only CR LFs");
	check_lf("x\r\n\ny\rz\r\n", "x\n\ny\rz\n", "mixed");

	/* A put that fails stops the feed and is reported. */
	memset(&k, 0, sizeof(k));
	k.fail_at = 2;
	lfonly_init(&l);
	t_ok(lfonly_feed(&l, "a\rb\r\nc", 7, sink_put, &k) < 0 &&
	    k.calls == 2 && k.len == 1, "to LF: a failing put stops the feed");
	return t_done();
}
