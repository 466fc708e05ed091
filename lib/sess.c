/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "deadline.h"
#include "mutf7.h"
#include "utf8.h"
#include "sess.h"
#include "stop.h"
#include "throttle.h"
#include "xalloc.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include "banned.h"

#define SESS_INBUF	65536
#define SESS_OUT_FLUSH	65536		/* write queued commands past this */
#define SESS_MAX_CMD	(1u << 20)	/* one command line, literals apart */
#define SESS_MAX_CAPS	16384
#define SESS_SYNC_LITERAL_MAX 4096	/* LITERAL- allows non-sync up to this */
#define SESS_STREAM_BUF	65536		/* a %L literal is read in pieces this big */
#define SESS_RETRY_KEEP	(1u << 20)	/* literals kept for a retry, at most */
#define SESS_RETRY_BASE_MS 1000L	/* the first back-off, before jitter */
#define SESS_RETRY_CAP_MS 60000L	/* the longest back-off of our own */
#define SESS_RETRY_SLICE_MS 250		/* a back-off is waited in these */

struct build;

/*
 * A command in flight. The session allocates it, keeps it in its queue
 * (tag order) until the tagged answer comes or the session fails, then
 * hands it to its pipeline's list of ended commands, whose done callbacks
 * run outside the reading of responses.
 */
struct sess_cmd {
	unsigned		 tag;
	int			 answered;
	struct sess_pipe	*pipe;		/* NULL: nobody waits for it */
	sess_done_fn		 done;
	void			*done_ctx;
	struct sess_reply	 reply;
	struct imap_resp	 resp;		/* the answer, copied */
	void			*copy;		/* what resp points into */
	struct sess_cmd		*next;		/* in flight, then ended */
	/* Retrying (see sess.h): the bytes to send again, or NULL. */
	struct build		*b;
	unsigned long		 heard;		/* s->heard when it was sent */
	long long		 due;		/* when to send it again */
	int			 waiting;	/* in s->retry */
};

struct sess_pipe {
	struct sess		*s;
	struct sess_scope	 scope;
	unsigned		 limit;
	unsigned		 inflight;
	struct sess_cmd		*ended, *ended_tail;	/* done not yet run */
	int			 in_done;	/* a done callback is running */
	int			 open;		/* its scope is in the stack */
	struct sess_pipe	*outer;		/* the scope stack */
	struct sess_pipe	*all_next;	/* every pipeline not yet ended */
};

struct sess {
	struct sess_opts	 o;
	struct conn		*conn;
	struct imap_parser	*parser;
	char			*in;
	size_t			 in_start, in_end;
	struct buf		 out;
	unsigned		 next_tag;
	enum sess_state		 state;
	struct buf		 caps;		/* " CAP1 CAP2 ... " as sent */
	int			 caps_known;
	int			 caps_guessed;	/* sess_guess_caps: not told */
	char			*greeting;
	int			 bye;
	int			 broken;	/* I/O, protocol, a callback */
	struct err		 broke;		/* why */
	int			 half_sent;	/* it broke amid a command */
	int			 gone;		/* the output's reader left */
	int			 hangup_fd;	/* watched for that, or -1 */
	char			 bye_text[ERR_MSG_MAX];
	struct sess_cmd		*inflight, *inflight_tail;
	struct sess_pipe	*top;		/* the innermost open pipeline */
	struct sess_pipe	*pipes;		/* every pipeline not yet ended */
	struct sess_cmd		*awaiting_cont;
	int			 got_cont;
	struct sess_mailbox	 sel;
	conn_idle_fn		 idle;
	void			*idle_arg;
	struct timespec		 marks[SESS_MARK_COUNT];
	unsigned		 marked;	/* bit per mark taken */
	struct timespec		 login_ok;	/* read (sess_done_login) */
	int			 login_answered;
	/* LOGOUT sent with the last commands (sess_send_logout). */
	unsigned		 logout_tag;
	int			 logout_sent;
	/*
	 * Retrying: untagged responses and continuation requests heard, in
	 * all and when the last tagged answer came; the commands waiting to
	 * be sent again, soonest first; the time spent waiting for nothing
	 * else.
	 */
	unsigned long		 heard, heard_tagged;
	struct sess_cmd		*retry;
	long long		 waited_ms;
};

static const char *const state_names[] = {
	"disconnected", "not authenticated", "authenticated", "selected",
	"logout"
};

/*
 * One line of the trace, control characters escaped, written whole: the
 * trace goes to unbuffered stderr, where a write a character is slow.
 */
static void
trace_line(struct sess *s, const char *dir, const char *p, size_t n)
{
	struct buf b;

	if (s->o.trace == NULL)
		return;
	/* A line longer than the parser takes is cut: it is a trace. */
	buf_init(&b, IMAP_MAX_LINE * 4 + 16);
	buf_putf(&b, "%s: ", dir);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	/* The server's text must not drive the terminal. */
	if (utf8_add_inert(&b, p, n) < 0)
		b.cut = 1;
	buf_putc(&b, '\n');
	fwrite(b.s, 1, b.len, s->o.trace);
	if (b.cut)
		fputs("...\n", s->o.trace);
	buf_free(&b);
}

/* The server side of the trace: lines and literal sizes, from the parser. */
static void
trace_server(void *ctx, const char *line, size_t len, uint64_t litsize)
{
	struct sess *s = ctx;
	char tmp[64];

	if (line != NULL)
		trace_line(s, "S", line, len);
	else {
		snprintf(tmp, sizeof(tmp), "{%llu bytes}",
		    (unsigned long long)litsize);
		trace_line(s, "S", tmp, strlen(tmp));
	}
}

static struct imap_sink *choose_sink(void *, const struct imap_resp *,
    const struct imap_arg *, uint64_t);

struct sess *
sess_new(const struct sess_opts *o)
{
	struct sess *s = xcalloc(1, sizeof(*s));

	s->o = *o;
	s->parser = imap_parser_new();
	if (o->max_literal)
		imap_parser_set_max_literal(s->parser, o->max_literal);
	if (o->trace != NULL)
		imap_parser_set_trace(s->parser, trace_server, s);
	imap_parser_set_sink_fn(s->parser, choose_sink, s);
	s->in = xmalloc(SESS_INBUF);
	buf_init(&s->out, SIZE_MAX / 2);
	buf_init(&s->caps, SESS_MAX_CAPS);
	s->next_tag = 1;
	s->state = SESS_DISCONNECTED;
	s->hangup_fd = -1;
	return s;
}

static void build_free(struct build *);

static void
cmd_free(struct sess_cmd *c)
{
	if (c->b != NULL) {
		build_free(c->b);
		free(c->b);
	}
	free(c->copy);
	free(c);
}

static void
cmds_free(struct sess_cmd *c)
{
	struct sess_cmd *next;

	for (; c != NULL; c = next) {
		next = c->next;
		cmd_free(c);
	}
}

void
sess_free(struct sess *s)
{
	struct conn_zstats zs;
	struct sess_pipe *p, *next;

	if (s == NULL)
		return;
	if (s->conn != NULL && s->o.trace != NULL &&
	    conn_compress_stats(s->conn, &zs))
		fprintf(s->o.trace, "compress: read %llu bytes for %llu, "
		    "wrote %llu bytes for %llu\n",
		    (unsigned long long)zs.raw_in,
		    (unsigned long long)zs.plain_in,
		    (unsigned long long)zs.raw_out,
		    (unsigned long long)zs.plain_out);
	/* Pipelines never ended are freed here, their callbacks unrun. */
	for (p = s->pipes; p != NULL; p = next) {
		next = p->all_next;
		cmds_free(p->ended);
		free(p);
	}
	cmds_free(s->inflight);
	cmds_free(s->retry);
	conn_close(s->conn);
	imap_parser_free(s->parser);
	free(s->in);
	buf_wipe(&s->out);
	buf_free(&s->caps);
	free(s->greeting);
	free(s->sel.name);
	free(s);
}

/* Mark m at the moment at, or now when at is NULL; once. */
static void
mark_at(struct sess *s, enum sess_mark m, const struct timespec *at)
{
	if (s->marked & (1u << m))
		return;
	if (at != NULL)
		s->marks[m] = *at;
	else
		clock_gettime(CLOCK_MONOTONIC, &s->marks[m]);
	s->marked |= 1u << m;
}

static void
mark(struct sess *s, enum sess_mark m)
{
	mark_at(s, m, NULL);
}

static double
ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

double
sess_elapsed(const struct sess *s, enum sess_mark a, enum sess_mark b)
{
	if (!(s->marked & (1u << a)) || !(s->marked & (1u << b)))
		return -1;
	return ts_diff(&s->marks[a], &s->marks[b]);
}

double
sess_since(const struct sess *s, enum sess_mark a)
{
	struct timespec now;

	if (!(s->marked & (1u << a)))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return ts_diff(&s->marks[a], &now);
}

void
sess_set_state(struct sess *s, enum sess_state st)
{
	char tmp[128];

	if (s->state != st && s->o.trace != NULL) {
		snprintf(tmp, sizeof(tmp), "state: %s -> %s",
		    state_names[s->state], state_names[st]);
		fprintf(s->o.trace, "%s\n", tmp);
	}
	if (st == SESS_AUTHENTICATED)
		mark(s, SESS_MARK_AUTHENTICATED);
	s->state = st;
}

enum sess_state
sess_state(const struct sess *s)
{
	return s->state;
}

const char *
sess_greeting(const struct sess *s)
{
	return s->greeting ? s->greeting : "";
}

struct conn *
sess_conn(struct sess *s)
{
	return s->conn;
}

