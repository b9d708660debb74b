// Diffusion: schedules against numpy (scripts/gen_diffusion_fixtures.py), a U-Net with PyTorch's weights
// giving PyTorch's output and gradients, DDIM and guided DDIM against numpy under a fixed noise model,
// repeatable sampling, and bad input.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { io, models, nn, onnx, manualSeed, memory, tensor, zeros, rand, randn, type Tensor } from '../ts/index';
// reduced-size training: MYELIN_SKIP_LONG_TRAINING=1 (CI's all-built-in pass) skips it
const long = process.env.MYELIN_SKIP_LONG_TRAINING === '1' ? describe.skip : describe;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;  // tensors left to the GC would blur the live count
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'diffusion.json'), 'utf8'));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  expect(a.length, what).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (tol + Math.abs(b[i]) * tol));
  expect(worst, `${what}: worst scaled error`).toBeLessThanOrEqual(1);
};
const arr = (t: Tensor) => Array.from(t.to('float64').data() as Float64Array);

describe('NoiseSchedule', () => {
  for (const kind of ['linear', 'cosine'] as const)
    it(`${kind}: every constant at steps ${fx.idx.join(', ')} of 1000`, () => {
      const s = new models.NoiseSchedule(1000, { kind }) as unknown as Record<string, Float64Array>;
      for (const [name, ref] of Object.entries(fx.schedule[kind] as Record<string, number[]>))
        close(fx.idx.map((i: number) => s[name][i]), ref, 1e-12, `${kind} ${name}`);
    });
  it('bad schedules are named errors', () => {
    expect(() => new models.NoiseSchedule(0)).toThrow('NoiseSchedule: steps must be a positive integer, got 0');
    expect(() => new models.NoiseSchedule(10, { kind: 'sqrt' as never })).toThrow("kind must be 'linear' or 'cosine'");
    expect(() => new models.NoiseSchedule(10, { betaStart: 0.5, betaEnd: 0.1 })).toThrow('need 0 < betaStart <= betaEnd < 1, got 0.5 and 0.1');
  });
});

describe('GroupNorm on the native group_norm', () => {
  it('a traced model keeps the composite, so GroupNorm still exports to ONNX and runs back to the same output', () => {
    manualSeed(1);
    const m = new nn.Sequential(new nn.Conv2d(4, 8, 3), new nn.GroupNorm(2, 8), new nn.SiLU());
    m.eval();
    const x = randn(2, 4, 8, 8);
    const back = onnx.load(onnx.exportBytes(m, [x]));
    const outs = Object.values(back.run([x]));
    close(arr(outs[0]), arr(m.forward(x) as Tensor), 1e-5, 'ONNX round trip');
  });
});

describe('UNet', () => {
  const f = io.loadSafetensors(join(__dirname, 'fixtures', 'diffusion_unet.safetensors'));
  const make = () => {
    const net = new models.UNet({ inChannels: 1, channels: 8, channelMults: [1, 2], attentionLevels: [1], groups: 4, numClasses: 3, heads: 2 });
    const sd = Object.fromEntries(Object.entries(f).filter(([k]) => k.startsWith('w.')).map(([k, v]) => [k.slice(2), v]));
    const r = net.loadStateDict(sd);
    expect(r.missingKeys).toEqual([]); expect(r.unexpectedKeys).toEqual([]);
    return net;
  };
  it("PyTorch's weights give PyTorch's output and gradients (input and every weight)", () => {
    const net = make();
    const x = f.x.clone().requiresGrad_();
    const out = net.forward(x, f.t, f.y);
    close(arr(out), arr(f.out), 2e-5, 'output');
    const w = tensor(Array.from({ length: out.numel() }, (_, i) => -1 + (2 * i) / (out.numel() - 1))).reshape(out.shape);
    out.mul(w).sum().backward();
    close(arr(x.grad!), arr(f.gx), 2e-4, 'input gradient');
    for (const [name, p] of net.namedParameters()) close(arr(p.grad!), arr(f[`g.${name}`]), 5e-4, `gradient of ${name}`);
  });
  it('bad input is a named error', () => {
    const net = make();
    expect(() => net.forward(zeros([2, 1, 7, 7]), f.t, f.y)).toThrow('UNet: expected [N, C, H, W] input with H and W divisible by 2, got [2, 1, 7, 7]');
    expect(() => net.forward(zeros([2, 1, 8, 8]), f.t)).toThrow('UNet: this model is class-conditional: give labels y');
    expect(() => net.forward(zeros([2, 1, 8, 8]), tensor([1n], { dtype: 'int64' }), f.y)).toThrow('UNet: t must be [2] (one step per image), got [1]');
  });
});

