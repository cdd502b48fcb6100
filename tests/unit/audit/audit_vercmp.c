/* SPDX-License-Identifier: Apache-2.0 */
/* Reads "dpkg A B" or "apk A B" lines on stdin and prints, one line each,
 * -1, 0 or 1 as audit_dpkg_vercmp / audit_apk_vercmp order A and B. */
#include "audit/audit.h"

#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[4096];
	while (fgets(line, sizeof(line), stdin)) {
		char kind[8], a[2000], b[2000];
		if (sscanf(line, "%7s %1999s %1999s", kind, a, b) != 3) {
			fprintf(stderr, "bad line: %s", line);
			return 2;
		}
		int r = strcmp(kind, "apk") == 0 ? audit_apk_vercmp(a, b) : audit_dpkg_vercmp(a, b);
		printf("%d\n", r);
	}
	return ferror(stdin) ? 2 : 0;
}
