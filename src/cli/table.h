/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tables of brig's listing commands (ps, images, volume ls, stats, top,
 * system df), in Docker's look: a header line, then a line a row; each
 * column as wide as its widest cell (counted in characters) plus three
 * spaces, or its minimum when that is wider; the last column unpadded.
 *
 * Every cell is escaped for the terminal (brig_term_escape) when it is
 * added, here and nowhere else: callers pass the text as they have it.
 * Truncation (--no-trunc) is the caller's choice of text.
 */
#ifndef BRIG_CLI_TABLE_H
#define BRIG_CLI_TABLE_H

#include "common/common.h"

#include <stdio.h>

struct table_col {
	const char *head;
	size_t min; /* the smallest width of the column, its padding included */
};

struct table;

/* A table of ncols columns (cols must outlive it); NULL when out of memory. */
struct table *table_new(const struct table_col *cols, size_t ncols);
/* Append a row of ncols cells (NULL is empty); -ENOMEM. */
int table_add(struct table *t, const char *const *cells);
/* The header, then the rows. */
void table_print(const struct table *t, FILE *f);
/* text (lines of cells separated by tabs, as a "table {{.A}}\t{{.B}}"
 * --format renders) aligned as Docker's tabwriter does: each tab-ended cell
 * padded to its column's widest plus three, ten at least.  -ENOMEM. */
int table_print_tabbed(const char *text, FILE *f);
void table_free(struct table *t);
static inline void table_freep(struct table **t)
{
	table_free(*t);
}
#define _cleanup_table_ _cleanup_(table_freep)

#endif
