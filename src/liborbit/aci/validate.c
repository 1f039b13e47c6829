#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>

#include "aci/aci.h"
#include "aci/aci_internal.h"
#include "schema/manifest.h"
#include "util/mem.h"

typedef struct vstate {
    orb_aci_reader *r;
    orb_problems *problems;
    aci_nameset seen; /* cleaned name -> file type */
    bool has_manifest, has_rootfs;
    char *manifest;
    size_t manifest_len;
} vstate;

static bool under_rootfs(const char *clean)
{
    return strncmp(clean, "rootfs/", 7) == 0;
}

/* Extracting "rootfs/x/y" after a symlink "rootfs/x" would write wherever the link points. */
static void check_through_symlink(vstate *s, const char *clean)
{
    for (const char *p = strchr(clean, '/'); p; p = strchr(p + 1, '/')) {
        size_t len = (size_t)(p - clean);
        if (aci_nameset_get(&s->seen, clean, len) == AE_IFLNK) {
            orb_problem_add(s->problems, "%s: path goes through symlink %.*s", clean, (int)len,
                            clean);
            return;
        }
    }
}

static void check_hardlink(vstate *s, const char *clean, const char *target_raw)
{
    bool escapes;
    _cleanup_free_ char *target = aci_clean_name(target_raw, &escapes);
    if (escapes || !under_rootfs(target))
        orb_problem_add(s->problems, "%s: hard link target %s is outside rootfs", clean,
                        target_raw);
    else if (aci_nameset_get(&s->seen, target, strlen(target)) == 0)
        orb_problem_add(s->problems, "%s: hard link target %s is not an earlier entry", clean,
                        target);
    else if (aci_nameset_get(&s->seen, target, strlen(target)) == AE_IFDIR)
        orb_problem_add(s->problems, "%s: hard link to a directory %s", clean, target);
}

static int take_manifest(vstate *s, struct archive_entry *e, orb_error **err)
{
    s->has_manifest = true;
    if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e)) {
        orb_problem_add(s->problems, "manifest: must be a regular file");
        return 0;
    }
    la_int64_t size = archive_entry_size(e);
    if (size < 0 || size > ORB_MANIFEST_MAX_SIZE) {
        orb_problem_add(s->problems, "manifest: %lld bytes is larger than the limit of %d bytes",
                        (long long)size, ORB_MANIFEST_MAX_SIZE);
        return 0;
    }
    return orb_aci_reader_read_all(s->r, ORB_MANIFEST_MAX_SIZE, &s->manifest, &s->manifest_len,
                                   err);
}

static int check_entry(vstate *s, struct archive_entry *e, orb_error **err)
{
    const char *raw = archive_entry_pathname(e);
    if (!raw) {
        orb_problem_add(s->problems, "(entry without a name): not allowed");
        return 0;
    }
    bool escapes;
    _cleanup_free_ char *clean = aci_clean_name(raw, &escapes);
    if (escapes) {
        orb_problem_add(s->problems, "%s: path escapes the image", raw);
        return 0;
    }
    if (clean[0] == '\0')
        return 0; /* "." */
    bool is_manifest = strcmp(clean, "manifest") == 0, is_rootfs = strcmp(clean, "rootfs") == 0;
    if (!is_manifest && !is_rootfs && !under_rootfs(clean)) {
        orb_problem_add(s->problems,
                        "%s: not allowed at the top of an image: only manifest and "
                        "rootfs/",
                        clean);
        return 0;
    }
    check_through_symlink(s, clean);
    unsigned type = archive_entry_filetype(e);
    if (!aci_nameset_add(&s->seen, clean, type ? type : AE_IFREG)) {
        orb_problem_add(s->problems, "%s: duplicate entry", clean);
        return 0;
    }
    if (archive_entry_hardlink(e) && !is_manifest)
        check_hardlink(s, clean, archive_entry_hardlink(e));
    if (is_rootfs) {
        s->has_rootfs = true;
        if (type != AE_IFDIR)
            orb_problem_add(s->problems, "rootfs: must be a directory");
    }
    return is_manifest ? take_manifest(s, e, err) : 0;
}

static void check_manifest(vstate *s)
{
    if (!s->has_manifest) {
        orb_problem_add(s->problems, "no manifest found");
        return;
    }
    if (!s->manifest)
        return;
    orb_problems parsed = {0};
    orb_image_manifest *m = NULL;
    orb_image_manifest_parse(s->manifest, s->manifest_len, &m, &parsed);
    orb_image_manifest_free(m);
    for (size_t i = 0; i < parsed.n; i++)
        orb_problem_add(s->problems, "manifest: %s", parsed.items[i]);
    orb_problems_clear(&parsed);
}

static int validate_reader(orb_aci_reader *r, orb_problems *problems, orb_error **err)
{
    vstate s = {.r = r, .problems = problems};
    size_t before = problems->n;
    struct archive_entry *e;
    int rc;
    while ((rc = orb_aci_reader_next(r, &e, err)) > 0)
        if (check_entry(&s, e, err) < 0) {
            rc = -1;
            break;
        }
    if (rc == 0)
        rc = orb_aci_reader_finish(r, NULL, err);
    if (rc == 0) {
        if (!s.has_rootfs)
            orb_problem_add(problems, "no rootfs directory entry");
        check_manifest(&s);
    }
    aci_nameset_clear(&s.seen);
    free(s.manifest);
    if (rc < 0)
        return -1;
    return problems->n > before ? -1 : 0;
}

int orb_aci_validate_fd(int fd, const char *name, orb_problems *problems, orb_error **err)
{
    _cleanup_(orb_aci_reader_freep) orb_aci_reader *r = NULL;
    if (orb_aci_reader_open_fd(fd, name, &r, err) < 0)
        return -1;
    return validate_reader(r, problems, err);
}

int orb_aci_validate(const char *path, orb_problems *problems, orb_error **err)
{
    _cleanup_(orb_aci_reader_freep) orb_aci_reader *r = NULL;
    if (orb_aci_reader_open(path, &r, err) < 0)
        return -1;
    return validate_reader(r, problems, err);
}
