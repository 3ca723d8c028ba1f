/* dpi.c - application protocol detection with Debian's nDPI 4.2 (libndpi-dev),
 * driven the way ndpiReader drives it so that per-flow results compare:
 * every packet of a flow until the answer is final or the limit is passed,
 * then give up with guessing. The nDPI state is freed at that moment. */
#include "dpi.h"

#include <stdlib.h>
#include <string.h>

#include <ndpi/ndpi_api.h>

#include "services.h"

struct dpi {
    struct ndpi_detection_module_struct *mod;
    unsigned max_tcp_packets, max_udp_packets;
    size_t flow_size; /* ndpi_detection_get_sizeof_ndpi_flow_struct() */
    size_t live, peak;
    uint8_t *dgram;   /* DPI_DGRAM_MAX bytes: a reassembled datagram rebuilt for nDPI */
};

/* IPv6 header + TCP header + the largest payload an IP length allows */
#define DPI_DGRAM_MAX (40u + 20u + 65535u)

struct dpi *dpi_create(unsigned max_packets, struct ss_err *err)
{
    struct dpi *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        ss_err_set(err, "out of memory");
        return NULL;
    }
    d->dgram = malloc(DPI_DGRAM_MAX);
    d->mod = d->dgram != NULL ? ndpi_init_detection_module(ndpi_no_prefs) : NULL;
    if (d->mod == NULL) {
        ss_err_set(err, d->dgram == NULL ? "out of memory"
                                         : "nDPI: cannot initialise the detection module");
        free(d->dgram);
        free(d);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(d->mod, &all);
    ndpi_finalize_initialization(d->mod);
    if (max_packets > DPI_MAX_PACKETS_LIMIT)
        max_packets = DPI_MAX_PACKETS_LIMIT;
    d->max_tcp_packets = max_packets ? max_packets : DPI_READER_TCP_PACKETS;
    d->max_udp_packets = max_packets ? max_packets : DPI_READER_UDP_PACKETS;
    d->flow_size = ndpi_detection_get_sizeof_ndpi_flow_struct();
    return d;
}

void dpi_destroy(struct dpi *d)
{
    if (d == NULL)
        return;
    ndpi_exit_detection_module(d->mod);
    free(d->dgram);
    free(d);
}

size_t dpi_inspecting(const struct dpi *d)
{
    return d->live;
}

size_t dpi_peak_inspecting(const struct dpi *d)
{
    return d->peak;
}

/* nDPI name -> Zeek analyzer name (conn.log `service`), where Zeek has one. */
struct zeek_map {
    const char *ndpi;
    const char *zeek;     /* UDP, or both */
    const char *zeek_tcp; /* when Zeek names the TCP variant differently */
};

static const struct zeek_map zeek_names[] = {
    {"HTTP", "http", NULL},           {"HTTP_Proxy", "http", NULL},
    {"HTTP_Connect", "http", NULL},   {"TLS", "ssl", NULL},
    {"IMAPS", "ssl", NULL},           {"POPS", "ssl", NULL},
    {"SMTPS", "ssl", NULL},           {"DTLS", "dtls", NULL},
    {"DNS", "dns", NULL},             {"MDNS", "dns", NULL},
    {"LLMNR", "dns", NULL},           {"SSH", "ssh", NULL},
    {"FTP_CONTROL", "ftp", NULL},     {"FTP_DATA", "ftp-data", NULL},
    {"SMTP", "smtp", NULL},           {"POP3", "pop3", NULL},
    {"IMAP", "imap", NULL},           {"IRC", "irc", NULL},
    /* Zeek's QUIC analyzer hands the TLS 1.3 handshake in its CRYPTO frames
     * to its SSL analyzer: Zeek's conn.log says "quic,ssl" */
    {"QUIC", "quic,ssl", NULL},       {"DHCP", "dhcp", NULL},
    {"NTP", "ntp", NULL},             {"SNMP", "snmp", NULL},
    {"Syslog", "syslog", NULL},       {"SIP", "sip", NULL},
    /* Zeek names an analyzer per transport where it has two: KRB/KRB_TCP,
     * DNP3_UDP/DNP3_TCP, LDAP_UDP/LDAP_TCP, RDPEUDP/RDP */
    {"RDP", "rdpeudp", "rdp"},        {"Kerberos", "krb", "krb_tcp"},
    {"SMBv1", "smb", NULL},           {"SMBv23", "smb", NULL},
    {"DCE_RPC", "dce_rpc", NULL},     {"MySQL", "mysql", NULL},
    {"PostgreSQL", "postgresql", NULL}, {"Radius", "radius", NULL},
    {"VNC", "rfb", NULL},             {"SOCKS", "socks", NULL},
    {"Jabber", "xmpp", NULL},         {"Modbus", "modbus", NULL},
    {"DNP3", "dnp3_udp", "dnp3_tcp"}, {"MQTT", "mqtt", NULL},
    {"LDAP", "ldap_udp", "ldap_tcp"}, {"Teredo", "teredo", NULL},
    {"Ayiya", "ayiya", NULL},         {"GTP", "gtpv1", NULL},
    {"GTP_U", "gtpv1", NULL},         {"GTP_C", "gtpv1", NULL},
    {"WebSocket", "websocket", NULL}, {"BitTorrent", "bittorrent", NULL},
};

