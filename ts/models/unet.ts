// A small U-Net for denoising diffusion (Ho et al. 2020, as in their and the `diffusers` 2-D U-Nets):
// residual blocks with GroupNorm and SiLU that take a time embedding, self-attention at the low
// resolutions, skip connections from each down level to its up level, and an optional class embedding
// (one extra "null" class for classifier-free guidance).
import type { Tensor } from '../tensor';
import { arange } from '../creation';
import { cat } from '../functional';
import { showValue } from '../args';
import { Module, intArg } from '../nn/module';
import { Conv2d } from '../nn/conv';
import { GroupNorm } from '../nn/norm2d';
import { Linear, ModuleList, Dropout, Identity } from '../nn/layers';
import { Embedding } from '../nn/embedding';
import { scaledDotProductAttention } from '../nn/attention';

/**
 * Sinusoidal embedding of diffusion time steps (the Transformer's position table, as DDPM uses it):
 * for t of shape [N], `[sin(t·f), cos(t·f)]` with f_i = 10000^(-i / (dim/2 - 1)), i < dim/2 (`diffusers`'
 * get_timestep_embedding with its defaults).
 */
export function timestepEmbedding(t: Tensor, dim: number): Tensor {
  intArg('timestepEmbedding', 'dim', dim, 2);
  if (dim % 2) throw new Error(`timestepEmbedding: dim must be even, got ${dim}`);
  const half = dim / 2;
  const freqs = arange(half, undefined, 1, { dtype: 'float32' }).mul(-Math.log(10000) / Math.max(1, half - 1)).exp();
  const args = t.to('float32').unsqueeze(1).mul(freqs.unsqueeze(0));
  return cat([args.sin(), args.cos()], 1);
}

/** GroupNorm → SiLU → conv, twice, with the time embedding added between; a 1x1 conv on the skip when the width changes. */
export class ResBlock extends Module {
  norm1: GroupNorm; conv1: Conv2d; temb: Linear; norm2: GroupNorm; dropout: Dropout; conv2: Conv2d; skip: Conv2d | null;
  constructor(inCh: number, outCh: number, tDim: number, groups: number, dropout = 0) {
    super();
    this.norm1 = new GroupNorm(groups, inCh); this.conv1 = new Conv2d(inCh, outCh, 3, { padding: 1 });
    this.temb = new Linear(tDim, outCh);
    this.norm2 = new GroupNorm(groups, outCh); this.dropout = new Dropout(dropout); this.conv2 = new Conv2d(outCh, outCh, 3, { padding: 1 });
    this.skip = inCh === outCh ? null : new Conv2d(inCh, outCh, 1);
  }
  forward(x: Tensor, emb: Tensor): Tensor {
    let h = this.conv1.forward(this.norm1.forward(x).silu());
    h = h.add(this.temb.forward(emb.silu()).unsqueeze(2).unsqueeze(3));
    h = this.conv2.forward(this.dropout.forward(this.norm2.forward(h).silu()));
    return (this.skip ? this.skip.forward(x) : x).add(h);
  }
}

/** Self-attention over the H·W positions of a feature map (multi-head, with a residual connection). */
export class AttentionBlock extends Module {
  norm: GroupNorm; qkv: Conv2d; proj: Conv2d;
  constructor(readonly channels: number, groups: number, readonly heads = 1) {
    super();
    if (channels % heads) throw new Error(`AttentionBlock: channels (${channels}) must be divisible by heads (${heads})`);
    this.norm = new GroupNorm(groups, channels); this.qkv = new Conv2d(channels, 3 * channels, 1); this.proj = new Conv2d(channels, channels, 1);
  }
  forward(x: Tensor): Tensor {
    const [n, c, h, w] = x.shape;
    const d = c / this.heads;
    // [N, 3C, H, W] -> three [N, heads, HW, d]
    const qkv = this.qkv.forward(this.norm.forward(x)).reshape([n, 3, this.heads, d, h * w]).permute([1, 0, 2, 4, 3]);
    const [q, k, v] = [0, 1, 2].map((i) => qkv.select(0, i));
    const a = scaledDotProductAttention(q, k, v); // [N, heads, HW, d]
    return x.add(this.proj.forward(a.permute([0, 1, 3, 2]).reshape([n, c, h, w])));
  }
}

export interface UNetOptions {
  inChannels?: number;
  /** Width of the first level; level i has channels · channelMults[i]. */
  channels?: number;
  channelMults?: number[];
  /** Levels (by index) that get self-attention after their residual block. */
  attentionLevels?: number[];
  groups?: number;
  dropout?: number;
  /** Class-conditional: embeddings for numClasses labels plus one "no label" (label numClasses) for guidance. */
  numClasses?: number | null;
  heads?: number;
}

/**
 * `forward(x [N, C, H, W], t [N] (int64 steps), y? [N] int64 labels)` predicts the noise in x.
 * H and W must be divisible by 2^(levels - 1). MNIST: `new UNet({ channels: 32, channelMults: [1, 2, 2],
 * attentionLevels: [2], numClasses: 10 })` (28 → 14 → 7).
 */
/**
 * Nearest x2 upsampling, F.interpolate(h, { scaleFactor: 2, mode: 'nearest' }) (torch's index floor(i / 2)),
 * as one broadcast copy: its backward is one sum over the copies, where interpolate's two index_selects
 * take two zero-filled buffers and two index_adds.
 */
