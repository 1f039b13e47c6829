/* `orbit image gc`: reclaim rendered trees and images nothing uses. */
#include <stdio.h>

#include "cli.h"
#include "store/store.h"
#include "util/duration.h"
#include "util/mem.h"

enum { OPT_GRACE_PERIOD };

static const cli_option options[] = {
    {OPT_GRACE_PERIOD, "grace-period", CLI_REQUIRED_ARG, "DURATION",
     "remove images not used for this long (default 24h; e.g. 30m, 1h30m, 0)"},
    {0},
};

static int handle_option(void *ctx, int id, const char *value)
{
    (void)id;
    orb_error *err = NULL;
    if (orb_parse_duration(value, ctx, &err) == 0)
        return 0;
    cli_usage_error(&cmd_image_gc, "--grace-period: %s", err->msg);
    orb_error_free(err);
    return -1;
}

static int run(const cli_command *self, int argc, char **argv)
{
    int64_t grace_us = 24LL * 3600 * 1000000;
    int first = cli_parse(self, argc, argv, handle_option, &grace_us);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 0, 0))
        return EXIT_USAGE;
    _cleanup_(orb_store_closep) orb_store *store = NULL;
    if (cli_open_store(&store) != EXIT_OK)
        return EXIT_FAIL;
    orb_gc_report report = {0};
    orb_error *err = NULL;
    if (orb_store_gc(store, grace_us, &report, &err) < 0)
        return cli_error(err);
    printf("removed %zu rendered trees, %zu images and %zu leftovers; %.1f MiB freed\n",
           report.renders_removed, report.images_removed, report.leftovers_removed,
           (double)report.bytes_freed / (1024.0 * 1024.0));
    return EXIT_OK;
}

const cli_command cmd_image_gc = {
    .name = "image gc",
    .args = "[--grace-period=DURATION]",
    .summary = "Remove rendered trees no pod uses, then images unused for the grace period",
    .options = options,
    .run = run,
};
