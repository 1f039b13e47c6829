#include "util/json.h"

#include <errno.h>
#include <jansson.h>

#include "util/mem.h"

int orb_json_pretty(const char *json, size_t len, const char *name, char **ret, orb_error **err)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return orb_err(err, EINVAL, "%s: line %d, column %d: %s", name, jerr.line, jerr.column,
                       jerr.text);
    char *out = json_dumps(root, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!out)
        return orb_err(err, ENOMEM, "%s: cannot serialise", name);
    *ret = xstrdup(out);
    free(out);
    return 0;
}

char *orb_json_peek_string(const char *json, size_t len, const char *key)
{
    json_t *root = json_loadb(json, len, 0, NULL);
    const char *value = json_string_value(json_object_get(root, key));
    char *copy = xstrdup(value);
    json_decref(root);
    return copy;
}
