#include "aci/decompress.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>

#include "util/fs.h"
#include "util/mem.h"

static int add_filter(struct archive *a, orb_file_type type)
{
    switch (type) {
    case ORB_FILE_TAR:
        return ARCHIVE_OK;
    case ORB_FILE_GZIP:
        return archive_read_support_filter_gzip(a);
    case ORB_FILE_BZIP2:
        return archive_read_support_filter_bzip2(a);
    case ORB_FILE_XZ:
        return archive_read_support_filter_xz(a);
    case ORB_FILE_ZSTD:
        return archive_read_support_filter_zstd(a);
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

static int copy_stream(struct archive *a, const char *path, int out_fd, EVP_MD_CTX *md,
                       orb_error **err)
{
    const void *buf;
    size_t size;
    la_int64_t offset;
    int rc;
    while ((rc = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
        EVP_DigestUpdate(md, buf, size);
        if (orb_write_all(out_fd, buf, size) < 0)
            return orb_err_sys(err, errno, "write the uncompressed tar of %s", path);
    }
    if (rc != ARCHIVE_EOF)
        return orb_err(err, EINVAL, "%s: cannot decompress: %s", path, archive_error_string(a));
    return 0;
}

static void format_id(EVP_MD_CTX *md, char ret_id[ORB_IMAGE_ID_LEN + 1])
{
    unsigned char digest[64];
    EVP_DigestFinal_ex(md, digest, NULL);
    int n = snprintf(ret_id, ORB_IMAGE_ID_LEN + 1, "sha512-");
    for (size_t i = 0; i < sizeof(digest); i++)
        n += snprintf(ret_id + n, (size_t)(ORB_IMAGE_ID_LEN + 1 - n), "%02x", digest[i]);
}

int orb_aci_decompress(const char *path, int out_fd, char ret_id[ORB_IMAGE_ID_LEN + 1],
                       orb_error **err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return orb_err_sys(err, errno, "open %s", path);
    orb_file_type type = peek_type(fd);
    struct archive *a = archive_read_new();
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!a || !md)
        abort(); /* out of memory */
    EVP_DigestInit_ex(md, EVP_sha512(), NULL);
    struct archive_entry *entry;
    int r = -1;
    if (add_filter(a, type) != ARCHIVE_OK)
        orb_err(err, EINVAL, "%s: not an ACI: unrecognised file type", path);
    else if (archive_read_support_format_raw(a) != ARCHIVE_OK ||
             archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK ||
             archive_read_next_header(a, &entry) != ARCHIVE_OK)
        orb_err(err, EINVAL, "%s: cannot decompress: %s", path, archive_error_string(a));
    else if (copy_stream(a, path, out_fd, md, err) == 0) {
        format_id(md, ret_id);
        r = 0;
    }
    archive_read_free(a);
    EVP_MD_CTX_free(md);
    return r;
}
