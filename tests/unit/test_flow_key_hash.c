/* test_flow_key_hash.c - the flow-key hash under both functions (AES rounds,
 * SipHash-1-3): each is the function its comment describes (aeshash48 against
 * a software model of AES rounds from FIPS-197, the fallback against
 * siphash13 of the documented bytes), the seed matters, equal keys hash equal,
 * every meaningful input bit flips about half the output bits, and sequential
 * keys spread evenly over buckets. The AES tests skip themselves (with a note)
 * on a CPU without AES-NI; on x86-64 the detection is checked against CPUID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "aeshash.h"
#include "cunit_main.h"
#include "flow_table.h"
#include "siphash.h"

static const uint8_t seed_a[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t seed_b[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17};

static const enum flow_hash_impl impls[] = {FLOW_HASH_AES, FLOW_HASH_SIPHASH13};
#define N_IMPLS (sizeof(impls) / sizeof(impls[0]))

static const char *impl_name(enum flow_hash_impl impl)
{
    return impl == FLOW_HASH_AES ? "AES" : "SipHash-1-3";
}

/* h for impl, or false (with a note, once) when this CPU cannot run it. */
static bool hasher_for(struct flow_hasher *h, const uint8_t seed[16], enum flow_hash_impl impl)
{
    static bool noted;
    if (flow_hasher_init_impl(h, seed, impl) == 0)
        return true;
    CU_ASSERT_EQUAL(impl, FLOW_HASH_AES); /* SipHash runs anywhere */
    if (!noted)
        fprintf(stderr, "\n  (no AES-NI here: the AES tests check nothing)\n");
    noted = true;
    return false;
}

