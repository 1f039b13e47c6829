/* Unit tests for store/import.c, aci/extract.c and util/path.c: one-pass
 * import of an image into a store, safe extraction, and what a failed
 * import leaves behind (nothing). */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "aci/aci.h"
#include "aci/extract.h"
#include "store/import.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/mem.h"

#include "tar_craft.h"
#include "util/path.h"

#define MANIFEST_JSON                                                                              \
    "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/test\","        \
    "\"labels\":[{\"name\":\"version\",\"value\":\"1.0\"},{\"name\":\"os\",\"value\":\"linux\"}]}" \
    "\n"

static char *tmpdir;
static char *data_dir;
static orb_store *store;

/* ---- helpers ------------------------------------------------------------- */

static char *tpath(const char *rel)
{
    return xasprintf("%s/%s", tmpdir, rel);
}

static char *images_path(const char *rel)
{
    return xasprintf("%s/images/%s", data_dir, rel);
}

static void write_file(const char *path, const char *data, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    assert_int_equal(orb_write_all(fd, data, strlen(data)), 0);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag, (void)ftw;
    if (S_ISDIR(st->st_mode))
        chmod(p, 0700);
    return remove(p);
}

static void rm_rf(const char *p)
{
    /* make every directory writable first, then remove depth first */
    char *cmd = xasprintf("chmod -R u+rwx '%s' 2>/dev/null", p);
    if (system(cmd) != 0) {
        /* missing is fine */
    }
    free(cmd);
    nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static size_t count_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* A layout with every file type: manifest, rootfs/{bin/sh (setuid), bin/sh2
 * (hard link), etc/passwd (xattr), lib -> bin, run/fifo, tmp (sticky),
 * ro/ (read-only directory with a file), dev/null (when root)}. */
static char *make_layout(const char *name)
{
    char *dir = tpath(name);
    rm_rf(dir);
    char buf[4096], other[4096];
    assert_int_equal(mkdir(dir, 0755), 0);
#define P(rel) (snprintf(buf, sizeof(buf), "%s/%s", dir, rel), buf)
    write_file(P("manifest"), MANIFEST_JSON, 0644);
    const char *dirs[] = {"rootfs",     "rootfs/bin", "rootfs/etc", "rootfs/run",
                          "rootfs/tmp", "rootfs/ro",  "rootfs/dev"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        assert_int_equal(mkdir(P(dirs[i]), 0755), 0);
    assert_int_equal(chmod(P("rootfs/tmp"), 01777), 0);
    write_file(P("rootfs/bin/sh"), "#!/bin/true\n", 04755);
    write_file(P("rootfs/etc/passwd"), "root:x:0:0::/:/bin/sh\n", 0640);
    write_file(P("rootfs/ro/file"), "inside a read-only dir\n", 0444);
    assert_int_equal(chmod(P("rootfs/ro"), 0555), 0);
    snprintf(other, sizeof(other), "%s/rootfs/bin/sh2", dir);
    assert_int_equal(link(P("rootfs/bin/sh"), other), 0);
    assert_int_equal(symlink("bin", P("rootfs/lib")), 0);
    assert_int_equal(mkfifo(P("rootfs/run/fifo"), 0620), 0);
    assert_int_equal(chmod(P("rootfs/run/fifo"), 0620), 0);
    assert_int_equal(setxattr(P("rootfs/etc/passwd"), "user.orbit", "yes", 3, 0), 0);
    assert_int_equal(setxattr(P("rootfs/etc"), "user.dir", "d", 1, 0), 0);
    if (geteuid() == 0)
        assert_int_equal(mknod(P("rootfs/dev/null"), S_IFCHR | 0666, makedev(1, 3)), 0);
#undef P
    return dir;
}

static char *build_image(const char *name, orb_compression c)
{
    _cleanup_free_ char *layout = make_layout("layout");
    char *out = tpath(name);
    orb_build_options o = {.compression = c, .overwrite = true};
    orb_error *err = NULL;
    int r = orb_aci_build(layout, out, &o, &err);
    if (r < 0)
        fail_msg("build: %s", err->msg);
    rm_rf(layout);
    return out;
}

static int do_import(const char *path, const orb_import_options *o, char *id, orb_error **err)
{
    return orb_store_import(store, path, o, id, err);
}

static void import_ok(const char *path, const orb_import_options *o, int want, char *id)
{
    orb_error *err = NULL;
    int r = do_import(path, o, id, &err);
    if (r < 0)
        fail_msg("import: %s", err->msg);
    assert_int_equal(r, want);
}

/* The store has no image, no blob, no tree and nothing in tmp/. */
static void assert_store_empty(void)
{
    const char *dirs[] = {"blobs", "trees", "tmp"};
    for (size_t i = 0; i < 3; i++) {
        _cleanup_free_ char *p = images_path(dirs[i]);
        if (count_dir(p) != 0)
            fail_msg("images/%s is not empty", dirs[i]);
    }
    orb_image_record *recs = NULL;
    size_t n = 99;
    orb_error *err = NULL;
    assert_int_equal(orb_store_list(store, &recs, &n, &err), 0);
    assert_int_equal(n, 0);
    orb_image_records_free(recs, n);
}

/* Expects the import to fail with a message containing needle, and nothing left. */
static void import_fails(const char *path, const orb_import_options *o, const char *needle)
{
    orb_error *err = NULL;
    char id[ORB_IMAGE_ID_LEN + 1];
    assert_int_equal(do_import(path, o, id, &err), -1);
    assert_non_null(err);
    if (!strstr(err->msg, needle))
        fail_msg("error \"%s\" does not contain \"%s\"", err->msg, needle);
    orb_error_free(err);
    assert_store_empty();
}

static bool same_bytes(const char *a, const char *b)
{
    char *cmd = xasprintf("cmp -s '%s' '%s'", a, b);
    int r = system(cmd);
    free(cmd);
    return r == 0;
}

static struct stat lstat_ok(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        fail_msg("lstat %s: %s", path, strerror(errno));
    return st;
}

#define M                                                                                          \
    {                                                                                              \
        "manifest", AE_IFREG, MANIFEST_JSON, NULL                                                  \
    }
#define R                                                                                          \
    {                                                                                              \
        "rootfs", AE_IFDIR, NULL, NULL                                                             \
    }

/* ---- tree and blob ------------------------------------------------------- */

static void check_tree(const char *id)
{
    _cleanup_free_ char *tree = orb_store_tree_path(store, id);
    char p[4096], q[4096];
#define T(rel) (snprintf(p, sizeof(p), "%s/%s", tree, rel), p)
    size_t len;
    char *json = NULL;
    orb_error *err = NULL;
    assert_int_equal(orb_read_file(T("manifest"), 1 << 20, &json, &len, &err), 0);
    assert_string_equal(json, MANIFEST_JSON);
    free(json);
    struct stat sh = lstat_ok(T("rootfs/bin/sh"));
    assert_true(S_ISREG(sh.st_mode));
    assert_int_equal(sh.st_mode & 07777, geteuid() == 0 ? 04755 : 0755);
    snprintf(q, sizeof(q), "%s/rootfs/bin/sh2", tree);
    struct stat sh2 = lstat_ok(q);
    assert_int_equal(sh.st_ino, sh2.st_ino);
    assert_int_equal(sh.st_nlink, 2);
    struct stat lib = lstat_ok(T("rootfs/lib"));
    assert_true(S_ISLNK(lib.st_mode));
    char target[64] = {0};
    assert_int_equal(readlink(p, target, sizeof(target) - 1), 3);
    assert_string_equal(target, "bin");
    struct stat fifo = lstat_ok(T("rootfs/run/fifo"));
    assert_true(S_ISFIFO(fifo.st_mode));
    assert_int_equal(fifo.st_mode & 07777, 0620);
    assert_int_equal(lstat_ok(T("rootfs/tmp")).st_mode & 07777, 01777);
    assert_int_equal(lstat_ok(T("rootfs/ro")).st_mode & 07777, 0555);
    assert_int_equal(lstat_ok(T("rootfs/ro/file")).st_mode & 07777, 0444);
    assert_int_equal(lstat_ok(T("rootfs/etc/passwd")).st_mode & 07777, 0640);
    char val[8] = {0};
    assert_int_equal(getxattr(T("rootfs/etc/passwd"), "user.orbit", val, sizeof(val)), 3);
    assert_string_equal(val, "yes");
    assert_int_equal(getxattr(T("rootfs/etc"), "user.dir", val, sizeof(val)), 1);
    if (geteuid() == 0) {
        struct stat null = lstat_ok(T("rootfs/dev/null"));
        assert_true(S_ISCHR(null.st_mode));
        assert_int_equal(null.st_rdev, makedev(1, 3));
    }
#undef T
}

static void check_import(orb_compression c)
{
    _cleanup_free_ char *aci = build_image("img.aci", c);
    char id[ORB_IMAGE_ID_LEN + 1], want[ORB_IMAGE_ID_LEN + 1];
    orb_error *err = NULL;
    assert_int_equal(orb_aci_image_id(aci, want, &err), 0);
    import_ok(aci, NULL, 1, id);
    assert_string_equal(id, want);
    _cleanup_free_ char *blob = orb_store_blob_path(store, id);
    assert_true(same_bytes(aci, blob));
    check_tree(id);
    orb_image_record rec = {0};
    assert_int_equal(orb_store_get(store, id, &rec, &err), 1);
    assert_string_equal(rec.name, "example.com/test");
    assert_int_equal(rec.compression, c);
    assert_int_equal(rec.blob_size, lstat_ok(aci).st_size);
    assert_string_equal(rec.source, aci);
    assert_false(rec.has_signature);
    orb_image_record_clear(&rec);
    _cleanup_free_ char *tmp = images_path("tmp");
    assert_int_equal(count_dir(tmp), 0);
    assert_int_equal(orb_store_remove(store, id, &err), 0);
    unlink(aci);
}

static void import_gzip(void **state)
{
    (void)state;
    check_import(ORB_COMPRESSION_GZIP);
}

static void import_zstd(void **state)
{
    (void)state;
    check_import(ORB_COMPRESSION_ZSTD);
}

static void import_uncompressed(void **state)
{
    (void)state;
    check_import(ORB_COMPRESSION_NONE);
}

static void import_with_fallback_resolution(void **state)
{
    (void)state;
    orb_path_force_fallback(true);
    check_import(ORB_COMPRESSION_GZIP);
    orb_path_force_fallback(false);
}

static void import_twice_keeps_one_copy(void **state)
{
    (void)state;
    _cleanup_free_ char *aci = build_image("twice.aci", ORB_COMPRESSION_GZIP);
    char id[ORB_IMAGE_ID_LEN + 1], id2[ORB_IMAGE_ID_LEN + 1];
    import_ok(aci, NULL, 1, id);
    import_ok(aci, NULL, 0, id2);
    assert_string_equal(id, id2);
    _cleanup_free_ char *blobs = images_path("blobs");
    _cleanup_free_ char *trees = images_path("trees");
    _cleanup_free_ char *tmp = images_path("tmp");
    assert_int_equal(count_dir(blobs), 1);
    assert_int_equal(count_dir(trees), 1);
    assert_int_equal(count_dir(tmp), 0);
    orb_error *err = NULL;
    assert_int_equal(orb_store_remove(store, id, &err), 0);
    unlink(aci);
}

static void import_keeps_signature(void **state)
{
    (void)state;
    _cleanup_free_ char *aci = build_image("signed.aci", ORB_COMPRESSION_GZIP);
    _cleanup_free_ char *asc = tpath("signed.aci.asc");
    write_file(asc, "-----BEGIN PGP SIGNATURE-----\n", 0644);
    orb_import_options o = {.signature_path = asc, .source = "https://example.com/x.aci"};
    char id[ORB_IMAGE_ID_LEN + 1];
    import_ok(aci, &o, 1, id);
    _cleanup_free_ char *sig = orb_store_signature_path(store, id);
    assert_true(same_bytes(asc, sig));
    orb_image_record rec = {0};
    orb_error *err = NULL;
    assert_int_equal(orb_store_get(store, id, &rec, &err), 1);
    assert_true(rec.has_signature);
    assert_string_equal(rec.source, "https://example.com/x.aci");
    orb_image_record_clear(&rec);
    assert_int_equal(orb_store_remove(store, id, &err), 0);
    unlink(aci);
    unlink(asc);
}

static void take_file_renames(void **state)
{
    (void)state;
    _cleanup_free_ char *aci = build_image("take.aci", ORB_COMPRESSION_GZIP);
    _cleanup_free_ char *dl_dir = NULL;
    orb_error *err = NULL;
    assert_int_equal(orb_store_mkdtemp(store, "download-", &dl_dir, &err), 0);
    _cleanup_free_ char *dl = xasprintf("%s/image.aci", dl_dir);
    char *cmd = xasprintf("cp '%s' '%s'", aci, dl);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    ino_t ino = lstat_ok(dl).st_ino;
    orb_import_options o = {.take_file = true};
    char id[ORB_IMAGE_ID_LEN + 1];
    import_ok(dl, &o, 1, id);
    _cleanup_free_ char *blob = orb_store_blob_path(store, id);
    assert_int_equal(lstat_ok(blob).st_ino, ino);
    assert_true(same_bytes(aci, blob));
    assert_int_equal(access(dl, F_OK), -1);
    rmdir(dl_dir);
    assert_int_equal(orb_store_remove(store, id, &err), 0);
    unlink(aci);
}

static void take_file_outside_tmp_refused(void **state)
{
    (void)state;
    _cleanup_free_ char *aci = build_image("take2.aci", ORB_COMPRESSION_GZIP);
    orb_import_options o = {.take_file = true};
    import_fails(aci, &o, "only a file under");
    assert_int_equal(access(aci, F_OK), 0);
    unlink(aci);
}

/* ---- what the caller expects --------------------------------------------- */

static void expected_id_checked(void **state)
{
    (void)state;
    _cleanup_free_ char *aci = build_image("exp.aci", ORB_COMPRESSION_GZIP);
    char want[ORB_IMAGE_ID_LEN + 1], id[ORB_IMAGE_ID_LEN + 1];
    orb_error *err = NULL;
    assert_int_equal(orb_aci_image_id(aci, want, &err), 0);
    char wrong[ORB_IMAGE_ID_LEN + 1];
    memcpy(wrong, want, sizeof(wrong));
    wrong[ORB_IMAGE_ID_LEN - 1] = wrong[ORB_IMAGE_ID_LEN - 1] == '0' ? '1' : '0';
    orb_import_options o = {.expected_id = wrong};
    import_fails(aci, &o, "does not match the expected sha512-");
    o.expected_id = "sha512-";
    import_fails(aci, &o, "does not match");
    char prefix[20];
    snprintf(prefix, sizeof(prefix), "%.19s", want);
    o.expected_id = prefix;
    import_ok(aci, &o, 1, id);
    assert_int_equal(orb_store_remove(store, id, &err), 0);
    o.expected_id = want;
    import_ok(aci, &o, 1, id);
    assert_int_equal(orb_store_remove(store, id, &err), 0);
    unlink(aci);
}

static void expected_name_and_labels_checked(void **state)
{
    (void)state;
    _cleanup_free_ char *aci = build_image("names.aci", ORB_COMPRESSION_GZIP);
    orb_import_options o = {.expected_name = "example.com/other"};
    import_fails(aci, &o, "the image is named example.com/test, not example.com/other");
    orb_kv_list labels = {0};
    orb_kv_set(&labels, "version", "2.0");
    o = (orb_import_options){.expected_name = "example.com/test", .expected_labels = &labels};
    import_fails(aci, &o, "label version is 1.0, not 2.0");
    orb_kv_list_clear(&labels);
    orb_kv_set(&labels, "arch", "amd64");
    import_fails(aci, &o, "no label arch");
    orb_kv_list_clear(&labels);
    orb_kv_set(&labels, "os", "linux");
    orb_kv_set(&labels, "version", "1.0");
    char id[ORB_IMAGE_ID_LEN + 1];
    import_ok(aci, &o, 1, id);
    orb_kv_list_clear(&labels);
    orb_error *err = NULL;
    assert_int_equal(orb_store_remove(store, id, &err), 0);
    unlink(aci);
}

static void expected_size_checked(void **state)
{
    (void)state;
    _cleanup_free_ char *aci = build_image("size.aci", ORB_COMPRESSION_NONE);
    uint64_t size = (uint64_t)lstat_ok(aci).st_size;
    orb_import_options o = {.has_expected_size = true, .expected_size = size + 1};
    import_fails(aci, &o, "bytes, not");
    o.expected_size = size;
    char id[ORB_IMAGE_ID_LEN + 1];
    import_ok(aci, &o, 1, id);
    orb_error *err = NULL;
    assert_int_equal(orb_store_remove(store, id, &err), 0);
    unlink(aci);
}

/* ---- hostile archives ---------------------------------------------------- */

static void import_crafted_fails(const spec *s, size_t n, const char *needle)
{
    _cleanup_free_ char *p = tpath("crafted.aci");
    craft(p, s, n);
    import_fails(p, NULL, needle);
    unlink(p);
}

static void refuse_path_traversal(void **state)
{
    (void)state;
    _cleanup_free_ char *outside = tpath("escaped");
    const spec dotdot[] = {M, R, {"rootfs/../../escaped", AE_IFREG, "x", NULL}};
    import_crafted_fails(dotdot, 3, "path escapes the image");
    const spec absolute[] = {M, R, {"/tmp/escaped", AE_IFREG, "x", NULL}};
    import_crafted_fails(absolute, 3, "path escapes the image");
    assert_int_equal(access(outside, F_OK), -1);
}

static void refuse_symlink_through(void **state)
{
    (void)state;
    _cleanup_free_ char *victim = tpath("victim");
    rm_rf(victim);
    assert_int_equal(mkdir(victim, 0755), 0);
    const spec through[] = {M,
                            R,
                            {"rootfs/evil", AE_IFLNK, NULL, victim},
                            {"rootfs/evil/planted", AE_IFREG, "x", NULL}};
    import_crafted_fails(through, 4, "goes through symlink rootfs/evil");
    const spec rel[] = {M,
                        R,
                        {"rootfs/up", AE_IFLNK, NULL, "../../../../../../.."},
                        {"rootfs/up/tmp/planted", AE_IFREG, "x", NULL}};
    import_crafted_fails(rel, 4, "goes through symlink");
    const spec hard[] = {M, R, {"rootfs/h", 0, NULL, "/etc/passwd"}};
    import_crafted_fails(hard, 3, "outside rootfs");
    assert_int_equal(count_dir(victim), 0);
    rm_rf(victim);
}

static void refuse_invalid_image(void **state)
{
    (void)state;
    const spec no_manifest[] = {R, {"rootfs/a", AE_IFREG, "x", NULL}};
    import_crafted_fails(no_manifest, 2, "no manifest found");
    const spec dup[] = {M, R, {"rootfs/a", AE_IFREG, "x", NULL}, {"rootfs/a", AE_IFREG, "y", NULL}};
    import_crafted_fails(dup, 4, "rootfs/a: duplicate entry");
    _cleanup_free_ char *p = tpath("not-an-image");
    write_file(p, "hello\n", 0644);
    import_fails(p, NULL, "not an ACI");
    unlink(p);
    import_fails("/nonexistent/image.aci", NULL, "/nonexistent/image.aci");
}

static void dir_entry_after_implicit_creation(void **state)
{
    (void)state;
    _cleanup_free_ char *p = tpath("implicit.aci");
    const spec s[] = {
        M, R, {"rootfs/a/b/c", AE_IFREG, "x", NULL}, {"rootfs/a", AE_IFDIR, NULL, NULL}};
    craft(p, s, 4);
    char id[ORB_IMAGE_ID_LEN + 1];
    import_ok(p, NULL, 1, id);
    _cleanup_free_ char *tree = orb_store_tree_path(store, id);
    _cleanup_free_ char *c = xasprintf("%s/rootfs/a/b/c", tree);
    assert_true(S_ISREG(lstat_ok(c).st_mode));
    orb_error *err = NULL;
    assert_int_equal(orb_store_remove(store, id, &err), 0);
    unlink(p);
}

static void refuse_truncated_image(void **state)
{
    (void)state;
    _cleanup_free_ char *aci = build_image("cut.aci", ORB_COMPRESSION_GZIP);
    off_t size = lstat_ok(aci).st_size;
    assert_int_equal(truncate(aci, size / 2), 0);
    import_fails(aci, NULL, "truncated");
    unlink(aci);
}

/* In a child running as nobody, in a store of its own: a device node refuses the image. */
static int import_device_as_nobody(const char *aci, const char *dir)
{
    if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
        return 10;
    orb_store *s = NULL;
    orb_error *err = NULL;
    if (orb_store_open(dir, &s, &err) < 0)
        return 11;
    char id[ORB_IMAGE_ID_LEN + 1];
    int r = orb_store_import(s, aci, NULL, id, &err);
    bool ok = r < 0 && strstr(err->msg, "rootfs/dev/null: device node: importing an image "
                                        "with device nodes needs root");
    if (!ok)
        fprintf(stderr, "import as nobody: %d %s\n", r, err ? err->msg : "");
    _cleanup_free_ char *tmp = xasprintf("%s/images/tmp", dir);
    _cleanup_free_ char *trees = xasprintf("%s/images/trees", dir);
    ok = ok && count_dir(tmp) == 0 && count_dir(trees) == 0;
    orb_store_close(s);
    return ok ? 0 : 12;
}

static void device_nodes_need_root(void **state)
{
    (void)state;
    _cleanup_free_ char *shared = tpath("nobody");
    rm_rf(shared);
    assert_int_equal(mkdir(shared, 0777), 0);
    assert_int_equal(chmod(shared, 0777), 0);
    assert_int_equal(chmod(tmpdir, 0755), 0);
    _cleanup_free_ char *aci = xasprintf("%s/dev.aci", shared);
    const spec s[] = {M, R, {"rootfs/dev/null", AE_IFCHR, NULL, NULL}};
    craft(aci, s, 3);
    assert_int_equal(chmod(aci, 0644), 0);
    _cleanup_free_ char *dir = xasprintf("%s/data", shared);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(import_device_as_nobody(aci, dir));
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    chmod(tmpdir, 0700);
    rm_rf(shared);
}

/* 64 MiB of zeros compress to about 64 KiB. */
static void refuse_gzip_bomb(void **state)
{
    (void)state;
    _cleanup_free_ char *p = tpath("bomb.aci");
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
    assert_int_equal(archive_write_open_filename(a, p), ARCHIVE_OK);
    const spec s[] = {M, R};
    for (size_t i = 0; i < 3; i++) {
        struct archive_entry *e = archive_entry_new();
        size_t size = i == 2 ? 64u << 20 : s[i].data ? strlen(s[i].data) : 0;
        archive_entry_set_pathname(e, i == 2 ? "rootfs/zeros" : s[i].name);
        archive_entry_set_filetype(e, i == 2 ? AE_IFREG : s[i].type);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)size);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (i == 0)
            archive_write_data(a, s[0].data, size);
        static char zeros[1 << 16];
        for (size_t done = 0; i == 2 && done < size; done += sizeof(zeros))
            assert_int_equal(archive_write_data(a, zeros, sizeof(zeros)), sizeof(zeros));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    assert_true(lstat_ok(p).st_size < (1 << 20));
    orb_import_options o = {.max_size = 1 << 20};
    import_fails(p, &o, "uncompressed size exceeds the limit of 1048576 bytes (gzip bomb?)");
    unlink(p);
}

static void default_max_size_at_least_1gib(void **state)
{
    (void)state;
    assert_true(orb_import_default_max_size(store) >= (1ULL << 30));
}

typedef struct progress_seen {
    uint64_t done, total;
    unsigned calls, finished;
} progress_seen;

static void on_update(void *ctx, const char *phase, const char *what, uint64_t done, uint64_t total)
{
    progress_seen *p = ctx;
    assert_string_equal(phase, "import");
    assert_non_null(what);
    assert_true(done >= p->done);
    p->done = done, p->total = total, p->calls++;
}

static void on_finish(void *ctx)
{
    ((progress_seen *)ctx)->finished++;
}

static void progress_reported(void **state)
{
    (void)state;
    _cleanup_free_ char *aci = build_image("progress.aci", ORB_COMPRESSION_GZIP);
    progress_seen seen = {0};
    orb_progress pr = {.update = on_update, .finish = on_finish, .ctx = &seen};
    orb_import_options o = {.progress = &pr};
    char id[ORB_IMAGE_ID_LEN + 1];
    import_ok(aci, &o, 1, id);
    assert_true(seen.calls > 0);
    assert_int_equal(seen.finished, 1);
    assert_int_equal(seen.total, lstat_ok(aci).st_size);
    assert_int_equal(seen.done, seen.total);
    orb_error *err = NULL;
    assert_int_equal(orb_store_remove(store, id, &err), 0);
    unlink(aci);
}

/* ---- util/path.c --------------------------------------------------------- */

static int make_root(void)
{
    _cleanup_free_ char *root = tpath("root");
    rm_rf(root);
    assert_int_equal(mkdir(root, 0755), 0);
    char buf[4096];
#define P(rel) (snprintf(buf, sizeof(buf), "%s/%s", root, rel), buf)
    assert_int_equal(mkdir(P("a"), 0755), 0);
    write_file(P("a/f"), "f\n", 0644);
    assert_int_equal(symlink("../../../../..", P("up")), 0);
    assert_int_equal(symlink("/etc", P("abs")), 0);
    assert_int_equal(symlink("a/f", P("af")), 0);
#undef P
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(fd >= 0);
    return fd;
}

static int open_errno(int rootfd, const char *path, unsigned resolve)
{
    orb_error *err = NULL;
    int fd = orb_open_in_root(rootfd, path, O_RDONLY, 0, resolve, &err);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    int e = err->errnum;
    orb_error_free(err);
    return e;
}

static void parent_refuses_symlinks(int rootfd)
{
    orb_error *err = NULL;
    char *base = NULL;
    int fd = orb_open_parent_in_root(rootfd, "a/new", &base, &err);
    assert_true(fd >= 0);
    assert_string_equal(base, "new");
    free(base);
    close(fd);
    assert_int_equal(orb_open_parent_in_root(rootfd, "up/x", &base, &err), -1);
    orb_error_free(err);
    err = NULL;
    assert_int_equal(orb_open_parent_in_root(rootfd, "a/..", &base, &err), -1);
    orb_error_free(err);
}

static void path_openat2_stays_in_root(void **state)
{
    (void)state;
    orb_path_force_fallback(false);
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
    long probe = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));
    bool have_openat2 = probe >= 0;
    if (probe >= 0)
        close((int)probe);
    int rootfd = make_root();
    assert_int_equal(open_errno(rootfd, "a/f", 0), 0);
    assert_int_equal(open_errno(rootfd, "", 0), 0);
    if (have_openat2) {
        assert_int_equal(open_errno(rootfd, "up/a/f", 0), 0);
        assert_int_equal(open_errno(rootfd, "../a/f", 0), 0);
    }
    /* with openat2, ".." and absolute symlinks stop at the root; the walk refuses them */
    int up = open_errno(rootfd, "up/a/f", 0);
    if (up != 0 && up != ELOOP)
        fail_msg("up/a/f: %s", strerror(up));
    int abs = open_errno(rootfd, "abs/passwd", 0);
    assert_true(abs == ENOENT || abs == ELOOP); /* never the host's /etc/passwd */
    assert_int_equal(open_errno(rootfd, "up/a/f", ORB_RESOLVE_NO_SYMLINKS), ELOOP);
    parent_refuses_symlinks(rootfd);
    close(rootfd);
}

