/* Rendering: an image and its dependencies laid down as one root filesystem,
 * in the spec's order (spec/ace.md "Filesystem Setup"; the exact rules,
 * including pathWhitelist, are in docs/conformance.md "Rendering").
 *
 * The renderer does not know the store: it asks an orb_render_source for
 * manifests and extracted trees, so it can be tested on plain directories. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "aci/aci.h"
#include "schema/manifest.h"
#include "util/error.h"

typedef struct orb_render_source {
    /* The parsed manifest of a stored image; -1 with err when missing. */
    int (*manifest)(void *ctx, const char *id, orb_image_manifest **ret, orb_error **err);
    /* A dependency by name and labels: 1 and ret_id when found, 0 when not. */
    int (*find)(void *ctx, const char *name, const orb_kv_list *labels,
                char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err);
    /* The directory holding the image's extracted rootfs/ (allocated). */
    char *(*tree)(void *ctx, const char *id);
    void *ctx;
} orb_render_source;

/* Bounds on what one render may pull in (a hostile manifest could otherwise
 * make the list grow exponentially through shared dependencies). */
#define ORB_RENDER_MAX_IMAGES 256
#define ORB_RENDER_MAX_DEPTH  64

typedef struct orb_render_image {
    char id[ORB_IMAGE_ID_LEN + 1];
    int level;             /* 0 for the top image, its dependencies 1, ... */
    char **path_whitelist; /* NULL when none */
} orb_render_image;

/* The render list: the top image first, each image's dependencies inserted
 * right after it (so later-declared ones come first), as the reference does.
 * A dependency given by imageID must be stored with that ID; one given by
 * name is looked up with its labels; its size, when given, is checked by the
 * caller that fetched it. A missing dependency (ENOENT, named with its
 * labels) or a cycle (ELOOP, the chain named) is an error. */
int orb_render_list(const orb_render_source *src, const char *id, orb_render_image **ret,
                    size_t *ret_n, orb_error **err);
void orb_render_list_free(orb_render_image *l, size_t n);

/* "deps-" + SHA-512 hex of the IDs of the list, comma-joined (allocated). */
char *orb_render_id(const orb_render_image *l, size_t n);
/* True when the list is a single image without pathWhitelist: its tree is
 * the rendered tree and no copy is needed. */
bool orb_render_is_trivial(const orb_render_image *l, size_t n);

/* The index of the image whose pathWhitelist filters every entry of image
 * pos ("upper whitelist"), or -1 when none: among the true ancestors of pos
 * (found walking back through the pre-order list), the one nearest the top
 * with a non-empty whitelist. The top image gets none. */
ssize_t orb_render_upper_whitelist(const orb_render_image *l, size_t n, size_t pos);

typedef enum orb_render_mode {
    ORB_RENDER_LINK, /* hard links into the source trees (store-internal, read-only use) */
    ORB_RENDER_COPY, /* independent copies (for users' directories) */
} orb_render_mode;

/* Lays down the rendered rootfs into dest_dir/rootfs (dest_dir must exist
 * and be empty). Directories get the metadata of the winning image; parents
 * of chosen entries that no image provides (a whitelist can drop them) are
 * created 0755. Symlinks in the trees are never followed. In COPY mode,
 * device nodes are recreated only when running as root (skipped otherwise). */
int orb_render_into(const orb_render_source *src, const orb_render_image *l, size_t n,
                    const char *dest_dir, orb_render_mode mode, orb_error **err);
