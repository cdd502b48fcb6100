/* SPDX-License-Identifier: Apache-2.0 */
/* Values printed as Go's fmt prints them: %v, and printf's verbs with
 * Go's messages for what does not fit ("%!d(string=abc)", "%!s(MISSING)"). */
#include "cli/template-internal.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

#define MAX_WIDTH 4096

const char *tpl_go_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "int";
	case JSON_REAL:
		return "float64";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	case JSON_ARRAY:
		return "[]interface {}";
	case JSON_OBJECT:
		return "map[string]interface {}";
	default:
		return "<nil>";
	}
}

void tpl_go_float(double d, char *buf, size_t size)
{
	if (isinf(d) || isnan(d)) {
		snprintf(buf, size, "%s", isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
		return;
	}
	int prec = 0; /* the fewest digits that read back the same */
	char tmp[64];
	for (; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	int exp = atoi(strchr(tmp, 'e') + 1);
	if (exp < -4 || exp >= 6) {
		/* strconv's shortest %g: 1e+06, 1.5e+07; two exponent digits, as C */
		snprintf(buf, size, "%.*e", prec, d);
		return;
	}
	snprintf(buf, size, "%.*f", prec - exp > 0 ? prec - exp : 0, d);
}

int tbuf_put_text(struct ev *ev, struct tbuf *b, const char *s, size_t n, bool safe)
{
	if (safe || brig_term_safe(s, n))
		return tbuf_put(ev, b, s, n);
	_cleanup_free_ char *esc = brig_term_escape(s, n);
	return esc ? tbuf_puts(ev, b, esc) : brig_err_set(ev->e, -ENOMEM, "out of memory");
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The members of an object, sorted (Go prints and ranges maps in order). */
const char **tpl_sorted_keys(const json_t *obj, size_t *n)
{
	*n = json_object_size(obj);
	const char **k = calloc(*n ? *n : 1, sizeof(char *));
	if (!k)
		return NULL;
	size_t i = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) k[i++] = key;
	qsort(k, *n, sizeof(char *), cmp_keys);
	return k;
}

typedef int (*elem_fn)(struct ev *ev, struct tbuf *b, const json_t *v, bool safe, int depth,
		       const void *ctx);

/* [a b] or map[k:v], each element through fn. */
static int print_composite(struct ev *ev, struct tbuf *b, const json_t *v, bool safe, int depth,
			   elem_fn fn, const void *ctx)
{
	int r;
	if (depth > TPL_MAX_DEPTH)
		return brig_err_set(ev->e, -ELOOP, "template: value nested too deep");
	if (json_is_array(v)) {
		r = tbuf_puts(ev, b, "[");
		for (size_t i = 0; r == 0 && i < json_array_size(v); i++)
			if ((r = i ? tbuf_puts(ev, b, " ") : 0) == 0)
				r = fn(ev, b, json_array_get(v, i), safe, depth + 1, ctx);
		return r ? r : tbuf_puts(ev, b, "]");
	}
	size_t n;
	_cleanup_free_ const char **k = tpl_sorted_keys(v, &n);
	if (!k)
		return brig_err_set(ev->e, -ENOMEM, "out of memory");
	r = tbuf_puts(ev, b, "map[");
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_json_ json_t *key = json_string(k[i]);
		if (!key)
			return brig_err_set(ev->e, -ENOMEM, "out of memory");
		if ((r = i ? tbuf_puts(ev, b, " ") : 0) == 0 &&
		    (r = fn(ev, b, key, safe, depth + 1, ctx)) == 0 &&
		    (r = tbuf_puts(ev, b, ":")) == 0)
			r = fn(ev, b, json_object_get(v, k[i]), safe, depth + 1, ctx);
	}
	return r ? r : tbuf_puts(ev, b, "]");
}

static int print_elem(struct ev *ev, struct tbuf *b, const json_t *v, bool safe, int depth,
		      const void *ctx)
{
	(void)ctx;
	return tpl_print_value(ev, b, v, safe, depth);
}

int tpl_print_value(struct ev *ev, struct tbuf *b, const json_t *v, bool safe, int depth)
{
	char num[64];
	switch (json_typeof(v)) {
	case JSON_STRING:
		return tbuf_put_text(ev, b, json_string_value(v), json_string_length(v), safe);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return tbuf_puts(ev, b, num);
	case JSON_REAL:
		tpl_go_float(json_real_value(v), num, sizeof(num));
		return tbuf_puts(ev, b, num);
	case JSON_TRUE:
	case JSON_FALSE:
		return tbuf_puts(ev, b, json_is_true(v) ? "true" : "false");
	case JSON_ARRAY:
	case JSON_OBJECT:
		return print_composite(ev, b, v, safe, depth, print_elem, NULL);
	default:
		return tbuf_puts(ev, b, "<nil>");
	}
}

/* ------------------------------------------------------------ printf */

struct spec {
	char flags[8]; /* of "-+# 0" */
	int width, prec; /* -1: none */
	char verb;
};

static size_t rune_count(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* s padded to the width, on the left unless the '-' flag. */
static int pad(struct ev *ev, struct tbuf *b, const struct spec *sp, const char *s, size_t n)
{
	size_t runes = rune_count(s, n);
	size_t fill = sp->width > 0 && (size_t)sp->width > runes ? (size_t)sp->width - runes : 0;
	bool left = strchr(sp->flags, '-');
	int r = 0;
	for (size_t i = 0; r == 0 && !left && i < fill; i++)
		r = tbuf_puts(ev, b,
			      strchr(sp->flags, '0') && !strchr("sqv", sp->verb) ? "0" : " ");
	if (r == 0)
		r = tbuf_put(ev, b, s, n);
	for (size_t i = 0; r == 0 && left && i < fill; i++)
		r = tbuf_puts(ev, b, " ");
	return r;
}

/* Go's %q of a string: double-quoted with Go escapes. */
static int quote(struct ev *ev, struct tbuf *b, const char *s, size_t n)
{
	int r = tbuf_puts(ev, b, "\"");
	for (size_t i = 0; r == 0 && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		const char *named = strchr("\a\b\f\n\r\t\v", c);
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c && named)
			snprintf(esc, sizeof(esc), "\\%c", "abfnrtv"[named - "\a\b\f\n\r\t\v"]);
		else if (c < 0x20 || c == 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02x", c);
		else
			esc[0] = (char)c, esc[1] = '\0';
		r = tbuf_puts(ev, b, esc);
	}
	return r ? r : tbuf_puts(ev, b, "\"");
}

/* A C format for one number: "%" flags width .prec conv. */
static void c_format(const struct spec *sp, const char *conv, char *fmt, size_t size)
{
	int o = snprintf(fmt, size, "%%%s", sp->flags);
	if (sp->width >= 0)
		o += snprintf(fmt + o, size - (size_t)o, "%d", sp->width);
	if (sp->prec >= 0)
		o += snprintf(fmt + o, size - (size_t)o, ".%d", sp->prec);
	snprintf(fmt + o, size - (size_t)o, "%s", conv);
}

static int fmt_int(struct ev *ev, struct tbuf *b, const struct spec *sp, long long n, bool *bad)
{
	char fmt[32], out[MAX_WIDTH + 80];
	const char *conv = sp->verb == 'd' || sp->verb == 'v' ? "lld"
		: sp->verb == 'x'                             ? "llx"
		: sp->verb == 'X'                             ? "llX"
		: sp->verb == 'o'                             ? "llo"
							      : NULL;
	if (sp->verb == 'c' || sp->verb == 'q') {
		char rune[8] = "";
		if (n > 0 && n < 0x110000) {
			snprintf(rune, sizeof(rune), sp->verb == 'q' ? "'%c'" : "%c", (int)n);
			if (n >= 0x80 || (sp->verb == 'q' && !isprint((int)n)))
				snprintf(rune, sizeof(rune), sp->verb == 'q' ? "'\\x%02llx'" : "?",
					 n);
		}
		return pad(ev, b, sp, rune, strlen(rune));
	}
	if (sp->verb == 'b') {
		char bits[70];
		size_t k = sizeof(bits) - 1;
		unsigned long long u = n < 0 ? -(unsigned long long)n : (unsigned long long)n;
		bits[k] = '\0';
		do
			bits[--k] = (char)('0' + (u & 1));
		while ((u >>= 1) && k > 1);
		if (n < 0)
			bits[--k] = '-';
		return pad(ev, b, sp, bits + k, strlen(bits + k));
	}
	if (!conv) {
		*bad = true;
		return 0;
	}
	c_format(sp, conv, fmt, sizeof(fmt));
	if ((sp->verb == 'x' || sp->verb == 'X' || sp->verb == 'o') && n < 0) {
		/* Go writes the sign and the magnitude, not two's complement */
		c_format(sp, conv, fmt + 1, sizeof(fmt) - 1);
		fmt[0] = '-';
		n = -n;
	}
	snprintf(out, sizeof(out), fmt, n);
	return tbuf_puts(ev, b, out);
}

static int fmt_float(struct ev *ev, struct tbuf *b, const struct spec *sp, double d, bool *bad)
{
	char fmt[32], out[MAX_WIDTH + 400];
	char conv[2] = { sp->verb, '\0' };
	if (!strchr("eEfFgGv", sp->verb)) {
		*bad = true;
		return 0;
	}
	if ((sp->verb == 'v' || sp->verb == 'g') && sp->prec < 0) {
		char num[64];
		tpl_go_float(d, num, sizeof(num));
		return pad(ev, b, sp, num, strlen(num));
	}
	if (sp->verb == 'v')
		conv[0] = 'g';
	c_format(sp, conv, fmt, sizeof(fmt));
	snprintf(out, sizeof(out), fmt, d);
	return tbuf_puts(ev, b, out);
}

static int fmt_str(struct ev *ev, struct tbuf *b, const struct spec *sp, const json_t *v, bool safe,
		   bool *bad)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	struct tbuf t = { 0 };
	int r = 0;
	if (sp->prec >= 0) /* at most prec characters */
		for (size_t i = 0, runes = 0; i < n; i++)
			if (((unsigned char)s[i] & 0xc0) != 0x80 && runes++ == (size_t)sp->prec) {
				n = i;
				break;
			}
	if (sp->verb == 's' || sp->verb == 'v') {
		r = tbuf_put_text(ev, &t, s, n, safe);
	} else if (sp->verb == 'q') {
		r = quote(ev, &t, s, n);
	} else if (sp->verb == 'x' || sp->verb == 'X') {
		for (size_t i = 0; r == 0 && i < n; i++) {
			char hx[4];
			snprintf(hx, sizeof(hx), sp->verb == 'x' ? "%02x" : "%02X",
				 (unsigned char)s[i]);
			r = tbuf_puts(ev, &t, hx);
		}
	} else {
		*bad = true;
	}
	if (r == 0 && !*bad)
		r = pad(ev, b, sp, t.buf ? t.buf : "", t.len);
	free(t.buf);
	return r;
}

static int fmt_one(struct ev *ev, struct tbuf *b, const json_t *v, bool safe, int depth,
		   const void *ctx);

/* One argument by its verb; "%!d(string=abc)" when they do not fit. */
static int fmt_arg(struct ev *ev, struct tbuf *b, const struct spec *sp, const json_t *v, bool safe,
		   int depth)
{
	bool bad = false;
	int r = 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		r = fmt_str(ev, b, sp, v, safe, &bad);
		break;
	case JSON_INTEGER:
		r = fmt_int(ev, b, sp, (long long)json_integer_value(v), &bad);
		break;
	case JSON_REAL:
		r = fmt_float(ev, b, sp, json_real_value(v), &bad);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		if (!(bad = sp->verb != 't' && sp->verb != 'v'))
			r = pad(ev, b, sp, json_is_true(v) ? "true" : "false",
				json_is_true(v) ? 4 : 5);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		return print_composite(ev, b, v, safe, depth, fmt_one, sp);
	default:
		if (sp->verb == 'v')
			return pad(ev, b, sp, "<nil>", 5);
		char m[16];
		snprintf(m, sizeof(m), "%%!%c(<nil>)", sp->verb);
		return tbuf_puts(ev, b, m);
	}
	if (r < 0 || !bad)
		return r;
	char head[48];
	snprintf(head, sizeof(head), "%%!%c(%s=", sp->verb, tpl_go_type(v));
	if ((r = tbuf_puts(ev, b, head)) == 0 && (r = tpl_print_value(ev, b, v, safe, depth)) == 0)
		r = tbuf_puts(ev, b, ")");
	return r;
}

