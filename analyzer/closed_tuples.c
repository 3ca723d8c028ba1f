/* closed_tuples.c - remembered closed 5-tuples: a queue of entries in chunks,
 * indexed by an open-addressing table of (tag, position) pairs with linear
 * probing and backward-shift deletion (the same scheme as flow_table.c). */
#include "closed_tuples.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache_evict.h"
#include "huge_pages.h"
#include "prefault.h"

#define CHUNK_ENTRIES 16384u /* 896 KiB per chunk */

_Static_assert(sizeof(struct closed_tuple) == 56, "closed_tuple stays at 56 bytes");

uint64_t closed_tuple_tw_end(const struct closed_tuple *t, int side)
{
    uint32_t left = t->tw_left_us[side];
    if (left == 0)
        return 0;
    if (left == CLOSED_TUPLE_TW_TO_END)
        return UINT64_MAX;
    return t->last_ts + (uint64_t)left * 1000u;
}

#define EMPTY UINT32_MAX /* slot.pos of an empty slot (no entry takes that low half) */

struct slot {
    uint32_t tag; /* low 32 bits of the key's hash */
    uint32_t pos; /* low 32 bits of the entry's queue position, EMPTY = none */
};

struct closed_tuples {
    struct flow_hasher hasher;
    struct slot *slots;
    size_t n_slots; /* power of two */
    size_t count;   /* live entries */
    /* queue: positions head..tail-1 are in use or freed in place; position p
     * lives in chunks[(p / CHUNK_ENTRIES) % n_chunks][p % CHUNK_ENTRIES] */
    struct closed_tuple **chunks;
    size_t n_chunks; /* power of two (ring of chunk pointers) */
    uint64_t head, tail;
    /* the chunk the tail takes next: the one the head left last (its pages
     * are in memory already), or a new one posted to prefault (or NULL) */
    void *spare;
    struct prefault *prefault;
    bool evict_written; /* the queue's lines go to memory once written (cache_evict.h) */
};

static struct closed_tuple *entry_at(const struct closed_tuples *ct, uint64_t pos)
{
    return &ct->chunks[(pos / CHUNK_ENTRIES) & (ct->n_chunks - 1)][pos % CHUNK_ENTRIES];
}

/* The entry a slot points at: the queue spans fewer than 2^32 positions, so the
 * low half of a position and the head give the whole of it. */
static struct closed_tuple *slot_entry(const struct closed_tuples *ct, const struct slot *s)
{
    return entry_at(ct, ct->head + (uint32_t)(s->pos - (uint32_t)ct->head));
}

static void clear_slots(struct slot *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s[i].tag = 0;
        s[i].pos = EMPTY;
    }
}

struct closed_tuples *closed_tuples_create(const struct flow_hasher *h)
{
    struct closed_tuples *ct = calloc(1, sizeof(*ct));
    if (ct == NULL)
        return NULL;
    ct->hasher = *h;
    ct->evict_written = cache_evict_supported();
    ct->n_slots = 256;
    ct->slots = malloc(ct->n_slots * sizeof(*ct->slots));
    ct->n_chunks = 4;
    ct->chunks = calloc(ct->n_chunks, sizeof(*ct->chunks));
    if (ct->slots == NULL || ct->chunks == NULL) {
        closed_tuples_destroy(ct);
        return NULL;
    }
    clear_slots(ct->slots, ct->n_slots);
    return ct;
}

void closed_tuples_destroy(struct closed_tuples *ct)
{
    if (ct == NULL)
        return;
    if (ct->chunks != NULL)
        for (size_t i = 0; i < ct->n_chunks; i++)
            free(ct->chunks[i]);
    free(ct->chunks);
    free(ct->spare);
    free(ct->slots);
    free(ct);
}

void closed_tuples_set_prefault(struct closed_tuples *ct, struct prefault *pf)
{
    ct->prefault = pf;
}

/* Index of the slot of the entry with fingerprint fp, or SIZE_MAX. */
static size_t find_slot(const struct closed_tuples *ct, uint64_t fp)
{
    size_t mask = ct->n_slots - 1;
    uint32_t tag = (uint32_t)fp;
    for (size_t i = tag & mask; ct->slots[i].pos != EMPTY; i = (i + 1) & mask) {
        if (ct->slots[i].tag == tag && slot_entry(ct, &ct->slots[i])->fingerprint == fp)
            return i;
    }
    return SIZE_MAX;
}

const struct closed_tuple *closed_tuples_find(const struct closed_tuples *ct,
                                              const struct flow_key *key)
{
    if (ct->count == 0)
        return NULL;
    return closed_tuples_find_hashed(ct, flow_key_hash(key, &ct->hasher));
}

