// Recurrent layers as torch.nn: RNN (tanh/relu), LSTM (with projSize), GRU, and their cells,
// with torch's gate order, state-dict keys and initialization, so torch weights load as is.
// Composites over myelin ops; the per-step gate math of LSTM and GRU layers is the fused
// native cell (ts/ops/rnn.ts) for float32/float64, rnnStep/lstmStep/gruStep of Tensor ops otherwise;
// without projSize a whole LSTM/GRU direction is one native scan (lstmScan, gruScan).
import { Tensor } from '../tensor';
import { empty, ones, zeros } from '../creation';
import { cat, stack } from '../functional';
import { enableGrad, isGradEnabled, noGrad } from '../autograd/engine';
import { grad } from '../autograd/index';
import { record } from '../autograd/formulas';
import { vjpGraph } from '../autograd/scan_grad';
import { Module, Parameter, tensorArg, intArg, showValue } from './module';
import { boolArg, choiceArg, optionsArg } from '../args';
import { layerDtype, type LayerDtype } from './layer_dtype';
import * as F from './functional';
import * as init from './init';
import { PackedSequence } from './rnn_utils';
import { isTracing } from '../call';
import { lstmCell, gruCell, lstmCellBackward, gruCellBackward, lstmScan, gruScan } from '../ops/rnn';
import { call } from '../call';

/** The cell type of a recurrent layer (torch's mode strings). */
export type RNNMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';
const GATES: Record<RNNMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

// ---------------------------------------------------------------- one time step
// gi = x W_ihᵀ + b_ih and gh = h W_hhᵀ + b_hh, [B, gates * H]; the step is the gate math only.

/** Elman step: h' = act(gi + gh). */
export function rnnStep(gi: Tensor, gh: Tensor, nonlinearity: 'tanh' | 'relu' = 'tanh'): Tensor {
  const a = gi.add(gh);
  return nonlinearity === 'relu' ? a.relu() : a.tanh();
}
/** LSTM step, torch's gate order i, f, g, o: c' = f c + i g, h' = o tanh(c') (before any projection). */
export function lstmStep(gi: Tensor, gh: Tensor, c: Tensor): [Tensor, Tensor] {
  const [gI, gF, gG, gO] = gi.add(gh).chunk(4, gi.ndim - 1);
  // per-gate activations: one sigmoid over all four gates and three narrows of it measured
  // 1.5x slower in backward (each narrow's gradient is a zero-filled [B, 4H])
  const i = gI.sigmoid(), f = gF.sigmoid(), g = gG.tanh(), o = gO.sigmoid();
  const c2 = f.mul(c).add(i.mul(g));
  return [o.mul(c2.tanh()), c2];
}
/** GRU step, torch's gate order r, z, n: n = tanh(gi_n + r (W_hn h + b_hn)), h' = (1 - z) n + z h. */
export function gruStep(gi: Tensor, gh: Tensor, h: Tensor): Tensor {
  const H = h.shape[h.ndim - 1], d = gi.ndim - 1;
  const rz = gi.narrow(d, 0, 2 * H).add(gh.narrow(d, 0, 2 * H)).sigmoid();
  const r = rz.narrow(d, 0, H), z = rz.narrow(d, H, H);
  const n = gi.narrow(d, 2 * H, H).add(r.mul(gh.narrow(d, 2 * H, H))).tanh();
  return n.add(z.mul(h.sub(n)));
}
// MYELIN_RNN_COMPOSED=1 keeps the Tensor-op steps everywhere (to measure the fused cells against them)
const COMPOSED = typeof process !== 'undefined' && process.env.MYELIN_RNN_COMPOSED === '1';
/** The fused native cells take float32 and float64; other dtypes (float16, bfloat16) run the Tensor-op steps. */
const fusable = (t: Tensor): boolean => !COMPOSED && (t.dtype === 'float32' || t.dtype === 'float64');
// MYELIN_RNN_SCAN=0 runs the fused cells one JS step at a time instead of the native whole-layer scan (the before of the scan)
const SCAN = typeof process === 'undefined' || process.env.MYELIN_RNN_SCAN !== '0';
function cellStep(mode: RNNMode, gi: Tensor, gh: Tensor, h: Tensor, c: Tensor | null, composed = false): [Tensor, Tensor | null] {
  switch (mode) {
    case 'LSTM': return fusable(gi) && !composed ? lstmCell(gi, gh, c!) : lstmStep(gi, gh, c!);
    case 'GRU': return [fusable(gi) && !composed ? gruCell(gi, gh, h) : gruStep(gi, gh, h), null];
    default: return [rnnStep(gi, gh, mode === 'RNN_RELU' ? 'relu' : 'tanh'), null];
  }
}

