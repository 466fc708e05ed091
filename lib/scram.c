/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "b64.h"
#include "scram.h"
#include "banned.h"

enum {
	SCRAM_START,
	SCRAM_SENT_FIRST,
	SCRAM_SENT_FINAL,
	SCRAM_VERIFIED
};

int
scram_init(struct scram *sc, enum scram_hash h, const char *user,
    const char *password, const char *nonce, struct err *e)
{
	unsigned char rnd[24];
	struct buf nb;
	const char *p;

	memset(sc, 0, sizeof(*sc));
	sc->md = h == SCRAM_SHA_1 ? EVP_sha1() : EVP_sha256();
	sc->dlen = (size_t)EVP_MD_size(sc->md);
	sc->password = password;
	buf_init(&sc->user, SCRAM_MAX_USER);
	buf_init(&sc->auth_msg, 3 * SCRAM_MAX_MSG);
	for (p = user; *p != '\0'; p++) {
		if (*p == '=' ? buf_adds(&sc->user, "=3D") < 0 :
		    *p == ',' ? buf_adds(&sc->user, "=2C") < 0 :
		    buf_addc(&sc->user, *p) < 0)
			return err_set(e, ERR_CONFIG, "user name too long");
	}
	if (nonce != NULL) {
		if (strlen(nonce) >= sizeof(sc->cnonce) || nonce[0] == '\0' ||
		    strchr(nonce, ',') != NULL)
			return err_set(e, ERR_INTERNAL, "bad SCRAM nonce");
		memcpy(sc->cnonce, nonce, strlen(nonce) + 1);
		return 0;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return err_set(e, ERR_INTERNAL, "no random bytes for the "
		    "SCRAM nonce");
	/* 24 bytes are 32 base64 characters: printable, never ','. */
	buf_init(&nb, sizeof(sc->cnonce) - 1);
	if (b64_encode(&nb, rnd, sizeof(rnd)) < 0) {
		buf_free(&nb);
		return err_set(e, ERR_INTERNAL, "SCRAM nonce");
	}
	memcpy(sc->cnonce, nb.s, nb.len + 1);
	buf_free(&nb);
	return 0;
}

void
scram_free(struct scram *sc)
{
	buf_free(&sc->user);
	buf_wipe(&sc->auth_msg);
	OPENSSL_cleanse(sc->server_sig, sizeof(sc->server_sig));
	sc->password = NULL;
}

int
scram_verified(const struct scram *sc)
{
	return sc->state == SCRAM_VERIFIED;
}

/* "n,,n=user,r=nonce": no channel binding, no authorization identity. */
int
scram_client_first(struct scram *sc, struct buf *out, struct err *e)
{
	if (sc->state != SCRAM_START)
		return err_set(e, ERR_INTERNAL, "SCRAM out of order");
	if (buf_addf(&sc->auth_msg, "n=%s,r=%s", sc->user.s, sc->cnonce) < 0 ||
	    buf_adds(out, "n,,") < 0 ||
	    buf_add(out, sc->auth_msg.s, sc->auth_msg.len) < 0)
		return err_set(e, ERR_CONFIG, "user name too long");
	sc->state = SCRAM_SENT_FIRST;
	return 0;
}

/* The value of attribute "a=" among msg's comma-separated attributes. */
static int
attr(const char *msg, size_t len, char a, const char **v_r, size_t *vlen_r)
{
	const char *p = msg, *end = msg + len, *comma;

	while (p < end) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		if (comma - p >= 2 && p[0] == a && p[1] == '=') {
			*v_r = p + 2;
			*vlen_r = (size_t)(comma - p - 2);
			return 1;
		}
		p = comma + 1;
	}
	return 0;
}

