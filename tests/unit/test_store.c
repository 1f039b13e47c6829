/* The image store: layout, index, commit, lookup, remotes, renders, removal, gc, verify. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/fs_remove.h"
#include "util/mem.h"

typedef struct fixture {
    char *data;
    orb_store *s;
} fixture;

static bool exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool exists(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *p = xvasprintf(fmt, ap);
    va_end(ap);
    struct stat st;
    return lstat(p, &st) == 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A fake ID: 'c' repeated after a chosen head, so prefixes can be shared. */
static void fake_id(char id[ORB_IMAGE_ID_LEN + 1], const char *head)
{
    snprintf(id, ORB_IMAGE_ID_LEN + 1, "sha512-%s", head);
    for (size_t i = strlen(id); i < ORB_IMAGE_ID_LEN; i++)
        id[i] = 'c';
    id[ORB_IMAGE_ID_LEN] = '\0';
}

/* Commits an image made of hand-made temporaries (commit does not read them). */
static int commit_fake(orb_store *s, const char *id, const char *name, const char *version,
                       int64_t import_time, bool with_sig)
{
    _cleanup_free_ char *tmp = NULL;
    assert_int_equal(orb_store_mkdtemp(s, "test-", &tmp, NULL), 0);
    _cleanup_free_ char *blob = xasprintf("%s/blob", tmp);
    _cleanup_free_ char *sig = xasprintf("%s/sig", tmp);
    _cleanup_free_ char *tree = xasprintf("%s/tree", tmp);
    _cleanup_free_ char *rootfs = xasprintf("%s/tree/rootfs", tmp);
    _cleanup_free_ char *manifest = xasprintf("%s/tree/manifest", tmp);
    write_text(blob, "blob bytes");
    write_text(sig, "signature");
    assert_int_equal(mkdir(tree, 0755), 0);
    assert_int_equal(mkdir(rootfs, 0755), 0);
    write_text(manifest, "{}");
    orb_image_record rec = {.name = (char *)name, .blob_size = 10, .import_time = import_time};
    snprintf(rec.id, sizeof(rec.id), "%s", id);
    if (version)
        orb_kv_set(&rec.labels, "version", version);
    orb_kv_set(&rec.labels, "os", "linux");
    orb_error *e = NULL;
    int r = orb_store_commit_image(s, &rec, blob, with_sig ? sig : NULL, tree, &e);
    orb_kv_list_clear(&rec.labels);
    if (e)
        fail_msg("%s", e->msg);
    orb_rm_rf(tmp, NULL);
    return r;
}

