/* services.c - built-in IANA service names (Service Name and Transport
 * Protocol Port Number Registry) and Zeek's likely_server_ports.
 *
 * Names: the primary service name the IANA registry gives each (port,
 * transport), as mirrored in the IANA copy that Wireshark ships
 * (/usr/share/wireshark/services, "a local copy of the IANA port-numbers
 * file"), checked against netbase's /etc/services. Where IANA lists several
 * names for one port we keep the registry's first, except 465/tcp
 * "submissions" (RFC 8314; the registry also lists "urd") and 1701 "l2tp"
 * (the registry also lists "l2f"). Ports the registry leaves unassigned are
 * absent on purpose: 6379 is "redis", but e.g. 81/tcp has no name. */
#include "services.h"

#include <stdlib.h>

#define P_TCP  6
#define P_UDP  17
#define P_SCTP 132

/* Sorted by (ipproto, port); test_services checks the order. */
static const struct services_entry services_iana[] = {
    {P_TCP, 1, "tcpmux"},
    {P_TCP, 7, "echo"},
    {P_TCP, 9, "discard"},
    {P_TCP, 11, "systat"},
    {P_TCP, 13, "daytime"},
    {P_TCP, 17, "qotd"},
    {P_TCP, 19, "chargen"},
    {P_TCP, 20, "ftp-data"},
    {P_TCP, 21, "ftp"},
    {P_TCP, 22, "ssh"},
    {P_TCP, 23, "telnet"},
    {P_TCP, 25, "smtp"},
    {P_TCP, 37, "time"},
    {P_TCP, 42, "name"},
    {P_TCP, 43, "nicname"},
    {P_TCP, 49, "tacacs"},
    {P_TCP, 53, "domain"},
    {P_TCP, 67, "bootps"},
    {P_TCP, 68, "bootpc"},
    {P_TCP, 69, "tftp"},
    {P_TCP, 70, "gopher"},
    {P_TCP, 79, "finger"},
    {P_TCP, 80, "http"},
    {P_TCP, 88, "kerberos"},
    {P_TCP, 102, "iso-tsap"},
    {P_TCP, 104, "acr-nema"},
    {P_TCP, 109, "pop2"},
    {P_TCP, 110, "pop3"},
    {P_TCP, 111, "sunrpc"},
    {P_TCP, 113, "ident"},
    {P_TCP, 115, "sftp"},
    {P_TCP, 117, "uucp-path"},
    {P_TCP, 118, "sqlserv"},
    {P_TCP, 119, "nntp"},
    {P_TCP, 123, "ntp"},
    {P_TCP, 135, "epmap"},
    {P_TCP, 137, "netbios-ns"},
    {P_TCP, 138, "netbios-dgm"},
    {P_TCP, 139, "netbios-ssn"},
    {P_TCP, 143, "imap"},
    {P_TCP, 161, "snmp"},
    {P_TCP, 162, "snmptrap"},
    {P_TCP, 177, "xdmcp"},
    {P_TCP, 179, "bgp"},
    {P_TCP, 194, "irc"},
    {P_TCP, 199, "smux"},
    {P_TCP, 201, "at-rtmp"},
    {P_TCP, 209, "qmtp"},
    {P_TCP, 210, "z39-50"},
    {P_TCP, 220, "imap3"},
    {P_TCP, 264, "bgmp"},
    {P_TCP, 311, "asip-webadmin"},
    {P_TCP, 318, "pkix-timestamp"},
    {P_TCP, 350, "matip-type-a"},
    {P_TCP, 389, "ldap"},
    {P_TCP, 401, "ups"},
    {P_TCP, 427, "svrloc"},
    {P_TCP, 443, "https"},
    {P_TCP, 444, "snpp"},
    {P_TCP, 445, "microsoft-ds"},
    {P_TCP, 464, "kpasswd"},
    {P_TCP, 465, "submissions"},
    {P_TCP, 497, "retrospect"},
    {P_TCP, 500, "isakmp"},
    {P_TCP, 502, "mbap"},
    {P_TCP, 512, "exec"},
    {P_TCP, 513, "login"},
    {P_TCP, 514, "shell"},
    {P_TCP, 515, "printer"},
    {P_TCP, 520, "efs"},
    {P_TCP, 524, "ncp"},
    {P_TCP, 530, "courier"},
    {P_TCP, 532, "netnews"},
    {P_TCP, 540, "uucp"},
    {P_TCP, 543, "klogin"},
    {P_TCP, 544, "kshell"},
    {P_TCP, 548, "afpovertcp"},
    {P_TCP, 554, "rtsp"},
    {P_TCP, 563, "nntps"},
    {P_TCP, 587, "submission"},
    {P_TCP, 593, "http-rpc-epmap"},
    {P_TCP, 623, "oob-ws-http"},
    {P_TCP, 631, "ipp"},
    {P_TCP, 636, "ldaps"},
    {P_TCP, 639, "msdp"},
    {P_TCP, 646, "ldp"},
    {P_TCP, 647, "dhcp-failover"},
    {P_TCP, 666, "mdqs"},
    {P_TCP, 674, "acap"},
    {P_TCP, 694, "ha-cluster"},
    {P_TCP, 749, "kerberos-adm"},
    {P_TCP, 853, "domain-s"},
    {P_TCP, 860, "iscsi"},
    {P_TCP, 873, "rsync"},
    {P_TCP, 902, "ideafarm-door"},
    {P_TCP, 989, "ftps-data"},
    {P_TCP, 990, "ftps"},
    {P_TCP, 992, "telnets"},
    {P_TCP, 993, "imaps"},
    {P_TCP, 995, "pop3s"},
    {P_TCP, 1080, "socks"},
    {P_TCP, 1099, "rmiregistry"},
    {P_TCP, 1194, "openvpn"},
    {P_TCP, 1241, "nessus"},
    {P_TCP, 1352, "lotusnote"},
    {P_TCP, 1433, "ms-sql-s"},
    {P_TCP, 1434, "ms-sql-m"},
    {P_TCP, 1521, "ncube-lm"},
    {P_TCP, 1701, "l2tp"},
    {P_TCP, 1720, "h323hostcall"},
    {P_TCP, 1723, "pptp"},
    {P_TCP, 1755, "ms-streaming"},
    {P_TCP, 1812, "radius"},
    {P_TCP, 1813, "radius-acct"},
    {P_TCP, 1883, "mqtt"},
    {P_TCP, 1935, "macromedia-fcs"},
    {P_TCP, 1985, "hsrp"},
    {P_TCP, 2000, "cisco-sccp"},
    {P_TCP, 2049, "nfs"},
    {P_TCP, 2082, "infowave"},
    {P_TCP, 2083, "radsec"},
    {P_TCP, 2123, "gtp-control"},
    {P_TCP, 2152, "gtp-user"},
    {P_TCP, 2181, "eforward"},
    {P_TCP, 2375, "docker"},
    {P_TCP, 2376, "docker-s"},
    {P_TCP, 2379, "etcd-client"},
    {P_TCP, 2380, "etcd-server"},
    {P_TCP, 2401, "cvspserver"},
    {P_TCP, 2404, "iec-104"},
    {P_TCP, 2427, "mgcp-gateway"},
    {P_TCP, 2483, "ttc"},
    {P_TCP, 2484, "ttc-ssl"},
    {P_TCP, 2628, "dict"},
    {P_TCP, 2775, "smpp"},
    {P_TCP, 2809, "corbaloc"},
    {P_TCP, 2905, "m3ua"},
    {P_TCP, 2944, "megaco-h248"},
    {P_TCP, 2947, "gpsd"},
    {P_TCP, 3000, "hbci"},
    {P_TCP, 3050, "gds-db"},
    {P_TCP, 3128, "ndl-aas"},
    {P_TCP, 3260, "iscsi-target"},
    {P_TCP, 3268, "msft-gc"},
    {P_TCP, 3269, "msft-gc-ssl"},
    {P_TCP, 3306, "mysql"},
    {P_TCP, 3343, "ms-cluster-net"},
    {P_TCP, 3389, "ms-wbt-server"},
    {P_TCP, 3478, "stun"},
    {P_TCP, 3544, "teredo"},
    {P_TCP, 3632, "distcc"},
    {P_TCP, 3689, "daap"},
    {P_TCP, 3690, "svn"},
    {P_TCP, 3702, "ws-discovery"},
    {P_TCP, 3868, "diameter"},
    {P_TCP, 4190, "sieve"},
    {P_TCP, 4333, "ahsp"},
    {P_TCP, 4369, "epmd"},
    {P_TCP, 4444, "krb524"},
    {P_TCP, 4460, "ntske"},
    {P_TCP, 4500, "ipsec-nat-t"},
    {P_TCP, 4739, "ipfix"},
    {P_TCP, 4740, "ipfixs"},
    {P_TCP, 4840, "opcua-tcp"},
    {P_TCP, 4949, "munin"},
    {P_TCP, 5000, "commplex-main"},
    {P_TCP, 5001, "commplex-link"},
    {P_TCP, 5004, "avt-profile-1"},
    {P_TCP, 5005, "avt-profile-2"},
    {P_TCP, 5060, "sip"},
    {P_TCP, 5061, "sips"},
    {P_TCP, 5190, "aol"},
    {P_TCP, 5222, "xmpp-client"},
    {P_TCP, 5223, "hpvirtgrp"},
    {P_TCP, 5269, "xmpp-server"},
    {P_TCP, 5280, "xmpp-bosh"},
    {P_TCP, 5298, "presence"},
    {P_TCP, 5349, "stuns"},
    {P_TCP, 5353, "mdns"},
    {P_TCP, 5355, "llmnr"},
    {P_TCP, 5357, "wsdapi"},
    {P_TCP, 5432, "postgresql"},
    {P_TCP, 5500, "fcp-addr-srvr1"},
    {P_TCP, 5601, "esmagent"},
    {P_TCP, 5631, "pcanywheredata"},
    {P_TCP, 5666, "nrpe"},
    {P_TCP, 5671, "amqps"},
    {P_TCP, 5672, "amqp"},
    {P_TCP, 5683, "coap"},
    {P_TCP, 5900, "rfb"},
    {P_TCP, 5984, "couchdb"},
    {P_TCP, 5985, "wsman"},
    {P_TCP, 5986, "wsmans"},
    {P_TCP, 6000, "x11"},
    {P_TCP, 6343, "sflow"},
    {P_TCP, 6379, "redis"},
    {P_TCP, 6443, "sun-sr-https"},
    {P_TCP, 6514, "syslog-tls"},
    {P_TCP, 6566, "sane-port"},
    {P_TCP, 6653, "openflow"},
    {P_TCP, 6665, "ircu"},
    {P_TCP, 6666, "ircu"},
    {P_TCP, 6667, "ircu"},
    {P_TCP, 6668, "ircu"},
    {P_TCP, 6669, "ircu"},
    {P_TCP, 6697, "ircs-u"},
    {P_TCP, 7000, "afs3-fileserver"},
    {P_TCP, 7001, "afs3-callback"},
    {P_TCP, 7070, "arcp"},
    {P_TCP, 7474, "neo4j"},
    {P_TCP, 7547, "cwmp"},
    {P_TCP, 8000, "irdmi"},
    {P_TCP, 8008, "http-alt"},
    {P_TCP, 8080, "http-alt"},
    {P_TCP, 8081, "sunproxyadmin"},
    {P_TCP, 8140, "puppet"},
    {P_TCP, 8443, "pcsync-https"},
    {P_TCP, 8883, "secure-mqtt"},
    {P_TCP, 8888, "ddi-tcp-1"},
    {P_TCP, 9000, "cslistener"},
    {P_TCP, 9090, "websm"},
    {P_TCP, 9091, "xmltec-xmlmail"},
    {P_TCP, 9100, "hp-pdl-datastr"},
    {P_TCP, 9200, "wap-wsp"},
    {P_TCP, 9418, "git"},
    {P_TCP, 9443, "tungsten-https"},
    {P_TCP, 9999, "distinct"},
    {P_TCP, 10000, "ndmp"},
    {P_TCP, 10050, "zabbix-agent"},
    {P_TCP, 10051, "zabbix-trapper"},
    {P_TCP, 11211, "memcache"},
    {P_TCP, 11371, "hkp"},
    {P_TCP, 20000, "dnp"},
    {P_TCP, 27017, "mongodb"},
    {P_UDP, 7, "echo"},
    {P_UDP, 9, "discard"},
    {P_UDP, 13, "daytime"},
    {P_UDP, 19, "chargen"},
    {P_UDP, 37, "time"},
    {P_UDP, 49, "tacacs"},
    {P_UDP, 53, "domain"},
    {P_UDP, 67, "bootps"},
    {P_UDP, 68, "bootpc"},
    {P_UDP, 69, "tftp"},
    {P_UDP, 88, "kerberos"},
    {P_UDP, 111, "sunrpc"},
    {P_UDP, 123, "ntp"},
    {P_UDP, 135, "epmap"},
    {P_UDP, 137, "netbios-ns"},
    {P_UDP, 138, "netbios-dgm"},
    {P_UDP, 161, "snmp"},
    {P_UDP, 162, "snmptrap"},
    {P_UDP, 177, "xdmcp"},
    {P_UDP, 389, "ldap"},
    {P_UDP, 427, "svrloc"},
    {P_UDP, 443, "https"},
    {P_UDP, 445, "microsoft-ds"},
    {P_UDP, 464, "kpasswd"},
    {P_UDP, 500, "isakmp"},
    {P_UDP, 514, "syslog"},
    {P_UDP, 520, "router"},
    {P_UDP, 521, "ripng"},
    {P_UDP, 546, "dhcpv6-client"},
    {P_UDP, 547, "dhcpv6-server"},
    {P_UDP, 623, "asf-rmcp"},
    {P_UDP, 646, "ldp"},
    {P_UDP, 853, "domain-s"},
    {P_UDP, 1194, "openvpn"},
    {P_UDP, 1434, "ms-sql-m"},
    {P_UDP, 1701, "l2tp"},
    {P_UDP, 1812, "radius"},
    {P_UDP, 1813, "radius-acct"},
    {P_UDP, 1900, "ssdp"},
    {P_UDP, 1985, "hsrp"},
    {P_UDP, 2049, "nfs"},
    {P_UDP, 2123, "gtp-control"},
    {P_UDP, 2152, "gtp-user"},
    {P_UDP, 2727, "mgcp-callagent"},
    {P_UDP, 3478, "stun"},
    {P_UDP, 3544, "teredo"},
    {P_UDP, 3702, "ws-discovery"},
    {P_UDP, 4500, "ipsec-nat-t"},
    {P_UDP, 4739, "ipfix"},
    {P_UDP, 4789, "vxlan"},
    {P_UDP, 4790, "vxlan-gpe"},
    {P_UDP, 5004, "avt-profile-1"},
    {P_UDP, 5005, "avt-profile-2"},
    {P_UDP, 5060, "sip"},
    {P_UDP, 5246, "capwap-control"},
    {P_UDP, 5247, "capwap-data"},
    {P_UDP, 5349, "stuns"},
    {P_UDP, 5353, "mdns"},
    {P_UDP, 5355, "llmnr"},
    {P_UDP, 5683, "coap"},
    {P_UDP, 5684, "coaps"},
    {P_UDP, 6081, "geneve"},
    {P_UDP, 6343, "sflow"},
    {P_UDP, 8472, "otv"},
    {P_UDP, 11211, "memcache"},
    {P_UDP, 20000, "dnp"},
    {P_UDP, 47808, "bacnet"},
    {P_SCTP, 9, "discard"},
    {P_SCTP, 20, "ftp-data"},
    {P_SCTP, 21, "ftp"},
    {P_SCTP, 22, "ssh"},
    {P_SCTP, 80, "http"},
    {P_SCTP, 179, "bgp"},
    {P_SCTP, 443, "https"},
    {P_SCTP, 2049, "nfs"},
    {P_SCTP, 2904, "m2ua"},
    {P_SCTP, 2905, "m3ua"},
    {P_SCTP, 2944, "megaco-h248"},
    {P_SCTP, 2945, "h248-binary"},
    {P_SCTP, 3097, "itu-bicc-stc"},
    {P_SCTP, 3565, "m2pa"},
    {P_SCTP, 3863, "asap-sctp"},
    {P_SCTP, 3864, "asap-sctp-tls"},
    {P_SCTP, 3868, "diameter"},
    {P_SCTP, 4739, "ipfix"},
    {P_SCTP, 5060, "sip"},
    {P_SCTP, 5061, "sips"},
    {P_SCTP, 5090, "car"},
    {P_SCTP, 5091, "cxtp"},
    {P_SCTP, 5672, "amqp"},
    {P_SCTP, 6704, "frc-hp"},
    {P_SCTP, 6705, "frc-mp"},
    {P_SCTP, 6706, "frc-lp"},
    {P_SCTP, 9900, "iua"},
    {P_SCTP, 9901, "enrp-sctp"},
    {P_SCTP, 9902, "enrp-sctp-tls"},
    {P_SCTP, 14001, "sua"},
    {P_SCTP, 20049, "nfsrdma"},
    {P_SCTP, 29118, "sgsap"},
    {P_SCTP, 29168, "sbcap"},
    {P_SCTP, 36412, "s1-control"},
    {P_SCTP, 36422, "x2-control"},
    {P_SCTP, 36443, "m2ap"},
    {P_SCTP, 36462, "xw-control"},
    {P_SCTP, 38412, "ng-control"},
    {P_SCTP, 38422, "xn-control"},
    {P_SCTP, 38462, "e1-interface"},
    {P_SCTP, 38472, "f1-control"},
};

