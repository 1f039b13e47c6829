#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "aci/aci_internal.h"
#include "aci/extract.h"
#include "schema/manifest.h"
#include "store/import.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"

#define SIGNATURE_MAX_SIZE (1024 * 1024)
/* An error lists a few problems: the first ones say what is wrong. */
#define IMPORT_MAX_PROBLEMS 5
#define GIB                 (1024ULL * 1024 * 1024)

/* One import: the temporary directory (images/tmp/import-XXXXXX, locked by
 * orb_store_mkdtemp) holds `blob`, `sig` and `tree/` until the commit. */
typedef struct import_job {
    orb_store *s;
    const orb_import_options *o;
    const char *path;
    const char *source; /* names the image in messages */
    char *tmp, *blob, *sig, *tree;
    int tmpfd, blobfd, treefd;
    uint64_t file_size;
    orb_aci_reader *r;
    aci_validator *v;
    orb_extractor *x;
    orb_problems problems;
    char id[ORB_IMAGE_ID_LEN + 1];
    orb_image_manifest *m;
} import_job;

static void job_clear(import_job *j)
{
    orb_aci_reader_free(j->r); /* closes the input */
    aci_validator_free(j->v);
    orb_extractor_free(j->x);
    orb_problems_clear(&j->problems);
    orb_image_manifest_free(j->m);
    if (j->blobfd >= 0)
        close(j->blobfd);
    if (j->treefd >= 0)
        close(j->treefd);
    if (j->tmpfd >= 0)
        close(j->tmpfd);
    if (j->tmp) {
        _cleanup_error_ orb_error *ignored = NULL;
        orb_rm_rf(j->tmp, &ignored);
    }
    free(j->tmp);
    free(j->blob);
    free(j->sig);
    free(j->tree);
}

uint64_t orb_import_default_max_size(orb_store *s)
{
    struct statvfs sv;
    if (statvfs(orb_store_data_dir(s), &sv) < 0)
        return GIB;
    uint64_t free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
    uint64_t limit = free_bytes / 10 * 9;
    return limit < GIB ? GIB : limit;
}

/* A download being taken must already live under images/tmp/ to be renamed. */
static int check_take_file(import_job *j, orb_error **err)
{
    _cleanup_free_ char *tmp_dir = xasprintf("%s/images/tmp/", orb_store_data_dir(j->s));
    if (strncmp(j->path, tmp_dir, strlen(tmp_dir)) != 0 || strstr(j->path, "/../"))
        return orb_err(err, EINVAL, "%s: only a file under %s can be taken into the store", j->path,
                       tmp_dir);
    j->blob = xstrdup(j->path);
    return 0;
}

static int copy_signature(import_job *j, orb_error **err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (orb_read_file(j->o->signature_path, SIGNATURE_MAX_SIZE, &buf, &len, err) < 0)
        return orb_err_wrap(err, "%s: signature", j->source);
    j->sig = xasprintf("%s/sig", j->tmp);
    _cleanup_close_ int fd =
        openat(j->tmpfd, "sig", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || orb_write_all(fd, buf, len) < 0)
        return orb_err_sys(err, errno, "store: write %s", j->sig);
    return 0;
}

