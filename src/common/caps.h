/* SPDX-License-Identifier: Apache-2.0 */
/* common: capability names.  Included through common/common.h. */
#ifndef BRIG_COMMON_CAPS_H
#define BRIG_COMMON_CAPS_H

/* How many capabilities brig knows by name (0 .. count-1). */
int brig_cap_count(void);
/* "CAP_CHOWN" for 0; NULL for a number brig has no name for. */
const char *brig_cap_name(int cap);
/* "CAP_CHOWN", "chown", "Chown" -> 0 (Docker accepts names without CAP_ and
 * in any case); -1 for an unknown name. */
int brig_cap_from_name(const char *name);
/* The running kernel's highest capability (/proc/sys/kernel/cap_last_cap,
 * read once), or the headers' CAP_LAST_CAP when it cannot be read. */
int brig_cap_last(void);

#endif