const struct closed_tuple *closed_tuples_find_hashed(const struct closed_tuples *ct, uint64_t hash)
{
    if (ct->count == 0)
        return NULL;
    size_t i = find_slot(ct, hash);
    return i == SIZE_MAX ? NULL : slot_entry(ct, &ct->slots[i]);
}

void closed_tuples_prefetch(const struct closed_tuples *ct, uint64_t hash)
{
    if (ct->count > 0)
        __builtin_prefetch(&ct->slots[(uint32_t)hash & (ct->n_slots - 1)]);
}

/* Empties slot i and frees its queue entry in place (the queue skips it). */
static void drop_slot(struct closed_tuples *ct, size_t i)
{
    size_t mask = ct->n_slots - 1;
    slot_entry(ct, &ct->slots[i])->incarnation = 0;
    size_t hole = i;
    for (size_t j = (hole + 1) & mask; ct->slots[j].pos != EMPTY; j = (j + 1) & mask) {
        if (!linear_probe_stays(ct->slots[j].tag & mask, hole, j)) {
            ct->slots[hole] = ct->slots[j];
            hole = j;
        }
    }
    ct->slots[hole].pos = EMPTY;
    ct->slots[hole].tag = 0;
    ct->count--;
}

void closed_tuples_remove(struct closed_tuples *ct, const struct flow_key *key)
{
    closed_tuples_remove_hashed(ct, flow_key_hash(key, &ct->hasher));
}

void closed_tuples_remove_hashed(struct closed_tuples *ct, uint64_t hash)
{
    if (ct->count == 0)
        return;
    size_t i = find_slot(ct, hash);
    if (i != SIZE_MAX)
        drop_slot(ct, i);
}

static int grow_slots(struct closed_tuples *ct)
{
    size_t n = ct->n_slots * 2;
    struct slot *ns = huge_pages_alloc_table(n * sizeof(*ns)); /* probed at random */
    if (ns == NULL)
        return -1;
    clear_slots(ns, n);
    for (size_t i = 0; i < ct->n_slots; i++) {
        if (ct->slots[i].pos == EMPTY)
            continue;
        size_t j = ct->slots[i].tag & (n - 1);
        while (ns[j].pos != EMPTY)
            j = (j + 1) & (n - 1);
        ns[j] = ct->slots[i];
    }
    free(ct->slots);
    ct->slots = ns;
    ct->n_slots = n;
    return 0;
}

/* Makes room for position ct->tail: a chunk for it, and a larger ring of chunk
 * pointers when the queue spans them all. */
static int reserve_tail(struct closed_tuples *ct)
{
    uint64_t span_chunks = (ct->tail / CHUNK_ENTRIES) - (ct->head / CHUNK_ENTRIES) + 1;
    if (span_chunks > ct->n_chunks) {
        /* re-seat every chunk at its index in a ring twice as large */
        size_t n = ct->n_chunks * 2;
        struct closed_tuple **nc = calloc(n, sizeof(*nc));
        if (nc == NULL)
            return -1;
        for (uint64_t c = ct->head / CHUNK_ENTRIES; c != ct->tail / CHUNK_ENTRIES; c++)
            nc[c & (n - 1)] = ct->chunks[c & (ct->n_chunks - 1)];
        free(ct->chunks);
        ct->chunks = nc;
        ct->n_chunks = n;
    }
    struct closed_tuple **c = &ct->chunks[(ct->tail / CHUNK_ENTRIES) & (ct->n_chunks - 1)];
    if (*c == NULL && (*c = prefault_take_chunk(ct->prefault, &ct->spare, malloc,
                                                CHUNK_ENTRIES * sizeof(**c))) == NULL)
        return -1;
    return 0;
}

int closed_tuples_add(struct closed_tuples *ct, const struct flow_key *key,
                      const struct closed_tuple *t)
{
    return closed_tuples_add_hashed(ct, flow_key_hash(key, &ct->hasher), t, true);
}

