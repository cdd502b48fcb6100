/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig's command line: what its commands share.  One file per command (or
 * small family) in this directory, named after it; main.c holds the command
 * table.  The commands parse arguments and print; the engine and the image
 * store own every directory and lock.
 */
#ifndef BRIG_CLI_BRIG_INTERNAL_H
#define BRIG_CLI_BRIG_INTERNAL_H

#include "cli/opts.h"
#include "cli/table.h"
#include "common/common.h"
#include "engine/engine.h"
#include "image/store/store.h"
#include "runtime/runtime.h"

#include <fcntl.h>

/*
 * What a command returns when it failed.  The dispatcher (main.c,
 * brig_exit_status) turns it into Docker's status: 125 for run and create
 * (CMD_FAIL_125) and for a bad option on any command, 1 for the others.  A
 * status of a container (run, start -a, attach, exec: 0-255, with 126 and
 * 127 for a command that cannot be run) is returned as it is.  The low
 * byte is 125, so an exit() that bypasses the dispatcher still fails.
 */
#define BRIG_EXIT_FAIL (0x100 | 125)

struct brig_global {
	const char *root; /* the store root: ROOT/images, ROOT/layers */
	const char *storage_driver; /* --storage-driver: overlay, copy or NULL */
	const char *config; /* --config FILE, or NULL (/etc/brig/brig.conf) */
};

typedef int (*brig_cmd_fn)(const struct brig_global *g, int argc, char **argv);

/* ---- the command table (main.c) ---- */
enum { CMD_ENTERS = 1 << 0, CMD_HIDDEN = 1 << 1, CMD_FAIL_125 = 1 << 2 };

struct brig_command {
	const char *name;
	const char *summary;
	brig_cmd_fn fn; /* NULL for a group of subcommands */
	const struct brig_command *sub; /* a group's subcommands */
	const char *section; /* the heading `brig --help` lists it under */
	unsigned flags; /* CMD_ENTERS: runs from a sealed copy of brig;
			 * CMD_FAIL_125: its errors exit 125 (run, create) */
};

/* Every command, { 0 }-terminated; groups hold their subcommands. */
const struct brig_command *brig_command_table(void);
const struct brig_command *brig_command_lookup(const struct brig_command *table, const char *name);

/* ---- completion and man pages (completion.c, manpages.c) ---- */
int brig_cmd_update(const struct brig_global *g, int argc, char **argv);
int brig_cmd_trust_notary(const struct brig_global *g, int argc, char **argv);
int brig_cmd_trust_revoke(const struct brig_global *g, int argc, char **argv);
int brig_cmd_trust_inspect(const struct brig_global *g, int argc, char **argv);
int brig_cmd_trust_signer(const struct brig_global *g, int argc, char **argv);
int brig_cmd_completion(const struct brig_global *g, int argc, char **argv);
int brig_cmd_complete(const struct brig_global *g, int argc, char **argv);
/* brig help --man DIR: brig.1 and a page per command into DIR. */
int brig_write_man_pages(const struct brig_global *g, const char *dir);

/* Ask on the terminal (stdin) for one line, not echoed when secret; when
 * stdin is no terminal, an error naming what and hint (the options that
 * give it instead).  At most 4096 bytes (login.c). */
int brig_prompt(const char *what, bool secret, const char *hint, char **out, struct brig_err *e);
/* Wipe and free a secret string (NULL is fine). */
void brig_free_secret(char **p);
#define _cleanup_secret_ _cleanup_(brig_free_secret)

/* Print "brig: MESSAGE" as one line on stderr; returns BRIG_EXIT_FAIL. */
int brig_fail(struct brig_err *e);
/* The process's exit status for what command c returned (see BRIG_EXIT_FAIL). */
int brig_exit_status(const struct brig_command *c, int rc);
/* The option rows of every command that talks to a notary-server. */
#define BRIG_NOTARY_SERVER_OPTS                                                 \
	OPT_VALUE("notary", 0, "URL", "the notary-server (https://HOST:PORT)"), \
		OPT_VALUE("certs-dir", 0, "DIR",                                \
			  "the server's CA is DIR/HOST:PORT/ca.crt (default /etc/brig/certs.d)")
/* Prints e and returns Docker's status for a process that could not be
 * started: 127 (command not found), 126 (not executable), else
 * BRIG_EXIT_FAIL. */
