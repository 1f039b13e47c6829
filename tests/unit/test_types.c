/* Value types of spec/types.md: accept and reject vectors from
 * shared/reference/appc-rules.md §1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "schema/types.h"

typedef const char *(*checker)(const char *);

static void expect_all(checker f, const char *const *v, size_t n, bool ok)
{
    for (size_t i = 0; i < n; i++) {
        const char *why = f(v[i]);
        if ((why == NULL) != ok)
            fail_msg("\"%s\": expected %s, got %s", v[i], ok ? "accept" : "reject",
                     why ? why : "accept");
    }
}
#define ACCEPT(f, ...)                                                                             \
    do {                                                                                           \
        const char *const v_[] = {__VA_ARGS__};                                                    \
        expect_all(f, v_, sizeof v_ / sizeof v_[0], true);                                         \
    } while (0)
#define REJECT(f, ...)                                                                             \
    do {                                                                                           \
        const char *const v_[] = {__VA_ARGS__};                                                    \
        expect_all(f, v_, sizeof v_ / sizeof v_[0], false);                                        \
    } while (0)

static void test_ac_identifier_accept(void **state)
{
    (void)state;
    ACCEPT(orb_check_ac_identifier, "asdf", "foo-bar-baz", "zab_rab_oof", "database", "my~database",
           "example.com/database", "example.com/~bob/database", "example.com/ourapp-1.0.0",
           "sub-domain.example.com/org/product/release-1.0.0",
           "sub-domain.example.com/org/product/~alice/release-1.0.0", "example-ourapp-1-0-0");
}

static void test_ac_identifier_reject(void **state)
{
    (void)state;
    REJECT(orb_check_ac_identifier, "", "BAR", "Foo", "foo#", "EXAMPLE.com", "foo.com/BAR", "/app",
           "app/", "-app", "app-", ".app", "app.", "_app", "app_", "~app", "app~",
           "example.com/app#1", "~example.com/app1");
    assert_non_null(orb_check_ac_identifier(NULL));
}

/* The reference accepts internal separator runs; so do we (docs/conformance.md). */
static void test_ac_identifier_separator_runs(void **state)
{
    (void)state;
    ACCEPT(orb_check_ac_identifier, "a--b", "a..b", "a/-b", "a//b");
}

static void test_ac_name(void **state)
{
    (void)state;
    ACCEPT(orb_check_ac_name, "asdf", "foo-bar-baz", "database", "example-ourapp-1-0-0", "a--b");
    REJECT(orb_check_ac_name, "", "foo#", "example.com", "EXAMPLE.com", "example/database",
           "example/database-1.0.0", "foo.com/BAR", "example.com/app_1", "/app", "app/", "-app",
           "app-", ".app", "app.", "Foo");
}

static void test_ac_name_reasons(void **state)
{
    (void)state;
    assert_string_equal(orb_check_ac_name(""), "cannot be empty");
    assert_string_equal(orb_check_ac_name("-a"), "must not start with '-'");
    assert_string_equal(orb_check_ac_name("a-"), "must not end with '-'");
}

static void test_ac_kind(void **state)
{
    (void)state;
    assert_null(orb_check_ac_kind("ImageManifest", "ImageManifest"));
    assert_null(orb_check_ac_kind("PodManifest", "PodManifest"));
    assert_null(orb_check_ac_kind("PodManifest", NULL));
    assert_non_null(orb_check_ac_kind("PodManifest", "ImageManifest"));
    assert_non_null(orb_check_ac_kind("imagemanifest", "ImageManifest"));
    const char *bad[] = {"Foo", "ApplicationManifest", "AppManifest", "garbage", ""};
    for (size_t i = 0; i < 5; i++) {
        assert_non_null(orb_check_ac_kind(bad[i], "ImageManifest"));
        assert_non_null(orb_check_ac_kind(bad[i], NULL));
    }
    assert_string_equal(orb_check_ac_kind("", "ImageManifest"), "must be set");
}

static const char *semver_check(const char *s)
{
    return orb_semver_parse(s, NULL);
}

static void test_semver_vectors(void **state)
{
    (void)state;
    ACCEPT(semver_check, "1.0.0", "3.2.1", "3.2.1-foo", "1.2.3-alpha+git", "0.8.11", "0.1.1",
           "0.8.11+git", "0.0.0-alpha", "1.2.3-", "99.0.0");
    REJECT(semver_check, "1", "1.2", "1.2.3.4", "v1.2.3", " 1.2.3", "1.2.x", "0.0.0", "", "1..3",
           "1.2.3 ", "99999999999999999999.0.0");
}

