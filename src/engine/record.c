/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container records: ROOT/containers/<id>/container.json, read into
 * struct eng_record once (every field the engine acts on checked, errors
 * naming the file and the field), written back from it atomically and
 * durably under the container's lock.  See record-internal.h for the parts
 * that stay JSON and why.
 *
 * A record has Docker's inspect shape (Id, Created, Path, Args, State,
 * Image, Name, RestartCount, Driver, Config, HostConfig, GraphDriver,
 * Mounts) plus "Brig": what the engine needs to run it again (the OCI
 * config, the layers, the pinned binds, the user namespace).  The record
 * lock ("lock", flock) is held by `start` from its check until the monitor
 * reports the container running, so two starts never race.  Whether the
 * container runs is decided by the monitor lock (monitor_lock.c), not by
 * the record alone.
 */
#include "engine/record-internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const status_names[] = {
	[ENG_ST_CREATED] = "created",
	[ENG_ST_RUNNING] = "running",
	[ENG_ST_RESTARTING] = "restarting",
	[ENG_ST_EXITED] = "exited",
};

const char *eng_status_name(enum eng_status s)
{
	return (size_t)s < BRIG_ARRAY_SIZE(status_names) ? status_names[s] : "exited";
}

/* Docker's shape writes null for an optional member that is unset: an
 * optional member that is null reads as absent. */
static bool is_null(const json_t *obj, const char *key)
{
	return json_is_object(obj) && json_is_null(json_object_get(obj, key));
}

static int opt_bool(const json_t *obj, const struct bj_loc *at, const char *key, bool *out,
		    struct brig_err *e)
{
	return is_null(obj, key) ? 1 : bj_get_bool(obj, at, key, false, out, e);
}

static int opt_int(const json_t *obj, const struct bj_loc *at, const char *key, int64_t min,
		   int64_t max, int64_t *out, struct brig_err *e)
{
	return is_null(obj, key) ? 1 : bj_get_int(obj, at, key, false, min, max, out, e);
}

static int opt_str(const json_t *obj, const struct bj_loc *at, const char *key, const char **out,
		   struct brig_err *e)
{
	return is_null(obj, key) ? 1 : bj_get_str(obj, at, key, false, out, e);
}

static int opt_strv(const json_t *obj, const struct bj_loc *at, const char *key, char ***out,
		    struct brig_err *e)
{
	return is_null(obj, key) ? 1 : bj_get_strv(obj, at, key, false, 4096, out, e);
}

static int opt_arr(const json_t *obj, const struct bj_loc *at, const char *key, json_t **out,
		   struct brig_err *e)
{
	return is_null(obj, key) ? 1 : bj_get_arr(obj, at, key, false, out, e);
}

/* A string member copied into *out (left NULL when absent and optional). */
static int get_dup(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
		   char **out, struct brig_err *e)
{
	const char *s = NULL;
	int r = !required && is_null(obj, key) ? 1 : bj_get_str(obj, at, key, required, &s, e);
	if (r != 0)
		return r;
	if (!(*out = strdup(s)))
		return brig_err_oom(e);
	return 0;
}

/* An optional object member; an empty object when absent, so the members
 * beneath it read as absent too. */
static int get_obj_opt(const json_t *obj, const struct bj_loc *at, const char *key, json_t **out,
		       struct bj_loc *sub, struct brig_err *e)
{
	static json_t *empty;
	if (!empty && !(empty = json_object()))
		return brig_err_oom(e);
	*out = empty;
	bj_key(sub, at, key);
	int r = is_null(obj, key) ? 1 : bj_get_obj(obj, at, key, false, out, e);
	return r < 0 ? r : 0;
}

static int parse_top(const json_t *doc, const struct bj_loc *root, struct eng_record *rec,
		     struct brig_err *e)
{
	const char *id = NULL;
	int r = bj_get_str(doc, root, "Id", true, &id, e);
	if (r < 0)
		return r;
	if (!eng_id_valid(id)) {
		struct bj_loc at;
		bj_key(&at, root, "Id");
		return bj_fail(e, &at, "not a container id (64 hex digits)");
	}
	memcpy(rec->id, id, ENG_ID_LEN + 1);
	if ((r = get_dup(doc, root, "Name", true, &rec->name, e)) < 0 ||
	    (r = get_dup(doc, root, "Image", true, &rec->image, e)) < 0 ||
	    (r = get_dup(doc, root, "Created", true, &rec->created, e)) < 0 ||
	    (r = get_dup(doc, root, "Driver", false, &rec->driver, e)) < 0 ||
	    (r = opt_int(doc, root, "RestartCount", 0, INT64_MAX, &rec->restart_count, e)) < 0)
		return r;
	if (!rec->driver && !(rec->driver = strdup("overlay")))
		return brig_err_oom(e);
	return 0;
}

