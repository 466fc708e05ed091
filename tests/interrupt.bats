#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# SIGINT, SIGTERM and SIGHUP stop a changing command gracefully: what is
# in flight is answered (or abandoned after a short grace, or at once on
# a second signal), nothing more is sent, standard error names what was
# done and what was not, and the process dies of the signal (128 + N).
# Against the scripted hostile server, which stalls at the exact step;
# a later connection to it (its store is shared) shows what is left.

load helpers
load hostile/hostile

setup_file() { imapctl_isolate; }
teardown() {
	[ -z "${BG_PID:-}" ] || kill -9 "$BG_PID" 2>/dev/null || true
	hostile_stop
}

H() {
	IMAPCTL_PASSWORD=x "$IMAPCTL" --tls none --allow-cleartext -H 127.0.0.1 \
		-p "$HOSTILE_PORT" -u u "$@"
}

# H in the background, its output in out and err, the signals at their
# defaults (bash starts background jobs with SIGINT ignored, and with
# standard input from /dev/null unless it is named).
H_bg() {
	IMAPCTL_PASSWORD=x "$PYTHON" -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$IMAPCTL" --tls none --allow-cleartext \
		-H 127.0.0.1 -p "$HOSTILE_PORT" -u u "$@" \
		<&0 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	BG_PID=$!
}

# Until the server has read TEXT from the client COUNT times (default 1;
# at most SECONDS, 10).
sent() {
	local i n
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		n=$(grep -c "$1" "$HOSTILE_RECORD" 2>/dev/null || true)
		[ "${n:-0}" -ge "${3:-1}" ] && return 0
		sleep 0.05
	done
	echo "never sent: $1" >&2
	return 1
}

# The background run's status, output and standard error.
finish() {
	status=0
	wait "$BG_PID" || status=$?
	BG_PID=
	output=$(cat "$BATS_TEST_TMPDIR/out")
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
	mapfile -t lines <"$BATS_TEST_TMPDIR/out"
}

# UID and whether it is flagged \Deleted, of each message of INBOX.
deleted_flags() {
	H raw --select INBOX UID FETCH 1:* FLAGS -o jsonl |
		jq -c -s 'map(select(.type == "FETCH") | .args[0] | [.[1], (.[3] | index("\\Deleted") != null)])'
}

@test "delete: SIGTERM between the \\Deleted STORE and the EXPUNGE: no EXPUNGE, the flagged named, 143" {
	f=$(hostile_script delete-stall.script greeting 'serve-until UID STORE' \
		'sleep 2' handle serve connection greeting serve)
	hostile_start script --script "$f" --connections 2
	H_bg delete INBOX 1:2 -o jsonl
	sent 'UID STORE 1:2 +FLAGS.SILENT'
	kill -TERM "$BG_PID"
	finish
	assert_equal "$status" 143
	assert_equal "$output" ""
	assert_equal "$stderr" "imapctl: delete: stopped by SIGTERM
imapctl: delete: flagged \\Deleted but not expunged: 2 messages, UIDs 1:2"
	# The server holds them, flagged, as the report says.
	assert_equal "$(deleted_flags)" '[["1",true],["2",true],["3",false]]'
	hostile_wait
	! grep -q 'EXPUNGE' "$HOSTILE_RECORD"
}

@test "delete: a signal while the EXPUNGE waits: a grace of 5 s, then named as not confirmed" {
	f=$(hostile_script expunge-stall.script greeting 'serve-until UID EXPUNGE' \
		'sleep 10' close)
	hostile_start script --script "$f" --timeout 20
	H_bg delete INBOX 1:2 -o jsonl
	sent 'UID EXPUNGE 1:2'
	SECONDS=0
	kill -HUP "$BG_PID"
	finish
	assert_equal "$status" 129
	[ "$SECONDS" -ge 4 ] && [ "$SECONDS" -lt 9 ]
	assert_equal "$output" ""
	assert_equal "$stderr" "imapctl: delete: stopped by SIGHUP: no answer in time to what was in flight (waiting for the server)
imapctl: delete: flagged \\Deleted, expunge not confirmed: 2 messages, UIDs 1:2"
}

