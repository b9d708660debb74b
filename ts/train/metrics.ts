// Metrics for fit/evaluate: each a small accumulator (reset, update per batch, compute per
// epoch) read back to JS numbers, so epoch-level values (F1, R²) are exact and not batch means.
// The kind of target is read from the shapes, and a pair that cannot match is a named Error.
import type { Tensor } from '../tensor';
import { noGrad } from '../autograd/engine';
import { showValue, tensorArg } from '../args';

/** A streaming metric: fit calls reset() per epoch, update() per batch, compute() at the epoch's end. */
export interface Metric {
  readonly name: string;
  reset(): void;
  update(out: Tensor, y: Tensor): void;
  compute(): number;
}
export type Average = 'macro' | 'micro' | 'binary';

const shapeOf = (t: Tensor) => `[${t.shape.join(', ')}]`;
const values = (t: Tensor): number[] => noGrad(() => Array.from(t.contiguous().data() as ArrayLike<number | bigint>, Number));

/** How outputs and targets pair up, from their shapes. */
type Kind = { kind: 'index'; classes: number } | { kind: 'onehot'; classes: number } | { kind: 'binary' };
function kindOf(op: string, out: Tensor, y: Tensor): Kind {
  tensorArg(op, 'output', out);
  tensorArg(op, 'target', y);
  const [o, t] = [out.shape, y.shape];
  if (o.length === 0 || o[0] !== t[0])
    throw new Error(`${op}: outputs ${shapeOf(out)} and targets ${shapeOf(y)} must have the same batch size`);
  if (o.length === 2 && o[1] > 1 && t.length === 1) {
    if (y.isFloatingPoint()) throw new Error(`${op}: class-index targets must be integers, got dtype ${y.dtype} for outputs ${shapeOf(out)} and targets ${shapeOf(y)} (one-hot targets are [N, C])`);
    return { kind: 'index', classes: o[1] };
  }
  if (o.length === 2 && o[1] > 1 && t.length === 2 && t[1] === o[1]) return { kind: 'onehot', classes: o[1] };
  const flat = (s: readonly number[]) => s.length === 1 || (s.length === 2 && s[1] === 1);
  if (flat(o) && flat(t)) return { kind: 'binary' };
  throw new Error(`${op}: outputs ${shapeOf(out)} and targets ${shapeOf(y)} cannot match: expected [N, C] scores with [N] class indices or [N, C] one-hot targets, or [N] / [N, 1] sigmoid outputs with 0/1 targets`);
}

/** Predicted and true class per row (binary: threshold on the probability, or on the logit when logits). */
function classes(op: string, out: Tensor, y: Tensor, o: { threshold?: number; logits?: boolean }): { pred: number[]; truth: number[]; classes: number } {
  const k = kindOf(op, out, y);
  if (k.kind === 'binary') {
    const p = values(out), t = values(y);
    const thr = o.threshold ?? (o.logits ? 0 : 0.5);
    if (!o.logits && o.threshold === undefined) {
      const bad = p.find((v) => !(v >= 0 && v <= 1));
      // a logit read as a probability would be scored at the wrong threshold: say so, never guess
      if (bad !== undefined) throw new Error(`${op}: binary outputs must be probabilities in [0, 1] (a sigmoid's), got ${bad}; pass { logits: true } for raw scores`);
    }
    const badT = t.find((v) => v !== 0 && v !== 1);
    if (badT !== undefined) throw new Error(`${op}: binary targets must be 0 or 1, got ${badT}`);
    return { pred: p.map((v) => (v >= thr ? 1 : 0)), truth: t, classes: 2 };
  }
  const argmax = (a: number[], c: number): number[] => {
    const r: number[] = [];
    for (let i = 0; i < a.length; i += c) { let b = 0; for (let j = 1; j < c; j++) if (a[i + j] > a[i + b]) b = j; r.push(b); }
    return r;
  };
  const pred = argmax(values(out), k.classes);
  let truth: number[];
  if (k.kind === 'index') {
    truth = values(y);
    const bad = truth.find((v) => !Number.isInteger(v) || v < 0 || v >= k.classes);
    if (bad !== undefined) throw new Error(`${op}: a class index target is ${bad}, outside [0, ${k.classes}) for outputs ${shapeOf(out)}`);
  } else truth = argmax(values(y), k.classes);
  return { pred, truth, classes: k.classes };
}

