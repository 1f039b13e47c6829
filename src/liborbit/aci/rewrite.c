#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aci/aci.h"
#include "aci/aci_internal.h"
#include "util/fs.h"
#include "util/mem.h"

static bool is_manifest(struct archive_entry *e)
{
    bool escapes;
    _cleanup_free_ char *clean = aci_clean_name(archive_entry_pathname(e) ?: "", &escapes);
    return !escapes && strcmp(clean, "manifest") == 0;
}

/* The new manifest takes the old one's header (name, mode, owner, mtime), so a
 * first pass finds it; an image written by actool has it last. */
static int find_manifest_header(const char *path, struct archive_entry **ret, orb_error **err)
{
    _cleanup_(orb_aci_reader_freep) orb_aci_reader *r = NULL;
    if (orb_aci_reader_open(path, &r, err) < 0)
        return -1;
    struct archive_entry *e;
    int rc;
    while ((rc = orb_aci_reader_next(r, &e, err)) > 0)
        if (is_manifest(e)) {
            *ret = archive_entry_clone(e);
            return 0;
        }
    if (rc < 0)
        return -1;
    return orb_err(err, ENOENT, "%s: no manifest found", path);
}

static int copy_entry(orb_aci_reader *r, struct archive *w, struct archive_entry *e, char *buf,
                      const char *out_path, orb_error **err)
{
    const char *name = archive_entry_pathname(e) ?: "(unnamed)";
    archive_entry_sparse_clear(e);
    if (archive_write_header(w, e) < ARCHIVE_WARN)
        return aci_writer_err(w, out_path, name, err);
    for (;;) {
        ssize_t n = orb_aci_reader_read(r, buf, ACI_IO_BUFSIZE, err);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (archive_write_data(w, buf, (size_t)n) < 0)
            return aci_writer_err(w, out_path, name, err);
    }
}

static int write_new_manifest(struct archive *w, struct archive_entry *header, const char *json,
                              size_t len, const char *out_path, orb_error **err)
{
    archive_entry_set_size(header, (la_int64_t)len);
    archive_entry_set_hardlink(header, NULL);
    archive_entry_sparse_clear(header);
    if (archive_write_header(w, header) < ARCHIVE_WARN)
        return aci_writer_err(w, out_path, "manifest", err);
    if (len > 0 && archive_write_data(w, json, len) != (la_ssize_t)len)
        return aci_writer_err(w, out_path, "manifest", err);
    return 0;
}

static int copy_image(orb_aci_reader *r, int out_fd, struct archive_entry *header, const char *json,
                      size_t len, const char *out_path, orb_error **err)
{
    struct archive *w = aci_writer_new(out_fd, orb_aci_reader_compression(r), out_path, err);
    if (!w)
        return -1;
    _cleanup_free_ char *buf = xmalloc(ACI_IO_BUFSIZE);
    int rc = write_new_manifest(w, header, json, len, out_path, err);
    struct archive_entry *e;
    while (rc == 0 && (rc = orb_aci_reader_next(r, &e, err)) > 0)
        rc = is_manifest(e) ? 0 : copy_entry(r, w, e, buf, out_path, err);
    if (rc == 0)
        rc = orb_aci_reader_finish(r, NULL, err);
    if (rc == 0 && archive_write_close(w) != ARCHIVE_OK)
        rc = aci_writer_err(w, out_path, "finish", err);
    if (rc < 0)
        archive_write_fail(w);
    archive_write_free(w);
    return rc;
}

int orb_aci_replace_manifest(const char *in_path, const char *out_path, const char *manifest,
                             size_t manifest_len, bool overwrite, orb_error **err)
{
    struct archive_entry *header = NULL;
    if (find_manifest_header(in_path, &header, err) < 0)
        return -1;
    _cleanup_(orb_aci_reader_freep) orb_aci_reader *r = NULL;
    orb_output out;
    int rc = orb_aci_reader_open(in_path, &r, err);
    if (rc == 0)
        rc = orb_output_open(&out, out_path, overwrite, 0644, err);
    if (rc == 0) {
        rc = copy_image(r, out.fd, header, manifest, manifest_len, out_path, err);
        if (rc == 0)
            rc = orb_output_commit(&out, err);
        orb_output_discard(&out);
    }
    archive_entry_free(header);
    return rc;
}
