/* SPDX-License-Identifier: Apache-2.0 */
/* brig info, brig system info: what the engine runs on (eng_info). */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <string.h>

static const char *s_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long i_of(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *yes(const json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k)) ? "yes" : "no";
}

static void print_list(const char *head, const json_t *arr, const char *indent)
{
	size_t i;
	json_t *v;
	printf("%s%s:", indent, head);
	json_array_foreach(arr, i, v) printf(" %s", json_string_value(v));
	printf("\n");
}

static void print_brig(const json_t *b)
{
	const json_t *u = json_object_get(b, "Userns"), *r = json_object_get(u, "Range");
	const json_t *sc = json_object_get(b, "Seccomp"), *k = json_object_get(b, "KernelFeatures");
	const json_t *cg = json_object_get(b, "Cgroups");
	printf(" Rootless: %s\n Store Root: %s\n Runtime Root: %s\n Mount Root: %s\n",
	       yes(b, "Rootless"), s_of(b, "StoreRoot"), s_of(b, "RuntimeRoot"),
	       s_of(b, "MountRoot"));
	printf(" Config File: %s\n", s_of(b, "ConfigFile")[0] ? s_of(b, "ConfigFile") : "(none)");
	printf(" Cgroup Layout: %s (containers get cgroups: %s)\n", s_of(cg, "Layout"),
	       yes(cg, "Delegated"));
	print_list("Cgroup Controllers", json_object_get(cg, "Controllers"), " ");
	printf(" User Namespaces: %s (subordinate ids of %s", s_of(u, "Mode"),
	       s_of(u, "SubidUser"));
	if (r)
		printf(": host uid %lld, %lld ids", i_of(r, "HostUid"), i_of(r, "Size"));
	printf("; %lld a container; registry %s)\n", i_of(u, "SlotSize"), s_of(u, "Registry"));
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(u, "InUse"), i, c)
		printf("  %.12s: host uid %lld, gid %lld, %lld ids\n", s_of(c, "Container"),
		       i_of(c, "HostUid"), i_of(c, "HostGid"), i_of(c, "Size"));
	printf(" Seccomp Profile: %s\n", s_of(sc, "Profile"));
	if (s_of(sc, "Digest")[0])
		printf(" Seccomp Profile Digest: %s\n", s_of(sc, "Digest"));
	printf(" Content Trust: %s\n",
	       json_is_true(json_object_get(b, "ContentTrust")) ? "required" : "not required");
	printf(" Kernel Features:\n  User Namespaces: %s\n  Seccomp: %s\n  Overlay: %s\n"
	       "  openat2: %s\n  pidfd: %s\n  Btrfs Quota: %s (store on %s)\n",
	       yes(k, "UserNamespaces"), yes(k, "Seccomp"), yes(k, "Overlay"), yes(k, "Openat2"),
	       yes(k, "Pidfd"), yes(k, "BtrfsQuota"), s_of(k, "StoreFilesystem"));
	printf("  Overlay in User Namespaces: %s\n  Idmapped Mounts: %s (usable by brig: %s)\n"
	       "  Landlock ABI: %lld\n",
	       yes(k, "OverlayInUserns"), yes(k, "IdmappedMounts"), yes(k, "IdmappedMountsUsable"),
	       i_of(k, "LandlockABI"));
	print_list("LSMs", json_object_get(k, "LSMs"), "  ");
}

static void print_text(const json_t *o)
{
	char mem[32];
	brig_binary_size((uint64_t)i_of(o, "MemTotal"), mem);
	printf("Server:\n Containers: %lld\n  Running: %lld\n  Paused: %lld\n  Stopped: %lld\n"
	       " Images: %lld\n Server Version: %s\n Storage Driver: %s\n",
	       i_of(o, "Containers"), i_of(o, "ContainersRunning"), i_of(o, "ContainersPaused"),
	       i_of(o, "ContainersStopped"), i_of(o, "Images"), s_of(o, "ServerVersion"),
	       s_of(o, "Driver"));
	printf(" Cgroup Driver: %s\n Cgroup Version: %s\n", s_of(o, "CgroupDriver"),
	       s_of(o, "CgroupVersion"));
	print_list("Security Options", json_object_get(o, "SecurityOptions"), " ");
	printf(" Kernel Version: %s\n Operating System: %s\n OSType: %s\n Architecture: %s\n"
	       " CPUs: %lld\n Total Memory: %s\n Name: %s\n Docker Root Dir: %s\n",
	       s_of(o, "KernelVersion"), s_of(o, "OperatingSystem"), s_of(o, "OSType"),
	       s_of(o, "Architecture"), i_of(o, "NCPU"), mem, s_of(o, "Name"),
	       s_of(o, "DockerRootDir"));
	printf("Brig:\n");
	print_brig(json_object_get(o, "Brig"));
}

int brig_cmd_info(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("format", 'f', "FORMAT",
				     "json (one object) or a Go template over it"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("info", "", o, argc, argv, &pos, &npos, 0, 0);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_json_ json_t *info = NULL, *one = json_array();
	const char *fmt = opts_find(o, "format")->value;
	int r = one ? brig_engine_open(g, &eng, &e) : brig_err_oom(&e);
	if (r == 0)
		r = eng_info(eng, &info, &e);
	if (r == 0 && (!fmt || strcmp(fmt, "table") == 0)) {
		print_text(info);
	} else if (r == 0 && strcmp(fmt, "json") == 0) {
		_cleanup_free_ char *s = json_dumps(info, JSON_COMPACT);
		r = s ? (printf("%s\n", s), 0) : brig_err_oom(&e);
	} else if (r == 0 && json_array_append(one, info) == 0) {
		r = brig_print_template(fmt, one, &e);
	}
	opts_free(o);
	return r < 0 ? brig_fail(&e) : 0;
}