function upsample2x(h: Tensor): Tensor {
  const [n, c, H, W] = h.shape;
  return h.reshape([n, c, H, 1, W, 1]).expand([n, c, H, 2, W, 2]).reshape([n, c, 2 * H, 2 * W]);
}

export class UNet extends Module {
  readonly numClasses: number | null;
  readonly levels: number;
  timeMlp1: Linear; timeMlp2: Linear; classEmb: Embedding | null;
  inConv: Conv2d;
  down: ModuleList; downAttn: ModuleList; downsample: ModuleList;
  mid1: ResBlock; midAttn: AttentionBlock; mid2: ResBlock;
  up: ModuleList; upAttn: ModuleList; upsample: ModuleList;
  outNorm: GroupNorm; outConv: Conv2d;
  private readonly baseCh: number;
  constructor(o: UNetOptions = {}) {
    super();
    const inCh = intArg('UNet', 'inChannels', o.inChannels ?? 1);
    const ch = intArg('UNet', 'channels', o.channels ?? 32);
    const mults = o.channelMults ?? [1, 2, 2];
    if (!Array.isArray(mults) || mults.length === 0) throw new Error(`UNet: channelMults must be a non-empty array, got ${showValue(mults)}`);
    mults.forEach((m) => intArg('UNet', 'channelMults', m));
    const attn = new Set(o.attentionLevels ?? [mults.length - 1]);
    const groups = o.groups ?? 8, drop = o.dropout ?? 0, heads = o.heads ?? 1;
    this.numClasses = o.numClasses == null ? null : intArg('UNet', 'numClasses', o.numClasses);
    this.levels = mults.length;
    this.baseCh = ch;
    const tDim = 4 * ch;
    this.timeMlp1 = new Linear(ch, tDim); this.timeMlp2 = new Linear(tDim, tDim);
    this.classEmb = this.numClasses === null ? null : new Embedding(this.numClasses + 1, tDim);
    this.inConv = new Conv2d(inCh, ch, 3, { padding: 1 });
    const widths = mults.map((m) => ch * m);
    const down: Module[] = [], downAttn: Module[] = [], downsample: Module[] = [];
    let prev = ch;
    widths.forEach((w, i) => {
      down.push(new ResBlock(prev, w, tDim, groups, drop));
      downAttn.push(attn.has(i) ? new AttentionBlock(w, groups, heads) : new Identity());
      if (i < widths.length - 1) downsample.push(new Conv2d(w, w, 3, { stride: 2, padding: 1 }));
      prev = w;
    });
    this.down = new ModuleList(down); this.downAttn = new ModuleList(downAttn); this.downsample = new ModuleList(downsample);
    this.mid1 = new ResBlock(prev, prev, tDim, groups, drop); this.midAttn = new AttentionBlock(prev, groups, heads); this.mid2 = new ResBlock(prev, prev, tDim, groups, drop);
    const up: Module[] = [], upAttn: Module[] = [], upsample: Module[] = [];
    for (let i = widths.length - 1; i >= 0; i--) {
      up.push(new ResBlock(prev + widths[i], widths[i], tDim, groups, drop)); // concatenated with level i's skip
      upAttn.push(attn.has(i) ? new AttentionBlock(widths[i], groups, heads) : new Identity());
      if (i > 0) upsample.push(new Conv2d(widths[i], widths[i], 3, { padding: 1 })); // after nearest x2
      prev = widths[i];
    }
    this.up = new ModuleList(up); this.upAttn = new ModuleList(upAttn); this.upsample = new ModuleList(upsample);
    this.outNorm = new GroupNorm(groups, prev); this.outConv = new Conv2d(prev, inCh, 3, { padding: 1 });
  }

  forward(x: Tensor, t: Tensor, y?: Tensor | null): Tensor {
    const f = 2 ** (this.levels - 1);
    if (x.ndim !== 4 || x.shape[2] % f || x.shape[3] % f)
      throw new Error(`UNet: expected [N, C, H, W] input with H and W divisible by ${f}, got [${x.shape.join(', ')}]`);
    if (t.ndim !== 1 || t.shape[0] !== x.shape[0]) throw new Error(`UNet: t must be [${x.shape[0]}] (one step per image), got [${t.shape.join(', ')}]`);
    let emb = this.timeMlp2.forward(this.timeMlp1.forward(timestepEmbedding(t, this.baseCh)).silu());
    if (this.classEmb) {
      if (y == null) throw new Error(`UNet: this model is class-conditional: give labels y (use ${this.numClasses} for "no label")`);
      emb = emb.add(this.classEmb.forward(y));
    }
        let h = this.inConv.forward(x);
    const skips: Tensor[] = [];
    for (let i = 0; i < this.levels; i++) {
      h = this.downAttn.at(i).forward((this.down.at(i) as ResBlock).forward(h, emb)) as Tensor;
      skips.push(h);
      if (i < this.levels - 1) h = (this.downsample.at(i) as Conv2d).forward(h);
    }
    h = this.mid2.forward(this.midAttn.forward(this.mid1.forward(h, emb)), emb);
    for (let j = 0; j < this.levels; j++) {
      h = this.upAttn.at(j).forward((this.up.at(j) as ResBlock).forward(cat([h, skips[this.levels - 1 - j]], 1), emb)) as Tensor;
      if (j < this.levels - 1) h = (this.upsample.at(j) as Conv2d).forward(upsample2x(h));
    }
    return this.outConv.forward(this.outNorm.forward(h).silu());
  }
}
