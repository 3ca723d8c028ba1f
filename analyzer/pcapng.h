/* pcapng.h - our own pcapng block reader (draft-ietf-opsawg-pcapng): SHB, IDB,
 * EPB, SPB and the obsolete PB; every other block is skipped by its length.
 * Unlike libpcap 1.10 it accepts interfaces of different link types in one
 * section and reports the link type of each packet. */
#ifndef SOCKSCOPE_PCAPNG_H
#define SOCKSCOPE_PCAPNG_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "filebuf.h"

#define PCAPNG_MAGIC          0x0A0D0D0Au /* SHB block type, a byte palindrome */
#define PCAPNG_MAX_BLOCK_LEN  (256u * 1024u * 1024u) /* sanity cap on hostile input */
#define PCAPNG_SHB_MIN_LEN    28u

struct pcapng_reader;

/* One interface of the current section, as its IDB described it. */
struct pcapng_interface {
    uint32_t linktype;      /* LINKTYPE_* (the IDB field is 16 bits: no FCS bits) */
    uint32_t snaplen;       /* 0: unlimited */
    uint64_t units_per_sec; /* from if_tsresol: 10^n, or 2^n (default 10^6) */
    uint8_t tsresol;        /* the raw if_tsresol byte (6 when absent) */
    int64_t tsoffset_s;     /* if_tsoffset, seconds added to every timestamp */
};

/* One packet record; data is borrowed from the reader's buffer and valid until
 * the next pcapng_next or pcapng_close call. */
struct pcapng_packet {
    const uint8_t *data;
    uint32_t cap_len, wire_len;
    uint32_t linktype;  /* of the packet's interface */
    uint32_t if_index;  /* interface id within its section */
    uint64_t ts_ns;     /* nanoseconds since the epoch (if_tsoffset applied) */
    uint64_t record_no; /* 1-based count of EPB/SPB/PB records in the file */
    bool over_snaplen;  /* cap_len is beyond its interface's snaplen: read whole, as
                           Wireshark reads it (libpcap 1.10 stops reading there) */
    bool bad_ts;        /* the time is outside what ts_ns holds and was clamped
                           (pcapng_ts_to_ns) */
};

/* Starts reading a pcapng file whose first byte (the SHB's) is in's next
 * unread byte (bytes a caller peeked through in, not consumed, are read
 * again): takes in over, whatever the outcome (in is left empty,
 * filebuf_move). A regular file is read in chunks, a pipe exactly the bytes of
 * each block (filebuf.h); the descriptor or stream stays the caller's, open
 * until the reader is closed. Reads the SHB and the blocks after it up to the
 * first IDB (or the first packet block, kept for pcapng_next), so
 * pcapng_first_interface() is known. in's name (borrowed, must outlive the
 * reader) prefixes error messages.
 * Returns 0, or -1 with err set ("NAME: truncated file header", "NAME: block at
 * offset N: ...", "NAME: no interface description block in the file" when EOF
 * comes before any IDB or packet block) and *r NULL. */
int pcapng_open(struct pcapng_reader **r, struct filebuf *in, struct ss_err *err);

/* Reads the next packet record. Returns 1 (packet in *pkt), 0 at the end of the
 * file, -1 with err set to "NAME: block at offset N: ..." (bad block structure)
 * or "NAME: record N: ..." (bad or truncated packet record). After -1 the
 * reader stays in error: later calls return -1 again. */
int pcapng_next(struct pcapng_reader *r, struct pcapng_packet *pkt, struct ss_err *err);

/* The first interface of the first section, or NULL if none was seen before
 * the first packet block (or EOF). */
const struct pcapng_interface *pcapng_first_interface(const struct pcapng_reader *r);

/* Byte order of the first section. */
bool pcapng_big_endian(const struct pcapng_reader *r);

/* Converts a raw pcapng timestamp of interface ifc (its if_tsresol units, plus
 * its if_tsoffset seconds, which is signed) to nanoseconds since the epoch. A
 * time that uint64 nanoseconds cannot hold, before 1970-01-01T00:00:00Z (a
 * negative if_tsoffset) or after 2554-07-21T23:34:33.709551615Z (a large
 * offset, or a large count of coarse units), is clamped to that end of the
 * range, with *clamped set (else false): never wrapped. */
uint64_t pcapng_ts_to_ns(const struct pcapng_interface *ifc, uint64_t ts, bool *clamped);

/* Frees the reader (not its descriptor or stream); pcapng_close(NULL) is a
 * no-op. */
void pcapng_close(struct pcapng_reader *r);

#endif
