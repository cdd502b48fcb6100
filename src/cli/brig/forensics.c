/* SPDX-License-Identifier: Apache-2.0 */
/* brig forensics: a container's evidence, read from the host while it is
 * frozen, with a manifest of sha256 hashes (docs/incident.md). */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <string.h>

struct fx_cli {
	const char *output;
	bool kill, json;
};

/* Progress on stderr; a line may hold container-made text (a process's
 * command line): escaped before the terminal sees it. */
static void progress(void *ctx, const char *line)
{
	(void)ctx;
	_cleanup_free_ char *safe = brig_term_escape(line, strlen(line));
	fprintf(stderr, "forensics: %s\n", safe ? safe : "(out of memory)");
}

static int print_json(const json_t *sum, struct brig_err *e)
{
	_cleanup_free_ char *text = json_dumps(sum, JSON_COMPACT);
	_cleanup_free_ char *safe = text ? brig_term_escape_json(text, strlen(text)) : NULL;
	if (!safe)
		return brig_err_oom(e);
	printf("%s\n", safe);
	return 0;
}

/* sha256sum's lines: the manifest (in DIR, or in the tar) and the tar. */
static int print_text(const struct fx_cli *c, const json_t *sum, struct brig_err *e)
{
	const char *man = json_string_value(json_object_get(sum, "ManifestSha256"));
	const char *tar = json_string_value(json_object_get(sum, "TarSha256"));
	_cleanup_free_ char *out = brig_term_escape(c->output, strlen(c->output));
	if (!man || !out)
		return brig_err_oom(e);
	size_t missing = json_array_size(json_object_get(sum, "Missing"));
	if (missing)
		fprintf(stderr, "forensics: %zu item(s) missing: see MISSING\n", missing);
	if (tar)
		printf("%s  %s\n%s  MANIFEST.sha256\n", tar, out, man);
	else
		printf("%s  %s/MANIFEST.sha256\n", man, out);
	return 0;
}

static int forensics_one(struct eng *eng, const char *id, const char *what, void *arg,
			 struct brig_err *e)
{
	(void)what;
	const struct fx_cli *c = arg;
	struct eng_forensics_opts o = { .output = c->output,
					.kill = c->kill,
					.progress = progress };
	_cleanup_json_ json_t *sum = NULL;
	int r = eng_forensics(eng, id, &o, &sum, e);
	if (r < 0)
		return r;
	return c->json ? print_json(sum, e) : print_text(c, sum, e);
}

int brig_cmd_forensics(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("output", 'o', "DIR|FILE.tar",
			  "where the evidence goes: a new (or empty) directory, or a new tar"),
		OPT_FLAG("kill", 0, "kill the container afterwards instead of thawing it"),
		OPT_VALUE("format", 0, "FORMAT",
			  "\"json\": a summary (files, manifest hash, missing items, processes)"),
		{ 0 }
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("forensics", "CONTAINER", o, argc, argv, &pos, &npos, 1, 1);
	struct fx_cli c = { .output = o[0].value,
			    .kill = o[1].set,
			    .json = o[2].value && strcmp(o[2].value, "json") == 0 };
	if (p > 0 && o[2].value && !c.json) {
		fprintf(stderr, "brig: --format: \"%s\" is not \"json\"\n", o[2].value);
		p = -1;
	}
	if (p > 0 && (!c.output || !c.output[0])) {
		fputs("brig: forensics: -o DIR|FILE.tar is required\n", stderr);
		p = -1;
	}
	int r = p > 0   ? brig_for_each_container(g, pos, 1, forensics_one, &c)
		: p < 0 ? BRIG_EXIT_FAIL
			: 0;
	opts_free(o);
	return r;
}
