/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/config: brig's engine configuration file.
 *
 * /etc/brig/brig.conf (or `brig --config FILE`) is a JSON object, in the
 * spirit of Docker's daemon.json, holding engine-wide defaults.  Every key
 * is optional; a key that is absent keeps brig's secure default.  Unknown
 * keys, wrong types and bad values are errors that name the file and the
 * JSON path: "/etc/brig/brig.conf: default-ulimits.nofile.Soft: expected an
 * integer, got string".  docs/engine-config.md describes every key and
 * etc/brig.conf.example lists them all at their defaults.
 *
 * Use:
 *   struct eng_config *c = NULL;
 *   eng_config_load(path_or_NULL, path_given_on_command_line, &c, &e);
 *   json_t *oci = rt_default_spec(false);
 *   eng_config_apply_defaults(c, oci, &e);   // then the image, then flags
 *   eng_config_free(c);
 */
#ifndef BRIG_ENGINE_CONFIG_H
#define BRIG_ENGINE_CONFIG_H

#include "common/common.h"

/* The largest configuration file read. */
#define ENG_CONFIG_MAX_SIZE (1024 * 1024)
/* Ulimit names known (Docker's --ulimit names: as, core, ... stack). */
#define ENG_CONFIG_N_ULIMITS 16
/* The most entries "default-capabilities" may hold. */
#define ENG_CONFIG_CAPS_MAX 64

/* Built-in defaults (also what etc/brig.conf.example spells out). */
#define ENG_CONFIG_DEF_MEMORY (1LL << 30) /* "1g" */
#define ENG_CONFIG_DEF_PIDS 1024
#define ENG_CONFIG_DEF_CPU_SHARES 1024
#define ENG_CONFIG_DEF_RESTART_CEILING 1000
#define ENG_CONFIG_DEF_BACKOFF_MAX_MS 60000 /* "60s" */
#define ENG_CONFIG_DEF_SUBID_USER "brig"
/* The host-wide registry of user namespace ranges (src/engine/userns.c). */
#define ENG_CONFIG_DEF_USERNS_REGISTRY "/var/lib/brig/userns"
/* Per-registry CAs: DIR/HOST[:PORT]/ca.crt (Docker's certs.d layout). */
#define ENG_CONFIG_DEF_CERTS_DIR "/etc/brig/certs.d"
#define ENG_CONFIG_DEF_DOWNLOADS 3 /* "max-concurrent-downloads" */
#define ENG_CONFIG_MAX_DOWNLOADS 16

enum eng_storage_choice {
	ENG_STORAGE_AUTO = 0, /* null: overlay where it works, else copy */
	ENG_STORAGE_OVERLAY,
	ENG_STORAGE_COPY,
};

enum eng_userns_choice {
	ENG_USERNS_AUTO = 0, /* a user namespace per container (default) */
	ENG_USERNS_HOST, /* the host's user namespace */
};

enum eng_remap_kind {
	ENG_REMAP_NONE = 0, /* null: a distinct subordinate range per container */
	ENG_REMAP_USER, /* "USER[:GROUP]": that user's /etc/subuid range */
	ENG_REMAP_IDS, /* "UID:GID:SIZE": this exact range */
};

/* "userns-remap": one fixed mapping used for every container. */
struct eng_config_remap {
	enum eng_remap_kind kind;
	char *user; /* ENG_REMAP_USER: the user name */
	char *group; /* ENG_REMAP_USER: the group name; NULL = same as user */
	uint32_t uid, gid, size; /* ENG_REMAP_IDS: host uid/gid and length */
};

/* One default resource limit (process.rlimits); -1 means unlimited. */
struct eng_config_ulimit {
	const char *name; /* Docker's name, "nofile" (static storage) */
	const char *oci; /* the OCI type, "RLIMIT_NOFILE" (static storage) */
	int64_t soft, hard;
};

/*
 * The effective engine configuration: the file's values over the built-in
 * defaults.  Plain data; read it directly, release with eng_config_free().
 */
struct eng_config {
	char *source; /* the file read; NULL when only built-in defaults apply */

	/* "default-ulimits": built-in nofile 1024:4096 and core 0:0, with the
	 * file's entries merged over them by name; ordered by name. */
	struct eng_config_ulimit ulimits[ENG_CONFIG_N_ULIMITS];
	size_t n_ulimits;

	int64_t memory; /* "default-memory" bytes; 0 = no default limit */
	int64_t memory_swap; /* "default-memory-swap": memory+swap bytes,
				0 = same as memory (no swap), -1 = unlimited */
	int64_t pids_limit; /* "default-pids-limit"; -1 = unlimited */
	int64_t cpu_shares; /* "default-cpu-shares" (2..262144) */
	int64_t storage_size; /* "default-storage-size" bytes; 0 = no bound */

