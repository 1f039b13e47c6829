/* Tests of the credentials files (auth.d/ *.json): parsing, the local over
 * system override, and which URLs get a header. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fetch/auth.h"
#include "util/fs.h"
#include "util/mem.h"

static char *local_dir, *system_dir;

static char *make_dir(const char *tmpl_prefix)
{
    char *tmpl = xasprintf("/tmp/%s-XXXXXX", tmpl_prefix);
    assert_non_null(mkdtemp(tmpl));
    _cleanup_free_ char *sub = xasprintf("%s/auth.d", tmpl);
    assert_int_equal(mkdir(sub, 0700), 0);
    return tmpl;
}

static int setup(void **state)
{
    (void)state;
    local_dir = make_dir("orbit-test-auth-local");
    system_dir = make_dir("orbit-test-auth-system");
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    nftw(local_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    nftw(system_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(local_dir);
    free(system_dir);
    local_dir = system_dir = NULL;
    return 0;
}

static void put(const char *dir, const char *name, const char *text)
{
    _cleanup_free_ char *path = xasprintf("%s/auth.d/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(orb_write_all(fd, text, strlen(text)), 0);
    close(fd);
}

#define BASIC(domains, user, password)                                                             \
    "{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": " domains                        \
    ", \"type\": \"basic\", \"credentials\": {\"user\": \"" user "\", \"password\": \"" password   \
    "\"}}"
#define OAUTH(domains, token)                                                                      \
    "{\"orbitKind\": \"auth\", \"orbitVersion\": \"v1\", \"domains\": " domains                    \
    ", \"type\": \"oauth\", \"credentials\": {\"token\": \"" token "\"}}"

/* ---- parsing ------------------------------------------------------------- */

static void test_load_basic_and_oauth(void **state)
{
    (void)state;
    put(local_dir, "a.json", BASIC("[\"example.com\", \"Reg.Example.com:8443\"]", "user", "pass"));
    put(local_dir, "b.json", OAUTH("[\"[::1]:8443\"]", "tok.en-1"));
    orb_auth a;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_auth_load(local_dir, system_dir, &a, &err), 0);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.entries[0].header, "Authorization: Basic dXNlcjpwYXNz");
    assert_string_equal(a.entries[0].domains[1], "Reg.Example.com:8443");
    _cleanup_free_ char *src = xasprintf("%s/auth.d/a.json", local_dir);
    assert_string_equal(a.entries[0].source, src);
    assert_string_equal(a.entries[1].header, "Authorization: Bearer tok.en-1");
    assert_string_equal(orb_auth_header_for(&a, "https://[::1]:8443/x", false),
                        "Authorization: Bearer tok.en-1");
    orb_auth_clear(&a);
    assert_int_equal(a.n, 0);
}

static void test_missing_dirs(void **state)
{
    (void)state;
    orb_auth a;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_auth_load("/nonexistent/orbit-a", "/nonexistent/orbit-b", &a, &err), 0);
    assert_int_equal(a.n, 0);
    assert_null(orb_auth_header_for(&a, "https://example.com/", false));
    assert_int_equal(orb_auth_load(NULL, NULL, &a, &err), 0);
    assert_null(orb_auth_header_for(NULL, "https://example.com/", false));
}

static void test_ignores_other_names(void **state)
{
    (void)state;
    put(local_dir, "notes.txt", "not json at all");
    put(local_dir, "a.json~", "{");
    put(local_dir, ".hidden.json", "{");
    put(local_dir, "ok.json", BASIC("[\"example.com\"]", "u", "p"));
    orb_auth a;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_auth_load(local_dir, NULL, &a, &err), 0);
    assert_int_equal(a.n, 1);
    orb_auth_clear(&a);
}

struct reject {
    const char *json;
    const char *msg; /* after "<path>: " */
};

