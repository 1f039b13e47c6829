/* Pod directories: creation, the lock and moves between state directories
 * (the small files inside are pod_files.c's). */
#include "pod/pod.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pod/pod_internal.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/mem.h"

const orb_pod_state pod_dir_states[6] = {
    ORB_POD_EMBRYO,  ORB_POD_PREPARING,      ORB_POD_PREPARED,
    ORB_POD_RUNNING, ORB_POD_EXITED_GARBAGE, ORB_POD_GARBAGE,
};

const char *orb_pod_state_name(orb_pod_state s)
{
    static const char *const names[_ORB_POD_STATE_MAX] = {
        [ORB_POD_EMBRYO] = "embryo",
        [ORB_POD_PREPARING] = "preparing",
        [ORB_POD_ABORTED_PREPARE] = "aborted prepare",
        [ORB_POD_PREPARED] = "prepared",
        [ORB_POD_RUNNING] = "running",
        [ORB_POD_EXITED] = "exited",
        [ORB_POD_EXITED_GARBAGE] = "exited garbage",
        [ORB_POD_GARBAGE] = "garbage",
    };
    return (unsigned)s < _ORB_POD_STATE_MAX ? names[s] : "unknown";
}

const char *pod_state_dir(orb_pod_state s)
{
    switch (s) {
    case ORB_POD_EMBRYO:
        return "embryo";
    case ORB_POD_PREPARING:
    case ORB_POD_ABORTED_PREPARE:
        return "prepare";
    case ORB_POD_PREPARED:
        return "prepared";
    case ORB_POD_RUNNING:
    case ORB_POD_EXITED:
        return "run";
    case ORB_POD_EXITED_GARBAGE:
        return "exited-garbage";
    default:
        return "garbage";
    }
}

char *pod_state_path(const char *data_dir, orb_pod_state s)
{
    return xasprintf("%s/pods/%s", data_dir, pod_state_dir(s));
}

static int mkdir_0700(const char *path, orb_error **err)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return orb_err_sys(err, errno, "create %s", path);
    return 0;
}

int pod_ensure_dirs(const char *data_dir, orb_error **err)
{
    if (mkdir(data_dir, 0755) < 0 && errno != EEXIST)
        return orb_err_sys(err, errno, "create %s", data_dir);
    _cleanup_free_ char *pods = xasprintf("%s/pods", data_dir);
    if (mkdir_0700(pods, err) < 0)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(pod_dir_states); i++) {
        _cleanup_free_ char *d = pod_state_path(data_dir, pod_dir_states[i]);
        if (mkdir_0700(d, err) < 0)
            return -1;
    }
    return 0;
}

bool pod_uuid_valid(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]) || !s[i])
            return false;
    }
    return true;
}

