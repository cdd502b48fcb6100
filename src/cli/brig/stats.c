/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig stats: CPU, memory and process count of running containers, from
 * their cgroups (engine/events.h eng_stats).  CPU % is the CPU time used
 * between two samples about a second apart over the wall time between them
 * (100% = one CPU busy), as Docker computes it; memory usage leaves the page
 * cache out, and an unlimited container's limit is the host's memory.
 */
#include "cli/brig/brig-internal.h"
#include "engine/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One container's sample. */
struct sample {
	char id[ENG_ID_LEN + 1];
	char name[ENG_NAME_MAX + 2];
	bool have; /* it had a cgroup to read */
	uint64_t cpu_ns; /* cumulative CPU time */
	uint64_t mem, limit; /* bytes */
	uint64_t pids;
	int64_t when_ns; /* CLOCK_MONOTONIC */
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t num(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v)
							       : 0;
}

static uint64_t host_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

static void take(struct eng *eng, struct sample *s)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *st = NULL;
	s->when_ns = mono_ns();
	s->have = eng_stats(eng, s->id, &st, &e) == 0;
	if (!s->have) {
		brig_debug("stats of %.12s: %s", s->id, brig_err_str(&e));
		return;
	}
	json_t *mem = json_object_get(st, "memory");
	json_t *usage = json_object_get(mem, "usage");
	s->cpu_ns = num(
		json_object_get(json_object_get(json_object_get(st, "cpu"), "usage"), "total"));
	uint64_t used = num(json_object_get(usage, "usage")),
		 cache = num(json_object_get(mem, "cache"));
	s->mem = cache <= used ? used - cache : used;
	json_t *limit = json_object_get(usage, "limit");
	s->limit = json_is_integer(limit) ? num(limit) : host_memory();
	s->pids = num(json_object_get(json_object_get(st, "pids"), "current"));
}

static json_t *row_of(const struct sample *a, const struct sample *b)
{
	double cpu = 0, memp = 0;
	if (a->have && b->have && b->when_ns > a->when_ns && b->cpu_ns >= a->cpu_ns)
		cpu = (double)(b->cpu_ns - a->cpu_ns) * 100.0 / (double)(b->when_ns - a->when_ns);
	if (b->have && b->limit)
		memp = (double)b->mem * 100.0 / (double)b->limit;
	char cpus[32], mems[32], used[32], lim[32], pids[32], id[13];
	(void)snprintf(cpus, sizeof(cpus), "%.2f%%", cpu);
	(void)snprintf(mems, sizeof(mems), "%.2f%%", memp);
	brig_binary_size(b->have ? b->mem : 0, used);
	brig_binary_size(b->have ? b->limit : 0, lim);
	(void)snprintf(pids, sizeof(pids), "%llu", (unsigned long long)(b->have ? b->pids : 0));
	memcpy(id, b->id, 12);
	id[12] = '\0';
	const char *name = b->name[0] == '/' ? b->name + 1 : b->name;
	return json_pack("{s:s,s:s,s:s,s:s,s:s++,s:s,s:s,s:s,s:s}", "ID", id, "Container", id,
			 "Name", name, "CPUPerc", cpus, "MemUsage", used, " / ", lim, "MemPerc",
			 mems, "PIDs", pids, "NetIO", "--", "BlockIO", "--");
}

