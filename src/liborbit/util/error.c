#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static int set_error(orb_error **err, int errnum, char *msg)
{
    if (!err || *err) {
        free(msg);
        return -1;
    }
    orb_error *e = xcalloc(1, sizeof(*e));
    e->errnum = errnum;
    e->msg = msg;
    *err = e;
    return -1;
}

int orb_err(orb_error **err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    return set_error(err, errnum, msg);
}

int orb_err_sys(orb_error **err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *what = xvasprintf(fmt, ap);
    va_end(ap);
    return set_error(err, errnum, xasprintf("%s: %s", what, strerror(errnum)));
}

int orb_err_wrap(orb_error **err, const char *fmt, ...)
{
    if (!err || !*err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *context = xvasprintf(fmt, ap);
    va_end(ap);
    char *msg = xasprintf("%s: %s", context, (*err)->msg);
    free((*err)->msg);
    (*err)->msg = msg;
    return -1;
}

void orb_error_free(orb_error *e)
{
    if (!e)
        return;
    free(e->msg);
    free(e);
}

void orb_error_freep(orb_error **e)
{
    orb_error_free(*e);
    *e = NULL;
}
