/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the engine: `--security-opt seccomp=learn:FILE[,merge]`
 * (seccomp_learn.c, docs/seccomp-learn.md). */
#ifndef BRIG_ENG_LEARN_H
#define BRIG_ENG_LEARN_H

#include "engine/engine-internal.h"

/* Is this --security-opt seccomp= value a learning one? */
bool eng_seccomp_is_learn(const char *opt);
/* At create: the learning filter (from the engine config's profile or
 * brig's default) and the annotations naming FILE; *info as
 * eng_seccomp_apply's, with "Learn": FILE. */
int eng_seccomp_learn_spec(struct eng *g, json_t *spec, const char *opt, const char *ctrdir,
			   json_t **info, struct brig_err *e);

/* At each start, around the runtime's create. */
struct eng_learn {
	int ctl, done; /* to the learner; from it (EOF: done) */
};
#define ENG_LEARN_INIT                \
	{                             \
		.ctl = -1, .done = -1 \
	}
/* When spec asks to learn: start the learner, listening at
 * dirfd/learn.sock.  Nothing otherwise. */
int eng_learn_begin(int dirfd, const json_t *spec, struct eng_learn *l, struct brig_err *e);
/* After the runtime's create (which handed the listener over, or failed):
 * the learner's "done" fd goes to *done (an earlier one is closed).  A
 * learner that got no listener by then exits without writing. */
void eng_learn_end(struct eng_learn *l, int *done);
/* Until the learner has written FILE and exited (foreground runs). */
void eng_learn_wait(int *done);

#endif
