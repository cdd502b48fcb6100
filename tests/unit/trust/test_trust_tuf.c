/* SPDX-License-Identifier: Apache-2.0 */
/* trust: the TUF core against metadata the real notary-server made
 * (tests/fixtures/notary, or $BRIG_TRUST_FIXTURES): canonical JSON gives
 * back the exact signed bytes, keys get their IDs, signatures verify;
 * base64, times and strict parsing on their own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "trust/tuf.h"

static const char *fixtures(void)
{
	const char *f = getenv("BRIG_TRUST_FIXTURES");
	return f ? f : NOTARY_FIXTURES;
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct brig_err e = { 0 };
	char *buf = NULL;
	int r = brig_read_file(AT_FDCWD, path, 8 << 20, &buf, len, &e);
	brig_err_clear(&e);
	return r == 0 ? buf : NULL;
}

/* The bytes of "signed" as served: between {"signed": and ,"signatures":[ */
static int check_canonical(const char *dir, const char *name)
{
	size_t len = 0;
	_cleanup_free_ char *raw = slurp(dir, name, &len);
	assert_non_null(raw);
	const char *start = "{\"signed\":", *end = ",\"signatures\":[";
	if (strncmp(raw, start, strlen(start)))
		return 0; /* not a signed document (a key file) */
	const char *e_at = strstr(raw, end), *next;
	while (e_at && (next = strstr(e_at + 1, end)))
		e_at = next;
	assert_non_null(e_at);
	_cleanup_json_ json_t *doc = json_loadb(raw, len, 0, NULL);
	assert_non_null(doc);
	struct brig_err e = { 0 };
	_cleanup_free_ char *c = NULL;
	size_t clen = 0;
	assert_int_equal(tuf_canonical(json_object_get(doc, "signed"), &c, &clen, &e), 0);
	size_t want = (size_t)(e_at - raw) - strlen(start);
	if (clen != want || memcmp(c, raw + strlen(start), want))
		fail_msg("%s/%s: canonical form differs from the signed bytes", dir, name);
	return 1;
}

static void test_canonical_fixtures(void **state)
{
	(void)state;
	static const char *const dirs[] = { "01-initial",           "02-server-snapshot",
					    "03-delegation",        "04-root-rotated",
					    "05-timestamp-rotated", "06-ed25519-server-keys",
					    "client-cache-metadata" };
	char dir[4096];
	int n = 0;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(dirs); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", fixtures(), dirs[i]);
		DIR *d = opendir(dir);
		if (!d)
			skip();
		struct dirent *de;
		while ((de = readdir(d)))
			if (strstr(de->d_name, ".json"))
				n += check_canonical(dir, de->d_name);
		closedir(d);
	}
	assert_true(n >= 60);
}

