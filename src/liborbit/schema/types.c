/* Scalar value types of spec/types.md. Where the spec prose and the Go
 * reference disagree, the choice made here is recorded in docs/conformance.md. */
#include "schema/types.h"

#include <ctype.h>
#include <string.h>
#include <sys/utsname.h>

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Shared by AC Identifier and AC Name: a character set and no separator at
 * either edge. Internal runs of separators ("a--b", "a//b") are accepted
 * because published images depend on them. */
static bool ident_chars_ok(const char *s, const char *seps)
{
    for (const char *p = s; *p; p++)
        if (!is_lower_alnum(*p) && !strchr(seps, *p))
            return false;
    return true;
}

const char *orb_check_ac_identifier(const char *s)
{
    static const char seps[] = "-._~/";
    if (!s || !*s)
        return "cannot be empty";
    if (!ident_chars_ok(s, seps))
        return "must contain only lower-case letters, digits and the characters -._~/";
    if (strchr(seps, s[0]))
        return "must not start with '-', '.', '_', '~' or '/'";
    if (strchr(seps, s[strlen(s) - 1]))
        return "must not end with '-', '.', '_', '~' or '/'";
    return NULL;
}

const char *orb_check_ac_name(const char *s)
{
    if (!s || !*s)
        return "cannot be empty";
    if (!ident_chars_ok(s, "-"))
        return "must contain only lower-case letters, digits and '-'";
    if (s[0] == '-')
        return "must not start with '-'";
    if (s[strlen(s) - 1] == '-')
        return "must not end with '-'";
    return NULL;
}

const char *orb_check_ac_kind(const char *s, const char *expected)
{
    if (!s || !*s)
        return "must be set";
    if (expected && strcmp(s, expected) != 0)
        return strcmp(expected, "PodManifest") == 0 ? "must be \"PodManifest\""
                                                    : "must be \"ImageManifest\"";
    if (!expected && strcmp(s, "ImageManifest") != 0 && strcmp(s, "PodManifest") != 0)
        return "must be \"ImageManifest\" or \"PodManifest\"";
    return NULL;
}

const char *orb_check_hash(const char *s)
{
    if (!s || !*s)
        return "cannot be empty";
    const char *dash = strchr(s, '-');
    if (!dash)
        return "must be of the form \"sha512-VALUE\"";
    if (strchr(dash + 1, '-'))
        return "must contain exactly one '-'";
    if ((size_t)(dash - s) != 6 || strncmp(s, "sha512", 6) != 0)
        return "hash type must be \"sha512\"";
    if (!dash[1])
        return "hash value cannot be empty";
    return NULL;
}

