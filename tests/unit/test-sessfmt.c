/* SPDX-License-Identifier: MIT */
/*
 * The command formatter of lib/sess.c (sess_pipe_send and its %
 * directives), tested through the public API against a scripted server in
 * a child process: the server records every byte the client sends, and
 * each test compares them exactly (curl test800 style). Also pipelines
 * (the limit in flight, done callbacks), tags, NO/BAD mapping, the
 * --debug trace and the STARTTLS refusals.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "err.h"
#include "sess.h"
#include "t.h"

/* The scripted server --------------------------------------------------- */

struct srv_opts {
	const char	*greeting;	/* sent on connect, CRLF included */
	const char	*caps;		/* the CAPABILITY response's list */
	int		 batch;		/* hold answers until N commands came */
	int		 refuse_literal; /* NO instead of "+" for {N} */
};

struct srv {
	pid_t		 pid;
	int		 rfd;		/* the recording comes back here */
	char		 port[16];
};

struct rec {
	char		*p;
	size_t		 len, cap;
};

static void
rec_add(struct rec *r, const void *p, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		while (r->len + n + 1 > r->cap)
			r->cap = r->cap ? r->cap * 2 : 4096;
		if ((r->p = realloc(r->p, r->cap)) == NULL)
			_exit(98);
	}
	memcpy(r->p + r->len, p, n);
	r->len += n;
	r->p[r->len] = '\0';
}

static void
srv_say(int fd, const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	while (n > 0) {
		w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* The answer to one complete command. */
static void
srv_answer(struct rec *out, const struct srv_opts *o, const char *tag,
    const char *verb)
{
	char line[512];

	if (strcasecmp(verb, "CAPABILITY") == 0)
		snprintf(line, sizeof(line), "* CAPABILITY %s\r\n%s OK "
		    "done\r\n",
		    o->caps ? o->caps : "IMAP4rev1", tag);
	else if (strcasecmp(verb, "XNO") == 0)
		snprintf(line, sizeof(line), "%s NO [NONEXISTENT] no such "
		    "thing\r\n", tag);
	else if (strcasecmp(verb, "XBAD") == 0)
		snprintf(line, sizeof(line), "%s BAD [CLIENTBUG] bad "
		    "command\r\n",
		    tag);
	else if (strcasecmp(verb, "XAUTH") == 0)
		snprintf(line, sizeof(line), "%s NO [AUTHENTICATIONFAILED] "
		    "wrong\r\n", tag);
	else if (strcasecmp(verb, "XPLAIN") == 0)
		snprintf(line, sizeof(line), "%s NO\r\n", tag);
	else if (strcasecmp(verb, "STARTTLS") == 0)
		snprintf(line, sizeof(line), "%s NO not now\r\n", tag);
	else if (strcasecmp(verb, "LOGOUT") == 0)
		snprintf(line, sizeof(line), "* BYE bye\r\n%s OK "
		    "done\r\n", tag);
	else
		snprintf(line, sizeof(line), "%s OK done\r\n", tag);
	rec_add(out, line, strlen(line));
}

/* The first two words of a command line. */
static void
srv_words(const char *p, size_t n, char *tag, char *verb, size_t size)
{
	size_t i = 0, j;

	for (j = 0; i < n && p[i] != ' ' && j + 1 < size; i++)
		tag[j++] = p[i];
	tag[j] = '\0';
	if (i < n)
		i++;
	for (j = 0; i < n && p[i] != ' ' && j + 1 < size; i++)
		verb[j++] = p[i];
	verb[j] = '\0';
}

/* Whether a line ends with a literal marker {N} or {N+}. */
static int
srv_literal(const char *p, size_t n, uint64_t *size_r, int *plus_r)
{
	size_t i;
	uint64_t v = 0, mul = 1;

	if (n < 3 || p[n - 1] != '}')
		return 0;
	i = n - 1;
	*plus_r = p[i - 1] == '+';
	if (*plus_r)
		i--;
	if (i == 0 || p[i - 1] < '0' || p[i - 1] > '9')
		return 0;
	while (i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9') {
		v += (uint64_t)(p[i - 1] - '0') * mul;
		mul *= 10;
		i--;
	}
	if (i == 0 || p[i - 1] != '{')
		return 0;
	*size_r = v;
	return 1;
}

static void
srv_run(int lfd, int wfd, const struct srv_opts *o)
{
	struct rec in = { 0 }, out = { 0 };
	char buf[65536], tag[64] = "", verb[64] = "";
	size_t pos = 0;
	uint64_t litleft = 0, size;
	const char *crlf;
	int fd, incmd = 0, ncmds = 0, plus;
	ssize_t n;

	alarm(30);
	signal(SIGPIPE, SIG_IGN);
	if ((fd = accept(lfd, NULL, NULL)) < 0)
		_exit(97);
	close(lfd);
	srv_say(fd, o->greeting);
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		rec_add(&in, buf, (size_t)n);
		for (;;) {
			if (litleft > 0) {
				size = in.len - pos < litleft ? in.len - pos :
				    litleft;
				pos += size;
				litleft -= size;
				if (litleft > 0)
					break;
				continue;
			}
			crlf = memmem(in.p + pos, in.len - pos, "\r\n", 2);
			if (crlf == NULL)
				break;
			n = crlf - (in.p + pos);
			if (!incmd) {
				srv_words(in.p + pos, (size_t)n, tag, verb,
				    sizeof(tag));
				incmd = 1;
			}
			if (srv_literal(in.p + pos, (size_t)n, &size, &plus)) {
				pos += (size_t)n + 2;
				if (!plus && o->refuse_literal) {
					snprintf(buf, sizeof(buf), "%s NO "
					    "[TOOBIG] no literals today\r\n",
					    tag);
					srv_say(fd, buf);
					incmd = 0;
					continue;
				}
				if (!plus)
					srv_say(fd, "+ go\r\n");
				litleft = size;
				continue;
			}
			pos += (size_t)n + 2;
			incmd = 0;
			ncmds++;
			srv_answer(&out, o, tag, verb);
			if (ncmds >= o->batch && out.len > 0) {
				srv_say(fd, out.p);
				out.len = 0;
			}
		}
	}
	close(fd);
	if (in.len > 0 && write(wfd, in.p, in.len) != (ssize_t)in.len)
		_exit(96);
	_exit(0);
}

static void
srv_start(struct srv *sv, const struct srv_opts *o)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int lfd, pfd[2];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0 ||
	    pipe(pfd) < 0) {
		perror("test server");
		exit(99);
	}
	snprintf(sv->port, sizeof(sv->port), "%u", ntohs(sin.sin_port));
	fflush(stdout);
	if ((sv->pid = fork()) < 0) {
		perror("fork");
		exit(99);
	}
	if (sv->pid == 0) {
		close(pfd[0]);
		srv_run(lfd, pfd[1], o);
	}
	close(lfd);
	close(pfd[1]);
	sv->rfd = pfd[0];
}