// ---------------------------------------------------------------- one layer, one direction
/** The weights of one layer and direction (torch's weight_ih_lK, weight_hh_lK, ...). */
export interface DirWeights { wIh: Tensor; wHh: Tensor; bIh: Tensor | null; bHh: Tensor | null; wHr: Tensor | null }

interface Loop { outs: Tensor[]; h: Tensor; c: Tensor | null; ghs: Tensor[]; hPrev: Tensor[]; hPre: Tensor[]; hProj: Tensor[] }

/**
 * The recurrence over packed steps: step t runs rows [0, bs[t]) (bs non-increasing). Forward,
 * a sequence that ends leaves its final state behind as the batch shrinks; reversed, the
 * batch grows from the initial state's rows as sequences begin.
 */
/** The rows of a packed batch at a step that runs `b` sequences: rows whose sequence ended
 * leave (their last state goes to finH/finC), rows whose sequence starts join from h0/c0. */
function stepRows(h: Tensor, c: Tensor | null, b: number, h0: Tensor, c0: Tensor | null, finH: Tensor[], finC: Tensor[]): [Tensor, Tensor | null] {
  const rows = h.shape[0];
  if (b < rows) {
    finH.push(h.narrow(0, b, rows - b)); h = h.narrow(0, 0, b);
    if (c) { finC.push(c.narrow(0, b, rows - b)); c = c.narrow(0, 0, b); }
  } else if (b > rows) {
    h = cat([h, h0.narrow(0, rows, b - rows)], 0);
    if (c) c = cat([c, c0!.narrow(0, rows, b - rows)], 0);
  }
  return [h, c];
}

function loop(mode: RNNMode, gis: Tensor[], bs: number[], h0: Tensor, c0: Tensor | null,
  whhT: Tensor, bHh: Tensor | null, whrT: Tensor | null, reverse: boolean, composed = false): Loop {
  const T = bs.length, B = h0.shape[0];
  const r: Loop = { outs: new Array<Tensor>(T), h: h0, c: c0, ghs: [], hPrev: [], hPre: [], hProj: [] };
  const finH: Tensor[] = [], finC: Tensor[] = [];
  let h = reverse && bs[T - 1] < B ? h0.narrow(0, 0, bs[T - 1]) : h0;
  let c = c0 && reverse && bs[T - 1] < B ? c0.narrow(0, 0, bs[T - 1]) : c0;
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    [h, c] = stepRows(h, c, bs[t], h0, c0, finH, finC);
    r.hPrev.push(h);
    let gh = h.matmul(whhT);
    if (bHh) gh = gh.add(bHh);
    r.ghs.push(gh);
    let [hn, cn] = cellStep(mode, gis[t], gh, h, c, composed);
    if (whrT) { r.hPre.push(hn); hn = hn.matmul(whrT); r.hProj.push(hn); }
    h = hn; c = cn;
    r.outs[t] = h;
  }
  // finished rows were cut from the end, longest-lasting last: reversed they follow the survivors
  r.h = finH.length ? cat([h, ...finH.reverse()], 0) : h;
  r.c = c && finC.length ? cat([c, ...finC.reverse()], 0) : c;
  return r;
}

interface Scan { out: Tensor; h: Tensor; c: Tensor | null }

/** Whether a direction runs as one native scan: LSTM and GRU without a projection, float32/64, not under a jit trace (ONNX export unrolls the per-step cells). */
const nativeScan = (mode: RNNMode, x: Tensor, w: DirWeights): boolean =>
  SCAN && (mode === 'LSTM' || mode === 'GRU') && fusable(x) && !w.wHr && !isTracing();

/**
 * Every step's input projection in one GEMM. For a native scan the biases ride in the GEMM as
 * one more input column of ones (b_ih, plus b_hh for the LSTM, whose gates add it unchanged):
 * two adds over [N, gates * H] forward and their two row sums backward become one column of
 * the GEMMs (the char-lm's gi is [2048, 1024]). `ones` is that column, shared by the directions.
 */
function project(mode: RNNMode, x: Tensor, w: DirWeights, xOnes: () => Tensor): Tensor {
  if (!nativeScan(mode, x, w) || !w.bIh) {
    let gi = x.matmul(w.wIh.t());
    if (w.bIh) gi = gi.add(w.bIh);
    return mode === 'LSTM' && w.bHh && nativeScan(mode, x, w) ? gi.add(w.bHh) : gi;
  }
  const b = mode === 'LSTM' && w.bHh ? w.bIh.add(w.bHh) : w.bIh;
  return xOnes().matmul(cat([w.wIh, b.unsqueeze(1)], 1).t());
}

/**
 * A recorded scan's gradients under createGraph (double backward): the direction rerun in
 * Tensor ops from its saved inputs [giAll, h0, c0, wHh, bHh, wHr] and differentiated as a
 * graph (autograd/scan_grad.ts), one gradient per non-null input, as record() wants them.
 */
