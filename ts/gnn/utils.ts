// Graph helpers shared by the gnn layers: edge-index validation (PyG's messages), self loops,
// degrees, scatter by an index (sum/mean/max), and the per-target softmax GAT needs.
// Edge indices are [2, E] int64: row 0 the source j, row 1 the target i (PyG's source_to_target).
import { Tensor } from '../tensor';
import { tensor, zeros } from '../creation';
import { noGrad } from '../autograd/index';
import { edgeSoftmax } from '../ops/graph';

export type Aggr = 'sum' | 'add' | 'mean' | 'max';

/** An edge index read into JS once (validation and self-loop edits), cached per tensor version. */
interface EdgeInfo { version: number; src: BigInt64Array; dst: BigInt64Array; max: number;
  /** withSelfLoops results per (mode, numNodes): the edits cost a JS pass over the edges. */
  loops: Map<string, { src: BigInt64Array; dst: BigInt64Array }> }
const infoCache = new WeakMap<Tensor, EdgeInfo>();

function edgeInfo(op: string, edgeIndex: unknown): EdgeInfo {
  if (!(edgeIndex instanceof Tensor)) throw new TypeError(`${op}: edge_index must be a Tensor, got ${String(edgeIndex)}`);
  // PyG's MessagePassing._check_input wording
  if (edgeIndex.dtype !== 'int64' && edgeIndex.dtype !== 'int32')
    throw new TypeError(`${op}: Expected 'edge_index' to be of integer type (got '${edgeIndex.dtype}')`);
  if (edgeIndex.ndim !== 2) throw new Error(`${op}: Expected 'edge_index' to be two-dimensional (got ${edgeIndex.ndim} dimensions)`);
  if (edgeIndex.shape[0] !== 2) throw new Error(`${op}: Expected 'edge_index' to have size '2' in the first dimension (got '${edgeIndex.shape[0]}')`);
  const hit = infoCache.get(edgeIndex);
  if (hit && hit.version === edgeIndex._version) return hit;
  const flat = noGrad(() => edgeIndex.to('int64').contiguous().data()) as BigInt64Array;
  const e = edgeIndex.shape[1];
  const src = flat.subarray(0, e), dst = flat.subarray(e, 2 * e);
  let max = -1;
  for (let k = 0; k < 2 * e; k++) {
    const v = Number(flat[k]);
    if (v < 0) throw new RangeError(`${op}: Found negative indices in 'edge_index' (got ${v}). Please ensure that all indices in 'edge_index' point to valid indices in the interval [0, num_nodes) in your node feature matrix and try again.`);
    if (v > max) max = v;
  }
  const info = { version: edgeIndex._version, src, dst, max, loops: new Map() };
  infoCache.set(edgeIndex, info);
  return info;
}

/**
 * Checks an edge index against a graph of `numNodes` nodes and returns its source and target
 * rows (int64, read once per tensor version). Throws PyG's errors: wrong dtype, wrong shape,
 * negative or too large indices.
 */
export function checkEdgeIndex(op: string, edgeIndex: unknown, numNodes: number): EdgeInfo {
  const info = edgeInfo(op, edgeIndex);
  if (info.max >= numNodes)
    throw new RangeError(`${op}: Found indices in 'edge_index' that are larger than ${numNodes - 1} (got ${info.max}). Please ensure that all indices in 'edge_index' point to valid indices in the interval [0, ${numNodes}) in your node feature matrix and try again.`);
  return info;
}

