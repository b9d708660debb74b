// The native op surface, device-generic: each entry validates its arguments, then runs
// the kernel of the inputs' device. The binding calls only these.
#pragma once
#include <array>
#include <tuple>
#include "tensor.h"

namespace myelin {

enum class UnaryOp {
#define MYELIN_UNARY(id, F, kind, np) id,
#include "../ops.def"
};
enum class BinaryOp {
#define MYELIN_BINARY(id, F, kind) id,
#include "../ops.def"
};

// Type promotion across tensors, 0-d tensors and wrapped JS numbers (PyTorch's result_type).
DType result_type(const TensorImpl& a, const TensorImpl& b);
TensorPtr scalar_tensor(double v, DType dt, bool wrapped);
// Refuses a JS number that `dt` cannot hold (NaN or out of range for the integers, finite
// but past float32's range for float32): casting it in C++ is undefined behaviour.
void check_fits(const char* op, double v, DType dt);
void check_alive(const char* op, const TensorImpl& t);
void check_same_device(const char* op, const TensorImpl& a, const TensorImpl& b);

// Size arithmetic on user-given shapes, strides, offsets and geometry: an int64 overflow
// fails naming the op and the operands instead of wrapping into a small, wrong extent
// (asStrided([4097], [2 ** 52]) once passed its bounds check that way).
inline int64_t checked_mul(const char* op, int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) fail(op, "size " + std::to_string(a) + " * " + std::to_string(b) + " overflows int64");
  return r;
}
inline int64_t checked_add(const char* op, int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) fail(op, "size " + std::to_string(a) + " + " + std::to_string(b) + " overflows int64");
  return r;
}

// Writes through views (PyTorch's memory-overlap rules, core/views.cpp). Every native op
// that writes into a caller's tensor calls check_writable on it: an output in which two
// elements share one memory location (an expanded view, an overlapping asStrided) is
// refused, since the result would depend on the order of the writes (and on the threads).
// An input that shares memory with the output at another layout (x.add_(x.T), an
// overlapping slice) must be read from a copy: shares_memory_differently says when.
void check_writable(const char* op, const TensorImpl& out);
// true when `in`, read broadcast to out's shape, touches out's memory anywhere other than
// element for element at the same place
bool shares_memory_differently(const TensorImpl& out, const TensorImpl& in);
// true when the two tensors' memory ranges intersect (same storage, overlapping spans)
bool may_share_memory(const TensorImpl& a, const TensorImpl& b);

// elementwise (out: optional destination, may alias an input; shape must match exactly)
TensorPtr unary(UnaryOp op, const TensorImpl& x, const double* params, TensorImpl* out);
TensorPtr binary(BinaryOp op, const TensorImpl& a, const TensorImpl& b, TensorImpl* out);
TensorPtr where(const TensorImpl& cond, const TensorImpl& a, const TensorImpl& b);
TensorPtr to_dtype(const TensorImpl& x, DType dt);
TensorPtr contiguous(const TensorImpl& x);
// x itself (a view sharing its storage) when already contiguous, else a contiguous copy
TensorPtr dense(const TensorImpl& x);
void copy_(TensorImpl& dst, const TensorImpl& src);  // broadcasts src, casts dtype
void fill_(TensorImpl& dst, double v);

// views (share storage)
TensorPtr as_strided(const TensorImpl& x, const Dims& shape, const Dims& strides, int64_t offset);
TensorPtr view(const TensorImpl& x, Dims shape);
TensorPtr reshape(const TensorImpl& x, Dims shape);
TensorPtr permute(const TensorImpl& x, const Dims& dims);
TensorPtr transpose(const TensorImpl& x, int64_t d0, int64_t d1);
TensorPtr slice(const TensorImpl& x, int64_t dim, int64_t start, int64_t end, int64_t step);
TensorPtr select(const TensorImpl& x, int64_t dim, int64_t index);
TensorPtr narrow(const TensorImpl& x, int64_t dim, int64_t start, int64_t length);
TensorPtr expand(const TensorImpl& x, const Dims& shape);
TensorPtr squeeze(const TensorImpl& x, const Dims& dims);  // empty dims: all size-1 dims
TensorPtr unsqueeze(const TensorImpl& x, int64_t dim);
TensorPtr flatten(const TensorImpl& x, int64_t start, int64_t end);

