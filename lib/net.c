/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <zlib.h>

#include "b64.h"
#include "buf.h"
#include "deadline.h"
#include "net.h"
#include "stop.h"
#include "xalloc.h"
#include "banned.h"

/* Which limit a wait ran into. */
enum limit {
	LIM_WAIT,		/* the timeout of one wait */
	LIM_SETUP,		/* connect, TLS and login together */
	LIM_DEADLINE,		/* the run's deadline */
	LIM_STOP		/* the grace after a signal (stop.h) */
};

/*
 * COMPRESS=DEFLATE (RFC 4978): raw deflate both ways beneath the TLS
 * layer's reads and writes. Every buffer has a fixed size; what inflating
 * produces is handed out at most as much as the caller asked for, so a
 * small stream that inflates to gigabytes only ever fills the reader's
 * own bounded line and literal buffers, which refuse it.
 */
#define Z_RAWBUF	65536	/* compressed bytes read at once */
#define Z_STAGEBUF	16384	/* inflated while only looking for input */
#define Z_OUTBUF	16384	/* compressed bytes written at once */

struct zlayer {
	z_stream	 in;		/* inflate: the server's stream */
	z_stream	 out;		/* deflate: ours */
	int		 in_init, out_init;
	int		 more;		/* inflate filled its output: may have more */
	int		 ended;		/* the server ended its stream */
	size_t		 stage_start, stage_end;
	struct conn_zstats st;
	unsigned char	 raw[Z_RAWBUF];
	unsigned char	 stage[Z_STAGEBUF];
	unsigned char	 obuf[Z_OUTBUF];
};

struct conn {
	int		 fd;
	struct zlayer	*z;		/* COMPRESS=DEFLATE, or NULL */
	pid_t		 tunnel;	/* the tunnel command, or 0 */
	int		 timeout_ms;
	long long	 setup_end;	/* monotonic ms; 0 once logged in */
	enum limit	 expired;	/* what the last wait ran into */
	SSL_CTX		*ctx;
	SSL		*ssl;
	conn_idle_fn	 idle;
	void		*idle_arg;
	int		 hangup_fd;	/* watched for its reader leaving, or -1 */
	unsigned	 stops;		/* signals seen by the waits */
	long long	 stop_end;	/* monotonic ms; 0 before a signal */
};

/* What wait_fd returns when the watched output's reader went away. */
#define WAIT_HANGUP	(-3)
/* ... and when a second signal says to stop at once (stop.h). */
#define WAIT_STOP	(-4)

static long long
now_ms(void)
{
	return deadline_now_ms();
}

/*
 * How long a wait of ms may last: the set-up budget and the run's deadline
 * cut it short; *lim_r says which limit is the nearest.
 */
static int
wait_budget(struct conn *c, int ms, enum limit *lim_r)
{
	long long left;
	int cut;

	*lim_r = LIM_WAIT;
	if (c->setup_end != 0) {
		left = c->setup_end - now_ms();
		if (left < 0)
			left = 0;
		if (left <= ms) {
			ms = (int)left;
			*lim_r = LIM_SETUP;
		}
	}
	ms = deadline_cap(ms, &cut);
	if (cut)
		*lim_r = LIM_DEADLINE;
	if (c->stop_end != 0) {
		left = c->stop_end - now_ms();
		if (left < 0)
			left = 0;
		if (left < ms) {
			ms = (int)left;
			*lim_r = LIM_STOP;
		}
	}
	return ms;
}

/*
 * The signals caught since the last look (stop.h): the first gives what
 * is in flight a grace (at most the timeout) to be answered; another one
 * means stop now: 1.
 */
static int
stop_now(struct conn *c)
{
	unsigned n = stop_count();
	int grace;

	if (n == c->stops)
		return 0;
	if (c->stops == 0) {
		grace = c->timeout_ms < STOP_GRACE_MS ? c->timeout_ms :
		    STOP_GRACE_MS;
		c->stop_end = now_ms() + grace;
	}
	c->stops = n;
	return n > 1;
}

static int
stop_wait_err(struct err *e)
{
	struct err se;

	stop_err(&se);
	return err_set(e, ERR_INTERRUPTED, "%s, and again: stopped at once",
	    se.msg);
}

/*
 * Whether a limit other than a single wait's has passed already: a peer
 * that trickles bytes never lets a wait time out.
 */
static int
limit_passed(struct conn *c)
{
	if (deadline_passed()) {
		c->expired = LIM_DEADLINE;
		return 1;
	}
	if (c->setup_end != 0 && now_ms() >= c->setup_end) {
		c->expired = LIM_SETUP;
		return 1;
	}
	if (c->stop_end != 0 && now_ms() >= c->stop_end) {
		c->expired = LIM_STOP;
		return 1;
	}
	return 0;
}

/*
 * Wait for the socket to become readable or writable. Returns 1 when ready,
 * 0 on timeout (c->expired says which limit), -1 on error, WAIT_HANGUP
 * when the watched output's reader went away, WAIT_STOP when a second
 * signal came. The pipe of the signals wakes the wait (stop.h).
 */
