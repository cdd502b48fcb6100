/* SPDX-License-Identifier: Apache-2.0 */
/* The structured keys: default-ulimits, default-capabilities, userns-remap
 * and log-opts. */
#include "engine/config/config-internal.h"
#include "brig-mutant.h"
#include "engine/logs/logs.h"
#include "engine/flags/flags.h"

#include <stdlib.h>
#include <string.h>

/* Docker's --ulimit names, in order (the order of c->ulimits), are
 * engine/flags' eng_ulimit_names. */
_Static_assert(ENG_CONFIG_N_ULIMITS == ENG_ULIMIT_COUNT, "one table of ulimit names");

/* brig's default set: Docker's less NET_RAW, MKNOD, AUDIT_WRITE, SETFCAP
 * and SYS_CHROOT (design.md, "limit capabilities"). */
static const char *const default_caps[] = {
	"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",  "CAP_SETGID",
	"CAP_SETUID",  "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_KILL",
#ifdef BRIG_MUTANT_NO_CAPDROP /* mutant build (make mutants): Docker's 14 */
	"CAP_NET_RAW", "CAP_MKNOD",        "CAP_AUDIT_WRITE",      "CAP_SETFCAP", "CAP_SYS_CHROOT",
#endif
};

/* ---- default-ulimits ------------------------------------------------------ */

static void put_ulimit(struct eng_config *c, size_t idx, int64_t soft, int64_t hard)
{
	size_t at = 0;
	while (at < c->n_ulimits && strcmp(c->ulimits[at].name, eng_ulimit_names[idx].name) < 0)
		at++;
	if (at == c->n_ulimits || strcmp(c->ulimits[at].name, eng_ulimit_names[idx].name) != 0) {
		memmove(&c->ulimits[at + 1], &c->ulimits[at],
			(c->n_ulimits - at) * sizeof(c->ulimits[0]));
		c->n_ulimits++;
	}
	c->ulimits[at] = (struct eng_config_ulimit){ eng_ulimit_names[idx].name,
						     eng_ulimit_names[idx].oci, soft, hard };
}

