/* URL helpers shared by the transports and discovery: which strings are
 * remote, the local path behind a file:// URL, sibling URLs (a signature
 * next to its image), and the host and port of a URL (for credentials). */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "fetch/fetch.h"
#include "fetch/http_internal.h"
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

static int parse_port(const char *s, size_t len)
{
    if (len == 0 || len > 5)
        return -1;
    int port = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        port = port * 10 + (s[i] - '0');
    }
    return port >= 1 && port <= 65535 ? port : -1;
}

int orb_host_port_split(const char *s, size_t len, char **ret_host, int *ret_port)
{
    size_t host_len;
    if (len > 0 && s[0] == '[') { /* an IPv6 literal keeps its brackets */
        const char *close = memchr(s, ']', len);
        if (!close)
            return -1;
        host_len = (size_t)(close - s) + 1;
    } else {
        const char *colon = memchr(s, ':', len);
        host_len = colon ? (size_t)(colon - s) : len;
    }
    if (host_len == 0 || (s[0] == '[' && host_len < 3))
        return -1;
    for (size_t i = 0; i < host_len; i++)
        if (s[0] != '[' && (!isgraph((unsigned char)s[i]) || strchr("/?#@[]\\", s[i])))
            return -1;
    *ret_port = 0;
    if (host_len < len) {
        if (s[host_len] != ':' ||
            (*ret_port = parse_port(s + host_len + 1, len - host_len - 1)) < 0)
            return -1;
    }
    char *host = xstrndup(s, host_len);
    for (char *p = host; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    *ret_host = host;
    return 0;
}

int orb_url_authority(const char *url, bool *ret_https, char **ret_host, int *ret_port)
{
    bool https = strncasecmp(url, "https://", 8) == 0;
    if (!https && strncasecmp(url, "http://", 7) != 0)
        return -1;
    const char *a = url + (https ? 8 : 7);
    size_t len = strcspn(a, "/?#");
    const char *at = memrchr(a, '@', len); /* drop user:password@ */
    if (at) {
        len -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    if (orb_host_port_split(a, len, ret_host, ret_port) < 0)
        return -1;
    *ret_https = https;
    return 0;
}
