/* Ordered name/value lists (labels, annotations, environment). Linear search
 * is fine: these lists hold a handful of entries. */
#include "schema/types.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static orb_kv *kv_find(const orb_kv_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}

void orb_kv_set(orb_kv_list *l, const char *name, const char *value)
{
    orb_kv *kv = kv_find(l, name);
    if (kv) {
        char *v = xstrdup(value ? value : "");
        free(kv->value);
        kv->value = v;
        return;
    }
    kv = xgrow(&l->items, &l->n, sizeof(orb_kv));
    kv->name = xstrdup(name);
    kv->value = xstrdup(value ? value : "");
}

const char *orb_kv_get(const orb_kv_list *l, const char *name)
{
    const orb_kv *kv = kv_find(l, name);
    return kv ? kv->value : NULL;
}

bool orb_kv_remove(orb_kv_list *l, const char *name)
{
    orb_kv *kv = kv_find(l, name);
    if (!kv)
        return false;
    size_t i = (size_t)(kv - l->items);
    free(kv->name);
    free(kv->value);
    memmove(&l->items[i], &l->items[i + 1], (l->n - i - 1) * sizeof(orb_kv));
    l->n--;
    return true;
}

void orb_kv_list_copy(orb_kv_list *dst, const orb_kv_list *src)
{
    *dst = (orb_kv_list){0};
    if (!src || src->n == 0)
        return;
    dst->items = xcalloc(src->n, sizeof(orb_kv));
    for (size_t i = 0; i < src->n; i++) {
        dst->items[i].name = xstrdup(src->items[i].name);
        dst->items[i].value = xstrdup(src->items[i].value);
    }
    dst->n = src->n;
}

void orb_kv_list_clear(orb_kv_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].value);
    }
    free(l->items);
    *l = (orb_kv_list){0};
}
