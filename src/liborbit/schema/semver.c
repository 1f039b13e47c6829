/* AC Version: the lenient semantic version grammar of the reference's
 * vendored go-semver (prerelease and metadata are split off, not checked). */
#include "schema/types.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* One base-10 int64 field; leading zeros and a leading '+' are accepted as
 * strconv.ParseInt does, a '-' is impossible here since '-' splits prerelease. */
static bool parse_field(const char *s, size_t n, int64_t *ret)
{
    if (n == 0 || n > 30)
        return false;
    char buf[32];
    memcpy(buf, s, n);
    buf[n] = '\0';
    const char *p = buf[0] == '+' ? buf + 1 : buf;
    if (!*p)
        return false;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    errno = 0;
    long long v = strtoll(p, NULL, 10);
    if (errno == ERANGE)
        return false;
    *ret = v;
    return true;
}

static bool parse_version_core(const char *s, size_t n, int64_t out[3])
{
    size_t start = 0;
    int field = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (field == 3 || !parse_field(s + start, i - start, &out[field]))
            return false;
        field++;
        start = i + 1;
    }
    return field == 3;
}

const char *orb_semver_parse(const char *s, orb_semver *ret)
{
    if (!s || !*s)
        return "cannot be empty";
    const char *plus = strchr(s, '+');
    size_t core_end = plus ? (size_t)(plus - s) : strlen(s);
    const char *dash = memchr(s, '-', core_end);
    size_t core_len = dash ? (size_t)(dash - s) : core_end;
    int64_t v[3];
    if (!parse_version_core(s, core_len, v))
        return "must be a semantic version MAJOR.MINOR.PATCH";
    if (v[0] == 0 && v[1] == 0 && v[2] == 0 && !dash && !plus)
        return "cannot be zero (0.0.0)";
    if (ret) {
        *ret = (orb_semver){.major = v[0], .minor = v[1], .patch = v[2]};
        if (dash)
            ret->prerelease = xstrndup(dash + 1, core_end - core_len - 1);
        if (plus)
            ret->metadata = xstrdup(plus + 1);
    }
    return NULL;
}

void orb_semver_clear(orb_semver *v)
{
    if (!v)
        return;
    free(v->prerelease);
    free(v->metadata);
    *v = (orb_semver){0};
}
