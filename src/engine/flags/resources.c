/* SPDX-License-Identifier: Apache-2.0 */
/* Memory, CPU, pids and block I/O flags -> linux.resources. */
#include "engine/flags/flags-internal.h"

#include <sched.h>
#include <string.h>

#define MIN_MEMORY (6LL << 20) /* Docker's floor for a memory limit */
#define CPU_PERIOD 100000 /* --cpus uses this CFS period (us) */

static int set_i64(struct opt_i64 *o, int64_t v)
{
	o->set = true;
	o->v = v;
	return 0;
}

static int set_mem(struct opt_i64 *o, const char *v, const char *what, struct brig_err *e)
{
	int64_t n;
	int r = brig_parse_size(v, &n, e);
	if (r < 0)
		return r;
	if (n < MIN_MEMORY)
		return brig_err_set(e, -EINVAL, "%s %lld is below the minimum of 6m", what,
				    (long long)n);
	return set_i64(o, n);
}

int eng_set_memory(struct eng_flags *f, const char *v, struct brig_err *e)
{
	if (strcmp(v, "-1") == 0)
		return set_i64(&f->memory, -1);
	return set_mem(&f->memory, v, "memory limit", e);
}

int eng_set_memory_swap(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int64_t n;
	if (strcmp(v, "-1") == 0)
		return set_i64(&f->memory_swap, -1);
	int r = brig_parse_size(v, &n, e);
	if (r < 0)
		return r;
	f->memory_swap.set = n != 0; /* 0: as if not given, like Docker */
	f->memory_swap.v = n;
	return 0;
}

int eng_set_memory_reservation(struct eng_flags *f, const char *v, struct brig_err *e)
{
	return set_mem(&f->memory_reservation, v, "memory reservation", e);
}

int eng_set_memory_swappiness(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int64_t n;
	int r = eng_parse_int(v, -1, 100, &n, e);
	if (r < 0)
		return r;
	f->memory_swappiness.set = n >= 0; /* -1: the kernel's default */
	f->memory_swappiness.v = n;
	return 0;
}

int eng_set_oom_kill_disable(struct eng_flags *f, const char *v, struct brig_err *e)
{
	if (eng_parse_bool(v, &f->oom_kill_disable.v) < 0)
		return brig_err_set(e, -EINVAL, "invalid boolean \"%.64s\"", v);
	f->oom_kill_disable.set = true;
	return 0;
}

int eng_set_cpu_shares(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int64_t n;
	int r = eng_parse_int(v, 0, 262144, &n, e);
	if (r < 0)
		return r;
	if (n == 1)
		return brig_err_set(e, -EINVAL, "1 is below the minimum of 2");
	f->cpu_shares.set = n != 0;
	f->cpu_shares.v = n;
	return 0;
}

static int64_t online_cpus(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	int n = CPU_COUNT(&set);
	return n > 0 ? n : 1;
}

int eng_set_cpus(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int64_t nano, ncpu = online_cpus();
	int r = eng_parse_cpus(v, &nano, e);
	if (r < 0)
		return r;
	if (nano == 0) {
		f->nano_cpus.set = false;
		return 0;
	}
	if (nano < 10000000 || nano > ncpu * 1000000000LL)
		return brig_err_set(e, -ERANGE,
				    "%s is out of range: from 0.01 to %lld.00 "
				    "(the CPUs available)",
				    v, (long long)ncpu);
	return set_i64(&f->nano_cpus, nano);
}

int eng_set_cpu_quota(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int64_t n;
	int r = eng_parse_int(v, -1, INT64_MAX, &n, e);
	if (r < 0)
		return r;
	if (n > 0 && n < 1000)
		return brig_err_set(e, -ERANGE, "%lld is below the minimum of 1000 (1ms)",
				    (long long)n);
	f->cpu_quota.set = n != 0;
	f->cpu_quota.v = n;
	return 0;
}

