/* SPDX-License-Identifier: Apache-2.0 */
/* User mounts, --shm-size and --read-only into the config; named volume
 * requests; the HostConfig view of all of them. */
#include "engine/flags/flags-internal.h"
#include "engine/flags/mounts-internal.h"

#include <string.h>

int eng_set_read_only(struct eng_flags *f, const char *v, struct brig_err *e)
{
	if (eng_parse_bool(v, &f->read_only.v) < 0)
		return brig_err_set(e, -EINVAL, "invalid boolean \"%.64s\"", v);
	f->read_only.set = true;
	return 0;
}

int eng_set_read_write(struct eng_flags *f, const char *v, struct brig_err *e)
{
	bool rw;
	if (eng_parse_bool(v, &rw) < 0)
		return brig_err_set(e, -EINVAL, "invalid boolean \"%.64s\"", v);
	f->read_only.set = true;
	f->read_only.v = !rw;
	return 0;
}

int eng_set_shm_size(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int64_t n;
	int r = brig_parse_size(v, &n, e);
	if (r < 0)
		return r;
	if (n == 0)
		return brig_err_set(e, -EINVAL, "must be larger than 0");
	f->shm_size.set = true;
	f->shm_size.v = n;
	return 0;
}

/* ---- volume requests ------------------------------------------------------ */

static struct eng_mount *nth_volume(const struct eng_flags *f, size_t i)
{
	for (size_t k = 0; k < f->n_mounts; k++)
		if (f->mounts[k].kind == ENG_MNT_VOLUME && i-- == 0)
			return &f->mounts[k];
	return NULL;
}

size_t eng_flags_volume_count(const struct eng_flags *f)
{
	size_t n = 0;
	for (size_t k = 0; k < f->n_mounts; k++)
		n += f->mounts[k].kind == ENG_MNT_VOLUME;
	return n;
}

int eng_flags_volume_get(const struct eng_flags *f, size_t i, struct eng_volume_req *out)
{
	const struct eng_mount *m = nth_volume(f, i);
	if (!m)
		return -ENOENT;
	*out = (struct eng_volume_req){ .name = m->src,
					.destination = m->dst,
					.readonly = m->readonly,
					.nocopy = m->nocopy,
					.host_path = m->host_path };
	return 0;
}

int eng_flags_volume_resolve(struct eng_flags *f, size_t i, const char *host_path,
			     struct brig_err *e)
{
	struct eng_mount *m = nth_volume(f, i);
	if (!m)
		return brig_err_set(e, -ENOENT, "no volume request %zu", i);
	if (!host_path || host_path[0] != '/' || !eng_path_ok(host_path))
		return brig_err_set(e, -EINVAL,
				    "volume %s: \"%.256s\" is not a clean absolute "
				    "path",
				    *m->src ? m->src : "(anonymous)", host_path ? host_path : "");
	char *c = strdup(host_path);
	if (!c)
		return brig_err_oom(e);
	free(m->host_path);
	m->host_path = c;
	return 0;
}

/* ---- host binds ----------------------------------------------------------- */

size_t eng_flags_bind_count(const struct eng_flags *f)
{
	size_t n = 0;
	for (size_t k = 0; k < f->n_mounts; k++)
		n += f->mounts[k].kind == ENG_MNT_BIND;
	return n;
}

int eng_flags_bind_get(const struct eng_flags *f, size_t i, struct eng_bind_flag *out)
{
	for (size_t k = 0; k < f->n_mounts; k++)
		if (f->mounts[k].kind == ENG_MNT_BIND && i-- == 0) {
			const struct eng_mount *m = &f->mounts[k];
			*out = (struct eng_bind_flag){ m->src, m->dst, m->readonly, m->chown_u };
			return 0;
		}
	return -ENOENT;
}

/* ---- apply ---------------------------------------------------------------- */

static int apply_shm(const struct eng_flags *f, json_t *mounts, struct brig_err *e)
{
	size_t i;
	json_t *m;
	char opt[64];
	(void)snprintf(opt, sizeof(opt), "size=%lld", (long long)f->shm_size.v);
	json_array_foreach(mounts, i, m)
	{
		const char *dst = json_string_value(json_object_get(m, "destination"));
		const char *type = json_string_value(json_object_get(m, "type"));
		json_t *opts = json_object_get(m, "options");
		if (!dst || !type || strcmp(dst, "/dev/shm") != 0 || strcmp(type, "tmpfs") != 0)
			continue;
		if (!json_is_array(opts))
			break;
		for (size_t j = json_array_size(opts); j-- > 0;) {
			const char *o = json_string_value(json_array_get(opts, j));
			if (o && strncmp(o, "size=", 5) == 0 && json_array_remove(opts, j) < 0)
				return brig_err_oom(e);
		}
		return json_array_append_new(opts, json_string(opt)) < 0 ? brig_err_oom(e) : 0;
	}
	return brig_err_set(e, -EINVAL,
			    "--shm-size: the config has no /dev/shm tmpfs mount "
			    "(with options) to size");
}

static size_t depth(const char *path)
{
	size_t n = 0;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1] != '/' && p[1] != '\0')
			n++;
	return n;
}

