/* Reifying pod manifests from requests, and preparing a real pod. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aci/aci.h"
#include "pod/prepare.h"
#include "util/copy.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"

static const char *const BUSYBOX_ID = "sha512-"
                                      "00000000000000000000000000000000000000000000000000000000"
                                      "0000000000000000000000000000000000000000000000000000000000"
                                      "00000000000000";

#define APP_JSON(extra)                                                                            \
    "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/my_app\","      \
    "\"labels\":[{\"name\":\"version\",\"value\":\"1.0\"}],"                                       \
    "\"app\":{\"exec\":[\"/bin/app\",\"-a\"],\"user\":\"1000\",\"group\":\"1000\"" extra "}}"

static orb_image_manifest *image(const char *json)
{
    orb_image_manifest *m = NULL;
    orb_error *err = NULL;
    if (orb_image_manifest_load(json, strlen(json), &m, &err) < 0)
        fail_msg("manifest: %s", err->msg);
    return m;
}

/* A request for n apps of the same image (fields filled by the test). */
typedef struct fixture {
    orb_pod_request r;
    orb_image_manifest *images[4];
    char *ids[4];
} fixture;

static void fx_init(fixture *fx, size_t n, const char *json)
{
    memset(fx, 0, sizeof(*fx));
    fx->r.apps = xcalloc(n, sizeof(orb_app_request));
    fx->r.n_apps = n;
    for (size_t i = 0; i < n; i++) {
        fx->images[i] = image(json);
        fx->ids[i] = (char *)BUSYBOX_ID;
        fx->r.apps[i].image = xstrdup("example.com/my_app");
    }
}

static void fx_clear(fixture *fx)
{
    for (size_t i = 0; i < fx->r.n_apps; i++)
        orb_image_manifest_free(fx->images[i]);
    orb_pod_request_clear(&fx->r);
}

static orb_pod_manifest *reify_ok(fixture *fx)
{
    orb_pod_manifest *pm = NULL;
    orb_error *err = NULL;
    if (orb_pod_manifest_reify(&fx->r, fx->ids, fx->images, &pm, &err) < 0)
        fail_msg("reify: %s", err->msg);
    return pm;
}

static void reify_fails(fixture *fx, const char *expected)
{
    orb_pod_manifest *pm = NULL;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_pod_manifest_reify(&fx->r, fx->ids, fx->images, &pm, &err), -1);
    assert_null(pm);
    assert_non_null(err);
    if (!strstr(err->msg, expected))
        fail_msg("error \"%s\" lacks \"%s\"", err->msg, expected);
}

static const orb_isolator *isolator(const orb_runtime_app *ra, const char *name)
{
    for (size_t i = 0; i < ra->app->isolators.n; i++)
        if (strcmp(ra->app->isolators.items[i].name, name) == 0)
            return &ra->app->isolators.items[i];
    return NULL;
}

/* ---- names ------------------------------------------------------------------ */

static void name_from_image(void **state)
{
    (void)state;
    const char *cases[][2] = {{"example.com/my_app", "my-app"},
                              {"busybox", "busybox"},
                              {"example.com/a/Web.Server_", "web-server"},
                              {"example.com/--x--", "x"}};
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        _cleanup_free_ char *n = orb_app_name_from_image(cases[i][0]);
        assert_string_equal(n, cases[i][1]);
    }
    fixture fx;
    fx_init(&fx, 1, APP_JSON(""));
    orb_pod_manifest *pm = reify_ok(&fx);
    assert_int_equal(pm->n_apps, 1);
    assert_string_equal(pm->apps[0].name, "my-app");
    assert_string_equal(pm->apps[0].image.name, "example.com/my_app");
    assert_string_equal(pm->apps[0].image.id, BUSYBOX_ID);
    assert_string_equal(orb_kv_get(&pm->apps[0].image.labels, "version"), "1.0");
    assert_string_equal(pm->ac_version, "0.8.11");
    orb_pod_manifest_free(pm);
    fx_clear(&fx);
}

