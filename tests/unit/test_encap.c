/* test_encap.c - tunnels through frame_dissect with hand-built frames: each
 * encapsulation end to end, cut at every length (exact-size heap copies) with the
 * truncation named and the carriers kept, conservative UDP recognition, the depth
 * limit, --no-decap, and the direction-independent chain key. */
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "dissect.h"
#include "encap.h"
#include "frame.h"

#define HAS_ANOM(p, a) (((p).anomalies & ANOM_BIT(a)) != 0)
#define MAX_SEG 16

/* A frame under construction, with the segments a cut can fall in. */
struct fb {
    uint8_t b[1024];
    size_t n;
    size_t ip4[8], ip6[8], udp[8];
    int n_ip4, n_ip6, n_udp;
    /* segment i covers [end[i-1], end[i]); a cut there gives these */
    size_t end[MAX_SEG];
    enum anomaly cut[MAX_SEG];
    uint8_t n_encap[MAX_SEG];
    enum layer layer[MAX_SEG];
    int n_seg;
};

static void put(struct fb *f, const void *p, size_t n)
{
    CU_ASSERT_FATAL(f->n + n <= sizeof(f->b));
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void put8(struct fb *f, unsigned x)
{
    uint8_t b = (uint8_t)x;
    put(f, &b, 1);
}

static void put16(struct fb *f, unsigned x)
{
    put8(f, x >> 8);
    put8(f, x);
}

static void put32(struct fb *f, uint32_t x)
{
    put16(f, x >> 16);
    put16(f, x & 0xffff);
}

/* A cut before offset end (and after the previous mark) gives cut/n_encap/layer. */
static void mark_at(struct fb *f, size_t end, enum anomaly cut, unsigned n_encap, enum layer l)
{
    CU_ASSERT_FATAL(f->n_seg < MAX_SEG);
    f->end[f->n_seg] = end;
    f->cut[f->n_seg] = cut;
    f->n_encap[f->n_seg] = (uint8_t)n_encap;
    f->layer[f->n_seg] = l;
    f->n_seg++;
}

static void mark(struct fb *f, enum anomaly cut, unsigned n_encap, enum layer l)
{
    mark_at(f, f->n, cut, n_encap, l);
}

static void eth(struct fb *f, unsigned type, unsigned n_encap)
{
    static const uint8_t macs[12] = { 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99 };
    put(f, macs, sizeof(macs));
    put16(f, type);
    mark(f, ANOM_LINK_TRUNCATED, n_encap, n_encap ? LAYER_LINK : LAYER_NONE);
}

static void vlan(struct fb *f, unsigned id, unsigned type, unsigned n_encap)
{
    put16(f, id);
    put16(f, type);
    mark(f, ANOM_VLAN_TRUNCATED, n_encap, n_encap ? LAYER_LINK : LAYER_NONE);
}

/* IPv4 10.0.<net>.<a> -> 10.0.<net>.<b>; the total length is fixed by done(). */
static void ip4(struct fb *f, unsigned proto, unsigned net, unsigned a, unsigned b,
                unsigned n_encap)
{
    f->ip4[f->n_ip4++] = f->n;
    put32(f, 0x45000000);
    put32(f, 0x00010000);
    put16(f, 64u << 8 | proto);
    put16(f, 0);
    put32(f, 0x0a000000u | net << 8 | a);
    put32(f, 0x0a000000u | net << 8 | b);
    mark(f, ANOM_IPV4_TRUNCATED, n_encap, LAYER_LINK);
}

/* IPv6 2001:db8::<net>:<a> -> 2001:db8::<net>:<b> */
static void ip6(struct fb *f, unsigned nh, unsigned net, unsigned a, unsigned b, unsigned n_encap)
{
    f->ip6[f->n_ip6++] = f->n;
    put32(f, 0x60000000);
    put16(f, 0);
    put16(f, nh << 8 | 64);
    for (int k = 0; k < 2; k++) {
        put32(f, 0x20010db8);
        put32(f, 0);
        put32(f, 0);
        put16(f, net);
        put16(f, k == 0 ? a : b);
    }
    mark(f, ANOM_IPV6_TRUNCATED, n_encap, LAYER_LINK);
}

static void udp(struct fb *f, unsigned sport, unsigned dport, unsigned n_encap)
{
    f->udp[f->n_udp++] = f->n;
    put16(f, sport);
    put16(f, dport);
    put32(f, 0); /* length fixed by done(), no checksum */
    mark(f, ANOM_UDP_TRUNCATED, n_encap, LAYER_L3);
}

static void tcp(struct fb *f, unsigned sport, unsigned dport, unsigned n_encap)
{
    put16(f, sport);
    put16(f, dport);
    put32(f, 1000);
    put32(f, 0);
    put16(f, 0x5002); /* offset 5, SYN */
    put16(f, 65535);
    put32(f, 0);
    mark(f, ANOM_TCP_TRUNCATED, n_encap, LAYER_L3);
}

/* Fills in the IP and UDP lengths (each covers everything after its start). */
static void done(struct fb *f, const char *payload)
{
    put(f, payload, strlen(payload));
    for (int i = 0; i < f->n_ip4; i++) {
        size_t o = f->ip4[i], len = f->n - o;
        f->b[o + 2] = (uint8_t)(len >> 8);
        f->b[o + 3] = (uint8_t)len;
    }
    for (int i = 0; i < f->n_ip6; i++) {
        size_t o = f->ip6[i], len = f->n - o - 40;
        f->b[o + 4] = (uint8_t)(len >> 8);
        f->b[o + 5] = (uint8_t)len;
    }
    for (int i = 0; i < f->n_udp; i++) {
        size_t o = f->udp[i], len = f->n - o;
        f->b[o + 4] = (uint8_t)(len >> 8);
        f->b[o + 5] = (uint8_t)len;
    }
}

static enum dissect_status dissect(bool decap, const uint8_t *raw, size_t n, size_t wire,
                                   struct packet *pkt)
{
    uint8_t *copy = malloc(n > 0 ? n : 1); /* exact size: ASan catches any overread */
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    if (n > 0)
        memcpy(copy, raw, n);
    struct frame_in in = { copy, (uint32_t)n, (uint32_t)wire, LINKTYPE_ETHERNET, 1 };
    struct frame_ctx ctx = { NULL, false, decap };
    enum dissect_status st = frame_dissect(&ctx, &in, pkt);
    free(copy);
    return st;
}

static bool ip4_is(const struct ip_addr *a, unsigned net, unsigned host)
{
    const uint8_t want[16] = { 10, 0, (uint8_t)net, (uint8_t)host };
    return memcmp(a->b, want, 16) == 0;
}

/* Cuts f at every length: inside segment i the frame must stop with cut[i] at
 * layer[i] with n_encap[i] layers; whole, it must reach L4 with n_encap layers. */
static void sweep(const struct fb *f, unsigned n_encap, const char *what)
{
    for (size_t n = 0; n <= f->n; n++) {
        struct packet pkt;
        enum dissect_status st = dissect(true, f->b, n, f->n, &pkt);
        int i = 0;
        while (i < f->n_seg && n >= f->end[i])
            i++;
        bool ok;
        if (i < f->n_seg) {
            ok = st == DISSECT_TRUNCATED && pkt.status == DISSECT_TRUNCATED &&
                 pkt.truncated_at == f->cut[i] && HAS_ANOM(pkt, f->cut[i]) &&
                 pkt.n_encap == f->n_encap[i] && pkt.layer == f->layer[i];
        } else {
            ok = st == DISSECT_OK && pkt.layer == LAYER_L4 && pkt.n_encap == n_encap;
        }
        if (!ok)
            printf("\n  %s cut at %zu of %zu: status %d at %s, layer %d, n_encap %u", what, n,
                   f->n, (int)st, anomaly_name(pkt.truncated_at), (int)pkt.layer,
                   (unsigned)pkt.n_encap);
        CU_ASSERT(ok);
        /* recorded layers are complete whatever happened inside */
        for (unsigned k = 0; k < pkt.n_encap; k++)
            CU_ASSERT(pkt.encap[k].type != ENCAP_NONE);
    }
}

/* Ethernet / IPv4 10.0.0.1 -> .2 / UDP 40000 -> 4789 / VXLAN VNI 42 / Ethernet /
 * IPv4 10.0.1.3 -> .4 / TCP 1234 -> 80 */
static void build_vxlan(struct fb *f, unsigned sport, bool swap)
{
    memset(f, 0, sizeof(*f));
    eth(f, 0x0800, 0);
    ip4(f, 17, 0, swap ? 2 : 1, swap ? 1 : 2, 0);
    udp(f, sport, 4789, 0);
    put32(f, 0x08000000);
    put32(f, 42u << 8);
    mark(f, ANOM_ENCAP_TRUNCATED, 0, LAYER_L4);
    eth(f, 0x0800, 1);
    ip4(f, 6, 1, 3, 4, 1);
    tcp(f, 1234, 80, 1);
    done(f, "hi");
}

static void test_vxlan(void)
{
    struct fb f;
    build_vxlan(&f, 40000, false);
    sweep(&f, 1, "vxlan");

    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 1);
    const struct encap_layer *l = &pkt.encap[0];
    CU_ASSERT_EQUAL(l->type, ENCAP_VXLAN);
    CU_ASSERT_EQUAL(l->ip_version, 4);
    CU_ASSERT_EQUAL(l->proto, 17);
    CU_ASSERT(ip4_is(&l->src, 0, 1) && ip4_is(&l->dst, 0, 2));
    CU_ASSERT_EQUAL(l->sport, 40000);
    CU_ASSERT_EQUAL(l->dport, 4789);
    CU_ASSERT_EQUAL(l->ip_len, f.n - 14);
    CU_ASSERT_EQUAL(l->udp_len, f.n - 34);
    CU_ASSERT_EQUAL(l->l4_payload_len, f.n - 42);
    CU_ASSERT_EQUAL(l->hdr_len, 8);
    CU_ASSERT(l->has_id && l->id_symmetric);
    CU_ASSERT_EQUAL(l->id, 42);
    CU_ASSERT_EQUAL(l->inner_ip_version, 4);
    CU_ASSERT_PTR_NOT_NULL(l->l3.p);
    CU_ASSERT_EQUAL(l->l3.len, f.n - 14);
    /* the packet itself is the inner one */
    CU_ASSERT_EQUAL(pkt.ip_version, 4);
    CU_ASSERT(ip4_is(&pkt.src, 1, 3) && ip4_is(&pkt.dst, 1, 4));
    CU_ASSERT_EQUAL(pkt.proto, IPPROTO_NUM_TCP);
    CU_ASSERT_EQUAL(pkt.sport, 1234);
    CU_ASSERT_EQUAL(pkt.dport, 80);
    CU_ASSERT_EQUAL(pkt.ip_len, 42);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 2);
    CU_ASSERT_EQUAL(pkt.l3.len, 42);
    CU_ASSERT_EQUAL(pkt.wire_len, f.n);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);

    /* --no-decap: the outer datagram, as before */
    CU_ASSERT_EQUAL(dissect(false, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);
    CU_ASSERT_EQUAL(pkt.dport, 4789);
    CU_ASSERT(ip4_is(&pkt.src, 0, 1));
    CU_ASSERT_EQUAL(pkt.l3.len, f.n - 14);
}

