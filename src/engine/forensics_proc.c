/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig forensics: the container's processes, read from the host's /proc
 * while the container is frozen.  Each process is pinned with a pidfd,
 * its /proc/PID directory opened once, and the process checked to be
 * alive (so the directory is that process's) and in the container's pid
 * namespace (so the pid was not reused); every file is then opened
 * relative to that directory, and the process checked again at the end: a
 * process that ended meanwhile keeps what was read and is listed missing.
 * Nothing is run in the container and no link is followed: open files are
 * what readlink says.
 */
#include "engine/forensics-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

static const char *const PROC_FILES[] = { "cmdline", "comm",      "status",  "stat",
					  "environ", "uid_map",   "gid_map", "setgroups",
					  "cgroup",  "mountinfo", "limits",  "oom_score_adj" };
static const char *const NS_NAMES[] = { "user", "pid", "mnt", "net", "uts", "ipc", "cgroup" };

struct fx_proc {
	pid_t pid;
	int pidfd, pdir, dir;
	char rel[32]; /* "procs/PID" */
	json_t *sum; /* its entry in Processes */
	char *text; /* its block of processes.txt */
	size_t text_len;
};

static bool alive(int pidfd)
{
	return syscall(__NR_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

/* Pin and open the process: 0, or 1 when it is gone (listed missing). */
static int proc_open(struct fx *x, struct fx_proc *p)
{
	p->pidfd = (int)syscall(__NR_pidfd_open, p->pid, 0);
	if (p->pidfd < 0) {
		fx_missing(x, p->rel, "ended before it was read (%s)", strerror(errno));
		return 1;
	}
	char path[32];
	(void)snprintf(path, sizeof(path), "/proc/%d", (int)p->pid);
	p->pdir = BRIG_RETRY(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	struct stat ns;
	if (p->pdir < 0 || !alive(p->pidfd) || fstatat(p->pdir, "ns/pid", &ns, 0) < 0) {
		fx_missing(x, p->rel, "ended before it was read");
		return 1;
	}
	if (x->have_pidns && (ns.st_ino != x->pidns.st_ino || ns.st_dev != x->pidns.st_dev)) {
		fx_missing(x, p->rel, "pid %d is not in the container's pid namespace",
			   (int)p->pid);
		return 1;
	}
	return 0;
}

/* The value of "Key:\t..." in a status file (malloc'ed) or NULL. */
static char *status_field(const char *status, const char *key)
{
	size_t klen = strlen(key);
	for (const char *l = status; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, key, klen) != 0 || l[klen] != ':')
			continue;
		const char *v = l + klen + 1;
		v += strspn(v, " \t");
		char *s = strndup(v, strcspn(v, "\n"));
		for (char *t = s; t && *t; t++)
			if (*t == '\t')
				*t = ' ';
		return s;
	}
	return NULL;
}

/* A string for JSON: exact when UTF-8, else its escaped form. */
static json_t *jstr(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	if (j)
		return j;
	_cleanup_free_ char *safe = brig_term_escape(s, n);
	return safe ? json_string(safe) : NULL;
}

/* Append "label: TEXT\n" with TEXT escaped for a terminal. */
static int text_add(struct fx_proc *p, const char *label, const char *s, size_t n)
{
	_cleanup_free_ char *safe = brig_term_escape(s, n);
	if (!safe || brig_appendf(&p->text, &p->text_len, "  %s: %s\n", label, safe) < 0)
		return -ENOMEM;
	return 0;
}

/* The command line: Cmdline in the summary, a progress line, the text. */
static int put_cmdline(struct fx *x, struct fx_proc *p, char *buf, size_t len)
{
	json_t *args = json_array();
	if (!args || json_object_set_new(p->sum, "Cmdline", args) < 0)
		return -ENOMEM;
	for (size_t at = 0; at < len;) {
		size_t n = strnlen(buf + at, len - at);
		if (json_array_append_new(args, jstr(buf + at, n)) < 0)
			return -ENOMEM;
		at += n + 1;
	}
	for (size_t i = 0; len > 0 && i + 1 < len; i++)
		if (buf[i] == 0)
			buf[i] = ' ';
	size_t shown = len > 0 && buf[len - 1] == 0 ? len - 1 : len;
	fx_say(x, "process %d: %.*s", (int)p->pid, (int)(shown > 400 ? 400 : shown), buf);
	return text_add(p, "cmdline", buf, shown);
}

/* The real id of a status "Uid:"/"Gid:" value (host ids) as the container
 * sees it: null when outside its user namespace's range. */
static json_t *ctr_id(const struct eng_userns *u, const char *v, bool gid)
{
	char *end;
	errno = 0;
	unsigned long id = strtoul(v, &end, 10);
	if (errno || end == v || id > UINT32_MAX)
		return json_null();
	uint32_t cid;
	return eng_userns_from_host(u, (uint32_t)id, gid, &cid) ? json_integer((json_int_t)cid)
								: json_null();
}

static int put_ctr_ids(struct fx *x, struct fx_proc *p, const char *status)
{
	_cleanup_free_ char *uid = status_field(status, "Uid");
	_cleanup_free_ char *gid = status_field(status, "Gid");
	if (!uid || !gid)
		return 0;
	json_t *cu = ctr_id(&x->rec.userns, uid, false), *cg = ctr_id(&x->rec.userns, gid, true);
	if (json_object_set_new(p->sum, "ContainerUid", cu) < 0 ||
	    json_object_set_new(p->sum, "ContainerGid", cg) < 0)
		return -ENOMEM;
	char line[64];
	(void)snprintf(line, sizeof(line), "%lld:%lld",
		       json_is_null(cu) ? -1LL : (long long)json_integer_value(cu),
		       json_is_null(cg) ? -1LL : (long long)json_integer_value(cg));
	return text_add(p, "container uid:gid", line, strlen(line));
}

static int put_status(struct fx_proc *p, const char *status)
{
	static const char *const keys[] = { "Name",   "PPid",       "Uid",     "Gid",
					    "CapEff", "CapPrm",     "CapBnd",  "CapInh",
					    "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters",
					    "Groups" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(keys); i++) {
		_cleanup_free_ char *v = status_field(status, keys[i]);
		if (!v)
			continue;
		if (json_object_set_new(p->sum, keys[i], jstr(v, strlen(v))) < 0 ||
		    text_add(p, keys[i], v, strlen(v)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* One /proc file into procs/PID/; the summary takes what it needs. */
static int proc_file(struct fx *x, struct fx_proc *p, const char *name, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char path[96];
	(void)snprintf(path, sizeof(path), "%s/%s", p->rel, name);
	int r = fx_read_proc(p->pdir, name, &buf, &len);
	if (r < 0) {
		fx_missing(x, path, "%s", strerror(-r));
		return 0;
	}
	if ((r = fx_put(x, p->dir, p->rel, name, buf, len, e)) < 0)
		return r;
	if (strcmp(name, "cmdline") == 0)
		r = put_cmdline(x, p, buf, len);
	else if (strcmp(name, "status") == 0 && (r = put_status(p, buf)) == 0)
		r = put_ctr_ids(x, p, buf);
	else if (strcmp(name, "uid_map") == 0 || strcmp(name, "gid_map") == 0)
		r = text_add(p, name, buf, strcspn(buf, "\n"));
	return r < 0 ? brig_err_oom(e) : 0;
}

/* ns.txt: "NAME TARGET" for each namespace link (readlink, not opened). */
static int proc_ns(struct fx *x, struct fx_proc *p, struct brig_err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(NS_NAMES); i++) {
		char link[32], target[128];
		(void)snprintf(link, sizeof(link), "ns/%s", NS_NAMES[i]);
		ssize_t n = readlinkat(p->pdir, link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = 0;
		if (brig_appendf(&text, &len, "%s %s\n", NS_NAMES[i], n > 0 ? target : "?") < 0)
			return brig_err_oom(e);
	}
	return fx_put(x, p->dir, p->rel, "ns.txt", text, len, e);
}

/* One fd: {Fd, Target[, Socket]}, a line of fds.txt, a line of text. */
static int one_fd(struct fx_proc *p, int fddir, const char *name, const json_t *sockets, char **txt,
		  size_t *tlen)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(fddir, name, target, sizeof(target) - 1);
	if (n < 0)
		return 0; /* closed meanwhile */
	target[n] = 0;
	const char *sock = NULL;
	unsigned long ino;
	if (sscanf(target, "socket:[%lu]", &ino) == 1) {
		char key[32];
		(void)snprintf(key, sizeof(key), "%lu", ino);
		sock = json_string_value(json_object_get(sockets, key));
	}
	json_t *fd = json_pack("{s:i, s:o}", "Fd", atoi(name), "Target", jstr(target, (size_t)n));
	if (!fd || (sock && json_object_set_new(fd, "Socket", json_string(sock)) < 0) ||
	    json_array_append_new(json_object_get(p->sum, "Fds"), fd) < 0)
		return -ENOMEM;
	_cleanup_free_ char *safe = brig_term_escape(target, (size_t)n);
	_cleanup_free_ char *ssafe = sock ? brig_term_escape(sock, strlen(sock)) : NULL;
	if (!safe || (sock && !ssafe) ||
	    brig_appendf(txt, tlen, "%s\t%s%s%s\n", name, safe, sock ? "\t" : "",
			 sock ? ssafe : "") < 0 ||
	    brig_appendf(&p->text, &p->text_len, "  fd %s: %s%s%s\n", name, safe, sock ? " " : "",
			 sock ? ssafe : "") < 0)
		return -ENOMEM;
	return 0;
}

/* fds.txt: "FD<TAB>TARGET[<TAB>SOCKET]" (escaped), and Fds. */
static int proc_fds(struct fx *x, struct fx_proc *p, const json_t *sockets, struct brig_err *e)
{
	char path[96];
	(void)snprintf(path, sizeof(path), "%s/fds.txt", p->rel);
	if (json_object_set_new(p->sum, "Fds", json_array()) < 0)
		return brig_err_oom(e);
	int fd = BRIG_RETRY(openat(p->pdir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		fx_missing(x, path, "%s", strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return 0;
	}
	_cleanup_free_ char *txt = NULL;
	size_t tlen = 0;
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)))
		if (de->d_name[0] != '.')
			r = one_fd(p, dirfd(d), de->d_name, sockets, &txt, &tlen);
	(void)closedir(d);
	if (r < 0)
		return brig_err_oom(e);
	return fx_put(x, p->dir, p->rel, "fds.txt", txt ? txt : "", tlen, e);
}

/* A process in a network namespace of its own: its net files and sockets. */
static int proc_net(struct fx *x, struct fx_proc *p, json_t **sockets, struct brig_err *e)
{
	struct stat ns;
	if (fstatat(p->pdir, "ns/net", &ns, 0) < 0 ||
	    (ns.st_ino == x->netns.st_ino && ns.st_dev == x->netns.st_dev))
		return 0;
	char rel[64];
	(void)snprintf(rel, sizeof(rel), "%s/net", p->rel);
	_cleanup_close_ int dir = fx_mkdir(x, p->dir, "net", e);
	int r = dir < 0 ? dir : fx_net_files(x, p->pdir, dir, rel, e);
	if (r == 0 && !(*sockets = fx_net_sockets(p->pdir)))
		r = brig_err_oom(e);
	return r;
}

static int proc_collect(struct fx *x, struct fx_proc *p, const json_t *sockets, struct brig_err *e)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < BRIG_ARRAY_SIZE(PROC_FILES); i++)
		r = proc_file(x, p, PROC_FILES[i], e);
	_cleanup_json_ json_t *own = NULL;
	if (r == 0)
		r = proc_ns(x, p, e);
	if (r == 0)
		r = proc_net(x, p, &own, e);
	if (r == 0)
		r = proc_fds(x, p, own ? own : sockets, e);
	if (r == 0 && !alive(p->pidfd))
		fx_missing(x, p->rel, "ended during collection: what was read is kept");
	return r;
}

static int proc_one(struct fx *x, pid_t pid, int procs, const json_t *sockets, char **text,
		    size_t *tlen, struct brig_err *e)
{
	struct fx_proc p = { .pid = pid, .pidfd = -1, .pdir = -1, .dir = -1 };
	(void)snprintf(p.rel, sizeof(p.rel), "procs/%d", (int)pid);
	int r = proc_open(x, &p);
	char name[16];
	(void)snprintf(name, sizeof(name), "%d", (int)pid);
	if (r == 0 && (p.dir = r = fx_mkdir(x, procs, name, e)) >= 0) {
		r = (p.sum = json_pack("{s:i}", "Pid", (int)pid)) ? 0 : brig_err_oom(e);
		if (r == 0 && brig_appendf(&p.text, &p.text_len, "PID %d\n", (int)pid) < 0)
			r = brig_err_oom(e);
		if (r == 0)
			r = proc_collect(x, &p, sockets, e);
		if (r == 0 &&
		    (json_array_append(x->procs, p.sum) < 0 ||
		     brig_appendf(text, tlen, "%s\n", p.text) < 0))
			r = brig_err_oom(e);
	}
	json_decref(p.sum);
	free(p.text);
	brig_closep(&p.pidfd);
	brig_closep(&p.pdir);
	brig_closep(&p.dir);
	return r < 0 ? r : 0;
}

/* The init, checked to be the one the record names, gives the container's
 * pid and network namespaces: net/ and the socket table.  1: it is gone. */
static int init_open(struct fx *x, int *pidfd, int *pdir)
{
	_cleanup_record_ struct eng_record now;
	_cleanup_err_ struct brig_err e = { 0 };
	*pidfd = (int)syscall(__NR_pidfd_open, x->init, 0);
	char path[32];
	(void)snprintf(path, sizeof(path), "/proc/%d", (int)x->init);
	*pdir = *pidfd < 0 ? -1 : BRIG_RETRY(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (*pdir < 0 || !alive(*pidfd) || eng_record_current(x->g, x->rec.id, &now, &e) < 0 ||
	    now.state.status != ENG_ST_RUNNING || now.state.pid != x->init ||
	    fstatat(*pdir, "ns/pid", &x->pidns, 0) < 0 ||
	    fstatat(*pdir, "ns/net", &x->netns, 0) < 0)
		return 1;
	x->have_pidns = true;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* For tests only: BRIG_TEST_FORENSICS_KILL_AFTER=N kills the container
 * once N processes were read, so that a container ending in the middle of
 * a collection can be shown deterministically. */
static void test_kill_after(struct fx *x, size_t done)
{
	const char *v = getenv("BRIG_TEST_FORENSICS_KILL_AFTER");
	if (!v || strtoul(v, NULL, 10) != done)
		return;
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_kill(x->g, x->rec.id, SIGKILL, &e) == 0)
		(void)eng_wait(x->g, x->rec.id, &e);
	fx_say(x, "test: killed %.12s after %zu process(es)", x->rec.id, done);
}

static int each_process(struct fx *x, const json_t *sockets, char **text, size_t *tlen,
			struct brig_err *e)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	_cleanup_err_ struct brig_err pe = { 0 };
	if (rt_ps(&x->g->rt, x->rec.id, &pids, &n, &pe) < 0) {
		fx_missing(x, "procs", "the process list: %s", brig_err_str(&pe));
		return 0;
	}
	qsort(pids, n, sizeof(*pids), cmp_pid);
	_cleanup_close_ int procs = fx_mkdir(x, x->out, "procs", e);
	int r = procs < 0 ? procs : 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = proc_one(x, pids[i], procs, sockets, text, tlen, e);
		test_kill_after(x, i + 1);
	}
	return r;
}

int fx_processes(struct fx *x, struct brig_err *e)
{
	_cleanup_close_ int pidfd = -1, pdir = -1;
	if (x->init <= 0 || init_open(x, &pidfd, &pdir) != 0) {
		fx_missing(x, "procs", "the container is not running");
		fx_missing(x, "net", "the container is not running");
		return 0;
	}
	_cleanup_close_ int net = fx_mkdir(x, x->out, "net", e);
	int r = net < 0 ? net : fx_net_files(x, pdir, net, "net", e);
	_cleanup_json_ json_t *sockets = r == 0 ? fx_net_sockets(pdir) : NULL;
	if (r == 0 && !sockets)
		r = brig_err_oom(e);
	_cleanup_free_ char *text = NULL;
	size_t tlen = 0;
	if (r == 0)
		r = each_process(x, sockets, &text, &tlen, e);
	if (r == 0)
		r = fx_put_json(x, x->out, "", "processes.json", x->procs, e);
	if (r == 0)
		r = fx_put(x, x->out, "", "processes.txt", text ? text : "", tlen, e);
	return r;
}
