// Module behaviour (discovery, names, modes, state dicts, freezing), initializers,
// utilities, bad input and memory.
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { nn, type Tensor } from '../ts/index';

class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  bn = new nn.BatchNorm1d(8);
  drop = new nn.Dropout(0.5);
  fc2 = new nn.Linear(8, 2);
  forward(x: Tensor): Tensor { return this.fc2.forward(this.drop.forward(this.bn.forward(this.fc1.forward(x)).relu())); }
}

describe('Module', () => {
  it('finds parameters, buffers and children in definition order with dotted names', () => {
    const m = new nn.Sequential(new Net(), new nn.ReLU());
    expect(m.namedParameters().map((e) => e[0])).toEqual(['0.fc1.weight', '0.fc1.bias', '0.bn.weight', '0.bn.bias', '0.fc2.weight', '0.fc2.bias']);
    expect(m.namedBuffers().map((e) => e[0])).toEqual(['0.bn.running_mean', '0.bn.running_var', '0.bn.num_batches_tracked']);
    expect([...m.stateDict().keys()]).toEqual(['0.fc1.weight', '0.fc1.bias', '0.bn.weight', '0.bn.bias', '0.bn.running_mean',
      '0.bn.running_var', '0.bn.num_batches_tracked', '0.fc2.weight', '0.fc2.bias']);
    expect(m.modules().length).toBe(7);
    expect(m.parameters().reduce((a, p) => a + p.numel(), 0)).toBe(4 * 8 + 8 + 16 + 8 * 2 + 2);
  });
  it('train/eval reach every descendant; dropout is identity in eval and inverted in training', () => {
    const m = new Net();
    m.eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    const x = my.ones([1000]);
    expect(m.drop.forward(x).sum().item()).toBe(1000);
    m.train();
    const y = m.drop.forward(x);
    const kept = y.ne(0).sum().item() as number;
    expect(kept).toBeGreaterThan(430);
    expect(kept).toBeLessThan(570);
    expect(y.max().item()).toBe(2);
  });
  it('loadStateDict copies values; strict mode names missing, unexpected and mis-shaped keys', () => {
    const a = new Net(), b = new Net();
    b.loadStateDict(a.stateDict());
    expect(b.fc1.weight.toArray()).toEqual(a.fc1.weight.toArray());
    const sd = new Map(a.stateDict());
    sd.delete('fc2.bias');
    sd.set('extra', my.zeros(1));
    expect(() => b.loadStateDict(sd)).toThrow(/Missing key\(s\) in state_dict: "fc2.bias"[\s\S]*Unexpected key\(s\) in state_dict: "extra"/);
    expect(b.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['fc2.bias'], unexpectedKeys: ['extra'] });
    sd.set('fc1.weight', my.zeros(3, 3));
    expect(() => b.loadStateDict(sd, { strict: false })).toThrow(/size mismatch for fc1.weight: copying a param with shape \[3, 3\], the shape in current model is \[8, 4\]/);
  });
  it('requiresGrad_(false) freezes; zeroGrad drops gradients', () => {
    const m = new Net();
    m.fc1.requiresGrad_(false);
    m.forward(my.randn(5, 4)).sum().backward();
    expect(m.fc1.weight.grad).toBeNull();
    expect(m.fc2.weight.grad).not.toBeNull();
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
  });
  it('toString prints like torch', () => {
    const m = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Dropout(0.2));
    expect(m.toString()).toBe('Sequential(\n  (0): Linear(in_features=784, out_features=256, bias=True)\n  (1): ReLU()\n  (2): Dropout(p=0.2, inplace=False)\n)');
  });
  it('apply visits children first; ModuleList and ModuleDict register their modules', () => {
    const seen: string[] = [];
    new nn.Sequential(new nn.Linear(1, 1), new nn.Tanh()).apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual(['Linear', 'Tanh', 'Sequential']);
    class Holder extends nn.Module {
      list = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 1)]);
      dict = new nn.ModuleDict({ head: new nn.Linear(1, 3) });
      forward(x: Tensor): Tensor { return x; }
    }
    expect(new Holder().namedParameters().map((e) => e[0])).toEqual(['list.0.weight', 'list.0.bias', 'list.1.weight', 'list.1.bias', 'dict.head.weight', 'dict.head.bias']);
  });
});

