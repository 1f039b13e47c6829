/* Decoding of the App object and the pieces shared by both manifests:
 * isolators, ports and volumes. Only JSON types are checked here; the value
 * rules live in manifest_validate.c. */
#include <limits.h>
#include <string.h>

#include "schema/manifest_internal.h"
#include "util/mem.h"

void mf_parse_isolators(const json_t *obj, const char *path, orb_isolator_list *out,
                        orb_problems *p)
{
    json_t *a = mf_get_array(obj, "isolators", path, p), *e;
    _cleanup_free_ char *fp = mf_path(path, "isolators");
    size_t i;

    json_array_foreach(a, i, e)
    {
        _cleanup_free_ char *ep = mf_index(fp, i), *name = NULL, *raw = NULL;
        orb_isolator iso;

        if (!json_is_object(e)) {
            mf_problem(p, "%s: must be an object", ep);
            continue;
        }
        if (!mf_get_string(e, "name", ep, &name, p)) {
            if (!mf_get(e, "name"))
                mf_problem(p, "%s.name: is required", ep);
            name = xstrdup("");
        }
        if (mf_get(e, "value"))
            raw = json_dumps(mf_get(e, "value"),
                             JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (orb_isolator_from_json(name, raw, ep, &iso, p) < 0) {
            /* a bad value keeps its place so later indexes stay right */
            iso.name = xstrdup(name);
            iso.kind = orb_isolator_kind_from_name(name);
        }
        *(orb_isolator *)xgrow(&out->items, &out->n, sizeof(orb_isolator)) = iso;
    }
}

bool mf_parse_port(const json_t *v, const char *path, orb_port *out, orb_problems *p)
{
    int64_t port = 0, count = 0;
    const char *why;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(v)) {
        mf_problem(p, "%s: must be an object", path);
        return false;
    }
    mf_get_string(v, "name", path, &out->name, p);
    mf_get_string(v, "protocol", path, &out->protocol, p);
    mf_get_int(v, "port", path, 0, UINT_MAX, &port, p);
    mf_get_int(v, "count", path, 0, UINT_MAX, &count, p);
    mf_get_bool(v, "socketActivated", path, &out->socket_activated, p);
    why = orb_port_check_range(port, count);
    if (why)
        mf_problem_at(p, path, why);
    out->port = (unsigned)port;
    /* the reference turns a count of 0 into 1 after the range check */
    out->count = count == 0 ? 1 : (unsigned)count;
    return true;
}

static int tristate(const json_t *v, const char *key, const char *path, orb_problems *p)
{
    bool b = false;
    return mf_get_bool(v, key, path, &b, p) ? b : -1;
}

bool mf_parse_volume(const json_t *v, const char *path, orb_volume *out, orb_problems *p)
{
    _cleanup_free_ char *kind = NULL;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(v)) {
        mf_problem(p, "%s: must be an object", path);
        return false;
    }
    mf_get_string(v, "name", path, &out->name, p);
    if (mf_get_string(v, "kind", path, &kind, p) && strcmp(kind, "host") != 0 &&
        strcmp(kind, "empty") != 0)
        mf_problem(p, "%s.kind: must be \"host\" or \"empty\"", path);
    else if (!kind && !mf_get(v, "kind"))
        mf_problem(p, "%s.kind: is required", path);
    out->kind = kind && strcmp(kind, "empty") == 0 ? ORB_VOLUME_EMPTY : ORB_VOLUME_HOST;
    mf_get_string(v, "source", path, &out->source, p);
    out->read_only = tristate(v, "readOnly", path, p);
    out->recursive = tristate(v, "recursive", path, p);
    mf_get_string(v, "mode", path, &out->mode, p);
    out->has_uid = mf_get_int(v, "uid", path, INT64_MIN, INT64_MAX, &out->uid, p);
    out->has_gid = mf_get_int(v, "gid", path, INT64_MIN, INT64_MAX, &out->gid, p);
    if (out->kind == ORB_VOLUME_EMPTY) {
        /* the reference fills the empty-volume defaults before checking */
        if (!out->mode)
            out->mode = xstrdup("0755");
        out->has_uid = out->has_gid = true;
    }
    return true;
}

