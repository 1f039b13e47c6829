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

/* A set of entry names, each with a small value (the entry's file type). */
typedef struct aci_nameset {
    char **names;
    unsigned *values;
    size_t cap, n;
} aci_nameset;

/* Returns false when the name was already present (the set is unchanged). */
bool aci_nameset_add(aci_nameset *s, const char *name, unsigned value);
/* The value for name, or 0 when absent. */
unsigned aci_nameset_get(const aci_nameset *s, const char *name, size_t len);
void aci_nameset_clear(aci_nameset *s);

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
