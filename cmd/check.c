/* SPDX-License-Identifier: MIT */
/*
 * check: a monitoring probe in the monitoring-plugins conventions. It logs
 * in, takes each mailbox's counts, the age of its oldest unseen and of its
 * newest message and the count of a query, quota use, the time each step
 * took and the days left on the server's certificate, compares them with
 * the thresholds, and reports one result (lib/report.h): exit 0 OK,
 * 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 *
 * Which failures are which, per the guidelines: the server cannot be
 * resolved, reached, secured (TLS, certificate) or logged in to, it times
 * out, drops the connection, refuses or garbles an answer: the service is
 * down for its users, CRITICAL. A bad command line, a missing or failing
 * password source, an unreadable CA file, anything internal: the check
 * itself could not run, UNKNOWN. A threshold on a measurement the server
 * does not offer (quota without QUOTA, certificate without TLS) is
 * UNKNOWN too.
 *
 * Round trips: the greeting and the login answer carry the capabilities
 * (Dovecot sends them), login uses SASL-IR, and the login's write (with
 * SCRAM, that of its last two responses) holds as well STATUS and
 * GETQUOTAROOT of every mailbox, then for each EXAMINE,
 * the unseen search, the FETCH of the oldest unseen message's date, the
 * search for the newest message and the FETCH of its date, the query's
 * count, and LOGOUT: with ESEARCH and SEARCHRES each search saves its
 * minimum or maximum for "UID FETCH $". Without SEARCHRES the FETCHes need
 * one turn more, and a query that one command cannot count (no ESEARCH,
 * older:/newer: without WITHIN) a turn of its own. The capabilities
 * these rely on are assumed until the login's answer tells them (struct
 * command's assume); a guess the server turns out not to take is done
 * again on a new connection, the login waited for, so that the result is
 * the same as without the guess. The login's answer is looked at first:
 * a refused login is the failure, whatever the commands got. With
 * --send-via the login is waited for. Bounded work in any
 * case: ESEARCH MIN and MAX, or the lowest UID of a plain SEARCH and the
 * last message by number, and one FETCH of one INTERNALDATE each.
 *
 * Whose responses are whose: STATUS names its mailbox, ESEARCH its
 * command's tag; a FETCH is of the mailbox whose EXAMINE completed last,
 * the oldest unseen's by its UID, the newest's by being the highest UID
 * fetched there (the newest has the highest UID of all).
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netdb.h>

#include "cmd.h"
#include "date.h"
#include "deadline.h"
#include "mailbox.h"
#include "quota.h"
#include "range.h"
#include "delivery.h"
#include "report.h"
#include "search.h"
#include "secret.h"
#include "settings.h"
#include "smtp.h"
#include "xalloc.h"
#include "banned.h"

enum {
	T_TIME, T_MESSAGES, T_UNSEEN, T_AGE, T_NEWEST, T_QUERY, T_QUOTA,
	T_CERT, T_DELIVERY, T_COUNT
};

static struct {
	struct opt_list	 mailbox;
	const char	*query;
	struct range	 warn[T_COUNT], crit[T_COUNT];
	const char	*send_via, *probe_to, *probe_from;
} opt;

/*
 * --warning-NAME and --critical-NAME: threshold t, a range read with
 * flags f (range.h).
 */
#define OPT_THRESHOLD(t, name, f, h) \
	OPT_RANGE(0, "warning-" name, &opt.warn[t], f, "RANGE", h), \
	OPT_RANGE(0, "critical-" name, &opt.crit[t], f, "RANGE", "the same, " \
	    "for CRITICAL")

const struct opt check_opts[] = {
	OPT_LIST(0, "mailbox", &opt.mailbox, "MAILBOX", "a mailbox to check "
	    "(default INBOX; repeat for more)", OPT_COMPLETE_MAILBOX),
	OPT_STRING(0, "query", &opt.query, "QUERY", "count the messages of "
	    "each mailbox that match QUERY (as search takes it)"),
	OPT_THRESHOLD(T_TIME, "time", 0, "seconds the whole check may take"),
	OPT_THRESHOLD(T_MESSAGES, "messages", 0, "messages in the mailbox"),
	OPT_THRESHOLD(T_UNSEEN, "unseen", 0, "unseen messages in the "
	    "mailbox"),
	OPT_THRESHOLD(T_AGE, "age", RANGE_DURATION, "age of the oldest "
	    "unseen message (seconds, or with s, min, h, d, w)"),
	OPT_THRESHOLD(T_NEWEST, "newest-age", RANGE_DURATION, "age of the "
	    "newest message (e.g. 1d: none for a day)"),
	OPT_THRESHOLD(T_QUERY, "query", 0, "messages that match --query"),
	OPT_THRESHOLD(T_QUOTA, "quota", 0, "quota use in percent"),
	OPT_THRESHOLD(T_CERT, "cert-days", RANGE_AT_LEAST, "fewer days than "
	    "this until the server's certificate expires (e.g. 30)"),
	OPT_STRING(0, "send-via", &opt.send_via, "URL", "submit a probe "
	    "message over smtp://HOST[:PORT] (STARTTLS) or smtps://... and "
	    "time its delivery"),
	OPT_STRING(0, "probe-to", &opt.probe_to, "ADDRESS", "the probe's "
	    "recipient (default: the user, when an address)"),
	OPT_STRING(0, "probe-from", &opt.probe_from, "ADDRESS", "the probe's "
	    "sender (default: its recipient)"),
	OPT_THRESHOLD(T_DELIVERY, "delivery", RANGE_DURATION, "seconds the "
	    "probe may take to arrive"),
	OPT_END()
};


#define DURATION(key, prom, help) \
	{ key, REPORT_SECONDS, 6, REPORT_PERF | REPORT_MIN0, prom, help, 0 }

