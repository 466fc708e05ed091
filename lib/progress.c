/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "xalloc.h"
#include "banned.h"

#define PROGRESS_EVERY_MS	200	/* redraw at most this often */
#define PROGRESS_LINE_MAX	160

struct progress {
	FILE		*fp;
	char		 what[32];
	char		 unit[32];
	uint64_t	 done, total;
	struct timespec	 start;
	long long	 last_ms;	/* when the line was drawn, -1: never */
	int		 shown;		/* a line is on the screen */
};

static long long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* 1234567 as "1,234,567". */
static void
grouped(char *out, size_t len, uint64_t v)
{
	char digits[32];
	size_t n, i, k = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%llu",
	    (unsigned long long)v);
	for (i = 0; i < n && k + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k] = '\0';
}

/* Seconds as "42s", "3min 5s", "2h 10min". */
static void
duration(char *out, size_t len, double secs)
{
	/* At most 1e15 s (31 million years): beyond, no integer holds it. */
	unsigned long long s = !(secs > 0) ? 0 : secs > 1e15 ? 1000000000000000ULL :
	    (unsigned long long)(secs + 0.5);

	if (s < 60)
		snprintf(out, len, "%llus", s);
	else if (s < 3600)
		snprintf(out, len, "%llumin %llus", s / 60, s % 60);
	else
		snprintf(out, len, "%lluh %llumin", s / 3600, s / 60 % 60);
}

void
progress_format(char *out, size_t len, const char *what, const char *unit,
    uint64_t done, uint64_t total, double secs)
{
	char d[32], t[32], left[32], rate[48] = "";
	double r = secs > 0 ? (double)done / secs : 0;
	size_t n;

	grouped(d, sizeof(d), done);
	if (total > 0) {
		grouped(t, sizeof(t), total);
		n = (size_t)snprintf(out, len, "%s: %s of %s %s (%d%%)", what,
		    d, t, unit, (int)(done * 100 / total));
	} else
		n = (size_t)snprintf(out, len, "%s: %s %s", what, d, unit);
	if (n >= len)
		return;
	if (secs >= 1 && r > 0) {
		snprintf(rate, sizeof(rate), ", %.0f/s", r);
		if (total > done) {
			duration(left, sizeof(left), (double)(total - done) / r);
			snprintf(rate + strlen(rate), sizeof(rate) -
			    strlen(rate), ", %s left", left);
		}
	}
	snprintf(out + n, len - n, "%s", rate);
}

struct progress *
progress_new(FILE *fp, int mode, const char *what, const char *unit,
    uint64_t total)
{
	struct progress *p;

	if (fp == NULL || mode == PROGRESS_OFF ||
	    (mode == PROGRESS_AUTO && !isatty(fileno(fp))))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->fp = fp;
	snprintf(p->what, sizeof(p->what), "%s", what);
	snprintf(p->unit, sizeof(p->unit), "%s", unit);
	p->total = total;
	p->last_ms = -1;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	return p;
}

void
progress_set_total(struct progress *p, uint64_t total)
{
	if (p != NULL)
		p->total = total;
}

static void
draw(struct progress *p, long long now)
{
	char line[PROGRESS_LINE_MAX];

	progress_format(line, sizeof(line), p->what, p->unit, p->done,
	    p->total, (double)now / 1000);
	/* Back to the start of the line, the text, the rest cleared. */
	fprintf(p->fp, "\r%s\033[K", line);
	fflush(p->fp);
	p->last_ms = now;
	p->shown = 1;
}

void
progress_add(struct progress *p, uint64_t n)
{
	long long now;

	if (p == NULL)
		return;
	p->done += n;
	now = ms_since(&p->start);
	if (!p->shown || p->last_ms < 0 || now - p->last_ms >=
	    PROGRESS_EVERY_MS)
		draw(p, now);
}

void
progress_clear(struct progress *p)
{
	if (p == NULL || !p->shown)
		return;
	fputs("\r\033[K", p->fp);
	fflush(p->fp);
	p->shown = 0;
}

void
progress_free(struct progress *p)
{
	progress_clear(p);
	free(p);
}
