/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine events: the writer (eng_event_emit), the filters and the reader
 * that `brig events` uses, and the container statistics of `brig stats`.
 * See events.h and docs/monitor.md.
 */
#include "engine/events.h"
#include "engine/record-internal.h"
#include "engine/logs/logs.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* writer                                                               */
/* ------------------------------------------------------------------ */

/* An attribute value as Docker keeps it: a string. */
static json_t *attr_string(const json_t *v)
{
	char buf[32];
	if (json_is_string(v))
		return json_string(json_string_value(v));
	if (json_is_integer(v)) {
		(void)snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return json_string(buf);
	}
	if (json_is_boolean(v))
		return json_string(json_is_true(v) ? "true" : "false");
	return NULL;
}

json_t *eng_event_build(int64_t time_ns, const char *id, const char *action, const json_t *attrs)
{
	char when[ENG_LOG_TIME_LEN];
	eng_logs_format_time(time_ns, when);
	json_t *a = json_object();
	const char *k;
	json_t *v;
	size_t n = 0;
	json_object_foreach((json_t *)attrs, k, v)
	{
		json_t *s = attr_string(v);
		if (!a || !s || n++ >= ENG_EVENT_ATTRS_MAX) {
			json_decref(s);
			continue;
		}
		(void)json_object_set_new(a, k, s);
	}
	if (!a)
		return NULL;
	return json_pack("{s:s,s:I,s:s,s:s,s:{s:s,s:o}}", "time", when, "timeNano",
			 (json_int_t)time_ns, "Type", "container", "Action", action, "Actor", "ID",
			 id, "Attributes", a);
}

/* Rename a full events.log to events.log.1 (replacing the older one). */
static int rotate_if_full(struct eng *g, int fd, size_t add, int *out_fd, struct brig_err *e)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(e, errno, "%s/%s", g->root, ENG_EVENTS_LOG);
	if ((uint64_t)st.st_size + add <= ENG_EVENTS_MAX_SIZE)
		return 0;
	if (renameat(g->rootfd, ENG_EVENTS_LOG, g->rootfd, ENG_EVENTS_LOG_OLD) < 0)
		return brig_err_sys(e, errno, "rotating %s/%s", g->root, ENG_EVENTS_LOG);
	int nfd = BRIG_RETRY(openat(g->rootfd, ENG_EVENTS_LOG,
				    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (nfd < 0)
		return brig_err_sys(e, errno, "creating %s/%s", g->root, ENG_EVENTS_LOG);
	*out_fd = nfd;
	return 0;
}

static int append_line(struct eng *g, const char *line, size_t len, struct brig_err *e)
{
	_cleanup_close_ int lock = brig_lock_path(g->rootfd, ENG_EVENTS_LOCK, BRIG_LOCK_EXCLUSIVE,
						  true, e);
	if (lock < 0)
		return lock;
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(g->rootfd, ENG_EVENTS_LOG,
		       O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s/%s", g->root, ENG_EVENTS_LOG);
	int nfd = -1;
	int r = rotate_if_full(g, fd, len, &nfd, e);
	if (r < 0)
		return r;
	if (nfd >= 0) {
		(void)close(fd);
		fd = nfd;
	}
	ssize_t n = BRIG_RETRY(write(fd, line, len));
	if (n < 0)
		return brig_err_sys(e, errno, "writing %s/%s", g->root, ENG_EVENTS_LOG);
	if ((size_t)n != len)
		return brig_err_set(e, -EIO, "writing %s/%s: short write", g->root, ENG_EVENTS_LOG);
	return 0;
}

int eng_event_emit_as(struct eng *g, const char *id, const char *name, const char *image,
		      const char *action, const json_t *attrs)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *all = json_object();
	if (all && name)
		(void)json_object_set_new(all, "name",
					  json_string(name[0] == '/' ? name + 1 : name));
	if (all && image)
		(void)json_object_set_new(all, "image", json_string(image));
	if (all && json_is_object(attrs))
		(void)json_object_update(all, (json_t *)attrs);
	_cleanup_json_ json_t *ev = all ? eng_event_build(now_ns(), id, action, all) : NULL;
	_cleanup_free_ char *text = ev ? json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int r;
	if (!text) {
		r = brig_err_set(&e, -ENOMEM, "out of memory");
	} else if (strlen(text) >= ENG_EVENT_LINE_MAX) {
		r = brig_err_set(&e, -E2BIG, "the event is longer than %d bytes",
				 ENG_EVENT_LINE_MAX);
	} else {
		size_t len = strlen(text);
		text[len] = '\n'; /* json_dumps left room: the NUL becomes the newline */
		r = append_line(g, text, len + 1, &e);
		text[len] = '\0';
	}
	if (r < 0)
		brig_warn("container %.12s: event \"%s\": %s", id, action, brig_err_str(&e));
	return r;
}

int eng_event_emit(struct eng *g, const char *id, const char *action, const json_t *attrs)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_record_ struct eng_record rec = { 0 };
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, &e);
	if (dirfd >= 0 && eng_record_load(dirfd, id, &rec, &e) < 0)
		brig_debug("event %s: %s", action, brig_err_str(&e));
	return eng_event_emit_as(g, id, rec.name, rec.image_ref, action, attrs);
}

