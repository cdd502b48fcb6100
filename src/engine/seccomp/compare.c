/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `brig seccomp diff A B` and `brig seccomp explain FILE` (docs/seccomp-learn.md):
 * profiles read as Docker-format files (checked by the converter first),
 * each syscall name with its rules: an entry's action, errnoRet, includes,
 * excludes and one argument condition, or all of its conditions when their
 * indexes differ (several conditions on one index are alternatives, as
 * brig-runtime and runc read them).
 */
#include "engine/seccomp/seccomp-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static int load(const char *file, json_t **out, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_json_ json_t *oci = NULL;
	int r = brig_read_file(AT_FDCWD, file, ENG_SECCOMP_MAX_FILE, &buf, &len, e);
	if (r < 0 || (r = eng_seccomp_from_docker(buf, len, file, NULL, &oci, e)) < 0)
		return r;
	*out = json_loadb(buf, len, 0, NULL);
	return *out ? 0 : brig_err_set(e, -EINVAL, "%s: not JSON", file);
}

static bool refusing(const char *act)
{
	return !act || strcmp(act, "SCMP_ACT_ERRNO") == 0 ||
		strncmp(act, "SCMP_ACT_KILL", 13) == 0 || strcmp(act, "SCMP_ACT_TRAP") == 0;
}

/* Does every condition use the same index? */
static bool one_index(const json_t *args)
{
	size_t i;
	json_t *a;
	json_array_foreach(args, i, a) if (!json_equal(json_object_get(a, "index"),
						       json_object_get(json_array_get(args, 0),
								       "index"))) return false;
	return true;
}

static int add_rule(json_t *rules, const json_t *ent, const json_t *args, struct brig_err *e)
{
	_cleanup_json_ json_t *r = json_object();
	static const char *const keys[] = { "action", "errnoRet", "includes", "excludes" };
	for (size_t i = 0; r && i < BRIG_ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(ent, keys[i]);
		if (v && !json_is_null(v) && json_object_set(r, keys[i], v) < 0)
			return brig_err_oom(e);
	}
	if (!r || (args && json_object_set(r, "args", (json_t *)args) < 0))
		return brig_err_oom(e);
	_cleanup_free_ char *s = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	if (!s)
		return brig_err_oom(e);
	size_t i;
	json_t *x;
	json_array_foreach(rules, i, x) if (strcmp(json_string_value(x), s) == 0) return 0;
	return json_array_append_new(rules, json_string(s)) < 0 ? brig_err_oom(e) : 0;
}

/* One entry's rules, for each of its names, into map (NAME -> [rule]). */
static int entry_rules(json_t *map, const json_t *ent, struct brig_err *e)
{
	const json_t *args = json_object_get(ent, "args");
	json_t *names = json_object_get(ent, "names");
	_cleanup_json_ json_t *single = json_object_get(ent, "name")
		? json_pack("[O]", json_object_get(ent, "name"))
		: NULL;
	size_t i, j;
	json_t *n, *a;
	json_array_foreach(names ? names : single, i, n)
	{
		const char *name = json_string_value(n);
		json_t *rules = json_object_get(map, name);
		if (!rules && json_object_set_new(map, name, rules = json_array()) < 0)
			return brig_err_oom(e);
		int r = 0;
		if (json_array_size(args) > 1 && one_index(args)) {
			json_array_foreach(args, j, a)
			{
				_cleanup_json_ json_t *one = json_pack("[O]", a);
				if (!one || (r = add_rule(rules, ent, one, e)) < 0)
					return r < 0 ? r : brig_err_oom(e);
			}
		} else if ((r = add_rule(rules, ent, json_array_size(args) ? args : NULL, e)) < 0)
			return r;
	}
	return 0;
}

