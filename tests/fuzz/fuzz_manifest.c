/* libFuzzer harness: both manifest parsers on arbitrary bytes; whatever parses
 * must serialise (compact and pretty), re-parse, and serialise identically. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema/manifest.h"
#include "util/problems.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static void image_round_trip(const char *json, size_t size)
{
    orb_image_manifest *m = NULL, *m2 = NULL;
    orb_problems p = {0};
    char *a, *pretty, *b;

    if (orb_image_manifest_parse(json, size, &m, &p) < 0) {
        check(m == NULL && p.n > 0);
        orb_problems_clear(&p);
        return;
    }
    check(p.n == 0);
    a = orb_image_manifest_to_json(m, false);
    pretty = orb_image_manifest_to_json(m, true);
    check(orb_image_manifest_parse(pretty, strlen(pretty), &m2, &p) == 0);
    check(orb_image_manifest_validate(m2, &p) == 0);
    b = orb_image_manifest_to_json(m2, false);
    check(strcmp(a, b) == 0);
    free(a);
    free(b);
    free(pretty);
    orb_image_manifest_free(m);
    orb_image_manifest_free(m2);
}

static void pod_round_trip(const char *json, size_t size)
{
    orb_pod_manifest *m = NULL, *m2 = NULL;
    orb_problems p = {0};
    char *a, *pretty, *b;

    if (orb_pod_manifest_parse(json, size, &m, &p) < 0) {
        check(m == NULL && p.n > 0);
        orb_problems_clear(&p);
        return;
    }
    check(p.n == 0);
    a = orb_pod_manifest_to_json(m, false);
    pretty = orb_pod_manifest_to_json(m, true);
    check(orb_pod_manifest_parse(pretty, strlen(pretty), &m2, &p) == 0);
    check(orb_pod_manifest_validate(m2, &p) == 0);
    b = orb_pod_manifest_to_json(m2, false);
    check(strcmp(a, b) == 0);
    free(a);
    free(b);
    free(pretty);
    orb_pod_manifest_free(m);
    orb_pod_manifest_free(m2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    image_round_trip((const char *)data, size);
    pod_round_trip((const char *)data, size);
    return 0;
}
