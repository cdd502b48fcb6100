/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: the YAML subset registries.d files are read with (gpg.h):
 * nested block mappings of scalars, nothing else.  Lines are split first;
 * a mapping is the run of lines at one indentation, a key whose value is
 * empty opens a deeper mapping on the lines that follow (or is null).
 * Every refusal is "FILE:LINE: WHAT".
 */
#include "trust/gpg.h"

#include <string.h>

struct yline {
	unsigned no; /* 1-based */
	size_t indent;
	const char *s; /* after the indentation */
	size_t len; /* without the comment and trailing blanks */
};

struct yparse {
	const char *file;
	struct yline *l;
	size_t n, at;
	bool started; /* "---" seen */
	struct brig_err *e;
};

static int yfail(struct yparse *y, unsigned no, const char *what)
{
	return brig_err_set(y->e, -EINVAL, "%s:%u: %s", y->file, no, what);
}

/* The length of s[0..len) without a comment (" #" outside quotes) and
 * trailing blanks. */
static size_t strip_comment(const char *s, size_t len)
{
	char q = 0;
	size_t end = len;
	for (size_t i = 0; i < len; i++) {
		if (q == '"' && s[i] == '\\' && i + 1 < len)
			i++;
		else if (q && s[i] == q)
			q = 0;
		else if (!q && (s[i] == '"' || s[i] == '\'') &&
			 (i == 0 || s[i - 1] == ' ' || s[i - 1] == ':'))
			q = s[i];
		else if (!q && s[i] == '#' && (i == 0 || s[i - 1] == ' ')) {
			end = i;
			break;
		}
	}
	while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\r'))
		end--;
	return end;
}

/* One line into y->l (blank and comment lines dropped). */
static int add_line(struct yparse *y, unsigned no, const char *s, size_t len)
{
	size_t ind = 0;
	while (ind < len && s[ind] == ' ')
		ind++;
	if (ind < len && s[ind] == '\t')
		return yfail(y, no, "a tab in the indentation (YAML allows spaces only)");
	size_t l = strip_comment(s + ind, len - ind);
	if (l == 0)
		return 0;
	if (ind == 0 && l == 3 && memcmp(s, "---", 3) == 0 && y->n == 0 && !y->started) {
		y->started = true; /* the one document's start */
		return 0;
	}
	y->l[y->n++] = (struct yline){ .no = no, .indent = ind, .s = s + ind, .len = l };
	return 0;
}

static int split_lines(struct yparse *y, const char *buf, size_t len)
{
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	if (!(y->l = calloc(lines, sizeof(*y->l))))
		return brig_err_oom(y->e);
	unsigned no = 1;
	for (const char *p = buf, *end = buf + len; p < end; no++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int r = add_line(y, no, p, l);
		if (r < 0)
			return r;
		p += l + 1;
	}
	return 0;
}

