/* SPDX-License-Identifier: MIT */
/*
 * check: a monitoring probe in the monitoring-plugins conventions. It logs
 * in, takes the mailbox's counts, the age of its oldest unseen message,
 * quota use, the time each step took and the days left on the server's
 * certificate, compares them with the thresholds, and reports one result
 * (lib/report.h): exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
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
 * (Dovecot sends them), login uses SASL-IR, and after login one write
 * holds STATUS, GETQUOTAROOT, EXAMINE, the unseen search, the FETCH of
 * the oldest unseen message's date and LOGOUT: with ESEARCH and SEARCHRES
 * the search saves its minimum for "UID FETCH $". Without SEARCHRES the
 * FETCH needs one turn more. Bounded work in any case: ESEARCH MIN, or the
 * lowest UID of a plain SEARCH, and one FETCH of one INTERNALDATE.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>
#include <netdb.h>

#include "cmd.h"
#include "date.h"
#include "mailbox.h"
#include "quota.h"
#include "range.h"
#include "report.h"

const struct opt check_opts[] = {
	{ "mailbox", 0, "MAILBOX", "the mailbox to check (default INBOX)",
	    OPT_COMPLETE_MAILBOX },
	{ "warning-time", 0, "RANGE", "seconds the whole check may take", 0 },
	{ "critical-time", 0, "RANGE", "the same, for CRITICAL", 0 },
	{ "warning-messages", 0, "RANGE", "messages in the mailbox", 0 },
	{ "critical-messages", 0, "RANGE", "the same, for CRITICAL", 0 },
	{ "warning-unseen", 0, "RANGE", "unseen messages in the mailbox", 0 },
	{ "critical-unseen", 0, "RANGE", "the same, for CRITICAL", 0 },
	{ "warning-age", 0, "RANGE", "age of the oldest unseen message "
	    "(seconds, or with s, m, h, d, w)", 0 },
	{ "critical-age", 0, "RANGE", "the same, for CRITICAL", 0 },
	{ "warning-quota", 0, "RANGE", "quota use in percent", 0 },
	{ "critical-quota", 0, "RANGE", "the same, for CRITICAL", 0 },
	{ "warning-cert-days", 0, "RANGE", "fewer days than this until the "
	    "server's certificate expires (e.g. 30)", 0 },
	{ "critical-cert-days", 0, "RANGE", "the same, for CRITICAL", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

enum { T_TIME, T_MESSAGES, T_UNSEEN, T_AGE, T_QUOTA, T_CERT, T_COUNT };

static const struct {
	const char	*name;
	unsigned	 flags;
} thresholds[T_COUNT] = {
	{ "time", 0 }, { "messages", 0 }, { "unseen", 0 },
	{ "age", RANGE_DURATION }, { "quota", 0 },
	{ "cert-days", RANGE_AT_LEAST },
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
	"1, or not: 0 (measured with --insecure).", 0 };

/* What was measured; a negative duration was not. */
struct meas {
	double		 time, connect, tls, login;
	int		 have_counts;
	uint32_t	 messages, unseen;
	int		 have_min;	/* lowest unseen UID known */
	uint32_t	 min_uid;
	int		 have_age;
	time_t		 arrived;
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
	struct report	*r;
	const char	*mailbox;
	struct range	 warn[T_COUNT], crit[T_COUNT];
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

/* Every measurement, in the record's order; pieces of the summary. */
static void
put_items(struct check *c)
{
	struct meas *m = &c->m;
	struct report *r = c->r;
	enum report_state st;
	char age[32], secs[EMIT_FIXED_MAX], day[16];
	long long left, days;
	struct tm tm;
	double v;

	put_duration(c, &i_time, m->time, T_TIME);
	put_duration(c, &i_connect, m->connect, -1);
	put_duration(c, &i_tls, m->tls, -1);
	put_duration(c, &i_login, m->login, -1);
	if (m->have_counts) {
		st = report_value(r, &i_messages, m->messages,
		    &c->warn[T_MESSAGES], &c->crit[T_MESSAGES], NAN);
		report_text(r, "%s %u messages%s", c->mailbox, m->messages,
		    mark(st));
		st = report_value(r, &i_unseen, m->unseen, &c->warn[T_UNSEEN],
		    &c->crit[T_UNSEEN], NAN);
		report_text(r, "%u unseen%s", m->unseen, mark(st));
	} else {
		report_none(r, &i_messages);
		report_none(r, &i_unseen);
	}
	if (m->have_counts && (m->unseen == 0 || m->have_age)) {
		v = m->unseen == 0 || !m->have_age ? 0 :
		    difftime(c->now, m->arrived);
		if (v < 0)
			v = 0;
		st = report_value(r, &i_age, v, &c->warn[T_AGE],
		    &c->crit[T_AGE], NAN);
		if (m->unseen > 0) {
			age_text(age, sizeof(age), v);
			report_text(r, "oldest unseen %s%s", age, mark(st));
		}
	} else
		report_none(r, &i_age);
	if (m->have_quota) {
		st = report_value(r, &i_quota, m->quota_pct, &c->warn[T_QUOTA],
		    &c->crit[T_QUOTA], 100);
		report_text(r, "quota %d%%%s", (int)m->quota_pct, mark(st));
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

/* "* ESEARCH (TAG "A5") UID MIN 7": the MIN, if there is one. */
static void
take_esearch(struct meas *m, const struct imap_arg *a)
{
	uint32_t v;

	a = a->next;
	if (a != NULL && a->type == IMAP_LIST)
		a = a->next;
	if (imap_arg_is(a, "UID"))
		a = a->next;
	for (; a != NULL && a->next != NULL; a = a->next->next)
		if (imap_arg_is(a, "MIN") && imap_arg_u32(a->next, &v) &&
		    v > 0) {
			m->have_min = 1;
			m->min_uid = v;
		}
}

/* "* SEARCH 4 9 12": the lowest, read as the numbers go by. */
static void
take_search(struct meas *m, const struct imap_arg *a)
{
	uint32_t v;

	for (a = a->next; a != NULL; a = a->next)
		if (imap_arg_u32(a, &v) && v > 0 &&
		    (!m->have_min || v < m->min_uid)) {
			m->have_min = 1;
			m->min_uid = v;
		}
}

/* "* N FETCH (UID u INTERNALDATE "...")" for the lowest unseen UID. */
static void
take_fetch(struct meas *m, const struct imap_arg *a)
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
	/* With SEARCHRES the FETCH names the minimum we have not seen yet. */
	if (m->have_min && uid != m->min_uid)
		return;
	m->have_min = 1;
	m->min_uid = uid;
	m->have_age = 1;
	m->arrived = t;
}

static int
on_untagged(void *arg, struct sess *s, const struct imap_resp *r,
    struct err *e)
{
	struct check *c = arg;
	struct mbox_status st;
	const struct imap_arg *a = r->args;
	const char *name;
	size_t len;
	uint32_t n;

	(void)s;
	if (r->status != IMAP_ST_NONE)
		return 0;
	switch (mbox_parse_status(r, &name, &len, &st)) {
	case -1:
		return err_set(e, ERR_PROTOCOL, "malformed STATUS response");
	case 1:
		if ((st.have & (MST_MESSAGES | MST_UNSEEN)) ==
		    (MST_MESSAGES | MST_UNSEEN)) {
			c->m.have_counts = 1;
			c->m.messages = st.messages;
			c->m.unseen = st.unseen;
		}
		return 0;
	}
	if (imap_arg_is(a, "QUOTA"))
		take_quota(&c->m, r);
	else if (imap_arg_is(a, "ESEARCH"))
		take_esearch(&c->m, a);
	else if (imap_arg_is(a, "SEARCH"))
		take_search(&c->m, a);
	else if (imap_arg_u32(a, &n) && imap_arg_is(a->next, "FETCH"))
		take_fetch(&c->m, a);
	return 0;
}

/* The measurements after login ------------------------------------------ */

enum { C_STATUS, C_QUOTA, C_EXAMINE, C_SEARCH, C_FETCH, C_LOGOUT, C_COUNT };

static int
measure(struct check *c)
{
	struct sess *s = c->ctx->sess;
	struct err *e = &c->ctx->err;
	struct sess_cmd cmd[C_COUNT];
	int quota = sess_has_cap(s, "QUOTA");
	int esearch = sess_has_cap(s, "ESEARCH");
	int saveres = esearch && sess_has_cap(s, "SEARCHRES");
	size_t i;

	memset(cmd, 0, sizeof(cmd));
	sess_set_handler(s, on_untagged, c);
	if (!quota)
		snprintf(c->m.quota_err, sizeof(c->m.quota_err), "quota "
		    "unknown: the server offers no QUOTA");
	/* One write: counts, quota, the oldest unseen message, LOGOUT. */
	if (sess_send(s, &cmd[C_STATUS], e, "STATUS %M (MESSAGES UNSEEN)",
	    c->mailbox) < 0 ||
	    (quota && sess_send(s, &cmd[C_QUOTA], e, "GETQUOTAROOT %M",
	    c->mailbox) < 0) ||
	    sess_send(s, &cmd[C_EXAMINE], e, "EXAMINE %M", c->mailbox) < 0 ||
	    sess_send(s, &cmd[C_SEARCH], e, saveres ?
	    "UID SEARCH RETURN (SAVE MIN) UNSEEN" : esearch ?
	    "UID SEARCH RETURN (MIN) UNSEEN" : "UID SEARCH UNSEEN") < 0 ||
	    (saveres && (sess_send(s, &cmd[C_FETCH], e,
	    "UID FETCH $ (UID INTERNALDATE)") < 0 ||
	    sess_send(s, &cmd[C_LOGOUT], e, "LOGOUT") < 0)))
		return -1;
	for (i = 0; i < C_COUNT; i++) {
		if (cmd[i].tag == 0)
			continue;
		if (sess_wait(s, &cmd[i], e) < 0)
			return -1;
	}
	if (sess_cmd_check(&cmd[C_STATUS], e) < 0) {
		err_prefix(e, "cannot get the counts of '%s'", c->mailbox);
		return -1;
	}
	if (quota && cmd[C_QUOTA].status != IMAP_ST_OK) {
		c->m.have_quota = c->m.have_storage = c->m.have_qmsg = 0;
		snprintf(c->m.quota_err, sizeof(c->m.quota_err), "quota "
		    "unknown: %s", cmd[C_QUOTA].text);
	}
	if (sess_cmd_check(&cmd[C_EXAMINE], e) < 0) {
		err_prefix(e, "cannot open mailbox '%s'", c->mailbox);
		return -1;
	}
	if (sess_cmd_check(&cmd[C_SEARCH], e) < 0) {
		err_prefix(e, "cannot search '%s' for unseen messages",
		    c->mailbox);
		return -1;
	}
	if (!saveres && c->m.have_min) {
		/* The FETCH had to wait for the search: one turn more. */
		if (sess_send(s, &cmd[C_FETCH], e, "UID FETCH %u "
		    "(UID INTERNALDATE)", c->m.min_uid) < 0 ||
		    sess_send(s, &cmd[C_LOGOUT], e, "LOGOUT") < 0 ||
		    sess_wait(s, &cmd[C_FETCH], e) < 0 ||
		    sess_wait(s, &cmd[C_LOGOUT], e) < 0)
			return -1;
	} else if (!saveres) {
		if (sess_send(s, &cmd[C_LOGOUT], e, "LOGOUT") < 0 ||
		    sess_wait(s, &cmd[C_LOGOUT], e) < 0)
			return -1;
	}
	if (cmd[C_FETCH].tag != 0 && sess_cmd_check(&cmd[C_FETCH], e) < 0) {
		err_prefix(e, "cannot fetch the oldest unseen message of "
		    "'%s'", c->mailbox);
		return -1;
	}
	/* The server closes now; the session must not say goodbye again. */
	sess_set_state(s, SESS_LOGOUT);
	sess_set_handler(s, NULL, NULL);
	return 0;
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
	m->login = sess_elapsed(s, SESS_MARK_READY, SESS_MARK_AUTHENTICATED);
	if (m->login < 0 && sess_elapsed(s, SESS_MARK_START,
	    SESS_MARK_AUTHENTICATED) >= 0)
		m->login = 0;	/* PREAUTH */
	m->time = sess_since(s, SESS_MARK_START);
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

static int
parse_thresholds(struct check *c, struct err *e)
{
	const struct optval *v;
	char name[64];
	size_t t;

	for (t = 0; t < T_COUNT; t++) {
		snprintf(name, sizeof(name), "warning-%s", thresholds[t].name);
		v = ctx_opt(c->ctx, name);
		if (v->set && range_parse(&c->warn[t], v->val,
		    thresholds[t].flags, e) < 0) {
			err_prefix(e, "--%s", name);
			return -1;
		}
		snprintf(name, sizeof(name), "critical-%s", thresholds[t].name);
		v = ctx_opt(c->ctx, name);
		if (v->set && range_parse(&c->crit[t], v->val,
		    thresholds[t].flags, e) < 0) {
			err_prefix(e, "--%s", name);
			return -1;
		}
	}
	return 0;
}

int
cmd_check(int argc, char **argv, struct ctx *ctx)
{
	struct check c;
	const struct optval *mb = ctx_opt(ctx, "mailbox");
	const char *host, *port, *user;
	char msg[ERR_MSG_MAX + 64];

	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.r = ctx->report;
	c.m.time = c.m.connect = c.m.tls = c.m.login = -1;
	c.mailbox = mb->set ? mb->val : "INBOX";
	if (ctx->usage_failed || parse_thresholds(&c, &ctx->err) < 0) {
		snprintf(msg, sizeof(msg), "%s; see 'imapctl check --help'",
		    ctx->err.msg);
		report_fail(c.r, REPORT_UNKNOWN, msg);
		return report_finish(c.r);
	}
	if (cmd_connect(ctx, argc, argv) < 0 || measure(&c) < 0)
		fail(&c, &ctx->err);
	c.now = time(NULL);
	take_session(&c);
	cmd_target(ctx, &host, &port, &user);
	report_label(c.r, "host", host);
	report_label_num(c.r, "port", port, port_number(port));
	report_label(c.r, "user", user);
	report_label(c.r, "mailbox", c.mailbox);
	put_items(&c);
	return report_finish(c.r);
}
