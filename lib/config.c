/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include <jansson.h>

#include "buf.h"
#include "choice.h"
#include "config.h"
#include "proxy.h"
#include "range.h"
#include "xalloc.h"
#include "banned.h"

int
config_parse_timeout(const char *s, int *ms_r)
{
	double v;

	if (duration_parse(s, strlen(s), &v) < 0 || !(v > 0) || v > 86400)
		return -1;
	*ms_r = (int)(v * 1000 + 0.5);
	if (*ms_r < 1)
		*ms_r = 1;
	return 0;
}

int
config_parse_retry(const char *s, int *n_r)
{
	int n = 0;

	if (*s == '\0')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (*s - '0')) > CONFIG_MAX_RETRY)
			return -1;
	if (*s != '\0')
		return -1;
	*n_r = n;
	return 0;
}

void
config_argv_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/*
 * A command: a JSON array of strings is a program and its arguments; any
 * other text is a command line for /bin/sh. Returns NULL with a reason.
 */
char **
config_command(const char *s, const char **why_r)
{
	json_error_t jerr;
	json_t *a, *v;
	char **argv;
	size_t i, n;

	if (s[0] != '[') {
		if (s[0] == '\0') {
			*why_r = "an empty command";
			return NULL;
		}
		argv = xcalloc(4, sizeof(*argv));
		argv[0] = xstrdup("/bin/sh");
		argv[1] = xstrdup("-c");
		argv[2] = xstrdup(s);
		return argv;
	}
	a = json_loads(s, 0, &jerr);
	if (a == NULL || !json_is_array(a)) {
		json_decref(a);
		*why_r = "a command in [ ] must be a JSON array of strings";
		return NULL;
	}
	n = json_array_size(a);
	if (n == 0 || n > CONFIG_MAX_ARGV) {
		json_decref(a);
		*why_r = n ? "too many arguments" : "an empty command";
		return NULL;
	}
	argv = xcalloc(n + 1, sizeof(*argv));
	for (i = 0; i < n; i++) {
		v = json_array_get(a, i);
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v) ||
		    (i == 0 && json_string_length(v) == 0)) {
			config_argv_free(argv);
			json_decref(a);
			*why_r = "a command in [ ] must be a JSON array of "
			    "strings, without NUL, the first not empty";
			return NULL;
		}
		argv[i] = xstrdup(json_string_value(v));
	}
	json_decref(a);
	return argv;
}

static void
account_free(struct account *a)
{
	free(a->name);
	free(a->host);
	free(a->port);
	free(a->user);
	free(a->cafile);
	free(a->cert);
	free(a->key);
	free(a->proxy);
	free(a->proxy_user);
	free(a->trash);
	config_argv_free(a->password_cmd);
	config_argv_free(a->token_cmd);
	config_argv_free(a->proxy_password_cmd);
	config_argv_free(a->tunnel);
	free(a->smtp_user);
	config_argv_free(a->smtp_password_cmd);
}

void
config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < c->naccounts; i++)
		account_free(&c->accounts[i]);
	free(c->accounts);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

const struct account *
config_account(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->naccounts; i++)
		if (strcmp(c->accounts[i].name, name) == 0)
			return &c->accounts[i];
	return NULL;
}

const struct account *
config_default(const struct config *c)
{
	size_t i;

	for (i = 0; i < c->naccounts; i++)
		if (c->accounts[i].is_default == 1)
			return &c->accounts[i];
	return NULL;
}

int
config_has_secrets(const struct config *c)
{
	size_t i;

	for (i = 0; i < c->naccounts; i++)
		if (c->accounts[i].password_cmd != NULL ||
		    c->accounts[i].token_cmd != NULL ||
		    c->accounts[i].proxy_password_cmd != NULL ||
		    c->accounts[i].tunnel != NULL ||
		    c->accounts[i].smtp_password_cmd != NULL)
			return 1;
	return 0;
}

/* Where a parse is: for messages. */
struct pos {
	const char	*name;
	unsigned	 line;
	struct err	*e;
};

static int
bad(struct pos *ps, const char *fmt, const char *arg)
{
	char tmp[ERR_MSG_MAX];

	snprintf(tmp, sizeof(tmp), fmt, arg);
	return err_set(ps->e, ERR_CONFIG, "%s:%u: %s", ps->name, ps->line,
	    tmp);
}