static int fmt_one(struct ev *ev, struct tbuf *b, const json_t *v, bool safe, int depth,
		   const void *ctx)
{
	return fmt_arg(ev, b, ctx, v, safe, depth);
}

/* The flags, width and precision after a '%' at f[*i]; *i then at the verb. */
static bool parse_spec(const char *f, size_t *i, struct spec *sp)
{
	size_t nf = 0;
	memset(sp, 0, sizeof(*sp));
	sp->width = sp->prec = -1;
	for (; f[*i] && strchr("-+# 0", f[*i]); (*i)++)
		if (nf + 1 < sizeof(sp->flags) && !strchr(sp->flags, f[*i]))
			sp->flags[nf++] = f[*i];
	for (; isdigit((unsigned char)f[*i]); (*i)++)
		if (sp->width <= MAX_WIDTH) /* beyond: BADWIDTH, and no overflow */
			sp->width = (sp->width < 0 ? 0 : sp->width) * 10 + (f[*i] - '0');
	if (f[*i] == '.') {
		sp->prec = 0;
		for ((*i)++; isdigit((unsigned char)f[*i]); (*i)++)
			if (sp->prec <= MAX_WIDTH)
				sp->prec = sp->prec * 10 + (f[*i] - '0');
	}
	return sp->width <= MAX_WIDTH && sp->prec <= MAX_WIDTH;
}

