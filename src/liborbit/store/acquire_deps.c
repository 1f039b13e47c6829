/* Dependencies of a fetched image: found in the store by imageID or by name
 * and labels, else fetched from beside the image (its directory or base URL)
 * or from --dependency-dir, under the names the discovery templates use:
 *   <base>-<version>-<os>-<arch>.aci, <base>-<version>.aci, <base>.aci
 * where <base> is the last path segment of the dependency's name. The
 * dependencies of an image found by name are discovered by name as well. */
#include <errno.h>
#include <string.h>

#include "fetch/fetch.h"
#include "store/acquire.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/strv.h"

/* Dependencies nest; a longer chain than this is a cycle or an attack. */
#define MAX_DEPENDENCY_DEPTH 32

int orb_store_load_manifest(orb_store *s, const char *id, orb_image_manifest **ret, orb_error **err)
{
    _cleanup_free_ char *tree = orb_store_tree_path(s, id);
    _cleanup_free_ char *path = xasprintf("%s/manifest", tree);
    _cleanup_free_ char *json = NULL;
    size_t len = 0;
    if (orb_read_file(path, ORB_MANIFEST_MAX_SIZE, &json, &len, err) < 0 ||
        orb_image_manifest_load(json, len, ret, err) < 0)
        return orb_err_wrap(err, "image %s", id);
    return 0;
}

/* "example.com/b (version=1.0, os=linux)" */
static char *describe(const orb_dependency *d)
{
    if (d->labels.n == 0)
        return xstrdup(d->image_name);
    char **parts = NULL;
    for (size_t i = 0; i < d->labels.n; i++)
        strv_push_take(&parts,
                       xasprintf("%s=%s", d->labels.items[i].name, d->labels.items[i].value));
    _cleanup_free_ char *joined = strv_join(parts, ", ");
    strv_free(parts);
    return xasprintf("%s (%s)", d->image_name, joined);
}

static char **candidate_names(const orb_dependency *d)
{
    const char *slash = strrchr(d->image_name, '/');
    const char *base = slash ? slash + 1 : d->image_name;
    const char *version = orb_kv_get(&d->labels, "version");
    const char *os = orb_kv_get(&d->labels, "os");
    const char *arch = orb_kv_get(&d->labels, "arch");
    char **names = NULL;
    if (version) {
        strv_push_take(&names, xasprintf("%s-%s-%s-%s.aci", base, version, os ? os : orb_host_os(),
                                         arch ? arch : orb_host_arch()));
        strv_push_take(&names, xasprintf("%s-%s.aci", base, version));
    }
    strv_push_take(&names, xasprintf("%s.aci", base));
    return names;
}

/* Where to look for a dependency's file: beside the image, then each
 * --dependency-dir, each with every candidate name. */
static char **candidate_locations(const orb_acquisition *a, const orb_dependency *d,
                                  const char *origin)
{
    _cleanup_strv_ char **names = candidate_names(d);
    char **locations = NULL;
    for (char **n = names; origin && *n; n++)
        strv_push_take(&locations, orb_url_sibling(origin, *n));
    for (char **dir = a->o->dependency_dirs; dir && *dir; dir++)
        for (char **n = names; *n; n++)
            strv_push_take(&locations, xasprintf("%s/%s", *dir, *n));
    return locations;
}

/* 1 and ret_id/ret_origin when the dependency was found or fetched, 0 when
 * it is nowhere. */
