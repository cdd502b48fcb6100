/* SPDX-License-Identifier: Apache-2.0 */
/* The flag table, recording values, getters and small shared helpers. */
#include "engine/flags/flags-internal.h"

#include <string.h>

static const struct flag_def {
	const char *name;
	const char *alias; /* one-letter form, or NULL */
	bool repeat;
	bool boolean;
	eng_setter set;
} flag_defs[] = {
	{ "memory", "m", false, false, eng_set_memory },
	{ "memory-swap", NULL, false, false, eng_set_memory_swap },
	{ "memory-reservation", NULL, false, false, eng_set_memory_reservation },
	{ "memory-swappiness", NULL, false, false, eng_set_memory_swappiness },
	{ "oom-kill-disable", NULL, false, true, eng_set_oom_kill_disable },
	{ "cpu-shares", "c", false, false, eng_set_cpu_shares },
	{ "cpus", NULL, false, false, eng_set_cpus },
	{ "cpu-quota", NULL, false, false, eng_set_cpu_quota },
	{ "cpu-period", NULL, false, false, eng_set_cpu_period },
	{ "cpuset-cpus", NULL, false, false, eng_set_cpuset_cpus },
	{ "cpuset-mems", NULL, false, false, eng_set_cpuset_mems },
	{ "pids-limit", NULL, false, false, eng_set_pids_limit },
	{ "blkio-weight", NULL, false, false, eng_set_blkio_weight },
	{ "ulimit", NULL, true, false, eng_set_ulimit },
	{ "cap-add", NULL, true, false, eng_set_cap_add },
	{ "cap-drop", NULL, true, false, eng_set_cap_drop },
	{ "privileged", NULL, false, true, eng_set_privileged },
	{ "device", NULL, true, false, eng_set_device },
	{ "sysctl", NULL, true, false, eng_set_sysctl },
	{ "tmpfs", NULL, true, false, eng_set_tmpfs },
	{ "volume", "v", true, false, eng_set_volume },
	{ "mount", NULL, true, false, eng_set_mount },
	{ "read-only", NULL, false, true, eng_set_read_only },
	{ "read-write", NULL, false, true, eng_set_read_write },
	{ "shm-size", NULL, false, false, eng_set_shm_size },
	{ "security-opt", NULL, true, false, eng_set_security_opt },
	{ "group-add", NULL, true, false, eng_set_group_add },
	{ "oom-score-adj", NULL, false, false, eng_set_oom_score_adj },
	{ "hostname", "h", false, false, eng_set_hostname },
	{ "stop-signal", NULL, false, false, eng_set_stop_signal },
	{ "stop-timeout", NULL, false, false, eng_set_stop_timeout },
};

static const struct flag_def *flag_find(const char *name)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(flag_defs); i++) {
		const struct flag_def *d = &flag_defs[i];
		if (strcmp(d->name, name) == 0 || (d->alias && strcmp(d->alias, name) == 0))
			return d;
	}
	return NULL;
}

bool eng_flags_known(const char *flag, bool *takes_value)
{
	const struct flag_def *d = flag ? flag_find(flag) : NULL;
	if (d && takes_value)
		*takes_value = !d->boolean;
	return d != NULL;
}

struct eng_flags *eng_flags_new(void)
{
	struct eng_flags *f = calloc(1, sizeof(*f));
	if (f && !(f->notices = calloc(1, sizeof(char *)))) {
		free(f);
		return NULL;
	}
	return f;
}

void eng_flags_free(struct eng_flags *f)
{
	if (!f)
		return;
	free(f->cpuset_cpus);
	free(f->cpuset_mems);
	free(f->ulimits);
	free(f->hostname);
	free(f->stop_signal_s);
	brig_strv_free(f->group_add);
	brig_strv_free(f->group_names);
	brig_strv_free(f->cap_add);
	brig_strv_free(f->cap_drop);
	eng_devices_free(f);
	eng_sysctls_free(f);
	eng_mounts_free(f);
	brig_strv_free(f->security_opt);
	free(f->seccomp);
	free(f->apparmor);
	free(f->landlock);
	brig_strv_free(f->labels);
	brig_strv_free(f->mask);
	brig_strv_free(f->unmask);
	brig_strv_free(f->notices);
	free(f);
}

