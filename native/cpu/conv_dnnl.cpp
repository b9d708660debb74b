// See conv_dnnl.h. The primitives pick their own (blocked) memory formats; user tensors are
// plain NCHW/OIHW, reordered in and out around each call. oneDNN caches the compiled
// primitives by descriptor, but building the descriptor walks its implementation list each
// time (most of a small conv's cost), so each thread also keeps the ones it built (below).
#ifdef MYELIN_DNNL
#include "conv_dnnl.h"
#include "../core/signals.h"
#include "../core/ops.h"
#include <oneapi/dnnl/dnnl.hpp>
#include <array>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>

namespace myelin {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

dnnl::engine& eng() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

struct Geo {
  memory::dims src, wei, dst, strides, dil, pl, pr;
  tag wtag;
  memory::desc any(const memory::dims& d) const { return memory::desc(d, f32, tag::any); }
};
Geo geo(const ConvShape& s) {
  Geo g;
  g.src = {s.N, s.C, s.H, s.W};
  g.dst = {s.N, s.OC, s.OH, s.OW};
  if (s.groups > 1) g.wei = {s.groups, s.OC / s.groups, s.C / s.groups, s.kh, s.kw}, g.wtag = tag::goihw;
  else g.wei = {s.OC, s.C, s.kh, s.kw}, g.wtag = tag::oihw;
  g.strides = {s.sh, s.sw};
  g.dil = {s.dh - 1, s.dw - 1};  // oneDNN counts dilation from 0
  g.pl = {s.ph, s.pw};
  // the bottom/right padding that makes the last window end where torch's floor division puts it
  g.pr = {(s.OH - 1) * s.sh + (s.kh - 1) * s.dh + 1 - s.H - s.ph, (s.OW - 1) * s.sw + (s.kw - 1) * s.dw + 1 - s.W - s.pw};
  return g;
}
dnnl::convolution_forward::desc fwd_desc(const Geo& g, bool bias) {
  const auto prop = dnnl::prop_kind::forward_training;
  if (bias)
    return {prop, dnnl::algorithm::convolution_direct, g.any(g.src), g.any(g.wei), memory::desc({g.dst[1]}, f32, tag::x),
            g.any(g.dst), g.strides, g.dil, g.pl, g.pr};
  return {prop, dnnl::algorithm::convolution_direct, g.any(g.src), g.any(g.wei), g.any(g.dst), g.strides, g.dil, g.pl, g.pr};
}
// Each thread's primitives by geometry (as torch's ideep keeps them): a loop repeats a few
// shapes, so building is paid once; a stream of new shapes clears the map rather than grow it.
using Key = std::array<int64_t, 17>;
Key key(const ConvShape& s, bool bias) {
  return {s.N, s.C, s.H, s.W, s.OC, s.kh, s.kw, s.OH, s.OW, s.sh, s.sw, s.ph, s.pw, s.dh, s.dw, s.groups, bias};
}
template <class P> struct Built {
  typename P::primitive_desc pd;
  P prim;
};
// The value for k in this thread's map, made on a miss (the map is emptied first when full).
template <class K, class V, class Make> V& kept(std::map<K, V>& m, const K& k, size_t cap, const Make& make) {
  auto it = m.find(k);
  if (it != m.end()) return it->second;
  if (m.size() >= cap) m.clear();
  return m.emplace(k, make()).first->second;
}
template <class P, class Make> const Built<P>& cached(const Key& k, const Make& make) {
  thread_local std::map<Key, Built<P>> built;
  return kept(built, k, 64, [&] {
    typename P::primitive_desc pd = make();
    return Built<P>{pd, P(pd)};
  });
}
dnnl::convolution_forward::primitive_desc fwd_pd(const Geo& g, bool bias) { return {fwd_desc(g, bias), eng()}; }

// The reorder between two layouts, kept per thread as the convolutions are (keyed by the two
// descriptors' bytes, which oneDNN zero-fills before setting them).
dnnl::reorder& reorder(const memory::desc& from, const memory::desc& to) {
  thread_local std::map<std::string, dnnl::reorder> built;
  std::string k(2 * sizeof from.data, '\0');
  std::memcpy(&k[0], &from.data, sizeof from.data);
  std::memcpy(&k[sizeof from.data], &to.data, sizeof to.data);
  return kept(built, k, 256, [&] { return dnnl::reorder(dnnl::reorder::primitive_desc(eng(), from, eng(), to)); });
}
// A user buffer in the layout the primitive wants: the buffer itself, or a reordered copy.
memory in(const memory::desc& want, const memory::desc& have, const void* p, dnnl::stream& st) {
  memory user(have, eng(), const_cast<void*>(p));
  if (want == have) return user;
  memory m(want, eng());
  reorder(have, want).execute(st, user, m);
  return m;
}
// Runs `run` with an output in the primitive's layout, then reorders it into the user buffer.
template <typename F> void out(const memory::desc& want, const memory::desc& have, void* p, dnnl::stream& st, const F& run) {
  memory user(have, eng(), p);
  if (want == have) return run(user);
  memory m(want, eng());
  run(m);
  reorder(want, have).execute(st, m, user);
}

}  // namespace

