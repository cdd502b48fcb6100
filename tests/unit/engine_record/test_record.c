/* SPDX-License-Identifier: Apache-2.0 */
/* Container records: a good one, a missing field, a wrong type, an
 * oversize file; errors name the file and the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/record-internal.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIFF "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* A record as eng_create writes it, trimmed to what the engine reads;
 * %s are replaced by the State and the Brig.Userns members. */
static const char GOOD[] =
	"{\"Id\": \"" ID "\", \"Name\": \"/web\", \"Image\": \"sha256:cfg\","
	" \"Created\": \"2026-01-01T00:00:00.000000000Z\", \"Driver\": \"copy\","
	" \"RestartCount\": 3,"
	" \"State\": {\"Status\": \"running\", \"Running\": true, \"Pid\": 42,"
	"   \"ExitCode\": 0, \"Error\": \"\", \"OOMKilled\": false, \"Paused\": false,"
	"   \"StartedAt\": \"2026-01-01T00:00:01Z\", \"FinishedAt\": \"0001-01-01T00:00:00Z\"},"
	" \"Config\": {\"Tty\": true, \"OpenStdin\": false, \"StopSignal\": \"SIGINT\","
	"   \"StopTimeout\": 5, \"Image\": \"busybox\"},"
	" \"HostConfig\": {\"AutoRemove\": false, \"GroupAdd\": [\"audio\"],"
	"   \"RestartPolicy\": {\"Name\": \"on-failure\", \"MaximumRetryCount\": 4},"
	"   \"LogConfig\": {\"Type\": \"json-file\", \"Config\": {\"max-size\": 1024, \"max-file\": 2}}},"
	" \"Mounts\": [{\"Type\": \"volume\", \"Name\": \"data\", \"Destination\": \"/d\"},"
	"   {\"Type\": \"bind\", \"Destination\": \"/b\"}],"
	" \"GraphDriver\": {\"Name\": \"copy\"},"
	" \"Brig\": {\"Spec\": {\"ociVersion\": \"1.0.2\"}, \"Binds\": [],"
	"   \"Layers\": [{\"digest\": \"sha256:x\", \"diffId\": \"" DIFF "\"}],"
	"   \"Userns\": {\"Mode\": \"auto\", \"HostUid\": 100000, \"HostGid\": 100000,"
	"     \"Size\": 65536, \"Slot\": 1}}}";

struct ctx {
	char dir[64];
	int dirfd;
	struct brig_err e;
	struct eng_record rec;
};

static int setup(void **state)
{
	static struct ctx c;
	memset(&c, 0, sizeof(c));
	(void)snprintf(c.dir, sizeof(c.dir), "/tmp/brig-record-XXXXXX");
	assert_non_null(mkdtemp(c.dir));
	c.dirfd = open(c.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(c.dirfd >= 0);
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	eng_record_clear(&c->rec);
	brig_err_clear(&c->e);
	(void)unlinkat(c->dirfd, ENG_RECORD, 0);
	(void)close(c->dirfd);
	(void)rmdir(c->dir);
	return 0;
}

static void put(struct ctx *c, const char *text, size_t len)
{
	assert_int_equal(brig_atomic_write(c->dirfd, ENG_RECORD, text, len, 0600, &c->e), 0);
}

/* GOOD with the first occurrence of from replaced by to. */
static void put_edited(struct ctx *c, const char *from, const char *to)
{
	const char *at = strstr(GOOD, from);
	assert_non_null(at);
	char *buf = NULL;
	assert_true(asprintf(&buf, "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from)) > 0);
	put(c, buf, strlen(buf));
	free(buf);
}

static void expect_error(struct ctx *c, const char *part1, const char *part2)
{
	assert_true(eng_record_load(c->dirfd, ID, &c->rec, &c->e) < 0);
	const char *msg = brig_err_str(&c->e);
	print_message("# %s\n", msg);
	if (!strstr(msg, part1) || !strstr(msg, part2))
		fail_msg("error \"%s\" does not name %s and %s", msg, part1, part2);
}

static void test_good(void **state)
{
	struct ctx *c = *state;
	put(c, GOOD, strlen(GOOD));
	assert_int_equal(eng_record_load(c->dirfd, ID, &c->rec, &c->e), 0);
	struct eng_record *r = &c->rec;
	assert_string_equal(r->id, ID);
	assert_string_equal(r->name, "/web");
	assert_string_equal(r->image_ref, "busybox");
	assert_string_equal(r->driver, "copy");
	assert_int_equal(r->restart_count, 3);
	assert_int_equal(r->state.status, ENG_ST_RUNNING);
	assert_int_equal(r->state.pid, 42);
	assert_true(r->tty);
	assert_string_equal(r->stop_signal, "SIGINT");
	assert_int_equal(r->stop_timeout, 5);
	assert_int_equal(r->restart, ENG_RESTART_ON_FAILURE);
	assert_int_equal(r->restart_max, 4);
	assert_int_equal(r->log_max_size, 1024);
	assert_int_equal(r->log_max_files, 2);
	assert_string_equal(r->group_add[0], "audio");
	assert_int_equal(r->n_mounts, 2);
	assert_string_equal(r->mounts[0].name, "data");
	assert_null(r->mounts[1].name);
	assert_true(r->userns.enabled);
	assert_int_equal(r->userns.slot, 1);
	assert_int_equal(json_array_size(r->layers), 1);
}

/* Written back from the struct: a changed state and name land, the parts
 * kept as JSON (GraphDriver) are kept. */
static void test_write_back(void **state)
{
	struct ctx *c = *state;
	put(c, GOOD, strlen(GOOD));
	assert_int_equal(eng_record_load(c->dirfd, ID, &c->rec, &c->e), 0);
	assert_int_equal(eng_record_set_state(&c->rec, ENG_ST_EXITED, 0, 7, "boom", &c->e), 0);
	free(c->rec.name);
	c->rec.name = strdup("/db");
	assert_int_equal(eng_record_write(c->dirfd, &c->rec, &c->e), 0);
	eng_record_clear(&c->rec);
	assert_int_equal(eng_record_load(c->dirfd, ID, &c->rec, &c->e), 0);
	assert_int_equal(c->rec.state.status, ENG_ST_EXITED);
	assert_int_equal(c->rec.state.exit_code, 7);
	assert_int_equal(c->rec.state.pid, 0);
	assert_string_equal(c->rec.state.error, "boom");
	assert_string_equal(c->rec.name, "/db");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(c->rec.doc, "GraphDriver"), "Name")),
			    "copy");
}

