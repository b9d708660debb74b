// The thread pool behind parallel_for. Work is cut into more chunks than threads and
// claimed through one atomic counter, so the caller never waits for a worker that the
// OS has not scheduled yet: it runs the unclaimed chunks itself and waits only for
// chunks already in progress. (A fork-join OpenMP region instead waits a whole time
// slice, ~8 ms, whenever another process holds the other core.)
#include "parallel.h"
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>
#ifdef MYELIN_OPENBLAS
extern "C" void openblas_set_num_threads(int);
#endif
#ifdef MYELIN_DNNL
extern "C" void omp_set_num_threads(int);  // oneDNN's convolutions run on OpenMP's threads
#endif

namespace myelin {

std::atomic<int>& num_threads() {
  static std::atomic<int> n{(int)std::max(1u, std::thread::hardware_concurrency())};
  return n;
}

namespace {
thread_local bool in_pool_job = false;

struct Pool {
  std::mutex job_mu;  // one job at a time; a second caller runs inline
  std::mutex mu;
  std::condition_variable cv;
  uint32_t gen = 0;   // guarded by mu: bumps once per job to wake workers
  std::vector<std::thread> workers;
  // the current job; claims carry the generation so a late worker cannot take a chunk
  // of the next job
  std::atomic<uint64_t> next{0};  // (gen << 32) | next chunk
  std::atomic<uint32_t> nchunks{0};
  std::atomic<uint32_t> done{0};
  RangeFn fn = nullptr;
  void* ctx = nullptr;
  int64_t begin = 0, end = 0, chunk = 1;
  std::mutex err_mu;
  std::exception_ptr error;

  void work(uint32_t g) {
    for (;;) {
      uint64_t cur = next.load(std::memory_order_acquire);
      if ((uint32_t)(cur >> 32) != g || (uint32_t)cur >= nchunks.load(std::memory_order_relaxed)) return;
      if (!next.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel)) continue;
      int64_t b = begin + (int64_t)(uint32_t)cur * chunk, e = std::min(end, b + chunk);
      try {
        fn(ctx, b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lk(err_mu);
        if (!error) error = std::current_exception();
      }
      done.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void worker_loop() {
    in_pool_job = true;
    uint32_t seen = 0;
    for (;;) {
      uint32_t g;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return gen != seen; });
        g = seen = gen;
      }
      work(g);
    }
  }

  void grow(int n) {  // called with job_mu held
    while ((int)workers.size() < n - 1) {
      workers.emplace_back([this] { worker_loop(); });
      workers.back().detach();
    }
  }
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers live until the process exits
  return *p;
}
}  // namespace

void parallel_run(int64_t begin, int64_t end, int64_t grain, RangeFn fn, void* ctx) {
  Pool& P = pool();
  int nt = num_threads().load(std::memory_order_relaxed);
  if (in_pool_job || nt <= 1 || !P.job_mu.try_lock()) {
    fn(ctx, begin, end);
    return;
  }
  std::lock_guard<std::mutex> hold(P.job_mu, std::adopt_lock);
  P.grow(nt);
  int64_t n = end - begin;
  int64_t chunks = std::min<int64_t>(4 * (int64_t)nt, (n + grain - 1) / std::max<int64_t>(grain, 1));
  P.chunk = (n + chunks - 1) / chunks;
  chunks = (n + P.chunk - 1) / P.chunk;
  P.fn = fn;
  P.ctx = ctx;
  P.begin = begin;
  P.end = end;
  P.error = nullptr;
  P.done.store(0, std::memory_order_relaxed);
  P.nchunks.store((uint32_t)chunks, std::memory_order_relaxed);
  uint32_t g;
  {
    std::lock_guard<std::mutex> lk(P.mu);
    g = ++P.gen;
    P.next.store((uint64_t)g << 32, std::memory_order_release);
  }
  P.cv.notify_all();
  in_pool_job = true;
  P.work(g);
  in_pool_job = false;
  for (int spins = 0; P.done.load(std::memory_order_acquire) < (uint32_t)chunks; spins++)
    if (spins > 64) std::this_thread::yield();
  if (P.error) std::rethrow_exception(P.error);
}

void set_num_threads(int n) {
  num_threads() = n;
#ifdef MYELIN_OPENBLAS
  openblas_set_num_threads(n);
#endif
#ifdef MYELIN_DNNL
  omp_set_num_threads(n);
#endif
}

}  // namespace myelin
