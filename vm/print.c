/* print.c: terms as text, in the form of io_lib's ~w (crash reports, erlang:display/1). */
#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/binary.h"
#include "vm/map.h"
#include "vm/module.h"
#include "vm/rt.h"
#include "vm/support/bignum.h"
#include "vm/support/float_fmt.h"

static bool atom_needs_quotes(const char *s, size_t n)
{
    if (n == 0)
        return true;
    if (!(s[0] >= 'a' && s[0] <= 'z'))
        return true;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '@'))
            return true;
    }
    static const char *const reserved[] = {
        "after", "and",    "andalso", "band", "begin", "bnot", "bor", "bsl",  "bsr", "bxor",
        "case",  "catch",  "cond",    "div",  "end",   "fun",  "if",  "let",  "not", "of",
        "or",    "orelse", "receive", "rem",  "try",   "when", "xor", "maybe"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (rt_strlen(reserved[i]) == n && rt_memeq(reserved[i], s, n))
            return true;
    return false;
}

static void print_atom(struct textbuf *out, term_t a)
{
    size_t n;
    const char *s = atom_name(a, &n);
    if (!atom_needs_quotes(s, n)) {
        textbuf_put(out, s, n);
        return;
    }
    textbuf_putc(out, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\')
            textbuf_putc(out, '\\');
        textbuf_putc(out, s[i]);
    }
    textbuf_putc(out, '\'');
}

static void print_integer(struct textbuf *out, term_t t)
{
    if (is_small(t)) {
        textbuf_put_int(out, small_val(t));
        return;
    }
    term_t *o = boxed_ptr(t);
    struct bn v = bn_view(o + 1, header_arity(o[0]), header_subtag(o[0]) == SUB_BIG_NEG);
    size_t cap = bn_to_text_max_len(v.n, 10);
    char *buf = rt_alloc(cap);
    bn_digit *scratch = rt_alloc(sizeof(bn_digit) * bn_to_text_scratch_len(v.n));
    size_t n = bn_to_text(buf, cap, v, 10, scratch);
    if (!bn_failed(n))
        textbuf_put(out, buf, n);
    rt_free(scratch);
    rt_free(buf);
}

static void print_float(struct textbuf *out, double d)
{
    char buf[FLOAT_FMT_MAX + 1];
    int n = float_fmt_short(buf, sizeof buf, d);
    if (n > 0)
        textbuf_put(out, buf, (size_t)n);
}

static void print_bits(struct textbuf *out, term_t t)
{
    struct bitview v = bitview_of(t);
    textbuf_puts(out, "<<");
    uint64_t bytes = v.bits / 8;
    for (uint64_t i = 0; i < bytes; i++) {
        unsigned b = 0;
        for (int k = 0; k < 8; k++)
            b = b << 1 | bitview_bit(&v, i * 8 + (uint64_t)k);
        if (i)
            textbuf_putc(out, ',');
        textbuf_put_uint(out, b);
    }
    uint64_t rest = v.bits % 8;
    if (rest) {
        unsigned b = 0;
        for (uint64_t k = 0; k < rest; k++)
            b = b << 1 | bitview_bit(&v, bytes * 8 + k);
        if (bytes)
            textbuf_putc(out, ',');
        textbuf_put_uint(out, b);
        textbuf_putc(out, ':');
        textbuf_put_uint(out, rest);
    }
    textbuf_puts(out, ">>");
}

/* A proper list of printable ASCII characters (erlang:display/1 shows those as strings). */
static bool printable_string(term_t t)
{
    for (; is_list(t); t = CDR(t)) {
        term_t c = CAR(t);
        if (!is_small(c))
            return false;
        sterm_t v = small_val(c);
        if (!((v >= 32 && v < 127) || v == '\n' || v == '\t'))
            return false;
    }
    return is_nil(t);
}

