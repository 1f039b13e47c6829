/* Base64 (RFC 4648 section 4: the standard alphabet, with '=' padding), as
 * HTTP Basic authentication wants it. */
#pragma once

#include <stddef.h>

/* The encoded length of n bytes, without the terminating NUL. */
#define ORB_BASE64_LEN(n) (4 * (((n) + 2) / 3))

/* Encodes n bytes into out, which holds ORB_BASE64_LEN(n) + 1 bytes; returns
 * out (NUL-terminated). */
char *orb_base64_encode(const void *data, size_t n, char *out);
