#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --proxy through real proxies on loopback: SOCKS5 (microsocks) with the
# proxy resolving the name (socks5h) or us (socks5), with and without a
# user and password; HTTP CONNECT (tinyproxy) with basic auth. TLS stays
# end to end with the IMAP server; curl's ALL_PROXY and NO_PROXY rules;
# every failure says whether the proxy or the server failed.

load helpers
load proxy
load hostile/hostile

setup_file() {
	dovecot_setup_file --no-seed
	proxies_start
}

teardown_file() {
	proxies_stop
	dovecot_teardown_file
}

teardown() { hostile_stop || true; }

# The test Dovecot by name: its certificate names localhost.
conn() {
	echo "--host localhost --port $IMAPCTL_TEST_IMAPS_PORT --user alice --cafile $IMAPCTL_TEST_CAFILE"
}

netrc() {
	printf 'machine 127.0.0.1 login %s password %s\n' "$1" "$2" >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
}

@test "socks5h: the proxy resolves the server's name; socks5: we do" {
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "socks5h://127.0.0.1:$SOCKS_PORT" --debug status -o json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
	[[ $stderr == "proxy: socks5h://127.0.0.1:$SOCKS_PORT"$'\n'* ]]
	tail -n 1 "$SOCKS_LOG" | grep -q "connected to localhost:$IMAPCTL_TEST_IMAPS_PORT"
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "socks5://127.0.0.1:$SOCKS_PORT" status
	assert_success
	tail -n 1 "$SOCKS_LOG" | grep -Eq "connected to (127\.0\.0\.1|::1):$IMAPCTL_TEST_IMAPS_PORT"
	# STARTTLS through the proxy too.
	run --separate-stderr "$IMAPCTL" --host localhost --port "$IMAPCTL_TEST_IMAP_PORT" --tls starttls --user alice --cafile "$IMAPCTL_TEST_CAFILE" --proxy "socks5h://127.0.0.1:$SOCKS_PORT" status
	assert_success
}

@test "SOCKS5 with a user and password from the netrc (machine = the proxy)" {
	netrc "$PROXY_USER" "$PROXY_PASS"
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "socks5h://127.0.0.1:$SOCKS_AUTH_PORT" status
	assert_success
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "socks5://$PROXY_USER@127.0.0.1:$SOCKS_AUTH_PORT" status
	assert_success
	grep -q "connected to" "$SOCKS_AUTH_LOG"
	# A wrong password, no password: refused by the proxy, 77, no login.
	netrc "$PROXY_USER" wrong
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "socks5h://127.0.0.1:$SOCKS_AUTH_PORT" status
	assert_failure 77
	assert_equal "$stderr" "imapctl: status: proxy 127.0.0.1 port $SOCKS_AUTH_PORT: refused the user name and password"
	rm "$HOME/.netrc"
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "socks5h://127.0.0.1:$SOCKS_AUTH_PORT" status
	assert_failure 77
	[[ $stderr == "imapctl: status: proxy 127.0.0.1 port $SOCKS_AUTH_PORT: wants a user name and password: give them in ~/.netrc (machine 127.0.0.1)"* ]]
}

@test "HTTP CONNECT with basic auth from the netrc, and from the account" {
	netrc "$PROXY_USER" "$PROXY_PASS"
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "http://127.0.0.1:$HTTP_PROXY_PORT" status -o json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].mailbox')" INBOX
	grep -q "CONNECT localhost:$IMAPCTL_TEST_IMAPS_PORT" "$HTTP_PROXY_LOG"
	netrc "$PROXY_USER" wrong
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "http://127.0.0.1:$HTTP_PROXY_PORT" status
	assert_failure 77
	[[ $stderr == "imapctl: status: proxy 127.0.0.1 port $HTTP_PROXY_PORT: refused the user name and password"* ]]
	rm "$HOME/.netrc"
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "http://127.0.0.1:$HTTP_PROXY_PORT" status
	assert_failure 77
	[[ $stderr == *"wants a user name and password (407 "* ]]
	# The account: proxy, proxy_user, proxy_password_cmd.
	mkdir -p "$XDG_CONFIG_HOME/imapctl"
	cat >"$XDG_CONFIG_HOME/imapctl/config" <<-EOF
	[account p]
	host = localhost
	port = $IMAPCTL_TEST_IMAPS_PORT
	user = alice
	cafile = $IMAPCTL_TEST_CAFILE
	proxy = http://127.0.0.1:$HTTP_PROXY_PORT
	proxy_user = $PROXY_USER
	proxy_password_cmd = echo '$PROXY_PASS'
	EOF
	chmod 600 "$XDG_CONFIG_HOME/imapctl/config"
	run --separate-stderr "$IMAPCTL" -a p status
	assert_success
	# It holds a command: others may not read it.
	chmod 644 "$XDG_CONFIG_HOME/imapctl/config"
	run --separate-stderr "$IMAPCTL" -a p status
	assert_failure 78
	rm "$XDG_CONFIG_HOME/imapctl/config"
}