static int put_utf8(char *out, size_t *o, unsigned long c)
{
	if (c == 0 || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	if (c < 0x80) {
		out[(*o)++] = (char)c;
	} else if (c < 0x800) {
		out[(*o)++] = (char)(0xc0 | (c >> 6));
		out[(*o)++] = (char)(0x80 | (c & 0x3f));
	} else {
		out[(*o)++] = (char)(0xe0 | (c >> 12));
		out[(*o)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (c & 0x3f));
	}
	return 0;
}

/* One escape of a double-quoted scalar at s[*i] (after the backslash). */
static int unescape(const char *s, size_t len, size_t *i, char *out, size_t *o)
{
	static const char from[] = "\\\"/nt", to[] = "\\\"/\n\t";
	const char *k = *i < len ? strchr(from, s[*i]) : NULL;
	if (k && *k) {
		out[(*o)++] = to[k - from];
		(*i)++;
		return 0;
	}
	if (*i + 5 > len || s[*i] != 'u')
		return -1;
	char hex[5] = { 0 };
	memcpy(hex, s + *i + 1, 4);
	char *end = NULL;
	unsigned long c = strtoul(hex, &end, 16);
	if (*end || !strchr("0123456789abcdefABCDEF", hex[0]))
		return -1;
	*i += 5;
	return put_utf8(out, o, c);
}

/* One character of a quoted scalar's body b[0..n) at *i into out; -1 on a
 * lone quote or a bad escape. */
static int quoted_char(char q, const char *b, size_t n, size_t *i, char *out, size_t *o)
{
	if (q == '\'' && b[*i] == '\'') {
		if (*i + 1 >= n || b[*i + 1] != '\'')
			return -1;
		out[(*o)++] = '\'';
		*i += 2;
		return 0;
	}
	if (q == '"' && b[*i] == '"')
		return -1;
	if (q == '"' && b[*i] == '\\') {
		(*i)++;
		return unescape(b, n, i, out, o);
	}
	out[(*o)++] = b[(*i)++];
	return 0;
}

/* A quoted scalar s[0..len), the quote at s[0] and its end at s[len-1]. */
static int unquote(struct yparse *y, unsigned no, const char *s, size_t len, char **out)
{
	if (len < 2 || s[len - 1] != s[0])
		return yfail(y, no, "an unterminated quoted scalar (or text after it)");
	_cleanup_free_ char *r = malloc(len);
	size_t o = 0;
	if (!r)
		return brig_err_oom(y->e);
	for (size_t i = 0; i < len - 2;)
		if (quoted_char(s[0], s + 1, len - 2, &i, r, &o) < 0)
			return yfail(y, no, "a bad quote or escape in a quoted scalar");
	r[o] = '\0';
	*out = brig_steal_ptr(r);
	return 0;
}

/* A plain scalar or key may not start with an indicator brig's subset
 * does not have. */
static int no_indicator(struct yparse *y, unsigned no, const char *s, size_t len)
{
	if (strchr("-?[]{},&*!|>%@`", s[0]) && !(s[0] == '-' && len > 1 && s[1] != ' '))
		return brig_err_set(y->e, -EINVAL,
				    "%s:%u: '%c': sequences, flow collections, anchors, tags and "
				    "block scalars are not in brig's YAML subset",
				    y->file, no, s[0]);
	return 0;
}

static int plain_ok(struct yparse *y, unsigned no, const char *s, size_t len)
{
	int r = no_indicator(y, no, s, len);
	if (r < 0)
		return r;
	if (memmem(s, len, ": ", 2) || (len && s[len - 1] == ':'))
		return yfail(y, no,
			     "a mapping where a scalar was expected (check the indentation)");
	return 0;
}

static bool word(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == len && memcmp(s, *words, len) == 0)
			return true;
	return false;
}

static int scalar(struct yparse *y, unsigned no, const char *s, size_t len, json_t **out)
{
	static const char *const t[] = { "true", "True", "TRUE", NULL };
	static const char *const f[] = { "false", "False", "FALSE", NULL };
	static const char *const nul[] = { "null", "Null", "NULL", "~", NULL };
	_cleanup_free_ char *str = NULL;
	int r = 0;
	if (len == 2 && memcmp(s, "{}", 2) == 0)
		*out = json_object();
	else if (s[0] == '"' || s[0] == '\'')
		*out = (r = unquote(y, no, s, len, &str)) < 0 ? NULL : json_string(str);
	else if ((r = plain_ok(y, no, s, len)) < 0)
		return r;
	else if (word(s, len, t) || word(s, len, f))
		*out = json_boolean(word(s, len, t));
	else if (word(s, len, nul))
		*out = json_null();
	else
		*out = json_stringn(s, len);
	if (r == 0 && !*out) {
		json_t *raw = json_stringn(s, len);
		r = raw ? brig_err_oom(y->e) : yfail(y, no, "a scalar that is not valid UTF-8");
		json_decref(raw);
	}
	return r;
}

/* Where the quoted scalar at s[0] ends (one past its closing quote), or
 * past len when it does not. */
static size_t quoted_end(const char *s, size_t len)
{
	size_t i = 1;
	while (i < len) {
		if (s[0] == '"' && s[i] == '\\')
			i += 2;
		else if (s[0] == '\'' && s[i] == '\'' && i + 1 < len && s[i + 1] == '\'')
			i += 2;
		else if (s[i] == s[0])
			return i + 1;
		else
			i++;
	}
	return len + 1;
}

