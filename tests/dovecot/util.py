#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Small helpers for the throwaway test Dovecot (stdlib only).

    util.py freeports N
        Print N distinct free TCP ports on 127.0.0.1, one a line (the kernel
        picks them: bind to port 0).  They are free when printed; a race with
        another process is possible, so the caller retries on a bind failure.

    util.py wait-ready HOST IMAP_PORT IMAPS_PORT CAFILE [TIMEOUT]
        Wait until the plain port sends an "* OK" greeting and the implicit
        TLS port completes a verified TLS handshake (CAFILE, host name
        "localhost"; CAFILE "-": not verified) and sends its greeting.  Exit 0 when both are ready,
        1 with a message on stderr at the timeout (default 10 s).

    util.py capability HOST IMAP_PORT USER PASS
        Log in on the plain port and print the post-login CAPABILITY list,
        one capability per line, in the server's order.
"""

import socket
import sys
import time

# ssl and imaplib are imported where needed: "freeports" should start fast.


def freeports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        for s in socks:
            print(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()


def _greeting(sock, deadline):
    buf = b""
    while b"\n" not in buf:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("connection closed before greeting")
        buf += chunk
    if not buf.startswith(b"* OK"):
        raise ConnectionError("unexpected greeting %r" % buf[:200])


def _check_plain(host, port, deadline):
    with socket.create_connection((host, port), timeout=1) as s:
        _greeting(s, deadline)


def _check_tls(host, port, cafile, deadline):
    import ssl
    if cafile == "-":
        # A deliberately odd certificate (tests/dovecot/mint-cert): only
        # check that TLS comes up.
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((host, port), timeout=1) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            _greeting(s, deadline)


def wait_ready(host, imap_port, imaps_port, cafile, timeout=10.0):
    import ssl
    deadline = time.monotonic() + timeout
    pending = {"imap": True, "imaps": True}
    last_err = None
    while True:
        try:
            if pending["imap"]:
                _check_plain(host, imap_port, deadline)
                pending["imap"] = False
            if pending["imaps"]:
                _check_tls(host, imaps_port, cafile, deadline)
                pending["imaps"] = False
            return 0
        except ssl.SSLCertVerificationError as e:
            # Not a startup race: the certificate is wrong.  Fail at once.
            print("wait-ready: TLS verification failed: %s" % e,
                  file=sys.stderr)
            return 1
        except (OSError, ConnectionError) as e:
            last_err = e
        if time.monotonic() >= deadline:
            print("wait-ready: not ready after %gs (%s): %s"
                  % (timeout, ", ".join(k for k, v in pending.items() if v),
                     last_err), file=sys.stderr)
            return 1
        time.sleep(0.02)


def capability(host, port, user, password):
    import imaplib
    m = imaplib.IMAP4(host, int(port))
    m.login(user, password)
    typ, data = m.capability()
    m.logout()
    for cap in data[0].decode().split():
        print(cap)


def main(argv):
    if len(argv) >= 2 and argv[1] == "freeports":
        freeports(int(argv[2]))
        return 0
    if len(argv) in (6, 7) and argv[1] == "wait-ready":
        timeout = float(argv[6]) if len(argv) == 7 else 10.0
        return wait_ready(argv[2], int(argv[3]), int(argv[4]), argv[5],
                          timeout)
    if len(argv) == 6 and argv[1] == "capability":
        capability(*argv[2:6])
        return 0
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
