/* Durations as Go (and so rkt) writes them: "30m", "1h30m", "1.5h", "500ms". */
#pragma once

#include <stdint.h>

#include "util/error.h"

/* Parses into microseconds; a bare "0" is allowed, other numbers need a unit
 * (ns, us, ms, s, m, h). */
int orb_parse_duration(const char *s, int64_t *ret_us, orb_error **err);
