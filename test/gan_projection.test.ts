// The projection discriminator (DCGANDiscriminator({ conditioning: 'projection' }), Miyato & Koyama 2018) against a
// PyTorch twin with loaded weights (test/fixtures/gan_projection.json from scripts/gen_gan_projection_fixtures.py):
// logits, gradients to the image, the class embedding and the first conv, batch-norm running stats; its state-dict
// keys; and the bad-input Errors of the option and of the gan-mnist recipe's realTarget / conditioning options.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { models, train, tensor, type Tensor } from '../ts/index';

const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'gan_projection.json'), 'utf8'));
const f64 = (v: number[], shape: number[]): Tensor => tensor(v, { shape, dtype: 'float64' });
const arr = (t: Tensor): number[] => Array.from(t.contiguous().data() as Float64Array);
const close = (a: number[], b: number[], tol: number): void => {
  expect(a.length).toBe(b.length);
  expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]) / (1 + Math.abs(b[i]))))).toBeLessThan(tol);
};

describe('DCGANDiscriminator conditioning projection against PyTorch (float64, train mode)', () => {
  const load = () => {
    const D = new models.DCGANDiscriminator({ numClasses: fx.numClasses, width: fx.width, conditioning: 'projection' }).double();
    const sd: Record<string, Tensor> = {};
    for (const [k, e] of Object.entries(fx.stateDict as Record<string, { shape: number[]; data: number[] }>)) sd[k] = f64(e.data, e.shape);
    D.loadStateDict(sd, { strict: false });
    return D;
  };
  it('state-dict keys: the body as the concat form (one input channel) plus embed.weight [K, 2w]', () => {
    const keys = [...load().stateDict().keys()];
    expect(keys).toContain('embed.weight');
    for (const k of Object.keys(fx.stateDict)) expect(keys).toContain(k);
    const D = new models.DCGANDiscriminator({ numClasses: 10, width: 8, conditioning: 'projection' });
    expect(D.embed!.weight.shape).toEqual([10, 16]);
    expect((D.net.children()[0] as unknown as { weight: Tensor }).weight.shape).toEqual([8, 1, 4, 4]);
    // N(0, 0.02) like the convs
    const w = arr(D.embed!.weight.double()), sd = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(sd).toBeGreaterThan(0.01); expect(sd).toBeLessThan(0.03);
  });
  it('logits and gradients (image, embedding, first conv), batch-norm running mean', () => {
    const D = load();
    D.train();
    const x = f64(fx.x, [fx.y.length, 1, 28, 28]).requiresGrad_();
    const out = D.forward(x, tensor(fx.y, { dtype: 'int64' }));
    expect(out.shape).toEqual([fx.y.length]);
    close(arr(out), fx.logits, 1e-10);
    out.backward(f64(fx.gradOut, [fx.y.length]));
    close(arr(x.grad!), fx.gradX, 1e-10);
    close(arr(D.embed!.weight.grad!), fx.gradEmbed, 1e-10);
    close(arr((D.net.children()[0] as unknown as { weight: Tensor }).weight.grad!), fx.gradConv0, 1e-10);
    close(arr(D.stateDict().get("net.3.running_mean")!), fx.runningMean, 1e-10);
  });
  it('bad input is named', () => {
    expect(() => new models.DCGANDiscriminator({ numClasses: 10, conditioning: 'film' as never })).toThrow(/^DCGANDiscriminator: conditioning must be 'concat' or 'projection', got film/);
    expect(() => new models.DCGANDiscriminator({ conditioning: 'projection' })).toThrow(/^DCGANDiscriminator: conditioning 'projection' needs numClasses >= 1, got 0/);
    const D = new models.DCGANDiscriminator({ numClasses: 4, width: 2, conditioning: 'projection' });
    const x = tensor(new Float32Array(2 * 784), { shape: [2, 1, 28, 28] });
    expect(() => D.forward(x, tensor([0, 4], { dtype: 'int64' }))).toThrow(/^DCGANDiscriminator: class label 4 \(at index 1\) is out of range \[0, 4\)/);
    expect(() => D.forward(x)).toThrow(/^DCGANDiscriminator: class labels must be a live int64 Tensor, got none/);
    expect(() => train.genRecipes.trainGanMnist({ variant: 'cgan', realTarget: 1.5 })).toThrow(/^gan-mnist: realTarget must be a number in \(0, 1\], got 1.5/);
    expect(() => train.genRecipes.trainGanMnist({ variant: 'cgan', realTarget: 0 })).toThrow(/^gan-mnist: realTarget must be a number in \(0, 1\], got 0/);
    expect(() => train.genRecipes.trainGanMnist({ variant: 'dcgan', conditioning: 'projection' })).toThrow(/^gan-mnist: conditioning applies to the cgan variant only, got variant 'dcgan'/);
  });
});
