/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: brig audit's parts (audit_run.c, audit_host.c, audit_engine.c,
 * audit_ctr.c, audit_kernel.c).  Each check has a row in a table of its
 * file: its id (a CIS Docker Benchmark 1.2.0 id where one exists, else
 * brig's own "brig.*"), severity, remediation and reference; docs/audit.md
 * lists them all.
 */
#ifndef BRIG_AUDIT_INTERNAL_H
#define BRIG_AUDIT_INTERNAL_H

#include "audit/audit.h"

#include <stdint.h>
#include <sys/types.h>

struct au_check {
	const char *id;
	enum audit_severity sev;
	const char *remediation;
	const char *ref; /* one URL, or NULL */
};

struct au {
	struct eng *g;
	struct img_store *s;
	struct audit_report *r;
	json_t *info; /* eng_info */
	bool apparmor; /* the host runs AppArmor */
	int64_t max_age_days; /* brig.ctr.image-age; 0: not checked */
	json_t *dnat; /* the kernel's DNAT rules (audit_bridge.c), read once */
	char *dnat_err; /* why they could not be read */
};

/* A finding of check c on target, the message formatted. */
int au_add(struct au *a, const struct au_check *c, const char *target, struct brig_err *e,
	   const char *fmt, ...) BRIG_PRINTF(5, 6);
/* A small file (at most 1 MiB) at path relative to dirfd (AT_FDCWD for
 * an absolute path), NUL-terminated, trailing newline kept: 0 or a
 * negative errno (nothing filled). */
int au_read(int dirfd, const char *path, char **out);
/* An integer file such as a sysctl or a cgroup knob: "max" is INT64_MAX. */
int au_read_i64(int dirfd, const char *path, int64_t *out);

int au_host(struct au *a, struct brig_err *e);
int au_engine(struct au *a, struct brig_err *e);
int au_containers(struct au *a, struct brig_err *e);
int au_images(struct au *a, struct brig_err *e);
/* audit_prov.c: the image of the container of record rec (target t):
 * its provenance, checked again against the policy, its age, a newer
 * image or base in the store (a->s; NULL: provenance only). */
int au_ctr_image(struct au *a, const json_t *rec, const char *t, struct brig_err *e);
/* audit_ports.c: the ports a running --network pasta container's
 * publisher binds (the container's init is pid) against the record. */
int au_port_drift(struct au *a, const json_t *rec, pid_t pid, const char *t, struct brig_err *e);
/* The listening sockets of a running --network host container's
 * processes (pids) against the ports its record exposes. */
int au_host_sockets(struct au *a, const json_t *rec, const pid_t *pids, size_t n, const char *t,
		    struct brig_err *e);
/* audit_bridge.c: the DNAT rules the kernel holds for a running bridge
 * container against its record's published ports. */
int au_bridge_ports(struct au *a, const json_t *rec, const char *t, struct brig_err *e);

/* One container's settings as the checks see them: read from the record
 * (Brig.Spec, the OCI config brig gave the runtime), or from the kernel
 * for a running container (audit_kernel.c), over all its processes. */
enum { AU_NS_NET, AU_NS_PID, AU_NS_IPC, AU_NS_UTS, AU_NS_USER, AU_NS_N };
extern const char *const au_ns_names[AU_NS_N]; /* "net", "pid", ... (/proc/PID/ns) */
#define AU_UNKNOWN (-2) /* a limit that could not be read */
#define AU_UNLIMITED INT64_MAX
struct au_rlimit {
	const char *oci; /* "RLIMIT_NOFILE" */
	int64_t soft, hard; /* AU_UNLIMITED, AU_UNKNOWN */
};
#define AU_RLIMITS 16
struct au_idmap {
	int64_t in, out, len; /* the first line of a uid_map; AU_UNKNOWN */
};
struct au_view {
	const char *from; /* "record" or "kernel" */
	uint64_t caps; /* the bounding set: what the container can ever hold */
	uint64_t caps_eff; /* effective (kernel: of any process) */
	bool shares[AU_NS_N]; /* the host's (brig's) namespace */
	bool seccomp; /* every process filtered */
	bool nnp; /* every process has no_new_privs */
	bool root_ro; /* the root filesystem is read-only */
	bool host_root; /* a process runs as the host's uid 0 */
	struct au_idmap map; /* kernel: the first process's uid_map */
	bool map_mixed; /* kernel: processes with different uid maps */
	int64_t memory, pids; /* limits: AU_UNLIMITED, AU_UNKNOWN */
	struct au_rlimit rl[AU_RLIMITS];
	size_t n_rl;
	char *lsm; /* kernel: the first process's LSM label, or NULL */
};
void au_view_clear(struct au_view *v);
/* From the record (Brig.Spec). */
int au_view_record(const json_t *spec, struct au_view *v, struct brig_err *e);
/* From the kernel: every process in pids of container id (those that
 * ended meanwhile, or whose pid now names a process outside the
 * container's cgroup, are left out; none left is -ESRCH). */
int au_view_kernel(const char *id, const pid_t *pids, size_t n, struct au_view *v,
		   struct brig_err *e);
/* A capability set of a spec ("bounding", "effective") as a mask. */
uint64_t au_caps_mask(const json_t *arr);

/* audit_mounts.c: the host paths the kernel shows bind-mounted into the
 * container of process pid (in container id's cgroup), as
 * [{"Source": HOSTPATH, "Destination": PATH, "Options": "ro,nosuid,...",
 * "Type": FSTYPE}] (Options: the mount's own flags, mountinfo's sixth
 * field), and its mounts of kernel filesystems (proc, tmpfs...) without
 * a Source, in mountinfo's order (the last at a destination is on top). */
int au_kernel_binds(pid_t pid, const char *id, json_t **out, struct brig_err *e);

/* The checks of a view (audit_view.c), and the drift between the record's
 * and the kernel's views. */
int au_view_checks(struct au *a, const struct au_view *v, const char *target, struct brig_err *e);
int au_drift(struct au *a, const struct au_view *rec, const struct au_view *k, const char *target,
	     struct brig_err *e);

#endif
