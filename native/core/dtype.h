// Element types: one X-macro list drives the enum, names, sizes and kernel dispatch.
#pragma once
#include <cstdint>
#include <cstddef>
#include <cstring>
#include <string>

namespace myelin {

// float16 and bfloat16 are stored as raw bits; the CPU computes them in float32 (as torch's
// CPU kernels do) and rounds each result once, so their C++ types carry only conversions.
struct Half { uint16_t bits; };
struct BFloat16 { uint16_t bits; };

// IEEE half <-> float, round to nearest even, inf kept, NaN kept as a quiet NaN.
inline float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  uint32_t x;
  if (e == 0x1f) x = sign | 0x7f800000u | (m << 13);
  else if (e) x = sign | ((e + 112) << 23) | (m << 13);
  else {  // zero or subnormal: m units of 2^-24, exact in float
    float f = float(m) * 0x1p-24f;
    std::memcpy(&x, &f, 4);
    x |= sign;
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
inline uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = uint16_t((x >> 16) & 0x8000);
  const uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return sign | 0x7e00;   // NaN
  if (ax >= 0x477ff000u) return sign | 0x7c00;  // inf, and from 65520 up (the tie above 65504 rounds to even: inf)
  if (ax < 0x38800000u) {                       // below 2^-14: a half subnormal
    // adding 0.5 puts the value's 2^-24 units in the float's low mantissa bits; the FPU rounds to even
    float a;
    std::memcpy(&a, &ax, 4);
    a += 0.5f;
    uint32_t r;
    std::memcpy(&r, &a, 4);
    return sign | uint16_t(r - 0x3f000000u);
  }
  const uint32_t odd = (ax >> 13) & 1;
  return sign | uint16_t((ax + 0xc8000fffu + odd) >> 13);  // rebias 127 -> 15, round to even
}
inline float bfloat16_to_float(uint16_t b) {
  uint32_t x = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
inline uint16_t float_to_bfloat16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if (f != f) return 0x7fc0;  // NaN: torch's c10::BFloat16 gives this one, sign dropped
  return uint16_t((x + 0x7fffu + ((x >> 16) & 1)) >> 16);
}
inline float to_float(Half h) { return half_to_float(h.bits); }
inline float to_float(BFloat16 b) { return bfloat16_to_float(b.bits); }
template <typename T> inline T from_float(float f);
template <> inline Half from_float<Half>(float f) { return Half{float_to_half(f)}; }
template <> inline BFloat16 from_float<BFloat16>(float f) { return BFloat16{float_to_bfloat16(f)}; }

// _(id, C++ type, web name). New dtypes go at the end: the enum values are stable.
#define MYELIN_DTYPES(_)            \
  _(float32, float, "float32")      \
  _(float64, double, "float64")     \
  _(int32, int32_t, "int32")        \
  _(int64, int64_t, "int64")        \
  _(bool_, bool, "bool")            \
  _(float16, Half, "float16")       \
  _(bfloat16, BFloat16, "bfloat16") \
  _(int8, int8_t, "int8")           \
  _(uint8, uint8_t, "uint8")

enum class DType : uint8_t {
#define MYELIN_ENUM(id, T, name) id,
  MYELIN_DTYPES(MYELIN_ENUM)
#undef MYELIN_ENUM
};
constexpr int kNumDTypes = 9;

const char* dtype_name(DType t);
size_t dtype_size(DType t);
bool dtype_from_name(const std::string& s, DType* out);
// float16 and bfloat16: stored in 16 bits, computed in float32
inline bool is_reduced_float(DType t) { return t == DType::float16 || t == DType::bfloat16; }
inline bool is_float(DType t) { return t == DType::float32 || t == DType::float64 || is_reduced_float(t); }
inline bool is_int(DType t) { return t == DType::int32 || t == DType::int64 || t == DType::int8 || t == DType::uint8; }

// PyTorch's promotion between two tensors of the same priority tier (torch.promote_types):
// bool < uint8, int8 < int32 < int64 < float16, bfloat16 < float32 < float64, where
// float16 with bfloat16 gives float32 and uint8 with int8 gives int32 (torch: int16, which
// myelin does not have).
DType promote(DType a, DType b);

template <typename T> struct dtype_of;
#define MYELIN_DTYPE_OF(id, T, name) \
  template <> struct dtype_of<T> { static constexpr DType value = DType::id; };
MYELIN_DTYPES(MYELIN_DTYPE_OF)
#undef MYELIN_DTYPE_OF

}  // namespace myelin

