/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit containers: published ports as the kernel binds them
 * (docs/audit.md).  A port published with --network pasta is a socket
 * bound in brig's own network namespace by a process that holds the
 * container's network namespace open (pasta, which forwards it inside).
 * Those processes are found in the host's /proc (an fd that is the
 * container's /proc/PID/ns/net), their sockets in /proc/self/net/{tcp,
 * tcp6,udp,udp6} (TCP listening, UDP unconnected), and each is compared
 * with NetworkSettings.Ports, the ports the record says are bound:
 * a socket on every interface where the record names one address is
 * drift, and so are the reverse and a port the record does not have.
 * The sockets of a --network host container's own processes, found the
 * same way, are compared with the ports its record exposes.
 *
 * An unconnected UDP socket is a server's or a client's: the kernel gives
 * a client's (sendto() without bind()) a port of the ephemeral range,
 * /proc/sys/net/ipv4/ip_local_port_range less ip_local_reserved_ports,
 * and no address.  So such a socket, on every address and such a port, is
 * not taken as listening unless the record names its port (the range of
 * brig's network namespace: the host's, that of a --network host
 * container too).  One bound to an address was bound by its program.
 */
#include "audit/audit-internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct au_check d_wide = {
	"brig.drift.ports", AUDIT_HIGH,
	"a published port is bound on more addresses than brig bound it: investigate (brig "
	"forensics), then recreate the container",
	NULL
};
static const struct au_check d_other = {
	"brig.drift.ports", AUDIT_MEDIUM,
	"a published port is bound where the record does not say: investigate, then recreate the "
	"container",
	NULL
};
static const struct au_check d_narrow = {
	"brig.drift.ports", AUDIT_LOW,
	"a port is bound on fewer addresses than the record says: recreate the container to "
	"publish what you meant",
	NULL
};
static const struct au_check d_gone = {
	"brig.drift.ports", AUDIT_INFO,
	"nothing forwards the published port any more (its pasta ended): restart the container",
	NULL
};

#define MAX_SOCKS 256

struct sock {
	char proto[4]; /* "tcp", "udp" */
	char addr[INET6_ADDRSTRLEN];
	bool any; /* 0.0.0.0 or :: */
	bool client; /* UDP on every address and an ephemeral port: a client's, likely */
	unsigned port;
	uint64_t inode;
	pid_t pid; /* the process holding it */
	char comm[20];
};

struct socks {
	struct sock v[MAX_SOCKS];
	size_t n;
	uint64_t ino[4096]; /* the sockets of the processes holding the namespace */
	pid_t pid[4096]; /* and who holds each */
	size_t ni;
	unsigned eph_lo, eph_hi; /* the ephemeral port range (0, 0: not read) */
	char *reserved; /* ip_local_reserved_ports, or NULL */
};

/* Is port in the list "8080,9000-9010" (ip_local_reserved_ports)? */
static bool in_port_list(const char *list, unsigned port)
{
	for (const char *p = list; p && *p;) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;
		if (end == p)
			break;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		if (port >= lo && port <= hi)
			return true;
		p = *end == ',' ? end + 1 : end;
	}
	return false;
}

/* The ephemeral ports of brig's network namespace into s. */
static void ephemeral_range(struct socks *s)
{
	_cleanup_free_ char *r = NULL;
	if (au_read(AT_FDCWD, "/proc/sys/net/ipv4/ip_local_port_range", &r) < 0 ||
	    sscanf(r, "%u %u", &s->eph_lo, &s->eph_hi) != 2)
		s->eph_lo = s->eph_hi = 0;
	if (au_read(AT_FDCWD, "/proc/sys/net/ipv4/ip_local_reserved_ports", &s->reserved) < 0)
		s->reserved = NULL;
}

/* Would the kernel give port to a UDP socket sending unbound? */
static bool ephemeral(const struct socks *s, unsigned port)
{
	return port >= s->eph_lo && port <= s->eph_hi && s->eph_hi &&
		!in_port_list(s->reserved, port);
}

/* "0100007F:1F90" (tcp) or 32 hex digits and a port (tcp6), as the kernel
 * prints them: 32-bit words in host order. */