function scanGradGraph(mode: RNNMode, bs: number[], reverse: boolean, inputs: (Tensor | null)[], dy: Tensor): (Tensor | null)[] {
  const offs: number[] = [];
  bs.reduce((o, b) => { offs.push(o); return o + b; }, 0);
  const g = vjpGraph(([gi, h0, c0, wHh, bHh, wHr]) => {
    const r = loop(mode, bs.map((b, t) => gi!.narrow(0, offs[t], b)), bs, h0!, c0, wHh!.t(), bHh, wHr ? wHr.t() : null, reverse, true);
    return cat([...r.outs, r.h, ...(r.c ? [r.c] : [])].map((p) => p.reshape([-1])), 0);
  }, inputs, dy);
  return inputs.map((t, i) => (t === null ? undefined : g[i])).filter((x): x is Tensor | null => x !== undefined);
}

/**
 * One layer and direction over the input projection giAll [N, gates * H] (all steps, one GEMM).
 * With gradients it records ONE node (cuDNN's shape): the steps run as an inner graph whose
 * per-step inputs are leaves, so backward hands giAll its gradient as one cat (a narrow per
 * step would cost a zero-filled [N, gates * H] gradient each), and W_hh's (and W_hr's)
 * gradient is one GEMM over all steps instead of one accumulation per step.
 */
function scan(mode: RNNMode, giAll: Tensor, bs: number[], h0: Tensor, c0: Tensor | null, w: DirWeights, reverse: boolean): Scan {
  const offs: number[] = [];
  bs.reduce((o, b) => { offs.push(o); return o + b; }, 0);
  // LSTM and GRU without a projection: the whole direction is one native scan (and one
  // native backward), with no JS call per step; a jit trace keeps the per-step cells, which
  // ONNX export unrolls (lstm_scan has no ONNX emitter)
  if (nativeScan(mode, giAll, w)) {
    if (mode === 'GRU') { const [out, h] = gruScan(giAll, h0, w.wHh, w.bHh, bs, reverse); return { out, h, c: null }; }
    // LSTM gates are gi + gh with no product between them: b_hh is already in gi (rnnForward folds it into the projection)
    const [out, h, c] = lstmScan(giAll, h0, c0!, w.wHh, bs, reverse);
    return { out, h, c };
  }
  const inputs = [giAll, h0, c0, w.wHh, w.bHh, w.wHr];
  if (!isGradEnabled() || !inputs.some((t) => t?.requiresGrad)) {
    const r = loop(mode, bs.map((b, t) => giAll.narrow(0, offs[t], b)), bs, h0, c0, w.wHh.t(), w.bHh, w.wHr?.t() ?? null, reverse);
    return { out: cat(r.outs, 0), h: r.h, c: r.c };
  }
  if ((mode === 'LSTM' || mode === 'GRU') && fusable(giAll)) return fusedScan(mode, giAll, bs, offs, h0, c0, w, reverse, inputs);
  const giD = giAll.detach();
  const leaves = bs.map((b, t) => giD.narrow(0, offs[t], b).requiresGrad_());
  const h0L = h0.detach().requiresGrad_(), c0L = c0 ? c0.detach().requiresGrad_() : null;
  const whhT = w.wHh.detach().t(), bHh = w.bHh ? w.bHh.detach() : null, whrT = w.wHr ? w.wHr.detach().t() : null;
  const r = enableGrad(() => loop(mode, leaves, bs, h0L, c0L, whhT, bHh, whrT, reverse));
  const out = cat(r.outs, 0);
  const parts = [out, r.h, ...(r.c ? [r.c] : [])];
  const yIn = enableGrad(() => cat(parts.map((p) => p.reshape([-1])), 0));
  const used = inputs.filter((t): t is Tensor => t !== null);
  const y = record(`rnn_scan_${mode.toLowerCase()}`, used, yIn.detach(), (dy) => {
    if (isGradEnabled()) return scanGradGraph(mode, bs, reverse, inputs, dy);
    const wants = [...leaves, h0L, ...(c0L ? [c0L] : []), ...r.ghs, ...r.hProj];
    const gs = grad([yIn], wants, { gradOutputs: [dy], allowUnused: true });
    const T = bs.length, or0 = (g: Tensor | null, like: Tensor) => g ?? zeros([...like.shape], { dtype: like.dtype });
    const dGi = cat(leaves.map((l, t) => or0(gs[t], l)), 0);
    const dh0 = or0(gs[T], h0L), dc0 = c0L ? or0(gs[T + 1], c0L) : null;
    const k = T + (c0L ? 2 : 1);
    const dGh = cat(r.ghs.map((g, i) => or0(gs[k + i], g)), 0);
    // the weight gradients as one GEMM each over all steps (rows in execution order on both sides)
    const dWhh = dGh.t().matmul(cat(r.hPrev, 0));
    const dbHh = w.bHh ? dGh.sum(0) : null;
    const dWhr = w.wHr ? cat(r.hProj.map((p, i) => or0(gs[k + T + i], p)), 0).t().matmul(cat(r.hPre, 0)) : null;
    const all = [dGi, dh0, dc0, dWhh, dbHh, dWhr];
    return inputs.map((t, i) => (t === null ? undefined : all[i])).filter((g) => g !== undefined);
  });
  let at = 0;
  const [outN, hN, cN] = parts.map((p) => { const v = y.narrow(0, at, p.numel()).reshape([...p.shape]); at += p.numel(); return v; });
  return { out: outN, h: hN, c: r.c ? cN : null };
}

