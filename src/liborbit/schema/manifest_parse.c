/* Decoding ImageManifest and PodManifest JSON (spec/aci.md, spec/pods.md).
 * Decoding records type problems; the manifest is then validated, so a parse
 * reports every problem of both kinds. */
#include <limits.h>
#include <string.h>

#include "schema/manifest_internal.h"
#include "util/mem.h"

static void parse_kind(const json_t *root, const char *expected, orb_problems *p)
{
    json_t *v = json_object_get(root, "acKind");
    const char *why;

    if (v && !json_is_null(v) && !json_is_string(v)) {
        mf_problem(p, "acKind: must be a string");
        return;
    }
    /* null reads as an empty string, as in the reference */
    why = orb_check_ac_kind(json_is_string(v) ? json_string_value(v) : "", expected);
    if (why)
        mf_problem(p, "acKind: %s", why);
}

static void parse_dependencies(const json_t *root, orb_image_manifest *m, orb_problems *p)
{
    json_t *arr = mf_get_array(root, "dependencies", "", p), *e;
    size_t i;

    json_array_foreach(arr, i, e)
    {
        _cleanup_free_ char *ep = mf_index("dependencies", i);
        orb_dependency *d = xgrow(&m->dependencies, &m->n_dependencies, sizeof(*d));
        int64_t size;

        if (!json_is_object(e)) {
            mf_problem(p, "%s: must be an object", ep);
            continue;
        }
        mf_get_string(e, "imageName", ep, &d->image_name, p);
        mf_get_string(e, "imageID", ep, &d->image_id, p);
        mf_get_kv_array(e, "labels", ep, &d->labels, p);
        d->has_size = mf_get_int(e, "size", ep, 0, INT64_MAX, &size, p);
        d->size = d->has_size ? (uint64_t)size : 0;
    }
}

static orb_image_manifest *decode_image(const json_t *root, orb_problems *p)
{
    orb_image_manifest *m = xcalloc(1, sizeof(*m));
    json_t *app;

    parse_kind(root, "ImageManifest", p);
    mf_get_string(root, "acVersion", "", &m->ac_version, p);
    mf_get_string(root, "name", "", &m->name, p);
    mf_get_kv_array(root, "labels", "", &m->labels, p);
    app = mf_get(root, "app");
    if (app)
        m->app = mf_parse_app(app, "app", p);
    mf_get_kv_array(root, "annotations", "", &m->annotations, p);
    parse_dependencies(root, m, p);
    m->path_whitelist = mf_get_strv(root, "pathWhitelist", "", p);
    return m;
}

/* The two manifests share one pipeline: load the JSON, decode it (recording
 * type problems), validate the values, and hand out the result only when no
 * problem was found. */
typedef struct document_ops {
    void *(*decode)(const json_t *root, orb_problems *p);
    int (*validate)(const void *m, orb_problems *p);
    void (*free)(void *m);
} document_ops;

static int parse_document(const document_ops *ops, const char *json, size_t len, void **ret,
                          orb_problems *problems)
{
    orb_problems local = {0};
    *ret = NULL;
    json_t *root = mf_load_json(json, len, &local);
    if (root) {
        void *m = ops->decode(root, &local);
        json_decref(root);
        ops->validate(m, &local);
        if (local.n == 0)
            *ret = m;
        else
            ops->free(m);
    }
    int r = local.n > 0 ? -1 : 0;
    if (problems)
        orb_problems_append(problems, &local, "");
    orb_problems_clear(&local);
    return r;
}

static void *decode_image_document(const json_t *root, orb_problems *p)
{
    return decode_image(root, p);
}

static int validate_image_document(const void *m, orb_problems *p)
{
    return orb_image_manifest_validate(m, p);
}

static void free_image_document(void *m)
{
    orb_image_manifest_free(m);
}

int orb_image_manifest_parse(const char *json, size_t len, orb_image_manifest **ret,
                             orb_problems *problems)
{
    static const document_ops ops = {decode_image_document, validate_image_document,
                                     free_image_document};
    return parse_document(&ops, json, len, (void **)ret, problems);
}

static void parse_mounts(const json_t *v, const char *path, orb_runtime_app *ra, orb_problems *p)
{
    json_t *arr = mf_get_array(v, "mounts", path, p), *e, *av;
    _cleanup_free_ char *fp = mf_path(path, "mounts");
    size_t i;

    json_array_foreach(arr, i, e)
    {
        _cleanup_free_ char *ep = mf_index(fp, i), *avp = NULL;
        orb_mount *mt = xgrow(&ra->mounts, &ra->n_mounts, sizeof(*mt));

        if (!json_is_object(e)) {
            mf_problem(p, "%s: must be an object", ep);
            continue;
        }
        mf_get_string(e, "volume", ep, &mt->volume, p);
        mf_get_string(e, "path", ep, &mt->path, p);
        av = mf_get(e, "appVolume");
        avp = mf_path(ep, "appVolume");
        if (av) {
            mt->app_volume = xcalloc(1, sizeof(orb_volume));
            if (!mf_parse_volume(av, avp, mt->app_volume, p))
                mt->app_volume = (free(mt->app_volume), NULL);
        }
    }
}

