/* SPDX-License-Identifier: MIT */
/*
 * SCRAM-SHA-1 (RFC 5802 section 5) and SCRAM-SHA-256 (RFC 7677 section 3)
 * against the RFCs' example exchanges; each way the server can fail to
 * prove itself refused; and the strict base64 underneath.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "b64.h"
#include "buf.h"
#include "scram.h"
#include "t.h"

struct vector {
	const char	*name;
	enum scram_hash	 h;
	const char	*cnonce;
	const char	*client_first;
	const char	*server_first;
	const char	*client_final;
	const char	*server_final;
};

static const struct vector vectors[] = {
	{ "SCRAM-SHA-1", SCRAM_SHA_1, "fyko+d2lbbFgONRv9qkxdawL",
	    "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
	    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,"
	    "i=4096",
	    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
	    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=" },
	{ "SCRAM-SHA-256", SCRAM_SHA_256, "rOprNGfwEbeRWgbNEkqO",
	    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
	    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" },
};

static void
run_vector(const struct vector *v)
{
	struct scram sc;
	struct buf out = BUF_INIT(4096);
	struct err e;
	char label[128];

	snprintf(label, sizeof(label), "%s: client-first", v->name);
	t_ok(scram_init(&sc, v->h, "user", "pencil", v->cnonce, &e) == 0,
	    label);
	t_ok(scram_client_first(&sc, &out, &e) == 0, label);
	t_streq(out.s, v->client_first, label);
	buf_reset(&out);
	snprintf(label, sizeof(label), "%s: client-final with the proof",
	    v->name);
	t_ok(scram_client_final(&sc, v->server_first,
	    strlen(v->server_first), &out, &e) == 0, label);
	t_streq(out.s, v->client_final, label);
	snprintf(label, sizeof(label), "%s: the server's signature verifies",
	    v->name);
	t_ok(!scram_verified(&sc), label);
	t_ok(scram_verify(&sc, v->server_final, strlen(v->server_final),
	    &e) == 0 && scram_verified(&sc), label);
	scram_free(&sc);
	buf_free(&out);
}

/* Start an exchange with the RFC 7677 example and answer its server-first. */
static void
start(struct scram *sc, struct buf *out, const char *server_first,
    int *rc_r, struct err *e)
{
	scram_init(sc, SCRAM_SHA_256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO",
	    e);
	scram_client_first(sc, out, e);
	buf_reset(out);
	*rc_r = scram_client_final(sc, server_first, strlen(server_first),
	    out, e);
}

static void
refuses_first(const char *server_first, enum err_kind kind, const char *name)
{
	struct scram sc;
	struct buf out = BUF_INIT(4096);
	struct err e;
	int rc;

	err_clear(&e);
	start(&sc, &out, server_first, &rc, &e);
	if (!t_ok(rc < 0 && e.kind == kind, name))
		printf("#   rc %d kind %d: %s\n", rc, e.kind, e.msg);
	scram_free(&sc);
	buf_free(&out);
}

static void
refuses_final(const char *server_final, enum err_kind kind, const char *name)
{
	static const char sf[] =
	    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
	struct scram sc;
	struct buf out = BUF_INIT(4096);
	struct err e;
	int rc;

	err_clear(&e);
	start(&sc, &out, sf, &rc, &e);
	rc = scram_verify(&sc, server_final, strlen(server_final), &e);
	if (!t_ok(rc < 0 && e.kind == kind && !scram_verified(&sc), name))
		printf("#   rc %d kind %d: %s\n", rc, e.kind, e.msg);
	scram_free(&sc);
	buf_free(&out);
}

static void
b64_round(const char *raw, size_t n, const char *enc)
{
	struct buf b = BUF_INIT(256);

	t_ok(b64_encode(&b, raw, n) == 0, "b64 encode");
	t_streq(b.s, enc, "b64 encode");
	buf_reset(&b);
	t_ok(b64_decode(&b, enc, strlen(enc)) == 0, "b64 decode");
	t_memeq(b.s, b.len, raw, n, "b64 decode");
	buf_free(&b);
}

static void
b64_bad(const char *enc)
{
	struct buf b = BUF_INIT(256);
	char label[64];

	snprintf(label, sizeof(label), "b64 refuses '%s'", enc);
	t_ok(b64_decode(&b, enc, strlen(enc)) < 0, label);
	buf_free(&b);
}

