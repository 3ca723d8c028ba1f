/* reader_thread.h - reading a capture file on a second thread.
 *
 * The reader thread calls capture_next, takes each frame into a ring of
 * analyzer_frames (dissection, flow key and hash, and a copy of its bytes when
 * the tracker reads them: analyzer_frame_take) and counts it in the capture statistics (on a part of its
 * own, stats_split, joined back at the end: the tracking thread is the busier
 * one); the calling thread fetches the flows' memory a few frames ahead and
 * feeds the frames to the analyzer in capture order. Records, statistics and
 * their order are exactly those of feeding the same frames with analyzer_feed
 * on one thread: only analyzer_frame_take, which has no side effects, and the
 * counting, on the thread's own part, run on the other thread. */
#ifndef SOCKSCOPE_READER_THREAD_H
#define SOCKSCOPE_READER_THREAD_H

#include <stdint.h>

#include "analyzer.h"
#include "capture.h"
#include "err.h"

/* Feeds the frames of cap to an, at most max_frames of them (0 = all), the
 * reading on a second thread. *n_fed counts the frames fed. Returns what the
 * last capture_next returned: 0 at the end of the file, 1 when max_frames
 * were read, -1 on a read error (err set; the frames before it were fed).
 * When the thread cannot be started, reads on the calling thread instead
 * (same results). An out-of-memory copy of a frame is a read error. */
int reader_thread_run(struct analyzer *an, struct capture *cap, uint64_t max_frames,
                      uint64_t *n_fed, struct ss_err *err);

/* Feeds the same frames on the calling thread alone (analyzer_feed_ahead);
 * same contract as reader_thread_run. */
int reader_single_run(struct analyzer *an, struct capture *cap, uint64_t max_frames,
                      uint64_t *n_fed, struct ss_err *err);

#endif