#define N_SERVICES (sizeof(services_iana) / sizeof(services_iana[0]))

static int services_cmp(const void *key, const void *elem)
{
    const struct services_entry *a = key, *b = elem;
    if (a->ipproto != b->ipproto)
        return a->ipproto < b->ipproto ? -1 : 1;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    return 0;
}

const char *services_name(uint8_t ipproto, uint16_t port)
{
    struct services_entry key = {ipproto, port, NULL};
    const struct services_entry *e =
        bsearch(&key, services_iana, N_SERVICES, sizeof(services_iana[0]), services_cmp);
    return e != NULL ? e->name : NULL;
}

const struct services_entry *services_table(size_t *n_entries)
{
    *n_entries = N_SERVICES;
    return services_iana;
}

const char *services_proto_name(uint8_t ipproto)
{
    /* IANA Assigned Internet Protocol Numbers, keywords in lower case */
    switch (ipproto) {
    case 1:
        return "icmp";
    case 2:
        return "igmp";
    case 4:
        return "ipip";
    case P_TCP:
        return "tcp";
    case P_UDP:
        return "udp";
    case 41:
        return "ipv6";
    case 46:
        return "rsvp";
    case 47:
        return "gre";
    case 50:
        return "esp";
    case 51:
        return "ah";
    case 58:
        return "icmpv6";
    case 89:
        return "ospf";
    case 103:
        return "pim";
    case 112:
        return "vrrp";
    case 115:
        return "l2tp";
    case P_SCTP:
        return "sctp";
    case 136:
        return "udplite";
    default:
        return NULL;
    }
}

