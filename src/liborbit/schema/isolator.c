/* Isolators (spec/ace.md "Isolators"): decoding and checking each known value,
 * the App-level multiplicity rules, and copying. */
#include <string.h>

#include "schema/isolator.h"
#include "schema/manifest_internal.h"
#include "util/mem.h"

static const char *const kind_names[_ORB_ISOLATOR_KIND_MAX] = {
    [ORB_ISOLATOR_RESOURCE_CPU] = "resource/cpu",
    [ORB_ISOLATOR_RESOURCE_MEMORY] = "resource/memory",
    [ORB_ISOLATOR_RESOURCE_BLOCK_BANDWIDTH] = "resource/block-bandwidth",
    [ORB_ISOLATOR_RESOURCE_BLOCK_IOPS] = "resource/block-iops",
    [ORB_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH] = "resource/network-bandwidth",
    [ORB_ISOLATOR_CPU_SHARES] = "os/linux/cpu-shares",
    [ORB_ISOLATOR_OOM_SCORE_ADJ] = "os/linux/oom-score-adj",
    [ORB_ISOLATOR_NO_NEW_PRIVILEGES] = "os/linux/no-new-privileges",
    [ORB_ISOLATOR_CAPABILITIES_RETAIN] = "os/linux/capabilities-retain-set",
    [ORB_ISOLATOR_CAPABILITIES_REMOVE] = "os/linux/capabilities-remove-set",
    [ORB_ISOLATOR_SECCOMP_RETAIN] = "os/linux/seccomp-retain-set",
    [ORB_ISOLATOR_SECCOMP_REMOVE] = "os/linux/seccomp-remove-set",
    [ORB_ISOLATOR_SELINUX_CONTEXT] = "os/linux/selinux-context",
    [ORB_ISOLATOR_APPARMOR_PROFILE] = "os/linux/apparmor-profile",
    [ORB_ISOLATOR_SYSCTL] = "os/unix/sysctl",
};

orb_isolator_kind orb_isolator_kind_from_name(const char *name)
{
    for (int k = 1; name && k < _ORB_ISOLATOR_KIND_MAX; k++)
        if (strcmp(kind_names[k], name) == 0)
            return (orb_isolator_kind)k;
    return ORB_ISOLATOR_UNKNOWN;
}

const char *orb_isolator_kind_name(orb_isolator_kind kind)
{
    if (kind <= ORB_ISOLATOR_UNKNOWN || kind >= _ORB_ISOLATOR_KIND_MAX)
        return NULL;
    return kind_names[kind];
}

static bool is_resource(orb_isolator_kind k)
{
    return k >= ORB_ISOLATOR_RESOURCE_CPU && k <= ORB_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH;
}

/* A quantity is a JSON string (whitespace trimmed) or a bare number. */
static bool decode_quantity(const json_t *obj, const char *key, const char *path, orb_quantity *q,
                            orb_problems *p)
{
    json_t *v = mf_get(obj, key);
    _cleanup_free_ char *text = NULL, *fp = mf_path(path, key);
    const char *why, *s;
    size_t n;

    if (!v)
        return false;
    if (json_is_string(v)) {
        s = json_string_value(v);
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        n = strlen(s);
        while (n > 0 && strchr(" \t\n\r", s[n - 1]))
            n--;
        text = xstrndup(s, n);
    } else if (json_is_number(v)) {
        text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    } else {
        mf_problem(p, "%s: must be a quantity string or number", fp);
        return false;
    }
    why = orb_quantity_parse(text, q);
    if (why) {
        mf_problem(p, "%s: %s", fp, why);
        return false;
    }
    return true;
}

static void decode_resource(orb_isolator *iso, const json_t *v, const char *vp, orb_problems *p)
{
    bool def = false, need_default = iso->kind > ORB_ISOLATOR_RESOURCE_MEMORY;
    _cleanup_free_ char *dp = mf_path(vp, "default"), *rp = mf_path(vp, "request");

    if (!json_is_object(v)) {
        mf_problem(p, "%s: must be an object", vp);
        return;
    }
    iso->u.resource.has_default = mf_get_bool(v, "default", vp, &def, p);
    iso->u.resource.default_value = def;
    if (need_default && !def)
        mf_problem(p, "%s: must be true for %s", dp, iso->name);
    else if (!need_default && def)
        mf_problem(p, "%s: must be false for %s", dp, iso->name);
    if (need_default && mf_get(v, "request"))
        mf_problem(p, "%s: must not be set for %s", rp, iso->name);
    else
        iso->u.resource.has_request =
            decode_quantity(v, "request", vp, &iso->u.resource.request, p);
    iso->u.resource.has_limit = decode_quantity(v, "limit", vp, &iso->u.resource.limit, p);
}

static void decode_integer(orb_isolator *iso, const json_t *v, const char *vp, int64_t min,
                           int64_t max, orb_problems *p)
{
    int64_t n;

    if (!json_is_integer(v)) {
        mf_problem(p, "%s: must be an integer", vp);
        return;
    }
    n = json_integer_value(v);
    if (n < min || n > max)
        mf_problem(p, "%s: must be between %lld and %lld", vp, (long long)min, (long long)max);
    iso->u.integer = n;
}

