#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/path.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* 0: not tried yet, 1: openat2 works, -1: ENOSYS, use the walk. */
static atomic_int openat2_state;
static bool forced_fallback;

void orb_path_force_fallback(bool on)
{
    forced_fallback = on;
}

/* Returns the fd, -1 with errno, or -2 when the system call is missing. */
static int try_openat2(int rootfd, const char *path, int flags, mode_t mode, unsigned resolve)
{
    if (forced_fallback || atomic_load(&openat2_state) < 0)
        return -2;
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
                   ((resolve & ORB_RESOLVE_NO_SYMLINKS) ? RESOLVE_NO_SYMLINKS : 0),
    };
    for (int tries = 0;; tries++) {
        long fd = syscall(SYS_openat2, rootfd, path[0] ? path : ".", &how, sizeof(how));
        if (fd >= 0) {
            atomic_store(&openat2_state, 1);
            return (int)fd;
        }
        if (errno == ENOSYS) {
            atomic_store(&openat2_state, -1);
            return -2;
        }
        /* EAGAIN: a rename raced with the lookup; the kernel asks for a retry. */
        if ((errno != EAGAIN && errno != EINTR) || tries >= 16)
            return -1;
    }
}

/* The next component of *p (advanced past it), skipping empty ones and ".". */
static bool next_component(const char **p, const char **ret, size_t *ret_len)
{
    for (;;) {
        const char *s = *p;
        while (*s == '/')
            s++;
        if (!*s)
            return false;
        const char *end = strchrnul(s, '/');
        *p = end;
        if (end - s == 1 && s[0] == '.')
            continue;
        *ret = s;
        *ret_len = (size_t)(end - s);
        return true;
    }
}

/* The walk: every component but the last must be a real directory. */
static int walk_open(int rootfd, const char *path, int flags, mode_t mode)
{
    int dirfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
    if (dirfd < 0)
        return -1;
    const char *p = path, *comp;
    size_t len;
    _cleanup_free_ char *name = NULL;
    bool have = next_component(&p, &comp, &len);
    if (!have) { /* the root itself */
        int fd = openat(dirfd, ".", flags | O_CLOEXEC, mode);
        close(dirfd);
        return fd;
    }
    for (;;) {
        free(name);
        name = xstrndup(comp, len);
        if (strcmp(name, "..") == 0) {
            close(dirfd);
            errno = EXDEV;
            return -1;
        }
        bool last = !next_component(&p, &comp, &len);
        int fl = last ? (flags | O_NOFOLLOW | O_CLOEXEC)
                      : (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int fd = openat(dirfd, name, fl, mode);
        int e = errno;
        struct stat st;
        /* O_DIRECTORY | O_NOFOLLOW on a symlink says ENOTDIR: name it a loop */
        if (fd < 0 && e == ENOTDIR && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode))
            e = ELOOP;
        close(dirfd);
        if (fd < 0 || last) {
            errno = e;
            return fd;
        }
        dirfd = fd;
    }
}

int orb_open_in_root(int rootfd, const char *path, int flags, mode_t mode, unsigned resolve,
                     orb_error **err)
{
    int fd = try_openat2(rootfd, path, flags, mode, resolve);
    if (fd == -2)
        fd = walk_open(rootfd, path, flags, mode);
    if (fd < 0)
        return orb_err_sys(err, errno, "%s", path[0] ? path : ".");
    return fd;
}

int orb_open_parent_in_root(int rootfd, const char *path, char **ret_base, orb_error **err)
{
    size_t len = strlen(path);
    while (len > 0 && path[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && path[start - 1] != '/')
        start--;
    _cleanup_free_ char *base = xstrndup(path + start, len - start);
    if (!base[0] || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return orb_err(err, EINVAL, "%s: not a name for a new entry", path);
    _cleanup_free_ char *dir = xstrndup(path, start);
    int fd = orb_open_in_root(rootfd, dir, O_RDONLY | O_DIRECTORY, 0, ORB_RESOLVE_NO_SYMLINKS, err);
    if (fd < 0)
        return -1;
    *ret_base = TAKE_PTR(base);
    return fd;
}