static bool parse_addr(const char *s, bool v6, struct sock *k)
{
	unsigned char raw[16];
	size_t words = v6 ? 4 : 1;
	for (size_t i = 0; i < words; i++) {
		char w[9];
		memcpy(w, s + 8 * i, 8);
		w[8] = '\0';
		char *end;
		uint32_t x = (uint32_t)strtoul(w, &end, 16);
		if (*end)
			return false;
		memcpy(raw + 4 * i, &x, 4);
	}
	if (s[8 * words] != ':')
		return false;
	k->port = (unsigned)strtoul(s + 8 * words + 1, NULL, 16);
	static const unsigned char zero[16];
	k->any = memcmp(raw, zero, 4 * words) == 0;
	return inet_ntop(v6 ? AF_INET6 : AF_INET, raw, k->addr, sizeof(k->addr)) != NULL;
}

static void comm_of(struct sock *k)
{
	char path[40];
	_cleanup_free_ char *c = NULL;
	(void)snprintf(path, sizeof(path), "/proc/%d/comm", (int)k->pid);
	if (au_read(AT_FDCWD, path, &c) == 0)
		(void)snprintf(k->comm, sizeof(k->comm), "%.*s", (int)strcspn(c, "\n"), c);
	else
		(void)snprintf(k->comm, sizeof(k->comm), "?");
}

/* The bound sockets of one file of dir (/proc/self/net, /proc/PID/net)
 * whose inode is in out->ino. */
static void read_table(const char *dir, const char *file, const char *proto, bool v6,
		       struct socks *out)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	(void)snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (au_read(AT_FDCWD, path, &text) < 0)
		return; /* no IPv6, say */
	char *save = NULL;
	strtok_r(text, "\n", &save); /* the header */
	for (char *l = strtok_r(NULL, "\n", &save); l && out->n < MAX_SOCKS;
	     l = strtok_r(NULL, "\n", &save)) {
		char local[64], remote[64];
		unsigned st;
		uint64_t ino;
		if (sscanf(l, " %*s %63s %63s %x %*s %*s %*s %*s %*s %" SCNu64, local, remote, &st,
			   &ino) != 4)
			continue;
		/* TCP listening; UDP bound and not connected */
		if ((proto[0] == 't' && st != 0x0A) || (proto[0] == 'u' && st != 0x07))
			continue;
		size_t i = 0;
		while (i < out->ni && out->ino[i] != ino)
			i++;
		struct sock *k = &out->v[out->n];
		if (i == out->ni || !parse_addr(local, v6, k))
			continue;
		k->pid = out->pid[i];
		comm_of(k);
		(void)snprintf(k->proto, sizeof(k->proto), "%s", proto);
		k->client = proto[0] == 'u' && k->any && ephemeral(out, k->port);
		k->inode = ino;
		out->n++;
	}
}

/* The bound sockets of the network namespace whose tables are in dir
 * among out->ino. */
static void read_tables(const char *dir, struct socks *out)
{
	static const struct {
		const char *file, *proto;
		bool v6;
	} t[] = { { "tcp", "tcp", false },
		  { "tcp6", "tcp", true },
		  { "udp", "udp", false },
		  { "udp6", "udp", true } };
	if (out->ni)
		ephemeral_range(out);
	for (size_t i = 0; out->ni && i < BRIG_ARRAY_SIZE(t); i++)
		read_table(dir, t[i].file, t[i].proto, t[i].v6, out);
}

/* Does process dir pfd hold an fd that is the namespace ns? */
static bool holds(int pfd, const struct stat *ns)
{
	_cleanup_close_ int fdd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fdd >= 0 ? fdopendir(fdd) : NULL;
	if (!d)
		return false;
	fdd = -1;
	bool found = false;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		struct stat st;
		found = de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
			st.st_dev == ns->st_dev && st.st_ino == ns->st_ino;
	}
	closedir(d);
	return found;
}

/* The inodes of the sockets of process pid (dir pfd), appended to out. */
static void sockets_of(int pfd, pid_t pid, struct socks *out)
{
	_cleanup_close_ int fdd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fdd >= 0 ? fdopendir(fdd) : NULL;
	if (!d)
		return;
	fdd = -1;
	struct dirent *de;
	while (out->ni < BRIG_ARRAY_SIZE(out->ino) && (de = readdir(d))) {
		char link[64];
		ssize_t len = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		uint64_t ino;
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%" SCNu64 "]", &ino) == 1) {
			out->pid[out->ni] = pid;
			out->ino[out->ni++] = ino;
		}
	}
	closedir(d);
}

