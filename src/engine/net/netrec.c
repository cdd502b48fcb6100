/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: a network's record, ROOT/networks/<id>/network.json, read and
 * checked here only.  A new network is written in networks/.tmp-<id> and
 * made visible by one rename; ROOT/networks/lock (flock) is held by every
 * change, so names stay unique and leases consistent. */
#include "engine/net/net-internal.h"
#include "engine/engine-internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define NETREC "network.json"
#define NETREC_MAX ((size_t)64 << 10)

bool net_name_valid(const char *name)
{
	return strlen(name) <= 64 && eng_name_valid(name);
}

int net_dir_open(struct eng *g, bool create, int *dirfd, int *lockfd, struct brig_err *e)
{
	if (create && mkdirat(g->rootfd, "networks", 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "%s/networks", g->root);
	*dirfd = openat(g->rootfd, "networks", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (*dirfd < 0 && errno == ENOENT && !create)
		return -ENOENT;
	if (*dirfd < 0)
		return brig_err_sys(e, errno, "%s/networks", g->root);
	*lockfd = brig_lock_path(*dirfd, "lock", BRIG_LOCK_EXCLUSIVE, true, e);
	if (*lockfd < 0) {
		(void)close(*dirfd);
		*dirfd = -1;
		return *lockfd;
	}
	return 0;
}

static int get_addr(const json_t *doc, const struct bj_loc *at, const char *key, struct in_addr *a,
		    unsigned *plen, struct brig_err *e)
{
	const char *s;
	int r = bj_get_str(doc, at, key, true, &s, e);
	if (r < 0)
		return r;
	if (plen)
		return net_parse_cidr(s, a, plen, e) < 0 ? bj_fail(e, at, "%s: bad prefix", key)
							 : 0;
	return inet_pton(AF_INET, s, a) == 1 ? 0 : bj_fail(e, at, "%s: not an IPv4 address", key);
}

/* Subnet6 and Gateway6, present on an --ipv6 network only. */
static int get_v6(const json_t *doc, const struct bj_loc *at, struct net_rec *r, struct brig_err *e)
{
	const char *sub = NULL, *gw = NULL;
	int x;
	if ((x = bj_get_str(doc, at, "Subnet6", false, &sub, e)) < 0 ||
	    (x = bj_get_str(doc, at, "Gateway6", false, &gw, e)) < 0)
		return x;
	if (!sub && !gw)
		return 0;
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (!sub || !gw || net_parse_cidr6(sub, &r->subnet6, &r->plen6, &e2) < 0 ||
	    inet_pton(AF_INET6, gw, &r->gateway6) != 1)
		return bj_fail(e, at, "Subnet6, Gateway6: an IPv6 prefix and address");
	r->ipv6 = true;
	return 0;
}

static int copy_str(const json_t *doc, const struct bj_loc *at, const char *key, char *dst,
		    size_t size, struct brig_err *e)
{
	const char *s;
	int r = bj_get_str(doc, at, key, true, &s, e);
	if (r < 0)
		return r;
	if (strlen(s) >= size)
		return bj_fail(e, at, "%s: too long", key);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int rec_parse(const json_t *doc, const struct bj_loc *at, struct net_rec *r,
		     struct brig_err *e)
{
	const char *egress = NULL;
	int x;
	if ((x = copy_str(doc, at, "Id", r->id, sizeof(r->id), e)) < 0 ||
	    (x = copy_str(doc, at, "Name", r->name, sizeof(r->name), e)) < 0 ||
	    (x = copy_str(doc, at, "Bridge", r->bridge, sizeof(r->bridge), e)) < 0 ||
	    (x = copy_str(doc, at, "Created", r->created, sizeof(r->created), e)) < 0 ||
	    (x = get_addr(doc, at, "Subnet", &r->subnet, &r->plen, e)) < 0 ||
	    (x = get_addr(doc, at, "Gateway", &r->gateway, NULL, e)) < 0 ||
	    (x = bj_get_bool(doc, at, "Internal", true, &r->internal, e)) < 0 ||
	    (x = bj_get_bool(doc, at, "ICC", true, &r->icc, e)) < 0 ||
	    (x = bj_get_str(doc, at, "Egress", false, &egress, e)) < 0 ||
	    (x = get_v6(doc, at, r, e)) < 0)
		return x;
	if (egress && strcmp(egress, "none") != 0 && strcmp(egress, "all") != 0)
		return bj_fail(e, at, "Egress: none or all");
	r->egress_none = egress && strcmp(egress, "none") == 0;
	if (!eng_id_valid(r->id) || !net_name_valid(r->name))
		return bj_fail(e, at, "Id or Name is malformed");
	/* The bridge's name goes into nft's rules as text: brig's form only. */
	char want[NET_BRIDGE_LEN];
	(void)snprintf(want, sizeof(want), "brig-%.8s", r->id);
	if (strcmp(r->bridge, want) != 0)
		return bj_fail(e, at, "Bridge: expected %s", want);
	return 0;
}

int net_rec_load(int netsfd, const char *id, struct net_rec *r, struct brig_err *e)
{
	char path[NET_ID_LEN + 32];
	(void)snprintf(path, sizeof(path), "%s/" NETREC, id);
	_cleanup_json_ json_t *doc = NULL;
	int x = bj_load_file(netsfd, path, NETREC_MAX, &doc, e);
	if (x < 0)
		return brig_err_wrap(e, "networks");
	struct bj_loc at;
	bj_root(&at, path);
	memset(r, 0, sizeof(*r));
	x = rec_parse(doc, &at, r, e);
	if (x == 0 && strcmp(r->id, id) != 0)
		x = bj_fail(e, &at, "Id: not the directory's name");
	return x < 0 ? brig_err_wrap(e, "networks") : 0;
}

json_t *net_rec_json(const struct net_rec *r)
{
	char sub[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], cidr[INET_ADDRSTRLEN + 4];
	(void)inet_ntop(AF_INET, &r->subnet, sub, sizeof(sub));
	(void)inet_ntop(AF_INET, &r->gateway, gw, sizeof(gw));
	(void)snprintf(cidr, sizeof(cidr), "%s/%u", sub, r->plen);
	json_t *doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:s}", "Name", r->name, "Id",
				r->id, "Created", r->created, "Bridge", r->bridge, "Subnet", cidr,
				"Gateway", gw, "Internal", r->internal, "ICC", r->icc, "Egress",
				r->egress_none ? "none" : "all");
	char sub6[INET6_ADDRSTRLEN], gw6[INET6_ADDRSTRLEN], cidr6[INET6_ADDRSTRLEN + 4];
	if (!doc || !r->ipv6)
		return doc;
	(void)inet_ntop(AF_INET6, &r->subnet6, sub6, sizeof(sub6));
	(void)inet_ntop(AF_INET6, &r->gateway6, gw6, sizeof(gw6));
	(void)snprintf(cidr6, sizeof(cidr6), "%s/%u", sub6, r->plen6);
	if (json_object_set_new(doc, "Subnet6", json_string(cidr6)) < 0 ||
	    json_object_set_new(doc, "Gateway6", json_string(gw6)) < 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static int new_net_id(char id[NET_ID_LEN + 1], struct brig_err *e)
{
	unsigned char raw[NET_ID_LEN / 2];
	if (BRIG_RETRY(getrandom(raw, sizeof(raw), 0)) != (ssize_t)sizeof(raw))
		return brig_err_sys(e, EIO, "getrandom");
	for (size_t i = 0; i < sizeof(raw); i++)
		(void)snprintf(id + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

int net_rec_publish(int netsfd, const struct net_rec *r, struct brig_err *e)
{
	char tmp[NET_ID_LEN + 8];
	(void)snprintf(tmp, sizeof(tmp), ".tmp-%s", r->id);
	_cleanup_json_ json_t *doc = net_rec_json(r);
	_cleanup_free_ char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	if (!text)
		return brig_err_oom(e);
	if (mkdirat(netsfd, tmp, 0700) < 0)
		return brig_err_sys(e, errno, "networks/%s", tmp);
	_cleanup_close_ int dfd = openat(netsfd, tmp,
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	int x = dfd < 0 ? brig_err_sys(e, errno, "networks/%s", tmp)
			: brig_atomic_write(dfd, NETREC, text, strlen(text), 0644, e);
	if (x == 0 && renameat(netsfd, tmp, netsfd, r->id) < 0)
		x = brig_err_sys(e, errno, "networks/%s: publishing", r->id);
	if (x == 0 && fsync(netsfd) < 0)
		x = brig_err_sys(e, errno, "networks: fsync");
	if (x < 0) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		(void)brig_rm_rf(netsfd, tmp, &e2);
	}
	return x;
}

int net_rec_remove(int netsfd, const char *id, struct brig_err *e)
{
	char gone[NET_ID_LEN + 8];
	(void)snprintf(gone, sizeof(gone), ".rm-%s", id);
	if (renameat(netsfd, id, netsfd, gone) < 0)
		return brig_err_sys(e, errno, "networks/%.12s: removing", id);
	return brig_rm_rf(netsfd, gone, e);
}

/* The default network, `bridge`: a record only; its bridge is made when a
 * container first joins it. */
static int make_default(int netsfd, struct net_rec *r, struct brig_err *e)
{
	memset(r, 0, sizeof(*r));
	int x = new_net_id(r->id, e);
	if (x < 0)
		return x;
	(void)snprintf(r->name, sizeof(r->name), NET_DEFAULT_NAME);
	(void)snprintf(r->bridge, sizeof(r->bridge), "brig-%.8s", r->id);
	eng_now(r->created);
	(void)net_parse_cidr(NET_DEFAULT_SUBNET, &r->subnet, &r->plen, e);
	r->gateway.s_addr = htonl(ntohl(r->subnet.s_addr) + 1);
	return net_rec_publish(netsfd, r, e);
}

int net_rec_new_id(struct net_rec *r, struct brig_err *e)
{
	int x = new_net_id(r->id, e);
	if (x == 0)
		(void)snprintf(r->bridge, sizeof(r->bridge), "brig-%.8s", r->id);
	return x;
}

static int push(struct net_rec **all, size_t *n, const struct net_rec *r, struct brig_err *e)
{
	struct net_rec *v = realloc(*all, (*n + 1) * sizeof(**all));
	if (!v)
		return brig_err_oom(e);
	v[(*n)++] = *r;
	*all = v;
	return 0;
}

int net_rec_all(int netsfd, struct net_rec **out, size_t *n, struct brig_err *e)
{
	_cleanup_close_ int fd = openat(netsfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d)
		return brig_err_sys(e, errno, "networks: listing");
	(void)brig_steal_fd(fd);
	*out = NULL;
	*n = 0;
	bool have_default = false;
	int x = 0;
	struct dirent *de;
	while (x == 0 && (de = readdir(d))) {
		struct net_rec r;
		if (!eng_id_valid(de->d_name))
			continue;
		if ((x = net_rec_load(netsfd, de->d_name, &r, e)) == 0)
			x = push(out, n, &r, e);
		have_default |= x == 0 && strcmp(r.name, NET_DEFAULT_NAME) == 0;
	}
	(void)closedir(d);
	struct net_rec def;
	if (x == 0 && !have_default && (x = make_default(netsfd, &def, e)) == 0)
		x = push(out, n, &def, e);
	if (x < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return x;
}

int net_rec_find(const struct net_rec *all, size_t n, const char *what, size_t *idx,
		 struct brig_err *e)
{
	size_t hits = 0, len = strlen(what);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(all[i].name, what) == 0) {
			*idx = i;
			return 0;
		}
	}
	for (size_t i = 0; len && len <= NET_ID_LEN && i < n; i++)
		if (strncmp(all[i].id, what, len) == 0 && hits++ == 0)
			*idx = i;
	if (hits == 1)
		return 0;
	if (hits > 1)
		return brig_err_set(e, -ENOTUNIQ,
				    "network \"%.64s\" is ambiguous: give more of its id", what);
	return brig_err_set(e, -ENOENT, "network \"%.64s\" not found", what);
}

void net_dir_close(struct net_dir *d)
{
	if (d->fd >= 0)
		(void)close(d->fd);
	if (d->lock >= 0)
		(void)close(d->lock);
	free(d->all);
}

int net_dir_load(struct eng *g, bool create, struct net_dir *d, struct brig_err *e)
{
	d->fd = d->lock = -1;
	int x = net_dir_open(g, create, &d->fd, &d->lock, e);
	return x < 0 ? x : net_rec_all(d->fd, &d->all, &d->n, e);
}
