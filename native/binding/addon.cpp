// The N-API boundary: one export per op id (native/ops.def), plus handle utilities.
// Every op export is the same function: the generic decoder converts its JS arguments by
// the op's schema (core/op_table_gen.inc, generated from ops.def) into a plain OpArgs
// pack, the dispatch table's entry for the inputs' device runs it (core/op_table.cpp),
// and the results are wrapped in new handles. C++ exceptions become JS Errors.
#include <cstring>
#include "../core/parallel.h"
#include "../core/graph.h"
#include "args.h"

namespace myelin::binding {
namespace {

using CI = Napi::CallbackInfo;
using V = Napi::Value;

// While a synchronous tidy() runs (depth > 0), nothing is reported: its scope holds every tensor
// it makes, so no GC can free them, and V8 starts a mark-compact each time the external bytes
// grow by 64 MiB since the last one. A DDPM U-Net step makes ~1 GiB of activations, so it paid
// ~8 of those, whose marking threads took the cores the step's kernels run on. What the scope
// leaves (its escaped tensors, its garbage) is reported when the outermost one closes.
thread_local int external_hold = 0;
void flush_external_memory(Napi::Env env) {
  if (external_hold > 0) return;
  int64_t& pending = pending_external_bytes();
  // Report in coarse steps: a tensor allocated and disposed every op must not ping V8's
  // external-memory heuristics (each report can start a GC) twice per op.
  if (pending > (int64_t(16) << 20) || pending < -(int64_t(16) << 20)) {
    int64_t out;
    napi_adjust_external_memory(env, pending, &out);
    pending = 0;
  }
}

// ---- handle lifetime
// A handle is a v8::External made through V8 itself, with a weak v8::Global whose
// first-pass callback frees the Handle during the GC that finds it dead (as node's
// ObjectWrap does). That keeps a synchronous loop that never disposes nor yields bounded,
// which N-API finalizers cannot do safely: GC-time ones (NAPI_EXPERIMENTAL's basic
// finalizers) go through N-API's finalizer machinery, which met the pending exception of a
// throw in progress and aborted V8; deferred ones only run when the event loop turns.
// The callback calls no V8 or N-API function (V8 forbids it there); it resets the Global
// and frees directly: a shared_ptr release, the allocator (whose lock is never held
// across a V8 call, so the GC cannot find it taken on this thread) and counters. Freeing
// at once rather than queueing for the next allocation returns memory as soon as V8 knows
// it is garbage and keeps no second list to drain (only a GC inside an export defers the
// release to that export's end, below).
// Weak callbacks do not run when an isolate is disposed, so each thread keeps its live
// handles in an intrusive list that an env cleanup hook frees (worker teardown).
thread_local Handle* live_handles = nullptr;
// Exports hold plain TensorImpl references while they read their other arguments, and
// reading an array element can run JS (a getter) that disposes a tensor, or a GC that
// collects a handle a getter dropped from an array. So while an export runs (depth > 0),
// releases go to `deferred`, emptied when the outermost export returns.
thread_local int call_depth = 0;
thread_local std::vector<TensorPtr> deferred;
// own: 1 when called from an export (dispose), which does not count as one around it
void release(TensorPtr& t, int own = 0) {
  if (call_depth > own && t) {
    try {  // runs inside GC callbacks too, where nothing may throw
      deferred.push_back(std::move(t));
      return;
    } catch (...) {
    }
  }
  t.reset();
}

void destroy(Handle* h) {
  release(h->t);
  h->js.Reset();
  if (h->prev) h->prev->next = h->next; else live_handles = h->next;
  if (h->next) h->next->prev = h->prev;
  delete h;
}
void on_collected(const v8::WeakCallbackInfo<Handle>& info) { destroy(info.GetParameter()); }
void free_live_graphs();
void free_live_handles(void*) {
  call_depth = 0;
  free_live_graphs();  // their constants are tensors too
  while (live_handles) destroy(live_handles);
  deferred.clear();
}

V wrap(Napi::Env env, TensorPtr t) {
  flush_external_memory(env);
  v8::Isolate* iso = v8::Isolate::GetCurrent();
  auto* h = new Handle();
  h->t = std::move(t);
  // External::New may run a GC: link h only after it, once it has its Global
  v8::Local<v8::Value> ext = v8::External::New(iso, h);
  h->js.Reset(iso, ext.As<v8::External>());
  h->js.SetWeak(h, on_collected, v8::WeakCallbackType::kParameter);
  h->next = live_handles;
  if (live_handles) live_handles->prev = h;
  live_handles = h;
  return Napi::Value(env, to_napi(ext));
}
// Ops with several results return a JS array of handles (null: not asked for).
V wrap_all(Napi::Env env, TensorPtr* ts, int n) {
  auto a = Napi::Array::New(env, n);
  for (int k = 0; k < n; k++) a.Set((uint32_t)k, ts[k] ? wrap(env, std::move(ts[k])) : env.Null());
  return a;
}
void check_argc(const char* op, size_t argc, size_t n) {
  if (argc < n) fail(op, "expected at least " + std::to_string(n) + " arguments, got " + std::to_string(argc));
}

// ---- the generic decoder: JS arguments -> OpArgs, by the op's schema (ops.def)
// A graph step's argument list holds { slot: k } where the export takes a tensor (an array
// of those for a tensor list); `slots` then collects them, to be filled at each run.
struct SlotRef {
  int arg;    // argument position
  int entry;  // -1: the argument itself, else the entry of its tensor list
  int slot;
};
int slot_of(const char* op, const V& v, size_t i, int entry, int num_slots) {
  std::string where = entry < 0 ? "argument " + std::to_string(i) : "entry " + std::to_string(entry) + " of argument " + std::to_string(i);
  V s = v.IsObject() && !v.IsArray() ? v.As<Napi::Object>().Get("slot") : V();
  if (s.IsEmpty() || !s.IsNumber()) fail(op, where + " must be a tensor slot { slot: k }, got " + describe(v));
  double k = s.As<Napi::Number>().DoubleValue();
  if (!(k >= 0 && k < num_slots && k == std::floor(k)))
    fail(op, where + " names slot " + (k == std::floor(k) && std::fabs(k) < 1e15 ? std::to_string((int64_t)k) : std::to_string(k)) +
                 ", outside the graph's " + std::to_string(num_slots) + " slots");
  return (int)k;
}
const TensorImpl& list_entry(const char* op, const V& e, uint32_t k) {
  Handle* h = handle_of(e);
  if (!h) fail(op, "entry " + std::to_string(k) + " of argument 0 is not a tensor");
  if (!h->t || !h->t->storage) fail(op, "entry " + std::to_string(k) + " of argument 0 is a disposed tensor");
  return *h->t;
}
bool nullish(const V& v) { return v.IsUndefined() || v.IsNull(); }

// Fills `a` (and the dims, wrapped scalars and list it points into, in `st`) from
// get(k), k < argc. Messages name the op, the argument position and what arrived.
template <class Get>
void decode(OpId id, Get get, size_t argc, OpArgs& a, ArgStore& st, std::vector<SlotRef>* slots = nullptr, int num_slots = 0) {
  const OpSchema& s = op_schema(id);
  const char* op = s.id;
  check_argc(op, argc, s.min_argc);
  a.op = id;
  a.nargs = s.nargs;
  a.dims = st.dims;
  a.list = &st.list;
  for (int k = 0; k < s.nargs; k++) {
    Arg& x = a.a[k];
    V v = get(k);
    x.tp = nullptr;
    switch (s.args[k].type) {
      case ArgType::opt_tensor:
        if (nullish(v)) { x.t = nullptr; break; }
        [[fallthrough]];
      case ArgType::tensor:
        if (slots) { slots->push_back({k, -1, slot_of(op, v, k, -1, num_slots)}); x.t = nullptr; }
        else x.t = &tensor(op, v, k);
        break;
      case ArgType::scalar:
        if (v.IsNumber()) {
          double d = v.As<Napi::Number>().DoubleValue();
          bool integral = std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18;
          x.t = (st.owned[st.nowned++] = scalar_tensor(d, integral ? DType::int64 : DType::float64, true)).get();
        } else if (v.IsBoolean()) {
          x.t = (st.owned[st.nowned++] = scalar_tensor(v.As<Napi::Boolean>().Value() ? 1 : 0, DType::bool_, true)).get();
        } else if (slots) {
          slots->push_back({k, -1, slot_of(op, v, k, -1, num_slots)}); x.t = nullptr;
        } else {
          x.t = &tensor(op, v, k);
        }
        break;
      case ArgType::tensor_or_float:
        if (v.IsNumber()) { x.t = nullptr; x.d = v.As<Napi::Number>().DoubleValue(); }
        else if (slots) { slots->push_back({k, -1, slot_of(op, v, k, -1, num_slots)}); x.t = nullptr; }
        else x.t = &tensor(op, v, k);
        break;
      case ArgType::tensor_list: {
        if (!v.IsArray()) bad_arg(op, k, "an array of tensors", v);
        auto arr = v.As<Napi::Array>();
        uint32_t n = arr.Length();
        st.list.clear();
        for (uint32_t e = 0; e < n; e++) {
          if (slots) { slots->push_back({k, (int)e, slot_of(op, arr.Get(e), k, (int)e, num_slots)}); st.list.push_back(nullptr); }
          else st.list.push_back(&list_entry(op, arr.Get(e), e));
        }
        x.t = nullptr;
        break;
      }
      case ArgType::int_: x.i = integer(op, v, k); break;
      case ArgType::opt_int:
        x.has = !nullish(v);
        x.i = x.has ? integer(op, v, k) : 0;
        break;
      case ArgType::float_: x.d = number(op, v, k); break;
      case ArgType::opt_float: x.d = nullish(v) ? NAN : number(op, v, k); break;
      case ArgType::bool_: x.i = boolean(op, v, k); break;
      case ArgType::dims: st.dims[st.ndims] = dims(op, v, k, s.args[k].name); x.i = st.ndims++; break;
      case ArgType::opt_dims:  // null: every dim; a number: that one
        if (nullish(v)) st.dims[st.ndims].clear();
        else if (v.IsNumber()) st.dims[st.ndims] = {integer(op, v, k)};
        else st.dims[st.ndims] = dims(op, v, k);
        x.i = st.ndims++;
        break;
      case ArgType::dtype: x.dt = dtype(op, v, k); break;
      case ArgType::typed_array: {
        if (slots) fail(op, "a graph cannot hold an op that reads a TypedArray; pass its result as a constant");
        if (!v.IsTypedArray()) bad_arg(op, k, "a TypedArray", v);
        auto ta = v.As<Napi::TypedArray>();
        x.has = true;
        switch (ta.TypedArrayType()) {
          case napi_float32_array: x.dt = DType::float32; break;
          case napi_float64_array: x.dt = DType::float64; break;
          case napi_int32_array: x.dt = DType::int32; break;
          case napi_bigint64_array: x.dt = DType::int64; break;
          // the carrier's own dtype; from_array accepts it for each dtype it carries
          case napi_uint16_array: x.dt = DType::float16; break;
          case napi_int8_array: x.dt = DType::int8; break;
          case napi_uint8_array: x.dt = DType::uint8; break;
          default: x.has = false; break;
        }
        x.p = static_cast<const char*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
        x.n = (int64_t)ta.ElementLength();
        break;
      }
    }
  }
}

// Every op export: decode by the schema, run the entry for the inputs' device, wrap.
V op_export(const CI& info) {
  OpId id = (OpId)(uintptr_t)info.Data();
  const OpSchema& s = op_schema(id);
  OpArgs a;
  ArgStore st;
  decode(id, [&](int k) { return info[k]; }, info.Length(), a, st);
  OpOut o;
  run_op(a, o);
  switch (s.ret) {
    case RetKind::tensor: return wrap(info.Env(), std::move(o.r[0]));
    case RetKind::tuple: return wrap_all(info.Env(), o.r, o.n);
    case RetKind::self: return info[0];
    case RetKind::out: return a.a[s.out_arg].t ? info[s.out_arg] : wrap(info.Env(), std::move(o.r[0]));
  }
  return V();
}

// ---- graphs (core/graph.h): graph_new, graph_run, graph_run_async, graph_dispose
// A graph handle is a v8::External like a tensor handle, freed with the GC the same way
// (or by graph_dispose); a run holds its own reference to the graph.
constexpr uint32_t kGraphMagic = 0x67726170;  // "grap"
struct GraphHandle {
  uint32_t magic = kGraphMagic;  // at the offset of Handle::magic: handle_of refuses a graph
  std::shared_ptr<Graph> g;
  v8::Global<v8::External> js;
  GraphHandle* prev = nullptr;
  GraphHandle* next = nullptr;
  ~GraphHandle() { magic = 0; }
};
thread_local GraphHandle* live_graphs = nullptr;
thread_local std::vector<std::shared_ptr<Graph>> deferred_graphs;  // as `deferred`, for a GC inside an export

void release_graph(std::shared_ptr<Graph>& g) {
  if (call_depth > 0 && g) {
    try {
      deferred_graphs.push_back(std::move(g));
      return;
    } catch (...) {
    }
  }
  g.reset();
}
void destroy_graph(GraphHandle* h) {
  release_graph(h->g);
  h->js.Reset();
  if (h->prev) h->prev->next = h->next; else live_graphs = h->next;
  if (h->next) h->next->prev = h->prev;
  delete h;
}
void on_graph_collected(const v8::WeakCallbackInfo<GraphHandle>& info) { destroy_graph(info.GetParameter()); }
void free_live_graphs() {
  while (live_graphs) destroy_graph(live_graphs);
  deferred_graphs.clear();
}

V wrap_graph(Napi::Env env, std::shared_ptr<Graph> g) {
  v8::Isolate* iso = v8::Isolate::GetCurrent();
  auto* h = new GraphHandle();
  h->g = std::move(g);
  v8::Local<v8::Value> ext = v8::External::New(iso, h);
  h->js.Reset(iso, ext.As<v8::External>());
  h->js.SetWeak(h, on_graph_collected, v8::WeakCallbackType::kParameter);
  h->next = live_graphs;
  if (live_graphs) live_graphs->prev = h;
  live_graphs = h;
  return Napi::Value(env, to_napi(ext));
}
std::shared_ptr<Graph> graph_of(const char* op, const V& v) {
  v8::Local<v8::Value> l = to_v8(v);
  auto* h = !l.IsEmpty() && l->IsExternal() ? static_cast<GraphHandle*>(l.As<v8::External>()->Value()) : nullptr;
  if (!h || h->magic != kGraphMagic) bad_arg(op, 0, "a graph", v);
  if (!h->g) fail("graph", "the graph was disposed");
  return h->g;
}

// graph_new(numSlots, constants: [slot, tensor][], steps: [id, args, outSlots][],
//           inputSlots, outputSlots, inputMeta: [dtype, shape][])
V graph_new_(const CI& i) {
  const char* op = "graph_new";
  check_argc(op, i.Length(), 6);
  auto g = std::make_shared<Graph>();
  int64_t ns = integer(op, i[0], 0);
  if (ns < 0 || ns > (int64_t(1) << 24)) fail(op, "argument 0 must be a slot count 0..2^24, got " + std::to_string(ns));
  g->num_slots = (int)ns;
  auto array = [&](const V& v, size_t pos, const char* want) {
    if (!v.IsArray()) bad_arg(op, pos, want, v);
    return v.As<Napi::Array>();
  };
  auto slot = [&](const V& v, const std::string& what) {
    double s = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
    if (!(s >= 0 && s < ns && s == std::floor(s)))
      fail(op, what + " must be a slot 0.." + std::to_string(ns - 1) + ", got " + describe(v));
    return (int)s;
  };
  auto consts = array(i[1], 1, "an array of [slot, tensor] pairs");
  for (uint32_t k = 0; k < consts.Length(); k++) {
    V c = consts.Get(k);
    std::string what = "constant " + std::to_string(k);
    if (!c.IsArray() || c.As<Napi::Array>().Length() != 2) fail(op, what + " must be a [slot, tensor] pair, got " + describe(c));
    auto pair = c.As<Napi::Array>();
    int s = slot(pair.Get(0u), what + "'s slot");
    Handle* h = handle_of(pair.Get(1u));
    if (!h) fail(op, what + "'s tensor must be a tensor, got " + describe(pair.Get(1u)));
    if (!h->t || !h->t->storage) fail(op, what + " is a disposed tensor");
    g->constants.emplace_back(s, h->t);
  }
  auto steps = array(i[2], 2, "an array of [op id, args, out slots] steps");
  g->steps.reserve(steps.Length());
  for (uint32_t k = 0; k < steps.Length(); k++) {
    V sv = steps.Get(k);
    std::string what = "step " + std::to_string(k);
    if (!sv.IsArray() || sv.As<Napi::Array>().Length() != 3) fail(op, what + " must be [op id, args, out slots], got " + describe(sv));
    auto step = sv.As<Napi::Array>();
    V idv = step.Get(0u), argv = step.Get(1u), outv = step.Get(2u);
    OpId id;
    if (!idv.IsString() || !op_from_name(idv.As<Napi::String>().Utf8Value(), &id))
      fail(op, what + ": the op must be an op id (native/ops.def), got " + (idv.IsString() ? "'" + idv.As<Napi::String>().Utf8Value() + "'" : describe(idv)));
    const OpSchema& s = op_schema(id);
    what += " (" + std::string(s.id) + ")";
    if (!argv.IsArray()) fail(op, what + ": the arguments must be an array, got " + describe(argv));
    auto args = argv.As<Napi::Array>();
    g->steps.emplace_back();
    GraphStep& st = g->steps.back();
    std::vector<SlotRef> refs;
    try {  // attributes are decoded once, here, by the exports' decoder
      decode(id, [&](int j) { return args.Get((uint32_t)j); }, args.Length(), st.args, st.store, &refs, (int)ns);
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& e) {
      fail(op, what + ": " + e.what());
    }
    for (auto& r : refs) {
      if (r.entry < 0) st.tensor_slots.emplace_back(r.arg, r.slot);
      else st.list_slots.push_back(r.slot);
    }
    if (!outv.IsArray()) fail(op, what + ": the out slots must be an array, got " + describe(outv));
    auto outs = outv.As<Napi::Array>();
    // an in-place step (a `self` op, or an `out` op given its out argument) may name no out
    // slot: its result is the tensor it wrote, already in its slot
    bool in_place = outs.Length() == 0 && (s.ret == RetKind::self || (s.ret == RetKind::out && st.args.a[s.out_arg].t == nullptr &&
                                                                        !nullish(args.Get((uint32_t)s.out_arg))));
    if (outs.Length() != s.nret && !in_place)
      fail(op, what + ": expected " + std::to_string(s.nret) + " out slots, got " + std::to_string(outs.Length()));
    for (uint32_t r = 0; r < outs.Length(); r++) {
      V o = outs.Get(r);
      st.out_slots.push_back(nullish(o) ? -1 : slot(o, what + "'s out slot " + std::to_string(r)));
    }
  }
  auto ins = array(i[3], 3, "an array of input slots");
  for (uint32_t k = 0; k < ins.Length(); k++) g->inputs.push_back(slot(ins.Get(k), "input slot " + std::to_string(k)));
  auto outs = array(i[4], 4, "an array of output slots");
  for (uint32_t k = 0; k < outs.Length(); k++) g->outputs.push_back(slot(outs.Get(k), "output slot " + std::to_string(k)));
  auto meta = array(i[5], 5, "an array of [dtype, shape] pairs");
  if (meta.Length() != ins.Length())
    fail(op, "argument 5 has " + std::to_string(meta.Length()) + " entries for " + std::to_string(ins.Length()) + " inputs");
  for (uint32_t k = 0; k < meta.Length(); k++) {
    V m = meta.Get(k);
    if (!m.IsArray() || m.As<Napi::Array>().Length() != 2) fail(op, "input " + std::to_string(k) + "'s meta must be [dtype, shape], got " + describe(m));
    auto pair = m.As<Napi::Array>();
    g->input_meta.emplace_back(dtype(op, pair.Get(0u), 5), dims(op, pair.Get(1u), 5));
  }
  g->finalize();
  return wrap_graph(i.Env(), std::move(g));
}

std::vector<TensorPtr> graph_inputs(const V& v) {
  if (!v.IsArray()) fail("graph", "the inputs must be an array of tensors, got " + describe(v));
  auto a = v.As<Napi::Array>();
  std::vector<TensorPtr> in;
  in.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    V e = a.Get(k);
    Handle* h = handle_of(e);
    if (!h) fail("graph", "input " + std::to_string(k) + " must be a tensor, got " + describe(e));
    if (!h->t || !h->t->storage) fail("graph", "input " + std::to_string(k) + " is a disposed tensor");
    in.push_back(h->t);
  }
  return in;
}
V wrap_results(Napi::Env env, std::vector<TensorPtr>& out) {
  auto a = Napi::Array::New(env, out.size());
  for (size_t k = 0; k < out.size(); k++) a.Set((uint32_t)k, out[k] ? wrap(env, std::move(out[k])) : env.Null());
  return a;
}

V graph_run_(const CI& i) {
  check_argc("graph_run", i.Length(), 2);
  auto g = graph_of("graph_run", i[0]);
  auto out = g->run(graph_inputs(i[1]));
  return wrap_results(i.Env(), out);
}

// The async run's baton (sharp's pattern): plain C++ in, plain C++ out; Execute touches
// nothing from JS. It holds the graph and the inputs, so disposing either meanwhile is safe.
struct RunBaton {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  std::shared_ptr<Graph> g;
  std::vector<TensorPtr> in, out;
  std::string error;
  int64_t external_bytes = 0;  // what the worker allocated net, for this thread's V8 report
};
void run_execute(napi_env, void* data) {
  auto* b = static_cast<RunBaton*>(data);
  int64_t& pending = pending_external_bytes();  // the worker's own counter
  int64_t before = pending;
  try {
    b->out = b->g->run(b->in);
  } catch (const std::exception& e) {
    b->error = e.what();
  } catch (...) {
    b->error = "graph: unknown native exception";
  }
  b->external_bytes = pending - before;
  pending = before;
}
void run_complete(napi_env env, napi_status status, void* data) {
  std::unique_ptr<RunBaton> b(static_cast<RunBaton*>(data));
  pending_external_bytes() += b->external_bytes;
  napi_delete_async_work(env, b->work);
  napi_value result;
  if (status == napi_cancelled) b->error = "graph: the run was cancelled";
  if (b->error.empty()) {
    try {
      result = wrap_results(Napi::Env(env), b->out);
      napi_resolve_deferred(env, b->deferred, result);
      return;
    } catch (const std::exception& e) {
      b->error = e.what();
    }
  }
  napi_value msg;
  if (napi_create_string_utf8(env, b->error.c_str(), NAPI_AUTO_LENGTH, &msg) != napi_ok) return;
  if (napi_create_error(env, nullptr, msg, &result) != napi_ok) return;
  napi_reject_deferred(env, b->deferred, result);
}
V graph_run_async_(const CI& i) {
  check_argc("graph_run_async", i.Length(), 2);
  auto b = std::make_unique<RunBaton>();
  b->g = graph_of("graph_run_async", i[0]);
  b->in = graph_inputs(i[1]);
  b->g->check_inputs(b->in);  // bad inputs throw here, synchronously, as graph_run's do
  napi_env env = i.Env();
  napi_value promise, name;
  if (napi_create_promise(env, &b->deferred, &promise) != napi_ok) fail("graph", "could not create a promise");
  napi_create_string_utf8(env, "myelin.graph_run_async", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, nullptr, name, run_execute, run_complete, b.get(), &b->work) != napi_ok)
    fail("graph", "could not create the async work");
  if (napi_queue_async_work(env, b->work) != napi_ok) {
    napi_delete_async_work(env, b->work);
    fail("graph", "could not queue the async work");
  }
  b.release();  // run_complete owns it now
  return Napi::Value(env, promise);
}
V graph_dispose_(const CI& i) {
  v8::Local<v8::Value> l = to_v8(i[0]);
  auto* h = !l.IsEmpty() && l->IsExternal() ? static_cast<GraphHandle*>(l.As<v8::External>()->Value()) : nullptr;
  if (!h || h->magic != kGraphMagic) bad_arg("graph_dispose", 0, "a graph", i[0]);
  release_graph(h->g);
  return i.Env().Undefined();
}

