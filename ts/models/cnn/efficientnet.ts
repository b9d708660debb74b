// EfficientNet B0-B7 (Tan & Le, 2019): MBConv blocks (inverted residuals with squeeze-and-
// excitation, Sandler et al. / Hu et al.) and compound scaling, in torchvision's layout:
// every stage's width is scaled by `width` and rounded to a multiple of 8, its depth
// by `depth` and rounded up; BatchNorm eps 1e-3, momentum 0.01; SiLU throughout.
import type { Tensor } from '../../tensor';
import { rand } from '../../creation';
import { Module, Sequential, Conv2d, BatchNorm2d, AdaptiveAvgPool2d, Linear, SiLU, Dropout, Identity, init } from '../../nn/index';
import { optionsArg } from '../../args';

/**
 * Rounds v to the nearest multiple of divisor (at least minValue) without losing more than
 * 10% of it: the channel rounding of the reference implementation (and MobileNet's).
 */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  let out = Math.max(minValue, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

const bn = (c: number) => new BatchNorm2d(c, { eps: 1e-3, momentum: 0.01 });

/** conv (no bias) -> BN -> SiLU (or no activation), padding (k-1)/2 so only the stride resizes. */
function convBnAct(inC: number, outC: number, k: number, o: { stride?: number; groups?: number; act?: boolean } = {}): Sequential {
  const seq = new Sequential(new Conv2d(inC, outC, k, { stride: o.stride ?? 1, padding: (k - 1) >> 1, groups: o.groups ?? 1, bias: false }), bn(outC));
  if (o.act !== false) seq.append(new SiLU());
  return seq;
}

/** Channel attention: global mean -> 1x1 reduce -> SiLU -> 1x1 expand -> sigmoid gate on x. */
export class SqueezeExcitation extends Module {
  avgpool = new AdaptiveAvgPool2d(1);
  fc1: Conv2d;
  fc2: Conv2d;
  constructor(channels: number, squeeze: number) {
    super();
    this.fc1 = new Conv2d(channels, squeeze, 1);
    this.fc2 = new Conv2d(squeeze, channels, 1);
  }
  forward(x: Tensor): Tensor {
    const s = this.fc2.forward(this.fc1.forward(this.avgpool.forward(x)).silu()).sigmoid();
    return x.mul(s);
  }
}

/**
 * Drops a whole residual branch per sample with probability p in training (scaling the kept
 * ones by 1/(1-p)), so the network is implicitly an ensemble of shallower ones; identity in eval.
 */
export class StochasticDepth extends Module {
  constructor(readonly p: number) { super(); }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = rand([x.shape[0], 1, 1, 1], { dtype: x.dtype }).ge(this.p).to(x.dtype).div(1 - this.p);
    return x.mul(keep);
  }
  extraRepr(): string { return `p=${this.p}, mode=row`; }
}

/** One stage of the baseline (B0) network, before scaling. */
export interface MBConvConfig { expandRatio: number; kernel: number; stride: number; inChannels: number; outChannels: number; numLayers: number }

/** B0's seven stages (the paper's Table 1, stages 2-8). */
export const EFFICIENTNET_B0_STAGES: MBConvConfig[] = [
  { expandRatio: 1, kernel: 3, stride: 1, inChannels: 32, outChannels: 16, numLayers: 1 },
  { expandRatio: 6, kernel: 3, stride: 2, inChannels: 16, outChannels: 24, numLayers: 2 },
  { expandRatio: 6, kernel: 5, stride: 2, inChannels: 24, outChannels: 40, numLayers: 2 },
  { expandRatio: 6, kernel: 3, stride: 2, inChannels: 40, outChannels: 80, numLayers: 3 },
  { expandRatio: 6, kernel: 5, stride: 1, inChannels: 80, outChannels: 112, numLayers: 3 },
  { expandRatio: 6, kernel: 5, stride: 2, inChannels: 112, outChannels: 192, numLayers: 4 },
  { expandRatio: 6, kernel: 3, stride: 1, inChannels: 192, outChannels: 320, numLayers: 1 },
];

/** Mobile inverted bottleneck: 1x1 expand -> depthwise kxk -> SE -> 1x1 project (linear), + x when shapes allow. */
export class MBConv extends Module {
  block: Sequential;
  stochasticDepth: StochasticDepth;
  readonly useResidual: boolean;
  constructor(readonly inChannels: number, readonly outChannels: number, expandRatio: number, kernel: number, stride: number, sdProb: number) {
    super();
    this.useResidual = stride === 1 && inChannels === outChannels;
    const expanded = makeDivisible(inChannels * expandRatio, 8);
    this.block = new Sequential();
    if (expanded !== inChannels) this.block.append(convBnAct(inChannels, expanded, 1));
    this.block.append(convBnAct(expanded, expanded, kernel, { stride, groups: expanded }));
    // The squeeze width follows the block's input, not the expanded width (as the reference).
    this.block.append(new SqueezeExcitation(expanded, Math.max(1, Math.floor(inChannels / 4))));
    this.block.append(convBnAct(expanded, outChannels, 1, { act: false }));
    this.stochasticDepth = new StochasticDepth(sdProb);
  }
  forward(x: Tensor): Tensor {
    const y = this.block.forward(x) as Tensor;
    return this.useResidual ? this.stochasticDepth.forward(y).add(x) : y;
  }
}

