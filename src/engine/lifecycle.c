/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Making, renaming and removing containers.
 *
 * A container is assembled in ROOT/containers/.tmp-<id> (rootfs
 * directories, host files, record) and becomes visible only by the rename
 * to <id>, done under names.lock right after its name is claimed; a
 * failure on the way removes the temporary directory, so nothing
 * half-made is ever listed.  Removal renames <id> to .rm-<id> first, then
 * deletes: a crash in between never leaves a half-deleted container that
 * claims to exist.
 */
#include "engine/quota-internal.h"
#include "engine/netcfg/net-internal.h"
#include "engine/record-internal.h"
#include "engine/provenance-internal.h"
#include "engine/flags/flags.h"
#include "engine/logs/logs.h"
#include "engine/config/engine-config.h"
#include "engine/volume.h"
#include "engine/events.h"
#include "engine/net/net.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <dirent.h>
#include <sys/random.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

static int new_id(char id[ENG_ID_LEN + 1], struct brig_err *e)
{
	unsigned char raw[ENG_ID_LEN / 2];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return brig_err_sys(e, EIO, "getrandom");
	for (size_t i = 0; i < sizeof(raw); i++)
		(void)snprintf(id + 2 * i, 3, "%02x", raw[i]);
	/* Docker never makes an all-digit short id (it reads as a number). */
	bool digits = true;
	for (int i = 0; i < 12; i++)
		digits &= id[i] >= '0' && id[i] <= '9';
	if (digits)
		id[0] = 'a';
	return 0;
}

static json_t *layers_json(const struct eng_image *im)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < im->n_layers; i++)
		(void)json_array_append_new(a,
					    json_pack("{s:s,s:s}", "digest", im->layer_digests[i],
						      "diffId", im->config.diff_ids[i]));
	return a;
}

/* Rootless, the overlay's trial (a child, a user namespace, a mount: 6 ms
 * of CPU a run) is made once a boot for a store: a file in its runtime
 * directory (a tmpfs) says that it worked.  The store's layers, upper and
 * work directories are on one file system for every container. */
#define OVERLAY_WORKS ".overlay-in-userns"

static bool overlay_known(struct eng *g)
{
	char p[PATH_MAX];
	return eng_rootless() &&
		brig_snprintf(p, sizeof(p), "%s/%s", g->rt_root, OVERLAY_WORKS) >= 0 &&
		access(p, F_OK) == 0;
}

static void overlay_works(struct eng *g)
{
	char p[PATH_MAX];
	if (!eng_rootless() || brig_mkdir_p(AT_FDCWD, g->rt_root, 0700, NULL) < 0 ||
	    brig_snprintf(p, sizeof(p), "%s/%s", g->rt_root, OVERLAY_WORKS) < 0)
		return;
	int fd = BRIG_RETRY(open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd >= 0)
		(void)close(fd);
}

/* overlay unless told otherwise or unless it cannot be mounted here. */
static int choose_driver(struct eng *g, int ctrfd, const json_t *layers, const char **driver,
			 struct brig_err *e)
{
	*driver = eng_rootfs_driver(g);
	int r = eng_rootfs_prepare(g, ctrfd, layers, *driver, e);
	if (r < 0 || strcmp(*driver, "overlay") != 0 || overlay_known(g))
		return r;
	_cleanup_err_ struct brig_err e2 = { 0 };
	int fd = eng_rootfs_mount(g, ctrfd, layers, *driver, &e2);
	if (fd >= 0) {
		(void)close(fd);
		overlay_works(g);
		return 0;
	}
	if (eng_rootfs_driver_fixed(g))
		return brig_err_set(e, fd, "%s", brig_err_str(&e2));
	brig_warn("overlay cannot be used here (%s): copying the image's layers instead",
		  brig_err_str(&e2));
	*driver = "copy";
	return eng_rootfs_prepare(g, ctrfd, layers, *driver, e);
}

static json_t *initial_state(void)
{
	return json_pack("{s:s,s:b,s:b,s:b,s:b,s:b,s:i,s:i,s:s,s:s,s:s}", "Status", "created",
			 "Running", 0, "Paused", 0, "Restarting", 0, "OOMKilled", 0, "Dead", 0,
			 "Pid", 0, "ExitCode", 0, "Error", "", "StartedAt", "0001-01-01T00:00:00Z",
			 "FinishedAt", "0001-01-01T00:00:00Z");
}

/* ctrfd: the container directory, to see whether upper/ and work/ are in a
 * bounded rw/ (quota.c). */
