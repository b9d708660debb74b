// Fused recurrent cells: one LSTM or GRU time step's gate math as one native op, forward and
// backward (native/cpu/rnn.cpp, torch's _thnn_fused_lstm_cell / _thnn_fused_gru_cell). The
// projections stay outside, so a layer computes every step's input projection in one GEMM.
import { Tensor } from '../tensor';
import { call } from '../call';
import { tensorArg, optTensorArg } from '../args';
import { recordLstmCellState } from '../autograd/derivatives';

/**
 * One LSTM step from its gate pre-activations: xg = x W_ih^T + b_ih and hg = h W_hh^T + b_hh,
 * both [B, 4H] in torch's gate order (i, f, g, o), and the cell state c [B, H]. Returns
 * [h, cNew], both differentiable: i, f, o = sigmoid, g = tanh, cNew = f c + i g, h = o tanh(cNew).
 * ```ts
 * const [h1, c1] = lstmCell(x.matmul(wIh.T).add(bIh), h0.matmul(wHh.T).add(bHh), c0);
 * ```
 */
export function lstmCell(xg: Tensor, hg: Tensor, c: Tensor): [Tensor, Tensor] {
  tensorArg('lstmCell', 'xg', xg); tensorArg('lstmCell', 'hg', hg); tensorArg('lstmCell', 'c', c);
  const [h, cNew, workspace] = call<Tensor[]>('lstm_cell', [xg, hg, c]);
  recordLstmCellState(h, cNew, workspace);
  return [h, cNew];
}

/**
 * One GRU step: xg = x W_ih^T + b_ih and hg = h W_hh^T + b_hh, both [B, 3H] in torch's gate
 * order (r, z, n), and h [B, H]. r, z = sigmoid, n = tanh(xn + r hn), returns
 * hNew = (1 - z) n + z h (differentiable).
 * ```ts
 * const h1 = gruCell(x.matmul(wIh.T).add(bIh), h0.matmul(wHh.T).add(bHh), h0);
 * ```
 */
export function gruCell(xg: Tensor, hg: Tensor, h: Tensor): Tensor {
  tensorArg('gruCell', 'xg', xg); tensorArg('gruCell', 'hg', hg); tensorArg('gruCell', 'h', h);
  return call<Tensor[]>('gru_cell', [xg, hg, h])[0];
}

/**
 * lstmCell's backward (native, not differentiable): from dh and dc (either null: zeros), the
 * cell's c, cNew and workspace, returns [dgates, dcPrev]; dgates [B, 4H] is the gradient of
 * both xg and hg.
 */
export function lstmCellBackward(dh: Tensor | null, dc: Tensor | null, c: Tensor, cNew: Tensor, workspace: Tensor): [Tensor, Tensor] {
  const op = 'lstmCellBackward';
  optTensorArg(op, 'dh', dh); optTensorArg(op, 'dc', dc);
  tensorArg(op, 'c', c); tensorArg(op, 'cNew', cNew); tensorArg(op, 'workspace', workspace);
  return call<[Tensor, Tensor]>('lstm_cell_backward', [dh ?? null, dc ?? null, c, cNew, workspace]);
}

/** gruCell's backward (native, not differentiable): [dxg, dhg, dh] from dhNew and the workspace. */
export function gruCellBackward(dhNew: Tensor, workspace: Tensor): [Tensor, Tensor, Tensor] {
  tensorArg('gruCellBackward', 'dhNew', dhNew); tensorArg('gruCellBackward', 'workspace', workspace);
  return call<[Tensor, Tensor, Tensor]>('gru_cell_backward', [dhNew, workspace]);
}

// ---------------------------------------------------------------- whole-layer scans
// One layer and direction of an LSTM or GRU over all its steps in ONE native call
// (native/cpu/rnn.cpp): per step the recurrent GEMM and the fused cell, no JS per step. The
// backward is one native call too, plus W_hh's gradient as one GEMM over all steps. Its
// gradients under createGraph are a graph: the scan recomputed in Tensor ops (autograd/scan_grad.ts).

/** Checks batchSizes (a JS array of positive integers) and returns it; the kernel checks the rest. */
function sizesArg(op: string, bs: unknown): number[] {
  if (!Array.isArray(bs) || bs.length === 0 || !bs.every((b) => Number.isInteger(b) && b >= 1))
    throw new Error(`${op}: batchSizes must be a non-empty array of positive integers (rows per step), got ${Array.isArray(bs) ? `[${bs.join(', ')}]` : String(bs)}`);
  return bs as number[];
}

