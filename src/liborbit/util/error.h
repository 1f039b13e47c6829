/* Error objects: every fallible library function takes `orb_error **err` as its
 * last argument, returns a negative value on failure and leaves *err set to a
 * heap object holding errno and a message. Callers add context with
 * orb_error_wrap() ("verify signature: no trusted key"). Only the CLI prints. */
#pragma once

#include <stdarg.h>

typedef struct orb_error {
    int errnum; /* errno-style code, 0 when the cause is not a system error */
    char *msg;
} orb_error;

/* Sets *err (if err is non-NULL and *err is NULL) and returns -1. */
int orb_err(orb_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like orb_err, with ": strerror(errnum)" appended to the message. */
int orb_err_sys(orb_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes the message of *err with "context: " and returns -1. */
int orb_err_wrap(orb_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void orb_error_free(orb_error *e);
void orb_error_freep(orb_error **e);
