/* App Container Images (spec/aci.md): detection, streaming read with the image
 * ID computed on the way, validation of archives and layout directories,
 * building from a layout, and rewriting an image with a new manifest. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"
#include "util/problems.h"
#include "util/progress.h"

struct archive_entry;

/* "sha512-" + 128 hex digits */
#define ORB_IMAGE_ID_LEN (7 + 128)

typedef enum orb_file_type {
    ORB_FILE_UNKNOWN,
    ORB_FILE_TAR,
    ORB_FILE_GZIP,
    ORB_FILE_BZIP2,
    ORB_FILE_XZ,
    ORB_FILE_ZSTD,
    ORB_FILE_TEXT, /* a bare manifest, presumably */
} orb_file_type;

/* Detects by magic bytes only; head holds the first up to 512 bytes. */
orb_file_type orb_detect_file_type(const unsigned char *head, size_t len);
const char *orb_file_type_name(orb_file_type t); /* "gzip", "tar", ... */

typedef enum orb_compression {
    ORB_COMPRESSION_NONE,
    ORB_COMPRESSION_GZIP,
    ORB_COMPRESSION_BZIP2,
    ORB_COMPRESSION_XZ,
    ORB_COMPRESSION_ZSTD,
} orb_compression;

int orb_compression_from_name(const char *name, orb_compression *ret); /* -1 when unknown */
const char *orb_compression_name(orb_compression c);

/* ---- streaming reader ---------------------------------------------------- */

/* Reads an ACI (any supported compression, detected by magic) entry by entry.
 * Every byte of the decompressed tar stream passes through SHA-512, so after
 * orb_aci_reader_finish() the image ID is known without buffering the image. */
typedef struct orb_aci_reader orb_aci_reader;

/* Takes ownership of fd. `name` names the image in messages. */
int orb_aci_reader_open_fd(int fd, const char *name, orb_aci_reader **ret, orb_error **err);
int orb_aci_reader_open(const char *path, orb_aci_reader **ret, orb_error **err);

/* What an import needs from the one pass over the file. */
typedef struct orb_aci_reader_options {
    int tap_fd;                   /* >= 0: every byte read from the file is also written here */
    uint64_t max_size;            /* > 0: the decompressed tar may not be larger (gzip bombs) */
    const orb_progress *progress; /* phase "import": bytes read of the file's size */
} orb_aci_reader_options;

/* orb_aci_reader_open_fd with options; o may be NULL. */
int orb_aci_reader_open_fd_opts(int fd, const char *name, const orb_aci_reader_options *o,
                                orb_aci_reader **ret, orb_error **err);
uint64_t orb_aci_reader_tar_size(const orb_aci_reader *r);   /* decompressed so far */
uint64_t orb_aci_reader_input_size(const orb_aci_reader *r); /* read from the file so far */
/* 1 and *ret_entry set (owned by the reader) for each entry, 0 at the end. */
int orb_aci_reader_next(orb_aci_reader *r, struct archive_entry **ret_entry, orb_error **err);
/* Reads the current entry's data; 0 at its end. */
ssize_t orb_aci_reader_read(orb_aci_reader *r, void *buf, size_t len, orb_error **err);
/* The current entry's data, refused if larger than max (named in the error). */
int orb_aci_reader_read_all(orb_aci_reader *r, size_t max, char **ret_buf, size_t *ret_len,
                            orb_error **err);
/* Drains the rest of the stream and gives the image ID (ret_id may be NULL). */
int orb_aci_reader_finish(orb_aci_reader *r, char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err);
orb_compression orb_aci_reader_compression(const orb_aci_reader *r);
void orb_aci_reader_free(orb_aci_reader *r);
void orb_aci_reader_freep(orb_aci_reader **r);

/* ---- one-shot operations ------------------------------------------------- */

int orb_aci_image_id(const char *path, char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err);
/* The manifest's bytes as stored in the image (first `manifest` entry). The
 * whole archive is read, so a truncated or corrupt image is refused. */
int orb_aci_read_manifest(const char *path, char **ret_json, size_t *ret_len, orb_error **err);
/* The same, reading only as far as the manifest (quick when it comes first,
 * as orbit writes it): for a first look, never as a check of the image. */
int orb_aci_peek_manifest(const char *path, char **ret_json, size_t *ret_len, orb_error **err);

/* Archive rules of appc 0.8.11 plus orbit's safety rules (see
 * docs/conformance.md). Problems with the content are recorded one per entry
 * ("rootfs/../x: path escapes the image") and give -1 with *err unset; an
 * unreadable or corrupt file sets *err. */
int orb_aci_validate(const char *path, orb_problems *problems, orb_error **err);
/* The same on an open descriptor (a pipe or a memfd will do); takes ownership of fd. */
int orb_aci_validate_fd(int fd, const char *name, orb_problems *problems, orb_error **err);
int orb_layout_validate(const char *dir, orb_problems *problems, orb_error **err);

typedef struct orb_build_options {
    orb_compression compression;
    bool owner_root; /* record every file as owned by 0:0 */
    bool overwrite;  /* replace an existing output file */
} orb_build_options;

/* Builds an ACI from a layout directory (`manifest` + `rootfs/`). The manifest
 * is validated first; entries are written manifest first, then rootfs in
 * lexical order, so the same tree gives the same bytes. The output appears
 * under its name only when complete. */
int orb_aci_build(const char *layout_dir, const char *out_path, const orb_build_options *opts,
                  orb_error **err);

/* Copies every entry of in_path to out_path except the manifest, which is
 * replaced by the given bytes; the compression of the input is kept.
 * out_path may equal in_path (replaced atomically when overwrite is set). */
int orb_aci_replace_manifest(const char *in_path, const char *out_path, const char *manifest,
                             size_t manifest_len, bool overwrite, orb_error **err);
