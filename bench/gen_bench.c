/* gen_bench.c - deterministic generator of large benchmark captures: classic pcap
 * (LINKTYPE_ETHERNET, microsecond timestamps) of many interleaved TCP connections
 * (RFC 9293 handshake, HTTP/1.1 or TLS ClientHello request, response, FIN both
 * ways) and DNS-like UDP exchanges (RFC 1035). Checksums are left zero; every
 * length field is consistent with the bytes written. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_DEFAULT_FLOWS  1000000u
#define GEN_DEFAULT_WINDOW 100000u
#define GEN_DEFAULT_GAP_US 20u
#define GEN_DEFAULT_SEED   0x5eedbe7c4b3a2910ull
#define GEN_N_SERVERS      256u
#define GEN_N_CLIENTS      65536u
#define GEN_N_ODD_PORTS    300u  /* server ports besides 80, 443 and 53 */
#define GEN_EPHEMERAL_LO   32768u
#define GEN_EPHEMERAL_N    28232u /* 32768..60999, Linux's default range */
#define GEN_MAX_FRAME      1600u
#define GEN_MAX_PAYLOAD    1400u

/* splitmix64: a small fixed-seed PRNG; the same seed gives the same capture. */
struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* uniform in [0, n) (n > 0; the modulo bias is irrelevant here) */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(rng_next(r) % n);
}

/* A stateless hash of one flow index, so a flow's content does not depend on
 * the order of the interleaving. */
static uint64_t mix(uint64_t seed, uint64_t x)
{
    struct rng r = {seed ^ (x * 0xd6e8feb86659fd93ull)};
    return rng_next(&r);
}

enum flow_kind { KIND_HTTP, KIND_TLS, KIND_DNS };

/* One connection or exchange in progress. */
struct flow {
    uint32_t idx;
    uint8_t kind;
    uint8_t step;      /* next packet to write */
    uint8_t n_resp;    /* response segments (TCP) */
    uint8_t n_steps;
    uint32_t caddr, saddr;
    uint16_t cport, sport;
    uint32_t cseq, sseq; /* next sequence number of each side */
    uint16_t req_len, resp_len;
};

struct gen {
    FILE *fp;
    uint64_t seed;
    struct rng rng;
    uint64_t ts_us;
    uint32_t gap_us;
    uint64_t packets, bytes;
    uint8_t frame[GEN_MAX_FRAME];
    uint8_t payload[GEN_MAX_PAYLOAD];
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* little-endian, for the pcap headers we write in our own byte order marker */
static void putle32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void putle16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static int write_file_header(FILE *fp)
{
    uint8_t h[24];
    putle32(h, 0xa1b2c3d4u); /* microsecond pcap, written little-endian */
    putle16(h + 4, 2);
    putle16(h + 6, 4);
    putle32(h + 8, 0);  /* thiszone */
    putle32(h + 12, 0); /* sigfigs */
    putle32(h + 16, 65535);
    putle32(h + 20, 1); /* LINKTYPE_ETHERNET */
    return fwrite(h, sizeof(h), 1, fp) == 1 ? 0 : -1;
}

/* Writes one record of frame[0..len) at the current time, then advances the
 * clock by 1..2*gap-1 microseconds. */
static int emit(struct gen *g, size_t len)
{
    uint8_t rh[16];
    putle32(rh, (uint32_t)(g->ts_us / 1000000u));
    putle32(rh + 4, (uint32_t)(g->ts_us % 1000000u));
    putle32(rh + 8, (uint32_t)len);
    putle32(rh + 12, (uint32_t)len);
    if (fwrite(rh, sizeof(rh), 1, g->fp) != 1 || fwrite(g->frame, len, 1, g->fp) != 1)
        return -1;
    g->packets++;
    g->bytes += sizeof(rh) + len;
    g->ts_us += g->gap_us > 1 ? 1u + rng_below(&g->rng, 2 * g->gap_us - 1) : 1u;
    return 0;
}

/* Ethernet + IPv4 header for an L4 segment of l4_len bytes; returns the offset of L4. */
static size_t put_eth_ip(struct gen *g, uint32_t src, uint32_t dst, uint8_t proto, size_t l4_len,
                         uint16_t ip_id)
{
    uint8_t *f = g->frame;
    /* locally administered MACs derived from the addresses */
    static const uint8_t mac_prefix[2] = {0x02, 0x42};
    memcpy(f, mac_prefix, 2);
    put32(f + 2, dst);
    memcpy(f + 6, mac_prefix, 2);
    put32(f + 8, src);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint32_t)(20 + l4_len));
    put16(ip + 4, ip_id);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = proto;
    put16(ip + 10, 0); /* checksum not computed */
    put32(ip + 12, src);
    put32(ip + 16, dst);
    return 34;
}

