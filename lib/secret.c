/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/crypto.h>

#include "deadline.h"
#include "secret.h"
#include "banned.h"

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

void
secret_guard(void)
{
	static int done;

	if (!done && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)
		done = 1;
}

int
secret_from_file(struct buf *out, const char *path, struct err *e)
{
	struct stat st;
	char tmp[512], *nl;
	ssize_t n;
	int fd, toolong = 0;

	secret_guard();
	fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_NOINPUT, "cannot read password file "
		    "'%s': %s", path, strerror(errno));
	/* A pipe or a terminal is nobody else's to read. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    ((st.st_mode & 0066) != 0 || (st.st_uid != getuid() &&
	    st.st_uid != 0))) {
		close(fd);
		if ((st.st_mode & 0066) != 0)
			return err_set(e, ERR_CONFIG, "password file '%s' is "
			    "readable or writable by others (mode %04o): run "
			    "chmod 600 '%s'", path,
			    (unsigned)(st.st_mode & 07777), path);
		return err_set(e, ERR_CONFIG, "password file '%s' belongs to "
		    "another user (uid %u)", path, (unsigned)st.st_uid);
	}
	buf_reset(out);
	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		nl = memchr(tmp, '\n', (size_t)n);
		if (buf_add(out, tmp, nl ? (size_t)(nl - tmp) + 1 :
		    (size_t)n) < 0) {
			toolong = 1;
			break;
		}
		if (nl != NULL)
			break;
	}
	OPENSSL_cleanse(tmp, sizeof(tmp));
	close(fd);
	if (n < 0)
		return err_set(e, ERR_NOINPUT, "cannot read password file "
		    "'%s': %s", path, strerror(errno));
	first_line(out);
	if (toolong) {
		OPENSSL_cleanse(out->s, out->len);
		buf_reset(out);
		return err_set(e, ERR_CONFIG, "the first line of password "
		    "file '%s' is longer than %d bytes", path, SECRET_MAX);
	}
	return 0;
}

static long long
now_ms(void)
{
	return deadline_now_ms();
}

/*
 * Reap the child by the deadline: a command may close its standard output
 * and go on running. Returns 0 with *status_r, or 1 when it was still
 * running at the deadline (it is killed and reaped then).
 */
static int
reap_by(pid_t pid, long long deadline, int *status_r)
{
	struct timespec ts;
	long long left;
	long step = 1000000;	/* 1 ms, doubling to 32 ms */
	pid_t r;

	for (;;) {
		r = waitpid(pid, status_r, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return 0;
		left = deadline - now_ms();
		if (left <= 0)
			break;
		ts.tv_sec = 0;
		ts.tv_nsec = step < left * 1000000 ? step : left * 1000000;
		nanosleep(&ts, NULL);
		if (step < 32000000)
			step *= 2;
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, status_r, 0) < 0 && errno == EINTR)
		;
	return 1;
}

/* The child's side: stdin from /dev/null, stdout to the pipe, then exec. */
static void
child(char *const argv[], int out, int errfd)
{
	int fd, saved;

	if ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	dup2(out, 1);
	signal(SIGPIPE, SIG_DFL);
	if (strchr(argv[0], '/') != NULL)
		execv(argv[0], argv);
	else
		execvp(argv[0], argv);
	saved = errno;
	if (write(errfd, &saved, sizeof(saved)) < 0)
		_exit(127);
	_exit(127);
}

/*
 * Read the child's standard output to its end (or the deadline), keeping
 * the first line. Returns 1 on timeout, -1 when the line is too long.
 */
static int
read_first_line(int fd, struct buf *out, long long deadline)
{
	struct pollfd p;
	char tmp[512], *nl;
	ssize_t n;
	int left, r, toolong = 0, done = 0, timedout = 0;

	for (;;) {
		left = (int)(deadline - now_ms());
		if (left <= 0) {
			timedout = 1;
			break;
		}
		p.fd = fd;
		p.events = POLLIN;
		r = poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			timedout = 1;
			break;
		}
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Keep reading to EOF, but only the first line counts. */
		if (done)
			continue;
		nl = memchr(tmp, '\n', (size_t)n);
		if (buf_add(out, tmp, nl ? (size_t)(nl - tmp) + 1 :
		    (size_t)n) < 0) {
			toolong = done = 1;
			OPENSSL_cleanse(out->s, out->len);
			buf_reset(out);
		} else if (nl != NULL)
			done = 1;
	}
	OPENSSL_cleanse(tmp, sizeof(tmp));
	if (timedout)
		return 1;
	return toolong ? -1 : 0;
}

