/* File helpers: bounded reads and atomic output files. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* Reads a whole file into a NUL-terminated buffer; fails when it holds more
 * than max_size bytes, before reading them all. */
int orb_read_file(const char *path, size_t max_size, char **ret_buf, size_t *ret_len,
                  orb_error **err);
/* The same for an open descriptor; `name` is used in messages. */
int orb_read_fd(int fd, const char *name, size_t max_size, char **ret_buf, size_t *ret_len,
                orb_error **err);
int orb_write_all(int fd, const void *buf, size_t len);

/* An output file written under a temporary name in the target's directory and
 * renamed into place only by orb_output_commit(), so a failure or a kill
 * never leaves a partial file under the final name. */
typedef struct orb_output {
    int fd;
    char *path;     /* final name */
    char *tmp_path; /* temporary name, NULL once committed or discarded */
    bool overwrite;
    bool durable; /* synced to disk before and after the rename (the default); state that
                     only describes live processes may set it false */
} orb_output;

/* Fails if the directory is missing, or the target exists and !overwrite. */
int orb_output_open(orb_output *out, const char *path, bool overwrite, int mode, orb_error **err);
/* fsyncs, renames into place (refusing to replace unless overwrite), syncs the directory. */
int orb_output_commit(orb_output *out, orb_error **err);
/* Removes the temporary file if not committed; safe to call twice. */
void orb_output_discard(orb_output *out);

/* Output directories, made complete under a temporary name beside the
 * destination and then renamed into place: a user never sees half a tree. */
int orb_output_dir_open(const char *dest, bool overwrite, char **ret_tmp, orb_error **err);
/* Puts tmp in dest's place (the old dest, with overwrite, is removed after). */
int orb_output_dir_commit(const char *tmp, const char *dest, bool overwrite, orb_error **err);
