/* Unit tests for the executor's pure parts: bounded logs with rotation, the
 * output line prefixer, the supervisor's setup report, the apps handed over
 * to orbit-init, process start times.
 * Running pods is covered by the integration tests. */
/* cmocka.h needs these before it */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/logs.h"
#include "exec/supervisor.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"

typedef struct fixture {
    char dir[64];
    char *log;
    char *log1;
} fixture;

static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof(*f));
    strcpy(f->dir, "/tmp/orbit-test-exec-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->log = xasprintf("%s/log", f->dir);
    f->log1 = xasprintf("%s/log.1", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unlink(f->log);
    unlink(f->log1);
    rmdir(f->dir);
    free(f->log);
    free(f->log1);
    free(f);
    return 0;
}

static char *slurp(const char *path)
{
    char *buf = NULL;
    size_t len;
    orb_error *e = NULL;
    if (orb_read_file(path, 1 << 20, &buf, &len, &e) < 0) {
        orb_error_free(e);
        return NULL;
    }
    return buf;
}

static void log_appends_below_limit(void **state)
{
    fixture *f = *state;
    orb_app_log l;
    assert_int_equal(orb_app_log_open(&l, f->log, 10, NULL), 0);
    assert_int_equal(orb_app_log_write(&l, "abc", 3, NULL), 0);
    assert_int_equal(orb_app_log_write(&l, "def", 3, NULL), 0);
    orb_app_log_close(&l);
    _cleanup_free_ char *text = slurp(f->log);
    assert_string_equal(text, "abcdef");
    assert_int_equal(access(f->log1, F_OK), -1);
}

static void log_rotates_at_limit(void **state)
{
    fixture *f = *state;
    orb_app_log l;
    assert_int_equal(orb_app_log_open(&l, f->log, 10, NULL), 0);
    assert_int_equal(orb_app_log_write(&l, "0123456", 7, NULL), 0);
    assert_int_equal(orb_app_log_write(&l, "789abcd", 7, NULL), 0);
    orb_app_log_close(&l);
    _cleanup_free_ char *old = slurp(f->log1);
    _cleanup_free_ char *cur = slurp(f->log);
    assert_string_equal(old, "0123456789");
    assert_string_equal(cur, "abcd");
}

static void log_big_write_keeps_two_files_bounded(void **state)
{
    fixture *f = *state;
    orb_app_log l;
    assert_int_equal(orb_app_log_open(&l, f->log, 4, NULL), 0);
    assert_int_equal(orb_app_log_write(&l, "aaaabbbbccccdd", 14, NULL), 0);
    orb_app_log_close(&l);
    _cleanup_free_ char *old = slurp(f->log1);
    _cleanup_free_ char *cur = slurp(f->log);
    assert_string_equal(old, "cccc");
    assert_string_equal(cur, "dd");
}

static void log_reopen_counts_existing_size(void **state)
{
    fixture *f = *state;
    orb_app_log l;
    assert_int_equal(orb_app_log_open(&l, f->log, 6, NULL), 0);
    assert_int_equal(orb_app_log_write(&l, "abcd", 4, NULL), 0);
    orb_app_log_close(&l);
    assert_int_equal(orb_app_log_open(&l, f->log, 6, NULL), 0);
    assert_int_equal(l.size, 4);
    assert_int_equal(orb_app_log_write(&l, "efgh", 4, NULL), 0);
    orb_app_log_close(&l);
    _cleanup_free_ char *old = slurp(f->log1);
    _cleanup_free_ char *cur = slurp(f->log);
    assert_string_equal(old, "abcdef");
    assert_string_equal(cur, "gh");
}

static void log_open_missing_dir_is_named(void **state)
{
    fixture *f = *state;
    orb_app_log l;
    orb_error *e = NULL;
    _cleanup_free_ char *path = xasprintf("%s/nope/log", f->dir);
    assert_int_equal(orb_app_log_open(&l, path, 10, &e), -1);
    assert_int_equal(e->errnum, ENOENT);
    assert_non_null(strstr(e->msg, "nope/log"));
    orb_error_free(e);
}

static char *prefix(orb_line_prefixer *lp, const char *in)
{
    char *out;
    size_t len;
    orb_prefix_lines(lp, in, strlen(in), &out, &len);
    assert_int_equal(len, strlen(out));
    return out;
}

static void prefix_full_lines(void **state)
{
    (void)state;
    orb_line_prefixer lp = {.prefix = "web: "};
    _cleanup_free_ char *out = prefix(&lp, "a\nb\n");
    assert_string_equal(out, "web: a\nweb: b\n");
    assert_false(lp.mid_line);
}

static void prefix_partial_lines_once(void **state)
{
    (void)state;
    orb_line_prefixer lp = {.prefix = "db: "};
    _cleanup_free_ char *a = prefix(&lp, "hel");
    _cleanup_free_ char *b = prefix(&lp, "lo\nwor");
    _cleanup_free_ char *c = prefix(&lp, "ld\n");
    assert_string_equal(a, "db: hel");
    assert_string_equal(b, "lo\ndb: wor");
    assert_string_equal(c, "ld\n");
    assert_false(lp.mid_line);
}

static void prefix_empty_lines_and_input(void **state)
{
    (void)state;
    orb_line_prefixer lp = {.prefix = "x: "};
    _cleanup_free_ char *a = prefix(&lp, "");
    _cleanup_free_ char *b = prefix(&lp, "\n\n");
    assert_string_equal(a, "");
    assert_false(lp.mid_line);
    assert_string_equal(b, "x: \nx: \n");
}

static void prefix_none_copies(void **state)
{
    (void)state;
    orb_line_prefixer lp = {.prefix = NULL};
    _cleanup_free_ char *a = prefix(&lp, "a\nb");
    assert_string_equal(a, "a\nb");
    assert_true(lp.mid_line);
}

static void sync_success_round_trips(void **state)
{
    (void)state;
    char buf[ORB_SYNC_BUF_SIZE];
    orb_error *got = NULL, *e = NULL;
    size_t n = orb_sync_encode(NULL, buf);
    assert_int_equal(n, 8);
    assert_int_equal(orb_sync_decode(buf, n, &got, &e), 0);
    assert_null(got);
    assert_null(e);
}

static void sync_error_round_trips(void **state)
{
    (void)state;
    char buf[ORB_SYNC_BUF_SIZE];
    orb_error *sent = NULL, *got = NULL, *e = NULL;
    orb_err(&sent, ENOENT, "app web: exec: \"/bin/nope\": not found");
    size_t n = orb_sync_encode(sent, buf);
    assert_int_equal(orb_sync_decode(buf, n, &got, &e), 1);
    assert_int_equal(got->errnum, ENOENT);
    assert_string_equal(got->msg, sent->msg);
    orb_error_free(sent);
    orb_error_free(got);
}

static void sync_error_without_errno_still_fails(void **state)
{
    (void)state;
    char buf[ORB_SYNC_BUF_SIZE];
    orb_error *sent = NULL, *got = NULL, *e = NULL;
    orb_err(&sent, 0, "app a: user \"nobody2\": unknown");
    size_t n = orb_sync_encode(sent, buf);
    assert_int_equal(orb_sync_decode(buf, n, &got, &e), 1);
    assert_int_equal(got->errnum, 0);
    assert_string_equal(got->msg, "app a: user \"nobody2\": unknown");
    orb_error_free(sent);
    orb_error_free(got);
}

static void sync_long_message_is_cut(void **state)
{
    (void)state;
    char buf[ORB_SYNC_BUF_SIZE];
    orb_error *sent = NULL, *got = NULL, *e = NULL;
    _cleanup_free_ char *longmsg = xmalloc(ORB_SYNC_MSG_MAX * 2 + 1);
    memset(longmsg, 'x', ORB_SYNC_MSG_MAX * 2);
    longmsg[ORB_SYNC_MSG_MAX * 2] = '\0';
    orb_err(&sent, EIO, "%s", longmsg);
    size_t n = orb_sync_encode(sent, buf);
    assert_int_equal(n, ORB_SYNC_BUF_SIZE);
    assert_true(n <= 4096); /* one atomic pipe write */
    assert_int_equal(orb_sync_decode(buf, n, &got, &e), 1);
    assert_int_equal(strlen(got->msg), ORB_SYNC_MSG_MAX);
    orb_error_free(sent);
    orb_error_free(got);
}

static void sync_rejects_malformed(void **state)
{
    (void)state;
    char buf[ORB_SYNC_BUF_SIZE];
    orb_error *sent = NULL, *got = NULL, *e = NULL;
    orb_err(&sent, EIO, "boom");
    size_t n = orb_sync_encode(sent, buf);
    assert_int_equal(orb_sync_decode(buf, 3, &got, &e), -1);
    assert_non_null(strstr(e->msg, "short"));
    orb_error_free(e), e = NULL;
    assert_int_equal(orb_sync_decode(buf, n - 1, &got, &e), -1);
    assert_non_null(strstr(e->msg, "malformed"));
    assert_null(got);
    orb_error_free(e);
    orb_error_free(sent);
}

static void starttime_of_self_and_missing(void **state)
{
    (void)state;
    uint64_t a = 0, b = 0;
    orb_error *e = NULL;
    assert_int_equal(orb_proc_starttime(getpid(), &a, NULL), 0);
    assert_int_equal(orb_proc_starttime(getpid(), &b, NULL), 0);
    assert_true(a > 0);
    assert_int_equal(a, b);
    assert_int_equal(orb_proc_starttime(0x3fffffff, &a, &e), -1);
    assert_non_null(strstr(e->msg, "process"));
    orb_error_free(e);
}

/* Two apps with every field set (one with handlers and groups, one without),
 * as setup.c hands them over. */
static void handoff_sample(orb_sv *s)
{
    static char *env[] = {"PATH=/bin", "AC_APP_NAME=web", NULL};
    static char *argv[] = {"/bin/web", "--port", "", NULL};
    static char *pre[] = {"/bin/pre", NULL};
    static gid_t groups[] = {10, 20, 4294967294u};

    *s = (orb_sv){.sigfd = -1,
                  .console_fd = -1,
                  .console_peer_fd = -1,
                  .interactive = false,
                  .stop_on_failure = true,
                  .prefix_output = true,
                  .n = 2};
    s->p = xcalloc(1, sizeof(*s->p));
    strcpy(s->p->uuid, "0b2d9f0e-5c7c-4b4e-9d5a-3c1e0f6a7b8c");
    s->p->dir = xstrdup("/var/lib/orbit/pods/run/0b2d9f0e");
    s->p->lock_fd = s->p->dir_fd = -1;
    s->apps = xcalloc(2, sizeof(*s->apps));
    for (size_t i = 0; i < 2; i++) {
        orb_sv_app *a = &s->apps[i];
        a->name = xstrdup(i ? "db" : "web");
        a->rootfs = xasprintf("%s/apps/%s/rootfs", s->p->dir, a->name);
        a->dir = xasprintf("apps/%s", a->name);
        a->id.uid = i ? 0 : 1000, a->id.gid = i ? 0 : 1001;
        a->caps = i ? 0 : 0xa80425fbULL;
        a->no_new_privileges = i == 0;
        a->env = strv_copy(env);
        a->workdir = xstrdup(i ? "/" : "/srv");
        a->main.program = xstrdup(argv[0]);
        a->main.argv = strv_copy(argv);
        a->log = (orb_app_log){.fd = 7 + (int)i, .path = xstrdup("/x/log"), .size = 12, .max = 99};
    }
    s->apps[0].id.groups = xmalloc(sizeof(groups));
    memcpy(s->apps[0].id.groups, groups, sizeof(groups));
    s->apps[0].id.n_groups = 3;
    s->apps[0].pre_start.program = xstrdup("/bin/pre");
    s->apps[0].pre_start.argv = strv_copy(pre);
}

static void handoff_free(orb_sv *s)
{
    for (size_t i = 0; i < s->n; i++)
        s->apps[i].log.fd = -1; /* made-up fds: not ours to close */
    s->console_fd = s->console_peer_fd = -1;
    orb_pod_free(s->p);
    orb_sv_free(s);
}

static int memfd_with(const void *buf, size_t len)
{
    int fd = memfd_create("handoff-test", MFD_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(orb_write_all(fd, buf, len), 0);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

/* The bytes setup.c would write for s. */
static char *handoff_bytes(const orb_sv *s, size_t *len)
{
    int fd = memfd_with("", 0);
    char *buf = NULL;
    assert_int_equal(orb_sv_handoff_write(s, fd, NULL), 0);
    assert_int_equal(orb_read_fd(fd, "handoff", 1 << 20, &buf, len, NULL), 0);
    close(fd);
    return buf;
}

static void handoff_round_trips(void **state)
{
    (void)state;
    orb_sv in, out;
    size_t len;
    handoff_sample(&in);
    _cleanup_free_ char *buf = handoff_bytes(&in, &len);
    int fd = memfd_with(buf, len);

    assert_int_equal(orb_sv_handoff_read(fd, &out, NULL), 0);
    close(fd);
    assert_string_equal(out.p->uuid, in.p->uuid);
    assert_string_equal(out.p->dir, in.p->dir);
    assert_false(out.interactive);
    assert_true(out.stop_on_failure && out.prefix_output);
    assert_int_equal(out.console_fd, -1);
    assert_int_equal(out.console_peer_fd, -1);
    assert_int_equal(out.n, 2);
    for (size_t i = 0; i < 2; i++) {
        orb_sv_app *a = &in.apps[i], *b = &out.apps[i];
        assert_string_equal(a->name, b->name);
        assert_string_equal(b->prefix, i ? "db: " : "web: ");
        assert_string_equal(a->rootfs, b->rootfs);
        assert_string_equal(a->dir, b->dir);
        assert_int_equal(a->id.uid, b->id.uid);
        assert_int_equal(a->id.gid, b->id.gid);
        assert_int_equal(a->id.n_groups, b->id.n_groups);
        for (size_t g = 0; g < a->id.n_groups; g++)
            assert_int_equal(a->id.groups[g], b->id.groups[g]);
        assert_int_equal(a->caps, b->caps);
        assert_int_equal(a->no_new_privileges, b->no_new_privileges);
        assert_true(strv_equal(a->env, b->env));
        assert_string_equal(a->workdir, b->workdir);
        assert_string_equal(a->main.program, b->main.program);
        assert_true(strv_equal(a->main.argv, b->main.argv));
        assert_int_equal(a->log.fd, b->log.fd);
        assert_string_equal(a->log.path, b->log.path);
        assert_int_equal(a->log.size, b->log.size);
        assert_int_equal(a->log.max, b->log.max);
    }
    assert_string_equal(out.apps[0].pre_start.program, "/bin/pre");
    assert_null(out.apps[1].pre_start.program);
    assert_null(out.apps[0].post_stop.argv);
    handoff_free(&in);
    handoff_free(&out);
}

/* Every truncation, one byte flipped to 0xff at every offset and a trailing
 * byte: refused or read whole, never a crash, an unbounded allocation or a
 * leak (the ASan build checks the last two). */
static void handoff_rejects_damage(void **state)
{
    (void)state;
    orb_sv in, out;
    size_t len;
    handoff_sample(&in);
    _cleanup_free_ char *buf = handoff_bytes(&in, &len);
    _cleanup_free_ char *copy = xmalloc(len + 1);

    for (size_t cut = 0; cut < len; cut++) {
        int fd = memfd_with(buf, cut);
        orb_error *e = NULL;
        assert_int_equal(orb_sv_handoff_read(fd, &out, &e), -1);
        assert_int_equal(e->errnum, EINVAL);
        orb_error_free(e);
        close(fd);
    }
    for (size_t at = 0; at < len; at++) {
        memcpy(copy, buf, len);
        copy[at] = (char)0xff;
        int fd = memfd_with(copy, len);
        if (orb_sv_handoff_read(fd, &out, NULL) == 0)
            handoff_free(&out);
        close(fd);
    }
    memcpy(copy, buf, len);
    copy[len] = 'x';
    int fd = memfd_with(copy, len + 1);
    assert_int_equal(orb_sv_handoff_read(fd, &out, NULL), -1);
    close(fd);
    handoff_free(&in);
}

/* Writes n bytes of a pattern to k in chunks, as the supervisor would. */
static unsigned char *sink_feed(orb_sink *k, size_t n)
{
    unsigned char *data = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i * 7 + i / 4096);
    for (size_t off = 0; off < n; off += 65536)
        orb_sink_write(k, data + off, n - off < 65536 ? n - off : 65536);
    return data;
}

static void sink_never_blocks_on_a_reader_that_does_not_read(void **state)
{
    (void)state;
    int p[2];
    orb_sink k;
    size_t n = 3 * 1024 * 1024, got = 0;
    assert_int_equal(pipe(p), 0);
    size_t pipe_size = (size_t)fcntl(p[1], F_GETPIPE_SZ);

    orb_sink_open(&k, p[1]);
    assert_true(k.own);
    _cleanup_free_ unsigned char *data = sink_feed(&k, n); /* returns: nothing blocks */
    assert_true(orb_sink_pending(&k));
    assert_int_equal(k.dropped, n - pipe_size - ORB_SINK_MAX);
    /* the reader catches up: it gets a prefix of what was written, in order */
    _cleanup_free_ unsigned char *seen = xmalloc(n);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    for (;;) {
        ssize_t r = read(p[0], seen + got, n - got);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (!orb_sink_pending(&k))
            break;
        orb_sink_flush(&k);
    }
    assert_int_equal(got, pipe_size + ORB_SINK_MAX);
    assert_memory_equal(seen, data, got);
    assert_int_equal(orb_sink_close(&k, 0), n - got);
    close(p[0]);
    close(p[1]);
}

static void sink_discards_for_a_reader_that_left(void **state)
{
    (void)state;
    int p[2];
    orb_sink k;
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    orb_sink_open(&k, p[1]);
    free(sink_feed(&k, 300000));
    assert_false(orb_sink_pending(&k));
    assert_int_equal(orb_sink_close(&k, 1000), 0); /* gone, not slow: nothing to report */
    close(p[1]);
}

static void sink_writes_files_as_they_are(void **state)
{
    fixture *f = *state;
    orb_sink k;
    int fd = open(f->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "kept", 4), 4);
    orb_sink_open(&k, fd);
    assert_false(k.own); /* a file: never re-opened, so its offset and O_APPEND hold */
    orb_sink_write(&k, "+more", 5);
    assert_int_equal(orb_sink_close(&k, 0), 0);
    close(fd);
    char *text = NULL;
    size_t len;
    assert_int_equal(orb_read_file(f->log, 100, &text, &len, NULL), 0);
    assert_string_equal(text, "kept+more");
    free(text);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as in the supervisor */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(log_appends_below_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(log_rotates_at_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(log_big_write_keeps_two_files_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(log_reopen_counts_existing_size, setup, teardown),
        cmocka_unit_test_setup_teardown(log_open_missing_dir_is_named, setup, teardown),
        cmocka_unit_test(prefix_full_lines),
        cmocka_unit_test(prefix_partial_lines_once),
        cmocka_unit_test(prefix_empty_lines_and_input),
        cmocka_unit_test(prefix_none_copies),
        cmocka_unit_test(sync_success_round_trips),
        cmocka_unit_test(sync_error_round_trips),
        cmocka_unit_test(sync_error_without_errno_still_fails),
        cmocka_unit_test(sync_long_message_is_cut),
        cmocka_unit_test(sync_rejects_malformed),
        cmocka_unit_test(starttime_of_self_and_missing),
        cmocka_unit_test(handoff_round_trips),
        cmocka_unit_test(handoff_rejects_damage),
        cmocka_unit_test(sink_never_blocks_on_a_reader_that_does_not_read),
        cmocka_unit_test(sink_discards_for_a_reader_that_left),
        cmocka_unit_test_setup_teardown(sink_writes_files_as_they_are, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
