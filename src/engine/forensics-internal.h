/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to brig forensics (forensics.c, forensics_out.c,
 * forensics_proc.c, forensics_net.c): one collection in progress.
 *
 * Two kinds of failure are kept apart.  Writing the collection (our own
 * directory) failing is an error: the command fails.  Reading the
 * container (its /proc, its cgroup, its upper directory) failing is a
 * fact about the container: the item is listed as missing, with the
 * reason, and the collection goes on, so nothing read before is lost.
 */
#ifndef BRIG_ENGINE_FORENSICS_INTERNAL_H
#define BRIG_ENGINE_FORENSICS_INTERNAL_H

#include "engine/record-internal.h"

#include <sys/stat.h>

#define FX_PROC_MAX ((size_t)16 << 20) /* one /proc file */

struct fx {
	struct eng *g;
	const struct eng_forensics_opts *o;
	struct eng_record rec;
	int out; /* the collection directory */
	json_t *files; /* the relative paths written, in order */
	json_t *missing; /* [{Path, Reason}] */
	json_t *procs; /* the summary's Processes */
	struct stat pidns, netns; /* the init's namespaces */
	bool have_pidns;
	pid_t init;
};

/* A progress line (container text in it is escaped by the caller's
 * callback before it reaches a terminal). */
void fx_say(struct fx *x, const char *fmt, ...) BRIG_PRINTF(2, 3);
/* Record path as missing, with why; said as progress too. */
void fx_missing(struct fx *x, const char *path, const char *fmt, ...) BRIG_PRINTF(3, 4);

/* Make directory name in dir (rel: dir's path in the collection, "" for
 * the top) and return it open; records nothing. */
int fx_mkdir(struct fx *x, int dir, const char *name, struct brig_err *e);
/* A new file name in dir with buf: created O_EXCL|O_NOFOLLOW, written,
 * synced, listed for the manifest. */
int fx_put(struct fx *x, int dir, const char *rel, const char *name, const void *buf, size_t len,
	   struct brig_err *e);
int fx_put_json(struct fx *x, int dir, const char *rel, const char *name, const json_t *doc,
		struct brig_err *e);
/* Create name in dir for a writer of our own (the layer); listed. */
int fx_create(struct fx *x, int dir, const char *rel, const char *name, struct brig_err *e);
/* Copy the file src/srcname (not following a final symlink) to
 * dir/name.  A source that cannot be read is listed missing (return 0);
 * only a failure to write is an error. */
int fx_copy(struct fx *x, int src, const char *srcname, int dir, const char *rel, const char *name,
	    struct brig_err *e);
/* Read a /proc file (relative to pdir, a /proc/PID directory) into *buf:
 * 0, or a negative errno (nothing filled). */
int fx_read_proc(int pdir, const char *name, char **buf, size_t *len);

/* The manifest of every file listed (MANIFEST.sha256, sha256sum -c) and
 * its own hash. */
int fx_manifest(struct fx *x, char hex[BRIG_SHA256_HEX], struct brig_err *e);

/* forensics_proc.c: every process of the container (frozen), each under
 * procs/PID/, the summary's Processes and processes.txt. */
int fx_processes(struct fx *x, struct brig_err *e);

/* forensics_net.c: the network files of the namespace of the process
 * whose /proc directory is pdir, into dir (rel its path). */
int fx_net_files(struct fx *x, int pdir, int dir, const char *rel, struct brig_err *e);
/* What each socket inode of that namespace is: {"INODE": "tcp 0.0.0.0:80
 * LISTEN", ...}, read from its tcp, tcp6, udp, udp6 and unix tables. */
json_t *fx_net_sockets(int pdir);

#endif
