/* frame.c - walks one captured frame: link -> IPv4/IPv6 (with reassembly) -> transport,
 * and with frame_ctx.decap through tunnels to the innermost packet (encap.c). */
#include "frame.h"

#include <stddef.h>
#include <string.h>

#include "dissect.h"
#include "encap.h"
#include "ip_reasm.h"

/* Records the final status of the frame on pkt (keeping the first failure). */
static enum dissect_status finish(struct packet *pkt, enum dissect_status st)
{
    if (pkt->status == DISSECT_OK)
        pkt->status = st;
    return st;
}

static bool is_ipv6_ext(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

/* Link header of linktype; *next says what follows. With decap, MPLS and PPPoE
 * session ethertypes are handed on (link.c reports them as unsupported).
 * inline, as transport: without it GCC calls both from frame_dissect's walk,
 * which then keeps the view in memory (40 instructions more per packet). */
static inline enum dissect_status link_level(struct view *v, uint32_t linktype,
                                             struct packet *pkt, bool decap,
                                             enum encap_next *next)
{
    enum l3_kind l3;
    enum dissect_status st = link_dissect(v, linktype, pkt, &l3);
    if (SS_LIKELY(st == DISSECT_OK)) {
        *next = l3 == L3_IPV4 ? ENCAP_NEXT_IPV4 : ENCAP_NEXT_IPV6;
        return DISSECT_OK;
    }
    if (decap && st == DISSECT_UNSUPPORTED && l3 == L3_OTHER &&
        pkt->truncated_at == ANOM_L3_UNKNOWN_ETHERTYPE &&
        (pkt->ethertype == ETHERTYPE_MPLS_UC || pkt->ethertype == ETHERTYPE_MPLS_MC ||
         pkt->ethertype == ETHERTYPE_PPPOE_S)) {
        pkt->status = DISSECT_OK; /* link.c's "unsupported" is taken back: we decode it */
        pkt->truncated_at = (enum anomaly)0;
        *next = pkt->ethertype == ETHERTYPE_PPPOE_S ? ENCAP_NEXT_PPPOE : ENCAP_NEXT_MPLS;
        return DISSECT_OK;
    }
    return st;
}

/* A payload below a tunnel that sockscope does not decode: ordinary, no anomaly bit. */
static enum dissect_status unknown_inner(struct packet *pkt)
{
    if (pkt->status == DISSECT_OK) {
        pkt->status = DISSECT_UNSUPPORTED;
        pkt->truncated_at = ANOM_ENCAP_UNKNOWN_INNER;
    }
    return DISSECT_UNSUPPORTED;
}

/* The transport header after the IP layer (v at it, clamped). */
static inline enum dissect_status transport(struct view *v, struct packet *pkt)
{
    if (SS_LIKELY(pkt->proto == IPPROTO_NUM_TCP))
        return tcp_dissect(v, pkt);
    switch (pkt->proto) {
    case IPPROTO_NUM_UDP:
        return udp_dissect(v, pkt);
    case IPPROTO_NUM_ICMP:
        return pkt->ip_version == 4 ? icmp4_dissect(v, pkt) : DISSECT_OK;
    case IPPROTO_NUM_ICMPV6:
        return pkt->ip_version == 6 ? icmp6_dissect(v, pkt) : DISSECT_OK;
    case IPPROTO_NUM_SCTP:
        return sctp_dissect(v, pkt);
    default: /* other IP protocols: addressed, but nothing more to decode */
        return DISSECT_OK;
    }
}

/* The IP protocols that ip_tunnel looks at (UDP for the tunnels on UDP ports). */
static bool is_tunnel_proto(uint8_t proto)
{
    return proto == 4 || proto == 41 || proto == 47 || proto == IPPROTO_NUM_UDP;
}

/* Recognises a tunnel in the IP packet at the current level (v at the IP payload).
 * Returns DISSECT_OK with *next set when a layer was pushed (v at the inner packet);
 * DISSECT_OK with *next = ENCAP_NEXT_NONE when the packet is not a tunnel or the
 * depth limit stops it (the packet is then fully decoded here, transport included);
 * any other status when the carrier's transport or the tunnel header failed. */
static enum dissect_status ip_tunnel(struct view *v, struct packet *pkt, enum encap_next *next)
{
    struct encap_hdr h;
    enum dissect_status st;
    *next = ENCAP_NEXT_NONE;
    switch (pkt->proto) {
    case 4:
    case 41:
        memset(&h, 0, sizeof(h));
        h.type = ENCAP_IPIP;
        h.next = pkt->proto == 4 ? ENCAP_NEXT_IPV4 : ENCAP_NEXT_IPV6;
        break;
    case 47:
        if (pkt->n_encap >= PACKET_MAX_ENCAP)
            break; /* encap_push below records the depth anomaly */
        st = encap_gre_dissect(v, pkt, &h);
        if (st != DISSECT_OK)
            return st;
        break;
    case IPPROTO_NUM_UDP: {
        st = udp_dissect(v, pkt);
        if (st != DISSECT_OK)
            return st;
        struct view inner = pkt->payload;
        st = encap_udp_dissect(&inner, pkt, &h);
        if (st == DISSECT_UNSUPPORTED) /* an ordinary datagram */
            return DISSECT_OK;
        if (st != DISSECT_OK)
            return st;
        if (!encap_push(pkt, &h))
            return DISSECT_OK; /* too deep: the carrier datagram is the packet */
        *v = inner;
        *next = h.next;
        return DISSECT_OK;
    }
    default:
        return transport(v, pkt);
    }
    if (pkt->n_encap >= PACKET_MAX_ENCAP) {
        pkt->anomalies |= ANOM_BIT(ANOM_ENCAP_DEPTH);
        return DISSECT_OK; /* too deep: the carrier is the packet (layer L3) */
    }
    encap_push(pkt, &h);
    *next = h.next;
    return DISSECT_OK;
}

/* A level that starts with a link-layer encapsulation (next is neither IPv4 nor
 * IPv6): an inner Ethernet frame, an MPLS stack, a PPPoE session, or a payload we
 * do not decode. Sets *next to what follows. */
static enum dissect_status link_encap(struct view *v, struct packet *pkt, bool decap,
                                      enum encap_next *next)
{
    struct encap_hdr h;
    enum dissect_status st;
    switch (*next) {
    case ENCAP_NEXT_ETHERNET:
        return link_level(v, LINKTYPE_ETHERNET, pkt, decap, next);
    case ENCAP_NEXT_MPLS:
    case ENCAP_NEXT_PPPOE:
        if (pkt->n_encap >= PACKET_MAX_ENCAP) { /* stop decapsulating here */
            pkt->anomalies |= ANOM_BIT(ANOM_ENCAP_DEPTH);
            return unknown_inner(pkt);
        }
        st = *next == ENCAP_NEXT_MPLS ? encap_mpls_dissect(v, pkt, &h)
                                      : encap_pppoe_dissect(v, pkt, &h);
        if (st == DISSECT_OK) {
            encap_push(pkt, &h);
            *next = h.next;
        }
        return st;
    default:
        return unknown_inner(pkt);
    }
}

/* Adds the fragment that v holds (its data) to the reassembly table r. Returns
 * false while the datagram is incomplete; true when this frame completed it: v
 * then holds the whole datagram past any IPv6 extension headers it starts with,
 * and *st says whether those decoded. */
static bool fragment_completes(struct ip_reasm *r, struct view *v, struct packet *pkt,
                               enum dissect_status *st)
{
    struct view whole;
    uint32_t total_len = 0;
    uint32_t frag_len = dissect_ip_payload_len(pkt, v->len);
    if (ip_reasm_add(r, pkt, *v, frag_len, &whole, &total_len) != 1)
        return false;
    /* this frame completed the datagram: decode the transport from it */
    pkt->is_fragment = false;
    pkt->reassembled = true;
    /* ip_hdr_len is now the offset-0 fragment's; RFC 8200 section 4.5 leaves the
     * Fragment header out of the reassembled packet (so does Zeek's ip_bytes) */
    if (pkt->ip_version == 6 && pkt->ip_hdr_len >= IPV6_HDR_LEN + IPV6_FRAG_HDR_LEN)
        pkt->ip_hdr_len = (uint16_t)(pkt->ip_hdr_len - IPV6_FRAG_HDR_LEN);
    pkt->ip_len = pkt->ip_hdr_len + total_len;
    *v = whole;
    view_clamp(v, total_len);
    if (pkt->ip_version == 6 && is_ipv6_ext(pkt->proto))
        *st = ipv6_dissect_ext(v, pkt, pkt->proto, 0);
    return true;
}

/* Zeroes the members of pkt from first up to (not including) end, padding included. */
#define PACKET_ZERO(pkt, first, end)                                                              \
    memset(&(pkt)->first, 0, offsetof(struct packet, end) - offsetof(struct packet, first))

/* Zeroes pkt up to its tunnel stack (whose layers encap_push clears as it fills
 * them), except the frame fields before n_vlan, which frame_dissect sets. In
 * pieces of at most 80 bytes: GCC (x86-64) writes each as a few 16-byte stores,
 * where one memset of all 276 bytes becomes a rep stosq of about 45 instructions. */
static void packet_clear(struct packet *pkt)
{
    _Static_assert(offsetof(struct packet, n_vlan) ==
                       sizeof(pkt->ts_ns) + sizeof(pkt->wire_len) + sizeof(pkt->cap_len) +
                           sizeof(pkt->linktype),
                   "the frame fields are all that comes before n_vlan");
    PACKET_ZERO(pkt, n_vlan, src);    /* VLANs, l3, IP version ... fragment id */
    PACKET_ZERO(pkt, src, sport);     /* addresses, IP lengths */
    PACKET_ZERO(pkt, sport, udp_len); /* ports, L4 length, TCP */
    PACKET_ZERO(pkt, udp_len, icmp);  /* UDP length, payload, status */
    PACKET_ZERO(pkt, icmp, encap);    /* ICMP, SCTP, n_encap */
}

enum dissect_status frame_dissect(struct frame_ctx *ctx, const struct frame_in *f,
                                  struct packet *pkt)
{
    packet_clear(pkt);
    pkt->ts_ns = f->ts_ns;
    pkt->wire_len = f->wire_len;
    pkt->cap_len = f->cap_len;
    pkt->linktype = f->linktype;
    pkt->verify_checksums = ctx != NULL && ctx->verify_checksums;
    bool decap = ctx != NULL && ctx->decap;
    struct ip_reasm *r = ctx != NULL ? ctx->reasm : NULL;

    struct view v = { f->data, f->data != NULL ? f->cap_len : 0 };
    enum encap_next next = ENCAP_NEXT_NONE;
    enum dissect_status st = link_level(&v, f->linktype, pkt, decap, &next);

    /* one level per turn: link-level encapsulations, then IP, then maybe a tunnel */
    while (SS_LIKELY(st == DISSECT_OK) && next != ENCAP_NEXT_NONE) {
        if (SS_UNLIKELY(next != ENCAP_NEXT_IPV4 && next != ENCAP_NEXT_IPV6)) {
            st = link_encap(&v, pkt, decap, &next);
            continue;
        }

        st = next == ENCAP_NEXT_IPV4 ? ipv4_dissect(&v, pkt, 0) : ipv6_dissect(&v, pkt, 0);
        next = ENCAP_NEXT_NONE;
        if (SS_UNLIKELY(st != DISSECT_OK))
            break;
        if (pkt->n_encap > 0 && pkt->encap[pkt->n_encap - 1].inner_ip_version == 0)
            pkt->encap[pkt->n_encap - 1].inner_ip_version = pkt->ip_version;

        if (SS_UNLIKELY(pkt->is_fragment)) {
            /* A fragment inside a reassembled tunnel is offered too: its bytes are
             * in the table's output buffer, which ip_reasm_add copies into the
             * inner datagram's own buffer before it writes the output again (the
             * outer datagram's bytes are not read after this point). */
            if (r == NULL) /* counted by the caller through is_fragment; no transport */
                break;
            bool whole = fragment_completes(r, &v, pkt, &st);
            if (!whole || st != DISSECT_OK)
                break;
        }

        /* any other protocol ip_tunnel would hand to transport itself */
        if (decap && is_tunnel_proto(pkt->proto))
            st = ip_tunnel(&v, pkt, &next);
        else
            st = transport(&v, pkt);
    }
    return finish(pkt, st);
}
