/* An app's root: the overlay (or bind) of its tree, /proc, /sys, /dev, the
 * pod's etc files, its volumes, and the read-only remount, all made by the
 * pod's supervisor before any app starts (entering the root is spawn.c's). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec/mounts.h"
#include "exec/mounts_internal.h"
#include "util/fs.h"
#include "util/mem.h"

/* Masked like the OCI runtime defaults: files get /dev/null over them,
 * directories an empty read-only tmpfs. Only the ones that exist. */
static const char *const proc_masked[] = {
    "proc/acpi",       "proc/asound",      "proc/kcore",       "proc/keys", "proc/latency_stats",
    "proc/timer_list", "proc/timer_stats", "proc/sched_debug", "proc/scsi",
};
/* Kernel knobs the pod may read but not change. */
static const char *const proc_readonly[] = {
    "proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger",
};
static const char *const sys_masked[] = {
    "sys/firmware",
    "sys/devices/virtual/powercap",
};

int orb_mounts_make_private(orb_error **err)
{
    if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return orb_err_sys(err, errno, "make the mount namespace a slave of the host's");
    return 0;
}

static char *fd_path(int fd)
{
    return xasprintf("/proc/self/fd/%d", fd);
}

int orb_mount_fd(const char *source, int source_fd, int target_fd, const char *fstype,
                 unsigned long flags, const char *data, const char *what, orb_error **err)
{
    _cleanup_free_ char *src = source_fd >= 0 ? fd_path(source_fd) : NULL;
    _cleanup_free_ char *dst = fd_path(target_fd);
    if (mount(src ? src : source, dst, fstype, flags, data) < 0)
        return orb_err_sys(err, errno, "mount %s", what);
    return 0;
}

/* The remount fallback for kernels without mount_setattr: keeps the flags
 * the mount already has (a bind remount resets what it is not given). */
static int remount_readonly(int fd, const char *what, orb_error **err)
{
    struct statvfs sv;
    if (fstatvfs(fd, &sv) < 0)
        return orb_err_sys(err, errno, "%s", what);
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
    if (sv.f_flag & ST_NOSUID)
        flags |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV)
        flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        flags |= MS_NOEXEC;
    return orb_mount_fd(NULL, -1, fd, NULL, flags, NULL, what, err);
}

int orb_mount_set_readonly(int fd, bool recursive, const char *what, orb_error **err)
{
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    if (mount_setattr(fd, "", flags, &attr, sizeof(attr)) == 0)
        return 0;
    if (errno != ENOSYS)
        return orb_err_sys(err, errno, "make %s read-only", what);
    /* Old kernels: only the top mount becomes read-only. */
    return remount_readonly(fd, what, err);
}

/* One step of orb_mkpath_in_root: opens (creating if needed) name in dirfd. */
static int open_component(int dirfd, const char *name, bool last, orb_target_kind kind,
                          const char *shown, orb_error **err)
{
    bool want_file = last && kind == ORB_TARGET_FILE;
    for (int tries = 0; tries < 4; tries++) {
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT)
                return orb_err_sys(err, errno, "%s", shown);
            int r = want_file ? openat(dirfd, name,
                                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)
                              : mkdirat(dirfd, name, 0755);
            if (r < 0 && errno != EEXIST)
                return orb_err_sys(err, errno, "create %s", shown);
            if (want_file && r >= 0)
                close(r);
            continue;
        }
        if (S_ISLNK(st.st_mode))
            return orb_err(err, ELOOP, "%s: is a symlink", shown);
        if (want_file && S_ISDIR(st.st_mode))
            return orb_err(err, EISDIR, "%s: is a directory, the volume is a file", shown);
        if (!want_file && !S_ISDIR(st.st_mode)) {
            if (!last)
                return orb_err(err, ENOTDIR, "%s: not a directory", shown);
            /* ace.md: a file where a volume's directory goes is replaced. */
            if (unlinkat(dirfd, name, 0) < 0)
                return orb_err_sys(err, errno, "replace %s", shown);
            continue;
        }
        int fd =
            openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | (want_file ? 0 : O_DIRECTORY));
        if (fd >= 0)
            return fd;
        if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
            return orb_err_sys(err, errno, "%s", shown);
    }
    return orb_err(err, EAGAIN, "%s: keeps changing", shown);
}