static int
wait_fd(struct conn *c, short events, int timeout_ms)
{
	struct pollfd p[3];
	long long deadline;
	int r, left;

	if (c->idle != NULL)
		c->idle(c->idle_arg);
	if (stop_now(c))
		return WAIT_STOP;
	deadline = now_ms() + wait_budget(c, timeout_ms, &c->expired);
	for (;;) {
		left = (int)(deadline - now_ms());
		if (left < 0)
			left = 0;
		p[0].fd = c->fd;
		p[0].events = events;
		p[0].revents = 0;
		/* No events asked: only its error and hang-up show. */
		p[1].fd = c->hangup_fd;
		p[1].events = 0;
		p[1].revents = 0;
		/* A negative fd is left out by poll. */
		p[2].fd = stop_fd();
		p[2].events = POLLIN;
		p[2].revents = 0;
		r = poll(p, 3, left);
		if (r > 0 && p[1].revents != 0)
			return WAIT_HANGUP;
		if (r > 0 && p[2].revents != 0) {
			stop_drain();
			if (stop_now(c))
				return WAIT_STOP;
			/* The first: the grace may be the nearer limit. */
			if (c->stop_end < deadline) {
				deadline = c->stop_end;
				c->expired = LIM_STOP;
			}
			if (p[0].revents == 0)
				continue;
		}
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* Whether the watched output's reader went away, without waiting. */
static int
hung_up(const struct conn *c)
{
	struct pollfd p;

	if (c->hangup_fd < 0)
		return 0;
	p.fd = c->hangup_fd;
	p.events = 0;
	p.revents = 0;
	return poll(&p, 1, 0) > 0 && p.revents != 0;
}

static int
hangup_err(struct err *e)
{
	return err_set(e, ERR_OUTPUT_GONE, "the reader of the output went "
	    "away");
}

/* The error for a wait that ran into c->expired. */
static int
timeout_err(struct conn *c, struct err *e, const char *what)
{
	struct err se;

	if (c->expired == LIM_DEADLINE)
		return deadline_err(e, what);
	if (c->expired == LIM_STOP) {
		stop_err(&se);
		return err_set(e, ERR_TIMEOUT, "%s: no answer in time to what "
		    "was in flight (%s)", se.msg, what);
	}
	if (c->expired == LIM_SETUP)
		return err_set(e, ERR_TIMEOUT, "timed out after %d s "
		    "connecting and logging in (%s)",
		    (c->timeout_ms + 999) / 1000, what);
	return err_set(e, ERR_TIMEOUT, "timed out after %d s %s",
	    (c->timeout_ms + 999) / 1000, what);
}

/* A lookup in flight: the resolver's thread writes into it. */
struct lookup {
	struct gaicb	 req;		/* first: its address is the lookup's */
	struct addrinfo	 hints;
};

/*
 * Resolve with a bounded wait: getaddrinfo_a lets us give up on a resolver
 * that does not answer. The request lives on the heap: one that cannot be
 * cancelled is still written to by the resolver's thread after we have
 * given up, so it is left to it, never freed or reused.
 */
static int
resolve(const char *role, const char *host, const char *port, int timeout_ms,
    int cut, struct addrinfo **res, struct err *e)
{
	struct lookup *lk = xcalloc(1, sizeof(*lk));
	struct gaicb *list[1];
	struct timespec ts;
	long long left, deadline = now_ms() + timeout_ms;
	int r;

	lk->hints.ai_family = AF_UNSPEC;
	lk->hints.ai_socktype = SOCK_STREAM;
	lk->hints.ai_flags = AI_ADDRCONFIG;
	lk->req.ar_name = host;
	lk->req.ar_service = port;
	lk->req.ar_request = &lk->hints;
	list[0] = &lk->req;
	if ((r = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0) {
		free(lk);
		return err_set(e, ERR_NOHOST, "cannot resolve %s'%s': %s", role,
		    host, gai_strerror(r));
	}
	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000;
		r = gai_suspend((const struct gaicb *const *)list, 1, &ts);
		if (r == EAI_INTR && left > 0)
			continue;
		break;
	}
	if (gai_error(&lk->req) == EAI_INPROGRESS) {
		if (gai_cancel(&lk->req) != EAI_NOTCANCELED) {
			if (lk->req.ar_result != NULL)
				freeaddrinfo(lk->req.ar_result);
			free(lk);
		}
		if (cut) {
			char what[300];

			snprintf(what, sizeof(what), "resolving %s'%s'", role,
			    host);
			return deadline_err(e, what);
		}
		return err_set(e, ERR_TIMEOUT,
		    "timed out after %d s resolving %s'%s'",
		    (timeout_ms + 999) / 1000, role, host);
	}
	r = gai_error(&lk->req);
	if (r == 0)
		*res = lk->req.ar_result;
	else if (lk->req.ar_result != NULL)
		freeaddrinfo(lk->req.ar_result);
	free(lk);
	if (r == EAI_SERVICE)
		return err_set(e, ERR_USAGE, "bad port '%s'", port);
	if (r != 0)
		return err_set(e, ERR_NOHOST, "cannot resolve %s'%s': %s", role,
		    host, gai_strerror(r));
	return 0;
}

static int
connect_one(struct addrinfo *ai, int timeout_ms, int *fd_r, int *errno_r)
{
	struct pollfd p;
	socklen_t len;
	long long deadline, left;
	int fd, r, soerr, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0) {
		*errno_r = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			*errno_r = errno;
			close(fd);
			return -1;
		}
		p.fd = fd;
		p.events = POLLOUT;
		deadline = now_ms() + timeout_ms;
		do {
			left = deadline - now_ms();
			r = poll(&p, 1, left > 0 ? (int)left : 0);
		} while (r < 0 && errno == EINTR);
		if (r == 0) {
			*errno_r = ETIMEDOUT;
			close(fd);
			return -1;
		}
		len = sizeof(soerr);
		if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &len) < 0)
			soerr = errno;
		if (soerr != 0) {
			*errno_r = soerr;
			close(fd);
			return -1;
		}
	}
	/* Commands are small and pipelined; do not let Nagle hold them. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*fd_r = fd;
	return 0;
}

/*
 * A TCP connection to host (the server, or the proxy: role says which in
 * messages) within budget ms from start; cut: the run's deadline is what
 * sets the budget. Returns the socket or -1.
 */
static int
tcp_open(const char *role, const char *host, const char *port, int timeout_ms,
    long long start, int budget, int cut, struct err *e)
{
	struct addrinfo *res = NULL, *ai;
	long long deadline = start + budget;
	int fd = -1, lasterr = 0, left;
	char what[600];

	if (resolve(role, host, port, budget, cut, &res, e) < 0)
		return -1;
	/* One deadline for all the addresses, not one each. */
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((left = (int)(deadline - now_ms())) <= 0) {
			lasterr = ETIMEDOUT;
			break;
		}
		if (connect_one(ai, left, &fd, &lasterr) == 0)
			break;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
	if (lasterr == ETIMEDOUT && cut) {
		snprintf(what, sizeof(what), "connecting to %s%s port %s", role,
		    host, port);
		deadline_err(e, what);
	} else if (lasterr == ETIMEDOUT)
		err_set(e, ERR_TIMEOUT, "timed out after %d s connecting to "
		    "%s%s port %s", (timeout_ms + 999) / 1000, role, host, port);
	else
		err_set(e, ERR_UNAVAILABLE, "cannot connect to %s%s port %s: %s",
		    role, host, port, strerror(lasterr));
	return -1;
}

