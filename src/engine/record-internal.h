/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the engine: a container record (ROOT/containers/<id>/
 * container.json), parsed once into typed fields and written from them
 * (record.c).
 *
 * The file has Docker's inspect shape plus a "Brig" section.  The fields the
 * engine acts on are checked and copied into struct eng_record when it is
 * read; nothing else in the engine looks inside the file.  Four parts stay
 * JSON, each for a reason:
 *   spec    Brig.Spec, the OCI config: the runtime takes it as a document
 *           (runtime/spec.c parses it strictly when the container is made);
 *   layers  Brig.Layers: rootfs.c and user.c walk it as recorded (digest and
 *           diffId are checked here);
 *   binds   Brig.Binds: the identities of pinned bind sources, which binds.c
 *           matches against Brig.Spec's mounts and checks entry by entry
 *           (it is the only reader, and it refuses a malformed entry);
 *   doc     the whole document, for what only `brig inspect`, `brig ps` and
 *           --format read (Config, HostConfig, GraphDriver, Brig.Effective...):
 *           they print Docker's shape as it is, and eng_record_write puts the
 *           typed fields back into it before it is written.
 *           State.Health is kept there too, read and changed only by
 *           health_state.c under the record lock (docs/health.md).
 */
#ifndef BRIG_ENGINE_RECORD_INTERNAL_H
#define BRIG_ENGINE_RECORD_INTERNAL_H

#include "engine/engine-internal.h"

#include <sys/types.h>

enum eng_status {
	ENG_ST_CREATED,
	ENG_ST_RUNNING,
	ENG_ST_RESTARTING,
	ENG_ST_EXITED,
};
const char *eng_status_name(enum eng_status s);

struct eng_rec_state {
	enum eng_status status;
	pid_t pid; /* the init while running, else 0 */
	int exit_code;
	bool oom_killed;
	bool paused; /* not recorded: read from the freezer (pause.c) */
	char *error; /* "" when none */
	char *started_at, *finished_at; /* RFC 3339, Docker's zero time when never */
};

/* An entry of Mounts that the engine acts on (named volumes). */
struct eng_rec_mount {
	char *type; /* "volume", "bind", "tmpfs" */
	char *name; /* the volume's name, or NULL */
};

/* Mounts (an array at at) into *out, *n; free with eng_rec_mounts_free
 * (also after a failure). */
int eng_rec_mounts_parse(const json_t *arr, const struct bj_loc *at, struct eng_rec_mount **out,
			 size_t *n, struct brig_err *e);
void eng_rec_mounts_free(struct eng_rec_mount *m, size_t n);

struct eng_record {
	char id[ENG_ID_LEN + 1];
	char *name; /* "/name" */
	char *image; /* the image's config digest */
	char *image_ref; /* Config.Image: the reference it was made from */
	char *created;
	char *driver; /* "overlay" or "copy" */
	int64_t restart_count;
	struct eng_rec_state state;
	/* Config */
	bool tty, open_stdin;
	char *stop_signal; /* NULL: SIGTERM */
	int stop_timeout; /* seconds; -1: ENG_DEFAULT_STOP_TIMEOUT; ENG_STOP_FOREVER */
	/* HostConfig */
	bool auto_remove;
	enum eng_restart restart; /* RestartPolicy.Name */
	int64_t restart_max; /* RestartPolicy.MaximumRetryCount (on-failure) */
	int64_t log_max_size, log_max_files; /* LogConfig.Config; 0: default */
	char **group_add; /* --group-add, NULL-terminated */
	/* Mounts */
	struct eng_rec_mount *mounts;
	size_t n_mounts;
	/* Brig */
	struct eng_userns userns;
	json_t *layers, *spec, *binds; /* borrowed from doc; see above */
	json_t *doc;
};

/* Check doc (a record read from file) and fill rec; rec takes a reference
 * to doc.  Errors name file and field. */
int eng_record_parse(json_t *doc, const char *file, struct eng_record *rec, struct brig_err *e);
/* Read ENG_RECORD of the container directory dirfd (at most ENG_RECORD_MAX
 * bytes) and parse it; id names the container in errors. */
int eng_record_load(int dirfd, const char *id, struct eng_record *rec, struct brig_err *e);
/* The record as a document: rec->doc with the typed fields put back. */
int eng_record_json(struct eng_record *rec, struct brig_err *e);
/* Write rec to dirfd's ENG_RECORD atomically and durably. */
int eng_record_write(int dirfd, struct eng_record *rec, struct brig_err *e);
/* record_memo.c: the last record written (its text, taken, and a copy of
 * doc), and the document for a load of exactly those bytes (the caller's,
 * the memo emptied), else NULL. */
void eng_record_memo_put(char *text, size_t len, const json_t *doc);
json_t *eng_record_memo_take(const char *buf, size_t len);
void eng_record_clear(struct eng_record *rec);
static inline void eng_record_clearp(struct eng_record *rec)
{
	eng_record_clear(rec);
}
#define _cleanup_record_ _cleanup_(eng_record_clearp)

/* Take the record lock, read, let fn change it, write it back. */
int eng_record_update(struct eng *g, const char *id,
		      int (*fn)(struct eng_record *rec, void *arg, struct brig_err *e), void *arg,
		      struct brig_err *e);

/* The record of container id with its state brought up to date (a
 * container whose monitor died is shown as exited). */
int eng_record_current(struct eng *g, const char *id, struct eng_record *rec, struct brig_err *e);
/* Every readable record, as eng_record_current, oldest first. */
struct eng_records {
	struct eng_record *v;
	size_t n;
};
int eng_records_all(struct eng *g, struct eng_records *all, struct brig_err *e);
void eng_records_clear(struct eng_records *all);

/* A new state: status, pid (running only), exit code, error (NULL: none),
 * with StartedAt (running) or FinishedAt (otherwise) set to now. */
int eng_record_set_state(struct eng_record *rec, enum eng_status status, pid_t pid, int exit_code,
			 const char *error, struct brig_err *e);

/* Changes `brig update` makes: Brig.Spec replaced by spec (rec takes a
 * reference), members merged into HostConfig, the restart policy set in
 * the typed field and in HostConfig.RestartPolicy. */
int eng_record_set_spec(struct eng_record *rec, json_t *spec, struct brig_err *e);
int eng_record_set_host_config(struct eng_record *rec, const json_t *members, struct brig_err *e);
int eng_record_set_restart(struct eng_record *rec, enum eng_restart policy, int64_t max,
			   struct brig_err *e);

/* ctrfs.c: a container's whole root filesystem (running: as its init sees
 * it; otherwise mounted, detached, with its lock held).  rec is its record. */
struct eng_ctr_root {
	int fd; /* the root directory (O_PATH or a detached mount) */
	int lockfd;
	bool running;
	struct eng_record rec;
};
int eng_ctr_root_open(struct eng *g, const char *id, struct eng_ctr_root *root, struct brig_err *e);
void eng_ctr_root_close(struct eng_ctr_root *root);

#endif