// eps(x, t, y) = 0.1 x + 0.01 (y + 1): the fixture's noise model (label 3 is the null class)
class LinearEps {
  numClasses = 3; training = false;
  forward(x: Tensor, _t: Tensor, y?: Tensor | null): Tensor { return x.mul(0.1).add(y!.to('float32').add(1).mul(0.01).reshape([-1, 1, 1, 1])); }
  train() { return this; } eval() { return this; }
}

describe('GaussianDiffusion', () => {
  const d = fx.ddim;
  const diff = new models.GaussianDiffusion(new LinearEps(), new models.NoiseSchedule(d.T));
  const xT = tensor(d.xT).reshape([2, 1, 2, 2]);
  it('DDIM (eta 0) and classifier-free-guided DDIM follow the reference trajectory', () => {
    close(arr(diff.sampleDdim(2, [1, 2, 2], { steps: d.steps, labels: d.labels, xT })), d.plain, 1e-5, 'DDIM');
    close(arr(diff.sampleDdim(2, [1, 2, 2], { steps: d.steps, labels: d.labels, xT, guidanceScale: d.w })), d.guided, 1e-5, 'guided DDIM');
  });
  it('clipDenoised clamps x̂0 to [-1, 1] and re-derives ε̂ (the reference clips two of eight pixels)', () => {
    const got = arr(diff.sampleDdim(2, [1, 2, 2], { steps: d.steps, labels: d.labels, xT, guidanceScale: d.w, clipDenoised: true }));
    close(got, d.clipped, 1e-5, 'clipped DDIM');
    expect(() => diff.sampleDdim(2, [1, 2, 2], { labels: d.labels, clipDenoised: 1 as unknown as boolean }))
      .toThrow('GaussianDiffusion.sampleDdim: clipDenoised must be a boolean, got 1');
  });
  it('sampling repeats under manualSeed, and the training loss is the noise MSE', () => {
    const net = new models.UNet({ channels: 8, channelMults: [1, 2], groups: 4, numClasses: 10 });
    const g = new models.GaussianDiffusion(net, new models.NoiseSchedule(20, { kind: 'cosine' }));
    const draw = () => { manualSeed(3); return arr(g.sample(2, [1, 8, 8], { labels: [1, 7], guidanceScale: 2 })); };
    const a = draw(), b = draw();
    expect(b).toEqual(a);
    expect(a.every(Number.isFinite)).toBe(true);
    manualSeed(4);
    const ddimA = arr(g.sampleDdim(2, [1, 8, 8], { labels: [1, 7], steps: 5, eta: 1 }));
    manualSeed(4);
    expect(arr(g.sampleDdim(2, [1, 8, 8], { labels: [1, 7], steps: 5, eta: 1 }))).toEqual(ddimA);
    const x0 = rand([4, 1, 8, 8]).mul(2).sub(1);
    const l = g.loss(x0, [0, 1, 2, 3]);
    expect(l.ndim).toBe(0);
    l.backward();
    expect(net.outConv.weight.grad).not.toBeNull();
  });
  it('bad images, labels and options are named errors', () => {
    const net = new models.UNet({ channels: 8, channelMults: [1, 2], groups: 4, numClasses: 10 });
    const g = new models.GaussianDiffusion(net, new models.NoiseSchedule(10));
    expect(() => g.loss(rand([2, 1, 8, 8]).mul(255), [0, 1])).toThrow(/GaussianDiffusion.loss: images must be scaled to \[-1, 1\], got values in \[[\d.]+, [\d.]+\]/);
    expect(() => g.loss(rand([2, 8, 8]), [0, 1])).toThrow('GaussianDiffusion.loss: expected images [N, C, H, W], got [2, 8, 8]');
    expect(() => g.loss(rand([2, 1, 8, 8]), [0, 10])).toThrow('GaussianDiffusion.loss: a class label is out of range: 10 (the model has classes 0..9)');
    expect(() => g.loss(rand([2, 1, 8, 8]), [0])).toThrow('GaussianDiffusion.loss: expected 2 labels, got shape [1]');
    expect(() => g.sample(2, [1, 8, 8], { labels: [-1, 2] })).toThrow('a class label is out of range: -1');
    expect(() => g.sample(2, [1, 8, 8])).toThrow('the model is class-conditional: give 2 labels in [0, 10)');
    expect(() => g.sampleDdim(2, [1, 8, 8], { labels: [1, 2], steps: 11 })).toThrow('GaussianDiffusion.sampleDdim: steps must be an integer in [1, 10], got 11');
    expect(() => g.sample(0, [1, 8, 8])).toThrow('GaussianDiffusion.sample: n must be a positive integer, got 0');
    expect(() => g.sample(2, [8, 8], { labels: [1, 2] })).toThrow('shape must be [C, H, W]');
  });
});

