/*
 * zlib_deflate: glue to zlib's deflate. The z_stream layout is zlib 1.2's public ABI, declared
 * here so that no libc header is needed; deflateInit2_ checks it against the library's own
 * (sizeof and version) and refuses a mismatch.
 */
#include "zlib_deflate.h"

#include <stdbool.h>

struct vmz_stream {
    const uint8_t *next_in;
    unsigned int avail_in;
    unsigned long total_in;
    uint8_t *next_out;
    unsigned int avail_out;
    unsigned long total_out;
    const char *msg;
    void *state;
    void *(*zalloc)(void *opaque, unsigned int items, unsigned int size);
    void (*zfree)(void *opaque, void *address);
    void *opaque;
    int data_type;
    unsigned long adler;
    unsigned long reserved;
};

/* zlib's entry points as renamed in $(VM_ZLIB_OBJ) */
int vmz_deflateInit2_(struct vmz_stream *s, int level, int method, int window_bits, int mem_level,
                      int strategy, const char *version, int stream_size);
int vmz_deflate(struct vmz_stream *s, int flush);
int vmz_deflateEnd(struct vmz_stream *s);

/* Referenced by zlib's default allocator and by its stack protector: see the header. */
void *vmz_malloc(size_t n);
void vmz_free(void *p);
void vmz___stack_chk_fail(void) __attribute__((noreturn));

void *vmz_malloc(size_t n)
{
    (void)n;
    return NULL; /* never reached: zalloc is always set */
}

void vmz_free(void *p)
{
    (void)p;
}

void vmz___stack_chk_fail(void)
{
    __builtin_trap(); /* a smashed stack inside zlib: stop here, loudly */
}

#define Z_OK             0
#define Z_STREAM_END     1
#define Z_FINISH         4
#define Z_DEFLATED       8
#define Z_DEFAULT_STRAT  0
#define ZLIB_VERSION_STR "1.2.13"

struct arena {
    uint8_t *base;
    size_t len, used;
};

static void *arena_alloc(void *opaque, unsigned int items, unsigned int size)
{
    struct arena *a = opaque;
    size_t n = (size_t)items * size;
    size_t start = (a->used + 15) & ~(size_t)15;
    if (size != 0 && n / size != items)
        return NULL;
    if (start > a->len || n > a->len - start)
        return NULL;
    a->used = start + n;
    return a->base + start;
}

static void arena_free(void *opaque, void *p)
{
    (void)opaque;
    (void)p; /* the whole arena goes at once */
}

size_t zlib_deflate(const uint8_t *src, size_t len, uint8_t *dst, size_t cap, int level, void *work,
                    size_t work_len)
{
    if (level < -1 || level > 9 || work_len < ZLIB_DEFLATE_WORK_SIZE || len > 0xffffffffu)
        return 0;
    if (cap > 0xffffffffu)
        cap = 0xffffffffu;
    struct arena a = {work, work_len, 0};
    struct vmz_stream s = {0};
    s.zalloc = arena_alloc;
    s.zfree = arena_free;
    s.opaque = &a;
    if (vmz_deflateInit2_(&s, level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRAT, ZLIB_VERSION_STR,
                          (int)sizeof s) != Z_OK)
        return 0;
    s.next_in = src;
    s.avail_in = (unsigned int)len;
    s.next_out = dst;
    s.avail_out = (unsigned int)cap;
    int rc = vmz_deflate(&s, Z_FINISH);
    size_t out = (size_t)s.total_out;
    vmz_deflateEnd(&s);
    return rc == Z_STREAM_END ? out : 0;
}
