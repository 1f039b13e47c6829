#include "util/strv.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

size_t strv_length(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

void strv_push_take(char ***v, char *s)
{
    size_t n = strv_length(*v);
    *v = xrealloc(*v, (n + 2) * sizeof(char *));
    (*v)[n] = s;
    (*v)[n + 1] = NULL;
}

void strv_push(char ***v, const char *s)
{
    strv_push_take(v, xstrdup(s));
}

char **strv_copy(char *const *v)
{
    char **copy = xcalloc(strv_length(v) + 1, sizeof(char *));
    for (size_t i = 0; v && v[i]; i++)
        copy[i] = xstrdup(v[i]);
    return copy;
}

bool strv_contains(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

bool strv_equal(char *const *a, char *const *b)
{
    size_t n = strv_length(a);
    if (n != strv_length(b))
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

char **strv_split(const char *s, char sep)
{
    char **v = xcalloc(1, sizeof(char *));
    for (;;) {
        const char *end = strchr(s, sep);
        if (!end) {
            strv_push(&v, s);
            return v;
        }
        strv_push_take(&v, xstrndup(s, (size_t)(end - s)));
        s = end + 1;
    }
}

char *strv_join(char *const *v, const char *sep)
{
    size_t len = 1, seplen = strlen(sep);
    for (size_t i = 0; v && v[i]; i++)
        len += strlen(v[i]) + seplen;
    char *out = xmalloc(len), *p = out;
    for (size_t i = 0; v && v[i]; i++) {
        if (i) {
            memcpy(p, sep, seplen);
            p += seplen;
        }
        size_t l = strlen(v[i]);
        memcpy(p, v[i], l);
        p += l;
    }
    *p = '\0';
    return out;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(char **v)
{
    size_t n = strv_length(v);
    if (n > 1) /* qsort's array must not be NULL, even when empty */
        qsort(v, n, sizeof(char *), compare_strings);
}

void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void strv_freep(char ***v)
{
    strv_free(*v);
    *v = NULL;
}
