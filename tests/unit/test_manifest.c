/* ImageManifest and PodManifest: parsing, every validation rule with its
 * field path, serialisation and round trips, and the patch API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema/manifest.h"
#include "schema/patch.h"
#include "util/fs.h"
#include "util/mem.h"

#define IMG_HEAD                                                                                   \
    "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/test\""
#define POD_HEAD "{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\""
#define APP_UG   "\"user\":\"0\",\"group\":\"0\""

static char *img(const char *rest)
{
    return xasprintf(IMG_HEAD "%s%s}", *rest ? "," : "", rest);
}

static char *img_app(const char *app_members)
{
    return xasprintf(IMG_HEAD ",\"app\":{" APP_UG "%s%s}}", *app_members ? "," : "", app_members);
}

static char *pod(const char *rest)
{
    return xasprintf(POD_HEAD "%s%s}", *rest ? "," : "", rest);
}

static void image_ok(char *json)
{
    orb_problems p = {0};
    orb_image_manifest *m = NULL;

    if (orb_image_manifest_parse(json, strlen(json), &m, &p) < 0)
        fail_msg("rejected %s: %s", json, p.items[0]);
    assert_non_null(m);
    orb_image_manifest_free(m);
    free(json);
}

static bool has_problem(const orb_problems *p, const char *want)
{
    for (size_t i = 0; i < p->n; i++)
        if (strstr(p->items[i], want))
            return true;
    return false;
}

/* `want` must be a substring of one of the problems. */
static void image_bad(char *json, const char *want)
{
    orb_problems p = {0};
    orb_image_manifest *m = NULL;

    if (orb_image_manifest_parse(json, strlen(json), &m, &p) == 0)
        fail_msg("accepted %s", json);
    assert_null(m);
    if (!has_problem(&p, want))
        fail_msg("%s: no problem \"%s\" (first: %s)", json, want, p.n ? p.items[0] : "none");
    orb_problems_clear(&p);
    free(json);
}

static void pod_ok(char *json)
{
    orb_problems p = {0};
    orb_pod_manifest *m = NULL;

    if (orb_pod_manifest_parse(json, strlen(json), &m, &p) < 0)
        fail_msg("rejected %s: %s", json, p.items[0]);
    orb_pod_manifest_free(m);
    free(json);
}

static void pod_bad(char *json, const char *want)
{
    orb_problems p = {0};
    orb_pod_manifest *m = NULL;

    if (orb_pod_manifest_parse(json, strlen(json), &m, &p) == 0)
        fail_msg("accepted %s", json);
    if (!has_problem(&p, want))
        fail_msg("%s: no problem \"%s\" (first: %s)", json, want, p.n ? p.items[0] : "none");
    orb_problems_clear(&p);
    free(json);
}

/* ---- documents ---------------------------------------------------------- */

static void test_minimal_image(void **state)
{
    orb_image_manifest *m = NULL;
    orb_problems p = {0};
    const char *j = IMG_HEAD "}";
    char *out;

    (void)state;
    assert_int_equal(orb_image_manifest_parse(j, strlen(j), &m, &p), 0);
    assert_string_equal(m->name, "example.com/test");
    assert_string_equal(m->ac_version, "0.8.11");
    assert_null(m->app);
    out = orb_image_manifest_to_json(m, false);
    assert_string_equal(out, j);
    free(out);
    orb_image_manifest_free(m);
}

static void test_image_document_rejects(void **state)
{
    (void)state;
    image_bad(xstrdup("{\"name\":\"example.com/test\"}"), "acKind: ");
    image_bad(xstrdup("{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\",\"name\":\"a\"}"),
              "acKind: ");
    image_bad(xstrdup("{\"acKind\":\"imagemanifest\",\"acVersion\":\"0.8.11\",\"name\":\"a\"}"),
              "acKind: ");
    image_bad(xstrdup("{\"acKind\":null,\"acVersion\":\"0.8.11\",\"name\":\"a\"}"), "acKind: ");
    image_bad(xstrdup("{\"acKind\":\"ImageManifest\",\"name\":\"a\"}"), "acVersion: is required");
    image_bad(xstrdup("{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\"}"),
              "name: is required");
    image_bad(xstrdup("{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.0.0\",\"name\":\"a\"}"),
              "acVersion: ");
    image_bad(xstrdup("{\"acKind\":\"ImageManifest\",\"acVersion\":\"v1.2.3\",\"name\":\"a\"}"),
              "acVersion: ");
    image_bad(xstrdup("{\"acKind\":\"ImageManifest\",\"acVersion\":1.2,\"name\":\"a\"}"),
              "acVersion: must be a string");
    image_bad(xstrdup("{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"A\"}"),
              "name: ");
    image_bad(xstrdup("[]"), "must be a JSON object");
}

