/* SPDX-License-Identifier: Apache-2.0 */
/* The listing commands' one table printer (table.h). */
#include "cli/table.h"

#include <stdlib.h>
#include <string.h>

#define TABLE_PAD 3
#define TABLE_TAB_MIN 10 /* Docker's tabwriter: minimum width 10, padding 3 */

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

/* The cells of text's lines, cut at tabs: widths[k] is the widest cell k
 * that a tab ends (the last cell of a line is not aligned). */
static int tab_widths(const char *text, size_t **widths, size_t *ncols)
{
	size_t cap = 0;
	*widths = NULL;
	*ncols = 0;
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n"), k = 0;
		for (const char *c = line; c < line + len; k++) {
			const char *tab = memchr(c, '\t', (size_t)(line + len - c));
			if (!tab)
				break;
			size_t w = 0;
			for (const char *p = c; p < tab; p++)
				w += ((unsigned char)*p & 0xc0) != 0x80;
			if (k >= cap) {
				size_t *nw = realloc(*widths, (cap = k + 8) * sizeof(*nw));
				if (!nw)
					return -ENOMEM;
				*widths = nw;
			}
			if (k >= *ncols) {
				for (size_t i = *ncols; i <= k; i++)
					(*widths)[i] = 0;
				*ncols = k + 1;
			}
			if (w > (*widths)[k])
				(*widths)[k] = w;
			c = tab + 1;
		}
		line += len + (line[len] == '\n');
	}
	return 0;
}

int table_print_tabbed(const char *text, FILE *f)
{
	_cleanup_free_ size_t *widths = NULL;
	size_t ncols;
	if (tab_widths(text, &widths, &ncols) < 0)
		return -ENOMEM;
	size_t k = 0, w = 0;
	for (const char *c = text; *c; c++) {
		if (*c == '\n' || *c != '\t') {
			fputc(*c, f);
			w += ((unsigned char)*c & 0xc0) != 0x80;
			if (*c == '\n')
				k = w = 0;
			continue;
		}
		size_t want = widths[k] + TABLE_PAD;
		if (want < TABLE_TAB_MIN)
			want = TABLE_TAB_MIN;
		fprintf(f, "%*s", (int)(want - w), "");
		k++;
		w = 0;
	}
	return 0;
}