// ---- handle utilities (not ops)
V dispose(const CI& i) {
  Handle* h = handle_of(i[0]);
  if (!h) bad_arg("dispose", 0, "a tensor", i[0]);
  release(h->t, 1);  // deferred when called from a getter inside another export
  flush_external_memory(i.Env());
  return i.Env().Undefined();
}
// [dtype, shape, strides, offset, contiguous]
V meta(const CI& i) {
  TensorImpl& t = tensor("meta", i, 0);
  auto env = i.Env();
  auto dimsArr = [&](const Dims& d) {
    auto a = Napi::Array::New(env, d.size());
    for (size_t k = 0; k < d.size(); k++) a.Set((uint32_t)k, Napi::Number::New(env, (double)d[k]));
    return a;
  };
  auto r = Napi::Array::New(env, 5);
  r.Set(0u, Napi::String::New(env, dtype_name(t.dtype)));
  r.Set(1u, dimsArr(t.shape));
  r.Set(2u, dimsArr(t.strides));
  r.Set(3u, Napi::Number::New(env, (double)t.offset));
  r.Set(4u, Napi::Boolean::New(env, t.is_contiguous()));
  return r;
}
V shape(const CI& i) {
  TensorImpl& t = tensor("shape", i, 0);
  auto a = Napi::Array::New(i.Env(), t.shape.size());
  for (size_t k = 0; k < t.shape.size(); k++) a.Set((uint32_t)k, Napi::Number::New(i.Env(), (double)t.shape[k]));
  return a;
}
V dtype_of(const CI& i) { return Napi::String::New(i.Env(), dtype_name(tensor("dtype", i, 0).dtype)); }
// The storage's version counter, shared by every view (autograd reads it at record time
// and again in backward); bump_version is called by each in-place op.
V version(const CI& i) { return Napi::Number::New(i.Env(), (double)tensor("version", i, 0).storage->version.load()); }
V bump_version(const CI& i) { tensor("bump_version", i, 0).storage->version++; return i.Env().Undefined(); }
V same_storage(const CI& i) {
  return Napi::Boolean::New(i.Env(), tensor("same_storage", i, 0).storage == tensor("same_storage", i, 1).storage);
}
V item(const CI& i) {
  TensorImpl& t = tensor("item", i, 0);
  if (t.numel() != 1) fail("item", "a tensor with " + std::to_string(t.numel()) + " elements cannot be converted to a number");
  if (t.dtype == DType::int64) {  // a JS number holds integers exactly only up to 2^53: refuse rather than round
    int64_t x = *t.data<int64_t>();
    if (x > 9007199254740991ll || x < -9007199254740991ll)
      fail("item", "the int64 value " + std::to_string(x) + " is beyond the integers a JS number holds exactly (|v| <= 2^53 - 1); "
                   "read it as a BigInt from data(), a BigInt64Array");
  }
  double v = first_element(t);
  if (t.dtype == DType::bool_) return Napi::Boolean::New(i.Env(), v != 0);
  return Napi::Number::New(i.Env(), v);
}
V memory(const CI& i) {
  auto o = Napi::Object::New(i.Env());
  o.Set("numTensors", (double)mem_stats().tensors.load());
  o.Set("numStorages", (double)mem_stats().storages.load());
  o.Set("numBytes", (double)live_bytes());
  o.Set("numBytesCached", (double)allocator_for(Device::cpu, "memory").stats().bytes_cached);
  return o;
}
V empty_cache_(const CI& i) {
  allocator_for(Device::cpu, "empty_cache").empty_cache();
  return i.Env().Undefined();
}
// (bytes | null): null, 0 or Infinity remove the limit
V set_memory_limit_(const CI& i) {
  const char* op = "set_memory_limit";
  check_argc(op, i.Length(), 1);
  double b = i[0].IsNull() || i[0].IsUndefined() ? 0 : number(op, i, 0);
  if (!(b >= 0) || (std::isfinite(b) && b != std::floor(b)))
    fail(op, "the limit must be a non-negative whole number of bytes, null or Infinity, got " + std::to_string(b));
  allocator_for(Device::cpu, op).set_memory_limit(std::isinf(b) || b > 9.2e18 ? 0 : (int64_t)b);
  return i.Env().Undefined();
}
// (on: boolean): tidy() opens (true) and closes (false) a scope; see flush_external_memory
V hold_external(const CI& i) {
  check_argc("hold_external", i.Length(), 1);
  if (!i[0].IsBoolean()) bad_arg("hold_external", 0, "a boolean", i[0]);
  if (i[0].As<Napi::Boolean>().Value()) external_hold++;
  else if (external_hold > 0 && --external_hold == 0) flush_external_memory(i.Env());
  return i.Env().Undefined();
}
// ---- devices
V device_export(const CI& i) { return Napi::String::New(i.Env(), device_name(tensor("device", i, 0).device())); }
// (x, 'cpu' | 'cuda'): a copy on that device (TS returns x itself when nothing changes)
V to_device_(const CI& i) {
  const char* op = "to";
  check_argc(op, i.Length(), 2);
  TensorImpl& x = tensor(op, i, 0);
  if (!i[1].IsString()) bad_arg(op, 1, "'cpu' or 'cuda'", i[1]);
  std::string d = i[1].As<Napi::String>().Utf8Value();
  if (d != "cpu" && d != "cuda") bad_arg(op, 1, "'cpu' or 'cuda'", i[1]);
  return wrap(i.Env(), to_device(x, d == "cuda" ? Device::cuda : Device::cpu, op));
}
V cuda_info(const CI& i) {
  auto o = Napi::Object::New(i.Env());
  o.Set("available", cuda::is_available());
  o.Set("deviceCount", cuda::device_count());
  o.Set("reason", cuda::unavailable_reason());
  return o;
}
V manual_seed_(const CI& i) {
  double s = number("manual_seed", i, 0);
  if (!(s >= 0) || s != std::floor(s) || s > 9007199254740991.0) fail("manual_seed", "seed must be a non-negative integer");
  manual_seed((uint64_t)s);
  return i.Env().Undefined();
}
// [seed, offset] as BigInts (both are full 64-bit counters)
V rng_state_(const CI& i) {
  auto s = rng_state();
  auto a = Napi::Array::New(i.Env(), 2);
  a.Set(0u, Napi::BigInt::New(i.Env(), s.seed));
  a.Set(1u, Napi::BigInt::New(i.Env(), s.offset));
  return a;
}
V set_rng_state_(const CI& i) {
  uint64_t v[2];
  for (size_t k = 0; k < 2; k++) {
    if (i.Length() <= k || !i[k].IsBigInt())
      fail("set_rng_state", std::string(k ? "offset" : "seed") + " must be a BigInt from getRngState()");
    bool lossless = true;
    v[k] = i[k].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) fail("set_rng_state", std::string(k ? "offset" : "seed") + " must be a BigInt in 0..2^64-1");
  }
  set_rng_state({v[0], v[1]});
  return i.Env().Undefined();
}
V set_threads(const CI& i) {
  int64_t n = integer("set_num_threads", i, 0);
  if (n < 1 || n > 1024) fail("set_num_threads", "expected 1..1024 threads, got " + std::to_string(n));
  set_num_threads((int)n);
  return i.Env().Undefined();
}
V get_threads(const CI& i) { return Napi::Number::New(i.Env(), num_threads().load()); }
V backend_info(const CI& i) {
  auto o = Napi::Object::New(i.Env());
#if defined(MYELIN_OPENBLAS)
  o.Set("blas", "openblas");
#elif defined(MYELIN_CBLAS)
  o.Set("blas", "cblas");
#else
  o.Set("blas", "builtin");
#endif
  o.Set("parallel", parallel_backend());
#ifdef MYELIN_DNNL
  o.Set("conv", "onednn");  // float32 convolutions; float64 and the rest use im2col + GEMM
#else
  o.Set("conv", "im2col");
#endif
  o.Set("numThreads", num_threads().load());
#ifdef MYELIN_BUILD_FLAVOR
  o.Set("build", MYELIN_BUILD_FLAVOR);
#else
  o.Set("build", "node-gyp");
#endif
#ifdef MYELIN_WITH_CUDA
  o.Set("cuda", true);
#else
  o.Set("cuda", false);
#endif
  return o;
}
V op_list(const CI& i) {
  auto a = Napi::Array::New(i.Env(), kNumOps);
  for (int k = 0; k < kNumOps; k++) a.Set((uint32_t)k, kOpSchemas[k].id);
  return a;
}
// supports(op, device, dtype): whether this build has that op's kernel for the device and dtype
V supports_(const CI& i) {
  const char* op = "supports";
  check_argc(op, i.Length(), 3);
  OpId id;
  Device dev;
  if (!i[0].IsString() || !op_from_name(i[0].As<Napi::String>().Utf8Value(), &id)) bad_arg(op, 0, "an op id (native/ops.def)", i[0]);
  if (!i[1].IsString() || !device_from_name(i[1].As<Napi::String>().Utf8Value(), &dev)) bad_arg(op, 1, "a device ('cpu' or 'cuda')", i[1]);
  return Napi::Boolean::New(i.Env(), supports(id, dev, dtype(op, i[2], 2)));
}
// require_kernel(op, device): throws the dispatch table's named error ("conv2d: no cuda
// kernel in this build") where supports() would say false for every dtype; the TS layer's
// device checks call it before a device move or an op on a device
V require_kernel_(const CI& i) {
  const char* op = "require_kernel";
  check_argc(op, i.Length(), 2);
  OpId id;
  Device dev;
  if (!i[0].IsString() || !op_from_name(i[0].As<Napi::String>().Utf8Value(), &id)) bad_arg(op, 0, "an op id (native/ops.def)", i[0]);
  if (!i[1].IsString() || !device_from_name(i[1].As<Napi::String>().Utf8Value(), &dev)) bad_arg(op, 1, "a device ('cpu' or 'cuda')", i[1]);
  kernel_for(id, dev);
  return i.Env().Undefined();
}