static int extra_args(struct ev *ev, struct tbuf *b, const struct val *args, size_t from, size_t n)
{
	int r = tbuf_puts(ev, b, "%!(EXTRA ");
	for (size_t i = from; r == 0 && i < n; i++) {
		if ((r = i > from ? tbuf_puts(ev, b, ", ") : 0) == 0 &&
		    (r = tbuf_puts(ev, b, tpl_go_type(args[i].j))) == 0 &&
		    (r = tbuf_puts(ev, b, "=")) == 0)
			r = tpl_print_value(ev, b, args[i].j, args[i].safe, 0);
	}
	return r ? r : tbuf_puts(ev, b, ")");
}

int tpl_printf(struct ev *ev, struct tbuf *b, const char *f, bool fsafe, const struct val *args,
	       size_t n)
{
	size_t used = 0;
	int r = 0;
	for (size_t i = 0; r == 0 && f[i]; i++) {
		if (f[i] != '%') {
			size_t run = strcspn(f + i, "%");
			r = tbuf_put_text(ev, b, f + i, run, fsafe);
			i += run - 1;
			continue;
		}
		struct spec sp;
		i++;
		bool ok = parse_spec(f, &i, &sp);
		sp.verb = f[i];
		char m[32];
		if (!sp.verb) {
			r = tbuf_puts(ev, b, "%!(NOVERB)");
			break;
		} else if (sp.verb == '%') {
			r = tbuf_puts(ev, b, "%");
		} else if (!ok) {
			r = tbuf_puts(ev, b, "%!(BADWIDTH)");
			used += used < n;
		} else if (used == n) {
			snprintf(m, sizeof(m), "%%!%c(MISSING)", sp.verb);
			r = tbuf_puts(ev, b, m);
		} else {
			r = fmt_arg(ev, b, &sp, args[used].j, args[used].safe, 0);
			used++;
		}
	}
	return r == 0 && used < n ? extra_args(ev, b, args, used, n) : r;
}