/**
 * scan's recorded node for LSTM and GRU over the fused cells: forward keeps each step's native
 * workspace (activated gates), and backward walks the steps in reverse with
 * lstm_cell_backward / gru_cell_backward, the recurrent gradient dh_prev = dgates W_hh one GEMM
 * per step, and the weight gradients one GEMM each over all steps, as the composed path.
 * Under createGraph its gradients are a graph (scanGradGraph), so double backward is exact.
 */
function fusedScan(mode: 'LSTM' | 'GRU', giAll: Tensor, bs: number[], offs: number[], h0: Tensor, c0: Tensor | null,
  w: DirWeights, reverse: boolean, inputs: (Tensor | null)[]): Scan {
  const T = bs.length, B = h0.shape[0], lstm = mode === 'LSTM';
  const whh = w.wHh.detach(), whhT = whh.t(), bHh = w.bHh ? w.bHh.detach() : null;
  const whr = w.wHr ? w.wHr.detach() : null, whrT = whr ? whr.t() : null;
  // per step in execution order: its t, the state rows it read, what it wrote, its workspace
  const order: number[] = [], hPrev: Tensor[] = [], cPrev: Tensor[] = [], cNew: Tensor[] = [], ws: Tensor[] = [], hPre: Tensor[] = [];
  const outs = new Array<Tensor>(T), finH: Tensor[] = [], finC: Tensor[] = [];
  let hF: Tensor, cF: Tensor | null;
  noGrad(() => {
    // LSTM gates are gi + gh with no product between them, so b_hh joins gi once for all steps
    // (one add over [N, 4H]) instead of once per step; GRU's n gate multiplies it by r, so not there
    const g0 = lstm && bHh ? giAll.detach().add(bHh) : giAll.detach(), h00 = h0.detach(), c00 = c0 ? c0.detach() : null;
    let h = reverse && bs[T - 1] < B ? h00.narrow(0, 0, bs[T - 1]) : h00;
    let c = c00 && reverse && bs[T - 1] < B ? c00.narrow(0, 0, bs[T - 1]) : c00;
    for (let k = 0; k < T; k++) {
      const t = reverse ? T - 1 - k : k, b = bs[t];
      [h, c] = stepRows(h, c, b, h00, c00, finH, finC);
      order.push(t); hPrev.push(h);
      let gh = h.matmul(whhT);
      if (bHh && !lstm) gh = gh.add(bHh);
      const gi = g0.narrow(0, offs[t], b);
      let hn: Tensor;
      if (lstm) {
        const [hc, cn, wk] = call<Tensor[]>('lstm_cell', [gi, gh, c]);
        cPrev.push(c!); cNew.push(cn); ws.push(wk); hn = hc; c = cn;
      } else {
        const [hg, wk] = call<Tensor[]>('gru_cell', [gi, gh, h]);
        ws.push(wk); hn = hg;
      }
      if (whrT) { hPre.push(hn); hn = hn.matmul(whrT); }
      h = hn;
      outs[t] = h;
    }
    hF = finH.length ? cat([h, ...finH.reverse()], 0) : h;
    cF = c && finC.length ? cat([c, ...finC.reverse()], 0) : c;
  });
  // the steps' outputs go straight into the one flat tensor the autograd node returns (no
  // intermediate cat of the outputs, copied again into it)
  const out = { shape: [offs[T - 1] + bs[T - 1], outs[0].shape[1]], numel: () => (offs[T - 1] + bs[T - 1]) * outs[0].shape[1] };
  const parts = [out, hF!, ...(cF! ? [cF!] : [])];
  const yIn = cat([...outs, hF!, ...(cF! ? [cF!] : [])].map((p) => p.reshape([-1])), 0);
  const used = inputs.filter((t): t is Tensor => t !== null);
  const y = record(`rnn_scan_${mode.toLowerCase()}`, used, yIn, (dy) => isGradEnabled() ? scanGradGraph(mode, bs, reverse, inputs, dy) : noGrad(() => {
    const N = out.shape[0], Hout = out.shape[1];
    const dOut = dy.narrow(0, 0, N * Hout).reshape([N, Hout]);
    // the state's gradient over all B rows: a step rewrites the rows it ran, the others wait
    // for the step they (re)join (forward: rows that ended earlier; reversed: rows not yet begun)
    let dH = dy.narrow(0, N * Hout, B * Hout).reshape([B, Hout]);
    let dC = lstm ? dy.narrow(0, (N + B) * Hout, B * cF!.shape[1]).reshape([B, cF!.shape[1]]) : null;
    const put = (full: Tensor, rows: Tensor): Tensor => (rows.shape[0] === B ? rows : cat([rows, full.narrow(0, rows.shape[0], B - rows.shape[0])], 0));
    const dGi = new Array<Tensor>(T), dGh = new Array<Tensor>(T), dProj = new Array<Tensor>(T);
    for (let k = T - 1; k >= 0; k--) {
      const t = order[k], b = bs[t];
      let dh = dH.narrow(0, 0, b).add(dOut.narrow(0, offs[t], b));
      if (whr) { dProj[k] = dh; dh = dh.matmul(whr); }
      if (lstm) {
        const [dg, dcp] = lstmCellBackward(dh, dC!.narrow(0, 0, b), cPrev[k], cNew[k], ws[k]);
        dGi[t] = dg; dGh[k] = dg;
        dH = put(dH, dg.matmul(whh)); dC = put(dC!, dcp);
      } else {
        const [dxg, dhg, dhp] = gruCellBackward(dh, ws[k]);
        dGi[t] = dxg; dGh[k] = dhg;
        dH = put(dH, dhp.add(dhg.matmul(whh)));
      }
    }
    // the weight gradients as one GEMM each over all steps (rows in execution order on both sides)
    const dGiAll = cat(dGi, 0);
    // an LSTM step's gate gradient is both dGi[t] and dGh[k]: in forward order (t = k) the two
    // cats are the same rows, so one serves both
    const dGhAll = lstm && !reverse ? dGiAll : cat(dGh, 0);
    const all = [dGiAll, dH, dC, dGhAll.t().matmul(cat(hPrev, 0)), w.bHh ? dGhAll.sum(0) : null,
      whr ? cat(dProj, 0).t().matmul(cat(hPre, 0)) : null];
    return inputs.map((t, i) => (t === null ? undefined : all[i])).filter((g) => g !== undefined);
  }));
  let at = 0;
  const [outN, hN, cN] = parts.map((p) => { const v = y.narrow(0, at, p.numel()).reshape([...p.shape]); at += p.numel(); return v; });
  return { out: outN, h: hN, c: lstm ? cN : null };
}