static void test_json_errors(void **state)
{
    orb_problems p = {0};
    orb_image_manifest *m = NULL;
    const char *dup = "{\"acKind\":\"ImageManifest\",\n\"acKind\":\"ImageManifest\"}";
    const char *syntax = "{\"acKind\":\n\n  ]";
    char *big;

    (void)state;
    assert_int_equal(orb_image_manifest_parse(dup, strlen(dup), &m, &p), -1);
    assert_int_equal(p.n, 1);
    assert_non_null(strstr(p.items[0], "line 2, column "));
    assert_non_null(strstr(p.items[0], "duplicate"));
    orb_problems_clear(&p);
    assert_int_equal(orb_image_manifest_parse(syntax, strlen(syntax), &m, &p), -1);
    assert_non_null(strstr(p.items[0], "line 3, column "));
    orb_problems_clear(&p);
    big = xcalloc(1, ORB_MANIFEST_MAX_SIZE + 2);
    memset(big, ' ', ORB_MANIFEST_MAX_SIZE + 1);
    assert_int_equal(orb_image_manifest_parse(big, ORB_MANIFEST_MAX_SIZE + 1, &m, &p), -1);
    assert_non_null(strstr(p.items[0], "too large"));
    orb_problems_clear(&p);
    free(big);
}

static void test_keys_case_sensitive_unknown_ignored(void **state)
{
    (void)state;
    image_ok(img("\"futureField\":{\"x\":1}"));
    /* "App" is not "app": the app is absent, so no user/group is required */
    image_ok(img("\"App\":{\"exec\":[\"x\"]}"));
    image_bad(img("\"app\":{\"User\":\"0\",\"Group\":\"0\"}"), "app.user: is required");
}

static void test_load_error(void **state)
{
    orb_error *err = NULL;
    orb_image_manifest *m = NULL;
    orb_pod_manifest *pm = NULL;

    (void)state;
    assert_int_equal(orb_image_manifest_load("{}", 2, &m, &err), -1);
    assert_non_null(strstr(err->msg, "acKind"));
    orb_error_free(err);
    err = NULL;
    assert_int_equal(orb_pod_manifest_load("{}", 2, &pm, &err), -1);
    assert_non_null(strstr(err->msg, "acKind"));
    orb_error_free(err);
}

/* ---- labels, annotations, dependencies ---------------------------------- */

static void test_labels(void **state)
{
    (void)state;
    image_ok(img("\"labels\":[]"));
    image_ok(img("\"labels\":[{\"name\":\"foo\",\"value\":\"\"}]"));
    image_ok(img("\"labels\":[{\"name\":\"os\",\"value\":\"linux\"},"
                 "{\"name\":\"arch\",\"value\":\"aarch64\"}]"));
    image_ok(img("\"labels\":[{\"name\":\"os\",\"value\":\"freebsd\"},"
                 "{\"name\":\"arch\",\"value\":\"amd64\"}]"));
    image_ok(img("\"labels\":[{\"name\":\"arch\",\"value\":\"whatever\"}]"));
    image_bad(img("\"labels\":[{\"name\":\"name\",\"value\":\"x\"}]"), "labels[0].name: ");
    image_bad(img("\"labels\":[{\"name\":\"a\",\"value\":\"1\"},{\"name\":\"a\",\"value\":\"2\"}]"),
              "labels[1].name: duplicate label \"a\"");
    image_bad(img("\"labels\":[{\"name\":\"os\",\"value\":\"linux\"},"
                  "{\"name\":\"arch\",\"value\":\"arm64\"}]"),
              "labels[1].value: ");
    image_bad(img("\"labels\":[{\"name\":\"os\",\"value\":\"OS/360\"}]"), "labels[0].value: ");
    image_bad(img("\"labels\":[{\"name\":\"Foo\",\"value\":\"x\"}]"), "labels[0].name: ");
    image_bad(img("\"labels\":[{\"name\":\"a\",\"value\":1}]"),
              "labels[0].value: must be a string");
    image_bad(img("\"labels\":{\"a\":\"b\"}"), "labels: must be an array");
    image_bad(img("\"labels\":[{\"name\":\"a\",\"value\":\"1\"},{\"name\":\"b\",\"value\":\"1\"},"
                  "{\"name\":\"BAD\",\"value\":\"x\"}]"),
              "labels[2].name: ");
}

static void test_annotations(void **state)
{
    (void)state;
    image_ok(img("\"annotations\":[{\"name\":\"created\",\"value\":\"2004-05-14T23:11:14+00:00\"},"
                 "{\"name\":\"documentation\",\"value\":\"http://example.com/docs\"},"
                 "{\"name\":\"homepage\",\"value\":\"https://homepage.com\"},"
                 "{\"name\":\"appc.io/executor/supports-systemd-notify\",\"value\":\"false\"}]"));
    image_ok(img("\"annotations\":[]"));
    image_bad(img("\"annotations\":[{\"name\":\"foo\",\"value\":\"1\"},"
                  "{\"name\":\"foo\",\"value\":\"2\"}]"),
              "annotations[1].name: duplicate");
    image_bad(img("\"annotations\":[{\"name\":\"created\",\"value\":\"garbage\"}]"),
              "annotations[0].value: ");
    image_bad(img("\"annotations\":[{\"name\":\"homepage\",\"value\":\"not-A$@#URL\"}]"),
              "annotations[0].value: ");
    image_bad(img("\"annotations\":[{\"name\":\"documentation\","
                  "\"value\":\"ftp://isnotallowed.com\"}]"),
              "annotations[0].value: ");
    image_bad(img("\"annotations\":[{\"name\":\"-bad\",\"value\":\"x\"}]"),
              "annotations[0].name: ");
}

