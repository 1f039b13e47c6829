#include "aci/decompress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "aci/archive_api.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/sha512.h"

static int add_filter(struct archive *a, orb_file_type type)
{
    switch (type) {
    case ORB_FILE_TAR:
        return ARCHIVE_OK;
    case ORB_FILE_GZIP:
        return sym_archive_read_support_filter_gzip(a);
    case ORB_FILE_BZIP2:
        return sym_archive_read_support_filter_bzip2(a);
    case ORB_FILE_XZ:
        return sym_archive_read_support_filter_xz(a);
    case ORB_FILE_ZSTD:
        return sym_archive_read_support_filter_zstd(a);
    default:
        return ARCHIVE_FATAL;
    }
}

static orb_file_type peek_type(int fd)
{
    unsigned char head[512];
    ssize_t n = pread(fd, head, sizeof(head), 0);
    return n < 0 ? ORB_FILE_UNKNOWN : orb_detect_file_type(head, (size_t)n);
}

static int copy_stream(struct archive *a, const char *path, int out_fd, orb_sha512 *md,
                       orb_error **err)
{
    const void *buf;
    size_t size;
    la_int64_t offset;
    int rc;
    while ((rc = sym_archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
        orb_sha512_update(md, buf, size);
        if (orb_write_all(out_fd, buf, size) < 0)
            return orb_err_sys(err, errno, "write the uncompressed tar of %s", path);
    }
    if (rc != ARCHIVE_EOF)
        return orb_err(err, EINVAL, "%s: cannot decompress: %s", path, sym_archive_error_string(a));
    return 0;
}

static void format_id(orb_sha512 *md, char ret_id[ORB_IMAGE_ID_LEN + 1])
{
    memcpy(ret_id, "sha512-", 7);
    orb_sha512_final_hex(md, ret_id + 7);
}

int orb_aci_decompress(const char *path, int out_fd, char ret_id[ORB_IMAGE_ID_LEN + 1],
                       orb_error **err)
{
    if (orb_archive_load(err) < 0)
        return -1;
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return orb_err_sys(err, errno, "open %s", path);
    orb_file_type type = peek_type(fd);
    orb_sha512 md;
    if (orb_sha512_init(&md, err) < 0)
        return -1;
    struct archive *a = sym_archive_read_new();
    if (!a)
        abort(); /* out of memory */
    struct archive_entry *entry;
    int r = -1;
    if (add_filter(a, type) != ARCHIVE_OK)
        orb_err(err, EINVAL, "%s: not an ACI: unrecognised file type", path);
    else if (sym_archive_read_support_format_raw(a) != ARCHIVE_OK ||
             sym_archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK ||
             sym_archive_read_next_header(a, &entry) != ARCHIVE_OK)
        orb_err(err, EINVAL, "%s: cannot decompress: %s", path, sym_archive_error_string(a));
    else if (copy_stream(a, path, out_fd, &md, err) == 0) {
        format_id(&md, ret_id);
        r = 0;
    }
    sym_archive_read_free(a);
    orb_sha512_free(&md);
    return r;
}