const struct sess_opts *
sess_options(const struct sess *s)
{
	return &s->o;
}

const struct sess_mailbox *
sess_selected(const struct sess *s)
{
	return s->state == SESS_SELECTED ? &s->sel : NULL;
}

void
sess_set_splits(struct sess *s, int on)
{
	imap_parser_set_splits(s->parser, on);
}

void
sess_set_idle(struct sess *s, conn_idle_fn fn, void *arg)
{
	s->idle = fn;
	s->idle_arg = arg;
	if (s->conn != NULL)
		conn_set_idle(s->conn, fn, arg);
}

void
sess_set_hangup_fd(struct sess *s, int fd)
{
	s->hangup_fd = fd;
	if (s->conn != NULL)
		conn_set_hangup_fd(s->conn, fd);
}

int
sess_broken(const struct sess *s)
{
	return s->broken;
}

/* Capabilities ---------------------------------------------------------- */

static void
caps_set(struct sess *s, const struct imap_arg *a)
{
	const char *p;

	buf_reset(&s->caps);
	/* Those past SESS_MAX_CAPS are not known: the list is cut there. */
	buf_putc(&s->caps, ' ');
	for (; a != NULL; a = a->next) {
		if (!imap_arg_atom(a, &p))
			continue;
		if (buf_add(&s->caps, p, a->len) < 0 ||
		    buf_addc(&s->caps, ' ') < 0)
			break;
	}
	s->caps_known = 1;
	s->caps_guessed = 0;
}

/*
 * The one place the client asks for capabilities: when connected and when
 * logged in, if no response code told them. Nothing else asks, so that
 * sess_has_cap() never touches the network.
 */
static int
learn_caps(struct sess *s, struct err *e)
{
	if (s->caps_known)
		return 0;
	if (sess_run(s, e, "CAPABILITY") < 0)
		return -1;
	if (!s->caps_known)
		return err_set(e, ERR_PROTOCOL,
		    "server sent no CAPABILITY response");
	return 0;
}

void
sess_forget_caps(struct sess *s)
{
	s->caps_known = 0;
	s->caps_guessed = 0;
	buf_reset(&s->caps);
}

void
sess_guess_caps(struct sess *s, const char *assumed)
{
	const char *p, *q;

	if (!s->caps_known) {
		buf_reset(&s->caps);
		buf_putc(&s->caps, ' ');
	}
	for (p = assumed; *p != '\0'; p = q) {
		while (*p == ' ')
			p++;
		for (q = p; *q != '\0' && *q != ' '; q++)
			;
		if (q == p)
			break;
		/* Cut at SESS_MAX_CAPS as caps_set does. */
		if (buf_add(&s->caps, p, (size_t)(q - p)) < 0 ||
		    buf_addc(&s->caps, ' ') < 0)
			break;
	}
	s->caps_known = 1;
	s->caps_guessed = 1;
}

int
sess_caps_guessed(const struct sess *s)
{
	return s->caps_known && s->caps_guessed;
}

int
sess_logged_in(struct sess *s, struct err *e)
{
	/* Logged in when the OK was read, not when it is accepted. */
	if (s->login_answered)
		mark_at(s, SESS_MARK_AUTHENTICATED, &s->login_ok);
	sess_set_state(s, SESS_AUTHENTICATED);
	/* Guessed, and the server did not say: they are not known. */
	if (s->caps_guessed)
		sess_forget_caps(s);
	/* Nothing may follow LOGOUT: they stay unknown. */
	if (s->logout_sent)
		return 0;
	return learn_caps(s, e);
}

/* Whether the server offers cap, as far as it has said. */
int
sess_has_cap(const struct sess *s, const char *cap)
{
	char tmp[128];

	if (!s->caps_known)
		return 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), " %s ", cap) >= sizeof(tmp))
		return 0;
	return strcasestr(s->caps.s, tmp) != NULL;
}

const char *
sess_caps(const struct sess *s)
{
	return s->caps_known ? s->caps.s : NULL;
}

/* Reading --------------------------------------------------------------- */

static void
resp_code_name(const struct imap_resp *r, char *out, size_t outlen)
{
	const char *c;

	out[0] = '\0';
	if (r->code != NULL && imap_arg_atom(r->code, &c))
		snprintf(out, outlen, "%s", c);
}

/* The session's own view of untagged responses, before the handler's. */
static void
track_untagged(struct sess *s, const struct imap_resp *r)
{
	const struct imap_arg *a = r->args, *c = r->code;
	uint32_t n;
	uint64_t m;

	if (c != NULL && r->status != IMAP_ST_NONE) {
		if (imap_arg_is(c, "CAPABILITY"))
			caps_set(s, c->next);
		else if (imap_arg_is(c, "UIDVALIDITY") &&
		    imap_arg_u32(c->next, &n))
			s->sel.uidvalidity = n;
		else if (imap_arg_is(c, "UIDNEXT") &&
		    imap_arg_u32(c->next, &n))
			s->sel.uidnext = n;
		else if (imap_arg_is(c, "HIGHESTMODSEQ") &&
		    imap_arg_u64(c->next, &m))
			s->sel.highestmodseq = m;
		else if (imap_arg_is(c, "READ-ONLY"))
			s->sel.readonly = 1;
	}
	if (r->status == IMAP_ST_BYE) {
		s->bye = 1;
		snprintf(s->bye_text, sizeof(s->bye_text), "%s", r->text);
	}
	if (r->status != IMAP_ST_NONE)
		return;
	if (imap_arg_is(a, "CAPABILITY"))
		caps_set(s, a->next);
	else if (a != NULL && imap_arg_is(a->next, "EXISTS")) {
		/*
		 * "* 99999999999 EXISTS" is no count: none is known, and
		 * the SELECT it came with fails (sess_select).
		 */
		if (!imap_arg_u32(a, &n)) {
			s->sel.exists_seen = 0;
			s->sel.exists_bad = 1;
			return;
		}
		/*
		 * Only EXPUNGE makes a mailbox smaller (RFC 3501 7.3.1): a
		 * smaller count contradicts what the server said before
		 * (or is another mailbox's, when EXAMINEs go in a row), and
		 * nobody may conclude from it, least of all that a mailbox
		 * is empty. sess_select learns the count afresh.
		 */
		s->sel.exists_seen = !(s->sel.exists_seen &&
		    n < s->sel.exists);
		s->sel.exists = n;
	}
	else if (a != NULL && imap_arg_is(a->next, "EXPUNGE")) {
		/* A message that is not there: the count is not known. */
		if (!imap_arg_u32(a, &n) || n == 0 || n > s->sel.exists)
			s->sel.exists_seen = 0;
		else
			s->sel.exists--;
	}
}

static struct sess_cmd *
take_inflight(struct sess *s, const char *tag)
{
	struct sess_cmd *c, *prev = NULL;
	char *end;
	unsigned long n;

	if (tag[0] != 'A' || tag[1] < '1' || tag[1] > '9')
		return NULL;
	n = strtoul(tag + 1, &end, 10);
	if (*end != '\0')
		return NULL;
	for (c = s->inflight; c != NULL; prev = c, c = c->next) {
		if (c->tag != n)
			continue;
		if (prev == NULL)
			s->inflight = c->next;
		else
			prev->next = c->next;
		if (s->inflight_tail == c)
			s->inflight_tail = prev;
		c->next = NULL;
		return c;
	}
	return NULL;
}

/*
 * A command that ended, answered or abandoned, goes to its pipeline, whose
 * next step runs its done callback; one nobody waits for is dropped.
 */
static void
cmd_ended(struct sess_cmd *c)
{
	struct sess_pipe *p = c->pipe;

	c->next = NULL;
	if (p == NULL) {
		cmd_free(c);
		return;
	}
	p->inflight--;
	if (p->ended_tail != NULL)
		p->ended_tail->next = c;
	else
		p->ended = c;
	p->ended_tail = c;
}

/*
 * The session failed. The stream is in an unknown state (or a callback
 * gave up on it): nothing more is sent, what was queued is dropped, and
 * every command in flight is abandoned, each to be told so by its
 * pipeline.
 */
static void
sess_break(struct sess *s, const struct err *e)
{
	struct sess_cmd *c, *next;

	if (!s->broken) {
		s->broken = 1;
		if (e != NULL && e->kind != ERR_NONE)
			s->broke = *e;
		else
			err_set(&s->broke, ERR_IO, "the connection failed");
		s->gone = s->broke.kind == ERR_OUTPUT_GONE;
	}
	OPENSSL_cleanse(s->out.s, s->out.len);
	buf_reset(&s->out);
	for (c = s->inflight; c != NULL; c = next) {
		next = c->next;
		cmd_ended(c);
	}
	s->inflight = s->inflight_tail = NULL;
	/* Those waiting to be sent again end with the refusal they had. */
	for (c = s->retry; c != NULL; c = next) {
		next = c->next;
		c->waiting = 0;
		c->answered = 1;
		cmd_ended(c);
	}
	s->retry = NULL;
}

/* The error a broken session gives every later call. */
static int
broken_err(struct sess *s, struct err *e)
{
	*e = s->broke;
	return -1;
}

/* The arguments of a response, copied into one block: sizes first. */
static void
args_size(const struct imap_arg *a, size_t *nargs, size_t *nbytes)
{
	for (; a != NULL; a = a->next) {
		(*nargs)++;
		*nbytes += a->len + 1;
		if (a->type == IMAP_LIST)
			args_size(a->list, nargs, nbytes);
	}
}

