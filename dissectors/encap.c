/* encap.c - encapsulation headers: MPLS (RFC 3032, RFC 4385, RFC 7510), PPPoE (RFC 2516),
 * GRE (RFC 1701, 2784, 2890, 2637), ERSPAN I/II/III, VXLAN (RFC 7348), VXLAN-GPE, NSH
 * (RFC 8300), Geneve (RFC 8926), GTP-U (3GPP TS 29.281), Teredo (RFC 4380), AYIYA,
 * CAPWAP data (RFC 5415, RFC 5416) with IEEE 802.11 data frames. */
#include "encap.h"

#include <stddef.h>
#include <string.h>

#include "dissect.h"

#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86dd
#define ETHERTYPE_TEB   0x6558 /* transparent Ethernet bridging */
#define ETHERTYPE_PPP   0x880b
#define ETHERTYPE_ERSPAN_II  0x88be
#define ETHERTYPE_ERSPAN_III 0x22eb
#define ETHERTYPE_CISCO_MD   0x8909 /* Cisco MetaData (SGT) */
#define ARUBA_FIRST          0x8200 /* Aruba GRE: 802.11 frames from access points */
#define ARUBA_LAST           0x8216

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057
#define PPP_MPLS 0x0281

#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
#define GRE_A 0x0080 /* acknowledgment present, version 1 */

#define MPLS_UDP_MAX_LABELS 8 /* recognition of MPLS over UDP: a plausible stack */

_Static_assert(offsetof(struct packet, encap) + sizeof(((struct packet *)0)->encap) ==
                   sizeof(struct packet),
               "the tunnel stack ends struct packet: encap_push clears what comes before it");

/* The parsers below return DISSECT_TRUNCATED when they run out of bytes and
 * DISSECT_MALFORMED for an impossible field, recording nothing; the public entry
 * points then classify and record once (classify()). */
static enum dissect_status truncated(const struct packet *pkt)
{
    (void)pkt;
    return DISSECT_TRUNCATED;
}

static enum dissect_status malformed(const struct packet *pkt)
{
    (void)pkt;
    return DISSECT_MALFORMED;
}

/* Records the anomaly for a parser's status. Running out of bytes when everything
 * the carrier claims was captured means the header claims more than the datagram
 * holds: malformed, not truncated. */
static enum dissect_status classify(struct packet *pkt, enum dissect_status st, bool captured_all)
{
    if (st == DISSECT_TRUNCATED && !captured_all)
        return packet_anomaly(pkt, ANOM_ENCAP_TRUNCATED, DISSECT_TRUNCATED);
    if (st == DISSECT_TRUNCATED || st == DISSECT_MALFORMED)
        return packet_anomaly(pkt, ANOM_ENCAP_MALFORMED, DISSECT_MALFORMED);
    return st;
}

static void hdr_init(struct encap_hdr *h, enum encap_type type)
{
    memset(h, 0, sizeof(*h));
    h->type = type;
    h->next = ENCAP_NEXT_OTHER;
}

static void set_id(struct encap_hdr *h, uint32_t id, bool symmetric)
{
    h->id = id;
    h->has_id = true;
    h->id_symmetric = symmetric;
}

/* Pulls n header bytes, adding them to h->hdr_len; NULL (and the anomaly) when cut. */
static const uint8_t *pull_hdr(struct view *v, size_t n, struct encap_hdr *h)
{
    const uint8_t *b = view_pull(v, n);
    if (b != NULL)
        h->hdr_len += (uint32_t)n;
    return b;
}

/* IPv4 or IPv6 by the version nibble of the next byte; OTHER for anything else. */
static enum encap_next by_nibble(uint8_t b)
{
    switch (b >> 4) {
    case 4:
        return ENCAP_NEXT_IPV4;
    case 6:
        return ENCAP_NEXT_IPV6;
    default:
        return ENCAP_NEXT_OTHER;
    }
}

/* Walks a label stack of at most max_labels entries. Returns OK (stack consumed,
 * v at what follows, *top the first label), TRUNCATED or MALFORMED (too many labels)
 * without recording anomalies. */
static enum dissect_status mpls_stack(struct view *v, struct encap_hdr *h, unsigned max_labels,
                                      uint32_t *top)
{
    for (unsigned n = 0;; n++) {
        if (n >= max_labels)
            return DISSECT_MALFORMED;
        const uint8_t *b = pull_hdr(v, 4, h);
        if (b == NULL)
            return DISSECT_TRUNCATED;
        uint32_t entry = rd_be32(b);
        if (n == 0)
            *top = entry >> 12;
        if (entry & 0x100) /* bottom of stack */
            return DISSECT_OK;
    }
}