/* Wait for the server to finish; returns what it received. */
static char *
srv_finish(struct srv *sv, size_t *len_r, int *status_r)
{
	struct rec r = { 0 };
	char buf[65536];
	ssize_t n;

	rec_add(&r, "", 0);
	for (;;) {
		n = read(sv->rfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		rec_add(&r, buf, (size_t)n);
	}
	close(sv->rfd);
	while (waitpid(sv->pid, status_r, 0) < 0 && errno == EINTR)
		;
	*len_r = r.len;
	return r.p;
}

/* A session with the scripted server ------------------------------------ */

#define GREET		"* OK [CAPABILITY IMAP4rev1] hi\r\n"
#define GREET_PLUS	"* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n"
#define GREET_MINUS	"* OK [CAPABILITY IMAP4rev1 LITERAL-] hi\r\n"

struct test {
	struct srv	 srv;
	struct sess	*s;
	FILE		*trace;
	char		*tracebuf;
	size_t		 tracelen;
	int		 connected;
	struct err	 err;		/* sess_connect's */
};

static void
test_begin(struct test *t, const struct srv_opts *o, enum tls_mode tls,
    int trace)
{
	struct sess_opts so;

	memset(t, 0, sizeof(*t));
	srv_start(&t->srv, o);
	memset(&so, 0, sizeof(so));
	so.host = "127.0.0.1";
	so.port = t->srv.port;
	so.tls = tls;
	so.timeout_ms = 5000;
	if (trace && (t->trace = open_memstream(&t->tracebuf,
	    &t->tracelen)) == NULL) {
		perror("open_memstream");
		exit(99);
	}
	so.trace = t->trace;
	t->s = sess_new(&so);
	err_clear(&t->err);
	t->connected = sess_connect(t->s, &t->err) == 0;
}

/* Check that the session is up, saying why not. */
static int
connected(struct test *t, const char *name)
{
	if (!t_ok(t->connected, name))
		printf("#   %s\n", t->err.msg);
	return t->connected;
}

/* Close the session and compare what the server got with want. */
static void
test_end(struct test *t, const char *want, size_t wantlen, const char *name)
{
	char *got, label[256];
	size_t len;
	int status;

	sess_free(t->s);
	got = srv_finish(&t->srv, &len, &status);
	snprintf(label, sizeof(label), "%s: bytes sent", name);
	t_memeq(got, len, want, wantlen, label);
	snprintf(label, sizeof(label), "%s: server ran", name);
	t_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, label);
	free(got);
	if (t->trace != NULL) {
		fclose(t->trace);
		free(t->tracebuf);
	}
}

#define END(t, want, name)	test_end(t, want, sizeof(want) - 1, name)

/* Send one command, wait for it, return its status (or -1). */
static int
run1(struct test *t, const char *fmt, ...)
{
	struct sess_reply rep;
	struct sess_pipe *p;
	struct err e;
	va_list ap;
	int r;

	err_clear(&e);
	p = sess_pipe_begin(t->s, NULL, 0);
	va_start(ap, fmt);
	r = sess_pipe_vsend(p, sess_done_keep, &rep, &e, fmt, ap);
	va_end(ap);
	if (sess_pipe_end(p, r, &e) < 0) {
		printf("# %s: %s\n", fmt, e.msg);
		return -1;
	}
	return (int)rep.status;
}

/* Whether every refused command left nothing in flight. */
static int refused_none_inflight = 1;

/* A command the formatter must refuse: returns the error kind. */
static int
refuse(struct test *t, const char *fmt, ...)
{
	struct sess_pipe *p;
	struct err e, e2;
	va_list ap;
	int r;

	err_clear(&e);
	p = sess_pipe_begin(t->s, NULL, 0);
	va_start(ap, fmt);
	r = sess_pipe_vsend(p, NULL, NULL, &e, fmt, ap);
	va_end(ap);
	if (sess_pipe_inflight(p) != 0)
		refused_none_inflight = 0;
	sess_pipe_end(p, r, &e2);
	return r == 0 ? 0 : (int)e.kind;
}

/* The tests -------------------------------------------------------------- */

/* %A: atom when it can be, quoted when it must, escapes in quotes. */
static void
test_astring(void)
{
	static const struct srv_opts o = { GREET, NULL, 0, 0 };
	static const struct {
		const char	*in;
	} strs[] = {
		{ "abc" }, { "" }, { "NIL" }, { "nil" }, { "NILS" },
		{ "a b" }, { "a(b" }, { ")" }, { "{5}" }, { "%" }, { "*" },
		{ "a\"b" }, { "a\\b" }, { "]" }, { "[Gmail]/Sent" },
		{ "\\Seen" }, { "a\tb" }, { "~user/mail.box-1_2+3" },
		{ "a\x7f" },
	};
	static const char want[] =
	    "A1 X abc\r\n"
	    "A2 X \"\"\r\n"
	    "A3 X \"NIL\"\r\n"
	    "A4 X \"nil\"\r\n"
	    "A5 X NILS\r\n"
	    "A6 X \"a b\"\r\n"
	    "A7 X \"a(b\"\r\n"
	    "A8 X \")\"\r\n"
	    "A9 X \"{5}\"\r\n"
	    "A10 X \"%\"\r\n"
	    "A11 X \"*\"\r\n"
	    "A12 X \"a\\\"b\"\r\n"
	    "A13 X \"a\\\\b\"\r\n"
	    "A14 X ]\r\n"
	    "A15 X [Gmail]/Sent\r\n"
	    "A16 X \"\\\\Seen\"\r\n"
	    "A17 X \"a\tb\"\r\n"
	    "A18 X ~user/mail.box-1_2+3\r\n"
	    "A19 X \"a\x7f\"\r\n"
	    "A20 Y \"abc\" \"\" \"a b\" \"a\\\"b\"\r\n"
	    "A21 Z 4294967295 18446744073709551615 0 % %A\r\n";
	struct test t;
	size_t i;
	int ok = 1;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "astring: connected")) {
		for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
			if (run1(&t, "X %A", strs[i].in) != IMAP_ST_OK)
				ok = 0;
		t_ok(ok, "astring: each command answered OK");
		t_ok(run1(&t, "Y %Q %Q %Q %Q", "abc", "", "a b", "a\"b") ==
		    IMAP_ST_OK, "%Q never an atom");
		t_ok(run1(&t, "Z %u %U %u %% %%A", 4294967295u,
		    (uint64_t)UINT64_MAX, 0u) == IMAP_ST_OK,
		    "%u, %U and %%");
	}
	END(&t, want, "astring");
}

