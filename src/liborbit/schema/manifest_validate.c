/* The value rules of both manifests (appc-rules.md §1-§2), applied to the
 * decoded structures so that parsing and in-memory edits share them. */
#include <arpa/inet.h>
#include <string.h>

#include "schema/manifest_internal.h"
#include "util/mem.h"

static void check_ident(const char *s, bool required, const char *path, orb_problems *p,
                        const char *(*check)(const char *))
{
    const char *why;

    if (!s) {
        if (required)
            mf_problem(p, "%s: is required", path);
        return;
    }
    why = check(s);
    if (why)
        mf_problem(p, "%s: %s", path, why);
}

static bool seen_before(const orb_kv_list *l, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(l->items[j].name, l->items[i].name) == 0)
            return true;
    return false;
}

static ssize_t kv_index(const orb_kv_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return (ssize_t)i;
    return -1;
}

void mf_check_labels(const orb_kv_list *l, const char *path, orb_problems *p)
{
    ssize_t os = kv_index(l, "os"), arch = kv_index(l, "arch");
    const char *why;

    for (size_t i = 0; i < l->n; i++) {
        _cleanup_free_ char *np = xasprintf("%s[%zu].name", path, i);

        check_ident(l->items[i].name, true, np, p, orb_check_ac_identifier);
        if (strcmp(l->items[i].name, "name") == 0)
            mf_problem(p, "%s: \"name\" is reserved and cannot be a label", np);
        else if (seen_before(l, i))
            mf_problem(p, "%s: duplicate label \"%s\"", np, l->items[i].name);
    }
    if (os < 0)
        return;
    why = orb_check_os_arch(l->items[os].value, NULL);
    if (why)
        mf_problem(p, "%s[%zd].value: %s", path, os, why);
    else if (arch >= 0 && (why = orb_check_os_arch(l->items[os].value, l->items[arch].value)))
        mf_problem(p, "%s[%zd].value: %s", path, arch, why);
}

void mf_check_annotations(const orb_kv_list *l, const char *path, orb_problems *p)
{
    for (size_t i = 0; i < l->n; i++) {
        const orb_kv *kv = &l->items[i];
        _cleanup_free_ char *np = xasprintf("%s[%zu].name", path, i);
        const char *why = NULL;

        check_ident(kv->name, true, np, p, orb_check_ac_identifier);
        if (seen_before(l, i))
            mf_problem(p, "%s: duplicate annotation \"%s\"", np, kv->name);
        if (strcmp(kv->name, "created") == 0)
            why = orb_check_date(kv->value);
        else if (strcmp(kv->name, "homepage") == 0 || strcmp(kv->name, "documentation") == 0)
            why = orb_check_http_url(kv->value);
        if (why)
            mf_problem(p, "%s[%zu].value: %s", path, i, why);
    }
}

void mf_check_port(const orb_port *port, const char *path, orb_problems *p)
{
    _cleanup_free_ char *np = mf_path(path, "name");
    const char *why;

    check_ident(port->name, true, np, p, orb_check_ac_name);
    if (port->count == 0) {
        mf_problem(p, "%s.count: must be at least 1", path);
        return;
    }
    why = orb_port_check_range(port->port, port->count);
    if (why)
        mf_problem_at(p, path, why);
}

static void check_required_string(const char *s, const char *path, orb_problems *p)
{
    if (!s)
        mf_problem(p, "%s: is required", path);
    else if (!*s)
        mf_problem(p, "%s: must not be empty", path);
}

static void check_event_handlers(const orb_app *a, const char *path, orb_problems *p)
{
    bool pre = false, post = false;

    for (size_t i = 0; i < a->n_event_handlers; i++) {
        const char *name = a->event_handlers[i].name;
        bool *seen = NULL;

        if (!name || !*name)
            mf_problem(p, "%s.eventHandlers[%zu].name: is required", path, i);
        else if (strcmp(name, "pre-start") == 0)
            seen = &pre;
        else if (strcmp(name, "post-stop") == 0)
            seen = &post;
        else
            mf_problem(p, "%s.eventHandlers[%zu].name: must be \"pre-start\" or \"post-stop\"",
                       path, i);
        if (seen && *seen)
            mf_problem(p, "%s.eventHandlers[%zu].name: duplicate event handler \"%s\"", path, i,
                       name);
        if (seen)
            *seen = true;
    }
}

