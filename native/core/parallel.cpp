// The threads behind parallel_for. Work is cut into more chunks than threads and claimed
// through one atomic counter. Builds without oneDNN use the pool below, where the caller
// never waits for a worker that the OS has not scheduled yet: it runs the unclaimed chunks
// itself and waits only for chunks already in progress (a fork-join OpenMP region waits
// for every thread, up to a time slice when another process holds the other core).
// Builds with oneDNN run on OpenMP's threads instead, which oneDNN already uses (below).
#include "parallel.h"
#include "signals.h"
#include <condition_variable>
#include <cstdlib>
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

// As torch: OMP_NUM_THREADS when it is set to a positive count (its first entry, if a list), else every
// core. oneDNN and OpenBLAS read it themselves; without this the addon's own loops ran on every core
// beside a one-thread oneDNN.
static int initial_threads() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const char* env = std::getenv("OMP_NUM_THREADS");
  if (!env) return (int)cores;
  char* end = nullptr;
  const long v = std::strtol(env, &end, 10);
  return end != env && v > 0 ? (int)std::min<long>(v, 4096) : (int)cores;
}

std::atomic<int>& num_threads() {
  static std::atomic<int> n{initial_threads()};
  return n;
}

namespace {
thread_local bool in_pool_job = false;

#ifndef MYELIN_DNNL
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
      if ((uint32_t)(cur >> 32) != g || (uint32_t)cur >= nchunks.load(std::memory_order_acquire)) return;
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
#endif
}  // namespace

#ifdef MYELIN_DNNL
// With oneDNN in the build, parallel_for runs on OpenMP's threads, the ones oneDNN's
// convolutions and GEMMs use: two pools on two cores made each wait on the other's
// spinning threads (a sum right after a convolution took 2x its time; conv2d fwd+bwd
// at the MNIST CNN's first layer measured 12.7-13.1 ms on our pool, 10.0-11.0 on OpenMP's).
// Chunks are still claimed through one counter. GOMP_parallel is libgomp's ABI for
// `#pragma omp parallel`, called directly so only this file depends on OpenMP.
extern "C" void GOMP_parallel(void (*fn)(void*), void* data, unsigned num_threads, unsigned flags);
extern "C" int omp_in_parallel(void);
extern "C" int omp_get_thread_num(void);
struct OmpJob {
  RangeFn fn;
  void* ctx;
  int64_t begin, end, chunk;
  uint32_t nchunks;
  std::atomic<uint32_t> next{0};
  std::mutex err_mu;
  std::exception_ptr error;
};
void omp_body(void* d) {
  auto* J = static_cast<OmpJob*>(d);
  // OpenMP's workers also run oneDNN's JIT GEMMs: keep async signals off them for good
  // (core/signals.h), whichever call created them
  thread_local bool deferred = false;
  if (!deferred && omp_get_thread_num() != 0) {
    const sigset_t s = async_signals();
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
    deferred = true;
  }
  in_pool_job = true;
  for (uint32_t c; (c = J->next.fetch_add(1, std::memory_order_relaxed)) < J->nchunks;) {
    const int64_t b = J->begin + (int64_t)c * J->chunk, e = std::min(J->end, b + J->chunk);
    try {
      J->fn(J->ctx, b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lk(J->err_mu);
      if (!J->error) J->error = std::current_exception();
    }
  }
  in_pool_job = false;
}
#endif

// Chunks of [0, n): up to 4 per thread, none smaller than grain. Returns the chunk size.
int64_t chunk_size(int64_t n, int64_t grain, int nt) {
  const int64_t chunks = std::min<int64_t>(4 * (int64_t)nt, (n + grain - 1) / std::max<int64_t>(grain, 1));
  return (n + chunks - 1) / chunks;
}

void parallel_run(int64_t begin, int64_t end, int64_t grain, RangeFn fn, void* ctx) {
  const int nt = num_threads().load(std::memory_order_relaxed);
  const int64_t n = end - begin;
#ifdef MYELIN_DNNL
  if (in_pool_job || nt <= 1 || omp_in_parallel()) return fn(ctx, begin, end);
  OmpJob J;
  J.fn = fn, J.ctx = ctx, J.begin = begin, J.end = end, J.chunk = chunk_size(n, grain, nt);
  J.nchunks = (uint32_t)((n + J.chunk - 1) / J.chunk);
  GOMP_parallel(omp_body, &J, (unsigned)nt, 0);
  if (J.error) std::rethrow_exception(J.error);
#else
  Pool& P = pool();
  if (in_pool_job || nt <= 1 || !P.job_mu.try_lock()) {
    fn(ctx, begin, end);
    return;
  }
  std::lock_guard<std::mutex> hold(P.job_mu, std::adopt_lock);
  P.grow(nt);
  // NOTE: close the last job's counter before touching its fields. A worker that read the
  // counter at the last job's end and then this job's nchunks could otherwise still claim
  // "chunk nchunks" of the old generation, run this job's fn on an empty range and count it
  // done: this job then returned one chunk early while a worker still ran it on a dead
  // stack frame (a 1-in-40 SIGSEGV in conv2d's im2col, under `node --cpu-prof`).
  P.next.store(((uint64_t)P.gen << 32) | 0xffffffffu, std::memory_order_seq_cst);
  P.chunk = chunk_size(n, grain, nt);
  const int64_t chunks = (n + P.chunk - 1) / P.chunk;
  P.fn = fn;
  P.ctx = ctx;
  P.begin = begin;
  P.end = end;
  P.error = nullptr;
  P.done.store(0, std::memory_order_relaxed);
  P.nchunks.store((uint32_t)chunks, std::memory_order_release);  // seen with acquire: the closed counter is seen too
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
#endif
}

const char* parallel_backend() {
#ifdef MYELIN_DNNL
  return "openmp";
#else
  return "pool";
#endif
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
