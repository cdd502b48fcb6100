/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `--security-opt seccomp=learn:FILE[,merge]` (docs/seccomp-learn.md).
 *
 * At create, the container gets the learning filter: brig's profile (or the
 * engine config's) with every allowed call made SCMP_ACT_NOTIFY, listenerPath
 * ROOT/containers/ID/learn.sock, and the annotations below.  At each start,
 * before the runtime makes the init, a learner process (forked twice, in its
 * own session, holding nothing of ours but its three fds) listens there; the
 * runtime hands it the listener; it records every call and writes FILE when
 * the last process under the filter is gone.
 */
#include "engine/engine-internal.h"
#include "engine/learn-internal.h"
#include "engine/config/engine-config.h"
#include "engine/seccomp/profile.h"
#include "runtime/runtime.h"
#include "runtime/seccomp/runtime-seccomp.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEARN_ANN "run.brig.seccomp-learn"
#define LEARN_ANN_MERGE "run.brig.seccomp-learn.merge"
#define LEARN_SOCK "learn.sock"
#define LEARN_PREFIX "learn:"

bool eng_seccomp_is_learn(const char *opt)
{
	return opt && strncmp(opt, LEARN_PREFIX, strlen(LEARN_PREFIX)) == 0;
}

/* "learn:FILE[,merge]" -> FILE (absolute, from our cwd) and merge. */
static int parse_opt(const char *opt, char *file, size_t size, bool *merge, struct brig_err *e)
{
	const char *p = opt + strlen(LEARN_PREFIX);
	size_t n = strlen(p);
	*merge = n > 6 && strcmp(p + n - 6, ",merge") == 0;
	if (*merge)
		n -= 6;
	if (n == 0 || memchr(p, ',', n))
		return brig_err_set(e, -EINVAL, "seccomp=learn:FILE[,merge]: \"%.200s\"", p);
	char cwd[PATH_MAX];
	if (p[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return brig_err_sys(e, errno, "seccomp=learn: the current directory");
	int r = p[0] == '/' ? brig_snprintf(file, size, "%.*s", (int)n, p)
			    : brig_snprintf(file, size, "%s/%.*s", cwd, (int)n, p);
	return r < 0 ? brig_err_set(e, -ENAMETOOLONG, "seccomp=learn: path too long") : 0;
}

/* A call waiting for the learner fails with EINTR when a signal comes
 * (even dup2 or kill, which otherwise never do: ash ends its script);
 * where the kernel can (Linux 5.19), signals wait once the learner has the
 * call, which leaves only the moment before it takes it. */
static int wait_killable(json_t *sc, struct brig_err *e)
{
	static const char flag[] = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";
	if (!rt_seccomp_flag_supported(flag))
		return 0;
	json_t *flags = json_object_get(sc, "flags");
	if (!flags) {
		if (json_object_set_new(sc, "flags", flags = json_array()) < 0)
			return brig_err_oom(e);
	} else if (!json_is_array(flags)) {
		return brig_err_set(e, -EINVAL,
				    "seccomp=learn: the profile's flags are not a list");
	}
	for (size_t i = 0; i < json_array_size(flags); i++)
		if (strcmp(json_string_value(json_array_get(flags, i)) ?: "", flag) == 0)
			return 0;
	return json_array_append_new(flags, json_string(flag)) < 0 ? brig_err_oom(e) : 0;
}

int eng_seccomp_learn_spec(struct eng *g, json_t *spec, const char *opt, const char *ctrdir,
			   json_t **info, struct brig_err *e)
{
	char file[PATH_MAX], sock[PATH_MAX];
	bool merge;
	int r = parse_opt(opt, file, sizeof(file), &merge, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir = strdup(file);
	if (!dir)
		return brig_err_oom(e);
	if (access(dirname(dir), W_OK) < 0)
		return brig_err_sys(e, errno, "seccomp=learn: %s", dir);
	if (brig_snprintf(sock, sizeof(sock), "%s/" LEARN_SOCK, ctrdir) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "container directory path too long");
	if ((r = eng_seccomp_apply(spec, g->cfg->seccomp_profile, info, e)) < 0)
		return r;
	json_t *sc = json_object_get(json_object_get(spec, "linux"), "seccomp");
	json_t *ann = json_object_get(spec, "annotations");
	if (!sc || !json_is_object(ann))
		return brig_err_set(e, -EINVAL,
				    "seccomp=learn: the container has no seccomp filter");
	if ((r = eng_seccomp_learning_filter(sc, sock, e)) < 0 || (r = wait_killable(sc, e)) < 0)
		return r;
	if (json_object_set_new(ann, LEARN_ANN, json_string(file)) < 0 ||
	    json_object_set_new(ann, LEARN_ANN_MERGE, json_string(merge ? "true" : "false")) < 0 ||
	    json_object_set_new(*info, "Learn", json_string(file)) < 0)
		return brig_err_oom(e);
	return 0;
}

/* FILE from the record, merged with what FILE holds when asked. */
static int write_profile(const char *file, bool merge, const json_t *rec, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_json_ json_t *old = NULL, *out = NULL;
	int r = merge ? brig_read_file(AT_FDCWD, file, ENG_SECCOMP_MAX_FILE, &buf, &len, e)
		      : -ENOENT;
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0) {
		_cleanup_json_ json_t *oci = NULL;
		if ((r = eng_seccomp_from_docker(buf, len, file, NULL, &oci, e)) < 0)
			return r;
		if (!(old = json_loadb(buf, len, 0, NULL)))
			return brig_err_set(e, -EINVAL, "%s: not JSON", file);
	}
	brig_err_clear(e);
	if ((r = eng_seccomp_learned_profile(rec, old, file, &out, e)) < 0)
		return r;
	_cleanup_free_ char *text = json_dumps(out, JSON_INDENT(2));
	_cleanup_free_ char *dir = strdup(file), *base = strdup(file);
	if (!text || !dir || !base)
		return brig_err_oom(e);
	_cleanup_close_ int dfd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return brig_err_sys(e, errno, "%s", dir);
	size_t tl = strlen(text);
	text[tl] = '\n'; /* json_dumps leaves room for the NUL we replace */
	return brig_atomic_write(dfd, basename(base), text, tl + 1, 0644, e);
}

/* The learner: never returns. */
__attribute__((noreturn)) static void learner_main(int lfd, int ctl, int done, const char *file,
						   bool merge)
{
	int keep[3] = { lfd, ctl, done };
	(void)brig_close_all_but(keep, BRIG_ARRAY_SIZE(keep));
	(void)setsid();
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	struct brig_err e = { 0 };
	json_t *rec = NULL;
	int r = rt_learn_agent(lfd, ctl, &rec, &e);
	if (r == 0)
		r = write_profile(file, merge, rec, &e);
	if (r < 0 && r != -ECANCELED)
		brig_warn("seccomp=learn: %s: %s", file, brig_err_str(&e));
	json_decref(rec);
	_exit(r < 0 ? 1 : 0);
}

/* The listening socket at dirfd/learn.sock (through /proc/self/fd: the
 * container directory's path may not fit in sun_path). */
static int listen_at(int dirfd, struct brig_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" LEARN_SOCK, dirfd);
	if (unlinkat(dirfd, LEARN_SOCK, 0) < 0 && errno != ENOENT)
		return brig_err_sys(e, errno, LEARN_SOCK);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return brig_err_sys(e, errno, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
		return brig_err_sys(e, errno, "seccomp=learn: %s", sa.sun_path);
	return brig_steal_fd(fd);
}

int eng_learn_begin(int dirfd, const json_t *spec, struct eng_learn *l, struct brig_err *e)
{
	const json_t *ann = json_object_get(spec, "annotations");
	const char *file = json_string_value(json_object_get(ann, LEARN_ANN));
	const char *m = json_string_value(json_object_get(ann, LEARN_ANN_MERGE));
	if (!file)
		return 0;
	int ctl[2], done[2];
	_cleanup_close_ int lfd = listen_at(dirfd, e);
	if (lfd < 0)
		return lfd;
	if (pipe2(ctl, O_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "pipe");
	if (pipe2(done, O_CLOEXEC) < 0) {
		(void)close(ctl[0]);
		(void)close(ctl[1]);
		return brig_err_sys(e, errno, "pipe");
	}
	(void)fflush(NULL);
	pid_t child = fork();
	if (child == 0) {
		pid_t learner = fork();
		if (learner == 0)
			learner_main(lfd, ctl[0], done[1], file, m && strcmp(m, "true") == 0);
		_exit(learner < 0 ? 1 : 0);
	}
	int err = errno, st = 0;
	/* Only the learner listens (lfd is closed here on return): were it
	 * gone, the runtime's connect fails rather than leave the container
	 * waiting on its filter. */
	(void)close(ctl[0]);
	(void)close(done[1]);
	l->ctl = ctl[1];
	l->done = done[0];
	if (child < 0)
		return brig_err_sys(e, err, "fork");
	if (BRIG_RETRY(waitpid(child, &st, 0)) < 0 || st != 0)
		return brig_err_set(e, -ECHILD, "seccomp=learn: the learner could not start");
	return 0;
}

void eng_learn_end(struct eng_learn *l, int *done)
{
	if (l->ctl < 0)
		return;
	/* learn.sock stays: brig exec hands its process's listener there
	 * too, while the learner lives. */
	(void)close(l->ctl);
	if (*done >= 0)
		(void)close(*done);
	*done = l->done;
	l->ctl = l->done = -1;
}

void eng_learn_wait(int *done)
{
	char c;
	while (*done >= 0 && BRIG_RETRY(read(*done, &c, 1)) > 0)
		;
	if (*done >= 0)
		(void)close(*done);
	*done = -1;
}