static void name_flag(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx, 2, APP_JSON(""));
    fx.r.apps[1].name = xstrdup("second");
    orb_pod_manifest *pm = reify_ok(&fx);
    assert_string_equal(pm->apps[0].name, "my-app");
    assert_string_equal(pm->apps[1].name, "second");
    orb_pod_manifest_free(pm);
    free(fx.r.apps[1].name);
    fx.r.apps[1].name = xstrdup("Bad_Name");
    reify_fails(&fx, "apps[1]: --name \"Bad_Name\"");
    fx_clear(&fx);
}

static void name_duplicate(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx, 2, APP_JSON(""));
    reify_fails(&fx, "apps[1]: duplicate app name \"my-app\" (use --name)");
    fx_clear(&fx);
}

/* ---- exec, identity ---------------------------------------------------------- */

static char **exec_of(fixture *fx)
{
    orb_pod_manifest *pm = reify_ok(fx);
    char **v = strv_copy(pm->apps[0].app->exec);
    orb_pod_manifest_free(pm);
    return v;
}

static void exec_overrides(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx, 1, APP_JSON(""));
    _cleanup_strv_ char **e0 = exec_of(&fx);
    assert_true(strv_equal(e0, (char *[]){"/bin/app", "-a", NULL}));
    fx.r.apps[0].exec = xstrdup("/bin/other");
    _cleanup_strv_ char **e1 = exec_of(&fx);
    assert_true(strv_equal(e1, (char *[]){"/bin/other", NULL}));
    fx.r.apps[0].has_args = true;
    fx.r.apps[0].args = strv_copy((char *[]){"x", "y", NULL});
    _cleanup_strv_ char **e2 = exec_of(&fx);
    assert_true(strv_equal(e2, (char *[]){"/bin/other", "x", "y", NULL}));
    free(fx.r.apps[0].exec);
    fx.r.apps[0].exec = NULL;
    _cleanup_strv_ char **e3 = exec_of(&fx);
    assert_true(strv_equal(e3, (char *[]){"/bin/app", "x", "y", NULL}));
    strv_free(fx.r.apps[0].args);
    fx.r.apps[0].args = NULL; /* `--` with nothing after it */
    _cleanup_strv_ char **e4 = exec_of(&fx);
    assert_true(strv_equal(e4, (char *[]){"/bin/app", NULL}));
    fx_clear(&fx);
}

static void exec_no_app(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx, 1,
            "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/lib\"}");
    reify_fails(&fx, "app lib: image example.com/lib has no app to run and no --exec was given");
    fx.r.apps[0].exec = xstrdup("/bin/sh");
    orb_pod_manifest *pm = reify_ok(&fx);
    assert_true(strv_equal(pm->apps[0].app->exec, (char *[]){"/bin/sh", NULL}));
    assert_string_equal(pm->apps[0].app->user, "0");
    assert_string_equal(pm->apps[0].app->group, "0");
    orb_pod_manifest_free(pm);
    fx_clear(&fx);
}

static void identity(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx, 1, APP_JSON(",\"supplementaryGIDs\":[5],\"workingDirectory\":\"/srv\""));
    orb_pod_manifest *pm = reify_ok(&fx);
    assert_string_equal(pm->apps[0].app->user, "1000");
    assert_int_equal(pm->apps[0].app->n_supplementary_gids, 1);
    assert_string_equal(pm->apps[0].app->working_directory, "/srv");
    orb_pod_manifest_free(pm);
    orb_app_request *a = &fx.r.apps[0];
    a->user = xstrdup("nobody");
    a->group = xstrdup("42");
    a->supplementary_gids = xstrdup("1,2,300");
    a->working_dir = xstrdup("/tmp");
    pm = reify_ok(&fx);
    orb_app *app = pm->apps[0].app;
    assert_string_equal(app->user, "nobody");
    assert_string_equal(app->group, "42");
    assert_int_equal(app->n_supplementary_gids, 3);
    assert_int_equal(app->supplementary_gids[0], 1);
    assert_int_equal(app->supplementary_gids[2], 300);
    assert_string_equal(app->working_directory, "/tmp");
    orb_pod_manifest_free(pm);
    free(a->supplementary_gids);
    a->supplementary_gids = xstrdup("1,x");
    reify_fails(&fx, "app my-app: --supplementary-gids: \"x\" is not a group ID");
    fx_clear(&fx);
}

