// Double backward of the native LSTM/GRU scans (lstm_scan, gru_scan) and of any recorded
// recurrence: under createGraph the first derivative is recomputed as a graph (the layer rerun
// through composed Tensor ops from its saved inputs, then differentiated), so second-order terms are exact.
import { Tensor } from '../tensor';
import { attachNode, call } from '../call';
import { enableGrad, isGradEnabled, runBackward } from './engine';
import { zerosLike } from '../creation';

/**
 * The vector-Jacobian product dy·∂f/∂inputs as a differentiable function of the inputs and dy:
 * f reruns on detached leaves (an inner graph, so the outer graph is not walked), its gradient
 * is taken with createGraph, and one node from [inputs, dy] to the flattened gradients hands
 * a later backward the inner graph's own gradient. Returns one gradient per input (null where
 * the input needs none). Used only under createGraph: the fast paths keep their native backward.
 */
export function vjpGraph(f: (xs: (Tensor | null)[]) => Tensor, inputs: (Tensor | null)[], dy: Tensor): (Tensor | null)[] {
  const leaves = inputs.map((t) => (t ? t.detach().requiresGrad_(t.requiresGrad) : null));
  const dyL = dy.detach().requiresGrad_(dy.requiresGrad);
  const wantIdx = inputs.map((t, i) => (t?.requiresGrad ? i : -1)).filter((i) => i >= 0);
  const wanted = wantIdx.map((i) => leaves[i]!);
  const [flat, parts] = enableGrad(() => {
    const y = f(leaves);
    const gs = runBackward(y, dyL, { createGraph: true, retainGraph: true }, wanted) as (Tensor | null)[];
    const ps = gs.map((g, k) => g ?? zerosLike(wanted[k]));
    return [call<Tensor>('cat', [ps.map((g) => g.reshape([-1])), 0]), ps] as const;
  });
  // the node's inputs: the original tensors that need a gradient, and dy when it has a graph
  const outerIn = [...wantIdx.map((i) => inputs[i]!), ...(dy.requiresGrad ? [dy] : [])];
  const innerIn = [...wanted, ...(dy.requiresGrad ? [dyL] : [])];
  let value = flat.detach();
  if (outerIn.length && isGradEnabled())
    value = attachNode('rnn_scan_backward', outerIn, value, (dg) =>
      runBackward(flat, dg, { createGraph: isGradEnabled(), retainGraph: true }, innerIn) as (Tensor | null)[]);
  const out: (Tensor | null)[] = inputs.map(() => null);
  let at = 0;
  wantIdx.forEach((i, k) => {
    const n = parts[k].numel();
    out[i] = value.narrow(0, at, n).reshape([...parts[k].shape]);
    at += n;
  });
  return out;
}

/** Offsets of each step's rows in the packed layout. */
const offsets = (bs: number[]): number[] => { const o: number[] = []; bs.reduce((a, b) => { o.push(a); return a + b; }, 0); return o; };

/**
 * lstm_scan / gru_scan recomputed from Tensor ops, returning their output 0 in the native
 * layout: [out (N rows, packed); hN (B rows); cN (B rows, LSTM)]. gi includes b_hh for the
 * LSTM (as lstm_scan's); the GRU takes bHh apart (its n gate multiplies it by r).
 */
export function composedScan(lstm: boolean, gi: Tensor, h0: Tensor, c0: Tensor | null, wHh: Tensor, bHh: Tensor | null,
  bs: number[], reverse: boolean): Tensor {
  const T = bs.length, B = h0.shape[0], H = h0.shape[1], offs = offsets(bs), whhT = wHh.t();
  const outs = new Array<Tensor>(T), finH: Tensor[] = [], finC: Tensor[] = [];
  let h = reverse && bs[T - 1] < B ? h0.narrow(0, 0, bs[T - 1]) : h0;
  let c = c0 && reverse && bs[T - 1] < B ? c0.narrow(0, 0, bs[T - 1]) : c0;
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k, b = bs[t], rows = h.shape[0];
    if (b < rows) {  // sequences that ended keep their last state
      finH.push(h.narrow(0, b, rows - b)); h = h.narrow(0, 0, b);
      if (c) { finC.push(c.narrow(0, b, rows - b)); c = c.narrow(0, 0, b); }
    } else if (b > rows) {  // reversed: sequences that begin join from the initial state
      h = call<Tensor>('cat', [[h, h0.narrow(0, rows, b - rows)], 0]);
      if (c) c = call<Tensor>('cat', [[c, c0!.narrow(0, rows, b - rows)], 0]);
    }
    const x = gi.narrow(0, offs[t], b);
    let gh = h.matmul(whhT);
    if (lstm) {
      const a = x.add(gh);
      const i = a.narrow(1, 0, H).sigmoid(), f = a.narrow(1, H, H).sigmoid(), g = a.narrow(1, 2 * H, H).tanh(), o = a.narrow(1, 3 * H, H).sigmoid();
      c = f.mul(c!).add(i.mul(g));
      h = o.mul(c.tanh());
    } else {
      if (bHh) gh = gh.add(bHh);
      const r = x.narrow(1, 0, H).add(gh.narrow(1, 0, H)).sigmoid(), z = x.narrow(1, H, H).add(gh.narrow(1, H, H)).sigmoid();
      const n = x.narrow(1, 2 * H, H).add(r.mul(gh.narrow(1, 2 * H, H))).tanh();
      h = n.add(z.mul(h.sub(n)));
    }
    outs[t] = h;
  }
  const rowsLeft = h.shape[0];
  const hN = [h, ...finH.reverse(), ...(rowsLeft + finH.reduce((s, x) => s + x.shape[0], 0) < B ? [h0.narrow(0, rowsLeft, B - rowsLeft)] : [])];
  const parts = [...outs, ...hN];
  if (c) parts.push(c, ...finC.reverse(), ...(rowsLeft + finC.reduce((s, x) => s + x.shape[0], 0) < B ? [c0!.narrow(0, rowsLeft, B - rowsLeft)] : []));
  return call<Tensor>('cat', [parts, 0]);
}
