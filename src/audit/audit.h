/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: findings about images (brig scan) and about the host, the engine,
 * containers and images (brig audit).  Between engine/image and the CLI.
 *
 * A finding has an id (brig's own, or a CIS Docker Benchmark id, or a
 * vulnerability id), a severity, a target (a path in an image, a package,
 * a container), a message, a remediation and references (URLs).  Reports
 * print as text (escaped for the terminal), JSON or SARIF 2.1.0; see
 * docs/audit.md.  Functions return 0 or a negative errno and fill e.
 */
#ifndef BRIG_AUDIT_H
#define BRIG_AUDIT_H

#include "common/common.h"
#include "image/store/store.h"

#include <stdbool.h>
#include <stdio.h>

enum audit_severity {
	AUDIT_INFO = 0,
	AUDIT_LOW,
	AUDIT_MEDIUM,
	AUDIT_HIGH,
	AUDIT_CRITICAL,
};
const char *audit_severity_name(enum audit_severity s);
/* "info", "low", "medium", "high", "critical" (case-insensitive). */
int audit_severity_parse(const char *s, enum audit_severity *out, struct brig_err *e);

struct audit_finding {
	char *id;
	enum audit_severity severity;
	char *target;
	char *message;
	char *remediation;
	char **references; /* NULL-terminated, may be NULL */
};

/* What a check can find: for SARIF's rule list and text headers. */
struct audit_rule {
	const char *id;
	enum audit_severity severity;
	const char *title;
	const char *remediation;
};

struct audit_report {
	const char *tool; /* "brig scan" */
	const char *subject; /* what was examined (an image name) */
	struct audit_finding *v;
	size_t n, cap;
};
void audit_report_clear(struct audit_report *r);
/* Add a finding; strings are copied, message formatted.  refs may be NULL. */
int audit_add(struct audit_report *r, const char *id, enum audit_severity sev, const char *target,
	      const char *remediation, const char *const *refs, struct brig_err *e, const char *fmt,
	      ...) BRIG_PRINTF(8, 9);
/* Sort by severity (highest first), then id, then target. */
void audit_report_sort(struct audit_report *r);

enum audit_format { AUDIT_FMT_TEXT, AUDIT_FMT_JSON, AUDIT_FMT_SARIF };
int audit_format_parse(const char *s, enum audit_format *out, struct brig_err *e);

struct audit_output {
	enum audit_format format;
	enum audit_severity fail_on; /* default AUDIT_INFO: any finding fails */
	char **skip; /* ids left out of the output and the verdict */
};
#define AUDIT_EXIT_CLEAN 0
#define AUDIT_EXIT_FINDINGS 1
#define AUDIT_EXIT_ERROR 2
/* Print r to out as o says; returns AUDIT_EXIT_CLEAN or
 * AUDIT_EXIT_FINDINGS (a finding not skipped at or above fail_on), or a
 * negative errno. */
int audit_report_print(FILE *out, const struct audit_report *r, const struct audit_output *o,
		       struct brig_err *e);
/* SARIF 2.1.0 of the findings kept (sarif.c). */
json_t *audit_sarif(const struct audit_report *r, const struct audit_output *o);
bool audit_skipped(const struct audit_output *o, const char *id);

/* ---- version comparison (version.c) ---- */
/* <0, 0, >0 as dpkg --compare-versions orders a and b (epoch:upstream-revision). */
int audit_dpkg_vercmp(const char *a, const char *b);
/* The same for apk versions (1.2.3_rc1-r2). */
int audit_apk_vercmp(const char *a, const char *b);

/* ---- brig scan (scan.c) ---- */
struct audit_scan_opts {
	const char *db; /* an OSV directory or file; NULL: no package matching */
	const char *sbom; /* "spdx-json" or "cyclonedx-json": list packages instead */
};
/* Scan the image manifest d of store s into r; with o->sbom, *sbom gets the
 * document instead (findings are still collected). */
int audit_scan_image(struct img_store *s, const struct img_descriptor *manifest,
		     const struct audit_scan_opts *o, struct audit_report *r, json_t **sbom,
		     struct brig_err *e);

/* brig scan --defang (defang.c): a new image named ref whose filesystem is
 * manifest's with the setuid and setgid bits and the others-write bit (of
 * files, and of directories without the sticky bit) removed, as one layer
 * added on top.  *changed: the paths changed (0: ref names the same
 * image); image_id: the new image's id. */
int audit_defang_image(struct img_store *s, const struct img_descriptor *manifest, const char *ref,
		       char image_id[IMG_DIGEST_SIZE], size_t *changed, struct brig_err *e);

/* ---- brig audit (audit_*.c) ---- */
enum {
	AUDIT_SCOPE_HOST = 1 << 0,
	AUDIT_SCOPE_ENGINE = 1 << 1,
	AUDIT_SCOPE_CONTAINERS = 1 << 2,
	AUDIT_SCOPE_IMAGES = 1 << 3,
	AUDIT_SCOPE_ALL = 0xf,
};
/* "host", "engine", "containers", "images" or "all". */
int audit_scope_parse(const char *s, unsigned *out, struct brig_err *e);
struct eng;
/* The checks of o->scope (host, engine, every container of g, every
 * image of s; s is needed for images, and for containers' image age and
 * newer images) into r.  Container checks read what the kernel enforces on each
 * running process and report where it differs from the record (drift). */
struct audit_run_opts {
	unsigned scope; /* AUDIT_SCOPE_* */
	int64_t max_image_age; /* days: a container's image older is a finding; 0: none */
};
#define AUDIT_MAX_IMAGE_AGE_DEFAULT 90
int audit_run(struct eng *g, struct img_store *s, const struct audit_run_opts *o,
	      struct audit_report *r, struct brig_err *e);

#endif /* BRIG_AUDIT_H */
