/* SPDX-License-Identifier: Apache-2.0 */
/* audit: the packages found as an SPDX 2.3 or CycloneDX 1.5 JSON document. */
#include "audit/scan-internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *spdx_pkg(const struct scan_pkgs *ps, size_t i)
{
	const struct scan_pkg *p = &ps->v[i];
	_cleanup_free_ char *purl = scan_purl(ps, p);
	char id[48];
	(void)brig_snprintf(id, sizeof(id), "SPDXRef-Package-%zu", i + 1);
	if (!purl)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:[{s:s, s:s, s:s}]}", "name", p->name,
			 "SPDXID", id, "versionInfo", p->version, "downloadLocation", "NOASSERTION",
			 "filesAnalyzed", 0, "externalRefs", "referenceCategory", "PACKAGE-MANAGER",
			 "referenceType", "purl", "referenceLocator", purl);
}

static json_t *cdx_pkg(const struct scan_pkgs *ps, size_t i)
{
	const struct scan_pkg *p = &ps->v[i];
	_cleanup_free_ char *purl = scan_purl(ps, p);
	if (!purl)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "library", "bom-ref", purl, "name",
			 p->name, "version", p->version, "purl", purl);
}

int scan_sbom(const char *format, const char *subject, const struct scan_pkgs *ps, json_t **out,
	      struct brig_err *e)
{
	bool spdx = strcmp(format, "spdx-json") == 0;
	if (!spdx && strcmp(format, "cyclonedx-json") != 0)
		return brig_err_set(e, -EINVAL,
				    "--sbom: unknown format '%s' (spdx-json or cyclonedx-json)",
				    format);
	_cleanup_json_ json_t *list = json_array();
	for (size_t i = 0; list && i < ps->n; i++)
		if (json_array_append_new(list, spdx ? spdx_pkg(ps, i) : cdx_pkg(ps, i)) < 0)
			return brig_err_oom(e);
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	if (!list || !gmtime_r(&t, &tm) || !strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return brig_err_oom(e);
	if (spdx)
		*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:O}", "spdxVersion",
				 "SPDX-2.3", "dataLicense", "CC0-1.0", "SPDXID", "SPDXRef-DOCUMENT",
				 "name", subject, "documentNamespace",
				 "https://spdx.org/spdxdocs/brig-scan", "creationInfo", "created",
				 now, "creators", "Tool: brig", "packages", list);
	else
		*out = json_pack("{s:s, s:s, s:i, s:{s:s, s:{s:s, s:s}}, s:O}", "bomFormat",
				 "CycloneDX", "specVersion", "1.5", "version", 1, "metadata",
				 "timestamp", now, "component", "type", "container", "name",
				 subject, "components", list);
	return *out ? 0 : brig_err_oom(e);
}