static const struct report_item
    i_time = DURATION("time", "probe_duration_seconds",
	"Seconds the whole check took."),
    i_connect = DURATION("connect_time", "connect_duration_seconds",
	"Seconds to resolve the host name and connect."),
    i_tls = DURATION("tls_time", "tls_handshake_duration_seconds",
	"Seconds the TLS handshake took (implicit TLS or STARTTLS)."),
    i_login = DURATION("login_time", "login_duration_seconds",
	"Seconds from the greeting to being logged in."),
    i_messages = { "messages", REPORT_COUNT, 0, REPORT_PERF | REPORT_MIN0,
	"mailbox_messages", "Messages in the mailbox.", 0 },
    i_unseen = { "unseen", REPORT_COUNT, 0, REPORT_PERF | REPORT_MIN0,
	"mailbox_unseen_messages", "Unseen messages in the mailbox.", 0 },
    i_age = { "unseen_age", REPORT_SECONDS, 0, REPORT_PERF | REPORT_MIN0,
	"mailbox_oldest_unseen_age_seconds", "Seconds since the oldest "
	"unseen message arrived; 0 when none is unseen.", 0 },
    i_newest = { "newest_age", REPORT_SECONDS, 0, REPORT_PERF | REPORT_MIN0,
	"mailbox_newest_age_seconds", "Seconds since the newest message "
	"(the highest UID) arrived; absent when the mailbox is empty.", 0 },
    i_query = { "query_matches", REPORT_COUNT, 0, REPORT_PERF | REPORT_MIN0,
	"mailbox_query_matches", "Messages of the mailbox that match the "
	"check's --query.", 0 },
    i_quota = { "quota_percent", REPORT_PERCENT, 1,
	REPORT_PERF | REPORT_MIN0, "quota_usage_ratio", "Highest use of any "
	"quota resource of the mailbox, as a fraction of its limit.", 0.01 },
    i_storage = { "quota_storage", REPORT_BYTES, 0, REPORT_PERF |
	REPORT_MIN0, "quota_storage_bytes", "Bytes used of the storage "
	"quota.", 0 },
    i_storage_limit = { "quota_storage_limit", REPORT_BYTES, 0, 0,
	"quota_storage_limit_bytes", "The storage quota in bytes.", 0 },
    i_qmessages = { "quota_messages", REPORT_COUNT, 0, REPORT_PERF |
	REPORT_MIN0, "quota_messages", "Messages counted against the message "
	"quota.", 0 },
    i_qmessages_limit = { "quota_messages_limit", REPORT_COUNT, 0, 0,
	"quota_messages_limit", "The message quota.", 0 },
    i_cert_days = { "cert_days", REPORT_COUNT, 0, REPORT_PERF, NULL, NULL,
	0 },
    i_cert = { "cert_not_after", REPORT_TIMESTAMP, 0, 0,
	"tls_cert_not_after_timestamp_seconds", "When the server's "
	"certificate expires, in seconds since 1970.", 0 },
    i_cert_valid = { "cert_valid", REPORT_BOOL, 0, 0, "tls_cert_valid",
	"Whether the server's certificate verifies (chain, dates, name): "
	"1, or not: 0 (measured with --insecure).", 0 },
    i_delivery = { "delivery_time", REPORT_SECONDS, 3, REPORT_PERF |
	REPORT_MIN0, "delivery_duration_seconds", "Seconds from the SMTP "
	"server's acceptance of the probe message to its arrival in the "
	"mailbox (--send-via).", 0 },
    i_submit = DURATION("submit_time", "smtp_submit_duration_seconds",
	"Seconds to connect, secure, log in and submit the probe message "
	"over SMTP (--send-via)."),
    i_delivered = { "delivered", REPORT_BOOL, 0, 0, "delivery_success",
	"Whether the probe message arrived in time (1) or not (0) "
	"(--send-via).", 0 };

struct check;

/* A command of the probe: whose it is (a mailbox, or -1), its answer. */
struct pcmd {
	struct check		*c;
	int			 i;
	int			 sent;
	struct sess_reply	 rep;
};

/* One mailbox: what was measured, and the commands that measure it. */
struct mbx {
	const char	*name;		/* UTF-8, as given */
	int		 have_counts;
	uint32_t	 messages, unseen;
	int		 have_min;	/* lowest unseen UID known */
	uint32_t	 min_uid;
	int		 have_age;
	time_t		 arrived;	/* of the oldest unseen */
	int		 have_max;	/* highest UID known (ESEARCH MAX) */
	uint32_t	 max_uid;
	int		 newest_asked;	/* a FETCH of the newest was sent */
	int		 have_newest;
	uint32_t	 newest_uid;
	time_t		 newest;
	int		 have_query;
	uint64_t	 query_n;
	struct pcmd	 c_status, c_quota, c_examine, c_unseen, c_min, c_max,
			 c_newest, c_query, c_examine2, c_min2, c_newest2;
};

/* What was measured of the whole check; a negative duration was not. */
struct meas {
	double		 time, connect, tls, login;
	int		 have_quota;
	double		 quota_pct;
	int		 have_storage, have_qmsg;
	double		 storage_pct, qmsg_pct;
	uint64_t	 storage, storage_limit, qmsg, qmsg_limit;
	char		 quota_err[ERR_MSG_MAX + 32];
	int		 have_cert;
	time_t		 not_after;
	char		 cert_invalid[128];	/* why it does not verify */
	int		 secured;	/* TLS was up */
};

struct check {
	struct ctx	*ctx;
	int		 deliver;	/* --send-via */
	struct smtp_url	 via;
	struct delivery_result d;
	struct err	 derr;		/* why the round trip failed */
	int		 d_failed;
	struct report	*r;
	struct mbx	*mb;
	size_t		 nmb;
	struct sess_pipe *p;		/* the probe's commands */
	struct pcmd	 logout;
	int		 logout_queued;	/* sess_send_logout: a login on its way */
	int		 redo;		/* a guess was wrong: measure again */
	double		 spent;		/* seconds of a connection given up */
	const char	*query;		/* --query, or NULL */
	struct search_query *q;
	const struct range *warn, *crit;	/* opt's, T_COUNT each */
	struct meas	 m;
	time_t		 now;
};

static enum report_state
failure_state(const struct err *e)
{
	switch (e->kind) {
	case ERR_NOHOST:
	case ERR_UNAVAILABLE:
	case ERR_IO:
	case ERR_TIMEOUT:
	case ERR_PROTOCOL:
	case ERR_AUTH:
		return REPORT_CRITICAL;
	default:
		return REPORT_UNKNOWN;
	}
}

static void
fail(struct check *c, const struct err *e)
{
	char msg[ERR_MSG_MAX + ERR_CODE_MAX + 8];

	snprintf(msg, sizeof(msg), "%s%s%s%s", e->msg, e->code[0] ? " [" : "",
	    e->code, e->code[0] ? "]" : "");
	report_fail(c->r, failure_state(e), msg);
}

/* "45s", "12min", "5h", "3d": how a person reads an age, as it is typed. */
static void
age_text(char *out, size_t outlen, double s)
{
	if (s < 120)
		snprintf(out, outlen, "%ds", (int)s);
	else if (s < 2 * 3600)
		snprintf(out, outlen, "%dmin", (int)(s / 60));
	else if (s < 2 * 86400)
		snprintf(out, outlen, "%dh", (int)(s / 3600));
	else
		snprintf(out, outlen, "%lldd", (long long)(s / 86400));
}

static const char *
mark(enum report_state st)
{
	return st == REPORT_CRITICAL ? " (CRITICAL)" :
	    st == REPORT_WARNING ? " (WARNING)" : "";
}

/* A threshold on something not measured: UNKNOWN, and why. */
static void
unmeasured(struct check *c, int t, const char *why)
{
	if (c->warn[t].set || c->crit[t].set) {
		report_raise(c->r, REPORT_UNKNOWN);
		report_text(c->r, "%s", why);
	}
}

