/* The image store: a content-addressed, crash-safe home for images.
 *
 * On disk, under the data directory (default /var/lib/orbit):
 *
 *   images/index.db          SQLite index (WAL), schema versioned
 *   images/blobs/<id>.aci    each image exactly as fetched, byte for byte,
 *                            in its original compression (re-servable)
 *   images/blobs/<id>.aci.asc  its detached signature, when it had one
 *   images/trees/<id>/       the image extracted: manifest + rootfs/ (read-only)
 *   images/rendered/<rid>/   an image rendered with its dependencies (rootfs/),
 *                            rid = "deps-" + sha512 hex of the joined image IDs;
 *                            images without dependencies or whitelist use their tree
 *   images/tmp/              work in progress; removed by the next store open
 *   images/locks/            flock files: <id>.lock per image, store.lock
 *   pods/<state>/<uuid>/trees  (written by pods) the render IDs a pod uses, one
 *                            per line: gc and rm never remove what a pod uses
 *
 * Every change is made under a temporary name and renamed into place; the
 * index row is written last and removed first, so a process killed at any
 * point leaves no row without its blob and tree. Leftovers (files without a
 * row, tmp/) are reclaimed by orb_store_open() and orb_store_gc(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aci/aci.h"
#include "schema/types.h"
#include "util/error.h"
#include "util/problems.h"

#define ORB_DEFAULT_DATA_DIR "/var/lib/orbit"

typedef struct orb_store orb_store;

/* Creates the layout when missing, opens and migrates the index (refusing,
 * EPROTO, an index written by a newer orbit), and removes leftovers of
 * interrupted work in tmp/: entries no live process holds an flock on, and
 * older than a minute (that closes the window between creating an entry and
 * locking it). Cheap: blobs/ and trees/ are never scanned here. Whoever
 * writes a file or directory of its own under tmp/ should hold an flock on
 * it while working; orb_store_mkdtemp() does that for its directories. */
int orb_store_open(const char *data_dir, orb_store **ret, orb_error **err);
void orb_store_close(orb_store *s);
void orb_store_closep(orb_store **s);

const char *orb_store_data_dir(const orb_store *s);
/* Allocated paths of the parts of an image. */
char *orb_store_blob_path(const orb_store *s, const char *id);
char *orb_store_signature_path(const orb_store *s, const char *id);
char *orb_store_tree_path(const orb_store *s, const char *id); /* contains manifest, rootfs/ */
char *orb_store_render_path(const orb_store *s, const char *render_id);
/* A new private directory under images/tmp/ (same filesystem as the store).
 * The store keeps it flock-ed, so other processes' cleanup leaves it alone,
 * until it is removed or renamed away (noticed at the next mkdtemp or
 * commit) or the store is closed. */
int orb_store_mkdtemp(orb_store *s, const char *prefix, char **ret_path, orb_error **err);

typedef struct orb_image_record {
    char id[ORB_IMAGE_ID_LEN + 1];
    char *name;
    orb_kv_list labels;
    orb_compression compression; /* of the stored blob */
    uint64_t blob_size;          /* bytes of the stored file */
    uint64_t tar_size;           /* bytes of the uncompressed tar */
    uint64_t tree_size;          /* bytes of the extracted tree */
    int64_t import_time;         /* unix time, microseconds; 0 = now at commit */
    int64_t last_used;           /* unix time, microseconds; 0 = now at commit */
    bool has_signature;          /* set by commit from whether tmp_sig was given */
    char *source;                /* URL or path it came from; NULL when unknown */
} orb_image_record;

void orb_image_record_clear(orb_image_record *r);

/* 1 and *ret filled when the image is stored, 0 when not. */
int orb_store_get(orb_store *s, const char *id, orb_image_record *ret, orb_error **err);
/* Every stored image, newest import first. */
int orb_store_list(orb_store *s, orb_image_record **ret, size_t *ret_n, orb_error **err);
void orb_image_records_free(orb_image_record *r, size_t n);

/* An image reference as users write it: a full image ID, an unambiguous
 * prefix of one ("sha512-1a2b"), or a name with optional labels
 * ("example.com/app:1.0", "example.com/app,os=linux"). Names match by the
 * spec's label rule (every label asked for must be equal); among several
 * matches the newest import wins. An ID prefix must start with "sha512-" and
 * have 1 to 128 hex digits (any case): a bare hex string is read as a name,
 * since names may look like hex. Not found is ENOENT ("no image REF in the
 * store"); an ambiguous prefix is EINVAL naming up to 10 candidates,
 * shortened ("image ID prefix sha512-ab is ambiguous: sha512-ab12…, …"). */