/* Proxies ---------------------------------------------------------------- */

/* Send all of p to the proxy. */
static int
px_write(struct conn *c, const void *p, size_t n, struct err *e)
{
	const char *s = p;
	ssize_t w;
	int r;

	while (n > 0) {
		if (limit_passed(c))
			return timeout_err(c, e, "talking to the proxy");
		w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w > 0) {
			s += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return err_set(e, ERR_IO, "connection error: %s",
			    strerror(errno));
		if ((r = wait_fd(c, POLLOUT, c->timeout_ms)) == 0)
			return timeout_err(c, e, "talking to the proxy");
		if (r == WAIT_STOP)
			return stop_wait_err(e);
		if (r < 0)
			return err_set(e, ERR_IO, "poll: %s", strerror(errno));
	}
	return 0;
}

/*
 * Read exactly n bytes from the proxy. Returns n or -1.
 */
static ssize_t
px_read(struct conn *c, void *p, size_t n, struct err *e)
{
	size_t got = 0;
	ssize_t r;
	int w;

	while (got < n) {
		if (limit_passed(c))
			return timeout_err(c, e, "waiting for the proxy");
		r = recv(c->fd, (char *)p + got, n - got, 0);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0)
			return err_set(e, ERR_IO, "closed the connection");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return err_set(e, ERR_IO, "connection error: %s",
			    strerror(errno));
		if ((w = wait_fd(c, POLLIN, c->timeout_ms)) == 0)
			return timeout_err(c, e, "waiting for the proxy");
		if (w == WAIT_STOP)
			return stop_wait_err(e);
		if (w < 0)
			return err_set(e, ERR_IO, "poll: %s", strerror(errno));
	}
	return (ssize_t)got;
}

static const char *const socks_replies[] = {
	"succeeded", "general failure", "not allowed by its rules",
	"network unreachable", "host unreachable", "connection refused",
	"TTL expired", "command not supported", "address type not supported"
};

/* The SOCKS5 greeting, and RFC 1929's user name and password. */
static int
socks5_auth(struct conn *c, const struct proxy *px, struct err *e)
{
	unsigned char b[2 + 2 * 256 + 1];
	size_t ul, pl;
	int cred = px->user != NULL && px->password != NULL &&
	    px->user[0] != '\0' && px->password[0] != '\0';

	b[0] = 5;
	b[1] = cred ? 2 : 1;
	b[2] = 0;		/* no authentication */
	b[3] = 2;		/* user name and password */
	if (px_write(c, b, cred ? 4 : 3, e) < 0 || px_read(c, b, 2, e) < 0)
		return -1;
	if (b[0] != 5)
		return err_set(e, ERR_PROTOCOL, "not a SOCKS5 proxy");
	if (b[1] == 0)
		return 0;
	if (b[1] == 0xff || (b[1] == 2 && !cred))
		return cred ? err_set(e, ERR_AUTH, "accepts none of the ways to "
		    "log in offered") : err_set(e, ERR_AUTH, "wants "
		    "a user name and password: give them in "
		    "~/.netrc (machine %s) or the account's proxy_user and "
		    "proxy_password_cmd", px->host);
	if (b[1] != 2)
		return err_set(e, ERR_PROTOCOL, "chose a way to log in that "
		    "was not offered");
	ul = strlen(px->user);
	pl = strlen(px->password);
	if (ul > PROXY_MAX_CRED || pl > PROXY_MAX_CRED)
		return err_set(e, ERR_CONFIG, "its user name or password "
		    "is longer than %d bytes", PROXY_MAX_CRED);
	b[0] = 1;
	b[1] = (unsigned char)ul;
	memcpy(b + 2, px->user, ul);
	b[2 + ul] = (unsigned char)pl;
	memcpy(b + 3 + ul, px->password, pl);
	if (px_write(c, b, 3 + ul + pl, e) < 0) {
		OPENSSL_cleanse(b, sizeof(b));
		return -1;
	}
	OPENSSL_cleanse(b, sizeof(b));
	if (px_read(c, b, 2, e) < 0)
		return -1;
	if (b[1] != 0)
		return err_set(e, ERR_AUTH, "refused the user name and "
		    "password");
	return 0;
}

/*
 * SOCKS5 CONNECT to host:port: by name (socks5h), or by the address ai
 * that we resolved (socks5).
 */
static int
socks5(struct conn *c, const struct proxy *px, const char *host,
    const char *port, const struct addrinfo *ai, struct err *e)
{
	unsigned char b[4 + 1 + 255 + 2];
	unsigned char a6[16];
	size_t n = 0, hl = strlen(host);
	long pn = strtol(port, NULL, 10);
	int rep;

	if (socks5_auth(c, px, e) < 0)
		return -1;
	b[n++] = 5;
	b[n++] = 1;		/* CONNECT */
	b[n++] = 0;
	if (inet_pton(AF_INET, host, b + n + 1) == 1) {
		b[n] = 1;
		n += 5;
	} else if (inet_pton(AF_INET6, host, a6) == 1) {
		b[n++] = 4;
		memcpy(b + n, a6, 16);
		n += 16;
	} else if (px->type == PROXY_SOCKS5H) {
		if (hl > 255)
			return err_set(e, ERR_USAGE, "a host name longer than "
			    "255 bytes cannot go through a SOCKS proxy");
		b[n++] = 3;
		b[n++] = (unsigned char)hl;
		memcpy(b + n, host, hl);
		n += hl;
	} else if (ai != NULL && ai->ai_family == AF_INET6) {
		/* socks5://: the address our resolver gave. */
		b[n++] = 4;
		memcpy(b + n, &((const struct sockaddr_in6 *)(const void *)
		    ai->ai_addr)->sin6_addr, 16);
		n += 16;
	} else if (ai != NULL) {
		b[n++] = 1;
		memcpy(b + n, &((const struct sockaddr_in *)(const void *)
		    ai->ai_addr)->sin_addr, 4);
		n += 4;
	} else
		return err_set(e, ERR_INTERNAL, "no address to connect to");
	b[n++] = (unsigned char)(pn >> 8);
	b[n++] = (unsigned char)(pn & 0xff);
	if (px_write(c, b, n, e) < 0 || px_read(c, b, 4, e) < 0)
		return -1;
	if (b[0] != 5)
		return err_set(e, ERR_PROTOCOL, "not a SOCKS5 proxy");
	rep = b[1];
	if (rep != 0) {
		const char *why = rep < 9 ? socks_replies[rep] :
		    "unknown reply";

		return err_set(e, rep == 6 ? ERR_TIMEOUT : ERR_UNAVAILABLE,
		    "cannot reach %s port %s: %s (SOCKS reply %d)", host, port, why, rep);
	}
	/* The bound address: as long as its type says. */
	switch (b[3]) {
	case 1:
		n = 4 + 2;
		break;
	case 4:
		n = 16 + 2;
		break;
	case 3:
		if (px_read(c, b, 1, e) < 0)
			return -1;
		n = (size_t)b[0] + 2;
		break;
	default:
		return err_set(e, ERR_PROTOCOL, "answered with an unknown "
		    "address type");
	}
	return px_read(c, b, n, e) < 0 ? -1 : 0;
}

