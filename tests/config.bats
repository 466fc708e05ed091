#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Where the connection settings and secrets come from: the config file and
# its accounts (-a, IMAPCTL_ACCOUNT, the default account), the order among
# options, environment and account, ~/.netrc, the order among the secret
# sources, file permissions, mistakes in the file, and --url.

load helpers

setup_file() { dovecot_setup_file --no-seed; }
teardown_file() { dovecot_teardown_file; }

setup() {
	unset IMAPCTL_PASSWORD
	CONF=$XDG_CONFIG_HOME/imapctl/config
	mkdir -p "${CONF%/*}"
	rm -f "$CONF" "$HOME/.netrc"
	TLS=(--cafile "$IMAPCTL_TEST_CAFILE")
	SERVER=(--host 127.0.0.1 --port "$IMAPCTL_TEST_IMAPS_PORT" "${TLS[@]}")
}

# config [MODE] < TEXT: the default config file, mode 600 unless given.
config() {
	cat >"$CONF"
	chmod "${1:-600}" "$CONF"
}

# The test server as an account's keys.
server_keys() {
	printf 'host = 127.0.0.1\nport = %s\ncafile = %s\n' \
		"$IMAPCTL_TEST_IMAPS_PORT" "$IMAPCTL_TEST_CAFILE"
}

