/* SPDX-License-Identifier: MIT */
/*
 * bench/rawclient: the least a status probe must do, timed in one
 * process, as the baseline bench/probe measures imapctl against. Each of
 * N rounds: TCP connect, a TLS handshake verified against CAFILE alone
 * (SNI and host name), the greeting, AUTHENTICATE PLAIN with SASL-IR,
 * STATUS INBOX, LOGOUT, one command at a time. With "list" after N, the
 * STATUS is a LIST of every mailbox with their counts (LIST-STATUS), as
 * imapctl list --status asks. Prints the mean and the median of a round
 * in milliseconds.
 *
 *   rawclient HOST PORT USER PASSWORD CAFILE N [list]
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Read lines until one starts with tag (NULL: the first line). */
static int
read_until(SSL *ssl, const char *tag)
{
	char buf[16384];
	size_t len = 0;
	int n;
	char *nl, *line;

	for (;;) {
		n = SSL_read(ssl, buf + len, (int)(sizeof(buf) - 1 - len));
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		line = buf;
		while ((nl = strstr(line, "\r\n")) != NULL) {
			if (tag == NULL || strncmp(line, tag, strlen(tag)) == 0)
				return 0;
			line = nl + 2;
		}
		memmove(buf, line, len - (size_t)(line - buf));
		len -= (size_t)(line - buf);
	}
}

static int
cmd(SSL *ssl, const char *line, const char *tag)
{
	return SSL_write(ssl, line, (int)strlen(line)) <= 0 ? -1 :
	    read_until(ssl, tag);
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct addrinfo hints, *res;
	unsigned char plain[512];
	char b64[1024], line[1200];
	double *t, sum = 0, t0;
	size_t ulen, plen;
	int i, n, fd, one = 1;

	if (argc != 7 && !(argc == 8 && strcmp(argv[7], "list") == 0)) {
		fprintf(stderr, "usage: rawclient HOST PORT USER PASSWORD "
		    "CAFILE N [list]\n");
		return 64;
	}
	n = atoi(argv[6]);
	if (n < 1)
		return 64;
	ulen = strlen(argv[3]);
	plen = strlen(argv[4]);
	if (ulen + plen + 2 > sizeof(plain))
		return 64;
	plain[0] = '\0';
	memcpy(plain + 1, argv[3], ulen);
	plain[1 + ulen] = '\0';
	memcpy(plain + 2 + ulen, argv[4], plen);
	EVP_EncodeBlock((unsigned char *)b64, plain, (int)(ulen + plen + 2));
	snprintf(line, sizeof(line), "a AUTHENTICATE PLAIN %s\r\n", b64);
	t = calloc((size_t)n, sizeof(*t));
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	for (i = 0; i < n; i++) {
		SSL_CTX *ctx;
		SSL *ssl;

		t0 = now_ms();
		if (getaddrinfo(argv[1], argv[2], &hints, &res) != 0)
			return 69;
		fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
		if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0)
			return 69;
		freeaddrinfo(res);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ctx = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		if (SSL_CTX_load_verify_locations(ctx, argv[5], NULL) != 1)
			return 66;
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, fd);
		SSL_set_tlsext_host_name(ssl, argv[1]);
		SSL_set1_host(ssl, argv[1]);
		if (SSL_connect(ssl) != 1 || read_until(ssl, NULL) < 0 ||
		    cmd(ssl, line, "a ") < 0 ||
		    cmd(ssl, argc == 8 ? "b LIST \"\" \"*\" RETURN "
		    "(SPECIAL-USE CHILDREN STATUS (MESSAGES UNSEEN RECENT "
		    "UIDNEXT UIDVALIDITY SIZE))\r\n" : "b STATUS INBOX "
		    "(MESSAGES UNSEEN UIDNEXT UIDVALIDITY)\r\n", "b ") < 0 ||
		    cmd(ssl, "c LOGOUT\r\n", "c ") < 0)
			return 74;
		SSL_free(ssl);
		SSL_CTX_free(ctx);
		close(fd);
		t[i] = now_ms() - t0;
		sum += t[i];
	}
	qsort(t, (size_t)n, sizeof(*t), cmpd);
	printf("%.2f %.2f\n", sum / n, t[n / 2]);
	free(t);
	return 0;
}
