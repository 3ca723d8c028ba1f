/* flow_table.c - connection table: a keyed hash (AES rounds where the CPU has
 * AES-NI, else SipHash) of a zero-padded canonical key, linear probing with
 * backward-shift deletion (no tombstones), entries in a chunked pool addressed by
 * 32-bit index, per-class LRU lists in a dense side array.
 *
 * Layout for one cache miss per lookup: a bucket holds the entry index and the low
 * 32 bits of the key's hash (the tag), so a probe compares tags and dereferences an
 * entry only on a tag match; the key sits in the first cache line of its 64-byte
 * aligned entry, right before the connection's own hot fields. The tags also give
 * every bucket's home slot without rehashing (growth, backward-shift deletion). The LRU
 * links live apart from the entries (8 bytes per index) so that relinking on every
 * packet does not pull the neighbours' entries into the cache. */
#include "flow_table.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cache_evict.h"
#include "huge_pages.h"
#include "prefault.h"
#include "siphash.h"
#include "zero_stores.h"

#if defined(__SANITIZE_ADDRESS__)
#define FLOW_TABLE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FLOW_TABLE_ASAN 1
#endif
#endif
#ifdef FLOW_TABLE_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define NIL         0u /* index 0 is never used */
#define CLS_FREE    0xFFu
#define ENTRY_ALIGN 64
/* entries per chunk: as many as fill one huge page. An index is
 * chunk << CHUNK_SHIFT | slot (slot < CHUNK_SIZE): the entry is found with a
 * shift and a mask, where a dense index would take a division by CHUNK_SIZE on
 * every lookup; the slots from CHUNK_SIZE to the next power of two are never
 * used (their LRU links cost 8 bytes each: 0.4 % of a chunk). */
#define CHUNK_SIZE  ((uint32_t)(HUGE_PAGE_SIZE / ENTRY_SIZE))
#define CHUNK_SHIFT 12u
#define CHUNK_MASK  ((1u << CHUNK_SHIFT) - 1u)

/* An entry: this header, then the open connection's first CONN_OPEN_SIZE
 * bytes (conn.h: the record-only tail is not stored), rounded up to whole
 * cache lines. Sanitizer builds keep room for the whole struct conn and poison
 * the tail, so that touching a record-only field of an open connection is
 * reported instead of landing in the next entry. */
struct flow_entry {
    alignas(ENTRY_ALIGN) struct flow_key key;
    uint64_t hash; /* the key's hash: removal finds the bucket by its low 32 bits (the
                      tag) and the closed 5-tuples take it whole, without rehashing */
    uint32_t idx;
    uint8_t cls;  /* enum flow_class, CLS_FREE when not in use */
    alignas(8) unsigned char conn[]; /* struct conn, CONN_OPEN_SIZE bytes of it */
};
_Static_assert(offsetof(struct flow_entry, conn) == ENTRY_ALIGN,
               "the header (key, hash, index, class) is one cache line");

#ifdef FLOW_TABLE_ASAN
#define CONN_STORED sizeof(struct conn)
#else
#define CONN_STORED CONN_OPEN_SIZE
#endif
/* what an insert zeroes: the header and the stored part of the connection */
#define ENTRY_ZEROED (offsetof(struct flow_entry, conn) + CONN_OPEN_SIZE)
_Static_assert(ENTRY_ZEROED % 16 == 0, "zero_stores takes whole 16-byte blocks");
#define ENTRY_SIZE \
    ((offsetof(struct flow_entry, conn) + CONN_STORED + ENTRY_ALIGN - 1) / ENTRY_ALIGN * ENTRY_ALIGN)
_Static_assert(CONN_OPEN_SIZE % 8 == 0, "the stored part of a connection is whole words");
_Static_assert(CHUNK_SIZE >= 1 && CHUNK_SIZE <= CHUNK_MASK + 1, "a chunk's slots fit its index range");

struct bucket {
    uint32_t tag; /* low 32 bits of the key's hash (meaningless when idx is NIL) */
    uint32_t idx; /* entry index, NIL = empty */
};

struct lru_link {
    uint32_t prev, next; /* neighbours in the class list, or next in the free list */
};