/* A load after this process's own write takes the memo (record_memo.c):
 * it must return what was written, not what the caller changed since, and
 * never the memo when the file holds other bytes. */
static void test_memo(void **state)
{
	struct ctx *c = *state;
	put(c, GOOD, strlen(GOOD));
	assert_int_equal(eng_record_load(c->dirfd, ID, &c->rec, &c->e), 0);
	assert_int_equal(eng_record_set_state(&c->rec, ENG_ST_EXITED, 0, 9, NULL, &c->e), 0);
	assert_int_equal(eng_record_write(c->dirfd, &c->rec, &c->e), 0);
	/* changed in memory after the write, never written */
	assert_int_equal(json_object_set_new(json_object_get(c->rec.doc, "GraphDriver"), "Name",
					     json_string("unwritten")),
			 0);
	eng_record_clear(&c->rec);
	assert_int_equal(eng_record_load(c->dirfd, ID, &c->rec, &c->e), 0);
	assert_int_equal(c->rec.state.exit_code, 9);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(c->rec.doc, "GraphDriver"), "Name")),
			    "copy");
	/* written again, then replaced by another writer: the file wins */
	assert_int_equal(eng_record_write(c->dirfd, &c->rec, &c->e), 0);
	eng_record_clear(&c->rec);
	put_edited(c, "\"RestartCount\": 3", "\"RestartCount\": 11");
	assert_int_equal(eng_record_load(c->dirfd, ID, &c->rec, &c->e), 0);
	assert_int_equal(c->rec.restart_count, 11);
	assert_int_equal(c->rec.state.status, ENG_ST_RUNNING);
	/* the memo is taken once, by exactly its bytes */
	json_t *doc = json_pack("{s:i}", "a", 1);
	assert_non_null(doc);
	eng_record_memo_put(strdup("{\"a\": 1}"), 8, doc);
	assert_null(eng_record_memo_take("{\"a\": 2}", 8));
	json_t *got = eng_record_memo_take("{\"a\": 1}", 8);
	assert_non_null(got);
	assert_ptr_not_equal(got, doc);
	assert_true(json_equal(got, doc));
	assert_null(eng_record_memo_take("{\"a\": 1}", 8));
	json_decref(got);
	json_decref(doc);
}

/* Docker's shape has null for unset optional members: they read as absent. */
static void test_null_is_absent(void **state)
{
	struct ctx *c = *state;
	put_edited(c, "\"GroupAdd\": [\"audio\"]", "\"GroupAdd\": null, \"StopSignal\": null");
	assert_int_equal(eng_record_load(c->dirfd, ID, &c->rec, &c->e), 0);
	assert_null(c->rec.group_add);
}

/* Config.StopTimeout: Docker's -1 is "no SIGKILL", absent the default;
 * below -1 is refused. */
