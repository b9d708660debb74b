// Storage (ref-counted bytes on a device) and TensorImpl (dtype, shape, strides, offset
// over a storage). Views share a Storage; kernels read through strides.
#pragma once
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>
#include "dtype.h"

namespace myelin {

using Dims = std::vector<int64_t>;

// Every user-facing failure is an Error whose message starts with the op id.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
[[noreturn]] void fail(const std::string& op, const std::string& msg);
std::string dims_str(const Dims& d);

enum class Device : uint8_t { cpu, cuda };

// Process-wide native memory counters (all threads); per-thread pending delta for
// V8's external-memory accounting, flushed by the binding.
struct MemStats {
  std::atomic<int64_t> bytes{0};
  std::atomic<int64_t> storages{0};
  std::atomic<int64_t> tensors{0};
};
MemStats& mem_stats();
int64_t& pending_external_bytes();

// The CPU caching allocator's controls (tensor.cpp explains the policy).
// Bytes held for reuse: the process-wide cache of large blocks and every thread's small lists.
int64_t cached_bytes();
// Returns the cached large blocks (all threads') and the calling thread's small blocks to
// the system; other threads' small lists stay theirs. The peak that bounds the cache
// restarts from the live bytes.
void empty_cache();
// A process-wide bound on live tensor bytes: an allocation that would pass it throws
// "<op>: allocating ... would exceed the memory limit ...". 0 removes the limit.
void set_memory_limit(int64_t bytes);
int64_t memory_limit();

struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;    // what was asked for (memory()'s numBytes)
  size_t capacity = 0;  // the block behind it: a reused cached block may be a little larger
  Device device = Device::cpu;
  // bumped by every in-place write through any view (autograd's saved-tensor check)
  std::atomic<uint64_t> version{0};
  // `op` names the failing op in the memory-limit and out-of-memory errors
  static std::shared_ptr<Storage> make(size_t nbytes, Device dev = Device::cpu, const char* op = "empty");
  ~Storage();
};

constexpr uint32_t kTensorMagic = 0x6d79656c;  // "myel"

struct TensorImpl {
  uint32_t magic = kTensorMagic;
  std::shared_ptr<Storage> storage;  // null once disposed
  Dims shape, strides;
  int64_t offset = 0;  // in elements
  DType dtype = DType::float32;
  bool wrapped = false;  // a JS number turned into a 0-d tensor (lowest promotion tier)

  TensorImpl() { mem_stats().tensors++; }
  ~TensorImpl() { magic = 0; mem_stats().tensors--; }
  TensorImpl(const TensorImpl&) = delete;

  int64_t ndim() const { return (int64_t)shape.size(); }
  int64_t numel() const;
  bool is_contiguous() const;
  Device device() const { return storage ? storage->device : Device::cpu; }
  template <typename T> T* data() const {
    return static_cast<T*>(storage->data) + offset;
  }
  char* bytes() const { return static_cast<char*>(storage->data) + offset * dtype_size(dtype); }
};
using TensorPtr = std::shared_ptr<TensorImpl>;

Dims contiguous_strides(const Dims& shape);
int64_t shape_numel(const std::string& op, const Dims& shape);  // checks sizes and overflow
TensorPtr empty(const Dims& shape, DType dt, Device dev = Device::cpu, const char* op = "empty");
TensorPtr make_view(const TensorImpl& base, Dims shape, Dims strides, int64_t offset);
int64_t wrap_dim(const std::string& op, int64_t dim, int64_t ndim);
Dims broadcast_shapes(const std::string& op, const Dims& a, const Dims& b);
// Strides that read `t` as if it had `shape` (stride 0 on broadcast dims).
Dims broadcast_strides(const TensorImpl& t, const Dims& shape);

}  // namespace myelin