static int rules_of(const json_t *prof, json_t **map, struct brig_err *e)
{
	*map = json_object();
	size_t i;
	json_t *ent;
	json_array_foreach(json_object_get(prof, "syscalls"), i, ent)
	{
		int r = *map ? entry_rules(*map, ent, e) : brig_err_oom(e);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool allows(const json_t *rules)
{
	size_t i;
	json_t *x;
	json_array_foreach(rules, i, x)
	{
		_cleanup_json_ json_t *r = json_loads(json_string_value(x), 0, NULL);
		if (!refusing(json_string_value(json_object_get(r, "action"))))
			return true;
	}
	return false;
}

static json_t *rules_json(const json_t *rules)
{
	json_t *out = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(rules, i, x)(void)
		json_array_append_new(out, json_loads(json_string_value(x), 0, NULL));
	return out;
}

static bool same_rules(const json_t *a, const json_t *b)
{
	if (json_array_size(a) != json_array_size(b))
		return false;
	size_t i, j;
	json_t *x, *y;
	json_array_foreach(a, i, x)
	{
		bool found = false;
		json_array_foreach(b, j, y) found = found || json_equal(x, y);
		if (!found)
			return false;
	}
	return true;
}

int eng_seccomp_diff(const char *file_a, const char *file_b, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *pa = NULL, *pb = NULL, *ma = NULL, *mb = NULL;
	int r = load(file_a, &pa, e);
	if (r < 0 || (r = load(file_b, &pb, e)) < 0 || (r = rules_of(pa, &ma, e)) < 0 ||
	    (r = rules_of(pb, &mb, e)) < 0)
		return r;
	_cleanup_json_ json_t *only_a = json_array(), *only_b = json_array(),
			      *differ = json_array();
	if (!only_a || !only_b || !differ)
		return brig_err_oom(e);
	const char *name;
	json_t *ra, *rb;
	json_object_foreach(ma, name, ra)
	{
		rb = json_object_get(mb, name);
		if (allows(ra) && !allows(rb))
			(void)json_array_append_new(only_a, json_string(name));
		else if (rb && !same_rules(ra, rb))
			(void)json_array_append_new(differ,
						    json_pack("{s:s,s:o,s:o}", "name", name, "a",
							      rules_json(ra), "b", rules_json(rb)));
	}
	json_object_foreach(mb, name, rb) if (allows(rb) && !allows(json_object_get(ma, name)))(
		void) json_array_append_new(only_b, json_string(name));
	json_t *da = json_object_get(pa, "defaultAction"),
	       *db = json_object_get(pb, "defaultAction");
	*out = json_pack("{s:s,s:s,s:O,s:O,s:O,s:O,s:O}", "a", file_a, "b", file_b, "onlyInA",
			 only_a, "onlyInB", only_b, "rulesDiffer", differ, "defaultActionA", da,
			 "defaultActionB", db);
	return *out ? 0 : brig_err_oom(e);
}

/* explain: what brig's default says of each name it does not allow
 * outright (docs/seccomp-profile.md, "Never allowed"). */
static const struct {
	const char *names;
	const char *why;
} never[] = {
	{ " kexec_load kexec_file_load ", "replace the running kernel" },
	{ " add_key keyctl request_key ", "kernel keyrings are not namespaced" },
	{ " open_by_handle_at name_to_handle_at ",
	  "opening files by handle bypasses the mount namespace (\"shocker\")" },
	{ " swapon swapoff ", "host-wide swap configuration" },
	{ " io_uring_setup io_uring_enter io_uring_register ",
	  "io_uring's operations bypass seccomp; a large source of kernel escalations" },
	{ " clone3 ", "its flags are in memory, where seccomp cannot check for namespaces" },
	{ " lookup_dcookie nfsservctl uselib _sysctl sysfs ustat create_module get_kernel_syms "
	  "query_module ",
	  "obsolete interface or kernel-internal information" },
	{ " vm86 vm86old modify_ldt ", "16-bit and segment tricks used by exploits" },
	{ " iopl ioperm ", "direct access to hardware I/O ports" },
	{ " memfd_secret process_mrelease lsm_set_self_attr ", "not reviewed for containers yet" },
};

static const char *never_why(const char *name)
{
	char pat[SP_MAX_NAME_LEN + 3];
	(void)snprintf(pat, sizeof(pat), " %s ", name);
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(never); i++)
		if (strstr(never[i].names, pat))
			return never[i].why;
	return NULL;
}

/* The one value a rule lets through at its one argument, if it names one. */
static bool concrete(const json_t *rule, json_int_t *idx, uint64_t *x)
{
	const json_t *args = json_object_get(rule, "args"), *a = json_array_get(args, 0);
	const char *op = json_string_value(json_object_get(a, "op"));
	if (json_array_size(args) != 1 || !op)
		return false;
	*idx = json_integer_value(json_object_get(a, "index"));
	uint64_t v = (uint64_t)json_integer_value(json_object_get(a, "value"));
	*x = (uint64_t)json_integer_value(json_object_get(a, "valueTwo"));
	if (strcmp(op, "SCMP_CMP_EQ") == 0)
		*x = v;
	return strcmp(op, "SCMP_CMP_EQ") == 0 ||
		(strcmp(op, "SCMP_CMP_MASKED_EQ") == 0 && v == 0xffffffffULL);
}

/* Does the default's rule d let value x of argument idx through? */
static bool rule_lets(const json_t *d, json_int_t idx, uint64_t x)
{
	const json_t *args = json_object_get(d, "args");
	size_t i;
	json_t *a;
	if (json_array_size(args) == 0)
		return true;
	json_array_foreach(args, i, a)
	{
		const char *op = json_string_value(json_object_get(a, "op"));
		uint64_t v = (uint64_t)json_integer_value(json_object_get(a, "value"));
		uint64_t two = (uint64_t)json_integer_value(json_object_get(a, "valueTwo"));
		if (!op || json_integer_value(json_object_get(a, "index")) != idx)
			return false;
		if (!(strcmp(op, "SCMP_CMP_EQ") == 0 && x == v) &&
		    !(strcmp(op, "SCMP_CMP_MASKED_EQ") == 0 && (x & v) == two))
			return false;
	}
	return true;
}

/* Is rule (of FILE) within what the default's rules allow? */
/* json_equal, with two absent members equal. */
static bool same(const json_t *a, const json_t *b)
{
	return a == b || (a && b && json_equal(a, b));
}

static bool gated(const json_t *d)
{
	return json_object_get(json_object_get(d, "includes"), "caps") != NULL;
}

/* Is rule (of FILE) within what the default's rules allow?  A rule the
 * default gates by a capability covers only a rule with the same gate,
 * unless any_gate. */
static bool within(const json_t *rule, const json_t *drules, bool any_gate)
{
	json_int_t idx = -1;
	uint64_t x = 0;
	bool conc = concrete(rule, &idx, &x);
	size_t i;
	json_t *s;
	json_array_foreach(drules, i, s)
	{
		_cleanup_json_ json_t *d = json_loads(json_string_value(s), 0, NULL);
		if (!d || refusing(json_string_value(json_object_get(d, "action"))) ||
		    (!any_gate && gated(d) &&
		     !json_equal(json_object_get(d, "includes"),
				 json_object_get(rule, "includes"))))
			continue;
		if (same(json_object_get(d, "args"), json_object_get(rule, "args")) ||
		    (conc && rule_lets(d, idx, x)))
			return true;
	}
	return false;
}

/* The capability the default asks for name, or NULL. */
static const char *cap_gate(const json_t *drules, char *buf, size_t size)
{
	size_t i;
	json_t *s;
	json_array_foreach(drules, i, s)
	{
		_cleanup_json_ json_t *d = json_loads(json_string_value(s), 0, NULL);
		const char *cap = json_string_value(
			json_array_get(json_object_get(json_object_get(d, "includes"), "caps"), 0));
		if (cap && !refusing(json_string_value(json_object_get(d, "action")))) {
			(void)snprintf(buf, size, "%s", cap);
			return buf;
		}
	}
	return NULL;
}

enum ex_group { EX_NEVER, EX_CAP, EX_ARGS, EX_NEW, EX_N };

static const char *const group_text[EX_N][2] = {
	{ "high", "never allowed by brig's default: escapes or kernel attack surface" },
	{ "high", "allowed by brig's default only with a capability" },
	{ "medium", "arguments wider than brig's default allows" },
	{ "medium", "not in brig's default profile (not reviewed)" },
};

/* Where name (allowed by rules) stands against the default; -1: within it. */
static int judge(const char *name, const json_t *rules, const json_t *drules, char *why,
		 size_t size)
{
	const char *n = never_why(name);
	if (!allows(drules)) {
		(void)snprintf(why, size, "%s",
			       n ? n : "brig's default leaves it to the default action");
		return n || drules ? EX_NEVER : EX_NEW;
	}
	size_t i;
	json_t *s;
	bool all_within = true, open = false;
	json_array_foreach(drules, i, s)
	{
		_cleanup_json_ json_t *d = json_loads(json_string_value(s), 0, NULL);
		open = open ||
			(!refusing(json_string_value(json_object_get(d, "action"))) &&
			 !json_object_get(d, "args") && !gated(d));
	}
	if (open)
		return -1;
	bool gate_within = true;
	json_array_foreach(rules, i, s)
	{
		_cleanup_json_ json_t *r = json_loads(json_string_value(s), 0, NULL);
		if (r && !refusing(json_string_value(json_object_get(r, "action")))) {
			all_within = all_within && within(r, drules, false);
			gate_within = gate_within && within(r, drules, true);
		}
	}
	if (all_within)
		return -1;
	char cap[SP_MAX_CAP_LEN + 1];
	if (gate_within && cap_gate(drules, cap, sizeof(cap))) {
		(void)snprintf(why, size, "brig's default allows it only with %s", cap);
		return EX_CAP;
	}
	(void)snprintf(why, size, "brig's default restricts its arguments; this profile does less");
	return EX_ARGS;
}

int eng_seccomp_explain(const char *file, const char *def, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *pf = NULL, *pd = NULL, *mf = NULL, *md = NULL, *groups = NULL;
	int r = load(file, &pf, e);
	if (r < 0 || (r = load(def, &pd, e)) < 0 || (r = rules_of(pf, &mf, e)) < 0 ||
	    (r = rules_of(pd, &md, e)) < 0)
		return r;
	json_t *calls[EX_N];
	if (!(groups = json_array()))
		return brig_err_oom(e);
	for (int g = 0; g < EX_N; g++)
		if (json_array_append_new(groups,
					  json_pack("{s:s,s:s,s:[]}", "level", group_text[g][0],
						    "risk", group_text[g][1], "calls")) < 0)
			return brig_err_oom(e);
	for (int g = 0; g < EX_N; g++)
		calls[g] = json_object_get(json_array_get(groups, (size_t)g), "calls");
	const char *name;
	json_t *rules;
	size_t n = 0, beyond = 0;
	json_object_foreach(mf, name, rules)
	{
		char why[256];
		if (!allows(rules))
			continue;
		n++;
		int g = judge(name, rules, json_object_get(md, name), why, sizeof(why));
		if (g >= 0 && ++beyond &&
		    json_array_append_new(calls[g],
					  json_pack("{s:s,s:s}", "name", name, "why", why)) < 0)
			return brig_err_oom(e);
	}
	*out = json_pack("{s:s,s:s,s:I,s:I,s:O}", "file", file, "default", def, "allowed",
			 (json_int_t)n, "beyondDefault", (json_int_t)beyond, "groups", groups);
	return *out ? 0 : brig_err_oom(e);
}