static const struct reject rejects[] = {
    {"not json", "line 1: "},
    {"[1]", "(top level): must be an object"},
    {"{\"rktKind\": \"auth\", \"rktKind\": \"auth\"}", "line 1: duplicate object key"},
    {"{\"domains\": [\"a\"], \"type\": \"basic\"}", "rktKind: missing"},
    {"{\"rktKind\": \"image\", \"rktVersion\": \"v1\"}", "rktKind: must be \"auth\""},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v2\"}", "rktVersion: must be \"v1\""},
    {"{\"rktKind\": \"auth\"}", "rktVersion: missing"},
    {"{\"orbitKind\": 1, \"orbitVersion\": \"v1\"}", "orbitKind: must be a string"},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"type\": \"basic\"}", "domains: missing"},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": \"a\"}",
     "domains: must be an array"},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": []}",
     "domains: must name at least one domain"},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": [\"a\", 2]}",
     "domains[1]: must be a string"},
    {BASIC("[\"https://example.com\"]", "u", "p"),
     "domains[0]: \"https://example.com\" is not a host or host:port"},
    {BASIC("[\"example.com:0\"]", "u", "p"), "domains[0]: \"example.com:0\" is not"},
    {BASIC("[\"example.com:99999\"]", "u", "p"), "domains[0]: \"example.com:99999\" is not"},
    {BASIC("[\"example.com/path\"]", "u", "p"), "domains[0]: \"example.com/path\" is not"},
    {BASIC("[\"\"]", "u", "p"), "domains[0]: \"\" is not"},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": [\"a\"]}", "type: missing"},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": [\"a\"], \"type\": \"digest\"}",
     "type: unknown type \"digest\" (expected basic or oauth)"},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": [\"a\"], \"type\": \"basic\"}",
     "credentials: missing"},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": [\"a\"], \"type\": \"basic\", "
     "\"credentials\": []}",
     "credentials: must be an object"},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": [\"a\"], \"type\": \"basic\", "
     "\"credentials\": {\"password\": \"p\"}}",
     "credentials.user: missing"},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": [\"a\"], \"type\": \"basic\", "
     "\"credentials\": {\"user\": \"u\", \"password\": 1}}",
     "credentials.password: must be a string"},
    {BASIC("[\"a\"]", "", "p"), "credentials.user: must not be empty"},
    {BASIC("[\"a\"]", "u:v", "p"), "credentials.user: must not contain ':'"},
    {BASIC("[\"a\"]", "u", "p\\r\\nX-Evil: 1"), "credentials: must not contain control characters"},
    {"{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": [\"a\"], \"type\": \"oauth\", "
     "\"credentials\": {\"user\": \"u\"}}",
     "credentials.token: missing"},
    {OAUTH("[\"a\"]", ""), "credentials.token: must not be empty"},
    {OAUTH("[\"a\"]", "t t"), "credentials.token: must not contain blanks or control characters"},
    {OAUTH("[\"a\"]", "t\\nX-Evil: 1"), "credentials.token: must not contain blanks"},
};

static void test_rejects(void **state)
{
    (void)state;
    _cleanup_free_ char *path = xasprintf("%s/auth.d/bad.json", local_dir);
    for (size_t i = 0; i < ARRAY_SIZE(rejects); i++) {
        put(local_dir, "bad.json", rejects[i].json);
        orb_auth a = {0};
        orb_error *err = NULL;
        int r = orb_auth_load(local_dir, system_dir, &a, &err);
        if (r != -1 || !err)
            fail_msg("accepted: %s", rejects[i].json);
        _cleanup_free_ char *want = xasprintf("%s: %s", path, rejects[i].msg);
        if (strncmp(err->msg, want, strlen(want)) != 0)
            fail_msg("%s\n  got:  %s\n  want: %s", rejects[i].json, err->msg, want);
        assert_int_equal(a.n, 0);
        orb_error_free(err);
    }
}

static void test_rejects_big_file(void **state)
{
    (void)state;
    size_t len = ORB_AUTH_FILE_MAX + 10;
    _cleanup_free_ char *big = xmalloc(len + 1);
    memset(big, ' ', len);
    big[len] = '\0';
    memcpy(big, "{}", 2);
    put(system_dir, "big.json", big);
    orb_auth a;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_auth_load(local_dir, system_dir, &a, &err), -1);
    assert_non_null(strstr(err->msg, "/auth.d/big.json"));
}

/* ---- local over system --------------------------------------------------- */

