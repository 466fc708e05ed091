/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the IMAP response parser.
 *
 * Each input is a server's byte stream. It is fed to one parser whole and
 * to another in pieces whose sizes come from a generator seeded by the
 * input, so the same input always splits the same way. Both must hand back
 * the same responses, byte for byte, and fail (or not) alike: a parser
 * that is not resumable at some split point shows up as a difference.
 * Literals whose size is a multiple of three go to a streaming sink; the
 * others are buffered. Every response is checked for the tree's invariants
 * and every list in it is read as a BODYSTRUCTURE, so the MIME code sees
 * what a hostile server can send; each file name it finds must come out
 * of mime_sanitize_filename safe to create in a directory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "mime.h"
#include "msg.h"
#include "mutf7.h"
#include "parser.h"
#include "quota.h"
#include "utf8.h"

#define FUZZ_MAX_LITERAL	(1u << 20)
#define DUMP_MAX		(64u << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct run {
	struct buf	 dump;
	uint64_t	 streamed;	/* bytes the current sink took */
	uint32_t	 hash;		/* FNV-1a of them */
	int		 streaming;
	struct imap_sink sink;
};

static uint32_t
rng_next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static uint32_t
fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0)
		h = (h ^ *s++) * 16777619u;
	return h;
}

static int
sink_write(void *ctx, const char *p, size_t n, struct err *e)
{
	struct run *r = ctx;

	if (!r->streaming)
		abort();	/* a write the parser should not make */
	r->hash = fnv(r->hash, p, n);
	r->streamed += n;
	/* A sink that fails now and then, as a full disk does. */
	if (r->streamed > 50000)
		return err_set(e, ERR_CANTCREAT, "disk full");
	return 0;
}

static int
sink_end(void *ctx, struct err *e)
{
	struct run *r = ctx;

	(void)e;
	if (!r->streaming)
		abort();
	r->streaming = 0;
	buf_putf(&r->dump, "<end %llu %08x>", (unsigned long long)r->streamed,
	    r->hash);
	return 0;
}

static struct imap_sink *
choose(void *ctx, const struct imap_resp *resp, const struct imap_arg *parent,
    uint64_t size)
{
	struct run *r = ctx;

	(void)resp;
	(void)parent;
	if (r->streaming)
		abort();	/* a literal inside a literal */
	if (size % 3 != 0)
		return NULL;
	r->streaming = 1;
	r->streamed = 0;
	r->hash = 2166136261u;
	return &r->sink;
}

