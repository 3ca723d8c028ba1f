/* gen_samples.c - writes the deterministic sample captures in samples/
 * (classic pcap: tcpdump.org "pcap savefile format"; pcapng: RFC draft
 * draft-ietf-opsawg-pcapng; IPv4 RFC 791, IPv6 RFC 8200, TCP RFC 9293 with
 * RFC 7323 options, UDP RFC 768, ICMP RFC 792, DNS RFC 1035, NTP RFC 5905;
 * tunnels: VXLAN RFC 7348, GRE RFC 2784/2890, IP-in-IP RFC 2003, CAPWAP RFC 5415/5416).
 *
 * Usage: gen_samples OUTDIR
 *
 * Every byte is a function of the script below: fixed base time
 * 1700000000.000000, fixed ISNs, fixed IP IDs, no randomness. Rerun
 * `build/gen_samples samples/` after changing a script and commit the
 * captures together with this file (ctest samples.match_generator checks it).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BASE_TS_SEC    1700000000u
#define FRAME_MAX      9216 /* bytes: larger than any frame written here */
#define SNAPLEN        262144u
#define ETH_MIN_FRAME  60  /* without FCS: shorter frames get zero padding */
#define ICMP_MAX_QUOTE 548 /* ICMP errors quote at most 576 - 20 - 8 bytes */

#define LINKTYPE_ETHERNET   1u
#define LINKTYPE_RAW        101u
#define LINKTYPE_LINUX_SLL2 276u

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define ETHERTYPE_VLAN 0x8100u

#define UDP_PORT_VXLAN 4789u
#define UDP_PORT_CAPWAP_DATA 5247u

#define IPPROTO_NUM_HOPOPTS 0u
#define IPPROTO_NUM_ICMP    1u
#define IPPROTO_NUM_IPIP    4u
#define IPPROTO_NUM_TCP     6u
#define IPPROTO_NUM_UDP     17u
#define IPPROTO_NUM_IPV6    41u
#define IPPROTO_NUM_GRE     47u

#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_RST 0x04u
#define TCP_PSH 0x08u
#define TCP_ACK 0x10u

#define IPF_DF  0x1u /* IPv4 don't fragment */
#define IPF_HBH 0x2u /* IPv6 hop-by-hop options header before the L4 header */

#define TCP_WSCALE     7u
#define TCP_WIN_SYN    64240u /* Linux SYN window */
#define TCP_WIN_SYNACK 65160u /* Linux SYN-ACK window */
#define TCP_WIN_EST    502u   /* 502 << 7 = 64256 bytes */

/* ---- byte buffer ---------------------------------------------------- */

struct buf {
    uint8_t b[FRAME_MAX];
    size_t len;
    bool overflow; /* a put did not fit: the frame is not written */
};

static void buf_put(struct buf *b, const void *p, size_t n)
{
    if (b->overflow || n > sizeof(b->b) - b->len) {
        b->overflow = true;
        return;
    }
    if (n > 0)
        memcpy(b->b + b->len, p, n);
    b->len += n;
}

static void buf_u8(struct buf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    buf_put(b, &x, 1);
}

static void buf_be16(struct buf *b, unsigned v)
{
    uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    buf_put(b, x, sizeof(x));
}

static void buf_be32(struct buf *b, uint32_t v)
{
    uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    buf_put(b, x, sizeof(x));
}

static void buf_le16(struct buf *b, unsigned v)
{
    uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    buf_put(b, x, sizeof(x));
}

static void buf_le32(struct buf *b, uint32_t v)
{
    uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    buf_put(b, x, sizeof(x));
}

