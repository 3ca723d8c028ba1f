/* aeshash.h - keyed 64-bit hash of one 48-byte block from AES rounds (AES-NI),
 * for flow keys: the approach of Go's runtime aeshash and Rust's ahash, which
 * use AES rounds under a random per-process key to keep hash tables safe from
 * hash flooding at a fraction of SipHash's cost.
 *
 * Design. E(x, k) is one AES encryption round, what AESENC computes:
 * MixColumns(ShiftRows(SubBytes(x))) ^ k. The 48 bytes are three 16-byte
 * blocks b0, b1, b2, and each goes through its own lane, a three-round
 * key-alternating cipher; the lanes are folded by XOR and two more rounds mix
 * the sum:
 *
 *     x_i  = E(E(E(b_i ^ w_i, k_i0), k_i1), k_i2)     for i = 0, 1, 2
 *     hash = low 64 bits of E(E(x_0 ^ x_1 ^ x_2, f_0), f_1)
 *
 * The fourteen round keys (w_i, k_ij, f_j) come from the 16-byte seed through
 * SipHash-2-4 (a PRF) once, at set-up: independent-looking, and secret as
 * long as the seed is. The three lanes run side by side (AESENC's latency
 * overlaps), 11 AESENCs in all. There is no length to fold in (every input is
 * 48 bytes); the caller's bytes carry the rest (a flow key's third block holds
 * its IP version and protocol).
 *
 * Why it resists flooding. A flooding attacker chooses the inputs but cannot
 * see a hash value, so it needs a set of inputs that collides (in the bucket,
 * or in all 64 bits, which closed_tuples.c takes as a 5-tuple's identity) for
 * most keys. Beyond the chance collisions of a truncated value (those of any
 * 64-bit hash), a collision needs two inputs whose lane outputs sum to the
 * same value: the two rounds after the fold are a permutation. One AES round
 * spreads a byte over one column, two over the whole block, but two rounds
 * also leave a key-independent structure: inputs that vary only in one diagonal (4 bytes)
 * come out in an affine 32-bit subspace whose linear part does not depend on
 * the key. With two-round lanes, varying the same diagonal in two blocks
 * would put the sum into 2^32 values, and about a million chosen inputs would
 * give a hundred full collisions. The third round sends that subspace through
 * 16 keyed S-boxes, and nothing of the kind is known to survive it: what is
 * left is guessing an AES differential over three keyed rounds, which chosen
 * inputs cannot make likely when the key is unknown. The two rounds after the
 * fold spread every byte of the sum over the whole block, so the low 32 bits
 * (bucket index and tag) and the 64-bit fingerprint each depend on all of it.
 *
 * What it is not: a MAC or a PRF. A few AES rounds are distinguishable from
 * random, and their keys recoverable, from a few hundred chosen inputs when
 * the outputs can be seen (the square attack on four rounds). So the values
 * must stay inside the process: never printed, never used to order output
 * (records are sorted), never used to authenticate. Against someone who can
 * time bucket probes in live capture it is a weaker guard than SipHash (as
 * Go's and ahash's are). */
#ifndef SOCKSCOPE_AESHASH_H
#define SOCKSCOPE_AESHASH_H

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>

#define AESHASH_INPUT_LEN 48
#define AESHASH_SEED_LEN  16

/* round_key[0..2] w_0..w_2, [3 + 3i + j] k_ij, [12] f_0, [13] f_1 */
#define AESHASH_ROUND_KEYS 14

struct aeshash_key {
    alignas(16) uint8_t round_key[AESHASH_ROUND_KEYS][16];
};

/* The AES code is built only for x86-64 with GCC or clang (as a target
 * attribute: the rest of the build needs no -maes). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define AESHASH_X86 1
#endif

/* Whether this CPU runs aeshash48 (AES-NI on x86-64; false elsewhere). Asks
 * the CPU (through the compiler's cached CPUID): call it once, at set-up. */
bool aeshash_cpu_supported(void);

/* Derives the round keys from a 16-byte seed. Any CPU; never fails. */
void aeshash_key_init(struct aeshash_key *k, const uint8_t seed[AESHASH_SEED_LEN]);

#ifdef AESHASH_X86
/* The hash of the AESHASH_INPUT_LEN bytes at data (any alignment) under k.
 * Only when aeshash_cpu_supported(): otherwise it faults (illegal
 * instruction). Pure function. */
uint64_t aeshash48(const void *data, const struct aeshash_key *k);
#endif

#endif
