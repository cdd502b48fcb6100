/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RUN: the stage so far stored as an (unnamed) image, a brig container
 * made from it with brig's secure defaults and only what a build needs
 * besides (a writable root; root inside its own user namespace as for any
 * container that would run as 0; --network none unless the build says
 * host), run attached, and its changes packed as the step's layer with
 * the build's clamped mtimes.  The step's cache key is the stage's key,
 * the command and the build arguments it sees: a hit makes no container.
 */
#include "build/build-internal.h"

#include "image/layer/layer.h"

#include "engine/flags/flags.h"
#include "engine/netcfg/netcfg.h"

#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int bld_ctr_make(struct bld_ctx *c, const char *image_id, char **argv, char **env,
		 const struct eng_flags *flags, bool host_net, char id[ENG_ID_LEN + 1],
		 struct brig_err *e)
{
	struct eng_netcfg net = { .mode = host_net ? ENG_NET_HOST : ENG_NET_NONE };
	size_t n = 0, ne = 0;
	while (argv && argv[n])
		n++;
	while (env && env[ne])
		ne++;
	struct eng_create_opts o = {
		.image = image_id,
		.cmd = argv,
		.n_cmd = n,
		.entrypoint = argv ? "" : NULL,
		.env = env,
		.n_env = ne,
		.rootfs = ENG_ROOTFS_READ_WRITE,
		.stop_timeout = -1,
		.net = &net,
		.flags = flags,
	};
	return eng_create(c->g, &o, id, e);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The build arguments a RUN sees (declared in its stage, not shadowed by
 * ENV) as NAME=VALUE, sorted: its environment and part of its key. */
static bool proxy_arg(const char *k)
{
	static const char *const names[] = { "HTTP_PROXY",  "http_proxy", "HTTPS_PROXY",
					     "https_proxy", "FTP_PROXY",  "ftp_proxy",
					     "NO_PROXY",    "no_proxy",   "ALL_PROXY",
					     "all_proxy" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(names); i++)
		if (!strcmp(k, names[i]))
			return true;
	return false;
}

/* The predefined proxy arguments given with --build-arg (Docker's: no ARG
 * needed; left out of the key and the history): appended to env. */
static int proxy_args(struct bld_ctx *c, struct bld_state *st, char ***env, size_t n,
		      struct brig_err *e)
{
	const char *k;
	json_t *v;
	json_object_foreach(c->build_args, k, v)
	{
		if (!proxy_arg(k) || json_object_get(st->args, k))
			continue;
		char **nv = realloc(*env, (n + 2) * sizeof(char *));
		if (!nv)
			return brig_err_oom(e);
		*env = nv;
		nv[n + 1] = NULL;
		if (asprintf(&nv[n], "%s=%s", k, json_string_value(v)) < 0) {
			nv[n] = NULL;
			return brig_err_oom(e);
		}
		n++;
	}
	return 0;
}

static int run_args(struct bld_ctx *c, struct bld_state *st, char ***env, char **text,
		    struct brig_err *e)
{
	const char *k;
	json_t *v;
	size_t n = 0, len = 0;
	_cleanup_strv_ char **out = calloc(json_object_size(st->args) + 1, sizeof(char *));
	*text = strdup("");
	if (!out || !*text)
		return brig_err_oom(e);
	struct bld_varsrc src = { NULL, st };
	json_object_foreach(st->args, k, v)
	{
		if (!json_is_string(v))
			continue;
		const char *eff = bld_var_get(&src, k, strlen(k));
		if (eff && strcmp(eff, json_string_value(v)) != 0)
			continue; /* ENV of the same name wins */
		if (asprintf(&out[n++], "%s=%s", k, json_string_value(v)) < 0)
			return brig_err_oom(e);
	}
	qsort(out, n, sizeof(char *), str_cmp);
	for (size_t i = 0; i < n; i++)
		if (brig_appendf(text, &len, "%s\n", out[i]) < 0)
			return brig_err_oom(e);
	int r = proxy_args(c, st, &out, n, e);
	if (r == 0)
		*env = brig_steal_ptr(out);
	return r;
}

/* The command: exec form as written, shell form through the SHELL (a
 * heredoc without a command is the script itself). */
static int run_argv(struct bld_state *st, const struct bld_instr *in, char ***argv,
		    struct brig_err *e)
{
	if (in->exec) {
		*argv = brig_strv_dup(in->argv);
		return *argv ? 0 : brig_err_oom(e);
	}
	json_t *sh = json_object_get(bld_cfg(st), "Shell"), *x;
	size_t i, n = json_is_array(sh) ? json_array_size(sh) : 2;
	_cleanup_strv_ char **v = calloc(n + 2, sizeof(char *));
	if (!v)
		return brig_err_oom(e);
	json_array_foreach(
		sh, i, x) if (!(v[i] = strdup(json_string_value(x) ?: ""))) return brig_err_oom(e);
	if (!json_is_array(sh) && (!(v[0] = strdup("/bin/sh")) || !(v[1] = strdup("-c"))))
		return brig_err_oom(e);
	if (!in->heredoc)
		v[n] = strdup(in->rest);
	else if (in->heredoc_bare)
		v[n] = strdup(in->heredoc);
	else if (asprintf(&v[n], "%s\n%s", in->rest, in->heredoc) < 0)
		v[n] = NULL;
	if (!v[n])
		return brig_err_oom(e);
	*argv = brig_steal_ptr(v);
	return 0;
}

/* The secrets' copies of one RUN, and whose each is to be (as the
 * container sees it: uid, gid, mode). */
#define SECRETS_MAX 32
struct bld_secret_own {
	uint32_t uid, gid;
	mode_t mode;
};
struct bld_secrets {
	int tmp, dir; /* ROOT/build-tmp, and the copies' directory in it */
	char name[32];
	size_t n;
	struct bld_secret_own own[SECRETS_MAX];
};

/* The file of --secret id=ID,src=FILE for id (NULL: not given). */
static const char *secret_src(struct bld_ctx *c, const char *id, size_t len)
{
	for (size_t i = 0; c->o->secrets && c->o->secrets[i]; i++) {
		const char *s = c->o->secrets[i];
		if (!strncmp(s, "id=", 3) && !strncmp(s + 3, id, len) && s[3 + len] == ',' &&
		    !strncmp(s + 4 + len, "src=", 4))
			return s + 8 + len;
	}
	return NULL;
}

/* A private copy of the secret's file, readable inside the container
 * (its root is an unprivileged host uid that could not read the
 * original): ROOT/build-tmp/<dir>/secret, the directory 0700. */
static int secret_copy(struct bld_ctx *c, struct bld_secrets *sv, const char *src,
		       char path[PATH_MAX], struct brig_err *e)
{
	if (sv->n >= SECRETS_MAX)
		return brig_err_set(e, -E2BIG, "more than %d secrets in one RUN", SECRETS_MAX);
	if (sv->tmp < 0 && (sv->tmp = bld_tmp_open(c, sv->name, &sv->dir, e)) < 0)
		return sv->tmp;
	char name[32], tdir[PATH_MAX];
	snprintf(name, sizeof(name), "secret-%zu", sv->n);
	_cleanup_close_ int in = BRIG_RETRY(open(src, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
	_cleanup_close_ int out = BRIG_RETRY(
		openat(sv->dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400));
	if (in < 0 || out < 0)
		return brig_err_sys(e, errno, "copying the secret %s", src);
	char buf[65536];
	for (ssize_t n; (n = BRIG_RETRY(read(in, buf, sizeof(buf)))) != 0;)
		if (n < 0 || brig_write_all(out, buf, (size_t)n) < 0)
			return brig_err_sys(e, errno, "copying the secret %s", src);
	if (fchmod(sv->dir, 0711) < 0 || brig_fd_path(sv->dir, tdir, sizeof(tdir)) < 0 ||
	    brig_snprintf(path, PATH_MAX, "%s/%s", tdir, name) < 0)
		return brig_err_sys(e, errno, "copying the secret %s", src);
	sv->n++;
	return 0;
}

/* Each secret's copy given to its owner as the container sees it (its
 * host ids through the container's user namespace), with its mode.  An
 * unprivileged brig cannot give files away: the copy is then readable by
 * every user of the container (0444), said in a warning. */
static int secrets_own(struct bld_ctx *c, const char *id, struct bld_secrets *sv,
		       struct brig_err *e)
{
	for (size_t i = 0; i < sv->n; i++) {
		char name[32];
		uint32_t hu, hg;
		const struct bld_secret_own *o = &sv->own[i];
		snprintf(name, sizeof(name), "secret-%zu", i);
		int r = eng_ctr_host_ids(c->g, id, o->uid, o->gid, &hu, &hg, e);
		if (r < 0)
			return r;
		mode_t mode = o->mode;
		if (fchownat(sv->dir, name, hu, hg, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != EPERM)
				return brig_err_sys(e, errno, "giving a secret to %u:%u", o->uid,
						    o->gid);
			brig_warn("a secret cannot be given to %u:%u (brig is not root): "
				  "mode 0444",
				  o->uid, o->gid);
			mode = 0444;
		}
		if (fchmodat(sv->dir, name, mode, 0) < 0)
			return brig_err_sys(e, errno, "chmod of a secret's copy");
	}
	return 0;
}

/* uid=N, gid=N, mode=OCTAL of a secret mount: 1 taken, 0 not one of them,
 * or an error. */
static int secret_owner_opt(const char *p, size_t n, struct bld_secret_own *o, bool *uid_set,
			    bool *gid_set)
{
	char buf[24], *end = NULL;
	const char *eq = memchr(p, '=', n);
	if (!eq || n - (size_t)(eq - p) > sizeof(buf) || eq + 1 == p + n)
		return 0;
	snprintf(buf, sizeof(buf), "%.*s", (int)(n - (size_t)(eq + 1 - p)), eq + 1);
	size_t kl = (size_t)(eq - p);
	bool is_mode = kl == 4 && !strncmp(p, "mode", 4);
	if (!is_mode && !(kl == 3 && (!strncmp(p, "uid", 3) || !strncmp(p, "gid", 3))))
		return 0;
	unsigned long v = strtoul(buf, &end, is_mode ? 8 : 10);
	if (*end || buf[0] == '-' || v > (is_mode ? 07777ul : 0x7ffffffful))
		return -EINVAL;
	if (is_mode)
		o->mode = (mode_t)v;
	else if (p[0] == 'u')
		o->uid = (uint32_t)v, *uid_set = true;
	else
		o->gid = (uint32_t)v, *gid_set = true;
	return 1;
}

/* One --mount=type=secret,id=ID[,target=PATH][,required[=true]][,uid=N]
 * [,gid=N][,mode=OCTAL]: a read-only bind of a copy of the secret's file
 * (never in a layer: /run is a tmpfs, and a target elsewhere leaves only an
 * empty mount point), the RUN user's and 0400 unless uid, gid, mode say. */
static int secret_mount(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
			const char *spec, struct eng_flags *f, struct bld_secrets *sv,
			struct brig_err *e)
{
	char id[128] = "", target[PATH_MAX] = "", mnt[PATH_MAX * 3], copy[PATH_MAX];
	bool required = false, secret = false, uid_set = false, gid_set = false;
	struct bld_secret_own own = { .mode = 0400 };
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ",");
		int k = secret_owner_opt(p, n, &own, &uid_set, &gid_set);
		if (k < 0)
			return brig_err_set(e, -EINVAL, "%s:%u: RUN --mount=%s: a bad %.*s",
					    c->df_name, in->line, spec, (int)n, p);
		if (k == 1) { /* uid, gid or mode */
			p += n + (p[n] == ',');
			continue;
		}
		if (n == 11 && !strncmp(p, "type=secret", n))
			secret = true;
		else if (n > 3 && n - 3 < sizeof(id) && !strncmp(p, "id=", 3))
			snprintf(id, sizeof(id), "%.*s", (int)(n - 3), p + 3);
		else if (n > 7 && n - 7 < sizeof(target) && !strncmp(p, "target=", 7))
			snprintf(target, sizeof(target), "%.*s", (int)(n - 7), p + 7);
		else if ((n == 8 && !strncmp(p, "required", n)) ||
			 (n == 13 && !strncmp(p, "required=true", n)))
			required = true;
		else if (!(n == 14 && !strncmp(p, "required=false", n)))
			return brig_err_set(e, -ENOTSUP,
					    "%s:%u: RUN --mount=%s: only type=secret "
					    "with id, target, required, uid, gid and mode "
					    "is supported",
					    c->df_name, in->line, spec);
		p += n + (p[n] == ',');
	}
	if (!secret || !id[0] || strchr(id, '/'))
		return brig_err_set(e, -EINVAL, "%s:%u: RUN --mount=%s: expected type=secret,id=ID",
				    c->df_name, in->line, spec);
	const char *src = secret_src(c, id, strlen(id));
	struct stat sb;
	if (!src && !required)
		return 0;
	if (!src || stat(src, &sb) < 0 || !S_ISREG(sb.st_mode))
		return brig_err_set(e, -ENOENT, "%s:%u: secret %s: %s", c->df_name, in->line, id,
				    src ? "not a regular file"
					: "not given (--secret id=ID,src=FILE)");
	uint32_t ru = 0, rg = 0; /* the RUN's user: the default owner */
	int r = uid_set && gid_set ? 0 : bld_state_user(c, st, NULL, &ru, &rg, e);
	if (r < 0)
		return brig_err_wrap(e, "%s:%u: RUN's USER", c->df_name, in->line);
	own.uid = uid_set ? own.uid : ru;
	own.gid = gid_set ? own.gid : rg;
	sv->own[sv->n < SECRETS_MAX ? sv->n : 0] = own;
	if ((r = secret_copy(c, sv, src, copy, e)) < 0)
		return r;
	if (brig_snprintf(mnt, sizeof(mnt), "type=bind,source=%s,target=%s%s,readonly", copy,
			  target[0] ? target : "/run/secrets/", target[0] ? "" : id) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "secret %s: a path too long", id);
	return eng_flags_set(f, "mount", mnt, e);
}

static bool is_secret(const char *spec)
{
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ",");
		if (n == 11 && !strncmp(p, "type=secret", n))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

/* RUN --mount=type=cache|bind (mounts.c), made before the cache key is:
 * a bind's source is part of it. */
static int run_mounts(struct bld_ctx *c, const struct bld_instr *in, struct eng_flags *f,
		      struct bld_mounts *m, char **key, struct brig_err *e)
{
	size_t len = strlen(*key);
	for (size_t i = 0; i < in->n_flags; i++) {
		const char *fl = in->flags[i];
		if (strncmp(fl, "--mount=", 8) != 0 || is_secret(fl + 8))
			continue;
		int r = bld_mount_add(c, in, fl + 8, f, m, key, &len, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* RUN's flags: --mount (secrets), --network=none|host|default. */
static int run_flags(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		     struct eng_flags *f, bool *host, struct bld_secrets *sv, struct brig_err *e)
{
	*host = c->o->network_host;
	for (size_t i = 0; i < in->n_flags; i++) {
		const char *fl = in->flags[i];
		int r = 0;
		if (!strncmp(fl, "--mount=", 8) && is_secret(fl + 8))
			r = secret_mount(c, st, in, fl + 8, f, sv, e);
		else if (!strncmp(fl, "--mount=", 8))
			continue; /* cache and bind: bld_run's run_mounts */
		else if (!strcmp(fl, "--network=none"))
			*host = false;
		else if (!strcmp(fl, "--network=host") && !c->o->network_host)
			r = brig_err_set(e, -EPERM,
					 "%s:%u: RUN --network=host needs brig build "
					 "--network host",
					 c->df_name, in->line);
		else if (strcmp(fl, "--network=host") != 0 && strcmp(fl, "--network=default") != 0)
			r = brig_err_set(e, -EINVAL, "%s:%u: RUN: unknown flag %s", c->df_name,
					 in->line, fl);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Run argv in a container of the stage so far; its changes as l. */
static int run_container(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
			 char **argv, char **env, struct eng_flags *f, struct bld_layer *l,
			 struct brig_err *e)
{
	char image_id[IMG_DIGEST_SIZE], id[ENG_ID_LEN + 1];
	struct img_descriptor md = { 0 };
	int r = bld_image_put(c, st, image_id, &md, e);
	if (r == 0)
		r = img_store_add(c->s, &md, e);
	struct bld_secrets sv = { .tmp = -1, .dir = -1 };
	bool host = false;
	if (r == 0)
		r = run_flags(c, st, in, f, &host, &sv, e);
	if (r == 0 && (r = bld_ctr_make(c, image_id, argv, env, f, host, id, e)) == 0) {
		c->res->runs++;
		int status = (r = secrets_own(c, id, &sv, e)) < 0
			? 0
			: eng_start(c->g, id, ENG_ATTACH, e);
		if (status > 0)
			r = brig_err_set(e, -ECHILD, "%s:%u: RUN %s: exited with %d", c->df_name,
					 in->line, in->rest, status);
		else if (status < 0)
			r = brig_err_wrap(e, "%s:%u: RUN", c->df_name, in->line);
		struct eng_layer_out out = { 0 };
		struct img_pack_setid sid = { bld_defanged, c, bld_defanged_caps };
		if (r == 0 &&
		    (r = eng_layer_make(c->g, id, -1, c->o->timestamp,
					c->o->defang_setuid ? &sid : NULL, &out, e)) == 0) {
			memcpy(l->digest, out.digest, sizeof(l->digest));
			memcpy(l->diff_id, out.diff_id, sizeof(l->diff_id));
			l->size = out.size;
			l->comp = IMG_COMP_GZIP;
		}
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (eng_remove(c->g, id, true, true, &e2) < 0)
			brig_warn("removing the build container %.12s: %s", id, brig_err_str(&e2));
	}
	if (sv.tmp >= 0) {
		close(sv.dir);
		brig_rm_rf(sv.tmp, sv.name, NULL);
		close(sv.tmp);
	}
	_cleanup_err_ struct brig_err e3 = { 0 };
	img_store_remove(c->s, md.digest, &e3); /* the unnamed step image */
	img_descriptor_clear(&md);
	return r;
}

int bld_run(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in, struct brig_err *e)
{
	_cleanup_strv_ char **argv = NULL, **env = NULL;
	_cleanup_free_ char *args = NULL, *what = NULL, *by = NULL;
	_cleanup_free_ char *cmd = NULL;
	int r = run_argv(st, in, &argv, e);
	if (r == 0)
		r = run_args(c, st, &env, &args, e);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *aj = json_array();
	for (size_t i = 0; aj && argv[i]; i++)
		json_array_append_new(aj, json_string(argv[i]));
	for (size_t i = 0; aj && i < in->n_flags; i++)
		json_array_insert_new(aj, i, json_string(in->flags[i]));
	if (!aj || !(cmd = json_dumps(aj, JSON_COMPACT)) || asprintf(&what, "RUN %s", cmd) < 0 ||
	    asprintf(&by, "RUN %s", in->heredoc_bare ? in->heredoc : in->rest) < 0)
		return brig_err_oom(e);
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	struct bld_mounts m;
	bld_mounts_init(&m);
	r = f ? run_mounts(c, in, f, &m, &args, e) : brig_err_oom(e);
	struct bld_layer l = { 0 };
	if (r == 0) {
		bld_key_next(st->key, what, args);
		r = bld_cache_get(c, st->key, &l, e);
	}
	if (r == 1)
		c->res->cached++;
	if (r >= 0)
		bld_progress(c, "%s", r == 1 ? " ---> cached" : " ---> running");
	if (r == 0 && (r = run_container(c, st, in, argv, env, f, &l, e)) == 0)
		r = bld_cache_put(c, st->key, &l, e);
	bld_mounts_release(&m);
	return r < 0 ? r : bld_add_layer(c, st, &l, by, e);
}
