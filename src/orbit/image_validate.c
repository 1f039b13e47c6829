/* `orbit image validate`: ACI files, layout directories or bare manifests,
 * told apart by what they are (directory, magic bytes), never by name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "aci/aci.h"
#include "cli.h"
#include "schema/manifest.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

enum { OPT_QUIET };

static const cli_option options[] = {
    {OPT_QUIET, "quiet", CLI_NO_ARG, NULL, "print only problems"},
    {0},
};

static int handle_option(void *ctx, int id, const char *value)
{
    (void)value;
    if (id == OPT_QUIET)
        *(bool *)ctx = true;
    return 0;
}

/* A bare manifest: an ImageManifest unless it says it is a PodManifest. */
static int validate_manifest(int fd, const char *path, orb_problems *problems, orb_error **err)
{
    _cleanup_free_ char *json = NULL;
    size_t len = 0;
    struct stat st;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size > ORB_MANIFEST_MAX_SIZE)
        return orb_err(err, EFBIG, "%s: %lld bytes is larger than the limit of %d bytes", path,
                       (long long)st.st_size, ORB_MANIFEST_MAX_SIZE);
    if (orb_read_fd(fd, path, ORB_MANIFEST_MAX_SIZE, &json, &len, err) < 0)
        return -1;
    _cleanup_free_ char *kind = orb_json_peek_string(json, len, "acKind");
    if (kind && strcmp(kind, "PodManifest") == 0) {
        orb_pod_manifest *pod = NULL;
        int r = orb_pod_manifest_parse(json, len, &pod, problems);
        orb_pod_manifest_free(pod);
        return r;
    }
    orb_image_manifest *image = NULL;
    int r = orb_image_manifest_parse(json, len, &image, problems);
    orb_image_manifest_free(image);
    return r;
}

/* Tells a file's kind from its first bytes, read without moving the offset;
 * a pipe cannot be peeked at, so it is taken for an archive. */
static orb_file_type peek_file_type(int fd, const struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return ORB_FILE_TAR;
    unsigned char head[512];
    ssize_t n = pread(fd, head, sizeof(head), 0);
    return n < 0 ? ORB_FILE_UNKNOWN : orb_detect_file_type(head, (size_t)n);
}

/* Validates one path; returns what it was ("image layout", "gzip ACI", ...).
 * The file is opened once, so what is checked is what was named. */
static const char *validate_path(const char *path, orb_problems *problems, orb_error **err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        orb_err_sys(err, errno, "%s", path);
        return NULL;
    }
    if (S_ISDIR(st.st_mode))
        return orb_layout_validate(path, problems, err) < 0 ? NULL : "image layout";
    orb_file_type type = peek_file_type(fd, &st);
    if (type == ORB_FILE_UNKNOWN) {
        orb_err(err, EINVAL,
                "%s: unrecognised file type (not a tar, gzip, bzip2, xz or zstd archive, "
                "nor a JSON manifest)",
                path);
        return NULL;
    }
    if (type == ORB_FILE_TEXT)
        return validate_manifest(fd, path, problems, err) < 0 ? NULL : "manifest";
    if (orb_aci_validate_fd(TAKE_FD(fd), path, problems, err) < 0)
        return NULL;
    if (!S_ISREG(st.st_mode))
        return "ACI";
    static const char *const described[] = {
        [ORB_FILE_TAR] = "ACI (uncompressed)", [ORB_FILE_GZIP] = "ACI (gzip)",
        [ORB_FILE_BZIP2] = "ACI (bzip2)",      [ORB_FILE_XZ] = "ACI (xz)",
        [ORB_FILE_ZSTD] = "ACI (zstd)",
    };
    return described[type];
}

static bool validate_one(const char *path, bool quiet)
{
    orb_problems problems = {0};
    orb_error *err = NULL;
    const char *what = validate_path(path, &problems, &err);
    for (size_t i = 0; i < problems.n; i++)
        fprintf(stderr, "%s: %s\n", path, problems.items[i]);
    if (problems.dropped)
        fprintf(stderr, "%s: ... and %zu more problems\n", path, problems.dropped);
    orb_problems_clear(&problems);
    if (err) {
        cli_error(err);
        return false;
    }
    if (!what)
        return false;
    if (!quiet)
        printf("%s: valid %s\n", path, what);
    return true;
}

static int run(const cli_command *self, int argc, char **argv)
{
    bool quiet = false;
    int first = cli_parse(self, argc, argv, handle_option, &quiet);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 1, -1))
        return EXIT_USAGE;
    int status = EXIT_OK;
    for (int i = first; i < argc; i++)
        if (!validate_one(argv[i], quiet))
            status = EXIT_FAIL;
    return status;
}

const cli_command cmd_image_validate = {
    .name = "image validate",
    .args = "[--quiet] PATH...",
    .summary = "Check ACI files, image layout directories or manifests against appc 0.8.11",
    .description = "Each PATH may be an ACI (uncompressed, gzip, bzip2, xz or zstd, recognised by\n"
                   "its magic bytes), an image layout directory, or a bare image or pod manifest.\n"
                   "Every problem is printed on its own line, naming the archive entry or the\n"
                   "manifest field; the exit status is 0 only when every PATH is valid.",
    .options = options,
    .run = run,
};