#define TH_FIN 0x01u
#define TH_SYN 0x02u
#define TH_PSH 0x08u
#define TH_ACK 0x10u

/* One TCP segment with payload g->payload[0..plen). SYNs carry MSS and window scale. */
static int emit_tcp(struct gen *g, const struct flow *fl, bool from_client, uint32_t seq,
                    uint32_t ack, uint8_t flags, size_t plen)
{
    size_t opt_len = (flags & TH_SYN) ? 8 : 0;
    size_t th_len = 20 + opt_len;
    uint32_t src = from_client ? fl->caddr : fl->saddr, dst = from_client ? fl->saddr : fl->caddr;
    size_t off = put_eth_ip(g, src, dst, 6, th_len + plen, (uint16_t)(fl->idx * 7u + fl->step));
    uint8_t *t = g->frame + off;
    put16(t, from_client ? fl->cport : fl->sport);
    put16(t + 2, from_client ? fl->sport : fl->cport);
    put32(t + 4, seq);
    put32(t + 8, (flags & TH_ACK) ? ack : 0);
    t[12] = (uint8_t)((th_len / 4) << 4);
    t[13] = flags;
    put16(t + 14, from_client ? 64240 : 65160);
    put16(t + 16, 0);
    put16(t + 18, 0);
    if (opt_len) {
        t[20] = 2; /* MSS */
        t[21] = 4;
        put16(t + 22, 1460);
        t[24] = 1; /* NOP */
        t[25] = 3; /* window scale */
        t[26] = 3;
        t[27] = 7;
    }
    memcpy(t + th_len, g->payload, plen);
    return emit(g, off + th_len + plen);
}

static size_t put_str(uint8_t *p, size_t cap, size_t at, const char *s)
{
    size_t n = strlen(s);
    if (at + n > cap)
        n = at < cap ? cap - at : 0;
    memcpy(p + at, s, n);
    return at + n;
}

static const char *const http_paths[] = {"/", "/index.html", "/api/v1/items", "/static/app.js",
                                         "/images/logo.png", "/login", "/search?q=sockets",
                                         "/health"};
static const char *const user_agents[] = {"curl/7.88.1", "Mozilla/5.0 (X11; Linux x86_64)",
                                          "python-requests/2.31", "Wget/1.21.3"};

/* HTTP request of flow idx into g->payload; returns its length. */
static size_t build_http_request(struct gen *g, uint32_t idx)
{
    uint64_t h = mix(g->seed, idx);
    char line[160];
    size_t n = 0;
    snprintf(line, sizeof(line), "GET %s HTTP/1.1\r\nHost: www%u.example.com\r\n",
             http_paths[h % 8], (unsigned)((h >> 8) % 5000u));
    n = put_str(g->payload, GEN_MAX_PAYLOAD, n, line);
    snprintf(line, sizeof(line), "User-Agent: %s\r\nAccept: */*\r\n\r\n",
             user_agents[(h >> 24) % 4]);
    return put_str(g->payload, GEN_MAX_PAYLOAD, n, line);
}

