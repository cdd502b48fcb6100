/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v2 device allowlist: a BPF_PROG_TYPE_CGROUP_DEVICE program
 * assembled by hand from the rules, loaded with bpf(BPF_PROG_LOAD) and
 * attached to the container's cgroup with BPF_PROG_ATTACH.
 *
 * The program sees (type, access bits, major, minor) and returns 1 (allow)
 * or 0 (deny).  Rules are evaluated in order with the last match winning,
 * per access bit: it walks the rules backwards keeping the requested bits
 * not yet decided; a matching allow rule decides its bits, a matching deny
 * rule that covers an undecided bit denies.  Undecided bits are denied.
 */
#include "runtime/cgroup/cgroup-internal.h"

#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>

_Static_assert((int)RT_CG_ACC_MKNOD == (int)BPF_DEVCG_ACC_MKNOD &&
		       (int)RT_CG_ACC_READ == (int)BPF_DEVCG_ACC_READ &&
		       (int)RT_CG_ACC_WRITE == (int)BPF_DEVCG_ACC_WRITE,
	       "device access bits must match the kernel's");

/*
 * Registers: r1 ctx, w2 type, w4 major, w5 minor, w6 requested access bits
 * not yet decided, w7 scratch.  Comparisons are made on w7 (w7 = K ^ reg,
 * never a copy linked to reg) so the verifier learns nothing new about w2,
 * w4, w5: the states reaching each rule then differ only in w6 and prune
 * well, which keeps long rule lists within the verifier's limits.
 */
enum { R0, R1, R2, R3, R4, R5, R6, R7 };
#define NEXT_BLOCK INT16_MIN /* jump target placeholder: end of the block */
#define MAX_INSNS 1000000 /* the kernel's limit for privileged loaders */
struct prog {
	struct bpf_insn *insn;
	size_t n, cap;
	bool oom;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64;
		struct bpf_insn *ni = realloc(p->insn, ncap * sizeof(*ni));
		if (!ni) {
			p->oom = true;
			return;
		}
		p->insn = ni;
		p->cap = ncap;
	}
	p->insn[p->n++] = (struct bpf_insn){
		.code = code, .dst_reg = dst & 0xf, .src_reg = src & 0xf, .off = off, .imm = imm
	};
}

static void emit_ret(struct prog *p, int32_t v)
{
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, v);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static void emit_prologue(struct prog *p)
{
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R2, R1, 0, 0); /* access_type */
	emit(p, BPF_ALU | BPF_MOV | BPF_X, R6, R2, 0, 0);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, R6, 0, 0, 16);
	emit(p, BPF_ALU | BPF_AND | BPF_K, R6, 0, 0, RT_CG_ACC_ALL); /* access bits */
	emit(p, BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 0xffff); /* device type */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R4, R1, 4, 0); /* major */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R5, R1, 8, 0); /* minor */
}

/* if (reg != k) goto end of block, through the scratch register */
static void emit_ne(struct prog *p, uint8_t reg, uint32_t k)
{
	emit(p, BPF_ALU | BPF_MOV | BPF_K, R7, 0, 0, (int32_t)k);
	emit(p, BPF_ALU | BPF_XOR | BPF_X, R7, reg, 0, 0);
	emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R7, 0, NEXT_BLOCK, 0);
}

/* One rule; returns true when it matches everything (nothing before it in
 * the list can matter). */
static bool emit_rule(struct prog *p, const struct rt_cg_devrule *r)
{
	size_t start = p->n;
	bool uncond = r->type == 'a' && r->major < 0 && r->minor < 0;
	if (r->type != 'a')
		emit_ne(p, R2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (r->major >= 0)
		emit_ne(p, R4, (uint32_t)r->major);
	if (r->minor >= 0)
		emit_ne(p, R5, (uint32_t)r->minor);
	if (r->allow && r->access != RT_CG_ACC_ALL) {
		/* these bits are decided (allowed); more remain: go on */
		emit(p, BPF_ALU | BPF_AND | BPF_K, R6, 0, 0, (int32_t)(~r->access & RT_CG_ACC_ALL));
		emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R6, 0, NEXT_BLOCK, 0);
	} else if (!r->allow && r->access != RT_CG_ACC_ALL) {
		/* deny only when it covers a bit still undecided */
		emit(p, BPF_ALU | BPF_MOV | BPF_K, R7, 0, 0, (int32_t)r->access);
		emit(p, BPF_ALU | BPF_AND | BPF_X, R7, R6, 0, 0);
		emit(p, BPF_JMP32 | BPF_JEQ | BPF_K, R7, 0, NEXT_BLOCK, 0);
	}
	emit_ret(p, r->allow ? 1 : 0);
	if (p->oom)
		return false;
	for (size_t i = start; i < p->n; i++)
		if (p->insn[i].off == NEXT_BLOCK)
			p->insn[i].off = (int16_t)(p->n - (i + 1));
	return uncond && r->access == RT_CG_ACC_ALL;
}