// Throws `msg` as a JS Error. Reading its `stack` at once formats the trace: until then V8
// keeps each frame's receiver alive with the error (the failing call's tensors, 1 MiB per
// 512x512 float32), so errors a service keeps (logged later, rejected promises) pinned them.
void throw_error(napi_env env, const char* msg) {
  napi_value m, err, stack;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m) != napi_ok) return;
  if (napi_create_error(env, nullptr, m, &err) != napi_ok) return;
  if (napi_get_named_property(env, err, "stack", &stack) != napi_ok) {
    bool pending = false;  // a user Error.prepareStackTrace threw: ours is the error to report
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) napi_get_and_clear_last_exception(env, &stack);
  }
  napi_throw(env, err);  // fails only while the env is stopping; nothing to do then
}
// Every export runs through here (the export itself is the function's data pointer).
// myelin::Error and other C++ exceptions become JS Errors here; a Napi::Error means a JS
// exception is already pending and node-addon-api rethrows it.
struct CallDepth {
  CallDepth() { call_depth++; }
  ~CallDepth() {
    if (--call_depth == 0) {  // TensorImpl destructors never come back here
      deferred.clear();
      deferred_graphs.clear();
    }
  }
};
template <V (*body)(const CI&)>
V guarded(const CI& i) {
  CallDepth depth;
  try {
    return body(i);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw_error(i.Env(), e.what());
  } catch (...) {  // nothing may leave a callback: node-addon-api would std::terminate
    throw_error(i.Env(), "myelin: unknown native exception");
  }
  return V();
}
// utilities: the function is the export's data pointer
V call_utility(const CI& i) { return reinterpret_cast<V (*)(const CI&)>(i.Data())(i); }

}  // namespace

