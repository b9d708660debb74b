// The native graph executor, the basis of jit.trace: a plain list of op steps over numbered
// tensor slots, replayed in C++ with no per-op JS work. Each step's attributes were decoded
// once, when the graph was made (by the binding's generic decoder); a run only points the
// step's tensor arguments at its slots and calls the op's entry (dispatch.h). Napi-free,
// so a libuv worker can run it (the binding's graph_run_async).
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>
#include "dispatch.h"

namespace myelin {

struct GraphStep {
  OpArgs args;    // attributes as decoded; tensor arguments are filled per run
  ArgStore store;  // what args' dims and wrapped scalars point into
  std::vector<std::pair<int, int>> tensor_slots;  // (argument position, slot)
  std::vector<int> list_slots;                     // the tensor[] argument's entries
  std::vector<int> out_slots;                      // result k goes to out_slots[k] (-1: dropped)
  std::vector<int> release;                        // slots read for the last time here
  // The replay plan (finalize): an elementwise op's `out` argument, through which a run
  // hands it a released intermediate's buffer instead of allocating (-1: the op has none,
  // or the step was given one); and its loop for small contiguous float32 operands, bound
  // here so the run calls it directly (null: none; the op's entry runs).
  int reuse_arg = -1;
  bool (*fast)(const OpArgs&, TensorImpl& out) = nullptr;
  int chain = -1;  // the LinearChain this step is part of (-1: none)
};

// A linear layer the replay plan fuses (finalize): the steps transpose(W) -> matmul(x, .)
// [-> add(., b) [-> relu]] that nn.Linear (and a ReLU) trace to, W and b constants. At batch 1
// a run computes them as one pass over W in its stored layout (gemv_f32.h), with no
// intermediate tensors; otherwise (another batch size or layout) the steps run as traced.
struct LinearChain {
  int t_step = -1, head = -1, last = -1;  // the transpose, the matmul, the chain's last step
  int x_slot = -1, out_slot = -1;         // the matmul's input; what the last step writes
  TensorPtr w, b;                         // W [N, K]; b [N] or [1, N], null without a bias add
  bool relu = false;
};

struct Graph {
  int num_slots = 0;
  std::vector<std::pair<int, TensorPtr>> constants;
  std::vector<GraphStep> steps;
  std::vector<int> inputs, outputs;
  std::vector<std::pair<DType, Dims>> input_meta;
  std::vector<char> produced;  // slots a step writes (only those buffers are recycled)
  std::vector<LinearChain> chains;
  // Each step's result 0 (dtype, shape) as the first run made it: shapes are static (the
  // inputs' are checked), so later runs know which released buffer fits a step's output.
  mutable std::vector<std::pair<DType, Dims>> out_meta;
  mutable std::atomic<bool> planned{false};
  mutable std::mutex plan_mu;

  // Checks the structure once (every slot read is written before, by a constant, an input
  // or an earlier step; outputs likewise) and plans when each intermediate is released.
  void finalize();
  // Checks the inputs against input_meta ("graph: input 0 has shape ..."), then runs.
  void check_inputs(const std::vector<TensorPtr>& in) const;
  std::vector<TensorPtr> run(const std::vector<TensorPtr>& in) const;

  // the replay plan's fused linear layers (graph.cpp)
  void plan_chains(const std::vector<char>& is_output);
  // The chain as one GEMV pass into slots[c.out_slot]; false where this run's input does not
  // fit (the steps then run as traced).
  bool run_chain(const LinearChain& c, std::vector<TensorPtr>& slots, std::vector<TensorPtr>& pool) const;
};

}  // namespace myelin