static void test_local_overrides_system(void **state)
{
    (void)state;
    put(system_dir, "example.json", BASIC("[\"example.com\"]", "sys", "p"));
    put(system_dir, "other.json", OAUTH("[\"other.org\"]", "systok"));
    put(local_dir, "example.json", BASIC("[\"example.com\"]", "local", "p"));
    orb_auth a;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_auth_load(local_dir, system_dir, &a, &err), 0);
    assert_int_equal(a.n, 2);
    /* "local:p" */
    assert_string_equal(orb_auth_header_for(&a, "https://example.com/", false),
                        "Authorization: Basic bG9jYWw6cA==");
    assert_string_equal(orb_auth_header_for(&a, "https://other.org/", false),
                        "Authorization: Bearer systok");
    const orb_auth_entry *e = orb_auth_entry_for_host(&a, "https://example.com/");
    assert_non_null(e);
    assert_non_null(strstr(e->source, local_dir));
    orb_auth_clear(&a);
}

static void test_bad_system_file_with_override(void **state)
{
    (void)state;
    /* the system file is never read when a local one of the same name exists */
    put(system_dir, "example.json", "{broken");
    put(local_dir, "example.json", BASIC("[\"example.com\"]", "u", "p"));
    orb_auth a;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_auth_load(local_dir, system_dir, &a, &err), 0);
    assert_int_equal(a.n, 1);
    orb_auth_clear(&a);
}

/* ---- matching ------------------------------------------------------------ */

static void load_match_set(orb_auth *a)
{
    put(local_dir, "a.json", BASIC("[\"Example.COM\"]", "u", "p"));
    put(local_dir, "b.json",
        OAUTH("[\"registry.example.com:8443\", \"tls.example.org:443\"]", "t"));
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_auth_load(local_dir, NULL, a, &err), 0);
}

static void test_match_host(void **state)
{
    (void)state;
    orb_auth a;
    load_match_set(&a);
    const char *basic = "Authorization: Basic dTpw";
    const char *yes[] = {"https://example.com/a.aci",  "https://EXAMPLE.com",
                         "https://example.com:9999/x", "https://user@example.com/x",
                         "https://example.com?x",      "HTTPS://example.com/"};
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        const char *h = orb_auth_header_for(&a, yes[i], false);
        if (!h || strcmp(h, basic) != 0)
            fail_msg("no basic header for %s", yes[i]);
    }
    const char *no[] = {"https://sub.example.com/",
                        "https://example.com.evil.org/",
                        "https://notexample.com/",
                        "https://example.com@evil.org/",
                        "https://evil.org/example.com",
                        "ftp://example.com/",
                        "example.com/app",
                        "https://[::1]/"};
    for (size_t i = 0; i < ARRAY_SIZE(no); i++)
        if (orb_auth_header_for(&a, no[i], true))
            fail_msg("header sent to %s", no[i]);
    orb_auth_clear(&a);
}

static void test_match_port(void **state)
{
    (void)state;
    orb_auth a;
    load_match_set(&a);
    assert_non_null(orb_auth_header_for(&a, "https://registry.example.com:8443/x", false));
    assert_non_null(orb_auth_header_for(&a, "https://Registry.Example.com:8443", false));
    assert_null(orb_auth_header_for(&a, "https://registry.example.com/x", false));
    assert_null(orb_auth_header_for(&a, "https://registry.example.com:8444/x", false));
    /* a domain naming the default port matches a URL without one */
    assert_non_null(orb_auth_header_for(&a, "https://tls.example.org/x", false));
    assert_non_null(orb_auth_header_for(&a, "https://tls.example.org:443/x", false));
    assert_null(orb_auth_header_for(&a, "http://tls.example.org/x", true)); /* port 80 */
    orb_auth_clear(&a);
}

static void test_match_scheme(void **state)
{
    (void)state;
    orb_auth a;
    load_match_set(&a);
    assert_null(orb_auth_header_for(&a, "http://example.com/a.aci", false));
    assert_non_null(orb_auth_header_for(&a, "http://example.com/a.aci", true));
    /* the entry is still found for messages */
    const orb_auth_entry *e = orb_auth_entry_for_host(&a, "http://example.com/a.aci");
    assert_non_null(e);
    assert_non_null(strstr(e->source, "/auth.d/a.json"));
    assert_null(orb_auth_entry_for_host(&a, "https://other.org/"));
    orb_auth_clear(&a);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_load_basic_and_oauth),
        T(test_missing_dirs),
        T(test_ignores_other_names),
        T(test_rejects),
        T(test_rejects_big_file),
        T(test_local_overrides_system),
        T(test_bad_system_file_with_override),
        T(test_match_host),
        T(test_match_port),
        T(test_match_scheme),
    };
    return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
