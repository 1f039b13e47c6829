/* Pure HTTP header parsing used by the transport, exposed for unit tests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Cache-Control value -> max-age seconds; 0 for no-cache/no-store; -1 when
 * the header says nothing about freshness. Directives are comma-separated
 * and case-insensitive. */
int64_t orb_http_max_age(const char *cache_control);
/* If line[0..len) is the header `name` (case-insensitive), returns its value
 * with surrounding blanks and the CRLF trimmed (allocated); NULL otherwise. */
char *orb_http_header_value(const char *line, size_t len, const char *name);
/* Parses "HTTP/1.1 404 Not Found\r\n": status and reason (allocated, may be
 * empty). Returns false when the line is not a status line. */
bool orb_http_status_line(const char *line, size_t len, int *status, char **reason);
/* Parses a 206 Content-Range "bytes A-B/C" (C may be "*": total -1). */
bool orb_http_content_range(const char *value, uint64_t *start, uint64_t *end, int64_t *total);
/* Parses a Content-Length value; -1 when malformed. */
int64_t orb_http_content_length(const char *value);
/* The standard reason phrase for a status (HTTP/2 responses carry none). */
const char *orb_http_reason(int status);

/* Splits "host", "host:port" or "[v6]:port" (s[0..len)): the host in lower
 * case (allocated) and the port, 0 when absent. -1 when malformed. */
int orb_host_port_split(const char *s, size_t len, char **ret_host, int *ret_port);
/* The scheme (https or not), host and explicit port (0 when none) of an
 * http(s) URL; -1 for other URLs or a malformed authority. */
int orb_url_authority(const char *url, bool *ret_https, char **ret_host, int *ret_port);
