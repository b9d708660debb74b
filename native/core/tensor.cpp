// Tensor metadata helpers, errors and the CPU caching allocator.
#include "tensor.h"
#include <sys/mman.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>

namespace myelin {

void fail(const std::string& op, const std::string& msg) { throw Error(op + ": " + msg); }

std::string dims_str(const Dims& d) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < d.size(); i++) s << (i ? ", " : "") << d[i];
  s << ']';
  return s.str();
}

const char* dtype_name(DType t) {
  switch (t) {
#define MYELIN_NAME(id, T, name) case DType::id: return name;
    MYELIN_DTYPES(MYELIN_NAME)
#undef MYELIN_NAME
  }
  return "?";
}
size_t dtype_size(DType t) {
  switch (t) {
#define MYELIN_SIZE(id, T, name) case DType::id: return sizeof(T);
    MYELIN_DTYPES(MYELIN_SIZE)
#undef MYELIN_SIZE
  }
  return 0;
}
bool dtype_from_name(const std::string& s, DType* out) {
#define MYELIN_PARSE(id, T, name) if (s == name) { *out = DType::id; return true; }
  MYELIN_DTYPES(MYELIN_PARSE)
#undef MYELIN_PARSE
  return false;
}
DType promote(DType a, DType b) {
  if (a == b) return a;
  // the two pairs with no common upper type in the chain take the next one up
  auto is = [&](DType x, DType y) { return (a == x && b == y) || (a == y && b == x); };
  if (is(DType::float16, DType::bfloat16)) return DType::float32;
  if (is(DType::int8, DType::uint8)) return DType::int32;
  auto rank = [](DType t) {  // bool < uint8, int8 < int32 < int64 < float16, bfloat16 < float32 < float64
    switch (t) {
      case DType::bool_: return 0;
      case DType::uint8: case DType::int8: return 1;
      case DType::int32: return 2;
      case DType::int64: return 3;
      case DType::float16: case DType::bfloat16: return 4;
      case DType::float32: return 5;
      default: return 6;
    }
  };
  return rank(a) >= rank(b) ? a : b;
}

MemStats& mem_stats() {
  static MemStats s;
  return s;
}
int64_t& pending_external_bytes() {
  thread_local int64_t pending = 0;
  return pending;
}

// CPU caching allocator. Large buffers are kept after free and handed out again, so hot
// loops do not pay page faults on fresh memory (PyTorch's add on 1e7 floats drops from 30
// to 7 GB/s without this). The cache must not cost memory a program would not otherwise
// use, so:
//  - a request takes a cached block up to 25% larger than its size class, not only an
//    exact fit;
//  - before a fresh block is mapped, cached blocks are released until live + cached bytes
//    stay within the peak of live bytes so far (since the last emptyCache) and the memory
//    limit: the cache never grows the footprint past what the program itself needed;
//  - at most kDefaultBound bytes (MYELIN_CPU_CACHE_BYTES) stay cached while idle;
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
  CpuCache() {
    if (const char* e = std::getenv("MYELIN_CPU_CACHE_BYTES")) bound = std::strtoull(e, nullptr, 10);
  }
};
CpuCache& cache() {
  static CpuCache* c = new CpuCache();  // never destroyed: storages may outlive statics
  return *c;
}
std::atomic<int64_t> g_limit{0};

std::string human_bytes(double n) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (n >= 1024 && u < 4) n /= 1024, u++;
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(u ? 1 : 0);
  s << n << ' ' << units[u];
  return s.str();
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
void* cpu_alloc(size_t n, size_t* capacity, const char* op) {
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
      if (int64_t lim = g_limit.load(std::memory_order_relaxed)) cap = std::min(cap, (size_t)lim);
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
                   human_bytes((double)mem_stats().bytes.load()) + " in use)");
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
    if (c.cached + n <= c.bound) {
      c.free_blocks.emplace(n, p);
      c.cached += n;
    } else {
      munmap(p, n);
    }
    return;
  }
  std::free(p);
}
}  // namespace

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
void empty_cache() {
  auto& c = cache();
  {
    std::lock_guard<std::mutex> g(c.mu);
    release_cached(c, 0);
    c.peak_live = c.live;  // a new phase: the footprint rule starts from what is live now
  }
  if (!small_lists_gone) small_lists().release();
}
void set_memory_limit(int64_t bytes) { g_limit.store(bytes > 0 ? bytes : 0); }
int64_t memory_limit() { return g_limit.load(); }