int brig_start_status(struct brig_err *e);
/* Parse a command's options; prints help when asked.  Returns 1 to go on,
 * 0 when help was printed, -1 after a usage error (already printed). */
int brig_parse(const char *name, const char *args, struct opt *o, int argc, char **argv,
	       char ***pos, size_t *npos, size_t min, size_t max);

/* ---- containers (containers.c) ---- */

/* Open the engine over the global options. */
int brig_engine_open(const struct brig_global *g, struct eng **out, struct brig_err *e);

/* What one container command does to one container: id is its full id,
 * what the word the user gave for it. */
typedef int (*brig_ctr_fn)(struct eng *eng, const char *id, const char *what, void *arg,
			   struct brig_err *e);
/* Apply fn to each named container; one line per failure, BRIG_EXIT_FAIL if any. */
/* -t/--time (stop, restart) and --stop-timeout (run, create): 0 to 86400
 * seconds, or Docker's -1 (ENG_STOP_FOREVER: no SIGKILL); flag names it in
 * the error. */
int brig_stop_timeout_parse(const char *flag, const char *s, int *out, struct brig_err *e);
int brig_for_each_container(const struct brig_global *g, char **names, size_t n, brig_ctr_fn fn,
			    void *arg);

/* What brig create / run collected (owns the vectors). */
struct brig_create_req {
	struct eng_create_opts opts;
	char **env, **labels;
	struct eng_flags *flags;
	struct eng_netcfg *net; /* netopts.c */
	struct eng_trust_opts trust; /* trust_opts.c */
	struct eng_health_opts health; /* healthcheck.c */
};
void brig_create_req_clear(struct brig_create_req *q);

/* ---- listings (listing.c) ---- */

/* How a listing command shows its rows (JSON objects of strings). */
struct brig_listing {
	const struct table_col *cols; /* the table's columns */
	const char *const *keys; /* the row member each column shows */
	size_t ncols;
	size_t json_flags; /* json_dumps flags added for --format json */
	const char *quiet_key; /* the member -q prints, one a line */
};
/* The rows as a table (table.h: every cell escaped for the terminal). */
int brig_print_table(const json_t *rows, const struct brig_listing *l, struct brig_err *e);
/* A listing command over the engine (ps, volume ls): its --filter check,
 * its rows, their look.  brig_list checks the filters, opens the engine,
 * collects the rows and prints them (-q, --format); the exit status. */
struct brig_lister {
	int (*check)(const struct opt *filters, struct brig_err *e);
	int (*rows)(struct eng *eng, struct opt *o, json_t *rows, struct brig_err *e);
	const struct brig_listing *listing;
};
int brig_list(const struct brig_global *g, struct opt *o, const struct brig_lister *l);
/* Render a template per element of arr, one line each, all or nothing. */
int brig_print_template(const char *text, const json_t *arr, struct brig_err *e);
/* quiet: the quiet_key of each row; else by --format: NULL or "table" the
 * table, "json" one compact object a line, "table TEMPLATE" a header and
 * the rows through the template aligned at tabs, else a template per row
 * ("\t" and "\n" in a template are a tab and a newline, as Docker's). */
/* A report's keys in Docker's style ("removed_blobs" -> "RemovedBlobs"),
 * recursively; NULL when out of memory or nested deeper than 64. */
json_t *brig_json_camel(const json_t *v, int depth);
/* Each element of rows as one compact JSON line (docs/output.md). */
int brig_print_json_lines(const json_t *rows, size_t flags, struct brig_err *e);
int brig_print_listing(const json_t *rows, const char *format, bool quiet,
		       const struct brig_listing *l, struct brig_err *e);

/* ---- ps --filter (ps_filter.c) ---- */

/* What the filters name, resolved once: ancestor= images to config ids,
 * before=/since= containers to creation times. */
struct brig_ps_filter {
	json_t *images, *containers;
};
/* Known keys and valid values (status=, health=, exited=, name= regex). */
int brig_ps_filter_check(const struct opt *filters, struct brig_err *e);
int brig_ps_filter_resolve(struct eng *eng, const struct opt *filters, struct brig_ps_filter *pf,
			   struct brig_err *e);
/* Does the record rec pass filters (Docker's AND/OR rules)? */
bool brig_ps_filter_match(const json_t *rec, const struct opt *filters,
			  const struct brig_ps_filter *pf);
