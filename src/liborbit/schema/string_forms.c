/* Command-line string forms of volumes, mount points and ports:
 * "NAME,key=value,..." as the reference's MakeQueryString reads them. Values
 * are literal (no URL decoding); keys are case-sensitive. */
#include "schema/types.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

int orb_parse_kv_string(const char *s, orb_kv_list *ret, orb_error **err)
{
    _cleanup_free_ char *buf = xasprintf("name=%s", s ? s : "");
    orb_kv_list l = {0};
    /* walked by hand: strtok would merge empty parts */
    for (char *part = buf; part;) {
        char *comma = strchr(part, ',');
        if (comma)
            *comma = '\0';
        char *eq = strchr(part, '=');
        if (!eq) {
            orb_kv_list_clear(&l);
            return orb_err(err, EINVAL, "\"%s\": missing '=' (expected key=value)", part);
        }
        *eq = '\0';
        if (orb_kv_get(&l, part)) {
            orb_kv_list_clear(&l);
            return orb_err(err, EINVAL, "key \"%s\" given more than once", part);
        }
        orb_kv_set(&l, part, eq + 1);
        part = comma ? comma + 1 : NULL;
    }
    *ret = l;
    return 0;
}

const char *orb_parse_bool(const char *s, bool *ret)
{
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; s && i < ARRAY_SIZE(yes); i++) {
        if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
            if (ret)
                *ret = strcmp(s, yes[i]) == 0;
            return NULL;
        }
    }
    return "must be true or false";
}

/* Joins a field name and a checker's reason into a per-thread static text. */
static const char *field_reason(const char *field, const char *why)
{
    static _Thread_local char buf[256];
    if (!why)
        return NULL;
    snprintf(buf, sizeof buf, "%s: %s", field, why);
    return buf;
}

static const char *parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
    char *end;
    if (!*s || (s[0] != '-' && s[0] != '+' && (s[0] < '0' || s[0] > '9')))
        return "must be an integer";
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || (s[0] == '+' || s[0] == '-' ? !s[1] : false))
        return "must be an integer";
    if (errno == ERANGE || v < min || v > max)
        return "is out of range";
    *ret = v;
    return NULL;
}

/* Unsigned 16-bit values as strconv.ParseUint(s, 10, 16): digits only. */
static const char *parse_u16(const char *s, unsigned *ret)
{
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return "must be an unsigned integer";
    int64_t v;
    if (strlen(s) > 6 || parse_int64(s, 0, 65535, &v))
        return "must be between 0 and 65535";
    *ret = (unsigned)v;
    return NULL;
}

static const char *set_bool(const char *val, int *ret)
{
    bool b;
    const char *why = orb_parse_bool(val, &b);
    if (!why)
        *ret = b;
    return why;
}

/* "volume \"S\": unknown key \"asdf\"" or "volume \"S\": readOnly: must be true or false" */
static int key_error(orb_error **err, const char *what, const char *s, const char *key,
                     const char *why)
{
    if (strcmp(why, "unknown key") == 0)
        return orb_err(err, EINVAL, "%s \"%s\": unknown key \"%s\"", what, s, key);
    return orb_err(err, EINVAL, "%s \"%s\": %s: %s", what, s, key, why);
}

static const char *volume_set(orb_volume *v, const char *key, const char *val)
{
    int64_t n;
    const char *why = NULL;
    if (strcmp(key, "name") == 0) {
        v->name = xstrdup(val);
    } else if (strcmp(key, "kind") == 0) {
        if (strcmp(val, "host") != 0 && strcmp(val, "empty") != 0)
            return "must be \"host\" or \"empty\"";
        v->kind = strcmp(val, "host") == 0 ? ORB_VOLUME_HOST : ORB_VOLUME_EMPTY;
    } else if (strcmp(key, "source") == 0) {
        v->source = xstrdup(val);
    } else if (strcmp(key, "readOnly") == 0) {
        why = set_bool(val, &v->read_only);
    } else if (strcmp(key, "recursive") == 0) {
        why = set_bool(val, &v->recursive);
    } else if (strcmp(key, "mode") == 0) {
        v->mode = xstrdup(val);
    } else if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
        why = parse_int64(val, INT64_MIN, INT64_MAX, &n);
        if (!why && key[0] == 'u')
            v->has_uid = true, v->uid = n;
        else if (!why)
            v->has_gid = true, v->gid = n;
    } else {
        return "unknown key";
    }
    return why;
}