static void test_dependencies(void **state)
{
    (void)state;
    image_ok(img("\"dependencies\":[{\"imageName\":\"example.com/reduce-worker-base\"}]"));
    image_ok(img("\"dependencies\":[{\"imageName\":\"a\",\"imageID\":\"sha512-abc\","
                 "\"labels\":[{\"name\":\"os\",\"value\":\"linux\"}],\"size\":12}]"));
    image_bad(img("\"dependencies\":[{}]"), "dependencies[0].imageName: is required");
    image_bad(img("\"dependencies\":[{\"imageName\":\"a\",\"imageID\":\"sha1-abc\"}]"),
              "dependencies[0].imageID: ");
    image_bad(img("\"dependencies\":[{\"imageName\":\"a\",\"size\":-1}]"),
              "dependencies[0].size: ");
    image_bad(img("\"dependencies\":[{\"imageName\":\"a\",\"size\":1.5}]"),
              "dependencies[0].size: must be an integer");
    image_bad(img("\"dependencies\":[{\"imageName\":\"a\","
                  "\"labels\":[{\"name\":\"name\",\"value\":\"x\"}]}]"),
              "dependencies[0].labels[0].name: ");
}

static void test_path_whitelist(void **state)
{
    (void)state;
    image_ok(img("\"pathWhitelist\":[\"/etc/x\",\"relative\"]"));
    image_bad(img("\"pathWhitelist\":[\"/a\",3]"), "pathWhitelist[1]: must be a string");
}

/* ---- app ------------------------------------------------------------- */

static void test_app_user_group_exec(void **state)
{
    (void)state;
    image_ok(img_app(""));
    image_ok(img_app("\"exec\":[\"app\"]"));
    image_ok(img_app("\"exec\":[\"bin/app\",\"--x\"]"));
    image_ok(img_app("\"exec\":[]"));
    image_ok(img_app("\"exec\":null"));
    image_bad(img("\"app\":{\"exec\":[\"notfullyqualified\"]}"), "app.user: is required");
    image_bad(img("\"app\":{\"user\":\"0\"}"), "app.group: is required");
    image_bad(img("\"app\":{\"user\":\"\",\"group\":\"0\"}"), "app.user: must not be empty");
    image_bad(img("\"app\":{\"user\":0,\"group\":\"0\"}"), "app.user: must be a string");
    image_bad(img_app("\"exec\":[\"a\",1]"), "app.exec[1]: must be a string");
    image_bad(img_app("\"exec\":\"/bin/sh\""), "app.exec: must be an array");
    image_bad(img("\"app\":[]"), "app: must be an object");
}

static void test_app_misc_fields(void **state)
{
    (void)state;
    image_ok(img_app("\"supplementaryGIDs\":[1,2,-3]"));
    image_bad(img_app("\"supplementaryGIDs\":[1,\"2\"]"),
              "app.supplementaryGIDs[1]: must be an integer");
    image_ok(img_app("\"workingDirectory\":\"\""));
    image_ok(img_app("\"workingDirectory\":\"/opt\""));
    image_bad(img_app("\"workingDirectory\":\"stuff\""), "app.workingDirectory: ");
    image_bad(img_app("\"workingDirectory\":\"../home/fred\""), "app.workingDirectory: ");
    image_ok(img_app("\"userAnnotations\":{\"weird!\":\"x\"},\"userLabels\":{\"A B\":\"y\"}"));
    image_bad(img_app("\"userLabels\":{\"a\":1}"), "app.userLabels.a: must be a string");
}

static void test_app_event_handlers(void **state)
{
    (void)state;
    image_ok(img_app("\"eventHandlers\":[{\"name\":\"pre-start\",\"exec\":[\"a\"]},"
                     "{\"name\":\"post-stop\",\"exec\":[\"b\"]}]"));
    image_bad(img_app("\"eventHandlers\":[{\"name\":\"pre-start\",\"exec\":[\"a\"]},"
                      "{\"name\":\"pre-start\",\"exec\":[\"b\"]}]"),
              "app.eventHandlers[1].name: duplicate");
    image_bad(img_app("\"eventHandlers\":[{\"name\":\"\",\"exec\":[\"a\"]}]"),
              "app.eventHandlers[0].name: is required");
    image_bad(img_app("\"eventHandlers\":[{\"name\":\"on-boot\",\"exec\":[\"a\"]}]"),
              "app.eventHandlers[0].name: must be");
}

static void test_app_environment(void **state)
{
    const char *good[] = {"DEBUG", "_0_DEBUG_0_", "DEBUG.0", "DEBUG-0"};
    const char *bad[] = {"", "0DEBUG", "VERBOSE|DEBUG"};

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        _cleanup_free_ char *e =
            xasprintf("\"environment\":[{\"name\":\"%s\",\"value\":\"1\"}]", good[i]);
        image_ok(img_app(e));
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        _cleanup_free_ char *e =
            xasprintf("\"environment\":[{\"name\":\"%s\",\"value\":\"1\"}]", bad[i]);
        image_bad(img_app(e), "app.environment[0].name: ");
    }
    image_bad(img_app("\"environment\":[{\"name\":\"DEBUG\",\"value\":\"1\"},"
                      "{\"name\":\"DEBUG\",\"value\":\"2\"}]"),
              "app.environment[1].name: duplicate");
}

