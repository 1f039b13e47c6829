/* An app's /dev (OS-SPEC.md "Devices and File Systems"): a fresh tmpfs with
 * the standard character devices, a private devpts instance, shm and the
 * usual symlinks. Nothing of the host's /dev is visible but /dev/null, bound
 * over /dev/console when the pod has no terminal. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "exec/mounts_internal.h"
#include "util/mem.h"

static const struct {
    const char *name;
    unsigned major, minor;
} devices[] = {
    {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct {
    const char *name, *target;
} links[] = {
    {"ptmx", "pts/ptmx"},          {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
};

static int make_nodes(int devfd, orb_error **err)
{
    for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
        const char *n = devices[i].name;
        if (mknodat(devfd, n, S_IFCHR | 0666, makedev(devices[i].major, devices[i].minor)) < 0)
            return orb_err_sys(err, errno, "mknod /dev/%s", n);
        /* the umask trimmed the mode */
        if (fchmodat(devfd, n, 0666, 0) < 0)
            return orb_err_sys(err, errno, "chmod /dev/%s", n);
    }
    for (size_t i = 0; i < ARRAY_SIZE(links); i++)
        if (symlinkat(links[i].target, devfd, links[i].name) < 0)
            return orb_err_sys(err, errno, "symlink /dev/%s", links[i].name);
    return 0;
}

/* A directory of the new tmpfs with a filesystem mounted on it. */
static int mount_sub(int devfd, const char *name, mode_t mode, const char *fstype,
                     unsigned long flags, const char *data, orb_error **err)
{
    _cleanup_free_ char *what = xasprintf("/dev/%s", name);
    if (mkdirat(devfd, name, mode) < 0)
        return orb_err_sys(err, errno, "mkdir %s", what);
    _cleanup_close_ int fd = openat(devfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "%s", what);
    return orb_mount_fd(fstype, -1, fd, fstype, flags, data, what, err);
}

static int bind_console(int devfd, orb_error **err)
{
    int f = openat(devfd, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (f < 0)
        return orb_err_sys(err, errno, "create /dev/console");
    close(f);
    _cleanup_close_ int fd = openat(devfd, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "/dev/console");
    return orb_mount_fd("/dev/null", -1, fd, NULL, MS_BIND, NULL, "/dev/console", err);
}

int orb_mount_dev(int rootfd, orb_error **err)
{
    _cleanup_close_ int fd = orb_mkpath_in_root(rootfd, "dev", ORB_TARGET_DIR, err);
    if (fd < 0)
        return -1;
    /* devices must work here: no nodev */
    if (orb_mount_fd("tmpfs", -1, fd, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=0755,size=65536k",
                     "/dev", err) < 0)
        return -1;
    _cleanup_close_ int devfd =
        openat(rootfd, "dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (devfd < 0)
        return orb_err_sys(err, errno, "/dev");
    if (make_nodes(devfd, err) < 0 ||
        mount_sub(devfd, "pts", 0755, "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620,gid=5", err) < 0 ||
        mount_sub(devfd, "shm", 01777, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "mode=1777,size=65536k", err) < 0 ||
        mount_sub(devfd, "mqueue", 0755, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0)
        return -1;
    return bind_console(devfd, err);
}
