/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cache of compiled seccomp programs.
 *
 * libseccomp needs several milliseconds to compile a Docker-sized allow-list,
 * more than everything else brig-runtime does to start a container.  The
 * program depends only on the seccomp object, the libseccomp version and the
 * machine, so it is compiled once and kept under the state root
 * (ROOT/.seccomp-cache/<FNV-1a of all three>), a directory only its owner
 * can write (0700, like the state root itself).  An entry holds its whole
 * key, the text that was hashed, and is used only when that text is the
 * one wanted byte for byte: no hash collision can select another program,
 * and the runtime needs no cryptographic hash (libcrypto would cost every
 * start its loading and initialisation).  Anything malformed is ignored
 * and recompiled; the kernel verifies every program when it is installed.
 */
#include "runtime/seccomp/seccomp-internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define MAGIC "brig-seccomp-cache-2\n"
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

int sc_cache_key(const json_t *obj, struct sc_cache_key *key)
{
	*key = (struct sc_cache_key){ 0 };
	_cleanup_free_ char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	if (!text || !v || uname(&u) < 0 ||
	    brig_appendf(&key->text, &key->len, "%u.%u.%u %s %s\n%s", v->major, v->minor, v->micro,
			 u.machine, u.release, text) < 0) {
		sc_cache_key_clear(key);
		return -EIO;
	}
	(void)snprintf(key->name, sizeof(key->name), "%016llx",
		       (unsigned long long)brig_fnv1a64(key->text, key->len));
	return 0;
}

void sc_cache_key_clear(struct sc_cache_key *key)
{
	free(key->text);
	*key = (struct sc_cache_key){ 0 };
}

/* An entry: MAGIC, the key's length in decimal and a newline, the key,
 * the program. */
static int entry_header(const struct sc_cache_key *key, char *buf, size_t size)
{
	return brig_snprintf(buf, size, MAGIC "%zu\n", key->len);
}

int sc_cache_lookup(const struct sc_cache_key *key, struct sock_filter **insns, size_t *n)
{
	if (!cache_dir)
		return -ENOENT;
	_cleanup_close_ int dfd = BRIG_RETRY(open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (dfd < 0)
		return -errno;
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dfd, key->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return -errno;
	char head[64];
	int h = entry_header(key, head, sizeof(head));
	if (h < 0)
		return h;
	size_t hdr = (size_t)h + key->len;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (brig_read_fd(fd, key->name, hdr + MAX_INSNS * sizeof(struct sock_filter), &buf, &len,
			 NULL) < 0)
		return -EIO;
	if (len <= hdr || memcmp(buf, head, (size_t)h) != 0 ||
	    memcmp(buf + h, key->text, key->len) != 0 ||
	    (len - hdr) % sizeof(struct sock_filter) != 0)
		return -EINVAL;
	*n = (len - hdr) / sizeof(struct sock_filter);
	*insns = malloc(len - hdr);
	if (!*insns)
		return -ENOMEM;
	memcpy(*insns, buf + hdr, len - hdr);
	return 0;
}

void sc_cache_store(const struct sc_cache_key *key, const struct sock_filter *insns, size_t n)
{
	char head[64];
	int h = entry_header(key, head, sizeof(head));
	if (!cache_dir || n == 0 || n > MAX_INSNS || h < 0)
		return;
	size_t hdr = (size_t)h + key->len;
	_cleanup_free_ char *buf = malloc(hdr + n * sizeof(*insns));
	_cleanup_close_ int dfd = BRIG_RETRY(open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!buf || dfd < 0)
		return;
	memcpy(buf, head, (size_t)h);
	memcpy(buf + h, key->text, key->len);
	memcpy(buf + hdr, insns, n * sizeof(*insns));
	_cleanup_err_ struct brig_err e = { 0 };
	if (brig_atomic_write(dfd, key->name, buf, hdr + n * sizeof(*insns), 0600, &e) < 0)
		brig_debug("seccomp cache: %s", brig_err_str(&e));
}
