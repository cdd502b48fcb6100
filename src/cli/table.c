/* SPDX-License-Identifier: Apache-2.0 */
/* The listing commands' one table printer (table.h). */
#include "cli/table.h"

#include <stdlib.h>
#include <string.h>

#define TABLE_PAD 3

struct table {
	const struct table_col *cols;
	size_t ncols, nrows, cap; /* rows */
	char **cells; /* nrows * ncols, escaped */
	size_t *width; /* per column: the widest cell or head, in characters */
};

/* Characters, not bytes: an escaped cell is valid UTF-8 ("…" is one). */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

struct table *table_new(const struct table_col *cols, size_t ncols)
{
	struct table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cols = cols;
	t->ncols = ncols;
	if (!(t->width = calloc(ncols, sizeof(*t->width)))) {
		free(t);
		return NULL;
	}
	for (size_t k = 0; k < ncols; k++)
		t->width[k] = text_width(cols[k].head);
	return t;
}

static int grow(struct table *t)
{
	if (t->nrows < t->cap)
		return 0;
	size_t cap = t->cap ? t->cap * 2 : 16;
	char **c = reallocarray(t->cells, cap * t->ncols, sizeof(*c));
	if (!c)
		return -ENOMEM;
	t->cells = c;
	t->cap = cap;
	return 0;
}

int table_add(struct table *t, const char *const *cells)
{
	if (grow(t) < 0)
		return -ENOMEM;
	char **row = t->cells + t->nrows * t->ncols;
	for (size_t k = 0; k < t->ncols; k++) {
		const char *s = cells[k] ? cells[k] : "";
		if (!(row[k] = brig_term_escape(s, strlen(s)))) {
			while (k-- > 0)
				free(row[k]);
			return -ENOMEM;
		}
	}
	for (size_t k = 0; k < t->ncols; k++) {
		size_t w = text_width(row[k]);
		if (w > t->width[k])
			t->width[k] = w;
	}
	t->nrows++;
	return 0;
}

/* Line r of the table: its header when r is the row count. */
static void print_line(const struct table *t, FILE *f, size_t r)
{
	for (size_t k = 0; k < t->ncols; k++) {
		const char *s = r < t->nrows ? t->cells[r * t->ncols + k] : t->cols[k].head;
		fputs(s, f);
		if (k + 1 == t->ncols)
			break;
		size_t want = t->width[k] + TABLE_PAD, have = text_width(s);
		if (want < t->cols[k].min)
			want = t->cols[k].min;
		fprintf(f, "%*s", (int)(want - have), "");
	}
	fputc('\n', f);
}

void table_print(const struct table *t, FILE *f)
{
	print_line(t, f, t->nrows);
	for (size_t r = 0; r < t->nrows; r++)
		print_line(t, f, r);
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}
