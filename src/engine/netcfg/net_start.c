/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network at start time.  container:ID joins the other container's
 * namespace (it must run).  pasta: once the runtime has made the
 * container (its init waits to be started), its network namespace is
 * bound at RUN/netns/HASH/ID and pasta (Debian's passt package) is given
 * that path: it configures the namespace (an interface with the host's
 * addresses and routes) and forwards the published ports from their
 * chosen address.  pasta exits by itself when that file is removed,
 * which eng_netns_release does when the container ends or is removed, so
 * no pasta outlives its container.
 */
#include "engine/engine-internal.h"
#include "engine/record-internal.h"
#include "engine/netcfg/net-internal.h"
#include "engine/net/net.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* RUN/netns/HASH/ID beside the runtime's RUN/HASH. */
static int netns_path(struct eng *g, const char *id, char *dir, size_t dsize, char *file,
		      size_t fsize)
{
	const char *slash = strrchr(g->rt_root, '/');
	if (!slash)
		return -EINVAL;
	if (brig_snprintf(dir, dsize, "%.*s/netns%s", (int)(slash - g->rt_root), g->rt_root,
			  slash) < 0 ||
	    brig_snprintf(file, fsize, "%s/%s", dir, id) < 0)
		return -ENAMETOOLONG;
	return 0;
}

void eng_netns_release(struct eng *g, const char *id)
{
	char dir[PATH_MAX], file[PATH_MAX];
	eng_net_unpublish(g, id); /* a bridge network's published ports */
	if (netns_path(g, id, dir, sizeof(dir), file, sizeof(file)) < 0)
		return;
	if (umount2(file, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		brig_warn("container %.12s: unmounting %s: %s", id, file, strerror(errno));
	if (unlink(file) < 0 && errno != ENOENT)
		brig_warn("container %.12s: removing %s: %s", id, file, strerror(errno));
	(void)rmdir(dir); /* the last one of this store */
}

/* The pid of a running container, from its record. */
static int target_pid(struct eng *g, const char *what, pid_t *pid, struct brig_err *e)
{
	char id[ENG_ID_LEN + 1];
	int r = eng_net_target(g, what, id, e);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = eng_ctr_open(g, id, e);
	if (fd < 0)
		return fd;
	_cleanup_record_ struct eng_record rec = { 0 };
	if ((r = eng_record_load(fd, id, &rec, e)) < 0)
		return r;
	if (rec.state.pid <= 0)
		return brig_err_set(e, -ESRCH, "--network container:%.12s: it is not running", id);
	*pid = rec.state.pid;
	return 0;
}

int eng_net_start(struct eng *g, const char *id, json_t *spec, bool *pasta, struct brig_err *e)
{
	json_t *ann = json_object_get(spec, "annotations");
	const char *target = json_string_value(json_object_get(ann, ENG_ANN_NET_CONTAINER));
	*pasta = json_is_string(json_object_get(ann, ENG_ANN_NET_PASTA));
	eng_netns_release(g, id); /* a namespace left by a monitor that was killed */
	if (!target)
		return 0;
	pid_t pid = 0;
	int r = target_pid(g, target, &pid, e);
	if (r < 0)
		return r;
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	size_t i;
	json_t *ns;
	json_array_foreach(json_object_get(json_object_get(spec, "linux"), "namespaces"), i, ns)
	{
		const char *t = json_string_value(json_object_get(ns, "type"));
		if (t && strcmp(t, "network") == 0)
			return json_object_set_new(ns, "path", json_string(path)) < 0
				? brig_err_oom(e)
				: 0;
	}
	return brig_err_set(e, -EINVAL, "the container's OCI config has no network namespace");
}

/* Bind /proc/PID/ns/net at file (made 0600 in dir, 0700). */
static int bind_netns(const char *dir, const char *file, pid_t pid, struct brig_err *e)
{
	char dirs[PATH_MAX];
	(void)snprintf(dirs, sizeof(dirs), "%s", dir);
	char *last = strrchr(dirs, '/');
	if (last) {
		*last = '\0';
		if (mkdir(dirs, 0711) < 0 && errno != EEXIST)
			return brig_err_sys(e, errno, "creating %s", dirs);
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating %s", dir);
	int fd = BRIG_RETRY(open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "creating %s", file);
	(void)close(fd);
	char src[64];
	(void)snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)pid);
	if (mount(src, file, NULL, MS_BIND, NULL) < 0) {
		int err = errno;
		(void)unlink(file);
		return brig_err_sys(e, err, "binding the network namespace at %s", file);
	}
	return 0;
}

/* pasta's arguments: the namespace, no ports but those published (-t/-u,
 * each from its address), none forwarded from the namespace to the host
 * (-T/-U). */
static int pasta_argv(const char *file, const char *ports, char **argv, size_t max, char *buf,
		      size_t bsize, struct brig_err *e)
{
	size_t n = 0;
	static const char *const head[] = { "pasta", "--quiet", "--runas", "0:0",  "--config-net",
					    "-T",    "none",    "-U",      "none", "--netns" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(head); i++)
		if (!eng_rootless() || (i != 2 && i != 3)) /* rootless: we are who we are */
			argv[n++] = (char *)head[i];
	argv[n++] = (char *)file;
	if (brig_snprintf(buf, bsize, "%s", ports) < 0)
		return brig_err_set(e, -E2BIG, "too many published ports for pasta");
	bool tcp = false, udp = false;
	char *save = NULL;
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (n + 3 >= max || (w[0] != 't' && w[0] != 'u') || w[1] != ':' ||
		    strspn(w + 2, "0123456789abcdefABCDEF.:/") != strlen(w + 2))
			return brig_err_set(e, -EINVAL, "the container's pasta ports: \"%.64s\"",
					    w);
		argv[n++] = w[0] == 't' ? "-t" : "-u";
		argv[n++] = w + 2;
		tcp |= w[0] == 't';
		udp |= w[0] == 'u';
	}
	if (!tcp) {
		argv[n++] = "-t";
		argv[n++] = "none";
	}
	if (!udp) {
		argv[n++] = "-u";
		argv[n++] = "none";
	}
	argv[n] = NULL;
	return 0;
}

/* Run pasta; it forks into the background once the namespace is set up,
 * so its first process's exit says whether it worked. */
static int run_pasta(char **argv, struct brig_err *e)
{
	int errp[2];
	if (pipe2(errp, O_CLOEXEC | O_NONBLOCK) < 0)
		return brig_err_sys(e, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		(void)close(errp[0]);
		(void)close(errp[1]);
		return brig_err_sys(e, err, "fork");
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC); /* dup2 clears it on 0, 1 */
		/* pasta keeps what it inherits for as long as it runs: only 0-2. */
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(errp[1], 2) < 0 ||
		    sigprocmask(SIG_SETMASK, &none, NULL) < 0 || brig_cloexec_from(3) < 0)
			_exit(126);
		/* Ignored signals stay ignored across exec, and pasta (2023-03)
		 * takes an ignored SIGPIPE for a failure of its own setup. */
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				(void)signal(sig, SIG_DFL);
		execvp("pasta", argv);
		dprintf(2, "cannot run pasta: %s (Debian's passt package)\n", strerror(errno));
		_exit(127);
	}
	(void)close(errp[1]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			st = -1;
			break;
		}
	char msg[512] = "";
	ssize_t n = read(errp[0], msg, sizeof(msg) - 1);
	(void)close(errp[0]);
	msg[n > 0 ? n : 0] = '\0';
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	char *nl = strrchr(msg, '\n');
	while (nl && nl[1] == '\0' && nl > msg) { /* the last line that says something */
		*nl = '\0';
		nl = strrchr(msg, '\n');
	}
	return brig_err_set(e, -EIO, "--network pasta: pasta failed: %s",
			    msg[0] ? (nl ? nl + 1 : msg) : "no message");
}

