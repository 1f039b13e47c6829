/* Pod UUIDs: dashes are ignored wherever they are, as the reference does. */
#include "schema/types.h"

#include <ctype.h>
#include <string.h>

const char *orb_uuid_parse(const char *s, char out[37])
{
    if (!s || !*s)
        return "cannot be empty";
    char hex[33];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '-')
            continue;
        if (!isxdigit((unsigned char)*p))
            return "must contain only hexadecimal digits and '-'";
        if (n == 32)
            return "must have exactly 32 hexadecimal digits";
        hex[n++] = (char)tolower((unsigned char)*p);
    }
    if (n != 32)
        return "must have exactly 32 hexadecimal digits";
    if (out) {
        static const int groups[] = {8, 4, 4, 4, 12};
        size_t in = 0, o = 0;
        for (size_t g = 0; g < 5; g++) {
            if (g)
                out[o++] = '-';
            memcpy(out + o, hex + in, (size_t)groups[g]);
            in += (size_t)groups[g];
            o += (size_t)groups[g];
        }
        out[o] = '\0';
    }
    return NULL;
}