/**
 * The stacked, optionally bidirectional recurrence over packed data [N, in] whose step t holds
 * bs[t] rows; hx [L * D, B, Hout] (and cx for the LSTM). The input projection of every step is
 * one GEMM per layer and direction; dropout goes between layers, not after the last.
 */
export function rnnForward(mode: RNNMode, data: Tensor, bs: number[], hx: Tensor, cx: Tensor | null,
  weights: DirWeights[][], dropout = 0, training = false): { out: Tensor; h: Tensor; c: Tensor | null } {
  const D = weights[0].length, hs: Tensor[] = [], cs: Tensor[] = [];
  let x = data;
  weights.forEach((layer, l) => {
    let xo: Tensor | null = null;
    const xIn = x, xOnes = () => (xo ??= cat([xIn, ones([xIn.shape[0], 1], { dtype: xIn.dtype })], 1));
    const outs = layer.map((w, d) => {
      const gi = project(mode, x, w, xOnes);
      const r = scan(mode, gi, bs, hx.select(0, l * D + d), cx ? cx.select(0, l * D + d) : null, w, d === 1);
      hs.push(r.h);
      if (r.c) cs.push(r.c);
      return r.out;
    });
    x = outs.length === 1 ? outs[0] : cat(outs, 1);
    if (dropout > 0 && training && l < weights.length - 1) x = F.dropout(x, dropout, true);
  });
  return { out: x, h: stack(hs, 0), c: cs.length ? stack(cs, 0) : null };
}

// ---------------------------------------------------------------- the layers
/** Options of RNN, LSTM and GRU (torch's keyword arguments in camelCase). */
export interface RNNOptions extends LayerDtype {
  numLayers?: number; bias?: boolean; batchFirst?: boolean; dropout?: number; bidirectional?: boolean;
}

