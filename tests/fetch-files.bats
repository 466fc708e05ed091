#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Files of fetch --maildir and --raw --save whose message is too large to
# be held: its body goes to the file as it arrives, and a write that fails
# there (EFBIG under `ulimit -f`) is said with the message's UID and its
# reason, leaves nothing behind, and costs the other messages nothing.
# Against the hostile server. Run with the sanitizer build to see memory
# errors as failures.

load helpers
load hostile/hostile

setup_file() {
	imapctl_isolate
	export IMAPCTL_PASSWORD=secret
}

teardown() { hostile_stop || true; }

# INBOX (UIDs 1 to 3) gets UID 4 of 300000 bytes, streamed to its file,
# then 2000 small messages (5 to 2004), whose FETCH are in flight while
# UID 4's file fails. A second connection finds them there.
start_big() {
	hostile_start script --timeout 10 --connections 2 --script \
		"$(hostile_script big greeting 'fill INBOX 1 300000' \
		'fill INBOX 2000' serve connection greeting serve)"
}

# limited ARGS...: fetch with files of at most 8 KiB (a write past that
# fails with EFBIG), every even UID on stdin.
limited() {
	run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 8; exec "$@"' _ \
		"$IMAPCTL" --tls none -H 127.0.0.1 -p "$HOSTILE_PORT" -u u \
		--timeout 10 fetch INBOX - "$@" < <(seq 2 2 2004)
	hostile_sane
}

@test "fetch --maildir: a file that fails as its message streams is named by UID, the others written: 73" {
	local md=$BATS_TEST_TMPDIR/md
	start_big
	limited --maildir "$md" -o jsonl
	assert_failure 73
	[[ $stderr == "imapctl: fetch: message UID 4: cannot write '$md/tmp/"*"': File too large" ]]
	assert_equal "$(echo "$stderr" | wc -l)" 1
	# UID 2 and the 1000 even UIDs after 4, each in cur/ with its record.
	assert_equal "${#lines[@]}" 1001
	assert_equal "$(ls "$md/cur" | wc -l)" 1001
	assert_equal "$(ls "$md/cur" | grep -c 'U4\.')" 0
	assert_equal "$(echo "$output" | jq -r 'select(.uid == 2004) | .size')" \
		"$(stat -c %s "$md/cur/"*U2004.*)"
	assert_equal "$(ls -A "$md/tmp")" ""
	# A run again fetches only what is missing, and fails the same way.
	limited --maildir "$md"
	assert_failure 73
	assert_equal "$output" ""
	[[ $stderr == "imapctl: fetch: message UID 4: cannot write '$md/tmp/"*"': File too large" ]]
}

@test "fetch --raw --save: a file that fails as its message streams is named by UID, the others written: 73" {
	local out=$BATS_TEST_TMPDIR/out
	mkdir "$out"
	start_big
	limited --raw --save "$out" -o jsonl
	assert_failure 73
	assert_equal "$stderr" "imapctl: fetch: message UID 4: '$out/INBOX-1700000001-4.eml': cannot write: File too large"
	assert_equal "${#lines[@]}" 1001
	assert_equal "$(ls -A "$out" | wc -l)" 1001
	[ ! -e "$out/INBOX-1700000001-4.eml" ]
	assert_equal "$(ls -A "$out" | grep -vc '^INBOX-1700000001-[0-9]*\.eml$')" 0
	assert_equal "$(echo "$output" | jq -r 'select(.uid == 2004) | .size')" \
		"$(stat -c %s "$out/INBOX-1700000001-2004.eml")"
}
