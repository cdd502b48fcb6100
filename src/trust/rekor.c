/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Rekor transparency log entry, checked offline: the signed entry
 * timestamp (Rekor's signature over the canonical JSON of body,
 * integratedTime, logID and logIndex), the inclusion proof (RFC 6962's
 * Merkle audit path from the leaf hash of the body to the root hash), the
 * checkpoint (a signed note naming the tree size and root hash; for a
 * Rekor v2 entry only a signature line whose key ID is the Rekor key's,
 * and that key's log ID the entry's, rekor_v2.c), and the body itself,
 * which must record the envelope of the bundle at hand.
 */
#include "trust/bundle.h"
#include "trust/sigstore-internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

static void hash2(unsigned char out[32], const unsigned char *l, const unsigned char *r)
{
	unsigned char buf[65];
	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	SHA256(buf, sizeof(buf), out);
}

/* SHA-256(0x00 || body); false when OpenSSL fails. */
static bool leaf_hash(const unsigned char *body, size_t len, unsigned char out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char z = 0;
	bool ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
		EVP_DigestUpdate(c, &z, 1) == 1 && EVP_DigestUpdate(c, body, len) == 1 &&
		EVP_DigestFinal_ex(c, out, NULL) == 1;
	EVP_MD_CTX_free(c);
	return ok;
}

