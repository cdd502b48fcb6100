/* SPDX-License-Identifier: Apache-2.0 */
/* --security-opt: no-new-privileges, seccomp, apparmor, label, mask,
 * unmask, systempaths. */
#include "engine/flags/flags-internal.h"
#include "common/landlock.h"
#include "runtime/runtime.h"

#include <string.h>

static int set_str(char **dst, const char *v, struct brig_err *e)
{
	char *c = strdup(v);
	if (!c)
		return brig_err_oom(e);
	free(*dst);
	*dst = c;
	return 0;
}

static int opt_nnp(struct eng_flags *f, const char *val, struct brig_err *e)
{
	if (eng_parse_bool(val ? val : "", &f->no_new_privs.v) < 0)
		return brig_err_set(e, -EINVAL, "no-new-privileges: invalid boolean \"%.32s\"",
				    val);
	f->no_new_privs.set = true;
	return 0;
}

static int opt_seccomp(struct eng_flags *f, const char *val, struct brig_err *e)
{
	if (!val || !*val)
		return brig_err_set(
			e, -EINVAL,
			"seccomp= needs a profile file, \"unconfined\" or learn:FILE[,merge]");
	return set_str(&f->seccomp, val, e);
}

static int opt_apparmor(struct eng_flags *f, const char *val, struct brig_err *e)
{
	if (!val || !*val || strlen(val) > 255 || strpbrk(val, " \t"))
		return brig_err_set(e, -EINVAL, "apparmor= needs a profile name or \"unconfined\"");
	return set_str(&f->apparmor, val, e);
}

/* landlock=RULES: checked here, enforced by brig-runtime (docs/landlock.md). */
static int opt_landlock(struct eng_flags *f, const char *val, struct brig_err *e)
{
	int r = brig_landlock_rules_check(val ? val : "", e);
	return r < 0 ? r : set_str(&f->landlock, val, e);
}

static int opt_label(struct eng_flags *f, const char *val, struct brig_err *e)
{
	static const char *const kinds[] = { "user:", "role:", "type:", "level:" };
	if (val && strcmp(val, "disable") == 0) {
		f->label_disable = true;
		return 0;
	}
	for (size_t i = 0; val && i < BRIG_ARRAY_SIZE(kinds); i++)
		if (strncmp(val, kinds[i], strlen(kinds[i])) == 0 && val[strlen(kinds[i])]) {
			int r = eng_strv_push(&f->labels, val, e);
			return r < 0 ? r
				     : eng_notice(f, e,
						  "--security-opt label=%s has no effect: "
						  "SELinux is not in use",
						  val);
		}
	return brig_err_set(e, -EINVAL, "label= takes disable, user:, role:, type: or level:");
}

