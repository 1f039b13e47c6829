/* Isolator values (appc-rules.md §1 "Isolators"): accept and reject vectors
 * for every name in the table, plus the App-level multiplicity rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema/isolator.h"
#include "util/mem.h"
#include "util/problems.h"

static void accept(const char *name, const char *value)
{
    orb_problems p = {0};
    orb_isolator iso;
    int r = orb_isolator_from_json(name, value, "iso", &iso, &p);

    if (r != 0)
        fail_msg("%s=%s rejected: %s", name, value, p.n ? p.items[0] : "?");
    assert_int_equal(p.n, 0);
    assert_string_equal(iso.name, name);
    assert_non_null(iso.raw);
    orb_isolator_clear(&iso);
    orb_problems_clear(&p);
}

static void reject(const char *name, const char *value)
{
    orb_problems p = {0};
    orb_isolator iso;

    if (orb_isolator_from_json(name, value, "iso", &iso, &p) == 0)
        fail_msg("%s=%s accepted", name, value ? value : "(null)");
    assert_true(p.n > 0);
    assert_null(iso.name);
    orb_problems_clear(&p);
}

static void test_kind_names(void **state)
{
    (void)state;
    for (int k = 1; k < _ORB_ISOLATOR_KIND_MAX; k++)
        assert_int_equal(orb_isolator_kind_from_name(orb_isolator_kind_name(k)), k);
    assert_int_equal(orb_isolator_kind_from_name("resource/network-ponies"), ORB_ISOLATOR_UNKNOWN);
    assert_int_equal(orb_isolator_kind_from_name("RESOURCE/CPU"), ORB_ISOLATOR_UNKNOWN);
    assert_null(orb_isolator_kind_name(ORB_ISOLATOR_UNKNOWN));
}

static void test_missing_value(void **state)
{
    orb_problems p = {0};
    orb_isolator iso;

    (void)state;
    assert_int_equal(orb_isolator_from_json("resource/cpu", NULL, "app.isolators[0]", &iso, &p),
                     -1);
    assert_string_equal(p.items[0], "app.isolators[0].value: is required");
    orb_problems_clear(&p);
    reject("resource/cpu", "null");
    reject("os/linux/no-new-privileges", "null");
    reject("resource/network-ponies", NULL);
}

static void test_cpu_memory(void **state)
{
    orb_problems p = {0};
    orb_isolator iso;

    (void)state;
    assert_int_equal(orb_isolator_from_json(
                         "resource/cpu", "{\"request\":\"30m\",\"limit\":\"1m\"}", "i", &iso, &p),
                     0);
    assert_true(iso.u.resource.has_request && iso.u.resource.has_limit);
    assert_int_equal(iso.u.resource.request.milli, 30);
    assert_int_equal(iso.u.resource.limit.milli, 1);
    orb_isolator_clear(&iso);
    assert_int_equal(orb_isolator_from_json("resource/memory",
                                            "{\"request\":\"1G\",\"limit\":\"2Gi\"}", "i", &iso,
                                            &p),
                     0);
    assert_int_equal(iso.u.resource.request.value, 1000000000);
    assert_int_equal(iso.u.resource.limit.value, 2147483648LL);
    orb_isolator_clear(&iso);
    accept("resource/cpu", "{\"limit\":\"20m\"}");
    accept("resource/cpu", "{}");
    accept("resource/cpu", "{\"default\":false,\"limit\":2}");
    accept("resource/cpu", "{\"limit\":\" 1 \"}");
    accept("resource/memory", "{\"request\":\"-1\",\"limit\":\"1\"}"); /* no order check */
    reject("resource/memory", "{\"default\":true,\"limit\":\"1G\"}");
    reject("resource/cpu", "{\"limit\":\"such garbage\"}");
    reject("resource/cpu", "{\"limit\":true}");
    reject("resource/cpu", "\"1\"");
    reject("resource/cpu", "{\"default\":\"false\"}");
}

static void test_default_true_resources(void **state)
{
    const char *names[] = {"resource/block-bandwidth", "resource/block-iops",
                           "resource/network-bandwidth"};

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        accept(names[i], "{\"default\":true,\"limit\":\"1G\"}");
        accept(names[i], "{\"default\":true,\"request\":null}");
        reject(names[i], "{\"default\":false,\"limit\":\"1G\"}");
        reject(names[i], "{\"limit\":\"1G\"}");
        reject(names[i], "{\"default\":true,\"request\":\"1G\",\"limit\":\"1G\"}");
    }
}

static void test_cpu_shares(void **state)
{
    (void)state;
    accept("os/linux/cpu-shares", "2048");
    accept("os/linux/cpu-shares", "2");
    accept("os/linux/cpu-shares", "262144");
    reject("os/linux/cpu-shares", "1");
    reject("os/linux/cpu-shares", "262145");
    reject("os/linux/cpu-shares", "\"pants\"");
    reject("os/linux/cpu-shares", "\"262145\"");
    reject("os/linux/cpu-shares", "\"-1\"");
    reject("os/linux/cpu-shares", "2048.5");
}