static struct imap_arg *
args_copy(const struct imap_arg *a, struct imap_arg **slot, char **str)
{
	struct imap_arg *first = NULL, *prev = NULL, *c;

	for (; a != NULL; a = a->next) {
		c = (*slot)++;
		*c = *a;
		c->next = NULL;
		c->s = *str;
		if (a->s != NULL)
			memcpy(c->s, a->s, a->len);
		c->s[a->len] = '\0';
		*str += a->len + 1;
		if (a->type == IMAP_LIST)
			c->list = args_copy(a->list, slot, str);
		if (prev != NULL)
			prev->next = c;
		else
			first = c;
		prev = c;
	}
	return first;
}

/* The tagged answer, kept for the done callback that runs later. */
static void
keep_resp(struct sess_cmd *c, const struct imap_resp *r)
{
	size_t nargs = 0, nbytes = 0, tl = strlen(r->tag), xl;
	struct imap_arg *slot;
	char *str;

	xl = r->text != NULL ? strlen(r->text) : 0;
	args_size(r->args, &nargs, &nbytes);
	args_size(r->code, &nargs, &nbytes);
	c->copy = xmalloc(nargs * sizeof(struct imap_arg) + nbytes + tl + xl +
	    2);
	slot = c->copy;
	str = (char *)(slot + nargs);
	c->resp = *r;
	c->resp.args = args_copy(r->args, &slot, &str);
	c->resp.code = args_copy(r->code, &slot, &str);
	memcpy(str, r->tag, tl + 1);
	c->resp.tag = str;
	str += tl + 1;
	if (xl > 0)
		memcpy(str, r->text, xl);
	str[xl] = '\0';
	c->resp.text = str;
}

enum scope_kind {
	SCOPE_UNTAGGED,
	SCOPE_SINK,
	SCOPE_CONT
};

/* The innermost open pipeline with a callback of the kind. */
static struct sess_pipe *
scope_with(struct sess *s, enum scope_kind k)
{
	struct sess_pipe *p;

	for (p = s->top; p != NULL; p = p->outer)
		if ((k == SCOPE_UNTAGGED && p->scope.untagged != NULL) ||
		    (k == SCOPE_SINK && p->scope.sink != NULL) ||
		    (k == SCOPE_CONT && p->scope.cont != NULL))
			return p;
	return NULL;
}

static struct imap_sink *
choose_sink(void *ctx, const struct imap_resp *r, const struct imap_arg *parent,
    uint64_t size)
{
	struct sess_pipe *p = scope_with(ctx, SCOPE_SINK);

	return p != NULL ? p->scope.sink(p->scope.ctx, r, parent, size) : NULL;
}

static int retry_later(struct sess *, struct sess_cmd *, int quiet);

static int
dispatch(struct sess *s, const struct imap_resp *r, struct err *e)
{
	struct sess_cmd *c;
	struct sess_pipe *p;
	int quiet;

	switch (r->kind) {
	case IMAP_TAGGED:
		if ((c = take_inflight(s, r->tag)) == NULL)
			return err_set(e, ERR_PROTOCOL, "server answered "
			    "tag '%.32s', which was never sent", r->tag);
		track_untagged(s, r);
		c->answered = 1;
		c->reply.status = r->status;
		/*
		 * The login's OK: logged in as of now, though its done
		 * callback may run only once what went with it is answered.
		 */
		if (c->done == sess_done_login && r->status == IMAP_ST_OK &&
		    !s->login_answered) {
			clock_gettime(CLOCK_MONOTONIC, &s->login_ok);
			s->login_answered = 1;
		}
		resp_code_name(r, c->reply.code, sizeof(c->reply.code));
		snprintf(c->reply.text, sizeof(c->reply.text), "%s", r->text);
		free(c->copy);
		c->copy = NULL;
		if (c->pipe != NULL && c->done != NULL)
			keep_resp(c, r);
		quiet = s->heard == (c->heard > s->heard_tagged ? c->heard :
		    s->heard_tagged);
		s->heard_tagged = s->heard;
		if (!retry_later(s, c, quiet))
			cmd_ended(c);
		return 0;
	case IMAP_CONTINUATION:
		if (s->awaiting_cont != NULL) {
			s->got_cont = 1;
			return 0;
		}
		s->heard++;
		p = scope_with(s, SCOPE_CONT);
		if (p != NULL)
			return p->scope.cont(p->scope.ctx, s, r, e);
		return err_set(e, ERR_PROTOCOL, "unexpected continuation "
		    "request from server");
	case IMAP_UNTAGGED:
		s->heard++;
		track_untagged(s, r);
		p = scope_with(s, SCOPE_UNTAGGED);
		if (p != NULL)
			return p->scope.untagged(p->scope.ctx, s, r, e);
		return 0;
	}
	return 0;
}

/*
 * The next whole response, reading from the connection as needed. A
 * failure here leaves the stream in an unknown state: the session is
 * broken.
 */
static int
read_resp(struct sess *s, const struct imap_resp **r_r, struct err *e)
{
	size_t used;
	ssize_t n;
	int rv;

	for (;;) {
		if (s->in_start < s->in_end) {
			rv = imap_parser_feed(s->parser, s->in + s->in_start,
			    s->in_end - s->in_start, &used, r_r, e);
			s->in_start += used;
			if (rv < 0) {
				sess_break(s, e);
				return -1;
			}
			if (rv > 0)
				return 0;
		}
		if (s->conn == NULL) {
			err_set(e, ERR_IO, "not connected");
			sess_break(s, e);
			return -1;
		}
		n = conn_read(s->conn, s->in, SESS_INBUF, e);
		if (n < 0) {
			if (s->bye && e->kind == ERR_IO)
				err_set(e, ERR_IO, "server closed the "
				    "connection: %s", s->bye_text);
			sess_break(s, e);
			return -1;
		}
		s->in_start = 0;
		s->in_end = (size_t)n;
	}
}

static int sess_flush(struct sess *, struct err *);
static int retry_due(struct sess *, struct err *);

/*
 * Read and dispatch one response, after writing what is queued. Any
 * failure, a callback's of whatever kind included, breaks the session.
 */
static int
read_one(struct sess *s, struct err *e)
{
	const struct imap_resp *r;
	int ended;

	if (s->broken)
		return broken_err(s, e);
	/*
	 * Not amid a command of ours, whose literal waits for a "+". When
	 * the waiting ones ended (a signal) and nothing is in flight, there
	 * is nothing to read for.
	 */
	if (s->retry != NULL && s->awaiting_cont == NULL) {
		if ((ended = retry_due(s, e)) < 0)
			return -1;
		if (ended > 0 && s->inflight == NULL)
			return 0;
	}
	if (sess_flush(s, e) < 0 || read_resp(s, &r, e) < 0)
		return -1;
	if (dispatch(s, r, e) < 0) {
		sess_break(s, e);
		return -1;
	}
	return 0;
}

int
sess_poll(struct sess *s, int timeout_ms, struct err *e)
{
	int r;

	if (s->broken)
		return broken_err(s, e);
	if (s->in_start < s->in_end)
		return 1;
	if (s->conn == NULL)
		return err_set(e, ERR_IO, "not connected");
	/*
	 * A wait that fails (the run's deadline, the reader gone) leaves
	 * commands in flight whose owners give up: the session is done for,
	 * as after a failed read.
	 */
	if ((r = conn_wait_readable(s->conn, timeout_ms, e)) < 0)
		sess_break(s, e);
	return r;
}

/* Writing --------------------------------------------------------------- */

static int
sess_flush(struct sess *s, struct err *e)
{
	int r;

	if (s->out.len == 0)
		return 0;
	if (s->conn == NULL)
		return err_set(e, ERR_IO, "not connected");
	r = conn_write(s->conn, s->out.s, s->out.len, e);
	if (r < 0)
		sess_break(s, e);
	/* The queue may have held a password. */
	OPENSSL_cleanse(s->out.s, s->out.len);
	buf_reset(&s->out);
	return r;
}

/* A command being built: its text and the literals that follow markers. */
struct lit {
	size_t		 off;		/* in line: just after "{N}" */
	const char	*p;		/* the bytes, or NULL for fn */
	uint64_t	 len;
	sess_literal_fn	 fn;		/* %L, %R: where the bytes come from */
	sess_rewind_fn	 again;		/* %R: back to their start */
	void		*fn_ctx;
	int		 sync;
	char		*copy;		/* p's bytes, ours, kept to retry */
};

struct build {
	struct buf	 line;
	struct lit	*lits;
	size_t		 nlits, alloc;
	size_t		 secret_off;	/* trace hides line from here */
	int		 secret;
	char		**owned;		/* encoded mailbox names */
	size_t		 nowned;
};

static void
build_free(struct build *b)
{
	size_t i;

	buf_wipe(&b->line);
	for (i = 0; i < b->nlits; i++)
		if (b->lits[i].copy != NULL) {
			/* It may be a secret that had to go as a literal. */
			OPENSSL_cleanse(b->lits[i].copy,
			    (size_t)b->lits[i].len);
			free(b->lits[i].copy);
		}
	free(b->lits);
	for (i = 0; i < b->nowned; i++)
		free(b->owned[i]);
	free(b->owned);
}

static int
add_literal(struct sess *s, struct build *b, const char *p, uint64_t len,
    sess_literal_fn fn, sess_rewind_fn again, void *fn_ctx, struct err *e)
{
	int plus = sess_has_cap(s, "LITERAL+") ||
	    (len <= SESS_SYNC_LITERAL_MAX && sess_has_cap(s, "LITERAL-"));
	struct lit *l;

	if (buf_addf(&b->line, "{%llu%s}", (unsigned long long)len,
	    plus ? "+" : "") < 0)
		return err_set(e, ERR_USAGE, "command too long");
	if (b->nlits == b->alloc) {
		b->alloc = b->alloc ? b->alloc * 2 : 4;
		b->lits = xrealloc(b->lits, b->alloc * sizeof(*b->lits));
	}
	l = &b->lits[b->nlits++];
	l->off = b->line.len;
	l->p = p;
	l->len = len;
	l->fn = fn;
	l->again = again;
	l->fn_ctx = fn_ctx;
	l->sync = !plus;
	l->copy = NULL;
	return 0;
}