int eng_net_pasta_created(void *arg, pid_t pid, struct brig_err *e)
{
	const struct eng_pasta_arg *a = arg;
	const char *ports = json_string_value(
		json_object_get(json_object_get(a->spec, "annotations"), ENG_ANN_NET_PASTA));
	char dir[PATH_MAX], file[PATH_MAX], buf[32768];
	char *argv[1024];
	if (netns_path(a->g, a->id, dir, sizeof(dir), file, sizeof(file)) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "runtime path too long");
	/* Rootless: pasta opens /dev/net/tun as the user, inside the
	 * container's namespaces; many hosts (this project's too) keep it 0600
	 * root's.  Say that rather than pasta's "Failed to open tun socket". */
	if (eng_rootless() && access("/dev/net/tun", R_OK | W_OK) < 0)
		return brig_err_sys(e, errno,
				    "--network pasta rootless: pasta cannot open /dev/net/tun as "
				    "uid %u (on most hosts it is mode 0666)",
				    (unsigned)getuid());
	int r = pasta_argv(file, ports ? ports : "", argv, BRIG_ARRAY_SIZE(argv), buf, sizeof(buf),
			   e);
	if (r < 0 || (r = bind_netns(dir, file, pid, e)) < 0)
		return r;
	if ((r = run_pasta(argv, e)) < 0)
		eng_netns_release(a->g, a->id);
	return r;
}