const char *dpi_zeek_name(const char *ndpi_name, uint8_t ipproto)
{
    for (size_t i = 0; i < sizeof(zeek_names) / sizeof(zeek_names[0]); i++) {
        if (strcmp(zeek_names[i].ndpi, ndpi_name) == 0) {
            if (ipproto == IPPROTO_NUM_TCP && zeek_names[i].zeek_tcp != NULL)
                return zeek_names[i].zeek_tcp;
            return zeek_names[i].zeek;
        }
    }
    return NULL;
}

/* nDPI name -> the IANA service names of the ports that protocol is registered
 * on (for TLS and DTLS: every service the registry defines as something over
 * TLS/DTLS, "sips", "secure-mqtt", "pcsync-https"). A protocol not listed
 * agrees only with its own lower-cased name. test_dpi checks every port of
 * services.c against nDPI's own default ports. */
#define IANA_MAX 28
struct iana_map {
    const char *ndpi;
    const char *iana[IANA_MAX];
};

static const struct iana_map iana_names[] = {
    {"HTTP", {"http", "www-http"}},
    {"HTTP_Proxy", {"http", "http-alt", "squid-http", "socks"}},
    {"HTTP_Connect", {"http", "http-alt", "squid-http"}},
    {"TLS", {"https", "imaps", "pop3s", "submissions", "ldaps", "ftps", "ftps-data",
             "domain-s", "nntps", "telnets", "ircs-u", "sips", "secure-mqtt", "amqps",
             "msft-gc-ssl", "syslog-tls", "docker-s", "radsec", "ipfixs", "ttc-ssl", "wsmans",
             "pcsync-https", "sun-sr-https", "tungsten-https", "stuns", "ntske"}},
    {"DTLS", {"coaps", "domain-s", "stuns"}},
    {"QUIC", {"https"}},
    {"DoH_DoT", {"domain-s", "https"}},
    /* STARTTLS on the plain port is TLS on the same service */
    {"IMAPS", {"imaps", "imap"}},
    {"POPS", {"pop3s", "pop3"}},
    {"SMTPS", {"submissions", "smtps", "submission", "smtp"}},
    {"DNS", {"domain"}},
    {"MDNS", {"mdns"}},
    {"LLMNR", {"llmnr"}},
    {"FTP_CONTROL", {"ftp"}},
    {"FTP_DATA", {"ftp-data"}},
    {"SMTP", {"smtp", "submission"}},
    {"DHCP", {"bootps", "bootpc"}},
    {"DHCPV6", {"dhcpv6-client", "dhcpv6-server"}},
    {"SNMP", {"snmp", "snmptrap"}},
    {"NetBIOS", {"netbios-ns", "netbios-dgm", "netbios-ssn"}},
    {"SMBv1", {"microsoft-ds", "netbios-ssn"}},
    {"SMBv23", {"microsoft-ds", "netbios-ssn"}},
    {"Kerberos", {"kerberos", "kpasswd", "kerberos-adm"}},
    {"DCE_RPC", {"epmap", "http-rpc-epmap"}},
    {"LDAP", {"ldap", "msft-gc"}},
    {"RDP", {"ms-wbt-server"}},
    {"VNC", {"rfb"}},
    {"SIP", {"sip", "sips", "sip-tls"}},
    {"Radius", {"radius", "radius-acct"}},
    {"MsSQL-TDS", {"ms-sql-s", "ms-sql-m"}},
    {"IRC", {"irc", "ircu", "ircs-u"}},
    {"Memcached", {"memcache"}},
    {"Jabber", {"xmpp-client", "xmpp-server"}},
    {"GTP", {"gtp-user", "gtp-control"}},
    {"GTP_U", {"gtp-user"}},
    {"GTP_C", {"gtp-control"}},
    {"IPsec", {"isakmp", "ipsec-nat-t"}},
    {"STUN", {"stun", "turn"}},
    {"CAPWAP", {"capwap-control", "capwap-data"}},
    {"WSD", {"ws-discovery"}},
    /* industrial and legacy protocols whose registered names differ */
    {"Modbus", {"mbap"}},
    {"DNP3", {"dnp"}},
    {"s7comm", {"iso-tsap"}},
    {"IEC60870", {"iec-104"}},
    {"MGCP", {"mgcp-gateway", "mgcp-callagent"}},
    {"Megaco", {"megaco-h248"}},
    {"H323", {"h323hostcall"}},
    {"CiscoSkinny", {"cisco-sccp"}},
    {"RTMP", {"macromedia-fcs"}},
    {"AFP", {"afpovertcp"}},
    {"LotusNotes", {"lotusnote"}},
    {"Whois-DAS", {"nicname"}},
    {"Z39.50", {"z39-50"}},
    {"Zabbix", {"zabbix-agent", "zabbix-trapper"}},
};

