#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aci/aci.h"
#include "aci/aci_internal.h"
#include "aci/archive_api.h"
#include "schema/manifest.h"
#include "util/fs.h"
#include "util/hasher.h"
#include "util/mem.h"
#include "util/pump.h"

/* Two libarchive readers in a chain: `outer` decompresses the file (format
 * raw, so the tar stream comes out as data); `inner` parses that stream as
 * tar through inner_read(). Decompression runs on a pump thread and hashing
 * on a hasher thread, so a 2-core machine extracts while it decompresses. */
struct orb_aci_reader {
    int fd;
    char *name;
    orb_compression compression;
    unsigned char head[512];
    size_t head_len, head_pos;
    unsigned char *buf;
    struct archive *outer, *inner;
    orb_hasher *hasher; /* SHA-512 of the tar stream, on a second core */
    orb_pump *pump;     /* decompression, on another thread */
    bool pump_tried;
    char id[ORB_IMAGE_ID_LEN + 1]; /* once finished */
    bool outer_eof;
    bool input_eof;              /* the file itself has been read to its end */
    char *outer_error;           /* why the decompressed stream failed, if it did */
    struct archive_entry *entry; /* the current entry */
    orb_aci_reader_options opts;
    uint64_t input_size, file_size, tar_size;
    char *own_error; /* a failure of ours (tap, limit): reported as it is */
    int own_errno;
};

/* Everything read from the file goes through here: copied to the tap and
 * counted for the progress callback. */
static int took_input(orb_aci_reader *r, const void *buf, size_t n)
{
    if (n > 0 && r->opts.tap_fd >= 0 && orb_write_all(r->opts.tap_fd, buf, n) < 0) {
        if (!r->own_error) {
            r->own_errno = errno;
            r->own_error = xasprintf("write a copy of the image: %s", strerror(errno));
        }
        return -1;
    }
    r->input_size += n;
    orb_progress_update(r->opts.progress, "import", r->name, r->input_size, r->file_size);
    return 0;
}

static la_ssize_t file_read(struct archive *a, void *data, const void **ret_buf)
{
    orb_aci_reader *r = data;
    if (r->head_pos < r->head_len) {
        *ret_buf = r->head + r->head_pos;
        size_t n = r->head_len - r->head_pos;
        r->head_pos = r->head_len;
        return (la_ssize_t)n;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->buf, ACI_IO_BUFSIZE);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            sym_archive_set_error(a, errno, "read: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            r->input_eof = true;
        if (took_input(r, r->buf, (size_t)n) < 0) {
            sym_archive_set_error(a, r->own_errno, "%s", r->own_error);
            return -1;
        }
        *ret_buf = r->buf;
        return n;
    }
}

/* Decompresses the next block of the stream and hashes it; 0 at its end.
 * Runs on the pump's thread (or the caller's when there is no pump). */
static la_ssize_t decompress_block(orb_aci_reader *r, const void **ret_buf)
{
    while (!r->outer_eof) {
        size_t size = 0;
        la_int64_t offset;
        int rc = sym_archive_read_data_block(r->outer, ret_buf, &size, &offset);
        if (rc == ARCHIVE_EOF) {
            r->outer_eof = true;
            break;
        }
        if (rc < ARCHIVE_WARN) {
            const char *msg = sym_archive_error_string(r->outer);
            if (!r->outer_error)
                r->outer_error = xstrdup(msg ?: "");
            return -1;
        }
        r->tar_size += size;
        if (r->opts.max_size && r->tar_size > r->opts.max_size && !r->own_error) {
            r->own_errno = EFBIG;
            r->own_error =
                xasprintf("uncompressed size exceeds the limit of %llu bytes (gzip bomb?)",
                          (unsigned long long)r->opts.max_size);
        }
        if (r->own_error) {
            if (!r->outer_error)
                r->outer_error = xstrdup(r->own_error);
            return -1;
        }
        if (size > 0) {
            orb_hasher_update(r->hasher, *ret_buf, size);
            return (la_ssize_t)size;
        }
    }
    return 0;
}

static ssize_t pump_source(void *ctx, const void **ret_buf)
{
    return decompress_block(ctx, ret_buf);
}

/* The next block of the decompressed stream. Decompression (and hashing)
 * run on other cores while this thread parses and extracts. */
static la_ssize_t pull_block(orb_aci_reader *r, const void **ret_buf)
{
    if (!r->pump_tried) {
        r->pump_tried = true;
        r->pump = orb_pump_start(pump_source, r);
    }
    if (!r->pump)
        return decompress_block(r, ret_buf);
    return orb_pump_read(r->pump, ret_buf);
}

