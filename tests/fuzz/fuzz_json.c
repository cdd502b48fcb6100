/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: bj_parse, then walk the document with every accessor.
 *
 * Besides "no crash, no leak" (ASan/UBSan/LSan), it checks the accessors'
 * contract on every member: present members never report "absent", a
 * successful string has no NUL inside, an integer is within its range, an
 * error is -EINVAL and names the file.  Every string value is also written
 * as a JSON log record, which must parse back to the same text.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "common/common.h"

#define FILE_NAME "fuzz.json"
#define MAX_DEPTH 48

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int r, struct brig_err *e)
{
	if (r != -EINVAL && r != -ENOMEM)
		abort();
	const char *s = brig_err_str(e);
	if (strncmp(s, FILE_NAME ": ", strlen(FILE_NAME) + 2) != 0 || strchr(s, '\n'))
		abort();
	brig_err_clear(e);
}

/* The log record of a string parses back to that string (up to its NUL). */
static void check_log_record(const char *s)
{
	static char buf[1 << 16];
	struct timespec ts = { .tv_sec = 1, .tv_nsec = 2 };
	size_t n = brig_log_format_record(buf, sizeof(buf), BRIG_LOG_JSON, BRIG_LOG_INFO, s, &ts);
	if (n == 0 || n >= sizeof(buf) || buf[n - 1] != '\n' || memchr(buf, '\n', n - 1))
		abort();
	json_t *rec = json_loadb(buf, n, 0, NULL);
	if (!rec)
		abort();
	const char *msg = json_string_value(json_object_get(rec, "msg"));
	if (!msg)
		abort();
	/* Short enough never to be cut (6 bytes per input byte at most), and
	 * valid UTF-8 (json_string checks): it must come back unchanged. */
	json_t *valid = strlen(s) < sizeof(buf) / 8 ? json_string(s) : NULL;
	if (valid && strcmp(msg, s) != 0)
		abort();
	json_decref(valid);
	json_decref(rec);
}

static void probe_member(const json_t *obj, const struct bj_loc *at, const char *key,
			 struct brig_err *e)
{
	const char *s = NULL;
	bool b;
	int64_t i;
	uint64_t u;
	json_t *v = NULL;
	char **strv = NULL;
	int r;

	if ((r = bj_get_str(obj, at, key, true, &s, e)) == 0) {
		if (!s || strlen(s) != json_string_length(json_object_get(obj, key)))
			abort();
		check_log_record(s);
	} else if (r == 1) {
		abort();
	} else {
		check_err(r, e);
	}
	if ((r = bj_get_bool(obj, at, key, true, &b, e)) != 0)
		check_err(r, e);
	if ((r = bj_get_int(obj, at, key, true, -1000, 1000, &i, e)) == 0) {
		if (i < -1000 || i > 1000)
			abort();
	} else {
		check_err(r, e);
	}
	if ((r = bj_get_u64(obj, at, key, false, &u, e)) < 0)
		check_err(r, e);
	if ((r = bj_get_obj(obj, at, key, false, &v, e)) < 0)
		check_err(r, e);
	if ((r = bj_get_arr(obj, at, key, true, &v, e)) < 0)
		check_err(r, e);
	if ((r = bj_get(obj, at, key, true, JSON_REAL, &v, e)) < 0)
		check_err(r, e);
	if ((r = bj_get_strv(obj, at, key, true, 64, &strv, e)) == 0) {
		for (char **p = strv; *p; p++)
			if (strlen(*p) > json_string_length(json_array_get(
						 json_object_get(obj, key), (size_t)(p - strv))))
				abort();
		brig_strv_free(strv);
	} else if (r == 1) {
		abort();
	} else {
		check_err(r, e);
	}
}

static void walk(const json_t *v, const struct bj_loc *at, int depth, struct brig_err *e)
{
	static const char *const allowed[] = { "ociVersion", "process",  "root", "mounts",
					       "linux",      "hostname", NULL };
	int r;
	if (depth > MAX_DEPTH)
		return;
	if ((r = bj_expect(v, at, JSON_OBJECT, e)) < 0)
		check_err(r, e);
	if ((r = bj_expect(v, at, JSON_TRUE, e)) < 0)
		check_err(r, e);
	if (json_is_object(v)) {
		if ((r = bj_only_keys(v, at, allowed, e)) < 0)
			check_err(r, e);
		/* An absent member: 1 when optional, an error when required. */
		const char *s = NULL;
		if (!json_object_get(v, "\001absent")) {
			if (bj_get_str(v, at, "\001absent", false, &s, e) != 1 || s)
				abort();
			check_err(bj_get_str(v, at, "\001absent", true, &s, e), e);
		}
		const char *key;
		json_t *child;
		json_object_foreach((json_t *)v, key, child)
		{
			struct bj_loc sub;
			probe_member(v, at, key, e);
			bj_key(&sub, at, key);
			walk(child, &sub, depth + 1, e);
		}
	} else if (json_is_array(v)) {
		size_t idx;
		json_t *child;
		json_array_foreach(v, idx, child)
		{
			struct bj_loc sub;
			bj_idx(&sub, at, idx);
			walk(child, &sub, depth + 1, e);
		}
	} else if (json_is_string(v)) {
		check_log_record(json_string_value(v));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct brig_err e = { 0 };
	json_t *doc = NULL;
	if (size > (1 << 20))
		return 0;
	int r = bj_parse((const char *)data, size, FILE_NAME, &doc, &e);
	if (r < 0) {
		if (r != -EINVAL || doc || strchr(brig_err_str(&e), '\n'))
			abort();
		brig_err_clear(&e);
		return 0;
	}
	struct bj_loc root;
	bj_root(&root, FILE_NAME);
	walk(doc, &root, 0, &e);
	json_decref(doc);
	brig_err_clear(&e);
	return 0;
}
