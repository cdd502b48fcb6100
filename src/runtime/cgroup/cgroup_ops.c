/* SPDX-License-Identifier: Apache-2.0 */
/* Operations on a live container cgroup: freezer, process list, signals. */
#include "runtime/cgroup/cgroup-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FREEZE_TRIES 2000 /* with rt_cg_backoff: about 30 s */
#define PIDS_MAX (1u << 22)
#define SIGNAL_BATCH 256 /* pidfds open at once */

/* The hierarchy that freezes: v1 freezer, else the unified one. */
static struct rt_cg_hier *freezer_hier(struct rt_cgroup *cg)
{
	struct rt_cg_hier *h = rt_cg_v1_find(cg, RT_CG_FREEZER);
	return h ? h : rt_cg_unified(cg);
}

static int v1_state(const struct rt_cg_dir *d, char *out, size_t size, struct brig_err *e)
{
	_cleanup_free_ char *s = NULL;
	int r = rt_cg_read(d, "freezer.state", &s, e);
	if (r < 0)
		return r;
	s[strcspn(s, "\n")] = '\0';
	(void)snprintf(out, size, "%s", s);
	return 0;
}

static int v2_frozen(const struct rt_cg_dir *d, bool *frozen, struct brig_err *e)
{
	uint64_t v = 0;
	int r = rt_cg_read_keyed(d, "cgroup.events", "frozen", &v, e);
	if (r < 0)
		return r;
	if (r > 0)
		return brig_err_set(e, -ENOTSUP,
				    "%s/cgroup.events has no 'frozen' "
				    "(kernel without the cgroup v2 freezer)",
				    d->path);
	*frozen = v == 1;
	return 0;
}

static int freeze_v1(const struct rt_cg_dir *d, bool frozen, struct brig_err *e)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	for (unsigned i = 0; i < FREEZE_TRIES; i++) {
		/* Writing again kicks tasks that were stuck in FREEZING. */
		int r = rt_cg_write(d, "freezer.state", want, e);
		char state[32];
		if (r >= 0)
			r = v1_state(d, state, sizeof(state), e);
		if (r < 0)
			return r;
		if (strcmp(state, want) == 0)
			return 0;
		rt_cg_backoff(i);
	}
	if (frozen) {
		_cleanup_err_ struct brig_err ignored = { 0 };
		(void)rt_cg_write(d, "freezer.state", "THAWED", &ignored);
	}
	return brig_err_set(e, -ETIMEDOUT, "cgroup %s did not become %s", d->path, want);
}

static int freeze_v2(const struct rt_cg_dir *d, bool frozen, struct brig_err *e)
{
	int r = rt_cg_write(d, "cgroup.freeze", frozen ? "1" : "0", e);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < FREEZE_TRIES; i++) {
		bool now = !frozen;
		if ((r = v2_frozen(d, &now, e)) < 0)
			return r;
		if (now == frozen)
			return 0;
		rt_cg_backoff(i);
	}
	if (frozen) {
		_cleanup_err_ struct brig_err ignored = { 0 };
		(void)rt_cg_write(d, "cgroup.freeze", "0", &ignored);
	}
	return brig_err_set(e, -ETIMEDOUT, "cgroup %s did not become %s", d->path,
			    frozen ? "frozen" : "thawed");
}

int rt_cgroup_freeze(struct rt_cgroup *cg, bool frozen, struct brig_err *e)
{
	struct rt_cg_hier *h = freezer_hier(cg);
	if (!h)
		return brig_err_set(e, -ENOTSUP, "no cgroup freezer on this host");
	struct rt_cg_dir d;
	int r = rt_cg_dir_open(&d, h->dir, e);
	if (r < 0)
		return r;
	r = h->v2 ? freeze_v2(&d, frozen, e) : freeze_v1(&d, frozen, e);
	rt_cg_dir_close(&d);
	return r;
}

