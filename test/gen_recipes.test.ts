// The generative recipes at reduced size (issue 19): each trains, writes a sample grid per epoch
// into its run directory (a PNG of the expected size) and reports its figure; ae/vae training
// losses fall; unknown variants are named. Full-size quality is bench/gen_quality.js.
import { describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PNG } from 'pngjs';
import { train, memory } from '../ts/index';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// reduced-size training: MYELIN_SKIP_LONG_TRAINING=1 (CI's all-built-in pass) skips it
const long = process.env.MYELIN_SKIP_LONG_TRAINING === '1' ? describe.skip : describe;

const rec = train.genRecipes;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;  // tensors left to the GC would blur the live count

const dir = mkdtempSync(join(tmpdir(), 'myelin-genrec-'));
const size = (p: string): [number, number] => { const png = PNG.sync.read(readFileSync(p)); return [png.width, png.height]; };
const quiet = { log: () => {} };
// the recipes are synchronous loops: before each, let the worker answer vitest's pending RPC calls
// (on a loaded machine a reply can otherwise wait out the RPC timeout behind the next recipe)
const breathe = (): Promise<void> => new Promise((r) => setTimeout(r, 100));
// live native tensors and bytes as each epoch ends (the recipe's "epoch k/E" line)
const perEpoch = () => {
  const marks: { numTensors: number; numBytes: number }[] = [];
  return { marks, log: (s: string) => { if (s.startsWith('epoch ')) { gc(); const m = memory(); marks.push({ numTensors: m.numTensors, numBytes: m.numBytes }); } } };
};

long('generative recipes (reduced)', () => {
  it('vae-mnist (cvae): ELBO in nats per image, loss falls, a 10x10 grid per epoch', async () => {
    await breathe();
    const r = rec.trainVaeMnist({ variant: 'cvae', epochs: 2, trainLimit: 384, testLimit: 128, runDir: join(dir, 'vae'), ...quiet });
    expect(r.grids).toEqual([join(dir, 'vae', 'epoch-1.png'), join(dir, 'vae', 'epoch-2.png')]);
    expect(size(r.grids[1])).toEqual([10 * 30 + 2, 10 * 30 + 2]);
    expect(r.losses[1]).toBeLessThan(r.losses[0]);
    // an untrained Bernoulli decoder scores about -784·ln 2 = -543 nats; 6 steps already do better
    expect(r.testElbo!).toBeGreaterThan(-543);
    expect(r.testElbo!).toBeLessThan(0);
  }, 120_000);
  it('ae-mnist (dense): test MSE below the mean image\'s, reconstructions and an interpolation strip', async () => {
    await breathe();
    const r = rec.trainAeMnist({ variant: 'dense', epochs: 2, trainLimit: 1024, testLimit: 128, runDir: join(dir, 'ae'), ...quiet });
    expect(r.losses[1]).toBeLessThan(r.losses[0]);
    expect(r.testMse!).toBeLessThan(0.1);   // all-black images score ~0.1 on MNIST
    expect(size(join(dir, 'ae', 'epoch-2.png'))).toEqual([8 * 30 + 2, 2 * 30 + 2]);
    expect(size(join(dir, 'ae', 'interpolation.png'))).toEqual([10 * 30 + 2, 30 + 2]);
  }, 120_000);
  // one test per variant: each is a synchronous loop, and vitest's worker must get a word in between
  for (const [variant, n] of [['cgan', 128], ['wgan-gp', 320]] as const) it(`gan-mnist (${variant}): a grid per epoch`, async () => {
    await breathe();
    const r = rec.trainGanMnist({ variant, epochs: 1, trainLimit: n, width: 4, runDir: join(dir, variant), ...quiet });
    expect(existsSync(join(dir, variant, 'epoch-1.png'))).toBe(true);
    expect(size(join(dir, variant, 'epoch-1.png'))).toEqual([10 * 30 + 2, 10 * 30 + 2]);
    expect(Number.isFinite(r.losses[0]) && r.losses[0] !== 0).toBe(true);
  }, 120_000);
  it('gan-mnist (cgan) with the projection discriminator and one-sided label smoothing', async () => {
    await breathe();
    const r = rec.trainGanMnist({ variant: 'cgan', conditioning: 'projection', realTarget: 0.9, epochs: 1, trainLimit: 128, width: 4, runDir: join(dir, 'cgan-proj'), ...quiet });
    expect((r.discriminator as unknown as { embed: { weight: { shape: number[] } } }).embed.weight.shape).toEqual([10, 8]);
    expect(Number.isFinite(r.losses[0]) && r.losses[0] !== 0).toBe(true);
  }, 120_000);
  // the "memory flat over a whole recipe": every epoch ends with the same live tensors and
  // bytes (after a GC, so tensors the recipe left to it do not count)
  for (const [variant, run] of [
    ['vae-mnist (cvae)', (log: (s: string) => void) => rec.trainVaeMnist({ variant: 'cvae', epochs: 3, trainLimit: 256, testLimit: 64, runDir: join(dir, 'vae-flat'), log })],
    // 5 batches an epoch: the generator (stepped every 5th) has its Adam state from the first epoch on
    ['gan-mnist (wgan-gp)', (log: (s: string) => void) => rec.trainGanMnist({ variant: 'wgan-gp', epochs: 3, trainLimit: 320, width: 4, runDir: join(dir, 'wgan-flat'), log })],
  ] as const) it(`${variant}: native memory is flat from epoch to epoch`, async () => {
    await breathe();
    const m = perEpoch();
    run(m.log);
    expect(m.marks.length).toBe(3);
    expect(m.marks[2]).toEqual(m.marks[0]);
    expect(m.marks[1]).toEqual(m.marks[0]);
  }, 120_000);
  it('an unknown variant is named', () => {
    expect(() => rec.trainGanMnist({ variant: 'stylegan' })).toThrow(/^gan-mnist: unknown variant 'stylegan' \(choose from dcgan, cgan, wgan-gp\)/);
  });
});
