/* SPDX-License-Identifier: MIT */
/*
 * Text from HTML, one piece at a time, for showing a text/html body as
 * text: tags and comments are dropped, the content of <script> and
 * <style> too; line breaks stand for <br> and the ends of blocks (p, div,
 * li, tr, headings ...); runs of white space become one space; the common
 * character references (&amp; &lt; &gt; &quot; &apos; &nbsp; and numeric
 * ones) are decoded, others are kept as written. Input and output are
 * UTF-8.
 */
#ifndef IMAPCTL_HTML_H
#define IMAPCTL_HTML_H

#include <stddef.h>

#include "buf.h"

#define HTML_NAME_MAX	16	/* tag names and entities kept */

struct html_text {
	int		 state;
	char		 name[HTML_NAME_MAX + 1];
	size_t		 nname;
	int		 name_done;
	char		 quote;		/* inside an attribute value */
	int		 skip;		/* inside script or style */
	int		 space;		/* white space pending */
	int		 nl;		/* line breaks just written */
	int		 dashes;	/* comment: '-' seen in a row */
};

void	html_text_init(struct html_text *);
int	html_text_feed(struct html_text *, const char *, size_t,
	    struct buf *out);
int	html_text_finish(struct html_text *, struct buf *out);

#endif
