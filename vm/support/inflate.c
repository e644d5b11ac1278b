/*
 * inflate: implementation. Canonical Huffman decoding with a 9-bit first-level table and a
 * bit-serial walk for longer codes (puff's counting method); every read is bounds checked
 * against src_len and every write against dst_cap.
 */
#include "inflate.h"

#include <stdbool.h>
#include <string.h>

#define MAXBITS   15
#define MAXLCODES 286
#define MAXDCODES 30
#define FIXLCODES 288
#define FAST_BITS 9

const char *zinflate_strerror(int rc)
{
    switch (rc) {
    case ZINF_OK:
        return "ok";
    case ZINF_EHEADER:
        return "bad zlib header";
    case ZINF_EBLOCKTYPE:
        return "invalid deflate block type";
    case ZINF_ESTORED:
        return "stored block length check failed";
    case ZINF_ECODES:
        return "invalid Huffman code lengths";
    case ZINF_ESYMBOL:
        return "invalid length or distance symbol";
    case ZINF_EDISTANCE:
        return "distance too far back";
    case ZINF_ETRUNCATED:
        return "truncated stream";
    case ZINF_EOUTPUT:
        return "output exceeds the buffer";
    case ZINF_ECHECKSUM:
        return "Adler-32 mismatch";
    default:
        return "unknown inflate error";
    }
}

struct state {
    const uint8_t *in;
    size_t in_len, in_pos;
    uint64_t bitbuf;
    unsigned bitcnt;
    uint8_t *out;
    size_t out_cap, out_pos;
};

/* Ensures at least `need` (<= 57) bits are buffered when the input has them. */
static void refill(struct state *s, unsigned need)
{
    while (s->bitcnt < need && s->in_pos < s->in_len) {
        s->bitbuf |= (uint64_t)s->in[s->in_pos++] << s->bitcnt;
        s->bitcnt += 8;
    }
}

static int bits(struct state *s, unsigned n, unsigned *v)
{
    refill(s, n);
    if (s->bitcnt < n)
        return ZINF_ETRUNCATED;
    *v = (unsigned)(s->bitbuf & ((1ull << n) - 1));
    s->bitbuf >>= n;
    s->bitcnt -= n;
    return ZINF_OK;
}

struct huffman {
    uint16_t count[MAXBITS + 1];    /* codes of each length */
    uint16_t symbol[FIXLCODES];     /* symbols ordered by code */
    uint16_t fast[1u << FAST_BITS]; /* (len << 12) | symbol for codes <= FAST_BITS; 0 = slow */
};

/*
 * Builds the decoder from code lengths. Returns 0 for a complete code, > 0 for an incomplete
 * one (how many codes are left), < 0 for an over-subscribed one.
 */
static int build(struct huffman *h, const uint8_t *length, unsigned n)
{
    uint16_t offs[MAXBITS + 1];
    memset(h->count, 0, sizeof h->count);
    for (unsigned sym = 0; sym < n; sym++)
        h->count[length[sym]]++;
    memset(h->fast, 0, sizeof h->fast);
    if (h->count[0] == n)
        return 0; /* no codes: complete, but any decode fails */
    int left = 1;
    for (unsigned len = 1; len <= MAXBITS; len++) {
        left <<= 1;
        left -= h->count[len];
        if (left < 0)
            return left;
    }
    offs[1] = 0;
    for (unsigned len = 1; len < MAXBITS; len++)
        offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
    for (unsigned sym = 0; sym < n; sym++)
        if (length[sym] != 0)
            h->symbol[offs[length[sym]]++] = (uint16_t)sym;
    /* First-level table: canonical codes, stored bit-reversed as they arrive LSB first. */
    unsigned code = 0, idx = 0;
    for (unsigned len = 1; len <= FAST_BITS; len++) {
        for (unsigned k = 0; k < h->count[len]; k++, idx++, code++) {
            unsigned rev = 0;
            for (unsigned b = 0; b < len; b++)
                rev |= ((code >> b) & 1u) << (len - 1 - b);
            for (unsigned fill = rev; fill < (1u << FAST_BITS); fill += 1u << len)
                h->fast[fill] = (uint16_t)((len << 12) | h->symbol[idx]);
        }
        code <<= 1;
    }
    return left;
}

