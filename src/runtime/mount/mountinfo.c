/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/self/mountinfo, parsed (proc(5)): fields 1-6, "-", fstype, source,
 * super options; paths have \ooo octal escapes for space, tab, newline and
 * backslash. */
#include "runtime/mount/mount-internal.h"

#include <string.h>

#define MOUNTINFO_MAX (64u << 20)

/* Next space-separated field of *p (in place), NULL at the end. */
static char *field(char **p)
{
	char *s = *p;
	while (*s == ' ')
		s++;
	if (!*s)
		return NULL;
	char *end = strchr(s, ' ');
	if (end) {
		*end = '\0';
		*p = end + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
		    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[o++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
					  (s[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

static void entry_free(struct rt_mountinfo *m)
{
	free(m->root);
	free(m->point);
	free(m->opts);
	free(m->fstype);
	free(m->source);
	free(m->super);
}

static int parse_line(char *line, struct rt_mountinfo *m)
{
	char *p = line;
	char *f[6];
	for (int i = 0; i < 6; i++)
		if (!(f[i] = field(&p)))
			return -EINVAL;
	char *sep;
	while ((sep = field(&p)) && strcmp(sep, "-") != 0)
		; /* optional fields */
	char *fstype = sep ? field(&p) : NULL;
	char *source = fstype ? field(&p) : NULL;
	char *super = source ? field(&p) : NULL;
	if (!super)
		return -EINVAL;
	m->id = atoi(f[0]);
	m->parent = atoi(f[1]);
	m->root = unescape(f[3]);
	m->point = unescape(f[4]);
	m->opts = strdup(f[5]);
	m->fstype = unescape(fstype);
	m->source = unescape(source);
	m->super = strdup(super);
	if (!m->root || !m->point || !m->opts || !m->fstype || !m->source || !m->super) {
		entry_free(m);
		return -ENOMEM;
	}
	return 0;
}

int rt_mountinfo_read(struct rt_mountinfo **out, size_t *n, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = brig_read_file(AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_MAX, &buf, &len, e);
	if (r < 0)
		return r;
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	struct rt_mountinfo *v = calloc(lines + 1, sizeof(*v));
	if (!v)
		return brig_err_set(e, -ENOMEM, "out of memory");
	size_t k = 0;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (k == lines + 1)
			break;
		r = parse_line(line, &v[k]);
		if (r == -ENOMEM) {
			rt_mountinfo_free(v, k);
			return brig_err_set(e, r, "out of memory");
		}
		if (r == 0)
			k++;
	}
	*out = v;
	*n = k;
	return 0;
}

void rt_mountinfo_free(struct rt_mountinfo *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		entry_free(&v[i]);
	free(v);
}