void brig_ps_filter_clear(struct brig_ps_filter *pf);

/* ---- top (top_ps.c) ---- */

/* The effective uids of pids as the container id sees them, and their
 * names there (malloc'ed, caller frees each). */
int brig_top_users(struct eng *eng, const char *id, const pid_t *pids, size_t n, uint32_t *ctr_euid,
		   char **enames, struct brig_err *e);
/* ps ARGS on the host, its rows of the container's pids, users mapped. */
int brig_top_ps(struct eng *eng, const char *id, const pid_t *pids, size_t n, char **args,
		size_t nargs, struct brig_err *e);

/* ---- images (image_util.c) ---- */

/* One image as the commands show it. */
struct brig_image {
	char manifest_digest[IMG_DIGEST_SIZE];
	char id[IMG_DIGEST_SIZE]; /* the config digest */
	uint64_t size; /* config + layer blobs */
	uint64_t *layer_sizes; /* each layer blob's size, in the manifest's order */
	size_t n_layers;
	struct img_config config; /* parsed */
	json_t *raw; /* the config document as stored */
};
void brig_image_clear(struct brig_image *im);

/* The OCI name of this machine's architecture ("amd64"). */
const char *brig_host_arch(void);
/* Open the store's images (created when missing). */
int brig_store_open(const struct brig_global *g, struct img_store **out, struct brig_err *e);
/* Load what an index.json descriptor names (for an index: the manifest for
 * this machine). */
int brig_image_load(struct img_store *s, const struct img_descriptor *d, struct brig_image *out,
		    struct brig_err *e);
/* Call fn for each image in the store (in index.json order) with its name
 * (NULL for an unnamed one) and what brig_image_load made of it; stops at
 * the first error. */
typedef int (*brig_image_fn)(const char *name, const struct brig_image *im, void *arg,
			     struct brig_err *e);
int brig_each_image(const struct brig_global *g, brig_image_fn fn, void *arg, struct brig_err *e);
/* "docker.io/library/busybox:latest" -> repo "busybox", tag "latest";
 * names that are no Docker reference are the repo, tag "<none>"; NULL is
 * "<none>" for both.  Both malloc'ed. */
int brig_split_name(const char *name, char **repo, char **tag, struct brig_err *e);
/* "busybox:latest" for a stored name (malloc'ed). */
char *brig_familiar(const char *name);
/* run/create --pull POLICY (missing, always, never; NULL: missing) for
 * image: *out is the name to create from (a short name's alias
 * expanded), pulled first when the policy says so (run_pull.c). */
int brig_pull_policy(const struct brig_global *g, const char *policy, const char *image,
		     const struct eng_trust_opts *trust, char **out, struct brig_err *e);
/* Content trust's options (trust_opts.c; docs/trust-check.md): pull and
 * run/create take all three, load the first two. */
#define BRIG_TRUST_OPTS                                                                           \
	OPT_VALUE("signature-policy", 0, "FILE",                                                  \
		  "the containers-policy.json for this command (default: /etc/brig/policy.json, " \
		  "else brig's built-in policy: tags must be signed)"),                           \
		OPT_FLAG("disable-content-trust", 0,                                              \
			 "take the image without checking its signatures (NOT verified; also "    \
			 "BRIG_CONTENT_TRUST=0)")
#define BRIG_DOWNGRADE_OPT                                                              \
	OPT_FLAG("allow-downgrade", 0,                                                  \
		 "take a digest signed earlier than the one last accepted for the tag " \
		 "(rollback protection off for this pull)")
/* push --sign-by-sigstore-private-key (trust_sign.c): the key (cosign's
 * encrypted format, passphrase from BRIG_PASSPHRASE or a prompt), read
 * before the push; then image@digest signed as image (with its tag) in a
 * `.sig` attachment carrying the signing time.  o: BRIG_REGISTRY_OPTS. */
struct evp_pkey_st;
int brig_signing_key(const char *file, struct evp_pkey_st **k, struct brig_err *e);
int brig_sign_pushed(const struct brig_global *g, struct opt *o, const char *image,
		     const char *digest, struct evp_pkey_st *k, struct brig_err *e);
/* The options above into t (BRIG_CONTENT_TRUST=0 disables too); a warning
 * when content trust is off. */