/* splitmix64: repeatable pseudo-random keys */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A key with random meaningful bytes; what flow_key_make leaves zero stays
 * zero (IPv4's last 12 address bytes, the padding). */
static void random_key(struct flow_key *k, uint8_t ip_version, uint64_t *rng)
{
    memset(k, 0, sizeof(*k));
    size_t addr_len = ip_version == 4 ? 4 : 16;
    for (size_t i = 0; i < addr_len; i++) {
        k->lo_addr[i] = (uint8_t)rng_next(rng);
        k->hi_addr[i] = (uint8_t)rng_next(rng);
    }
    uint64_t r = rng_next(rng);
    k->lo_port = (uint16_t)r;
    k->hi_port = (uint16_t)(r >> 16);
    k->vlan = (uint16_t)(r >> 32);
    k->vlan_inner = (uint16_t)(r >> 48);
    r = rng_next(rng);
    k->ctx = (uint32_t)r;
    k->proto = (uint8_t)(r >> 32);
    k->ip_version = ip_version;
}

/* Offsets of the bytes that make a key of this version. */
static size_t meaningful_bytes(uint8_t ip_version, size_t off[sizeof(struct flow_key)])
{
    size_t n = 0, addr_len = ip_version == 4 ? 4 : 16;
    for (size_t i = 0; i < addr_len; i++)
        off[n++] = offsetof(struct flow_key, lo_addr) + i;
    for (size_t i = 0; i < addr_len; i++)
        off[n++] = offsetof(struct flow_key, hi_addr) + i;
    for (size_t i = offsetof(struct flow_key, lo_port); i < offsetof(struct flow_key, pad); i++)
        off[n++] = i;
    return n;
}

/* ---- a software model of the AES design (aeshash.h) --------------------- */

static uint8_t gf_mul(uint8_t a, uint8_t b)
{
    uint8_t p = 0;
    for (int i = 0; i < 8; i++) {
        if (b & 1)
            p ^= a;
        a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
        b >>= 1;
    }
    return p;
}

/* FIPS-197 5.1.1: the inverse in GF(2^8), then the affine map */
static void make_sbox(uint8_t sbox[256])
{
    for (unsigned x = 0; x < 256; x++) {
        uint8_t inv = 0;
        for (unsigned y = 1; x != 0 && y < 256; y++)
            if (gf_mul((uint8_t)x, (uint8_t)y) == 1)
                inv = (uint8_t)y;
        uint8_t s = 0x63;
        for (unsigned r = 0; r < 5; r++)
            s ^= (uint8_t)((inv << r) | (inv >> ((8 - r) & 7)));
        sbox[x] = s;
    }
}

/* What AESENC does: MixColumns(ShiftRows(SubBytes(s))) ^ k, byte i of the
 * block being row i % 4 of column i / 4 (FIPS-197 3.4). */
static void aes_round(const uint8_t sbox[256], uint8_t s[16], const uint8_t k[16])
{
    uint8_t t[16];
    for (int c = 0; c < 4; c++)
        for (int r = 0; r < 4; r++)
            t[r + 4 * c] = sbox[s[r + 4 * ((c + r) % 4)]];
    for (int c = 0; c < 4; c++) {
        const uint8_t *a = t + 4 * c;
        uint8_t all = (uint8_t)(a[0] ^ a[1] ^ a[2] ^ a[3]);
        for (int r = 0; r < 4; r++)
            s[r + 4 * c] =
                (uint8_t)(a[r] ^ all ^ gf_mul(2, (uint8_t)(a[r] ^ a[(r + 1) % 4])) ^ k[r + 4 * c]);
    }
}

/* aeshash.h's formula, round by round, with h's round keys */
static uint64_t model_aeshash48(const uint8_t sbox[256], const uint8_t data[48],
                                const struct aeshash_key *k)
{
    uint8_t x[3][16], s[16] = {0};
    for (int i = 0; i < 3; i++) {
        for (int b = 0; b < 16; b++)
            x[i][b] = (uint8_t)(data[16 * i + b] ^ k->round_key[i][b]);
        for (int r = 0; r < 3; r++)
            aes_round(sbox, x[i], k->round_key[3 + 3 * i + r]);
        for (int b = 0; b < 16; b++)
            s[b] ^= x[i][b];
    }
    aes_round(sbox, s, k->round_key[12]);
    aes_round(sbox, s, k->round_key[13]);
    uint64_t v = 0;
    for (int b = 7; b >= 0; b--)
        v = v << 8 | s[b];
    return v;
}

static void test_model_round_matches_fips197_and_intel(void)
{
    uint8_t sbox[256];
    make_sbox(sbox);
    CU_ASSERT_EQUAL(sbox[0x00], 0x63); /* FIPS-197 figure 7 */
    CU_ASSERT_EQUAL(sbox[0x53], 0xed);
    CU_ASSERT_EQUAL(sbox[0xff], 0x16);
    /* Intel's AES-NI white paper, AESENC example: state 7b5b5465 73745665
     * 63746f72 5d53475d, round key 48692853 68617929 5b477565 726f6e5d,
     * result a8311c2f 9fdba3c5 8b104b58 ded7e595 (128-bit integers,
     * so byte 0 is the last written) */
    static const uint8_t state_be[16] = {0x7b, 0x5b, 0x54, 0x65, 0x73, 0x74, 0x56, 0x65,
                                         0x63, 0x74, 0x6f, 0x72, 0x5d, 0x53, 0x47, 0x5d};
    static const uint8_t key_be[16] = {0x48, 0x69, 0x28, 0x53, 0x68, 0x61, 0x79, 0x29,
                                       0x5b, 0x47, 0x75, 0x65, 0x72, 0x6f, 0x6e, 0x5d};
    static const uint8_t want_be[16] = {0xa8, 0x31, 0x1c, 0x2f, 0x9f, 0xdb, 0xa3, 0xc5,
                                        0x8b, 0x10, 0x4b, 0x58, 0xde, 0xd7, 0xe5, 0x95};
    uint8_t s[16], k[16];
    for (int i = 0; i < 16; i++) {
        s[i] = state_be[15 - i];
        k[i] = key_be[15 - i];
    }
    aes_round(sbox, s, k);
    for (int i = 0; i < 16; i++)
        CU_ASSERT_EQUAL(s[i], want_be[15 - i]);
}

/* flow_key_hash with the AES function computes what aeshash.h says, with
 * round keys that depend on the whole seed. */
static void test_aes_matches_model(void)
{
    struct flow_hasher h;
    if (!hasher_for(&h, seed_a, FLOW_HASH_AES))
        return;
    uint8_t sbox[256];
    make_sbox(sbox);
    uint64_t rng = 1;
    for (int n = 0; n < 2000; n++) {
        struct flow_key k;
        random_key(&k, n % 2 ? 4 : 6, &rng);
        uint8_t bytes[sizeof(k)];
        memcpy(bytes, &k, sizeof(k));
        CU_ASSERT_EQUAL(flow_key_hash(&k, &h), model_aeshash48(sbox, bytes, &h.aes));
    }
    /* the round keys are SipHash-2-4 of the documented messages under the seed */
    static const char tag[] = "sockscope aeshash48 round key ";
    uint8_t msg[sizeof(tag)];
    memcpy(msg, tag, sizeof(tag) - 1);
    for (unsigned i = 0; i < AESHASH_ROUND_KEYS * 2; i++) {
        msg[sizeof(tag) - 1] = (uint8_t)i;
        uint64_t want = siphash24(msg, sizeof(msg), seed_a), got = 0;
        for (int b = 7; b >= 0; b--)
            got = got << 8 | h.aes.round_key[i / 2][8 * (i % 2) + (unsigned)b];
        CU_ASSERT_EQUAL(got, want);
    }
}

/* The fallback is the SipHash-1-3 flow_key_hash always was: ports to padding,
 * then the two addresses (4 bytes each for IPv4, 16 for IPv6). */
static void test_siphash_is_the_documented_message(void)
{
    struct flow_hasher h;
    CU_ASSERT_FATAL(hasher_for(&h, seed_a, FLOW_HASH_SIPHASH13));
    uint64_t rng = 2;
    for (int n = 0; n < 200; n++) {
        struct flow_key k;
        uint8_t v = n % 2 ? 4 : 6;
        random_key(&k, v, &rng);
        uint8_t msg[48];
        size_t tail = sizeof(k) - offsetof(struct flow_key, lo_port), a = v == 4 ? 4 : 16;
        memcpy(msg, &k.lo_port, tail);
        memcpy(msg + tail, k.lo_addr, a);
        memcpy(msg + tail + a, k.hi_addr, a);
        CU_ASSERT_EQUAL(flow_key_hash(&k, &h), siphash13(msg, tail + 2 * a, seed_a));
    }
}

/* ---- properties, for each function -------------------------------------- */

static void test_detection(void)
{
    struct flow_hasher h;
    flow_hasher_init(&h, seed_a);
    CU_ASSERT_EQUAL(h.impl, aeshash_cpu_supported() ? FLOW_HASH_AES : FLOW_HASH_SIPHASH13);
#if defined(__x86_64__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    CU_ASSERT_FATAL(__get_cpuid(1, &eax, &ebx, &ecx, &edx));
    CU_ASSERT_EQUAL(aeshash_cpu_supported(), (ecx & bit_AES) != 0);
#else
    CU_ASSERT_FALSE(aeshash_cpu_supported());
#endif
    /* forcing the fallback works where AES would be chosen */
    CU_ASSERT_EQUAL(flow_hasher_init_impl(&h, seed_a, FLOW_HASH_SIPHASH13), 0);
    CU_ASSERT_EQUAL(h.impl, FLOW_HASH_SIPHASH13);
}

static void test_deterministic_and_seeded(void)
{
    for (size_t m = 0; m < N_IMPLS; m++) {
        struct flow_hasher h1, h2, other;
        if (!hasher_for(&h1, seed_a, impls[m]))
            continue;
        hasher_for(&h2, seed_a, impls[m]);
        hasher_for(&other, seed_b, impls[m]);
        uint64_t rng = 3;
        for (int n = 0; n < 1000; n++) {
            struct flow_key k;
            random_key(&k, n % 2 ? 4 : 6, &rng);
            uint64_t v = flow_key_hash(&k, &h1);
            CU_ASSERT_EQUAL(flow_key_hash(&k, &h1), v);
            CU_ASSERT_EQUAL(flow_key_hash(&k, &h2), v); /* another hasher, same seed */
            CU_ASSERT_NOT_EQUAL(flow_key_hash(&k, &other), v);
        }
    }
}

/* The two functions are different functions (the choice is real). */
static void test_functions_differ(void)
{
    struct flow_hasher aes, sip;
    if (!hasher_for(&aes, seed_a, FLOW_HASH_AES))
        return;
    hasher_for(&sip, seed_a, FLOW_HASH_SIPHASH13);
    uint64_t rng = 4;
    for (int n = 0; n < 100; n++) {
        struct flow_key k;
        random_key(&k, n % 2 ? 4 : 6, &rng);
        CU_ASSERT_NOT_EQUAL(flow_key_hash(&k, &aes), flow_key_hash(&k, &sip));
    }
}

/* Keys that compare equal hash equal: one 5-tuple seen from both sides, made
 * over a key that held other values before. */
static void test_equal_keys_hash_equal(void)
{
    for (size_t m = 0; m < N_IMPLS; m++) {
        struct flow_hasher h;
        if (!hasher_for(&h, seed_a, impls[m]))
            continue;
        uint64_t rng = 5;
        for (int n = 0; n < 500; n++) {
            struct ip_addr a, b;
            memset(&a, 0, sizeof(a));
            memset(&b, 0, sizeof(b));
            uint8_t v = n % 2 ? 4 : 6;
            for (size_t i = 0; i < (v == 4 ? 4u : 16u); i++) {
                a.b[i] = (uint8_t)rng_next(&rng);
                b.b[i] = (uint8_t)rng_next(&rng);
            }
            uint64_t r = rng_next(&rng);
            struct flow_key k1, k2;
            memset(&k2, 0xa5, sizeof(k2)); /* flow_key_make zeroes what it does not set */
            flow_key_make(&k1, v, (uint8_t)r, &a, (uint16_t)(r >> 8), &b, (uint16_t)(r >> 24),
                          (uint16_t)(r >> 40), 0, (uint32_t)n);
            flow_key_make(&k2, v, (uint8_t)r, &b, (uint16_t)(r >> 24), &a, (uint16_t)(r >> 8),
                          (uint16_t)(r >> 40), 0, (uint32_t)n);
            CU_ASSERT_EQUAL_FATAL(memcmp(&k1, &k2, sizeof(k1)), 0);
            CU_ASSERT_EQUAL(flow_key_hash(&k1, &h), flow_key_hash(&k2, &h));
        }
    }
}

/* The AES function loads the key unaligned: any address gives the same value. */
static void test_aes_any_alignment(void)
{
    struct flow_hasher h;
    if (!hasher_for(&h, seed_a, FLOW_HASH_AES))
        return;
#ifdef AESHASH_X86
    uint64_t rng = 6;
    uint8_t buf[sizeof(struct flow_key) + 16];
    for (int n = 0; n < 64; n++) {
        struct flow_key k;
        random_key(&k, n % 2 ? 4 : 6, &rng);
        size_t off = (size_t)n % 16;
        memcpy(buf + off, &k, sizeof(k));
        CU_ASSERT_EQUAL(aeshash48(buf + off, &h.aes), flow_key_hash(&k, &h));
    }
#endif
}

/* Avalanche: over random keys, flipping any one bit of a meaningful byte
 * always changes the value, flips 32 of the 64 bits on average, and flips
 * each output bit about half the time (strict avalanche, per input bit and
 * output bit). Bounds are loose (7 standard deviations and more): a bad mix
 * misses them by far (a byte that reaches only part of the output gives 0). */
static void avalanche(enum flow_hash_impl impl, uint8_t ip_version)
{
    enum { KEYS = 256 };
    struct flow_hasher h;
    if (!hasher_for(&h, seed_a, impl))
        return;
    size_t off[sizeof(struct flow_key)];
    size_t n_bytes = meaningful_bytes(ip_version, off);
    static uint32_t flips[sizeof(struct flow_key) * 8][64];
    memset(flips, 0, sizeof(flips));
    uint64_t rng = 7 + ip_version;
    unsigned unchanged = 0;
    for (int n = 0; n < KEYS; n++) {
        struct flow_key k;
        random_key(&k, ip_version, &rng);
        uint64_t v = flow_key_hash(&k, &h);
        for (size_t i = 0; i < n_bytes; i++) {
            for (unsigned bit = 0; bit < 8; bit++) {
                struct flow_key f = k;
                ((uint8_t *)&f)[off[i]] ^= (uint8_t)(1u << bit);
                uint64_t d = v ^ flow_key_hash(&f, &h);
                unchanged += d == 0;
                for (unsigned o = 0; o < 64; o++)
                    flips[i * 8 + bit][o] += (uint32_t)((d >> o) & 1);
            }
        }
    }
    CU_ASSERT_EQUAL(unchanged, 0);
    unsigned bad_pairs = 0;
    for (size_t ib = 0; ib < n_bytes * 8; ib++) {
        unsigned total = 0;
        for (unsigned o = 0; o < 64; o++) {
            total += flips[ib][o];
            /* p = 0.5 over 256 keys: sd 8 flips; 72..184 is 7 sd */
            bad_pairs += flips[ib][o] < 72 || flips[ib][o] > 184;
        }
        double mean = (double)total / KEYS; /* sd 0.25 */
        if (mean < 30.0 || mean > 34.0) {
            fprintf(stderr, "\n  %s IPv%u byte %zu bit %zu flips %.2f output bits on average",
                    impl_name(impl), ip_version, off[ib / 8], ib % 8, mean);
            CU_FAIL("mean flipped bits outside 30..34");
        }
    }
    if (bad_pairs != 0)
        fprintf(stderr, "\n  %s IPv%u: %u (input bit, output bit) pairs off 0.5 by > 7 sd",
                impl_name(impl), ip_version, bad_pairs);
    CU_ASSERT_EQUAL(bad_pairs, 0);
}

static void test_avalanche_aes_v4(void)
{
    avalanche(FLOW_HASH_AES, 4);
}

static void test_avalanche_aes_v6(void)
{
    avalanche(FLOW_HASH_AES, 6);
}

static void test_avalanche_siphash_v4(void)
{
    avalanche(FLOW_HASH_SIPHASH13, 4);
}

static void test_avalanche_siphash_v6(void)
{
    avalanche(FLOW_HASH_SIPHASH13, 6);
}

/* Chi-square of n values over 2^16 bins (65535 degrees of freedom: mean
 * 65535, sd 362). */
static double chi_square_16(const uint32_t *count, size_t n)
{
    double expect = (double)n / 65536.0, chi = 0;
    for (size_t i = 0; i < 65536; i++)
        chi += ((double)count[i] - expect) * ((double)count[i] - expect) / expect;
    return chi;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* A million IPv4 5-tuples that differ only a little (client ports counting
 * up, a new client address every 50,000): each 16-bit slice of the value
 * (the low ones are the table's bucket and tag) is spread evenly, and the
 * 64-bit values (closed_tuples' fingerprints) are all distinct. */
static void test_sequential_keys_spread(void)
{
    enum { N = 1000000 };
    uint64_t *v = malloc(N * sizeof(*v));
    uint32_t(*count)[65536] = calloc(4, sizeof(*count));
    CU_ASSERT_FATAL(v != NULL && count != NULL);
    for (size_t m = 0; m < N_IMPLS; m++) {
        struct flow_hasher h;
        if (!hasher_for(&h, seed_a, impls[m]))
            continue;
        memset(count, 0, 4 * sizeof(*count));
        struct ip_addr server;
        memset(&server, 0, sizeof(server));
        server.b[0] = 192, server.b[1] = 0, server.b[2] = 2, server.b[3] = 1;
        for (uint32_t i = 0; i < N; i++) {
            struct ip_addr client;
            memset(&client, 0, sizeof(client));
            uint32_t host = i / 50000;
            client.b[0] = 10, client.b[2] = (uint8_t)(host >> 8), client.b[3] = (uint8_t)host;
            struct flow_key k;
            flow_key_make(&k, 4, 6, &client, (uint16_t)(10000 + i % 50000), &server, 443, 0, 0, 0);
            v[i] = flow_key_hash(&k, &h);
            for (unsigned s = 0; s < 4; s++)
                count[s][(v[i] >> (16 * s)) & 0xffff]++;
        }
        for (unsigned s = 0; s < 4; s++) {
            double chi = chi_square_16(count[s], N);
            /* 65535 +- 10 sd: uneven, or too even to be random */
            if (chi < 61915.0 || chi > 69155.0) {
                fprintf(stderr, "\n  %s bits %u..%u: chi-square %.0f", impl_name(impls[m]), 16 * s,
                        16 * s + 15, chi);
                CU_FAIL("16-bit slice not spread evenly");
            }
        }
        qsort(v, N, sizeof(*v), cmp_u64);
        unsigned same = 0;
        for (size_t i = 1; i < N; i++)
            same += v[i] == v[i - 1];
        CU_ASSERT_EQUAL(same, 0);
    }
    free(count);
    free(v);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"software AES round: FIPS-197 S-box, Intel AESENC vector",
         test_model_round_matches_fips197_and_intel},
        {"AES function is the documented design", test_aes_matches_model},
        {"SipHash fallback is the documented message", test_siphash_is_the_documented_message},
        {"AES-NI detection, fallback can be forced", test_detection},
        {"deterministic per seed, another seed differs", test_deterministic_and_seeded},
        {"AES and SipHash are different functions", test_functions_differ},
        {"equal keys hash equal", test_equal_keys_hash_equal},
        {"AES: any alignment of the key", test_aes_any_alignment},
        {"avalanche: AES, IPv4", test_avalanche_aes_v4},
        {"avalanche: AES, IPv6", test_avalanche_aes_v6},
        {"avalanche: SipHash-1-3, IPv4", test_avalanche_siphash_v4},
        {"avalanche: SipHash-1-3, IPv6", test_avalanche_siphash_v6},
        {"sequential keys spread over buckets, fingerprints distinct", test_sequential_keys_spread},
        {NULL, NULL},
    };
    return add_suite("flow_key_hash", tests);
}