static void test_app_isolators(void **state)
{
    (void)state;
    image_ok(img_app("\"isolators\":[{\"name\":\"resource/cpu\",\"value\":{\"limit\":\"1\"}},"
                     "{\"name\":\"resource/cpu\",\"value\":{\"limit\":\"2\"}}]"));
    image_bad(img_app("\"isolators\":[{\"name\":\"resource/network-ponies\",\"value\":0}]"),
              "app.isolators[0].name: unknown isolator");
    image_bad(img_app("\"isolators\":[{\"name\":\"resource/cpu\"}]"),
              "app.isolators[0].value: is required");
    image_bad(img_app("\"isolators\":[{\"name\":\"resource/cpu\",\"value\":null}]"),
              "app.isolators[0].value: is required");
    image_bad(img_app("\"isolators\":[{\"name\":\"os/linux/cpu-shares\",\"value\":1}]"),
              "app.isolators[0].value: ");
    image_bad(img_app("\"isolators\":[{\"name\":\"os/linux/cpu-shares\",\"value\":2},"
                      "{\"name\":\"os/linux/cpu-shares\",\"value\":3}]"),
              "app.isolators[1]: duplicate isolator");
    image_bad(img_app("\"isolators\":[{\"name\":\"os/linux/seccomp-retain-set\","
                      "\"value\":{\"set\":[\"a\"]}},{\"name\":\"os/linux/seccomp-remove-set\","
                      "\"value\":{\"set\":[\"b\"]}}]"),
              "app.isolators[1]: ");
    image_bad(img_app("\"isolators\":[{\"value\":true}]"), "app.isolators[0].name: is required");
}

static void test_app_mount_points(void **state)
{
    (void)state;
    image_ok(img_app("\"mountPoints\":[{\"name\":\"db\",\"path\":\"/db\",\"readOnly\":true},"
                     "{\"name\":\"db\",\"path\":\"/db2\"}]"));
    image_bad(img_app("\"mountPoints\":[{\"name\":\"Db\",\"path\":\"/db\"}]"),
              "app.mountPoints[0].name: ");
    image_bad(img_app("\"mountPoints\":[{\"name\":\"db\"}]"), "app.mountPoints[0].path: ");
    image_bad(img_app("\"mountPoints\":[{\"path\":\"/x\"}]"), "app.mountPoints[0].name: ");
    image_bad(img_app("\"mountPoints\":[{\"name\":\"db\",\"path\":\"/x\",\"readOnly\":\"yes\"}]"),
              "app.mountPoints[0].readOnly: must be a boolean");
}

static void test_app_ports(void **state)
{
    orb_image_manifest *m = NULL;
    orb_problems p = {0};
    _cleanup_free_ char *j = img_app("\"ports\":[{\"name\":\"www\",\"protocol\":\"tcp\","
                                     "\"port\":80,\"count\":0}]");

    (void)state;
    assert_int_equal(orb_image_manifest_parse(j, strlen(j), &m, &p), 0);
    assert_int_equal(m->app->ports[0].count, 1);
    orb_image_manifest_free(m);
    image_ok(
        img_app("\"ports\":[{\"name\":\"a\",\"protocol\":\"tcp\",\"port\":32456,\"count\":100}]"));
    image_ok(
        img_app("\"ports\":[{\"name\":\"a\",\"protocol\":\"tcp\",\"port\":65535,\"count\":1}]"));
    image_bad(img_app("\"ports\":[{\"name\":\"a\",\"port\":1},"
                      "{\"name\":\"a\",\"protocol\":\"tcp\",\"port\":88888}]"),
              "app.ports[1]");
    image_bad(img_app("\"ports\":[{\"name\":\"a\",\"port\":32456,\"count\":45678}]"),
              "app.ports[0]");
    image_bad(img_app("\"ports\":[{\"name\":\"a\",\"port\":0}]"), "app.ports[0]");
    image_bad(img_app("\"ports\":[{\"name\":\"a\",\"port\":65535,\"count\":2}]"), "app.ports[0]");
    image_bad(img_app("\"ports\":[{\"name\":\"a\",\"port\":80,\"count\":-1}]"),
              "app.ports[0].count: ");
    image_bad(img_app("\"ports\":[{\"name\":\"A_1\",\"port\":80}]"), "app.ports[0].name: ");
}

static void test_indexes_survive_bad_entries(void **state)
{
    (void)state;
    image_bad(img("\"labels\":[1,{\"name\":\"BAD\",\"value\":\"x\"}]"), "labels[1].name: ");
    image_bad(img_app("\"ports\":[true,{\"name\":\"a\",\"port\":0}]"), "app.ports[1]");
    image_bad(img_app("\"isolators\":[{\"name\":\"os/linux/cpu-shares\",\"value\":1},"
                      "{\"name\":\"os/linux/cpu-shares\",\"value\":2}]"),
              "app.isolators[1]: duplicate isolator");
    pod_bad(pod("\"apps\":[null,{\"name\":\"x\",\"image\":{}},{\"name\":\"x\",\"image\":{}}]"),
            "apps[2].name: duplicate app name \"x\"");
}

