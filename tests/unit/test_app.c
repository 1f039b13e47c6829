/* exec/app.h (identity, environment, program, working directory inside an
 * app's root) and orb_pod_write_etc, on temporary trees. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/app.h"
#include "exec/exec.h"
#include "pod/pod.h"
#include "schema/types.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"
#include "util/path.h"

typedef struct fixture {
    char *top;  /* temp dir holding root/ and files outside it */
    char *root; /* top/root */
    int rootfd;
    orb_app *app;
} fixture;

static void put(const char *dir, const char *rel, const char *text, mode_t mode)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, rel);
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void mkdirs(const char *dir, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

static void link_at(const char *dir, const char *rel, const char *target)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, rel);
    assert_int_equal(symlink(target, path), 0);
}

static const char passwd_text[] = "# the image's users\n"
                                  "\n"
                                  "#app:x:5:5:commented out:/:/bin/sh\n"
                                  "app:x\n"
                                  "app:x:notanumber:1000::/:/bin/sh\n"
                                  "root:x:0:0:root:/root:/bin/sh\n"
                                  "app:x:1000:1000:the app:/home/app:/bin/sh\n"
                                  "42:x:7:7:numeric name:/:/bin/sh\n"
                                  "huge:x:4294967295:1::/:/bin/sh\n"
                                  "last:x:31:31::/:/bin/sh"; /* no final newline */

static const char group_text[] = "# groups\n"
                                 "root:x:0:\n"
                                 "broken\n"
                                 "app:x:1000:\n"
                                 "wheel:x:10:app\n";

static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof(*f));
    f->top = xstrdup("/tmp/orbit-test-app-XXXXXX");
    assert_non_null(mkdtemp(f->top));
    f->root = xasprintf("%s/root", f->top);
    assert_int_equal(mkdir(f->root, 0755), 0);
    const char *dirs[] = {"etc", "bin", "usr", "usr/bin", "opt", "opt/bin", "work", "data"};
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
        mkdirs(f->root, dirs[i]);
    put(f->root, "etc/passwd", passwd_text, 0644);
    put(f->root, "etc/group", group_text, 0644);
    put(f->root, "bin/busybox", "#!\n", 0755);
    link_at(f->root, "bin/sh", "busybox");
    link_at(f->root, "bin/ash", "/bin/busybox");
    put(f->root, "bin/x", "#!\n", 0755);
    _cleanup_free_ char *x = xasprintf("%s/bin/x", f->root);
    assert_int_equal(chown(x, 1234, 5678), 0);
    put(f->root, "bin/noexec", "#!\n", 0644);
    put(f->root, "usr/bin/tool", "#!\n", 0755);
    put(f->root, "opt/bin/tool", "#!\n", 0755);
    put(f->root, "file", "", 0644);
    link_at(f->root, "lnk", "/work");
    /* outside the root: what an escaping link would reach */
    put(f->top, "outside-exe", "#!\n", 0755);
    link_at(f->root, "bin/escape", "../../../../../../../outside-exe");
    f->rootfd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(f->rootfd >= 0);
    f->app = orb_app_new();
    f->app->user = xstrdup("app");
    f->app->group = xstrdup("app");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    close(f->rootfd);
    orb_error *e = NULL;
    assert_int_equal(orb_rm_rf(f->top, &e), 0);
    orb_app_free(f->app);
    free(f->root);
    free(f->top);
    free(f);
    return 0;
}

static void set_ids(orb_app *app, const char *user, const char *group)
{
    free(app->user);
    free(app->group);
    app->user = user ? xstrdup(user) : NULL;
    app->group = group ? xstrdup(group) : NULL;
}

/* Resolves and checks the ids; the identity is cleared. */
static void expect_ids(fixture *f, const char *user, const char *group, uid_t uid, gid_t gid)
{
    set_ids(f->app, user, group);
    orb_app_identity id;
    _cleanup_error_ orb_error *e = NULL;
    int r = orb_app_resolve_identity(f->rootfd, f->app, &id, &e);
    if (r < 0)
        fail_msg("%s/%s: %s", user, group, e->msg);
    assert_int_equal(id.uid, uid);
    assert_int_equal(id.gid, gid);
    orb_app_identity_clear(&id);
}