int brig_trust_opts(struct opt *o, struct eng_trust_opts *t, struct brig_err *e);
/* "4.26MB" (3 significant digits, SI units), "2 hours ago". */
void brig_human_size(uint64_t n, char buf[32]);
/* Docker's memory sizes (units.BytesSize: stats, info): "%.4g" of units
 * of 1024, "1.953GiB". */
void brig_binary_size(uint64_t n, char buf[32]);
/* progress.c: "[=====>    ] 12 MB/40 MB 30 MB/s" (done and rate only when
 * total is 0) into out; t0: when the work began (NULL: no rate). */
struct timespec;
void brig_bar_text(uint64_t done, uint64_t total, const struct timespec *t0, char *out, size_t n);
/* One bar on stderr for a regular file fd being read (to its size) or
 * written, redrawn from the fd's offset every 100 ms by a thread; NULL (and
 * nothing drawn) when quiet, stderr is no terminal or fd is no file.
 * Stopped with the final line when ok, erased otherwise. */
struct brig_fd_progress *brig_fd_progress_start(int fd, const char *label, bool quiet);
void brig_fd_progress_stop(struct brig_fd_progress *p, bool ok);
void brig_human_since(const char *created, char buf[64]);
/* "3 minutes" since an RFC 3339 time ("N/A" when unreadable). */
void brig_human_elapsed(const char *since, char buf[64]);
/* An RFC 3339 time as Docker's lists show CreatedAt (Go's time.String() of
 * the second, in local time: "2024-01-02 15:04:05 +0000 UTC"); the text as
 * it is when it cannot be read. */
void brig_docker_time(const char *rfc3339, char buf[64]);
/* "k=v,k2=v2" of a labels object (malloc'ed; NULL on ENOMEM). */
char *brig_labels_text(const json_t *labels);
/* Append the `image inspect` object of one image to out. */
int brig_image_inspect_json(struct eng *eng, struct img_store *s, const char *what, json_t *out,
			    struct brig_err *e);
/* images --filter and the positional REPOSITORY[:TAG] (images_filter.c). */
struct brig_images_filter {
	const struct opt *filters;
	const char *repo; /* the positional name, or NULL */
	json_t *created; /* before=/since= image -> its creation time */
};
int brig_images_filter_check(const struct opt *filters, struct brig_err *e);
int brig_images_filter_resolve(const struct brig_global *g, struct brig_images_filter *f,
			       struct brig_err *e);
/* name: the image's stored name (NULL: unnamed, dangling). */
bool brig_images_filter_match(const char *name, const struct brig_image *im,
			      const struct brig_images_filter *f);
/* Print an inspect array: indented JSON, or the template per element. */
int brig_print_inspect(const json_t *arr, const char *format, struct brig_err *e);
/* `X inspect NAME...` and `X rm [-f] NAME...` of a kind the engine names
 * (volumes, networks): each NAME through fn, one error line each, the
 * documents printed as inspect prints them (--format) or the removed names
 * one a line; the exit status brig_fail gives for any failure. */
typedef int (*brig_inspect_fn)(struct eng *g, const char *name, json_t **doc, struct brig_err *e);
typedef int (*brig_remove_fn)(struct eng *g, const char *name, struct brig_err *e);
int brig_inspect_each(const struct brig_global *g, char **names, size_t n, const char *format,
		      brig_inspect_fn fn);
int brig_remove_each(const struct brig_global *g, char **names, size_t n, bool force,
		     brig_remove_fn fn);
/* The options every registry command shares. */
#define BRIG_REGISTRY_OPTS                                              \
	OPT_FLAG("tls-verify", 0,                                       \
		 "check the registry's TLS certificate (default true; " \
		 "--tls-verify=false turns the check off)"),            \
		OPT_VALUE("authfile", 0, "FILE",                        \
			  "credentials (auth.json: {\"auths\":{\"HOST\":{\"auth\":...}}})")
/* Apply one --change instruction (USER, ENV, ENTRYPOINT, CMD, WORKDIR,
 * LABEL) to an image config's "config" object. */
int brig_change_apply(json_t *cfg, const char *change, struct brig_err *e);

/* ---- prune (system.c, prune.c) ---- */

/* Ask "WARNING! <warning>\nAre you sure you want to continue? [y/N]" on a
 * terminal: 1 to go on (or force), 0 when declined; -1 (printed: one line)
 * when stdin is no terminal and force was not given. */
