/* Unit tests for aci/: detection, the streaming reader and image ID, archive
 * and layout validation, building and manifest rewriting. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "aci/aci.h"
#include "util/fs.h"
#include "util/mem.h"

#include "tar_craft.h"
#include "util/problems.h"

#define MANIFEST_JSON                                                                              \
    "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/test\"}\n"

static char *tmpdir;
static bool have_xattrs;

/* ---- helpers ------------------------------------------------------------- */

static char *tpath(const char *rel)
{
    return xasprintf("%s/%s", tmpdir, rel);
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
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static void rm_rf(const char *p)
{
    nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* layout: manifest, rootfs/{bin/sh (setuid), bin/sh2 (hard link), etc/passwd
 * (xattr), lib -> bin, run/fifo, tmp (sticky), a-b, a/b} */
static char *make_layout(const char *name)
{
    char *dir = tpath(name);
    rm_rf(dir);
    char buf[4096];
    assert_int_equal(mkdir(dir, 0755), 0);
#define P(rel) (snprintf(buf, sizeof(buf), "%s/%s", dir, rel), buf)
    write_file(P("manifest"), MANIFEST_JSON, 0644);
    const char *dirs[] = {"rootfs",     "rootfs/bin", "rootfs/etc",
                          "rootfs/run", "rootfs/tmp", "rootfs/a"};
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
        assert_int_equal(mkdir(P(dirs[i]), 0755), 0);
    assert_int_equal(chmod(P("rootfs/tmp"), 01777), 0);
    write_file(P("rootfs/bin/sh"), "#!/bin/true\n", 04755);
    write_file(P("rootfs/etc/passwd"), "root:x:0:0::/:/bin/sh\n", 0644);
    write_file(P("rootfs/a-b"), "dash\n", 0600);
    write_file(P("rootfs/a/b"), "slash\n", 0600);
    char other[4096];
    snprintf(other, sizeof(other), "%s/rootfs/bin/sh2", dir);
    assert_int_equal(link(P("rootfs/bin/sh"), other), 0);
    assert_int_equal(symlink("bin", P("rootfs/lib")), 0);
    assert_int_equal(mkfifo(P("rootfs/run/fifo"), 0600), 0);
    have_xattrs = setxattr(P("rootfs/etc/passwd"), "user.orbit", "yes", 3, 0) == 0;
#undef P
    return dir;
}

static void sha512_hex(const void *data, size_t len, EVP_MD_CTX *md, char out[ORB_IMAGE_ID_LEN + 1])
{
    (void)data, (void)len;
    unsigned char d[64];
    unsigned n;
    EVP_DigestFinal_ex(md, d, &n);
    strcpy(out, "sha512-");
    for (unsigned i = 0; i < n; i++)
        sprintf(out + 7 + 2 * i, "%02x", d[i]);
}

/* An independent image ID: libarchive's own decompressor, hashed here. */
static void raw_id(const char *path, char out[ORB_IMAGE_ID_LEN + 1])
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_raw(a);
    assert_int_equal(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
    struct archive_entry *e;
    assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha512(), NULL);
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
        EVP_DigestUpdate(md, buf, (size_t)n);
    assert_int_equal(n, 0);
    sha512_hex(NULL, 0, md, out);
    EVP_MD_CTX_free(md);
    archive_read_free(a);
}

static void build_ok(const char *layout, const char *out, orb_compression c)
{
    orb_build_options o = {.compression = c, .overwrite = true};
    orb_error *err = NULL;
    int r = orb_aci_build(layout, out, &o, &err);
    if (r < 0)
        print_error("build: %s\n", err->msg);
    assert_int_equal(r, 0);
}

static char *slurp(const char *path, size_t *len)
{
    char *buf;
    orb_error *err = NULL;
    assert_int_equal(orb_read_file(path, 1 << 30, &buf, len, &err), 0);
    return buf;
}

static bool has_problem(const orb_problems *p, const char *needle)
{
    for (size_t i = 0; i < p->n; i++)
        if (strstr(p->items[i], needle))
            return true;
    return false;
}

/* Validates a crafted archive; expects a content problem containing `needle`. */
static void expect_problem(const spec *s, size_t n, const char *needle)
{
    _cleanup_free_ char *p = tpath("crafted.aci");
    craft(p, s, n);
    orb_problems pr = {0};
    orb_error *err = NULL;
    assert_int_equal(orb_aci_validate(p, &pr, &err), -1);
    if (err)
        print_error("unexpected error: %s\n", err->msg);
    assert_null(err);
    if (!has_problem(&pr, needle)) {
        for (size_t i = 0; i < pr.n; i++)
            print_error("problem: %s\n", pr.items[i]);
        fail_msg("no problem containing \"%s\"", needle);
    }
    orb_problems_clear(&pr);
    unlink(p);
}

#define M                                                                                          \
    {                                                                                              \
        "manifest", AE_IFREG, MANIFEST_JSON, NULL                                                  \
    }
#define R                                                                                          \
    {                                                                                              \
        "rootfs", AE_IFDIR, NULL, NULL                                                             \
    }

/* ---- detection ----------------------------------------------------------- */

static void detect_by_magic(void **state)
{
    (void)state;
    unsigned char tar[512] = {0};
    memcpy(tar + 257, "ustar", 5);
    assert_int_equal(orb_detect_file_type(tar, sizeof(tar)), ORB_FILE_TAR);
    assert_int_equal(orb_detect_file_type(tar, 262), ORB_FILE_UNKNOWN);
    assert_int_equal(orb_detect_file_type((const unsigned char *)"\x1f\x8b\x08", 3), ORB_FILE_GZIP);
    assert_int_equal(orb_detect_file_type((const unsigned char *)"BZh9", 4), ORB_FILE_BZIP2);
    assert_int_equal(orb_detect_file_type((const unsigned char *)"\xfd\x37\x7a\x58\x5a\x00", 6),
                     ORB_FILE_XZ);
    assert_int_equal(orb_detect_file_type((const unsigned char *)"\x28\xb5\x2f\xfd", 4),
                     ORB_FILE_ZSTD);
    const char *json = "  \n{\"acKind\": \"ImageManifest\", \"name\": \"caf\xc3\xa9\"}";
    assert_int_equal(orb_detect_file_type((const unsigned char *)json, strlen(json)),
                     ORB_FILE_TEXT);
    assert_int_equal(orb_detect_file_type((const unsigned char *)"{\x01}", 3), ORB_FILE_UNKNOWN);
    assert_int_equal(orb_detect_file_type((const unsigned char *)"hello", 5), ORB_FILE_UNKNOWN);
    assert_int_equal(orb_detect_file_type((const unsigned char *)"", 0), ORB_FILE_UNKNOWN);
    assert_string_equal(orb_file_type_name(ORB_FILE_ZSTD), "zstd");
}

static void compression_names(void **state)
{
    (void)state;
    orb_compression c;
    assert_int_equal(orb_compression_from_name("xz", &c), 0);
    assert_int_equal(c, ORB_COMPRESSION_XZ);
    assert_int_equal(orb_compression_from_name("none", &c), 0);
    assert_int_equal(c, ORB_COMPRESSION_NONE);
    assert_int_equal(orb_compression_from_name("lz4", &c), -1);
    assert_string_equal(orb_compression_name(ORB_COMPRESSION_BZIP2), "bzip2");
}

/* ---- build + read -------------------------------------------------------- */

static void build_each_compression(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *out = tpath("each.aci");
    static const orb_file_type types[] = {ORB_FILE_TAR, ORB_FILE_GZIP, ORB_FILE_BZIP2, ORB_FILE_XZ,
                                          ORB_FILE_ZSTD};
    for (orb_compression c = ORB_COMPRESSION_NONE; c <= ORB_COMPRESSION_ZSTD; c++) {
        build_ok(layout, out, c);
        size_t len;
        _cleanup_free_ char *bytes = slurp(out, &len);
        assert_int_equal(orb_detect_file_type((unsigned char *)bytes, len < 512 ? len : 512),
                         types[c]);
        char id[ORB_IMAGE_ID_LEN + 1], want[ORB_IMAGE_ID_LEN + 1];
        orb_error *err = NULL;
        assert_int_equal(orb_aci_image_id(out, id, &err), 0);
        raw_id(out, want);
        assert_string_equal(id, want);
        assert_int_equal(strlen(id), ORB_IMAGE_ID_LEN);
        char *json;
        size_t jlen;
        assert_int_equal(orb_aci_read_manifest(out, &json, &jlen, &err), 0);
        assert_int_equal(jlen, strlen(MANIFEST_JSON));
        assert_memory_equal(json, MANIFEST_JSON, jlen);
        free(json);
        orb_problems pr = {0};
        assert_int_equal(orb_aci_validate(out, &pr, &err), 0);
        assert_int_equal(pr.n, 0);
        orb_aci_reader *r;
        assert_int_equal(orb_aci_reader_open(out, &r, &err), 0);
        assert_int_equal(orb_aci_reader_compression(r), c);
        orb_aci_reader_free(r);
    }
    unlink(out);
    rm_rf(layout);
}

static void build_uncompressed_id_is_sha512_of_file(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *out = tpath("plain.aci");
    build_ok(layout, out, ORB_COMPRESSION_NONE);
    size_t len;
    _cleanup_free_ char *bytes = slurp(out, &len);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha512(), NULL);
    EVP_DigestUpdate(md, bytes, len);
    char want[ORB_IMAGE_ID_LEN + 1], id[ORB_IMAGE_ID_LEN + 1];
    sha512_hex(NULL, 0, md, want);
    EVP_MD_CTX_free(md);
    orb_error *err = NULL;
    assert_int_equal(orb_aci_image_id(out, id, &err), 0);
    assert_string_equal(id, want);
    unlink(out);
    rm_rf(layout);
}

