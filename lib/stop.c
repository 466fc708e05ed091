/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "stop.h"
#include "banned.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSTOP	(sizeof(stop_signals) / sizeof(stop_signals[0]))

static volatile sig_atomic_t first;	/* the first signal, or 0 */
static volatile sig_atomic_t count;	/* how many */
static int pipe_r = -1, pipe_w = -1;
static int changing;

/* Only what is async-signal-safe: the others are blocked meanwhile. */
static void
on_signal(int sig)
{
	int saved = errno;

	if (first == 0)
		first = sig;
	if (count < 1000)
		count++;
	if (pipe_w >= 0)
		(void)!write(pipe_w, "", 1);
	errno = saved;
}

void
stop_catch(void)
{
	struct sigaction sa, old;
	int fds[2];
	size_t i;

	if (pipe_r >= 0)
		return;
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
		pipe_r = fds[0];
		pipe_w = fds[1];
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* Writes to a terminal or pipe go on; poll wakes by the pipe. */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NSTOP; i++)
		sigaddset(&sa.sa_mask, stop_signals[i]);
	for (i = 0; i < NSTOP; i++) {
		if (sigaction(stop_signals[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(stop_signals[i], &sa, NULL);
	}
}

int
stop_signal(void)
{
	return first;
}

unsigned
stop_count(void)
{
	return (unsigned)count;
}

int
stop_fd(void)
{
	return pipe_r;
}

void
stop_drain(void)
{
	char b[64];

	if (pipe_r < 0)
		return;
	while (read(pipe_r, b, sizeof(b)) > 0)
		;
}

void
stop_changing(void)
{
	changing = 1;
}

const char *
stop_name(void)
{
	switch (first) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	}
	return "a signal";
}

int
stop_err(struct err *e)
{
	return err_set(e, ERR_INTERRUPTED, "stopped by %s%s", stop_name(),
	    changing ? "" : " before anything was changed");
}

void
stop_exit(void)
{
	sigset_t set;
	int sig = first;

	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}