static void test_every_problem_recorded(void **state)
{
    orb_problems p = {0};
    orb_image_manifest *m = NULL;
    _cleanup_free_ char *j =
        xstrdup("{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"BAD\","
                "\"labels\":[{\"name\":\"name\",\"value\":\"x\"}],"
                "\"app\":{\"user\":\"0\",\"group\":7,\"ports\":[{\"name\":\"a\",\"port\":0}]}}");

    (void)state;
    assert_int_equal(orb_image_manifest_parse(j, strlen(j), &m, &p), -1);
    assert_true(has_problem(&p, "name: "));
    assert_true(has_problem(&p, "labels[0].name: "));
    assert_true(has_problem(&p, "app.group: must be a string"));
    assert_true(has_problem(&p, "app.ports[0]"));
    assert_int_equal(p.n, 4);
    orb_problems_clear(&p);
}

/* ---- pod ------------------------------------------------------------- */

static void test_pod_documents(void **state)
{
    (void)state;
    pod_bad(xstrdup("{}"), "acKind: ");
    pod_ok(xstrdup("{\"acKind\":\"PodManifest\"}"));
    pod_ok(pod("\"apps\":[]"));
    pod_bad(xstrdup("{\"acKind\":\"PodManifest\",\"acVersion\":\"0.0.0\"}"), "acVersion: ");
    pod_bad(xstrdup("{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\"}"), "acKind: ");
}

static void test_pod_apps(void **state)
{
    (void)state;
    pod_ok(pod("\"apps\":[{\"name\":\"a\",\"image\":{\"name\":\"example.com/a\"}}]"));
    pod_ok(pod("\"apps\":[{\"name\":\"a\",\"image\":{\"id\":\"sha512-abc\"},"
               "\"app\":{" APP_UG "},\"readOnlyRootFS\":true,"
               "\"annotations\":[{\"name\":\"x\",\"value\":\"y\"}]}]"));
    pod_bad(pod("\"apps\":[{\"name\":\"x\",\"image\":{}},{\"name\":\"x\",\"image\":{}}]"),
            "apps[1].name: duplicate app name \"x\"");
    pod_bad(pod("\"apps\":[{\"image\":{}}]"), "apps[0].name: is required");
    pod_bad(pod("\"apps\":[{\"name\":\"example.com\",\"image\":{}}]"), "apps[0].name: ");
    pod_bad(pod("\"apps\":[{\"name\":\"a\",\"image\":{\"id\":\"sha1-x\"}}]"), "apps[0].image.id: ");
    pod_bad(pod("\"apps\":[{\"name\":\"a\",\"image\":{\"name\":\"A\"}}]"), "apps[0].image.name: ");
    pod_bad(pod("\"apps\":[{\"name\":\"a\",\"image\":{\"labels\":[{\"name\":\"name\","
                "\"value\":\"x\"}]}}]"),
            "apps[0].image.labels[0].name: ");
    pod_bad(pod("\"apps\":[{\"name\":\"a\",\"image\":{},\"app\":{\"user\":\"0\"}}]"),
            "apps[0].app.group: is required");
    pod_bad(pod("\"apps\":[{\"name\":\"a\",\"image\":{},\"readOnlyRootFS\":1}]"),
            "apps[0].readOnlyRootFS: must be a boolean");
    pod_bad(pod("\"apps\":[{\"name\":\"a\",\"image\":{},\"annotations\":[{\"name\":\"created\","
                "\"value\":\"x\"}]}]"),
            "apps[0].annotations[0].value: ");
}

static void test_pod_mounts(void **state)
{
    (void)state;
    pod_ok(pod("\"apps\":[{\"name\":\"a\",\"image\":{},\"mounts\":[{\"volume\":\"v\","
               "\"path\":\"/x\",\"appVolume\":{\"name\":\"v\",\"kind\":\"empty\"}}]}]"));
    pod_bad(pod("\"apps\":[{\"name\":\"a\",\"image\":{},\"mounts\":[{\"volume\":\"v\","
                "\"path\":\"/x\",\"appVolume\":{\"name\":\"v\",\"kind\":\"host\"}}]}]"),
            "apps[0].mounts[0].appVolume");
    pod_bad(pod("\"apps\":[{\"name\":\"a\",\"image\":{},\"mounts\":[{\"path\":\"/x\"}]}]"),
            "apps[0].mounts[0].volume: is required");
}