/* A file name from a hostile BODYSTRUCTURE, after sanitising. */
static void
check_filename(const char *s, size_t n)
{
	struct buf out;
	uint32_t cp;
	size_t i, k;

	buf_init(&out, 4 * MIME_FILENAME_MAX);
	if (mime_sanitize_filename(s, n, "fallback", &out) < 0)
		abort();
	if (out.len == 0 || out.len > MIME_FILENAME_MAX ||
	    out.s[0] == '.' || memchr(out.s, '/', out.len) != NULL ||
	    !utf8_valid(out.s, out.len) || strlen(out.s) != out.len)
		abort();
	for (i = 0; i < out.len; i += k) {
		k = utf8_decode(out.s + i, out.len - i, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			abort();
	}
	buf_free(&out);
}

static void
check_mime(const struct imap_arg *list)
{
	struct mime_tree t;
	struct buf fn;
	struct err e;
	size_t i;

	mime_tree_init(&t);
	if (mime_parse(list, &t, &e) == 0) {
		buf_init(&fn, MIME_PARAM_MAX * 2);
		for (i = 0; i < t.n; i++) {
			buf_reset(&fn);
			if (mime_filename(&t.v[i], &fn) > 0) {
				if (!utf8_valid(fn.s, fn.len))
					abort();
				check_filename(fn.s, fn.len);
			}
			(void)mime_is_attachment(&t.v[i]);
		}
		(void)mime_best_text(&t);
		buf_free(&fn);
	}
	mime_tree_free(&t);
}

/* A string as a mailbox name: decoded, it is valid UTF-8 without NUL. */
static void
check_mutf7(const char *s, size_t n)
{
	struct buf out, again, round;

	buf_init(&out, 8 * n + 64);
	if (mutf7_decode(&out, s, n) == 0) {
		if (!utf8_valid(out.s, out.len) || strlen(out.s) != out.len)
			abort();
		/*
		 * What decodes encodes, and that decodes to the same name
		 * (two shifts side by side are accepted, so the encoding
		 * need not be the bytes that came).
		 */
		buf_init(&again, 8 * n + 64);
		if (mutf7_encode(&again, out.s, out.len) < 0)
			abort();
		buf_init(&round, 8 * n + 64);
		if (mutf7_decode(&round, again.s, again.len) < 0 ||
		    round.len != out.len || memcmp(round.s, out.s, out.len) != 0)
			abort();
		buf_free(&again);
		buf_free(&round);
	}
	buf_free(&out);
}

static void
dump_args(struct run *r, const struct imap_arg *a, size_t count, int top)
{
	const struct imap_arg *x;
	size_t n = 0;
	uint64_t v;

	for (x = a; x != NULL; x = x->next, n++) {
		buf_putf(&r->dump, " %d:", (int)x->type);
		switch (x->type) {
		case IMAP_LIST:
			buf_putc(&r->dump, '(');
			dump_args(r, x->list, x->count, 0);
			buf_putc(&r->dump, ')');
			check_mime(x);
			break;
		case IMAP_STREAMED:
			buf_putf(&r->dump, "{%llu}",
			    (unsigned long long)x->size);
			break;
		default:
			if (x->s == NULL || x->s[x->len] != '\0')
				abort();
			buf_putf(&r->dump, "%zu=", x->len);
			buf_put(&r->dump, x->s, x->len);
			if (imap_arg_u64(x, &v))
				buf_putf(&r->dump, "#%llu",
				    (unsigned long long)v);
			if (x->type == IMAP_ATOM && x->len == 0)
				abort();
			if (x->type == IMAP_STRING || x->type == IMAP_ATOM)
				check_mutf7(x->s, x->len);
			break;
		}
	}
	if (!top && n != count)
		abort();
}

/* What the commands read out of FETCH and QUOTA responses. */
static void
check_items(const struct imap_resp *resp)
{
	const struct imap_arg *items, *env, *it, *lists[6];
	struct envelope en;
	struct quota_res q;
	struct buf name, addr;
	const char *root;
	size_t n, i;
	uint32_t seq, uid;
	int has_name, k;

	if (quota_parse(resp, &root, &n, &it) > 0)
		while (quota_next(&it, &q))
			(void)quota_percent(&q);
	(void)quota_parse_root(resp, &root, &n, &it);
	if (!msg_fetch_items(resp, &seq, &items))
		return;
	(void)msg_uid(items, &uid);
	(void)msg_item_prefix(items, "BODY[", &root);
	if ((env = msg_item(items, "ENVELOPE")) == NULL ||
	    msg_envelope(env, &en) < 0)
		return;
	lists[0] = en.from;
	lists[1] = en.sender;
	lists[2] = en.reply_to;
	lists[3] = en.to;
	lists[4] = en.cc;
	lists[5] = en.bcc;
	buf_init(&name, 1 << 20);
	buf_init(&addr, 1 << 20);
	for (i = 0; i < 6; i++) {
		it = lists[i];
		for (k = 0; k < 100000; k++) {
			buf_reset(&name);
			buf_reset(&addr);
			if (!msg_addr_next(&it, &name, &has_name, &addr))
				break;
			if (!utf8_valid(name.s, name.len))
				abort();
		}
		if (k == 100000)
			abort();	/* it does not end */
	}
	buf_free(&name);
	buf_free(&addr);
}

static void
dump_resp(struct run *r, const struct imap_resp *resp)
{
	check_items(resp);
	buf_putf(&r->dump, "[%d %s %d", (int)resp->kind,
	    resp->tag ? resp->tag : "-", (int)resp->status);
	if (resp->code != NULL) {
		buf_puts(&r->dump, " code");
		dump_args(r, resp->code, 0, 1);
	}
	buf_putf(&r->dump, " n=%zu", resp->nargs);
	dump_args(r, resp->args, resp->nargs, 0);
	if (resp->text != NULL)
		buf_putf(&r->dump, " text=%s", resp->text);
	buf_puts(&r->dump, "]\n");
}

/* Feed data in pieces (whole when rng is NULL) until the end or an error. */
static void
run(struct run *r, const char *data, size_t len, uint32_t *rng)
{
	struct imap_parser *p = imap_parser_new();
	const struct imap_resp *resp;
	struct err e;
	size_t off = 0, n, used;
	int rv;

	buf_init(&r->dump, DUMP_MAX);
	r->streaming = 0;
	r->sink.write = sink_write;
	r->sink.end = sink_end;
	r->sink.ctx = r;
	imap_parser_set_max_literal(p, FUZZ_MAX_LITERAL);
	imap_parser_set_sink_fn(p, choose, r);
	while (off < len) {
		n = len - off;
		if (rng != NULL) {
			n = rng_next(rng) % 4 == 0 ? 1 + rng_next(rng) % 300 :
			    1 + rng_next(rng) % 3;
			if (n > len - off)
				n = len - off;
		}
		while (n > 0) {
			err_clear(&e);
			rv = imap_parser_feed(p, data + off, n, &used, &resp,
			    &e);
			if (used > n)
				abort();
			off += used;
			n -= used;
			if (rv < 0) {
				buf_putf(&r->dump, "ERR %d\n", (int)e.kind);
				goto out;
			}
			if (rv > 0) {
				if (resp == NULL || used == 0)
					abort();
				dump_resp(r, resp);
			} else if (used == 0 && n > 0)
				abort();	/* no progress */
		}
	}
	buf_putf(&r->dump, "END literal=%d\n", imap_parser_in_literal(p));
out:
	imap_parser_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct run whole, split;
	uint32_t seed = fnv(2166136261u, data, len) | 1;

	run(&whole, (const char *)data, len, NULL);
	run(&split, (const char *)data, len, &seed);
	if (whole.dump.len != split.dump.len ||
	    memcmp(whole.dump.s, split.dump.s, whole.dump.len) != 0) {
		fprintf(stderr, "whole:\n%s\nsplit:\n%s\n", whole.dump.s,
		    split.dump.s);
		abort();
	}
	buf_free(&whole.dump);
	buf_free(&split.dump);
	return 0;
}
