// ResNet (He et al., 2015) in torchvision's v1.5 form: the Bottleneck's stride sits on its
// 3x3 conv (not the first 1x1), and a shortcut that changes shape is a 1x1 conv + BN.
// Field names follow torchvision's, so state dict keys read alike (layer1.0.conv1.weight).
import type { Tensor } from '../../tensor';
import { Module, Sequential, Conv2d, BatchNorm2d, MaxPool2d, AdaptiveAvgPool2d, Linear, ReLU, Identity, init } from '../../nn/index';
import { optionsArg } from '../../args';

const conv3x3 = (i: number, o: number, stride = 1, groups = 1) => new Conv2d(i, o, 3, { stride, padding: 1, groups, bias: false });
const conv1x1 = (i: number, o: number, stride = 1) => new Conv2d(i, o, 1, { stride, bias: false });

/** Two 3x3 convs; the output has `planes` channels (expansion 1). */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Conv2d; bn1: BatchNorm2d; relu = new ReLU(); conv2: Conv2d; bn2: BatchNorm2d;
  downsample: Module | null;
  constructor(inplanes: number, planes: number, stride = 1, downsample: Module | null = null, groups = 1, baseWidth = 64) {
    super();
    if (groups !== 1 || baseWidth !== 64) throw new Error('BasicBlock: only groups = 1 and baseWidth = 64 are supported');
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
  }
  forward(x: Tensor): Tensor {
    let out = this.bn1.forward(this.conv1.forward(x)).relu();
    out = this.bn2.forward(this.conv2.forward(out));
    const identity = this.downsample ? this.downsample.forward(x) as Tensor : x;
    return out.add(identity).relu();
  }
}

/** 1x1 reduce, 3x3 (strided, optionally grouped), 1x1 expand to planes * 4 channels. */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  conv1: Conv2d; bn1: BatchNorm2d; conv2: Conv2d; bn2: BatchNorm2d; conv3: Conv2d; bn3: BatchNorm2d; relu = new ReLU();
  downsample: Module | null;
  constructor(inplanes: number, planes: number, stride = 1, downsample: Module | null = null, groups = 1, baseWidth = 64) {
    super();
    // ResNeXt / wide ResNet widen only the inner 3x3; plain ResNet has width = planes.
    const width = Math.floor(planes * (baseWidth / 64)) * groups;
    this.conv1 = conv1x1(inplanes, width);
    this.bn1 = new BatchNorm2d(width);
    this.conv2 = conv3x3(width, width, stride, groups);
    this.bn2 = new BatchNorm2d(width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.downsample = downsample;
  }
  forward(x: Tensor): Tensor {
    let out = this.bn1.forward(this.conv1.forward(x)).relu();
    out = this.bn2.forward(this.conv2.forward(out)).relu();
    out = this.bn3.forward(this.conv3.forward(out));
    const identity = this.downsample ? this.downsample.forward(x) as Tensor : x;
    return out.add(identity).relu();
  }
}

export type ResNetBlock = typeof BasicBlock | typeof Bottleneck;

export interface ResNetOptions {
  numClasses?: number;
  /** Input channels (3 for RGB, 1 for MNIST). */
  inChannels?: number;
  /**
   * For 32x32-ish images (CIFAR, MNIST): the stem is a 3x3 stride-1 conv with no max pool,
   * so the map is not cut 4x before the first stage. Parameter count changes only in conv1.
   */
  smallInput?: boolean;
  /** Zero the last BN's scale in each block, so every block starts as the identity (torchvision's option). */
  zeroInitResidual?: boolean;
  groups?: number;
  widthPerGroup?: number;
}

/**
 * ResNet from a block type and the number of blocks per stage.
 * ```ts
 * const net = models.resnet18({ numClasses: 10, inChannels: 1, smallInput: true });
 * net.forward(randn(4, 1, 28, 28));   // [4, 10]
 * ```
 */