static la_ssize_t inner_read(struct archive *a, void *data, const void **ret_buf)
{
    orb_aci_reader *r = data;
    la_ssize_t n = pull_block(r, ret_buf);
    if (n < 0)
        sym_archive_set_error(a, EIO, "%s", r->outer_error[0] ? r->outer_error : "read error");
    return n;
}

/* Names what went wrong: the decompressor's complaint if there is one, else the tar parser's. */
static int reader_fail(orb_aci_reader *r, orb_error **err)
{
    if (r->own_error)
        return orb_err(err, r->own_errno, "%s: %s", r->name, r->own_error);
    /* A decompressor that gives up silently once the whole file is in has
     * run out of input: a stream cut short (in its trailer, say). */
    if (r->outer_error && !r->outer_error[0] && r->input_eof)
        return orb_err(err, EINVAL, "%s: truncated archive: the %s stream ends early", r->name,
                       orb_compression_name(r->compression));
    const char *msg = r->outer_error && r->outer_error[0] ? r->outer_error : NULL;
    const char *kind = "corrupt archive";
    _cleanup_free_ char *corrupt = NULL;
    if (r->outer_error) {
        msg = msg ?: r->compression == ORB_COMPRESSION_NONE ? "read error" : "cannot decompress";
        corrupt = xasprintf("corrupt %s data", orb_compression_name(r->compression));
        kind = r->compression == ORB_COMPRESSION_NONE ? "read error" : corrupt;
    } else {
        msg = sym_archive_error_string(r->inner);
        if (!msg)
            msg = "unknown error";
    }
    if (strcasestr(msg, "truncated") || strcasestr(msg, "premature") ||
        strcasestr(msg, "unexpected end"))
        kind = "truncated archive";
    return orb_err(err, EINVAL, "%s: %s: %s", r->name, kind, msg);
}