/*
 * Run argv (a program searched in PATH, or a path), with standard input
 * from /dev/null, and take the first line of its standard output. Its
 * standard error passes through. A command that cannot be run, exits
 * non-zero, prints nothing or runs past the timeout (closing its output
 * early does not stop the clock) is a configuration error; one that runs
 * into the run's deadline is a timeout. What is read never reaches a
 * trace.
 */
int
secret_run(struct buf *out, char *const argv[], const char *what,
    int timeout_ms, struct err *e)
{
	long long deadline;
	pid_t pid;
	ssize_t n;
	int fds[2], efds[2], status = 0, r, exec_errno = 0, cut;
	char msg[128];

	deadline = now_ms() + deadline_cap(timeout_ms, &cut);

	secret_guard();
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(e, ERR_INTERNAL, "pipe: %s", strerror(errno));
	if (pipe2(efds, O_CLOEXEC) < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_set(e, ERR_INTERNAL, "pipe: %s", strerror(errno));
	}
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		close(efds[0]);
		close(efds[1]);
		return err_set(e, ERR_INTERNAL, "fork: %s", strerror(errno));
	}
	if (pid == 0)
		child(argv, fds[1], efds[1]);
	close(fds[1]);
	close(efds[1]);
	/* The error pipe closes at exec, or carries exec's errno. */
	do
		n = read(efds[0], &exec_errno, sizeof(exec_errno));
	while (n < 0 && errno == EINTR);
	close(efds[0]);
	buf_reset(out);
	r = n == (ssize_t)sizeof(exec_errno) ? 0 :
	    read_first_line(fds[0], out, deadline);
	close(fds[0]);
	if (r == 1)
		kill(pid, SIGKILL);
	if (reap_by(pid, r == 1 ? now_ms() : deadline, &status) == 1)
		r = 1;
	first_line(out);
	if (n == (ssize_t)sizeof(exec_errno))
		return err_set(e, ERR_CONFIG, "cannot run the %s '%s': %s",
		    what, argv[0], strerror(exec_errno));
	if (r == 1) {
		OPENSSL_cleanse(out->s, out->len);
		buf_reset(out);
		if (cut) {
			snprintf(msg, sizeof(msg), "running the %s", what);
			return deadline_err(e, msg);
		}
		return err_set(e, ERR_CONFIG, "%s timed out after %d s", what,
		    (timeout_ms + 999) / 1000);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, ERR_CONFIG, "%s failed (exit status %d)",
		    what, WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status));
	if (r < 0)
		return err_set(e, ERR_CONFIG, "%s printed a line longer than "
		    "%d bytes", what, SECRET_MAX);
	if (out->len == 0)
		return err_set(e, ERR_CONFIG, "%s printed nothing", what);
	return 0;
}

/*
 * Take a secret from the environment and remove it from there: 1, 0 when
 * it is not set, -1 when it is longer than out holds (out then empty).
 */
int
secret_from_env(struct buf *out, const char *name, struct err *e)
{
	char *v = getenv(name);
	int r = 1;

	if (v == NULL)
		return 0;
	secret_guard();
	buf_reset(out);
	if (buf_adds(out, v) < 0) {
		OPENSSL_cleanse(out->s, out->len);
		buf_reset(out);
		r = err_set(e, ERR_CONFIG, "%s is longer than %d bytes", name,
		    SECRET_MAX);
	}
	/*
	 * Wiped where it is, not only unset: the initial environment is what
	 * /proc/PID/environ shows for as long as the process runs.
	 */
	OPENSSL_cleanse(v, strlen(v));
	unsetenv(name);
	return r;
}