/* CR, LF and 8-bit text go as literals: synchronizing without LITERAL+. */
static void
test_literal_sync(void)
{
	static const struct srv_opts o = { GREET, NULL, 0, 0 };
	static const char want[] =
	    "A1 X {4}\r\na\r\nb\r\n"
	    "A2 X {1}\r\n\n\r\n"
	    "A3 X {7}\r\nGr\xc3\xbc\xc3\x9f" "e\r\n"
	    "A4 X {2}\r\n\xc3\xbc {1}\r\n\r Y\r\n"
	    "A5 X {8}\r\na\r\n\x01" "b\r\n.\r\n"
	    "A6 X {0}\r\n\r\n";
	struct test t;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "sync literal: connected")) {
		t_ok(run1(&t, "X %A", "a\r\nb") == IMAP_ST_OK,
		    "CRLF as a synchronizing literal");
		t_ok(run1(&t, "X %Q", "\n") == IMAP_ST_OK,
		    "a lone LF as a literal");
		t_ok(run1(&t, "X %A", "Gr\xc3\xbc\xc3\x9f" "e") == IMAP_ST_OK,
		    "8-bit text as a literal");
		t_ok(run1(&t, "X %A %Q Y", "\xc3\xbc", "\r") == IMAP_ST_OK,
		    "two literals in one command");
		t_ok(run1(&t, "X %B", "a\r\n\x01" "b\r\n.", (size_t)8) ==
		    IMAP_ST_OK, "%B binary data as a literal");
		t_ok(run1(&t, "X %B", "", (size_t)0) == IMAP_ST_OK,
		    "%B empty literal");
	}
	END(&t, want, "sync literal");
}

static void
test_literal_plus(void)
{
	static const struct srv_opts o = { GREET_PLUS, NULL, 0, 0 };
	static const char want[] =
	    "A1 X {4+}\r\na\r\nb\r\n"
	    "A2 X {2+}\r\n\xc3\xbc {1+}\r\n\r Y\r\n"
	    "A3 X abc\r\n";
	struct test t;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "LITERAL+: connected")) {
		t_ok(run1(&t, "X %A", "a\r\nb") == IMAP_ST_OK,
		    "LITERAL+: non-synchronizing literal");
		t_ok(run1(&t, "X %A %Q Y", "\xc3\xbc", "\r") == IMAP_ST_OK,
		    "LITERAL+: two literals");
		t_ok(run1(&t, "X %A", "abc") == IMAP_ST_OK,
		    "LITERAL+: atoms stay atoms");
	}
	END(&t, want, "LITERAL+");
}

/* LITERAL-: non-synchronizing up to 4096 bytes only. */
static void
test_literal_minus(void)
{
	static const struct srv_opts o = { GREET_MINUS, NULL, 0, 0 };
	struct test t;
	char *s4096, *s4097, *want, *w;
	size_t wantlen;

	s4096 = malloc(4097);
	s4097 = malloc(4098);
	want = malloc(10000);
	if (s4096 == NULL || s4097 == NULL || want == NULL)
		abort();
	memset(s4096, 'a', 4095);
	s4096[4095] = '\n';
	s4096[4096] = '\0';
	memset(s4097, 'b', 4096);
	s4097[4096] = '\n';
	s4097[4097] = '\0';
	w = want;
	w += sprintf(w, "A1 X {4096+}\r\n");
	memcpy(w, s4096, 4096);
	w += 4096;
	w += sprintf(w, "\r\nA2 X {4097}\r\n");
	memcpy(w, s4097, 4097);
	w += 4097;
	w += sprintf(w, "\r\nA3 X {1+}\r\n\n\r\n");
	wantlen = (size_t)(w - want);

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "LITERAL-: connected")) {
		t_ok(run1(&t, "X %A", s4096) == IMAP_ST_OK,
		    "LITERAL-: 4096 bytes non-synchronizing");
		t_ok(run1(&t, "X %A", s4097) == IMAP_ST_OK,
		    "LITERAL-: 4097 bytes synchronizing");
		t_ok(run1(&t, "X %A", "\n") == IMAP_ST_OK,
		    "LITERAL-: small literal non-synchronizing");
	}
	test_end(&t, want, wantlen, "LITERAL-");
	free(s4096);
	free(s4097);
	free(want);
}

/* A literal too big for the output queue goes straight out. */
static void
test_literal_big(void)
{
	static const struct srv_opts sync = { GREET, NULL, 0, 0 };
	static const struct srv_opts plus = { GREET_PLUS, NULL, 0, 0 };
	const struct srv_opts *o;
	struct test t;
	size_t n = 200000, wantlen, i;
	char *data, *want, *w, label[64];
	int k;

	data = malloc(n);
	want = malloc(n + 100);
	if (data == NULL || want == NULL)
		abort();
	for (i = 0; i < n; i++)
		data[i] = (char)(1 + i % 255);
	for (k = 0; k < 2; k++) {
		o = k == 0 ? &sync : &plus;
		w = want;
		w += sprintf(w, "A1 APPEND Drafts {%zu%s}\r\n", n,
		    k == 0 ? "" : "+");
		memcpy(w, data, n);
		w += n;
		w += sprintf(w, "\r\nA2 NOOP\r\n");
		wantlen = (size_t)(w - want);
		test_begin(&t, o, TLS_NONE, 0);
		snprintf(label, sizeof(label), "big literal (%s)",
		    k == 0 ? "sync" : "LITERAL+");
		if (connected(&t, label)) {
			t_ok(run1(&t, "APPEND %M %B", "Drafts", data, n) ==
			    IMAP_ST_OK, label);
			t_ok(run1(&t, "NOOP") == IMAP_ST_OK, label);
		}
		test_end(&t, want, wantlen, label);
	}
	free(data);
	free(want);
}

/* %L: a literal whose bytes come from a callback, a few at a time. */
struct source {
	const char	*p;
	size_t		 len, pos;
	size_t		 piece;		/* at most this many a call */
	int		 fail_at;	/* fail once pos reaches this (-1: no) */
};

