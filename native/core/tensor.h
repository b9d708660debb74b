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
const char* device_name(Device d);  // "cpu", "cuda"

// Process-wide native counters (all threads, all devices); per-thread pending delta for
// V8's external-memory accounting, flushed by the binding. Live bytes are counted once, by
// each device's allocator (live_bytes() sums them): a second process-wide counter would
// cost every op two more atomic updates.
struct MemStats {
  std::atomic<int64_t> storages{0};
  std::atomic<int64_t> tensors{0};
};
MemStats& mem_stats();
int64_t& pending_external_bytes();
int64_t live_bytes();  // bytes of live storages on every device (memory()'s numBytes)
std::string human_bytes(double n);  // "1.5 MiB", for memory errors

// What an allocator reports (memory(), and its own limit check).
struct AllocatorStats {
  int64_t bytes_in_use = 0;  // bytes asked for by live storages on this device
  int64_t bytes_cached = 0;  // bytes held for reuse
  int64_t limit = 0;         // 0: none
};

// A device's memory: one instance per device (native/cpu/allocator.h; the CUDA backend's in
// native/cuda). A Storage allocates and frees with the allocator of its device, and core's
// copy_to_host/copy_from_host move bytes through it, so nothing outside a device's code
// reads that device's pointers. Every method is thread-safe.
struct Allocator {
  virtual ~Allocator() = default;
  virtual Device device() const = 0;
  // A block of at least nbytes (*capacity gets its size). Throws "<op>: ... would exceed
  // the memory limit ..." or "<op>: out of memory ...".
  virtual void* allocate(size_t nbytes, size_t* capacity, const char* op) = 0;
  // Takes back a block from allocate: the same nbytes and capacity.
  virtual void deallocate(void* p, size_t nbytes, size_t capacity) = 0;
  // n bytes between this device's memory and host memory.
  virtual void copy_to_host(void* host_dst, const void* src, size_t n) = 0;
  virtual void copy_from_host(void* dst, const void* host_src, size_t n) = 0;
  virtual AllocatorStats stats() = 0;
  // Returns cached blocks to the system (the CPU one explains which).
  virtual void empty_cache() = 0;
  // A bound on this device's live bytes; 0 removes it.
  virtual void set_memory_limit(int64_t bytes) = 0;
  // A live block whose bytes are lent elsewhere for a while (a readback's ArrayBuffer, which
  // V8 counts) leaves the live bytes (delta < 0) and rejoins them before it is freed.
  virtual void count_lent(int64_t delta) = 0;
};
// The allocator of `dev`; a device this build or machine lacks throws
// "<op>: cuda is not available: <cuda::unavailable_reason()>".
Allocator& allocator_for(Device dev, const char* op);

// The CUDA backend's entry points: native/cuda when built with MYELIN_CUDA, else
// native/cuda/stub.cpp, which answers "not available" and why.
namespace cuda {
bool is_available();
int device_count();
std::string unavailable_reason();  // "" when available
Allocator* allocator();            // null when not available
}  // namespace cuda

struct Storage {
  void* data = nullptr;  // on `device`: read it only in that device's kernels
  size_t nbytes = 0;    // what was asked for (memory()'s numBytes)
  size_t capacity = 0;  // the block behind it: a reused cached block may be a little larger
  Device device = Device::cpu;
  Allocator* allocator = nullptr;  // the device's, which frees the block
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
// A contiguous tensor on `dev` (uninitialized).
TensorPtr empty(const Dims& shape, DType dt, Device dev = Device::cpu, const char* op = "empty");
// The binding's only way to read or write tensor memory, on any device: t's elements in
// row-major order to or from host memory of exactly numel * itemsize bytes (`nbytes`, checked).
// copy_from_host needs a contiguous t (a fresh empty()).
void copy_to_host(const TensorImpl& t, void* host_dst, size_t nbytes, const char* op);
void copy_from_host(TensorImpl& t, const void* host_src, size_t nbytes, const char* op);
// A contiguous copy of x on `dev` (x's dtype), through host memory between two devices.
TensorPtr to_device(const TensorImpl& x, Device dev, const char* op = "to");
TensorPtr make_view(const TensorImpl& base, Dims shape, Dims strides, int64_t offset);
int64_t wrap_dim(const std::string& op, int64_t dim, int64_t ndim);
Dims broadcast_shapes(const std::string& op, const Dims& a, const Dims& b);
// Strides that read `t` as if it had `shape` (stride 0 on broadcast dims).
Dims broadcast_strides(const TensorImpl& t, const Dims& shape);

}  // namespace myelin
