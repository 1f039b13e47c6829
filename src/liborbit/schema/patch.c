/* actool patch-manifest's edits on an in-memory ImageManifest. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "schema/manifest_internal.h"
#include "schema/patch.h"
#include "util/mem.h"

static bool edits_app(const orb_manifest_patch *p)
{
    return p->exec || p->user || p->group || p->supplementary_gids || p->capability ||
           p->revoke_capability || p->mounts || p->ports || p->isolators || p->seccomp_mode ||
           p->seccomp_set;
}

/* Removes every isolator named `name`. */
static void remove_isolators(orb_isolator_list *l, const char *name)
{
    size_t j = 0;

    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].name, name) == 0)
            orb_isolator_clear(&l->items[i]);
        else
            l->items[j++] = l->items[i];
    }
    l->n = j;
}

/* Decodes `value` (stolen) as isolator `name` and appends it. */
static int add_isolator(orb_app *a, const char *name, json_t *value, orb_error **err)
{
    _cleanup_free_ char *raw =
        json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
    orb_problems problems = {0};
    orb_isolator iso;
    int r;

    json_decref(value);
    r = orb_isolator_from_json(name, raw, name, &iso, &problems);
    if (r < 0)
        orb_problems_to_error(&problems, "isolator", err);
    orb_problems_clear(&problems);
    if (r < 0)
        return -1;
    *(orb_isolator *)xgrow(&a->isolators.items, &a->isolators.n, sizeof(iso)) = iso;
    return 0;
}

static json_t *set_value(const char *list, const char *errno_name)
{
    _cleanup_strv_ char **items = strv_split(list, ',');
    json_t *set = json_array(), *o = json_object();

    for (char **s = items; s && *s; s++)
        json_array_append_new(set, json_string(*s));
    json_object_set_new(o, "set", set);
    if (errno_name)
        json_object_set_new(o, "errno", json_string(errno_name));
    return o;
}

static int patch_caps(orb_app *a, const orb_manifest_patch *p, orb_error **err)
{
    const char *retain = "os/linux/capabilities-retain-set";
    const char *remove = "os/linux/capabilities-remove-set";

    if (p->capability && p->revoke_capability)
        return orb_err(err, EINVAL, "capability and revoke-capability cannot be combined");
    if (!p->capability && !p->revoke_capability)
        return 0;
    remove_isolators(&a->isolators, retain);
    remove_isolators(&a->isolators, remove);
    if (p->capability)
        return add_isolator(a, retain, set_value(p->capability, NULL), err);
    return add_isolator(a, remove, set_value(p->revoke_capability, NULL), err);
}

static int patch_seccomp(orb_app *a, const orb_manifest_patch *p, orb_error **err)
{
    _cleanup_strv_ char **args = NULL;
    const char *mode = NULL, *errno_name = NULL, *name;

    if (!p->seccomp_mode && !p->seccomp_set)
        return 0;
    if (!p->seccomp_mode)
        return orb_err(err, EINVAL, "seccomp-set requires seccomp-mode");
    if (!p->seccomp_set || !*p->seccomp_set)
        return orb_err(err, EINVAL, "seccomp-mode requires seccomp-set");
    args = strv_split(p->seccomp_mode, ',');
    for (char **s = args; *s; s++) {
        if (strncmp(*s, "errno=", 6) == 0)
            errno_name = *s + 6;
        else if (!strchr(*s, '='))
            mode = *s;
        else
            return orb_err(err, EINVAL, "seccomp-mode: unknown argument \"%s\"", *s);
    }
    if (mode && strcmp(mode, "retain") == 0)
        name = "os/linux/seccomp-retain-set";
    else if (mode && strcmp(mode, "remove") == 0)
        name = "os/linux/seccomp-remove-set";
    else
        return orb_err(err, EINVAL, "seccomp-mode: must be \"retain\" or \"remove\"");
    remove_isolators(&a->isolators, "os/linux/seccomp-retain-set");
    remove_isolators(&a->isolators, "os/linux/seccomp-remove-set");
    return add_isolator(a, name, set_value(p->seccomp_set, errno_name), err);
}

/* "resource/cpu,request=50m,limit=100m": the pairs become string members,
 * except `default`, which the resource isolators need as a boolean. */
static json_t *resource_value(const char *spec, orb_error **err)
{
    orb_kv_list kv = {0};
    json_t *o;

    if (orb_parse_kv_string(spec, &kv, err) < 0)
        return NULL;
    o = json_object();
    for (size_t i = 1; i < kv.n; i++) {
        bool b;

        if (strcmp(kv.items[i].name, "default") == 0 && !orb_parse_bool(kv.items[i].value, &b))
            json_object_set_new(o, "default", json_boolean(b));
        else
            json_object_set_new(o, kv.items[i].name, json_string(kv.items[i].value));
    }
    orb_kv_list_clear(&kv);
    return o;
}

