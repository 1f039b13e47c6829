/* Shared between the selection pass (render_select.c) and the pass laying
 * the chosen entries down (render_tree.c). */
#pragma once

#include <stddef.h>
#include <sys/stat.h>

#include "render/render.h"
#include "util/error.h"

typedef struct render_entry {
    char *path;     /* cleaned, "rootfs" or "rootfs/a/b" */
    size_t image;   /* index in the render list of the image it comes from */
    struct stat st; /* from that image's tree, not followed */
} render_entry;

typedef struct render_selection {
    render_entry *items; /* in selection order */
    size_t n, cap;
} render_selection;

/* Applies the file-selection rules to the trees (rootfs_fds[i] is image i's
 * rootfs directory). */
int render_select(const orb_render_image *l, size_t n, const int *rootfs_fds, render_selection *sel,
                  orb_error **err);
void render_selection_clear(render_selection *sel);
/* Go's filepath.Clean for relative paths (allocated). */
char *render_clean_path(const char *p);
