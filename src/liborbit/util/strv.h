/* NULL-terminated string vectors (exec arrays, whitelists, argument lists). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

size_t strv_length(char *const *v);
/* Appends a copy of s; *v may be NULL. */
void strv_push(char ***v, const char *s);
/* Appends s itself, taking ownership. */
void strv_push_take(char ***v, char *s);
char **strv_copy(char *const *v);
bool strv_contains(char *const *v, const char *s);
bool strv_equal(char *const *a, char *const *b);
/* Splits s at every occurrence of sep, keeping empty fields. */
char **strv_split(const char *s, char sep);
char *strv_join(char *const *v, const char *sep);
void strv_sort(char **v);
void strv_free(char **v);
void strv_freep(char ***v);
