/* A progress bar on stderr for downloads and imports: bytes, rate and ETA.
 * Drawn only when stderr is a terminal; off a terminal nothing is printed. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/progress.h"

typedef struct cli_progress {
    orb_progress hooks; /* hand &hooks to the library */
    bool enabled;
    char *what;         /* the thing being shown */
    int64_t started_ns; /* when `what` began */
    int64_t drawn_ms;   /* when the bar was last drawn */
    bool line_dirty;    /* a bar is on the screen */
} cli_progress;

void cli_progress_init(cli_progress *p);
void cli_progress_done(cli_progress *p);
