/* Finding pods on disk: by UUID or prefix, and all of them. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pod/pod.h"
#include "pod/pod_internal.h"
#include "util/mem.h"

#define AMBIGUOUS_LISTED 5
#define FIND_RETRIES     5

static orb_pod_state locked_state(orb_pod_state dir_state, bool locked)
{
    if (dir_state == ORB_POD_PREPARING || dir_state == ORB_POD_ABORTED_PREPARE)
        return locked ? ORB_POD_PREPARING : ORB_POD_ABORTED_PREPARE;
    if (dir_state == ORB_POD_RUNNING || dir_state == ORB_POD_EXITED)
        return locked ? ORB_POD_RUNNING : ORB_POD_EXITED;
    return dir_state;
}

orb_pod_state pod_probe(orb_pod *p)
{
    if (p->lock_fd >= 0) {
        p->state = locked_state(p->state, true);
        return p->state;
    }
    int fd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return p->state; /* moved meanwhile: the last state known */
    /* a second open file description conflicts even with our own lock */
    bool locked = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd); /* releases a shared lock we may have taken */
    p->state = locked_state(p->state, locked);
    return p->state;
}

int pod_load(const char *data_dir, orb_pod_state dir_state, const char *uuid, orb_pod **ret,
             orb_error **err)
{
    orb_pod *p = xcalloc(1, sizeof(*p));
    snprintf(p->uuid, sizeof(p->uuid), "%s", uuid);
    p->data_dir = xstrdup(data_dir);
    p->dir = xasprintf("%s/pods/%s/%s", data_dir, pod_state_dir(dir_state), uuid);
    p->state = dir_state;
    p->lock_fd = -1;
    p->dir_fd = open(p->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (p->dir_fd < 0) {
        int e = errno;
        orb_pod_free(p);
        return orb_err_sys(err, e, "pod %s", uuid);
    }
    pod_probe(p);
    *ret = p;
    return 0;
}

int pod_find(const char *data_dir, const char *uuid, orb_pod **ret, orb_error **err)
{
    for (int attempt = 0; attempt < FIND_RETRIES; attempt++) {
        for (size_t i = 0; i < ARRAY_SIZE(pod_dir_states); i++) {
            _cleanup_free_ char *d = pod_state_path(data_dir, pod_dir_states[i]);
            _cleanup_free_ char *path = xasprintf("%s/%s", d, uuid);
            struct stat st;
            if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
                continue;
            _cleanup_error_ orb_error *e = NULL;
            if (pod_load(data_dir, pod_dir_states[i], uuid, ret, &e) == 0)
                return 0;
        }
    }
    return orb_err(err, ENOENT, "no pod %s", uuid);
}

/* Appends the UUIDs of the pods in one state directory to *uuids. */
static int scan_state(const char *data_dir, orb_pod_state s, char ***uuids, orb_error **err)
{
    _cleanup_free_ char *d = pod_state_path(data_dir, s);
    _cleanup_dir_ DIR *dir = opendir(d);
    if (!dir)
        return errno == ENOENT ? 0 : orb_err_sys(err, errno, "list pods in %s", d);
    struct dirent *de;
    for (errno = 0; (de = readdir(dir)); errno = 0) {
        if (pod_uuid_valid(de->d_name) && !strv_contains(*uuids, de->d_name))
            strv_push(uuids, de->d_name);
    }
    if (errno)
        return orb_err_sys(err, errno, "list pods in %s", d);
    return 0;
}

static int scan_all(const char *data_dir, char ***ret, orb_error **err)
{
    _cleanup_strv_ char **uuids = xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < ARRAY_SIZE(pod_dir_states); i++) {
        if (scan_state(data_dir, pod_dir_states[i], &uuids, err) < 0)
            return -1;
    }
    *ret = TAKE_PTR(uuids);
    return 0;
}

static int check_prefix(const char *prefix, orb_error **err)
{
    if (!*prefix)
        return orb_err(err, EINVAL, "pod UUID: must not be empty");
    if (strlen(prefix) > 36 || prefix[strspn(prefix, "0123456789abcdef-")])
        return orb_err(err, EINVAL, "pod UUID %s: must be hexadecimal digits and dashes", prefix);
    return 0;
}

static int ambiguous(const char *prefix, char **matches, orb_error **err)
{
    _cleanup_free_ char *list = xstrdup("");
    for (size_t i = 0; matches[i] && i < AMBIGUOUS_LISTED; i++) {
        char *next = xasprintf("%s%s%s", list, i ? ", " : "", matches[i]);
        free(list);
        list = next;
    }
    return orb_err(err, EINVAL, "pod UUID prefix %s is ambiguous: %s%s", prefix, list,
                   strv_length(matches) > AMBIGUOUS_LISTED ? ", …" : "");
}

int orb_pod_open(const char *data_dir, const char *uuid_or_prefix, orb_pod **ret, orb_error **err)
{
    _cleanup_free_ char *prefix = xstrdup(uuid_or_prefix);
    for (char *c = prefix; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (check_prefix(prefix, err) < 0)
        return -1;
    _cleanup_strv_ char **uuids = NULL;
    if (scan_all(data_dir, &uuids, err) < 0)
        return -1;
    _cleanup_strv_ char **matches = xcalloc(1, sizeof(char *));
    for (size_t i = 0; uuids[i]; i++) {
        if (!strncmp(uuids[i], prefix, strlen(prefix)))
            strv_push(&matches, uuids[i]);
    }
    if (!matches[0])
        return orb_err(err, ENOENT, "no pod %s", uuid_or_prefix);
    if (matches[1]) {
        strv_sort(matches);
        return ambiguous(uuid_or_prefix, matches, err);
    }
    return pod_find(data_dir, matches[0], ret, err);
}

typedef struct listed {
    int64_t created;
    orb_pod *pod;
} listed;

static int newest_first(const void *a, const void *b)
{
    const listed *x = a, *y = b;
    if (x->created != y->created)
        return x->created < y->created ? 1 : -1;
    return strcmp(x->pod->uuid, y->pod->uuid);
}

int orb_pod_list(const char *data_dir, orb_pod ***ret, size_t *ret_n, orb_error **err)
{
    _cleanup_strv_ char **uuids = NULL;
    if (scan_all(data_dir, &uuids, err) < 0)
        return -1;
    listed *items = NULL;
    size_t n = 0;
    for (size_t i = 0; uuids[i]; i++) {
        orb_pod *p;
        _cleanup_error_ orb_error *e = NULL;
        if (pod_find(data_dir, uuids[i], &p, &e) < 0)
            continue; /* removed meanwhile */
        listed *l = xgrow(&items, &n, sizeof(*items));
        l->pod = p;
        l->created = orb_pod_read_time(p, ORB_POD_CREATED);
    }
    if (n)
        qsort(items, n, sizeof(*items), newest_first);
    orb_pod **pods = xcalloc(n + 1, sizeof(*pods));
    for (size_t i = 0; i < n; i++)
        pods[i] = items[i].pod;
    free(items);
    *ret = pods;
    *ret_n = n;
    return 0;
}