// creation and random (one seeded Philox generator per process)
TensorPtr full(const Dims& shape, double v, DType dt);
TensorPtr arange(double start, double end, double step, DType dt);
TensorPtr linspace(double start, double end, int64_t steps, DType dt);
TensorPtr eye(int64_t n, int64_t m, DType dt);
void manual_seed(uint64_t seed);
uint64_t initial_seed();
// The generator's whole state: a draw depends on nothing else, so restoring it repeats
// every later random op bit for bit (checkpoints save it).
struct RngState { uint64_t seed, offset; };
RngState rng_state();
void set_rng_state(const RngState& s);
void uniform_(TensorImpl& t, double lo, double hi);
void normal_(TensorImpl& t, double mean, double std);
TensorPtr randint(int64_t lo, int64_t hi, const Dims& shape, DType dt);
TensorPtr bernoulli(const TensorImpl& p);
TensorPtr randperm(int64_t n, DType dt);
// inverted dropout of x with the Philox mask fixed by rng (int64 [2]: seed, first counter); its own backward
TensorPtr dropout_philox(const TensorImpl& x, double p, const TensorImpl& rng);

// reductions: dims empty = all dims
enum class ReduceOp { sum, mean, prod, amax, amin, all, any, logsumexp, norm1, norm2, norminf };
TensorPtr reduce(const char* op, ReduceOp kind, const TensorImpl& x, const Dims& dims, bool keepdim);
TensorPtr var(const char* op, const TensorImpl& x, const Dims& dims, double correction, bool keepdim, bool take_sqrt);
// max/min along one dim: values and int64 indices (first occurrence, NaN wins as in torch)
std::pair<TensorPtr, TensorPtr> max_min_dim(bool is_max, const TensorImpl& x, int64_t dim, bool keepdim);
TensorPtr arg_max_min(bool is_max, const TensorImpl& x, int64_t dim, bool has_dim, bool keepdim);
TensorPtr cumsum(const TensorImpl& x, int64_t dim);
TensorPtr softmax(const TensorImpl& x, int64_t dim, bool log);

// linear algebra
TensorPtr matmul(const TensorImpl& a, const TensorImpl& b);

// joining and indexing
TensorPtr cat(const std::vector<const TensorImpl*>& xs, int64_t dim);
TensorPtr gather(const TensorImpl& x, int64_t dim, const TensorImpl& index);
// scatter: src may be null (then `value` is used); reduce_add selects scatter_add
TensorPtr scatter(const TensorImpl& x, int64_t dim, const TensorImpl& index, const TensorImpl* src, double value, bool add);
// scatter_reduce: reduce 0 sum, 1 prod, 2 mean, 3 amax, 4 amin (torch's names, in that order)
TensorPtr scatter_reduce(const TensorImpl& x, int64_t dim, const TensorImpl& index, const TensorImpl& src, int64_t reduce,
                         bool include_self);
TensorPtr index_select(const TensorImpl& x, int64_t dim, const TensorImpl& index);
TensorPtr index_add(const TensorImpl& x, int64_t dim, const TensorImpl& index, const TensorImpl& src, double alpha);
TensorPtr masked_fill(const TensorImpl& x, const TensorImpl& mask, double value);
TensorPtr one_hot(const TensorImpl& index, int64_t num_classes);
// graph attention's edge kernels: softmax over the edges of each target, weighted sums along edges
TensorPtr edge_softmax(const TensorImpl& src, const TensorImpl& index, int64_t num_nodes);
TensorPtr edge_softmax_backward(const TensorImpl& grad, const TensorImpl& out, const TensorImpl& index, int64_t num_nodes);
TensorPtr edge_weighted_sum(const TensorImpl& x, const TensorImpl& weight, const TensorImpl& src, const TensorImpl& dst, int64_t num_nodes);
TensorPtr edge_dot(const TensorImpl& a, const TensorImpl& b, const TensorImpl& index_a, const TensorImpl& index_b);
std::pair<TensorPtr, TensorPtr> topk(const TensorImpl& x, int64_t k, int64_t dim, bool largest, bool sorted);
std::pair<TensorPtr, TensorPtr> sort(const TensorImpl& x, int64_t dim, bool descending, bool stable);
TensorPtr flip(const TensorImpl& x, const Dims& dims);

// convolution (x [N, C, H, W], weight [OC, C/groups, kH, kW], bias [OC] or null) and its
// transpose (weight [C, OC/groups, kH, kW]); conv2d_weight_grad gives dW of conv2d(x, W) from
// dy, for a kernel of size `kernel`. stride, padding, dilation: [h, w].
TensorPtr conv2d(const TensorImpl& x, const TensorImpl& w, const TensorImpl* bias, const Dims& stride, const Dims& padding,
                 const Dims& dilation, int64_t groups);
