/* Pods on disk: a directory per pod whose place says its state, and an
 * flock on it held by the process that owns that state (rkt's scheme,
 * reference/rkt.md §2), so `list` and `status` read the truth even after a
 * crash or a kill -9 of any process.
 *
 *   <data>/pods/embryo/<uuid>/          just created
 *   <data>/pods/prepare/<uuid>/         being prepared (locked) or aborted (unlocked)
 *   <data>/pods/prepared/<uuid>/        ready to run
 *   <data>/pods/run/<uuid>/             running (locked by the pod's processes) or exited
 *   <data>/pods/exited-garbage/<uuid>/  exited, marked for gc
 *   <data>/pods/garbage/<uuid>/         failed or expired preparation, marked for gc
 *
 * Inside a pod directory (ORB_POD_* names below):
 *   pod                    the reified pod manifest (JSON)
 *   created                time of creation (microseconds, text)
 *   trees                  render IDs the apps use, one per line (read by image gc)
 *   overlay                present when the apps' roots are overlays
 *   pid                    "<pid> <starttime>" of the pod's supervisor (host pid ns)
 *   started, finished      times (microseconds, text), written by the supervisor
 *   ready                  present once every app has been started
 *   stop                   written by `orbit stop` ("graceful" or "force")
 *   gc-marked              time the pod was moved to a garbage dir (microseconds, text)
 *   hostname, hosts, resolv.conf   files bound into every app (when present)
 *   hosts.default          bound on /etc/hosts of apps whose image has none
 *   apps/<name>/manifest   the image manifest of the app
 *   apps/<name>/tree       the directory holding the rendered rootfs/ (text)
 *   apps/<name>/rootfs/    the app's root (overlay mount point, or a copy)
 *   apps/<name>/upper/, work/   overlay layers
 *   apps/<name>/status     "exited <code>" or "signaled <signo>", written when it ends
 *   apps/<name>/started, finished  times (microseconds, text)
 *   apps/<name>/log, log.1 the app's output, bounded (see exec.h)
 *   volumes/<name>/        empty volumes, shared by the apps
 * Every file is written to a temporary name and renamed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define ORB_POD_MANIFEST  "pod"
#define ORB_POD_CREATED   "created"
#define ORB_POD_TREES     "trees"
#define ORB_POD_OVERLAY   "overlay"
#define ORB_POD_PID       "pid"
#define ORB_POD_STARTED   "started"
#define ORB_POD_FINISHED  "finished"
#define ORB_POD_READY     "ready"
#define ORB_POD_STOP      "stop"
#define ORB_POD_GC_MARKED "gc-marked"

typedef enum orb_pod_state {
    ORB_POD_EMBRYO,
    ORB_POD_PREPARING,       /* prepare/, locked */
    ORB_POD_ABORTED_PREPARE, /* prepare/, unlocked: the preparer died */
    ORB_POD_PREPARED,
    ORB_POD_RUNNING, /* run/, locked */
    ORB_POD_EXITED,  /* run/, unlocked */
    ORB_POD_EXITED_GARBAGE,
    ORB_POD_GARBAGE,
    _ORB_POD_STATE_MAX,
} orb_pod_state;

/* "embryo", "preparing", "aborted prepare", "prepared", "running", "exited",
 * "exited garbage", "garbage" (rkt's words). */
const char *orb_pod_state_name(orb_pod_state s);

typedef struct orb_pod {
    char uuid[37];
    char *data_dir;
    char *dir; /* current directory of the pod */
    orb_pod_state state;
    int lock_fd; /* a held lock (and the directory's fd), or -1 */
    int dir_fd;  /* an O_PATH|O_DIRECTORY fd of dir, or -1 */
} orb_pod;

/* A new pod with a random UUID: created in embryo/, locked, and moved to
 * prepare/ (state ORB_POD_PREPARING, lock held). */
int orb_pod_create(const char *data_dir, orb_pod **ret, orb_error **err);
/* Finds a pod by UUID or unambiguous prefix (hex digits and dashes, any
 * case) in any state and reads its state (probing the lock without taking
 * it; a pod whose lock this process holds reads as locked). ENOENT "no pod
 * X" / EINVAL (ambiguous, candidates listed). */