int brig_confirm(const char *cmd, const char *warning, bool force);
/* -f and the --filter of container and system prune. */
struct brig_prune_req {
	bool force;
	int64_t until_ns; /* until=: made before (0: no bound) */
	char **labels; /* label= values (KEY or KEY=VALUE), NULL-terminated */
};
int brig_prune_filters(const struct opt *f, struct brig_prune_req *q, struct brig_err *e);
void brig_prune_req_clear(struct brig_prune_req *q);
/* "Total reclaimed space: 2.14MB" */
void brig_print_reclaimed(uint64_t total);

/* ---- the commands, one file each (or one per small family) ---- */

int brig_cmd_create(const struct brig_global *g, int argc, char **argv);
int brig_cmd_run(const struct brig_global *g, int argc, char **argv);
int brig_cmd_start(const struct brig_global *g, int argc, char **argv);
int brig_cmd_ps(const struct brig_global *g, int argc, char **argv);
int brig_cmd_inspect_any(const struct brig_global *g, int argc, char **argv);
int brig_cmd_container_inspect(const struct brig_global *g, int argc, char **argv);
int brig_cmd_stop(const struct brig_global *g, int argc, char **argv);
int brig_cmd_kill(const struct brig_global *g, int argc, char **argv);
int brig_cmd_pause(const struct brig_global *g, int argc, char **argv);
int brig_cmd_unpause(const struct brig_global *g, int argc, char **argv);
int brig_cmd_diff(const struct brig_global *g, int argc, char **argv);
int brig_cmd_commit(const struct brig_global *g, int argc, char **argv);
int brig_cmd_build(const struct brig_global *g, int argc, char **argv);
int brig_cmd_lint(const struct brig_global *g, int argc, char **argv);
int brig_cmd_builder_prune(const struct brig_global *g, int argc, char **argv);
int brig_cmd_export(const struct brig_global *g, int argc, char **argv);
int brig_cmd_forensics(const struct brig_global *g, int argc, char **argv);
int brig_cmd_cp(const struct brig_global *g, int argc, char **argv);
int brig_cmd_restart(const struct brig_global *g, int argc, char **argv);
int brig_cmd_rm(const struct brig_global *g, int argc, char **argv);
int brig_cmd_wait(const struct brig_global *g, int argc, char **argv);
int brig_cmd_attach(const struct brig_global *g, int argc, char **argv);

/* ---- attach (attach.c): run -d -it's terminal, later ---- */
struct brig_detach_keys {
	unsigned char seq[8]; /* ENG_DETACH_KEYS_MAX */
	size_t n;
};
/* Docker's --detach-keys ("ctrl-p,ctrl-q" when s is NULL or empty), into
 * k, or an error naming the option. */
int brig_detach_keys_parse(const char *s, struct brig_detach_keys *k, struct brig_err *e);
struct brig_attach_opts {
	struct brig_detach_keys keys;
	bool stdin_, sig_proxy;
};
#define BRIG_ATTACH_DETACHED 1000
/* Attached to a running container's attach socket until its run ends (its
 * exit status) or the detach keys (BRIG_ATTACH_DETACHED); -ENOTCONN when
 * it has no stdin or terminal to attach to. */
int brig_attach_session(struct eng *eng, const char *id, const struct brig_attach_opts *ao,
			struct brig_err *e);
/* run -it, start -ai, and run/start -a with --sig-proxy=false: the
 * container started in the background, its monitor holding its terminal (or
 * stdin) and keeping the output for us, and this process attached as `brig
 * attach` is: the run's exit status, or 0 when the detach keys left it
 * running (docs/attach.md).  rm: returns once a --rm container is gone. */
int brig_run_attached(struct eng *eng, const char *id, const struct brig_detach_keys *keys,
		      bool stdin_, bool sig_proxy, bool rm, struct brig_err *e);
/* --sig-proxy's value (default true) among o. */
bool brig_sig_proxy(struct opt *o);
/* Was it made with -t or -i (start -a attaches to it then)? */
bool brig_ctr_attachable(struct eng *eng, const char *id);
#define BRIG_SIG_PROXY_OPT                                                                        \
	OPT_FLAG("sig-proxy", 0,                                                                  \
		 "send the signals brig gets to the container (default true; --sig-proxy=false: " \
		 "they end brig, the container runs on; not with -t)")