long('the ddpm-mnist recipe (reduced: 256 images, 3 epochs, width 8, T 100)', () => {
  it('learns (the noise MSE falls) and writes a grid of guided samples per epoch', async () => {
    const { mkdtempSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { train } = await import('../ts/index');
    const runDir = mkdtempSync(join(tmpdir(), 'ddpm-'));
    const lines: string[] = [], live: { numTensors: number; numBytes: number }[] = [];
    const log = (s: string) => { lines.push(s); if (s.startsWith('epoch ')) { gc(); const m = memory(); live.push({ numTensors: m.numTensors, numBytes: m.numBytes }); } };
    const r = train.trainDdpmMnist({ trainLimit: 256, epochs: 3, width: 8, steps: 100, ddimSteps: 3, samplesPerClass: 1, batchSize: 32, lr: 3e-3, runDir, checkpoint: join(runDir, 'unet.safetensors'), log });
    // memory is flat over the recipe: epochs 2 and 3 end with epoch 1's live tensors and bytes (after a GC)
    expect(live.length).toBe(3);
    expect(live[1]).toEqual(live[0]);
    expect(live[2]).toEqual(live[0]);
    expect(r.grids).toEqual([1, 2, 3].map((e) => join(runDir, `epoch-${e}.png`)));
    for (const g of r.grids) expect(existsSync(g)).toBe(true);
    // an untrained net predicts noise no better than zero (MSE about 1); 24 steps take it well below
    expect(r.losses[2]).toBeLessThan(0.6);
    expect(r.losses[2]).toBeLessThan(0.8 * r.losses[0]);
    expect(r.summary).toContain(`grids in ${runDir}`);
    expect(lines.some((l) => l.startsWith('epoch 3/3 noise MSE'))).toBe(true);
    // the per-epoch checkpoint holds the trained weights (the last epoch's), under the state dict's names
    const saved = io.loadSafetensors(join(runDir, 'unet.safetensors'));
    const sd = r.model.stateDict();
    expect(Object.keys(saved).sort()).toEqual([...sd.keys()].sort());
    for (const [k, v] of sd) expect(Array.from(saved[k].data() as Float32Array)).toEqual(Array.from(v.data() as Float32Array));
    expect(() => train.trainDdpmMnist({ variant: 'sqrt' })).toThrow("ddpm-mnist: unknown variant 'sqrt' (choose from linear, cosine)");
  }, 300_000);
});