static int parse_status(const json_t *st, const struct bj_loc *at, enum eng_status *out,
			struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(st, at, "Status", true, &s, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(status_names); i++)
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum eng_status)i;
			return 0;
		}
	struct bj_loc sub;
	bj_key(&sub, at, "Status");
	return bj_fail(e, &sub, "\"%s\" is no container status", s);
}

static int parse_state(const json_t *doc, const struct bj_loc *root, struct eng_rec_state *st,
		       struct brig_err *e)
{
	struct bj_loc at;
	bj_key(&at, root, "State");
	json_t *o = NULL;
	int64_t pid = 0, code = 0;
	int r = bj_get_obj(doc, root, "State", true, &o, e);
	if (r < 0 || (r = parse_status(o, &at, &st->status, e)) < 0 ||
	    (r = opt_int(o, &at, "Pid", 0, INT32_MAX, &pid, e)) < 0 ||
	    (r = opt_int(o, &at, "ExitCode", INT32_MIN, INT32_MAX, &code, e)) < 0 ||
	    (r = opt_bool(o, &at, "OOMKilled", &st->oom_killed, e)) < 0 ||
	    (r = get_dup(o, &at, "Error", false, &st->error, e)) < 0 ||
	    (r = get_dup(o, &at, "StartedAt", false, &st->started_at, e)) < 0 ||
	    (r = get_dup(o, &at, "FinishedAt", false, &st->finished_at, e)) < 0)
		return r;
	st->pid = (pid_t)pid;
	st->exit_code = (int)code;
	return 0;
}

static int parse_config(const json_t *doc, const struct bj_loc *root, struct eng_record *rec,
			struct brig_err *e)
{
	struct bj_loc at;
	json_t *o;
	int64_t timeout = -1;
	int r = get_obj_opt(doc, root, "Config", &o, &at, e);
	if (r < 0 || (r = opt_bool(o, &at, "Tty", &rec->tty, e)) < 0 ||
	    (r = opt_bool(o, &at, "OpenStdin", &rec->open_stdin, e)) < 0 ||
	    (r = get_dup(o, &at, "StopSignal", false, &rec->stop_signal, e)) < 0 ||
	    (r = get_dup(o, &at, "Image", false, &rec->image_ref, e)) < 0 ||
	    (r = opt_int(o, &at, "StopTimeout", -1, INT32_MAX, &timeout, e)) < 0)
		return r;
	/* Docker's -1: wait for the end without SIGKILL; absent: the default */
	rec->stop_timeout = r == 0 && timeout == -1 ? ENG_STOP_FOREVER : (int)timeout;
	return 0;
}

static int parse_restart(const json_t *hc, const struct bj_loc *host, struct eng_record *rec,
			 struct brig_err *e)
{
	struct bj_loc at;
	json_t *p;
	const char *name = "no";
	int64_t max = 0, ignored;
	int r = get_obj_opt(hc, host, "RestartPolicy", &p, &at, e);
	if (r < 0 || (r = opt_str(p, &at, "Name", &name, e)) < 0 ||
	    (r = opt_int(p, &at, "MaximumRetryCount", 0, 1000000, &max, e)) < 0)
		return r;
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (strchr(name, ':') || eng_restart_parse(name, &rec->restart, &ignored, &e2) < 0) {
		struct bj_loc sub;
		bj_key(&sub, &at, "Name");
		return bj_fail(e, &sub, "\"%s\" is no restart policy", name);
	}
	rec->restart_max = rec->restart == ENG_RESTART_ON_FAILURE ? max : 0;
	return 0;
}

static int parse_host(const json_t *doc, const struct bj_loc *root, struct eng_record *rec,
		      struct brig_err *e)
{
	struct bj_loc host, log, cfg;
	json_t *hc, *lc, *c;
	int r = get_obj_opt(doc, root, "HostConfig", &hc, &host, e);
	if (r < 0 || (r = opt_bool(hc, &host, "AutoRemove", &rec->auto_remove, e)) < 0 ||
	    (r = parse_restart(hc, &host, rec, e)) < 0 ||
	    (r = opt_strv(hc, &host, "GroupAdd", &rec->group_add, e)) < 0 ||
	    (r = get_obj_opt(hc, &host, "LogConfig", &lc, &log, e)) < 0 ||
	    (r = get_obj_opt(lc, &log, "Config", &c, &cfg, e)) < 0 ||
	    (r = opt_int(c, &cfg, "max-size", 0, INT64_MAX, &rec->log_max_size, e)) < 0 ||
	    (r = opt_int(c, &cfg, "max-file", 0, INT32_MAX, &rec->log_max_files, e)) < 0)
		return r;
	return 0;
}