/* ---- environment --------------------------------------------------------------- */

static char *env_file(const char *text)
{
    char *path = xstrdup("/tmp/orbit-test-env-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

#define IMAGE_ENV                                                                                  \
    ",\"environment\":[{\"name\":\"ORB_T_HOST\",\"value\":\"image\"},"                             \
    "{\"name\":\"ORB_T_IMAGE\",\"value\":\"image\"},{\"name\":\"ORB_T_FILE\",\"value\":\"image\"}" \
    ","                                                                                            \
    "{\"name\":\"ORB_T_SET\",\"value\":\"image\"},{\"name\":\"ORB_T_APP\",\"value\":\"image\"}]"

static void environment_layers(void **state)
{
    (void)state;
    setenv("ORB_T_HOST", "host", 1);
    setenv("ORB_T_ONLY_HOST", "host", 1);
    _cleanup_free_ char *f = env_file("# a comment\n\nORB_T_FILE=file\nORB_T_SET=file\n"
                                      "ORB_T_APP=file\nORB_T_IMAGE=file=with=eq\n");
    fixture fx;
    fx_init(&fx, 1, APP_JSON(IMAGE_ENV));
    orb_pod_manifest *pm = reify_ok(&fx); /* nothing asked: the image's alone */
    assert_null(orb_kv_get(&pm->apps[0].app->environment, "ORB_T_ONLY_HOST"));
    assert_string_equal(orb_kv_get(&pm->apps[0].app->environment, "ORB_T_HOST"), "image");
    orb_pod_manifest_free(pm);
    fx.r.inherit_env = true;
    strv_push(&fx.r.set_env_files, f);
    orb_kv_set(&fx.r.set_env, "ORB_T_SET", "set");
    orb_kv_set(&fx.r.set_env, "ORB_T_APP", "set");
    orb_kv_set(&fx.r.apps[0].environment, "ORB_T_APP", "app");
    pm = reify_ok(&fx);
    const orb_kv_list *env = &pm->apps[0].app->environment;
    assert_string_equal(orb_kv_get(env, "ORB_T_ONLY_HOST"), "host");
    assert_string_equal(orb_kv_get(env, "ORB_T_HOST"), "image"); /* the image wins over the host */
    assert_string_equal(orb_kv_get(env, "ORB_T_IMAGE"), "file=with=eq");
    assert_string_equal(orb_kv_get(env, "ORB_T_FILE"), "file");
    assert_string_equal(orb_kv_get(env, "ORB_T_SET"), "set");
    assert_string_equal(orb_kv_get(env, "ORB_T_APP"), "app");
    orb_pod_manifest_free(pm);
    unlink(f);
    unsetenv("ORB_T_HOST");
    unsetenv("ORB_T_ONLY_HOST");
    fx_clear(&fx);
}

static void environment_bad_file(void **state)
{
    (void)state;
    _cleanup_free_ char *f = env_file("# comment\nGOOD=1\nthis line is bad\n");
    fixture fx;
    fx_init(&fx, 1, APP_JSON(""));
    strv_push(&fx.r.set_env_files, f);
    _cleanup_free_ char *where = xasprintf("%s:3: expected NAME=VALUE", f);
    reify_fails(&fx, where);
    unlink(f);
    strv_free(fx.r.set_env_files);
    fx.r.set_env_files = NULL;
    strv_push(&fx.r.set_env_files, "/nonexistent/orbit-env");
    reify_fails(&fx, "--set-env-file /nonexistent/orbit-env");
    fx_clear(&fx);
}

/* ---- isolators ------------------------------------------------------------------ */

static void isolators_quantities(void **state)
{
    (void)state;
    const char *cases[][3] = {
        {"512M", "2", "{\"limit\":\"512M\"}"},
        {"536870912", "500m", "{\"limit\":\"536870912\"}"},
    };
    const char *cpu_raw[] = {"{\"limit\":\"2\"}", "{\"limit\":\"500m\"}"};
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        fixture fx;
        fx_init(&fx, 1, APP_JSON(""));
        fx.r.apps[0].memory = xstrdup(cases[i][0]);
        fx.r.apps[0].cpu = xstrdup(cases[i][1]);
        orb_pod_manifest *pm = reify_ok(&fx);
        const orb_isolator *m = isolator(&pm->apps[0], "resource/memory");
        const orb_isolator *c = isolator(&pm->apps[0], "resource/cpu");
        assert_non_null(m);
        assert_non_null(c);
        assert_string_equal(m->raw, cases[i][2]);
        assert_string_equal(c->raw, cpu_raw[i]);
        assert_int_equal(m->u.resource.limit.value, i == 0 ? 512000000 : 536870912);
        assert_int_equal(c->u.resource.limit.milli, i == 0 ? 2000 : 500);
        orb_pod_manifest_free(pm);
        fx_clear(&fx);
    }
}

#define IMAGE_MEMORY                                                                               \
    ",\"isolators\":[{\"name\":\"resource/memory\",\"value\":{\"limit\":\"1G\"}},"                 \
    "{\"name\":\"os/linux/cpu-shares\",\"value\":100}]"

static void isolators_replace(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx, 1, APP_JSON(IMAGE_MEMORY));
    orb_app_request *a = &fx.r.apps[0];
    a->memory = xstrdup("256Mi");
    a->oom_score_adj = xstrdup("-500");
    a->caps_retain = xstrdup("CAP_NET_BIND_SERVICE,CAP_CHOWN");
    a->seccomp = xstrdup("mode=remove,errno=EPERM,reboot,@docker/default-blacklist");
    orb_pod_manifest *pm = reify_ok(&fx);
    const orb_runtime_app *ra = &pm->apps[0];
    assert_int_equal(ra->app->isolators.n, 5);
    assert_string_equal(isolator(ra, "resource/memory")->raw, "{\"limit\":\"256Mi\"}");
    assert_int_equal(isolator(ra, "os/linux/cpu-shares")->u.integer, 100);
    assert_int_equal(isolator(ra, "os/linux/oom-score-adj")->u.integer, -500);
    const orb_isolator *caps = isolator(ra, "os/linux/capabilities-retain-set");
    assert_true(strv_equal(caps->u.set.set, (char *[]){"CAP_NET_BIND_SERVICE", "CAP_CHOWN", NULL}));
    const orb_isolator *sc = isolator(ra, "os/linux/seccomp-remove-set");
    assert_non_null(sc);
    assert_string_equal(sc->u.set.errno_name, "EPERM");
    assert_true(strv_equal(sc->u.set.set, (char *[]){"reboot", "@docker/default-blacklist", NULL}));
    orb_pod_manifest_free(pm);
    free(a->oom_score_adj);
    a->oom_score_adj = NULL;
    a->cpu_shares = xstrdup("2048");
    pm = reify_ok(&fx);
    assert_int_equal(isolator(&pm->apps[0], "os/linux/cpu-shares")->u.integer, 2048);
    orb_pod_manifest_free(pm);
    fx_clear(&fx);
}

