/* SPDX-License-Identifier: Apache-2.0 */
/* A hash set of inodes (open addressing, linear probing), with a value per
 * inode.  Used to know which inodes a layer created (hard links may only
 * point at those) and, when packing, which path an inode was first seen at. */
#include "image/layer/layer-internal.h"

#include <string.h>

static size_t ino_hash(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ULL;
	h ^= (uint64_t)dev * 0xc2b2ae3d27d4eb4fULL;
	return (size_t)(h ^ (h >> 29));
}

static struct ino_slot *ino_find(const struct inoset *s, dev_t dev, ino_t ino)
{
	size_t mask = s->cap - 1;
	for (size_t i = ino_hash(dev, ino) & mask;; i = (i + 1) & mask) {
		struct ino_slot *sl = &s->slots[i];
		if (sl->ino == 0 || (sl->ino == ino && sl->dev == dev))
			return sl;
	}
}

static int ino_grow(struct inoset *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 1024;
	if (ncap > SIZE_MAX / sizeof(struct ino_slot))
		return -ENOMEM;
	struct ino_slot *old = s->slots;
	size_t ocap = s->cap;
	s->slots = calloc(ncap, sizeof(*s->slots));
	if (!s->slots) {
		s->slots = old;
		return -ENOMEM;
	}
	s->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].ino != 0)
			*ino_find(s, old[i].dev, old[i].ino) = old[i];
	free(old);
	return 0;
}

int inoset_put(struct inoset *s, dev_t dev, ino_t ino, size_t val)
{
	if (ino == 0)
		return -EINVAL;
	if ((s->len + 1) * 2 > s->cap) {
		int r = ino_grow(s);
		if (r < 0)
			return r;
	}
	struct ino_slot *sl = ino_find(s, dev, ino);
	if (sl->ino == 0)
		s->len++;
	*sl = (struct ino_slot){ .dev = dev, .ino = ino, .val = val };
	return 0;
}

bool inoset_get(const struct inoset *s, dev_t dev, ino_t ino, size_t *val)
{
	if (s->cap == 0 || ino == 0)
		return false;
	const struct ino_slot *sl = ino_find(s, dev, ino);
	if (sl->ino == 0)
		return false;
	if (val)
		*val = sl->val;
	return true;
}

void inoset_free(struct inoset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