/* A server's "e=..." error, as text we may show. */
static int
server_error(const char *msg, size_t len, struct err *e)
{
	const char *v;
	size_t n, i;
	char tmp[128];

	if (!attr(msg, len, 'e', &v, &n))
		return 0;
	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	for (i = 0; i < n; i++)
		tmp[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	tmp[n] = '\0';
	err_set(e, ERR_AUTH, "the server ended SCRAM with an error: %s", tmp);
	return 1;
}

static int
hmac(const struct scram *sc, const void *key, size_t klen, const void *d,
    size_t dlen, unsigned char *out)
{
	unsigned int n = 0;

	return HMAC(sc->md, key, (int)klen, d, dlen, out, &n) != NULL &&
	    n == sc->dlen ? 0 : -1;
}

/*
 * Answer the server-first message "r=nonce,s=salt,i=count[,ext]" with
 * client-final "c=biws,r=nonce,p=proof", and work out what the server's
 * signature must be.
 */
int
scram_client_final(struct scram *sc, const char *msg, size_t len,
    struct buf *out, struct err *e)
{
	unsigned char salted[EVP_MAX_MD_SIZE], ckey[EVP_MAX_MD_SIZE];
	unsigned char stored[EVP_MAX_MD_SIZE], csig[EVP_MAX_MD_SIZE];
	unsigned char proof[EVP_MAX_MD_SIZE], skey[EVP_MAX_MD_SIZE];
	struct buf salt;
	const char *nonce, *s64, *it;
	size_t nlen, slen, ilen, i, cn = strlen(sc->cnonce);
	unsigned long iter = 0;
	int r = -1;

	if (sc->state != SCRAM_SENT_FIRST)
		return err_set(e, ERR_INTERNAL, "SCRAM out of order");
	if (len > SCRAM_MAX_MSG || memchr(msg, '\0', len) != NULL)
		return err_set(e, ERR_PROTOCOL, "bad SCRAM server-first "
		    "message");
	if (server_error(msg, len, e))
		return -1;
	if (len > 2 && msg[0] == 'm' && msg[1] == '=')
		return err_set(e, ERR_PROTOCOL, "the server demands a SCRAM "
		    "extension imapctl does not know");
	if (len < 2 || msg[0] != 'r' || msg[1] != '=' ||
	    !attr(msg, len, 'r', &nonce, &nlen) ||
	    !attr(msg, len, 's', &s64, &slen) ||
	    !attr(msg, len, 'i', &it, &ilen))
		return err_set(e, ERR_PROTOCOL, "bad SCRAM server-first "
		    "message");
	/* The server's nonce extends ours: otherwise this is a replay. */
	if (nlen <= cn || memcmp(nonce, sc->cnonce, cn) != 0)
		return err_set(e, ERR_AUTH, "the server's SCRAM nonce does not "
		    "extend the client's");
	for (i = 0; i < nlen; i++)
		if (nonce[i] < 0x21 || nonce[i] > 0x7e)
			return err_set(e, ERR_PROTOCOL, "bad SCRAM nonce from "
			    "the server");
	if (ilen == 0 || ilen > 9 || strspn(it, "0123456789") < ilen)
		return err_set(e, ERR_PROTOCOL, "bad SCRAM iteration count");
	for (i = 0; i < ilen; i++)
		iter = iter * 10 + (unsigned long)(it[i] - '0');
	if (iter < SCRAM_MIN_ITERATIONS || iter > SCRAM_MAX_ITERATIONS)
		return err_set(e, ERR_AUTH, "the server asks for %lu SCRAM "
		    "iterations; refusing anything outside %d..%d", iter,
		    SCRAM_MIN_ITERATIONS, SCRAM_MAX_ITERATIONS);
	buf_init(&salt, SCRAM_MAX_SALT);
	if (b64_decode(&salt, s64, slen) < 0 || salt.len == 0) {
		buf_free(&salt);
		return err_set(e, ERR_PROTOCOL, "bad SCRAM salt");
	}
	if (buf_addc(&sc->auth_msg, ',') < 0 ||
	    buf_add(&sc->auth_msg, msg, len) < 0 ||
	    buf_adds(&sc->auth_msg, ",c=biws,r=") < 0 ||
	    buf_add(&sc->auth_msg, nonce, nlen) < 0) {
		err_set(e, ERR_PROTOCOL, "SCRAM message too long");
		goto done;
	}
	/*
	 * SaltedPassword = Hi(password, salt, i); ClientKey and ServerKey
	 * from it; the proof is ClientKey XOR HMAC(H(ClientKey), AuthMessage).
	 */
	if (PKCS5_PBKDF2_HMAC(sc->password, (int)strlen(sc->password),
	    (const unsigned char *)salt.s, (int)salt.len, (int)iter, sc->md,
	    (int)sc->dlen, salted) != 1 ||
	    hmac(sc, salted, sc->dlen, "Client Key", 10, ckey) < 0 ||
	    EVP_Digest(ckey, sc->dlen, stored, NULL, sc->md, NULL) != 1 ||
	    hmac(sc, stored, sc->dlen, sc->auth_msg.s, sc->auth_msg.len,
	    csig) < 0 ||
	    hmac(sc, salted, sc->dlen, "Server Key", 10, skey) < 0 ||
	    hmac(sc, skey, sc->dlen, sc->auth_msg.s, sc->auth_msg.len,
	    sc->server_sig) < 0) {
		err_set(e, ERR_INTERNAL, "SCRAM: the crypto library failed");
		goto done;
	}
	for (i = 0; i < sc->dlen; i++)
		proof[i] = ckey[i] ^ csig[i];
	if (buf_adds(out, "c=biws,r=") < 0 || buf_add(out, nonce, nlen) < 0 ||
	    buf_adds(out, ",p=") < 0 || b64_encode(out, proof, sc->dlen) < 0) {
		err_set(e, ERR_PROTOCOL, "SCRAM message too long");
		goto done;
	}
	sc->state = SCRAM_SENT_FINAL;
	r = 0;
done:
	OPENSSL_cleanse(salted, sizeof(salted));
	OPENSSL_cleanse(ckey, sizeof(ckey));
	OPENSSL_cleanse(stored, sizeof(stored));
	OPENSSL_cleanse(csig, sizeof(csig));
	OPENSSL_cleanse(proof, sizeof(proof));
	OPENSSL_cleanse(skey, sizeof(skey));
	buf_free(&salt);
	return r;
}

/* The server-final message "v=signature": the server knew the password. */
int
scram_verify(struct scram *sc, const char *msg, size_t len, struct err *e)
{
	struct buf sig;
	const char *v;
	size_t vlen;
	int ok;

	if (sc->state != SCRAM_SENT_FINAL)
		return err_set(e, ERR_PROTOCOL, "unexpected SCRAM message "
		    "from the server");
	if (len > SCRAM_MAX_MSG)
		return err_set(e, ERR_PROTOCOL, "bad SCRAM server-final "
		    "message");
	if (server_error(msg, len, e))
		return -1;
	if (len < 2 || msg[0] != 'v' || msg[1] != '=' ||
	    !attr(msg, len, 'v', &v, &vlen))
		return err_set(e, ERR_PROTOCOL, "bad SCRAM server-final "
		    "message");
	buf_init(&sig, EVP_MAX_MD_SIZE);
	ok = b64_decode(&sig, v, vlen) == 0 && sig.len == sc->dlen &&
	    CRYPTO_memcmp(sig.s, sc->server_sig, sc->dlen) == 0;
	buf_free(&sig);
	if (!ok)
		return err_set(e, ERR_AUTH, "the server's SCRAM signature is "
		    "wrong: the server is not who it says");
	sc->state = SCRAM_VERIFIED;
	return 0;
}
