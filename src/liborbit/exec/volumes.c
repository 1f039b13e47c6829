/* An app's volumes (ace.md "Volume Setup", pods.md "volumes"): host
 * directories (or files) and the pod's empty volumes, bound at the mounts'
 * paths inside the app's root. A host source must exist and have no symlink
 * anywhere in its path; it is opened component by component and bound
 * through that fd, so it cannot be swapped after the check. Recursive binds
 * are the default (pods.md: "SHOULD default to recursive"). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/mounts_internal.h"
#include "util/mem.h"

/* Opens an absolute host path with O_PATH, refusing a symlink anywhere. */
static int open_host_source(const char *source, orb_error **err)
{
    if (source[0] != '/')
        return orb_err(err, EINVAL, "source %s: not an absolute path", source);
    _cleanup_free_ char *copy = xstrdup(source);
    _cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "/");
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, "..") == 0)
            return orb_err(err, EINVAL, "source %s: has \"..\" in its path", source);
        int next = openat(fd, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT)
            return orb_err(err, ENOENT, "source %s: does not exist", source);
        if (next < 0)
            return orb_err_sys(err, errno, "source %s", source);
        close(fd);
        fd = next;
        struct stat st;
        if (fstat(fd, &st) < 0)
            return orb_err_sys(err, errno, "source %s", source);
        if (S_ISLNK(st.st_mode))
            return orb_err(err, ELOOP, "source %s: has a symlink in its path", source);
    }
    return TAKE_FD(fd);
}

/* volumes/<name> of the pod; made here (mode, uid, gid of the volume) when
 * preparation did not. */
static int open_empty_source(const orb_pod *p, const orb_volume *v, orb_error **err)
{
    _cleanup_free_ char *path = xasprintf("%s/volumes/%s", p->dir, v->name);
    int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 || errno != ENOENT)
        return fd >= 0 ? fd : orb_err_sys(err, errno, "%s", path);
    _cleanup_free_ char *parent = xasprintf("%s/volumes", p->dir);
    mode_t mode = v->mode ? (mode_t)strtoul(v->mode, NULL, 8) : 0755;
    if ((mkdir(parent, 0755) < 0 && errno != EEXIST) || mkdir(path, mode) < 0 ||
        chmod(path, mode) < 0 ||
        chown(path, v->has_uid ? (uid_t)v->uid : 0, v->has_gid ? (gid_t)v->gid : 0) < 0)
        return orb_err_sys(err, errno, "create %s", path);
    fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd >= 0 ? fd : orb_err_sys(err, errno, "%s", path);
}

static const orb_volume *find_volume(const orb_pod_manifest *pm, const orb_mount *m)
{
    if (m->app_volume)
        return m->app_volume;
    for (size_t i = 0; i < pm->n_volumes; i++)
        if (strcmp(pm->volumes[i].name, m->volume) == 0)
            return &pm->volumes[i];
    return NULL;
}

/* The image's mount point at the same path asks for read-only too. */
static bool mount_point_readonly(const orb_runtime_app *ra, const char *path)
{
    if (!ra->app)
        return false;
    for (size_t i = 0; i < ra->app->n_mount_points; i++) {
        const orb_mount_point *mp = &ra->app->mount_points[i];
        if (mp->read_only && mp->path && strcmp(mp->path, path) == 0)
            return true;
    }
    return false;
}

/* path without empty and "." components, "/"-separated, no leading slash. */
static char *normalize(const char *path)
{
    char *out = xmalloc(strlen(path) + 1);
    size_t n = 0;
    for (const char *s = path; *s;) {
        while (*s == '/')
            s++;
        size_t len = strcspn(s, "/");
        if (len > 0 && !(len == 1 && s[0] == '.')) {
            if (n > 0)
                out[n++] = '/';
            memcpy(out + n, s, len);
            n += len;
        }
        s += len;
    }
    out[n] = '\0';
    return out;
}

static bool nested(const char *a, const char *b)
{
    size_t la = strlen(a);
    return strncmp(a, b, la) == 0 && (b[la] == '\0' || b[la] == '/' || la == 0);
}

static int check_overlaps(const orb_runtime_app *ra, orb_error **err)
{
    for (size_t i = 0; i < ra->n_mounts; i++)
        for (size_t j = i + 1; j < ra->n_mounts; j++) {
            _cleanup_free_ char *a = normalize(ra->mounts[i].path);
            _cleanup_free_ char *b = normalize(ra->mounts[j].path);
            if (nested(a, b) || nested(b, a))
                return orb_err(err, EINVAL, "mounts %s (%s) and %s (%s) overlap",
                               ra->mounts[i].volume, ra->mounts[i].path, ra->mounts[j].volume,
                               ra->mounts[j].path);
        }
    return 0;
}

static int mount_one(const orb_pod *p, const orb_volume *v, const orb_mount *m, bool ro, int rootfd,
                     orb_error **err)
{
    bool host = v->kind == ORB_VOLUME_HOST;
    _cleanup_close_ int src =
        host ? open_host_source(v->source, err) : open_empty_source(p, v, err);
    if (src < 0)
        return -1;
    struct stat st;
    if (fstat(src, &st) < 0)
        return orb_err_sys(err, errno, "source");
    _cleanup_free_ char *rel = normalize(m->path);
    orb_target_kind kind = S_ISDIR(st.st_mode) ? ORB_TARGET_DIR : ORB_TARGET_FILE;
    _cleanup_close_ int dst = orb_mkpath_in_root(rootfd, rel, kind, err);
    if (dst < 0)
        return orb_err_wrap(err, "target");
    bool rec = host && v->recursive != 0;
    if (orb_mount_fd(NULL, src, dst, NULL, MS_BIND | (rec ? MS_REC : 0), NULL, m->path, err) < 0)
        return -1;
    if (!ro)
        return 0;
    /* dst names the covered target: reopen to reach the bind itself */
    _cleanup_close_ int top = orb_mkpath_in_root(rootfd, rel, kind, err);
    if (top < 0)
        return orb_err_wrap(err, "target");
    return orb_mount_set_readonly(top, rec, m->path, err);
}

int orb_mount_volumes(const orb_pod *p, const orb_pod_manifest *pm, const orb_runtime_app *ra,
                      int rootfd, orb_error **err)
{
    if (check_overlaps(ra, err) < 0)
        return -1;
    for (size_t i = 0; i < ra->n_mounts; i++) {
        const orb_mount *m = &ra->mounts[i];
        const orb_volume *v = find_volume(pm, m);
        if (!v)
            return orb_err(err, ENOENT, "mount %s: no volume %s in the pod", m->path, m->volume);
        bool ro = v->read_only == 1 || (v->read_only < 0 && mount_point_readonly(ra, m->path));
        if (mount_one(p, v, m, ro, rootfd, err) < 0)
            return orb_err_wrap(err, "volume %s", v->name);
    }
    return 0;
}