struct lru_list {
    uint32_t head, tail; /* head = least recently touched */
};

struct flow_table {
    struct flow_hasher hasher;
    struct bucket *buckets;
    size_t n_buckets; /* power of two, at most 2^32 */
    size_t count;
    unsigned char **chunks;  /* CHUNK_SIZE entries of ENTRY_SIZE bytes each */
    struct lru_link *links;  /* one array for every index: link_at is one add, not a
                                division by CHUNK_SIZE (grown geometrically) */
    size_t links_cap;        /* links allocated */
    size_t n_chunks;
    uint32_t next_unused; /* next never-used index */
    uint32_t free_head;   /* recycled entries */
    struct lru_list lru[FLOW_CLASS_COUNT];
    struct prefault *prefault; /* where to post spare chunks (NULL = none) */
    bool evict;                /* flow_table_evict can (cache_evict_supported) */
    void *spare;               /* the next chunk, allocated ahead when posted (or NULL) */
};

static struct flow_entry *entry_at(const struct flow_table *ft, uint32_t idx)
{
    return (struct flow_entry *)(void *)((char *)ft->chunks[idx >> CHUNK_SHIFT] +
                                         (size_t)(idx & CHUNK_MASK) * ENTRY_SIZE);
}

static struct conn *conn_of(struct flow_entry *e)
{
    return (struct conn *)(void *)e->conn;
}

static struct lru_link *link_at(const struct flow_table *ft, uint32_t idx)
{
    return &ft->links[idx];
}

static struct flow_entry *entry_of(const struct conn *c)
{
    return (struct flow_entry *)(uintptr_t)((const char *)c - offsetof(struct flow_entry, conn));
}

_Static_assert(sizeof(struct flow_key) % sizeof(uint64_t) == 0, "flow_key is whole words");

/* memcmp(a, b, sizeof *a) == 0, inlined as word compares (one call per packet) */
static bool key_equal(const struct flow_key *a, const struct flow_key *b)
{
    enum { WORDS = sizeof(struct flow_key) / sizeof(uint64_t) };
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    uint64_t diff = 0;
    for (size_t i = 0; i < WORDS; i++) { /* word by word: no copies of the keys */
        uint64_t x, y;
        memcpy(&x, p + i * sizeof(x), sizeof(x));
        memcpy(&y, q + i * sizeof(y), sizeof(y));
        diff |= x ^ y;
    }
    return diff == 0;
}

/* The address's bytes as two big-endian words: comparing them in order is
 * memcmp's byte order, without a call per packet. */
static void addr_words(const struct ip_addr *a, uint64_t w[2])
{
    memcpy(w, a->b, 16);
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
    w[0] = __builtin_bswap64(w[0]);
    w[1] = __builtin_bswap64(w[1]);
#endif
}

static int addr_port_cmp(const struct ip_addr *a, uint16_t ap, const struct ip_addr *b, uint16_t bp)
{
    uint64_t x[2], y[2];
    addr_words(a, x);
    addr_words(b, y);
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    if (x[1] != y[1])
        return x[1] < y[1] ? -1 : 1;
    return (ap > bp) - (ap < bp);
}

/* The key as three 16-byte blocks, where the compiler has vector types and
 * the byte order puts the fields of the third block (ports, VLANs, context,
 * protocol, IP version, pad) at the positions of the little-endian words
 * made below. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FLOW_KEY_BLOCKS 1
typedef uint64_t key_block __attribute__((vector_size(16)));
_Static_assert(offsetof(struct flow_key, lo_port) == 32 && offsetof(struct flow_key, hi_port) == 34 &&
                   offsetof(struct flow_key, vlan) == 36 &&
                   offsetof(struct flow_key, vlan_inner) == 38 &&
                   offsetof(struct flow_key, ctx) == 40 && offsetof(struct flow_key, proto) == 44 &&
                   offsetof(struct flow_key, ip_version) == 45 &&
                   offsetof(struct flow_key, pad) == 46,
               "the third block's layout");
#endif

bool flow_key_make(struct flow_key *key, uint8_t ip_version, uint8_t proto, const struct ip_addr *a,
                   uint16_t ap, const struct ip_addr *b, uint16_t bp, uint16_t vlan,
                   uint16_t vlan_inner, uint32_t ctx)
{
    /* Every byte is written once: the members, then pad (the key is hashed and
     * compared as bytes), with no memset of the whole key before them. */
    _Static_assert(sizeof(struct flow_key) == 2 * 16 + 4 * sizeof(uint16_t) + sizeof(uint32_t) +
                                                  2 * sizeof(uint8_t) + sizeof(key->pad),
                   "flow_key has no padding but pad[]");
    bool a_is_lo = addr_port_cmp(a, ap, b, bp) <= 0;
    const struct ip_addr *lo = a_is_lo ? a : b, *hi = a_is_lo ? b : a;
    uint16_t lo_port = a_is_lo ? ap : bp, hi_port = a_is_lo ? bp : ap;
