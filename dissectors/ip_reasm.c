/* ip_reasm.c - IPv4 and IPv6 fragment reassembly (RFC 791 section 3.2, RFC 815,
 * RFC 8200 section 4.5, RFC 5722, RFC 6946) with a time limit and a memory cap.
 *
 * Policies (real stacks differ on several of these; we pick one and say so):
 * - Key: IPv4 (src, dst, protocol, id) per RFC 791; IPv6 (src, dst, id) per
 *   RFC 8200 section 4.5. The IPv6 Next Header is not part of the key because
 *   RFC 8200 lets it differ between fragments and only the offset-0 fragment's
 *   value counts; on completion pkt->proto is set from that fragment.
 *   Both also carry where the fragment was seen: its VLAN ids and its tunnel
 *   chain (each layer's type, carrier addresses, VLANs and id, as a 64-bit
 *   seeded fingerprint), so that the same addresses and id in two VLANs, two
 *   VXLAN tenants or GRE keys, or inside a tunnel and outside it, are two
 *   datagrams (as Wireshark keeps VLANs apart), never one.
 * - Overlapping IPv4 fragments: the FIRST data received for a byte wins; the
 *   overlap is counted (stats.overlaps, ANOM_FRAG_OVERLAP). Stacks differ here
 *   (some keep the first data, some the last, BSD-style ones decide by offset,
 *   and Linux since 4.19 drops the datagram), so what a host saw may differ.
 *   Overlapping IPv6 fragments drop the whole datagram (RFC 5722), also counted.
 * - Exact duplicates (same offset, length and bytes) are retransmissions, not
 *   overlaps (RFC 8200 section 4.5 allows dropping them silently); the same
 *   range with different bytes is an overlap.
 * - A fragment ending past 65535 bytes, past the end fixed by the last fragment,
 *   or a last fragment ending before data already received drops the datagram
 *   (stats.too_large, ANOM_FRAG_TOO_LARGE).
 * - A fragment with offset 0 and no More Fragments flag is an atomic fragment:
 *   it is returned at once and never touches a pending datagram (RFC 6946).
 * - The reassembled datagram's header is the offset-0 fragment's (RFC 791
 *   section 3.2, RFC 8200 section 4.5: IPv4 options may be in it alone, and
 *   IPv6's Unfragmentable Part is its): on completion pkt->ip_hdr_len is that
 *   fragment's, whichever fragment completed it. frame.c then takes the IPv6
 *   Fragment header out of it, as RFC 8200 and Zeek do not count it.
 * - Timeout runs from the FIRST fragment (as Linux's ipfrag_time does), not
 *   from the last one. Every datagram given up for time is counted in
 *   stats.timeouts (those a late fragment of their own found also in
 *   timeouts_flagged, with ANOM_FRAG_TIMEOUT on its packet); the analyzer
 *   calls ip_reasm_expire once a second of capture time and counts the rest
 *   as frag_timeout, and what is pending at the end as frag_pending_at_end.
 * - A fragment with More Fragments set whose length is not a multiple of 8
 *   never gets here: ipv6.c and ipv4.c discard it as malformed
 *   (ANOM_FRAG_BAD_LENGTH; RFC 8200 section 4.5, RFC 791 section 3.2).
 * - Coverage follows the lengths the IP headers claim, so a datagram whose
 *   fragments were cut by the snaplen still completes; the output then holds
 *   only the captured prefix that starts at offset 0.
 * - The fragment offered may lie in the table's own output buffer (a fragment
 *   carried in a tunnel whose carrier was reassembled by the previous call):
 *   it is copied into its datagram's buffer before the output is written, and
 *   an atomic one is moved, not copied, so two levels of one frame reassemble.
 * - Memory cap: before storing a fragment, the oldest other pending datagrams
 *   are evicted until it fits (stats.memcap_drops, ANOM_FRAG_MEMCAP); if it
 *   still does not fit, the fragment and its own datagram are dropped too (one
 *   more memcap_drop), since that datagram could never complete.
 * - bytes_in_use counts each pending datagram's node, data buffer and range
 *   arrays; the hash buckets and the table's output buffer are not counted.
 */
#include "ip_reasm.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "encap.h"

