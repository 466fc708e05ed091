/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for whole sessions: imapctl's own main() runs a
 * command of each shape against a server whose bytes are the input.
 *
 * The first byte picks the command line (a command, its mode, pipelined
 * or not); the second seeds the generator that cuts the server's bytes
 * into the pieces each read returns, from one byte to several KiB; the
 * rest is what the server sends, greeting first. The end of the input is
 * the server closing the connection. Only the network is replaced, at
 * link time (the conn_* functions below; lib/net.c is left out of this
 * harness's library): the client's writes go nowhere. Everything above
 * the socket is the real code: the parser, the session and its
 * pipelines, each command's untagged handlers, literal sinks and done
 * callbacks, the files fetch and append read and write (in a directory of
 * their own, in /dev/shm when there is one, emptied after each input and
 * removed at the end), and the records, emitted to /dev/null. The
 * sanitizers and the leak checker are the oracle: an input may make any
 * command fail, but never read or write memory it should not, nor leak.
 *
 * The seeds in corpus/fuzz-session are what the hostile server sent to
 * each command line (tests/fuzz/make-session-seeds).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "err.h"
#include "net.h"
#include "xalloc.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	imapctl_main(int, char **);	/* cmd/main.c's main, renamed */

#define MAX_ARGS	32

/* The command lines, after the connection options; @ is the directory. */
static const char *const shapes[][12] = {
	{ "list", NULL },
	{ "list", "--status", "-o", "json", NULL },
	{ "status", "INBOX", "Archive", "Drafts", NULL },
	{ "info", "-o", "xml", NULL },
	{ "quota", NULL },
	{ "check", NULL },
	{ "fetch", "INBOX", "1:3", "-o", "jsonl", NULL },
	{ "fetch", "INBOX", "1:3", "--raw", NULL },
	{ "fetch", "INBOX", "1:3", "--text", "--mark-seen", NULL },
	{ "fetch", "INBOX", "1:3", "--attachments", "@", "--force", NULL },
	{ "fetch", "INBOX", "1:3", "--headers", NULL },
	{ "fetch", "INBOX", "1:3", "--structure", "-o", "json", NULL },
	{ "fetch", "INBOX", "2", "--part", "1", NULL },
	{ "fetch", "INBOX", "1:3", "--raw", "--save", "@", "--force",
	    "--mark-seen", NULL },
	{ "search", "INBOX", "all", NULL },
	{ "search", "INBOX", "all", "--sort", "-date", "--limit", "2",
	    NULL },
	{ "search", "INBOX", "all", "--count", NULL },
	{ "search", "INBOX", "older:1d", NULL },
	{ "search", "INBOX", "all", "--summary", NULL },
	{ "flag", "INBOX", "1:3", "--add", "seen", NULL },
	{ "move", "INBOX", "1:3", "Archive", NULL },
	{ "move", "INBOX", "1:3", "Archive", "--create", NULL },
	{ "delete", "INBOX", "1:3", NULL },
	{ "delete", "INBOX", "1:3", "--trash", NULL },
	{ "append", "Drafts", "@/m1.eml", "@/m2.eml", NULL },
	{ "mailbox", "delete", "Foo", "--max", "5", NULL },
	{ "raw", "--select", "INBOX", "UID", "FETCH", "1:*", "FLAGS", NULL },
	{ "watch", "INBOX", "--duration", "0.001", NULL },
	{ "flag", "INBOX", "--query", "unseen", "--add", "flagged", NULL },
};
#define NSHAPES	(sizeof(shapes) / sizeof(shapes[0]))

/* The server: what is left of the input, read in pieces. */
static struct {
	const uint8_t	*p;
	size_t		 left;
	uint32_t	 rng;
	int		 opened;
} server;

static char dir[64];		/* HOME, and the files of the commands */
static char outdir[80];
static int wrote;		/* the command line writes into outdir */

struct conn {
	int	 closed;
};

static uint32_t
rng_next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* The network, as the command line's one connection to the input. */
struct conn *
conn_open(const char *host, const char *port, int timeout_ms,
    const struct proxy *px, struct err *e)
{
	(void)host;
	(void)port;
	(void)timeout_ms;
	(void)px;
	if (server.opened++) {
		err_set(e, ERR_CONFIG, "one connection an input");
		return NULL;
	}
	return xcalloc(1, sizeof(struct conn));
}

struct conn *
conn_tunnel(char *const argv[], int timeout_ms, struct err *e)
{
	(void)argv;
	(void)timeout_ms;
	err_set(e, ERR_CONFIG, "no tunnel when fuzzing");
	return NULL;
}

int
conn_starttls(struct conn *c, const char *host, const struct tls_opts *o,
    struct err *e)
{
	(void)c;
	(void)host;
	(void)o;
	return err_set(e, ERR_AUTH, "no TLS when fuzzing");
}

/* A piece of the input: mostly a few bytes, now and then several KiB. */
ssize_t
conn_read(struct conn *c, void *p, size_t len, struct err *e)
{
	uint32_t r;
	size_t n;

	if (c->closed || server.left == 0)
		return err_set(e, ERR_IO, "server closed the connection");
	r = rng_next(&server.rng);
	n = (r & 3) == 0 ? 1 + (r >> 2) % 8192 : 1 + (r >> 2) % 24;
	if (n > len)
		n = len;
	if (n > server.left)
		n = server.left;
	memcpy(p, server.p, n);
	server.p += n;
	server.left -= n;
	return (ssize_t)n;
}

int
conn_write(struct conn *c, const void *p, size_t len, struct err *e)
{
	(void)p;
	(void)len;
	if (c->closed)
		return err_set(e, ERR_IO, "connection closed");
	return 0;
}

int
conn_pending(struct conn *c)
{
	(void)c;
	return 0;
}

/* Readable while input is left; after it, a wait times out at once. */
int
conn_wait_readable(struct conn *c, int timeout_ms, struct err *e)
{
	(void)c;
	(void)timeout_ms;
	(void)e;
	return server.left > 0;
}

void
conn_set_timeout(struct conn *c, int timeout_ms)
{
	(void)c;
	(void)timeout_ms;
}

void
conn_setup_done(struct conn *c)
{
	(void)c;
}

void
conn_set_idle(struct conn *c, conn_idle_fn fn, void *arg)
{
	(void)c;
	(void)fn;
	(void)arg;
}

void
conn_set_hangup_fd(struct conn *c, int fd)
{
	(void)c;
	(void)fd;
}

int
conn_is_tls(const struct conn *c)
{
	(void)c;
	return 0;
}

void
conn_tls_info(struct conn *c, struct tls_info *ti)
{
	(void)c;
	memset(ti, 0, sizeof(*ti));
}

/* COMPRESS: the stream goes on as it was (what was read ahead is lost). */
int
conn_compress(struct conn *c, const void *ahead, size_t n, struct err *e)
{
	(void)c;
	(void)ahead;
	(void)n;
	(void)e;
	return 0;
}

int
conn_compress_stats(const struct conn *c, struct conn_zstats *zs)
{
	(void)c;
	memset(zs, 0, sizeof(*zs));
	return 0;
}

void
conn_close(struct conn *c)
{
	free(c);
}

/* The harness --------------------------------------------------------- */

static void
write_file(const char *name, const char *text)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) == EOF ||
	    fclose(fp) != 0) {
		perror(path);
		abort();
	}
}

