/* SPDX-License-Identifier: Apache-2.0 */
/* brig import --change and brig commit -c: the Dockerfile instructions that
 * only touch the image config (CMD, ENTRYPOINT, ENV, LABEL, USER, WORKDIR,
 * EXPOSE, VOLUME, STOPSIGNAL). */
#include "cli/brig/brig-internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define CHANGE_MAX 65536

static int env_put(json_t *cfg, const char *name, size_t klen, const char *val, size_t vlen,
		   struct brig_err *e)
{
	json_t *env = json_object_get(cfg, "Env");
	if (!env && json_object_set_new(cfg, "Env", env = json_array()) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	size_t i;
	json_t *v;
	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);
		if (s && strncmp(s, name, klen) == 0 && s[klen] == '=')
			break;
	}
	json_t *item = json_sprintf("%.*s=%.*s", (int)klen, name, (int)vlen, val);
	if (!item)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return (i < json_array_size(env) ? json_array_set_new(env, i, item)
					 : json_array_append_new(env, item)) < 0
		? brig_err_set(e, -ENOMEM, "out of memory")
		: 0;
}

/* One NAME=value word of "ENV A=1 B="two words"": the value ends at
 * unquoted white space; double quotes are dropped.  Returns the rest. */
static const char *env_word(json_t *cfg, const char *p, struct brig_err *e, int *r)
{
	size_t klen = strcspn(p, "= \t");
	if (klen == 0 || p[klen] != '=') {
		*r = brig_err_set(e, -EINVAL, "ENV needs NAME=VALUE pairs");
		return p;
	}
	char val[CHANGE_MAX];
	size_t n = 0;
	bool quoted = false;
	const char *q = p + klen + 1;
	for (; *q && (quoted || (*q != ' ' && *q != '\t')); q++) {
		if (*q == '"') {
			quoted = !quoted;
			continue;
		}
		if (*q == '\\' && q[1])
			q++;
		if (n + 1 < sizeof(val))
			val[n++] = *q;
	}
	if (quoted) {
		*r = brig_err_set(e, -EINVAL, "ENV: unterminated quote");
		return q;
	}
	*r = env_put(cfg, p, klen, val, n, e);
	return q + strspn(q, " \t");
}

/* "NAME value" (the rest of the line is the value) or one or more
 * "NAME=value" words into Env, each replacing an existing NAME. */
static int change_env(json_t *cfg, const char *arg, struct brig_err *e)
{
	size_t klen = strcspn(arg, "= \t");
	if (klen == 0 || !arg[klen])
		return brig_err_set(e, -EINVAL, "ENV needs NAME=VALUE");
	if (arg[klen] != '=') {
		const char *val = arg + klen + strspn(arg + klen, " \t");
		return env_put(cfg, arg, klen, val, strlen(val), e);
	}
	int r = 0;
	for (const char *p = arg; r == 0 && *p;)
		p = env_word(cfg, p, e, &r);
	return r;
}

