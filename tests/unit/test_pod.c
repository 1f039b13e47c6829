/* Pods on disk: states from directories and locks, moves, lookup by prefix,
 * status files, stop, remove and gc. Runs as root (mounts a tmpfs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pod/pod.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"

#define UUID_A1 "aaaaaaaa-0000-4000-8000-000000000001"
#define UUID_A2 "aaaaaaaa-0000-4000-8000-000000000002"
#define UUID_B  "bbbbbbbb-0000-4000-8000-000000000003"
#define UUID_C  "cccccccc-0000-4000-8000-000000000004"
#define HOUR_US (3600LL * 1000000)

#define MANIFEST_2APPS                                                                             \
    "{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\",\"apps\":["                              \
    "{\"name\":\"a\",\"image\":{\"id\":\"sha512-aaaa\"}},"                                         \
    "{\"name\":\"b\",\"image\":{\"id\":\"sha512-bbbb\"}}]}"

typedef struct fixture {
    char data[64];
    pid_t children[8];
    size_t n_children;
} fixture;

static fixture fx;

/* Detaches every mount under the fixture, deepest (last mounted) first. */
static void unmount_all(void)
{
    for (int pass = 0; pass < 8; pass++) {
        FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
            return;
        char line[4096], target[4096], last[4096] = "";
        while (fgets(line, sizeof(line), f)) {
            if (sscanf(line, "%*s %*s %*s %*s %4095s", target) == 1 &&
                !strncmp(target, fx.data, strlen(fx.data)))
                snprintf(last, sizeof(last), "%s", target);
        }
        fclose(f);
        if (!*last || umount2(last, MNT_DETACH) < 0)
            return;
    }
}

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    snprintf(fx.data, sizeof(fx.data), "/tmp/orbit-test-pod-XXXXXX");
    return mkdtemp(fx.data) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < fx.n_children; i++) {
        kill(fx.children[i], SIGKILL);
        waitpid(fx.children[i], NULL, 0);
    }
    unmount_all();
    orb_error *e = NULL;
    int r = orb_rm_rf(fx.data, &e);
    orb_error_free(e);
    return r;
}