static void isolators_rejected(void **state)
{
    (void)state;
    struct {
        size_t field;
        const char *value, *expected;
    } cases[] = {
        {0, "lots", "app my-app: --memory=lots"},
        {1, "-1", "app my-app: --cpu=-1: must be more than zero"},
        {0, "0", "app my-app: --memory=0: must be more than zero"},
        {2, "ten", "app my-app: --cpu-shares: \"ten\" is not an integer"},
        {3, "2000", "app my-app"},
        {4, "mode=keep,read", "mode \"keep\": must be retain or remove"},
        {4, "mode=retain,errno=NOPE,read", "app my-app"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        fixture fx;
        fx_init(&fx, 1, APP_JSON(""));
        orb_app_request *a = &fx.r.apps[0];
        char **fields[] = {&a->memory, &a->cpu, &a->cpu_shares, &a->oom_score_adj, &a->seccomp};
        *fields[cases[i].field] = xstrdup(cases[i].value);
        reify_fails(&fx, cases[i].expected);
        fx_clear(&fx);
    }
}

/* ---- volumes, mounts, ports ------------------------------------------------------ */

#define IMAGE_MOUNTS                                                                               \
    ",\"mountPoints\":[{\"name\":\"data\",\"path\":\"/data\"},"                                    \
    "{\"name\":\"cache\",\"path\":\"/var/cache\"}],"                                               \
    "\"ports\":[{\"name\":\"http\",\"protocol\":\"tcp\",\"port\":80}]"

static const orb_mount *mount_at(const orb_runtime_app *ra, const char *path)
{
    for (size_t i = 0; i < ra->n_mounts; i++)
        if (strcmp(ra->mounts[i].path, path) == 0)
            return &ra->mounts[i];
    return NULL;
}

static const orb_volume *volume(const orb_pod_manifest *pm, const char *name)
{
    for (size_t i = 0; i < pm->n_volumes; i++)
        if (strcmp(pm->volumes[i].name, name) == 0)
            return &pm->volumes[i];
    return NULL;
}

static void volumes_implicit(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx, 1, APP_JSON(IMAGE_MOUNTS));
    strv_push(&fx.r.volumes, "data,kind=host,source=/srv/data");
    strv_push(&fx.r.volumes, "scratch,kind=empty,mode=0700,uid=5,gid=6");
    strv_push(&fx.r.apps[0].mounts, "volume=scratch,target=/scratch");
    orb_pod_manifest *pm = reify_ok(&fx);
    const orb_runtime_app *ra = &pm->apps[0];
    assert_int_equal(ra->n_mounts, 3);
    assert_string_equal(mount_at(ra, "/scratch")->volume, "scratch");
    assert_string_equal(mount_at(ra, "/data")->volume, "data"); /* named like the mount point */
    assert_string_equal(mount_at(ra, "/var/cache")->volume, "my-app-cache");
    const orb_volume *v = volume(pm, "my-app-cache");
    assert_non_null(v);
    assert_int_equal(v->kind, ORB_VOLUME_EMPTY);
    assert_string_equal(v->mode, "0755");
    assert_true(v->has_uid && v->uid == 0 && v->has_gid && v->gid == 0);
    assert_int_equal(pm->n_volumes, 3);
    orb_pod_manifest_free(pm);
    fx_clear(&fx);
}

