#include "util/problems.h"

#include <errno.h>

#include "util/mem.h"
#include "util/strv.h"

void orb_problem_add(orb_problems *p, const char *fmt, ...)
{
    if (p->n >= ORB_PROBLEMS_MAX) {
        p->dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *line = xvasprintf(fmt, ap);
    va_end(ap);
    p->items = xrealloc(p->items, (p->n + 2) * sizeof(char *));
    p->items[p->n++] = line;
    p->items[p->n] = NULL;
}

void orb_problems_append(orb_problems *dst, const orb_problems *src, const char *prefix)
{
    for (size_t i = 0; i < src->n; i++)
        orb_problem_add(dst, "%s%s", prefix, src->items[i]);
    dst->dropped += src->dropped;
}

int orb_problems_to_error(const orb_problems *p, const char *what, orb_error **err)
{
    if (p->n == 0)
        return 0;
    _cleanup_free_ char *joined = strv_join(p->items, "; ");
    if (p->dropped)
        return orb_err(err, EINVAL, "%s: %s; and %zu more problems", what, joined, p->dropped);
    return orb_err(err, EINVAL, "%s: %s", what, joined);
}

void orb_problems_clear(orb_problems *p)
{
    strv_free(p->items);
    *p = (orb_problems){0};
}