#define HTTP_MAX_HEAD	16384

/* HTTP CONNECT host:port, with basic authentication when we have it. */
static int
http_connect(struct conn *c, const struct proxy *px, const char *host,
    const char *port, struct err *e)
{
	struct buf req, cred, enc;
	char *head, *end, reason[128];
	size_t i;
	int status, r = -1, v6 = strchr(host, ':') != NULL;

	buf_init(&req, HTTP_MAX_HEAD);
	buf_init(&cred, 2 * PROXY_MAX_CRED + 2);
	buf_init(&enc, HTTP_MAX_HEAD);
	/* Too long a request fails below: the last append cannot fit. */
	buf_putf(&req, "CONNECT %s%s%s:%s HTTP/1.1\r\nHost: %s%s%s:%s\r\n",
	    v6 ? "[" : "", host, v6 ? "]" : "", port, v6 ? "[" : "", host,
	    v6 ? "]" : "", port);
	if (px->user != NULL && px->password != NULL) {
		if (buf_addf(&cred, "%s:%s", px->user, px->password) < 0 ||
		    b64_encode(&enc, cred.s, cred.len) < 0) {
			err_set(e, ERR_CONFIG, "its user name or password "
			    "is too long");
			goto done;
		}
		buf_putf(&req, "Proxy-Authorization: Basic %s\r\n", enc.s);
	}
	if (buf_adds(&req, "User-Agent: imapctl\r\n\r\n") < 0 || req.cut) {
		err_set(e, ERR_USAGE, "the host name is too long");
		goto done;
	}
	if (px_write(c, req.s, req.len, e) < 0)
		goto done;
	/*
	 * The answer's head, a byte at a time: not a byte of what follows
	 * it (the server's greeting, or its TLS handshake) may be taken.
	 */
	head = xmalloc(HTTP_MAX_HEAD + 1);
	for (i = 0;; i++) {
		if (i == HTTP_MAX_HEAD) {
			free(head);
			err_set(e, ERR_PROTOCOL, "its answer to CONNECT is not "
			    "HTTP");
			goto done;
		}
		if (px_read(c, head + i, 1, e) < 0) {
			free(head);
			goto done;
		}
		if (i >= 3 && memcmp(head + i - 3, "\r\n\r\n", 4) == 0)
			break;
	}
	end = head + i - 3;
	*end = '\0';
	if (sscanf(head, "HTTP/1.%*[01] %3d", &status) != 1) {
		free(head);
		err_set(e, ERR_PROTOCOL, "its answer to CONNECT is not HTTP");
		goto done;
	}
	/* The reason phrase, printable ASCII only. */
	end = strchr(head, '\r');
	if (end != NULL)
		*end = '\0';
	snprintf(reason, sizeof(reason), "%s", head + strlen("HTTP/1.1 "));
	for (i = 0; reason[i] != '\0'; i++)
		if ((unsigned char)reason[i] < 0x20 ||
		    (unsigned char)reason[i] >= 0x7f)
			reason[i] = '?';
	free(head);
	if (status >= 200 && status < 300)
		r = 0;
	/* Tinyproxy answers a wrong password with 401. */
	else if ((status == 407 || status == 401) && px->password != NULL)
		err_set(e, ERR_AUTH, "refused the user name and password "
		    "(%s)", reason);
	else if (status == 407)
		err_set(e, ERR_AUTH, "wants a user name and password (%s): "
		    "give them in ~/.netrc (machine %s) or the account's "
		    "proxy_user and proxy_password_cmd", reason, px->host);
	else
		err_set(e, status == 504 ? ERR_TIMEOUT : ERR_UNAVAILABLE,
		    "cannot reach %s port %s: %s", host, port, reason);
done:
	buf_wipe(&req);
	buf_wipe(&cred);
	buf_wipe(&enc);
	return r;
}

