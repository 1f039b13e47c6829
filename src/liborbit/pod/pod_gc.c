/* Removing pods, one at a time (rm) or by rkt's two gc passes: mark, then
 * sweep. A pod is always moved to a garbage directory before anything is
 * deleted, so a crash halfway leaves it marked for the next gc. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/mounts.h"
#include "pod/pod.h"
#include "pod/pod_internal.h"
#include "util/clock.h"
#include "util/fs_remove.h"
#include "util/mem.h"

/* The garbage directory a pod we hold the lock of goes to. */
static orb_pod_state garbage_for(orb_pod_state s)
{
    switch (s) {
    case ORB_POD_RUNNING:
    case ORB_POD_EXITED:
    case ORB_POD_EXITED_GARBAGE:
        return ORB_POD_EXITED_GARBAGE;
    default:
        return ORB_POD_GARBAGE;
    }
}

static int refuse_busy(orb_pod *p, orb_error **err)
{
    orb_pod_state s = pod_probe(p);
    if (s == ORB_POD_RUNNING)
        return orb_err(err, EBUSY, "pod %s is running: stop it first", p->uuid);
    return orb_err(err, EBUSY, "pod %s is in use (%s)", p->uuid, orb_pod_state_name(s));
}

/* Deletes the pod's directory; the pod is locked and in a garbage directory. */
static int delete_locked(orb_pod *p, orb_error **err)
{
    if (orb_unmount_under(p->dir, err) < 0)
        return orb_err_wrap(err, "remove pod %s", p->uuid);
    if (orb_rm_rf(p->dir, err) < 0)
        return orb_err_wrap(err, "remove pod %s", p->uuid);
    return 0;
}

int orb_pod_remove(orb_pod *p, orb_error **err)
{
    /* the caller's own lock (a failed prepare, run --rm) lets it remove its pod */
    if (p->lock_fd < 0) {
        orb_pod_state s = pod_probe(p);
        if (s == ORB_POD_RUNNING || s == ORB_POD_PREPARING)
            return refuse_busy(p, err);
        _cleanup_error_ orb_error *e = NULL;
        if (orb_pod_lock(p, false, &e) < 0) {
            if (e->errnum == EWOULDBLOCK)
                return refuse_busy(p, err);
            return orb_err(err, e->errnum, "remove pod %s: %s", p->uuid, e->msg);
        }
    }
    if (p->state != ORB_POD_GARBAGE && p->state != ORB_POD_EXITED_GARBAGE &&
        pod_rename(p, garbage_for(p->state), err) < 0)
        return orb_err_wrap(err, "remove pod %s", p->uuid);
    return delete_locked(p, err);
}

/* Keeps the first error of a pass that goes on after failures. */
static void keep_error(orb_error **first, orb_error *e)
{
    if (!*first)
        *first = e;
    else
        orb_error_free(e);
}

/* An embryo lives for the moment between its mkdir and its lock; one older
 * than this was left by a process that died making it. */
#define EMBRYO_MAX_AGE_US (60LL * 1000000)

static bool stale_embryo(const orb_pod *p, int64_t now)
{
    struct stat st;
    return p->state == ORB_POD_EMBRYO && stat(p->dir, &st) == 0 &&
           now - ((int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000) >
               EMBRYO_MAX_AGE_US;
}

/* Moves one pod to its garbage directory if nobody uses it; 1 when moved. */
static int mark_one(orb_pod *p, const orb_pod_gc_options *o, int64_t now, orb_error **err)
{
    orb_pod_state to;
    if (stale_embryo(p, now))
        to = ORB_POD_GARBAGE;
    else if (p->state == ORB_POD_EXITED)
        to = ORB_POD_EXITED_GARBAGE;
    else if (p->state == ORB_POD_ABORTED_PREPARE)
        to = ORB_POD_GARBAGE;
    else if (p->state == ORB_POD_PREPARED &&
             now - orb_pod_read_time(p, ORB_POD_CREATED) >= o->expire_prepared_us)
        to = ORB_POD_GARBAGE;
    else
        return 0;
    orb_error *e = NULL;
    if (orb_pod_move(p, to, &e) < 0) {
        /* in use again, or moved by another gc: not ours to mark */
        if (e->errnum == EWOULDBLOCK || e->errnum == ENOENT) {
            orb_error_free(e);
            return 0;
        }
        keep_error(err, e);
        return -1;
    }
    return 1;
}

/* When the pod was marked: the gc-marked file, else the directory's ctime
 * (set by the rename) for a pod marked by a gc that died before writing it. */
static int64_t marked_at(const orb_pod *p)
{
    int64_t t = orb_pod_read_time(p, ORB_POD_GC_MARKED);
    struct stat st;
    if (t > 0 || stat(p->dir, &st) < 0)
        return t;
    return (int64_t)st.st_ctim.tv_sec * 1000000 + st.st_ctim.tv_nsec / 1000;
}

static int sweep_one(orb_pod *p, const orb_pod_gc_options *o, int64_t now, orb_pod_gc_report *r,
                     orb_error **err)
{
    if (p->state == ORB_POD_EXITED_GARBAGE) {
        if (now - marked_at(p) < o->grace_us)
            return 0;
    } else if (p->state != ORB_POD_GARBAGE) {
        return 0;
    }
    orb_error *e = NULL;
    if (orb_pod_lock(p, false, &e) < 0) { /* another gc is deleting it */
        orb_error_free(e);
        return 0;
    }
    if (delete_locked(p, &e) < 0) {
        keep_error(err, e);
        return -1;
    }
    r->removed++;
    strv_push(&r->removed_uuids, p->uuid);
    return 1;
}

typedef int (*gc_pass)(orb_pod *p, const orb_pod_gc_options *o, int64_t now, orb_pod_gc_report *r,
                       orb_error **first);

static int mark_pass(orb_pod *p, const orb_pod_gc_options *o, int64_t now, orb_pod_gc_report *r,
                     orb_error **first)
{
    int m = mark_one(p, o, now, first);
    if (m > 0)
        r->marked++;
    return m;
}

static int run_pass(const char *data_dir, gc_pass pass, const orb_pod_gc_options *o,
                    orb_pod_gc_report *r, orb_error **first)
{
    orb_pod **pods;
    size_t n;
    orb_error *e = NULL;
    if (orb_pod_list(data_dir, &pods, &n, &e) < 0) {
        keep_error(first, e);
        return -1;
    }
    int64_t now = orb_now_us();
    for (size_t i = 0; i < n; i++)
        pass(pods[i], o, now, r, first);
    orb_pods_free(pods, n);
    return 0;
}

int orb_pod_gc(const char *data_dir, const orb_pod_gc_options *o, orb_pod_gc_report *report,
               orb_error **err)
{
    *report = (orb_pod_gc_report){.removed_uuids = xcalloc(1, sizeof(char *))};
    orb_error *first = NULL;
    if (pod_ensure_dirs(data_dir, &first) == 0) {
        run_pass(data_dir, mark_pass, o, report, &first);
        if (!o->mark_only)
            run_pass(data_dir, sweep_one, o, report, &first);
    }
    if (!first)
        return 0;
    orb_err_wrap(&first, "gc pods");
    if (err && !*err)
        *err = first;
    else
        orb_error_free(first);
    return -1;
}

void orb_pod_gc_report_clear(orb_pod_gc_report *r)
{
    strv_free(r->removed_uuids);
    *r = (orb_pod_gc_report){0};
}
