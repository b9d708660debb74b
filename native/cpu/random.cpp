// Creation (full, arange, linspace, eye) and random fills from the process generator.
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include "../core/iter.h"
#include "../core/ops.h"
#include "../core/philox.h"

namespace myelin {

namespace {
struct Generator {
  std::atomic<uint64_t> seed{67280421310721ull};
  std::atomic<uint64_t> offset{0};
};
// One generator per JS thread: worker_threads seed and draw independently, as separate
// realms should (pool threads never draw; the caller reserves counters for them).
Generator& gen() {
  thread_local Generator g;
  return g;
}
// Reserves n counters; returns the first.
uint64_t take(uint64_t n) { return gen().offset.fetch_add(n); }

// Writes f(i) into every element of a contiguous-or-not tensor, in logical order.
template <typename T, typename F>
void fill_indexed(TensorImpl& t, const F& f) {
  Dims st = t.strides;
  StridedLoop<1> L(t.shape, {&st}, {t.bytes()}, {sizeof(T)});
  // logical index of the run start: recompute from the pointer only for contiguous
  // tensors; others go through a contiguous temporary (below)
  L.parallel_run(4096, [&](const std::array<char*, 1>& p, int64_t n) {
    T* o = reinterpret_cast<T*>(p[0]);
    int64_t i0 = o - t.data<T>();
    for (int64_t i = 0; i < n; i++) o[i] = f(i0 + i);
  });
}

template <typename F>
void fill_random(const char* op, TensorImpl& t, const F& per_element) {
  check_alive(op, t);
  if (is_reduced_float(t.dtype)) {  // drawn in float32, then rounded (as torch's CPU half/bfloat16 fills)
    auto tmp = empty(t.shape, DType::float32, Device::cpu, op);
    fill_random(op, *tmp, per_element);
    copy_(t, *tmp);
    return;
  }
  if (!t.is_contiguous()) {
    auto tmp = contiguous(t);
    fill_random(op, *tmp, per_element);
    copy_(t, *tmp);
    return;
  }
  uint64_t seed = gen().seed, base = take((uint64_t)t.numel());
  MYELIN_DISPATCH_ALL(t.dtype, op, fill_indexed<scalar_t>(t, [&](int64_t i) {
    return static_cast<scalar_t>(per_element(philox(seed, base + (uint64_t)i)));
  }));
}

// Uniform float32 fills use all four Philox lanes (one block per four elements): the
// fill is 4x cheaper, which dropout masks feel on every training step.
void fill_uniform_f32(TensorImpl& t, double lo, double hi) {
  check_alive("uniform_", t);
  if (!t.is_contiguous()) {
    auto tmp = contiguous(t);
    fill_uniform_f32(*tmp, lo, hi);
    copy_(t, *tmp);
    return;
  }
  int64_t n = t.numel();
  uint64_t seed = gen().seed, base = take(((uint64_t)n + 3) / 4 * 4);  // block b uses counter base + 4b: reserved, never reused
  float* p = t.data<float>();
  float scale = (float)(hi - lo) * (1.0f / 16777216.0f);
  parallel_for(0, (n + 3) / 4, 2048, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      Philox4 r = philox(seed, base + 4 * (uint64_t)b);
      for (int k = 0; k < 4 && b * 4 + k < n; k++) p[b * 4 + k] = (float)lo + (float)(r.v[k] >> 8) * scale;
    }
  });
}
}  // namespace

void manual_seed(uint64_t seed) {
  gen().seed = seed;
  gen().offset = 0;
}
uint64_t initial_seed() { return gen().seed; }

