#include <errno.h>
#include <string.h>

#include "aci/aci.h"
#include "aci/aci_internal.h"
#include "aci/archive_api.h"
#include "schema/manifest.h"
#include "util/mem.h"

/* Limits that keep validation linear and bounded whatever the archive holds. */
#define MAX_NAME_LEN   4096
#define MAX_COMPONENTS 256
#define MAX_ENTRIES    1000000
#define MAX_NAME_BYTES (64u << 20)

struct aci_validator {
    orb_aci_reader *r;
    const char *image;
    orb_problems *problems;
    aci_tree tree; /* every name seen, with its file type */
    size_t entries, name_bytes;
    bool has_manifest, has_rootfs;
    char *manifest;
    size_t manifest_len;
    struct archive_entry *manifest_entry;
};
typedef struct aci_validator vstate;

static bool under_rootfs(const char *clean)
{
    return strncmp(clean, "rootfs/", 7) == 0;
}

static bool is_dir(unsigned value)
{
    return value == AE_IFDIR || value == ACI_IMPLICIT_DIR;
}

static size_t count_components(const char *clean)
{
    size_t n = 1;
    for (const char *p = clean; (p = strchr(p, '/')); p++)
        n++;
    return n;
}

/* Walks the parents of a cleaned path, one component at a time, creating
 * the missing ones as implicit directories when `create`. A parent that is a
 * symlink would send an extraction wherever it points; one that is a file
 * cannot hold anything: both are problems of `entry` ("<entry>: <what> goes
 * through symlink <parent>"). Returns the parent node, -1 when a parent is
 * missing (only without create), -2 after a problem. */
static int64_t walk_parents(vstate *s, const char *clean, const char *entry, const char *what,
                            bool create)
{
    uint32_t node = 0;
    for (const char *p = clean, *slash; (slash = strchr(p, '/')); p = slash + 1) {
        node = aci_tree_child(&s->tree, node, p, (size_t)(slash - p), create);
        if (node == 0)
            return -1;
        unsigned v = s->tree.nodes[node].value;
        if (v == 0)
            s->tree.nodes[node].value = ACI_IMPLICIT_DIR;
        else if (!is_dir(v)) {
            orb_problem_add(s->problems, "%s: %s goes through %s %.*s", entry, what,
                            v == AE_IFLNK ? "symlink" : "non-directory", (int)(slash - clean),
                            clean);
            return -2;
        }
    }
    return node;
}

static const char *last_component(const char *clean)
{
    const char *slash = strrchr(clean, '/');
    return slash ? slash + 1 : clean;
}

/* A hard link becomes whatever its target is: linking to a symlink makes
 * another symlink, which later entries must not go through. Returns the
 * type to record, or 0 after a problem. */
static unsigned check_hardlink(vstate *s, const char *clean, const char *target_raw)
{
    bool escapes;
    _cleanup_free_ char *target = aci_clean_name(target_raw, &escapes);
    if (escapes || !under_rootfs(target)) {
        orb_problem_add(s->problems, "%s: hard link target %s is outside rootfs", clean,
                        target_raw);
        return 0;
    }
    if (strcmp(target, clean) == 0) {
        orb_problem_add(s->problems, "%s: hard link to itself", clean);
        return 0;
    }
    _cleanup_free_ char *what = xasprintf("hard link target %s", target);
    int64_t parent = walk_parents(s, target, clean, what, false);
    if (parent == -2)
        return 0;
    const char *base = last_component(target);
    uint32_t node =
        parent < 0 ? 0 : aci_tree_child(&s->tree, (uint32_t)parent, base, strlen(base), false);
    unsigned v = node ? s->tree.nodes[node].value : 0;
    if (v == 0)
        orb_problem_add(s->problems, "%s: hard link target %s is not an earlier entry", clean,
                        target);
    else if (is_dir(v))
        orb_problem_add(s->problems, "%s: hard link to a directory %s", clean, target);
    return is_dir(v) ? 0 : v;
}