closed_port() {
	"$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

@test "the default account connects with nothing on the command line" {
	config <<-EOF
	# the test server
	[account test]
	$(server_keys)
	user = alice
	password_cmd = ["printf", "%s\\\\n", "wonderland"]
	default = true
	EOF
	run --separate-stderr "$IMAPCTL" status -o json
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
}

@test "-a and IMAPCTL_ACCOUNT name an account; -a wins" {
	config <<-EOF
	[account bob]
	$(server_keys)
	user = bob
	password_cmd = echo builder
	auth = login

	[account broken]
	host = 127.0.0.1
	port = $(closed_port)
	user = nobody
	password_cmd = echo nothing
	EOF
	run --separate-stderr "$IMAPCTL" -a bob --debug status
	assert_success
	[[ $stderr == *"C: A1 LOGIN bob <redacted>"* ]]
	IMAPCTL_ACCOUNT=bob run "$IMAPCTL" status
	assert_success
	IMAPCTL_ACCOUNT=broken run "$IMAPCTL" --account bob status
	assert_success
	IMAPCTL_ACCOUNT=broken run "$IMAPCTL" status
	assert_failure 69
	run --separate-stderr "$IMAPCTL" -a nobody status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: no account 'nobody' in '$CONF'"
	# No account marked default: nothing names a server.
	run --separate-stderr "$IMAPCTL" status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: no server given: use --host, --url, IMAPCTL_URL or an account (-a)"
}

@test "the file is found by --config, IMAPCTL_CONFIG, XDG_CONFIG_HOME, ~/.config" {
	body="[account a]
$(server_keys)
user = alice
password_cmd = echo wonderland
default = true"
	mkdir -p "$BATS_TEST_TMPDIR/xdg/imapctl" "$HOME/.config/imapctl"
	for f in "$BATS_TEST_TMPDIR/opt" "$BATS_TEST_TMPDIR/env" \
		"$BATS_TEST_TMPDIR/xdg/imapctl/config"; do
		printf '%s\n' "$body" >"$f"
		chmod 600 "$f"
	done
	run "$IMAPCTL" --config "$BATS_TEST_TMPDIR/opt" status
	assert_success
	IMAPCTL_CONFIG=$BATS_TEST_TMPDIR/env run "$IMAPCTL" status
	assert_success
	XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg run "$IMAPCTL" status
	assert_success
	# ~/.config when XDG_CONFIG_HOME is not set.
	printf '%s\n' "$body" >"$HOME/.config/imapctl/config"
	chmod 600 "$HOME/.config/imapctl/config"
	(unset XDG_CONFIG_HOME; "$IMAPCTL" status >/dev/null)
	# --config beats IMAPCTL_CONFIG.
	IMAPCTL_CONFIG=/nonexistent run "$IMAPCTL" --config "$BATS_TEST_TMPDIR/opt" status
	assert_success
	# A file named explicitly must exist; the default one need not.
	run --separate-stderr "$IMAPCTL" --config "$BATS_TEST_TMPDIR/missing" status
	assert_failure 66
	assert_equal "$stderr" "imapctl: status: cannot read config file '$BATS_TEST_TMPDIR/missing': No such file or directory"
	IMAPCTL_CONFIG=$BATS_TEST_TMPDIR/missing run "$IMAPCTL" status
	assert_failure 66
	XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/none run --separate-stderr "$IMAPCTL" status
	assert_failure 78
	[[ $stderr == *"no server given"* ]]
	# --config /dev/null: no accounts at all.
	run "$IMAPCTL" --config /dev/null status
	assert_failure 78
}

@test "options beat the environment, which beats the account" {
	config <<-EOF
	[account t]
	host = 127.0.0.1
	port = $(closed_port)
	cafile = $IMAPCTL_TEST_CAFILE
	user = bob
	auth = plain
	password_cmd = echo builder
	default = true
	EOF
	# The account's port is closed; --port wins.
	run --separate-stderr "$IMAPCTL" -a t --port "$IMAPCTL_TEST_IMAPS_PORT" --auth login --debug status
	assert_success
	[[ $stderr == *"C: A1 LOGIN bob <redacted>"* ]]
	# IMAPCTL_USER and IMAPCTL_PASSWORD beat the account's user and command.
	IMAPCTL_USER=alice IMAPCTL_PASSWORD=wonderland run --separate-stderr "$IMAPCTL" -a t --port "$IMAPCTL_TEST_IMAPS_PORT" --auth login --debug status
	assert_success
	[[ $stderr == *"C: A1 LOGIN alice <redacted>"* ]]
	# --user beats IMAPCTL_USER; the account's auth applies when --auth is not given.
	IMAPCTL_USER=bob run --separate-stderr "$IMAPCTL" -a t --port "$IMAPCTL_TEST_IMAPS_PORT" --user alice --password-cmd 'echo wonderland' --debug status
	assert_success
	[[ $stderr == *"C: A1 AUTHENTICATE PLAIN <redacted>"* ]]
	# IMAPCTL_URL beats the account's server.
	IMAPCTL_URL=imaps://127.0.0.1:$IMAPCTL_TEST_IMAPS_PORT run "$IMAPCTL" -a t status
	assert_success
	# The account's timeout and quirks apply.
	config <<-EOF
	[account t]
	$(server_keys)
	user = alice
	password_cmd = echo wonderland
	sasl_ir = false
	id = true
	timeout = 1
	default = true
	EOF
	run --separate-stderr "$IMAPCTL" --debug status
	assert_success
	[[ $stderr == *"C: A1 AUTHENTICATE SCRAM-SHA-256"$'\n'"S: + "* ]]
	[[ $stderr == *"C: A2 ID ("* ]]
	run --separate-stderr "$IMAPCTL" --password-cmd 'sleep 3' status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: password command timed out after 1 s"
}

@test "an account's tls: starttls and none, the cafile under ~/" {
	cp "$IMAPCTL_TEST_CAFILE" "$HOME/test-ca.pem"
	config <<-EOF
	[account s]
	host = 127.0.0.1
	port = $IMAPCTL_TEST_IMAP_PORT
	tls = starttls
	cafile = ~/test-ca.pem
	user = alice
	password_cmd = echo wonderland

	[account n]
	host = 127.0.0.1
	port = $IMAPCTL_TEST_IMAP_PORT
	tls = none
	user = alice
	password_cmd = echo wonderland
	EOF
	run --separate-stderr "$IMAPCTL" -a s --debug info -o json
	assert_success
	[[ $stderr == *"C: A1 STARTTLS"* ]]
	assert_equal "$(echo "$output" | jq -c '.[0] | [.tls_version, .cert_verified]')" '["TLSv1.3",true]'
	run --separate-stderr "$IMAPCTL" -a n --debug info -o json
	assert_success
	! echo "$stderr" | grep -q '^C: .*STARTTLS'
	assert_equal "$(echo "$output" | jq -c '.[0] | [.tls_version, .cert_verified]')" '[null,false]'
	# --tls beats the account's.
	run --separate-stderr "$IMAPCTL" -a n --tls starttls --cafile "$IMAPCTL_TEST_CAFILE" info -o json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].tls_version')" TLSv1.3
	config <<-EOF
	[account s]
	tls = ssl
	EOF
	run --separate-stderr "$IMAPCTL" -a s status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: $CONF:2: bad tls 'ssl': use implicit, starttls or none"
}

