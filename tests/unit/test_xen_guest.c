/* Unit tests of the Xen guest layer's pure pieces (guest/xen/): text formatting and parsing,
 * error names, xenstore error replies, and the pvclock conversion. The hypercall-facing parts
 * are tested by booting the guest under real Xen (tests/xen/, suite 50-xen). */
#include "unit.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "guest/xen/freestanding.h"
#include "guest/xen/pvclock.h"
#include "guest/xen/xg_error.h"

/* xg_snprintf without the compiler's format check, for the inputs the check would reject. */
static size_t fmt_unchecked(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = xg_fmt(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

static void test_fmt_conversions(void)
{
    char buf[128];
    size_t n = xg_snprintf(buf, sizeof buf, "%s=%d %u %x %lu %ld %c %%", "k", -42, 42u, 255u,
                           18446744073709551615ul, -9223372036854775807l - 1, 'z');
    const char *want = "k=-42 42 ff 18446744073709551615 -9223372036854775808 z %";
    CU_ASSERT_STRING_EQUAL(buf, want);
    CU_ASSERT_EQUAL(n, strlen(want));
    fmt_unchecked(buf, sizeof buf, "%d %s", -2147483647 - 1, (const char *)NULL);
    CU_ASSERT_STRING_EQUAL(buf, "-2147483648 (null)");
}

static void test_fmt_truncates_without_overrun(void)
{
    char buf[8];
    memset(buf, 'X', sizeof buf);
    CU_ASSERT_EQUAL(xg_snprintf(buf, 5, "hello world"), 4);
    CU_ASSERT_STRING_EQUAL(buf, "hell");
    CU_ASSERT_EQUAL(buf[5], 'X');
    CU_ASSERT_EQUAL(xg_snprintf(buf, 1, "abc"), 0);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(xg_snprintf(buf, 0, "abc"), 0);
    CU_ASSERT_EQUAL(buf[0], '\0'); /* untouched by the cap-0 call */
    /* A lone '%' at the end is dropped, not read past. */
    CU_ASSERT_EQUAL(fmt_unchecked(buf, sizeof buf, "a%"), 1);
    CU_ASSERT_STRING_EQUAL(buf, "a");
}

static void test_parse_u64(void)
{
    uint64_t v = 7;
    CU_ASSERT_EQUAL(xg_parse_u64("0", 10, &v), 0);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(xg_parse_u64("60000", 60000, &v), 0);
    CU_ASSERT_EQUAL(v, 60000);
    CU_ASSERT_EQUAL(xg_parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
    CU_ASSERT_EQUAL(v, UINT64_MAX);
    v = 7;
    const char *bad[] = {"60001", "", "12a", "-1", " 1", "1 ", "+1", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(xg_parse_u64(bad[i], 60000, &v), -1);
        CU_ASSERT_EQUAL(v, 7);
    }
    CU_ASSERT_EQUAL(xg_parse_u64("18446744073709551616", UINT64_MAX, &v), -1);
    CU_ASSERT_EQUAL(xg_parse_u64("99999999999999999999999", UINT64_MAX, &v), -1);
    CU_ASSERT_EQUAL(v, 7);
}

static void test_strings(void)
{
    CU_ASSERT_EQUAL(xg_strlen(""), 0);
    CU_ASSERT_EQUAL(xg_strlen("data/zerg"), 9);
    CU_ASSERT_TRUE(xg_streq("poweroff", "poweroff"));
    CU_ASSERT_FALSE(xg_streq("poweroff", "power"));
    CU_ASSERT_FALSE(xg_streq("power", "poweroff"));
    CU_ASSERT_TRUE(xg_streq("", ""));
}

static void test_xenstore_errors(void)
{
    CU_ASSERT_EQUAL(xg_error_from_xenstore("ENOENT", 7), XG_ENOENT); /* with its NUL */
    CU_ASSERT_EQUAL(xg_error_from_xenstore("EACCES", 6), XG_EACCES); /* without */
    CU_ASSERT_EQUAL(xg_error_from_xenstore("E2BIG", 6), XG_E2BIG);
    CU_ASSERT_EQUAL(xg_error_from_xenstore("EAGAIN", 7), XG_EBUSY);
    CU_ASSERT_EQUAL(xg_error_from_xenstore("ENOENTX", 8), XG_EIO);
    CU_ASSERT_EQUAL(xg_error_from_xenstore("ENOEN", 6), XG_EIO);
    CU_ASSERT_EQUAL(xg_error_from_xenstore("", 0), XG_EIO);
    CU_ASSERT_STRING_EQUAL(xg_strerror(XG_ETIMEDOUT), "ETIMEDOUT");
    CU_ASSERT_STRING_EQUAL(xg_strerror(XG_EXEN), "EXEN");
    CU_ASSERT_STRING_EQUAL(xg_strerror(-100), "E?");
}

static void test_pvclock_scale(void)
{
    /* mul is a 32.32 fraction: 2^31 is one half. */
    CU_ASSERT_EQUAL(xg_pvclock_scale(1000, 1u << 31, 0), 500);
    CU_ASSERT_EQUAL(xg_pvclock_scale(1000, 1u << 31, 1), 1000);
    CU_ASSERT_EQUAL(xg_pvclock_scale(1000, 1u << 31, -1), 250);
    /* The product needs more than 64 bits: 2^40 ticks * 2^31. */
    CU_ASSERT_EQUAL(xg_pvclock_scale(1ull << 40, 1u << 31, 0), 1ull << 39);
    /* A 3 GHz TSC: mul = 2^32 / 3; one second of ticks is one second (floor). */
    CU_ASSERT_EQUAL(xg_pvclock_scale(3000000000ull, 1431655765u, 0), 999999999ull);
    /* A 1.5 GHz TSC seen through shift 1 (ticks doubled, then times 1/3): ten seconds. */
    CU_ASSERT_EQUAL(xg_pvclock_scale(15000000000ull, 1431655765u, 1), 9999999997ull);
}

void unit_register_xen_guest(void)
{
    UNIT_SUITE("xen_guest", UNIT_TEST(test_fmt_conversions),
               UNIT_TEST(test_fmt_truncates_without_overrun), UNIT_TEST(test_parse_u64),
               UNIT_TEST(test_strings), UNIT_TEST(test_xenstore_errors),
               UNIT_TEST(test_pvclock_scale));
}