#if defined(FLOW_KEY_BLOCKS)
    /* Three 16-byte stores, the blocks flow_key_hash loads right after: a
     * load that spans several smaller stores cannot take its bytes from them
     * and waits until they reach the cache (a stall per packet). */
    uint64_t lw[2], hw[2];
    memcpy(lw, lo->b, 16);
    memcpy(hw, hi->b, 16);
    key_block lo_b = {lw[0], lw[1]}, hi_b = {hw[0], hw[1]}; /* built in vector registers */
    key_block tail = {(uint64_t)lo_port | (uint64_t)hi_port << 16 | (uint64_t)vlan << 32 |
                          (uint64_t)vlan_inner << 48,
                      (uint64_t)ctx | (uint64_t)proto << 32 | (uint64_t)ip_version << 40};
    memcpy(key->lo_addr, &lo_b, 16);
    memcpy(key->hi_addr, &hi_b, 16);
    memcpy(&key->lo_port, &tail, 16);
#else
    memcpy(key->lo_addr, lo->b, 16);
    memcpy(key->hi_addr, hi->b, 16);
    key->lo_port = lo_port;
    key->hi_port = hi_port;
    key->vlan = vlan;
    key->vlan_inner = vlan_inner;
    key->ctx = ctx;
    key->proto = proto;
    key->ip_version = ip_version;
    memset(key->pad, 0, sizeof(key->pad));
#endif
    return a_is_lo;
}

void flow_hasher_init(struct flow_hasher *h, const uint8_t seed[16])
{
    if (flow_hasher_init_impl(h, seed, FLOW_HASH_AES) != 0)
        flow_hasher_init_impl(h, seed, FLOW_HASH_SIPHASH13);
}

int flow_hasher_init_impl(struct flow_hasher *h, const uint8_t seed[16], enum flow_hash_impl impl)
{
    if (impl == FLOW_HASH_AES && !aeshash_cpu_supported())
        return -1;
    memset(h, 0, sizeof(*h));
    memcpy(h->seed, seed, 16);
    if (impl == FLOW_HASH_AES)
        aeshash_key_init(&h->aes, seed);
    h->impl = impl;
    return 0;
}

/* SipHash-1-3 of the key's bytes after offset 32 (ports, VLANs, context, protocol)
 * plus the addresses: only their first 4 bytes for IPv4, whose other 12 are zero
 * (flow_key_make copies an ip_addr, zero-padded for IPv4), so an IPv4 key hashes
 * 24 bytes instead of 48. */
static uint64_t flow_key_siphash(const struct flow_key *key, const uint8_t seed[16])
{
    uint8_t buf[sizeof(*key)];
    size_t tail = sizeof(*key) - offsetof(struct flow_key, lo_port);
    memcpy(buf, &key->lo_port, tail);
    if (key->ip_version == 4) {
        memcpy(buf + tail, key->lo_addr, 4);
        memcpy(buf + tail + 4, key->hi_addr, 4);
        return siphash13(buf, tail + 8, seed);
    }
    memcpy(buf + tail, key->lo_addr, 16);
    memcpy(buf + tail + 16, key->hi_addr, 16);
    return siphash13(buf, sizeof(buf), seed);
}