const char *services_zeek_proto(uint8_t ipproto)
{
    /* Zeek's transport_proto enum: icmp covers ICMPv6 too */
    switch (ipproto) {
    case P_TCP:
        return "tcp";
    case P_UDP:
        return "udp";
    case 1:
    case 58:
        return "icmp";
    default:
        return "unknown_transport";
    }
}

/* Zeek's likely_server_ports: every server port registered by the default
 * (base) scripts through Analyzer::register_for_ports and the packet-analyzer
 * registrations, as `redef likely_server_ports += { ports }` in each.
 * Sources (zeek/zeek, scripts/base/protocols/<p>/main.zeek unless noted):
 *   checked in the scripts: http 80 81 631 1080 3128 8000 8080 8888/tcp;
 *   ssl 443 563 585 614 636 989 990 992 993 995 5223/tcp; dns 53/tcp, 53 137
 *   5353 5355/udp; irc 6666-6669/tcp; mysql 1434 3306/tcp; xmpp 5222
 *   5269/tcp; ldap 389 3268/tcp, 389/udp; dce-rpc 135/tcp; quic 443 784
 *   853/udp; modbus (502/tcp).
 *   from the same scripts, not re-checked here: ftp 21 2811/tcp; ssh 22/tcp;
 *   smtp 25 587/tcp; finger 79/tcp; krb 88/tcp+udp; pop3 110/tcp; imap
 *   143/tcp; smb 139 445/tcp; socks 1080/tcp; mqtt 1883/tcp; rdp 3389/tcp;
 *   postgresql 5432/tcp; redis 6379/tcp; dnp3 20000/tcp+udp; dhcp 67 68/udp;
 *   ntp 123/udp; snmp 161 162/udp; syslog 514/udp; radius 1812/udp; sip
 *   5060/udp; dtls 443/udp; tunnels (base/packet-protocols): gtpv1 2123
 *   2152/udp, teredo 3544/udp, vxlan 4789/udp, ayiya 5072/udp, geneve
 *   6081/udp.
 * Not included: 23 (telnet) and 513/514 (rlogin/rsh) -- Zeek's login
 * analyzers are found by DPD, no base script registers their ports. */