static json_t *graph_driver(struct eng *g, const char *id, const char *driver, const char *ctrdir,
			    int ctrfd, const json_t *layers)
{
	const char *root = g->root, *rw = eng_quota_rw_prefix(ctrfd);
	char mnt[PATH_MAX];
	if (eng_mountpoint(g, id, mnt, sizeof(mnt)) < 0)
		mnt[0] = '\0';
	if (strcmp(driver, "copy") == 0)
		return json_pack("{s:s,s:{s:s+}}", "Name", "copy", "Data", "RootDir", ctrdir,
				 "/rootfs");
	size_t len = 0;
	_cleanup_free_ char *lower = NULL;
	/* top-most first, as overlay's lowerdir and Docker's LowerDir */
	for (size_t i = json_array_size(layers); i-- > 0;) {
		const json_t *l = json_array_get(layers, i);
		const char *d = json_string_value(json_object_get(l, "diffId")) + strlen("sha256:");
		if (brig_appendf(&lower, &len, "%s%s/layers/%s", len ? ":" : "", root, d) < 0)
			return NULL;
	}
	char upper[16], work[16]; /* "[rw/]upper" */
	(void)snprintf(upper, sizeof(upper), "/%supper", rw);
	(void)snprintf(work, sizeof(work), "/%swork", rw);
	return json_pack("{s:s,s:{s:s,s:s+,s:s+,s:s+}}", "Name", "overlay", "Data", "LowerDir",
			 lower ? lower : "", "UpperDir", ctrdir, upper, "WorkDir", ctrdir, work,
			 "MergedDir", mnt, "");
}

struct making {
	char id[ENG_ID_LEN + 1];
	char tmp[ENG_ID_LEN + 8];
	char ctrdir[PATH_MAX];
	int ctrfd;
	json_t *layers, *spec, *config, *security, *logcfg, *volumes, *binds;
	json_t *net; /* what the record says of the network (netcfg) */
	const char *driver;
	struct eng_userns userns;
	int64_t storage_size; /* bytes, 0: unbounded (quota.c) */
	json_t *netsettings; /* a bridge network's lease (engine/net) */
	json_t *provenance; /* Brig.Provenance (provenance_run.c) */
	char name[ENG_NAME_MAX + 1]; /* the name publish() claimed */
};

static const char *const restart_names[] = { "no", "on-failure", "always", "unless-stopped" };