static enum dissect_status mpls_eth(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    hdr_init(h, ENCAP_MPLS);
    uint32_t top = 0;
    enum dissect_status st = mpls_stack(v, h, ENCAP_MAX_MPLS_LABELS, &top);
    if (st == DISSECT_TRUNCATED)
        return truncated(pkt);
    if (st != DISSECT_OK)
        return malformed(pkt);
    set_id(h, top, false); /* labels are assigned per hop and per direction */
    const uint8_t *b = view_peek(v, 1);
    if (b == NULL) /* what follows the stack is only known from its first byte */
        return truncated(pkt);
    if (b[0] >> 4 == 0) {
        /* pseudowire control word (RFC 4385), then the emulated Ethernet frame */
        if (pull_hdr(v, 4, h) == NULL)
            return truncated(pkt);
        h->next = ENCAP_NEXT_ETHERNET;
    } else {
        h->next = by_nibble(b[0]);
    }
    return DISSECT_OK;
}

enum dissect_status encap_mpls_dissect(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    /* an Ethernet payload has no length of its own: running out is truncation */
    return classify(pkt, mpls_eth(v, pkt, h), false);
}

/* PPP protocol field (RFC 1661; 1 byte when compressed: odd first byte). */
static enum dissect_status ppp_protocol(struct view *v, struct encap_hdr *h, size_t *len)
{
    const uint8_t *b = view_peek(v, 1);
    if (b == NULL)
        return DISSECT_TRUNCATED;
    uint16_t proto;
    if (b[0] & 1) {
        proto = b[0];
        *len = 1;
    } else {
        b = view_peek(v, 2);
        if (b == NULL)
            return DISSECT_TRUNCATED;
        proto = rd_be16(b);
        *len = 2;
    }
    pull_hdr(v, *len, h);
    switch (proto) {
    case PPP_IPV4:
        h->next = ENCAP_NEXT_IPV4;
        break;
    case PPP_IPV6:
        h->next = ENCAP_NEXT_IPV6;
        break;
    case PPP_MPLS:
        h->next = ENCAP_NEXT_MPLS;
        break;
    default: /* LCP, IPCP, CCP, compressed data, ...: not decoded */
        h->next = ENCAP_NEXT_OTHER;
        break;
    }
    return DISSECT_OK;
}

enum dissect_status encap_pppoe_dissect(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    hdr_init(h, ENCAP_PPPOE);
    const uint8_t *b = pull_hdr(v, 6, h);
    if (b == NULL)
        return classify(pkt, DISSECT_TRUNCATED, false);
    if (b[0] != 0x11 || b[1] != 0x00) /* version 1, type 1; code 0 = session data */
        return classify(pkt, DISSECT_MALFORMED, false);
    set_id(h, rd_be16(b + 2), true);
    size_t plen = rd_be16(b + 4); /* PPP protocol + payload */
    view_clamp(v, plen);          /* drop Ethernet padding */
    size_t proto_len = 0;
    return classify(pkt, ppp_protocol(v, h, &proto_len), v->len >= plen);
}

/* ERSPAN type II (8 bytes) or III (12, plus an 8-byte platform sub-header when O). */
static enum dissect_status erspan(struct view *v, struct packet *pkt, struct encap_hdr *h,
                                  bool type3)
{
    const uint8_t *b = pull_hdr(v, type3 ? 12 : 8, h);
    if (b == NULL)
        return truncated(pkt);
    unsigned ver = b[0] >> 4;
    if (ver != (type3 ? 2u : 1u))
        return malformed(pkt);
    set_id(h, rd_be16(b + 2) & 0x03ffu, false); /* session id: a mirror, not a conversation */
    h->next = ENCAP_NEXT_ETHERNET;
    if (type3) {
        uint16_t w = rd_be16(b + 10);
        unsigned ft = (w >> 10) & 0x1f; /* frame type: 0 Ethernet, 2 IP */
        if (w & 1) { /* optional platform-specific sub-header */
            if (pull_hdr(v, 8, h) == NULL)
                return truncated(pkt);
        }
        if (ft == 2) {
            const uint8_t *n = view_peek(v, 1);
            if (n == NULL)
                return truncated(pkt);
            h->next = by_nibble(n[0]);
        } else if (ft != 0) {
            h->next = ENCAP_NEXT_OTHER;
        }
    }
    return DISSECT_OK;
}

/* RFC 1701 source route entries: address family, offset, length, then length bytes,
 * ended by family 0 and length 0. */
static enum dissect_status gre_routing(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    for (unsigned n = 0;; n++) {
        if (n >= 64) /* bound the walk */
            return malformed(pkt);
        const uint8_t *b = pull_hdr(v, 4, h);
        if (b == NULL)
            return truncated(pkt);
        uint16_t af = rd_be16(b);
        uint8_t len = b[3];
        if (af == 0 && len == 0)
            return DISSECT_OK;
        if (pull_hdr(v, len, h) == NULL)
            return truncated(pkt);
    }
}

static enum dissect_status gre_payload(struct view *v, struct encap_hdr *h, uint16_t ptype,
                                       bool seq);

