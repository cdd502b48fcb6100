/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shell completion.  `brig completion bash|zsh|fish` prints a small script
 * that asks brig itself, through the hidden `brig __complete WORD... CUR`,
 * what may come next: command names from the command table, options from
 * the command's own option table (read through its --help, see
 * cli/usage.h), and container, image and volume names from the listing
 * commands.  __complete prints one candidate a line (the shell filters them
 * by CUR), then a last line ":file" when file names fit there, else
 * ":nofile".
 */
#include "cli/brig/brig-internal.h"
#include "cli/usage.h"

#include <stdio.h>
#include <string.h>

static const char *const global_valued[] = { "--root", "--config", "--storage-driver" };

struct describe_call {
	const struct brig_global *g;
	brig_cmd_fn fn;
};

static int call_help(void *arg)
{
	struct describe_call *d = arg;
	char *help[] = { "--help", NULL };
	return d->fn(d->g, 1, help);
}

static int describe(const struct brig_global *g, const struct brig_command *c, struct cli_usage *u)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct describe_call d = { g, c->fn };
	return cli_usage_capture(call_help, &d, u, &e);
}

static void list_names(const struct brig_command *table)
{
	for (const struct brig_command *c = table; c->name; c++)
		if (!(c->flags & CMD_HIDDEN))
			printf("%s\n", c->name);
}

/* What the words of ARGS ("CONTAINER...", "IMAGE [COMMAND [ARG...]]")
 * call positional word k: the k-th word, or the last one that repeats. */
static void arg_word(const char *args, size_t k, char *out, size_t len)
{
	char last_rep[64] = "";
	size_t i = 0;
	out[0] = '\0';
	for (const char *p = args; *p;) {
		p += strspn(p, " [");
		size_t n = strcspn(p, " []");
		if (n == 0) {
			p += *p ? 1 : 0;
			continue;
		}
		bool rep = strncmp(p + n, "...", 3) == 0 ||
			(n > 3 && strncmp(p + n - 3, "...", 3) == 0);
		if (i == k || (i < k && rep)) {
			snprintf(out, len, "%.*s", (int)n, p);
			if (rep)
				snprintf(last_rep, sizeof(last_rep), "%.*s", (int)n, p);
		}
		i++;
		p += n;
	}
	if (!out[0] && last_rep[0])
		snprintf(out, len, "%s", last_rep);
}

/* Candidates for a value or argument called what; true when file names
 * fit there. */
static bool complete_kind(const struct brig_global *g, const char *what)
{
	static char *ps[] = { "-a", "--format", "{{.Names}}", NULL };
	static char *images[] = { "--format", "{{.Repository}}:{{.Tag}}", NULL };
	static char *volumes[] = { "-q", NULL };
	fflush(stdout);
	if (strstr(what, "CONTAINER"))
		(void)brig_cmd_ps(g, 3, ps);
	else if (strstr(what, "IMAGE"))
		(void)brig_cmd_images(g, 2, images);
	else if (strstr(what, "VOLUME"))
		(void)brig_cmd_volume_ls(g, 1, volumes);
	else
		return strstr(what, "FILE") || strstr(what, "DIR") || strstr(what, "PATH") ||
			strstr(what, "SRC") || strstr(what, "DEST") || strstr(what, "COMMAND") ||
			strstr(what, "ARG") || strstr(what, "VOL") || strstr(what, "DEV");
	fflush(stdout);
	return false;
}

/* After the command's words: its options, an option's value, or an
 * argument.  words[0..n) follow the command; cur is being typed. */
static bool complete_leaf(const struct brig_global *g, const struct brig_command *c, char **words,
			  size_t n, const char *cur)
{
	struct cli_usage u;
	if (describe(g, c, &u) < 0 || !u.found)
		return true;
	bool files = false;
	size_t pos = 0;
	const struct opt *want = NULL;
	for (size_t i = 0; i < n && !want; i++) {
		const struct opt *o = cli_usage_option(&u, words[i]);
		if (o && o->kind != OPT_BOOL && !strchr(words[i], '=')) {
			if (i + 1 == n)
				want = o; /* cur is its value */
			i++;
		} else if (words[i][0] != '-' || !words[i][1]) {
			pos++;
		}
	}
	if (want) {
		files = complete_kind(g, want->metavar ? want->metavar : "");
	} else if (cur[0] == '-') {
		for (size_t i = 0; i < u.n; i++)
			printf("--%s\n", u.opts[i].name);
		printf("--help\n");
	} else {
		char what[64];
		arg_word(u.args, pos, what, sizeof(what));
		files = complete_kind(g, what);
	}
	cli_usage_clear(&u);
	return files;
}

/* Past the global options: the index of the command word, or n. */
static size_t skip_globals(char **words, size_t n, bool *want_value)
{
	size_t i = 0;
	*want_value = false;
	for (; i < n && words[i][0] == '-'; i++)
		for (size_t k = 0; k < BRIG_ARRAY_SIZE(global_valued); k++)
			if (!strcmp(words[i], global_valued[k])) {
				if (++i == n)
					*want_value = true;
				break;
			}
	return i;
}

