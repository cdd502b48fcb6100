/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding and listing containers: an id, a unique id prefix or a name to
 * an id; every record, its state brought up to date from the monitor lock
 * (a monitor that died leaves a container shown as exited), oldest first;
 * the document `brig inspect`, `brig ps` and --format print.
 */
#include "engine/record-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void eng_state_refresh(struct eng_record *rec, int dirfd)
{
	struct eng_rec_state *st = &rec->state;
	if (st->status != ENG_ST_RUNNING && st->status != ENG_ST_RESTARTING)
		return;
	if (eng_monitor_alive(dirfd))
		return;
	/* The monitor is gone without writing the exit down. */
	char *msg = strdup("the container's monitor exited without recording its end");
	if (!msg)
		return;
	free(st->error);
	*st = (struct eng_rec_state){ .status = ENG_ST_EXITED,
				      .exit_code = 255,
				      .oom_killed = st->oom_killed,
				      .error = msg,
				      .started_at = st->started_at,
				      .finished_at = st->finished_at };
}

/* ROOT/containers, read from its start (a DIR of its own). */
static DIR *open_containers(struct eng *g, struct brig_err *e)
{
	int fd = fcntl(g->ctrsfd, F_DUPFD_CLOEXEC, 3);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		brig_err_sys(e, errno, "reading %s/containers", g->root);
		if (fd >= 0)
			(void)close(fd);
		return NULL;
	}
	rewinddir(d);
	return d;
}

static int find_prefix(struct eng *g, const char *what, char id[ENG_ID_LEN + 1], struct brig_err *e)
{
	size_t len = strlen(what);
	for (const char *p = what; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -ENOENT;
	DIR *d = open_containers(g, e);
	if (!d)
		return e->code;
	int found = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!eng_id_valid(de->d_name) || strncmp(de->d_name, what, len) != 0)
			continue;
		if (found++ == 0)
			memcpy(id, de->d_name, ENG_ID_LEN + 1);
	}
	(void)closedir(d);
	if (found > 1)
		return brig_err_set(e, -ENOTUNIQ, "container id prefix \"%s\" is ambiguous", what);
	return found ? 0 : -ENOENT;
}

int eng_find(struct eng *g, const char *what, char id[ENG_ID_LEN + 1], struct brig_err *e)
{
	if (!what[0])
		return brig_err_set(e, -EINVAL, "empty container name");
	if (eng_id_valid(what) && faccessat(g->ctrsfd, what, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		memcpy(id, what, ENG_ID_LEN + 1);
		return 0;
	}
	const char *name = what[0] == '/' ? what + 1 : what;
	if (eng_name_valid(name) && eng_name_lookup(g, name, id) == 0)
		return 0;
	int r = find_prefix(g, what, id, e);
	if (r == -ENOENT)
		return brig_err_set(e, -ENOENT, "no such container: %s", what);
	return r;
}

int eng_record_current(struct eng *g, const char *id, struct eng_record *rec, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	int r = eng_record_load(dirfd, id, rec, e);
	if (r < 0)
		return r;
	/* Never "exited" while processes of it live: end an orphan first. */
	_cleanup_err_ struct brig_err e2 = { 0 };
	int o = eng_orphan_reap(g, id, dirfd, false, &e2);
	if (o < 0) {
		brig_warn("%s", brig_err_str(&e2));
		return 0; /* the record's own state: it may run */
	}
	if (o == ENG_ORPHAN_MONITORED) {
		rec->state.paused = rec->state.status == ENG_ST_RUNNING && eng_paused(g, id) == 1;
		return 0; /* not refreshed: the monitor may die meanwhile, its init not */
	}
	if (o == ENG_ORPHAN_ENDED) {
		eng_record_clear(rec);
		if ((r = eng_record_load(dirfd, id, rec, e)) < 0)
			return r;
	}
	eng_state_refresh(rec, dirfd);
	return 0;
}

/* A string of the OCI config, "" when unset. */
static json_t *spec_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return json_string(s ? s : "");
}

