/* link.c - link-layer headers: Ethernet II with 802.1Q/802.1ad tags (IEEE 802.1Q),
 * Linux cooked SLL and SLL2, raw IP, BSD NULL and LOOP (tcpdump.org/linktypes.html). */
#include "dissect.h"

#define ETH_HDR_LEN   14
#define VLAN_TAG_LEN  4
#define SLL_HDR_LEN   16
#define SLL2_HDR_LEN  20
#define NULL_HDR_LEN  4

#define ETHERTYPE_IPV4      0x0800
#define ETHERTYPE_IPV6      0x86dd
#define ETHERTYPE_VLAN      0x8100 /* 802.1Q C-tag */
#define ETHERTYPE_QINQ      0x88a8 /* 802.1ad S-tag */
#define ETHERTYPE_QINQ_OLD  0x9100 /* pre-standard QinQ */
#define ETHERTYPE_MIN       0x0600 /* below: an 802.3 length field */

/* BSD address families: AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD),
 * 28 (FreeBSD, DragonFly) or 30 (macOS). */
#define BSD_AF_INET         2
#define BSD_AF_INET6_NETBSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

static bool is_vlan_type(uint16_t t)
{
    return t == ETHERTYPE_VLAN || t == ETHERTYPE_QINQ || t == ETHERTYPE_QINQ_OLD;
}

/* Skips the VLAN tags that ethertype *type starts; leaves *type at the ethertype
 * after them. Returns DISSECT_OK, or DISSECT_TRUNCATED when a tag was cut. */
static enum dissect_status vlan_tags(struct view *v, uint16_t *type, struct packet *pkt)
{
    do {
        const uint8_t *tag = view_pull(v, VLAN_TAG_LEN);
        if (tag == NULL)
            return packet_anomaly(pkt, ANOM_VLAN_TRUNCATED, DISSECT_TRUNCATED);
        if (pkt->n_vlan < PACKET_MAX_VLAN)
            pkt->vlan[pkt->n_vlan] = rd_be16(tag) & 0x0fff;
        if (pkt->n_vlan < UINT16_MAX) /* deeper tags are counted, not recorded */
            pkt->n_vlan++;
        *type = rd_be16(tag + 2);
    } while (is_vlan_type(*type));
    return DISSECT_OK;
}

/* ARP, LLDP, 802.3 + LLC, ...: normal traffic we do not decode, no anomaly */
static enum dissect_status unknown_ethertype(struct packet *pkt, enum l3_kind *l3)
{
    *l3 = L3_OTHER;
    if (pkt->status == DISSECT_OK) {
        pkt->status = DISSECT_UNSUPPORTED;
        pkt->truncated_at = ANOM_L3_UNKNOWN_ETHERTYPE;
    }
    return DISSECT_UNSUPPORTED;
}

/* Skips VLAN tags starting at ethertype type, then maps the final ethertype. */
static enum dissect_status ethertype_dispatch(struct view *v, uint16_t type, struct packet *pkt,
                                              enum l3_kind *l3)
{
    if (SS_UNLIKELY(is_vlan_type(type)) && vlan_tags(v, &type, pkt) != DISSECT_OK)
        return DISSECT_TRUNCATED;
    pkt->ethertype = type;
    pkt->layer = LAYER_LINK;
    if (SS_LIKELY(type == ETHERTYPE_IPV4)) {
        *l3 = L3_IPV4;
        return DISSECT_OK;
    }
    if (type == ETHERTYPE_IPV6) {
        *l3 = L3_IPV6;
        return DISSECT_OK;
    }
    return unknown_ethertype(pkt, l3);
}

/* Raw IP: the version nibble says which. */
static enum dissect_status raw_dispatch(struct view *v, struct packet *pkt, enum l3_kind *l3)
{
    const uint8_t *b = view_peek(v, 1);
    if (b == NULL)
        return packet_anomaly(pkt, ANOM_LINK_TRUNCATED, DISSECT_TRUNCATED);
    pkt->layer = LAYER_LINK;
    switch (b[0] >> 4) {
    case 4:
        *l3 = L3_IPV4;
        return DISSECT_OK;
    case 6:
        *l3 = L3_IPV6;
        return DISSECT_OK;
    default:
        *l3 = L3_OTHER;
        return packet_anomaly(pkt, ANOM_IPV4_BAD_VERSION, DISSECT_MALFORMED);
    }
}