static ssize_t
source_read(void *ctx, char *p, size_t len, struct err *e)
{
	struct source *src = ctx;
	size_t n = src->len - src->pos;

	if (src->fail_at >= 0 && src->pos >= (size_t)src->fail_at)
		return err_set(e, ERR_NOINPUT, "cannot read the source");
	if (n > len)
		n = len;
	if (n > src->piece)
		n = src->piece;
	memcpy(p, src->p + src->pos, n);
	src->pos += n;
	return (ssize_t)n;
}

static void
test_literal_stream(void)
{
	static const struct srv_opts sync = { GREET, NULL, 0, 0 };
	static const struct srv_opts plus = { GREET_PLUS, NULL, 0, 0 };
	struct source src;
	struct test t;
	size_t n = 150000, wantlen, i;
	char *data, *want, *w, label[64];
	int k;

	data = malloc(n);
	want = malloc(n + 100);
	if (data == NULL || want == NULL)
		abort();
	for (i = 0; i < n; i++)
		data[i] = (char)(1 + i % 253);
	for (k = 0; k < 2; k++) {
		w = want;
		w += sprintf(w, "A1 APPEND Drafts (\\Seen) {%zu%s}\r\n", n,
		    k == 0 ? "" : "+");
		memcpy(w, data, n);
		w += n;
		w += sprintf(w, "\r\nA2 X {3%s}\r\nabc Y\r\n",
		    k == 0 ? "" : "+");
		wantlen = (size_t)(w - want);
		snprintf(label, sizeof(label), "streamed literal (%s)",
		    k == 0 ? "sync" : "LITERAL+");
		test_begin(&t, k == 0 ? &sync : &plus, TLS_NONE, 0);
		if (connected(&t, label)) {
			src = (struct source){ data, n, 0, 7 + (size_t)k * 5000,
			    -1 };
			t_ok(run1(&t, "APPEND %M (%s) %L", "Drafts", "\\Seen",
			    (uint64_t)n, source_read, &src) == IMAP_ST_OK,
			    label);
			t_ok(src.pos == n, "streamed literal: all read");
			src = (struct source){ "abc", 3, 0, 1, -1 };
			t_ok(run1(&t, "X %L Y", (uint64_t)3, source_read,
			    &src) == IMAP_ST_OK, "streamed literal: mid-line");
		}
		test_end(&t, want, wantlen, label);
	}
	free(data);
	free(want);
}

/* A done callback that counts its calls. */
static int
count_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	(void)s;
	(void)rep;
	(void)e;
	(*(int *)ctx)++;
	return 0;
}

/*
 * A %L source that ends early or fails: an error, the session broken, and
 * what was still queued (here all of it) never sent.
 */
static void
test_literal_stream_fails(void)
{
	static const struct srv_opts o = { GREET_PLUS, NULL, 0, 0 };
	static const char want[] = "";
	static const char want2[] = "";
	struct sess_pipe *p;
	struct source src;
	struct test t;
	struct err e, e2;
	int done = 0;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "short source: connected")) {
		p = sess_pipe_begin(t.s, NULL, 0);
		src = (struct source){ "abcd", 4, 0, 100, -1 };
		t_ok(sess_pipe_send(p, count_done, &done, &e, "APPEND %M %L",
		    "Drafts", (uint64_t)10, source_read, &src) < 0 &&
		    e.kind == ERR_NOINPUT && strstr(e.msg, "6 bytes early"),
		    "short source: the command fails, saying so");
		t_ok(sess_broken(t.s), "short source: the session is broken");
		t_ok(sess_pipe_end(p, -1, &e2) < 0 && done == 0,
		    "short source: no done for a command that failed");
		t_ok(sess_logout(t.s) == 0, "short source: no LOGOUT sent "
		    "into the literal");
	}
	END(&t, want, "short source");
	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "failing source: connected")) {
		src = (struct source){ "abcdefghij", 10, 0, 3, 6 };
		p = sess_pipe_begin(t.s, NULL, 0);
		t_ok(sess_pipe_send(p, count_done, &done, &e, "APPEND %M %L",
		    "Drafts", (uint64_t)10, source_read, &src) < 0 &&
		    e.kind == ERR_NOINPUT &&
		    strcmp(e.msg, "cannot read the source") == 0,
		    "failing source: its error");
		sess_pipe_end(p, -1, &e2);
		err_clear(&e);
		t_ok(sess_run(t.s, &e, "NOOP") < 0 &&
		    e.kind == ERR_NOINPUT, "failing source: later commands "
		    "fail with the reason, unsent");
		sess_logout(t.s);
	}
	END(&t, want2, "failing source");
}

/* The server may answer a synchronizing literal with NO: nothing more. */
static void
test_literal_refused(void)
{
	static const struct srv_opts o = { GREET, NULL, 0, 1 };
	static const char want[] =
	    "A1 X {2}\r\n"
	    "A2 NOOP\r\n";
	struct sess_reply rep;
	struct sess_pipe *p;
	struct test t;
	struct err e;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "refused literal: connected")) {
		p = sess_pipe_begin(t.s, NULL, 0);
		t_ok(sess_pipe_send(p, sess_done_keep, &rep, &e, "X %A",
		    "\xc3\xbc") == 0 && sess_pipe_inflight(p) == 0,
		    "refused literal: answered before the literal, none in "
		    "flight");
		t_ok(sess_pipe_end(p, 0, &e) == 0 &&
		    rep.status == IMAP_ST_NO && strcmp(rep.code, "TOOBIG") == 0,
		    "refused literal: the command ends with the NO");
		t_ok(run1(&t, "NOOP") == IMAP_ST_OK,
		    "refused literal: the session goes on");
	}
	END(&t, want, "refused literal");
}