struct conn *
conn_open(const char *host, const char *port, int timeout_ms,
    const struct proxy *px, struct err *e)
{
	struct conn *c;
	struct addrinfo *res = NULL;
	unsigned char tmp[sizeof(struct in6_addr)];
	long long start = now_ms();
	int fd, cut, budget, r;

	/* The run's deadline may leave less than the timeout. */
	budget = deadline_cap(timeout_ms, &cut);
	/* socks5:// leaves the server's name to us, as curl does. */
	if (px != NULL && px->type == PROXY_SOCKS5 &&
	    inet_pton(AF_INET, host, tmp) != 1 &&
	    inet_pton(AF_INET6, host, tmp) != 1 &&
	    resolve("", host, port, budget, cut, &res, e) < 0)
		return NULL;
	if (px == NULL)
		fd = tcp_open("", host, port, timeout_ms, start, budget, cut,
		    e);
	else
		fd = tcp_open("proxy ", px->host, px->port, timeout_ms, start,
		    budget, cut, e);
	if (fd < 0) {
		if (res != NULL)
			freeaddrinfo(res);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->timeout_ms = timeout_ms;
	c->hangup_fd = -1;
	/* Connecting, TLS and login: one timeout for all of them. */
	c->setup_end = start + timeout_ms;
	if (px == NULL)
		return c;
	r = px->type == PROXY_HTTP ? http_connect(c, px, host, port, e) :
	    socks5(c, px, host, port, res, e);
	if (res != NULL)
		freeaddrinfo(res);
	if (r < 0) {
		/* Say that the proxy failed, or reached no server. */
		err_prefix(e, "proxy %s port %s", px->host, px->port);
		conn_close(c);
		return NULL;
	}
	return c;
}

/* The tunnel's side: the socket on stdin and stdout, then exec. */
static void
tunnel_child(char *const argv[], int sock, int errfd, pid_t parent)
{
	int saved;

	/* Its own group, to be ended whole; and never outlive us. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (dup2(sock, 0) < 0 || dup2(sock, 1) < 0)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	saved = errno;
	if (write(errfd, &saved, sizeof(saved)) < 0)
		_exit(127);
	_exit(127);
}

struct conn *
conn_tunnel(char *const argv[], int timeout_ms, struct err *e)
{
	struct conn *c;
	long long start = now_ms();
	pid_t pid, parent = getpid();
	ssize_t n;
	int sv[2], efds[2], exec_errno = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err_set(e, ERR_INTERNAL, "socketpair: %s", strerror(errno));
		return NULL;
	}
	if (pipe2(efds, O_CLOEXEC) < 0) {
		close(sv[0]);
		close(sv[1]);
		err_set(e, ERR_INTERNAL, "pipe: %s", strerror(errno));
		return NULL;
	}
	fflush(stderr);
	if ((pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		close(efds[0]);
		close(efds[1]);
		err_set(e, ERR_INTERNAL, "fork: %s", strerror(errno));
		return NULL;
	}
	if (pid == 0) {
		close(sv[0]);
		tunnel_child(argv, sv[1], efds[1], parent);
	}
	/* Ours too, so that no signal finds it in the wrong group. */
	setpgid(pid, pid);
	close(sv[1]);
	close(efds[1]);
	do
		n = read(efds[0], &exec_errno, sizeof(exec_errno));
	while (n < 0 && errno == EINTR);
	close(efds[0]);
	c = xcalloc(1, sizeof(*c));
	c->fd = sv[0];
	c->tunnel = pid;
	c->timeout_ms = timeout_ms;
	c->setup_end = start + timeout_ms;
	if (n == (ssize_t)sizeof(exec_errno)) {
		conn_close(c);
		err_set(e, ERR_CONFIG, "cannot run the tunnel command '%s': %s",
		    argv[0], strerror(exec_errno));
		return NULL;
	}
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	return c;
}

/*
 * Whether the tunnel's command has ended, waiting up to ms for it, without
 * reaping it: its process group stays ours to signal until then.
 */
static int
tunnel_ended(pid_t pid, int ms, siginfo_t *si)
{
	struct timespec ts = { 0, 2000000 };
	long long until = now_ms() + ms;

	for (;;) {
		memset(si, 0, sizeof(*si));
		if (waitid(P_PID, (id_t)pid, si, WEXITED | WNOHANG |
		    WNOWAIT) == 0 && si->si_pid == pid)
			return 1;
		if (now_ms() >= until)
			return 0;
		nanosleep(&ts, NULL);
	}
}

/*
 * End the tunnel on every path: the socket closed is its end of input;
 * then its whole group is told to stop, killed if it will not, and the
 * command reaped.
 */
static void
tunnel_end(struct conn *c)
{
	siginfo_t si;
	int status;

	if (!tunnel_ended(c->tunnel, 1000, &si)) {
		kill(-c->tunnel, SIGTERM);
		if (!tunnel_ended(c->tunnel, 500, &si))
			kill(-c->tunnel, SIGKILL);
	} else
		kill(-c->tunnel, SIGTERM);	/* what it left behind */
	while (waitpid(c->tunnel, &status, 0) < 0 && errno == EINTR)
		;
	c->tunnel = 0;
}

/* "closed by server", said of a tunnel: with its exit status if it ended. */
static int
closed_err(struct conn *c, struct err *e)
{
	siginfo_t si;

	if (c->tunnel == 0)
		return err_set(e, ERR_IO, "connection closed by server");
	if (!tunnel_ended(c->tunnel, 200, &si))
		return err_set(e, ERR_IO, "the tunnel closed the connection");
	if (si.si_code == CLD_EXITED)
		return err_set(e, ERR_IO, "the tunnel command exited with "
		    "status %d", si.si_status);
	return err_set(e, ERR_IO, "the tunnel command was killed by signal "
	    "%d", si.si_status);
}

void
conn_setup_done(struct conn *c)
{
	c->setup_end = 0;
}

void
conn_set_timeout(struct conn *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

void
conn_set_idle(struct conn *c, conn_idle_fn fn, void *arg)
{
	c->idle = fn;
	c->idle_arg = arg;
}

void
conn_set_hangup_fd(struct conn *c, int fd)
{
	c->hangup_fd = fd;
}

int
conn_is_tls(const struct conn *c)
{
	return c->ssl != NULL;
}

static void
ssl_errstr(char *out, size_t outlen)
{
	unsigned long code = ERR_get_error();

	if (code == 0)
		snprintf(out, outlen, "unexpected end of stream");
	else
		ERR_error_string_n(code, out, outlen);
	ERR_clear_error();
}

/*
 * Whether the handshake failed over the protocol version: a server that
 * speaks only TLS 1.1 or older, which we refuse as we refuse a bad
 * certificate.
 */
static int
refused_version(void)
{
	unsigned long code = ERR_peek_error();
	int reason = ERR_GET_REASON(code);

	if (code == 0 || ERR_GET_LIB(code) != ERR_LIB_SSL)
		return 0;
	return reason == SSL_R_UNSUPPORTED_PROTOCOL ||
	    reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
	    reason == SSL_R_NO_PROTOCOLS_AVAILABLE;
}

/* Whether dir holds certificates under their hashed names (c_rehash). */
static int
hashed_dir(const char *dir)
{
	struct dirent *d;
	DIR *dp;
	size_t i;
	int found = 0;

	if ((dp = opendir(dir)) == NULL)
		return 0;
	while (!found && (d = readdir(dp)) != NULL) {
		for (i = 0; i < 8 && isxdigit((unsigned char)d->d_name[i]);
		    i++)
			;
		found = i == 8 && d->d_name[8] == '.' &&
		    isdigit((unsigned char)d->d_name[9]);
	}
	closedir(dp);
	return found;
}

/* Whether a and b name the same file. */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The system's trusted certificates. Parsing the whole bundle (some 140
 * certificates) costs a probe 20 ms or more, so where the system has the
 * hashed directory (/etc/ssl/certs, or SSL_CERT_DIR), certificates are
 * looked up there as a chain needs them, as OpenSSL's CApath does. A
 * bundle is read only where there is no such directory, or when
 * SSL_CERT_FILE names another file than the system's bundle, whose
 * certificates the directory holds too.
 */
static void
trust_system(SSL_CTX *ctx)
{
	const char *file = getenv(X509_get_default_cert_file_env());
	const char *dir = getenv(X509_get_default_cert_dir_env());
	const char *sysfile = X509_get_default_cert_file();
	int lazy;

	if (dir == NULL)
		dir = X509_get_default_cert_dir();
	lazy = hashed_dir(dir);
	if (SSL_CTX_load_verify_dir(ctx, dir) != 1)
		ERR_clear_error();
	if (lazy && (file == NULL || same_file(file, sysfile)))
		return;
	if (SSL_CTX_load_verify_file(ctx, file != NULL ? file : sysfile) != 1)
		ERR_clear_error();
}

static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return 0;
}

