/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig forensics: the network state of a container's namespace, read from
 * the host through /proc/PID/net of one of its processes (the files show
 * the namespace of that process): interfaces, routes, sockets.  The socket
 * tables also name what each socket fd of a process is.
 */
#include "engine/forensics-internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files every namespace has; the IPv6 ones are absent without IPv6. */
static const char *const NET_FILES[] = { "dev", "route", "tcp", "udp", "unix", "raw", "packet" };
static const char *const NET_FILES_V6[] = { "tcp6", "udp6", "raw6", "if_inet6", "ipv6_route" };

static int put_one(struct fx *x, int pdir, int dir, const char *rel, const char *name, bool must,
		   struct brig_err *e)
{
	char src[64], path[512];
	(void)snprintf(src, sizeof(src), "net/%s", name);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = fx_read_proc(pdir, src, &buf, &len);
	if (r == -ENOENT && !must)
		return 0;
	if (r < 0) {
		(void)snprintf(path, sizeof(path), "%s/%s", rel, name);
		fx_missing(x, path, "%s", strerror(-r));
		return 0;
	}
	return fx_put(x, dir, rel, name, buf, len, e);
}

int fx_net_files(struct fx *x, int pdir, int dir, const char *rel, struct brig_err *e)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < BRIG_ARRAY_SIZE(NET_FILES); i++)
		r = put_one(x, pdir, dir, rel, NET_FILES[i], true, e);
	for (size_t i = 0; r == 0 && i < BRIG_ARRAY_SIZE(NET_FILES_V6); i++)
		r = put_one(x, pdir, dir, rel, NET_FILES_V6[i], false, e);
	return r;
}

static const char *tcp_state(unsigned st)
{
	static const char *const names[] = { "?",          "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
					     "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
					     "CLOSE_WAIT", "LAST_ACK",    "LISTEN",    "CLOSING" };
	return st < BRIG_ARRAY_SIZE(names) ? names[st] : "?";
}

/* "0100007F:1F90" (v4) or 32 hex digits + ":PORT" (v6) as "ADDR:PORT". */
static bool fmt_addr(const char *hex, bool v6, char *out, size_t size)
{
	const char *colon = strchr(hex, ':');
	size_t n = v6 ? 32 : 8;
	if (!colon || (size_t)(colon - hex) != n)
		return false;
	unsigned char bytes[16];
	for (size_t w = 0; w < n / 8; w++) {
		char word[9];
		memcpy(word, hex + w * 8, 8);
		word[8] = 0;
		/* The kernel prints each 32-bit word as it lies in memory,
		 * read as a host-order number: put it back the same way. */
		uint32_t v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(bytes + w * 4, &v, 4);
	}
	char a[INET6_ADDRSTRLEN];
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, a, sizeof(a)))
		return false;
	unsigned long port = strtoul(colon + 1, NULL, 16);
	return snprintf(out, size, v6 ? "[%s]:%lu" : "%s:%lu", a, port) > 0;
}

/* One line of tcp/udp(6): "sl local rem st tx:rx tr:when retr uid timeout inode". */
static void inet_line(json_t *map, const char *proto, bool v6, const char *line)
{
	char local[64], rem[64], inode[32];
	unsigned st;
	if (sscanf(line, " %*s %63s %63s %x %*s %*s %*s %*s %*s %31s", local, rem, &st, inode) != 4)
		return;
	char l[80], r[80], desc[256];
	if (!fmt_addr(local, v6, l, sizeof(l)) || !fmt_addr(rem, v6, r, sizeof(r)) ||
	    strcmp(inode, "0") == 0)
		return;
	bool tcp = proto[0] == 't';
	(void)snprintf(desc, sizeof(desc), "%s %s %s %s", proto, l, r,
		       tcp ? tcp_state(st) : (st == 7 ? "UNCONN" : "ESTABLISHED"));
	(void)json_object_set_new(map, inode, json_string(desc));
}

/* "Num RefCount Protocol Flags Type St Inode [Path]". */
static void unix_line(json_t *map, const char *line)
{
	char inode[32];
	unsigned type;
	int at = 0;
	if (sscanf(line, " %*s %*s %*s %*s %x %*s %31s %n", &type, inode, &at) != 2)
		return;
	const char *path = line + at;
	size_t plen = strcspn(path, "\n");
	_cleanup_free_ char *desc = NULL;
	size_t len = 0;
	if (brig_appendf(&desc, &len, "unix %s %.*s",
			 type == 1           ? "stream"
				 : type == 2 ? "dgram"
					     : "seqpacket",
			 (int)plen, path) < 0)
		return;
	/* A path may hold a newline and so forge a line: a forged line
	 * never relabels a socket an inet table named (those come first). */
	if (json_object_get(map, inode))
		return;
	json_t *s = json_string(desc);
	if (!s)
		s = json_stringn_nocheck(desc, len);
	(void)json_object_set_new(map, inode, s);
}

static void table(json_t *map, int pdir, const char *name, const char *proto, bool v6)
{
	char src[64];
	(void)snprintf(src, sizeof(src), "net/%s", name);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (fx_read_proc(pdir, src, &buf, &len) < 0)
		return;
	char *save = NULL;
	bool head = true;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (head) {
			head = false;
			continue;
		}
		if (proto)
			inet_line(map, proto, v6, line);
		else
			unix_line(map, line);
	}
}

json_t *fx_net_sockets(int pdir)
{
	json_t *map = json_object();
	if (!map)
		return NULL;
	table(map, pdir, "tcp", "tcp", false);
	table(map, pdir, "tcp6", "tcp6", true);
	table(map, pdir, "udp", "udp", false);
	table(map, pdir, "udp6", "udp6", true);
	table(map, pdir, "unix", NULL, false);
	return map;
}
