/* Command-line string forms (volumes, mount points, ports, kv strings) and app
 * strings: vectors from appc-rules.md §1 "String forms"/"Volumes"/"Ports" and
 * §4 "App string". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema/types.h"
#include "util/mem.h"

static void test_kv_string(void **state)
{
    (void)state;
    orb_kv_list l;
    assert_int_equal(orb_parse_kv_string("db,version=1.0.0,label=v1+v2,x=a=b", &l, NULL), 0);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.items[0].name, "name");
    assert_string_equal(l.items[0].value, "db");
    assert_string_equal(l.items[2].value, "v1+v2");
    assert_string_equal(l.items[3].name, "x");
    assert_string_equal(l.items[3].value, "a=b");
    orb_kv_list_clear(&l);
    assert_int_equal(orb_parse_kv_string("db,source=/tmp$1,foo=Ümlaut", &l, NULL), 0);
    assert_string_equal(orb_kv_get(&l, "source"), "/tmp$1");
    assert_string_equal(orb_kv_get(&l, "foo"), "Ümlaut");
    orb_kv_list_clear(&l);
}

static void test_kv_string_reject(void **state)
{
    (void)state;
    orb_kv_list l = {0};
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_parse_kv_string("version,label", &l, &e), -1);
    assert_non_null(strstr(e->msg, "label"));
    orb_error_free(e);
    e = NULL;
    assert_int_equal(orb_parse_kv_string("a,b=1,b=2", &l, &e), -1);
    assert_non_null(strstr(e->msg, "\"b\""));
    orb_error_free(e);
    e = NULL;
    assert_int_equal(orb_parse_kv_string("a,name=b", &l, NULL), -1);
    assert_int_equal(l.n, 0);
}

static void test_parse_bool(void **state)
{
    (void)state;
    const char *yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    const char *no[] = {"0", "f", "F", "FALSE", "false", "False"};
    const char *bad[] = {"", "maybe", "MAYBE", "yes", "tRUE", "2", "true "};
    bool b;
    for (size_t i = 0; i < 6; i++) {
        assert_null(orb_parse_bool(yes[i], &b));
        assert_true(b);
        assert_null(orb_parse_bool(no[i], &b));
        assert_false(b);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_non_null(orb_parse_bool(bad[i], &b));
    assert_non_null(orb_parse_bool(NULL, &b));
}

static void test_volume_round_trip(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "foobar,kind=host,source=/tmp",
        "foobar,kind=host,source=/tmp,readOnly=false",
        "foobar,kind=host,source=/tmp,readOnly=true",
        "foobar,kind=host,source=/tmp,recursive=false",
        "foobar,kind=host,source=/tmp,recursive=true",
        "foobar,kind=empty",
        "foobar,kind=empty,readOnly=true",
        "foobar,kind=empty,readOnly=true,mode=0777",
        "foobar,kind=empty,mode=0777,uid=1000",
        "foobar,kind=empty,mode=0777,uid=1000,gid=1000",
    };
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        orb_volume v, c;
        _cleanup_error_ orb_error *e = NULL;
        if (orb_volume_parse_string(ok[i], &v, &e) < 0)
            fail_msg("\"%s\": %s", ok[i], e->msg);
        _cleanup_free_ char *s = orb_volume_to_string(&v);
        assert_string_equal(s, ok[i]);
        orb_volume_copy(&c, &v);
        orb_volume_clear(&v);
        _cleanup_free_ char *s2 = orb_volume_to_string(&c);
        assert_string_equal(s2, ok[i]);
        orb_volume_clear(&c);
    }
}

static void test_volume_fields_and_defaults(void **state)
{
    (void)state;
    orb_volume v;
    assert_int_equal(orb_volume_parse_string("data,kind=empty,mode=0755,uid=0,gid=0", &v, NULL), 0);
    assert_int_equal(v.kind, ORB_VOLUME_EMPTY);
    assert_string_equal(v.mode, "0755");
    assert_true(v.has_uid && v.has_gid);
    assert_int_equal(v.read_only, -1);
    assert_int_equal(v.recursive, -1);
    _cleanup_free_ char *s = orb_volume_to_string(&v);
    assert_string_equal(s, "data,kind=empty");
    orb_volume_clear(&v);
    assert_int_equal(orb_volume_parse_string("data,kind=host,source=/x,readOnly=1", &v, NULL), 0);
    assert_int_equal(v.kind, ORB_VOLUME_HOST);
    assert_string_equal(v.source, "/x");
    assert_int_equal(v.read_only, 1);
    orb_volume_clear(&v);
}

static void expect_volume_error(const char *s, const char *msg)
{
    orb_volume v = {.name = NULL};
    _cleanup_error_ orb_error *e = NULL;
    if (orb_volume_parse_string(s, &v, &e) == 0)
        fail_msg("\"%s\" accepted", s);
    assert_null(v.name);
    if (msg && strcmp(e->msg, msg) != 0)
        fail_msg("\"%s\": got \"%s\", want \"%s\"", s, e->msg, msg);
}

static void test_volume_reject(void **state)
{
    (void)state;
    expect_volume_error("#foobar,kind=host,source=/tmp", NULL);
    expect_volume_error("foobar,kind=host,source=/tmp,asdf=asdf",
                        "volume \"foobar,kind=host,source=/tmp,asdf=asdf\": unknown key \"asdf\"");
    expect_volume_error("foobar,kind=host,source=tmp",
                        "volume foobar: source: must be an absolute path");
    expect_volume_error("foobar,kind=host,uid=3", NULL);
    expect_volume_error("foobar,kind=host,source=/tmp,uid=3", NULL);
    expect_volume_error("foobar,kind=host,mode=0755", NULL);
    expect_volume_error("foobar,kind=host,source=/tmp,mode=0755", NULL);
    expect_volume_error("foobar,kind=host,mode=0600,readOnly=true,gid=0", NULL);
    expect_volume_error("foobar,kind=empty,source=/tmp", NULL);
    expect_volume_error("foobar,kind=empty,recursive=MAYBE",
                        "volume \"foobar,kind=empty,recursive=MAYBE\": recursive: must be true or "
                        "false");
    expect_volume_error("foobar", NULL);
    expect_volume_error("foobar,kind=Host,source=/tmp", NULL);
    expect_volume_error("foobar,Kind=host,source=/tmp", NULL);
    expect_volume_error("foobar,kind=empty,uid=abc", NULL);
    expect_volume_error("foobar,kind=empty,kind=host", NULL);
    expect_volume_error("", NULL);
}

static void test_volume_check(void **state)
{
    (void)state;
    orb_volume v = {.name = "data", .kind = ORB_VOLUME_EMPTY, .read_only = -1, .recursive = -1};
    assert_null(orb_volume_check(&v));
    v.name = "Data";
    assert_non_null(strstr(orb_volume_check(&v), "name: "));
    v.name = "data";
    v.kind = ORB_VOLUME_HOST;
    assert_string_equal(orb_volume_check(&v), "source: must be set for a host volume");
    v.source = "/srv";
    assert_null(orb_volume_check(&v));
    v.has_gid = true;
    assert_non_null(orb_volume_check(&v));
}

static void test_mount_point(void **state)
{
    (void)state;
    static const char *const ok[] = {"foobar,path=/tmp", "foobar,path=/tmp,readOnly=false",
                                     "foobar,path=/tmp,readOnly=true"};
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        orb_mount_point m, c;
        assert_int_equal(orb_mount_point_parse_string(ok[i], &m, NULL), 0);
        assert_string_equal(m.name, "foobar");
        assert_string_equal(m.path, "/tmp");
        assert_int_equal(m.read_only, i == 2);
        orb_mount_point_copy(&c, &m);
        orb_mount_point_clear(&m);
        _cleanup_free_ char *s = orb_mount_point_to_string(&c);
        assert_string_equal(s, i == 2 ? ok[2] : ok[0]);
        orb_mount_point_clear(&c);
    }
}

static void test_mount_point_reject(void **state)
{
    (void)state;
    static const char *const bad[] = {"#foobar,path=/tmp",
                                      "foobar,path=/tmp,readOnly=true,asdf=asdf",
                                      "foobar,path=/tmp,readOnly=maybe",
                                      "foobar,path=/tmp,readOnly=",
                                      "foobar,path=",
                                      "foobar",
                                      "",
                                      ",path=/",
                                      "foobar,Path=/tmp"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        orb_mount_point m = {0};
        _cleanup_error_ orb_error *e = NULL;
        if (orb_mount_point_parse_string(bad[i], &m, &e) == 0)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_non_null(strstr(e->msg, "mount point \""));
    }
}

static void test_port_parse(void **state)
{
    (void)state;
    orb_port p, c;
    const char *s = "www,protocol=tcp,port=8080,count=3,socketActivated=true";
    assert_int_equal(orb_port_parse_string(s, &p, NULL), 0);
    assert_string_equal(p.name, "www");
    assert_string_equal(p.protocol, "tcp");
    assert_int_equal(p.port, 8080);
    assert_int_equal(p.count, 3);
    assert_true(p.socket_activated);
    orb_port_copy(&c, &p);
    orb_port_clear(&p);
    _cleanup_free_ char *out = orb_port_to_string(&c);
    assert_string_equal(out, s);
    orb_port_clear(&c);
    /* the string form keeps a missing count as 0 */
    assert_int_equal(orb_port_parse_string("www,port=65535", &p, NULL), 0);
    assert_int_equal(p.count, 0);
    orb_port_clear(&p);
}

