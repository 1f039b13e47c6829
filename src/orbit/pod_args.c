#include "pod_args.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/acquire.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/strv.h"

enum {
    /* pod */
    P_VOLUME = 1,
    P_PORT,
    P_SET_ENV,
    P_SET_ENV_FILE,
    P_INHERIT_ENV,
    P_NO_OVERLAY,
    P_PULL_POLICY,
    P_POD_MANIFEST,
    P_UUID_FILE_SAVE,
    P_QUIET,
    /* run */
    R_NET,
    R_DNS,
    R_DNS_SEARCH,
    R_DNS_OPT,
    R_HOSTS_ENTRY,
    R_HOSTNAME,
    R_INTERACTIVE,
    R_STOP_ON_FAILURE,
    /* app */
    A_NAME,
    A_EXEC,
    A_USER,
    A_GROUP,
    A_SUPPLEMENTARY_GIDS,
    A_WORKING_DIR,
    A_READONLY_ROOTFS,
    A_MOUNT,
    A_ENVIRONMENT,
    A_ANNOTATION,
    A_USER_ANNOTATION,
    A_USER_LABEL,
    A_MEMORY,
    A_CPU,
    A_CPU_SHARES,
    A_OOM_SCORE_ADJ,
    A_CAPS_RETAIN,
    A_CAPS_REMOVE,
    A_SECCOMP,
};

const cli_option pod_prepare_options[] = {
    {P_VOLUME, "volume", CLI_REQUIRED_ARG, "NAME,kind=host|empty,...",
     "a volume: NAME,kind=host,source=/x[,readOnly=true][,recursive=false] or "
     "NAME,kind=empty[,mode=0755][,uid=0][,gid=0]"},
    {P_PORT, "port", CLI_REQUIRED_ARG, "NAME:HOSTPORT", "expose an app port on the host"},
    {P_SET_ENV, "set-env", CLI_REQUIRED_ARG, "K=V", "an environment variable for every app"},
    {P_SET_ENV_FILE, "set-env-file", CLI_REQUIRED_ARG, "FILE",
     "environment variables for every app, K=V per line"},
    {P_INHERIT_ENV, "inherit-env", CLI_NO_ARG, NULL, "every app gets this environment too"},
    {P_NO_OVERLAY, "no-overlay", CLI_NO_ARG, NULL, "copy each app's tree instead of an overlay"},
    {P_PULL_POLICY, "pull-policy", CLI_REQUIRED_ARG, "POLICY",
     "never, new (default) or update: when to fetch images"},
    {P_POD_MANIFEST, "pod-manifest", CLI_REQUIRED_ARG, "FILE", "run this pod manifest"},
    {P_UUID_FILE_SAVE, "uuid-file-save", CLI_REQUIRED_ARG, "FILE", "write the pod's UUID to FILE"},
    {P_QUIET, "quiet", CLI_NO_ARG, NULL, "print only the UUID (prepare)"},
    {0},
};

const cli_option pod_run_options[] = {
    {R_NET, "net", CLI_REQUIRED_ARG, "host|none",
     "host: the host's network (default); none: loopback only"},
    {R_DNS, "dns", CLI_REQUIRED_ARG, "IP|host|none", "a name server (repeatable), or the host's"},
    {R_DNS_SEARCH, "dns-search", CLI_REQUIRED_ARG, "DOMAIN", "a DNS search domain"},
    {R_DNS_OPT, "dns-opt", CLI_REQUIRED_ARG, "OPT", "a resolv.conf option"},
    {R_HOSTS_ENTRY, "hosts-entry", CLI_REQUIRED_ARG, "IP=HOST|host",
     "an /etc/hosts entry, or the host's /etc/hosts"},
    {R_HOSTNAME, "hostname", CLI_REQUIRED_ARG, "NAME", "the pod's hostname (default orbit-<uuid>)"},
    {R_INTERACTIVE, "interactive", CLI_NO_ARG, NULL, "attach the terminal to the (single) app"},
    {R_STOP_ON_FAILURE, "stop-on-failure", CLI_NO_ARG, NULL,
     "stop the pod as soon as an app fails"},
    {0},
};

