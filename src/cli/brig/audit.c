/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit [host|engine|containers|images|all]: the host, the engine,
 * every container (as the kernel enforces it: drift from the record is a
 * finding) and every image, against the CIS Docker Benchmark and brig's
 * own checks (src/audit, docs/audit.md).  Exit 0: no finding at or above
 * --fail-on; 1: findings; 2: an error.
 */
#include "audit/audit.h"
#include "cli/brig/brig-internal.h"
#include "engine/engine.h"

#include <stdio.h>
#include <string.h>

static int audit(const struct brig_global *g, unsigned scope, struct opt *o, struct brig_err *e)
{
	struct audit_output out = { .fail_on = AUDIT_INFO,
				    .skip = (char **)opts_find(o, "skip")->list };
	struct audit_report rep = { .tool = "brig audit", .subject = "host" };
	_cleanup_img_store_ struct img_store *s = NULL;
	_cleanup_eng_ struct eng *eng = NULL;
	struct audit_run_opts ro = { .scope = scope, .max_image_age = AUDIT_MAX_IMAGE_AGE_DEFAULT };
	const char *f = opts_find(o, "fail-on")->value;
	const char *age = opts_find(o, "max-image-age")->value;
	int r = audit_format_parse(opts_find(o, "format")->value, &out.format, e);
	if (r == 0 && f)
		r = audit_severity_parse(f, &out.fail_on, e);
	if (r == 0 && age && (brig_parse_i64(age, &ro.max_image_age) < 0 || ro.max_image_age < 0))
		r = brig_err_set(e, -EINVAL, "--max-image-age %s: expected a number of days", age);
	if (r == 0)
		r = brig_engine_open(g, &eng, e);
	if (r == 0 && (scope & (AUDIT_SCOPE_IMAGES | AUDIT_SCOPE_CONTAINERS)))
		r = brig_store_open(g, &s, e);
	if (r == 0)
		r = audit_run(eng, s, &ro, &rep, e);
	if (r == 0)
		r = audit_report_print(stdout, &rep, &out, e);
	audit_report_clear(&rep);
	return r;
}

int brig_cmd_audit(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("format", 0, "FORMAT", "text (default), json or sarif"),
		OPT_VALUE("fail-on", 0, "SEVERITY",
			  "exit 1 only for findings at or above info, low, medium, high or "
			  "critical (default info: any finding)"),
		OPT_MULTI("skip", 0, "ID", "leave out findings with this id (repeatable)"),
		OPT_VALUE("max-image-age", 0, "DAYS",
			  "a container whose image was created more than DAYS ago is a finding "
			  "(default 90; 0: not checked)"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("audit", "[host|engine|containers|images|all]", o, argc, argv, &pos,
			   &npos, 0, 1);
	if (p <= 0) {
		opts_free(o);
		return p < 0 ? AUDIT_EXIT_ERROR : 0;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	unsigned scope = AUDIT_SCOPE_ALL;
	int rc = npos ? audit_scope_parse(pos[0], &scope, &e) : 0;
	if (rc == 0)
		rc = audit(g, scope, o, &e);
	if (rc < 0) {
		brig_err_wrap(&e, "audit");
		(void)brig_fail(&e);
		rc = AUDIT_EXIT_ERROR;
	}
	opts_free(o);
	return rc;
}