int orb_mkpath_in_root(int rootfd, const char *path, orb_target_kind kind, orb_error **err)
{
    _cleanup_free_ char *copy = xstrdup(path);
    _cleanup_close_ int dirfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
    if (dirfd < 0)
        return orb_err_sys(err, errno, "%s", path);
    char *save = NULL;
    char *comp = strtok_r(copy, "/", &save);
    while (comp && strcmp(comp, ".") == 0)
        comp = strtok_r(NULL, "/", &save);
    if (!comp)
        return orb_err(err, EINVAL, "%s: not a path below the root", path);
    while (comp) {
        char *next = strtok_r(NULL, "/", &save);
        while (next && strcmp(next, ".") == 0)
            next = strtok_r(NULL, "/", &save);
        if (strcmp(comp, "..") == 0)
            return orb_err(err, EXDEV, "%s: path escapes the root", path);
        /* the part of the path up to this component, for messages */
        _cleanup_free_ char *shown = xstrndup(path, (size_t)(comp + strlen(comp) - copy));
        int fd = open_component(dirfd, comp, next == NULL, kind, shown, err);
        if (fd < 0)
            return -1;
        close(dirfd);
        dirfd = fd;
        comp = next;
    }
    return TAKE_FD(dirfd);
}

static char *app_path(const orb_pod *p, const orb_runtime_app *ra, const char *what)
{
    return xasprintf("%s/apps/%s/%s", p->dir, ra->name, what);
}

int orb_app_read_tree(const orb_pod *p, const char *app, char **ret, orb_error **err)
{
    _cleanup_free_ char *path = xasprintf("%s/apps/%s/tree", p->dir, app);
    char *text = NULL;
    if (orb_read_file(path, 4096, &text, NULL, err) < 0)
        return -1;
    text[strcspn(text, "\n")] = '\0';
    if (text[0] != '/' || strpbrk(text, ",:")) {
        free(text);
        return orb_err(err, EINVAL, "%s: not an absolute path usable by overlayfs", path);
    }
    *ret = text;
    return 0;
}

static int mount_rootfs(const orb_pod *p, const orb_runtime_app *ra, const char *rootfs,
                        orb_error **err)
{
    _cleanup_free_ char *flag = xasprintf("%s/%s", p->dir, ORB_POD_OVERLAY);
    if (access(flag, F_OK) < 0) {
        /* --no-overlay: the copy, made a mount point for pivot_root, and
         * nodev like the overlay, so device nodes an image ships do nothing */
        if (mount(rootfs, rootfs, NULL, MS_BIND, NULL) < 0)
            return orb_err_sys(err, errno, "bind %s", rootfs);
        if (mount(NULL, rootfs, NULL, MS_BIND | MS_REMOUNT | MS_NODEV, NULL) < 0)
            return orb_err_sys(err, errno, "make %s nodev", rootfs);
        return 0;
    }
    _cleanup_free_ char *tree = NULL;
    if (orb_app_read_tree(p, ra->name, &tree, err) < 0)
        return -1;
    _cleanup_free_ char *upper = app_path(p, ra, "upper");
    _cleanup_free_ char *work = app_path(p, ra, "work");
    if (strpbrk(upper, ",:"))
        return orb_err(err, EINVAL, "%s: overlayfs cannot use a path with ',' or ':'", upper);
    _cleanup_free_ char *opts =
        xasprintf("lowerdir=%s/rootfs,upperdir=%s,workdir=%s", tree, upper, work);
    if (mount("overlay", rootfs, "overlay", MS_NODEV, opts) < 0)
        return orb_err_sys(err, errno, "mount the overlay on %s", rootfs);
    return 0;
}

/* Covers path (if it exists in the new /proc or /sys) with /dev/null or an
 * empty read-only tmpfs. */
