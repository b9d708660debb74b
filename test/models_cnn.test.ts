// The CNN families in models/: parameter counts equal to torchvision's (the published
// numbers of its model table), a forward and backward pass at a small input for each
// family with a finite, correctly shaped, non-zero gradient on every parameter,
// EfficientNet's compound scaling, and transfer learning on real MNIST digits.
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { models, nn, optim, data, tidy, noGrad, type Tensor } from '../ts/index';

/** The raw float32 bits of a tensor (a copy), for bit-identity checks. */
const bits = (t: Tensor): Uint32Array => { const f = t.contiguous().data() as Float32Array; return new Uint32Array(f.buffer, f.byteOffset, f.length).slice(); };
const count = (m: nn.Module): number => m.parameters().reduce((s, p) => s + p.numel(), 0);
/** Frees a model's weights now rather than at GC (the VGGs hold over 500 MB each). */
const free = (m: nn.Module): void => { m.zeroGrad(); for (const p of m.parameters()) p.dispose(); for (const b of m.buffers()) b.dispose(); };

describe('parameter counts equal torchvision', () => {
  const cases: [string, () => nn.Module, number][] = [
    ['lenet5', () => models.lenet5(), 61_706],
    ['alexnet', () => models.alexnet(), 61_100_840],
    ['vgg11', () => models.vgg11(), 132_863_336],
    ['vgg11Bn', () => models.vgg11Bn(), 132_868_840],
    ['vgg16', () => models.vgg16(), 138_357_544],
    ['resnet18', () => models.resnet18(), 11_689_512],
    ['resnet34', () => models.resnet34(), 21_797_672],
    ['resnet50', () => models.resnet50(), 25_557_032],
    ['resnext50_32x4d', () => models.resnext50_32x4d(), 25_028_904],
    ['googlenet', () => models.googlenet(), 6_624_904],
    ['efficientnetB0', () => models.efficientnetB0(), 5_288_548],
    ['efficientnetB1', () => models.efficientnetB1(), 7_794_184],
    ['efficientnetB2', () => models.efficientnetB2(), 9_109_994],
    ['efficientnetB3', () => models.efficientnetB3(), 12_233_232],
  ];
  for (const [name, make, n] of cases) it(`${name}() has ${n.toLocaleString('en-US')} parameters`, () => {
    const m = make();
    try { expect(count(m)).toBe(n); } finally { free(m); }
  });
  it('the head follows numClasses and the stem follows inChannels', () => {
    const a = models.resnet18(), b = models.resnet18({ numClasses: 10, inChannels: 1 });
    // fc: 990 fewer outputs x (512 weights + 1 bias); conv1: 2 fewer input channels x 64 x 7 x 7
    expect(count(a) - count(b)).toBe(990 * 513 + 2 * 64 * 49);
    const c = models.resnet18({ smallInput: true });
    expect(count(a) - count(c)).toBe(3 * 64 * (49 - 9));  // 3x3 stem instead of 7x7
    [a, b, c].forEach(free);
  });
  it('state dict keys read as torchvision\'s', () => {
    const m = models.resnet50();
    const keys = [...m.stateDict().keys()];
    expect(keys.slice(0, 6)).toEqual(['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked']);
    expect(keys).toContain('layer1.0.downsample.0.weight');
    expect(keys).toContain('layer4.2.conv3.weight');
    expect(keys.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    expect(m.stateDict().get('layer2.0.conv2.weight')!.shape).toEqual([128, 128, 3, 3]);  // v1.5: the 3x3 is strided
    expect((m.layer2.at(0) as models.Bottleneck).conv2.stride).toEqual([2, 2]);
    expect((m.layer2.at(0) as models.Bottleneck).conv1.stride).toEqual([1, 1]);
    free(m);
  });
});

/**
 * One training-mode step: output [N, numClasses], then cross entropy backward, after which every
 * parameter has a finite gradient of its own shape that is not all zero.
 */
function forwardBackward(m: nn.Module, input: number[], numClasses: number): void {
  my.manualSeed(0);
  tidy(() => {
    const x = my.randn(input), y = my.randint(0, numClasses, [input[0]]);
    const out = m.forward(x) as Tensor;
    expect(out.shape).toEqual([input[0], numClasses]);
    nn.functional.crossEntropy(out, y).backward();
    const bad: string[] = [];
    for (const [name, p] of m.namedParameters()) {
      const g = p.grad;
      if (!g) { bad.push(`${name}: no grad`); continue; }
      if (g.shape.join(',') !== p.shape.join(',')) bad.push(`${name}: grad [${g.shape}] vs param [${p.shape}]`);
      else if (!g.isfinite().all().item()) bad.push(`${name}: non-finite grad`);
      else if (!g.ne(0).any().item()) bad.push(`${name}: all-zero grad`);
    }
    expect(bad).toEqual([]);
  });
  free(m);
}

describe('forward and backward at small inputs (train mode)', () => {
  it('lenet5 on MNIST-sized [4, 1, 28, 28], relu and tanh', () => {
    forwardBackward(models.lenet5(), [4, 1, 28, 28], 10);
    forwardBackward(models.lenet5({ activation: 'tanh', padding: 0 }), [4, 1, 32, 32], 10);
  });
  it('alexnet on [2, 3, 63, 63] (its smallest input)', () => forwardBackward(models.alexnet({ numClasses: 5 }), [2, 3, 63, 63], 5));
  it('vgg11 and vgg11Bn on [2, 3, 32, 32]', () => {
    forwardBackward(models.vgg11({ numClasses: 5 }), [2, 3, 32, 32], 5);
    // (with BatchNorm after each conv, the conv biases get exactly zero gradient, as in torch: check the BN net's shape only)
    const m = models.vgg11Bn({ numClasses: 5 });
    tidy(() => { expect((m.forward(my.randn(2, 3, 32, 32)) as Tensor).shape).toEqual([2, 5]); });
    free(m);
  });
  it('resnet18 on [2, 3, 64, 64]', () => forwardBackward(models.resnet18({ numClasses: 7 }), [2, 3, 64, 64], 7));
  it('resnet50 (Bottleneck) on [2, 3, 64, 64]', () => forwardBackward(models.resnet50({ numClasses: 7 }), [2, 3, 64, 64], 7));
  it('resnet18 with the small-input stem on [2, 1, 16, 16]', () => {
    const m = models.resnet18({ numClasses: 10, inChannels: 1, smallInput: true });
    expect(m.maxpool).toBeInstanceOf(nn.Identity);
    expect(m.conv1.kernelSize).toEqual([3, 3]);
    forwardBackward(m, [2, 1, 16, 16], 10);
  });
  it('googlenet on [2, 3, 32, 32]', () => forwardBackward(models.googlenet({ numClasses: 6 }), [2, 3, 32, 32], 6));
  // 64x64, not 32x32: at 32x32 the last 5x5 stage runs on a 1x1 map, where the native
  // im2col writes out of bounds (padding 2 > the 1-wide output; see native/cpu/conv.cpp valid_range).
  it('efficientnetB0 on [2, 3, 64, 64]', () => forwardBackward(models.efficientnetB0({ numClasses: 4, stochasticDepthProb: 0 }), [2, 3, 64, 64], 4));
  it('eval mode is deterministic (dropout and stochastic depth off), train mode is not', () => {
    const m = models.efficientnetB0({ numClasses: 3, stochasticDepthProb: 0.5, dropout: 0.5 });
    noGrad(() => tidy(() => {
      const x = my.randn(2, 3, 64, 64);
      m.eval();
      const a = m.forward(x), b = m.forward(x);
      expect(a.sub(b).abs().max().item()).toBe(0);
      m.train();
      const c = m.forward(x), d = m.forward(x);
      expect(c.sub(d).abs().max().item()).toBeGreaterThan(0);
    }));
    free(m);
  });
});

describe('EfficientNet compound scaling', () => {
  it('makeDivisible rounds to multiples of 8 and never loses more than 10%', () => {
    expect([32, 16, 24, 40, 80, 112, 192, 320].map((c) => models.makeDivisible(c * 1.1))).toEqual([32, 16, 24, 48, 88, 120, 208, 352]);
    expect([32, 16, 24, 40, 80, 112, 192, 320].map((c) => models.makeDivisible(c * 1.2))).toEqual([40, 24, 32, 48, 96, 136, 232, 384]);
    expect(models.makeDivisible(3)).toBe(8);          // at least the divisor
    expect(models.makeDivisible(92)).toBe(96);        // nearest multiple
    expect(models.makeDivisible(11 * 8 + 3.9)).toBe(88);
  });
  it('depths: B0 has 16 MBConv blocks, B1 23, B2 23, B3 26 (ceil of layers x depth per stage)', () => {
    const depths: Record<string, number[]> = {};
    for (const [k, f] of [['b0', models.efficientnetB0], ['b1', models.efficientnetB1], ['b2', models.efficientnetB2], ['b3', models.efficientnetB3]] as const) {
      const m = f();
      depths[k] = m.features.children().slice(1, 8).map((s) => (s as nn.Sequential).length);
      expect(m.blocks().length).toBe(depths[k].reduce((a, b) => a + b, 0));
      if (k === 'b1') {
        // widths follow width 1.0: stem 32, stage outputs as B0, head 4 x 320
        expect(m.blocks().map((b) => b.outChannels).filter((c, i, a) => a.indexOf(c) === i)).toEqual([16, 24, 40, 80, 112, 192, 320]);
        expect((m.classifier.at(1) as nn.Linear).inFeatures).toBe(1280);
        expect((m.classifier.at(0) as nn.Dropout).p).toBe(0.2);
      }
      if (k === 'b3') {
        expect(m.blocks().map((b) => b.outChannels).filter((c, i, a) => a.indexOf(c) === i)).toEqual([24, 32, 48, 96, 136, 232, 384]);
        expect((m.classifier.at(1) as nn.Linear).inFeatures).toBe(1536);
        expect((m.classifier.at(0) as nn.Dropout).p).toBe(0.3);
      }
      free(m);
    }
    expect(depths).toEqual({ b0: [1, 2, 2, 3, 3, 4, 1], b1: [2, 3, 3, 4, 4, 5, 2], b2: [2, 3, 3, 4, 4, 5, 2], b3: [2, 3, 3, 5, 5, 6, 2] });
  });
  it('MBConv: residual only at stride 1 with equal widths; SE squeezes to a quarter of the block input', () => {
    const m = models.efficientnetB0();
    const b = m.blocks();
    expect(b.map((x) => x.useResidual)).toEqual([false, false, true, false, true, false, true, true, false, true, true, false, true, true, true, false]);
    const se = b[1].block.children().find((c) => c instanceof models.SqueezeExcitation) as models.SqueezeExcitation;
    expect(se.fc1.weight.shape).toEqual([4, 96, 1, 1]);  // input 16 -> squeeze 4; expanded 16 x 6 = 96
    const dw = (b[1].block.at(1) as nn.Sequential).at(0) as nn.Conv2d;
    expect([dw.groups, dw.stride]).toEqual([96, [2, 2]]);
    // stochastic depth grows linearly to 0.2 over the 16 blocks
    expect(b[15].stochasticDepth.p).toBeCloseTo(0.2 * 15 / 16, 12);
    free(m);
  });
  it('efficientnetB1 runs forward at [1, 3, 64, 64]', () => {
    const m = models.efficientnetB1({ numClasses: 5 }).eval();
    noGrad(() => tidy(() => {
      const out = m.forward(my.randn(1, 3, 64, 64));
      expect(out.shape).toEqual([1, 5]);
      expect(out.isfinite().all().item()).toBe(true);
    }));
    free(m);
  });
});

describe('transfer learning on MNIST', () => {
  /** Parameter bits by name (all but `skip`), to check later that none moved. */
  const snapshot = (m: nn.Module, skip: Set<Tensor>) => new Map(m.namedParameters().filter(([, p]) => !skip.has(p)).map(([n, p]) => [n, bits(p)]));
  function expectUnchanged(m: nn.Module, was: Map<string, Uint32Array>): void {
    const moved: string[] = [];
    for (const [n, p] of m.namedParameters()) {
      const b = was.get(n);
      if (!b) continue;
      if (p.grad) moved.push(`${n}: got a gradient`);
      const now = bits(p);
      if (now.length !== b.length || now.some((v, i) => v !== b[i])) moved.push(`${n}: changed`);
    }
    expect(moved).toEqual([]);
  }
  const ceLoss = (m: nn.Module, x: Tensor, y: Tensor) => noGrad(() => tidy(() => nn.functional.crossEntropy(m.forward(x) as Tensor, y).item() as number));
  /** Adam on `params` over mini-batches of (x, y), cycling. */
  function fit(m: nn.Module, params: nn.Parameter[], x: Tensor, y: Tensor, steps: number, batch: number, lr: number): void {
    const opt = new optim.Adam(params, { lr });
    const n = x.shape[0];
    for (let step = 0; step < steps; step++) tidy(() => {
      const i = (step * batch) % (n - batch + 1);
      opt.zeroGrad();
      nn.functional.crossEntropy(m.forward(x.narrow(0, i, batch)) as Tensor, y.narrow(0, i, batch)).backward();
      opt.step();
    });
  }

  it('resnet18: frozen backbone, new fc head: only the head moves and the loss goes down', () => {
    my.manualSeed(3);
    const { images, labels } = data.loadMnist({ split: 'train' });
    const x = images.narrow(0, 0, 256).contiguous(), y = labels.narrow(0, 0, 256).contiguous();
    // Stands in for a pretrained ImageNet-style net on 1-channel input (its stem cuts 28x28 to 7x7).
    // BatchNorm stays in training mode: these random weights come with no useful running statistics,
    // so the batch statistics normalize the features (the running buffers move; the parameters may not).
    const model = models.resnet18({ inChannels: 1 });
    model.requiresGrad_(false);
    model.fc = new nn.Linear(512, 10);
    const head = new Set<Tensor>(model.fc.parameters());
    const backbone = snapshot(model, head);
    expect(backbone.size).toBe(model.parameters().length - 2);
    const headBefore = model.fc.parameters().map(bits);
    const evalX = x.narrow(0, 0, 128), evalY = y.narrow(0, 0, 128);
    const loss0 = ceLoss(model, evalX, evalY);
    fit(model, model.fc.parameters(), x, y, 8, 32, 1e-2);
    const loss1 = ceLoss(model, evalX, evalY);
    console.log(`resnet18 transfer: loss ${loss0.toFixed(4)} -> ${loss1.toFixed(4)} after 8 Adam steps on the head`);
    expect(loss1).toBeLessThan(loss0 * 0.8);
    model.fc.parameters().forEach((p, i) => expect(bits(p)).not.toEqual(headBefore[i]));
    expectUnchanged(model, backbone);
    free(model);
    [images, labels, x, y].forEach((t) => t.dispose());
  });

  it('lenet5 pretrained on digits 0-4, transferred to digits 5-9 by a new last layer', () => {
    my.manualSeed(4);
    const { images, labels } = data.loadMnist({ split: 'train' });
    const lab = labels.narrow(0, 0, 3000).data() as BigInt64Array;
    const pick = (keep: (d: number) => boolean, shift: number) => {
      const idx = [...lab.keys()].filter((i) => keep(Number(lab[i])));
      const it = my.tensor(BigInt64Array.from(idx.map(BigInt)), { dtype: 'int64' });
      return { x: images.indexSelect(0, it), y: labels.indexSelect(0, it).sub(shift), n: idx.length };
    };
    const a = pick((d) => d < 5, 0), b = pick((d) => d >= 5, 5);
    const model = models.lenet5();
    fit(model, model.parameters(), a.x, a.y, 120, 64, 2e-3);       // "pretraining" on 0-4
    expect(ceLoss(model, a.x, a.y)).toBeLessThan(0.5);
    // Freeze everything, then swap the 84 -> 10 output layer for a fresh 84 -> 5 one (digits 5-9 as 0-4).
    model.zeroGrad();  // drop the pretraining's last gradients
    model.requiresGrad_(false);
    model.classifier.registerModule('5', new nn.Linear(84, 5));
    const newHead = model.classifier.at(5) as nn.Linear;
    const head = new Set<Tensor>(newHead.parameters());
    const backbone = snapshot(model, head);
    expect(backbone.size).toBe(8);  // 2 convs + 2 hidden linears, weight and bias each
    const trainX = b.x.narrow(0, 0, 1024), trainY = b.y.narrow(0, 0, 1024);
    const testX = b.x.narrow(0, 1024, b.n - 1024), testY = b.y.narrow(0, 1024, b.n - 1024);
    const loss0 = ceLoss(model, testX, testY);
    fit(model, newHead.parameters(), trainX, trainY, 100, 64, 1e-2);
    const loss1 = ceLoss(model, testX, testY);
    const acc = noGrad(() => tidy(() => (model.forward(testX) as Tensor).argmax(1).eq(testY).float().mean().item() as number));
    console.log(`lenet5 transfer 0-4 -> 5-9: held-out loss ${loss0.toFixed(4)} -> ${loss1.toFixed(4)}, accuracy ${(100 * acc).toFixed(1)}%`);
    expect(loss1).toBeLessThan(loss0 * 0.5);
    // Features learned on other digits carry over in part: a linear read-out of the frozen 84-wide
    // layer reaches about 68% here (chance is 20%).
    expect(acc).toBeGreaterThan(0.55);
    expectUnchanged(model, backbone);
    free(model);
    [images, labels, a.x, a.y, b.x, b.y].forEach((t) => t.dispose());
  });
});
