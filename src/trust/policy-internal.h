/* SPDX-License-Identifier: Apache-2.0 */
/* trust: what the policy's files share (private to src/trust/policy*.c, identity.c). */
#ifndef BRIG_TRUST_POLICY_INTERNAL_H
#define BRIG_TRUST_POLICY_INTERNAL_H

#include "trust/policy.h"

/* A requirements array at at ("default", `transports.docker["x"]`). */
int trust_reqs_parse(const json_t *arr, const struct bj_loc *at, struct trust_reqs *out,
		     struct brig_err *e);
void trust_reqs_clear(struct trust_reqs *r);
/* The same in a policy.d file: brig's own notaryTrust allowed too. */
int trust_reqs_parse_brig(const json_t *arr, const struct bj_loc *at, struct trust_reqs *out,
			  struct brig_err *e);
/* policy_notary.c: notaryTrust's members (server, rootKeys|rootCAs). */
int trust_notary_req_parse(const json_t *o, const struct bj_loc *at, struct trust_req *q,
			   struct brig_err *e);
/* policy_notary.c: a policy.d file's "transports": {"docker": {SCOPE:
 * [requirements]}}, each list added to the policy's scope (made when
 * missing). */
int trust_brig_transports(const json_t *root, const struct bj_loc *at, struct trust_policy *p,
			  struct brig_err *e);
/* policy_brig.c: a policy.d member that maps scopes ("default", or a key
 * of transports.docker) to settings of their sigstoreSigned requirements:
 * each file's member checked (check) into acc (scope -> value), a later
 * file's replacing an earlier one's; then, every file read, each value
 * set on its scope's sigstoreSigned requirements (a scope the policy
 * lacks is an error). */
typedef int (*trust_scoped_check_fn)(const json_t *v, const struct bj_loc *at, const char *scope,
				     struct brig_err *e);
typedef int (*trust_scoped_set_fn)(struct trust_req *q, const json_t *v, struct brig_err *e);
int trust_scoped_read(json_t *root, const struct bj_loc *at, const char *member,
		      trust_scoped_check_fn check, json_t *acc, struct brig_err *e);
int trust_scoped_apply(json_t *acc, const char *dir, const char *member, struct trust_policy *p,
		       trust_scoped_set_fn set, struct brig_err *e);
/* policy_brig.c: the NAME.json files of a policy.d directory, by name
 * (scandir's result). */
struct dirent;
int trust_settings_scan(const char *dir, struct dirent ***names);
/* policy_ct.c: certificateTransparency's value and its setting. */
int trust_ct_value(const json_t *v, const struct bj_loc *at, const char *scope, struct brig_err *e);
int trust_ct_set(struct trust_req *q, const json_t *v, struct brig_err *e);
/* A docker scope (policy.c). */
int trust_docker_scope_check(const char *s, const struct bj_loc *at, struct brig_err *e);
/* The signedIdentity member of req (absent: matchRepoDigestOrExact). */
int trust_identity_parse(const json_t *req, const struct bj_loc *at, struct trust_identity *out,
			 struct brig_err *e);
void trust_identity_clear(struct trust_identity *id);

/*
 * A Docker reference as containers/image's ParseNormalizedNamed reads it:
 * *name_only when it has neither tag nor digest (img_ref_parse gives those
 * the tag "latest"; callers that care look at *name_only).
 */
int trust_ref_parse(const char *s, struct img_ref *out, bool *name_only, struct brig_err *e);
/* "HOST[:PORT]" by the reference grammar, written as a registry would be
 * (it has a "." or ":" or is "localhost"). */
bool trust_domain_valid(const char *s);
/* A host name: dot-separated labels of letters, digits and "-", no port. */
bool trust_hostname_valid(const char *s);
/* "HOST/PATH[:TAG|@DIGEST]" with a registry host written and a valid path
 * (a repository or a namespace), not both tag and digest. */
bool trust_name_qualified(const char *s);
/* A reference exactly as the parser would write it back (containers/image's
 * ParseNamed: "docker.io/busybox" is not, "docker.io/library/busybox" is). */
bool trust_name_canonical(const char *s);
/* domain "/" path, malloc'ed (NULL on ENOMEM). */
char *trust_ref_name(const struct img_ref *r);

#endif