/* The client certificate and its key, checked against each other. */
static int
client_cert(SSL_CTX *ctx, const struct tls_opts *o, struct err *e)
{
	const char *key = o->key != NULL ? o->key : o->cert;
	char msg[256];

	if (access(o->cert, R_OK) != 0)
		return err_set(e, ERR_NOINPUT, "cannot read client "
		    "certificate '%s': %s", o->cert, strerror(errno));
	if (access(key, R_OK) != 0)
		return err_set(e, ERR_NOINPUT, "cannot read client key '%s': "
		    "%s", key, strerror(errno));
	/* An encrypted key would prompt on the terminal: refuse it. */
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1) {
		ssl_errstr(msg, sizeof(msg));
		return err_set(e, ERR_CONFIG, "client certificate '%s': %s",
		    o->cert, msg);
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_error()) ==
		    X509_R_KEY_VALUES_MISMATCH) {
			ERR_clear_error();
			return err_set(e, ERR_CONFIG, "client key '%s' does not "
			    "belong to certificate '%s'", key, o->cert);
		}
		ssl_errstr(msg, sizeof(msg));
		return err_set(e, ERR_CONFIG, "client key '%s': %s", key, msg);
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		return err_set(e, ERR_CONFIG, "client key '%s' does not belong "
		    "to certificate '%s'", key, o->cert);
	}
	return 0;
}

static int
is_ip_literal(const char *host)
{
	unsigned char tmp[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, tmp) == 1 ||
	    inet_pton(AF_INET6, host, tmp) == 1;
}

int
conn_starttls(struct conn *c, const char *host, const struct tls_opts *o,
    struct err *e)
{
	X509_VERIFY_PARAM *param;
	char msg[256];
	long vr;
	int r, w;

	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL)
		return err_set(e, ERR_INTERNAL, "cannot create TLS context");
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/*
	 * Insecure, the certificate is still verified, only not enforced:
	 * conn_tls_info says whether it would have passed, and why not.
	 */
	SSL_CTX_set_verify(c->ctx, o->insecure ? SSL_VERIFY_NONE :
	    SSL_VERIFY_PEER, NULL);
	trust_system(c->ctx);
	if (o->cafile != NULL &&
	    SSL_CTX_load_verify_locations(c->ctx, o->cafile, NULL) != 1) {
		ssl_errstr(msg, sizeof(msg));
		if (!o->insecure)
			return err_set(e, ERR_NOINPUT,
			    "cannot load CA file '%s': %s", o->cafile, msg);
	}
	if (o->cert != NULL && client_cert(c->ctx, o, e) < 0)
		return -1;
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return err_set(e, ERR_INTERNAL, "cannot create TLS session");
	if (!is_ip_literal(host)) {
		/* The macro takes a non-const pointer; give it a copy. */
		char sni[256];

		snprintf(sni, sizeof(sni), "%s", host);
		SSL_set_tlsext_host_name(c->ssl, sni);
	}
	param = SSL_get0_param(c->ssl);
	if (is_ip_literal(host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1)
			return err_set(e, ERR_INTERNAL,
			    "cannot set address to verify");
	} else if (SSL_set1_host(c->ssl, host) != 1)
		return err_set(e, ERR_INTERNAL,
		    "cannot set host name to verify");
	for (;;) {
		if (limit_passed(c))
			return timeout_err(c, e, "in the TLS handshake");
		r = SSL_connect(c->ssl);
		if (r == 1)
			break;
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			w = wait_fd(c, POLLIN, c->timeout_ms);
			break;
		case SSL_ERROR_WANT_WRITE:
			w = wait_fd(c, POLLOUT, c->timeout_ms);
			break;
		default:
			if (refused_version())
				return err_set(e, ERR_AUTH, "TLS handshake with "
				    "'%s' failed: the server does not speak TLS "
				    "1.2 or later", host);
			vr = SSL_get_verify_result(c->ssl);
			if (vr != X509_V_OK)
				return err_set(e, ERR_AUTH,
				    "TLS certificate verification failed for "
				    "'%s': %s%s", host,
				    X509_verify_cert_error_string(vr),
				    o->cafile == NULL ? " (--cafile FILE trusts "
				    "a private CA)" : "");
			ssl_errstr(msg, sizeof(msg));
			return err_set(e, ERR_IO, "TLS handshake with '%s' "
			    "failed: %s", host, msg);
		}
		if (w == 0)
			return timeout_err(c, e, "in the TLS handshake");
		if (w == WAIT_HANGUP)
			return hangup_err(e);
		if (w == WAIT_STOP)
			return stop_wait_err(e);
		if (w < 0)
			return err_set(e, ERR_IO, "TLS handshake: %s",
			    strerror(errno));
	}
	return 0;
}

