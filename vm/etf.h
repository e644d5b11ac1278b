/*
 * etf.h: the external term format (term_to_binary / binary_to_term, and the loader's literals).
 */
#ifndef ZVM_ETF_H
#define ZVM_ETF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/heap.h"
#include "vm/rt.h"
#include "vm/term.h"

/*
 * Decodes one external term from bytes[0..len) (starting with the version byte 131) into `b`.
 * Returns the term, or THE_NON_VALUE with a reason in `err` (when not NULL) for any malformed,
 * truncated or unsupported input. *used (when not NULL) gets the count of bytes consumed.
 */
term_t etf_decode(struct builder *b, const uint8_t *bytes, size_t len, size_t *used,
                  struct textbuf *err);

/*
 * Encodes `t` (minor version 2: UTF-8 atoms, NEW_FLOAT) into `out`, compressed with level
 * `compress` (0 = not compressed; compression is not implemented yet: any level encodes plain).
 * Returns 0, or -1 when t holds something that cannot be encoded.
 */
int etf_encode(term_t t, struct textbuf *out);
/* etf_encode, with `deterministic` (term_to_binary's option): hashmaps' pairs in key order. */
int etf_encode_deterministic(term_t t, struct textbuf *out, bool deterministic);

#endif
