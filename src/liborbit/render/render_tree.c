/* Laying the selected entries down into dest/rootfs, as hard links into the
 * source trees or as copies. Entries are placed in path order (a parent
 * sorts before everything beneath it), directories are created owner-writable
 * and get their final mode and times last, deepest first, so a read-only
 * directory never blocks its own children. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render/render_internal.h"
#include "util/copy.h"
#include "util/mem.h"

/* The last directory opened, reused while consecutive entries share it. */
typedef struct dir_cache {
    char *key;
    int fd;
} dir_cache;

typedef struct lay_ctx {
    const int *src_fds; /* rootfs of each image */
    int dst_root;       /* dest/rootfs */
    orb_render_mode mode;
    orb_inode_map *links;
    dir_cache dst, src;
} lay_ctx;

static void cache_clear(dir_cache *c)
{
    free(c->key);
    if (c->fd >= 0)
        close(c->fd);
    *c = (dir_cache){.fd = -1};
}

/* Opens the directory rel ("" for root) below root_fd, never following a
 * symlink; with create, missing components are made 0755 (they are parents
 * no image provides). Returns the fd, or -1 with errno. */
static int open_dir_path(int root_fd, const char *rel, bool create)
{
    int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_free_ char *copy = xstrdup(rel);
    char *save = NULL;
    for (char *comp = strtok_r(copy, "/", &save); comp && fd >= 0;
         comp = strtok_r(NULL, "/", &save)) {
        int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && create && mkdirat(fd, comp, 0755) == 0)
            next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        close(fd);
        errno = saved;
        fd = next;
    }
    return fd;
}

static int cached_dir(dir_cache *c, int root_fd, const char *key, const char *rel, bool create)
{
    if (c->key && strcmp(c->key, key) == 0)
        return c->fd;
    cache_clear(c);
    int fd = open_dir_path(root_fd, rel, create);
    if (fd >= 0)
        *c = (dir_cache){.key = xstrdup(key), .fd = fd};
    return fd;
}

static int place_nondir(lay_ctx *c, const render_entry *e, const char *rel, const char *parent,
                        const char *base, int dfd, orb_error **err)
{
    _cleanup_free_ char *key = xasprintf("%zu:%s", e->image, parent);
    int sfd = cached_dir(&c->src, c->src_fds[e->image], key, parent, false);
    if (sfd < 0)
        return orb_err_sys(err, errno, "%s: open source directory", e->path);
    if (c->mode == ORB_RENDER_LINK) {
        if (linkat(sfd, base, dfd, base, 0) < 0)
            return orb_err_sys(err, errno, "%s: link", e->path);
        return 0;
    }
    /* Hard links are preserved only within one source tree: tag = image. */
    const char *first = e->st.st_nlink > 1 ? orb_inode_map_get(c->links, e->image, &e->st) : NULL;
    if (first) {
        if (linkat(c->dst_root, first, dfd, base, 0) < 0)
            return orb_err_sys(err, errno, "%s: link to rootfs/%s", e->path, first);
        return 0;
    }
    if (orb_copy_node_at(sfd, base, &e->st, dfd, base, err) < 0)
        return -1;
    if (e->st.st_nlink > 1)
        orb_inode_map_put(c->links, e->image, &e->st, rel);
    return 0;
}

static int place_entry(lay_ctx *c, const render_entry *e, orb_error **err)
{
    if (strcmp(e->path, "rootfs") == 0)
        return 0;
    const char *rel = e->path + strlen("rootfs/");
    const char *slash = strrchr(rel, '/');
    _cleanup_free_ char *parent = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
    const char *base = slash ? slash + 1 : rel;
    int dfd = cached_dir(&c->dst, c->dst_root, parent, parent, true);
    if (dfd < 0 && (errno == ENOTDIR || errno == ELOOP))
        return 0; /* beneath a non-directory chosen from another image: dropped */
    if (dfd < 0)
        return orb_err_sys(err, errno, "%s: open parent directory", e->path);
    if (S_ISDIR(e->st.st_mode)) {
        if (mkdirat(dfd, base, 0700) < 0 && errno != EEXIST)
            return orb_err_sys(err, errno, "%s: create directory", e->path);
        return 0;
    }
    return place_nondir(c, e, rel, parent, base, dfd, err);
}