static void volumes_explicit_mount_point(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx, 1, APP_JSON(IMAGE_MOUNTS));
    strv_push(&fx.r.volumes, "v1,kind=empty");
    strv_push(&fx.r.apps[0].mounts, "volume=v1,target=/data/");
    orb_pod_manifest *pm = reify_ok(&fx);
    const orb_runtime_app *ra = &pm->apps[0];
    assert_int_equal(ra->n_mounts, 2);
    assert_string_equal(mount_at(ra, "/data/")->volume, "v1");
    assert_null(volume(pm, "my-app-data"));
    orb_pod_manifest_free(pm);
    fx_clear(&fx);
}

static void volumes_rejected(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx, 1, APP_JSON(IMAGE_MOUNTS));
    strv_push(&fx.r.apps[0].mounts, "volume=nope,target=/x");
    reify_fails(&fx, "app my-app: --mount volume=nope: no such volume");
    strv_free(fx.r.apps[0].mounts);
    fx.r.apps[0].mounts = NULL;
    strv_push(&fx.r.volumes, "a,kind=empty");
    strv_push(&fx.r.volumes, "b,kind=empty");
    strv_push(&fx.r.apps[0].mounts, "volume=a,target=/x");
    strv_push(&fx.r.apps[0].mounts, "volume=b,target=/x/");
    reify_fails(&fx, "app my-app: volumes a and b both mounted at /x/");
    strv_free(fx.r.apps[0].mounts);
    fx.r.apps[0].mounts = NULL;
    strv_push(&fx.r.apps[0].mounts, "volume=a");
    reify_fails(&fx, "--mount volume=a: expected volume=NAME,target=PATH");
    strv_free(fx.r.apps[0].mounts);
    fx.r.apps[0].mounts = NULL;
    strv_push(&fx.r.volumes, "a,kind=empty");
    reify_fails(&fx, "--volume a,kind=empty: a volume of that name is already given");
    strv_free(fx.r.volumes);
    fx.r.volumes = NULL;
    strv_push(&fx.r.volumes, "h,kind=host,source=relative");
    reify_fails(&fx, "--volume h,kind=host,source=relative");
    fx_clear(&fx);
}

