/* Resource quantities: the grammar of the reference's copy of the Kubernetes
 * Quantity, evaluated exactly on the decimal digits (no floating point) so
 * that "0.1" or "100.035k" give exact results. */
#include "schema/types.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

typedef struct parsed_quantity {
    bool negative;
    const char *num, *denom; /* digit runs inside the input */
    size_t num_len, denom_len;
    const char *suffix;
} parsed_quantity;

static size_t digit_run(const char *s)
{
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9')
        n++;
    return n;
}

/* Splits the text into sign, integer digits, fraction digits and a suffix of
 * the characters "eEinumkKMGTP" optionally followed by a signed integer. */
static bool split_quantity(const char *s, parsed_quantity *q)
{
    *q = (parsed_quantity){0};
    const char *p = s;
    if (*p == '-' || *p == '+')
        q->negative = *p++ == '-';
    while (*p == '0')
        p++;
    q->num = p;
    q->num_len = digit_run(p);
    p += q->num_len;
    if (*p == '.') {
        q->denom = ++p;
        q->denom_len = digit_run(p);
        p += q->denom_len;
    }
    q->suffix = p;
    while (*p && strchr("eEinumkKMGTP", *p))
        p++;
    if (*p == '-' || *p == '+')
        p++;
    p += digit_run(p);
    return *p == '\0';
}

/* Suffix to a power of ten or of two; false for an unknown suffix. */
static bool interpret_suffix(const char *suf, int64_t *exp10, int *exp2)
{
    static const char *const dec[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    static const char *const bin[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    *exp10 = 0;
    *exp2 = 0;
    for (size_t i = 0; i < ARRAY_SIZE(dec); i++)
        if (strcmp(suf, dec[i]) == 0) {
            *exp10 = ((int64_t)i - 3) * 3;
            return true;
        }
    for (size_t i = 0; i < ARRAY_SIZE(bin); i++)
        if (strcmp(suf, bin[i]) == 0) {
            *exp2 = (int)(i + 1) * 10;
            return true;
        }
    if ((suf[0] != 'e' && suf[0] != 'E') || !suf[1])
        return false;
    const char *d = suf + 1 + (suf[1] == '+' || suf[1] == '-');
    if (!*d || digit_run(d) != strlen(d))
        return false;
    errno = 0;
    long long e = strtoll(suf + 1, NULL, 10);
    if (errno == ERANGE)
        return false;
    /* beyond this every non-zero value saturates or rounds to 1 */
    *exp10 = e > 1000000 ? 1000000 : e < -1000000 ? -1000000 : e;
    return true;
}

/* Multiplies the decimal digit array (most significant first) by 2 in place;
 * the array has one spare leading slot per doubling. */
static void digits_double(char *d, size_t n)
{
    int carry = 0;
    for (size_t i = n; i-- > 0;) {
        int v = d[i] * 2 + carry;
        d[i] = (char)(v % 10);
        carry = v / 10;
    }
}

/* ceil(|digits| * 10^exp10) saturated at 2^63: the magnitude of a result. */
static uint64_t magnitude_at(const char *d, size_t n, int64_t exp10)
{
    size_t first = 0;
    while (first < n && d[first] == 0)
        first++;
    if (first == n)
        return 0;
    int64_t len = (int64_t)(n - first), int_len = len + exp10;
    if (int_len > 19)
        return (uint64_t)INT64_MAX + 1;
    if (int_len <= 0)
        return 1;
    unsigned __int128 v = 0;
    bool fraction = false;
    for (int64_t i = 0; i < len; i++) {
        if (i < int_len)
            v = v * 10 + (unsigned)d[first + (size_t)i];
        else if (d[first + (size_t)i])
            fraction = true;
    }
    for (int64_t i = len; i < int_len; i++)
        v *= 10;
    v += fraction;
    return v > (unsigned __int128)INT64_MAX + 1 ? (uint64_t)INT64_MAX + 1 : (uint64_t)v;
}

static int64_t apply_sign(uint64_t mag, bool negative)
{
    if (mag > (uint64_t)INT64_MAX)
        return negative ? INT64_MIN : INT64_MAX;
    return negative ? -(int64_t)mag : (int64_t)mag;
}

const char *orb_quantity_parse(const char *s, orb_quantity *ret)
{
    parsed_quantity q;
    int64_t exp10;
    int exp2;
    if (!s || !*s)
        return "cannot be empty";
    if (!split_quantity(s, &q))
        return "must be a number with an optional suffix (\"500m\", \"1.5Gi\", \"1e3\")";
    if (!interpret_suffix(q.suffix, &exp10, &exp2))
        return "has an unknown suffix";
    if (!ret)
        return NULL;
    /* 2^60 adds at most 19 digits in front */
    size_t n = 19 + q.num_len + q.denom_len;
    _cleanup_free_ char *d = xcalloc(n, 1);
    for (size_t i = 0; i < q.num_len; i++)
        d[19 + i] = (char)(q.num[i] - '0');
    for (size_t i = 0; i < q.denom_len; i++)
        d[19 + q.num_len + i] = (char)(q.denom[i] - '0');
    for (int i = 0; i < exp2; i++)
        digits_double(d, n);
    int64_t e = exp10 - (int64_t)q.denom_len;
    *ret = (orb_quantity){
        .text = xstrdup(s),
        .value = apply_sign(magnitude_at(d, n, e), q.negative),
        .milli = apply_sign(magnitude_at(d, n, e + 3), q.negative),
    };
    return NULL;
}

void orb_quantity_clear(orb_quantity *q)
{
    if (!q)
        return;
    free(q->text);
    *q = (orb_quantity){0};
}