static int random_uuid(char out[37], orb_error **err)
{
    uint8_t b[16];
    for (size_t got = 0; got < sizeof(b);) {
        ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
        if (n < 0 && errno != EINTR)
            return orb_err_sys(err, errno, "pod uuid: getrandom");
        got += n > 0 ? (size_t)n : 0;
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return 0;
}

static orb_pod *pod_new(const char *data_dir, const char *uuid, orb_pod_state s)
{
    orb_pod *p = xcalloc(1, sizeof(*p));
    snprintf(p->uuid, sizeof(p->uuid), "%s", uuid);
    p->data_dir = xstrdup(data_dir);
    p->dir = xasprintf("%s/pods/%s/%s", data_dir, pod_state_dir(s), uuid);
    p->state = s;
    p->lock_fd = -1;
    p->dir_fd = -1;
    return p;
}

/* Takes the lock on a fresh descriptor of the directory: the descriptor, or -errno. */
/* Readers (`status`, `list`) probe a pod's lock for an instant to tell
 * whether it is alive: a taker that does not wait must not mistake such a
 * probe for an owner, so it tries again for a little while. */
#define PROBE_RETRIES  100
#define PROBE_RETRY_US 1000

static int lock_dir(const char *dir, int op)
{
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    for (int tries = 0; flock(fd, op) < 0; tries++) {
        if (errno == EWOULDBLOCK && (op & LOCK_NB) && tries < PROBE_RETRIES) {
            usleep(PROBE_RETRY_US);
            continue;
        }
        if (errno != EINTR)
            return -errno;
    }
    return TAKE_FD(fd);
}

int orb_pod_create(const char *data_dir, orb_pod **ret, orb_error **err)
{
    char uuid[37];
    if (pod_ensure_dirs(data_dir, err) < 0 || random_uuid(uuid, err) < 0)
        return orb_err_wrap(err, "create pod");
    _cleanup_(orb_pod_freep) orb_pod *p = pod_new(data_dir, uuid, ORB_POD_EMBRYO);
    if (mkdir(p->dir, 0700) < 0)
        return orb_err_sys(err, errno, "create pod %s", p->dir);
    p->lock_fd = lock_dir(p->dir, LOCK_EX | LOCK_NB);
    if (p->lock_fd < 0)
        return orb_err_sys(err, -p->lock_fd, "create pod %s: lock", uuid);
    p->dir_fd = open(p->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    /* unlike the times of a run, the creation time outlives a crash: gc
     * expires prepared pods by it */
    char created[32];
    snprintf(created, sizeof(created), "%" PRId64 "\n", orb_now_us());
    if (orb_pod_write_file(p, ORB_POD_CREATED, created, err) < 0 ||
        pod_rename(p, ORB_POD_PREPARING, err) < 0)
        return orb_err_wrap(err, "create pod %s", uuid);
    *ret = TAKE_PTR(p);
    return 0;
}

/* After waiting for the lock the pod may have moved: follow it. */
static int relocate(orb_pod *p, orb_error **err)
{
    struct stat a, b;
    if (fstat(p->lock_fd, &a) == 0 && stat(p->dir, &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev)
        return 0;
    _cleanup_(orb_pod_freep) orb_pod *now = NULL;
    if (pod_find(p->data_dir, p->uuid, &now, err) < 0)
        return -1;
    free(p->dir);
    p->dir = TAKE_PTR(now->dir);
    p->state = now->state;
    return 0;
}

int orb_pod_lock(orb_pod *p, bool wait, orb_error **err)
{
    if (p->lock_fd >= 0)
        return 0;
    int fd = lock_dir(p->dir, LOCK_EX | (wait ? 0 : LOCK_NB));
    if (fd == -EWOULDBLOCK)
        return orb_err(err, EWOULDBLOCK, "pod %s is in use (%s)", p->uuid,
                       orb_pod_state_name(pod_probe(p)));
    if (fd == -ENOENT)
        return orb_err(err, ENOENT, "pod %s: it was moved or removed by another process", p->uuid);
    if (fd < 0)
        return orb_err_sys(err, -fd, "lock pod %s", p->uuid);
    p->lock_fd = fd;
    if (relocate(p, err) < 0) {
        close(p->lock_fd);
        p->lock_fd = -1;
        return -1;
    }
    return 0;
}

int pod_rename(orb_pod *p, orb_pod_state to, orb_error **err)
{
    _cleanup_free_ char *dest = xasprintf("%s/pods/%s/%s", p->data_dir, pod_state_dir(to), p->uuid);
    if (pod_ensure_dirs(p->data_dir, err) < 0)
        return orb_err_wrap(err, "move pod %s", p->uuid);
    if (renameat2(AT_FDCWD, p->dir, AT_FDCWD, dest, RENAME_NOREPLACE) < 0) {
        if (errno == ENOENT)
            return orb_err(err, ENOENT,
                           "move pod %s to %s: it was moved by another process meanwhile", p->uuid,
                           pod_state_dir(to));
        return orb_err_sys(err, errno, "move pod %s to %s", p->uuid, pod_state_dir(to));
    }
    free(p->dir);
    p->dir = TAKE_PTR(dest);
    p->state = to;
    if (to == ORB_POD_GARBAGE || to == ORB_POD_EXITED_GARBAGE)
        return orb_pod_write_time(p, ORB_POD_GC_MARKED, orb_now_us(), err);
    return 0;
}

static bool move_allowed(orb_pod_state from, orb_pod_state to)
{
    switch (from) {
    case ORB_POD_EMBRYO: /* left by a process that died while creating it */
        return to == ORB_POD_GARBAGE;
    case ORB_POD_PREPARING:
        return to == ORB_POD_PREPARED || to == ORB_POD_GARBAGE;
    case ORB_POD_PREPARED:
        return to == ORB_POD_RUNNING || to == ORB_POD_GARBAGE;
    case ORB_POD_EXITED:
        return to == ORB_POD_EXITED_GARBAGE;
    case ORB_POD_ABORTED_PREPARE:
        return to == ORB_POD_GARBAGE;
    default:
        return false;
    }
}

int orb_pod_move(orb_pod *p, orb_pod_state to, orb_error **err)
{
    /* with the lock held the directory says the state: we own it */
    orb_pod_state from = p->lock_fd >= 0 ? p->state : pod_probe(p);
    if (p->lock_fd >= 0 && from == ORB_POD_ABORTED_PREPARE)
        from = ORB_POD_PREPARING;
    if (p->lock_fd >= 0 && from == ORB_POD_RUNNING && to == ORB_POD_EXITED_GARBAGE)
        from = ORB_POD_EXITED;
    if (!move_allowed(from, to))
        return orb_err(err, EINVAL, "pod %s: cannot move from %s to %s", p->uuid,
                       orb_pod_state_name(from), orb_pod_state_name(to));
    /* never move a pod another process is using (it may have come alive) */
    if (orb_pod_lock(p, false, err) < 0)
        return orb_err_wrap(err, "move pod %s", p->uuid);
    return pod_rename(p, to, err);
}

void orb_pods_free(orb_pod **pods, size_t n)
{
    for (size_t i = 0; i < n; i++)
        orb_pod_free(pods[i]);
    free(pods);
}
