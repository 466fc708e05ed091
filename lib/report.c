/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "report.h"
#include "utf8.h"
#include "xalloc.h"
#include "banned.h"

#define REPORT_TEXT_MAX		4096	/* the summary: cut there */
/*
 * What one result writes. The limits on items, parts and labels (report.h)
 * keep a result far below it; were it reached, the result is cut there.
 */
#define REPORT_OUT_MAX		(1u << 20)
#define REPORT_PREFIX		"imapctl_"

struct value {
	const struct report_item *it;
	int		 part;		/* -1: the whole check's */
	int		 known;
	double		 v;
	double		 max;
	struct range	 warn, crit;
};

struct report {
	enum report_format	 fmt;
	FILE			*fp;
	struct emit		*emit;
	const char		*service;
	enum report_state	 state;
	int			 failed;
	struct buf		 fail;
	struct buf		 text;
	struct value		*v;
	size_t			 nv, valloc;
	const char		*part_label, *part_list;
	char			*part_name[REPORT_MAX_PARTS];
	size_t			 nparts;
	int			 cur_part;
	const char		*label_name[REPORT_MAX_LABELS];
	char			*label_value[REPORT_MAX_LABELS];
	int			 label_is_num[REPORT_MAX_LABELS];
	double			 label_num[REPORT_MAX_LABELS];
	size_t			 nlabels;
};

static const char *const state_names[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN"
};

struct report *
report_new(enum report_format fmt, FILE *fp, struct emit *e,
    const char *service)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->fmt = fmt;
	r->fp = fp;
	r->emit = e;
	r->service = service;
	r->cur_part = -1;
	buf_init(&r->fail, REPORT_TEXT_MAX);
	buf_init(&r->text, REPORT_TEXT_MAX);
	return r;
}

void
report_free(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nlabels; i++)
		free(r->label_value[i]);
	for (i = 0; i < r->nparts; i++)
		free(r->part_name[i]);
	free(r->v);
	buf_free(&r->fail);
	buf_free(&r->text);
	free(r);
}

const char *
report_state_name(enum report_state st)
{
	return state_names[st];
}

enum report_state
report_state(const struct report *r)
{
	return r->state;
}

/* Which is worse: CRITICAL, then WARNING, then UNKNOWN, then OK. */
static int
rank(enum report_state st)
{
	static const int ranks[] = { 0, 2, 3, 1 };

	return ranks[st];
}

void
report_raise(struct report *r, enum report_state st)
{
	if (rank(st) > rank(r->state))
		r->state = st;
}

void
report_label(struct report *r, const char *name, const char *value)
{
	if (r->nlabels == REPORT_MAX_LABELS)
		abort();
	r->label_name[r->nlabels] = name;
	r->label_is_num[r->nlabels] = 0;
	r->label_value[r->nlabels++] = xstrdup(value ? value : "");
}

void
report_label_num(struct report *r, const char *name, const char *value,
    double num)
{
	report_label(r, name, value);
	r->label_is_num[r->nlabels - 1] = 1;
	r->label_num[r->nlabels - 1] = num;
}

void
report_parts(struct report *r, const char *label, const char *list)
{
	r->part_label = label;
	r->part_list = list;
}

void
report_part_add(struct report *r, const char *name)
{
	if (r->nparts == REPORT_MAX_PARTS || r->part_label == NULL)
		abort();
	r->part_name[r->nparts++] = xstrdup(name);
}

void
report_part(struct report *r, int part)
{
	if (part >= (int)r->nparts)
		abort();
	r->cur_part = part;
}

static struct value *
add(struct report *r, const struct report_item *it)
{
	struct value *v;

	if (r->nv == REPORT_MAX_ITEMS)
		abort();
	if (r->nv == r->valloc) {
		r->valloc = r->valloc ? r->valloc * 2 : 32;
		r->v = xrealloc(r->v, r->valloc * sizeof(*r->v));
	}
	v = &r->v[r->nv++];
	memset(v, 0, sizeof(*v));
	v->it = it;
	v->part = r->cur_part;
	v->max = NAN;
	return v;
}

enum report_state
report_value(struct report *r, const struct report_item *it, double val,
    const struct range *warn, const struct range *crit, double max)
{
	struct value *v = add(r, it);
	enum report_state st = REPORT_OK;

	v->known = 1;
	v->v = val;
	v->max = max;
	if (warn != NULL)
		v->warn = *warn;
	if (crit != NULL)
		v->crit = *crit;
	if (range_alerts(&v->crit, val))
		st = REPORT_CRITICAL;
	else if (range_alerts(&v->warn, val))
		st = REPORT_WARNING;
	report_raise(r, st);
	return st;
}

void
report_none(struct report *r, const struct report_item *it)
{
	add(r, it);
}

void
report_text(struct report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->text.len > 0)
		buf_puts(&r->text, ", ");
	va_start(ap, fmt);
	buf_vputf(&r->text, fmt, ap);
	va_end(ap);
}

void
report_fail(struct report *r, enum report_state st, const char *msg)
{
	report_raise(r, st);
	if (!r->failed) {
		r->failed = 1;
		buf_puts(&r->fail, msg);
	}
}