@test "the default account's credentials never go to a server named elsewhere" {
	config <<-EOF
	[account t]
	host = imap.example.org
	user = bob
	password_cmd = echo builder
	default = true
	EOF
	run --separate-stderr "$IMAPCTL" "${SERVER[@]}" status
	assert_failure 78
	[[ $stderr == "imapctl: status: no user name given"* ]]
	IMAPCTL_URL=imaps://127.0.0.1:$IMAPCTL_TEST_IMAPS_PORT run --separate-stderr "$IMAPCTL" "${TLS[@]}" status
	assert_failure 78
	[[ $stderr == "imapctl: status: no user name given"* ]]
	# Named explicitly, the account applies under the options.
	run "$IMAPCTL" -a t "${SERVER[@]}" status
	assert_success
}

@test "a config file with password commands must be private to its owner" {
	for mode in 644 640 604; do
		config $mode <<-EOF
		[account t]
		$(server_keys)
		user = alice
		password_cmd = echo wonderland
		default = true
		EOF
		run --separate-stderr "$IMAPCTL" status
		assert_failure 78
		assert_equal "$output" ""
		assert_equal "$stderr" "imapctl: status: config file '$CONF' holds password or token commands and is readable by others (mode 0$mode): run chmod 600 '$CONF'"
	done
	chmod 600 "$CONF"
	run "$IMAPCTL" status
	assert_success
	# A token command counts too; a file without commands may be public.
	config 644 <<-EOF
	[account t]
	$(server_keys)
	oauth2_token_cmd = ["oama", "access", "me"]
	EOF
	run "$IMAPCTL" -a t status
	assert_failure 78
	config 644 <<-EOF
	[account t]
	$(server_keys)
	user = alice
	default = true
	EOF
	IMAPCTL_PASSWORD=wonderland run "$IMAPCTL" status
	assert_success
	# Owned by another user, when we can make one own it.
	if [ "$(id -u)" = 0 ] && id -u nobody >/dev/null 2>&1; then
		config <<-EOF
		[account t]
		$(server_keys)
		user = alice
		password_cmd = echo wonderland
		default = true
		EOF
		chown nobody "$CONF"
		run --separate-stderr "$IMAPCTL" status
		assert_failure 78
		[[ $stderr == *"config file '$CONF' belongs to another user"* ]]
	fi
}

@test "mistakes in the config file: exit 78 naming the file and line" {
	check() { # LINE MESSAGE < TEXT
		config
		run --separate-stderr "$IMAPCTL" status
		assert_failure 78
		assert_equal "$output" ""
		assert_equal "$stderr" "imapctl: status: $CONF:$1: $2"
	}
	check 3 "unknown key 'hots'" <<-EOF
	[account t]
	host = h
	hots = h
	EOF
	check 1 "'host' is outside an [account NAME] section" <<-EOF
	host = h
	EOF
	check 2 "expected 'key = value' or '[account NAME]'" <<-EOF
	[account t]
	host h
	EOF
	check 1 "unknown section '[server t]': use '[account NAME]'" <<-EOF
	[server t]
	EOF
	check 2 "bad port 'imaps': give 1 to 65535" <<-EOF
	[account t]
	port = imaps
	EOF
	check 2 "bad command: a command in [ ] must be a JSON array of strings" <<-EOF
	[account t]
	password_cmd = [pass, show]
	EOF
	check 4 "a second default account; 'a' is the default already" <<-EOF
	[account a]
	default = true
	[account b]
	default = yes
	EOF
	# The file is not read when the command line names the server.
	IMAPCTL_PASSWORD=wonderland run "$IMAPCTL" "${SERVER[@]}" --user alice status
	assert_success
}