static void test_port_reject(void **state)
{
    (void)state;
    static const char *const bad[] = {"www,port=0",
                                      "www,port=88888",
                                      "www",
                                      "www,port=65535,count=2",
                                      "www,port=-1",
                                      "www,port=8o",
                                      "www,port=80,asdf=1",
                                      "WWW,port=80",
                                      "www,port=80,socketActivated=maybe",
                                      "www,port=80,count=70000"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        orb_port p = {0};
        _cleanup_error_ orb_error *e = NULL;
        if (orb_port_parse_string(bad[i], &p, &e) == 0)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_null(p.name);
    }
}

static void test_port_check_range(void **state)
{
    (void)state;
    assert_null(orb_port_check_range(32456, 100));
    assert_null(orb_port_check_range(65535, 1));
    assert_null(orb_port_check_range(1, 0));
    assert_non_null(strstr(orb_port_check_range(88888, 1), "must be between 1 and 65535"));
    assert_non_null(strstr(orb_port_check_range(0, 1), "must be between 1 and 65535"));
    assert_non_null(strstr(orb_port_check_range(32456, 45678), "must not exceed 65536"));
    assert_non_null(strstr(orb_port_check_range(65535, 2), "must not exceed 65536"));
}

static void test_app_ref_accept(void **state)
{
    (void)state;
    orb_app_ref r;
    assert_int_equal(orb_app_ref_parse("example.com/reduce-worker:1.0.0", &r, NULL), 0);
    assert_string_equal(r.name, "example.com/reduce-worker");
    assert_int_equal(r.labels.n, 1);
    assert_string_equal(orb_kv_get(&r.labels, "version"), "1.0.0");
    orb_app_ref_clear(&r);

    assert_int_equal(
        orb_app_ref_parse("example.com/reduce-worker,channel=alpha,label=value", &r, NULL), 0);
    assert_int_equal(r.labels.n, 2);
    assert_string_equal(r.labels.items[0].name, "channel");
    assert_string_equal(r.labels.items[1].value, "value");
    orb_app_ref_clear(&r);

    assert_int_equal(
        orb_app_ref_parse("example.com/app:1.2.3,special=!*'();@&+$/?#[],channel=beta", &r, NULL),
        0);
    assert_string_equal(r.labels.items[0].name, "version");
    assert_string_equal(orb_kv_get(&r.labels, "special"), "!*'();@&+$/?#[]");
    assert_string_equal(orb_kv_get(&r.labels, "channel"), "beta");
    orb_app_ref_clear(&r);

    assert_int_equal(orb_app_ref_parse("example.com/app", &r, NULL), 0);
    assert_int_equal(r.labels.n, 0);
    orb_app_ref_clear(&r);
}