static size_t ulimit_index(const char *name)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(eng_ulimit_names); i++)
		if (strcmp(eng_ulimit_names[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

void cfg_default_ulimits(struct eng_config *c)
{
	c->n_ulimits = 0;
	put_ulimit(c, ulimit_index("nofile"), 1024, 4096);
	put_ulimit(c, ulimit_index("core"), 0, 0);
}

/* -1 (unlimited) is above every number. */
static bool limit_le(int64_t a, int64_t b)
{
	return b == -1 || (a != -1 && a <= b);
}

static int parse_one_ulimit(const json_t *obj, const struct bj_loc *at, const char *name,
			    int64_t *soft, int64_t *hard, struct brig_err *e)
{
	static const char *const keys[] = { "Name", "Soft", "Hard", NULL };
	const char *n = NULL;
	int r = bj_only_keys(obj, at, keys, e);
	if (r < 0 || (r = bj_get_str(obj, at, "Name", false, &n, e)) < 0)
		return r;
	if (n && strcmp(n, name) != 0) {
		struct bj_loc sub;
		bj_key(&sub, at, "Name");
		return bj_fail(e, &sub, "\"%.32s\" does not match the key \"%s\"", n, name);
	}
	if ((r = bj_get_int(obj, at, "Soft", true, -1, INT64_MAX, soft, e)) < 0 ||
	    (r = bj_get_int(obj, at, "Hard", true, -1, INT64_MAX, hard, e)) < 0)
		return r;
	if (!limit_le(*soft, *hard))
		return bj_fail(e, at, "soft limit %lld is above hard limit %lld (-1 is unlimited)",
			       (long long)*soft, (long long)*hard);
	return 0;
}

int cfg_key_ulimits(const json_t *doc, const struct bj_loc *root, const char *key,
		    struct eng_config *c, struct brig_err *e)
{
	json_t *obj = NULL;
	int r = bj_get_obj(doc, root, key, true, &obj, e);
	if (r < 0)
		return r;
	struct bj_loc at;
	bj_key(&at, root, key);
	const char *name;
	json_t *v;
	json_object_foreach(obj, name, v)
	{
		struct bj_loc sub;
		bj_key(&sub, &at, name);
		size_t idx = ulimit_index(name);
		if (idx == SIZE_MAX) {
			char names[ENG_ULIMIT_NAMES_TEXT];
			eng_ulimit_names_text(names);
			return bj_fail(e, &sub, "unknown ulimit (one of %s)", names);
		}
		int64_t soft, hard;
		if ((r = parse_one_ulimit(v, &sub, name, &soft, &hard, e)) < 0)
			return r;
		put_ulimit(c, idx, soft, hard);
	}
	return 0;
}

/* ---- default-capabilities ------------------------------------------------- */

/* The name without "CAP_" as the table spells it, or NULL. */
static const char *cap_lookup(const char *name)
{
	int cap = brig_cap_from_name(name);
	return cap < 0 ? NULL : brig_cap_name(cap) + 4;
}

static bool strv_has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

/* Append "CAP_<bare>" to the NULL-terminated c->capabilities (n entries). */
static int caps_push(struct eng_config *c, size_t *n, const char *bare, struct brig_err *e)
{
	char full[64];
	(void)snprintf(full, sizeof(full), "CAP_%s", bare);
	if (strv_has(c->capabilities, full))
		return 0;
	char **nv = realloc(c->capabilities, (*n + 2) * sizeof(*nv));
	if (!nv)
		return brig_err_set(e, -ENOMEM, "out of memory");
	c->capabilities = nv;
	if (!(nv[*n] = strdup(full)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	nv[++*n] = NULL;
	return 0;
}

static void caps_reset(struct eng_config *c)
{
	brig_strv_free(c->capabilities);
	c->capabilities = NULL;
}

int cfg_default_caps(struct eng_config *c, struct brig_err *e)
{
	size_t n = 0;
	caps_reset(c);
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(default_caps); i++) {
		int r = caps_push(c, &n, default_caps[i] + 4, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int cfg_key_caps(const json_t *doc, const struct bj_loc *root, const char *key,
		 struct eng_config *c, struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(doc, root, key, true, &arr, e);
	if (r < 0)
		return r;
	struct bj_loc at;
	bj_key(&at, root, key);
	if (json_array_size(arr) > ENG_CONFIG_CAPS_MAX)
		return bj_fail(e, &at, "more than %d entries", ENG_CONFIG_CAPS_MAX);
	size_t n = 0, i;
	json_t *v;
	caps_reset(c);
	if (!(c->capabilities = calloc(1, sizeof(char *))))
		return brig_err_set(e, -ENOMEM, "out of memory");
	json_array_foreach(arr, i, v)
	{
		struct bj_loc sub;
		bj_idx(&sub, &at, i);
		if ((r = bj_expect(v, &sub, JSON_STRING, e)) < 0)
			return r;
		const char *bare = cap_lookup(json_string_value(v));
		if (!bare)
			return bj_fail(e, &sub, "unknown capability \"%.64s\"",
				       json_string_value(v));
		if ((r = caps_push(c, &n, bare, e)) < 0)
			return r;
	}
	return 0;
}

/* ---- userns-remap ----------------------------------------------------------- */

bool cfg_valid_name(const char *s)
{
	size_t n = strlen(s);
	bool all_digits = true;
	if (n == 0 || n > CFG_NAME_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		bool digit = ch >= '0' && ch <= '9';
		if (!digit && !(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') && ch != '_' &&
		    ch != '.' && ch != '-')
			return false;
		all_digits = all_digits && digit;
	}
	return !all_digits;
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	if (*s < '0' || *s > '9' || brig_parse_u64(s, &v) < 0 || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "UID:GID:SIZE" (three numbers), else "USER[:GROUP]". */
static int parse_remap(char *s, struct eng_config_remap *m, const struct bj_loc *at,
		       struct brig_err *e)
{
	char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c2) {
		*c1 = *c2 = '\0';
		if (parse_u32(s, &m->uid) < 0 || parse_u32(c1 + 1, &m->gid) < 0 ||
		    parse_u32(c2 + 1, &m->size) < 0 || m->size == 0)
			return bj_fail(e, at, "expected \"USER[:GROUP]\" or \"UID:GID:SIZE\"");
		if (m->uid == 0 || m->gid == 0)
			return bj_fail(e, at,
				       "a mapping onto host uid or gid 0 gives containers "
				       "the host's root");
		if ((uint64_t)m->uid + m->size > UINT32_MAX ||
		    (uint64_t)m->gid + m->size > UINT32_MAX)
			return bj_fail(e, at, "the range goes past the largest id");
		m->kind = ENG_REMAP_IDS;
		return 0;
	}
	if (c1)
		*c1 = '\0';
	if (!cfg_valid_name(s) || (c1 && !cfg_valid_name(c1 + 1)))
		return bj_fail(e, at,
			       "expected \"USER[:GROUP]\" (names of at most %d of "
			       "A-Z a-z 0-9 _ . -) or \"UID:GID:SIZE\"",
			       CFG_NAME_MAX);
	if (!(m->user = strdup(s)) || (c1 && !(m->group = strdup(c1 + 1))))
		return brig_err_set(e, -ENOMEM, "out of memory");
	m->kind = ENG_REMAP_USER;
	return 0;
}

int cfg_key_remap(const json_t *doc, const struct bj_loc *root, const char *key,
		  struct eng_config *c, struct brig_err *e)
{
	struct bj_loc at;
	bj_key(&at, root, key);
	if (json_is_null(json_object_get(doc, key)))
		return 0;
	const char *s = NULL;
	int r = bj_get_str(doc, root, key, true, &s, e);
	if (r < 0)
		return r;
	if (strlen(s) > 2 * CFG_NAME_MAX + 1)
		return bj_fail(e, &at, "longer than %d characters", 2 * CFG_NAME_MAX + 1);
	_cleanup_free_ char *copy = strdup(s);
	if (!copy)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return parse_remap(copy, &c->userns_remap, &at, e);
}

/* ---- log-opts ------------------------------------------------------------- */

/* "max-file": a number, or a string of digits as Docker's daemon.json has. */
static int parse_max_file(const json_t *opts, const struct bj_loc *at, unsigned *out,
			  struct brig_err *e)
{
	json_t *v = json_object_get(opts, "max-file");
	struct bj_loc sub;
	bj_key(&sub, at, "max-file");
	int64_t n = 0;
	uint64_t u;
	if (json_is_string(v)) {
		if (brig_parse_u64(json_string_value(v), &u) < 0 || u > INT64_MAX)
			return bj_fail(e, &sub, "expected a number, got \"%.32s\"",
				       json_string_value(v));
		n = (int64_t)u;
	} else {
		int r = bj_get_int(opts, at, "max-file", true, 0, INT64_MAX, &n, e);
		if (r < 0)
			return r;
	}
	if (n < 1 || n > ENG_LOG_MAX_FILES)
		return bj_fail(e, &sub, "%lld is out of range [1, %u]", (long long)n,
			       ENG_LOG_MAX_FILES);
	*out = (unsigned)n;
	return 0;
}

static int parse_max_size(const json_t *opts, const struct bj_loc *at, uint64_t *out,
			  struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(opts, at, "max-size", true, &s, e);
	if (r < 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, "max-size");
	int64_t n;
	struct brig_err pe = { 0 };
	r = brig_parse_size(s, &n, &pe);
	if (r == 0 && n < CFG_MIN_LOG_SIZE)
		r = brig_err_set(&pe, -EINVAL, "%lld is below the minimum of 1k", (long long)n);
	if (r < 0) {
		bj_fail(e, &sub, "%s", brig_err_str(&pe));
		brig_err_clear(&pe);
		return -EINVAL;
	}
	*out = (uint64_t)n;
	return 0;
}

int cfg_key_log_opts(const json_t *doc, const struct bj_loc *root, const char *key,
		     struct eng_config *c, struct brig_err *e)
{
	static const char *const keys[] = { "max-size", "max-file", NULL };
	json_t *opts = NULL;
	int r = bj_get_obj(doc, root, key, true, &opts, e);
	if (r < 0)
		return r;
	struct bj_loc at;
	bj_key(&at, root, key);
	if ((r = bj_only_keys(opts, &at, keys, e)) < 0)
		return r;
	if (json_object_get(opts, "max-size") &&
	    (r = parse_max_size(opts, &at, &c->log_max_size, e)) < 0)
		return r;
	if (json_object_get(opts, "max-file") &&
	    (r = parse_max_file(opts, &at, &c->log_max_files, e)) < 0)
		return r;
	return 0;
}

/* ---- detach-keys ---------------------------------------------------------- */

static int detach_key(const char *k, size_t len, unsigned char *out)
{
	if (len == 1) {
		*out = (unsigned char)k[0];
		return 0;
	}
	if (len != 6 || strncmp(k, "ctrl-", 5) != 0)
		return -EINVAL;
	char c = k[5];
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (!((c >= 'A' && c <= 'Z') || (c && strchr("@[\\]^_", c))))
		return -EINVAL;
	*out = (unsigned char)(c - '@');
	return 0;
}

int eng_detach_keys_parse(const char *s, unsigned char seq[ENG_DETACH_KEYS_MAX], size_t *n)
{
	*n = 0;
	for (const char *p = s;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (*n >= ENG_DETACH_KEYS_MAX || detach_key(p, len, &seq[*n]) < 0)
			return -EINVAL;
		(*n)++;
		if (!end)
			return 0;
		p = end + 1;
	}
}

int cfg_key_detach_keys(const json_t *doc, const struct bj_loc *root, const char *key,
			struct eng_config *c, struct brig_err *e)
{
	if (json_is_null(json_object_get(doc, key)))
		return 0;
	const char *s = NULL;
	int r = bj_get_str(doc, root, key, true, &s, e);
	if (r < 0)
		return r;
	unsigned char seq[ENG_DETACH_KEYS_MAX];
	size_t n;
	struct bj_loc at;
	bj_key(&at, root, key);
	if (eng_detach_keys_parse(s, seq, &n) < 0)
		return bj_fail(
			e, &at,
			"\"%.32s\": expected keys such as \"ctrl-p,ctrl-q\" (ctrl-A..ctrl-Z, "
			"ctrl-@, ctrl-[, ctrl-\\, ctrl-], ctrl-^, ctrl-_ or one character, "
			"at most 8)",
			s);
	free(c->detach_keys);
	if (!(c->detach_keys = strdup(s)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}