@test "delete: a second signal abandons what is in flight at once" {
	f=$(hostile_script expunge-stall.script greeting 'serve-until UID EXPUNGE' \
		'sleep 20' close)
	hostile_start script --script "$f"
	H_bg delete INBOX 1:2 -o jsonl
	sent 'UID EXPUNGE 1:2'
	SECONDS=0
	kill -TERM "$BG_PID"
	sleep 0.2
	kill -INT "$BG_PID"
	finish
	# The first signal is the one it dies of; no grace was waited out.
	assert_equal "$status" 143
	[ "$SECONDS" -lt 4 ]
	assert_equal "$stderr" "imapctl: delete: stopped by SIGTERM, and again: stopped at once
imapctl: delete: flagged \\Deleted, expunge not confirmed: 2 messages, UIDs 1:2"
}

@test "move: SIGINT during a MOVE chunk: the chunks in flight finish, no new one starts, the rest named" {
	# Every other UID of 18003: 9002 UIDs in 13 chunks, 8 in flight.
	# Each chunk's MOVE goes when its Message-IDs are answered, which
	# the server does for all 8 before it reads the first MOVE and
	# stalls: the signal comes once the 8 are sent, during the stall.
	f=$(hostile_script move-stall.script 'fill INBOX 18000' greeting \
		'serve-until UID MOVE' 'sleep 3' handle serve connection greeting serve)
	hostile_start script --script "$f" --connections 2 --timeout 60
	seq 1 2 18003 >"$BATS_TEST_TMPDIR/uids"
	H_bg move INBOX - Archive -o jsonl <"$BATS_TEST_TMPDIR/uids"
	sent 'UID MOVE' 60 8
	kill -INT "$BG_PID"
	finish
	assert_equal "$status" 130
	moved=${#lines[@]}
	[ "$moved" -gt 0 ] && [ "$moved" -lt 9002 ]
	# Each record pairs a named UID with its new one.
	assert_equal "$(echo "$output" | jq -s 'map(select(.uid % 2 == 1 and .dest_uid > 0)) | length')" "$moved"
	assert_equal "${stderr%%$'\n'*}" "imapctl: move: stopped by SIGINT"
	left=$(echo "$stderr" | sed -n "s/^imapctl: move: not moved to 'Archive': \([0-9]*\) messages, UIDs .*/\1/p")
	assert_equal $((moved + left)) 9002
	assert_equal "$(echo "$stderr" | wc -l)" 2
	# What the records say is what the server did: nothing more.
	run H status INBOX Archive -o json
	assert_equal "$(echo "$output" | jq '.[1].messages')" "$moved"
	assert_equal "$(echo "$output" | jq '.[0].messages')" $((18003 - moved))
	hostile_wait 20
	assert_equal "$(grep -c 'UID MOVE' "$HOSTILE_RECORD")" 8
}

@test "move without MOVE: SIGTERM during the COPY: copied, never flagged or expunged, named as such" {
	f=$(hostile_script copy-stall.script greeting 'serve-until UID COPY' \
		'sleep 2' handle serve connection greeting serve)
	hostile_start script --script "$f" --drop-cap MOVE --connections 2
	H_bg move INBOX 1:2 Archive -o jsonl
	sent 'UID COPY 1:2'
	kill -TERM "$BG_PID"
	finish
	assert_equal "$status" 143
	assert_equal "$output" ""
	assert_equal "$stderr" "imapctl: move: stopped by SIGTERM
imapctl: move: copied to 'Archive' but still in 'INBOX': 2 messages, UIDs 1:2"
	run H status INBOX Archive -o json
	assert_equal "$(echo "$output" | jq -c 'map(.messages)')" '[3,2]'
	hostile_wait
	! grep -q 'STORE' "$HOSTILE_RECORD"
	! grep -q 'EXPUNGE' "$HOSTILE_RECORD"
}

@test "append: SIGTERM during an APPEND: those in flight stored and listed, the rest named" {
	for i in $(seq 12); do
		printf 'From: a@example.org\r\nSubject: %s\r\n\r\nbody %s\r\n' "$i" "$i" \
			>"$BATS_TEST_TMPDIR/$i.eml"
	done
	f=$(hostile_script append-stall.script greeting 'serve-until APPEND' \
		'sleep 2' handle serve connection greeting serve)
	hostile_start script --script "$f" --connections 2
	H_bg append Drafts $(printf "$BATS_TEST_TMPDIR/%d.eml " $(seq 12)) -o jsonl
	sent 'APPEND'
	kill -TERM "$BG_PID"
	finish
	assert_equal "$status" 143
	assert_equal "${#lines[@]}" 8
	assert_equal "$(echo "$output" | jq -r .file | xargs -n1 basename | tr '\n' ' ')" \
		"1.eml 2.eml 3.eml 4.eml 5.eml 6.eml 7.eml 8.eml "
	[[ $stderr == "imapctl: append: stopped by SIGTERM
imapctl: append: not appended, or not confirmed: 4 messages: '$BATS_TEST_TMPDIR/9.eml', "* ]]
	run H status Drafts -o json
	assert_equal "$(echo "$output" | jq '.[0].messages')" 8
	hostile_wait
	assert_equal "$(grep -c 'APPEND Drafts' "$HOSTILE_RECORD")" 8
}

@test "mailbox: a signal while a CREATE waits: it is done, the rest is not and is named, 143" {
	f=$(hostile_script create-stall.script greeting 'serve-until CREATE' \
		'sleep 2' handle serve connection greeting serve)
	hostile_start script --script "$f" --connections 2
	# Lists is made first, then Lists/Projects, each then subscribed.
	H_bg mailbox create Lists/Projects
	sent 'CREATE Lists'
	kill -TERM "$BG_PID"
	finish
	assert_equal "$status" 143
	assert_equal "$output" "create	Lists		false"
	assert_equal "$stderr" "imapctl: mailbox: created 'Lists' but cannot subscribe to it: stopped by SIGTERM
imapctl: mailbox: not created: 'Lists/Projects'"
	run H list 'Lists*'
	assert_equal "$(echo "$output" | cut -f1)" Lists
	hostile_wait
	! grep -q 'SUBSCRIBE' "$HOSTILE_RECORD"
}

@test "a signal before anything is sent: nothing was changed, 143" {
	hostile_start delay-greeting
	H_bg delete INBOX 1:2
	sleep 0.5
	kill -TERM "$BG_PID"
	finish
	assert_equal "$status" 143
	assert_equal "$stderr" "imapctl: delete: stopped by SIGTERM before anything was changed"
	hostile_wait
	! grep -q 'STORE' "$HOSTILE_RECORD"
}

@test "a second signal while the report is written: the report whole, the first signal's status" {
	f=$(hostile_script delete-stall.script greeting 'serve-until UID STORE' \
		'sleep 2' handle serve)
	hostile_start script --script "$f"
	# Standard error is a full pipe: the report blocks until it is read,
	# and the second signal comes meanwhile.
	run --separate-stderr env IMAPCTL_PASSWORD=x "$PYTHON" - "$HOSTILE_RECORD" \
		"$IMAPCTL" --tls none --allow-cleartext -H 127.0.0.1 -p "$HOSTILE_PORT" \
		-u u delete INBOX 1:2 <<'PY'
import os, signal, subprocess, sys, time

record, argv = sys.argv[1], sys.argv[2:]
r, w = os.pipe()
os.set_blocking(w, False)
full = 0
try:
    while True:
        full += os.write(w, b"." * 4096)
except BlockingIOError:
    pass
os.set_blocking(w, True)

def defaults():
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)

p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=w,
                     preexec_fn=defaults)
os.close(w)

def until(what, check):
    for _ in range(400):
        if check():
            return
        time.sleep(0.025)
    sys.exit("never: " + what)

until("UID STORE", lambda: b"UID STORE" in open(record, "rb").read())
p.send_signal(signal.SIGTERM)
until("blocked writing the report", lambda: "pipe_write" in
      open("/proc/%d/wchan" % p.pid).read())
p.send_signal(signal.SIGINT)
time.sleep(0.2)
data = b""
while True:
    b = os.read(r, 65536)
    if not b:
        break
    data += b
print(p.wait())
sys.stdout.write(data[full:].decode())
PY
	assert_success
	assert_equal "$output" "-15
imapctl: delete: stopped by SIGTERM
imapctl: delete: flagged \\Deleted but not expunged: 2 messages, UIDs 1:2"
}

@test "move without MOVE: a signal at each step: the server holds what the report says" {
	for step in 'UID COPY' 'UID STORE' 'UID EXPUNGE'; do
		f=$(hostile_script copy-step.script greeting "serve-until $step" \
			'sleep 2' handle serve connection greeting serve)
		hostile_start script --script "$f" --drop-cap MOVE --connections 3
		H_bg move INBOX 1:2 Archive -o jsonl
		sent "$step 1:2"
		kill -TERM "$BG_PID"
		finish
		assert_equal "$status" 143
		run H raw --select INBOX UID FETCH 1:* FLAGS -o jsonl
		inbox=$(echo "$output" | jq -c -s 'map(select(.type == "FETCH") | .args[0] | [.[1], (.[3] | index("\\Deleted") != null)])')
		run H status Archive -o json
		archive=$(echo "$output" | jq '.[0].messages')
		case $step in
		'UID COPY')
			assert_equal "$stderr" "imapctl: move: stopped by SIGTERM
imapctl: move: copied to 'Archive' but still in 'INBOX': 2 messages, UIDs 1:2"
			assert_equal "$inbox" '[["1",false],["2",false],["3",false]]'
			;;
		'UID STORE')
			assert_equal "$stderr" "imapctl: move: stopped by SIGTERM
