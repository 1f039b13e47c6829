/* Progress reporting without printing: long operations call back with bytes
 * done and the total (0 when unknown); the CLI draws the bar. */
#pragma once

#include <stdint.h>

typedef struct orb_progress {
    /* Called often; implementations rate-limit their own drawing. `phase` is
     * "download", "import", ... and `what` names the thing (URL, file). */
    void (*update)(void *ctx, const char *phase, const char *what, uint64_t done, uint64_t total);
    /* Called once when the operation ends, successfully or not. */
    void (*finish)(void *ctx);
    void *ctx;
} orb_progress;

static inline void orb_progress_update(const orb_progress *p, const char *phase, const char *what,
                                       uint64_t done, uint64_t total)
{
    if (p && p->update)
        p->update(p->ctx, phase, what, done, total);
}

static inline void orb_progress_finish(const orb_progress *p)
{
    if (p && p->finish)
        p->finish(p->ctx);
}