export interface EfficientNetOptions {
  numClasses?: number;
  inChannels?: number;
  /** Classifier dropout (each variant has its own default). */
  dropout?: number;
  /** Final drop probability of stochastic depth, reached linearly over the blocks (0.2). */
  stochasticDepthProb?: number;
}

/**
 * EfficientNet from a width and a depth multiplier.
 * ```ts
 * const net = models.efficientnetB0({ numClasses: 10 });
 * net.eval().forward(randn(1, 3, 224, 224));   // [1, 10]
 * ```
 */
export class EfficientNet extends Module {
  features: Sequential;
  avgpool = new AdaptiveAvgPool2d(1);
  classifier: Sequential;
  constructor(readonly width: number, readonly depth: number, o: EfficientNetOptions = {}) {
    super();
    o = optionsArg('EfficientNet', o);
    const ch = (c: number) => makeDivisible(c * width, 8);
    const reps = (n: number) => Math.ceil(n * depth);
    const stages = EFFICIENTNET_B0_STAGES;
    const total = stages.reduce((s, c) => s + reps(c.numLayers), 0);
    const sd = o.stochasticDepthProb ?? 0.2;
    this.features = new Sequential(convBnAct(o.inChannels ?? 3, ch(stages[0].inChannels), 3, { stride: 2 }));
    let id = 0;
    for (const c of stages) {
      const stage = new Sequential();
      for (let i = 0; i < reps(c.numLayers); i++) {
        // Only a stage's first block changes stride and width; drop probability grows with depth.
        const inC = i === 0 ? ch(c.inChannels) : ch(c.outChannels);
        stage.append(new MBConv(inC, ch(c.outChannels), c.expandRatio, c.kernel, i === 0 ? c.stride : 1, sd * id / total));
        id++;
      }
      this.features.append(stage);
    }
    const lastIn = ch(stages[stages.length - 1].outChannels), lastOut = 4 * lastIn;
    this.features.append(convBnAct(lastIn, lastOut, 1));
    this.classifier = new Sequential(new Dropout(o.dropout ?? 0.2), new Linear(lastOut, o.numClasses ?? 1000));
    // torchvision's init: He normal (fan out) convs, U(±1/√out) for the classifier, zero biases.
    for (const m of this.modules()) {
      if (m instanceof Conv2d) { init.kaimingNormal_(m.weight, { mode: 'fanOut' }); if (m.bias) init.zeros_(m.bias); }
      else if (m instanceof Linear) { const r = 1 / Math.sqrt(m.outFeatures); init.uniform_(m.weight, -r, r); if (m.bias) init.zeros_(m.bias); }
    }
  }
  /** Every MBConv block, in order. */
  blocks(): MBConv[] { return this.modules().filter((m): m is MBConv => m instanceof MBConv); }
  forward(x: Tensor): Tensor {
    const f = this.avgpool.forward(this.features.forward(x) as Tensor).flatten(1);
    return this.classifier.forward(f) as Tensor;
  }
}

/** (width, depth, resolution, dropout) of each variant: the paper's compound scaling, as published. */
export const EFFICIENTNET_PARAMS = {
  b0: [1.0, 1.0, 224, 0.2], b1: [1.0, 1.1, 240, 0.2], b2: [1.1, 1.2, 260, 0.3], b3: [1.2, 1.4, 300, 0.3],
  b4: [1.4, 1.8, 380, 0.4], b5: [1.6, 2.2, 456, 0.4], b6: [1.8, 2.6, 528, 0.5], b7: [2.0, 3.1, 600, 0.5],
} as const satisfies Record<string, readonly [number, number, number, number]>;

const variant = (k: keyof typeof EFFICIENTNET_PARAMS) => (o: EfficientNetOptions = {}): EfficientNet => {
  const [w, d, , p] = EFFICIENTNET_PARAMS[k];
  return new EfficientNet(w, d, { dropout: p, ...o });
};
export const efficientnetB0 = variant('b0');
export const efficientnetB1 = variant('b1');
export const efficientnetB2 = variant('b2');
export const efficientnetB3 = variant('b3');
export const efficientnetB4 = variant('b4');
export const efficientnetB5 = variant('b5');
export const efficientnetB6 = variant('b6');
export const efficientnetB7 = variant('b7');