static void ports(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx, 1, APP_JSON(IMAGE_MOUNTS));
    strv_push(&fx.r.ports, "http:8080");
    orb_pod_manifest *pm = reify_ok(&fx);
    assert_int_equal(pm->n_ports, 1);
    assert_string_equal(pm->ports[0].name, "http");
    assert_int_equal(pm->ports[0].host_port, 8080);
    orb_pod_manifest_free(pm);
    const char *bad[][2] = {{"ftp:21", "no app has a port named \"ftp\""},
                            {"http:0", "host port must be a number from 1 to 65535"},
                            {"http", "expected NAME:HOSTPORT"},
                            {"http:x", "host port must be"}};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        strv_free(fx.r.ports);
        fx.r.ports = NULL;
        strv_push(&fx.r.ports, bad[i][0]);
        reify_fails(&fx, bad[i][1]);
    }
    strv_push(&fx.r.ports, "http:81");
    strv_push(&fx.r.ports, "http:82");
    strv_free(fx.r.ports);
    fx.r.ports = NULL;
    strv_push(&fx.r.ports, "http:81");
    strv_push(&fx.r.ports, "http:82");
    reify_fails(&fx, "port \"http\" is already exposed");
    fx_clear(&fx);
}

static void rootfs_and_annotations(void **state)
{
    (void)state;
    fixture fx;
    fx_init(&fx, 1, APP_JSON(""));
    orb_app_request *a = &fx.r.apps[0];
    a->readonly_rootfs = true;
    orb_kv_set(&a->annotations, "example.com/role", "web");
    orb_kv_set(&a->user_annotations, "owner", "me");
    orb_kv_set(&a->user_labels, "tier", "front");
    orb_kv_set(&fx.r.annotations, "example.com/pod", "yes");
    orb_pod_manifest *pm = reify_ok(&fx);
    const orb_runtime_app *ra = &pm->apps[0];
    assert_true(ra->read_only_rootfs);
    assert_string_equal(orb_kv_get(&ra->annotations, "example.com/role"), "web");
    assert_string_equal(orb_kv_get(&ra->app->user_annotations, "owner"), "me");
    assert_string_equal(orb_kv_get(&ra->app->user_labels, "tier"), "front");
    assert_string_equal(orb_kv_get(&pm->annotations, "example.com/pod"), "yes");
    _cleanup_free_ char *json = orb_pod_manifest_to_json(pm, false);
    assert_non_null(strstr(json, "\"readOnlyRootFS\":true"));
    orb_pod_manifest_free(pm);
    orb_kv_set(&a->annotations, "not an identifier", "x");
    reify_fails(&fx, "pod manifest: ");
    fx_clear(&fx);
}