static int prepare_tmp(import_job *j, orb_error **err)
{
    if (orb_store_mkdtemp(j->s, "import-", &j->tmp, err) < 0)
        return -1;
    j->tmpfd = open(j->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (j->tmpfd < 0)
        return orb_err_sys(err, errno, "store: open %s", j->tmp);
    if (j->o->take_file) {
        if (check_take_file(j, err) < 0)
            return -1;
    } else {
        j->blob = xasprintf("%s/blob", j->tmp);
        j->blobfd =
            openat(j->tmpfd, "blob", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (j->blobfd < 0)
            return orb_err_sys(err, errno, "store: create %s", j->blob);
    }
    if (j->o->signature_path && copy_signature(j, err) < 0)
        return -1;
    j->tree = xasprintf("%s/tree", j->tmp);
    if (mkdirat(j->tmpfd, "tree", 0755) < 0)
        return orb_err_sys(err, errno, "store: create %s", j->tree);
    j->treefd = openat(j->tmpfd, "tree", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (j->treefd < 0 || mkdirat(j->treefd, "rootfs", 0755) < 0)
        return orb_err_sys(err, errno, "store: create %s/rootfs", j->tree);
    j->x = orb_extractor_new(j->treefd, j->source);
    return 0;
}

static int open_input(import_job *j, orb_error **err)
{
    int fd = open(j->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return orb_err_sys(err, errno, "open %s", j->path);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        j->file_size = (uint64_t)st.st_size;
    orb_aci_reader_options ro = {
        .tap_fd = j->blobfd,
        .max_size = j->o->max_size ? j->o->max_size : orb_import_default_max_size(j->s),
        .progress = j->o->progress,
    };
    if (orb_aci_reader_open_fd_opts(fd, j->source, &ro, &j->r, err) < 0)
        return -1;
    j->v = aci_validator_new(j->r, j->source, &j->problems);
    return 0;
}

/* Each entry is checked, then extracted while the archive is still clean:
 * after a problem the tree is doomed, only the problems are gathered. */
static int take_entry(import_job *j, struct archive_entry *e, orb_error **err)
{
    _cleanup_free_ char *clean = NULL;
    int ok = aci_validator_entry(j->v, e, &clean, err);
    if (ok <= 0 || j->problems.n > 0)
        return ok;
    if (strcmp(clean, "manifest") == 0) {
        size_t len;
        const char *json = aci_validator_manifest(j->v, &len);
        return orb_extractor_write_file(j->x, "manifest", json, len, 0644, err);
    }
    return orb_extractor_entry(j->x, e, clean, j->r, err);
}

static int stream(import_job *j, orb_error **err)
{
    struct archive_entry *e;
    int rc;
    while ((rc = orb_aci_reader_next(j->r, &e, err)) > 0) {
        if (take_entry(j, e, err) < 0)
            return -1;
        if (j->problems.n >= IMPORT_MAX_PROBLEMS)
            return orb_problems_to_error(&j->problems, j->source, err);
    }
    if (rc < 0 || orb_aci_reader_finish(j->r, j->id, err) < 0)
        return -1;
    aci_validator_end(j->v);
    if (orb_problems_to_error(&j->problems, j->source, err) < 0)
        return -1;
    return orb_extractor_finish(j->x, err);
}

static int check_id(const import_job *j, orb_error **err)
{
    const char *want = j->o->expected_id;
    size_t n = strlen(want);
    bool ok = n == ORB_IMAGE_ID_LEN
                  ? strcmp(want, j->id) == 0
                  : n > 7 && n < ORB_IMAGE_ID_LEN && strncmp(want, "sha512-", 7) == 0 &&
                        strncmp(want, j->id, n) == 0;
    if (!ok)
        return orb_err(err, EINVAL, "%s: image ID %s does not match the expected %s", j->source,
                       j->id, want);
    return 0;
}

static int check_labels(const import_job *j, orb_error **err)
{
    const orb_kv_list *want = j->o->expected_labels;
    for (size_t i = 0; i < want->n; i++) {
        const char *have = orb_kv_get(&j->m->labels, want->items[i].name);
        if (!have)
            return orb_err(err, EINVAL, "%s: the image has no label %s (expected %s)", j->source,
                           want->items[i].name, want->items[i].value);
        if (strcmp(have, want->items[i].value) != 0)
            return orb_err(err, EINVAL, "%s: label %s is %s, not %s", j->source,
                           want->items[i].name, have, want->items[i].value);
    }
    return 0;
}

/* What the caller asked for: the ID, name, labels and size it expects. */
static int check_expected(import_job *j, orb_error **err)
{
    if (j->o->expected_id && check_id(j, err) < 0)
        return -1;
    size_t len;
    const char *json = aci_validator_manifest(j->v, &len);
    if (orb_image_manifest_load(json, len, &j->m, err) < 0)
        return orb_err_wrap(err, "%s", j->source);
    if (j->o->expected_name && strcmp(j->o->expected_name, j->m->name) != 0)
        return orb_err(err, EINVAL, "%s: the image is named %s, not %s", j->source, j->m->name,
                       j->o->expected_name);
    if (j->o->expected_labels && check_labels(j, err) < 0)
        return -1;
    uint64_t tar_size = orb_aci_reader_tar_size(j->r);
    if (j->o->has_expected_size && tar_size != j->o->expected_size)
        return orb_err(err, EINVAL, "%s: the uncompressed image is %llu bytes, not %llu", j->source,
                       (unsigned long long)tar_size, (unsigned long long)j->o->expected_size);
    return 0;
}

static int commit(import_job *j, orb_error **err)
{
    orb_image_record rec = {
        .name = j->m->name,
        .labels = j->m->labels,
        .compression = orb_aci_reader_compression(j->r),
        .blob_size = j->o->take_file ? j->file_size : orb_aci_reader_input_size(j->r),
        .tar_size = orb_aci_reader_tar_size(j->r),
        .tree_size = orb_extractor_size(j->x),
        .import_time = orb_now_us(),
        .has_signature = j->sig != NULL,
        .source = (char *)(j->o->source ? j->o->source : j->path),
    };
    rec.last_used = rec.import_time;
    memcpy(rec.id, j->id, sizeof(rec.id));
    if (j->blobfd >= 0) {
        int fd = j->blobfd;
        j->blobfd = -1;
        if (close(fd) < 0)
            return orb_err_sys(err, errno, "store: write %s", j->blob);
    }
    return orb_store_commit_image(j->s, &rec, j->blob, j->sig, j->tree, err);
}

int orb_store_import(orb_store *s, const char *path, const orb_import_options *o,
                     char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err)
{
    static const orb_import_options none = {0};
    o = o ? o : &none;
    import_job j = {.s = s,
                    .o = o,
                    .path = path,
                    .source = o->source ? o->source : path,
                    .tmpfd = -1,
                    .blobfd = -1,
                    .treefd = -1};
    int rc = -1;
    if (prepare_tmp(&j, err) >= 0 && open_input(&j, err) >= 0 && stream(&j, err) >= 0 &&
        check_expected(&j, err) >= 0)
        rc = commit(&j, err);
    orb_progress_finish(o->progress);
    if (rc >= 0 && ret_id)
        memcpy(ret_id, j.id, ORB_IMAGE_ID_LEN + 1);
    job_clear(&j);
    return rc;
}