/* Resolution fails with exactly msg. */
static void expect_id_error(fixture *f, const char *user, const char *group, const char *msg)
{
    set_ids(f->app, user, group);
    orb_app_identity id;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_app_resolve_identity(f->rootfd, f->app, &id, &e), -1);
    assert_non_null(e);
    assert_string_equal(e->msg, msg);
    assert_null(id.groups);
}

static void test_user_from_passwd(void **state)
{
    fixture *f = *state;
    /* comments, short lines and bad ids before the real entry are skipped */
    expect_ids(f, "app", "app", 1000, 1000);
    expect_ids(f, "root", "wheel", 0, 10);
    expect_ids(f, "last", "0", 31, 0); /* last line without a newline */
}

static void test_name_before_number(void **state)
{
    fixture *f = *state;
    /* a user named "42" in the image wins over the number */
    expect_ids(f, "42", "42", 7, 42);
}

static void test_numeric_ids(void **state)
{
    fixture *f = *state;
    expect_ids(f, "4242", "0017", 4242, 17);
    expect_ids(f, "4294967294", "4294967294", 4294967294u, 4294967294u);
    expect_id_error(
        f, "4294967295", "0",
        "user \"4294967295\": not in the image's /etc/passwd, not a number, not a path");
    expect_id_error(f, "-1", "0",
                    "user \"-1\": not in the image's /etc/passwd, not a number, not a path");
    /* an out-of-range uid in passwd is a malformed line: skipped */
    expect_id_error(f, "huge", "0",
                    "user \"huge\": not in the image's /etc/passwd, not a number, not a path");
}

static void test_path_owner(void **state)
{
    fixture *f = *state;
    expect_ids(f, "/bin/x", "/bin/x", 1234, 5678);
    expect_ids(f, "app", "/bin/x", 1000, 5678);
    expect_id_error(f, "/nope", "0",
                    "user \"/nope\": not in the image's /etc/passwd, not a number, not a path in "
                    "the image: No such file or directory");
    /* the escaping link is resolved inside the root, where it points at nothing */
    expect_id_error(f, "/bin/escape", "0",
                    "user \"/bin/escape\": not in the image's /etc/passwd, not a number, not a "
                    "path in the image: No such file or directory");
}

static void test_unknown_user_and_group(void **state)
{
    fixture *f = *state;
    expect_id_error(f, "nobody2", "app",
                    "user \"nobody2\": not in the image's /etc/passwd, not a number, not a path");
    expect_id_error(f, "app", "staff",
                    "group \"staff\": not in the image's /etc/group, not a number, not a path");
    expect_id_error(f, "app", "broken",
                    "group \"broken\": not in the image's /etc/group, not a number, not a path");
}

static void test_empty_user_or_group(void **state)
{
    fixture *f = *state;
    expect_id_error(f, "", "app", "user: must not be empty");
    expect_id_error(f, NULL, "app", "user: must not be empty");
    expect_id_error(f, "app", "", "group: must not be empty");
    orb_app_identity id;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_app_resolve_identity(f->rootfd, NULL, &id, &e), -1);
}

static void test_supplementary_gids(void **state)
{
    fixture *f = *state;
    int64_t gids[] = {10, 0, 4294967294LL};
    f->app->supplementary_gids = xmalloc(sizeof(gids));
    memcpy(f->app->supplementary_gids, gids, sizeof(gids));
    f->app->n_supplementary_gids = 3;
    orb_app_identity id;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_app_resolve_identity(f->rootfd, f->app, &id, &e), 0);
    assert_int_equal(id.n_groups, 3);
    assert_int_equal(id.groups[0], 10);
    assert_int_equal(id.groups[1], 0);
    assert_int_equal(id.groups[2], 4294967294u);
    orb_app_identity_clear(&id);
    assert_null(id.groups);

    int64_t bad[] = {-1, 4294967295LL};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        f->app->supplementary_gids[1] = bad[i];
        _cleanup_error_ orb_error *e2 = NULL;
        assert_int_equal(orb_app_resolve_identity(f->rootfd, f->app, &id, &e2), -1);
        _cleanup_free_ char *want =
            xasprintf("supplementaryGIDs[1]: %lld is not a valid group id", (long long)bad[i]);
        assert_string_equal(e2->msg, want);
    }
}

