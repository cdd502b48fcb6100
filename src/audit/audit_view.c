/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit: the checks of a container's settings (a view from the
 * kernel when it runs, else from its record), and drift: where what the
 * kernel enforces differs from what the record says (docs/audit.md).
 */
#include "audit/audit-internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define CIS "https://www.cisecurity.org/benchmark/docker"

/* brig's default bounding set (docs/runtime.md): what is beyond it was
 * added. */
static const char *const default_caps[] = { "CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FSETID",
					    "CAP_FOWNER",  "CAP_SETGID",           "CAP_SETUID",
					    "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_KILL" };
/* Each of these alone is a way out of a container. */
static const char *const grave_caps[] = { "CAP_SYS_ADMIN", "CAP_SYS_MODULE",      "CAP_SYS_PTRACE",
					  "CAP_SYS_RAWIO", "CAP_DAC_READ_SEARCH", "CAP_NET_ADMIN",
					  "CAP_BPF",       "CAP_SYS_BOOT",        "CAP_MAC_ADMIN",
					  "CAP_SYSLOG" };

static const struct au_check c_caps = {
	"5.3", AUDIT_MEDIUM,
	"drop the capabilities added with --cap-add that the container does not need", CIS
};
static const struct au_check c_caps_grave = {
	"5.3", AUDIT_HIGH, "do not give a container these capabilities: each is a known way out",
	CIS
};
static const struct au_check c_ns[AU_NS_N] = {
	{ "5.9", AUDIT_HIGH, "do not use --network host", CIS },
	{ "5.15", AUDIT_HIGH, "do not use --pid host", CIS },
	{ "5.16", AUDIT_HIGH, "do not use --ipc host", CIS },
	{ "5.20", AUDIT_MEDIUM, "do not use --uts host", CIS },
	{ "5.30", AUDIT_MEDIUM,
	  "do not use --userns host: brig maps each container's root to an "
	  "unprivileged host uid by default",
	  CIS },
};
static const struct au_check c_seccomp = {
	"5.21", AUDIT_HIGH, "do not use --security-opt seccomp=unconfined (or --privileged)", CIS
};
static const struct au_check c_nnp = { "5.25", AUDIT_MEDIUM,
				       "do not use --security-opt no-new-privileges=false", CIS };
static const struct au_check c_rw = {
	"5.12", AUDIT_LOW,
	"run without --read-write; give the paths that must be written a volume or --tmpfs", CIS
};
static const struct au_check c_mem = { "5.10", AUDIT_MEDIUM,
				       "set a memory limit (-m, or default-memory in brig.conf)",
				       CIS };
static const struct au_check c_pids = {
	"5.28", AUDIT_MEDIUM, "set a pids limit (--pids-limit, or default-pids-limit in brig.conf)",
	CIS
};
static const struct au_check c_root = {
	"brig.ctr.host-root", AUDIT_HIGH,
	"run with a user namespace (the default; not --userns=host) or as a non-root --user", NULL
};
static const struct au_check c_apparmor = { "5.1", AUDIT_MEDIUM,
					    "run the container under an AppArmor profile", CIS };

static char *caps_names(uint64_t mask)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	bool first = true;
	for (int i = 0; i < 64; i++) {
		if (!(mask & ((uint64_t)1 << i)))
			continue;
		const char *n = brig_cap_name(i);
		if (n)
			fprintf(f, "%s%s", first ? "" : ", ", n);
		else
			fprintf(f, "%s%d", first ? "" : ", ", i);
		first = false;
	}
	return fclose(f) == 0 ? out : (free(out), NULL);
}

static uint64_t mask_of(const char *const *names, size_t n)
{
	uint64_t m = 0;
	for (size_t i = 0; i < n; i++) {
		int c = brig_cap_from_name(names[i]);
		if (c >= 0 && c < 64)
			m |= (uint64_t)1 << c;
	}
	return m;
}

