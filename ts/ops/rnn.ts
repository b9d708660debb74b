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