/* COMPRESS=DEFLATE ------------------------------------------------------ */

static int
z_err(struct err *e, const char *what, const z_stream *z, int r)
{
	return err_set(e, ERR_PROTOCOL, "%s: %s", what, z->msg != NULL ?
	    z->msg : zError(r));
}

/*
 * Inflate what compressed input is buffered into p, at most len bytes.
 * Returns how many (0: more input is needed), or -1 with the error set.
 */
static ssize_t
z_inflate(struct conn *c, void *p, size_t len, struct err *e)
{
	struct zlayer *z = c->z;
	size_t got;
	int r;

	if (len > UINT_MAX)
		len = UINT_MAX;
	while (z->in.avail_in > 0 || z->more) {
		if (z->ended)
			return err_set(e, ERR_PROTOCOL, "the server sent data "
			    "after the end of its compressed stream");
		z->in.next_out = p;
		z->in.avail_out = (uInt)len;
		r = inflate(&z->in, Z_SYNC_FLUSH);
		got = len - z->in.avail_out;
		z->more = z->in.avail_out == 0;
		if (r == Z_STREAM_END)
			z->ended = 1;
		else if (r != Z_OK && r != Z_BUF_ERROR)
			return z_err(e, "corrupt compressed stream from the "
			    "server", &z->in, r);
		if (got > 0) {
			z->st.plain_in += got;
			return (ssize_t)got;
		}
		if (r == Z_BUF_ERROR)
			break;
	}
	if (z->ended)
		return err_set(e, ERR_PROTOCOL, "the server ended its "
		    "compressed stream");
	return 0;
}

/*
 * Before waiting for the socket: whether the compressed input already read
 * inflates to something (kept in the stage for conn_read). 1 yes, 0 no,
 * -1 with the error set.
 */
static int
z_stage(struct conn *c, struct err *e)
{
	struct zlayer *z = c->z;
	ssize_t n;

	if (z->stage_end > z->stage_start)
		return 1;
	if ((n = z_inflate(c, z->stage, sizeof(z->stage), e)) <= 0)
		return (int)n;
	z->stage_start = 0;
	z->stage_end = (size_t)n;
	return 1;
}

int
conn_pending(struct conn *c)
{
	if (c->z != NULL && c->z->stage_end > c->z->stage_start)
		return 1;
	return c->ssl != NULL && SSL_pending(c->ssl) > 0;
}

/*
 * Wait up to timeout_ms for input. Returns 1 when there is some, 0 on
 * timeout, -1 on error.
 */
int
conn_wait_readable(struct conn *c, int timeout_ms, struct err *e)
{
	int w;

	if (conn_pending(c))
		return 1;
	/* Compressed input already read may hold a response. */
	if (c->z != NULL && (w = z_stage(c, e)) != 0)
		return w;
	w = wait_fd(c, POLLIN, timeout_ms);
	if (w == WAIT_HANGUP)
		return hangup_err(e);
	if (w == WAIT_STOP)
		return stop_wait_err(e);
	if (w < 0)
		return err_set(e, ERR_IO, "poll: %s", strerror(errno));
	/* The caller's own wait may end; the run's deadline ends the run. */
	if (w == 0 && c->expired != LIM_WAIT)
		return timeout_err(c, e, "waiting for the server");
	return w;
}

#define SSL_FAILED	(-2)

/*
 * After SSL_read or SSL_write returned r <= 0: wait for what OpenSSL needs
 * (as wait_fd: 1 ready, 0 timed out, -1 poll failed), or SSL_FAILED with
 * the error set.
 */
static int
ssl_wait(struct conn *c, int r, struct err *e)
{
	char msg[256];

	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(c, POLLIN, c->timeout_ms);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(c, POLLOUT, c->timeout_ms);
	case SSL_ERROR_ZERO_RETURN:
		err_set(e, ERR_IO, "connection closed by server");
		break;
	case SSL_ERROR_SYSCALL:
		if (errno != 0 && errno != EAGAIN)
			err_set(e, ERR_IO, "connection error: %s",
			    strerror(errno));
		else
			err_set(e, ERR_IO, "connection closed by server");
		break;
	default:
		ssl_errstr(msg, sizeof(msg));
		err_set(e, ERR_IO, "TLS error: %s", msg);
		break;
	}
	return SSL_FAILED;
}

/*
 * Read what is there, at most len bytes, waiting up to the timeout for the
 * first byte. End of stream is an error: an IMAP server that closes the
 * connection always does so in the middle of something we wait for.
 */
static ssize_t
raw_read(struct conn *c, void *p, size_t len, struct err *e)
{
	ssize_t n;
	int r, w;

	/*
	 * Data may be there without a wait: look at the output's reader
	 * anyway, so that a fast stream stops as soon as it left.
	 */
	if (hung_up(c))
		return hangup_err(e);
	for (;;) {
		if (limit_passed(c))
			return timeout_err(c, e, "waiting for the server");
		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_read(c->ssl, p, len > INT32_MAX ? INT32_MAX :
			    (int)len);
			if (r > 0)
				return r;
			if ((w = ssl_wait(c, r, e)) == SSL_FAILED)
				return -1;
		} else {
			n = recv(c->fd, p, len, 0);
			if (n > 0)
				return n;
			if (n == 0)
				return closed_err(c, e);
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return err_set(e, ERR_IO,
				    "connection error: %s", strerror(errno));
			w = wait_fd(c, POLLIN, c->timeout_ms);
		}
		if (w == 0)
			return timeout_err(c, e, "waiting for the server");
		if (w == WAIT_HANGUP)
			return hangup_err(e);
		if (w == WAIT_STOP)
			return stop_wait_err(e);
		if (w < 0)
			return err_set(e, ERR_IO, "poll: %s", strerror(errno));
	}
}

