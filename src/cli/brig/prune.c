/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig container prune, brig system prune: what is not in use goes, after
 * a question on a terminal (-f: without one; no terminal and no -f: a
 * refusal).  The engine removes containers and volumes, the image store
 * names and blobs; this file parses and prints.
 */
#include "cli/brig/brig-internal.h"
#include "engine/logs/logs.h"
#include "engine/volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

int brig_confirm(const char *cmd, const char *warning, bool force)
{
	if (force)
		return 1;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr,
			"brig: %s: stdin is not a terminal to confirm on: use -f (--force)\n", cmd);
		return -1;
	}
	printf("WARNING! %s\nAre you sure you want to continue? [y/N] ", warning);
	fflush(stdout);
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (n <= 0)
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

void brig_prune_req_clear(struct brig_prune_req *q)
{
	brig_strv_free(q->labels);
}

int brig_prune_filters(const struct opt *f, struct brig_prune_req *q, struct brig_err *e)
{
	struct timespec ts;
	if (!(q->labels = calloc(f->n + 1, sizeof(char *))))
		return brig_err_oom(e);
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	for (size_t i = 0, nl = 0; i < f->n; i++) {
		const char *v = f->list[i];
		int r;
		if (strncmp(v, "until=", 6) == 0 && v[6]) {
			if ((r = eng_logs_parse_time(v + 6, now, &q->until_ns, e)) < 0)
				return brig_err_wrap(e, "--filter until");
		} else if (strncmp(v, "label=", 6) == 0 && v[6]) {
			if (!(q->labels[nl++] = strdup(v + 6)))
				return brig_err_oom(e);
		} else {
			return brig_err_set(e, -EINVAL,
					    "--filter: \"%s\": use until=DURATION|TIME or "
					    "label=KEY[=VALUE]",
					    v);
		}
	}
	return 0;
}

/* Print "Deleted Containers:" and the ids; their bytes into *total. */
static void print_containers(const json_t *removed, uint64_t *total)
{
	size_t i;
	json_t *v;
	if (json_array_size(removed))
		printf("Deleted Containers:\n");
	json_array_foreach(removed, i, v)
	{
		printf("%s\n", json_string_value(json_object_get(v, "Id")));
		*total += (uint64_t)json_integer_value(json_object_get(v, "Size"));
	}
	if (json_array_size(removed))
		printf("\n");
}

void brig_print_reclaimed(uint64_t total)
{
	char human[32];
	brig_human_size(total, human);
	printf("Total reclaimed space: %s\n", human);
}

static int prune_containers(struct eng *eng, const struct brig_prune_req *q, uint64_t *total,
			    struct brig_err *e)
{
	_cleanup_json_ json_t *removed = NULL;
	int r = eng_container_prune(eng, q->until_ns, q->labels, &removed, e);
	if (r == 0)
		print_containers(removed, total);
	return r;
}

int brig_cmd_container_prune(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("force", 'f', "do not ask for confirmation"),
			   OPT_MULTI("filter", 0, "FILTER",
				     "until=DURATION|TIME (made before), label=KEY[=VALUE]"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("container prune", "", o, argc, argv, &pos, &npos, 0, 0);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	struct brig_prune_req q = { .force = opts_find(o, "force")->set };
	uint64_t total = 0;
	int r = brig_prune_filters(opts_find(o, "filter"), &q, &e), ok = 0;
	if (r == 0 &&
	    (ok = brig_confirm("container prune", "This will remove all stopped containers.",
			       q.force)) > 0 &&
	    (r = brig_engine_open(g, &eng, &e)) == 0 &&
	    (r = prune_containers(eng, &q, &total, &e)) == 0)
		brig_print_reclaimed(total);
	brig_prune_req_clear(&q);
	opts_free(o);
	return r < 0 ? brig_fail(&e) : ok < 0 ? 1 : 0;
}
