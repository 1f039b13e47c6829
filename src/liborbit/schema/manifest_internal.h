/* Internals shared by the manifest parser, validator, serialiser and patcher:
 * field-path helpers, problem recording and typed JSON accessors. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "schema/manifest.h"
#include "util/problems.h"

/* More problems than this are summarised, so hostile input stays cheap. */
#define MF_MAX_PROBLEMS 200

/* "base.key" (or "key" when base is empty). */
char *mf_path(const char *base, const char *key);
/* "base[i]" */
char *mf_index(const char *base, size_t i);

/* Records one "path: reason" line; a second problem for the same path is
 * dropped (decoding and validation may both notice one bad field). */
void mf_problem(orb_problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a checker's reason under path; a reason of the form "field: why"
 * goes under path.field. */
void mf_problem_at(orb_problems *p, const char *path, const char *why);

/* The member `key` of obj, or NULL when absent or null. */
json_t *mf_get(const json_t *obj, const char *key);
/* Typed members; `path` is the path of obj. Absent/null leaves the output
 * untouched and returns false; a wrong type records a problem. */
bool mf_get_string(const json_t *obj, const char *key, const char *path, char **out,
                   orb_problems *p);
bool mf_get_bool(const json_t *obj, const char *key, const char *path, bool *out, orb_problems *p);
bool mf_get_int(const json_t *obj, const char *key, const char *path, int64_t min, int64_t max,
                int64_t *out, orb_problems *p);
/* An array of strings; returns NULL when absent (an empty array gives {NULL}). */
char **mf_get_strv(const json_t *obj, const char *key, const char *path, orb_problems *p);
/* The member as an array / object, or NULL (absent, null, or wrong type recorded). */
json_t *mf_get_array(const json_t *obj, const char *key, const char *path, orb_problems *p);
json_t *mf_get_object(const json_t *obj, const char *key, const char *path, orb_problems *p);
/* [{"name":..,"value":..}] lists (labels, annotations, environment), kept in
 * order with duplicates so the validator can report them. */
void mf_get_kv_array(const json_t *obj, const char *key, const char *path, orb_kv_list *out,
                     orb_problems *p);
/* {"k":"v"} maps (userAnnotations, userLabels). */
void mf_get_kv_map(const json_t *obj, const char *key, const char *path, orb_kv_list *out,
                   orb_problems *p);
/* Appends without replacing (unlike orb_kv_set). */
void mf_kv_append(orb_kv_list *l, const char *name, const char *value);

/* Decoding pieces shared by both manifests (manifest_parse*.c). */
orb_app *mf_parse_app(const json_t *v, const char *path, orb_problems *p);
void mf_parse_isolators(const json_t *obj, const char *path, orb_isolator_list *out,
                        orb_problems *p);
bool mf_parse_port(const json_t *v, const char *path, orb_port *out, orb_problems *p);
bool mf_parse_volume(const json_t *v, const char *path, orb_volume *out, orb_problems *p);
/* Size limit and decoding with the jansson error turned into a problem. */
json_t *mf_load_json(const char *json, size_t len, orb_problems *p);

/* Validation pieces (manifest_validate.c). */
void mf_check_labels(const orb_kv_list *l, const char *path, orb_problems *p);
void mf_check_annotations(const orb_kv_list *l, const char *path, orb_problems *p);
void mf_check_app(const orb_app *a, const char *path, orb_problems *p);
void mf_check_port(const orb_port *port, const char *path, orb_problems *p);

/* Serialisation pieces (manifest_serialize.c). */
json_t *mf_app_to_json(const orb_app *a);
json_t *mf_isolators_to_json(const orb_isolator_list *l);

/* Freeing pieces (manifest_free.c). */
void mf_runtime_app_clear(orb_runtime_app *ra);