static void build_entries_in_order_with_metadata(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *out = tpath("entries.aci");
    build_ok(layout, out, ORB_COMPRESSION_GZIP);
    static const char *const order[] = {
        "manifest",   "rootfs",        "rootfs/a",        "rootfs/a/b", "rootfs/a-b",
        "rootfs/bin", "rootfs/bin/sh", "rootfs/bin/sh2",  "rootfs/etc", "rootfs/etc/passwd",
        "rootfs/lib", "rootfs/run",    "rootfs/run/fifo", "rootfs/tmp"};
    orb_aci_reader *r;
    orb_error *err = NULL;
    assert_int_equal(orb_aci_reader_open(out, &r, &err), 0);
    struct archive_entry *e;
    size_t i = 0;
    while (orb_aci_reader_next(r, &e, &err) > 0) {
        char name[256];
        snprintf(name, sizeof(name), "%s", archive_entry_pathname(e));
        size_t nlen = strlen(name);
        if (nlen > 1 && name[nlen - 1] == '/') /* libarchive writes directories as "rootfs/" */
            name[nlen - 1] = '\0';
        assert_true(i < ARRAY_SIZE(order));
        assert_string_equal(name, order[i++]);
        assert_true(archive_entry_uname(e) == NULL || archive_entry_uname(e)[0] == '\0');
        assert_false(archive_entry_atime_is_set(e));
        if (strcmp(name, "manifest") == 0)
            assert_int_equal(archive_entry_mode(e), AE_IFREG | 0644);
        if (strcmp(name, "rootfs/bin/sh") == 0)
            assert_int_equal(archive_entry_mode(e), AE_IFREG | 04755);
        if (strcmp(name, "rootfs/tmp") == 0)
            assert_int_equal(archive_entry_mode(e), AE_IFDIR | 01777);
        if (strcmp(name, "rootfs/bin/sh2") == 0) {
            assert_string_equal(archive_entry_hardlink(e), "rootfs/bin/sh");
            assert_int_equal(archive_entry_size(e), 0);
        }
        if (strcmp(name, "rootfs/lib") == 0)
            assert_string_equal(archive_entry_symlink(e), "bin");
        if (strcmp(name, "rootfs/run/fifo") == 0)
            assert_int_equal(archive_entry_filetype(e), AE_IFIFO);
        if (strcmp(name, "rootfs/etc/passwd") == 0 && have_xattrs) {
            const char *xname;
            const void *value;
            size_t size;
            assert_true(archive_entry_xattr_reset(e) >= 1);
            assert_int_equal(archive_entry_xattr_next(e, &xname, &value, &size), ARCHIVE_OK);
            assert_string_equal(xname, "user.orbit");
            assert_memory_equal(value, "yes", 3);
        }
    }
    assert_int_equal(i, ARRAY_SIZE(order));
    assert_int_equal(orb_aci_reader_finish(r, NULL, &err), 0);
    orb_aci_reader_free(r);
    unlink(out);
    rm_rf(layout);
}