static void test_vxlan_not_eaten(void)
{
    /* a DNS query to port 4789: flags byte 0x12 (no I flag) */
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    ip4(&f, 17, 0, 1, 2, 0);
    udp(&f, 5353, 4789, 0);
    put32(&f, 0x12340100);
    put32(&f, 0x00010000);
    put32(&f, 0);
    done(&f, "\x03www");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    CU_ASSERT_EQUAL(pkt.dport, 4789);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);

    /* I flag but a non-zero reserved byte 7: not VXLAN either */
    f.b[42] = 0x08;
    f.b[43] = f.b[44] = f.b[45] = 0;
    f.b[49] = 1;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);

    /* a 4-byte datagram on 4789 is too short to be VXLAN: plain UDP */
    struct fb g = { 0 };
    eth(&g, 0x0800, 0);
    ip4(&g, 17, 0, 1, 2, 0);
    udp(&g, 5353, 4789, 0);
    done(&g, "abcd");
    CU_ASSERT_EQUAL(dissect(true, g.b, g.n, g.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);

    /* GTP-U echo request (message 1) is GTP but carries no packet: plain UDP */
    struct fb h = { 0 };
    eth(&h, 0x0800, 0);
    ip4(&h, 17, 0, 1, 2, 0);
    udp(&h, 2152, 2152, 0);
    put32(&h, 0x32010004);
    put32(&h, 0);
    put32(&h, 0x00010000);
    done(&h, "");
    CU_ASSERT_EQUAL(dissect(true, h.b, h.n, h.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);
    CU_ASSERT_EQUAL(pkt.dport, 2152);
}

static void test_vxlan_inner_arp(void)
{
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    ip4(&f, 17, 0, 1, 2, 0);
    udp(&f, 40000, 4789, 0);
    put32(&f, 0x08000000);
    put32(&f, 7u << 8);
    eth(&f, 0x0806, 1);
    done(&f, "arp-body-28-bytes-of-stuff..");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_UNSUPPORTED);
    CU_ASSERT_EQUAL(pkt.n_encap, 1);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_LINK);
    CU_ASSERT_EQUAL(pkt.ip_version, 0);
    CU_ASSERT_EQUAL(pkt.ethertype, 0x0806);
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_L3_UNKNOWN_ETHERTYPE);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
    CU_ASSERT_EQUAL(pkt.encap[0].dport, 4789);
}

