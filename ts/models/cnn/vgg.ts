// VGG (Simonyan & Zisserman, 2014): stacks of 3x3 convolutions (padding 1, so only the
// 2x2 max pools shrink the map), then the 4096-4096 classifier over a 512 x 7 x 7 pool.
import type { Tensor } from '../../tensor';
import { Module, Sequential, Conv2d, BatchNorm2d, MaxPool2d, AdaptiveAvgPool2d, Linear, ReLU, Dropout } from '../../nn/index';
import { optionsArg } from '../../args';

/** Output channels of each 3x3 conv, 'M' for a 2x2 max pool. */
export type VGGConfig = (number | 'M')[];

/** The paper's configurations A (11 weight layers), B (13), D (16) and E (19). */
export const VGG_CONFIGS: Record<'A' | 'B' | 'D' | 'E', VGGConfig> = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

export interface VGGOptions { numClasses?: number; inChannels?: number; batchNorm?: boolean; dropout?: number }

/** The convolutional trunk of a config (each conv keeps its bias even before BatchNorm, as torchvision). */
export function makeVGGLayers(cfg: VGGConfig, o: { inChannels?: number; batchNorm?: boolean } = {}): Sequential {
  const layers = new Sequential();
  let c = o.inChannels ?? 3;
  for (const v of cfg) {
    if (v === 'M') { layers.append(new MaxPool2d(2, { stride: 2 })); continue; }
    layers.append(new Conv2d(c, v, 3, { padding: 1 }));
    if (o.batchNorm) layers.append(new BatchNorm2d(v));
    layers.append(new ReLU());
    c = v;
  }
  return layers;
}

/**
 * VGG from a config. The last conv must have 512 channels (the classifier takes 512 x 7 x 7).
 * ```ts
 * const net = new models.VGG(models.VGG_CONFIGS.D);   // = models.vgg16()
 * ```
 */
export class VGG extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;
  constructor(readonly cfg: VGGConfig, o: VGGOptions = {}) {
    super();
    o = optionsArg('VGG', o);
    const convs = cfg.filter((v): v is number => v !== 'M');
    const last = convs[convs.length - 1];
    this.features = makeVGGLayers(cfg, o);
    this.avgpool = new AdaptiveAvgPool2d([7, 7]);
    const p = o.dropout ?? 0.5;
    this.classifier = new Sequential(
      new Linear(last * 7 * 7, 4096), new ReLU(), new Dropout(p),
      new Linear(4096, 4096), new ReLU(), new Dropout(p),
      new Linear(4096, o.numClasses ?? 1000),
    );
  }
  forward(x: Tensor): Tensor {
    const f = this.avgpool.forward(this.features.forward(x) as Tensor);
    return this.classifier.forward(f.flatten(1)) as Tensor;
  }
}

type Opts = Omit<VGGOptions, 'batchNorm'>;
export const vgg11 = (o: Opts = {}): VGG => new VGG(VGG_CONFIGS.A, o);
export const vgg11Bn = (o: Opts = {}): VGG => new VGG(VGG_CONFIGS.A, { ...o, batchNorm: true });
export const vgg13 = (o: Opts = {}): VGG => new VGG(VGG_CONFIGS.B, o);
export const vgg13Bn = (o: Opts = {}): VGG => new VGG(VGG_CONFIGS.B, { ...o, batchNorm: true });
export const vgg16 = (o: Opts = {}): VGG => new VGG(VGG_CONFIGS.D, o);
export const vgg16Bn = (o: Opts = {}): VGG => new VGG(VGG_CONFIGS.D, { ...o, batchNorm: true });
export const vgg19 = (o: Opts = {}): VGG => new VGG(VGG_CONFIGS.E, o);
export const vgg19Bn = (o: Opts = {}): VGG => new VGG(VGG_CONFIGS.E, { ...o, batchNorm: true });