static void
put_duration(struct check *c, const struct report_item *it, double v,
    int t)
{
	if (v < 0)
		report_none(c->r, it);
	else if (t >= 0)
		report_value(c->r, it, v, &c->warn[t], &c->crit[t], NAN);
	else
		report_value(c->r, it, v, NULL, NULL, NAN);
}

static double
age_since(const struct check *c, time_t t)
{
	double v = difftime(c->now, t);

	return v < 0 ? 0 : v;
}

/* One mailbox's measurements, and its piece of the summary. */
static void
put_mailbox(struct check *c, const struct mbx *b)
{
	struct report *r = c->r;
	enum report_state st, st2;
	char age[32];
	double v;

	if (!b->have_counts) {
		report_none(r, &i_messages);
		report_none(r, &i_unseen);
		report_none(r, &i_age);
		report_none(r, &i_newest);
		report_none(r, &i_query);
		return;
	}
	st = report_value(r, &i_messages, b->messages, &c->warn[T_MESSAGES],
	    &c->crit[T_MESSAGES], NAN);
	report_text(r, "%s %u messages%s", b->name, b->messages, mark(st));
	st = report_value(r, &i_unseen, b->unseen, &c->warn[T_UNSEEN],
	    &c->crit[T_UNSEEN], NAN);
	report_text(r, "%u unseen%s", b->unseen, mark(st));
	if (b->unseen == 0 || b->have_age) {
		v = b->unseen == 0 ? 0 : age_since(c, b->arrived);
		st = report_value(r, &i_age, v, &c->warn[T_AGE],
		    &c->crit[T_AGE], NAN);
		if (b->unseen > 0) {
			age_text(age, sizeof(age), v);
			report_text(r, "oldest unseen %s%s", age, mark(st));
		}
	} else
		report_none(r, &i_age);
	if (b->have_newest) {
		v = age_since(c, b->newest);
		st = report_value(r, &i_newest, v, &c->warn[T_NEWEST],
		    &c->crit[T_NEWEST], NAN);
		if (c->warn[T_NEWEST].set || c->crit[T_NEWEST].set) {
			age_text(age, sizeof(age), v);
			report_text(r, "newest %s%s", age, mark(st));
		}
	} else {
		report_none(r, &i_newest);
		/*
		 * No message at all is no message for too long: as old as
		 * can be for the thresholds.
		 */
		if (b->messages == 0 && (c->warn[T_NEWEST].set ||
		    c->crit[T_NEWEST].set)) {
			st = range_alerts(&c->crit[T_NEWEST], INFINITY) ?
			    REPORT_CRITICAL : range_alerts(&c->warn[T_NEWEST],
			    INFINITY) ? REPORT_WARNING : REPORT_OK;
			report_raise(r, st);
			report_text(r, "no messages%s", mark(st));
		}
	}
	if (b->have_query) {
		st2 = report_value(r, &i_query, (double)b->query_n,
		    &c->warn[T_QUERY], &c->crit[T_QUERY], NAN);
		report_text(r, "%llu matching the query%s",
		    (unsigned long long)b->query_n, mark(st2));
	} else
		report_none(r, &i_query);
}

/* The delivery round trip's measurements, and what became of it. */
static void
put_delivery(struct check *c)
{
	const struct delivery_result *d = &c->d;
	struct report *r = c->r;
	enum report_state st;
	char secs[EMIT_FIXED_MAX];

	if (!c->deliver || (!d->submitted && !c->d_failed)) {
		report_none(r, &i_delivery);
		report_none(r, &i_submit);
		report_none(r, &i_delivered);
		if (c->deliver)
			unmeasured(c, T_DELIVERY, "delivery not measured");
		return;
	}
	if (d->arrived) {
		st = report_value(r, &i_delivery, d->delivery_time,
		    &c->warn[T_DELIVERY], &c->crit[T_DELIVERY], NAN);
		emit_fmt_fixed(secs, d->delivery_time, 3);
		report_text(r, "delivered in %ss%s", secs, mark(st));
	} else
		report_none(r, &i_delivery);
	if (d->submitted)
		report_value(r, &i_submit, d->submit_time, NULL, NULL, NAN);
	else
		report_none(r, &i_submit);
	report_value(r, &i_delivered, d->arrived, NULL, NULL, NAN);
	if (c->d_failed) {
		/* A failing password command is the check's own failure. */
		st = failure_state(&c->derr);
		report_raise(r, st);
		report_text(r, "%s%s", c->derr.msg, mark(st));
	} else if (!d->arrived) {
		report_raise(r, REPORT_CRITICAL);
		emit_fmt_fixed(secs, d->waited, 1);
		report_text(r, "probe message not delivered within %s s "
		    "(CRITICAL)", secs);
	} else if (d->flagged_only || d->cleanup.kind != ERR_NONE) {
		report_raise(r, REPORT_WARNING);
		report_text(r, "probe message UID %u %s: %s (WARNING)",
		    d->uid, d->flagged_only ? "flagged \\Deleted, not "
		    "expunged" : "not deleted", d->cleanup.msg);
	}
}