static enum dissect_status gre(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    hdr_init(h, ENCAP_GRE);
    const uint8_t *b = pull_hdr(v, 4, h);
    if (b == NULL)
        return truncated(pkt);
    uint16_t flags = rd_be16(b);
    uint16_t ptype = rd_be16(b + 2);
    unsigned ver = flags & 7u;

    if (ver == 1) {
        /* enhanced GRE (PPTP): key = payload length + call id; no checksum or routing */
        if ((flags & (GRE_C | GRE_R)) || !(flags & GRE_K) || ptype != ETHERTYPE_PPP)
            return malformed(pkt);
        b = pull_hdr(v, 4, h);
        if (b == NULL)
            return truncated(pkt);
        uint16_t payload_len = rd_be16(b);
        set_id(h, rd_be16(b + 2), false); /* call ids are chosen by each peer */
        size_t opt = ((flags & GRE_S) ? 4u : 0u) + ((flags & GRE_A) ? 4u : 0u);
        if (pull_hdr(v, opt, h) == NULL)
            return truncated(pkt);
        if (!(flags & GRE_S) || payload_len == 0) { /* acknowledgment only */
            view_clamp(v, 0);
            h->next = ENCAP_NEXT_OTHER;
            return DISSECT_OK;
        }
        view_clamp(v, payload_len);
        /* PPP in HDLC-like framing: address 0xff and control 0x03 may be present */
        const uint8_t *a = view_peek(v, 2);
        if (a == NULL) /* address/control or a 2-byte protocol: both need 2 bytes */
            return truncated(pkt);
        if (a[0] == 0xff && a[1] == 0x03)
            pull_hdr(v, 2, h);
        size_t plen;
        if (ppp_protocol(v, h, &plen) != DISSECT_OK)
            return truncated(pkt);
        return DISSECT_OK;
    }
    if (ver != 0)
        return malformed(pkt);

    if (flags & (GRE_C | GRE_R)) { /* checksum + offset */
        if (pull_hdr(v, 4, h) == NULL)
            return truncated(pkt);
    }
    if (flags & GRE_K) {
        const uint8_t *k = pull_hdr(v, 4, h);
        if (k == NULL)
            return truncated(pkt);
        set_id(h, rd_be32(k), true);
    }
    if (flags & GRE_S) {
        if (pull_hdr(v, 4, h) == NULL)
            return truncated(pkt);
    }
    if (flags & GRE_R) {
        enum dissect_status st = gre_routing(v, pkt, h);
        if (st != DISSECT_OK)
            return st;
    }

    return gre_payload(v, h, ptype, (flags & GRE_S) != 0);
}

/* An 802.11 data frame (Aruba GRE) down to its LLC/SNAP ethertype: IPv4 and IPv6
 * are decoded, everything else (management, control, protected, null) is OTHER. */
static enum dissect_status ieee80211(struct view *v, struct encap_hdr *h)
{
    const uint8_t *b = view_peek(v, 2);
    if (b == NULL)
        return DISSECT_TRUNCATED;
    unsigned type = (b[0] >> 2) & 3u, subtype = b[0] >> 4;
    h->next = ENCAP_NEXT_OTHER;
    if (type != 2 || (subtype & 0x4) || (b[1] & 0x40)) /* data with payload, not protected */
        return DISSECT_OK;
    size_t len = 24;
    if ((b[1] & 0x03) == 0x03) /* to-DS and from-DS: a fourth address */
        len += 6;
    if (subtype & 0x8) /* QoS control, and HT control when the order bit is set */
        len += (b[1] & 0x80) ? 6 : 2;
    if (pull_hdr(v, len, h) == NULL)
        return DISSECT_TRUNCATED;
    const uint8_t *llc = view_peek(v, 8);
    if (llc == NULL)
        return DISSECT_TRUNCATED;
    if (llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03)
        return DISSECT_OK;
    pull_hdr(v, 8, h);
    uint16_t et = rd_be16(llc + 6);
    h->next = et == ETHERTYPE_IPV4 ? ENCAP_NEXT_IPV4
              : et == ETHERTYPE_IPV6 ? ENCAP_NEXT_IPV6
                                     : ENCAP_NEXT_OTHER;
    return DISSECT_OK;
}

/* What a GRE protocol type carries; seq says whether the sequence bit was set. */
static enum dissect_status gre_payload(struct view *v, struct encap_hdr *h, uint16_t ptype,
                                       bool seq)
{
    struct packet *pkt = NULL; /* the parsers record nothing (see classify) */
    switch (ptype) {
    case ETHERTYPE_IPV4:
        h->next = ENCAP_NEXT_IPV4;
        break;
    case ETHERTYPE_IPV6:
        h->next = ENCAP_NEXT_IPV6;
        break;
    case ETHERTYPE_TEB:
        h->next = ENCAP_NEXT_ETHERNET;
        break;
    case ETHERTYPE_MPLS_UC:
    case ETHERTYPE_MPLS_MC:
        h->next = ENCAP_NEXT_MPLS;
        break;
    case ETHERTYPE_PPP: {
        size_t plen;
        if (ppp_protocol(v, h, &plen) != DISSECT_OK)
            return truncated(pkt);
        break;
    }
    case ETHERTYPE_ERSPAN_II:
        h->type = ENCAP_ERSPAN;
        h->has_id = false;
        if (!seq) { /* type I: no ERSPAN header, the mirrored frame follows */
            h->next = ENCAP_NEXT_ETHERNET;
            break;
        }
        return erspan(v, pkt, h, false);
    case ETHERTYPE_ERSPAN_III:
        h->type = ENCAP_ERSPAN;
        h->has_id = false;
        return erspan(v, pkt, h, true);
    case ETHERTYPE_CISCO_MD: {
        /* Cisco MetaData over GRE: carried ethertype, version, length, options, SGT */
        const uint8_t *md = pull_hdr(v, 8, h);
        if (md == NULL)
            return DISSECT_TRUNCATED;
        uint16_t inner = rd_be16(md);
        if (inner == ETHERTYPE_CISCO_MD)
            return DISSECT_MALFORMED;
        return gre_payload(v, h, inner, seq);
    }
    default:
        if (ptype >= ARUBA_FIRST && ptype <= ARUBA_LAST)
            return ieee80211(v, h);
        /* WCCP, keepalives, ...: not decoded */
        h->next = ENCAP_NEXT_OTHER;
        break;
    }
    return DISSECT_OK;
}

