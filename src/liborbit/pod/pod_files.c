/* The small files inside a pod directory (state, times, manifests), and
 * freeing a pod. Linked into orbit-init too, which writes the apps' states:
 * libc and util/ only. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pod/pod.h"
#include "util/fs.h"
#include "util/mem.h"

#define POD_FILE_MAX (1024 * 1024)

char *orb_pod_path(const orb_pod *p, const char *relative)
{
    return xasprintf("%s/%s", p->dir, relative);
}

static int write_file(const orb_pod *p, const char *relative, const char *text, bool durable,
                      orb_error **err)
{
    _cleanup_free_ char *path = orb_pod_path(p, relative);
    orb_output out;
    if (orb_output_open(&out, path, true, 0644, err) < 0)
        return orb_err_wrap(err, "pod %s", p->uuid);
    out.durable = durable;
    if (orb_write_all(out.fd, text, strlen(text)) < 0) {
        int e = errno;
        orb_output_discard(&out);
        return orb_err_sys(err, e, "write %s", path);
    }
    int r = orb_output_commit(&out, err);
    orb_output_discard(&out);
    return r < 0 ? orb_err_wrap(err, "pod %s", p->uuid) : 0;
}

int orb_pod_write_file(const orb_pod *p, const char *relative, const char *text, orb_error **err)
{
    return write_file(p, relative, text, true, err);
}

int orb_pod_write_state(const orb_pod *p, const char *relative, const char *text, orb_error **err)
{
    return write_file(p, relative, text, false, err);
}

char *orb_pod_read_file(const orb_pod *p, const char *relative, orb_error **err)
{
    _cleanup_free_ char *path = orb_pod_path(p, relative);
    char *buf = NULL;
    size_t len;
    orb_error *e = NULL;
    if (orb_read_file(path, POD_FILE_MAX, &buf, &len, &e) == 0)
        return buf;
    if (e->errnum != ENOENT && err && !*err) /* a missing file is no error */
        *err = TAKE_PTR(e);
    orb_error_free(e);
    return NULL;
}

int orb_pod_write_time(const orb_pod *p, const char *relative, int64_t us, orb_error **err)
{
    char text[32];
    snprintf(text, sizeof(text), "%" PRId64 "\n", us);
    return orb_pod_write_state(p, relative, text, err);
}

int64_t orb_pod_read_time(const orb_pod *p, const char *relative)
{
    _cleanup_error_ orb_error *e = NULL;
    _cleanup_free_ char *text = orb_pod_read_file(p, relative, &e);
    if (!text)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || v < 0)
        return 0;
    return (int64_t)v;
}

void orb_pod_free(orb_pod *p)
{
    if (!p)
        return;
    if (p->lock_fd >= 0)
        close(p->lock_fd);
    if (p->dir_fd >= 0)
        close(p->dir_fd);
    free(p->data_dir);
    free(p->dir);
    free(p);
}

void orb_pod_freep(orb_pod **p)
{
    orb_pod_free(*p);
    *p = NULL;
}
