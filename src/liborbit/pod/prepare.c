/* Preparing a pod: images acquired and rendered, the pod directory filled,
 * then moved to prepared/ in one rename. A failure sends it to garbage/. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pod/prepare.h"
#include "store/rendered.h"
#include "util/copy.h"
#include "util/fs.h"
#include "util/mem.h"

typedef struct images {
    size_t n;
    char **ids; /* NULL-terminated */
    orb_image_manifest **manifests;
} images;

static void images_clear(images *im)
{
    for (size_t i = 0; i < im->n; i++)
        orb_image_manifest_free(im->manifests[i]);
    free(im->manifests);
    strv_free(im->ids);
}

/* What to acquire for an app of a given pod manifest: its ID, else its name
 * with labels. */
static char *given_source(const orb_runtime_app *ra)
{
    if (ra->image.id && *ra->image.id)
        return xstrdup(ra->image.id);
    char *s = xstrdup(ra->image.name ? ra->image.name : "");
    for (size_t i = 0; i < ra->image.labels.n; i++) {
        char *t = xasprintf("%s,%s=%s", s, ra->image.labels.items[i].name,
                            ra->image.labels.items[i].value);
        free(s);
        s = t;
    }
    return s;
}

static int given_sources(const char *path, char ***ret, orb_error **err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    orb_pod_manifest *pm = NULL;
    if (orb_read_file(path, ORB_MANIFEST_MAX_SIZE, &buf, &len, err) < 0 ||
        orb_pod_manifest_load(buf, len, &pm, err) < 0)
        return orb_err_wrap(err, "--pod-manifest %s", path);
    char **v = NULL;
    for (size_t i = 0; i < pm->n_apps; i++)
        strv_push_take(&v, given_source(&pm->apps[i]));
    orb_pod_manifest_free(pm);
    if (!v)
        return orb_err(err, EINVAL, "--pod-manifest %s: no apps", path);
    *ret = v;
    return 0;
}

static int acquire_images(orb_store *s, const orb_pod_request *r, images *im, orb_error **err)
{
    _cleanup_strv_ char **sources = NULL;
    if (r->pod_manifest_path) {
        if (given_sources(r->pod_manifest_path, &sources, err) < 0)
            return -1;
    } else {
        for (size_t i = 0; i < r->n_apps; i++)
            strv_push(&sources, r->apps[i].image ? r->apps[i].image : "");
    }
    size_t n = strv_length(sources);
    im->manifests = xcalloc(n ? n : 1, sizeof(*im->manifests));
    for (size_t i = 0; i < n; i++) {
        char id[ORB_IMAGE_ID_LEN + 1];
        if (orb_acquire(s, sources[i], &r->acquire, id, err) < 0)
            return orb_err_wrap(err, "image %s", sources[i]);
        strv_push(&im->ids, id);
        im->n++;
        if (orb_store_load_manifest(s, id, &im->manifests[i], err) < 0)
            return orb_err_wrap(err, "image %s", sources[i]);
    }
    return 0;
}

/* ---- the pod directory ----------------------------------------------------- */

static int pod_mkdir(const orb_pod *p, const char *rel, mode_t mode, orb_error **err)
{
    _cleanup_free_ char *path = orb_pod_path(p, rel);
    if (mkdir(path, mode) < 0 && errno != EEXIST)
        return orb_err_sys(err, errno, "mkdir %s", path);
    if (chmod(path, mode) < 0) /* not subject to the umask */
        return orb_err_sys(err, errno, "chmod %s", path);
    return 0;
}

/* Opens a directory of the pod for copying into. */
static int pod_open_dir(const orb_pod *p, const char *rel, orb_error **err)
{
    _cleanup_free_ char *path = orb_pod_path(p, rel);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "open %s", path);
    return fd;
}

/* The app's root: an overlay over the rendered tree (made at run time,
 * the upper layer taking the tree root's owner and mode so the merged root
 * looks like the image's), or a private copy of it. */
static int app_root(const orb_pod *p, const char *name, const char *tree_dir, bool overlay,
                    orb_error **err)
{
    _cleanup_free_ char *src = xasprintf("%s/rootfs", tree_dir);
    _cleanup_free_ char *rootfs = xasprintf("apps/%s/rootfs", name);
    _cleanup_free_ char *upper = xasprintf("apps/%s/upper", name);
    _cleanup_free_ char *work = xasprintf("apps/%s/work", name);
    _cleanup_close_ int sfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (sfd < 0 || fstat(sfd, &st) < 0)
        return orb_err_sys(err, errno, "open %s", src);
    if (pod_mkdir(p, rootfs, 0755, err) < 0)
        return -1;
    if (overlay) {
        if (pod_mkdir(p, upper, 0755, err) < 0 || pod_mkdir(p, work, 0700, err) < 0)
            return -1;
        _cleanup_close_ int ufd = pod_open_dir(p, upper, err);
        return ufd < 0 ? -1 : orb_copy_meta_fd(ufd, &st, upper, err);
    }
    _cleanup_close_ int dfd = pod_open_dir(p, rootfs, err);
    if (dfd < 0 || orb_copy_tree(sfd, dfd, err) < 0 || orb_copy_meta_fd(dfd, &st, rootfs, err) < 0)
        return orb_err_wrap(err, "copy %s", src);
    return 0;
}

