/* Store layout, paths, temporary directories and locks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "util/clock.h"
#include "util/fs_remove.h"
#include "util/mem.h"

static const char *const store_subdirs[] = {"blobs", "trees", "rendered", "tmp", "locks"};

/* Creates path and its missing parents (the data directory may be nested). */
static int mkdir_p(const char *path, orb_error **err)
{
    _cleanup_free_ char *p = xstrdup(path);
    for (char *slash = strchr(p + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash)
            *slash = '\0';
        if (*p && mkdir(p, 0700) < 0 && errno != EEXIST)
            return orb_err_sys(err, errno, "store: create %s", p);
        if (!slash)
            return 0;
        *slash = '/';
    }
}

static int store_make_layout(orb_store *s, orb_error **err)
{
    if (mkdir_p(s->images_dir, err) < 0)
        return -1;
    s->images_fd = open(s->images_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->images_fd < 0)
        return orb_err_sys(err, errno, "store: open %s", s->images_dir);
    for (size_t i = 0; i < ARRAY_SIZE(store_subdirs); i++)
        if (mkdirat(s->images_fd, store_subdirs[i], 0700) < 0 && errno != EEXIST)
            return orb_err_sys(err, errno, "store: create %s/%s", s->images_dir, store_subdirs[i]);
    return 0;
}

int orb_store_open(const char *data_dir, orb_store **ret, orb_error **err)
{
    orb_store *s = xcalloc(1, sizeof(*s));
    s->images_fd = -1;
    s->data_dir = xstrdup(data_dir ? data_dir : ORB_DEFAULT_DATA_DIR);
    s->images_dir = xasprintf("%s/images", s->data_dir);
    if (store_make_layout(s, err) < 0 || store_index_open(s, err) < 0 ||
        store_clean_tmp(s, NULL, err) < 0) {
        orb_store_close(s);
        return -1;
    }
    *ret = s;
    return 0;
}

void orb_store_close(orb_store *s)
{
    if (!s)
        return;
    store_index_close(s);
    store_release_tmp_locks(s, true);
    free(s->tmp_locks);
    if (s->images_fd >= 0)
        close(s->images_fd);
    free(s->images_dir);
    free(s->data_dir);
    free(s);
}

void orb_store_closep(orb_store **s)
{
    orb_store_close(*s);
    *s = NULL;
}

const char *orb_store_data_dir(const orb_store *s)
{
    return s->data_dir;
}

char *orb_store_blob_path(const orb_store *s, const char *id)
{
    return xasprintf("%s/blobs/%s.aci", s->images_dir, id);
}

char *orb_store_signature_path(const orb_store *s, const char *id)
{
    return xasprintf("%s/blobs/%s.aci.asc", s->images_dir, id);
}

char *orb_store_tree_path(const orb_store *s, const char *id)
{
    return xasprintf("%s/trees/%s", s->images_dir, id);
}

char *orb_store_render_path(const orb_store *s, const char *render_id)
{
    return xasprintf("%s/rendered/%s", s->images_dir, render_id);
}

/* Forgets locks of directories that were removed or renamed away, or all. */
void store_release_tmp_locks(orb_store *s, bool all)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->n_tmp_locks; i++) {
        store_tmp_lock *l = &s->tmp_locks[i];
        struct stat a, b;
        bool alive = !all && stat(l->path, &a) == 0 && fstat(l->fd, &b) == 0 &&
                     a.st_ino == b.st_ino && a.st_dev == b.st_dev;
        if (alive) {
            s->tmp_locks[kept++] = *l;
            continue;
        }
        close(l->fd);
        free(l->path);
    }
    s->n_tmp_locks = kept;
}

/* Creates and locks a directory in tmp/. Cleanup holds an entry's lock while
 * removing it, so a directory locked here and still linked is ours; one that
 * cleanup took between creation and locking is simply made again. */
static int make_locked_tmp_dir(orb_store *s, const char *prefix, char **ret_path, int *ret_fd,
                               orb_error **err)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        _cleanup_free_ char *path =
            xasprintf("%s/tmp/%sXXXXXX", s->images_dir, prefix ? prefix : "");
        if (!mkdtemp(path))
            return orb_err_sys(err, errno, "store: create a directory in %s/tmp", s->images_dir);
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 &&
            st.st_nlink > 0) {
            *ret_path = TAKE_PTR(path);
            *ret_fd = fd;
            return 0;
        }
        if (fd >= 0)
            close(fd);
    }
    return orb_err(err, EAGAIN, "store: cannot keep a directory in %s/tmp", s->images_dir);
}

