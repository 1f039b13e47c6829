#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "aci/aci.h"
#include "aci/aci_internal.h"
#include "schema/manifest.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/strv.h"

static void add_manifest_problems(orb_problems *problems, const orb_problems *parsed)
{
    for (size_t i = 0; i < parsed->n; i++)
        orb_problem_add(problems, "manifest: %s", parsed->items[i]);
}

static int check_manifest(int dirfd, const char *dir, orb_problems *problems, char **ret_manifest,
                          size_t *ret_len, struct stat *ret_st, orb_error **err)
{
    _cleanup_close_ int fd =
        openat(dirfd, "manifest", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd < 0 && (errno == ENOENT || errno == ELOOP)) {
        orb_problem_add(problems, "manifest: %s",
                        errno == ENOENT ? "missing" : "must be a regular file, not a symlink");
        return -1;
    }
    if (fd < 0 || fstat(fd, &st) < 0)
        return orb_err_sys(err, errno, "%s/manifest", dir);
    if (!S_ISREG(st.st_mode)) {
        orb_problem_add(problems, "manifest: must be a regular file");
        return -1;
    }
    _cleanup_free_ char *name = xasprintf("%s/manifest", dir);
    _cleanup_free_ char *buf = NULL;
    size_t len;
    _cleanup_error_ orb_error *read_err = NULL;
    if (orb_read_fd(fd, name, ORB_MANIFEST_MAX_SIZE, &buf, &len, &read_err) < 0) {
        if (read_err->errnum != EFBIG)
            return orb_err(err, read_err->errnum, "%s", read_err->msg);
        orb_problem_add(problems, "manifest: larger than the limit of %d bytes",
                        ORB_MANIFEST_MAX_SIZE);
        return -1;
    }
    orb_problems parsed = {0};
    orb_image_manifest *m = NULL;
    int r = orb_image_manifest_parse(buf, len, &m, &parsed);
    orb_image_manifest_free(m);
    add_manifest_problems(problems, &parsed);
    orb_problems_clear(&parsed);
    if (r < 0)
        return -1;
    if (ret_manifest) {
        *ret_manifest = TAKE_PTR(buf);
        *ret_len = len;
        *ret_st = st;
    }
    return 0;
}

/* Anything but manifest and rootfs at the top would be dropped by a build
 * and rejected in an archive, so it is rejected here too. */
static int check_top_names(int dirfd, const char *dir, orb_problems *problems, orb_error **err)
{
    _cleanup_strv_ char **names = aci_list_dir(dirfd);
    if (!names)
        return orb_err_sys(err, errno, "read directory %s", dir);
    for (char **n = names; *n; n++)
        if (strcmp(*n, "manifest") != 0 && strcmp(*n, "rootfs") != 0)
            orb_problem_add(
                problems, "%s: not allowed at the top of an image: only manifest and rootfs/", *n);
    return 0;
}

int aci_layout_check_top(int dirfd, const char *dir, orb_problems *problems, char **ret_manifest,
                         size_t *ret_len, struct stat *ret_manifest_st, orb_error **err)
{
    size_t before = problems->n;
    if (check_manifest(dirfd, dir, problems, ret_manifest, ret_len, ret_manifest_st, err) < 0 &&
        err && *err)
        return -1;
    struct stat st;
    if (fstatat(dirfd, "rootfs", &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT)
            return orb_err_sys(err, errno, "%s/rootfs", dir);
        orb_problem_add(problems, "rootfs: missing");
    } else if (!S_ISDIR(st.st_mode)) {
        orb_problem_add(problems, "rootfs: must be a directory%s",
                        S_ISLNK(st.st_mode) ? ", not a symlink" : "");
    }
    if (check_top_names(dirfd, dir, problems, err) < 0)
        return -1;
    return problems->n > before ? -1 : 0;
}

/* Walks rootfs without following symlinks: every directory must be readable
 * for a build to succeed, so an unreadable one is reported now. */
static int walk(int dirfd, const char *path, orb_problems *problems, unsigned depth)
{
    if (depth > 512) {
        orb_problem_add(problems, "%s: directories nested too deeply", path);
        return 0;
    }
    _cleanup_strv_ char **names = aci_list_dir(dirfd);
    if (!names) {
        orb_problem_add(problems, "%s: cannot read directory: %s", path, strerror(errno));
        return 0;
    }
    for (char **n = names; *n; n++) {
        struct stat st;
        if (fstatat(dirfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", path, *n);
        _cleanup_close_ int subfd =
            openat(dirfd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (subfd < 0) {
            if (errno != ENOTDIR && errno != ELOOP)
                orb_problem_add(problems, "%s: cannot read directory: %s", sub, strerror(errno));
            continue;
        }
        walk(subfd, sub, problems, depth + 1);
    }
    return 0;
}

int orb_layout_validate(const char *dir, orb_problems *problems, orb_error **err)
{
    _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return orb_err_sys(err, errno, "open layout %s", dir);
    size_t before = problems->n;
    if (aci_layout_check_top(dirfd, dir, problems, NULL, NULL, NULL, err) < 0 && *err)
        return -1;
    _cleanup_close_ int rootfd =
        openat(dirfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (rootfd >= 0)
        walk(rootfd, "rootfs", problems, 0);
    return problems->n > before ? -1 : 0;
}