/**
 * One LSTM direction over packed steps: step t runs rows [0, batchSizes[t]) (non-increasing;
 * all equal for a padded batch), reversed when `reverse`. gi [N, 4H] is every step's input
 * projection with both biases (x W_ihᵀ + b_ih + b_hh), h0 and c0 [B, H], wHh [4H, H].
 * Returns [out [N, H], hN, cN [B, H]] (a row's final state is its last step's), differentiable
 * in gi, h0, c0 and wHh.
 * ```ts
 * const [out, hN, cN] = lstmScan(x.matmul(wIh.T).add(bIh).add(bHh), h0, c0, wHh, [2, 2, 1]);
 * ```
 */
export function lstmScan(gi: Tensor, h0: Tensor, c0: Tensor, wHh: Tensor, batchSizes: number[], reverse = false): [Tensor, Tensor, Tensor] {
  const op = 'lstmScan';
  tensorArg(op, 'gi', gi); tensorArg(op, 'h0', h0); tensorArg(op, 'c0', c0); tensorArg(op, 'wHh', wHh);
  const bs = sizesArg(op, batchSizes);
  const [y] = call<Tensor[]>('lstm_scan', [gi, h0, c0, wHh, bs, !!reverse]);  // backward: derivatives.ts
  const N = gi.shape[0], B = h0.shape[0];
  return [y.narrow(0, 0, N), y.narrow(0, N, B), y.narrow(0, N + B, B)];
}

/**
 * One GRU direction over packed steps (as lstmScan): gi [N, 3H] = x W_ihᵀ + b_ih, h0 [B, H],
 * wHh [3H, H], bHh [3H] or null. Returns [out [N, H], hN [B, H]], differentiable in gi, h0,
 * wHh and bHh.
 * ```ts
 * const [out, hN] = gruScan(x.matmul(wIh.T).add(bIh), h0, wHh, bHh, [3, 3]);
 * ```
 */
export function gruScan(gi: Tensor, h0: Tensor, wHh: Tensor, bHh: Tensor | null, batchSizes: number[], reverse = false): [Tensor, Tensor] {
  const op = 'gruScan';
  tensorArg(op, 'gi', gi); tensorArg(op, 'h0', h0); tensorArg(op, 'wHh', wHh); optTensorArg(op, 'bHh', bHh);
  const bs = sizesArg(op, batchSizes);
  const [y] = call<Tensor[]>('gru_scan', [gi, h0, wHh, bHh ?? null, bs, !!reverse]);  // backward: derivatives.ts
  const N = gi.shape[0], B = h0.shape[0];
  return [y.narrow(0, 0, N), y.narrow(0, N, B)];
}

/**
 * lstmScan's backward (native, not differentiable): from dy [N + 2B, H] (the outputs', hN's and
 * cN's gradients stacked), the scan's workspace [N, 6H] and wHh: [dgates [N, 4H], dh0, dc0].
 */
export function lstmScanBackward(dy: Tensor, workspace: Tensor, wHh: Tensor, batchSizes: number[], reverse = false): [Tensor, Tensor, Tensor] {
  const op = 'lstmScanBackward';
  tensorArg(op, 'dy', dy); tensorArg(op, 'workspace', workspace); tensorArg(op, 'wHh', wHh);
  return call<[Tensor, Tensor, Tensor]>('lstm_scan_backward', [dy, workspace, wHh, sizesArg(op, batchSizes), !!reverse]);
}

/** gruScan's backward (native, not differentiable): from dy [N + B, H], the workspace [N, 5H] and wHh: [dxg, dhg [N, 3H], dh0]. */
export function gruScanBackward(dy: Tensor, workspace: Tensor, wHh: Tensor, batchSizes: number[], reverse = false): [Tensor, Tensor, Tensor] {
  const op = 'gruScanBackward';
  tensorArg(op, 'dy', dy); tensorArg(op, 'workspace', workspace); tensorArg(op, 'wHh', wHh);
  return call<[Tensor, Tensor, Tensor]>('gru_scan_backward', [dy, workspace, wHh, sizesArg(op, batchSizes), !!reverse]);
}