static void parse_event_handlers(const json_t *v, const char *path, orb_app *a, orb_problems *p)
{
    json_t *arr = mf_get_array(v, "eventHandlers", path, p), *e;
    _cleanup_free_ char *fp = mf_path(path, "eventHandlers");
    size_t i;

    json_array_foreach(arr, i, e)
    {
        _cleanup_free_ char *ep = mf_index(fp, i);
        orb_event_handler *h = xgrow(&a->event_handlers, &a->n_event_handlers, sizeof(*h));

        if (!json_is_object(e)) {
            mf_problem(p, "%s: must be an object", ep);
            continue;
        }
        mf_get_string(e, "name", ep, &h->name, p);
        h->exec = mf_get_strv(e, "exec", ep, p);
    }
}

static void parse_gids(const json_t *v, const char *path, orb_app *a, orb_problems *p)
{
    json_t *arr = mf_get_array(v, "supplementaryGIDs", path, p), *e;
    size_t i;

    json_array_foreach(arr, i, e)
    {
        if (!json_is_integer(e)) {
            mf_problem(p, "%s.supplementaryGIDs[%zu]: must be an integer", path, i);
            continue;
        }
        *(int64_t *)xgrow(&a->supplementary_gids, &a->n_supplementary_gids, sizeof(int64_t)) =
            json_integer_value(e);
    }
}

static void parse_mount_points(const json_t *v, const char *path, orb_app *a, orb_problems *p)
{
    json_t *arr = mf_get_array(v, "mountPoints", path, p), *e;
    _cleanup_free_ char *fp = mf_path(path, "mountPoints");
    size_t i;

    json_array_foreach(arr, i, e)
    {
        _cleanup_free_ char *ep = mf_index(fp, i);
        orb_mount_point *m = xgrow(&a->mount_points, &a->n_mount_points, sizeof(*m));

        if (!json_is_object(e)) {
            mf_problem(p, "%s: must be an object", ep);
            continue;
        }
        mf_get_string(e, "name", ep, &m->name, p);
        mf_get_string(e, "path", ep, &m->path, p);
        mf_get_bool(e, "readOnly", ep, &m->read_only, p);
    }
}

static void parse_ports(const json_t *v, const char *path, orb_app *a, orb_problems *p)
{
    json_t *arr = mf_get_array(v, "ports", path, p), *e;
    _cleanup_free_ char *fp = mf_path(path, "ports");
    size_t i;

    json_array_foreach(arr, i, e)
    {
        _cleanup_free_ char *ep = mf_index(fp, i);
        orb_port port;

        mf_parse_port(e, ep, &port, p); /* kept even when bad, for the indexes */
        *(orb_port *)xgrow(&a->ports, &a->n_ports, sizeof(orb_port)) = port;
    }
}

orb_app *mf_parse_app(const json_t *v, const char *path, orb_problems *p)
{
    orb_app *a;

    if (!json_is_object(v)) {
        mf_problem(p, "%s: must be an object", path);
        return NULL;
    }
    a = orb_app_new();
    a->exec = mf_get_strv(v, "exec", path, p);
    mf_get_string(v, "user", path, &a->user, p);
    mf_get_string(v, "group", path, &a->group, p);
    parse_gids(v, path, a, p);
    mf_get_string(v, "workingDirectory", path, &a->working_directory, p);
    parse_event_handlers(v, path, a, p);
    mf_get_kv_array(v, "environment", path, &a->environment, p);
    mf_parse_isolators(v, path, &a->isolators, p);
    parse_mount_points(v, path, a, p);
    parse_ports(v, path, a, p);
    mf_get_kv_map(v, "userAnnotations", path, &a->user_annotations, p);
    mf_get_kv_map(v, "userLabels", path, &a->user_labels, p);
    return a;
}