/* Lower-cases src into dst (always NUL-terminated). */
static void lower_copy(char *dst, size_t len, const char *src)
{
    size_t i = 0;
    for (; src[i] != '\0' && i + 1 < len; i++)
        dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a' : src[i]);
    dst[i] = '\0';
}

bool dpi_iana_agrees(const char *ndpi_name, const char *iana)
{
    for (size_t i = 0; i < sizeof(iana_names) / sizeof(iana_names[0]); i++) {
        if (strcmp(iana_names[i].ndpi, ndpi_name) != 0)
            continue;
        for (size_t k = 0; k < IANA_MAX && iana_names[i].iana[k] != NULL; k++)
            if (strcmp(iana_names[i].iana[k], iana) == 0)
                return true;
        return false;
    }
    char low[32];
    lower_copy(low, sizeof(low), ndpi_name);
    return strcmp(low, iana) == 0;
}

const char *dpi_confidence_name(uint8_t confidence)
{
    if (confidence >= NDPI_CONFIDENCE_MAX)
        return "Unknown";
    return ndpi_confidence_get_name((ndpi_confidence_t)confidence);
}

/* Copies s into dst (size len) keeping printable ASCII only, so that JSON and
 * the tab-separated conn.log stay well formed; true if s did not fit. */
static bool copy_printable(char *dst, size_t len, const char *s, size_t s_max)
{
    size_t n = strnlen(s, s_max), i;
    for (i = 0; i < n && i + 1 < len; i++)
        dst[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
    dst[i] = '\0';
    return i < n;
}

/* Appends name to the comma-separated list in buf unless it is already there. */
static void service_add(char *buf, size_t len, const char *name)
{
    size_t nl = strlen(name), used = strlen(buf);
    for (const char *p = buf; *p != '\0';) {
        const char *comma = strchr(p, ',');
        size_t l = comma ? (size_t)(comma - p) : strlen(p);
        if (l == nl && memcmp(p, name, nl) == 0)
            return;
        p += l + (comma ? 1 : 0);
    }
    if (used + (used ? 1 : 0) + nl + 1 > len)
        return; /* does not fit: keep what is there */
    if (used)
        buf[used++] = ',';
    memcpy(buf + used, name, nl + 1);
}

static bool confident(uint8_t confidence)
{
    return confidence == NDPI_CONFIDENCE_DPI || confidence == NDPI_CONFIDENCE_DPI_CACHE;
}

/* The master and app names of c (NULL when that id is unknown or repeats). */
static void proto_names(const struct dpi *d, const struct conn *c, const char **master,
                        const char **app)
{
    *master = *app = NULL;
    if (c->app_master_id != NDPI_PROTOCOL_UNKNOWN)
        *master = ndpi_get_proto_name(d->mod, c->app_master_id);
    if (c->app_id != NDPI_PROTOCOL_UNKNOWN && c->app_id != c->app_master_id)
        *app = ndpi_get_proto_name(d->mod, c->app_id);
}

/* NetBIOS name service port: Zeek's DNS analyzer parses it (DNS::ports) */
#define NBNS_PORT 137

/* Zeek's name for nDPI's protocol name on connection c, or NULL: as
 * dpi_zeek_name, except that NetBIOS to UDP 137 (the name service) is Zeek's
 * "dns", whose analyzer Zeek runs on that port. */
static const char *zeek_name_on(const char *ndpi_name, const struct conn *c)
{
    if (c->proto == IPPROTO_NUM_UDP && c->resp_port == NBNS_PORT &&
        strcmp(ndpi_name, "NetBIOS") == 0)
        return "dns";
    return dpi_zeek_name(ndpi_name, c->proto);
}

/* Zeek-style service: the master protocol's name, plus the app's when Zeek
 * has an analyzer for it; only for results nDPI's inspection confirmed. */
static void fill_service(const struct dpi *d, struct conn *c)
{
    c->service[0] = '\0';
    if (!confident(c->app_confidence))
        return;
    const char *master, *app;
    proto_names(d, c, &master, &app);
    char low[32];
    const char *names[2] = {master, app};
    for (int i = 0; i < 2; i++) {
        if (names[i] == NULL)
            continue;
        const char *z = zeek_name_on(names[i], c);
        if (z == NULL && i == 1 && master != NULL)
            continue; /* "TLS.Google": Google is a service, not a protocol */
        if (z == NULL) {
            lower_copy(low, sizeof(low), names[i]);
            z = low;
        }
        service_add(c->service, sizeof(c->service), z);
    }
}

/* True when nDPI inspection found a protocol that is not the IANA service of
 * the responder port (SSH on 443, HTTP on 8080); false when either side is
 * unknown or the result was only guessed. */
static void fill_mismatch(const struct dpi *d, struct conn *c)
{
    c->app_port_mismatch = false;
    const char *iana = services_name(c->proto, c->resp_port);
    if (iana == NULL || !confident(c->app_confidence))
        return;
    const char *master, *app;
    proto_names(d, c, &master, &app);
    if (master == NULL && app == NULL)
        return;
    if ((master != NULL && dpi_iana_agrees(master, iana)) ||
        (app != NULL && dpi_iana_agrees(app, iana)))
        return;
    c->app_port_mismatch = true;
}

static void release_state(struct dpi *d, struct conn *c)
{
    if (c->dpi_state == NULL)
        return;
    ndpi_free_flow(c->dpi_state);
    c->dpi_state = NULL;
    d->live--;
}

/* Records the final answer p for open connection c (the ids, and the host
 * name in its cold part), then frees the nDPI state. The names are derived
 * from the ids when the record is made (dpi_name_record). */
static void complete(struct dpi *d, struct conn *c, ndpi_protocol p)
{
    struct ndpi_flow_struct *f = c->dpi_state;
    c->app_master_id = p.master_protocol;
    c->app_id = p.app_protocol;
    c->app_category_id = (uint16_t)p.category;
    c->app_confidence = f != NULL ? (uint8_t)f->confidence : (uint8_t)NDPI_CONFIDENCE_UNKNOWN;
    if (f != NULL && f->host_server_name[0] != '\0') {
        struct conn_cold *k = conn_cold_get(c);
        if (k != NULL)
            k->app_host_truncated = copy_printable(k->app_host, sizeof(k->app_host),
                                                   f->host_server_name,
                                                   sizeof(f->host_server_name));
    }
    c->dpi_done = true;
    release_state(d, c);
}

void dpi_name_record(const struct dpi *d, struct conn *rec)
{
    if (!rec->dpi_done)
        return;
    ndpi_protocol p = {rec->app_master_id, rec->app_id, (ndpi_protocol_category_t)rec->app_category_id};
    char name[64];
    ndpi_protocol2name(d->mod, p, name, sizeof(name));
    copy_printable(rec->app_name, sizeof(rec->app_name), name, sizeof(name));
    const char *cat = ndpi_category_get_name(d->mod, p.category);
    copy_printable(rec->app_category, sizeof(rec->app_category), cat ? cat : "", 64);
    fill_service(d, rec);
    fill_mismatch(d, rec);
}

static void put_be16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, v >> 16);
    put_be16(p + 2, v & 0xffffu);
}