static int
is_astring_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("(){%*\"\\", c) == NULL;
}

/*
 * A user string as an astring (atom_ok) or string: atom when it is one,
 * quoted when it can be, a literal for CR, LF and 8-bit text. NUL cannot be
 * sent at all.
 */
static int
add_string(struct sess *s, struct build *b, const char *p, size_t len,
    int atom_ok, struct err *e)
{
	size_t i;
	int atom = atom_ok && len > 0, literal = 0, r;

	if (memchr(p, '\0', len) != NULL)
		return err_set(e, ERR_USAGE, "a NUL byte cannot be sent");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\r' || c == '\n' || c >= 0x80)
			literal = 1;
		if (!is_astring_char(c))
			atom = 0;
	}
	if (atom && len == 3 && strncasecmp(p, "NIL", 3) == 0)
		atom = 0;
	if (literal)
		return add_literal(s, b, p, len, NULL, NULL, NULL, e);
	if (atom)
		return buf_add(&b->line, p, len) < 0 ?
		    err_set(e, ERR_USAGE, "command too long") : 0;
	r = buf_addc(&b->line, '"');
	for (i = 0; i < len && r == 0; i++) {
		if (p[i] == '"' || p[i] == '\\')
			r = buf_addc(&b->line, '\\');
		if (r == 0)
			r = buf_addc(&b->line, p[i]);
	}
	if (r < 0 || buf_addc(&b->line, '"') < 0)
		return err_set(e, ERR_USAGE, "command too long");
	return 0;
}

static int
add_mailbox(struct sess *s, struct build *b, const char *name, struct err *e)
{
	struct buf enc;
	char *owned;

	if (strcasecmp(name, "INBOX") == 0)
		return add_string(s, b, "INBOX", 5, 1, e);
	buf_init(&enc, SESS_MAX_CMD);
	if (mutf7_encode(&enc, name, strlen(name)) < 0) {
		buf_free(&enc);
		return err_set(e, ERR_USAGE, "mailbox name is not valid "
		    "UTF-8");
	}
	owned = buf_release(&enc);
	b->owned = xrealloc(b->owned, (b->nowned + 1) * sizeof(*b->owned));
	b->owned[b->nowned++] = owned;
	return add_string(s, b, owned, strlen(owned), 1, e);
}

/* seq-number = nz-number / "*"; a set is ranges of them, comma-separated. */
static int
valid_set(const char *p)
{
	int want_num = 1, colon = 0;

	for (;; p++) {
		if (want_num) {
			if (*p == '*')
				want_num = 0;
			else if (*p >= '1' && *p <= '9') {
				while (p[1] >= '0' && p[1] <= '9')
					p++;
				want_num = 0;
			} else
				return 0;
			continue;
		}
		if (*p == '\0')
			return 1;
		if (*p == ':' && !colon)
			colon = 1;
		else if (*p == ',')
			colon = 0;
		else
			return 0;
		want_num = 1;
	}
}

static int
add_set(struct build *b, const char *set, struct err *e)
{
	size_t n = strlen(set);

	if (!valid_set(set))
		return err_set(e, ERR_USAGE, "bad message set '%.64s'", set);
	if (buf_add(&b->line, set, n) < 0)
		return err_set(e, ERR_USAGE, "command too long");
	return 0;
}

static int
add_pieces(struct sess *s, struct build *b, const struct sess_piece *v,
    size_t n, struct err *e)
{
	char *set;
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		switch (v[i].type) {
		case SESS_PIECE_TEXT:
			if (memchr(v[i].s, '\r', v[i].len) != NULL ||
			    memchr(v[i].s, '\n', v[i].len) != NULL ||
			    memchr(v[i].s, '\0', v[i].len) != NULL)
				r = err_set(e, ERR_INTERNAL, "line break in "
				    "command fragment");
			else if (buf_add(&b->line, v[i].s, v[i].len) < 0)
				r = err_set(e, ERR_USAGE, "command too long");
			break;
		case SESS_PIECE_STRING:
		case SESS_PIECE_ASTRING:
			r = add_string(s, b, v[i].s, v[i].len,
			    v[i].type == SESS_PIECE_ASTRING, e);
			break;
		case SESS_PIECE_MAILBOX:
			if (memchr(v[i].s, '\0', v[i].len) != NULL) {
				r = err_set(e, ERR_USAGE, "a NUL byte cannot "
				    "be sent");
				break;
			}
			set = xstrndup(v[i].s, v[i].len);
			r = add_mailbox(s, b, set, e);
			free(set);
			break;
		case SESS_PIECE_SET:
			set = xstrndup(v[i].s, v[i].len);
			r = add_set(b, set, e);
			free(set);
			break;
		}
	}
	return r;
}

static int
format_cmd(struct sess *s, struct build *b, const char *fmt, va_list ap,
    struct err *e)
{
	const char *p, *str;
	const void *data;
	sess_literal_fn fn;
	sess_rewind_fn again;
	void *fn_ctx;
	uint64_t size;
	size_t len;
	int r = 0, secret;

	for (p = fmt; *p != '\0' && r == 0; p++) {
		if (*p != '%') {
			if (buf_addc(&b->line, *p) < 0)
				r = err_set(e, ERR_USAGE, "command too long");
			continue;
		}
		p++;
		secret = 0;
		if (*p == 'P') {
			/* A secret astring: the trace stops before it. */
			secret = 1;
			p++;
		}
		if (secret && !b->secret) {
			b->secret = 1;
			b->secret_off = b->line.len;
		}
		switch (*p) {
		case 's':
			str = va_arg(ap, const char *);
			if (strpbrk(str, "\r\n") != NULL)
				r = err_set(e, ERR_INTERNAL, "line break in "
				    "command fragment");
			else if (buf_adds(&b->line, str) < 0)
				r = err_set(e, ERR_USAGE, "command too long");
			break;
		case 'u':
			if (buf_addf(&b->line, "%u", va_arg(ap, unsigned)) < 0)
				r = err_set(e, ERR_USAGE, "command too long");
			break;
		case 'U':
			if (buf_addf(&b->line, "%llu", (unsigned long long)
			    va_arg(ap, uint64_t)) < 0)
				r = err_set(e, ERR_USAGE, "command too long");
			break;
		case 'A':
			str = va_arg(ap, const char *);
			r = add_string(s, b, str, strlen(str), 1, e);
			break;
		case 'Q':
			str = va_arg(ap, const char *);
			r = add_string(s, b, str, strlen(str), 0, e);
			break;
		case 'M':
			r = add_mailbox(s, b, va_arg(ap, const char *), e);
			break;
		case 'S':
			r = add_set(b, va_arg(ap, const char *), e);
			break;
		case 'V':
			data = va_arg(ap, const struct sess_piece *);
			len = va_arg(ap, size_t);
			r = add_pieces(s, b, data, len, e);
			break;
		case 'B':
			data = va_arg(ap, const void *);
			len = va_arg(ap, size_t);
			if (memchr(data, '\0', len) != NULL)
				r = err_set(e, ERR_USAGE, "a NUL byte cannot "
				    "be sent in a literal");
			else
				r = add_literal(s, b, data, len, NULL, NULL,
				    NULL, e);
			break;
		case 'L':
			size = va_arg(ap, uint64_t);
			fn = va_arg(ap, sess_literal_fn);
			fn_ctx = va_arg(ap, void *);
			r = add_literal(s, b, NULL, size, fn, NULL, fn_ctx,
			    e);
			break;
		case 'R':
			size = va_arg(ap, uint64_t);
			fn = va_arg(ap, sess_literal_fn);
			again = va_arg(ap, sess_rewind_fn);
			fn_ctx = va_arg(ap, void *);
			r = add_literal(s, b, NULL, size, fn, again, fn_ctx,
			    e);
			break;
		case '%':
			r = buf_addc(&b->line, '%') < 0 ? err_set(e, ERR_USAGE,
			    "command too long") : 0;
			break;
		default:
			r = err_set(e, ERR_INTERNAL, "bad command format '%s'",
			    fmt);
			break;
		}
	}
	return r;
}

static void
trace_client(struct sess *s, struct build *b, size_t from, size_t to)
{
	char tmp[128];
	size_t cut;

	if (s->o.trace == NULL)
		return;
	if (b->secret && to > b->secret_off) {
		cut = from > b->secret_off ? from : b->secret_off;
		if (from >= b->secret_off) {
			trace_line(s, "C", "<redacted>", 10);
			return;
		}
		snprintf(tmp, sizeof(tmp), "%.*s<redacted>",
		    (int)(cut - from > 100 ? 100 : cut - from),
		    b->line.s + from);
		trace_line(s, "C", tmp, strlen(tmp));
		return;
	}
	trace_line(s, "C", b->line.s + from, to - from);
}

/*
 * Wait for the server's "+" before sending a synchronizing literal. A
 * refusal ends the wait: the command is answered, or waits to be sent
 * again from its start (retrying).
 */
static int
await_continuation(struct sess *s, struct sess_cmd *cmd, struct err *e)
{
	int r = 0;

	s->awaiting_cont = cmd;
	s->got_cont = 0;
	while (!s->got_cont && !cmd->answered && !cmd->waiting && r == 0)
		r = read_one(s, e);
	s->awaiting_cont = NULL;
	return r;
}

