// Argument checks for the binding: every JS value is converted into a plain C++ value
// (or a TensorImpl reference) before any kernel runs, and anything unexpected throws an
// Error naming the op, the argument position and what arrived.
#pragma once
// No NAPI_EXPERIMENTAL: its GC-time finalizers met the pending exception of a throw in
// progress and aborted V8 (issue 14), and node-addon-api then defers deleting each
// Napi::Error's reference to the next loop turn, which pinned the failing call's tensors
// through the error's stack frames. Handles get their GC-time free from V8 directly
// (addon.cpp, "handle lifetime").
#define NODE_ADDON_API_CPP_EXCEPTIONS
#define NODE_ADDON_API_CPP_EXCEPTIONS_ALL
// When a worker is terminated or the process exits during a call, the env can no longer
// throw: without this node-addon-api throws a C++ exception out of the callback instead
// (std::terminate, "terminate called after throwing Napi::Error").
#define NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#include <napi.h>
#include <v8.h>
#include <cmath>
#include <cstring>
#include <string>
#include "../core/ops.h"

namespace myelin::binding {

constexpr uint32_t kHandleMagic = 0x68616e64;  // "hand"

// What a JS tensor handle (a v8::External) points to. `js` is weak: V8 calls back when
// the External is collected, and the Handle is freed then (addon.cpp). prev/next link the
// live handles of this thread, freed together when its env is torn down.
struct Handle {
  uint32_t magic = kHandleMagic;
  TensorPtr t;
  v8::Global<v8::External> js;
  Handle* prev = nullptr;
  Handle* next = nullptr;
  ~Handle() { magic = 0; }
};

inline std::string describe(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "the number " + std::to_string(v.As<Napi::Number>().DoubleValue());
    case napi_string: return "a string";
    case napi_external: return "a foreign external";
    case napi_bigint: return "a bigint";
    default: return v.IsArray() ? "an array" : "an object";
  }
}
[[noreturn]] inline void bad_arg(const char* op, size_t i, const char* want, const Napi::Value& v) {
  fail(op, "argument " + std::to_string(i) + " must be " + want + ", got " + describe(v));
}

// napi_value is a v8::Local's slot pointer (node's v8impl converts them by memcpy too).
static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>), "napi_value layout");
inline v8::Local<v8::Value> to_v8(napi_value v) {
  v8::Local<v8::Value> l;
  std::memcpy(static_cast<void*>(&l), &v, sizeof v);
  return l;
}
inline napi_value to_napi(v8::Local<v8::Value> l) {
  napi_value v;
  std::memcpy(&v, static_cast<void*>(&l), sizeof v);
  return v;
}

// Handles are read back through V8 as they were made (addon.cpp's wrap): N-API's
// napi_get_value_external does not return a plain v8::External's pointer in every node.
inline Handle* handle_of(const Napi::Value& v) {
  v8::Local<v8::Value> l = to_v8(v);
  if (l.IsEmpty() || !l->IsExternal()) return nullptr;
  auto* h = static_cast<Handle*>(l.As<v8::External>()->Value());
  return h && h->magic == kHandleMagic ? h : nullptr;
}