static void parse_runtime_app(const json_t *e, const char *ep, orb_runtime_app *ra, orb_problems *p)
{
    _cleanup_free_ char *ip = mf_path(ep, "image"), *app_path = mf_path(ep, "app");
    json_t *img = mf_get_object(e, "image", ep, p), *app;

    mf_get_string(e, "name", ep, &ra->name, p);
    if (!img && !mf_get(e, "image"))
        mf_problem(p, "%s: is required", ip);
    if (img) {
        mf_get_string(img, "name", ip, &ra->image.name, p);
        mf_get_string(img, "id", ip, &ra->image.id, p);
        mf_get_kv_array(img, "labels", ip, &ra->image.labels, p);
    }
    app = mf_get(e, "app");
    if (app)
        ra->app = mf_parse_app(app, app_path, p);
    mf_get_bool(e, "readOnlyRootFS", ep, &ra->read_only_rootfs, p);
    parse_mounts(e, ep, ra, p);
    mf_get_kv_array(e, "annotations", ep, &ra->annotations, p);
}

static void parse_apps(const json_t *root, orb_pod_manifest *m, orb_problems *p)
{
    json_t *arr = mf_get_array(root, "apps", "", p), *e;
    size_t i;

    json_array_foreach(arr, i, e)
    {
        _cleanup_free_ char *ep = mf_index("apps", i);
        orb_runtime_app *ra = xgrow(&m->apps, &m->n_apps, sizeof(orb_runtime_app));

        if (!json_is_object(e)) {
            mf_problem(p, "%s: must be an object", ep);
            continue;
        }
        parse_runtime_app(e, ep, ra, p);
    }
}

static void parse_volumes(const json_t *root, orb_pod_manifest *m, orb_problems *p)
{
    json_t *arr = mf_get_array(root, "volumes", "", p), *e;
    size_t i;

    json_array_foreach(arr, i, e)
    {
        _cleanup_free_ char *ep = mf_index("volumes", i);
        orb_volume v;

        if (mf_parse_volume(e, ep, &v, p))
            *(orb_volume *)xgrow(&m->volumes, &m->n_volumes, sizeof(v)) = v;
    }
}

static void parse_exposed_ports(const json_t *root, orb_pod_manifest *m, orb_problems *p)
{
    json_t *arr = mf_get_array(root, "ports", "", p), *e, *pp;
    size_t i;

    json_array_foreach(arr, i, e)
    {
        _cleanup_free_ char *ep = mf_index("ports", i), *ppp = mf_path(ep, "podPort");
        orb_exposed_port *x = xgrow(&m->ports, &m->n_ports, sizeof(*x));
        int64_t host_port = 0;

        if (!json_is_object(e)) {
            mf_problem(p, "%s: must be an object", ep);
            continue;
        }
        mf_get_string(e, "name", ep, &x->name, p);
        mf_get_int(e, "hostPort", ep, 0, UINT_MAX, &host_port, p);
        x->host_port = (unsigned)host_port;
        mf_get_string(e, "hostIP", ep, &x->host_ip, p);
        pp = mf_get(e, "podPort");
        if (pp) {
            x->pod_port = xcalloc(1, sizeof(orb_port));
            if (!mf_parse_port(pp, ppp, x->pod_port, p))
                x->pod_port = (free(x->pod_port), NULL);
        }
    }
}

static orb_pod_manifest *decode_pod(const json_t *root, orb_problems *p)
{
    orb_pod_manifest *m = xcalloc(1, sizeof(*m));

    parse_kind(root, "PodManifest", p);
    mf_get_string(root, "acVersion", "", &m->ac_version, p);
    parse_apps(root, m, p);
    parse_volumes(root, m, p);
    mf_parse_isolators(root, "", &m->isolators, p);
    mf_get_kv_array(root, "annotations", "", &m->annotations, p);
    parse_exposed_ports(root, m, p);
    mf_get_kv_map(root, "userAnnotations", "", &m->user_annotations, p);
    mf_get_kv_map(root, "userLabels", "", &m->user_labels, p);
    return m;
}

static void *decode_pod_document(const json_t *root, orb_problems *p)
{
    return decode_pod(root, p);
}

static int validate_pod_document(const void *m, orb_problems *p)
{
    return orb_pod_manifest_validate(m, p);
}

static void free_pod_document(void *m)
{
    orb_pod_manifest_free(m);
}

int orb_pod_manifest_parse(const char *json, size_t len, orb_pod_manifest **ret,
                           orb_problems *problems)
{
    static const document_ops ops = {decode_pod_document, validate_pod_document, free_pod_document};
    return parse_document(&ops, json, len, (void **)ret, problems);
}

int orb_image_manifest_load(const char *json, size_t len, orb_image_manifest **ret, orb_error **err)
{
    orb_problems p = {0};
    int r = orb_image_manifest_parse(json, len, ret, &p);

    if (r < 0)
        orb_problems_to_error(&p, "image manifest", err);
    orb_problems_clear(&p);
    return r;
}

int orb_pod_manifest_load(const char *json, size_t len, orb_pod_manifest **ret, orb_error **err)
{
    orb_problems p = {0};
    int r = orb_pod_manifest_parse(json, len, ret, &p);

    if (r < 0)
        orb_problems_to_error(&p, "pod manifest", err);
    orb_problems_clear(&p);
    return r;
}