/** What RNN, LSTM and GRU share: parameters named as torch's, checks, and the packed/padded plumbing. */
export abstract class RNNBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;
  constructor(readonly mode: RNNMode, readonly inputSize: number, readonly hiddenSize: number, opts: RNNOptions & { projSize?: number } = {}) {
    super();
    const name = new.target.name;
    const o = optionsArg(name, opts);
    intArg(name, 'inputSize', inputSize);
    intArg(name, 'hiddenSize', hiddenSize, 1);
    this.numLayers = intArg(name, 'numLayers', o.numLayers ?? 1, 1);
    this.bias = boolArg(name, 'bias', o.bias ?? true);
    this.batchFirst = boolArg(name, 'batchFirst', o.batchFirst ?? false);
    this.bidirectional = boolArg(name, 'bidirectional', o.bidirectional ?? false);
    const p = o.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new Error(`${name}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${showValue(p)}`);
    this.dropout = p;
    this.projSize = intArg(name, 'projSize', o.projSize ?? 0);
    if (this.projSize > 0 && mode !== 'LSTM') throw new Error(`${name}: projSize is only supported by LSTM, got ${this.projSize}`);
    if (this.projSize >= hiddenSize) throw new Error(`${name}: projSize has to be smaller than hiddenSize (${hiddenSize}), got ${this.projSize}`);
    const dtype = layerDtype(name, o), G = GATES[mode] * hiddenSize, Hout = this.projSize || hiddenSize, D = this.bidirectional ? 2 : 1;
    const mk = (...shape: number[]) => new Parameter(empty(shape, { dtype }));
    for (let l = 0; l < this.numLayers; l++)
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`, inF = l === 0 ? inputSize : Hout * D;
        this.registerParameter(`weight_ih${sfx}`, mk(G, inF));
        this.registerParameter(`weight_hh${sfx}`, mk(G, Hout));
        if (this.bias) { this.registerParameter(`bias_ih${sfx}`, mk(G)); this.registerParameter(`bias_hh${sfx}`, mk(G)); }
        if (this.projSize) this.registerParameter(`weight_hr${sfx}`, mk(this.projSize, hiddenSize));
      }
    this.resetParameters();
  }
  /** Every weight and bias from U(-1/√hiddenSize, 1/√hiddenSize), as torch. */
  resetParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -k, k);
  }
  /** The weights as [layer][direction]. */
  allWeights(): DirWeights[][] {
    const me = this as unknown as Record<string, Parameter | undefined>;
    return Array.from({ length: this.numLayers }, (_, l) => Array.from({ length: this.bidirectional ? 2 : 1 }, (_2, d) => {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      return { wIh: me[`weight_ih${sfx}`]!, wHh: me[`weight_hh${sfx}`]!, bIh: me[`bias_ih${sfx}`] ?? null, bHh: me[`bias_hh${sfx}`] ?? null, wHr: me[`weight_hr${sfx}`] ?? null };
    }));
  }
  /** Runs the layer; hx and cx in the caller's batch order. Returns output, hN and cN in that order. */
  protected run(input: unknown, hx: unknown, cx: unknown): [Tensor | PackedSequence, Tensor, Tensor | null] {
    const name = this.constructor.name, D = this.bidirectional ? 2 : 1, Hout = this.projSize || this.hiddenSize;
    const wdt = this.allWeights()[0][0].wIh.dtype;
    let data: Tensor, bs: number[], unbatched = false, T = 0, B: number;
    const packed = input instanceof PackedSequence ? input : null;
    if (packed) {
      data = tensorArg(name, 'input.data', packed.data);
      if (data.ndim !== 2) throw new Error(`${name}: packed input data must be 2-D [steps, features], got [${data.shape.join(', ')}]`);
      bs = packed.batchSizeList();
      B = bs[0];
    } else {
      let x = tensorArg(name, 'input', input);
      if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`${name}: expected input to be 2-D (unbatched) or 3-D, got ${x.ndim}-D input [${x.shape.join(', ')}]`);
      unbatched = x.ndim === 2;
      x = unbatched ? x.unsqueeze(1) : this.batchFirst ? x.transpose(0, 1) : x;
      [T, B] = x.shape;
      if (T === 0 || B === 0) throw new Error(`${name}: input [${input instanceof Tensor ? input.shape.join(', ') : ''}] is empty: a sequence needs at least one step and one batch entry`);
      data = x.reshape([T * B, x.shape[2]]);
      bs = new Array<number>(T).fill(B);
    }
    if (data.shape[1] !== this.inputSize) throw new Error(`${name}: input.size(-1) must be equal to inputSize. Expected ${this.inputSize}, got ${data.shape[1]}`);
    if (data.dtype !== wdt) throw new Error(`${name}: input is ${data.dtype} but the layer's weights are ${wdt} (convert one with .to())`);
    const state = (what: string, v: unknown, H: number): Tensor => {
      const want = unbatched ? [this.numLayers * D, H] : [this.numLayers * D, B, H];
      if (v === undefined || v === null) return zeros([this.numLayers * D, B, H], { dtype: wdt });
      const t = tensorArg(name, what, v);
      if (t.shape.join(',') !== want.join(',')) throw new Error(`${name}: expected ${what} size [${want.join(', ')}], got [${t.shape.join(', ')}]`);
      if (t.dtype !== wdt) throw new Error(`${name}: ${what} is ${t.dtype} but the layer's weights are ${wdt}`);
      const s = unbatched ? t.unsqueeze(1) : t;
      return packed?.sortedIndices ? s.indexSelect(1, packed.sortedIndices) : s;
    };
    const h0 = state('hx', hx, Hout), c0 = this.mode === 'LSTM' ? state('cx', cx, this.hiddenSize) : null;
    const r = rnnForward(this.mode, data, bs, h0, c0, this.allWeights(), this.dropout, this.training);
    let h = r.h, c = r.c;
    if (packed) {
      if (packed.unsortedIndices) { h = h.indexSelect(1, packed.unsortedIndices); c = c && c.indexSelect(1, packed.unsortedIndices); }
      return [new PackedSequence(r.out, packed.batchSizes, packed.sortedIndices, packed.unsortedIndices), h, c];
    }
    let out = r.out.reshape([T, B, D * Hout]);
    if (unbatched) return [out.squeeze(1), h.squeeze(1), c && c.squeeze(1)];
    if (this.batchFirst) out = out.transpose(0, 1);
    return [out, h, c];
  }
  extraRepr(): string {
    const s = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.projSize) s.push(`proj_size=${this.projSize}`);
    if (this.numLayers !== 1) s.push(`num_layers=${this.numLayers}`);
    if (!this.bias) s.push('bias=False');
    if (this.batchFirst) s.push('batch_first=True');
    if (this.dropout) s.push(`dropout=${this.dropout}`);
    if (this.bidirectional) s.push('bidirectional=True');
    return s.join(', ');
  }
}

