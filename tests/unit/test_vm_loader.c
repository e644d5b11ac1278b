/* Unit tests of the .beam loader: a real module loads; truncated, corrupted and unsupported
 * files are clear errors, never crashes (run under ASan + UBSan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "vm/atom.h"
#include "vm/interp.h"
#include "vm/loader.h"
#include "vm/module.h"

static uint8_t *beam;
static size_t beam_len;

static void vm_setup(void)
{
    atom_table_init();
    interp_init();
    static int exports_done;
    if (!exports_done) {
        export_table_init();
        exports_done = 1;
    }
}

/* Reads the VM's own init module, compiled by the build (vm/module.mk). */
static int read_init_beam(void)
{
    if (beam)
        return 0;
    FILE *f = fopen(ZVM_TEST_EBIN "/zvm_init.beam", "rb");
    if (!f)
        return -1;
    beam = malloc(1 << 20);
    beam_len = beam ? fread(beam, 1, 1 << 20, f) : 0;
    fclose(f);
    return beam_len ? 0 : -1;
}

static struct module *try_load(const uint8_t *bytes, size_t len, struct textbuf *err)
{
    textbuf_init(err);
    return load_module_unregistered(bytes, len, THE_NON_VALUE, err);
}

static void test_loads_real_module(void)
{
    vm_setup();
    CU_ASSERT_EQUAL_FATAL(read_init_beam(), 0);
    struct textbuf err;
    struct module *m = try_load(beam, beam_len, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(m->name, ATOM_zvm_init);
    CU_ASSERT_TRUE(m->code_words > 10);
    CU_ASSERT_TRUE(m->n_funcs >= 2);
    CU_ASSERT_TRUE(is_list(m->exports_list));
    CU_ASSERT_TRUE(m->n_lines > 0);
    module_free(m);
    textbuf_dispose(&err);
}

static void test_not_beam(void)
{
    vm_setup();
    struct textbuf err;
    const uint8_t junk[] = "this is not a beam file at all";
    CU_ASSERT_PTR_NULL(try_load(junk, sizeof junk, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.data, "not a BEAM file"));
    textbuf_dispose(&err);
    CU_ASSERT_PTR_NULL(try_load(junk, 0, &err));
    CU_ASSERT_TRUE(err.len > 0);
    textbuf_dispose(&err);
}

/* Every proper prefix of a valid file is an error with a message, never a crash. */
static void test_every_truncation_is_an_error(void)
{
    vm_setup();
    CU_ASSERT_EQUAL_FATAL(read_init_beam(), 0);
    size_t errors = 0;
    for (size_t n = 0; n < beam_len; n++) {
        struct textbuf err;
        struct module *m = try_load(beam, n, &err);
        if (!m && err.len > 0)
            errors++;
        module_free(m);
        textbuf_dispose(&err);
    }
    CU_ASSERT_EQUAL(errors, beam_len);
}

/* Corrupting bytes anywhere gives a module or an error message, never a crash. */
static void test_corruption_never_crashes(void)
{
    vm_setup();
    CU_ASSERT_EQUAL_FATAL(read_init_beam(), 0);
    uint8_t *copy = malloc(beam_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    unsigned seed = 12345;
    size_t loaded = 0, rejected = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(copy, beam, beam_len);
        int flips = 1 + round % 4;
        for (int k = 0; k < flips; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = 12 + (seed >> 8) % (beam_len - 12);
            seed = seed * 1103515245u + 12345u;
            copy[at] = (uint8_t)(seed >> 16);
        }
        struct textbuf err;
        struct module *m = try_load(copy, beam_len, &err);
        if (m)
            loaded++;
        else if (err.len > 0)
            rejected++;
        module_free(m);
        textbuf_dispose(&err);
    }
    free(copy);
    CU_ASSERT_EQUAL(loaded + rejected, 3000);
    CU_ASSERT_TRUE(rejected > 0);
}

/* Finds a chunk's data in a copy of the file. */
static uint8_t *chunk_data(uint8_t *file, size_t len, const char *id, uint32_t *size)
{
    size_t at = 12;
    while (at + 8 <= len) {
        uint32_t sz = (uint32_t)file[at + 4] << 24 | (uint32_t)file[at + 5] << 16 |
                      (uint32_t)file[at + 6] << 8 | file[at + 7];
        if (memcmp(file + at, id, 4) == 0) {
            *size = sz;
            return file + at + 8;
        }
        at += 8 + ((sz + 3) & ~3u);
    }
    return NULL;
}

/* A deprecated opcode in the code is rejected by name. */
static void test_deprecated_opcode_named(void)
{
    vm_setup();
    CU_ASSERT_EQUAL_FATAL(read_init_beam(), 0);
    uint8_t *copy = malloc(beam_len);
    memcpy(copy, beam, beam_len);
    uint32_t size;
    uint8_t *code = chunk_data(copy, beam_len, "Code", &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(code);
    uint32_t header =
        (uint32_t)code[0] << 24 | (uint32_t)code[1] << 16 | (uint32_t)code[2] << 8 | code[3];
    code[4 + header] = 38; /* int_bnot/3: deprecated since R13 */
    struct textbuf err;
    struct module *m = try_load(copy, beam_len, &err);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NOT_NULL(err.data ? strstr(err.data, "int_bnot") : NULL);
    module_free(m);
    textbuf_dispose(&err);
    free(copy);
}

/* An opcode number past OTP 25's is refused as "compiled by a newer OTP". */
static void test_newer_opcodes_refused(void)
{
    vm_setup();
    CU_ASSERT_EQUAL_FATAL(read_init_beam(), 0);
    uint8_t *copy = malloc(beam_len);
    memcpy(copy, beam, beam_len);
    uint32_t size;
    uint8_t *code = chunk_data(copy, beam_len, "Code", &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(code);
    code[8] = 0;
    code[9] = 0;
    code[10] = 0;
    code[11] = 190; /* max opcode */
    struct textbuf err;
    struct module *m = try_load(copy, beam_len, &err);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NOT_NULL(err.data ? strstr(err.data, "newer OTP") : NULL);
    module_free(m);
    textbuf_dispose(&err);
    free(copy);
}

static void test_wrong_module_name(void)
{
    vm_setup();
    CU_ASSERT_EQUAL_FATAL(read_init_beam(), 0);
    struct textbuf err;
    textbuf_init(&err);
    struct module *m = load_module_unregistered(beam, beam_len, ATOM_erlang, &err);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NOT_NULL(err.data ? strstr(err.data, "not erlang") : NULL);
    textbuf_dispose(&err);
}

void unit_register_vm_loader(void)
{
    UNIT_SUITE("vm_loader", UNIT_TEST(test_loads_real_module), UNIT_TEST(test_not_beam),
               UNIT_TEST(test_every_truncation_is_an_error),
               UNIT_TEST(test_corruption_never_crashes), UNIT_TEST(test_deprecated_opcode_named),
               UNIT_TEST(test_newer_opcodes_refused), UNIT_TEST(test_wrong_module_name));
}
