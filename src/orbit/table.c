#include "table.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/mem.h"

void cli_table_init(cli_table *t, size_t columns)
{
    *t = (cli_table){.columns = columns};
}

void cli_table_add(cli_table *t, const char *cell)
{
    if (t->filled == t->capacity) {
        /* whole rows at a time, doubling, so long listings stay linear */
        size_t cells = t->capacity ? t->capacity * 2 : 16 * t->columns;
        t->cells = xrealloc(t->cells, cells * sizeof(char *));
        memset(t->cells + t->capacity, 0, (cells - t->capacity) * sizeof(char *));
        t->capacity = cells;
    }
    if (t->filled % t->columns == 0)
        t->rows++;
    t->cells[t->filled++] = xstrdup(cell ? cell : "");
}

void cli_table_addf(cli_table *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *cell = xvasprintf(fmt, ap);
    va_end(ap);
    cli_table_add(t, cell);
}

void cli_table_print(cli_table *t, bool legend)
{
    _cleanup_free_ size_t *width = xcalloc(t->columns, sizeof(size_t));
    for (size_t r = legend ? 0 : 1; r < t->rows; r++)
        for (size_t c = 0; c < t->columns; c++) {
            const char *cell = t->cells[r * t->columns + c];
            size_t len = cell ? strlen(cell) : 0;
            if (len > width[c])
                width[c] = len;
        }
    for (size_t r = legend ? 0 : 1; r < t->rows; r++) {
        for (size_t c = 0; c < t->columns; c++) {
            const char *cell = t->cells[r * t->columns + c];
            if (c + 1 == t->columns)
                printf("%s\n", cell ? cell : "");
            else
                printf("%-*s  ", (int)width[c], cell ? cell : "");
        }
    }
    cli_table_clear(t);
}

void cli_table_clear(cli_table *t)
{
    for (size_t i = 0; i < t->filled; i++)
        free(t->cells[i]);
    free(t->cells);
    *t = (cli_table){0};
}