/* %M: modified UTF-7, INBOX in any case, never a raw line break. */
static void
test_mailbox(void)
{
	static const struct srv_opts o = { GREET, NULL, 0, 0 };
	static const char want[] =
	    "A1 SELECT Entw&APw-rfe\r\n"
	    "A2 SELECT INBOX\r\n"
	    "A3 SELECT INBOX\r\n"
	    "A4 SELECT Inbox/Sub\r\n"
	    "A5 SELECT a&AA0ACg-b\r\n"
	    "A6 SELECT \"Tom &- Jerry\"\r\n"
	    "A7 SELECT \"*\"\r\n"
	    "A8 SELECT \"\"\r\n"
	    "A9 SELECT \"NIL\"\r\n"
	    "A10 SELECT [Gmail]/Entw&APw-rfe\r\n"
	    "A11 SELECT ~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n"
	    "A12 SELECT \"a\\\"b\\\\c\"\r\n"
	    "A13 RENAME \"Old %\" &2D3eAA-\r\n";
	struct test t;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "mailbox: connected")) {
		t_ok(run1(&t, "SELECT %M", "Entw\xc3\xbcrfe") == IMAP_ST_OK,
		    "%M Entwurfe to modified UTF-7");
		t_ok(run1(&t, "SELECT %M", "inbox") == IMAP_ST_OK,
		    "%M inbox as INBOX");
		t_ok(run1(&t, "SELECT %M", "InBoX") == IMAP_ST_OK,
		    "%M InBoX as INBOX");
		t_ok(run1(&t, "SELECT %M", "Inbox/Sub") == IMAP_ST_OK,
		    "%M Inbox/Sub kept");
		t_ok(run1(&t, "SELECT %M", "a\r\nb") == IMAP_ST_OK,
		    "%M CR LF encoded, never a line break");
		t_ok(run1(&t, "SELECT %M", "Tom & Jerry") == IMAP_ST_OK,
		    "%M & and a space");
		t_ok(run1(&t, "SELECT %M", "*") == IMAP_ST_OK, "%M *");
		t_ok(run1(&t, "SELECT %M", "") == IMAP_ST_OK, "%M empty");
		t_ok(run1(&t, "SELECT %M", "NIL") == IMAP_ST_OK, "%M NIL");
		t_ok(run1(&t, "SELECT %M", "[Gmail]/Entw\xc3\xbcrfe") ==
		    IMAP_ST_OK, "%M Gmail drafts");
		t_ok(run1(&t, "SELECT "
		    "%M", "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
		    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e") == IMAP_ST_OK,
		    "%M RFC 3501 example");
		t_ok(run1(&t, "SELECT %M", "a\"b\\c") == IMAP_ST_OK,
		    "%M quote and backslash escaped");
		t_ok(run1(&t, "RENAME %M %M", "Old %", "\xf0\x9f\x98\x80") ==
		    IMAP_ST_OK, "%M twice, with an emoji");
	}
	END(&t, want, "mailbox");
}

/* Refusals: an error value, nothing on the wire. */
static void
test_refusals(void)
{
	static const struct srv_opts o = { GREET, NULL, 0, 0 };
	/* A refused command takes no tag. */
	static const char want[] =
	    "A1 FETCH 1:5,7,* FLAGS\r\n"
	    "A2 FETCH 1:* FLAGS\r\n"
	    "A3 NOOP\r\n";
	struct test t;
	char *big;

	if ((big = malloc(2u << 20)) == NULL)
		abort();
	memset(big, 'a', (2u << 20) - 1);
	big[(2u << 20) - 1] = '\0';
	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "refusals: connected")) {
		t_ok(run1(&t, "FETCH %S FLAGS", "1:5,7,*") == IMAP_ST_OK,
		    "%S digits : , *");
		t_ok(run1(&t, "FETCH %S FLAGS", "1:*") == IMAP_ST_OK,
		    "%S 1:*");
		t_ok(refuse(&t, "FETCH %S FLAGS", "1 2") == ERR_USAGE,
		    "%S refuses a space");
		t_ok(refuse(&t, "FETCH %S FLAGS", "") == ERR_USAGE,
		    "%S refuses empty");
		t_ok(refuse(&t, "FETCH %S FLAGS", "1:5 (BODY[])\r\nA9 "
		    "DELETE INBOX") == ERR_USAGE, "%S refuses an injection");
		t_ok(refuse(&t, "FETCH %S FLAGS", "$") == ERR_USAGE,
		    "%S refuses $");
		t_ok(refuse(&t, "FETCH %S FLAGS", "-1") == ERR_USAGE,
		    "%S refuses -1");
		t_ok(refuse(&t, "FETCH %S FLAGS", ",") == ERR_USAGE,
		    "%S refuses a lone comma");
		t_ok(refuse(&t, "FETCH %S FLAGS", "1::2") == ERR_USAGE,
		    "%S refuses ::");
		t_ok(refuse(&t, "FETCH %S FLAGS", "1:2:3") == ERR_USAGE,
		    "%S refuses a range of three");
		t_ok(refuse(&t, "FETCH %S FLAGS", "0") == ERR_USAGE,
		    "%S refuses 0");
		t_ok(refuse(&t, "FETCH %S FLAGS", "1,") == ERR_USAGE,
		    "%S refuses a trailing comma");
		t_ok(refuse(&t, "X %B", "a\0b", (size_t)3) == ERR_USAGE,
		    "%B refuses a NUL byte");
		t_ok(refuse(&t, "SELECT %M", "\xff") == ERR_USAGE,
		    "%M refuses invalid UTF-8");
		t_ok(refuse(&t, "SELECT %A %M", "x", "Entw\xc3rfe") ==
		    ERR_USAGE, "%M refuses a truncated sequence");
		t_ok(refuse(&t, "X %s", "a\r\nA9 DELETE INBOX") ==
		    ERR_INTERNAL, "%s refuses a line break");
		t_ok(refuse(&t, "X %Z", "a") == ERR_INTERNAL,
		    "an unknown directive is refused");
		t_ok(refuse(&t, "X %A", big) == ERR_USAGE,
		    "a command longer than the limit is refused");
		t_ok(refused_none_inflight, "refusals: none in flight");
		t_ok(run1(&t, "NOOP") == IMAP_ST_OK,
		    "refusals: the session goes on");
	}
	END(&t, want, "refusals");
	free(big);
}