/* HostConfig.LogConfig from --log-opt max-size=, max-file=. */
static int log_config(struct eng *g, const struct eng_create_opts *o, json_t **out,
		      struct brig_err *e)
{
	int64_t size = (int64_t)g->cfg->log_max_size, files = g->cfg->log_max_files;
	for (size_t i = 0; i < o->n_log_opts; i++) {
		const char *kv = o->log_opts[i];
		int r = 0;
		if (strncmp(kv, "max-size=", 9) == 0)
			r = brig_parse_size(kv + 9, &size, e);
		else if (strncmp(kv, "max-file=", 9) == 0)
			r = brig_parse_i64(kv + 9, &files) < 0 || files < 1 ||
					files > ENG_LOG_MAX_FILES
				? brig_err_set(e, -EINVAL, "max-file must be 1 to %d",
					       ENG_LOG_MAX_FILES)
				: 0;
		else
			r = brig_err_set(e, -EINVAL,
					 "unknown option (max-size and max-file are known)");
		if (r < 0)
			return brig_err_wrap(e, "--log-opt %s", kv);
	}
	*out = json_pack("{s:s,s:{s:I,s:I}}", "Type", "json-file", "Config", "max-size",
			 (json_int_t)size, "max-file", (json_int_t)files);
	return *out ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

/* Docker's ResolvConfPath, HostnamePath and HostsPath: the files netcfg
 * writes in the container's directory and binds over /etc. */
static int add_etc_paths(json_t *doc, const char *ctrdir)
{
	static const char *const files[][2] = { { "ResolvConfPath", "resolv.conf" },
						{ "HostnamePath", "hostname" },
						{ "HostsPath", "hosts" } };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(files); i++) {
		char path[PATH_MAX + 16];
		(void)snprintf(path, sizeof(path), "%s/%s", ctrdir, files[i][1]);
		if (json_object_set_new(doc, files[i][0], json_string(path)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static json_t *build_record(struct eng *g, const struct eng_create_opts *o,
			    const struct eng_image *im, struct making *mk, const char *name)
{
	char now[64];
	eng_now(now);
	json_t *args = json_object_get(json_object_get(mk->spec, "process"), "args");
	json_t *rest = json_array();
	for (size_t i = 1; rest && i < json_array_size(args); i++)
		(void)json_array_append(rest, json_array_get(args, i));
	char log[PATH_MAX + 16];
	(void)snprintf(log, sizeof(log), "%s/%s", mk->ctrdir, ENG_LOG);
	json_t *host = o->flags ? eng_flags_host_config(o->flags) : json_object();
	_cleanup_json_ json_t *userns = eng_userns_json(&mk->userns);
	enum eng_restart policy;
	int64_t retries;
	_cleanup_err_ struct brig_err e2 = { 0 };
	(void)eng_restart_parse(o->restart, &policy, &retries, &e2); /* checked by publish */
	if (host)
		(void)json_object_update_new(
			host,
			json_pack("{s:{s:s,s:I},s:O,s:b,s:s}", "RestartPolicy", "Name",
				  restart_names[policy], "MaximumRetryCount", (json_int_t)retries,
				  "LogConfig", mk->logcfg, "Init", o->init, "UsernsMode",
				  !mk->userns.enabled          ? "host"
					  : mk->userns.keep_id ? "keep-id"
							       : "auto"));
	json_t *pids = json_object_get(
		json_object_get(json_object_get(json_object_get(mk->spec, "linux"), "resources"),
				"pids"),
		"limit");
	/* what the container got: the flags over the engine config */
	bool ro = json_is_true(json_object_get(json_object_get(mk->spec, "root"), "readonly"));
	if (host)
		(void)json_object_update_new(host,
					     json_pack("{s:b,s:b,s:s,s:o}", "AutoRemove",
						       o->auto_remove, "ReadonlyRootfs", ro,
						       "NetworkMode", "none", "PidsLimit",
						       pids ? json_incref(pids) : json_integer(0)));
	if (host)
		(void)json_object_set_new(host, "StorageOpt",
					  eng_quota_opts_json(mk->storage_size));
	json_t *doc = json_pack(
		"{s:s,s:s,s:s,s:o,s:s+,s:s,s:i,s:s,s:s,s:o,s:O,s:o,"
		"s:o,s:s,s:O,s:{s:O,s:O,s:O,s:s,s:O,s:O,s:o}}",
		"Id", mk->id, "Created", now, "Path", json_string_value(json_array_get(args, 0)),
		"Args", rest, "Name", "/", name, "Image", im->id, "RestartCount", 0, "Driver",
		mk->driver, "Platform", "linux", "State", initial_state(), "Config", mk->config,
		"HostConfig", host, "GraphDriver",
		graph_driver(g, mk->id, mk->driver, mk->ctrdir, mk->ctrfd, mk->layers), "LogPath",
		log, "Mounts", mk->volumes, "Brig", "Spec", mk->spec, "Binds", mk->binds, "Layers",
		mk->layers, "ManifestDigest", im->manifest_digest, "Security", mk->security,
		"Userns", userns, "Effective", eng_effective(mk->spec, mk->security, userns));
	if (doc && mk->provenance &&
	    json_object_set(json_object_get(doc, "Brig"), "Provenance", mk->provenance) < 0) {
		json_decref(doc);
		return NULL;
	}
	if (doc && (add_etc_paths(doc, mk->ctrdir) < 0 || eng_net_merge(doc, mk->net) < 0)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* NetworkSettings.Networks.NAME of a bridge network: its lease (address,
 * gateway, MAC) beside the aliases netcfg recorded; NetworkMode its name. */
static int add_bridge_settings(json_t *doc, const char *name, json_t *lease)
{
	json_t *ns = json_object_get(doc, "NetworkSettings");
	json_t *nets = json_object_get(ns, "Networks");
	json_t *entry = json_object_get(nets, "bridge");
	json_t *v = json_deep_copy(lease);
	if (!nets || !v || (entry && json_object_update_missing(v, entry) < 0) ||
	    (entry && json_object_del(nets, "bridge") < 0) ||
	    json_object_set_new(nets, name, v) < 0)
		return -ENOMEM;
	return json_object_set_new(json_object_get(doc, "HostConfig"), "NetworkMode",
				   json_string(name));
}

/* The bridge network --network named, or NULL. */
static const char *bridge_network(const struct eng_create_opts *o)
{
	return o->net && o->net->mode == ENG_NET_BRIDGE ? o->net->target : NULL;
}

/* Claim the name and make the container visible, under names.lock. */
static int publish(struct eng *g, const struct eng_create_opts *o, struct making *mk,
		   const struct eng_image *im, struct brig_err *e)
{
	_cleanup_close_ int lock = eng_names_lock(g, e);
	if (lock < 0)
		return lock;
	char name[ENG_NAME_MAX + 1];
	int r = 0;
	if (o->name) {
		r = brig_snprintf(name, sizeof(name), "%s", o->name);
		if (r < 0 || !eng_name_valid(name))
			return brig_err_set(e, -EINVAL,
					    "invalid container name \"%s\": use "
					    "[a-zA-Z0-9][a-zA-Z0-9_.-]*, at most %d characters",
					    o->name, ENG_NAME_MAX);
		r = eng_name_claim(g, name, mk->id, e);
	} else {
		for (int i = 0; i < 64; i++) {
			char other[ENG_ID_LEN + 1];
			if (eng_name_generate(g, name, sizeof(name)) < 0)
				return brig_err_sys(e, EIO, "getrandom");
			if (eng_name_lookup(g, name, other) == 0)
				continue;
			if ((r = eng_name_claim(g, name, mk->id, e)) == 0)
				break;
		}
	}
	if (r < 0)
		return r;
	memcpy(mk->name, name, sizeof(mk->name));
	_cleanup_json_ json_t *doc = build_record(g, o, im, mk, name);
	_cleanup_record_ struct eng_record rec = { 0 };
	if (doc && mk->netsettings && add_bridge_settings(doc, o->net->target, mk->netsettings) < 0)
		json_decref(brig_steal_ptr(doc));
	if (!doc)
		r = brig_err_set(e, -ENOMEM, "out of memory");
	else if ((r = eng_record_parse(doc, ENG_RECORD, &rec, e)) == 0 &&
		 (r = eng_record_write(mk->ctrfd, &rec, e)) == 0 &&
		 renameat(g->ctrsfd, mk->tmp, g->ctrsfd, mk->id) < 0)
		r = brig_err_sys(e, errno, "renaming %s into place", mk->tmp);
	/* A --rm container is not made durable: a crash should not bring it
	 * back, and its fsyncs were a good part of run's time. */
	if (r == 0 && !o->auto_remove && fsync(g->ctrsfd) < 0)
		r = brig_err_sys(e, errno, "syncing %s/containers", g->root);
	if (r < 0)
		eng_name_release(g, name, mk->id);
	return r;
}

static int assemble(struct eng *g, const struct eng_create_opts *o, struct making *mk,
		    const struct eng_image *im, struct brig_err *e)
{
	mk->ctrfd = BRIG_RETRY(
		openat(g->ctrsfd, mk->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (mk->ctrfd < 0)
		return brig_err_sys(e, errno, "opening %s", mk->tmp);
	if (!(mk->layers = layers_json(im)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	int r = eng_quota_container_prepare(g, o, mk->ctrfd, &mk->storage_size, e);
	if (r == 0)
		r = choose_driver(g, mk->ctrfd, mk->layers, &mk->driver, e);
	if (r == 0 && mk->storage_size && strcmp(mk->driver, "overlay") != 0)
		r = brig_err_set(e, -EOPNOTSUPP, "a storage size bound needs the overlay driver");
	if (r < 0 || (r = eng_rootfs_chown(mk->ctrfd, mk->driver, &mk->userns, e)) < 0 ||
	    (r = eng_spec_build(g, o, im, mk->layers, mk->id, mk->ctrfd, mk->ctrdir, &mk->userns,
				&mk->spec, &mk->config, &mk->security, &mk->volumes, e)) < 0 ||
	    (r = eng_net_create(g, o, im, mk->spec, &mk->net, e)) < 0 ||
	    (r = eng_binds_pin(o->flags, mk->spec, &mk->userns, &mk->binds, e)) < 0)
		return r;
	/* --network NAME: the address is leased now, for the container's life. */
	const char *bridge = bridge_network(o);
	if (bridge &&
	    (r = eng_net_claim(g, bridge, o->net->ip[0] ? o->net->ip : NULL,
			       o->net->mac[0] ? o->net->mac : NULL, mk->id, &mk->netsettings, e)) <
		    0)
		return r;
	return publish(g, o, mk, im, e);
}

/* A create that failed: the volumes made or claimed for it go. */
static void unmake_volumes(struct eng *g, const struct making *mk)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_rec_mount *m = NULL;
	size_t n = 0;
	struct bj_loc at;
	bj_root(&at, "Mounts");
	if (mk->volumes &&
	    (eng_rec_mounts_parse(mk->volumes, &at, &m, &n, &e) < 0 ||
	     eng_volumes_release(g, mk->id, m, n, true, &e) < 0))
		brig_warn("removing the volumes made for %.12s: %s", mk->id, brig_err_str(&e));
	eng_rec_mounts_free(m, n);
}

int eng_create(struct eng *g, const struct eng_create_opts *o, char id[ENG_ID_LEN + 1],
	       struct brig_err *e)
{
	struct eng_image im;
	struct making mk = { .ctrfd = -1 };
	enum eng_restart policy;
	int64_t retries;
	/* The store's shared lease for as long as the container is being
	 * made: an image prune (which needs it exclusively) never removes a
	 * layer just unpacked for it, or its temporary directory. */
	_cleanup_img_store_ struct img_store *lease = NULL;
	int r = eng_store_open(g->root, &lease, e);
	if (r < 0 || (r = img_store_lease(lease, e)) < 0)
		return r;
	r = eng_restart_parse(o->restart, &policy, &retries, e);
	if (r < 0 || (r = eng_create_check(g, o, e)) < 0 ||
	    (r = log_config(g, o, &mk.logcfg, e)) < 0)
		return r;
	if ((r = eng_image_resolve(g, o->image, &im, e)) < 0) {
		json_decref(mk.logcfg);
		return r;
	}
	if ((r = eng_prov_create(g, o->trust, &im, &mk.provenance, e)) < 0 ||
	    (r = eng_layers_ensure(g, &im, e)) < 0 || (r = new_id(mk.id, e)) < 0)
		goto out;
	(void)snprintf(mk.tmp, sizeof(mk.tmp), ".tmp-%s", mk.id);
	if (brig_snprintf(mk.ctrdir, sizeof(mk.ctrdir), "%s/containers/%s", g->root, mk.id) < 0) {
		r = brig_err_set(e, -ENAMETOOLONG, "store root path too long");
		goto out;
	}
	mk.userns.slot = -1;
	/* The directory exists before a user namespace slot is claimed for it:
	 * the registry counts a slot whose container directory (or .tmp-ID)
	 * is missing as stale. */
	if (mkdirat(g->ctrsfd, mk.tmp, 0711) < 0)
		r = brig_err_sys(e, errno, "creating %s/containers/%s", g->root, mk.tmp);
	else
		r = eng_userns_choose(g, o->userns, mk.id, &mk.userns, e);
	if (r == 0)
		r = assemble(g, o, &mk, &im, e);
	if (r < 0) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		eng_userns_release(g, mk.id, &mk.userns);
		unmake_volumes(g, &mk);
		if (mk.netsettings && eng_net_release(g, mk.id, &e2) < 0)
			brig_warn("network of %.12s: %s", mk.id, brig_err_str(&e2));
		brig_err_clear(&e2);
		if (eng_quota_rm_rf(g->ctrsfd, mk.tmp, &e2) < 0)
			brig_warn("removing %s: %s", mk.tmp, brig_err_str(&e2));
	} else {
		memcpy(id, mk.id, ENG_ID_LEN + 1);
		/* What the record says, without reading it back. */
		(void)eng_event_emit_as(g, mk.id, mk.name,
					json_string_value(json_object_get(mk.config, "Image")),
					"create", NULL);
	}
out:
	if (mk.ctrfd >= 0)
		(void)close(mk.ctrfd);
	json_decref(mk.layers);
	json_decref(mk.spec);
	json_decref(mk.config);
	json_decref(mk.security);
	json_decref(mk.logcfg);
	json_decref(mk.volumes);
	json_decref(mk.binds);
	json_decref(mk.net);
	json_decref(mk.netsettings);
	json_decref(mk.provenance);
	eng_image_clear(&im);
	return r;
}

/* Remove the mount point of id (the container's mount namespace may take
 * a moment to go: EBUSY until then) and those of containers already gone. */
void eng_mountpoints_sweep(struct eng *g, const char *id)
{
	char mnt[PATH_MAX];
	for (int i = 0; id && i < 50 && eng_mountpoint(g, id, mnt, sizeof(mnt)) >= 0; i++) {
		if (rmdir(mnt) == 0 || errno != EBUSY)
			break;
		struct timespec ts = { .tv_nsec = 10 * 1000000L };
		(void)nanosleep(&ts, NULL);
	}
	DIR *d = opendir(g->mnt_root);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strlen(de->d_name) != ENG_ID_LEN ||
		    faccessat(g->ctrsfd, de->d_name, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
		    eng_mountpoint(g, de->d_name, mnt, sizeof(mnt)) < 0)
			continue;
		(void)rmdir(mnt);
	}
	if (d)
		(void)closedir(d);
	(void)rmdir(g->mnt_root);
}

int eng_destroy(struct eng *g, const char *id, struct brig_err *e)
{
	return eng_destroy_ex(g, id, false, e);
}

/* What a container held: its name, its user namespace slot, its volumes. */
static void release_all(struct eng *g, const struct eng_record *rec, bool volumes)
{
	if (rec->name[0] == '/')
		eng_name_release(g, rec->name + 1, rec->id);
	eng_userns_release(g, rec->id, &rec->userns);
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_volumes_release(g, rec->id, rec->mounts, rec->n_mounts, volumes || rec->auto_remove,
				&e) < 0)
		brig_warn("container %.12s: volumes: %s", rec->id, brig_err_str(&e));
	brig_err_clear(&e);
	if (eng_net_release(g, rec->id, &e) < 0)
		brig_warn("container %.12s: networks: %s", rec->id, brig_err_str(&e));
}

int eng_destroy_ex(struct eng *g, const char *id, bool volumes, struct brig_err *e)
{
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (rt_delete(&g->rt, id, true, &e2) < 0)
		brig_debug("runtime state of %.12s: %s", id, brig_err_str(&e2));
	eng_netns_release(g, id);
	_cleanup_close_ int lock = eng_names_lock(g, e);
	if (lock < 0)
		return lock;
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	brig_err_clear(&e2);
	_cleanup_record_ struct eng_record rec;
	if (eng_record_load(dirfd, id, &rec, &e2) == 0)
		release_all(g, &rec, volumes);
	else
		brig_warn("%s", brig_err_str(&e2));
	(void)rmdir(g->rt_root); /* the last container of this store: leave /run clean */
	eng_mountpoints_sweep(g, id);
	char gone[ENG_ID_LEN + 8];
	(void)snprintf(gone, sizeof(gone), ".rm-%s", id);
	if (renameat(g->ctrsfd, id, g->ctrsfd, gone) < 0)
		return brig_err_sys(e, errno, "removing container %.12s", id);
	int r = eng_quota_rm_rf(g->ctrsfd, gone, e);
	if (r == 0)
		(void)eng_event_emit_as(g, id, rec.name, rec.image_ref, "destroy", NULL);
	return r;
}

int eng_remove(struct eng *g, const char *id, bool force, bool volumes, struct brig_err *e)
{
	if (eng_running(g, id)) {
		if (!force)
			return brig_err_set(e, -EBUSY,
					    "cannot remove container %.12s: it is running "
					    "(stop it first, or use --force)",
					    id);
		int r = eng_kill(g, id, SIGKILL, e);
		if (r < 0 && r != -ESRCH)
			return r;
		_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
		if (dirfd < 0)
			return dirfd == -ENOENT ? 0 : dirfd; /* --rm got there first */
		if ((r = eng_monitor_wait(dirfd, NULL, e)) < 0)
			return r;
		if (faccessat(dirfd, ENG_RECORD, F_OK, 0) < 0)
			return 0;
	}
	return eng_destroy_ex(g, id, volumes, e);
}

struct rename_arg {
	const char *name;
	char old[ENG_NAME_MAX + 2];
};

static int set_name(struct eng_record *rec, void *arg, struct brig_err *e)
{
	struct rename_arg *a = arg;
	char *name = NULL;
	if (asprintf(&name, "/%s", a->name) < 0)
		return brig_err_oom(e);
	(void)brig_snprintf(a->old, sizeof(a->old), "%s", rec->name);
	free(rec->name);
	rec->name = name;
	return 0;
}

int eng_rename(struct eng *g, const char *id, const char *new_name, struct brig_err *e)
{
	_cleanup_close_ int lock = eng_names_lock(g, e);
	if (lock < 0)
		return lock;
	int r = eng_name_claim(g, new_name, id, e);
	if (r < 0)
		return r;
	struct rename_arg a = { .name = new_name };
	if ((r = eng_record_update(g, id, set_name, &a, e)) < 0) {
		eng_name_release(g, new_name, id);
		return r;
	}
	if (a.old[0] == '/')
		eng_name_release(g, a.old + 1, id);
	_cleanup_json_ json_t *attrs = json_pack("{s:s}", "oldName", a.old);
	(void)eng_event_emit(g, id, "rename", attrs);
	return 0;
}
