/* SPDX-License-Identifier: Apache-2.0 */
/* brig build: a Dockerfile built into an image of the store (docs/build.md). */
#include "cli/brig/brig-internal.h"

#include "audit/audit.h"
#include "build/build.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void progress(void *ctx, const char *line)
{
	(void)ctx;
	_cleanup_free_ char *safe = brig_term_escape(line, strlen(line));
	fprintf(stderr, "%s\n", safe ? safe : "?");
}

/* --timestamp, else SOURCE_DATE_EPOCH, else -1 (the build takes the
 * context's newest git commit, else 0). */
static int timestamp(const char *opt, int64_t *out, struct brig_err *e)
{
	const char *s = opt ? opt : getenv("SOURCE_DATE_EPOCH");
	*out = -1;
	if (!s || !s[0])
		return 0;
	if (brig_parse_i64(s, out) < 0 || *out < 0 || *out > 253402300799LL)
		return brig_err_set(e, -EINVAL, "%s %s: expected seconds since 1970",
				    opt ? "--timestamp" : "SOURCE_DATE_EPOCH", s);
	return 0;
}

static int write_iidfile(const char *path, const char *id, struct brig_err *e)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
	if (fd < 0 || brig_write_all(fd, id, strlen(id)) < 0)
		return brig_err_sys(e, errno, "--iidfile %s", path);
	return 0;
}

/* --secret id=ID,src=FILE (or source=): "id=ID,src=/ABSOLUTE" each. */
static int secrets(const struct opt *o, char ***out, struct brig_err *e)
{
	_cleanup_strv_ char **v = calloc(o->n + 1, sizeof(char *));
	if (!v)
		return brig_err_oom(e);
	for (size_t i = 0; i < o->n; i++) {
		const char *s = o->list[i], *src = strstr(s, ",src=");
		size_t skip = 5;
		if (!src && (src = strstr(s, ",source=")))
			skip = 8;
		size_t idlen = src ? (size_t)(src - s) - 3 : 0;
		if (strncmp(s, "id=", 3) != 0 || !src || idlen == 0 || memchr(s + 3, ',', idlen))
			return brig_err_set(e, -EINVAL, "--secret %s: expected id=ID,src=FILE", s);
		_cleanup_free_ char *abs = realpath(src + skip, NULL);
		if (!abs)
			return brig_err_sys(e, errno, "--secret %s", s);
		if (asprintf(&v[i], "id=%.*s,src=%s", (int)idlen, s + 3, abs) < 0)
			return brig_err_oom(e);
	}
	*out = brig_steal_ptr(v);
	return 0;
}

/* --check-reproducible: the first build (no cache) against a second one. */
static int check_again(struct eng *eng, struct bld_opts *bo, const struct bld_result *first,
		       struct brig_err *e)
{
	struct bld_result again;
	struct audit_report scratch = { 0 }; /* the findings were the first build's */
	bo->tags = NULL;
	if (bo->findings)
		bo->findings = &scratch;
	int r = bld_build(eng, bo, &again, e);
	audit_report_clear(&scratch);
	if (r < 0)
		return brig_err_wrap(e, "--check-reproducible: the second build");
	if (!strcmp(first->image_id, again.image_id)) {
		fprintf(stderr, "reproducible: two builds gave %s (manifest %s)\n", first->image_id,
			first->manifest);
		return 0;
	}
	_cleanup_free_ char *why = NULL;
	r = bld_check_diff(eng, first->image_id, again.image_id, &why, e);
	return r < 0 ? r
		     : brig_err_set(e, -EBADMSG, "not reproducible: %s and %s: %s", first->image_id,
				    again.image_id, why);
}

/* --findings-format, --findings-file, --fail-on, --skip into bo and out. */
static int findings_opts(struct opt *o, struct bld_opts *bo, struct audit_output *out,
			 struct brig_err *e)
{
	const char *fmt = opts_find(o, "findings-format")->value,
		   *fail = opts_find(o, "fail-on")->value;
	enum audit_severity sev = AUDIT_INFO;
	*out = (struct audit_output){ .skip = (char **)opts_find(o, "skip")->list };
	bo->skip = out->skip;
	int r = fmt ? audit_format_parse(fmt, &out->format, e) : 0;
	if (r == 0 && fail && (r = audit_severity_parse(fail, &sev, e)) == 0) {
		bo->fail = true;
		bo->fail_on = (int)sev;
	}
	if (r == 0 && opts_find(o, "findings-file")->value && out->format == AUDIT_FMT_TEXT)
		r = brig_err_set(e, -EINVAL,
				 "--findings-file needs --findings-format json or sarif");
	return r;
}