bool dnnl_conv_forward(const ConvShape& s, const float* x, const float* w, const float* b, float* y) try {
  DeferSignals deferred;  // see signals.h
  const Geo g = geo(s);
  const auto& built = cached<dnnl::convolution_forward>(key(s, b != nullptr), [&] { return fwd_pd(g, b != nullptr); });
  const auto& pd = built.pd;
  dnnl::stream st(eng());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, in(pd.src_desc(), {g.src, f32, tag::nchw}, x, st)},
                                       {DNNL_ARG_WEIGHTS, in(pd.weights_desc(), {g.wei, f32, g.wtag}, w, st)}};
  if (b) args.emplace(DNNL_ARG_BIAS, memory(memory::desc({g.dst[1]}, f32, tag::x), eng(), const_cast<float*>(b)));
  out(pd.dst_desc(), {g.dst, f32, tag::nchw}, y, st, [&](memory& d) {
    args.insert_or_assign(DNNL_ARG_DST, d);
    built.prim.execute(st, args);
  });
  st.wait();
  return true;
} catch (const dnnl::error&) {
  return false;
}

// One call for every gradient asked for, so that dy is reordered (from whatever strides it
// has) once for both (the data and weight gradients want the same blocked layout), and db
// comes out of the weight gradient's pass over dy instead of a reduction of its own.
bool dnnl_conv_backward(const ConvShape& s, const float* dy, const int64_t* dy_strides, const float* x, const float* w, float* dx,
                        float* dw, float* db) try {
  DeferSignals deferred;  // see signals.h
  const Geo g = geo(s);
  const memory::desc plain_dy = dy_strides ? memory::desc(g.dst, f32, memory::dims(dy_strides, dy_strides + 4)) : memory::desc(g.dst, f32, tag::nchw);
  const memory::desc bias_d({g.dst[1]}, f32, tag::x);
  dnnl::stream st(eng());
  memory dy_in;  // dy in the last layout a primitive asked for
  auto dy_as = [&](const memory::desc& want) {
    if (!dy_in || dy_in.get_desc() != want) dy_in = in(want, plain_dy, dy, st);
    return dy_in;
  };
  if (dx) {
    const auto& built = cached<dnnl::convolution_backward_data>(key(s, false), [&] {
      return dnnl::convolution_backward_data::primitive_desc(
          {dnnl::algorithm::convolution_direct, g.any(g.src), g.any(g.wei), g.any(g.dst), g.strides, g.dil, g.pl, g.pr}, eng(), fwd_pd(g, false));
    });
    const auto& pd = built.pd;
    std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, dy_as(pd.diff_dst_desc())},
                                         {DNNL_ARG_WEIGHTS, in(pd.weights_desc(), {g.wei, f32, g.wtag}, w, st)}};
    out(pd.diff_src_desc(), {g.src, f32, tag::nchw}, dx, st, [&](memory& d) {
      args.insert_or_assign(DNNL_ARG_DIFF_SRC, d);
      built.prim.execute(st, args);
    });
  }
  if (dw) {
    const auto& built = cached<dnnl::convolution_backward_weights>(key(s, db != nullptr), [&] {
      const auto bwd = db ? dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, g.any(g.src), g.any(g.wei),
                                                                     bias_d, g.any(g.dst), g.strides, g.dil, g.pl, g.pr)
                          : dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, g.any(g.src), g.any(g.wei),
                                                                     g.any(g.dst), g.strides, g.dil, g.pl, g.pr);
      return dnnl::convolution_backward_weights::primitive_desc(bwd, eng(), fwd_pd(g, db != nullptr));
    });
    const auto& pd = built.pd;
    std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, dy_as(pd.diff_dst_desc())},
                                         {DNNL_ARG_SRC, in(pd.src_desc(), {g.src, f32, tag::nchw}, x, st)}};
    if (db) args.emplace(DNNL_ARG_DIFF_BIAS, memory(bias_d, eng(), db));
    out(pd.diff_weights_desc(), {g.wei, f32, g.wtag}, dw, st, [&](memory& d) {
      args.insert_or_assign(DNNL_ARG_DIFF_WEIGHTS, d);
      built.prim.execute(st, args);
    });
  }
  st.wait();
  return true;
} catch (const dnnl::error&) {
  return false;
}