void check_fits(const char* op, double v, DType dt) {
  bool ok = true;
  const char* range = "";
  switch (dt) {  // the value itself must lie in range, as torch checks it (fractions then truncate)
    case DType::int32: ok = v >= -2147483648.0 && v <= 2147483647.0; range = "-2147483648 to 2147483647"; break;
    case DType::int64: ok = v >= -9223372036854775808.0 && v < 9223372036854775808.0; range = "-2^63 to 2^63 - 1"; break;
    case DType::float32: ok = !(std::fabs(v) > FLT_MAX) || std::isinf(v) || v != v; range = "up to 3.4028235e+38 in magnitude"; break;
    case DType::int8: ok = v >= -128.0 && v <= 127.0; range = "-128 to 127"; break;
    case DType::uint8: ok = v >= 0.0 && v <= 255.0; range = "0 to 255"; break;
    // float16/bfloat16: past their range a value rounds to inf, as torch.full gives
    default: break;
  }
  if (ok) return;
  char buf[40];
  for (int digits = 15; digits <= 17; digits++) {  // the shortest form that reads back as v
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  fail(op, std::string("value ") + buf + " cannot be converted to " + dtype_name(dt) + " without overflow (" + dtype_name(dt) +
               " holds " + range + (is_int(dt) ? ", and no NaN)" : ")"));
}

TensorPtr full(const Dims& shape, double v, DType dt) {
  check_fits("full", v, dt);
  auto t = empty(shape, dt, Device::cpu, "full");
  fill_(*t, v);
  return t;
}

TensorPtr arange(double start, double end, double step, DType dt) {
  const char* op = "arange";
  // float16/bfloat16 ranges are made in float32 and rounded (torch computes them in float)
  if (is_reduced_float(dt)) return to_dtype(*arange(start, end, step, DType::float32), dt);
  if (step == 0) fail(op, "step must be nonzero");
  if (!std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step)) fail(op, "start, end and step must be finite");
  if ((step > 0 && end < start) || (step < 0 && end > start))
    fail(op, "upper bound and step sign are inconsistent (start " + std::to_string(start) + ", end " +
                 std::to_string(end) + ", step " + std::to_string(step) + ")");
  double n = std::ceil((end - start) / step);
  if (n > 9e15) fail(op, "too many elements");
  if (n > 0) { check_fits(op, start, dt); check_fits(op, start + (n - 1) * step, dt); }  // the values run monotonically between
  auto t = empty({(int64_t)n}, dt, Device::cpu, op);
  MYELIN_DISPATCH_NUMERIC(dt, op, fill_indexed<scalar_t>(*t, [&](int64_t i) { return static_cast<scalar_t>(start + i * step); }));
  return t;
}

TensorPtr linspace(double start, double end, int64_t steps, DType dt) {
  const char* op = "linspace";
  if (is_reduced_float(dt)) return to_dtype(*linspace(start, end, steps, DType::float32), dt);
  if (steps < 0) fail(op, "number of steps must be non-negative, got " + std::to_string(steps));
  if (steps > 0) check_fits(op, start, dt);
  if (steps > 1) check_fits(op, end, dt);
  auto t = empty({steps}, dt, Device::cpu, op);
  double step = steps > 1 ? (end - start) / (double)(steps - 1) : 0;
  int64_t half = steps / 2;
  // symmetric from both ends, as torch, so the last element is exactly `end`
  MYELIN_DISPATCH_NUMERIC(dt, op, fill_indexed<scalar_t>(*t, [&](int64_t i) {
    return static_cast<scalar_t>(steps == 1 ? start : i < half ? start + step * i : end - step * (steps - 1 - i));
  }));
  return t;
}

TensorPtr eye(int64_t n, int64_t m, DType dt) {
  if (is_reduced_float(dt)) return to_dtype(*eye(n, m, DType::float32), dt);
  if (n < 0 || m < 0) fail("eye", "sizes must be non-negative, got " + std::to_string(n) + ", " + std::to_string(m));
  auto t = full({n, m}, 0, dt);
  MYELIN_DISPATCH_ALL(dt, "eye", {
    scalar_t* p = t->data<scalar_t>();
    for (int64_t i = 0; i < std::min(n, m); i++) p[i * m + i] = scalar_t(1);
  });
  return t;
}

