// The CPU device's allocator: a caching allocator behind core's Allocator interface.
#include "allocator.h"
#include <sys/mman.h>
#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace myelin::cpu {

// The CPU caching allocator. Large buffers are kept after free and handed out again, so hot
// loops do not pay page faults on fresh memory (PyTorch's add on 1e7 floats drops from 30
// to 7 GB/s without this). The cache must not cost memory a program would not otherwise
// use, so:
//  - a request takes a cached block up to 25% larger than its size class, not only an
//    exact fit;
//  - before a fresh block is mapped, cached blocks are released until live + cached bytes
//    stay within the peak of live bytes so far (since the last emptyCache) and the memory
//    limit: the cache never grows the footprint past what the program itself needed;
//  - while idle, at most the peak of live bytes stays cached (at least kDefaultBound, at most
//    an eighth of RAM), or MYELIN_CPU_CACHE_BYTES where set: a training step frees its
//    activations together at the end, and a fixed 256 MiB unmapped most of a DDPM U-Net step's
//    (~1 GiB), so every step faulted ~69k fresh pages back in (a fifth of its CPU time);
//  - memory() reports the cached bytes and emptyCache() releases them.
// Large blocks come from mmap and go back with munmap, so a released block leaves the
// process at once (glibc's free keeps big blocks in its heap once its dynamic mmap
// threshold has grown). Small buffers go to per-thread lists, medium ones to malloc.
namespace {
constexpr size_t kCacheMin = 1 << 16;
constexpr size_t kAlign = 64;
constexpr size_t kDefaultBound = size_t(256) << 20;
struct CpuCache {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;  // by size
  size_t cached = 0;     // bytes in free_blocks
  size_t live = 0;       // bytes of large blocks in use
  size_t peak_live = 0;
  size_t bound = kDefaultBound;
  bool fixed_bound = false;  // MYELIN_CPU_CACHE_BYTES given: that bound, whatever the peak
  size_t ram_cap = kDefaultBound;
  CpuCache() {
    if (const char* e = std::getenv("MYELIN_CPU_CACHE_BYTES")) bound = std::strtoull(e, nullptr, 10), fixed_bound = true;
    const double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGE_SIZE);
    if (phys > 0) ram_cap = std::max(kDefaultBound, (size_t)(phys / 8));
  }
  // how many bytes may stay cached while idle (see the rules above); called with mu held
  size_t idle_bound() const { return fixed_bound ? bound : std::min(std::max(kDefaultBound, peak_live), ram_cap); }
};
CpuCache& cache() {
  static CpuCache* c = new CpuCache();  // never destroyed: storages may outlive statics
  return *c;
}
// Blocks of 4 MiB and more are aligned to 2 MiB and asked to be backed by transparent huge
// pages (as PyTorch's CPU allocator does): a fresh block then costs one page fault per
// 2 MiB instead of 512, where THP is in "madvise" mode.
constexpr size_t kHuge = size_t(2) << 20;
void* map_block(size_t n) {
  const size_t extra = n >= 2 * kHuge ? kHuge : 0;
  void* p = mmap(nullptr, n + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  if (!extra) return p;
  char* base = static_cast<char*>(p);
  char* q = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(base) + kHuge - 1) & ~(uintptr_t)(kHuge - 1));
  if (q > base) munmap(base, (size_t)(q - base));
  if (q + n < base + n + extra) munmap(q + n, (size_t)(base + n + extra - (q + n)));
#ifdef MADV_HUGEPAGE
  madvise(q, n, MADV_HUGEPAGE);
#endif
  return q;
}
// Releases cached blocks, largest first, until at most `keep` bytes stay cached. Called
// with c.mu held; munmap under the lock is rare (misses only) and short.
void release_cached(CpuCache& c, size_t keep) {
  while (c.cached > keep && !c.free_blocks.empty()) {
    auto it = std::prev(c.free_blocks.end());
    munmap(it->second, it->first);
    c.cached -= it->first;
    c.free_blocks.erase(it);
  }
}

