/* Reifying a pod manifest: the command line (or a given pod manifest) and the
 * images' manifests turned into the one manifest the executor runs. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pod/prepare.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/problems.h"

extern char **environ;

/* An env file or a manifest is small; refuse anything huge. */
#define ENV_FILE_MAX_SIZE (1024 * 1024)

void orb_app_request_clear(orb_app_request *r)
{
    if (!r)
        return;
    free(r->image);
    free(r->name);
    free(r->exec);
    strv_free(r->args);
    free(r->user);
    free(r->group);
    free(r->supplementary_gids);
    free(r->working_dir);
    orb_kv_list_clear(&r->environment);
    orb_kv_list_clear(&r->annotations);
    orb_kv_list_clear(&r->user_annotations);
    orb_kv_list_clear(&r->user_labels);
    strv_free(r->mounts);
    free(r->memory);
    free(r->cpu);
    free(r->cpu_shares);
    free(r->oom_score_adj);
    free(r->caps_retain);
    free(r->caps_remove);
    free(r->seccomp);
    *r = (orb_app_request){0};
}

void orb_pod_request_clear(orb_pod_request *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_apps; i++)
        orb_app_request_clear(&r->apps[i]);
    free(r->apps);
    strv_free(r->volumes);
    strv_free(r->ports);
    orb_kv_list_clear(&r->set_env);
    strv_free(r->set_env_files);
    orb_kv_list_clear(&r->annotations);
    *r = (orb_pod_request){0};
}

/* ---- names -------------------------------------------------------------- */

char *orb_app_name_from_image(const char *image_name)
{
    const char *slash = strrchr(image_name, '/');
    const char *last = slash ? slash + 1 : image_name;
    _cleanup_free_ char *s = xstrdup(last);
    for (char *c = s; *c; c++) {
        *c = (char)tolower((unsigned char)*c);
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
            *c = '-';
    }
    char *start = s;
    while (*start == '-')
        start++;
    size_t n = strlen(start);
    while (n > 0 && start[n - 1] == '-')
        start[--n] = '\0';
    return xstrdup(start);
}

static int app_name(const orb_app_request *a, const orb_image_manifest *img, size_t i, char **ret,
                    orb_error **err)
{
    if (a->name && *a->name) {
        const char *why = orb_check_ac_name(a->name);
        if (why)
            return orb_err(err, EINVAL, "apps[%zu]: --name \"%s\": %s", i, a->name, why);
        *ret = xstrdup(a->name);
        return 0;
    }
    _cleanup_free_ char *name = orb_app_name_from_image(img->name);
    if (orb_check_ac_name(name))
        return orb_err(err, EINVAL,
                       "apps[%zu]: cannot make an app name from image \"%s\" (use --name)", i,
                       img->name);
    *ret = TAKE_PTR(name);
    return 0;
}

/* ---- copying an image's app ----------------------------------------------- */

static orb_app *app_copy(const orb_app *src)
{
    orb_app *a = orb_app_new();
    a->exec = strv_copy(src->exec);
    a->user = src->user ? xstrdup(src->user) : NULL;
    a->group = src->group ? xstrdup(src->group) : NULL;
    if (src->n_supplementary_gids) {
        a->supplementary_gids = xcalloc(src->n_supplementary_gids, sizeof(int64_t));
        memcpy(a->supplementary_gids, src->supplementary_gids,
               src->n_supplementary_gids * sizeof(int64_t));
        a->n_supplementary_gids = src->n_supplementary_gids;
    }
    a->working_directory = src->working_directory ? xstrdup(src->working_directory) : NULL;
    for (size_t i = 0; i < src->n_event_handlers; i++) {
        orb_event_handler *h = xgrow(&a->event_handlers, &a->n_event_handlers, sizeof(*h));
        h->name = xstrdup(src->event_handlers[i].name);
        h->exec = strv_copy(src->event_handlers[i].exec);
    }
    orb_kv_list_copy(&a->environment, &src->environment);
    orb_isolator_list_copy(&a->isolators, &src->isolators);
    for (size_t i = 0; i < src->n_mount_points; i++)
        orb_mount_point_copy(xgrow(&a->mount_points, &a->n_mount_points, sizeof(orb_mount_point)),
                             &src->mount_points[i]);
    for (size_t i = 0; i < src->n_ports; i++)
        orb_port_copy(xgrow(&a->ports, &a->n_ports, sizeof(orb_port)), &src->ports[i]);
    orb_kv_list_copy(&a->user_annotations, &src->user_annotations);
    orb_kv_list_copy(&a->user_labels, &src->user_labels);
    return a;
}

