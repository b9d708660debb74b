// The layers: affine, shape, dropout, activations, normalization, embedding, containers.
// Each is a thin Module over nn.functional; default initializations follow PyTorch's.
import { Tensor } from '../tensor';
import { empty, ones, zeros, tensor } from '../creation';
import type { DType } from '../dtype';
import { layerDtype, type LayerDtype } from './layer_dtype';
import { Module, Parameter, tensorArg, intArg, numberArg } from './module';
import * as F from './functional';
import * as init from './init';

const newParam = (dtype: DType, ...shape: number[]): Parameter => new Parameter(empty(shape, { dtype }));
/** The input of a module's forward, checked (a named Error instead of "x.relu is not a function"). */
const input = (m: Module, x: unknown, what = 'input'): Tensor => tensorArg(m.constructor.name, what, x);
const dimArg = (op: string, v: unknown): number => intArg(op, 'dim', v, -Infinity);

/**
 * y = x Wᵀ + b. Weight [out, in] from kaiming_uniform(a = √5) and bias from U(±1/√in), as torch.
 * ```ts
 * const fc = new Linear(784, 10);
 * const y = fc.forward(randn(64, 784));   // [64, 10]
 * ```
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean } & LayerDtype = {}) {
    super();
    intArg('Linear', 'in_features', inFeatures);
    intArg('Linear', 'out_features', outFeatures);
    const dt = layerDtype('Linear', opts);
    this.weight = newParam(dt, outFeatures, inFeatures);
    this.bias = opts.bias === false ? null : newParam(dt, outFeatures);
    this.resetParameters();
  }
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    const b = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
    if (this.bias) init.uniform_(this.bias, -b, b);
  }
  forward(x: Tensor): Tensor { return F.linear(input(this, x), this.weight, this.bias); }
  extraRepr(): string { return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`; }
}

/** y = x1ᵀ A x2 + b, weight [out, in1, in2]; all parameters from U(±1/√in1). */
export class Bilinear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(readonly in1Features: number, readonly in2Features: number, readonly outFeatures: number, opts: { bias?: boolean } & LayerDtype = {}) {
    super();
    for (const [what, v] of [['in1_features', in1Features], ['in2_features', in2Features], ['out_features', outFeatures]] as const) intArg('Bilinear', what, v);
    const b = 1 / Math.sqrt(in1Features), dt = layerDtype('Bilinear', opts);
    this.weight = newParam(dt, outFeatures, in1Features, in2Features);
    init.uniform_(this.weight, -b, b);
    this.bias = opts.bias === false ? null : newParam(dt, outFeatures);
    if (this.bias) init.uniform_(this.bias, -b, b);
  }
  forward(x1: Tensor, x2: Tensor): Tensor { return F.bilinear(input(this, x1, 'input1'), input(this, x2, 'input2'), this.weight, this.bias); }
  extraRepr(): string { return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`; }
}

export class Identity extends Module { forward(x: Tensor): Tensor { return input(this, x); } }
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); dimArg('Flatten', startDim); dimArg('Flatten', endDim); }
  forward(x: Tensor): Tensor { return input(this, x).flatten(this.startDim, this.endDim); }
  extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
}
export class Unflatten extends Module {
  constructor(readonly dim: number, readonly sizes: number[]) {
    super();
    dimArg('Unflatten', dim);
    if (!Array.isArray(sizes)) throw new Error(`Unflatten: sizes must be an array of integers, got ${typeof sizes}`);
    sizes.forEach((v) => intArg('Unflatten', 'sizes', v, -1));
  }
  forward(x: Tensor): Tensor { return input(this, x).unflatten(this.dim, this.sizes); }
  extraRepr(): string { return `dim=${this.dim}, unflattened_size=(${this.sizes.join(', ')})`; }
}
/** Zeroes elements with probability p in training and scales the rest by 1/(1-p); identity in eval. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`Dropout: probability has to be between 0 and 1, but got ${String(p)}`);
  }
  forward(x: Tensor): Tensor { return F.dropout(input(this, x), this.p, this.training); }
  extraRepr(): string { return `p=${this.p}, inplace=False`; }
}

// ---- activations
export class ReLU extends Module { forward(x: Tensor): Tensor { return input(this, x).relu(); } }
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); numberArg('LeakyReLU', 'negative_slope', negativeSlope); }
  forward(x: Tensor): Tensor { return input(this, x).leakyRelu(this.negativeSlope); }
  extraRepr(): string { return `negative_slope=${this.negativeSlope}`; }
}
export class ELU extends Module {
  constructor(readonly alpha = 1) { super(); numberArg('ELU', 'alpha', alpha); }
  forward(x: Tensor): Tensor { return input(this, x).elu(this.alpha); }
  extraRepr(): string { return `alpha=${this.alpha}`; }
}
export class SELU extends Module { forward(x: Tensor): Tensor { return input(this, x).selu(); } }
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`GELU: approximate must be 'none' or 'tanh', got ${String(approximate)}`);
  }
  forward(x: Tensor): Tensor { return input(this, x).gelu({ approximate: this.approximate }); }
  extraRepr(): string { return `approximate='${this.approximate}'`; }
}
export class SiLU extends Module { forward(x: Tensor): Tensor { return input(this, x).silu(); } }
export class Sigmoid extends Module { forward(x: Tensor): Tensor { return input(this, x).sigmoid(); } }
export class Tanh extends Module { forward(x: Tensor): Tensor { return input(this, x).tanh(); } }
export class Softmax extends Module {
  constructor(readonly dim: number) { super(); dimArg('Softmax', dim); }
  forward(x: Tensor): Tensor { return input(this, x).softmax(this.dim); }
  extraRepr(): string { return `dim=${this.dim}`; }
}
export class LogSoftmax extends Module {
  constructor(readonly dim: number) { super(); dimArg('LogSoftmax', dim); }
  forward(x: Tensor): Tensor { return input(this, x).logSoftmax(this.dim); }
  extraRepr(): string { return `dim=${this.dim}`; }
}
export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) { super(); numberArg('Softplus', 'beta', beta); numberArg('Softplus', 'threshold', threshold); }
  forward(x: Tensor): Tensor { return input(this, x).softplus({ beta: this.beta, threshold: this.threshold }); }
  extraRepr(): string { return `beta=${this.beta}, threshold=${this.threshold}`; }
}

// ---- normalization (Embedding and EmbeddingBag live in embedding.ts)
export interface BatchNormOptions extends LayerDtype { eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean }
/** Batch normalization of [N, C] or [N, C, L] over the batch (and length), with running statistics. */
export class BatchNorm1d extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly trackRunningStats: boolean;
  constructor(readonly numFeatures: number, o: BatchNormOptions = {}) {
    super();
    const name = new.target.name;
    intArg(name, 'num_features', numFeatures);
    this.eps = numberArg(name, 'eps', o.eps ?? 1e-5, 0);
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum === null ? null : numberArg(name, 'momentum', o.momentum);
    this.trackRunningStats = o.trackRunningStats ?? true;
    const affine = o.affine ?? true, dtype = layerDtype(name, o);
    this.weight = affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    this.registerBuffer('running_mean', this.trackRunningStats ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer('running_var', this.trackRunningStats ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer('num_batches_tracked', this.trackRunningStats ? tensor(0, { dtype: 'int64' }) : null);
    for (const [a, b] of [['runningMean', 'running_mean'], ['runningVar', 'running_var'], ['numBatchesTracked', 'num_batches_tracked']])
      Object.defineProperty(this, a, { get: () => (this as unknown as Record<string, Tensor | null>)[b], enumerable: false });
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`BatchNorm1d: expected 2D or 3D input (got ${x.ndim}D input)`);
  }
  forward(x: Tensor): Tensor {
    this.checkInput(input(this, x));
    if (x.shape[1] !== this.numFeatures) throw new Error(`${this.constructor.name}: expected ${this.numFeatures} channels, got input [${x.shape.join(', ')}]`);
    const useBatch = this.training || !this.trackRunningStats;
    return F.batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, useBatch,
      this.momentum, this.eps, this.training ? this.numBatchesTracked : null);
  }
  extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}

/** Normalizes over the last dims (normalizedShape), with elementwise affine parameters. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  weight: Parameter | null;
  bias: Parameter | null;
  constructor(normalizedShape: number | number[], readonly eps = 1e-5, opts: { elementwiseAffine?: boolean; bias?: boolean } & LayerDtype = {}) {
    super();
    this.normalizedShape = Array.isArray(normalizedShape) ? normalizedShape : [normalizedShape];
    this.normalizedShape.forEach((v) => intArg('LayerNorm', 'normalized_shape', v));
    numberArg('LayerNorm', 'eps', eps, 0);
    const affine = opts.elementwiseAffine ?? true, dtype = layerDtype('LayerNorm', opts);
    this.weight = affine ? new Parameter(ones(this.normalizedShape, { dtype })) : null;
    this.bias = affine && opts.bias !== false ? new Parameter(zeros(this.normalizedShape, { dtype })) : null;
  }
  forward(x: Tensor): Tensor { return F.layerNorm(input(this, x), this.normalizedShape, this.weight, this.bias, this.eps); }
  extraRepr(): string { return `(${this.normalizedShape.join(', ')},), eps=${this.eps}, elementwise_affine=${this.weight ? 'True' : 'False'}`; }
}

export { Embedding, EmbeddingBag } from './embedding';

// ---- containers
/** Runs its modules in order, each on the previous one's output. */
export class Sequential extends Module {
  constructor(...mods: Module[]) {
    super();
    mods.forEach((m, i) => this.registerModule(String(i), m));
  }
  get length(): number { return this.children().length; }
  at(i: number): Module { const c = this.children(); return c[i < 0 ? i + c.length : i]; }
  append(m: Module): this { this.registerModule(String(this.length), m); return this; }
  /** Typed Tensor -> Tensor, the common case (a module in the chain that returns something else
   * is passed on as torch does; annotate the result yourself then). */
  forward(x: Tensor): Tensor {
    let y: unknown = x;
    for (const m of this.children()) y = m.forward(y);
    return y as Tensor;
  }
}
/** A list of modules whose parameters are registered (indexable with at()). */
export class ModuleList extends Module {
  constructor(mods: Module[] = []) { super(); mods.forEach((m) => this.append(m)); }
  get length(): number { return this.children().length; }
  at(i: number): Module { const c = this.children(); return c[i < 0 ? i + c.length : i]; }
  append(m: Module): this { this.registerModule(String(this.length), m); return this; }
  [Symbol.iterator](): Iterator<Module> { return this.children()[Symbol.iterator](); }
  forward(): never { throw new Error('ModuleList: has no forward; iterate over its modules'); }
}
/** Named modules whose parameters are registered. */
export class ModuleDict extends Module {
  constructor(mods: Record<string, Module> = {}) { super(); for (const [k, m] of Object.entries(mods)) this.registerModule(k, m); }
  get(name: string): Module | undefined { return this.namedChildren().find((e) => e[0] === name)?.[1]; }
  set(name: string, m: Module): void { this.registerModule(name, m); }
  keys(): string[] { return this.namedChildren().map((e) => e[0]); }
  forward(): never { throw new Error('ModuleDict: has no forward; look its modules up by name'); }
}
