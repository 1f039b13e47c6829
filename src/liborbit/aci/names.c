#include <stdlib.h>
#include <string.h>

#include "aci/aci_internal.h"
#include "util/mem.h"

char *aci_clean_name(const char *name, bool *ret_escapes)
{
    size_t len = strlen(name);
    char *out = xmalloc(len + 1);
    size_t o = 0;
    bool escapes = name[0] == '/';
    for (const char *p = name; *p;) {
        const char *end = strchrnul(p, '/');
        size_t n = (size_t)(end - p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            escapes = true;
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (o > 0)
                out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p = *end ? end + 1 : end;
    }
    out[o] = '\0';
    *ret_escapes = escapes;
    return out;
}

static uint64_t hash_name(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static size_t slot_of(const aci_nameset *s, const char *name, size_t len)
{
    size_t i = (size_t)hash_name(name, len) & (s->cap - 1);
    while (s->names[i] && !(strncmp(s->names[i], name, len) == 0 && s->names[i][len] == '\0'))
        i = (i + 1) & (s->cap - 1);
    return i;
}

static void grow(aci_nameset *s)
{
    aci_nameset bigger = {.cap = s->cap ? s->cap * 2 : 64};
    bigger.names = xcalloc(bigger.cap, sizeof(char *));
    bigger.values = xcalloc(bigger.cap, sizeof(unsigned));
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->names[i])
            continue;
        size_t j = slot_of(&bigger, s->names[i], strlen(s->names[i]));
        bigger.names[j] = s->names[i];
        bigger.values[j] = s->values[i];
    }
    bigger.n = s->n;
    free(s->names);
    free(s->values);
    *s = bigger;
}

bool aci_nameset_add(aci_nameset *s, const char *name, unsigned value)
{
    if ((s->n + 1) * 2 > s->cap)
        grow(s);
    size_t i = slot_of(s, name, strlen(name));
    if (s->names[i])
        return false;
    s->names[i] = xstrdup(name);
    s->values[i] = value;
    s->n++;
    return true;
}

unsigned aci_nameset_get(const aci_nameset *s, const char *name, size_t len)
{
    if (s->cap == 0)
        return 0;
    size_t i = slot_of(s, name, len);
    return s->names[i] ? s->values[i] : 0;
}

void aci_nameset_clear(aci_nameset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->names[i]);
    free(s->names);
    free(s->values);
    *s = (aci_nameset){0};
}