/* HTTP response of flow idx (header + body) into g->payload; returns its length. */
static size_t build_http_response(struct gen *g, uint32_t idx)
{
    uint64_t h = mix(g->seed ^ 0x1111, idx);
    size_t body = 16 + (size_t)(h % 240u);
    char line[160];
    snprintf(line, sizeof(line),
             "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n"
             "Content-Length: %zu\r\n\r\n",
             body);
    size_t n = put_str(g->payload, GEN_MAX_PAYLOAD, 0, line);
    for (size_t i = 0; i < body && n < GEN_MAX_PAYLOAD; i++)
        g->payload[n++] = (uint8_t)("<html>sockscope bench body</html>\n"[(i + h) % 34]);
    return n;
}

/* The start of a TLS handshake record carrying a hello of hello_len bytes:
 * record header (version 3.record_minor), handshake header of type hs_type,
 * version 3.3, 32 random bytes from r, an empty session id. Returns the bytes
 * written (44). */
static size_t tls_hello_start(uint8_t *p, uint8_t record_minor, uint8_t hs_type, size_t hello_len,
                              struct rng *r)
{
    size_t n = 0;
    p[n++] = 0x16; /* handshake */
    p[n++] = 0x03;
    p[n++] = record_minor;
    put16(p + n, (uint32_t)(4 + hello_len));
    n += 2;
    p[n++] = hs_type;
    p[n++] = 0;
    put16(p + n, (uint32_t)hello_len);
    n += 2;
    p[n++] = 0x03;
    p[n++] = 0x03;
    for (int i = 0; i < 32; i++)
        p[n++] = (uint8_t)rng_next(r);
    p[n++] = 0; /* session id */
    return n;
}

/* TLS 1.2 record carrying a ClientHello with an SNI extension (RFC 8446 4.1.2, RFC 6066 3). */
static size_t build_tls_client_hello(struct gen *g, uint32_t idx)
{
    uint64_t h = mix(g->seed ^ 0x2222, idx);
    char name[64];
    int nl = snprintf(name, sizeof(name), "cdn%u.example.net", (unsigned)(h % 10000u));
    size_t name_len = nl > 0 ? (size_t)nl : 0;
    static const uint8_t suites[] = {0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f, 0xc0, 0x30, 0x00, 0x9c};
    uint8_t *p = g->payload;
    size_t sni_ext = 4 + 2 + 1 + 2 + name_len;
    size_t exts = sni_ext + 4 + 2 + 4; /* SNI + supported_groups with one group */
    size_t hello = 2 + 32 + 1 + 2 + sizeof(suites) + 2 + 2 + exts;
    struct rng r = {h};
    size_t n = tls_hello_start(p, 0x01, 0x01 /* ClientHello */, hello, &r);
    put16(p + n, sizeof(suites));
    n += 2;
    memcpy(p + n, suites, sizeof(suites));
    n += sizeof(suites);
    p[n++] = 1; /* compression methods: null */
    p[n++] = 0;
    put16(p + n, (uint32_t)exts);
    n += 2;
    put16(p + n, 0); /* server_name */
    put16(p + n + 2, (uint32_t)(sni_ext - 4));
    put16(p + n + 4, (uint32_t)(sni_ext - 6));
    p[n + 6] = 0; /* host_name */
    put16(p + n + 7, (uint32_t)name_len);
    memcpy(p + n + 9, name, name_len);
    n += sni_ext;
    put16(p + n, 10); /* supported_groups: x25519 */
    put16(p + n + 2, 4);
    put16(p + n + 4, 2);
    put16(p + n + 6, 0x001d);
    n += 8;
    return n;
}