export class ResNet extends Module {
  conv1: Conv2d; bn1: BatchNorm2d; relu = new ReLU(); maxpool: Module;
  layer1: Sequential; layer2: Sequential; layer3: Sequential; layer4: Sequential;
  avgpool = new AdaptiveAvgPool2d(1);
  /** The classifier head; replace it for transfer learning (`model.fc = new nn.Linear(512, 10)`). */
  fc: Module;
  private inplanes = 64;
  constructor(readonly block: ResNetBlock, readonly layers: [number, number, number, number], o: ResNetOptions = {}) {
    super();
    o = optionsArg('ResNet', o);
    const inC = o.inChannels ?? 3, groups = o.groups ?? 1, baseWidth = o.widthPerGroup ?? 64;
    this.conv1 = o.smallInput ? conv3x3(inC, 64) : new Conv2d(inC, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(64);
    this.maxpool = o.smallInput ? new Identity() : new MaxPool2d(3, { stride: 2, padding: 1 });
    const stage = (planes: number, blocks: number, stride: number): Sequential => {
      const out = planes * block.expansion;
      // The shortcut must match the residual's shape: project when it halves the map or changes width.
      const down = stride !== 1 || this.inplanes !== out ? new Sequential(conv1x1(this.inplanes, out, stride), new BatchNorm2d(out)) : null;
      const seq = new Sequential(new block(this.inplanes, planes, stride, down, groups, baseWidth));
      this.inplanes = out;
      for (let i = 1; i < blocks; i++) seq.append(new block(out, planes, 1, null, groups, baseWidth));
      return seq;
    };
    this.layer1 = stage(64, layers[0], 1);
    this.layer2 = stage(128, layers[1], 2);
    this.layer3 = stage(256, layers[2], 2);
    this.layer4 = stage(512, layers[3], 2);
    this.fc = new Linear(512 * block.expansion, o.numClasses ?? 1000);
    // He initialization for the ReLU convs (fan out, as torchvision); BN starts at scale 1, shift 0.
    for (const m of this.modules()) if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
    if (o.zeroInitResidual)
      for (const m of this.modules()) {
        if (m instanceof Bottleneck) init.zeros_(m.bn3.weight!);
        else if (m instanceof BasicBlock) init.zeros_(m.bn2.weight!);
      }
  }
  /** The pooled [N, 512 * expansion] features, before the head. */
  forwardFeatures(x: Tensor): Tensor {
    let h = this.bn1.forward(this.conv1.forward(x)).relu();
    h = this.maxpool.forward(h) as Tensor;
    for (const l of [this.layer1, this.layer2, this.layer3, this.layer4]) h = l.forward(h) as Tensor;
    return this.avgpool.forward(h).flatten(1);
  }
  forward(x: Tensor): Tensor { return this.fc.forward(this.forwardFeatures(x)) as Tensor; }
}

export const resnet18 = (o: ResNetOptions = {}): ResNet => new ResNet(BasicBlock, [2, 2, 2, 2], o);
export const resnet34 = (o: ResNetOptions = {}): ResNet => new ResNet(BasicBlock, [3, 4, 6, 3], o);
export const resnet50 = (o: ResNetOptions = {}): ResNet => new ResNet(Bottleneck, [3, 4, 6, 3], o);
export const resnet101 = (o: ResNetOptions = {}): ResNet => new ResNet(Bottleneck, [3, 4, 23, 3], o);
export const resnet152 = (o: ResNetOptions = {}): ResNet => new ResNet(Bottleneck, [3, 8, 36, 3], o);
/** ResNeXt-50 32x4d: 32 groups of 4 channels in the first stage's 3x3. */
export const resnext50_32x4d = (o: ResNetOptions = {}): ResNet => new ResNet(Bottleneck, [3, 4, 6, 3], { groups: 32, widthPerGroup: 4, ...o });
/** Wide ResNet-50-2: the bottleneck's inner width doubled. */
export const wideResnet50_2 = (o: ResNetOptions = {}): ResNet => new ResNet(Bottleneck, [3, 4, 6, 3], { widthPerGroup: 128, ...o });