static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof(*f));
    f->data = xstrdup("/tmp/orbit-test-store-XXXXXX");
    if (!mkdtemp(f->data))
        return -1;
    orb_error *e = NULL;
    _cleanup_free_ char *data = xasprintf("%s/data", f->data);
    if (orb_store_open(data, &f->s, &e) < 0) {
        fprintf(stderr, "%s\n", e->msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    orb_store_close(f->s);
    orb_rm_rf(f->data, NULL);
    free(f->data);
    free(f);
    return 0;
}

static void test_open_creates_layout(void **state)
{
    fixture *f = *state;
    const char *dirs[] = {"blobs", "trees", "rendered", "tmp", "locks"};
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
        assert_true(exists("%s/data/images/%s", f->data, dirs[i]));
    assert_true(exists("%s/data/images/index.db", f->data));
    _cleanup_free_ char *want = xasprintf("%s/data", f->data);
    assert_string_equal(orb_store_data_dir(f->s), want);
    /* a nested data directory is made with its parents */
    _cleanup_free_ char *nested = xasprintf("%s/a/b/c", f->data);
    orb_store *s = NULL;
    assert_int_equal(orb_store_open(nested, &s, NULL), 0);
    orb_store_close(s);
    assert_true(exists("%s/a/b/c/images/locks", f->data));
}

static void test_commit_get_list(void **state)
{
    fixture *f = *state;
    char id[ORB_IMAGE_ID_LEN + 1];
    fake_id(id, "01");
    assert_int_equal(commit_fake(f->s, id, "example.com/app", "1.0", 0, true), 1);
    assert_true(exists("%s/data/images/blobs/%s.aci", f->data, id));
    assert_true(exists("%s/data/images/blobs/%s.aci.asc", f->data, id));
    assert_true(exists("%s/data/images/trees/%s/rootfs", f->data, id));
    orb_image_record rec;
    assert_int_equal(orb_store_get(f->s, id, &rec, NULL), 1);
    assert_string_equal(rec.name, "example.com/app");
    assert_string_equal(orb_kv_get(&rec.labels, "version"), "1.0");
    assert_int_equal(rec.blob_size, 10);
    assert_true(rec.has_signature);
    assert_true(rec.import_time > 0 && rec.last_used > 0);
    orb_image_record_clear(&rec);
    char other[ORB_IMAGE_ID_LEN + 1];
    fake_id(other, "02");
    assert_int_equal(orb_store_get(f->s, other, &rec, NULL), 0);
    orb_image_record *all;
    size_t n;
    assert_int_equal(orb_store_list(f->s, &all, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_string_equal(all[0].id, id);
    orb_image_records_free(all, n);
}

static void test_commit_twice(void **state)
{
    fixture *f = *state;
    char id[ORB_IMAGE_ID_LEN + 1];
    fake_id(id, "01");
    assert_int_equal(commit_fake(f->s, id, "example.com/app", NULL, 0, false), 1);
    _cleanup_free_ char *tmp = NULL;
    assert_int_equal(orb_store_mkdtemp(f->s, "again-", &tmp, NULL), 0);
    _cleanup_free_ char *blob = xasprintf("%s/blob", tmp);
    _cleanup_free_ char *tree = xasprintf("%s/tree", tmp);
    write_text(blob, "x");
    assert_int_equal(mkdir(tree, 0500), 0); /* read-only, as extracted trees are */
    orb_image_record rec = {.name = "example.com/app"};
    memcpy(rec.id, id, sizeof(rec.id));
    assert_int_equal(orb_store_commit_image(f->s, &rec, blob, NULL, tree, NULL), 0);
    assert_false(exists("%s", blob));
    assert_false(exists("%s", tree));
    rmdir(tmp);
}

static void test_commit_rejects_bad_id(void **state)
{
    fixture *f = *state;
    orb_image_record rec = {.name = "example.com/app"};
    snprintf(rec.id, sizeof(rec.id), "sha512-abc");
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_store_commit_image(f->s, &rec, "/nonexistent", NULL, "/nonexistent", &e),
                     -1);
    assert_int_equal(e->errnum, EINVAL);
}

static void test_commit_replaces_stale_tree(void **state)
{
    fixture *f = *state;
    char id[ORB_IMAGE_ID_LEN + 1];
    fake_id(id, "05");
    _cleanup_free_ char *stale = xasprintf("%s/data/images/trees/%s", f->data, id);
    _cleanup_free_ char *junk = xasprintf("%s/junk", stale);
    assert_int_equal(mkdir(stale, 0755), 0);
    write_text(junk, "left by a crash");
    assert_int_equal(commit_fake(f->s, id, "example.com/app", NULL, 0, false), 1);
    assert_false(exists("%s", junk));
    assert_true(exists("%s/manifest", stale));
}

/* Three images: two share the prefix sha512-ab, two versions of one name. */
static void commit_three(fixture *f, char a[ORB_IMAGE_ID_LEN + 1], char b[ORB_IMAGE_ID_LEN + 1],
                         char c[ORB_IMAGE_ID_LEN + 1])
{
    fake_id(a, "ab12");
    fake_id(b, "ab34");
    fake_id(c, "ef");
    assert_int_equal(commit_fake(f->s, a, "example.com/app", "1.0", 1000, false), 1);
    assert_int_equal(commit_fake(f->s, b, "example.com/app", "2.0", 2000, false), 1);
    assert_int_equal(commit_fake(f->s, c, "example.com/other", "1.0", 3000, false), 1);
}

static void assert_resolves(orb_store *s, const char *ref, const char *want)
{
    char id[ORB_IMAGE_ID_LEN + 1];
    orb_error *e = NULL;
    if (orb_store_resolve(s, ref, id, &e) < 0)
        fail_msg("resolve %s: %s", ref, e->msg);
    assert_string_equal(id, want);
}

static void assert_resolve_fails(orb_store *s, const char *ref, int errnum, const char *msg)
{
    char id[ORB_IMAGE_ID_LEN + 1];
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_store_resolve(s, ref, id, &e), -1);
    assert_int_equal(e->errnum, errnum);
    if (msg && !strstr(e->msg, msg))
        fail_msg("resolve %s: \"%s\" lacks \"%s\"", ref, e->msg, msg);
}

static void test_resolve_ids(void **state)
{
    fixture *f = *state;
    char a[ORB_IMAGE_ID_LEN + 1], b[ORB_IMAGE_ID_LEN + 1], c[ORB_IMAGE_ID_LEN + 1];
    commit_three(f, a, b, c);
    assert_resolves(f->s, a, a);
    assert_resolves(f->s, "sha512-ab1", a);
    assert_resolves(f->s, "sha512-AB3", b);
    assert_resolves(f->s, "sha512-e", c);
    assert_resolve_fails(f->s, "sha512-ab", EINVAL,
                         "image ID prefix sha512-ab is ambiguous: sha512-ab12");
    assert_resolve_fails(f->s, "sha512-ab", EINVAL, "sha512-ab34");
    assert_resolve_fails(f->s, "sha512-", EINVAL, "invalid image ID");
    assert_resolve_fails(f->s, "sha512-xyz", EINVAL, "not a hex digit");
    assert_resolve_fails(f->s, "sha512-0", ENOENT, "no image sha512-0 in the store");
    char missing[ORB_IMAGE_ID_LEN + 1];
    fake_id(missing, "99");
    assert_resolve_fails(f->s, missing, ENOENT, "in the store");
}

static void test_resolve_names(void **state)
{
    fixture *f = *state;
    char a[ORB_IMAGE_ID_LEN + 1], b[ORB_IMAGE_ID_LEN + 1], c[ORB_IMAGE_ID_LEN + 1];
    commit_three(f, a, b, c);
    assert_resolves(f->s, "example.com/app", b); /* newest import */
    assert_resolves(f->s, "example.com/app:1.0", a);
    assert_resolves(f->s, "example.com/app:2.0,os=linux", b);
    assert_resolves(f->s, "example.com/app,os=linux", b);
    assert_resolves(f->s, "example.com/other", c);
    assert_resolve_fails(f->s, "example.com/app:1.0,os=freebsd", ENOENT,
                         "no image example.com/app:1.0,os=freebsd in the store");
    assert_resolve_fails(f->s, "example.com/app:3.0", ENOENT,
                         "no image example.com/app:3.0 in the store");
    assert_resolve_fails(f->s, "example.com/none", ENOENT, NULL);
    assert_resolve_fails(f->s, "example.com/app:1:2", EINVAL, NULL);
    char id[ORB_IMAGE_ID_LEN + 1];
    orb_kv_list want = {0};
    orb_kv_set(&want, "version", "1.0");
    assert_int_equal(orb_store_find(f->s, "example.com/app", &want, id, NULL), 1);
    assert_string_equal(id, a);
    orb_kv_set(&want, "arch", "amd64");
    assert_int_equal(orb_store_find(f->s, "example.com/app", &want, id, NULL), 0);
    orb_kv_list_clear(&want);
}

static void test_remotes(void **state)
{
    fixture *f = *state;
    char id[ORB_IMAGE_ID_LEN + 1];
    fake_id(id, "01");
    assert_int_equal(commit_fake(f->s, id, "example.com/app", NULL, 0, false), 1);
    orb_remote r = {
        .url = "https://example.com/app.aci", .etag = "\"e1\"", .max_age = 60, .download_time = 42};
    memcpy(r.id, id, sizeof(r.id));
    assert_int_equal(orb_store_put_remote(f->s, &r, NULL), 0);
    orb_remote got;
    assert_int_equal(orb_store_get_remote(f->s, r.url, &got, NULL), 1);
    assert_string_equal(got.id, id);
    assert_string_equal(got.etag, "\"e1\"");
    assert_int_equal(got.max_age, 60);
    assert_int_equal(got.download_time, 42);
    orb_remote_clear(&got);
    r.etag = NULL; /* replaced */
    r.max_age = -1;
    assert_int_equal(orb_store_put_remote(f->s, &r, NULL), 0);
    assert_int_equal(orb_store_get_remote(f->s, r.url, &got, NULL), 1);
    assert_null(got.etag);
    assert_int_equal(got.max_age, -1);
    orb_remote_clear(&got);
    assert_int_equal(orb_store_get_remote(f->s, "https://example.com/none", &got, NULL), 0);
    /* a remote for an unknown image is refused by the foreign key */
    fake_id(r.id, "02");
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_store_put_remote(f->s, &r, &e), -1);
    assert_non_null(strstr(e->msg, "index: put remote https://example.com/app.aci"));
}

