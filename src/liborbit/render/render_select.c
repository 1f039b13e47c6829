/* File selection: which entry of which image ends up in the rendered rootfs.
 * The rules (docs/conformance.md "Rendering") follow the reference renderer:
 * one map shared by all images, images in list order, earlier ones winning,
 * with each image's own and upper pathWhitelist applied. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "render/render_internal.h"
#include "util/copy.h"
#include "util/mem.h"
#include "util/strv.h"

/* ---- a string -> index map (open addressing) ----------------------------- */

typedef struct strmap {
    const char **keys; /* borrowed; NULL: empty slot */
    size_t *vals;
    size_t cap, used;
} strmap;

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t strmap_slot(const strmap *m, const char *key)
{
    size_t i = str_hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static bool strmap_get(const strmap *m, const char *key, size_t *val)
{
    if (m->cap == 0)
        return false;
    size_t i = strmap_slot(m, key);
    if (!m->keys[i])
        return false;
    if (val)
        *val = m->vals[i];
    return true;
}

static void strmap_put(strmap *m, const char *key, size_t val);

static void strmap_grow(strmap *m)
{
    strmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->keys = xcalloc(m->cap, sizeof(char *));
    m->vals = xcalloc(m->cap, sizeof(size_t));
    m->used = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i])
            strmap_put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
}

/* key must outlive the map */
static void strmap_put(strmap *m, const char *key, size_t val)
{
    if ((m->used + 1) * 2 > m->cap)
        strmap_grow(m);
    size_t i = strmap_slot(m, key);
    if (!m->keys[i])
        m->used++;
    m->keys[i] = key;
    m->vals[i] = val;
}

static void strmap_clear(strmap *m)
{
    free(m->keys);
    free(m->vals);
    *m = (strmap){0};
}

/* ---- paths ---------------------------------------------------------------- */

char *render_clean_path(const char *p)
{
    _cleanup_strv_ char **parts = strv_split(p, '/');
    _cleanup_strv_ char **out = NULL;
    size_t n = 0;
    for (size_t i = 0; parts[i]; i++) {
        if (parts[i][0] == '\0' || strcmp(parts[i], ".") == 0)
            continue;
        if (strcmp(parts[i], "..") == 0 && n > 0 && strcmp(out[n - 1], "..") != 0) {
            free(out[--n]);
            out[n] = NULL;
            continue;
        }
        strv_push(&out, parts[i]);
        n++;
    }
    return n ? strv_join(out, "/") : xstrdup(".");
}

/* A whitelist as a set of cleaned "rootfs/..." paths; the strings are kept
 * in *owned. */
static void whitelist_set(char *const *wl, strmap *set, char ***owned)
{
    for (size_t i = 0; wl && wl[i]; i++) {
        _cleanup_free_ char *joined = xasprintf("rootfs/%s", wl[i]);
        char *clean = render_clean_path(joined);
        strv_push_take(owned, clean);
        strmap_put(set, clean, 0);
    }
}

/* ---- selection ------------------------------------------------------------ */

typedef struct select_ctx {
    render_selection *sel;
    strmap all;          /* path -> index in sel */
    strmap *wl;          /* per image; empty map when no whitelist */
    const strmap *own;   /* the current image's */
    const strmap *upper; /* NULL when none */
    size_t image;
    char path[4096];
} select_ctx;

static bool parent_is_file(const select_ctx *c, const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *slash = strrchr(buf, '/'); slash; slash = strrchr(buf, '/')) {
        *slash = '\0';
        size_t k;
        if (strmap_get(&c->all, buf, &k) && !S_ISDIR(c->sel->items[k].st.st_mode))
            return true;
    }
    return false;
}

static bool wanted(const select_ctx *c, const char *path, const struct stat *st)
{
    if (strcmp(path, "rootfs") == 0) /* rule 1 */
        return S_ISDIR(st->st_mode) && !strmap_get(&c->all, path, NULL);
    if (!S_ISDIR(st->st_mode) && c->own->used > 0 && !strmap_get(c->own, path, NULL))
        return false; /* rule 3 */
    if (c->upper && !strmap_get(c->upper, path, NULL))
        return false; /* rule 4 */
    if (strmap_get(&c->all, path, NULL))
        return false;                /* rule 5 */
    return !parent_is_file(c, path); /* rule 6 */
}

static void record(select_ctx *c, const struct stat *st)
{
    render_selection *s = c->sel;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->items = xrealloc(s->items, s->cap * sizeof(render_entry));
    }
    render_entry *e = &s->items[s->n];
    *e = (render_entry){.path = xstrdup(c->path), .image = c->image, .st = *st};
    strmap_put(&c->all, e->path, s->n);
    s->n++;
}

/* Visits the entries under the directory fd (whose path is c->path) in
 * pre-order, names sorted bytewise: a stand-in for archive order. */
static int walk(select_ctx *c, int dirfd, int depth, orb_error **err)
{
    if (depth > 1024)
        return orb_err(err, ELOOP, "%s: directories nested too deep", c->path);
    _cleanup_strv_ char **names = NULL;
    if (orb_copy_list_dir(dirfd, &names, err) < 0)
        return orb_err_wrap(err, "%s", c->path);
    size_t len = strlen(c->path);
    for (size_t i = 0; names[i]; i++) {
        if (len + strlen(names[i]) + 2 > sizeof(c->path))
            return orb_err(err, ENAMETOOLONG, "%s/%s: path too long", c->path, names[i]);
        struct stat st;
        if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
            return orb_err_sys(err, errno, "%s/%s: stat", c->path, names[i]);
        snprintf(c->path + len, sizeof(c->path) - len, "/%s", names[i]);
        if (wanted(c, c->path, &st))
            record(c, &st);
        if (S_ISDIR(st.st_mode)) {
            _cleanup_close_ int fd =
                openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0)
                return orb_err_sys(err, errno, "%s: open", c->path);
            if (walk(c, fd, depth + 1, err) < 0)
                return -1;
        }
        c->path[len] = '\0';
    }
    return 0;
}

static int select_image(select_ctx *c, int rootfs_fd, orb_error **err)
{
    struct stat st;
    if (fstat(rootfs_fd, &st) < 0)
        return orb_err_sys(err, errno, "image %zu: rootfs", c->image);
    snprintf(c->path, sizeof(c->path), "rootfs");
    if (wanted(c, c->path, &st))
        record(c, &st);
    return walk(c, rootfs_fd, 0, err);
}

int render_select(const orb_render_image *l, size_t n, const int *rootfs_fds, render_selection *sel,
                  orb_error **err)
{
    select_ctx c = {.sel = sel, .wl = xcalloc(n ? n : 1, sizeof(strmap))};
    _cleanup_strv_ char **owned = NULL;
    for (size_t i = 0; i < n; i++)
        whitelist_set(l[i].path_whitelist, &c.wl[i], &owned);
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        ssize_t up = orb_render_upper_whitelist(l, n, i);
        c.image = i;
        c.own = &c.wl[i];
        c.upper = up >= 0 ? &c.wl[up] : NULL;
        r = select_image(&c, rootfs_fds[i], err);
        if (r < 0)
            orb_err_wrap(err, "image %s", l[i].id);
    }
    for (size_t i = 0; i < n; i++)
        strmap_clear(&c.wl[i]);
    free(c.wl);
    strmap_clear(&c.all);
    return r;
}

void render_selection_clear(render_selection *sel)
{
    for (size_t i = 0; i < sel->n; i++)
        free(sel->items[i].path);
    free(sel->items);
    *sel = (render_selection){0};
}