static void check_environment(const orb_kv_list *l, const char *path, orb_problems *p)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *why = orb_check_env_name(l->items[i].name);

        if (why)
            mf_problem(p, "%s.environment[%zu].name: %s", path, i, why);
        else if (seen_before(l, i))
            mf_problem(p, "%s.environment[%zu].name: duplicate variable \"%s\"", path, i,
                       l->items[i].name);
    }
}

void mf_check_app(const orb_app *a, const char *path, orb_problems *p)
{
    _cleanup_free_ char *up = mf_path(path, "user"), *gp = mf_path(path, "group");
    _cleanup_free_ char *ip = mf_path(path, "isolators");

    if (!a)
        return;
    check_required_string(a->user, up, p);
    check_required_string(a->group, gp, p);
    if (a->working_directory && *a->working_directory && a->working_directory[0] != '/')
        mf_problem(p, "%s.workingDirectory: must be an absolute path", path);
    check_event_handlers(a, path, p);
    check_environment(&a->environment, path, p);
    orb_isolators_check_app(&a->isolators, ip, p);
    for (size_t i = 0; i < a->n_mount_points; i++) {
        _cleanup_free_ char *mp = xasprintf("%s.mountPoints[%zu]", path, i);
        _cleanup_free_ char *np = mf_path(mp, "name"), *pp = mf_path(mp, "path");

        check_ident(a->mount_points[i].name, true, np, p, orb_check_ac_name);
        check_required_string(a->mount_points[i].path, pp, p);
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        _cleanup_free_ char *pp = xasprintf("%s.ports[%zu]", path, i);
        mf_check_port(&a->ports[i], pp, p);
    }
}

static void check_version(const char *v, bool required, orb_problems *p)
{
    const char *why;

    if (!v) {
        if (required)
            mf_problem(p, "acVersion: is required");
        return;
    }
    why = orb_semver_parse(v, NULL);
    if (why)
        mf_problem(p, "acVersion: %s", why);
}

/* Validation runs on a private list so that the result does not depend on
 * what the caller's list already holds (problems are de-duplicated). */
static int finish(orb_problems *local, orb_problems *problems)
{
    int r = local->n > 0 ? -1 : 0;

    for (size_t i = 0; problems && i < local->n; i++)
        mf_problem(problems, "%s", local->items[i]);
    orb_problems_clear(local);
    return r;
}

int orb_image_manifest_validate(const orb_image_manifest *m, orb_problems *problems)
{
    orb_problems local = {0};
    orb_problems *p = &local;

    check_version(m->ac_version, true, p);
    check_ident(m->name, true, "name", p, orb_check_ac_identifier);
    mf_check_labels(&m->labels, "labels", p);
    mf_check_app(m->app, "app", p);
    mf_check_annotations(&m->annotations, "annotations", p);
    for (size_t i = 0; i < m->n_dependencies; i++) {
        const orb_dependency *d = &m->dependencies[i];
        _cleanup_free_ char *dp = mf_index("dependencies", i);
        _cleanup_free_ char *np = mf_path(dp, "imageName"), *hp = mf_path(dp, "imageID");
        _cleanup_free_ char *lp = mf_path(dp, "labels");

        check_ident(d->image_name, true, np, p, orb_check_ac_identifier);
        check_ident(d->image_id, false, hp, p, orb_check_hash);
        mf_check_labels(&d->labels, lp, p);
    }
    return finish(&local, problems);
}

static void check_volume(const orb_volume *v, const char *path, orb_problems *p)
{
    const char *why = orb_volume_check(v);

    if (why)
        mf_problem_at(p, path, why);
}