/* Every measurement, in the record's order; pieces of the summary. */
static void
put_items(struct check *c)
{
	struct meas *m = &c->m;
	struct report *r = c->r;
	enum report_state st;
	char secs[EMIT_FIXED_MAX], pct[EMIT_FIXED_MAX], day[16];
	long long left, days;
	struct tm tm;
	size_t i;

	put_duration(c, &i_time, m->time, T_TIME);
	put_duration(c, &i_connect, m->connect, -1);
	put_duration(c, &i_tls, m->tls, -1);
	put_duration(c, &i_login, m->login, -1);
	for (i = 0; i < c->nmb; i++) {
		report_part(r, (int)i);
		put_mailbox(c, &c->mb[i]);
	}
	report_part(r, -1);
	if (m->have_quota) {
		st = report_value(r, &i_quota, m->quota_pct, &c->warn[T_QUOTA],
		    &c->crit[T_QUOTA], 100);
		/* Whole percents, truncated: past any int when a server says so. */
		emit_fmt_fixed(pct, m->quota_pct < 9.2e18 ?
		    (double)(uint64_t)m->quota_pct : m->quota_pct, 0);
		report_text(r, "quota %s%%%s", pct, mark(st));
	} else {
		report_none(r, &i_quota);
		if (m->quota_err[0])
			unmeasured(c, T_QUOTA, m->quota_err);
	}
	if (m->have_storage) {
		report_value(r, &i_storage, (double)m->storage * 1024, NULL,
		    NULL, (double)m->storage_limit * 1024);
		report_value(r, &i_storage_limit, (double)m->storage_limit *
		    1024, NULL, NULL, NAN);
	} else {
		report_none(r, &i_storage);
		report_none(r, &i_storage_limit);
	}
	if (m->have_qmsg) {
		report_value(r, &i_qmessages, (double)m->qmsg, NULL, NULL,
		    (double)m->qmsg_limit);
		report_value(r, &i_qmessages_limit, (double)m->qmsg_limit,
		    NULL, NULL, NAN);
	} else {
		report_none(r, &i_qmessages);
		report_none(r, &i_qmessages_limit);
	}
	if (m->have_cert) {
		/* Whole days left, rounded down: -1 once it has expired. */
		left = (long long)m->not_after - (long long)c->now;
		days = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
		st = report_value(r, &i_cert_days, (double)days,
		    &c->warn[T_CERT], &c->crit[T_CERT], NAN);
		/*
		 * Whatever the thresholds say, and though --insecure let the
		 * check go on: clients refuse it, the service is down.
		 */
		if (left < 0) {
			report_raise(r, REPORT_CRITICAL);
			gmtime_r(&m->not_after, &tm);
			strftime(day, sizeof(day), "%Y-%m-%d", &tm);
			report_text(r, "certificate expired on %s (CRITICAL)",
			    day);
		} else if (m->cert_invalid[0] != '\0') {
			report_raise(r, REPORT_CRITICAL);
			report_text(r, "certificate not valid: %s (CRITICAL)",
			    m->cert_invalid);
		} else
			report_text(r, "certificate %lld days%s", days,
			    mark(st));
		report_value(r, &i_cert, (double)m->not_after, NULL, NULL, NAN);
		report_value(r, &i_cert_valid, left >= 0 &&
		    m->cert_invalid[0] == '\0', NULL, NULL, NAN);
	} else {
		report_none(r, &i_cert_days);
		report_none(r, &i_cert);
		report_none(r, &i_cert_valid);
		if (!m->secured)
			unmeasured(c, T_CERT, "no certificate without TLS");
	}
	put_delivery(c);
	if (m->time >= 0 && emit_fmt_fixed(secs, m->time, 3) > 0)
		report_text(r, "checked in %ss%s", secs, mark(range_alerts(
		    &c->crit[T_TIME], m->time) ? REPORT_CRITICAL :
		    range_alerts(&c->warn[T_TIME], m->time) ? REPORT_WARNING :
		    REPORT_OK));
}

/* Untagged responses ----------------------------------------------------- */

static void
take_quota(struct meas *m, const struct imap_resp *r)
{
	const struct imap_arg *it;
	struct quota_res q;
	const char *root;
	size_t len;
	double pct;

	if (quota_parse(r, &root, &len, &it) != 1)
		return;
	while (quota_next(&it, &q)) {
		pct = quota_percent(&q);
		if (!m->have_quota || pct > m->quota_pct)
			m->quota_pct = pct;
		m->have_quota = 1;
		if (strcasecmp(q.name, "STORAGE") == 0 &&
		    (!m->have_storage || pct > m->storage_pct)) {
			m->have_storage = 1;
			m->storage_pct = pct;
			m->storage = q.usage;
			m->storage_limit = q.limit;
		} else if (strcasecmp(q.name, "MESSAGE") == 0 &&
		    (!m->have_qmsg || pct > m->qmsg_pct)) {
			m->have_qmsg = 1;
			m->qmsg_pct = pct;
			m->qmsg = q.usage;
			m->qmsg_limit = q.limit;
		}
	}
}

/* INBOX is INBOX in any case; other names are as they are. */
static int
same_mailbox(const char *a, const char *b)
{
	if (strcasecmp(a, "INBOX") == 0)
		return strcasecmp(b, "INBOX") == 0;
	return strcmp(a, b) == 0;
}

static struct mbx *
mailbox_named(struct check *c, struct sess *s, const char *p, size_t n)
{
	struct buf name;
	struct mbx *b = NULL;
	size_t i;

	buf_init(&name, 4 * n + 16);
	sess_mailbox_decode(s, p, n, &name);
	for (i = 0; i < c->nmb && b == NULL; i++)
		if (same_mailbox(c->mb[i].name, name.s))
			b = &c->mb[i];
	buf_free(&name);
	return b;
}

/* A search's answer, of mailbox b's command cmd. */
struct taking {
	struct mbx		*b;
	const struct pcmd	*cmd;
};

/* "* ESEARCH (TAG "A5") UID MIN 7": what the command asked for. */
static int
take_value(void *ctx, enum search_value name, uint64_t v, struct err *e)
{
	struct taking *t = ctx;
	struct mbx *b = t->b;

	(void)e;
	if (t->cmd == &b->c_unseen && name == SEARCH_VALUE_MIN) {
		b->have_min = 1;
		b->min_uid = (uint32_t)v;
	} else if (t->cmd == &b->c_max && name == SEARCH_VALUE_MAX) {
		b->have_max = 1;
		b->max_uid = (uint32_t)v;
	} else if (t->cmd == &b->c_query && name == SEARCH_VALUE_COUNT) {
		b->have_query = 1;
		b->query_n = v;
	}
	return 0;
}

/* "* SEARCH 4 9 12" of the unseen: the lowest, as the numbers go by. */
static int
take_uid(void *ctx, uint32_t first, uint32_t last, struct err *e)
{
	struct mbx *b = ((struct taking *)ctx)->b;

	(void)e;
	if (last < first)
		first = last;
	if (!b->have_min || first < b->min_uid) {
		b->have_min = 1;
		b->min_uid = first;
	}
	return 0;
}

/*
 * A search's answer: an ESEARCH is its command's by the tag, a plain
 * SEARCH the oldest command's in flight, when that is the unseen search.
 * What answers none of the probe's commands is left alone; an answer to
 * one that does not hold together is a garbled answer.
 */
static int
take_search(struct check *c, const struct imap_resp *r, struct err *e)
{
	struct search_walker w = { NULL, NULL, NULL, 0 };
	struct taking t;
	const struct pcmd *cmd;
	const char *tag;
	size_t len;

	switch (search_answer(r, &tag, &len)) {
	case SEARCH_ANSWER_ESEARCH:
		cmd = tag != NULL ? sess_pipe_tagged(c->p, tag, len) : NULL;
		w.value = take_value;
		break;
	case SEARCH_ANSWER_SEARCH:
		cmd = sess_pipe_oldest(c->p);
		if (cmd != NULL && cmd->i >= 0 &&
		    cmd != &c->mb[cmd->i].c_unseen)
			cmd = NULL;
		w.uids = take_uid;
		break;
	default:
		return 0;	/* SORT: never asked */
	}
	if (cmd == NULL || cmd->i < 0)
		return 0;	/* not the probe's */
	t.b = &c->mb[cmd->i];
	t.cmd = cmd;
	w.ctx = &t;
	return search_walk(r, &w, e);
}