static void test_pod_volumes(void **state)
{
    orb_pod_manifest *m = NULL;
    orb_problems p = {0};
    _cleanup_free_ char *j = pod("\"volumes\":[{\"name\":\"e\",\"kind\":\"empty\"}]");

    (void)state;
    assert_int_equal(orb_pod_manifest_parse(j, strlen(j), &m, &p), 0);
    assert_string_equal(m->volumes[0].mode, "0755");
    assert_true(m->volumes[0].has_uid && m->volumes[0].has_gid);
    orb_pod_manifest_free(m);
    pod_ok(pod("\"volumes\":[{\"name\":\"h\",\"kind\":\"host\",\"source\":\"/tmp\","
               "\"readOnly\":true,\"recursive\":false}]"));
    pod_bad(pod("\"volumes\":[{\"name\":\"simplename\",\"kind\":\"empty\"},"
                "{\"name\":\"simplename\",\"kind\":\"host\",\"source\":\"/tmp\"}]"),
            "volumes[1].name: duplicate volume name \"simplename\"");
    pod_bad(pod("\"volumes\":[{\"name\":\"h\",\"kind\":\"host\",\"source\":\"tmp\"}]"),
            "volumes[0].");
    pod_bad(pod("\"volumes\":[{\"name\":\"h\",\"kind\":\"host\",\"source\":\"/t\",\"uid\":3}]"),
            "volumes[0].");
    pod_bad(pod("\"volumes\":[{\"name\":\"h\",\"kind\":\"empty\",\"source\":\"/tmp\"}]"),
            "volumes[0].");
    pod_bad(pod("\"volumes\":[{\"name\":\"h\",\"kind\":\"nfs\"}]"), "volumes[0].kind: ");
    pod_bad(pod("\"volumes\":[{\"name\":\"h\"}]"), "volumes[0].kind: is required");
}

static void test_pod_isolators_and_ports(void **state)
{
    (void)state;
    pod_ok(pod("\"isolators\":[{\"name\":\"resource/network-ponies\",\"value\":0},"
               "{\"name\":\"os/linux/cpu-shares\",\"value\":2},"
               "{\"name\":\"os/linux/cpu-shares\",\"value\":3}]"));
    pod_bad(pod("\"isolators\":[{\"name\":\"os/linux/cpu-shares\",\"value\":1}]"),
            "isolators[0].value: ");
    pod_bad(pod("\"isolators\":[{\"name\":\"x/y\"}]"), "isolators[0].value: is required");
    pod_bad(pod("\"isolators\":[{\"name\":\"BAD\",\"value\":1}]"), "isolators[0].name: ");
    pod_ok(pod("\"ports\":[{\"name\":\"www\",\"hostPort\":8080,\"hostIP\":\"10.0.0.1\","
               "\"podPort\":{\"name\":\"www\",\"protocol\":\"tcp\",\"port\":80}}]"));
    pod_ok(pod("\"ports\":[{\"name\":\"www\",\"hostPort\":8080,\"hostIP\":\"::1\"}]"));
    pod_bad(pod("\"ports\":[{\"name\":\"www\",\"hostPort\":80,\"hostIP\":\"nope\"}]"),
            "ports[0].hostIP: ");
    pod_bad(pod("\"ports\":[{\"name\":\"www\",\"hostPort\":-1}]"), "ports[0].hostPort: ");
    pod_bad(pod("\"ports\":[{\"name\":\"www\",\"podPort\":{\"name\":\"w\",\"port\":0}}]"),
            "ports[0].podPort");
    pod_ok(pod("\"userAnnotations\":{\"a\":\"b\"},\"userLabels\":{\"c\":\"d\"}"));
    pod_bad(pod("\"userAnnotations\":[]"), "userAnnotations: must be an object");
}

/* ---- round trips ------------------------------------------------------- */

static char *read_example(const char *name, size_t *len)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", SPEC_EXAMPLES_DIR, name);
    orb_error *err = NULL;
    char *buf = NULL;

    if (orb_read_file(path, ORB_MANIFEST_MAX_SIZE, &buf, len, &err) < 0)
        fail_msg("%s", err->msg);
    return buf;
}

static void image_round_trip(const char *json, size_t len)
{
    orb_image_manifest *m = NULL, *m2 = NULL;
    orb_problems p = {0};
    char *a, *b, *pretty;

    if (orb_image_manifest_parse(json, len, &m, &p) < 0)
        fail_msg("%s", p.items[0]);
    a = orb_image_manifest_to_json(m, false);
    pretty = orb_image_manifest_to_json(m, true);
    assert_int_equal(orb_image_manifest_parse(pretty, strlen(pretty), &m2, &p), 0);
    b = orb_image_manifest_to_json(m2, false);
    assert_string_equal(a, b);
    assert_null(strchr(a, '\n'));
    assert_true(pretty[strlen(pretty) - 1] != '\n');
    free(a);
    free(b);
    free(pretty);
    orb_image_manifest_free(m);
    orb_image_manifest_free(m2);
}

static void pod_round_trip(const char *json, size_t len)
{
    orb_pod_manifest *m = NULL, *m2 = NULL;
    orb_problems p = {0};
    char *a, *b;

    if (orb_pod_manifest_parse(json, len, &m, &p) < 0)
        fail_msg("%s", p.items[0]);
    a = orb_pod_manifest_to_json(m, true);
    assert_int_equal(orb_pod_manifest_parse(a, strlen(a), &m2, &p), 0);
    b = orb_pod_manifest_to_json(m2, true);
    assert_string_equal(a, b);
    free(a);
    free(b);
    orb_pod_manifest_free(m);
    orb_pod_manifest_free(m2);
}