static void commit_render(fixture *f, const char *rid, const char *top, const char *dep)
{
    _cleanup_free_ char *tmp = NULL;
    assert_int_equal(orb_store_mkdtemp(f->s, "render-", &tmp, NULL), 0);
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", tmp);
    assert_int_equal(mkdir(rootfs, 0755), 0);
    char *ids[] = {(char *)top, (char *)dep, NULL};
    orb_render_record rec = {.render_id = (char *)rid, .image_ids = ids, .size = 100};
    memcpy(rec.id, top, sizeof(rec.id));
    orb_error *e = NULL;
    if (orb_store_commit_render(f->s, &rec, tmp, &e) != 1)
        fail_msg("commit render: %s", e ? e->msg : "not committed");
}

static void test_renders(void **state)
{
    fixture *f = *state;
    char a[ORB_IMAGE_ID_LEN + 1], b[ORB_IMAGE_ID_LEN + 1], c[ORB_IMAGE_ID_LEN + 1];
    commit_three(f, a, b, c);
    commit_render(f, "deps-0001", a, c);
    assert_true(exists("%s/data/images/rendered/deps-0001/rootfs", f->data));
    orb_render_record r;
    assert_int_equal(orb_store_get_render(f->s, "deps-0001", &r, NULL), 1);
    assert_string_equal(r.id, a);
    assert_int_equal(strv_length(r.image_ids), 2);
    assert_string_equal(r.image_ids[1], c);
    assert_int_equal(r.size, 100);
    assert_true(r.created > 0);
    orb_render_record_clear(&r);
    assert_int_equal(orb_store_get_render(f->s, "deps-none", &r, NULL), 0);
    /* a second commit of the same render keeps the first */
    _cleanup_free_ char *tmp = NULL;
    assert_int_equal(orb_store_mkdtemp(f->s, "render-", &tmp, NULL), 0);
    orb_render_record again = {.render_id = "deps-0001"};
    memcpy(again.id, a, sizeof(again.id));
    assert_int_equal(orb_store_commit_render(f->s, &again, tmp, NULL), 0);
    assert_false(exists("%s", tmp));
}

