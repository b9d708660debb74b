// Moving tensor bytes across the JS boundary: readback (to_array, data_async), creation
// from a TypedArray (from_array) and tensors over external memory (from_buffer).
#include <cstring>
#include "args.h"

namespace myelin::binding {
namespace {

using CI = Napi::CallbackInfo;
using V = Napi::Value;

// ---- readback
// A readback buffer is a block of the tensor allocator handed to V8 as an ArrayBuffer's
// backing store (freed by V8's deleter, on any thread). A fresh ArrayBuffer from node's
// allocator paid a page fault per 4 KiB on every call (a 16 MiB data() ran at 0.3-1 GB/s,
// 80% in the kernel's fault path); the allocator's cached blocks are already mapped.
// V8 counts the backing store as external memory itself, so the block leaves the tensor
// counters (memory(), the bytes reported to V8) while JS holds it, and rejoins them just
// before it is freed: the counters and the allocator stay balanced on every thread.
// Below 64 KiB (the allocator's large-block size) node's own allocation is as fast.
constexpr size_t kExternalMin = size_t(1) << 16;

void uncount(const Storage& s) {
  s.allocator->count_lent(-(int64_t)s.nbytes);
  mem_stats().storages--;
  pending_external_bytes() -= (int64_t)s.nbytes;
}
void recount(const Storage& s) {
  s.allocator->count_lent((int64_t)s.nbytes);
  mem_stats().storages++;
  pending_external_bytes() += (int64_t)s.nbytes;
}

// A contiguous copy of `src` in a new storage (still counted; the caller uncounts it).
std::shared_ptr<Storage> readback_storage(const TensorImpl& src, const char* op) {
  auto dst = empty(src.shape, src.dtype, Device::cpu, op);
  return dst->storage;
}
// Copies src's elements, in row-major order, into `data`. Thread-safe (data_async runs it
// on a libuv worker): copy_ reads through strides and parallelizes large copies.
void copy_out(const TensorImpl& src, const std::shared_ptr<Storage>& storage) {
  if (src.numel() == 0) return;
  if (src.is_contiguous()) {
    std::memcpy(storage->data, src.bytes(), (size_t)src.numel() * dtype_size(src.dtype));
    return;
  }
  TensorImpl dst;
  dst.storage = storage;
  dst.shape = src.shape;
  dst.strides = contiguous_strides(src.shape);
  dst.dtype = src.dtype;
  copy_(dst, src);
}

void free_readback(void*, size_t, void* keep) {
  auto* s = static_cast<std::shared_ptr<Storage>*>(keep);
  recount(**s);
  delete s;  // the block goes back to the allocator (its large-block cache is locked)
}
// The TypedArray over a copied-out storage of n elements of dt.
V typed_array_over(Napi::Env env, std::shared_ptr<Storage> s, size_t n, DType dt) {
  size_t bytes = n * dtype_size(dt);
  napi_value ab;
  if (bytes < kExternalMin) {
    void* p = nullptr;
    if (napi_create_arraybuffer(env, bytes, &p, &ab) != napi_ok) throw Napi::Error::New(env);
    if (bytes) std::memcpy(p, s->data, bytes);
  } else {
    uncount(*s);
    void* data = s->data;
    auto* keep = new std::shared_ptr<Storage>(std::move(s));
    std::shared_ptr<v8::BackingStore> bs = v8::ArrayBuffer::NewBackingStore(data, bytes, free_readback, keep);
    ab = to_napi(v8::ArrayBuffer::New(v8::Isolate::GetCurrent(), std::move(bs)));
  }
  napi_value out;
  if (napi_create_typedarray(env, typed_array_kind(dt), n, ab, 0, &out) != napi_ok) throw Napi::Error::New(env);
  return Napi::Value(env, out);
}

// A contiguous copy of the elements as a TypedArray (Uint8Array for bool, BigInt64Array for int64).
V to_array(const CI& i) {
  const char* op = "to_array";
  TensorImpl& t = tensor(op, i, 0);
  size_t n = (size_t)t.numel(), bytes = n * dtype_size(t.dtype);
  if (bytes < kExternalMin) {  // small: one copy straight into node's buffer
    auto buf = Napi::ArrayBuffer::New(i.Env(), bytes);
    if (bytes) {
      if (t.is_contiguous()) std::memcpy(buf.Data(), t.bytes(), bytes);
      else std::memcpy(buf.Data(), contiguous(t)->storage->data, bytes);
    }
    napi_value out;
    if (napi_create_typedarray(i.Env(), typed_array_kind(t.dtype), n, buf, 0, &out) != napi_ok) throw Napi::Error::New(i.Env());
    return Napi::Value(i.Env(), out);
  }
  auto s = readback_storage(t, op);
  copy_out(t, s);
  return typed_array_over(i.Env(), std::move(s), n, t.dtype);
}

// ---- data_async: the copy runs on a libuv worker (sharp's baton: plain structs only).
// The worker holds the TensorImpl (and so its storage) by shared_ptr: a dispose() while it
// copies only drops the handle's reference. In-place writes to the tensor during the copy
// race with it (as they would with any reader on another thread).
struct Readback : Napi::AsyncWorker {
  Napi::Promise::Deferred deferred;
  TensorPtr src;
  std::shared_ptr<Storage> dst;
  Readback(Napi::Env env, TensorPtr s, std::shared_ptr<Storage> d)
      : Napi::AsyncWorker(env, "myelin.data_async"), deferred(Napi::Promise::Deferred::New(env)), src(std::move(s)), dst(std::move(d)) {}
  void Execute() override {
    try {
      copy_out(*src, dst);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    size_t n = (size_t)src->numel();
    DType dt = src->dtype;
    src.reset();  // release the source now, not when the worker object goes
    try {
      deferred.Resolve(typed_array_over(env, std::move(dst), n, dt));
    } catch (const Napi::Error& e) {
      deferred.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override {
    src.reset();
    dst.reset();
    deferred.Reject(e.Value());
  }
};
V data_async(const CI& i) {
  const char* op = "data_async";
  TensorImpl& t = tensor(op, i, 0);
  Handle* h = handle_of(i[0]);
  auto s = readback_storage(t, op);  // allocated here: a memory-limit error throws at once
  auto* w = new Readback(i.Env(), h->t, std::move(s));
  Napi::Promise p = w->deferred.Promise();
  w->Queue();
  return p;
}

// ---- from_array: (data, shape, dtype, convert?) a copy of a TypedArray. Its type must match
// the dtype, unless `convert` is true and every value of the source type fits the dtype
// exactly or rounds as a float would (integer arrays to any dtype, floats to floats, anything
// to bool); the loop is here because V8's TypedArray-to-TypedArray conversion (new
// Int32Array(uint8Array)) takes ~14 ns per element. Floats to integers (NaN, overflow) and
// bigints are converted with range checks in ts/creation.ts.
template <typename S>
void convert_into(TensorImpl& t, const void* data) {
  const S* src = static_cast<const S*>(data);
  int64_t n = t.numel();
  MYELIN_DISPATCH_ALL(t.dtype, "from_array", {
    scalar_t* d = t.data<scalar_t>();
    for (int64_t k = 0; k < n; k++) d[k] = static_cast<scalar_t>(src[k]);
  });
}
void convert_typed(const char* op, TensorImpl& t, napi_typedarray_type from, const void* data) {
  bool floating_src = from == napi_float32_array || from == napi_float64_array;
  bool floating_dst = t.dtype == DType::float32 || t.dtype == DType::float64;
  if (floating_src && !floating_dst && t.dtype != DType::bool_)
    fail(op, std::string("converting floats to ") + dtype_name(t.dtype) + " needs range checks (use tensor())");
  if (from == napi_uint32_array && t.dtype == DType::int32) fail(op, "a Uint32Array's values may not fit int32 (use tensor())");
  switch (from) {
    case napi_int8_array: convert_into<int8_t>(t, data); break;
    case napi_uint8_array: case napi_uint8_clamped_array: convert_into<uint8_t>(t, data); break;
    case napi_int16_array: convert_into<int16_t>(t, data); break;
    case napi_uint16_array: convert_into<uint16_t>(t, data); break;
    case napi_int32_array: convert_into<int32_t>(t, data); break;
    case napi_uint32_array: convert_into<uint32_t>(t, data); break;
    case napi_float32_array: convert_into<float>(t, data); break;
    case napi_float64_array: convert_into<double>(t, data); break;
    default: fail(op, std::string("cannot convert this TypedArray to ") + dtype_name(t.dtype) + " here (use tensor())");
  }
}
V from_array(const CI& i) {
  const char* op = "from_array";
  if (i.Length() < 3) fail(op, "expected at least 3 arguments, got " + std::to_string(i.Length()));
  if (!i[0].IsTypedArray()) bad_arg(op, 0, "a TypedArray", i[0]);
  Dims shape = dims(op, i, 1);
  DType dt = dtype(op, i, 2);
  bool convert = i.Length() > 3 && !i[3].IsUndefined() && boolean(op, i, 3);
  auto ta = i[0].As<Napi::TypedArray>();
  napi_typedarray_type from = ta.TypedArrayType();
  if (from != typed_array_kind(dt) && !convert) fail(op, std::string("the TypedArray's type does not match dtype ") + dtype_name(dt));
  auto t = empty(shape, dt, Device::cpu, op);
  if ((int64_t)ta.ElementLength() != t->numel())
    fail(op, "data has " + std::to_string(ta.ElementLength()) + " elements but shape " + dims_str(shape) + " needs " + std::to_string(t->numel()));
  const char* src = static_cast<const char*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  if (from != typed_array_kind(dt)) {
    convert_typed(op, *t, from, src);
  } else {
    if (t->numel()) std::memcpy(t->storage->data, src, (size_t)t->numel() * dtype_size(dt));
    if (dt == DType::bool_) {  // normalize any nonzero byte to 1
      auto* p = static_cast<uint8_t*>(t->storage->data);
      for (int64_t k = 0; k < t->numel(); k++) p[k] = p[k] ? 1 : 0;
    }
  }
  return wrap_tensor(i.Env(), t);
}

// ---- from_buffer: a tensor over an ArrayBuffer's or SharedArrayBuffer's memory.
// The storage holds the buffer's v8::BackingStore by shared_ptr, which may be dropped on
// any thread and inside GC callbacks (where a handle's tensor can be freed): no N-API or
// V8 call is needed to release it. The storage is not counted in memory() (the bytes
// belong to V8, which accounts for them).
struct ExternalStorage : Storage {
  std::shared_ptr<v8::BackingStore> backing;
  ~ExternalStorage() { data = nullptr; }  // ~Storage frees and uncounts only when data is set
};
bool external_dtype_ok(DType dt) {
  switch (dt) {
    case DType::bool_: return false;  // bytes other than 0 and 1 would reach the kernels as is
    default: return true;             // every bit pattern is a value (float16/bfloat16: raw bits)
  }
}
// (buffer, shape, dtype, byteOffset)
V from_buffer(const CI& i) {
  const char* op = "from_buffer";
  if (i.Length() < 4) fail(op, "expected 4 arguments, got " + std::to_string(i.Length()));
  v8::Local<v8::Value> v = to_v8(i[0]);
  if (v.IsEmpty() || !(v->IsArrayBuffer() || v->IsSharedArrayBuffer())) bad_arg(op, 0, "an ArrayBuffer or a SharedArrayBuffer", i[0]);
  Dims shape = dims(op, i, 1);
  DType dt = dtype(op, i, 2);
  int64_t offset = integer(op, i, 3);
  if (!external_dtype_ok(dt))
    fail(op, std::string("dtype ") + dtype_name(dt) + " is not supported over external memory (bytes other than 0 and 1 would reach the kernels); copy it in with tensor()");
  std::shared_ptr<v8::BackingStore> bs;
  if (v->IsArrayBuffer()) {
    auto ab = v.As<v8::ArrayBuffer>();
    if (ab->WasDetached()) fail(op, "the ArrayBuffer is detached (transferred or closed)");
    bs = ab->GetBackingStore();
  } else {
    bs = v.As<v8::SharedArrayBuffer>()->GetBackingStore();
  }
  // a resizable buffer can shrink under the tensor
  if (bs->IsResizableByUserJavaScript()) fail(op, "the buffer is resizable (made with maxByteLength); a tensor needs a fixed-length buffer");
  size_t len = bs->ByteLength(), esize = dtype_size(dt);
  int64_t n = shape_numel(op, shape);
  if (offset < 0 || (uint64_t)offset > len)
    fail(op, "byteOffset " + std::to_string(offset) + " is out of range for a buffer of " + std::to_string(len) + " bytes");
  if (offset % (int64_t)esize || reinterpret_cast<uintptr_t>(bs->Data()) % esize)
    fail(op, "byteOffset " + std::to_string(offset) + " is not a multiple of " + std::to_string(esize) + " (the size of " + dtype_name(dt) + ")");
  if ((double)n * (double)esize > (double)(len - (size_t)offset))
    fail(op, "shape " + dims_str(shape) + " of " + dtype_name(dt) + " needs " + std::to_string((uint64_t)n * esize) + " bytes but the buffer has " +
                 std::to_string(len - (size_t)offset) + " after byteOffset " + std::to_string(offset));
  auto s = std::make_shared<ExternalStorage>();
  s->data = static_cast<char*>(bs->Data()) + offset;
  s->nbytes = s->capacity = (size_t)n * esize;
  s->backing = std::move(bs);
  auto t = std::make_shared<TensorImpl>();
  t->storage = std::move(s);
  t->shape = shape;
  t->strides = contiguous_strides(shape);
  t->dtype = dt;
  return wrap_tensor(i.Env(), t);
}

}  // namespace

void register_io(Napi::Env env, Napi::Object& exports) {
  export_fn(env, exports, "to_array", to_array);
  export_fn(env, exports, "data_async", data_async);
  export_fn(env, exports, "from_array", from_array);
  export_fn(env, exports, "from_buffer", from_buffer);
}

}  // namespace myelin::binding
