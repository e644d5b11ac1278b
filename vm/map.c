/* map.c: flat maps and OTP's hash trie (see map.h for the layout and the orders). */
#include "vm/map.h"

#include "vm/compare.h"
#include "vm/hash.h"
#include "vm/platform.h"
#include "vm/rt.h"

/* --- shared pieces ------------------------------------------------------------------------- */

/* Bits set in a 16-bit bitmap (not __builtin_popcount, which may call libgcc). */
static inline unsigned popcount16(uint32_t x)
{
    x = x - ((x >> 1) & 0x5555u);
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0F0Fu;
    return (x + (x >> 8)) & 0x1Fu;
}

/* Exact equality (=:=, as map keys compare), with the immediate case inline. */
static inline bool key_eq(term_t a, term_t b)
{
    if (a == b)
        return true;
    if (is_immed(a) && is_immed(b))
        return false;
    return term_cmp(a, b, true) == 0;
}

/* The key's hash bits from level `lvl` on (the low 4 bits choose the slot at that level). */
static uint32_t hash_at(term_t key, unsigned lvl)
{
    return term_map_hash(key, lvl >> 3) >> (4 * (lvl & 7));
}

/* Moves hx one level down: the next 4 bits, or the next salted hash after 8 levels. */
static inline uint32_t hash_down(uint32_t hx, unsigned *lvl, term_t key)
{
    ++*lvl;
    if (*lvl >= MAP_MAX_DEPTH)
        zplat_panic("zvm: map keys whose hashes collide at every level");
    return (*lvl & 7) ? hx >> 4 : term_map_hash(key, *lvl >> 3);
}

static inline bool is_root(const term_t *o)
{
    return header_subtag(o[0]) == SUB_HASHMAP;
}

static inline uint32_t node_bitmap(const term_t *o)
{
    return (uint32_t)(is_root(o) ? o[2] : o[1]);
}

static inline term_t *node_items(term_t *o)
{
    return o + (is_root(o) ? 3 : 2);
}

/* Allocates a root (size given) or inner node with `count` children; returns its children. */
static term_t *alloc_node(struct builder *b, bool root, uint64_t size, uint32_t bitmap,
                          unsigned count, term_t *node)
{
    term_t *o = build_alloc(b, (root ? 3 : 2) + count);
    if (root) {
        o[0] = make_header(2 + count, SUB_HASHMAP);
        o[1] = size;
        o[2] = bitmap;
    } else {
        o[0] = make_header(1 + count, SUB_HAMT_NODE);
        o[1] = bitmap;
    }
    *node = make_boxed(o);
    return o + (root ? 3 : 2);
}

static term_t make_leaf(struct builder *b, term_t key, term_t val)
{
    term_t *c = build_alloc(b, 2);
    c[0] = key;
    c[1] = val;
    return make_list(c);
}

/* --- flat maps ----------------------------------------------------------------------------- */