static char *pod_dir(const char *state_dir, const char *uuid)
{
    return xasprintf("%s/pods/%s/%s", fx.data, state_dir, uuid);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* A pod made by hand in a state directory, created `age_us` ago. */
static char *make_pod(const char *state_dir, const char *uuid, int64_t age_us)
{
    char *dir = pod_dir(state_dir, uuid);
    _cleanup_free_ char *pods = xasprintf("%s/pods", fx.data);
    _cleanup_free_ char *sd = xasprintf("%s/%s", pods, state_dir);
    mkdir(pods, 0700);
    mkdir(sd, 0700);
    assert_int_equal(mkdir(dir, 0700), 0);
    _cleanup_free_ char *created = xasprintf("%s/created", dir);
    _cleanup_free_ char *text = xasprintf("%lld\n", (long long)(time(NULL) * 1000000LL - age_us));
    write_text(created, text);
    return dir;
}

static void make_app_files(const char *dir, const char *app, const char *status)
{
    _cleanup_free_ char *apps = xasprintf("%s/apps", dir);
    _cleanup_free_ char *a = xasprintf("%s/apps/%s", dir, app);
    mkdir(apps, 0755);
    mkdir(a, 0755);
    _cleanup_free_ char *st = xasprintf("%s/status", a);
    _cleanup_free_ char *started = xasprintf("%s/started", a);
    _cleanup_free_ char *finished = xasprintf("%s/finished", a);
    if (status)
        write_text(st, status);
    write_text(started, "1000\n");
    if (status)
        write_text(finished, "2000\n");
}

/* A child that takes the lock on dir and pauses, like a pod's supervisor. */
static pid_t spawn_locker(const char *dir)
{
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || flock(fd, LOCK_EX) < 0)
            _exit(1);
        if (write(p[1], "x", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    fx.children[fx.n_children++] = pid;
    close(p[1]);
    char c;
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);
    return pid;
}

static unsigned long long starttime_of(pid_t pid)
{
    _cleanup_free_ char *path = xasprintf("/proc/%d/stat", pid);
    char buf[4096] = "";
    FILE *f = fopen(path, "re");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    for (int field = 3; p && field <= 22; field++)
        p = strchr(p + 1, ' ');
    assert_non_null(p);
    return strtoull(p + 1, NULL, 10);
}

static orb_pod *open_ok(const char *ref)
{
    orb_pod *p = NULL;
    _cleanup_error_ orb_error *e = NULL;
    int r = orb_pod_open(fx.data, ref, &p, &e);
    if (r < 0)
        fail_msg("open %s: %s", ref, e->msg);
    return p;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ---- create, lock, states ---- */

static void test_create_is_preparing(void **state)
{
    (void)state;
    orb_pod *p = NULL;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_create(fx.data, &p, &e), 0);
    assert_int_equal(p->state, ORB_POD_PREPARING);
    assert_true(p->lock_fd >= 0);
    assert_int_equal(strlen(p->uuid), 36);
    assert_int_equal(p->uuid[14], '4');
    assert_non_null(strchr("89ab", p->uuid[19]));
    _cleanup_free_ char *dir = pod_dir("prepare", p->uuid);
    assert_string_equal(p->dir, dir);
    assert_true(orb_pod_read_time(p, ORB_POD_CREATED) > 0);
    _cleanup_free_ char *sd = xasprintf("%s/pods/exited-garbage", fx.data);
    struct stat st;
    assert_int_equal(stat(sd, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    orb_pod_free(p);
}

static void test_second_open_sees_preparing(void **state)
{
    (void)state;
    orb_pod *p = NULL;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_create(fx.data, &p, &e), 0);
    orb_pod *q = open_ok(p->uuid);
    assert_int_equal(q->state, ORB_POD_PREPARING);
    assert_int_equal(orb_pod_lock(q, false, &e), -1);
    assert_int_equal(e->errnum, EWOULDBLOCK);
    orb_pod_free(q);
    orb_pod_free(p);
}

static void test_dead_preparer_is_aborted_prepare(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        orb_pod *p = NULL;
        orb_error *e = NULL;
        if (orb_pod_create(fx.data, &p, &e) < 0 || write(fds[1], p->uuid, 36) != 36)
            _exit(1);
        _exit(0); /* the lock is never released by hand */
    }
    close(fds[1]);
    char uuid[37] = "";
    assert_int_equal(read(fds[0], uuid, 36), 36);
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    orb_pod *p = open_ok(uuid);
    assert_int_equal(p->state, ORB_POD_ABORTED_PREPARE);
    assert_string_equal(orb_pod_state_name(p->state), "aborted prepare");
    orb_pod_free(p);
}

static void test_lock_wait_follows_a_moved_pod(void **state)
{
    (void)state;
    _cleanup_free_ char *from = make_pod("prepared", UUID_A1, 0);
    _cleanup_free_ char *to = pod_dir("run", UUID_A1);
    _cleanup_free_ char *run = xasprintf("%s/pods/run", fx.data);
    assert_int_equal(mkdir(run, 0700), 0);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* like run-prepared: lock, move, then the pod exits */
        int fd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(fds[1], "x", 1) != 1)
            _exit(1);
        usleep(200 * 1000);
        _exit(rename(from, to) < 0);
    }
    fx.children[fx.n_children++] = pid;
    close(fds[1]);
    char c;
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);
    orb_pod *p = open_ok(UUID_A1);
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_lock(p, true, &e), 0);
    assert_string_equal(p->dir, to);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    fx.n_children--;
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    orb_pod_free(p);
}

/* ---- moves ---- */

