#include "util/duration.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *unit;
    double us;
} units[] = {
    {"ns", 0.001}, {"us", 1}, {"µs", 1}, {"ms", 1000}, {"s", 1e6}, {"m", 6e7}, {"h", 3.6e9},
};

/* The unit at p: its length in *ret_len and its size in microseconds. */
static double unit_at(const char *p, size_t *ret_len)
{
    double best = 0;
    *ret_len = 0;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t len = strlen(units[i].unit);
        if (len > *ret_len && strncmp(p, units[i].unit, len) == 0) {
            *ret_len = len;
            best = units[i].us;
        }
    }
    return best;
}

int orb_parse_duration(const char *s, int64_t *ret_us, orb_error **err)
{
    if (strcmp(s, "0") == 0) {
        *ret_us = 0;
        return 0;
    }
    const char *p = s;
    double total = 0;
    do {
        char *end;
        errno = 0;
        double value = strtod(p, &end);
        size_t unit_len;
        double unit = end > p ? unit_at(end, &unit_len) : 0;
        if (errno || end == p || !(value >= 0) || unit == 0)
            return orb_err(err, EINVAL,
                           "duration \"%s\": expected a number and a unit (ns, us, ms, s, m, h), "
                           "e.g. 30m or 1h30m",
                           s);
        total += value * unit;
        p = end + unit_len;
    } while (*p);
    if (total > 9.2e18)
        return orb_err(err, ERANGE, "duration \"%s\": too long", s);
    *ret_us = (int64_t)total;
    return 0;
}
