/* Unit tests for the util layer: errors, string vectors, problems, files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/problems.h"
#include "util/strv.h"

static void error_wrap_chains_context(void **state)
{
    (void)state;
    orb_error *err = NULL;
    assert_int_equal(orb_err(&err, ENOENT, "no key for %s", "example.com"), -1);
    assert_int_equal(orb_err_wrap(&err, "verify %s", "signature"), -1);
    assert_int_equal(orb_err_wrap(&err, "fetch"), -1);
    assert_string_equal(err->msg, "fetch: verify signature: no key for example.com");
    assert_int_equal(err->errnum, ENOENT);
    /* a second error does not overwrite the first cause */
    orb_err(&err, EIO, "later");
    assert_string_equal(err->msg, "fetch: verify signature: no key for example.com");
    orb_error_free(err);
}

static void error_sys_appends_strerror(void **state)
{
    (void)state;
    _cleanup_error_ orb_error *err = NULL;
    orb_err_sys(&err, ENOENT, "open %s", "/x");
    assert_string_equal(err->msg, "open /x: No such file or directory");
}

static void strv_split_join_round_trip(void **state)
{
    (void)state;
    _cleanup_strv_ char **v = strv_split("a::b:", ':');
    assert_int_equal(strv_length(v), 4);
    assert_string_equal(v[2], "b");
    assert_string_equal(v[3], "");
    _cleanup_free_ char *j = strv_join(v, ":");
    assert_string_equal(j, "a::b:");
    assert_true(strv_contains(v, "b"));
    assert_false(strv_contains(v, "c"));
    _cleanup_strv_ char **c = strv_copy(v);
    assert_true(strv_equal(v, c));
    strv_sort(c);
    assert_string_equal(c[0], "");
}

static void problems_fold_into_one_error(void **state)
{
    (void)state;
    orb_problems p = {0};
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_problems_to_error(&p, "manifest", &err), 0);
    orb_problem_add(&p, "name: must not be empty");
    orb_problem_add(&p, "app.user: is required");
    assert_int_equal(orb_problems_to_error(&p, "manifest", &err), -1);
    assert_string_equal(err->msg, "manifest: name: must not be empty; app.user: is required");
    orb_problems_clear(&p);
    assert_int_equal(p.n, 0);
}

static void problems_are_capped_and_counted(void **state)
{
    (void)state;
    orb_problems p = {0}, all = {0};
    for (int i = 0; i < ORB_PROBLEMS_MAX + 50; i++)
        orb_problem_add(&p, "entry %d: bad", i);
    assert_int_equal(p.n, ORB_PROBLEMS_MAX);
    assert_int_equal(p.dropped, 50);
    assert_null(p.items[p.n]);
    orb_problem_add(&all, "first");
    orb_problems_append(&all, &p, "inner: ");
    assert_int_equal(all.n, ORB_PROBLEMS_MAX);
    assert_int_equal(all.dropped, 51);
    assert_string_equal(all.items[1], "inner: entry 0: bad");
    _cleanup_error_ orb_error *err = NULL;
    orb_problems_to_error(&all, "x", &err);
    assert_non_null(strstr(err->msg, "; and 51 more problems"));
    orb_problems_clear(&p);
    orb_problems_clear(&all);
}

static char *temp_dir(void)
{
    char *d = xstrdup("/tmp/orbit-unit-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void output_is_atomic_and_respects_overwrite(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = temp_dir();
    _cleanup_free_ char *path = xasprintf("%s/out", dir);
    _cleanup_error_ orb_error *err = NULL;
    orb_output out;
    assert_int_equal(orb_output_open(&out, path, false, 0644, &err), 0);
    assert_int_equal(orb_write_all(out.fd, "hello", 5), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), -1); /* not visible before commit */
    assert_int_equal(orb_output_commit(&out, &err), 0);
    orb_output_discard(&out);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 5);

    assert_int_equal(orb_output_open(&out, path, false, 0644, &err), -1);
    assert_non_null(strstr(err->msg, "already exists"));
    orb_error_freep(&err);

    /* a discarded output leaves nothing behind */
    assert_int_equal(orb_output_open(&out, path, true, 0644, &err), 0);
    _cleanup_free_ char *tmp = xstrdup(out.tmp_path);
    orb_output_discard(&out);
    assert_int_equal(stat(tmp, &st), -1);
    unlink(path);
    rmdir(dir);
}

static void output_missing_directory_is_named(void **state)
{
    (void)state;
    _cleanup_error_ orb_error *err = NULL;
    orb_output out;
    assert_int_equal(orb_output_open(&out, "/nonexistent-orbit/x.aci", false, 0644, &err), -1);
    assert_non_null(strstr(err->msg, "/nonexistent-orbit"));
}

static void read_file_enforces_limit(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = temp_dir();
    _cleanup_free_ char *path = xasprintf("%s/f", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(orb_write_all(fd, "0123456789", 10), 0);
    close(fd);
    _cleanup_error_ orb_error *err = NULL;
    _cleanup_free_ char *buf = NULL;
    size_t len;
    assert_int_equal(orb_read_file(path, 10, &buf, &len, &err), 0);
    assert_int_equal(len, 10);
    assert_string_equal(buf, "0123456789");
    free(TAKE_PTR(buf));
    assert_int_equal(orb_read_file(path, 9, &buf, &len, &err), -1);
    assert_non_null(strstr(err->msg, "limit"));
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_wrap_chains_context),
        cmocka_unit_test(error_sys_appends_strerror),
        cmocka_unit_test(strv_split_join_round_trip),
        cmocka_unit_test(problems_fold_into_one_error),
        cmocka_unit_test(problems_are_capped_and_counted),
        cmocka_unit_test(output_is_atomic_and_respects_overwrite),
        cmocka_unit_test(output_missing_directory_is_named),
        cmocka_unit_test(read_file_enforces_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
