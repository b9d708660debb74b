// The Vision Transformer (Dosovitskiy et al., 2020): the image cut into patches by a strided
// Conv2d, a learned class token and learned positions, pre-norm encoder blocks (nn's
// TransformerEncoderLayer with GELU), a final LayerNorm and a linear head on the class token.
import { Tensor } from '../tensor';
import { zeros } from '../creation';
import { cat } from '../functional';
import { tensorArg, intArg, numberArg, optionsArg } from '../args';
import { Module, Parameter, Conv2d, LayerNorm, Linear, Dropout, TransformerEncoder, TransformerEncoderLayer, init } from '../nn/index';

export interface ViTOptions {
  /** Image side in pixels (square images). Default 28 (MNIST). */
  imageSize?: number;
  /** Patch side; imageSize must be a multiple of it. Default 4. */
  patchSize?: number;
  inChannels?: number;
  numClasses?: number;
  /** Token width. Default 64. */
  dim?: number;
  depth?: number;
  heads?: number;
  /** Hidden width of each block's MLP. Default 2 * dim. */
  mlpDim?: number;
  dropout?: number;
}

/**
 * ViT: `conv_proj` (kernel = stride = patchSize) makes (imageSize / patchSize)² patch tokens;
 * `class_token` is prepended and `pos_embedding` [1, tokens + 1, dim] added (both normal,
 * std 0.02, as torchvision); `encoder` holds `depth` pre-norm blocks (`encoder.layers.0.self_attn...`),
 * then `norm` and `head` on the class token. Input [N, C, H, W] → logits [N, numClasses].
 * ```ts
 * const vit = new models.ViT({ imageSize: 28, patchSize: 4, dim: 64, depth: 4, heads: 4 });
 * const logits = vit.forward(randn([8, 1, 28, 28]));   // [8, 10]
 * ```
 */
export class ViT extends Module {
  conv_proj: Conv2d;
  class_token: Parameter;
  pos_embedding: Parameter;
  dropout: Dropout;
  encoder: TransformerEncoder;
  norm: LayerNorm;
  head: Linear;
  readonly imageSize: number;
  readonly patchSize: number;
  readonly inChannels: number;
  readonly dim: number;
  constructor(opts: ViTOptions = {}) {
    super();
    const op = 'ViT';
    const o = optionsArg(op, opts);
    this.imageSize = intArg(op, 'imageSize', o.imageSize ?? 28, 1);
    this.patchSize = intArg(op, 'patchSize', o.patchSize ?? 4, 1);
    if (this.imageSize % this.patchSize !== 0) throw new Error(`${op}: imageSize (${this.imageSize}) must be a multiple of patchSize (${this.patchSize})`);
    this.inChannels = intArg(op, 'inChannels', o.inChannels ?? 1, 1);
    const numClasses = intArg(op, 'numClasses', o.numClasses ?? 10, 1);
    const d = (this.dim = intArg(op, 'dim', o.dim ?? 64, 1));
    const depth = intArg(op, 'depth', o.depth ?? 4, 1), heads = intArg(op, 'heads', o.heads ?? 4, 1);
    if (d % heads !== 0) throw new Error(`${op}: dim (${d}) must be divisible by heads (${heads})`);
    const mlp = intArg(op, 'mlpDim', o.mlpDim ?? 2 * d, 1);
    const p = numberArg(op, 'dropout', o.dropout ?? 0, 0);
    if (p > 1) throw new Error(`${op}: dropout must be between 0 and 1, got ${p}`);
    const n = (this.imageSize / this.patchSize) ** 2;
    this.conv_proj = new Conv2d(this.inChannels, d, this.patchSize, { stride: this.patchSize });
    this.class_token = new Parameter(zeros([1, 1, d]));
    this.pos_embedding = new Parameter(zeros([1, n + 1, d]));
    init.normal_(this.class_token, 0, 0.02);
    init.normal_(this.pos_embedding, 0, 0.02);
    this.dropout = new Dropout(p);
    this.encoder = new TransformerEncoder(new TransformerEncoderLayer(d, heads, {
      dimFeedforward: mlp, dropout: p, activation: 'gelu', batchFirst: true, normFirst: true, layerNormEps: 1e-6,
    }), depth, { enableNestedTensor: false });
    this.norm = new LayerNorm(d, 1e-6);
    this.head = new Linear(d, numClasses);
  }
  /** The token sequence [N, 1 + patches, dim] before the encoder. */
  embed(x: Tensor): Tensor {
    const op = 'ViT';
    tensorArg(op, 'input', x);
    const s = this.imageSize, c = this.inChannels;
    if (x.ndim !== 4 || x.shape[1] !== c || x.shape[2] !== s || x.shape[3] !== s)
      throw new Error(`${op}: input must be [N, ${c}, ${s}, ${s}], got [${x.shape.join(', ')}]`);
    const N = x.shape[0];
    const patches = this.conv_proj.forward(x).flatten(2).transpose(1, 2);   // [N, n, d]
    const tokens = cat([this.class_token.expand([N, 1, this.dim]), patches], 1);
    return this.dropout.forward(tokens.add(this.pos_embedding));
  }
  forward(x: Tensor): Tensor {
    const h = this.encoder.forward(this.embed(x));
    return this.head.forward(this.norm.forward(h.select(1, 0)));
  }
}
