/* flow_table.c - connection table: seeded SipHash over a zero-padded canonical key,
 * linear probing with backward-shift deletion (no tombstones), entries in a chunked
 * pool addressed by 32-bit index, per-class LRU lists threaded through the entries. */
#include "flow_table.h"

#include <stdlib.h>
#include <string.h>

#include "siphash.h"

#define CHUNK_SHIFT 10
#define CHUNK_SIZE  (1u << CHUNK_SHIFT)
#define NIL         0u /* index 0 is never used */

struct flow_entry {
    struct conn conn; /* first: a struct conn * is a struct flow_entry * */
    struct flow_key key;
    uint32_t lru_prev, lru_next; /* neighbours in the class list, or the free list */
    uint32_t idx;
    uint8_t cls;
    bool in_use;
};

struct lru_list {
    uint32_t head, tail; /* head = least recently touched */
};

struct flow_table {
    uint8_t seed[16];
    uint32_t *buckets; /* entry index, NIL = empty */
    size_t n_buckets;  /* power of two */
    size_t count;
    struct flow_entry **chunks;
    size_t n_chunks;
    uint32_t next_unused; /* next never-used index */
    uint32_t free_head;   /* recycled entries */
    struct lru_list lru[FLOW_CLASS_COUNT];
};

static struct flow_entry *entry_at(const struct flow_table *ft, uint32_t idx)
{
    return &ft->chunks[idx >> CHUNK_SHIFT][idx & (CHUNK_SIZE - 1)];
}

static struct flow_entry *entry_of(const struct conn *c)
{
    return (struct flow_entry *)(uintptr_t)c;
}

static int addr_port_cmp(const struct ip_addr *a, uint16_t ap, const struct ip_addr *b, uint16_t bp)
{
    int r = memcmp(a->b, b->b, sizeof(a->b));
    if (r != 0)
        return r;
    return (ap > bp) - (ap < bp);
}

bool flow_key_make(struct flow_key *key, uint8_t ip_version, uint8_t proto, const struct ip_addr *a,
                   uint16_t ap, const struct ip_addr *b, uint16_t bp, uint16_t vlan,
                   uint16_t vlan_inner, uint32_t ctx)
{
    memset(key, 0, sizeof(*key));
    bool a_is_lo = addr_port_cmp(a, ap, b, bp) <= 0;
    const struct ip_addr *lo = a_is_lo ? a : b, *hi = a_is_lo ? b : a;
    memcpy(key->lo_addr, lo->b, 16);
    memcpy(key->hi_addr, hi->b, 16);
    key->lo_port = a_is_lo ? ap : bp;
    key->hi_port = a_is_lo ? bp : ap;
    key->vlan = vlan;
    key->vlan_inner = vlan_inner;
    key->ctx = ctx;
    key->proto = proto;
    key->ip_version = ip_version;
    return a_is_lo;
}

static uint64_t key_hash(const struct flow_table *ft, const struct flow_key *key)
{
    return siphash24(key, sizeof(*key), ft->seed);
}

struct flow_table *flow_table_create(const uint8_t seed[16])
{
    struct flow_table *ft = calloc(1, sizeof(*ft));
    if (ft == NULL)
        return NULL;
    memcpy(ft->seed, seed, 16);
    ft->n_buckets = 1024;
    ft->buckets = calloc(ft->n_buckets, sizeof(*ft->buckets));
    if (ft->buckets == NULL) {
        free(ft);
        return NULL;
    }
    ft->next_unused = 1;
    return ft;
}

void flow_table_destroy(struct flow_table *ft)
{
    if (ft == NULL)
        return;
    for (size_t i = 0; i < ft->n_chunks; i++)
        free(ft->chunks[i]);
    free(ft->chunks);
    free(ft->buckets);
    free(ft);
}

static size_t probe_start(const struct flow_table *ft, const struct flow_key *key)
{
    return (size_t)key_hash(ft, key) & (ft->n_buckets - 1);
}

struct conn *flow_table_find(struct flow_table *ft, const struct flow_key *key)
{
    size_t mask = ft->n_buckets - 1;
    for (size_t i = probe_start(ft, key);; i = (i + 1) & mask) {
        uint32_t idx = ft->buckets[i];
        if (idx == NIL)
            return NULL;
        struct flow_entry *e = entry_at(ft, idx);
        if (memcmp(&e->key, key, sizeof(*key)) == 0)
            return &e->conn;
    }
}

static int grow_buckets(struct flow_table *ft)
{
    size_t n = ft->n_buckets * 2;
    uint32_t *nb = calloc(n, sizeof(*nb));
    if (nb == NULL)
        return -1;
    for (size_t i = 0; i < ft->n_buckets; i++) {
        uint32_t idx = ft->buckets[i];
        if (idx == NIL)
            continue;
        size_t j = (size_t)key_hash(ft, &entry_at(ft, idx)->key) & (n - 1);
        while (nb[j] != NIL)
            j = (j + 1) & (n - 1);
        nb[j] = idx;
    }
    free(ft->buckets);
    ft->buckets = nb;
    ft->n_buckets = n;
    return 0;
}

