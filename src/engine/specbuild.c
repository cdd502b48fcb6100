/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI config of a container: brig's secure defaults (the runtime's
 * default spec: read-only root, small capability set, no_new_privs,
 * seccomp, masked paths, pids limit, no network, nofile/core limits) plus
 * what the image config and the command line ask for, with Docker's
 * precedence rules for entrypoint and command.
 */
#include "engine/engine-internal.h"
#include "engine/user-internal.h"
#include "engine/learn-internal.h"
#include "engine/flags/flags.h"
#include "engine/config/engine-config.h"
#include "engine/volume.h"
#include "engine/netcfg/net-internal.h"
#include "engine/health-internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PATH "PATH=" BRIG_DEFAULT_PATH

/* Set K=V in an array of "K=V" strings, replacing an earlier K. */
static int env_set(json_t *env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	size_t i;
	json_t *v;
	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);
		if (s && strncmp(s, kv, klen) == 0 && s[klen] == '=')
			return json_array_set_new(env, i, json_string(kv));
	}
	return json_array_append_new(env, json_string(kv));
}

static bool env_has(const json_t *env, const char *key)
{
	size_t klen = strlen(key), i;
	json_t *v;
	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);
		if (s && strncmp(s, key, klen) == 0 && s[klen] == '=')
			return true;
	}
	return false;
}

static int build_env(const struct eng_create_opts *o, const struct img_config *c,
		     const char *hostname, const struct eng_user *u, json_t **out,
		     struct brig_err *e)
{
	json_t *env = json_array();
	for (char **p = c->env; env && p && *p; p++)
		(void)env_set(env, *p);
	for (size_t i = 0; env && i < o->n_env; i++) {
		const char *kv = o->env[i];
		if (!kv[0] || kv[0] == '=') {
			json_decref(env);
			return brig_err_set(e, -EINVAL, "--env: invalid variable \"%s\"", kv);
		}
		if (strchr(kv, '=')) {
			(void)env_set(env, kv);
			continue;
		}
		const char *val = getenv(kv); /* -e NAME: from our environment, if set */
		_cleanup_free_ char *full = NULL;
		if (val && asprintf(&full, "%s=%s", kv, val) >= 0)
			(void)env_set(env, full);
	}
	if (!env)
		return brig_err_set(e, -ENOMEM, "out of memory");
	if (!env_has(env, "PATH"))
		(void)env_set(env, DEFAULT_PATH);
	char buf[300];
	(void)snprintf(buf, sizeof(buf), "HOSTNAME=%s", hostname);
	(void)env_set(env, buf);
	if (!env_has(env, "HOME") && u->home &&
	    snprintf(buf, sizeof(buf), "HOME=%s", u->home) < (int)sizeof(buf))
		(void)env_set(env, buf);
	if (o->tty && !env_has(env, "TERM"))
		(void)env_set(env, "TERM=xterm");
	*out = env;
	return 0;
}

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v && i < n; i++)
		(void)json_array_append_new(a, json_string(v[i]));
	return a;
}

/* Docker's rules: --entrypoint replaces the image's and drops its Cmd;
 * arguments after the image replace Cmd. */
static int build_args(const struct eng_create_opts *o, const struct img_config *c, json_t **entry,
		      json_t **cmd, json_t **args, struct brig_err *e)
{
	if (o->entrypoint)
		*entry = o->entrypoint[0] ? json_pack("[s]", o->entrypoint) : json_null();
	else
		*entry = c->entrypoint ? strv_json(c->entrypoint, brig_strv_len(c->entrypoint))
				       : json_null();
	if (o->n_cmd)
		*cmd = strv_json(o->cmd, o->n_cmd);
	else if (!o->entrypoint && c->cmd)
		*cmd = strv_json(c->cmd, brig_strv_len(c->cmd));
	else
		*cmd = json_null();
	*args = json_array();
	if (!*entry || !*cmd || !*args)
		return brig_err_set(e, -ENOMEM, "out of memory");
	if (json_is_array(*entry))
		(void)json_array_extend(*args, *entry);
	if (json_is_array(*cmd))
		(void)json_array_extend(*args, *cmd);
	if (json_array_size(*args) == 0)
		return brig_err_set(e, -EINVAL,
				    "no command specified: the image has no Entrypoint "
				    "or Cmd and none was given");
	return 0;
}

