/* Aligned text tables for list commands (`image list`, later `list`). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct cli_table {
    size_t columns;
    char **cells;    /* row-major, rows * columns; row 0 is the legend */
    size_t rows;     /* rows started */
    size_t filled;   /* cells added so far */
    size_t capacity; /* cells allocated */
} cli_table;

void cli_table_init(cli_table *t, size_t columns);
/* Appends a cell (copied); rows fill left to right. */
void cli_table_add(cli_table *t, const char *cell);
void cli_table_addf(cli_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the table, columns separated by two spaces; the first row is
 * skipped when !legend. Frees the table. */
void cli_table_print(cli_table *t, bool legend);
/* Frees the table without printing it. */
void cli_table_clear(cli_table *t);