/* GRE with key and sequence (over a VLAN), carrying IPv4/UDP */
static void test_gre_key_seq(void)
{
    struct fb f = { 0 };
    eth(&f, 0x8100, 0);
    vlan(&f, 100, 0x0800, 0);
    ip4(&f, 47, 0, 1, 2, 0);
    put16(&f, 0x3000); /* K, S */
    put16(&f, 0x0800);
    put32(&f, 0xabcdef01);
    put32(&f, 7);
    mark(&f, ANOM_ENCAP_TRUNCATED, 0, LAYER_L3);
    ip4(&f, 17, 1, 3, 4, 1);
    udp(&f, 5000, 53, 1);
    done(&f, "q");
    sweep(&f, 1, "gre");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    const struct encap_layer *l = &pkt.encap[0];
    CU_ASSERT_EQUAL(l->type, ENCAP_GRE);
    CU_ASSERT_EQUAL(l->proto, 47);
    CU_ASSERT_EQUAL(l->sport, 0);
    CU_ASSERT_EQUAL(l->id, 0xabcdef01);
    CU_ASSERT(l->id_symmetric);
    CU_ASSERT_EQUAL(l->hdr_len, 12);
    CU_ASSERT_EQUAL(l->n_vlan, 1);
    CU_ASSERT_EQUAL(l->vlan[0], 100);
    CU_ASSERT_EQUAL(l->l4_payload_len, f.n - 18 - 20);
    CU_ASSERT_EQUAL(pkt.n_vlan, 0); /* VLANs belong to their level */
    CU_ASSERT_EQUAL(pkt.dport, 53);

    /* version 2 does not exist: malformed, the carrier stays the packet */
    f.b[38] = 0x30;
    f.b[39] = 0x02;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_MALFORMED);
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_ENCAP_MALFORMED);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);
    CU_ASSERT_EQUAL(pkt.proto, 47);
}

/* GRE header longer than the IP datagram, all captured: malformed, not truncated */
static void test_gre_longer_than_datagram(void)
{
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    ip4(&f, 47, 0, 1, 2, 0);
    put16(&f, 0xb000); /* C, K, S: 16 bytes of header */
    put16(&f, 0x0800);
    done(&f, "12345678");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_ENCAP_MALFORMED));
    CU_ASSERT(!HAS_ANOM(pkt, ANOM_ENCAP_TRUNCATED));
}

/* GRE transparent Ethernet bridging with an inner VLAN */
static void test_gre_teb(void)
{
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    ip4(&f, 47, 0, 1, 2, 0);
    put16(&f, 0x0000);
    put16(&f, 0x6558);
    mark(&f, ANOM_ENCAP_TRUNCATED, 0, LAYER_L3);
    eth(&f, 0x8100, 1);
    vlan(&f, 7, 0x86dd, 1);
    ip6(&f, 17, 5, 1, 2, 1);
    udp(&f, 1000, 2000, 1);
    done(&f, "x");
    sweep(&f, 1, "gre teb");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_vlan, 1);
    CU_ASSERT_EQUAL(pkt.vlan[0], 7);
    CU_ASSERT_EQUAL(pkt.encap[0].n_vlan, 0);
    CU_ASSERT_EQUAL(pkt.encap[0].inner_ip_version, 6);
    CU_ASSERT_FALSE(pkt.encap[0].has_id);
}

/* ERSPAN types I, II and III */
static void test_erspan(void)
{
    for (int type = 1; type <= 3; type++) {
        struct fb f = { 0 };
        eth(&f, 0x0800, 0);
        ip4(&f, 47, 0, 1, 2, 0);
        put16(&f, type == 1 ? 0x0000 : 0x1000);
        put16(&f, type == 3 ? 0x22eb : 0x88be);
        if (type != 1)
            put32(&f, 99); /* sequence */
        if (type == 2) {
            put32(&f, 0x100a0000u | 0x155); /* ver 1, VLAN 10, session 0x155 */
            put32(&f, 0);
        } else if (type == 3) {
            put32(&f, 0x200a0000u | 0x155); /* ver 2 */
            put32(&f, 12345);               /* timestamp */
            put32(&f, 0x00000001);          /* FT 0 (Ethernet), O: platform sub-header */
            put32(&f, 0);
            put32(&f, 0);
        }
        mark(&f, ANOM_ENCAP_TRUNCATED, 0, LAYER_L3);
        eth(&f, 0x0800, 1);
        ip4(&f, 6, 1, 3, 4, 1);
        tcp(&f, 1111, 443, 1);
        done(&f, "");
        sweep(&f, 1, "erspan");
        struct packet pkt;
        CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
        CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_ERSPAN);
        CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, type == 1 ? 4u : type == 2 ? 16u : 28u);
        CU_ASSERT_EQUAL(pkt.encap[0].has_id, type != 1);
        if (type != 1) {
            CU_ASSERT_EQUAL(pkt.encap[0].id, 0x155);
        }
        CU_ASSERT_EQUAL(pkt.dport, 443);
    }
}

