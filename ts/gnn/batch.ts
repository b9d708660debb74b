// Graph mini-batching and readout: Data (one graph), Batch.fromDataList (graphs as one
// block-diagonal graph with a batch vector, as PyG's Batch) and global add/mean/max pooling.
import { Tensor } from '../tensor';
import { tensor } from '../creation';
import { cat } from '../functional';
import { checkEdgeIndex, checkNodes, scatter, edgeTensor } from './utils';

/** One graph: node features x [N, F], edgeIndex [2, E] int64, optional label y. */
export interface Data { x: Tensor; edgeIndex: Tensor; y?: Tensor }

/** Graphs joined into one disconnected graph: node i of graph g becomes node offset_g + i. */
export class Batch implements Data {
  constructor(readonly x: Tensor, readonly edgeIndex: Tensor, readonly batch: Tensor, readonly numGraphs: number,
    readonly y?: Tensor, readonly ptr: number[] = []) {}
  /**
   * Joins graphs as PyG's Batch.from_data_list: x and y concatenated, each edge index shifted by
   * the nodes before it, batch[i] the graph of node i (int64).
   * @example const b = gnn.Batch.fromDataList([g1, g2]); gnn.globalMeanPool(h, b.batch, b.numGraphs)
   */
  static fromDataList(list: Data[]): Batch {
    if (!Array.isArray(list) || list.length === 0) throw new Error(`Batch.fromDataList: expected a non-empty array of graphs, got ${Array.isArray(list) ? '[]' : String(list)}`);
    const xs: Tensor[] = [], ys: Tensor[] = [], src: bigint[] = [], dst: bigint[] = [], batch: bigint[] = [], ptr = [0];
    let offset = 0;
    list.forEach((g, k) => {
      const what = `Batch.fromDataList: graph ${k}`;
      if (!g || typeof g !== 'object') throw new TypeError(`${what} must be an object { x, edgeIndex }, got ${String(g)}`);
      const x = checkNodes(what, g.x);
      const n = x.shape[0];
      const e = checkEdgeIndex(what, g.edgeIndex, n);
      for (let i = 0; i < e.src.length; i++) { src.push(e.src[i] + BigInt(offset)); dst.push(e.dst[i] + BigInt(offset)); }
      for (let i = 0; i < n; i++) batch.push(BigInt(k));
      xs.push(x);
      if (g.y !== undefined) ys.push(g.y.ndim === 0 ? g.y.reshape([1]) : g.y);
      offset += n;
      ptr.push(offset);
    });
    if (ys.length !== 0 && ys.length !== list.length) throw new Error('Batch.fromDataList: some graphs have y and some do not');
    return new Batch(cat(xs, 0), edgeTensor(src, dst), tensor(BigInt64Array.from(batch), { dtype: 'int64' }), list.length,
      ys.length ? cat(ys, 0) : undefined, ptr);
  }
}

function checkBatch(op: string, x: unknown, batch: unknown, size?: number): { x: Tensor; b: Tensor; n: number } {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: x must be a Tensor, got ${String(x)}`);
  if (x.ndim < 1) throw new Error(`${op}: x must be [num_nodes, ...], got a 0-d tensor`);
  if (batch === null || batch === undefined) {
    // one graph (PyG reduces over the node dim: an empty graph gives one row)
    return { x, b: tensor(new BigInt64Array(x.shape[0]), { dtype: 'int64' }), n: 1 };
  }
  if (!(batch instanceof Tensor)) throw new TypeError(`${op}: batch must be a Tensor, got ${String(batch)}`);
  if (batch.dtype !== 'int64' && batch.dtype !== 'int32') throw new TypeError(`${op}: Expected 'batch' to be of integer type (got '${batch.dtype}')`);
  if (batch.ndim !== 1 || batch.shape[0] !== x.shape[0])
    throw new Error(`${op}: batch must be [num_nodes] = [${x.shape[0]}], got shape [${batch.shape.join(', ')}]`);
  const b = batch.to('int64');
  // no nodes: `size` graphs, or none (PyG's size = batch.max() + 1 if batch.numel() > 0 else 0)
  if (b.shape[0] === 0) return { x, b, n: size ?? 0 };
  const lo = Number(b.min().item()), hi = Number(b.max().item());
  if (lo < 0) throw new RangeError(`${op}: batch holds a negative graph index (${lo})`);
  const n = size ?? hi + 1;
  if (hi >= n) throw new RangeError(`${op}: batch holds graph index ${hi} but size is ${n}`);
  return { x, b, n };
}

/** Sum of each graph's node features: [numGraphs, F] (PyG's global_add_pool). */
export function globalAddPool(x: Tensor, batch?: Tensor | null, size?: number): Tensor {
  const c = checkBatch('globalAddPool', x, batch, size);
  return scatter(c.x, c.b, c.n, 'sum');
}
/** Mean of each graph's node features (PyG's global_mean_pool). */
export function globalMeanPool(x: Tensor, batch?: Tensor | null, size?: number): Tensor {
  const c = checkBatch('globalMeanPool', x, batch, size);
  // without a batch PyG takes x.mean(0): the mean of no nodes is NaN there, not 0
  if ((batch === null || batch === undefined) && x.shape[0] === 0) return scatter(c.x, c.b, 1, 'sum').add(NaN);
  return scatter(c.x, c.b, c.n, 'mean');
}
/** Elementwise max of each graph's node features (PyG's global_max_pool). */
export function globalMaxPool(x: Tensor, batch?: Tensor | null, size?: number): Tensor {
  const c = checkBatch('globalMaxPool', x, batch, size);
  // without a batch PyG takes x.max(0), which torch refuses on no nodes
  if ((batch === null || batch === undefined) && x.shape[0] === 0)
    throw new Error(`globalMaxPool: the graph is empty (x has shape [${x.shape.join(', ')}]): the max of no nodes is undefined (give a batch vector and size for zeros)`);
  return scatter(c.x, c.b, c.n, 'max');
}
