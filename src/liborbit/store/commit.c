/* Committing an imported image: the crash-safe order of syncs and renames. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "util/fs_remove.h"
#include "util/mem.h"

static int fsync_path(const char *path, orb_error **err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || fsync(fd) < 0)
        return orb_err_sys(err, errno, "store: sync %s", path);
    return 0;
}

static int remove_temporaries(const char *tmp_blob, const char *tmp_sig, const char *tmp_tree,
                              orb_error **err)
{
    if (orb_rm_rf(tmp_tree, err) < 0 || orb_rm_rf(tmp_blob, err) < 0 ||
        (tmp_sig && orb_rm_rf(tmp_sig, err) < 0))
        return orb_err_wrap(err, "store: remove temporaries");
    return 0;
}

static int move_into_place(orb_store *s, const char *id, const char *tmp_blob, const char *tmp_sig,
                           const char *tmp_tree, orb_error **err)
{
    _cleanup_free_ char *tree = orb_store_tree_path(s, id);
    _cleanup_free_ char *blob = orb_store_blob_path(s, id);
    _cleanup_free_ char *sig = orb_store_signature_path(s, id);
    if (rename(tmp_tree, tree) < 0)
        return orb_err_sys(err, errno, "store: rename %s to %s", tmp_tree, tree);
    if (tmp_sig && rename(tmp_sig, sig) < 0)
        return orb_err_sys(err, errno, "store: rename %s to %s", tmp_sig, sig);
    if (!tmp_sig && unlink(sig) < 0 && errno != ENOENT)
        return orb_err_sys(err, errno, "store: remove stale %s", sig);
    if (rename(tmp_blob, blob) < 0)
        return orb_err_sys(err, errno, "store: rename %s to %s", tmp_blob, blob);
    return 0;
}

int orb_store_commit_image(orb_store *s, const orb_image_record *rec, const char *tmp_blob,
                           const char *tmp_sig, const char *tmp_tree, orb_error **err)
{
    if (!orb_is_full_image_id(rec->id))
        return orb_err(err, EINVAL, "store: commit: invalid image ID \"%s\"", rec->id);
    _cleanup_close_ int lock = store_lock_name(s, rec->id, err);
    if (lock < 0)
        return -1;
    int r = store_has_image(s, rec->id, err);
    if (r < 0)
        return -1;
    if (r > 0) /* another process won the race */
        return remove_temporaries(tmp_blob, tmp_sig, tmp_tree, err) < 0 ? -1 : 0;
    if (fsync_path(tmp_blob, err) < 0 || (tmp_sig && fsync_path(tmp_sig, err) < 0))
        return -1;
    if (syncfs(s->images_fd) < 0) /* the tree's files, all at once */
        return orb_err_sys(err, errno, "store: sync %s", s->images_dir);
    /* a tree without a row is the leftover of a crash */
    if (store_discard(s, "trees", rec->id, err) < 0 ||
        move_into_place(s, rec->id, tmp_blob, tmp_sig, tmp_tree, err) < 0)
        return -1;
    if (store_fsync_dir(s, "trees", err) < 0 || store_fsync_dir(s, "blobs", err) < 0 ||
        store_fsync_dir(s, "tmp", err) < 0)
        return -1;
    orb_image_record row = *rec;
    row.has_signature = tmp_sig != NULL;
    if (store_insert_image(s, &row, err) < 0)
        return -1;
    store_release_tmp_locks(s, false);
    return 1;
}