/* Either function takes only bytes that key_equal compares, so keys that
 * compare equal hash equal. The AES one takes all 48 bytes, IPv4's zero
 * address bytes too: three whole loads straight from the key cost less than
 * picking 24 bytes out, and the function of a key is the same. */
uint64_t flow_key_hash(const struct flow_key *key, const struct flow_hasher *h)
{
#ifdef AESHASH_X86
    if (h->impl == FLOW_HASH_AES)
        return aeshash48(key, &h->aes);
#endif
    return flow_key_siphash(key, h->seed);
}

static uint64_t key_hash(const struct flow_table *ft, const struct flow_key *key)
{
    return flow_key_hash(key, &ft->hasher);
}

/* Large bucket arrays go on huge pages as the entries do (huge_pages.h). */
static struct bucket *alloc_buckets(size_t n)
{
    size_t size = n * sizeof(struct bucket);
    struct bucket *b = huge_pages_alloc_table(size);
    if (b != NULL)
        memset(b, 0, size);
    return b;
}

struct flow_table *flow_table_create(const struct flow_hasher *h)
{
    struct flow_table *ft = calloc(1, sizeof(*ft));
    if (ft == NULL)
        return NULL;
    ft->hasher = *h;
    ft->n_buckets = 1024;
    ft->buckets = alloc_buckets(ft->n_buckets);
    if (ft->buckets == NULL) {
        free(ft);
        return NULL;
    }
    ft->next_unused = 1;
    ft->evict = cache_evict_supported();
    return ft;
}

void flow_table_set_prefault(struct flow_table *ft, struct prefault *pf)
{
    ft->prefault = pf;
}

void flow_table_destroy(struct flow_table *ft)
{
    if (ft == NULL)
        return;
    for (size_t i = 0; i < ft->n_chunks; i++) {
#ifdef FLOW_TABLE_ASAN
        ASAN_UNPOISON_MEMORY_REGION(ft->chunks[i], CHUNK_SIZE * ENTRY_SIZE);
#endif
        free(ft->chunks[i]);
    }
    free(ft->spare);
    free(ft->chunks);
    free(ft->links);
    free(ft->buckets);
    free(ft);
}

struct conn *flow_table_find(struct flow_table *ft, const struct flow_key *key)
{
    return flow_table_find_hashed(ft, key, key_hash(ft, key));
}

struct conn *flow_table_find_hashed(struct flow_table *ft, const struct flow_key *key, uint64_t hash)
{
    uint32_t tag = (uint32_t)hash;
    size_t mask = ft->n_buckets - 1;
    for (size_t i = tag & mask;; i = (i + 1) & mask) {
        const struct bucket *b = &ft->buckets[i];
        if (b->idx == NIL)
            return NULL;
        if (b->tag != tag)
            continue;
        struct flow_entry *e = entry_at(ft, b->idx);
        if (key_equal(&e->key, key))
            return conn_of(e);
    }
}

struct conn *flow_table_find_at(struct flow_table *ft, const struct flow_key *key, uint64_t hash,
                                uint32_t idx)
{
    if (idx != NIL) {
        /* came from a bucket: its chunk exists, freed or not */
        struct flow_entry *e = entry_at(ft, idx);
        if (e->cls != CLS_FREE && key_equal(&e->key, key))
            return conn_of(e);
    }
    return flow_table_find_hashed(ft, key, hash);
}

void flow_table_prefetch_bucket(const struct flow_table *ft, uint64_t hash)
{
    __builtin_prefetch(&ft->buckets[(uint32_t)hash & (ft->n_buckets - 1)]);
}

uint32_t flow_table_prefetch_entry_part(const struct flow_table *ft, uint64_t hash,
                                        size_t conn_bytes)
{
    uint32_t tag = (uint32_t)hash;
    size_t mask = ft->n_buckets - 1;
    size_t end = offsetof(struct flow_entry, conn) + conn_bytes;
    if (end > ENTRY_SIZE)
        end = ENTRY_SIZE;
    for (size_t i = tag & mask, n = 0; n < 8; i = (i + 1) & mask, n++) {
        const struct bucket *b = &ft->buckets[i];
        if (b->idx == NIL)
            return NIL;
        if (b->tag != tag)
            continue;
        const char *e = (const char *)entry_at(ft, b->idx);
        for (size_t off = 0; off < end; off += ENTRY_ALIGN)
            __builtin_prefetch(e + off);
        __builtin_prefetch(link_at(ft, b->idx));
        return b->idx;
    }
    return NIL;
}