/* PPTP enhanced GRE (version 1) carrying PPP/IPv4 */
static void test_pptp(void)
{
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    ip4(&f, 47, 0, 1, 2, 0);
    put16(&f, 0x3081); /* K, S, A, version 1 */
    put16(&f, 0x880b);
    size_t plen_at = f.n;
    put16(&f, 0);      /* payload length, fixed below */
    put16(&f, 0x4242); /* call id */
    put32(&f, 5);      /* sequence */
    put32(&f, 4);      /* acknowledgment */
    put16(&f, 0xff03);
    put16(&f, 0x0021);
    mark(&f, ANOM_ENCAP_TRUNCATED, 0, LAYER_L3);
    size_t payload_start = f.n - 4;
    ip4(&f, 17, 1, 3, 4, 1);
    udp(&f, 500, 500, 1);
    done(&f, "ike");
    f.b[plen_at] = (uint8_t)((f.n - payload_start) >> 8);
    f.b[plen_at + 1] = (uint8_t)(f.n - payload_start);
    sweep(&f, 1, "pptp");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_GRE);
    CU_ASSERT_EQUAL(pkt.encap[0].id, 0x4242);
    CU_ASSERT_FALSE(pkt.encap[0].id_symmetric);
    CU_ASSERT_EQUAL(pkt.dport, 500);
}

/* IP-in-IP: 4in4, 6in4, 4in6, 6in6 */
static void test_ipip(void)
{
    for (int outer = 4; outer <= 6; outer += 2) {
        for (int inner = 4; inner <= 6; inner += 2) {
            struct fb f = { 0 };
            unsigned proto = inner == 4 ? 4 : 41;
            eth(&f, outer == 4 ? 0x0800 : 0x86dd, 0);
            if (outer == 4)
                ip4(&f, proto, 0, 1, 2, 0);
            else
                ip6(&f, proto, 0, 1, 2, 0);
            if (inner == 4)
                ip4(&f, 17, 1, 3, 4, 1);
            else
                ip6(&f, 17, 1, 3, 4, 1);
            udp(&f, 1, 2, 1);
            done(&f, "z");
            sweep(&f, 1, "ipip");
            struct packet pkt;
            CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
            CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_IPIP);
            CU_ASSERT_EQUAL(pkt.encap[0].ip_version, outer);
            CU_ASSERT_EQUAL(pkt.encap[0].proto, proto);
            CU_ASSERT_EQUAL(pkt.encap[0].inner_ip_version, inner);
            CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 0);
            CU_ASSERT_EQUAL(pkt.ip_version, inner);
            CU_ASSERT_EQUAL(pkt.dport, 2);
        }
    }
}

/* IPv4-in-IPv4 nested deeper than PACKET_MAX_ENCAP */
static void test_depth_limit(void)
{
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    for (unsigned i = 0; i < PACKET_MAX_ENCAP + 2; i++)
        ip4(&f, 4, i, 1, 2, 0);
    ip4(&f, 17, 9, 1, 2, 0);
    udp(&f, 1, 2, 0);
    done(&f, "");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, PACKET_MAX_ENCAP);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_ENCAP_DEPTH));
    CU_ASSERT_EQUAL(pkt.proto, 4); /* the last carrier is the packet */
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);
    CU_ASSERT(ip4_is(&pkt.src, PACKET_MAX_ENCAP, 1));
    CU_ASSERT(ip4_is(&pkt.encap[PACKET_MAX_ENCAP - 1].src, PACKET_MAX_ENCAP - 1, 1));
}

/* MPLS over Ethernet: two labels then IPv4; and a pseudowire with control word */
static void test_mpls(void)
{
    struct fb f = { 0 };
    eth(&f, 0x8847, 0);
    put32(&f, 1000u << 12 | 64);
    put32(&f, 2000u << 12 | 0x100 | 64);
    mark_at(&f, f.n + 1, ANOM_ENCAP_TRUNCATED, 0, LAYER_LINK); /* the nibble decides */
    ip4(&f, 6, 1, 3, 4, 1);
    tcp(&f, 1, 22, 1);
    done(&f, "");
    sweep(&f, 1, "mpls");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_MPLS);
    CU_ASSERT_EQUAL(pkt.encap[0].ip_version, 0);
    CU_ASSERT_EQUAL(pkt.encap[0].id, 1000);
    CU_ASSERT_EQUAL(pkt.encap[0].ethertype, 0x8847);
    CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 8);
    CU_ASSERT_EQUAL(pkt.dport, 22);
    /* without decap MPLS stays an unsupported ethertype */
    CU_ASSERT_EQUAL(dissect(false, f.b, f.n, f.n, &pkt), DISSECT_UNSUPPORTED);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);

    struct fb g = { 0 };
    eth(&g, 0x8847, 0);
    put32(&g, 77u << 12 | 0x100 | 64);
    put32(&g, 0); /* control word */
    mark(&g, ANOM_ENCAP_TRUNCATED, 0, LAYER_LINK);
    eth(&g, 0x86dd, 1);
    ip6(&g, 6, 2, 1, 2, 1);
    tcp(&g, 3, 4, 1);
    done(&g, "");
    sweep(&g, 1, "mpls pw");

    /* 17 labels without bottom of stack: malformed */
    struct fb h = { 0 };
    eth(&h, 0x8847, 0);
    for (int i = 0; i < 17; i++)
        put32(&h, 5u << 12);
    done(&h, "");
    CU_ASSERT_EQUAL(dissect(true, h.b, h.n, h.n, &pkt), DISSECT_MALFORMED);
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_ENCAP_MALFORMED);
}

static void test_mpls_over_udp(void)
{
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    ip4(&f, 17, 0, 1, 2, 0);
    udp(&f, 49152, 6635, 0);
    put32(&f, 300u << 12 | 0x100 | 255);
    mark_at(&f, f.n + 1, ANOM_ENCAP_TRUNCATED, 0, LAYER_L4);
    ip6(&f, 58, 1, 1, 2, 1);
    put32(&f, 0x80000000); /* echo request */
    put32(&f, 0x00010001);
    mark(&f, ANOM_ICMP_TRUNCATED, 1, LAYER_L3);
    done(&f, "");
    sweep(&f, 1, "mpls/udp");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_MPLS);
    CU_ASSERT_EQUAL(pkt.encap[0].dport, 6635);
    CU_ASSERT_EQUAL(pkt.proto, IPPROTO_NUM_ICMPV6);
}