static void test_oom_score_adj(void **state)
{
    (void)state;
    accept("os/linux/oom-score-adj", "250");
    accept("os/linux/oom-score-adj", "-250");
    accept("os/linux/oom-score-adj", "-1000");
    accept("os/linux/oom-score-adj", "1000");
    reject("os/linux/oom-score-adj", "-2500");
    reject("os/linux/oom-score-adj", "1001");
    reject("os/linux/oom-score-adj", "\"pants\"");
}

static void test_no_new_privileges(void **state)
{
    (void)state;
    accept("os/linux/no-new-privileges", "true");
    accept("os/linux/no-new-privileges", "false");
    reject("os/linux/no-new-privileges", "123");
    reject("os/linux/no-new-privileges", "{\"set\":[\"CAP_KILL\"]}");
    reject("os/linux/no-new-privileges", "\"foo\"");
}

static void test_capabilities(void **state)
{
    const char *names[] = {"os/linux/capabilities-retain-set", "os/linux/capabilities-remove-set"};

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        accept(names[i], "{\"set\":[\"CAP_KILL\"]}");
        accept(names[i], "{\"set\":[\"CAP_PONIES\"]}");
        reject(names[i], "{\"set\":[]}");
        reject(names[i], "{\"set\":\"CAP_PONIES\"}");
        reject(names[i], "{}");
        reject(names[i], "{\"set\":[1]}");
        reject(names[i], "[\"CAP_KILL\"]");
    }
}

static void test_seccomp(void **state)
{
    const char *names[] = {"os/linux/seccomp-retain-set", "os/linux/seccomp-remove-set"};
    orb_problems p = {0};
    orb_isolator iso;

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        accept(names[i], "{\"errno\":\"EACCESS\",\"set\":[\"@appc.io/empty\"]}");
        accept(names[i], "{\"set\":[\"chmod\",\"chown\"]}");
        accept(names[i], "{\"set\":[\"chmod\"],\"errno\":\"E2BIG\"}");
        reject(names[i], "{\"errno\":\"-EPERM\",\"set\":[\"chmod\"]}");
        reject(names[i], "{\"errno\":\"eaccess\",\"set\":[\"chmod\"]}");
        reject(names[i], "{\"errno\":\"EPERM\",\"set\":[]}");
        reject(names[i], "{\"errno\":5,\"set\":[\"chmod\"]}");
    }
    assert_int_equal(
        orb_isolator_from_json(names[0], "{\"set\":[\"a\"],\"errno\":\"EPERM\"}", "i", &iso, &p),
        0);
    assert_string_equal(iso.u.set.errno_name, "EPERM");
    assert_string_equal(iso.u.set.set[0], "a");
    orb_isolator_clear(&iso);
}

static void test_selinux(void **state)
{
    const char *name = "os/linux/selinux-context";

    (void)state;
    accept(name,
           "{\"user\":\"user_u\",\"role\":\"role_r\",\"type\":\"type_r\",\"level\":\"s0-s0\"}");
    accept(name,
           "{\"user\":\"user_u\",\"role\":\"role_r\",\"type\":\"type_r\",\"level\":\"s0-s0:c0\"}");
    reject(name,
           "{\"user\":\"user_u\",\"role\":\"role_r:type_t\",\"type\":\"type_r\",\"level\":\"s0\"}");
    reject(name, "{\"user\":\"user_u\",\"role\":\"\",\"type\":\"type_r\",\"level\":\"s0\"}");
    reject(name, "{\"user\":\"unconfined_u:unconfined_t\",\"role\":\"r\",\"type\":\"t\","
                 "\"level\":\"s0\"}");
    reject(name, "{\"user\":\"\",\"role\":\"r\",\"type\":\"t\",\"level\":\"s0\"}");
    reject(name, "{\"user\":\"u\",\"role\":\"r\",\"type\":\"t\"}");
}

static void test_apparmor(void **state)
{
    (void)state;
    accept("os/linux/apparmor-profile", "{\"profile\":\"rkt-default\"}");
    reject("os/linux/apparmor-profile", "{\"profile\":\"\"}");
    reject("os/linux/apparmor-profile", "{}");
    reject("os/linux/apparmor-profile", "\"rkt-default\"");
}

static void test_sysctl(void **state)
{
    orb_problems p = {0};
    orb_isolator iso;

    (void)state;
    accept("os/unix/sysctl", "{}");
    reject("os/unix/sysctl", "{\"net.ipv4.tcp_rfc1337\":1}");
    reject("os/unix/sysctl", "[\"a\"]");
    assert_int_equal(
        orb_isolator_from_json("os/unix/sysctl", "{\"net.ipv4.tcp_rfc1337\":\"1\"}", "i", &iso, &p),
        0);
    assert_int_equal(iso.u.sysctl.n, 1);
    assert_string_equal(iso.u.sysctl.items[0].name, "net.ipv4.tcp_rfc1337");
    assert_string_equal(iso.u.sysctl.items[0].value, "1");
    orb_isolator_clear(&iso);
}