static bool has_control_char(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/* How many values a repeatable flag holds already. */
static size_t repeat_count(const struct eng_flags *f, const char *name)
{
	if (strcmp(name, "ulimit") == 0)
		return f->n_ulimits;
	if (strcmp(name, "device") == 0)
		return f->n_devices;
	if (strcmp(name, "sysctl") == 0)
		return f->n_sysctls;
	if (!strcmp(name, "tmpfs") || !strcmp(name, "volume") || !strcmp(name, "mount"))
		return f->n_mounts;
	if (strcmp(name, "cap-add") == 0)
		return brig_strv_len(f->cap_add);
	if (strcmp(name, "cap-drop") == 0)
		return brig_strv_len(f->cap_drop);
	if (strcmp(name, "group-add") == 0)
		return brig_strv_len(f->group_add);
	return brig_strv_len(f->security_opt);
}

int eng_flags_set(struct eng_flags *f, const char *flag, const char *value, struct brig_err *e)
{
	const struct flag_def *d = flag ? flag_find(flag) : NULL;
	if (!d)
		return brig_err_set(e, -EINVAL, "unknown flag \"--%.64s\"", flag ? flag : "");
	if (!value) {
		if (!d->boolean)
			return brig_err_set(e, -EINVAL, "--%s: needs a value", d->name);
		value = "";
	}
	if (strlen(value) > ENG_FLAG_VALUE_MAX)
		return brig_err_set(e, -EINVAL, "--%s: value longer than %d bytes", d->name,
				    ENG_FLAG_VALUE_MAX);
	if (has_control_char(value))
		return brig_err_set(e, -EINVAL, "--%s: value contains a control character",
				    d->name);
	if (d->repeat && repeat_count(f, d->name) >= ENG_FLAG_REPEAT_MAX)
		return brig_err_set(e, -E2BIG, "--%s: given more than %d times", d->name,
				    ENG_FLAG_REPEAT_MAX);
	int r = d->set(f, value, e);
	if (r < 0)
		return brig_err_wrap(e, "--%s", d->name);
	return 0;
}

/* ---- getters ------------------------------------------------------------ */

char *const *eng_flags_notices(const struct eng_flags *f)
{
	return f->notices;
}
char *const *eng_flags_group_names(const struct eng_flags *f)
{
	static char *const none[] = { NULL };
	return f->group_names ? f->group_names : none;
}
const char *eng_flags_seccomp_profile(const struct eng_flags *f)
{
	return f->seccomp;
}
bool eng_flags_privileged(const struct eng_flags *f)
{
	return f->privileged.set && f->privileged.v;
}
int eng_flags_stop_signal(const struct eng_flags *f)
{
	return f->stop_signal;
}
bool eng_flags_stop_timeout(const struct eng_flags *f, int64_t *seconds)
{
	if (f->stop_timeout.set && seconds)
		*seconds = f->stop_timeout.v;
	return f->stop_timeout.set;
}
const char *eng_flags_hostname(const struct eng_flags *f)
{
	return f->hostname;
}

/* ---- helpers ------------------------------------------------------------ */

int eng_strv_push(char ***v, const char *s, struct brig_err *e)
{
	size_t n = brig_strv_len(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv)
		return brig_err_oom(e);
	*v = nv;
	nv[n] = NULL;
	if (!(nv[n] = strdup(s)))
		return brig_err_oom(e);
	nv[n + 1] = NULL;
	return 0;
}

bool eng_strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

int eng_notice(struct eng_flags *f, struct brig_err *e, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return brig_err_set(e, -EINVAL, "bad notice format");
	if (eng_strv_has(f->notices, buf))
		return 0;
	return eng_strv_push(&f->notices, buf, e);
}

int eng_parse_bool(const char *s, bool *out)
{
	if (*s == '\0' || strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = false;
	else
		return -EINVAL;
	return 0;
}

bool eng_path_ok(const char *p)
{
	if (p[0] != '/' || p[1] == '\0' || strlen(p) >= 4096)
		return false;
	for (const char *c = p; *c;) {
		while (*c == '/')
			c++;
		size_t n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
	}
	return true;
}
