/* `orbit list` and `orbit status`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pod_json.h"
#include "table.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/mem.h"
#include "util/strv.h"

enum { OPT_FORMAT, OPT_FULL, OPT_NO_LEGEND, OPT_WAIT, OPT_WAIT_READY, OPT_UUID_FILE };

typedef struct status_args {
    const char *format;
    bool full, no_legend;
    bool wait, wait_ready;
    int64_t wait_us, wait_ready_us; /* 0: forever */
    const char *uuid_file;
} status_args;

static const cli_option list_options[] = {
    {OPT_FORMAT, "format", CLI_REQUIRED_ARG, "FORMAT", "table (default), json or json-pretty"},
    {OPT_FULL, "full", CLI_NO_ARG, NULL, "full UUIDs and image IDs"},
    {OPT_NO_LEGEND, "no-legend", CLI_NO_ARG, NULL, "leave out the header line"},
    {0},
};

static const cli_option status_options[] = {
    {OPT_FORMAT, "format", CLI_REQUIRED_ARG, "FORMAT", "text (default), json or json-pretty"},
    {OPT_WAIT, "wait", CLI_OPTIONAL_ARG, "DURATION", "wait until the pod has exited"},
    {OPT_WAIT_READY, "wait-ready", CLI_OPTIONAL_ARG, "DURATION",
     "wait until every app of the pod has started"},
    {OPT_UUID_FILE, "uuid-file", CLI_REQUIRED_ARG, "FILE", "read the UUID from FILE"},
    {0},
};

static int parse_wait(const char *value, int64_t *ret)
{
    orb_error *err = NULL;
    *ret = 0;
    if (value && orb_parse_duration(value, ret, &err) < 0) {
        cli_errorf("%s", err->msg);
        orb_error_free(err);
        return -1;
    }
    return 0;
}

static int handle_option(void *ctx, int id, const char *value)
{
    status_args *a = ctx;
    switch (id) {
    case OPT_FORMAT:
        a->format = value;
        return 0;
    case OPT_FULL:
        a->full = true;
        return 0;
    case OPT_NO_LEGEND:
        a->no_legend = true;
        return 0;
    case OPT_WAIT:
        a->wait = true;
        return parse_wait(value, &a->wait_us);
    case OPT_WAIT_READY:
        a->wait_ready = true;
        return parse_wait(value, &a->wait_ready_us);
    case OPT_UUID_FILE:
        a->uuid_file = value;
        return 0;
    }
    return 0;
}

static bool format_ok(const cli_command *cmd, const char *format, const char *plain)
{
    if (!strcmp(format, plain) || !strcmp(format, "json") || !strcmp(format, "json-pretty"))
        return true;
    cli_usage_error(cmd, "unknown format \"%s\" (use %s, json or json-pretty)", format, plain);
    return false;
}

static void print_json(json_t *value, const char *format)
{
    char *text = json_dumps(value, JSON_PRESERVE_ORDER |
                                       (strcmp(format, "json-pretty") == 0 ? JSON_INDENT(4) : 0));
    puts(text);
    free(text);
    json_decref(value);
}

static void list_row(cli_table *t, const orb_pod *p, const orb_pod_status *s, bool full)
{
    char **apps = NULL, **images = NULL;
    for (size_t i = 0; i < s->n_apps; i++) {
        strv_push(&apps, s->apps[i].name);
        const char *id = s->apps[i].image_id ? s->apps[i].image_id : "";
        strv_push_take(&images, full ? xstrdup(id) : xstrndup(id, 7 + 12));
    }
    _cleanup_free_ char *app_list = strv_join(apps, ",");
    _cleanup_free_ char *image_list = strv_join(images, ",");
    _cleanup_free_ char *created = cli_format_time(s->created);
    _cleanup_free_ char *started = cli_format_time(s->started);
    strv_free(apps);
    strv_free(images);
    cli_table_addf(t, "%.*s", full ? 36 : 8, p->uuid);
    cli_table_add(t, app_list);
    cli_table_add(t, image_list);
    cli_table_add(t, orb_pod_state_name(s->state));
    cli_table_add(t, created);
    cli_table_add(t, started);
}