/* ---- exec, identity ----------------------------------------------------- */

static int apply_exec(orb_app *app, const orb_app_request *a, const char *name, orb_error **err)
{
    char **exec = NULL;
    if (a->exec && *a->exec) {
        strv_push(&exec, a->exec);
    } else if (a->has_args) {
        if (!app->exec || !app->exec[0])
            return orb_err(err, EINVAL, "app %s: arguments given but the image has no exec", name);
        strv_push(&exec, app->exec[0]);
    } else {
        return 0;
    }
    for (size_t i = 0; a->has_args && a->args && a->args[i]; i++)
        strv_push(&exec, a->args[i]);
    strv_free(app->exec);
    app->exec = exec;
    return 0;
}

static int parse_gids(orb_app *app, const char *s, const char *name, orb_error **err)
{
    _cleanup_strv_ char **parts = strv_split(s, ',');
    free(app->supplementary_gids);
    app->supplementary_gids = NULL;
    app->n_supplementary_gids = 0;
    for (size_t i = 0; parts && parts[i]; i++) {
        char *end;
        errno = 0;
        long long v = strtoll(parts[i], &end, 10);
        if (!*parts[i] || *end || errno || v < 0 || v > UINT32_MAX)
            return orb_err(err, EINVAL, "app %s: --supplementary-gids: \"%s\" is not a group ID",
                           name, parts[i]);
        int64_t *g = xgrow(&app->supplementary_gids, &app->n_supplementary_gids, sizeof(int64_t));
        *g = v;
    }
    return 0;
}

static void replace_str(char **dst, const char *src)
{
    if (!src || !*src)
        return;
    free(*dst);
    *dst = xstrdup(src);
}

static int apply_identity(orb_app *app, const orb_app_request *a, const char *name, orb_error **err)
{
    replace_str(&app->user, a->user);
    replace_str(&app->group, a->group);
    replace_str(&app->working_directory, a->working_dir);
    if (a->supplementary_gids && parse_gids(app, a->supplementary_gids, name, err) < 0)
        return -1;
    /* an image without an app gives nothing to run as: root, as rkt does */
    if (!app->user)
        app->user = xstrdup("0");
    if (!app->group)
        app->group = xstrdup("0");
    return 0;
}

/* ---- environment ---------------------------------------------------------- */

static int env_file_load(const char *path, orb_kv_list *env, orb_error **err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (orb_read_file(path, ENV_FILE_MAX_SIZE, &buf, &len, err) < 0)
        return orb_err_wrap(err, "--set-env-file %s", path);
    if (memchr(buf, '\0', len))
        return orb_err(err, EINVAL, "--set-env-file %s: contains a NUL byte", path);
    size_t lineno = 0;
    for (char *line = buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        if (!eq || eq == p)
            return orb_err(err, EINVAL, "%s:%zu: expected NAME=VALUE", path, lineno);
        *eq = '\0';
        const char *why = orb_check_env_name(p);
        if (why)
            return orb_err(err, EINVAL, "%s:%zu: \"%s\": %s", path, lineno, p, why);
        orb_kv_set(env, p, eq + 1);
    }
    return 0;
}

static void merge_kv(orb_kv_list *dst, const orb_kv_list *src)
{
    for (size_t i = 0; i < src->n; i++)
        orb_kv_set(dst, src->items[i].name, src->items[i].value);
}

static void merge_host_env(orb_kv_list *env)
{
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || eq == *e)
            continue;
        _cleanup_free_ char *k = xstrndup(*e, (size_t)(eq - *e));
        if (!orb_check_env_name(k))
            orb_kv_set(env, k, eq + 1);
    }
}

/* rkt's order, lowest first: the host's environment (--inherit-env only
 * fills what the image does not set), the image, --set-env-file,
 * --set-env, the app's --environment. */