int rt_cgroup_is_frozen(struct rt_cgroup *cg, bool *frozen, struct brig_err *e)
{
	struct rt_cg_hier *h = freezer_hier(cg);
	if (!h)
		return brig_err_set(e, -ENOTSUP, "no cgroup freezer on this host");
	struct rt_cg_dir d;
	int r = rt_cg_dir_open(&d, h->dir, e);
	if (r < 0)
		return r;
	if (h->v2) {
		r = v2_frozen(&d, frozen, e);
	} else {
		char state[32];
		r = v1_state(&d, state, sizeof(state), e);
		if (r >= 0)
			*frozen = strcmp(state, "FROZEN") == 0;
	}
	rt_cg_dir_close(&d);
	return r;
}

struct pidv {
	pid_t *v;
	size_t n, cap;
};

static int pidv_add(struct pidv *p, pid_t pid)
{
	if (p->n == p->cap) {
		if (p->cap >= PIDS_MAX)
			return -E2BIG;
		size_t ncap = p->cap ? p->cap * 2 : 32;
		pid_t *nv = realloc(p->v, ncap * sizeof(pid_t));
		if (!nv)
			return -ENOMEM;
		p->v = nv;
		p->cap = ncap;
	}
	p->v[p->n++] = pid;
	return 0;
}