static void test_pppoe(void)
{
    struct fb f = { 0 };
    eth(&f, 0x8864, 0);
    put16(&f, 0x1100);
    put16(&f, 0x1234); /* session */
    size_t len_at = f.n;
    put16(&f, 0);
    put16(&f, 0x0021);
    mark(&f, ANOM_ENCAP_TRUNCATED, 0, LAYER_LINK);
    ip4(&f, 17, 1, 3, 4, 1);
    udp(&f, 68, 67, 1);
    done(&f, "d");
    size_t plen = f.n - len_at - 2;
    f.b[len_at] = (uint8_t)(plen >> 8);
    f.b[len_at + 1] = (uint8_t)plen;
    sweep(&f, 1, "pppoe");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_PPPOE);
    CU_ASSERT_EQUAL(pkt.encap[0].id, 0x1234);
    CU_ASSERT(pkt.encap[0].id_symmetric);
    CU_ASSERT_EQUAL(pkt.dport, 67);

    /* LCP: the session is recorded, what it carries is not decoded */
    f.b[20] = 0xc0;
    f.b[21] = 0x21;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_UNSUPPORTED);
    CU_ASSERT_EQUAL(pkt.n_encap, 1);
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_ENCAP_UNKNOWN_INNER);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);

    /* discovery code in a session frame: malformed */
    f.b[15] = 0x09;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_MALFORMED);
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_ENCAP_MALFORMED);
}

static void test_geneve(void)
{
    struct fb f = { 0 };
    eth(&f, 0x86dd, 0);
    ip6(&f, 17, 0, 1, 2, 0);
    udp(&f, 50000, 6081, 0);
    put16(&f, 0x0200); /* version 0, 8 bytes of options */
    put16(&f, 0x6558);
    put32(&f, 0x00abcd00);
    put32(&f, 0x01020301); /* option class, type, length 1 word */
    put32(&f, 0xdeadbeef);
    mark(&f, ANOM_ENCAP_TRUNCATED, 0, LAYER_L4);
    eth(&f, 0x0800, 1);
    ip4(&f, 17, 1, 3, 4, 1);
    udp(&f, 7, 7, 1);
    done(&f, "echo");
    sweep(&f, 1, "geneve");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_GENEVE);
    CU_ASSERT_EQUAL(pkt.encap[0].id, 0xabcd);
    CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 16);
    CU_ASSERT_EQUAL(pkt.encap[0].ip_version, 6);
    /* options longer than the datagram: not Geneve */
    f.b[62] = 0x3f;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);
    CU_ASSERT_EQUAL(pkt.dport, 6081);
}

static void test_gtpu(void)
{
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    ip4(&f, 17, 0, 1, 2, 0);
    udp(&f, 2152, 2152, 0);
    size_t g = f.n;
    put16(&f, 0x34ff); /* version 1, PT, E; G-PDU */
    put16(&f, 0);      /* length, fixed below */
    put32(&f, 0x11223344);
    put32(&f, 0x000000c0); /* sequence, N-PDU, next: PDCP PDU number */
    put32(&f, 0x01000000); /* extension: 1 word, content, next 0 */
    mark_at(&f, f.n + 1, ANOM_ENCAP_TRUNCATED, 0, LAYER_L4);
    ip6(&f, 17, 1, 3, 4, 1);
    udp(&f, 443, 50000, 1);
    done(&f, "quic");
    size_t len = f.n - g - 8;
    f.b[g + 2] = (uint8_t)(len >> 8);
    f.b[g + 3] = (uint8_t)len;
    sweep(&f, 1, "gtp-u");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_GTPU);
    CU_ASSERT_EQUAL(pkt.encap[0].id, 0x11223344);
    CU_ASSERT_FALSE(pkt.encap[0].id_symmetric);
    CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 16);
    CU_ASSERT_EQUAL(pkt.sport, 443);
    /* an extension header of length 0 is impossible */
    f.b[g + 12] = 0;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_MALFORMED);
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_ENCAP_MALFORMED);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
}

static void test_teredo(void)
{
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    ip4(&f, 17, 0, 1, 2, 0);
    udp(&f, 3544, 51000, 0);
    put32(&f, 0x0000f227); /* origin indication */
    put32(&f, 0x3fffffff);
    mark_at(&f, f.n + 6, ANOM_ENCAP_TRUNCATED, 0, LAYER_L4); /* IPv6 length checked */
    ip6(&f, 17, 1, 3, 4, 1);
    udp(&f, 9, 10, 1);
    done(&f, "");
    sweep(&f, 1, "teredo");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_TEREDO);
    CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 8);
    CU_ASSERT_EQUAL(pkt.dport, 10);
    /* IPv6 payload length disagreeing with the datagram: not Teredo */
    f.b[55] ^= 1;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);
    CU_ASSERT_EQUAL(pkt.sport, 3544);
}

/* Teredo (origin indication, then IPv6/UDP) from sport to dport */
static void build_teredo_ports(struct fb *f, unsigned sport, unsigned dport)
{
    memset(f, 0, sizeof(*f));
    eth(f, 0x0800, 0);
    ip4(f, 17, 0, 1, 2, 0);
    udp(f, sport, dport, 0);
    put32(f, 0x0000f227);
    put32(f, 0x3fffffff);
    ip6(f, 17, 1, 3, 4, 1);
    udp(f, 9, 10, 1);
    done(f, "");
}

