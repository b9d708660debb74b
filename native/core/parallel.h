// parallel_for over an index range on myelin's own thread pool, with a grain so small
// work stays on the calling thread. Thread count is process-wide (setNumThreads).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>

namespace myelin {

std::atomic<int>& num_threads();
void set_num_threads(int n);  // also sets BLAS threads
// The threads parallel_for runs on in this build, as backendInfo().parallel reports it:
// "openmp" (libgomp's, shared with oneDNN) or "pool" (myelin's own workers).
const char* parallel_backend();

using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end);
// Splits [begin, end) into chunks that the calling thread and the pool's workers claim
// one at a time; returns once every chunk has run. Runs inline when nested, when another
// thread's job holds the pool, or when the range is below two grains.
void parallel_run(int64_t begin, int64_t end, int64_t grain, RangeFn fn, void* ctx);

template <typename F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& f) {
  if (end - begin <= 0) return;
  if (end - begin < 2 * std::max<int64_t>(grain, 1) || num_threads().load(std::memory_order_relaxed) <= 1) {
    f(begin, end);
    return;
  }
  parallel_run(begin, end, grain, [](void* c, int64_t b, int64_t e) { (*static_cast<const F*>(c))(b, e); },
               const_cast<F*>(&f));
}

}  // namespace myelin
