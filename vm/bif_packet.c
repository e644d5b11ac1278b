/*
 * bif_packet.c: erlang:decode_packet/3 over vm/packet.h, with OTP 25's results:
 *   {ok, Packet, Rest} | {more, Length | undefined} | {error, invalid}
 * Packet and Rest are sub-binaries of the argument (no copy); the bits of a bitstring past its
 * last whole byte go into Rest, as in erts.
 */
#include "vm/bif.h"
#include "vm/binary.h"
#include "vm/packet.h"
#include "vm/platform.h"

/* make_small() as a constant expression, for the table below */
#define SMALL_CONST(v) (((term_t)(v) << 4) | TAG_SMALL)

static bool type_of(term_t t, enum packet_type *type)
{
    static const struct {
        term_t name;
        enum packet_type type;
    } names[] = {
        {SMALL_CONST(0), PACKET_RAW},        {ATOM_raw, PACKET_RAW},
        {SMALL_CONST(1), PACKET_1},          {SMALL_CONST(2), PACKET_2},
        {SMALL_CONST(4), PACKET_4},          {ATOM_asn1, PACKET_ASN1},
        {ATOM_sunrm, PACKET_SUNRM},         {ATOM_cdr, PACKET_CDR},
        {ATOM_fcgi, PACKET_FCGI},           {ATOM_line, PACKET_LINE},
        {ATOM_tpkt, PACKET_TPKT},           {ATOM_http, PACKET_HTTP},
        {ATOM_httph, PACKET_HTTPH},         {ATOM_http_bin, PACKET_HTTP_BIN},
        {ATOM_httph_bin, PACKET_HTTPH_BIN}, {ATOM_ssl_tls, PACKET_SSL_TLS},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].name == t) {
            *type = names[i].type;
            return true;
        }
    }
    return false;
}

/* [{packet_size, N} | {line_length, N} | {line_delimiter, B}] as erts reads them: N up to
 * 2^32 - 1, the delimiter only for the line type; the last of a kind wins. */
static bool options_of(term_t list, enum packet_type type, struct packet_options *o)
{
    packet_options_init(o);
    while (is_list(list)) {
        term_t opt = CAR(list);
        int64_t v;
        if (!is_tuple(opt) || tuple_arity(opt) != 2 || !term_to_int64(tuple_elems(opt)[1], &v) ||
            v < 0 || v > (int64_t)UINT32_MAX)
            return false;
        term_t key = tuple_elems(opt)[0];
        if (key == ATOM_packet_size)
            o->max_size = (uint32_t)v;
        else if (key == ATOM_line_length)
            o->line_length = (uint32_t)v;
        else if (key == ATOM_line_delimiter && type == PACKET_LINE && v <= 255)
            o->delimiter = (uint8_t)v;
        else
            return false;
        list = CDR(list);
    }
    return is_nil(list); /* erts crashes on an improper list; badarg here */
}

/* `bits` bits of the argument from byte `from` on, as a sub-binary of its storage. */
static term_t sub_of(struct process *p, term_t orig, uint64_t bit_offset, uint64_t from,
                     uint64_t bits)
{
    term_t *sub = build_alloc(&p->builder, 4);
    sub[0] = make_header(3, SUB_SUB_BIN);
    sub[1] = bits;
    sub[2] = bit_offset + from * 8;
    sub[3] = orig;
    return make_boxed(sub);
}

static term_t tuple_of(struct process *p, uint64_t arity, const term_t *elems)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, arity, &el);
    for (uint64_t i = 0; i < arity; i++)
        el[i] = elems[i];
    return t;
}

term_t bif_erlang_decode_packet_3(struct process *p, term_t *args)
{
    enum packet_type type;
    struct packet_options opt;
    if (!type_of(args[0], &type))
        return bif_badarg(p); /* erts adds the cause badopt to its error_info */
    if (!is_bitstring(args[1]) || !(is_list(args[2]) || is_nil(args[2])) ||
        !options_of(args[2], type, &opt))
        return bif_badarg(p);

    /* The bytes, aligned (a copy when the bitstring starts inside a byte) */
    struct bitview v = bitview_of(args[1]);
    term_t orig = args[1];
    if (header_subtag(boxed_ptr(orig)[0]) == SUB_SUB_BIN)
        orig = boxed_ptr(orig)[3];
    uint64_t size = v.bits / 8;
    uint8_t *copy = NULL;
    const uint8_t *bytes = v.base + v.bit_offset / 8;
    if (v.bit_offset % 8 && size) {
        copy = zplat_alloc(size);
        if (!copy)
            zplat_panic("decode_packet: out of memory");
        struct bitview whole = v;
        whole.bits = size * 8;
        bytes = bitview_bytes(&whole, copy);
    }

    enum packet_http_state state = PACKET_HTTP_START_LINE;
    struct packet_frame f;
    term_t res;
    switch (packet_frame(type, &opt, bytes, size, &state, &f)) {
    case PACKET_MORE: {
        term_t el[2] = {ATOM_more, f.need ? make_small((sterm_t)f.need) : ATOM_undefined};
        res = tuple_of(p, 2, el);
        break;
    }
    case PACKET_INVALID: {
        term_t el[2] = {ATOM_error, ATOM_invalid};
        res = tuple_of(p, 2, el);
        break;
    }
    case PACKET_READY:
    default: {
        term_t packet;
        if (packet_type_is_http(type)) {
            struct packet_http h;
            struct packet_source src = {bytes, size, orig, v.bit_offset};
            packet_parse_http(bytes, f.len, &state, &h);
            packet = packet_http_term(&p->builder, &h,
                                      type == PACKET_HTTP_BIN || type == PACKET_HTTPH_BIN, &src);
        } else if (type == PACKET_SSL_TLS) {
            struct packet_ssl_tls s;
            packet_parse_ssl_tls(bytes, f.len, &s);
            packet = packet_ssl_tls_term(&p->builder, &s);
        } else {
            packet = sub_of(p, orig, v.bit_offset, f.body_off, (uint64_t)f.body_len * 8);
        }
        term_t rest = sub_of(p, orig, v.bit_offset, f.len, v.bits - (uint64_t)f.len * 8);
        term_t el[3] = {ATOM_ok, packet, rest};
        res = tuple_of(p, 3, el);
        break;
    }
    }
    if (copy)
        zplat_free(copy);
    return res;
}
