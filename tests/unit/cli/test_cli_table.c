/* SPDX-License-Identifier: Apache-2.0 */
/* The listing tables (cli/table.h): widths, minimums, escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"

/* The table as text. */
static char *print(const struct table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	table_print(t, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void expect_table(const struct table_col *cols, size_t ncols, const char *const *cells,
			 size_t nrows, const char *want)
{
	_cleanup_table_ struct table *t = table_new(cols, ncols);
	assert_non_null(t);
	for (size_t r = 0; r < nrows; r++)
		assert_int_equal(table_add(t, cells + r * ncols), 0);
	_cleanup_free_ char *got = print(t);
	if (strcmp(got, want) != 0)
		fail_msg("got\n%s\nwant\n%s", got, want);
}

/* Each column is its widest cell plus three spaces; the last is unpadded. */
static void widths_from_content(void **state)
{
	(void)state;
	static const struct table_col cols[] = { { "ID", 0 }, { "NAME", 0 }, { "X", 0 } };
	const char *cells[] = { "abcdef", "n", "last", "a", NULL, "" };
	expect_table(cols, 3, cells, 2,
		     "ID       NAME   X\n"
		     "abcdef   n      last\n"
		     "a               \n");
}

/* A minimum width (padding included) wins when it is wider. */
static void minimum_widths(void **state)
{
	(void)state;
	static const struct table_col cols[] = { { "DRIVER", 10 }, { "VOLUME NAME", 0 } };
	const char *cells[] = { "local", "v1" };
	expect_table(cols, 2, cells, 1, "DRIVER    VOLUME NAME\nlocal     v1\n");
}

/* Widths count characters: an ellipsis is one, not three bytes. */
static void widths_in_characters(void **state)
{
	(void)state;
	static const struct table_col cols[] = { { "CMD", 0 }, { "N", 0 } };
	const char *cells[] = { "ab\xe2\x80\xa6", "x", "abcd", "y" };
	expect_table(cols, 2, cells, 2, "CMD    N\nab\xe2\x80\xa6    x\nabcd   y\n");
}

/* Control characters are escaped, once, and the escape is what is
 * measured: no raw ESC, CR or LF reaches the terminal. */
static void cells_escaped(void **state)
{
	(void)state;
	static const struct table_col cols[] = { { "A", 0 }, { "B", 0 } };
	const char *cells[] = { "\x1b[2J", "x\ny" };
	expect_table(cols, 2, cells, 1, "A         B\n\\x1b[2J   x\\ny\n");
}

static void expect_tabbed(const char *text, const char *want)
{
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);
	assert_non_null(f);
	assert_int_equal(table_print_tabbed(text, f), 0);
	assert_int_equal(fclose(f), 0);
	if (strcmp(got, want) != 0)
		fail_msg("got\n%s\nwant\n%s", got, want);
	free(got);
}

/* "table {{.A}}\t{{.B}}": Docker's tabwriter, width 10 at least, padding 3. */
static void tabbed(void **state)
{
	(void)state;
	expect_tabbed("ID\tNAMES\nabc\tweb\n", "ID        NAMES\nabc       web\n");
	expect_tabbed("CONTAINER ID\tX\tY\n1\t2\t3\n",
		      "CONTAINER ID   X         Y\n1              2         3\n");
	/* counted in characters; the last cell unpadded; lines without tabs */
	expect_tabbed("h\xc3\xa9llo w\xc3\xb6rld\tb \nplain\n",
		      "h\xc3\xa9llo w\xc3\xb6rld   b \nplain\n");
	expect_tabbed("", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(widths_from_content),
		cmocka_unit_test(minimum_widths),
		cmocka_unit_test(widths_in_characters),
		cmocka_unit_test(cells_escaped),
		cmocka_unit_test(tabbed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