static int build_env(const orb_pod_request *r, const orb_app_request *a, orb_app *app,
                     orb_error **err)
{
    orb_kv_list env = {0};
    if (r->inherit_env)
        merge_host_env(&env);
    merge_kv(&env, &app->environment);
    for (size_t i = 0; r->set_env_files && r->set_env_files[i]; i++)
        if (env_file_load(r->set_env_files[i], &env, err) < 0) {
            orb_kv_list_clear(&env);
            return -1;
        }
    merge_kv(&env, &r->set_env);
    merge_kv(&env, &a->environment);
    orb_kv_list_clear(&app->environment);
    app->environment = env;
    return 0;
}

/* ---- isolators ------------------------------------------------------------ */

/* Validates value through the isolator decoder and puts it in place of any
 * isolator of the same name. Takes value. */
static int set_isolator(orb_app *app, const char *iso_name, json_t *value, const char *flag,
                        const char *app_name_, orb_error **err)
{
    _cleanup_free_ char *text =
        json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(value);
    orb_isolator iso = {0};
    orb_problems p = {0};
    if (orb_isolator_from_json(iso_name, text, "", &iso, &p) < 0) {
        /* "value.limit: reason" -> "--memory: limit: reason" */
        const char *why = p.n ? p.items[0] : "invalid value";
        if (strncmp(why, "value", 5) == 0)
            why += why[5] == '.' ? 6 : why[5] == ':' ? 7 : 0;
        orb_err(err, EINVAL, "app %s: %s: %s", app_name_, flag, why);
        orb_problems_clear(&p);
        return -1;
    }
    orb_problems_clear(&p);
    if (!iso.name)
        iso.name = xstrdup(iso_name);
    for (size_t i = 0; i < app->isolators.n; i++)
        if (strcmp(app->isolators.items[i].name, iso_name) == 0) {
            orb_isolator_clear(&app->isolators.items[i]);
            app->isolators.items[i] = iso;
            return 0;
        }
    *(orb_isolator *)xgrow(&app->isolators.items, &app->isolators.n, sizeof(iso)) = iso;
    return 0;
}

static int parse_int_flag(const char *s, const char *flag, const char *app, json_int_t *ret,
                          orb_error **err)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno)
        return orb_err(err, EINVAL, "app %s: %s: \"%s\" is not an integer", app, flag, s);
    *ret = v;
    return 0;
}

static int quantity_flag(orb_app *app, const char *s, const char *iso_name, const char *flag,
                         const char *name, orb_error **err)
{
    orb_quantity q = {0};
    const char *why = orb_quantity_parse(s, &q);
    if (!why && q.milli <= 0)
        why = "must be more than zero";
    orb_quantity_clear(&q);
    if (why)
        return orb_err(err, EINVAL, "app %s: %s=%s: %s", name, flag, s, why);
    return set_isolator(app, iso_name, json_pack("{s:s}", "limit", s), flag, name, err);
}

static json_t *set_array(const char *list)
{
    json_t *set = json_array();
    _cleanup_strv_ char **parts = strv_split(list, ',');
    for (size_t i = 0; parts && parts[i]; i++)
        if (*parts[i])
            json_array_append_new(set, json_string(parts[i]));
    return set;
}

/* mode=retain|remove[,errno=E],SYSCALL|@GROUP,... */
static int seccomp_flag(orb_app *app, const char *s, const char *name, orb_error **err)
{
    _cleanup_strv_ char **parts = strv_split(s, ',');
    const char *mode = "retain", *errno_name = NULL;
    json_t *set = json_array();
    for (size_t i = 0; parts && parts[i]; i++) {
        if (strncmp(parts[i], "mode=", 5) == 0)
            mode = parts[i] + 5;
        else if (strncmp(parts[i], "errno=", 6) == 0)
            errno_name = parts[i] + 6;
        else if (*parts[i])
            json_array_append_new(set, json_string(parts[i]));
    }
    if (strcmp(mode, "retain") != 0 && strcmp(mode, "remove") != 0) {
        json_decref(set);
        return orb_err(err, EINVAL, "app %s: --seccomp: mode \"%s\": must be retain or remove",
                       name, mode);
    }
    json_t *v = json_pack("{s:o}", "set", set);
    if (errno_name)
        json_object_set_new(v, "errno", json_string(errno_name));
    const char *iso =
        strcmp(mode, "retain") == 0 ? "os/linux/seccomp-retain-set" : "os/linux/seccomp-remove-set";
    return set_isolator(app, iso, v, "--seccomp", name, err);
}

