/* community_id.c - Community ID v1 (corelight community-id-spec; DESIGN.md
 * section "Community ID v1, exact algorithm"). */
#include "community_id.h"

#include <stdbool.h>
#include <string.h>

#include "base64.h"
#include "sha1.h"

#define IPPROTO_NUM_ICMP   1
#define IPPROTO_NUM_TCP    6
#define IPPROTO_NUM_UDP    17
#define IPPROTO_NUM_ICMPV6 58
#define IPPROTO_NUM_SCTP   132

/* Request/reply type pairs (Zeek ICMP4_counterpart / ICMP6_counterpart, as
 * DESIGN.md lists them). Each pair is listed once; the lookup tries both
 * columns. Router advertisement (9) maps back to solicitation (10) as in
 * corelight/pycommunityid; the spec repository's older community-id.py maps
 * only 10 -> 9. */
static const uint8_t icmp4_pairs[][2] = {
    {8, 0},   /* echo request / echo reply */
    {13, 14}, /* timestamp / timestamp reply */
    {15, 16}, /* information request / reply */
    {10, 9},  /* router solicitation / advertisement */
    {17, 18}, /* address mask request / reply */
};

static const uint8_t icmp6_pairs[][2] = {
    {128, 129}, /* echo request / reply */
    {133, 134}, /* router solicitation / advertisement */
    {135, 136}, /* neighbor solicitation / advertisement */
    {130, 131}, /* multicast listener query / report */
    {139, 140}, /* node information query / response */
    {144, 145}, /* home agent address discovery request / reply */
};

/* Returns true and the counterpart type in *peer if type has one. */
static bool icmp_counterpart(const uint8_t (*pairs)[2], size_t n_pairs, uint16_t type,
                             uint16_t *peer)
{
    for (size_t i = 0; i < n_pairs; i++) {
        if (type == pairs[i][0]) {
            *peer = pairs[i][1];
            return true;
        }
        if (type == pairs[i][1]) {
            *peer = pairs[i][0];
            return true;
        }
    }
    return false;
}

int community_id_v1(const struct community_id_input *in, uint16_t seed, char *out,
                     size_t out_size)
{
    if (out != NULL && out_size > 0)
        out[0] = '\0';
    if (in == NULL || out == NULL || out_size < COMMUNITY_ID_V1_SIZE)
        return -1;

    size_t addr_len;
    if (in->ip_version == 4)
        addr_len = 4;
    else if (in->ip_version == 6)
        addr_len = 16;
    else
        return -1;

    const uint8_t *saddr = in->saddr, *daddr = in->daddr;
    uint16_t sport = in->sport, dport = in->dport;
    bool with_ports = false, one_way = false;

    switch (in->proto) {
    case IPPROTO_NUM_TCP:
    case IPPROTO_NUM_UDP:
    case IPPROTO_NUM_SCTP:
        with_ports = true;
        break;
    case IPPROTO_NUM_ICMP:
    case IPPROTO_NUM_ICMPV6: {
        /* sport carries the type and dport the code */
        uint16_t peer;
        bool paired = in->proto == IPPROTO_NUM_ICMP
                          ? icmp_counterpart(icmp4_pairs, sizeof(icmp4_pairs) / sizeof(icmp4_pairs[0]),
                                             sport, &peer)
                          : icmp_counterpart(icmp6_pairs, sizeof(icmp6_pairs) / sizeof(icmp6_pairs[0]),
                                             sport, &peer);
        if (paired)
            dport = peer;
        else
            one_way = true; /* dport stays the code */
        with_ports = true;
        break;
    }
    default:
        break;
    }

    if (!one_way) {
        int c = memcmp(saddr, daddr, addr_len);
        /* the spec compares ports as integers (not byte-swapped): see the header */
        bool ordered = c < 0 || (c == 0 && with_ports && sport < dport);
        if (!ordered) {
            const uint8_t *ta = saddr;
            saddr = daddr;
            daddr = ta;
            uint16_t tp = sport;
            sport = dport;
            dport = tp;
        }
    }

    /* seed(2) saddr daddr proto(1) pad(1) [sport(2) dport(2)], all network order */
    uint8_t buf[2 + 16 + 16 + 1 + 1 + 2 + 2];
    size_t n = 0;
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, saddr, addr_len);
    n += addr_len;
    memcpy(buf + n, daddr, addr_len);
    n += addr_len;
    buf[n++] = in->proto;
    buf[n++] = 0;
    if (with_ports) {
        buf[n++] = (uint8_t)(sport >> 8);
        buf[n++] = (uint8_t)sport;
        buf[n++] = (uint8_t)(dport >> 8);
        buf[n++] = (uint8_t)dport;
    }

    struct sha1_ctx ctx;
    uint8_t digest[SHA1_DIGEST_LEN];
    sha1_init(&ctx);
    sha1_update(&ctx, buf, n);
    sha1_final(&ctx, digest);

    out[0] = '1';
    out[1] = ':';
    if (base64_encode(digest, sizeof(digest), out + 2, out_size - 2) < 0) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}
