/* Serialisation of both manifests with the keys in the spec's order and the
 * absent optional fields omitted. */
#include <string.h>

#include "schema/manifest_internal.h"
#include "util/mem.h"

static void set(json_t *obj, const char *key, json_t *v)
{
    if (v)
        json_object_set_new(obj, key, v);
}

static void set_str(json_t *obj, const char *key, const char *s)
{
    if (s)
        set(obj, key, json_string(s));
}

static json_t *strv_to_json(char *const *v)
{
    json_t *a;

    if (!v)
        return NULL;
    a = json_array();
    for (; *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

/* [{"name","value"}], or NULL for an empty list (omitted). */
static json_t *kv_array(const orb_kv_list *l)
{
    json_t *a;

    if (l->n == 0)
        return NULL;
    a = json_array();
    for (size_t i = 0; i < l->n; i++) {
        json_t *o = json_object();

        set_str(o, "name", l->items[i].name ? l->items[i].name : "");
        set_str(o, "value", l->items[i].value ? l->items[i].value : "");
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *kv_map(const orb_kv_list *l)
{
    json_t *o;

    if (l->n == 0)
        return NULL;
    o = json_object();
    for (size_t i = 0; i < l->n; i++)
        set_str(o, l->items[i].name, l->items[i].value);
    return o;
}

json_t *mf_isolators_to_json(const orb_isolator_list *l)
{
    json_t *a = json_array();

    for (size_t i = 0; i < l->n; i++) {
        json_t *o = json_object();

        set_str(o, "name", l->items[i].name);
        if (l->items[i].raw)
            set(o, "value", json_loads(l->items[i].raw, JSON_DECODE_ANY, NULL));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *port_to_json(const orb_port *p)
{
    json_t *o = json_object();

    set_str(o, "name", p->name);
    set_str(o, "protocol", p->protocol ? p->protocol : "");
    set(o, "port", json_integer(p->port));
    set(o, "count", json_integer(p->count));
    set(o, "socketActivated", json_boolean(p->socket_activated));
    return o;
}

static json_t *event_handlers(const orb_app *a)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < a->n_event_handlers; i++) {
        json_t *o = json_object();
        char *empty[] = {NULL};

        set_str(o, "name", a->event_handlers[i].name);
        set(o, "exec", strv_to_json(a->event_handlers[i].exec ? a->event_handlers[i].exec : empty));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *mount_points(const orb_app *a)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < a->n_mount_points; i++) {
        json_t *o = json_object();

        set_str(o, "name", a->mount_points[i].name);
        set_str(o, "path", a->mount_points[i].path ? a->mount_points[i].path : "");
        if (a->mount_points[i].read_only)
            set(o, "readOnly", json_true());
        json_array_append_new(arr, o);
    }
    return arr;
}

json_t *mf_app_to_json(const orb_app *a)
{
    json_t *o = json_object(), *arr;

    set(o, "exec", strv_to_json(a->exec));
    set_str(o, "user", a->user ? a->user : "");
    set_str(o, "group", a->group ? a->group : "");
    if (a->n_supplementary_gids > 0) {
        arr = json_array();
        for (size_t i = 0; i < a->n_supplementary_gids; i++)
            json_array_append_new(arr, json_integer(a->supplementary_gids[i]));
        set(o, "supplementaryGIDs", arr);
    }
    if (a->n_event_handlers > 0)
        set(o, "eventHandlers", event_handlers(a));
    if (a->working_directory && *a->working_directory)
        set_str(o, "workingDirectory", a->working_directory);
    set(o, "environment", kv_array(&a->environment));
    if (a->isolators.n > 0)
        set(o, "isolators", mf_isolators_to_json(&a->isolators));
    if (a->n_mount_points > 0)
        set(o, "mountPoints", mount_points(a));
    if (a->n_ports > 0) {
        arr = json_array();
        for (size_t i = 0; i < a->n_ports; i++)
            json_array_append_new(arr, port_to_json(&a->ports[i]));
        set(o, "ports", arr);
    }
    set(o, "userAnnotations", kv_map(&a->user_annotations));
    set(o, "userLabels", kv_map(&a->user_labels));
    return o;
}

static char *dump(json_t *root, bool pretty)
{
    size_t flags = JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(4) : JSON_COMPACT);
    char *s = json_dumps(root, flags);

    json_decref(root);
    if (!s)
        abort(); /* only allocation failure can make jansson fail here */
    return s;
}

static json_t *dependencies(const orb_image_manifest *m)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < m->n_dependencies; i++) {
        const orb_dependency *d = &m->dependencies[i];
        json_t *o = json_object();

        set_str(o, "imageName", d->image_name ? d->image_name : "");
        set_str(o, "imageID", d->image_id);
        set(o, "labels", kv_array(&d->labels));
        if (d->has_size && d->size > 0)
            set(o, "size", json_integer((json_int_t)d->size));
        json_array_append_new(arr, o);
    }
    return arr;
}

char *orb_image_manifest_to_json(const orb_image_manifest *m, bool pretty)
{
    json_t *o = json_object();

    set_str(o, "acKind", "ImageManifest");
    set_str(o, "acVersion", m->ac_version ? m->ac_version : "");
    set_str(o, "name", m->name ? m->name : "");
    set(o, "labels", kv_array(&m->labels));
    if (m->app)
        set(o, "app", mf_app_to_json(m->app));
    set(o, "annotations", kv_array(&m->annotations));
    if (m->n_dependencies > 0)
        set(o, "dependencies", dependencies(m));
    if (m->path_whitelist && m->path_whitelist[0])
        set(o, "pathWhitelist", strv_to_json(m->path_whitelist));
    return dump(o, pretty);
}

static json_t *volume_to_json(const orb_volume *v)
{
    json_t *o = json_object();

    set_str(o, "name", v->name ? v->name : "");
    set_str(o, "kind", v->kind == ORB_VOLUME_EMPTY ? "empty" : "host");
    if (v->source && *v->source)
        set_str(o, "source", v->source);
    if (v->read_only >= 0)
        set(o, "readOnly", json_boolean(v->read_only));
    if (v->recursive >= 0)
        set(o, "recursive", json_boolean(v->recursive));
    set_str(o, "mode", v->mode);
    if (v->has_uid)
        set(o, "uid", json_integer(v->uid));
    if (v->has_gid)
        set(o, "gid", json_integer(v->gid));
    return o;
}

static json_t *mounts(const orb_runtime_app *ra)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < ra->n_mounts; i++) {
        json_t *o = json_object();

        set_str(o, "volume", ra->mounts[i].volume ? ra->mounts[i].volume : "");
        set_str(o, "path", ra->mounts[i].path ? ra->mounts[i].path : "");
        if (ra->mounts[i].app_volume)
            set(o, "appVolume", volume_to_json(ra->mounts[i].app_volume));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *runtime_app(const orb_runtime_app *ra)
{
    json_t *o = json_object(), *img = json_object();

    set_str(o, "name", ra->name ? ra->name : "");
    set_str(img, "name", ra->image.name);
    set_str(img, "id", ra->image.id);
    set(img, "labels", kv_array(&ra->image.labels));
    set(o, "image", img);
    if (ra->app)
        set(o, "app", mf_app_to_json(ra->app));
    if (ra->read_only_rootfs)
        set(o, "readOnlyRootFS", json_true());
    if (ra->n_mounts > 0)
        set(o, "mounts", mounts(ra));
    set(o, "annotations", kv_array(&ra->annotations));
    return o;
}

static json_t *exposed_ports(const orb_pod_manifest *m)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < m->n_ports; i++) {
        const orb_exposed_port *x = &m->ports[i];
        json_t *o = json_object();

        set_str(o, "name", x->name ? x->name : "");
        set(o, "hostPort", json_integer(x->host_port));
        set_str(o, "hostIP", x->host_ip);
        if (x->pod_port)
            set(o, "podPort", port_to_json(x->pod_port));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* The pod's list members have no omitempty in the reference, so they are
 * always written (as [] where it would write null). */
char *orb_pod_manifest_to_json(const orb_pod_manifest *m, bool pretty)
{
    json_t *o = json_object(), *arr = json_array(), *anns = kv_array(&m->annotations);

    set_str(o, "acVersion", m->ac_version);
    set_str(o, "acKind", "PodManifest");
    for (size_t i = 0; i < m->n_apps; i++)
        json_array_append_new(arr, runtime_app(&m->apps[i]));
    set(o, "apps", arr);
    arr = json_array();
    for (size_t i = 0; i < m->n_volumes; i++)
        json_array_append_new(arr, volume_to_json(&m->volumes[i]));
    set(o, "volumes", arr);
    set(o, "isolators", mf_isolators_to_json(&m->isolators));
    set(o, "annotations", anns ? anns : json_array());
    set(o, "ports", exposed_ports(m));
    set(o, "userAnnotations", kv_map(&m->user_annotations));
    set(o, "userLabels", kv_map(&m->user_labels));
    return dump(o, pretty);
}