/* Records the entry under its name: a second entry of the same name is
 * refused, except a directory entry for a directory so far only implied. */
static bool record(vstate *s, const char *clean, uint32_t parent, unsigned type)
{
    const char *base = last_component(clean);
    uint32_t node = aci_tree_child(&s->tree, parent, base, strlen(base), true);
    unsigned *v = &s->tree.nodes[node].value;
    if (*v == 0 || (*v == ACI_IMPLICIT_DIR && type == AE_IFDIR)) {
        *v = type;
        return true;
    }
    if (*v == ACI_IMPLICIT_DIR)
        orb_problem_add(s->problems, "%s: conflicts with directory %s implied by earlier entries",
                        clean, clean);
    else
        orb_problem_add(s->problems, "%s: duplicate entry", clean);
    return false;
}

/* 1 when the manifest's bytes were read, 0 after a problem, -1 on error. */
static int take_manifest(vstate *s, struct archive_entry *e, orb_error **err)
{
    s->has_manifest = true;
    if (sym_archive_entry_filetype(e) != AE_IFREG || sym_archive_entry_hardlink(e)) {
        orb_problem_add(s->problems, "manifest: must be a regular file");
        return 0;
    }
    la_int64_t size = sym_archive_entry_size(e);
    if (size < 0 || size > ORB_MANIFEST_MAX_SIZE) {
        orb_problem_add(s->problems, "manifest: %lld bytes is larger than the limit of %d bytes",
                        (long long)size, ORB_MANIFEST_MAX_SIZE);
        return 0;
    }
    if (!s->manifest_entry)
        s->manifest_entry = sym_archive_entry_clone(e);
    size_t max = ORB_MANIFEST_MAX_SIZE;
    if (orb_aci_reader_read_all(s->r, max, &s->manifest, &s->manifest_len, err) < 0)
        return -1;
    return 1;
}

/* Past these limits the archive is refused outright: recording a problem per
 * entry would itself take unbounded memory. */
static int check_limits(vstate *s, size_t name_len, orb_error **err)
{
    s->entries++;
    s->name_bytes += name_len;
    if (s->entries > MAX_ENTRIES)
        return orb_err(err, EFBIG, "%s: more than %d entries: the limit for an image", s->image,
                       MAX_ENTRIES);
    if (s->name_bytes > MAX_NAME_BYTES)
        return orb_err(err, EFBIG,
                       "%s: entry names take more than %u bytes: the limit for an image", s->image,
                       MAX_NAME_BYTES);
    return 0;
}

/* Problems that make the name itself unusable; true when one was recorded. */
static bool bad_name(vstate *s, const char *raw, const char *clean, bool escapes)
{
    if (escapes) {
        orb_problem_add(s->problems, "%s: path escapes the image", raw);
        return true;
    }
    if (strcmp(clean, "manifest") != 0 && strcmp(clean, "rootfs") != 0 && !under_rootfs(clean)) {
        orb_problem_add(s->problems,
                        "%s: not allowed at the top of an image: only manifest and rootfs/", clean);
        return true;
    }
    if (count_components(clean) > MAX_COMPONENTS) {
        orb_problem_add(s->problems, "%.64s...: more than %d path components", clean,
                        MAX_COMPONENTS);
        return true;
    }
    return false;
}

/* 1 when the entry is accepted (*ret_clean, if given, gets its cleaned name),
 * 0 when it is skipped (".") or a problem was recorded, -1 on error. */
