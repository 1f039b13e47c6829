/* Pods as rkt's api/v1 JSON describes them (the field names cluster
 * schedulers parse), and small helpers shared by the pod commands. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cli.h"
#include "pod/pod.h"

/* {"name": UUID, "state": ..., "networks": [], "app_names": [...], "apps": [...],
 *  "created_at": ns, "started_at": ns, "user_annotations": {}, "user_labels": {},
 *  "pid": N} */
json_t *cli_pod_json(const orb_pod *p, const orb_pod_status *s);

/* The UUID argument of a pod command: argv[first], or the contents of
 * --uuid-file; opens the pod. Reports and returns an exit code on failure. */
int cli_open_pod_arg(const cli_command *cmd, int argc, char **argv, int first,
                     const char *uuid_file, orb_pod **ret);

/* "2026-11-29 16:30:01" for a time in microseconds ("" for 0). */
char *cli_format_time(int64_t us);