static void test_app_ref_reject(void **state)
{
    (void)state;
    static const char *const bad[] = {"not an app name",
                                      "example.com/garbage%8 939",
                                      "foo.com/bar,channel=alpha,dog=woof,channel=beta",
                                      "example.com/app,channel=beta:1.2.3",
                                      "example.com/app:3.2.1,channel=beta:1.2.3",
                                      "example.com/app:3.2.1,version=1.2.3",
                                      "",
                                      "example.com/app,channel",
                                      "example.com/app,Channel=beta",
                                      "Example.com/app"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        orb_app_ref r = {0};
        _cleanup_error_ orb_error *e = NULL;
        if (orb_app_ref_parse(bad[i], &r, &e) == 0)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_non_null(e);
        assert_null(r.name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv_string),
        cmocka_unit_test(test_kv_string_reject),
        cmocka_unit_test(test_parse_bool),
        cmocka_unit_test(test_volume_round_trip),
        cmocka_unit_test(test_volume_fields_and_defaults),
        cmocka_unit_test(test_volume_reject),
        cmocka_unit_test(test_volume_check),
        cmocka_unit_test(test_mount_point),
        cmocka_unit_test(test_mount_point_reject),
        cmocka_unit_test(test_port_parse),
        cmocka_unit_test(test_port_reject),
        cmocka_unit_test(test_port_check_range),
        cmocka_unit_test(test_app_ref_accept),
        cmocka_unit_test(test_app_ref_reject),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