// Round large requests to size classes (4 per power of two) so freed blocks fit again.
size_t size_class(size_t n) {
  if (n < kCacheMin) return (n + kAlign - 1) / kAlign * kAlign;
  size_t p = 1;
  while (p * 2 <= n) p *= 2;
  size_t step = p / 4;
  return (n + step - 1) / step * step;
}
// Small blocks (most tensors in per-op-overhead-bound code) recycle through per-thread
// free lists: glibc's malloc spends half the time of a 1-element op consolidating the
// fragments that aligned_alloc/free leave when GC frees thousands of tensors at once.
// Each thread's cached bytes are summed by cached_bytes() through a registry.
constexpr size_t kSmallMax = 1024;
constexpr size_t kSmallKeep = 4096;  // blocks kept per size class and thread
thread_local bool small_lists_gone = false;  // trivially destructible: readable at thread exit
struct SmallLists;
std::mutex& registry_mu() {
  static std::mutex* m = new std::mutex();
  return *m;
}
std::vector<SmallLists*>& registry() {
  static auto* r = new std::vector<SmallLists*>();
  return *r;
}
struct SmallLists {
  std::vector<void*> lists[kSmallMax / kAlign];
  std::atomic<int64_t> bytes{0};  // written by the owning thread only; read by cached_bytes()
  SmallLists() {
    std::lock_guard<std::mutex> g(registry_mu());
    registry().push_back(this);
  }
  void add(int64_t d) { bytes.store(bytes.load(std::memory_order_relaxed) + d, std::memory_order_relaxed); }
  void release() {
    for (auto& l : lists) {
      for (void* p : l) std::free(p);
      l.clear();
    }
    bytes.store(0, std::memory_order_relaxed);
  }
  ~SmallLists() {
    small_lists_gone = true;  // blocks freed later in this thread's exit go to free()
    {
      std::lock_guard<std::mutex> g(registry_mu());
      auto& r = registry();
      r.erase(std::find(r.begin(), r.end(), this));
    }
    release();
  }
};
SmallLists& small_lists() {
  thread_local SmallLists s;
  return s;
}

// Returns the block and sets *capacity to its size (>= n).
void* cpu_alloc(size_t n, size_t* capacity, const char* op, const std::atomic<int64_t>& limit) {
  n = size_class(n ? n : 1);
  *capacity = n;
  if (n <= kSmallMax && !small_lists_gone) {
    auto& sl = small_lists();
    auto& l = sl.lists[n / kAlign - 1];
    if (!l.empty()) {
      void* p = l.back();
      l.pop_back();
      sl.add(-(int64_t)n);
      return p;
    }
  } else if (n >= kCacheMin) {
    auto& c = cache();
    {
      std::lock_guard<std::mutex> g(c.mu);
      auto it = c.free_blocks.lower_bound(n);
      if (it != c.free_blocks.end() && it->first <= n + n / 4) {
        void* p = it->second;
        *capacity = it->first;
        c.cached -= it->first;
        c.live += it->first;
        c.free_blocks.erase(it);
        return p;
      }
      c.live += n;
      c.peak_live = std::max(c.peak_live, c.live);
      size_t cap = c.peak_live;
      if (int64_t lim = limit.load(std::memory_order_relaxed)) cap = std::min(cap, (size_t)lim);
      release_cached(c, cap > c.live ? cap - c.live : 0);
    }
    void* p = map_block(n);
    if (!p) {  // the cache may hold what the system lacks
      {
        std::lock_guard<std::mutex> g(c.mu);
        release_cached(c, 0);
      }
      p = map_block(n);
    }
    if (!p) {
      {
        std::lock_guard<std::mutex> g(c.mu);
        c.live -= n;
      }
      fail(op, "out of memory allocating " + human_bytes((double)n) + " (" +
                   human_bytes((double)live_bytes()) + " in use)");
    }
    return p;
  }
  void* p = std::aligned_alloc(kAlign, n);
  if (!p) fail(op, "out of memory allocating " + human_bytes((double)n));
  return p;
}
void cpu_free(void* p, size_t n) {
  if (n <= kSmallMax && !small_lists_gone) {
    auto& sl = small_lists();
    auto& l = sl.lists[n / kAlign - 1];
    if (l.size() < kSmallKeep) {
      l.push_back(p);
      sl.add((int64_t)n);
      return;
    }
  } else if (n >= kCacheMin) {
    auto& c = cache();
    std::lock_guard<std::mutex> g(c.mu);
    c.live -= n;
    if (c.cached + n <= c.idle_bound()) {
      c.free_blocks.emplace(n, p);
      c.cached += n;
    } else {
      munmap(p, n);
    }
    return;
  }
  std::free(p);
}

