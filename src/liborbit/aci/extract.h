/* Extracting tar entries, one at a time as they stream, into a root
 * directory. Every path is resolved inside the root (util/path.h), parents
 * are never symlinks, symlink targets are never followed: nothing is written
 * outside the root, whatever the archive holds. The entries are expected to
 * have passed the archive rules (aci_validator): cleaned relative names, no
 * duplicates, hard links to earlier non-directories. */
#pragma once

#include <stdint.h>

#include "aci/aci.h"
#include "util/error.h"

struct archive_entry;

typedef struct orb_extractor orb_extractor;

/* rootfd is duplicated; image names the image in messages. */
orb_extractor *orb_extractor_new(int rootfd, const char *image);
/* Extracts entry e named `clean` (relative to the root); a regular file's
 * data is read from r. Errors read "<image>: <clean>: <what>". */
int orb_extractor_entry(orb_extractor *x, struct archive_entry *e, const char *clean,
                        orb_aci_reader *r, orb_error **err);
/* Writes a regular file from memory (the manifest, already read). */
int orb_extractor_write_file(orb_extractor *x, const char *clean, const char *data, size_t len,
                             mode_t mode, orb_error **err);
/* Applies the directories' metadata, deepest first, so that read-only
 * directories did not block the extraction. */
int orb_extractor_finish(orb_extractor *x, orb_error **err);
uint64_t orb_extractor_size(const orb_extractor *x); /* bytes of regular files written */
void orb_extractor_free(orb_extractor *x);
void orb_extractor_freep(orb_extractor **x);