static const term_t *flat_lookup(term_t m, term_t key)
{
    term_t *keys = tuple_elems(flatmap_keys(m));
    uint64_t n = map_size(m);
    if (is_immed(key)) {
        /* An immediate equals only its own word: a scan of at most 32 words beats a binary
         * search through term_cmp (atoms order by name). */
        for (uint64_t i = 0; i < n; i++)
            if (keys[i] == key)
                return &flatmap_values(m)[i];
        return NULL;
    }
    int64_t lo = 0, hi = (int64_t)n - 1;
    while (lo <= hi) {
        int64_t mid = (lo + hi) / 2;
        int c = keys[mid] == key ? 0 : term_cmp(key, keys[mid], true);
        if (c == 0)
            return &flatmap_values(m)[mid];
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Stable merge sort of pairs by key (so "last wins" can pick the later duplicate). */
static void sort_pairs(term_t *k, term_t *v, term_t *tk, term_t *tv, uint64_t n)
{
    if (n < 2)
        return;
    uint64_t h = n / 2;
    sort_pairs(k, v, tk, tv, h);
    sort_pairs(k + h, v + h, tk, tv, n - h);
    uint64_t i = 0, j = h, o = 0;
    while (i < h && j < n) {
        if (term_cmp(k[j], k[i], true) < 0) {
            tk[o] = k[j];
            tv[o++] = v[j++];
        } else {
            tk[o] = k[i];
            tv[o++] = v[i++];
        }
    }
    while (i < h) {
        tk[o] = k[i];
        tv[o++] = v[i++];
    }
    while (j < n) {
        tk[o] = k[j];
        tv[o++] = v[j++];
    }
    for (uint64_t x = 0; x < n; x++) {
        k[x] = tk[x];
        v[x] = tv[x];
    }
}

static void sort_pairs_alloc(term_t *keys, term_t *vals, uint64_t n)
{
    if (n < 2)
        return;
    term_t *tmp = rt_alloc(sizeof(term_t) * 2 * n);
    sort_pairs(keys, vals, tmp, tmp + n, n);
    rt_free(tmp);
}

/* A flat map of n pairs whose keys are sorted and unique. */
static term_t build_flat(struct builder *b, const term_t *keys, const term_t *vals, uint64_t n)
{
    term_t *kt = build_alloc(b, 1 + n);
    kt[0] = make_header(n, SUB_TUPLE);
    term_t *obj = build_alloc(b, 2 + n);
    obj[0] = make_header(1 + n, SUB_MAP);
    obj[1] = make_boxed(kt);
    for (uint64_t i = 0; i < n; i++) {
        kt[1 + i] = keys[i];
        obj[2 + i] = vals[i];
    }
    return make_boxed(obj);
}

/* Sorts the pairs, drops all but the last of equal keys (or fails when `unique`), returns the
 * count left. */
static int64_t sort_dedup(term_t *keys, term_t *vals, uint64_t n, bool unique)
{
    sort_pairs_alloc(keys, vals, n);
    uint64_t o = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (o > 0 && term_eq_exact(keys[o - 1], keys[i])) {
            if (unique)
                return -1;
            vals[o - 1] = vals[i];
            continue;
        }
        keys[o] = keys[i];
        vals[o++] = vals[i];
    }
    return (int64_t)o;
}

/* --- building a trie from pairs ------------------------------------------------------------ */

/*
 * A pair on its way into a trie: `sw` is the key's hash for the current level group with its
 * 4-bit groups reversed, so that sorting by sw sorts by slot at every level of the group
 * (OTP's swizzle). `seq` is the pair's position in the input (the last of equal keys wins).
 */
struct hx_entry {
    uint32_t sw;
    uint64_t seq;
    term_t key, val;
};

static uint32_t swizzle(uint32_t h)
{
    uint32_t r = 0;
    for (int i = 0; i < 8; i++, h >>= 4)
        r = (r << 4) | (h & 0xF);
    return r;
}

static void sort_entries(struct hx_entry *e, struct hx_entry *tmp, uint64_t n)
{
    if (n < 2)
        return;
    uint64_t h = n / 2;
    sort_entries(e, tmp, h);
    sort_entries(e + h, tmp, n - h);
    uint64_t i = 0, j = h, o = 0;
    while (i < h && j < n)
        tmp[o++] = e[j].sw < e[i].sw ? e[j++] : e[i++];
    while (i < h)
        tmp[o++] = e[i++];
    while (j < n)
        tmp[o++] = e[j++];
    for (uint64_t x = 0; x < n; x++)
        e[x] = tmp[x];
}

/* The slot of an entry at level `lvl` (within its level group). */
static inline unsigned entry_slot(const struct hx_entry *e, unsigned lvl)
{
    return (e->sw >> (28 - 4 * (lvl & 7))) & 0xF;
}

/*
 * Builds the (sub)trie of n >= 2 entries with distinct keys that share their slots above `lvl`,
 * sorted by sw. A slot holding one entry gets a leaf, a slot holding more a node one level down
 * (a node with one child where all of them share the next slot too): the canonical trie.
 */
static term_t build_trie(struct builder *b, struct hx_entry *e, struct hx_entry *tmp, uint64_t n,
                         unsigned lvl, bool root)
{
    term_t children[16];
    uint32_t bitmap = 0;
    unsigned count = 0;
    for (uint64_t i = 0; i < n;) {
        unsigned slot = entry_slot(&e[i], lvl);
        uint64_t j = i + 1;
        while (j < n && entry_slot(&e[j], lvl) == slot)
            j++;
        if (j - i == 1) {
            children[count++] = make_leaf(b, e[i].key, e[i].val);
        } else {
            unsigned next = lvl + 1;
            if (next >= MAP_MAX_DEPTH)
                zplat_panic("zvm: map keys whose hashes collide at every level");
            if ((next & 7) == 0) { /* the hash is used up: rehash with the next salt */
                for (uint64_t x = i; x < j; x++)
                    e[x].sw = swizzle(term_map_hash(e[x].key, next >> 3));
                sort_entries(e + i, tmp, j - i);
            }
            children[count++] = build_trie(b, e + i, tmp, j - i, next, false);
        }
        bitmap |= 1u << slot;
        i = j;
    }
    term_t node;
    term_t *items = alloc_node(b, root, n, bitmap, count, &node);
    for (unsigned c = 0; c < count; c++)
        items[c] = children[c];
    return node;
}

/*
 * A map of the n entries (sorted by level-0 sw, not yet deduplicated): equal keys are found
 * among equal hashes; the last wins, or with `unique` the result is THE_NON_VALUE.
 */
static term_t map_from_entries(struct builder *b, struct hx_entry *e, struct hx_entry *tmp,
                               uint64_t n, bool unique)
{
    uint64_t o = 0;
    for (uint64_t i = 0; i < n;) {
        uint64_t j = i + 1;
        while (j < n && e[j].sw == e[i].sw)
            j++;
        /* A run of equal hashes: keep each key's latest pair. Runs are short unless the keys
         * were made to collide. */
        for (uint64_t x = i; x < j; x++) {
            bool superseded = false;
            for (uint64_t y = i; y < j && !superseded; y++)
                if (y != x && key_eq(e[x].key, e[y].key)) {
                    if (unique)
                        return THE_NON_VALUE;
                    superseded = e[y].seq > e[x].seq;
                }
            if (!superseded)
                e[o++] = e[x];
        }
        i = j;
    }
    if (o <= MAP_SMALL_LIMIT) {
        term_t keys[MAP_SMALL_LIMIT], vals[MAP_SMALL_LIMIT];
        for (uint64_t i = 0; i < o; i++) {
            keys[i] = e[i].key;
            vals[i] = e[i].val;
        }
        sort_pairs_alloc(keys, vals, o);
        return build_flat(b, keys, vals, o);
    }
    return build_trie(b, e, tmp, o, 0, true);
}

static term_t from_pairs(struct builder *b, term_t *keys, term_t *vals, uint64_t n, bool unique)
{
    if (n <= MAP_SMALL_LIMIT) {
        int64_t u = sort_dedup(keys, vals, n, unique);
        return u < 0 ? THE_NON_VALUE : build_flat(b, keys, vals, (uint64_t)u);
    }
    struct hx_entry *e = rt_alloc(sizeof *e * 2 * n);
    for (uint64_t i = 0; i < n; i++)
        e[i] = (struct hx_entry){
            .sw = swizzle(term_map_hash(keys[i], 0)), .seq = i, .key = keys[i], .val = vals[i]};
    sort_entries(e, e + n, n);
    term_t m = map_from_entries(b, e, e + n, n, unique);
    rt_free(e);
    return m;
}

term_t map_from_pairs(struct builder *b, term_t *keys, term_t *vals, uint64_t n)
{
    return from_pairs(b, keys, vals, n, false);
}

term_t map_from_unique_pairs(struct builder *b, term_t *keys, term_t *vals, uint64_t n)
{
    return from_pairs(b, keys, vals, n, true);
}

/* --- trie lookups, puts and removals ------------------------------------------------------- */

static const term_t *hashmap_lookup(term_t m, term_t key)
{
    uint32_t hx = term_map_hash(key, 0);
    unsigned lvl = 0;
    term_t *o = boxed_ptr(m);
    for (;;) {
        uint32_t bitmap = node_bitmap(o), bit = 1u << (hx & 0xF);
        if (!(bitmap & bit))
            return NULL;
        term_t child = node_items(o)[popcount16(bitmap & (bit - 1))];
        if (is_list(child))
            return key_eq(CAR(child), key) ? &list_ptr(child)[1] : NULL;
        hx = hash_down(hx, &lvl, key);
        o = boxed_ptr(child);
    }
}

const term_t *map_lookup(term_t m, term_t key)
{
    return is_flatmap(m) ? flat_lookup(m, key) : hashmap_lookup(m, key);
}

/* The nodes from the root down to where a key belongs, with the slot taken at each. */
struct trie_path {
    unsigned depth;
    struct {
        term_t *node;
        unsigned slot;
        uint32_t bit;
    } at[MAP_MAX_DEPTH];
};

/*
 * Copies node `o` with `child` put at path slot `slot`: inserted (the bitmap gains `bit`),
 * replacing (`bit` already set), or with child THE_NON_VALUE removed. A root's size changes by
 * `grow` (+1, 0, -1).
 */
static term_t copy_node(struct builder *b, term_t *o, unsigned slot, uint32_t bit, term_t child,
                        int grow)
{
    bool root = is_root(o);
    uint32_t bitmap = node_bitmap(o);
    unsigned count = popcount16(bitmap);
    const term_t *items = node_items(o);
    uint32_t nbitmap = child == THE_NON_VALUE ? bitmap & ~bit : bitmap | bit;
    unsigned ncount = popcount16(nbitmap);
    term_t node;
    term_t *out =
        alloc_node(b, root, root ? (uint64_t)((int64_t)o[1] + grow) : 0, nbitmap, ncount, &node);
    unsigned w = 0;
    for (unsigned r = 0; r < slot; r++)
        out[w++] = items[r];
    if (child != THE_NON_VALUE)
        out[w++] = child;
    for (unsigned r = slot + (bitmap & bit ? 1 : 0); r < count; r++)
        out[w++] = items[r];
    return node;
}

/* Copies the path bottom-up with `res` in place of what the deepest slot held. */
static term_t rebuild_path(struct builder *b, const struct trie_path *path, term_t res, int grow)
{
    for (unsigned d = path->depth; d-- > 0;)
        res = copy_node(b, path->at[d].node, path->at[d].slot, path->at[d].bit, res, grow);
    return res;
}

/*
 * Puts key => val into hashmap m. Returns the new map, m itself when the key already has that
 * very value, or THE_NON_VALUE when `update` and the key is missing. Shapes as OTP's insert:
 * a leaf meeting another key moves down into nodes until their slots part.
 */
static term_t hashmap_put(struct builder *b, term_t m, term_t key, term_t val, bool update)
{
    struct trie_path path;
    path.depth = 0;
    uint32_t hx = term_map_hash(key, 0);
    unsigned lvl = 0;
    term_t *o = boxed_ptr(m);
    for (;;) {
        uint32_t bitmap = node_bitmap(o), bit = 1u << (hx & 0xF);
        unsigned slot = popcount16(bitmap & (bit - 1));
        path.at[path.depth].node = o;
        path.at[path.depth].slot = slot;
        path.at[path.depth].bit = bit;
        path.depth++;
        if (!(bitmap & bit)) {
            if (update)
                return THE_NON_VALUE;
            return rebuild_path(b, &path, make_leaf(b, key, val), 1);
        }
        term_t child = node_items(o)[slot];
        hx = hash_down(hx, &lvl, key);
        if (is_list(child)) {
            term_t ckey = CAR(child);
            if (key_eq(ckey, key)) {
                if (CDR(child) == val)
                    return m;
                return rebuild_path(b, &path, make_leaf(b, key, val), 0);
            }
            if (update)
                return THE_NON_VALUE;
            /* Both keys go one level down per node until their slots differ. */
            uint32_t chx = hash_at(ckey, lvl);
            unsigned top = lvl;
            uint32_t shared[MAP_MAX_DEPTH];
            while ((hx & 0xF) == (chx & 0xF)) {
                shared[lvl - top] = 1u << (hx & 0xF);
                unsigned clvl = lvl;
                hx = hash_down(hx, &lvl, key);
                chx = hash_down(chx, &clvl, ckey);
            }
            term_t leaf = make_leaf(b, key, val), pair;
            term_t *items =
                alloc_node(b, false, 0, (1u << (hx & 0xF)) | (1u << (chx & 0xF)), 2, &pair);
            bool first = (hx & 0xF) < (chx & 0xF);
            items[0] = first ? leaf : child;
            items[1] = first ? child : leaf;
            for (unsigned d = lvl - top; d-- > 0;) {
                term_t above;
                alloc_node(b, false, 0, shared[d], 1, &above)[0] = pair;
                pair = above;
            }
            return rebuild_path(b, &path, pair, 1);
        }
        o = boxed_ptr(child);
    }
}

/* A flat map of the pairs of hashmap m except `skip` (which it holds): shrinking to 32. */
static term_t flatten_without(struct builder *b, term_t m, term_t skip)
{
    term_t keys[MAP_SMALL_LIMIT + 1], vals[MAP_SMALL_LIMIT + 1];
    uint64_t n = 0;
    struct map_iter it;
    term_t k, v;
    map_iter_init(&it, m, MAP_ORDER_ITER);
    while (map_iter_next(&it, &k, &v))
        if (!key_eq(k, skip) && n < MAP_SMALL_LIMIT + 1) {
            keys[n] = k;
            vals[n++] = v;
        }
    sort_pairs_alloc(keys, vals, n);
    return build_flat(b, keys, vals, n);
}

/* hashmap m without key, collapsing nodes as OTP's removal does (the trie stays canonical). */
static term_t hashmap_remove(struct builder *b, term_t m, term_t key)
{
    struct trie_path path;
    path.depth = 0;
    uint32_t hx = term_map_hash(key, 0);
    unsigned lvl = 0;
    term_t *o = boxed_ptr(m);
    for (;;) {
        uint32_t bitmap = node_bitmap(o), bit = 1u << (hx & 0xF);
        if (!(bitmap & bit))
            return m;
        unsigned slot = popcount16(bitmap & (bit - 1));
        path.at[path.depth].node = o;
        path.at[path.depth].slot = slot;
        path.at[path.depth].bit = bit;
        path.depth++;
        term_t child = node_items(o)[slot];
        if (is_list(child)) {
            if (!key_eq(CAR(child), key))
                return m;
            break;
        }
        hx = hash_down(hx, &lvl, key);
        o = boxed_ptr(child);
    }
    if (map_size(m) - 1 <= MAP_SMALL_LIMIT)
        return flatten_without(b, m, key);
    /* res: what replaces the slot of the level below; THE_NON_VALUE for "nothing". */
    term_t res = THE_NON_VALUE;
    for (unsigned d = path.depth; d-- > 1;) {
        term_t *n = path.at[d].node;
        unsigned slot = path.at[d].slot, count = popcount16(node_bitmap(n));
        if (res == THE_NON_VALUE) {
            if (count == 1)
                continue; /* the node goes too */
            if (count == 2) {
                term_t other = node_items(n)[slot == 0 ? 1 : 0];
                if (is_list(other)) {
                    res = other; /* a lone leaf moves up */
                    continue;
                }
            }
            res = copy_node(b, n, slot, path.at[d].bit, THE_NON_VALUE, 0);
        } else if (is_list(res) && count == 1) {
            continue; /* the leaf keeps moving up */
        } else {
            res = copy_node(b, n, slot, path.at[d].bit, res, 0);
        }
    }
    return copy_node(b, path.at[0].node, path.at[0].slot, path.at[0].bit, res, -1);
}

/* --- puts, removals and merges of any map -------------------------------------------------- */

uint64_t map_put_words(term_t m, uint64_t n)
{
    uint64_t size = map_size(m), total = size + n;
    if (total <= MAP_SMALL_LIMIT)
        return 3 + 2 * total;
    if (is_flatmap(m)) /* becomes a trie: a leaf and a slot per pair, a node per few pairs */
        return total * 4 + 64;
    /* Per pair: a leaf, a copied path (a node of at most 18 words per level), new nodes. */
    unsigned levels = 3;
    for (uint64_t s = size; s > 16; s /= 16)
        levels++;
    return n * (2 + 18 * (uint64_t)levels + 8);
}

term_t map_put_many(struct builder *b, term_t m, const term_t *keys, const term_t *vals, uint64_t n,
                    bool exact, term_t *missing)
{
    uint64_t size = map_size(m);
    if (exact) {
        /* BEAM reports the missing key that comes first in term order. */
        term_t first_missing = THE_NON_VALUE;
        for (uint64_t i = 0; i < n; i++)
            if (!map_lookup(m, keys[i]) &&
                (first_missing == THE_NON_VALUE || term_cmp(keys[i], first_missing, true) < 0))
                first_missing = keys[i];
        if (first_missing != THE_NON_VALUE) {
            *missing = first_missing;
            return THE_NON_VALUE;
        }
    }
    if (!is_flatmap(m)) {
        for (uint64_t i = 0; i < n; i++)
            m = hashmap_put(b, m, keys[i], vals[i], false);
        return m;
    }
    bool all_present = true; /* with `exact`, checked above */
    for (uint64_t i = 0; i < n && all_present && !exact; i++)
        all_present = flat_lookup(m, keys[i]) != NULL;
    if (all_present) {
        /* Only values change (the common record-like update): the keys tuple is shared. */
        term_t *obj = build_alloc(b, 2 + size);
        obj[0] = make_header(1 + size, SUB_MAP);
        obj[1] = flatmap_keys(m);
        for (uint64_t i = 0; i < size; i++)
            obj[2 + i] = flatmap_values(m)[i];
        for (uint64_t i = 0; i < n; i++)
            obj[2 + (flat_lookup(m, keys[i]) - flatmap_values(m))] = vals[i];
        return make_boxed(obj);
    }
    /* The new pairs, sorted (stable) with the last of equal keys kept, then merged with the
     * map's sorted keys: O(size + n log n) per update. */
    term_t small[2 * 8];
    term_t *nk = n <= 8 ? small : rt_alloc(sizeof(term_t) * 2 * n);
    term_t *nv = nk + n;
    for (uint64_t i = 0; i < n; i++) {
        nk[i] = keys[i];
        nv[i] = vals[i];
    }
    uint64_t u = (uint64_t)sort_dedup(nk, nv, n, false);
    term_t *mk = tuple_elems(flatmap_keys(m)), *mv = flatmap_values(m);
    uint64_t total = 0;
    for (uint64_t i = 0, j = 0; i < size || j < u;) {
        int c = i == size ? 1 : j == u ? -1 : term_cmp(mk[i], nk[j], true);
        i += c <= 0;
        j += c >= 0;
        total++;
    }
    term_t *ok, *ov, *obj = NULL, *merged = NULL;
    if (total <= MAP_SMALL_LIMIT) {
        term_t *kt = build_alloc(b, 1 + total);
        kt[0] = make_header(total, SUB_TUPLE);
        obj = build_alloc(b, 2 + total);
        obj[0] = make_header(1 + total, SUB_MAP);
        obj[1] = make_boxed(kt);
        ok = kt + 1;
        ov = obj + 2;
    } else {
        merged = rt_alloc(sizeof(term_t) * 2 * total);
        ok = merged;
        ov = merged + total;
    }
    uint64_t o = 0;
    for (uint64_t i = 0, j = 0; i < size || j < u; o++) {
        int c = i == size ? 1 : j == u ? -1 : term_cmp(mk[i], nk[j], true);
        if (c < 0) {
            ok[o] = mk[i];
            ov[o] = mv[i++];
        } else {
            ok[o] = nk[j];
            ov[o] = nv[j++];
            i += c == 0;
        }
    }
    if (nk != small)
        rt_free(nk);
    if (!merged)
        return make_boxed(obj);
    term_t r = map_from_unique_pairs(b, ok, ov, total);
    rt_free(merged);
    return r;
}

term_t map_remove(struct builder *b, term_t m, term_t key)
{
    if (!is_flatmap(m))
        return hashmap_remove(b, m, key);
    const term_t *at = flat_lookup(m, key);
    if (!at)
        return m;
    uint64_t n = map_size(m), skip = (uint64_t)(at - flatmap_values(m));
    term_t *kt = build_alloc(b, n);
    kt[0] = make_header(n - 1, SUB_TUPLE);
    term_t *obj = build_alloc(b, 1 + n);
    obj[0] = make_header(n, SUB_MAP);
    obj[1] = make_boxed(kt);
    term_t *mk = tuple_elems(flatmap_keys(m)), *mv = flatmap_values(m);
    uint64_t o = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (i == skip)
            continue;
        kt[1 + o] = mk[i];
        obj[2 + o] = mv[i];
        o++;
    }
    return make_boxed(obj);
}