static void test_moves_follow_lifecycle(void **state)
{
    (void)state;
    orb_pod *p = NULL;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_create(fx.data, &p, &e), 0);
    char uuid[37];
    memcpy(uuid, p->uuid, sizeof(uuid));
    assert_int_equal(orb_pod_move(p, ORB_POD_PREPARED, &e), 0);
    _cleanup_free_ char *prepared = pod_dir("prepared", uuid);
    assert_string_equal(p->dir, prepared);
    assert_true(exists(prepared));
    assert_int_equal(orb_pod_move(p, ORB_POD_RUNNING, &e), 0);
    orb_pod *q = open_ok(uuid);
    assert_int_equal(q->state, ORB_POD_RUNNING); /* the lock went along */
    orb_pod_free(q);
    orb_pod_free(p); /* "exits" */
    p = open_ok(uuid);
    assert_int_equal(p->state, ORB_POD_EXITED);
    assert_int_equal(orb_pod_move(p, ORB_POD_EXITED_GARBAGE, &e), 0);
    assert_int_equal(p->state, ORB_POD_EXITED_GARBAGE);
    assert_true(orb_pod_read_time(p, ORB_POD_GC_MARKED) > 0);
    orb_pod_free(p);
}

static void test_move_refuses_bad_transition(void **state)
{
    (void)state;
    free(make_pod("prepared", UUID_A1, 0));
    orb_pod *p = open_ok(UUID_A1);
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_move(p, ORB_POD_EXITED_GARBAGE, &e), -1);
    assert_int_equal(e->errnum, EINVAL);
    assert_non_null(strstr(e->msg, "cannot move from prepared to exited garbage"));
    orb_pod_free(p);
}

static void test_move_refuses_locked_pod(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = make_pod("run", UUID_A1, 0);
    spawn_locker(dir);
    orb_pod *p = open_ok(UUID_A1);
    assert_int_equal(p->state, ORB_POD_RUNNING);
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_move(p, ORB_POD_EXITED_GARBAGE, &e), -1);
    assert_int_equal(e->errnum, EINVAL);
    orb_pod_free(p);
    /* exited when opened, alive again before the move: the lock refuses */
    free(make_pod("prepare", UUID_B, 0));
    p = open_ok(UUID_B);
    assert_int_equal(p->state, ORB_POD_ABORTED_PREPARE);
    _cleanup_free_ char *bdir = pod_dir("prepare", UUID_B);
    spawn_locker(bdir);
    orb_error_free(e);
    e = NULL;
    assert_int_equal(orb_pod_move(p, ORB_POD_GARBAGE, &e), -1);
    assert_true(exists(bdir));
    orb_pod_free(p);
}

static void test_move_lost_race_is_enoent(void **state)
{
    (void)state;
    free(make_pod("run", UUID_A1, 0));
    orb_pod *p = open_ok(UUID_A1);
    orb_pod *q = open_ok(UUID_A1);
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_move(p, ORB_POD_EXITED_GARBAGE, &e), 0);
    orb_pod_free(p);
    assert_int_equal(orb_pod_move(q, ORB_POD_EXITED_GARBAGE, &e), -1);
    assert_int_equal(e->errnum, ENOENT);
    assert_non_null(strstr(e->msg, "another process"));
    orb_pod_free(q);
}

/* ---- open, list ---- */

static void test_open_by_prefix(void **state)
{
    (void)state;
    free(make_pod("prepared", UUID_A1, 0));
    free(make_pod("run", UUID_A2, 0));
    free(make_pod("garbage", UUID_B, 0));
    orb_pod *p = open_ok(UUID_A2);
    assert_int_equal(p->state, ORB_POD_EXITED);
    orb_pod_free(p);
    p = open_ok("b");
    assert_string_equal(p->uuid, UUID_B);
    assert_int_equal(p->state, ORB_POD_GARBAGE);
    orb_pod_free(p);
    p = open_ok("AAAAAAAA-0000-4000-8000-000000000001");
    assert_int_equal(p->state, ORB_POD_PREPARED);
    orb_pod_free(p);
}

