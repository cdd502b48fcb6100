/* SPDX-License-Identifier: Apache-2.0 */
/* audit: brig scan's parts (fsview.c, files.c, pkgdb.c, osv.c, sbom.c). */
#ifndef BRIG_AUDIT_SCAN_INT_H
#define BRIG_AUDIT_SCAN_INT_H

#include "audit/audit.h"
#include "image/layer/layer.h"

#include <limits.h>

/* What a file's first bytes showed (flags of struct scan_file). */
enum {
	SCAN_F_PEM_KEY = 1 << 0, /* a PEM private key block */
	SCAN_F_ENV_TOKEN = 1 << 1, /* NAME=value with a secret-like name */
	SCAN_F_ENTROPY = 1 << 2, /* a high-entropy string, the file named like a secret */
};

/* One path of the image's merged filesystem (the last layer that gave it). */
struct scan_file {
	char *path; /* relative, cleaned */
	char type; /* as struct img_layer_entry */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint64_t size;
	unsigned flags;
	char *link; /* a hard link's target (for --defang), else NULL */
	char *data; /* kept for package databases and os-release only */
	size_t len;
	bool gone; /* removed by a later layer */
	struct scan_xattr *xattrs; /* extended attributes (security.capability...) */
	size_t n_xattrs;
};
struct scan_xattr {
	char *name;
	void *val;
	size_t size;
};
/* The value of xattr name of f, or NULL. */
const struct scan_xattr *scan_xattr_get(const struct scan_file *f, const char *name);
#define SCAN_XATTR_CAPS "security.capability"

/* The merged view: layers applied in order, whiteouts and opaque
 * directories understood. */
struct scan_fs {
	json_t *map; /* path -> index in v */
	struct scan_file *v;
	size_t n, cap;
	unsigned layer;
	size_t *layer_of; /* v index -> layer */
};
void scan_fs_clear(struct scan_fs *fs);
/* Walk every layer of manifest m (blobs of s) into fs. */
int scan_fs_load(struct img_store *s, const struct img_manifest *m, struct scan_fs *fs,
		 struct brig_err *e);
/* The live entry at path, or NULL. */
const struct scan_file *scan_fs_get(const struct scan_fs *fs, const char *path);

/* File checks over the merged view (files.c). */
int scan_files(const struct scan_fs *fs, struct audit_report *r, struct brig_err *e);
/* Which files' contents are kept / sniffed (files.c). */
bool scan_keep_data(const char *path, size_t *max);
unsigned scan_sniff(const char *path, const char *buf, size_t len);
/* entropy.c: a name that says secret, token, password...; a random-looking
 * string in buf. */
bool scan_secret_name(const char *path);
bool scan_high_entropy(const char *buf, size_t len);

/* Installed packages (pkgdb.c). */
struct scan_pkg {
	char *name, *version, *source, *source_version, *arch;
	bool apk; /* from apk's database (else dpkg's) */
};
struct scan_pkgs {
	struct scan_pkg *v;
	size_t n, cap;
	char *ecosystem; /* "Debian:12", "Alpine:v3.19", NULL when unknown */
	char *distro; /* "debian", "alpine" */
	char *release; /* "12", "3.19" */
};
void scan_pkgs_clear(struct scan_pkgs *p);
int scan_pkgs_load(const struct scan_fs *fs, struct scan_pkgs *p, struct brig_err *e);
/* A package URL for p ("pkg:deb/debian/openssl@3.0.2-1?arch=amd64"). */
char *scan_purl(const struct scan_pkgs *ps, const struct scan_pkg *p);

/* OSV records from a file or directory matched against ps (osv.c). */
int scan_osv(const char *db, const struct scan_pkgs *ps, struct audit_report *r,
	     struct brig_err *e);

/* The lean first pass over an OSV file's text (osvskim.c): true when it is
 * valid and well-formed and none of its records names a package for which
 * wanted(name, n, arg) is true (*records counts them); false sends the file
 * to the full parse. */
bool scan_osv_skim(const char *buf, size_t len, bool (*wanted)(const char *, size_t, void *),
		   void *arg, size_t *records);

/* SBOM documents (sbom.c). */
int scan_sbom(const char *format, const char *subject, const struct scan_pkgs *ps, json_t **out,
	      struct brig_err *e);

#endif
