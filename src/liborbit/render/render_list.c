/* The render list: the top image and its dependencies, flattened depth-first
 * with each image's dependencies inserted right after it (the reference's
 * order), plus the render ID and the upper-whitelist lookup. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"
#include "util/mem.h"
#include "util/sha512.h"
#include "util/strv.h"

/* An element being built: the public part plus what cycle detection and
 * error messages need (the chain of names and IDs from the top). */
typedef struct list_node {
    orb_render_image img;
    char **chain_ids;   /* ancestors' IDs, top first, this image last */
    char **chain_names; /* the same, as names */
} list_node;

typedef struct list_builder {
    list_node *nodes;
    size_t n;
} list_builder;

static void builder_clear(list_builder *b)
{
    for (size_t i = 0; i < b->n; i++) {
        strv_free(b->nodes[i].img.path_whitelist);
        strv_free(b->nodes[i].chain_ids);
        strv_free(b->nodes[i].chain_names);
    }
    free(b->nodes);
    b->nodes = NULL;
    b->n = 0;
}

static char *labels_text(const orb_kv_list *labels)
{
    if (labels->n == 0)
        return xstrdup("");
    _cleanup_strv_ char **parts = NULL;
    for (size_t i = 0; i < labels->n; i++)
        strv_push_take(&parts, xasprintf("%s=%s", labels->items[i].name, labels->items[i].value));
    _cleanup_free_ char *joined = strv_join(parts, ",");
    return xasprintf(" (%s)", joined);
}

static int dep_missing(const orb_dependency *d, const char *parent, orb_error **err)
{
    _cleanup_free_ char *lt = labels_text(&d->labels);
    if (d->image_id)
        return orb_err(err, ENOENT, "dependency %s%s (id %s) of %s: not in the store",
                       d->image_name, lt, d->image_id, parent);
    return orb_err(err, ENOENT, "dependency %s%s of %s: not in the store", d->image_name, lt,
                   parent);
}

/* Resolves one dependency to a stored image ID and its manifest. */
static int resolve_dep(const orb_render_source *src, const orb_dependency *d, const char *parent,
                       char id[ORB_IMAGE_ID_LEN + 1], orb_image_manifest **ret, orb_error **err)
{
    if (d->image_id) {
        if (strlen(d->image_id) > ORB_IMAGE_ID_LEN)
            return dep_missing(d, parent, err);
        strcpy(id, d->image_id);
    } else {
        int r = src->find(src->ctx, d->image_name, &d->labels, id, err);
        if (r < 0)
            return orb_err_wrap(err, "dependency %s of %s", d->image_name, parent);
        if (r == 0)
            return dep_missing(d, parent, err);
    }
    _cleanup_error_ orb_error *e = NULL;
    if (src->manifest(src->ctx, id, ret, &e) < 0)
        return dep_missing(d, parent, err);
    if (d->image_id && strcmp((*ret)->name, d->image_name) != 0) {
        int r = orb_err(err, EINVAL, "dependency %s of %s: image %s is named %s", d->image_name,
                        parent, d->image_id, (*ret)->name);
        orb_image_manifest_free(TAKE_PTR(*ret));
        return r;
    }
    return 0;
}

static int check_cycle(const list_node *parent, const char *id, const char *name, orb_error **err)
{
    if (!strv_contains(parent->chain_ids, id))
        return 0;
    _cleanup_free_ char *chain = strv_join(parent->chain_names, " -> ");
    return orb_err(err, ELOOP, "dependency cycle: %s -> %s", chain, name);
}

/* Inserts a new node at position pos, shifting the rest. */
static list_node *insert_node(list_builder *b, size_t pos)
{
    xgrow(&b->nodes, &b->n, sizeof(list_node));
    memmove(&b->nodes[pos + 1], &b->nodes[pos], (b->n - 1 - pos) * sizeof(list_node));
    memset(&b->nodes[pos], 0, sizeof(list_node));
    return &b->nodes[pos];
}

static void fill_node(list_node *node, const list_node *parent, const char *id,
                      const orb_image_manifest *m)
{
    snprintf(node->img.id, sizeof(node->img.id), "%s", id);
    node->img.level = parent ? parent->img.level + 1 : 0;
    if (m->path_whitelist && m->path_whitelist[0])
        node->img.path_whitelist = strv_copy(m->path_whitelist);
    node->chain_ids = parent ? strv_copy(parent->chain_ids) : NULL;
    node->chain_names = parent ? strv_copy(parent->chain_names) : NULL;
    strv_push(&node->chain_ids, id);
    strv_push(&node->chain_names, m->name);
}

/* Inserts every dependency of node i right after it, each new one before
 * the previous, so the last-declared dependency ends up first. */