static bool complete_words(const struct brig_global *g, char **words, size_t n, const char *cur)
{
	bool want_value;
	size_t i = skip_globals(words, n, &want_value);
	if (want_value)
		return true;
	if (i == n) {
		if (cur[0] == '-')
			printf("--root\n--config\n--storage-driver\n--help\n--version\n");
		else
			list_names(brig_command_table());
		return false;
	}
	if (!strcmp(words[i], "help") && i + 1 == n) {
		list_names(brig_command_table());
		return false;
	}
	const struct brig_command *c = brig_command_lookup(brig_command_table(), words[i++]);
	if (c && c->sub) {
		if (i == n) {
			list_names(c->sub);
			return false;
		}
		c = brig_command_lookup(c->sub, words[i++]);
	}
	if (!c || !c->fn || c->fn == brig_cmd_complete)
		return false;
	return complete_leaf(g, c, words + i, n - i, cur);
}

/* brig __complete WORD... CUR */
int brig_cmd_complete(const struct brig_global *g, int argc, char **argv)
{
	if (argc < 1) {
		fputs("brig: __complete: expected WORD... CUR\n", stderr);
		return BRIG_EXIT_FAIL;
	}
	bool files = complete_words(g, argv, (size_t)argc - 1, argv[argc - 1]);
	printf("%s\n", files ? ":file" : ":nofile");
	return fflush(stdout) == 0 ? 0 : BRIG_EXIT_FAIL;
}

static const char bash_script[] =
	"# bash completion for brig; made by `brig completion bash`.\n"
	"# brig itself answers: `brig __complete WORD... CUR`.\n"
	"_brig() {\n"
	"\tlocal cur cword words\n"
	"\tif declare -F _get_comp_words_by_ref >/dev/null; then\n"
	"\t\t_get_comp_words_by_ref -n =: cur words cword\n"
	"\telse\n"
	"\t\tcur=${COMP_WORDS[COMP_CWORD]} words=(\"${COMP_WORDS[@]}\") cword=$COMP_CWORD\n"
	"\tfi\n"
	"\tlocal out line directive\n"
	"\tout=$(\"${words[0]}\" __complete \"${words[@]:1:cword-1}\" \"$cur\" 2>/dev/null) || return 0\n"
	"\tlocal -a lines\n"
	"\tmapfile -t lines <<<\"$out\"\n"
	"\tdirective=${lines[${#lines[@]}-1]}\n"
	"\tunset 'lines[${#lines[@]}-1]'\n"
	"\tCOMPREPLY=()\n"
	"\tfor line in \"${lines[@]}\"; do\n"
	"\t\t[[ $line == \"$cur\"* ]] && COMPREPLY+=(\"$line\")\n"
	"\tdone\n"
	"\tif [[ ${#COMPREPLY[@]} -eq 0 && $directive == :file ]]; then\n"
	"\t\tcompopt -o filenames 2>/dev/null\n"
	"\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
	"\tfi\n"
	"\tif declare -F __ltrim_colon_completions >/dev/null; then\n"
	"\t\t__ltrim_colon_completions \"$cur\"\n"
	"\tfi\n"
	"\treturn 0\n"
	"}\n"
	"complete -F _brig brig\n";

static const char zsh_script[] =
	"#compdef brig\n"
	"# zsh completion for brig; made by `brig completion zsh`.\n"
	"# brig itself answers: `brig __complete WORD... CUR`.\n"
	"_brig() {\n"
	"\tlocal out directive\n"
	"\tlocal -a lines\n"
	"\tout=$(\"${words[1]}\" __complete \"${(@)words[2,CURRENT-1]}\" \"${words[CURRENT]}\" "
	"2>/dev/null) || return 1\n"
	"\tlines=(\"${(@f)out}\")\n"
	"\tdirective=${lines[-1]}\n"
	"\tlines[-1]=()\n"
	"\tif (( ${#lines} )); then\n"
	"\t\tcompadd -a lines\n"
	"\telif [[ $directive == :file ]]; then\n"
	"\t\t_files\n"
	"\tfi\n"
	"}\n"
	"if [[ $funcstack[1] == _brig ]]; then\n"
	"\t_brig \"$@\"\n"
	"else\n"
	"\tcompdef _brig brig\n"
	"fi\n";

static const char fish_script[] =
	"# fish completion for brig; made by `brig completion fish`.\n"
	"# brig itself answers: `brig __complete WORD... CUR`.\n"
	"function __brig_complete\n"
	"\tset -l words (commandline -opc)\n"
	"\tset -l cur (commandline -ct)\n"
	"\tset -l out ($words[1] __complete $words[2..-1] \"$cur\" 2>/dev/null)\n"
	"\tor return\n"
	"\tset -l directive $out[-1]\n"
	"\tset -e out[-1]\n"
	"\tif test (count $out) -gt 0\n"
	"\t\tprintf '%s\\n' $out\n"
	"\telse if test \"$directive\" = :file\n"
	"\t\t__fish_complete_path \"$cur\"\n"
	"\tend\n"
	"end\n"
	"complete -c brig -f -a '(__brig_complete)'\n";

/* brig completion bash|zsh|fish */
int brig_cmd_completion(const struct brig_global *g, int argc, char **argv)
{
	(void)g;
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("completion", "bash|zsh|fish", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	static const struct {
		const char *shell, *script;
	} scripts[] = { { "bash", bash_script }, { "zsh", zsh_script }, { "fish", fish_script } };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(scripts); i++)
		if (!strcmp(pos[0], scripts[i].shell)) {
			fputs(scripts[i].script, stdout);
			return fflush(stdout) == 0 ? 0 : BRIG_EXIT_FAIL;
		}
	fprintf(stderr, "brig: completion: \"%s\" is not bash, zsh or fish\n", pos[0]);
	return BRIG_EXIT_FAIL;
}
