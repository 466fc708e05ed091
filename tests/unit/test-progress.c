/* SPDX-License-Identifier: MIT */
/*
 * The progress line: its words, numbers grouped, rate and time left once
 * a second has passed; nothing at all where the stream is no terminal
 * and nothing forces it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "progress.h"
#include "t.h"

int
main(void)
{
	char out[160];
	FILE *f;

	progress_format(out, sizeof(out), "fetch", "messages", 1200, 10000,
	    1.5);
	t_streq(out, "fetch: 1,200 of 10,000 messages (12%), 800/s, 11s left",
	    "done of total, rate, time left");
	progress_format(out, sizeof(out), "fetch", "messages", 5, 10, 0.2);
	t_streq(out, "fetch: 5 of 10 messages (50%)",
	    "no rate in the first second");
	progress_format(out, sizeof(out), "search", "mailboxes", 1234567, 0,
	    10);
	t_streq(out, "search: 1,234,567 mailboxes, 123457/s",
	    "no total: no percentage, no time left");
	progress_format(out, sizeof(out), "delete", "messages", 100, 1000000,
	    100);
	t_streq(out, "delete: 100 of 1,000,000 messages (0%), 1/s, 277h "
	    "45min left", "hours");
	/* A total no run reaches (bytes a server claims): a time left too
	 * long for any integer is said as the longest one. */
	progress_format(out, sizeof(out), "fetch", "bytes", 1,
	    UINT64_MAX, 10);
	t_streq(out, "fetch: 1 of 18,446,744,073,709,551,615 bytes (0%), "
	    "0/s, 277777777777h 46min left", "a time left past any integer");
	progress_format(out, sizeof(out), "move", "messages", 10, 10, 5);
	t_streq(out, "move: 10 of 10 messages (100%), 2/s", "done: no time "
	    "left");
	f = tmpfile();
	t_ok(progress_new(f, PROGRESS_AUTO, "x", "y", 1) == NULL,
	    "a file is no terminal: no line");
	t_ok(progress_new(f, PROGRESS_OFF, "x", "y", 1) == NULL,
	    "--no-progress: no line");
	{
		struct progress *p = progress_new(f, PROGRESS_ON, "fetch",
		    "messages", 2);
		char buf[256];
		size_t n;

		t_ok(p != NULL, "--progress: a line even on a file");
		progress_add(p, 1);
		progress_add(p, 1);
		progress_free(p);
		rewind(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		t_streq(buf, "\rfetch: 1 of 2 messages (50%)\033[K\r\033[K",
		    "drawn once within 200 ms, then cleared");
	}
	fclose(f);
	progress_add(NULL, 1);
	progress_clear(NULL);
	progress_free(NULL);
	t_ok(1, "NULL is no progress line");
	return t_done();
}