static int find_or_fetch(orb_acquisition *a, const orb_dependency *d, const char *origin,
                         char ret_id[ORB_IMAGE_ID_LEN + 1], char **ret_origin, orb_error **err)
{
    *ret_origin = NULL;
    if (d->image_id && orb_store_resolve(a->store, d->image_id, ret_id, NULL) == 0)
        return 1;
    if (!d->image_id) {
        int found = orb_store_find(a->store, d->image_name, &d->labels, ret_id, err);
        if (found != 0)
            return found;
    }
    orb_expectation exp = {.id = d->image_id,
                           .name = d->image_name,
                           .labels = &d->labels,
                           .has_size = d->has_size,
                           .size = d->size};
    _cleanup_strv_ char **locations = candidate_locations(a, d, origin);
    for (char **l = locations; l && *l; l++) {
        int r = orb_acquire_location(a, *l, true, &exp, ret_id, err);
        if (r != 0) {
            if (r == 1)
                *ret_origin = xstrdup(*l);
            return r;
        }
    }
    /* Images found by name have their dependencies found by name too. */
    if (!origin && a->o->pull != ORB_PULL_NEVER)
        return orb_acquire_discover(a, d->image_name, &d->labels, &exp, ret_id, err) < 0 ? -1 : 1;
    return 0;
}

/* A dependency found in the store by name must still be what was declared. */
static int check_found(orb_acquisition *a, const orb_dependency *d, const char *id, orb_error **err)
{
    orb_image_record rec = {0};
    int r = orb_store_get(a->store, id, &rec, err);
    if (r == 1 && d->has_size && rec.tar_size != d->size)
        r = orb_err(err, EINVAL, "size %llu does not match the image's %llu bytes",
                    (unsigned long long)d->size, (unsigned long long)rec.tar_size);
    else if (r == 1 && d->image_id && strncmp(id, d->image_id, strlen(d->image_id)) != 0)
        r = orb_err(err, EINVAL, "image ID %s does not match the declared %s", id, d->image_id);
    orb_image_record_clear(&rec);
    return r < 0 ? -1 : 0;
}

static int acquire_tree(orb_acquisition *a, const char *id, const char *origin, char ***chain,
                        orb_error **err);

static int acquire_one(orb_acquisition *a, const orb_image_manifest *m, const orb_dependency *d,
                       const char *origin, char ***chain, orb_error **err)
{
    _cleanup_free_ char *what = describe(d);
    if (strv_contains(*chain, d->image_name)) {
        _cleanup_free_ char *path = strv_join(*chain, " -> ");
        return orb_err(err, ELOOP, "dependency cycle: %s -> %s", path, d->image_name);
    }
    if (strv_length(*chain) >= MAX_DEPENDENCY_DEPTH)
        return orb_err(err, ELOOP, "dependency %s of %s: more than %d levels of dependencies", what,
                       m->name, MAX_DEPENDENCY_DEPTH);
    char id[ORB_IMAGE_ID_LEN + 1];
    _cleanup_free_ char *found_at = NULL;
    int r = find_or_fetch(a, d, origin, id, &found_at, err);
    if (r == 0)
        return orb_err(err, ENOENT,
                       "dependency %s of %s: not in the store, beside the image, or in a "
                       "--dependency-dir",
                       what, m->name);
    if (r < 0 || check_found(a, d, id, err) < 0)
        return orb_err_wrap(err, "dependency %s of %s", what, m->name);
    return acquire_tree(a, id, found_at ? found_at : origin, chain, err);
}

static int acquire_tree(orb_acquisition *a, const char *id, const char *origin, char ***chain,
                        orb_error **err)
{
    _cleanup_(orb_image_manifest_freep) orb_image_manifest *m = NULL;
    if (orb_store_load_manifest(a->store, id, &m, err) < 0)
        return -1;
    strv_push(chain, m->name);
    int r = 0;
    for (size_t i = 0; r == 0 && i < m->n_dependencies; i++)
        r = acquire_one(a, m, &m->dependencies[i], origin, chain, err);
    free((*chain)[strv_length(*chain) - 1]);
    (*chain)[strv_length(*chain) - 1] = NULL;
    return r;
}

int orb_acquire_dependencies(orb_acquisition *a, const char *id, const char *origin,
                             orb_error **err)
{
    _cleanup_strv_ char **chain = NULL;
    return acquire_tree(a, id, origin, &chain, err);
}