/* The findings document (json or sarif) to --findings-file, else stderr. */
static int findings_write(struct opt *o, const struct audit_report *rep,
			  const struct audit_output *out, struct brig_err *e)
{
	const char *path = opts_find(o, "findings-file")->value;
	struct audit_output all = *out;
	all.fail_on = AUDIT_CRITICAL; /* the verdict is the build's */
	if (!path)
		return audit_report_print(stderr, rep, &all, e) < 0 ? -EIO : 0;
	_cleanup_close_ int fd = BRIG_RETRY(
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f)
		return brig_err_sys(e, errno, "--findings-file %s", path);
	fd = -1;
	int r = audit_report_print(f, rep, &all, e);
	if (fclose(f) == EOF && r >= 0)
		r = brig_err_sys(e, errno, "--findings-file %s", path);
	return r < 0 ? brig_err_wrap(e, "--findings-file %s", path) : 0;
}

/* *by_findings: the build failed by --fail-on (exit 1, as any failed build). */
static int run_build(const struct brig_global *g, struct opt *o, const char *context,
		     bool *by_findings, struct brig_err *e)
{
	const char *net = o[6].value, *pf = o[11].value;
	char host[64];
	snprintf(host, sizeof(host), "linux/%s", brig_host_arch());
	if (net && strcmp(net, "none") != 0 && strcmp(net, "host") != 0)
		return brig_err_set(e, -EINVAL, "--network %s: expected none or host", net);
	if (pf && strcmp(pf, host) != 0)
		return brig_err_set(e, -ENOTSUP, "--platform %s: only this host's (%s) is built",
				    pf, host);
	struct bld_opts bo = {
		.context = context,
		.dockerfile = o[1].value,
		.tags = (char *const *)o[0].list,
		.build_args = (char *const *)o[2].list,
		.target = o[3].value,
		.labels = (char *const *)o[4].list,
		.no_cache = o[5].set || o[12].set,
		.allow_unpinned = o[13].set,
		.pull = o[14].set,
		.defang_setuid = opts_find(o, "defang-setuid")->set,
		.config = g->config,
		.network_host = net && !strcmp(net, "host"),
		.quiet = o[9].set,
		.progress = o[9].set ? NULL : progress,
	};
	struct bld_result res = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_strv_ char **sec = NULL;
	struct audit_output fo;
	struct audit_report rep = { .tool = "brig build",
				    .subject = bo.dockerfile ? bo.dockerfile : "Dockerfile" };
	int r = findings_opts(o, &bo, &fo, e);
	if (r == 0 && fo.format != AUDIT_FMT_TEXT)
		bo.findings = &rep;
	if (r == 0)
		r = timestamp(o[8].value, &bo.timestamp, e);
	if (r == 0 && (r = secrets(&o[10], &sec, e)) == 0)
		bo.secrets = sec;
	if (r == 0)
		r = brig_engine_open(g, &eng, e);
	/* stdout holds the image id alone: what RUN steps print goes to
	 * stderr (or, with -q, nowhere). */
	_cleanup_close_ int out = r == 0 ? BRIG_RETRY(fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3))
					 : -1;
	_cleanup_close_ int sink = bo.quiet ? BRIG_RETRY(open("/dev/null", O_WRONLY | O_CLOEXEC))
					    : BRIG_RETRY(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
	if (r == 0 &&
	    (out < 0 || sink < 0 || fflush(stdout) == EOF ||
	     BRIG_RETRY(dup2(sink, STDOUT_FILENO)) < 0))
		r = brig_err_sys(e, errno, "redirecting the build's output");
	if (r == 0)
		r = bld_build(eng, &bo, &res, e);
	if (r == 0 && o[12].set)
		r = check_again(eng, &bo, &res, e);
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (bo.findings && findings_write(o, &rep, &fo, r < 0 ? &e2 : e) < 0 && r == 0)
		r = -EIO;
	audit_report_clear(&rep);
	*by_findings = res.findings_failed;
	if (out >= 0 && (fflush(stdout), BRIG_RETRY(dup2(out, STDOUT_FILENO))) < 0 && r == 0)
		r = brig_err_sys(e, errno, "restoring stdout");
	if (r == 0 && o[7].value)
		r = write_iidfile(o[7].value, res.image_id, e);
	if (r == 0)
		printf("%s\n", res.image_id);
	return r;
}