@test "account commands as JSON arrays run without a shell" {
	mkdir -p "$BATS_TEST_TMPDIR/a dir"
	pw="$BATS_TEST_TMPDIR/a dir/pw"
	# Prints the password only if it got its argument untouched.
	cat >"$pw" <<-'EOF'
	#!/bin/sh
	[ "$#" = 1 ] && [ "$1" = 'a $HOME; `x` * "q"' ] && echo wonderland
	EOF
	chmod 755 "$pw"
	config <<-EOF
	[account t]
	$(server_keys)
	user = alice
	password_cmd = ["$pw", "a \$HOME; \`x\` * \\"q\\""]
	default = true
	EOF
	run --separate-stderr "$IMAPCTL" status
	assert_success
	config <<-EOF
	[account t]
	$(server_keys)
	user = alice
	password_cmd = ["no-such-password-program", "x"]
	default = true
	EOF
	run --separate-stderr "$IMAPCTL" status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: account 't': cannot run the password command 'no-such-password-program': No such file or directory"
	config <<-EOF
	[account t]
	$(server_keys)
	user = alice
	password_cmd = echo 'wonder''land'; exit 3
	default = true
	EOF
	run --separate-stderr "$IMAPCTL" status
	assert_failure 78
	assert_equal "$stderr" "imapctl: status: account 't': password command failed (exit status 3)"
}

@test "an account's OAuth2 token command means OAuth2, unless a password is given" {
	b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
	h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	p=$(printf '{"sub":"alice","exp":%s}' $(($(date +%s) + 3600)) | b64url)
	s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -mac HMAC -macopt "key:$IMAPCTL_TEST_OAUTH2_KEY" -binary | b64url)
	printf '%s.%s.%s\n' "$h" "$p" "$s" >"$BATS_TEST_TMPDIR/token"
	config <<-EOF
	[account t]
	$(server_keys)
	user = alice
	oauth2_token_cmd = ["cat", "$BATS_TEST_TMPDIR/token"]
	default = true
	EOF
	run --separate-stderr "$IMAPCTL" --debug status
	assert_success
	[[ $stderr == *"C: A1 AUTHENTICATE XOAUTH2 <redacted>"* ]]
	run --separate-stderr "$IMAPCTL" --auth oauthbearer --debug status
	assert_success
	[[ $stderr == *"C: A1 AUTHENTICATE OAUTHBEARER <redacted>"* ]]
	IMAPCTL_PASSWORD=wonderland run --separate-stderr "$IMAPCTL" --debug status
	assert_success
	[[ $stderr == *"C: A1 AUTHENTICATE SCRAM-SHA-256 <redacted>"* ]]
}

