/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine handle and container records.
 *
 * A record (ROOT/containers/<id>/container.json) has Docker's inspect shape
 * (Id, Created, Path, Args, State, Image, Name, RestartCount, Driver,
 * Config, HostConfig, GraphDriver) plus "Brig": what the engine needs to run
 * it again (the OCI config, the layers).  It is replaced atomically and
 * durably, under the container's lock.  Whether the container runs is not
 * trusted from the record alone: a running container has a monitor that
 * holds monitor.lock, so a monitor killed with SIGKILL never leaves a
 * container that claims to run.  The record lock ("lock", flock) is held
 * by `start` from its check until the monitor reports the container
 * running, so two starts never race.
 */
#include "engine/record-internal.h"
#include "engine/config/engine-config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int open_dir(int dirfd, const char *name, struct brig_err *e)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating %s", name);
	int fd = BRIG_RETRY(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", name);
	return fd;
}

/* The runtime's state for this store lives in /run (one boot), under a name
 * derived from the store root so that two roots never share it. */
static int runtime_root(struct eng *g, struct brig_err *e)
{
	char hex[BRIG_SHA256_HEX];
	if (brig_sha256_buf(g->root, strlen(g->root), hex) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	hex[16] = '\0';
	const char *base = geteuid() == 0 ? "/run/brig" : getenv("XDG_RUNTIME_DIR");
	if (!base)
		return brig_err_set(e, -ENOENT, "no runtime directory: set XDG_RUNTIME_DIR");
	if (asprintf(&g->rt_root, geteuid() == 0 ? "%s/%s" : "%s/brig/%s", base, hex) < 0) {
		g->rt_root = NULL;
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	g->rt.root = g->rt_root;
	if (asprintf(&g->mnt_root, geteuid() == 0 ? "%s/mnt/%s" : "%s/brig/mnt/%s", base, hex) <
	    0) {
		g->mnt_root = NULL;
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	/* One filter cache for every store: it is keyed by content. */
	g->rt.seccomp_cache = geteuid() == 0 ? "/run/brig/.seccomp-cache" : NULL;
	return 0; /* made by the runtime when a container starts */
}

int eng_open(const char *root, const char *driver, struct eng **out, struct brig_err *e)
{
	if (driver && strcmp(driver, "overlay") != 0 && strcmp(driver, "copy") != 0)
		return brig_err_set(e, -EINVAL, "unknown storage driver \"%s\" (overlay or copy)",
				    driver);
	struct eng *g = calloc(1, sizeof(*g));
	if (!g)
		return brig_err_set(e, -ENOMEM, "out of memory");
	g->rootfd = g->ctrsfd = g->namesfd = -1;
	int r;
	char abs[PATH_MAX];
	if ((r = brig_mkdir_p(AT_FDCWD, root, 0700, e)) < 0)
		goto fail;
	if (!realpath(root, abs)) {
		r = brig_err_sys(e, errno, "store root %s", root);
		goto fail;
	}
	if (!(g->root = strdup(abs)) || (driver && !(g->driver = strdup(driver)))) {
		r = brig_err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	g->rootfd = BRIG_RETRY(open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (g->rootfd < 0) {
		r = brig_err_sys(e, errno, "opening %s", abs);
		goto fail;
	}
	if ((g->ctrsfd = r = open_dir(g->rootfd, "containers", e)) < 0 ||
	    (g->namesfd = r = open_dir(g->rootfd, "names", e)) < 0 ||
	    (r = runtime_root(g, e)) < 0 || (r = eng_config_load(NULL, false, &g->cfg, e)) < 0)
		goto fail;
	*out = g;
	return 0;
fail:
	eng_close(g);
	return r;
}

void eng_close(struct eng *g)
{
	if (!g)
		return;
	int fds[] = { g->rootfd, g->ctrsfd, g->namesfd };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			(void)close(fds[i]);
	img_store_close(g->store);
	eng_config_free(g->cfg);
	free(g->root);
	free(g->driver);
	free(g->rt_root);
	free(g->mnt_root);
	free(g);
}

const char *eng_root(const struct eng *g)
{
	return g->root;
}

int eng_use_config(struct eng *g, const char *path, struct brig_err *e)
{
	struct eng_config *c = NULL;
	int r = eng_config_load(path, true, &c, e);
	if (r < 0)
		return r;
	eng_config_free(g->cfg);
	g->cfg = c;
	return 0;
}

int eng_store(struct eng *g, struct img_store **out, struct brig_err *e)
{
	if (!g->store) {
		int r = eng_store_open(g->root, &g->store, e);
		if (r < 0)
			return r;
	}
	*out = g->store;
	return 0;
}

static bool id_valid(const char *id)
{
	if (strlen(id) != ENG_ID_LEN)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int eng_ctr_open(struct eng *g, const char *id, struct brig_err *e)
{
	if (!id_valid(id))
		return brig_err_set(e, -EINVAL, "invalid container id \"%s\"", id);
	int fd = BRIG_RETRY(openat(g->ctrsfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return errno == ENOENT ? brig_err_set(e, -ENOENT, "no such container: %s", id)
				       : brig_err_sys(e, errno, "opening container %s", id);
	return fd;
}

int eng_ctr_dirfd(struct eng *g, const char *id, struct brig_err *e)
{
	return eng_ctr_open(g, id, e);
}

void eng_now(char buf[64])
{
	struct timespec ts;
	struct tm tm;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

/*
 * monitor.lock carries an OFD write lock for as long as a monitor looks
 * after the container.  OFD locks can be tested without being taken
 * (F_OFD_GETLK), so a `brig ps` never makes a starting monitor fail.
 */
static int ofd_lock(int fd, short type, int cmd)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };
	return BRIG_RETRY(fcntl(fd, cmd, &fl)) < 0 ? -errno : 0;
}

int eng_monitor_lock(int dirfd, struct brig_err *e)
{
	int fd = BRIG_RETRY(
		openat(dirfd, ENG_MONITOR_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", ENG_MONITOR_LOCK);
	int r = ofd_lock(fd, F_WRLCK, F_OFD_SETLKW);
	if (r < 0) {
		(void)close(fd);
		return brig_err_sys(e, -r, "locking %s", ENG_MONITOR_LOCK);
	}
	return fd;
}

int eng_monitor_alive(int dirfd)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dirfd, ENG_MONITOR_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return 0;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (BRIG_RETRY(fcntl(fd, F_OFD_GETLK, &fl)) < 0)
		return 0;
	return fl.l_type != F_UNLCK;
}

int eng_monitor_wait(int dirfd, struct brig_err *e)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dirfd, ENG_MONITOR_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "opening %s", ENG_MONITOR_LOCK);
	int r = ofd_lock(fd, F_RDLCK, F_OFD_SETLKW);
	return r < 0 ? brig_err_sys(e, -r, "waiting on %s", ENG_MONITOR_LOCK) : 0;
}

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
		if (!id_valid(de->d_name) || strncmp(de->d_name, what, len) != 0)
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
	if (id_valid(what) && faccessat(g->ctrsfd, what, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
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
	if (r == 0)
		eng_state_refresh(rec, dirfd);
	return r;
}

int eng_inspect(struct eng *g, const char *id, json_t **out, struct brig_err *e)
{
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_current(g, id, &rec, e);
	if (r < 0 || (r = eng_record_json(&rec, e)) < 0)
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
		if (id_valid(de->d_name))
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

bool eng_running(struct eng *g, const char *id)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, &e);
	return dirfd >= 0 && eng_monitor_alive(dirfd) == 1;
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
