/* Helpers shared by the aci/ sources; not part of the library's interface. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aci/aci.h"

struct archive;

/* Read and write sizes: large, so a build or an ID keeps up with tar and sha512sum. */
#define ACI_IO_BUFSIZE (256 * 1024)

/* Cleans an entry name the way path.Clean does for relative names ("./a//b/" ->
 * "a/b", "." -> ""), and reports whether it is absolute or has a ".."
 * component (either escapes the image). Returns a new string. */
char *aci_clean_name(const char *name, bool *ret_escapes);

/* The names of an archive as a tree: node 0 is the image's top, every other
 * node one path component under its parent, with a small value (the entry's
 * file type, or ACI_IMPLICIT_DIR for a directory only named as a parent).
 * Looking a path up costs its length, however deep it is. */
#define ACI_IMPLICIT_DIR 1u

typedef struct aci_tree_node {
    uint32_t parent;
    uint32_t hash;
    unsigned value;
    char *name; /* this component */
} aci_tree_node;

typedef struct aci_tree {
    aci_tree_node *nodes;
    size_t n, nodes_cap;
    uint32_t *slots; /* node index + 1, 0 for free; open addressing */
    size_t cap;
} aci_tree;

/* The child of parent called name[0..len), or 0 when absent (and !create;
 * a created node has value 0). */
uint32_t aci_tree_child(aci_tree *t, uint32_t parent, const char *name, size_t len, bool create);
void aci_tree_clear(aci_tree *t);

/* Sorted names of an open directory's entries without "." and ".."; NULL
 * with errno set on failure. fd stays open and its position is not used. */
char **aci_list_dir(int fd);

/* A tar writer (pax restricted, no timestamps in compression headers) on fd. */
struct archive *aci_writer_new(int fd, orb_compression c, const char *name, orb_error **err);
/* Reports a libarchive write failure as "<name>: <what>: <libarchive message>". */
int aci_writer_err(struct archive *a, const char *name, const char *what, orb_error **err);

/* Checks the top of a layout directory: `manifest` a valid regular file (its
 * bytes and stat returned when ret_manifest is non-NULL) and `rootfs` a real
 * directory. Content problems go to *problems; system errors to *err. */
struct stat;
int aci_layout_check_top(int dirfd, const char *dir, orb_problems *problems, char **ret_manifest,
                         size_t *ret_len, struct stat *ret_manifest_st, orb_error **err);

/* orb_aci_validate on an open reader; `image` names it in errors. When the
 * image is valid and ret_manifest is non-NULL, *ret_manifest gets a copy of
 * the manifest entry's header (free with sym_archive_entry_free). */
int aci_validate_reader(orb_aci_reader *r, const char *image, orb_problems *problems,
                        struct archive_entry **ret_manifest, orb_error **err);

/* The same rules one entry at a time, for readers that act on each entry as
 * it streams (the importer extracts it). Problems go to *problems. */
typedef struct aci_validator aci_validator;
aci_validator *aci_validator_new(orb_aci_reader *r, const char *image, orb_problems *problems);
/* 1 when the entry is accepted (*ret_clean gets its cleaned name when
 * non-NULL; a manifest's bytes have then been read: aci_validator_manifest),
 * 0 when it is skipped (".") or a problem was recorded, -1 on error. */
int aci_validator_entry(aci_validator *v, struct archive_entry *e, char **ret_clean,
                        orb_error **err);
/* The checks made once the whole archive has been read. */
void aci_validator_end(aci_validator *v);
const char *aci_validator_manifest(const aci_validator *v, size_t *ret_len);
void aci_validator_free(aci_validator *v);