static void expect_canon(const char *json, const char *want)
{
	_cleanup_json_ json_t *v = json_loads(json, JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
	assert_non_null(v);
	struct brig_err e = { 0 };
	_cleanup_free_ char *c = NULL;
	size_t clen = 0;
	int r = tuf_canonical(v, &c, &clen, &e);
	if (!want) {
		assert_true(r < 0);
		brig_err_clear(&e);
		return;
	}
	assert_int_equal(r, 0);
	assert_string_equal(c, want);
}

static void test_canonical_rules(void **state)
{
	(void)state;
	/* sorted bytewise, no whitespace, only " and \ escaped */
	expect_canon("{ \"b\" : [1, true, null], \"a\" : \"<&>\\n\\u00e9\" , \"B\": false}",
		     "{\"B\":false,\"a\":\"<&>\n\xc3\xa9\",\"b\":[1,true,null]}");
	expect_canon("\"q\\\"b\\\\\\u2028\\u2029\"", "\"q\\\"b\\\\\\u2028\\u2029\"");
	expect_canon("-9007199254740992", "-9007199254740992");
	expect_canon("2.0", "2");
	expect_canon("1.5", NULL);
	expect_canon("9007199254740993", NULL);
	expect_canon("\"a\\u0000b\"", NULL);
}

static void test_base64(void **state)
{
	(void)state;
	unsigned char out[16];
	size_t n = 0;
	assert_int_equal(tuf_b64_decode("YQ==", out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 'a');
	assert_int_equal(tuf_b64_decode("YWJj", out, sizeof(out), &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(tuf_b64_decode("", out, sizeof(out), &n), 0);
	assert_int_equal(n, 0);
	assert_true(tuf_b64_decode("YQ=", out, sizeof(out), &n) < 0);
	assert_true(tuf_b64_decode("Y===", out, sizeof(out), &n) < 0);
	assert_true(tuf_b64_decode("YQ==YQ==", out, sizeof(out), &n) < 0);
	assert_true(tuf_b64_decode("YW-j", out, sizeof(out), &n) < 0);
	assert_true(tuf_b64_decode("YWJjYWJj", out, 5, &n) < 0);
}

static void test_times(void **state)
{
	(void)state;
	time_t t = 0;
	assert_int_equal(tuf_parse_time("2026-12-12T17:02:27.344092504Z", &t), 0);
	assert_int_equal((long long)t, 1797094947LL);
	assert_int_equal(tuf_parse_time("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal((long long)t, 0);
	assert_true(tuf_parse_time("2026-12-12T17:02:27+01:00", &t) < 0);
	assert_true(tuf_parse_time("2026-12-12T17:02:27.Z", &t) < 0);
	assert_true(tuf_parse_time("2026-12-12 17:02:27Z", &t) < 0);
	assert_true(tuf_parse_time("2026-13-12T17:02:27Z", &t) < 0);
	char buf[32];
	tuf_format_time(1797094947, buf);
	assert_string_equal(buf, "2026-12-12T17:02:27Z");
}

/* Load DIR/NAME as a document of type. */
static int load(struct tuf_doc *d, const char *name, const char *text, const char *type,
		struct brig_err *e)
{
	char *raw = strdup(text);
	assert_non_null(raw);
	return tuf_doc_load(d, name, raw, strlen(raw), type, e);
}

static void expect_doc_error(const char *text, const char *type, const char *msg)
{
	struct tuf_doc d = { 0 };
	struct brig_err e = { 0 };
	assert_true(load(&d, "x.json", text, type, &e) < 0);
	if (!strstr(brig_err_str(&e), msg))
		fail_msg("got \"%s\", wanted \"%s\"", brig_err_str(&e), msg);
	brig_err_clear(&e);
	tuf_doc_clear(&d);
}

static void test_strict_documents(void **state)
{
	(void)state;
	const char *ok =
		"{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2030-01-01T00:00:00Z\","
		"\"meta\":{},\"version\":1},\"signatures\":[]}";
	struct tuf_doc d = { 0 };
	struct brig_err e = { 0 };
	assert_int_equal(load(&d, "timestamp.json", ok, "Timestamp", &e), 0);
	tuf_doc_clear(&d);
	expect_doc_error(ok, "Snapshot",
			 "x.json: signed: _type: \"Timestamp\", expected \"Snapshot\"");
	expect_doc_error(
		"{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2030-01-01T00:00:00Z\","
		"\"meta\":{},\"version\":0},\"signatures\":[]}",
		"Timestamp", "x.json: signed.version");
	expect_doc_error("{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2030-01-01\","
			 "\"meta\":{},\"version\":1},\"signatures\":[]}",
			 "Timestamp", "x.json: signed: expires:");
	expect_doc_error(
		"{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2030-01-01T00:00:00Z\","
		"\"meta\":{},\"version\":1,\"extra\":1},\"signatures\":[]}",
		"Timestamp", "extra");
	expect_doc_error("{\"signed\":{\"_type\":\"Timestamp\",\"_type\":\"Timestamp\"}}",
			 "Timestamp", "x.json");
	/* meta entries: length and base64 hashes */
	const char *bad =
		"{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2030-01-01T00:00:00Z\","
		"\"meta\":{\"snapshot\":{\"hashes\":{\"sha256\":\"zz\"},\"length\":1}},"
		"\"version\":1},\"signatures\":[]}";
	struct tuf_meta m = { 0 };
	assert_int_equal(load(&d, "timestamp.json", bad, "Timestamp", &e), 0);
	assert_true(tuf_meta_parse(&d, &m, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e),
			       "timestamp.json: signed.meta.snapshot.hashes: "
			       "sha256: not a base64 SHA-256"));
	brig_err_clear(&e);
	tuf_meta_clear(&m);
	tuf_doc_clear(&d);
}

/* A fixture's root: every key has its ID, the root and the timestamp verify
 * by their roles' keys, a changed signature does not. */
static void test_fixture_root_and_sigs(void **state)
{
	(void)state;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/06-ed25519-server-keys", fixtures());
	size_t rlen = 0, tlen = 0;
	char *rraw = slurp(dir, "root.json", &rlen), *traw = slurp(dir, "timestamp.json", &tlen);
	if (!rraw || !traw) {
		free(rraw);
		free(traw);
		skip();
	}
	struct tuf_doc rd = { 0 }, td = { 0 };
	struct tuf_root root = { 0 };
	struct brig_err e = { 0 };
	assert_int_equal(tuf_doc_load(&rd, "root.json", rraw, rlen, "Root", &e), 0);
	assert_int_equal(tuf_root_parse(&rd, &root, &e), 0);
	assert_int_equal(root.keys.n, 4);
	assert_int_equal(tuf_check_sigs(&rd, &root.keys, &root.root, &e), 0);
	const struct tuf_key *rk = tuf_keyset_find(&root.keys, root.root.keyids[0]);
	assert_non_null(rk->cert);
	assert_int_equal(
		tuf_key_check_cert(rk, "root.json", "127.0.0.1:5000/demo/ed", 1796000000, &e), 0);
	assert_true(tuf_key_check_cert(rk, "root.json", "127.0.0.1:5000/demo/app", 1796000000, &e) <
		    0);
	brig_err_clear(&e);
	assert_true(tuf_key_check_cert(rk, "root.json", NULL, 2200000000, &e) == -EKEYEXPIRED);
	brig_err_clear(&e);
	/* the timestamp is eddsa; the root role's key cannot sign for it */
	assert_int_equal(tuf_doc_load(&td, "timestamp.json", traw, tlen, "Timestamp", &e), 0);
	assert_int_equal(tuf_check_sigs(&td, &root.keys, &root.timestamp, &e), 0);
	assert_true(tuf_check_sigs(&td, &root.keys, &root.root, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), "which is not a root key"));
	brig_err_clear(&e);
	json_t *sig = json_array_get(json_object_get(td.json, "signatures"), 0);
	char *s = strdup(json_string_value(json_object_get(sig, "sig")));
	s[0] = s[0] == 'A' ? 'B' : 'A';
	json_object_set_new(sig, "sig", json_string(s));
	free(s);
	assert_true(tuf_check_sigs(&td, &root.keys, &root.timestamp, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), "does not verify"));
	brig_err_clear(&e);
	tuf_root_clear(&root);
	tuf_doc_clear(&rd);
	tuf_doc_clear(&td);
}

static void test_key_id_mismatch(void **state)
{
	(void)state;
	_cleanup_json_ json_t *keys = json_pack(
		"{s:{s:s,s:{s:n,s:s}}}",
		"0000000000000000000000000000000000000000000000000000000000000000", "keytype",
		"ed25519", "keyval", "private", "public",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	struct tuf_keyset ks = { 0 };
	struct brig_err e = { 0 };
	struct bj_loc at;
	bj_root(&at, "root.json");
	assert_true(tuf_keyset_parse(keys, &at, &ks, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), "key ID does not match the key"));
	brig_err_clear(&e);
	tuf_keyset_clear(&ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_fixtures),
		cmocka_unit_test(test_canonical_rules),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_strict_documents),
		cmocka_unit_test(test_fixture_root_and_sigs),
		cmocka_unit_test(test_key_id_mismatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