int orb_store_mkdtemp(orb_store *s, const char *prefix, char **ret_path, orb_error **err)
{
    store_release_tmp_locks(s, false);
    char *path = NULL;
    int fd = -1;
    if (make_locked_tmp_dir(s, prefix, &path, &fd, err) < 0)
        return -1;
    /* The lock tells other processes' cleanup that this directory is alive. */
    store_tmp_lock *l = xgrow(&s->tmp_locks, &s->n_tmp_locks, sizeof(*l));
    l->path = xstrdup(path);
    l->fd = fd;
    *ret_path = path;
    return 0;
}

int store_lock_name(orb_store *s, const char *name, orb_error **err)
{
    _cleanup_free_ char *rel = xasprintf("locks/%s.lock", name);
    int fd = openat(s->images_fd, rel, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return orb_err_sys(err, errno, "store: open lock %s/%s", s->images_dir, rel);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno == EINTR)
            continue;
        int e = errno;
        close(fd);
        return orb_err_sys(err, e, "store: lock %s/%s", s->images_dir, rel);
    }
    return fd;
}

int orb_store_lock(orb_store *s, bool exclusive, orb_error **err)
{
    int fd =
        openat(s->images_fd, "locks/store.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return orb_err_sys(err, errno, "store: open lock %s/locks/store.lock", s->images_dir);
    while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
        if (errno == EINTR)
            continue;
        int e = errno;
        close(fd);
        return orb_err_sys(err, e, "store: lock %s/locks/store.lock", s->images_dir);
    }
    return fd;
}

int store_fsync_dir(orb_store *s, const char *subdir, orb_error **err)
{
    _cleanup_close_ int fd = openat(s->images_fd, subdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        return orb_err_sys(err, errno, "store: sync %s/%s", s->images_dir, subdir);
    return 0;
}

static int rename_writable(int dirfd, const char *from, const char *to)
{
    if (renameat(dirfd, from, dirfd, to) == 0)
        return 0;
    /* moving a read-only directory to another parent must rewrite its ".." */
    struct stat st;
    if (errno != EACCES || fstatat(dirfd, from, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        !S_ISDIR(st.st_mode) || fchmodat(dirfd, from, (st.st_mode & 07777) | 0700, 0) < 0) {
        errno = errno ? errno : EACCES;
        return -1;
    }
    return renameat(dirfd, from, dirfd, to);
}

int store_discard(orb_store *s, const char *subdir, const char *name, orb_error **err)
{
    _cleanup_free_ char *from = xasprintf("%s/%s", subdir, name);
    _cleanup_free_ char *to = NULL;
    /* locked before it enters tmp/, so no other process's cleanup takes it too */
    _cleanup_close_ int fd =
        openat(s->images_fd, from, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0)
        (void)flock(fd, LOCK_EX | LOCK_NB);
    for (int attempt = 0;; attempt++) {
        free(to);
        to = xasprintf("tmp/rm-%d-%08x", (int)getpid(), (unsigned)random());
        if (rename_writable(s->images_fd, from, to) == 0)
            break;
        if (errno == ENOENT)
            return 0;
        if ((errno != EEXIST && errno != ENOTEMPTY) || attempt > 10)
            return orb_err_sys(err, errno, "store: remove %s/%s", s->images_dir, from);
    }
    if (orb_rm_rf_at(s->images_fd, to, err) < 0)
        return orb_err_wrap(err, "store: remove %s/%s", s->images_dir, from);
    return 0;
}

/* An fd holding the lock of an entry nobody else holds (kept while the entry
 * is removed, so a process creating it now sees it go), or -1 to leave it. */
static int lock_stale_tmp_entry(int tmp_fd, const char *name)
{
    int fd = openat(tmp_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ELOOP ? AT_FDCWD : -1; /* a symlink: no lock, just remove it */
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}
int store_clean_tmp(orb_store *s, size_t *ret_removed, orb_error **err)
{
    int fd = openat(s->images_fd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "store: open %s/tmp", s->images_dir);
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return orb_err_sys(err, errno, "store: read %s/tmp", s->images_dir);
    }
    _cleanup_dir_ DIR *dir = d;
    size_t removed = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        int lock = lock_stale_tmp_entry(dirfd(dir), de->d_name);
        if (lock == -1)
            continue;
        int r = orb_rm_rf_at(dirfd(dir), de->d_name, err);
        if (lock >= 0)
            close(lock);
        if (r < 0)
            return orb_err_wrap(err, "store: clean %s/tmp", s->images_dir);
        removed++;
    }
    if (ret_removed)
        *ret_removed = removed;
    return 0;
}
