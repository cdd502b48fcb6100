/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit images: every named image of the store: no USER (CIS 4.1),
 * and brig scan's file checks (setuid/setgid, world-writable, secrets),
 * each finding's target prefixed with the image's name.  Vulnerable
 * packages are brig scan --db's work (it needs a database).
 */
#include "audit/audit-internal.h"
#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

static const struct au_check c_user = {
	"4.1", AUDIT_LOW,
	"give the image a USER; brig maps a root container to an unprivileged host uid anyway",
	"https://www.cisecurity.org/benchmark/docker"
};

/* The scan's findings moved into a->r, targets as "NAME:PATH". */
static int take(struct au *a, struct audit_report *sub, const char *name, struct brig_err *e)
{
	for (size_t i = 0; i < sub->n; i++) {
		const struct audit_finding *f = &sub->v[i];
		_cleanup_free_ char *t = NULL;
		if (asprintf(&t, "%s:%s", name, f->target) < 0)
			return brig_err_oom(e);
		int r = audit_add(a->r, f->id, f->severity, t, f->remediation,
				  (const char *const *)f->references, e, "%s", f->message);
		if (r < 0)
			return r;
	}
	return 0;
}

static int one(struct au *a, const char *name, const struct img_descriptor *d, struct brig_err *e)
{
	struct img_descriptor md = { 0 };
	struct img_manifest m = { 0 };
	struct img_config cfg = { 0 };
	struct audit_report sub = { .tool = "brig scan", .subject = name };
	struct audit_scan_opts so = { 0 };
	int r = img_store_select_manifest(a->s, d, eng_host_arch(), "linux", NULL, &md, e);
	if (r == -ENOENT) {
		brig_err_clear(e); /* an image for another platform only */
		return 0;
	}
	if (r == 0)
		r = img_store_load_manifest(a->s, &md, &m, e);
	if (r == 0)
		r = img_store_load_config(a->s, &m.config, &cfg, e);
	if (r == 0 &&
	    (!cfg.user || !*cfg.user || strcmp(cfg.user, "root") == 0 ||
	     strcmp(cfg.user, "0") == 0 || strncmp(cfg.user, "0:", 2) == 0))
		r = au_add(a, &c_user, name, e, "the image runs as root (no USER)");
	if (r == 0)
		r = audit_scan_image(a->s, &md, &so, &sub, NULL, e);
	if (r == 0)
		r = take(a, &sub, name, e);
	if (r < 0)
		brig_err_wrap(e, "image %s", name);
	audit_report_clear(&sub);
	img_config_clear(&cfg);
	img_manifest_clear(&m);
	img_descriptor_clear(&md);
	return r;
}

int au_images(struct au *a, struct brig_err *e)
{
	struct img_list_entry *v = NULL;
	size_t n = 0;
	int r = img_store_list(a->s, &v, &n, e);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (v[i].name)
			r = one(a, v[i].name, &v[i].desc, e);
	img_store_list_free(v, n);
	return r;
}
