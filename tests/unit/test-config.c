/* SPDX-License-Identifier: MIT */
/*
 * The configuration file: accounts and their keys, quoted values,
 * commands as shell lines or JSON arrays, and every kind of mistake
 * refused with the file and line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "t.h"

static int
parse(struct config *c, const char *text, struct err *e)
{
	memset(c, 0, sizeof(*c));
	err_clear(e);
	return config_parse(c, "conf", text, strlen(text), e);
}

static void
refused(const char *text, const char *want, const char *name)
{
	struct config c;
	struct err e;

	if (t_ok(parse(&c, text, &e) < 0 && e.kind == ERR_CONFIG, name))
		t_streq(e.msg, want, name);
	config_free(&c);
}

int
main(void)
{
	static const char full[] =
	    "# accounts\n"
	    "\n"
	    "[account work]\n"
	    "host = imap.example.org\n"
	    "port = 1993\n"
	    "user = \"me@example.org\"\n"
	    "tls = starttls\n"
	    "cafile = /etc/ssl/work.pem\n"
	    "auth = SCRAM-SHA-256\n"
	    "password_cmd = pass show mail/work | head -1\n"
	    "timeout = 2.5\n"
	    "sasl_ir = false\n"
	    "id = yes\n"
	    "default = true\n"
	    "\t# indented comment\n"
	    "[ account gmail ]\n"
	    "host=imap.gmail.com\n"
	    "oauth2_token_cmd = [\"oama\", \"access\", \"me@gmail.com\"]\r\n"
	    "  user = \" spaced \\u00e9 \"  \n";
	const struct account *a;
	struct config c;
	struct err e;

	t_ok(parse(&c, full, &e) == 0, "a full file parses");
	if (e.msg[0])
		printf("#   %s\n", e.msg);
	t_ok(c.naccounts == 2, "two accounts");
	a = config_account(&c, "work");
	t_ok(a != NULL && config_default(&c) == a, "work is the default");
	if (a != NULL) {
		t_streq(a->host, "imap.example.org", "host");
		t_streq(a->port, "1993", "port");
		t_streq(a->user, "me@example.org", "a quoted user");
		t_ok(a->tls == TLS_STARTTLS, "tls");
		t_streq(a->cafile, "/etc/ssl/work.pem", "cafile");
		t_ok(a->auth == AUTH_SCRAM_SHA_256, "auth, any case");
		t_ok(a->timeout_ms == 2500, "timeout in seconds");
		t_ok(a->sasl_ir == 0 && a->id == 1, "booleans");
		t_ok(a->password_cmd != NULL &&
		    strcmp(a->password_cmd[0], "/bin/sh") == 0 &&
		    strcmp(a->password_cmd[1], "-c") == 0 &&
		    strcmp(a->password_cmd[2], "pass show mail/work | head -1")
		    == 0 && a->password_cmd[3] == NULL,
		    "a command line runs with /bin/sh");
		t_ok(a->token_cmd == NULL, "no token command");
		t_ok(a->line == 3, "the account's line");
	}
	a = config_account(&c, "gmail");
	t_ok(a != NULL, "the second account");
	if (a != NULL) {
		t_streq(a->host, "imap.gmail.com", "key=value without blanks");
		t_ok(a->token_cmd != NULL &&
		    strcmp(a->token_cmd[0], "oama") == 0 &&
		    strcmp(a->token_cmd[2], "me@gmail.com") == 0 &&
		    a->token_cmd[3] == NULL, "a JSON array runs as argv");
		t_memeq(a->user, strlen(a->user), " spaced \xc3\xa9 ", 11,
		    "JSON string escapes; blanks inside quotes kept");
		t_ok(a->tls == -1 && a->auth == -1 && a->port == NULL &&
		    a->timeout_ms == -1 && a->is_default != 1,
		    "what is not set stays unset");
	}
	t_ok(config_account(&c, "nope") == NULL, "an unknown account");
	t_ok(config_has_secrets(&c), "commands count as secrets");
	config_free(&c);

	t_ok(parse(&c, "", &e) == 0 && c.naccounts == 0 &&
	    config_default(&c) == NULL, "an empty file");
	config_free(&c);
	t_ok(parse(&c, "[account a]\nhost = h\n", &e) == 0 &&
	    !config_has_secrets(&c) && config_default(&c) == NULL,
	    "no default unless marked");
	config_free(&c);

	refused("host = h\n", "conf:1: 'host' is outside an [account NAME] "
	    "section", "a key before any section");
	refused("[account a]\nhots = h\n", "conf:2: unknown key 'hots'",
	    "an unknown key");
	refused("[account a]\n\nhost\n", "conf:3: expected 'key = value' or "
	    "'[account NAME]'", "a line without '='");
	refused("[server a]\n", "conf:1: unknown section '[server a]': use "
	    "'[account NAME]'", "an unknown section");
	refused("[account a\n", "conf:1: expected '[account NAME]'",
	    "an unclosed section");
	refused("[account]\n", "conf:1: unknown section '[account]': use "
	    "'[account NAME]'", "a section without a name");
	refused("[account a b]\n", "conf:1: bad account name 'a b': use "
	    "letters, digits and . _ @ + -", "a name with a blank");
	refused("[account a]\n[account a]\n", "conf:2: account 'a' is "
	    "defined twice", "an account twice");
	refused("[account a]\nhost = h\nhost = i\n", "conf:3: 'host' is given "
	    "twice in this account", "a key twice");
	refused("[account a]\nhost =\n", "conf:2: 'host' needs a value",
	    "an empty value");
	refused("[account a]\nport = 99999\n", "conf:2: bad port '99999': "
	    "give 1 to 65535", "a bad port");
	refused("[account a]\nport = 0\n", "conf:2: bad port '0': give 1 to "
	    "65535", "port zero");
	refused("[account a]\ntls = maybe\n", "conf:2: bad tls 'maybe': use "
	    "implicit, starttls or none", "a bad tls");
	refused("[account a]\ntls = STARTTLS\n", "conf:2: bad tls 'STARTTLS': "
	    "use implicit, starttls or none", "tls is lower case, as --tls");
	refused("[account a]\nauth = gssapi\n", "conf:2: bad auth 'gssapi': "
	    "use auto, scram-sha-256, scram-sha-1, plain, login, xoauth2 or "
	    "oauthbearer", "a bad auth");
	refused("[account a]\ntimeout = 0\n", "conf:2: bad timeout '0': give "
	    "a duration such as 30, 30s or 2min, at most a day",
	    "a bad timeout");
	refused("[account a]\ndefault = 1\n", "conf:2: bad value '1': use "
	    "true or false", "a bad boolean");
	refused("[account a]\ndefault = true\n[account b]\ndefault = true\n",
	    "conf:4: a second default account; 'a' is the default already",
	    "two defaults");
	refused("[account a]\nuser = \"abc\n", "conf:2: bad quoted value "
	    "\"abc: a value in quotes is a JSON string", "an unclosed quote");
	refused("[account a]\nuser = \"a\" b\n", "conf:2: bad quoted value "
	    "\"a\" b: a value in quotes is a JSON string",
	    "text after a quoted value");
	refused("[account a]\nuser = \"a\\u0000b\"\n", "conf:2: bad quoted "
	    "value \"a\\u0000b\": a value in quotes is a JSON string",
	    "a NUL in a quoted value");
	refused("[account a]\npassword_cmd = [\"pass\", 1]\n", "conf:2: bad "
	    "command: a command in [ ] must be a JSON array of strings, "
	    "without NUL, the first not empty", "a non-string argument");
	refused("[account a]\npassword_cmd = []\n", "conf:2: bad command: an "
	    "empty command", "an empty array");
	refused("[account a]\npassword_cmd = [\"pass\"\n", "conf:2: bad "
	    "command: a command in [ ] must be a JSON array of strings",
	    "a broken array");
	refused("[account a]\nHost = h\n", "conf:2: bad key 'Host'",
	    "keys are lower case");
	{
		static const char nul[] = "[account a]\nhost = h\0x\n";

		memset(&c, 0, sizeof(c));
		t_ok(config_parse(&c, "conf", nul, sizeof(nul) - 1, &e) < 0,
		    "a NUL byte");
		t_streq(e.msg, "conf: the file holds a NUL byte", "a NUL byte");
		config_free(&c);
	}
	{
		char big[CONFIG_MAX_LINE + 64];

		strcpy(big, "[account a]\nhost = ");
		memset(big + strlen(big), 'h', CONFIG_MAX_LINE);
		big[19 + CONFIG_MAX_LINE] = '\0';
		refused(big, "conf:2: line longer than 8192 bytes",
		    "a line too long");
	}
	{
		int ms;

		t_ok(config_parse_timeout("30", &ms) == 0 && ms == 30000,
		    "timeout 30");
		t_ok(config_parse_timeout("0.0001", &ms) == 0 && ms == 1,
		    "a tiny timeout is one millisecond");
		t_ok(config_parse_timeout("1s", &ms) == 0 && ms == 1000 &&
		    config_parse_timeout("2min", &ms) == 0 && ms == 120000 &&
		    config_parse_timeout("1.5min", &ms) == 0 && ms == 90000,
		    "timeouts with units");
		t_ok(config_parse_timeout("86401", &ms) < 0 &&
		    config_parse_timeout("2d", &ms) < 0 &&
		    config_parse_timeout("-1", &ms) < 0 &&
		    config_parse_timeout("0s", &ms) < 0 &&
		    config_parse_timeout("min", &ms) < 0 &&
		    config_parse_timeout("5m", &ms) < 0 &&
		    config_parse_timeout("1x", &ms) < 0, "bad timeouts");
	}
	return t_done();
}
