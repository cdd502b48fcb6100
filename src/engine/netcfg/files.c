/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The contents of a container's /etc/hosts and /etc/resolv.conf, written
 * by the engine (never taken from the image).  Docker's shapes: hosts has
 * the localhost lines, the container's own name and each --add-host;
 * resolv.conf has the host's resolvers, without those on loopback unless
 * the container shares the host's network (they would not answer inside
 * another namespace), or --dns/--dns-search/--dns-option.
 */
#include "engine/netcfg/netcfg.h"

#include <stdlib.h>
#include <string.h>

static const char localhost[] = "127.0.0.1\tlocalhost\n"
				"::1\tlocalhost ip6-localhost ip6-loopback\n"
				"fe00::0\tip6-localnet\n"
				"ff00::0\tip6-mcastprefix\n"
				"ff02::1\tip6-allnodes\n"
				"ff02::2\tip6-allrouters\n";

int eng_hosts_render(const struct eng_netcfg *n, const char *hostname, const char *host_hosts,
		     char **out, struct brig_err *e)
{
	char *buf = NULL;
	size_t len = 0;
	int r;
	if (n->mode == ENG_NET_HOST)
		r = brig_appendf(&buf, &len, "%s", host_hosts ? host_hosts : localhost);
	else
		r = brig_appendf(&buf, &len, "%s127.0.1.1\t%s\n", localhost, hostname);
	if (r == 0 && len && buf[len - 1] != '\n')
		r = brig_appendf(&buf, &len, "\n");
	for (char **p = n->add_hosts; r == 0 && p && *p; p++) {
		const char *colon = strchr(*p, ':'), *ip = colon + 1;
		size_t iplen = strlen(ip);
		if (ip[0] == '[') {
			ip++;
			iplen -= 2;
		}
		r = brig_appendf(&buf, &len, "%.*s\t%.*s\n", (int)iplen, ip, (int)(colon - *p), *p);
	}
	if (r < 0) {
		free(buf);
		return brig_err_oom(e);
	}
	*out = buf;
	return 0;
}

static bool loopback_resolver(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0;
}

/* The first word after a keyword on a line of resolv.conf, or NULL. */
static const char *keyword(const char *line, size_t n, const char *kw, size_t *vlen)
{
	size_t k = strlen(kw);
	if (n <= k || strncmp(line, kw, k) != 0 || (line[k] != ' ' && line[k] != '\t'))
		return NULL;
	const char *v = line + k;
	while (v < line + n && (*v == ' ' || *v == '\t'))
		v++;
	*vlen = (size_t)(line + n - v);
	return v;
}

struct host_resolv {
	char *ns; /* "nameserver X\n" lines kept */
	size_t ns_len;
	char *search, *opts; /* search and domain lines; options lines */
	size_t search_len, opts_len;
};

static int read_host(const char *text, bool keep_loopback, struct host_resolv *h)
{
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l), vl;
		const char *v;
		char ip[64];
		int r = 0;
		if ((v = keyword(l, n, "nameserver", &vl))) {
			size_t w = strcspn(v, " \t\n#;");
			(void)snprintf(ip, sizeof(ip), "%.*s", (int)(w < 63 ? w : 63), v);
			if (keep_loopback || !loopback_resolver(ip))
				r = brig_appendf(&h->ns, &h->ns_len, "nameserver %s\n", ip);
		} else if (keyword(l, n, "search", &vl) || keyword(l, n, "domain", &vl)) {
			r = brig_appendf(&h->search, &h->search_len, "%.*s\n", (int)n, l);
		} else if (keyword(l, n, "options", &vl)) {
			r = brig_appendf(&h->opts, &h->opts_len, "%.*s\n", (int)n, l);
		}
		if (r < 0)
			return r;
		l = nl ? nl + 1 : NULL;
	}
	return 0;
}

static int join_line(char **buf, size_t *len, const char *kw, char *const *v)
{
	int r = brig_appendf(buf, len, "%s", kw);
	for (; r == 0 && *v; v++)
		if (strcmp(*v, ".") != 0) /* Docker: "." is an empty search list */
			r = brig_appendf(buf, len, " %s", *v);
	return r < 0 ? r : brig_appendf(buf, len, "\n");
}

int eng_resolv_render(const struct eng_netcfg *n, const char *host_resolv, char **out,
		      struct brig_err *e)
{
	struct host_resolv h = { 0 };
	char *buf = NULL;
	size_t len = 0;
	int r = read_host(host_resolv, n->mode == ENG_NET_HOST, &h);
	for (char **p = n->dns; r == 0 && p && *p; p++)
		r = brig_appendf(&buf, &len, "nameserver %s\n", *p);
	if (r == 0 && !n->dns && h.ns_len)
		r = brig_appendf(&buf, &len, "%s", h.ns);
	else if (r == 0 && !n->dns) /* Docker's fallback when the host has none usable */
		r = brig_appendf(&buf, &len, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	if (r == 0)
		r = n->dns_search ? join_line(&buf, &len, "search", n->dns_search)
				  : brig_appendf(&buf, &len, "%s", h.search ? h.search : "");
	if (r == 0)
		r = n->dns_options ? join_line(&buf, &len, "options", n->dns_options)
				   : brig_appendf(&buf, &len, "%s", h.opts ? h.opts : "");
	free(h.ns);
	free(h.search);
	free(h.opts);
	if (r < 0) {
		free(buf);
		return brig_err_oom(e);
	}
	*out = buf;
	return 0;
}