/* Docker's keys that no record field holds: the LSM labels the runtime
 * applies (Brig.Spec's; "" when none, as Docker's on a host without that
 * LSM: brig sets an AppArmor profile or SELinux label only when asked) and
 * ExecIDs (null, Docker's value for none: brig keeps no exec instances). */
static int add_docker_keys(json_t *doc, struct brig_err *e)
{
	const json_t *spec = json_object_get(json_object_get(doc, "Brig"), "Spec");
	const json_t *proc = json_object_get(spec, "process");
	if (json_object_set_new(doc, "AppArmorProfile", spec_str(proc, "apparmorProfile")) < 0 ||
	    json_object_set_new(doc, "ProcessLabel", spec_str(proc, "selinuxLabel")) < 0 ||
	    json_object_set_new(doc, "MountLabel",
				spec_str(json_object_get(spec, "linux"), "mountLabel")) < 0 ||
	    json_object_set_new(doc, "ExecIDs", json_null()) < 0)
		return brig_err_oom(e);
	return 0;
}

int eng_inspect(struct eng *g, const char *id, json_t **out, struct brig_err *e)
{
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_current(g, id, &rec, e);
	if (r < 0 || (r = eng_record_json(&rec, e)) < 0 || (r = add_docker_keys(rec.doc, e)) < 0)
		return r;
	*out = json_incref(rec.doc);
	return 0;
}

void eng_records_clear(struct eng_records *all)
{
	for (size_t i = 0; i < all->n; i++)
		eng_record_clear(&all->v[i]);
	free(all->v);
	*all = (struct eng_records){ 0 };
}

/* One more record in all (a half-made or half-removed directory is skipped
 * with a debug message). */
static int read_one(struct eng *g, const char *id, struct eng_records *all, struct brig_err *e)
{
	struct eng_record *v = reallocarray(all->v, all->n + 1, sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	all->v = v;
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (eng_record_current(g, id, &v[all->n], &e2) < 0)
		brig_debug("skipping %s: %s", id, brig_err_str(&e2));
	else
		all->n++;
	return 0;
}

static int cmp_created(const void *a, const void *b)
{
	const struct eng_record *x = a, *y = b;
	return strcmp(x->created, y->created);
}

int eng_records_all(struct eng *g, struct eng_records *all, struct brig_err *e)
{
	*all = (struct eng_records){ 0 };
	DIR *d = open_containers(g, e);
	if (!d)
		return e->code;
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)))
		if (eng_id_valid(de->d_name))
			r = read_one(g, de->d_name, all, e);
	(void)closedir(d);
	if (r < 0) {
		eng_records_clear(all);
		return r;
	}
	if (all->n)
		qsort(all->v, all->n, sizeof(*all->v), cmp_created);
	return 0;
}

int eng_list(struct eng *g, json_t **out, struct brig_err *e)
{
	_cleanup_(eng_records_clear) struct eng_records all = { 0 };
	int r = eng_records_all(g, &all, e);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *arr = json_array();
	if (!arr)
		return brig_err_oom(e);
	for (size_t i = 0; i < all.n; i++)
		if ((r = eng_record_json(&all.v[i], e)) < 0 ||
		    json_array_append(arr, all.v[i].doc) < 0)
			return r < 0 ? r : brig_err_oom(e);
	*out = brig_steal_ptr(arr);
	return 0;
}

int eng_image_in_use(struct eng *g, const char *image_id, char id[ENG_ID_LEN + 1],
		     struct brig_err *e)
{
	_cleanup_(eng_records_clear) struct eng_records all = { 0 };
	int r = eng_records_all(g, &all, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < all.n; i++)
		if (strcmp(all.v[i].image, image_id) == 0) {
			memcpy(id, all.v[i].id, ENG_ID_LEN + 1);
			return 1;
		}
	return 0;
}