static void test_semver_fields(void **state)
{
    (void)state;
    orb_semver v;
    assert_null(orb_semver_parse("01.2.3-alpha-1+git.sha", &v));
    assert_int_equal(v.major, 1);
    assert_int_equal(v.minor, 2);
    assert_int_equal(v.patch, 3);
    assert_string_equal(v.prerelease, "alpha-1");
    assert_string_equal(v.metadata, "git.sha");
    orb_semver_clear(&v);
    assert_null(orb_semver_parse("0.8.11+git-x", &v));
    assert_null(v.prerelease);
    assert_string_equal(v.metadata, "git-x");
    orb_semver_clear(&v);
    assert_null(orb_semver_parse("1.2.3-", &v));
    assert_string_equal(v.prerelease, "");
    orb_semver_clear(&v);
}

static void test_hash(void **state)
{
    (void)state;
    ACCEPT(orb_check_hash, "sha512-abcdefghi", "sha512-06c733b1838136838e6d2d3e8fa5aea4c7905e92");
    REJECT(orb_check_hash, "sha512-", "sha1-abcdef", "-abcdef", "-", "sha512-a-b", "SHA512-ab",
           "abc", "");
}

static void test_full_image_id(void **state)
{
    (void)state;
    char id[136] = "sha512-";
    memset(id + 7, 'a', 128);
    id[135] = '\0';
    assert_true(orb_is_full_image_id(id));
    id[100] = 'A';
    assert_false(orb_is_full_image_id(id));
    id[100] = 'g';
    assert_false(orb_is_full_image_id(id));
    id[100] = '0';
    id[134] = '\0';
    assert_false(orb_is_full_image_id(id));
    assert_false(orb_is_full_image_id("sha512-06c733b1838136838e6d2d3e8fa5aea4c7905e92"));
    assert_false(orb_is_full_image_id(NULL));
}

static void test_date(void **state)
{
    (void)state;
    ACCEPT(orb_check_date, "2004-05-14T23:11:14+00:00", "2001-02-03T04:05:06Z",
           "2014-11-14T17:36:54-08:00", "2014-10-27T19:32:27.67021798Z", "2000-02-29T00:00:00Z");
    REJECT(orb_check_date, "garbage", "1416015188", "Fri Nov 14 17:53:02 PST 2014",
           "2014-11-1417:36:54", "", "2014-11-14t17:36:54Z", "2014-11-14T17:36:54z",
           "2014-11-14T17:36:54", "2014-13-14T17:36:54Z", "2014-02-30T17:36:54Z",
           "2001-02-29T00:00:00Z", "2014-11-14T24:00:00Z", "2014-11-14T17:60:00Z",
           "2014-11-14T17:36:60Z", "2014-11-14T17:36:54.Z", "2014-11-14T17:36:54+0800",
           "2014-11-14T17:36:54+24:00", "2014-11-14T17:36:54Z ");
}

static void test_http_url(void **state)
{
    (void)state;
    ACCEPT(orb_check_http_url, "http://foo.com", "http://yis.com/hello?goodbye=yes",
           "https://ohai.net", "HTTPS://example.com/docs", "http://user@host:8080/x");
    REJECT(orb_check_http_url, "ftp://example.com", "unix://file.net", "not a url",
           "ftp://isnotallowed.com", "not-A$@#URL", "", "http://", "http:///path", "http:foo",
           "http://exa mple.com/");
}

static void test_env_name(void **state)
{
    (void)state;
    ACCEPT(orb_check_env_name, "DEBUG", "_0_DEBUG_0_", "DEBUG.0", "DEBUG-0", "path");
    REJECT(orb_check_env_name, "", "0DEBUG", "VERBOSE|DEBUG", ".A", "-A", "A B", "A=B");
}

static void test_os_arch_accept(void **state)
{
    (void)state;
    const char *linux_archs[] = {"amd64",  "i386",   "aarch64", "aarch64_be", "armv6l",
                                 "armv7l", "armv7b", "ppc64",   "ppc64le",    "s390x"};
    for (size_t i = 0; i < 10; i++)
        assert_null(orb_check_os_arch("linux", linux_archs[i]));
    assert_null(orb_check_os_arch("freebsd", "amd64"));
    assert_null(orb_check_os_arch("freebsd", "i386"));
    assert_null(orb_check_os_arch("freebsd", "arm"));
    assert_null(orb_check_os_arch("darwin", "x86_64"));
    assert_null(orb_check_os_arch("darwin", "i386"));
    assert_null(orb_check_os_arch("linux", NULL));
}