/* ------------------------------------------------------------------ */
/* filters                                                              */
/* ------------------------------------------------------------------ */

static int strv_push(const char ***v, const char *s, struct brig_err *e)
{
	size_t n = 0;
	while (*v && (*v)[n])
		n++;
	if (n >= 64)
		return brig_err_set(e, -E2BIG, "--filter: too many values");
	const char **nv = realloc(*v, (n + 2) * sizeof(*nv));
	if (!nv)
		return brig_err_set(e, -ENOMEM, "out of memory");
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int eng_events_filter_add(struct eng_events_filter *f, const char *spec, struct brig_err *e)
{
	const char *eq = strchr(spec, '=');
	if (!eq || !eq[1])
		return brig_err_set(e, -EINVAL, "--filter \"%s\": use KEY=VALUE", spec);
	size_t k = (size_t)(eq - spec);
	if (k == 9 && strncmp(spec, "container", 9) == 0)
		return strv_push(&f->containers, eq + 1, e);
	if (k == 5 && strncmp(spec, "event", 5) == 0)
		return strv_push(&f->actions, eq + 1, e);
	if (k == 4 && strncmp(spec, "type", 4) == 0)
		return strv_push(&f->types, eq + 1, e);
	return brig_err_set(e, -EINVAL,
			    "--filter \"%s\": unknown key (container=, event= and "
			    "type= are known)",
			    spec);
}

void eng_events_filter_clear(struct eng_events_filter *f)
{
	free(f->containers);
	free(f->actions);
	free(f->types);
	f->containers = f->actions = f->types = NULL;
}

static bool any_equal(const char **v, const char *s)
{
	for (size_t i = 0; v[i]; i++)
		if (s && strcmp(v[i], s) == 0)
			return true;
	return false;
}

static bool container_match(const char **v, const char *id, const char *name)
{
	for (size_t i = 0; v[i]; i++) {
		const char *want = v[i][0] == '/' ? v[i] + 1 : v[i];
		if (id && want[0] && strncmp(id, want, strlen(want)) == 0)
			return true;
		if (name && strcmp(name, want) == 0)
			return true;
	}
	return false;
}

/* event=health_status matches "health_status: healthy" (Docker's rule:
 * the action, or its part before ':'). */
static bool action_match(const char **want, const char *action)
{
	const char *colon = action ? strchr(action, ':') : NULL;
	if (any_equal(want, action))
		return true;
	for (const char **w = want; colon && *w; w++)
		if (strlen(*w) == (size_t)(colon - action) && !strncmp(*w, action, strlen(*w)))
			return true;
	return false;
}

bool eng_events_match(const struct eng_events_filter *f, const json_t *ev)
{
	json_t *t = json_object_get(ev, "timeNano");
	int64_t ns = json_is_integer(t) ? (int64_t)json_integer_value(t) : 0;
	if ((f->since_ns && ns < f->since_ns) || (f->until_ns && ns > f->until_ns))
		return false;
	const json_t *actor = json_object_get(ev, "Actor");
	const char *id = json_string_value(json_object_get(actor, "ID"));
	const char *name = json_string_value(
		json_object_get(json_object_get(actor, "Attributes"), "name"));
	if (f->containers && !container_match(f->containers, id, name))
		return false;
	if (f->actions &&
	    !action_match(f->actions, json_string_value(json_object_get(ev, "Action"))))
		return false;
	return !f->types || any_equal(f->types, json_string_value(json_object_get(ev, "Type")));
}

/* ------------------------------------------------------------------ */
/* reader                                                               */
/* ------------------------------------------------------------------ */

struct ev_reader {
	struct eng *g;
	const struct eng_events_filter *f;
	int (*fn)(const json_t *ev, void *arg);
	void *arg;
	char *buf; /* ENG_EVENT_LINE_MAX bytes: an unfinished line */
	size_t len;
	bool skipping; /* inside an over-long line: drop until its newline */
	unsigned bad; /* malformed lines skipped */
};

/* One complete line: parse, check its shape, filter, hand over. */
static int ev_line(struct ev_reader *rd, const char *line, size_t n)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *ev = NULL;
	if (n == 0)
		return 0;
	if (bj_parse(line, n, ENG_EVENTS_LOG, &ev, &e) < 0 || !json_is_object(ev) ||
	    !json_is_integer(json_object_get(ev, "timeNano")) ||
	    !json_is_string(json_object_get(ev, "Action")) ||
	    !json_is_object(json_object_get(ev, "Actor"))) {
		if (rd->bad++ < 10)
			brig_warn("%s/%s: skipping a malformed event", eng_root(rd->g),
				  ENG_EVENTS_LOG);
		return 0;
	}
	return eng_events_match(rd->f, ev) ? rd->fn(ev, rd->arg) : 0;
}

/* Feed bytes read from the file: complete lines are handled, the rest
 * waits in rd->buf. */