/* "* N FETCH (UID u INTERNALDATE "...")" in the mailbox examined. */
static void
take_fetch(struct mbx *b, const struct imap_arg *a)
{
	const struct imap_arg *it;
	const char *date = NULL;
	size_t len = 0;
	uint32_t uid = 0;
	time_t t;

	if (!imap_arg_list(a->next->next, &it, NULL))
		return;
	for (; it != NULL && it->next != NULL; it = it->next->next) {
		if (imap_arg_is(it, "UID"))
			imap_arg_u32(it->next, &uid);
		else if (imap_arg_is(it, "INTERNALDATE"))
			imap_arg_string(it->next, &date, &len);
	}
	if (date == NULL || uid == 0 ||
	    (t = date_parse_internal(date, len)) == (time_t)-1)
		return;
	if (b->have_min && uid == b->min_uid) {
		b->have_age = 1;
		b->arrived = t;
	}
	if (b->newest_asked && (!b->have_newest || uid >= b->newest_uid)) {
		b->have_newest = 1;
		b->newest_uid = uid;
		b->newest = t;
	}
}

/*
 * The mailbox whose command the server answers now: that of the oldest in
 * flight (answers come in the order of the commands), or NULL.
 */
static struct mbx *
answering(struct check *c)
{
	const struct pcmd *pc = sess_pipe_oldest(c->p);

	return pc != NULL && pc->i >= 0 ? &c->mb[pc->i] : NULL;
}

/* Sent and not yet answered. */
static int
in_flight(const struct pcmd *pc)
{
	return pc->sent && pc->rep.status == IMAP_ST_NONE;
}

/*
 * Whether a STATUS (b: of that mailbox; NULL: of any, as for one that
 * does not parse) or a QUOTA can answer one of the probe's commands now:
 * what comes after the answer, during LOGOUT say, is not the probe's.
 */
static int
status_due(const struct check *c, const struct mbx *b)
{
	size_t i;

	if (b != NULL)
		return in_flight(&b->c_status);
	for (i = 0; i < c->nmb; i++)
		if (in_flight(&c->mb[i].c_status))
			return 1;
	return 0;
}

static int
quota_due(const struct check *c)
{
	size_t i;

	for (i = 0; i < c->nmb; i++)
		if (in_flight(&c->mb[i].c_quota))
			return 1;
	return 0;
}

static int
on_untagged(void *arg, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct check *c = arg;
	struct mbox_status st;
	const struct imap_arg *a = r->args;
	struct mbx *b;
	const char *name;
	size_t len;
	uint32_t n;

	if (r->status != IMAP_ST_NONE)
		return 0;
	switch (mbox_parse_status(r, &name, &len, &st)) {
	case -1:
		if (!status_due(c, NULL))
			return 0;	/* not the probe's */
		return err_set(e, ERR_PROTOCOL, "malformed STATUS response");
	case 1:
		b = mailbox_named(c, s, name, len);
		if (b != NULL && status_due(c, b) && (st.have & (MST_MESSAGES | MST_UNSEEN)) ==
		    (MST_MESSAGES | MST_UNSEEN)) {
			b->have_counts = 1;
			b->messages = st.messages;
			b->unseen = st.unseen;
		}
		return 0;
	}
	b = answering(c);
	if (imap_arg_is(a, "QUOTA")) {
		if (quota_due(c))
			take_quota(&c->m, r);
	} else if (search_answer(r, NULL, NULL) != SEARCH_ANSWER_NONE)
		return take_search(c, r, e);
	else if (imap_arg_u32(a, &n) && imap_arg_is(a->next, "FETCH") &&
	    b != NULL)
		take_fetch(b, a);
	return 0;
}

/* The measurements after login ------------------------------------------ */

static int
pcmd_done(void *ctx, struct sess *s, const struct sess_reply *rep,
    struct err *e)
{
	struct pcmd *pc = ctx;

	return sess_done_keep(&pc->rep, s, rep, e);
}

/* Send a command of mailbox i (-1: none) as pc. */
static int
psend(struct check *c, struct pcmd *pc, int i, struct err *e,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	pc->c = c;
	pc->i = i;
	va_start(ap, fmt);
	r = sess_pipe_vsend(c->p, pcmd_done, pc, e, fmt, ap);
	va_end(ap);
	if (r == 0)
		pc->sent = 1;
	return r;
}

/* Wait for what was sent; after LOGOUT's answer there is no goodbye. */
static int
wait_all(struct check *c, struct err *e)
{
	if (sess_pipe_drain(c->p, e) < 0)
		return -1;
	/* The server closes now; the session must not say goodbye again. */
	if (c->logout.sent)
		sess_set_state(c->ctx->sess, SESS_LOGOUT);
	return 0;
}

static int
check_cmd(const struct pcmd *pc, struct err *e, const char *fmt,
    const char *name)
{
	if (!pc->sent || sess_reply_check(&pc->rep, e) == 0)
		return 0;
	err_prefix(e, fmt, name);
	return -1;
}

/*
 * The first write: counts and quota of every mailbox, then each examined
 * in turn with its searches and, with SEARCHRES, its FETCHes; the query's
 * count where one command gives it. later_r: how many queries were left
 * for later. Every command's answer is kept in c->mb.
 */
static int
send_first(struct check *c, int saveres, int esearch, int quota,
    size_t *later_r, struct err *e)
{
	struct mbx *b;
	size_t i;
	int k, r;

	*later_r = 0;
	for (i = 0; i < c->nmb; i++) {
		k = (int)i;
		if (psend(c, &c->mb[i].c_status, k, e, "STATUS %M (MESSAGES "
		    "UNSEEN)", c->mb[i].name) < 0 || (quota && psend(c,
		    &c->mb[i].c_quota, k, e, "GETQUOTAROOT %M",
		    c->mb[i].name) < 0))
			return -1;
	}
	for (i = 0; i < c->nmb; i++) {
		b = &c->mb[i];
		k = (int)i;
		if (psend(c, &b->c_examine, k, e, "EXAMINE %M", b->name) < 0 ||
		    psend(c, &b->c_unseen, k, e, saveres ?
		    "UID SEARCH RETURN (SAVE MIN) UNSEEN" : esearch ?
		    "UID SEARCH RETURN (MIN) UNSEEN" : "UID SEARCH UNSEEN") < 0)
			return -1;
		if (saveres && psend(c, &b->c_min, k, e,
		    "UID FETCH $ (UID INTERNALDATE)") < 0)
			return -1;
		if (esearch && psend(c, &b->c_max, k, e, saveres ?
		    "UID SEARCH RETURN (SAVE MAX) ALL" :
		    "UID SEARCH RETURN (MAX) ALL") < 0)
			return -1;
		if (saveres) {
			b->newest_asked = 1;
			if (psend(c, &b->c_newest, k, e,
			    "UID FETCH $ (UID INTERNALDATE)") < 0)
				return -1;
		}
		if (c->q == NULL)
			continue;
		b->c_query.c = c;
		b->c_query.i = k;
		if ((r = search_queue_count(c->p, pcmd_done, &b->c_query, c->q,
		    e)) < 0)
			return -1;
		b->c_query.sent = r == 1;
		if (r == 2)
			b->have_query = 1;	/* matches nothing: 0 */
		else if (r == 0)
			(*later_r)++;
	}
	return 0;
}

