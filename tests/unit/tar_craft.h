/* Hand-made tar archives for the tests of archive readers: entries of any
 * type, name and link, valid or hostile. */
#pragma once

#include <stddef.h>

typedef struct spec {
    const char *name;
    unsigned type; /* AE_IF*; 0 is a regular file (or a hard link with link) */
    const char *data;
    const char *link; /* symlink target or, with type 0, hard link target */
} spec;

/* Writes a pax tar of the n entries to path (directories 0755, the rest
 * 0644); a failure fails the calling test. */
void craft(const char *path, const spec *s, size_t n);