#define REASM_MAX_LEN     65535u /* largest payload we reassemble (no jumbograms) */
#define REASM_MIN_BUCKETS 64u
#define REASM_MIN_BUF     512u /* first buffer, so tiny fragments do not realloc often */
#define REASM_MIN_RANGES  4u

/* Lookup key; zeroed before filling so the explicit padding hashes the same. */
struct reasm_key {
    uint64_t context; /* where the fragment was seen: VLANs and tunnel chain (context_of) */
    struct ip_addr src, dst;
    uint32_t frag_id;
    uint8_t ip_version;
    uint8_t proto; /* IPv4 protocol; 0 for IPv6 (see the file comment) */
    uint8_t pad[2];
};

/* [start, end) in bytes from the start of the fragmentable part. */
struct range {
    uint32_t start, end;
};

struct range_set {
    struct range *v;
    uint32_t n, cap;
};

struct datagram {
    struct reasm_key key;
    uint64_t hash;
    struct datagram *hnext;         /* hash chain */
    struct datagram *older, *newer; /* creation order, for expiry and eviction */
    uint64_t first_ns, last_ns;
    uint8_t *buf; /* captured bytes at their offsets; valid where `captured` says */
    uint32_t buf_cap;
    uint32_t max_end;   /* highest end offset any fragment claimed */
    uint32_t total_len; /* fixed by the last fragment (valid when last_seen) */
    bool last_seen;     /* a fragment with MF = 0 arrived */
    bool missing_bytes; /* bytes the headers claim were cut off by the snaplen */
    bool have_first;    /* the offset-0 fragment arrived */
    uint8_t first_proto;
    uint16_t first_hdr_len; /* the offset-0 fragment's ip_hdr_len (IPv4 options, IPv6
                               headers up to the Fragment header) */
    struct range_set covered;  /* sorted, merged: what the IP headers say arrived */
    struct range_set captured; /* sorted, merged: bytes actually stored in buf */
    struct range_set frags;    /* every accepted fragment, arrival order (duplicate check) */
    size_t mem;                /* this datagram's share of bytes_in_use */
};

struct ip_reasm {
    struct datagram **buckets;
    size_t n_buckets; /* power of two */
    size_t n_datagrams;
    struct datagram *oldest, *newest;
    uint64_t seed;
    size_t memcap_bytes;
    uint64_t timeout_ns;
    uint8_t *out; /* REASM_MAX_LEN bytes, reused for every completed datagram */
    struct ip_reasm_stats stats;
};

/* ---- hashing ---- */

