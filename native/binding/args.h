// Argument checks for the binding: every JS value is converted into a plain C++ value
// (or a TensorImpl reference) before any kernel runs, and anything unexpected throws an
// Error naming the op, the argument position and what arrived.
#pragma once
#define NAPI_EXPERIMENTAL  // basic (pure) finalizers run during GC, so memory frees inside sync loops
#define NODE_ADDON_API_CPP_EXCEPTIONS
#define NODE_ADDON_API_CPP_EXCEPTIONS_ALL
#include <napi.h>
#include <cmath>
#include <string>
#include "../core/ops.h"

namespace myelin::binding {

constexpr uint32_t kHandleMagic = 0x68616e64;  // "hand"

// What a JS tensor handle (an External) points to.
struct Handle {
  uint32_t magic = kHandleMagic;
  TensorPtr t;
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

inline Handle* handle_of(const Napi::Value& v) {
  if (v.Type() != napi_external) return nullptr;
  auto* h = v.As<Napi::External<Handle>>().Data();
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

}  // namespace myelin::binding