/**
 * Elman RNN, h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), act tanh or relu.
 * Input [T, B, in] ([B, T, in] with batchFirst, [T, in] unbatched) or a PackedSequence.
 * ```ts
 * const rnn = new nn.RNN(10, 20, { numLayers: 2 });
 * const [out, hN] = rnn.forward(randn(5, 3, 10));   // out [5, 3, 20], hN [2, 3, 20]
 * ```
 */
export class RNN extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions & { nonlinearity?: 'tanh' | 'relu' } = {}) {
    const nl = choiceArg('RNN', 'nonlinearity', optionsArg('RNN', opts).nonlinearity ?? 'tanh', ['tanh', 'relu'] as const);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, opts);
  }
  get nonlinearity(): 'tanh' | 'relu' { return this.mode === 'RNN_RELU' ? 'relu' : 'tanh'; }
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, hx?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    const [out, h] = this.run(input, hx, null);
    return [out, h];
  }
  extraRepr(): string { return super.extraRepr() + (this.mode === 'RNN_RELU' ? ", nonlinearity='relu'" : ''); }
}

/**
 * LSTM (gates i, f, g, o); with projSize the hidden state is projected by weight_hr.
 * ```ts
 * const lstm = new nn.LSTM(10, 20, { batchFirst: true, bidirectional: true });
 * const [out, [hN, cN]] = lstm.forward(randn(3, 5, 10));   // out [3, 5, 40], hN [2, 3, 20]
 * ```
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions & { projSize?: number } = {}) { super('LSTM', inputSize, hiddenSize, opts); }
  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  forward(input: PackedSequence, hx?: [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  forward(input: Tensor | PackedSequence, hx?: [Tensor, Tensor] | null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    let h: unknown, c: unknown;
    if (hx !== undefined && hx !== null) {
      if (!Array.isArray(hx) || hx.length !== 2) throw new Error(`LSTM: hx must be a pair [h0, c0] of tensors, got ${Array.isArray(hx) ? `${hx.length} entries` : showValue(hx)}`);
      [h, c] = hx;
    }
    const [out, hN, cN] = this.run(input, h, c);
    return [out, [hN, cN!]];
  }
}

/**
 * GRU (gates r, z, n), n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h.
 * ```ts
 * const gru = new nn.GRU(10, 20);
 * const [out, hN] = gru.forward(randn(5, 3, 10));
 * ```
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) { super('GRU', inputSize, hiddenSize, opts); }
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, hx?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    const [out, h] = this.run(input, hx, null);
    return [out, h];
  }
}

// ---------------------------------------------------------------- cells
/** What the cells share: weight_ih [G*H, in], weight_hh [G*H, H], biases, torch's init and checks. */
export abstract class RNNCellBase extends Module {
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;
  constructor(readonly mode: RNNMode, readonly inputSize: number, readonly hiddenSize: number, opts: { bias?: boolean } & LayerDtype = {}) {
    super();
    const name = new.target.name, o = optionsArg(name, opts);
    intArg(name, 'inputSize', inputSize);
    intArg(name, 'hiddenSize', hiddenSize, 1);
    const dtype = layerDtype(name, o), G = GATES[mode] * hiddenSize, bias = boolArg(name, 'bias', o.bias ?? true);
    const mk = (...shape: number[]) => new Parameter(empty(shape, { dtype }));
    this.weight_ih = mk(G, inputSize);
    this.weight_hh = mk(G, hiddenSize);
    this.bias_ih = bias ? mk(G) : null;
    this.bias_hh = bias ? mk(G) : null;
    this.resetParameters();
  }
  resetParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -k, k);
  }
  /** input [B, in] or [in], a state [B, H] or [H] (zeros when absent): [x, states, batched]. */
  protected prep(input: unknown, states: unknown[]): [Tensor, Tensor[], boolean] {
    const name = this.constructor.name;
    const x = tensorArg(name, 'input', input);
    if (x.ndim !== 1 && x.ndim !== 2) throw new Error(`${name}: expected input to be 1-D or 2-D, got ${x.ndim}-D input [${x.shape.join(', ')}]`);
    if (x.shape[x.ndim - 1] !== this.inputSize) throw new Error(`${name}: input has inconsistent input_size: got ${x.shape[x.ndim - 1]} expected ${this.inputSize}`);
    if (x.dtype !== this.weight_ih.dtype) throw new Error(`${name}: input is ${x.dtype} but the cell's weights are ${this.weight_ih.dtype}`);
    const batched = x.ndim === 2, xb = batched ? x : x.unsqueeze(0), B = xb.shape[0];
    const hs = states.map((s, i) => {
      const what = states.length === 2 ? ['hx', 'cx'][i] : 'hx';
      if (s === undefined || s === null) return zeros([B, this.hiddenSize], { dtype: x.dtype });
      const t = tensorArg(name, what, s);
      const want = batched ? [B, this.hiddenSize] : [this.hiddenSize];
      if (t.shape.join(',') !== want.join(',')) throw new Error(`${name}: expected ${what} size [${want.join(', ')}], got [${t.shape.join(', ')}]`);
      return batched ? t : t.unsqueeze(0);
    });
    return [xb, hs, batched];
  }
  protected gates(x: Tensor, h: Tensor): [Tensor, Tensor] {
    let gi = x.matmul(this.weight_ih.t()), gh = h.matmul(this.weight_hh.t());
    if (this.bias_ih) gi = gi.add(this.bias_ih);
    if (this.bias_hh) gh = gh.add(this.bias_hh);
    return [gi, gh];
  }
  extraRepr(): string { return `${this.inputSize}, ${this.hiddenSize}${this.bias_ih ? '' : ', bias=False'}`; }
}

