/* dpi.h - application protocol detection with Debian's nDPI 4.2 (issue 5): one
 * detection module per analyzer, one nDPI flow state per TCP/UDP connection
 * only while detection runs, freed as soon as the result is final. */
#ifndef SOCKSCOPE_DPI_H
#define SOCKSCOPE_DPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "err.h"
#include "packet.h"

/* ndpiReader's limits: it gives up once a flow has had more than this many
 * packets (both directions) without a final result. */
#define DPI_READER_TCP_PACKETS 80u
#define DPI_READER_UDP_PACKETS 24u
#define DPI_MAX_PACKETS_LIMIT  65535u /* conn.dpi_packets is 16 bits */

struct dpi;

/* Returns a new detection module (nDPI initialised with every protocol, as
 * ndpiReader does), or NULL with err set. max_packets bounds inspection per
 * connection: 0 = ndpiReader's limits (DPI_READER_TCP/UDP_PACKETS), otherwise
 * the same N for TCP and UDP (values above DPI_MAX_PACKETS_LIMIT are clamped).
 * Pair with dpi_destroy. */
struct dpi *dpi_create(unsigned max_packets, struct ss_err *err);

/* Frees the module; every connection state must have been finished or
 * discarded first. dpi_destroy(NULL) is a no-op. */
void dpi_destroy(struct dpi *d);

/* Feeds one packet of open connection c (pkt->proto TCP or UDP, pkt->l3 the IP
 * header onwards as captured). Allocates c->dpi_state on c's first packet and
 * frees it as soon as nDPI's answer is final or the packet limit is passed;
 * then c->dpi_done is set, the app ids are kept, and the host name goes to
 * c's cold part. Ignores
 * connections already done, other protocols and packets without an IP view;
 * a reassembled datagram (its l3 view is a single fragment) is rebuilt as one
 * unfragmented IP packet. Never fails: if
 * the state cannot be allocated the connection is finished as unknown. */
void dpi_feed(struct dpi *d, struct conn *c, const struct packet *pkt);

/* Ends detection for an open connection whose record is about to be made:
 * gives up with guessing (as ndpiReader does at the end of a capture) if it
 * is still running, keeps the result ids and frees the state. No-op for a
 * connection that never reached dpi_feed with a packet. */
void dpi_finish(struct dpi *d, struct conn *c);

/* Fills a record's application names from its nDPI ids (app_name,
 * app_category, service) and app_port_mismatch for its responder port. No-op
 * until dpi_done. */
void dpi_name_record(const struct dpi *d, struct conn *rec);

/* Frees c's state, if any, without a result (for analyzer_destroy). */
void dpi_discard(struct dpi *d, struct conn *c);

/* Connections whose nDPI state is live now, and the most at any one time. */
size_t dpi_inspecting(const struct dpi *d);
size_t dpi_peak_inspecting(const struct dpi *d);

/* Zeek's service name for one nDPI protocol name ("TLS" -> "ssl", "DNS" ->
 * "dns", "Kerberos" -> "krb_tcp"/"krb"), or NULL when Zeek has no analyzer for
 * it (callers then use the lower-cased nDPI name). The string is static. */
const char *dpi_zeek_name(const char *ndpi_name, uint8_t ipproto);

/* True if the IANA service name iana (as services_name() returns it) names
 * the protocol nDPI calls ndpi_name: "domain" for DNS, "https" for TLS,
 * "ssh" for SSH (by default the lower-cased nDPI name itself). */
bool dpi_iana_agrees(const char *ndpi_name, const char *iana);

/* nDPI's name for a classification confidence ("DPI", "Match by port", ...). */
const char *dpi_confidence_name(uint8_t confidence);

#endif