void uniform_(TensorImpl& t, double lo, double hi) {
  if (!is_float(t.dtype)) fail("uniform_", std::string("expected a floating-point tensor, got ") + dtype_name(t.dtype));
  if (!(lo <= hi)) fail("uniform_", "expected from <= to, got " + std::to_string(lo) + " > " + std::to_string(hi));
  check_writable("uniform_", t);
  if (t.dtype == DType::float32) return fill_uniform_f32(t, lo, hi);
  fill_random("uniform_", t, [&](const Philox4& r) { return lo + (hi - lo) * philox_uniform53(r); });
}

void normal_(TensorImpl& t, double mean, double std) {
  if (!is_float(t.dtype)) fail("normal_", std::string("expected a floating-point tensor, got ") + dtype_name(t.dtype));
  if (!(std >= 0)) fail("normal_", "std must be non-negative, got " + std::to_string(std));
  check_writable("normal_", t);
  fill_random("normal_", t, [&](const Philox4& r) { return mean + std * philox_normal(r); });
}

TensorPtr randint(int64_t lo, int64_t hi, const Dims& shape, DType dt) {
  if (hi <= lo) fail("randint", "expected low < high, got " + std::to_string(lo) + " >= " + std::to_string(hi));
  if (dt == DType::bool_) fail("randint", "bool dtype not supported");
  if (dt == DType::int32 && (lo < INT32_MIN || hi - 1 > INT32_MAX))
    fail("randint", "low " + std::to_string(lo) + " and high " + std::to_string(hi) + " must lie in int32's range (high - 1 <= 2147483647, low >= -2147483648)");
  auto t = empty(shape, dt, Device::cpu, "randint");
  uint64_t range = (uint64_t)(hi - lo);
  fill_random("randint", *t, [&](const Philox4& r) {
    uint64_t u = ((uint64_t)r.v[0] << 32) | r.v[1];
    return (double)(lo + (int64_t)(u % range));
  });
  return t;
}

TensorPtr bernoulli(const TensorImpl& p) {
  check_alive("bernoulli", p);
  if (!is_float(p.dtype)) fail("bernoulli", std::string("expected floating-point probabilities, got ") + dtype_name(p.dtype));
  auto pc = to_dtype(p, DType::float64);
  const double* pp = pc->data<double>();
  for (int64_t i = 0, n = pc->numel(); i < n; i++)
    if (!(pp[i] >= 0 && pp[i] <= 1)) fail("bernoulli", "probabilities must be in [0, 1], got " + std::to_string(pp[i]));
  auto t = empty(p.shape, p.dtype, Device::cpu, "bernoulli");
  uint64_t seed = gen().seed, base = take((uint64_t)t->numel());
  MYELIN_DISPATCH_FLOAT(t->dtype, "bernoulli", fill_indexed<scalar_t>(*t, [&](int64_t i) {
    return static_cast<scalar_t>(philox_uniform53(philox(seed, base + (uint64_t)i)) < pp[i] ? 1 : 0);
  }));
  return t;
}

TensorPtr randperm(int64_t n, DType dt) {
  if (n < 0) fail("randperm", "n must be non-negative, got " + std::to_string(n));
  if (!is_int(dt) && !is_float(dt)) fail("randperm", "unsupported dtype");
  auto t = empty({n}, dt, Device::cpu, "randperm");  // checks n before the permutation's buffer is sized
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; i++) v[i] = i;
  uint64_t seed = gen().seed, base = take((uint64_t)n);
  for (int64_t i = n - 1; i > 0; i--) {
    Philox4 r = philox(seed, base + (uint64_t)i);
    uint64_t u = ((uint64_t)r.v[0] << 32) | r.v[1];
    std::swap(v[i], v[u % (uint64_t)(i + 1)]);
  }
  MYELIN_DISPATCH_NUMERIC(dt, "randperm", { scalar_t* p = t->data<scalar_t>(); for (int64_t i = 0; i < n; i++) p[i] = (scalar_t)v[i]; });
  return t;
}

}  // namespace myelin
