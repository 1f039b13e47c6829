/* Turning what users write into an image ID: full IDs, ID prefixes, names. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/mem.h"

#define ID_PREFIX        "sha512-"
#define AMBIGUOUS_LISTED 10
#define SHORT_ID_LEN     (7 + 12)

/* Every label asked for must be present with an equal value. */
static bool labels_match(const char *labels_json, const orb_kv_list *want)
{
    if (!want || want->n == 0)
        return true;
    json_t *a = json_loads(labels_json ? labels_json : "[]", 0, NULL);
    bool ok = true;
    for (size_t i = 0; ok && i < want->n; i++) {
        bool found = false;
        size_t j;
        json_t *v;
        json_array_foreach(a, j, v)
        {
            const char *n = json_string_value(json_object_get(v, "name"));
            const char *val = json_string_value(json_object_get(v, "value"));
            if (n && val && !strcmp(n, want->items[i].name) && !strcmp(val, want->items[i].value))
                found = true;
        }
        ok = found;
    }
    json_decref(a);
    return ok;
}

int orb_store_find(orb_store *s, const char *name, const orb_kv_list *labels,
                   char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err)
{
    static const char sql[] = "SELECT id, labels FROM images WHERE name = ? "
                              "ORDER BY import_time DESC, id";
    _cleanup_free_ char *op = xasprintf("find image %s", name);
    _cleanup_stmt_ sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!labels_match((const char *)sqlite3_column_text(st, 1), labels))
            continue;
        snprintf(ret_id, ORB_IMAGE_ID_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
        return 1;
    }
    return rc == SQLITE_DONE ? 0 : store_sql_err(s, rc, err, "%s", op);
}

static int ambiguous(const char *prefix, char **ids, orb_error **err)
{
    _cleanup_free_ char *list = xstrdup("");
    for (size_t i = 0; ids[i] && i < AMBIGUOUS_LISTED; i++) {
        char *next = xasprintf("%s%s%.*s…", list, i ? ", " : "", SHORT_ID_LEN, ids[i]);
        free(list);
        list = next;
    }
    return orb_err(err, EINVAL, "image ID prefix %s is ambiguous: %s%s", prefix, list,
                   strv_length(ids) > AMBIGUOUS_LISTED ? ", …" : "");
}

static int resolve_prefix(orb_store *s, const char *prefix, char ret_id[ORB_IMAGE_ID_LEN + 1],
                          orb_error **err)
{
    /* hex digits sort below '~', so [prefix, prefix~) holds every ID it starts */
    static const char sql[] = "SELECT id FROM images WHERE id >= ?1 AND id < ?1 || '~' "
                              "ORDER BY id LIMIT 11";
    _cleanup_free_ char *op = xasprintf("find image ID prefix %s", prefix);
    _cleanup_stmt_ sqlite3_stmt *st = store_stmt_get(s, sql, op, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    _cleanup_strv_ char **ids = xcalloc(1, sizeof(char *));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        strv_push(&ids, (const char *)sqlite3_column_text(st, 0));
    if (rc != SQLITE_DONE)
        return store_sql_err(s, rc, err, "%s", op);
    if (!ids[0])
        return orb_err(err, ENOENT, "no image %s in the store", prefix);
    if (ids[1])
        return ambiguous(prefix, ids, err);
    snprintf(ret_id, ORB_IMAGE_ID_LEN + 1, "%s", ids[0]);
    return 0;
}

static int resolve_id(orb_store *s, const char *ref, char ret_id[ORB_IMAGE_ID_LEN + 1],
                      orb_error **err)
{
    size_t hex = strlen(ref) - strlen(ID_PREFIX);
    if (hex == 0 || hex > ORB_IMAGE_ID_LEN - strlen(ID_PREFIX))
        return orb_err(err, EINVAL,
                       "invalid image ID \"%s\": expected sha512- and 1 to 128 "
                       "hex digits",
                       ref);
    _cleanup_free_ char *low = xstrdup(ref);
    for (char *p = low + strlen(ID_PREFIX); *p; p++) {
        if (!isxdigit((unsigned char)*p))
            return orb_err(err, EINVAL, "invalid image ID \"%s\": '%c' is not a hex digit", ref,
                           *p);
        *p = (char)tolower((unsigned char)*p);
    }
    if (!orb_is_full_image_id(low))
        return resolve_prefix(s, low, ret_id, err);
    int r = store_has_image(s, low, err);
    if (r <= 0)
        return r < 0 ? -1 : orb_err(err, ENOENT, "no image %s in the store", low);
    snprintf(ret_id, ORB_IMAGE_ID_LEN + 1, "%s", low);
    return 0;
}

int orb_store_resolve(orb_store *s, const char *ref, char ret_id[ORB_IMAGE_ID_LEN + 1],
                      orb_error **err)
{
    if (!ref || !*ref)
        return orb_err(err, EINVAL, "empty image reference");
    if (!strncmp(ref, ID_PREFIX, strlen(ID_PREFIX)))
        return resolve_id(s, ref, ret_id, err);
    orb_app_ref app = {0};
    if (orb_app_ref_parse(ref, &app, err) < 0)
        return -1;
    int r = orb_store_find(s, app.name, &app.labels, ret_id, err);
    orb_app_ref_clear(&app);
    if (r < 0)
        return -1;
    if (r == 0)
        return orb_err(err, ENOENT, "no image %s in the store", ref);
    return 0;
}