static int ev_feed(struct ev_reader *rd, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		if (rd->skipping || rd->len + take >= ENG_EVENT_LINE_MAX) {
			rd->skipping = !nl;
			rd->len = 0;
		} else {
			memcpy(rd->buf + rd->len, p, take);
			rd->len += take;
			if (nl) {
				int r = ev_line(rd, rd->buf, rd->len);
				rd->len = 0;
				if (r != 0)
					return r;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
		n -= take + 1;
	}
	return 0;
}

/* Read fd from its offset to the end. */
static int ev_pump(struct ev_reader *rd, int fd, struct brig_err *e)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = BRIG_RETRY(read(fd, chunk, sizeof(chunk)));
		if (n < 0)
			return brig_err_sys(e, errno, "reading %s/%s", eng_root(rd->g),
					    ENG_EVENTS_LOG);
		if (n == 0)
			return 0;
		int r = ev_feed(rd, chunk, (size_t)n);
		if (r != 0)
			return r;
	}
}

static int ev_open(struct ev_reader *rd, const char *name, struct brig_err *e)
{
	int fd = BRIG_RETRY(openat(rd->g->rootfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0 && errno != ENOENT)
		return brig_err_sys(e, errno, "opening %s/%s", eng_root(rd->g), name);
	return fd < 0 ? -ENOENT : fd;
}

/* Has events.log been replaced since fd was opened? */
static bool ev_rotated(struct ev_reader *rd, int fd)
{
	struct stat a, b;
	if (fstat(fd, &a) < 0)
		return false;
	if (fstatat(rd->g->rootfd, ENG_EVENTS_LOG, &b, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static int ev_wait(struct ev_reader *rd, int ifd, struct brig_err *e)
{
	int timeout = 500;
	if (rd->f->until_ns) {
		int64_t left = (rd->f->until_ns - now_ns()) / 1000000 + 1;
		if (left <= 0)
			return 1;
		if (left < timeout)
			timeout = (int)left;
	}
	struct pollfd p = { .fd = ifd, .events = POLLIN };
	int n = poll(&p, 1, timeout);
	if (n < 0 && errno != EINTR)
		return brig_err_sys(e, errno, "poll");
	char drain[4096];
	if (n > 0 && read(ifd, drain, sizeof(drain)) < 0 && errno != EAGAIN)
		return brig_err_sys(e, errno, "reading inotify events");
	return 0;
}

/* After the kept events: wait for more until until_ns or fn says stop. */
static int ev_follow(struct ev_reader *rd, int *fd, struct brig_err *e)
{
	_cleanup_close_ int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd < 0)
		return brig_err_sys(e, errno, "inotify_init1");
	if (inotify_add_watch(ifd, eng_root(rd->g), IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
		return brig_err_sys(e, errno, "watching %s", eng_root(rd->g));
	for (;;) {
		int r = *fd >= 0 ? ev_pump(rd, *fd, e) : 0;
		if (r != 0)
			return r;
		if (*fd < 0 || ev_rotated(rd, *fd)) {
			int nfd = ev_open(rd, ENG_EVENTS_LOG, e);
			if (nfd < 0 && nfd != -ENOENT)
				return nfd;
			if (nfd >= 0) {
				if (*fd >= 0 && (r = ev_pump(rd, *fd, e)) != 0) {
					(void)close(nfd);
					return r;
				}
				if (*fd >= 0)
					(void)close(*fd);
				*fd = nfd;
				rd->len = 0;
				continue;
			}
		}
		if ((r = ev_wait(rd, ifd, e)) != 0)
			return r < 0 ? r : 0;
	}
}

int eng_events_read(struct eng *g, const struct eng_events_filter *f, bool follow,
		    int (*fn)(const json_t *ev, void *arg), void *arg, struct brig_err *e)
{
	_cleanup_free_ char *buf = malloc(ENG_EVENT_LINE_MAX);
	if (!buf)
		return brig_err_set(e, -ENOMEM, "out of memory");
	struct ev_reader rd = { .g = g, .f = f, .fn = fn, .arg = arg, .buf = buf };
	_cleanup_close_ int old = ev_open(&rd, ENG_EVENTS_LOG_OLD, e);
	_cleanup_close_ int cur = ev_open(&rd, ENG_EVENTS_LOG, e);
	if ((old < 0 && old != -ENOENT) || (cur < 0 && cur != -ENOENT))
		return old < 0 && old != -ENOENT ? old : cur;
	int r = old >= 0 ? ev_pump(&rd, old, e) : 0;
	rd.len = 0;
	rd.skipping = false;
	if (r != 0)
		return r;
	if (!follow)
		return cur >= 0 ? ev_pump(&rd, cur, e) : 0;
	return ev_follow(&rd, &cur, e);
}

/* ------------------------------------------------------------------ */
/* statistics                                                           */
/* ------------------------------------------------------------------ */

int eng_stats(struct eng *g, const char *id, json_t **out, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	if (!eng_running(g, id))
		return brig_err_set(e, -ENOENT, "container %.12s is not running", id);
	int r = rt_events_stats(&g->rt, id, out, e);
	if (r < 0)
		return brig_err_wrap(e, "statistics of container %.12s", id);
	return 0;
}
