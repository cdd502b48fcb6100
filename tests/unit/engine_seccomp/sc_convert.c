/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sc-convert: print the OCI linux.seccomp object for a Docker-format profile
 * (integration tests put it into a bundle's config.json).
 *
 *   sc-convert [--cap CAP_X]... [--arch A] [--kernel K] [--digest] PROFILE
 *
 * --digest prints the profile's digest instead.  Exit 0, or 1 with the
 * error on stderr.
 */
#include "engine/seccomp/profile.h"

#include <string.h>

#define MAX_CAPS 64

int main(int argc, char **argv)
{
	const char *caps[MAX_CAPS + 1] = { NULL };
	size_t n_caps = 0;
	struct eng_seccomp_ctx ctx = { .caps = caps };
	bool want_digest = false;
	int i = 1;
	for (; i < argc; i++) {
		bool has_val = i + 1 < argc;
		if (strcmp(argv[i], "--cap") == 0 && has_val && n_caps < MAX_CAPS)
			caps[n_caps++] = argv[++i];
		else if (strcmp(argv[i], "--arch") == 0 && has_val)
			ctx.arch = argv[++i];
		else if (strcmp(argv[i], "--kernel") == 0 && has_val)
			ctx.kernel = argv[++i];
		else if (strcmp(argv[i], "--digest") == 0)
			want_digest = true;
		else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr,
			"usage: sc-convert [--cap CAP_X]... [--arch A] [--kernel K] [--digest] PROFILE\n");
		return 2;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *oci = NULL;
	char digest[ENG_SECCOMP_DIGEST_LEN];
	if (eng_seccomp_load_file(argv[i], &ctx, &oci, digest, &e) < 0) {
		fprintf(stderr, "sc-convert: %s\n", brig_err_str(&e));
		return 1;
	}
	if (want_digest) {
		printf("%s\n", digest);
		return 0;
	}
	_cleanup_free_ char *text = json_dumps(oci, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text) {
		fprintf(stderr, "sc-convert: out of memory\n");
		return 1;
	}
	printf("%s\n", text);
	return fflush(stdout) == 0 ? 0 : 1;
}
