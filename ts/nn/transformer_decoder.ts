// The decoder side of torch.nn's transformer: TransformerDecoderLayer, TransformerDecoder and the
// whole encoder-decoder nn.Transformer, with PyTorch's options, masks, final norms and
// state-dict keys (`decoder.layers.0.multihead_attn.in_proj_weight`, `encoder.norm.weight`, ...).
import { Tensor } from '../tensor';
import { tensorArg, optTensorArg, intArg, numberArg, boolArg, showValue, optionsArg } from '../args';
import { isFloating } from '../dtype';
import { Module } from './module';
import { Linear, Dropout, LayerNorm, ModuleList } from './layers';
import { MultiheadAttention, generateSquareSubsequentMask } from './attention';
import { TransformerEncoderLayer, TransformerEncoder, activationOf, feedForward, type Activation } from './transformer';
import * as init from './init';
import type { LayerDtype } from './layer_dtype';

const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Options of every layer (and of nn.Transformer): torch's keyword arguments in camelCase. */
export interface TransformerLayerOptions extends LayerDtype {
  dimFeedforward?: number; dropout?: number; activation?: Activation; layerNormEps?: number;
  batchFirst?: boolean; normFirst?: boolean; bias?: boolean;
}
export interface DecoderForwardOptions {
  /** [T, T] or [N * nhead, T, T]: true (or -inf) marks target pairs that may not attend. */
  tgtMask?: Tensor | null;
  /** [T, S] or [N * nhead, T, S]: true (or -inf) marks (target, memory) pairs that may not attend. */
  memoryMask?: Tensor | null;
  /** [N, T]: true (or -inf) marks padded target positions. */
  tgtKeyPaddingMask?: Tensor | null;
  /** [N, S]: true (or -inf) marks padded memory positions. */
  memoryKeyPaddingMask?: Tensor | null;
  /** A hint that tgtMask is causal; without tgtMask myelin builds the causal mask (torch refuses). */
  tgtIsCausal?: boolean;
  /** A hint that memoryMask is causal; without memoryMask myelin builds it (top-left aligned). */
  memoryIsCausal?: boolean;
}

/** The sizes of a [T, N, E] / [N, T, E] (batchFirst) / [T, E] input: [T, N, E], N = 1 unbatched. */
function dims(op: string, what: string, x: Tensor, batchFirst: boolean): [number, number, number] {
  if (x.ndim === 2) return [x.shape[0], 1, x.shape[1]];
  if (x.ndim !== 3) throw new Error(`${op}: ${what} must be 3-D ${batchFirst ? '[N, T, E]' : '[T, N, E]'} or 2-D [T, E] (unbatched), got ${shapeStr(x.shape)}`);
  return batchFirst ? [x.shape[1], x.shape[0], x.shape[2]] : [x.shape[0], x.shape[1], x.shape[2]];
}
/** An attention mask of an L-long query over S keys: bool or float, [L, S] or [N * H, L, S]. */
function checkMask(op: string, name: string, m: unknown, L: number, S: number, NH: number): void {
  const t = optTensorArg(op, name, m);
  if (!t) return;
  if (t.dtype !== 'bool' && !isFloating(t.dtype)) throw new Error(`${op}: ${name} must be bool or floating point, got ${t.dtype}`);
  const ok = (t.ndim === 2 && t.shape[0] === L && t.shape[1] === S) || (t.ndim === 3 && t.shape[0] === NH && t.shape[1] === L && t.shape[2] === S);
  if (!ok) throw new Error(`${op}: ${name} ${shapeStr(t.shape)} must be ${shapeStr([L, S])} or [N * nhead, ${L}, ${S}] = ${shapeStr([NH, L, S])}`);
}
/** A key padding mask: bool or float, [N, S] ([S] unbatched). */
function checkPadding(op: string, name: string, m: unknown, N: number, S: number, batched: boolean): void {
  const t = optTensorArg(op, name, m);
  if (!t) return;
  if (t.dtype !== 'bool' && !isFloating(t.dtype)) throw new Error(`${op}: ${name} must be bool or floating point, got ${t.dtype}`);
  const want = batched ? [N, S] : [S];
  if (shapeStr(t.shape) !== shapeStr(want) && !(!batched && shapeStr(t.shape) === shapeStr([1, S])))
    throw new Error(`${op}: ${name} ${shapeStr(t.shape)} must be ${batched ? '[N, S]' : '[S]'} = ${shapeStr(want)}`);
}
/** Layer options checked once: [dimFeedforward, dropout, eps, bias, normFirst]. */
function layerOptions(op: string, o: Partial<TransformerLayerOptions>): [number, number, number, boolean, boolean] {
  const ff = o.dimFeedforward == null ? 2048 : intArg(op, 'dim_feedforward', o.dimFeedforward, 1);
  const p = o.dropout == null ? 0.1 : o.dropout;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`${op}: dropout must be between 0 and 1, got ${showValue(p)}`);
  const eps = o.layerNormEps == null ? 1e-5 : numberArg(op, 'layer_norm_eps', o.layerNormEps, 0);
  const bias = o.bias == null ? true : boolArg(op, 'bias', o.bias);
  const normFirst = o.normFirst == null ? false : boolArg(op, 'normFirst', o.normFirst);
  return [ff, p, eps, bias, normFirst];
}