static uint64_t mix64(uint64_t x)
{
    /* splitmix64 finaliser: spreads every input bit over the low bits we mask */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* Seeded FNV-1a over n bytes, continuing from h. */
static uint64_t fnv_bytes(uint64_t h, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Seeded FNV-1a over the key bytes, then a final mix. */
static uint64_t key_hash(uint64_t seed, const struct reasm_key *k)
{
    return mix64(fnv_bytes(0xcbf29ce484222325ull ^ seed, (const uint8_t *)k, sizeof(*k)));
}

/* A 64-bit fingerprint of where pkt's IP header was found: the VLAN ids at its
 * own level and every tunnel layer pushed so far (encap_chain_key: type,
 * carrier IP version, protocol, addresses and VLANs), with each layer's id
 * whatever its symmetry (a GRE key, VNI, TEID or label: the fragments of one
 * datagram all come through the same one). 0 for a packet in no VLAN and no
 * tunnel. Carrier ports are left out, as in encap_chain_key: a VXLAN or Geneve
 * source port is entropy that may differ between the fragments of one datagram. */
static uint64_t context_of(uint64_t seed, const struct packet *pkt)
{
    if (pkt->n_vlan == 0 && pkt->n_encap == 0)
        return 0;
    uint8_t buf[ENCAP_KEY_MAX_LEN + 8 * PACKET_MAX_ENCAP + 2 + 2 * PACKET_MAX_VLAN];
    size_t len = encap_chain_key(pkt, pkt->n_encap, buf, ENCAP_KEY_MAX_LEN);
    for (unsigned i = 0; i < pkt->n_encap && i < PACKET_MAX_ENCAP; i++) {
        const struct encap_layer *l = &pkt->encap[i];
        uint32_t id = l->has_id ? l->id : 0;
        buf[len++] = l->has_id;
        buf[len++] = (uint8_t)(id >> 24);
        buf[len++] = (uint8_t)(id >> 16);
        buf[len++] = (uint8_t)(id >> 8);
        buf[len++] = (uint8_t)id;
        buf[len++] = 0;
        buf[len++] = 0;
        buf[len++] = 0;
    }
    unsigned nv = pkt->n_vlan < PACKET_MAX_VLAN ? pkt->n_vlan : PACKET_MAX_VLAN;
    buf[len++] = (uint8_t)nv;
    buf[len++] = pkt->n_encap;
    for (unsigned i = 0; i < nv; i++) {
        buf[len++] = (uint8_t)(pkt->vlan[i] >> 8);
        buf[len++] = (uint8_t)pkt->vlan[i];
    }
    uint64_t h = fnv_bytes(0xcbf29ce484222325ull ^ seed, buf, len);
    h = mix64(h);
    return h != 0 ? h : 1; /* 0 stays "no VLAN, no tunnel" */
}

static void key_fill(struct reasm_key *k, const struct packet *pkt, uint64_t seed)
{
    memset(k, 0, sizeof(*k));
    k->context = context_of(seed, pkt);
    k->ip_version = pkt->ip_version;
    k->frag_id = pkt->frag_id;
    if (pkt->ip_version == 4) {
        /* only 4 address bytes are meaningful; ignore whatever follows */
        memcpy(k->src.b, pkt->src.b, 4);
        memcpy(k->dst.b, pkt->dst.b, 4);
        k->proto = pkt->proto;
    } else {
        k->src = pkt->src;
        k->dst = pkt->dst;
    }
}

/* ---- range sets ---- */

static uint32_t range_cap_for(uint32_t cap, uint32_t want)
{
    if (want <= cap)
        return cap;
    uint32_t n = cap < REASM_MIN_RANGES ? REASM_MIN_RANGES : cap * 2;
    return n < want ? want : n;
}

/* Bytes that range_set_reserve(s, want) would add. */
static size_t range_set_growth(const struct range_set *s, uint32_t want)
{
    return (size_t)(range_cap_for(s->cap, want) - s->cap) * sizeof(struct range);
}

/* Makes room for want ranges; returns 0 or -1 (s unchanged) on allocation failure. */
static int range_set_reserve(struct range_set *s, uint32_t want)
{
    uint32_t cap = range_cap_for(s->cap, want);
    if (cap == s->cap)
        return 0;
    struct range *v = realloc(s->v, (size_t)cap * sizeof(*v));
    if (v == NULL)
        return -1;
    s->v = v;
    s->cap = cap;
    return 0;
}

/* Index of the first range of a sorted set that ends after pos. */
static uint32_t range_set_first_after(const struct range_set *s, uint32_t pos)
{
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].end > pos)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Number of ranges of a sorted set that share at least one byte with [start, end). */
static uint32_t range_set_count_overlapping(const struct range_set *s, uint32_t start,
                                            uint32_t end)
{
    uint32_t n = 0;
    if (start >= end) /* an empty fragment shares no byte with anything */
        return 0;
    for (uint32_t i = range_set_first_after(s, start); i < s->n && s->v[i].start < end; i++)
        n++;
    return n;
}

/* Adds [start, end) to a sorted set, merging overlapping and adjacent ranges.
 * The caller reserved room for one more range. */
static void range_set_add(struct range_set *s, uint32_t start, uint32_t end)
{
    if (start >= end)
        return;
    /* first range that ends at or after start (adjacent counts) */
    uint32_t i = start == 0 ? 0 : range_set_first_after(s, start - 1);
    uint32_t j = i;
    while (j < s->n && s->v[j].start <= end)
        j++;
    /* ranges i .. j-1 touch [start, end) */
    if (i == j) {
        memmove(&s->v[i + 1], &s->v[i], (size_t)(s->n - i) * sizeof(s->v[0]));
        s->v[i].start = start;
        s->v[i].end = end;
        s->n++;
        return;
    }
    if (s->v[i].start < start)
        start = s->v[i].start;
    if (s->v[j - 1].end > end)
        end = s->v[j - 1].end;
    s->v[i].start = start;
    s->v[i].end = end;
    memmove(&s->v[i + 1], &s->v[j], (size_t)(s->n - j) * sizeof(s->v[0]));
    s->n -= j - i - 1;
}

/* ---- datagram bookkeeping ---- */

static uint32_t buf_cap_for(uint32_t cap, uint32_t want, uint32_t limit)
{
    if (want <= cap)
        return cap;
    uint32_t n = cap + cap / 2;
    if (n < REASM_MIN_BUF)
        n = REASM_MIN_BUF;
    if (n < want)
        n = want;
    if (n > limit)
        n = limit;
    return n;
}

static size_t datagram_mem(const struct datagram *d)
{
    return sizeof(*d) + d->buf_cap +
           (size_t)(d->covered.cap + d->captured.cap + d->frags.cap) * sizeof(struct range);
}

/* Re-accounts d after its allocations changed. */
static void account(struct ip_reasm *r, struct datagram *d)
{
    size_t m = datagram_mem(d);
    r->stats.bytes_in_use = r->stats.bytes_in_use - d->mem + m;
    d->mem = m;
    if (r->stats.bytes_in_use > r->stats.peak_bytes)
        r->stats.peak_bytes = r->stats.bytes_in_use;
}

static struct datagram *lookup(const struct ip_reasm *r, const struct reasm_key *k, uint64_t h)
{
    for (struct datagram *d = r->buckets[h & (r->n_buckets - 1)]; d != NULL; d = d->hnext)
        if (d->hash == h && memcmp(&d->key, k, sizeof(*k)) == 0)
            return d;
    return NULL;
}

/* Doubles the bucket array; on allocation failure keeps the old one (longer chains). */
static void grow_buckets(struct ip_reasm *r)
{
    size_t n = r->n_buckets * 2;
    struct datagram **b = calloc(n, sizeof(*b));
    if (b == NULL)
        return;
    for (size_t i = 0; i < r->n_buckets; i++) {
        struct datagram *d = r->buckets[i];
        while (d != NULL) {
            struct datagram *next = d->hnext;
            size_t slot = d->hash & (n - 1);
            d->hnext = b[slot];
            b[slot] = d;
            d = next;
        }
    }
    free(r->buckets);
    r->buckets = b;
    r->n_buckets = n;
}

static void insert(struct ip_reasm *r, struct datagram *d)
{
    size_t slot = d->hash & (r->n_buckets - 1);
    d->hnext = r->buckets[slot];
    r->buckets[slot] = d;
    d->older = r->newest;
    d->newer = NULL;
    if (r->newest != NULL)
        r->newest->newer = d;
    else
        r->oldest = d;
    r->newest = d;
    r->n_datagrams++;
    account(r, d);
    if (r->n_datagrams > r->n_buckets)
        grow_buckets(r);
}

/* Unlinks d from the table and frees it, including its buffer. */
static void drop(struct ip_reasm *r, struct datagram *d)
{
    struct datagram **pp = &r->buckets[d->hash & (r->n_buckets - 1)];
    while (*pp != d)
        pp = &(*pp)->hnext;
    *pp = d->hnext;
    if (d->older != NULL)
        d->older->newer = d->newer;
    else
        r->oldest = d->newer;
    if (d->newer != NULL)
        d->newer->older = d->older;
    else
        r->newest = d->older;
    r->n_datagrams--;
    r->stats.bytes_in_use -= d->mem;
    free(d->buf);
    free(d->covered.v);
    free(d->captured.v);
    free(d->frags.v);
    free(d);
}

static bool is_expired(const struct ip_reasm *r, const struct datagram *d, uint64_t now_ns)
{
    /* timestamps may go backwards in merged captures: never expire into the future */
    return now_ns > d->first_ns && now_ns - d->first_ns > r->timeout_ns;
}

/* Expires from the oldest end until a live datagram is found: O(1) per call when
 * nothing is stale. A datagram stuck behind a newer-stamped one waits for
 * ip_reasm_expire() or its own next fragment. */
static void expire_oldest(struct ip_reasm *r, uint64_t now_ns)
{
    while (r->oldest != NULL && is_expired(r, r->oldest, now_ns)) {
        drop(r, r->oldest);
        r->stats.timeouts++;
    }
}

/* Is [start, end) an exact repeat of an earlier fragment: same range, and the
 * same bytes wherever both copies were captured? */
static bool is_duplicate(const struct datagram *d, uint32_t start, uint32_t end, const uint8_t *p,
                         uint32_t cap_len)
{
    bool same_range = false;
    for (uint32_t i = 0; i < d->frags.n && !same_range; i++)
        same_range = d->frags.v[i].start == start && d->frags.v[i].end == end;
    if (!same_range)
        return false;
    uint32_t cap_end = start + cap_len;
    const struct range_set *c = &d->captured;
    for (uint32_t i = range_set_first_after(c, start); i < c->n && c->v[i].start < cap_end; i++) {
        uint32_t lo = c->v[i].start > start ? c->v[i].start : start;
        uint32_t hi = c->v[i].end < cap_end ? c->v[i].end : cap_end;
        if (memcmp(d->buf + lo, p + (lo - start), hi - lo) != 0)
            return false;
    }
    return true;
}

/* Copies the captured part of [gs, ge) from the fragment into d->buf and notes
 * when the capture cut some of it off. */
static void copy_gap(struct datagram *d, uint32_t gs, uint32_t ge, const uint8_t *p,
                     uint32_t start, uint32_t cap_end)
{
    uint32_t ce = ge < cap_end ? ge : cap_end;
    if (ce < ge)
        d->missing_bytes = true;
    if (ce <= gs)
        return;
    memcpy(d->buf + gs, p + (gs - start), ce - gs);
    range_set_add(&d->captured, gs, ce);
}

/* ---- public API ---- */

struct ip_reasm *ip_reasm_create(size_t memcap_bytes, uint64_t timeout_ns)
{
    struct ip_reasm *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->n_buckets = REASM_MIN_BUCKETS;
    r->buckets = calloc(r->n_buckets, sizeof(*r->buckets));
    r->out = malloc(REASM_MAX_LEN);
    if (r->buckets == NULL || r->out == NULL) {
        free(r->buckets);
        free(r->out);
        free(r);
        return NULL;
    }
    r->memcap_bytes = memcap_bytes;
    r->timeout_ns = timeout_ns;
    /* per-table seed: different tables hash differently, no global state */
    r->seed = mix64((uint64_t)(uintptr_t)r ^ 0x9e3779b97f4a7c15ull);
    return r;
}

void ip_reasm_destroy(struct ip_reasm *r)
{
    if (r == NULL)
        return;
    while (r->oldest != NULL)
        drop(r, r->oldest);
    free(r->buckets);
    free(r->out);
    free(r);
}

/* Drops, counted as timeouts, every datagram that is expired at now_ns (or,
 * with newer, whose first fragment is stamped after it): a full scan, not
 * just the oldest end, as timestamps may be out of order. */
static size_t drop_timed_out(struct ip_reasm *r, uint64_t now_ns, bool newer)
{
    size_t n = 0;
    struct datagram *d = r->oldest;
    while (d != NULL) {
        struct datagram *next = d->newer;
        if (newer ? d->first_ns > now_ns : is_expired(r, d, now_ns)) {
            drop(r, d);
            n++;
        }
        d = next;
    }
    r->stats.timeouts += n;
    return n;
}

size_t ip_reasm_expire(struct ip_reasm *r, uint64_t now_ns)
{
    return drop_timed_out(r, now_ns, false);
}

size_t ip_reasm_drop_newer(struct ip_reasm *r, uint64_t now_ns)
{
    return drop_timed_out(r, now_ns, true);
}

size_t ip_reasm_pending(const struct ip_reasm *r)
{
    return r->n_datagrams;
}

size_t ip_reasm_drop_all(struct ip_reasm *r)
{
    size_t n = r->n_datagrams;
    while (r->oldest != NULL)
        drop(r, r->oldest);
    return n;
}

const struct ip_reasm_stats *ip_reasm_stats(const struct ip_reasm *r)
{
    return &r->stats;
}

/* Returns a fragment with offset 0 and MF = 0 as it is (RFC 6946). */
static int emit_atomic(struct ip_reasm *r, struct packet *pkt, const uint8_t *p, uint32_t cap_len,
                       uint32_t frag_len, struct view *out, uint32_t *total_len)
{
    if (cap_len > 0)
        memmove(r->out, p, cap_len); /* p may lie in r->out (a fragment in a reassembled one) */
    if (cap_len < frag_len)
        pkt->anomalies |= ANOM_BIT(ANOM_FRAG_INCOMPLETE_CAPTURE);
    out->p = r->out;
    out->len = cap_len;
    *total_len = frag_len;
    r->stats.reassembled++;
    return 1;
}

/* Drops d (may be NULL) because of the memory cap and flags pkt. */
static int memcap_fail(struct ip_reasm *r, struct packet *pkt, struct datagram *d)
{
    if (d != NULL)
        drop(r, d);
    r->stats.memcap_drops++;
    pkt->anomalies |= ANOM_BIT(ANOM_FRAG_MEMCAP);
    return 0;
}

int ip_reasm_add(struct ip_reasm *r, struct packet *pkt, struct view frag, uint32_t frag_len,
                 struct view *out, uint32_t *total_len)
{
    r->stats.fragments++;
    if (pkt->ip_version != 4 && pkt->ip_version != 6)
        return 0;

    uint64_t now = pkt->ts_ns;
    uint32_t start = pkt->frag_offset_bytes;
    uint64_t end64 = (uint64_t)start + frag_len;
    /* honour frag_len < captured bytes (the caller clamps, but be safe) */
    uint32_t cap_len = frag.p == NULL ? 0 : (frag.len < frag_len ? (uint32_t)frag.len : frag_len);
    bool last = !pkt->more_frags;

    struct reasm_key key;
    key_fill(&key, pkt, r->seed);
    uint64_t h = key_hash(r->seed, &key);
    struct datagram *d = lookup(r, &key, h);
    if (d != NULL && is_expired(r, d, now)) {
        /* this fragment's datagram ran out of time before it arrived */
        drop(r, d);
        d = NULL;
        r->stats.timeouts++;
        r->stats.timeouts_flagged++;
        pkt->anomalies |= ANOM_BIT(ANOM_FRAG_TIMEOUT);
    }
    expire_oldest(r, now); /* never d: d is not expired */

    if (end64 > REASM_MAX_LEN) {
        r->stats.too_large++;
        pkt->anomalies |= ANOM_BIT(ANOM_FRAG_TOO_LARGE);
        if (d != NULL)
            drop(r, d);
        return 0;
    }
    uint32_t end = (uint32_t)end64;

    if (start == 0 && last)
        return emit_atomic(r, pkt, frag.p, cap_len, frag_len, out, total_len);

    if (d != NULL) {
        /* the last fragment fixes the length; nothing may end past it, and it may
         * not end before data that already arrived (RFC 815's hole logic) */
        bool past_end = d->last_seen && end > d->total_len;
        bool bad_last = last && ((d->last_seen && end != d->total_len) || end < d->max_end);
        if (past_end || bad_last) {
            r->stats.too_large++;
            pkt->anomalies |= ANOM_BIT(ANOM_FRAG_TOO_LARGE);
            drop(r, d);
            return 0;
        }
        if (range_set_count_overlapping(&d->covered, start, end) > 0) {
            if (is_duplicate(d, start, end, frag.p, cap_len)) {
                d->last_ns = now;
                return 0;
            }
            r->stats.overlaps++;
            pkt->anomalies |= ANOM_BIT(ANOM_FRAG_OVERLAP);
            if (pkt->ip_version == 6) { /* RFC 5722: discard the whole datagram */
                drop(r, d);
                return 0;
            }
        }
    }

    /* what storing this fragment can add, at most */
    uint32_t limit = last ? end : (d != NULL && d->last_seen ? d->total_len : REASM_MAX_LEN);
    uint32_t cap_end = start + cap_len;
    size_t need;
    uint32_t n_gaps = 0;
    if (d == NULL) {
        struct range_set empty = { NULL, 0, 0 };
        need = sizeof(*d) + buf_cap_for(0, cap_end, limit) + range_set_growth(&empty, 1) * 3;
        n_gaps = 1;
    } else {
        n_gaps = range_set_count_overlapping(&d->covered, start, end) + 1;
        need = buf_cap_for(d->buf_cap, cap_end, limit) - d->buf_cap +
               range_set_growth(&d->covered, d->covered.n + 1) +
               range_set_growth(&d->captured, d->captured.n + n_gaps) +
               range_set_growth(&d->frags, d->frags.n + 1);
    }
    if (r->stats.bytes_in_use + need > r->memcap_bytes) {
        /* evict the oldest pending datagrams other than this one */
        struct datagram *victim = r->oldest;
        while (victim != NULL && r->stats.bytes_in_use + need > r->memcap_bytes) {
            struct datagram *next = victim->newer;
            if (victim != d) {
                drop(r, victim);
                r->stats.memcap_drops++;
                pkt->anomalies |= ANOM_BIT(ANOM_FRAG_MEMCAP);
            }
            victim = next;
        }
        if (r->stats.bytes_in_use + need > r->memcap_bytes)
            return memcap_fail(r, pkt, d); /* this datagram could never fit */
    }

    if (d == NULL) {
        d = calloc(1, sizeof(*d));
        if (d == NULL)
            return memcap_fail(r, pkt, NULL);
        d->key = key;
        d->hash = h;
        d->first_ns = now;
        insert(r, d);
    }
    /* reserve everything first so that the updates below cannot fail half-way */
    uint32_t bcap = buf_cap_for(d->buf_cap, cap_end, limit);
    if (bcap != d->buf_cap) {
        uint8_t *b = realloc(d->buf, bcap);
        if (b == NULL)
            return memcap_fail(r, pkt, d);
        d->buf = b;
        d->buf_cap = bcap;
    }
    if (range_set_reserve(&d->covered, d->covered.n + 1) != 0 ||
        range_set_reserve(&d->captured, d->captured.n + n_gaps) != 0 ||
        range_set_reserve(&d->frags, d->frags.n + 1) != 0) {
        account(r, d);
        return memcap_fail(r, pkt, d);
    }

    /* copy only the bytes no earlier fragment claimed: the first data wins */
    uint32_t pos = start;
    const struct range_set *c = &d->covered;
    for (uint32_t i = range_set_first_after(c, start); i < c->n && c->v[i].start < end; i++) {
        if (c->v[i].start > pos)
            copy_gap(d, pos, c->v[i].start, frag.p, start, cap_end);
        if (c->v[i].end > pos)
            pos = c->v[i].end;
    }
    if (pos < end)
        copy_gap(d, pos, end, frag.p, start, cap_end);
    range_set_add(&d->covered, start, end);
    if (end > start) {
        d->frags.v[d->frags.n].start = start;
        d->frags.v[d->frags.n].end = end;
        d->frags.n++;
    }
    if (end > d->max_end)
        d->max_end = end;
    if (last) {
        d->last_seen = true;
        d->total_len = end;
    }
    if (start == 0) {
        d->have_first = true;
        d->first_proto = pkt->proto;
        d->first_hdr_len = pkt->ip_hdr_len;
    }
    d->last_ns = now;
    account(r, d);

    bool complete = d->last_seen && d->covered.n == 1 && d->covered.v[0].start == 0 &&
                    d->covered.v[0].end == d->total_len;
    if (!complete)
        return 0;

    /* output: the captured bytes contiguous from offset 0 */
    uint32_t prefix = 0;
    if (d->captured.n > 0 && d->captured.v[0].start == 0)
        prefix = d->captured.v[0].end;
    if (prefix > 0)
        memcpy(r->out, d->buf, prefix);
    if (d->missing_bytes || prefix < d->total_len)
        pkt->anomalies |= ANOM_BIT(ANOM_FRAG_INCOMPLETE_CAPTURE);
    /* frag may have pointed into r->out (a fragment inside a datagram reassembled
     * before it): its bytes are in d->buf by now, so r->out may be written */
    if (pkt->ip_version == 6 && d->have_first)
        pkt->proto = d->first_proto; /* RFC 8200: the offset-0 fragment's value counts */
    if (d->have_first) /* RFC 791, RFC 8200: the datagram's header is offset 0's */
        pkt->ip_hdr_len = d->first_hdr_len;
    out->p = r->out;
    out->len = prefix;
    *total_len = d->total_len;
    r->stats.reassembled++;
    drop(r, d);
    return 1;
}