/* Plugin line ------------------------------------------------------------ */

/*
 * The text part of the line: valid UTF-8 on one line, and no '|', which
 * would start the perfdata.
 */
static void
put_text(struct buf *out, const char *s, size_t n)
{
	struct buf tmp;
	size_t i, k;
	uint32_t cp;

	buf_init(&tmp, REPORT_TEXT_MAX * 4);
	utf8_sanitize(&tmp, s, n);
	for (i = 0; i < tmp.len; i += k) {
		char c = tmp.s[i];

		k = utf8_decode(tmp.s + i, tmp.len - i, &cp);
		/* Controls, C1 (U+0080..U+009F) too, are no text. */
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			buf_putc(out, ' ');
			continue;
		}
		if (k > 1) {
			buf_put(out, tmp.s + i, k);
			continue;
		}
		buf_putc(out, c == '|' ? '/' : c);
	}
	buf_free(&tmp);
}

static const char *
uom(enum report_unit u)
{
	switch (u) {
	case REPORT_SECONDS:	return "s";
	case REPORT_BYTES:	return "B";
	case REPORT_PERCENT:	return "%";
	default:		return "";
	}
}

/*
 * A part's item: 'NAME key', quoted for the blanks. A label holds no '='
 * or quote, and nothing that would end the line or the perfdata.
 */
static void
put_part_label(struct report *r, struct buf *out, const struct value *v)
{
	struct buf tmp;
	size_t i;

	buf_init(&tmp, REPORT_TEXT_MAX);
	put_text(&tmp, r->part_name[v->part], strlen(r->part_name[v->part]));
	buf_putc(out, '\'');
	for (i = 0; i < tmp.len; i++)
		buf_putc(out, tmp.s[i] == '=' || tmp.s[i] == '\'' ? '_' :
		    tmp.s[i]);
	buf_putf(out, " %s'", v->it->key);
	buf_free(&tmp);
}

static void
put_perfdata(struct report *r, struct buf *out)
{
	const struct value *v;
	size_t i, mark;
	int first = 1;

	for (i = 0; i < r->nv; i++) {
		v = &r->v[i];
		if (!v->known || !(v->it->flags & REPORT_PERF))
			continue;
		buf_puts(out, first ? " | " : " ");
		first = 0;
		if (v->part >= 0 && r->nparts > 1)
			put_part_label(r, out, v);
		else
			buf_puts(out, v->it->key);
		buf_putc(out, '=');
		num_format(out, v->v, v->it->decimals);
		buf_puts(out, uom(v->it->unit));
		buf_putc(out, ';');
		range_format(&v->warn, out);
		buf_putc(out, ';');
		range_format(&v->crit, out);
		buf_putc(out, ';');
		if (v->it->flags & REPORT_MIN0)
			buf_putc(out, '0');
		buf_putc(out, ';');
		if (!isnan(v->max))
			num_format(out, v->max, v->it->decimals);
		/* Trailing empty fields may go. */
		mark = out->len;
		while (mark > 0 && out->s[mark - 1] == ';')
			mark--;
		buf_truncate(out, mark);
	}
}

static void
write_plugin(struct report *r, struct buf *out)
{
	buf_putf(out, "%s %s - ", r->service, state_names[r->state]);
	if (r->failed)
		put_text(out, r->fail.s, r->fail.len);
	else
		put_text(out, r->text.s, r->text.len);
	put_perfdata(r, out);
	buf_putc(out, '\n');
}

/* Prometheus ------------------------------------------------------------- */

static void
put_label_value(struct buf *out, const char *s)
{
	struct buf tmp;
	size_t i;

	buf_init(&tmp, REPORT_TEXT_MAX * 4);
	utf8_sanitize(&tmp, s, strlen(s));
	for (i = 0; i < tmp.len; i++) {
		if (tmp.s[i] == '\\' || tmp.s[i] == '"')
			buf_putc(out, '\\');
		if (tmp.s[i] == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, tmp.s[i]);
	}
	buf_free(&tmp);
}

static void
put_help(struct buf *out, const char *name, const char *help)
{
	buf_putf(out, "# HELP " REPORT_PREFIX "%s %s\n", name, help);
	buf_putf(out, "# TYPE " REPORT_PREFIX "%s gauge\n", name);
}

/* One sample: the labels, then the part's (part -1: none). */
static void
put_one(struct report *r, struct buf *out, const char *name, int part,
    double v)
{
	size_t i;

	buf_putf(out, REPORT_PREFIX "%s", name);
	if (r->nlabels > 0 || part >= 0) {
		buf_putc(out, '{');
		for (i = 0; i < r->nlabels; i++) {
			buf_putf(out, "%s%s=\"", i ? "," : "",
			    r->label_name[i]);
			put_label_value(out, r->label_value[i]);
			buf_putc(out, '"');
		}
		if (part >= 0) {
			buf_putf(out, "%s%s=\"", r->nlabels ? "," : "",
			    r->part_label);
			put_label_value(out, r->part_name[part]);
			buf_putc(out, '"');
		}
		buf_putc(out, '}');
	}
	buf_putc(out, ' ');
	num_format(out, v, 9);
	buf_putc(out, '\n');
}

