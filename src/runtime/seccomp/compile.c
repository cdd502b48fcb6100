/* SPDX-License-Identifier: Apache-2.0 */
/* struct sc_config -> libseccomp filter -> raw BPF program in memory, and the
 * struct rt_seccomp that carries it to the container process. */
#include "runtime/seccomp/seccomp-internal.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static int add_archs(scmp_filter_ctx ctx, const struct sc_config *cfg, const struct bj_loc *at,
		     struct brig_err *e)
{
	struct bj_loc arr, el;
	bj_key(&arr, at, "architectures");
	for (size_t i = 0; i < cfg->n_archs; i++) {
		int r = seccomp_arch_add(ctx, cfg->archs[i]);
		bj_idx(&el, &arr, i);
		if (r == -EEXIST) /* native, or listed twice */
			continue;
		/* -EDOM: the other byte order than the native architecture.
		 * A kernel's ABIs all share its byte order, so such syscalls
		 * never reach this filter; libseccomp cannot mix the two. */
		if (r == -EDOM) {
			brig_debug(
				"%s: %s: skipped, byte order differs from the native architecture",
				el.file, el.path);
			continue;
		}
		if (r < 0)
			return sc_fail_sys(e, r, &el, "adding the architecture");
	}
	return 0;
}

/* runc's rule for conditions: libseccomp refuses two conditions on the same
 * argument in one rule, so when an index repeats, every condition becomes a
 * rule of its own, which makes them alternatives (OR).  Otherwise all the
 * conditions form one rule (AND). */
static bool index_repeats(const struct sc_rule *rule)
{
	unsigned int seen = 0;
	for (size_t i = 0; i < rule->n_args; i++) {
		unsigned int bit = 1u << rule->args[i].index;
		if (seen & bit)
			return true;
		seen |= bit;
	}
	return false;
}

static struct scmp_arg_cmp to_cmp(const struct sc_arg *a)
{
	struct scmp_arg_cmp c = {
		.arg = a->index,
		.op = a->op,
		.datum_a = a->value,
		.datum_b = a->value_two,
	};
	return c;
}

static int add_one(scmp_filter_ctx ctx, const struct sc_rule *rule, int nr, const char *name,
		   const struct bj_loc *at, struct brig_err *e)
{
	struct scmp_arg_cmp conds[SC_ARGS_PER_SYSCALL];
	int r;
	if (rule->n_args == 0) {
		r = seccomp_rule_add_array(ctx, rule->action, nr, 0, NULL);
	} else if (index_repeats(rule)) {
		r = 0;
		for (size_t i = 0; i < rule->n_args && r == 0; i++) {
			conds[0] = to_cmp(&rule->args[i]);
			r = seccomp_rule_add_array(ctx, rule->action, nr, 1, conds);
		}
	} else {
		/* distinct indexes, so n_args <= SC_ARGS_PER_SYSCALL */
		for (size_t i = 0; i < rule->n_args; i++)
			conds[i] = to_cmp(&rule->args[i]);
		r = seccomp_rule_add_array(ctx, rule->action, nr, (unsigned int)rule->n_args,
					   conds);
	}
	if (r == -EEXIST)
		return sc_fail(
			e, r, at,
			"the rule for %s conflicts with an earlier rule with the same arguments",
			name);
	if (r < 0)
		return sc_fail_sys(e, r, at, "adding the rule for %s", name);
	return 0;
}

/* Names libseccomp does not know are skipped, as runc and crun do: profiles
 * list syscalls of every architecture and kernel version.  That is harmless
 * when the default action is restrictive; when it is not, the syscall stays
 * permitted, so say so. */
static void skip_unknown(const struct sc_config *cfg, const struct sc_rule *rule, const char *name,
			 const struct bj_loc *at)
{
	if (sc_action_permits(cfg->default_action) && !sc_action_permits(rule->action)) {
		const struct scmp_version *v = seccomp_version();
		brig_warn("%s: %s: syscall %s is unknown to libseccomp %u.%u.%u; "
			  "it stays permitted by the default action",
			  at->file, at->path, name, v ? v->major : 0, v ? v->minor : 0,
			  v ? v->micro : 0);
	} else
		brig_debug("%s: %s: unknown syscall %s ignored", at->file, at->path, name);
}

static int add_rules(scmp_filter_ctx ctx, const struct sc_config *cfg, const struct bj_loc *at,
		     size_t *added, struct brig_err *e)
{
	struct bj_loc arr, el;
	bj_key(&arr, at, "syscalls");
	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct sc_rule *rule = &cfg->rules[i];
		bj_idx(&el, &arr, rule->json_idx);
		/* libseccomp refuses rules that repeat the default action;
		 * they change nothing, so leave them out (as runc does). */
		if (rule->action == cfg->default_action)
			continue;
		for (char **n = rule->names; *n; n++) {
			int nr = seccomp_syscall_resolve_name(*n);
			if (nr == __NR_SCMP_ERROR) {
				skip_unknown(cfg, rule, *n, &el);
				continue;
			}
			int r = add_one(ctx, rule, nr, *n, &el, e);
			if (r < 0)
				return r;
			(*added)++;
		}
	}
	return 0;
}

