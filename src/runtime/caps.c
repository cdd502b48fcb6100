/* SPDX-License-Identifier: Apache-2.0 */
/* Capability names, parsing of process.capabilities, and applying them. */
#include "runtime/rt.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

static const char *const set_keys[] = { "bounding", "effective", "inheritable",
					"permitted", "ambient" };

int rt_cap_from_name(const char *name)
{
	const char *n = name;
	/* Accept "CHOWN" as docker does, and any case. */
	char buf[64];
	if (strncasecmp(n, "CAP_", 4) != 0) {
		if (brig_snprintf(buf, sizeof(buf), "CAP_%s", n) < 0)
			return -1;
		n = buf;
	}
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(cap_names); i++)
		if (strcasecmp(cap_names[i], n) == 0)
			return (int)i;
	return -1;
}

const char *rt_cap_name(int cap)
{
	if (cap < 0 || (size_t)cap >= BRIG_ARRAY_SIZE(cap_names))
		return NULL;
	return cap_names[cap];
}

int rt_cap_last(void)
{
	static int last = -1;
	if (last >= 0)
		return last;
	_cleanup_free_ char *buf = NULL;
	uint64_t v;
	if (brig_read_file(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &buf, NULL,
			   NULL) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		if (brig_parse_u64(buf, &v) == 0 && v < 64)
			last = (int)v;
	}
	if (last < 0)
		last = CAP_LAST_CAP;
	return last;
}

json_t *rt_caps_names(void)
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(cap_names); i++)
		(void)json_array_append_new(a, json_string(cap_names[i]));
	return a;
}

int rt_caps_parse(const json_t *obj, const struct bj_loc *at, struct rt_caps *out,
		  struct brig_err *e)
{
	memset(out, 0, sizeof(*out));
	for (size_t s = 0; s < BRIG_ARRAY_SIZE(set_keys); s++) {
		json_t *arr = NULL;
		int r = bj_get_arr(obj, at, set_keys[s], false, &arr, e);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		struct bj_loc sl;
		bj_key(&sl, at, set_keys[s]);
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v) {
			struct bj_loc el;
			bj_idx(&el, &sl, i);
			r = bj_expect(v, &el, JSON_STRING, e);
			if (r < 0)
				return r;
			int c = rt_cap_from_name(json_string_value(v));
			/* runtime-spec 1.1+: an unknown name MUST be logged as a
			 * warning and SHOULD NOT fail (runc 1.2 does the same). */
			if (c < 0) {
				brig_warn("%s: %s: unknown capability \"%s\"; ignored",
					  el.file, el.path, json_string_value(v));
				continue;
			}
			/* A capability the kernel lacks is dropped with a warning,
			 * as runc does, so configs written for newer kernels run. */
			if (c > rt_cap_last()) {
				brig_warn("%s: %s: %s is not supported by this kernel; ignored",
					  el.file, el.path, json_string_value(v));
				continue;
			}
			out->sets[s] |= UINT64_C(1) << c;
		}
	}
	return 0;
}

int rt_caps_drop_bounding(const struct rt_caps *c, struct brig_err *e)
{
	int last = rt_cap_last();
	for (int i = 0; i <= last; i++) {
		if (c->sets[RT_CAP_BND] & (UINT64_C(1) << i))
			continue;
		if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL)
			return brig_err_sys(e, errno, "dropping %s from the bounding set",
					    rt_cap_name(i) ? rt_cap_name(i) : "capability");
	}
	/* Keep permitted caps across the switch to the process's uid. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return brig_err_sys(e, errno, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}

int rt_caps_apply(const struct rt_caps *c, struct brig_err *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(c->sets[RT_CAP_EFF] >> (32 * i));
		data[i].permitted = (uint32_t)(c->sets[RT_CAP_PRM] >> (32 * i));
		data[i].inheritable = (uint32_t)(c->sets[RT_CAP_INH] >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return brig_err_sys(e, errno, "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return brig_err_sys(e, errno, "clearing ambient capabilities");
	int last = rt_cap_last();
	for (int i = 0; i <= last; i++) {
		if (!(c->sets[RT_CAP_AMB] & (UINT64_C(1) << i)))
			continue;
		/* Ambient needs the cap in permitted and inheritable; the
		 * kernel refuses otherwise, which runc reports as a warning. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0)
			brig_warn("cannot raise ambient %s: %s", rt_cap_name(i),
				  strerror(errno));
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return brig_err_sys(e, errno, "prctl(PR_SET_KEEPCAPS, 0)");
	return 0;
}