const cli_option pod_app_options[] = {
    {A_NAME, "name", CLI_REQUIRED_ARG, "NAME", "the app's name in the pod"},
    {A_EXEC, "exec", CLI_REQUIRED_ARG, "PROGRAM", "run PROGRAM instead of the image's"},
    {A_USER, "user", CLI_REQUIRED_ARG, "USER", "run as USER (name, UID or /path)"},
    {A_GROUP, "group", CLI_REQUIRED_ARG, "GROUP", "run as GROUP (name, GID or /path)"},
    {A_SUPPLEMENTARY_GIDS, "supplementary-gids", CLI_REQUIRED_ARG, "GID,...",
     "supplementary groups"},
    {A_WORKING_DIR, "working-dir", CLI_REQUIRED_ARG, "DIR", "the working directory"},
    {A_READONLY_ROOTFS, "readonly-rootfs", CLI_NO_ARG, NULL, "mount the app's root read-only"},
    {A_MOUNT, "mount", CLI_REQUIRED_ARG, "volume=NAME,target=PATH", "mount a volume"},
    {A_ENVIRONMENT, "environment", CLI_REQUIRED_ARG, "K=V", "an environment variable"},
    {A_ANNOTATION, "annotation", CLI_REQUIRED_ARG, "K=V", "an annotation of the app"},
    {A_USER_ANNOTATION, "user-annotation", CLI_REQUIRED_ARG, "K=V", "a user annotation"},
    {A_USER_LABEL, "user-label", CLI_REQUIRED_ARG, "K=V", "a user label"},
    {A_MEMORY, "memory", CLI_REQUIRED_ARG, "SIZE", "memory limit (512M, 1Gi or bytes)"},
    {A_CPU, "cpu", CLI_REQUIRED_ARG, "CPUS", "CPU limit (500m or cores)"},
    {A_CPU_SHARES, "cpu-shares", CLI_REQUIRED_ARG, "N", "CPU shares (2..262144)"},
    {A_OOM_SCORE_ADJ, "oom-score-adj", CLI_REQUIRED_ARG, "N", "OOM score adjustment"},
    {A_CAPS_RETAIN, "caps-retain", CLI_REQUIRED_ARG, "CAP,...", "capabilities to keep"},
    {A_CAPS_REMOVE, "caps-remove", CLI_REQUIRED_ARG, "CAP,...", "capabilities to drop"},
    {A_SECCOMP, "seccomp", CLI_REQUIRED_ARG, "mode=retain|remove,...", "a seccomp filter"},
    {0},
};

typedef struct parse_ctx {
    const cli_command *cmd;
    pod_args *a;
    orb_app_request *app; /* the app being described, or NULL */
} parse_ctx;

static int key_value(const parse_ctx *c, const char *option, const char *value, orb_kv_list *l)
{
    const char *eq = strchr(value, '=');
    if (!eq || eq == value) {
        cli_usage_error(c->cmd, "--%s=%s: expected KEY=VALUE", option, value);
        return -1;
    }
    _cleanup_free_ char *key = xstrndup(value, (size_t)(eq - value));
    orb_kv_set(l, key, eq + 1);
    return 0;
}

static int handle_pod(parse_ctx *c, int id, const char *value)
{
    orb_pod_request *r = &c->a->req;
    switch (id) {
    case P_VOLUME:
        strv_push(&r->volumes, value);
        return 0;
    case P_PORT:
        strv_push(&r->ports, value);
        return 0;
    case P_SET_ENV:
        return key_value(c, "set-env", value, &r->set_env);
    case P_SET_ENV_FILE:
        strv_push(&r->set_env_files, value);
        return 0;
    case P_INHERIT_ENV:
        r->inherit_env = true;
        return 0;
    case P_NO_OVERLAY:
        r->no_overlay = true;
        return 0;
    case P_PULL_POLICY:
        if (orb_pull_policy_from_name(value, &r->acquire.pull) == 0)
            return 0;
        cli_usage_error(c->cmd, "unknown pull policy \"%s\" (use never, new or update)", value);
        return -1;
    case P_POD_MANIFEST:
        r->pod_manifest_path = value;
        return 0;
    case P_UUID_FILE_SAVE:
        c->a->uuid_file_save = value;
        return 0;
    case P_QUIET:
        c->a->quiet = true;
        return 0;
    }
    return 1; /* not a pod option */
}

