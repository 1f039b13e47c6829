/* Pure parsing of HTTP response headers: kept apart from the transfer code
 * so every rule is unit-tested without a server. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch/http_internal.h"
#include "util/mem.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trims blanks from both ends of s[0..*len); returns the new start. */
static const char *trim(const char *s, size_t *len)
{
    while (*len > 0 && is_blank(s[0])) {
        s++;
        (*len)--;
    }
    while (*len > 0 && is_blank(s[*len - 1]))
        (*len)--;
    return s;
}

/* Parses a decimal number filling s[0..len) entirely; -1 when malformed. */
static int64_t parse_decimal(const char *s, size_t len)
{
    if (len == 0 || len > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* max-age of one directive; -2 when it is not about freshness. */
static int64_t directive_max_age(const char *d, size_t len)
{
    d = trim(d, &len);
    size_t name_len = 0;
    while (name_len < len && d[name_len] != '=')
        name_len++;
    size_t nl = name_len;
    const char *name = trim(d, &nl);
    if ((nl == 8 && strncasecmp(name, "no-cache", 8) == 0) ||
        (nl == 8 && strncasecmp(name, "no-store", 8) == 0))
        return 0;
    if (nl != 7 || strncasecmp(name, "max-age", 7) != 0 || name_len == len)
        return -2;
    size_t vl = len - name_len - 1;
    const char *v = trim(d + name_len + 1, &vl);
    if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
        v++;
        vl -= 2;
    }
    int64_t age = parse_decimal(v, vl);
    return age < 0 ? -2 : age;
}

int64_t orb_http_max_age(const char *cache_control)
{
    if (!cache_control)
        return -1;
    int64_t result = -1;
    const char *p = cache_control;
    for (;;) {
        size_t len = strcspn(p, ",");
        int64_t age = directive_max_age(p, len);
        if (age == 0)
            return 0; /* no-cache / no-store win over any max-age */
        if (age > 0)
            result = age;
        if (p[len] == '\0')
            return result;
        p += len + 1;
    }
}

char *orb_http_header_value(const char *line, size_t len, const char *name)
{
    size_t nl = strlen(name);
    if (len <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
        return NULL;
    size_t vl = len - nl - 1;
    const char *v = trim(line + nl + 1, &vl);
    return xstrndup(v, vl);
}

bool orb_http_status_line(const char *line, size_t len, int *status, char **reason)
{
    if (len < 5 || strncmp(line, "HTTP/", 5) != 0)
        return false;
    size_t i = 5;
    while (i < len && line[i] != ' ')
        i++;
    while (i < len && line[i] == ' ')
        i++;
    if (i + 3 > len || parse_decimal(line + i, 3) < 100 || (i + 3 < len && !is_blank(line[i + 3])))
        return false;
    *status = (int)parse_decimal(line + i, 3);
    size_t rl = len - i - 3;
    const char *r = trim(line + i + 3, &rl);
    *reason = xstrndup(r, rl);
    return true;
}

bool orb_http_content_range(const char *value, uint64_t *start, uint64_t *end, int64_t *total)
{
    if (strncasecmp(value, "bytes ", 6) != 0)
        return false;
    const char *p = value + 6;
    size_t a = strspn(p, "0123456789");
    if (p[a] != '-')
        return false;
    const char *q = p + a + 1;
    size_t b = strspn(q, "0123456789");
    if (q[b] != '/')
        return false;
    const char *t = q + b + 1;
    int64_t s = parse_decimal(p, a), e = parse_decimal(q, b);
    int64_t tot = strcmp(t, "*") == 0 ? -1 : parse_decimal(t, strlen(t));
    if (s < 0 || e < s || (strcmp(t, "*") != 0 && (tot < 0 || e >= tot)))
        return false;
    *start = (uint64_t)s;
    *end = (uint64_t)e;
    *total = tot;
    return true;
}

int64_t orb_http_content_length(const char *value)
{
    size_t len = strlen(value);
    const char *v = trim(value, &len);
    return parse_decimal(v, len);
}

const char *orb_http_reason(int status)
{
    static const struct {
        int status;
        const char *reason;
    } reasons[] = {
        {200, "OK"},
        {202, "Accepted"},
        {206, "Partial Content"},
        {300, "Multiple Choices"},
        {304, "Not Modified"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {410, "Gone"},
        {416, "Range Not Satisfiable"},
        {429, "Too Many Requests"},
        {500, "Internal Server Error"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "";
}
