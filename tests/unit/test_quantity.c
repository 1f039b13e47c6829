/* Resource quantities: the Kubernetes grammar and its rounded integer and
 * milli values (appc-rules.md §1 "Resource quantity"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "schema/types.h"

static void check_q(const char *s, int64_t value, int64_t milli)
{
    orb_quantity q;
    const char *why = orb_quantity_parse(s, &q);
    if (why)
        fail_msg("\"%s\": rejected: %s", s, why);
    if (q.value != value || q.milli != milli)
        fail_msg("\"%s\": got value %lld milli %lld, want %lld %lld", s, (long long)q.value,
                 (long long)q.milli, (long long)value, (long long)milli);
    assert_string_equal(q.text, s);
    orb_quantity_clear(&q);
}

static void test_accept_with_signs(void **state)
{
    (void)state;
    static const char *const ok[] = {"0",
                                     "0n",
                                     "0m",
                                     "0Ki",
                                     "0T",
                                     "1",
                                     "9",
                                     "1Ki",
                                     "7Mi",
                                     "6Gi",
                                     "5Ti",
                                     "4Pi",
                                     "3Ei",
                                     "5n",
                                     "4u",
                                     "3m",
                                     "8k",
                                     "50k",
                                     "7M",
                                     "6G",
                                     "300T",
                                     "2P",
                                     "1E",
                                     "12E",
                                     "1E-3",
                                     "1e3",
                                     "1E18",
                                     "0.5e-2",
                                     "1.2e3",
                                     "1.3E+6",
                                     "1.53E12",
                                     "100.035k",
                                     "0.001",
                                     "0.0005k",
                                     "0.50000",
                                     "10.035M",
                                     "6.987654321G",
                                     "1.01E",
                                     "100.035Ki",
                                     "0.5Mi",
                                     "0.025Ti",
                                     ".001",
                                     ".0001k",
                                     "1.",
                                     "1.G",
                                     "3.001n",
                                     "1.1E-9",
                                     "0.0000000001",
                                     "0.9n",
                                     "0.00000012345",
                                     "0.000000000001Ki",
                                     "9Ei",
                                     "9223372036854775807Ki",
                                     ".",
                                     "+",
                                     "-"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char buf[64];
        const char *forms[] = {ok[i], buf, buf};
        for (int sign = 0; sign < 3; sign++) {
            if (sign)
                snprintf(buf, sizeof buf, "%c%s", sign == 1 ? '-' : '+', ok[i]);
            if (sign && (ok[i][0] == '+' || ok[i][0] == '-'))
                continue;
            if (orb_quantity_parse(forms[sign], NULL))
                fail_msg("\"%s\" rejected", forms[sign]);
        }
    }
}

static void test_reject(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",   "1.1.M",  "1+1.0M",  "0.1mi", "0.1am", "aoeu",         ".5i",
        "1i", "-3.01i", "-3.01e-", " 1",    "1 ",    "such garbage", "1e",
        "1K", "1ki",    "1KI",     "1EE",   "1e3e",  "--1",          "1Mi3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orb_quantity q = {.text = NULL};
        if (!orb_quantity_parse(bad[i], &q))
            fail_msg("\"%s\" accepted", bad[i]);
        assert_null(q.text);
    }
    assert_non_null(orb_quantity_parse(NULL, NULL));
}

static void test_decimal_suffixes(void **state)
{
    (void)state;
    check_q("0", 0, 0);
    check_q("1", 1, 1000);
    check_q("8k", 8000, 8000000);
    check_q("7M", 7000000, 7000000000);
    check_q("6G", 6000000000, 6000000000000);
    check_q("300T", 300000000000000, 300000000000000000);
    check_q("2P", 2000000000000000, 2000000000000000000);
    check_q("1E", 1000000000000000000, INT64_MAX);
    check_q("3m", 1, 3);
    check_q("4u", 1, 1);
    check_q("5n", 1, 1);
    check_q("1G", 1000000000, 1000000000000);
}

static void test_binary_suffixes(void **state)
{
    (void)state;
    check_q("1Ki", 1024, 1024000);
    check_q("7Mi", 7 * 1048576LL, 7 * 1048576000LL);
    check_q("6Gi", 6LL << 30, (6LL << 30) * 1000);
    check_q("2Gi", 2147483648, 2147483648000);
    check_q("5Ti", 5LL << 40, (5LL << 40) * 1000);
    check_q("3Ei", 3LL << 60, INT64_MAX);
    check_q("0.5Mi", 524288, 524288000);
    check_q("100.035Ki", 102436, 102435840);
    check_q("0.025Ti", 27487790695, 27487790694400);
}

static void test_fractions_exact(void **state)
{
    (void)state;
    check_q("100.035k", 100035, 100035000);
    check_q("0.1", 1, 100);
    check_q("0.001", 1, 1);
    check_q("0.0005k", 1, 500);
    check_q("0.50000", 1, 500);
    check_q("10.035M", 10035000, 10035000000);
    check_q("6.987654321G", 6987654321, 6987654321000);
    check_q("1.01E", 1010000000000000000, INT64_MAX);
    check_q(".001", 1, 1);
    check_q(".0001k", 1, 100);
    check_q("1.", 1, 1000);
    check_q("1.G", 1000000000, 1000000000000);
    check_q("30m", 1, 30);
    check_q("1.5", 2, 1500);
}

static void test_exponents(void **state)
{
    (void)state;
    check_q("1E-3", 1, 1);
    check_q("1e3", 1000, 1000000);
    check_q("1E18", 1000000000000000000, INT64_MAX);
    check_q("0.5e-2", 1, 5);
    check_q("1.2e3", 1200, 1200000);
    check_q("1.3E+6", 1300000, 1300000000);
    check_q("1.53E12", 1530000000000, 1530000000000000);
    check_q("1e-1000000000", 1, 1);
    check_q("0e1000000000", 0, 0);
    check_q("1e1000000000", INT64_MAX, INT64_MAX);
}

/* Values below the precision round up, never down to zero. */
static void test_round_up(void **state)
{
    (void)state;
    check_q("3.001n", 1, 1);
    check_q("1.1E-9", 1, 1);
    check_q("0.0000000001", 1, 1);
    check_q("0.9n", 1, 1);
    check_q("0.00000012345", 1, 1);
    check_q("0.000000000001Ki", 1, 1);
    check_q("1.0001", 2, 1001);
    check_q("1.0000000000000000000000000000000000000000001", 2, 1001);
}