static int mask_path(int rootfd, const char *path, orb_error **err)
{
    struct stat st;
    if (fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    if (S_ISLNK(st.st_mode))
        return 0;
    _cleanup_close_ int fd = openat(rootfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    if (S_ISDIR(st.st_mode))
        return orb_mount_fd("tmpfs", -1, fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            "mode=0555", path, err);
    return orb_mount_fd("/dev/null", -1, fd, NULL, MS_BIND, NULL, path, err);
}

static int readonly_path(int rootfd, const char *path, orb_error **err)
{
    _cleanup_close_ int fd = openat(rootfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    if (orb_mount_fd(NULL, fd, fd, NULL, MS_BIND | MS_REC, NULL, path, err) < 0)
        return -1;
    /* the fd still names the covered dentry: reopen the bind's root */
    _cleanup_close_ int top = openat(rootfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (top < 0)
        return orb_err_sys(err, errno, "%s", path);
    return orb_mount_set_readonly(top, true, path, err);
}

static int mount_proc(int rootfd, orb_error **err)
{
    _cleanup_close_ int fd = orb_mkpath_in_root(rootfd, "proc", ORB_TARGET_DIR, err);
    if (fd < 0)
        return -1;
    if (orb_mount_fd("proc", -1, fd, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/proc", err) <
        0)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(proc_masked); i++)
        if (mask_path(rootfd, proc_masked[i], err) < 0)
            return -1;
    for (size_t i = 0; i < ARRAY_SIZE(proc_readonly); i++)
        if (readonly_path(rootfd, proc_readonly[i], err) < 0)
            return -1;
    return 0;
}

static int mount_sys(int rootfd, orb_error **err)
{
    _cleanup_close_ int fd = orb_mkpath_in_root(rootfd, "sys", ORB_TARGET_DIR, err);
    if (fd < 0)
        return -1;
    unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    _cleanup_free_ char *dst = fd_path(fd);
    if (mount("sysfs", dst, "sysfs", flags, NULL) < 0) {
        /* sysfs of a network namespace we may not own: the host's, read-only */
        if (orb_mount_fd("/sys", -1, fd, NULL, MS_BIND | MS_REC, NULL, "/sys", err) < 0)
            return -1;
        _cleanup_close_ int top = openat(rootfd, "sys", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (top < 0 || orb_mount_set_readonly(top, true, "/sys", err) < 0)
            return top < 0 ? orb_err_sys(err, errno, "/sys") : -1;
    }
    for (size_t i = 0; i < ARRAY_SIZE(sys_masked); i++)
        if (mask_path(rootfd, sys_masked[i], err) < 0)
            return -1;
    return 0;
}

/* Images often have /etc/resolv.conf as a symlink (to a resolver's runtime
 * file): the pod's file replaces the link, in the app's own layer. */
static int drop_etc_symlink(int rootfd, const char *name, orb_error **err)
{
    _cleanup_close_ int etc = orb_mkpath_in_root(rootfd, "etc", ORB_TARGET_DIR, err);
    if (etc < 0)
        return -1;
    _cleanup_close_ int dirfd = openat(etc, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (dirfd < 0)
        return orb_err_sys(err, errno, "etc");
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
        unlinkat(dirfd, name, 0) < 0)
        return orb_err_sys(err, errno, "replace the symlink etc/%s", name);
    return 0;
}

/* The pod's file for /etc/<name>, or NULL to leave the image's. For hosts,
 * the generated default applies only to images that have no hosts file. */
static char *etc_source(const orb_pod *p, int rootfd, const char *name)
{
    char *src = xasprintf("%s/%s", p->dir, name);
    struct stat st;
    if (lstat(src, &st) == 0)
        return src;
    free(src);
    if (strcmp(name, "hosts") != 0 || fstatat(rootfd, "etc/hosts", &st, AT_SYMLINK_NOFOLLOW) == 0)
        return NULL;
    return xasprintf("%s/hosts.default", p->dir);
}

static int mount_etc_files(const orb_pod *p, int rootfd, orb_error **err)
{
    static const char *const names[] = {"hostname", "hosts", "resolv.conf"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        _cleanup_free_ char *src = etc_source(p, rootfd, names[i]);
        _cleanup_close_ int sfd = src ? open(src, O_PATH | O_NOFOLLOW | O_CLOEXEC) : -1;
        if (sfd < 0)
            continue;
        _cleanup_free_ char *target = xasprintf("etc/%s", names[i]);
        if (drop_etc_symlink(rootfd, names[i], err) < 0)
            return -1;
        _cleanup_close_ int tfd = orb_mkpath_in_root(rootfd, target, ORB_TARGET_FILE, err);
        if (tfd < 0 || orb_mount_fd(NULL, sfd, tfd, NULL, MS_BIND, NULL, target, err) < 0)
            return -1;
    }
    return 0;
}

static int mount_inside(const orb_pod *p, const orb_pod_manifest *pm, const orb_runtime_app *ra,
                        const char *rootfs, orb_error **err)
{
    _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return orb_err_sys(err, errno, "%s", rootfs);
    if (mount_proc(rootfd, err) < 0 || mount_sys(rootfd, err) < 0 ||
        orb_mount_dev(rootfd, err) < 0 || mount_etc_files(p, rootfd, err) < 0 ||
        orb_mount_volumes(p, pm, ra, rootfd, err) < 0)
        return -1;
    if (ra->read_only_rootfs && orb_mount_set_readonly(rootfd, false, "the root", err) < 0)
        return -1;
    return 0;
}

int orb_app_mount_root(const orb_pod *p, const orb_pod_manifest *pm, const orb_runtime_app *ra,
                       orb_error **err)
{
    _cleanup_free_ char *rootfs = app_path(p, ra, "rootfs");
    if (mount_rootfs(p, ra, rootfs, err) < 0 || mount_inside(p, pm, ra, rootfs, err) < 0)
        return orb_err_wrap(err, "app %s", ra->name);
    return 0;
}

int orb_app_mount_console(const char *rootfs, const char *pty, orb_error **err)
{
    _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return orb_err_sys(err, errno, "%s", rootfs);
    _cleanup_close_ int fd = orb_mkpath_in_root(rootfd, "dev/console", ORB_TARGET_FILE, err);
    if (fd < 0)
        return -1;
    return orb_mount_fd(pty, -1, fd, NULL, MS_BIND, NULL, "/dev/console", err);
}