void flow_table_prefetch_entry_from(const struct flow_table *ft, uint32_t idx, size_t conn_from)
{
    if (idx == NIL)
        return;
    const char *e = (const char *)entry_at(ft, idx);
    if (conn_from >= ENTRY_SIZE)
        return;
    size_t from = (offsetof(struct flow_entry, conn) + conn_from) / ENTRY_ALIGN * ENTRY_ALIGN;
    for (size_t off = from; off < ENTRY_SIZE; off += ENTRY_ALIGN)
        __builtin_prefetch(e + off);
}

uint32_t flow_table_prefetch_entry(const struct flow_table *ft, uint64_t hash)
{
    return flow_table_prefetch_entry_part(ft, hash, CONN_STORED);
}

void flow_table_prefetch_links(const struct flow_table *ft, uint32_t idx)
{
    /* the entry's link was fetched a frame ago: relinking it will touch its
     * neighbours' links. idx came from a bucket, so it was in use then; freed
     * or reused since, its link still holds NIL or indexes in use (unlinking
     * sets both to NIL, the free list chains through next). */
    if (idx == NIL)
        return;
    const struct lru_link *k = link_at(ft, idx);
    if (k->prev != NIL)
        __builtin_prefetch(link_at(ft, k->prev));
    if (k->next != NIL)
        __builtin_prefetch(link_at(ft, k->next));
}

void flow_table_prefetch_stored(const struct flow_table *ft, const struct conn *c)
{
    (void)ft;
    const char *b = (const char *)entry_of(c);
    for (size_t off = 0; off < ENTRY_SIZE; off += ENTRY_ALIGN)
        __builtin_prefetch(b + off, 1);
}

void flow_table_prefetch_conn(const struct flow_table *ft, const struct conn *c)
{
    const struct flow_entry *e = entry_of(c);
    flow_table_prefetch_stored(ft, c);
    /* removal walks from its bucket and unlinks it from the expiry list */
    __builtin_prefetch(&ft->buckets[(uint32_t)e->hash & (ft->n_buckets - 1)], 1);
    const struct lru_link *k = link_at(ft, e->idx);
    if (k->next != NIL) {
        __builtin_prefetch(link_at(ft, k->next), 1);
        /* the successor is the oldest once c is written, and the pass reads
         * its header and times right after: fetched now, long before */
        const struct flow_entry *n = entry_at(ft, k->next);
        __builtin_prefetch(n);
        __builtin_prefetch((const char *)n + ENTRY_ALIGN);
    }
}

