/* siphash.h - SipHash-2-4 and -1-3 keyed hashes (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012), used to hash flow keys with a per-table seed so that
 * crafted traffic cannot aim at one bucket. */
#ifndef SOCKSCOPE_SIPHASH_H
#define SOCKSCOPE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

/* Returns SipHash-2-4 of the len bytes at data (data may be NULL when len is
 * 0) under the 128-bit key (k0 = key[0..7], k1 = key[8..15], little-endian as
 * in the paper). The value is the paper's 64-bit output read as a
 * little-endian integer. Pure function; never fails. */
uint64_t siphash24(const void *data, size_t len, const uint8_t key[SIPHASH_KEY_LEN]);

/* SipHash-1-3: the same function with one compression and three finalisation
 * rounds, as Python's str/bytes hash and Rust's HashMap use for hash-flooding
 * resistance at about half the cost. Used per packet for flow keys. */
uint64_t siphash13(const void *data, size_t len, const uint8_t key[SIPHASH_KEY_LEN]);

#endif
