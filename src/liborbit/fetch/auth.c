/* Credentials from auth.d/ *.json (rkt's format, see auth.h). Each file
 * becomes one entry holding the ready-made header line; matching is by the
 * URL's host (and port when the domain names one), first file wins, local
 * files before system ones. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fetch/auth.h"
#include "fetch/http_internal.h"
#include "util/base64.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/strv.h"

static int field_err(orb_error **err, const char *path, const char *field, const char *reason)
{
    return orb_err(err, EINVAL, "%s: %s: %s", path, field, reason);
}

static int get_string(json_t *obj, const char *key, const char *field, const char *path,
                      const char **ret, orb_error **err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return field_err(err, path, field, "missing");
    if (!json_is_string(v))
        return field_err(err, path, field, "must be a string");
    *ret = json_string_value(v);
    return 0;
}

/* "rktKind"/"rktVersion" or "orbitKind"/"orbitVersion": every pair present
 * must say auth/v1, and one must be. */
static int check_kind(json_t *root, const char *path, orb_error **err)
{
    static const char *const keys[][2] = {{"rktKind", "rktVersion"}, {"orbitKind", "orbitVersion"}};
    bool any = false;
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (!json_object_get(root, keys[i][0]) && !json_object_get(root, keys[i][1]))
            continue;
        any = true;
        const char *kind, *version;
        if (get_string(root, keys[i][0], keys[i][0], path, &kind, err) < 0)
            return -1;
        if (strcmp(kind, "auth") != 0)
            return field_err(err, path, keys[i][0], "must be \"auth\"");
        if (get_string(root, keys[i][1], keys[i][1], path, &version, err) < 0)
            return -1;
        if (strcmp(version, "v1") != 0)
            return field_err(err, path, keys[i][1], "must be \"v1\"");
    }
    return any ? 0 : field_err(err, path, "rktKind", "missing");
}

static int parse_domains(json_t *root, const char *path, char ***ret, orb_error **err)
{
    json_t *arr = json_object_get(root, "domains");
    if (!arr)
        return field_err(err, path, "domains", "missing");
    if (!json_is_array(arr))
        return field_err(err, path, "domains", "must be an array");
    if (json_array_size(arr) == 0)
        return field_err(err, path, "domains", "must name at least one domain");
    _cleanup_strv_ char **domains = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        _cleanup_free_ char *field = xasprintf("domains[%zu]", i);
        _cleanup_free_ char *host = NULL;
        int port;
        if (!json_is_string(v))
            return field_err(err, path, field, "must be a string");
        const char *d = json_string_value(v);
        if (orb_host_port_split(d, strlen(d), &host, &port) < 0)
            return orb_err(err, EINVAL, "%s: %s: \"%s\" is not a host or host:port", path, field,
                           d);
        strv_push(&domains, d);
    }
    *ret = TAKE_PTR(domains);
    return 0;
}

static bool has_control(const char *s, bool space_too)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || (space_too && *s == ' '))
            return true;
    return false;
}

static char *basic_header(const char *user, const char *password)
{
    _cleanup_free_ char *plain = xasprintf("%s:%s", user, password);
    size_t n = strlen(plain);
    _cleanup_free_ char *b64 = xmalloc(ORB_BASE64_LEN(n) + 1);
    orb_base64_encode(plain, n, b64);
    /* explicit_bzero: a plain memset before free may be optimised away */
    explicit_bzero(plain, n);
    char *header = xasprintf("Authorization: Basic %s", b64);
    explicit_bzero(b64, ORB_BASE64_LEN(n));
    return header;
}

static int parse_basic(json_t *cred, const char *path, char **ret, orb_error **err)
{
    const char *user, *password;
    if (get_string(cred, "user", "credentials.user", path, &user, err) < 0 ||
        get_string(cred, "password", "credentials.password", path, &password, err) < 0)
        return -1;
    if (!*user)
        return field_err(err, path, "credentials.user", "must not be empty");
    if (strchr(user, ':'))
        return field_err(err, path, "credentials.user", "must not contain ':'");
    if (has_control(user, false) || has_control(password, false))
        return field_err(err, path, "credentials", "must not contain control characters");
    *ret = basic_header(user, password);
    return 0;
}

static int parse_oauth(json_t *cred, const char *path, char **ret, orb_error **err)
{
    const char *token;
    if (get_string(cred, "token", "credentials.token", path, &token, err) < 0)
        return -1;
    if (!*token)
        return field_err(err, path, "credentials.token", "must not be empty");
    if (has_control(token, true))
        return field_err(err, path, "credentials.token",
                         "must not contain blanks or control characters");
    *ret = xasprintf("Authorization: Bearer %s", token);
    return 0;
}