int eng_rec_mounts_parse(const json_t *arr, const struct bj_loc *at, struct eng_rec_mount **out,
			 size_t *n, struct brig_err *e)
{
	struct bj_loc el;
	const json_t *m;
	size_t i;
	*out = NULL;
	*n = 0;
	int r = bj_expect(arr, at, JSON_ARRAY, e);
	if (r < 0)
		return r;
	if (json_array_size(arr) && !(*out = calloc(json_array_size(arr), sizeof(**out))))
		return brig_err_oom(e);
	json_array_foreach(arr, i, m)
	{
		struct eng_rec_mount *dst = &(*out)[(*n)++];
		bj_idx(&el, at, i);
		if ((r = get_dup(m, &el, "Type", true, &dst->type, e)) < 0 ||
		    (r = get_dup(m, &el, "Name", false, &dst->name, e)) < 0)
			return r; /* the caller frees what was made */
	}
	return 0;
}

void eng_rec_mounts_free(struct eng_rec_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].type);
		free(m[i].name);
	}
	free(m);
}

static int parse_mounts(const json_t *doc, const struct bj_loc *root, struct eng_record *rec,
			struct brig_err *e)
{
	struct bj_loc at;
	json_t *arr = NULL;
	bj_key(&at, root, "Mounts");
	int r = opt_arr(doc, root, "Mounts", &arr, e);
	if (r != 0)
		return r < 0 ? r : 0;
	return eng_rec_mounts_parse(arr, &at, &rec->mounts, &rec->n_mounts, e);
}

/* Brig.Layers: [{digest, diffId: "sha256:<64 hex>"}], base first. */
static int check_layers(const json_t *layers, const struct bj_loc *at, struct brig_err *e)
{
	struct bj_loc el;
	size_t i;
	const json_t *l;
	json_array_foreach(layers, i, l)
	{
		const char *digest, *diff;
		bj_idx(&el, at, i);
		int r = bj_get_str(l, &el, "digest", true, &digest, e);
		if (r < 0 || (r = bj_get_str(l, &el, "diffId", true, &diff, e)) < 0)
			return r;
		if (strncmp(diff, "sha256:", 7) != 0 || !eng_id_valid(diff + 7))
			return bj_fail(e, &el, "diffId: \"%s\" is no sha256 digest", diff);
	}
	return 0;
}

static int parse_userns(const json_t *brig, const struct bj_loc *at, struct eng_userns *u,
			struct brig_err *e)
{
	struct bj_loc sub;
	json_t *j;
	const char *mode = "host";
	int64_t uid = 0, gid = 0, size = 0, slot = -1, ruid = -1, rgid = -1;
	*u = (struct eng_userns){ .slot = -1 };
	int r = get_obj_opt(brig, at, "Userns", &j, &sub, e);
	if (r < 0 || (r = opt_str(j, &sub, "Mode", &mode, e)) < 0)
		return r;
	bool keep_id = strcmp(mode, "keep-id") == 0;
	if (strcmp(mode, "auto") != 0 && !keep_id)
		return strcmp(mode, "host") == 0 ? 0 : bj_fail(e, &sub, "Mode: \"%s\"?", mode);
	if ((r = bj_get_int(j, &sub, "HostUid", true, 0, UINT32_MAX, &uid, e)) < 0 ||
	    (r = bj_get_int(j, &sub, "HostGid", true, 0, UINT32_MAX, &gid, e)) < 0 ||
	    (r = bj_get_int(j, &sub, "Size", true, 1, UINT32_MAX, &size, e)) < 0 ||
	    (r = bj_get_int(j, &sub, "Slot", true, -1, INT32_MAX, &slot, e)) < 0 ||
	    (r = bj_get_int(j, &sub, "RootHostUid", false, -1, UINT32_MAX, &ruid, e)) < 0 ||
	    (r = bj_get_int(j, &sub, "RootHostGid", false, -1, UINT32_MAX, &rgid, e)) < 0)
		return r;
	if (keep_id && (ruid < 0 || rgid < 0))
		return bj_fail(e, &sub, "Mode \"keep-id\" without RootHostUid and RootHostGid");
	*u = (struct eng_userns){ .enabled = true,
				  .uid = (uint32_t)uid,
				  .gid = (uint32_t)gid,
				  .size = (uint32_t)size,
				  .slot = (long)slot,
				  .own_root = ruid >= 0 && rgid >= 0,
				  .keep_id = keep_id,
				  .root_uid = (uint32_t)ruid,
				  .root_gid = (uint32_t)rgid };
	return 0;
}