static void test_unknown_kept_raw(void **state)
{
    orb_problems p = {0};
    orb_isolator iso;

    (void)state;
    assert_int_equal(orb_isolator_from_json("resource/network-ponies", "0", "i", &iso, &p), 0);
    assert_int_equal(iso.kind, ORB_ISOLATOR_UNKNOWN);
    assert_string_equal(iso.raw, "0");
    orb_isolator_clear(&iso);
}

static void test_problem_paths(void **state)
{
    orb_problems p = {0};
    orb_isolator iso;

    (void)state;
    orb_isolator_from_json("resource/cpu", "{\"limit\":\"garbage\"}", "app.isolators[2]", &iso, &p);
    assert_int_equal(p.n, 1);
    assert_non_null(strstr(p.items[0], "app.isolators[2].value.limit: "));
    orb_problems_clear(&p);
}

static void add(orb_isolator_list *l, const char *name, const char *value)
{
    orb_problems p = {0};
    orb_isolator *iso = xgrow(&l->items, &l->n, sizeof(orb_isolator));

    if (orb_isolator_from_json(name, value, "x", iso, &p) < 0) {
        iso->name = xstrdup(name); /* unknown-name tests keep the raw value */
        iso->raw = xstrdup(value);
    }
    orb_problems_clear(&p);
}

static size_t app_problems(orb_isolator_list *l)
{
    orb_problems p = {0};
    size_t n;

    orb_isolators_check_app(l, "app.isolators", &p);
    n = p.n;
    orb_problems_clear(&p);
    orb_isolator_list_clear(l);
    return n;
}

static void test_app_multiplicity(void **state)
{
    orb_isolator_list l = {0};
    const char *singles[][2] = {
        {"os/linux/seccomp-retain-set", "{\"set\":[\"a\"]}"},
        {"os/linux/seccomp-remove-set", "{\"set\":[\"a\"]}"},
        {"os/linux/cpu-shares", "2048"},
        {"os/linux/oom-score-adj", "0"},
        {"os/linux/selinux-context",
         "{\"user\":\"u\",\"role\":\"r\",\"type\":\"t\",\"level\":\"s0\"}"},
        {"os/linux/apparmor-profile", "{\"profile\":\"p\"}"},
        {"os/unix/sysctl", "{}"},
    };

    (void)state;
    add(&l, "resource/cpu", "{\"limit\":\"1\"}");
    add(&l, "resource/cpu", "{\"limit\":\"2\"}");
    add(&l, "os/linux/no-new-privileges", "true");
    add(&l, "os/linux/no-new-privileges", "false");
    add(&l, "os/linux/capabilities-retain-set", "{\"set\":[\"CAP_KILL\"]}");
    add(&l, "os/linux/capabilities-retain-set", "{\"set\":[\"CAP_KILL\"]}");
    add(&l, "os/linux/capabilities-remove-set", "{\"set\":[\"CAP_KILL\"]}");
    assert_int_equal(app_problems(&l), 0);
    for (size_t i = 0; i < ARRAY_SIZE(singles); i++) {
        add(&l, singles[i][0], singles[i][1]);
        assert_int_equal(app_problems(&l), 0);
        add(&l, singles[i][0], singles[i][1]);
        add(&l, singles[i][0], singles[i][1]);
        assert_int_equal(app_problems(&l), 1);
    }
    add(&l, singles[0][0], singles[0][1]);
    add(&l, singles[1][0], singles[1][1]);
    assert_int_equal(app_problems(&l), 1);
    add(&l, "resource/network-ponies", "0");
    assert_int_equal(app_problems(&l), 1);
}

static void test_list_copy(void **state)
{
    orb_isolator_list l = {0}, c = {0};

    (void)state;
    add(&l, "os/linux/seccomp-retain-set", "{\"set\":[\"a\",\"b\"],\"errno\":\"EPERM\"}");
    add(&l, "resource/network-ponies", "{\"x\":1}");
    orb_isolator_list_copy(&c, &l);
    orb_isolator_list_clear(&l);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.items[0].u.set.set[1], "b");
    assert_string_equal(c.items[0].u.set.errno_name, "EPERM");
    assert_string_equal(c.items[1].raw, "{\"x\":1}");
    orb_isolator_list_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),        cmocka_unit_test(test_missing_value),
        cmocka_unit_test(test_cpu_memory),        cmocka_unit_test(test_default_true_resources),
        cmocka_unit_test(test_cpu_shares),        cmocka_unit_test(test_oom_score_adj),
        cmocka_unit_test(test_no_new_privileges), cmocka_unit_test(test_capabilities),
        cmocka_unit_test(test_seccomp),           cmocka_unit_test(test_selinux),
        cmocka_unit_test(test_apparmor),          cmocka_unit_test(test_sysctl),
        cmocka_unit_test(test_unknown_kept_raw),  cmocka_unit_test(test_problem_paths),
        cmocka_unit_test(test_app_multiplicity),  cmocka_unit_test(test_list_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
