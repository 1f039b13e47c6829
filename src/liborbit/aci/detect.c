#include <string.h>

#include "aci/aci.h"

/* A bare manifest: printable UTF-8 and whitespace only, starting with '{'.
 * The head may end in the middle of a multi-byte sequence. */
static bool looks_like_json_text(const unsigned char *head, size_t len)
{
    size_t i = 0;
    while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\n' || head[i] == '\r'))
        i++;
    if (i == len || head[i] != '{')
        return false;
    for (; i < len; i++) {
        unsigned char c = head[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return false;
        if (c == 0x7f)
            return false;
        if (c < 0x80)
            continue;
        size_t extra = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
        if (extra == 0 || c == 0xc0 || c == 0xc1 || c > 0xf4)
            return false;
        for (size_t k = 1; k <= extra; k++) {
            if (i + k == len)
                return true; /* cut by the head size */
            if ((head[i + k] & 0xc0) != 0x80)
                return false;
        }
        i += extra;
    }
    return true;
}

orb_file_type orb_detect_file_type(const unsigned char *head, size_t len)
{
    if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        return ORB_FILE_GZIP;
    if (len >= 3 && memcmp(head, "BZh", 3) == 0)
        return ORB_FILE_BZIP2;
    if (len >= 6 && memcmp(head, "\xfd\x37\x7a\x58\x5a\x00", 6) == 0)
        return ORB_FILE_XZ;
    if (len >= 4 && memcmp(head, "\x28\xb5\x2f\xfd", 4) == 0)
        return ORB_FILE_ZSTD;
    if (len > 262 && memcmp(head + 257, "ustar", 5) == 0)
        return ORB_FILE_TAR;
    if (looks_like_json_text(head, len))
        return ORB_FILE_TEXT;
    return ORB_FILE_UNKNOWN;
}

const char *orb_file_type_name(orb_file_type t)
{
    switch (t) {
    case ORB_FILE_TAR:
        return "tar";
    case ORB_FILE_GZIP:
        return "gzip";
    case ORB_FILE_BZIP2:
        return "bzip2";
    case ORB_FILE_XZ:
        return "xz";
    case ORB_FILE_ZSTD:
        return "zstd";
    case ORB_FILE_TEXT:
        return "text";
    case ORB_FILE_UNKNOWN:
        break;
    }
    return "unknown";
}

static const char *const compression_names[] = {
    [ORB_COMPRESSION_NONE] = "none",   [ORB_COMPRESSION_GZIP] = "gzip",
    [ORB_COMPRESSION_BZIP2] = "bzip2", [ORB_COMPRESSION_XZ] = "xz",
    [ORB_COMPRESSION_ZSTD] = "zstd",
};

int orb_compression_from_name(const char *name, orb_compression *ret)
{
    for (size_t i = 0; i < sizeof(compression_names) / sizeof(compression_names[0]); i++)
        if (strcmp(name, compression_names[i]) == 0) {
            *ret = (orb_compression)i;
            return 0;
        }
    return -1;
}

const char *orb_compression_name(orb_compression c)
{
    if ((size_t)c < sizeof(compression_names) / sizeof(compression_names[0]))
        return compression_names[c];
    return "unknown";
}
