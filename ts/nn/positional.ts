// Positional encodings for attention models: the fixed sinusoid table of "Attention is all you
// need", a learned table of position vectors, and rotary embeddings (RoPE) applied to queries and
// keys with the rotate-half convention of HF LLaMA. Each refuses a sequence longer than its table.
import { Tensor } from '../tensor';
import { tensor, empty } from '../creation';
import { cat } from '../functional';
import { tensorArg, intArg, numberArg, boolArg, showValue, optionsArg } from '../args';
import { isFloating } from '../dtype';
import { layerDtype, type LayerDtype } from './layer_dtype';
import { Module, Parameter } from './module';
import { Dropout } from './layers';
import * as init from './init';

const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;

export interface PositionalOptions extends LayerDtype {
  /** Dropout on the sum (the "Attention is all you need" recipe uses 0.1). */
  dropout?: number;
  /** Input [N, S, E] instead of [S, N, E] (2-D [S, E] is unbatched either way). */
  batchFirst?: boolean;
}
export interface PositionalForwardOptions {
  /** Position of the first element (incremental decoding: the number of tokens already seen). */
  offset?: number;
}

/** Checks x against a [maxLen, dModel] table and returns the rows offset..offset+S, shaped to add to x. */
function rowsFor(op: string, x: unknown, table: Tensor, batchFirst: boolean, fo: PositionalForwardOptions): Tensor {
  const t = tensorArg(op, 'input', x);
  const o = optionsArg(op, fo);
  const [maxLen, d] = table.shape;
  const lay = batchFirst ? '[N, S, E]' : '[S, N, E]';
  if (t.ndim !== 2 && t.ndim !== 3) throw new Error(`${op}: input must be 3-D ${lay} or 2-D [S, E], got ${shapeStr(t.shape)}`);
  if (!isFloating(t.dtype)) throw new Error(`${op}: input must be floating point, got ${t.dtype}`);
  if (t.shape[t.ndim - 1] !== d) throw new Error(`${op}: input ${shapeStr(t.shape)} has ${t.shape[t.ndim - 1]} features, expected dModel ${d}`);
  const seqDim = t.ndim === 3 && batchFirst ? 1 : 0;
  const S = t.shape[seqDim];
  const offset = o.offset == null ? 0 : intArg(op, 'offset', o.offset, 0);
  if (offset + S > maxLen) throw new Error(`${op}: sequence length ${S}${offset ? ` at offset ${offset}` : ''} is longer than the table's maxLen ${maxLen}`);
  let rows = table.narrow(0, offset, S);
  if (rows.dtype !== t.dtype) rows = rows.to(t.dtype);
  return t.ndim === 3 && !batchFirst ? rows.unsqueeze(1) : rows;
}
/** The tables are built in JS float64 arrays: refuse sizes no array (or sane model) holds, by name. */
function tableSize(op: string, maxLen: number, d: number): void {
  if (maxLen * d > 2 ** 30) throw new Error(`${op}: a [${maxLen}, ${d}] position table is too large (more than 2^30 elements)`);
}
function dropoutOf(op: string, p: unknown, dflt: number): number {
  const v = p == null ? dflt : p;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`${op}: dropout must be between 0 and 1, got ${showValue(v)}`);
  return v;
}

/**
 * The sinusoid table of "Attention is all you need" added to the input, then dropout:
 * PE[pos, 2i] = sin(pos / 10000^(2i/dModel)), PE[pos, 2i+1] = cos(pos / 10000^(2i/dModel)).
 * The table is computed in float64 and held as the layer's dtype; it is a buffer `pe`
 * [maxLen, dModel] kept out of the state dict (a constant). Options: dropout (default 0.1, as
 * the PyTorch tutorial), batchFirst (default false), dtype.
 * ```ts
 * const pos = new nn.SinusoidalPositionalEncoding(512, 5000, { batchFirst: true });
 * const h = pos.forward(embed.forward(tokens).mul(Math.sqrt(512)));   // [N, S, 512]
 * ```
 */