static int app_dir(orb_store *s, const orb_pod *p, const orb_runtime_app *ra,
                   const orb_image_manifest *img, bool overlay, char ***trees, orb_error **err)
{
    _cleanup_free_ char *render_id = NULL, *tree_dir = NULL;
    if (orb_store_render(s, ra->image.id, &render_id, &tree_dir, err) < 0)
        return orb_err_wrap(err, "app %s: render %s", ra->name, ra->image.id);
    if (!strv_contains(*trees, render_id))
        strv_push(trees, render_id);
    _cleanup_free_ char *dir = xasprintf("apps/%s", ra->name);
    _cleanup_free_ char *mf = xasprintf("apps/%s/manifest", ra->name);
    _cleanup_free_ char *tree = xasprintf("apps/%s/tree", ra->name);
    _cleanup_free_ char *json = orb_image_manifest_to_json(img, false);
    if (pod_mkdir(p, dir, 0755, err) < 0 || orb_pod_write_file(p, mf, json, err) < 0 ||
        orb_pod_write_file(p, tree, tree_dir, err) < 0 ||
        app_root(p, ra->name, tree_dir, overlay, err) < 0)
        return orb_err_wrap(err, "app %s", ra->name);
    return 0;
}

static int empty_volume(const orb_pod *p, const orb_volume *v, orb_error **err)
{
    char *end;
    unsigned long mode = v->mode ? strtoul(v->mode, &end, 8) : 0755;
    if (v->mode && (*end || mode > 07777))
        return orb_err(err, EINVAL, "volume %s: mode \"%s\" is not an octal mode", v->name,
                       v->mode);
    _cleanup_free_ char *rel = xasprintf("volumes/%s", v->name);
    _cleanup_free_ char *path = orb_pod_path(p, rel);
    if (pod_mkdir(p, rel, (mode_t)mode, err) < 0)
        return -1;
    if (chown(path, v->has_uid ? (uid_t)v->uid : 0, v->has_gid ? (gid_t)v->gid : 0) < 0 ||
        chmod(path, (mode_t)mode) < 0) /* chown may clear set-id bits */
        return orb_err_sys(err, errno, "volume %s", v->name);
    return 0;
}

static int fill_pod(orb_store *s, const orb_pod *p, const orb_pod_request *r,
                    const orb_pod_manifest *pm, const images *im, orb_error **err)
{
    _cleanup_strv_ char **trees = NULL;
    if (pod_mkdir(p, "apps", 0755, err) < 0 || pod_mkdir(p, "volumes", 0755, err) < 0)
        return -1;
    for (size_t i = 0; i < pm->n_apps; i++)
        if (app_dir(s, p, &pm->apps[i], im->manifests[i], !r->no_overlay, &trees, err) < 0)
            return -1;
    for (size_t i = 0; i < pm->n_volumes; i++)
        if (pm->volumes[i].kind == ORB_VOLUME_EMPTY && empty_volume(p, &pm->volumes[i], err) < 0)
            return -1;
    _cleanup_free_ char *joined = strv_join(trees, "\n");
    _cleanup_free_ char *trees_text = xasprintf("%s\n", joined ? joined : "");
    if (orb_pod_write_file(p, ORB_POD_TREES, trees_text, err) < 0)
        return -1;
    if (!r->no_overlay && orb_pod_write_file(p, ORB_POD_OVERLAY, "", err) < 0)
        return -1;
    /* the manifest last: a pod with one is complete */
    _cleanup_free_ char *json = orb_pod_manifest_to_json(pm, true);
    _cleanup_free_ char *text = xasprintf("%s\n", json);
    return orb_pod_write_file(p, ORB_POD_MANIFEST, text, err);
}

static int prepare_dir(orb_store *s, const char *data_dir, const orb_pod_request *r,
                       const orb_pod_manifest *pm, const images *im, orb_pod **ret, orb_error **err)
{
    _cleanup_(orb_pod_freep) orb_pod *p = NULL;
    if (orb_pod_create(data_dir, &p, err) < 0)
        return -1;
    /* shared: image gc (exclusive) must not remove the trees we link to */
    _cleanup_close_ int store_lock = orb_store_lock(s, false, err);
    if (store_lock < 0 || fill_pod(s, p, r, pm, im, err) < 0 ||
        orb_pod_move(p, ORB_POD_PREPARED, err) < 0) {
        _cleanup_error_ orb_error *ignored = NULL;
        orb_pod_move(p, ORB_POD_GARBAGE, &ignored);
        return orb_err_wrap(err, "prepare pod %s", p->uuid);
    }
    *ret = TAKE_PTR(p);
    return 0;
}

int orb_pod_prepare(orb_store *s, const char *data_dir, const orb_pod_request *r, orb_pod **ret,
                    orb_error **err)
{
    images im = {0};
    orb_pod_manifest *pm = NULL;
    int rc = -1;
    if (acquire_images(s, r, &im, err) < 0 ||
        orb_pod_manifest_reify(r, im.ids, im.manifests, &pm, err) < 0)
        goto out;
    rc = prepare_dir(s, data_dir, r, pm, &im, ret, err);
out:
    orb_pod_manifest_free(pm);
    images_clear(&im);
    return rc;
}