static void test_udp_tunnel_ports(void)
{
    struct fb f;
    struct packet pkt;
    /* the destination port is tried first; when its parser declines (not VXLAN:
     * no I flag), the source port's is tried */
    build_teredo_ports(&f, 3544, 4789);
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 1);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_TEREDO);
    CU_ASSERT_EQUAL(pkt.encap[0].sport, 3544);
    CU_ASSERT_EQUAL(pkt.encap[0].dport, 4789);
    CU_ASSERT_EQUAL(pkt.dport, 10);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
    /* the source port alone */
    build_teredo_ports(&f, 3544, 53);
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 1);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_TEREDO);
    /* the same bytes from and to 4789: only VXLAN is tried, and declines */
    build_teredo_ports(&f, 4789, 4789);
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);
    CU_ASSERT_EQUAL(pkt.sport, 4789);
    CU_ASSERT_EQUAL(pkt.dport, 4789);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
    /* on no tunnel port: an ordinary datagram, its payload whole */
    build_teredo_ports(&f, 5353, 53);
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 0);
    CU_ASSERT_EQUAL(pkt.sport, 5353);
    CU_ASSERT_EQUAL(pkt.dport, 53);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, f.n - 42);
    CU_ASSERT_EQUAL(pkt.payload.len, f.n - 42);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    CU_ASSERT_EQUAL(pkt.status, DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

/* CAPWAP data header (RFC 5415 4.3): HLEN 4 words (wireless information: 4 bytes
 * of 802.11 frame info with its length byte, padded), radio 0, binding 802.11,
 * T (native frame) as native says, W set. */
static void capwap_hdr(struct fb *f, bool native, uint32_t extra_flags)
{
    put32(f, 4u << 19 | 1u << 9 | (native ? 0x100u : 0u) | 0x20u | extra_flags);
    put32(f, 0); /* fragment id and offset */
    put32(f, 0x04bf2300u); /* length 4, RSSI, SNR, rate ... */
    put32(f, 0x00000000u); /* ... and padding */
}

/* An 802.11 data frame header: frame control (subtype, flags), duration, three
 * or four addresses, sequence control (fragment number 6, as a Cisco access
 * point's in the corpus), then QoS control (qos_ctl) and HT control when asked. */
static void wlan_hdr(struct fb *f, unsigned subtype, unsigned flags, bool qos, unsigned qos_ctl)
{
    put8(f, subtype << 4 | 2u << 2);
    put8(f, flags);
    put16(f, 0x2c00);
    for (int a = 0; a < ((flags & 3) == 3 ? 4 : 3); a++) {
        put16(f, 0x0200u | (unsigned)a);
        put32(f, 0x00000001u);
    }
    put16(f, 0x7630);
    if (qos) {
        put8(f, qos_ctl & 0xff); /* little-endian, as 802.11 fields are */
        put8(f, qos_ctl >> 8);
        if (flags & 0x80)
            put32(f, 0);
    }
}

/* LLC/SNAP with OUI 00-00-00 (RFC 1042) or, bridge_tunnel, 00-00-f8 (802.1H) */
static void llc_snap(struct fb *f, unsigned ethertype, bool bridge_tunnel)
{
    put32(f, 0xaaaa0300u);
    put16(f, bridge_tunnel ? 0x00f8 : 0x0000);
    put16(f, ethertype);
}

/* Ethernet / IPv4 / UDP 41264 -> 5247 / CAPWAP / 802.11 data, To DS / LLC SNAP /
 * IPv4 / TCP */
static void build_capwap(struct fb *f)
{
    memset(f, 0, sizeof(*f));
    eth(f, 0x0800, 0);
    ip4(f, 17, 0, 1, 2, 0);
    udp(f, 41264, 5247, 0);
    capwap_hdr(f, true, 0);
    wlan_hdr(f, 0, 0x11, false, 0); /* To DS, power management */
    llc_snap(f, 0x0800, false);
    mark(f, ANOM_ENCAP_TRUNCATED, 0, LAYER_L4);
    ip4(f, 6, 1, 3, 4, 1);
    tcp(f, 1234, 80, 1);
    done(f, "hi");
}

/* A datagram to 5247 from the builder's pieces, decoded whole: the status. */
static enum dissect_status capwap_case(struct packet *pkt, bool native, uint32_t capwap_flags, unsigned subtype,
                        unsigned wlan_flags, unsigned qos_ctl, unsigned ethertype)
{
    struct fb f;
    memset(&f, 0, sizeof(f));
    eth(&f, 0x0800, 0);
    ip4(&f, 17, 0, 1, 2, 0);
    udp(&f, 41264, 5247, 0);
    capwap_hdr(&f, native, capwap_flags);
    if (native) {
        wlan_hdr(&f, subtype, wlan_flags, (subtype & 8) != 0, qos_ctl);
        llc_snap(&f, ethertype, ethertype == 0x86dd);
    } else {
        eth(&f, ethertype, 1);
    }
    if (ethertype == 0x86dd) {
        ip6(&f, 17, 1, 3, 4, 1);
        udp(&f, 5353, 53, 1);
    } else {
        ip4(&f, 17, 1, 3, 4, 1);
        udp(&f, 5353, 53, 1);
    }
    done(&f, "dns?");
    return dissect(true, f.b, f.n, f.n, pkt);
}

static void test_capwap(void)
{
    struct fb f;
    build_capwap(&f);
    sweep(&f, 1, "capwap");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL_FATAL(pkt.n_encap, 1);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_CAPWAP);
    CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 16 + 24 + 8);
    CU_ASSERT_EQUAL(pkt.encap[0].dport, 5247);
    CU_ASSERT_FALSE(pkt.encap[0].has_id);
    CU_ASSERT_EQUAL(pkt.encap[0].inner_ip_version, 4);
    CU_ASSERT(ip4_is(&pkt.src, 1, 3) && ip4_is(&pkt.dst, 1, 4));
    CU_ASSERT_EQUAL(pkt.proto, IPPROTO_NUM_TCP);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 2);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
    CU_ASSERT_STRING_EQUAL(encap_type_name(ENCAP_CAPWAP), "capwap");

    /* a Cisco controller's frame control, its two bytes swapped: the same */
    size_t fc_at = 14 + 20 + 8 + 16;
    uint8_t t = f.b[fc_at];
    f.b[fc_at] = f.b[fc_at + 1];
    f.b[fc_at + 1] = t;
    CU_ASSERT_EQUAL_FATAL(f.b[fc_at + 1], 0x08);
    sweep(&f, 1, "capwap swapped");
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 1);
    CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 16 + 24 + 8);
    CU_ASSERT_EQUAL(pkt.proto, IPPROTO_NUM_TCP);
    CU_ASSERT_EQUAL(pkt.dport, 80);
    /* flags 0x88 (QoS data) read either way: the order with the LLC header where
     * its MAC header ends wins (here the swapped one, a 24-byte header) */
    f.b[fc_at] = 0x88;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_encap, 1);
    CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 16 + 24 + 8);
    CU_ASSERT_EQUAL(pkt.dport, 80);
    CU_ASSERT_PTR_NULL(encap_zeek_type(ENCAP_CAPWAP)); /* Zeek has no such tunnel */

    /* QoS data with four addresses and HT control, IPv6 inside; 802.1H SNAP */
    CU_ASSERT_EQUAL(capwap_case(&pkt, true, 0, 8, 0x83, 0x0005, 0x86dd), DISSECT_OK);
    CU_ASSERT_EQUAL_FATAL(pkt.n_encap, 1);
    CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 16 + 30 + 2 + 4 + 8);
    CU_ASSERT_EQUAL(pkt.ip_version, 6);
    CU_ASSERT_EQUAL(pkt.dport, 53);
    /* T = 0: an 802.3 frame */
    CU_ASSERT_EQUAL(capwap_case(&pkt, false, 0, 0, 0, 0, 0x0800), DISSECT_OK);
    CU_ASSERT_EQUAL_FATAL(pkt.n_encap, 1);
    CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 16);
    CU_ASSERT_EQUAL(pkt.ip_version, 4);
    CU_ASSERT_EQUAL(pkt.dport, 53);

    /* CAPWAP, but nothing decodable inside: the layer, no inner packet */
    static const struct {
        const char *what;
        uint32_t capwap_flags;
        unsigned subtype, wlan_flags, qos_ctl, ethertype;
    } opaque[] = {
        {"fragment", 0x80, 0, 0x01, 0, 0x0800},
        {"keep-alive", 0x08, 0, 0x01, 0, 0x0800},
        {"null data", 0, 4, 0x01, 0, 0x0800},
        {"protected", 0, 0, 0x41, 0, 0x0800},
        {"802.11 more fragments", 0, 0, 0x05, 0, 0x0800},
        {"A-MSDU", 0, 8, 0x01, 0x0080, 0x0800},
        {"A-MSDU, four addresses", 0, 8, 0x03, 0x0080, 0x0800},
        {"ARP", 0, 0, 0x01, 0, 0x0806},
        {"binding 3 (EPCglobal)", 2u << 9, 0, 0x01, 0, 0x0800},
    };
    for (size_t i = 0; i < sizeof(opaque) / sizeof(opaque[0]); i++) {
        enum dissect_status st =
            capwap_case(&pkt, true, opaque[i].capwap_flags, opaque[i].subtype,
                        opaque[i].wlan_flags, opaque[i].qos_ctl, opaque[i].ethertype);
        bool ok = st == DISSECT_UNSUPPORTED && pkt.truncated_at == ANOM_ENCAP_UNKNOWN_INNER &&
                  pkt.n_encap == 1 && pkt.encap[0].type == ENCAP_CAPWAP;
        if (!ok)
            printf("\n  capwap %s: status %d, n_encap %u", opaque[i].what, (int)st,
                   (unsigned)pkt.n_encap);
        CU_ASSERT(ok);
    }

    /* a CAPWAP header and nothing after it */
    memset(&f, 0, sizeof(f));
    eth(&f, 0x0800, 0);
    ip4(&f, 17, 0, 1, 2, 0);
    udp(&f, 41264, 5247, 0);
    capwap_hdr(&f, true, 0);
    done(&f, "");
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_UNSUPPORTED);
    CU_ASSERT_EQUAL(pkt.n_encap, 1);
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_ENCAP_UNKNOWN_INNER);

    /* not CAPWAP data at all: the datagram on port 5247 is the packet */
    static const struct {
        const char *what;
        uint32_t word0, word1;
    } not_capwap[] = {
        {"DTLS preamble", 0x01000000u | 4u << 19 | 1u << 9 | 0x100u, 0},
        {"version 1", 0x10000000u | 4u << 19 | 1u << 9 | 0x100u, 0},
        {"reserved flag", 4u << 19 | 1u << 9 | 0x100u | 0x01u, 0},
        {"reserved bits after the fragment offset", 4u << 19 | 1u << 9 | 0x100u, 0x04u},
        {"header length 1", 1u << 19 | 1u << 9 | 0x100u, 0},
        {"header beyond the datagram", 31u << 19 | 1u << 9 | 0x100u, 0},
    };
    for (size_t i = 0; i < sizeof(not_capwap) / sizeof(not_capwap[0]); i++) {
        memset(&f, 0, sizeof(f));
        eth(&f, 0x0800, 0);
        ip4(&f, 17, 0, 1, 2, 0);
        udp(&f, 41264, 5247, 0);
        put32(&f, not_capwap[i].word0);
        put32(&f, not_capwap[i].word1);
        put32(&f, 0x04bf2300u);
        put32(&f, 0);
        done(&f, "");
        CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
        if (pkt.n_encap != 0 || pkt.dport != 5247)
            printf("\n  not capwap %s: n_encap %u", not_capwap[i].what, (unsigned)pkt.n_encap);
        CU_ASSERT(pkt.n_encap == 0 && pkt.dport == 5247 && pkt.layer == LAYER_L4);
        CU_ASSERT_EQUAL(pkt.anomalies, 0);
    }
}

