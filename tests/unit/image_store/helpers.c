/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/unit/testutil.h"
#include "helpers.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>

void th_mkdtemp(char *buf, size_t size)
{
	char tmpl[] = "/tmp/brig-imgstore-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	assert_true(strlen(tmpl) < size);
	memcpy(buf, tmpl, sizeof(tmpl));
}

void th_rmtree(const char *dir)
{
	struct brig_err e = { 0 };
	if (brig_rm_rf(AT_FDCWD, dir, &e) < 0)
		fprintf(stderr, "cleanup of %s: %s\n", dir, brig_err_str(&e));
	brig_err_clear(&e);
}

struct img_store *th_store_new(char *dir, size_t size)
{
	th_mkdtemp(dir, size);
	struct brig_err e = { 0 };
	struct img_store *s = NULL;
	int r = img_store_open(dir, true, &s, &e);
	if (r < 0) {
		fprintf(stderr, "# img_store_open: %s\n", brig_err_str(&e));
		fail();
	}
	return s;
}

static void octal(char *field, size_t width, unsigned long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%0*lo", (int)width - 1, v);
	assert_int_equal(n, (int)width - 1);
	memcpy(field, tmp, width);
}

void th_tar(const char *content, char **buf, size_t *len)
{
	size_t clen = strlen(content);
	size_t data_blocks = (clen + 511) / 512;
	size_t total = 512 + data_blocks * 512 + 1024;
	unsigned char *t = calloc(1, total);
	assert_non_null(t);
	memcpy(t, "hello", 5);
	octal((char *)t + 100, 8, 0644);
	octal((char *)t + 108, 8, 0);
	octal((char *)t + 116, 8, 0);
	octal((char *)t + 124, 12, clen);
	octal((char *)t + 136, 12, 1700000000);
	t[156] = '0';
	memcpy(t + 257, "ustar", 6);
	memcpy(t + 263, "00", 2);
	memset(t + 148, ' ', 8);
	unsigned long sum = 0;
	for (int i = 0; i < 512; i++)
		sum += t[i];
	(void)snprintf((char *)t + 148, 8, "%06lo", sum);
	t[155] = ' ';
	memcpy(t + 512, content, clen);
	*buf = (char *)t;
	*len = total;
}

char *th_config_json(const char *content, const char *layer)
{
	char *cfg = NULL;
	int n = asprintf(&cfg,
			 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":"
			 "[\"/hello\"],\"Env\":[\"PATH=/bin\"],\"Labels\":{\"t\":\"%s\"}},"
			 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]},"
			 "\"history\":[{\"created_by\":\"test\"}]}",
			 content, layer);
	assert_true(n > 0);
	return cfg;
}

void th_config_digest(const char *content, char digest[IMG_DIGEST_SIZE])
{
	char *tar = NULL, hex[BRIG_SHA256_HEX], layer[IMG_DIGEST_SIZE];
	size_t tlen = 0;
	th_tar(content, &tar, &tlen);
	assert_int_equal(brig_sha256_buf(tar, tlen, hex), 0);
	free(tar);
	(void)snprintf(layer, sizeof(layer), "sha256:%s", hex);
	char *cfg = th_config_json(content, layer);
	assert_int_equal(brig_sha256_buf(cfg, strlen(cfg), hex), 0);
	free(cfg);
	(void)snprintf(digest, IMG_DIGEST_SIZE, "sha256:%s", hex);
}

void th_make_image(struct img_store *s, const char *content, struct th_image *out)
{
	struct brig_err e = { 0 };
	memset(out, 0, sizeof(*out));
	char *tar = NULL;
	size_t tlen = 0;
	th_tar(content, &tar, &tlen);
	assert_int_equal(img_blob_put(s, tar, tlen, out->layer, &e), 0);
	out->layer_size = tlen;
	free(tar);

	char *cfg = th_config_json(content, out->layer);
	int n = (int)strlen(cfg);
	assert_int_equal(img_blob_put(s, cfg, (size_t)n, out->config, &e), 0);
	out->config_size = (size_t)n;
	free(cfg);

	n = asprintf(&out->manifest_json,
		     "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
		     "\"%s\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
		     "\"%s\",\"digest\":\"%s\",\"size\":%zu}]}",
		     IMG_MT_OCI_MANIFEST, IMG_MT_OCI_CONFIG, out->config, out->config_size,
		     IMG_MT_OCI_LAYER, out->layer, out->layer_size);
	assert_true(n > 0);
	out->manifest_size = (size_t)n;
	assert_int_equal(img_blob_put(s, out->manifest_json, (size_t)n, out->manifest, &e), 0);

	out->desc.media_type = strdup(IMG_MT_OCI_MANIFEST);
	assert_int_equal(img_media_type_info(IMG_MT_OCI_MANIFEST, &out->desc.info), 0);
	memcpy(out->desc.digest, out->manifest, IMG_DIGEST_SIZE);
	out->desc.size = out->manifest_size;
	brig_err_clear(&e);
}

void th_image_clear(struct th_image *im)
{
	free(im->manifest_json);
	img_descriptor_clear(&im->desc);
	memset(im, 0, sizeof(*im));
}

void th_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(brig_write_all(fd, data, len), 0);
	close(fd);
}

int th_count_temps(const char *dir)
{
	char path[PATH_MAX];
	(void)snprintf(path, sizeof(path), "%s/blobs/sha256", dir);
	DIR *d = opendir(path);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, ".tmp-", 5) == 0)
			n++;
	closedir(d);
	return n;
}

int th_run(char *const argv[], char **out)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = test_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		if (dup2(p[1], 1) < 0 || dup2(devnull, 2) < 0 || dup2(devnull, 0) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	char *buf = NULL;
	size_t len = 0;
	struct brig_err e = { 0 };
	int r = brig_read_fd(p[0], argv[0], 16 << 20, &buf, &len, &e);
	close(p[0]);
	brig_err_clear(&e);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (out)
		*out = buf;
	else
		free(buf);
	if (r < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

bool th_have(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char *copy = strdup(path), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char full[PATH_MAX];
		(void)snprintf(full, sizeof(full), "%s/%s", d, prog);
		found = access(full, X_OK) == 0;
	}
	free(copy);
	return found;
}

void th_err_has(struct brig_err *e, ...)
{
	va_list ap;
	va_start(ap, e);
	const char *msg = brig_err_str(e);
	for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
		if (!strstr(msg, s)) {
			va_end(ap);
			fprintf(stderr, "# error \"%s\" lacks \"%s\"\n", msg, s);
			fail();
		}
	va_end(ap);
}
