/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of runtime/cgroup shared by its source files (and unit tests). */
#ifndef BRIG_RUNTIME_CGROUP_INT_H
#define BRIG_RUNTIME_CGROUP_INT_H

#include "runtime/cgroup/cgroup.h"

#define RT_CG_PATH_MAX 1024 /* cgroupsPath length */
#define RT_CG_FILE_MAX (1 << 20) /* a cgroup file we read */
#define RT_CG_PROC_MAX (4 << 20) /* /proc/self/mountinfo, /proc/self/cgroup */
#define RT_CG_LIST_MAX 4096 /* entries of one resources array */
#define RT_CG_VALUE_MAX 65536 /* one unified value */
#define RT_CG_HIER_MAX 64 /* hierarchies */

/* ------------------------------------------------------------------ */
/* controllers and layout discovery (cgroup_layout.c)                   */
/* ------------------------------------------------------------------ */

enum rt_cg_ctl {
	RT_CG_CPU,
	RT_CG_CPUACCT,
	RT_CG_CPUSET,
	RT_CG_MEMORY,
	RT_CG_DEVICES,
	RT_CG_FREEZER,
	RT_CG_NET_CLS,
	RT_CG_NET_PRIO,
	RT_CG_BLKIO, /* "io" on v2 */
	RT_CG_PERF_EVENT,
	RT_CG_HUGETLB,
	RT_CG_PIDS,
	RT_CG_RDMA,
	RT_CG_MISC,
	RT_CG_NCTL
};
#define RT_CG_BIT(c) (1u << (c))

/* Name of a controller in v1 ("blkio") or v2 ("io") spelling. */
const char *rt_cg_ctl_name(enum rt_cg_ctl c, bool v2);
/* Controller from its name (either spelling); -1 when unknown. */
int rt_cg_ctl_from_name(const char *name, size_t len);

/* One mounted hierarchy, as discovered. */
struct rt_cg_mnt {
	char *mount; /* mount point, e.g. /sys/fs/cgroup/memory */
	char *root; /* root of the mount inside the hierarchy */
	char *own; /* the calling process's cgroup, relative to mount */
	char *name; /* v1 named hierarchy ("systemd"), else NULL */
	uint32_t ctls; /* v1: controllers bound to it */
	bool v2;
};

struct rt_cg_layout {
	enum rt_cgroup_layout kind;
	struct rt_cg_mnt *m;
	size_t n;
	int unified; /* index of the cgroup2 mount, -1 when none */
};

/* Discover the layout from the text of /proc/self/mountinfo and of
 * /proc/self/cgroup (so tests can feed fake hosts). */
int rt_cg_layout_parse(const char *mountinfo, const char *self_cgroup, struct rt_cg_layout *out,
		       struct brig_err *e);
/* The same from /proc/self. */
int rt_cg_layout_read(struct rt_cg_layout *out, struct brig_err *e);
void rt_cg_layout_clear(struct rt_cg_layout *l);
/* Undo mountinfo's octal escapes (\040) in place. */
void rt_cg_unescape(char *s);

/* ------------------------------------------------------------------ */
/* parsed configuration (cgroup_parse.c, cgroup_parse_res.c)            */
/* ------------------------------------------------------------------ */

/* An optional integer (uint64 members of the spec are <= INT64_MAX). */
struct rt_cg_opt {
	bool set;
	int64_t v;
};

/* Device access bits: the same values as BPF_DEVCG_ACC_*. */
enum {
	RT_CG_ACC_MKNOD = 1,
	RT_CG_ACC_READ = 2,
	RT_CG_ACC_WRITE = 4,
	RT_CG_ACC_ALL = 7,
};

struct rt_cg_devrule {
	bool allow;
	char type; /* 'a', 'b', 'c' */
	int64_t major; /* -1: any */
	int64_t minor; /* -1: any */
	unsigned access;
};

struct rt_cg_blkdev {
	int64_t major, minor;
	struct rt_cg_opt weight, leaf_weight; /* weightDevice */
	uint64_t rate; /* throttle* */
};

enum { RT_CG_THR_RBPS, RT_CG_THR_WBPS, RT_CG_THR_RIOPS, RT_CG_THR_WIOPS, RT_CG_THR_N };

struct rt_cg_huge {
	char *size; /* "2MB" */
	uint64_t limit;
};

struct rt_cg_rdma {
	char *dev;
	struct rt_cg_opt handles, objects;
};

struct rt_cg_prio {
	char *iface;
	uint32_t prio;
};

