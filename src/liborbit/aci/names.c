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

static uint32_t hash_child(uint32_t parent, const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ULL ^ parent;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return (uint32_t)(h ^ (h >> 32));
}

static size_t slot_of(const aci_tree *t, uint32_t parent, uint32_t hash, const char *name,
                      size_t len)
{
    size_t i = hash & (t->cap - 1);
    for (; t->slots[i]; i = (i + 1) & (t->cap - 1)) {
        const aci_tree_node *n = &t->nodes[t->slots[i] - 1];
        if (n->hash == hash && n->parent == parent && strncmp(n->name, name, len) == 0 &&
            n->name[len] == '\0')
            break;
    }
    return i;
}

static void grow(aci_tree *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    uint32_t *slots = xcalloc(cap, sizeof(uint32_t));
    for (size_t k = 0; k < t->cap; k++) {
        if (!t->slots[k])
            continue;
        size_t i = t->nodes[t->slots[k] - 1].hash & (cap - 1);
        while (slots[i])
            i = (i + 1) & (cap - 1);
        slots[i] = t->slots[k];
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
}

uint32_t aci_tree_child(aci_tree *t, uint32_t parent, const char *name, size_t len, bool create)
{
    if (t->n == 0) { /* node 0: the top */
        t->nodes_cap = 64;
        t->nodes = xcalloc(t->nodes_cap, sizeof(*t->nodes));
        t->nodes[0] = (aci_tree_node){.value = ACI_IMPLICIT_DIR, .name = xstrdup("")};
        t->n = 1;
    }
    if ((t->n + 1) * 2 > t->cap)
        grow(t);
    uint32_t hash = hash_child(parent, name, len);
    size_t i = slot_of(t, parent, hash, name, len);
    if (t->slots[i] || !create)
        return t->slots[i] ? t->slots[i] - 1 : 0;
    if (t->n == t->nodes_cap) {
        t->nodes_cap *= 2;
        t->nodes = xrealloc(t->nodes, t->nodes_cap * sizeof(*t->nodes));
    }
    t->nodes[t->n] = (aci_tree_node){.parent = parent, .hash = hash, .name = xstrndup(name, len)};
    t->slots[i] = (uint32_t)++t->n;
    return (uint32_t)(t->n - 1);
}

void aci_tree_clear(aci_tree *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->nodes[i].name);
    free(t->nodes);
    free(t->slots);
    *t = (aci_tree){0};
}