/* Decodes one symbol; negative on error. */
static int decode(struct state *s, const struct huffman *h)
{
    refill(s, MAXBITS);
    if (s->bitcnt >= FAST_BITS || s->in_pos == s->in_len) {
        unsigned look = (unsigned)(s->bitbuf & ((1u << FAST_BITS) - 1));
        uint16_t e = h->fast[look];
        if (e && (e >> 12) <= s->bitcnt) {
            s->bitbuf >>= e >> 12;
            s->bitcnt -= e >> 12;
            return e & 0xfff;
        }
    }
    /* Slow path: walk the canonical code one bit at a time. */
    int code = 0, first = 0, index = 0;
    uint64_t bb = s->bitbuf;
    unsigned used = 0;
    for (unsigned len = 1; len <= MAXBITS; len++) {
        if (used >= s->bitcnt)
            return ZINF_ETRUNCATED;
        code |= (int)(bb & 1);
        bb >>= 1;
        used++;
        int count = h->count[len];
        if (code - count < first) {
            s->bitbuf = bb;
            s->bitcnt -= used;
            return h->symbol[index + (code - first)];
        }
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return ZINF_ESYMBOL; /* ran out of codes */
}

static const uint16_t len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                      15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                      67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static int codes(struct state *s, const struct huffman *lencode, const struct huffman *distcode)
{
    for (;;) {
        int sym = decode(s, lencode);
        if (sym < 0)
            return sym;
        if (sym < 256) {
            if (s->out_pos >= s->out_cap)
                return ZINF_EOUTPUT;
            s->out[s->out_pos++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            return ZINF_OK;
        sym -= 257;
        if (sym >= 29)
            return ZINF_ESYMBOL;
        unsigned extra;
        int rc = bits(s, len_extra[sym], &extra);
        if (rc)
            return rc;
        size_t len = len_base[sym] + extra;
        int dsym = decode(s, distcode);
        if (dsym < 0)
            return dsym;
        if (dsym >= 30)
            return ZINF_ESYMBOL;
        rc = bits(s, dist_extra[dsym], &extra);
        if (rc)
            return rc;
        size_t dist = dist_base[dsym] + extra;
        if (dist > s->out_pos)
            return ZINF_EDISTANCE;
        if (len > s->out_cap - s->out_pos)
            return ZINF_EOUTPUT;
        uint8_t *o = s->out + s->out_pos;
        for (size_t i = 0; i < len; i++) /* overlapping copies repeat the pattern */
            o[i] = o[(ptrdiff_t)i - (ptrdiff_t)dist];
        s->out_pos += len;
    }
}

static int stored(struct state *s)
{
    /* discard to the byte boundary; buffered whole bytes go back to the input */
    s->bitbuf >>= s->bitcnt & 7;
    s->bitcnt -= s->bitcnt & 7;
    s->in_pos -= s->bitcnt / 8;
    s->bitbuf = 0;
    s->bitcnt = 0;
    if (s->in_len - s->in_pos < 4)
        return ZINF_ETRUNCATED;
    const uint8_t *p = s->in + s->in_pos;
    unsigned len = p[0] | (unsigned)p[1] << 8;
    unsigned nlen = p[2] | (unsigned)p[3] << 8;
    if (len != (~nlen & 0xffffu))
        return ZINF_ESTORED;
    s->in_pos += 4;
    if (s->in_len - s->in_pos < len)
        return ZINF_ETRUNCATED;
    if (s->out_cap - s->out_pos < len)
        return ZINF_EOUTPUT;
    memcpy(s->out + s->out_pos, s->in + s->in_pos, len);
    s->out_pos += len;
    s->in_pos += len;
    return ZINF_OK;
}

static int fixed(struct state *s)
{
    struct huffman lencode, distcode;
    uint8_t lengths[FIXLCODES];
    unsigned sym = 0;
    for (; sym < 144; sym++)
        lengths[sym] = 8;
    for (; sym < 256; sym++)
        lengths[sym] = 9;
    for (; sym < 280; sym++)
        lengths[sym] = 7;
    for (; sym < FIXLCODES; sym++)
        lengths[sym] = 8;
    build(&lencode, lengths, FIXLCODES);
    for (sym = 0; sym < 30; sym++)
        lengths[sym] = 5;
    build(&distcode, lengths, 30);
    return codes(s, &lencode, &distcode);
}

static int dynamic(struct state *s)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};
    uint8_t lengths[MAXLCODES + MAXDCODES];
    struct huffman lencode, distcode;
    unsigned nlen, ndist, ncode;
    int rc;
    if ((rc = bits(s, 5, &nlen)) || (rc = bits(s, 5, &ndist)) || (rc = bits(s, 4, &ncode)))
        return rc;
    nlen += 257;
    ndist += 1;
    ncode += 4;
    if (nlen > MAXLCODES || ndist > MAXDCODES)
        return ZINF_ECODES;
    unsigned index;
    for (index = 0; index < ncode; index++) {
        unsigned v;
        if ((rc = bits(s, 3, &v)))
            return rc;
        lengths[order[index]] = (uint8_t)v;
    }
    for (; index < 19; index++)
        lengths[order[index]] = 0;
    if (build(&lencode, lengths, 19) != 0) /* the code-length code must be complete */
        return ZINF_ECODES;
    index = 0;
    while (index < nlen + ndist) {
        int sym = decode(s, &lencode);
        if (sym < 0)
            return sym == ZINF_ESYMBOL ? ZINF_ECODES : sym;
        if (sym < 16) {
            lengths[index++] = (uint8_t)sym;
            continue;
        }
        uint8_t len = 0;
        unsigned rep;
        if (sym == 16) {
            if (index == 0)
                return ZINF_ECODES; /* nothing to repeat */
            len = lengths[index - 1];
            if ((rc = bits(s, 2, &rep)))
                return rc;
            rep += 3;
        } else if (sym == 17) {
            if ((rc = bits(s, 3, &rep)))
                return rc;
            rep += 3;
        } else {
            if ((rc = bits(s, 7, &rep)))
                return rc;
            rep += 11;
        }
        if (index + rep > nlen + ndist)
            return ZINF_ECODES;
        while (rep--)
            lengths[index++] = len;
    }
    if (lengths[256] == 0)
        return ZINF_ECODES; /* no end-of-block code */
    /* Incomplete codes are allowed only when they hold a single code (zlib's rule). */
    int err = build(&lencode, lengths, nlen);
    if (err < 0 || (err > 0 && nlen - lencode.count[0] != 1))
        return ZINF_ECODES;
    err = build(&distcode, lengths + nlen, ndist);
    if (err < 0 || (err > 0 && ndist - distcode.count[0] != 1))
        return ZINF_ECODES;
    return codes(s, &lencode, &distcode);
}

static int inflate_blocks(struct state *s)
{
    unsigned last;
    do {
        unsigned type;
        int rc;
        if ((rc = bits(s, 1, &last)) || (rc = bits(s, 2, &type)))
            return rc;
        switch (type) {
        case 0:
            rc = stored(s);
            break;
        case 1:
            rc = fixed(s);
            break;
        case 2:
            rc = dynamic(s);
            break;
        default:
            rc = ZINF_EBLOCKTYPE;
        }
        if (rc)
            return rc;
    } while (!last);
    /* Give back whole unused bytes still in the bit buffer. */
    s->in_pos -= s->bitcnt / 8;
    s->bitbuf = 0;
    s->bitcnt = 0;
    return ZINF_OK;
}

int zinflate_raw(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap, size_t *out_len,
                 size_t *in_used)
{
    struct state s = {src, src_len, 0, 0, 0, dst, dst_cap, 0};
    int rc = inflate_blocks(&s);
    if (rc)
        return rc;
    *out_len = s.out_pos;
    *in_used = s.in_pos;
    return ZINF_OK;
}

uint32_t zadler32(uint32_t adler, const uint8_t *data, size_t len)
{
    uint32_t a = adler & 0xffff, b = adler >> 16;
    while (len > 0) {
        size_t n = len < 5552 ? len : 5552; /* largest n keeping b below 2^32 */
        len -= n;
        while (n--) {
            a += *data++;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    return (b << 16) | a;
}

int zinflate_zlib(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap, size_t *out_len,
                  size_t *in_used)
{
    if (src_len < 2)
        return ZINF_ETRUNCATED;
    unsigned cmf = src[0], flg = src[1];
    if ((cmf & 0x0f) != 8 || (cmf >> 4) > 7 || (cmf * 256 + flg) % 31 != 0 || (flg & 0x20))
        return ZINF_EHEADER;
    size_t n, used;
    int rc = zinflate_raw(src + 2, src_len - 2, dst, dst_cap, &n, &used);
    if (rc)
        return rc;
    size_t pos = 2 + used;
    if (src_len - pos < 4)
        return ZINF_ETRUNCATED;
    uint32_t want = (uint32_t)src[pos] << 24 | (uint32_t)src[pos + 1] << 16 |
                    (uint32_t)src[pos + 2] << 8 | src[pos + 3];
    if (zadler32(1, dst, n) != want)
        return ZINF_ECHECKSUM;
    *out_len = n;
    *in_used = pos + 4;
    return ZINF_OK;
}

/* ---- deflate (fixed Huffman + greedy LZ77, or stored) ---- */

struct bitwriter {
    uint8_t *p;
    size_t cap, pos;
    uint64_t buf;
    unsigned cnt;
    bool overflow;
};

static void put_bits(struct bitwriter *w, uint32_t v, unsigned n)
{
    w->buf |= (uint64_t)v << w->cnt;
    w->cnt += n;
    while (w->cnt >= 8) {
        if (w->pos < w->cap)
            w->p[w->pos++] = (uint8_t)w->buf;
        else
            w->overflow = true;
        w->buf >>= 8;
        w->cnt -= 8;
    }
}

/* Huffman codes go out most significant bit first. */
static void put_code(struct bitwriter *w, uint32_t code, unsigned n)
{
    uint32_t rev = 0;
    for (unsigned b = 0; b < n; b++)
        rev |= ((code >> b) & 1u) << (n - 1 - b);
    put_bits(w, rev, n);
}

static void put_litlen(struct bitwriter *w, unsigned sym)
{
    if (sym < 144)
        put_code(w, 0x30 + sym, 8);
    else if (sym < 256)
        put_code(w, 0x190 + (sym - 144), 9);
    else if (sym < 280)
        put_code(w, sym - 256, 7);
    else
        put_code(w, 0xc0 + (sym - 280), 8);
}

static void put_match(struct bitwriter *w, unsigned len, unsigned dist)
{
    unsigned li = 28;
    while (len_base[li] > len)
        li--;
    put_litlen(w, 257 + li);
    put_bits(w, len - len_base[li], len_extra[li]);
    unsigned di = 29;
    while (dist_base[di] > dist)
        di--;
    put_code(w, di, 5);
    put_bits(w, dist - dist_base[di], dist_extra[di]);
}

static uint32_t hash3(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    return (v * 2654435761u) >> (32 - ZDEFLATE_HASH_BITS);
}

/* One final fixed-Huffman block; returns its length or 0 if it did not fit in cap. */
static size_t fixed_block(const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
                          struct zdeflate_work *work)
{
    struct bitwriter w = {dst, cap, 0, 0, 0, false};
    memset(work->head, 0, sizeof work->head);
    put_bits(&w, 1, 1); /* BFINAL */
    put_bits(&w, 1, 2); /* BTYPE = fixed */
    size_t i = 0;
    while (i < len && !w.overflow) {
        unsigned best = 0;
        size_t cand = 0;
        if (len - i >= 3) {
            uint32_t h = hash3(src + i);
            uint32_t prev = work->head[h];
            work->head[h] = (uint32_t)i + 1;
            if (prev && i - (prev - 1) <= 32768) {
                cand = prev - 1;
                size_t max = len - i < 258 ? len - i : 258;
                while (best < max && src[cand + best] == src[i + best])
                    best++;
            }
        }
        if (best >= 3) {
            put_match(&w, best, (unsigned)(i - cand));
            for (size_t k = i + 1; k < i + best && len - k >= 3; k++)
                work->head[hash3(src + k)] = (uint32_t)k + 1;
            i += best;
        } else {
            put_litlen(&w, src[i]);
            i++;
        }
    }
    put_litlen(&w, 256);
    put_bits(&w, 0, 7); /* flush the last partial byte */
    return w.overflow ? 0 : w.pos;
}

size_t zdeflate_zlib(const uint8_t *src, size_t len, uint8_t *dst, size_t dst_cap,
                     struct zdeflate_work *work)
{
    size_t stored_len = len + 5 * (len / 65535 + (len % 65535 != 0 || len == 0));
    if (dst_cap < 6)
        return 0;
    dst[0] = 0x78; /* deflate, 32 KB window */
    dst[1] = 0x01; /* fastest level, (0x78 * 256 + 0x01) % 31 == 0 */
    size_t body = 0;
    if (len > 0 && len < UINT32_MAX) {
        size_t cap = dst_cap - 6 < stored_len ? dst_cap - 6 : stored_len - 1;
        body = fixed_block(src, len, dst + 2, cap, work);
    }
    if (body == 0) {
        if (dst_cap - 6 < stored_len)
            return 0;
        uint8_t *o = dst + 2;
        size_t i = 0;
        do {
            size_t n = len - i < 65535 ? len - i : 65535;
            o[0] = i + n == len ? 1 : 0; /* BFINAL, BTYPE = stored */
            o[1] = (uint8_t)n;
            o[2] = (uint8_t)(n >> 8);
            o[3] = (uint8_t)~n;
            o[4] = (uint8_t)(~n >> 8);
            if (n)
                memcpy(o + 5, src + i, n);
            o += 5 + n;
            i += n;
        } while (i < len);
        body = (size_t)(o - (dst + 2));
    }
    uint32_t a = zadler32(1, src, len);
    uint8_t *t = dst + 2 + body;
    t[0] = (uint8_t)(a >> 24);
    t[1] = (uint8_t)(a >> 16);
    t[2] = (uint8_t)(a >> 8);
    t[3] = (uint8_t)a;
    return body + 6;
}