static void test_spec_examples(void **state)
{
    size_t len;
    char *j;

    (void)state;
    j = read_example("image.json", &len);
    image_round_trip(j, len);
    free(j);
    j = read_example("pod_runtime.json", &len);
    pod_round_trip(j, len);
    free(j);
    j = read_example("pod_template.json", &len);
    pod_round_trip(j, len);
    free(j);
}

static void test_serialise_order(void **state)
{
    _cleanup_free_ char *j = xstrdup(
        "{\"annotations\":[{\"name\":\"a\",\"value\":\"b\"}],\"app\":{\"group\":\"0\","
        "\"user\":\"0\",\"exec\":[\"/x\"],\"isolators\":[{\"name\":\"resource/cpu\","
        "\"value\":{\"limit\":\"1\",\"request\":\"1\"}}]},\"name\":\"a\",\"acVersion\":\"0.8.11\","
        "\"acKind\":\"ImageManifest\"}");
    orb_image_manifest *m = NULL;
    orb_problems p = {0};
    char *out;

    (void)state;
    assert_int_equal(orb_image_manifest_parse(j, strlen(j), &m, &p), 0);
    out = orb_image_manifest_to_json(m, false);
    assert_string_equal(out,
                        "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"a\","
                        "\"app\":{\"exec\":[\"/x\"],\"user\":\"0\",\"group\":\"0\","
                        "\"isolators\":[{\"name\":\"resource/cpu\",\"value\":"
                        "{\"limit\":\"1\",\"request\":\"1\"}}]},"
                        "\"annotations\":[{\"name\":\"a\",\"value\":\"b\"}]}");
    free(out);
    orb_image_manifest_free(m);
}

static void test_validate_in_memory(void **state)
{
    orb_image_manifest m = {0};
    orb_problems p = {0};

    (void)state;
    assert_int_equal(orb_image_manifest_validate(&m, &p), -1);
    assert_true(has_problem(&p, "acVersion: is required"));
    assert_true(has_problem(&p, "name: is required"));
    orb_problems_clear(&p);
    m.ac_version = (char *)"0.8.11";
    m.name = (char *)"example.com/x";
    assert_int_equal(orb_image_manifest_validate(&m, &p), 0);
    assert_int_equal(p.n, 0);
}

/* ---- patch ------------------------------------------------------------ */

static orb_image_manifest *base(const char *rest)
{
    _cleanup_free_ char *j = img(rest);
    orb_image_manifest *m = NULL;
    orb_problems p = {0};

    assert_int_equal(orb_image_manifest_parse(j, strlen(j), &m, &p), 0);
    return m;
}

static char *patched(const char *rest, const orb_manifest_patch *patch, const char *want_err)
{
    orb_image_manifest *m = base(rest);
    orb_error *err = NULL;
    char *out = NULL;
    int r = orb_image_manifest_apply_patch(m, patch, &err);

    if (want_err) {
        assert_int_equal(r, -1);
        if (!strstr(err->msg, want_err))
            fail_msg("error \"%s\" lacks \"%s\"", err->msg, want_err);
        orb_error_free(err);
    } else {
        if (r < 0)
            fail_msg("patch failed: %s", err->msg);
        out = orb_image_manifest_to_json(m, false);
    }
    orb_image_manifest_free(m);
    return out;
}

static void test_patch_basic(void **state)
{
    orb_manifest_patch p = {.name = "example.com/new",
                            .exec = "/app --debug",
                            .user = "1",
                            .group = "2",
                            .supplementary_gids = "5,6"};
    _cleanup_free_ char *out = patched("", &p, NULL);

    (void)state;
    assert_string_equal(out, "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
                             "\"name\":\"example.com/new\",\"app\":{\"exec\":[\"/app\","
                             "\"--debug\"],\"user\":\"1\",\"group\":\"2\","
                             "\"supplementaryGIDs\":[5,6]}}");
}

static void test_patch_rejects(void **state)
{
    (void)state;
    assert_null(patched("", &(orb_manifest_patch){.name = "Bad Name"}, "name: "));
    assert_null(patched("", &(orb_manifest_patch){.exec = "/x"}, "app.user: is required"));
    assert_null(
        patched("", &(orb_manifest_patch){.user = "0", .group = "0", .supplementary_gids = "1,x"},
                "invalid supplementary group \"x\""));
    assert_null(patched(
        "",
        &(orb_manifest_patch){
            .user = "0", .group = "0", .capability = "CAP_KILL", .revoke_capability = "CAP_KILL"},
        "cannot be combined"));
    assert_null(patched("",
                        &(orb_manifest_patch){.user = "0", .group = "0", .seccomp_mode = "retain"},
                        "seccomp-mode requires seccomp-set"));
    assert_null(patched("",
                        &(orb_manifest_patch){.user = "0", .group = "0", .seccomp_set = "chmod"},
                        "seccomp-set requires seccomp-mode"));
    assert_null(patched("",
                        &(orb_manifest_patch){
                            .user = "0", .group = "0", .seccomp_mode = "keep", .seccomp_set = "x"},
                        "seccomp-mode: "));
    assert_null(patched(
        "",
        &(orb_manifest_patch){
            .user = "0", .group = "0", .seccomp_mode = "remove,errno=eperm", .seccomp_set = "x"},
        "errno"));
    assert_null(
        patched("", &(orb_manifest_patch){.user = "0", .group = "0", .mounts = "#foobar,path=/tmp"},
                "#foobar"));
    assert_null(patched(
        "", &(orb_manifest_patch){.user = "0", .group = "0", .ports = "www,protocol=tcp,port=0"},
        "www,protocol=tcp,port=0"));
    assert_null(patched(
        "", &(orb_manifest_patch){.user = "0", .group = "0", .isolators = "os/unix/sysctl,{}"},
        "not supported for patching"));
    assert_null(patched("",
                        &(orb_manifest_patch){
                            .user = "0", .group = "0", .isolators = "os/linux/oom-score-adj,5000"},
                        "isolator"));
    assert_null(patched(
        "",
        &(orb_manifest_patch){.user = "0", .group = "0", .isolators = "os/linux/no-new-privileges"},
        "os/linux/no-new-privileges"));
}

