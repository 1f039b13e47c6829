/* libFuzzer harness: arbitrary bytes imported into a scratch store (reader,
 * validator, extraction, commit). After every input the store must be as it
 * was: a failed import leaves nothing, a successful one is removed again,
 * and a leftover in images/tmp, blobs or trees aborts the run. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/import.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *scratch, *data_dir, *input;
static orb_store *store;

static void cleanup(void)
{
    orb_store_close(store);
    orb_error *err = NULL;
    orb_rm_rf(scratch, &err);
    orb_error_free(err);
}

static void init(void)
{
    scratch = xstrdup("/tmp/orbit-fuzz-import-XXXXXX");
    if (!mkdtemp(scratch))
        abort();
    data_dir = xasprintf("%s/data", scratch);
    input = xasprintf("%s/input.aci", scratch);
    orb_error *err = NULL;
    if (orb_store_open(data_dir, &store, &err) < 0) {
        fprintf(stderr, "fuzz_import: %s\n", err->msg);
        abort();
    }
    atexit(cleanup);
}

static size_t count_entries(const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/images/%s", data_dir, rel);
    DIR *d = opendir(path);
    if (!d)
        abort();
    size_t n = 0;
    for (struct dirent *de; (de = readdir(d));)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store)
        init();
    FILE *f = fopen(input, "we");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    orb_import_options o = {.max_size = 8u << 20, .source = "fuzz.aci"};
    char id[ORB_IMAGE_ID_LEN + 1];
    orb_error *err = NULL;
    int r = orb_store_import(store, input, &o, id, &err);
    orb_error_free(err);
    err = NULL;
    if (r >= 0 && orb_store_remove(store, id, &err) < 0)
        abort();
    if (count_entries("tmp") || count_entries("blobs") || count_entries("trees")) {
        fprintf(stderr, "fuzz_import: the store kept files after %s\n",
                r < 0 ? "a failed import" : "removing the image");
        abort();
    }
    unlink(input);
    return 0;
}