@test "TLS is end to end: the server's name is sent and verified, not the proxy's" {
	run --separate-stderr "$IMAPCTL" --host 127.1 --port "$IMAPCTL_TEST_IMAPS_PORT" --user alice --cafile "$IMAPCTL_TEST_CAFILE" --proxy "socks5h://localhost:$SOCKS_PORT" status
	assert_failure 77
	[[ $stderr == "imapctl: status: TLS certificate verification failed for '127.1'"* ]]
	hostile_start ok --tls implicit --cert "$IMAPCTL_TEST_STATEDIR/server.pem" --key "$IMAPCTL_TEST_STATEDIR/server.key" --timeout 10
	IMAPCTL_PASSWORD=x run --separate-stderr "$IMAPCTL" --host localhost --port "$HOSTILE_PORT" --user x --cafile "$IMAPCTL_TEST_CAFILE" --proxy "socks5h://127.0.0.1:$SOCKS_PORT" status
	assert_success
	hostile_wait 5 || true
	grep -q "tls ok .* sni=localhost$" "$HOSTILE_LOG"
}

@test "ALL_PROXY and NO_PROXY as curl reads them; --proxy none goes direct" {
	local n
	n=$(wc -l <"$SOCKS_LOG")
	ALL_PROXY="socks5h://127.0.0.1:$SOCKS_PORT" run --separate-stderr "$IMAPCTL" $(conn) status
	assert_success
	[ "$(wc -l <"$SOCKS_LOG")" -eq $((n + 1)) ]
	# Lower case first, as curl: a dead upper-case one is not used.
	all_proxy="socks5h://127.0.0.1:$SOCKS_PORT" ALL_PROXY=socks5h://127.0.0.1:1 run --separate-stderr "$IMAPCTL" $(conn) status
	assert_success
	[ "$(wc -l <"$SOCKS_LOG")" -eq $((n + 2)) ]
	for no in localhost '*' 'example.org, localhost' .localhost; do
		NO_PROXY=$no ALL_PROXY=socks5h://127.0.0.1:1 run --separate-stderr "$IMAPCTL" $(conn) status
		assert_success
	done
	no_proxy=127.0.0.0/8 ALL_PROXY=socks5h://127.0.0.1:1 run --separate-stderr "$IMAPCTL" $(imapctl_args) status
	assert_success
	NO_PROXY=calhost ALL_PROXY=socks5h://127.0.0.1:1 run --separate-stderr "$IMAPCTL" $(conn) status
	assert_failure 69
	ALL_PROXY=socks5h://127.0.0.1:1 run --separate-stderr "$IMAPCTL" $(conn) --proxy none status
	assert_success
	[ "$(wc -l <"$SOCKS_LOG")" -eq $((n + 2)) ]
}

@test "a password in a proxy URL is refused before anything runs; bad URLs are usage errors" {
	for u in "socks5h://u:p@127.0.0.1:$SOCKS_PORT" "http://u:@127.0.0.1:$HTTP_PROXY_PORT"; do
		run --separate-stderr "$IMAPCTL" $(conn) --password-cmd "touch '$BATS_TEST_TMPDIR/ran'; echo x" --proxy "$u" status
		assert_failure 64
		[[ $stderr == "imapctl: status: a password in the proxy URL: put it in ~/.netrc"* ]]
		ALL_PROXY=$u run --separate-stderr "$IMAPCTL" $(conn) --password-cmd "touch '$BATS_TEST_TMPDIR/ran'; echo x" status
		assert_failure 64
		[[ $stderr == "imapctl: status: ALL_PROXY: a password in the proxy URL"* ]]
	done
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	for u in socks4://127.0.0.1 https://127.0.0.1 socks5h:// socks5h://h:0 socks5h://h:99999 socks5h://h/x; do
		run --separate-stderr "$IMAPCTL" $(conn) --proxy "$u" status
		assert_failure 64
		[[ $stderr == "imapctl: status: bad proxy URL '$u'"* ]]
	done
}