static int parse_brig(const json_t *doc, const struct bj_loc *root, struct eng_record *rec,
		      struct brig_err *e)
{
	struct bj_loc at, sub;
	json_t *brig = NULL;
	bj_key(&at, root, "Brig");
	bj_key(&sub, &at, "Layers");
	int r = bj_get_obj(doc, root, "Brig", true, &brig, e);
	if (r < 0 || (r = bj_get_obj(brig, &at, "Spec", true, &rec->spec, e)) < 0 ||
	    (r = bj_get_arr(brig, &at, "Layers", true, &rec->layers, e)) < 0 ||
	    (r = check_layers(rec->layers, &sub, e)) < 0 ||
	    (r = opt_arr(brig, &at, "Binds", &rec->binds, e)) < 0 ||
	    (r = parse_userns(brig, &at, &rec->userns, e)) < 0)
		return r;
	return 0;
}

int eng_record_parse(json_t *doc, const char *file, struct eng_record *rec, struct brig_err *e)
{
	*rec = (struct eng_record){ .stop_timeout = -1, .userns = { .slot = -1 } };
	struct bj_loc root;
	bj_root(&root, file);
	int r = bj_expect(doc, &root, JSON_OBJECT, e);
	if (r < 0 || (r = parse_top(doc, &root, rec, e)) < 0 ||
	    (r = parse_state(doc, &root, &rec->state, e)) < 0 ||
	    (r = parse_config(doc, &root, rec, e)) < 0 ||
	    (r = parse_host(doc, &root, rec, e)) < 0 ||
	    (r = parse_mounts(doc, &root, rec, e)) < 0 ||
	    (r = parse_brig(doc, &root, rec, e)) < 0) {
		eng_record_clear(rec);
		return r;
	}
	rec->doc = json_incref(doc);
	return 0;
}

int eng_record_load(int dirfd, const char *id, struct eng_record *rec, struct brig_err *e)
{
	*rec = (struct eng_record){ .stop_timeout = -1, .userns = { .slot = -1 } };
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = brig_read_file(dirfd, ENG_RECORD, ENG_RECORD_MAX, &buf, &len, e);
	if (r == 0 && !(doc = eng_record_memo_take(buf, len)))
		r = bj_parse(buf, len, ENG_RECORD, &doc, e);
	if (r == 0)
		r = eng_record_parse(doc, ENG_RECORD, rec, e);
	return r < 0 ? brig_err_wrap(e, "container %.12s", id) : 0;
}

void eng_record_clear(struct eng_record *rec)
{
	char **strs[] = { &rec->name,
			  &rec->image,
			  &rec->image_ref,
			  &rec->created,
			  &rec->driver,
			  &rec->stop_signal,
			  &rec->state.error,
			  &rec->state.started_at,
			  &rec->state.finished_at };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(strs); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	eng_rec_mounts_free(rec->mounts, rec->n_mounts);
	brig_strv_free(rec->group_add);
	json_decref(rec->doc);
	*rec = (struct eng_record){ .stop_timeout = -1, .userns = { .slot = -1 } };
}

/* State, as Docker shows it, from st (members not known here are kept). */
static int put_state(json_t *o, const struct eng_rec_state *st)
{
	bool running = st->status == ENG_ST_RUNNING, restarting = st->status == ENG_ST_RESTARTING;
	bool paused = running && st->paused;
	if (json_object_set_new(o, "Status",
				json_string(paused ? "paused" : eng_status_name(st->status))) < 0 ||
	    json_object_set_new(o, "Paused", json_boolean(paused)) < 0 ||
	    json_object_set_new(o, "Running", json_boolean(running || restarting)) < 0 ||
	    json_object_set_new(o, "Restarting", json_boolean(restarting)) < 0 ||
	    json_object_set_new(o, "Pid", json_integer(running ? st->pid : 0)) < 0 ||
	    json_object_set_new(o, "ExitCode", json_integer(st->exit_code)) < 0 ||
	    json_object_set_new(o, "Error", json_string(st->error ? st->error : "")) < 0 ||
	    json_object_set_new(o, "OOMKilled", json_boolean(st->oom_killed)) < 0)
		return -ENOMEM;
	if ((st->started_at &&
	     json_object_set_new(o, "StartedAt", json_string(st->started_at)) < 0) ||
	    (st->finished_at &&
	     json_object_set_new(o, "FinishedAt", json_string(st->finished_at)) < 0))
		return -ENOMEM;
	return 0;
}

