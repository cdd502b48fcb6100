/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: the finding model and its text and JSON output (SARIF: sarif.c).
 * Everything in a finding may come from an image: text output escapes it
 * for the terminal, JSON output is ASCII-only.
 */
#include "audit/audit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };

const char *audit_severity_name(enum audit_severity s)
{
	return (unsigned)s < BRIG_ARRAY_SIZE(sev_names) ? sev_names[s] : "unknown";
}

int audit_severity_parse(const char *s, enum audit_severity *out, struct brig_err *e)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(sev_names); i++)
		if (strcasecmp(s, sev_names[i]) == 0) {
			*out = (enum audit_severity)i;
			return 0;
		}
	return brig_err_set(e, -EINVAL,
			    "unknown severity '%s' (info, low, medium, high or critical)", s);
}

int audit_format_parse(const char *s, enum audit_format *out, struct brig_err *e)
{
	if (!s || strcmp(s, "text") == 0)
		*out = AUDIT_FMT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = AUDIT_FMT_JSON;
	else if (strcmp(s, "sarif") == 0)
		*out = AUDIT_FMT_SARIF;
	else
		return brig_err_set(e, -EINVAL, "unknown format '%s' (text, json or sarif)", s);
	return 0;
}

static void finding_clear(struct audit_finding *f)
{
	free(f->id);
	free(f->target);
	free(f->message);
	free(f->remediation);
	brig_strv_free(f->references);
	memset(f, 0, sizeof(*f));
}

void audit_report_clear(struct audit_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		finding_clear(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

static char **strv_copy(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	char **out = calloc(n + 1, sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = strdup(v[i]))) {
			brig_strv_free(out);
			return NULL;
		}
	return out;
}

int audit_add(struct audit_report *r, const char *id, enum audit_severity sev, const char *target,
	      const char *remediation, const char *const *refs, struct brig_err *e, const char *fmt,
	      ...)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct audit_finding *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return brig_err_oom(e);
		r->v = v;
		r->cap = cap;
	}
	struct audit_finding *f = &r->v[r->n];
	*f = (struct audit_finding){ .severity = sev };
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&f->message, fmt, ap);
	va_end(ap);
	if (n < 0)
		f->message = NULL;
	f->id = strdup(id);
	f->target = strdup(target ? target : "");
	f->remediation = strdup(remediation ? remediation : "");
	f->references = strv_copy(refs);
	if (!f->message || !f->id || !f->target || !f->remediation || !f->references) {
		finding_clear(f);
		return brig_err_oom(e);
	}
	r->n++;
	return 0;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct audit_finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	int c = strcmp(x->id, y->id);
	return c ? c : strcmp(x->target, y->target);
}

void audit_report_sort(struct audit_report *r)
{
	if (r->n > 1)
		qsort(r->v, r->n, sizeof(*r->v), cmp_finding);
}

bool audit_skipped(const struct audit_output *o, const char *id)
{
	for (size_t i = 0; o->skip && o->skip[i]; i++)
		if (strcmp(o->skip[i], id) == 0)
			return true;
	return false;
}

static json_t *finding_json(const struct audit_finding *f)
{
	json_t *refs = json_array();
	for (size_t i = 0; refs && f->references[i]; i++)
		if (json_array_append_new(refs, json_string(f->references[i])) < 0) {
			json_decref(refs);
			return NULL;
		}
	if (!refs)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "Id", f->id, "Severity",
			 audit_severity_name(f->severity), "Target", f->target, "Message",
			 f->message, "Remediation", f->remediation, "References", refs);
}

static json_t *report_json(const struct audit_report *r, const struct audit_output *o,
			   size_t counts[5])
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < r->n; i++) {
		if (audit_skipped(o, r->v[i].id))
			continue;
		if (json_array_append_new(list, finding_json(&r->v[i])) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	if (!list)
		return NULL;
	json_t *sum = json_object();
	for (size_t i = 0; sum && i < 5; i++)
		if (json_object_set_new(sum, sev_names[i], json_integer((json_int_t)counts[i])) < 0)
			json_decref(sum), sum = NULL;
	if (!sum) {
		json_decref(list);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:o, s:o}", "Tool", r->tool ? r->tool : "brig", "Subject",
			 r->subject ? r->subject : "", "Findings", list, "Summary", sum);
}

/* One escaped field of a text line. */
static int put_escaped(FILE *out, const char *s)
{
	_cleanup_free_ char *t = brig_term_escape(s, strlen(s));
	if (!t)
		return -ENOMEM;
	return fputs(t, out) < 0 ? -EIO : 0;
}

static int print_text(FILE *out, const struct audit_report *r, const struct audit_output *o,
		      const size_t counts[5])
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < r->n; i++) {
		const struct audit_finding *f = &r->v[i];
		if (audit_skipped(o, f->id))
			continue;
		fprintf(out, "%-8s ", audit_severity_name(f->severity));
		rc = put_escaped(out, f->id);
		if (rc == 0 && fputs("  ", out) >= 0)
			rc = put_escaped(out, f->target);
		if (rc == 0 && fputs(": ", out) >= 0)
			rc = put_escaped(out, f->message);
		if (rc == 0 && *f->remediation && fputs("\n         fix: ", out) >= 0)
			rc = put_escaped(out, f->remediation);
		if (rc == 0 && fputc('\n', out) == EOF)
			rc = -EIO;
	}
	if (rc == 0)
		fprintf(out, "%zu critical, %zu high, %zu medium, %zu low, %zu info\n", counts[4],
			counts[3], counts[2], counts[1], counts[0]);
	return rc;
}

int audit_report_print(FILE *out, const struct audit_report *r, const struct audit_output *o,
		       struct brig_err *e)
{
	size_t counts[5] = { 0 };
	bool fail = false;
	for (size_t i = 0; i < r->n; i++) {
		if (audit_skipped(o, r->v[i].id))
			continue;
		counts[r->v[i].severity]++;
		if (r->v[i].severity >= o->fail_on)
			fail = true;
	}
	int rc = 0;
	if (o->format == AUDIT_FMT_TEXT) {
		rc = print_text(out, r, o, counts);
	} else {
		_cleanup_json_ json_t *doc = o->format == AUDIT_FMT_JSON ? report_json(r, o, counts)
									 : audit_sarif(r, o);
		if (!doc)
			return brig_err_oom(e);
		if (json_dumpf(doc, out, JSON_ENSURE_ASCII | JSON_INDENT(2)) < 0 ||
		    fputc('\n', out) == EOF)
			rc = -EIO;
	}
	if (rc == 0 && (fflush(out) == EOF || ferror(out)))
		rc = -EIO;
	if (rc < 0)
		return brig_err_sys(e, -rc, "writing the report");
	return fail ? AUDIT_EXIT_FINDINGS : AUDIT_EXIT_CLEAN;
}
