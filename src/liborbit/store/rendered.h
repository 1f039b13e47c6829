/* Rendered trees in the store: an image and its dependencies laid down once,
 * as hard links into the images' trees, and reused read-only by every pod
 * (as the lower layer of their overlays) and by `image render`. */
#pragma once

#include "render/render.h"
#include "store/store.h"

/* A render source over the store (manifests and trees of stored images). */
void orb_store_render_source(orb_store *s, orb_render_source *ret);

/* The rendered tree of an image: made when missing (committed atomically),
 * reused when present. ret_render_id is the render ID (the image ID itself
 * when the image needs no rendering) and ret_dir the directory holding
 * rootfs/. Both allocated; either may be NULL. */
int orb_store_render(orb_store *s, const char *id, char **ret_render_id, char **ret_dir,
                     orb_error **err);

/* Copies a tree out of the store for a user (`image extract`, `image
 * render`): dest gets rootfs/ and manifest (or, with rootfs_only, becomes the
 * rootfs itself), complete or not at all. Copies, never links, so nothing
 * the user does to dest can reach the store. */
int orb_store_copy_out(const char *tree_dir, const char *manifest_path, const char *dest,
                       bool rootfs_only, bool overwrite, orb_error **err);
