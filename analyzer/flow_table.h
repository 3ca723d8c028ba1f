/* flow_table.h - connections keyed by 5-tuple (+ VLAN context), canonical for both
 * directions: a keyed hash with a per-run seed (AES rounds, or SipHash), open
 * addressing with linear probing over a pool of entries in fixed-size chunks
 * (entry addresses never move), and one LRU list per timeout class for expiry
 * and eviction. */
#ifndef SOCKSCOPE_FLOW_TABLE_H
#define SOCKSCOPE_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aeshash.h"
#include "conn.h"

/* Zeroed before filling so that padding hashes the same. Endpoints in canonical
 * order: (lo_addr, lo_port) <= (hi_addr, hi_port). */
struct flow_key {
    uint8_t lo_addr[16], hi_addr[16];
    uint16_t lo_port, hi_port;
    uint16_t vlan, vlan_inner;
    uint32_t ctx; /* tunnel context; 0 = none */
    uint8_t proto, ip_version;
    uint8_t pad[2];
};
_Static_assert(sizeof(struct flow_key) == AESHASH_INPUT_LEN, "aeshash48 takes a whole key");

/* The address of key's lo endpoint when lo, else of its hi one. */
static inline const uint8_t *flow_key_addr(const struct flow_key *key, bool lo)
{
    return lo ? key->lo_addr : key->hi_addr;
}

/* Fills key for a packet a:ap -> b:bp; returns true if a is the lo endpoint. */
bool flow_key_make(struct flow_key *key, uint8_t ip_version, uint8_t proto, const struct ip_addr *a,
                   uint16_t ap, const struct ip_addr *b, uint16_t bp, uint16_t vlan,
                   uint16_t vlan_inner, uint32_t ctx);

/* Backward-shift deletion in a linear-probing table of size mask + 1: whether
 * the element at slot j, whose home slot is home, must stay when slot hole
 * empties (its home lies cyclically in (hole, j]). */
static inline bool linear_probe_stays(size_t home, size_t hole, size_t j)
{
    return hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
}

/* Which function hashes flow keys. Chosen once, when a flow_hasher is set up,
 * never per call. */
enum flow_hash_impl {
    FLOW_HASH_SIPHASH13, /* SipHash-1-3 of the meaningful bytes: any CPU */
    FLOW_HASH_AES,       /* aeshash48 of the whole key: x86-64 with AES-NI */
};

/* A flow-key hash function and its key, from a 16-byte seed (random per run).
 * The flow table, the closed 5-tuples and the look-ahead each keep a copy of
 * one hasher, so that a hash made with one copy is valid in the others. */
struct flow_hasher {
    struct aeshash_key aes; /* round keys (FLOW_HASH_AES) */
    uint8_t seed[16];       /* SipHash key (FLOW_HASH_SIPHASH13) */
    enum flow_hash_impl impl;
};

/* Sets h up with seed and the fastest function this CPU runs (AES rounds
 * where it has AES-NI). Never fails. */
void flow_hasher_init(struct flow_hasher *h, const uint8_t seed[16]);
/* The same with impl chosen by the caller (tests compare the two). Returns 0,
 * or -1 (h unchanged) when this CPU cannot run impl. */
int flow_hasher_init_impl(struct flow_hasher *h, const uint8_t seed[16], enum flow_hash_impl impl);

/* The 64-bit hash of key under h. Keys that compare equal hash equal; all 64
 * bits are mixed (the table takes the low 32, closed_tuples.c all 64). */
uint64_t flow_key_hash(const struct flow_key *key, const struct flow_hasher *h);

/* Expiry classes: each has its own LRU list ordered by last activity. */
enum flow_class { FLOW_CLASS_TCP = 0, FLOW_CLASS_TCP_CLOSED, FLOW_CLASS_UDP, FLOW_CLASS_OTHER,
                  FLOW_CLASS_COUNT };

struct flow_table;

/* Creates a table hashing with (a copy of) h. Returns NULL on allocation
 * failure. */
struct flow_table *flow_table_create(const struct flow_hasher *h);
/* From now on, each chunk of entries the table allocates comes with the next
 * one, posted to pf (prefault.h) while pf is served (NULL: none). */
struct prefault;
void flow_table_set_prefault(struct flow_table *ft, struct prefault *pf);
/* Frees the table and every entry; flow_table_destroy(NULL) is a no-op. */
void flow_table_destroy(struct flow_table *ft);

/* Returns the connection for key or NULL. The table owns it: the pointer stays
 * valid until flow_table_remove() of that entry or flow_table_destroy(). */
