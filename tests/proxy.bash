# SPDX-License-Identifier: MIT
# tests/proxy.bash: real proxies on loopback for the --proxy tests, each on
# a free port with its own configuration, started and stopped by pid.
#
#   load proxy
#   setup_file()    { dovecot_setup_file --no-seed; proxies_start; }
#   teardown_file() { proxies_stop; dovecot_teardown_file; }
#
# proxies_start starts (Debian packages microsocks and tinyproxy; the
# package install starts no service, see tests/install-deps):
#   SOCKS_PORT       microsocks, SOCKS5 without authentication
#   SOCKS_AUTH_PORT  microsocks, SOCKS5 with $PROXY_USER / $PROXY_PASS
#   HTTP_PROXY_PORT  tinyproxy, HTTP CONNECT with basic auth, same user
# and exports the ports, their pids (PROXY_PIDS) and logs: SOCKS_LOG and
# SOCKS_AUTH_LOG (a line "client[N] ADDR: connected to HOST:PORT" per
# tunnel), HTTP_PROXY_LOG ("CONNECT HOST:PORT" requests).
# proxies_stop kills those pids and waits for them.

PROXY_USER=proxyuser
PROXY_PASS='pr0xy-pass'

# free_port: a port nothing listens on (bound and released at once).
free_port() {
	"$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_listening PORT PID: until something accepts on 127.0.0.1:PORT.
wait_listening() {
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$2" 2>/dev/null || return 1
		"$PYTHON" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

proxies_start() {
	local dir=$BATS_FILE_TMPDIR/proxies pid
	command -v microsocks >/dev/null && command -v tinyproxy >/dev/null || {
		echo "microsocks and tinyproxy are needed (tests/install-deps)" >&2
		return 1
	}
	mkdir -p "$dir"
	PROXY_PIDS=
	SOCKS_PORT=$(free_port)
	SOCKS_LOG=$dir/socks.log
	microsocks -i 127.0.0.1 -p "$SOCKS_PORT" >"$SOCKS_LOG" 2>&1 </dev/null 3>&- &
	pid=$!
	PROXY_PIDS="$PROXY_PIDS $pid"
	wait_listening "$SOCKS_PORT" "$pid" || { echo "microsocks did not start" >&2; return 1; }

	SOCKS_AUTH_PORT=$(free_port)
	SOCKS_AUTH_LOG=$dir/socks-auth.log
	microsocks -i 127.0.0.1 -p "$SOCKS_AUTH_PORT" -u "$PROXY_USER" \
		-P "$PROXY_PASS" >"$SOCKS_AUTH_LOG" 2>&1 </dev/null 3>&- &
	pid=$!
	PROXY_PIDS="$PROXY_PIDS $pid"
	wait_listening "$SOCKS_AUTH_PORT" "$pid" || { echo "microsocks (auth) did not start" >&2; return 1; }

	HTTP_PROXY_PORT=$(free_port)
	HTTP_PROXY_LOG=$dir/tinyproxy.log
	# No ConnectPort line: CONNECT to any port (the test Dovecot's).
	cat >"$dir/tinyproxy.conf" <<-EOC
	Port $HTTP_PROXY_PORT
	Listen 127.0.0.1
	Timeout 30
	LogFile "$HTTP_PROXY_LOG"
	LogLevel Connect
	MaxClients 20
	BasicAuth $PROXY_USER $PROXY_PASS
	Allow 127.0.0.1
	EOC
	: >"$HTTP_PROXY_LOG"
	chmod 0666 "$HTTP_PROXY_LOG"
	tinyproxy -d -c "$dir/tinyproxy.conf" >"$dir/tinyproxy.out" 2>&1 </dev/null 3>&- &
	pid=$!
	PROXY_PIDS="$PROXY_PIDS $pid"
	wait_listening "$HTTP_PROXY_PORT" "$pid" || { echo "tinyproxy did not start:" >&2; cat "$dir/tinyproxy.out" >&2; return 1; }
	export PROXY_USER PROXY_PASS PROXY_PIDS SOCKS_PORT SOCKS_LOG \
		SOCKS_AUTH_PORT SOCKS_AUTH_LOG HTTP_PROXY_PORT HTTP_PROXY_LOG
}

proxies_stop() {
	local pid
	for pid in ${PROXY_PIDS:-}; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in ${PROXY_PIDS:-}; do
		wait "$pid" 2>/dev/null || true
	done
	PROXY_PIDS=
}