static int int_isolator(orb_app *app, const char *s, const char *iso_name, const char *flag,
                        const char *name, orb_error **err)
{
    json_int_t v = 0;
    if (parse_int_flag(s, flag, name, &v, err) < 0)
        return -1;
    return set_isolator(app, iso_name, json_integer(v), flag, name, err);
}

static int apply_isolators(orb_app *app, const orb_app_request *a, const char *name,
                           orb_error **err)
{
    if (a->memory && quantity_flag(app, a->memory, "resource/memory", "--memory", name, err) < 0)
        return -1;
    if (a->cpu && quantity_flag(app, a->cpu, "resource/cpu", "--cpu", name, err) < 0)
        return -1;
    if (a->cpu_shares &&
        int_isolator(app, a->cpu_shares, "os/linux/cpu-shares", "--cpu-shares", name, err) < 0)
        return -1;
    if (a->oom_score_adj && int_isolator(app, a->oom_score_adj, "os/linux/oom-score-adj",
                                         "--oom-score-adj", name, err) < 0)
        return -1;
    if (a->caps_retain && set_isolator(app, "os/linux/capabilities-retain-set",
                                       json_pack("{s:o}", "set", set_array(a->caps_retain)),
                                       "--caps-retain", name, err) < 0)
        return -1;
    if (a->caps_remove && set_isolator(app, "os/linux/capabilities-remove-set",
                                       json_pack("{s:o}", "set", set_array(a->caps_remove)),
                                       "--caps-remove", name, err) < 0)
        return -1;
    if (a->seccomp && seccomp_flag(app, a->seccomp, name, err) < 0)
        return -1;
    return 0;
}

/* ---- one app from the command line ---------------------------------------- */

static int parse_mount(const char *s, const char *app, orb_mount *ret, orb_error **err)
{
    _cleanup_strv_ char **parts = strv_split(s, ',');
    for (size_t i = 0; parts && parts[i]; i++) {
        char **dst = strncmp(parts[i], "volume=", 7) == 0   ? &ret->volume
                     : strncmp(parts[i], "target=", 7) == 0 ? &ret->path
                                                            : NULL;
        if (!dst || *dst)
            return orb_err(err, EINVAL, "app %s: --mount %s: expected volume=NAME,target=PATH", app,
                           s);
        *dst = xstrdup(parts[i] + 7);
    }
    if (!ret->volume || !ret->path || !*ret->volume || !*ret->path)
        return orb_err(err, EINVAL, "app %s: --mount %s: expected volume=NAME,target=PATH", app, s);
    return 0;
}

static void runtime_image(orb_runtime_app *ra, const char *id, const orb_image_manifest *img)
{
    if (!ra->image.name && img->name)
        ra->image.name = xstrdup(img->name);
    free(ra->image.id);
    ra->image.id = xstrdup(id);
    if (!ra->image.labels.n)
        orb_kv_list_copy(&ra->image.labels, &img->labels);
}

