/* exec/mounts.h: an app's root (overlay, /proc, /sys, /dev, etc files,
 * volumes, read-only root), entering it, and unmounting a pod's mounts.
 * Needs root. Every test runs in a forked child with its own mount and PID
 * namespaces (/ made a slave first), so nothing leaks to the host even when
 * a check fails half-way; the child's exit status says pass or fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/mounts.h"
#include "exec/supervisor.h"
#include "pod/pod.h"
#include "schema/manifest.h"
#include "util/fs_remove.h"
#include "util/mem.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

typedef struct fixture {
    char *top;
    char *lower;  /* top/tree/rootfs */
    char *rootfs; /* top/pod/apps/a/rootfs */
    orb_pod pod;
    orb_volume volumes[2]; /* data (empty), host (top/host) */
    orb_mount mounts[3];
    orb_mount_point mount_points[1];
    orb_app app;
    orb_runtime_app ra;
    orb_pod_manifest pm;
} fixture;

static void mkdirs(const char *top, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", top, rel);
    for (char *s = path + strlen(top) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static void put(const char *top, const char *rel, const char *text)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", top, rel);
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void copy_busybox(const char *dest)
{
    int in = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
    assert_true(in >= 0);
    int out = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    assert_true(out >= 0);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        assert_int_equal(write(out, buf, (size_t)n), n);
    close(in);
    close(out);
}

static void build_tree(fixture *f)
{
    char tmpl[] = "/tmp/orb-mounts-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    f->top = xstrdup(tmpl);
    f->lower = xasprintf("%s/tree/rootfs", f->top);
    mkdirs(f->top, "tree/rootfs/bin");
    mkdirs(f->top, "tree/rootfs/etc");
    mkdirs(f->top, "outside");
    mkdirs(f->top, "host/sub");
    put(f->top, "host/file", "host\n");
    _cleanup_free_ char *bb = xasprintf("%s/bin/busybox", f->lower);
    copy_busybox(bb);
    _cleanup_free_ char *evil = xasprintf("%s/etc/evil", f->lower);
    _cleanup_free_ char *outside = xasprintf("%s/outside", f->top);
    assert_int_equal(symlink(outside, evil), 0);
    _cleanup_free_ char *link = xasprintf("%s/hostlink", f->top);
    assert_int_equal(symlink("host", link), 0);
    mkdirs(f->top, "pod/apps/a/rootfs");
    mkdirs(f->top, "pod/apps/a/upper");
    mkdirs(f->top, "pod/apps/a/work");
    mkdirs(f->top, "pod/volumes/data");
    _cleanup_free_ char *tree = xasprintf("%s/tree\n", f->top);
    put(f->top, "pod/apps/a/tree", tree);
    put(f->top, "pod/overlay", "");
    put(f->top, "pod/hostname", "podhost\n");
    put(f->top, "pod/resolv.conf", "nameserver 1.1.1.1\n");
    _cleanup_free_ char *resolv = xasprintf("%s/etc/resolv.conf", f->lower);
    assert_int_equal(symlink("../run/resolv.conf", resolv), 0);
    f->rootfs = xasprintf("%s/pod/apps/a/rootfs", f->top);
}

static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof(*f));
    build_tree(f);
    strcpy(f->pod.uuid, "00000000-0000-0000-0000-000000000000");
    f->pod.dir = xasprintf("%s/pod", f->top);
    f->pod.lock_fd = f->pod.dir_fd = -1;
    f->volumes[0] =
        (orb_volume){.name = "data", .kind = ORB_VOLUME_EMPTY, .read_only = -1, .recursive = -1};
    f->volumes[1] = (orb_volume){.name = "host",
                                 .kind = ORB_VOLUME_HOST,
                                 .read_only = -1,
                                 .recursive = -1,
                                 .source = xasprintf("%s/host", f->top)};
    f->mounts[0] = (orb_mount){.volume = "data", .path = "/var/data"};
    f->mounts[1] = (orb_mount){.volume = "host", .path = "/srv/host"};
    f->mounts[2] = (orb_mount){.volume = "host", .path = "/srv/host-ro"};
    f->mount_points[0] = (orb_mount_point){.name = "ro", .path = "/srv/host-ro", .read_only = true};
    f->app.mount_points = f->mount_points;
    f->app.n_mount_points = 1;
    f->ra = (orb_runtime_app){.name = "a", .app = &f->app, .mounts = f->mounts, .n_mounts = 3};
    f->pm = (orb_pod_manifest){.apps = &f->ra, .n_apps = 1, .volumes = f->volumes, .n_volumes = 2};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    assert_int_equal(orb_rm_rf(f->top, NULL), 0);
    free(f->volumes[1].source);
    free(f->pod.dir);
    free(f->rootfs);
    free(f->lower);
    free(f->top);
    free(f);
    return 0;
}