term_t map_merge(struct builder *b, term_t a, term_t bm)
{
    struct map_iter it;
    term_t k, v, missing;
    if (is_flatmap(a) && is_flatmap(bm))
        return map_put_many(b, a, tuple_elems(flatmap_keys(bm)), flatmap_values(bm), map_size(bm),
                            false, &missing);
    uint64_t na = map_size(a), nb = map_size(bm);
    if ((na < nb ? na : nb) * 16 > (na < nb ? nb : na)) {
        /* Sizes alike: one new trie from all the pairs (b's last, so they win) allocates less
         * than a copied path per put. */
        term_t *kv = rt_alloc(sizeof(term_t) * 2 * (na + nb));
        uint64_t n = 0;
        map_iter_init(&it, a, MAP_ORDER_ITER);
        while (map_iter_next(&it, &kv[n], &kv[na + nb + n]))
            n++;
        map_iter_init(&it, bm, MAP_ORDER_ITER);
        while (map_iter_next(&it, &kv[n], &kv[na + nb + n]))
            n++;
        term_t r = map_from_pairs(b, kv, kv + na + nb, n);
        rt_free(kv);
        return r;
    }
    if (nb <= na) {
        /* a is a much larger hashmap: put b's pairs into it */
        map_iter_init(&it, bm, MAP_ORDER_ITER);
        while (map_iter_next(&it, &k, &v))
            a = hashmap_put(b, a, k, v, false);
        return a;
    }
    /* b is a much larger hashmap: put in a's pairs whose keys b lacks */
    map_iter_init(&it, a, MAP_ORDER_ITER);
    while (map_iter_next(&it, &k, &v))
        if (!hashmap_lookup(bm, k))
            bm = hashmap_put(b, bm, k, v, false);
    return bm;
}