static void test_ayiya(void)
{
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    ip4(&f, 17, 0, 1, 2, 0);
    udp(&f, 5072, 5072, 0);
    put32(&f, 0x41520129); /* id 16 bytes, sig 20 bytes, forward, IPv6 */
    put32(&f, 0);
    for (int i = 0; i < 9; i++)
        put32(&f, 0x55555555);
    mark(&f, ANOM_ENCAP_TRUNCATED, 0, LAYER_L4);
    ip6(&f, 6, 1, 3, 4, 1);
    tcp(&f, 80, 1025, 1);
    done(&f, "");
    sweep(&f, 1, "ayiya");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_AYIYA);
    CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 44);
}

/* VXLAN-GPE carrying NSH carrying IPv4 */
static void test_vxlan_gpe_nsh(void)
{
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    ip4(&f, 17, 0, 1, 2, 0);
    udp(&f, 40000, 4790, 0);
    put32(&f, 0x0c000004); /* I, P; next protocol NSH */
    put32(&f, 0x00000500);
    put32(&f, 0x0fc60101); /* NSH: length 6 words, MD type 2... next protocol IPv4 */
    put32(&f, 0x000001ff); /* service path, index */
    put32(&f, 0);
    put32(&f, 0);
    put32(&f, 0);
    put32(&f, 0);
    mark(&f, ANOM_ENCAP_TRUNCATED, 0, LAYER_L4);
    ip4(&f, 17, 1, 3, 4, 1);
    udp(&f, 1, 2, 1);
    done(&f, "");
    sweep(&f, 1, "vxlan-gpe/nsh");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.encap[0].type, ENCAP_VXLAN_GPE);
    CU_ASSERT_EQUAL(pkt.encap[0].id, 5);
    CU_ASSERT_EQUAL(pkt.encap[0].hdr_len, 32);
}

