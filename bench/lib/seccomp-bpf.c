/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp-bpf: compile a simple seccomp rule list into a classic BPF program
 * (the form bwrap's --seccomp FD takes), so tools without an OCI profile
 * parser get the same filter as the OCI runtimes.
 *
 *   seccomp-bpf DEFAULT_ERRNO ARCH... <RULES >FILTER.bpf
 *
 * DEFAULT_ERRNO is the errno of the default action; ARCH are libseccomp
 * architecture names ("x86_64", "x86", "x32").  Each line of RULES is
 * "allow NAME" or "errno N NAME".  Names libseccomp does not know are skipped,
 * as the OCI runtimes do.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_int(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < 0 || v > 4095)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int add_arches(scmp_filter_ctx ctx, int n, char **names)
{
	for (int i = 0; i < n; i++) {
		uint32_t arch = seccomp_arch_resolve_name(names[i]);
		int r;

		if (arch == 0) {
			fprintf(stderr, "seccomp-bpf: unknown architecture %s\n", names[i]);
			return -EINVAL;
		}
		r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST) {
			fprintf(stderr, "seccomp-bpf: adding %s: %s\n", names[i], strerror(-r));
			return r;
		}
	}
	return 0;
}

/* add_rule: one line of the rule list; returns 0, or a negative errno. */
static int add_rule(scmp_filter_ctx ctx, char *line, int lineno)
{
	char verb[16], name[128], extra[128];
	uint32_t action;
	int n, nr, code;

	n = sscanf(line, "%15s %127s %127s", verb, name, extra);
	if (n == 2 && strcmp(verb, "allow") == 0) {
		action = SCMP_ACT_ALLOW;
	} else if (n == 3 && strcmp(verb, "errno") == 0 && parse_int(name, &code) == 0) {
		action = SCMP_ACT_ERRNO((uint32_t)code);
		memmove(name, extra, sizeof(name));
	} else {
		fprintf(stderr, "seccomp-bpf: line %d: cannot parse '%s'\n", lineno, line);
		return -EINVAL;
	}
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0;
	n = seccomp_rule_add(ctx, action, nr, 0);
	if (n < 0) {
		fprintf(stderr, "seccomp-bpf: rule for %s: %s\n", name, strerror(-n));
		return n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	char line[512];
	int def, r = 0, lineno = 0;

	if (argc < 2 || parse_int(argv[1], &def) < 0) {
		fprintf(stderr, "usage: seccomp-bpf DEFAULT_ERRNO ARCH... <RULES >FILTER.bpf\n");
		return 2;
	}
	ctx = seccomp_init(SCMP_ACT_ERRNO((uint32_t)def));
	if (ctx == NULL) {
		fprintf(stderr, "seccomp-bpf: seccomp_init failed\n");
		return 1;
	}
	r = add_arches(ctx, argc - 2, argv + 2);
	while (r == 0 && fgets(line, sizeof(line), stdin) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0')
			r = add_rule(ctx, line, lineno);
	}
	if (r == 0 && ferror(stdin)) {
		fprintf(stderr, "seccomp-bpf: reading rules failed\n");
		r = -EIO;
	}
	if (r == 0) {
		r = seccomp_export_bpf(ctx, 1);
		if (r < 0)
			fprintf(stderr, "seccomp-bpf: export: %s\n", strerror(-r));
	}
	seccomp_release(ctx);
	return r == 0 ? 0 : 1;
}
