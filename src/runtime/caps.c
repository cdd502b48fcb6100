/* SPDX-License-Identifier: Apache-2.0 */
/* Capability names, parsing of process.capabilities, and applying them. */
#include "runtime/runtime-internal.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static const char *const set_keys[] = { "bounding", "effective", "inheritable", "permitted",
					"ambient" };

json_t *rt_caps_names(void)
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	for (int i = 0; i < brig_cap_count(); i++)
		(void)json_array_append_new(a, json_string(brig_cap_name(i)));
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
		json_array_foreach(arr, i, v)
		{
			struct bj_loc el;
			bj_idx(&el, &sl, i);
			r = bj_expect(v, &el, JSON_STRING, e);
			if (r < 0)
				return r;
			int c = brig_cap_from_name(json_string_value(v));
			/* runtime-spec 1.1+: an unknown name MUST be logged as a
			 * warning and SHOULD NOT fail (runc 1.2 does the same). */
			if (c < 0) {
				brig_warn("%s: %s: unknown capability \"%s\"; ignored", el.file,
					  el.path, json_string_value(v));
				continue;
			}
			/* A capability the kernel lacks is dropped with a warning,
			 * as runc does, so configs written for newer kernels run. */
			if (c > brig_cap_last()) {
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
	int last = brig_cap_last();
	for (int i = 0; i <= last; i++) {
		if (c->sets[RT_CAP_BND] & (UINT64_C(1) << i))
			continue;
		if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL)
			return brig_err_sys(e, errno, "dropping %s from the bounding set",
					    brig_cap_name(i) ? brig_cap_name(i) : "capability");
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
	int last = brig_cap_last();
	for (int i = 0; i <= last; i++) {
		if (!(c->sets[RT_CAP_AMB] & (UINT64_C(1) << i)))
			continue;
		/* Ambient needs the cap in permitted and inheritable; the
		 * kernel refuses otherwise, which runc reports as a warning. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0)
			brig_warn("cannot raise ambient %s: %s", brig_cap_name(i), strerror(errno));
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return brig_err_sys(e, errno, "prctl(PR_SET_KEEPCAPS, 0)");
	return 0;
}
