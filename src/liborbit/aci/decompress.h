/* An ACI's uncompressed tar stream, written out (`image export --uncompressed`). */
#pragma once

#include "aci/aci.h"

/* Writes the decompressed stream of the image at path to out_fd, hashing it
 * on the way: ret_id gets the image ID of what was written. */
int orb_aci_decompress(const char *path, int out_fd, char ret_id[ORB_IMAGE_ID_LEN + 1],
                       orb_error **err);