std::shared_ptr<Storage> Storage::make(size_t nbytes, Device dev, const char* op) {
  if (dev != Device::cpu) fail(op, "this build has no CUDA device");
  // Checked per allocation: threads allocating at the same moment can pass the limit by
  // what they allocate then.
  if (int64_t lim = g_limit.load(std::memory_order_relaxed)) {
    int64_t in_use = mem_stats().bytes.load(std::memory_order_relaxed);
    if ((double)in_use + (double)nbytes > (double)lim)
      fail(op, "allocating " + human_bytes((double)nbytes) + " would exceed the memory limit of " +
                   human_bytes((double)lim) + " (" + human_bytes((double)in_use) +
                   " in use; setMemoryLimit changes it)");
  }
  auto s = std::make_shared<Storage>();
  s->data = cpu_alloc(nbytes, &s->capacity, op);
  s->nbytes = nbytes;
  s->device = dev;
  mem_stats().bytes += (int64_t)nbytes;
  mem_stats().storages++;
  pending_external_bytes() += (int64_t)nbytes;
  return s;
}
Storage::~Storage() {
  if (!data) return;
  cpu_free(data, capacity);
  mem_stats().bytes -= (int64_t)nbytes;
  mem_stats().storages--;
  pending_external_bytes() -= (int64_t)nbytes;
}

int64_t TensorImpl::numel() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}
bool TensorImpl::is_contiguous() const {
  if (numel() == 0) return true;
  int64_t expect = 1;
  for (int64_t i = ndim() - 1; i >= 0; i--) {
    if (shape[i] != 1 && strides[i] != expect) return false;
    expect *= shape[i];
  }
  return true;
}

Dims contiguous_strides(const Dims& shape) {
  Dims s(shape.size());
  int64_t acc = 1;
  for (int64_t i = (int64_t)shape.size() - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i] > 0 ? shape[i] : 1;
  }
  return s;
}

int64_t shape_numel(const std::string& op, const Dims& shape) {
  if (shape.size() > 64) fail(op, "too many dimensions (" + std::to_string(shape.size()) + " > 64)");
  int64_t n = 1;
  for (auto d : shape) {
    if (d < 0) fail(op, "negative dimension in shape " + dims_str(shape));
    if (d != 0 && n > (int64_t(1) << 48) / d) fail(op, "shape " + dims_str(shape) + " is too large");
    n *= d;
  }
  return n;
}

TensorPtr empty(const Dims& shape, DType dt, Device dev, const char* op) {
  int64_t n = shape_numel(op, shape);
  auto t = std::make_shared<TensorImpl>();
  t->storage = Storage::make((size_t)n * dtype_size(dt), dev, op);
  t->shape = shape;
  t->strides = contiguous_strides(shape);
  t->dtype = dt;
  return t;
}

TensorPtr make_view(const TensorImpl& base, Dims shape, Dims strides, int64_t offset) {
  auto t = std::make_shared<TensorImpl>();
  t->storage = base.storage;
  t->shape = std::move(shape);
  t->strides = std::move(strides);
  t->offset = offset;
  t->dtype = base.dtype;
  return t;
}

int64_t wrap_dim(const std::string& op, int64_t dim, int64_t ndim) {
  int64_t n = ndim > 0 ? ndim : 1;
  if (dim < -n || dim >= n)
    fail(op, "dim " + std::to_string(dim) + " out of range for a " + std::to_string(ndim) + "-d tensor");
  return dim < 0 ? dim + n : dim;
}

Dims broadcast_shapes(const std::string& op, const Dims& a, const Dims& b) {
  size_t n = std::max(a.size(), b.size());
  Dims out(n);
  for (size_t i = 0; i < n; i++) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      fail(op, "shapes " + dims_str(a) + " and " + dims_str(b) + " cannot be broadcast (" +
                   std::to_string(da) + " vs " + std::to_string(db) + " at dim " + std::to_string(i) + ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Dims broadcast_strides(const TensorImpl& t, const Dims& shape) {
  size_t n = shape.size(), k = t.shape.size();
  Dims s(n, 0);
  for (size_t i = 0; i < k; i++) {
    size_t j = n - k + i;
    s[j] = t.shape[i] == 1 && shape[j] != 1 ? 0 : t.strides[i];
  }
  return s;
}

}  // namespace myelin
