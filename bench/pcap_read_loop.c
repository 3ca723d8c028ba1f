/* pcap_read_loop.c - the benchmark's baseline: a bare libpcap read loop
 * (pcap_open_offline + pcap_next_ex) that touches each packet's first byte. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pcap_read_loop FILE\n");
        return 2;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    double t0 = now_s();
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (p == NULL) {
        fprintf(stderr, "pcap_read_loop: %s\n", errbuf);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, bytes = 0;
    unsigned sum = 0; /* printed, so the compiler cannot drop the byte reads */
    int r;
    while ((r = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
        if (h->caplen > 0)
            sum += data[0];
    }
    if (r == PCAP_ERROR) {
        fprintf(stderr, "pcap_read_loop: %s: %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    double secs = now_s() - t0;
    if (secs <= 0)
        secs = 1e-9;
    printf("packets=%llu bytes=%llu seconds=%.3f packets_per_s=%.0f MB_per_s=%.1f first_byte_sum=%u\n",
           (unsigned long long)packets, (unsigned long long)bytes, secs, (double)packets / secs,
           (double)bytes / 1e6 / secs, sum);
    return 0;
}