static void build_is_reproducible(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *a = tpath("one.aci"), *b = tpath("two.aci");
    for (orb_compression c = ORB_COMPRESSION_NONE; c <= ORB_COMPRESSION_ZSTD; c++) {
        build_ok(layout, a, c);
        if (c == ORB_COMPRESSION_GZIP)
            sleep(1); /* a timestamp in the gzip header would show */
        build_ok(layout, b, c);
        size_t la, lb;
        _cleanup_free_ char *x = slurp(a, &la), *y = slurp(b, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(x, y, la);
    }
    unlink(a);
    unlink(b);
    rm_rf(layout);
}

static void build_refuses_existing_output(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *out = tpath("exists.aci");
    write_file(out, "keep", 0644);
    orb_build_options o = {.compression = ORB_COMPRESSION_GZIP};
    orb_error *err = NULL;
    assert_int_equal(orb_aci_build(layout, out, &o, &err), -1);
    assert_non_null(strstr(err->msg, "already exists"));
    orb_error_free(err);
    size_t len;
    _cleanup_free_ char *kept = slurp(out, &len);
    assert_string_equal(kept, "keep");
    o.overwrite = true;
    err = NULL;
    assert_int_equal(orb_aci_build(layout, out, &o, &err), 0);
    unlink(out);
    rm_rf(layout);
}

static void build_names_missing_output_dir(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *out = tpath("no-such-dir/x.aci");
    orb_build_options o = {.compression = ORB_COMPRESSION_GZIP};
    orb_error *err = NULL;
    assert_int_equal(orb_aci_build(layout, out, &o, &err), -1);
    assert_non_null(strstr(err->msg, "no-such-dir"));
    orb_error_free(err);
    rm_rf(layout);
}

static void build_refuses_invalid_manifest(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *m = xasprintf("%s/manifest", layout);
    write_file(m, "{\"acKind\":\"ImageManifest\"}", 0644);
    _cleanup_free_ char *out = tpath("invalid.aci");
    orb_build_options o = {.compression = ORB_COMPRESSION_GZIP};
    orb_error *err = NULL;
    assert_int_equal(orb_aci_build(layout, out, &o, &err), -1);
    assert_non_null(strstr(err->msg, "manifest: "));
    orb_error_free(err);
    assert_int_equal(access(out, F_OK), -1);
    rm_rf(layout);
}

static void build_owner_root(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *f = xasprintf("%s/rootfs/etc/passwd", layout);
    assert_int_equal(lchown(f, 1234, 5678), 0);
    _cleanup_free_ char *out = tpath("owner.aci");
    for (int pass = 0; pass < 2; pass++) {
        orb_build_options o = {
            .compression = ORB_COMPRESSION_NONE, .overwrite = true, .owner_root = pass == 1};
        orb_error *err = NULL;
        assert_int_equal(orb_aci_build(layout, out, &o, &err), 0);
        orb_aci_reader *r;
        assert_int_equal(orb_aci_reader_open(out, &r, &err), 0);
        struct archive_entry *e;
        while (orb_aci_reader_next(r, &e, &err) > 0)
            if (strcmp(archive_entry_pathname(e), "rootfs/etc/passwd") == 0) {
                assert_int_equal(archive_entry_uid(e), pass ? 0 : 1234);
                assert_int_equal(archive_entry_gid(e), pass ? 0 : 5678);
            }
        orb_aci_reader_free(r);
    }
    unlink(out);
    rm_rf(layout);
}

static void build_devices_and_skips_sockets(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *dev = xasprintf("%s/rootfs/null", layout);
    if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) < 0)
        skip(); /* not root: the device rule is covered by build_device_needs_root */
    _cleanup_free_ char *sock = xasprintf("%s/rootfs/sock", layout);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
    _cleanup_free_ char *out = tpath("dev.aci");
    build_ok(layout, out, ORB_COMPRESSION_NONE);
    orb_aci_reader *r;
    orb_error *err = NULL;
    assert_int_equal(orb_aci_reader_open(out, &r, &err), 0);
    struct archive_entry *e;
    bool saw_dev = false;
    while (orb_aci_reader_next(r, &e, &err) > 0) {
        assert_string_not_equal(archive_entry_pathname(e), "rootfs/sock");
        if (strcmp(archive_entry_pathname(e), "rootfs/null") == 0) {
            saw_dev = true;
            assert_int_equal(archive_entry_filetype(e), AE_IFCHR);
            assert_int_equal(archive_entry_rdevmajor(e), 1);
            assert_int_equal(archive_entry_rdevminor(e), 3);
        }
    }
    assert_true(saw_dev);
    orb_aci_reader_free(r);
    unlink(out);
    rm_rf(layout);
}