enum dissect_status encap_gre_dissect(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    bool captured_all = v->len >= dissect_ip_payload_len(pkt, v->len);
    return classify(pkt, gre(v, pkt, h), captured_all);
}

/* ---- UDP encapsulations ---- */

/* The first n bytes of the UDP payload, or NULL with *st set: TRUNCATED (anomaly) when
 * the UDP length covers them but the capture does not, UNSUPPORTED when the datagram
 * is too short to be this encapsulation. */
static const uint8_t *udp_need(const struct view *v, const struct packet *pkt, size_t n,
                               enum dissect_status *st)
{
    if (pkt->l4_payload_len < n) {
        *st = DISSECT_UNSUPPORTED;
        return NULL;
    }
    const uint8_t *b = view_peek(v, n);
    if (b == NULL)
        *st = truncated(pkt);
    return b;
}

static enum dissect_status vxlan_gpe(struct view *v, struct packet *pkt, struct encap_hdr *h);

static enum dissect_status vxlan(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    enum dissect_status st;
    const uint8_t *b = udp_need(v, pkt, 8, &st);
    if (b == NULL)
        return st;
    if (b[0] & 0x04) /* P: a VXLAN-GPE header on the IANA VXLAN port */
        return vxlan_gpe(v, pkt, h);
    bool gbp = (b[0] & 0x80) != 0; /* group policy extension: bytes 1-3 carry it */
    if (!(b[0] & 0x08) || (b[0] & 0x77) || b[7] != 0 || (!gbp && (b[1] | b[2] | b[3]) != 0))
        return DISSECT_UNSUPPORTED;
    hdr_init(h, ENCAP_VXLAN);
    pull_hdr(v, 8, h);
    set_id(h, rd_be32(b + 4) >> 8, true);
    h->next = ENCAP_NEXT_ETHERNET;
    return DISSECT_OK;
}

/* Next-protocol values shared by VXLAN-GPE and NSH. */
static enum encap_next gpe_next(uint8_t np)
{
    switch (np) {
    case 1:
        return ENCAP_NEXT_IPV4;
    case 2:
        return ENCAP_NEXT_IPV6;
    case 3:
        return ENCAP_NEXT_ETHERNET;
    case 5:
        return ENCAP_NEXT_MPLS;
    default:
        return ENCAP_NEXT_OTHER;
    }
}

static enum dissect_status vxlan_gpe(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    enum dissect_status st;
    const uint8_t *b = udp_need(v, pkt, 8, &st);
    if (b == NULL)
        return st;
    /* R R Ver(2) I P B O: version 0, I and P set; reserved bytes zero */
    if ((b[0] & 0xf0) != 0 || (b[0] & 0x0c) != 0x0c || b[1] != 0 || b[2] != 0 || b[7] != 0)
        return DISSECT_UNSUPPORTED;
    hdr_init(h, ENCAP_VXLAN_GPE);
    pull_hdr(v, 8, h);
    set_id(h, rd_be32(b + 4) >> 8, true);
    uint8_t np = b[3];
    if (np == 4) { /* NSH (RFC 8300): skip the service header to what it carries */
        const uint8_t *n = pull_hdr(v, 8, h);
        if (n == NULL)
            return truncated(pkt);
        size_t nsh_len = (size_t)(n[1] & 0x3f) * 4; /* whole NSH header, 4-byte words */
        if (n[0] >> 6 != 0 || nsh_len < 8)
            return malformed(pkt);
        if (pull_hdr(v, nsh_len - 8, h) == NULL)
            return truncated(pkt);
        np = n[3];
    }
    h->next = gpe_next(np);
    return DISSECT_OK;
}

