/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: a report as SARIF 2.1.0 (one run; a rule for every finding id; a
 * path target as an artifact location relative to the image's or the
 * host's root, any other as a logical location).
 */
#include "audit/audit.h"

#include <stdlib.h>
#include <string.h>

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

static const char *sarif_level(enum audit_severity s)
{
	if (s >= AUDIT_HIGH)
		return "error";
	return s == AUDIT_MEDIUM ? "warning" : "note";
}

/* A path as a URI reference: unreserved characters and '/' kept, every
 * other byte percent-encoded. */
static char *path_uri(const char *p)
{
	size_t n = strlen(p);
	char *out = malloc(3 * n + 1), *o = out;
	if (!out)
		return NULL;
	for (const unsigned char *s = (const unsigned char *)p; *s; s++) {
		bool keep = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || strchr("-._~/", *s);
		if (keep) {
			*o++ = (char)*s;
		} else { /* three bytes: the buffer holds 3 per input byte */
			*o++ = '%';
			*o++ = "0123456789ABCDEF"[*s >> 4];
			*o++ = "0123456789ABCDEF"[*s & 0xf];
		}
	}
	*o = '\0';
	return out;
}

/* A path target is a relative reference (no leading '/') to the base
 * named base_id: SARIF wants a reference without a base to be an absolute
 * URI, and a file in an image has none. */
static json_t *location(const char *target, const char *base_id)
{
	if (target[0] != '/')
		return json_pack("{s:[{s:s}]}", "logicalLocations", "fullyQualifiedName", target);
	_cleanup_free_ char *uri = path_uri(target + strspn(target, "/"));
	if (!uri)
		return NULL;
	return json_pack("{s:{s:{s:s, s:s}}}", "physicalLocation", "artifactLocation", "uri", uri,
			 "uriBaseId", base_id);
}

/* The base of the report's paths: brig scan's are in the image's root
 * filesystem, which has no URI of its own; anything else's are the host's. */
static json_t *base_ids(const struct audit_report *r, const char **id)
{
	if (r->tool && strcmp(r->tool, "brig scan") == 0) {
		*id = "IMAGEROOT";
		return json_pack("{s:{s:{s:s+}}}", "IMAGEROOT", "description", "text",
				 "the root filesystem of image ", r->subject ? r->subject : "");
	}
	*id = "HOSTROOT";
	return json_pack("{s:{s:s}}", "HOSTROOT", "uri", "file:///");
}

static json_t *rule(const struct audit_finding *f)
{
	json_t *r = json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s}}", "id", f->id, "shortDescription",
			      "text", f->id, "defaultConfiguration", "level",
			      sarif_level(f->severity), "properties", "severity",
			      audit_severity_name(f->severity));
	if (r && *f->remediation &&
	    json_object_set_new(r, "help", json_pack("{s:s}", "text", f->remediation)) < 0) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/* The index of f's rule in rules (added when new). */
static json_int_t rule_index(json_t *rules, json_t *seen, const struct audit_finding *f)
{
	json_t *i = json_object_get(seen, f->id);
	if (i)
		return json_integer_value(i);
	json_int_t n = (json_int_t)json_array_size(rules);
	if (json_array_append_new(rules, rule(f)) < 0 ||
	    json_object_set_new(seen, f->id, json_integer(n)) < 0)
		return -1;
	return n;
}

static json_t *result(const struct audit_finding *f, json_int_t idx, const char *base_id)
{
	json_t *loc = location(f->target, base_id);
	if (!loc)
		return NULL;
	return json_pack("{s:s, s:I, s:s, s:{s:s}, s:[o], s:{s:s}}", "ruleId", f->id, "ruleIndex",
			 idx, "level", sarif_level(f->severity), "message", "text", f->message,
			 "locations", loc, "properties", "severity",
			 audit_severity_name(f->severity));
}

json_t *audit_sarif(const struct audit_report *r, const struct audit_output *o)
{
	_cleanup_json_ json_t *rules = json_array();
	_cleanup_json_ json_t *seen = json_object();
	_cleanup_json_ json_t *results = json_array();
	const char *base_id;
	_cleanup_json_ json_t *bases = base_ids(r, &base_id);
	if (!rules || !seen || !results || !bases)
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct audit_finding *f = &r->v[i];
		if (audit_skipped(o, f->id))
			continue;
		json_int_t idx = rule_index(rules, seen, f);
		if (idx < 0 || json_array_append_new(results, result(f, idx, base_id)) < 0)
			return NULL;
	}
	return json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:O}}, s:O, s:O}]}", "$schema", SARIF_SCHEMA,
			 "version", "2.1.0", "runs", "tool", "driver", "name", "brig", "rules",
			 rules, "originalUriBaseIds", bases, "results", results);
}