static int handle_run(parse_ctx *c, int id, const char *value)
{
    orb_run_options *o = &c->a->run;
    switch (id) {
    case R_NET:
        if (strcmp(value, "host") == 0 || strcmp(value, "none") == 0) {
            o->net = strcmp(value, "host") == 0 ? ORB_NET_HOST : ORB_NET_NONE;
            return 0;
        }
        cli_usage_error(c->cmd, "--net=%s: use host or none (private networks come later)", value);
        return -1;
    case R_DNS:
        strv_push(&o->dns, value);
        return 0;
    case R_DNS_SEARCH:
        strv_push(&o->dns_search, value);
        return 0;
    case R_DNS_OPT:
        strv_push(&o->dns_opt, value);
        return 0;
    case R_HOSTS_ENTRY:
        strv_push(&o->hosts_entries, value);
        return 0;
    case R_HOSTNAME:
        o->hostname = value;
        return 0;
    case R_INTERACTIVE:
        o->interactive = true;
        return 0;
    case R_STOP_ON_FAILURE:
        o->stop_on_failure = true;
        return 0;
    }
    return 1;
}

static void set_string(char **field, const char *value)
{
    free(*field);
    *field = xstrdup(value);
}

static int handle_app_kv(parse_ctx *c, int id, const char *value)
{
    orb_app_request *app = c->app;
    switch (id) {
    case A_ENVIRONMENT:
        return key_value(c, "environment", value, &app->environment);
    case A_ANNOTATION:
        return key_value(c, "annotation", value, &app->annotations);
    case A_USER_ANNOTATION:
        return key_value(c, "user-annotation", value, &app->user_annotations);
    case A_USER_LABEL:
        return key_value(c, "user-label", value, &app->user_labels);
    }
    return 1;
}

static int handle_app(parse_ctx *c, int id, const char *value)
{
    orb_app_request *app = c->app;
    char **strings[] = {
        [A_NAME] = &app->name,
        [A_EXEC] = &app->exec,
        [A_USER] = &app->user,
        [A_GROUP] = &app->group,
        [A_SUPPLEMENTARY_GIDS] = &app->supplementary_gids,
        [A_WORKING_DIR] = &app->working_dir,
        [A_MEMORY] = &app->memory,
        [A_CPU] = &app->cpu,
        [A_CPU_SHARES] = &app->cpu_shares,
        [A_OOM_SCORE_ADJ] = &app->oom_score_adj,
        [A_CAPS_RETAIN] = &app->caps_retain,
        [A_CAPS_REMOVE] = &app->caps_remove,
        [A_SECCOMP] = &app->seccomp,
    };
    if (id == A_READONLY_ROOTFS) {
        app->readonly_rootfs = true;
        return 0;
    }
    if (id == A_MOUNT) {
        strv_push(&app->mounts, value);
        return 0;
    }
    if (id < (int)ARRAY_SIZE(strings) && strings[id]) {
        set_string(strings[id], value);
        return 0;
    }
    return handle_app_kv(c, id, value);
}

static int handle_option(void *ctx, int id, const char *value)
{
    parse_ctx *c = ctx;
    if (c->app)
        return handle_app(c, id, value);
    int r = handle_pod(c, id, value);
    return r != 1 ? r : handle_run(c, id, value);
}

/* The table of options before the first image (or the UUID). */
static cli_option *leading_options(pod_args_kind kind)
{
    const cli_option *parts[2] = {NULL, NULL};
    if (kind != POD_ARGS_RUN_PREPARED)
        parts[0] = pod_prepare_options;
    if (kind != POD_ARGS_PREPARE)
        parts[1] = pod_run_options;
    size_t n = 0;
    for (size_t p = 0; p < 2; p++)
        for (const cli_option *o = parts[p]; o && o->name; o++)
            n++;
    cli_option *table = xcalloc(n + 1, sizeof(*table));
    n = 0;
    for (size_t p = 0; p < 2; p++)
        for (const cli_option *o = parts[p]; o && o->name; o++)
            table[n++] = *o;
    return table;
}