@test "~/.netrc gives the password, and the login when no user is given" {
	printf 'machine other.example.org login x password y\nmachine 127.0.0.1 login alice password wonderland\n' >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	run --separate-stderr "$IMAPCTL" "${SERVER[@]}" --auth login --debug status
	assert_success
	[[ $stderr == *"C: A1 LOGIN alice <redacted>"* ]]
	# A known user skips the entries of other logins.
	printf '%s\n' 'machine 127.0.0.1 login alice password wonderland' \
		'machine 127.0.0.1' '  login bob' '  password "build\er"' \
		'default login x password y' >"$HOME/.netrc"
	run "$IMAPCTL" "${SERVER[@]}" --user bob status
	assert_success
	# No entry for the host: default.
	printf 'default login alice password wonderland\n' >"$HOME/.netrc"
	run "$IMAPCTL" "${SERVER[@]}" status
	assert_success
	# --netrc-file names another file; it must exist.
	mv "$HOME/.netrc" "$BATS_TEST_TMPDIR/netrc"
	run "$IMAPCTL" "${SERVER[@]}" --netrc-file "$BATS_TEST_TMPDIR/netrc" status
	assert_success
	run --separate-stderr "$IMAPCTL" "${SERVER[@]}" --netrc-file "$BATS_TEST_TMPDIR/none" status
	assert_failure 66
	assert_equal "$stderr" "imapctl: status: cannot read netrc file '$BATS_TEST_TMPDIR/none': No such file or directory"
	# A netrc that does not fit: no password.
	printf 'machine 127.0.0.1 login bob password builder\n' >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	run --separate-stderr "$IMAPCTL" "${SERVER[@]}" --user alice status
	assert_failure 78
	[[ $stderr == "imapctl: status: no password given"* ]]
}

@test "a netrc that others may read is refused, with the fix" {
	printf 'machine 127.0.0.1 login alice password wonderland\n' >"$HOME/.netrc"
	for mode in 644 640 604 660; do
		chmod $mode "$HOME/.netrc"
		run --separate-stderr "$IMAPCTL" "${SERVER[@]}" status
		assert_failure 78
		assert_equal "$output" ""
		assert_equal "$stderr" "imapctl: status: netrc file '$HOME/.netrc' is readable or writable by others (mode 0$mode); it holds passwords: run chmod 600 '$HOME/.netrc'"
	done
	chmod 600 "$HOME/.netrc"
	run "$IMAPCTL" "${SERVER[@]}" status
	assert_success
	# A password given otherwise never reads the netrc.
	chmod 644 "$HOME/.netrc"
	IMAPCTL_PASSWORD=wonderland run "$IMAPCTL" "${SERVER[@]}" --user alice status
	assert_success
}

@test "secrets: file, command, environment, netrc, account, first found wins" {
	# Each source in turn holds the right password and every source after
	# it a wrong one; then the first source is wrong and login fails.
	printf 'wonderland\n' >"$BATS_TEST_TMPDIR/right"
	printf 'nope\n' >"$BATS_TEST_TMPDIR/wrong"
	chmod 600 "$BATS_TEST_TMPDIR/right" "$BATS_TEST_TMPDIR/wrong"
	netrc() {
		printf 'machine 127.0.0.1 login alice password %s\n' "$1" >"$HOME/.netrc"
		chmod 600 "$HOME/.netrc"
	}
	account() {
		config <<-EOF
		[account t]
		$(server_keys)
		user = alice
		password_cmd = echo $1
		EOF
	}
	A=(-a t --user alice)
	account nope; netrc nope
	IMAPCTL_PASSWORD=nope run "$IMAPCTL" "${A[@]}" --password-file "$BATS_TEST_TMPDIR/right" --password-cmd 'echo nope' status
	assert_success
	IMAPCTL_PASSWORD=nope run "$IMAPCTL" "${A[@]}" --password-cmd 'echo wonderland' status
	assert_success
	IMAPCTL_PASSWORD=wonderland run "$IMAPCTL" "${A[@]}" status
	assert_success
	netrc wonderland
	run "$IMAPCTL" "${A[@]}" status
	assert_success
	rm "$HOME/.netrc"; account wonderland
	run "$IMAPCTL" "${A[@]}" status
	assert_success
	# And the first source wins even when it is wrong.
	netrc wonderland
	IMAPCTL_PASSWORD=wonderland run "$IMAPCTL" "${A[@]}" --password-file "$BATS_TEST_TMPDIR/wrong" status
	assert_failure 77
	IMAPCTL_PASSWORD=wonderland run "$IMAPCTL" "${A[@]}" --password-cmd 'echo nope' status
	assert_failure 77
	IMAPCTL_PASSWORD=nope run "$IMAPCTL" "${A[@]}" status
	assert_failure 77
	netrc nope
	run "$IMAPCTL" "${A[@]}" status
	assert_failure 77
}