/* What a command wrote in the directory goes, so that nothing piles up. */
static void
empty_outdir(void)
{
	struct dirent *d;
	DIR *dp;

	if ((dp = opendir(outdir)) == NULL)
		abort();
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			unlinkat(dirfd(dp), d->d_name, 0);
	closedir(dp);
}

/* At the end of the run the directory goes too (not after a finding). */
static void
remove_dir(void)
{
	static const char *const files[] = { "m1.eml", "m2.eml",
	    "password" };
	char path[160];
	size_t i;

	empty_outdir();
	rmdir(outdir);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const unset[] = { "IMAPCTL_URL", "IMAPCTL_HOST",
	    "IMAPCTL_USER", "IMAPCTL_ACCOUNT", "IMAPCTL_CONFIG",
	    "IMAPCTL_FORMAT", "IMAPCTL_PASSWORD", "IMAPCTL_PASSWORD_CMD",
	    "XDG_CONFIG_HOME" };
	char path[160];
	size_t i, k;
	int fd;

	(void)argc;
	(void)argv;
	/* For make-session-seeds: the command lines, a tab-separated line each. */
	if (getenv("FUZZ_SESSION_SHAPES") != NULL) {
		for (i = 0; i < NSHAPES; i++) {
			printf("%zu", i);
			for (k = 0; shapes[i][k] != NULL; k++)
				printf("\t%s", shapes[i][k]);
			printf("\n");
		}
		exit(0);
	}
	/*
	 * In memory if it can be: fetch --save and --attachments fsync each
	 * file and the directory, which on a disk shared with others' work
	 * can take milliseconds, longer than the rest of a run.
	 */
	snprintf(dir, sizeof(dir), "/dev/shm/fuzz-session.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz-session.XXXXXX");
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			abort();
		}
	}
	snprintf(outdir, sizeof(outdir), "%s/out", dir);
	if (mkdir(outdir, 0700) < 0)
		abort();
	write_file("m1.eml", "Subject: one\nFrom: a@example.com\n\nOne.\n");
	write_file("m2.eml", "Subject: two\r\n\r\nTwo.\r\n");
	write_file("password", "secret\n");
	/* A password file others may read is refused. */
	snprintf(path, sizeof(path), "%s/password", dir);
	if (chmod(path, 0600) < 0)
		abort();
	atexit(remove_dir);
	for (i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
		unsetenv(unset[i]);
	setenv("HOME", dir, 1);
	/* Records go nowhere; libFuzzer's messages stay on stderr. */
	if ((fd = open("/dev/null", O_WRONLY)) < 0 || dup2(fd, 1) < 0)
		abort();
	close(fd);
	return 0;
}

