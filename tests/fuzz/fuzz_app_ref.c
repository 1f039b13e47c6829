/* libFuzzer harness: app strings ("example.com/app:1.0,os=linux") on
 * arbitrary bytes; whatever parses is rendered into discovery templates, and
 * a rendering that succeeds has no placeholder left. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discovery/discovery.h"
#include "schema/types.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static const char *const templates[] = {
    "https://storage.example.com/{name}-{version}-{os}-{arch}.{ext}",
    "https://storage.example.com/{name}-{version}.{ext}",
    "https://{channel}.example.com/{name}/{name}.{ext}",
    "{name}",
    "{{}}{ext}{",
};

static void render_all(const orb_app_ref *ref)
{
    for (size_t i = 0; i < ARRAY_SIZE(templates); i++) {
        char *aci = orb_discovery_render(templates[i], ref->name, &ref->labels, "aci");
        char *asc = orb_discovery_render(templates[i], ref->name, &ref->labels, "aci.asc");
        /* the extension never decides whether a placeholder is left */
        check((aci == NULL) == (asc == NULL));
        free(aci);
        free(asc);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = xstrndup((const char *)data, size);
    orb_app_ref ref = {0};
    orb_error *e = NULL;

    if (orb_app_ref_parse(s, &ref, &e) < 0) {
        check(e != NULL && e->msg != NULL);
        orb_error_free(e);
    } else {
        check(ref.name != NULL);
        render_all(&ref);
        orb_app_ref_clear(&ref);
    }
    free(s);
    return 0;
}