static const struct choice tls_words[] = {
	{ "implicit", TLS_IMPLICIT },
	{ "starttls", TLS_STARTTLS },
	{ "none", TLS_NONE },
	{ NULL, 0 }
};
const struct choices tls_mode_choices = { .v = tls_words };

/* A yes or no of the file: true or false, or yes or no. */
static const struct choice bool_words[] = {
	{ "true", 1 }, { "yes", 1 }, { "false", 0 }, { "no", 0 },
	{ NULL, 0 }
};
static const struct choices bool_choices = { .v = bool_words,
    .hint = "true or false" };

static int
valid_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("._@+-", *s) != NULL))
			return 0;
	return 1;
}

/* "~/x" is x in the home directory. */
static char *
expand_home(const char *s)
{
	const char *home = getenv("HOME");
	size_t hn, sn;
	char *p;

	if (strncmp(s, "~/", 2) != 0 || home == NULL || home[0] == '\0')
		return xstrdup(s);
	hn = strlen(home);
	sn = strlen(s + 1);
	p = xmalloc(hn + sn + 1);
	memcpy(p, home, hn);
	memcpy(p + hn, s + 1, sn + 1);
	return p;
}

/* What a key's value is, and how it is read. */
enum key_kind {
	KEY_TEXT,		/* char *, as it is */
	KEY_PATH,		/* char *, ~/ expanded */
	KEY_PORT,		/* char *, 1 to 65535 */
	KEY_PROXY,		/* char *, a proxy URL or "none" */
	KEY_COMMAND,		/* char **, config_command */
	KEY_WORD,		/* int, a word of the key's table */
	KEY_BOOL,		/* int, true or false */
	KEY_TIMEOUT,		/* int, milliseconds */
	KEY_RETRY		/* int, retries */
};

#define KEY(n, k, f) { (n), (k), offsetof(struct account, f), NULL }
#define KEY_WORDS(n, f, w) { (n), KEY_WORD, offsetof(struct account, f), (w) }

/* The keys of an account: each read once, into its typed field. */
static const struct key {
	const char		*name;
	enum key_kind		 kind;
	size_t			 off;	/* of its field in struct account */
	const struct choices	*words;	/* KEY_WORD */
} keys[] = {
	KEY("host", KEY_TEXT, host),
	KEY("port", KEY_PORT, port),
	KEY("user", KEY_TEXT, user),
	KEY("cafile", KEY_PATH, cafile),
	KEY("cert", KEY_PATH, cert),
	KEY("key", KEY_PATH, key),
	KEY("proxy", KEY_PROXY, proxy),
	KEY("trash", KEY_TEXT, trash),
	KEY("proxy_user", KEY_TEXT, proxy_user),
	KEY("proxy_password_cmd", KEY_COMMAND, proxy_password_cmd),
	KEY("tunnel", KEY_COMMAND, tunnel),
	KEY("password_cmd", KEY_COMMAND, password_cmd),
	KEY("oauth2_token_cmd", KEY_COMMAND, token_cmd),
	KEY("smtp_user", KEY_TEXT, smtp_user),
	KEY("smtp_password_cmd", KEY_COMMAND, smtp_password_cmd),
	/* The words the options take too, read by the same tables. */
	KEY_WORDS("tls", tls, &tls_mode_choices),
	KEY_WORDS("auth", auth, &auth_mech_choices),
	KEY("timeout", KEY_TIMEOUT, timeout_ms),
	KEY("sasl_ir", KEY_BOOL, sasl_ir),
	KEY("id", KEY_BOOL, id),
	KEY("allow_cleartext", KEY_BOOL, allow_cleartext),
	KEY("compress", KEY_BOOL, compress),
	KEY("retry", KEY_RETRY, retry),
	KEY("default", KEY_BOOL, is_default),
	KEY("subscribe", KEY_BOOL, subscribe),
};