/* A second root whose etc/passwd is a symlink; returns its fd. */
static int link_root(fixture *f, const char *name, const char *target)
{
    _cleanup_free_ char *dir = xasprintf("%s/%s", f->top, name);
    assert_int_equal(mkdir(dir, 0755), 0);
    mkdirs(dir, "etc");
    mkdirs(dir, "data");
    link_at(dir, "etc/passwd", target);
    put(dir, "data/passwd", "lnk:x:77:77::/:/bin/sh\n", 0644);
    put(dir, "hostpasswd", "evil:x:111:111::/:/bin/sh\n", 0644);
    int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(fd >= 0);
    return fd;
}

static void test_passwd_symlink_stays_inside(void **state)
{
    fixture *f = *state;
    /* outside the root, beside it: must never be read */
    put(f->top, "hostpasswd", "evil:x:666:666::/:/bin/sh\n", 0644);
    _cleanup_close_ int abs_fd = link_root(f, "abs", "/data/passwd");
    _cleanup_close_ int up_fd = link_root(f, "up", "../../../../../../../../hostpasswd");
    orb_app_identity id;
    set_ids(f->app, "lnk", "0");
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_app_resolve_identity(abs_fd, f->app, &id, &e), 0);
    assert_int_equal(id.uid, 77);
    orb_app_identity_clear(&id);
    set_ids(f->app, "evil", "0");
    assert_int_equal(orb_app_resolve_identity(up_fd, f->app, &id, &e), 0);
    assert_int_equal(id.uid, 111); /* root/hostpasswd, not the one beside the root */
    orb_app_identity_clear(&id);
}

static void test_no_passwd(void **state)
{
    fixture *f = *state;
    _cleanup_free_ char *path = xasprintf("%s/etc/passwd", f->root);
    assert_int_equal(unlink(path), 0);
    expect_ids(f, "0", "app", 0, 1000);
    expect_id_error(f, "root", "app",
                    "user \"root\": not in the image's /etc/passwd, not a number, not a path");
}

static void expect_env(char **env, const char *const *want)
{
    size_t n = 0;
    for (; want[n]; n++) {
        assert_non_null(env[n]);
        assert_string_equal(env[n], want[n]);
    }
    assert_null(env[n]);
}

static void test_env_defaults(void **state)
{
    fixture *f = *state;
    _cleanup_strv_ char **env = orb_app_environment("web", f->app, NULL);
    const char *want[] = {"PATH=" ORB_DEFAULT_PATH, "AC_APP_NAME=web", "container=orbit", NULL};
    expect_env(env, want);
    _cleanup_strv_ char **env2 = orb_app_environment("web", NULL, "http://169.254.1.1/x");
    const char *want2[] = {"PATH=" ORB_DEFAULT_PATH, "AC_APP_NAME=web",
                           "AC_METADATA_URL=http://169.254.1.1/x", "container=orbit", NULL};
    expect_env(env2, want2);
}

static void test_env_order_and_replacement(void **state)
{
    fixture *f = *state;
    orb_kv_set(&f->app->environment, "B", "1");
    orb_kv_set(&f->app->environment, "A", "2");
    orb_kv_set(&f->app->environment, "PATH", "/opt/bin:/bin");
    orb_kv_set(&f->app->environment, "container", "mine");
    orb_kv_set(&f->app->environment, "EMPTY", "");
    _cleanup_strv_ char **env = orb_app_environment("web", f->app, NULL);
    const char *want[] = {
        "PATH=/opt/bin:/bin", "AC_APP_NAME=web", "container=mine", "B=1", "A=2", "EMPTY=", NULL};
    expect_env(env, want);
}

static void expect_program(fixture *f, const char *program, char *const *env, const char *want)
{
    _cleanup_free_ char *found = NULL;
    _cleanup_error_ orb_error *e = NULL;
    if (orb_app_find_program(f->rootfd, program, env, &found, &e) < 0)
        fail_msg("%s: %s", program, e->msg);
    assert_string_equal(found, want);
}

static void expect_program_error(fixture *f, const char *program, char *const *env, int errnum,
                                 const char *msg)
{
    _cleanup_free_ char *found = NULL;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_app_find_program(f->rootfd, program, env, &found, &e), -1);
    assert_null(found);
    assert_int_equal(e->errnum, errnum);
    assert_string_equal(e->msg, msg);
}