static bool errno_valid(const char *s)
{
    if (s[0] != 'E')
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

static void decode_set(orb_isolator *iso, const json_t *v, const char *vp, orb_problems *p)
{
    bool seccomp =
        iso->kind == ORB_ISOLATOR_SECCOMP_RETAIN || iso->kind == ORB_ISOLATOR_SECCOMP_REMOVE;
    _cleanup_free_ char *sp = mf_path(vp, "set"), *ep = mf_path(vp, "errno");

    if (!json_is_object(v)) {
        mf_problem(p, "%s: must be an object", vp);
        return;
    }
    iso->u.set.set = mf_get_strv(v, "set", vp, p);
    if (!iso->u.set.set || !iso->u.set.set[0])
        mf_problem(p, "%s: must be a non-empty array of strings", sp);
    if (!seccomp)
        return;
    if (mf_get_string(v, "errno", vp, &iso->u.set.errno_name, p) && !*iso->u.set.errno_name)
        iso->u.set.errno_name = (free(iso->u.set.errno_name), NULL);
    if (iso->u.set.errno_name && !errno_valid(iso->u.set.errno_name))
        mf_problem(p, "%s: must be an errno name like \"EPERM\"", ep);
}

static void selinux_field(const json_t *v, const char *key, const char *vp, bool colon_ok,
                          char **out, orb_problems *p)
{
    _cleanup_free_ char *fp = mf_path(vp, key);

    mf_get_string(v, key, vp, out, p);
    if (!*out || !**out)
        mf_problem(p, "%s: must be a non-empty string", fp);
    else if (!colon_ok && strchr(*out, ':'))
        mf_problem(p, "%s: must not contain ':'", fp);
}

static void decode_selinux(orb_isolator *iso, const json_t *v, const char *vp, orb_problems *p)
{
    if (!json_is_object(v)) {
        mf_problem(p, "%s: must be an object", vp);
        return;
    }
    selinux_field(v, "user", vp, false, &iso->u.selinux.user, p);
    selinux_field(v, "role", vp, false, &iso->u.selinux.role, p);
    selinux_field(v, "type", vp, false, &iso->u.selinux.type, p);
    selinux_field(v, "level", vp, true, &iso->u.selinux.level, p);
}

static void decode_apparmor(orb_isolator *iso, const json_t *v, const char *vp, orb_problems *p)
{
    _cleanup_free_ char *fp = mf_path(vp, "profile");

    if (!json_is_object(v)) {
        mf_problem(p, "%s: must be an object", vp);
        return;
    }
    mf_get_string(v, "profile", vp, &iso->u.apparmor_profile, p);
    if (!iso->u.apparmor_profile || !*iso->u.apparmor_profile)
        mf_problem(p, "%s: must be a non-empty string", fp);
}

static void decode_sysctl(orb_isolator *iso, const json_t *v, const char *vp, orb_problems *p)
{
    const char *k;
    json_t *e;

    if (!json_is_object(v)) {
        mf_problem(p, "%s: must be an object", vp);
        return;
    }
    json_object_foreach((json_t *)v, k, e)
    {
        if (!json_is_string(e))
            mf_problem(p, "%s.%s: must be a string", vp, k);
        else
            mf_kv_append(&iso->u.sysctl, k, json_string_value(e));
    }
}

static void decode_value(orb_isolator *iso, const json_t *v, const char *vp, orb_problems *p)
{
    switch (iso->kind) {
    case ORB_ISOLATOR_CPU_SHARES:
        decode_integer(iso, v, vp, 2, 262144, p);
        break;
    case ORB_ISOLATOR_OOM_SCORE_ADJ:
        decode_integer(iso, v, vp, -1000, 1000, p);
        break;
    case ORB_ISOLATOR_NO_NEW_PRIVILEGES:
        if (!json_is_boolean(v))
            mf_problem(p, "%s: must be a boolean", vp);
        iso->u.flag = json_is_true(v);
        break;
    case ORB_ISOLATOR_CAPABILITIES_RETAIN:
    case ORB_ISOLATOR_CAPABILITIES_REMOVE:
    case ORB_ISOLATOR_SECCOMP_RETAIN:
    case ORB_ISOLATOR_SECCOMP_REMOVE:
        decode_set(iso, v, vp, p);
        break;
    case ORB_ISOLATOR_SELINUX_CONTEXT:
        decode_selinux(iso, v, vp, p);
        break;
    case ORB_ISOLATOR_APPARMOR_PROFILE:
        decode_apparmor(iso, v, vp, p);
        break;
    case ORB_ISOLATOR_SYSCTL:
        decode_sysctl(iso, v, vp, p);
        break;
    default:
        if (is_resource(iso->kind))
            decode_resource(iso, v, vp, p);
        break;
    }
}

int orb_isolator_from_json(const char *name, const char *value_json, const char *path,
                           orb_isolator *ret, orb_problems *problems)
{
    _cleanup_free_ char *vp = mf_path(path, "value");
    orb_problems local = {0};
    orb_problems *p = &local;
    bool failed;
    json_t *v = NULL;
    json_error_t jerr;

    memset(ret, 0, sizeof(*ret));
    ret->name = xstrdup(name ? name : "");
    ret->kind = orb_isolator_kind_from_name(name);
    if (value_json)
        v = json_loads(value_json, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!v || json_is_null(v)) {
        mf_problem(p, "%s: %s", vp, v || !value_json ? "is required" : jerr.text);
    } else {
        ret->raw = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
        decode_value(ret, v, vp, p);
    }
    json_decref(v);
    failed = local.n > 0 || !ret->raw;
    for (size_t i = 0; i < local.n; i++)
        mf_problem(problems, "%s", local.items[i]);
    orb_problems_clear(&local);
    if (failed) {
        orb_isolator_clear(ret);
        return -1;
    }
    return 0;
}

/* Kinds that may appear at most once in an app. */
static bool is_single(orb_isolator_kind k)
{
    return k == ORB_ISOLATOR_SECCOMP_RETAIN || k == ORB_ISOLATOR_SECCOMP_REMOVE ||
           k == ORB_ISOLATOR_CPU_SHARES || k == ORB_ISOLATOR_OOM_SCORE_ADJ ||
           k == ORB_ISOLATOR_SELINUX_CONTEXT || k == ORB_ISOLATOR_APPARMOR_PROFILE ||
           k == ORB_ISOLATOR_SYSCTL;
}

void orb_isolators_check_app(const orb_isolator_list *l, const char *path, orb_problems *problems)
{
    bool seen[_ORB_ISOLATOR_KIND_MAX] = {false};

    for (size_t i = 0; i < l->n; i++) {
        const orb_isolator *iso = &l->items[i];
        orb_isolator_kind k = orb_isolator_kind_from_name(iso->name);

        if (k == ORB_ISOLATOR_UNKNOWN) {
            mf_problem(problems, "%s[%zu].name: unknown isolator \"%s\"", path, i, iso->name);
            continue;
        }
        if (is_single(k) && seen[k])
            mf_problem(problems, "%s[%zu]: duplicate isolator \"%s\"", path, i, iso->name);
        else if ((k == ORB_ISOLATOR_SECCOMP_RETAIN && seen[ORB_ISOLATOR_SECCOMP_REMOVE]) ||
                 (k == ORB_ISOLATOR_SECCOMP_REMOVE && seen[ORB_ISOLATOR_SECCOMP_RETAIN]))
            mf_problem(problems, "%s[%zu]: %s and %s cannot be combined", path, i,
                       kind_names[ORB_ISOLATOR_SECCOMP_RETAIN],
                       kind_names[ORB_ISOLATOR_SECCOMP_REMOVE]);
        seen[k] = true;
    }
}

void orb_isolator_list_copy(orb_isolator_list *dst, const orb_isolator_list *src)
{
    dst->items = NULL;
    dst->n = 0;
    for (size_t i = 0; i < src->n; i++) {
        const orb_isolator *s = &src->items[i];
        orb_isolator *d = xgrow(&dst->items, &dst->n, sizeof(orb_isolator));

        /* re-decoding the raw value gives an independent deep copy; a value
         * that no longer decodes is kept raw, as unknown isolators are */
        if (orb_isolator_from_json(s->name, s->raw, "", d, NULL) < 0) {
            d->name = xstrdup(s->name ? s->name : "");
            d->kind = s->kind;
            d->raw = s->raw ? xstrdup(s->raw) : NULL;
        }
    }
}

void orb_isolator_clear(orb_isolator *iso)
{
    if (!iso)
        return;
    switch (iso->kind) {
    case ORB_ISOLATOR_CAPABILITIES_RETAIN:
    case ORB_ISOLATOR_CAPABILITIES_REMOVE:
    case ORB_ISOLATOR_SECCOMP_RETAIN:
    case ORB_ISOLATOR_SECCOMP_REMOVE:
        strv_free(iso->u.set.set);
        free(iso->u.set.errno_name);
        break;
    case ORB_ISOLATOR_SELINUX_CONTEXT:
        free(iso->u.selinux.user);
        free(iso->u.selinux.role);
        free(iso->u.selinux.type);
        free(iso->u.selinux.level);
        break;
    case ORB_ISOLATOR_APPARMOR_PROFILE:
        free(iso->u.apparmor_profile);
        break;
    case ORB_ISOLATOR_SYSCTL:
        orb_kv_list_clear(&iso->u.sysctl);
        break;
    default:
        if (is_resource(iso->kind)) {
            orb_quantity_clear(&iso->u.resource.request);
            orb_quantity_clear(&iso->u.resource.limit);
        }
        break;
    }
    free(iso->name);
    free(iso->raw);
    memset(iso, 0, sizeof(*iso));
}

void orb_isolator_list_clear(orb_isolator_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        orb_isolator_clear(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}