static void test_open_rejects_ambiguous_missing_and_bad(void **state)
{
    (void)state;
    free(make_pod("prepared", UUID_A1, 0));
    free(make_pod("run", UUID_A2, 0));
    orb_pod *p = NULL;
    orb_error *e = NULL;
    assert_int_equal(orb_pod_open(fx.data, "aaaa", &p, &e), -1);
    assert_int_equal(e->errnum, EINVAL);
    assert_non_null(strstr(e->msg, "ambiguous"));
    assert_non_null(strstr(e->msg, UUID_A1));
    assert_non_null(strstr(e->msg, UUID_A2));
    orb_error_free(e);
    e = NULL;
    assert_int_equal(orb_pod_open(fx.data, "c", &p, &e), -1);
    assert_int_equal(e->errnum, ENOENT);
    assert_string_equal(e->msg, "no pod c");
    orb_error_free(e);
    e = NULL;
    assert_int_equal(orb_pod_open(fx.data, "xyz", &p, &e), -1);
    assert_int_equal(e->errnum, EINVAL);
    orb_error_free(e);
    e = NULL;
    assert_int_equal(orb_pod_open(fx.data, "", &p, &e), -1);
    assert_int_equal(e->errnum, EINVAL);
    orb_error_free(e);
    assert_null(p);
}

static void test_list_newest_first(void **state)
{
    (void)state;
    free(make_pod("garbage", UUID_A1, 3 * HOUR_US));
    free(make_pod("run", UUID_B, 1 * HOUR_US));
    free(make_pod("prepared", UUID_C, 2 * HOUR_US));
    _cleanup_free_ char *junk = xasprintf("%s/pods/run/not-a-pod", fx.data);
    mkdir(junk, 0700);
    orb_pod **pods;
    size_t n;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_list(fx.data, &pods, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(pods[0]->uuid, UUID_B);
    assert_string_equal(pods[1]->uuid, UUID_C);
    assert_string_equal(pods[2]->uuid, UUID_A1);
    assert_int_equal(pods[0]->state, ORB_POD_EXITED);
    orb_pods_free(pods, n);
}

/* ---- status ---- */

static void test_status_of_exited_pod(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = make_pod("run", UUID_A1, 0);
    _cleanup_free_ char *m = xasprintf("%s/pod", dir);
    write_text(m, MANIFEST_2APPS);
    _cleanup_free_ char *st = xasprintf("%s/started", dir);
    _cleanup_free_ char *ready = xasprintf("%s/ready", dir);
    write_text(st, "5000\n");
    write_text(ready, "");
    make_app_files(dir, "a", "exited 0\n");
    make_app_files(dir, "b", "signaled 9\n");
    orb_pod *p = open_ok(UUID_A1);
    orb_pod_status s;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_read_status(p, &s, &e), 0);
    assert_int_equal(s.state, ORB_POD_EXITED);
    assert_int_equal(s.pid, 0);
    assert_int_equal(s.started, 5000);
    assert_true(s.created > 0);
    assert_true(s.ready);
    assert_int_equal(s.n_apps, 2);
    assert_string_equal(s.apps[0].name, "a");
    assert_string_equal(s.apps[0].image_id, "sha512-aaaa");
    assert_true(s.apps[0].exited);
    assert_int_equal(s.apps[0].exit_code, 0);
    assert_int_equal(s.apps[1].signal, 9);
    assert_int_equal(s.apps[1].exit_code, 137);
    assert_int_equal(s.apps[1].started_at, 1000);
    assert_int_equal(s.apps[1].finished_at, 2000);
    assert_int_equal(s.exit_code, 137);
    orb_pod_status_clear(&s);
    orb_pod_free(p);
}

static void test_status_exit_code_is_first_failed_app(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = make_pod("run", UUID_A1, 0);
    _cleanup_free_ char *m = xasprintf("%s/pod", dir);
    write_text(m, MANIFEST_2APPS);
    make_app_files(dir, "a", "exited 3\n");
    make_app_files(dir, "b", "exited 5\n");
    orb_pod *p = open_ok(UUID_A1);
    orb_pod_status s;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_read_status(p, &s, &e), 0);
    assert_int_equal(s.exit_code, 3);
    orb_pod_status_clear(&s);
    /* an app still running: started, not exited */
    _cleanup_free_ char *bst = xasprintf("%s/apps/b/status", dir);
    unlink(bst);
    assert_int_equal(orb_pod_read_status(p, &s, &e), 0);
    assert_true(s.apps[1].started);
    assert_false(s.apps[1].exited);
    orb_pod_status_clear(&s);
    orb_pod_free(p);
}

