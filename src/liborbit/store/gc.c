/* What pods use, removing images, and garbage collection. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"

#define TREES_FILE_MAX (1024 * 1024)

void store_pod_uses_free(store_pod_use *u, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        strv_free(u[i].render_ids);
        free(u[i].uuid);
    }
    free(u);
}

static void read_pod_trees(int state_fd, const char *uuid, store_pod_use **u, size_t *n)
{
    _cleanup_free_ char *rel = xasprintf("%s/trees", uuid);
    _cleanup_close_ int fd = openat(state_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (fd < 0 || orb_read_fd(TAKE_FD(fd), rel, TREES_FILE_MAX, &buf, &len, NULL) < 0)
        return; /* a pod without a trees file (yet) uses nothing */
    store_pod_use *p = xgrow(u, n, sizeof(**u));
    p->uuid = xstrdup(uuid);
    p->render_ids = xcalloc(1, sizeof(char *));
    for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        line[strcspn(line, " \t\r")] = '\0';
        if (*line)
            strv_push(&p->render_ids, line);
    }
}

static void scan_state_dir(int pods_fd, const char *state, store_pod_use **u, size_t *n)
{
    int fd = openat(pods_fd, state, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    _cleanup_dir_ DIR *dir = d;
    struct dirent *de;
    while ((de = readdir(dir)))
        if (de->d_name[0] != '.')
            read_pod_trees(dirfd(dir), de->d_name, u, n);
}

int store_pod_uses(orb_store *s, store_pod_use **ret, size_t *ret_n, orb_error **err)
{
    _cleanup_free_ char *pods = xasprintf("%s/pods", s->data_dir);
    store_pod_use *u = NULL;
    size_t n = 0;
    int fd = open(pods, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT)
        return orb_err_sys(err, errno, "store: read %s", pods);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (fd >= 0 && !d) {
        close(fd);
        return orb_err_sys(err, errno, "store: read %s", pods);
    }
    _cleanup_dir_ DIR *dir = d;
    struct dirent *de;
    while (dir && (de = readdir(dir)))
        if (de->d_name[0] != '.')
            scan_state_dir(dirfd(dir), de->d_name, &u, &n);
    *ret = u;
    *ret_n = n;
    return 0;
}

/* Pods among uses that use the image with these renders. */
static char **users_of(const store_pod_use *u, size_t n, const char *id, char *const *renders)
{
    char **uuids = xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; u[i].render_ids[j]; j++)
            if (!strcmp(u[i].render_ids[j], id) || strv_contains(renders, u[i].render_ids[j])) {
                if (!strv_contains(uuids, u[i].uuid))
                    strv_push(&uuids, u[i].uuid);
                break;
            }
    return uuids;
}

int orb_store_image_users(orb_store *s, const char *id, char ***ret_uuids, orb_error **err)
{
    store_pod_use *u = NULL;
    size_t n = 0;
    _cleanup_strv_ char **renders = NULL;
    if (store_renders_of_image(s, id, &renders, err) < 0 || store_pod_uses(s, &u, &n, err) < 0)
        return -1;
    *ret_uuids = users_of(u, n, id, renders);
    store_pod_uses_free(u, n);
    return 0;
}

/* Row first, then files: a crash in between leaves only files without a row. */
static int remove_unchecked(orb_store *s, const char *id, orb_error **err)
{
    _cleanup_strv_ char **renders = NULL;
    _cleanup_close_ int lock = store_lock_name(s, id, err);
    if (lock < 0 || store_delete_image(s, id, &renders, err) < 0)
        return -1;
    _cleanup_free_ char *blob = xasprintf("%s.aci", id);
    _cleanup_free_ char *sig = xasprintf("%s.aci.asc", id);
    for (size_t i = 0; renders[i]; i++)
        if (store_discard(s, "rendered", renders[i], err) < 0)
            return -1;
    if (store_discard(s, "trees", id, err) < 0 || store_discard(s, "blobs", sig, err) < 0 ||
        store_discard(s, "blobs", blob, err) < 0)
        return -1;
    return 0;
}

int orb_store_remove(orb_store *s, const char *id, orb_error **err)
{
    /* exclusive: no pod may start using the image between the check and the removal */
    _cleanup_close_ int lock = orb_store_lock(s, true, err);
    if (lock < 0)
        return -1;
    int r = store_has_image(s, id, err);
    if (r <= 0)
        return r < 0 ? -1 : orb_err(err, ENOENT, "no image %s in the store", id);
    _cleanup_strv_ char **users = NULL;
    if (orb_store_image_users(s, id, &users, err) < 0)
        return -1;
    if (users[0]) {
        _cleanup_free_ char *list = strv_join(users, ", ");
        return orb_err(err, EBUSY, "image %s is used by pod%s %s", id, users[1] ? "s" : "", list);
    }
    return remove_unchecked(s, id, err);
}

static bool pods_use(const store_pod_use *u, size_t n, const char *render_id)
{
    for (size_t i = 0; i < n; i++)
        if (strv_contains(u[i].render_ids, render_id))
            return true;
    return false;
}

typedef struct gc_ctx {
    orb_store *s;
    store_pod_use *uses;
    size_t n_uses;
    orb_gc_report *report;
} gc_ctx;

