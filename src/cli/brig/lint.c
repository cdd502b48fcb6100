/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig lint DOCKERFILE: the image hygiene findings of a Dockerfile, without
 * building it (src/build/lint.c, docs/build.md).  Exit 0: no finding at or
 * above --fail-on; 1: findings; 2: an error.
 */
#include "audit/audit.h"
#include "build/build.h"
#include "cli/brig/brig-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int lint(const char *path, struct opt *o, struct brig_err *e)
{
	struct audit_output out = { .fail_on = AUDIT_INFO,
				    .skip = (char **)opts_find(o, "skip")->list };
	struct audit_report rep = { .tool = "brig lint", .subject = path };
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	const char *f = opts_find(o, "fail-on")->value;
	int r = audit_format_parse(opts_find(o, "format")->value, &out.format, e);
	if (r == 0 && f)
		r = audit_severity_parse(f, &out.fail_on, e);
	_cleanup_close_ int fd = r == 0 ? BRIG_RETRY(open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC))
					: -1;
	if (r == 0 && fd < 0)
		r = brig_err_sys(e, errno, "%s", path);
	if (r == 0)
		r = brig_read_fd(fd, path, BLD_MAX_FILE, &text, &len, e);
	if (r == 0)
		r = bld_lint(path, text, len, &rep, e);
	if (r == 0) {
		audit_report_sort(&rep);
		r = audit_report_print(stdout, &rep, &out, e);
	}
	audit_report_clear(&rep);
	return r;
}

int brig_cmd_lint(const struct brig_global *g, int argc, char **argv)
{
	(void)g;
	struct opt o[] = {
		OPT_VALUE("format", 0, "FORMAT", "text (default), json or sarif"),
		OPT_VALUE("fail-on", 0, "SEVERITY",
			  "exit 1 only for findings at or above info, low, medium, high or "
			  "critical (default info: any finding)"),
		OPT_MULTI("skip", 0, "ID", "leave out findings with this id (repeatable)"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("lint", "DOCKERFILE", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0) {
		opts_free(o);
		return p < 0 ? AUDIT_EXIT_ERROR : 0;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	int rc = lint(pos[0], o, &e);
	if (rc < 0) {
		(void)brig_fail(&e);
		rc = AUDIT_EXIT_ERROR;
	}
	opts_free(o);
	return rc;
}
