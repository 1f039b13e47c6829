/* URL helpers shared by the transports and discovery: which strings are
 * remote, the local path behind a file:// URL, and sibling URLs (a signature
 * next to its image). */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "fetch/fetch.h"
#include "util/mem.h"

bool orb_url_is_remote(const char *s)
{
    return s && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0);
}

/* Length of "scheme://" at the start of s, or 0 when s has no scheme. */
static size_t scheme_len(const char *s)
{
    size_t i = 0;
    if (!isalpha((unsigned char)s[0]))
        return 0;
    while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
        i++;
    return strncmp(s + i, "://", 3) == 0 ? i + 3 : 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes %XX escapes of s[0..len); NULL on a malformed escape or a NUL byte. */
static char *percent_decode(const char *s, size_t len)
{
    _cleanup_free_ char *out = xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            out[n++] = s[i];
            continue;
        }
        if (i + 2 >= len)
            return NULL;
        int hi = hex_value(s[i + 1]);
        int lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return NULL;
        out[n++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[n] = '\0';
    return TAKE_PTR(out);
}

char *orb_url_local_path(const char *s)
{
    if (!s || !*s)
        return NULL;
    size_t sl = scheme_len(s);
    if (sl == 0)
        return xstrdup(s);
    if (strncasecmp(s, "file://", 7) != 0)
        return NULL;
    const char *p = s + 7;
    if (strncasecmp(p, "localhost/", 10) == 0)
        p += 9;
    if (*p != '/')
        return NULL; /* file://otherhost/... names a file we cannot reach */
    return percent_decode(p, strcspn(p, "?#"));
}

char *orb_url_sibling(const char *url, const char *name)
{
    size_t sl = scheme_len(url);
    if (sl == 0) { /* a plain path: no query or fragment to drop */
        const char *slash = strrchr(url, '/');
        return xasprintf("%.*s%s", slash ? (int)(slash - url + 1) : 0, url, name);
    }
    size_t path_start = sl + strcspn(url + sl, "/?#");
    size_t path_end = path_start + strcspn(url + path_start, "?#");
    if (path_start == path_end) /* "https://h" has an empty path */
        return xasprintf("%.*s/%s", (int)path_start, url, name);
    size_t cut = path_end;
    while (cut > path_start && url[cut - 1] != '/')
        cut--;
    return xasprintf("%.*s%s", (int)cut, url, name);
}
