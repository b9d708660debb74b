// The graph executor (graph.h): validation at creation, replay at run.
#include "graph.h"
#include <cstring>
#include "gemv_f32.h"
#include "parallel.h"
#include "iter.h"
#include "scalar_ops.h"

namespace myelin {

namespace {
std::string step_name(const Graph& g, size_t k) {
  return "step " + std::to_string(k) + " (" + op_schema(g.steps[k].args.op).id + ")";
}

// Whether op is an elementwise row (MYELIN_UNARY_OP / MYELIN_BINARY_OP): its `out` argument
// takes any contiguous tensor of the result's shape and dtype, and writes it all.
bool elementwise(OpId op) {
  switch (op) {
#define MYELIN_UNARY_OP(id, F, kind, np, api, sig, grad) case OpId::id:
#define MYELIN_BINARY_OP(id, F, kind, api, sig, grad) case OpId::id:
#include "../ops.def"
      return true;
    default: return false;
  }
}

// The replay's own loops for the common elementwise ops on small contiguous float32
// tensors: the same functor and the same scalar loop as the CPU kernels'
// (cpu/elementwise.cpp's unary_kernel / binary_kernel), so the results are bit-identical,
// without their per-call shape, stride and dispatch work (most of a 1-element op's time).
// Each returns false where its conditions do not hold, and the op's entry runs instead.
// Only exact arithmetic (no libm call whose vectorized form could round differently).
bool small_f32(const TensorImpl& t, const TensorImpl& out) {
  return t.dtype == DType::float32 && !t.wrapped && t.storage && t.storage->device == Device::cpu && t.is_contiguous();
}
template <typename F>
bool fast_unary(const OpArgs& a, TensorImpl& out) {
  const TensorImpl& x = *a.a[0].t;
  const int64_t n = out.numel();
  if (!small_f32(x, out) || n >= 2 * kElementwiseGrain || x.shape != out.shape) return false;
  const float* p = x.data<float>();
  float* o = out.data<float>();
  F f(nullptr);
  for (int64_t i = 0; i < n; i++) o[i] = f(p[i]);
  return true;
}
template <typename F>
bool fast_binary(const OpArgs& a, TensorImpl& out) {
  const TensorImpl &x = *a.a[0].t, &y = *a.a[1].t;
  const int64_t n = out.numel();
  if (!small_f32(x, out) || !small_f32(y, out) || n >= 2 * kElementwiseGrain) return false;
  const float *p = x.data<float>(), *q = y.data<float>();
  float* o = out.data<float>();
  F f;
  // out's shape is the broadcast one (the plan's). An operand with out's element count only
  // gained leading size-1 dims (a bias [256] against [1, 256]): contiguous, it is read in
  // out's order; an operand of one element is a constant.
  const int64_t nx = x.numel(), ny = y.numel();
  if (nx == n && ny == n) for (int64_t i = 0; i < n; i++) o[i] = f(p[i], q[i]);
  else if (nx == n && ny == 1) { const float c = *q; for (int64_t i = 0; i < n; i++) o[i] = f(p[i], c); }
  else if (ny == n && nx == 1) { const float c = *p; for (int64_t i = 0; i < n; i++) o[i] = f(c, q[i]); }
  else return false;
  return true;
}
bool (*fast_for(OpId op))(const OpArgs&, TensorImpl&) {
  switch (op) {
    case OpId::add: return fast_binary<ops::Add>;
    case OpId::sub: return fast_binary<ops::Sub>;
    case OpId::mul: return fast_binary<ops::Mul>;
    case OpId::div: return fast_binary<ops::Div>;
    case OpId::maximum: return fast_binary<ops::Maximum>;
    case OpId::minimum: return fast_binary<ops::Minimum>;
    case OpId::relu: return fast_unary<ops::Relu>;
    case OpId::neg: return fast_unary<ops::Neg>;
    case OpId::abs: return fast_unary<ops::Abs>;
    case OpId::square: return fast_unary<ops::Square>;
    default: return nullptr;
  }
}
}  // namespace

void Graph::finalize() {
  std::vector<char> defined(num_slots, 0);
  std::vector<int> last_read(num_slots, -1);
  for (auto& c : constants) defined[c.first] = 1;
  for (int s : inputs) defined[s] = 1;
  for (size_t k = 0; k < steps.size(); k++) {
    GraphStep& st = steps[k];
    auto read = [&](int s) {
      if (!defined[s]) fail("graph", step_name(*this, k) + " reads slot " + std::to_string(s) + " before anything writes it");
      last_read[s] = (int)k;
    };
    for (auto& ts : st.tensor_slots) read(ts.second);
    for (int s : st.list_slots) read(s);
    for (int s : st.out_slots) if (s >= 0) defined[s] = 1;
  }
  for (int s : outputs)
    if (!defined[s]) fail("graph", "output slot " + std::to_string(s) + " is never written");
  // an intermediate is released after its last read (not the graph's outputs: they are
  // returned; constants stay held by the graph anyway)
  std::vector<char> keep(num_slots, 0);
  for (int s : outputs) keep[s] = 1;
  for (int s = 0; s < num_slots; s++)
    if (last_read[s] >= 0 && !keep[s]) steps[last_read[s]].release.push_back(s);
  // the replay plan: which steps may write into a recycled buffer, and their direct loops
  produced.assign(num_slots, 0);
  for (GraphStep& st : steps) {
    for (int s : st.out_slots) if (s >= 0) produced[s] = 1;
    const OpSchema& sc = op_schema(st.args.op);
    bool given = false;  // an in-place step writes the slot it was given
    for (auto& ts : st.tensor_slots) given |= ts.first == sc.out_arg;
    if (sc.ret == RetKind::out && elementwise(st.args.op) && !given && st.args.a[sc.out_arg].t == nullptr &&
        st.out_slots.size() == 1 && st.out_slots[0] >= 0) {
      st.reuse_arg = sc.out_arg;
      st.fast = fast_for(st.args.op);
    }
  }
  out_meta.assign(steps.size(), {DType::float32, Dims()});
  plan_chains(keep);
}

namespace {
// A constant the fused kernel reads in place: float32 on the CPU, contiguous.
bool plain_f32(const TensorPtr& t) {
  return t && t->storage && t->dtype == DType::float32 && !t->wrapped && t->storage->device == Device::cpu &&
         t->is_contiguous();
}
int slot_at(const GraphStep& st, int arg) {
  for (auto& ts : st.tensor_slots)
    if (ts.first == arg) return ts.second;
  return -1;
}
}  // namespace

void Graph::plan_chains(const std::vector<char>& is_output) {
  std::vector<int> reads(num_slots, 0), producer(num_slots, -1);
  for (size_t k = 0; k < steps.size(); k++) {
    for (auto& ts : steps[k].tensor_slots) reads[ts.second]++;
    for (int s : steps[k].list_slots) reads[s]++;
    for (int s : steps[k].out_slots) if (s >= 0) producer[s] = (int)k;
  }
  std::vector<TensorPtr> constant(num_slots);
  for (auto& c : constants) constant[c.first] = c.second;
  // an intermediate the next chain step alone reads (it is never materialized)
  auto internal = [&](int s) { return s >= 0 && reads[s] == 1 && !is_output[s]; };
  auto single_out = [](const GraphStep& st) { return st.out_slots.size() == 1 && st.out_slots[0] >= 0; };
  for (size_t k = 0; k < steps.size(); k++) {
    const GraphStep& mm = steps[k];
    if (mm.args.op != OpId::matmul || !single_out(mm)) continue;
    const int xs = slot_at(mm, 0), ts = slot_at(mm, 1);
    if (xs < 0 || ts < 0 || !internal(ts) || producer[ts] < 0) continue;
    const int j = producer[ts];
    const GraphStep& tr = steps[j];
    if (tr.args.op != OpId::transpose || tr.chain >= 0 || !single_out(tr)) continue;
    const int ws = slot_at(tr, 0);
    if (ws < 0 || !plain_f32(constant[ws]) || constant[ws]->ndim() != 2) continue;
    const int64_t d0 = tr.args.a[1].i, d1 = tr.args.a[2].i;
    if (((d0 % 2 + 2) % 2) == ((d1 % 2 + 2) % 2) || d0 < -2 || d0 > 1 || d1 < -2 || d1 > 1) continue;  // W's two dims swapped
    LinearChain c;
    c.t_step = j;
    c.head = c.last = (int)k;
    c.x_slot = xs;
    c.out_slot = mm.out_slots[0];
    c.w = constant[ws];
    const int64_t N = c.w->shape[0];
    // the bias add: out not given, the matmul's result and a constant of N elements
    if (k + 1 < steps.size() && internal(c.out_slot)) {
      const GraphStep& ad = steps[k + 1];
      const int a0 = slot_at(ad, 0), a1 = slot_at(ad, 1);
      const int bs = a0 == c.out_slot ? a1 : a1 == c.out_slot ? a0 : -1;
      if (ad.args.op == OpId::add && ad.reuse_arg >= 0 && ad.tensor_slots.size() == 2 && bs >= 0 && bs != c.out_slot &&
          plain_f32(constant[bs]) && constant[bs]->numel() == N &&
          (constant[bs]->ndim() == 1 || (constant[bs]->ndim() == 2 && constant[bs]->shape[0] == 1))) {
        c.b = constant[bs];
        c.last = (int)k + 1;
        c.out_slot = ad.out_slots[0];
        // then a relu of that sum
        if (k + 2 < steps.size() && internal(c.out_slot)) {
          const GraphStep& re = steps[k + 2];
          if (re.args.op == OpId::relu && re.reuse_arg >= 0 && slot_at(re, 0) == c.out_slot) {
            c.relu = true;
            c.last = (int)k + 2;
            c.out_slot = re.out_slots[0];
          }
        }
      }
    }
    const int id = (int)chains.size();
    chains.push_back(std::move(c));
    steps[j].chain = id;
    for (int m = (int)k; m <= chains.back().last; m++) steps[m].chain = id;
  }
}

bool Graph::run_chain(const LinearChain& c, std::vector<TensorPtr>& slots, std::vector<TensorPtr>& pool) const {
  const TensorPtr& xp = slots[c.x_slot];
  const TensorImpl& w = *c.w;
  const int64_t N = w.shape[0], K = w.shape[1];
  // batch 1 only: at larger batches the GEMM reads W once for many rows
  if (!xp || !xp->storage || xp->dtype != DType::float32 || xp->wrapped || xp->storage->device != Device::cpu ||
      xp->ndim() != 2 || xp->shape[0] != 1 || xp->shape[1] != K || !xp->is_contiguous() || !w.storage ||
      (c.b && !c.b->storage))
    return false;
  TensorPtr out;
  const Dims shape{1, N};
  for (size_t j = 0; j < pool.size(); j++)
    if (pool[j]->dtype == DType::float32 && pool[j]->shape == shape) {
      out = std::move(pool[j]);
      pool[j] = std::move(pool.back());
      pool.pop_back();
      break;
    }
  if (!out) out = empty(shape, DType::float32, Device::cpu, "matmul");
  float* y = out->data<float>();
  // the sums are in another order than eager's GEMV (OpenBLAS or the builtin one): within
  // float32 rounding of it, not bit-identical (test/graph_linear.test.ts); measured about
  // 15% less CPU time per MNIST MLP inference than calling matmul's own path here
  // A W larger than one core's L2 (the MNIST MLP's 784x256 first layer, 800 KB) is bound by
  // reading it from L3: split its rows (in the kernel's groups of 4, so each row's sum is the
  // same as on one thread) over the pool, each core streaming half; smaller Ws stay inline.
  const float *W = w.data<float>(), *x = xp->data<float>();
  const int64_t groups = (N + 3) / 4;
  const int64_t grain = N * K * int64_t(sizeof(float)) > (int64_t(512) << 10) ? (groups + 1) / 2 : groups;
  parallel_for(0, groups, grain, [&](int64_t g0, int64_t g1) {
    const int64_t r0 = g0 * 4, r1 = std::min(N, g1 * 4);
    gemv_rows_f32(W + r0 * K, r1 - r0, K, x, y + r0);
  });
  // the same functors as the add and relu kernels (NaN through relu stays NaN)
  if (c.b) {
    const float* b = c.b->data<float>();
    ops::Add add;
    for (int64_t n = 0; n < N; n++) y[n] = add(y[n], b[n]);
  }
  if (c.relu) {
    ops::Relu relu(nullptr);
    for (int64_t n = 0; n < N; n++) y[n] = relu(y[n]);
  }
  slots[c.out_slot] = std::move(out);
  return true;
}

void Graph::check_inputs(const std::vector<TensorPtr>& in) const {
  if (in.size() != inputs.size())
    fail("graph", "expected " + std::to_string(inputs.size()) + " inputs, got " + std::to_string(in.size()));
  for (size_t k = 0; k < in.size(); k++) {
    const TensorImpl& t = *in[k];
    if (!t.storage) fail("graph", "input " + std::to_string(k) + " is a disposed tensor");
    if (t.dtype != input_meta[k].first)
      fail("graph", "input " + std::to_string(k) + " has dtype " + dtype_name(t.dtype) + ", the graph was traced with " +
                        dtype_name(input_meta[k].first));
    if (t.shape != input_meta[k].second)
      fail("graph", "input " + std::to_string(k) + " has shape " + dims_str(t.shape) + ", the graph was traced with " +
                        dims_str(input_meta[k].second));
  }
}

std::vector<TensorPtr> Graph::run(const std::vector<TensorPtr>& in) const {
  check_inputs(in);
  std::vector<TensorPtr> slots(num_slots);
  for (auto& c : constants) slots[c.first] = c.second;
  for (size_t k = 0; k < in.size(); k++) slots[inputs[k]] = in[k];
  std::vector<const TensorImpl*> list;
  // Buffers of this run's intermediates after their last read, for later steps' outputs of
  // the same dtype and shape (as the plan says): a chain of small ops allocates a couple of
  // tensors per run instead of one per op. They go when the run returns, so nothing stays
  // held between runs (memory() counts as before).
  const bool plan = planned.load(std::memory_order_acquire);
  std::vector<TensorPtr> pool;
  std::vector<std::pair<DType, Dims>> seen;  // the first run's results, for the plan
  if (!plan) seen.resize(steps.size());
  // one traced step as recorded (its out argument a recycled buffer where the plan allows)
  auto exec = [&](size_t k) {
    const GraphStep& st = steps[k];
    // a copy of the decoded arguments (plain data), so that concurrent runs share the graph
    OpArgs a;
    a.op = st.args.op;
    a.nargs = st.args.nargs;
    std::memcpy(static_cast<void*>(a.a), st.args.a, sizeof(Arg) * (size_t)a.nargs);
    a.dims = st.store.dims;
    a.list = &list;
    for (auto& ts : st.tensor_slots) {
      const TensorPtr& p = slots[ts.second];
      if (!p) fail("graph", step_name(*this, k) + " reads slot " + std::to_string(ts.second) + ", which holds no tensor");
      a.a[ts.first].t = p.get();
      a.a[ts.first].tp = &p;
    }
    if (!st.list_slots.empty()) {
      list.clear();
      for (int s : st.list_slots) {
        if (!slots[s]) fail("graph", step_name(*this, k) + " reads slot " + std::to_string(s) + ", which holds no tensor");
        list.push_back(slots[s].get());
      }
    }
    TensorPtr buf;
    if (plan && st.reuse_arg >= 0) {
      const auto& m = out_meta[k];
      for (size_t j = 0; j < pool.size(); j++)
        if (pool[j]->dtype == m.first && pool[j]->shape == m.second) {
          buf = std::move(pool[j]);
          pool[j] = std::move(pool.back());
          pool.pop_back();
          break;
        }
    }
    if (buf && st.fast && st.fast(a, *buf)) {
      slots[st.out_slots[0]] = std::move(buf);
    } else {
      if (buf) {
        a.a[st.reuse_arg].t = buf.get();
        a.a[st.reuse_arg].tp = &buf;
      }
      OpOut o;
      run_op(a, o);
      for (size_t r = 0; r < st.out_slots.size(); r++)
        if (st.out_slots[r] >= 0) slots[st.out_slots[r]] = std::move(o.r[r]);
      if (!plan && st.reuse_arg >= 0 && slots[st.out_slots[0]]) seen[k] = {slots[st.out_slots[0]]->dtype, slots[st.out_slots[0]]->shape};
    }
  };
  auto release = [&](size_t k) {
    for (int s : steps[k].release) {
      TensorPtr& p = slots[s];
      // recycled only when nothing else holds it: no view of its storage, no other owner
      // (inputs and constants are held by the caller and the graph)
      if (p && produced[s] && p.use_count() == 1 && p->storage && p->storage.use_count() == 1 && p->offset == 0 &&
          p->is_contiguous())
        pool.push_back(std::move(p));
      else
        p.reset();
    }
  };
  // Planned runs take the fused linear layers (plan_chains): the transpose waits for its
  // matmul, which runs the chain in one pass or, where this input does not fit, the
  // transpose and then the steps as traced. The first run runs every step as traced.
  int fused_last = -1;
  for (size_t k = 0; k < steps.size(); k++) {
    const int ch = plan ? steps[k].chain : -1;
    if (ch >= 0) {
      const LinearChain& c = chains[ch];
      if ((int)k == c.t_step) continue;  // its releases wait too (it may still run)
      if ((int)k == c.head) {
        if (run_chain(c, slots, pool)) {
          fused_last = c.last;
          release(c.t_step);
          release(k);
          continue;
        }
        exec(c.t_step);
        release(c.t_step);
      } else if ((int)k <= fused_last) {
        release(k);
        continue;
      }
    }
    exec(k);
    release(k);
  }
  if (!plan) {
    std::lock_guard<std::mutex> lk(plan_mu);
    if (!planned.load(std::memory_order_relaxed)) {
      out_meta = std::move(seen);
      planned.store(true, std::memory_order_release);
    }
  }
  std::vector<TensorPtr> out;
  out.reserve(outputs.size());
  for (int s : outputs) out.push_back(slots[s]);
  return out;
}

}  // namespace myelin
