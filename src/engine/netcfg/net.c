/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network of a container at create time (docs/network-modes.md): the
 * host name a mode implies, /etc/hostname, /etc/hosts and
 * /etc/resolv.conf written into the container's directory and bound
 * read-only, the network namespace in the OCI config, the published ports
 * (a host port left out is chosen now) and what `brig inspect` shows.
 */
#include "engine/engine-internal.h"
#include "engine/netcfg/net-internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct eng_netcfg no_net = { .mode = ENG_NET_NONE };

const struct eng_netcfg *eng_net_of(const struct eng_create_opts *o)
{
	return o->net ? o->net : &no_net;
}

/* container:NAME|ID -> the id of a running container. */
int eng_net_target(struct eng *g, const char *what, char id[ENG_ID_LEN + 1], struct brig_err *e)
{
	int r = eng_find(g, what, id, e);
	if (r < 0)
		return brig_err_wrap(e, "--network container:%s", what);
	if (!eng_running(g, id))
		return brig_err_set(e, -ESRCH,
				    "--network container:%s: container %.12s is not running "
				    "(start it first)",
				    what, id);
	return 0;
}

void eng_net_hostname(struct eng *g, const struct eng_netcfg *n, char *buf, size_t size)
{
	if (n->mode == ENG_NET_HOST) {
		char h[256] = { 0 };
		if (gethostname(h, sizeof(h) - 1) == 0 && h[0])
			(void)snprintf(buf, size, "%s", h);
		return;
	}
	if (n->mode != ENG_NET_CONTAINER)
		return;
	char id[ENG_ID_LEN + 1];
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ char *name = NULL;
	size_t len;
	if (eng_find(g, n->target, id, &e) < 0)
		return;
	_cleanup_close_ int fd = eng_ctr_open(g, id, &e);
	if (fd < 0 || brig_read_file(fd, "hostname", 256, &name, &len, &e) < 0)
		return;
	name[strcspn(name, "\n")] = '\0';
	if (name[0])
		(void)snprintf(buf, size, "%s", name);
}

static json_t *bind_file(const char *dst, const char *src, bool ro)
{
	return json_pack("{s:s,s:s,s:s,s:[s,s,s,s,s]}", "destination", dst, "type", "bind",
			 "source", src, "options", "rbind", "nosuid", "nodev", "noexec",
			 ro ? "ro" : "rw");
}

static int bind_all(const char *dir, json_t *mounts, bool ro, struct brig_err *e)
{
	static const char *const files[][2] = { { "hostname", "/etc/hostname" },
						{ "hosts", "/etc/hosts" },
						{ "resolv.conf", "/etc/resolv.conf" } };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(files); i++) {
		char path[PATH_MAX];
		if (brig_snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]) < 0)
			return brig_err_set(e, -ENAMETOOLONG, "container path too long");
		if (json_array_append_new(mounts, bind_file(files[i][1], path, ro)) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

/* The host's file, or NULL when it cannot be read (a missing resolv.conf
 * is no error: the container gets Docker's fallback resolvers). */
static char *host_file(const char *path)
{
	char *s = NULL;
	size_t len;
	_cleanup_err_ struct brig_err e = { 0 };
	if (brig_read_file(AT_FDCWD, path, 1 << 20, &s, &len, &e) < 0) {
		brig_debug("%s", brig_err_str(&e));
		return NULL;
	}
	if (strlen(s) != len) { /* a NUL inside: not a text file */
		free(s);
		return NULL;
	}
	return s;
}

/*
 * A new file in the container's directory, which eng_create is still
 * assembling unseen (.tmp-ID): no temporary name and rename (no reader can
 * see a half-written file there), and with durable only the file's data is
 * synced: the record, written durably into the same directory before the
 * directory is published, syncs the directory's entries for all of them
 * (one fsync of the directory where each file had its own).
 */
static int write_new(int ctrfd, const char *name, const char *text, bool durable,
		     struct brig_err *e)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(ctrfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
	if (fd < 0)
		return brig_err_sys(e, errno, "creating the container's %s", name);
	int r = brig_write_all(fd, text, strlen(text));
	if (r < 0)
		return brig_err_sys(e, -r, "writing the container's %s", name);
	if (fchmod(fd, 0644) < 0 || (durable && BRIG_RETRY(fsync(fd)) < 0))
		return brig_err_sys(e, errno, "syncing the container's %s", name);
	return 0;
}

int eng_net_files(struct eng *g, const struct eng_netcfg *n, int ctrfd, const char *ctrdir,
		  const char *hostname, json_t *mounts, bool ro, bool durable, struct brig_err *e)
{
	if (n->mode == ENG_NET_CONTAINER) { /* the other container's files */
		char id[ENG_ID_LEN + 1], dir[PATH_MAX];
		int r = eng_net_target(g, n->target, id, e);
		if (r < 0)
			return r;
		if (brig_snprintf(dir, sizeof(dir), "%s/containers/%s", g->root, id) < 0)
			return brig_err_set(e, -ENAMETOOLONG, "store root path too long");
		return bind_all(dir, mounts, ro, e);
	}
	_cleanup_free_ char *hh = n->mode == ENG_NET_HOST ? host_file("/etc/hosts") : NULL;
	_cleanup_free_ char *hr = host_file("/etc/resolv.conf");
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *name = NULL;
	int r = eng_hosts_render(n, hostname, hh, &hosts, e);
	if (r < 0 || (r = eng_resolv_render(n, hr, &resolv, e)) < 0)
		return r;
	if (asprintf(&name, "%s\n", hostname) < 0)
		return brig_err_oom(e);
	if ((r = write_new(ctrfd, "hosts", hosts, durable, e)) < 0 ||
	    (r = write_new(ctrfd, "hostname", name, durable, e)) < 0 ||
	    (r = write_new(ctrfd, "resolv.conf", resolv, durable, e)) < 0)
		return r;
	return bind_all(ctrdir, mounts, ro, e);
}

/* A free port on ip for the protocol (bound and let go: the kernel's
 * choice, as Docker's for a host port left out). */
static int free_port(const struct eng_port *p, uint16_t *out, struct brig_err *e)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, p->ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, p->ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		len = sizeof(*s6);
	} else {
		return brig_err_set(e, -EINVAL, "-p: invalid address %s", p->ip);
	}
	_cleanup_close_ int fd = socket(ss.ss_family,
					(p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return brig_err_sys(e, errno, "-p: finding a free port on %s", p->ip);
	*out = ntohs(ss.ss_family == AF_INET ? s4->sin_port : s6->sin6_port);
	return 0;
}

/* Every container port of every -p (and of -P: the exposed ports) gets its
 * host port now; NetworkSettings.Ports and pasta use the result. */
int eng_net_ports_resolve(const struct eng_netcfg *n, char *const *image_exposed,
			  struct eng_port **out, size_t *n_out, struct brig_err *e)
{
	*out = NULL;
	*n_out = 0;
	size_t cap = 0;
	struct eng_port *v = NULL;
	int r = eng_net_ports_expand(n, image_exposed, &v, &cap, e);
	for (size_t i = 0; r == 0 && i < cap; i++)
		if (v[i].host_lo == 0 && (r = free_port(&v[i], &v[i].host_lo, e)) == 0)
			v[i].host_hi = v[i].host_lo;
	if (r == 0 && n->mode == ENG_NET_BRIDGE)
		r = eng_net_ports_loopback6(&v, &cap, e);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	*n_out = cap;
	return 0;
}