static json_t *user_json(const struct eng_user *u)
{
	json_t *groups = json_array();
	for (size_t i = 0; groups && i < u->n_groups; i++)
		(void)json_array_append_new(groups, json_integer(u->groups[i]));
	json_t *j = json_pack("{s:I,s:I}", "uid", (json_int_t)u->uid, "gid", (json_int_t)u->gid);
	if (j && groups && json_array_size(groups))
		(void)json_object_set(j, "additionalGids", groups);
	json_decref(groups);
	return j;
}

/* The Docker-shaped "Config" of the record. */
static json_t *docker_config(const struct eng_create_opts *o, const struct eng_image *im,
			     const char *hostname, const char *user, const char *cwd, json_t *env,
			     json_t *entry, json_t *cmd, struct brig_err *e)
{
	json_t *labels = json_object();
	for (size_t i = 0; labels && i < im->config.labels.n; i++)
		(void)json_object_set_new(labels, im->config.labels.items[i].key,
					  json_string(im->config.labels.items[i].value));
	for (size_t i = 0; labels && i < o->n_labels; i++) {
		_cleanup_free_ char *k = strdup(o->labels[i]);
		char *eq = k ? strchr(k, '=') : NULL;
		if (eq)
			*eq = '\0';
		if (!k || !k[0]) {
			json_decref(labels);
			brig_err_set(e, -EINVAL, "--label: invalid label \"%s\"", o->labels[i]);
			return NULL;
		}
		(void)json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
	}
	const char *sig = o->stop_signal ? o->stop_signal
		: im->config.stop_signal ? im->config.stop_signal
					 : "SIGTERM";
	json_t *c = json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:O,s:O,s:O,s:s,s:s,s:o,s:s,s:i}",
			      "Hostname", hostname, "Domainname", "", "User", user ? user : "",
			      "Tty", o->tty, "OpenStdin", o->interactive, "AttachStdin",
			      o->interactive, "Env", env, "Cmd", cmd, "Entrypoint", entry, "Image",
			      o->image, "WorkingDir", cwd, "Labels",
			      labels ? labels : json_object(), "StopSignal", sig, "StopTimeout",
			      o->stop_timeout == ENG_STOP_FOREVER ? -1
				      : o->stop_timeout >= 0      ? o->stop_timeout
								  : ENG_DEFAULT_STOP_TIMEOUT);
	json_t *hc = NULL;
	if (c && eng_health_config(&im->config.healthcheck, o->health, &hc, e) < 0)
		return json_decref(c), NULL;
	if (c && hc && json_object_set_new(c, "Healthcheck", hc) < 0)
		return json_decref(c), brig_err_set(e, -ENOMEM, "out of memory"), NULL;
	/* the image's SHELL, which runs a CMD-SHELL healthcheck (Docker's) */
	json_t *sh = im->config.shell ? strv_json(im->config.shell, brig_strv_len(im->config.shell))
				      : NULL;
	if (c && im->config.shell && (!sh || json_object_set_new(c, "Shell", sh) < 0))
		return json_decref(c), brig_err_set(e, -ENOMEM, "out of memory"), NULL;
	if (!c)
		brig_err_set(e, -ENOMEM, "out of memory");
	return c;
}

struct build {
	json_t *spec, *env, *entry, *cmd, *args;
	json_t *volumes; /* the volumes' "Mounts" entries for the record */
	struct eng_user user;
};

static void build_free(struct build *b)
{
	json_decref(b->spec);
	json_decref(b->env);
	json_decref(b->entry);
	json_decref(b->cmd);
	json_decref(b->args);
	json_decref(b->volumes);
	eng_user_clear(&b->user);
}

