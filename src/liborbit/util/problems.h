/* A list of validation problems, each "field.path: reason" or "entry: reason".
 * Validators record every problem they find instead of stopping at the first,
 * so `orbit image validate` can report them all, one per line. */
#pragma once

#include <stddef.h>

#include "util/error.h"

/* Hostile input can have a problem in each of millions of entries: only the
 * first ORB_PROBLEMS_MAX are kept, the rest are counted. */
#define ORB_PROBLEMS_MAX 200

typedef struct orb_problems {
    char **items;   /* NULL-terminated */
    size_t n;       /* lines in items */
    size_t dropped; /* problems found after the first ORB_PROBLEMS_MAX */
} orb_problems;

void orb_problem_add(orb_problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends every problem of src to dst, each line prefixed with `prefix`
 * (may be ""), keeping the count of dropped ones. */
void orb_problems_append(orb_problems *dst, const orb_problems *src, const char *prefix);
/* Turns the problems into one error: "what: first; second; ..." and returns -1;
 * returns 0 when there are none. */
int orb_problems_to_error(const orb_problems *p, const char *what, orb_error **err);
void orb_problems_clear(orb_problems *p);