static int reify_app(const orb_pod_request *r, const orb_app_request *a, const char *id,
                     const orb_image_manifest *img, orb_runtime_app *ra, orb_error **err)
{
    const char *name = ra->name;
    runtime_image(ra, id, img);
    if (!img->app && !(a->exec && *a->exec))
        return orb_err(err, EINVAL, "app %s: image %s has no app to run and no --exec was given",
                       name, img->name);
    orb_app *app = ra->app = img->app ? app_copy(img->app) : orb_app_new();
    if (apply_exec(app, a, name, err) < 0 || apply_identity(app, a, name, err) < 0 ||
        build_env(r, a, app, err) < 0 || apply_isolators(app, a, name, err) < 0)
        return -1;
    ra->read_only_rootfs = a->readonly_rootfs;
    merge_kv(&ra->annotations, &a->annotations);
    merge_kv(&app->user_annotations, &a->user_annotations);
    merge_kv(&app->user_labels, &a->user_labels);
    for (size_t i = 0; a->mounts && a->mounts[i]; i++) {
        orb_mount *m = xgrow(&ra->mounts, &ra->n_mounts, sizeof(*m));
        if (parse_mount(a->mounts[i], name, m, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- volumes and mounts ----------------------------------------------------- */

static const orb_volume *find_volume(const orb_pod_manifest *pm, const char *name)
{
    for (size_t i = 0; i < pm->n_volumes; i++)
        if (strcmp(pm->volumes[i].name, name) == 0)
            return &pm->volumes[i];
    return NULL;
}

static int add_volumes(const orb_pod_request *r, orb_pod_manifest *pm, orb_error **err)
{
    for (size_t i = 0; r->volumes && r->volumes[i]; i++) {
        orb_volume v = {0};
        if (orb_volume_parse_string(r->volumes[i], &v, err) < 0)
            return orb_err_wrap(err, "--volume %s", r->volumes[i]);
        const char *why = orb_volume_check(&v);
        if (why || find_volume(pm, v.name)) {
            orb_err(err, EINVAL, "--volume %s: %s", r->volumes[i],
                    why ? why : "a volume of that name is already given");
            orb_volume_clear(&v);
            return -1;
        }
        *(orb_volume *)xgrow(&pm->volumes, &pm->n_volumes, sizeof(v)) = v;
    }
    return 0;
}

/* "/a/b/" and "/a/b" are the same target. */
static size_t path_len(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    return n;
}

static bool same_path(const char *a, const char *b)
{
    size_t n = path_len(a);
    return n == path_len(b) && strncmp(a, b, n) == 0;
}

static bool has_mount_at(const orb_runtime_app *ra, const char *path)
{
    for (size_t j = 0; j < ra->n_mounts; j++)
        if (same_path(ra->mounts[j].path, path))
            return true;
    return false;
}

/* A mount point nobody mapped: the pod volume of its name, else (as rkt
 * does) an empty volume of its own. */
static void implicit_mount(orb_pod_manifest *pm, orb_runtime_app *ra, const orb_mount_point *mp)
{
    _cleanup_free_ char *vname =
        find_volume(pm, mp->name) ? xstrdup(mp->name) : xasprintf("%s-%s", ra->name, mp->name);
    if (!find_volume(pm, vname)) {
        orb_volume *v = xgrow(&pm->volumes, &pm->n_volumes, sizeof(*v));
        v->name = xstrdup(vname);
        v->kind = ORB_VOLUME_EMPTY;
        v->read_only = v->recursive = -1;
        v->mode = xstrdup("0755");
        v->has_uid = v->has_gid = true;
    }
    orb_mount *m = xgrow(&ra->mounts, &ra->n_mounts, sizeof(*m));
    m->volume = TAKE_PTR(vname);
    m->path = xstrdup(mp->path);
}

static int fill_mounts(orb_pod_manifest *pm, orb_runtime_app *ra, orb_error **err)
{
    for (size_t j = 0; j < ra->n_mounts; j++) {
        const orb_mount *m = &ra->mounts[j];
        if (!m->app_volume && !find_volume(pm, m->volume))
            return orb_err(err, ENOENT, "app %s: --mount volume=%s: no such volume", ra->name,
                           m->volume);
    }
    for (size_t j = 0; ra->app && j < ra->app->n_mount_points; j++) {
        const orb_mount_point *mp = &ra->app->mount_points[j];
        if (!has_mount_at(ra, mp->path))
            implicit_mount(pm, ra, mp);
    }
    for (size_t j = 0; j < ra->n_mounts; j++)
        for (size_t k = j + 1; k < ra->n_mounts; k++)
            if (same_path(ra->mounts[j].path, ra->mounts[k].path))
                return orb_err(err, EINVAL, "app %s: volumes %s and %s both mounted at %s",
                               ra->name, ra->mounts[j].volume, ra->mounts[k].volume,
                               ra->mounts[k].path);
    return 0;
}

/* ---- exposed ports ----------------------------------------------------------- */

static bool app_has_port(const orb_pod_manifest *pm, const char *name)
{
    for (size_t i = 0; i < pm->n_apps; i++)
        for (size_t j = 0; pm->apps[i].app && j < pm->apps[i].app->n_ports; j++)
            if (strcmp(pm->apps[i].app->ports[j].name, name) == 0)
                return true;
    return false;
}

static int add_port(orb_pod_manifest *pm, const char *s, orb_error **err)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s)
        return orb_err(err, EINVAL, "--port %s: expected NAME:HOSTPORT", s);
    _cleanup_free_ char *name = xstrndup(s, (size_t)(colon - s));
    char *end;
    errno = 0;
    long v = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || v < 1 || v > 65535)
        return orb_err(err, EINVAL, "--port %s: host port must be a number from 1 to 65535", s);
    if (!app_has_port(pm, name))
        return orb_err(err, ENOENT, "--port %s: no app has a port named \"%s\"", s, name);
    for (size_t i = 0; i < pm->n_ports; i++)
        if (strcmp(pm->ports[i].name, name) == 0)
            return orb_err(err, EINVAL, "--port %s: port \"%s\" is already exposed", s, name);
    orb_exposed_port *p = xgrow(&pm->ports, &pm->n_ports, sizeof(*p));
    p->name = TAKE_PTR(name);
    p->host_port = (unsigned)v;
    return 0;
}

/* ---- the pod ------------------------------------------------------------------ */

static int reify_apps(const orb_pod_request *r, char *const *ids, orb_image_manifest *const *images,
                      orb_pod_manifest *pm, orb_error **err)
{
    for (size_t i = 0; i < r->n_apps; i++) {
        orb_runtime_app *ra = xgrow(&pm->apps, &pm->n_apps, sizeof(*ra));
        if (app_name(&r->apps[i], images[i], i, &ra->name, err) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(pm->apps[j].name, ra->name) == 0)
                return orb_err(err, EINVAL, "apps[%zu]: duplicate app name \"%s\" (use --name)", i,
                               ra->name);
        if (reify_app(r, &r->apps[i], ids[i], images[i], ra, err) < 0)
            return -1;
    }
    return 0;
}

/* A given pod manifest: its apps get their images' IDs and, when they have
 * no app of their own, their images' apps. */
static int load_given(const orb_pod_request *r, char *const *ids, orb_image_manifest *const *images,
                      orb_pod_manifest **ret, orb_error **err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (orb_read_file(r->pod_manifest_path, ORB_MANIFEST_MAX_SIZE, &buf, &len, err) < 0 ||
        orb_pod_manifest_load(buf, len, ret, err) < 0)
        return orb_err_wrap(err, "--pod-manifest %s", r->pod_manifest_path);
    orb_pod_manifest *pm = *ret;
    for (size_t i = 0; i < pm->n_apps; i++) {
        orb_runtime_app *ra = &pm->apps[i];
        runtime_image(ra, ids[i], images[i]);
        if (!ra->app && !images[i]->app)
            return orb_err(err, EINVAL, "app %s: image %s has no app to run", ra->name,
                           images[i]->name);
        if (!ra->app)
            ra->app = app_copy(images[i]->app);
    }
    return 0;
}

static int finish(orb_pod_manifest *pm, orb_error **err)
{
    for (size_t i = 0; i < pm->n_apps; i++)
        if (fill_mounts(pm, &pm->apps[i], err) < 0)
            return -1;
    if (!pm->ac_version)
        pm->ac_version = xstrdup("0.8.11");
    orb_problems p = {0};
    int ret = 0;
    if (orb_pod_manifest_validate(pm, &p) < 0 || p.n) {
        ret = orb_problems_to_error(&p, "pod manifest", err);
        if (ret == 0)
            ret = orb_err(err, EINVAL, "pod manifest: invalid");
    }
    orb_problems_clear(&p);
    return ret;
}

int orb_pod_manifest_reify(const orb_pod_request *r, char *const *ids,
                           orb_image_manifest *const *images, orb_pod_manifest **ret,
                           orb_error **err)
{
    orb_pod_manifest *pm = NULL;
    if (r->pod_manifest_path) {
        if (load_given(r, ids, images, &pm, err) < 0)
            goto fail;
    } else {
        if (r->n_apps == 0) {
            orb_err(err, EINVAL, "no app given");
            goto fail;
        }
        pm = xcalloc(1, sizeof(*pm));
        if (add_volumes(r, pm, err) < 0 || reify_apps(r, ids, images, pm, err) < 0)
            goto fail;
        for (size_t i = 0; r->ports && r->ports[i]; i++)
            if (add_port(pm, r->ports[i], err) < 0)
                goto fail;
    }
    merge_kv(&pm->annotations, &r->annotations);
    if (finish(pm, err) < 0)
        goto fail;
    *ret = pm;
    return 0;
fail:
    orb_pod_manifest_free(pm);
    *ret = NULL;
    return -1;
}
