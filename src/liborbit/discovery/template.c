/* Rendering of ac-discovery templates: plain text substitution in the order
 * the reference uses ({name}, then the labels, then {ext}), so a label named
 * "name" never applies and one named "ext" pre-empts {ext}. */
#include <string.h>

#include "discovery/discovery.h"
#include "util/mem.h"

/* Replaces every occurrence of `from` in *s by `to` (non-overlapping, left to right). */
static void replace_all(char **s, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to), count = 0;
    char *out, *o;
    const char *p, *hit;

    if (nf == 0)
        return;
    for (p = *s; (hit = strstr(p, from)); p = hit + nf)
        count++;
    if (count == 0)
        return;
    out = o = xmalloc(strlen(*s) - count * nf + count * nt + 1);
    for (p = *s; (hit = strstr(p, from)); p = hit + nf) {
        memcpy(o, p, (size_t)(hit - p));
        o += hit - p;
        memcpy(o, to, nt);
        o += nt;
    }
    strcpy(o, p);
    free(*s);
    *s = out;
}

/* True when a "{...}" is left: a '{' with a '}' after it on the same line
 * (the reference's `{.*?}`, whose '.' does not match a newline). */
static bool has_placeholder(const char *s)
{
    for (const char *open = strchr(s, '{'); open; open = strchr(open + 1, '{')) {
        size_t line = strcspn(open, "\n");
        const char *close = memchr(open, '}', line);
        if (close)
            return true;
    }
    return false;
}

char *orb_discovery_render(const char *tmpl, const char *name, const orb_kv_list *labels,
                           const char *ext)
{
    char *s = xstrdup(tmpl);

    replace_all(&s, "{name}", name);
    for (size_t i = 0; labels && i < labels->n; i++) {
        _cleanup_free_ char *key = xasprintf("{%s}", labels->items[i].name);
        replace_all(&s, key, labels->items[i].value ? labels->items[i].value : "");
    }
    replace_all(&s, "{ext}", ext);
    if (has_placeholder(s)) {
        free(s);
        return NULL;
    }
    return s;
}
