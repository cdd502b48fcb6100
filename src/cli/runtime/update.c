/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime update: change a running container's resources. */
#include "cli/runtime/brig-runtime-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "64m", "1G", "1024" -> bytes (brig_parse_size); "-1" stays -1 (runc's
 * "unlimited"). */
static int parse_size(const char *s, int64_t *out)
{
	if (strcmp(s, "-1") == 0) {
		*out = -1;
		return 0;
	}
	return brig_parse_size(s, out, NULL);
}

static const struct {
	const char *flag, *group, *key;
	bool size;
} update_flags[] = {
	{ "memory", "memory", "limit", true },
	{ "memory-reservation", "memory", "reservation", true },
	{ "memory-swap", "memory", "swap", true },
	{ "kernel-memory", "memory", "kernel", true },
	{ "kernel-memory-tcp", "memory", "kernelTCP", true },
	{ "cpu-share", "cpu", "shares", false },
	{ "cpu-quota", "cpu", "quota", false },
	{ "cpu-period", "cpu", "period", false },
	{ "cpu-rt-period", "cpu", "realtimePeriod", false },
	{ "cpu-rt-runtime", "cpu", "realtimeRuntime", false },
	{ "pids-limit", "pids", "limit", false },
	{ "blkio-weight", "blockIO", "weight", false },
};

static int flags_to_resources(struct opt *o, json_t *res)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(update_flags); i++) {
		const char *v = opts_find(o, update_flags[i].flag)->value;
		if (!v)
			continue;
		int64_t n;
		if ((update_flags[i].size ? parse_size(v, &n) : brig_parse_i64(v, &n)) < 0) {
			fprintf(stderr, "brig-runtime update: --%s: \"%s\" is not a valid value\n",
				update_flags[i].flag, v);
			return -1;
		}
		json_t *grp = json_object_get(res, update_flags[i].group);
		if (!grp) {
			grp = json_object();
			(void)json_object_set_new(res, update_flags[i].group, grp);
		}
		(void)json_object_set_new(grp, update_flags[i].key, json_integer(n));
	}
	static const char *const cpuset[][2] = { { "cpuset-cpus", "cpus" },
						 { "cpuset-mems", "mems" } };
	for (size_t i = 0; i < 2; i++) {
		const char *v = opts_find(o, cpuset[i][0])->value;
		if (!v)
			continue;
		json_t *cpu = json_object_get(res, "cpu");
		if (!cpu) {
			cpu = json_object();
			(void)json_object_set_new(res, "cpu", cpu);
		}
		(void)json_object_set_new(cpu, cpuset[i][1], json_string(v));
	}
	return 0;
}

int rtcmd_update(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("resources", 'r', "FILE", "a linux.resources JSON file, - for stdin"),
		OPT_VALUE("memory", 0, "SIZE", "memory limit (bytes, or with k/m/g)"),
		OPT_VALUE("memory-reservation", 0, "SIZE", "memory soft limit"),
		OPT_VALUE("memory-swap", 0, "SIZE", "memory plus swap limit, -1 unlimited"),
		OPT_VALUE("kernel-memory", 0, "SIZE", "ignored by the kernel; accepted"),
		OPT_VALUE("kernel-memory-tcp", 0, "SIZE", "ignored by the kernel; accepted"),
		OPT_VALUE("cpu-share", 0, "N", "relative CPU weight"),
		OPT_VALUE("cpu-quota", 0, "N", "CFS quota (us per period)"),
		OPT_VALUE("cpu-period", 0, "N", "CFS period (us)"),
		OPT_VALUE("cpu-rt-period", 0, "N", "realtime period (us)"),
		OPT_VALUE("cpu-rt-runtime", 0, "N", "realtime runtime (us)"),
		OPT_VALUE("cpuset-cpus", 0, "LIST", "CPUs allowed"),
		OPT_VALUE("cpuset-mems", 0, "LIST", "memory nodes allowed"),
		OPT_VALUE("pids-limit", 0, "N", "maximum number of processes"),
		OPT_VALUE("blkio-weight", 0, "N", "block IO weight (10-1000)"),
		{ 0 },
	};
	char **pos = NULL;
	size_t npos = 0;
	int rc = 1;
	_cleanup_json_ json_t *res = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	int p = rtcli_parse("update", "ID", o, argc, argv, false, &pos, &npos, 1, 1);
	if (p <= 0) {
		rc = p < 0 ? 1 : 0;
		goto out;
	}
	const char *file = opts_find(o, "resources")->value;
	if (file) {
		if (strcmp(file, "-") == 0) {
			_cleanup_free_ char *buf = NULL;
			size_t len = 0;
			if (brig_read_fd(STDIN_FILENO, "<stdin>", 1 << 20, &buf, &len, &e) < 0 ||
			    bj_parse(buf, len, "<stdin>", &res, &e) < 0) {
				rc = rt_fail(&e);
				goto out;
			}
		} else if (bj_load_file(AT_FDCWD, file, 1 << 20, &res, &e) < 0) {
			rc = rt_fail(&e);
			goto out;
		}
	} else if (!(res = json_object())) {
		goto out;
	}
	if (flags_to_resources(o, res) < 0)
		goto out;
	rc = rt_update(g, pos[0], res, file ? file : "flags", &e) < 0 ? rt_fail(&e) : 0;
out:
	free(pos);
	opts_free(o);
	return rc;
}
