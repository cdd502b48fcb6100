/* SPDX-License-Identifier: Apache-2.0 */
/* brig port CONTAINER [PORT[/PROTO]]: its published ports, as Docker prints them. */
#include "cli/brig/brig-internal.h"
#include "cli/brig/netopts.h"

#include <stdio.h>
#include <string.h>

static void print_binding(const char *key, const json_t *b, bool with_key)
{
	const char *ip = json_string_value(json_object_get(b, "HostIp"));
	const char *port = json_string_value(json_object_get(b, "HostPort"));
	if (!ip || !port)
		return;
	bool v6 = strchr(ip, ':') != NULL;
	if (with_key)
		printf("%s -> ", key);
	printf("%s%s%s:%s\n", v6 ? "[" : "", ip, v6 ? "]" : "", port);
}

static int show(const json_t *ports, const char *want, const char *name, struct brig_err *e)
{
	const char *key;
	json_t *list, *b;
	size_t i;
	if (!want) {
		json_object_foreach((json_t *)ports, key, list) json_array_foreach(list, i, b)
			print_binding(key, b, true);
		return 0;
	}
	struct eng_port p;
	char k[16];
	if (eng_expose_parse(want, &p, e) < 0 || p.ctr_lo != p.ctr_hi)
		return brig_err_set(e, -EINVAL, "\"%s\": use PORT or PORT/tcp|udp", want);
	eng_port_key(&p, p.ctr_lo, k, sizeof(k));
	list = json_object_get(ports, k);
	if (!json_array_size(list))
		return brig_err_set(e, -ENOENT, "no public port '%s' published for %s", k, name);
	json_array_foreach(list, i, b) print_binding(k, b, false);
	return 0;
}

int brig_cmd_port(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("port", "CONTAINER [PORT[/PROTO]]", o, argc, argv, &pos, &npos, 1, 2);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_json_ json_t *doc = NULL;
	char id[ENG_ID_LEN + 1];
	int r = brig_engine_open(g, &eng, &e);
	if (r == 0)
		r = eng_find(eng, pos[0], id, &e);
	if (r == 0)
		r = eng_inspect(eng, id, &doc, &e);
	if (r == 0)
		r = show(json_object_get(json_object_get(doc, "NetworkSettings"), "Ports"),
			 npos > 1 ? pos[1] : NULL, pos[0], &e);
	return r < 0 ? brig_fail(&e) : 0;
}
