// The op table, napi-free: one OpId per native/ops.def row, its schema (argument types,
// generated into op_table_gen.inc by scripts/gen_ops.js), and OpArgs, the plain argument
// pack that the binding's generic decoder fills from JS values and that every op entry
// (op_table.cpp) reads. The graph executor (graph.cpp) fills the same pack from its slots.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "ops.h"

namespace myelin {

enum class OpId : uint16_t {
#define MYELIN_UNARY_OP(id, F, kind, np, api, sig, grad) id,
#define MYELIN_BINARY_OP(id, F, kind, api, sig, grad) id,
#define MYELIN_OP(id, family, api, sig, grad) id,
#include "../ops.def"
};
constexpr int kNumOps = 0
#define MYELIN_UNARY_OP(id, F, kind, np, api, sig, grad) +1
#define MYELIN_BINARY_OP(id, F, kind, api, sig, grad) +1
#define MYELIN_OP(id, family, api, sig, grad) +1
#include "../ops.def"
    ;
constexpr int kMaxArgs = 14;  // scripts/gen_ops.js MAX_ARGS

// How one argument is read (ops.def's signature types, in the same order there):
// tensor, tensor?, scalar, tensor[], tensor|float, int, int?, float, float?, bool, int[],
// int[]?, dtype, typed_array.
enum class ArgType : uint8_t {
  tensor, opt_tensor, scalar, tensor_list, tensor_or_float, int_, opt_int, float_, opt_float, bool_, dims, opt_dims,
  dtype, typed_array
};
// What the export returns: a new tensor, a tuple (JS array, null where not asked for),
// argument 0 (in-place ops), or the `out` argument when given, else a new tensor.
enum class RetKind : uint8_t { tensor, tuple, self, out };

struct ArgSchema {
  const char* name;
  ArgType type;
};
struct OpSchema {
  const char* id;
  const char* family;
  uint8_t nargs;
  uint8_t min_argc;     // "expected at least N arguments"
  RetKind ret;
  uint8_t nret;         // results (tuples: 2 or 3)
  int8_t out_arg;       // RetKind::out: the position of `out`
  uint8_t opt_results;  // tuples: bit k set when result k may be null
  ArgSchema args[kMaxArgs];
};
extern const OpSchema kOpSchemas[];
inline const OpSchema& op_schema(OpId id) { return kOpSchemas[(int)id]; }
// The op of that id, or false
bool op_from_name(const std::string& name, OpId* out);

// One decoded argument. Only the fields of its type are set (no initializers: the pack is
// filled per call, on the hot path): tensor kinds t (null: not given) and tp (the owning
// pointer where the caller has a stable one, else null); scalar/tensor|float d when t is
// null; int_/bool_ i; opt_int i and has; float kinds d (opt_float: NaN for null); dims
// kinds i (an index into OpArgs::dims); dtype dt; typed_array p, i (its napi type), n.
struct Arg {
  TensorImpl* t;
  const TensorPtr* tp;
  double d;
  int64_t i;
  int64_t n;
  const void* p;
  DType dt;
  bool has;
};
// The arguments of one call: a[k] is the k-th argument of the op's ops.def signature.
struct OpArgs {
  OpId op;
  int nargs;
  Arg a[kMaxArgs];
  const Dims* dims;                               // the int[] arguments' values
  const std::vector<const TensorImpl*>* list;     // the tensor[] argument
  const char* name() const { return op_schema(op).id; }
  TensorImpl& t(int k) const { return *a[k].t; }
  TensorImpl* opt(int k) const { return a[k].t; }
  const Dims& d(int k) const { return dims[a[k].i]; }
};
// What the decoded arguments point into: the int[] values, the JS numbers and booleans
// wrapped as 0-d tensors, and a tensor list's entries.
constexpr int kMaxDimsArgs = 4;  // scripts/gen_ops.js checks each row against these
constexpr int kMaxScalarArgs = 3;
struct ArgStore {
  Dims dims[kMaxDimsArgs];
  int ndims = 0;
  TensorPtr owned[kMaxScalarArgs];
  int nowned = 0;
  std::vector<const TensorImpl*> list;
};
// An entry's results (a null entry in a tuple: not asked for).
struct OpOut {
  TensorPtr r[3];
  int n = 0;
  void set(TensorPtr t) { r[0] = std::move(t); n = 1; }
};

}  // namespace myelin