static int fill_process(struct build *b, const struct eng_create_opts *o, const char *cwd,
			struct brig_err *e)
{
	json_t *proc = json_object_get(b->spec, "process");
	json_t *uj = user_json(&b->user);
	if (!uj || json_object_set_new(proc, "user", uj) < 0 ||
	    json_object_set(proc, "args", b->args) < 0 ||
	    json_object_set(proc, "env", b->env) < 0 ||
	    json_object_set_new(proc, "cwd", json_string(cwd)) < 0 ||
	    json_object_set_new(proc, "terminal", json_boolean(o->tty)) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	if (o->tty && o->console_rows && o->console_cols &&
	    json_object_set_new(proc, "consoleSize",
				json_pack("{s:i,s:i}", "height", (int)o->console_rows, "width",
					  (int)o->console_cols)) < 0)
		return brig_err_oom(e);
	/* A non-root user starts with no effective capabilities (design). */
	json_t *caps = json_object_get(proc, "capabilities");
	if (b->user.uid != 0 && caps)
		(void)json_object_set_new(caps, "effective", json_array());
	return 0;
}

/* Docker's flags over the defaults (named and anonymous volumes made or
 * found first); then a non-root user again starts with no effective
 * capabilities, whatever --cap-add gave the container. */
static int apply_flags(struct eng *g, const struct eng_flags *f, const json_t *layers,
		       const char *id, struct build *b, struct brig_err *e)
{
	if (!f)
		return 0;
	if (eng_flags_volume_count(f)) {
		int r = eng_volumes_resolve(g, (struct eng_flags *)f, id, &b->volumes, e);
		if (r < 0)
			return r;
	}
	char *const *names = eng_flags_group_names(f);
	json_t *user = json_object_get(json_object_get(b->spec, "process"), "user");
	for (size_t i = 0; names && names[i]; i++) {
		uint32_t gid;
		int r = eng_group_lookup(g, &(struct eng_files){ layers, -1 }, names[i], &gid, e);
		if (r < 0)
			return brig_err_wrap(e, "--group-add");
		json_t *gids = json_object_get(user, "additionalGids");
		if (!gids && json_object_set_new(user, "additionalGids", gids = json_array()) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
		(void)json_array_append_new(gids, json_integer(gid));
	}
	int r = eng_flags_apply(f, b->spec, e);
	if (r < 0)
		return r;
	json_t *caps = json_object_get(json_object_get(b->spec, "process"), "capabilities");
	if (b->user.uid != 0 && caps)
		(void)json_object_set_new(caps, "effective", json_array());
	return 0;
}

static int apply_security(struct eng *g, const struct eng_flags *f, struct build *b,
			  const char *ctrdir, json_t **security, struct brig_err *e)
{
	const char *profile = f ? eng_flags_seccomp_profile(f) : NULL;
	if (!profile)
		profile = g->cfg->seccomp_profile; /* NULL: brig's default */
	json_t *sc = NULL;
	int r;
	if (f && eng_flags_privileged(f))
		sc = json_pack("{s:s}", "Profile", "unconfined (--privileged)");
	else if (eng_seccomp_is_learn(profile)) {
		if ((r = eng_seccomp_learn_spec(g, b->spec, profile, ctrdir, &sc, e)) < 0)
			return r;
	} else if ((r = eng_seccomp_apply(b->spec, profile, &sc, e)) < 0)
		return r;
	json_t *proc = json_object_get(b->spec, "process");
	*security = json_pack("{s:o,s:b,s:b,s:O}", "Seccomp", sc ? sc : json_null(), "Privileged",
			      f && eng_flags_privileged(f), "NoNewPrivileges",
			      json_is_true(json_object_get(proc, "noNewPrivileges")),
			      "Capabilities", json_object_get(proc, "capabilities"));
	return *security ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

/* In a user namespace a volume (owned on the host by real ids) is mounted
 * idmapped with the container's mapping, so its root can write to it; so
 * are the build's mounts (ROOT/build-mounts: RUN --mount=type=cache|bind),
 * which every RUN container, each with its own range, sees alike. */
static int idmap_volumes(struct eng *g, json_t *spec, const struct eng_userns *u,
			 struct brig_err *e)
{
	if (!u->enabled || u->own_root) /* rootless: the volumes are the caller's */
		return 0;
	char prefix[PATH_MAX], bprefix[PATH_MAX];
	if (brig_snprintf(prefix, sizeof(prefix), "%s/volumes/", g->root) < 0 ||
	    brig_snprintf(bprefix, sizeof(bprefix), "%s/" ENG_BUILD_MOUNTS "/", g->root) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "store root path too long");
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		const char *src = json_string_value(json_object_get(m, "source"));
		json_t *opts = json_object_get(m, "options");
		if (src && json_is_array(opts) &&
		    (!strncmp(src, prefix, strlen(prefix)) ||
		     !strncmp(src, bprefix, strlen(bprefix))) &&
		    json_array_append_new(opts, json_string("idmap")) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

int eng_spec_build(struct eng *g, const struct eng_create_opts *o, const struct eng_image *im,
		   const json_t *layers, const char *id, int ctrfd, const char *ctrdir,
		   const struct eng_userns *u, json_t **spec, json_t **config, json_t **security,
		   json_t **volumes, struct brig_err *e)
{
	struct build b = { 0 };
	json_t *limits = NULL;
	char hostname[64], root[PATH_MAX + 8];
	(void)snprintf(hostname, sizeof(hostname), "%.12s", id);
	if (o->hostname && brig_snprintf(hostname, sizeof(hostname), "%s", o->hostname) < 0)
		return brig_err_set(e, -EINVAL, "--hostname: longer than 63 characters");
	if (!o->hostname)
		eng_net_hostname(g, eng_net_of(o), hostname, sizeof(hostname));
	const char *user = o->user ? o->user : im->config.user;
	const char *cwd = o->workdir                                  ? o->workdir
		: im->config.working_dir && im->config.working_dir[0] ? im->config.working_dir
								      : "/";
	int r;
	char kuser[32];
	if (cwd[0] != '/')
		return brig_err_set(e, -EINVAL, "--workdir: \"%s\" is not an absolute path", cwd);
	/* keep-id: the caller's ids by default, its entry in /etc/passwd */
	_cleanup_close_ int ownfd = u->keep_id
		? eng_keepid_files(g, o, layers, ctrfd, cwd, kuser, e)
		: -1;
	if (u->keep_id && ownfd < 0)
		return ownfd;
	if (u->keep_id && !o->user)
		user = kuser;
	if ((r = eng_user_resolve(g, &(struct eng_files){ layers, ownfd }, user, &b.user, e)) < 0 ||
	    (r = build_env(o, &im->config, hostname, &b.user, &b.env, e)) < 0 ||
	    (r = build_args(o, &im->config, &b.entry, &b.cmd, &b.args, e)) < 0)
		goto out;
	if (!(b.spec = rt_default_spec(false))) {
		r = brig_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	/* Rootless, the runtime binds a copied root itself (rootfs.c). */
	bool bind = eng_rootless() && faccessat(ctrfd, "rootfs", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	if (bind ? brig_snprintf(root, sizeof(root), "%s/rootfs", ctrdir) < 0
		 : eng_mountpoint(g, id, root, sizeof(root)) < 0) {
		r = brig_err_set(e, -ENAMETOOLONG, "container path too long");
		goto out;
	}
	if ((r = eng_config_apply_defaults(g->cfg, b.spec, e)) < 0)
		goto out;
	json_t *rootj = json_object_get(b.spec, "root");
	(void)json_object_set_new(rootj, "path", json_string(root));
	if (o->rootfs != ENG_ROOTFS_CONFIG)
		(void)json_object_set_new(rootj, "readonly",
					  json_boolean(o->rootfs == ENG_ROOTFS_READ_ONLY));
	bool ro = json_is_true(json_object_get(rootj, "readonly"));
	(void)json_object_set_new(b.spec, "hostname", json_string(hostname));
	(void)json_object_set_new(b.spec, "annotations",
				  json_pack("{s:s,s:s}", "org.brig.container.id", id,
					    "org.opencontainers.image.ref.name", o->image));
	if ((r = fill_process(&b, o, cwd, e)) < 0 ||
	    (r = eng_net_files(g, eng_net_of(o), ctrfd, ctrdir, hostname,
			       json_object_get(b.spec, "mounts"), ro, !o->auto_remove, e)) < 0 ||
	    (r = apply_flags(g, o->flags, layers, id, &b, e)) < 0 ||
	    (o->init && (r = eng_init_apply(b.spec, e)) < 0) ||
	    (r = eng_userns_spec(b.spec, u, e)) < 0 || (r = idmap_volumes(g, b.spec, u, e)) < 0 ||
	    (u->enabled && (r = eng_devices_userns(o->flags, b.spec, e)) < 0) ||
	    (r = apply_security(g, o->flags, &b, ctrdir, security, e)) < 0 ||
	    (r = eng_limits(b.spec, &limits, e)) < 0)
		goto out;
	if (json_object_set_new(*security, "Limits", limits) < 0) {
		r = brig_err_oom(e);
		goto out;
	}
	if (!(*config = docker_config(o, im, hostname, user, cwd, b.env, b.entry, b.cmd, e))) {
		r = e->code;
		goto out;
	}
	*spec = b.spec;
	b.spec = NULL;
	*volumes = b.volumes ? b.volumes : json_array();
	b.volumes = NULL;
out:
	build_free(&b);
	return r;
}
