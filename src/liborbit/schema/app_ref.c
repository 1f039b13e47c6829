/* App strings used by fetch and discovery: "NAME[:VERSION][,key=value...]". */
#include "schema/types.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static int add_label(orb_app_ref *r, const char *key, const char *value, const char *s,
                     orb_error **err)
{
    const char *why = orb_check_ac_identifier(key);
    if (why)
        return orb_err(err, EINVAL, "app \"%s\": label name \"%s\": %s", s, key, why);
    if (orb_kv_get(&r->labels, key))
        return orb_err(err, EINVAL, "app \"%s\": label \"%s\" given more than once", s, key);
    orb_kv_set(&r->labels, key, value);
    return 0;
}

static int parse_pairs(orb_app_ref *r, char *rest, const char *s, orb_error **err)
{
    while (rest) {
        char *comma = strchr(rest, ',');
        if (comma)
            *comma = '\0';
        char *eq = strchr(rest, '=');
        if (!eq)
            return orb_err(err, EINVAL, "app \"%s\": \"%s\": expected key=value", s, rest);
        *eq = '\0';
        if (add_label(r, rest, eq + 1, s, err) < 0)
            return -1;
        rest = comma ? comma + 1 : NULL;
    }
    return 0;
}

int orb_app_ref_parse(const char *s, orb_app_ref *ret, orb_error **err)
{
    if (!s || !*s)
        return orb_err(err, EINVAL, "app name cannot be empty");
    _cleanup_free_ char *buf = xstrdup(s);
    char *comma = strchr(buf, ','), *colon = strchr(buf, ':');
    if (colon && (strchr(colon + 1, ':') || (comma && comma < colon)))
        return orb_err(err, EINVAL, "app \"%s\": ':' may appear once, before any ','", s);
    if (comma)
        *comma = '\0';
    if (colon)
        *colon = '\0';
    orb_app_ref r = {0};
    const char *why = orb_check_ac_identifier(buf);
    if (why) {
        orb_err(err, EINVAL, "app \"%s\": name: %s", s, why);
        return -1;
    }
    r.name = xstrdup(buf);
    if ((colon && add_label(&r, "version", colon + 1, s, err) < 0) ||
        (comma && parse_pairs(&r, comma + 1, s, err) < 0)) {
        orb_app_ref_clear(&r);
        return -1;
    }
    *ret = r;
    return 0;
}

void orb_app_ref_clear(orb_app_ref *r)
{
    if (!r)
        return;
    free(r->name);
    orb_kv_list_clear(&r->labels);
    *r = (orb_app_ref){0};
}