#define BRIG_DETACH_KEYS_OPT                                                 \
	OPT_VALUE("detach-keys", 0, "KEYS",                                  \
		  "the keys that detach and leave it running (default: the " \
		  "engine config's detach-keys, else ctrl-p,ctrl-q)")
int brig_cmd_port(const struct brig_global *g, int argc, char **argv);
int brig_cmd_rename(const struct brig_global *g, int argc, char **argv);
int brig_cmd_exec(const struct brig_global *g, int argc, char **argv);
int brig_cmd_top(const struct brig_global *g, int argc, char **argv);
int brig_cmd_logs(const struct brig_global *g, int argc, char **argv);
int brig_cmd_stats(const struct brig_global *g, int argc, char **argv);
int brig_cmd_events(const struct brig_global *g, int argc, char **argv);
int brig_cmd_seccomp_diff(const struct brig_global *g, int argc, char **argv);
int brig_cmd_seccomp_explain(const struct brig_global *g, int argc, char **argv);
int brig_cmd_volume_create(const struct brig_global *g, int argc, char **argv);
int brig_cmd_volume_ls(const struct brig_global *g, int argc, char **argv);
int brig_cmd_volume_inspect(const struct brig_global *g, int argc, char **argv);
int brig_cmd_volume_rm(const struct brig_global *g, int argc, char **argv);
int brig_cmd_volume_prune(const struct brig_global *g, int argc, char **argv);
int brig_cmd_network_create(const struct brig_global *g, int argc, char **argv);
int brig_cmd_network_ls(const struct brig_global *g, int argc, char **argv);
int brig_cmd_network_inspect(const struct brig_global *g, int argc, char **argv);
int brig_cmd_network_rm(const struct brig_global *g, int argc, char **argv);
int brig_cmd_network_prune(const struct brig_global *g, int argc, char **argv);
int brig_cmd_network_connect(const struct brig_global *g, int argc, char **argv);
int brig_cmd_network_disconnect(const struct brig_global *g, int argc, char **argv);
int brig_cmd_monitor_resume(const struct brig_global *g, int argc, char **argv);
/* healthcheck.c: brig healthcheck run; the runner (internal); run and
 * create's --health-* options into h. */
int brig_cmd_healthcheck_run(const struct brig_global *g, int argc, char **argv);
int brig_cmd_health_runner(const struct brig_global *g, int argc, char **argv);
#define BRIG_HEALTH_OPTS                                                                      \
	OPT_VALUE("health-cmd", 0, "CMD",                                                     \
		  "a healthcheck: run CMD with the image's SHELL, else /bin/sh -c"),          \
		OPT_VALUE("health-interval", 0, "DURATION",                                   \
			  "time between checks (e.g. 30s, 500ms; default 30s)"),              \
		OPT_VALUE("health-timeout", 0, "DURATION",                                    \
			  "a check running longer is killed and fails (default 30s)"),        \
		OPT_VALUE("health-retries", 0, "N",                                           \
			  "failures in a row that make it unhealthy (default 3)"),            \
		OPT_VALUE("health-start-period", 0, "DURATION",                               \
			  "failures in this time after the start do not count (default 0s)"), \
		OPT_VALUE("health-start-interval", 0, "DURATION",                             \
			  "time between checks in the start period (default 5s)"),            \
		OPT_FLAG("no-healthcheck", 0, "disable the image's HEALTHCHECK")