/* %V: a command's pieces made at run time, each written as its type. */
static void
test_pieces(void)
{
	static const struct srv_opts o = { GREET_PLUS, NULL, 0, 0 };
	static const struct sess_piece v[] = {
		{ SESS_PIECE_TEXT, "CHARSET UTF-8 UID ", 18 },
		{ SESS_PIECE_SET, "1:5,7xx", 5 },
		{ SESS_PIECE_TEXT, " SUBJECT ", 9 },
		{ SESS_PIECE_STRING, "a \"b\"", 5 },
		{ SESS_PIECE_TEXT, " HEADER ", 8 },
		{ SESS_PIECE_ASTRING, "X-Spam", 6 },
		{ SESS_PIECE_TEXT, " ", 1 },
		{ SESS_PIECE_STRING, "Gr\xc3\xbc\xc3\x9f" "e", 7 },
		{ SESS_PIECE_TEXT, " ", 1 },
		{ SESS_PIECE_STRING, "", 0 },
	};
	static const struct sess_piece crlf[] = {
		{ SESS_PIECE_TEXT, "ALL\r\nA9 DELETE INBOX", 21 },
	};
	static const struct sess_piece nul[] = {
		{ SESS_PIECE_TEXT, "SUBJECT ", 8 },
		{ SESS_PIECE_STRING, "a\0b", 3 },
	};
	static const struct sess_piece badset[] = {
		{ SESS_PIECE_TEXT, "UID ", 4 },
		{ SESS_PIECE_SET, "1 2", 3 },
	};
	static const char want[] =
	    "A1 UID SEARCH CHARSET UTF-8 UID 1:5,7 SUBJECT \"a \\\"b\\\"\" "
	    "HEADER X-Spam {7+}\r\nGr\xc3\xbc\xc3\x9f" "e \"\"\r\n"
	    "A2 UID SEARCH \r\n";
	struct test t;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "pieces: connected")) {
		t_ok(run1(&t, "UID SEARCH %V", v, sizeof(v) / sizeof(v[0])) ==
		    IMAP_ST_OK, "%V writes each piece as its type says");
		t_ok(run1(&t, "UID SEARCH %V", v, (size_t)0) == IMAP_ST_OK,
		    "%V of no pieces");
		t_ok(refuse(&t, "UID SEARCH %V", crlf, (size_t)1) ==
		    ERR_INTERNAL, "%V refuses a line break in text");
		t_ok(refuse(&t, "UID SEARCH %V", nul, (size_t)2) == ERR_USAGE,
		    "%V refuses a NUL in a string");
		t_ok(refuse(&t, "UID SEARCH %V", badset, (size_t)2) ==
		    ERR_USAGE, "%V refuses a bad set");
	}
	END(&t, want, "pieces");
}

/*
 * Pipelining: the server answers nothing until it has all three
 * commands, so the client must have written them before reading.
 */
static void
test_pipelining(void)
{
	static const struct srv_opts o = { GREET, NULL, 3, 0 };
	static const char want[] =
	    "A1 NOOP\r\n"
	    "A2 X \"a b\"\r\n"
	    "A3 XNO\r\n"
	    "A4 CHECK\r\n";
	struct sess_reply c[3];
	struct sess_pipe *p;
	struct test t;
	struct err e;
	int ok = 1;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "pipelining: connected")) {
		memset(c, 0, sizeof(c));
		p = sess_pipe_begin(t.s, NULL, 0);
		ok = sess_pipe_send(p, sess_done_keep, &c[0], &e, "NOOP") ==
		    0 && sess_pipe_send(p, sess_done_keep, &c[1], &e, "X %A",
		    "a b") == 0 && sess_pipe_send(p, sess_done_keep, &c[2], &e,
		    "XNO") == 0;
		t_ok(ok && sess_pipe_inflight(p) == 3, "three commands queued");
		/* The server answers all three at once. */
		t_ok(sess_pipe_drain(p, &e) == 0 && c[0].status == IMAP_ST_OK &&
		    c[1].status == IMAP_ST_OK && c[2].status == IMAP_ST_NO,
		    "each has its own status");
		t_ok(sess_pipe_inflight(p) == 0, "none in flight");
		t_ok(sess_pipe_end(p, 0, &e) == 0, "the pipeline ends");
		t_ok(run1(&t, "CHECK") == IMAP_ST_OK, "A4 after the pipeline");
	}
	END(&t, want, "pipelining");
}

/* A done callback that records the order of the ends, and the most in flight. */
struct order {
	struct sess_pipe	*p;
	int			 seen[8];
	int			 n, max_inflight;
	int			 send_more;	/* send one more from a done */
	struct sess_reply	 last;
};

static int
order_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct order *o = ctx;

	(void)s;
	if (o->n < 8)
		o->seen[o->n] = rep->status == IMAP_ST_OK ? 1 : 2;
	o->n++;
	o->last = *rep;
	if (o->send_more) {
		o->send_more = 0;
		return sess_pipe_send(o->p, order_done, o, e, "XNO");
	}
	return 0;
}

/* A callback that fails: as a handler error, it breaks the session. */
static int
fail_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	(void)s;
	(void)rep;
	(*(int *)ctx)++;
	return err_set(e, ERR_CANTCREAT, "cannot write the file");
}

/*
 * The limit in flight, done callbacks once each in the order the answers
 * came, a send from a done callback, and a callback that fails: the rest
 * abandoned, nothing more sent, no LOGOUT.
 */
static void
test_pipe_limit(void)
{
	static const struct srv_opts o = { GREET, NULL, 0, 0 };
	static const char want[] =
	    "A1 NOOP\r\nA2 NOOP\r\nA3 NOOP\r\nA4 NOOP\r\nA5 NOOP\r\n"
	    "A6 XNO\r\n"
	    "A7 NOOP\r\nA8 NOOP\r\n";
	struct order ord;
	struct sess_pipe *p;
	struct test t;
	struct err e;
	int i, ok = 1, failed = 0, counted = 0;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "limit: connected")) {
		memset(&ord, 0, sizeof(ord));
		p = ord.p = sess_pipe_begin(t.s, NULL, 2);
		for (i = 0; i < 5 && ok; i++) {
			ok = sess_pipe_send(p, order_done, &ord, &e, "NOOP") ==
			    0;
			if (sess_pipe_inflight(p) > 2)
				ok = 0;
		}
		t_ok(ok, "limit: never more than 2 in flight");
		ord.send_more = 1;
		t_ok(sess_pipe_drain(p, &e) == 0 && ord.n == 6 &&
		    ord.seen[0] == 1 && ord.seen[4] == 1 && ord.seen[5] == 2,
		    "limit: each done once, in order, one sent from a done");
		t_ok(sess_pipe_end(p, 0, &e) == 0, "limit: the pipeline ends");
		/* A callback that fails breaks the session. */
		p = sess_pipe_begin(t.s, NULL, 0);
		ok = sess_pipe_send(p, fail_done, &failed, &e, "NOOP") == 0 &&
		    sess_pipe_send(p, count_done, &counted, &e, "NOOP") == 0;
		err_clear(&e);
		t_ok(ok && sess_pipe_end(p, 0, &e) < 0 &&
		    e.kind == ERR_CANTCREAT && failed == 1 && counted == 1,
		    "failing done: its error, the others still told once");
		t_ok(sess_broken(t.s), "failing done: the session is broken");
		err_clear(&e);
		t_ok(sess_run(t.s, &e, "NOOP") < 0 && e.kind == ERR_CANTCREAT,
		    "failing done: nothing more is sent");
		sess_logout(t.s);
	}
	END(&t, want, "limit");
}