static void test_os_arch_reject(void **state)
{
    (void)state;
    const char *bad[] = {"arm64", "arm64_be", "arm", "ppc64l", "ppc64b", "ppc64be", "S390x", "386"};
    for (size_t i = 0; i < 8; i++)
        assert_non_null(orb_check_os_arch("linux", bad[i]));
    assert_non_null(orb_check_os_arch("OS/360", NULL));
    assert_non_null(orb_check_os_arch("Linux", "amd64"));
    assert_non_null(orb_check_os_arch("freebsd", "armv7b"));
    assert_non_null(orb_check_os_arch("darwin", "amd64"));
    assert_non_null(orb_check_os_arch(NULL, "amd64"));
}

static void test_host_os_arch(void **state)
{
    (void)state;
    const char *os = orb_host_os(), *arch = orb_host_arch();
    assert_non_null(os);
    assert_non_null(arch);
#ifdef __linux__
    assert_string_equal(os, "linux");
#endif
#if defined(__x86_64__)
    assert_string_equal(arch, "amd64");
#elif defined(__aarch64__)
    assert_string_equal(arch, "aarch64");
#endif
    assert_null(orb_check_os_arch(os, arch));
}

static void test_uuid(void **state)
{
    (void)state;
    char out[37];
    assert_null(orb_uuid_parse("6733C088-A507-4694-AABF-EDBE4FC5266F", out));
    assert_string_equal(out, "6733c088-a507-4694-aabf-edbe4fc5266f");
    assert_null(orb_uuid_parse("6733C088A5074694AABFEDBE4FC5266F", out));
    assert_string_equal(out, "6733c088-a507-4694-aabf-edbe4fc5266f");
    assert_null(orb_uuid_parse("0aaf0a79-1a39-4d59-abbf-1bebca8209d2", out));
    assert_string_equal(out, "0aaf0a79-1a39-4d59-abbf-1bebca8209d2");
    assert_null(orb_uuid_parse("6733-C088A5074694AABFEDBE4FC5266F--", NULL));
    assert_non_null(orb_uuid_parse("asdf", out));
    assert_non_null(orb_uuid_parse("0AAF0A79-1A39-4D59-ABBF-1BEBCA8209D2ABC", out));
    assert_non_null(orb_uuid_parse("", out));
    assert_non_null(orb_uuid_parse("6733C088A5074694AABFEDBE4FC5266", out));
    assert_non_null(orb_uuid_parse("6733C088A5074694AABFEDBE4FC5266G", out));
}

static void test_kv_list(void **state)
{
    (void)state;
    orb_kv_list l = {0}, c;
    orb_kv_set(&l, "os", "linux");
    orb_kv_set(&l, "arch", "amd64");
    orb_kv_set(&l, "os", "freebsd");
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0].name, "os");
    assert_string_equal(orb_kv_get(&l, "os"), "freebsd");
    assert_null(orb_kv_get(&l, "version"));
    orb_kv_list_copy(&c, &l);
    assert_true(orb_kv_remove(&l, "os"));
    assert_false(orb_kv_remove(&l, "os"));
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].name, "arch");
    assert_int_equal(c.n, 2);
    assert_string_equal(orb_kv_get(&c, "os"), "freebsd");
    orb_kv_list_clear(&l);
    orb_kv_list_clear(&c);
    assert_int_equal(l.n, 0);
    assert_null(l.items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ac_identifier_accept),
        cmocka_unit_test(test_ac_identifier_reject),
        cmocka_unit_test(test_ac_identifier_separator_runs),
        cmocka_unit_test(test_ac_name),
        cmocka_unit_test(test_ac_name_reasons),
        cmocka_unit_test(test_ac_kind),
        cmocka_unit_test(test_semver_vectors),
        cmocka_unit_test(test_semver_fields),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_full_image_id),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_http_url),
        cmocka_unit_test(test_env_name),
        cmocka_unit_test(test_os_arch_accept),
        cmocka_unit_test(test_os_arch_reject),
        cmocka_unit_test(test_host_os_arch),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_kv_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