/* Writes a reassembled UDP datagram or TCP segment as one unfragmented IP
 * packet into d->dgram from the packet's copied values and its payload view
 * (the l3 view of a reassembled packet is only its last fragment). A TCP
 * header is written without options. Returns the length. */
static size_t rebuild_reassembled(struct dpi *d, const struct packet *pkt)
{
    uint8_t *b = d->dgram;
    bool tcp = pkt->proto == IPPROTO_NUM_TCP;
    size_t ip_hdr = pkt->ip_version == 4 ? 20u : 40u, l4_hdr = tcp ? 20u : 8u;
    size_t plen = pkt->payload.len;
    size_t max = 65535u - l4_hdr - (pkt->ip_version == 4 ? 20u : 0u);
    if (plen > max)
        plen = max;
    memset(b, 0, ip_hdr + l4_hdr);
    if (pkt->ip_version == 4) {
        b[0] = 0x45;
        put_be16(b + 2, ip_hdr + l4_hdr + plen);
        b[8] = pkt->ttl;
        b[9] = pkt->proto;
        memcpy(b + 12, pkt->src.b, 4);
        memcpy(b + 16, pkt->dst.b, 4);
    } else {
        b[0] = 0x60;
        put_be16(b + 4, l4_hdr + plen);
        b[6] = pkt->proto;
        b[7] = pkt->ttl;
        memcpy(b + 8, pkt->src.b, 16);
        memcpy(b + 24, pkt->dst.b, 16);
    }
    uint8_t *l4 = b + ip_hdr;
    put_be16(l4, pkt->sport);
    put_be16(l4 + 2, pkt->dport);
    if (tcp) {
        put_be32(l4 + 4, pkt->tcp.seq);
        put_be32(l4 + 8, pkt->tcp.ack);
        l4[12] = (uint8_t)(5u << 4 | ((pkt->tcp.flags >> 8) & 1u)); /* data offset, NS */
        l4[13] = (uint8_t)pkt->tcp.flags;
        put_be16(l4 + 14, pkt->tcp.window);
    } else {
        put_be16(l4 + 4, 8 + plen);
    }
    if (plen > 0)
        memcpy(l4 + l4_hdr, pkt->payload.p, plen);
    return ip_hdr + l4_hdr + plen;
}