static int patch_one_isolator(orb_app *a, const char *spec, orb_error **err)
{
    _cleanup_strv_ char **parts = strv_split(spec, ',');
    orb_isolator_kind k = orb_isolator_kind_from_name(parts[0]);
    json_t *v = NULL;
    json_error_t jerr;

    if (k == ORB_ISOLATOR_NO_NEW_PRIVILEGES || k == ORB_ISOLATOR_OOM_SCORE_ADJ) {
        if (strv_length(parts) != 2)
            return orb_err(err, EINVAL, "isolator %s: expected \"%s,VALUE\"", parts[0], parts[0]);
        v = json_loads(parts[1], JSON_DECODE_ANY, &jerr);
        if (!v)
            return orb_err(err, EINVAL, "isolator %s: %s", parts[0], jerr.text);
    } else if (k >= ORB_ISOLATOR_RESOURCE_CPU && k <= ORB_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH) {
        v = resource_value(spec, err);
        if (!v)
            return orb_err_wrap(err, "isolator %s", parts[0]);
    } else {
        return orb_err(err, EINVAL, "isolator \"%s\" is not supported for patching", parts[0]);
    }
    remove_isolators(&a->isolators, parts[0]);
    return add_isolator(a, parts[0], v, err);
}

static int patch_isolators(orb_app *a, const char *isolators, orb_error **err)
{
    _cleanup_strv_ char **specs = strv_split(isolators, ':');

    for (char **s = specs; *s; s++)
        if (patch_one_isolator(a, *s, err) < 0)
            return -1;
    return 0;
}

static int patch_gids(orb_app *a, const char *gids, orb_error **err)
{
    _cleanup_strv_ char **items = strv_split(gids, ',');

    a->n_supplementary_gids = 0;
    for (char **s = items; *s; s++) {
        char *end;
        long long g;

        errno = 0;
        g = strtoll(*s, &end, 10);
        if (!**s || *end || errno)
            return orb_err(err, EINVAL, "invalid supplementary group \"%s\"", *s);
        *(int64_t *)xgrow(&a->supplementary_gids, &a->n_supplementary_gids, sizeof(int64_t)) = g;
    }
    return 0;
}

static int patch_mounts(orb_app *a, const char *mounts, orb_error **err)
{
    _cleanup_strv_ char **items = strv_split(mounts, ':');

    for (char **s = items; *s; s++) {
        orb_mount_point mp = {0};

        if (orb_mount_point_parse_string(*s, &mp, err) < 0)
            return -1; /* the message already names the string */
        *(orb_mount_point *)xgrow(&a->mount_points, &a->n_mount_points, sizeof(mp)) = mp;
    }
    return 0;
}

static int patch_ports(orb_app *a, const char *ports, orb_error **err)
{
    _cleanup_strv_ char **items = strv_split(ports, ':');

    for (char **s = items; *s; s++) {
        orb_port port = {0};

        if (orb_port_parse_string(*s, &port, err) < 0)
            return -1;
        if (port.count == 0)
            port.count = 1; /* what the JSON form turns it into */
        *(orb_port *)xgrow(&a->ports, &a->n_ports, sizeof(port)) = port;
    }
    return 0;
}

static void replace_str(char **dst, const char *src)
{
    free(*dst);
    *dst = xstrdup(src);
}

static int patch_app(orb_app *a, const orb_manifest_patch *p, orb_error **err)
{
    if (p->exec) {
        strv_free(a->exec);
        a->exec = strv_split(p->exec, ' ');
    }
    if (p->user)
        replace_str(&a->user, p->user);
    if (p->group)
        replace_str(&a->group, p->group);
    if (p->supplementary_gids && patch_gids(a, p->supplementary_gids, err) < 0)
        return -1;
    if (patch_caps(a, p, err) < 0)
        return -1;
    if (p->mounts && patch_mounts(a, p->mounts, err) < 0)
        return -1;
    if (p->ports && patch_ports(a, p->ports, err) < 0)
        return -1;
    if (patch_seccomp(a, p, err) < 0)
        return -1;
    if (p->isolators && patch_isolators(a, p->isolators, err) < 0)
        return -1;
    return 0;
}

int orb_image_manifest_apply_patch(orb_image_manifest *m, const orb_manifest_patch *p,
                                   orb_error **err)
{
    orb_problems problems = {0};
    const char *why;
    int r;

    if (p->name) {
        why = orb_check_ac_identifier(p->name);
        if (why)
            return orb_err(err, EINVAL, "name: %s", why);
        replace_str(&m->name, p->name);
    }
    if (edits_app(p)) {
        if (!m->app)
            m->app = orb_app_new();
        if (patch_app(m->app, p, err) < 0)
            return -1;
    }
    r = orb_image_manifest_validate(m, &problems);
    if (r < 0)
        orb_problems_to_error(&problems, "patched manifest", err);
    orb_problems_clear(&problems);
    return r;
}