struct rt_cg_kv {
	char *key;
	char *val;
};

struct rt_cgroup_resources {
	struct {
		struct rt_cg_opt limit, reservation, swap, kernel, kernel_tcp;
		struct rt_cg_opt swappiness, disable_oom, use_hierarchy;
		bool check_before_update;
	} mem;
	struct {
		struct rt_cg_opt shares, quota, burst, period;
		struct rt_cg_opt rt_runtime, rt_period, idle;
		char *cpus, *mems;
	} cpu;
	struct rt_cg_opt pids_limit;
	struct {
		struct rt_cg_opt weight, leaf_weight;
		struct rt_cg_blkdev *wdev;
		size_t n_wdev;
		struct rt_cg_blkdev *thr[RT_CG_THR_N];
		size_t n_thr[RT_CG_THR_N];
	} blkio;
	struct rt_cg_huge *huge;
	size_t n_huge;
	struct {
		struct rt_cg_opt classid;
		struct rt_cg_prio *prio;
		size_t n_prio;
	} net;
	struct rt_cg_rdma *rdma;
	size_t n_rdma;
	struct rt_cg_kv *unified;
	size_t n_unified;
	bool devices_set;
	struct rt_cg_devrule *dev;
	size_t n_dev;
};

struct rt_cgroup_cfg {
	char *path; /* validated: "/abs" or "rel" */
	bool systemd;
	bool defer_devices; /* create() leaves the device rules to apply_devices() */
	bool limits; /* linux.resources has a member */
	struct rt_cgroup_resources *res;
};

/* Check a cgroup path ("..", empty components, length); at names it. */
int rt_cg_path_check(const char *path, const struct bj_loc *at, struct brig_err *e);
/* "slice:prefix:name" -> "/a.slice/a-b.slice/prefix-name.scope". */
int rt_cg_systemd_path(const char *spec, const char *id, const struct bj_loc *at, char **out,
		       struct brig_err *e);
/* Parse "2MB" into bytes; -EINVAL when malformed. */
int rt_cg_pagesize_bytes(const char *s, uint64_t *out);
/* The device rules actually applied: deny all, the default devices, then the
 * user's rules after their last "deny all" (last match wins). */
int rt_cg_dev_effective(const struct rt_cgroup_resources *r, struct rt_cg_devrule **out, size_t *n,
			struct brig_err *e);
/* Controllers the resources need (RT_CG_BIT mask), apart from unified. */
uint32_t rt_cg_res_controllers(const struct rt_cgroup_resources *r);
/* Controllers named by the unified keys ("memory.high" -> memory). */
uint32_t rt_cg_unified_controllers(const struct rt_cgroup_resources *r);

/* ------------------------------------------------------------------ */
/* the live cgroup (cgroup.c)                                           */
/* ------------------------------------------------------------------ */

struct rt_cg_hier {
	char *mount; /* hierarchy mount point */
	char *base; /* where the path starts: mount or our own cgroup */
	char *dir; /* the container's cgroup (absolute path) */
	char *name; /* v1 named hierarchy, else NULL */
	char **created; /* dirs create() made, outermost first (strv) */
	uint32_t ctls; /* v1: controllers of the hierarchy */
	bool v2;
};

struct rt_cgroup {
	enum rt_cgroup_layout layout;
	struct rt_cg_hier *h;
	size_t n;
	int unified; /* index of the v2 hierarchy, -1 when none */
};

/* rt_cgroup_create() on a given layout (tests use a v2-only view). */
int rt_cg_create_in(const struct rt_cg_layout *l, const struct rt_cgroup_cfg *cfg,
		    struct rt_cgroup **out, struct brig_err *e);
/* Build the hierarchy list for path (no filesystem changes). */
int rt_cg_build(const struct rt_cg_layout *l, const char *path, struct rt_cgroup **out,
		struct brig_err *e);
/* The v1 hierarchy with controller c, else NULL. */
struct rt_cg_hier *rt_cg_v1_find(struct rt_cgroup *cg, enum rt_cg_ctl c);
/* The unified hierarchy, else NULL. */
struct rt_cg_hier *rt_cg_unified(struct rt_cgroup *cg);
/* Apply resources; update=false on create (defaults applied). */
int rt_cg_apply(struct rt_cgroup *cg, const struct rt_cgroup_resources *r, bool update,
		struct brig_err *e);

/* ------------------------------------------------------------------ */
/* cgroup files (cgroup_file.c)                                         */
/* ------------------------------------------------------------------ */

/* An open container cgroup directory. */
struct rt_cg_dir {
	int fd;
	const char *path;
};