/* One "key = value" of account a; value already unquoted. */
static int
set_key(struct pos *ps, struct account *a, const char *name,
    const char *val)
{
	const struct key *k;
	struct err ce;
	const char *why;
	char **slot_s, ***slot_argv;
	size_t i;
	int v, *slot_i, set;

	for (k = keys; k < keys + sizeof(keys) / sizeof(keys[0]); k++)
		if (strcmp(name, k->name) == 0)
			break;
	if (k == keys + sizeof(keys) / sizeof(keys[0]))
		return bad(ps, "unknown key '%s'", name);
	slot_s = (char **)(void *)((char *)a + k->off);
	slot_argv = (char ***)(void *)((char *)a + k->off);
	slot_i = (int *)(void *)((char *)a + k->off);
	switch (k->kind) {
	case KEY_TEXT:
	case KEY_PATH:
	case KEY_PORT:
	case KEY_PROXY:
		set = *slot_s != NULL;
		break;
	case KEY_COMMAND:
		set = *slot_argv != NULL;
		break;
	default:
		set = *slot_i != -1;
		break;
	}
	if (set)
		return bad(ps, "'%s' is given twice in this account", name);
	if (val[0] == '\0')
		return bad(ps, "'%s' needs a value", name);
	switch (k->kind) {
	case KEY_PORT:
		v = 0;
		for (i = 0; val[i] >= '0' && val[i] <= '9' && i < 6; i++)
			v = v * 10 + (val[i] - '0');
		if (val[i] != '\0' || v < 1 || v > 65535)
			return bad(ps, "bad port '%s': give 1 to 65535", val);
		*slot_s = xstrdup(val);
		return 0;
	case KEY_PATH:
		*slot_s = expand_home(val);
		return 0;
	case KEY_PROXY:
		if (strcmp(val, "none") != 0) {
			struct proxy px;
			struct err pe;

			if (proxy_parse(val, &px, &pe) < 0)
				return bad(ps, "%s", pe.msg);
			proxy_free(&px);
		}
		*slot_s = xstrdup(val);
		return 0;
	case KEY_TEXT:
		*slot_s = xstrdup(val);
		return 0;
	case KEY_COMMAND:
		if ((*slot_argv = config_command(val, &why)) == NULL)
			return bad(ps, "bad command: %s", why);
		return 0;
	case KEY_WORD:
		if (choice_parse(k->words, val, slot_i) < 0) {
			choice_err(k->words, name, val, &ce);
			return bad(ps, "%s", ce.msg);
		}
		return 0;
	case KEY_RETRY:
		if (config_parse_retry(val, slot_i) < 0)
			return bad(ps, "bad retry '%s': give a number of "
			    "retries, 0 to 100", val);
		return 0;
	case KEY_TIMEOUT:
		if (config_parse_timeout(val, slot_i) < 0)
			return bad(ps, "bad timeout '%s': give a duration "
			    "such as 30, 30s or 2min, at most a day", val);
		return 0;
	case KEY_BOOL:
		if (choice_parse(&bool_choices, val, slot_i) < 0)
			return bad(ps, "bad value '%s': use true or false",
			    val);
		return 0;
	}
	return 0;
}

