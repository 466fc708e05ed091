/* SPDX-License-Identifier: MIT */
/*
 * The COMPRESS=DEFLATE layer of lib/net.c, over a tunnel command as the
 * peer: cat sends our own deflate stream back (it is raw deflate, as the
 * server's is), and canned streams play a corrupt server and a bomb.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "net.h"
#include "t.h"

/* A raw deflate stream of p, sync-flushed, as a server sends it. */
static size_t
deflate_raw(const void *p, size_t n, unsigned char *out, size_t outlen)
{
	z_stream z;
	size_t len;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)outlen;
	deflate(&z, Z_SYNC_FLUSH);
	len = outlen - z.avail_out;
	deflateEnd(&z);
	return len;
}

/* Read until n bytes came (or an error); returns how many. */
static size_t
read_all(struct conn *c, char *p, size_t n, size_t piece, struct err *e)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = conn_read(c, p + got, n - got < piece ? n - got : piece, e);
		if (r < 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void
echo(void)
{
	char prog[] = "/bin/cat";
	char *const argv[] = { prog, NULL };
	struct conn_zstats st;
	struct conn *c;
	struct err e;
	char *msg, *back;
	size_t i, n = 3 << 20;

	err_clear(&e);
	c = conn_tunnel(argv, 5000, &e);
	if (!t_ok(c != NULL, "cat runs as the peer"))
		return;
	t_ok(conn_compress_stats(c, &st) == 0, "no figures before COMPRESS");
	t_ok(conn_compress(c, NULL, 0, &e) == 0, "compression starts");
	msg = malloc(n);
	back = malloc(n);
	for (i = 0; i < n; i++)
		msg[i] = (char)("abcdefghij\r\n"[i % 12] + (i / 4096) % 7);
	/* Written in two pieces, read back in pieces of 1000 bytes. */
	t_ok(conn_write(c, msg, 5, &e) == 0 &&
	    read_all(c, back, 5, 1000, &e) == 5 && memcmp(back, msg, 5) == 0,
	    "a small write is flushed: its bytes come back at once");
	t_ok(conn_write(c, msg + 5, n - 5, &e) == 0, "a large write");
	t_ok(read_all(c, back + 5, n - 5, 1000, &e) == n - 5 &&
	    memcmp(back, msg, n) == 0, "3 MiB through deflate and inflate");
	t_ok(conn_compress_stats(c, &st) == 1 && st.plain_in == n &&
	    st.plain_out == n && st.raw_out < n / 10 && st.raw_in == st.raw_out,
	    "figures: what crossed the wire and what it carried");
	t_ok(conn_compress(c, NULL, 0, &e) < 0 && e.kind == ERR_INTERNAL,
	    "COMPRESS twice is refused");
	conn_close(c);
	free(msg);
	free(back);
}

/* ahead: bytes read past the OK are the start of the server's stream. */
static void
ahead(void)
{
	char sh[] = "/bin/sh", dc[] = "-c", script[] = "exec cat >/dev/null";
	char *const argv[] = { sh, dc, script, NULL };
	unsigned char z[256];
	struct conn *c;
	struct err e;
	char buf[64];
	size_t zn;

	err_clear(&e);
	zn = deflate_raw("* OK [ALERT] compressed\r\n", 25, z, sizeof(z));
	c = conn_tunnel(argv, 5000, &e);
	if (!t_ok(c != NULL && zn > 0, "a silent peer"))
		return;
	t_ok(conn_compress(c, z, zn, &e) == 0, "compression with input ahead");
	t_ok(conn_pending(c) == 0, "nothing inflated yet");
	t_ok(conn_wait_readable(c, 0, &e) == 1 && conn_pending(c) == 1,
	    "the input ahead inflates to a response");
	t_memeq(buf, (size_t)read_all(c, buf, 25, 7, &e),
	    "* OK [ALERT] compressed\r\n", 25, "and is read first");
	t_ok(conn_wait_readable(c, 100, &e) == 0,
	    "then there is nothing more");
	conn_close(c);
}

static void
corrupt(void)
{
	char sh[] = "/bin/sh", dc[] = "-c";
	char script[] = "printf '\\377\\377\\377\\377'; exec cat >/dev/null";
	char *const argv[] = { sh, dc, script, NULL };
	struct conn *c;
	struct err e;
	char buf[64];

	err_clear(&e);
	c = conn_tunnel(argv, 5000, &e);
	if (!t_ok(c != NULL, "a corrupt peer"))
		return;
	conn_compress(c, NULL, 0, &e);
	t_ok(conn_read(c, buf, sizeof(buf), &e) < 0 &&
	    e.kind == ERR_PROTOCOL, "a corrupt stream is a protocol error");
	t_streq(e.msg, "corrupt compressed stream from the server: invalid "
	    "block type", "and says so");
	conn_close(c);
}

/*
 * 64 MiB inflated from some 64 KiB: every read gives at most what was
 * asked, so the reader's own limits are what holds the bytes.
 */
static void
bomb(void)
{
	static unsigned char zero[1 << 20], z[1 << 16];
	char path[] = "/tmp/imapctl-bomb.XXXXXX";
	char sh[] = "/bin/sh", dc[] = "-c", cmd[128];
	char *argv[] = { sh, dc, cmd, NULL };
	struct conn *c;
	struct err e;
	char buf[4096];
	size_t zn, i, total = 0, most = 0;
	ssize_t r;
	FILE *f;
	int fd;

	err_clear(&e);
	zn = deflate_raw(zero, sizeof(zero), z, sizeof(z));
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "wb")) == NULL) {
		t_ok(0, "a bomb file");
		return;
	}
	/* Each copy inflates to another MiB: no back reference crosses. */
	for (i = 0; i < 64; i++)
		fwrite(z, 1, zn, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cat %s; exec cat >/dev/null", path);
	c = conn_tunnel(argv, 5000, &e);
	if (!t_ok(c != NULL && zn < 4096, "a bomb of small blocks"))
		return;
	conn_compress(c, NULL, 0, &e);
	while (total < (64u << 20) &&
	    (r = conn_read(c, buf, sizeof(buf), &e)) > 0) {
		total += (size_t)r;
		if ((size_t)r > most)
			most = (size_t)r;
	}
	t_ok(total == 64u << 20, "64 MiB inflated");
	t_ok(most <= sizeof(buf), "never more at once than the reader asked");
	conn_close(c);
	remove(path);
}

int
main(void)
{
	echo();
	ahead();
	corrupt();
	bomb();
	return t_done();
}