bool orb_is_full_image_id(const char *s)
{
    if (!s || strlen(s) != 135 || strncmp(s, "sha512-", 7) != 0)
        return false;
    for (const char *p = s + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

/* Reads exactly n decimal digits; -1 when they are not all digits. */
static int read_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* "YYYY-MM-DDTHH:MM:SS": 19 characters, fields range-checked as Go does. */
static const char *check_date_time(const char *s)
{
    if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return "must be an RFC 3339 date (YYYY-MM-DDTHH:MM:SSZ)";
    int y = read_digits(s, 4), mo = read_digits(s + 5, 2), d = read_digits(s + 8, 2);
    int h = read_digits(s + 11, 2), mi = read_digits(s + 14, 2), se = read_digits(s + 17, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0)
        return "must be an RFC 3339 date (YYYY-MM-DDTHH:MM:SSZ)";
    if (mo < 1 || mo > 12)
        return "month out of range";
    if (d < 1 || d > days_in_month(y, mo))
        return "day out of range";
    if (h > 23 || mi > 59 || se > 59)
        return "time of day out of range";
    return NULL;
}

const char *orb_check_date(const char *s)
{
    if (!s || !*s)
        return "cannot be empty";
    const char *why = check_date_time(s);
    if (why)
        return why;
    const char *p = s + 19;
    if (*p == '.') {
        if (!isdigit((unsigned char)p[1]))
            return "fractional seconds need at least one digit";
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    }
    if (p[0] == 'Z' && !p[1])
        return NULL;
    if ((p[0] == '+' || p[0] == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh = read_digits(p + 1, 2), om = read_digits(p + 4, 2);
        if (oh < 0 || om < 0)
            return "must end with 'Z' or a +hh:mm offset";
        if (oh > 23 || om > 59)
            return "time zone offset out of range";
        return NULL;
    }
    return "must end with 'Z' or a +hh:mm offset";
}

const char *orb_check_http_url(const char *s)
{
    if (!s || !*s)
        return "cannot be empty";
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "must not contain control characters";
    const char *rest;
    if (strncasecmp(s, "http://", 7) == 0)
        rest = s + 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        rest = s + 8;
    else
        return "must be an http or https URL";
    size_t auth = strcspn(rest, "/?#");
    const char *at = memchr(rest, '@', auth);
    const char *host = at ? at + 1 : rest;
    size_t hlen = auth - (size_t)(host - rest);
    if (hlen == 0 || host[0] == ':')
        return "must name a host";
    if (memchr(host, ' ', hlen))
        return "host must not contain spaces";
    return NULL;
}

const char *orb_check_env_name(const char *s)
{
    if (!s || !*s)
        return "cannot be empty";
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return "must start with a letter or '_'";
    for (const char *p = s + 1; *p; p++)
        if (!(isalnum((unsigned char)*p) || strchr("_.-", *p)))
            return "may only contain letters, digits, '_', '.' and '-'";
    return NULL;
}

static const struct {
    const char *os;
    const char *const *archs;
} os_arch_table[] = {
    {"linux", (const char *const[]){"amd64", "i386", "aarch64", "aarch64_be", "armv6l", "armv7l",
                                    "armv7b", "ppc64", "ppc64le", "s390x", NULL}},
    {"freebsd", (const char *const[]){"amd64", "i386", "arm", NULL}},
    {"darwin", (const char *const[]){"x86_64", "i386", NULL}},
};

const char *orb_check_os_arch(const char *os, const char *arch)
{
    if (!os)
        return "os must be set";
    for (size_t i = 0; i < sizeof os_arch_table / sizeof os_arch_table[0]; i++) {
        if (strcmp(os, os_arch_table[i].os) != 0)
            continue;
        if (!arch)
            return NULL;
        for (const char *const *a = os_arch_table[i].archs; *a; a++)
            if (strcmp(arch, *a) == 0)
                return NULL;
        return "arch is not supported for this os";
    }
    return "os is not supported (linux, freebsd or darwin)";
}

static struct utsname host_uts;

static const struct utsname *host_uname(void)
{
    if (!host_uts.sysname[0] && uname(&host_uts) < 0)
        strcpy(host_uts.sysname, "unknown");
    return &host_uts;
}

const char *orb_host_os(void)
{
    const char *sys = host_uname()->sysname;
    if (strcasecmp(sys, "Linux") == 0)
        return "linux";
    if (strcasecmp(sys, "FreeBSD") == 0)
        return "freebsd";
    if (strcasecmp(sys, "Darwin") == 0)
        return "darwin";
    return sys;
}

/* uname's machine names are mostly appc's already; the exceptions are mapped. */
const char *orb_host_arch(void)
{
    const char *m = host_uname()->machine;
    const char *os = orb_host_os();
    if (strcmp(m, "x86_64") == 0 || strcmp(m, "amd64") == 0)
        return strcmp(os, "darwin") == 0 ? "x86_64" : "amd64";
    if (strcmp(m, "i386") == 0 || strcmp(m, "i486") == 0 || strcmp(m, "i586") == 0 ||
        strcmp(m, "i686") == 0)
        return "i386";
    if (strcmp(m, "arm64") == 0)
        return "aarch64";
    if (strcmp(os, "freebsd") == 0 && strncmp(m, "arm", 3) == 0)
        return "arm";
    return m;
}