TensorPtr conv_transpose2d(const TensorImpl& x, const TensorImpl& w, const TensorImpl* bias, const Dims& stride,
                           const Dims& padding, const Dims& output_padding, const Dims& dilation, int64_t groups);
TensorPtr conv2d_weight_grad(const TensorImpl& dy, const TensorImpl& x, const Dims& kernel, const Dims& stride,
                             const Dims& padding, const Dims& dilation, int64_t groups);
// conv2d's gradients from dy at once (torch's convolution_backward): dx, dW, db where mask
// asks for them, else null
std::tuple<TensorPtr, TensorPtr, TensorPtr> conv2d_backward(const TensorImpl& dy, const TensorImpl& x, const TensorImpl& w,
                                                            const Dims& stride, const Dims& padding, const Dims& dilation,
                                                            int64_t groups, const std::array<bool, 3>& mask);
// max pooling: values and int64 indices into each flattened H x W plane
std::pair<TensorPtr, TensorPtr> max_pool2d(const TensorImpl& x, const Dims& kernel, const Dims& stride, const Dims& padding,
                                           const Dims& dilation, bool ceil_mode);
std::pair<TensorPtr, TensorPtr> adaptive_max_pool2d(const TensorImpl& x, const Dims& output_size);
// batch normalization over dim 1 of [N, C, *]: y, and the mean and 1/sqrt(var + eps) used
// (batch statistics when training, which also update the running ones in place, else the
// running ones); the backward gives dx, dweight, dbias.
std::tuple<TensorPtr, TensorPtr, TensorPtr> batch_norm(const TensorImpl& x, const TensorImpl* weight, const TensorImpl* bias,
                                                       TensorImpl* running_mean, TensorImpl* running_var, bool training,
                                                       double momentum, double eps);
std::tuple<TensorPtr, TensorPtr, TensorPtr> batch_norm_backward(const TensorImpl& dy, const TensorImpl& x, const TensorImpl* weight,
                                                                const TensorImpl& mean, const TensorImpl& invstd, bool training);
// layer normalization over the trailing normalized_shape (cpu/layer_norm.cpp): y, and the
// mean and 1/sqrt(var + eps) of each row (shape: x's leading dims, then 1s); the backward
// gives dx, dweight, dbias (dweight / dbias of normalized_shape, also when weight is null).
std::tuple<TensorPtr, TensorPtr, TensorPtr> layer_norm(const TensorImpl& x, const Dims& normalized_shape, const TensorImpl* weight,
                                                       const TensorImpl* bias, double eps);
std::tuple<TensorPtr, TensorPtr, TensorPtr> layer_norm_backward(const TensorImpl& dy, const TensorImpl& x, const Dims& normalized_shape,
                                                                const TensorImpl& mean, const TensorImpl& rstd, const TensorImpl* weight);
// group normalization of [N, C, *] over num_groups groups of channels (cpu/norm.cpp): y, and the
// mean and 1/sqrt(var + eps) of each (sample, group), shape [N, G]; the backward gives dx,
// dweight, dbias (of shape [C], also when weight is null).
std::tuple<TensorPtr, TensorPtr, TensorPtr> group_norm(const TensorImpl& x, const TensorImpl* weight, const TensorImpl* bias,
                                                       int64_t num_groups, double eps);
std::tuple<TensorPtr, TensorPtr, TensorPtr> group_norm_backward(const TensorImpl& dy, const TensorImpl& x, const TensorImpl* weight,
                                                                const TensorImpl& mean, const TensorImpl& rstd, int64_t num_groups);

// fused recurrent cells, one time step (cpu/rnn.cpp); xg, hg: the input and hidden
// projections with their biases, gates in torch's order. LSTM [B, 4H] (i, f, g, o), c [B, H]:
// h, c_new, and the activated gates [B, 4H] for the backward; its backward takes dh and dc
// (either null: zeros) and gives the gates' gradient (of xg and of hg alike) and dc_prev.
// GRU [B, 3H] (r, z, n), h [B, H]: h_new and a workspace [B, 5H] (r, z, n, h, hn); its
// backward gives dxg, dhg, dh.
std::tuple<TensorPtr, TensorPtr, TensorPtr> lstm_cell(const TensorImpl& xg, const TensorImpl& hg, const TensorImpl& c);
std::pair<TensorPtr, TensorPtr> lstm_cell_backward(const TensorImpl* dh, const TensorImpl* dc, const TensorImpl& c, const TensorImpl& c_new,
                                                   const TensorImpl& workspace);
