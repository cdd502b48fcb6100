/* SPDX-License-Identifier: Apache-2.0 */
/* --device HOST[:CONTAINER][:PERMS] -> linux.devices + a cgroup allow rule. */
#include "engine/flags/flags-internal.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

void eng_devices_free(struct eng_flags *f)
{
	for (size_t i = 0; i < f->n_devices; i++) {
		free(f->devices[i].host);
		free(f->devices[i].ctr);
	}
	free(f->devices);
}

/* A non-empty combination of r, w, m, each at most once. */
static bool perms_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 3)
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("rwm", *p) || strchr(p + 1, *p))
			return false;
	return true;
}

static int split_device(char *spec, char **host, char **ctr, const char **perms, struct brig_err *e)
{
	char *parts[4] = { 0 };
	size_t n = 0;
	for (char *p = spec; p && n < 4; n++) {
		parts[n] = p;
		p = strchr(p, ':');
		if (p)
			*p++ = '\0';
	}
	if (n > 3)
		return brig_err_set(e, -EINVAL, "too many ':'-separated parts");
	*host = parts[0];
	*ctr = parts[0];
	*perms = "rwm";
	if (n == 3) {
		*ctr = parts[1];
		*perms = parts[2];
		if (!perms_ok(*perms))
			return brig_err_set(e, -EINVAL,
					    "invalid permissions \"%.8s\" (a "
					    "combination of r, w, m)",
					    *perms);
	} else if (n == 2) {
		if (perms_ok(parts[1]))
			*perms = parts[1];
		else
			*ctr = parts[1];
	}
	if (!eng_path_ok(*host))
		return brig_err_set(e, -EINVAL, "\"%.256s\" is not an absolute host path", *host);
	if (!eng_path_ok(*ctr))
		return brig_err_set(e, -EINVAL, "\"%.256s\" is not an absolute container path",
				    *ctr);
	return 0;
}

static int stat_device(const char *host, struct eng_device *d, struct brig_err *e)
{
	struct stat st;
	if (stat(host, &st) < 0)
		return brig_err_sys(e, errno, "%s", host);
	if (S_ISCHR(st.st_mode))
		d->type = 'c';
	else if (S_ISBLK(st.st_mode))
		d->type = 'b';
	else
		return brig_err_set(e, -EINVAL, "%s is not a device node", host);
	d->major = major(st.st_rdev);
	d->minor = minor(st.st_rdev);
	d->mode = st.st_mode & 07777;
	return 0;
}

int eng_set_device(struct eng_flags *f, const char *v, struct brig_err *e)
{
	_cleanup_free_ char *spec = strdup(v);
	if (!spec)
		return brig_err_oom(e);
	char *host = NULL, *ctr = NULL;
	const char *perms = "rwm";
	struct eng_device d = { 0 };
	int r = split_device(spec, &host, &ctr, &perms, e);
	if (r < 0 || (r = stat_device(host, &d, e)) < 0)
		return r;
	memcpy(d.perms, perms, strlen(perms) + 1);
	d.host = strdup(host);
	d.ctr = strdup(ctr);
	struct eng_device *nd = realloc(f->devices, (f->n_devices + 1) * sizeof(*nd));
	if (!d.host || !d.ctr || !nd) {
		free(d.host);
		free(d.ctr);
		if (nd)
			f->devices = nd;
		return brig_err_oom(e);
	}
	f->devices = nd;
	f->devices[f->n_devices++] = d;
	return 0;
}

/* Remove a linux.devices entry for path (a later --device replaces it). */
static void drop_device(json_t *devs, const char *path)
{
	for (size_t i = json_array_size(devs); i-- > 0;) {
		const char *p = json_string_value(json_object_get(json_array_get(devs, i), "path"));
		if (p && strcmp(p, path) == 0)
			(void)json_array_remove(devs, i);
	}
}

static int apply_one(const struct eng_device *d, json_t *devs, json_t *rules, bool privileged,
		     struct brig_err *e)
{
	char type[2] = { d->type, '\0' };
	drop_device(devs, d->ctr);
	json_t *node = json_pack("{s:s,s:s,s:I,s:I,s:i,s:i,s:i}", "path", d->ctr, "type", type,
				 "major", (json_int_t)d->major, "minor", (json_int_t)d->minor,
				 "fileMode", (int)d->mode, "uid", 0, "gid", 0);
	if (!node || json_array_append_new(devs, node) < 0)
		return brig_err_oom(e);
	if (privileged) /* every device is allowed already */
		return 0;
	json_t *rule = json_pack("{s:b,s:s,s:I,s:I,s:s}", "allow", 1, "type", type, "major",
				 (json_int_t)d->major, "minor", (json_int_t)d->minor, "access",
				 d->perms);
	if (!rule || json_array_append_new(rules, rule) < 0)
		return brig_err_oom(e);
	return 0;
}

int eng_apply_devices(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	if (f->n_devices == 0)
		return 0;
	json_t *lx = eng_json_obj(oci, "linux");
	json_t *devs = lx ? eng_json_arr(lx, "devices") : NULL;
	json_t *res = lx ? eng_json_obj(lx, "resources") : NULL;
	json_t *rules = res ? eng_json_arr(res, "devices") : NULL;
	if (!devs || !rules)
		return brig_err_set(e, -EINVAL,
				    "linux.devices or linux.resources.devices is "
				    "not an array");
	for (size_t i = 0; i < f->n_devices; i++) {
		int r = apply_one(&f->devices[i], devs, rules, eng_flags_privileged(f), e);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * In a user namespace the runtime cannot mknod; it binds the host's node at
 * the container path instead, which only works where both paths are the
 * same.  A --device HOST:OTHER becomes a bind of HOST at OTHER (no nodev:
 * the node must work); the cgroup rule made above still limits its use.
 */
int eng_devices_userns(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	if (!f || f->n_devices == 0)
		return 0;
	json_t *devs = json_object_get(json_object_get(oci, "linux"), "devices");
	json_t *mounts = eng_json_arr(oci, "mounts");
	if (!mounts)
		return brig_err_set(e, -EINVAL, "mounts is not an array");
	for (size_t i = 0; i < f->n_devices; i++) {
		const struct eng_device *d = &f->devices[i];
		if (strcmp(d->host, d->ctr) == 0)
			continue;
		drop_device(devs, d->ctr);
		json_t *m = json_pack("{s:s,s:s,s:s,s:[s,s,s]}", "destination", d->ctr, "type",
				      "bind", "source", d->host, "options", "bind", "nosuid",
				      "noexec");
		if (!m || json_array_append_new(mounts, m) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

int eng_hc_devices(const struct eng_flags *f, json_t *hc)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < f->n_devices; i++)
		if (json_array_append_new(a,
					  json_pack("{s:s,s:s,s:s}", "PathOnHost",
						    f->devices[i].host, "PathInContainer",
						    f->devices[i].ctr, "CgroupPermissions",
						    f->devices[i].perms)) < 0) {
			json_decref(a);
			return -1;
		}
	return json_object_set_new(hc, "Devices", a);
}
