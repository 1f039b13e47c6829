/* Small JSON helpers over jansson. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* Re-indents a JSON document (4 spaces) keeping its keys and their order;
 * duplicate keys are refused. `name` is used in messages. */
int orb_json_pretty(const char *json, size_t len, const char *name, char **ret, orb_error **err);

/* The string value of a top-level key, or NULL when the text is not a JSON
 * object or the key is absent or not a string (used to pick a parser). */
char *orb_json_peek_string(const char *json, size_t len, const char *key);