int rt_cg_dir_open(struct rt_cg_dir *d, const char *path, struct brig_err *e);
void rt_cg_dir_close(struct rt_cg_dir *d);
/* Write val to d/file; errors name the file and the value. */
int rt_cg_write(const struct rt_cg_dir *d, const char *file, const char *val, struct brig_err *e);
/* rt_cg_write in two steps, for several writes to one file (each write
 * one value: v1 device rules); file only names it in errors. */
int rt_cg_open_w(const struct rt_cg_dir *d, const char *file, struct brig_err *e);
int rt_cg_write_fd(int fd, const struct rt_cg_dir *d, const char *file, const char *val,
		   struct brig_err *e);
int rt_cg_writef(const struct rt_cg_dir *d, const char *file, struct brig_err *e, const char *fmt,
		 ...) BRIG_PRINTF(4, 5);
int rt_cg_read(const struct rt_cg_dir *d, const char *file, char **out, struct brig_err *e);
/* Read a single number; "max" gives *max=true (when max is not NULL). */
int rt_cg_read_u64(const struct rt_cg_dir *d, const char *file, uint64_t *out, bool *max,
		   struct brig_err *e);
/* "key value" lines (memory.events, cpu.stat): value of key; 1 if absent. */
int rt_cg_read_keyed(const struct rt_cg_dir *d, const char *file, const char *key, uint64_t *out,
		     struct brig_err *e);
bool rt_cg_has(const struct rt_cg_dir *d, const char *file);
/* Whether a whitespace separated list contains word. */
bool rt_cg_word_in(const char *list, const char *word);
/* Sleep for the n-th retry (1 ms doubling up to 16 ms). */
void rt_cg_backoff(unsigned n);

/* ------------------------------------------------------------------ */
/* per-version resource writers (cgroup_v1.c, cgroup_v2.c)              */
/* ------------------------------------------------------------------ */

/* Apply the resource groups whose controller is in mask. */
int rt_cg_v1_apply(struct rt_cgroup *cg, const struct rt_cgroup_resources *r, bool update,
		   uint32_t mask, struct brig_err *e);
/* Copy cpuset.cpus/mems from the parent into a fresh v1 cpuset dir. */
int rt_cg_v1_cpuset_init(const char *dir, struct brig_err *e);
/* "dev hca_handle=N hca_object=M" (only the members that are set). */
int rt_cg_rdma_line(const struct rt_cg_rdma *d, char *buf, size_t size);
int rt_cg_v1_devices(const struct rt_cg_dir *d, const struct rt_cg_devrule *rules, size_t n,
		     struct brig_err *e);

/* Enable the controllers of mask (errors fatal) and optional (ignored) in
 * every cgroup from start down to dir's parent.  Controllers that start
 * itself does not offer are left for the caller to report. */
int rt_cg_v2_enable(const char *start, const char *dir, uint32_t mask, uint32_t optional,
		    struct brig_err *e);
int rt_cg_v2_apply(struct rt_cgroup *cg, const struct rt_cgroup_resources *r, bool update,
		   uint32_t mask, struct brig_err *e);
/* Controllers listed in dir/cgroup.controllers (RT_CG_BIT mask). */
int rt_cg_v2_controllers(const char *dir, uint32_t *mask, struct brig_err *e);

/* ------------------------------------------------------------------ */
/* v2 device filter (cgroup_bpf.c)                                      */
/* ------------------------------------------------------------------ */

struct bpf_insn;
/* Assemble the BPF_PROG_TYPE_CGROUP_DEVICE program for rules (in order,
 * last match wins per access bit, default deny). Free *out. */
int rt_cg_bpf_build(const struct rt_cg_devrule *rules, size_t n, struct bpf_insn **out,
		    size_t *count, struct brig_err *e);
/* Load it; returns the program fd. */
int rt_cg_bpf_load(const struct bpf_insn *insns, size_t count, struct brig_err *e);
/* Attach progfd to the cgroup dir fd, replacing device programs there. */
int rt_cg_bpf_attach(int cgfd, const char *path, int progfd, struct brig_err *e);
/* All three. */
int rt_cg_bpf_devices(int cgfd, const char *path, const struct rt_cg_devrule *rules, size_t n,
		      struct brig_err *e);

int rt_cg_write_cpuset(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
		       struct brig_err *e);

int rt_cg_write_hugetlb(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
			const char *limit, const char *rsvd, struct brig_err *e);

#endif /* BRIG_RUNTIME_CGROUP_INT_H */