int eng_set_cpu_period(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int64_t n;
	int r = eng_parse_int(v, 0, 1000000, &n, e);
	if (r < 0)
		return r;
	if (n > 0 && n < 1000)
		return brig_err_set(e, -ERANGE, "%lld is below the minimum of 1000 (1ms)",
				    (long long)n);
	f->cpu_period.set = n != 0;
	f->cpu_period.v = n;
	return 0;
}

static int set_list(char **dst, const char *v, struct brig_err *e)
{
	int r = eng_parse_cpulist(v, e);
	if (r < 0)
		return r;
	char *c = strdup(v);
	if (!c)
		return brig_err_oom(e);
	free(*dst);
	*dst = c;
	return 0;
}

int eng_set_cpuset_cpus(struct eng_flags *f, const char *v, struct brig_err *e)
{
	return set_list(&f->cpuset_cpus, v, e);
}

int eng_set_cpuset_mems(struct eng_flags *f, const char *v, struct brig_err *e)
{
	return set_list(&f->cpuset_mems, v, e);
}

int eng_set_pids_limit(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int64_t n;
	int r = eng_parse_int(v, -1, INT64_MAX, &n, e);
	if (r < 0)
		return r;
	return set_i64(&f->pids_limit, n == 0 ? -1 : n); /* 0 and -1: unlimited */
}

int eng_set_blkio_weight(struct eng_flags *f, const char *v, struct brig_err *e)
{
	int64_t n;
	int r = eng_parse_int(v, 0, 1000, &n, e);
	if (r < 0)
		return r;
	if (n != 0 && n < 10)
		return brig_err_set(e, -ERANGE, "%lld is out of range [10, 1000]", (long long)n);
	f->blkio_weight.set = n != 0;
	f->blkio_weight.v = n;
	return 0;
}

/* ---- apply --------------------------------------------------------------- */

/* The memory limit in effect: the flag's, else the config's (engine
 * default); 0 when there is none (or it is unlimited). */
static int64_t effective_limit(const struct eng_flags *f, const json_t *mem)
{
	if (f->memory.set)
		return f->memory.v > 0 ? f->memory.v : 0;
	json_t *l = json_object_get(mem, "limit");
	return json_is_integer(l) && json_integer_value(l) > 0 ? json_integer_value(l) : 0;
}

static int check_memory(const struct eng_flags *f, int64_t limit, struct brig_err *e)
{
	if (f->memory_swap.set && f->memory_swap.v != -1) {
		if (limit == 0)
			return brig_err_set(e, -EINVAL,
					    "--memory-swap needs a memory limit (--memory)");
		if (f->memory_swap.v < limit)
			return brig_err_set(e, -EINVAL,
					    "--memory-swap (%lld) must not be smaller "
					    "than --memory (%lld): it is memory plus swap",
					    (long long)f->memory_swap.v, (long long)limit);
	}
	if (f->memory_reservation.set && limit > 0 && f->memory_reservation.v > limit)
		return brig_err_set(e, -EINVAL,
				    "--memory-reservation (%lld) must not be larger "
				    "than --memory (%lld)",
				    (long long)f->memory_reservation.v, (long long)limit);
	if (f->oom_kill_disable.set && f->oom_kill_disable.v && limit == 0)
		return brig_err_set(e, -EINVAL,
				    "--oom-kill-disable needs a memory limit "
				    "(--memory): without one the host could run out of memory");
	return 0;
}

