/* The apps' output: bounded log files with one rotation, and the line
 * prefixer that tags copies of the output with the app's name. Internal to
 * the executor; pure enough to be unit-tested without a pod. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* An app's log: appended, and renamed to path.1 (replacing it) when the next
 * byte would make it bigger than max, so the two files never hold more than
 * 2 * max bytes. */
typedef struct orb_app_log {
    int fd;
    char *path;
    size_t size;
    size_t max;
} orb_app_log;

int orb_app_log_open(orb_app_log *l, const char *path, size_t max, orb_error **err);
/* Writes all of buf, rotating as often as needed. */
int orb_app_log_write(orb_app_log *l, const void *buf, size_t len, orb_error **err);
void orb_app_log_close(orb_app_log *l);

/* A stream's prefixing state: output is tagged at line starts only, so a
 * line written in several pieces gets one prefix. */
typedef struct orb_line_prefixer {
    const char *prefix; /* e.g. "web: " (not owned) */
    bool mid_line;      /* the last byte seen was not a newline */
} orb_line_prefixer;

/* Copies in[0..len) to a new buffer (*ret, *ret_len; free it) with the prefix
 * inserted before every line start. */
void orb_prefix_lines(orb_line_prefixer *lp, const char *in, size_t len, char **ret,
                      size_t *ret_len);
