#include "util/base64.h"

char *orb_base64_encode(const void *data, size_t n, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *in = data;
    char *o = out;
    for (size_t i = 0; i < n; i += 3) {
        /* up to three bytes as one 24-bit group, missing ones as zero bits */
        unsigned long group = (unsigned long)in[i] << 16;
        if (i + 1 < n)
            group |= (unsigned long)in[i + 1] << 8;
        if (i + 2 < n)
            group |= in[i + 2];
        *o++ = alphabet[(group >> 18) & 0x3f];
        *o++ = alphabet[(group >> 12) & 0x3f];
        *o++ = i + 1 < n ? alphabet[(group >> 6) & 0x3f] : '=';
        *o++ = i + 2 < n ? alphabet[group & 0x3f] : '=';
    }
    *o = '\0';
    return out;
}