static void test_program_absolute(void **state)
{
    fixture *f = *state;
    expect_program(f, "/bin/busybox", NULL, "/bin/busybox");
    expect_program(f, "/bin/sh", NULL, "/bin/sh");   /* relative link */
    expect_program(f, "/bin/ash", NULL, "/bin/ash"); /* absolute link, inside the root */
    expect_program_error(f, "/bin/noexec", NULL, EACCES, "\"/bin/noexec\": not executable");
    expect_program_error(f, "/bin", NULL, EACCES, "\"/bin\": not executable");
    expect_program_error(f, "/bin/nope", NULL, ENOENT,
                         "program \"/bin/nope\": does not exist in the image");
    expect_program_error(f, "/file/x", NULL, ENOENT,
                         "program \"/file/x\": does not exist in the image");
    /* exists outside the root only */
    expect_program_error(f, "/bin/escape", NULL, ENOENT,
                         "program \"/bin/escape\": does not exist in the image");
}

static void test_program_bare(void **state)
{
    fixture *f = *state;
    expect_program(f, "tool", NULL, "/usr/bin/tool");
    expect_program(f, "sh", NULL, "/bin/sh");
    char *env[] = {"A=1", "PATH=relative:/opt/bin/:/usr/bin", NULL};
    expect_program(f, "tool", env, "/opt/bin/tool");
    expect_program_error(f, "nope", NULL, ENOENT,
                         "program \"nope\": not found in " ORB_DEFAULT_PATH);
    char *env2[] = {"PATH=/opt/bin", NULL};
    expect_program_error(f, "sh", env2, ENOENT, "program \"sh\": not found in /opt/bin");
    expect_program_error(f, "noexec", NULL, EACCES, "\"/bin/noexec\": not executable");
    expect_program_error(f, "escape", NULL, ENOENT,
                         "program \"escape\": not found in " ORB_DEFAULT_PATH);
}

static void test_program_relative_with_slash(void **state)
{
    fixture *f = *state;
    expect_program_error(f, "bin/sh", NULL, EINVAL,
                         "program \"bin/sh\": exec must be absolute or a bare name");
    expect_program_error(f, "./sh", NULL, EINVAL,
                         "program \"./sh\": exec must be absolute or a bare name");
    expect_program_error(f, "", NULL, EINVAL, "exec: no program given");
}

static void expect_wd(fixture *f, const char *dir, const char *msg)
{
    _cleanup_error_ orb_error *e = NULL;
    int r = orb_app_check_working_dir(f->rootfd, dir, &e);
    if (!msg) {
        if (r < 0)
            fail_msg("%s: %s", dir, e->msg);
        return;
    }
    assert_int_equal(r, -1);
    assert_string_equal(e->msg, msg);
}

static void test_working_dir(void **state)
{
    fixture *f = *state;
    expect_wd(f, NULL, NULL);
    expect_wd(f, "/", NULL);
    expect_wd(f, "/work", NULL);
    expect_wd(f, "/lnk", NULL);
    expect_wd(f, "/usr/bin/", NULL);
    expect_wd(f, "/nope", "working directory /nope: does not exist in the image");
    expect_wd(f, "/file/sub", "working directory /file/sub: does not exist in the image");
    expect_wd(f, "/file", "working directory /file: not a directory");
    expect_wd(f, "work", "working directory work: must be an absolute path");
}

/* ---- the pod's etc files ------------------------------------------------ */

static orb_pod *fake_pod(fixture *f)
{
    orb_pod *p = xcalloc(1, sizeof(*p));
    strcpy(p->uuid, "0123abcd-4567-89ef-0123-456789abcdef");
    p->dir = xasprintf("%s/pod", f->top);
    assert_int_equal(mkdir(p->dir, 0755), 0);
    p->lock_fd = -1;
    p->dir_fd = open(p->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    p->state = ORB_POD_RUNNING;
    return p;
}

static void free_fake_pod(orb_pod *p)
{
    close(p->dir_fd);
    free(p->dir);
    free(p);
}

/* NULL when the file is missing. */
static char *pod_file(orb_pod *p, const char *name)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", p->dir, name);
    char *buf = NULL;
    size_t len;
    _cleanup_error_ orb_error *e = NULL;
    if (orb_read_file(path, 1 << 20, &buf, &len, &e) < 0) {
        assert_int_equal(e->errnum, ENOENT);
        return NULL;
    }
    return buf;
}