static void test_saturation(void **state)
{
    (void)state;
    check_q("9Ei", INT64_MAX, INT64_MAX);
    check_q("9223372036854775807Ki", INT64_MAX, INT64_MAX);
    check_q("9223372036854775807", INT64_MAX, INT64_MAX);
    check_q("9223372036854775808", INT64_MAX, INT64_MAX);
    check_q("-9Ei", INT64_MIN, INT64_MIN);
    check_q("12E", INT64_MAX, INT64_MAX);
    check_q("99999999999999999999999999999999999999999999", INT64_MAX, INT64_MAX);
}

/* Negative values round away from zero, as the reference's RoundUp does. */
static void test_negative_and_signs(void **state)
{
    (void)state;
    check_q("-1", -1, -1000);
    check_q("-3m", -1, -3);
    check_q("-1.5", -2, -1500);
    check_q("+1Ki", 1024, 1024000);
    check_q("-0", 0, 0);
    check_q(".", 0, 0);
    check_q("+", 0, 0);
    check_q("-", 0, 0);
    check_q("000", 0, 0);
    check_q("007", 7, 7000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_with_signs),  cmocka_unit_test(test_reject),
        cmocka_unit_test(test_decimal_suffixes),   cmocka_unit_test(test_binary_suffixes),
        cmocka_unit_test(test_fractions_exact),    cmocka_unit_test(test_exponents),
        cmocka_unit_test(test_round_up),           cmocka_unit_test(test_saturation),
        cmocka_unit_test(test_negative_and_signs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
