/* frame_fixture.h - Ethernet/IPv4 TCP and UDP frames built by hand for tests
 * that feed an analyzer packet by packet (or write a capture). */
#ifndef SOCKSCOPE_FRAME_FIXTURE_H
#define SOCKSCOPE_FRAME_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzer.h"

/* The test addresses: 10.99.0.1 (client) and 10.99.0.2 (server). */
static const uint8_t fixture_client[4] = {10, 99, 0, 1}, fixture_server[4] = {10, 99, 0, 2};

/* Writes into f an Ethernet/IPv4 frame of len bytes (>= 54 for TCP, 42 for
 * UDP) from src:sport to dst:dport, TTL 64: for TCP a 20-byte header with
 * flags, seq, ack and window 255; for UDP the length field; zero payload. The
 * IP and transport lengths follow len. */
static inline void fixture_ip4_frame(uint8_t *f, size_t len, uint8_t proto, const uint8_t src[4],
                                     uint16_t sport, const uint8_t dst[4], uint16_t dport,
                                     uint8_t flags, uint32_t seq, uint32_t ack)
{
    memset(f, 0, len);
    f[12] = 0x08; /* IPv4 */
    uint8_t *ip = f + 14;
    size_t ip_len = len - 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(ip_len >> 8);
    ip[3] = (uint8_t)ip_len;
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint8_t *l4 = ip + 20;
    l4[0] = (uint8_t)(sport >> 8);
    l4[1] = (uint8_t)sport;
    l4[2] = (uint8_t)(dport >> 8);
    l4[3] = (uint8_t)dport;
    if (proto == 6) {
        for (int i = 0; i < 4; i++) {
            l4[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
            l4[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
        }
        l4[12] = 0x50; /* 20-byte header */
        l4[13] = flags;
        l4[14] = 0xff; /* window */
    } else {
        size_t udp_len = ip_len - 20;
        l4[4] = (uint8_t)(udp_len >> 8);
        l4[5] = (uint8_t)udp_len;
    }
}

/* The settings of an analyzer that fixtures are fed to: the defaults, a fixed
 * seed (repeatable uids), DPI off, and records handed to cb(user, ...). */
static inline void fixture_config(struct analyzer_config *cfg, analyzer_conn_cb cb, void *user)
{
    analyzer_config_defaults(cfg);
    cfg->have_seed = true;
    cfg->dpi = false;
    cfg->on_conn = cb;
    cfg->user = user;
}

/* Feeds frame f of len bytes, captured whole at ts, to an. */
static inline void fixture_feed(struct analyzer *an, const uint8_t *f, size_t len, uint64_t ts)
{
    struct capture_frame fr = {.data = f, .cap_len = (uint32_t)len, .wire_len = (uint32_t)len,
                               .linktype = 1, .ts_ns = ts};
    analyzer_feed(an, &fr);
}

/* One TCP segment without payload between the client's cport and the
 * server's sport, in the direction from_client says. */
static inline void fixture_tcp(struct analyzer *an, uint64_t ts, uint16_t cport, uint16_t sport,
                               bool from_client, uint8_t flags, uint32_t seq, uint32_t ack)
{
    uint8_t f[54];
    if (from_client)
        fixture_ip4_frame(f, sizeof(f), 6, fixture_client, cport, fixture_server, sport, flags,
                          seq, ack);
    else
        fixture_ip4_frame(f, sizeof(f), 6, fixture_server, sport, fixture_client, cport, flags,
                          seq, ack);
    fixture_feed(an, f, sizeof(f), ts);
}

#endif