static int read_head(orb_aci_reader *r, orb_error **err)
{
    while (r->head_len < sizeof(r->head)) {
        ssize_t n = read(r->fd, r->head + r->head_len, sizeof(r->head) - r->head_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return orb_err_sys(err, errno, "read %s", r->name);
        if (n == 0)
            break;
        if (took_input(r, r->head + r->head_len, (size_t)n) < 0)
            return orb_err(err, r->own_errno, "%s: %s", r->name, r->own_error);
        r->head_len += (size_t)n;
    }
    return 0;
}

/* ARCHIVE_WARN from a support call means libarchive would run an external
 * program instead of its own code: refused, like a missing decompressor. */
static int add_decompressor(orb_aci_reader *r, orb_compression c, orb_error **err)
{
    int rc = ARCHIVE_FATAL;
    r->compression = c;
    switch (c) {
    case ORB_COMPRESSION_NONE:
        return 0;
    case ORB_COMPRESSION_GZIP:
        rc = sym_archive_read_support_filter_gzip(r->outer);
        break;
    case ORB_COMPRESSION_BZIP2:
        rc = sym_archive_read_support_filter_bzip2(r->outer);
        break;
    case ORB_COMPRESSION_XZ:
        rc = sym_archive_read_support_filter_xz(r->outer);
        break;
    case ORB_COMPRESSION_ZSTD:
        rc = sym_archive_read_support_filter_zstd(r->outer);
        break;
    }
    if (rc != ARCHIVE_OK)
        return orb_err(err, ENOTSUP, "%s: no built-in %s support", r->name,
                       orb_compression_name(c));
    return 0;
}

static int detect(orb_aci_reader *r, orb_error **err)
{
    switch (orb_detect_file_type(r->head, r->head_len)) {
    case ORB_FILE_TAR:
        return add_decompressor(r, ORB_COMPRESSION_NONE, err);
    case ORB_FILE_GZIP:
        return add_decompressor(r, ORB_COMPRESSION_GZIP, err);
    case ORB_FILE_BZIP2:
        return add_decompressor(r, ORB_COMPRESSION_BZIP2, err);
    case ORB_FILE_XZ:
        return add_decompressor(r, ORB_COMPRESSION_XZ, err);
    case ORB_FILE_ZSTD:
        return add_decompressor(r, ORB_COMPRESSION_ZSTD, err);
    case ORB_FILE_TEXT:
        return orb_err(err, EINVAL, "%s: not an ACI: a text file (a bare manifest?), not an image",
                       r->name);
    case ORB_FILE_UNKNOWN:
        break;
    }
    if (r->head_len == 0)
        return orb_err(err, EINVAL, "%s: not an ACI: empty file", r->name);
    return orb_err(err, EINVAL,
                   "%s: not an ACI: unrecognised file type (expected tar, gzip, bzip2, xz or zstd)",
                   r->name);
}

static int open_chain(orb_aci_reader *r, orb_error **err)
{
    r->outer = sym_archive_read_new();
    if (!r->outer)
        return orb_err(err, ENOMEM, "%s: cannot create an archive reader", r->name);
    if (read_head(r, err) < 0 || detect(r, err) < 0)
        return -1;
    struct archive_entry *raw;
    if (sym_archive_read_support_format_raw(r->outer) != ARCHIVE_OK ||
        sym_archive_read_open(r->outer, r, NULL, file_read, NULL) != ARCHIVE_OK ||
        sym_archive_read_next_header(r->outer, &raw) != ARCHIVE_OK) {
        r->outer_error = xstrdup(sym_archive_error_string(r->outer) ?: "");
        return reader_fail(r, err);
    }
    r->hasher = orb_hasher_new();
    if (!r->hasher)
        return orb_err(err, ENOMEM, "%s: cannot set up SHA-512", r->name);
    r->inner = sym_archive_read_new();
    if (!r->inner)
        return orb_err(err, ENOMEM, "%s: cannot create an archive reader", r->name);
    sym_archive_read_support_format_tar(r->inner);
    if (sym_archive_read_open(r->inner, r, NULL, inner_read, NULL) != ARCHIVE_OK) {
        if (r->outer_error)
            return reader_fail(r, err);
        return orb_err(err, EINVAL, "%s: not an ACI: the %s data is not a tar archive", r->name,
                       orb_compression_name(r->compression));
    }
    return 0;
}

int orb_aci_reader_open_fd_opts(int fd, const char *name, const orb_aci_reader_options *o,
                                orb_aci_reader **ret, orb_error **err)
{
    /* Every reader function, and every entry handed out, comes after this. */
    if (orb_archive_load(err) < 0) {
        close(fd);
        return -1;
    }
    orb_aci_reader *r = xcalloc(1, sizeof(*r));
    r->fd = fd;
    r->opts = o ? *o : (orb_aci_reader_options){.tap_fd = -1};
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        r->file_size = (uint64_t)st.st_size;
    r->name = xstrdup(name);
    r->buf = xmalloc(ACI_IO_BUFSIZE);
    if (open_chain(r, err) < 0) {
        orb_aci_reader_free(r);
        return -1;
    }
    *ret = r;
    return 0;
}

int orb_aci_reader_open_fd(int fd, const char *name, orb_aci_reader **ret, orb_error **err)
{
    return orb_aci_reader_open_fd_opts(fd, name, NULL, ret, err);
}

int orb_aci_reader_open(const char *path, orb_aci_reader **ret, orb_error **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return orb_err_sys(err, errno, "open %s", path);
    return orb_aci_reader_open_fd(fd, path, ret, err);
}

int orb_aci_reader_next(orb_aci_reader *r, struct archive_entry **ret_entry, orb_error **err)
{
    r->entry = NULL;
    int rc = sym_archive_read_next_header(r->inner, &r->entry);
    if (rc == ARCHIVE_EOF) {
        r->entry = NULL;
        return 0;
    }
    if (rc < ARCHIVE_WARN) {
        r->entry = NULL;
        return reader_fail(r, err);
    }
    *ret_entry = r->entry;
    return 1;
}

ssize_t orb_aci_reader_read(orb_aci_reader *r, void *buf, size_t len, orb_error **err)
{
    la_ssize_t n = sym_archive_read_data(r->inner, buf, len);
    if (n < 0)
        return reader_fail(r, err);
    return n;
}

int orb_aci_reader_read_all(orb_aci_reader *r, size_t max, char **ret_buf, size_t *ret_len,
                            orb_error **err)
{
    if (!r->entry)
        return orb_err(err, EINVAL, "%s: no current entry", r->name);
    const char *entry_name = sym_archive_entry_pathname(r->entry) ?: "(unnamed)";
    la_int64_t size = sym_archive_entry_size(r->entry);
    if (sym_archive_entry_size_is_set(r->entry) && (size < 0 || (uint64_t)size > max))
        return orb_err(err, EFBIG, "%s: %s: %lld bytes is larger than the limit of %zu bytes",
                       r->name, entry_name, (long long)size, max);
    size_t cap = size > 0 ? (size_t)size + 1 : 4096, len = 0;
    _cleanup_free_ char *buf = xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            if (len > max)
                break;
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t n = orb_aci_reader_read(r, buf + len, cap - len - 1, err);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > max)
        return orb_err(err, EFBIG, "%s: %s: larger than the limit of %zu bytes", r->name,
                       entry_name, max);
    buf[len] = '\0';
    *ret_buf = TAKE_PTR(buf);
    if (ret_len)
        *ret_len = len;
    return 0;
}