/** Node features must be [N, F]; N = 0 (an empty graph) is allowed, as in PyG, and gives [0, out] results. */
export function checkNodes(op: string, x: unknown, what = 'x'): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${String(x)}`);
  if (x.ndim !== 2) throw new Error(`${op}: ${what} must be [num_nodes, channels], got shape [${x.shape.join(', ')}]`);
  return x;
}

const i64 = (v: BigInt64Array | bigint[]): Tensor => tensor(v instanceof BigInt64Array ? v : BigInt64Array.from(v), { dtype: 'int64' });

/** Edge rows as a [2, E] int64 tensor. */
export function edgeTensor(src: ArrayLike<bigint>, dst: ArrayLike<bigint>): Tensor {
  const e = src.length, flat = new BigInt64Array(2 * e);
  for (let k = 0; k < e; k++) { flat[k] = src[k]; flat[e + k] = dst[k]; }
  return tensor(flat, { dtype: 'int64', shape: [2, e] });
}

/**
 * PyG's remove_self_loops + add_self_loops (GAT) or add_remaining_self_loops (GCN: existing
 * loops keep their place and weight, nodes without one get one at the end). Returns the new
 * rows and, for 'remaining', where each node's loop sits.
 */
export function withSelfLoops(op: string, edgeIndex: Tensor, numNodes: number, mode: 'replace' | 'remaining'): { src: BigInt64Array; dst: BigInt64Array } {
  const info = checkEdgeIndex(op, edgeIndex, numNodes), key = `${mode} ${numNodes}`;
  const hit = info.loops.get(key);
  if (hit) return hit;
  const { src, dst } = info;
  const keepS: bigint[] = [], keepD: bigint[] = [];
  const hasLoop = new Uint8Array(numNodes);
  for (let k = 0; k < src.length; k++) {
    if (src[k] === dst[k]) {
      if (mode === 'replace') continue;
      hasLoop[Number(src[k])] = 1;
    }
    keepS.push(src[k]); keepD.push(dst[k]);
  }
  for (let n = 0; n < numNodes; n++) if (!hasLoop[n]) { keepS.push(BigInt(n)); keepD.push(BigInt(n)); }
  const out = { src: BigInt64Array.from(keepS), dst: BigInt64Array.from(keepD) };
  info.loops.set(key, out);
  return out;
}

/** In-degree of each node (count of edges per target) as float32 [N]. */
export function degree(index: Tensor, numNodes: number, dtype: Tensor['dtype'] = 'float32'): Tensor {
  const ones = zeros([index.shape[0]], { dtype }).add(1);
  return zeros([numNodes], { dtype }).indexAdd(0, index, ones);
}

/**
 * Reduces rows of src [E, ...] into [dimSize, ...] by index [E], as PyG's scatter: sum
 * (indexAdd), mean (the sum over the count, rows no index reaches stay 0) or max
 * (scatterReduce amax without self, so those rows stay 0 too).
 */
export function scatter(src: Tensor, index: Tensor, dimSize: number, reduce: Aggr = 'sum'): Tensor {
  const shape = [dimSize, ...src.shape.slice(1)];
  const sum = () => zeros(shape, { dtype: src.dtype }).indexAdd(0, index, src);
  if (reduce === 'sum' || reduce === 'add') return sum();
  if (reduce === 'mean') {
    // indexAdd beats scatterReduce's mean here (its rows are whole feature vectors)
    const count = degree(index, dimSize, src.dtype).clamp(1, null);
    return sum().div(count.reshape([dimSize, ...src.shape.slice(1).map(() => 1)]));
  }
  // scatter_reduce wants the index broadcast to src's shape
  const idx = src.ndim === 1 ? index : index.reshape([index.shape[0], ...src.shape.slice(1).map(() => 1)]).expand([...src.shape]);
  return zeros(shape, { dtype: src.dtype }).scatterReduce(0, idx, src, 'amax', { includeSelf: false });
}

/**
 * Softmax of src [E, H] over the edges that share a target (PyG's utils.softmax): the
 * per-target max is subtracted first for stability (it carries no gradient, as in PyG where
 * it is taken detached), then exp / (sum + 1e-16).
 */
export function segmentSoftmax(src: Tensor, index: Tensor, numNodes: number): Tensor {
  // one native pass (ts/ops/graph.ts) instead of a scatter-max, gather, exp, scatter-sum and gather chain
  return edgeSoftmax(src, index, numNodes);
}

export { i64 };
