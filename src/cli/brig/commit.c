/* SPDX-License-Identifier: Apache-2.0 */
/* brig commit: a container's changes as a new image. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <string.h>

struct commit_args {
	struct eng_commit_opts o;
	char image_id[72];
};

/* Every -c instruction, in order, on the image's "config" object. */
static int apply_changes(json_t *config, void *arg, struct brig_err *e)
{
	const struct opt *c = arg;
	for (size_t i = 0; i < c->n; i++) {
		int r = brig_change_apply(config, c->list[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int commit_one(struct eng *eng, const char *id, const char *what, void *arg,
		      struct brig_err *e)
{
	(void)what;
	struct commit_args *a = arg;
	int r = eng_commit(eng, id, &a->o, a->image_id, e);
	if (r == 0)
		printf("%s\n", a->image_id);
	return r;
}

int brig_cmd_commit(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("pause", 'p',
			 "freeze the container while its changes are packed (default true; "
			 "--pause=false to commit it running)"),
		OPT_MULTI("change", 'c', "INSTR",
			  "apply a Dockerfile instruction to the config (CMD, ENTRYPOINT, ENV, "
			  "LABEL, USER, WORKDIR, EXPOSE, VOLUME, STOPSIGNAL)"),
		OPT_VALUE("message", 'm', "MSG", "the history entry's comment"),
		OPT_VALUE("author", 'a', "AUTHOR", "the image's author (\"Name <email>\")"),
		OPT_FLAG("quiet", 'q', "print only the new image's id (what commit prints anyway)"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("commit", "CONTAINER [NAME[:TAG]]", o, argc, argv, &pos, &npos, 1, 2);
	struct commit_args a = {
		.o = { .pause = !o[0].value || strcmp(o[0].value, "false") != 0,
		       .comment = o[2].value,
		       .author = o[3].value,
		       .ref = npos > 1 ? pos[1] : NULL,
		       .edit = apply_changes,
		       .arg = &o[1] },
	};
	int r = p > 0   ? brig_for_each_container(g, pos, 1, commit_one, &a)
		: p < 0 ? BRIG_EXIT_FAIL
			: 0;
	opts_free(o);
	return r;
}
