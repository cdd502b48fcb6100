/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig scan IMAGE: dangerous files and vulnerable packages in an image
 * (src/audit, docs/audit.md).  Exit 0: no finding at or above --fail-on;
 * 1: findings; 2: an error.
 */
#include "audit/audit.h"
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <string.h>

static int setup_output(struct opt *o, struct audit_output *out, struct brig_err *e)
{
	*out = (struct audit_output){ .fail_on = AUDIT_INFO,
				      .skip = (char **)opts_find(o, "skip")->list };
	int r = audit_format_parse(opts_find(o, "format")->value, &out->format, e);
	const char *f = opts_find(o, "fail-on")->value;
	if (r == 0 && f)
		r = audit_severity_parse(f, &out->fail_on, e);
	return r;
}

/* --defang NAME: the new image, said on stderr (stdout is the report). */
static int defang(struct img_store *s, const struct img_descriptor *md, const char *ref,
		  struct brig_err *e)
{
	char id[IMG_DIGEST_SIZE];
	size_t n = 0;
	int r = audit_defang_image(s, md, ref, id, &n, e);
	if (r < 0)
		return brig_err_wrap(e, "--defang %s", ref);
	_cleanup_free_ char *safe = brig_term_escape(ref, strlen(ref));
	fprintf(stderr, "brig scan: %s (%s): %zu path(s) defanged\n", safe ? safe : "", id, n);
	return 0;
}

static int scan(const struct brig_global *g, const char *image, struct opt *o, struct brig_err *e)
{
	struct audit_output out;
	struct audit_scan_opts so = { .db = opts_find(o, "db")->value,
				      .sbom = opts_find(o, "sbom")->value };
	struct audit_report rep = { .tool = "brig scan", .subject = image };
	_cleanup_img_store_ struct img_store *s = NULL;
	_cleanup_json_ json_t *sbom = NULL;
	struct img_descriptor d = { 0 }, md = { 0 };
	int r = setup_output(o, &out, e);
	if (r == 0)
		r = brig_store_open(g, &s, e);
	if (r == 0)
		r = img_store_resolve(s, image, &d, e);
	if (r == 0)
		r = img_store_select_manifest(s, &d, brig_host_arch(), "linux", NULL, &md, e);
	if (r == 0)
		r = audit_scan_image(s, &md, &so, &rep, &sbom, e);
	if (r == 0 && opts_find(o, "defang")->value)
		r = defang(s, &md, opts_find(o, "defang")->value, e);
	if (r == 0 && sbom) {
		if (json_dumpf(sbom, stdout, JSON_ENSURE_ASCII | JSON_INDENT(2)) < 0 ||
		    fputc('\n', stdout) == EOF || fflush(stdout) == EOF)
			r = brig_err_sys(e, EIO, "writing the SBOM");
	} else if (r == 0) {
		r = audit_report_print(stdout, &rep, &out, e);
	}
	audit_report_clear(&rep);
	img_descriptor_clear(&md);
	img_descriptor_clear(&d);
	return r;
}

int brig_cmd_scan(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("db", 0, "PATH",
			  "OSV vulnerability records: a directory of *.json or one file"),
		OPT_VALUE("format", 0, "FORMAT", "text (default), json or sarif"),
		OPT_VALUE("fail-on", 0, "SEVERITY",
			  "exit 1 only for findings at or above info, low, medium, high or "
			  "critical (default info: any finding)"),
		OPT_MULTI("skip", 0, "ID", "leave out findings with this id (repeatable)"),
		OPT_VALUE("sbom", 0, "FORMAT",
			  "print the packages found as spdx-json or cyclonedx-json instead"),
		OPT_VALUE("defang", 0, "NAME[:TAG]",
			  "also write a new image NAME without the setuid, setgid and "
			  "others-write bits"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("scan", "IMAGE", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0) {
		opts_free(o);
		return p < 0 ? AUDIT_EXIT_ERROR : 0;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	int rc = scan(g, pos[0], o, &e);
	if (rc < 0) {
		brig_err_wrap(&e, "scan %s", pos[0]);
		(void)brig_fail(&e);
		rc = AUDIT_EXIT_ERROR;
	}
	opts_free(o);
	return rc;
}