// Each reader takes the value and its argument position (for the message); the
// CallbackInfo forms read info[i] (undefined past the end).
inline TensorImpl& tensor(const char* op, const Napi::Value& v, size_t i) {
  Handle* h = handle_of(v);
  if (!h) bad_arg(op, i, "a tensor", v);
  if (!h->t || !h->t->storage) fail(op, "argument " + std::to_string(i) + " is a disposed tensor");
  return *h->t;
}
inline double number(const char* op, const Napi::Value& v, size_t i) {
  if (!v.IsNumber()) bad_arg(op, i, "a number", v);
  return v.As<Napi::Number>().DoubleValue();
}
inline int64_t integer(const char* op, const Napi::Value& v, size_t i) {
  if (!v.IsNumber()) bad_arg(op, i, "an integer", v);
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9007199254740991.0) bad_arg(op, i, "an integer", v);
  return (int64_t)d;
}
inline bool boolean(const char* op, const Napi::Value& v, size_t i) {
  if (!v.IsBoolean()) bad_arg(op, i, "a boolean", v);
  return v.As<Napi::Boolean>().Value();
}
// At most 64 entries (shapes, dims, conv parameters), except a per-step list: the RNN scans'
// batch_sizes holds one entry per time step (up to 2^24). The name is compared only past 64,
// off the common path.
inline Dims dims(const char* op, const Napi::Value& v, size_t i, const char* arg_name = nullptr) {
  if (!v.IsArray()) bad_arg(op, i, "an array of integers", v);
  auto a = v.As<Napi::Array>();
  if (a.Length() > 64) {
    const uint32_t max_len = arg_name && std::strcmp(arg_name, "batch_sizes") == 0 ? (1u << 24) : 64;
    if (a.Length() > max_len) fail(op, "argument " + std::to_string(i) + " has more than " + std::to_string(max_len) + " entries");
  }
  Dims d(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a[k];
    double x = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(x) || x != std::floor(x) || std::fabs(x) > 9007199254740991.0)
      fail(op, "argument " + std::to_string(i) + " must be an array of integers, entry " + std::to_string(k) + " is " + describe(e));
    d[k] = (int64_t)x;
  }
  return d;
}
inline DType dtype(const char* op, const Napi::Value& v, size_t i) {
  DType dt;
  if (!v.IsString() || !dtype_from_name(v.As<Napi::String>().Utf8Value(), &dt))
    bad_arg(op, i,
            "a dtype name ('float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int32', 'int64' or 'bool')",
            v);
  return dt;
}

// The TypedArray that carries a dtype's elements across the boundary (data(), from_array):
// float16/bfloat16 as their raw bits in a Uint16Array, bool as 0/1 bytes in a Uint8Array,
// int64 as a BigInt64Array. The one place this mapping lives.
inline napi_typedarray_type typed_array_kind(DType dt) {
  switch (dt) {
    case DType::float32: return napi_float32_array;
    case DType::float64: return napi_float64_array;
    case DType::int32: return napi_int32_array;
    case DType::int64: return napi_bigint64_array;
    case DType::float16: case DType::bfloat16: return napi_uint16_array;
    case DType::int8: return napi_int8_array;
    case DType::uint8: case DType::bool_: return napi_uint8_array;
  }
  return napi_uint8_array;
}
// A TypedArray of typed_array_kind(dt) over n elements of buf.
inline Napi::Value typed_array(Napi::Env env, DType dt, size_t n, Napi::ArrayBuffer buf) {
  napi_value v;
  if (napi_create_typedarray(env, typed_array_kind(dt), n, buf, 0, &v) != napi_ok) fail("to_array", "could not create the TypedArray");
  return Napi::Value(env, v);
}
// The first element of t as a double (item()); float16/bfloat16 are widened exactly.
inline double first_element(const TensorImpl& t) {
  switch (t.dtype) {
    case DType::float16: return half_to_float(t.data<Half>()->bits);
    case DType::bfloat16: return bfloat16_to_float(t.data<BFloat16>()->bits);
    default: break;
  }
  double v = 0;
  MYELIN_DISPATCH_ALL(t.dtype, "item", v = (double)*t.data<scalar_t>());
  return v;
}

inline TensorImpl& tensor(const char* op, const Napi::CallbackInfo& info, size_t i) { return tensor(op, info[i], i); }
inline double number(const char* op, const Napi::CallbackInfo& info, size_t i) { return number(op, info[i], i); }
inline int64_t integer(const char* op, const Napi::CallbackInfo& info, size_t i) { return integer(op, info[i], i); }
inline bool boolean(const char* op, const Napi::CallbackInfo& info, size_t i) { return boolean(op, info[i], i); }
inline Dims dims(const char* op, const Napi::CallbackInfo& info, size_t i) { return dims(op, info[i], i); }
inline DType dtype(const char* op, const Napi::CallbackInfo& info, size_t i) { return dtype(op, info[i], i); }
// Defined in addon.cpp, for the exports of other files: a new handle for `t`, and an
// export registered through addon.cpp's call path (errors, deferred releases).
Napi::Value wrap_tensor(Napi::Env env, TensorPtr t);
void export_fn(Napi::Env env, Napi::Object& exports, const char* name, Napi::Value (*f)(const Napi::CallbackInfo&));
void register_io(Napi::Env env, Napi::Object& exports);  // io.cpp

}  // namespace myelin::binding