int closed_tuples_add_hashed(struct closed_tuples *ct, uint64_t fp, const struct closed_tuple *t,
                             bool may_exist)
{
    size_t old = may_exist && ct->count > 0 ? find_slot(ct, fp) : SIZE_MAX;
    if (old != SIZE_MAX)
        drop_slot(ct, old);
    if ((ct->count + 1) * 2 > ct->n_slots && grow_slots(ct) != 0)
        return -1;
    if (ct->tail - ct->head >= UINT32_MAX - 1)
        return -1;
    if ((uint32_t)ct->tail == EMPTY) { /* that low half marks empty slots: skip it */
        if (reserve_tail(ct) != 0)
            return -1;
        entry_at(ct, ct->tail++)->incarnation = 0;
    }
    if (reserve_tail(ct) != 0)
        return -1;
    uint64_t pos = ct->tail++;
    struct closed_tuple *e = entry_at(ct, pos);
    *e = *t;
    e->fingerprint = fp;
    if (ct->evict_written) {
        /* Written once, read 2*MSL later (at the head, in order, which the
         * hardware prefetches): each line this entry completes goes to memory
         * now, but not one the chunk shares with what precedes it (malloc
         * aligns chunks to 16 bytes: aligned to lines, they took 7 MB more
         * of the heap). Alternated runs of the benchmark: wall -4 to -17 %. */
        uintptr_t chunk = (uintptr_t)(e - pos % CHUNK_ENTRIES);
        uintptr_t line = (uintptr_t)e & ~(uintptr_t)63;
        if (line < chunk)
            line = chunk; /* cache_evict_whole_lines then skips the shared line */
        cache_evict_whole_lines((const void *)line, (size_t)((uintptr_t)(e + 1) - line));
    }
    uint32_t tag = (uint32_t)fp;
    size_t mask = ct->n_slots - 1;
    size_t i = tag & mask;
    while (ct->slots[i].pos != EMPTY)
        i = (i + 1) & mask;
    ct->slots[i].tag = tag;
    ct->slots[i].pos = (uint32_t)pos;
    ct->count++;
    return 0;
}

/* Pops the head entry (forgetting it if still live) and frees a chunk once the
 * head leaves it. */
static void pop_head(struct closed_tuples *ct)
{
    struct closed_tuple *t = entry_at(ct, ct->head);
    if (t->incarnation != 0) {
        /* the slot that points at this very position (should two keys ever
         * share a fingerprint, each has its own) */
        size_t mask = ct->n_slots - 1;
        uint32_t tag = (uint32_t)t->fingerprint, pos = (uint32_t)ct->head;
        for (size_t i = tag & mask; ct->slots[i].pos != EMPTY; i = (i + 1) & mask) {
            if (ct->slots[i].pos == pos) {
                drop_slot(ct, i);
                break;
            }
        }
    }
    uint64_t old = ct->head++;
    if (ct->head / CHUNK_ENTRIES != old / CHUNK_ENTRIES) { /* the queue left a chunk */
        struct closed_tuple **c = &ct->chunks[(old / CHUNK_ENTRIES) & (ct->n_chunks - 1)];
        if (ct->spare == NULL)
            ct->spare = *c; /* the tail's next: no fresh pages to fault in */
        else
            free(*c);
        *c = NULL;
    }
}

void closed_tuples_expire(struct closed_tuples *ct, uint64_t now_ns, uint64_t lifetime_ns,
                          size_t max)
{
    while (ct->head != ct->tail) {
        const struct closed_tuple *t = entry_at(ct, ct->head);
        bool dead = t->incarnation == 0;
        bool old = t->last_ts + lifetime_ns <= now_ns;
        bool over = max != 0 && ct->count > max;
        if (!dead && !old && !over)
            break;
        pop_head(ct);
        /* the next one to go is usually due a few packets from now: fetch the
         * slot its removal will probe (the queue's entries are read in order,
         * the slots at random) */
        if (ct->head != ct->tail)
            __builtin_prefetch(&ct->slots[(uint32_t)entry_at(ct, ct->head)->fingerprint &
                                          (ct->n_slots - 1)]);
    }
}

uint64_t closed_tuples_next_expiry(const struct closed_tuples *ct, uint64_t lifetime_ns)
{
    if (ct->head == ct->tail)
        return UINT64_MAX;
    const struct closed_tuple *t = entry_at(ct, ct->head);
    if (t->incarnation == 0)
        return 0; /* a removed entry waits at the head: pop it at once */
    return t->last_ts + lifetime_ns;
}

size_t closed_tuples_count(const struct closed_tuples *ct)
{
    return ct->count;
}

size_t closed_tuples_memory(const struct closed_tuples *ct)
{
    size_t chunks = ct->spare != NULL ? 1 : 0;
    for (size_t i = 0; i < ct->n_chunks; i++)
        chunks += ct->chunks[i] != NULL;
    return sizeof(*ct) + huge_pages_table_bytes(ct->n_slots * sizeof(*ct->slots)) +
           ct->n_chunks * sizeof(*ct->chunks) +
           chunks * CHUNK_ENTRIES * sizeof(struct closed_tuple);
}