static int caps_check(struct au *a, const struct au_view *v, const char *t, struct brig_err *e)
{
	uint64_t added = v->caps & ~mask_of(default_caps, BRIG_ARRAY_SIZE(default_caps));
	if (!added)
		return 0;
	uint64_t grave = added & mask_of(grave_caps, BRIG_ARRAY_SIZE(grave_caps));
	_cleanup_free_ char *names = caps_names(grave ? grave : added);
	if (!names)
		return brig_err_oom(e);
	return au_add(a, grave ? &c_caps_grave : &c_caps, t, e,
		      "capabilities beyond brig's default set (%s): %s", v->from, names);
}

static const char *limit_str(int64_t v, char buf[32])
{
	if (v == AU_UNLIMITED)
		return "unlimited";
	if (v == AU_UNKNOWN)
		return "unknown";
	(void)snprintf(buf, 32, "%" PRId64, v);
	return buf;
}

int au_view_checks(struct au *a, const struct au_view *v, const char *t, struct brig_err *e)
{
	int r = caps_check(a, v, t, e);
	for (size_t i = 0; r == 0 && i < AU_NS_N; i++)
		if (v->shares[i])
			r = au_add(a, &c_ns[i], t, e, "shares the host's %s namespace (%s)",
				   au_ns_names[i], v->from);
	if (r == 0 && !v->seccomp)
		r = au_add(a, &c_seccomp, t, e, "a process runs without a seccomp filter (%s)",
			   v->from);
	if (r == 0 && !v->nnp)
		r = au_add(a, &c_nnp, t, e,
			   "a process may gain privileges: no_new_privs is off (%s)", v->from);
	if (r == 0 && !v->root_ro)
		r = au_add(a, &c_rw, t, e, "the root filesystem is writable (%s)", v->from);
	if (r == 0 && v->memory == AU_UNLIMITED)
		r = au_add(a, &c_mem, t, e, "no memory limit (%s)", v->from);
	if (r == 0 && v->pids == AU_UNLIMITED)
		r = au_add(a, &c_pids, t, e, "no pids limit (%s)", v->from);
	if (r == 0 && v->host_root)
		r = au_add(a, &c_root, t, e,
			   "runs as the host's root: uid 0 without a user namespace (%s)", v->from);
	if (r == 0 && v->lsm && strncmp(v->lsm, "unconfined", 10) == 0 && a->apparmor)
		r = au_add(a, &c_apparmor, t, e, "no AppArmor profile (kernel: %s)", v->lsm);
	return r;
}

/* ---- drift ---- */

static const struct au_check d_caps = {
	"brig.drift.caps", AUDIT_HIGH,
	"find out who changed the capabilities (brig forensics), then recreate the container", NULL
};
static const struct au_check d_ns = {
	"brig.drift.namespace", AUDIT_HIGH,
	"find out how a process entered the host's namespace (brig forensics)", NULL
};
static const struct au_check d_seccomp = {
	"brig.drift.seccomp", AUDIT_HIGH,
	"a process escaped the recorded seccomp filter: investigate (brig forensics)", NULL
};
static const struct au_check d_nnp = {
	"brig.drift.nnp", AUDIT_HIGH,
	"a process runs without the recorded no_new_privs: investigate (brig forensics)", NULL
};
static const struct au_check d_root = {
	"brig.drift.rootfs", AUDIT_HIGH,
	"the root filesystem was remounted writable: investigate (brig forensics)", NULL
};
static const struct au_check d_userns = {
	"brig.drift.userns", AUDIT_CRITICAL,
	"a process runs as the host's root although the record maps it: investigate", NULL
};
static const struct au_check d_map = {
	"brig.drift.userns", AUDIT_HIGH,
	"a process runs in a user namespace other than the container's: investigate (brig "
	"forensics)",
	NULL
};
static const struct au_check d_limit = {
	"brig.drift.limit", AUDIT_HIGH,
	"a cgroup limit was raised or removed behind brig's back: set it again with brig update, "
	"and find out who changed it",
	NULL
};
static const struct au_check d_limit_low = {
	"brig.drift.limit", AUDIT_LOW,
	"a cgroup limit differs from the record: set it with brig update so the two agree", NULL
};
static const struct au_check d_rlimit = {
	"brig.drift.rlimit", AUDIT_MEDIUM,
	"a process's rlimit was raised after start (prlimit): investigate", NULL
};

