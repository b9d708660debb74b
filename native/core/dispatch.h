// The dispatch table: one entry per (op id, device), each a napi-free function from the
// decoded argument pack to the op's results. op_table.cpp registers the CPU entries (all
// ops); a CUDA build registers its own. The binding and the graph executor both call
// kernel_for(), which names what is missing ("conv2d: no cuda kernel in this build").
#pragma once
#include "op_table.h"

namespace myelin {

using OpFn = void (*)(OpArgs&, OpOut&);

// The device an op runs on: its first tensor argument's (creation ops without one run on
// the CPU). Read through this one accessor so that a device field elsewhere is one edit.
inline Device device_of(const TensorImpl& t) { return t.device(); }
Device op_device(const OpArgs& a);
bool device_from_name(const std::string& s, Device* out);

// dtypes: a bit per DType (1 << (int)dtype); kAllDTypes accepts every one
constexpr uint32_t kAllDTypes = 0xffffffffu;
void register_kernel(OpId op, Device dev, OpFn fn, uint32_t dtypes = kAllDTypes);
// The entry for (op, dev), or throws "<op>: no <dev> kernel in this build"
OpFn kernel_for(OpId op, Device dev);
bool supports(OpId op, Device dev, DType dt);
// Runs one op: picks the entry for the arguments' device and calls it.
inline void run_op(OpArgs& a, OpOut& o) { kernel_for(a.op, op_device(a))(a, o); }

}  // namespace myelin
