/* SPDX-License-Identifier: MIT */
/*
 * A monitoring result and its writers: measurements with units and
 * thresholds, a state, and a summary, written once at the end as
 *
 *   plugin      the monitoring-plugins line (Nagios, Icinga, Naemon):
 *               "SERVICE STATE - summary | perfdata", perfdata as
 *               'label=value[UOM];warn;crit;min;max';
 *   prometheus  the Prometheus text exposition format, for
 *               node_exporter's textfile collector: "# HELP", "# TYPE",
 *               one gauge a measurement, names prefixed "imapctl_" and
 *               in base units, plus imapctl_probe_success and
 *               imapctl_check_state;
 *   record      one record through the emitter (json, jsonl, xml):
 *               state, summary, the labels, then every measurement,
 *               null where it was not measured.
 *
 * This is not an emitter back end: the plugin line and the exposition
 * format are shapes of one result, not of a stream of records. Numbers
 * are written with '.' whatever the locale.
 */
#ifndef IMAPCTL_REPORT_H
#define IMAPCTL_REPORT_H

#include <stdio.h>

#include "emit.h"
#include "range.h"

/* The exit statuses of monitoring plugins. */
enum report_state {
	REPORT_OK = 0,
	REPORT_WARNING = 1,
	REPORT_CRITICAL = 2,
	REPORT_UNKNOWN = 3
};

enum report_format {
	REPORT_PLUGIN,		/* -o text: the plugin line */
	REPORT_PROMETHEUS,	/* the exposition format */
	REPORT_RECORD		/* json, jsonl, xml: a record */
};

enum report_unit {
	REPORT_COUNT,		/* perfdata without a unit */
	REPORT_SECONDS,		/* "s" */
	REPORT_BYTES,		/* "B" */
	REPORT_PERCENT,		/* "%" */
	REPORT_TIMESTAMP,	/* seconds since 1970: RFC 3339 in records */
	REPORT_BOOL		/* 1 or 0: true or false in records */
};

#define REPORT_PERF	0x1	/* in the perfdata */
#define REPORT_MIN0	0x2	/* perfdata minimum 0 */

/* What a measurement is; the value comes with report_value(). */
struct report_item {
	const char	*key;		/* record field and perfdata label */
	enum report_unit unit;
	int		 decimals;
	unsigned	 flags;
	const char	*prom;		/* metric name after "imapctl_", or NULL */
	const char	*help;		/* its HELP text */
	double		 prom_scale;	/* value * scale is the sample; 0: 1 */
};

#define REPORT_MAX_ITEMS	1024	/* measurements, all parts together */
#define REPORT_MAX_LABELS	8
#define REPORT_MAX_PARTS	64	/* mailboxes in one check */

struct report;

struct report	*report_new(enum report_format, FILE *, struct emit *,
		    const char *service);
void		 report_free(struct report *);

/* A label of every sample, and a field of the record; in order. */
void		 report_label(struct report *, const char *name,
		    const char *value);
/* The same, a number in the record (null when NAN): a port. */
void		 report_label_num(struct report *, const char *name,
		    const char *value, double num);
/*
 * A measured value and its thresholds (NULL or unset: none), with the
 * perfdata maximum (NAN: none). Returns the state it gives.
 */
enum report_state report_value(struct report *, const struct report_item *,
		    double v, const struct range *warn,
		    const struct range *crit, double max);
/*
 * Parts of what is checked, each with measurements of its own: the
 * mailboxes. label names a part in samples and its perfdata labels
 * ("mailbox"), list is the record's list of parts ("mailboxes"). Declare
 * every part first (report_part_add, in order), then say whose the
 * measurements are as they come (report_part; -1: the whole check's).
 *
 *   plugin      with one part, its items as any other ("unseen=3"); with
 *               several, each labelled with its part ("'INBOX unseen'=3")
 *   prometheus  each part's samples with the part's label; the whole
 *               check's repeated for each part, so that every series
 *               carries the same labels whatever the number of parts
 *   record      the first part's name and items among the whole check's
 *               fields, as with one part; then the list of every part:
 *               objects of "name" and the part's items
 */
void		 report_parts(struct report *, const char *label,
		    const char *list);
void		 report_part_add(struct report *, const char *name);
void		 report_part(struct report *, int part);
/* A measurement that was not made: null in the record, left out else. */
void		 report_none(struct report *, const struct report_item *);
/* A piece of the summary; pieces are joined with ", ". */
void		 report_text(struct report *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/*
 * The check could not be done: the state becomes at least state, msg
 * leads the summary, and imapctl_probe_success is 0.
 */
void		 report_fail(struct report *, enum report_state,
		    const char *msg);
/* Raise the state without failing (e.g. a threshold that cannot apply). */
void		 report_raise(struct report *, enum report_state);
enum report_state report_state(const struct report *);
const char	*report_state_name(enum report_state);
/* Write the result; returns its state (the exit status). */
enum report_state report_finish(struct report *);

#endif
