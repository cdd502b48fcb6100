/* SPDX-License-Identifier: Apache-2.0 */
/* The "includes" and "excludes" filters of a Docker profile's syscalls[]
 * entries: capabilities, architectures, minimum kernel version. */
#include "engine/seccomp/seccomp-internal.h"

#include <string.h>

/* "X.Y" or "X.Y.Z"; *end is where parsing stopped.  Components are at most
 * 5 digits so that they fit an int without overflow checks. */
static int parse_version(const char *s, int v[3], const char **end)
{
	int n = 0;
	v[0] = v[1] = v[2] = 0;
	while (n < 3) {
		int digits = 0, x = 0;
		while (*s >= '0' && *s <= '9' && digits < 6) {
			x = x * 10 + (*s - '0');
			s++;
			digits++;
		}
		if (digits == 0 || digits > 5)
			return -EINVAL;
		v[n++] = x;
		if (*s != '.' || n == 3)
			break;
		if (!(s[1] >= '0' && s[1] <= '9'))
			break;
		s++;
	}
	if (n < 2 || (*s >= '0' && *s <= '9'))
		return -EINVAL;
	*end = s;
	return 0;
}

int eng_seccomp_kernel_cmp(const char *a, const char *b, int *cmp)
{
	int va[3], vb[3];
	const char *end;
	if (!a || !b || parse_version(a, va, &end) < 0 || parse_version(b, vb, &end) < 0)
		return -EINVAL;
	*cmp = 0;
	for (int i = 0; i < 3 && *cmp == 0; i++)
		*cmp = (va[i] > vb[i]) - (va[i] < vb[i]);
	return 0;
}

static bool strv_has(const char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

/* caps: every name valid; *all: each is in t->caps; *any: some is. */
static int eval_caps(const json_t *f, const struct bj_loc *at, const struct sp_target *t, int *all,
		     int *any, struct brig_err *e)
{
	_cleanup_strv_ char **caps = NULL;
	int r = bj_get_strv(f, at, "caps", false, SP_MAX_CAPS, &caps, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc arr, el;
	bj_key(&arr, at, "caps");
	*all = 1;
	*any = 0;
	for (size_t i = 0; caps[i]; i++) {
		bj_idx(&el, &arr, i);
		if (!sp_cap_name_valid(caps[i]))
			return bj_fail(e, &el, "\"%s\" is not a capability name (CAP_...)",
				       caps[i]);
		if (strv_has(t->caps, caps[i]))
			*any = 1;
		else
			*all = 0;
	}
	if (!caps[0]) { /* empty: no condition */
		*all = -1;
		*any = -1;
	}
	return 0;
}

/* arches: every name known; *hit: t->arch is listed (-1: empty list). */
static int eval_arches(const json_t *f, const struct bj_loc *at, const struct sp_target *t,
		       int *hit, struct brig_err *e)
{
	_cleanup_strv_ char **arches = NULL;
	int r = bj_get_strv(f, at, "arches", false, SP_MAX_ARCHS, &arches, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc arr, el;
	bj_key(&arr, at, "arches");
	*hit = arches[0] ? 0 : -1;
	for (size_t i = 0; arches[i]; i++) {
		bj_idx(&el, &arr, i);
		if (!sp_docker_arch_to_oci(arches[i]))
			return bj_fail(e, &el, "unknown architecture \"%s\"", arches[i]);
		if (strcmp(arches[i], t->arch) == 0)
			*hit = 1;
	}
	return 0;
}

/* minKernel: "X.Y" or "X.Y.Z"; *newer: the target kernel is at least it. */
static int eval_kernel(const json_t *f, const struct bj_loc *at, const struct sp_target *t,
		       int *newer, struct brig_err *e)
{
	const char *min = NULL, *end = NULL;
	int v[3];
	int r = bj_get_str(f, at, "minKernel", false, &min, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc sub;
	bj_key(&sub, at, "minKernel");
	if (parse_version(min, v, &end) < 0 || *end != '\0')
		return bj_fail(e, &sub, "\"%s\" is not a kernel version (X.Y or X.Y.Z)", min);
	int cmp = 0;
	if (eng_seccomp_kernel_cmp(t->kernel, min, &cmp) < 0)
		return brig_err_set(e, -EINVAL,
				    "%s: %s: cannot compare with the kernel version \"%s\"",
				    sub.file, sub.path, t->kernel ? t->kernel : "");
	*newer = cmp >= 0;
	return 0;
}

int sp_filter_eval(const json_t *entry, const struct bj_loc *at, const char *key, bool include,
		   const struct sp_target *t, bool *keep, struct brig_err *e)
{
	static const char *const keys[] = { "caps", "arches", "minKernel", NULL };
	json_t *f = NULL;
	struct bj_loc fl;
	*keep = true;
	int r = bj_get_obj(entry, at, key, false, &f, e);
	if (r != 0)
		return r < 0 ? r : 0;
	bj_key(&fl, at, key);
	r = bj_only_keys(f, &fl, keys, e);
	if (r < 0)
		return r;
	int all = -1, any = -1, arch = -1, kernel = -1;
	if ((r = eval_caps(f, &fl, t, &all, &any, e)) < 0 ||
	    (r = eval_arches(f, &fl, t, &arch, e)) < 0 ||
	    (r = eval_kernel(f, &fl, t, &kernel, e)) < 0)
		return r;
	if (include)
		*keep = all != 0 && arch != 0 && kernel != 0;
	else
		*keep = any != 1 && arch != 1 && kernel != 1;
	return 0;
}