/* A value: the text as is, or a JSON string when it starts with '"'. */
static int
unquote(struct pos *ps, const char *val, char **out_r)
{
	json_error_t jerr;
	json_t *j;

	if (val[0] != '"') {
		*out_r = xstrdup(val);
		return 0;
	}
	j = json_loads(val, JSON_DECODE_ANY, &jerr);
	if (j == NULL || !json_is_string(j) ||
	    strlen(json_string_value(j)) != json_string_length(j)) {
		json_decref(j);
		return bad(ps, "bad quoted value %s: a value in quotes is a "
		    "JSON string", val);
	}
	*out_r = xstrdup(json_string_value(j));
	json_decref(j);
	return 0;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int
parse_line(struct config *c, struct pos *ps, char *line,
    struct account **cur)
{
	struct account *a;
	char *s = trim(line), *eq, *key, *val, *name;
	size_t i;
	int r;

	if (*s == '\0' || *s == '#')
		return 0;
	if (*s == '[') {
		if (s[strlen(s) - 1] != ']')
			return bad(ps, "expected '[account NAME]'%s", "");
		s[strlen(s) - 1] = '\0';
		s = trim(s + 1);
		if (strncmp(s, "account", 7) != 0 ||
		    (s[7] != ' ' && s[7] != '\t'))
			return bad(ps, "unknown section '[%s]': use "
			    "'[account NAME]'", s);
		name = trim(s + 7);
		if (!valid_name(name))
			return bad(ps, "bad account name '%s': use letters, "
			    "digits and . _ @ + -", name);
		for (i = 0; i < c->naccounts; i++)
			if (strcmp(c->accounts[i].name, name) == 0)
				return bad(ps, "account '%s' is defined "
				    "twice", name);
		if (c->naccounts >= CONFIG_MAX_ACCOUNTS)
			return bad(ps, "more than %s accounts", "1000");
		c->accounts = xrealloc(c->accounts, (c->naccounts + 1) *
		    sizeof(*c->accounts));
		a = &c->accounts[c->naccounts++];
		memset(a, 0, sizeof(*a));
		a->name = xstrdup(name);
		a->line = ps->line;
		a->tls = a->auth = a->timeout_ms = a->sasl_ir = a->id = -1;
		a->allow_cleartext = a->compress = a->retry = -1;
		a->is_default = a->subscribe = -1;
		*cur = a;
		return 0;
	}
	eq = strchr(s, '=');
	if (eq == NULL)
		return bad(ps, "expected 'key = value' or '[account NAME]'%s",
		    "");
	*eq = '\0';
	key = trim(s);
	if (*key == '\0' || strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_")
	    != strlen(key))
		return bad(ps, "bad key '%s'", key);
	if (*cur == NULL)
		return bad(ps, "'%s' is outside an [account NAME] section",
		    key);
	if (unquote(ps, trim(eq + 1), &val) < 0)
		return -1;
	r = set_key(ps, *cur, key, val);
	free(val);
	if (r == 0 && (*cur)->is_default == 1) {
		for (i = 0; i + 1 < c->naccounts; i++)
			if (c->accounts[i].is_default == 1)
				return bad(ps, "a second default account; "
				    "'%s' is the default already",
				    c->accounts[i].name);
	}
	return r;
}

int
config_parse(struct config *c, const char *name, const char *text,
    size_t len, struct err *e)
{
	struct account *cur = NULL;
	struct pos ps = { name, 0, e };
	const char *p = text, *end = text + len, *nl;
	char *line;
	size_t n;
	int r = 0;

	if (c->path == NULL)
		c->path = xstrdup(name);
	if (memchr(text, '\0', len) != NULL)
		return err_set(e, ERR_CONFIG, "%s: the file holds a NUL byte",
		    name);
	while (p < end && r == 0) {
		ps.line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > CONFIG_MAX_LINE)
			return bad(&ps, "line longer than %s bytes", "8192");
		line = xstrndup(p, n);
		r = parse_line(c, &ps, line, &cur);
		free(line);
		p += n + 1;
	}
	return r;
}

int
config_load(struct config *c, const char *path, int must_exist,
    struct err *e)
{
	struct stat st;
	struct buf text;
	int fd, r;

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		return err_set(e, ERR_NOINPUT, "cannot read config file '%s': "
		    "%s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? EISDIR : errno;
		close(fd);
		return err_set(e, ERR_NOINPUT, "cannot read config file '%s': "
		    "%s", path, strerror(r));
	}
	buf_init(&text, CONFIG_MAX_FILE);
	r = buf_read_fd(&text, fd);
	if (r == -1)
		r = errno;
	close(fd);
	if (r != 0) {
		buf_wipe(&text);
		if (r == -2)
			return err_set(e, ERR_CONFIG, "config file '%s' is "
			    "larger than %d bytes", path, CONFIG_MAX_FILE);
		return err_set(e, ERR_NOINPUT, "cannot read config file '%s': "
		    "%s", path, strerror(r));
	}
	r = config_parse(c, path, text.s, text.len, e);
	buf_wipe(&text);
	if (r < 0 || !S_ISREG(st.st_mode))
		return r;
	/*
	 * Whoever can write the file chooses the server, "tls = none" and
	 * the CA that is trusted, password commands or not.
	 */
	if ((st.st_mode & 0022) != 0)
		return err_set(e, ERR_CONFIG, "config file '%s' is writable by "
		    "others (mode %04o): run chmod go-w '%s'", path,
		    (unsigned)(st.st_mode & 07777), path);
	if (st.st_uid != getuid() && st.st_uid != 0)
		return err_set(e, ERR_CONFIG, "config file '%s' belongs to "
		    "another user (uid %u)", path, (unsigned)st.st_uid);
	/* Commands that print secrets often carry one; and they run as us. */
	if (config_has_secrets(c) && (st.st_mode & 0044) != 0)
		return err_set(e, ERR_CONFIG, "config file '%s' holds password "
		    "or token commands and is readable by others (mode %04o): "
		    "run chmod 600 '%s'", path,
		    (unsigned)(st.st_mode & 07777), path);
	return 0;
}
