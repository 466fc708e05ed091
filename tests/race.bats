#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Two imapctl processes on one mailbox at once, against the test Dovecot:
# "delete BOX 1:1500" and "move BOX 500:2000 DEST" of 2,000 messages. The
# race may go either way, and differently each round; whichever way it
# goes, no message is lost or acted on twice, and each process's report
# (its records and the summary on standard error) is true, compared with
# what is in BOX, in DEST and gone afterwards, message by message. One
# outcome cannot be told apart over IMAP: the move's commit landing while
# the delete's UID EXPUNGE runs (both expunge the same message, and the
# server says so to both); such messages are checked to be in DEST.

load helpers
load change

setup_file() {
	export DOVECOT_QUOTA_MESSAGES=100000
	dovecot_setup_file
}
teardown_file() { dovecot_teardown_file; }

# check DIR: the reports in DIR against the mailboxes' contents there.
check() {
	"$PYTHON" - "$1" <<'EOF'
import json, os, re, sys

d = sys.argv[1]
def lines(name):
    with open(os.path.join(d, name)) as f:
        return [l.rstrip("\n") for l in f if l.strip()]
def pairs(name):
    return {int(u): i for u, i in (l.split("\t") for l in lines(name))}
def uidset(text):
    out = set()
    for part in text.split(","):
        lo, _, hi = part.partition(":")
        lo, hi = int(lo), int(hi or lo)
        out.update(range(min(lo, hi), max(lo, hi) + 1))
    return out

before = pairs("before")               # UID in BOX -> Message-ID
box = set(lines("box"))                # Message-IDs left in BOX
dest = {i: u for u, i in pairs("dest").items()}
uidv = int(lines("uidvalidity")[0])
every = set(before.values())
gone = every - box - set(dest)
bad = []
report = {}
for cmd, want in (("del", set(range(1, 1501))), ("mv", set(range(500, 2001)))):
    recs = [json.loads(l) for l in lines(cmd + ".out")]
    rc = int(lines(cmd + ".rc")[0])
    named = {}
    for l in lines(cmd + ".err"):
        m = re.match(r"imapctl: (?:delete|move): (.*): (\d+) messages?, "
                     r"UIDs? ([0-9:,]+)$", l)
        if not m:
            # The server's answer that ended it, e.g. "... [EXPUNGEISSUED]".
            if not re.search(r"\[[A-Z]+\]$", l):
                bad.append("%s: a line that says nothing checkable: %s" % (cmd, l))
            continue
        s = uidset(m.group(3))
        if len(s) != int(m.group(2)):
            bad.append("%s: count %s for %d UIDs: %s" % (cmd, m.group(2), len(s), l))
        named.setdefault(m.group(1).split(" in ")[0].split(" to ")[0], set()).update(s)
    uids = [r["uid"] for r in recs]
    if len(uids) != len(set(uids)):
        bad.append("%s: a UID with two records" % cmd)
    for r in recs:
        if r["uidvalidity"] != uidv or r["uid"] not in want:
            bad.append("%s: a record for what was not asked: %s" % (cmd, r))
    report[cmd] = (recs, rc, named, want)
del_recs, del_rc, del_named, del_want = report["del"]
mv_recs, mv_rc, mv_named, mv_want = report["mv"]
deleted = {before[r["uid"]] for r in del_recs}
moved = {before[r["uid"]]: r for r in mv_recs}
# When the move's commit lands while the delete's UID EXPUNGE runs, both
# sessions expunge the same source message and the server tells the
# delete so as it tells it its own: IMAP has no way to tell them apart.
# Such a message must be in DEST and recorded by the move; it is counted.
both = deleted & set(moved)
for i in both:
    if i not in dest:
        bad.append("%s recorded by both, not in DEST" % i)
# What delete reports deleted is what is gone (but for those), no more, no
# less.
if deleted - both != gone:
    bad.append("delete's records %d, gone %d; recorded not gone: %s; gone "
               "without a record: %s" % (len(deleted), len(gone),
               sorted(deleted - both - gone)[:5], sorted(gone - deleted)[:5]))
# What move reports moved is what is in DEST, with the UID it has there.
if set(moved) != set(dest):
    bad.append("move's records %d, in DEST %d; recorded not there: %s; there "
               "without a record: %s" % (len(moved), len(dest),
               sorted(set(moved) - set(dest))[:5], sorted(set(dest) - set(moved))[:5]))
for i, r in moved.items():
    if i in dest and r["dest_uid"] != dest[i]:
        bad.append("move: %s is UID %s in DEST, the record says %s" % (i, dest[i], r["dest_uid"]))
# Each UID asked for has a record, or is named on standard error, or was
# gone already when the process looked (a range names what exists), taken
# by the other.
for cmd, recs, named, want, other in (
        ("delete", del_recs, del_named, del_want, moved),
        ("move", mv_recs, mv_named, mv_want, deleted)):
    have = {r["uid"] for r in recs}
    for s in named.values():
        have |= s
    for u in sorted(want - have):
        if before[u] not in other:
            bad.append("%s: UID %d neither recorded, nor named, nor taken "
                       "by the other" % (cmd, u))
            break
# Named not found: the other process had taken them.
for u in del_named.get("not found", set()):
    if before[u] not in moved:
        bad.append("delete: UID %d named not found, yet move did not move it" % u)
for u in mv_named.get("not found", set()):
    if before[u] not in deleted:
        bad.append("move: UID %d named not found, yet delete did not delete it" % u)
# Named as not done in any other way: still there.
for cmd, named in (("delete", del_named), ("move", mv_named)):
    for what, s in named.items():
        if what == "not found":
            continue
        for u in s:
            if before[u] not in box:
                bad.append("%s: UID %d named '%s' but not in BOX" % (cmd, u, what))
# delete: what another took is what was asked (0); move: it is not (69).
if del_rc != (69 if set(del_named) - {"not found"} else 0):
    bad.append("delete exited %d" % del_rc)
if mv_rc != (69 if lines("mv.err") else 0):
    bad.append("move exited %d" % mv_rc)
print("deleted %d, moved %d (%d by both), left %d; delete said %s, move said %s" % (
    len(deleted), len(moved), len(both), len(box), lines("del.err") or "nothing",
    lines("mv.err") or "nothing"))
for b in bad[:30]:
    print("BAD: " + b)
sys.exit(1 if bad else 0)
EOF
}