/* RFC 9162 section 2.1.3.2. */
int trust_rekor_check_proof(const struct trust_tlog_entry *t, struct brig_err *e)
{
	if (!t->has_proof)
		return brig_err_set(e, -EKEYREJECTED, "the Rekor entry has no inclusion proof");
	if (t->proof_index >= t->tree_size)
		return brig_err_set(e, -EKEYREJECTED,
				    "inclusion proof: index %lld outside a tree of %lld",
				    (long long)t->proof_index, (long long)t->tree_size);
	uint64_t fn = (uint64_t)t->proof_index, sn = (uint64_t)t->tree_size - 1;
	unsigned char r[32];
	if (!leaf_hash(t->body, t->body_len, r))
		return brig_err_set(e, -EIO, "inclusion proof: hashing failed");
	for (size_t i = 0; i < t->n_hashes; i++) {
		if (sn == 0)
			return brig_err_set(e, -EKEYREJECTED,
					    "inclusion proof: longer than the tree is deep");
		if ((fn & 1) || fn == sn) {
			hash2(r, t->hashes[i], r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			hash2(r, r, t->hashes[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(r, t->root_hash, 32) != 0)
		return brig_err_set(
			e, -EKEYREJECTED,
			"inclusion proof: the audit path does not lead to the root hash");
	return 0;
}

/* Verify a raw signature over data with one of keys. */
static int verify_any(EVP_PKEY *const *keys, size_t n, const void *data, size_t len,
		      const unsigned char *sig, size_t sig_len, const char *what,
		      struct brig_err *e)
{
	_cleanup_free_ char *b64 = trust_b64_encode(sig, sig_len);
	if (!b64)
		return brig_err_oom(e);
	for (size_t i = 0; i < n; i++) {
		brig_err_clear(e);
		if (trust_verify(keys[i], data, len, b64, e) == 0)
			return 0;
	}
	brig_err_clear(e);
	return brig_err_set(e, -EKEYREJECTED, "%s: not signed by the Rekor key%s", what,
			    n == 1 ? "" : "s given");
}

/* The note's lines: ORIGIN, SIZE, ROOT(base64), others; then a blank line
 * and "— NAME BASE64(keyhint[4] || signature)" lines. */
static int parse_note(const char *cp, size_t *note_len, long long *size, char *root_b64,
		      size_t root_cap, const char **sigs, struct brig_err *e)
{
	const char *end = strstr(cp, "\n\n");
	const char *l2 = strchr(cp, '\n');
	if (!end || !l2 || l2 == cp)
		return brig_err_set(e, -EKEYREJECTED, "checkpoint: not a signed note");
	*note_len = (size_t)(end - cp) + 1;
	*sigs = end + 2;
	char *e2 = NULL;
	errno = 0;
	*size = strtoll(l2 + 1, &e2, 10);
	if (errno || e2 == l2 + 1 || *e2 != '\n' || *size < 1)
		return brig_err_set(e, -EKEYREJECTED, "checkpoint: line 2 is no tree size");
	const char *l3 = e2 + 1, *l3e = strchr(l3, '\n');
	if (!l3e || (size_t)(l3e - l3) >= root_cap || l3e > end)
		return brig_err_set(e, -EKEYREJECTED, "checkpoint: line 3 is no root hash");
	memcpy(root_b64, l3, (size_t)(l3e - l3));
	root_b64[l3e - l3] = '\0';
	return 0;
}

/* One signature line (name, keyhint || sig) over the note: v1 entries by
 * any of keys; a v2 entry's only by a key whose key ID is the hint and
 * whose log ID is the entry's (*other_log: one with that hint is another
 * log's). */
static int line_ok(const struct trust_tlog_entry *t, EVP_PKEY *const *keys, size_t n_keys,
		   const char *name, size_t name_len, const unsigned char *sig, size_t sl,
		   size_t note_len, bool *other_log, struct brig_err *e)
{
	if (!trust_rekor_is_v2(t))
		return verify_any(keys, n_keys, t->checkpoint, note_len, sig + 4, sl - 4,
				  "checkpoint", e);
	for (size_t i = 0; i < n_keys; i++) {
		unsigned char id[32];
		int r = trust_rekor2_key_id(keys[i], name, name_len, id, e);
		if (r < 0)
			return r;
		if (memcmp(id, sig, 4) != 0)
			continue;
		if (memcmp(id, t->log_id, 32) != 0) {
			*other_log = true;
			continue;
		}
		if (verify_any(&keys[i], 1, t->checkpoint, note_len, sig + 4, sl - 4, "checkpoint",
			       e) == 0)
			return 0;
		brig_err_clear(e);
	}
	return -EKEYREJECTED;
}

int trust_rekor_check_checkpoint(const struct trust_tlog_entry *t, EVP_PKEY *const *keys,
				 size_t n_keys, struct brig_err *e)
{
	static const char dash[] = "\xe2\x80\x94 ";
	char root_b64[64];
	const char *sigs = NULL;
	size_t note_len = 0;
	long long size = 0;
	bool other_log = false;
	if (!t->checkpoint)
		return brig_err_set(e, -EKEYREJECTED, "the inclusion proof has no checkpoint");
	int r = parse_note(t->checkpoint, &note_len, &size, root_b64, sizeof(root_b64), &sigs, e);
	_cleanup_free_ unsigned char *root = NULL;
	size_t rl = 0;
	if (r == 0 &&
	    (trust_b64_decode(root_b64, 32, "checkpoint root", &root, &rl, e) < 0 || rl != 32))
		r = brig_err_set(e, -EKEYREJECTED, "checkpoint: line 3 is no root hash");
	if (r == 0 && (size != t->tree_size || memcmp(root, t->root_hash, 32) != 0))
		return brig_err_set(e, -EKEYREJECTED,
				    "checkpoint: names another tree (size %lld) or root hash than "
				    "the inclusion proof",
				    size);
	/* each signature line; one by one of the keys suffices */
	while (r == 0 && strncmp(sigs, dash, sizeof(dash) - 1) == 0) {
		const char *name = sigs + sizeof(dash) - 1, *sp = strchr(name, ' ');
		const char *nl = sp ? strchr(sp, '\n') : NULL;
		if (!nl)
			break;
		_cleanup_free_ char *b64 = brig_memdupz(sp + 1, (size_t)(nl - sp - 1));
		_cleanup_free_ unsigned char *sig = NULL;
		size_t sl = 0;
		if (!b64)
			return brig_err_oom(e);
		if (trust_b64_decode(b64, 1024, "checkpoint signature", &sig, &sl, e) == 0 &&
		    sl > 4 &&
		    line_ok(t, keys, n_keys, name, (size_t)(sp - name), sig, sl, note_len,
			    &other_log, e) == 0)
			return 0;
		brig_err_clear(e);
		sigs = nl + 1;
	}
	if (r == 0 && other_log)
		return brig_err_set(e, -EKEYREJECTED,
				    "the Rekor entry's logId is not the log ID of the Rekor key "
				    "(rekor v2: its checkpoint key's)");
	return r < 0 ? r
		     : brig_err_set(e, -EKEYREJECTED, "checkpoint: not signed by the Rekor key");
}

int trust_rekor_check_set(const struct trust_tlog_entry *t, EVP_PKEY *const *keys, size_t n_keys,
			  struct brig_err *e)
{
	char logid[65];
	if (!t->set)
		return brig_err_set(e, -EKEYREJECTED,
				    "the Rekor entry has no signed entry timestamp");
	for (size_t i = 0; i < 32; i++)
		snprintf(logid + 2 * i, 3, "%02x", t->log_id[i]);
	_cleanup_free_ char *body = trust_b64_encode(t->body, t->body_len);
	_cleanup_free_ char *canon = NULL;
	if (!body ||
	    asprintf(&canon,
		     "{\"body\":\"%s\",\"integratedTime\":%lld,\"logID\":\"%s\","
		     "\"logIndex\":%lld}",
		     body, (long long)t->integrated_time, logid, (long long)t->log_index) < 0)
		return brig_err_oom(e);
	return verify_any(keys, n_keys, canon, strlen(canon), t->set, t->set_len,
			  "signed entry timestamp", e);
}