int orb_volume_parse_string(const char *s, orb_volume *ret, orb_error **err)
{
    orb_kv_list l = {0};
    if (orb_parse_kv_string(s, &l, err) < 0)
        return orb_err_wrap(err, "volume \"%s\"", s);
    orb_volume v = {.read_only = -1, .recursive = -1};
    bool has_kind = false;
    for (size_t i = 0; i < l.n; i++) {
        const char *key = l.items[i].name, *why = volume_set(&v, key, l.items[i].value);
        has_kind |= strcmp(key, "kind") == 0;
        if (why) {
            key_error(err, "volume", s, key, why);
            goto fail;
        }
    }
    const char *why = has_kind ? orb_volume_check(&v) : "kind: must be set";
    if (why) {
        orb_err(err, EINVAL, "volume %s: %s", v.name && *v.name ? v.name : "\"\"", why);
        goto fail;
    }
    orb_kv_list_clear(&l);
    *ret = v;
    return 0;
fail:
    orb_kv_list_clear(&l);
    orb_volume_clear(&v);
    return -1;
}

static const char *bool_text(int b)
{
    return b ? "true" : "false";
}

char *orb_volume_to_string(const orb_volume *v)
{
    char *s = xasprintf("%s,kind=%s", v->name ? v->name : "",
                        v->kind == ORB_VOLUME_HOST ? "host" : "empty");
    char *t;
#define APPEND(...) (t = xasprintf(__VA_ARGS__), free(s), s = t)
    if (v->source && *v->source)
        APPEND("%s,source=%s", s, v->source);
    if (v->read_only >= 0)
        APPEND("%s,readOnly=%s", s, bool_text(v->read_only));
    if (v->recursive >= 0)
        APPEND("%s,recursive=%s", s, bool_text(v->recursive));
    if (v->mode && strcmp(v->mode, "0755") != 0)
        APPEND("%s,mode=%s", s, v->mode);
    if (v->has_uid && v->uid != 0)
        APPEND("%s,uid=%" PRId64, s, v->uid);
    if (v->has_gid && v->gid != 0)
        APPEND("%s,gid=%" PRId64, s, v->gid);
#undef APPEND
    return s;
}

const char *orb_volume_check(const orb_volume *v)
{
    const char *why = field_reason("name", orb_check_ac_name(v->name));
    if (why)
        return why;
    if (v->kind == ORB_VOLUME_EMPTY) {
        if (v->source && *v->source)
            return "source: must not be set for an empty volume";
        return NULL;
    }
    if (!v->source || !*v->source)
        return "source: must be set for a host volume";
    if (v->source[0] != '/')
        return "source: must be an absolute path";
    if (v->mode)
        return "mode: must not be set for a host volume";
    if (v->has_uid)
        return "uid: must not be set for a host volume";
    if (v->has_gid)
        return "gid: must not be set for a host volume";
    return NULL;
}

void orb_volume_clear(orb_volume *v)
{
    if (!v)
        return;
    free(v->name);
    free(v->source);
    free(v->mode);
    *v = (orb_volume){.read_only = -1, .recursive = -1};
}

void orb_volume_copy(orb_volume *dst, const orb_volume *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->source = xstrdup(src->source);
    dst->mode = xstrdup(src->mode);
}