int orb_pod_open(const char *data_dir, const char *uuid_or_prefix, orb_pod **ret, orb_error **err);
/* Every pod, newest first. */
int orb_pod_list(const char *data_dir, orb_pod ***ret, size_t *ret_n, orb_error **err);
void orb_pod_free(orb_pod *p);
void orb_pod_freep(orb_pod **p);
void orb_pods_free(orb_pod **pods, size_t n);

/* Takes the pod's lock (exclusive), waiting or not (EWOULDBLOCK); a no-op
 * when p already holds it. After waiting, p->dir follows the pod if another
 * process moved it meanwhile. */
int orb_pod_lock(orb_pod *p, bool wait, orb_error **err);
/* Moves the pod to another state directory (rename; the lock goes with the
 * directory). Allowed: preparing->prepared, preparing->garbage,
 * prepared->running (run/), prepared->garbage, exited->exited-garbage,
 * aborted prepare->garbage. Takes the lock first (non-blocking) unless p
 * holds it, so a pod another process uses is never moved (EWOULDBLOCK); a pod
 * moved away by another process meanwhile gives ENOENT. Moves to a garbage
 * directory write ORB_POD_GC_MARKED. */
int orb_pod_move(orb_pod *p, orb_pod_state to, orb_error **err);

/* Small files of the pod directory, written atomically. */
char *orb_pod_path(const orb_pod *p, const char *relative); /* allocated absolute path */
int orb_pod_write_file(const orb_pod *p, const char *relative, const char *text, orb_error **err);
/* The same for state that only describes live processes (pid, times,
 * statuses, the files of a run): atomic, but not synced to disk, since a
 * crash ends those processes anyway. Times are written this way. */
int orb_pod_write_state(const orb_pod *p, const char *relative, const char *text, orb_error **err);
/* NULL when missing. */
char *orb_pod_read_file(const orb_pod *p, const char *relative, orb_error **err);
int orb_pod_write_time(const orb_pod *p, const char *relative, int64_t us, orb_error **err);
int64_t orb_pod_read_time(const orb_pod *p, const char *relative); /* 0 when missing */

typedef struct orb_app_status {
    char *name;
    char *image_id;
    bool started, exited;
    int exit_code; /* valid when exited; 128+signo for a signal */
    int signal;    /* the signal that ended it, or 0 */
    int64_t started_at, finished_at;
} orb_app_status;

typedef struct orb_pod_status {
    orb_pod_state state;
    int pid; /* the supervisor, when running */
    int64_t created, started, finished;
    bool ready;
    int exit_code; /* the pod's: the first failed app's code, else 0 */
    orb_app_status *apps;
    size_t n_apps;
} orb_pod_status;

int orb_pod_read_status(const orb_pod *p, orb_pod_status *ret, orb_error **err);
void orb_pod_status_clear(orb_pod_status *s);

/* Stops a running pod: writes the stop request and signals the supervisor
 * (SIGTERM; with force SIGKILL, which ends its PID namespace and so every
 * process of the pod). EINVAL naming the state when not running; ESRCH when
 * the recorded supervisor is gone or its pid was reused. */
int orb_pod_stop(orb_pod *p, bool force, orb_error **err);

/* Removes a pod that is not running: moves it to a garbage directory (so a
 * crash midway leaves it marked), unmounts everything under its directory
 * (deepest first, lazily when busy), then deletes it. Refused (EBUSY) for
 * running or preparing pods, unless p itself holds the lock (a failed
 * prepare, run --rm). */
int orb_pod_remove(orb_pod *p, orb_error **err);

typedef struct orb_pod_gc_options {
    int64_t grace_us;           /* exited pods older than this are removed (default 30m) */
    int64_t expire_prepared_us; /* prepared pods older than this are discarded (default 24h) */
    bool mark_only;             /* move to the garbage dirs, do not remove */
} orb_pod_gc_options;

typedef struct orb_pod_gc_report {
    size_t marked, removed;
    char **removed_uuids;
} orb_pod_gc_report;

/* rkt's two passes: mark (exited -> exited-garbage, aborted prepares and
 * expired prepared pods -> garbage), then sweep (remove exited-garbage
 * entries marked longer than the grace period ago, and all garbage). Works
 * after a reboot: mounts found under a pod directory are unmounted. */
int orb_pod_gc(const char *data_dir, const orb_pod_gc_options *o, orb_pod_gc_report *report,
               orb_error **err);
void orb_pod_gc_report_clear(orb_pod_gc_report *r);
