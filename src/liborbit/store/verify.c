/* Checking a stored image against its ID and its row. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_internal.h"
#include "util/mem.h"

static void check_tree(orb_store *s, const char *id, orb_problems *problems)
{
    _cleanup_free_ char *tree = orb_store_tree_path(s, id);
    _cleanup_free_ char *manifest = xasprintf("%s/manifest", tree);
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", tree);
    struct stat st;
    if (lstat(tree, &st) < 0 || !S_ISDIR(st.st_mode))
        orb_problem_add(problems, "tree: %s is missing", tree);
    else if (lstat(manifest, &st) < 0 || !S_ISREG(st.st_mode))
        orb_problem_add(problems, "tree: %s is missing", manifest);
    if (lstat(tree, &st) == 0 && (lstat(rootfs, &st) < 0 || !S_ISDIR(st.st_mode)))
        orb_problem_add(problems, "tree: %s is missing", rootfs);
}

static void check_blob(orb_store *s, const orb_image_record *rec, orb_problems *problems)
{
    _cleanup_free_ char *blob = orb_store_blob_path(s, rec->id);
    struct stat st;
    if (lstat(blob, &st) < 0 || !S_ISREG(st.st_mode)) {
        orb_problem_add(problems, "blob: %s is missing", blob);
        return;
    }
    if ((uint64_t)st.st_size != rec->blob_size)
        orb_problem_add(problems, "blob: size %llu does not match the index (%llu)",
                        (unsigned long long)st.st_size, (unsigned long long)rec->blob_size);
    char id[ORB_IMAGE_ID_LEN + 1];
    _cleanup_error_ orb_error *e = NULL;
    if (orb_aci_image_id(blob, id, &e) < 0)
        orb_problem_add(problems, "blob: %s", e->msg);
    else if (strcmp(id, rec->id))
        orb_problem_add(problems, "blob: hash %s does not match the image ID", id);
    if (rec->has_signature) {
        _cleanup_free_ char *sig = orb_store_signature_path(s, rec->id);
        if (lstat(sig, &st) < 0)
            orb_problem_add(problems, "signature: %s is missing", sig);
    }
}

int orb_store_verify(orb_store *s, const char *id, orb_problems *problems, orb_error **err)
{
    orb_image_record rec;
    int r = orb_store_get(s, id, &rec, err);
    if (r <= 0)
        return r < 0 ? -1 : orb_err(err, ENOENT, "no image %s in the store", id);
    size_t before = problems->n + problems->dropped;
    check_blob(s, &rec, problems);
    check_tree(s, id, problems);
    orb_image_record_clear(&rec);
    return problems->n + problems->dropped > before ? -1 : 0;
}