static int run_list(const cli_command *self, int argc, char **argv)
{
    status_args a = {.format = "table"};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 0, 0) || !format_ok(self, a.format, "table"))
        return EXIT_USAGE;
    orb_pod **pods = NULL;
    size_t n = 0;
    orb_error *err = NULL;
    if (orb_pod_list(cli_global.dir, &pods, &n, &err) < 0)
        return cli_error(err);
    cli_table t;
    cli_table_init(&t, 6);
    static const char *const legend[] = {"UUID", "APPS", "IMAGES", "STATE", "CREATED", "STARTED"};
    for (size_t i = 0; i < ARRAY_SIZE(legend); i++)
        cli_table_add(&t, legend[i]);
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++) {
        orb_pod_status s = {0};
        if (orb_pod_read_status(pods[i], &s, &err) < 0) {
            orb_error_freep(&err); /* a pod vanishing mid-listing is not an error */
            continue;
        }
        list_row(&t, pods[i], &s, a.full);
        json_array_append_new(array, cli_pod_json(pods[i], &s));
        orb_pod_status_clear(&s);
    }
    orb_pods_free(pods, n);
    if (strcmp(a.format, "table") == 0) {
        cli_table_print(&t, !a.no_legend);
        json_decref(array);
    } else {
        cli_table_clear(&t);
        print_json(array, a.format);
    }
    return EXIT_OK;
}

static bool pod_done(const orb_pod_status *s)
{
    return s->state != ORB_POD_RUNNING && s->state != ORB_POD_PREPARING &&
           s->state != ORB_POD_PREPARED && s->state != ORB_POD_EMBRYO;
}

/* Polls the pod until it has exited (or is ready): 0, or 1 when the wait
 * timed out. *pod is reopened on every round, since its state moves it. */
static int wait_for(orb_pod **pod, bool ready, int64_t timeout_us, orb_pod_status *s,
                    orb_error **err)
{
    int64_t deadline = orb_monotonic_ms() + timeout_us / 1000;
    for (;;) {
        if (orb_pod_read_status(*pod, s, err) < 0)
            return -1;
        if (ready ? (s->ready || pod_done(s)) : pod_done(s))
            return 0;
        if (timeout_us && orb_monotonic_ms() >= deadline)
            return 1;
        orb_pod_status_clear(s);
        usleep(20000);
        orb_pod *fresh = NULL;
        if (orb_pod_open((*pod)->data_dir, (*pod)->uuid, &fresh, err) < 0)
            return -1;
        orb_pod_free(*pod);
        *pod = fresh;
    }
}

static void print_text(const orb_pod_status *s)
{
    _cleanup_free_ char *created = cli_format_time(s->created);
    _cleanup_free_ char *started = cli_format_time(s->started);
    printf("state=%s\ncreated=%s\nstarted=%s\nnetworks=\n", orb_pod_state_name(s->state), created,
           started);
    if (s->pid > 0)
        printf("pid=%d\n", s->pid);
    printf("exited=%s\n", pod_done(s) ? "true" : "false");
    for (size_t i = 0; i < s->n_apps; i++)
        if (s->apps[i].exited)
            printf("app-%s=%d\n", s->apps[i].name, s->apps[i].exit_code);
}

static int run_status(const cli_command *self, int argc, char **argv)
{
    status_args a = {.format = "text"};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!format_ok(self, a.format, "text"))
        return EXIT_USAGE;
    _cleanup_(orb_pod_freep) orb_pod *pod = NULL;
    int status = cli_open_pod_arg(self, argc, argv, first, a.uuid_file, &pod);
    if (status != EXIT_OK)
        return status;
    orb_pod_status s = {0};
    orb_error *err = NULL;
    int r = a.wait_ready ? wait_for(&pod, true, a.wait_ready_us, &s, &err)
            : a.wait     ? wait_for(&pod, false, a.wait_us, &s, &err)
                         : orb_pod_read_status(pod, &s, &err);
    if (r < 0)
        return cli_error(err);
    if (r == 1)
        status = cli_errorf("pod %s: timed out waiting (it is %s)", pod->uuid,
                            orb_pod_state_name(s.state));
    else if (strcmp(a.format, "text") == 0)
        print_text(&s);
    else
        print_json(cli_pod_json(pod, &s), a.format);
    orb_pod_status_clear(&s);
    return status;
}

const cli_command cmd_list = {
    .name = "list",
    .args = "[--format=json|json-pretty] [--full] [--no-legend]",
    .summary = "List the pods and their state",
    .options = list_options,
    .run = run_list,
};

const cli_command cmd_status = {
    .name = "status",
    .args = "[OPTIONS] UUID",
    .summary = "Print a pod's state, pid, times and the exit codes of its apps",
    .description = "The JSON form uses rkt's api/v1 field names (name, state, networks,\n"
                   "app_names, apps[].{name,state,exit_code,image_id,...}, created_at,\n"
                   "started_at; times in nanoseconds). UUID may be an unambiguous prefix.",
    .options = status_options,
    .run = run_status,
};