static void given_manifest(void **state)
{
    (void)state;
    _cleanup_free_ char *f =
        env_file("{\"acVersion\":\"0.8.11\",\"acKind\":\"PodManifest\",\"apps\":[{\"name\":\"web\","
                 "\"image\":{\"name\":\"example.com/my_app\"}}],"
                 "\"volumes\":[{\"name\":\"data\",\"kind\":\"empty\"}]}");
    fixture fx;
    fx_init(&fx, 1, APP_JSON(IMAGE_MOUNTS));
    fx.r.pod_manifest_path = f;
    orb_pod_manifest *pm = reify_ok(&fx);
    assert_int_equal(pm->n_apps, 1);
    const orb_runtime_app *ra = &pm->apps[0];
    assert_string_equal(ra->name, "web");
    assert_string_equal(ra->image.id, BUSYBOX_ID);
    assert_true(strv_equal(ra->app->exec, (char *[]){"/bin/app", "-a", NULL}));
    assert_string_equal(mount_at(ra, "/data")->volume, "data");
    assert_string_equal(mount_at(ra, "/var/cache")->volume, "web-cache");
    orb_pod_manifest_free(pm);
    unlink(f);
    reify_fails(&fx, "--pod-manifest");
    fx.r.pod_manifest_path = NULL;
    fx_clear(&fx);
}

/* ---- a real pod ---------------------------------------------------------------------- */

static char *tmpdir;