/* Whether a mailbox needs the FETCHes SEARCHRES would have spared. */
static int
needs_fetch(const struct mbx *b, int saveres)
{
	return !saveres && b->have_counts && (b->have_min ||
	    b->messages > 0);
}

/*
 * Without SEARCHRES: each mailbox again, with a FETCH of its oldest
 * unseen and of its newest message (by UID from ESEARCH MAX, else the
 * last by number).
 */
static int
send_fetches(struct check *c, struct err *e)
{
	struct mbx *b;
	size_t i;
	int k;

	for (i = 0; i < c->nmb; i++) {
		b = &c->mb[i];
		k = (int)i;
		if (!needs_fetch(b, 0))
			continue;
		if (psend(c, &b->c_examine2, k, e, "EXAMINE %M", b->name) < 0)
			return -1;
		if (b->have_min && psend(c, &b->c_min2, k, e,
		    "UID FETCH %u (UID INTERNALDATE)", b->min_uid) < 0)
			return -1;
		if (b->messages == 0)
			continue;
		b->newest_asked = 1;
		if (b->have_max ? psend(c, &b->c_newest2, k, e,
		    "UID FETCH %u (UID INTERNALDATE)", b->max_uid) < 0 :
		    psend(c, &b->c_newest2, k, e,
		    "FETCH * (UID INTERNALDATE)") < 0)
			return -1;
	}
	return 0;
}

/* The queries one command could not count: each mailbox in turn. */
static int
count_later(struct check *c, struct err *e)
{
	struct sess *s = c->ctx->sess;
	struct mbx *b;
	size_t i;

	for (i = 0; i < c->nmb; i++) {
		b = &c->mb[i];
		if (b->have_query || b->c_query.sent)
			continue;
		if (sess_run(s, e, "EXAMINE %M", b->name) < 0) {
			err_prefix(e, "cannot open mailbox '%s'", b->name);
			return -1;
		}
		if (search_count(s, c->q, &b->query_n, e) < 0) {
			err_prefix(e, "cannot count the query in '%s'",
			    b->name);
			return -1;
		}
		b->have_query = 1;
	}
	return 0;
}

/* What the first write relies on where the server has not said it. */
#define GUESSED	"QUOTA ESEARCH SEARCHRES"

static int
failed_cmd(const struct pcmd *pc)
{
	return pc->sent && pc->rep.status != IMAP_ST_OK;
}

/*
 * Whether a command that relies on a capability failed where nothing
 * else explains it (a mailbox that could not be examined does).
 */
static int
guess_failed(const struct check *c, int quota)
{
	const struct mbx *b;
	size_t i;

	for (i = 0; i < c->nmb; i++) {
		b = &c->mb[i];
		if (quota && failed_cmd(&b->c_quota))
			return 1;
		if (failed_cmd(&b->c_examine))
			continue;
		if (failed_cmd(&b->c_unseen) || failed_cmd(&b->c_min) ||
		    failed_cmd(&b->c_max) || failed_cmd(&b->c_newest) ||
		    failed_cmd(&b->c_query))
			return 1;
	}
	return 0;
}

/* Nothing of a first try is kept for the second. */
static void
measure_reset(struct check *c)
{
	struct mbx *b;
	const char *name;
	size_t i;

	for (i = 0; i < c->nmb; i++) {
		b = &c->mb[i];
		name = b->name;
		memset(b, 0, sizeof(*b));
		b->name = name;
	}
	memset(&c->m, 0, sizeof(c->m));
	c->m.time = c->m.connect = c->m.tls = c->m.login = -1;
	memset(&c->logout, 0, sizeof(c->logout));
	c->logout_queued = 0;
	c->redo = 0;
}

static int server_query(struct check *, struct err *);

static int
measure_run(struct check *c, int quota, int esearch, int saveres)
{
	struct sess *s = c->ctx->sess;
	struct err *e = &c->ctx->err;
	struct mbx *b;
	size_t i, later = 0;
	int bye = !c->deliver;	/* LOGOUT goes with the last turn */
	int r;

	if (!quota)
		snprintf(c->m.quota_err, sizeof(c->m.quota_err), "quota "
		    "unknown: the server offers no QUOTA");
	if (send_first(c, saveres, esearch, quota, &later, e) < 0)
		return -1;
	/*
	 * LOGOUT in the same write when nothing else is to come; with the
	 * login on its way, as the session's own, so that being logged in
	 * asks nothing after it.
	 */
	if (bye && saveres && later == 0) {
		if (c->ctx->login != NULL) {
			if (sess_send_logout(s, e) < 0)
				return -1;
			c->logout_queued = 1;
		} else if (psend(c, &c->logout, -1, e, "LOGOUT") < 0)
			return -1;
	}
	r = sess_pipe_drain(c->p, e);
	/* A refused login is the failure, whatever the commands got. */
	if (cmd_logged_in(c->ctx) < 0 || r < 0)
		return -1;
	/* The server closes now; the session must not say goodbye again. */
	if (c->logout.sent)
		sess_set_state(s, SESS_LOGOUT);
	/* Assumed, and not taken: all again, the login waited for. */
	if (cmd_guessed_wrong(c->ctx, c->query != NULL ? GUESSED " WITHIN" :
	    GUESSED, guess_failed(c, quota))) {
		c->redo = 1;
		return 0;
	}
	for (i = 0; i < c->nmb; i++) {
		b = &c->mb[i];
		if (check_cmd(&b->c_status, e, "cannot get the counts of '%s'",
		    b->name) < 0)
			return -1;
		if (quota && b->c_quota.rep.status != IMAP_ST_OK) {
			c->m.have_quota = c->m.have_storage = 0;
			c->m.have_qmsg = 0;
			snprintf(c->m.quota_err, sizeof(c->m.quota_err),
			    "quota unknown: %s", b->c_quota.rep.text);
			quota = 0;
		}
	}
	for (i = 0; i < c->nmb; i++) {
		b = &c->mb[i];
		if (check_cmd(&b->c_examine, e, "cannot open mailbox '%s'",
		    b->name) < 0 ||
		    check_cmd(&b->c_unseen, e, "cannot search '%s' for unseen "
		    "messages", b->name) < 0 ||
		    check_cmd(&b->c_min, e, "cannot fetch the oldest unseen "
		    "message of '%s'", b->name) < 0 ||
		    check_cmd(&b->c_max, e, "cannot search '%s' for its newest "
		    "message", b->name) < 0 ||
		    check_cmd(&b->c_newest, e, "cannot fetch the newest message "
		    "of '%s'", b->name) < 0 ||
		    check_cmd(&b->c_query, e, "cannot count the query in '%s'",
		    b->name) < 0)
			return -1;
		if (b->c_query.sent && !b->have_query)
			b->have_query = 1;	/* no COUNT: none */
	}
	if (!saveres) {
		/* The FETCHes had to wait for the searches: one turn more. */
		if (send_fetches(c, e) < 0 || (bye && later == 0 &&
		    psend(c, &c->logout, -1, e, "LOGOUT") < 0) ||
		    wait_all(c, e) < 0)
			return -1;
		for (i = 0; i < c->nmb; i++) {
			b = &c->mb[i];
			if (check_cmd(&b->c_examine2, e, "cannot open mailbox "
			    "'%s'", b->name) < 0 ||
			    check_cmd(&b->c_min2, e, "cannot fetch the "
			    "oldest unseen message of '%s'", b->name) < 0 ||
			    check_cmd(&b->c_newest2, e, "cannot fetch the "
			    "newest message of '%s'", b->name) < 0)
				return -1;
		}
	}
	if (later > 0 && count_later(c, e) < 0)
		return -1;
	if (bye && later > 0 && (psend(c, &c->logout, -1, e, "LOGOUT") < 0 ||
	    wait_all(c, e) < 0))
		return -1;
	/*
	 * The server closes now; the session must not say goodbye again
	 * (queued as the session's own: it waits for the answer).
	 */
	if (bye && !c->logout_queued)
		sess_set_state(s, SESS_LOGOUT);
	return 0;
}