static enum dissect_status geneve(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    enum dissect_status st;
    const uint8_t *b = udp_need(v, pkt, 8, &st);
    if (b == NULL)
        return st;
    size_t opt_len = (size_t)(b[0] & 0x3f) * 4;
    if (b[0] >> 6 != 0 || (b[1] & 0x3f) != 0 || b[7] != 0 || 8 + opt_len > pkt->l4_payload_len)
        return DISSECT_UNSUPPORTED;
    hdr_init(h, ENCAP_GENEVE);
    pull_hdr(v, 8, h);
    set_id(h, rd_be32(b + 4) >> 8, true);
    uint16_t ptype = rd_be16(b + 2);
    if (pull_hdr(v, opt_len, h) == NULL)
        return truncated(pkt);
    h->next = ptype == ETHERTYPE_TEB    ? ENCAP_NEXT_ETHERNET
              : ptype == ETHERTYPE_IPV4 ? ENCAP_NEXT_IPV4
              : ptype == ETHERTYPE_IPV6 ? ENCAP_NEXT_IPV6
              : ptype == ETHERTYPE_MPLS_UC ? ENCAP_NEXT_MPLS
                                            : ENCAP_NEXT_OTHER;
    return DISSECT_OK;
}

static enum dissect_status gtpu(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    enum dissect_status st;
    const uint8_t *b = udp_need(v, pkt, 8, &st);
    if (b == NULL)
        return st;
    size_t len = rd_be16(b + 2); /* bytes after the mandatory 8 */
    /* version 1, protocol type GTP (not GTP'), a G-PDU, inside the datagram */
    if (b[0] >> 5 != 1 || !(b[0] & 0x10) || b[1] != 0xff || 8 + len > pkt->l4_payload_len)
        return DISSECT_UNSUPPORTED;
    hdr_init(h, ENCAP_GTPU);
    pull_hdr(v, 8, h);
    set_id(h, rd_be32(b + 4), false); /* each end chooses the TEID it receives on */
    view_clamp(v, len);
    size_t left = len;
    if (b[0] & 0x07) { /* E, S or PN: sequence, N-PDU number and next extension type */
        if (left < 4)
            return malformed(pkt);
        const uint8_t *o = pull_hdr(v, 4, h);
        if (o == NULL)
            return truncated(pkt);
        left -= 4;
        uint8_t next = (b[0] & 0x04) ? o[3] : 0;
        for (unsigned n = 0; next != 0; n++) {
            /* each extension: length in 4-byte units, content, next type */
            const uint8_t *e = view_peek(v, 1);
            if (left < 1 || n >= 32)
                return malformed(pkt);
            if (e == NULL)
                return truncated(pkt);
            size_t elen = (size_t)e[0] * 4;
            if (elen == 0 || elen > left)
                return malformed(pkt);
            e = pull_hdr(v, elen, h);
            if (e == NULL)
                return truncated(pkt);
            left -= elen;
            next = e[elen - 1];
        }
    }
    const uint8_t *n = view_peek(v, 1);
    if (left == 0) {
        h->next = ENCAP_NEXT_OTHER; /* no T-PDU */
    } else if (n == NULL) {
        return truncated(pkt);
    } else {
        h->next = by_nibble(n[0]);
    }
    return DISSECT_OK;
}

static enum dissect_status teredo(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    hdr_init(h, ENCAP_TEREDO);
    size_t left = pkt->l4_payload_len;
    struct view w = *v;
    bool seen_auth = false, seen_origin = false;
    for (;;) {
        if (left < 2)
            return DISSECT_UNSUPPORTED;
        const uint8_t *b = view_peek(&w, 2);
        if (b == NULL)
            return truncated(pkt);
        size_t n;
        if (b[0] == 0x00 && b[1] == 0x01 && !seen_auth && !seen_origin) {
            /* authentication: id length, auth length, id, auth value, nonce 8, confirmation 1 */
            b = view_peek(&w, 4);
            if (left < 4)
                return DISSECT_UNSUPPORTED;
            if (b == NULL)
                return truncated(pkt);
            n = 4 + (size_t)b[2] + b[3] + 9;
            seen_auth = true;
        } else if (b[0] == 0x00 && b[1] == 0x00 && !seen_origin) {
            n = 8; /* origin indication: port and address, obfuscated */
            seen_origin = true;
        } else {
            break;
        }
        if (n > left)
            return DISSECT_UNSUPPORTED;
        if (pull_hdr(&w, n, h) == NULL)
            return truncated(pkt);
        left -= n;
    }
    /* an IPv6 header whose payload length accounts for the rest of the datagram */
    if (left < 40)
        return DISSECT_UNSUPPORTED;
    const uint8_t *ip = view_peek(&w, 1);
    if (ip == NULL)
        return truncated(pkt);
    if (ip[0] >> 4 != 6)
        return DISSECT_UNSUPPORTED;
    ip = view_peek(&w, 6);
    if (ip == NULL)
        return truncated(pkt);
    if (40 + (size_t)rd_be16(ip + 4) != left)
        return DISSECT_UNSUPPORTED;
    *v = w;
    h->next = ENCAP_NEXT_IPV6;
    return DISSECT_OK;
}