int eng_record_json(struct eng_record *rec, struct brig_err *e)
{
	json_t *st = json_object_get(rec->doc, "State");
	if (!json_is_object(st) || put_state(st, &rec->state) < 0 ||
	    json_object_set_new(rec->doc, "Name", json_string(rec->name)) < 0 ||
	    json_object_set_new(rec->doc, "RestartCount",
				json_integer((json_int_t)rec->restart_count)) < 0)
		return brig_err_oom(e);
	return 0;
}

int eng_record_write(int dirfd, struct eng_record *rec, struct brig_err *e)
{
	int r = eng_record_json(rec, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *text = json_dumps(rec->doc, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!text)
		return brig_err_oom(e);
	/* Atomic always; durable unless the container is --rm (lifecycle.c's
	 * publish says why). */
	size_t len = strlen(text);
	r = brig_atomic_replace(dirfd, ENG_RECORD, text, len, 0600, !rec->auto_remove, e);
	if (r == 0)
		eng_record_memo_put(brig_steal_ptr(text), len, rec->doc);
	return r;
}

int eng_record_update(struct eng *g, const char *id,
		      int (*fn)(struct eng_record *rec, void *arg, struct brig_err *e), void *arg,
		      struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	_cleanup_close_ int lock = brig_lock_path(dirfd, ENG_LOCK, BRIG_LOCK_EXCLUSIVE, true, e);
	if (lock < 0)
		return lock;
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_load(dirfd, id, &rec, e);
	if (r < 0 || (r = fn(&rec, arg, e)) < 0)
		return r;
	return eng_record_write(dirfd, &rec, e);
}

static int replace(char **dst, const char *s, struct brig_err *e)
{
	char *c = strdup(s);
	if (!c)
		return brig_err_oom(e);
	free(*dst);
	*dst = c;
	return 0;
}

int eng_record_set_state(struct eng_record *rec, enum eng_status status, pid_t pid, int exit_code,
			 const char *error, struct brig_err *e)
{
	char now[64];
	eng_now(now);
	struct eng_rec_state *st = &rec->state;
	int r = replace(&st->error, error ? error : "", e);
	if (r == 0)
		r = replace(status == ENG_ST_RUNNING ? &st->started_at : &st->finished_at, now, e);
	if (r < 0)
		return r;
	st->status = status;
	st->pid = status == ENG_ST_RUNNING ? pid : 0;
	st->exit_code = exit_code;
	return 0;
}

int eng_record_set_spec(struct eng_record *rec, json_t *spec, struct brig_err *e)
{
	json_t *brig = json_object_get(rec->doc, "Brig");
	if (!json_is_object(spec) || !json_is_object(brig))
		return brig_err_set(e, -EINVAL, "the record has no Brig.Spec to replace");
	if (json_object_set(brig, "Spec", spec) < 0)
		return brig_err_oom(e);
	rec->spec = spec; /* borrowed from doc, as before */
	return 0;
}

int eng_record_set_host_config(struct eng_record *rec, const json_t *members, struct brig_err *e)
{
	json_t *hc = json_object_get(rec->doc, "HostConfig");
	if (!json_is_object(hc))
		return brig_err_set(e, -EINVAL, "the record has no HostConfig");
	return json_object_update(hc, (json_t *)members) < 0 ? brig_err_oom(e) : 0;
}

int eng_record_set_restart(struct eng_record *rec, enum eng_restart policy, int64_t max,
			   struct brig_err *e)
{
	static const char *const names[] = {
		[ENG_RESTART_NO] = "no",
		[ENG_RESTART_ON_FAILURE] = "on-failure",
		[ENG_RESTART_ALWAYS] = "always",
		[ENG_RESTART_UNLESS_STOPPED] = "unless-stopped",
	};
	json_t *hc = json_object_get(rec->doc, "HostConfig");
	max = policy == ENG_RESTART_ON_FAILURE ? max : 0;
	if (!json_is_object(hc))
		return brig_err_set(e, -EINVAL, "the record has no HostConfig");
	if (json_object_set_new(hc, "RestartPolicy",
				json_pack("{s:s,s:I}", "Name", names[policy], "MaximumRetryCount",
					  (json_int_t)max)) < 0)
		return brig_err_oom(e);
	rec->restart = policy;
	rec->restart_max = max;
	return 0;
}
