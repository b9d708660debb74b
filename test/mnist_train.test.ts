// End to end on real MNIST: the seeds' MLP recipe reaches 98% test accuracy within 10
// epochs (what the README's first command runs), the fit loop holds memory flat, and the
// CLI prints progress and results and fails cleanly on bad arguments.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { nn, optim, data, train, type Tensor } from '../ts/index';
import { main } from '../ts/cli';

describe('MNIST MLP 784-256-128-10 (ReLU, dropout 0.2, Adam 1e-3 decayed 0.8x per epoch, batch 64)', () => {
  it('reaches at least 98.0% test accuracy within 10 epochs', async () => {
    const lines: string[] = [];
    const progress = { start() {}, update() {}, stop(l: string) { lines.push(l); } };
    const r = await train.recipes.trainMnistMlp({ targetAcc: 0.98, progress });
    const accs = r.logs.map((l) => l.testAcc!);
    console.log(`MNIST MLP test accuracy per epoch: ${accs.map((a) => (100 * a).toFixed(2)).join(', ')}; ${r.secondsPerEpoch.toFixed(2)} s/epoch`);
    expect(r.logs.length).toBeLessThanOrEqual(10);
    expect(Math.max(...accs)).toBeGreaterThanOrEqual(0.98);
    expect(accs[0]).toBeGreaterThan(0.95);  // one epoch already learns most of it
    expect(lines[0]).toMatch(/^epoch 1\/10: loss \d\.\d{4}, train acc \d+\.\d\d%, test loss \d\.\d{4}, test acc \d+\.\d\d%, [\d.]+ s \(\d+ samples\/s\)$/);
  }, 300_000);
});

describe('fit loop', () => {
  it('frees every batch and intermediate: native memory is flat across epochs', () => {
    my.manualSeed(1);
    const x = my.randn(512, 20), y = my.randint(0, 3, [512]);
    const model = new nn.Sequential(new nn.Linear(20, 16), new nn.ReLU(), new nn.Linear(16, 3));
    const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 32, shuffle: true });
    const quiet = train.makeProgress(process.stdout, { quiet: true });
    const opts = { epochs: 1, optimizer: new optim.Adam(model.parameters()), lossFn: (o: Tensor, t: Tensor) => nn.functional.crossEntropy(o, t), progress: quiet, test: loader };
    train.fit(model, loader, opts);
    const before = my.memory();
    const logs = train.fit(model, loader, { ...opts, epochs: 5 });
    const after = my.memory();
    expect(logs).toHaveLength(5);
    // never more than before (garbage from earlier tests may be collected meanwhile)
    expect(after.numTensors).toBeLessThanOrEqual(before.numTensors);
    expect(after.numBytes).toBeLessThanOrEqual(before.numBytes);
    expect(logs[4].loss).toBeLessThan(logs[0].loss);
  });
  it('fitAsync trains like fit and keeps the event loop serving timers', async () => {
    const setup = () => {
      my.manualSeed(2);
      const x = my.randn(2048, 64), y = my.randint(0, 4, [2048]);
      const model = new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 4));
      const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 16, shuffle: true, seed: 3 });
      return { model, loader, opts: { epochs: 3, optimizer: new optim.SGD(model.parameters(), { lr: 0.05 }), lossFn: (o: Tensor, t: Tensor) => nn.functional.crossEntropy(o, t), progress: train.makeProgress(process.stdout, { quiet: true }) } };
    };
    const a = setup();
    const t0 = performance.now();
    const sync = train.fit(a.model, a.loader, a.opts);
    const syncMs = performance.now() - t0;
    const b = setup();
    let ticks = 0, maxGap = 0, last = performance.now();
    const timer = setInterval(() => { const now = performance.now(); maxGap = Math.max(maxGap, now - last); last = now; ticks++; }, 1);
    const logs = await train.fitAsync(b.model, b.loader, { ...b.opts, yieldMs: 10 });
    clearInterval(timer);
    expect(logs.map((l) => l.loss)).toEqual(sync.map((l) => l.loss));  // the same training, step for step
    expect(ticks).toBeGreaterThan(Math.min(20, syncMs / 50));           // timers ran during training
    expect(maxGap).toBeLessThan(Math.max(250, syncMs / 4));             // and no turn was starved for long
  });
  it('plain progress lines when the stream is not a terminal', () => {
    const out: string[] = [];
    const stream = { isTTY: false, write: (s: string) => { out.push(s); return true; } } as unknown as NodeJS.WriteStream;
    const p = train.makeProgress(stream);
    p.start(1, 2, 8);
    for (let i = 1; i <= 8; i++) p.update(i, { loss: 0.5, acc: 0.9, rate: 1000 });
    p.stop('done');
    expect(out).toEqual(['epoch 1/2 25% | loss 0.5000 | acc 90.00% | 1000 samples/s\n', 'epoch 1/2 50% | loss 0.5000 | acc 90.00% | 1000 samples/s\n',
      'epoch 1/2 75% | loss 0.5000 | acc 90.00% | 1000 samples/s\n', 'done\n']);
  });
});