static void test_status_rejects_bad_manifest(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = make_pod("run", UUID_A1, 0);
    _cleanup_free_ char *m = xasprintf("%s/pod", dir);
    write_text(m, "{\"acKind\":\"ImageManifest\"}");
    orb_pod *p = open_ok(UUID_A1);
    orb_pod_status s;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_read_status(p, &s, &e), -1);
    assert_non_null(strstr(e->msg, UUID_A1));
    orb_pod_free(p);
}

static void test_status_pid_checks_start_time(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = make_pod("run", UUID_A1, 0);
    pid_t pid = spawn_locker(dir);
    assert_true(starttime_of(pid) > 0); /* field 22, not 21 (always 0) */
    _cleanup_free_ char *pidf = xasprintf("%s/pid", dir);
    _cleanup_free_ char *text = xasprintf("%d %llu\n", pid, starttime_of(pid));
    write_text(pidf, text);
    orb_pod *p = open_ok(UUID_A1);
    orb_pod_status s;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_read_status(p, &s, &e), 0);
    assert_int_equal(s.state, ORB_POD_RUNNING);
    assert_int_equal(s.pid, pid);
    assert_int_equal(s.n_apps, 0); /* no manifest yet */
    orb_pod_status_clear(&s);
    free(text);
    text = xasprintf("%d %llu\n", pid, starttime_of(pid) + 1); /* a reused pid */
    write_text(pidf, text);
    assert_int_equal(orb_pod_read_status(p, &s, &e), 0);
    assert_int_equal(s.pid, 0);
    orb_pod_status_clear(&s);
    orb_pod_free(p);
}

/* ---- stop ---- */

static void stop_and_expect(bool force, int signo, const char *request)
{
    _cleanup_free_ char *dir = make_pod("run", force ? UUID_A2 : UUID_A1, 0);
    pid_t pid = spawn_locker(dir);
    _cleanup_free_ char *pidf = xasprintf("%s/pid", dir);
    _cleanup_free_ char *text = xasprintf("%d %llu\n", pid, starttime_of(pid));
    write_text(pidf, text);
    orb_pod *p = open_ok(force ? UUID_A2 : UUID_A1);
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_stop(p, force, &e), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    fx.n_children--; /* reaped */
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), signo);
    _cleanup_free_ char *req = orb_pod_read_file(p, ORB_POD_STOP, &e);
    assert_string_equal(req, request);
    orb_pod_free(p);
}

static void test_stop_graceful_sends_sigterm(void **state)
{
    (void)state;
    stop_and_expect(false, SIGTERM, "graceful\n");
}

static void test_stop_force_sends_sigkill(void **state)
{
    (void)state;
    stop_and_expect(true, SIGKILL, "force\n");
}

static void test_stop_refuses_pod_not_running(void **state)
{
    (void)state;
    free(make_pod("run", UUID_A1, 0));
    orb_pod *p = open_ok(UUID_A1);
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_pod_stop(p, false, &e), -1);
    assert_non_null(strstr(e->msg, "is not running (exited)"));
    orb_pod_free(p);
}

/* ---- remove ---- */

static void test_remove_refuses_running_and_preparing(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = make_pod("run", UUID_A1, 0);
    spawn_locker(dir);
    orb_pod *p = open_ok(UUID_A1);
    orb_error *e = NULL;
    assert_int_equal(orb_pod_remove(p, &e), -1);
    assert_int_equal(e->errnum, EBUSY);
    assert_non_null(strstr(e->msg, "is running: stop it first"));
    assert_true(exists(dir));
    orb_pod_free(p);
    orb_error_free(e);
    e = NULL;
    orb_pod *mine = NULL;
    assert_int_equal(orb_pod_create(fx.data, &mine, &e), 0);
    p = open_ok(mine->uuid);
    assert_int_equal(orb_pod_remove(p, &e), -1);
    assert_int_equal(e->errnum, EBUSY);
    orb_error_free(e);
    e = NULL;
    orb_pod_free(p);
    /* the preparer itself may remove its pod (a failed prepare) */
    _cleanup_free_ char *mdir = xstrdup(mine->dir);
    assert_int_equal(orb_pod_remove(mine, &e), 0);
    assert_false(exists(mdir));
    orb_pod_free(mine);
}