static void write_text(const char *path, const char *text)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static char *build_busybox(void)
{
    _cleanup_free_ char *layout = xasprintf("%s/layout", tmpdir);
    _cleanup_free_ char *bin = xasprintf("%s/rootfs/bin", layout);
    char *rootfs = xasprintf("%s/rootfs", layout);
    assert_int_equal(mkdir(layout, 0755), 0);
    assert_int_equal(mkdir(rootfs, 0755), 0);
    assert_int_equal(mkdir(bin, 0755), 0);
    orb_error *err = NULL;
    _cleanup_close_ int src = open("/bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int dst = open(bin, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (orb_copy_file_at(src, "busybox", dst, "busybox", &err) < 0)
        fail_msg("copy busybox: %s", err->msg);
    _cleanup_free_ char *mf = xasprintf("%s/manifest", layout);
    write_text(mf, "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
                   "\"name\":\"example.com/busybox\",\"app\":{\"exec\":[\"/bin/busybox\","
                   "\"true\"],\"user\":\"0\",\"group\":\"0\","
                   "\"mountPoints\":[{\"name\":\"data\",\"path\":\"/data\"}]}}");
    char *aci = xasprintf("%s/busybox.aci", tmpdir);
    orb_build_options o = {.compression = ORB_COMPRESSION_GZIP};
    if (orb_aci_build(layout, aci, &o, &err) < 0)
        fail_msg("build: %s", err->msg);
    free(rootfs);
    return aci;
}

static bool exists(const orb_pod *p, const char *rel)
{
    _cleanup_free_ char *path = orb_pod_path(p, rel);
    struct stat st;
    return lstat(path, &st) == 0;
}

static void check_pod(orb_pod *p, bool overlay)
{
    assert_int_equal(p->state, ORB_POD_PREPARED);
    assert_true(p->lock_fd >= 0);
    assert_non_null(strstr(p->dir, "/pods/prepared/"));
    _cleanup_error_ orb_error *err = NULL;
    _cleanup_free_ char *json = orb_pod_read_file(p, ORB_POD_MANIFEST, &err);
    assert_non_null(json);
    orb_pod_manifest *pm = NULL;
    assert_int_equal(orb_pod_manifest_load(json, strlen(json), &pm, &err), 0);
    assert_string_equal(pm->apps[0].name, "busybox");
    assert_string_equal(pm->apps[0].image.name, "example.com/busybox");
    orb_pod_manifest_free(pm);
    _cleanup_free_ char *tree = orb_pod_read_file(p, "apps/busybox/tree", &err);
    _cleanup_free_ char *trees = orb_pod_read_file(p, ORB_POD_TREES, &err);
    _cleanup_free_ char *mf = orb_pod_read_file(p, "apps/busybox/manifest", &err);
    assert_non_null(tree);
    assert_non_null(trees);
    assert_non_null(strstr(trees, "sha512-"));
    assert_non_null(strstr(mf, "\"example.com/busybox\""));
    assert_true(exists(p, ORB_POD_CREATED));
    assert_true(exists(p, "volumes/busybox-data"));
    assert_int_equal(exists(p, ORB_POD_OVERLAY), overlay);
    assert_int_equal(exists(p, "apps/busybox/upper"), overlay);
    assert_int_equal(exists(p, "apps/busybox/work"), overlay);
    assert_true(exists(p, "apps/busybox/rootfs"));
    assert_int_equal(exists(p, "apps/busybox/rootfs/bin/busybox"), !overlay);
    _cleanup_free_ char *bb = xasprintf("%s/rootfs/bin/busybox", tree);
    struct stat st;
    assert_int_equal(stat(bb, &st), 0);
    assert_true(st.st_mode & S_IXUSR);
}

static void prepare_real(void **state)
{
    (void)state;
    _cleanup_free_ char *aci = build_busybox();
    _cleanup_free_ char *data = xasprintf("%s/data", tmpdir);
    orb_store *s = NULL;
    orb_error *err = NULL;
    if (orb_store_open(data, &s, &err) < 0)
        fail_msg("store: %s", err->msg);
    for (int overlay = 1; overlay >= 0; overlay--) {
        orb_pod_request r = {0};
        r.apps = xcalloc(1, sizeof(orb_app_request));
        r.n_apps = 1;
        r.apps[0].image = xstrdup(aci);
        r.acquire.pull = ORB_PULL_NEW;
        r.acquire.insecure = ORB_INSECURE_IMAGE;
        r.no_overlay = !overlay;
        orb_pod *p = NULL;
        if (orb_pod_prepare(s, data, &r, &p, &err) < 0)
            fail_msg("prepare: %s", err->msg);
        check_pod(p, overlay);
        orb_pod_free(p);
        orb_pod_request_clear(&r);
    }
    /* a given pod manifest, its image found in the store by name */
    _cleanup_free_ char *given = xasprintf("%s/pod.json", tmpdir);
    write_text(given, "{\"acVersion\":\"0.8.11\",\"acKind\":\"PodManifest\",\"apps\":[{"
                      "\"name\":\"busybox\",\"image\":{\"name\":\"example.com/busybox\"}}]}");
    orb_pod_request g = {.pod_manifest_path = given};
    g.acquire.pull = ORB_PULL_NEVER;
    orb_pod *gp = NULL;
    if (orb_pod_prepare(s, data, &g, &gp, &err) < 0)
        fail_msg("prepare given: %s", err->msg);
    check_pod(gp, true);
    orb_pod_free(gp);
    /* a failure leaves nothing but garbage */
    orb_pod_request r = {0};
    r.apps = xcalloc(1, sizeof(orb_app_request));
    r.n_apps = 1;
    r.apps[0].image = xstrdup(aci);
    r.apps[0].memory = xstrdup("lots");
    r.acquire.insecure = ORB_INSECURE_IMAGE;
    orb_pod *p = NULL;
    assert_int_equal(orb_pod_prepare(s, data, &r, &p, &err), -1);
    assert_non_null(strstr(err->msg, "--memory=lots"));
    orb_error_free(err);
    orb_pod_request_clear(&r);
    orb_store_close(s);
}

static int setup(void **state)
{
    (void)state;
    tmpdir = xstrdup("/tmp/orbit-test-prepare-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    orb_rm_rf(tmpdir, NULL);
    free(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(name_from_image),
        cmocka_unit_test(name_flag),
        cmocka_unit_test(name_duplicate),
        cmocka_unit_test(exec_overrides),
        cmocka_unit_test(exec_no_app),
        cmocka_unit_test(identity),
        cmocka_unit_test(environment_layers),
        cmocka_unit_test(environment_bad_file),
        cmocka_unit_test(isolators_quantities),
        cmocka_unit_test(isolators_replace),
        cmocka_unit_test(isolators_rejected),
        cmocka_unit_test(volumes_implicit),
        cmocka_unit_test(volumes_explicit_mount_point),
        cmocka_unit_test(volumes_rejected),
        cmocka_unit_test(ports),
        cmocka_unit_test(rootfs_and_annotations),
        cmocka_unit_test(given_manifest),
        cmocka_unit_test_setup_teardown(prepare_real, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
