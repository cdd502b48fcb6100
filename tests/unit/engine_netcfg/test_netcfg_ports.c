/* SPDX-License-Identifier: Apache-2.0 */
/* -p and --expose: Docker's accepted and refused forms; --network; -P. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "engine/netcfg/netcfg.h"

#include <stdlib.h>
#include <string.h>

static const struct ok_case {
	const char *in, *ip;
	unsigned host_lo, host_hi, ctr_lo, ctr_hi;
	bool udp, ip_given;
} oks[] = {
	{ "80", "127.0.0.1", 0, 0, 80, 80, false, false },
	{ "80/tcp", "127.0.0.1", 0, 0, 80, 80, false, false },
	{ "53/udp", "127.0.0.1", 0, 0, 53, 53, true, false },
	{ "8080:80", "127.0.0.1", 8080, 8080, 80, 80, false, false },
	{ "8080:80/udp", "127.0.0.1", 8080, 8080, 80, 80, true, false },
	{ "127.0.0.1:8080:80", "127.0.0.1", 8080, 8080, 80, 80, false, true },
	{ "10.1.2.3:8080:80", "10.1.2.3", 8080, 8080, 80, 80, false, true },
	{ "0.0.0.0:8080:80", "0.0.0.0", 8080, 8080, 80, 80, false, true },
	{ "127.0.0.1::80", "127.0.0.1", 0, 0, 80, 80, false, true }, /* host port left out */
	{ ":8080:80", "127.0.0.1", 8080, 8080, 80, 80, false, false },
	{ "[::1]:8080:80", "::1", 8080, 8080, 80, 80, false, true },
	{ "[::]:8080:80/udp", "::", 8080, 8080, 80, 80, true, true },
	{ "[fe80::1]::80", "fe80::1", 0, 0, 80, 80, false, true },
	{ "8080-8081:80-81", "127.0.0.1", 8080, 8081, 80, 81, false, false },
	{ "8000-8010:80", "127.0.0.1", 8000, 8010, 80, 80, false, false },
	{ "80-81", "127.0.0.1", 0, 0, 80, 81, false, false },
	{ "0:80", "127.0.0.1", 0, 0, 80, 80, false, false },
	{ "65535:65535", "127.0.0.1", 65535, 65535, 65535, 65535, false, false },
};

static const struct bad_case {
	const char *in, *says;
} bads[] = {
	{ "", "no container port" },
	{ "8080:", "no container port" },
	{ "127.0.0.1:8080:", "no container port" },
	{ "abc", "invalid container port" },
	{ "0", "invalid container port" },
	{ "65536", "invalid container port" },
	{ "80-79", "invalid container port" },
	{ "-80", "invalid container port" },
	{ "80-", "invalid container port" },
	{ "8080:80:90:100", "too many colons" },
	{ "::1:8080:80", "too many colons (an IPv6 address goes in brackets" },
	{ "1.2.3.4:80", "invalid host port" },
	{ "65536:80", "invalid host port" },
	{ "300.1.1.1:80:80", "invalid IP address" },
	{ "localhost:80:80", "invalid IP address" },
	{ "[1.2.3.4]:80:80", "invalid IP address" },
	{ "[::1]8080:80", "use [IPv6]:HOSTPORT:PORT" },
	{ "[::1]:80", "use [IPv6]:HOSTPORT:PORT" },
	{ "[::1:80:80", "use [IPv6]:HOSTPORT:PORT" },
	{ "80/sctp", "tcp or udp" },
	{ "80/", "tcp or udp" },
	{ "8080-8082:80-81", "differ in size" },
	{ "8080:80-81", "differ in size" },
};

static void test_port_accepted(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(oks) / sizeof(oks[0]); i++) {
		const struct ok_case *c = &oks[i];
		struct brig_err e = { 0 };
		struct eng_port p;
		if (eng_port_parse(c->in, &p, &e) < 0)
			fail_msg("\"%s\": %s", c->in, brig_err_str(&e));
		if (strcmp(p.ip, c->ip) != 0 || p.host_lo != c->host_lo ||
		    p.host_hi != c->host_hi || p.ctr_lo != c->ctr_lo || p.ctr_hi != c->ctr_hi ||
		    p.udp != c->udp || p.ip_given != c->ip_given)
			fail_msg("\"%s\" -> %s %u-%u:%u-%u udp=%d given=%d", c->in, p.ip, p.host_lo,
				 p.host_hi, p.ctr_lo, p.ctr_hi, p.udp, p.ip_given);
	}
}

static void test_port_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		_cleanup_err_ struct brig_err e = { 0 };
		struct eng_port p;
		if (eng_port_parse(bads[i].in, &p, &e) == 0)
			fail_msg("\"%s\" accepted", bads[i].in);
		const char *msg = brig_err_str(&e);
		if (!strstr(msg, bads[i].says) || strchr(msg, '\n'))
			fail_msg("\"%s\": \"%s\", wanted \"%s\"", bads[i].in, msg, bads[i].says);
	}
}

