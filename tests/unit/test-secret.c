/* SPDX-License-Identifier: MIT */
/*
 * Secrets from a file, a command and the environment (lib/secret.c): the
 * first line, without its line ending, however long; the environment's
 * removed once taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "secret.h"
#include "t.h"

int
main(void)
{
	static char sh[] = "/bin/sh", dash_c[] = "-c";
	char path[] = "/tmp/imapctl-secret-XXXXXX";
	char *argv[4], *big;
	struct buf b = BUF_INIT(SECRET_MAX);
	struct err e;
	size_t n = 10000;
	FILE *fp;
	int fd;

	big = malloc(n + 1);
	if (big == NULL)
		abort();
	memset(big, 'k', n);
	big[n] = '\0';
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	fprintf(fp, "%s\r\nsecond line\n", big);
	fclose(fp);

	t_ok(secret_from_file(&b, path, &e) == 0, "file: read");
	t_memeq(b.s, b.len, big, n, "file: the first line, CR LF removed");
	buf_wipe(&b);

	argv[0] = sh;
	argv[1] = dash_c;
	argv[3] = NULL;
	argv[2] = malloc(strlen(path) + 16);
	if (argv[2] == NULL)
		abort();
	snprintf(argv[2], strlen(path) + 16, "cat '%s'", path);
	t_ok(secret_run(&b, argv, "password command", 5000, &e) == 0 &&
	    b.len == n && memcmp(b.s, big, n) == 0, "command: the first line");
	buf_wipe(&b);
	free(argv[2]);

	setenv("IMAPCTL_TEST_SECRET", "env secret", 1);
	t_ok(secret_from_env(&b, "IMAPCTL_TEST_SECRET", &e) == 1 &&
	    getenv("IMAPCTL_TEST_SECRET") == NULL, "environment: taken and "
	    "removed");
	t_streq(b.s, "env secret", "environment: the value");
	buf_wipe(&b);
	/* Longer than a secret may be: an error, nothing kept, still wiped. */
	{
		char *big_env = malloc(SECRET_MAX + 2);

		if (big_env == NULL)
			abort();
		memset(big_env, 'p', SECRET_MAX + 1);
		big_env[SECRET_MAX + 1] = '\0';
		setenv("IMAPCTL_TEST_SECRET", big_env, 1);
		t_ok(secret_from_env(&b, "IMAPCTL_TEST_SECRET", &e) < 0 &&
		    e.kind == ERR_CONFIG && b.len == 0 &&
		    getenv("IMAPCTL_TEST_SECRET") == NULL,
		    "environment: too long is an error, and taken away");
		free(big_env);
		buf_wipe(&b);
	}

	unlink(path);
	free(big);
	return t_done();
}
