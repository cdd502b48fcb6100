/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container names: ROOT/names/<name> is a symlink whose target is the id
 * holding the name.  symlinkat() either makes the name or fails with
 * EEXIST, so two `brig run --name x` never both get it; ROOT/names.lock
 * (taken by create, rename and rm around their name changes) lets a stale
 * name (its container gone after a crash) be told from one being made.
 */
#include "engine/engine-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

bool eng_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > ENG_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

/* Generated names: a word for a quality and the name of a harbour craft. */
static const char *const qualities[] = {
	"able",    "agile",  "amber", "bold",   "brave", "brisk",  "calm",  "clever", "cosy",
	"crisp",   "daring", "deft",  "eager",  "fair",  "fleet",  "frank", "gentle", "glad",
	"hardy",   "keen",   "kind",  "lucid",  "merry", "modest", "neat",  "nimble", "noble",
	"patient", "plucky", "proud", "quiet",  "rapid", "ready",  "sharp", "shrewd", "sober",
	"solid",   "spry",   "stark", "steady", "stout", "sturdy", "swift", "tidy",   "trusty",
	"vivid",   "wary",   "wise",  "witty",  "zesty",
};
static const char *const craft[] = {
	"barge",    "brigantine", "caravel", "catamaran", "clipper", "coracle",  "corvette",
	"cutter",   "dhow",       "dinghy",  "dory",      "felucca", "ferry",    "frigate",
	"galleon",  "gig",        "junk",    "kayak",     "ketch",   "launch",   "lighter",
	"longboat", "lugger",     "pinnace", "punt",      "raft",    "schooner", "scow",
	"skiff",    "sloop",      "smack",   "tender",    "trawler", "tug",      "umiak",
	"wherry",   "yawl",
};

int eng_name_generate(struct eng *g, char *buf, size_t size)
{
	(void)g;
	uint32_t rnd[2];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	return brig_snprintf(buf, size, "%s_%s", qualities[rnd[0] % BRIG_ARRAY_SIZE(qualities)],
			     craft[rnd[1] % BRIG_ARRAY_SIZE(craft)]);
}

int eng_names_lock(struct eng *g, struct brig_err *e)
{
	return brig_lock_path(g->rootfd, "names.lock", BRIG_LOCK_EXCLUSIVE, true, e);
}

int eng_name_lookup(struct eng *g, const char *name, char id[ENG_ID_LEN + 1])
{
	if (!eng_name_valid(name))
		return -EINVAL;
	char buf[ENG_ID_LEN + 2];
	ssize_t n = readlinkat(g->namesfd, name, buf, sizeof(buf));
	if (n != ENG_ID_LEN)
		return -ENOENT;
	buf[n] = '\0';
	if (faccessat(g->ctrsfd, buf, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return -ENOENT;
	memcpy(id, buf, ENG_ID_LEN + 1);
	return 0;
}

/* Caller holds names.lock. */
int eng_name_claim(struct eng *g, const char *name, const char *id, struct brig_err *e)
{
	if (!eng_name_valid(name))
		return brig_err_set(
			e, -EINVAL,
			"invalid container name \"%s\": use [a-zA-Z0-9][a-zA-Z0-9_.-]*, "
			"at most %d characters",
			name, ENG_NAME_MAX);
	for (int tries = 0; tries < 2; tries++) {
		if (symlinkat(id, g->namesfd, name) == 0)
			return 0;
		if (errno != EEXIST)
			return brig_err_sys(e, errno, "claiming the name %s", name);
		char other[ENG_ID_LEN + 1];
		if (eng_name_lookup(g, name, other) == 0)
			return brig_err_set(
				e, -EEXIST,
				"the container name \"%s\" is already in use by container %s", name,
				other);
		/* A stale name: its container is gone. */
		if (unlinkat(g->namesfd, name, 0) < 0 && errno != ENOENT)
			return brig_err_sys(e, errno, "removing the stale name %s", name);
	}
	return brig_err_set(e, -EEXIST, "the container name \"%s\" is already in use", name);
}

void eng_name_release(struct eng *g, const char *name, const char *id)
{
	char buf[ENG_ID_LEN + 2];
	ssize_t n = readlinkat(g->namesfd, name, buf, sizeof(buf));
	if (n != ENG_ID_LEN || memcmp(buf, id, ENG_ID_LEN) != 0)
		return;
	if (unlinkat(g->namesfd, name, 0) < 0 && errno != ENOENT)
		brig_warn("removing the name %s: %s", name, strerror(errno));
}

int eng_ref_check_tagged(const char *ref, const char *what, struct brig_err *e)
{
	struct img_ref parsed;
	int r = img_ref_parse(ref, &parsed, e);
	if (r < 0)
		return r;
	bool digest = parsed.digest[0] != 0;
	img_ref_clear(&parsed);
	return digest
		? brig_err_set(e, -EINVAL, "%s: %s image is named NAME[:TAG], without a digest",
			       ref, what)
		: 0;
}