/* As an unprivileged user (a forked child drops to nobody) a device node is refused. */
static void build_device_needs_root(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *dev = xasprintf("%s/rootfs/null", layout);
    assert_int_equal(mknod(dev, S_IFCHR | 0666, makedev(1, 3)), 0);
    assert_int_equal(chmod(tmpdir, 0755), 0);
    const char *private[] = {"rootfs/a/b", "rootfs/a-b"};
    for (size_t i = 0; i < ARRAY_SIZE(private); i++) {
        _cleanup_free_ char *f = xasprintf("%s/%s", layout, private[i]);
        assert_int_equal(chmod(f, 0644), 0);
    }
    _cleanup_free_ char *out = xasprintf("/tmp/orbit-test-aci-nobody-%d.aci", (int)getpid());
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
            _exit(2);
        orb_build_options o = {.compression = ORB_COMPRESSION_GZIP};
        orb_error *err = NULL;
        if (orb_aci_build(layout, out, &o, &err) == 0)
            _exit(3);
        _cleanup_free_ char *want = xasprintf("%s/rootfs/null: device node: building an image "
                                              "with device nodes needs root",
                                              layout);
        bool ok = strcmp(err->msg, want) == 0;
        if (!ok)
            fprintf(stderr, "unexpected: %s\n", err->msg);
        _exit(ok ? 0 : 4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    chmod(tmpdir, 0700);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(access(out, F_OK), -1);
    rm_rf(layout);
}

/* ---- rewrite ------------------------------------------------------------- */

static size_t count_entries(const char *path)
{
    orb_aci_reader *r;
    orb_error *err = NULL;
    assert_int_equal(orb_aci_reader_open(path, &r, &err), 0);
    struct archive_entry *e;
    size_t n = 0;
    while (orb_aci_reader_next(r, &e, &err) > 0) {
        const char *name = archive_entry_pathname(e);
        if (n++ == 0)
            assert_string_equal(name, "manifest"); /* always first */
        if (strcmp(name, "rootfs/bin/sh2") == 0) {
            assert_string_equal(archive_entry_hardlink(e), "rootfs/bin/sh");
            assert_int_equal(archive_entry_size(e), 0);
        }
        if (strcmp(name, "rootfs/bin/sh") == 0) {
            char buf[64];
            assert_int_equal(orb_aci_reader_read(r, buf, sizeof(buf), &err), 12);
            assert_memory_equal(buf, "#!/bin/true\n", 12);
        }
    }
    orb_aci_reader_free(r);
    return n;
}

static void rewrite_replaces_manifest(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *in = tpath("in.aci"), *out = tpath("out.aci");
    const char *next =
        "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/next\"}";
    for (orb_compression c = ORB_COMPRESSION_NONE; c <= ORB_COMPRESSION_ZSTD; c++) {
        build_ok(layout, in, c);
        orb_error *err = NULL;
        unlink(out);
        assert_int_equal(orb_aci_replace_manifest(in, out, next, strlen(next), false, &err), 0);
        assert_int_equal(count_entries(out), count_entries(in));
        char *json;
        size_t len;
        assert_int_equal(orb_aci_read_manifest(out, &json, &len, &err), 0);
        assert_int_equal(len, strlen(next));
        assert_memory_equal(json, next, len);
        free(json);
        orb_problems pr = {0};
        assert_int_equal(orb_aci_validate(out, &pr, &err), 0);
        orb_aci_reader *r;
        assert_int_equal(orb_aci_reader_open(out, &r, &err), 0);
        assert_int_equal(orb_aci_reader_compression(r), c);
        orb_aci_reader_free(r);
    }
    /* in place: refused without overwrite, atomic with it */
    orb_error *err = NULL;
    assert_int_equal(orb_aci_replace_manifest(in, in, next, strlen(next), false, &err), -1);
    orb_error_free(err);
    err = NULL;
    assert_int_equal(orb_aci_replace_manifest(in, in, next, strlen(next), true, &err), 0);
    char *json;
    size_t len;
    assert_int_equal(orb_aci_read_manifest(in, &json, &len, &err), 0);
    assert_memory_equal(json, next, len);
    free(json);
    unlink(in);
    unlink(out);
    rm_rf(layout);
}

/* ---- reject vectors ------------------------------------------------------ */

static void reject_dotdot(void **state)
{
    (void)state;
    spec s[] = {M, R, {"rootfs/../../etc/x", AE_IFREG, "x", NULL}};
    expect_problem(s, ARRAY_SIZE(s), "rootfs/../../etc/x: path escapes the image");
}

static void reject_absolute(void **state)
{
    (void)state;
    spec s[] = {M, R, {"/etc/x", AE_IFREG, "x", NULL}};
    expect_problem(s, ARRAY_SIZE(s), "/etc/x: path escapes the image");
}

static void reject_through_symlink(void **state)
{
    (void)state;
    spec s[] = {
        M, R, {"rootfs/x", AE_IFLNK, NULL, "/etc"}, {"rootfs/x/passwd", AE_IFREG, "p", NULL}};
    expect_problem(s, ARRAY_SIZE(s), "rootfs/x/passwd: path goes through symlink rootfs/x");
}

static void reject_duplicate(void **state)
{
    (void)state;
    spec s[] = {M, R, {"rootfs/a", AE_IFREG, "1", NULL}, {"./rootfs/a", AE_IFREG, "2", NULL}};
    expect_problem(s, ARRAY_SIZE(s), "rootfs/a: duplicate entry");
    spec twice[] = {M, R, M};
    expect_problem(twice, ARRAY_SIZE(twice), "manifest: duplicate entry");
}

static void reject_missing_rootfs(void **state)
{
    (void)state;
    spec s[] = {M, {"rootfs/a", AE_IFREG, "1", NULL}};
    expect_problem(s, ARRAY_SIZE(s), "no rootfs directory entry");
    spec file[] = {M, {"rootfs", AE_IFREG, "1", NULL}};
    expect_problem(file, ARRAY_SIZE(file), "rootfs: must be a directory");
}

static void reject_missing_or_invalid_manifest(void **state)
{
    (void)state;
    spec none[] = {R};
    expect_problem(none, ARRAY_SIZE(none), "no manifest found");
    _cleanup_free_ char *p = tpath("none.aci");
    craft(p, none, ARRAY_SIZE(none));
    char *json;
    size_t len;
    orb_error *err = NULL;
    assert_int_equal(orb_aci_read_manifest(p, &json, &len, &err), -1);
    assert_non_null(strstr(err->msg, "none.aci: no manifest found"));
    orb_error_free(err);
    unlink(p);
    spec bad[] = {{"manifest", AE_IFREG, "{\"acKind\":\"ImageManifest\"}", NULL}, R};
    expect_problem(bad, ARRAY_SIZE(bad), "manifest: ");
    spec dir[] = {{"manifest", AE_IFDIR, NULL, NULL}, R};
    expect_problem(dir, ARRAY_SIZE(dir), "manifest: must be a regular file");
}

static void reject_extra_top_level(void **state)
{
    (void)state;
    spec s[] = {M, R, {"etc/x", AE_IFREG, "1", NULL}};
    expect_problem(s, ARRAY_SIZE(s), "etc/x: not allowed at the top of an image");
    spec prefix[] = {M, R, {"rootfsX/y", AE_IFREG, "1", NULL}};
    expect_problem(prefix, ARRAY_SIZE(prefix), "rootfsX/y: not allowed at the top");
}

static void reject_bad_hard_links(void **state)
{
    (void)state;
    spec later[] = {M, R, {"rootfs/a", 0, NULL, "rootfs/b"}, {"rootfs/b", AE_IFREG, "b", NULL}};
    expect_problem(later, ARRAY_SIZE(later),
                   "rootfs/a: hard link target rootfs/b is not an earlier");
    spec out[] = {M, R, {"rootfs/a", 0, NULL, "manifest"}};
    expect_problem(out, ARRAY_SIZE(out), "rootfs/a: hard link target manifest is outside rootfs");
}

static void accept_dot_and_dot_slash_names(void **state)
{
    (void)state;
    spec s[] = {{".", AE_IFDIR, NULL, NULL},         {"./manifest", AE_IFREG, MANIFEST_JSON, NULL},
                {"./rootfs/", AE_IFDIR, NULL, NULL}, {"./rootfs/a", AE_IFREG, "a", NULL},
                {"rootfs/b", 0, NULL, "./rootfs/a"}, {"rootfs/l", AE_IFLNK, NULL, "../../etc"}};
    _cleanup_free_ char *p = tpath("ok.aci");
    craft(p, s, ARRAY_SIZE(s));
    orb_problems pr = {0};
    orb_error *err = NULL;
    assert_int_equal(orb_aci_validate(p, &pr, &err), 0);
    assert_null(err);
    assert_int_equal(pr.n, 0);
    unlink(p);
}

/* A ustar header claiming 1 GiB of data that is not there. */
static void write_huge_manifest_header(const char *path)
{
    unsigned char blocks[3 * 512] = {0};
    unsigned char *h = blocks;
    strcpy((char *)h, "manifest");
    strcpy((char *)h + 100, "0000644");
    strcpy((char *)h + 108, "0000000");
    strcpy((char *)h + 116, "0000000");
    strcpy((char *)h + 124, "10000000000");
    strcpy((char *)h + 136, "00000000000");
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(orb_write_all(fd, blocks, sizeof(blocks)), 0);
    close(fd);
}

static void reject_huge_manifest_by_header(void **state)
{
    (void)state;
    _cleanup_free_ char *p = tpath("huge.aci");
    write_huge_manifest_header(p);
    char *json = NULL;
    size_t len;
    orb_error *err = NULL;
    assert_int_equal(orb_aci_read_manifest(p, &json, &len, &err), -1);
    assert_non_null(strstr(err->msg, "manifest: 1073741824 bytes is larger than the limit of "
                                     "1048576 bytes"));
    orb_error_free(err);
    err = NULL;
    orb_problems pr = {0};
    assert_int_equal(orb_aci_validate(p, &pr, &err), -1);
    assert_true(has_problem(&pr, "manifest: 1073741824 bytes is larger") || err != NULL);
    orb_problems_clear(&pr);
    orb_error_free(err);
    unlink(p);
}

static void reject_truncated_gzip(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *full = tpath("full.aci"), *cut = tpath("cut.aci");
    build_ok(layout, full, ORB_COMPRESSION_GZIP);
    size_t len;
    _cleanup_free_ char *bytes = slurp(full, &len);
    int fd = open(cut, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_int_equal(orb_write_all(fd, bytes, len / 2), 0);
    close(fd);
    char id[ORB_IMAGE_ID_LEN + 1];
    orb_error *err = NULL;
    assert_int_equal(orb_aci_image_id(cut, id, &err), -1);
    assert_non_null(strstr(err->msg, "cut.aci: "));
    assert_non_null(strstr(err->msg, "truncated"));
    orb_error_free(err);
    err = NULL;
    orb_problems pr = {0};
    assert_int_equal(orb_aci_validate(cut, &pr, &err), -1);
    assert_non_null(err);
    orb_error_free(err);
    orb_problems_clear(&pr);
    unlink(full);
    unlink(cut);
    rm_rf(layout);
}

static void reject_non_archives(void **state)
{
    (void)state;
    _cleanup_free_ char *p = tpath("x.aci");
    write_file(p, "hello, this is not an image\n", 0644);
    char id[ORB_IMAGE_ID_LEN + 1];
    orb_error *err = NULL;
    assert_int_equal(orb_aci_image_id(p, id, &err), -1);
    _cleanup_free_ char *want = xasprintf("%s: not an ACI: unrecognised file type (expected tar, "
                                          "gzip, bzip2, xz or zstd)",
                                          p);
    assert_string_equal(err->msg, want);
    orb_error_free(err);
    err = NULL;
    write_file(p, MANIFEST_JSON, 0644);
    assert_int_equal(orb_aci_image_id(p, id, &err), -1);
    assert_non_null(strstr(err->msg, "not an ACI: a text file"));
    orb_error_free(err);
    err = NULL;
    /* gzip around something that is not tar */
    struct archive *a = archive_write_new();
    archive_write_set_format_raw(a);
    archive_write_add_filter_gzip(a);
    assert_int_equal(archive_write_open_filename(a, p), ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, 600);
    archive_write_header(a, e);
    char junk[600];
    memset(junk, 'j', sizeof(junk));
    archive_write_data(a, junk, sizeof(junk));
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    assert_int_equal(orb_aci_image_id(p, id, &err), -1);
    assert_non_null(strstr(err->msg, "not a tar archive"));
    orb_error_free(err);
    unlink(p);
}

static void reject_hard_link_to_symlink(void **state)
{
    (void)state;
    spec via[] = {M,
                  R,
                  {"rootfs/x", AE_IFLNK, NULL, "/etc"},
                  {"rootfs/y", 0, NULL, "rootfs/x"},
                  {"rootfs/y/passwd", AE_IFREG, "p", NULL}};
    expect_problem(via, ARRAY_SIZE(via), "rootfs/y/passwd: path goes through symlink rootfs/y");
    spec chain[] = {M,
                    R,
                    {"rootfs/x", AE_IFLNK, NULL, "/etc"},
                    {"rootfs/y", 0, NULL, "rootfs/x"},
                    {"rootfs/z", 0, NULL, "./rootfs/y"},
                    {"rootfs/z/evil", AE_IFREG, "e", NULL}};
    expect_problem(chain, ARRAY_SIZE(chain), "rootfs/z/evil: path goes through symlink rootfs/z");
    spec self[] = {M, R, {"rootfs/y", 0, NULL, "rootfs/y"}};
    expect_problem(self, ARRAY_SIZE(self), "rootfs/y: hard link to itself");
    spec target[] = {
        M, R, {"rootfs/x", AE_IFLNK, NULL, "/etc"}, {"rootfs/y", 0, NULL, "rootfs/x/passwd"}};
    expect_problem(target, ARRAY_SIZE(target),
                   "rootfs/y: hard link target rootfs/x/passwd goes through symlink rootfs/x");
    spec implicit[] = {
        M, R, {"rootfs/d/f", AE_IFREG, "x", NULL}, {"rootfs/y", 0, NULL, "rootfs/d"}};
    expect_problem(implicit, ARRAY_SIZE(implicit), "rootfs/y: hard link to a directory rootfs/d");
}

static void reject_long_and_deep_names(void **state)
{
    (void)state;
    char long_name[5008] = "rootfs/";
    memset(long_name + 7, 'a', 5000);
    spec lng[] = {M, R, {long_name, AE_IFREG, "x", NULL}};
    expect_problem(lng, ARRAY_SIZE(lng), "name longer than 4096 bytes");
    char deep[1024] = "rootfs";
    for (int i = 0; i < 300; i++)
        strcat(deep, "/a");
    spec dp[] = {M, R, {deep, AE_IFREG, "x", NULL}};
    expect_problem(dp, ARRAY_SIZE(dp), "more than 256 path components");
}

/* Entry names past 64 MiB in all: one error naming the image and the limit. */
static void reject_too_many_name_bytes(void **state)
{
    (void)state;
    _cleanup_free_ char *p = tpath("names.aci");
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
    assert_int_equal(archive_write_open_filename(a, p), ARCHIVE_OK);
    char name[4100];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    memcpy(name, "rootfs/", 7);
    struct archive_entry *e = archive_entry_new();
    for (int i = 0; i < (64 << 20) / 4000 + 2; i++) {
        char num[16];
        int n = snprintf(num, sizeof(num), "%08d", i);
        memcpy(name + 7, num, (size_t)n);
        archive_entry_clear(e);
        archive_entry_set_pathname(e, i == 0 ? "rootfs" : name);
        archive_entry_set_filetype(e, i == 0 ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(e, 0644);
        assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
    }
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    orb_problems pr = {0};
    orb_error *err = NULL;
    assert_int_equal(orb_aci_validate(p, &pr, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err->msg, "names.aci: entry names take more than 67108864 bytes"));
    orb_error_free(err);
    orb_problems_clear(&pr);
    unlink(p);
}

static void reject_symlink_over_implicit_dir(void **state)
{
    (void)state;
    spec s[] = {M,
                R,
                {"rootfs/d/f", AE_IFREG, "x", NULL},
                {"rootfs/d", AE_IFLNK, NULL, "/etc"},
                {"rootfs/y", 0, NULL, "rootfs/d/f"},
                {"rootfs/d/passwd", AE_IFREG, "x", NULL}};
    expect_problem(s, ARRAY_SIZE(s), "rootfs/d: conflicts with directory rootfs/d");
    spec file[] = {M, R, {"rootfs/d/f", AE_IFREG, "x", NULL}, {"rootfs/d", AE_IFREG, "x", NULL}};
    expect_problem(file, ARRAY_SIZE(file), "rootfs/d: conflicts with directory rootfs/d");
    /* a directory entry after its contents is fine */
    spec late[] = {M, R, {"rootfs/d/f", AE_IFREG, "x", NULL}, {"rootfs/d", AE_IFDIR, NULL, NULL}};
    _cleanup_free_ char *p = tpath("late.aci");
    craft(p, late, ARRAY_SIZE(late));
    orb_problems pr = {0};
    orb_error *err = NULL;
    assert_int_equal(orb_aci_validate(p, &pr, &err), 0);
    assert_int_equal(pr.n, 0);
    unlink(p);
}

static void read_manifest_must_be_regular(void **state)
{
    (void)state;
    spec sym[] = {{"manifest", AE_IFLNK, NULL, "/etc/passwd"}, R};
    spec dir[] = {{"manifest", AE_IFDIR, NULL, NULL}, R};
    spec hl[] = {R, {"rootfs/m", AE_IFREG, MANIFEST_JSON, NULL}, {"manifest", 0, NULL, "rootfs/m"}};
    const spec *all[] = {sym, dir, hl};
    const size_t n[] = {ARRAY_SIZE(sym), ARRAY_SIZE(dir), ARRAY_SIZE(hl)};
    _cleanup_free_ char *p = tpath("man.aci");
    _cleanup_free_ char *want = xasprintf("%s: manifest: must be a regular file", p);
    for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
        craft(p, all[i], n[i]);
        char *json = NULL;
        size_t len;
        orb_error *err = NULL;
        assert_int_equal(orb_aci_read_manifest(p, &json, &len, &err), -1);
        assert_string_equal(err->msg, want);
        orb_error_free(err);
    }
    unlink(p);
}

static void build_refuses_output_inside_rootfs(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *out = xasprintf("%s/rootfs/a/self.aci", layout);
    orb_build_options o = {.compression = ORB_COMPRESSION_GZIP};
    orb_error *err = NULL;
    assert_int_equal(orb_aci_build(layout, out, &o, &err), -1);
    assert_non_null(strstr(err->msg, "output is inside the layout's rootfs"));
    orb_error_free(err);
    assert_int_equal(access(out, F_OK), -1);
    rm_rf(layout);
}

/* A gzip image missing its 8-byte trailer (CRC and length). */
static void reject_truncated_gzip_trailer(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *full = tpath("full.aci"), *cut = tpath("cut4.aci");
    build_ok(layout, full, ORB_COMPRESSION_GZIP);
    size_t len;
    _cleanup_free_ char *bytes = slurp(full, &len);
    int fd = open(cut, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_int_equal(orb_write_all(fd, bytes, len - 4), 0);
    close(fd);
    char id[ORB_IMAGE_ID_LEN + 1];
    orb_error *err = NULL;
    assert_int_equal(orb_aci_image_id(cut, id, &err), -1);
    assert_non_null(strstr(err->msg, "truncated archive"));
    orb_error_free(err);
    unlink(full);
    unlink(cut);
    rm_rf(layout);
}

/* An image with an odd manifest header (mode 0600, owner 5:6) and, separately,
 * one with an escaping entry. */
static void write_odd_image(const char *path, bool escaping)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "rootfs");
    archive_entry_set_mode(e, AE_IFDIR | 0755);
    assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
    if (escaping) {
        archive_entry_clear(e);
        archive_entry_set_pathname(e, "rootfs/../../etc/x");
        archive_entry_set_mode(e, AE_IFREG | 0644);
        archive_entry_set_size(e, 0);
        assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
    }
    archive_entry_clear(e);
    archive_entry_set_pathname(e, "manifest");
    archive_entry_set_mode(e, AE_IFREG | 0600);
    archive_entry_set_uid(e, 5);
    archive_entry_set_gid(e, 6);
    archive_entry_set_mtime(e, 1234567, 0);
    archive_entry_set_size(e, (la_int64_t)strlen(MANIFEST_JSON));
    assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
    archive_write_data(a, MANIFEST_JSON, strlen(MANIFEST_JSON));
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
}

static void rewrite_writes_plain_manifest_and_refuses_invalid(void **state)
{
    (void)state;
    _cleanup_free_ char *in = tpath("odd.aci"), *out = tpath("odd-out.aci");
    write_odd_image(in, false);
    const char *next =
        "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/next\"}";
    orb_error *err = NULL;
    assert_int_equal(orb_aci_replace_manifest(in, out, next, strlen(next), true, &err), 0);
    orb_aci_reader *r;
    assert_int_equal(orb_aci_reader_open(out, &r, &err), 0);
    struct archive_entry *e;
    assert_int_equal(orb_aci_reader_next(r, &e, &err), 1);
    assert_string_equal(archive_entry_pathname(e), "manifest");
    assert_int_equal(archive_entry_mode(e), AE_IFREG | 0644);
    assert_int_equal(archive_entry_uid(e), 5);
    assert_int_equal(archive_entry_gid(e), 6);
    assert_int_equal(archive_entry_mtime(e), 1234567);
    orb_aci_reader_free(r);
    unlink(out);
    write_odd_image(in, true);
    assert_int_equal(orb_aci_replace_manifest(in, out, next, strlen(next), true, &err), -1);
    assert_non_null(strstr(err->msg, "rootfs/../../etc/x: path escapes the image"));
    orb_error_free(err);
    assert_int_equal(access(out, F_OK), -1);
    unlink(in);
}

/* ---- readers on descriptors ---------------------------------------------- */

static void validate_fd_on_pipe(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    _cleanup_free_ char *out = tpath("pipe.aci");
    build_ok(layout, out, ORB_COMPRESSION_ZSTD);
    size_t len;
    _cleanup_free_ char *bytes = slurp(out, &len);
    assert_true(len < 65536);
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(orb_write_all(p[1], bytes, len), 0);
    close(p[1]);
    orb_problems pr = {0};
    orb_error *err = NULL;
    assert_int_equal(orb_aci_validate_fd(p[0], "stdin", &pr, &err), 0);
    unlink(out);
    rm_rf(layout);
}

/* ---- layouts ------------------------------------------------------------- */

static void layout_validate_accepts_and_rejects(void **state)
{
    (void)state;
    _cleanup_free_ char *layout = make_layout("layout");
    orb_problems pr = {0};
    orb_error *err = NULL;
    assert_int_equal(orb_layout_validate(layout, &pr, &err), 0);
    _cleanup_free_ char *extra = xasprintf("%s/README", layout);
    write_file(extra, "x", 0644);
    assert_int_equal(orb_layout_validate(layout, &pr, &err), -1);
    assert_true(has_problem(&pr, "README: not allowed at the top of an image"));
    orb_problems_clear(&pr);
    unlink(extra);
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", layout);
    _cleanup_free_ char *real = xasprintf("%s/real", tmpdir);
    rm_rf(real);
    assert_int_equal(rename(rootfs, real), 0);
    assert_int_equal(symlink(real, rootfs), 0);
    assert_int_equal(orb_layout_validate(layout, &pr, &err), -1);
    assert_true(has_problem(&pr, "rootfs: must be a directory, not a symlink"));
    orb_problems_clear(&pr);
    _cleanup_free_ char *m = xasprintf("%s/manifest", layout);
    unlink(m);
    assert_int_equal(orb_layout_validate(layout, &pr, &err), -1);
    assert_true(has_problem(&pr, "manifest: missing"));
    orb_problems_clear(&pr);
    assert_null(err);
    rm_rf(real);
    rm_rf(layout);
}

static int setup(void **state)
{
    (void)state;
    tmpdir = xstrdup("/tmp/orbit-test-aci-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(tmpdir);
    free(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detect_by_magic),
        cmocka_unit_test(compression_names),
        cmocka_unit_test(build_each_compression),
        cmocka_unit_test(build_uncompressed_id_is_sha512_of_file),
        cmocka_unit_test(build_entries_in_order_with_metadata),
        cmocka_unit_test(build_is_reproducible),
        cmocka_unit_test(build_refuses_existing_output),
        cmocka_unit_test(build_names_missing_output_dir),
        cmocka_unit_test(build_refuses_invalid_manifest),
        cmocka_unit_test(build_owner_root),
        cmocka_unit_test(build_devices_and_skips_sockets),
        cmocka_unit_test(build_device_needs_root),
        cmocka_unit_test(rewrite_replaces_manifest),
        cmocka_unit_test(reject_dotdot),
        cmocka_unit_test(reject_absolute),
        cmocka_unit_test(reject_through_symlink),
        cmocka_unit_test(reject_duplicate),
        cmocka_unit_test(reject_missing_rootfs),
        cmocka_unit_test(reject_missing_or_invalid_manifest),
        cmocka_unit_test(reject_extra_top_level),
        cmocka_unit_test(reject_bad_hard_links),
        cmocka_unit_test(accept_dot_and_dot_slash_names),
        cmocka_unit_test(reject_huge_manifest_by_header),
        cmocka_unit_test(reject_truncated_gzip),
        cmocka_unit_test(reject_non_archives),
        cmocka_unit_test(reject_hard_link_to_symlink),
        cmocka_unit_test(reject_long_and_deep_names),
        cmocka_unit_test(reject_too_many_name_bytes),
        cmocka_unit_test(reject_symlink_over_implicit_dir),
        cmocka_unit_test(read_manifest_must_be_regular),
        cmocka_unit_test(build_refuses_output_inside_rootfs),
        cmocka_unit_test(reject_truncated_gzip_trailer),
        cmocka_unit_test(rewrite_writes_plain_manifest_and_refuses_invalid),
        cmocka_unit_test(validate_fd_on_pipe),
        cmocka_unit_test(layout_validate_accepts_and_rejects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