/*
 * A ^A in the user name would end the GS2 header's field early and let
 * the name add fields of its own to the OAuth2 message: refused before
 * anything is sent, for both mechanisms.
 */
static void
test_oauth_user(void)
{
	static const enum auth_mech mechs[] = { AUTH_XOAUTH2,
	    AUTH_OAUTHBEARER };
	struct sess_opts so;
	struct auth_opts ao;
	struct sess *s;
	struct err e;
	size_t i;

	memset(&so, 0, sizeof(so));
	s = sess_new(&so);
	for (i = 0; i < 2; i++) {
		memset(&ao, 0, sizeof(ao));
		ao.mech = mechs[i];
		ao.user = "alice\001auth=Bearer forged";
		ao.secret = "token";
		ao.is_token = 1;
		err_clear(&e);
		t_ok(auth_login(s, &ao, &e) < 0 && e.kind == ERR_CONFIG &&
		    strcmp(e.msg, "a control character in the user name") == 0,
		    i == 0 ? "XOAUTH2: ^A in the user name refused" :
		    "OAUTHBEARER: ^A in the user name refused");
	}
	sess_free(s);
}

int
main(void)
{
	struct scram sc;
	struct buf out = BUF_INIT(4096);
	struct err e;
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		run_vector(&vectors[i]);

	/* Names with ',' and '=' are escaped; random nonces differ. */
	scram_init(&sc, SCRAM_SHA_256, "a,b=c", "x", "abc", &e);
	scram_client_first(&sc, &out, &e);
	t_streq(out.s, "n,,n=a=2Cb=3Dc,r=abc", "user name escaped");
	scram_free(&sc);
	buf_reset(&out);
	{
		struct scram a, b;

		t_ok(scram_init(&a, SCRAM_SHA_1, "u", "p", NULL, &e) == 0 &&
		    scram_init(&b, SCRAM_SHA_1, "u", "p", NULL, &e) == 0,
		    "random nonces");
		t_ok(strlen(a.cnonce) == 32 && strcmp(a.cnonce, b.cnonce) != 0,
		    "random nonces are 32 characters and differ");
		scram_free(&a);
		scram_free(&b);
	}

	refuses_first("r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	    ERR_AUTH, "a nonce that does not extend ours");
	refuses_first("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
	    "i=4096", ERR_AUTH, "a nonce that adds nothing");
	refuses_first("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
	    "i=1", ERR_AUTH, "too few iterations");
	refuses_first("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
	    "i=99999999", ERR_AUTH, "too many iterations");
	refuses_first("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
	    "i=4096x", ERR_PROTOCOL, "a bad iteration count");
	refuses_first("r=rOprNGfwEbeRWgbNEkqOxyz,s=not*base64,i=4096",
	    ERR_PROTOCOL, "a bad salt");
	refuses_first("r=rOprNGfwEbeRWgbNEkqOxyz,i=4096", ERR_PROTOCOL,
	    "no salt");
	refuses_first("s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOxyz,"
	    "i=4096", ERR_PROTOCOL, "attributes out of order");
	refuses_first("m=ext,r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6"
	    "gQ==,i=4096", ERR_PROTOCOL, "a mandatory extension");
	refuses_first("e=unknown-user", ERR_AUTH, "a server error");

	refuses_final("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
	    ERR_AUTH, "a wrong server signature");
	refuses_final("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", ERR_AUTH,
	    "a signature of the wrong length");
	refuses_final("v=", ERR_AUTH, "an empty signature");
	refuses_final("e=invalid-proof", ERR_AUTH, "an error instead");
	refuses_final("x=1", ERR_PROTOCOL, "no signature");

	/* Out of order: a verify before the proof was sent. */
	scram_init(&sc, SCRAM_SHA_256, "user", "pencil", "n", &e);
	t_ok(scram_verify(&sc, "v=AAAA", 6, &e) < 0 && !scram_verified(&sc),
	    "a signature before the proof is refused");
	scram_free(&sc);

	b64_round("", 0, "");
	b64_round("a", 1, "YQ==");
	b64_round("ab", 2, "YWI=");
	b64_round("abc", 3, "YWJj");
	b64_round("\0user\0p\xc3\xa4ss", 11, "AHVzZXIAcMOkc3M=");
	b64_bad("YQ=");
	b64_bad("Y===");
	b64_bad("YQ=A");
	b64_bad("Y Q=");
	b64_bad("====");
	b64_bad("YW\tJ");
	buf_free(&out);
	test_oauth_user();
	return t_done();
}
