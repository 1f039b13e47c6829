#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/fs_remove.h"
#include "util/mem.h"

int orb_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int orb_read_fd(int fd, const char *name, size_t max_size, char **ret_buf, size_t *ret_len,
                orb_error **err)
{
    size_t cap = 4096, len = 0;
    _cleanup_free_ char *buf = xmalloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap > max_size)
                return orb_err(err, EFBIG, "%s: larger than the limit of %zu bytes", name,
                               max_size);
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return orb_err_sys(err, errno, "read %s", name);
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > max_size)
        return orb_err(err, EFBIG, "%s: larger than the limit of %zu bytes", name, max_size);
    buf = xrealloc(buf, len + 1);
    buf[len] = '\0';
    *ret_buf = TAKE_PTR(buf);
    if (ret_len)
        *ret_len = len;
    return 0;
}

int orb_read_file(const char *path, size_t max_size, char **ret_buf, size_t *ret_len,
                  orb_error **err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return orb_err_sys(err, errno, "open %s", path);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > max_size)
        return orb_err(err, EFBIG, "%s: %lld bytes is larger than the limit of %zu bytes", path,
                       (long long)st.st_size, max_size);
    return orb_read_fd(fd, path, max_size, ret_buf, ret_len, err);
}

static char *dir_of(const char *path)
{
    _cleanup_free_ char *copy = xstrdup(path);
    return xstrdup(dirname(copy));
}

int orb_output_open(orb_output *out, const char *path, bool overwrite, int mode, orb_error **err)
{
    *out = (orb_output){.fd = -1, .overwrite = overwrite, .durable = true};
    _cleanup_free_ char *dir = dir_of(path);
    struct stat st;
    if (stat(dir, &st) < 0)
        return orb_err_sys(err, errno, "output directory %s", dir);
    if (!S_ISDIR(st.st_mode))
        return orb_err(err, ENOTDIR, "output directory %s: not a directory", dir);
    if (!overwrite && lstat(path, &st) == 0)
        return orb_err(err, EEXIST, "%s: already exists (use --overwrite to replace it)", path);

    _cleanup_free_ char *copy = xstrdup(path);
    char *tmp = xasprintf("%s/.%s.tmp-XXXXXX", dir, basename(copy));
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return orb_err_sys(err, e, "create temporary file in %s", dir);
    }
    if (fchmod(fd, (mode_t)mode) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return orb_err_sys(err, e, "chmod %s", path);
    }
    out->fd = fd;
    out->path = xstrdup(path);
    out->tmp_path = tmp;
    return 0;
}

static int sync_parent_dir(const char *path)
{
    _cleanup_free_ char *dir = dir_of(path);
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? -1 : fsync(fd);
}

int orb_output_commit(orb_output *out, orb_error **err)
{
    if (out->durable && fsync(out->fd) < 0)
        return orb_err_sys(err, errno, "write %s", out->path);
    int r = close(TAKE_FD(out->fd));
    if (r < 0)
        return orb_err_sys(err, errno, "write %s", out->path);
    unsigned flags = out->overwrite ? 0 : RENAME_NOREPLACE;
    if (renameat2(AT_FDCWD, out->tmp_path, AT_FDCWD, out->path, flags) < 0) {
        if (errno == EEXIST)
            return orb_err(err, EEXIST, "%s: already exists (use --overwrite to replace it)",
                           out->path);
        return orb_err_sys(err, errno, "rename into %s", out->path);
    }
    free(out->tmp_path);
    out->tmp_path = NULL;
    if (out->durable)
        (void)sync_parent_dir(out->path);
    return 0;
}

void orb_output_discard(orb_output *out)
{
    if (out->fd >= 0)
        close(TAKE_FD(out->fd));
    if (out->tmp_path) {
        unlink(out->tmp_path);
        free(out->tmp_path);
        out->tmp_path = NULL;
    }
    free(out->path);
    out->path = NULL;
}

int orb_output_dir_open(const char *dest, bool overwrite, char **ret_tmp, orb_error **err)
{
    struct stat st;
    if (!overwrite && lstat(dest, &st) == 0)
        return orb_err(err, EEXIST, "%s: already exists (use --overwrite to replace it)", dest);
    _cleanup_free_ char *dir = dir_of(dest);
    _cleanup_free_ char *copy = xstrdup(dest);
    char *tmp = xasprintf("%s/.%s.tmp-XXXXXX", dir, basename(copy));
    if (!mkdtemp(tmp)) {
        int e = errno;
        free(tmp);
        return orb_err_sys(err, e, "create a directory beside %s", dest);
    }
    *ret_tmp = tmp;
    return 0;
}

int orb_output_dir_commit(const char *tmp, const char *dest, bool overwrite, orb_error **err)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EEXIST || !overwrite)
        return errno == EEXIST ? orb_err(err, EEXIST,
                                         "%s: already exists (use --overwrite to replace it)", dest)
                               : orb_err_sys(err, errno, "rename into %s", dest);
    /* Swap atomically; the old tree is then at tmp and is removed there. */
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_EXCHANGE) < 0)
        return orb_err_sys(err, errno, "replace %s", dest);
    return orb_rm_rf(tmp, err);
}