static int expand_node(const orb_render_source *src, list_builder *b, size_t i,
                       const orb_image_manifest *m, orb_error **err)
{
    for (size_t k = 0; k < m->n_dependencies; k++) {
        const orb_dependency *d = &m->dependencies[k];
        char id[ORB_IMAGE_ID_LEN + 1];
        _cleanup_(orb_image_manifest_freep) orb_image_manifest *dm = NULL;
        if (resolve_dep(src, d, m->name, id, &dm, err) < 0)
            return -1;
        if (check_cycle(&b->nodes[i], id, dm->name, err) < 0)
            return -1;
        if (b->nodes[i].img.level + 1 >= ORB_RENDER_MAX_DEPTH)
            return orb_err(err, E2BIG, "dependency %s of %s: dependencies nested deeper than %d",
                           d->image_name, m->name, ORB_RENDER_MAX_DEPTH);
        if (b->n >= ORB_RENDER_MAX_IMAGES)
            return orb_err(err, E2BIG, "image %s: more than %d images with its dependencies",
                           b->nodes[0].chain_names[0], ORB_RENDER_MAX_IMAGES);
        list_node *node = insert_node(b, i + 1);
        fill_node(node, &b->nodes[i], id, dm);
    }
    return 0;
}

static void builder_take(list_builder *b, orb_render_image **ret, size_t *ret_n)
{
    orb_render_image *l = xcalloc(b->n ? b->n : 1, sizeof(*l));
    for (size_t i = 0; i < b->n; i++) {
        l[i] = b->nodes[i].img;
        b->nodes[i].img.path_whitelist = NULL;
    }
    *ret = l;
    *ret_n = b->n;
}

int orb_render_list(const orb_render_source *src, const char *id, orb_render_image **ret,
                    size_t *ret_n, orb_error **err)
{
    list_builder b = {0};
    _cleanup_(orb_image_manifest_freep) orb_image_manifest *top = NULL;
    if (src->manifest(src->ctx, id, &top, err) < 0)
        return orb_err_wrap(err, "image %s", id);
    fill_node(insert_node(&b, 0), NULL, id, top);
    for (size_t i = 0; i < b.n; i++) {
        _cleanup_(orb_image_manifest_freep) orb_image_manifest *m = NULL;
        if (i == 0)
            m = TAKE_PTR(top);
        else if (src->manifest(src->ctx, b.nodes[i].img.id, &m, err) < 0)
            goto fail;
        if (expand_node(src, &b, i, m, err) < 0)
            goto fail;
    }
    builder_take(&b, ret, ret_n);
    builder_clear(&b);
    /* A list that is not its top image alone is named by a digest
     * (orb_render_id): libcrypto is bound here, where failing to load it
     * can still be reported. */
    if (!orb_render_is_trivial(*ret, *ret_n) && orb_sha512_load(err) < 0) {
        orb_render_list_free(*ret, *ret_n);
        *ret = NULL;
        *ret_n = 0;
        return -1;
    }
    return 0;
fail:
    builder_clear(&b);
    return -1;
}

void orb_render_list_free(orb_render_image *l, size_t n)
{
    if (!l)
        return;
    for (size_t i = 0; i < n; i++)
        strv_free(l[i].path_whitelist);
    free(l);
}

char *orb_render_id(const orb_render_image *l, size_t n)
{
    orb_sha512 s;
    _cleanup_error_ orb_error *ignored = NULL;
    /* libcrypto is bound already for a list orb_render_list made (see
     * there), so only running out of memory can make this fail. */
    if (orb_sha512_init(&s, &ignored) < 0)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            orb_sha512_update(&s, ",", 1);
        orb_sha512_update(&s, l[i].id, strlen(l[i].id));
    }
    char *out = xmalloc(sizeof("deps-") - 1 + ORB_SHA512_HEX_LEN + 1);
    memcpy(out, "deps-", sizeof("deps-") - 1);
    orb_sha512_final_hex(&s, out + sizeof("deps-") - 1);
    return out;
}

bool orb_render_is_trivial(const orb_render_image *l, size_t n)
{
    return n == 1 && !(l[0].path_whitelist && l[0].path_whitelist[0]);
}

ssize_t orb_render_upper_whitelist(const orb_render_image *l, size_t n, size_t pos)
{
    if (pos >= n)
        return -1;
    ssize_t found = -1;
    int level = l[pos].level;
    /* In a pre-order list, the ancestors of pos are, walking back, the
     * images whose level is below every level seen so far; the one nearest
     * the top with a whitelist wins. (The reference compares with the last
     * level seen instead, which takes an earlier sibling subtree's image for
     * an ancestor; we do not reproduce that.) */
    for (size_t i = pos + 1; i-- > 0;) {
        if (l[i].level >= level)
            continue;
        if (l[i].path_whitelist && l[i].path_whitelist[0])
            found = (ssize_t)i;
        level = l[i].level;
    }
    return found;
}
