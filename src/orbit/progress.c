#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include <unistd.h>

#include "util/mem.h"

/* Redraw at most this often; a bar is not worth more of the CPU. */
#define REDRAW_INTERVAL_MS 100

static void human_bytes(double bytes, char *buf, size_t size)
{
    static const char *const suffixes[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t i = 0;
    while (bytes >= 1024 && i + 1 < ARRAY_SIZE(suffixes)) {
        bytes /= 1024;
        i++;
    }
    snprintf(buf, size, i ? "%.1f %s" : "%.0f %s", bytes, suffixes[i]);
}

static void draw(cli_progress *p, const char *phase, uint64_t done, uint64_t total, double seconds)
{
    char have[32], all[32], rate[32];
    human_bytes((double)done, have, sizeof(have));
    human_bytes((double)total, all, sizeof(all));
    double per_second = seconds > 0 ? (double)done / seconds : 0;
    human_bytes(per_second, rate, sizeof(rate));
    const char *what = p->what;
    size_t len = strlen(what);
    if (len > 40)
        what += len - 40; /* the end of a URL says the most */
    fprintf(stderr, "\r\033[K%s %s%s  %s", phase, len > 40 ? "..." : "", what, have);
    if (total)
        fprintf(stderr, " / %s (%d%%)", all, (int)(100.0 * (double)done / (double)total));
    fprintf(stderr, "  %s/s", rate);
    if (total && per_second > 0 && done < total) {
        int eta = (int)((double)(total - done) / per_second);
        fprintf(stderr, "  ETA %d:%02d", eta / 60, eta % 60);
    }
    fflush(stderr);
    p->line_dirty = true;
}

static void update(void *ctx, const char *phase, const char *what, uint64_t done, uint64_t total)
{
    cli_progress *p = ctx;
    int64_t now = orb_monotonic_ms();
    if (!p->what || strcmp(p->what, what) != 0) {
        free(p->what);
        p->what = xstrdup(what);
        p->started_ns = now;
        p->drawn_ms = 0;
    }
    bool complete = total && done >= total;
    if (!complete && now - p->drawn_ms < REDRAW_INTERVAL_MS)
        return;
    p->drawn_ms = now;
    draw(p, phase, done, total, (double)(now - p->started_ns) / 1e9);
}

static void finish(void *ctx)
{
    cli_progress *p = ctx;
    if (p->line_dirty)
        fputs("\r\033[K", stderr);
    p->line_dirty = false;
    free(p->what);
    p->what = NULL;
}

void cli_progress_init(cli_progress *p)
{
    *p = (cli_progress){.enabled = isatty(STDERR_FILENO) == 1};
    if (p->enabled)
        p->hooks = (orb_progress){.update = update, .finish = finish, .ctx = p};
}

void cli_progress_done(cli_progress *p)
{
    finish(p);
}