/* Runs fn as pid 1 of new mount + PID namespaces; asserts it exited 0. */
static void isolated(fixture *f, void (*fn)(fixture *))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0 ||
            mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
            _exit(2);
        pid_t inner = fork();
        if (inner == 0) {
            fn(f);
            _exit(0);
        }
        int st;
        if (inner < 0 || waitpid(inner, &st, 0) != inner)
            _exit(2);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 3);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static char *in_root(const fixture *f, const char *rel)
{
    return xasprintf("%s/%s", f->rootfs, rel);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static long fs_type(const fixture *f, const char *rel)
{
    _cleanup_free_ char *p = in_root(f, rel);
    struct statfs sf;
    CHECK(statfs(p, &sf) == 0);
    return (long)sf.f_type;
}

static bool is_readonly(const fixture *f, const char *rel)
{
    _cleanup_free_ char *p = in_root(f, rel);
    struct statvfs sv;
    CHECK(statvfs(p, &sv) == 0);
    return (sv.f_flag & ST_RDONLY) != 0;
}

/* Creating rel inside the root: 0 or the errno. */
static int try_create(const fixture *f, const char *rel)
{
    _cleanup_free_ char *p = in_root(f, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

static void mount_or_die(fixture *f)
{
    orb_error *err = NULL;
    if (orb_app_mount_root(&f->pod, &f->pm, &f->ra, &err) < 0) {
        fprintf(stderr, "mount root: %s\n", err->msg);
        _exit(1);
    }
}

/* The mount fails with a message holding want; nothing lands in outside/. */
static void mount_fails(fixture *f, const char *want)
{
    orb_error *err = NULL;
    CHECK(orb_app_mount_root(&f->pod, &f->pm, &f->ra, &err) < 0);
    if (!strstr(err->msg, want)) {
        fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err->msg, want);
        _exit(1);
    }
    _cleanup_free_ char *x = xasprintf("%s/outside/x", f->top);
    CHECK(!exists(x));
    orb_error_free(err);
}

static void check_overlay(fixture *f)
{
    mount_or_die(f);
    CHECK(try_create(f, "newfile") == 0);
    _cleanup_free_ char *upper = xasprintf("%s/pod/apps/a/upper/newfile", f->top);
    _cleanup_free_ char *lower = xasprintf("%s/newfile", f->lower);
    CHECK(exists(upper) && !exists(lower));
    _cleanup_free_ char *bb = in_root(f, "bin/busybox");
    CHECK(access(bb, X_OK) == 0);
    CHECK(fs_type(f, "") == OVERLAYFS_SUPER_MAGIC);
}

static void test_overlay(void **state)
{
    isolated(*state, check_overlay);
}

static void check_devices(fixture *f)
{
    mount_or_die(f);
    _cleanup_free_ char *null = in_root(f, "dev/null");
    struct stat st;
    CHECK(stat(null, &st) == 0 && S_ISCHR(st.st_mode));
    CHECK(major(st.st_rdev) == 1 && minor(st.st_rdev) == 3 && (st.st_mode & 0777) == 0666);
    int fd = open(null, O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0 && write(fd, "x", 1) == 1);
    close(fd);
    CHECK(fs_type(f, "dev") == TMPFS_MAGIC);
    CHECK(fs_type(f, "dev/pts") == DEVPTS_SUPER_MAGIC);
    CHECK(fs_type(f, "dev/shm") == TMPFS_MAGIC);
    char target[64] = {0};
    _cleanup_free_ char *ptmx = in_root(f, "dev/ptmx");
    CHECK(readlink(ptmx, target, sizeof(target) - 1) > 0 && strcmp(target, "pts/ptmx") == 0);
    _cleanup_free_ char *console = in_root(f, "dev/console");
    CHECK(stat(console, &st) == 0 && S_ISCHR(st.st_mode));
}

static void check_console(fixture *f)
{
    mount_or_die(f);
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
    const char *pty = ptsname(master);
    CHECK(pty != NULL);
    orb_error *err = NULL;
    CHECK(orb_app_mount_console(f->rootfs, pty, &err) == 0);
    struct stat a, b;
    _cleanup_free_ char *console = in_root(f, "dev/console");
    CHECK(stat(console, &a) == 0 && stat(pty, &b) == 0 && a.st_rdev == b.st_rdev);
    close(master);
}

static void test_console(void **state)
{
    isolated(*state, check_console);
}

static void test_devices(void **state)
{
    isolated(*state, check_devices);
}

static void check_proc_sys(fixture *f)
{
    mount_or_die(f);
    CHECK(fs_type(f, "proc") == PROC_SUPER_MAGIC);
    /* pid 1 of the pod's PID namespace is this process */
    char buf[32] = {0};
    _cleanup_free_ char *self = in_root(f, "proc/self");
    CHECK(readlink(self, buf, sizeof(buf) - 1) > 0 && strcmp(buf, "1") == 0);
    CHECK(is_readonly(f, "proc/sys"));
    CHECK(!is_readonly(f, "proc"));
    _cleanup_free_ char *kcore = in_root(f, "proc/kcore");
    struct stat st;
    if (stat(kcore, &st) == 0)
        CHECK(S_ISCHR(st.st_mode)); /* masked by /dev/null */
    CHECK(fs_type(f, "sys") == SYSFS_MAGIC);
    CHECK(is_readonly(f, "sys"));
}

static void test_proc_sys(void **state)
{
    isolated(*state, check_proc_sys);
}

static void check_files_and_volumes(fixture *f)
{
    mount_or_die(f);
    _cleanup_free_ char *hostname = in_root(f, "etc/hostname");
    char buf[32] = {0};
    int fd = open(hostname, O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && strcmp(buf, "podhost\n") == 0);
    close(fd);
    CHECK(try_create(f, "var/data/x") == 0);
    _cleanup_free_ char *shared = xasprintf("%s/pod/volumes/data/x", f->top);
    CHECK(exists(shared));
    _cleanup_free_ char *hostfile = in_root(f, "srv/host/file");
    CHECK(exists(hostfile));
    CHECK(try_create(f, "srv/host/y") == 0);
    CHECK(try_create(f, "srv/host-ro/z") == EROFS);
    CHECK(!is_readonly(f, ""));
    /* the image's etc/resolv.conf symlink gave way to the pod's file */
    _cleanup_free_ char *resolv = in_root(f, "etc/resolv.conf");
    struct stat st;
    CHECK(lstat(resolv, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 19);
    _cleanup_free_ char *lower_link = xasprintf("%s/etc/resolv.conf", f->lower);
    CHECK(lstat(lower_link, &st) == 0 && S_ISLNK(st.st_mode));
}

static void test_files_and_volumes(void **state)
{
    isolated(*state, check_files_and_volumes);
}

static void check_readonly_root(fixture *f)
{
    f->ra.read_only_rootfs = true;
    mount_or_die(f);
    CHECK(try_create(f, "newfile") == EROFS);
    CHECK(try_create(f, "var/data/x") == 0);
    CHECK(try_create(f, "dev/shm/x") == 0);
    CHECK(try_create(f, "dev/null") == 0);
}

static void test_readonly_root(void **state)
{
    isolated(*state, check_readonly_root);
}

static void check_readonly_volume(fixture *f)
{
    f->volumes[0].read_only = 1;
    mount_or_die(f);
    CHECK(try_create(f, "var/data/x") == EROFS);
}

static void test_readonly_volume(void **state)
{
    isolated(*state, check_readonly_volume);
}

/* host/sub holds a tmpfs: seen (read-only too) through a recursive bind,
 * hidden by a plain one */
static void check_recursive(fixture *f)
{
    _cleanup_free_ char *sub = xasprintf("%s/host/sub", f->top);
    CHECK(mount("tmpfs", sub, "tmpfs", 0, NULL) == 0);
    mount_or_die(f);
    CHECK(fs_type(f, "srv/host/sub") == TMPFS_MAGIC);
    CHECK(try_create(f, "srv/host/sub/x") == 0);
    CHECK(try_create(f, "srv/host-ro/sub/y") == EROFS);
}

static void test_recursive_default(void **state)
{
    isolated(*state, check_recursive);
}

static void check_not_recursive(fixture *f)
{
    _cleanup_free_ char *sub = xasprintf("%s/host/sub", f->top);
    CHECK(mount("tmpfs", sub, "tmpfs", 0, NULL) == 0);
    f->volumes[1].recursive = 0;
    mount_or_die(f);
    CHECK(fs_type(f, "srv/host/sub") != TMPFS_MAGIC);
}

static void test_not_recursive(void **state)
{
    isolated(*state, check_not_recursive);
}

static void check_source_symlink(fixture *f)
{
    free(f->volumes[1].source);
    f->volumes[1].source = xasprintf("%s/hostlink/sub", f->top);
    _cleanup_free_ char *want =
        xasprintf("app a: volume host: source %s: has a symlink in its path", f->volumes[1].source);
    mount_fails(f, want);
}

static void test_source_symlink(void **state)
{
    isolated(*state, check_source_symlink);
}

static void check_source_missing(fixture *f)
{
    free(f->volumes[1].source);
    f->volumes[1].source = xasprintf("%s/host/nope", f->top);
    mount_fails(f, "/host/nope: does not exist");
}

static void test_source_missing(void **state)
{
    isolated(*state, check_source_missing);
}

static void check_target_symlink(fixture *f)
{
    f->mounts[1].path = "/etc/evil/x";
    mount_fails(f, "etc/evil: is a symlink");
}

static void test_target_symlink(void **state)
{
    isolated(*state, check_target_symlink);
}

static void check_overlap(fixture *f)
{
    f->mounts[1].path = "/var//data/./sub";
    mount_fails(f, "overlap");
}

static void test_overlap(void **state)
{
    isolated(*state, check_overlap);
}

static void check_no_overlay(fixture *f)
{
    _cleanup_free_ char *flag = xasprintf("%s/pod/overlay", f->top);
    CHECK(unlink(flag) == 0);
    _cleanup_free_ char *bb = in_root(f, "busybox");
    copy_busybox(bb);
    mount_or_die(f);
    CHECK(fs_type(f, "dev") == TMPFS_MAGIC);
    CHECK(try_create(f, "newfile") == 0);
}

static void test_no_overlay(void **state)
{
    isolated(*state, check_no_overlay);
}

static void check_enter_root(fixture *f)
{
    mount_or_die(f);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        orb_error *err = NULL;
        if (orb_app_enter_root(f->rootfs, &err) < 0) {
            fprintf(stderr, "enter: %s\n", err->msg);
            _exit(1);
        }
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, 1) < 0 || access("/srv/host/file", R_OK) < 0)
            _exit(1);
        execl("/bin/busybox", "busybox", "ls", "/", "/proc/1", "/dev/pts", (char *)NULL);
        _exit(127);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_enter_root(void **state)
{
    isolated(*state, check_enter_root);
}

static bool mounted_under(const char *dir)
{
    FILE *mi = fopen("/proc/self/mountinfo", "re");
    CHECK(mi);
    char line[4096];
    bool found = false;
    while (fgets(line, sizeof(line), mi))
        if (strstr(line, dir))
            found = true;
    fclose(mi);
    return found;
}

static void check_unmount_under(fixture *f)
{
    mount_or_die(f);
    /* a mount point with a space: mountinfo escapes it */
    _cleanup_free_ char *spaced = xasprintf("%s/pod/a b", f->top);
    CHECK(mkdir(spaced, 0755) == 0 && mount("tmpfs", spaced, "tmpfs", 0, NULL) == 0);
    CHECK(mount("tmpfs", spaced, "tmpfs", 0, NULL) == 0); /* stacked */
    CHECK(mounted_under(f->top));
    orb_error *err = NULL;
    _cleanup_free_ char *pod = xasprintf("%s/pod/", f->top);
    if (orb_unmount_under(pod, &err) < 0) {
        fprintf(stderr, "unmount: %s\n", err->msg);
        _exit(1);
    }
    CHECK(!mounted_under(f->top));
    CHECK(orb_unmount_under(pod, NULL) == 0); /* nothing left: fine */
}

static void test_unmount_under(void **state)
{
    isolated(*state, check_unmount_under);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_mounts: needs root, skipped\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_overlay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proc_sys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_and_volumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_volume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recursive_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_recursive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_overlay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enter_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmount_under, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