/* One app: argv[0] is the image (in getopt's place of the program name);
 * its options, then `--` and arguments.
 * Returns how many tokens it used, or -1. */
static int parse_app(parse_ctx *c, int argc, char **argv)
{
    orb_pod_request *r = &c->a->req;
    c->app = xgrow(&r->apps, &r->n_apps, sizeof(orb_app_request));
    c->app->image = xstrdup(argv[0]);
    int used = cli_parse_table(c->cmd, pod_app_options, true, argc, argv, handle_option, c);
    if (used < 0)
        return used;
    if (used > 1 && strcmp(argv[used - 1], "--") == 0) {
        c->app->has_args = true;
        for (int i = used; i < argc; i++)
            strv_push(&c->app->args, argv[i]);
        if (!c->app->args)
            c->app->args = xcalloc(1, sizeof(char *));
        return argc;
    }
    return used;
}

/* The apps of a segment between `---` separators. */
static int parse_apps(parse_ctx *c, int argc, char **argv)
{
    for (int i = 0; i < argc;) {
        int used = parse_app(c, argc - i, argv + i);
        if (used < 0)
            return used;
        i += used;
    }
    return 0;
}

static int finish(parse_ctx *c, pod_args_kind kind)
{
    orb_pod_request *r = &c->a->req;
    if (kind == POD_ARGS_RUN_PREPARED)
        return EXIT_OK;
    if (r->pod_manifest_path && r->n_apps)
        return cli_usage_error(c->cmd, "--pod-manifest replaces the images: give one or the other");
    if (!r->pod_manifest_path && !r->n_apps)
        return cli_usage_error(c->cmd, "no image given");
    if (c->a->run.interactive && r->n_apps != 1)
        return cli_usage_error(c->cmd, "--interactive needs exactly one app");
    return EXIT_OK;
}

int pod_args_parse(const cli_command *cmd, pod_args_kind kind, int argc, char **argv, pod_args *a,
                   int *ret_first)
{
    *a = (pod_args){.req = {.acquire = {.pull = ORB_PULL_NEW}}, .run = {.net = ORB_NET_HOST}};
    parse_ctx c = {.cmd = cmd, .a = a};
    _cleanup_free_ cli_option *leading = leading_options(kind);
    int first = cli_parse_table(cmd, leading, true, argc, argv, handle_option, &c);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (ret_first)
        *ret_first = first;
    for (int i = first; kind != POD_ARGS_RUN_PREPARED && i < argc;) {
        int end = i;
        while (end < argc && strcmp(argv[end], "---") != 0)
            end++;
        if (parse_apps(&c, end - i, argv + i) < 0)
            return EXIT_USAGE;
        i = end + 1;
    }
    a->run.prefix_output = a->req.n_apps > 1;
    return finish(&c, kind);
}

void pod_args_clear(pod_args *a)
{
    orb_pod_request_clear(&a->req);
    strv_free(a->run.dns);
    strv_free(a->run.dns_search);
    strv_free(a->run.dns_opt);
    strv_free(a->run.hosts_entries);
    *a = (pod_args){0};
}

int pod_args_save_uuid(const pod_args *a, const char *uuid)
{
    if (!a->uuid_file_save)
        return EXIT_OK;
    orb_error *err = NULL;
    orb_output out;
    if (orb_output_open(&out, a->uuid_file_save, true, 0644, &err) < 0)
        return cli_error(err);
    int r = orb_write_all(out.fd, uuid, strlen(uuid));
    if (r < 0)
        orb_err_sys(&err, errno, "write %s", a->uuid_file_save);
    else
        r = orb_output_commit(&out, &err);
    orb_output_discard(&out);
    return r < 0 ? cli_error(err) : EXIT_OK;
}
