// parallel_for over an index range on OpenMP, with a grain so small work stays on the
// calling thread (no fork cost). Thread count is process-wide (setNumThreads).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace myelin {

std::atomic<int>& num_threads();
void set_num_threads(int n);  // also sets BLAS threads

template <typename F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& f) {
  int64_t n = end - begin;
  if (n <= 0) return;
  int64_t max_t = std::min<int64_t>(num_threads().load(std::memory_order_relaxed), (n + grain - 1) / std::max<int64_t>(grain, 1));
#ifdef _OPENMP
  if (max_t > 1 && !omp_in_parallel()) {
#pragma omp parallel num_threads((int)max_t)
    {
      int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
      int64_t chunk = (n + nt - 1) / nt;
      int64_t b = begin + t * chunk, e = std::min(end, b + chunk);
      if (b < e) f(b, e);
    }
    return;
  }
#endif
  (void)max_t;
  f(begin, end);
}

}  // namespace myelin