static void expect_pod_file(orb_pod *p, const char *name, const char *want)
{
    _cleanup_free_ char *got = pod_file(p, name);
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
}

/* The host's file, or NULL when it has none. */
static char *host_file(const char *path)
{
    char *buf = NULL;
    size_t len;
    _cleanup_error_ orb_error *e = NULL;
    return orb_read_file(path, 1 << 20, &buf, &len, &e) < 0 ? NULL : buf;
}

static int write_etc(orb_pod *p, orb_run_options *o, const char *msg)
{
    _cleanup_error_ orb_error *e = NULL;
    int r = orb_pod_write_etc(p, o, &e);
    if (msg) {
        assert_int_equal(r, -1);
        assert_string_equal(e->msg, msg);
    } else if (r < 0) {
        fail_msg("%s", e->msg);
    }
    return r;
}

#define DEFAULT_HOSTS(name)                                                                        \
    "127.0.0.1\tlocalhost localhost.localdomain " name "\n"                                        \
    "::1\tlocalhost localhost.localdomain ip6-localhost ip6-loopback\n"

static void test_etc_defaults(void **state)
{
    fixture *f = *state;
    orb_pod *p = fake_pod(f);
    orb_run_options o = {0};
    write_etc(p, &o, NULL);
    expect_pod_file(p, "hostname", "orbit-0123abcd\n");
    expect_pod_file(p, "hosts", NULL); /* the image's own /etc/hosts stays */
    expect_pod_file(p, "hosts.default", DEFAULT_HOSTS("orbit-0123abcd"));
    expect_pod_file(p, "resolv.conf", NULL);
    write_etc(p, NULL, NULL);
    expect_pod_file(p, "hostname", "orbit-0123abcd\n");
    free_fake_pod(p);
}

static void test_etc_hostname(void **state)
{
    fixture *f = *state;
    orb_pod *p = fake_pod(f);
    orb_run_options o = {.hostname = "web-1.example"};
    write_etc(p, &o, NULL);
    expect_pod_file(p, "hostname", "web-1.example\n");
    expect_pod_file(p, "hosts.default", DEFAULT_HOSTS("web-1.example"));
    const char *bad[] = {"a b", "-x", "x\n127.0.0.1 evil", "a_b"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        o.hostname = bad[i];
        _cleanup_free_ char *msg = xasprintf("hostname \"%s\": not a valid host name", bad[i]);
        write_etc(p, &o, msg);
    }
    free_fake_pod(p);
}

static void test_etc_hosts_entries(void **state)
{
    fixture *f = *state;
    orb_pod *p = fake_pod(f);
    char *entries[] = {"10.0.0.1=db", "10.0.0.2=cache,10.0.0.1=db.local", "fd00::1=v6", NULL};
    orb_run_options o = {.hosts_entries = entries};
    write_etc(p, &o, NULL);
    expect_pod_file(p, "hosts",
                    DEFAULT_HOSTS("orbit-0123abcd") "10.0.0.1\tdb db.local\n"
                                                    "10.0.0.2\tcache\n"
                                                    "fd00::1\tv6\n");
    expect_pod_file(p, "hosts.default", DEFAULT_HOSTS("orbit-0123abcd"));
    /* a later run without entries does not keep a stale file */
    o.hosts_entries = NULL;
    write_etc(p, &o, NULL);
    expect_pod_file(p, "hosts", NULL);

    const char *bad[] = {"db", "10.0.0.300=db", "10.0.0.1=", "=db", "10.0.0.1=a b"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *one[] = {(char *)bad[i], NULL};
        o.hosts_entries = one;
        _cleanup_free_ char *msg =
            xasprintf("hosts entry \"%s\": want IP=HOSTNAME (or \"host\")", bad[i]);
        write_etc(p, &o, msg);
    }
    char *mixed[] = {"host", "10.0.0.1=db", NULL};
    o.hosts_entries = mixed;
    write_etc(p, &o, "--hosts-entry host: cannot be combined with other entries");
    free_fake_pod(p);
}

static void test_etc_hosts_from_host(void **state)
{
    fixture *f = *state;
    _cleanup_free_ char *host = host_file("/etc/hosts");
    if (!host)
        skip();
    orb_pod *p = fake_pod(f);
    char *entries[] = {"host", NULL};
    orb_run_options o = {.hosts_entries = entries};
    write_etc(p, &o, NULL);
    expect_pod_file(p, "hosts", host);
    free_fake_pod(p);
}