void flow_table_prefetch_next(const struct flow_table *ft, const struct conn *c)
{
    uint32_t next = link_at(ft, entry_of(c)->idx)->next;
    if (next != NIL) {
        /* its header (the hash, for its bucket) and its times; its link,
         * which the removal of c writes */
        struct flow_entry *e = entry_at(ft, next);
        __builtin_prefetch(e);
        __builtin_prefetch(conn_of(e));
        __builtin_prefetch(link_at(ft, next), 1);
    }
}
static int grow_buckets(struct flow_table *ft)
{
    size_t n = ft->n_buckets * 2;
    if (n > (size_t)UINT32_MAX + 1)
        return -1;
    struct bucket *nb = alloc_buckets(n);
    if (nb == NULL)
        return -1;
    for (size_t i = 0; i < ft->n_buckets; i++) {
        struct bucket b = ft->buckets[i];
        if (b.idx == NIL)
            continue;
        size_t j = b.tag & (n - 1);
        while (nb[j].idx != NIL)
            j = (j + 1) & (n - 1);
        nb[j] = b;
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
        ft->free_head = link_at(ft, idx)->next;
        return idx;
    }
    uint32_t idx = ft->next_unused;
    if ((idx & CHUNK_MASK) >= CHUNK_SIZE) { /* past this chunk's slots: the next chunk */
        if ((idx | CHUNK_MASK) == UINT32_MAX)
            return NIL;
        idx = (idx | CHUNK_MASK) + 1;
    }
    if (idx == UINT32_MAX)
        return NIL;
    size_t chunk = idx >> CHUNK_SHIFT;
    if (chunk >= ft->n_chunks) {
        unsigned char **nc = realloc(ft->chunks, (chunk + 1) * sizeof(*nc));
        if (nc == NULL)
            return NIL;
        ft->chunks = nc;
        size_t need = (chunk + 1) << CHUNK_SHIFT;
        if (need > ft->links_cap) {
            size_t cap = ft->links_cap * 2 > need ? ft->links_cap * 2 : need;
            /* read at random, three per packet: on huge pages once that large */
            struct lru_link *nl = huge_pages_alloc_table(cap * sizeof(*nl));
            if (nl == NULL)
                return NIL;
            if (ft->links_cap > 0)
                memcpy(nl, ft->links, ft->links_cap * sizeof(*nl));
            free(ft->links);
            ft->links = nl;
            ft->links_cap = cap;
        }
        /* ENTRY_SIZE is a multiple of the 64-byte alignment */
        /* with the next one, for another thread to fault in before it is needed */
        nc[chunk] = prefault_take_chunk(ft->prefault, &ft->spare, huge_pages_alloc,
                                        CHUNK_SIZE * ENTRY_SIZE);
        if (nc[chunk] == NULL)
            return NIL;
        ft->n_chunks = chunk + 1;
#ifdef FLOW_TABLE_ASAN
        for (uint32_t i = 0; i < CHUNK_SIZE; i++)
            ASAN_POISON_MEMORY_REGION(nc[chunk] + (size_t)i * ENTRY_SIZE +
                                          offsetof(struct flow_entry, conn) + CONN_OPEN_SIZE,
                                      sizeof(struct conn) - CONN_OPEN_SIZE);
#endif
    }
    ft->next_unused = idx + 1;
    return idx;
}

static void lru_unlink(struct flow_table *ft, struct flow_entry *e)
{
    struct lru_list *l = &ft->lru[e->cls];
    struct lru_link *k = link_at(ft, e->idx);
    if (k->prev != NIL)
        link_at(ft, k->prev)->next = k->next;
    else
        l->head = k->next;
    if (k->next != NIL)
        link_at(ft, k->next)->prev = k->prev;
    else
        l->tail = k->prev;
    k->prev = k->next = NIL;
}

static void lru_append(struct flow_table *ft, struct flow_entry *e, enum flow_class cls)
{
    struct lru_list *l = &ft->lru[cls];
    struct lru_link *k = link_at(ft, e->idx);
    e->cls = (uint8_t)cls;
    k->next = NIL;
    k->prev = l->tail;
    if (l->tail != NIL)
        link_at(ft, l->tail)->next = e->idx;
    else
        l->head = e->idx;
    l->tail = e->idx;
}

struct conn *flow_table_insert(struct flow_table *ft, const struct flow_key *key,
                               enum flow_class cls)
{
    return flow_table_insert_hashed(ft, key, cls, key_hash(ft, key));
}

struct conn *flow_table_insert_hashed(struct flow_table *ft, const struct flow_key *key,
                                      enum flow_class cls, uint64_t hash)
{
    if ((ft->count + 1) * 2 > ft->n_buckets && grow_buckets(ft) != 0)
        return NULL;
    uint32_t idx = alloc_entry(ft);
    if (idx == NIL)
        return NULL;
    struct flow_entry *e = entry_at(ft, idx);
    zero_stores(e, ENTRY_ZEROED); /* not memset: zero_stores.h */
    e->key = *key;
    e->idx = idx;
    uint32_t tag = (uint32_t)hash;
    e->hash = hash;
    size_t mask = ft->n_buckets - 1;
    size_t i = tag & mask;
    while (ft->buckets[i].idx != NIL)
        i = (i + 1) & mask;
    ft->buckets[i].tag = tag;
    ft->buckets[i].idx = idx;
    ft->count++;
    lru_append(ft, e, cls);
    return conn_of(e);
}

