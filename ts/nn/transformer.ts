// Transformer stacks with PyTorch's options and state-dict keys: TransformerEncoderLayer and
// TransformerEncoder (deep copies of one layer, `layers.0.self_attn.in_proj_weight`, ...); the
// decoder side and the whole nn.Transformer live in transformer_decoder.ts.
import { Tensor } from '../tensor';
import { tensorArg, intArg, numberArg, boolArg, showValue, optionsArg } from '../args';
import { Module } from './module';
import { Linear, Dropout, LayerNorm, ModuleList } from './layers';
import { MultiheadAttention, generateSquareSubsequentMask } from './attention';
import type { LayerDtype } from './layer_dtype';

export { MultiheadAttention };

export type Activation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);
export interface TransformerEncoderLayerOptions extends LayerDtype {
  dimFeedforward?: number; dropout?: number; activation?: Activation; layerNormEps?: number;
  batchFirst?: boolean; normFirst?: boolean; bias?: boolean;
}
export interface EncoderForwardOptions {
  /** [S, S] or [N * nhead, S, S]: true (or -inf) marks pairs that may not attend. */
  srcMask?: Tensor | null;
  /** [N, S]: true (or -inf) marks padding keys. */
  srcKeyPaddingMask?: Tensor | null;
  /** A hint that srcMask is causal; without srcMask myelin builds the causal mask. */
  isCausal?: boolean;
}

export function activationOf(op: string, a: unknown): (x: Tensor) => Tensor {
  if (a === undefined || a === null || a === 'relu') return (x) => x.relu();
  if (a === 'gelu') return (x) => x.gelu();
  if (typeof a === 'function') {
    // a user function's result is checked here, so a wrong one names this layer, not a later op
    return (x) => {
      const y = (a as (t: Tensor) => unknown)(x);
      if (!(y instanceof Tensor)) throw new Error(`${op}: the activation function must return a Tensor, got ${showValue(y)}`);
      return y;
    };
  }
  throw new Error(`${op}: activation should be 'relu', 'gelu' or a function, not ${typeof a === 'string' ? `'${a}'` : showValue(a)}`);
}

/**
 * linear2(dropout(activation(linear1(x)))) on x's rows flattened to 2-D. NOTE: Linear on a 3-D
 * input is a batched matmul whose weight gradient is one small GEMM per leading index plus a sum;
 * flattened, it is one GEMM (the encoder layer's training step ran about 1.6x faster; see bench/transformer.js).
 */
export function feedForward(x: Tensor, linear1: Linear, linear2: Linear, dropout: Dropout, activation: (x: Tensor) => Tensor): Tensor {
  const E = x.shape[x.ndim - 1];
  const h = dropout.forward(activation(linear1.forward(x.reshape([-1, E]))));
  return linear2.forward(h).reshape([...x.shape]);
}

/**
 * One encoder block as torch.nn.TransformerEncoderLayer: self-attention and a feed-forward
 * network, each with dropout, a residual and LayerNorm (after, or before with normFirst).
 * Keys: self_attn.*, linear1.*, linear2.*, norm1.*, norm2.*.
 * ```ts
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * const y = layer.forward(x, { srcKeyPaddingMask: pad });   // x [N, S, 32]
 * ```
 */
export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  readonly normFirst: boolean;
  readonly activation: (x: Tensor) => Tensor;
  /** The constructor's arguments, to make fresh copies (TransformerEncoder). */
  readonly config: [number, number, TransformerEncoderLayerOptions];
  constructor(readonly dModel: number, readonly nhead: number, opts: TransformerEncoderLayerOptions = {}) {
    super();
    const op = 'TransformerEncoderLayer';
    const o = optionsArg(op, opts);
    intArg(op, 'd_model', dModel, 1);
    intArg(op, 'nhead', nhead, 1);
    const ff = o.dimFeedforward == null ? 2048 : intArg(op, 'dim_feedforward', o.dimFeedforward, 1);
    const p = o.dropout == null ? 0.1 : o.dropout;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`${op}: dropout must be between 0 and 1, got ${showValue(p)}`);
    const eps = o.layerNormEps == null ? 1e-5 : numberArg(op, 'layer_norm_eps', o.layerNormEps, 0);
    const bias = o.bias == null ? true : boolArg(op, 'bias', o.bias);
    this.normFirst = o.normFirst == null ? false : boolArg(op, 'normFirst', o.normFirst);
    this.activation = activationOf(op, o.activation);
    const dtype = o.dtype;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: o.batchFirst, dtype });
    this.linear1 = new Linear(dModel, ff, { bias, dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { bias, dtype });
    this.norm1 = new LayerNorm(dModel, eps, { bias, dtype });
    this.norm2 = new LayerNorm(dModel, eps, { bias, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.config = [dModel, nhead, { ...o }];
  }
  forward(src: Tensor, fo: EncoderForwardOptions = {}): Tensor {
    const op = 'TransformerEncoderLayer';
    tensorArg(op, 'src', src);
    const o = optionsArg(op, fo);
    const sa = (x: Tensor): Tensor => this.dropout1.forward(this.self_attn.forward(x, x, x,
      { attnMask: o.srcMask, keyPaddingMask: o.srcKeyPaddingMask, needWeights: false, isCausal: o.isCausal ?? false })[0]);
    const ffn = (x: Tensor): Tensor => this.dropout2.forward(feedForward(x, this.linear1, this.linear2, this.dropout, this.activation));
    let x = src;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(ffn(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(ffn(x)));
    }
    return x;
  }
  /** A fresh layer with the same options and a copy of this one's parameters (torch's deepcopy). */
  clone(): TransformerEncoderLayer {
    const c = new TransformerEncoderLayer(...this.config);
    c.loadStateDict(this.stateDict());
    c.train(this.training);
    return c;
  }
}

/**
 * numLayers copies of an encoder layer (each starts with the given layer's weights, as torch's
 * deepcopy), then an optional final norm. enableNestedTensor is accepted and ignored: myelin
 * always runs the padded computation (torch's eval fast path zeroes padded positions instead).
 * ```ts
 * const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(32, 4), 2);
 * ```
 */
export class TransformerEncoder extends Module {
  layers: ModuleList;
  norm: Module | null;
  constructor(encoderLayer: TransformerEncoderLayer, readonly numLayers: number, opts: { norm?: Module | null; enableNestedTensor?: boolean; maskCheck?: boolean } = {}) {
    super();
    const op = 'TransformerEncoder';
    if (!(encoderLayer instanceof TransformerEncoderLayer)) throw new Error(`${op}: encoder_layer must be a TransformerEncoderLayer, got ${showValue(encoderLayer)}`);
    intArg(op, 'num_layers', numLayers, 1);
    const o = optionsArg(op, opts);
    if (o.norm != null && !(o.norm instanceof Module)) throw new Error(`${op}: norm must be a Module or null, got ${showValue(o.norm)}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.clone()));
    this.norm = o.norm ?? null;
  }
  forward(src: Tensor, fo: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; isCausal?: boolean } = {}): Tensor {
    tensorArg('TransformerEncoder', 'src', src);
    const o = optionsArg('TransformerEncoder', fo);
    let x = src;
    for (const l of this.layers) x = (l as TransformerEncoderLayer).forward(x, { srcMask: o.mask, srcKeyPaddingMask: o.srcKeyPaddingMask, isCausal: o.isCausal });
    return this.norm ? (this.norm.forward(x) as Tensor) : x;
  }
}