// Without the native instructions oneDNN emulates bf16, slower than float32 compute runs.
bool native_bf16() {
  // the ISA values are bit sets of their features (avx2_vnni's is numerically larger but has no bf16)
  constexpr unsigned bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
  static const bool on = (static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & bf16) == bf16;
  return on;
}

TensorPtr conv2d_bf16_dnnl(const ConvShape& s, const TensorImpl& x, const TensorImpl& w, const TensorImpl* b) try {
  if (!native_bf16()) return nullptr;
  DeferSignals deferred;  // see signals.h
  constexpr auto bf16 = memory::data_type::bf16;
  const Geo g = geo(s);
  auto any = [&](const memory::dims& d) { return memory::desc(d, bf16, tag::any); };
  const memory::desc bias_d({g.dst[1]}, bf16, tag::x);
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto desc = b ? dnnl::convolution_forward::desc(prop, dnnl::algorithm::convolution_direct, any(g.src), any(g.wei), bias_d,
                                                        any(g.dst), g.strides, g.dil, g.pl, g.pr)
                      : dnnl::convolution_forward::desc(prop, dnnl::algorithm::convolution_direct, any(g.src), any(g.wei), any(g.dst),
                                                        g.strides, g.dil, g.pl, g.pr);
  dnnl::convolution_forward::primitive_desc pd(desc, eng());
  auto y = empty({s.N, s.OC, s.OH, s.OW}, DType::bfloat16, Device::cpu, "conv2d");
  TensorPtr xc = dense(x), wc = dense(w), bc = b ? dense(*b) : nullptr;
  dnnl::stream st(eng());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, in(pd.src_desc(), {g.src, bf16, tag::nchw}, xc->bytes(), st)},
                                       {DNNL_ARG_WEIGHTS, in(pd.weights_desc(), {g.wei, bf16, g.wtag}, wc->bytes(), st)}};
  if (bc) args.emplace(DNNL_ARG_BIAS, memory(bias_d, eng(), bc->bytes()));
  out(pd.dst_desc(), {g.dst, bf16, tag::nchw}, y->bytes(), st, [&](memory& d) {
    args.insert_or_assign(DNNL_ARG_DST, d);
    dnnl::convolution_forward(pd).execute(st, args);
  });
  st.wait();
  return y;
} catch (const dnnl::error&) {
  return nullptr;
}

TensorPtr matmul_bf16_dnnl(const TensorImpl& a, const TensorImpl& b) try {
  if (!native_bf16() || a.ndim() != 2 || b.ndim() != 2 || a.shape[1] != b.shape[0]) return nullptr;
  const int64_t M = a.shape[0], K = a.shape[1], N = b.shape[1];
  // Setting up the primitive costs 35-90 us a call (measured at 16 x 16 x 16): below 64^3
  // multiply-adds the float32 path (two widenings, a GEMM, a rounding) is faster.
  if (M == 0 || K == 0 || N == 0 || (double)M * N * K < 64.0 * 64 * 64) return nullptr;
  DeferSignals deferred;  // see signals.h
  constexpr auto bf16 = memory::data_type::bf16;
  auto y = empty({M, N}, DType::bfloat16, Device::cpu, "matmul");
  const memory::desc ad({M, K}, bf16, memory::dims{a.strides[0], a.strides[1]}), bd({K, N}, bf16, memory::dims{b.strides[0], b.strides[1]}),
      yd({M, N}, bf16, tag::ab);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(ad, bd, yd), eng());
  dnnl::stream st(eng());
  dnnl::matmul(pd).execute(st, {{DNNL_ARG_SRC, memory(ad, eng(), const_cast<char*>(a.bytes()))},
                                {DNNL_ARG_WEIGHTS, memory(bd, eng(), const_cast<char*>(b.bytes()))},
                                {DNNL_ARG_DST, memory(yd, eng(), y->bytes())}});
  st.wait();
  return y;
} catch (const dnnl::error&) {
  return nullptr;
}

}  // namespace myelin
#endif