static void test_patch_isolators(void **state)
{
    orb_manifest_patch p = {
        .user = "0",
        .group = "0",
        .revoke_capability = "CAP_SYS_CHROOT,CAP_MKNOD",
        .seccomp_mode = "remove,errno=EPERM",
        .seccomp_set = "reboot,kexec_load",
        .isolators = "resource/cpu,request=50m,limit=100m:os/linux/no-new-privileges,true:"
                     "resource/network-bandwidth,default=true,limit=1G",
    };
    _cleanup_free_ char *out = NULL;

    (void)state;
    out = patched(
        "\"app\":{\"user\":\"9\",\"group\":\"9\",\"isolators\":["
        "{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{\"set\":[\"CAP_KILL\"]}},"
        "{\"name\":\"os/linux/seccomp-retain-set\",\"value\":{\"set\":[\"x\"]}},"
        "{\"name\":\"resource/cpu\",\"value\":{\"limit\":\"1\"}}]}",
        &p, NULL);
    assert_null(strstr(out, "capabilities-retain-set"));
    assert_null(strstr(out, "seccomp-retain-set"));
    assert_null(strstr(out, "{\"limit\":\"1\"}"));
    assert_non_null(strstr(out, "{\"name\":\"os/linux/capabilities-remove-set\",\"value\":"
                                "{\"set\":[\"CAP_SYS_CHROOT\",\"CAP_MKNOD\"]}}"));
    assert_non_null(strstr(out, "{\"name\":\"os/linux/seccomp-remove-set\",\"value\":"
                                "{\"set\":[\"reboot\",\"kexec_load\"],\"errno\":\"EPERM\"}}"));
    assert_non_null(strstr(out, "{\"name\":\"resource/cpu\",\"value\":"
                                "{\"request\":\"50m\",\"limit\":\"100m\"}}"));
    assert_non_null(strstr(out, "{\"name\":\"os/linux/no-new-privileges\",\"value\":true}"));
    assert_non_null(strstr(out, "\"value\":{\"default\":true,\"limit\":\"1G\"}"));
}

static void test_patch_mounts_ports(void **state)
{
    orb_manifest_patch p = {.mounts = "work,path=/opt,readOnly=true:w2,path=/w2",
                            .ports = "query,protocol=tcp,port=8080:q2,protocol=udp,port=53,"
                                     "count=0"};
    _cleanup_free_ char *out = NULL;

    (void)state;
    out = patched("\"app\":{\"user\":\"9\",\"group\":\"9\"}", &p, NULL);
    assert_non_null(strstr(out, "\"mountPoints\":[{\"name\":\"work\",\"path\":\"/opt\","
                                "\"readOnly\":true},{\"name\":\"w2\",\"path\":\"/w2\"}]"));
    assert_non_null(strstr(out, "{\"name\":\"q2\",\"protocol\":\"udp\",\"port\":53,"
                                "\"count\":1,\"socketActivated\":false}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_image),
        cmocka_unit_test(test_image_document_rejects),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_keys_case_sensitive_unknown_ignored),
        cmocka_unit_test(test_load_error),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_annotations),
        cmocka_unit_test(test_dependencies),
        cmocka_unit_test(test_path_whitelist),
        cmocka_unit_test(test_app_user_group_exec),
        cmocka_unit_test(test_app_misc_fields),
        cmocka_unit_test(test_app_event_handlers),
        cmocka_unit_test(test_app_environment),
        cmocka_unit_test(test_app_isolators),
        cmocka_unit_test(test_app_mount_points),
        cmocka_unit_test(test_app_ports),
        cmocka_unit_test(test_every_problem_recorded),
        cmocka_unit_test(test_indexes_survive_bad_entries),
        cmocka_unit_test(test_pod_documents),
        cmocka_unit_test(test_pod_apps),
        cmocka_unit_test(test_pod_mounts),
        cmocka_unit_test(test_pod_volumes),
        cmocka_unit_test(test_pod_isolators_and_ports),
        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_serialise_order),
        cmocka_unit_test(test_validate_in_memory),
        cmocka_unit_test(test_patch_basic),
        cmocka_unit_test(test_patch_rejects),
        cmocka_unit_test(test_patch_isolators),
        cmocka_unit_test(test_patch_mounts_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
