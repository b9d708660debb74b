// Tensor metadata helpers, errors, Storage on its device's allocator, and host copies.
#include "tensor.h"
#include <algorithm>
#include <sstream>
#include "../cpu/allocator.h"
#include "ops.h"

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

const char* device_name(Device d) { return d == Device::cuda ? "cuda" : "cpu"; }

Allocator& allocator_for(Device dev, const char* op) {
  if (dev == Device::cpu) return cpu::allocator();
  Allocator* a = cuda::allocator();
  if (!a) fail(op, "cuda is not available: " + cuda::unavailable_reason());
  return *a;
}

int64_t live_bytes() {
  int64_t n = cpu::allocator().stats().bytes_in_use;
  if (Allocator* a = cuda::allocator()) n += a->stats().bytes_in_use;
  return n;
}

std::shared_ptr<Storage> Storage::make(size_t nbytes, Device dev, const char* op) {
  Allocator& a = allocator_for(dev, op);
  auto s = std::make_shared<Storage>();
  s->data = a.allocate(nbytes, &s->capacity, op);
  s->nbytes = nbytes;
  s->device = dev;
  s->allocator = &a;
  mem_stats().storages++;
  pending_external_bytes() += (int64_t)nbytes;
  return s;
}
Storage::~Storage() {
  if (!data) return;
  allocator->deallocate(data, nbytes, capacity);
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

// A size mismatch is the caller's bug (the binding sizes the host buffer from the tensor),
// but it is checked: a wrong size would read or write past one of the two buffers.
static void check_host_copy(const char* op, const TensorImpl& t, size_t nbytes, const char* what) {
  check_alive(op, t);
  size_t want = (size_t)t.numel() * dtype_size(t.dtype);
  if (nbytes != want)
    fail(op, std::string(what) + " a " + dims_str(t.shape) + " " + dtype_name(t.dtype) + " tensor needs " +
                 std::to_string(want) + " bytes of host memory, got " + std::to_string(nbytes));
}
void copy_to_host(const TensorImpl& t, void* host_dst, size_t nbytes, const char* op) {
  check_host_copy(op, t, nbytes, "copying");
  if (!nbytes) return;
  TensorPtr c = dense(t);  // a strided view is gathered first, by its device's own kernel
  c->storage->allocator->copy_to_host(host_dst, c->bytes(), nbytes);
}
void copy_from_host(TensorImpl& t, const void* host_src, size_t nbytes, const char* op) {
  check_host_copy(op, t, nbytes, "filling");
  if (!t.is_contiguous()) fail(op, "copy_from_host needs a contiguous destination, got strides " + dims_str(t.strides));
  if (!nbytes) return;
  t.storage->allocator->copy_from_host(t.bytes(), host_src, nbytes);
}
TensorPtr to_device(const TensorImpl& x, Device dev, const char* op) {
  check_alive(op, x);
  auto y = empty(x.shape, x.dtype, dev, op);
  size_t n = (size_t)x.numel() * dtype_size(x.dtype);
  if (!n) return y;
  if (dev == Device::cpu) {
    copy_to_host(x, y->bytes(), n, op);
  } else if (x.device() == Device::cpu) {
    TensorPtr c = dense(x);
    copy_from_host(*y, c->bytes(), n, op);
  } else {  // between two devices: through host memory (no peer copies yet)
    std::vector<char> host(n);
    copy_to_host(x, host.data(), n, op);
    copy_from_host(*y, host.data(), n, op);
  }
  return y;
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