imapctl: move: copied to 'Archive' and flagged \\Deleted but not expunged from 'INBOX': 2 messages, UIDs 1:2"
			assert_equal "$inbox" '[["1",true],["2",true],["3",false]]'
			;;
		'UID EXPUNGE')
			assert_equal "$stderr" "imapctl: move: stopped by SIGTERM once all was done"
			assert_equal "$(cat "$BATS_TEST_TMPDIR/out" | jq -c -s 'map([.uid, .dest_uid])')" '[[1,1],[2,2]]'
			assert_equal "$inbox" '[["3",false]]'
			;;
		esac
		assert_equal "$archive" 2
		hostile_wait
		case $step in
		'UID COPY') ! grep -q 'STORE\|EXPUNGE' "$HOSTILE_RECORD" ;;
		'UID STORE') ! grep -q 'EXPUNGE' "$HOSTILE_RECORD" ;;
		esac
	done
}

@test "delete and flag: a signal while the last step waits for its answer: all done, said so, 143" {
	f=$(hostile_script expunge-late.script greeting 'serve-until UID EXPUNGE' \
		'sleep 2' handle serve connection greeting serve)
	hostile_start script --script "$f" --connections 2
	H_bg delete INBOX 1:2 -o jsonl
	sent 'UID EXPUNGE 1:2'
	kill -INT "$BG_PID"
	finish
	assert_equal "$status" 130
	assert_equal "$(echo "$output" | jq -c -s 'map(.uid)')" '[1,2]'
	assert_equal "$stderr" "imapctl: delete: stopped by SIGINT once all was done"
	assert_equal "$(deleted_flags)" '[["3",false]]'
	rc=0
	hostile_wait || rc=$?
	assert_equal "$rc" 0
	f=$(hostile_script store-late.script greeting 'serve-until UID STORE' \
		'sleep 2' handle serve)
	hostile_start script --script "$f"
	H_bg flag INBOX 1:3 --add flagged -o jsonl
	sent 'UID STORE 1:3'
	kill -HUP "$BG_PID"
	finish
	assert_equal "$status" 129
	assert_equal "$(echo "$output" | jq -c -s 'map(.uid)')" '[1,2,3]'
	assert_equal "$stderr" "imapctl: flag: stopped by SIGHUP once all was done"
}