void flow_table_remove(struct flow_table *ft, struct conn *c)
{
    struct flow_entry *e = entry_of(c);
    size_t mask = ft->n_buckets - 1;
    size_t i = (uint32_t)e->hash & mask;
    while (ft->buckets[i].idx != e->idx)
        i = (i + 1) & mask;
    /* backward-shift deletion keeps every probe chain unbroken */
    size_t hole = i;
    for (size_t j = (hole + 1) & mask; ft->buckets[j].idx != NIL; j = (j + 1) & mask) {
        /* move j into the hole unless its home lies cyclically in (hole, j] */
        if (!linear_probe_stays(ft->buckets[j].tag & mask, hole, j)) {
            ft->buckets[hole] = ft->buckets[j];
            hole = j;
        }
    }
    ft->buckets[hole].idx = NIL;
    ft->buckets[hole].tag = 0;
    lru_unlink(ft, e);
    e->cls = CLS_FREE;
    link_at(ft, e->idx)->next = ft->free_head;
    ft->free_head = e->idx;
    ft->count--;
}

bool flow_table_touch(struct flow_table *ft, struct conn *c, enum flow_class cls)
{
    struct flow_entry *e = entry_of(c);
    uint32_t idx = e->idx;
    struct lru_list *l = &ft->lru[cls];
    if (e->cls == cls) {
        /* the common case, straight: within its list, to the tail */
        if (l->tail == idx)
            return l->head == idx;
        struct lru_link *k = link_at(ft, idx); /* not the tail: k->next is someone */
        link_at(ft, k->next)->prev = k->prev;
        bool was_oldest = k->prev == NIL;
        if (was_oldest)
            l->head = k->next;
        else
            link_at(ft, k->prev)->next = k->next;
        k->next = NIL;
        k->prev = l->tail;
        link_at(ft, l->tail)->next = idx;
        l->tail = idx;
        return was_oldest; /* another became the oldest (c was, and not alone) */
    }
    unsigned old = e->cls;
    bool was_oldest = old < FLOW_CLASS_COUNT && ft->lru[old].head == e->idx;
    lru_unlink(ft, e);
    bool successor = was_oldest && ft->lru[old].head != NIL;
    lru_append(ft, e, cls);
    return successor || ft->lru[cls].head == e->idx;
}

enum flow_class flow_table_class(const struct conn *c)
{
    return (enum flow_class)entry_of(c)->cls;
}

void flow_table_evict(const struct flow_table *ft, const struct conn *c)
{
    if (ft->evict)
        cache_evict_whole_lines(entry_of(c), ENTRY_SIZE); /* entries start on a line */
}

struct conn *flow_table_oldest(const struct flow_table *ft, enum flow_class cls)
{
    uint32_t idx = ft->lru[cls].head;
    return idx == NIL ? NULL : conn_of(entry_at(ft, idx));
}

uint64_t flow_table_hash(const struct conn *c)
{
    return entry_of(c)->hash;
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
    size_t buckets = huge_pages_table_bytes(ft->n_buckets * sizeof(*ft->buckets));
    size_t links = huge_pages_table_bytes(ft->links_cap * sizeof(struct lru_link));
    size_t chunks = ft->n_chunks + (ft->spare != NULL ? 1 : 0);
    return sizeof(*ft) + buckets + links +
           chunks * (sizeof(struct flow_entry *) + huge_pages_round(CHUNK_SIZE * ENTRY_SIZE));
}

void flow_table_foreach(struct flow_table *ft, void (*fn)(void *user, struct conn *c), void *user)
{
    for (uint32_t idx = 1; idx < ft->next_unused; idx++) {
        if ((idx & CHUNK_MASK) >= CHUNK_SIZE) {
            idx |= CHUNK_MASK; /* the loop's increment goes to the next chunk */
            continue;
        }
        struct flow_entry *e = entry_at(ft, idx);
        if (e->cls != CLS_FREE)
            fn(user, conn_of(e));
    }
}