/* The sockets of brig's network namespace held by processes (other than
 * the container's own, which are inside it) holding ns open. */
static int publisher_socks(const struct stat *ns, struct socks *out)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		_cleanup_close_ int pfd = openat(dirfd(d), de->d_name,
						 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct stat own;
		/* a process inside the namespace does not publish into it */
		if (pfd < 0 ||
		    (fstatat(pfd, "ns/net", &own, 0) == 0 && own.st_ino == ns->st_ino &&
		     own.st_dev == ns->st_dev))
			continue;
		if (holds(pfd, ns))
			sockets_of(pfd, (pid_t)atoi(de->d_name), out);
	}
	closedir(d);
	read_tables("/proc/self/net", out);
	return 0;
}

static bool wild(const char *ip)
{
	return !ip || !*ip || strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0;
}

/* The record's bindings of host port port/proto: *n, *any (one on every
 * interface), whether one names addr, and one address it names (*ip). */
static void recorded(const json_t *ports, const struct sock *k, size_t *n, bool *any, bool *same,
		     const char **rip)
{
	const char *key;
	json_t *list;
	*n = 0, *any = false, *same = false, *rip = "";
	json_object_foreach((json_t *)ports, key, list)
	{
		const char *slash = strchr(key, '/');
		if (!slash || strcmp(slash + 1, k->proto) != 0)
			continue;
		size_t i;
		json_t *b;
		json_array_foreach(list, i, b)
		{
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *hp = json_string_value(json_object_get(b, "HostPort"));
			if (!hp || strtoul(hp, NULL, 10) != k->port)
				continue;
			(*n)++;
			*rip = ip ? ip : "";
			*any = *any || wild(ip);
			*same = *same || (ip && strcmp(ip, k->addr) == 0);
		}
	}
}

/* Each socket against the record. */
static int socks_vs_record(struct au *a, const struct socks *s, const json_t *ports, const char *t,
			   struct brig_err *e)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < s->n; i++) {
		const struct sock *k = &s->v[i];
		size_t n;
		bool any, same;
		const char *rip;
		recorded(ports, k, &n, &any, &same, &rip);
		if (n == 0 && k->client)
			continue;
		if (n == 0)
			r = au_add(a, k->any ? &d_wide : &d_other, t, e,
				   "%s %s:%u is bound for the container by pid %d (%s); the record "
				   "publishes no such port (kernel)",
				   k->proto, k->addr, k->port, (int)k->pid, k->comm);
		else if (k->any && !any)
			r = au_add(a, &d_wide, t, e,
				   "%s port %u: the record publishes it on %s, the kernel shows it "
				   "bound on every interface (%s) by pid %d (%s)",
				   k->proto, k->port, rip, k->addr, (int)k->pid, k->comm);
		else if (!k->any && !any && !same)
			r = au_add(a, &d_other, t, e,
				   "%s port %u: the record publishes it on %s, the kernel shows it "
				   "bound on %s by pid %d (%s)",
				   k->proto, k->port, rip, k->addr, (int)k->pid, k->comm);
	}
	return r;
}

