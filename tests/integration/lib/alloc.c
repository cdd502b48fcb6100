/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc MIB: allocate MIB mebibytes of anonymous memory and write to every
 * page of it, so that all of it is resident (and charged to the memory
 * cgroup), then print "touched MIB MiB" and exit 0.  Used by
 * report_examples.bats as the report's `stress --vm 1 --vm-bytes N`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: alloc MIB\n");
		return 2;
	}
	char *end = NULL;
	errno = 0;
	long mib = strtol(argv[1], &end, 10);
	if (errno || *end || mib <= 0 || mib > (1L << 20)) {
		fprintf(stderr, "alloc: bad size \"%s\"\n", argv[1]);
		return 2;
	}
	size_t len = (size_t)mib << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("alloc: mmap");
		return 1;
	}
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		page = 4096;
	for (size_t off = 0; off < len; off += (size_t)page)
		p[off] = 1;
	printf("touched %ld MiB\n", mib);
	return 0;
}