static void test_etc_dns_servers(void **state)
{
    fixture *f = *state;
    orb_pod *p = fake_pod(f);
    char *dns[] = {"8.8.8.8", "2001:4860:4860::8888", NULL};
    char *search[] = {"example.com", "corp", NULL};
    char *opts[] = {"ndots:2", "rotate", NULL};
    orb_run_options o = {.dns = dns, .dns_search = search, .dns_opt = opts};
    write_etc(p, &o, NULL);
    expect_pod_file(p, "resolv.conf",
                    "nameserver 8.8.8.8\n"
                    "nameserver 2001:4860:4860::8888\n"
                    "search example.com corp\n"
                    "options ndots:2 rotate\n");
    orb_run_options o2 = {.dns_search = search};
    write_etc(p, &o2, NULL);
    expect_pod_file(p, "resolv.conf", "search example.com corp\n");
    char *bad_dns[] = {"dns.google", NULL};
    orb_run_options o3 = {.dns = bad_dns};
    write_etc(p, &o3, "--dns \"dns.google\": not an IP address");
    char *bad_search[] = {"a b", NULL};
    orb_run_options o4 = {.dns = dns, .dns_search = bad_search};
    write_etc(p, &o4, "--dns-search \"a b\": not a single word");
    free_fake_pod(p);
}

static void test_etc_dns_none_and_host(void **state)
{
    fixture *f = *state;
    orb_pod *p = fake_pod(f);
    char *servers[] = {"1.1.1.1", NULL};
    orb_run_options o = {.dns = servers};
    write_etc(p, &o, NULL);
    char *none[] = {"none", NULL};
    o.dns = none;
    write_etc(p, &o, NULL);
    expect_pod_file(p, "resolv.conf", NULL); /* the image's own file stays */
    char *host_dns[] = {"host", NULL};
    o.dns = host_dns;
    _cleanup_free_ char *host = host_file("/etc/resolv.conf");
    if (host) {
        write_etc(p, &o, NULL);
        expect_pod_file(p, "resolv.conf", host);
    }
    char *mixed[] = {"host", "1.1.1.1", NULL};
    o.dns = mixed;
    write_etc(p, &o, "--dns host: cannot be combined with other --dns* options");
    char *search[] = {"x", NULL};
    orb_run_options o2 = {.dns = none, .dns_search = search};
    write_etc(p, &o2, "--dns none: cannot be combined with other --dns* options");
    free_fake_pod(p);
}

/* Kernels without openat2: the walk refuses every symlink, plain paths work. */
static void test_fallback_walk(void **state)
{
    fixture *f = *state;
    orb_path_force_fallback(true);
    expect_ids(f, "app", "/bin/x", 1000, 5678);
    expect_program(f, "/bin/busybox", NULL, "/bin/busybox");
    expect_program(f, "tool", NULL, "/usr/bin/tool");
    expect_wd(f, "/work", NULL);
    expect_program_error(f, "/bin/escape", NULL, ELOOP,
                         "program \"/bin/escape\": Too many levels of symbolic links");
    expect_wd(f, "/lnk", "working directory /lnk: Too many levels of symbolic links");
    expect_id_error(f, "/bin/sh", "0",
                    "user \"/bin/sh\": not in the image's /etc/passwd, not a number, not a path "
                    "in the image: Too many levels of symbolic links");
    orb_path_force_fallback(false);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_user_from_passwd),
        T(test_name_before_number),
        T(test_numeric_ids),
        T(test_path_owner),
        T(test_unknown_user_and_group),
        T(test_empty_user_or_group),
        T(test_supplementary_gids),
        T(test_passwd_symlink_stays_inside),
        T(test_no_passwd),
        T(test_env_defaults),
        T(test_env_order_and_replacement),
        T(test_program_absolute),
        T(test_program_bare),
        T(test_program_relative_with_slash),
        T(test_working_dir),
        T(test_fallback_walk),
        T(test_etc_defaults),
        T(test_etc_hostname),
        T(test_etc_hosts_entries),
        T(test_etc_hosts_from_host),
        T(test_etc_dns_servers),
        T(test_etc_dns_none_and_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