static int drift_limit(struct au *a, const char *what, int64_t rec, int64_t k, const char *t,
		       struct brig_err *e)
{
	if (k == AU_UNKNOWN || rec == AU_UNKNOWN || k == rec)
		return 0;
	char b1[32], b2[32];
	return au_add(a, k > rec ? &d_limit : &d_limit_low, t, e,
		      "%s limit: the record says %s, the kernel enforces %s", what,
		      limit_str(rec, b1), limit_str(k, b2));
}

static int drift_rlimits(struct au *a, const struct au_view *rec, const struct au_view *k,
			 const char *t, struct brig_err *e)
{
	for (size_t i = 0; i < rec->n_rl && i < k->n_rl; i++) {
		const struct au_rlimit *x = &rec->rl[i], *y = &k->rl[i];
		if (x->hard == AU_UNKNOWN || y->hard == AU_UNKNOWN ||
		    (y->hard <= x->hard && y->soft <= x->soft))
			continue;
		char b[4][32];
		int r = au_add(a, &d_rlimit, t, e, "%s: the record says %s:%s, a process has %s:%s",
			       x->oci, limit_str(x->soft, b[0]), limit_str(x->hard, b[1]),
			       limit_str(y->soft, b[2]), limit_str(y->hard, b[3]));
		if (r < 0)
			return r;
	}
	return 0;
}

int au_drift(struct au *a, const struct au_view *rec, const struct au_view *k, const char *t,
	     struct brig_err *e)
{
	int r = 0;
	uint64_t more = (k->caps & ~rec->caps) | (k->caps_eff & ~rec->caps_eff & ~rec->caps);
	if (more) {
		_cleanup_free_ char *n = caps_names(more);
		r = n ? au_add(a, &d_caps, t, e,
			       "the kernel shows capabilities the record does not give: %s", n)
		      : brig_err_oom(e);
	}
	for (size_t i = 0; r == 0 && i < AU_NS_N; i++)
		if (k->shares[i] && !rec->shares[i])
			r = au_add(a, &d_ns, t, e,
				   "the record gives it a %s namespace of its own; a process is in "
				   "the host's",
				   au_ns_names[i]);
	if (r == 0 && rec->seccomp && !k->seccomp)
		r = au_add(a, &d_seccomp, t, e,
			   "the record has a seccomp filter; a process has none");
	if (r == 0 && rec->nnp && !k->nnp)
		r = au_add(a, &d_nnp, t, e, "the record sets no_new_privs; a process has it off");
	if (r == 0 && rec->root_ro && !k->root_ro)
		r = au_add(a, &d_root, t, e,
			   "the record says read-only root; the kernel's is writable");
	if (r == 0 && !rec->host_root && k->host_root)
		r = au_add(a, &d_userns, t, e, "a process runs as the host's uid 0");
	else if (r == 0 && k->map.len != AU_UNKNOWN &&
		 (k->map_mixed || k->map.in != rec->map.in || k->map.out != rec->map.out ||
		  k->map.len != rec->map.len))
		r = au_add(a, &d_map, t, e,
			   "the record maps uid %lld to host uid %lld (%lld ids); the kernel shows "
			   "%lld to %lld (%lld)%s",
			   (long long)rec->map.in, (long long)rec->map.out, (long long)rec->map.len,
			   (long long)k->map.in, (long long)k->map.out, (long long)k->map.len,
			   k->map_mixed ? ", and processes in different user namespaces" : "");
	if (r == 0)
		r = drift_limit(a, "memory", rec->memory, k->memory, t, e);
	if (r == 0)
		r = drift_limit(a, "pids", rec->pids, k->pids, t, e);
	if (r == 0)
		r = drift_rlimits(a, rec, k, t, e);
	return r;
}