int orb_store_resolve(orb_store *s, const char *ref, char ret_id[ORB_IMAGE_ID_LEN + 1],
                      orb_error **err);
/* By name and labels only; 1 when found, 0 when not. */
int orb_store_find(orb_store *s, const char *name, const orb_kv_list *labels,
                   char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err);

/* Commits an imported image: takes the image's lock; when the image is
 * already stored (another process won the race) the temporaries are removed
 * and 0 is returned; else tree, signature and blob are synced and renamed
 * into place, then the row is inserted, and 1 is returned. tmp_sig may be
 * NULL. The temporaries must live under images/tmp/. The contents are not
 * checked: that is the importer's job. A trees/<id> left by a crash (no row)
 * is replaced. */
int orb_store_commit_image(orb_store *s, const orb_image_record *rec, const char *tmp_blob,
                           const char *tmp_sig, const char *tmp_tree, orb_error **err);
/* last_used = now; ENOENT when not stored. */
int orb_store_touch(orb_store *s, const char *id, orb_error **err);

/* The HTTP cache, per URL; put replaces. A remote's row goes with its image. */
typedef struct orb_remote {
    char *url;
    char id[ORB_IMAGE_ID_LEN + 1];
    char *etag;            /* NULL when none */
    int64_t max_age;       /* seconds; 0 for no-cache/no-store, -1 when not given */
    int64_t download_time; /* unix time, microseconds */
} orb_remote;

int orb_store_get_remote(orb_store *s, const char *url, orb_remote *ret, orb_error **err);
int orb_store_put_remote(orb_store *s, const orb_remote *r, orb_error **err);
void orb_remote_clear(orb_remote *r);

/* Rendered trees. */
typedef struct orb_render_record {
    char *render_id;
    char id[ORB_IMAGE_ID_LEN + 1]; /* the top image */
    char **image_ids;              /* every image rendered, in render order */
    uint64_t size;
    int64_t created, last_used;
} orb_render_record;

int orb_store_get_render(orb_store *s, const char *render_id, orb_render_record *ret,
                         orb_error **err); /* 1 found, 0 not */
/* Renames tmp_dir to images/rendered/<render_id> and records it; 0 when it
 * already existed (tmp_dir removed), 1 when committed. */
int orb_store_commit_render(orb_store *s, const orb_render_record *rec, const char *tmp_dir,
                            orb_error **err);
void orb_render_record_clear(orb_render_record *r);

/* Pods that use an image: through a render of it or one that includes it,
 * or its tree directly (a trivial render: the line is the image ID), as
 * listed in <data_dir>/pods/<state>/<uuid>/trees. Returns their UUIDs
 * (NULL-terminated, possibly empty). */
int orb_store_image_users(orb_store *s, const char *id, char ***ret_uuids, orb_error **err);

/* Removes an image: refused (EBUSY, naming the pod UUIDs) while a pod uses
 * it; ENOENT when not stored. The row goes first (with its renders' rows and
 * remotes, in one transaction), then renders' directories, the tree, the
 * signature and the blob, each renamed into tmp/ before it is deleted.
 * Takes the store lock exclusively: do not call it while holding that lock. */
int orb_store_remove(orb_store *s, const char *id, orb_error **err);

typedef struct orb_gc_report {
    size_t renders_removed, images_removed;
    size_t leftovers_removed; /* entries of rendered/, trees/, blobs/ without a row, and tmp/ */
    uint64_t bytes_freed;     /* rows' sizes, plus leftover regular files */
} orb_gc_report;

/* Under the exclusive store lock: removes renders no pod uses, then images
 * not used for grace_us (unless a pod uses them), then files without an
 * index row and stale tmp/ entries. report may be NULL. Takes the store
 * lock exclusively: do not call it while holding that lock. */
int orb_store_gc(orb_store *s, int64_t grace_us, orb_gc_report *report, orb_error **err);

/* Re-hashes the blob against the image ID, checks its size against the row
 * and that the tree has manifest and rootfs/; each damage is recorded in
 * problems ("blob: hash sha512-… does not match the image ID") and gives -1
 * with *err unset. A missing image (ENOENT) sets *err. */
int orb_store_verify(orb_store *s, const char *id, orb_problems *problems, orb_error **err);

/* Store-wide lock: shared while preparing a pod (trees must not vanish),
 * exclusive during gc. Returns an fd to close to release. */
int orb_store_lock(orb_store *s, bool exclusive, orb_error **err);