@test "failures say whether the proxy or the server failed, with a direct connection's statuses" {
	local closed
	closed=$(free_port)
	# The proxy itself: not there, not resolvable.
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "socks5h://127.0.0.1:$closed" status
	assert_failure 69
	assert_equal "$stderr" "imapctl: status: cannot connect to proxy 127.0.0.1 port $closed: Connection refused"
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "http://no-such-proxy.invalid:3128" status
	assert_failure 68
	[[ $stderr == "imapctl: status: cannot resolve proxy 'no-such-proxy.invalid'"* ]]
	# The server behind it: refused, unknown.
	for u in "socks5h://127.0.0.1:$SOCKS_PORT" "socks5://127.0.0.1:$SOCKS_PORT" "http://$PROXY_USER@127.0.0.1:$HTTP_PROXY_PORT"; do
		netrc "$PROXY_USER" "$PROXY_PASS"
		run --separate-stderr "$IMAPCTL" --host 127.0.0.1 --port "$closed" --user alice --proxy "$u" status
		assert_failure 69
		[[ $stderr == "imapctl: status: proxy 127.0.0.1 port "*": cannot reach 127.0.0.1 port $closed: "* ]]
	done
	# We resolve for socks5://, the proxy for socks5h:// and http://.
	run --separate-stderr "$IMAPCTL" --host no-such-host.invalid --user alice --proxy "socks5://127.0.0.1:$SOCKS_PORT" status
	assert_failure 68
	assert_equal "$stderr" "imapctl: status: cannot resolve 'no-such-host.invalid': Name or service not known"
	run --separate-stderr "$IMAPCTL" --host no-such-host.invalid --user alice --proxy "socks5h://127.0.0.1:$SOCKS_PORT" status
	assert_failure 69
	[[ $stderr == "imapctl: status: proxy 127.0.0.1 port $SOCKS_PORT: cannot reach no-such-host.invalid port 993: "* ]]
}

@test "a proxy that never answers: 75 at --timeout, and at --deadline" {
	hostile_start stall-greeting --timeout 30
	SECONDS=0
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "socks5h://127.0.0.1:$HOSTILE_PORT" --timeout 2 status
	assert_failure 75
	[ "$SECONDS" -le 4 ]
	assert_equal "$stderr" "imapctl: status: proxy 127.0.0.1 port $HOSTILE_PORT: timed out after 2 s connecting and logging in (waiting for the proxy)"
	hostile_stop || true
	hostile_start stall-greeting --timeout 30
	SECONDS=0
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "http://127.0.0.1:$HOSTILE_PORT" --timeout 20 --deadline 1 status
	assert_failure 75
	[ "$SECONDS" -le 3 ]
	assert_equal "$stderr" "imapctl: status: proxy 127.0.0.1 port $HOSTILE_PORT: the deadline of 1 s passed waiting for the proxy"
	# A check through it says CRITICAL.
	hostile_stop || true
	hostile_start stall-greeting --timeout 30
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "socks5h://127.0.0.1:$HOSTILE_PORT" --timeout 1 check
	assert_failure 2
	[[ $output == "IMAP CRITICAL - proxy 127.0.0.1 port $HOSTILE_PORT: timed out"* ]]
}

@test "check and watch through a proxy" {
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "socks5h://127.0.0.1:$SOCKS_PORT" check
	assert_success
	[[ $output == "IMAP OK - "* ]]
	netrc "$PROXY_USER" "$PROXY_PASS"
	run --separate-stderr "$IMAPCTL" $(conn) --proxy "socks5h://127.0.0.1:$SOCKS_AUTH_PORT" watch INBOX --duration 0.5
	assert_success
}
