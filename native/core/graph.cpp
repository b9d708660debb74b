// The graph executor (graph.h): validation at creation, replay at run.
#include "graph.h"
#include <cstring>

namespace myelin {

namespace {
std::string step_name(const Graph& g, size_t k) {
  return "step " + std::to_string(k) + " (" + op_schema(g.steps[k].args.op).id + ")";
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
  for (size_t k = 0; k < steps.size(); k++) {
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
    OpOut o;
    run_op(a, o);
    for (size_t r = 0; r < st.out_slots.size(); r++)
      if (st.out_slots[r] >= 0) slots[st.out_slots[r]] = std::move(o.r[r]);
    for (int s : st.release) slots[s].reset();
  }
  std::vector<TensorPtr> out;
  out.reserve(outputs.size());
  for (int s : outputs) out.push_back(slots[s]);
  return out;
}

}  // namespace myelin
