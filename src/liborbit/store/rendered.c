#include "store/rendered.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/acquire.h"
#include "util/clock.h"
#include "util/copy.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"
#include "util/strv.h"

static int source_manifest(void *ctx, const char *id, orb_image_manifest **ret, orb_error **err)
{
    return orb_store_load_manifest(ctx, id, ret, err);
}

static int source_find(void *ctx, const char *name, const orb_kv_list *labels,
                       char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err)
{
    return orb_store_find(ctx, name, labels, ret_id, err);
}

static char *source_tree(void *ctx, const char *id)
{
    return orb_store_tree_path(ctx, id);
}

void orb_store_render_source(orb_store *s, orb_render_source *ret)
{
    *ret = (orb_render_source){
        .manifest = source_manifest, .find = source_find, .tree = source_tree, .ctx = s};
}

/* Renders into a private directory, then commits it under its render ID. */
static int make_render(orb_store *s, const orb_render_source *src, const orb_render_image *l,
                       size_t n, const char *render_id, orb_error **err)
{
    _cleanup_free_ char *tmp = NULL;
    if (orb_store_mkdtemp(s, "render", &tmp, err) < 0)
        return -1;
    orb_render_record rec = {.render_id = (char *)render_id, .created = orb_now_us()};
    rec.last_used = rec.created;
    snprintf(rec.id, sizeof(rec.id), "%s", l[0].id);
    for (size_t i = 0; i < n; i++)
        strv_push(&rec.image_ids, l[i].id);
    int r = orb_render_into(src, l, n, tmp, ORB_RENDER_LINK, err);
    if (r == 0)
        r = orb_store_commit_render(s, &rec, tmp, err) < 0 ? -1 : 0;
    if (r < 0) {
        _cleanup_error_ orb_error *ignored = NULL;
        orb_rm_rf(tmp, &ignored);
    }
    strv_free(rec.image_ids);
    return r;
}

int orb_store_render(orb_store *s, const char *id, char **ret_render_id, char **ret_dir,
                     orb_error **err)
{
    orb_render_source src;
    orb_store_render_source(s, &src);
    orb_render_image *l = NULL;
    size_t n = 0;
    if (orb_render_list(&src, id, &l, &n, err) < 0)
        return orb_err_wrap(err, "render %s", id);
    bool trivial = orb_render_is_trivial(l, n);
    _cleanup_free_ char *render_id = trivial ? xstrdup(id) : orb_render_id(l, n);
    int r = 0;
    if (!trivial) {
        orb_render_record existing = {0};
        r = orb_store_get_render(s, render_id, &existing, err);
        orb_render_record_clear(&existing);
        if (r == 0)
            r = make_render(s, &src, l, n, render_id, err);
    }
    orb_render_list_free(l, n);
    if (r < 0)
        return orb_err_wrap(err, "render %s", id);
    if (ret_dir)
        *ret_dir = trivial ? orb_store_tree_path(s, id) : orb_store_render_path(s, render_id);
    if (ret_render_id)
        *ret_render_id = TAKE_PTR(render_id);
    return 0;
}

static int open_dir(const char *path, orb_error **err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    return fd < 0 ? orb_err_sys(err, errno, "open %s", path) : fd;
}

/* Fills the (empty, private) directory tmp from the tree. */
static int fill_copy(const char *tree_dir, const char *manifest_path, const char *tmp,
                     bool rootfs_only, orb_error **err)
{
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", tree_dir);
    _cleanup_close_ int src = open_dir(rootfs, err);
    _cleanup_close_ int dst = src < 0 ? -1 : open_dir(tmp, err);
    if (dst < 0)
        return -1;
    struct stat st;
    if (fstat(src, &st) < 0)
        return orb_err_sys(err, errno, "stat %s", rootfs);
    if (rootfs_only)
        return orb_copy_tree(src, dst, err) < 0 || orb_copy_meta_fd(dst, &st, tmp, err) < 0 ? -1
                                                                                            : 0;
    if (fchmod(dst, 0755) < 0)
        return orb_err_sys(err, errno, "chmod %s", tmp);
    if (mkdirat(dst, "rootfs", 0755) < 0)
        return orb_err_sys(err, errno, "create %s/rootfs", tmp);
    _cleanup_close_ int dst_rootfs = openat(dst, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dst_rootfs < 0 || orb_copy_tree(src, dst_rootfs, err) < 0 ||
        orb_copy_meta_fd(dst_rootfs, &st, "rootfs", err) < 0)
        return err && *err ? -1 : orb_err_sys(err, errno, "copy into %s/rootfs", tmp);
    _cleanup_close_ int manifest_dir = -1;
    _cleanup_free_ char *mdir = xstrdup(manifest_path);
    char *slash = strrchr(mdir, '/');
    *slash = '\0';
    manifest_dir = open_dir(mdir, err);
    if (manifest_dir < 0)
        return -1;
    return orb_copy_file_at(manifest_dir, slash + 1, dst, "manifest", err);
}

int orb_store_copy_out(const char *tree_dir, const char *manifest_path, const char *dest,
                       bool rootfs_only, bool overwrite, orb_error **err)
{
    _cleanup_free_ char *tmp = NULL;
    if (orb_output_dir_open(dest, overwrite, &tmp, err) < 0)
        return -1;
    if (fill_copy(tree_dir, manifest_path, tmp, rootfs_only, err) < 0 ||
        orb_output_dir_commit(tmp, dest, overwrite, err) < 0) {
        _cleanup_error_ orb_error *ignored = NULL;
        orb_rm_rf(tmp, &ignored);
        return -1;
    }
    return 0;
}