	int64_t restart_ceiling; /* "restart-ceiling" */
	int64_t restart_backoff_max_ms; /* "restart-backoff-max" */

	enum eng_storage_choice storage_driver; /* "storage-driver" */
	enum eng_userns_choice userns; /* "userns" */
	struct eng_config_remap userns_remap; /* "userns-remap" */
	char *subid_user; /* "subid-user" */
	char *userns_registry; /* "userns-registry" */

	uint64_t log_max_size; /* "log-opts"."max-size" bytes */
	unsigned log_max_files; /* "log-opts"."max-file" */

	/* "seccomp-profile": NULL = brig's default profile, "unconfined",
	 * or an absolute path to a Docker-format profile. */
	char *seccomp_profile;

	bool no_new_privileges; /* "no-new-privileges" */
	bool read_only_rootfs; /* "read-only-rootfs" */
	bool content_trust; /* "content-trust" */
	/* "detach-keys": brig attach's default detach keys (Docker's
	 * detachKeys), checked with eng_detach_keys_parse; NULL: ctrl-p,ctrl-q. */
	char *detach_keys;
	char *registry_certs_dir; /* "registry-certs-dir" */
	/* "registries-conf": the registries.conf to read; NULL (the default):
	 * $BRIG_REGISTRIES_CONF, else /etc/brig/registries.conf. */
	char *registries_conf;
	int64_t max_downloads; /* "max-concurrent-downloads": layers fetched at
				  once by brig pull (1..16) */

	/* "default-capabilities": "CAP_*" names, NULL-terminated (never NULL;
	 * empty when the file gives []). */
	char **capabilities;
};

/* The file read when no --config is given: BRIG_SYSCONFDIR/brig.conf,
 * always an absolute path ("/etc/brig/brig.conf"). */
const char *eng_config_default_path(void);

/* Docker's --detach-keys: keys separated by commas, each "ctrl-X" (X a
 * letter or one of @[\]^_) or one character; at most ENG_DETACH_KEYS_MAX.
 * The bytes into seq (*n of them); -EINVAL when s is not that. */
#define ENG_DETACH_KEYS_MAX 8
#define ENG_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"
int eng_detach_keys_parse(const char *s, unsigned char seq[ENG_DETACH_KEYS_MAX], size_t *n);

/*
 * Load the configuration.  path NULL means eng_config_default_path().
 * A missing file is not an error unless explicit (it came from --config):
 * the built-in defaults apply.  The file must be a regular file of at most
 * ENG_CONFIG_MAX_SIZE bytes, owned by root or the caller and not writable
 * by others.  *out is set only on success.
 */
int eng_config_load(const char *path, bool explicit, struct eng_config **out, struct brig_err *e);
/* Parse a document held in memory; name is used in messages. */
int eng_config_parse(const char *buf, size_t len, const char *name, struct eng_config **out,
		     struct brig_err *e);
/* The built-in defaults alone. */
int eng_config_defaults(struct eng_config **out, struct brig_err *e);
void eng_config_free(struct eng_config *c);
static inline void eng_config_freep(struct eng_config **c)
{
	eng_config_free(*c);
}
#define _cleanup_eng_config_ _cleanup_(eng_config_freep)

/* The effective configuration as a JSON object in the file's own shape
 * (every key present, sizes and durations as strings), for `brig info`.
 * Loading the dump gives the same configuration.  -ENOMEM on failure. */
int eng_config_dump(const struct eng_config *c, json_t **out);

/*
 * Apply the engine-wide defaults to an OCI runtime config, before the
 * image's settings and the user's flags: process.rlimits (merged by type),
 * linux.resources memory.limit + memory.swap, pids.limit and cpu.shares,
 * the capability sets (bounding, effective and permitted; inheritable and
 * ambient removed), process.noNewPrivileges and root.readonly.  Objects
 * missing from oci are created.  On error oci may be partly changed.
 */
int eng_config_apply_defaults(const struct eng_config *c, json_t *oci, struct brig_err *e);

/* Names for messages and dumps: "overlay"/"copy"/NULL (auto),
 * "auto"/"host". */
const char *eng_config_storage_name(enum eng_storage_choice s);
/* The shortest exact spelling of a size: "1g", "10m", "1536k", "7"; buf
 * holds at least 32 bytes. */
void eng_config_format_size(int64_t bytes, char *buf, size_t size);
const char *eng_config_userns_name(enum eng_userns_choice u);

#endif /* BRIG_ENGINE_CONFIG_H */