int brig_health_opts(struct opt *o, struct eng_health_opts *h, struct brig_err *e);
int brig_cmd_import(const struct brig_global *g, int argc, char **argv);
int brig_cmd_images(const struct brig_global *g, int argc, char **argv);
int brig_cmd_history(const struct brig_global *g, int argc, char **argv);
int brig_cmd_scan(const struct brig_global *g, int argc, char **argv);
int brig_cmd_audit(const struct brig_global *g, int argc, char **argv);
int brig_cmd_tag(const struct brig_global *g, int argc, char **argv);
int brig_cmd_rmi(const struct brig_global *g, int argc, char **argv);
int brig_cmd_inspect(const struct brig_global *g, int argc, char **argv);
int brig_cmd_prune(const struct brig_global *g, int argc, char **argv);
int brig_cmd_load(const struct brig_global *g, int argc, char **argv);
int brig_cmd_save(const struct brig_global *g, int argc, char **argv);
int brig_cmd_pull(const struct brig_global *g, int argc, char **argv);
int brig_cmd_login(const struct brig_global *g, int argc, char **argv);
int brig_cmd_logout(const struct brig_global *g, int argc, char **argv);
int brig_cmd_push(const struct brig_global *g, int argc, char **argv);
int brig_cmd_system_check(const struct brig_global *g, int argc, char **argv);
int brig_cmd_system_df(const struct brig_global *g, int argc, char **argv);
int brig_cmd_container_prune(const struct brig_global *g, int argc, char **argv);
int brig_cmd_system_prune(const struct brig_global *g, int argc, char **argv);
int brig_cmd_info(const struct brig_global *g, int argc, char **argv);
int brig_cmd_trust_explain(const struct brig_global *g, int argc, char **argv);
/* h-sigstore (trust_keys.c, trust_sign.c) */
int brig_cmd_trust_key(const struct brig_global *g, int argc, char **argv);
int brig_cmd_trust_sign(const struct brig_global *g, int argc, char **argv);
int brig_cmd_trust_verify(const struct brig_global *g, int argc, char **argv);
/* trust_gpg.c: trust verify --gpg-key/--signature-policy and trust
 * sign --sign-by, given the command's parsed options. */
int brig_trust_verify_gpg(const struct brig_global *g, struct opt *o, const char *image,
			  struct brig_err *e);
/* The Notary signer (trust_notary_sign.c): `trust key ... --notary ROLE`
 * (o: trust key's options) and `trust sign --notary URL IMAGE:TAG`
 * (o: trust sign's), remove for revoke. */
int brig_trust_key_notary(const struct brig_global *g, struct opt *o, char **pos, size_t npos,
			  struct brig_err *e);
int brig_trust_sign_notary(const struct brig_global *g, struct opt *o, const char *image,
			   bool remove, struct brig_err *e);
/* push --sign: image's tag (the one pushed) signed as digest ("sha256:HEX")
 * and size into server (NULL: Docker's choice for the registry), whose CA
 * is in the engine config's registry-certs-dir.  o: push's options. */
int brig_notary_sign_pushed(const struct brig_global *g, struct opt *o, const char *image,
			    const char *server, const char *digest, uint64_t size,
			    struct brig_err *e);
/* ref's GUN ("domain/path") and its trusted state directory
 * (ROOT/trust/notary/<sha256 of the GUN>), malloc'ed. */
struct img_ref;
int brig_notary_gun(const struct brig_global *g, const struct img_ref *ref, char **gun,
		    char **state, struct brig_err *e);
int brig_trust_sign_gpg(const struct brig_global *g, struct opt *o, const char *image,
			struct brig_err *e);
/* push --sign-by GPGKEY [--registries-d DIR]: digest NULL checks, before
 * the push, that the key and the staging lookaside are there; then signs
 * image at digest into it. */
int brig_push_sign_gpg(struct opt *o, const char *image, const char *digest, struct brig_err *e);
/* trust_bundle.c: trust verify --bundle/--bundle-file, trust
 * sign --bundle (the options are trust verify's and trust sign's). */
struct reg_client;
struct evp_pkey_st;
int brig_trust_verify_bundle(const struct brig_global *g, struct opt *o, const char *image,
			     struct brig_err *e);
/* The statement names repo_name:tag (what a pull by that tag checks
 * under the default identity rule), or repo_name when tag is NULL. */
int brig_trust_sign_bundle(struct reg_client *c, struct opt *o, const char *repo,
			   const char *repo_name, const char *tag, const char *digest,
			   struct evp_pkey_st *k, struct brig_err *e);
/* trust_explain.c: trust explain's signatures for the image name (a
 * registry reference): fetched (o: --no-fetch, --registries-d,
 * BRIG_REGISTRY_OPTS) and judged under pol, the findings put into the
 * explanation j (a fetch that fails is reported there, not an error). */
struct trust_policy;
int brig_explain_fetch(const struct brig_global *g, struct opt *o, const struct trust_policy *pol,
		       const char *name, json_t *j, struct brig_err *e);
/* The passphrase of a private key: BRIG_PASSPHRASE, else asked on the
 * terminal (twice when confirm). */
int brig_passphrase(bool confirm, char **out, struct brig_err *e);

#endif
