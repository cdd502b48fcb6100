/* SPDX-License-Identifier: Apache-2.0 */
/* --group-add, --oom-score-adj, --hostname, --stop-signal, --stop-timeout. */
#include "engine/flags/flags-internal.h"

#include <string.h>

/* A group name as useradd(8) allows them. */
static bool group_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 32 ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
			(c == '$' && i == n - 1);
		if (!ok)
			return false;
	}
	return true;
}

int eng_set_group_add(struct eng_flags *f, const char *v, struct brig_err *e)
{
	uint64_t gid;
	int r;
	if (v[0] >= '0' && v[0] <= '9') {
		if (brig_parse_u64(v, &gid) < 0 || gid >= UINT32_MAX)
			return brig_err_set(e, -EINVAL, "\"%.64s\" is not a valid gid", v);
	} else if (!group_name_ok(v)) {
		return brig_err_set(e, -EINVAL, "\"%.64s\" is not a group name or gid", v);
	} else if (!eng_strv_has(f->group_names, v) &&
		   (r = eng_strv_push(&f->group_names, v, e)) < 0) {
		return r;
	}
	return eng_strv_has(f->group_add, v) ? 0 : eng_strv_push(&f->group_add, v, e);
}

int eng_set_oom_score_adj(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int r = eng_parse_int(v, -1000, 1000, &f->oom_score_adj.v, e);
	if (r < 0)
		return r;
	f->oom_score_adj.set = true;
	return 0;
}

/* RFC 1123: dot-separated labels of letters, digits and '-', each 1-63
 * characters, not starting or ending with '-'; at most 64 in all (the
 * kernel's limit). */
static bool hostname_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (const char *lab = s; *lab;) {
		size_t len = strcspn(lab, ".");
		if (len == 0 || len > 63 || lab[0] == '-' || lab[len - 1] == '-')
			return false;
		for (size_t i = 0; i < len; i++) {
			char c = lab[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-'))
				return false;
		}
		lab += len;
		if (*lab == '.' && *++lab == '\0')
			return false;
	}
	return true;
}

int eng_set_hostname(struct eng_flags *f, const char *v, struct brig_err *e)
{
	if (!hostname_ok(v))
		return brig_err_set(e, -EINVAL,
				    "\"%.80s\" is not a valid hostname (RFC 1123 "
				    "labels, at most 64 characters)",
				    v);
	char *c = strdup(v);
	if (!c)
		return brig_err_oom(e);
	free(f->hostname);
	f->hostname = c;
	return 0;
}

int eng_set_stop_signal(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int sig = brig_parse_signal(v);
	if (sig < 0)
		return brig_err_set(e, -EINVAL, "invalid signal \"%.32s\"", v);
	char *c = strdup(v);
	if (!c)
		return brig_err_oom(e);
	free(f->stop_signal_s);
	f->stop_signal_s = c;
	f->stop_signal = sig;
	return 0;
}

int eng_set_stop_timeout(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int r = eng_parse_int(v, -1, INT32_MAX, &f->stop_timeout.v, e);
	if (r < 0)
		return r;
	f->stop_timeout.set = true;
	return 0;
}

static int add_gids(const struct eng_flags *f, json_t *proc, struct brig_err *e)
{
	json_t *user = eng_json_obj(proc, "user");
	json_t *gids = user ? eng_json_arr(user, "additionalGids") : NULL;
	if (!gids)
		return brig_err_set(e, -EINVAL, "process.user.additionalGids is not an array");
	for (size_t i = 0; f->group_add[i]; i++) {
		uint64_t gid;
		if (brig_parse_u64(f->group_add[i], &gid) < 0)
			continue; /* a name: the engine resolves it */
		bool have = false;
		size_t j;
		json_t *g;
		json_array_foreach(gids, j, g) have = have ||
			(json_is_integer(g) && (uint64_t)json_integer_value(g) == gid);
		if (!have && json_array_append_new(gids, json_integer((json_int_t)gid)) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

int eng_apply_process(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	json_t *proc = eng_json_obj(oci, "process");
	if (!proc)
		return brig_err_set(e, -EINVAL, "process is not an object");
	int r;
	if (f->oom_score_adj.set &&
	    (r = eng_json_set(proc, "oomScoreAdj", json_integer(f->oom_score_adj.v), e)) < 0)
		return r;
	if (f->group_add && (r = add_gids(f, proc, e)) < 0)
		return r;
	if (!f->hostname)
		return 0;
	if (!eng_ns_private(oci, "uts"))
		return brig_err_set(e, -EINVAL,
				    "--hostname needs a private UTS namespace "
				    "(not with --uts=host)");
	return eng_json_set(oci, "hostname", json_string(f->hostname), e);
}