/* The key of line l (quoted or plain) and where its value starts. */
static int key_of(struct yparse *y, const struct yline *l, char **key, size_t *vat)
{
	size_t kl;
	if (l->s[0] == '"' || l->s[0] == '\'') {
		kl = quoted_end(l->s, l->len);
		if (kl >= l->len || l->s[kl] != ':' || (kl + 1 < l->len && l->s[kl + 1] != ' '))
			return yfail(y, l->no, "expected KEY: VALUE");
		int r = unquote(y, l->no, l->s, kl, key);
		*vat = kl + 1;
		return r;
	}
	int r = no_indicator(y, l->no, l->s, l->len);
	if (r < 0)
		return r;
	const char *c = memmem(l->s, l->len, ": ", 2);
	kl = c ? (size_t)(c - l->s) : l->len - 1;
	if (!c && l->s[l->len - 1] != ':')
		return yfail(y, l->no, "expected KEY: VALUE");
	if (kl == 0 || !(*key = brig_memdupz(l->s, kl)))
		return kl ? brig_err_oom(y->e) : yfail(y, l->no, "an empty key");
	*vat = kl + 1;
	return 0;
}

static int mapping(struct yparse *y, size_t indent, unsigned depth, json_t *obj);

/* The value of the line y->l[y->at - 1] whose text after the key is
 * v[0..len): a scalar, or the deeper mapping that follows. */
static int value_of(struct yparse *y, unsigned no, size_t indent, unsigned depth, const char *v,
		    size_t len, json_t **out)
{
	while (len && v[0] == ' ')
		v++, len--;
	if (len)
		return scalar(y, no, v, len, out);
	if (y->at < y->n && y->l[y->at].indent > indent) {
		if (depth >= TRUST_YAML_MAX_DEPTH)
			return yfail(y, y->l[y->at].no, "mappings nested too deeply");
		if (!(*out = json_object()))
			return brig_err_oom(y->e);
		return mapping(y, y->l[y->at].indent, depth + 1, *out);
	}
	return (*out = json_null()) ? 0 : brig_err_oom(y->e);
}

/* The lines at this indentation, from y->at, into obj. */
static int mapping(struct yparse *y, size_t indent, unsigned depth, json_t *obj)
{
	while (y->at < y->n && y->l[y->at].indent >= indent) {
		const struct yline *l = &y->l[y->at++];
		if (l->indent != indent)
			return yfail(y, l->no, "unexpected indentation");
		_cleanup_free_ char *key = NULL;
		json_t *v = NULL;
		size_t vat = 0;
		int r = key_of(y, l, &key, &vat);
		json_t *kt = r == 0 ? json_string(key) : NULL;
		if (r == 0 && !kt)
			r = yfail(y, l->no, "a key that is not valid UTF-8");
		json_decref(kt);
		if (r == 0 && json_object_get(obj, key))
			r = brig_err_set(y->e, -EINVAL, "%s:%u: \"%.80s\" given twice", y->file,
					 l->no, key);
		if (r == 0 &&
		    (r = value_of(y, l->no, indent, depth, l->s + vat, l->len - vat, &v)) < 0)
			json_decref(v); /* a deeper mapping that failed half-way */
		else if (r == 0 && json_object_set_new(obj, key, v) < 0)
			r = brig_err_oom(y->e);
		if (r < 0)
			return r;
	}
	return 0;
}

int trust_yaml_parse(const char *buf, size_t len, const char *file, json_t **out,
		     struct brig_err *e)
{
	struct yparse y = { .file = file, .e = e };
	*out = NULL;
	if (len > TRUST_REGISTRIES_D_FILE_MAX)
		return brig_err_set(e, -EFBIG, "%s: larger than %zu bytes", file,
				    TRUST_REGISTRIES_D_FILE_MAX);
	if (memchr(buf, '\0', len))
		return brig_err_set(e, -EINVAL, "%s: holds a NUL byte", file);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3; /* a UTF-8 byte order mark */
		len -= 3;
	}
	_cleanup_json_ json_t *doc = json_object();
	int r = doc ? split_lines(&y, buf, len) : brig_err_oom(e);
	if (r == 0 && y.n > 0 && y.l[0].indent != 0)
		r = yfail(&y, y.l[0].no, "the document must start at column 1");
	if (r == 0)
		r = mapping(&y, 0, 0, doc);
	if (r == 0 && y.at < y.n)
		r = yfail(&y, y.l[y.at].no, "unexpected indentation");
	free(y.l);
	if (r == 0)
		*out = brig_steal_ptr(doc);
	return r;
}
