/* SPDX-License-Identifier: Apache-2.0 */
/* The flags as Docker's HostConfig members, for `brig inspect`. */
#include "engine/flags/flags-internal.h"

#define DEFAULT_SHM_SIZE (64LL << 20) /* brig's /dev/shm, like Docker's */

static json_t *opt_or(const struct opt_i64 *o, json_int_t unset)
{
	return json_integer(o->set ? o->v : unset);
}

static json_t *opt_or_null(const struct opt_i64 *o)
{
	return o->set ? json_integer(o->v) : json_null();
}

static json_t *strv_or_null(char *const *v)
{
	return v ? eng_strv_json(v) : json_null();
}

static int hc_resources(const struct eng_flags *f, json_t *hc)
{
	/* No --memory-swap with --memory: memory+swap equals memory (no swap). */
	json_int_t swap = f->memory_swap.set ? f->memory_swap.v : f->memory.set ? f->memory.v : 0;
	json_t *v = json_pack(
		"{s:o,s:I,s:o,s:o,s:b,s:o,s:o,s:o,s:o,s:s,s:s,s:o,s:o}", "Memory",
		opt_or(&f->memory, 0), "MemorySwap", swap, "MemoryReservation",
		opt_or(&f->memory_reservation, 0), "MemorySwappiness",
		opt_or_null(&f->memory_swappiness), "OomKillDisable",
		f->oom_kill_disable.set && f->oom_kill_disable.v, "NanoCpus",
		opt_or(&f->nano_cpus, 0), "CpuShares", opt_or(&f->cpu_shares, 0), "CpuQuota",
		opt_or(&f->cpu_quota, 0), "CpuPeriod", opt_or(&f->cpu_period, 0), "CpusetCpus",
		f->cpuset_cpus ? f->cpuset_cpus : "", "CpusetMems",
		f->cpuset_mems ? f->cpuset_mems : "", "PidsLimit", opt_or_null(&f->pids_limit),
		"BlkioWeight", opt_or(&f->blkio_weight, 0));
	int r = v && json_object_update(hc, v) == 0 ? 0 : -1;
	json_decref(v);
	return r;
}

static int hc_security(const struct eng_flags *f, json_t *hc)
{
	json_t *v = json_pack(
		"{s:b,s:o,s:o,s:o,s:b,s:o,s:o,s:I}", "Privileged", eng_flags_privileged(f),
		"CapAdd", strv_or_null(f->cap_add), "CapDrop", strv_or_null(f->cap_drop),
		"SecurityOpt", strv_or_null(f->security_opt), "ReadonlyRootfs",
		!f->read_only.set || f->read_only.v, "GroupAdd", strv_or_null(f->group_add),
		"OomScoreAdj", opt_or(&f->oom_score_adj, 0), "ShmSize",
		(json_int_t)(f->shm_size.set ? f->shm_size.v : DEFAULT_SHM_SIZE));
	int r = v && json_object_update(hc, v) == 0 ? 0 : -1;
	json_decref(v);
	return r;
}

json_t *eng_flags_host_config(const struct eng_flags *f)
{
	json_t *hc = json_object();
	if (!hc)
		return NULL;
	if (hc_resources(f, hc) < 0 || hc_security(f, hc) < 0 || eng_hc_ulimits(f, hc) < 0 ||
	    eng_hc_devices(f, hc) < 0 || eng_hc_sysctls(f, hc) < 0 || eng_hc_mounts(f, hc) < 0) {
		json_decref(hc);
		return NULL;
	}
	return hc;
}
