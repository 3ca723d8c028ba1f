/* dissect_dump.h - what fuzz_frame.c calls after each dissection when built as
 * fuzz_frame_dump (-DFUZZ_FRAME_DUMP): dissect_dump.c records the packet. */
#ifndef SOCKSCOPE_DISSECT_DUMP_H
#define SOCKSCOPE_DISSECT_DUMP_H

#include "frame.h"

/* Records every field of pkt, dissected from f (views as offsets into f->data). */
void dissect_dump_packet(const struct frame_in *f, const struct packet *pkt);

#endif