static enum dissect_status ayiya(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    enum dissect_status st;
    const uint8_t *b = udp_need(v, pkt, 8, &st);
    if (b == NULL)
        return st;
    size_t id_len = (size_t)1 << (b[0] >> 4);
    size_t sig_len = (size_t)(b[1] >> 4) * 4;
    unsigned opcode = b[2] & 0x0f;
    uint8_t nh = b[3];
    /* opcode 1 forwards a packet; identity and signature inside the datagram */
    if (opcode != 1 || (nh != 4 && nh != 41) || 8 + id_len + sig_len > pkt->l4_payload_len)
        return DISSECT_UNSUPPORTED;
    hdr_init(h, ENCAP_AYIYA);
    pull_hdr(v, 8, h);
    if (pull_hdr(v, id_len + sig_len, h) == NULL)
        return truncated(pkt);
    h->next = nh == 4 ? ENCAP_NEXT_IPV4 : ENCAP_NEXT_IPV6;
    return DISSECT_OK;
}

static enum dissect_status mpls_udp(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    hdr_init(h, ENCAP_MPLS);
    struct view w = *v;
    uint32_t top = 0;
    view_clamp(&w, pkt->l4_payload_len);
    enum dissect_status st = mpls_stack(&w, h, MPLS_UDP_MAX_LABELS, &top);
    if (st == DISSECT_MALFORMED)
        return DISSECT_UNSUPPORTED;
    if (st == DISSECT_TRUNCATED)
        return h->hdr_len + 4 <= pkt->l4_payload_len ? truncated(pkt) : DISSECT_UNSUPPORTED;
    const uint8_t *b = view_peek(&w, 1);
    if (b == NULL)
        return h->hdr_len < pkt->l4_payload_len ? truncated(pkt) : DISSECT_UNSUPPORTED;
    h->next = by_nibble(b[0]);
    if (h->next == ENCAP_NEXT_OTHER) /* only IP over MPLS over UDP is believed */
        return DISSECT_UNSUPPORTED;
    set_id(h, top, false);
    *v = w;
    return DISSECT_OK;
}

/* The MAC header length of an IEEE 802.11 frame whose frame control field is
 * fc0 (version, type, subtype) and fc1 (flags) when it is a data frame with a
 * body, in clear and whole (not one of several fragments); else 0. *qos_at:
 * where its QoS control field lies (0: none). */
static size_t wlan_data_hdr_len(uint8_t fc0, uint8_t fc1, size_t *qos_at)
{
    unsigned version = fc0 & 0x03u, type = fc0 >> 2 & 0x03u, subtype = fc0 >> 4;
    bool more_frags = (fc1 & 0x04) != 0, protected_frame = (fc1 & 0x40) != 0;
    if (version != 0 || type != 2 || (subtype & 0x04) != 0 || more_frags || protected_frame)
        return 0;
    size_t len = 24; /* frame control .. sequence control */
    if ((fc1 & 0x03) == 0x03)
        len += 6; /* to and from DS: a fourth address */
    *qos_at = 0;
    if (subtype & 0x08) {
        *qos_at = len;
        len += 2 + ((fc1 & 0x80) ? 4 : 0); /* QoS control, then HT control (+HTC) */
    }
    return len;
}

/* An IEEE 802.11 data frame as CAPWAP's 802.11 binding carries it (RFC 5416: no
 * FCS): its MAC header and LLC/SNAP header (RFC 1042, or 802.1H bridge tunnel),
 * then what the ethertype says. Cisco controllers send the frame control
 * field's two bytes swapped (Wireshark's CAPWAP "swap frame control" setting,
 * on by default): the order under which the frame is such a data frame with an
 * LLC/SNAP header where its header ends is taken, RFC 5416's first. Anything
 * else (management or control frames, null data, protected or fragmented
 * frames, A-MSDUs, other LLC) leaves h->next at ENCAP_NEXT_OTHER. The fragment
 * number is not asked: a frame that is not the first fragment has no LLC/SNAP
 * header. */
static enum dissect_status ieee80211_data(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    const uint8_t *fc = view_peek(v, 2);
    if (fc == NULL)
        return truncated(pkt);
    for (int swapped = 0; swapped < 2; swapped++) {
        uint8_t fc0 = swapped ? fc[1] : fc[0], fc1 = swapped ? fc[0] : fc[1];
        size_t qos_at;
        size_t len = wlan_data_hdr_len(fc0, fc1, &qos_at);
        if (len == 0)
            continue;
        const uint8_t *b = view_peek(v, len + 8);
        if (b == NULL)
            return truncated(pkt);
        if (qos_at != 0 && (b[qos_at] & 0x80) != 0)
            continue; /* QoS data with A-MSDU present: subframes, not one LLC */
        const uint8_t *llc = b + len;
        if (llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03 || llc[3] != 0 || llc[4] != 0 ||
            (llc[5] != 0 && llc[5] != 0xf8))
            continue;
        pull_hdr(v, len + 8, h);
        uint16_t et = rd_be16(llc + 6);
        h->next = et == ETHERTYPE_IPV4 ? ENCAP_NEXT_IPV4
                  : et == ETHERTYPE_IPV6 ? ENCAP_NEXT_IPV6
                                         : ENCAP_NEXT_OTHER;
        return DISSECT_OK;
    }
    return DISSECT_OK;
}

