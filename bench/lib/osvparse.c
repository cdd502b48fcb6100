/* SPDX-License-Identifier: Apache-2.0 */
/*
 * osvparse DIR: bench/scan.sh's bound, "reading the records once": every
 * *.json file of DIR opened, read and parsed whole into a JSON tree by
 * jansson (the parser brig links), then freed.  No check, no match, no
 * image: only what reading a database of JSON records costs.  One buffer
 * is kept from file to file and the names are not sorted, so that this
 * is as quick as such a reading gets.  Prints the number of records.
 * Built by scan.sh: cc -O2 osvparse.c $(pkg-config --cflags --libs jansson)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: osvparse DIR\n");
		return 2;
	}
	DIR *d = opendir(argv[1]);
	if (!d) {
		perror(argv[1]);
		return 2;
	}
	char *buf = NULL;
	size_t cap = 0, records = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			perror(de->d_name);
			return 2;
		}
		if ((size_t)st.st_size + 1 > cap) {
			cap = (size_t)st.st_size + 1 < 65536 ? 65536 : (size_t)st.st_size + 1;
			if (!(buf = realloc(buf, cap)))
				return 2;
		}
		size_t len = 0;
		for (ssize_t n; (n = read(fd, buf + len, cap - len)) != 0; len += (size_t)n)
			if (n < 0 && errno != EINTR) {
				perror(de->d_name);
				return 2;
			} else if (n < 0) {
				n = 0;
			}
		close(fd);
		json_error_t err;
		json_t *doc = json_loadb(buf, len, 0, &err);
		if (!doc) {
			fprintf(stderr, "%s: %s\n", de->d_name, err.text);
			return 1;
		}
		records += json_is_array(doc) ? json_array_size(doc) : 1;
		json_decref(doc);
	}
	closedir(d);
	free(buf);
	printf("%zu\n", records);
	return 0;
}
