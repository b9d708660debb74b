// The op entries: one short, napi-free function per op id from the decoded argument pack
// (op_table.h) to the core op (ops.h), registered for the CPU in the dispatch table. The
// binding's exports and the graph executor both reach ops only through these.
#include <cmath>
#include <cstring>
#include <unordered_map>
#include "dispatch.h"

namespace myelin {

#include "op_table_gen.inc"

bool op_from_name(const std::string& name, OpId* out) {
  static const std::unordered_map<std::string, OpId> by_name = [] {
    std::unordered_map<std::string, OpId> m;
    for (int k = 0; k < kNumOps; k++) m.emplace(kOpSchemas[k].id, (OpId)k);
    return m;
  }();
  auto it = by_name.find(name);
  if (it == by_name.end()) return false;
  *out = it->second;
  return true;
}

// ---- dispatch
namespace {
constexpr int kNumDevices = 2;
struct Registration {
  OpFn fn = nullptr;
  uint32_t dtypes = 0;
};
Registration table[kNumOps][kNumDevices];  // constant-initialized: safe to fill from static init
}  // namespace

bool device_from_name(const std::string& s, Device* out) {
  if (s == "cpu") *out = Device::cpu;
  else if (s == "cuda") *out = Device::cuda;
  else return false;
  return true;
}
Device op_device(const OpArgs& a) {
  const OpSchema& s = op_schema(a.op);
  for (int k = 0; k < a.nargs; k++) {
    switch (s.args[k].type) {
      case ArgType::tensor: case ArgType::opt_tensor: case ArgType::scalar: case ArgType::tensor_or_float:
        if (a.a[k].t && !a.a[k].t->wrapped) return device_of(*a.a[k].t);
        break;
      case ArgType::tensor_list:
        if (a.list && !a.list->empty()) return device_of(*(*a.list)[0]);
        break;
      default: break;
    }
  }
  return Device::cpu;
}
void register_kernel(OpId op, Device dev, OpFn fn, uint32_t dtypes) { table[(int)op][(int)dev] = {fn, dtypes}; }
OpFn kernel_for(OpId op, Device dev) {
  OpFn f = table[(int)op][(int)dev].fn;
  if (!f) fail(op_schema(op).id, std::string("no ") + device_name(dev) + " kernel in this build");
  return f;
}
bool supports(OpId op, Device dev, DType dt) {
  const Registration& r = table[(int)op][(int)dev];
  return r.fn && (r.dtypes >> (int)dt & 1);
}

// ---- the CPU entries
namespace {

void set3(OpOut& o, std::tuple<TensorPtr, TensorPtr, TensorPtr> t) {
  o.r[0] = std::move(std::get<0>(t)); o.r[1] = std::move(std::get<1>(t)); o.r[2] = std::move(std::get<2>(t)); o.n = 3;
}
void set2(OpOut& o, std::pair<TensorPtr, TensorPtr> p) { o.r[0] = std::move(p.first); o.r[1] = std::move(p.second); o.n = 2; }
// in-place ops and `out`: the written tensor is the result (null when its owner is not
// known; the binding returns the JS argument itself then)
void set_arg(OpOut& o, const OpArgs& a, int k) { o.set(a.a[k].tp ? *a.a[k].tp : nullptr); }

template <UnaryOp op, int np>
void unary_entry(OpArgs& a, OpOut& o) {
  double p[2] = {np > 0 ? a.a[1].d : 0, np > 1 ? a.a[2].d : 0};
  TensorImpl* out = a.a[1 + np].t;
  auto y = unary(op, a.t(0), p, out);
  if (out) set_arg(o, a, 1 + np); else o.set(std::move(y));
}
template <BinaryOp op>
void binary_entry(OpArgs& a, OpOut& o) {
  TensorImpl* out = a.a[2].t;
  auto y = binary(op, a.t(0), a.t(1), out);
  if (out) set_arg(o, a, 2); else o.set(std::move(y));
}
template <ReduceOp kind>
void reduce_entry(OpArgs& a, OpOut& o) { o.set(reduce(a.name(), kind, a.t(0), a.d(1), a.a[2].i)); }

#define E(id) void id##_entry(OpArgs& a, OpOut& o)
E(as_strided) { o.set(as_strided(a.t(0), a.d(1), a.d(2), a.a[3].i)); }
E(reshape) { o.set(reshape(a.t(0), a.d(1))); }
E(view) { o.set(view(a.t(0), a.d(1))); }
E(permute) { o.set(permute(a.t(0), a.d(1))); }
E(transpose) { o.set(transpose(a.t(0), a.a[1].i, a.a[2].i)); }
E(slice) { o.set(slice(a.t(0), a.a[1].i, a.a[2].i, a.a[3].i, a.a[4].i)); }
E(select) { o.set(select(a.t(0), a.a[1].i, a.a[2].i)); }
E(narrow) { o.set(narrow(a.t(0), a.a[1].i, a.a[2].i, a.a[3].i)); }
E(expand) { o.set(expand(a.t(0), a.d(1))); }
E(squeeze) { o.set(squeeze(a.t(0), a.d(1))); }
E(unsqueeze) { o.set(unsqueeze(a.t(0), a.a[1].i)); }
E(flatten) { o.set(flatten(a.t(0), a.a[1].i, a.a[2].i)); }
E(contiguous) { o.set(dense(a.t(0))); }
E(to_dtype) { o.set(to_dtype(a.t(0), a.a[1].dt)); }
E(copy_) { copy_(a.t(0), a.t(1)); set_arg(o, a, 0); }
E(where) { o.set(where(a.t(0), a.t(1), a.t(2))); }

E(from_array) {
  const char* op = "from_array";
  // a.a[0].dt: the dtype the TypedArray's element type holds (has: false for none)
  DType dt = a.a[2].dt;
  // float16/bfloat16 travel as raw bits in a Uint16Array, bool as bytes in a Uint8Array
  DType want = dt == DType::bfloat16 ? DType::float16 : dt == DType::bool_ ? DType::uint8 : dt;
  if (!a.a[0].has || a.a[0].dt != want) fail(op, std::string("the TypedArray's type does not match dtype ") + dtype_name(dt));
  const Dims& shape = a.d(1);
  auto t = empty(shape, dt, Device::cpu, op);
  if (a.a[0].n != t->numel())
    fail(op, "data has " + std::to_string(a.a[0].n) + " elements but shape " + dims_str(shape) + " needs " + std::to_string(t->numel()));
  if (t->numel()) std::memcpy(t->storage->data, a.a[0].p, (size_t)t->numel() * dtype_size(dt));
  if (dt == DType::bool_) {  // normalize any nonzero byte to 1
    auto* p = static_cast<uint8_t*>(t->storage->data);
    for (int64_t k = 0; k < t->numel(); k++) p[k] = p[k] ? 1 : 0;
  }
  o.set(std::move(t));
}
E(full) { o.set(full(a.d(0), a.a[1].d, a.a[2].dt)); }
E(fill_) { fill_(a.t(0), a.a[1].d); set_arg(o, a, 0); }
E(arange) { o.set(arange(a.a[0].d, a.a[1].d, a.a[2].d, a.a[3].dt)); }
E(linspace) { o.set(linspace(a.a[0].d, a.a[1].d, a.a[2].i, a.a[3].dt)); }
E(eye) { o.set(eye(a.a[0].i, a.a[1].i, a.a[2].dt)); }
E(uniform_) { uniform_(a.t(0), a.a[1].d, a.a[2].d); set_arg(o, a, 0); }
E(normal_) { normal_(a.t(0), a.a[1].d, a.a[2].d); set_arg(o, a, 0); }
E(randint) { o.set(randint(a.a[0].i, a.a[1].i, a.d(2), a.a[3].dt)); }
E(bernoulli) { o.set(bernoulli(a.t(0))); }
E(randperm) { o.set(randperm(a.a[0].i, a.a[1].dt)); }

E(norm) {
  double p = a.a[1].d;
  ReduceOp k = p == 1 ? ReduceOp::norm1 : p == 2 ? ReduceOp::norm2 : std::isinf(p) && p > 0 ? ReduceOp::norminf
             : (fail("norm", "p must be 1, 2 or Infinity, got " + std::to_string(p)), ReduceOp::norm2);
  o.set(reduce("norm", k, a.t(0), a.d(2), a.a[3].i));
}
E(var) { o.set(var("var", a.t(0), a.d(1), a.a[2].d, a.a[3].i, false)); }
E(std) { o.set(var("std", a.t(0), a.d(1), a.a[2].d, a.a[3].i, true)); }
E(max) { set2(o, max_min_dim(true, a.t(0), a.a[1].i, a.a[2].i)); }
E(min) { set2(o, max_min_dim(false, a.t(0), a.a[1].i, a.a[2].i)); }
E(argmax) { o.set(arg_max_min(true, a.t(0), a.a[1].has ? a.a[1].i : 0, a.a[1].has, a.a[2].i)); }
E(argmin) { o.set(arg_max_min(false, a.t(0), a.a[1].has ? a.a[1].i : 0, a.a[1].has, a.a[2].i)); }
E(cumsum) { o.set(cumsum(a.t(0), a.a[1].i)); }
E(softmax) { o.set(softmax(a.t(0), a.a[1].i, false)); }
E(log_softmax) { o.set(softmax(a.t(0), a.a[1].i, true)); }
E(matmul) { o.set(matmul(a.t(0), a.t(1))); }

E(cat) { o.set(cat(*a.list, a.a[1].i)); }
E(gather) { o.set(gather(a.t(0), a.a[1].i, a.t(2))); }
E(scatter) { o.set(scatter(a.t(0), a.a[1].i, a.t(2), a.opt(3), a.opt(3) ? 0 : a.a[3].d, false)); }
E(scatter_add) { o.set(scatter(a.t(0), a.a[1].i, a.t(2), &a.t(3), 0, true)); }
E(scatter_reduce) { o.set(scatter_reduce(a.t(0), a.a[1].i, a.t(2), a.t(3), a.a[4].i, a.a[5].i != 0)); }
E(index_select) { o.set(index_select(a.t(0), a.a[1].i, a.t(2))); }
E(index_add) { o.set(index_add(a.t(0), a.a[1].i, a.t(2), a.t(3), a.a[4].d)); }
E(masked_fill) { o.set(masked_fill(a.t(0), a.t(1), a.a[2].d)); }
E(one_hot) { o.set(one_hot(a.t(0), a.a[1].i)); }
E(topk) { set2(o, topk(a.t(0), a.a[1].i, a.a[2].i, a.a[3].i, a.a[4].i)); }
E(sort) { set2(o, sort(a.t(0), a.a[1].i, a.a[2].i, a.a[3].i)); }
E(flip) { o.set(flip(a.t(0), a.d(1))); }
E(dropout_philox) { o.set(dropout_philox(a.t(0), a.a[1].d, a.t(2))); }
E(edge_softmax) { o.set(edge_softmax(a.t(0), a.t(1), a.a[2].i)); }
E(edge_softmax_backward) { o.set(edge_softmax_backward(a.t(0), a.t(1), a.t(2), a.a[3].i)); }
E(edge_weighted_sum) { o.set(edge_weighted_sum(a.t(0), a.t(1), a.t(2), a.t(3), a.a[4].i)); }
E(edge_dot) { o.set(edge_dot(a.t(0), a.t(1), a.t(2), a.t(3))); }

E(conv2d) { o.set(conv2d(a.t(0), a.t(1), a.opt(2), a.d(3), a.d(4), a.d(5), a.a[6].i)); }
E(conv_transpose2d) { o.set(conv_transpose2d(a.t(0), a.t(1), a.opt(2), a.d(3), a.d(4), a.d(5), a.d(6), a.a[7].i)); }
E(conv2d_weight_grad) { o.set(conv2d_weight_grad(a.t(0), a.t(1), a.d(2), a.d(3), a.d(4), a.d(5), a.a[6].i)); }
E(conv2d_backward) {
  set3(o, conv2d_backward(a.t(0), a.t(1), a.t(2), a.d(3), a.d(4), a.d(5), a.a[6].i, {a.a[7].i != 0, a.a[8].i != 0, a.a[9].i != 0}));
}
E(max_pool2d) { set2(o, max_pool2d(a.t(0), a.d(1), a.d(2), a.d(3), a.d(4), a.a[5].i)); }
E(adaptive_max_pool2d) { set2(o, adaptive_max_pool2d(a.t(0), a.d(1))); }
E(batch_norm) { set3(o, batch_norm(a.t(0), a.opt(1), a.opt(2), a.opt(3), a.opt(4), a.a[5].i, a.a[6].d, a.a[7].d)); }
E(batch_norm_backward) { set3(o, batch_norm_backward(a.t(0), a.t(1), a.opt(2), a.t(3), a.t(4), a.a[5].i)); }
E(layer_norm) { set3(o, layer_norm(a.t(0), a.d(1), a.opt(2), a.opt(3), a.a[4].d)); }
E(layer_norm_backward) { set3(o, layer_norm_backward(a.t(0), a.t(1), a.d(2), a.t(3), a.t(4), a.opt(5))); }
E(group_norm) { set3(o, group_norm(a.t(0), a.opt(1), a.opt(2), a.a[3].i, a.a[4].d)); }
E(group_norm_backward) { set3(o, group_norm_backward(a.t(0), a.t(1), a.opt(2), a.t(3), a.t(4), a.a[5].i)); }

E(lstm_cell) { set3(o, lstm_cell(a.t(0), a.t(1), a.t(2))); }
E(lstm_cell_backward) { set2(o, lstm_cell_backward(a.opt(0), a.opt(1), a.t(2), a.t(3), a.t(4))); }
E(gru_cell) { set2(o, gru_cell(a.t(0), a.t(1), a.t(2))); }
E(gru_cell_backward) { set3(o, gru_cell_backward(a.t(0), a.t(1))); }
E(lstm_scan) { set3(o, lstm_scan(a.t(0), a.t(1), a.t(2), a.t(3), a.d(4), a.a[5].i != 0)); }
E(lstm_scan_backward) { set3(o, lstm_scan_backward(a.t(0), a.t(1), a.t(2), a.d(3), a.a[4].i != 0)); }
E(gru_scan) { set2(o, gru_scan(a.t(0), a.t(1), a.t(2), a.opt(3), a.d(4), a.a[5].i != 0)); }
E(gru_scan_backward) { set3(o, gru_scan_backward(a.t(0), a.t(1), a.t(2), a.d(3), a.a[4].i != 0)); }
E(sdpa_flash) { set2(o, sdpa_flash(a.t(0), a.t(1), a.t(2), a.opt(3), a.a[4].i != 0, a.a[5].d, a.a[6].d, a.opt(7))); }
E(sdpa_flash_backward) { set3(o, sdpa_flash_backward(a.t(0), a.t(1), a.t(2), a.t(3), a.opt(4), a.t(5), a.t(6), a.a[7].i != 0, a.a[8].d, a.a[9].d, a.opt(10))); }
E(adam_step_) {
  AdamHyper h{a.a[5].d, a.a[6].d, a.a[7].d, a.a[8].d, a.a[9].d, a.a[10].i, a.a[11].i != 0, a.a[12].i != 0};
  adam_step_(a.t(0), a.t(1), a.t(2), a.t(3), a.opt(4), h);
  set_arg(o, a, 0);
}
E(sgd_step_) {
  SgdHyper h{a.a[3].d, a.a[4].d, a.a[5].d, a.a[6].d, a.a[7].i != 0, a.a[8].i != 0, a.a[9].i != 0};
  sgd_step_(a.t(0), a.t(1), a.opt(2), h);
  set_arg(o, a, 0);
}
E(rmsprop_step_) {
  RmspropHyper h{a.a[5].d, a.a[6].d, a.a[7].d, a.a[8].d, a.a[9].d, a.a[10].i != 0};
  rmsprop_step_(a.t(0), a.t(1), a.t(2), a.opt(3), a.opt(4), h);
  set_arg(o, a, 0);
}
E(adagrad_step_) {
  AdagradHyper h{a.a[3].d, a.a[4].d, a.a[5].d, a.a[6].d, a.a[7].i, a.a[8].i != 0};
  adagrad_step_(a.t(0), a.t(1), a.t(2), h);
  set_arg(o, a, 0);
}
#undef E

// conv, pooling and norm kernels compute in floating point only; the rest take every dtype
// (and reject what they do not support with a named error)
constexpr uint32_t kFloat = 1u << (int)DType::float32 | 1u << (int)DType::float64;
constexpr uint32_t kNoHalf = kAllDTypes & ~(1u << (int)DType::float16 | 1u << (int)DType::bfloat16);

struct RegisterCpu {
  RegisterCpu() {
    const Device cpu = Device::cpu;
#define MYELIN_UNARY_OP(id, F, kind, np, api, sig, grad) register_kernel(OpId::id, cpu, unary_entry<UnaryOp::id, np>);
#define MYELIN_BINARY_OP(id, F, kind, api, sig, grad) register_kernel(OpId::id, cpu, binary_entry<BinaryOp::id>);
#include "../ops.def"
    register_kernel(OpId::sum, cpu, reduce_entry<ReduceOp::sum>);
    register_kernel(OpId::mean, cpu, reduce_entry<ReduceOp::mean>);
    register_kernel(OpId::prod, cpu, reduce_entry<ReduceOp::prod>);
    register_kernel(OpId::amax, cpu, reduce_entry<ReduceOp::amax>);
    register_kernel(OpId::amin, cpu, reduce_entry<ReduceOp::amin>);
    register_kernel(OpId::all, cpu, reduce_entry<ReduceOp::all>);
    register_kernel(OpId::any, cpu, reduce_entry<ReduceOp::any>);
    register_kernel(OpId::logsumexp, cpu, reduce_entry<ReduceOp::logsumexp>);
#define R(id) register_kernel(OpId::id, cpu, id##_entry);
#define RF(id) register_kernel(OpId::id, cpu, id##_entry, kFloat);
// kernels with no float16/bfloat16 path (their entries throw "<op>: float16 is not supported")
#define RN(id) register_kernel(OpId::id, cpu, id##_entry, kNoHalf);
    R(as_strided) R(reshape) R(view) R(permute) R(transpose) R(slice) R(select) R(narrow) R(expand) R(squeeze)
    R(unsqueeze) R(flatten) R(contiguous) R(to_dtype) R(copy_) R(where)
    R(from_array) R(full) R(fill_) R(arange) R(linspace) R(eye) R(uniform_) R(normal_) R(randint) RN(bernoulli) R(randperm)
    R(norm) R(var) R(std) R(max) R(min) R(argmax) R(argmin) R(cumsum) R(softmax) R(log_softmax) R(matmul)
    R(cat) R(gather) RN(scatter) RN(scatter_add) R(index_select) RN(index_add) R(masked_fill) R(one_hot) R(topk) R(sort) R(flip)
    RN(scatter_reduce)
    RF(edge_softmax) RF(edge_softmax_backward) RF(edge_weighted_sum) RF(edge_dot)
    RF(conv2d) RF(conv_transpose2d) RF(conv2d_weight_grad) RF(conv2d_backward) RF(max_pool2d) RF(adaptive_max_pool2d)
    RF(batch_norm) RF(batch_norm_backward)
    RF(layer_norm) RF(layer_norm_backward)
    RF(group_norm) RF(group_norm_backward)
    RF(lstm_cell) RF(lstm_cell_backward) RF(gru_cell) RF(gru_cell_backward)
    RF(lstm_scan) RF(lstm_scan_backward) RF(gru_scan) RF(gru_scan_backward)
    RF(sdpa_flash) RF(sdpa_flash_backward)
    RF(adam_step_) RF(sgd_step_) RF(rmsprop_step_) RF(adagrad_step_)
    RF(dropout_philox)
#undef R
#undef RF
#undef RN
  }
} register_cpu;

}  // namespace
}  // namespace myelin