/* The containers to sample: those named, or every running one. */
static int pick(struct eng *eng, char **pos, size_t npos, bool every, struct sample **out,
		size_t *n, struct brig_err *e)
{
	_cleanup_json_ json_t *all = NULL;
	int r = eng_list(eng, &all, e);
	if (r < 0)
		return r;
	size_t cap = npos ? npos : json_array_size(all);
	struct sample *v = calloc(cap ? cap : 1, sizeof(*v));
	if (!v)
		return brig_err_set(e, -ENOMEM, "out of memory");
	size_t k = 0, i;
	json_t *rec;
	for (i = 0; npos && i < npos; i++)
		if ((r = eng_find(eng, pos[i], v[k++].id, e)) < 0) {
			free(v);
			return r;
		}
	json_array_foreach(npos ? NULL : all, i,
			   rec) if (every ||
				    json_is_true(json_object_get(json_object_get(rec, "State"),
								 "Running")))(void)
		brig_snprintf(v[k++].id, ENG_ID_LEN + 1, "%s",
			      json_string_value(json_object_get(rec, "Id")));
	for (i = 0; i < k; i++) {
		_cleanup_json_ json_t *one = NULL;
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (eng_inspect(eng, v[i].id, &one, &e2) == 0)
			(void)brig_snprintf(v[i].name, sizeof(v[i].name), "%s",
					    json_string_value(json_object_get(one, "Name")));
	}
	*out = v;
	*n = k;
	return 0;
}

/* Docker's columns; brig does not measure network and block I/O yet: "--". */
static const struct table_col stats_cols[] = {
	{ "CONTAINER ID", 0 }, { "NAME", 0 },    { "CPU %", 0 },     { "MEM USAGE / LIMIT", 0 },
	{ "MEM %", 0 },        { "NET I/O", 0 }, { "BLOCK I/O", 0 }, { "PIDS", 0 },
};
static const char *const stats_keys[] = { "ID",      "Name",  "CPUPerc", "MemUsage",
					  "MemPerc", "NetIO", "BlockIO", "PIDs" };
static const struct brig_listing stats_listing = { stats_cols, stats_keys,
						   BRIG_ARRAY_SIZE(stats_cols), JSON_SORT_KEYS,
						   NULL };

static int print_rows(const char *format, const json_t *rows, struct brig_err *e)
{
	int r = brig_print_listing(rows, format, false, &stats_listing, e);
	if (r < 0)
		return r;
	return fflush(stdout) == 0 ? 0 : brig_err_sys(e, errno, "writing the statistics");
}

static void sleep_1s(void)
{
	struct timespec ts = { .tv_sec = 1 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Two samples a second apart, printed; with stream, again and again. */
struct stats_opts {
	const char *format;
	bool stream, every;
};

static int stats_loop(struct eng *eng, char **pos, size_t npos, const struct stats_opts *so,
		      struct brig_err *e)
{
	for (;;) {
		_cleanup_free_ struct sample *a = NULL;
		size_t n = 0;
		int r = pick(eng, pos, npos, so->every, &a, &n, e);
		if (r < 0)
			return r;
		_cleanup_free_ struct sample *b = calloc(n ? n : 1, sizeof(*b));
		_cleanup_json_ json_t *rows = json_array();
		if (!b || !rows)
			return brig_err_set(e, -ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++)
			take(eng, &a[i]);
		sleep_1s();
		for (size_t i = 0; i < n; i++) {
			b[i] = a[i];
			take(eng, &b[i]);
			if (json_array_append_new(rows, row_of(&a[i], &b[i])) < 0)
				return brig_err_set(e, -ENOMEM, "out of memory");
		}
		if (so->stream && isatty(STDOUT_FILENO))
			printf("\033[2J\033[H"); /* clear the screen, as Docker */
		if ((r = print_rows(so->format, rows, e)) < 0 || !so->stream)
			return r;
	}
}

int brig_cmd_stats(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("no-stream", 0, "print one sample and exit"),
		OPT_VALUE("format", 0, "FORMAT",
			  "table, json (one object a line) or a Go template"),
		OPT_FLAG("all", 'a',
			 "every container (default: the running ones); stopped ones show zeros"),
		{ 0 }
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("stats", "[CONTAINER...]", o, argc, argv, &pos, &npos, 0, SIZE_MAX);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	int r = brig_engine_open(g, &eng, &e);
	struct stats_opts so = { .format = opts_find(o, "format")->value,
				 .stream = !opts_find(o, "no-stream")->set,
				 .every = opts_find(o, "all")->set };
	if (r == 0)
		r = stats_loop(eng, pos, npos, &so, &e);
	opts_free(o);
	return r < 0 ? brig_fail(&e) : 0;
}