/* Untagged data for a handler whose pipeline has ended reaches nothing. */
static int
count_untagged(void *ctx, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	(void)s;
	(void)r;
	(void)e;
	(*(int *)ctx)++;
	return 0;
}

static void
test_scopes(void)
{
	static const struct srv_opts o = { GREET, NULL, 0, 0 };
	static const char want[] = "A1 XNO\r\nA2 NOOP\r\nA3 CAPABILITY\r\n"
	    "A4 LOGOUT\r\n";
	struct sess_scope outer = { count_untagged, NULL, NULL, NULL };
	struct sess_scope inner = { count_untagged, NULL, NULL, NULL };
	struct sess_reply rep;
	struct sess_pipe *p;
	struct test t;
	struct err e;
	int n_outer = 0, n_inner = 0, n_left = 0;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "scopes: connected")) {
		/* A pipeline left open: LOGOUT takes its callbacks away. */
		outer.ctx = &n_left;
		p = sess_pipe_begin(t.s, &outer, 0);
		t_ok(sess_call(t.s, NULL, &rep, &e, "XNO") == 0 &&
		    rep.status == IMAP_ST_NO, "scopes: a refusal is a reply");
		inner.ctx = &n_inner;
		t_ok(sess_call(t.s, &inner, &rep, &e, "NOOP") == 0 &&
		    n_inner == 0, "scopes: no untagged data for NOOP");
		t_ok(sess_call(t.s, &inner, &rep, &e, "CAPABILITY") == 0 &&
		    n_inner == 1 && n_left == 0,
		    "scopes: the innermost handler gets the data");
		outer.ctx = &n_outer;
		t_ok(sess_logout(t.s) == 0 && n_left == 0,
		    "scopes: LOGOUT's BYE reaches no command's handler");
		sess_pipe_end(p, 0, &e);
	}
	END(&t, want, "scopes");
}

/* sess_cmd_check: NO and BAD become error values with the code. */
static void
test_check(void)
{
	static const struct srv_opts o = { GREET, NULL, 0, 0 };
	static const char want[] =
	    "A1 XNO\r\nA2 XBAD\r\nA3 XAUTH\r\nA4 XPLAIN\r\nA5 NOOP\r\n"
	    "A6 XNO\r\n";
	struct sess_reply cmd;
	struct test t;
	struct err e;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "check: connected")) {
		err_clear(&e);
		if (sess_call(t.s, NULL, &cmd, &e, "XNO") == 0) {
			t_ok(cmd.status == IMAP_ST_NO, "NO status");
			t_ok(sess_reply_check(&cmd, &e) < 0 &&
			    e.kind == ERR_UNAVAILABLE, "NO is ERR_UNAVAILABLE");
			t_streq(e.code, "NONEXISTENT", "NO code in err.code");
			t_streq(e.msg, "no such thing", "NO text in err.msg");
		} else
			t_ok(0, "XNO sent");
		err_clear(&e);
		if (sess_call(t.s, NULL, &cmd, &e, "XBAD") == 0) {
			t_ok(sess_reply_check(&cmd, &e) < 0 &&
			    e.kind == ERR_PROTOCOL, "BAD is ERR_PROTOCOL");
			t_streq(e.code, "CLIENTBUG", "BAD code in err.code");
		} else
			t_ok(0, "XBAD sent");
		err_clear(&e);
		if (sess_call(t.s, NULL, &cmd, &e, "XAUTH") == 0) {
			t_ok(sess_reply_check(&cmd, &e) < 0 &&
			    e.kind == ERR_AUTH, "AUTHENTICATIONFAILED is "
			    "ERR_AUTH");
			t_streq(e.code, "AUTHENTICATIONFAILED",
			    "AUTHENTICATIONFAILED in err.code");
		} else
			t_ok(0, "XAUTH sent");
		err_clear(&e);
		if (sess_call(t.s, NULL, &cmd, &e, "XPLAIN") == 0) {
			t_ok(sess_reply_check(&cmd, &e) < 0 &&
			    e.kind == ERR_UNAVAILABLE && e.code[0] == '\0' &&
			    strcmp(e.msg, "command failed (NO)") == 0,
			    "NO without code or text");
		} else
			t_ok(0, "XPLAIN sent");
		t_ok(sess_call(t.s, NULL, &cmd, &e, "NOOP") == 0 &&
		    sess_reply_check(&cmd, &e) == 0, "OK passes the check");
		err_clear(&e);
		t_ok(sess_run(t.s, &e, "XNO") < 0 &&
		    e.kind == ERR_UNAVAILABLE &&
		    strcmp(e.code, "NONEXISTENT") == 0,
		    "sess_run maps NO the same way");
	}
	END(&t, want, "check");
}

