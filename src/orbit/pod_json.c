#include "pod_json.h"

#include <string.h>
#include <time.h>

#include "schema/manifest.h"
#include "util/fs.h"
#include "util/mem.h"

static json_t *map_json(const orb_kv_list *l)
{
    json_t *o = json_object();
    for (size_t i = 0; l && i < l->n; i++)
        json_object_set_new(o, l->items[i].name, json_string(l->items[i].value));
    return o;
}

static void set_time(json_t *o, const char *key, int64_t us)
{
    if (us > 0)
        json_object_set_new(o, key, json_integer((json_int_t)us * 1000));
}

static const char *app_state(const orb_pod_status *s, const orb_app_status *a)
{
    if (a->exited)
        return "exited";
    if (a->started && s->state == ORB_POD_RUNNING)
        return "running";
    if (a->started)
        return "exited";
    return "created";
}

static json_t *app_json(const orb_pod_status *s, const orb_app_status *a, const orb_runtime_app *ra)
{
    json_t *o = json_pack("{s:s, s:s}", "name", a->name, "state", app_state(s, a));
    set_time(o, "created_at", s->created);
    set_time(o, "started_at", a->started_at);
    set_time(o, "finished_at", a->finished_at);
    if (a->exited)
        json_object_set_new(o, "exit_code", json_integer(a->exit_code));
    json_object_set_new(o, "image_id", json_string(a->image_id ? a->image_id : ""));
    if (ra && ra->app) {
        json_object_set_new(o, "user_annotations", map_json(&ra->app->user_annotations));
        json_object_set_new(o, "user_labels", map_json(&ra->app->user_labels));
    }
    return o;
}

static orb_pod_manifest *load_manifest(const orb_pod *p)
{
    orb_error *err = NULL;
    _cleanup_free_ char *json = orb_pod_read_file(p, ORB_POD_MANIFEST, &err);
    orb_pod_manifest *m = NULL;
    if (json)
        orb_pod_manifest_load(json, strlen(json), &m, &err);
    orb_error_free(err);
    return m;
}

json_t *cli_pod_json(const orb_pod *p, const orb_pod_status *s)
{
    _cleanup_(orb_pod_manifest_freep) orb_pod_manifest *m = load_manifest(p);
    json_t *names = json_array(), *apps = json_array();
    for (size_t i = 0; i < s->n_apps; i++) {
        const orb_runtime_app *ra = m && i < m->n_apps ? &m->apps[i] : NULL;
        json_array_append_new(names, json_string(s->apps[i].name));
        json_array_append_new(apps, app_json(s, &s->apps[i], ra));
    }
    json_t *o =
        json_pack("{s:s, s:s, s:[], s:o, s:o}", "name", p->uuid, "state",
                  orb_pod_state_name(s->state), "networks", "app_names", names, "apps", apps);
    set_time(o, "created_at", s->created);
    set_time(o, "started_at", s->started);
    json_object_set_new(o, "user_annotations", map_json(m ? &m->user_annotations : NULL));
    json_object_set_new(o, "user_labels", map_json(m ? &m->user_labels : NULL));
    if (s->pid > 0)
        json_object_set_new(o, "pid", json_integer(s->pid));
    return o;
}

int cli_open_pod_arg(const cli_command *cmd, int argc, char **argv, int first,
                     const char *uuid_file, orb_pod **ret)
{
    orb_error *err = NULL;
    _cleanup_free_ char *from_file = NULL;
    if (uuid_file) {
        if (!cli_expect_args(cmd, argc, argv, first, 0, 0))
            return EXIT_USAGE;
        size_t len = 0;
        if (orb_read_file(uuid_file, 256, &from_file, &len, &err) < 0)
            return cli_error(err);
        from_file[strcspn(from_file, " \t\r\n")] = '\0';
    } else if (!cli_expect_args(cmd, argc, argv, first, 1, 1))
        return EXIT_USAGE;
    if (orb_pod_open(cli_global.dir, from_file ? from_file : argv[first], ret, &err) < 0)
        return cli_error(err);
    return EXIT_OK;
}

char *cli_format_time(int64_t us)
{
    if (us <= 0)
        return xstrdup("");
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    char buf[64];
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
    return xstrdup(buf);
}