std::pair<TensorPtr, TensorPtr> gru_cell(const TensorImpl& xg, const TensorImpl& hg, const TensorImpl& h);
std::tuple<TensorPtr, TensorPtr, TensorPtr> gru_cell_backward(const TensorImpl& dh_new, const TensorImpl& workspace);
// whole-layer scans (cpu/rnn.cpp), one direction over packed steps (batch_sizes, non-increasing):
// LSTM gi [N, 4H] (both biases in), h0, c0 [B, H], w_hh [4H, H] -> y [N + 2B, H] (outputs, hN,
// cN), workspace [N, 6H] (gates, c_prev, c_new), h_prev [N, H]; backward from dy [N + 2B, H]
// -> dgates [N, 4H], dh0, dc0. GRU gi [N, 3H] (b_ih in), b_hh? [3H] -> y [N + B, H] (outputs,
// hN), workspace [N, 5H] (gru_cell's); backward -> dxg, dhg [N, 3H], dh0.
std::tuple<TensorPtr, TensorPtr, TensorPtr> lstm_scan(const TensorImpl& gi, const TensorImpl& h0, const TensorImpl& c0, const TensorImpl& w_hh,
                                                      const Dims& batch_sizes, bool reverse);
std::tuple<TensorPtr, TensorPtr, TensorPtr> lstm_scan_backward(const TensorImpl& dy, const TensorImpl& workspace, const TensorImpl& w_hh,
                                                               const Dims& batch_sizes, bool reverse);
std::pair<TensorPtr, TensorPtr> gru_scan(const TensorImpl& gi, const TensorImpl& h0, const TensorImpl& w_hh, const TensorImpl* b_hh,
                                         const Dims& batch_sizes, bool reverse);
std::tuple<TensorPtr, TensorPtr, TensorPtr> gru_scan_backward(const TensorImpl& dy, const TensorImpl& workspace, const TensorImpl& w_hh,
                                                              const Dims& batch_sizes, bool reverse);
// fused attention (cpu/attention.cpp): q [B, Hq, L, E], k [B, Hk, S, E], v [B, Hk, S, Ev] -> out, logsumexp [B, Hq, L].
// dropout_p > 0 drops attention weights in the kernel; rng (int64 [2]: Philox seed, first counter) fixes the mask,
// which the backward regenerates from the same rng.
std::pair<TensorPtr, TensorPtr> sdpa_flash(const TensorImpl& q, const TensorImpl& k, const TensorImpl& v, const TensorImpl* mask,
                                           bool is_causal, double scale, double dropout_p = 0, const TensorImpl* rng = nullptr);
std::tuple<TensorPtr, TensorPtr, TensorPtr> sdpa_flash_backward(const TensorImpl& dout, const TensorImpl& q, const TensorImpl& k,
                                                                const TensorImpl& v, const TensorImpl* mask, const TensorImpl& out,
                                                                const TensorImpl& lse, bool is_causal, double scale,
                                                                double dropout_p = 0, const TensorImpl* rng = nullptr);

// fused optimizer steps (in place on param and state)
struct AdamHyper { double lr, beta1, beta2, eps, weight_decay; int64_t step; bool decoupled, maximize; };
void adam_step_(TensorImpl& p, const TensorImpl& g, TensorImpl& m, TensorImpl& v, TensorImpl* vmax, const AdamHyper& h);
struct SgdHyper { double lr, momentum, dampening, weight_decay; bool nesterov, maximize, first; };
void sgd_step_(TensorImpl& p, const TensorImpl& g, TensorImpl* buf, const SgdHyper& h);
struct RmspropHyper { double lr, alpha, eps, weight_decay, momentum; bool maximize; };
void rmsprop_step_(TensorImpl& p, const TensorImpl& g, TensorImpl& sq, TensorImpl* gavg, TensorImpl* buf, const RmspropHyper& h);
struct AdagradHyper { double lr, lr_decay, eps, weight_decay; int64_t step; bool maximize; };
void adagrad_step_(TensorImpl& p, const TensorImpl& g, TensorImpl& sum, const AdagradHyper& h);

}  // namespace myelin
