/* closed_tuples.h - what sockscope remembers of a TCP connection whose record
 * was written: enough to number the next incarnation of its 5-tuple, tell a
 * reuse from a retransmitted SYN, and see whether the reuse came during
 * TIME_WAIT. A closed connection's record is written shortly after its last
 * packet (Zeek's tcp_close_delay); its 5-tuple is remembered here, in 56
 * bytes instead of a whole connection, until 2*MSL after that packet, with
 * where each side's sequence numbers had reached, so that a late segment (a
 * FIN sent again because its ACK was lost) is still seen as a retransmission.
 *
 * The 5-tuple itself is not stored: an entry is found by its key's 64-bit
 * keyed hash (flow_key_hash with the run's random seed). Two keys with the
 * same fingerprint would share an entry; with n entries a lookup meets a false
 * match with probability about n / 2^64 (3e-14 for a million), and an attacker
 * cannot aim for one without the seed (aeshash.h says why for the AES
 * function; the fingerprint must never be printed).
 *
 * Layout: the entries sit in insertion order in a queue of fixed-size chunks
 * (insertion order is expiry order, so forgetting is popping the head), and an
 * open-addressing index of (hash tag, queue position) pairs finds them.
 * Nothing moves on growth but the index. */
#ifndef SOCKSCOPE_CLOSED_TUPLES_H
#define SOCKSCOPE_CLOSED_TUPLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow_table.h"

/* tw_left_us value: the TIME_WAIT lasts as long as the entry is remembered */
#define CLOSED_TUPLE_TW_TO_END UINT32_MAX

struct closed_tuple {
    uint64_t fingerprint; /* flow_key_hash of the 5-tuple (set by closed_tuples_add) */
    uint64_t last_ts;     /* last packet of the closed connection */
    uint64_t close_ts;    /* when it closed (conn.close_ts) */
    uint32_t isn[2];      /* [0] originator, [1] responder: the ISN its SYN carried
                             (valid per CLOSED_TUPLE_*_ISN) */
    uint32_t tw_left_us[2]; /* that socket's TIME_WAIT ends this many microseconds
                               after last_ts; 0 = not in TIME_WAIT (then or by then) */
    uint32_t next_seq[2]; /* [0] originator, [1] responder: the sequence number after
                             the last byte or FIN that side sent (valid per
                             CLOSED_TUPLE_*_SEQ) */
    uint32_t incarnation; /* of the closed connection; 0 marks a free entry */
    uint8_t flags;        /* CLOSED_TUPLE_* */
    uint8_t orientation;  /* enum orientation of the closed connection */
    uint8_t final_state[2]; /* enum tcp_state of each socket when the record was written */
};

#define CLOSED_TUPLE_ORIG_ISN 0x01u /* isn[0] is valid */
#define CLOSED_TUPLE_RESP_ISN 0x02u /* isn[1] is valid */
#define CLOSED_TUPLE_ORIG_LO  0x04u /* the originator is the key's lo endpoint */
#define CLOSED_TUPLE_ORIG_SEQ 0x08u /* next_seq[0] is valid */
#define CLOSED_TUPLE_RESP_SEQ 0x10u /* next_seq[1] is valid */
#define CLOSED_TUPLE_SIBLING  0x20u /* the connection took a sibling tunnel's packets
                                       (CONN_F_SIBLING_TUNNELS): late packets through its
                                       tunnel's siblings are its own too */
#define CLOSED_TUPLE_ORIG_SILENT 0x40u /* the originator sent nothing (a half connection:
                                          a SYN-ACK with a new ISN opens the next one) */

/* The flag saying isn[side], next_seq[side] is valid (side 0: originator). */
static inline uint8_t closed_tuple_isn_flag(int side)
{
    return side == 0 ? CLOSED_TUPLE_ORIG_ISN : CLOSED_TUPLE_RESP_ISN;
}
static inline uint8_t closed_tuple_seq_flag(int side)
{
    return side == 0 ? CLOSED_TUPLE_ORIG_SEQ : CLOSED_TUPLE_RESP_SEQ;
}

/* When side's TIME_WAIT ends (0 = it is not in TIME_WAIT). */
uint64_t closed_tuple_tw_end(const struct closed_tuple *t, int side);

struct closed_tuples;

/* Returns an empty store hashing with (a copy of) h, or NULL on allocation
 * failure. */
struct closed_tuples *closed_tuples_create(const struct flow_hasher *h);
/* From now on, each chunk of the queue comes with the next one, posted to pf
 * (prefault.h) while pf is served (NULL: none). */
struct prefault;
void closed_tuples_set_prefault(struct closed_tuples *ct, struct prefault *pf);
/* closed_tuples_destroy(NULL) is a no-op. */
void closed_tuples_destroy(struct closed_tuples *ct);

/* The entry for key, or NULL. Valid until the next add, remove or expiry. */
const struct closed_tuple *closed_tuples_find(const struct closed_tuples *ct,
                                              const struct flow_key *key);

/* Remembers t for key (t->incarnation must not be 0; its fingerprint is set
 * here), replacing an entry with the same key. Returns 0, or -1 when memory
 * ran out (nothing is then remembered). */
int closed_tuples_add(struct closed_tuples *ct, const struct flow_key *key,
                      const struct closed_tuple *t);

/* Forgets the entry for key, if any. */
void closed_tuples_remove(struct closed_tuples *ct, const struct flow_key *key);

/* find and remove with hash = flow_key_hash(key, the store's hasher) computed
 * already; prefetch is a look-ahead hint (fetches the index slot). */
const struct closed_tuple *closed_tuples_find_hashed(const struct closed_tuples *ct, uint64_t hash);
/* add with the hash computed; may_exist false when the caller knows the key is
 * not there (it skips looking for an entry to replace). */
int closed_tuples_add_hashed(struct closed_tuples *ct, uint64_t hash, const struct closed_tuple *t,
                             bool may_exist);
void closed_tuples_remove_hashed(struct closed_tuples *ct, uint64_t hash);
void closed_tuples_prefetch(const struct closed_tuples *ct, uint64_t hash);

/* Forgets, oldest first, the entries with last_ts + lifetime_ns <= now_ns, and
 * the oldest ones beyond max entries (0 = no cap). Entries added out of
 * last_ts order are forgotten once the ones added before them are. */
void closed_tuples_expire(struct closed_tuples *ct, uint64_t now_ns, uint64_t lifetime_ns,
                          size_t max);

/* When closed_tuples_expire(ct, now, lifetime_ns, 0) would next drop something:
 * the oldest entry's last_ts + lifetime_ns, 0 when a removed entry waits at the
 * head, UINT64_MAX when there is none. */
uint64_t closed_tuples_next_expiry(const struct closed_tuples *ct, uint64_t lifetime_ns);

size_t closed_tuples_count(const struct closed_tuples *ct);
/* Bytes held (index + chunks). */
size_t closed_tuples_memory(const struct closed_tuples *ct);

#endif
