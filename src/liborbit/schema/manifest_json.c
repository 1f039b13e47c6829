/* Field paths, problem recording and typed accessors for manifest JSON. */
#include <stdarg.h>
#include <string.h>

#include "schema/manifest_internal.h"
#include "util/mem.h"

char *mf_path(const char *base, const char *key)
{
    if (!base || !*base)
        return xstrdup(key);
    return xasprintf("%s.%s", base, key);
}

char *mf_index(const char *base, size_t i)
{
    return xasprintf("%s[%zu]", base ? base : "", i);
}

static size_t path_len(const char *line)
{
    const char *colon = strstr(line, ": ");
    return colon ? (size_t)(colon - line) : strlen(line);
}

/* True when a problem was already recorded for this path or for one of its
 * parents ("app.ports[1]" covers "app.ports[1].count"). */
static bool covered(const orb_problems *p, const char *line)
{
    size_t n = path_len(line);

    for (size_t i = 0; i < p->n; i++) {
        size_t m = path_len(p->items[i]);

        if (m <= n && strncmp(p->items[i], line, m) == 0 &&
            (m == n || line[m] == '.' || line[m] == '['))
            return true;
    }
    return false;
}

void mf_problem(orb_problems *p, const char *fmt, ...)
{
    _cleanup_free_ char *line = NULL;
    va_list ap;

    if (!p || p->n > MF_MAX_PROBLEMS)
        return;
    va_start(ap, fmt);
    line = xvasprintf(fmt, ap);
    va_end(ap);
    if (covered(p, line))
        return;
    if (p->n == MF_MAX_PROBLEMS)
        orb_problem_add(p, "too many problems; the rest are not shown");
    else
        orb_problem_add(p, "%s", line);
}

void mf_problem_at(orb_problems *p, const char *path, const char *why)
{
    const char *colon = strstr(why, ": ");
    size_t n = colon ? (size_t)(colon - why) : 0;

    /* only a leading identifier counts as a field name */
    if (colon && n > 0 && strspn(why, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == n)
        mf_problem(p, "%s.%s", path, why);
    else
        mf_problem(p, "%s: %s", path, why);
}

json_t *mf_get(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_null(v) ? NULL : v;
}

bool mf_get_string(const json_t *obj, const char *key, const char *path, char **out,
                   orb_problems *p)
{
    json_t *v = mf_get(obj, key);
    _cleanup_free_ char *fp = NULL;

    if (!v)
        return false;
    if (!json_is_string(v)) {
        fp = mf_path(path, key);
        mf_problem(p, "%s: must be a string", fp);
        return false;
    }
    free(*out);
    *out = xstrdup(json_string_value(v));
    return true;
}

bool mf_get_bool(const json_t *obj, const char *key, const char *path, bool *out, orb_problems *p)
{
    json_t *v = mf_get(obj, key);
    _cleanup_free_ char *fp = NULL;

    if (!v)
        return false;
    if (!json_is_boolean(v)) {
        fp = mf_path(path, key);
        mf_problem(p, "%s: must be a boolean", fp);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

bool mf_get_int(const json_t *obj, const char *key, const char *path, int64_t min, int64_t max,
                int64_t *out, orb_problems *p)
{
    json_t *v = mf_get(obj, key);
    _cleanup_free_ char *fp = NULL;
    int64_t n;

    if (!v)
        return false;
    fp = mf_path(path, key);
    if (!json_is_integer(v)) {
        mf_problem(p, "%s: must be an integer", fp);
        return false;
    }
    n = json_integer_value(v);
    if (n < min || n > max) {
        mf_problem(p, "%s: must be between %lld and %lld", fp, (long long)min, (long long)max);
        return false;
    }
    *out = n;
    return true;
}

json_t *mf_get_array(const json_t *obj, const char *key, const char *path, orb_problems *p)
{
    json_t *v = mf_get(obj, key);
    _cleanup_free_ char *fp = NULL;

    if (v && !json_is_array(v)) {
        fp = mf_path(path, key);
        mf_problem(p, "%s: must be an array", fp);
        return NULL;
    }
    return v;
}

json_t *mf_get_object(const json_t *obj, const char *key, const char *path, orb_problems *p)
{
    json_t *v = mf_get(obj, key);
    _cleanup_free_ char *fp = NULL;

    if (v && !json_is_object(v)) {
        fp = mf_path(path, key);
        mf_problem(p, "%s: must be an object", fp);
        return NULL;
    }
    return v;
}

char **mf_get_strv(const json_t *obj, const char *key, const char *path, orb_problems *p)
{
    json_t *a = mf_get_array(obj, key, path, p);
    _cleanup_free_ char *fp = NULL;
    char **v;
    json_t *e;
    size_t i;

    if (!a)
        return NULL;
    fp = mf_path(path, key);
    v = xcalloc(json_array_size(a) + 1, sizeof(char *));
    size_t n = 0;
    json_array_foreach(a, i, e)
    {
        if (!json_is_string(e)) {
            mf_problem(p, "%s[%zu]: must be a string", fp, i);
            continue;
        }
        v[n++] = xstrdup(json_string_value(e));
    }
    return v;
}

void mf_kv_append(orb_kv_list *l, const char *name, const char *value)
{
    orb_kv *kv = xgrow(&l->items, &l->n, sizeof(orb_kv));
    kv->name = xstrdup(name);
    kv->value = xstrdup(value);
}

void mf_get_kv_array(const json_t *obj, const char *key, const char *path, orb_kv_list *out,
                     orb_problems *p)
{
    json_t *a = mf_get_array(obj, key, path, p);
    _cleanup_free_ char *fp = NULL;
    json_t *e;
    size_t i;

    if (!a)
        return;
    fp = mf_path(path, key);
    json_array_foreach(a, i, e)
    {
        _cleanup_free_ char *ep = mf_index(fp, i);
        _cleanup_free_ char *name = NULL, *value = NULL;

        if (!json_is_object(e))
            /* a placeholder keeps the later entries' indexes right */
            mf_problem(p, "%s: must be an object", ep);
        mf_get_string(e, "name", ep, &name, p);
        mf_get_string(e, "value", ep, &value, p);
        /* a missing name is kept empty so the validator names the entry */
        mf_kv_append(out, name ? name : "", value ? value : "");
    }
}

void mf_get_kv_map(const json_t *obj, const char *key, const char *path, orb_kv_list *out,
                   orb_problems *p)
{
    json_t *m = mf_get_object(obj, key, path, p);
    _cleanup_free_ char *fp = NULL;
    const char *k;
    json_t *v;

    if (!m)
        return;
    fp = mf_path(path, key);
    json_object_foreach(m, k, v)
    {
        if (!json_is_string(v)) {
            mf_problem(p, "%s.%s: must be a string", fp, k);
            continue;
        }
        mf_kv_append(out, k, json_string_value(v));
    }
}

json_t *mf_load_json(const char *json, size_t len, orb_problems *p)
{
    json_error_t jerr;
    json_t *root;

    if (len > ORB_MANIFEST_MAX_SIZE) {
        mf_problem(p, "manifest is too large: %zu bytes (at most %d)", len, ORB_MANIFEST_MAX_SIZE);
        return NULL;
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        mf_problem(p, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        mf_problem(p, "manifest: must be a JSON object");
        json_decref(root);
        return NULL;
    }
    return root;
}
