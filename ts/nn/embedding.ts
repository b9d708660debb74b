// Lookup tables: Embedding (with fromPretrained) and EmbeddingBag (bags reduced by sum, mean
// or max: the bag-of-words baseline), as torch.nn.Embedding / EmbeddingBag.
import { Tensor } from '../tensor';
import { empty, tensor, zeros } from '../creation';
import { noGrad } from '../autograd/engine';
import { layerDtype, type LayerDtype } from './layer_dtype';
import { Module, Parameter, tensorArg, intArg, showValue } from './module';
import { boolArg, choiceArg, optionsArg } from '../args';
import * as F from './functional';
import * as init from './init';

/** paddingIdx checked and made non-negative (torch counts a negative one from the end). */
function paddingArg(op: string, p: unknown, num: number): number | null {
  if (p === undefined || p === null) return null;
  intArg(op, 'paddingIdx', p, -Infinity);
  const v = p as number;
  if (v >= num || v < -num) throw new Error(`${op}: paddingIdx ${v} must be within num_embeddings ${num}`);
  return v < 0 ? v + num : v;
}
/** A pretrained table [num, dim]: checked, with the dtype the layer will take. */
function pretrained(op: string, w: unknown): Tensor {
  const t = tensorArg(op, 'embeddings', w);
  if (t.ndim !== 2) throw new Error(`${op}: embeddings must be 2-D [num, dim], got [${t.shape.join(', ')}]`);
  layerDtype(op, { dtype: t.dtype });
  return t;
}
/** Builds the weight: a copy of `from`, or N(0, 1) with the padding row zeroed. */
function weightParam(op: string, num: number, dim: number, padding: number | null, o: LayerDtype, from?: Tensor): Parameter {
  const w = new Parameter(empty([num, dim], { dtype: from ? from.dtype : layerDtype(op, o) }));
  if (from) noGrad(() => w.copy_(from));
  else {
    init.normal_(w);
    if (padding !== null) init.zeros_(w.select(0, padding));
  }
  return w;
}

/**
 * A lookup table [num, dim] from N(0, 1); the paddingIdx row is zero and gets no gradient.
 * ```ts
 * const emb = new nn.Embedding(1000, 64, { paddingIdx: 0 });
 * const v = emb.forward(tensor([[1, 2, 0]], { dtype: 'int64' }));   // [1, 3, 64]
 * ```
 */