#define CAPWAP_WBID_IEEE80211 1

static enum dissect_status capwap_data(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    enum dissect_status st;
    const uint8_t *b = udp_need(v, pkt, 8, &st);
    if (b == NULL)
        return st;
    uint32_t w = rd_be32(b);
    size_t hlen = (size_t)(w >> 19 & 0x1f) * 4; /* the whole header, 4-byte words */
    unsigned wbid = w >> 9 & 0x1f;
    bool native = (w & 0x100) != 0, fragment = (w & 0x80) != 0, keepalive = (w & 0x08) != 0;
    /* preamble version 0 type 0 (type 1 is a DTLS record: an ordinary datagram
     * here), reserved flags and fragment-offset bits zero, a header that fits */
    if (b[0] != 0 || (w & 0x07) != 0 || (b[7] & 0x07) != 0 || hlen < 8 ||
        hlen > pkt->l4_payload_len)
        return DISSECT_UNSUPPORTED;
    hdr_init(h, ENCAP_CAPWAP);
    if (pull_hdr(v, hlen, h) == NULL) /* radio MAC, wireless information, padding */
        return truncated(pkt);
    if (fragment || keepalive || hlen == pkt->l4_payload_len)
        return DISSECT_OK; /* nothing decodable inside */
    if (!native) {
        h->next = ENCAP_NEXT_ETHERNET; /* T = 0: an IEEE 802.3 frame */
        return DISSECT_OK;
    }
    if (wbid != CAPWAP_WBID_IEEE80211)
        return DISSECT_OK;
    return ieee80211_data(v, pkt, h); /* v ends where the datagram does (udp.c) */
}

/* A parser of what a UDP datagram carries. */
typedef enum dissect_status (*udp_tunnel_parser)(struct view *v, struct packet *pkt,
                                                 struct encap_hdr *h);

/* The parser for a tunnel's UDP port, or NULL (most datagrams: no call made). */
static udp_tunnel_parser udp_port(uint16_t port)
{
    switch (port) {
    case ENCAP_PORT_VXLAN:
        return vxlan;
    case ENCAP_PORT_VXLAN_GPE:
        return vxlan_gpe;
    case ENCAP_PORT_GENEVE:
        return geneve;
    case ENCAP_PORT_GTPU:
        return gtpu;
    case ENCAP_PORT_TEREDO:
        return teredo;
    case ENCAP_PORT_AYIYA:
        return ayiya;
    case ENCAP_PORT_MPLS_UDP:
        return mpls_udp;
    case ENCAP_PORT_CAPWAP_DATA:
        return capwap_data;
    default:
        return NULL;
    }
}

enum dissect_status encap_udp_dissect(struct view *v, struct packet *pkt, struct encap_hdr *h)
{
    udp_tunnel_parser by_dport = udp_port(pkt->dport);
    udp_tunnel_parser by_sport = pkt->sport != pkt->dport ? udp_port(pkt->sport) : NULL;
    if (SS_LIKELY(by_dport == NULL && by_sport == NULL))
        return DISSECT_UNSUPPORTED; /* an ordinary datagram */
    struct view w = *v;
    enum dissect_status st = by_dport != NULL ? by_dport(&w, pkt, h) : DISSECT_UNSUPPORTED;
    if (st == DISSECT_UNSUPPORTED && by_sport != NULL) {
        w = *v;
        st = by_sport(&w, pkt, h);
    }
    if (st == DISSECT_OK)
        *v = w;
    return classify(pkt, st, v->len >= pkt->l4_payload_len);
}

/* ---- the tunnel stack ---- */

bool encap_push(struct packet *pkt, const struct encap_hdr *h)
{
    if (pkt->n_encap >= PACKET_MAX_ENCAP) {
        pkt->anomalies |= ANOM_BIT(ANOM_ENCAP_DEPTH);
        return false;
    }
    struct encap_layer *l = &pkt->encap[pkt->n_encap];
    memset(l, 0, sizeof(*l));
    l->type = h->type;
    l->hdr_len = h->hdr_len;
    l->id = h->has_id ? h->id : 0;
    l->has_id = h->has_id;
    l->id_symmetric = h->has_id && h->id_symmetric;
    if (pkt->ip_version != 0 && pkt->layer >= LAYER_L3) {
        l->ip_version = pkt->ip_version;
        l->proto = pkt->proto;
        l->ttl = pkt->ttl;
        l->src = pkt->src;
        l->dst = pkt->dst;
        l->ip_len = pkt->ip_len;
        l->ip_hdr_len = pkt->ip_hdr_len;
        l->ip_csum = pkt->ip_csum;
        l->reassembled = pkt->reassembled;
        l->l3 = pkt->l3;
        if (pkt->proto == IPPROTO_NUM_UDP) {
            l->sport = pkt->sport;
            l->dport = pkt->dport;
            l->udp_len = pkt->udp_len;
            l->l4_payload_len = pkt->l4_payload_len;
            l->l4_csum = pkt->l4_csum;
        } else {
            l->l4_payload_len = dissect_ip_payload_len(pkt, 0);
        }
    }
    l->n_vlan = pkt->n_vlan;
    memcpy(l->vlan, pkt->vlan, sizeof(l->vlan));
    l->ethertype = pkt->ethertype;

    /* the inner packet starts afresh; the frame, its anomalies and the stack stay */
    uint64_t ts_ns = pkt->ts_ns, anomalies = pkt->anomalies;
    uint32_t wire_len = pkt->wire_len, cap_len = pkt->cap_len, linktype = pkt->linktype;
    bool verify = pkt->verify_checksums;
    memset(pkt, 0, offsetof(struct packet, n_encap));
    pkt->ts_ns = ts_ns;
    pkt->wire_len = wire_len;
    pkt->cap_len = cap_len;
    pkt->linktype = linktype;
    pkt->anomalies = anomalies;
    pkt->verify_checksums = verify;
    pkt->layer = LAYER_LINK;
    pkt->n_encap++;
    return true;
}