static void path_fallback_refuses_symlinks_and_dotdot(void **state)
{
    (void)state;
    orb_path_force_fallback(true);
    int rootfd = make_root();
    assert_int_equal(open_errno(rootfd, "a/f", 0), 0);
    assert_int_equal(open_errno(rootfd, "./a//f", 0), 0);
    assert_int_equal(open_errno(rootfd, "", 0), 0);
    assert_int_equal(open_errno(rootfd, "up/a/f", 0), ELOOP);
    assert_int_equal(open_errno(rootfd, "abs/passwd", 0), ELOOP);
    assert_int_equal(open_errno(rootfd, "af", 0), ELOOP);
    assert_int_equal(open_errno(rootfd, "../a/f", 0), EXDEV);
    assert_int_equal(open_errno(rootfd, "a/../a/f", 0), EXDEV);
    parent_refuses_symlinks(rootfd);
    close(rootfd);
    orb_path_force_fallback(false);
}

/* ---- aci/extract.c on its own --------------------------------------------- */

/* Even entries the validator would refuse cannot reach outside the root:
 * the extractor never goes through a symlink already in the tree. */
static void extract_entry_errno(orb_extractor *x, const char *clean, unsigned type,
                                const char *link)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, clean);
    archive_entry_set_filetype(e, type ? type : AE_IFREG);
    archive_entry_set_perm(e, 0755);
    if (type == AE_IFLNK)
        archive_entry_set_symlink(e, link);
    else if (link)
        archive_entry_set_hardlink(e, link);
    orb_error *err = NULL;
    assert_int_equal(orb_extractor_entry(x, e, clean, NULL, &err), -1);
    assert_non_null(err);
    orb_error_free(err);
    archive_entry_free(e);
}

