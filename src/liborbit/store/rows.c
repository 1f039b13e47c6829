/* Image, remote and render rows of the index. */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/clock.h"
#include "util/mem.h"

#define IMAGE_COLUMNS                                                                              \
    "id, name, labels, compression, blob_size, tar_size, tree_size, import_time, last_used, "      \
    "has_signature, source"

static char *labels_to_json(const orb_kv_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_pack("{s:s,s:s}", "name", l->items[i].name, "value",
                                           l->items[i].value ? l->items[i].value : ""));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    char *r = xstrdup(s ? s : "[]");
    free(s);
    return r;
}

static void labels_from_json(const char *text, orb_kv_list *l)
{
    json_t *a = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        const char *n = json_string_value(json_object_get(v, "name"));
        const char *val = json_string_value(json_object_get(v, "value"));
        if (n)
            orb_kv_set(l, n, val ? val : "");
    }
    json_decref(a);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *t = col_text(st, i);
    return t ? xstrdup(t) : NULL;
}

static void copy_id(char dst[ORB_IMAGE_ID_LEN + 1], const char *src)
{
    snprintf(dst, ORB_IMAGE_ID_LEN + 1, "%s", src ? src : "");
}

static void image_from_row(sqlite3_stmt *st, orb_image_record *r)
{
    memset(r, 0, sizeof(*r));
    copy_id(r->id, col_text(st, 0));
    r->name = col_dup(st, 1);
    labels_from_json(col_text(st, 2), &r->labels);
    const char *c = col_text(st, 3);
    if (!c || orb_compression_from_name(c, &r->compression) < 0)
        r->compression = ORB_COMPRESSION_NONE;
    r->blob_size = (uint64_t)sqlite3_column_int64(st, 4);
    r->tar_size = (uint64_t)sqlite3_column_int64(st, 5);
    r->tree_size = (uint64_t)sqlite3_column_int64(st, 6);
    r->import_time = sqlite3_column_int64(st, 7);
    r->last_used = sqlite3_column_int64(st, 8);
    r->has_signature = sqlite3_column_int(st, 9) != 0;
    r->source = col_dup(st, 10);
}

void orb_image_record_clear(orb_image_record *r)
{
    if (!r)
        return;
    free(r->name);
    orb_kv_list_clear(&r->labels);
    free(r->source);
    memset(r, 0, sizeof(*r));
}

void orb_image_records_free(orb_image_record *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        orb_image_record_clear(&r[i]);
    free(r);
}

int store_insert_image(orb_store *s, const orb_image_record *r, orb_error **err)
{
    static const char sql[] = "INSERT INTO images (" IMAGE_COLUMNS ") "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    _cleanup_free_ char *op = xasprintf("insert image %s", r->id);
    sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    _cleanup_free_ char *labels = labels_to_json(&r->labels);
    int64_t now = orb_now_us();
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->name ? r->name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, labels, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, orb_compression_name(r->compression), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (int64_t)r->blob_size);
    sqlite3_bind_int64(st, 6, (int64_t)r->tar_size);
    sqlite3_bind_int64(st, 7, (int64_t)r->tree_size);
    sqlite3_bind_int64(st, 8, r->import_time ? r->import_time : now);
    sqlite3_bind_int64(st, 9, r->last_used ? r->last_used : now);
    sqlite3_bind_int(st, 10, r->has_signature);
    if (r->source)
        sqlite3_bind_text(st, 11, r->source, -1, SQLITE_STATIC);
    return store_step_done(s, st, op, err);
}

int orb_store_get(orb_store *s, const char *id, orb_image_record *ret, orb_error **err)
{
    static const char sql[] = "SELECT " IMAGE_COLUMNS " FROM images WHERE id = ?";
    _cleanup_free_ char *op = xasprintf("get image %s", id);
    _cleanup_stmt_ sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return store_sql_err(s, rc, err, "%s", op);
    if (ret)
        image_from_row(st, ret);
    return 1;
}

int store_has_image(orb_store *s, const char *id, orb_error **err)
{
    return orb_store_get(s, id, NULL, err);
}

int orb_store_list(orb_store *s, orb_image_record **ret, size_t *ret_n, orb_error **err)
{
    static const char sql[] = "SELECT " IMAGE_COLUMNS " FROM images "
                              "ORDER BY import_time DESC, id";
    _cleanup_stmt_ sqlite3_stmt *st = store_stmt_get(s, sql, "list images", err);
    if (!st)
        return -1;
    orb_image_record *items = NULL;
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        image_from_row(st, xgrow(&items, &n, sizeof(*items)));
    if (rc != SQLITE_DONE) {
        orb_image_records_free(items, n);
        return store_sql_err(s, rc, err, "list images");
    }
    *ret = items;
    *ret_n = n;
    return 0;
}

int orb_store_touch(orb_store *s, const char *id, orb_error **err)
{
    static const char sql[] = "UPDATE images SET last_used = ? WHERE id = ?";
    _cleanup_free_ char *op = xasprintf("touch image %s", id);
    sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, orb_now_us());
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if (store_step_done(s, st, op, err) < 0)
        return -1;
    if (sqlite3_changes(s->db) == 0)
        return orb_err(err, ENOENT, "no image %s in the store", id);
    return 0;
}

/* ---- remotes ---------------------------------------------------------- */

void orb_remote_clear(orb_remote *r)
{
    if (!r)
        return;
    free(r->url);
    free(r->etag);
    memset(r, 0, sizeof(*r));
}

int orb_store_get_remote(orb_store *s, const char *url, orb_remote *ret, orb_error **err)
{
    static const char sql[] = "SELECT url, image_id, etag, max_age, download_time "
                              "FROM remotes WHERE url = ?";
    _cleanup_free_ char *op = xasprintf("get remote %s", url);
    _cleanup_stmt_ sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return store_sql_err(s, rc, err, "%s", op);
    memset(ret, 0, sizeof(*ret));
    ret->url = col_dup(st, 0);
    copy_id(ret->id, col_text(st, 1));
    ret->etag = col_dup(st, 2);
    ret->max_age = sqlite3_column_int64(st, 3);
    ret->download_time = sqlite3_column_int64(st, 4);
    return 1;
}

int orb_store_put_remote(orb_store *s, const orb_remote *r, orb_error **err)
{
    static const char sql[] = "INSERT OR REPLACE INTO remotes "
                              "(url, image_id, etag, max_age, download_time) "
                              "VALUES (?, ?, ?, ?, ?)";
    _cleanup_free_ char *op = xasprintf("put remote %s", r->url);
    sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, r->url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
    if (r->etag)
        sqlite3_bind_text(st, 3, r->etag, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->max_age);
    sqlite3_bind_int64(st, 5, r->download_time ? r->download_time : orb_now_us());
    return store_step_done(s, st, op, err);
}
