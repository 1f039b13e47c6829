#include <errno.h>

#include "aci/aci_internal.h"
#include "aci/archive_api.h"
#include "util/mem.h"

int aci_writer_err(struct archive *a, const char *name, const char *what, orb_error **err)
{
    const char *msg = sym_archive_error_string(a);
    int e = sym_archive_errno(a);
    return orb_err(err, e > 0 ? e : EIO, "%s: %s: %s", name, what, msg ? msg : "write failed");
}

/* Compression headers must not carry the build time: the same tree has to
 * give the same bytes. gzip is the only one of the four that has a time field. */
static int add_filter(struct archive *a, orb_compression c)
{
    switch (c) {
    case ORB_COMPRESSION_NONE:
        return sym_archive_write_add_filter_none(a);
    case ORB_COMPRESSION_GZIP:
        if (sym_archive_write_add_filter_gzip(a) != ARCHIVE_OK)
            return ARCHIVE_FATAL;
        if (sym_archive_write_set_filter_option(a, "gzip", "compression-level", "6") != ARCHIVE_OK)
            return ARCHIVE_FATAL;
        return sym_archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
    case ORB_COMPRESSION_BZIP2:
        return sym_archive_write_add_filter_bzip2(a);
    case ORB_COMPRESSION_XZ:
        return sym_archive_write_add_filter_xz(a);
    case ORB_COMPRESSION_ZSTD:
        return sym_archive_write_add_filter_zstd(a);
    }
    return ARCHIVE_FATAL;
}

struct archive *aci_writer_new(int fd, orb_compression c, const char *name, orb_error **err)
{
    if (orb_archive_load(err) < 0)
        return NULL;
    struct archive *a = sym_archive_write_new();
    if (!a) {
        orb_err(err, ENOMEM, "%s: cannot create an archive writer", name);
        return NULL;
    }
    if (sym_archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        add_filter(a, c) < ARCHIVE_WARN || sym_archive_write_open_fd(a, fd) != ARCHIVE_OK) {
        aci_writer_err(a, name, "set up the archive writer", err);
        sym_archive_write_free(a);
        return NULL;
    }
    return a;
}
