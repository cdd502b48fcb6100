/* SPDX-License-Identifier: Apache-2.0 */
#include "helpers.h"

#include <stdio.h>
#include <string.h>

static const char base_json[] =
	"{\"ociVersion\":\"1.2.0\","
	"\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
	"\"cwd\":\"/\",\"capabilities\":{"
	"\"bounding\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\","
	"\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETPCAP\",\"CAP_NET_BIND_SERVICE\",\"CAP_KILL\"],"
	"\"effective\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\","
	"\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETPCAP\",\"CAP_NET_BIND_SERVICE\",\"CAP_KILL\"],"
	"\"permitted\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\","
	"\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETPCAP\",\"CAP_NET_BIND_SERVICE\",\"CAP_KILL\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":4096,\"soft\":1024},"
	"{\"type\":\"RLIMIT_CORE\",\"hard\":0,\"soft\":0}],\"noNewPrivileges\":true},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"brig\","
	"\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]},"
	"{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"\"options\":[\"nosuid\",\"nodev\",\"noexec\",\"mode=1777\",\"size=65536k\"]},"
	"{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"\"options\":[\"nosuid\",\"nodev\",\"noexec\",\"mode=755\",\"size=65536k\"]}],"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
	"{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"cgroup\"}],"
	"\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\",\"/sys/firmware\"],"
	"\"readonlyPaths\":[\"/proc/bus\",\"/proc/sys\"],"
	"\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"},"
	"\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
	"\"pids\":{\"limit\":1024}}}}";

json_t *base_spec(void)
{
	json_error_t err;
	json_t *j = json_loads(base_json, 0, &err);
	if (!j)
		fail_msg("base spec: %s at %d", err.text, err.position);
	return j;
}

json_t *jpath(const json_t *root, const char *path)
{
	const json_t *cur = root;
	char key[128];
	const char *p = path;
	while (cur && *p) {
		if (*p == '[') {
			char *end;
			size_t i = strtoul(p + 1, &end, 10);
			cur = json_array_get(cur, i);
			p = end + 1;
		} else {
			size_t n = strcspn(p, ".[");
			if (n >= sizeof(key))
				return NULL;
			memcpy(key, p, n);
			key[n] = '\0';
			cur = json_object_get(cur, key);
			p += n;
		}
		if (*p == '.')
			p++;
	}
	return (json_t *)cur;
}

const char *jtext(const json_t *v)
{
	static char buf[8192];
	if (!v)
		return "(absent)";
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
	free(s);
	return buf;
}

int jarr_has(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (json_is_string(v) &&
					  strcmp(json_string_value(v), s) == 0) return 1;
	return 0;
}

int mount_index(const json_t *oci, const char *dst)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(oci, "mounts"), i, m)
	{
		const char *d = json_string_value(json_object_get(m, "destination"));
		if (d && strcmp(d, dst) == 0)
			return (int)i;
	}
	return -1;
}

void set_ok_at(struct eng_flags *f, const char *flag, const char *value, const char *file, int line)
{
	struct brig_err e = { 0 };
	if (eng_flags_set(f, flag, value, &e) < 0) {
		print_error("%s:%d: --%s %s: %s\n", file, line, flag, value ? value : "(null)",
			    brig_err_str(&e));
		brig_err_clear(&e);
		fail();
	}
}

void set_fail_at(struct eng_flags *f, const char *flag, const char *value, const char *want,
		 const char *file, int line)
{
	struct brig_err e = { 0 };
	int r = eng_flags_set(f, flag, value, &e);
	if (r >= 0) {
		print_error("%s:%d: --%s %s was accepted\n", file, line, flag, value);
		fail();
	}
	const char *msg = brig_err_str(&e);
	if (e.code >= 0 || !strstr(msg, want)) {
		print_error("%s:%d: --%s %s: message \"%s\" lacks \"%s\"\n", file, line, flag,
			    value, msg, want);
		brig_err_clear(&e);
		fail();
	}
	brig_err_clear(&e);
}

void apply_ok_at(struct eng_flags *f, json_t *oci, const char *file, int line)
{
	struct brig_err e = { 0 };
	if (eng_flags_apply(f, oci, &e) < 0) {
		print_error("%s:%d: apply: %s\n", file, line, brig_err_str(&e));
		brig_err_clear(&e);
		fail();
	}
}

void apply_fail_at(struct eng_flags *f, json_t *oci, const char *want, const char *file, int line)
{
	struct brig_err e = { 0 };
	json_t *before = json_deep_copy(oci);
	int r = eng_flags_apply(f, oci, &e);
	const char *msg = brig_err_str(&e);
	int ok = r < 0 && strstr(msg, want) && json_equal(before, oci);
	if (!ok)
		print_error("%s:%d: apply: r=%d message \"%s\" (want \"%s\"), config %s\n", file,
			    line, r, msg, want, json_equal(before, oci) ? "unchanged" : "CHANGED");
	json_decref(before);
	brig_err_clear(&e);
	if (!ok)
		fail();
}

json_t *apply_one(const char *flag, const char *value, struct eng_flags **out)
{
	struct eng_flags *f = eng_flags_new();
	assert_non_null(f);
	json_t *oci = base_spec();
	set_ok(f, flag, value);
	apply_ok(f, oci);
	*out = f;
	return oci;
}
