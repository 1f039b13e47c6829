/* Importing an image into the store in one pass over its bytes: they are
 * copied to the blob (unless the file is already the store's own download),
 * decompressed, hashed (image ID), checked entry by entry with the archive
 * rules, and extracted into a temporary tree, all as they stream. Only when
 * the whole image is valid and matches what was asked for are the blob, the
 * tree and the index row committed (orb_store_commit_image). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/progress.h"

typedef struct orb_import_options {
    const char *expected_id;            /* NULL, or the ID the image must have */
    const char *expected_name;          /* NULL, or the name its manifest must have */
    const orb_kv_list *expected_labels; /* NULL, or labels the manifest must match */
    bool has_expected_size;             /* a dependency's `size`: the uncompressed */
    uint64_t expected_size;             /* tar must have exactly this many bytes */
    uint64_t max_size;                  /* uncompressed bytes; 0 = orb_import_default_max_size */
    const char *source;                 /* recorded in the index (URL or path) */
    const char *signature_path;         /* a detached signature stored beside it, or NULL */
    bool take_file;                     /* path is a download under images/tmp: rename it into
                                           place as the blob instead of copying */
    const orb_progress *progress;
} orb_import_options;

/* Imports the ACI at path; ret_id gets its image ID. Returns 1 when the image
 * was added, 0 when it was already stored (nothing is written), -1 on error.
 * Errors name the image and the reason; the store is left as it was. */
int orb_store_import(orb_store *s, const char *path, const orb_import_options *o,
                     char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err);

/* The default limit on an image's uncompressed size: 90% of the free space
 * of the store's filesystem (so a gzip bomb fails cleanly before filling the
 * disk), and at least 1 GiB. */
uint64_t orb_import_default_max_size(orb_store *s);
