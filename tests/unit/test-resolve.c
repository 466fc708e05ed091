/* SPDX-License-Identifier: MIT */
/*
 * Name resolution that times out (lib/net.c). getaddrinfo_a and friends
 * are replaced here by a resolver that never answers: the executable's
 * definitions take precedence over the C library's. A request that the
 * resolver cannot cancel is still written to by its thread after the
 * client has given up, so it must stay valid: the test plays that thread
 * once conn_open has returned, after the stack has been reused.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "net.h"
#include "t.h"

static struct gaicb *pending;
static struct gaicb *volatile stalled;	/* the resolver's for good */
static int cancel_answer;

int
getaddrinfo_a(int mode, struct gaicb *list[], int n, struct sigevent *sev)
{
	(void)mode;
	(void)sev;
	if (n != 1)
		abort();
	pending = list[0];
	return 0;
}

int
gai_suspend(const struct gaicb *const list[], int n,
    const struct timespec *timeout)
{
	(void)list;
	(void)n;
	(void)timeout;
	return EAI_AGAIN;
}

int
gai_error(struct gaicb *req)
{
	(void)req;
	return EAI_INPROGRESS;
}

int
gai_cancel(struct gaicb *req)
{
	(void)req;
	return cancel_answer;
}

/* Whatever comes next on the stack. */
static int __attribute__((noinline))
scribble(int seed)
{
	volatile char junk[8192];
	size_t i;
	int sum = 0;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(seed + (int)i);
	for (i = 0; i < sizeof(junk); i += 512)
		sum += junk[i];
	return sum;
}

int
main(void)
{
	static char host[] = "stalled.example";
	const struct addrinfo *hints;
	struct conn *c;
	struct err e;

	cancel_answer = EAI_NOTCANCELED;
	err_clear(&e);
	c = conn_open(host, "993", 1000, NULL, &e);
	t_ok(c == NULL && e.kind == ERR_TIMEOUT, "a resolver that does not "
	    "answer: a timeout");
	t_streq(e.msg, "timed out after 1 s resolving 'stalled.example'",
	    "the message names the host");
	(void)scribble(0x5a);
	/* The resolver's thread, late: it reads the request and answers. */
	hints = pending->ar_request;
	t_ok(pending->ar_name == host && hints != NULL &&
	    hints->ai_socktype == SOCK_STREAM && hints->ai_family == AF_UNSPEC,
	    "a request that could not be cancelled is still intact after the "
	    "timeout");
	t_memeq(pending->ar_service, strlen(pending->ar_service), "993", 3,
	    "its service too");
	pending->ar_result = NULL;
	stalled = pending;

	cancel_answer = EAI_CANCELED;
	err_clear(&e);
	c = conn_open(host, "993", 1000, NULL, &e);
	t_ok(c == NULL && e.kind == ERR_TIMEOUT, "a cancelled request: a "
	    "timeout too (and nothing leaks)");
	return t_done();
}