const checkK = (op: string, k: unknown): number => {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new Error(`${op}: k must be a positive integer, got ${showValue(k)}`);
  return k;
};

/**
 * Accuracy for class indices ([N, C] scores, [N] int targets), one-hot targets ([N, C]) and
 * binary outputs ([N] or [N, 1] sigmoid probabilities, or logits with `{ logits: true }`).
 * ```ts
 * const acc = new Accuracy(); acc.update(model.forward(x), y); acc.compute();  // 0.97
 * ```
 */
export class Accuracy implements Metric {
  readonly name: string = 'acc';
  private hits = 0; private n = 0;
  constructor(readonly o: { threshold?: number; logits?: boolean } = {}) {}
  reset(): void { this.hits = 0; this.n = 0; }
  update(out: Tensor, y: Tensor): void {
    const { pred, truth } = classes('Accuracy', out, y, this.o);
    pred.forEach((p, i) => { if (p === truth[i]) this.hits++; });
    this.n += pred.length;
  }
  compute(): number { return this.n ? this.hits / this.n : NaN; }
}

/** Top-k accuracy: the target class is among the k highest scores ([N, C] with [N] indices or one-hot). */
export class TopKAccuracy implements Metric {
  readonly name: string;
  private hits = 0; private n = 0;
  constructor(readonly k = 5) { checkK('TopKAccuracy', k); this.name = `top${k}Acc`; }
  reset(): void { this.hits = 0; this.n = 0; }
  update(out: Tensor, y: Tensor): void {
    const kd = kindOf('TopKAccuracy', out, y);
    if (kd.kind === 'binary') throw new Error(`TopKAccuracy: needs [N, C] class scores, got outputs ${shapeOf(out)}`);
    if (this.k > kd.classes) throw new Error(`TopKAccuracy: k (${this.k}) exceeds the number of classes (${kd.classes})`);
    const { truth } = classes('TopKAccuracy', out, y, {});
    const s = values(out), c = kd.classes;
    truth.forEach((t, i) => {
      // rank of the true class: scores strictly above it (ties count in its favour, as torch.topk's order may)
      let above = 0;
      for (let j = 0; j < c; j++) if (s[i * c + j] > s[i * c + t]) above++;
      if (above < this.k) this.hits++;
    });
    this.n += truth.length;
  }
  compute(): number { return this.n ? this.hits / this.n : NaN; }
}

/** A confusion matrix: rows are true classes, columns predicted (scikit-learn's layout). */
export class ConfusionMatrix {
  readonly name = 'confusionMatrix';
  matrix: number[][] = [];
  constructor(readonly o: { numClasses?: number; threshold?: number; logits?: boolean } = {}) {
    if (o.numClasses !== undefined && (!Number.isInteger(o.numClasses) || o.numClasses < 2))
      throw new Error(`ConfusionMatrix: numClasses must be an integer >= 2, got ${showValue(o.numClasses)}`);
    this.reset();
  }
  reset(): void { const c = this.o.numClasses ?? 0; this.matrix = Array.from({ length: c }, () => new Array<number>(c).fill(0)); }
  update(out: Tensor, y: Tensor): void {
    const r = classes('ConfusionMatrix', out, y, this.o);
    if (this.matrix.length === 0) this.matrix = Array.from({ length: r.classes }, () => new Array<number>(r.classes).fill(0));
    if (r.classes !== this.matrix.length) throw new Error(`ConfusionMatrix: outputs ${shapeOf(out)} have ${r.classes} classes, the matrix ${this.matrix.length}`);
    r.pred.forEach((p, i) => { this.matrix[r.truth[i]][p]++; });
  }
  compute(): number[][] { return this.matrix.map((r) => [...r]); }
}