/* seccomp_export_bpf writes to an fd; a memfd keeps it in memory. */
static int export_bpf(scmp_filter_ctx ctx, const struct bj_loc *at, struct sock_filter **insns,
		      size_t *n_insns, struct brig_err *e)
{
	_cleanup_close_ int fd = memfd_create("brig-seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return sc_fail_sys(e, errno, at, "memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return sc_fail_sys(e, r, at, "libseccomp could not generate the BPF program");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return sc_fail_sys(e, errno, at, "fstat of the BPF program");
	size_t size = (size_t)st.st_size;
	size_t n = size / sizeof(struct sock_filter);
	if (size == 0 || size % sizeof(struct sock_filter) != 0)
		return sc_fail(e, -EIO, at, "libseccomp produced a BPF program of %zu bytes", size);
	if (n > BPF_MAXINSNS)
		return sc_fail(
			e, -E2BIG, at,
			"the filter compiles to %zu BPF instructions, more than the kernel's limit of %d",
			n, BPF_MAXINSNS);
	_cleanup_free_ struct sock_filter *buf = malloc(size);
	if (!buf)
		return brig_err_set(e, -ENOMEM, "out of memory");
	size_t got = 0;
	while (got < size) {
		ssize_t k = BRIG_RETRY(pread(fd, (char *)buf + got, size - got, (off_t)got));
		if (k < 0)
			return sc_fail_sys(e, errno, at, "reading the BPF program");
		if (k == 0)
			return sc_fail(e, -EIO, at, "BPF program truncated");
		got += (size_t)k;
	}
	*insns = brig_steal_ptr(buf);
	*n_insns = n;
	return 0;
}

int sc_compile(const struct sc_config *cfg, const struct bj_loc *at, struct sock_filter **insns,
	       size_t *n_insns, struct brig_err *e)
{
	_cleanup_(ctx_releasep) scmp_filter_ctx ctx = seccomp_init(cfg->default_action);
	if (!ctx)
		return sc_fail(e, -EINVAL, at, "libseccomp refused the default action 0x%08x",
			       cfg->default_action);
	int r = add_archs(ctx, cfg, at, e);
	if (r < 0)
		return r;
	size_t added = 0;
	r = add_rules(ctx, cfg, at, &added, e);
	if (r < 0)
		return r;
	/* Binary-tree dispatch on the syscall number; libseccomp <= 2.5.4
	 * mishandles it for a filter without rules, which needs none. */
	if (added > 0) {
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
		if (r < 0)
			return sc_fail_sys(e, r, at, "enabling binary-tree optimization");
	}
	return export_bpf(ctx, at, insns, n_insns, e);
}

static unsigned int install_flags(const struct sc_config *cfg)
{
	unsigned int fl = cfg->flags;
	if (cfg->notify) {
		fl |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		/* TSYNC alone would make a listener fd and a failed thread
		 * id indistinguishable; the kernel wants TSYNC_ESRCH too. */
		if (fl & SECCOMP_FILTER_FLAG_TSYNC)
			fl |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	}
	return fl;
}

int rt_seccomp_parse(const json_t *obj, const struct bj_loc *at, struct rt_seccomp **out,
		     struct brig_err *e)
{
	*out = NULL;
	if (!obj || json_is_null(obj))
		return 0;
	struct sc_config cfg;
	int r = sc_config_parse(obj, at, &cfg, e);
	if (r < 0)
		return r;
	struct rt_seccomp *s = calloc(1, sizeof(*s));
	if (!s) {
		sc_config_clear(&cfg);
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	size_t n = 0;
	struct sc_cache_key key;
	bool keyed = sc_cache_key(obj, &key) == 0;
	if (keyed && sc_cache_lookup(&key, &s->insns, &n) == 0) {
		r = 0;
	} else {
		r = sc_compile(&cfg, at, &s->insns, &n, e);
		if (r == 0 && keyed)
			sc_cache_store(&key, s->insns, n);
	}
	if (keyed)
		sc_cache_key_clear(&key);
	if (r < 0) {
		sc_config_clear(&cfg);
		rt_seccomp_free(s);
		return r;
	}
	s->prog.len = (unsigned short)n;
	s->prog.filter = s->insns;
	s->flags = install_flags(&cfg);
	/* Each flag was checked on its own; now the exact combination. */
	if (!sc_kernel_accepts_flags(s->flags)) {
		struct bj_loc sub;
		bj_key(&sub, at, "flags");
		r = sc_fail(e, -EOPNOTSUPP, &sub,
			    "the running kernel refuses the seccomp flags 0x%x", s->flags);
		sc_config_clear(&cfg);
		rt_seccomp_free(s);
		return r;
	}
	s->notify = cfg.notify;
	s->listener_path = brig_steal_ptr(cfg.listener_path);
	s->listener_metadata = brig_steal_ptr(cfg.listener_metadata);
	sc_config_clear(&cfg);
	*out = s;
	return 0;
}

void rt_seccomp_free(struct rt_seccomp *s)
{
	if (!s)
		return;
	free(s->insns);
	free(s->listener_path);
	free(s->listener_metadata);
	free(s);
}

bool rt_seccomp_wants_notify(const struct rt_seccomp *s)
{
	return s && s->notify;
}

const char *rt_seccomp_listener_path(const struct rt_seccomp *s)
{
	return s ? s->listener_path : NULL;
}

const char *rt_seccomp_listener_metadata(const struct rt_seccomp *s)
{
	return s ? s->listener_metadata : NULL;
}

const struct sock_filter *rt_seccomp_program(const struct rt_seccomp *s, size_t *len)
{
	*len = s ? s->prog.len : 0;
	return s ? s->insns : NULL;
}

unsigned int rt_seccomp_install_flags(const struct rt_seccomp *s)
{
	return s ? s->flags : 0;
}
