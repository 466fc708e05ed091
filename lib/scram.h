/* SPDX-License-Identifier: MIT */
/*
 * The client side of SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677),
 * without channel binding, as a state machine that does no I/O: the caller
 * carries the messages. The server must prove that it knows the password
 * (its signature is checked in constant time); a client that skipped that
 * check would talk to anyone.
 *
 * The password is used as the bytes given (UTF-8), not SASLprep-normalised.
 */
#ifndef IMAPCTL_SCRAM_H
#define IMAPCTL_SCRAM_H

#include <stddef.h>

#include <openssl/evp.h>

#include "buf.h"
#include "err.h"

#define SCRAM_MIN_ITERATIONS	4096
#define SCRAM_MAX_ITERATIONS	2000000
#define SCRAM_MAX_SALT		256
#define SCRAM_MAX_MSG		4096	/* a server message */
#define SCRAM_MAX_USER		4096	/* the user name, escaped */

enum scram_hash {
	SCRAM_SHA_1,
	SCRAM_SHA_256
};

struct scram {
	const EVP_MD	*md;
	size_t		 dlen;
	const char	*password;	/* the caller's; not copied */
	struct buf	 user;		/* saslname: '=' and ',' escaped */
	char		 cnonce[48];
	struct buf	 auth_msg;	/* client-first-bare,server-first,... */
	unsigned char	 server_sig[EVP_MAX_MD_SIZE];
	int		 state;
};

/* nonce: the client nonce, or NULL for a random one (tests pass one). */
int	scram_init(struct scram *, enum scram_hash, const char *user,
	    const char *password, const char *nonce, struct err *);
int	scram_client_first(struct scram *, struct buf *, struct err *);
int	scram_client_final(struct scram *, const char *, size_t, struct buf *,
	    struct err *);
int	scram_verify(struct scram *, const char *, size_t, struct err *);
int	scram_verified(const struct scram *);
void	scram_free(struct scram *);

#endif
