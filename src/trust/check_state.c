/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Freshness and rollback, which sigstore itself lacks.
 *
 * Freshness: policy.d's maxSignatureAge for the scope that applied.
 *
 * Rollback: ROOT/trust/rollback.json, {"IDENTITY\nTAG": {"Time": N,
 * "Digest": "sha256:..."}}: for each repository and tag the newest signing
 * time accepted and the digest it signed.  A pull that would accept a
 * digest other than that one, signed earlier, is refused (an attacker
 * replaying an old, validly signed image under the tag) unless the user
 * allows the downgrade.  A signature without a signing time counts as
 * time 0: it never proves itself newer than a timed one.  The file is
 * changed under ROOT/trust/rollback.lock and replaced atomically.
 *
 * One durable write per pull: the record the pull keeps beside the image
 * (ROOT/trust/images/HEX.json, fsync'ed before the image is named) carries
 * the same entry as its "Rollback" member {"Key", "Time", "Digest"}, so
 * rollback.json is only a cache of the records, replaced without fsync.
 * After a crash it may be older than the records (or lost); it is then
 * brought forward from them: whenever the images directory changed at or
 * after rollback.json was written (its mtime), the records changed since
 * are merged in (a newer time wins), and a missing or unreadable cache is
 * rebuilt from every record.
 */
#include "trust/check-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define STATE_DIR "trust"
#define STATE_FILE "rollback.json"
#define STATE_LOCK "rollback.lock"
#define STATE_MAX (8 << 20)
#define RECORDS_DIR "images" /* ROOT/trust/images, the engine's records */
#define RECORD_MAX (4 << 20)

int64_t trust_policy_max_age(const struct trust_policy *p, const struct trust_match *m)
{
	const char *scope = m->scope ? m->scope : "default";
	if (m->transport && strcmp(m->transport, "docker") != 0)
		return 0;
	for (size_t i = 0; i < p->n_max_ages; i++)
		if (strcmp(p->max_ages[i].scope, scope) == 0)
			return p->max_ages[i].seconds;
	return 0;
}

static int state_dir(const char *root, bool create, struct brig_err *e)
{
	_cleanup_close_ int rfd = BRIG_RETRY(open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (rfd < 0)
		return brig_err_sys(e, errno, "%s", root);
	if (create) {
		int r = brig_mkdir_p(rfd, STATE_DIR, 0700, e);
		if (r < 0)
			return r;
	}
	int d = BRIG_RETRY(openat(rfd, STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (d < 0)
		return errno == ENOENT && !create ? -ENOENT
						  : brig_err_sys(e, errno, "%s/" STATE_DIR, root);
	return d;
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* key's entry in st set to time and digest unless it holds a newer time. */
static int merge_entry(json_t *st, json_t *rb, struct brig_err *e)
{
	json_t *k = json_object_get(rb, "Key"), *t = json_object_get(rb, "Time"),
	       *d = json_object_get(rb, "Digest");
	if (!json_is_string(k) || !json_is_integer(t) || !json_is_string(d) ||
	    !brig_digest_valid(json_string_value(d)))
		return 0; /* not an entry: nothing to learn from it */
	json_t *o = json_object_get(st, json_string_value(k));
	json_t *had = json_object_get(o, "Time");
	if (json_is_integer(had) && json_integer_value(had) >= json_integer_value(t))
		return 0;
	return json_object_set_new(st, json_string_value(k),
				   json_pack("{s:O,s:O}", "Time", t, "Digest", d)) < 0
		? brig_err_oom(e)
		: 0;
}

/* The records written at or after since (NULL: all) merged into st. */
static int merge_records(int dfd, json_t *st, const struct timespec *since, struct brig_err *e)
{
	int fd = BRIG_RETRY(
		openat(dfd, RECORDS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, RECORDS_DIR);
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int err = errno;
		close(fd);
		return brig_err_sys(e, err, RECORDS_DIR);
	}
	int r = 0;
	for (struct dirent *de; r == 0 && (de = readdir(dir));) {
		struct stat sb;
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0 ||
		    fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode) || (since && ts_before(&sb.st_mtim, since)))
			continue;
		_cleanup_json_ json_t *rec = NULL;
		_cleanup_err_ struct brig_err le = { 0 };
		if (bj_load_file(dirfd(dir), de->d_name, RECORD_MAX, &rec, &le) == 0)
			r = merge_entry(st, json_object_get(rec, "Rollback"), e);
	}
	closedir(dir);
	return r;
}

/* The state (an empty object when there is none), brought forward from
 * the records when they changed since it was written: 1 when it was, 0
 * when rollback.json was current. */
static int state_read(int dfd, json_t **out, struct brig_err *e)
{
	struct stat cache, recs;
	bool have = fstatat(dfd, STATE_FILE, &cache, AT_SYMLINK_NOFOLLOW) == 0;
	_cleanup_err_ struct brig_err le = { 0 };
	if (!have || bj_load_file(dfd, STATE_FILE, STATE_MAX, out, &le) < 0 ||
	    !json_is_object(*out)) {
		json_decref(*out);
		have = false; /* missing or unreadable: rebuilt from every record */
		if (!(*out = json_object()))
			return brig_err_oom(e);
	}
	if (have &&
	    (fstatat(dfd, RECORDS_DIR, &recs, 0) < 0 || ts_before(&recs.st_mtim, &cache.st_mtim)))
		return 0; /* no record written since the cache was */
	int r = merge_records(dfd, *out, have ? &cache.st_mtim : NULL, e);
	return r < 0 ? r : 1;
}

static void entry(json_t *st, const char *key, int64_t *time, const char **digest)
{
	json_t *o = json_object_get(st, key);
	json_t *t = json_object_get(o, "Time"), *d = json_object_get(o, "Digest");
	*time = json_is_integer(t) ? (int64_t)json_integer_value(t) : 0;
	*digest = json_is_string(d) ? json_string_value(d) : NULL;
}

int trust_rollback_check(const char *root, const char *key, const char *digest, int64_t time,
			 bool allow, struct brig_err *e)
{
	_cleanup_close_ int dfd = state_dir(root, false, e);
	if (dfd == -ENOENT) { /* no state yet (or no root yet: a first pull) */
		brig_err_clear(e);
		return 0;
	}
	if (dfd < 0)
		return dfd;
	_cleanup_json_ json_t *st = NULL;
	int r = state_read(dfd, &st, e);
	if (r < 0)
		return r;
	int64_t had = 0;
	const char *was = NULL;
	entry(st, key, &had, &was);
	if (!was || strcmp(was, digest) == 0 || time >= had)
		return 0;
	const char *nl = strchr(key, '\n');
	int kl = nl ? (int)(nl - key) : (int)strlen(key);
	if (allow) {
		brig_warn("--allow-downgrade: %.*s:%s was signed at %lld for %s; taking %s, signed "
			  "at %lld",
			  kl, key, nl ? nl + 1 : "", (long long)had, was, digest, (long long)time);
		return 0;
	}
	return brig_err_set(e, -ESTALE,
			    "rollback refused: %.*s:%s was last accepted as %s, signed at %lld; "
			    "this is %s, signed earlier (%lld), a replay of an older image "
			    "(--allow-downgrade takes it anyway)",
			    kl, key, nl ? nl + 1 : "", was, (long long)had, digest,
			    (long long)time);
}

int trust_rollback_record(const char *root, const char *key, const char *digest, int64_t time,
			  struct brig_err *e)
{
	_cleanup_close_ int dfd = state_dir(root, true, e);
	if (dfd < 0)
		return dfd;
	_cleanup_close_ int lock = brig_lock_path(dfd, STATE_LOCK, BRIG_LOCK_EXCLUSIVE, true, e);
	if (lock < 0)
		return lock;
	_cleanup_json_ json_t *st = NULL;
	int r = state_read(dfd, &st, e);
	if (r < 0)
		return r;
	int64_t had = 0;
	const char *was = NULL;
	entry(st, key, &had, &was);
	if (was && time < had)
		return 0; /* an older one allowed by --allow-downgrade: the newest stays */
	if (r == 0 && was && time == had && strcmp(was, digest) == 0)
		return 0; /* current, and it says this already (a warm pull) */
	if (json_object_set_new(
		    st, key, json_pack("{s:I,s:s}", "Time", (json_int_t)time, "Digest", digest)) <
	    0)
		return brig_err_oom(e);
	_cleanup_free_ char *text = json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return brig_err_oom(e);
	/* a cache of the records (see above): no fsync */
	return brig_atomic_replace(dfd, STATE_FILE, text, strlen(text), 0600, false, e);
}