static void test_expose(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct eng_port p;
	assert_int_equal(eng_expose_parse("80", &p, &e), 0);
	assert_int_equal(p.ctr_lo, 80);
	assert_int_equal(eng_expose_parse("7000-7002/udp", &p, &e), 0);
	assert_int_equal(p.ctr_hi, 7002);
	assert_true(p.udp);
	const char *bad[] = { "", "x", "0", "80:80", "80/icmp", "70000" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (eng_expose_parse(bad[i], &p, &e2) == 0)
			fail_msg("--expose \"%s\" accepted", bad[i]);
	}
}

static void test_network_modes(void **state)
{
	(void)state;
	enum eng_net_mode m;
	char t[256];
	struct brig_err e = { 0 };
	assert_int_equal(eng_net_mode_parse(NULL, &m, t, sizeof(t), &e), 0);
	assert_int_equal(m, ENG_NET_NONE);
	assert_int_equal(eng_net_mode_parse("host", &m, t, sizeof(t), &e), 0);
	assert_int_equal(m, ENG_NET_HOST);
	assert_int_equal(eng_net_mode_parse("pasta", &m, t, sizeof(t), &e), 0);
	assert_int_equal(m, ENG_NET_PASTA);
	assert_int_equal(eng_net_mode_parse("container:web", &m, t, sizeof(t), &e), 0);
	assert_int_equal(m, ENG_NET_CONTAINER);
	assert_string_equal(t, "web");
	_cleanup_err_ struct brig_err e2 = { 0 };
	/* Any other name is a bridge network, looked up at create. */
	assert_int_equal(eng_net_mode_parse("mynet", &m, t, sizeof(t), &e2), 0);
	assert_int_equal(m, ENG_NET_BRIDGE);
	assert_string_equal(t, "mynet");
	assert_int_equal(eng_net_mode_parse("slirp4netns", &m, t, sizeof(t), &e2), -EINVAL);
	_cleanup_err_ struct brig_err e3 = { 0 };
	assert_true(eng_net_mode_parse("container:", &m, t, sizeof(t), &e3) < 0);
}

/* -P: the image's and --expose's ports, not those -p published already. */
static void test_publish_all(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct eng_port p[1];
	assert_int_equal(eng_port_parse("0.0.0.0:9090:80", &p[0], &e), 0);
	char *expose[] = { "81-82", "80", NULL };
	char *image[] = { "80/tcp", "53/udp", NULL };
	struct eng_netcfg n = { .mode = ENG_NET_PASTA,
				.ports = p,
				.n_ports = 1,
				.publish_all = true,
				.expose = expose };
	struct eng_port *v = NULL;
	size_t nv = 0;
	assert_int_equal(eng_net_ports_expand(&n, image, &v, &nv, &e), 0);
	assert_int_equal(nv, 4); /* 80 (-p), 53/udp, 81, 82 */
	assert_int_equal(v[0].host_lo, 9090);
	assert_string_equal(v[0].ip, "0.0.0.0");
	assert_int_equal(v[1].ctr_lo, 53);
	assert_true(v[1].udp);
	assert_string_equal(v[1].ip, "127.0.0.1");
	assert_int_equal(v[1].host_lo, 0);
	assert_int_equal(v[2].ctr_lo, 81);
	assert_int_equal(v[3].ctr_lo, 82);
	free(v);
}

/* A bridge network's TCP port with its address left out gets a ::1 twin on
 * the same host port, right after it; a named address and UDP do not. */
static void test_loopback6(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct eng_port *v = calloc(3, sizeof(*v));
	size_t nv = 3;
	assert_non_null(v);
	assert_int_equal(eng_port_parse("8080:80", &v[0], &e), 0);
	assert_int_equal(eng_port_parse("0.0.0.0:8081:81", &v[1], &e), 0);
	assert_int_equal(eng_port_parse("5353:53/udp", &v[2], &e), 0);
	assert_int_equal(eng_net_ports_loopback6(&v, &nv, &e), 0);
	assert_int_equal(nv, 4);
	assert_string_equal(v[0].ip, "127.0.0.1");
	assert_string_equal(v[1].ip, "::1");
	assert_int_equal(v[1].host_lo, 8080);
	assert_int_equal(v[1].ctr_lo, 80);
	assert_false(v[1].udp);
	assert_string_equal(v[2].ip, "0.0.0.0");
	assert_string_equal(v[3].ip, "127.0.0.1");
	assert_true(v[3].udp);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_accepted), cmocka_unit_test(test_port_refused),
		cmocka_unit_test(test_expose),        cmocka_unit_test(test_network_modes),
		cmocka_unit_test(test_publish_all),   cmocka_unit_test(test_loopback6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
