/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a profile file (size-limited, digested) and where the default
 * profile lives. */
#include "engine/seccomp/seccomp-internal.h"

#include "brig-config.h"

#include <fcntl.h>
#include <string.h>

const char *eng_seccomp_default_path(void)
{
	const char *env = getenv(ENG_SECCOMP_PROFILE_ENV);
	if (env && env[0])
		return env;
	return BRIG_DATADIR "/seccomp.json";
}

int eng_seccomp_load_file(const char *path, const struct eng_seccomp_ctx *ctx, json_t **oci,
			  char digest[ENG_SECCOMP_DIGEST_LEN], struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char hex[BRIG_SHA256_HEX];
	*oci = NULL;
	int r = brig_read_file(AT_FDCWD, path, ENG_SECCOMP_MAX_FILE, &buf, &len, e);
	if (r < 0) /* the callers say "seccomp profile" */
		return r;
	if (digest) {
		r = brig_sha256_buf(buf, len, hex);
		if (r < 0)
			return brig_err_set(e, r, "%s: hashing the profile", path);
		r = brig_snprintf(digest, ENG_SECCOMP_DIGEST_LEN, "sha256:%s", hex);
		if (r < 0)
			return brig_err_set(e, r, "%s: digest too long", path);
	}
	return eng_seccomp_from_docker(buf, len, path, ctx, oci, e);
}
