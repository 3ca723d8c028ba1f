/* pcap_reader.h - our own reader of classic pcap files (pcap-savefile(5)):
 * the 24-byte file header, then records of a 16-byte header and the captured
 * bytes, in either byte order, with micro- or nanosecond timestamps; also
 * Alexey Kuznetzov's modified format (magic 0xa1b2cd34, record headers of 24
 * bytes), which libpcap reads too.
 *
 * Why not libpcap's pcap_next_ex: it copies every record twice (stdio's
 * buffer, then its own) in two freads, about 400 instructions a record, and it
 * cuts a record longer than the file's snaplen to the snaplen without a word.
 * This reader hands out records where they lie in its buffer, and a record
 * longer than the snaplen whole, as Wireshark reads it, marked so that the
 * caller can say so; what it accepts is what libpcap 1.10 accepts (checked
 * against it with crafted files):
 * versions 2.0 to 2.4 and 543.0 (DG/UX), the two length fields of a record in
 * the order of its version (swapped before 2.3, either way in 2.3, and in
 * 543.0), and at most libpcap's largest record for the link type (256 KiB; 1
 * MiB for USBPcap, 8 MiB for EBHSCR, 128 MiB for D-Bus).
 *
 * It reads through a filebuf.h window: a regular file in large chunks, a pipe
 * exactly the bytes of the next header or record, so that a record is handed
 * out as soon as it has arrived. */
#ifndef SOCKSCOPE_PCAP_READER_H
#define SOCKSCOPE_PCAP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "filebuf.h"

#define PCAP_FILE_HDR_LEN   24u
#define PCAP_REC_HDR_LEN    16u
#define PCAP_LINKTYPE_MASK  0x03FFFFFFu /* bits 26-31 carry the FCS flag and length */

struct pcap_reader;

/* What the file header says. */
struct pcap_file_info {
    bool big_endian;
    bool nanosecond;
    bool kuznetzov;    /* Kuznetzov's modified pcap (magic 0xa1b2cd34): 24-byte record
                          headers, the 8 bytes after the usual 16 skipped */
    uint16_t version_major, version_minor;
    uint32_t snaplen;  /* as stored (0: not given) */
    uint32_t linktype; /* LINKTYPE_*, FCS bits masked */
};

/* One record; data lies in the reader's buffer until the next pcap_reader_next
 * or pcap_reader_close. */
struct pcap_record {
    const uint8_t *data;
    uint32_t cap_len, wire_len;
    uint64_t ts_ns;     /* seconds as unsigned 32 bits, plus the fraction, unsigned */
    uint64_t record_no; /* 1-based */
    bool over_snaplen;  /* cap_len is beyond the file's snaplen (which libpcap would cut
                           it to): a wrong snaplen in the header, or an edited file */
    bool bad_ts;        /* the fraction of a second was a second or more (damage: 10^6
                           microseconds, 10^9 nanoseconds, 2^31 read signed by libpcap):
                           its whole seconds are carried into the seconds */
};

/* Starts reading a classic pcap file whose first byte is in's next unread
 * byte (bytes a caller peeked through in, not consumed, are read again):
 * takes in over, whatever the outcome (in is left empty, filebuf_move). Its
 * descriptor or stream stays the caller's, open until the reader is closed;
 * in's name (borrowed, must outlive the reader) prefixes messages. Returns 0,
 * or -1 with err set ("NAME: truncated file header", "NAME: not a classic
 * pcap file (magic 0x...)", "NAME: pcap format version 1.0 is not supported
 * (2.0-2.4 and 543.0 are)") and *r NULL. */
int pcap_reader_open(struct pcap_reader **r, struct filebuf *in, struct ss_err *err);

const struct pcap_file_info *pcap_reader_info(const struct pcap_reader *r);

/* The largest captured length libpcap 1.10 reads for linktype. */
uint32_t pcap_max_caplen(uint32_t linktype);

/* Reads the next record. Returns 1 (record in *rec), 0 at the end of the file
 * (on a record boundary), -1 with err set to "NAME: record N: ..." (a record
 * header or record cut short, a captured length beyond libpcap's largest) or
 * "NAME: read error: ...". After -1 the reader stays in
 * error: later calls return -1 again. */
int pcap_reader_next(struct pcap_reader *r, struct pcap_record *rec, struct ss_err *err);

/* Bytes of buffer the reader holds: a chunk (256 KiB) or the largest record
 * so far, rounded up; never the length a cut record only claimed. */
size_t pcap_reader_buffer_size(const struct pcap_reader *r);

/* Frees the reader (not its descriptor or stream); pcap_reader_close(NULL) is
 * a no-op. */
void pcap_reader_close(struct pcap_reader *r);

#endif