/* VXLAN in VXLAN: two layers, outermost first */
static void test_nested(void)
{
    struct fb f = { 0 };
    eth(&f, 0x0800, 0);
    ip4(&f, 17, 0, 1, 2, 0);
    udp(&f, 40000, 4789, 0);
    put32(&f, 0x08000000);
    put32(&f, 1u << 8);
    mark(&f, ANOM_ENCAP_TRUNCATED, 0, LAYER_L4);
    eth(&f, 0x0800, 1);
    ip4(&f, 17, 1, 1, 2, 1);
    udp(&f, 40001, 4789, 1);
    put32(&f, 0x08000000);
    put32(&f, 2u << 8);
    mark(&f, ANOM_ENCAP_TRUNCATED, 1, LAYER_L4);
    eth(&f, 0x0800, 2);
    ip4(&f, 17, 2, 1, 2, 2);
    udp(&f, 53, 53, 2);
    done(&f, "dns");
    sweep(&f, 2, "vxlan in vxlan");
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect(true, f.b, f.n, f.n, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.encap[0].id, 1);
    CU_ASSERT_EQUAL(pkt.encap[1].id, 2);
    CU_ASSERT(ip4_is(&pkt.encap[1].src, 1, 1));
    CU_ASSERT_EQUAL(pkt.encap[1].sport, 40001);
    CU_ASSERT(ip4_is(&pkt.src, 2, 1));
}

static void test_chain_key(void)
{
    struct fb a, b;
    build_vxlan(&a, 40000, false);
    build_vxlan(&b, 51111, true); /* the other direction: other VTEP, other entropy port */
    struct packet pa, pb;
    dissect(true, a.b, a.n, a.n, &pa);
    dissect(true, b.b, b.n, b.n, &pb);
    uint8_t ka[ENCAP_KEY_MAX_LEN], kb[ENCAP_KEY_MAX_LEN];
    size_t la = encap_chain_key(&pa, 1, ka, sizeof(ka));
    size_t lb = encap_chain_key(&pb, 1, kb, sizeof(kb));
    CU_ASSERT_EQUAL(la, ENCAP_KEY_LAYER_LEN);
    CU_ASSERT_EQUAL(la, lb);
    CU_ASSERT(memcmp(ka, kb, la) == 0);
    /* another VNI is another tunnel */
    b.b[48] = 43;
    dissect(true, b.b, b.n, b.n, &pb);
    encap_chain_key(&pb, 1, kb, sizeof(kb));
    CU_ASSERT(memcmp(ka, kb, la) != 0);
    CU_ASSERT_EQUAL(encap_chain_key(&pa, 0, ka, sizeof(ka)), 0);
    CU_ASSERT_EQUAL(encap_chain_key(&pa, 1, ka, ENCAP_KEY_LAYER_LEN - 1), 0);
    CU_ASSERT_EQUAL(encap_chain_key(&pa, 3, ka, sizeof(ka)), ENCAP_KEY_LAYER_LEN);
}

static void test_names(void)
{
    CU_ASSERT_STRING_EQUAL(encap_type_name(ENCAP_VXLAN), "vxlan");
    CU_ASSERT_STRING_EQUAL(encap_type_name(ENCAP_IPIP), "ipip");
    CU_ASSERT_STRING_EQUAL(encap_type_name(ENCAP_TYPE_COUNT), "?");
    for (int t = 0; t < ENCAP_TYPE_COUNT; t++)
        CU_ASSERT_PTR_NOT_NULL(encap_type_name((enum encap_type)t));
    CU_ASSERT_STRING_EQUAL(encap_zeek_type(ENCAP_GTPU), "Tunnel::GTPv1");
    CU_ASSERT_STRING_EQUAL(encap_zeek_type(ENCAP_ERSPAN), "Tunnel::GRE");
    CU_ASSERT_PTR_NULL(encap_zeek_type(ENCAP_MPLS));
    CU_ASSERT_STRING_EQUAL(anomaly_name(ANOM_ENCAP_DEPTH), "encap_depth_limit");
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "VXLAN, every cut, carrier and inner identity, no decap", test_vxlan },
        { "UDP tunnel ports: non-tunnel payloads stay plain UDP", test_vxlan_not_eaten },
        { "VXLAN carrying ARP", test_vxlan_inner_arp },
        { "GRE key and sequence over VLAN, bad version", test_gre_key_seq },
        { "GRE header longer than the datagram", test_gre_longer_than_datagram },
        { "GRE TEB with inner VLAN", test_gre_teb },
        { "ERSPAN I, II, III", test_erspan },
        { "PPTP enhanced GRE", test_pptp },
        { "IP-in-IP 4in4 6in4 4in6 6in6", test_ipip },
        { "depth limit", test_depth_limit },
        { "MPLS, pseudowire, endless stack", test_mpls },
        { "MPLS over UDP", test_mpls_over_udp },
        { "PPPoE session", test_pppoe },
        { "Geneve with options", test_geneve },
        { "GTP-U with extension header", test_gtpu },
        { "Teredo with origin indication", test_teredo },
        { "UDP tunnel ports: destination, then source", test_udp_tunnel_ports },
        { "AYIYA", test_ayiya },
        { "CAPWAP data: 802.11 and 802.3 frames", test_capwap },
        { "VXLAN-GPE with NSH", test_vxlan_gpe_nsh },
        { "VXLAN in VXLAN", test_nested },
        { "chain key is direction-independent", test_chain_key },
        { "names", test_names },
        { NULL, NULL },
    };
    return add_suite("encap", tests);
}