/**
 * One Elman step: h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh).
 * ```ts
 * const cell = new nn.RNNCell(10, 20);
 * const h = cell.forward(randn(3, 10));   // [3, 20]
 * ```
 */
export class RNNCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean; nonlinearity?: 'tanh' | 'relu' } & LayerDtype = {}) {
    const nl = choiceArg('RNNCell', 'nonlinearity', optionsArg('RNNCell', opts).nonlinearity ?? 'tanh', ['tanh', 'relu'] as const);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const [x, [h], batched] = this.prep(input, [hx]);
    const y = rnnStep(...this.gates(x, h), this.mode === 'RNN_RELU' ? 'relu' : 'tanh');
    return batched ? y : y.squeeze(0);
  }
}
/**
 * One LSTM step: returns [h', c'].
 * ```ts
 * const cell = new nn.LSTMCell(10, 20);
 * const [h, c] = cell.forward(randn(3, 10));
 * ```
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } & LayerDtype = {}) { super('LSTM', inputSize, hiddenSize, opts); }
  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2))
      throw new Error(`LSTMCell: hx must be a pair [h, c] of tensors, got ${Array.isArray(hx) ? `${hx.length} entries` : showValue(hx)}`);
    const [x, [h, c], batched] = this.prep(input, [hx?.[0], hx?.[1]]);
    const [h2, c2] = lstmStep(...this.gates(x, h), c);
    return batched ? [h2, c2] : [h2.squeeze(0), c2.squeeze(0)];
  }
}
/**
 * One GRU step.
 * ```ts
 * const cell = new nn.GRUCell(10, 20);
 * const h = cell.forward(randn(3, 10));
 * ```
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } & LayerDtype = {}) { super('GRU', inputSize, hiddenSize, opts); }
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const [x, [h], batched] = this.prep(input, [hx]);
    const y = gruStep(...this.gates(x, h), h);
    return batched ? y : y.squeeze(0);
  }
}
