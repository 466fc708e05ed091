/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "throttle.h"
#include "banned.h"

#define BACKOFF		"Suggested Backoff Time:"
#define BACKOFF_MAX_MS	(24L * 3600 * 1000)

/* Whether text holds word, case-insensitive. */
static int
has_word(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (; *text != '\0'; text++)
		if (strncasecmp(text, word, n) == 0)
			return 1;
	return 0;
}

/* Outlook's "... Suggested Backoff Time: 5000 milliseconds": the number. */
static long
suggested(const char *text)
{
	const char *p;
	long ms = 0;

	for (p = text; *p != '\0'; p++)
		if (strncasecmp(p, BACKOFF, strlen(BACKOFF)) == 0)
			break;
	if (*p == '\0')
		return -1;
	p += strlen(BACKOFF);
	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	for (; isdigit((unsigned char)*p); p++)
		if ((ms = ms * 10 + (*p - '0')) > BACKOFF_MAX_MS)
			ms = BACKOFF_MAX_MS;
	return ms;
}

long
throttle_wait_ms(const char *code, const char *text)
{
	long ms;

	if ((ms = suggested(text)) >= 0)
		return ms;
	if (strcasecmp(code, "UNAVAILABLE") == 0 ||
	    strcasecmp(code, "THROTTLED") == 0)
		return 0;
	if (has_word(text, "Request is throttled"))
		return 0;
	/*
	 * Gmail: "[OVERQUOTA] Account exceeded command or bandwidth
	 * limits." A full mailbox ("Quota exceeded") is no temporary
	 * matter: it stays a refusal.
	 */
	if (strcasecmp(code, "OVERQUOTA") == 0 &&
	    (has_word(text, "bandwidth") || has_word(text, "command")))
		return 0;
	/* Gmail's passing back-end failures. */
	if (code[0] == '\0' && strncasecmp(text, "System Error", 12) == 0)
		return 0;
	return -1;
}