void dpi_feed(struct dpi *d, struct conn *c, const struct packet *pkt)
{
    if (c->dpi_done || (pkt->proto != IPPROTO_NUM_TCP && pkt->proto != IPPROTO_NUM_UDP))
        return;
    const uint8_t *l3 = pkt->l3.p;
    size_t l3_len = pkt->l3.len;
    if (pkt->reassembled) {
        if (pkt->ip_version != 4 && pkt->ip_version != 6)
            return;
        l3 = d->dgram;
        l3_len = rebuild_reassembled(d, pkt);
    }
    if (l3 == NULL || l3_len == 0)
        return;
    if (c->dpi_state == NULL) {
        c->dpi_state = ndpi_flow_malloc(d->flow_size);
        if (c->dpi_state == NULL) {
            ndpi_protocol none = {NDPI_PROTOCOL_UNKNOWN, NDPI_PROTOCOL_UNKNOWN,
                                  NDPI_PROTOCOL_CATEGORY_UNSPECIFIED};
            complete(d, c, none);
            return;
        }
        memset(c->dpi_state, 0, d->flow_size);
        if (++d->live > d->peak)
            d->peak = d->live;
    }
    /* nDPI takes an unsigned short length: an IP datagram never exceeds it */
    unsigned short len = l3_len > 0xffff ? 0xffff : (unsigned short)l3_len;
    ndpi_protocol p = ndpi_detection_process_packet(d->mod, c->dpi_state, l3, len, pkt->ts_ns / 1000000u);
    /* counted past the 16-bit field: with the largest limit (65535) the
     * 65536th packet must still end inspection, which a count saturating at
     * 65535 never would (the field then says 65535) */
    unsigned seen = c->dpi_packets + 1u;
    c->dpi_packets = seen > UINT16_MAX ? (uint16_t)UINT16_MAX : (uint16_t)seen;
    unsigned limit = pkt->proto == IPPROTO_NUM_TCP ? d->max_tcp_packets : d->max_udp_packets;
    bool enough = seen > limit;
    /* ndpiReader's rule: stop at a detection unless nDPI wants more packets
     * for metadata (certificates, ...), or when the limit is passed */
    if (!enough && p.app_protocol == NDPI_PROTOCOL_UNKNOWN)
        return;
    if (!enough && ndpi_extra_dissection_possible(d->mod, c->dpi_state))
        return;
    if (p.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
        uint8_t guessed = 0;
        p = ndpi_detection_giveup(d->mod, c->dpi_state, 1, &guessed);
    }
    complete(d, c, p);
}

void dpi_finish(struct dpi *d, struct conn *c)
{
    if (c->dpi_state != NULL) {
        uint8_t guessed = 0;
        ndpi_protocol p = ndpi_detection_giveup(d->mod, c->dpi_state, 1, &guessed);
        complete(d, c, p);
    }
}

void dpi_discard(struct dpi *d, struct conn *c)
{
    release_state(d, c);
}