static void test_remove_exited_unmounts_and_deletes(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = make_pod("run", UUID_A1, 0);
    make_app_files(dir, "a", "exited 0\n");
    _cleanup_free_ char *rootfs = xasprintf("%s/apps/a/rootfs", dir);
    assert_int_equal(mkdir(rootfs, 0755), 0);
    assert_int_equal(mount("tmpfs", rootfs, "tmpfs", 0, "size=1m"), 0);
    _cleanup_free_ char *inside = xasprintf("%s/file", rootfs);
    write_text(inside, "in the tmpfs");
    orb_pod *p = open_ok(UUID_A1);
    _cleanup_error_ orb_error *e = NULL;
    if (orb_pod_remove(p, &e) < 0)
        fail_msg("remove: %s", e->msg);
    assert_false(exists(dir));
    _cleanup_free_ char *g = pod_dir("exited-garbage", UUID_A1);
    assert_false(exists(g));
    orb_pod_free(p);
}

/* ---- gc ---- */

static orb_pod_gc_options gc_opts(int64_t grace, int64_t expire, bool mark_only)
{
    return (orb_pod_gc_options){
        .grace_us = grace, .expire_prepared_us = expire, .mark_only = mark_only};
}

static void run_gc(orb_pod_gc_options o, orb_pod_gc_report *r)
{
    _cleanup_error_ orb_error *e = NULL;
    if (orb_pod_gc(fx.data, &o, r, &e) < 0)
        fail_msg("gc: %s", e->msg);
}

static void test_gc_grace_zero_sweeps_marked(void **state)
{
    (void)state;
    _cleanup_free_ char *exited = make_pod("run", UUID_A1, 0);
    _cleanup_free_ char *aborted = make_pod("prepare", UUID_A2, 0);
    _cleanup_free_ char *prepared = make_pod("prepared", UUID_B, 0);
    _cleanup_free_ char *running = make_pod("run", UUID_C, 0);
    spawn_locker(running);
    orb_pod_gc_report r;
    run_gc(gc_opts(0, 24 * HOUR_US, false), &r);
    assert_int_equal(r.marked, 2);
    assert_int_equal(r.removed, 2);
    assert_true(strv_contains(r.removed_uuids, UUID_A1));
    assert_true(strv_contains(r.removed_uuids, UUID_A2));
    orb_pod_gc_report_clear(&r);
    assert_true(exists(prepared));
    assert_true(exists(running));
    _cleanup_free_ char *g1 = pod_dir("exited-garbage", UUID_A1);
    _cleanup_free_ char *g2 = pod_dir("garbage", UUID_A2);
    assert_false(exists(exited) || exists(g1) || exists(aborted) || exists(g2));
}

static void test_gc_long_grace_keeps_exited(void **state)
{
    (void)state;
    free(make_pod("run", UUID_A1, 0));
    free(make_pod("prepare", UUID_A2, 0));
    orb_pod_gc_report r;
    run_gc(gc_opts(HOUR_US, 24 * HOUR_US, false), &r);
    assert_int_equal(r.marked, 2);
    assert_int_equal(r.removed, 1); /* garbage goes at once */
    assert_string_equal(r.removed_uuids[0], UUID_A2);
    orb_pod_gc_report_clear(&r);
    orb_pod *p = open_ok(UUID_A1);
    assert_int_equal(p->state, ORB_POD_EXITED_GARBAGE);
    orb_pod_free(p);
    /* a second gc within the grace period leaves it too; with grace 0 it goes */
    run_gc(gc_opts(HOUR_US, 24 * HOUR_US, false), &r);
    assert_int_equal(r.marked + r.removed, 0);
    orb_pod_gc_report_clear(&r);
    run_gc(gc_opts(0, 24 * HOUR_US, false), &r);
    assert_int_equal(r.removed, 1);
    orb_pod_gc_report_clear(&r);
}