// Cached bytes: the process-wide cache of large blocks and every thread's small lists.
int64_t cached_bytes() {
  auto& c = cache();
  int64_t n;
  {
    std::lock_guard<std::mutex> g(c.mu);
    n = (int64_t)c.cached;
  }
  std::lock_guard<std::mutex> g(registry_mu());
  for (SmallLists* s : registry()) n += s->bytes.load(std::memory_order_relaxed);
  return n;
}

struct CpuAllocator final : Allocator {
  std::atomic<int64_t> in_use{0};  // bytes asked for by live storages (the limit's measure)
  std::atomic<int64_t> limit{0};

  Device device() const override { return Device::cpu; }
  void* allocate(size_t nbytes, size_t* capacity, const char* op) override {
    // Checked per allocation: threads allocating at the same moment can pass the limit by
    // what they allocate then.
    int64_t used = in_use.load(std::memory_order_relaxed);
    if (int64_t lim = limit.load(std::memory_order_relaxed)) {
      if ((double)used + (double)nbytes > (double)lim)
        fail(op, "allocating " + human_bytes((double)nbytes) + " would exceed the memory limit of " +
                     human_bytes((double)lim) + " (" + human_bytes((double)used) +
                     " in use; setMemoryLimit changes it)");
    }
    // Linux overcommits: two 16 GiB blocks on a 24 GiB machine both "succeed", and filling
    // them gets the process killed by the OOM killer (ZeroPad2d(2^31) did). Live tensors past
    // the machine's RAM are refused up front instead.
    static const double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGE_SIZE);
    if (phys > 0 && (double)used + (double)nbytes > phys)
      fail(op, "out of memory allocating " + human_bytes((double)nbytes) + " (" + human_bytes((double)used) +
                   " in use; the machine has " + human_bytes(phys) + " of RAM)");
    void* p = cpu_alloc(nbytes, capacity, op, limit);
    in_use += (int64_t)nbytes;
    return p;
  }
  void deallocate(void* p, size_t nbytes, size_t capacity) override {
    cpu_free(p, capacity);
    in_use -= (int64_t)nbytes;
  }
  void copy_to_host(void* dst, const void* src, size_t n) override { if (n) std::memcpy(dst, src, n); }
  void copy_from_host(void* dst, const void* src, size_t n) override { if (n) std::memcpy(dst, src, n); }
  void count_lent(int64_t delta) override { in_use += delta; }
  AllocatorStats stats() override { return {in_use.load(), cached_bytes(), limit.load()}; }
  // Returns the cached large blocks (all threads') and the calling thread's small blocks to
  // the system; other threads' small lists stay theirs. The peak that bounds the cache
  // restarts from the live bytes.
  void empty_cache() override {
    auto& c = cache();
    {
      std::lock_guard<std::mutex> g(c.mu);
      release_cached(c, 0);
      c.peak_live = c.live;  // a new phase: the footprint rule starts from what is live now
    }
    if (!small_lists_gone) small_lists().release();
  }
  void set_memory_limit(int64_t bytes) override { limit.store(bytes > 0 ? bytes : 0); }
};
}  // namespace

Allocator& allocator() {
  static CpuAllocator* a = new CpuAllocator();  // never destroyed: storages may outlive statics
  return *a;
}

}  // namespace myelin::cpu
