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

#define LOCAL_NODE 100, 0, 13, 'n', 'o', 'n', 'o', 'd', 'e', '@', 'n', 'o', 'h', 'o', 's', 't'

/* Local pids, ports and references come back as themselves, in OTP 25's tags. */
static void test_identifiers_round_trip(void)
{
    setup();
    struct lit_area a;
    lit_area_init(&a);
    term_t *ref = build_alloc(&a.builder, 2);
    ref[0] = make_header(1, SUB_REF);
    ref[1] = UINT64_C(0x123456789abcd); /* spans all three reference words */
    const term_t terms[] = {make_pid(42), make_port(7), make_port(UINT64_C(1) << 40),
                            make_boxed(ref)};
    const uint8_t tags[] = {88, 89, 120, 90};
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        struct textbuf out;
        textbuf_init(&out);
        CU_ASSERT_EQUAL_FATAL(etf_encode(terms[i], &out), 0);
        CU_ASSERT_EQUAL((uint8_t)out.data[1], tags[i]);
        term_t back = etf_decode(&a.builder, (const uint8_t *)out.data, out.len, NULL, NULL);
        CU_ASSERT_TRUE(back != THE_NON_VALUE && term_eq_exact(terms[i], back));
        textbuf_dispose(&out);
    }
    lit_area_dispose(&a);
}

/* Identifiers zvm cannot represent, and malformed funs, are rejected with a reason. */
static void test_bad_identifiers(void)
{
    setup();
    struct lit_area a;
    lit_area_init(&a);
    const uint8_t other_node_pid[] = {131, 88, 100, 0, 1, 'x', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t other_creation_pid[] = {131, 88, LOCAL_NODE, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9};
    const uint8_t pid_node_not_atom[] = {131, 88, 97, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t pid_serial[] = {131, 88, LOCAL_NODE, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0};
    const uint8_t port_other_node[] = {131, 89, 100, 0, 1, 'x', 0, 0, 0, 1, 0, 0, 0, 0};
    const uint8_t ref_len0[] = {131, 90, 0, 0, LOCAL_NODE, 0, 0, 0, 0};
    const uint8_t ref_len6[] = {131, 90, 0, 6, LOCAL_NODE, 0, 0, 0, 0};
    const uint8_t ref_pid_words[] = {
        131, 90, 0, 4, LOCAL_NODE, 0, 0, 0, 0, /* creation */
        0,   0,  0, 1, 0,          0, 0, 0, 0,
        0,   0,  0, 0, 0,          0, 5 /* four words, the last a pid's */};
    const uint8_t ref_wide_word0[] = {131,  90,   0, 3, LOCAL_NODE, 0, 0, 0, 0, 0xff, 0xff,
                                      0xff, 0xff, 0, 0, 0,          0, 0, 0, 0, 0};
    const uint8_t fun_unloaded[] = {131,        112, 0, 0, 0,   60, 0, 0,   0,   0,  0, 0,  0, 0,
                                    0,          0,   0, 0, 0,   0,  0, 0,   0,   0,  0, 0,  0, 0,
                                    0,          0,   0, 0, 100, 0,  2, 'z', 'q', 97, 0, 97, 0, 88,
                                    LOCAL_NODE, 0,   0, 0, 0,   0,  0, 0,   0,   0,  0, 0,  0};
    const uint8_t fun_short_size[] = {131, 112, 0, 0, 0, 3, 0};
    const struct {
        const uint8_t *b;
        size_t n;
    } cases[] = {{other_node_pid, sizeof other_node_pid},
                 {other_creation_pid, sizeof other_creation_pid},
                 {pid_node_not_atom, sizeof pid_node_not_atom},
                 {pid_serial, sizeof pid_serial},
                 {port_other_node, sizeof port_other_node},
                 {ref_len0, sizeof ref_len0},
                 {ref_len6, sizeof ref_len6},
                 {ref_pid_words, sizeof ref_pid_words},
                 {ref_wide_word0, sizeof ref_wide_word0},
                 {fun_unloaded, sizeof fun_unloaded},
                 {fun_short_size, sizeof fun_short_size}};
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
               UNIT_TEST(test_bad_input), UNIT_TEST(test_identifiers_round_trip),
               UNIT_TEST(test_bad_identifiers));
}