/* Each binding of the record against the sockets. */
static int record_vs_socks(struct au *a, const struct socks *s, const json_t *ports, const char *t,
			   struct brig_err *e)
{
	const char *key;
	json_t *list;
	json_object_foreach((json_t *)ports, key, list)
	{
		const char *proto = strchr(key, '/');
		size_t i;
		json_t *b;
		json_array_foreach(list, i, b)
		{
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *hp = json_string_value(json_object_get(b, "HostPort"));
			unsigned port = hp ? (unsigned)strtoul(hp, NULL, 10) : 0;
			size_t bound = 0, wide = 0;
			for (size_t j = 0; proto && port && j < s->n; j++)
				if (s->v[j].port == port && strcmp(s->v[j].proto, proto + 1) == 0) {
					bound++;
					wide += s->v[j].any;
				}
			int r = 0;
			if (port && bound == 0)
				r = au_add(a, &d_gone, t, e,
					   "%s %s:%u is published, nothing is bound to it (kernel)",
					   proto ? proto + 1 : "", wild(ip) ? "0.0.0.0" : ip, port);
			else if (port && wild(ip) && wide == 0)
				r = au_add(
					a, &d_narrow, t, e,
					"%s port %u: the record publishes it on every interface, "
					"the kernel shows it bound on one address only",
					proto ? proto + 1 : "", port);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int au_port_drift(struct au *a, const json_t *rec, pid_t pid, const char *t, struct brig_err *e)
{
	const json_t *ports = json_object_get(json_object_get(rec, "NetworkSettings"), "Ports");
	const char *mode = json_string_value(
		json_object_get(json_object_get(rec, "HostConfig"), "NetworkMode"));
	if (!mode || strcmp(mode, "pasta") != 0 || json_object_size(ports) == 0)
		return 0; /* only pasta binds sockets; a bridge's ports are DNAT rules */
	char path[64];
	struct stat ns, self;
	(void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat(path, &ns) < 0 || stat("/proc/self/ns/net", &self) < 0)
		return 0; /* it ended */
	if (ns.st_ino == self.st_ino && ns.st_dev == self.st_dev)
		return 0;
	struct socks *s = calloc(1, sizeof(*s));
	if (!s)
		return brig_err_oom(e);
	int r = publisher_socks(&ns, s);
	if (r < 0)
		r = brig_err_sys(e, -r, "/proc");
	else
		r = socks_vs_record(a, s, ports, t, e);
	if (r == 0)
		r = record_vs_socks(a, s, ports, t, e);
	free(s->reserved);
	free(s);
	return r;
}

static const struct au_check h_unexposed = {
	"brig.drift.ports", AUDIT_MEDIUM,
	"a --network host container listens on a port its record does not expose: investigate "
	"(brig forensics), or expose it (--expose) if it is meant",
	NULL
};
static const struct au_check h_unexposed_wide = {
	"brig.drift.ports", AUDIT_HIGH,
	"a --network host container listens on every interface of the host on a port its record "
	"does not expose: investigate (brig forensics), or expose it (--expose) if it is meant",
	NULL
};
static const struct au_check h_wide = {
	"5.13", AUDIT_MEDIUM,
	"with --network host the container's sockets are the host's: have it listen on one "
	"address, or use a bridge network and -p 127.0.0.1:PORT:PORT",
	"https://www.cisecurity.org/benchmark/docker"
};

/* The listening sockets of a --network host container's processes
 * against the ports its record exposes (Config.ExposedPorts). */
int au_host_sockets(struct au *a, const json_t *rec, const pid_t *pids, size_t n, const char *t,
		    struct brig_err *e)
{
	const char *mode = json_string_value(
		json_object_get(json_object_get(rec, "HostConfig"), "NetworkMode"));
	if (!mode || strcmp(mode, "host") != 0)
		return 0;
	const json_t *exposed = json_object_get(json_object_get(rec, "Config"), "ExposedPorts");
	struct socks *s = calloc(1, sizeof(*s));
	if (!s)
		return brig_err_oom(e);
	for (size_t i = 0; i < n; i++) {
		char path[32];
		(void)snprintf(path, sizeof(path), "/proc/%d", (int)pids[i]);
		_cleanup_close_ int pfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd >= 0) /* else it ended */
			sockets_of(pfd, pids[i], s);
	}
	/* the namespace the container's init is in: the host's, when it is
	 * what the record says (brig.drift.namespace otherwise) */
	char dir[32];
	(void)snprintf(dir, sizeof(dir), "/proc/%d/net", n ? (int)pids[0] : 0);
	if (n)
		read_tables(dir, s);
	int r = 0;
	for (size_t i = 0; r == 0 && i < s->n; i++) {
		const struct sock *k = &s->v[i];
		char key[16];
		(void)snprintf(key, sizeof(key), "%u/%s", k->port, k->proto);
		if (!json_object_get(exposed, key) && k->client)
			continue;
		if (!json_object_get(exposed, key))
			r = au_add(a, k->any ? &h_unexposed_wide : &h_unexposed, t, e,
				   "pid %d (%s) listens on %s %s:%u; the record exposes no such "
				   "port (kernel)",
				   (int)k->pid, k->comm, k->proto, k->addr, k->port);
		else if (k->any)
			r = au_add(a, &h_wide, t, e,
				   "pid %d (%s) listens on %s %s:%u, every interface of the host "
				   "(kernel)",
				   (int)k->pid, k->comm, k->proto, k->addr, k->port);
	}
	free(s->reserved);
	free(s);
	return r;
}
