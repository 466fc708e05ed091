/* SPDX-License-Identifier: MIT */
/*
 * Words of a closed set: exact matches (in any case where the table says
 * so), never a prefix; the error lists the words, or the table's hint.
 */
#include <string.h>

#include "choice.h"
#include "t.h"

enum { RED, GREEN, BLUE };

static const struct choice colours[] = {
	{ "red", RED }, { "green", GREEN }, { "blue", BLUE }, { NULL, 0 }
};

int
main(void)
{
	const struct choices exact = { .v = colours };
	const struct choices nocase = { .v = colours, .flags = CHOICE_NOCASE };
	const struct choices hinted = { .v = colours,
	    .hint = "a colour of the flag" };
	struct err e;
	char list[64];
	int v = -1;

	t_ok(choice_parse(&exact, "green", &v) == 0 && v == GREEN, "a word");
	v = -1;
	t_ok(choice_parse(&exact, "Green", &v) < 0 && v == -1,
	    "case counts, and nothing is stored on a miss");
	t_ok(choice_parse(&exact, "gre", &v) < 0, "no prefix");
	t_ok(choice_parse(&exact, "greenish", &v) < 0, "no longer word");
	t_ok(choice_parse(&exact, "", &v) < 0, "not empty");
	t_ok(choice_parse(&nocase, "BLUE", &v) == 0 && v == BLUE,
	    "CHOICE_NOCASE: any case");
	t_ok(choice_parse(&nocase, "BLU", &v) < 0, "CHOICE_NOCASE: no prefix");
	t_streq(choice_name(&exact, BLUE), "blue", "the name of a value");
	t_ok(choice_name(&exact, 7) == NULL, "no name for another value");
	choice_list(&exact, list, sizeof(list));
	t_streq(list, "red, green or blue", "the words as a list");
	choice_list(&exact, list, 12);
	t_streq(list, "red, green ", "a short buffer cuts the list");
	err_clear(&e);
	t_ok(choice_err(&exact, "--colour", "pink", &e) < 0 &&
	    e.kind == ERR_USAGE, "the error is a usage error");
	t_streq(e.msg, "bad --colour 'pink': use red, green or blue",
	    "the error names the setting and the words");
	choice_err(&hinted, "colour", "pink", &e);
	t_streq(e.msg, "bad colour 'pink': use a colour of the flag",
	    "or the table's hint");
	return t_done();
}