static int check_entry(vstate *s, struct archive_entry *e, char **ret_clean, orb_error **err)
{
    const char *raw = sym_archive_entry_pathname(e);
    if (!raw) {
        orb_problem_add(s->problems, "(entry without a name): not allowed");
        return 0;
    }
    size_t raw_len = strlen(raw);
    if (check_limits(s, raw_len, err) < 0)
        return -1;
    if (raw_len > MAX_NAME_LEN) {
        orb_problem_add(s->problems, "%.64s...: name longer than %d bytes", raw, MAX_NAME_LEN);
        return 0;
    }
    bool escapes;
    _cleanup_free_ char *clean = aci_clean_name(raw, &escapes);
    if (clean[0] == '\0' && !escapes)
        return 0; /* "." */
    if (bad_name(s, raw, clean, escapes))
        return 0;
    bool is_manifest = strcmp(clean, "manifest") == 0;
    int64_t parent = walk_parents(s, clean, clean, "path", true);
    if (parent < 0)
        return 0;
    unsigned type = sym_archive_entry_filetype(e) ?: AE_IFREG;
    if (sym_archive_entry_hardlink(e) && !is_manifest)
        type = check_hardlink(s, clean, sym_archive_entry_hardlink(e)) ?: AE_IFREG;
    if (!record(s, clean, (uint32_t)parent, type))
        return 0;
    if (strcmp(clean, "rootfs") == 0) {
        s->has_rootfs = true;
        if (type != AE_IFDIR) {
            orb_problem_add(s->problems, "rootfs: must be a directory");
            return 0;
        }
    }
    int rc = is_manifest ? take_manifest(s, e, err) : 1;
    if (rc > 0 && ret_clean)
        *ret_clean = TAKE_PTR(clean);
    return rc;
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

aci_validator *aci_validator_new(orb_aci_reader *r, const char *image, orb_problems *problems)
{
    vstate *s = xcalloc(1, sizeof(*s));
    *s = (vstate){.r = r, .image = image, .problems = problems};
    return s;
}

int aci_validator_entry(aci_validator *v, struct archive_entry *e, char **ret_clean,
                        orb_error **err)
{
    /* as in orb_extractor_entry: the entry may not come from a reader */
    if (orb_archive_load(err) < 0)
        return -1;
    return check_entry(v, e, ret_clean, err);
}

void aci_validator_end(aci_validator *v)
{
    if (!v->has_rootfs)
        orb_problem_add(v->problems, "no rootfs directory entry");
    check_manifest(v);
}

const char *aci_validator_manifest(const aci_validator *v, size_t *ret_len)
{
    *ret_len = v->manifest_len;
    return v->manifest;
}

void aci_validator_free(aci_validator *v)
{
    if (!v)
        return;
    aci_tree_clear(&v->tree);
    free(v->manifest);
    if (v->manifest_entry)
        sym_archive_entry_free(v->manifest_entry);
    free(v);
}

int aci_validate_reader(orb_aci_reader *r, const char *image, orb_problems *problems,
                        struct archive_entry **ret_manifest, orb_error **err)
{
    vstate *s = aci_validator_new(r, image, problems);
    size_t before = problems->n;
    struct archive_entry *e;
    int rc;
    while ((rc = orb_aci_reader_next(r, &e, err)) > 0)
        if (check_entry(s, e, NULL, err) < 0) {
            rc = -1;
            break;
        }
    if (rc == 0)
        rc = orb_aci_reader_finish(r, NULL, err);
    if (rc == 0)
        aci_validator_end(s);
    if (rc == 0 && problems->n == before && ret_manifest)
        *ret_manifest = TAKE_PTR(s->manifest_entry);
    aci_validator_free(s);
    if (rc < 0)
        return -1;
    return problems->n > before ? -1 : 0;
}

int orb_aci_validate_fd(int fd, const char *name, orb_problems *problems, orb_error **err)
{
    _cleanup_(orb_aci_reader_freep) orb_aci_reader *r = NULL;
    if (orb_aci_reader_open_fd(fd, name, &r, err) < 0)
        return -1;
    return aci_validate_reader(r, name, problems, NULL, err);
}

int orb_aci_validate(const char *path, orb_problems *problems, orb_error **err)
{
    _cleanup_(orb_aci_reader_freep) orb_aci_reader *r = NULL;
    if (orb_aci_reader_open(path, &r, err) < 0)
        return -1;
    return aci_validate_reader(r, path, problems, NULL, err);
}