/* Gives a chosen directory the mode, owner, times and xattrs of its source. */
static int finish_dir(lay_ctx *c, const render_entry *e, orb_error **err)
{
    const char *rel = strcmp(e->path, "rootfs") == 0 ? "" : e->path + strlen("rootfs/");
    _cleanup_close_ int dfd = open_dir_path(c->dst_root, rel, false);
    if (dfd < 0 && (errno == ENOTDIR || errno == ELOOP || errno == ENOENT))
        return 0; /* dropped in place_entry */
    if (dfd < 0)
        return orb_err_sys(err, errno, "%s: open", e->path);
    _cleanup_close_ int sfd = open_dir_path(c->src_fds[e->image], rel, false);
    if (sfd < 0)
        return orb_err_sys(err, errno, "%s: open source", e->path);
    if (orb_copy_xattrs_fd(sfd, dfd, e->path, err) < 0)
        return -1;
    return orb_copy_meta_fd(dfd, &e->st, e->path, err);
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const render_entry *)a)->path, ((const render_entry *)b)->path);
}

static int lay_down(lay_ctx *c, render_selection *sel, orb_error **err)
{
    if (sel->n > 1)
        qsort(sel->items, sel->n, sizeof(render_entry), compare_entries);
    for (size_t i = 0; i < sel->n; i++)
        if (place_entry(c, &sel->items[i], err) < 0)
            return -1;
    cache_clear(&c->dst);
    cache_clear(&c->src);
    for (size_t i = sel->n; i-- > 0;)
        if (S_ISDIR(sel->items[i].st.st_mode) && finish_dir(c, &sel->items[i], err) < 0)
            return -1;
    return 0;
}

static int open_rootfs(const orb_render_source *src, const char *id, orb_error **err)
{
    _cleanup_free_ char *tree = src->tree(src->ctx, id);
    if (!tree)
        return orb_err(err, ENOENT, "image %s: no extracted tree", id);
    _cleanup_close_ int tfd = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tfd < 0)
        return orb_err_sys(err, errno, "image %s: open %s", id, tree);
    int fd = openat(tfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "image %s: open %s/rootfs", id, tree);
    return fd;
}

static int make_dest(const char *dest_dir, orb_error **err)
{
    _cleanup_close_ int dfd = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return orb_err_sys(err, errno, "%s", dest_dir);
    if (mkdirat(dfd, "rootfs", 0700) < 0)
        return orb_err_sys(err, errno, "%s/rootfs: create", dest_dir);
    int fd = openat(dfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "%s/rootfs: open", dest_dir);
    return fd;
}

int orb_render_into(const orb_render_source *src, const orb_render_image *l, size_t n,
                    const char *dest_dir, orb_render_mode mode, orb_error **err)
{
    if (n == 0)
        return orb_err(err, EINVAL, "render: empty image list");
    int *fds = xcalloc(n, sizeof(int));
    size_t opened = 0;
    render_selection sel = {0};
    lay_ctx c = {.mode = mode, .dst_root = -1, .dst = {.fd = -1}, .src = {.fd = -1}};
    int r = 0;
    for (; opened < n && r == 0; opened++)
        if ((fds[opened] = open_rootfs(src, l[opened].id, err)) < 0)
            r = -1;
    if (r == 0)
        r = render_select(l, n, fds, &sel, err);
    if (r == 0 && (c.dst_root = make_dest(dest_dir, err)) < 0)
        r = -1;
    if (r == 0) {
        c.src_fds = fds;
        c.links = orb_inode_map_new();
        r = lay_down(&c, &sel, err);
    }
    cache_clear(&c.dst);
    cache_clear(&c.src);
    orb_inode_map_free(c.links);
    if (c.dst_root >= 0)
        close(c.dst_root);
    for (size_t i = 0; i < opened; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    render_selection_clear(&sel);
    return r < 0 ? orb_err_wrap(err, "render into %s", dest_dir) : 0;
}