/* TLS ServerHello-like record followed by opaque application data. */
static size_t build_tls_response(struct gen *g, uint32_t idx)
{
    uint64_t h = mix(g->seed ^ 0x3333, idx);
    uint8_t *p = g->payload;
    size_t hello = 2 + 32 + 1 + 2 + 1 + 2 + 6;
    struct rng r = {h};
    size_t n = tls_hello_start(p, 0x03, 0x02 /* ServerHello */, hello, &r);
    put16(p + n, 0x1301);
    n += 2;
    p[n++] = 0;
    put16(p + n, 6);
    n += 2;
    put16(p + n, 0x002b); /* supported_versions: TLS 1.3 */
    put16(p + n + 2, 2);
    put16(p + n + 4, 0x0304);
    n += 6;
    size_t app = 32 + (size_t)(h % 200u);
    p[n++] = 0x17; /* application data */
    p[n++] = 0x03;
    p[n++] = 0x03;
    put16(p + n, (uint32_t)app);
    n += 2;
    for (size_t i = 0; i < app; i++)
        p[n++] = (uint8_t)rng_next(&r);
    return n;
}

/* DNS query (response = false) or its answer, for an A record. */
static size_t build_dns(struct gen *g, uint32_t idx, bool response)
{
    uint64_t h = mix(g->seed ^ 0x4444, idx);
    uint8_t *p = g->payload;
    put16(p, (uint32_t)(h & 0xffff));
    put16(p + 2, response ? 0x8180 : 0x0100);
    put16(p + 4, 1);
    put16(p + 6, response ? 1 : 0);
    put16(p + 8, 0);
    put16(p + 10, 0);
    size_t n = 12;
    char label[24];
    int ll = snprintf(label, sizeof(label), "host%u", (unsigned)((h >> 16) % 100000u));
    size_t label_len = ll > 0 ? (size_t)ll : 0;
    p[n++] = (uint8_t)label_len;
    memcpy(p + n, label, label_len);
    n += label_len;
    p[n++] = 7;
    memcpy(p + n, "example", 7);
    n += 7;
    p[n++] = 3;
    memcpy(p + n, "com", 3);
    n += 3;
    p[n++] = 0;
    put16(p + n, 1); /* A */
    put16(p + n + 2, 1); /* IN */
    n += 4;
    if (response) {
        put16(p + n, 0xc00c); /* pointer to the question name */
        put16(p + n + 2, 1);
        put16(p + n + 4, 1);
        put32(p + n + 6, 300);
        put16(p + n + 10, 4);
        put32(p + n + 12, 0xc6336400u | (uint32_t)(h >> 40 & 0xff)); /* 198.51.100.x */
        n += 16;
    }
    return n;
}

static size_t build_request(struct gen *g, const struct flow *fl)
{
    return fl->kind == KIND_TLS ? build_tls_client_hello(g, fl->idx) : build_http_request(g, fl->idx);
}

static size_t build_response(struct gen *g, const struct flow *fl)
{
    return fl->kind == KIND_TLS ? build_tls_response(g, fl->idx) : build_http_response(g, fl->idx);
}

/* Sets up flow idx: endpoints, kind, sequence numbers, segment counts. Client
 * (address, port) pairs are unique per index, so no 5-tuple is ever reused. */
static void flow_start(struct gen *g, struct flow *fl, uint32_t idx)
{
    uint64_t h = mix(g->seed, (uint64_t)idx | (1ull << 40));
    memset(fl, 0, sizeof(*fl));
    fl->idx = idx;
    uint32_t client = idx % GEN_N_CLIENTS;
    uint32_t round = idx / GEN_N_CLIENTS;
    uint32_t port_off = (uint32_t)(mix(g->seed ^ 0x5555, client) % GEN_EPHEMERAL_N);
    fl->caddr = 0xac100000u | client; /* 172.16.0.0/16 */
    fl->cport = (uint16_t)(GEN_EPHEMERAL_LO + (round + port_off) % GEN_EPHEMERAL_N);
    fl->saddr = 0x0a010000u | (uint32_t)(h % GEN_N_SERVERS); /* 10.1.0.0/24 */
    uint32_t dice = (uint32_t)((h >> 8) % 100u);
    if (dice < 10) {
        fl->kind = KIND_DNS;
        fl->sport = 53;
        fl->n_steps = 2;
        return;
    }
    uint32_t port_dice = (uint32_t)((h >> 16) % 100u);
    if (port_dice < 40) {
        fl->kind = KIND_HTTP;
        fl->sport = 80;
    } else if (port_dice < 70) {
        fl->kind = KIND_TLS;
        fl->sport = 443;
    } else {
        /* a few hundred other service ports, content decides what DPI sees */
        fl->kind = (h >> 24) & 1 ? KIND_TLS : KIND_HTTP;
        fl->sport = (uint16_t)(8000u + (uint32_t)((h >> 32) % GEN_N_ODD_PORTS));
    }
    fl->n_resp = (uint8_t)(1u + (uint32_t)((h >> 48) % 3u));
    /* SYN, SYN-ACK, ACK, request, ACK, n_resp data, ACK, FIN, FIN, ACK */
    fl->n_steps = (uint8_t)(9u + fl->n_resp);
    fl->cseq = (uint32_t)rng_next(&g->rng);
    fl->sseq = (uint32_t)rng_next(&g->rng);
    fl->req_len = (uint16_t)build_request(g, fl);
    fl->resp_len = (uint16_t)build_response(g, fl);
}