static void test_gc_expires_old_prepared(void **state)
{
    (void)state;
    _cleanup_free_ char *old = make_pod("prepared", UUID_A1, 48 * HOUR_US);
    _cleanup_free_ char *fresh = make_pod("prepared", UUID_B, HOUR_US);
    orb_pod_gc_report r;
    run_gc(gc_opts(HOUR_US, 24 * HOUR_US, false), &r);
    assert_int_equal(r.marked, 1);
    assert_int_equal(r.removed, 1);
    assert_string_equal(r.removed_uuids[0], UUID_A1);
    orb_pod_gc_report_clear(&r);
    assert_false(exists(old));
    assert_true(exists(fresh));
}

static void test_gc_collects_embryos_left_by_a_crash(void **state)
{
    (void)state;
    _cleanup_free_ char *old = make_pod("embryo", UUID_A1, 0);
    _cleanup_free_ char *fresh = make_pod("embryo", UUID_B, 0);
    struct timespec then[2] = {{.tv_sec = time(NULL) - 600}, {.tv_sec = time(NULL) - 600}};
    assert_int_equal(utimensat(AT_FDCWD, old, then, 0), 0);
    orb_pod_gc_report r;
    run_gc(gc_opts(HOUR_US, 24 * HOUR_US, false), &r);
    assert_int_equal(r.removed, 1);
    assert_string_equal(r.removed_uuids[0], UUID_A1);
    orb_pod_gc_report_clear(&r);
    assert_false(exists(old));
    assert_true(exists(fresh)); /* it may be a pod being created right now */
}

static void test_gc_mark_only(void **state)
{
    (void)state;
    free(make_pod("run", UUID_A1, 0));
    free(make_pod("prepare", UUID_A2, 0));
    orb_pod_gc_report r;
    run_gc(gc_opts(0, 24 * HOUR_US, true), &r);
    assert_int_equal(r.marked, 2);
    assert_int_equal(r.removed, 0);
    orb_pod_gc_report_clear(&r);
    _cleanup_free_ char *g1 = pod_dir("exited-garbage", UUID_A1);
    _cleanup_free_ char *g2 = pod_dir("garbage", UUID_A2);
    assert_true(exists(g1));
    assert_true(exists(g2));
}

static void test_gc_unmounts_leftover_mounts(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = make_pod("garbage", UUID_A1, 0);
    _cleanup_free_ char *mnt = xasprintf("%s/m", dir);
    assert_int_equal(mkdir(mnt, 0755), 0);
    assert_int_equal(mount("tmpfs", mnt, "tmpfs", 0, "size=1m"), 0);
    orb_pod_gc_report r;
    run_gc(gc_opts(0, 24 * HOUR_US, false), &r);
    assert_int_equal(r.removed, 1);
    orb_pod_gc_report_clear(&r);
    assert_false(exists(dir));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_is_preparing),
        T(test_second_open_sees_preparing),
        T(test_dead_preparer_is_aborted_prepare),
        T(test_lock_wait_follows_a_moved_pod),
        T(test_moves_follow_lifecycle),
        T(test_move_refuses_bad_transition),
        T(test_move_refuses_locked_pod),
        T(test_move_lost_race_is_enoent),
        T(test_open_by_prefix),
        T(test_open_rejects_ambiguous_missing_and_bad),
        T(test_list_newest_first),
        T(test_status_of_exited_pod),
        T(test_status_exit_code_is_first_failed_app),
        T(test_status_rejects_bad_manifest),
        T(test_status_pid_checks_start_time),
        T(test_stop_graceful_sends_sigterm),
        T(test_stop_force_sends_sigkill),
        T(test_stop_refuses_pod_not_running),
        T(test_remove_refuses_running_and_preparing),
        T(test_remove_exited_unmounts_and_deletes),
        T(test_gc_grace_zero_sweeps_marked),
        T(test_gc_long_grace_keeps_exited),
        T(test_gc_expires_old_prepared),
        T(test_gc_collects_embryos_left_by_a_crash),
        T(test_gc_mark_only),
        T(test_gc_unmounts_leftover_mounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