// For the exports defined in other files (io.cpp), declared in args.h.
V wrap_tensor(Napi::Env env, TensorPtr t) { return wrap(env, std::move(t)); }
void export_fn(Napi::Env env, Napi::Object& exports, const char* name, V (*f)(const CI&)) {
  exports.Set(name, Napi::Function::New(env, guarded<call_utility>, name, reinterpret_cast<void*>(f)));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // arg: the env, since node refuses a second identical (hook, arg) pair and the addon
  // can be loaded twice into one thread (two paths); the first hook frees the thread's list
  napi_add_env_cleanup_hook(env, free_live_handles, (napi_env)env);
  auto fn = [&](const char* name, V (*f)(const CI&)) {
    exports.Set(name, Napi::Function::New(env, guarded<call_utility>, name, reinterpret_cast<void*>(f)));
  };
  // one export per ops.def row, all through the generic decoder; its data is the op id
  for (int k = 0; k < kNumOps; k++)
    exports.Set(kOpSchemas[k].id, Napi::Function::New(env, guarded<op_export>, kOpSchemas[k].id, reinterpret_cast<void*>((uintptr_t)k)));
  // utilities
  fn("dispose", dispose); fn("meta", meta); fn("shape", shape); fn("dtype", dtype_of);
  fn("same_storage", same_storage); fn("version", version); fn("bump_version", bump_version); fn("item", item);
  fn("memory", memory); fn("empty_cache", empty_cache_); fn("set_memory_limit", set_memory_limit_); fn("hold_external", hold_external); fn("manual_seed", manual_seed_); fn("rng_state", rng_state_); fn("set_rng_state", set_rng_state_); fn("set_num_threads", set_threads);
  fn("get_num_threads", get_threads); fn("backend_info", backend_info); fn("op_list", op_list); fn("supports", supports_); fn("require_kernel", require_kernel_);
  fn("graph_new", graph_new_); fn("graph_run", graph_run_); fn("graph_run_async", graph_run_async_); fn("graph_dispose", graph_dispose_);
  fn("device", device_export); fn("to_device", to_device_); fn("cuda_info", cuda_info);
  register_io(env, exports);  // after the op exports: its from_array (with conversions) replaces the generic one
  return exports;
}

}  // namespace myelin::binding

static Napi::Object InitMyelin(Napi::Env env, Napi::Object exports) { return myelin::binding::Init(env, exports); }
NODE_API_MODULE(myelin, InitMyelin)