/* A sample of the whole check: once, or once a part with its label. */
static void
put_whole(struct report *r, struct buf *out, const char *name, double v)
{
	size_t k;

	if (r->nparts == 0)
		put_one(r, out, name, -1, v);
	for (k = 0; k < r->nparts; k++)
		put_one(r, out, name, (int)k, v);
}

static double
sample(const struct value *v)
{
	return v->v * (v->it->prom_scale != 0 ? v->it->prom_scale : 1);
}

/*
 * Each metric once: HELP and TYPE, then its samples, whole check's and
 * every part's (a metric name is one item's, or one part item's).
 */
static void
put_metrics(struct report *r, struct buf *out)
{
	const struct value *v, *w;
	size_t i, j;

	for (i = 0; i < r->nv; i++) {
		v = &r->v[i];
		if (v->it->prom == NULL)
			continue;
		for (j = 0; j < i; j++)
			if (r->v[j].it->prom != NULL &&
			    strcmp(r->v[j].it->prom, v->it->prom) == 0)
				break;
		if (j < i)
			continue;	/* written with the first */
		for (j = i; j < r->nv; j++) {
			w = &r->v[j];
			if (w->known && w->it->prom != NULL &&
			    strcmp(w->it->prom, v->it->prom) == 0)
				break;
		}
		if (j == r->nv)
			continue;	/* no sample measured */
		put_help(out, v->it->prom, v->it->help);
		for (; j < r->nv; j++) {
			w = &r->v[j];
			if (!w->known || w->it->prom == NULL ||
			    strcmp(w->it->prom, v->it->prom) != 0)
				continue;
			if (w->part < 0)
				put_whole(r, out, w->it->prom, sample(w));
			else
				put_one(r, out, w->it->prom, w->part,
				    sample(w));
		}
	}
}

static void
write_prometheus(struct report *r, struct buf *out)
{
	/* Why it failed, as a comment a person reading the file sees. */
	if (r->failed) {
		buf_putf(out, "# %s %s - ", r->service,
		    state_names[r->state]);
		put_text(out, r->fail.s, r->fail.len);
		buf_putc(out, '\n');
	}
	put_help(out, "probe_success", "Whether the check logged in and "
	    "took its measurements (1) or failed (0).");
	put_whole(r, out, "probe_success", !r->failed);
	put_help(out, "check_state", "The check's state: 0 OK, 1 WARNING, "
	    "2 CRITICAL, 3 UNKNOWN.");
	put_whole(r, out, "check_state", r->state);
	put_metrics(r, out);
}

/* Record ----------------------------------------------------------------- */

static void
put_field(struct emit *e, const struct value *v)
{
	if (!v->known)
		emit_null(e, v->it->key);
	else if (v->it->unit == REPORT_TIMESTAMP)
		emit_time(e, v->it->key, (time_t)v->v);
	else if (v->it->unit == REPORT_BOOL)
		emit_bool(e, v->it->key, v->v != 0);
	else
		emit_double(e, v->it->key, v->v, v->it->decimals);
}

static void
write_record(struct report *r)
{
	struct emit *e = r->emit;
	size_t i, k;

	emit_record_begin(e, "check");
	emit_str(e, "state", state_names[r->state]);
	emit_str(e, "summary", r->failed ? r->fail.s : r->text.s);
	for (i = 0; i < r->nlabels; i++) {
		if (!r->label_is_num[i])
			emit_str(e, r->label_name[i], r->label_value[i]);
		else if (isnan(r->label_num[i]))
			emit_null(e, r->label_name[i]);
		else
			emit_double(e, r->label_name[i], r->label_num[i], 0);
	}
	if (r->nparts > 0)
		emit_str(e, r->part_label, r->part_name[0]);
	/* The first part's among the rest: as a check of one part reads. */
	for (i = 0; i < r->nv; i++)
		if (r->v[i].part <= 0)
			put_field(e, &r->v[i]);
	if (r->nparts > 0) {
		emit_list_begin(e, r->part_list, r->part_label);
		for (k = 0; k < r->nparts; k++) {
			emit_object_begin(e, NULL);
			emit_str(e, "name", r->part_name[k]);
			for (i = 0; i < r->nv; i++)
				if (r->v[i].part == (int)k)
					put_field(e, &r->v[i]);
			emit_object_end(e);
		}
		emit_list_end(e);
	}
	emit_record_end(e);
}

enum report_state
report_finish(struct report *r)
{
	struct buf out;

	if (r->fmt == REPORT_RECORD) {
		write_record(r);
		return r->state;
	}
	buf_init(&out, REPORT_OUT_MAX);
	if (r->fmt == REPORT_PLUGIN)
		write_plugin(r, &out);
	else
		write_prometheus(r, &out);
	fwrite(out.s, 1, out.len, r->fp);
	buf_free(&out);
	return r->state;
}