static int
queue(struct sess *s, const void *p, size_t n, struct err *e)
{
	/* Big literals go straight out instead of being copied. */
	if (n >= SESS_OUT_FLUSH) {
		if (sess_flush(s, e) < 0)
			return -1;
		if (conn_write(s->conn, p, n, e) < 0) {
			sess_break(s, e);
			return -1;
		}
		return 0;
	}
	if (buf_add(&s->out, p, n) < 0)
		return err_set(e, ERR_INTERNAL, "output queue full");
	if (s->out.len >= SESS_OUT_FLUSH)
		return sess_flush(s, e);
	return 0;
}

/*
 * A %L literal: its bytes as the callback produces them, in pieces, so a
 * large message is never held whole. Once the first byte is out, a failure
 * leaves the server waiting for the rest: the connection is done for, and
 * what was queued but not yet written is dropped.
 */
static int
stream_literal(struct sess *s, const struct lit *l, struct err *e)
{
	uint64_t left = l->len;
	char *tmp;
	ssize_t n;
	size_t want;
	int r = 0;

	tmp = xmalloc(SESS_STREAM_BUF);
	while (left > 0) {
		want = left < SESS_STREAM_BUF ? (size_t)left : SESS_STREAM_BUF;
		n = l->fn(l->fn_ctx, tmp, want, e);
		if (n < 0)
			r = -1;
		else if (n == 0)
			r = err_set(e, ERR_NOINPUT, "literal data ended %llu "
			    "bytes early", (unsigned long long)left);
		else if ((size_t)n > want)
			r = err_set(e, ERR_INTERNAL, "literal source overran "
			    "its buffer");
		else
			r = queue(s, tmp, (size_t)n, e);
		if (r < 0)
			break;
		left -= (uint64_t)n;
	}
	free(tmp);
	if (r < 0)
		sess_break(s, e);
	return r;
}

static int
transmit(struct sess *s, struct sess_cmd *cmd, struct build *b, struct err *e)
{
	char tmp[64];
	size_t pos = 0, i;

	for (i = 0; i < b->nlits; i++) {
		struct lit *l = &b->lits[i];

		trace_client(s, b, pos, l->off);
		if (queue(s, b->line.s + pos, l->off - pos, e) < 0 ||
		    queue(s, "\r\n", 2, e) < 0)
			return -1;
		pos = l->off;
		if (l->sync) {
			if (await_continuation(s, cmd, e) < 0)
				return -1;
			/* Refused: its done says so, or it is sent again. */
			if (cmd->answered || cmd->waiting)
				return 0;
		}
		if (!b->secret || l->off <= b->secret_off) {
			snprintf(tmp, sizeof(tmp), "{%llu bytes}",
			    (unsigned long long)l->len);
			trace_line(s, "C", tmp, strlen(tmp));
		}
		if (l->fn != NULL ? stream_literal(s, l, e) < 0 :
		    queue(s, l->p, (size_t)l->len, e) < 0)
			return -1;
	}
	trace_client(s, b, pos, b->line.len);
	if (queue(s, b->line.s + pos, b->line.len - pos, e) < 0 ||
	    queue(s, "\r\n", 2, e) < 0)
		return -1;
	return 0;
}

/* Put the next tag in front of the formatted command. */
static int
tag_line(struct sess *s, struct sess_cmd *cmd, struct build *b, struct err *e)
{
	struct buf line;
	size_t i, n;

	buf_init(&line, SESS_MAX_CMD);
	if (buf_addf(&line, "A%u ", s->next_tag) < 0 ||
	    buf_add(&line, b->line.s, b->line.len) < 0) {
		buf_wipe(&line);
		return err_set(e, ERR_USAGE, "command too long");
	}
	cmd->tag = s->next_tag++;
	n = line.len - b->line.len;
	for (i = 0; i < b->nlits; i++)
		b->lits[i].off += n;
	b->secret_off += n;
	buf_wipe(&b->line);
	b->line = line;
	return 0;
}

static int may_retry(struct sess *, struct build *);

/*
 * Format, tag, queue and write a command of pipeline p (NULL: nobody's).
 * Formatted before it takes a tag: a command the formatter refuses takes
 * none and sends nothing. Once it is in the queue, a failure to write it
 * breaks the session, and the command ends unheard: the caller was told.
 */
static int
cmd_send(struct sess *s, struct sess_pipe *p, sess_done_fn done,
    void *done_ctx, struct err *e, const char *fmt, va_list ap)
{
	struct sess_cmd *c;
	struct build *b;
	int r;

	if (s->broken)
		return broken_err(s, e);
	/* Stopped by a signal: nothing more is sent (stop.h). */
	if (stop_signal())
		return stop_err(e);
	if (s->conn == NULL)
		return err_set(e, ERR_IO, "not connected");
	b = xcalloc(1, sizeof(*b));
	buf_init(&b->line, SESS_MAX_CMD);
	c = xcalloc(1, sizeof(*c));
	if (format_cmd(s, b, fmt, ap, e) < 0) {
		build_free(b);
		free(b);
		free(c);
		return -1;
	}
	/* Kept, before it takes its tag, when it may be sent again. */
	if (p != NULL && done != NULL && may_retry(s, b))
		c->b = b;
	if (tag_line(s, c, b, e) < 0) {
		if (c->b == NULL) {
			build_free(b);
			free(b);
		}
		cmd_free(c);
		return -1;
	}
	c->pipe = p;
	c->done = done;
	c->done_ctx = done_ctx;
	c->heard = s->heard;
	if (s->inflight_tail != NULL)
		s->inflight_tail->next = c;
	else
		s->inflight = c;
	s->inflight_tail = c;
	if (p != NULL)
		p->inflight++;
	r = transmit(s, c, b, e);
	if (c->b == NULL) {
		build_free(b);
		free(b);
	}
	if (r < 0) {
		if (!s->broken)
			sess_break(s, e);
		s->half_sent = 1;
		c->done = NULL;
		c->done_ctx = NULL;
	}
	return r;
}

/* Retrying ------------------------------------------------------------- */

/*
 * Whether a command may be sent again if throttled (see sess.h): nothing
 * streamed that cannot be read again (%L; %R can), nothing too big to
 * keep, not a command that changes how the connection talks. Its other
 * literals are copied here, since what the caller lent may be gone by
 * then.
 */
static int
may_retry(struct sess *s, struct build *b)
{
	static const char *const never[] = { "LOGOUT", "IDLE", "DONE",
	    "STARTTLS", "COMPRESS" };
	uint64_t kept = 0;
	size_t i, n;
	char *copy;

	if (s->o.retries == 0)
		return 0;
	n = strcspn(b->line.s, " ");
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (n == strlen(never[i]) &&
		    strncasecmp(b->line.s, never[i], n) == 0)
			return 0;
	for (i = 0; i < b->nlits; i++) {
		if (b->lits[i].fn != NULL && b->lits[i].again == NULL)
			return 0;
		if (b->lits[i].fn == NULL)
			kept += b->lits[i].len;
	}
	if (kept > SESS_RETRY_KEEP)
		return 0;
	for (i = 0; i < b->nlits; i++) {
		if (b->lits[i].fn != NULL)
			continue;
		copy = xmalloc((size_t)b->lits[i].len + 1);
		memcpy(copy, b->lits[i].p, (size_t)b->lits[i].len);
		b->lits[i].p = b->lits[i].copy = copy;
	}
	return 1;
}

/* Replace the tag in front of a kept command by the next one. */
static int
retag(struct sess *s, struct sess_cmd *c, struct err *e)
{
	struct build *b = c->b;
	struct buf line;
	size_t old, i, pre;

	old = strcspn(b->line.s, " ") + 1;
	buf_init(&line, SESS_MAX_CMD);
	if (buf_addf(&line, "A%u ", s->next_tag) < 0 ||
	    buf_add(&line, b->line.s + old, b->line.len - old) < 0) {
		buf_wipe(&line);
		return err_set(e, ERR_USAGE, "command too long");
	}
	pre = line.len - (b->line.len - old);
	for (i = 0; i < b->nlits; i++)
		b->lits[i].off = b->lits[i].off - old + pre;
	if (b->secret)
		b->secret_off = b->secret_off - old + pre;
	c->tag = s->next_tag++;
	buf_wipe(&b->line);
	b->line = line;
	return 0;
}