static enum dissect_status family_dispatch(uint32_t af, struct packet *pkt, enum l3_kind *l3)
{
    pkt->layer = LAYER_LINK;
    if (af == BSD_AF_INET) {
        *l3 = L3_IPV4;
        return DISSECT_OK;
    }
    if (af == BSD_AF_INET6_NETBSD || af == BSD_AF_INET6_FREEBSD || af == BSD_AF_INET6_DARWIN) {
        *l3 = L3_IPV6;
        return DISSECT_OK;
    }
    *l3 = L3_OTHER;
    return packet_anomaly(pkt, ANOM_NULL_UNKNOWN_FAMILY, DISSECT_UNSUPPORTED);
}

/* The link types other than Ethernet. */
static enum dissect_status link_dissect_other(struct view *v, uint32_t linktype,
                                              struct packet *pkt, enum l3_kind *l3)
{
    const uint8_t *h;
    switch (linktype) {
    case LINKTYPE_LINUX_SLL:
        /* packet type, ARPHRD, address length, address[8], protocol */
        h = view_pull(v, SLL_HDR_LEN);
        if (h == NULL)
            return packet_anomaly(pkt, ANOM_LINK_TRUNCATED, DISSECT_TRUNCATED);
        return ethertype_dispatch(v, rd_be16(h + 14), pkt, l3);

    case LINKTYPE_LINUX_SLL2:
        /* protocol, reserved, ifindex, ARPHRD, packet type, address length, address[8] */
        h = view_pull(v, SLL2_HDR_LEN);
        if (h == NULL)
            return packet_anomaly(pkt, ANOM_LINK_TRUNCATED, DISSECT_TRUNCATED);
        return ethertype_dispatch(v, rd_be16(h), pkt, l3);

    case LINKTYPE_RAW:
    case LINKTYPE_RAW_BSD12:
    case LINKTYPE_RAW_BSD14:
        return raw_dispatch(v, pkt, l3);

    case LINKTYPE_IPV4:
        pkt->layer = LAYER_LINK;
        *l3 = L3_IPV4;
        return DISSECT_OK;

    case LINKTYPE_IPV6:
        pkt->layer = LAYER_LINK;
        *l3 = L3_IPV6;
        return DISSECT_OK;

    case LINKTYPE_NULL: {
        /* family in the capturing host's byte order: try both */
        h = view_pull(v, NULL_HDR_LEN);
        if (h == NULL)
            return packet_anomaly(pkt, ANOM_LINK_TRUNCATED, DISSECT_TRUNCATED);
        uint32_t le = rd_le32(h), be = rd_be32(h);
        return family_dispatch(le < 0x10000 ? le : be, pkt, l3);
    }

    case LINKTYPE_LOOP:
        h = view_pull(v, NULL_HDR_LEN);
        if (h == NULL)
            return packet_anomaly(pkt, ANOM_LINK_TRUNCATED, DISSECT_TRUNCATED);
        return family_dispatch(rd_be32(h), pkt, l3);

    default:
        return packet_anomaly(pkt, ANOM_LINK_UNKNOWN_TYPE, DISSECT_UNSUPPORTED);
    }
}

enum dissect_status link_dissect(struct view *v, uint32_t linktype, struct packet *pkt,
                                 enum l3_kind *l3)
{
    *l3 = L3_NONE;
    if (SS_LIKELY(linktype == LINKTYPE_ETHERNET)) {
        if (SS_UNLIKELY(!view_has(v, ETH_HDR_LEN)))
            return packet_anomaly(pkt, ANOM_LINK_TRUNCATED, DISSECT_TRUNCATED);
        const uint8_t *h = view_pull(v, ETH_HDR_LEN);
        return ethertype_dispatch(v, rd_be16(h + 12), pkt, l3);
    }
    return link_dissect_other(v, linktype, pkt, l3);
}