export class SinusoidalPositionalEncoding extends Module {
  dropout: Dropout;
  declare readonly pe: Tensor;
  readonly batchFirst: boolean;
  constructor(readonly dModel: number, readonly maxLen = 5000, opts: PositionalOptions = {}) {
    super();
    const op = 'SinusoidalPositionalEncoding';
    const o = optionsArg(op, opts);
    intArg(op, 'd_model', dModel, 1);
    intArg(op, 'max_len', maxLen, 1);
    this.batchFirst = o.batchFirst == null ? false : boolArg(op, 'batchFirst', o.batchFirst);
    this.dropout = new Dropout(dropoutOf(op, o.dropout, 0.1));
    tableSize(op, maxLen, dModel);
    const pe = new Float64Array(maxLen * dModel);
    for (let i = 0; 2 * i < dModel; i++) {
      const invFreq = Math.exp(-Math.log(10000) * (2 * i) / dModel);
      for (let pos = 0; pos < maxLen; pos++) {
        pe[pos * dModel + 2 * i] = Math.sin(pos * invFreq);
        if (2 * i + 1 < dModel) pe[pos * dModel + 2 * i + 1] = Math.cos(pos * invFreq);
      }
    }
    this.registerBuffer('pe', tensor(pe, { dtype: 'float64' }).reshape([maxLen, dModel]).to(layerDtype(op, o)), { persistent: false });
  }
  forward(x: Tensor, fo: PositionalForwardOptions = {}): Tensor {
    const rows = rowsFor('SinusoidalPositionalEncoding', x, this.pe, this.batchFirst, fo);   // checks x first
    return this.dropout.forward(x.add(rows));
  }
  extraRepr(): string { return `d_model=${this.dModel}, max_len=${this.maxLen}, batch_first=${this.batchFirst ? 'True' : 'False'}`; }
}

/**
 * A learned position vector per position (BERT's and GPT-2's position embeddings) added to the
 * input, then dropout: x + weight[offset .. offset + S]. Parameter `weight` [maxLen, dModel],
 * initialized N(0, 1) as nn.Embedding. Options: dropout (default 0), batchFirst (default false), dtype.
 * ```ts
 * const pos = new nn.LearnedPositionalEmbedding(1024, 768, { batchFirst: true });
 * const h = pos.forward(wte.forward(ids));   // [N, S, 768]
 * ```
 */
export class LearnedPositionalEmbedding extends Module {
  weight: Parameter;
  dropout: Dropout;
  readonly batchFirst: boolean;
  constructor(readonly maxLen: number, readonly dModel: number, opts: PositionalOptions = {}) {
    super();
    const op = 'LearnedPositionalEmbedding';
    const o = optionsArg(op, opts);
    intArg(op, 'max_len', maxLen, 1);
    intArg(op, 'd_model', dModel, 1);
    this.batchFirst = o.batchFirst == null ? false : boolArg(op, 'batchFirst', o.batchFirst);
    this.weight = new Parameter(empty([maxLen, dModel], { dtype: layerDtype(op, o) }));
    init.normal_(this.weight);
    this.dropout = new Dropout(dropoutOf(op, o.dropout, 0));
  }
  forward(x: Tensor, fo: PositionalForwardOptions = {}): Tensor {
    const rows = rowsFor('LearnedPositionalEmbedding', x, this.weight, this.batchFirst, fo);   // checks x first
    return this.dropout.forward(x.add(rows));
  }
  extraRepr(): string { return `${this.maxLen}, ${this.dModel}, batch_first=${this.batchFirst ? 'True' : 'False'}`; }
}

export interface RotaryOptions extends LayerDtype {
  /** θ of the frequencies θ^(-2i/headDim) (default 10000; LLaMA 3 uses 500000). */
  base?: number;
  /** Longest sequence (offset included) the cos/sin tables cover (default 2048). */
  maxLen?: number;
}

/**
 * Rotary position embedding (RoPE, Su et al. 2021) with the rotate-half convention of HF LLaMA:
 * features i and i + headDim/2 form a pair rotated by the angle pos · base^(-2i/headDim), i.e.
 * x · cos + rotateHalf(x) · sin with rotateHalf(x) = cat(-x[half:], x[:half]). `apply(q, k, offset)`
 * rotates q and k [..., S, headDim] (e.g. [N, heads, S, headDim]) at positions offset .. offset + S - 1.
 * The tables (cos, sin [maxLen, headDim]) are computed in float64 and are buffers kept out of the
 * state dict, as HF's. apply(fn) with a function is still Module.apply.
 * ```ts
 * const rope = new nn.RotaryEmbedding(64, { maxLen: 4096 });
 * const [qr, kr] = rope.apply(q, k);   // q, k [N, H, S, 64]
 * ```
 */