describe('nn.init', () => {
  const stats = (t: Tensor) => ({ mean: t.mean().item() as number, std: t.std().item() as number, max: t.abs().max().item() as number });
  it('default Linear init: weight and bias within 1/sqrt(fan_in), uniform std', () => {
    const l = new nn.Linear(400, 300);
    const s = stats(l.weight);
    expect(s.max).toBeLessThanOrEqual(1 / 20);
    expect(s.max).toBeGreaterThan(0.0499);
    expect(s.std).toBeCloseTo(1 / 20 / Math.sqrt(3), 3);
    expect(stats(l.bias!).max).toBeLessThanOrEqual(1 / 20);
  });
  it("other layers' defaults follow torch: Bilinear U(±1/√in1), Embedding N(0, 1), norms ones and zeros", () => {
    const bl = new nn.Bilinear(100, 30, 20);
    expect(stats(bl.weight).max).toBeLessThanOrEqual(0.1);
    expect(stats(bl.weight).std).toBeCloseTo(0.1 / Math.sqrt(3), 3);
    expect(stats(bl.bias!).max).toBeLessThanOrEqual(0.1);
    const e = stats(new nn.Embedding(1000, 64).weight);
    expect(e.mean).toBeCloseTo(0, 1);
    expect(e.std).toBeCloseTo(1, 1);
    for (const m of [new nn.BatchNorm1d(5), new nn.LayerNorm(5)]) {
      expect(m.weight!.toArray()).toEqual([1, 1, 1, 1, 1]);
      expect(m.bias!.toArray()).toEqual([0, 0, 0, 0, 0]);
    }
    const bn = new nn.BatchNorm1d(3);
    expect(bn.runningMean!.toArray()).toEqual([0, 0, 0]);
    expect(bn.runningVar!.toArray()).toEqual([1, 1, 1]);
    expect(nn.init.constant_(my.empty(2), 0.5).toArray()).toEqual([0.5, 0.5]);
    expect(nn.init.ones_(my.empty(2)).toArray()).toEqual([1, 1]);
    expect(nn.init.zeros_(my.empty(2)).toArray()).toEqual([0, 0]);
    const u = stats(nn.init.uniform_(my.empty(20000), -2, 2));
    expect(u.max).toBeLessThanOrEqual(2);
    expect(u.std).toBeCloseTo(4 / Math.sqrt(12), 1);
    expect(stats(nn.init.normal_(my.empty(20000), 3, 0.5)).mean).toBeCloseTo(3, 1);
  });
  it('xavier, kaiming and lecun scales; calculateGain', () => {
    const w = my.empty(500, 400);
    expect(stats(nn.init.xavierNormal_(w)).std).toBeCloseTo(Math.sqrt(2 / 900), 3);
    expect(stats(nn.init.xavierUniform_(w)).max).toBeLessThanOrEqual(Math.sqrt(6 / 900));
    expect(stats(nn.init.kaimingNormal_(w, { nonlinearity: 'relu' })).std).toBeCloseTo(Math.sqrt(2 / 400), 3);
    expect(stats(nn.init.kaimingNormal_(w, { nonlinearity: 'relu', mode: 'fanOut' })).std).toBeCloseTo(Math.sqrt(2 / 500), 3);
    expect(stats(nn.init.kaimingUniform_(w, { nonlinearity: 'relu' })).max).toBeLessThanOrEqual(Math.sqrt(6 / 400));
    expect(stats(nn.init.lecunNormal_(w)).std).toBeCloseTo(Math.sqrt(1 / 400), 3);
    expect(nn.init.calculateGain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
    expect(nn.init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
  });
  it('orthogonal_ gives orthonormal rows or columns', () => {
    for (const [r, c] of [[6, 4], [4, 6]]) {
      const w = nn.init.orthogonal_(my.empty(r, c));
      const g = r < c ? w.matmul(w.t()) : w.t().matmul(w);
      const eye = my.eye(Math.min(r, c));
      expect(g.sub(eye).abs().max().item()).toBeLessThan(1e-5);
    }
  });
});

describe('nn.utils', () => {
  it('clipGradNorm_ returns the total norm and scales to maxNorm; clipGradValue_ clamps', () => {
    const a = my.zeros(2).requiresGrad_(), b = my.zeros(1).requiresGrad_();
    a.grad = my.tensor([3, 0]).float(); b.grad = my.tensor([4]).float();
    expect(nn.utils.clipGradNorm_([a, b], 1)).toBeCloseTo(5, 6);
    expect((a.grad!.toArray() as number[])[0]).toBeCloseTo(0.6, 5);
    expect((b.grad!.toArray() as number[])[0]).toBeCloseTo(0.8, 5);
    nn.utils.clipGradValue_([a, b], 0.7);
    expect(b.grad!.toArray()).toEqual([Math.fround(0.7)]);
  });
  it('l1Penalty is the sum of |w| and differentiates to sign(w)', () => {
    const w = my.tensor([-2, 0.5, 3], { dtype: 'float64' }).requiresGrad_();
    const p = nn.utils.l1Penalty([w]);
    expect(p.item()).toBe(5.5);
    p.backward();
    expect(w.grad!.toArray()).toEqual([-1, 1, 1]);
  });
});

describe('nn bad input', () => {
  it('throws named errors', () => {
    expect(() => new nn.Linear(4, 2).forward(my.randn(3, 5))).toThrow(/linear: input \[3, 5\] has 5 features, weight \[2, 4\] expects 4/);
    const F = nn.functional;
    expect(() => F.crossEntropy(my.randn(3, 4), my.tensor([0n, 1n]))).toThrow(/crossEntropy: expected target of shape \[3\]/);
    expect(() => F.crossEntropy(my.randn(3, 4), my.tensor([0n, 1n, 4n]))).toThrow(/crossEntropy: target class out of range \[0, 4\)/);
    expect(() => F.crossEntropy(my.randn(3, 4), my.tensor([0, 1, 2]).int().float().reshape(3, 1))).toThrow(/crossEntropy: target size/);
    expect(() => F.binaryCrossEntropy(my.tensor([0.5, 1.5]), my.tensor([0, 1]).float())).toThrow(/between 0 and 1/);
    expect(() => F.mseLoss(my.randn(3), my.randn(4))).toThrow(/mseLoss: target size \[4\] must be the same as input size \[3\]/);
    expect(() => new nn.BatchNorm1d(3).forward(my.randn(2, 4))).toThrow(/BatchNorm1d: expected 3 channels/);
    expect(() => new nn.BatchNorm1d(3).forward(my.randn(1, 3))).toThrow(/more than 1 value per channel/);
    expect(() => new nn.Dropout(1.5)).toThrow(/between 0 and 1/);
    expect(() => new nn.Embedding(3, 2).forward(my.tensor([0.5]))).toThrow(/embedding: indices must be int64/);
    expect(() => new nn.Embedding(3, 2).forward(my.tensor([3n]))).toThrow(/index_select/);
  });
});

describe('nn memory', () => {
  it('500 steps of forward/backward/zeroGrad keep native memory flat', () => {
    const m = new nn.Sequential(new nn.Linear(20, 32), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(32, 3));
    const lossFn = new nn.CrossEntropyLoss();
    const x = my.randn(16, 20), y = my.randint(0, 3, [16]);
    const step = () => my.tidy(() => { m.zeroGrad(); lossFn.forward(m.forward(x) as Tensor, y).backward(); });
    for (let i = 0; i < 50; i++) step();
    const before = my.memory();
    for (let i = 0; i < 500; i++) step();
    const after = my.memory();
    expect(after.numTensors - before.numTensors).toBeLessThanOrEqual(8);
    expect(after.numBytes - before.numBytes).toBeLessThan(64 * 1024);
  });
});

describe('Dropout2d', () => {
  it('zeroes whole channels with probability p and scales the rest by 1/(1-p); identity in eval', () => {
    my.manualSeed(11);
    const p = 0.3, d = new nn.Dropout2d(p), x = my.rand([40, 50, 3, 4]).add(0.5);
    const y = d.forward(x);
    // per (n, c) plane: all zero, or exactly x / (1 - p)
    const ratio = y.div(x).reshape([2000, 12]).toArray() as number[][];
    let zeros = 0;
    for (const plane of ratio) {
      const first = plane[0];
      expect(plane.every((v) => Math.abs(v - first) < 1e-6)).toBe(true);
      if (first === 0) zeros++;
      else expect(first).toBeCloseTo(1 / (1 - p), 5);
    }
    // 2000 Bernoulli(0.3) planes: mean 600, sd ~20.5
    expect(Math.abs(zeros - 600)).toBeLessThan(80);
    d.eval();
    expect(d.forward(x)).toBe(x);
    expect(() => new nn.Dropout2d(1.5)).toThrow(/Dropout2d: probability has to be between 0 and 1, but got 1.5/);
  });
});