static int apply_memory(const struct eng_flags *f, json_t *res, struct brig_err *e)
{
	json_t *mem = eng_json_obj(res, "memory");
	if (!mem)
		return brig_err_set(e, -EINVAL, "linux.resources.memory is not an object");
	int64_t limit = effective_limit(f, mem);
	int r = check_memory(f, limit, e);
	if (r < 0)
		return r;
	if (f->memory.set) {
		if ((r = eng_json_set(mem, "limit", json_integer(f->memory.v), e)) < 0)
			return r;
		/* No --memory-swap: no swap at all (memory+swap == memory). */
		if (!f->memory_swap.set &&
		    (r = eng_json_set(mem, "swap", json_integer(f->memory.v), e)) < 0)
			return r;
	}
	if (f->memory_swap.set &&
	    (r = eng_json_set(mem, "swap", json_integer(f->memory_swap.v), e)) < 0)
		return r;
	if (f->memory_reservation.set &&
	    (r = eng_json_set(mem, "reservation", json_integer(f->memory_reservation.v), e)) < 0)
		return r;
	if (f->memory_swappiness.set &&
	    (r = eng_json_set(mem, "swappiness", json_integer(f->memory_swappiness.v), e)) < 0)
		return r;
	if (f->oom_kill_disable.set &&
	    (r = eng_json_set(mem, "disableOOMKiller", json_boolean(f->oom_kill_disable.v), e)) < 0)
		return r;
	if (json_object_size(mem) == 0)
		(void)json_object_del(res, "memory");
	return 0;
}

static int apply_cpu(const struct eng_flags *f, json_t *res, struct brig_err *e)
{
	if (f->nano_cpus.set && (f->cpu_quota.set || f->cpu_period.set))
		return brig_err_set(e, -EINVAL, "--cpus cannot be combined with %s",
				    f->cpu_quota.set ? "--cpu-quota" : "--cpu-period");
	json_t *cpu = eng_json_obj(res, "cpu");
	if (!cpu)
		return brig_err_set(e, -EINVAL, "linux.resources.cpu is not an object");
	int r = 0;
	if (f->cpu_shares.set)
		r = eng_json_set(cpu, "shares", json_integer(f->cpu_shares.v), e);
	if (r == 0 && f->nano_cpus.set) {
		int64_t quota = f->nano_cpus.v / (1000000000LL / CPU_PERIOD);
		r = eng_json_set(cpu, "period", json_integer(CPU_PERIOD), e);
		if (r == 0)
			r = eng_json_set(cpu, "quota", json_integer(quota), e);
	}
	if (r == 0 && f->cpu_quota.set)
		r = eng_json_set(cpu, "quota", json_integer(f->cpu_quota.v), e);
	if (r == 0 && f->cpu_period.set)
		r = eng_json_set(cpu, "period", json_integer(f->cpu_period.v), e);
	if (r == 0 && f->cpuset_cpus)
		r = eng_json_set(cpu, "cpus", json_string(f->cpuset_cpus), e);
	if (r == 0 && f->cpuset_mems)
		r = eng_json_set(cpu, "mems", json_string(f->cpuset_mems), e);
	if (json_object_size(cpu) == 0)
		(void)json_object_del(res, "cpu");
	return r;
}

int eng_apply_resources(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	json_t *lx = eng_json_obj(oci, "linux");
	json_t *res = lx ? eng_json_obj(lx, "resources") : NULL;
	if (!res)
		return brig_err_set(e, -EINVAL, "linux.resources is not an object");
	int r;
	if ((r = apply_memory(f, res, e)) < 0 || (r = apply_cpu(f, res, e)) < 0)
		return r;
	if (f->pids_limit.set) {
		json_t *pids = eng_json_obj(res, "pids");
		if (!pids)
			return brig_err_set(e, -EINVAL, "linux.resources.pids is not an object");
		if ((r = eng_json_set(pids, "limit", json_integer(f->pids_limit.v), e)) < 0)
			return r;
	}
	if (f->blkio_weight.set) {
		json_t *bio = eng_json_obj(res, "blockIO");
		if (!bio)
			return brig_err_set(e, -EINVAL, "linux.resources.blockIO is not an object");
		if ((r = eng_json_set(bio, "weight", json_integer(f->blkio_weight.v), e)) < 0)
			return r;
	}
	if (json_object_size(res) == 0)
		(void)json_object_del(lx, "resources");
	return 0;
}