static int
raw_write(struct conn *c, const void *p, size_t len, struct err *e)
{
	const char *s = p;
	ssize_t n;
	int r, w;

	while (len > 0) {
		if (limit_passed(c))
			return timeout_err(c, e, "sending to the server");
		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_write(c->ssl, s, len > INT32_MAX ? INT32_MAX :
			    (int)len);
			if (r > 0) {
				s += r;
				len -= (size_t)r;
				continue;
			}
			if ((w = ssl_wait(c, r, e)) == SSL_FAILED)
				return -1;
		} else {
			n = send(c->fd, s, len, MSG_NOSIGNAL);
			if (n > 0) {
				s += n;
				len -= (size_t)n;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				return err_set(e, ERR_IO,
				    "connection error: %s", strerror(errno));
			w = wait_fd(c, POLLOUT, c->timeout_ms);
		}
		if (w == 0)
			return timeout_err(c, e, "sending to the server");
		if (w == WAIT_HANGUP)
			return hangup_err(e);
		if (w == WAIT_STOP)
			return stop_wait_err(e);
		if (w < 0)
			return err_set(e, ERR_IO, "poll: %s", strerror(errno));
	}
	return 0;
}

/*
 * Read what is there, at most len bytes: inflated once COMPRESS is on.
 */
ssize_t
conn_read(struct conn *c, void *p, size_t len, struct err *e)
{
	struct zlayer *z = c->z;
	ssize_t n;

	if (z == NULL)
		return raw_read(c, p, len, e);
	if (z->stage_end > z->stage_start) {
		n = (ssize_t)(z->stage_end - z->stage_start);
		if ((size_t)n > len)
			n = (ssize_t)len;
		memcpy(p, z->stage + z->stage_start, (size_t)n);
		z->stage_start += (size_t)n;
		return n;
	}
	for (;;) {
		if ((n = z_inflate(c, p, len, e)) != 0)
			return n;
		if ((n = raw_read(c, z->raw, sizeof(z->raw), e)) < 0)
			return -1;
		z->st.raw_in += (uint64_t)n;
		z->in.next_in = z->raw;
		z->in.avail_in = (uInt)n;
	}
}

/*
 * Write all of p; once COMPRESS is on, deflated and flushed (Z_SYNC_FLUSH)
 * so that the server can act on every write at once.
 */
int
conn_write(struct conn *c, const void *p, size_t len, struct err *e)
{
	struct zlayer *z = c->z;
	const unsigned char *s = p;
	size_t chunk, n;
	int r;

	if (z == NULL)
		return raw_write(c, p, len, e);
	do {
		chunk = len > UINT_MAX ? UINT_MAX : len;
		z->out.next_in = (unsigned char *)(uintptr_t)s;
		z->out.avail_in = (uInt)chunk;
		do {
			z->out.next_out = z->obuf;
			z->out.avail_out = sizeof(z->obuf);
			r = deflate(&z->out, Z_SYNC_FLUSH);
			if (r != Z_OK && r != Z_BUF_ERROR)
				return z_err(e, "cannot compress", &z->out, r);
			n = sizeof(z->obuf) - z->out.avail_out;
			if (n > 0 && raw_write(c, z->obuf, n, e) < 0)
				return -1;
			z->st.raw_out += n;
		} while (z->out.avail_out == 0);
		z->st.plain_out += chunk;
		s += chunk;
		len -= chunk;
	} while (len > 0);
	return 0;
}

int
conn_compress(struct conn *c, const void *ahead, size_t n, struct err *e)
{
	struct zlayer *z;
	int r;

	if (c->z != NULL)
		return err_set(e, ERR_INTERNAL, "compression is on already");
	if (n > Z_RAWBUF)
		return err_set(e, ERR_INTERNAL, "too much input read ahead");
	z = xcalloc(1, sizeof(*z));
	if ((r = inflateInit2(&z->in, -15)) != Z_OK) {
		free(z);
		return err_set(e, ERR_INTERNAL, "inflateInit2: %s", zError(r));
	}
	z->in_init = 1;
	if ((r = deflateInit2(&z->out, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
	    -15, 8, Z_DEFAULT_STRATEGY)) != Z_OK) {
		inflateEnd(&z->in);
		free(z);
		return err_set(e, ERR_INTERNAL, "deflateInit2: %s", zError(r));
	}
	z->out_init = 1;
	if (n > 0)
		memcpy(z->raw, ahead, n);
	z->in.next_in = z->raw;
	z->in.avail_in = (uInt)n;
	z->st.raw_in = n;
	c->z = z;
	return 0;
}

int
conn_compress_stats(const struct conn *c, struct conn_zstats *st)
{
	if (c->z == NULL) {
		memset(st, 0, sizeof(*st));
		return 0;
	}
	*st = c->z->st;
	return 1;
}

static void
name_line(X509_NAME *name, char *out, size_t outlen)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (b == NULL)
		return;
	X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(b, &p);
	if (n > 0) {
		if ((size_t)n >= outlen)
			n = (long)outlen - 1;
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
}

void
conn_tls_info(struct conn *c, struct tls_info *ti)
{
	const ASN1_TIME *na;
	X509 *cert;
	struct tm tm;
	long vr;

	memset(ti, 0, sizeof(*ti));
	if (c->ssl == NULL)
		return;
	snprintf(ti->version, sizeof(ti->version), "%s",
	    SSL_get_version(c->ssl));
	snprintf(ti->cipher, sizeof(ti->cipher), "%s",
	    SSL_get_cipher_name(c->ssl));
	vr = SSL_get_verify_result(c->ssl);
	ti->verified = SSL_get_verify_mode(c->ssl) != SSL_VERIFY_NONE &&
	    vr == X509_V_OK;
	if (vr != X509_V_OK)
		snprintf(ti->invalid, sizeof(ti->invalid), "%s",
		    X509_verify_cert_error_string(vr));
	cert = SSL_get1_peer_certificate(c->ssl);
	if (cert == NULL)
		return;
	name_line(X509_get_subject_name(cert), ti->subject,
	    sizeof(ti->subject));
	name_line(X509_get_issuer_name(cert), ti->issuer, sizeof(ti->issuer));
	na = X509_get0_notAfter(cert);
	if (na != NULL && ASN1_TIME_to_tm(na, &tm) == 1)
		ti->not_after = timegm(&tm);
	X509_free(cert);
}

void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->z != NULL) {
		if (c->z->in_init)
			inflateEnd(&c->z->in);
		if (c->z->out_init)
			deflateEnd(&c->z->out);
		free(c->z);
	}
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->ctx != NULL)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	if (c->tunnel > 0)
		tunnel_end(c);
	free(c);
}
