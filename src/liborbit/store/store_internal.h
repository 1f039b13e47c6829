/* Shared between the store's source files; not part of the API. */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* tmp/ entries younger than this are never reclaimed: it closes the short
 * window between creating a directory and locking it. */

typedef struct store_tmp_lock {
    char *path;
    int fd;
} store_tmp_lock;

typedef struct store_stmt {
    const char *sql;
    sqlite3_stmt *stmt;
} store_stmt;

struct orb_store {
    char *data_dir;
    char *images_dir; /* <data_dir>/images */
    int images_fd;
    sqlite3 *db;
    store_stmt *stmts;
    size_t n_stmts;
    store_tmp_lock *tmp_locks; /* directories made by orb_store_mkdtemp, held locked */
    size_t n_tmp_locks;
};


/* index.c */
int store_index_open(orb_store *s, orb_error **err);
void store_index_close(orb_store *s);
/* A cached prepared statement, reset and unbound; NULL with err on failure. */
sqlite3_stmt *store_stmt_get(orb_store *s, const char *sql, const char *op, orb_error **err);
void store_stmt_resetp(sqlite3_stmt **st);
#define _cleanup_stmt_ __attribute__((cleanup(store_stmt_resetp)))
/* "index: <op>: <sqlite message>", errno EBUSY when locked, else EIO. */
int store_sql_err(orb_store *s, int rc, orb_error **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int store_begin(orb_store *s, const char *op, orb_error **err); /* BEGIN IMMEDIATE */
int store_commit(orb_store *s, const char *op, orb_error **err);
void store_rollback(orb_store *s);
/* Runs a statement to completion (no rows expected). */
int store_step_done(orb_store *s, sqlite3_stmt *st, const char *op, orb_error **err);
/* Image rows. */
int store_insert_image(orb_store *s, const orb_image_record *r, orb_error **err);
/* Deletes an image's row and its renders' rows in one transaction; the
 * renders' IDs are returned so their directories can be removed. */
int store_delete_image(orb_store *s, const char *id, char ***ret_render_ids, orb_error **err);
int store_delete_render(orb_store *s, const char *render_id, orb_error **err);
/* 1 when a row exists, 0 when not. */
int store_has_image(orb_store *s, const char *id, orb_error **err);
int store_has_render(orb_store *s, const char *render_id, orb_error **err);
/* Render IDs that include an image. */
int store_renders_of_image(orb_store *s, const char *id, char ***ret, orb_error **err);

/* store.c */
/* Takes an exclusive flock on images/locks/<name>.lock; returns the fd. */
int store_lock_name(orb_store *s, const char *name, orb_error **err);
/* Moves images/<subdir>/<name> into tmp/ and removes it there, so it
 * disappears atomically and a crash leaves only tmp/ garbage. */
int store_discard(orb_store *s, const char *subdir, const char *name, orb_error **err);
/* Removes tmp/ entries no live process holds locked (and not too young). */
int store_clean_tmp(orb_store *s, size_t *ret_removed, orb_error **err);
int store_fsync_dir(orb_store *s, const char *subdir, orb_error **err);
void store_release_tmp_locks(orb_store *s, bool all);

/* gc.c */
typedef struct store_pod_use {
    char *uuid;
    char **render_ids;
} store_pod_use;
int store_pod_uses(orb_store *s, store_pod_use **ret, size_t *ret_n, orb_error **err);
void store_pod_uses_free(store_pod_use *u, size_t n);
