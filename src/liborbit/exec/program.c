/* Finding an app's program and checking its working directory inside the
 * app's root, before pivot_root or after it: either way nothing resolves
 * outside the root (orb_open_in_root), and errors name what was looked for
 * and where. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/app.h"
#include "exec/app_internal.h"
#include "util/mem.h"
#include "util/path.h"
#include "util/strv.h"

/* An O_PATH fd of path inside the root, symlinks followed inside it; the
 * cause of a failure is left in errno. Without openat2 the walk opens a
 * final symlink itself (O_PATH | O_NOFOLLOW): refused as a loop. */
int orb_app_open_path(int rootfd, const char *path)
{
    orb_error *e = NULL;
    int fd = orb_open_in_root(rootfd, path, O_PATH, 0, 0, &e);
    if (fd < 0) {
        int n = e ? e->errnum : EIO;
        orb_error_free(e);
        errno = n;
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
        close(fd);
        errno = ELOOP;
        return -1;
    }
    return fd;
}

/* 0: a regular file with an execute bit; else -1 with errno (ENOENT,
 * EACCES for a file that cannot be run, ...). */
static int check_executable(int rootfd, const char *path)
{
    _cleanup_close_ int fd = orb_app_open_path(rootfd, path);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return -1;
    if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
        errno = EACCES;
        return -1;
    }
    return 0;
}

static const char *env_path(char *const *env)
{
    for (char *const *e = env; e && *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            return *e + 5;
    return ORB_DEFAULT_PATH;
}

/* Each absolute directory of PATH in turn (relative and empty entries would
 * depend on the working directory: skipped). */
static int search_path(int rootfd, const char *program, const char *path, char **ret,
                       orb_error **err)
{
    _cleanup_strv_ char **dirs = strv_split(path, ':');
    _cleanup_free_ char *denied = NULL;
    for (char **d = dirs; *d; d++) {
        if ((*d)[0] != '/')
            continue;
        size_t len = strlen(*d);
        bool slash = len > 0 && (*d)[len - 1] == '/';
        _cleanup_free_ char *candidate = xasprintf("%s%s%s", *d, slash ? "" : "/", program);
        if (check_executable(rootfd, candidate) == 0) {
            *ret = TAKE_PTR(candidate);
            return 0;
        }
        if (errno == EACCES && !denied)
            denied = TAKE_PTR(candidate);
    }
    if (denied)
        return orb_err(err, EACCES, "\"%s\": not executable", denied);
    return orb_err(err, ENOENT, "program \"%s\": not found in %s", program, path);
}

int orb_app_find_program(int rootfd, const char *program, char *const *env, char **ret,
                         orb_error **err)
{
    *ret = NULL;
    if (!program || !program[0])
        return orb_err(err, EINVAL, "exec: no program given");
    if (program[0] != '/') {
        if (strchr(program, '/'))
            return orb_err(err, EINVAL, "program \"%s\": exec must be absolute or a bare name",
                           program);
        return search_path(rootfd, program, env_path(env), ret, err);
    }
    if (check_executable(rootfd, program) < 0) {
        if (errno == EACCES)
            return orb_err(err, EACCES, "\"%s\": not executable", program);
        if (errno == ENOENT || errno == ENOTDIR)
            return orb_err(err, ENOENT, "program \"%s\": does not exist in the image", program);
        return orb_err_sys(err, errno, "program \"%s\"", program);
    }
    *ret = xstrdup(program);
    return 0;
}

int orb_app_check_working_dir(int rootfd, const char *dir, orb_error **err)
{
    if (!dir || !dir[0])
        dir = "/";
    if (dir[0] != '/')
        return orb_err(err, EINVAL, "working directory %s: must be an absolute path", dir);
    _cleanup_close_ int fd = orb_app_open_path(rootfd, dir);
    struct stat st;
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return orb_err(err, ENOENT, "working directory %s: does not exist in the image", dir);
        return orb_err_sys(err, errno, "working directory %s", dir);
    }
    if (fstat(fd, &st) < 0)
        return orb_err_sys(err, errno, "working directory %s", dir);
    if (!S_ISDIR(st.st_mode))
        return orb_err(err, ENOTDIR, "working directory %s: not a directory", dir);
    return 0;
}