/*
 * The probe's commands go through one pipeline, whose scope hears every
 * answer; it ends on every path, so that nothing the server sends later
 * reaches c.
 */
static int
measure(struct check *c)
{
	struct sess *s;
	struct sess_scope sc = { on_untagged, NULL, NULL, NULL };
	int quota, esearch, saveres, r;

	sc.ctx = c;
	for (;;) {
		s = c->ctx->sess;
		quota = sess_has_cap(s, "QUOTA");
		esearch = sess_has_cap(s, "ESEARCH");
		saveres = esearch && sess_has_cap(s, "SEARCHRES");
		c->p = sess_pipe_begin(s, &sc, 0);
		r = measure_run(c, quota, esearch, saveres);
		r = sess_pipe_end(c->p, r, &c->ctx->err);
		c->p = NULL;
		if (r < 0 || !c->redo)
			return r;
		/* The time of the first try counts: the probe took it. */
		c->spent += sess_since(s, SESS_MARK_START);
		measure_reset(c);
		if (cmd_connect_again(c->ctx) < 0 ||
		    server_query(c, &c->ctx->err) < 0)
			return -1;
	}
}

/* What the connection told us, whether or not it got as far as login. */
static void
take_session(struct check *c)
{
	struct sess *s = c->ctx->sess;
	struct meas *m = &c->m;
	struct tls_info ti;

	if (s == NULL)
		return;
	m->connect = sess_elapsed(s, SESS_MARK_START, SESS_MARK_TCP);
	m->tls = sess_elapsed(s, SESS_MARK_TLS_START, SESS_MARK_TLS_DONE);
	/* To the login's OK, not to the answers that went in its write. */
	m->login = sess_elapsed(s, SESS_MARK_READY, SESS_MARK_AUTHENTICATED);
	if (m->login < 0 && sess_elapsed(s, SESS_MARK_START,
	    SESS_MARK_AUTHENTICATED) >= 0)
		m->login = 0;	/* PREAUTH */
	m->time = sess_since(s, SESS_MARK_START);
	if (m->time >= 0)
		m->time += c->spent;
	if (sess_conn(s) != NULL && conn_is_tls(sess_conn(s))) {
		m->secured = 1;
		conn_tls_info(sess_conn(s), &ti);
		if (ti.not_after != 0) {
			m->have_cert = 1;
			m->not_after = ti.not_after;
			snprintf(m->cert_invalid, sizeof(m->cert_invalid),
			    "%s", ti.invalid);
		}
	}
}

/* The port as a number, a service name looked up; NAN if neither. */
static double
port_number(const char *port)
{
	const struct servent *se;
	char *end;
	unsigned long v;

	if (port == NULL || port[0] == '\0')
		return NAN;
	v = strtoul(port, &end, 10);
	if (*end == '\0' && port[0] >= '0' && port[0] <= '9')
		return v >= 1 && v <= 65535 ? (double)v : NAN;
	if ((se = getservbyname(port, "tcp")) != NULL)
		return ntohs((uint16_t)se->s_port);
	return NAN;
}

/* The thresholds, read with their options: what goes with what. */
static int
check_thresholds(struct check *c, struct err *e)
{
	if ((c->warn[T_QUERY].set || c->crit[T_QUERY].set) && c->query == NULL)
		return err_set(e, ERR_USAGE, "--%s-query needs --query",
		    c->warn[T_QUERY].set ? "warning" : "critical");
	return 0;
}

/* The mailboxes: each once, INBOX when none is named. */
static int
parse_mailboxes(struct check *c, struct err *e)
{
	static const char *const inbox[] = { "INBOX" };
	const char *const *names = opt.mailbox.n > 0 ? opt.mailbox.v : inbox;
	size_t n = opt.mailbox.n > 0 ? opt.mailbox.n : 1, i, k;

	if (n > REPORT_MAX_PARTS)
		return err_set(e, ERR_USAGE, "more than %d mailboxes",
		    REPORT_MAX_PARTS);
	for (i = 0; i < n; i++)
		for (k = 0; k < i; k++)
			if (same_mailbox(names[i], names[k]))
				return err_set(e, ERR_USAGE, "mailbox '%s' "
				    "given twice", names[i]);
	c->mb = xcalloc(n, sizeof(*c->mb));
	c->nmb = n;
	for (i = 0; i < n; i++)
		c->mb[i].name = names[i];
	return 0;
}

/*
 * The query, compiled for what the server offers (caps), or to check it
 * before connecting (every extension allowed).
 */
static int
compile_query(struct check *c, unsigned caps, struct err *e)
{
	const char *terms[1];

	search_free(c->q);
	c->q = NULL;
	if (c->query == NULL)
		return 0;
	terms[0] = c->query;
	if (search_compile(terms, 1, 1, caps, time(NULL), &c->q, e) < 0) {
		err_prefix(e, "--query");
		return -1;
	}
	if (search_wants_stdin(c->q))
		return err_set(e, ERR_USAGE, "--query: check reads no UIDs "
		    "from standard input (uid:-)");
	return 0;
}

