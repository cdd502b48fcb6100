/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime spec: a config.json with brig's secure defaults. */
#include "cli/runtime/brig-runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rtcmd_spec(const struct rt_global *g, int argc, char **argv)
{
	(void)g;
	struct opt o[] = { OPT_VALUE("bundle", 'b', "DIR", "where to write config.json"),
			   OPT_FLAG("rootless", 0, "a config for an unprivileged user"),
			   { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int rc = 1;
	_cleanup_json_ json_t *spec = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1;
	_cleanup_err_ struct brig_err e = { 0 };
	int p = rtcli_parse("spec", "", o, argc, argv, false, &pos, &npos, 0, 0);
	if (p <= 0) {
		rc = p < 0 ? 1 : 0;
		goto out;
	}
	const char *dir = opts_find(o, "bundle")->value ? opts_find(o, "bundle")->value : ".";
	spec = rt_default_spec(opts_find(o, "rootless")->set);
	text = spec ? json_dumps(spec, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!text) {
		fprintf(stderr, "brig-runtime spec: out of memory\n");
	} else if (dfd < 0) {
		fprintf(stderr, "brig-runtime spec: %s: %s\n", dir, strerror(errno));
	} else if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		fprintf(stderr, "brig-runtime spec: %s/config.json exists; remove it first\n", dir);
	} else {
		size_t len = strlen(text);
		text[len] = '\n';
		rc = brig_atomic_write(dfd, "config.json", text, len + 1, 0644, &e) < 0
			? rt_fail(&e)
			: 0;
		text[len] = '\0';
	}
out:
	free(pos);
	opts_free(o);
	return rc;
}
