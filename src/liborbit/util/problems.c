#include "util/problems.h"
#include <errno.h>

#include "util/mem.h"
#include "util/strv.h"

void orb_problem_add(orb_problems *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strv_push_take(&p->items, xvasprintf(fmt, ap));
    va_end(ap);
    p->n++;
}

int orb_problems_to_error(const orb_problems *p, const char *what, orb_error **err)
{
    if (p->n == 0)
        return 0;
    _cleanup_free_ char *joined = strv_join(p->items, "; ");
    return orb_err(err, EINVAL, "%s: %s", what, joined);
}

void orb_problems_clear(orb_problems *p)
{
    strv_free(p->items);
    p->items = NULL;
    p->n = 0;
}
