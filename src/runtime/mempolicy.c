/* SPDX-License-Identifier: Apache-2.0 */
/* linux.memoryPolicy: parsed with the config, applied with set_mempolicy(2)
 * in the container's init and in every exec'd process (a policy is kept
 * across fork and execve). */
#include "runtime/runtime-internal.h"

#include <string.h>
#include <sys/syscall.h>

/* The kernel's MPOL_* values (linux/mempolicy.h). */
static const struct {
	const char *n;
	int v;
} modes[] = {
	{ "MPOL_DEFAULT", 0 },
	{ "MPOL_PREFERRED", 1 },
	{ "MPOL_BIND", 2 },
	{ "MPOL_INTERLEAVE", 3 },
	{ "MPOL_LOCAL", 4 },
	{ "MPOL_PREFERRED_MANY", 5 },
	{ "MPOL_WEIGHTED_INTERLEAVE", 6 },
};
static const struct {
	const char *n;
	unsigned v;
} mflags[] = {
	{ "MPOL_F_NUMA_BALANCING", 1u << 13 },
	{ "MPOL_F_RELATIVE_NODES", 1u << 14 },
	{ "MPOL_F_STATIC_NODES", 1u << 15 },
};

/* "0-3,7" into the node mask; at names the field. */
static int parse_nodes(const char *s, const struct bj_loc *at, struct rt_mempolicy *m,
		       struct brig_err *e)
{
	const char *p = s;
	while (*p) {
		char *end;
		errno = 0;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (end == p || errno || *p == '-' || *p == '+')
			return bj_fail(e, at, "\"%s\" is not a node list like \"0-3,7\"", s);
		p = end;
		if (*p == '-') {
			const char *q = p + 1;
			b = strtoul(q, &end, 10);
			if (end == q || errno || *q == '-' || *q == '+' || b < a)
				return bj_fail(e, at, "\"%s\" is not a node list like \"0-3,7\"",
					       s);
			p = end;
		}
		if (b >= RT_MPOL_MAX_NODES)
			return bj_fail(e, at, "node %lu is beyond %d", b, RT_MPOL_MAX_NODES - 1);
		for (unsigned long n = a; n <= b; n++)
			m->nodes[n / (8 * sizeof(unsigned long))] |= 1UL
				<< (n % (8 * sizeof(unsigned long)));
		m->has_nodes = true;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return bj_fail(e, at, "\"%s\" is not a node list like \"0-3,7\"", s);
	}
	return 0;
}

static int parse_flags(const json_t *o, const struct bj_loc *at, struct rt_mempolicy *m,
		       struct brig_err *e)
{
	_cleanup_strv_ char **flags = NULL;
	int r = bj_get_strv(o, at, "flags", false, 8, &flags, e);
	if (r < 0)
		return r;
	struct bj_loc fl;
	bj_key(&fl, at, "flags");
	for (size_t i = 0; flags && flags[i]; i++) {
		size_t k = 0;
		while (k < BRIG_ARRAY_SIZE(mflags) && strcmp(mflags[k].n, flags[i]) != 0)
			k++;
		if (k == BRIG_ARRAY_SIZE(mflags)) {
			struct bj_loc il;
			bj_idx(&il, &fl, i);
			return bj_fail(e, &il, "unknown flag \"%s\"", flags[i]);
		}
		m->flags |= mflags[k].v;
	}
	return 0;
}

int rt_mempolicy_parse(const json_t *lx, const struct bj_loc *ll, struct rt_mempolicy *m,
		       struct brig_err *e)
{
	json_t *o = NULL;
	memset(m, 0, sizeof(*m));
	int r = bj_get_obj(lx, ll, "memoryPolicy", false, &o, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc ml, nl;
	bj_key(&ml, ll, "memoryPolicy");
	bj_key(&nl, &ml, "nodes");
	const char *mode = NULL, *nodes = NULL;
	if ((r = bj_get_str(o, &ml, "mode", true, &mode, e)) < 0 ||
	    (r = bj_get_str(o, &ml, "nodes", false, &nodes, e)) < 0 ||
	    (r = parse_flags(o, &ml, m, e)) < 0 ||
	    (nodes && (r = parse_nodes(nodes, &nl, m, e)) < 0))
		return r;
	m->mode = -1;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(modes); i++)
		if (strcmp(modes[i].n, mode) == 0)
			m->mode = modes[i].v;
	if (m->mode < 0)
		return bj_fail(e, &ml, "unknown mode \"%s\"", mode);
	bool none = m->mode == 0 || m->mode == 4; /* DEFAULT, LOCAL */
	if (none && m->has_nodes)
		return bj_fail(e, &nl, "%s takes no nodes", mode);
	if (!none && m->mode != 1 && !m->has_nodes)
		return bj_fail(e, &nl, "%s needs nodes", mode);
	m->set = true;
	return 0;
}

int rt_mempolicy_apply(const struct rt_mempolicy *m, struct brig_err *e)
{
	if (!m->set)
		return 0;
	bool mask = m->has_nodes;
	if (syscall(SYS_set_mempolicy, m->mode | (int)m->flags, mask ? m->nodes : NULL,
		    mask ? (unsigned long)RT_MPOL_MAX_NODES + 1 : 0UL) < 0)
		return brig_err_sys(e, errno, "linux.memoryPolicy: set_mempolicy refused it");
	return 0;
}