const char *encap_type_name(enum encap_type t)
{
    static const char *const names[ENCAP_TYPE_COUNT] = {
        [ENCAP_NONE] = "none",     [ENCAP_MPLS] = "mpls",         [ENCAP_PPPOE] = "pppoe",
        [ENCAP_GRE] = "gre",       [ENCAP_ERSPAN] = "erspan",     [ENCAP_VXLAN] = "vxlan",
        [ENCAP_VXLAN_GPE] = "vxlan_gpe", [ENCAP_GENEVE] = "geneve", [ENCAP_IPIP] = "ipip",
        [ENCAP_GTPU] = "gtpu",     [ENCAP_TEREDO] = "teredo",     [ENCAP_AYIYA] = "ayiya",
        [ENCAP_CAPWAP] = "capwap",
    };
    if ((unsigned)t >= (unsigned)ENCAP_TYPE_COUNT)
        return "?";
    return names[t];
}

const char *encap_zeek_type(enum encap_type t)
{
    switch (t) {
    case ENCAP_GRE:
    case ENCAP_ERSPAN:
        return "Tunnel::GRE";
    case ENCAP_VXLAN:
    case ENCAP_VXLAN_GPE:
        return "Tunnel::VXLAN";
    case ENCAP_GENEVE:
        return "Tunnel::GENEVE";
    case ENCAP_IPIP:
        return "Tunnel::IP";
    case ENCAP_GTPU:
        return "Tunnel::GTPv1";
    case ENCAP_TEREDO:
        return "Tunnel::TEREDO";
    case ENCAP_AYIYA:
        return "Tunnel::AYIYA";
    default:
        return NULL;
    }
}

/* where a layer's id lies in its ENCAP_KEY_LAYER_LEN bytes of a chain key */
#define ENCAP_KEY_ID_OFF 10

size_t encap_chain_key(const struct packet *pkt, unsigned depth, uint8_t *buf, size_t cap)
{
    if (depth > pkt->n_encap)
        depth = pkt->n_encap;
    size_t len = (size_t)depth * ENCAP_KEY_LAYER_LEN;
    if (depth == 0 || cap < len)
        return 0;
    memset(buf, 0, len);
    for (unsigned i = 0; i < depth; i++) {
        const struct encap_layer *l = &pkt->encap[i];
        uint8_t *o = buf + (size_t)i * ENCAP_KEY_LAYER_LEN;
        o[0] = (uint8_t)l->type;
        o[1] = l->ip_version;
        o[2] = l->proto;
        unsigned nv = l->n_vlan < PACKET_MAX_VLAN ? l->n_vlan : PACKET_MAX_VLAN;
        o[3] = (uint8_t)nv;
        for (unsigned k = 0; k < nv; k++) {
            o[4 + 2 * k] = (uint8_t)(l->vlan[k] >> 8);
            o[5 + 2 * k] = (uint8_t)l->vlan[k];
        }
        if (l->has_id && l->id_symmetric) {
            o[ENCAP_KEY_ID_OFF] = (uint8_t)(l->id >> 24);
            o[ENCAP_KEY_ID_OFF + 1] = (uint8_t)(l->id >> 16);
            o[ENCAP_KEY_ID_OFF + 2] = (uint8_t)(l->id >> 8);
            o[ENCAP_KEY_ID_OFF + 3] = (uint8_t)l->id;
        }
        bool swap = memcmp(l->src.b, l->dst.b, sizeof(l->src.b)) > 0;
        memcpy(o + 14, swap ? l->dst.b : l->src.b, 16);
        memcpy(o + 30, swap ? l->src.b : l->dst.b, 16);
    }
    return len;
}

void encap_chain_key_drop_ids(uint8_t *key, size_t len)
{
    for (size_t off = 0; off + ENCAP_KEY_LAYER_LEN <= len; off += ENCAP_KEY_LAYER_LEN)
        memset(key + off + ENCAP_KEY_ID_OFF, 0, 4);
}
