#include "exec/logs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/mem.h"

int orb_app_log_open(orb_app_log *l, const char *path, size_t max, orb_error **err)
{
    struct stat st;

    *l = (orb_app_log){.fd = -1, .max = max > 0 ? max : 1};
    l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (l->fd < 0)
        return orb_err_sys(err, errno, "open %s", path);
    if (fstat(l->fd, &st) < 0) {
        int e = errno;
        orb_app_log_close(l);
        return orb_err_sys(err, e, "stat %s", path);
    }
    l->size = (size_t)st.st_size;
    l->path = xstrdup(path);
    return 0;
}

static int log_rotate(orb_app_log *l, orb_error **err)
{
    _cleanup_free_ char *old = xasprintf("%s.1", l->path);

    /* The new file is opened before the old one goes away so that a failure
     * leaves the log writable where it was. */
    if (rename(l->path, old) < 0)
        return orb_err_sys(err, errno, "rotate %s", l->path);
    int fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        return orb_err_sys(err, errno, "open %s", l->path);
    close(l->fd);
    l->fd = fd;
    l->size = 0;
    return 0;
}

int orb_app_log_write(orb_app_log *l, const void *buf, size_t len, orb_error **err)
{
    const char *p = buf;

    if (l->fd < 0)
        return 0;
    while (len > 0) {
        if (l->size >= l->max && log_rotate(l, err) < 0)
            return -1;
        size_t n = l->max - l->size;
        if (n > len)
            n = len;
        if (orb_write_all(l->fd, p, n) < 0)
            return orb_err_sys(err, errno, "write %s", l->path);
        l->size += n;
        p += n;
        len -= n;
    }
    return 0;
}

void orb_app_log_close(orb_app_log *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    free(l->path);
    l->path = NULL;
}

void orb_prefix_lines(orb_line_prefixer *lp, const char *in, size_t len, char **ret,
                      size_t *ret_len)
{
    size_t plen = lp->prefix ? strlen(lp->prefix) : 0;
    size_t starts = 0;

    for (size_t i = 0; i < len; i++)
        if ((i == 0 && !lp->mid_line) || (i > 0 && in[i - 1] == '\n'))
            starts++;
    char *out = xmalloc(len + starts * plen + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if ((i == 0 && !lp->mid_line) || (i > 0 && in[i - 1] == '\n')) {
            if (plen > 0)
                memcpy(out + o, lp->prefix, plen);
            o += plen;
        }
        out[o++] = in[i];
    }
    out[o] = '\0';
    if (len > 0)
        lp->mid_line = in[len - 1] != '\n';
    *ret = out;
    *ret_len = o;
}