static void write_pod(fixture *f, const char *uuid, const char *lines)
{
    _cleanup_free_ char *pods = xasprintf("%s/data/pods", f->data);
    _cleanup_free_ char *run = xasprintf("%s/run", pods);
    _cleanup_free_ char *dir = xasprintf("%s/%s", run, uuid);
    _cleanup_free_ char *trees = xasprintf("%s/trees", dir);
    mkdir(pods, 0700);
    mkdir(run, 0700);
    mkdir(dir, 0700);
    write_text(trees, lines);
}

#define POD1 "0b3fbb3a-6ff8-4b7a-9d4a-7c3d4a6cb111"
#define POD2 "5e0c7d2e-1a8f-4c55-b0a8-2d83f1e0c222"

static void test_remove_refused_while_used(void **state)
{
    fixture *f = *state;
    char a[ORB_IMAGE_ID_LEN + 1], b[ORB_IMAGE_ID_LEN + 1], c[ORB_IMAGE_ID_LEN + 1];
    commit_three(f, a, b, c);
    commit_render(f, "deps-0001", a, c);
    _cleanup_free_ char *line = xasprintf("deps-0001\n");
    write_pod(f, POD1, line);
    _cleanup_free_ char *direct = xasprintf("%s\n", b);
    write_pod(f, POD2, direct);
    _cleanup_strv_ char **users = NULL;
    assert_int_equal(orb_store_image_users(f->s, c, &users, NULL), 0);
    assert_int_equal(strv_length(users), 1);
    assert_string_equal(users[0], POD1);
    orb_error *e = NULL;
    assert_int_equal(orb_store_remove(f->s, c, &e), -1);
    assert_int_equal(e->errnum, EBUSY);
    assert_non_null(strstr(e->msg, POD1));
    orb_error_free(e);
    e = NULL;
    assert_int_equal(orb_store_remove(f->s, b, &e), -1); /* the trivial render: its tree */
    assert_non_null(strstr(e->msg, POD2));
    orb_error_free(e);
    _cleanup_free_ char *pod_trees = xasprintf("%s/data/pods/run/%s/trees", f->data, POD1);
    assert_int_equal(unlink(pod_trees), 0);
    assert_int_equal(orb_store_remove(f->s, c, NULL), 0);
    assert_int_equal(orb_store_get(f->s, c, NULL, NULL), 0);
    assert_false(exists("%s/data/images/trees/%s", f->data, c));
    assert_false(exists("%s/data/images/blobs/%s.aci", f->data, c));
    assert_false(exists("%s/data/images/rendered/deps-0001", f->data));
    assert_int_equal(orb_store_get_render(f->s, "deps-0001", NULL, NULL), 0);
    e = NULL;
    assert_int_equal(orb_store_remove(f->s, c, &e), -1);
    assert_int_equal(e->errnum, ENOENT);
    orb_error_free(e);
}