export class Embedding extends Module {
  weight: Parameter;
  readonly paddingIdx: number | null;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: { paddingIdx?: number; _weight?: Tensor } & LayerDtype = {}) {
    super();
    intArg('Embedding', 'num_embeddings', numEmbeddings);
    intArg('Embedding', 'embedding_dim', embeddingDim);
    this.paddingIdx = paddingArg('Embedding', opts.paddingIdx, numEmbeddings);
    this.weight = weightParam('Embedding', numEmbeddings, embeddingDim, this.paddingIdx, opts, opts._weight);
  }
  /**
   * An Embedding over a copy of `embeddings` [num, dim] (torch's shares the tensor; a copy keeps
   * training from writing into the caller's table), frozen (no gradient) unless freeze is
   * false. As torch, the paddingIdx row is kept as given (it only stops that row's gradient).
   * ```ts
   * const emb = nn.Embedding.fromPretrained(vectors, { freeze: false, paddingIdx: 0 });
   * ```
   */
  static fromPretrained(embeddings: Tensor, opts: { freeze?: boolean; paddingIdx?: number } = {}): Embedding {
    const w = pretrained('Embedding.fromPretrained', embeddings), o = optionsArg('Embedding.fromPretrained', opts);
    const freeze = boolArg('Embedding.fromPretrained', 'freeze', o.freeze ?? true);
    const e = new Embedding(w.shape[0], w.shape[1], { paddingIdx: o.paddingIdx, _weight: w });
    e.weight.requiresGrad_(!freeze);
    return e;
  }
  forward(indices: Tensor): Tensor { return F.embedding(tensorArg('Embedding', 'indices', indices), this.weight, this.paddingIdx); }
  extraRepr(): string { return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`; }
}

export type EmbeddingBagMode = 'sum' | 'mean' | 'max';
export interface EmbeddingBagOptions extends LayerDtype { mode?: EmbeddingBagMode; paddingIdx?: number; includeLastOffset?: boolean; _weight?: Tensor }

/** Integer tensor contents as numbers, with a named error for any other dtype or rank. */
function ints(op: string, what: string, t: Tensor, ndims: number[]): number[] {
  tensorArg(op, what, t);
  if (t.dtype !== 'int64' && t.dtype !== 'int32') throw new Error(`${op}: ${what} must be int64 or int32, got ${t.dtype}`);
  if (!ndims.includes(t.ndim)) throw new Error(`${op}: ${what} must be ${ndims.join('-D or ')}-D, got [${t.shape.join(', ')}]`);
  return Array.from(t.contiguous().data() as ArrayLike<number | bigint>, Number);
}

/**
 * Sums, averages or takes the max of the embeddings of each bag without building the [N, dim]
 * sequence first in the caller: forward(input 1-D, offsets) where bag b is
 * input[offsets[b] : offsets[b + 1]], or forward(input [B, L]) with fixed-length bags. Entries
 * equal to paddingIdx are left out (a mean divides by the rest); an empty bag gives zeros.
 * perSampleWeights (mode 'sum' only) scales each entry.
 * ```ts
 * const bag = new nn.EmbeddingBag(1000, 32, { mode: 'mean' });
 * const v = bag.forward(tensor([4, 8, 15, 16, 23], { dtype: 'int64' }), tensor([0, 2], { dtype: 'int64' }));   // [2, 32]
 * ```
 */
export class EmbeddingBag extends Module {
  weight: Parameter;
  readonly mode: EmbeddingBagMode;
  readonly paddingIdx: number | null;
  readonly includeLastOffset: boolean;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: EmbeddingBagOptions = {}) {
    super();
    const o = optionsArg('EmbeddingBag', opts);
    intArg('EmbeddingBag', 'num_embeddings', numEmbeddings);
    intArg('EmbeddingBag', 'embedding_dim', embeddingDim);
    this.mode = choiceArg('EmbeddingBag', 'mode', o.mode ?? 'mean', ['sum', 'mean', 'max'] as const);
    this.includeLastOffset = boolArg('EmbeddingBag', 'includeLastOffset', o.includeLastOffset ?? false);
    this.paddingIdx = paddingArg('EmbeddingBag', o.paddingIdx, numEmbeddings);
    this.weight = weightParam('EmbeddingBag', numEmbeddings, embeddingDim, this.paddingIdx, o, o._weight);
  }
  /**
   * An EmbeddingBag over a copy of `embeddings`, frozen unless freeze is false.
   * ```ts
   * const bag = nn.EmbeddingBag.fromPretrained(vectors, { mode: 'sum' });
   * ```
   */
  static fromPretrained(embeddings: Tensor, opts: { freeze?: boolean; mode?: EmbeddingBagMode; paddingIdx?: number; includeLastOffset?: boolean } = {}): EmbeddingBag {
    const w = pretrained('EmbeddingBag.fromPretrained', embeddings), o = optionsArg('EmbeddingBag.fromPretrained', opts);
    const freeze = boolArg('EmbeddingBag.fromPretrained', 'freeze', o.freeze ?? true);
    const e = new EmbeddingBag(w.shape[0], w.shape[1], { mode: o.mode, paddingIdx: o.paddingIdx, includeLastOffset: o.includeLastOffset, _weight: w });
    e.weight.requiresGrad_(!freeze);
    return e;
  }
  forward(input: Tensor, offsets?: Tensor | null, perSampleWeights?: Tensor | null): Tensor {
    const op = 'EmbeddingBag';
    const idx = ints(op, 'input', input, [1, 2]), num = this.numEmbeddings;
    idx.forEach((v, i) => { if (!(v >= 0 && v < num)) throw new Error(`${op}: input[${i}] is ${v}, out of range for ${num} embeddings`); });
    // bags as [start, end) into idx
    let bags: [number, number][];
    if (input.ndim === 2) {
      if (offsets !== undefined && offsets !== null) throw new Error(`${op}: offsets has to be null when input is 2-D (each row is a bag), got ${showValue(offsets)}`);
      const [B, L] = input.shape;
      bags = Array.from({ length: B }, (_, b) => [b * L, b * L + L]);
    } else {
      if (offsets === undefined || offsets === null) throw new Error(`${op}: offsets has to be a 1-D tensor when input is 1-D, got ${showValue(offsets)}`);
      const off = ints(op, 'offsets', offsets, [1]);
      if (off.length === 0 || off[0] !== 0) throw new Error(`${op}: offsets[0] has to be 0 (the first bag starts at the first index), got ${showValue(off)}`);
      off.forEach((v, i) => { if (v > idx.length || (i > 0 && v < off[i - 1])) throw new Error(`${op}: offsets must be non-decreasing and at most input's length ${idx.length}, got ${showValue(off)}`); });
      const ends = this.includeLastOffset ? off.slice(1) : [...off.slice(1), idx.length];
      if (this.includeLastOffset && off[off.length - 1] !== idx.length) throw new Error(`${op}: with includeLastOffset the last offset must be input's length ${idx.length}, got ${off[off.length - 1]}`);
      bags = ends.map((e, b) => [off[b], e]);
    }
    if (perSampleWeights !== undefined && perSampleWeights !== null) {
      tensorArg(op, 'perSampleWeights', perSampleWeights);
      if (this.mode !== 'sum') throw new Error(`${op}: perSampleWeights is only supported for mode 'sum', got mode '${this.mode}'`);
      if (perSampleWeights.shape.join(',') !== input.shape.join(',')) throw new Error(`${op}: perSampleWeights [${perSampleWeights.shape.join(', ')}] must have the shape of input [${input.shape.join(', ')}]`);
    }
    const B = bags.length, D = this.embeddingDim, dtype = this.weight.dtype;
    const L = Math.max(0, ...bags.map(([s, e]) => e - s));
    if (L === 0) return zeros([B, D], { dtype });
    // bags as a padded [B, L] gather: the index of each slot, and where it comes from in input
    const gather = new BigInt64Array(B * L), src = new BigInt64Array(B * L), keepMask = new Uint8Array(B * L);
    const counts = new Float64Array(B);
    bags.forEach(([s, e], b) => {
      for (let j = s; j < e; j++) {
        const k = b * L + j - s;
        gather[k] = BigInt(idx[j]); src[k] = BigInt(j);
        if (idx[j] !== this.paddingIdx) { keepMask[k] = 1; counts[b]++; }
      }
    });
    const gi = tensor(gather, { dtype: 'int64', shape: [B * L] });
    const keep = tensor(keepMask, { dtype: 'bool', shape: [B, L, 1] });
    const rows = this.weight.indexSelect(0, gi).reshape([B, L, D]);
    if (this.mode === 'max') {
      const empty_ = tensor(Uint8Array.from(counts, (c) => (c === 0 ? 1 : 0)), { dtype: 'bool', shape: [B, 1] });
      return rows.maskedFill(keep.logicalNot(), -Infinity).amax(1).maskedFill(empty_, 0);
    }
    let scale = keep.to(dtype);
    if (perSampleWeights) scale = scale.mul(perSampleWeights.reshape([-1]).indexSelect(0, tensor(src, { dtype: 'int64', shape: [B * L] })).reshape([B, L, 1]));
    const s = rows.mul(scale).sum(1);
    if (this.mode === 'sum') return s;
    return s.div(tensor(Float64Array.from(counts, (c) => Math.max(c, 1)), { dtype, shape: [B, 1] }));
  }
  extraRepr(): string { return `${this.numEmbeddings}, ${this.embeddingDim}, mode='${this.mode}'${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`; }
}
