// The CIFAR-style ResNets of He et al. (2015, section 4.2): a 3x3 stem and three stages of
// BasicBlocks at 16, 32 and 64 channels (the last two halve the map), global average
// pooling and a linear head; 6n + 2 layers for n blocks per stage. Small enough to train on
// MNIST or CIFAR on a CPU: resnet8 has 78k parameters (n = 1), resnet20 272k (n = 3).
import type { Tensor } from '../../tensor';
import { Module, Sequential, Conv2d, BatchNorm2d, AdaptiveAvgPool2d, MaxPool2d, Identity, Linear, init } from '../../nn/index';
import { BasicBlock } from './resnet';
import { optionsArg } from '../../args';

export interface ResNetCifarOptions {
  numClasses?: number; inChannels?: number; widths?: [number, number, number];
  /** A 2x2 max pool after the stem: stages at half the input size, for a quarter of the work. */
  stemPool?: boolean;
}

export class ResNetCifar extends Module {
  conv1: Conv2d; bn1: BatchNorm2d; pool: Module;
  layer1: Sequential; layer2: Sequential; layer3: Sequential;
  avgpool = new AdaptiveAvgPool2d(1);
  fc: Module;
  constructor(readonly n: number, o: ResNetCifarOptions = {}) {
    super();
    o = optionsArg('ResNetCifar', o);
    const [w1, w2, w3] = o.widths ?? [16, 32, 64];
    this.conv1 = new Conv2d(o.inChannels ?? 3, w1, 3, { padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(w1);
    this.pool = o.stemPool ? new MaxPool2d(2) : new Identity();
    let inp = w1;
    const stage = (planes: number, stride: number): Sequential => {
      // projection shortcut (1x1 conv + BN) where the shape changes, as torchvision's blocks
      const down = stride !== 1 || inp !== planes
        ? new Sequential(new Conv2d(inp, planes, 1, { stride, bias: false }), new BatchNorm2d(planes)) : null;
      const seq = new Sequential(new BasicBlock(inp, planes, stride, down));
      for (let i = 1; i < n; i++) seq.append(new BasicBlock(planes, planes));
      inp = planes;
      return seq;
    };
    this.layer1 = stage(w1, 1);
    this.layer2 = stage(w2, 2);
    this.layer3 = stage(w3, 2);
    this.fc = new Linear(w3, o.numClasses ?? 10);
    for (const m of this.modules()) if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
  }
  forward(x: Tensor): Tensor {
    let h = this.pool.forward(this.bn1.forward(this.conv1.forward(x)).relu()) as Tensor;
    for (const l of [this.layer1, this.layer2, this.layer3]) h = l.forward(h) as Tensor;
    return this.fc.forward(this.avgpool.forward(h).flatten(1)) as Tensor;
  }
}

export const resnet8 = (o: ResNetCifarOptions = {}): ResNetCifar => new ResNetCifar(1, o);
export const resnet20 = (o: ResNetCifarOptions = {}): ResNetCifar => new ResNetCifar(3, o);
