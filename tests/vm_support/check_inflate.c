/*
 * check_inflate: reads `HEXZLIB HEXPLAIN` vectors written by stock Erlang (zlib:compress,
 * zlib:deflate at several levels, term_to_binary(T, [compressed]) bodies) and prints
 *   inflate HEXZLIB = HEX(our inflate of it)        erl recomputes zlib:uncompress(HEXZLIB)
 *   deflate HEXOURS = HEX(the plain text)          erl recomputes zlib:uncompress(HEXOURS)
 *   zlib6 HEXPLAIN = HEX(zlib_deflate level 6)      erl recomputes zlib:compress(HEXPLAIN)
 *   t2b LEVEL HEXPLAIN = HEX(131, 80, Size:32, zlib_deflate at LEVEL)   (vectors marked `t`:
 *                       external terms) erl recomputes term_to_binary(binary_to_term(<<131,
 *                       PLAIN>>), [{compressed, LEVEL}])
 * ("-" stands for an empty byte string), so both directions are judged by stock zlib.
 */
#include "check.h"

#include "vm/support/inflate.h"
#include "vm/support/zlib_deflate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes a hex token ("-" = empty) in place into bytes; returns the byte count. */
static size_t unhex(char *tok, uint8_t *out)
{
    if (strcmp(tok, "-") == 0)
        return 0;
    size_t n = strlen(tok) / 2;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(tok[2 * i]), lo = hexval(tok[2 * i + 1]);
        if (hi < 0 || lo < 0)
            check_die("bad hex in the inflate vectors");
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return n;
}

static void print_hex(const uint8_t *p, size_t n)
{
    if (n == 0)
        fputs("-", stdout);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
}

int check_inflate(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        check_die("cannot open the inflate vectors");
    size_t cap = 8u << 20; /* bytes per vector: the largest term is ~0.6 MB */
    char *line = NULL;
    size_t line_cap = 0;
    uint8_t *z = check_alloc(cap), *plain = check_alloc(cap), *out = check_alloc(cap);
    struct zdeflate_work *work = check_alloc(sizeof *work);
    void *zwork = check_alloc(ZLIB_DEFLATE_WORK_SIZE);
    unsigned count = 0;
    while (getline(&line, &line_cap, f) > 0) {
        if (strlen(line) / 2 > cap)
            check_die("inflate vector larger than the driver's buffers");
        char *sp = strchr(line, ' ');
        if (!sp)
            continue;
        *sp = 0;
        char *nl = strchr(sp + 1, '\n');
        if (nl)
            *nl = 0;
        char *mark = strchr(sp + 1, ' ');
        bool is_term = false;
        if (mark) {
            *mark = 0;
            is_term = mark[1] == 't';
        }
        size_t zn = unhex(line, z), pn = unhex(sp + 1, plain);
        size_t on = 0, used = 0;
        int rc = zinflate_zlib(z, zn, out, pn, &on, &used);
        printf("inflate ");
        print_hex(z, zn);
        printf(" = ");
        if (rc == ZINF_OK && used == zn)
            print_hex(out, on);
        else
            printf("error %s", zinflate_strerror(rc));
        putchar('\n');
        size_t dn = zdeflate_zlib(plain, pn, out, cap, work);
        if (dn == 0)
            check_die("zdeflate_zlib: no space");
        printf("deflate ");
        print_hex(out, dn);
        printf(" = ");
        print_hex(plain, pn);
        putchar('\n');
        size_t zl = zlib_deflate(plain, pn, out, cap, 6, zwork, ZLIB_DEFLATE_WORK_SIZE);
        if (zl == 0)
            check_die("zlib_deflate failed");
        printf("zlib6 ");
        print_hex(plain, pn);
        printf(" = ");
        print_hex(out, zl);
        putchar('\n');
        for (int level = 1; is_term && level <= 9; level += 4) { /* levels 1, 5, 9 */
            zl = zlib_deflate(plain, pn, out, cap, level, zwork, ZLIB_DEFLATE_WORK_SIZE);
            if (zl == 0)
                check_die("zlib_deflate failed");
            printf("t2b %d ", level);
            print_hex(plain, pn);
            printf(" = 8350%08zx", pn);
            print_hex(out, zl);
            putchar('\n');
        }
        count++;
    }
    fclose(f);
    free(line);
    free(z);
    free(plain);
    free(out);
    free(work);
    free(zwork);
    if (count == 0)
        check_die("no inflate vectors");
    return 0;
}