static void test_remove_cascades_remotes(void **state)
{
    fixture *f = *state;
    char id[ORB_IMAGE_ID_LEN + 1];
    fake_id(id, "07");
    assert_int_equal(commit_fake(f->s, id, "example.com/app", NULL, 0, true), 1);
    orb_remote r = {.url = "https://example.com/x.aci", .max_age = -1};
    memcpy(r.id, id, sizeof(r.id));
    assert_int_equal(orb_store_put_remote(f->s, &r, NULL), 0);
    assert_int_equal(orb_store_remove(f->s, id, NULL), 0);
    orb_remote got;
    assert_int_equal(orb_store_get_remote(f->s, r.url, &got, NULL), 0);
    assert_false(exists("%s/data/images/blobs/%s.aci.asc", f->data, id));
}

static void backdate(const char *path)
{
    struct timespec ts[2] = {{.tv_sec = time(NULL) - 3600}, {.tv_sec = time(NULL) - 3600}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static void test_gc(void **state)
{
    fixture *f = *state;
    char a[ORB_IMAGE_ID_LEN + 1], b[ORB_IMAGE_ID_LEN + 1], c[ORB_IMAGE_ID_LEN + 1];
    commit_three(f, a, b, c);
    commit_render(f, "deps-used", a, c);
    commit_render(f, "deps-unused", b, c);
    write_pod(f, POD1, "deps-used\n");
    char orphan[ORB_IMAGE_ID_LEN + 1];
    fake_id(orphan, "dd");
    _cleanup_free_ char *otree = xasprintf("%s/data/images/trees/%s", f->data, orphan);
    _cleanup_free_ char *oblob = xasprintf("%s/data/images/blobs/%s.aci", f->data, orphan);
    _cleanup_free_ char *stale = xasprintf("%s/data/images/tmp/stale", f->data);
    assert_int_equal(mkdir(otree, 0500), 0);
    write_text(oblob, "orphan");
    assert_int_equal(mkdir(stale, 0700), 0);
    backdate(stale);
    _cleanup_free_ char *live = NULL;
    assert_int_equal(orb_store_mkdtemp(f->s, "live-", &live, NULL), 0);
    backdate(live);
    /* a grace longer than the images' age keeps them all */
    orb_gc_report rep;
    orb_error *e = NULL;
    if (orb_store_gc(f->s, 3600LL * 1000000, &rep, &e) < 0)
        fail_msg("%s", e->msg);
    assert_int_equal(rep.renders_removed, 1);
    assert_int_equal(rep.images_removed, 0);
    assert_int_equal(rep.leftovers_removed, 3);
    assert_false(exists("%s/data/images/rendered/deps-unused", f->data));
    assert_true(exists("%s/data/images/rendered/deps-used", f->data));
    assert_false(exists("%s", otree));
    assert_false(exists("%s", oblob));
    assert_false(exists("%s", stale));
    assert_true(exists("%s", live));
    /* no grace: only images no pod uses go */
    assert_int_equal(orb_store_gc(f->s, 0, &rep, NULL), 0);
    assert_int_equal(rep.images_removed, 1);
    assert_int_equal(orb_store_get(f->s, b, NULL, NULL), 0);
    assert_int_equal(orb_store_get(f->s, a, NULL, NULL), 1);
    assert_int_equal(orb_store_get(f->s, c, NULL, NULL), 1);
    assert_false(exists("%s/data/images/trees/%s", f->data, b));
}

static void test_open_cleans_stale_tmp(void **state)
{
    fixture *f = *state;
    _cleanup_free_ char *stale = xasprintf("%s/data/images/tmp/import-crashed", f->data);
    _cleanup_free_ char *young = xasprintf("%s/data/images/tmp/import-young", f->data);
    _cleanup_free_ char *inner = xasprintf("%s/ro", stale);
    assert_int_equal(mkdir(stale, 0700), 0);
    assert_int_equal(mkdir(inner, 0500), 0);
    assert_int_equal(mkdir(young, 0700), 0);
    backdate(stale);
    _cleanup_free_ char *live = NULL;
    assert_int_equal(orb_store_mkdtemp(f->s, "live-", &live, NULL), 0);
    backdate(live);
    orb_store *other = NULL;
    _cleanup_free_ char *data = xasprintf("%s/data", f->data);
    assert_int_equal(orb_store_open(data, &other, NULL), 0);
    orb_store_close(other);
    assert_false(exists("%s", stale));
    assert_false(exists("%s", young)); /* unlocked: nobody is working in it, however new */
    assert_true(exists("%s", live));   /* locked by this process's first store */
}

static void build_real_aci(const char *dir, char *out_path, char id[ORB_IMAGE_ID_LEN + 1])
{
    _cleanup_free_ char *layout = xasprintf("%s/layout", dir);
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", layout);
    _cleanup_free_ char *manifest = xasprintf("%s/manifest", layout);
    assert_int_equal(mkdir(layout, 0755), 0);
    assert_int_equal(mkdir(rootfs, 0755), 0);
    write_text(manifest, "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
                         "\"name\":\"example.com/x\"}");
    orb_build_options o = {.compression = ORB_COMPRESSION_GZIP};
    orb_error *e = NULL;
    if (orb_aci_build(layout, out_path, &o, &e) < 0 || orb_aci_image_id(out_path, id, &e) < 0)
        fail_msg("%s", e->msg);
    orb_rm_rf(layout, NULL);
}

static void test_verify(void **state)
{
    fixture *f = *state;
    _cleanup_free_ char *tmp = NULL;
    assert_int_equal(orb_store_mkdtemp(f->s, "verify-", &tmp, NULL), 0);
    _cleanup_free_ char *blob = xasprintf("%s/x.aci", tmp);
    _cleanup_free_ char *tree = xasprintf("%s/tree", tmp);
    _cleanup_free_ char *rootfs = xasprintf("%s/tree/rootfs", tmp);
    _cleanup_free_ char *manifest = xasprintf("%s/tree/manifest", tmp);
    orb_image_record rec = {.name = "example.com/x", .compression = ORB_COMPRESSION_GZIP};
    build_real_aci(tmp, blob, rec.id);
    struct stat st;
    assert_int_equal(stat(blob, &st), 0);
    rec.blob_size = (uint64_t)st.st_size;
    assert_int_equal(mkdir(tree, 0755), 0);
    assert_int_equal(mkdir(rootfs, 0755), 0);
    write_text(manifest, "{}");
    assert_int_equal(orb_store_commit_image(f->s, &rec, blob, NULL, tree, NULL), 1);
    orb_problems p = {0};
    assert_int_equal(orb_store_verify(f->s, rec.id, &p, NULL), 0);
    assert_int_equal(p.n, 0);
    /* flip the blob's bytes in place: hash, and content, no longer match */
    _cleanup_free_ char *stored = orb_store_blob_path(f->s, rec.id);
    write_text(stored, "not an image any more");
    assert_int_equal(orb_store_verify(f->s, rec.id, &p, NULL), -1);
    assert_true(p.n >= 2); /* size, and hash or read error */
    assert_non_null(strstr(p.items[0], "blob: size"));
    orb_problems_clear(&p);
    rmdir(tmp);
}

static void test_verify_detects_changed_bytes(void **state)
{
    fixture *f = *state;
    _cleanup_free_ char *tmp = NULL;
    assert_int_equal(orb_store_mkdtemp(f->s, "verify-", &tmp, NULL), 0);
    _cleanup_free_ char *blob = xasprintf("%s/x.aci", tmp);
    _cleanup_free_ char *tree = xasprintf("%s/tree", tmp);
    orb_image_record rec = {.name = "example.com/x"};
    build_real_aci(tmp, blob, rec.id);
    struct stat st;
    assert_int_equal(stat(blob, &st), 0);
    rec.blob_size = (uint64_t)st.st_size;
    assert_int_equal(mkdir(tree, 0755), 0); /* no manifest, no rootfs */
    assert_int_equal(orb_store_commit_image(f->s, &rec, blob, NULL, tree, NULL), 1);
    /* a same-size, valid image with other content: rebuild with uncompressed tar bytes
     * is not the same size, so tamper with one byte of the gzip stream instead */
    _cleanup_free_ char *stored = orb_store_blob_path(f->s, rec.id);
    int fd = open(stored, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    unsigned char byte;
    assert_int_equal(pread(fd, &byte, 1, st.st_size / 2), 1);
    byte ^= 0xff;
    assert_int_equal(pwrite(fd, &byte, 1, st.st_size / 2), 1);
    close(fd);
    orb_problems p = {0};
    assert_int_equal(orb_store_verify(f->s, rec.id, &p, NULL), -1);
    bool blob_bad = false, manifest_missing = false, rootfs_missing = false;
    for (size_t i = 0; i < p.n; i++) {
        blob_bad |= !strncmp(p.items[i], "blob: ", 6);
        manifest_missing |= strstr(p.items[i], "/manifest is missing") != NULL;
        rootfs_missing |= strstr(p.items[i], "/rootfs is missing") != NULL;
    }
    assert_true(blob_bad && manifest_missing && rootfs_missing);
    orb_problems_clear(&p);
    rmdir(tmp);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    _cleanup_free_ char *db_path = xasprintf("%s/data/images/index.db", f->data);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    _cleanup_free_ char *data = xasprintf("%s/data", f->data);
    orb_store *other = NULL;
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_store_open(data, &other, &e), -1);
    assert_null(other);
    assert_non_null(strstr(e->msg, "schema version 999"));
    assert_non_null(strstr(e->msg, "newer orbit"));
}

static void test_touch(void **state)
{
    fixture *f = *state;
    char id[ORB_IMAGE_ID_LEN + 1];
    fake_id(id, "01");
    assert_int_equal(commit_fake(f->s, id, "example.com/app", NULL, 0, false), 1);
    orb_image_record before, after;
    assert_int_equal(orb_store_get(f->s, id, &before, NULL), 1);
    usleep(2000);
    assert_int_equal(orb_store_touch(f->s, id, NULL), 0);
    assert_int_equal(orb_store_get(f->s, id, &after, NULL), 1);
    assert_true(after.last_used > before.last_used);
    orb_image_record_clear(&before);
    orb_image_record_clear(&after);
    fake_id(id, "02");
    _cleanup_error_ orb_error *e = NULL;
    assert_int_equal(orb_store_touch(f->s, id, &e), -1);
    assert_int_equal(e->errnum, ENOENT);
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void test_list_thousand(void **state)
{
    fixture *f = *state;
    /* rows straight into the index: the list's cost, not the commits', is measured */
    _cleanup_free_ char *db_path = xasprintf("%s/data/images/index.db", f->data);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (int i = 0; i < 1000; i++) {
        char id[ORB_IMAGE_ID_LEN + 1], head[16];
        snprintf(head, sizeof(head), "%04x", i);
        fake_id(id, head);
        _cleanup_free_ char *sql = xasprintf(
            "INSERT INTO images VALUES ('%s', 'example.com/app%d', "
            "'[{\"name\":\"version\",\"value\":\"1.%d\"},{\"name\":\"os\",\"value\":\"linux\"}]', "
            "'gzip', 1000, 2000, 3000, %d, %d, 0, 'https://example.com/app.aci')",
            id, i, i, i, i);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    int64_t t0 = mono_us();
    _cleanup_free_ char *data = xasprintf("%s/data", f->data);
    orb_store *s = NULL;
    assert_int_equal(orb_store_open(data, &s, NULL), 0);
    orb_image_record *all;
    size_t n;
    assert_int_equal(orb_store_list(s, &all, &n, NULL), 0);
    orb_store_close(s);
    int64_t t1 = mono_us();
    assert_int_equal(n, 1000);
    assert_string_equal(all[0].name, "example.com/app999"); /* newest first */
    assert_string_equal(orb_kv_get(&all[0].labels, "version"), "1.999");
    orb_image_records_free(all, n);
    printf("store: open + list of 1000 images: %.2f ms\n", (double)(t1 - t0) / 1000.0);
}

static void test_rm_rf(void **state)
{
    fixture *f = *state;
    _cleanup_free_ char *top = xasprintf("%s/rm", f->data);
    _cleanup_free_ char *keep = xasprintf("%s/keep", f->data);
    _cleanup_free_ char *kept_file = xasprintf("%s/keep/file", f->data);
    _cleanup_free_ char *link = xasprintf("%s/rm/link", f->data);
    assert_int_equal(mkdir(top, 0755), 0);
    assert_int_equal(mkdir(keep, 0755), 0);
    write_text(kept_file, "must survive");
    assert_int_equal(symlink(keep, link), 0); /* removed, never followed */
    /* nested deeper than the descriptor limit, every level read-only */
    int fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int i = 0; i < 3000; i++) {
        assert_int_equal(mkdirat(fd, "d", 0755), 0);
        int child = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(child >= 0);
        if (i % 500 == 0)
            assert_int_equal(mkdirat(fd, "side", 0500), 0);
        assert_int_equal(fchmod(fd, 0500), 0);
        close(fd);
        fd = child;
    }
    close(fd);
    orb_error *e = NULL;
    if (orb_rm_rf(top, &e) < 0)
        fail_msg("%s", e->msg);
    assert_false(exists("%s", top));
    assert_true(exists("%s", kept_file));
    assert_int_equal(orb_rm_rf(top, NULL), 0); /* missing is fine */
    assert_int_equal(orb_rm_rf(kept_file, NULL), 0);
    assert_false(exists("%s", kept_file));
}

/* Several processes import the same image at once: one commits, the others
 * find it stored and drop their temporaries. */
static void test_concurrent_commit(void **state)
{
    fixture *f = *state;
    char id[ORB_IMAGE_ID_LEN + 1];
    fake_id(id, "0c");
    _cleanup_free_ char *data = xasprintf("%s/data", f->data);
    pid_t pids[6];
    for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            orb_store *s = NULL;
            if (orb_store_open(data, &s, NULL) < 0)
                _exit(10);
            int r = commit_fake(s, id, "example.com/app", NULL, 0, true);
            orb_store_close(s);
            _exit(r);
        }
    }
    int committed = 0;
    for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) <= 1);
        committed += WEXITSTATUS(status);
    }
    assert_int_equal(committed, 1);
    assert_int_equal(orb_store_get(f->s, id, NULL, NULL), 1);
    orb_gc_report rep;
    assert_int_equal(orb_store_gc(f->s, 3600LL * 1000000, &rep, NULL), 0);
    assert_int_equal(rep.leftovers_removed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_get_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_rejects_bad_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_replaces_stale_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remotes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_refused_while_used, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_cascades_remotes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_cleans_stale_tmp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_detects_changed_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_touch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_thousand, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rm_rf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_commit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