static uint32_t alloc_entry(struct flow_table *ft)
{
    if (ft->free_head != NIL) {
        uint32_t idx = ft->free_head;
        ft->free_head = entry_at(ft, idx)->lru_next;
        return idx;
    }
    uint32_t idx = ft->next_unused;
    if (idx == UINT32_MAX)
        return NIL;
    size_t chunk = idx >> CHUNK_SHIFT;
    if (chunk >= ft->n_chunks) {
        struct flow_entry **nc = realloc(ft->chunks, (chunk + 1) * sizeof(*nc));
        if (nc == NULL)
            return NIL;
        ft->chunks = nc;
        nc[chunk] = malloc(CHUNK_SIZE * sizeof(struct flow_entry));
        if (nc[chunk] == NULL)
            return NIL;
        ft->n_chunks = chunk + 1;
    }
    ft->next_unused++;
    return idx;
}

static void lru_unlink(struct flow_table *ft, struct flow_entry *e)
{
    struct lru_list *l = &ft->lru[e->cls];
    if (e->lru_prev != NIL)
        entry_at(ft, e->lru_prev)->lru_next = e->lru_next;
    else
        l->head = e->lru_next;
    if (e->lru_next != NIL)
        entry_at(ft, e->lru_next)->lru_prev = e->lru_prev;
    else
        l->tail = e->lru_prev;
    e->lru_prev = e->lru_next = NIL;
}

static void lru_append(struct flow_table *ft, struct flow_entry *e, enum flow_class cls)
{
    struct lru_list *l = &ft->lru[cls];
    e->cls = (uint8_t)cls;
    e->lru_next = NIL;
    e->lru_prev = l->tail;
    if (l->tail != NIL)
        entry_at(ft, l->tail)->lru_next = e->idx;
    else
        l->head = e->idx;
    l->tail = e->idx;
}

struct conn *flow_table_insert(struct flow_table *ft, const struct flow_key *key,
                               enum flow_class cls)
{
    if ((ft->count + 1) * 2 > ft->n_buckets && grow_buckets(ft) != 0)
        return NULL;
    uint32_t idx = alloc_entry(ft);
    if (idx == NIL)
        return NULL;
    struct flow_entry *e = entry_at(ft, idx);
    memset(e, 0, sizeof(*e));
    e->key = *key;
    e->idx = idx;
    e->in_use = true;
    size_t mask = ft->n_buckets - 1;
    size_t i = probe_start(ft, key);
    while (ft->buckets[i] != NIL)
        i = (i + 1) & mask;
    ft->buckets[i] = idx;
    ft->count++;
    lru_append(ft, e, cls);
    return &e->conn;
}

void flow_table_remove(struct flow_table *ft, struct conn *c)
{
    struct flow_entry *e = entry_of(c);
    size_t mask = ft->n_buckets - 1;
    size_t i = probe_start(ft, &e->key);
    while (ft->buckets[i] != e->idx)
        i = (i + 1) & mask;
    /* backward-shift deletion keeps every probe chain unbroken */
    size_t hole = i;
    for (size_t j = (hole + 1) & mask; ft->buckets[j] != NIL; j = (j + 1) & mask) {
        size_t home = (size_t)key_hash(ft, &entry_at(ft, ft->buckets[j])->key) & mask;
        /* move j into the hole unless its home lies cyclically in (hole, j] */
        bool home_between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!home_between) {
            ft->buckets[hole] = ft->buckets[j];
            hole = j;
        }
    }
    ft->buckets[hole] = NIL;
    lru_unlink(ft, e);
    e->in_use = false;
    e->lru_next = ft->free_head;
    ft->free_head = e->idx;
    ft->count--;
}

void flow_table_touch(struct flow_table *ft, struct conn *c, enum flow_class cls)
{
    struct flow_entry *e = entry_of(c);
    if (e->cls == cls && ft->lru[cls].tail == e->idx)
        return;
    lru_unlink(ft, e);
    lru_append(ft, e, cls);
}

struct conn *flow_table_oldest(const struct flow_table *ft, enum flow_class cls)
{
    uint32_t idx = ft->lru[cls].head;
    return idx == NIL ? NULL : &entry_at(ft, idx)->conn;
}

const struct flow_key *flow_table_key(const struct conn *c)
{
    return &entry_of(c)->key;
}

size_t flow_table_count(const struct flow_table *ft)
{
    return ft->count;
}

size_t flow_table_memory(const struct flow_table *ft)
{
    return sizeof(*ft) + ft->n_buckets * sizeof(*ft->buckets) +
           ft->n_chunks * (sizeof(struct flow_entry *) + CHUNK_SIZE * sizeof(struct flow_entry));
}

void flow_table_foreach(struct flow_table *ft, void (*fn)(void *user, struct conn *c), void *user)
{
    for (uint32_t idx = 1; idx < ft->next_unused; idx++) {
        struct flow_entry *e = entry_at(ft, idx);
        if (e->in_use)
            fn(user, &e->conn);
    }
}