static int parse_credentials(json_t *root, const char *path, char **ret, orb_error **err)
{
    const char *type;
    if (get_string(root, "type", "type", path, &type, err) < 0)
        return -1;
    bool basic = strcmp(type, "basic") == 0;
    if (!basic && strcmp(type, "oauth") != 0)
        return orb_err(err, EINVAL, "%s: type: unknown type \"%s\" (expected basic or oauth)", path,
                       type);
    json_t *cred = json_object_get(root, "credentials");
    if (!cred)
        return field_err(err, path, "credentials", "missing");
    if (!json_is_object(cred))
        return field_err(err, path, "credentials", "must be an object");
    return basic ? parse_basic(cred, path, ret, err) : parse_oauth(cred, path, ret, err);
}

static int parse_file(const char *path, orb_auth_entry *ret, orb_error **err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (orb_read_file(path, ORB_AUTH_FILE_MAX, &buf, &len, err) < 0)
        return -1;
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return orb_err(err, EINVAL, "%s: line %d: %s", path, jerr.line, jerr.text);
    char **domains = NULL;
    char *header = NULL;
    int r = -1;
    if (!json_is_object(root))
        field_err(err, path, "(top level)", "must be an object");
    else if (check_kind(root, path, err) == 0 && parse_domains(root, path, &domains, err) == 0 &&
             parse_credentials(root, path, &header, err) == 0)
        r = 0;
    json_decref(root);
    if (r < 0) {
        strv_free(domains);
        return -1;
    }
    *ret = (orb_auth_entry){.domains = domains, .header = header, .source = xstrdup(path)};
    return 0;
}

static bool is_json_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* The *.json names in <dir>/auth.d, sorted; a missing directory has none. */
static int list_auth_dir(const char *dir, char ***ret, orb_error **err)
{
    _cleanup_free_ char *path = xasprintf("%s/auth.d", dir);
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : orb_err_sys(err, errno, "read %s", path);
    errno = 0;
    for (struct dirent *de; (de = readdir(d)); errno = 0)
        if (is_json_name(de->d_name))
            strv_push(ret, de->d_name);
    int e = errno;
    closedir(d);
    if (e)
        return orb_err_sys(err, e, "read %s", path);
    if (*ret)
        strv_sort(*ret);
    return 0;
}

static int load_names(orb_auth *a, const char *dir, char **names, char **skip, orb_error **err)
{
    for (size_t i = 0; names && names[i]; i++) {
        if (skip && strv_contains(skip, names[i]))
            continue; /* overridden by the local file of the same name */
        _cleanup_free_ char *path = xasprintf("%s/auth.d/%s", dir, names[i]);
        orb_auth_entry e;
        if (parse_file(path, &e, err) < 0)
            return -1;
        *(orb_auth_entry *)xgrow(&a->entries, &a->n, sizeof(e)) = e;
    }
    return 0;
}

int orb_auth_load(const char *local_dir, const char *system_dir, orb_auth *ret, orb_error **err)
{
    *ret = (orb_auth){0};
    _cleanup_strv_ char **local = NULL, **sys = NULL;
    if ((local_dir && list_auth_dir(local_dir, &local, err) < 0) ||
        (system_dir && list_auth_dir(system_dir, &sys, err) < 0))
        return -1;
    if (load_names(ret, local_dir, local, NULL, err) < 0 ||
        load_names(ret, system_dir, sys, local, err) < 0) {
        orb_auth_clear(ret);
        return -1;
    }
    return 0;
}

void orb_auth_clear(orb_auth *a)
{
    for (size_t i = 0; i < a->n; i++) {
        strv_free(a->entries[i].domains);
        if (a->entries[i].header)
            explicit_bzero(a->entries[i].header, strlen(a->entries[i].header));
        free(a->entries[i].header);
        free(a->entries[i].source);
    }
    free(a->entries);
    *a = (orb_auth){0};
}

static bool domain_matches(const char *domain, const char *host, int port)
{
    _cleanup_free_ char *dhost = NULL;
    int dport;
    if (orb_host_port_split(domain, strlen(domain), &dhost, &dport) < 0)
        return false;
    return strcmp(dhost, host) == 0 && (dport == 0 || dport == port);
}

static const orb_auth_entry *find(const orb_auth *a, const char *url, bool *ret_https)
{
    _cleanup_free_ char *host = NULL;
    int port;
    if (!a || !url || orb_url_authority(url, ret_https, &host, &port) < 0)
        return NULL;
    if (port == 0)
        port = *ret_https ? 443 : 80;
    for (size_t i = 0; i < a->n; i++)
        for (char **d = a->entries[i].domains; d && *d; d++)
            if (domain_matches(*d, host, port))
                return &a->entries[i];
    return NULL;
}

const char *orb_auth_header_for(const orb_auth *a, const char *url, bool allow_http)
{
    bool https = false;
    const orb_auth_entry *e = find(a, url, &https);
    return e && (https || allow_http) ? e->header : NULL;
}

const orb_auth_entry *orb_auth_entry_for_host(const orb_auth *a, const char *url)
{
    bool https;
    return find(a, url, &https);
}