static int gc_renders(gc_ctx *c, orb_error **err)
{
    static const char sql[] = "SELECT render_id, size FROM renders";
    _cleanup_stmt_ sqlite3_stmt *st = store_stmt_get(c->s, sql, "list renders", err);
    if (!st)
        return -1;
    _cleanup_strv_ char **unused = xcalloc(1, sizeof(char *));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *rid = (const char *)sqlite3_column_text(st, 0);
        if (pods_use(c->uses, c->n_uses, rid))
            continue;
        strv_push(&unused, rid);
        c->report->bytes_freed += (uint64_t)sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_DONE)
        return store_sql_err(c->s, rc, err, "list renders");
    sqlite3_reset(st);
    for (size_t i = 0; unused[i]; i++) {
        if (store_delete_render(c->s, unused[i], err) < 0 ||
            store_discard(c->s, "rendered", unused[i], err) < 0)
            return -1;
        c->report->renders_removed++;
    }
    return 0;
}

static int gc_images(gc_ctx *c, int64_t grace_us, orb_error **err)
{
    static const char sql[] = "SELECT id, blob_size + tree_size FROM images WHERE last_used < ?";
    _cleanup_stmt_ sqlite3_stmt *st = store_stmt_get(c->s, sql, "list unused images", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, orb_now_us() - grace_us);
    _cleanup_strv_ char **old = xcalloc(1, sizeof(char *));
    _cleanup_free_ uint64_t *sizes = NULL;
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strv_push(&old, (const char *)sqlite3_column_text(st, 0));
        *(uint64_t *)xgrow(&sizes, &n, sizeof(*sizes)) = (uint64_t)sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_DONE)
        return store_sql_err(c->s, rc, err, "list unused images");
    sqlite3_reset(st);
    for (size_t i = 0; old[i]; i++) {
        _cleanup_strv_ char **renders = NULL;
        if (store_renders_of_image(c->s, old[i], &renders, err) < 0)
            return -1;
        _cleanup_strv_ char **users = users_of(c->uses, c->n_uses, old[i], renders);
        if (users[0])
            continue;
        if (remove_unchecked(c->s, old[i], err) < 0)
            return -1;
        c->report->images_removed++;
        c->report->bytes_freed += sizes[i];
    }
    return 0;
}

/* The row an entry of trees/, blobs/ or rendered/ belongs to (allocated). */
static char *owner_of(const char *subdir, const char *name)
{
    if (strcmp(subdir, "blobs"))
        return xstrdup(name);
    size_t len = strlen(name);
    if (len > 8 && !strcmp(name + len - 8, ".aci.asc"))
        return xstrndup(name, len - 8);
    if (len > 4 && !strcmp(name + len - 4, ".aci"))
        return xstrndup(name, len - 4);
    return xstrdup("");
}

static int entry_has_row(gc_ctx *c, const char *subdir, const char *name, orb_error **err)
{
    _cleanup_free_ char *owner = owner_of(subdir, name);
    if (!strcmp(subdir, "rendered"))
        return store_has_render(c->s, owner, err);
    return orb_is_full_image_id(owner) ? store_has_image(c->s, owner, err) : 0;
}

static int gc_leftovers_in(gc_ctx *c, const char *subdir, orb_error **err)
{
    int fd = openat(c->s->images_fd, subdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return orb_err_sys(err, errno, "store: read %s/%s", c->s->images_dir, subdir);
    }
    _cleanup_dir_ DIR *dir = d;
    _cleanup_strv_ char **orphans = xcalloc(1, sizeof(char *));
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        int r = entry_has_row(c, subdir, de->d_name, err);
        if (r < 0)
            return -1;
        if (r == 0)
            strv_push(&orphans, de->d_name);
    }
    for (size_t i = 0; orphans[i]; i++) {
        struct stat st;
        if (fstatat(dirfd(dir), orphans[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            c->report->bytes_freed += (uint64_t)st.st_size;
        if (store_discard(c->s, subdir, orphans[i], err) < 0)
            return -1;
        c->report->leftovers_removed++;
    }
    return 0;
}

int orb_store_gc(orb_store *s, int64_t grace_us, orb_gc_report *report, orb_error **err)
{
    orb_gc_report local = {0};
    gc_ctx c = {.s = s, .report = report ? report : &local};
    memset(c.report, 0, sizeof(*c.report));
    _cleanup_close_ int lock = orb_store_lock(s, true, err);
    if (lock < 0 || store_pod_uses(s, &c.uses, &c.n_uses, err) < 0)
        return -1;
    size_t tmp_removed = 0;
    int r =
        gc_renders(&c, err) < 0 || gc_images(&c, grace_us, err) < 0 ||
                gc_leftovers_in(&c, "rendered", err) < 0 || gc_leftovers_in(&c, "trees", err) < 0 ||
                gc_leftovers_in(&c, "blobs", err) < 0 || store_clean_tmp(s, &tmp_removed, err) < 0
            ? -1
            : 0;
    c.report->leftovers_removed += tmp_removed;
    store_pod_uses_free(c.uses, c.n_uses);
    return r < 0 ? orb_err_wrap(err, "gc") : 0;
}