// The error of a kernel family that has no float16/bfloat16 path: "conv2d: float16 is not
// supported". Ops that compute those dtypes in float32 convert before dispatching.
#define MYELIN_FAIL_DTYPE(dt, op, usual)                                                         \
  ::myelin::fail(op, ::myelin::is_reduced_float(dt)                                             \
                         ? std::string(::myelin::dtype_name(dt)) + " is not supported"          \
                         : std::string(usual))

// Runs the body with `scalar_t` bound to the C++ type of `dt`.
#define MYELIN_DISPATCH_ALL(dt, op, ...)                                        \
  switch (dt) {                                                                 \
    case ::myelin::DType::float32: { using scalar_t = float; __VA_ARGS__; } break;   \
    case ::myelin::DType::float64: { using scalar_t = double; __VA_ARGS__; } break;  \
    case ::myelin::DType::int32: { using scalar_t = int32_t; __VA_ARGS__; } break;   \
    case ::myelin::DType::int64: { using scalar_t = int64_t; __VA_ARGS__; } break;   \
    case ::myelin::DType::int8: { using scalar_t = int8_t; __VA_ARGS__; } break;     \
    case ::myelin::DType::uint8: { using scalar_t = uint8_t; __VA_ARGS__; } break;   \
    case ::myelin::DType::bool_: { using scalar_t = bool; __VA_ARGS__; } break;      \
    default: MYELIN_FAIL_DTYPE(dt, op, "unsupported dtype"); }
#define MYELIN_DISPATCH_NUMERIC(dt, op, ...)                                    \
  switch (dt) {                                                                 \
    case ::myelin::DType::float32: { using scalar_t = float; __VA_ARGS__; } break;   \
    case ::myelin::DType::float64: { using scalar_t = double; __VA_ARGS__; } break;  \
    case ::myelin::DType::int32: { using scalar_t = int32_t; __VA_ARGS__; } break;   \
    case ::myelin::DType::int64: { using scalar_t = int64_t; __VA_ARGS__; } break;   \
    case ::myelin::DType::int8: { using scalar_t = int8_t; __VA_ARGS__; } break;     \
    case ::myelin::DType::uint8: { using scalar_t = uint8_t; __VA_ARGS__; } break;   \
    default: MYELIN_FAIL_DTYPE(dt, op, std::string("not supported for dtype ") + ::myelin::dtype_name(dt)); }
#define MYELIN_DISPATCH_FLOAT(dt, op, ...)                                      \
  switch (dt) {                                                                 \
    case ::myelin::DType::float32: { using scalar_t = float; __VA_ARGS__; } break;   \
    case ::myelin::DType::float64: { using scalar_t = double; __VA_ARGS__; } break;  \
    default: MYELIN_FAIL_DTYPE(dt, op, std::string("expected a floating-point tensor, got ") + ::myelin::dtype_name(dt)); }
// Every dtype, float16/bfloat16 as their raw-bit types: for casts and data movement.
#define MYELIN_DISPATCH_STORAGE(dt, op, ...)                                    \
  switch (dt) {                                                                 \
    case ::myelin::DType::float16: { using scalar_t = ::myelin::Half; __VA_ARGS__; } break;      \
    case ::myelin::DType::bfloat16: { using scalar_t = ::myelin::BFloat16; __VA_ARGS__; } break; \
    default: MYELIN_DISPATCH_ALL(dt, op, __VA_ARGS__); }