static json_t *mount_json(const struct eng_mount *m)
{
	const char *type = m->kind == ENG_MNT_TMPFS ? "tmpfs" : "bind";
	const char *src = m->kind == ENG_MNT_TMPFS ? "tmpfs"
		: m->kind == ENG_MNT_BIND          ? m->src
						   : m->host_path;
	return json_pack("{s:s,s:s,s:s,s:o}", "destination", m->dst, "type", type, "source", src,
			 "options", eng_strv_json(m->opts));
}

static void drop_default(json_t *mounts, const char *dst)
{
	for (size_t i = json_array_size(mounts); i-- > 0;) {
		const char *d = json_string_value(
			json_object_get(json_array_get(mounts, i), "destination"));
		if (d && strcmp(d, dst) == 0)
			(void)json_array_remove(mounts, i);
	}
}

/* User mounts replace defaults at the same place and go after them,
 * shallower destinations first (a stable order otherwise), so that
 * -v /a:/x/y -v /b:/x still shows /a at /x/y. */
static int apply_user_mounts(const struct eng_flags *f, json_t *mounts, struct brig_err *e)
{
	size_t maxd = 0;
	for (size_t i = 0; i < f->n_mounts; i++) {
		const struct eng_mount *m = &f->mounts[i];
		if (m->kind == ENG_MNT_VOLUME && !m->host_path)
			return brig_err_set(e, -EINVAL, "volume %s for %s was not resolved",
					    *m->src ? m->src : "(anonymous)", m->dst);
		drop_default(mounts, m->dst);
		if (depth(m->dst) > maxd)
			maxd = depth(m->dst);
	}
	for (size_t d = 0; d <= maxd; d++)
		for (size_t i = 0; i < f->n_mounts; i++) {
			if (depth(f->mounts[i].dst) != d)
				continue;
			json_t *j = mount_json(&f->mounts[i]);
			if (!j || json_array_append_new(mounts, j) < 0)
				return brig_err_oom(e);
		}
	return 0;
}

int eng_apply_mounts(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	int r;
	if (f->read_only.set) {
		json_t *root = eng_json_obj(oci, "root");
		if (!root)
			return brig_err_set(e, -EINVAL, "root is not an object");
		if ((r = eng_json_set(root, "readonly", json_boolean(f->read_only.v), e)) < 0)
			return r;
	}
	if (!f->shm_size.set && f->n_mounts == 0)
		return 0;
	json_t *mounts = eng_json_arr(oci, "mounts");
	if (!mounts)
		return brig_err_set(e, -EINVAL, "mounts is not an array");
	if (f->shm_size.set && (r = apply_shm(f, mounts, e)) < 0)
		return r;
	return apply_user_mounts(f, mounts, e);
}

/* ---- HostConfig ----------------------------------------------------------- */

static json_t *hc_mount(const struct eng_mount *m)
{
	static const char *const types[] = { "bind", "volume", "tmpfs" };
	json_t *o = json_pack("{s:s,s:s,s:s,s:b}", "Type", types[m->kind], "Source",
			      m->src ? m->src : "", "Target", m->dst, "ReadOnly", m->readonly);
	if (o && m->kind == ENG_MNT_BIND)
		(void)json_object_set_new(o, "BindOptions",
					  json_pack("{s:s}", "Propagation",
						    m->propagation ? m->propagation : "rprivate"));
	if (o && m->kind == ENG_MNT_VOLUME)
		(void)json_object_set_new(o, "VolumeOptions",
					  json_pack("{s:b}", "NoCopy", m->nocopy));
	if (o && m->kind == ENG_MNT_TMPFS) {
		json_t *t = json_object();
		if (t && m->tmpfs_size > 0)
			(void)json_object_set_new(t, "SizeBytes", json_integer(m->tmpfs_size));
		if (t && m->tmpfs_mode >= 0)
			(void)json_object_set_new(t, "Mode", json_integer(m->tmpfs_mode));
		(void)json_object_set_new(o, "TmpfsOptions", t);
	}
	return o;
}

int eng_hc_mounts(const struct eng_flags *f, json_t *hc)
{
	json_t *binds = json_array(), *tmpfs = json_object(), *mounts = json_array();
	int r = binds && tmpfs && mounts ? 0 : -1;
	for (size_t i = 0; r == 0 && i < f->n_mounts; i++) {
		const struct eng_mount *m = &f->mounts[i];
		const char *colon = strchr(m->raw, ':');
		if (m->from == ENG_FROM_VOLUME)
			r = json_array_append_new(binds, json_string(m->raw));
		else if (m->from == ENG_FROM_TMPFS)
			r = json_object_set_new(tmpfs, m->dst, json_string(colon ? colon + 1 : ""));
		else
			r = json_array_append_new(mounts, hc_mount(m));
	}
	if (r == 0)
		r = json_object_set_new(hc, "Binds", brig_steal_ptr(binds));
	if (r == 0)
		r = json_object_set_new(hc, "Tmpfs", brig_steal_ptr(tmpfs));
	if (r == 0)
		r = json_object_set_new(hc, "Mounts", brig_steal_ptr(mounts));
	json_decref(binds);
	json_decref(tmpfs);
	json_decref(mounts);
	return r;
}
