/* Rendered trees and their rows; deleting image rows with their renders. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "util/clock.h"
#include "util/fs_remove.h"
#include "util/mem.h"

void orb_render_record_clear(orb_render_record *r)
{
    if (!r)
        return;
    free(r->render_id);
    strv_free(r->image_ids);
    memset(r, 0, sizeof(*r));
}

static char **ids_from_json(const char *text)
{
    char **v = xcalloc(1, sizeof(char *));
    json_t *a = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e)
    {
        if (json_is_string(e))
            strv_push(&v, json_string_value(e));
    }
    json_decref(a);
    return v;
}

static char *ids_to_json(char *const *ids)
{
    json_t *a = json_array();
    for (size_t i = 0; ids && ids[i]; i++)
        json_array_append_new(a, json_string(ids[i]));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    char *r = xstrdup(s ? s : "[]");
    free(s);
    return r;
}

int orb_store_get_render(orb_store *s, const char *render_id, orb_render_record *ret,
                         orb_error **err)
{
    static const char sql[] = "SELECT render_id, image_id, image_ids, size, created, last_used "
                              "FROM renders WHERE render_id = ?";
    _cleanup_free_ char *op = xasprintf("get render %s", render_id);
    _cleanup_stmt_ sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, render_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return store_sql_err(s, rc, err, "%s", op);
    if (!ret)
        return 1;
    memset(ret, 0, sizeof(*ret));
    ret->render_id = xstrdup((const char *)sqlite3_column_text(st, 0));
    snprintf(ret->id, sizeof(ret->id), "%s", (const char *)sqlite3_column_text(st, 1));
    ret->image_ids = ids_from_json((const char *)sqlite3_column_text(st, 2));
    ret->size = (uint64_t)sqlite3_column_int64(st, 3);
    ret->created = sqlite3_column_int64(st, 4);
    ret->last_used = sqlite3_column_int64(st, 5);
    return 1;
}

int store_has_render(orb_store *s, const char *render_id, orb_error **err)
{
    return orb_store_get_render(s, render_id, NULL, err);
}

static int insert_render_rows(orb_store *s, const orb_render_record *rec, orb_error **err)
{
    static const char sql[] = "INSERT INTO renders "
                              "(render_id, image_id, image_ids, size, created, last_used) "
                              "VALUES (?, ?, ?, ?, ?, ?)";
    static const char sql_img[] = "INSERT OR IGNORE INTO render_images (render_id, image_id) "
                                  "VALUES (?, ?)";
    _cleanup_free_ char *op = xasprintf("insert render %s", rec->render_id);
    _cleanup_free_ char *ids = ids_to_json(rec->image_ids);
    int64_t now = orb_now_us();
    sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, rec->render_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, rec->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ids, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (int64_t)rec->size);
    sqlite3_bind_int64(st, 5, rec->created ? rec->created : now);
    sqlite3_bind_int64(st, 6, rec->last_used ? rec->last_used : now);
    if (store_step_done(s, st, op, err) < 0)
        return -1;
    for (size_t i = 0; rec->image_ids && rec->image_ids[i]; i++) {
        if (!(st = store_stmt_get(s, sql_img, op, err)))
            return -1;
        sqlite3_bind_text(st, 1, rec->render_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, rec->image_ids[i], -1, SQLITE_STATIC);
        if (store_step_done(s, st, op, err) < 0)
            return -1;
    }
    return 0;
}

static int record_render(orb_store *s, const orb_render_record *rec, orb_error **err)
{
    _cleanup_free_ char *op = xasprintf("insert render %s", rec->render_id);
    if (store_begin(s, op, err) < 0)
        return -1;
    if (insert_render_rows(s, rec, err) < 0) {
        store_rollback(s);
        return -1;
    }
    return store_commit(s, op, err);
}

int orb_store_commit_render(orb_store *s, const orb_render_record *rec, const char *tmp_dir,
                            orb_error **err)
{
    if (!rec->render_id || !*rec->render_id || strchr(rec->render_id, '/') ||
        rec->render_id[0] == '.')
        return orb_err(err, EINVAL, "store: invalid render ID \"%s\"",
                       rec->render_id ? rec->render_id : "");
    _cleanup_close_ int lock = store_lock_name(s, rec->render_id, err);
    if (lock < 0)
        return -1;
    int r = store_has_render(s, rec->render_id, err);
    if (r != 0) {
        if (r > 0 && orb_rm_rf(tmp_dir, err) < 0)
            return -1;
        return r > 0 ? 0 : -1;
    }
    if (syncfs(s->images_fd) < 0)
        return orb_err_sys(err, errno, "store: sync %s", tmp_dir);
    /* a directory without a row is the leftover of a crash */
    if (store_discard(s, "rendered", rec->render_id, err) < 0)
        return -1;
    _cleanup_free_ char *dest = orb_store_render_path(s, rec->render_id);
    if (rename(tmp_dir, dest) < 0)
        return orb_err_sys(err, errno, "store: rename %s to %s", tmp_dir, dest);
    if (store_fsync_dir(s, "rendered", err) < 0 || record_render(s, rec, err) < 0)
        return -1;
    return 1;
}

int store_delete_render(orb_store *s, const char *render_id, orb_error **err)
{
    static const char sql[] = "DELETE FROM renders WHERE render_id = ?";
    _cleanup_free_ char *op = xasprintf("delete render %s", render_id);
    sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, render_id, -1, SQLITE_STATIC);
    return store_step_done(s, st, op, err);
}

int store_renders_of_image(orb_store *s, const char *id, char ***ret, orb_error **err)
{
    static const char sql[] = "SELECT render_id FROM render_images WHERE image_id = ? "
                              "UNION SELECT render_id FROM renders WHERE image_id = ?";
    _cleanup_free_ char *op = xasprintf("find renders of %s", id);
    _cleanup_stmt_ sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    _cleanup_strv_ char **v = xcalloc(1, sizeof(char *));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        strv_push(&v, (const char *)sqlite3_column_text(st, 0));
    if (rc != SQLITE_DONE)
        return store_sql_err(s, rc, err, "%s", op);
    *ret = TAKE_PTR(v);
    return 0;
}

static int delete_rows(orb_store *s, const char *id, char **renders, orb_error **err)
{
    static const char sql[] = "DELETE FROM images WHERE id = ?";
    for (size_t i = 0; renders[i]; i++)
        if (store_delete_render(s, renders[i], err) < 0)
            return -1;
    _cleanup_free_ char *op = xasprintf("delete image %s", id);
    sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return store_step_done(s, st, op, err);
}

int store_delete_image(orb_store *s, const char *id, char ***ret_render_ids, orb_error **err)
{
    _cleanup_free_ char *op = xasprintf("delete image %s", id);
    _cleanup_strv_ char **renders = NULL;
    if (store_begin(s, op, err) < 0)
        return -1;
    if (store_renders_of_image(s, id, &renders, err) < 0 || delete_rows(s, id, renders, err) < 0) {
        store_rollback(s);
        return -1;
    }
    if (store_commit(s, op, err) < 0)
        return -1;
    *ret_render_ids = TAKE_PTR(renders);
    return 0;
}
