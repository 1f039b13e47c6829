/* The SQLite index: connection, schema migrations, statements, image rows. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "util/clock.h"
#include "util/mem.h"

/* Each migration runs in its own transaction; user_version counts the
 * migrations applied. Never edit one that has shipped: append a new one. */
static const char *const migrations[] = {
    "CREATE TABLE images ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " name TEXT NOT NULL,"
    " labels TEXT NOT NULL DEFAULT '[]',"
    " compression TEXT NOT NULL,"
    " blob_size INTEGER NOT NULL,"
    " tar_size INTEGER NOT NULL,"
    " tree_size INTEGER NOT NULL,"
    " import_time INTEGER NOT NULL,"
    " last_used INTEGER NOT NULL,"
    " has_signature INTEGER NOT NULL DEFAULT 0,"
    " source TEXT);"
    "CREATE INDEX images_by_name ON images(name, import_time);"
    "CREATE TABLE remotes ("
    " url TEXT PRIMARY KEY NOT NULL,"
    " image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    " etag TEXT,"
    " max_age INTEGER NOT NULL,"
    " download_time INTEGER NOT NULL);"
    "CREATE INDEX remotes_by_image ON remotes(image_id);"
    "CREATE TABLE renders ("
    " render_id TEXT PRIMARY KEY NOT NULL,"
    " image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    " image_ids TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " created INTEGER NOT NULL,"
    " last_used INTEGER NOT NULL);"
    "CREATE INDEX renders_by_image ON renders(image_id);"
    "CREATE TABLE render_images ("
    " render_id TEXT NOT NULL REFERENCES renders(render_id) ON DELETE CASCADE,"
    " image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    " PRIMARY KEY (render_id, image_id));"
    "CREATE INDEX render_images_by_image ON render_images(image_id);",
};

int store_sql_err(orb_store *s, int rc, orb_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *op = xvasprintf(fmt, ap);
    va_end(ap);
    int code = rc & 0xff;
    int e = code == SQLITE_BUSY || code == SQLITE_LOCKED ? EBUSY
            : code == SQLITE_CONSTRAINT                  ? EEXIST
                                                         : EIO;
    const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    return orb_err(err, e, "index: %s: %s", op, msg);
}

static int exec_sql(orb_store *s, const char *sql, const char *op, orb_error **err)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : store_sql_err(s, rc, err, "%s", op);
}

int store_begin(orb_store *s, const char *op, orb_error **err)
{
    return exec_sql(s, "BEGIN IMMEDIATE", op, err);
}

int store_commit(orb_store *s, const char *op, orb_error **err)
{
    if (exec_sql(s, "COMMIT", op, err) < 0) {
        store_rollback(s);
        return -1;
    }
    return 0;
}

void store_rollback(orb_store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int user_version(orb_store *s, int *ret, orb_error **err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_sql_err(s, rc, err, "read schema version");
    rc = sqlite3_step(st);
    *ret = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : store_sql_err(s, rc, err, "read schema version");
}

static int newer_schema(orb_store *s, int v, orb_error **err)
{
    return orb_err(err, EPROTO,
                   "index: %s/index.db has schema version %d, newer than this orbit knows "
                   "(%d): it was written by a newer orbit",
                   s->images_dir, v, (int)ARRAY_SIZE(migrations));
}

/* Applies one migration if the schema is still at version `from`: another
 * process may have done it while we waited for the write lock. */
static int migrate_step(orb_store *s, int from, orb_error **err)
{
    _cleanup_free_ char *op = xasprintf("migrate schema to version %d", from + 1);
    _cleanup_free_ char *bump = xasprintf("PRAGMA user_version = %d", from + 1);
    int v;
    if (store_begin(s, op, err) < 0 || user_version(s, &v, err) < 0)
        goto fail;
    if (v != from) {
        store_rollback(s);
        return 0;
    }
    if (exec_sql(s, migrations[from], op, err) < 0 || exec_sql(s, bump, op, err) < 0)
        goto fail;
    return store_commit(s, op, err);
fail:
    store_rollback(s);
    return -1;
}

/* The common case, an up-to-date schema, costs one read and no write lock. */
static int migrate(orb_store *s, orb_error **err)
{
    const int latest = (int)ARRAY_SIZE(migrations);
    for (;;) {
        int v;
        if (user_version(s, &v, err) < 0)
            return -1;
        if (v > latest)
            return newer_schema(s, v, err);
        if (v == latest)
            return 0;
        if (migrate_step(s, v, err) < 0)
            return -1;
    }
}

/* WAL is a property of the database file: once a process has set it, the
 * others only read it. Switching needs the file to itself, and SQLite
 * answers BUSY at once (without its busy handler) when another connection is
 * opening the same new database, so that race is retried here. */
static int enable_wal(orb_store *s, orb_error **err)
{
    int64_t deadline = orb_monotonic_ms() + 10000; /* as the busy timeout */

    for (;;) {
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            sqlite3_finalize(st);
            if (rc == SQLITE_ROW)
                return 0;
        }
        if ((rc & 0xff) != SQLITE_BUSY || orb_monotonic_ms() >= deadline)
            return store_sql_err(s, rc, err, "enable WAL");
        usleep(5000);
    }
}

int store_index_open(orb_store *s, orb_error **err)
{
    _cleanup_free_ char *path = xasprintf("%s/index.db", s->images_dir);
    int rc = sqlite3_open_v2(path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                                 SQLITE_OPEN_EXRESCODE,
                             NULL);
    if (rc != SQLITE_OK)
        return store_sql_err(s, rc, err, "open %s", path);
    sqlite3_busy_timeout(s->db, 10000);
    if (enable_wal(s, err) < 0 ||
        exec_sql(s, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", "set pragmas", err) < 0)
        return -1;
    return migrate(s, err);
}

void store_index_close(orb_store *s)
{
    for (size_t i = 0; i < s->n_stmts; i++)
        sqlite3_finalize(s->stmts[i].stmt);
    free(s->stmts);
    s->stmts = NULL;
    s->n_stmts = 0;
    if (s->db)
        sqlite3_close(s->db);
    s->db = NULL;
}

sqlite3_stmt *store_stmt_get(orb_store *s, const char *sql, const char *op, orb_error **err)
{
    for (size_t i = 0; i < s->n_stmts; i++)
        if (s->stmts[i].sql == sql || !strcmp(s->stmts[i].sql, sql)) {
            sqlite3_reset(s->stmts[i].stmt);
            sqlite3_clear_bindings(s->stmts[i].stmt);
            return s->stmts[i].stmt;
        }
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        store_sql_err(s, rc, err, "%s", op);
        return NULL;
    }
    store_stmt *c = xgrow(&s->stmts, &s->n_stmts, sizeof(*c));
    c->sql = sql;
    c->stmt = st;
    return st;
}

void store_stmt_resetp(sqlite3_stmt **st)
{
    if (*st)
        sqlite3_reset(*st);
}

int store_step_done(orb_store *s, sqlite3_stmt *st, const char *op, orb_error **err)
{
    int rc = sqlite3_step(st);
    int ret = rc == SQLITE_DONE ? 0 : store_sql_err(s, rc, err, "%s", op);
    sqlite3_reset(st);
    return ret;
}
