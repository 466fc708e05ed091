/* SPDX-License-Identifier: MIT */
/* Proxy URLs and NO_PROXY, as curl reads them (lib/proxy.c). */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "proxy.h"
#include "t.h"

static void
parses(const char *url, enum proxy_type type, const char *host,
    const char *port, const char *user)
{
	struct proxy p;
	struct err e;
	char name[256];

	snprintf(name, sizeof(name), "parse %s", url);
	if (!t_ok(proxy_parse(url, &p, &e) == 0, name))
		return;
	t_ok(p.type == type, name);
	t_streq(p.host, host, name);
	t_streq(p.port, port, name);
	if (user != NULL && p.user != NULL)
		t_memeq(p.user, strlen(p.user), user, strlen(user), name);
	else
		t_ok(p.user == user, name);
	t_ok(p.password == NULL, name);
	proxy_free(&p);
}

static void
refused(const char *url, const char *msg)
{
	struct proxy p;
	struct err e;
	char name[256];

	snprintf(name, sizeof(name), "refuse %s", url);
	err_clear(&e);
	t_ok(proxy_parse(url, &p, &e) < 0 && e.kind == ERR_USAGE, name);
	t_ok(strstr(e.msg, msg) != NULL, name);
}

int
main(void)
{
	parses("socks5h://proxy.example.org:1080", PROXY_SOCKS5H,
	    "proxy.example.org", "1080", NULL);
	parses("SOCKS5://10.0.0.1", PROXY_SOCKS5, "10.0.0.1", "1080", NULL);
	parses("http://me%40corp@[2001:db8::1]:3128/", PROXY_HTTP,
	    "2001:db8::1", "3128", "me@corp");
	refused("socks5h://me:secret@proxy:1080", "a password in the proxy");
	refused("http://me:@proxy", "a password in the proxy");
	refused("socks4://proxy", "use socks5h://");
	refused("https://proxy", "use socks5h://");
	refused("socks5h://", "no host");
	refused("socks5h://proxy:0", "bad port");
	refused("socks5h://proxy:65536", "bad port");
	refused("socks5h://proxy:12x", "bad port");
	refused("socks5h://proxy/path", "nothing may follow");
	refused("socks5h://[::1", "bad IPv6");
	refused("socks5h://%0a@proxy", "bad user name");
	refused("socks5h://[proxy]:1080", "bad IPv6");
	refused("socks5h://pro xy", "space or control character");
	refused("http://[::1]x", "something follows");

	t_ok(proxy_no_proxy("*", "imap.example.org"), "no_proxy *");
	t_ok(proxy_no_proxy("example.org", "imap.example.org"),
	    "no_proxy: a domain holds its hosts");
	t_ok(proxy_no_proxy(" .example.org ,x", "imap.example.org"),
	    "no_proxy: a leading dot, blanks");
	t_ok(proxy_no_proxy("EXAMPLE.org", "example.org"),
	    "no_proxy: the host itself, any case");
	t_ok(!proxy_no_proxy("ample.org", "imap.example.org"),
	    "no_proxy: not a part of a label");
	t_ok(!proxy_no_proxy("imap.example.org", "example.org"),
	    "no_proxy: not a parent");
	t_ok(proxy_no_proxy("10.0.0.0/8", "10.2.3.4"), "no_proxy: CIDR");
	t_ok(!proxy_no_proxy("10.0.0.0/8", "11.2.3.4"), "no_proxy: CIDR out");
	t_ok(proxy_no_proxy("192.168.1.7", "192.168.1.7"),
	    "no_proxy: an address");
	t_ok(proxy_no_proxy("2001:db8::/32", "2001:db8:1::5"),
	    "no_proxy: IPv6 CIDR");
	t_ok(!proxy_no_proxy("10.0.0.0/4294967304", "10.2.3.4") &&
	    !proxy_no_proxy("10.0.0.0/33", "10.2.3.4") &&
	    !proxy_no_proxy("10.0.0.0/-8", "10.2.3.4"),
	    "no_proxy: a CIDR length past the address's bits is no match");
	t_ok(!proxy_no_proxy("10.0.0.0/8", "example.org"),
	    "no_proxy: CIDR against a name");
	t_ok(!proxy_no_proxy("", "example.org") &&
	    !proxy_no_proxy(NULL, "example.org"), "no_proxy: empty");
	return t_done();
}
