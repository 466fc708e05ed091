#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <openssl/crypto.h>

#include "secret.h"

/* Keep the first line only, without its line ending. */
static void
first_line(struct buf *b)
{
	char *nl = memchr(b->s, '\n', b->len);

	if (nl != NULL) {
		OPENSSL_cleanse(nl, b->len - (size_t)(nl - b->s));
		buf_truncate(b, (size_t)(nl - b->s));
	}
	if (b->len > 0 && b->s[b->len - 1] == '\r')
		buf_truncate(b, b->len - 1);
}

int
secret_from_file(struct buf *out, const char *path, struct err *e)
{
	char tmp[512];
	ssize_t n;
	int fd;

	fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_NOINPUT, "cannot read password file "
		    "'%s': %s", path, strerror(errno));
	buf_reset(out);
	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf_add(out, tmp, (size_t)n) < 0)
			break;
		if (memchr(tmp, '\n', (size_t)n) != NULL)
			break;
	}
	OPENSSL_cleanse(tmp, sizeof(tmp));
	close(fd);
	if (n < 0)
		return err_set(e, ERR_NOINPUT, "cannot read password file "
		    "'%s': %s", path, strerror(errno));
	first_line(out);
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Run cmd with /bin/sh, take the first line of its standard output. Its
 * standard error passes through; a non-zero exit, no output or a command
 * that runs past the timeout is a configuration error.
 */
int
secret_from_cmd(struct buf *out, const char *cmd, int timeout_ms,
    struct err *e)
{
	struct pollfd p;
	char tmp[512];
	long long deadline = now_ms() + timeout_ms;
	pid_t pid;
	ssize_t n;
	int fds[2], status, left, timedout = 0, r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(e, ERR_INTERNAL, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_set(e, ERR_INTERNAL, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	buf_reset(out);
	for (;;) {
		left = (int)(deadline - now_ms());
		if (left <= 0) {
			timedout = 1;
			break;
		}
		p.fd = fds[0];
		p.events = POLLIN;
		r = poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			timedout = 1;
			break;
		}
		n = read(fds[0], tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Keep reading to EOF, but only the first line counts. */
		if (memchr(out->s, '\n', out->len) == NULL &&
		    buf_add(out, tmp, (size_t)n) < 0)
			break;
	}
	OPENSSL_cleanse(tmp, sizeof(tmp));
	close(fds[0]);
	if (timedout)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	first_line(out);
	if (timedout)
		return err_set(e, ERR_CONFIG, "password command timed out "
		    "after %d s", (timeout_ms + 999) / 1000);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, ERR_CONFIG, "password command failed "
		    "(exit status %d)", WIFEXITED(status) ?
		    WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (out->len == 0)
		return err_set(e, ERR_CONFIG, "password command printed "
		    "nothing");
	return 0;
}

/* Take a secret from the environment and remove it from there. */
int
secret_from_env(struct buf *out, const char *name)
{
	const char *v = getenv(name);

	if (v == NULL)
		return 0;
	buf_reset(out);
	buf_adds(out, v);
	unsetenv(name);
	return 1;
}
