// Tensor metadata helpers, errors and the CPU caching allocator.
#include "tensor.h"
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
  auto rank = [](DType t) {  // bool < int32 < int64 < float32 < float64
    switch (t) {
      case DType::bool_: return 0;
      case DType::int32: return 1;
      case DType::int64: return 2;
      case DType::float32: return 3;
      default: return 4;
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

// CPU caching allocator. Large buffers are kept after free and handed out again, so
// hot loops do not pay page faults on fresh memory (PyTorch's add on 1e7 floats drops
// from 30 to 7 GB/s without this). Small buffers go straight to malloc.
namespace {
constexpr size_t kCacheMin = 1 << 16;
constexpr size_t kAlign = 64;
struct CpuCache {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;
  size_t cached = 0;
  size_t limit = size_t(1) << 30;
  CpuCache() {
    if (const char* e = std::getenv("MYELIN_CPU_CACHE_BYTES")) limit = std::strtoull(e, nullptr, 10);
  }
};
CpuCache& cache() {
  static CpuCache* c = new CpuCache();  // never destroyed: storages may outlive statics
  return *c;
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
constexpr size_t kSmallMax = 1024;
constexpr size_t kSmallKeep = 4096;  // blocks kept per size class and thread
thread_local bool small_lists_gone = false;  // trivially destructible: readable at thread exit
struct SmallLists {
  std::vector<void*> lists[kSmallMax / kAlign];
  ~SmallLists() {
    small_lists_gone = true;  // blocks freed later in this thread's exit go to free()
    for (auto& l : lists)
      for (void* p : l) std::free(p);
  }
};
SmallLists& small_lists() {
  thread_local SmallLists s;
  return s;
}

void* cpu_alloc(size_t n) {
  n = size_class(n ? n : 1);
  if (n <= kSmallMax && !small_lists_gone) {
    auto& l = small_lists().lists[n / kAlign - 1];
    if (!l.empty()) {
      void* p = l.back();
      l.pop_back();
      return p;
    }
  } else if (n >= kCacheMin) {
    auto& c = cache();
    std::lock_guard<std::mutex> g(c.mu);
    auto it = c.free_blocks.find(n);
    if (it != c.free_blocks.end()) {
      void* p = it->second;
      c.free_blocks.erase(it);
      c.cached -= n;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, n);
  if (!p) throw std::bad_alloc();
  return p;
}
void cpu_free(void* p, size_t n) {
  n = size_class(n ? n : 1);
  if (n <= kSmallMax && !small_lists_gone) {
    auto& l = small_lists().lists[n / kAlign - 1];
    if (l.size() < kSmallKeep) {
      l.push_back(p);
      return;
    }
  } else if (n >= kCacheMin) {
    auto& c = cache();
    std::lock_guard<std::mutex> g(c.mu);
    if (c.cached + n <= c.limit) {
      c.free_blocks.emplace(n, p);
      c.cached += n;
      return;
    }
  }
  std::free(p);
}
}  // namespace

std::shared_ptr<Storage> Storage::make(size_t nbytes, Device dev) {
  if (dev != Device::cpu) fail("empty", "this build has no CUDA device");
  auto s = std::make_shared<Storage>();
  s->data = cpu_alloc(nbytes);
  s->nbytes = nbytes;
  s->device = dev;
  mem_stats().bytes += (int64_t)nbytes;
  mem_stats().storages++;
  pending_external_bytes() += (int64_t)nbytes;
  return s;
}
Storage::~Storage() {
  if (!data) return;
  cpu_free(data, nbytes);
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
  t->storage = Storage::make((size_t)n * dtype_size(dt), dev);
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
