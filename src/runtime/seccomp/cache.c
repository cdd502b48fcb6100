/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cache of compiled seccomp programs.
 *
 * libseccomp needs several milliseconds to compile a Docker-sized allow-list,
 * more than everything else brig-runtime does to start a container.  The
 * program depends only on the seccomp object, the libseccomp version and the
 * machine, so it is compiled once and kept under the state root
 * (ROOT/.seccomp-cache/<sha256 of all three>), a directory only its owner
 * can write (0700, like the state root itself).  An entry repeats its key in
 * a header, and anything malformed is ignored and recompiled; the kernel
 * verifies every program when it is installed.
 */
#include "runtime/seccomp/seccomp-internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define MAGIC "brig-seccomp-cache-1\n"
#define MAX_INSNS 4096 /* BPF_MAXINSNS */

static char *cache_dir;

int rt_seccomp_set_cache_dir(const char *dir, struct brig_err *e)
{
	free(cache_dir);
	cache_dir = NULL;
	if (!dir)
		return 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating %s", dir);
	struct stat st;
	if (lstat(dir, &st) < 0)
		return brig_err_sys(e, errno, "%s", dir);
	/* Only a private directory of ours: anything else is not trusted. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return 0;
	cache_dir = strdup(dir);
	return cache_dir ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

int sc_cache_key(const json_t *obj, char key[BRIG_SHA256_HEX])
{
	_cleanup_free_ char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	if (!text || !v || uname(&u) < 0)
		return -EIO;
	_cleanup_sha256_ struct brig_sha256 *h = brig_sha256_new();
	char ver[512];
	int n = snprintf(ver, sizeof(ver), "%u.%u.%u %s %s\n", v->major, v->minor, v->micro,
			 u.machine, u.release);
	if (!h || n < 0 || brig_sha256_update(h, ver, (size_t)n) < 0 ||
	    brig_sha256_update(h, text, strlen(text)) < 0)
		return -EIO;
	return brig_sha256_final(h, key);
}

int sc_cache_lookup(const char key[BRIG_SHA256_HEX], struct sock_filter **insns, size_t *n)
{
	if (!cache_dir)
		return -ENOENT;
	_cleanup_close_ int dfd = BRIG_RETRY(open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (dfd < 0)
		return -errno;
	_cleanup_close_ int fd = BRIG_RETRY(openat(dfd, key, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return -errno;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	size_t hdr = strlen(MAGIC) + BRIG_SHA256_HEX;
	if (brig_read_fd(fd, key, hdr + MAX_INSNS * sizeof(struct sock_filter), &buf, &len, NULL) <
	    0)
		return -EIO;
	if (len <= hdr || memcmp(buf, MAGIC, strlen(MAGIC)) != 0 ||
	    memcmp(buf + strlen(MAGIC), key, BRIG_SHA256_HEX - 1) != 0 || buf[hdr - 1] != '\n' ||
	    (len - hdr) % sizeof(struct sock_filter) != 0)
		return -EINVAL;
	*n = (len - hdr) / sizeof(struct sock_filter);
	*insns = malloc(len - hdr);
	if (!*insns)
		return -ENOMEM;
	memcpy(*insns, buf + hdr, len - hdr);
	return 0;
}

void sc_cache_store(const char key[BRIG_SHA256_HEX], const struct sock_filter *insns, size_t n)
{
	if (!cache_dir || n == 0 || n > MAX_INSNS)
		return;
	size_t hdr = strlen(MAGIC) + BRIG_SHA256_HEX;
	_cleanup_free_ char *buf = malloc(hdr + n * sizeof(*insns));
	_cleanup_close_ int dfd = BRIG_RETRY(open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!buf || dfd < 0)
		return;
	memcpy(buf, MAGIC, strlen(MAGIC));
	memcpy(buf + strlen(MAGIC), key, BRIG_SHA256_HEX - 1);
	buf[hdr - 1] = '\n';
	memcpy(buf + hdr, insns, n * sizeof(*insns));
	_cleanup_err_ struct brig_err e = { 0 };
	if (brig_atomic_write(dfd, key, buf, hdr + n * sizeof(*insns), 0600, &e) < 0)
		brig_debug("seccomp cache: %s", brig_err_str(&e));
}