struct conn *flow_table_find(struct flow_table *ft, const struct flow_key *key);
/* The same, with hash = flow_key_hash(key, the table's hasher) already computed. */
struct conn *flow_table_find_hashed(struct flow_table *ft, const struct flow_key *key, uint64_t hash);

/* The same, first trying entry idx: one flow_table_prefetch_entry returned
 * for this hash (0 = none), possibly freed or reused since. When that entry
 * is in use and holds key, it is the answer (keys are unique), without a
 * probe; otherwise the probe runs. */
struct conn *flow_table_find_at(struct flow_table *ft, const struct flow_key *key, uint64_t hash,
                                uint32_t idx);

/* Look-ahead hints (no effect on contents): fetch into the cache the bucket
 * where a key with this flow_key_hash starts; once that bucket is in the
 * cache, the entry the first bucket with its tag points to and its expiry-list
 * link (returns that entry's index, 0 if none); once those are, the links of
 * that entry's list neighbours (idx may have been freed or reused since:
 * still safe). */
void flow_table_prefetch_bucket(const struct flow_table *ft, uint64_t hash);
uint32_t flow_table_prefetch_entry(const struct flow_table *ft, uint64_t hash);
/* The same, fetching only the entry's header and its connection's first
 * conn_bytes bytes (what the packet will read, when the caller knows). */
uint32_t flow_table_prefetch_entry_part(const struct flow_table *ft, uint64_t hash,
                                        size_t conn_bytes);
/* The rest of entry idx (as returned above; 0 = none, freed or reused: still
 * safe): the lines from its connection's byte conn_from to its end. */
void flow_table_prefetch_entry_from(const struct flow_table *ft, uint32_t idx, size_t conn_from);
void flow_table_prefetch_links(const struct flow_table *ft, uint32_t idx);
/* Fetch the whole entry of stored connection c, reading nothing (its lines
 * are all the hint needs). */
void flow_table_prefetch_stored(const struct flow_table *ft, const struct conn *c);
/* Fetch the whole entry of stored connection c, its bucket, and its
 * successor's expiry link, header and first line (for a connection about to
 * be written and removed, after which the successor's time is read). */
void flow_table_prefetch_conn(const struct flow_table *ft, const struct conn *c);
/* Fetch the entry after c in its class's expiry list, the next oldest, as far
 * as the expiry pass reads it once c is written: its header and first line
 * (times), and its expiry link. */
void flow_table_prefetch_next(const struct flow_table *ft, const struct conn *c);

/* The class whose expiry list holds c. */
enum flow_class flow_table_class(const struct conn *c);
/* A hint for a connection the tracker will not read for a while: its entry
 * is written back to memory and dropped from the caches (cache_evict.h), so
 * that it does not push out entries read on every packet. Contents unchanged;
 * nothing where the CPU cannot. */
void flow_table_evict(const struct flow_table *ft, const struct conn *c);

/* Inserts a zeroed connection for key (which must not be present) in class cls.
 * Returns NULL only on allocation failure. */
struct conn *flow_table_insert(struct flow_table *ft, const struct flow_key *key,
                               enum flow_class cls);
struct conn *flow_table_insert_hashed(struct flow_table *ft, const struct flow_key *key,
                                      enum flow_class cls, uint64_t hash);

/* Removes c (returned by find/insert) and recycles its memory. */
void flow_table_remove(struct flow_table *ft, struct conn *c);

/* Moves c to the tail (most recent) of class cls's LRU list. Returns true
 * when an expiry deadline may have moved: another connection became the
 * oldest of the class c was in (c was its oldest and not its only one), or c
 * is now the oldest of cls (the only one in it). */
bool flow_table_touch(struct flow_table *ft, struct conn *c, enum flow_class cls);

/* Least recently touched connection of class cls, or NULL. */
struct conn *flow_table_oldest(const struct flow_table *ft, enum flow_class cls);

/* flow_key_hash of a stored connection's key (kept in its entry). */
uint64_t flow_table_hash(const struct conn *c);

/* Key of a stored connection. */
const struct flow_key *flow_table_key(const struct conn *c);

size_t flow_table_count(const struct flow_table *ft);
/* Bytes held by the table (buckets + entry pool). */
size_t flow_table_memory(const struct flow_table *ft);

/* Calls fn for every connection (order unspecified); fn must not modify the table. */
void flow_table_foreach(struct flow_table *ft, void (*fn)(void *user, struct conn *c), void *user);

#endif