static int
server_query(struct check *c, struct err *e)
{
	struct sess *s = c->ctx->sess;
	unsigned caps = 0;

	if (sess_has_cap(s, "WITHIN"))
		caps |= SEARCH_CAP_WITHIN;
	if (sess_has_cap(s, "X-GM-EXT-1"))
		caps |= SEARCH_CAP_GMAIL;
	return compile_query(c, caps, e);
}

/*
 * How long to wait for the probe: until shortly before the run's
 * deadline (--deadline; check's is 10 s by default), keeping a fifth of
 * what is left, a second at most, to delete the probe and log out.
 * Without a deadline, --timeout from its submission on.
 */
static void
delivery_wait(const struct check *c, struct delivery_opts *o)
{
	int left, cut;

	o->wait_ms = sess_options(c->ctx->sess)->timeout_ms;
	if (!deadline_is_set())
		return;
	left = deadline_cap(INT_MAX, &cut);
	o->until_ms = deadline_now_ms() + left - (left / 5 < 1000 ?
	    left / 5 : 1000);
}

/* --send-via and what goes with it, before connecting. */
static int
parse_delivery(struct check *c, struct err *e)
{
	if (opt.send_via == NULL) {
		if (c->warn[T_DELIVERY].set || c->crit[T_DELIVERY].set ||
		    opt.probe_to != NULL || opt.probe_from != NULL)
			return err_set(e, ERR_USAGE, "--%s needs --send-via",
			    c->warn[T_DELIVERY].set ? "warning-delivery" :
			    c->crit[T_DELIVERY].set ? "critical-delivery" :
			    opt.probe_to != NULL ? "probe-to" : "probe-from");
		return 0;
	}
	if (smtp_url_parse(opt.send_via, &c->via, e) < 0)
		return -1;
	c->deliver = 1;
	return 0;
}

/* Our name in EHLO: the host's, where it is a domain; else the sender's. */
static void
helo_name(char *out, size_t outlen, const char *from)
{
	const char *at = strrchr(from, '@');

	if (gethostname(out, outlen) == 0 && out[outlen - 1] == '\0' &&
	    strchr(out, '.') != NULL)
		return;
	snprintf(out, outlen, "%s", at != NULL ? at + 1 : "localhost");
}

/*
 * The round trip, on the session logged in for the measurements: the
 * SMTP login as the URL's user, else the account's smtp_user, else the
 * IMAP user; with the account's smtp_password_cmd, else the IMAP secret.
 */
static void
deliver(struct check *c)
{
	struct ctx *ctx = c->ctx;
	struct settings *st = ctx->settings;
	const struct account *a = st->acct;
	struct smtp_opts so;
	struct delivery_opts o;
	struct buf pw;
	const char *to, *from;
	char helo[256];
	int have_pw = 0;

	err_clear(&c->derr);
	buf_init(&pw, SECRET_MAX);
	to = opt.probe_to != NULL ? opt.probe_to : st->ao.user;
	if (to == NULL || strchr(to, '@') == NULL) {
		err_set(&c->derr, ERR_USAGE, "the delivery probe needs a "
		    "recipient: --probe-to ADDRESS (the user '%s' is no "
		    "address)", to ? to : "");
		goto fail;
	}
	from = opt.probe_from != NULL ? opt.probe_from : to;
	if (settings_smtp_secret(st, &pw, &have_pw, &c->derr) < 0)
		goto fail;
	memset(&so, 0, sizeof(so));
	so.host = c->via.host;
	so.port = c->via.port;
	so.tls = c->via.tls;
	/* The IMAP server's trust, not its client certificate. */
	so.tlso.cafile = st->so.tlso.cafile;
	so.tlso.insecure = st->so.tlso.insecure;
	so.timeout_ms = st->so.timeout_ms;
	helo_name(helo, sizeof(helo), from);
	so.helo = helo;
	so.trace = st->so.trace;
	so.user = c->via.user ? c->via.user : a && a->smtp_user ?
	    a->smtp_user : st->ao.user;
	so.secret = have_pw ? pw.s : st->ao.secret;
	so.is_token = have_pw ? 0 : st->ao.is_token;
	so.mech = have_pw && auth_mech_is_oauth(st->ao.mech) ? AUTH_AUTO :
	    st->ao.mech;
	memset(&o, 0, sizeof(o));
	o.smtp = &so;
	o.from = from;
	o.to = to;
	o.mailbox = c->mb[0].name;
	delivery_wait(c, &o);
	if (delivery_run(ctx->sess, &o, &c->d, &c->derr) < 0)
		goto fail;
	buf_wipe(&pw);
	return;
fail:
	buf_wipe(&pw);
	c->d_failed = 1;
}

static void
check_free(void *p)
{
	struct check *c = p;

	search_free(c->q);
	smtp_url_free(&c->via);
	free(c->mb);
	free(c);
}

/*
 * The options, before anything is connected, into the struct the probe
 * runs with: a usage error is left for main, whose UNKNOWN line it is.
 */
int
check_check(int argc, char **argv, struct ctx *ctx)
{
	struct check *c = xcalloc(1, sizeof(*c));
	struct err e;

	(void)argc;
	(void)argv;
	ctx->data = c;
	ctx->data_free = check_free;
	c->ctx = ctx;
	c->query = opt.query;
	c->warn = opt.warn;
	c->crit = opt.crit;
	err_clear(&e);
	if (parse_mailboxes(c, &e) < 0 || check_thresholds(c, &e) < 0 ||
	    parse_delivery(c, &e) < 0 ||
	    compile_query(c, SEARCH_CAP_WITHIN | SEARCH_CAP_GMAIL, &e) < 0)
		return cmd_usage_err(ctx, &e);
	return 0;
}

int
cmd_check(int argc, char **argv, struct ctx *ctx)
{
	struct check *c = ctx->data;
	const char *host, *port, *user;
	size_t i;

	c->r = ctx->report;
	c->m.time = c->m.connect = c->m.tls = c->m.login = -1;
	/*
	 * The SMTP login may be the IMAP one: keep its secret till then.
	 * The delivery round trip waits long anyway: its login is waited
	 * for.
	 */
	ctx->keep_secret = c->deliver;
	ctx->no_ahead = c->deliver;
	if (cmd_connect(ctx, argc, argv) < 0 ||
	    server_query(c, &ctx->err) < 0 || measure(c) < 0)
		fail(c, &ctx->err);
	else if (c->deliver)
		deliver(c);
	cmd_forget_secret(ctx);
	c->now = time(NULL);
	take_session(c);
	cmd_target(ctx, &host, &port, &user);
	report_label(c->r, "host", host);
	report_label_num(c->r, "port", port, port_number(port));
	report_label(c->r, "user", user);
	report_parts(c->r, "mailbox", "mailboxes");
	for (i = 0; i < c->nmb; i++)
		report_part_add(c->r, c->mb[i].name);
	put_items(c);
	return report_finish(c->r);
}