/* Writes the next packet of fl; returns -1 on a write error. */
static int flow_step(struct gen *g, struct flow *fl)
{
    uint8_t s = fl->step++;
    if (fl->kind == KIND_DNS) {
        size_t plen = build_dns(g, fl->idx, s == 1);
        bool from_client = s == 0;
        uint32_t src = from_client ? fl->caddr : fl->saddr, dst = from_client ? fl->saddr : fl->caddr;
        size_t off = put_eth_ip(g, src, dst, 17, 8 + plen, (uint16_t)(fl->idx + s));
        uint8_t *u = g->frame + off;
        put16(u, from_client ? fl->cport : fl->sport);
        put16(u + 2, from_client ? fl->sport : fl->cport);
        put16(u + 4, (uint32_t)(8 + plen));
        put16(u + 6, 0);
        memcpy(u + 8, g->payload, plen);
        return emit(g, off + 8 + plen);
    }
    uint8_t last_resp = (uint8_t)(4 + fl->n_resp);
    if (s == 0) {
        int r = emit_tcp(g, fl, true, fl->cseq, 0, TH_SYN, 0);
        fl->cseq++;
        return r;
    }
    if (s == 1) {
        int r = emit_tcp(g, fl, false, fl->sseq, fl->cseq, TH_SYN | TH_ACK, 0);
        fl->sseq++;
        return r;
    }
    if (s == 2)
        return emit_tcp(g, fl, true, fl->cseq, fl->sseq, TH_ACK, 0);
    if (s == 3) {
        size_t plen = build_request(g, fl);
        int r = emit_tcp(g, fl, true, fl->cseq, fl->sseq, TH_PSH | TH_ACK, plen);
        fl->cseq += (uint32_t)plen;
        return r;
    }
    if (s == 4)
        return emit_tcp(g, fl, false, fl->sseq, fl->cseq, TH_ACK, 0);
    if (s <= last_resp) {
        /* response segment k of n_resp: an even split of the response bytes */
        size_t k = (size_t)(s - 5), n = fl->n_resp, total = fl->resp_len;
        size_t from = total * k / n, to = total * (k + 1) / n;
        build_response(g, fl);
        memmove(g->payload, g->payload + from, to - from);
        int r = emit_tcp(g, fl, false, fl->sseq, fl->cseq, TH_PSH | TH_ACK, to - from);
        fl->sseq += (uint32_t)(to - from);
        return r;
    }
    if (s == last_resp + 1)
        return emit_tcp(g, fl, true, fl->cseq, fl->sseq, TH_ACK, 0);
    if (s == last_resp + 2) {
        int r = emit_tcp(g, fl, true, fl->cseq, fl->sseq, TH_FIN | TH_ACK, 0);
        fl->cseq++;
        return r;
    }
    if (s == last_resp + 3) {
        int r = emit_tcp(g, fl, false, fl->sseq, fl->cseq, TH_FIN | TH_ACK, 0);
        fl->sseq++;
        return r;
    }
    return emit_tcp(g, fl, true, fl->cseq, fl->sseq, TH_ACK, 0);
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: gen_bench [-n FLOWS] [-w WINDOW] [-g GAP_US] [-s SEED] -o FILE\n"
                 "  -n FLOWS   connections and exchanges to write (default %u)\n"
                 "  -w WINDOW  flows in progress at once (default %u)\n"
                 "  -g GAP_US  mean gap between packets in microseconds (default %u)\n"
                 "  -s SEED    PRNG seed (default fixed: same arguments, same bytes)\n"
                 "  -o FILE    output pcap ('-' = standard output)\n",
            GEN_DEFAULT_FLOWS, GEN_DEFAULT_WINDOW, GEN_DEFAULT_GAP_US);
}