static void buf_str(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

/* Patches a big-endian 16-bit value at off (which the caller already wrote). */
static void buf_set_be16(struct buf *b, size_t off, unsigned v)
{
    if (off + 2 > b->len) {
        b->overflow = true;
        return;
    }
    b->b[off] = (uint8_t)(v >> 8);
    b->b[off + 1] = (uint8_t)v;
}

/* ---- Internet checksum (RFC 1071) ------------------------------------ */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    size_t i;
    for (i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < len)
        sum += (uint32_t)p[i] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

/* ---- hosts and links ------------------------------------------------- */

struct host {
    unsigned family; /* 4 or 6 */
    uint8_t ip[16];
    uint8_t mac[6]; /* the MAC frames to or from this host carry on the capture link */
    uint16_t ip_id; /* next IPv4 identification */
};

/* An IPv4 host with a docker-style MAC 02:42:a:b:c:d, or the given MAC
 * (routed peers carry their gateway's MAC on the capture link). */
static struct host host_v4(unsigned a, unsigned b, unsigned c, unsigned d, const uint8_t *mac,
                           uint16_t ip_id)
{
    struct host h = { .family = 4, .ip_id = ip_id };
    h.ip[0] = (uint8_t)a;
    h.ip[1] = (uint8_t)b;
    h.ip[2] = (uint8_t)c;
    h.ip[3] = (uint8_t)d;
    if (mac != NULL) {
        memcpy(h.mac, mac, 6);
    } else {
        h.mac[0] = 0x02;
        h.mac[1] = 0x42;
        memcpy(h.mac + 2, h.ip, 4);
    }
    return h;
}

/* An IPv6 host fd99::last with MAC 02:99:00:00:00:last. */
static struct host host_fd99(unsigned last)
{
    struct host h = { .family = 6 };
    h.ip[0] = 0xfd;
    h.ip[1] = 0x99;
    h.ip[15] = (uint8_t)last;
    h.mac[0] = 0x02;
    h.mac[1] = 0x99;
    h.mac[5] = (uint8_t)last;
    return h;
}

enum link_kind { LINK_ETH, LINK_ETH_VLAN, LINK_SLL2, LINK_RAW };

enum tunnel_kind { TUN_VXLAN, TUN_GRE, TUN_IPIP, TUN_CAPWAP };

/* An overlay between two tunnel endpoints: every IP packet sent on a link
 * with this tunnel is wrapped in outer headers from one endpoint to the
 * other, and the outer packet goes out on the link. */
struct tunnel {
    enum tunnel_kind kind;
    struct host *outer_a, *outer_b; /* tunnel endpoints; their IP ids advance */
    const struct host *inner_a;     /* the inner host behind outer_a; any other is behind outer_b */
    uint16_t a_port;                /* TUN_VXLAN, TUN_CAPWAP: outer_a's UDP port (outer_b
                                       answers to it from 4789, 5247) */
    uint32_t id;                    /* TUN_VXLAN: VNI; TUN_GRE: key; TUN_CAPWAP: 802.11
                                       sequence number of outer_a's next frame */
    uint32_t mirror_id;             /* TUN_GRE, not 0: a mirror (outer_a) sending
                                       copies of both directions to a collector
                                       (outer_b), what inner_a sent under key id and
                                       what the other host sent under this key */
};

struct link {
    enum link_kind kind;
    uint32_t ifid;            /* pcapng interface id; 0 in classic pcap */
    uint16_t vlan_id;         /* LINK_ETH_VLAN */
    uint32_t sll2_ifindex;    /* LINK_SLL2 */
    const struct host *local; /* LINK_SLL2: frames from it are "outgoing" */
    struct tunnel *tun;       /* non-NULL: IP packets travel through this tunnel */
};

/* ---- output files ---------------------------------------------------- */

struct gen {
    FILE *f;
    char path[4096];
    bool pcapng;
    uint64_t now_usec; /* offset from BASE_TS_SEC */
    bool failed;
};

static void gen_write(struct gen *g, const void *p, size_t n)
{
    if (g->failed)
        return;
    if (fwrite(p, 1, n, g->f) != n) {
        fprintf(stderr, "gen_samples: %s: write failed: %s\n", g->path, strerror(errno));
        g->failed = true;
    }
}

/* Opens DIR/NAME for writing; a classic pcap gets its file header with
 * linktype, a pcapng its section header (interfaces follow through
 * gen_add_iface). Returns 0, or -1 with a message on stderr. */
static int gen_open(struct gen *g, const char *dir, const char *name, bool pcapng,
                    uint32_t linktype)
{
    memset(g, 0, sizeof(*g));
    int n = snprintf(g->path, sizeof(g->path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(g->path)) {
        fprintf(stderr, "gen_samples: output path too long\n");
        return -1;
    }
    g->f = fopen(g->path, "wb");
    if (g->f == NULL) {
        fprintf(stderr, "gen_samples: %s: %s\n", g->path, strerror(errno));
        return -1;
    }
    g->pcapng = pcapng;
    struct buf b = { .len = 0 };
    if (!pcapng) {
        buf_le32(&b, 0xa1b2c3d4u); /* microsecond resolution */
        buf_le16(&b, 2);
        buf_le16(&b, 4);
        buf_le32(&b, 0); /* thiszone */
        buf_le32(&b, 0); /* sigfigs */
        buf_le32(&b, SNAPLEN);
        buf_le32(&b, linktype);
    } else {
        static const char appl[] = "sockscope gen_samples"; /* 21 bytes, padded to 24 */
        uint32_t total = 28 + 4 + 24 + 4;
        buf_le32(&b, 0x0a0d0d0au);
        buf_le32(&b, total);
        buf_le32(&b, 0x1a2b3c4du);
        buf_le16(&b, 1);
        buf_le16(&b, 0);
        buf_le32(&b, 0xffffffffu); /* section length: unspecified */
        buf_le32(&b, 0xffffffffu);
        buf_le16(&b, 4); /* shb_userappl */
        buf_le16(&b, sizeof(appl) - 1);
        buf_put(&b, appl, sizeof(appl) - 1);
        buf_put(&b, "\0\0\0", 3);
        buf_le32(&b, 0); /* opt_endofopt */
        buf_le32(&b, total);
    }
    gen_write(g, b.b, b.len);
    if (g->failed) {
        fclose(g->f);
        g->f = NULL;
        return -1;
    }
    return 0;
}

/* pcapng only: appends an interface description block (ids count from 0 in
 * call order) with an if_name option and microsecond resolution. */
static void gen_add_iface(struct gen *g, uint32_t linktype, const char *name)
{
    struct buf b = { .len = 0 };
    size_t nlen = strlen(name);
    size_t npad = (4 - nlen % 4) % 4;
    uint32_t total = (uint32_t)(20 + 4 + nlen + npad + 8 + 4);
    buf_le32(&b, 1);
    buf_le32(&b, total);
    buf_le16(&b, linktype);
    buf_le16(&b, 0);
    buf_le32(&b, SNAPLEN);
    buf_le16(&b, 2); /* if_name */
    buf_le16(&b, (unsigned)nlen);
    buf_put(&b, name, nlen);
    buf_put(&b, "\0\0\0", npad);
    buf_le16(&b, 9); /* if_tsresol: 10^-6 */
    buf_le16(&b, 1);
    buf_put(&b, "\x06\0\0\0", 4);
    buf_le32(&b, 0);
    buf_le32(&b, total);
    gen_write(g, b.b, b.len);
}

static void gen_frame(struct gen *g, uint32_t ifid, const struct buf *frame)
{
    if (frame->overflow) {
        fprintf(stderr, "gen_samples: %s: frame too large\n", g->path);
        g->failed = true;
        return;
    }
    uint64_t sec = BASE_TS_SEC + g->now_usec / 1000000u;
    uint32_t usec = (uint32_t)(g->now_usec % 1000000u);
    struct buf b = { .len = 0 };
    if (!g->pcapng) {
        buf_le32(&b, (uint32_t)sec);
        buf_le32(&b, usec);
        buf_le32(&b, (uint32_t)frame->len);
        buf_le32(&b, (uint32_t)frame->len);
        gen_write(g, b.b, b.len);
        gen_write(g, frame->b, frame->len);
        return;
    }
    uint64_t ts = sec * 1000000u + usec;
    size_t pad = (4 - frame->len % 4) % 4;
    uint32_t total = (uint32_t)(28 + frame->len + pad + 4);
    buf_le32(&b, 6);
    buf_le32(&b, total);
    buf_le32(&b, ifid);
    buf_le32(&b, (uint32_t)(ts >> 32));
    buf_le32(&b, (uint32_t)ts);
    buf_le32(&b, (uint32_t)frame->len);
    buf_le32(&b, (uint32_t)frame->len);
    gen_write(g, b.b, b.len);
    gen_write(g, frame->b, frame->len);
    gen_write(g, "\0\0\0", pad);
    b.len = 0;
    buf_le32(&b, total);
    gen_write(g, b.b, b.len);
}

/* Closes the file; returns 0, or -1 if any write failed. */
static int gen_close(struct gen *g)
{
    if (g->f == NULL)
        return -1;
    if (fclose(g->f) != 0) {
        fprintf(stderr, "gen_samples: %s: %s\n", g->path, strerror(errno));
        g->failed = true;
    }
    g->f = NULL;
    return g->failed ? -1 : 0;
}

static void gen_sleep(struct gen *g, uint64_t usec)
{
    g->now_usec += usec;
}

/* ---- link, IP and L4 assembly ------------------------------------------ */

static void emit_tunneled(struct gen *g, const struct link *lk, const struct host *src,
                          const struct host *dst, const struct buf *ip);

/* Wraps an IP packet in the link header (and the link's tunnel, if any) and
 * writes it. */
static void emit_l3(struct gen *g, const struct link *lk, const struct host *src,
                    const struct host *dst, const struct buf *ip)
{
    if (lk->tun != NULL) {
        emit_tunneled(g, lk, src, dst, ip);
        return;
    }
    struct buf f = { .len = 0 };
    unsigned ethertype = src->family == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
    switch (lk->kind) {
    case LINK_ETH:
    case LINK_ETH_VLAN:
        buf_put(&f, dst->mac, 6);
        buf_put(&f, src->mac, 6);
        if (lk->kind == LINK_ETH_VLAN) {
            buf_be16(&f, ETHERTYPE_VLAN);
            buf_be16(&f, lk->vlan_id & 0x0fffu); /* PCP 0, DEI 0 */
        }
        buf_be16(&f, ethertype);
        buf_put(&f, ip->b, ip->len);
        while (f.len < ETH_MIN_FRAME && !f.overflow)
            buf_u8(&f, 0);
        break;
    case LINK_SLL2:
        buf_be16(&f, ethertype);
        buf_be16(&f, 0);
        buf_be32(&f, lk->sll2_ifindex);
        buf_be16(&f, 1);                        /* ARPHRD_ETHER */
        buf_u8(&f, src == lk->local ? 4u : 0u); /* PACKET_OUTGOING / PACKET_HOST */
        buf_u8(&f, 6);
        buf_put(&f, src->mac, 6);
        buf_put(&f, "\0\0", 2);
        buf_put(&f, ip->b, ip->len);
        break;
    case LINK_RAW:
        buf_put(&f, ip->b, ip->len);
        break;
    }
    gen_frame(g, lk->ifid, &f);
}

/* Builds the IPv4 header for an L4 payload of l4_len bytes. frag_field is
 * the flags/fragment-offset word (DF, MF, offset in 8-byte units). */
static void ipv4_header(struct buf *ip, struct host *src, const struct host *dst, unsigned proto,
                        size_t l4_len, unsigned frag_field, uint16_t id)
{
    size_t start = ip->len;
    buf_u8(ip, 0x45);
    buf_u8(ip, 0);
    buf_be16(ip, (unsigned)(20 + l4_len));
    buf_be16(ip, id);
    buf_be16(ip, frag_field);
    buf_u8(ip, 64);
    buf_u8(ip, proto);
    buf_be16(ip, 0);
    buf_put(ip, src->ip, 4);
    buf_put(ip, dst->ip, 4);
    if (!ip->overflow)
        buf_set_be16(ip, start + 10, csum_fold(csum_add(0, ip->b + start, 20)));
}

/* Fills in the L4 checksum of l4 (TCP at 16, UDP at 6, ICMP at 2) using
 * the pseudo-header of RFC 793 / RFC 768 / RFC 8200 section 8.1. */
static void l4_checksum(struct buf *l4, const struct host *src, const struct host *dst,
                        unsigned proto)
{
    size_t off = proto == IPPROTO_NUM_TCP ? 16 : proto == IPPROTO_NUM_UDP ? 6 : 2;
    buf_set_be16(l4, off, 0);
    if (l4->overflow)
        return;
    uint32_t sum = 0;
    if (proto != IPPROTO_NUM_ICMP) {
        size_t alen = src->family == 6 ? 16 : 4;
        uint8_t ph[8] = { 0 };
        sum = csum_add(sum, src->ip, alen);
        sum = csum_add(sum, dst->ip, alen);
        if (src->family == 6) {
            ph[0] = (uint8_t)(l4->len >> 24);
            ph[1] = (uint8_t)(l4->len >> 16);
            ph[2] = (uint8_t)(l4->len >> 8);
            ph[3] = (uint8_t)l4->len;
            ph[7] = (uint8_t)proto;
            sum = csum_add(sum, ph, 8);
        } else {
            ph[1] = (uint8_t)proto;
            ph[2] = (uint8_t)(l4->len >> 8);
            ph[3] = (uint8_t)l4->len;
            sum = csum_add(sum, ph, 4);
        }
    }
    uint16_t c = csum_fold(csum_add(sum, l4->b, l4->len));
    if (c == 0 && proto == IPPROTO_NUM_UDP)
        c = 0xffff; /* 0 means "no checksum" in UDP */
    buf_set_be16(l4, off, c);
}

/* Wraps the inner IP packet ip (src -> dst) in lk's tunnel headers: VXLAN
 * (outer UDP with a valid checksum, VXLAN header with the I flag and the VNI,
 * inner Ethernet), GRE version 0 with the key bit and key, IP-in-IP
 * (protocol 4 for IPv4 inside, 41 for IPv6), or a CAPWAP data channel (an
 * access point, outer_a, and its controller: 802.11 data frames to and from
 * the DS with LLC/SNAP, their frame control bytes swapped as Cisco
 * controllers send them and Wireshark reads them by default), then sends the
 * outer IPv4 packet between the tunnel endpoints on lk without its tunnel. */
static void emit_tunneled(struct gen *g, const struct link *lk, const struct host *src,
                          const struct host *dst, const struct buf *ip)
{
    struct tunnel *t = lk->tun;
    bool from_a = src == t->inner_a;
    bool to_b = from_a || t->mirror_id != 0; /* a mirror sends every copy one way */
    struct host *osrc = to_b ? t->outer_a : t->outer_b;
    struct host *odst = to_b ? t->outer_b : t->outer_a;
    unsigned inner_type = src->family == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
    struct buf p = { .len = 0 }; /* what the outer IP header carries */
    unsigned proto = IPPROTO_NUM_IPIP;
    switch (t->kind) {
    case TUN_VXLAN:
        proto = IPPROTO_NUM_UDP;
        buf_be16(&p, from_a ? t->a_port : UDP_PORT_VXLAN);
        buf_be16(&p, from_a ? UDP_PORT_VXLAN : t->a_port);
        buf_be16(&p, 0); /* length, set below */
        buf_be16(&p, 0);
        buf_be32(&p, 0x08000000u);  /* flags: I (VNI valid); reserved zero */
        buf_be32(&p, t->id << 8);   /* VNI, reserved byte */
        buf_put(&p, dst->mac, 6);   /* inner Ethernet */
        buf_put(&p, src->mac, 6);
        buf_be16(&p, inner_type);
        buf_put(&p, ip->b, ip->len);
        buf_set_be16(&p, 4, (unsigned)p.len);
        l4_checksum(&p, osrc, odst, IPPROTO_NUM_UDP);
        break;
    case TUN_GRE:
        proto = IPPROTO_NUM_GRE;
        buf_be16(&p, 0x2000u); /* K bit, version 0 */
        buf_be16(&p, inner_type);
        buf_be32(&p, from_a || t->mirror_id == 0 ? t->id : t->mirror_id);
        buf_put(&p, ip->b, ip->len);
        break;
    case TUN_IPIP:
        proto = src->family == 6 ? IPPROTO_NUM_IPV6 : IPPROTO_NUM_IPIP;
        buf_put(&p, ip->b, ip->len);
        break;
    case TUN_CAPWAP: {
        proto = IPPROTO_NUM_UDP;
        buf_be16(&p, from_a ? t->a_port : UDP_PORT_CAPWAP_DATA);
        buf_be16(&p, from_a ? UDP_PORT_CAPWAP_DATA : t->a_port);
        buf_be16(&p, 0); /* length, set below */
        buf_be16(&p, 0);
        /* preamble 0; HLEN 2 words, radio 0, binding 1 (802.11), T: native frame */
        buf_be32(&p, 2u << 19 | 1u << 9 | 0x100u);
        buf_be32(&p, 0); /* fragment id and offset */
        /* 802.11 data frame control, flags first (swapped): To DS from the
         * station behind the access point, From DS towards it */
        buf_u8(&p, from_a ? 0x01 : 0x02);
        buf_u8(&p, 0x08);
        buf_le16(&p, 0); /* duration */
        const uint8_t *bssid = t->outer_a->mac;
        if (from_a) { /* receiver (BSSID), transmitter (the station), destination */
            buf_put(&p, bssid, 6);
            buf_put(&p, src->mac, 6);
            buf_put(&p, dst->mac, 6);
        } else { /* receiver (the station), transmitter (BSSID), source */
            buf_put(&p, dst->mac, 6);
            buf_put(&p, bssid, 6);
            buf_put(&p, src->mac, 6);
        }
        buf_le16(&p, (unsigned)(t->id++ & 0xfff) << 4); /* sequence number, fragment 0 */
        buf_be32(&p, 0xaaaa0300u); /* LLC SNAP, RFC 1042 */
        buf_be16(&p, 0x0000);
        buf_be16(&p, inner_type);
        buf_put(&p, ip->b, ip->len);
        buf_set_be16(&p, 4, (unsigned)p.len);
        l4_checksum(&p, osrc, odst, IPPROTO_NUM_UDP);
        break;
    }
    }
    struct buf outer = { .len = 0 };
    ipv4_header(&outer, osrc, odst, proto, p.len, 0, osrc->ip_id);
    osrc->ip_id++;
    buf_put(&outer, p.b, p.len);
    struct link base = *lk;
    base.tun = NULL;
    emit_l3(g, &base, osrc, odst, &outer);
}

/* Builds the IP datagram carrying l4 (checksum filled in here) into ip. */
static void build_ip(struct buf *ip, struct host *src, const struct host *dst, unsigned proto,
                     struct buf *l4, unsigned ipflags)
{
    l4_checksum(l4, src, dst, proto);
    if (src->family == 4) {
        ipv4_header(ip, src, dst, proto, l4->len, (ipflags & IPF_DF) ? 0x4000u : 0u, src->ip_id);
        src->ip_id++;
    } else {
        size_t ext = (ipflags & IPF_HBH) ? 8 : 0;
        buf_be32(ip, 0x60000000u); /* version 6, traffic class 0, flow label 0 */
        buf_be16(ip, (unsigned)(ext + l4->len));
        buf_u8(ip, ext ? IPPROTO_NUM_HOPOPTS : proto);
        buf_u8(ip, 64);
        buf_put(ip, src->ip, 16);
        buf_put(ip, dst->ip, 16);
        if (ext) {
            /* hop-by-hop: next header, length 0 (8 bytes), PadN of 6 */
            static const uint8_t opts[6] = { 0x01, 0x04, 0x00, 0x00, 0x00, 0x00 };
            buf_u8(ip, proto);
            buf_u8(ip, 0);
            buf_put(ip, opts, sizeof(opts));
        }
    }
    buf_put(ip, l4->b, l4->len);
}

static void emit_ip(struct gen *g, const struct link *lk, struct host *src, const struct host *dst,
                    unsigned proto, struct buf *l4, unsigned ipflags, struct buf *ip_out)
{
    struct buf ip = { .len = 0 };
    build_ip(&ip, src, dst, proto, l4, ipflags);
    emit_l3(g, lk, src, dst, &ip);
    if (ip_out != NULL)
        *ip_out = ip;
}

/* Sends one UDP datagram (DF set). If ip_out is given it receives the IP
 * datagram, e.g. for an ICMP error to quote. */
static void udp_send(struct gen *g, const struct link *lk, struct host *src, unsigned sport,
                     struct host *dst, unsigned dport, const void *payload, size_t len,
                     struct buf *ip_out)
{
    struct buf u = { .len = 0 };
    buf_be16(&u, sport);
    buf_be16(&u, dport);
    buf_be16(&u, (unsigned)(8 + len));
    buf_be16(&u, 0);
    buf_put(&u, payload, len);
    emit_ip(g, lk, src, dst, IPPROTO_NUM_UDP, &u, IPF_DF, ip_out);
}

/* Sends an ICMPv4 destination-unreachable (type 3) with the given code from
 * src to dst, quoting the offending datagram (at most ICMP_MAX_QUOTE bytes). */
static void icmp_unreach(struct gen *g, const struct link *lk, struct host *src, struct host *dst,
                         unsigned code, const struct buf *quoted)
{
    struct buf m = { .len = 0 };
    buf_u8(&m, 3);
    buf_u8(&m, code);
    buf_be16(&m, 0);
    buf_be32(&m, 0); /* unused (no next-hop MTU) */
    buf_put(&m, quoted->b, quoted->len < ICMP_MAX_QUOTE ? quoted->len : ICMP_MAX_QUOTE);
    emit_ip(g, lk, src, dst, IPPROTO_NUM_ICMP, &m, 0, NULL);
}

/* Sends a UDP datagram of len payload bytes as IPv4 fragments of at most
 * frag_len payload bytes each (a multiple of 8), in the order given by
 * order[] (indexes of fragments, n_order of them, covering all). */
static void udp_send_fragmented(struct gen *g, const struct link *lk, struct host *src,
                                unsigned sport, struct host *dst, unsigned dport,
                                const void *payload, size_t len, size_t frag_len,
                                const unsigned *order, size_t n_order)
{
    struct buf u = { .len = 0 };
    buf_be16(&u, sport);
    buf_be16(&u, dport);
    buf_be16(&u, (unsigned)(8 + len));
    buf_be16(&u, 0);
    buf_put(&u, payload, len);
    l4_checksum(&u, src, dst, IPPROTO_NUM_UDP);
    uint16_t id = src->ip_id++;
    for (size_t i = 0; i < n_order; i++) {
        size_t off = (size_t)order[i] * frag_len;
        if (off >= u.len)
            continue;
        size_t n = u.len - off < frag_len ? u.len - off : frag_len;
        bool more = off + n < u.len;
        struct buf ip = { .len = 0 };
        ipv4_header(&ip, src, dst, IPPROTO_NUM_UDP, n, (more ? 0x2000u : 0u) | (unsigned)(off / 8),
                    id);
        buf_put(&ip, u.b + off, n);
        emit_l3(g, lk, src, dst, &ip);
        gen_sleep(g, 15);
    }
}

/* ---- TCP conversation scripting -------------------------------------- */

enum dir { C2S = 0, S2C = 1 };

#define SEG_KEEP 2048 /* bytes of the last data segment kept for retransmission */

struct tcp_side {
    struct host *host;
    uint16_t port;
    uint32_t isn;
    uint32_t snd_nxt;   /* next sequence number to send */
    uint32_t rcv_nxt;   /* what this side has received: its ACK number */
    bool rcv_valid;     /* rcv_nxt is known (a SYN was received) */
    uint32_t ts_base;   /* TSval = now_ms + ts_base */
    uint32_t ts_recent; /* last TSval received: our TSecr */
    uint16_t window;    /* raw window field once established */
    /* delivery held back while the conversation is in hold mode */
    bool pend;
    uint32_t pend_end, pend_ts;
    bool pend_syn;
    /* last data segment sent, for conv_retransmit */
    uint32_t last_seq;
    size_t last_len;
    uint8_t last_payload[SEG_KEEP];
};

struct tcp_conv {
    struct gen *g;
    const struct link *link;
    struct tcp_side side[2];
    uint32_t rtt_usec; /* round trip between the tap's far side and back */
    enum dir near;     /* the side next to the tap: its replies come fast */
    int last_dir;      /* direction of the previous packet, -1 before the first */
    bool hold;         /* crossing packets: deliveries wait for conv_release */
    unsigned ipflags;
    uint16_t mss;
};

/* Creates a conversation client:cport -> server:sport with the given ISNs.
 * The tap sits next to `near`; rtt_usec is the round-trip to the far side. */
static struct tcp_conv conv_make(struct gen *g, const struct link *lk, struct host *client,
                                 unsigned cport, uint32_t c_isn, struct host *server,
                                 unsigned sport, uint32_t s_isn, enum dir near, uint32_t rtt_usec)
{
    struct tcp_conv c = { .g = g, .link = lk, .rtt_usec = rtt_usec, .near = near, .last_dir = -1 };
    c.side[C2S].host = client;
    c.side[C2S].port = (uint16_t)cport;
    c.side[C2S].isn = c_isn;
    c.side[S2C].host = server;
    c.side[S2C].port = (uint16_t)sport;
    c.side[S2C].isn = s_isn;
    for (int i = 0; i < 2; i++) {
        struct tcp_side *s = &c.side[i];
        s->snd_nxt = s->isn;
        s->window = TCP_WIN_EST;
        s->ts_base = s->isn >> 8; /* arbitrary but fixed per side */
    }
    c.ipflags = client->family == 4 ? IPF_DF : 0;
    c.mss = client->family == 4 ? 1460 : 1440;
    return c;
}

static bool seq_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

static void side_receive(struct tcp_side *rx, uint32_t end, uint32_t tsval, bool syn)
{
    if (syn && !rx->rcv_valid) {
        rx->rcv_nxt = end;
        rx->rcv_valid = true;
    } else if (rx->rcv_valid && seq_after(end, rx->rcv_nxt)) {
        rx->rcv_nxt = end;
    }
    rx->ts_recent = tsval;
}

static void conv_deliver(struct tcp_conv *c, enum dir d, uint32_t end, uint32_t tsval, bool syn)
{
    struct tcp_side *rx = &c->side[1 - d];
    if (!c->hold) {
        side_receive(rx, end, tsval, syn);
        return;
    }
    if (!rx->pend || seq_after(end, rx->pend_end))
        rx->pend_end = end;
    rx->pend_ts = tsval;
    rx->pend_syn = rx->pend_syn || syn;
    rx->pend = true;
}

/* Crossing packets: from conv_hold until conv_release, segments are on the
 * wire but not yet received, so ACK numbers do not move. */
static void conv_hold(struct tcp_conv *c)
{
    c->hold = true;
}

static void conv_release(struct tcp_conv *c)
{
    c->hold = false;
    for (int i = 0; i < 2; i++) {
        struct tcp_side *rx = &c->side[i];
        if (rx->pend)
            side_receive(rx, rx->pend_end, rx->pend_ts, rx->pend_syn);
        rx->pend = false;
        rx->pend_syn = false;
    }
}

/* Advances the clock for a packet from d: a full RTT when the far side
 * answers the near side, a short turnaround otherwise. */
static void conv_clock(struct tcp_conv *c, enum dir d)
{
    if (c->last_dir < 0)
        return;
    if ((int)d == c->last_dir)
        gen_sleep(c->g, 40);
    else if (d != c->near)
        gen_sleep(c->g, c->rtt_usec);
    else
        gen_sleep(c->g, 120);
}

enum { SEG_SYN_OPTS = 1, SEG_NO_OPTS = 2, SEG_NO_DELIVER = 4 };

/* Writes one segment from d. len counts payload bytes only. */
static void conv_segment(struct tcp_conv *c, enum dir d, uint32_t seq, unsigned flags,
                         const uint8_t *payload, size_t len, unsigned mode)
{
    struct tcp_side *tx = &c->side[d];
    struct tcp_side *peer = &c->side[1 - d];
    conv_clock(c, d);
    c->last_dir = (int)d;
    uint32_t tsval = (uint32_t)(c->g->now_usec / 1000u) + tx->ts_base;
    struct buf t = { .len = 0 };
    size_t optlen = (mode & SEG_SYN_OPTS) ? 20 : (mode & SEG_NO_OPTS) ? 0 : 12;
    unsigned window = tx->window;
    if (flags & TCP_SYN)
        window = (flags & TCP_ACK) ? TCP_WIN_SYNACK : TCP_WIN_SYN;
    if (flags & TCP_RST)
        window = 0;
    buf_be16(&t, tx->port);
    buf_be16(&t, peer->port);
    buf_be32(&t, seq);
    buf_be32(&t, (flags & TCP_ACK) ? tx->rcv_nxt : 0);
    buf_u8(&t, (unsigned)((20 + optlen) / 4) << 4);
    buf_u8(&t, flags);
    buf_be16(&t, window);
    buf_be16(&t, 0); /* checksum, filled in later */
    buf_be16(&t, 0); /* urgent pointer */
    if (mode & SEG_SYN_OPTS) {
        buf_u8(&t, 2); /* MSS */
        buf_u8(&t, 4);
        buf_be16(&t, c->mss);
        buf_u8(&t, 4); /* SACK permitted */
        buf_u8(&t, 2);
    } else if (optlen) {
        buf_u8(&t, 1);
        buf_u8(&t, 1);
    }
    if (optlen) {
        buf_u8(&t, 8); /* timestamps */
        buf_u8(&t, 10);
        buf_be32(&t, tsval);
        buf_be32(&t, tx->ts_recent);
    }
    if (mode & SEG_SYN_OPTS) {
        buf_u8(&t, 1); /* NOP, then window scale */
        buf_u8(&t, 3);
        buf_u8(&t, 3);
        buf_u8(&t, TCP_WSCALE);
    }
    buf_put(&t, payload, len);
    emit_ip(c->g, c->link, tx->host, peer->host, IPPROTO_NUM_TCP, &t, c->ipflags, NULL);
    if (!(mode & SEG_NO_DELIVER) && !(flags & TCP_RST)) {
        uint32_t end = seq + (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
        conv_deliver(c, d, end, tsval, (flags & TCP_SYN) != 0);
    }
}

/* SYN from d (with ACK: SYN-ACK). Always seq = ISN, so a repeated call is
 * a retransmission with the same ISN. */
static void conv_syn_from(struct tcp_conv *c, enum dir d, bool with_ack)
{
    struct tcp_side *tx = &c->side[d];
    tx->snd_nxt = tx->isn + 1;
    conv_segment(c, d, tx->isn, TCP_SYN | (with_ack ? TCP_ACK : 0u), NULL, 0, SEG_SYN_OPTS);
}

static void conv_syn(struct tcp_conv *c)
{
    conv_syn_from(c, C2S, false);
}

static void conv_synack(struct tcp_conv *c)
{
    conv_syn_from(c, S2C, true);
}

/* Pure ACK from d. */
static void conv_ack(struct tcp_conv *c, enum dir d)
{
    conv_segment(c, d, c->side[d].snd_nxt, TCP_ACK, NULL, 0, 0);
}

/* The three-way handshake. */
static void conv_handshake(struct tcp_conv *c)
{
    conv_syn(c);
    conv_synack(c);
    conv_ack(c, C2S);
}

/* One data segment of n bytes from d at snd_nxt, kept for conv_retransmit. */
static void conv_send_segment(struct tcp_conv *c, enum dir d, const uint8_t *p, size_t n, bool psh)
{
    struct tcp_side *tx = &c->side[d];
    tx->last_seq = tx->snd_nxt;
    tx->last_len = n < SEG_KEEP ? n : SEG_KEEP;
    memcpy(tx->last_payload, p, tx->last_len);
    tx->snd_nxt += (uint32_t)n;
    conv_segment(c, d, tx->last_seq, TCP_ACK | (psh ? TCP_PSH : 0u), p, n, 0);
}

/* Sends payload from d in MSS-sized ACK segments, PSH on the last. */
static void conv_send(struct tcp_conv *c, enum dir d, const void *payload, size_t len)
{
    const uint8_t *p = payload;
    size_t seg_max = (size_t)c->mss - 12;
    do {
        size_t n = len < seg_max ? len : seg_max;
        conv_send_segment(c, d, p, n, n == len);
        p += n;
        len -= n;
    } while (len > 0);
}

/* Filler text: byte k of a side's stream is fixed, so probes and
 * retransmissions repeat the same bytes. */
static uint8_t filler_byte(uint32_t stream_off)
{
    static const char pat[] = "The quick brown fox jumps over the lazy dog 0123456789.\n";
    return (uint8_t)pat[stream_off % (sizeof(pat) - 1)];
}

/* Sends len bytes of filler text from d, PSH on the last segment. */
static void conv_data(struct tcp_conv *c, enum dir d, size_t len)
{
    uint8_t seg[1500];
    struct tcp_side *tx = &c->side[d];
    size_t seg_max = (size_t)c->mss - 12;
    while (len > 0) {
        size_t n = len < seg_max ? len : seg_max;
        uint32_t off = tx->snd_nxt - tx->isn - 1;
        for (size_t i = 0; i < n; i++)
            seg[i] = filler_byte(off + (uint32_t)i);
        conv_send_segment(c, d, seg, n, n == len);
        len -= n;
    }
}

/* Resends the last data segment from d (same seq and bytes). */
static void conv_retransmit(struct tcp_conv *c, enum dir d)
{
    struct tcp_side *tx = &c->side[d];
    conv_segment(c, d, tx->last_seq, TCP_ACK | TCP_PSH, tx->last_payload, tx->last_len, 0);
}

/* FIN-ACK from d. */
static void conv_fin(struct tcp_conv *c, enum dir d)
{
    struct tcp_side *tx = &c->side[d];
    uint32_t seq = tx->snd_nxt++;
    conv_segment(c, d, seq, TCP_FIN | TCP_ACK, NULL, 0, 0);
}

/* RST-ACK from d at its next sequence number (abortive close, or the
 * answer of a closed port when d never sent a SYN). */
static void conv_rst(struct tcp_conv *c, enum dir d)
{
    conv_segment(c, d, c->side[d].snd_nxt, TCP_RST | TCP_ACK, NULL, 0, SEG_NO_OPTS);
}

/* Keep-alive from d: no data, seq one below snd_nxt (Linux style). */
static void conv_keepalive(struct tcp_conv *c, enum dir d)
{
    conv_segment(c, d, c->side[d].snd_nxt - 1, TCP_ACK, NULL, 0, SEG_NO_DELIVER);
}

/* Zero-window probe from d: the next byte of the stream, which the peer
 * (window 0) does not accept, so snd_nxt does not move. */
static void conv_window_probe(struct tcp_conv *c, enum dir d)
{
    struct tcp_side *tx = &c->side[d];
    uint8_t b = filler_byte(tx->snd_nxt - tx->isn - 1);
    conv_segment(c, d, tx->snd_nxt, TCP_ACK, &b, 1, SEG_NO_DELIVER);
}

static void conv_set_window(struct tcp_conv *c, enum dir d, unsigned raw_window)
{
    c->side[d].window = (uint16_t)raw_window;
}

/* Starts a conversation as if its handshake happened before the capture
 * (midstream): both sides are past their SYNs. */
static void conv_assume_established(struct tcp_conv *c)
{
    for (int i = 0; i < 2; i++) {
        c->side[i].snd_nxt = c->side[i].isn + 1;
        c->side[1 - i].rcv_nxt = c->side[i].isn + 1;
        c->side[1 - i].rcv_valid = true;
        c->side[1 - i].ts_recent = c->side[i].ts_base;
    }
}

/* ---- application payloads -------------------------------------------- */

static void http_get(struct buf *b, const char *host, const char *path)
{
    buf_str(b, "GET ");
    buf_str(b, path);
    buf_str(b, " HTTP/1.1\r\nHost: ");
    buf_str(b, host);
    buf_str(b, "\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n");
}

static void http_ok(struct buf *b, const char *body)
{
    char len[32];
    snprintf(len, sizeof(len), "%zu", strlen(body));
    buf_str(b, "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: ");
    buf_str(b, len);
    buf_str(b, "\r\n\r\n");
    buf_str(b, body);
}

/* DNS name in label form (RFC 1035 section 3.1). */
static void dns_name(struct buf *b, const char *name)
{
    while (*name != '\0') {
        const char *dot = strchr(name, '.');
        size_t n = dot != NULL ? (size_t)(dot - name) : strlen(name);
        buf_u8(b, (unsigned)n);
        buf_put(b, name, n);
        name += n;
        if (*name == '.')
            name++;
    }
    buf_u8(b, 0);
}

/* A DNS query (qtype 1 = A, 28 = AAAA) or, with answer != NULL, its
 * response with one record of alen bytes and TTL 300. */
static void dns_message(struct buf *b, unsigned id, const char *name, unsigned qtype,
                        const uint8_t *answer, size_t alen)
{
    buf_be16(b, id);
    buf_be16(b, answer != NULL ? 0x8180u : 0x0100u); /* response+RD+RA / RD */
    buf_be16(b, 1);
    buf_be16(b, answer != NULL ? 1u : 0u);
    buf_be16(b, 0);
    buf_be16(b, 0);
    dns_name(b, name);
    buf_be16(b, qtype);
    buf_be16(b, 1);
    if (answer != NULL) {
        buf_be16(b, 0xc00cu); /* pointer to the question name */
        buf_be16(b, qtype);
        buf_be16(b, 1);
        buf_be32(b, 300);
        buf_be16(b, (unsigned)alen);
        buf_put(b, answer, alen);
    }
}

/* One DNS query from client and the answer from server. */
static void dns_exchange(struct gen *g, const struct link *lk, struct host *client, unsigned cport,
                         struct host *server, unsigned id, const char *name, unsigned qtype,
                         const uint8_t *answer, size_t alen, uint64_t rtt_usec)
{
    struct buf q = { .len = 0 }, r = { .len = 0 };
    dns_message(&q, id, name, qtype, NULL, 0);
    dns_message(&r, id, name, qtype, answer, alen);
    udp_send(g, lk, client, cport, server, 53, q.b, q.len, NULL);
    gen_sleep(g, rtt_usec);
    udp_send(g, lk, server, 53, client, cport, r.b, r.len, NULL);
}

/* NTP timestamp (seconds since 1900, 32.32 fixed point) for a capture time. */
static void ntp_ts(struct buf *b, uint64_t now_usec)
{
    uint64_t sec = BASE_TS_SEC + 2208988800u + now_usec / 1000000u;
    uint64_t frac = ((now_usec % 1000000u) << 32) / 1000000u;
    buf_be32(b, (uint32_t)sec);
    buf_be32(b, (uint32_t)frac);
}

/* Deterministic pseudo-random bytes (xorshift32) for encrypted-looking
 * payloads. */
static void prng_fill(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed != 0 ? seed : 1u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)(x >> 24);
    }
}

/* ---- the captures ------------------------------------------------------ */

/* 1. The workstation 192.168.1.2 of "what is the difference between a port
 * and a socket": two ESTABLISHED sockets to 203.0.113.80:80 from two
 * ephemeral ports, two SYN_SENT sockets to 198.51.100.25:80. */
static int write_port_vs_socket_client(const char *dir)
{
    struct gen g;
    if (gen_open(&g, dir, "port-vs-socket-client.pcap", false, LINKTYPE_ETHERNET) != 0)
        return -1;
    struct host gw = host_v4(192, 168, 1, 1, NULL, 0);
    struct host ws = host_v4(192, 168, 1, 2, NULL, 0x3a10);
    struct host web = host_v4(203, 0, 113, 80, gw.mac, 0x7700);
    struct host dead = host_v4(198, 51, 100, 25, gw.mac, 0);
    struct link lk = { .kind = LINK_ETH };
    struct tcp_conv a =
        conv_make(&g, &lk, &ws, 49152, 0x1f3a6b01u, &web, 80, 0x8c2d4e11u, C2S, 24000);
    struct tcp_conv b =
        conv_make(&g, &lk, &ws, 49153, 0x5d0e7702u, &web, 80, 0x2b6f9a22u, C2S, 24000);
    struct buf req = { .len = 0 }, rsp = { .len = 0 };
    http_get(&req, "www.example.com", "/");
    http_ok(&rsp, "<html><body><h1>It works</h1></body></html>\n");

    conv_handshake(&a);
    conv_send(&a, C2S, req.b, req.len);
    gen_sleep(&g, 3000);
    conv_handshake(&b); /* a second socket to the same server port */
    conv_send(&b, C2S, req.b, req.len);
    conv_send(&a, S2C, rsp.b, rsp.len);
    conv_ack(&a, C2S);
    conv_send(&b, S2C, rsp.b, rsp.len);
    conv_ack(&b, C2S);

    gen_sleep(&g, 500000);
    struct tcp_conv c = conv_make(&g, &lk, &ws, 49154, 0x77a1c303u, &dead, 80, 0, C2S, 30000);
    struct tcp_conv d = conv_make(&g, &lk, &ws, 49155, 0x0c4be504u, &dead, 80, 0, C2S, 30000);
    conv_syn(&c);
    gen_sleep(&g, 200000);
    conv_syn(&d);
    gen_sleep(&g, 800000);
    conv_syn(&c); /* retransmission after 1 s, same ISN */
    return gen_close(&g);
}

/* 2. One server socket 10.0.0.5:9001 (LISTEN) and six accepted sockets
 * sharing its local port, from six different remote sockets. */
static int write_port_vs_socket_server(const char *dir)
{
    static const struct {
        size_t host; /* index into remote[] */
        unsigned port;
        uint32_t c_isn, s_isn;
    } peers[6] = {
        { 0, 50001, 0x10000001u, 0xa0000001u }, { 1, 50002, 0x20000002u, 0xb0000002u },
        { 1, 50003, 0x30000003u, 0xc0000003u }, /* same host, second port */
        { 2, 41000, 0x40000004u, 0xd0000004u }, { 3, 33333, 0x50000005u, 0xe0000005u },
        { 4, 60000, 0x60000006u, 0xf0000006u },
    };
    struct gen g;
    if (gen_open(&g, dir, "port-vs-socket-server.pcap", false, LINKTYPE_ETHERNET) != 0)
        return -1;
    struct host router = host_v4(10, 0, 0, 1, NULL, 0);
    struct host srv = host_v4(10, 0, 0, 5, NULL, 0x4c00);
    struct host remote[5] = {
        host_v4(10, 0, 1, 11, router.mac, 0x1100),  host_v4(10, 0, 1, 12, router.mac, 0x1200),
        host_v4(10, 0, 1, 13, router.mac, 0x1300),  host_v4(10, 0, 2, 21, router.mac, 0x2100),
        host_v4(172, 16, 5, 9, router.mac, 0x0900),
    };
    struct link lk = { .kind = LINK_ETH };
    for (size_t i = 0; i < 6; i++) {
        struct tcp_conv c =
            conv_make(&g, &lk, &remote[peers[i].host], peers[i].port, peers[i].c_isn, &srv, 9001,
                      peers[i].s_isn, S2C, 1500 + 700 * (uint32_t)i);
        char line[64];
        conv_handshake(&c);
        snprintf(line, sizeof(line), "HELLO from client %zu\n", i + 1);
        conv_send(&c, C2S, line, strlen(line));
        snprintf(line, sizeof(line), "WELCOME client %zu, you are connection %zu\n", i + 1, i + 1);
        conv_send(&c, S2C, line, strlen(line));
        conv_ack(&c, C2S);
        gen_sleep(&g, 250000);
    }
    return gen_close(&g);
}

/* 3. The worked examples of DESIGN.md ("Worked examples ... for
 * synthetic.pcap"), client 10.0.0.1, server 10.0.0.2. */
static int write_synthetic(const char *dir)
{
    struct gen g;
    if (gen_open(&g, dir, "synthetic.pcap", false, LINKTYPE_ETHERNET) != 0)
        return -1;
    struct host cli = host_v4(10, 0, 0, 1, NULL, 0x1100);
    struct host srv = host_v4(10, 0, 0, 2, NULL, 0x2200);
    struct link lk = { .kind = LINK_ETH };
    struct buf req = { .len = 0 }, rsp = { .len = 0 };
    http_get(&req, "10.0.0.2", "/index.html");
    http_ok(&rsp, "<html><body>synthetic</body></html>\n");

    /* (a) Zeek history ShADdtFf, conn_state SF: full HTTP connection, the
     * server retransmits its response once (the client's ACK came late),
     * client FIN first, then server FIN; the server never sends a pure ACK. */
    struct tcp_conv a =
        conv_make(&g, &lk, &cli, 50000, 0x0a000001u, &srv, 80, 0x0b000001u, C2S, 800);
    conv_handshake(&a);
    conv_send(&a, C2S, req.b, req.len);
    conv_send(&a, S2C, rsp.b, rsp.len);
    gen_sleep(&g, 200000);
    conv_retransmit(&a, S2C);
    conv_ack(&a, C2S);
    gen_sleep(&g, 5000);
    conv_fin(&a, C2S);
    conv_fin(&a, S2C);
    conv_ack(&a, C2S);

    /* (b) Zeek history ShAR, conn_state RSTO: the same 5-tuple 30 s later,
     * incarnation 2 with a new ISN; the client aborts with RST. */
    gen_sleep(&g, 30000000);
    struct tcp_conv b =
        conv_make(&g, &lk, &cli, 50000, 0x0a100002u, &srv, 80, 0x0b100002u, C2S, 800);
    conv_handshake(&b);
    gen_sleep(&g, 10000);
    conv_rst(&b, C2S);

    /* (c) Zeek history Sr, conn_state REJ: SYN to closed port 81 answered
     * by RST-ACK (seq 0, ack = ISN + 1). */
    gen_sleep(&g, 2000000);
    struct tcp_conv c = conv_make(&g, &lk, &cli, 50001, 0x0a200003u, &srv, 81, 0, C2S, 800);
    conv_syn(&c);
    conv_rst(&c, S2C);

    /* (d) UDP 10.0.0.1:40000 -> 10.0.0.2:5300, closed: Zeek history D,
     * conn_state S0; the ICMP port unreachable quoting it is a separate
     * icmp conn 10.0.0.2:3 -> 10.0.0.1:3, OTH. */
    gen_sleep(&g, 2000000);
    {
        static const char probe[] = "probe to a closed UDP port\n";
        struct buf sent = { .len = 0 };
        udp_send(&g, &lk, &cli, 40000, &srv, 5300, probe, sizeof(probe) - 1, &sent);
        gen_sleep(&g, 400);
        icmp_unreach(&g, &lk, &srv, &cli, 3, &sent);
    }

    /* (e) Zeek history ^dA, conn_state OTH: midstream SSH, the first packet
     * seen is server 22 -> client 50123 data, then the client ACKs; Zeek
     * flips (22 is a likely server port, 50123 is not). */
    gen_sleep(&g, 2000000);
    {
        struct tcp_conv e =
            conv_make(&g, &lk, &cli, 50123, 0x0a300004u, &srv, 22, 0x0b300004u, C2S, 800);
        uint8_t enc[84];
        conv_assume_established(&e);
        e.side[C2S].snd_nxt += 2120; /* bytes exchanged before the capture began */
        e.side[S2C].rcv_nxt = e.side[C2S].snd_nxt;
        e.side[S2C].snd_nxt += 3544;
        e.side[C2S].rcv_nxt = e.side[S2C].snd_nxt;
        e.last_dir = C2S; /* the client's request went by before the capture */
        prng_fill(enc, sizeof(enc), 0x55aa1234u);
        conv_send(&e, S2C, enc, sizeof(enc));
        conv_ack(&e, C2S);
    }
    return gen_close(&g);
}

/* 4. TCP life-cycle cases, server 10.0.0.2 on a LAN (tap next to it). */
static int write_lifecycle(const char *dir)
{
    struct gen g;
    if (gen_open(&g, dir, "lifecycle.pcap", false, LINKTYPE_ETHERNET) != 0)
        return -1;
    struct host gw = host_v4(10, 0, 0, 254, NULL, 0);
    struct host h1 = host_v4(10, 0, 0, 1, NULL, 0x0100);
    struct host srv = host_v4(10, 0, 0, 2, NULL, 0x0200);
    struct host h3 = host_v4(10, 0, 0, 3, NULL, 0x0300);
    struct host h4 = host_v4(10, 0, 0, 4, NULL, 0x0400);
    struct host h5 = host_v4(10, 0, 0, 5, NULL, 0x0500);
    struct link lk = { .kind = LINK_ETH };
    const uint32_t rtt = 300;

    /* L1 simultaneous open 10.0.0.1:7001 <-> 10.0.0.2:7002: the SYNs cross,
     * then the SYN-ACKs cross; data both ways, ordinary close. */
    struct tcp_conv l1 =
        conv_make(&g, &lk, &h1, 7001, 0x11000001u, &srv, 7002, 0x22000001u, S2C, rtt);
    conv_hold(&l1);
    conv_syn_from(&l1, C2S, false);
    conv_syn_from(&l1, S2C, false);
    conv_release(&l1);
    conv_hold(&l1);
    conv_syn_from(&l1, C2S, true);
    conv_syn_from(&l1, S2C, true);
    conv_release(&l1);
    conv_data(&l1, C2S, 120);
    conv_data(&l1, S2C, 80);
    conv_fin(&l1, C2S);
    conv_fin(&l1, S2C);
    conv_ack(&l1, C2S);

    /* L2 simultaneous close 10.0.0.1:50010 -> :7777: the FINs cross, each
     * side then ACKs the other's FIN (CLOSING, then TIME_WAIT on both). */
    gen_sleep(&g, 1000000);
    struct tcp_conv l2 =
        conv_make(&g, &lk, &h1, 50010, 0x11000002u, &srv, 7777, 0x22000002u, S2C, rtt);
    conv_handshake(&l2);
    conv_data(&l2, C2S, 64);
    conv_data(&l2, S2C, 64);
    conv_ack(&l2, C2S);
    conv_hold(&l2);
    conv_fin(&l2, C2S);
    conv_fin(&l2, S2C);
    conv_release(&l2);
    conv_ack(&l2, C2S);
    conv_ack(&l2, S2C);

    /* L3 half-close 10.0.0.1:50011 -> :7777: the client sends its request
     * and shuts down writing; the server ACKs the FIN, keeps sending data,
     * then closes. */
    gen_sleep(&g, 1000000);
    struct tcp_conv l3 =
        conv_make(&g, &lk, &h1, 50011, 0x11000003u, &srv, 7777, 0x22000003u, S2C, rtt);
    conv_handshake(&l3);
    conv_data(&l3, C2S, 40);
    conv_fin(&l3, C2S);
    conv_ack(&l3, S2C);
    conv_data(&l3, S2C, 1000);
    conv_ack(&l3, C2S);
    conv_data(&l3, S2C, 1000);
    conv_data(&l3, S2C, 500);
    conv_ack(&l3, C2S);
    conv_fin(&l3, S2C);
    conv_ack(&l3, C2S);

    /* L4 CLOSE_WAIT 10.0.0.3:50020 -> :7777: the server closes, the client
     * ACKs the FIN but never closes (client CLOSE_WAIT, server FIN_WAIT_2). */
    gen_sleep(&g, 1000000);
    struct tcp_conv l4 =
        conv_make(&g, &lk, &h3, 50020, 0x33000004u, &srv, 7777, 0x22000004u, S2C, rtt);
    conv_handshake(&l4);
    conv_data(&l4, C2S, 30);
    conv_data(&l4, S2C, 200);
    conv_fin(&l4, S2C);
    conv_ack(&l4, C2S);

    /* L5 FIN_WAIT_2 10.0.0.3:50021 -> :7777: the client closes, the server
     * ACKs but never closes (client FIN_WAIT_2, server CLOSE_WAIT). */
    gen_sleep(&g, 1000000);
    struct tcp_conv l5 =
        conv_make(&g, &lk, &h3, 50021, 0x33000005u, &srv, 7777, 0x22000005u, S2C, rtt);
    conv_handshake(&l5);
    conv_data(&l5, C2S, 30);
    conv_data(&l5, S2C, 30);
    conv_fin(&l5, C2S);
    conv_ack(&l5, S2C);

    /* L6 zero window and keep-alive 10.0.0.4:50030 -> :7777: the client
     * stops reading, advertises window 0, the server probes twice, the
     * client opens the window again; later, after 45 s idle, the client
     * sends a keep-alive that the server ACKs. */
    gen_sleep(&g, 1000000);
    struct tcp_conv l6 =
        conv_make(&g, &lk, &h4, 50030, 0x44000006u, &srv, 7777, 0x22000006u, S2C, rtt);
    conv_handshake(&l6);
    conv_data(&l6, C2S, 20);
    conv_data(&l6, S2C, 4 * 1448);
    conv_set_window(&l6, C2S, 20); /* 2560 bytes */
    conv_ack(&l6, C2S);
    conv_data(&l6, S2C, 2560);
    conv_set_window(&l6, C2S, 0);
    conv_ack(&l6, C2S);
    gen_sleep(&g, 200000);
    conv_window_probe(&l6, S2C);
    conv_ack(&l6, C2S);
    gen_sleep(&g, 400000);
    conv_window_probe(&l6, S2C);
    conv_ack(&l6, C2S);
    gen_sleep(&g, 300000);
    conv_set_window(&l6, C2S, TCP_WIN_EST);
    conv_ack(&l6, C2S); /* window update */
    conv_data(&l6, S2C, 1448);
    conv_ack(&l6, C2S);

    /* L7 5-tuple reuse within TIME_WAIT 10.0.0.1:50040 -> :7777: the client
     * closes first (it enters TIME_WAIT), and 10 s later a new SYN with a
     * higher ISN opens the same 5-tuple again. */
    gen_sleep(&g, 1000000);
    struct tcp_conv l7 =
        conv_make(&g, &lk, &h1, 50040, 0x11000007u, &srv, 7777, 0x22000007u, S2C, rtt);
    conv_handshake(&l7);
    conv_data(&l7, C2S, 50);
    conv_data(&l7, S2C, 50);
    conv_fin(&l7, C2S);
    conv_fin(&l7, S2C);
    conv_ack(&l7, C2S);
    gen_sleep(&g, 10000000);
    struct tcp_conv l7b =
        conv_make(&g, &lk, &h1, 50040, 0x11200007u, &srv, 7777, 0x22200007u, S2C, rtt);
    conv_handshake(&l7b);
    conv_data(&l7b, C2S, 50);
    conv_data(&l7b, S2C, 50);
    conv_fin(&l7b, C2S);
    conv_fin(&l7b, S2C);
    conv_ack(&l7b, C2S);

    /* L8 SYN flood on 10.0.0.2:8765: one good connection from 10.0.0.5,
     * then five spoofed SYNs the server answers (SYN-ACK, retransmitted
     * after 1 s) and that are never ACKed: five SYN_RECV sockets. */
    gen_sleep(&g, 1000000);
    struct tcp_conv l8 =
        conv_make(&g, &lk, &h5, 50050, 0x55000008u, &srv, 8765, 0x22000008u, S2C, rtt);
    conv_handshake(&l8);
    conv_data(&l8, C2S, 100);
    conv_data(&l8, S2C, 100);
    conv_ack(&l8, C2S);
    {
        struct host spoof[5];
        struct tcp_conv f[5];
        for (unsigned i = 0; i < 5; i++) {
            spoof[i] = host_v4(198, 51, 100, 10 + 7 * i, gw.mac, (uint16_t)(0x9000u + i));
            f[i] = conv_make(&g, &lk, &spoof[i], 1025 + 4099 * i, 0x66000000u + 0x01010101u * i,
                             &srv, 8765, 0x77000000u + 0x00101011u * i, S2C, 40000);
        }
        gen_sleep(&g, 500000);
        for (unsigned i = 0; i < 5; i++) {
            conv_syn(&f[i]);
            conv_synack(&f[i]);
            gen_sleep(&g, 1000);
        }
        gen_sleep(&g, 1000000 - 5 * 1160);
        for (unsigned i = 0; i < 5; i++) {
            conv_synack(&f[i]); /* retransmitted SYN-ACK, same ISN */
            gen_sleep(&g, 1000);
        }
    }

    /* back to L6: the keep-alive after 45 s idle */
    gen_sleep(&g, 45000000);
    conv_keepalive(&l6, C2S);
    conv_ack(&l6, S2C);
    return gen_close(&g);
}

/* 5. pcapng with three link types: Ethernet + 802.1Q (fragmented UDP),
 * Linux SLL2 (DNS over IPv4), raw IP (IPv6 TCP with a hop-by-hop header). */
static int write_mixed_link(const char *dir)
{
    struct gen g;
    if (gen_open(&g, dir, "mixed-link.pcapng", true, 0) != 0)
        return -1;
    gen_add_iface(&g, LINKTYPE_ETHERNET, "eth0.100");
    gen_add_iface(&g, LINKTYPE_LINUX_SLL2, "any");
    gen_add_iface(&g, LINKTYPE_RAW, "tun0");
    struct host h1 = host_v4(10, 0, 0, 1, NULL, 0x6100);
    struct host h2 = host_v4(10, 0, 0, 2, NULL, 0x6200);
    struct host ns = host_v4(10, 0, 0, 53, NULL, 0x6500);
    struct host v6a = host_fd99(1), v6b = host_fd99(2);
    struct link eth = { .kind = LINK_ETH_VLAN, .ifid = 0, .vlan_id = 100 };
    struct link sll = { .kind = LINK_SLL2, .ifid = 1, .sll2_ifindex = 2, .local = &h1 };
    struct link raw = { .kind = LINK_RAW, .ifid = 2 };

    /* DNS A query and answer on the SLL2 interface */
    static const uint8_t addr_v4[4] = { 10, 0, 0, 2 };
    dns_exchange(&g, &sll, &h1, 41234, &ns, 0x4d31, "server.example.internal", 1, addr_v4, 4, 700);
    gen_sleep(&g, 1000);

    /* IPv6 TCP to port 443 on the raw interface, every packet with a
     * hop-by-hop header; payload shaped as TLS 1.2 application data records */
    struct tcp_conv t =
        conv_make(&g, &raw, &v6a, 51000, 0x0f990001u, &v6b, 443, 0x0f990002u, C2S, 900);
    t.ipflags = IPF_HBH;
    conv_handshake(&t);
    for (int i = 0; i < 2; i++) {
        uint8_t rec[5 + 96];
        size_t n = i == 0 ? 48 : 96;
        rec[0] = 23; /* application_data */
        rec[1] = 3;
        rec[2] = 3;
        rec[3] = (uint8_t)(n >> 8);
        rec[4] = (uint8_t)n;
        prng_fill(rec + 5, n, 0x1234u + (uint32_t)i);
        conv_send(&t, i == 0 ? C2S : S2C, rec, 5 + n);
    }
    conv_ack(&t, C2S);
    conv_fin(&t, C2S);
    conv_fin(&t, S2C);
    conv_ack(&t, C2S);
    gen_sleep(&g, 2000);

    /* a 3000-byte UDP datagram 10.0.0.1:40100 -> 10.0.0.2:7777 in three
     * IPv4 fragments on the VLAN interface, sent out of order (2, 0, 1) */
    {
        static const unsigned order[3] = { 2, 0, 1 };
        uint8_t big[3000];
        for (size_t i = 0; i < sizeof(big); i++)
            big[i] = filler_byte((uint32_t)i);
        udp_send_fragmented(&g, &eth, &h1, 40100, &h2, 7777, big, sizeof(big), 1480, order, 3);
    }
    return gen_close(&g);
}

/* 6. UDP services: DNS from three clients, NTP, a closed port (ICMP port
 * unreachable) and a filtered one (ICMP administratively prohibited). */
static int write_udp_services(const char *dir)
{
    struct gen g;
    if (gen_open(&g, dir, "udp-services.pcap", false, LINKTYPE_ETHERNET) != 0)
        return -1;
    struct host ns = host_v4(10, 0, 0, 53, NULL, 0x5300);
    struct host c1 = host_v4(10, 0, 0, 11, NULL, 0x0b00);
    struct host c2 = host_v4(10, 0, 0, 12, NULL, 0x0c00);
    struct host c3 = host_v4(10, 0, 0, 13, NULL, 0x0d00);
    struct host ntp = host_v4(10, 0, 0, 123, NULL, 0x7b00);
    struct host closed = host_v4(10, 0, 0, 20, NULL, 0x1400);
    struct host fw = host_v4(10, 0, 0, 21, NULL, 0x1500);
    struct link lk = { .kind = LINK_ETH };

    static const uint8_t a1[4] = { 93, 184, 216, 34 };
    static const uint8_t a2[4] = { 192, 0, 2, 25 };
    static const uint8_t a3[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 };
    static const uint8_t a4[4] = { 198, 51, 100, 7 };
    dns_exchange(&g, &lk, &c1, 51001, &ns, 0x1a01, "www.example.com", 1, a1, 4, 900);
    gen_sleep(&g, 20000);
    dns_exchange(&g, &lk, &c2, 51002, &ns, 0x1a02, "mail.example.org", 1, a2, 4, 1100);
    gen_sleep(&g, 20000);
    dns_exchange(&g, &lk, &c3, 51003, &ns, 0x1a03, "www.example.net", 28, a3, 16, 1300);
    gen_sleep(&g, 20000);
    dns_exchange(&g, &lk, &c1, 51004, &ns, 0x1a04, "ntp.example.com", 1, a4, 4, 800);
    gen_sleep(&g, 50000);

    /* NTP v4 client (mode 3) and server (mode 4) */
    {
        struct buf q = { .len = 0 }, r = { .len = 0 };
        uint64_t t1 = g.now_usec;
        buf_u8(&q, 0x23); /* LI 0, VN 4, mode 3 */
        buf_u8(&q, 0);
        buf_u8(&q, 6);
        buf_u8(&q, 0xe9);
        buf_put(&q, "\0\0\0\0\0\0\0\0\0\0\0\0", 12); /* root delay, dispersion, ref id */
        buf_put(&q, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 24);
        ntp_ts(&q, t1); /* transmit */
        udp_send(&g, &lk, &c1, 123, &ntp, 123, q.b, q.len, NULL);
        gen_sleep(&g, 1200);
        buf_u8(&r, 0x24); /* LI 0, VN 4, mode 4 */
        buf_u8(&r, 2);
        buf_u8(&r, 6);
        buf_u8(&r, 0xe9);
        buf_be32(&r, 0x00000150u);          /* root delay */
        buf_be32(&r, 0x00000280u);          /* root dispersion */
        buf_put(&r, "\xc0\x00\x02\x7b", 4); /* ref id: upstream 192.0.2.123 */
        ntp_ts(&r, t1 - 32000000u);         /* reference */
        ntp_ts(&r, t1);                     /* origin = client's transmit */
        ntp_ts(&r, g.now_usec - 60);        /* receive */
        ntp_ts(&r, g.now_usec - 20);        /* transmit */
        udp_send(&g, &lk, &ntp, 123, &c1, 123, r.b, r.len, NULL);
    }
    gen_sleep(&g, 100000);

    /* closed: 10.0.0.12:52000 -> 10.0.0.20:5300 answered by ICMP 3/3 */
    {
        static const char probe[] = "is anyone listening?\n";
        struct buf sent = { .len = 0 };
        udp_send(&g, &lk, &c2, 52000, &closed, 5300, probe, sizeof(probe) - 1, &sent);
        gen_sleep(&g, 500);
        icmp_unreach(&g, &lk, &closed, &c2, 3, &sent);
    }
    gen_sleep(&g, 100000);

    /* filtered: 10.0.0.13:52001 -> 10.0.0.21:6001 answered by ICMP 3/13
     * (communication administratively prohibited) */
    {
        static const char probe[] = "let me in\n";
        struct buf sent = { .len = 0 };
        udp_send(&g, &lk, &c3, 52001, &fw, 6001, probe, sizeof(probe) - 1, &sent);
        gen_sleep(&g, 500);
        icmp_unreach(&g, &lk, &fw, &c3, 13, &sent);
    }
    return gen_close(&g);
}

/* One inner HTTP exchange as Zeek history ShADadFf, conn_state SF: the
 * server ACKs the request before it answers, the client closes first. */
static void http_conversation(struct tcp_conv *c, const char *host, const char *body)
{
    struct buf req = { .len = 0 }, rsp = { .len = 0 };
    http_get(&req, host, "/");
    http_ok(&rsp, body);
    conv_handshake(c);
    conv_send(c, C2S, req.b, req.len);
    conv_ack(c, S2C);
    conv_send(c, S2C, rsp.b, rsp.len);
    conv_ack(c, C2S);
    conv_fin(c, C2S);
    conv_fin(c, S2C);
    conv_ack(c, C2S);
}

/* 7. Tunnels on one Ethernet link: (a) VXLAN VNI 100 between the VTEPs
 * 10.99.0.1:49813 and 10.99.0.2:4789 (replies come back on the same UDP
 * flow) carrying a DNS exchange and an HTTP connection 192.168.50.10:40000 ->
 * 192.168.50.20:80; (b) the same inner 5-tuple again in VNI 200, another
 * tenant, over the same outer UDP flow; (c) GRE key 7 10.99.1.1 -> 10.99.1.2
 * carrying IPv6 TCP fd99::10:51000 -> [fd99::20]:443; (d) IP-in-IP
 * 10.99.2.1 -> 10.99.2.2 carrying one syslog datagram; (e) a CAPWAP data
 * channel between access point 10.99.3.1:41264 and its controller
 * 10.99.3.2:5247 carrying a wireless station's HTTP connection
 * 192.168.70.10:40700 -> 192.168.70.80:80; (f) a switch 10.99.4.1 mirroring
 * an HTTP connection 192.168.80.10:40800 -> 192.168.80.80:80 to a collector
 * 10.99.4.2 over GRE, what the client sent under key 1 and what the server
 * sent under key 2. */
static int write_tunnels(const char *dir)
{
    struct gen g;
    if (gen_open(&g, dir, "tunnels.pcap", false, LINKTYPE_ETHERNET) != 0)
        return -1;

    /* (a) and (b): VXLAN */
    struct host vtep1 = host_v4(10, 99, 0, 1, NULL, 0x9901);
    struct host vtep2 = host_v4(10, 99, 0, 2, NULL, 0x9902);
    struct host a_cli = host_v4(192, 168, 50, 10, NULL, 0x500a);
    struct host a_web = host_v4(192, 168, 50, 20, NULL, 0x5014);
    struct host a_dns = host_v4(192, 168, 50, 53, NULL, 0x5035);
    struct host b_cli = host_v4(192, 168, 50, 10, NULL, 0x600a);
    struct host b_web = host_v4(192, 168, 50, 20, NULL, 0x6014);
    struct tunnel vni100 = { .kind = TUN_VXLAN, .outer_a = &vtep1, .outer_b = &vtep2,
                             .inner_a = &a_cli, .a_port = 49813, .id = 100 };
    struct tunnel vni200 = vni100;
    vni200.inner_a = &b_cli;
    vni200.id = 200;
    struct link in100 = { .kind = LINK_ETH, .tun = &vni100 };
    struct link in200 = { .kind = LINK_ETH, .tun = &vni200 };

    static const uint8_t web_addr[4] = { 192, 168, 50, 20 };
    dns_exchange(&g, &in100, &a_cli, 53000, &a_dns, 0x7e01, "web.tenant-a.example", 1, web_addr,
                 4, 600);
    gen_sleep(&g, 1000);
    struct tcp_conv a =
        conv_make(&g, &in100, &a_cli, 40000, 0x50a00001u, &a_web, 80, 0x50b00001u, C2S, 1500);
    a.mss = 1410; /* 1500 minus the 50 bytes of VXLAN overhead, minus 40 */
    http_conversation(&a, "web.tenant-a.example", "<html><body>tenant A</body></html>\n");

    gen_sleep(&g, 200000);
    struct tcp_conv b =
        conv_make(&g, &in200, &b_cli, 40000, 0x60a00002u, &b_web, 80, 0x60b00002u, C2S, 1700);
    b.mss = 1410;
    http_conversation(&b, "web.tenant-b.example", "<html><body>tenant B</body></html>\n");

    /* (c) GRE with key 7 carrying IPv6 TCP to port 443, TLS-shaped records */
    gen_sleep(&g, 200000);
    struct host gre1 = host_v4(10, 99, 1, 1, NULL, 0x9911);
    struct host gre2 = host_v4(10, 99, 1, 2, NULL, 0x9912);
    struct host v6c = host_fd99(0x10), v6s = host_fd99(0x20);
    struct tunnel gre = { .kind = TUN_GRE, .outer_a = &gre1, .outer_b = &gre2, .inner_a = &v6c,
                          .id = 7 };
    struct link ingre = { .kind = LINK_ETH, .tun = &gre };
    struct tcp_conv t =
        conv_make(&g, &ingre, &v6c, 51000, 0x0fd99010u, &v6s, 443, 0x0fd99020u, C2S, 2000);
    conv_handshake(&t);
    for (int i = 0; i < 2; i++) {
        uint8_t rec[5 + 80];
        size_t n = i == 0 ? 40 : 80;
        rec[0] = 23; /* application_data */
        rec[1] = 3;
        rec[2] = 3;
        rec[3] = (uint8_t)(n >> 8);
        rec[4] = (uint8_t)n;
        prng_fill(rec + 5, n, 0x7e7e0000u + (uint32_t)i);
        conv_send(&t, i == 0 ? C2S : S2C, rec, 5 + n);
        if (i == 0)
            conv_ack(&t, S2C);
    }
    conv_ack(&t, C2S);
    conv_fin(&t, C2S);
    conv_fin(&t, S2C);
    conv_ack(&t, C2S);

    /* (d) IP-in-IP carrying one UDP datagram (syslog) */
    gen_sleep(&g, 200000);
    struct host ipip1 = host_v4(10, 99, 2, 1, NULL, 0x9921);
    struct host ipip2 = host_v4(10, 99, 2, 2, NULL, 0x9922);
    struct host logc = host_v4(192, 168, 60, 10, NULL, 0x3c0a);
    struct host logd = host_v4(192, 168, 60, 20, NULL, 0x3c14);
    struct tunnel ipip = { .kind = TUN_IPIP, .outer_a = &ipip1, .outer_b = &ipip2,
                           .inner_a = &logc };
    struct link inipip = { .kind = LINK_ETH, .tun = &ipip };
    static const char msg[] = "<14>Nov 14 22:13:20 edge1 tunnel: link up\n";
    udp_send(&g, &inipip, &logc, 40514, &logd, 514, msg, sizeof(msg) - 1, NULL);

    /* (e) CAPWAP: a wireless station's HTTP through its access point */
    gen_sleep(&g, 200000);
    struct host ap = host_v4(10, 99, 3, 1, NULL, 0x9931);
    struct host wlc = host_v4(10, 99, 3, 2, NULL, 0x9932);
    struct host sta = host_v4(192, 168, 70, 10, NULL, 0x460a);
    struct host www = host_v4(192, 168, 70, 80, NULL, 0x4650);
    struct tunnel cw = { .kind = TUN_CAPWAP, .outer_a = &ap, .outer_b = &wlc, .inner_a = &sta,
                         .a_port = 41264, .id = 100 };
    struct link incw = { .kind = LINK_ETH, .tun = &cw };
    struct tcp_conv w =
        conv_make(&g, &incw, &sta, 40700, 0x460a0001u, &www, 80, 0x46500001u, C2S, 3000);
    w.mss = 1390; /* 1500 minus CAPWAP's 8 + 24 + 8 bytes, UDP and IP, minus 40 */
    http_conversation(&w, "www.wlan.example", "<html><body>over the air</body></html>\n");

    /* (f) GRE mirror: a key per direction */
    gen_sleep(&g, 200000);
    struct host sw = host_v4(10, 99, 4, 1, NULL, 0x9941);
    struct host coll = host_v4(10, 99, 4, 2, NULL, 0x9942);
    struct host mc = host_v4(192, 168, 80, 10, NULL, 0x500b);
    struct host ms = host_v4(192, 168, 80, 80, NULL, 0x5050);
    struct tunnel mirror = { .kind = TUN_GRE, .outer_a = &sw, .outer_b = &coll, .inner_a = &mc,
                             .id = 1, .mirror_id = 2 };
    struct link inmirror = { .kind = LINK_ETH, .tun = &mirror };
    struct tcp_conv m =
        conv_make(&g, &inmirror, &mc, 40800, 0x500b0001u, &ms, 80, 0x50500001u, C2S, 800);
    http_conversation(&m, "intranet.example", "<html><body>mirrored</body></html>\n");
    return gen_close(&g);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_samples OUTDIR\n");
        return 2;
    }
    int (*const writers[])(const char *) = {
        write_port_vs_socket_client,
        write_port_vs_socket_server,
        write_synthetic,
        write_lifecycle,
        write_mixed_link,
        write_udp_services,
        write_tunnels,
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
        if (writers[i](argv[1]) != 0)
            rc = 1;
    return rc;
}
