// Graph attention's edge kernels over an edge list (native, in native/cpu/index.cpp): the softmax
// of per-edge scores among the edges that share a target node, and per-head weighted sums of
// source rows into target rows with their adjoint, the per-head dot product along each edge.
// ts/gnn's GATConv and GCNConv run on these instead of gather / broadcast / scatter chains.
import type { Tensor } from '../tensor';
import { call } from '../call';
import { tensorArg, intArg } from '../args';

/**
 * Softmax of src [E, ...] over the edges that share index[e] (PyG's utils.softmax with
 * num_nodes): each target's max is subtracted first, then exp / (sum + 1e-16).
 * @example const alpha = edgeSoftmax(scores, edgeIndex.select(0, 1), numNodes);
 */
export function edgeSoftmax(src: Tensor, index: Tensor, numNodes: number): Tensor {
  tensorArg('edgeSoftmax', 'src', src);
  tensorArg('edgeSoftmax', 'index', index);
  intArg('edgeSoftmax', 'numNodes', numNodes);
  return call('edge_softmax', [src, index, numNodes]);
}

/** edgeSoftmax's input gradient from its output y: y * (dy - sum over the segment of dy * y) (native, not differentiable). */
export function edgeSoftmaxBackward(gradOutput: Tensor, output: Tensor, index: Tensor, numNodes: number): Tensor {
  for (const [what, t] of [['gradOutput', gradOutput], ['output', output], ['index', index]] as const) tensorArg('edgeSoftmaxBackward', what, t);
  intArg('edgeSoftmaxBackward', 'numNodes', numNodes);
  return call('edge_softmax_backward', [gradOutput, output, index, numNodes]);
}

/**
 * out[dst[e], h, :] += weight[e, h] * x[src[e], h, :], out [numNodes, H, C] (or with x [n, C] and
 * weight [E]: out[dst[e], :] += weight[e] * x[src[e], :]). GAT's attention-weighted aggregation.
 * @example const out = edgeWeightedSum(h, alpha, src, dst, n);  // h [n, heads, C], alpha [E, heads]
 */
export function edgeWeightedSum(x: Tensor, weight: Tensor, src: Tensor, dst: Tensor, numNodes: number): Tensor {
  for (const [what, t] of [['x', x], ['weight', weight], ['src', src], ['dst', dst]] as const) tensorArg('edgeWeightedSum', what, t);
  intArg('edgeWeightedSum', 'numNodes', numNodes);
  return call('edge_weighted_sum', [x, weight, src, dst, numNodes]);
}

/** out[e, h] = sum_c a[indexA[e], h, c] * b[indexB[e], h, c] ([E, H]; [E] for 2-d a and b): edgeWeightedSum's weight gradient. */
export function edgeDot(a: Tensor, b: Tensor, indexA: Tensor, indexB: Tensor): Tensor {
  for (const [what, t] of [['a', a], ['b', b], ['indexA', indexA], ['indexB', indexB]] as const) tensorArg('edgeDot', what, t);
  return call('edge_dot', [a, b, indexA, indexB]);
}
