/* Recursive removal with a bounded number of open descriptors: the walk keeps
 * one directory open at a time and climbs back through "..", remembering
 * names rather than descriptors, so a hostile image nested thousands of
 * levels deep cannot exhaust the descriptor limit or the stack. */
#include "util/fs_remove.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"

typedef struct rm_frame {
    char *name;     /* of this directory in its parent */
    char **subdirs; /* still to remove */
    size_t next;
} rm_frame;

/* Opens a directory for removal, making it writable and searchable first
 * when its mode would refuse us (a read-only tree). Refuses to cross into
 * another filesystem: a mount point inside is not ours to empty. */
static int open_dir(int dirfd, const char *name, dev_t dev, orb_error **err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return orb_err_sys(err, errno, "remove %s", name);
    if (st.st_dev != dev)
        return orb_err(err, EXDEV, "remove %s: is on another filesystem (a mount point?)", name);
    if ((st.st_mode & 0700) != 0700)
        fchmodat(dirfd, name, (st.st_mode & 07777) | 0700, 0); /* open tells if it mattered */
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "remove %s: open", name);
    return fd;
}

static bool is_dir_entry(int fd, const struct dirent *de)
{
    if (de->d_type != DT_UNKNOWN)
        return de->d_type == DT_DIR;
    struct stat st;
    return fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Unlinks every non-directory in fd and lists the subdirectories. */
static int scan_dir(int fd, const char *name, char ***ret_subdirs, orb_error **err)
{
    int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        return orb_err_sys(err, errno, "remove %s: read directory", name);
    }
    _cleanup_dir_ DIR *dir = d;
    _cleanup_strv_ char **subdirs = xcalloc(1, sizeof(char *));
    struct dirent *de;
    for (errno = 0; (de = readdir(dir)); errno = 0) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (is_dir_entry(fd, de))
            strv_push(&subdirs, de->d_name);
        else if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
            return orb_err_sys(err, errno, "remove %s/%s", name, de->d_name);
    }
    if (errno)
        return orb_err_sys(err, errno, "remove %s: read directory", name);
    *ret_subdirs = TAKE_PTR(subdirs);
    return 0;
}

static int push_frame(rm_frame **stack, size_t *n, int fd, const char *name, orb_error **err)
{
    char **subdirs;
    if (scan_dir(fd, name, &subdirs, err) < 0)
        return -1;
    rm_frame *f = xgrow(stack, n, sizeof(**stack));
    f->name = xstrdup(name);
    f->subdirs = subdirs;
    return 0;
}

static void free_frames(rm_frame *stack, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(stack[i].name);
        strv_free(stack[i].subdirs);
    }
    free(stack);
}

/* Leaves the emptied directory on top of the stack: climbs to its parent and removes it. */
static int pop_frame(int top_dirfd, rm_frame *stack, size_t *n, int *fd, orb_error **err)
{
    rm_frame *f = &stack[*n - 1];
    int parent = *n == 1 ? top_dirfd : openat(*fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int e = errno;
    close(*fd);
    *fd = -1;
    if (*n > 1 && parent < 0)
        return orb_err_sys(err, e, "remove %s: open its parent", f->name);
    int r = unlinkat(parent, f->name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
    if (r < 0)
        orb_err_sys(err, errno, "remove directory %s", f->name);
    free(f->name);
    strv_free(f->subdirs);
    (*n)--;
    if (*n > 0)
        *fd = parent;
    return r;
}

static int rm_tree(int dirfd, const char *name, dev_t dev, orb_error **err)
{
    rm_frame *stack = NULL;
    size_t n = 0;
    int fd = open_dir(dirfd, name, dev, err);
    if (fd < 0 || push_frame(&stack, &n, fd, name, err) < 0)
        goto fail;
    while (n > 0) {
        rm_frame *f = &stack[n - 1];
        if (!f->subdirs[f->next]) {
            if (pop_frame(dirfd, stack, &n, &fd, err) < 0)
                goto fail;
            continue;
        }
        const char *sub = f->subdirs[f->next++];
        int child = open_dir(fd, sub, dev, err);
        if (child < 0)
            goto fail;
        close(fd);
        fd = child;
        if (push_frame(&stack, &n, fd, sub, err) < 0)
            goto fail;
    }
    free(stack);
    return 0;
fail:
    if (fd >= 0 && fd != dirfd)
        close(fd);
    free_frames(stack, n);
    return -1;
}

int orb_rm_rf_at(int dirfd, const char *name, orb_error **err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : orb_err_sys(err, errno, "remove %s", name);
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
            return orb_err_sys(err, errno, "remove %s", name);
        return 0;
    }
    return rm_tree(dirfd, name, st.st_dev, err);
}

int orb_rm_rf(const char *path, orb_error **err)
{
    return orb_rm_rf_at(AT_FDCWD, path, err);
}