static void to_hex(const unsigned char *md, unsigned n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * n] = '\0';
}

/* A copy must be the whole file, bytes after the compressed stream included. */
static int drain_input(orb_aci_reader *r, orb_error **err)
{
    while (!r->input_eof) {
        ssize_t n = read(r->fd, r->buf, ACI_IO_BUFSIZE);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return orb_err_sys(err, errno, "read %s", r->name);
        if (n == 0)
            r->input_eof = true;
        if (took_input(r, r->buf, (size_t)n) < 0)
            return orb_err(err, r->own_errno, "%s: %s", r->name, r->own_error);
    }
    return 0;
}

int orb_aci_reader_finish(orb_aci_reader *r, char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err)
{
    const void *block;
    la_ssize_t n;
    while ((n = pull_block(r, &block)) > 0)
        ;
    if (n < 0)
        return reader_fail(r, err);
    if (r->opts.tap_fd >= 0 && drain_input(r, err) < 0)
        return -1;
    if (!r->id[0]) {
        unsigned char md[64];
        orb_hasher_final(r->hasher, md);
        memcpy(r->id, "sha512-", 7);
        to_hex(md, sizeof(md), r->id + 7);
    }
    if (ret_id)
        memcpy(ret_id, r->id, sizeof(r->id));
    return 0;
}

orb_compression orb_aci_reader_compression(const orb_aci_reader *r)
{
    return r->compression;
}

uint64_t orb_aci_reader_tar_size(const orb_aci_reader *r)
{
    return r->tar_size;
}

uint64_t orb_aci_reader_input_size(const orb_aci_reader *r)
{
    return r->input_size;
}

void orb_aci_reader_free(orb_aci_reader *r)
{
    if (!r)
        return;
    orb_pump_stop(r->pump); /* before the archives its thread reads */
    if (r->inner)
        sym_archive_read_free(r->inner);
    if (r->outer)
        sym_archive_read_free(r->outer);
    orb_hasher_free(r->hasher);
    if (r->fd >= 0)
        close(r->fd);
    free(r->outer_error);
    free(r->own_error);
    free(r->buf);
    free(r->name);
    free(r);
}

void orb_aci_reader_freep(orb_aci_reader **r)
{
    orb_aci_reader_free(*r);
    *r = NULL;
}

int orb_aci_image_id(const char *path, char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err)
{
    _cleanup_(orb_aci_reader_freep) orb_aci_reader *r = NULL;
    if (orb_aci_reader_open(path, &r, err) < 0)
        return -1;
    struct archive_entry *e;
    int rc;
    while ((rc = orb_aci_reader_next(r, &e, err)) > 0)
        ;
    if (rc < 0)
        return -1;
    return orb_aci_reader_finish(r, ret_id, err);
}

static int read_manifest(const char *path, bool whole, char **ret_json, size_t *ret_len,
                         orb_error **err)
{
    _cleanup_(orb_aci_reader_freep) orb_aci_reader *r = NULL;
    if (orb_aci_reader_open(path, &r, err) < 0)
        return -1;
    struct archive_entry *e;
    int rc;
    while ((rc = orb_aci_reader_next(r, &e, err)) > 0) {
        bool escapes;
        _cleanup_free_ char *name = aci_clean_name(sym_archive_entry_pathname(e) ?: "", &escapes);
        if (escapes || strcmp(name, "manifest") != 0)
            continue;
        if (sym_archive_entry_filetype(e) != AE_IFREG || sym_archive_entry_hardlink(e))
            return orb_err(err, EINVAL, "%s: manifest: must be a regular file", path);
        _cleanup_free_ char *json = NULL;
        size_t len;
        if (orb_aci_reader_read_all(r, ORB_MANIFEST_MAX_SIZE, &json, &len, err) < 0)
            return -1;
        /* Read to the end: a manifest is never given out of a damaged image. */
        if (whole && orb_aci_reader_finish(r, NULL, err) < 0)
            return -1;
        *ret_json = TAKE_PTR(json);
        *ret_len = len;
        return 0;
    }
    if (rc < 0)
        return -1;
    return orb_err(err, ENOENT, "%s: no manifest found", path);
}

int orb_aci_read_manifest(const char *path, char **ret_json, size_t *ret_len, orb_error **err)
{
    return read_manifest(path, true, ret_json, ret_len, err);
}

int orb_aci_peek_manifest(const char *path, char **ret_json, size_t *ret_len, orb_error **err)
{
    return read_manifest(path, false, ret_json, ret_len, err);
}
