// The N-API boundary: one export per op id (native/ops.def), plus handle utilities.
// Each export converts its arguments (args.h), calls the device-generic op (core/ops.h)
// and wraps the result in a new handle. C++ exceptions become JS Errors.
#include <cstring>
#include "../core/parallel.h"
#include "args.h"

namespace myelin::binding {
namespace {

using CI = Napi::CallbackInfo;
using V = Napi::Value;

void flush_external_memory(Napi::Env env) {
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
void free_live_handles(void*) {
  call_depth = 0;
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
// Ops with several results return a JS array of handles.
V wrap_all(Napi::Env env, std::vector<TensorPtr> ts) {
  auto a = Napi::Array::New(env, ts.size());
  for (size_t k = 0; k < ts.size(); k++) a.Set((uint32_t)k, ts[k] ? wrap(env, std::move(ts[k])) : env.Null());  // null: not asked for
  return a;
}
V wrap_pair(Napi::Env env, std::pair<TensorPtr, TensorPtr> p) { return wrap_all(env, {std::move(p.first), std::move(p.second)}); }
V wrap_triple(Napi::Env env, std::tuple<TensorPtr, TensorPtr, TensorPtr> t) {
  return wrap_all(env, {std::move(std::get<0>(t)), std::move(std::get<1>(t)), std::move(std::get<2>(t))});
}
// Optional reduction dims: null/undefined means all dims.
Dims opt_dims(const char* op, const CI& info, size_t i) {
  if (info[i].IsUndefined() || info[i].IsNull()) return {};
  if (info[i].IsNumber()) return {integer(op, info, i)};
  return dims(op, info, i);
}
void check_argc(const char* op, const CI& info, size_t n) {
  if (info.Length() < n)
    fail(op, "expected at least " + std::to_string(n) + " arguments, got " + std::to_string(info.Length()));
}

// ---- unary and binary families, generated from the op list
template <UnaryOp op, int np>
V unary_export(const CI& info, const char* name) {
  check_argc(name, info, 1 + np);
  TensorImpl& x = tensor(name, info, 0);
  double p[2] = {0, 0};
  for (int k = 0; k < np; k++) {
    // clamp takes null for a missing bound
    p[k] = (info[1 + k].IsNull() || info[1 + k].IsUndefined()) ? NAN : number(name, info, 1 + k);
  }
  TensorImpl* out = opt_tensor(name, info, 1 + np);
  auto y = unary(op, x, p, out);
  return out ? info[1 + np] : wrap(info.Env(), y);
}
template <BinaryOp op>
V binary_export(const CI& info, const char* name) {
  check_argc(name, info, 2);
  auto a = tensor_or_scalar(name, info, 0);
  auto b = tensor_or_scalar(name, info, 1);
  TensorImpl* out = opt_tensor(name, info, 2);
  auto y = binary(op, a.get(), b.get(), out);
  return out ? info[2] : wrap(info.Env(), y);
}

// ---- views and layout
V as_strided_(const CI& i) {
  check_argc("as_strided", i, 4);
  return wrap(i.Env(), as_strided(tensor("as_strided", i, 0), dims("as_strided", i, 1), dims("as_strided", i, 2), integer("as_strided", i, 3)));
}
V reshape_(const CI& i) { check_argc("reshape", i, 2); return wrap(i.Env(), reshape(tensor("reshape", i, 0), dims("reshape", i, 1))); }
V view_(const CI& i) { check_argc("view", i, 2); return wrap(i.Env(), view(tensor("view", i, 0), dims("view", i, 1))); }
V permute_(const CI& i) { check_argc("permute", i, 2); return wrap(i.Env(), permute(tensor("permute", i, 0), dims("permute", i, 1))); }
V transpose_(const CI& i) {
  check_argc("transpose", i, 3);
  return wrap(i.Env(), transpose(tensor("transpose", i, 0), integer("transpose", i, 1), integer("transpose", i, 2)));
}
V slice_(const CI& i) {
  check_argc("slice", i, 5);
  return wrap(i.Env(), slice(tensor("slice", i, 0), integer("slice", i, 1), integer("slice", i, 2), integer("slice", i, 3), integer("slice", i, 4)));
}
V select_(const CI& i) { check_argc("select", i, 3); return wrap(i.Env(), select(tensor("select", i, 0), integer("select", i, 1), integer("select", i, 2))); }
V narrow_(const CI& i) {
  check_argc("narrow", i, 4);
  return wrap(i.Env(), narrow(tensor("narrow", i, 0), integer("narrow", i, 1), integer("narrow", i, 2), integer("narrow", i, 3)));
}
V expand_(const CI& i) { check_argc("expand", i, 2); return wrap(i.Env(), expand(tensor("expand", i, 0), dims("expand", i, 1))); }
V squeeze_(const CI& i) { check_argc("squeeze", i, 1); return wrap(i.Env(), squeeze(tensor("squeeze", i, 0), opt_dims("squeeze", i, 1))); }
V unsqueeze_(const CI& i) { check_argc("unsqueeze", i, 2); return wrap(i.Env(), unsqueeze(tensor("unsqueeze", i, 0), integer("unsqueeze", i, 1))); }
V flatten_(const CI& i) {
  check_argc("flatten", i, 3);
  return wrap(i.Env(), flatten(tensor("flatten", i, 0), integer("flatten", i, 1), integer("flatten", i, 2)));
}
V contiguous_(const CI& i) {
  check_argc("contiguous", i, 1);
  TensorImpl& x = tensor("contiguous", i, 0);
  return wrap(i.Env(), dense(x));
}
V to_dtype_(const CI& i) { check_argc("to_dtype", i, 2); return wrap(i.Env(), to_dtype(tensor("to_dtype", i, 0), dtype("to_dtype", i, 1))); }
V copy__(const CI& i) {
  check_argc("copy_", i, 2);
  copy_(tensor("copy_", i, 0), tensor("copy_", i, 1));
  return i[0];
}
V where_(const CI& i) {
  check_argc("where", i, 3);
  auto a = tensor_or_scalar("where", i, 1);
  auto b = tensor_or_scalar("where", i, 2);
  return wrap(i.Env(), where(tensor("where", i, 0), a.get(), b.get()));
}

// ---- creation and random
V from_array_(const CI& i) {
  const char* op = "from_array";
  check_argc(op, i, 3);
  if (!i[0].IsTypedArray()) bad_arg(op, 0, "a TypedArray", i[0]);
  Dims shape = dims(op, i, 1);
  DType dt = dtype(op, i, 2);
  auto ta = i[0].As<Napi::TypedArray>();
  napi_typedarray_type want;
  switch (dt) {
    case DType::float32: want = napi_float32_array; break;
    case DType::float64: want = napi_float64_array; break;
    case DType::int32: want = napi_int32_array; break;
    case DType::int64: want = napi_bigint64_array; break;
    default: want = napi_uint8_array; break;
  }
  if (ta.TypedArrayType() != want) fail(op, std::string("the TypedArray's type does not match dtype ") + dtype_name(dt));
  auto t = empty(shape, dt, Device::cpu, op);
  if ((int64_t)ta.ElementLength() != t->numel())
    fail(op, "data has " + std::to_string(ta.ElementLength()) + " elements but shape " + dims_str(shape) + " needs " + std::to_string(t->numel()));
  const char* src = static_cast<const char*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  if (t->numel()) std::memcpy(t->storage->data, src, (size_t)t->numel() * dtype_size(dt));
  if (dt == DType::bool_) {  // normalize any nonzero byte to 1
    auto* p = static_cast<uint8_t*>(t->storage->data);
    for (int64_t k = 0; k < t->numel(); k++) p[k] = p[k] ? 1 : 0;
  }
  return wrap(i.Env(), t);
}
V full_(const CI& i) { check_argc("full", i, 3); return wrap(i.Env(), full(dims("full", i, 0), number("full", i, 1), dtype("full", i, 2))); }
V fill__(const CI& i) { check_argc("fill_", i, 2); fill_(tensor("fill_", i, 0), number("fill_", i, 1)); return i[0]; }
V arange_(const CI& i) {
  check_argc("arange", i, 4);
  return wrap(i.Env(), arange(number("arange", i, 0), number("arange", i, 1), number("arange", i, 2), dtype("arange", i, 3)));
}
V linspace_(const CI& i) {
  check_argc("linspace", i, 4);
  return wrap(i.Env(), linspace(number("linspace", i, 0), number("linspace", i, 1), integer("linspace", i, 2), dtype("linspace", i, 3)));
}
V eye_(const CI& i) { check_argc("eye", i, 3); return wrap(i.Env(), eye(integer("eye", i, 0), integer("eye", i, 1), dtype("eye", i, 2))); }
V uniform__(const CI& i) { check_argc("uniform_", i, 3); uniform_(tensor("uniform_", i, 0), number("uniform_", i, 1), number("uniform_", i, 2)); return i[0]; }
V normal__(const CI& i) { check_argc("normal_", i, 3); normal_(tensor("normal_", i, 0), number("normal_", i, 1), number("normal_", i, 2)); return i[0]; }
V randint_(const CI& i) {
  check_argc("randint", i, 4);
  return wrap(i.Env(), randint(integer("randint", i, 0), integer("randint", i, 1), dims("randint", i, 2), dtype("randint", i, 3)));
}
V bernoulli_(const CI& i) { check_argc("bernoulli", i, 1); return wrap(i.Env(), bernoulli(tensor("bernoulli", i, 0))); }
V randperm_(const CI& i) { check_argc("randperm", i, 2); return wrap(i.Env(), randperm(integer("randperm", i, 0), dtype("randperm", i, 1))); }

// ---- reductions: (x, dims|null, keepdim)
template <ReduceOp kind>
V reduce_export(const CI& i, const char* name) {
  check_argc(name, i, 3);
  return wrap(i.Env(), reduce(name, kind, tensor(name, i, 0), opt_dims(name, i, 1), boolean(name, i, 2)));
}
V norm_(const CI& i) {
  const char* op = "norm";
  check_argc(op, i, 4);
  double p = number(op, i, 1);
  ReduceOp k = p == 1 ? ReduceOp::norm1 : p == 2 ? ReduceOp::norm2 : std::isinf(p) && p > 0 ? ReduceOp::norminf
             : (fail(op, "p must be 1, 2 or Infinity, got " + std::to_string(p)), ReduceOp::norm2);
  return wrap(i.Env(), reduce(op, k, tensor(op, i, 0), opt_dims(op, i, 2), boolean(op, i, 3)));
}
V var_impl(const CI& i, const char* op, bool sq) {
  check_argc(op, i, 4);
  return wrap(i.Env(), var(op, tensor(op, i, 0), opt_dims(op, i, 1), number(op, i, 2), boolean(op, i, 3), sq));
}
V var_(const CI& i) { return var_impl(i, "var", false); }
V std_(const CI& i) { return var_impl(i, "std", true); }
V max_(const CI& i) { check_argc("max", i, 3); return wrap_pair(i.Env(), max_min_dim(true, tensor("max", i, 0), integer("max", i, 1), boolean("max", i, 2))); }
V min_(const CI& i) { check_argc("min", i, 3); return wrap_pair(i.Env(), max_min_dim(false, tensor("min", i, 0), integer("min", i, 1), boolean("min", i, 2))); }
V arg_impl(const CI& i, const char* op, bool is_max) {
  check_argc(op, i, 3);
  bool has_dim = !(i[1].IsNull() || i[1].IsUndefined());
  return wrap(i.Env(), arg_max_min(is_max, tensor(op, i, 0), has_dim ? integer(op, i, 1) : 0, has_dim, boolean(op, i, 2)));
}
V argmax_(const CI& i) { return arg_impl(i, "argmax", true); }
V argmin_(const CI& i) { return arg_impl(i, "argmin", false); }
V cumsum_(const CI& i) { check_argc("cumsum", i, 2); return wrap(i.Env(), cumsum(tensor("cumsum", i, 0), integer("cumsum", i, 1))); }
V softmax_(const CI& i) { check_argc("softmax", i, 2); return wrap(i.Env(), softmax(tensor("softmax", i, 0), integer("softmax", i, 1), false)); }
V log_softmax_(const CI& i) {
  check_argc("log_softmax", i, 2);
  return wrap(i.Env(), softmax(tensor("log_softmax", i, 0), integer("log_softmax", i, 1), true));
}

// ---- linear algebra
V matmul_(const CI& i) { check_argc("matmul", i, 2); return wrap(i.Env(), matmul(tensor("matmul", i, 0), tensor("matmul", i, 1))); }

// ---- joining and indexing
V cat_(const CI& i) {
  const char* op = "cat";
  check_argc(op, i, 2);
  if (!i[0].IsArray()) bad_arg(op, 0, "an array of tensors", i[0]);
  auto arr = i[0].As<Napi::Array>();
  std::vector<const TensorImpl*> xs;
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Handle* h = handle_of(arr.Get(k));
    if (!h) fail(op, "entry " + std::to_string(k) + " of argument 0 is not a tensor");
    if (!h->t || !h->t->storage) fail(op, "entry " + std::to_string(k) + " of argument 0 is a disposed tensor");
    xs.push_back(h->t.get());
  }
  return wrap(i.Env(), cat(xs, integer(op, i, 1)));
}
V gather_(const CI& i) { check_argc("gather", i, 3); return wrap(i.Env(), gather(tensor("gather", i, 0), integer("gather", i, 1), tensor("gather", i, 2))); }
V scatter_impl(const CI& i, const char* op, bool add) {
  check_argc(op, i, 4);
  TensorImpl* src = i[3].IsNumber() && !add ? nullptr : &tensor(op, i, 3);
  double value = src ? 0 : number(op, i, 3);
  return wrap(i.Env(), scatter(tensor(op, i, 0), integer(op, i, 1), tensor(op, i, 2), src, value, add));
}
V scatter_(const CI& i) { return scatter_impl(i, "scatter", false); }
V scatter_add_(const CI& i) { return scatter_impl(i, "scatter_add", true); }
V index_select_(const CI& i) {
  check_argc("index_select", i, 3);
  return wrap(i.Env(), index_select(tensor("index_select", i, 0), integer("index_select", i, 1), tensor("index_select", i, 2)));
}
V index_add_(const CI& i) {
  const char* op = "index_add";
  check_argc(op, i, 5);
  return wrap(i.Env(), index_add(tensor(op, i, 0), integer(op, i, 1), tensor(op, i, 2), tensor(op, i, 3), number(op, i, 4)));
}
V masked_fill_(const CI& i) {
  check_argc("masked_fill", i, 3);
  return wrap(i.Env(), masked_fill(tensor("masked_fill", i, 0), tensor("masked_fill", i, 1), number("masked_fill", i, 2)));
}
V one_hot_(const CI& i) { check_argc("one_hot", i, 2); return wrap(i.Env(), one_hot(tensor("one_hot", i, 0), integer("one_hot", i, 1))); }
V topk_(const CI& i) {
  const char* op = "topk";
  check_argc(op, i, 5);
  return wrap_pair(i.Env(), topk(tensor(op, i, 0), integer(op, i, 1), integer(op, i, 2), boolean(op, i, 3), boolean(op, i, 4)));
}
V sort_(const CI& i) {
  const char* op = "sort";
  check_argc(op, i, 4);
  return wrap_pair(i.Env(), sort(tensor(op, i, 0), integer(op, i, 1), boolean(op, i, 2), boolean(op, i, 3)));
}
V flip_(const CI& i) { check_argc("flip", i, 2); return wrap(i.Env(), flip(tensor("flip", i, 0), dims("flip", i, 1))); }

// ---- convolution and pooling
V conv2d_(const CI& i) {
  const char* op = "conv2d";
  check_argc(op, i, 7);
  return wrap(i.Env(), conv2d(tensor(op, i, 0), tensor(op, i, 1), opt_tensor(op, i, 2), dims(op, i, 3), dims(op, i, 4),
                              dims(op, i, 5), integer(op, i, 6)));
}
V conv_transpose2d_(const CI& i) {
  const char* op = "conv_transpose2d";
  check_argc(op, i, 8);
  return wrap(i.Env(), conv_transpose2d(tensor(op, i, 0), tensor(op, i, 1), opt_tensor(op, i, 2), dims(op, i, 3), dims(op, i, 4),
                                        dims(op, i, 5), dims(op, i, 6), integer(op, i, 7)));
}
V conv2d_weight_grad_(const CI& i) {
  const char* op = "conv2d_weight_grad";
  check_argc(op, i, 7);
  return wrap(i.Env(), conv2d_weight_grad(tensor(op, i, 0), tensor(op, i, 1), dims(op, i, 2), dims(op, i, 3), dims(op, i, 4),
                                          dims(op, i, 5), integer(op, i, 6)));
}
V conv2d_backward_(const CI& i) {
  const char* op = "conv2d_backward";
  check_argc(op, i, 10);
  return wrap_triple(i.Env(), conv2d_backward(tensor(op, i, 0), tensor(op, i, 1), tensor(op, i, 2), dims(op, i, 3), dims(op, i, 4),
                                              dims(op, i, 5), integer(op, i, 6), {boolean(op, i, 7), boolean(op, i, 8), boolean(op, i, 9)}));
}
V max_pool2d_(const CI& i) {
  const char* op = "max_pool2d";
  check_argc(op, i, 6);
  return wrap_pair(i.Env(), max_pool2d(tensor(op, i, 0), dims(op, i, 1), dims(op, i, 2), dims(op, i, 3), dims(op, i, 4), boolean(op, i, 5)));
}
V adaptive_max_pool2d_(const CI& i) {
  const char* op = "adaptive_max_pool2d";
  check_argc(op, i, 2);
  return wrap_pair(i.Env(), adaptive_max_pool2d(tensor(op, i, 0), dims(op, i, 1)));
}

V batch_norm_(const CI& i) {
  const char* op = "batch_norm";
  check_argc(op, i, 8);
  return wrap_triple(i.Env(), batch_norm(tensor(op, i, 0), opt_tensor(op, i, 1), opt_tensor(op, i, 2), opt_tensor(op, i, 3),
                                         opt_tensor(op, i, 4), boolean(op, i, 5), number(op, i, 6), number(op, i, 7)));
}
V batch_norm_backward_(const CI& i) {
  const char* op = "batch_norm_backward";
  check_argc(op, i, 6);
  return wrap_triple(i.Env(), batch_norm_backward(tensor(op, i, 0), tensor(op, i, 1), opt_tensor(op, i, 2), tensor(op, i, 3),
                                                  tensor(op, i, 4), boolean(op, i, 5)));
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
// A contiguous copy of the elements as a TypedArray (Uint8Array for bool, BigInt64Array for int64).
V to_typed_array(const CI& i) {
  TensorImpl& t = tensor("to_array", i, 0);
  auto c = t.is_contiguous() ? nullptr : contiguous(t);
  const TensorImpl& s = c ? *c : t;
  size_t n = (size_t)s.numel(), bytes = n * dtype_size(s.dtype);
  auto buf = Napi::ArrayBuffer::New(i.Env(), bytes);
  if (bytes) std::memcpy(buf.Data(), s.bytes(), bytes);
  switch (s.dtype) {
    case DType::float32: return Napi::Float32Array::New(i.Env(), n, buf, 0);
    case DType::float64: return Napi::Float64Array::New(i.Env(), n, buf, 0);
    case DType::int32: return Napi::Int32Array::New(i.Env(), n, buf, 0);
    case DType::int64: return Napi::TypedArrayOf<int64_t>::New(i.Env(), n, buf, 0, napi_bigint64_array);
    default: return Napi::Uint8Array::New(i.Env(), n, buf, 0);
  }
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
  double v = 0;
  MYELIN_DISPATCH_ALL(t.dtype, "item", v = (double)*t.data<scalar_t>());
  if (t.dtype == DType::bool_) return Napi::Boolean::New(i.Env(), v != 0);
  return Napi::Number::New(i.Env(), v);
}
V memory(const CI& i) {
  auto o = Napi::Object::New(i.Env());
  o.Set("numTensors", (double)mem_stats().tensors.load());
  o.Set("numStorages", (double)mem_stats().storages.load());
  o.Set("numBytes", (double)mem_stats().bytes.load());
  o.Set("numBytesCached", (double)cached_bytes());
  return o;
}
V empty_cache_(const CI& i) {
  empty_cache();
  return i.Env().Undefined();
}
// (bytes | null): null, 0 or Infinity remove the limit
V set_memory_limit_(const CI& i) {
  const char* op = "set_memory_limit";
  check_argc(op, i, 1);
  double b = i[0].IsNull() || i[0].IsUndefined() ? 0 : number(op, i, 0);
  if (!(b >= 0) || (std::isfinite(b) && b != std::floor(b)))
    fail(op, "the limit must be a non-negative whole number of bytes, null or Infinity, got " + std::to_string(b));
  set_memory_limit(std::isinf(b) || b > 9.2e18 ? 0 : (int64_t)b);
  return i.Env().Undefined();
}
V manual_seed_(const CI& i) {
  double s = number("manual_seed", i, 0);
  if (!(s >= 0) || s != std::floor(s) || s > 9007199254740991.0) fail("manual_seed", "seed must be a non-negative integer");
  manual_seed((uint64_t)s);
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
// ---- fused optimizer steps: (param, grad, states..., hyperparameters); return param
V adam_step__(const CI& i) {
  const char* op = "adam_step_";
  check_argc(op, i, 13);
  AdamHyper h{number(op, i, 5), number(op, i, 6), number(op, i, 7), number(op, i, 8), number(op, i, 9),
              integer(op, i, 10), boolean(op, i, 11), boolean(op, i, 12)};
  adam_step_(tensor(op, i, 0), tensor(op, i, 1), tensor(op, i, 2), tensor(op, i, 3), opt_tensor(op, i, 4), h);
  return i[0];
}
V sgd_step__(const CI& i) {
  const char* op = "sgd_step_";
  check_argc(op, i, 10);
  SgdHyper h{number(op, i, 3), number(op, i, 4), number(op, i, 5), number(op, i, 6), boolean(op, i, 7), boolean(op, i, 8), boolean(op, i, 9)};
  sgd_step_(tensor(op, i, 0), tensor(op, i, 1), opt_tensor(op, i, 2), h);
  return i[0];
}
V rmsprop_step__(const CI& i) {
  const char* op = "rmsprop_step_";
  check_argc(op, i, 11);
  RmspropHyper h{number(op, i, 5), number(op, i, 6), number(op, i, 7), number(op, i, 8), number(op, i, 9), boolean(op, i, 10)};
  rmsprop_step_(tensor(op, i, 0), tensor(op, i, 1), tensor(op, i, 2), opt_tensor(op, i, 3), opt_tensor(op, i, 4), h);
  return i[0];
}
V adagrad_step__(const CI& i) {
  const char* op = "adagrad_step_";
  check_argc(op, i, 9);
  AdagradHyper h{number(op, i, 3), number(op, i, 4), number(op, i, 5), number(op, i, 6), integer(op, i, 7), boolean(op, i, 8)};
  adagrad_step_(tensor(op, i, 0), tensor(op, i, 1), tensor(op, i, 2), h);
  return i[0];
}

V op_list(const CI& i) {
  static const char* names[] = {
#define MYELIN_UNARY(id, F, kind, np) #id,
#define MYELIN_BINARY(id, F, kind) #id,
#define MYELIN_OP(id) #id,
#include "../ops.def"
  };
  auto a = Napi::Array::New(i.Env());
  for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) a.Set((uint32_t)k, names[k]);
  return a;
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
    if (--call_depth == 0) deferred.clear();  // TensorImpl destructors never come back here
  }
};
V call_export(const CI& i) {
  auto f = reinterpret_cast<V (*)(const CI&)>(i.Data());
  CallDepth depth;
  try {
    return f(i);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw_error(i.Env(), e.what());
  } catch (...) {  // nothing may leave a callback: node-addon-api would std::terminate
    throw_error(i.Env(), "myelin: unknown native exception");
  }
  return V();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // arg: the env, since node refuses a second identical (hook, arg) pair and the addon
  // can be loaded twice into one thread (two paths); the first hook frees the thread's list
  napi_add_env_cleanup_hook(env, free_live_handles, (napi_env)env);
  auto fn = [&](const char* name, V (*f)(const CI&)) {
    exports.Set(name, Napi::Function::New(env, call_export, name, reinterpret_cast<void*>(f)));
  };
#define MYELIN_UNARY(id, F, kind, np) \
  fn(#id, [](const CI& i) { return unary_export<UnaryOp::id, np>(i, #id); });
#define MYELIN_BINARY(id, F, kind) \
  fn(#id, [](const CI& i) { return binary_export<BinaryOp::id>(i, #id); });
#include "../ops.def"
  fn("sum", [](const CI& i) { return reduce_export<ReduceOp::sum>(i, "sum"); });
  fn("mean", [](const CI& i) { return reduce_export<ReduceOp::mean>(i, "mean"); });
  fn("prod", [](const CI& i) { return reduce_export<ReduceOp::prod>(i, "prod"); });
  fn("amax", [](const CI& i) { return reduce_export<ReduceOp::amax>(i, "amax"); });
  fn("amin", [](const CI& i) { return reduce_export<ReduceOp::amin>(i, "amin"); });
  fn("all", [](const CI& i) { return reduce_export<ReduceOp::all>(i, "all"); });
  fn("any", [](const CI& i) { return reduce_export<ReduceOp::any>(i, "any"); });
  fn("logsumexp", [](const CI& i) { return reduce_export<ReduceOp::logsumexp>(i, "logsumexp"); });
  // the remaining MYELIN_OP entries, by name; op_table.test.ts checks none is missing
  fn("as_strided", as_strided_); fn("reshape", reshape_); fn("view", view_); fn("permute", permute_);
  fn("transpose", transpose_); fn("slice", slice_); fn("select", select_); fn("narrow", narrow_);
  fn("expand", expand_); fn("squeeze", squeeze_); fn("unsqueeze", unsqueeze_); fn("flatten", flatten_);
  fn("contiguous", contiguous_); fn("to_dtype", to_dtype_); fn("copy_", copy__); fn("where", where_);
  fn("from_array", from_array_); fn("full", full_); fn("fill_", fill__); fn("arange", arange_);
  fn("linspace", linspace_); fn("eye", eye_); fn("uniform_", uniform__); fn("normal_", normal__);
  fn("randint", randint_); fn("bernoulli", bernoulli_); fn("randperm", randperm_);
  fn("norm", norm_); fn("var", var_); fn("std", std_); fn("max", max_); fn("min", min_);
  fn("argmax", argmax_); fn("argmin", argmin_); fn("cumsum", cumsum_); fn("softmax", softmax_);
  fn("log_softmax", log_softmax_); fn("matmul", matmul_); fn("cat", cat_); fn("gather", gather_);
  fn("scatter", scatter_); fn("scatter_add", scatter_add_); fn("index_select", index_select_);
  fn("index_add", index_add_); fn("masked_fill", masked_fill_); fn("one_hot", one_hot_);
  fn("topk", topk_); fn("sort", sort_); fn("flip", flip_);
  fn("conv2d", conv2d_); fn("conv_transpose2d", conv_transpose2d_); fn("conv2d_weight_grad", conv2d_weight_grad_);
  fn("conv2d_backward", conv2d_backward_);
  fn("max_pool2d", max_pool2d_); fn("adaptive_max_pool2d", adaptive_max_pool2d_);
  fn("batch_norm", batch_norm_); fn("batch_norm_backward", batch_norm_backward_);
  fn("adam_step_", adam_step__); fn("sgd_step_", sgd_step__); fn("rmsprop_step_", rmsprop_step__);
  fn("adagrad_step_", adagrad_step__);
  // utilities
  fn("dispose", dispose); fn("meta", meta); fn("shape", shape); fn("dtype", dtype_of);
  fn("same_storage", same_storage); fn("version", version); fn("bump_version", bump_version); fn("to_array", to_typed_array); fn("item", item);
  fn("memory", memory); fn("empty_cache", empty_cache_); fn("set_memory_limit", set_memory_limit_); fn("manual_seed", manual_seed_); fn("set_num_threads", set_threads);
  fn("get_num_threads", get_threads); fn("backend_info", backend_info); fn("op_list", op_list);
  return exports;
}

}  // namespace myelin::binding

static Napi::Object InitMyelin(Napi::Env env, Napi::Object exports) { return myelin::binding::Init(env, exports); }
NODE_API_MODULE(myelin, InitMyelin)
