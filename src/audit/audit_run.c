/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit: the host, the engine, every container and every image,
 * checked into one report (docs/audit.md).  This file runs the parts and
 * holds what they share.
 */
#include "audit/audit-internal.h"
#include "engine/engine.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AU_READ_MAX ((size_t)1 << 20)

int audit_scope_parse(const char *s, unsigned *out, struct brig_err *e)
{
	static const struct {
		const char *name;
		unsigned scope;
	} v[] = { { "host", AUDIT_SCOPE_HOST },
		  { "engine", AUDIT_SCOPE_ENGINE },
		  { "containers", AUDIT_SCOPE_CONTAINERS },
		  { "images", AUDIT_SCOPE_IMAGES },
		  { "all", AUDIT_SCOPE_ALL } };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(v); i++)
		if (strcmp(s, v[i].name) == 0) {
			*out = v[i].scope;
			return 0;
		}
	return brig_err_set(e, -EINVAL,
			    "unknown scope '%s' (host, engine, containers, images or all)", s);
}

int au_add(struct au *a, const struct au_check *c, const char *target, struct brig_err *e,
	   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return brig_err_oom(e);
	const char *refs[] = { c->ref, NULL };
	int r = audit_add(a->r, c->id, c->sev, target, c->remediation, c->ref ? refs : NULL, e,
			  "%s", msg);
	free(msg);
	return r;
}

int au_read(int dirfd, const char *path, char **out)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	_cleanup_free_ char *buf = malloc(AU_READ_MAX + 1);
	if (!buf)
		return -ENOMEM;
	ssize_t n = brig_read_all(fd, buf, AU_READ_MAX);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	*out = brig_steal_ptr(buf);
	return 0;
}

int au_read_i64(int dirfd, const char *path, int64_t *out)
{
	_cleanup_free_ char *buf = NULL;
	int r = au_read(dirfd, path, &buf);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "max") == 0) {
		*out = INT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int audit_run(struct eng *g, struct img_store *s, const struct audit_run_opts *o,
	      struct audit_report *r, struct brig_err *e)
{
	struct au a = { .g = g, .s = s, .r = r, .max_age_days = o->max_image_age };
	unsigned scope = o->scope;
	_cleanup_free_ char *aa = NULL;
	a.apparmor = au_read(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &aa) == 0 &&
		aa[0] == 'Y';
	int rc = eng_info(g, &a.info, e);
	if (rc == 0 && (scope & AUDIT_SCOPE_HOST))
		rc = au_host(&a, e);
	if (rc == 0 && (scope & AUDIT_SCOPE_ENGINE))
		rc = au_engine(&a, e);
	if (rc == 0 && (scope & AUDIT_SCOPE_CONTAINERS))
		rc = au_containers(&a, e);
	if (rc == 0 && (scope & AUDIT_SCOPE_IMAGES))
		rc = au_images(&a, e);
	json_decref(a.info);
	json_decref(a.dnat);
	free(a.dnat_err);
	if (rc == 0)
		audit_report_sort(r);
	return rc;
}