/* An argument: "@" is the output directory, "@/NAME" a file of ours. */
static void
arg(char *out, const char *a)
{
	if (a[0] == '@')
		snprintf(out, 128, "%s%s", a[1] != '\0' ? dir : outdir, a + 1);
	else
		snprintf(out, 128, "%s", a);
}

/*
 * One command line against one input. The password comes from a file:
 * an environment variable set anew for each input would be memory the run
 * never frees, and the leak checker would then look after every input.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const conn_args[] = { "imapctl", "--tls", "none",
	    "--host", "fuzz.invalid", "--port", "143", "--user", "u",
	    "--timeout", "5", "--allow-cleartext", "--password-file",
	    "@/password" };
	char *argv[MAX_ARGS + 1], buf[MAX_ARGS][128];
	const char *const *shape;
	size_t i, n = 0;

	if (size < 2)
		return 0;
	shape = shapes[data[0] % NSHAPES];
	server.rng = 0x9e3779b9u ^ ((uint32_t)data[1] << 8 | data[1]);
	server.p = data + 2;
	server.left = size - 2;
	server.opened = 0;
	for (i = 0; i < sizeof(conn_args) / sizeof(conn_args[0]); i++)
		arg(buf[n++], conn_args[i]);
	wrote = 0;
	for (i = 0; shape[i] != NULL && n < MAX_ARGS; i++) {
		if (strcmp(shape[i], "@") == 0)
			wrote = 1;
		arg(buf[n++], shape[i]);
	}
	for (i = 0; i < n; i++)
		argv[i] = buf[i];
	argv[n] = NULL;
	imapctl_main((int)n, argv);
	/*
	 * Reading a secret makes the process undumpable, which would stop
	 * the leak checker (it attaches to the process); no real secret is
	 * held here.
	 */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	fflush(stdout);
	clearerr(stdout);
	if (wrote)
		empty_outdir();
	return 0;
}