static int read_procs(int dfd, const char *path, struct pidv *p, struct brig_err *e)
{
	struct rt_cg_dir d = { .fd = dfd, .path = path };
	_cleanup_free_ char *s = NULL;
	int r = rt_cg_read(&d, "cgroup.procs", &s, e);
	if (r < 0)
		return r;
	char *save = NULL;
	for (char *t = strtok_r(s, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		int64_t v;
		if (brig_parse_i64(t, &v) < 0 || v <= 0 || v > INT32_MAX)
			return brig_err_set(e, -EINVAL, "%s/cgroup.procs: bad pid '%.20s'", path,
					    t);
		if ((r = pidv_add(p, (pid_t)v)) < 0)
			return brig_err_set(e, r, "%s: too many processes", path);
	}
	return 0;
}

static int walk_pids(int dfd, const char *path, unsigned depth, struct pidv *p, struct brig_err *e)
{
	if (depth > 64)
		return brig_err_set(e, -ELOOP, "cgroup %s: nested too deep", path);
	int r = read_procs(dfd, path, p, e);
	if (r < 0)
		return r;
	int fd = BRIG_RETRY(openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening cgroup %s", path);
	DIR *dir = fdopendir(fd);
	if (!dir) {
		(void)close(fd);
		return brig_err_sys(e, errno, "reading cgroup %s", path);
	}
	struct dirent *de;
	while (r >= 0 && (de = readdir(dir))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_close_ int sfd = BRIG_RETRY(
			openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		_cleanup_free_ char *sub = NULL;
		if (sfd < 0) {
			if (errno != ENOENT) /* a sub-cgroup just removed is fine */
				r = brig_err_sys(e, errno, "opening cgroup %s/%s", path,
						 de->d_name);
		} else if (asprintf(&sub, "%s/%s", path, de->d_name) < 0) {
			sub = NULL;
			r = brig_err_set(e, -ENOMEM, "out of memory");
		} else {
			r = walk_pids(sfd, sub, depth + 1, p, e);
		}
	}
	closedir(dir);
	return r;
}

/* Where to list processes: unified on v2, else a v1 hierarchy. */
static struct rt_cg_hier *procs_hier(struct rt_cgroup *cg)
{
	static const enum rt_cg_ctl pref[] = { RT_CG_PIDS, RT_CG_MEMORY, RT_CG_FREEZER, RT_CG_CPU,
					       RT_CG_DEVICES };
	if (cg->layout == RT_CGROUP_V2)
		return rt_cg_unified(cg);
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(pref); i++) {
		struct rt_cg_hier *h = rt_cg_v1_find(cg, pref[i]);
		if (h)
			return h;
	}
	return cg->n ? &cg->h[0] : NULL;
}

int rt_cgroup_pids(struct rt_cgroup *cg, pid_t **pids, size_t *n, struct brig_err *e)
{
	struct rt_cg_hier *h = procs_hier(cg);
	if (!h)
		return brig_err_set(e, -ENOENT, "container has no cgroup");
	struct rt_cg_dir d;
	int r = rt_cg_dir_open(&d, h->dir, e);
	if (r < 0)
		return r;
	struct pidv p = { 0 };
	r = walk_pids(d.fd, h->dir, 0, &p, e);
	rt_cg_dir_close(&d);
	if (r < 0) {
		free(p.v);
		return r;
	}
	*pids = p.v;
	*n = p.n;
	return 0;
}

static bool listed(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* Signal pids[0..n) through pidfds, each only if it is in the cgroup still.
 * The pidfds are taken first and the cgroup listed again after: a process
 * alive at that second listing holds its pid, so if the pid is listed it is
 * that process, in the cgroup; a process gone since fails with ESRCH.  A pid
 * freed and reused between the first listing and the pidfd names a process
 * outside the cgroup (not listed again, not signalled) or one the container
 * made (in the cgroup, signalled, rightly). */
static int signal_batch(struct rt_cgroup *cg, const pid_t *pids, size_t n, int sig,
			struct brig_err *e)
{
	int fds[SIGNAL_BATCH];
	for (size_t i = 0; i < n; i++) {
		fds[i] = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (fds[i] < 0 && errno != ESRCH && errno != ENOSYS) {
			int err = errno;
			for (size_t j = 0; j < i; j++)
				if (fds[j] >= 0)
					(void)close(fds[j]);
			return brig_err_sys(e, err, "pidfd_open %d", (int)pids[i]);
		}
		if (fds[i] < 0 && errno == ENOSYS)
			fds[i] = -ENOSYS; /* old kernel: plain kill(2) below */
	}
	_cleanup_free_ pid_t *again = NULL;
	size_t m = 0;
	int r = rt_cgroup_pids(cg, &again, &m, e);
	for (size_t i = 0; i < n; i++) {
		if (r >= 0 && fds[i] != -1 && listed(again, m, pids[i])) {
			int k = fds[i] >= 0
				? (int)syscall(SYS_pidfd_send_signal, fds[i], sig, NULL, 0)
				: kill(pids[i], sig);
			if (k < 0 && errno != ESRCH)
				r = brig_err_sys(e, errno, "sending signal %d to %d", sig,
						 (int)pids[i]);
		}
		if (fds[i] >= 0)
			(void)close(fds[i]);
	}
	return r;
}

static int signal_all(struct rt_cgroup *cg, int sig, struct brig_err *e)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = rt_cgroup_pids(cg, &pids, &n, e);
	for (size_t i = 0; r >= 0 && i < n; i += SIGNAL_BATCH)
		r = signal_batch(cg, pids + i, n - i < SIGNAL_BATCH ? n - i : SIGNAL_BATCH, sig, e);
	return r;
}

int rt_cgroup_kill(struct rt_cgroup *cg, int sig, struct brig_err *e)
{
	if (sig < 0 || sig >= NSIG)
		return brig_err_set(e, -EINVAL, "bad signal %d", sig);
	struct rt_cg_hier *u = rt_cg_unified(cg);
	if (sig == SIGKILL && u) {
		struct rt_cg_dir d;
		int r = rt_cg_dir_open(&d, u->dir, e);
		if (r < 0)
			return r;
		bool have = rt_cg_has(&d, "cgroup.kill");
		r = have ? rt_cg_write(&d, "cgroup.kill", "1", e) : 0;
		rt_cg_dir_close(&d);
		/* On hybrid hosts also sweep the v1 view below. */
		if (r < 0 || (have && cg->layout == RT_CGROUP_V2))
			return r;
	}
	if (sig != SIGKILL || !freezer_hier(cg))
		return signal_all(cg, sig, e);
	/* An empty cgroup (the container has exited: delete after run) stays
	 * empty: nobody inside is left to fork, and nothing outside joins a
	 * stopped container.  No freeze and thaw (each waits for the freezer
	 * to settle) for nothing to kill. */
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = rt_cgroup_pids(cg, &pids, &n, e);
	if (r < 0 || n == 0)
		return r;
	/* Freeze so that nothing forks while we kill, then thaw: the frozen
	 * tasks die as they thaw. */
	r = rt_cgroup_freeze(cg, true, e);
	if (r >= 0)
		r = signal_all(cg, sig, e);
	_cleanup_err_ struct brig_err e2 = { 0 };
	int r2 = rt_cgroup_freeze(cg, false, r < 0 ? &e2 : e);
	return r < 0 ? r : r2;
}