int brig_cmd_build(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_MULTI("tag", 't', "NAME[:TAG]", "name the image (repeatable)"),
		OPT_VALUE("file", 'f', "FILE", "the Dockerfile (default: CONTEXT/Dockerfile)"),
		OPT_MULTI("build-arg", 0, "K=V",
			  "set a build argument (K alone: from the environment)"),
		OPT_VALUE("target", 0, "STAGE", "build this stage (and what it needs) only"),
		OPT_MULTI("label", 0, "K=V", "add a label to the image"),
		OPT_FLAG("no-cache", 0,
			 "run every RUN step again (no cached layers; cache mounts are kept: brig "
			 "builder prune)"),
		OPT_VALUE("network", 0, "none|host", "RUN steps' network (default none)"),
		OPT_VALUE("iidfile", 0, "FILE", "write the image id to FILE"),
		OPT_VALUE("timestamp", 0, "EPOCH",
			  "layer mtimes and the created time (default SOURCE_DATE_EPOCH, else the "
			  "context's newest git commit, else 0)"),
		OPT_FLAG("quiet", 'q', "print only the image id"),
		OPT_MULTI("secret", 0, "id=ID,src=FILE",
			  "a secret for RUN --mount=type=secret,id=ID (never in a layer)"),
		OPT_VALUE("platform", 0, "OS/ARCH", "only this host's (linux/ARCH) is built"),
		OPT_FLAG("check-reproducible", 0,
			 "build twice without the cache and say where the images differ, if they "
			 "do"),
		OPT_FLAG("allow-unpinned-downloads", 0,
			 "let ADD download a URL without --checksum=sha256:HEX"),
		OPT_FLAG("pull", 0,
			 "pull every FROM and COPY --from image from its registry first (content "
			 "trust as for brig pull), even when the store has it"),
		OPT_VALUE("findings-format", 0, "FORMAT",
			  "the hygiene findings as progress lines (text, the default), or as one "
			  "json or sarif document after the build"),
		OPT_VALUE("findings-file", 0, "FILE",
			  "write the json or sarif findings to FILE (default: stderr)"),
		OPT_VALUE("fail-on", 0, "SEVERITY",
			  "fail the build, the image not stored, on a finding at or above info, "
			  "low, medium, high or critical"),
		OPT_MULTI("skip", 0, "ID", "leave out findings with this id (repeatable)"),
		OPT_FLAG("defang-setuid", 0,
			 "write the files a step adds without their setuid and setgid bits and "
			 "file capabilities (each one reported)"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("build", "CONTEXT", o, argc, argv, &pos, &npos, 1, 1);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	if (p > 0) {
		struct brig_err e = { 0 };
		bool by_findings = false;
		if (run_build(g, o, pos[0], &by_findings, &e) < 0)
			rc = by_findings ? (brig_fail(&e), 1) : brig_fail(&e);
		brig_err_clear(&e);
	}
	opts_free(o);
	return rc;
}

/* brig builder prune: the build cache (docs/build.md). */
int brig_cmd_builder_prune(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("force", 'f', "do not ask for confirmation"), { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("builder prune", "", o, argc, argv, &pos, &npos, 0, 0);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	unsigned entries = 0, mounts = 0;
	int r = 0,
	    ok = brig_confirm("builder prune",
			      "This will remove the build cache: cached RUN layers and "
			      "RUN --mount=type=cache directories.",
			      opts_find(o, "force")->set);
	if (ok > 0 && (r = brig_engine_open(g, &eng, &e)) == 0 &&
	    (r = bld_prune(eng, &entries, &mounts, &e)) == 0)
		printf("removed %u cached steps and %u cache mounts\n", entries, mounts);
	opts_free(o);
	return r < 0 ? brig_fail(&e) : ok < 0 ? 1 : 0;
}