describe('CLI', () => {
  const run = async (...args: string[]) => { const out: string[] = []; const code = await main(['node', 'myelin', ...args], (s) => out.push(s)); return { code, out }; };
  it('trains a recipe and prints its result', async () => {
    const r = await run('train', 'perceptron');
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/AND: converged after 6 epochs[\s\S]*XOR: did not converge/);
  });
  it('bad recipes and options exit non-zero with a message', async () => {
    const r = await run('train', 'mnist-gan');
    expect(r.code).toBe(2);
    // the list names every recipe (later chapters add theirs after these)
    expect(r.out[0]).toMatch(/^myelin: unknown recipe 'mnist-gan' \(choose from mnist-mlp, mnist-cnn, mnist-resnet, xor, perceptron, boston, spam-rnn, char-lm, mnist-lstm, births-forecast(, [a-z0-9-]+)*\)$/);
    const stderr: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => { stderr.push(s); return true; }) as typeof process.stderr.write;
    // a bad option is a usage error: exit 2
    try { expect((await run('train', 'xor', '--epochs', '0')).code).toBe(2); } finally { process.stderr.write = orig; }
    expect(stderr.join('')).toMatch(/epochs must be a positive integer, got '0'/);
  });
  it('bin/myelin.js runs from the built package', () => {
    const r = spawnSync(process.execPath, [join(__dirname, '..', 'bin', 'myelin.js'), 'train', 'xor', '--epochs', '300'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/XOR 2-4-1 after 300 epochs: MSE/);
    const info = spawnSync(process.execPath, [join(__dirname, '..', 'bin', 'myelin.js'), 'info'], { encoding: 'utf8' });
    expect(JSON.parse(info.stdout).build).toBeTruthy();
  });
});

// The CNN trainings take minutes; .ci/run's second pass (the all-built-in build, whose
// kernels the fixtures already cover) sets MYELIN_SKIP_LONG_TRAINING=1 to run them once.
const long = process.env.MYELIN_SKIP_LONG_TRAINING === '1' ? describe.skip : describe;

long('MNIST CNN (conv 32 and 64 3x3, maxpool, fc 128, dropout 0.5; Adam 1e-3 decayed 0.7x per epoch, batch 64)', () => {
  it('reaches at least 99.0% test accuracy within 5 epochs', async () => {
    const r = await train.recipes.trainMnistCnn({ targetAcc: 0.99, progress: { start() {}, update() {}, stop() {} } });
    const accs = r.logs.map((l) => l.testAcc!);
    console.log(`MNIST CNN test accuracy per epoch: ${accs.map((a) => (100 * a).toFixed(2)).join(', ')}; ${r.secondsPerEpoch.toFixed(1)} s/epoch`);
    expect(r.logs.length).toBeLessThanOrEqual(5);
    expect(Math.max(...accs)).toBeGreaterThanOrEqual(0.99);
    expect(accs[0]).toBeGreaterThan(0.97);
  }, 1_500_000);
});

long('small ResNet on MNIST (ResNet-8: stem + max pool, BasicBlocks at 32/64/128 channels, batch norm; Adam 2e-3 decayed 0.7x per epoch, batch 128, shifts of up to 2 px)', () => {
  it('reaches at least 99.3% test accuracy within 6 epochs', async () => {
    const r = await train.recipes.trainMnistResnet({ targetAcc: 0.993, progress: { start() {}, update() {}, stop() {} } });
    const accs = r.logs.map((l) => l.testAcc!);
    console.log(`MNIST ResNet-8 test accuracy per epoch: ${accs.map((a) => (100 * a).toFixed(2)).join(', ')}; ${r.secondsPerEpoch.toFixed(1)} s/epoch`);
    expect(r.logs.length).toBeLessThanOrEqual(6);
    expect(Math.max(...accs)).toBeGreaterThanOrEqual(0.993);
  }, 2_400_000);
});