/* --- walking ------------------------------------------------------------------------------- */

void map_iter_init(struct map_iter *it, term_t m, enum map_order order)
{
    it->reverse = order == MAP_ORDER_LIST;
    it->depth = 0;
    if (is_flatmap(m)) {
        it->flat = m;
        it->i = 0;
        it->n = map_size(m);
        return;
    }
    it->flat = THE_NON_VALUE;
    const term_t *items;
    int n = (int)hamt_children(m, &items);
    it->level[0].items = items;
    it->level[0].n = n;
    it->level[0].next = it->reverse ? n - 1 : 0;
    it->depth = 1;
}

bool map_iter_next(struct map_iter *it, term_t *key, term_t *value)
{
    if (it->flat != THE_NON_VALUE) {
        if (it->i == it->n)
            return false;
        *key = tuple_elems(flatmap_keys(it->flat))[it->i];
        *value = flatmap_values(it->flat)[it->i];
        it->i++;
        return true;
    }
    while (it->depth > 0) {
        unsigned d = it->depth - 1;
        int at = it->level[d].next;
        if (at < 0 || at >= it->level[d].n) {
            it->depth--;
            continue;
        }
        it->level[d].next = it->reverse ? at - 1 : at + 1;
        term_t child = it->level[d].items[at];
        if (is_list(child)) {
            *key = CAR(child);
            *value = CDR(child);
            return true;
        }
        const term_t *items;
        int n = (int)hamt_children(child, &items);
        it->level[it->depth].items = items;
        it->level[it->depth].n = n;
        it->level[it->depth].next = it->reverse ? n - 1 : 0;
        it->depth++;
    }
    return false;
}

void map_sorted_pairs(term_t m, term_t *keys, term_t *vals)
{
    struct map_iter it;
    uint64_t n = 0;
    map_iter_init(&it, m, MAP_ORDER_ITER);
    while (map_iter_next(&it, &keys[n], &vals[n]))
        n++;
    if (!is_flatmap(m))
        sort_pairs_alloc(keys, vals, n);
}