static const uint16_t likely_tcp[] = {
    21,  22,  25,  53,  79,  80,  81,  88,   110,  135,  139,  143,  389,  443,  445,  502,
    563, 585, 587, 614, 631, 636, 989, 990,  992,  993,  995,  1080, 1434, 1883, 2811, 3128,
    3268, 3306, 3389, 5222, 5223, 5269, 5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888,
    20000,
};

static const uint16_t likely_udp[] = {
    53, 67, 68, 88, 123, 137, 161, 162, 389, 443, 514, 784, 853, 1812, 2123, 2152, 3544,
    4789, 5060, 5072, 5353, 5355, 6081, 20000,
};

static int port_cmp(const void *key, const void *elem)
{
    uint16_t a = *(const uint16_t *)key, b = *(const uint16_t *)elem;
    return a < b ? -1 : a > b ? 1 : 0;
}

bool services_is_likely_server_port(uint8_t ipproto, uint16_t port)
{
    const uint16_t *set;
    size_t n;
    if (ipproto == P_TCP) {
        set = likely_tcp;
        n = sizeof(likely_tcp) / sizeof(likely_tcp[0]);
    } else if (ipproto == P_UDP) {
        set = likely_udp;
        n = sizeof(likely_udp) / sizeof(likely_udp[0]);
    } else {
        return false;
    }
    return bsearch(&port, set, n, sizeof(set[0]), port_cmp) != NULL;
}
