// Element types: one X-macro list drives the enum, names, sizes and kernel dispatch.
#pragma once
#include <cstdint>
#include <cstddef>
#include <string>

namespace myelin {

// _(id, C++ type, web name)
#define MYELIN_DTYPES(_)            \
  _(float32, float, "float32")      \
  _(float64, double, "float64")     \
  _(int32, int32_t, "int32")        \
  _(int64, int64_t, "int64")        \
  _(bool_, bool, "bool")

enum class DType : uint8_t {
#define MYELIN_ENUM(id, T, name) id,
  MYELIN_DTYPES(MYELIN_ENUM)
#undef MYELIN_ENUM
};
constexpr int kNumDTypes = 5;

const char* dtype_name(DType t);
size_t dtype_size(DType t);
bool dtype_from_name(const std::string& s, DType* out);
inline bool is_float(DType t) { return t == DType::float32 || t == DType::float64; }
inline bool is_int(DType t) { return t == DType::int32 || t == DType::int64; }

// PyTorch promotion between two tensors of the same priority class.
DType promote(DType a, DType b);

template <typename T> struct dtype_of;
#define MYELIN_DTYPE_OF(id, T, name) \
  template <> struct dtype_of<T> { static constexpr DType value = DType::id; };
MYELIN_DTYPES(MYELIN_DTYPE_OF)
#undef MYELIN_DTYPE_OF

}  // namespace myelin

// Runs the body with `scalar_t` bound to the C++ type of `dt`.
#define MYELIN_DISPATCH_ALL(dt, op, ...)                                        \
  switch (dt) {                                                                 \
    case ::myelin::DType::float32: { using scalar_t = float; __VA_ARGS__; } break;   \
    case ::myelin::DType::float64: { using scalar_t = double; __VA_ARGS__; } break;  \
    case ::myelin::DType::int32: { using scalar_t = int32_t; __VA_ARGS__; } break;   \
    case ::myelin::DType::int64: { using scalar_t = int64_t; __VA_ARGS__; } break;   \
    case ::myelin::DType::bool_: { using scalar_t = bool; __VA_ARGS__; } break;      \
    default: ::myelin::fail(op, "unsupported dtype"); }
#define MYELIN_DISPATCH_NUMERIC(dt, op, ...)                                    \
  switch (dt) {                                                                 \
    case ::myelin::DType::float32: { using scalar_t = float; __VA_ARGS__; } break;   \
    case ::myelin::DType::float64: { using scalar_t = double; __VA_ARGS__; } break;  \
    case ::myelin::DType::int32: { using scalar_t = int32_t; __VA_ARGS__; } break;   \
    case ::myelin::DType::int64: { using scalar_t = int64_t; __VA_ARGS__; } break;   \
    default: ::myelin::fail(op, std::string("not supported for dtype ") + ::myelin::dtype_name(dt)); }
#define MYELIN_DISPATCH_FLOAT(dt, op, ...)                                      \
  switch (dt) {                                                                 \
    case ::myelin::DType::float32: { using scalar_t = float; __VA_ARGS__; } break;   \
    case ::myelin::DType::float64: { using scalar_t = double; __VA_ARGS__; } break;  \
    default: ::myelin::fail(op, std::string("expected a floating-point tensor, got ") + ::myelin::dtype_name(dt)); }
