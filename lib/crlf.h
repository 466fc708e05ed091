/* SPDX-License-Identifier: MIT */
/*
 * Line ends for IMAP: a message sent with APPEND must end its lines in
 * CR LF. A LF that does not follow a CR becomes CR LF; everything else,
 * a lone CR included, passes unchanged. The converter is a state machine
 * fed in pieces of any size, so a message is converted as it streams.
 */
#ifndef IMAPCTL_CRLF_H
#define IMAPCTL_CRLF_H

#include <stddef.h>

struct crlf {
	int	prev_cr;	/* the last byte taken was CR */
	int	owe_lf;		/* a CR was written, its LF did not fit */
};

void	crlf_init(struct crlf *);
/*
 * Convert in[0..inlen) into out[0..outlen) (out NULL: only count). Returns
 * the bytes written (or counted); *used_r gets the bytes of in taken. It
 * stops when out is full; call again with the rest of in, and at the end
 * with inlen 0 while crlf_owed() says a byte is still due.
 */
size_t	crlf_convert(struct crlf *, const char *in, size_t inlen,
	    size_t *used_r, char *out, size_t outlen);
int	crlf_owed(const struct crlf *);

/* CR LF to LF. */
struct lfonly {
	int	held_cr;	/* the last piece ended in CR */
};

/* Takes the bytes that come out; 0, or -1 to stop with an error. */
typedef int	lfonly_put_fn(void *arg, const char *p, size_t n);

void	lfonly_init(struct lfonly *);
/* Feeds p[0..n) to put, runs without CR whole; -1 if put failed. */
int	lfonly_feed(struct lfonly *, const char *p, size_t n,
	    lfonly_put_fn *put, void *arg);
/* At the end of the stream: a CR still held goes out. */
int	lfonly_end(struct lfonly *, lfonly_put_fn *put, void *arg);

#endif
