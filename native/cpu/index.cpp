// PLACEHOLDER: replaced by the indexing kernel family.
#include "../core/ops.h"
namespace myelin {
TensorPtr cat(const std::vector<const TensorImpl*>&, int64_t) { fail("cat", "pending"); }
TensorPtr gather(const TensorImpl&, int64_t, const TensorImpl&) { fail("gather", "pending"); }
TensorPtr scatter(const TensorImpl&, int64_t, const TensorImpl&, const TensorImpl*, double, bool) { fail("scatter", "pending"); }
TensorPtr index_select(const TensorImpl&, int64_t, const TensorImpl&) { fail("index_select", "pending"); }
TensorPtr index_add(const TensorImpl&, int64_t, const TensorImpl&, const TensorImpl&, double) { fail("index_add", "pending"); }
TensorPtr one_hot(const TensorImpl&, int64_t) { fail("one_hot", "pending"); }
std::pair<TensorPtr, TensorPtr> topk(const TensorImpl&, int64_t, int64_t, bool, bool) { fail("topk", "pending"); }
std::pair<TensorPtr, TensorPtr> sort(const TensorImpl&, int64_t, bool, bool) { fail("sort", "pending"); }
TensorPtr flip(const TensorImpl&, const Dims&) { fail("flip", "pending"); }
}