static void test_stop_timeout(void **state)
{
	struct ctx *c = *state;
	put_edited(c, "\"StopTimeout\": 5", "\"StopTimeout\": -1");
	assert_int_equal(eng_record_load(c->dirfd, ID, &c->rec, &c->e), 0);
	assert_int_equal(c->rec.stop_timeout, ENG_STOP_FOREVER);
	eng_record_clear(&c->rec);
	put_edited(c, "\"StopTimeout\": 5", "\"StopTimeout\": null");
	assert_int_equal(eng_record_load(c->dirfd, ID, &c->rec, &c->e), 0);
	assert_int_equal(c->rec.stop_timeout, -1);
	eng_record_clear(&c->rec);
	put_edited(c, "\"StopTimeout\": 5", "\"StopTimeout\": -2");
	expect_error(c, ENG_RECORD, "Config.StopTimeout");
}

static void test_missing_field(void **state)
{
	struct ctx *c = *state;
	put_edited(c, "\"Status\": \"running\",", "");
	expect_error(c, ENG_RECORD, "State.Status");
}

static void test_missing_brig(void **state)
{
	struct ctx *c = *state;
	put_edited(c, "\"Spec\": {\"ociVersion\": \"1.0.2\"},", "");
	expect_error(c, ENG_RECORD, "Brig.Spec");
}

static void test_wrong_type(void **state)
{
	struct ctx *c = *state;
	put_edited(c, "\"Pid\": 42", "\"Pid\": \"42\"");
	expect_error(c, ENG_RECORD, "State.Pid");
}

static void test_wrong_type_nested(void **state)
{
	struct ctx *c = *state;
	put_edited(c, "\"Slot\": 1", "\"Slot\": true");
	expect_error(c, ENG_RECORD, "Brig.Userns.Slot");
}

/* m's n extents are exactly want's. */
static void expect_extents(const struct eng_userns *u, bool gid, const uint32_t (*want)[3],
			   size_t n)
{
	uint32_t m[ENG_USERNS_EXTENTS][3];
	assert_int_equal(eng_userns_extents(u, gid, m), n);
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < 3; j++)
			assert_int_equal(m[i][j], want[i][j]);
}

/* --userns=keep-id: the caller's ids at the same ids inside, the slot's
 * around them; the record says so and needs the caller's ids. */
static void test_keep_id(void **state)
{
	struct ctx *c = *state;
	put_edited(c, "\"Mode\": \"auto\"",
		   "\"Mode\": \"keep-id\", \"RootHostUid\": 1001, \"RootHostGid\": 1002");
	assert_int_equal(eng_record_load(c->dirfd, ID, &c->rec, &c->e), 0);
	struct eng_userns *u = &c->rec.userns;
	assert_true(u->enabled && u->own_root && u->keep_id);
	static const uint32_t um[][3] = { { 0, 100000, 1001 },
					  { 1001, 1001, 1 },
					  { 1002, 101002, 64534 } };
	static const uint32_t gm[][3] = { { 0, 100000, 1002 },
					  { 1002, 1002, 1 },
					  { 1003, 101003, 64533 } };
	expect_extents(u, false, um, 3);
	expect_extents(u, true, gm, 3);
	uint32_t cid;
	assert_int_equal(eng_userns_to_host(u, 1001, false), 1001);
	assert_int_equal(eng_userns_to_host(u, 0, false), 100000);
	assert_true(eng_userns_from_host(u, 1001, false, &cid) && cid == 1001);
	assert_true(eng_userns_from_host(u, 100005, false, &cid) && cid == 5);
	assert_false(eng_userns_from_host(u, 101001, false, &cid)); /* no one's */
	assert_false(eng_userns_from_host(u, 99999, false, &cid));
	/* a uid past the slot: mapped beside it */
	u->root_uid = 70000;
	static const uint32_t big[][3] = { { 0, 100000, 65536 }, { 70000, 70000, 1 } };
	expect_extents(u, false, big, 2);
	/* plain rootless: the caller is root inside */
	u->keep_id = false;
	static const uint32_t rl[][3] = { { 0, 70000, 1 }, { 1, 100001, 65535 } };
	expect_extents(u, false, rl, 2);
	assert_false(eng_userns_from_host(u, 100000, false, &cid));
	eng_record_clear(&c->rec);
	put_edited(c, "\"Mode\": \"auto\"", "\"Mode\": \"keep-id\"");
	expect_error(c, ENG_RECORD, "Brig.Userns");
}

static void test_bad_value(void **state)
{
	struct ctx *c = *state;
	put_edited(c, "\"on-failure\"", "\"sometimes\"");
	expect_error(c, ENG_RECORD, "HostConfig.RestartPolicy.Name");
}

static void test_oversize(void **state)
{
	struct ctx *c = *state;
	size_t len = ENG_RECORD_MAX + 1;
	char *big = malloc(len);
	assert_non_null(big);
	memset(big, ' ', len);
	memcpy(big, GOOD, strlen(GOOD));
	put(c, big, len);
	free(big);
	expect_error(c, ENG_RECORD, "container 0123456789ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_is_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_brig, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_type_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
