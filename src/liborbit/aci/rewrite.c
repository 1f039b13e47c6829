#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aci/aci.h"
#include "aci/aci_internal.h"
#include "aci/archive_api.h"
#include "util/fs.h"
#include "util/mem.h"

static bool is_manifest(struct archive_entry *e)
{
    bool escapes;
    _cleanup_free_ char *clean = aci_clean_name(sym_archive_entry_pathname(e) ?: "", &escapes);
    return !escapes && strcmp(clean, "manifest") == 0;
}

static int copy_entry(orb_aci_reader *r, struct archive *w, struct archive_entry *e, char *buf,
                      const char *out_path, orb_error **err)
{
    const char *name = sym_archive_entry_pathname(e) ?: "(unnamed)";
    sym_archive_entry_sparse_clear(e);
    if (sym_archive_write_header(w, e) < ARCHIVE_WARN)
        return aci_writer_err(w, out_path, name, err);
    for (;;) {
        ssize_t n = orb_aci_reader_read(r, buf, ACI_IO_BUFSIZE, err);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (sym_archive_write_data(w, buf, (size_t)n) < 0)
            return aci_writer_err(w, out_path, name, err);
    }
}

/* The new manifest is a plain 0644 file keeping the old one's owner and mtime. */
static int write_new_manifest(struct archive *w, struct archive_entry *old, const char *json,
                              size_t len, const char *out_path, orb_error **err)
{
    struct archive_entry *e = sym_archive_entry_new();
    sym_archive_entry_set_pathname(e, "manifest");
    sym_archive_entry_set_mode(e, AE_IFREG | 0644);
    sym_archive_entry_set_uid(e, sym_archive_entry_uid(old));
    sym_archive_entry_set_gid(e, sym_archive_entry_gid(old));
    sym_archive_entry_copy_uname(e, sym_archive_entry_uname(old));
    sym_archive_entry_copy_gname(e, sym_archive_entry_gname(old));
    if (sym_archive_entry_mtime_is_set(old))
        sym_archive_entry_set_mtime(e, sym_archive_entry_mtime(old), 0);
    sym_archive_entry_set_size(e, (la_int64_t)len);
    int rc = sym_archive_write_header(w, e);
    sym_archive_entry_free(e);
    if (rc < ARCHIVE_WARN)
        return aci_writer_err(w, out_path, "manifest", err);
    if (len > 0 && sym_archive_write_data(w, json, len) != (la_ssize_t)len)
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
    if (rc == 0 && sym_archive_write_close(w) != ARCHIVE_OK)
        rc = aci_writer_err(w, out_path, "finish", err);
    if (rc < 0)
        sym_archive_write_fail(w);
    sym_archive_write_free(w);
    return rc;
}

/* The input must be a valid image: rewriting one would otherwise pass its
 * escaping entries on under a fresh manifest. Validation also finds the old
 * manifest's header (an image written by actool has it last). */
static int check_input(int fd, const char *in_path, struct archive_entry **ret_header,
                       orb_error **err)
{
    int vfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (vfd < 0)
        return orb_err_sys(err, errno, "%s", in_path);
    _cleanup_(orb_aci_reader_freep) orb_aci_reader *r = NULL;
    if (orb_aci_reader_open_fd(vfd, in_path, &r, err) < 0)
        return -1;
    orb_problems problems = {0};
    int rc = aci_validate_reader(r, in_path, &problems, ret_header, err);
    if (rc < 0 && !*err)
        orb_problems_to_error(&problems, in_path, err);
    orb_problems_clear(&problems);
    return rc;
}

int orb_aci_replace_manifest(const char *in_path, const char *out_path, const char *manifest,
                             size_t manifest_len, bool overwrite, orb_error **err)
{
    if (orb_archive_load(err) < 0)
        return -1;
    /* Both passes read one open file, so a file swapped in between cannot mix in. */
    _cleanup_close_ int fd = open(in_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return orb_err_sys(err, errno, "open %s", in_path);
    struct archive_entry *header = NULL;
    if (check_input(fd, in_path, &header, err) < 0)
        return -1;
    _cleanup_(orb_aci_reader_freep) orb_aci_reader *r = NULL;
    orb_output out;
    int rc = lseek(fd, 0, SEEK_SET) < 0 ? orb_err_sys(err, errno, "seek %s", in_path) : 0;
    if (rc == 0)
        rc = orb_aci_reader_open_fd(TAKE_FD(fd), in_path, &r, err);
    if (rc == 0)
        rc = orb_output_open(&out, out_path, overwrite, 0644, err);
    if (rc == 0) {
        rc = copy_image(r, out.fd, header, manifest, manifest_len, out_path, err);
        if (rc == 0)
            rc = orb_output_commit(&out, err);
        orb_output_discard(&out);
    }
    sym_archive_entry_free(header);
    return rc;
}