# race R DELAY FIRST: round R, the process named FIRST (delete or move)
# started DELAY seconds before the other.
race() {
	local r=$1 delay=$2 first=$3 box=Box$1 dest=Dest$1
	local dir=$BATS_TEST_TMPDIR/$1 p1 p2
	mkdir -p "$dir"
	imapctl mailbox create "$box" >/dev/null
	imapctl mailbox create "$dest" >/dev/null
	fill_maildir "$box" 2000
	srv_fetch "$box" all '"\(.uid)\t\(.message_id)"' >"$dir/before"
	[ "$(wc -l <"$dir/before")" -eq 2000 ]
	srv_uidvalidity "$box" >"$dir/uidvalidity"
	(
		[ "$first" = delete ] || sleep "$delay"
		rc=0
		imapctl delete "$box" 1:1500 -o jsonl \
			>"$dir/del.out" 2>"$dir/del.err" </dev/null || rc=$?
		echo "$rc" >"$dir/del.rc"
	) 3>&- &
	p1=$!
	(
		[ "$first" = move ] || sleep "$delay"
		rc=0
		imapctl move "$box" 500:2000 "$dest" -o jsonl \
			>"$dir/mv.out" 2>"$dir/mv.err" </dev/null || rc=$?
		echo "$rc" >"$dir/mv.rc"
	) 3>&- &
	p2=$!
	wait "$p1" "$p2" || true
	srv_ids "$box" >"$dir/box"
	srv_fetch "$dest" all '"\(.uid)\t\(.message_id)"' >"$dir/dest"
	run check "$dir"
	assert_success
}

# Which one wins, and where, changes with the start and the machine's
# load; no outcome is assumed, each is checked.
@test "delete and move at once, started together" { race 1 0 delete; }
@test "delete and move at once, move 20 ms behind" { race 2 0.02 delete; }
@test "delete and move at once, delete 50 ms behind" { race 3 0.05 move; }
@test "delete and move at once, delete 100 ms behind" { race 4 0.1 move; }
@test "delete and move at once, delete 200 ms behind" { race 5 0.2 move; }