static void check_mounts(const orb_runtime_app *ra, const char *path, orb_problems *p)
{
    for (size_t j = 0; j < ra->n_mounts; j++) {
        const orb_mount *mt = &ra->mounts[j];
        _cleanup_free_ char *mp = xasprintf("%s.mounts[%zu]", path, j);
        _cleanup_free_ char *vp = mf_path(mp, "volume"), *pp = mf_path(mp, "path");
        _cleanup_free_ char *avp = mf_path(mp, "appVolume");

        check_ident(mt->volume, true, vp, p, orb_check_ac_name);
        check_required_string(mt->path, pp, p);
        if (mt->app_volume)
            check_volume(mt->app_volume, avp, p);
    }
}

static void check_runtime_app(const orb_pod_manifest *m, size_t i, orb_problems *p)
{
    const orb_runtime_app *ra = &m->apps[i];
    _cleanup_free_ char *ap = mf_index("apps", i), *np = mf_path(ap, "name");
    _cleanup_free_ char *inp = mf_path(ap, "image.name"), *iip = mf_path(ap, "image.id");
    _cleanup_free_ char *ilp = mf_path(ap, "image.labels"), *app = mf_path(ap, "app");
    _cleanup_free_ char *anp = mf_path(ap, "annotations");

    check_ident(ra->name, true, np, p, orb_check_ac_name);
    for (size_t j = 0; ra->name && j < i; j++)
        if (m->apps[j].name && strcmp(m->apps[j].name, ra->name) == 0) {
            mf_problem(p, "%s: duplicate app name \"%s\"", np, ra->name);
            break;
        }
    check_ident(ra->image.name, false, inp, p, orb_check_ac_identifier);
    check_ident(ra->image.id, false, iip, p, orb_check_hash);
    mf_check_labels(&ra->image.labels, ilp, p);
    mf_check_app(ra->app, app, p);
    check_mounts(ra, ap, p);
    mf_check_annotations(&ra->annotations, anp, p);
}

static void check_volumes(const orb_pod_manifest *m, orb_problems *p)
{
    for (size_t i = 0; i < m->n_volumes; i++) {
        _cleanup_free_ char *vp = mf_index("volumes", i);
        const char *name = m->volumes[i].name;

        check_volume(&m->volumes[i], vp, p);
        for (size_t j = 0; name && j < i; j++)
            if (m->volumes[j].name && strcmp(m->volumes[j].name, name) == 0) {
                mf_problem(p, "%s.name: duplicate volume name \"%s\"", vp, name);
                break;
            }
    }
}

static bool ip_valid(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static void check_exposed_ports(const orb_pod_manifest *m, orb_problems *p)
{
    for (size_t i = 0; i < m->n_ports; i++) {
        const orb_exposed_port *x = &m->ports[i];
        _cleanup_free_ char *xp = mf_index("ports", i), *np = mf_path(xp, "name");
        _cleanup_free_ char *pp = mf_path(xp, "podPort");

        check_ident(x->name, true, np, p, orb_check_ac_name);
        if (x->host_ip && !ip_valid(x->host_ip))
            mf_problem(p, "%s.hostIP: must be an IPv4 or IPv6 address", xp);
        if (x->pod_port)
            mf_check_port(x->pod_port, pp, p);
    }
}

int orb_pod_manifest_validate(const orb_pod_manifest *m, orb_problems *problems)
{
    orb_problems local = {0};
    orb_problems *p = &local;

    check_version(m->ac_version, false, p);
    for (size_t i = 0; i < m->n_apps; i++)
        check_runtime_app(m, i, p);
    check_volumes(m, p);
    for (size_t i = 0; i < m->isolators.n; i++) {
        _cleanup_free_ char *np = xasprintf("isolators[%zu].name", i);
        check_ident(m->isolators.items[i].name, true, np, p, orb_check_ac_identifier);
    }
    mf_check_annotations(&m->annotations, "annotations", p);
    check_exposed_ports(m, p);
    return finish(&local, problems);
}
