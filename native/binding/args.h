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

inline TensorImpl& tensor(const char* op, const Napi::CallbackInfo& info, size_t i) {
  Handle* h = handle_of(info[i]);
  if (!h) bad_arg(op, i, "a tensor", info[i]);
  if (!h->t || !h->t->storage) fail(op, "argument " + std::to_string(i) + " is a disposed tensor");
  return *h->t;
}
inline TensorImpl* opt_tensor(const char* op, const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return nullptr;
  return &tensor(op, info, i);
}

inline double number(const char* op, const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) bad_arg(op, i, "a number", info[i]);
  return info[i].As<Napi::Number>().DoubleValue();
}
inline int64_t integer(const char* op, const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) bad_arg(op, i, "an integer", info[i]);
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9007199254740991.0) bad_arg(op, i, "an integer", info[i]);
  return (int64_t)d;
}
inline bool boolean(const char* op, const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsBoolean()) bad_arg(op, i, "a boolean", info[i]);
  return info[i].As<Napi::Boolean>().Value();
}
inline Dims dims(const char* op, const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) bad_arg(op, i, "an array of integers", info[i]);
  auto a = info[i].As<Napi::Array>();
  if (a.Length() > 64) fail(op, "argument " + std::to_string(i) + " has more than 64 entries");
  Dims d(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value v = a[k];
    double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(x) || x != std::floor(x) || std::fabs(x) > 9007199254740991.0)
      fail(op, "argument " + std::to_string(i) + " must be an array of integers, entry " + std::to_string(k) + " is " + describe(v));
    d[k] = (int64_t)x;
  }
  return d;
}
inline DType dtype(const char* op, const Napi::CallbackInfo& info, size_t i) {
  DType dt;
  if (!info[i].IsString() || !dtype_from_name(info[i].As<Napi::String>().Utf8Value(), &dt))
    bad_arg(op, i, "a dtype name ('float32', 'float64', 'int32', 'int64' or 'bool')", info[i]);
  return dt;
}

// A tensor argument, or a JS number/boolean wrapped as a 0-d tensor of the lowest tier.
struct TensorOrScalar {
  TensorImpl* t = nullptr;
  TensorPtr owned;
  TensorImpl& get() { return t ? *t : *owned; }
};
inline TensorOrScalar tensor_or_scalar(const char* op, const Napi::CallbackInfo& info, size_t i) {
  TensorOrScalar r;
  if (info[i].IsNumber()) {
    double v = info[i].As<Napi::Number>().DoubleValue();
    bool integral = std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.2e18;
    r.owned = scalar_tensor(v, integral ? DType::int64 : DType::float64, true);
  } else if (info[i].IsBoolean()) {
    r.owned = scalar_tensor(info[i].As<Napi::Boolean>().Value() ? 1 : 0, DType::bool_, true);
  } else {
    r.t = &tensor(op, info, i);
  }
  return r;
}

// Defined in addon.cpp, for the exports of other files: a new handle for `t`, and an
// export registered through addon.cpp's call path (errors, deferred releases).
Napi::Value wrap_tensor(Napi::Env env, TensorPtr t);
void export_fn(Napi::Env env, Napi::Object& exports, const char* name, Napi::Value (*f)(const Napi::CallbackInfo&));
void register_io(Napi::Env env, Napi::Object& exports);  // io.cpp

}  // namespace myelin::binding