int main(int argc, char **argv)
{
    uint32_t n_flows = GEN_DEFAULT_FLOWS, window = GEN_DEFAULT_WINDOW, gap = GEN_DEFAULT_GAP_US;
    uint64_t seed = GEN_DEFAULT_SEED;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (a[0] != '-' || a[1] == '\0' || a[2] != '\0' || i + 1 >= argc) {
            usage(stderr);
            return 2;
        }
        const char *v = argv[++i];
        uint32_t x = 0;
        int bad = 0;
        switch (a[1]) {
        case 'n': bad = parse_u32(v, 1, 1000000000u, &n_flows); break;
        case 'w': bad = parse_u32(v, 1, 10000000u, &window); break;
        case 'g': bad = parse_u32(v, 1, 1000000u, &gap); break;
        case 's':
            bad = parse_u32(v, 0, UINT32_MAX, &x);
            seed = GEN_DEFAULT_SEED ^ x;
            break;
        case 'o': path = v; break;
        default: bad = -1; break;
        }
        if (bad != 0) {
            fprintf(stderr, "gen_bench: invalid value '%s' for %s\n", v, a);
            usage(stderr);
            return 2;
        }
    }
    if (path == NULL) {
        usage(stderr);
        return 2;
    }
    if (window > n_flows)
        window = n_flows;

    static struct gen g; /* 3 KiB of buffers: keep them off the stack */
    g.seed = seed;
    g.rng.s = seed;
    g.gap_us = gap;
    g.ts_us = 1700000000ull * 1000000u; /* 2023-11-14T22:13:20Z */
    g.fp = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (g.fp == NULL) {
        fprintf(stderr, "gen_bench: %s: %s\n", path, strerror(errno));
        return 1;
    }
    static char iobuf[1 << 20];
    setvbuf(g.fp, iobuf, _IOFBF, sizeof(iobuf));
    struct flow *slots = calloc(window, sizeof(*slots));
    if (slots == NULL) {
        fprintf(stderr, "gen_bench: out of memory for %u slots\n", window);
        return 1;
    }
    int rc = write_file_header(g.fp);
    uint32_t next = 0, active = 0;
    while (active < window)
        flow_start(&g, &slots[active++], next++);
    uint64_t tcp = 0, udp = 0;
    while (rc == 0 && active > 0) {
        /* a random flow of the window moves one packet forward */
        uint32_t i = rng_below(&g.rng, active);
        struct flow *fl = &slots[i];
        rc = flow_step(&g, fl);
        if (fl->step < fl->n_steps)
            continue;
        if (fl->kind == KIND_DNS)
            udp++;
        else
            tcp++;
        if (next < n_flows)
            flow_start(&g, fl, next++);
        else
            *fl = slots[--active];
    }
    free(slots);
    if (rc == 0 && fflush(g.fp) != 0)
        rc = -1;
    if (g.fp != stdout && fclose(g.fp) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "gen_bench: %s: write failed: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(stderr, "gen_bench: %s: flows=%u tcp=%llu udp=%llu window=%u packets=%llu bytes=%llu\n",
            path, n_flows, (unsigned long long)tcp, (unsigned long long)udp, window,
            (unsigned long long)g.packets, (unsigned long long)g.bytes + 24u);
    return 0;
}