/* --debug: secrets redacted, literals summarised. */
static void
test_trace(void)
{
	static const struct srv_opts o = { GREET, NULL, 0, 0 };
	static const char want[] =
	    "A1 LOGIN joe s3cr3t\r\n"
	    "A2 LOGIN \"j o\" {8}\r\np\xc3\xa4ss\r\nx\r\n"
	    "A3 X {5}\r\nhe\r\nl Y\r\n"
	    "A4 AUTHENTICATE PLAIN AGpvZQBzM2NyM3Q=\r\n"
	    "A5 LOGIN {2}\r\n\xc3\xbc {2}\r\np\n\r\n";
	static const char want_trace[] =
	    "S: * OK [CAPABILITY IMAP4rev1] hi\n"
	    "state: disconnected -> not authenticated\n"
	    "C: A1 LOGIN joe <redacted>\n"
	    "S: A1 OK done\n"
	    "C: A2 LOGIN \"j o\" <redacted>\n"
	    "S: + go\n"
	    "C: <redacted>\n"
	    "S: A2 OK done\n"
	    "C: A3 X {5}\n"
	    "S: + go\n"
	    "C: {5 bytes}\n"
	    "C:  Y\n"
	    "S: A3 OK done\n"
	    "C: A4 AUTHENTICATE PLAIN <redacted>\n"
	    "S: A4 OK done\n"
	    "C: A5 LOGIN {2}\n"
	    "S: + go\n"
	    "C: {2 bytes}\n"
	    "C:  <redacted>\n"
	    "S: + go\n"
	    "C: <redacted>\n"
	    "S: A5 OK done\n";
	struct test t;

	test_begin(&t, &o, TLS_NONE, 1);
	if (connected(&t, "trace: connected")) {
		t_ok(run1(&t, "LOGIN %A %PA", "joe", "s3cr3t") == IMAP_ST_OK,
		    "LOGIN with an atom password");
		t_ok(run1(&t, "LOGIN %A %PA", "j o", "p\xc3\xa4ss\r\nx") ==
		    IMAP_ST_OK, "LOGIN with a literal password");
		t_ok(run1(&t, "X %A Y", "he\r\nl") == IMAP_ST_OK,
		    "a literal in the trace");
		t_ok(run1(&t, "AUTHENTICATE PLAIN %PA", "AGpvZQBzM2NyM3Q=") ==
		    IMAP_ST_OK, "a secret atom");
		t_ok(run1(&t, "LOGIN %A %PA", "\xc3\xbc", "p\n") == IMAP_ST_OK,
		    "LOGIN with a literal user and a literal password");
		fflush(t.trace);
		t_memeq(t.tracebuf, t.tracelen, want_trace,
		    sizeof(want_trace) - 1, "trace: exact");
		t_ok(strstr(t.tracebuf, "s3cr3t") == NULL &&
		    strstr(t.tracebuf, "p\xc3\xa4ss") == NULL &&
		    strstr(t.tracebuf, "AGpvZQ") == NULL,
		    "trace: no secret anywhere");
	}
	END(&t, want, "trace");
}

/* STARTTLS required but impossible: fail with ERR_AUTH, send nothing more. */
static void
test_starttls(void)
{
	static const struct srv_opts caps = { GREET, NULL, 0, 0 };
	static const struct srv_opts nocaps = { "* OK hi\r\n", "IMAP4rev1 "
	    "AUTH=PLAIN", 0, 0 };
	static const struct srv_opts refused = { "* OK [CAPABILITY IMAP4rev1 "
	    "STARTTLS] hi\r\n", NULL, 0, 0 };
	static const struct srv_opts preauth = { "* PREAUTH [CAPABILITY "
	    "IMAP4rev1 STARTTLS] hi\r\n", NULL, 0, 0 };
	static const struct srv_opts bye = { "* BYE [UNAVAILABLE] go away\r\n",
	    NULL, 0, 0 };
	static const struct srv_opts tagged = { "A1 OK hi\r\n", NULL, 0, 0 };
	struct test t;

	test_begin(&t, &caps, TLS_STARTTLS, 0);
	t_ok(!t.connected && t.err.kind == ERR_AUTH &&
	    strstr(t.err.msg, "STARTTLS") != NULL,
	    "no STARTTLS in the greeting's capabilities: ERR_AUTH");
	END(&t, "", "no STARTTLS in the greeting");

	test_begin(&t, &nocaps, TLS_STARTTLS, 0);
	t_ok(!t.connected && t.err.kind == ERR_AUTH,
	    "no STARTTLS after CAPABILITY: ERR_AUTH");
	END(&t, "A1 CAPABILITY\r\n", "no STARTTLS after CAPABILITY");

	test_begin(&t, &refused, TLS_STARTTLS, 0);
	t_ok(!t.connected && t.err.kind == ERR_AUTH &&
	    strstr(t.err.msg, "not now") != NULL,
	    "STARTTLS answered NO: ERR_AUTH with the server's text");
	END(&t, "A1 STARTTLS\r\n", "STARTTLS refused");

	test_begin(&t, &preauth, TLS_STARTTLS, 0);
	t_ok(!t.connected && t.err.kind == ERR_AUTH,
	    "PREAUTH before STARTTLS: ERR_AUTH");
	END(&t, "", "PREAUTH before STARTTLS");

	test_begin(&t, &bye, TLS_NONE, 0);
	t_ok(!t.connected && t.err.kind == ERR_UNAVAILABLE,
	    "BYE greeting: ERR_UNAVAILABLE");
	END(&t, "", "BYE greeting");

	test_begin(&t, &tagged, TLS_NONE, 0);
	t_ok(!t.connected && t.err.kind == ERR_PROTOCOL,
	    "tagged greeting: ERR_PROTOCOL");
	END(&t, "", "tagged greeting");
}

/*
 * Without capabilities in the greeting, the client asks once when
 * connected, never later: a literal then knows LITERAL+.
 */
static void
test_caps_unknown(void)
{
	static const struct srv_opts o = { "* OK hi\r\n",
	    "IMAP4rev1 LITERAL+", 0, 0 };
	struct test t;
	char *got;
	size_t len, i;
	int status;

	test_begin(&t, &o, TLS_NONE, 0);
	if (connected(&t, "unknown caps: connected")) {
		t_ok(sess_has_cap(t.s, "LITERAL+"),
		    "unknown caps: learnt when connected");
		t_ok(run1(&t, "X %A", "a b") == IMAP_ST_OK,
		    "unknown caps: no literal");
		t_ok(run1(&t, "X %A", "\xc3\xbc") == IMAP_ST_OK,
		    "unknown caps: literal command answered");
		t_ok(run1(&t, "NOOP") == IMAP_ST_OK, "unknown caps: then NOOP");
	}
	sess_free(t.s);
	got = srv_finish(&t.srv, &len, &status);
	/* Show the order the tags went out in. */
	printf("# unknown caps, the client sent:\n#   ");
	for (i = 0; i < len; i++)
		if (got[i] == '\n' && i + 1 < len)
			printf("\n#   ");
		else if (got[i] != '\r')
			putchar(got[i]);
	t_ok(len == 51 && memcmp(got, "A1 CAPABILITY\r\nA2 X \"a b\"\r\n"
	    "A3 X {2+}\r\n\xc3\xbc\r\nA4 NOOP\r\n", len) == 0,
	    "unknown caps: asks CAPABILITY when connected, then uses "
	    "LITERAL+");
	free(got);
}

int
main(void)
{
	test_astring();
	test_literal_sync();
	test_literal_plus();
	test_literal_minus();
	test_literal_big();
	test_literal_refused();
	test_literal_stream();
	test_literal_stream_fails();
	test_mailbox();
	test_refusals();
	test_pieces();
	test_pipelining();
	test_pipe_limit();
	test_scopes();
	test_check();
	test_trace();
	test_starttls();
	test_caps_unknown();
	return t_done();
}