/**
 * One decoder block as torch.nn.TransformerDecoderLayer: masked self-attention over the target,
 * cross-attention to the encoder's memory, and a feed-forward network, each with dropout, a
 * residual and LayerNorm (after, or before with normFirst).
 * Keys: self_attn.*, multihead_attn.*, linear1.*, linear2.*, norm1.*, norm2.*, norm3.*.
 * ```ts
 * const layer = new nn.TransformerDecoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * const y = layer.forward(tgt, memory, { tgtIsCausal: true });   // tgt [N, T, 32], memory [N, S, 32]
 * ```
 */
export class TransformerDecoderLayer extends Module {
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;
  readonly activation: (x: Tensor) => Tensor;
  /** The constructor's arguments, to make fresh copies (TransformerDecoder). */
  readonly config: [number, number, TransformerLayerOptions];
  constructor(readonly dModel: number, readonly nhead: number, opts: TransformerLayerOptions = {}) {
    super();
    const op = 'TransformerDecoderLayer';
    const o = optionsArg(op, opts);
    intArg(op, 'd_model', dModel, 1);
    intArg(op, 'nhead', nhead, 1);
    const [ff, p, eps, bias, normFirst] = layerOptions(op, o);
    this.normFirst = normFirst;
    this.batchFirst = o.batchFirst == null ? false : boolArg(op, 'batchFirst', o.batchFirst);
    this.activation = activationOf(op, o.activation);
    const dtype = o.dtype;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: this.batchFirst, dtype });
    this.multihead_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: this.batchFirst, dtype });
    this.linear1 = new Linear(dModel, ff, { bias, dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { bias, dtype });
    this.norm1 = new LayerNorm(dModel, eps, { bias, dtype });
    this.norm2 = new LayerNorm(dModel, eps, { bias, dtype });
    this.norm3 = new LayerNorm(dModel, eps, { bias, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    this.config = [dModel, nhead, { ...o }];
  }
  forward(tgt: Tensor, memory: Tensor, fo: DecoderForwardOptions = {}): Tensor {
    const op = 'TransformerDecoderLayer';
    tensorArg(op, 'tgt', tgt);
    tensorArg(op, 'memory', memory);
    const o = optionsArg(op, fo);
    const [T, N, E] = dims(op, 'tgt', tgt, this.batchFirst), [S, Nm, Em] = dims(op, 'memory', memory, this.batchFirst);
    if (memory.ndim !== tgt.ndim) throw new Error(`${op}: memory ${shapeStr(memory.shape)} and tgt ${shapeStr(tgt.shape)} must both be batched (3-D) or unbatched (2-D)`);
    if (E !== this.dModel || Em !== this.dModel) throw new Error(`${op}: the feature number of tgt ${shapeStr(tgt.shape)} and memory ${shapeStr(memory.shape)} must be d_model = ${this.dModel}`);
    if (Nm !== N) throw new Error(`${op}: memory ${shapeStr(memory.shape)} must have tgt's batch size ${N} (tgt ${shapeStr(tgt.shape)})`);
    const H = this.nhead, batched = tgt.ndim === 3;
    checkMask(op, 'tgtMask', o.tgtMask, T, T, N * H);
    checkMask(op, 'memoryMask', o.memoryMask, T, S, N * H);
    checkPadding(op, 'tgtKeyPaddingMask', o.tgtKeyPaddingMask, N, T, batched);
    checkPadding(op, 'memoryKeyPaddingMask', o.memoryKeyPaddingMask, N, S, batched);
    const tgtCausal = o.tgtIsCausal == null ? false : boolArg(op, 'tgtIsCausal', o.tgtIsCausal);
    const memCausal = o.memoryIsCausal == null ? false : boolArg(op, 'memoryIsCausal', o.memoryIsCausal);
    const sa = (x: Tensor): Tensor => this.dropout1.forward(this.self_attn.forward(x, x, x,
      { attnMask: o.tgtMask, keyPaddingMask: o.tgtKeyPaddingMask, needWeights: false, isCausal: tgtCausal })[0]);
    const ca = (x: Tensor): Tensor => this.dropout2.forward(this.multihead_attn.forward(x, memory, memory,
      { attnMask: o.memoryMask, keyPaddingMask: o.memoryKeyPaddingMask, needWeights: false, isCausal: memCausal })[0]);
    const ffn = (x: Tensor): Tensor => this.dropout3.forward(feedForward(x, this.linear1, this.linear2, this.dropout, this.activation));
    let x = tgt;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(ca(this.norm2.forward(x)));
      x = x.add(ffn(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(ca(x)));
      x = this.norm3.forward(x.add(ffn(x)));
    }
    return x;
  }
  /** A fresh layer with the same options and a copy of this one's parameters (torch's deepcopy). */
  clone(): TransformerDecoderLayer {
    const c = new TransformerDecoderLayer(...this.config);
    c.loadStateDict(this.stateDict());
    c.train(this.training);
    return c;
  }
}

/**
 * numLayers copies of a decoder layer (each starts with the given layer's weights, as torch's
 * deepcopy), then an optional final norm. Keys: layers.0.*, ..., norm.*.
 * ```ts
 * const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(32, 4), 2, { norm: new nn.LayerNorm(32) });
 * const y = dec.forward(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(T) });
 * ```
 */
export class TransformerDecoder extends Module {
  layers: ModuleList;
  norm: Module | null;
  constructor(decoderLayer: TransformerDecoderLayer, readonly numLayers: number, opts: { norm?: Module | null } = {}) {
    super();
    const op = 'TransformerDecoder';
    if (!(decoderLayer instanceof TransformerDecoderLayer)) throw new Error(`${op}: decoder_layer must be a TransformerDecoderLayer, got ${showValue(decoderLayer)}`);
    intArg(op, 'num_layers', numLayers, 1);
    const o = optionsArg(op, opts);
    if (o.norm != null && !(o.norm instanceof Module)) throw new Error(`${op}: norm must be a Module or null, got ${showValue(o.norm)}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.clone()));
    this.norm = o.norm ?? null;
  }
  forward(tgt: Tensor, memory: Tensor, fo: DecoderForwardOptions = {}): Tensor {
    tensorArg('TransformerDecoder', 'tgt', tgt);
    const o = optionsArg('TransformerDecoder', fo);
    let x = tgt;
    for (const l of this.layers) x = (l as TransformerDecoderLayer).forward(x, memory, o);
    return this.norm ? (this.norm.forward(x) as Tensor) : x;
  }
}

export interface TransformerOptions extends TransformerLayerOptions {
  /** Width of every layer (default 512). */
  dModel?: number;
  /** Attention heads (default 8). */
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  /** Used instead of the encoder stack: forward(src, { mask, srcKeyPaddingMask, isCausal }) -> memory. */
  customEncoder?: Module | null;
  /** Used instead of the decoder stack: forward(tgt, memory, DecoderForwardOptions) -> output. */
  customDecoder?: Module | null;
}
export interface TransformerForwardOptions extends DecoderForwardOptions {
  /** [S, S] or [N * nhead, S, S] mask of the encoder's self-attention. */
  srcMask?: Tensor | null;
  /** [N, S]: true (or -inf) marks padded source positions (the encoder's keys only; pass memoryKeyPaddingMask too, as torch). */
  srcKeyPaddingMask?: Tensor | null;
  /** A hint that srcMask is causal; without srcMask myelin builds the causal mask. */
  srcIsCausal?: boolean;
}

/**
 * The encoder-decoder model of "Attention is all you need", as torch.nn.Transformer: an encoder
 * stack and a decoder stack, each ending in a LayerNorm (torch adds both), every weight matrix
 * initialized xavier-uniform. Options default to torch's (dModel 512, nhead 8, 6 + 6 layers,
 * dimFeedforward 2048, dropout 0.1, relu, post-norm, sequence-first).
 * Keys: encoder.layers.{i}.*, encoder.norm.*, decoder.layers.{i}.*, decoder.norm.*.
 * ```ts
 * const model = new nn.Transformer({ dModel: 32, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, batchFirst: true });
 * const tgtMask = nn.Transformer.generateSquareSubsequentMask(tgt.shape[1]);
 * const y = model.forward(src, tgt, { tgtMask });   // src [N, S, 32], tgt [N, T, 32] -> [N, T, 32]
 * ```
 */
export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;
  /** The float causal mask [sz, sz]: 0 on and below the diagonal, -inf above (torch's). */
  static generateSquareSubsequentMask(sz: number, opts: LayerDtype = {}): Tensor { return generateSquareSubsequentMask(sz, opts); }
  constructor(opts: TransformerOptions = {}) {
    super();
    const op = 'Transformer';
    const o = optionsArg(op, opts);
    this.dModel = o.dModel == null ? 512 : intArg(op, 'd_model', o.dModel, 1);
    this.nhead = o.nhead == null ? 8 : intArg(op, 'nhead', o.nhead, 1);
    const ne = o.numEncoderLayers == null ? 6 : intArg(op, 'num_encoder_layers', o.numEncoderLayers, 1);
    const nd = o.numDecoderLayers == null ? 6 : intArg(op, 'num_decoder_layers', o.numDecoderLayers, 1);
    this.batchFirst = o.batchFirst == null ? false : boolArg(op, 'batchFirst', o.batchFirst);
    for (const k of ['customEncoder', 'customDecoder'] as const)
      if (o[k] != null && !(o[k] instanceof Module)) throw new Error(`${op}: ${k} must be a Module or null, got ${showValue(o[k])}`);
    const [, , eps, bias] = layerOptions(op, o);
    const layerOpts: TransformerLayerOptions = {
      dimFeedforward: o.dimFeedforward, dropout: o.dropout, activation: o.activation, layerNormEps: o.layerNormEps,
      batchFirst: this.batchFirst, normFirst: o.normFirst, bias: o.bias, dtype: o.dtype,
    };
    const norm = (): LayerNorm => new LayerNorm(this.dModel, eps, { bias, dtype: o.dtype });
    this.encoder = o.customEncoder ?? new TransformerEncoder(new TransformerEncoderLayer(this.dModel, this.nhead, layerOpts), ne, { norm: norm() });
    this.decoder = o.customDecoder ?? new TransformerDecoder(new TransformerDecoderLayer(this.dModel, this.nhead, layerOpts), nd, { norm: norm() });
    // torch's _reset_parameters: every matrix (custom stacks included) xavier-uniform
    for (const p of this.parameters()) if (p.ndim > 1) init.xavierUniform_(p);
  }
  /**
   * src [S, N, E] and tgt [T, N, E] ([N, S, E] / [N, T, E] with batchFirst, 2-D unbatched) ->
   * [T, N, E]: memory = encoder(src), then decoder(tgt, memory).
   */
  forward(src: Tensor, tgt: Tensor, fo: TransformerForwardOptions = {}): Tensor {
    const op = 'Transformer';
    tensorArg(op, 'src', src);
    tensorArg(op, 'tgt', tgt);
    const o = optionsArg(op, fo);
    if (src.ndim !== tgt.ndim || (src.ndim !== 2 && src.ndim !== 3))
      throw new Error(`${op}: src ${shapeStr(src.shape)} and tgt ${shapeStr(tgt.shape)} must both be 3-D (batched) or 2-D (unbatched)`);
    const bd = this.batchFirst ? 0 : 1;
    if (src.ndim === 3 && src.shape[bd] !== tgt.shape[bd])
      throw new Error(`${op}: the batch number of src ${shapeStr(src.shape)} and tgt ${shapeStr(tgt.shape)} must be equal (dim ${bd}${this.batchFirst ? ', batchFirst' : ''})`);
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel)
      throw new Error(`${op}: the feature number of src ${shapeStr(src.shape)} and tgt ${shapeStr(tgt.shape)} must be equal to d_model ${this.dModel}`);
    const S = src.shape[src.ndim === 3 ? 1 - bd : 0], N = src.ndim === 3 ? src.shape[bd] : 1;
    checkMask(op, 'srcMask', o.srcMask, S, S, N * this.nhead);
    checkPadding(op, 'srcKeyPaddingMask', o.srcKeyPaddingMask, N, S, src.ndim === 3);
    const srcCausal = o.srcIsCausal == null ? false : boolArg(op, 'srcIsCausal', o.srcIsCausal);
    const memory = this.encoder.forward(src, { mask: o.srcMask, srcKeyPaddingMask: o.srcKeyPaddingMask, isCausal: srcCausal }) as Tensor;
    return this.decoder.forward(tgt, memory, {
      tgtMask: o.tgtMask, memoryMask: o.memoryMask, tgtKeyPaddingMask: o.tgtKeyPaddingMask,
      memoryKeyPaddingMask: o.memoryKeyPaddingMask, tgtIsCausal: o.tgtIsCausal, memoryIsCausal: o.memoryIsCausal,
    }) as Tensor;
  }
}
