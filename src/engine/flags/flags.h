/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/flags: Docker's container flags (`brig run/create`) turned into
 * changes to an OCI runtime config.
 *
 * Use:
 *   struct eng_flags *f = eng_flags_new();
 *   eng_flags_set(f, "memory", "512m", &e);     // each value checked now
 *   eng_flags_set(f, "volume", "data:/var/lib/x", &e);
 *   ... resolve the named volumes (eng_flags_volume_*) ...
 *   eng_flags_apply(f, oci, &e);                // cross-flag checks, edits
 *   json_t *hc = eng_flags_host_config(f);      // for `brig inspect`
 *   eng_flags_free(f);
 *
 * Flag names are the long names without dashes ("memory", "cap-add"); the
 * short forms "m", "c", "h" and "v" are accepted too.  Boolean flags take
 * NULL or "" (meaning true), "true"/"false", "1"/"0".  Errors name the flag:
 * "--memory: invalid size \"12x\"".  docs/flags.md describes every flag and
 * the choices brig makes where Docker's behaviour is weaker.
 *
 * Nothing here touches the host except --device and --mount type=bind,
 * which stat their host path when the flag is set.
 */
#ifndef BRIG_ENGINE_FLAGS_H
#define BRIG_ENGINE_FLAGS_H

#include "common/common.h"

struct eng_flags;

/* Limits on what one set of flags may hold. */
#define ENG_FLAG_VALUE_MAX 4096 /* bytes in one flag value */
#define ENG_FLAG_REPEAT_MAX 256 /* values of one repeatable flag */

/* In process.rlimits an "unlimited" ulimit is written as INT64_MAX (jansson
 * cannot write RLIM_INFINITY, 2^64-1, and every runtime accepts INT64_MAX,
 * which the kernel treats as no limit). */
#define ENG_RLIM_UNLIMITED_JSON INT64_MAX

struct eng_flags *eng_flags_new(void);
void eng_flags_free(struct eng_flags *f);
static inline void eng_flags_freep(struct eng_flags **f)
{
	eng_flags_free(*f);
}
#define _cleanup_eng_flags_ _cleanup_(eng_flags_freep)

/* Record one flag.  Repeatable flags (ulimit, cap-add, cap-drop, device,
 * sysctl, tmpfs, volume, mount, security-opt, group-add) accumulate; for the
 * others the last value wins.  Unknown names are refused (-EINVAL). */
int eng_flags_set(struct eng_flags *f, const char *flag, const char *value, struct brig_err *e);
/* Whether name is a flag this library knows, and whether it takes a value
 * (false for booleans such as "privileged", which may still get one). */
bool eng_flags_known(const char *flag, bool *takes_value);

/*
 * Apply the flags to oci (a config built from brig's defaults and the image).
 * Cross-flag checks happen here.  On error oci is left unchanged.
 * Named volumes must have been resolved first (eng_flags_volume_resolve).
 */
int eng_flags_apply(const struct eng_flags *f, json_t *oci, struct brig_err *e);

/* Only the resource flags (memory, cpus, pids-limit, ...) applied to oci's
 * linux.resources, with their cross-flag checks against what oci already
 * has; for `brig update`.  On error oci is left unchanged. */
int eng_flags_apply_resources(const struct eng_flags *f, json_t *oci, struct brig_err *e);

/* Docker-style HostConfig members (Memory, NanoCpus, Ulimits, CapAdd, Binds,
 * Mounts, ...) describing the flags.  NULL only when out of memory. */
json_t *eng_flags_host_config(const struct eng_flags *f);

/* Messages about options accepted but without effect here (z/Z relabeling,
 * SELinux labels): a NULL-terminated vector owned by f. */
char *const *eng_flags_notices(const struct eng_flags *f);

/* ---- named volumes (-v NAME:/dst, --mount type=volume) ----------------- */

struct eng_volume_req {
	const char *name; /* "" for an anonymous volume */
	const char *destination; /* absolute path in the container */
	bool readonly;
	bool nocopy; /* do not copy the image's content into it */
	const char *host_path; /* NULL until resolved */
};

size_t eng_flags_volume_count(const struct eng_flags *f);
/* Request i (0-based, command-line order); -ENOENT past the end. */
int eng_flags_volume_get(const struct eng_flags *f, size_t i, struct eng_volume_req *out);
/* Tell request i which host directory (absolute) holds the volume. */
int eng_flags_volume_resolve(struct eng_flags *f, size_t i, const char *host_path,
			     struct brig_err *e);

/* ---- host binds (-v /PATH:/dst, --mount type=bind) ---------------------- */

size_t eng_flags_bind_count(const struct eng_flags *f);
/* Bind i (0-based, command-line order): the host source and the container
 * destination as given, read-only or not, and whether :U asked for the
 * source to be given to the container's user; -ENOENT past the end. */
struct eng_bind_flag {
	const char *src, *dst;
	bool readonly, chown_u;
};
int eng_flags_bind_get(const struct eng_flags *f, size_t i, struct eng_bind_flag *out);

/* ---- values the engine acts on itself ---------------------------------- */

/* --group-add values that are names, not numbers (NULL-terminated, owned by
 * f); the numeric ones are added to process.user.additionalGids by apply. */
char *const *eng_flags_group_names(const struct eng_flags *f);
/* --security-opt seccomp=: NULL (not given), "unconfined" or a file path.
 * apply removes linux.seccomp for "unconfined" (and for --privileged); for a
 * file the engine loads the profile and sets linux.seccomp itself. */
const char *eng_flags_seccomp_profile(const struct eng_flags *f);
bool eng_flags_privileged(const struct eng_flags *f);
/* After the user namespace is added: each --device HOST:OTHER as a bind. */
int eng_devices_userns(const struct eng_flags *f, json_t *oci, struct brig_err *e);
/* --stop-signal as a number (0 when not given), --stop-timeout in seconds
 * (false when not given). */
int eng_flags_stop_signal(const struct eng_flags *f);
bool eng_flags_stop_timeout(const struct eng_flags *f, int64_t *seconds);
/* --hostname, NULL when not given. */
const char *eng_flags_hostname(const struct eng_flags *f);

/* ---- parsers shared with other parts of brig ---------------------------- */

/* Docker's --ulimit names and their OCI rlimit types, sorted by name. */
#define ENG_ULIMIT_COUNT 16
struct eng_ulimit_name {
	const char *name, *oci;
};
extern const struct eng_ulimit_name eng_ulimit_names[ENG_ULIMIT_COUNT];
/* The names, in order, as "as, core, ..., stack", for error messages. */
#define ENG_ULIMIT_NAMES_TEXT 192
void eng_ulimit_names_text(char buf[ENG_ULIMIT_NAMES_TEXT]);

/* Sizes and signals: brig_parse_size and brig_parse_signal (common). */

#endif /* BRIG_ENGINE_FLAGS_H */
