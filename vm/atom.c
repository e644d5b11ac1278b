/* atom.c: the atom table, an open-addressing hash of names (see atom.h). */
#include "vm/atom.h"

#include <string.h>

#include "vm/rt.h"

struct atom_entry {
    char *name;
    uint32_t len;
    uint32_t hash;
};

static struct atom_entry *atoms;
static uint32_t n_atoms, cap_atoms;
static uint32_t *slots; /* index + 1, 0 = empty */
static uint32_t n_slots;

static uint32_t hash_name(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void rehash(uint32_t new_slots)
{
    rt_free(slots);
    slots = rt_zalloc(sizeof *slots * new_slots);
    n_slots = new_slots;
    for (uint32_t i = 0; i < n_atoms; i++) {
        uint32_t j = atoms[i].hash & (n_slots - 1);
        while (slots[j])
            j = (j + 1) & (n_slots - 1);
        slots[j] = i + 1;
    }
}

static bool valid_utf8_chars(const char *s, size_t len, size_t *chars)
{
    size_t n = 0;
    for (size_t i = 0; i < len; n++) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (k == 0 || i + k > len)
            return false;
        for (size_t j = 1; j < k; j++)
            if (((unsigned char)s[i + j] >> 6) != 2)
                return false;
        i += k;
    }
    *chars = n;
    return true;
}

static term_t insert(const char *name, size_t len, uint32_t h)
{
    if (n_atoms == cap_atoms) {
        cap_atoms = cap_atoms ? cap_atoms * 2 : 1024;
        atoms = rt_realloc(atoms, sizeof *atoms * cap_atoms);
    }
    atoms[n_atoms].name = rt_strndup(name, len);
    atoms[n_atoms].len = (uint32_t)len;
    atoms[n_atoms].hash = h;
    n_atoms++;
    if (n_atoms * 2 > n_slots)
        rehash(n_slots ? n_slots * 2 : 4096);
    else {
        uint32_t j = h & (n_slots - 1);
        while (slots[j])
            j = (j + 1) & (n_slots - 1);
        slots[j] = n_atoms;
    }
    return make_atom(n_atoms - 1);
}

void atom_table_init(void)
{
    if (atoms)
        return;
    static const struct {
        const char *text;
    } builtin[] = {
#define ATOM_TEXT(idx, id, text) {text},
        ZVM_ATOM_LIST(ATOM_TEXT)
#undef ATOM_TEXT
    };
    rehash(4096);
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        size_t len = rt_strlen(builtin[i].text);
        insert(builtin[i].text, len, hash_name(builtin[i].text, len));
    }
}

void atom_table_dispose(void)
{
    for (uint32_t i = 0; i < n_atoms; i++)
        rt_free(atoms[i].name);
    rt_free(atoms);
    rt_free(slots);
    atoms = NULL;
    slots = NULL;
    n_atoms = cap_atoms = n_slots = 0;
}

term_t atom_lookup(const char *name, size_t len)
{
    uint32_t h = hash_name(name, len);
    for (uint32_t j = h & (n_slots - 1); slots[j]; j = (j + 1) & (n_slots - 1)) {
        struct atom_entry *e = &atoms[slots[j] - 1];
        if (e->hash == h && e->len == len && rt_memeq(e->name, name, len))
            return make_atom(slots[j] - 1);
    }
    return THE_NON_VALUE;
}

term_t atom_intern(const char *name, size_t len)
{
    size_t chars;
    if (!valid_utf8_chars(name, len, &chars) || chars > ATOM_MAX_CHARS)
        return THE_NON_VALUE;
    term_t a = atom_lookup(name, len);
    if (a != THE_NON_VALUE)
        return a;
    return insert(name, len, hash_name(name, len));
}

const char *atom_name(term_t atom, size_t *len)
{
    struct atom_entry *e = &atoms[atom_index(atom)];
    *len = e->len;
    return e->name;
}

uint32_t atom_count(void)
{
    return n_atoms;
}

int atom_compare(term_t a, term_t b)
{
    if (a == b)
        return 0;
    struct atom_entry *x = &atoms[atom_index(a)], *y = &atoms[atom_index(b)];
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->name, y->name, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return x->len < y->len ? -1 : x->len > y->len ? 1 : 0;
}

void atom_table_save(struct atom_table_saved *out)
{
    out->entries = atoms;
    out->n_atoms = n_atoms;
    out->cap_atoms = cap_atoms;
    out->slots = slots;
    out->n_slots = n_slots;
}

void atom_table_adopt(const struct atom_table_saved *saved)
{
    atoms = saved->entries;
    n_atoms = saved->n_atoms;
    cap_atoms = saved->cap_atoms;
    slots = saved->slots;
    n_slots = saved->n_slots;
}