static void check_extractor_confined(bool fallback)
{
    orb_path_force_fallback(fallback);
    _cleanup_free_ char *victim = tpath("victim2");
    _cleanup_free_ char *root = tpath("xroot");
    rm_rf(victim);
    rm_rf(root);
    assert_int_equal(mkdir(victim, 0755), 0);
    assert_int_equal(mkdir(root, 0755), 0);
    _cleanup_free_ char *evil = xasprintf("%s/evil", root);
    assert_int_equal(symlink(victim, evil), 0);
    _cleanup_free_ char *up = xasprintf("%s/up", root);
    assert_int_equal(symlink("..", up), 0);
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(rootfd >= 0);
    orb_extractor *x = orb_extractor_new(rootfd, "hostile.aci");
    extract_entry_errno(x, "evil/sub", AE_IFDIR, NULL);
    extract_entry_errno(x, "evil/deeper/sub", AE_IFDIR, NULL);
    extract_entry_errno(x, "up/victim2/sub", AE_IFDIR, NULL);
    extract_entry_errno(x, "evil/link", AE_IFLNK, "/etc");
    extract_entry_errno(x, "hard", 0, "evil/../../etc/passwd");
    extract_entry_errno(x, "evil", AE_IFDIR, NULL);
    orb_error *err = NULL;
    assert_int_equal(orb_extractor_finish(x, &err), 0);
    orb_extractor_free(x);
    close(rootfd);
    assert_int_equal(count_dir(victim), 0);
    rm_rf(victim);
    rm_rf(root);
    orb_path_force_fallback(false);
}

