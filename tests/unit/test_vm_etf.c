/* Unit tests of the external term format codec: OTP's bytes, round trips, malformed input. */
#include <string.h>

#include "unit.h"
#include "vm/atom.h"
#include "vm/compare.h"
#include "vm/etf.h"
#include "vm/heap.h"
#include "vm/interp.h"
#include "vm/map.h"
#include "vm/module.h"

static void setup(void)
{
    atom_table_init();
    interp_init();
}

/* term_to_binary({a, 1}) on OTP 25. */
static const uint8_t tuple_a_1[] = {131, 104, 2, 100, 0, 1, 97, 97, 1};

static void test_decodes_otp_bytes(void)
{
    setup();
    struct lit_area a;
    lit_area_init(&a);
    size_t used;
    term_t t = etf_decode(&a.builder, tuple_a_1, sizeof tuple_a_1, &used, NULL);
    CU_ASSERT_FATAL(t != THE_NON_VALUE);
    CU_ASSERT_EQUAL(used, sizeof tuple_a_1);
    CU_ASSERT_TRUE(is_tuple(t) && tuple_arity(t) == 2);
    CU_ASSERT_EQUAL(tuple_elems(t)[0], atom_intern("a", 1));
    CU_ASSERT_EQUAL(tuple_elems(t)[1], make_small(1));
    lit_area_dispose(&a);
}

static void test_encodes_as_otp(void)
{
    setup();
    struct lit_area a;
    lit_area_init(&a);
    term_t *el;
    term_t t = build_tuple(&a.builder, 2, &el);
    el[0] = atom_intern("a", 1);
    el[1] = make_small(1);
    struct textbuf out;
    textbuf_init(&out);
    CU_ASSERT_EQUAL(etf_encode(t, &out), 0);
    CU_ASSERT_EQUAL(out.len, sizeof tuple_a_1);
    CU_ASSERT_EQUAL(memcmp(out.data, tuple_a_1, sizeof tuple_a_1), 0);
    textbuf_dispose(&out);
    lit_area_dispose(&a);
}

static term_t sample_term(struct builder *b)
{
    uint64_t big[3] = {1, 2, 3};
    term_t k[2] = {atom_intern("k", 1), make_small(7)};
    term_t v[2] = {build_float(b, 2.5), build_string(b, "str", 3)};
    term_t *el;
    term_t t = build_tuple(b, 7, &el);
    el[0] = build_bignum(b, big, 3, true);
    el[1] = build_cons(b, make_small(-5), build_cons(b, make_small(1 << 30), NIL));
    el[2] = build_binary(b, (const uint8_t *)"0123456789", 10, NULL);
    el[3] = map_from_pairs(b, k, v, 2);
    el[4] = atom_intern("h\xc3\xa9llo", 6); /* needs UTF-8 */
    el[5] = build_int64(b, INT64_MIN + 1);
    uint8_t big_bytes[200];
    for (int i = 0; i < 200; i++)
        big_bytes[i] = (uint8_t)i;
    el[6] = build_binary(b, big_bytes, 200, NULL); /* refc */
    return t;
}

static void test_round_trip(void)
{
    setup();
    struct lit_area a;
    lit_area_init(&a);
    term_t t = sample_term(&a.builder);
    struct textbuf out;
    textbuf_init(&out);
    CU_ASSERT_EQUAL_FATAL(etf_encode(t, &out), 0);
    size_t used;
    term_t back = etf_decode(&a.builder, (const uint8_t *)out.data, out.len, &used, NULL);
    CU_ASSERT_FATAL(back != THE_NON_VALUE);
    CU_ASSERT_EQUAL(used, out.len);
    CU_ASSERT_TRUE(term_eq_exact(t, back));
    textbuf_dispose(&out);
    lit_area_dispose(&a);
}

/* Every prefix of a valid encoding is rejected with a reason, never a crash. */
static void test_truncations_rejected(void)
{
    setup();
    struct lit_area a;
    lit_area_init(&a);
    struct textbuf out;
    textbuf_init(&out);
    CU_ASSERT_EQUAL_FATAL(etf_encode(sample_term(&a.builder), &out), 0);
    size_t rejected = 0;
    for (size_t n = 0; n < out.len; n++) {
        struct textbuf why;
        textbuf_init(&why);
        term_t t = etf_decode(&a.builder, (const uint8_t *)out.data, n, NULL, &why);
        if (t == THE_NON_VALUE && why.len > 0)
            rejected++;
        textbuf_dispose(&why);
    }
    CU_ASSERT_EQUAL(rejected, out.len);
    textbuf_dispose(&out);
    lit_area_dispose(&a);
}

static void test_bad_input(void)
{
    setup();
    struct lit_area a;
    lit_area_init(&a);
    const uint8_t bad_version[] = {130, 97, 1};
    const uint8_t bad_tag[] = {131, 255};
    const uint8_t huge_tuple[] = {131, 105, 255, 255, 255, 255};
    const uint8_t bad_compressed[] = {131, 80, 0, 0, 0, 10, 1, 2, 3};
    const uint8_t nan_float[] = {131, 70, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0};
    const uint8_t bad_utf8_atom[] = {131, 119, 2, 0xff, 0xfe};
    const struct {
        const uint8_t *b;
        size_t n;
    } cases[] = {{bad_version, sizeof bad_version}, {bad_tag, sizeof bad_tag},
                 {huge_tuple, sizeof huge_tuple},   {bad_compressed, sizeof bad_compressed},
                 {nan_float, sizeof nan_float},     {bad_utf8_atom, sizeof bad_utf8_atom}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct textbuf why;
        textbuf_init(&why);
        CU_ASSERT_EQUAL(etf_decode(&a.builder, cases[i].b, cases[i].n, NULL, &why), THE_NON_VALUE);
        CU_ASSERT_TRUE(why.len > 0);
        textbuf_dispose(&why);
    }
    lit_area_dispose(&a);
}

void unit_register_vm_etf(void)
{
    UNIT_SUITE("vm_etf", UNIT_TEST(test_decodes_otp_bytes), UNIT_TEST(test_encodes_as_otp),
               UNIT_TEST(test_round_trip), UNIT_TEST(test_truncations_rejected),
               UNIT_TEST(test_bad_input));
}