int rt_cg_bpf_build(const struct rt_cg_devrule *rules, size_t n, struct bpf_insn **out,
		    size_t *count, struct brig_err *e)
{
	struct prog p = { 0 };
	emit_prologue(&p);
	bool done = false;
	for (size_t i = n; i-- > 0 && !done && !p.oom;)
		done = emit_rule(&p, &rules[i]);
	if (!done)
		emit_ret(&p, 0);
	if (p.oom) {
		free(p.insn);
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	if (p.n > MAX_INSNS) {
		free(p.insn);
		return brig_err_set(e, -E2BIG,
				    "device rules need %zu BPF instructions, "
				    "at most %d are allowed",
				    p.n, MAX_INSNS);
	}
	*out = p.insn;
	*count = p.n;
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static uint64_t ptr64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

int rt_cg_bpf_load(const struct bpf_insn *insns, size_t count, struct brig_err *e)
{
	static const char license[] = "Apache-2.0";
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = ptr64(insns);
	attr.insn_cnt = (uint32_t)count;
	attr.license = ptr64(license);
	memcpy(attr.prog_name, "brig_devices", sizeof("brig_devices"));
	int fd = BRIG_RETRY(sys_bpf(BPF_PROG_LOAD, &attr));
	if (fd >= 0)
		return fd;
	int saved = errno;
	/* Load again with the verifier log for the message. */
	_cleanup_free_ char *log = calloc(1, 16384);
	if (log) {
		attr.log_buf = ptr64(log);
		attr.log_size = 16384;
		attr.log_level = 1;
		int fd2 = BRIG_RETRY(sys_bpf(BPF_PROG_LOAD, &attr));
		if (fd2 >= 0)
			return fd2;
		for (char *c = log; *c; c++)
			if (*c == '\n')
				*c = ' ';
	}
	return brig_err_sys(e, saved, "loading the device filter (bpf BPF_PROG_LOAD%s%.300s)",
			    log && *log ? ": " : "", log ? log : "");
}

/* Ids of the device programs attached to cgfd (at most max). */
static int query(int cgfd, uint32_t *ids, uint32_t max, uint32_t *n)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cgfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = ptr64(ids);
	attr.query.prog_cnt = max;
	if (BRIG_RETRY(sys_bpf(BPF_PROG_QUERY, &attr)) < 0)
		return -errno;
	*n = attr.query.prog_cnt < max ? attr.query.prog_cnt : max;
	return 0;
}

static int prog_fd_by_id(uint32_t id)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	int fd = BRIG_RETRY(sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr));
	return fd < 0 ? -errno : fd;
}

static int attach(int cgfd, int progfd, uint32_t flags, int replacefd)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)progfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = flags;
	if (replacefd >= 0)
		attr.replace_bpf_fd = (uint32_t)replacefd;
	return BRIG_RETRY(sys_bpf(BPF_PROG_ATTACH, &attr)) < 0 ? -errno : 0;
}

static int detach(int cgfd, int progfd)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)progfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	return BRIG_RETRY(sys_bpf(BPF_PROG_DETACH, &attr)) < 0 ? -errno : 0;
}

int rt_cg_bpf_attach(int cgfd, const char *path, int progfd, struct brig_err *e)
{
	uint32_t ids[64], n = 0;
	int r = query(cgfd, ids, BRIG_ARRAY_SIZE(ids), &n);
	if (r < 0)
		return brig_err_sys(e, -r, "querying the device filters of %s", path);
	if (n == 1) {
		/* Atomic replacement of the one program there. */
		_cleanup_close_ int old = prog_fd_by_id(ids[0]);
		if (old >= 0 && attach(cgfd, progfd, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, old) == 0)
			return 0;
	}
	r = attach(cgfd, progfd, BPF_F_ALLOW_MULTI, -1);
	if (r == -EPERM && n > 0)
		r = attach(cgfd, progfd, 0, -1); /* a non-multi program was there */
	if (r < 0)
		return brig_err_sys(e, -r, "attaching the device filter to %s", path);
	/* Then drop the programs it replaces (more restrictive meanwhile). */
	for (uint32_t i = 0; i < n; i++) {
		_cleanup_close_ int old = prog_fd_by_id(ids[i]);
		if (old < 0 || (r = detach(cgfd, old)) < 0)
			brig_debug("old device filter %u of %s: %s", ids[i], path,
				   strerror(old < 0 ? -old : -r));
	}
	return 0;
}

int rt_cg_bpf_devices(int cgfd, const char *path, const struct rt_cg_devrule *rules, size_t n,
		      struct brig_err *e)
{
	_cleanup_free_ struct bpf_insn *insns = NULL;
	size_t count = 0;
	int r = rt_cg_bpf_build(rules, n, &insns, &count, e);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = rt_cg_bpf_load(insns, count, e);
	if (fd < 0)
		return fd;
	return rt_cg_bpf_attach(cgfd, path, fd, e);
}