static void extractor_confined_openat2(void **state)
{
    (void)state;
    check_extractor_confined(false);
}

static void extractor_confined_fallback(void **state)
{
    (void)state;
    check_extractor_confined(true);
}

/* ---- main ---------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    tmpdir = xstrdup("/tmp/orbit-test-import-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    data_dir = tpath("data");
    orb_error *err = NULL;
    if (orb_store_open(data_dir, &store, &err) < 0) {
        fprintf(stderr, "store: %s\n", err->msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orb_store_close(store);
    rm_rf(tmpdir);
    free(data_dir);
    free(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(import_gzip),
        cmocka_unit_test(import_zstd),
        cmocka_unit_test(import_uncompressed),
        cmocka_unit_test(import_with_fallback_resolution),
        cmocka_unit_test(import_twice_keeps_one_copy),
        cmocka_unit_test(import_keeps_signature),
        cmocka_unit_test(take_file_renames),
        cmocka_unit_test(take_file_outside_tmp_refused),
        cmocka_unit_test(expected_id_checked),
        cmocka_unit_test(expected_name_and_labels_checked),
        cmocka_unit_test(expected_size_checked),
        cmocka_unit_test(refuse_path_traversal),
        cmocka_unit_test(refuse_symlink_through),
        cmocka_unit_test(refuse_invalid_image),
        cmocka_unit_test(dir_entry_after_implicit_creation),
        cmocka_unit_test(refuse_truncated_image),
        cmocka_unit_test(device_nodes_need_root),
        cmocka_unit_test(refuse_gzip_bomb),
        cmocka_unit_test(default_max_size_at_least_1gib),
        cmocka_unit_test(progress_reported),
        cmocka_unit_test(extractor_confined_openat2),
        cmocka_unit_test(extractor_confined_fallback),
        cmocka_unit_test(path_openat2_stays_in_root),
        cmocka_unit_test(path_fallback_refuses_symlinks_and_dotdot),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