static void trace_retry(struct sess *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
trace_retry(struct sess *s, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;

	if (s->o.trace == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	fprintf(s->o.trace, "retry: %s\n", tmp);
}

/*
 * The wait before retry k of what the server refused with rep (who names
 * it in the trace), in ms; -1 when it is not to be tried again: not a
 * refusal for now, the retries used up, the session ending, the deadline
 * or the session's bound on waiting too near. *suggested gets what the
 * server asked for (0: nothing).
 */
static long
retry_wait(struct sess *s, const char *who, unsigned k,
    const struct sess_reply *rep, long *suggested_r)
{
	long long left;
	long suggested, base, wait;
	unsigned char rnd[2];
	int cut;

	if (rep->status != IMAP_ST_NO ||
	    (suggested = throttle_wait_ms(rep->code, rep->text)) < 0)
		return -1;
	*suggested_r = suggested;
	if (k >= s->o.retries) {
		trace_retry(s, "%s refused for now, %u retries done: giving "
		    "up", who, k);
		return -1;
	}
	if (s->logout_sent || stop_signal() || s->broken) {
		trace_retry(s, "%s refused for now; not sent again: the "
		    "session is ending", who);
		return -1;
	}
	base = k >= 6 ? SESS_RETRY_CAP_MS : SESS_RETRY_BASE_MS << k;
	if (base > SESS_RETRY_CAP_MS)
		base = SESS_RETRY_CAP_MS;
	/*
	 * Equal jitter: half the back-off, and a random part of the rest,
	 * so that clients throttled together do not come back together.
	 */
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0xff, sizeof(rnd));
	wait = base / 2 + (long)(((unsigned long)rnd[0] << 8 | rnd[1]) %
	    (unsigned long)(base / 2 + 1));
	if (wait < suggested)
		wait = suggested;
	if (wait > INT_MAX / 2)
		wait = INT_MAX / 2;
	left = deadline_cap((int)wait + 1, &cut);
	if (cut) {
		trace_retry(s, "%s refused for now; not sent again: the "
		    "deadline comes in %.3g s, before the wait of %.3g s ends",
		    who, left / 1000.0, wait / 1000.0);
		return -1;
	}
	if (s->o.retry_wait_ms > 0 &&
	    s->waited_ms + wait > s->o.retry_wait_ms) {
		trace_retry(s, "%s refused for now; not sent again: %.3g s "
		    "waited already, %.3g s more is past the bound of %.3g s",
		    who, s->waited_ms / 1000.0, wait / 1000.0,
		    s->o.retry_wait_ms / 1000.0);
		return -1;
	}
	if (suggested > 0)
		trace_retry(s, "%s refused for now, the server suggests "
		    "waiting %.3g s; sending it again in %.3g s (retry %u of "
		    "%u)", who, suggested / 1000.0, wait / 1000.0, k + 1,
		    s->o.retries);
	else
		trace_retry(s, "%s refused for now; sending it again in "
		    "%.3g s (retry %u of %u)", who, wait / 1000.0, k + 1,
		    s->o.retries);
	return wait;
}

/*
 * A tagged answer: whether c, refused for now, waits to be sent again
 * (quiet: the server sent nothing meanwhile) rather than ending.
 */
static int
retry_later(struct sess *s, struct sess_cmd *c, int quiet)
{
	struct sess_cmd **pp;
	char who[32];
	long suggested, wait;

	if (c->b == NULL || c->reply.status != IMAP_ST_NO ||
	    throttle_wait_ms(c->reply.code, c->reply.text) < 0)
		return 0;
	snprintf(who, sizeof(who), "A%u", c->tag);
	if (!quiet && c->reply.retried < s->o.retries) {
		trace_retry(s, "%s refused for now; not sent again: the "
		    "server answered something for it first", who);
		return 0;
	}
	if ((wait = retry_wait(s, who, c->reply.retried, &c->reply,
	    &suggested)) < 0)
		return 0;
	c->due = deadline_now_ms() + wait;
	c->answered = 0;
	c->waiting = 1;
	for (pp = &s->retry; *pp != NULL && (*pp)->due <= c->due;
	    pp = &(*pp)->next)
		;
	c->next = *pp;
	*pp = c;
	return 1;
}

int
sess_retry_pause(struct sess *s, const struct sess_reply *rep,
    unsigned *retried, struct err *e)
{
	long long due, now, t0;
	long suggested, wait;
	int w;

	if (s->broken || s->conn == NULL || s->inflight != NULL ||
	    s->retry != NULL)
		return 0;
	if ((wait = retry_wait(s, "the exchange", *retried, rep,
	    &suggested)) < 0)
		return 0;
	due = deadline_now_ms() + wait;
	while ((now = deadline_now_ms()) < due) {
		/* Stopped by a signal: not tried again (stop.h). */
		if (stop_signal())
			return 0;
		t0 = now;
		w = conn_wait_readable(s->conn, due - now <
		    SESS_RETRY_SLICE_MS ? (int)(due - now) :
		    SESS_RETRY_SLICE_MS, e);
		s->waited_ms += deadline_now_ms() - t0;
		if (w < 0) {
			sess_break(s, e);
			return -1;
		}
		/* The server speaks (a BYE?): the next try reads it. */
		if (w > 0 || s->in_start < s->in_end)
			break;
	}
	(*retried)++;
	trace_retry(s, "the exchange starts again");
	return 1;
}

/*
 * Streamed literals (%R) back to their start, before a command is sent
 * again; -1 when a source cannot be, e the reason.
 */
static int
rewind_literals(struct build *b, struct err *e)
{
	size_t i;

	for (i = 0; i < b->nlits; i++)
		if (b->lits[i].fn != NULL &&
		    b->lits[i].again(b->lits[i].fn_ctx, e) < 0)
			return -1;
	return 0;
}

/*
 * Send a kept command again under a new tag; it is in flight once more.
 * One whose literal's source cannot be read again ends with the refusal
 * it had, the session sound: nothing of it was sent.
 */
static int
resend(struct sess *s, struct sess_cmd *c, struct err *e)
{
	unsigned old = c->tag;
	struct err re;

	c->next = NULL;
	c->waiting = 0;
	err_clear(&re);
	if (rewind_literals(c->b, &re) < 0) {
		trace_retry(s, "A%u refused for now; not sent again: %s",
		    c->tag, re.msg);
		c->answered = 1;
		cmd_ended(c);
		return 0;
	}
	c->reply.retried++;
	c->reply.status = IMAP_ST_NONE;
	c->heard = s->heard;
	if (retag(s, c, e) < 0) {
		sess_break(s, e);
		c->answered = 1;
		c->reply.status = IMAP_ST_NO;
		cmd_ended(c);
		return -1;
	}
	trace_retry(s, "A%u sent again as A%u", old, c->tag);
	if (s->inflight_tail != NULL)
		s->inflight_tail->next = c;
	else
		s->inflight = c;
	s->inflight_tail = c;
	if (transmit(s, c, c->b, e) < 0) {
		/* Its done is told it was abandoned. */
		if (!s->broken)
			sess_break(s, e);
		s->half_sent = 1;
		return -1;
	}
	return 0;
}

/*
 * Before reading: send again what is due; while something waits, wait for
 * whichever comes first, a response or the time to send it. Returns 1
 * when a signal ended the waiting ones, 0 when it is time to read, -1
 * when the session failed.
 */
static int
retry_due(struct sess *s, struct err *e)
{
	struct sess_cmd *c;
	long long now, t0;
	int w, ended = 0;

	while ((c = s->retry) != NULL) {
		/* Stopped by a signal: nothing more is sent (stop.h). */
		if (stop_signal()) {
			s->retry = c->next;
			c->waiting = 0;
			c->answered = 1;
			cmd_ended(c);
			ended = 1;
			continue;
		}
		now = deadline_now_ms();
		if (c->due <= now) {
			s->retry = c->next;
			if (resend(s, c, e) < 0)
				return -1;
			continue;
		}
		if (s->in_start < s->in_end)
			return 0;
		if (sess_flush(s, e) < 0)
			return -1;
		/* In slices: a signal ends the waiting soon (stop.h). */
		t0 = now;
		w = conn_wait_readable(s->conn, c->due - now <
		    SESS_RETRY_SLICE_MS ? (int)(c->due - now) :
		    SESS_RETRY_SLICE_MS, e);
		if (s->inflight == NULL)
			s->waited_ms += deadline_now_ms() - t0;
		if (w < 0) {
			sess_break(s, e);
			return -1;
		}
		if (w > 0)
			return 0;
	}
	return ended;
}

/* A command no pipeline waits for: its answer is dropped when it comes. */
static int
send_unheard(struct sess *s, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cmd_send(s, NULL, NULL, NULL, e, fmt, ap);
	va_end(ap);
	return r;
}

/* A line of its own, e.g. a SASL response; secret ones are not traced. */
int
sess_send_line(struct sess *s, const char *p, size_t n, int secret,
    struct err *e)
{
	if (sess_queue_line(s, p, n, secret, e) < 0)
		return -1;
	return sess_flush(s, e);
}

int
sess_queue_line(struct sess *s, const char *p, size_t n, int secret,
    struct err *e)
{
	if (s->broken)
		return broken_err(s, e);
	if (secret)
		trace_line(s, "C", "<redacted>", 10);
	else
		trace_line(s, "C", p, n);
	if (queue(s, p, n, e) < 0 || queue(s, "\r\n", 2, e) < 0)
		return -1;
	return 0;
}

/* Pipelines ------------------------------------------------------------ */

struct sess_pipe *
sess_pipe_begin(struct sess *s, const struct sess_scope *scope,
    unsigned limit)
{
	struct sess_pipe *p = xcalloc(1, sizeof(*p));

	p->s = s;
	if (scope != NULL)
		p->scope = *scope;
	p->limit = limit;
	p->open = 1;
	p->outer = s->top;
	s->top = p;
	p->all_next = s->pipes;
	s->pipes = p;
	return p;
}

struct sess *
sess_pipe_sess(const struct sess_pipe *p)
{
	return p->s;
}

unsigned
sess_pipe_inflight(const struct sess_pipe *p)
{
	return p->inflight;
}

void *
sess_pipe_oldest(const struct sess_pipe *p)
{
	const struct sess_cmd *c;

	for (c = p->s->inflight; c != NULL; c = c->next)
		if (c->pipe == p)
			return c->done_ctx;
	return NULL;
}

void *
sess_pipe_tagged(const struct sess_pipe *p, const char *tag, size_t len)
{
	const struct sess_cmd *c;
	char t[16];
	int n;

	for (c = p->s->inflight; c != NULL; c = c->next) {
		if (c->pipe != p)
			continue;
		n = snprintf(t, sizeof(t), "A%u", c->tag);
		if (n > 0 && (size_t)n == len && memcmp(t, tag, len) == 0)
			return c->done_ctx;
	}
	return NULL;
}

/*
 * The done callbacks of the commands that ended, in the order they ended.
 * Never while one runs: a callback that sends, and so waits for room,
 * does not find itself called again. A callback that fails breaks the
 * session; the others are still called (the abandoned ones so told), and
 * the first error is the one returned.
 */
static int
run_done(struct sess_pipe *p, struct err *e)
{
	struct sess *s = p->s;
	struct sess_cmd *c;
	struct err scratch;
	int rv = 0;

	if (p->in_done)
		return 0;
	p->in_done = 1;
	while ((c = p->ended) != NULL) {
		if ((p->ended = c->next) == NULL)
			p->ended_tail = NULL;
		if (c->done != NULL) {
			c->reply.resp = c->answered ? &c->resp : NULL;
			if (c->done(c->done_ctx, s, &c->reply, rv < 0 ?
			    &scratch : e) < 0) {
				sess_break(s, rv < 0 ? &scratch : e);
				rv = -1;
			}
		}
		cmd_free(c);
	}
	p->in_done = 0;
	return rv;
}

/* After a wait: the callbacks due, and the session's health. */
static int
pipe_settle(struct sess_pipe *p, int r, struct err *e)
{
	struct err scratch;

	if (run_done(p, r < 0 ? &scratch : e) < 0 && r == 0)
		r = -1;
	if (r == 0 && p->s->broken)
		r = broken_err(p->s, e);
	return r;
}

int
sess_pipe_vsend(struct sess_pipe *p, sess_done_fn done, void *done_ctx,
    struct err *e, const char *fmt, va_list ap)
{
	struct sess *s = p->s;
	int r = 0;

	if (s->broken)
		return pipe_settle(p, broken_err(s, e), e);
	while (r == 0 && p->limit != 0 && p->inflight >= p->limit)
		r = read_one(s, e);
	if ((r = pipe_settle(p, r, e)) < 0)
		return r;
	return cmd_send(s, p, done, done_ctx, e, fmt, ap);
}

int
sess_pipe_send(struct sess_pipe *p, sess_done_fn done, void *done_ctx,
    struct err *e, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sess_pipe_vsend(p, done, done_ctx, e, fmt, ap);
	va_end(ap);
	return r;
}

int
sess_pipe_room(struct sess_pipe *p, struct err *e)
{
	int r = pipe_settle(p, 0, e);

	while (r == 0 && p->limit != 0 && p->inflight >= p->limit)
		r = pipe_settle(p, read_one(p->s, e), e);
	return r;
}

int
sess_pipe_step(struct sess_pipe *p, struct err *e)
{
	int r = 0;

	while (r == 0 && p->inflight > 0 && p->ended == NULL)
		r = read_one(p->s, e);
	return pipe_settle(p, r, e);
}

int
sess_pipe_read(struct sess_pipe *p, struct err *e)
{
	return pipe_settle(p, read_one(p->s, e), e);
}

int
sess_pipe_drain(struct sess_pipe *p, struct err *e)
{
	int r = 0;

	while (r == 0 && (p->inflight > 0 || p->ended != NULL))
		r = sess_pipe_step(p, e);
	return r;
}

/* Take p's scope off the stack, wherever it is. */
static void
scope_pop(struct sess *s, struct sess_pipe *p)
{
	struct sess_pipe **pp;

	for (pp = &s->top; *pp != NULL; pp = &(*pp)->outer)
		if (*pp == p) {
			*pp = p->outer;
			break;
		}
	p->open = 0;
}

int
sess_pipe_end(struct sess_pipe *p, int r, struct err *e)
{
	struct sess *s = p->s;
	struct sess_pipe **pp;
	struct err scratch;

	if (!s->broken && sess_pipe_drain(p, r < 0 ? &scratch : e) < 0 &&
	    r == 0)
		r = -1;
	/* The session failed: what was in flight is told it was abandoned. */
	r = pipe_settle(p, r, e);
	scope_pop(s, p);
	for (pp = &s->pipes; *pp != NULL; pp = &(*pp)->all_next)
		if (*pp == p) {
			*pp = p->all_next;
			break;
		}
	cmds_free(p->ended);
	free(p);
	return r;
}

/* One command ------------------------------------------------------------ */

int
sess_done_keep(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct sess_reply *out = ctx;

	(void)s;
	(void)e;
	*out = *rep;
	out->resp = NULL;
	return 0;
}

int
sess_done_login(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	/* When the OK was read is noted already (dispatch). */
	return sess_done_keep(ctx, s, rep, e);
}

static int
vcall(struct sess *s, const struct sess_scope *scope, struct sess_reply *rep,
    int last, struct err *e, const char *fmt, va_list ap)
{
	struct sess_pipe *p = sess_pipe_begin(s, scope, 0);
	int r;

	memset(rep, 0, sizeof(*rep));
	rep->status = IMAP_ST_NONE;
	r = cmd_send(s, p, sess_done_keep, rep, e, fmt, ap);
	if (r == 0 && last && sess_send_logout(s, e) < 0)
		r = -1;
	return sess_pipe_end(p, r, e);
}

int
sess_call(struct sess *s, const struct sess_scope *scope,
    struct sess_reply *rep, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vcall(s, scope, rep, 0, e, fmt, ap);
	va_end(ap);
	return r;
}

int
sess_call_last(struct sess *s, const struct sess_scope *scope,
    struct sess_reply *rep, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vcall(s, scope, rep, 1, e, fmt, ap);
	va_end(ap);
	return r;
}

/* The error for a command that did not end in OK. */
#define OUTLOOK_NOT_CONNECTED	"User is authenticated but not connected"

int
sess_reply_check(const struct sess_reply *rep, struct err *e)
{
	static const char *const auth_codes[] = {
		"AUTHENTICATIONFAILED", "AUTHORIZATIONFAILED", "EXPIRED",
		"PRIVACYREQUIRED"
	};
	enum err_kind kind = ERR_UNAVAILABLE;
	size_t i;
	long wait;

	if (rep->status == IMAP_ST_OK)
		return 0;
	if (rep->status == IMAP_ST_NONE)
		return err_set(e, ERR_IO, "no answer: the connection failed");
	if (rep->status == IMAP_ST_BAD)
		kind = ERR_PROTOCOL;
	for (i = 0; i < sizeof(auth_codes) / sizeof(auth_codes[0]); i++)
		if (strcasecmp(rep->code, auth_codes[i]) == 0)
			kind = ERR_AUTH;
	/*
	 * Microsoft 365 and Outlook.com answer BAD, where NO would do, when
	 * the account that logged in may not reach the mailbox (a shared
	 * mailbox without the right, IMAP turned off for it, a token for
	 * another user): a question of rights, not of protocol.
	 */
	if (rep->status == IMAP_ST_BAD && strncasecmp(rep->text,
	    OUTLOOK_NOT_CONNECTED, strlen(OUTLOOK_NOT_CONNECTED)) == 0) {
		err_set(e, ERR_AUTH, "%s (Microsoft's answer when the account "
		    "that logged in may not reach this mailbox: check its "
		    "rights to it, that IMAP is on for it, and whose the "
		    "token is)", rep->text);
		err_set_code(e, rep->code, strlen(rep->code));
		return -1;
	}
	if (rep->status == IMAP_ST_NO && kind == ERR_UNAVAILABLE &&
	    (wait = throttle_wait_ms(rep->code, rep->text)) >= 0) {
		/* Not now, rather than no: a temporary failure. */
		if (rep->retried > 0)
			err_set(e, ERR_TIMEOUT, "%s (the server still refused "
			    "after %u retr%s: try again later)", rep->text,
			    rep->retried, rep->retried == 1 ? "y" : "ies");
		else if (wait > 0)
			err_set(e, ERR_TIMEOUT, "%s (the server is busy and "
			    "asks to wait %.3g s: try again later)", rep->text,
			    wait / 1000.0);
		else
			err_set(e, ERR_TIMEOUT, "%s (the server refuses for "
			    "now: try again later)", rep->text);
		err_set_code(e, rep->code, strlen(rep->code));
		return -1;
	}
	err_set(e, kind, "%s", rep->text[0] ? rep->text :
	    rep->status == IMAP_ST_BAD ? "command rejected (BAD)" :
	    "command failed (NO)");
	err_set_code(e, rep->code, strlen(rep->code));
	return -1;
}

int
sess_run(struct sess *s, struct err *e, const char *fmt, ...)
{
	struct sess_reply rep;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vcall(s, NULL, &rep, 0, e, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	return sess_reply_check(&rep, e);
}

/* Connecting ------------------------------------------------------------ */

static int
read_greeting(struct sess *s, const struct imap_resp **r_r, struct err *e)
{
	if (read_resp(s, r_r, e) < 0) {
		if (e->kind == ERR_TIMEOUT)
			err_prefix(e, "no greeting from server");
		return -1;
	}
	return 0;
}

static int
starttls(struct sess *s, struct err *e)
{
	struct sess_reply rep;

	if (learn_caps(s, e) < 0)
		return -1;
	if (!sess_has_cap(s, "STARTTLS"))
		return err_set(e, ERR_AUTH, "server does not offer STARTTLS; "
		    "refusing to continue without TLS");
	if (sess_call(s, NULL, &rep, e, "STARTTLS") < 0)
		return -1;
	if (rep.status != IMAP_ST_OK)
		return err_set(e, ERR_AUTH, "server refused STARTTLS: %s; "
		    "refusing to continue without TLS", rep.text);
	/*
	 * Whatever arrived after the OK was sent before TLS protected it:
	 * drop it, and forget what we were told in cleartext.
	 */
	s->in_start = s->in_end = 0;
	imap_parser_reset(s->parser);
	s->caps_known = 0;
	buf_reset(&s->caps);
	if (s->o.trace != NULL)
		fprintf(s->o.trace, "tls: starting handshake\n");
	mark(s, SESS_MARK_TLS_START);
	if (conn_starttls(s->conn, s->o.host, &s->o.tlso, e) < 0)
		return -1;
	mark(s, SESS_MARK_TLS_DONE);
	return 0;
}

int
sess_connect(struct sess *s, struct err *e)
{
	const struct imap_resp *r;

	mark(s, SESS_MARK_START);
	if (s->o.proxy != NULL && s->o.trace != NULL)
		fprintf(s->o.trace, "proxy: %s%s:%s\n", proxy_scheme(s->o.proxy),
		    s->o.proxy->host, s->o.proxy->port);
	if (s->o.tunnel != NULL) {
		if (s->o.trace != NULL)
			fprintf(s->o.trace, "tunnel: %s\n", s->o.tunnel[
			    s->o.tunnel[1] != NULL && s->o.tunnel[2] != NULL &&
			    strcmp(s->o.tunnel[1], "-c") == 0 ? 2 : 0]);
		s->conn = conn_tunnel(s->o.tunnel, s->o.timeout_ms, e);
	} else
		s->conn = conn_open(s->o.host, s->o.port, s->o.timeout_ms,
		    s->o.proxy, e);
	if (s->conn == NULL)
		return -1;
	mark(s, SESS_MARK_TCP);
	if (s->idle != NULL)
		conn_set_idle(s->conn, s->idle, s->idle_arg);
	conn_set_hangup_fd(s->conn, s->hangup_fd);
	if (s->o.tls == TLS_IMPLICIT) {
		mark(s, SESS_MARK_TLS_START);
		if (conn_starttls(s->conn, s->o.host, &s->o.tlso, e) < 0)
			return -1;
		mark(s, SESS_MARK_TLS_DONE);
	}
	if (read_greeting(s, &r, e) < 0)
		return -1;
	mark(s, SESS_MARK_GREETING);
	if (r->kind != IMAP_UNTAGGED || (r->status != IMAP_ST_OK &&
	    r->status != IMAP_ST_PREAUTH && r->status != IMAP_ST_BYE))
		return err_set(e, ERR_PROTOCOL, "unexpected greeting from "
		    "server");
	s->greeting = xstrdup(r->text);
	track_untagged(s, r);
	if (r->status == IMAP_ST_BYE)
		return err_set(e, ERR_UNAVAILABLE, "server refused the "
		    "connection: %s", r->text);
	if (r->status == IMAP_ST_PREAUTH) {
		if (s->o.tls == TLS_STARTTLS)
			return err_set(e, ERR_AUTH, "server sent PREAUTH "
			    "before STARTTLS; refusing to continue without "
			    "TLS");
		sess_set_state(s, SESS_AUTHENTICATED);
	} else {
		sess_set_state(s, SESS_NOT_AUTHENTICATED);
		if (s->o.tls == TLS_STARTTLS && starttls(s, e) < 0)
			return -1;
	}
	if (learn_caps(s, e) < 0)
		return -1;
	mark(s, SESS_MARK_READY);
	return 0;
}

int
sess_compress(struct sess *s, struct err *e)
{
	struct sess_reply rep;

	if (s->conn == NULL || !sess_has_cap(s, "COMPRESS=DEFLATE"))
		return 0;
	if (sess_call(s, NULL, &rep, e, "COMPRESS DEFLATE") < 0)
		return -1;
	/* A refusal (compression on already, say) costs nothing. */
	if (rep.status != IMAP_ST_OK) {
		if (s->o.trace != NULL)
			fprintf(s->o.trace, "compress: refused, going on "
			    "without\n");
		return 0;
	}
	/*
	 * The server compresses from the byte after its OK's line: what was
	 * read past it is the start of its stream.
	 */
	if (conn_compress(s->conn, s->in + s->in_start, s->in_end -
	    s->in_start, e) < 0) {
		sess_break(s, e);
		return -1;
	}
	s->in_start = s->in_end = 0;
	if (s->o.trace != NULL)
		fprintf(s->o.trace, "compress: DEFLATE started\n");
	return 0;
}

void
sess_setup_done(struct sess *s)
{
	if (s->conn != NULL)
		conn_setup_done(s->conn);
}

/* Whether the LOGOUT sess_send_logout sent is still unanswered. */
static int
logout_pending(const struct sess *s)
{
	const struct sess_cmd *c;

	for (c = s->inflight; c != NULL; c = c->next)
		if (c->tag == s->logout_tag)
			return 1;
	return 0;
}

/*
 * Say goodbye politely but briefly; errors no longer matter here. Not
 * after a failure, when the stream cannot be trusted. Whatever pipeline
 * is still open loses its callbacks first, and what is still in flight
 * ends unheard: nothing the server sends now reaches a command's code.
 */
int
sess_logout(struct sess *s)
{
	struct sess_reply rep;
	struct sess_pipe *p;
	struct sess_cmd *c;
	struct err e;
	char line[32];
	int n;

	if (s->conn == NULL || s->state == SESS_LOGOUT ||
	    s->state == SESS_DISCONNECTED)
		return 0;
	/*
	 * Nobody reads what we would print, or a signal stopped us (stop.h):
	 * say goodbye without waiting for the rest of what the server is
	 * sending. Not amid a command of ours (a literal the server still
	 * waits for): only when it stopped while reading, or the session is
	 * sound, is the line a command.
	 */
	if (s->gone || (stop_signal() && !s->broken)) {
		if (!s->half_sent) {
			conn_set_hangup_fd(s->conn, -1);
			conn_set_timeout(s->conn, s->o.timeout_ms < 1000 ?
			    s->o.timeout_ms : 1000);
			n = snprintf(line, sizeof(line), "A%u LOGOUT\r\n",
			    s->next_tag);
			if (sess_flush(s, &e) == 0 && !s->logout_sent) {
				s->next_tag++;
				trace_line(s, "C", line, (size_t)n - 2);
				(void)conn_write(s->conn, line, (size_t)n, &e);
			}
		}
		sess_set_state(s, SESS_LOGOUT);
		return 0;
	}
	if (s->broken)
		return 0;
	for (p = s->pipes; p != NULL; p = p->all_next) {
		scope_pop(s, p);
		cmds_free(p->ended);
		p->ended = p->ended_tail = NULL;
		p->inflight = 0;
	}
	for (c = s->inflight; c != NULL; c = c->next)
		c->pipe = NULL;
	/* What waited to be sent again is not. */
	cmds_free(s->retry);
	s->retry = NULL;
	conn_set_timeout(s->conn, s->o.timeout_ms < 5000 ?
	    s->o.timeout_ms : 5000);
	if (s->logout_sent) {
		/* Already on its way (sess_send_logout): only its answer. */
		while (!s->broken && logout_pending(s))
			if (read_one(s, &e) < 0)
				break;
	} else
		sess_call(s, NULL, &rep, &e, "LOGOUT");
	sess_set_state(s, SESS_LOGOUT);
	return 0;
}

int
sess_send_logout(struct sess *s, struct err *e)
{
	if (s->logout_sent || s->conn == NULL || s->broken ||
	    s->state == SESS_LOGOUT || s->state == SESS_DISCONNECTED)
		return 0;
	/*
	 * A command may have to be sent again after it (retries): goodbye
	 * waits for the end, and sess_logout says it.
	 */
	if (s->o.retries > 0)
		return 0;
	/* Nobody's: its answer reaches no pipeline, sess_logout waits. */
	if (send_unheard(s, e, "LOGOUT") < 0)
		return -1;
	s->logout_tag = s->next_tag - 1;
	s->logout_sent = 1;
	return 0;
}

int
sess_select(struct sess *s, const char *mailbox, int readonly, struct err *e)
{
	struct sess_reply rep;
	int condstore = sess_has_cap(s, "CONDSTORE"), r;

	free(s->sel.name);
	memset(&s->sel, 0, sizeof(s->sel));
	if (sess_call(s, NULL, &rep, e, "%s %M%s", readonly ? "EXAMINE" :
	    "SELECT", mailbox, condstore ? " (CONDSTORE)" : "") < 0)
		return -1;
	r = sess_reply_check(&rep, e);
	/*
	 * Without the mailbox's size, what is decided from it (that it is
	 * empty, how many messages a search may name, where moved messages
	 * are looked for, which expunges watch reports) is decided on
	 * nothing: an EXISTS that is no count fails the SELECT.
	 */
	if (r == 0 && s->sel.exists_bad)
		r = err_set(e, ERR_PROTOCOL, "malformed EXISTS response");
	if (r < 0) {
		if (s->state == SESS_SELECTED)
			sess_set_state(s, SESS_AUTHENTICATED);
		err_prefix(e, "cannot open mailbox '%s'", mailbox);
		return -1;
	}
	s->sel.name = xstrdup(mailbox);
	if (readonly || strcasecmp(rep.code, "READ-ONLY") == 0)
		s->sel.readonly = 1;
	sess_set_state(s, SESS_SELECTED);
	return 0;
}

/*
 * Modified UTF-7 as RFC 3501 asks; a name that is not valid modified UTF-7
 * is shown as it came, with invalid UTF-8 replaced.
 */
void
sess_mailbox_decode(struct sess *s, const char *p, size_t n, struct buf *out)
{
	size_t mark = out->len;

	(void)s;
	if (mutf7_decode(out, p, n) == 0)
		return;
	buf_truncate(out, mark);
	utf8_sanitize(out, p, n);
}