/* "key=value" (quotes around value dropped) into Labels. */
static int change_label(json_t *cfg, const char *arg, struct brig_err *e)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return brig_err_set(e, -EINVAL, "LABEL needs KEY=VALUE");
	json_t *labels = json_object_get(cfg, "Labels");
	if (!labels && json_object_set_new(cfg, "Labels", labels = json_object()) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	size_t vlen = strlen(eq + 1);
	const char *val = eq + 1;
	if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
		val++;
		vlen -= 2;
	}
	_cleanup_free_ char *key = strndup(arg, (size_t)(eq - arg));
	if (!key || json_object_set_new(labels, key, json_stringn(val, vlen)) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

/* Exec form (a JSON array of strings) or shell form ("/bin/sh -c ARG"). */
static int change_argv(json_t *cfg, const char *key, const char *arg, struct brig_err *e)
{
	json_t *v;
	if (arg[0] == '[') {
		json_error_t je;
		v = json_loads(arg, JSON_REJECT_DUPLICATES, &je);
		size_t i;
		json_t *s;
		bool ok = json_is_array(v);
		json_array_foreach(ok ? v : NULL, i, s) ok = ok && json_is_string(s);
		if (!ok) {
			json_decref(v);
			return brig_err_set(e, -EINVAL, "%s: expected a JSON array of strings",
					    key);
		}
	} else {
		v = json_pack("[s, s, s]", "/bin/sh", "-c", arg);
	}
	if (!v || json_object_set_new(cfg, key, v) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static bool port_ok(const char *s)
{
	size_t n = strspn(s, "0123456789");
	return n > 0 && n <= 5 &&
		(!s[n] || !strcmp(s + n, "/tcp") || !strcmp(s + n, "/udp") ||
		 !strcmp(s + n, "/sctp"));
}

/* Each word (or each string of a JSON array) as a key of the object
 * cfg[key]; EXPOSE adds "/tcp" to a port without a protocol. */
static int change_set(json_t *cfg, const char *key, const char *arg, bool ports, struct brig_err *e)
{
	_cleanup_json_ json_t *words = NULL;
	if (arg[0] == '[') {
		if (change_argv(cfg, key, arg, e) < 0)
			return e->code;
		words = json_incref(json_object_get(cfg, key));
	} else if (!(words = json_array())) {
		return brig_err_oom(e);
	}
	for (const char *p = arg; arg[0] != '[' && *p;) {
		size_t n = strcspn(p, " \t");
		if (n && json_array_append_new(words, json_stringn(p, n)) < 0)
			return brig_err_set(e, -EINVAL, "not valid UTF-8");
		p += n + strspn(p + n, " \t");
	}
	json_t *set = json_object();
	size_t i;
	json_t *w;
	json_array_foreach(set ? words : NULL, i, w)
	{
		const char *s = json_string_value(w);
		char k[256];
		if (ports && !port_ok(s)) {
			json_decref(set);
			return brig_err_set(e, -EINVAL,
					    "EXPOSE: \"%.40s\" is not PORT[/tcp|udp|sctp]", s);
		}
		if (brig_snprintf(k, sizeof(k), "%s%s", s, ports && !strchr(s, '/') ? "/tcp" : "") <
			    0 ||
		    json_object_set_new(set, k, json_object()) < 0) {
			json_decref(set);
			return brig_err_set(e, -EINVAL, "%s: \"%.40s\" is too long", key, s);
		}
	}
	if (!set || json_object_set_new(cfg, key, set) < 0)
		return brig_err_oom(e);
	return 0;
}

int brig_change_apply(json_t *cfg, const char *change, struct brig_err *e)
{
	if (strlen(change) > CHANGE_MAX)
		return brig_err_set(e, -E2BIG, "--change longer than %d bytes", CHANGE_MAX);
	size_t wlen = strcspn(change, " \t");
	const char *arg = change + wlen + strspn(change + wlen, " \t");
	int r;
#define IS(w) (wlen == strlen(w) && strncasecmp(change, w, wlen) == 0)
	if (!*arg)
		r = brig_err_set(e, -EINVAL, "missing argument");
	else if (IS("ENV"))
		r = change_env(cfg, arg, e);
	else if (IS("LABEL"))
		r = change_label(cfg, arg, e);
	else if (IS("CMD"))
		r = change_argv(cfg, "Cmd", arg, e);
	else if (IS("ENTRYPOINT"))
		r = change_argv(cfg, "Entrypoint", arg, e);
	else if (IS("EXPOSE"))
		r = change_set(cfg, "ExposedPorts", arg, true, e);
	else if (IS("VOLUME"))
		r = change_set(cfg, "Volumes", arg, false, e);
	else if (IS("STOPSIGNAL"))
		r = brig_parse_signal(arg) <= 0
			? brig_err_set(e, -EINVAL, "STOPSIGNAL: unknown signal \"%.40s\"", arg)
			: json_object_set_new(cfg, "StopSignal", json_string(arg)) < 0
			? brig_err_oom(e)
			: 0;
	else if (IS("USER") || IS("WORKDIR"))
		r = json_object_set_new(cfg, IS("USER") ? "User" : "WorkingDir", json_string(arg)) <
				0
			? brig_err_set(e, -EINVAL, "not valid UTF-8")
			: 0;
	else
		r = brig_err_set(e, -ENOTSUP,
				 "unsupported instruction (CMD, ENTRYPOINT, ENV, LABEL, USER, "
				 "WORKDIR, EXPOSE, VOLUME and STOPSIGNAL are)");
#undef IS
	if (r < 0)
		brig_err_wrap(e, "--change '%.80s'", change);
	return r;
}