export class RotaryEmbedding extends Module {
  declare readonly cos: Tensor;
  declare readonly sin: Tensor;
  readonly base: number;
  readonly maxLen: number;
  constructor(readonly headDim: number, opts: RotaryOptions = {}) {
    super();
    const op = 'RotaryEmbedding';
    const o = optionsArg(op, opts);
    intArg(op, 'head_dim', headDim, 2);
    if (headDim % 2 !== 0) throw new Error(`${op}: head_dim must be even (features pair up to rotate), got ${headDim}`);
    this.base = o.base == null ? 10000 : numberArg(op, 'base', o.base, 0);
    if (!(this.base > 1)) throw new Error(`${op}: base must be greater than 1, got ${this.base}`);
    this.maxLen = o.maxLen == null ? 2048 : intArg(op, 'maxLen', o.maxLen, 1);
    const L = this.maxLen, D = headDim, h = D / 2, dtype = layerDtype(op, o);
    tableSize(op, L, D);
    const c = new Float64Array(L * D), s = new Float64Array(L * D);
    for (let i = 0; i < h; i++) {
      const invFreq = Math.pow(this.base, -(2 * i) / D);
      for (let pos = 0; pos < L; pos++) {
        const a = pos * invFreq, cv = Math.cos(a), sv = Math.sin(a);
        c[pos * D + i] = cv; c[pos * D + i + h] = cv;
        s[pos * D + i] = sv; s[pos * D + i + h] = sv;
      }
    }
    this.registerBuffer('cos', tensor(c, { dtype: 'float64' }).reshape([L, D]).to(dtype), { persistent: false });
    this.registerBuffer('sin', tensor(s, { dtype: 'float64' }).reshape([L, D]).to(dtype), { persistent: false });
  }
  /** Rotates one tensor [..., S, headDim] at positions offset .. offset + S - 1. */
  rotate(x: Tensor, offset = 0, what = 'input'): Tensor {
    const op = 'RotaryEmbedding';
    tensorArg(op, what, x);
    intArg(op, 'offset', offset, 0);
    const D = this.headDim, h = D / 2;
    if (x.ndim < 2) throw new Error(`${op}: ${what} must be [..., S, headDim], got ${shapeStr(x.shape)}`);
    if (!isFloating(x.dtype)) throw new Error(`${op}: ${what} must be floating point, got ${x.dtype}`);
    if (x.shape[x.ndim - 1] !== D) throw new Error(`${op}: ${what} ${shapeStr(x.shape)} has ${x.shape[x.ndim - 1]} features, expected head_dim ${D}`);
    const S = x.shape[x.ndim - 2];
    if (offset + S > this.maxLen) throw new Error(`${op}: sequence length ${S}${offset ? ` at offset ${offset}` : ''} is longer than the table's maxLen ${this.maxLen}`);
    let cos = this.cos.narrow(0, offset, S), sin = this.sin.narrow(0, offset, S);
    if (cos.dtype !== x.dtype) { cos = cos.to(x.dtype); sin = sin.to(x.dtype); }
    const last = x.ndim - 1;
    const rot = cat([x.narrow(last, h, h).neg(), x.narrow(last, 0, h)], last);
    return x.mul(cos).add(rot.mul(sin));
  }
  /** [rotated q, rotated k]; Module.apply when given a function. */
  apply(fn: (m: Module) => void): this;
  apply(q: Tensor, k: Tensor, offset?: number): [Tensor, Tensor];
  apply(a: unknown, k?: unknown, offset?: unknown): this | [Tensor, Tensor] {
    if (typeof a === 'function') return super.apply(a as (m: Module) => void);
    return this.forward(a as Tensor, k as Tensor, offset as number | undefined);
  }
  forward(q: Tensor, k: Tensor, offset = 0): [Tensor, Tensor] {
    const op = 'RotaryEmbedding';
    tensorArg(op, 'q', q);
    tensorArg(op, 'k', k);
    intArg(op, 'offset', offset, 0);
    return [this.rotate(q, offset, 'q'), this.rotate(k, offset, 'k')];
  }
  extraRepr(): string { return `head_dim=${this.headDim}, base=${this.base}, max_len=${this.maxLen}`; }
}
