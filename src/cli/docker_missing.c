/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What Docker's command line has and brig does not have yet: commands,
 * subcommands and options, by name, from the Docker CLI reference.  A word
 * brig does not know is looked up here before it is called unknown, so a
 * Docker user is told "does not exist in brig yet" rather than "unknown"
 * (or a "did you mean" pointing at something else: --gpus is not --cpus).
 * Only words brig does not parse reach this table, so an option brig gains
 * needs no change here (remove it from the list for tidiness).
 */
#include "cli/docker_missing.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Docker's top-level commands and "group subcommand" paths. */
static const char *const missing_cmds[] = {
	"buildx",
	"builder",
	"compose",
	"swarm",
	"service",
	"stack",
	"node",
	"secret",
	"config",
	"plugin",
	"context",
	"manifest",
	"search",
	"checkpoint",
	"init",
	"scout",
	"image build",
	"volume update",
	"system dial-stdio",
	NULL,
};

/* A command (brig's path without "brig ", "container " or "image "
 * stripped where Docker has the same command at the top) and Docker's
 * long options for it brig lacks, space-separated; "x=long" maps Docker's
 * short option -x. */
struct missing_opts {
	const char *cmds; /* space-separated paths, "|" between them */
	const char *opts;
};

#define RUN_CREATE                                                                          \
	"a=attach annotation attach blkio-weight-device cgroup-parent cgroupns cidfile "    \
	"cpu-rt-period cpu-rt-runtime device-cgroup-rule device-read-bps device-read-iops " \
	"device-write-bps device-write-iops disable-content-trust domainname gpus "         \
	"ip ip6 ipc isolation kernel-memory link link-local-ip "                            \
	"log-driver mac-address pid platform q=quiet quiet runtime use-api-socket uts "     \
	"volume-driver volumes-from "

static const struct missing_opts missing_opts[] = {
	{ "run", RUN_CREATE },
	{ "create", RUN_CREATE },
	{ "start", "checkpoint checkpoint-dir" },
	{ "exec", "env-file privileged" },
	{ "logs", "details" },
	{ "inspect|container inspect|image inspect", "s=size size" },
	{ "rm", "l=link link" },
	{ "stats", "no-trunc" },
	{ "images|image ls|image list", "tree" },
	{ "image prune", "a=all all filter" },
	{ "import|image import", "m=message message platform" },
	{ "save|image save|load|image load|history|image history", "platform" },
	{ "history|image history", "H=human human" },
	{ "rmi|image rm", "no-prune platform" },
	{ "pull|image pull|push|image push", "disable-content-trust" },
	{ "push|image push", "platform" },
	{ "cp", "q=quiet quiet" },
	{ "update", "kernel-memory" },
	{ "system df", "v=verbose verbose" },
	{ "network ls|network list", "no-trunc" },
	{ "network inspect", "v=verbose verbose" },
	{ "network prune", "filter" },
	{ "network create",
	  "attachable aux-address config-from config-only ingress ip-range ipam-driver ipam-opt "
	  "ipv4 ipv6 label scope" },
	{ "network connect", "driver-opt ip6 link link-local-ip" },
	{ "volume create",
	  "availability group limit-bytes required-bytes scope secret sharing topology-preferred "
	  "topology-required type" },
	{ NULL, NULL },
};

/* Whether the space- (or sep-) separated list has the word w[0..len). */
static bool has_word(const char *list, char sep, const char *w, size_t len)
{
	for (const char *p = list; *p;) {
		const char *end = strchr(p, sep);
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == len && strncmp(p, w, len) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

bool docker_missing_command(const char *path)
{
	for (const char *const *c = missing_cmds; *c; c++)
		if (strcmp(*c, path) == 0)
			return true;
	return false;
}

/* The command's path in prog ("brig container run" -> "container run"). */
static const char *command_path(const char *prog)
{
	return strncmp(prog, "brig ", 5) == 0 ? prog + 5 : NULL;
}

const char *docker_missing_option(const char *prog, const char *name, size_t len)
{
	const char *path = command_path(prog);
	if (!path || len == 0)
		return NULL;
	/* Docker's "container X" is X, except where listed as a path. */
	const char *alt = strncmp(path, "container ", 10) == 0 ? path + 10 : path;
	for (const struct missing_opts *m = missing_opts; m->cmds; m++) {
		if (!has_word(m->cmds, '|', path, strlen(path)) &&
		    !has_word(m->cmds, '|', alt, strlen(alt)))
			continue;
		for (const char *p = m->opts; *p;) {
			const char *end = strchr(p, ' ');
			size_t n = end ? (size_t)(end - p) : strlen(p);
			if (n > 2 && p[1] == '=' && len == 1 && p[0] == name[0])
				return p + 2; /* "a=attach": up to the space */
			if (n == len && strncmp(p, name, len) == 0)
				return p;
			if (!end)
				break;
			p = end + 1;
		}
	}
	return NULL;
}

bool docker_missing_option_say(const char *prog, const char *name, size_t len)
{
	const char *found = docker_missing_option(prog, name, len);
	if (!found)
		return false;
	int n = (int)strcspn(found, " ");
	if (len == 1)
		fprintf(stderr, "%s: Docker's option -%c (--%.*s) does not exist in brig yet\n",
			prog, name[0], n, found);
	else
		fprintf(stderr, "%s: Docker's option --%.*s does not exist in brig yet\n", prog, n,
			found);
	return true;
}