static void print(struct textbuf *out, term_t t, int depth)
{
    if (depth > 200) {
        textbuf_puts(out, "...");
        return;
    }
    if (is_small(t) || is_bignum(t)) {
        print_integer(out, t);
    } else if (is_atom(t)) {
        print_atom(out, t);
    } else if (is_nil(t)) {
        textbuf_puts(out, "[]");
    } else if (is_list(t) && printable_string(t)) {
        textbuf_putc(out, '"');
        for (; is_list(t); t = CDR(t)) {
            sterm_t c = small_val(CAR(t));
            const char *esc = c == '\n'   ? "\\n"
                              : c == '\t' ? "\\t"
                              : c == '"'  ? "\\\""
                              : c == '\\' ? "\\\\"
                                          : NULL;
            if (esc)
                textbuf_puts(out, esc);
            else
                textbuf_putc(out, (char)c);
        }
        textbuf_putc(out, '"');
    } else if (is_list(t)) {
        textbuf_putc(out, '[');
        bool first = true;
        for (; is_list(t); t = CDR(t)) {
            if (!first)
                textbuf_putc(out, ',');
            first = false;
            print(out, CAR(t), depth + 1);
        }
        if (!is_nil(t)) {
            textbuf_putc(out, '|');
            print(out, t, depth + 1);
        }
        textbuf_putc(out, ']');
    } else if (is_pid(t)) {
        textbuf_puts(out, "<0.");
        textbuf_put_uint(out, pid_index(t));
        textbuf_puts(out, ".0>");
    } else if (is_port(t)) {
        textbuf_puts(out, "#Port<0.");
        textbuf_put_uint(out, pid_index(t));
        textbuf_putc(out, '>');
    } else if (is_boxed(t)) {
        term_t *o = boxed_ptr(t);
        switch (header_subtag(o[0])) {
        case SUB_TUPLE:
            textbuf_putc(out, '{');
            for (uint64_t i = 1; i <= header_arity(o[0]); i++) {
                if (i > 1)
                    textbuf_putc(out, ',');
                print(out, o[i], depth + 1);
            }
            textbuf_putc(out, '}');
            break;
        case SUB_FLOAT:
            print_float(out, float_val(t));
            break;
        case SUB_HEAP_BIN:
        case SUB_REFC_BIN:
        case SUB_SUB_BIN:
            print_bits(out, t);
            break;
        case SUB_MATCH_CTX:
            textbuf_puts(out, "#MatchState<>");
            break;
        case SUB_MAP: {
            textbuf_puts(out, "#{");
            term_t *k = tuple_elems(flatmap_keys(t));
            for (uint64_t i = 0; i < map_size(t); i++) {
                if (i)
                    textbuf_putc(out, ',');
                print(out, k[i], depth + 1);
                textbuf_puts(out, " => ");
                print(out, flatmap_values(t)[i], depth + 1);
            }
            textbuf_putc(out, '}');
            break;
        }
        case SUB_HASHMAP:
        case SUB_HAMT_NODE: {
            /* As erlang:display shows a hashmap: its trie, #<bitmap>{...} for the root,
             * <bitmap>{...} for a node, [K|V] for a leaf (map.h). */
            const term_t *items;
            unsigned n = hamt_children(t, &items);
            textbuf_puts(out, header_subtag(o[0]) == SUB_HASHMAP ? "#<" : "<");
            textbuf_put_hex(out, hamt_bitmap(t));
            textbuf_puts(out, ">{");
            for (unsigned i = 0; i < n; i++) {
                if (i)
                    textbuf_putc(out, ',');
                print(out, items[i], depth + 1);
            }
            textbuf_putc(out, '}');
            break;
        }
        case SUB_EXPORT: {
            const struct export *e = (const struct export *)(uintptr_t)o[1];
            textbuf_puts(out, "fun ");
            print_atom(out, e->module);
            textbuf_putc(out, ':');
            print_atom(out, e->function);
            textbuf_putc(out, '/');
            textbuf_put_uint(out, e->arity);
            break;
        }
        case SUB_FUN: {
            const struct fun_entry *fe = (const struct fun_entry *)(uintptr_t)o[1];
            textbuf_puts(out, "#Fun<");
            print_atom(out, fe->module->name);
            textbuf_putc(out, '.');
            textbuf_put_uint(out, fe->old_index);
            textbuf_putc(out, '.');
            textbuf_put_uint(out, fe->old_uniq);
            textbuf_putc(out, '>');
            break;
        }
        case SUB_REF:
            textbuf_puts(out, "#Ref<0.0.0.");
            textbuf_put_uint(out, o[1]);
            textbuf_putc(out, '>');
            break;
        default:
            print_integer(out, t);
            break;
        }
    } else {
        textbuf_puts(out, "?");
    }
}

void term_print(struct textbuf *out, term_t t)
{
    print(out, t, 0);
}
