/* SPDX-License-Identifier: MIT */
/*
 * Transport: TCP with a connect timeout, TLS with OpenSSL (verified against
 * the system store plus an optional CA file, SNI, host name check, TLS 1.2
 * at least). Every wait is bounded by the connection's timeout; a peer that
 * stalls makes the call fail with ERR_TIMEOUT, never hang.
 */
#ifndef IMAPCTL_NET_H
#define IMAPCTL_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"
#include "proxy.h"

struct conn;

/* What COMPRESS=DEFLATE did: bytes on the wire and as the protocol. */
struct conn_zstats {
	uint64_t	raw_in;		/* read, compressed */
	uint64_t	plain_in;	/* inflated */
	uint64_t	raw_out;	/* written, compressed */
	uint64_t	plain_out;	/* before deflating */
};

struct tls_opts {
	const char	*cafile;	/* added to the system store, or NULL */
	const char	*cert;		/* a client certificate (chain), or NULL */
	const char	*key;		/* its private key; NULL: in cert */
	int		 insecure;	/* verify, but do not refuse */
};

struct tls_info {
	char	version[32];
	char	cipher[128];
	char	subject[512];
	char	issuer[512];
	time_t	not_after;		/* 0 if no certificate */
	int	verified;		/* verified, and it had to be */
	/*
	 * Why the certificate does not verify (chain, dates, name), even
	 * where verification was not enforced (--insecure); "" if it does.
	 */
	char	invalid[128];
};

/*
 * Every wait is bounded by the connection's timeout and by the run's
 * deadline (deadline.h). From conn_open until conn_setup_done, connecting,
 * the TLS handshake and logging in together are bounded by the timeout
 * too, however slowly the peer sends.
 */

/* Called before the connection blocks waiting for the peer. */
typedef void (*conn_idle_fn)(void *);

/*
 * A connection to host:port, through the proxy when px is not NULL (the
 * proxy reaches host; TLS later is still with host, end to end).
 */
struct conn	*conn_open(const char *host, const char *port, int timeout_ms,
		    const struct proxy *px, struct err *);
int		 conn_starttls(struct conn *, const char *host,
		    const struct tls_opts *, struct err *);
ssize_t		 conn_read(struct conn *, void *, size_t, struct err *);
int		 conn_write(struct conn *, const void *, size_t, struct err *);
int		 conn_pending(struct conn *);
int		 conn_wait_readable(struct conn *, int timeout_ms, struct err *);
void		 conn_set_timeout(struct conn *, int timeout_ms);
/* Logged in: from now on only each wait and the deadline bound it. */
void		 conn_setup_done(struct conn *);
/*
 * A preauthenticated server over a pipe, as mbsync's Tunnel: argv runs in
 * a process group of its own with a socket on its standard input and
 * output; conn_close ends and reaps it (and it dies with us).
 */
struct conn	*conn_tunnel(char *const argv[], int timeout_ms, struct err *);
void		 conn_set_idle(struct conn *, conn_idle_fn, void *);
/*
 * Also watch fd (the write end of a pipe or a socket: standard output)
 * while waiting and before each read: when its reader has gone away, the
 * call fails with ERR_OUTPUT_GONE. -1 watches nothing.
 */
void		 conn_set_hangup_fd(struct conn *, int fd);
int		 conn_is_tls(const struct conn *);
/*
 * COMPRESS=DEFLATE (RFC 4978) from now on: raw deflate (no zlib header)
 * beneath TLS, each conn_write flushed, every read inflated. ahead[0..n)
 * is what was read already past the server's OK: compressed, it is
 * inflated first. A corrupt or ended stream is ERR_PROTOCOL.
 */
int		 conn_compress(struct conn *, const void *ahead, size_t n,
		    struct err *);
/* 1 and the figures so far when compressing, else 0 (and zeros). */
int		 conn_compress_stats(const struct conn *, struct conn_zstats *);
void		 conn_tls_info(struct conn *, struct tls_info *);
void		 conn_close(struct conn *);

#endif