const div = (a: number, b: number) => (b === 0 ? 0 : a / b);  // scikit-learn's zero_division=0
/** Precision, recall and F1 from a confusion matrix, as scikit-learn averages them. */
export function prf(m: number[][], average: Average, op = 'prf'): { precision: number; recall: number; f1: number } {
  const c = m.length;
  const tp = m.map((r, i) => r[i]);
  const predicted = m[0].map((_, j) => m.reduce((a, r) => a + r[j], 0));
  const actual = m.map((r) => r.reduce((a, v) => a + v, 0));
  const f = (p: number, r: number) => div(2 * p * r, p + r);
  if (average === 'micro') {
    const t = tp.reduce((a, v) => a + v, 0), p = div(t, predicted.reduce((a, v) => a + v, 0)), r = div(t, actual.reduce((a, v) => a + v, 0));
    return { precision: p, recall: r, f1: f(p, r) };
  }
  if (average === 'binary') {
    if (c !== 2) throw new Error(`${op}: average 'binary' needs two classes, got ${c}`);
    const p = div(tp[1], predicted[1]), r = div(tp[1], actual[1]);
    return { precision: p, recall: r, f1: f(p, r) };
  }
  const ps = tp.map((t, i) => div(t, predicted[i])), rs = tp.map((t, i) => div(t, actual[i]));
  const mean = (a: number[]) => a.reduce((x, v) => x + v, 0) / a.length;
  // macro F1 is the mean of per-class F1s (scikit-learn), not the F1 of the mean P and R
  return { precision: mean(ps), recall: mean(rs), f1: mean(ps.map((p, i) => f(p, rs[i]))) };
}

type PRFOptions = { average?: Average; numClasses?: number; threshold?: number; logits?: boolean };
/** Precision, recall or F1 over the epoch's confusion matrix. */
abstract class PRF implements Metric {
  readonly average: Average;
  private readonly cm: ConfusionMatrix;
  constructor(readonly name: 'precision' | 'recall' | 'f1', o: PRFOptions) {
    const op = new.target.name;
    if (o === null || typeof o !== 'object') throw new Error(`${op}: options must be an object, got ${showValue(o)}`);
    this.average = o.average ?? 'macro';
    if (!['macro', 'micro', 'binary'].includes(this.average)) throw new Error(`${op}: average must be 'macro', 'micro' or 'binary', got ${showValue(o.average)}`);
    this.cm = new ConfusionMatrix(o);
  }
  reset(): void { this.cm.reset(); }
  update(out: Tensor, y: Tensor): void { this.cm.update(out, y); }
  compute(): number { return this.cm.matrix.length ? prf(this.cm.matrix, this.average, this.constructor.name)[this.name] : NaN; }
}
/** Precision (scikit-learn's precision_score; average 'macro' by default, 'micro' or 'binary'). */
export class Precision extends PRF { constructor(o: PRFOptions = {}) { super('precision', o); } }
/** Recall (scikit-learn's recall_score). */
export class Recall extends PRF { constructor(o: PRFOptions = {}) { super('recall', o); } }
/** F1 (scikit-learn's f1_score). */
export class F1Score extends PRF { constructor(o: PRFOptions = {}) { super('f1', o); } }

/** Regression outputs and targets: same shape, or [N, 1] against [N] (never broadcast [N, 1] with [N] to [N, N]). */
function regression(op: string, out: Tensor, y: Tensor): { p: number[]; t: number[]; cols: number } {
  tensorArg(op, 'output', out);
  tensorArg(op, 'target', y);
  const squeeze = (s: readonly number[]) => (s.length === 2 && s[1] === 1 ? [s[0]] : s);
  const [a, b] = [squeeze(out.shape), squeeze(y.shape)];
  if (a.length === 0 || a.length > 2 || a.join() !== b.join())
    throw new Error(`${op}: outputs ${shapeOf(out)} and targets ${shapeOf(y)} cannot match: expected the same [N] or [N, D] shape`);
  return { p: values(out), t: values(y), cols: a.length === 2 ? a[1] : 1 };
}
/** Mean absolute error over all elements. */
export class MeanAbsoluteError implements Metric {
  readonly name: string = 'mae';
  private s = 0; private n = 0;
  reset(): void { this.s = 0; this.n = 0; }
  update(out: Tensor, y: Tensor): void { const { p, t } = regression(this.constructor.name, out, y); p.forEach((v, i) => { this.s += Math.abs(v - t[i]); }); this.n += p.length; }
  compute(): number { return this.n ? this.s / this.n : NaN; }
}
/** Root mean squared error over all elements (over the epoch, not a mean of batch RMSEs). */
export class RootMeanSquaredError implements Metric {
  readonly name: string = 'rmse';
  private s = 0; private n = 0;
  reset(): void { this.s = 0; this.n = 0; }
  update(out: Tensor, y: Tensor): void { const { p, t } = regression(this.constructor.name, out, y); p.forEach((v, i) => { this.s += (v - t[i]) ** 2; }); this.n += p.length; }
  compute(): number { return this.n ? Math.sqrt(this.s / this.n) : NaN; }
}
/** R², the coefficient of determination (scikit-learn's r2_score; several outputs: their uniform average). */
export class R2Score implements Metric {
  readonly name: string = 'r2';
  private n = 0; private sy: number[] = []; private syy: number[] = []; private sres: number[] = [];
  reset(): void { this.n = 0; this.sy = []; this.syy = []; this.sres = []; }
  update(out: Tensor, y: Tensor): void {
    const { p, t, cols } = regression(this.constructor.name, out, y);
    if (this.sy.length === 0) { this.sy = new Array<number>(cols).fill(0); this.syy = [...this.sy]; this.sres = [...this.sy]; }
    if (cols !== this.sy.length) throw new Error(`R2Score: outputs have ${cols} columns, earlier batches ${this.sy.length}`);
    t.forEach((v, i) => { const c = i % cols; this.sy[c] += v; this.syy[c] += v * v; this.sres[c] += (p[i] - v) ** 2; });
    this.n += t.length / cols;
  }
  compute(): number {
    if (this.n < 2) return NaN;
    const r = this.sy.map((s, c) => {
      const tot = this.syy[c] - (s * s) / this.n;
      // constant targets: scikit-learn gives 1 for a perfect fit and 0 otherwise
      return tot === 0 ? (this.sres[c] === 0 ? 1 : 0) : 1 - this.sres[c] / tot;
    });
    return r.reduce((a, v) => a + v, 0) / r.length;
  }
}