/* PATH[:PATH...], each absolute and clean, into *v (all or nothing). */
static int path_list(const char *what, const char *val, char ***v, struct brig_err *e)
{
	if (!val || !*val)
		return brig_err_set(e, -EINVAL, "%s= needs paths", what);
	_cleanup_free_ char *copy = strdup(val);
	_cleanup_strv_ char **add = NULL;
	if (!copy)
		return brig_err_oom(e);
	for (char *save = NULL, *p = strtok_r(copy, ":", &save); p;
	     p = strtok_r(NULL, ":", &save)) {
		if (!eng_path_ok(p))
			return brig_err_set(e, -EINVAL, "%s=: \"%.256s\" is not an absolute path",
					    what, p);
		int r = eng_strv_has(*v, p) || eng_strv_has(add, p) ? 0 : eng_strv_push(&add, p, e);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; add && add[i]; i++) {
		int r = eng_strv_push(v, add[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int opt_mask(struct eng_flags *f, const char *val, struct brig_err *e)
{
	return path_list("mask", val, &f->mask, e);
}

static int opt_unmask(struct eng_flags *f, const char *val, struct brig_err *e)
{
	if (val && strcmp(val, "ALL") == 0) {
		f->unmask_all = true;
		return 0;
	}
	return path_list("unmask", val, &f->unmask, e);
}

static int opt_systempaths(struct eng_flags *f, const char *val, struct brig_err *e)
{
	if (!val || strcmp(val, "unconfined") != 0)
		return brig_err_set(e, -EINVAL, "systempaths= only takes \"unconfined\"");
	f->unmask_all = true;
	return 0;
}

int eng_set_security_opt(struct eng_flags *f, const char *v, struct brig_err *e)
{
	static const struct {
		const char *key;
		int (*fn)(struct eng_flags *, const char *, struct brig_err *);
	} opts[] = {
		{ "no-new-privileges", opt_nnp },
		{ "seccomp", opt_seccomp },
		{ "apparmor", opt_apparmor },
		{ "label", opt_label },
		{ "mask", opt_mask },
		{ "unmask", opt_unmask },
		{ "systempaths", opt_systempaths },
		{ "landlock", opt_landlock },
	};
	/* KEY=VALUE, or Docker's older KEY:VALUE. */
	size_t klen = strcspn(v, "=:");
	const char *val = v[klen] ? v + klen + 1 : NULL;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(opts); i++) {
		if (strlen(opts[i].key) != klen || strncmp(opts[i].key, v, klen) != 0)
			continue;
		int r = opts[i].fn(f, val, e);
		return r < 0 ? r : eng_strv_push(&f->security_opt, v, e);
	}
	return brig_err_set(e, -EINVAL, "unknown option \"%.64s\"", v);
}

static int remove_paths(json_t *lx, const char *key, char *const *paths, bool all)
{
	json_t *a = json_object_get(lx, key);
	if (!json_is_array(a))
		return 0;
	for (size_t i = json_array_size(a); i-- > 0;) {
		const char *p = json_string_value(json_array_get(a, i));
		if ((all || (p && eng_strv_has(paths, p))) && json_array_remove(a, i) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int apply_masks(const struct eng_flags *f, json_t *lx, struct brig_err *e)
{
	if ((f->unmask_all || f->unmask) &&
	    (remove_paths(lx, "maskedPaths", f->unmask, f->unmask_all) < 0 ||
	     remove_paths(lx, "readonlyPaths", f->unmask, f->unmask_all) < 0))
		return brig_err_oom(e);
	if (!f->mask)
		return 0;
	json_t *masked = eng_json_arr(lx, "maskedPaths");
	if (!masked)
		return brig_err_set(e, -EINVAL, "linux.maskedPaths is not an array");
	for (size_t i = 0; f->mask[i]; i++) {
		bool have = false;
		size_t j;
		json_t *p;
		json_array_foreach(masked, j, p) have = have ||
			(json_string_value(p) && strcmp(json_string_value(p), f->mask[i]) == 0);
		if (!have && json_array_append_new(masked, json_string(f->mask[i])) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

int eng_apply_security(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	json_t *proc = eng_json_obj(oci, "process");
	json_t *lx = eng_json_obj(oci, "linux");
	if (!proc || !lx)
		return brig_err_set(e, -EINVAL, "process or linux is not an object");
	int r = apply_masks(f, lx, e);
	if (r < 0)
		return r;
	if (f->no_new_privs.set &&
	    (r = eng_json_set(proc, "noNewPrivileges", json_boolean(f->no_new_privs.v), e)) < 0)
		return r;
	if (f->seccomp && strcmp(f->seccomp, "unconfined") == 0)
		(void)json_object_del(lx, "seccomp");
	if (f->apparmor &&
	    (r = eng_json_set(proc, "apparmorProfile", json_string(f->apparmor), e)) < 0)
		return r;
	if (f->landlock &&
	    (r = eng_json_set(eng_json_obj(oci, "annotations"), RT_ANN_LANDLOCK,
			      json_string(f->landlock), e)) < 0)
		return r;
	if (f->label_disable) {
		(void)json_object_del(proc, "selinuxLabel");
		(void)json_object_del(lx, "mountLabel");
	}
	return 0;
}
