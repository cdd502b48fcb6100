/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: brig scan IMAGE: the merged filesystem of the image's layers
 * (fsview.c), the file checks (files.c), the installed packages
 * (pkgdb.c) matched against OSV records (osv.c) or listed (sbom.c).
 */
#include "audit/scan-internal.h"

int audit_scan_image(struct img_store *s, const struct img_descriptor *manifest,
		     const struct audit_scan_opts *o, struct audit_report *r, json_t **sbom,
		     struct brig_err *e)
{
	struct img_manifest m = { 0 };
	struct scan_fs fs = { 0 };
	struct scan_pkgs ps = { 0 };
	/* gc must not remove the blobs while they are read */
	int rc = img_store_lease(s, e);
	if (rc == 0)
		rc = img_store_load_manifest(s, manifest, &m, e);
	if (rc == 0)
		rc = scan_fs_load(s, &m, &fs, e);
	if (rc == 0)
		rc = scan_files(&fs, r, e);
	if (rc == 0)
		rc = scan_pkgs_load(&fs, &ps, e);
	if (rc == 0 && o->db)
		rc = scan_osv(o->db, &ps, r, e);
	if (rc == 0 && o->sbom)
		rc = scan_sbom(o->sbom, r->subject ? r->subject : "", &ps, sbom, e);
	if (rc == 0)
		audit_report_sort(r);
	scan_pkgs_clear(&ps);
	scan_fs_clear(&fs);
	img_manifest_clear(&m);
	return rc;
}