/** Names fit's `metrics` option accepts, with what they build. */
export const METRICS: Record<string, () => Metric> = {
  acc: () => new Accuracy(), accuracy: () => new Accuracy(),
  precision: () => new Precision(), recall: () => new Recall(), f1: () => new F1Score(),
  f1Micro: () => new F1Score({ average: 'micro' }), top5Acc: () => new TopKAccuracy(5),
  mae: () => new MeanAbsoluteError(), rmse: () => new RootMeanSquaredError(), r2: () => new R2Score(),
};
/** A metric from a name in METRICS or a Metric object. */
export function metricOf(op: string, m: unknown): Metric {
  if (typeof m === 'string') {
    const f = METRICS[m];
    if (!f) throw new Error(`${op}: unknown metric ${showValue(m)} (choose from ${Object.keys(METRICS).join(', ')}, or pass a Metric)`);
    return f();
  }
  const mm = m as Metric | null;
  if (mm === null || typeof mm !== 'object' || typeof mm.update !== 'function' || typeof mm.compute !== 'function' || typeof mm.reset !== 'function' || typeof mm.name !== 'string')
    throw new Error(`${op}: a metric must be a name or an object with name, reset(), update() and compute(), got ${showValue(m)}`);
  return mm;
}

const once = (m: Metric, out: Tensor, y: Tensor): number => { m.update(out, y); return m.compute(); };
/** One-shot forms: `metrics.accuracy(out, y)`. */
export const accuracy = (out: Tensor, y: Tensor, o: { threshold?: number; logits?: boolean } = {}): number => once(new Accuracy(o), out, y);
export const topKAccuracy = (out: Tensor, y: Tensor, k = 5): number => once(new TopKAccuracy(k), out, y);
export const precision = (out: Tensor, y: Tensor, o: { average?: Average; threshold?: number; logits?: boolean } = {}): number => once(new Precision(o), out, y);
export const recall = (out: Tensor, y: Tensor, o: { average?: Average; threshold?: number; logits?: boolean } = {}): number => once(new Recall(o), out, y);
export const f1Score = (out: Tensor, y: Tensor, o: { average?: Average; threshold?: number; logits?: boolean } = {}): number => once(new F1Score(o), out, y);
export const meanAbsoluteError = (out: Tensor, y: Tensor): number => once(new MeanAbsoluteError(), out, y);
export const rootMeanSquaredError = (out: Tensor, y: Tensor): number => once(new RootMeanSquaredError(), out, y);
export const r2Score = (out: Tensor, y: Tensor): number => once(new R2Score(), out, y);
export function confusionMatrix(out: Tensor, y: Tensor, o: { numClasses?: number; threshold?: number; logits?: boolean } = {}): number[][] {
  const m = new ConfusionMatrix(o); m.update(out, y); return m.compute();
}