static const char *mount_set(orb_mount_point *m, const char *key, const char *val)
{
    if (strcmp(key, "name") == 0) {
        m->name = xstrdup(val);
        return orb_check_ac_name(val);
    }
    if (strcmp(key, "path") == 0) {
        m->path = xstrdup(val);
        return *val ? NULL : "must not be empty";
    }
    if (strcmp(key, "readOnly") == 0)
        return orb_parse_bool(val, &m->read_only);
    return "unknown key";
}

int orb_mount_point_parse_string(const char *s, orb_mount_point *ret, orb_error **err)
{
    orb_kv_list l = {0};
    if (orb_parse_kv_string(s, &l, err) < 0)
        return orb_err_wrap(err, "mount point \"%s\"", s);
    orb_mount_point m = {0};
    int r = 0;
    for (size_t i = 0; i < l.n && r == 0; i++) {
        const char *why = mount_set(&m, l.items[i].name, l.items[i].value);
        if (why)
            r = key_error(err, "mount point", s, l.items[i].name, why);
    }
    if (r == 0 && !m.path)
        r = orb_err(err, EINVAL, "mount point \"%s\": path: must be set", s);
    orb_kv_list_clear(&l);
    if (r < 0) {
        orb_mount_point_clear(&m);
        return -1;
    }
    *ret = m;
    return 0;
}

char *orb_mount_point_to_string(const orb_mount_point *m)
{
    return xasprintf("%s,path=%s%s", m->name ? m->name : "", m->path ? m->path : "",
                     m->read_only ? ",readOnly=true" : "");
}

void orb_mount_point_clear(orb_mount_point *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->path);
    *m = (orb_mount_point){0};
}

void orb_mount_point_copy(orb_mount_point *dst, const orb_mount_point *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->path = xstrdup(src->path);
}

static const char *port_set(orb_port *p, const char *key, const char *val)
{
    if (strcmp(key, "name") == 0) {
        p->name = xstrdup(val);
        return orb_check_ac_name(val);
    }
    if (strcmp(key, "protocol") == 0) {
        p->protocol = xstrdup(val);
        return NULL;
    }
    if (strcmp(key, "port") == 0)
        return parse_u16(val, &p->port);
    if (strcmp(key, "count") == 0)
        return parse_u16(val, &p->count);
    if (strcmp(key, "socketActivated") == 0)
        return orb_parse_bool(val, &p->socket_activated);
    return "unknown key";
}

int orb_port_parse_string(const char *s, orb_port *ret, orb_error **err)
{
    orb_kv_list l = {0};
    if (orb_parse_kv_string(s, &l, err) < 0)
        return orb_err_wrap(err, "port \"%s\"", s);
    orb_port p = {0};
    int r = 0;
    for (size_t i = 0; i < l.n && r == 0; i++) {
        const char *why = port_set(&p, l.items[i].name, l.items[i].value);
        if (why)
            r = key_error(err, "port", s, l.items[i].name, why);
    }
    const char *why = r == 0 ? orb_port_check_range(p.port, p.count) : NULL;
    if (why)
        r = orb_err(err, EINVAL, "port \"%s\": %s", s, why);
    orb_kv_list_clear(&l);
    if (r < 0) {
        orb_port_clear(&p);
        return -1;
    }
    *ret = p;
    return 0;
}

char *orb_port_to_string(const orb_port *p)
{
    return xasprintf("%s,protocol=%s,port=%u,count=%u,socketActivated=%s", p->name ? p->name : "",
                     p->protocol ? p->protocol : "", p->port, p->count,
                     bool_text(p->socket_activated));
}

const char *orb_port_check_range(int64_t port, int64_t count)
{
    if (port < 1 || port > 65535)
        return "port: must be between 1 and 65535";
    if (count < 0)
        return "count: must not be negative";
    if (port + count > 65536)
        return "count: port + count must not exceed 65536";
    return NULL;
}

void orb_port_clear(orb_port *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->protocol);
    *p = (orb_port){0};
}

void orb_port_copy(orb_port *dst, const orb_port *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->protocol = xstrdup(src->protocol);
}
