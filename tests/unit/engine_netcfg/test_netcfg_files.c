/* SPDX-License-Identifier: Apache-2.0 */
/* The /etc/hosts and /etc/resolv.conf a container gets; --add-host, --dns*. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "engine/netcfg/netcfg.h"

#include <stdlib.h>
#include <string.h>

static const char host_resolv[] = "# made by someone\n"
				  "nameserver 127.0.0.53\n"
				  "nameserver 10.0.0.2 # the office\n"
				  "nameserver ::1\n"
				  "search example.org\n"
				  "options edns0 trust-ad\n";

static char *resolv(const struct eng_netcfg *n, const char *host)
{
	struct brig_err e = { 0 };
	char *out = NULL;
	if (eng_resolv_render(n, host, &out, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
	return out;
}

static void test_resolv(void **state)
{
	(void)state;
	struct eng_netcfg n = { .mode = ENG_NET_PASTA };
	char *s = resolv(&n, host_resolv);
	assert_string_equal(s, "nameserver 10.0.0.2\nsearch example.org\noptions edns0 trust-ad\n");
	free(s);
	n.mode = ENG_NET_HOST; /* the host's loopback resolvers answer there */
	s = resolv(&n, host_resolv);
	assert_string_equal(s,
			    "nameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver ::1\n"
			    "search example.org\noptions edns0 trust-ad\n");
	free(s);
	n.mode = ENG_NET_NONE; /* only loopback resolvers: Docker's fallback */
	s = resolv(&n, "nameserver 127.0.0.53\n");
	assert_string_equal(s, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	free(s);
	char *dns[] = { "192.0.2.53", "2001:db8::53", NULL },
	     *search[] = { "a.test", "b.test", NULL }, *opts[] = { "ndots:2", NULL };
	n.dns = dns;
	n.dns_search = search;
	n.dns_options = opts;
	s = resolv(&n, host_resolv);
	assert_string_equal(s,
			    "nameserver 192.0.2.53\nnameserver 2001:db8::53\n"
			    "search a.test b.test\noptions ndots:2\n");
	free(s);
	n.dns_options = NULL; /* the host's options stay */
	s = resolv(&n, NULL);
	assert_string_equal(s,
			    "nameserver 192.0.2.53\nnameserver 2001:db8::53\n"
			    "search a.test b.test\n");
	free(s);
}

static void test_hosts(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char *add[] = { "db:10.0.0.5", "v6:[2001:db8::1]", NULL };
	struct eng_netcfg n = { .mode = ENG_NET_NONE, .add_hosts = add };
	char *s = NULL;
	assert_int_equal(eng_hosts_render(&n, "web", NULL, &s, &e), 0);
	assert_non_null(strstr(s, "127.0.0.1\tlocalhost\n"));
	assert_non_null(strstr(s, "::1\tlocalhost ip6-localhost ip6-loopback\n"));
	assert_non_null(strstr(s, "127.0.1.1\tweb\n10.0.0.5\tdb\n2001:db8::1\tv6\n"));
	free(s);
	n.mode = ENG_NET_HOST;
	assert_int_equal(
		eng_hosts_render(&n, "ignored", "127.0.0.1 localhost\n10.9.9.9 hostbox", &s, &e),
		0);
	assert_string_equal(s,
			    "127.0.0.1 localhost\n10.9.9.9 hostbox\n10.0.0.5\tdb\n"
			    "2001:db8::1\tv6\n");
	free(s);
}

static void test_checks(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	assert_int_equal(eng_add_host_check("db:10.0.0.5", &e), 0);
	assert_int_equal(eng_add_host_check("db:::1", &e), 0);
	static const char *const bad[][2] = {
		{ "db", "use HOST:IP" },
		{ "db:", "is not an IP address" },
		{ ":10.0.0.5", "invalid host name" },
		{ "db:10.0.0.256", "is not an IP address" },
		{ "d b:10.0.0.5", "invalid host name" },
		{ "db:host-gateway", "host-gateway needs a bridge network" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (eng_add_host_check(bad[i][0], &e2) == 0)
			fail_msg("--add-host \"%s\" accepted", bad[i][0]);
		if (!strstr(brig_err_str(&e2), bad[i][1]))
			fail_msg("\"%s\": %s", bad[i][0], brig_err_str(&e2));
	}
	char *dns[] = { "resolver.example", NULL };
	struct eng_netcfg n = { .dns = dns };
	_cleanup_err_ struct brig_err e3 = { 0 };
	assert_true(eng_netcfg_check(&n, &e3) < 0);
	assert_non_null(strstr(brig_err_str(&e3), "--dns \"resolver.example\": not an IP"));
	struct eng_port p = { .ctr_lo = 80, .ctr_hi = 80 };
	struct eng_netcfg h = { .mode = ENG_NET_HOST, .ports = &p, .n_ports = 1 };
	_cleanup_err_ struct brig_err e4 = { 0 };
	assert_true(eng_netcfg_check(&h, &e4) < 0);
	assert_non_null(strstr(brig_err_str(&e4), "cannot be used with --network host"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolv),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
