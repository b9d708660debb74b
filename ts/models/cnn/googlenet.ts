// GoogLeNet / Inception v1 (Szegedy et al., 2014) in torchvision's layout: every conv is
// conv (no bias) + BatchNorm (eps 0.001) + ReLU, the "5x5" branch uses a 3x3 kernel (as
// torchvision's weights do), and max pools round up (ceilMode). No auxiliary heads.
import type { Tensor } from '../../tensor';
import { cat } from '../../functional';
import { Module, Sequential, Conv2d, BatchNorm2d, MaxPool2d, AdaptiveAvgPool2d, Linear, Dropout } from '../../nn/index';
import type { ConvOptions } from '../../nn/index';
import { optionsArg } from '../../args';

/** conv (bias false) -> BN(eps 1e-3) -> ReLU. */
export class BasicConv2d extends Module {
  conv: Conv2d;
  bn: BatchNorm2d;
  constructor(inC: number, outC: number, k: number, o: ConvOptions = {}) {
    super();
    this.conv = new Conv2d(inC, outC, k, { ...o, bias: false });
    this.bn = new BatchNorm2d(outC, { eps: 0.001 });
  }
  forward(x: Tensor): Tensor { return this.bn.forward(this.conv.forward(x)).relu(); }
}

/** Four parallel branches concatenated on channels: 1x1 | 1x1 -> 3x3 | 1x1 -> 3x3 | pool -> 1x1. */
export class Inception extends Module {
  branch1: BasicConv2d;
  branch2: Sequential;
  branch3: Sequential;
  branch4: Sequential;
  readonly outChannels: number;
  constructor(inC: number, ch1x1: number, ch3x3red: number, ch3x3: number, ch5x5red: number, ch5x5: number, poolProj: number) {
    super();
    this.branch1 = new BasicConv2d(inC, ch1x1, 1);
    this.branch2 = new Sequential(new BasicConv2d(inC, ch3x3red, 1), new BasicConv2d(ch3x3red, ch3x3, 3, { padding: 1 }));
    this.branch3 = new Sequential(new BasicConv2d(inC, ch5x5red, 1), new BasicConv2d(ch5x5red, ch5x5, 3, { padding: 1 }));
    this.branch4 = new Sequential(new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }), new BasicConv2d(inC, poolProj, 1));
    this.outChannels = ch1x1 + ch3x3 + ch5x5 + poolProj;
  }
  forward(x: Tensor): Tensor {
    const run = (m: Module) => m.forward(x) as Tensor;
    return cat([run(this.branch1), run(this.branch2), run(this.branch3), run(this.branch4)], 1);
  }
}

export interface GoogLeNetOptions { numClasses?: number; inChannels?: number; dropout?: number }

/**
 * GoogLeNet: [N, 3, H, W] -> [N, numClasses]; 6,624,904 parameters at 1000 classes.
 * The five stride-2 stages cut the map 32x, so H, W >= 32.
 */
export class GoogLeNet extends Module {
  conv1: BasicConv2d; maxpool1: MaxPool2d; conv2: BasicConv2d; conv3: BasicConv2d; maxpool2: MaxPool2d;
  inception3a: Inception; inception3b: Inception; maxpool3: MaxPool2d;
  inception4a: Inception; inception4b: Inception; inception4c: Inception; inception4d: Inception; inception4e: Inception; maxpool4: MaxPool2d;
  inception5a: Inception; inception5b: Inception;
  avgpool = new AdaptiveAvgPool2d(1);
  dropout: Dropout;
  fc: Module;
  constructor(o: GoogLeNetOptions = {}) {
    super();
    o = optionsArg('GoogLeNet', o);
    const pool = (k: number) => new MaxPool2d(k, { stride: 2, ceilMode: true });
    this.conv1 = new BasicConv2d(o.inChannels ?? 3, 64, 7, { stride: 2, padding: 3 });
    this.maxpool1 = pool(3);
    this.conv2 = new BasicConv2d(64, 64, 1);
    this.conv3 = new BasicConv2d(64, 192, 3, { padding: 1 });
    this.maxpool2 = pool(3);
    // (in, 1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5", pool proj): the paper's Table 1.
    this.inception3a = new Inception(192, 64, 96, 128, 16, 32, 32);
    this.inception3b = new Inception(256, 128, 128, 192, 32, 96, 64);
    this.maxpool3 = pool(3);
    this.inception4a = new Inception(480, 192, 96, 208, 16, 48, 64);
    this.inception4b = new Inception(512, 160, 112, 224, 24, 64, 64);
    this.inception4c = new Inception(512, 128, 128, 256, 24, 64, 64);
    this.inception4d = new Inception(512, 112, 144, 288, 32, 64, 64);
    this.inception4e = new Inception(528, 256, 160, 320, 32, 128, 128);
    this.maxpool4 = pool(2);
    this.inception5a = new Inception(832, 256, 160, 320, 32, 128, 128);
    this.inception5b = new Inception(832, 384, 192, 384, 48, 128, 128);
    this.dropout = new Dropout(o.dropout ?? 0.2);
    this.fc = new Linear(1024, o.numClasses ?? 1000);
  }
  forward(x: Tensor): Tensor {
    const seq: Module[] = [this.conv1, this.maxpool1, this.conv2, this.conv3, this.maxpool2,
      this.inception3a, this.inception3b, this.maxpool3,
      this.inception4a, this.inception4b, this.inception4c, this.inception4d, this.inception4e, this.maxpool4,
      this.inception5a, this.inception5b, this.avgpool];
    for (const m of seq) x = m.forward(x) as Tensor;
    return this.fc.forward(this.dropout.forward(x.flatten(1))) as Tensor;
  }
}

export const googlenet = (o: GoogLeNetOptions = {}): GoogLeNet => new GoogLeNet(o);
