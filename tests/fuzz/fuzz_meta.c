/* libFuzzer harness: the discovery meta-tag tokenizer on arbitrary bytes.
 * Every tag it returns must be well formed: an ac- name, a prefix without
 * spaces and a non-empty URI. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discovery/discovery.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    orb_meta_tag *tags = NULL;
    orb_error *e = NULL;
    size_t n = 0;

    if (orb_meta_parse((const char *)data, size, &tags, &n, &e) < 0) {
        check(size > ORB_DISCOVERY_PAGE_MAX && e != NULL && tags == NULL);
        orb_error_free(e);
        return 0;
    }
    check(e == NULL && (n == 0) == (tags == NULL));
    for (size_t i = 0; i < n; i++) {
        check(strncmp(tags[i].name, "ac-", 3) == 0);
        check(tags[i].prefix[0] != '\0' && strchr(tags[i].prefix, ' ') == NULL);
        check(tags[i].uri[0] != '\0' && tags[i].uri[0] != ' ');
        check(tags[i].uri[strlen(tags[i].uri) - 1] != ' ');
    }
    orb_meta_tags_free(tags, n);
    return 0;
}