@test "--url and IMAPCTL_URL: schemes, percent-decoded users, IPv6 literals" {
	run --separate-stderr "$IMAPCTL" --url "imaps://al%69ce@127.0.0.1:$IMAPCTL_TEST_IMAPS_PORT" "${TLS[@]}" --password-cmd 'echo wonderland' --auth login --debug status
	assert_success
	[[ $stderr == *"C: A1 LOGIN alice <redacted>"* ]]
	IMAPCTL_PASSWORD=$IMAPCTL_TEST_PASS_UTF8 run "$IMAPCTL" --url "imap://j%C3%B6rg@127.0.0.1:$IMAPCTL_TEST_IMAP_PORT" "${TLS[@]}" status
	assert_success
	# --url replaces IMAPCTL_URL.
	IMAPCTL_URL="imaps://nobody@127.0.0.1:$(closed_port)" IMAPCTL_PASSWORD=wonderland run "$IMAPCTL" --url "imaps://alice@127.0.0.1:$IMAPCTL_TEST_IMAPS_PORT" "${TLS[@]}" status
	assert_success
	run --separate-stderr "$IMAPCTL" --url "imaps://alice@[::1" status
	assert_failure 64
	assert_equal "$stderr" "imapctl: status: bad URL 'imaps://alice@[::1': bad IPv6 address"
	run --separate-stderr "$IMAPCTL" --url "imaps://a%zz@h" status
	assert_failure 64
	[[ -n $IMAPCTL_TEST_HOST6 ]] || skip "no IPv6 loopback"
	for url in "imaps://alice@[::1]:$IMAPCTL_TEST_IMAPS_PORT" "imap://alice@[::1]:$IMAPCTL_TEST_IMAP_PORT"; do
		IMAPCTL_URL=$url IMAPCTL_PASSWORD=wonderland run --separate-stderr "$IMAPCTL" "${TLS[@]}" info -o json
		assert_success
		assert_equal "$(echo "$output" | jq -c '.[0] | [.host, .cert_verified]')" '["::1",true]'
	done
	grep -q 'rip=::1' "$IMAPCTL_TEST_LOG"
}

@test "imapctl.conf(5) is clean under mandoc -T lint and documents every key" {
	man5=$BATS_TEST_DIRNAME/../man/imapctl.conf.5
	run mandoc -T lint -W warning "$man5"
	assert_success
	assert_output ""
	for key in host port user tls cafile cert key tunnel proxy proxy_user proxy_password_cmd auth password_cmd oauth2_token_cmd smtp_user smtp_password_cmd timeout sasl_ir id default; do
		grep -q "^\.It Ic $key\$" "$man5" || { echo "key $key is not in $man5"; return 1; }
		config <<-EOF
		[account t]
		$key = @
		EOF
		run --separate-stderr "$IMAPCTL" status
		[[ $stderr != *"unknown key"* ]] || { echo "$key is documented but unknown"; return 1; }
	done
}

@test "the example file of imapctl.conf(5) is read without a mistake" {
	man5=$BATS_TEST_DIRNAME/../man/imapctl.conf.5
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$man5" |
		sed -n '/^# ~\/.config\/imapctl\/config/,/^\.Ed/p' | sed '$d' >"$CONF"
	chmod 600 "$CONF"
	accounts=$(sed -n 's/^\[account \(.*\)\]$/\1/p' "$CONF")
	assert_equal "$(echo $accounts)" "gmail work fastmail home probe"
	# Each account parses and applies under the options; the port is
	# closed, so a well-read file ends in "connection refused".
	port=$(closed_port)
	for a in $accounts; do
		run --separate-stderr "$IMAPCTL" -a "$a" --host 127.0.0.1 --port "$port" --tls none --auth plain --password-cmd 'echo x' status
		assert_failure 69
		[[ $stderr == *"Connection refused"* ]]
	done
}
