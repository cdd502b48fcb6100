/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host-wide registry of user namespace slots: one for every store on
 * the host, so that two store roots (--root A, --root B, /var/lib/brig)
 * never hand out the same range.  It lives in the engine config's
 * userns-registry directory (default /var/lib/brig/userns, persistent, as
 * the containers whose ranges it holds are):
 *
 *   DIR/lock   flock'ed exclusively for every read-change-write
 *   DIR/slots  {"Slots":[{"Slot":K,"Root":"/store","Id":"<64 hex>"},...]}
 *              replaced whole (temporary file, fsync, rename)
 *
 * An entry whose container (ROOT/containers/ID, or the .tmp-ID being
 * made) no longer exists is stale and its slot free again.  That is how a
 * slot is freed: `brig rm` does not write the registry (its lock, a new
 * file and two fsyncs were a good part of `run --rm`'s time), the entry
 * goes stale when rm renames the directory to .rm-ID, and the next claim
 * drops it.  An entry outlives its container, never the reverse.
 */
#include "engine/engine-internal.h"
#include "engine/config/engine-config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REG_MAX ((size_t)16 << 20)

static int reg_dir(const char *path, struct brig_err *e)
{
	int r = brig_mkdir_p(AT_FDCWD, path, 0700, e);
	if (r < 0)
		return brig_err_wrap(e, "the user namespace registry");
	int fd = BRIG_RETRY(open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening the user namespace registry %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		(void)close(fd);
		return brig_err_sys(e, err, "%s", path);
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		(void)close(fd);
		return brig_err_set(e, -EPERM,
				    "the user namespace registry %s is not ours alone "
				    "(another owner, or group/world write)",
				    path);
	}
	return fd;
}

int eng_userns_reg_open(struct eng *g, struct eng_userns_reg *reg, struct brig_err *e)
{
	*reg = (struct eng_userns_reg){ .dirfd = -1, .lockfd = -1 };
	int r;
	if ((reg->dirfd = r = reg_dir(g->cfg->userns_registry, e)) < 0 ||
	    (reg->lockfd = r = brig_lock_path(reg->dirfd, "lock", BRIG_LOCK_EXCLUSIVE, true, e)) <
		    0) {
		eng_userns_reg_close(reg);
		return r;
	}
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	r = brig_read_file(reg->dirfd, "slots", REG_MAX, &buf, &len, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		reg->doc = json_pack("{s:[]}", "Slots");
	} else if (r == 0) {
		json_error_t je;
		reg->doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
		if (!reg->doc || !json_is_array(json_object_get(reg->doc, "Slots"))) {
			eng_userns_reg_close(reg);
			return brig_err_set(e, -EINVAL, "%s/slots: not a registry (%s)",
					    g->cfg->userns_registry, je.text);
		}
	}
	if (r < 0 && r != -ENOENT) {
		eng_userns_reg_close(reg);
		return r;
	}
	return reg->doc ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

void eng_userns_reg_close(struct eng_userns_reg *reg)
{
	if (reg->lockfd >= 0)
		(void)close(reg->lockfd);
	if (reg->dirfd >= 0)
		(void)close(reg->dirfd);
	json_decref(reg->doc);
	*reg = (struct eng_userns_reg){ .dirfd = -1, .lockfd = -1 };
}

/* Does the container of this entry still exist (made or being made)? */
static bool entry_live(const json_t *ent)
{
	const char *root = json_string_value(json_object_get(ent, "Root"));
	const char *id = json_string_value(json_object_get(ent, "Id"));
	char path[PATH_MAX];
	if (!root || !id || strlen(id) != ENG_ID_LEN || strchr(id, '/'))
		return false;
	/* .tmp-ID first: it is renamed to ID when the container is made, so
	 * looking in this order never misses one being published. */
	if (brig_snprintf(path, sizeof(path), "%s/containers/.tmp-%s", root, id) >= 0 &&
	    faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	return brig_snprintf(path, sizeof(path), "%s/containers/%s", root, id) >= 0 &&
		faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

bool eng_userns_reg_taken(const struct eng_userns_reg *reg, uint64_t slot)
{
	size_t i;
	const json_t *ent;
	json_array_foreach(json_object_get(reg->doc, "Slots"), i, ent)
	{
		if (json_integer_value(json_object_get(ent, "Slot")) == (json_int_t)slot &&
		    entry_live(ent))
			return true;
	}
	return false;
}

/* Durable: a claim not yet on disk at a crash could hand the range out
 * twice, and a write not yet on disk can leave an empty file, which the
 * next claim must refuse (other stores' ranges would be lost). */
static int reg_write(struct eng_userns_reg *reg, struct brig_err *e)
{
	_cleanup_free_ char *s = json_dumps(reg->doc, JSON_COMPACT);
	if (!s)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return brig_atomic_write(reg->dirfd, "slots", s, strlen(s), 0600, e);
}

/* Drop the entries for slot and the stale ones; with root and id, add
 * slot for them. */
static int reg_set(struct eng_userns_reg *reg, uint64_t slot, const char *root, const char *id,
		   struct brig_err *e)
{
	json_t *slots = json_object_get(reg->doc, "Slots");
	for (size_t i = json_array_size(slots); i-- > 0;) {
		const json_t *ent = json_array_get(slots, i);
		if (json_integer_value(json_object_get(ent, "Slot")) == (json_int_t)slot ||
		    !entry_live(ent))
			(void)json_array_remove(slots, i);
	}
	if (id &&
	    json_array_append_new(slots,
				  json_pack("{s:I,s:s,s:s}", "Slot", (json_int_t)slot, "Root", root,
					    "Id", id)) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return reg_write(reg, e);
}

int eng_userns_reg_claim(struct eng_userns_reg *reg, uint64_t slot, const char *root,
			 const char *id, struct brig_err *e)
{
	return reg_set(reg, slot, root, id, e);
}
