/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig update: change the resource limits and the restart policy of a
 * container, running or not.  The new limits are checked by the same code
 * as `run`'s flags (engine/flags), written to the running container's
 * cgroup first (brig-runtime's update), and only then to the record, so a
 * refused value leaves both as they were.  A stopped container gets them
 * at its next start (the record's OCI config is what start uses); a
 * running container's monitor reads the restart policy again when the
 * container exits (supervise.c), so a new policy applies to the run in
 * progress, as with Docker.
 */
#include "engine/flags/flags.h"
#include "engine/record-internal.h"

#include <string.h>

/* Which HostConfig members a flag changes (Docker's names). */
static const struct {
	const char *flag, *member;
} members[] = {
	{ "memory", "Memory" },
	{ "memory-swap", "MemorySwap" },
	{ "memory-reservation", "MemoryReservation" },
	{ "cpus", "NanoCpus" },
	{ "cpu-shares", "CpuShares" },
	{ "cpu-period", "CpuPeriod" },
	{ "cpu-quota", "CpuQuota" },
	{ "cpuset-cpus", "CpusetCpus" },
	{ "cpuset-mems", "CpusetMems" },
	{ "pids-limit", "PidsLimit" },
	{ "blkio-weight", "BlkioWeight" },
};

bool eng_update_flag_known(const char *flag)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(members); i++)
		if (!strcmp(members[i].flag, flag))
			return true;
	return false;
}

struct update {
	struct eng *g;
	const struct eng_update_opts *o;
	struct eng_flags *flags;
	enum eng_restart restart;
	int64_t restart_max;
};

/* The HostConfig members the flags set; MemorySwap as the config now has
 * it (brig gives a container no swap unless --memory-swap says so). */
static json_t *changed_members(const struct update *u, const json_t *spec)
{
	_cleanup_json_ json_t *hc = eng_flags_host_config(u->flags);
	json_t *out = json_object();
	if (!hc || !out)
		return json_decref(out), NULL;
	for (size_t k = 0; k < u->o->n; k++)
		for (size_t i = 0; i < BRIG_ARRAY_SIZE(members); i++)
			if (!strcmp(members[i].flag, u->o->names[k]) &&
			    json_object_set(out, members[i].member,
					    json_object_get(hc, members[i].member)) < 0)
				return json_decref(out), NULL;
	const json_t *swap = json_object_get(
		json_object_get(json_object_get(json_object_get(spec, "linux"), "resources"),
				"memory"),
		"swap");
	if (json_object_get(out, "Memory") && json_is_integer(swap) &&
	    json_object_set(out, "MemorySwap", (json_t *)swap) < 0)
		return json_decref(out), NULL;
	return out;
}

static int update_record(struct eng_record *rec, void *arg, struct brig_err *e)
{
	struct update *u = arg;
	if (u->o->restart && rec->auto_remove && u->restart != ENG_RESTART_NO)
		return brig_err_set(e, -EINVAL,
				    "--restart: the container is removed when it exits (--rm), "
				    "so it cannot have a restart policy");
	if (u->o->n > 0) {
		_cleanup_json_ json_t *spec = json_deep_copy(rec->spec);
		if (!spec)
			return brig_err_oom(e);
		int r = eng_flags_apply_resources(u->flags, spec, e);
		if (r < 0)
			return r;
		const json_t *res = json_object_get(json_object_get(spec, "linux"), "resources");
		if (rec->state.status == ENG_ST_RUNNING && res &&
		    (r = rt_update(&u->g->rt, rec->id, res, "brig update", e)) < 0)
			return r;
		_cleanup_json_ json_t *hc = changed_members(u, spec);
		if (!hc)
			return brig_err_oom(e);
		if ((r = eng_record_set_spec(rec, spec, e)) < 0 ||
		    (r = eng_record_set_host_config(rec, hc, e)) < 0)
			return r;
	}
	return u->o->restart ? eng_record_set_restart(rec, u->restart, u->restart_max, e) : 0;
}

int eng_update(struct eng *g, const char *id, const struct eng_update_opts *o, struct brig_err *e)
{
	if (o->n == 0 && !o->restart)
		return brig_err_set(e, -EINVAL, "nothing to change: give a limit or --restart");
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	if (!f)
		return brig_err_oom(e);
	struct update u = { .g = g, .o = o, .flags = f };
	for (size_t i = 0; i < o->n; i++) {
		if (!eng_update_flag_known(o->names[i]))
			return brig_err_set(e, -EINVAL, "--%s cannot be changed by update",
					    o->names[i]);
		int r = eng_flags_set(f, o->names[i], o->values[i], e);
		if (r < 0)
			return r;
	}
	int r = o->restart ? eng_restart_parse(o->restart, &u.restart, &u.restart_max, e) : 0;
	if (r < 0)
		return brig_err_wrap(e, "--restart");
	return eng_record_update(g, id, update_record, &u, e);
}
